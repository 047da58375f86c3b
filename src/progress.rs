//! Progress on stderr, only when stderr is a terminal (indicatif hides itself otherwise).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A byte-counting progress bar: bytes read, rate, ETA.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `total` is the on-disk size of the inputs (0 if unknown). When inputs are compressed the
    /// decompressed count runs past it, so the bar then shows a spinner with a byte count.
    pub fn bytes(enabled: bool, total: u64, what: &str) -> Self {
        if !enabled {
            return Self { bar: None };
        }
        let bar = if total > 0 {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        };
        let style = ProgressStyle::with_template(&format!(
            "{what} {{bar:30}} {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} ETA {{eta}} {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Self { bar: Some(bar) }
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    /// Decompressed bytes: counted against the total only while it still fits.
    pub fn inc_decompressed(&self, n: u64) {
        if let Some(b) = &self.bar {
            if b.length().is_some_and(|l| b.position() + n > l) {
                b.set_length(b.position() + n);
            }
            b.inc(n);
        }
    }

    pub fn set_message(&self, msg: String) {
        if let Some(b) = &self.bar {
            b.set_message(msg);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
