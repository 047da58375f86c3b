//! A small SVG chart writer: bar charts and line charts with axes, round ticks, labels, a title
//! and hover tooltips (`<title>` elements, which also serve screen readers).
//!
//! The output is meant to be inlined into an HTML page, so the root `<svg>` carries no `xmlns`
//! (the HTML parser puts it in the SVG namespace; this also keeps every URL out of the report).
//! All text is XML-escaped. Coordinates are printed with one decimal, so the same data always
//! gives the same bytes. Empty and all-zero data still draw the axes, with ticks 0–3.

use std::fmt::Write as _;

/// Width of every chart, in SVG user units (the page scales it down to fit).
pub const WIDTH: f64 = 960.0;
/// Height of every chart.
pub const HEIGHT: f64 = 320.0;

const LEFT: f64 = 72.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 64.0;

const AXIS: &str = "#444";
const GRID: &str = "#e3e3e3";
const TEXT: &str = "#222";
const BAR: &str = "#3d6fa8";
const BAR_PEAK: &str = "#c0392b";
/// Line colours, one per series, in order.
pub const PALETTE: [&str; 4] = ["#c0392b", "#3d6fa8", "#d68910", "#6c3483"];

/// One bar: its x-axis label, its value and its tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub tooltip: String,
}

/// A bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub bars: &'a [Bar],
    /// Draw the tallest bar(s) in a warning colour.
    pub highlight_max: bool,
}

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// One value per x label; missing values are not drawn.
    pub values: Vec<u64>,
}

/// A line chart: one or more series over the same x labels, with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub labels: &'a [String],
    pub series: &'a [Series],
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0; show them as a replacement mark.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Round y-axis ticks from 0 to at least `max`: 4 or 5 ticks, spaced by 1, 2 or 5 × 10ⁿ.
/// `max == 0` gives `[0, 1, 2, 3]`, so empty charts still have an axis.
pub fn nice_ticks(max: u64) -> Vec<u64> {
    let mut magnitude: u64 = 1;
    loop {
        for mantissa in [1u64, 2, 5] {
            let Some(step) = mantissa.checked_mul(magnitude) else {
                return vec![0, max];
            };
            let intervals = max.div_ceil(step);
            if intervals <= 4 {
                let intervals = intervals.max(3);
                return (0..=intervals).map(|i| i.saturating_mul(step)).collect();
            }
        }
        match magnitude.checked_mul(10) {
            Some(m) => magnitude = m,
            None => return vec![0, max],
        }
    }
}

/// Short tick label: `950`, `1.5k`, `20k`, `1.2M`, `3G`.
pub fn compact(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")];
    for (unit, suffix) in UNITS {
        if n >= unit {
            let tenths = (u128::from(n) * 10 + u128::from(unit) / 2) / u128::from(unit);
            return if tenths % 10 == 0 {
                format!("{}{suffix}", tenths / 10)
            } else {
                format!("{}.{}{suffix}", tenths / 10, tenths % 10)
            };
        }
    }
    n.to_string()
}

/// The hourly denials chart: 24 bars, 00–23 UTC, the busiest hour highlighted, titled with
/// `title`.
pub fn hourly_chart(hourly: &[u64], title: &str) -> String {
    let bars: Vec<Bar> = super::hours24(hourly)
        .iter()
        .enumerate()
        .map(|(hour, &value)| Bar {
            label: format!("{hour:02}"),
            value,
            tooltip: format!(
                "{}: {} denial{}",
                super::hour_range(hour),
                super::fmt_count(value),
                if value == 1 { "" } else { "s" }
            ),
        })
        .collect();
    bar_chart(&BarChart {
        title,
        x_label: "hour (UTC)",
        y_label: "denials",
        bars: &bars,
        highlight_max: true,
    })
}

/// The plot frame shared by both chart kinds: root element, title, grid, y ticks and labels.
struct Frame {
    out: String,
    top_tick: u64,
}

impl Frame {
    fn new(title: &str, x_label: &str, y_label: &str, max: u64) -> Frame {
        let ticks = nice_ticks(max);
        let top_tick = ticks.last().copied().unwrap_or(1).max(1);
        let mut out = String::new();
        let t = escape(title);
        let _ = write!(
            out,
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH:.0} {HEIGHT:.0}\" width=\"{WIDTH:.0}\" \
             height=\"{HEIGHT:.0}\" role=\"img\" aria-label=\"{t}\" \
             font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">\n\
             <title>{t}</title>\n\
             <rect x=\"0\" y=\"0\" width=\"{WIDTH:.0}\" height=\"{HEIGHT:.0}\" fill=\"#fff\"/>\n\
             <text x=\"{:.1}\" y=\"26.0\" text-anchor=\"middle\" font-size=\"17\" \
             font-weight=\"600\" fill=\"{TEXT}\">{t}</text>\n",
            WIDTH / 2.0
        );
        // Horizontal grid lines and y tick labels.
        for tick in &ticks {
            let y = y_of(*tick, top_tick);
            let _ = writeln!(
                out,
                "<line x1=\"{LEFT:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" \
                 fill=\"{TEXT}\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 8.0,
                y + 4.0,
                escape(&compact(*tick))
            );
        }
        // Axis titles.
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" \
             fill=\"{TEXT}\">{}</text>\n\
             <text x=\"18.0\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{TEXT}\" \
             transform=\"rotate(-90 18.0 {:.1})\">{}</text>",
            LEFT + plot_width() / 2.0,
            HEIGHT - 12.0,
            escape(x_label),
            TOP + plot_height() / 2.0,
            TOP + plot_height() / 2.0,
            escape(y_label),
        );
        Frame { out, top_tick }
    }

    /// X tick labels under each slot, thinned so that they do not overlap.
    fn x_labels(&mut self, labels: &[&str]) {
        let n = labels.len().max(1);
        let slot = plot_width() / n as f64;
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
        let label_width = longest as f64 * 7.0 + 8.0;
        let every = (label_width / slot).ceil().max(1.0) as usize;
        for (i, label) in labels.iter().enumerate() {
            if i % every != 0 {
                continue;
            }
            let x = LEFT + (i as f64 + 0.5) * slot;
            let _ = writeln!(
                self.out,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{AXIS}\"/>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" \
                 fill=\"{TEXT}\">{}</text>",
                TOP + plot_height(),
                TOP + plot_height() + 4.0,
                TOP + plot_height() + 19.0,
                escape(label)
            );
        }
    }

    /// The two axis lines (drawn last, over the bars), a "no data" note if needed, and `</svg>`.
    fn finish(mut self, empty: bool) -> String {
        let bottom = TOP + plot_height();
        if empty {
            let _ = writeln!(
                self.out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"14\" \
                 fill=\"#777\">no data</text>",
                LEFT + plot_width() / 2.0,
                TOP + plot_height() / 2.0
            );
        }
        let _ = write!(
            self.out,
            "<line x1=\"{LEFT:.1}\" y1=\"{TOP:.1}\" x2=\"{LEFT:.1}\" y2=\"{bottom:.1}\" \
             stroke=\"{AXIS}\"/>\
             <line x1=\"{LEFT:.1}\" y1=\"{bottom:.1}\" x2=\"{:.1}\" y2=\"{bottom:.1}\" \
             stroke=\"{AXIS}\"/>\n</svg>\n",
            WIDTH - RIGHT
        );
        self.out
    }
}

fn plot_width() -> f64 {
    WIDTH - LEFT - RIGHT
}

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

/// The y coordinate of a value on an axis whose top tick is `top_tick` (never 0).
fn y_of(value: u64, top_tick: u64) -> f64 {
    let frac = (value as f64 / top_tick.max(1) as f64).clamp(0.0, 1.0);
    TOP + plot_height() * (1.0 - frac)
}

/// Renders a bar chart. Each bar has an invisible full-height hover target carrying its tooltip,
/// so even a zero bar shows its value; non-zero bars also print their value above them, since
/// tooltips do not survive printing.
pub fn bar_chart(chart: &BarChart) -> String {
    let max = chart.bars.iter().map(|b| b.value).max().unwrap_or(0);
    let mut frame = Frame::new(chart.title, chart.x_label, chart.y_label, max);
    let n = chart.bars.len().max(1);
    let slot = plot_width() / n as f64;
    let bar_width = slot * 0.78;
    let label_font = if slot >= 34.0 { 11 } else { 9 };
    let show_values = slot >= 22.0;
    for (i, bar) in chart.bars.iter().enumerate() {
        let slot_x = LEFT + i as f64 * slot;
        let x = slot_x + (slot - bar_width) / 2.0;
        let y = y_of(bar.value, frame.top_tick);
        let height = TOP + plot_height() - y;
        let fill = if chart.highlight_max && bar.value == max && max > 0 {
            BAR_PEAK
        } else {
            BAR
        };
        let _ = write!(
            frame.out,
            "<g><title>{}</title><rect x=\"{slot_x:.1}\" y=\"{TOP:.1}\" width=\"{slot:.1}\" \
             height=\"{:.1}\" fill=\"transparent\"/>",
            escape(&bar.tooltip),
            plot_height()
        );
        if bar.value > 0 {
            let _ = write!(
                frame.out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_width:.1}\" height=\"{height:.1}\" \
                 fill=\"{fill}\"/>"
            );
            if show_values {
                let _ = write!(
                    frame.out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" \
                     font-size=\"{label_font}\" fill=\"{TEXT}\">{}</text>",
                    slot_x + slot / 2.0,
                    y - 4.0,
                    escape(&compact(bar.value))
                );
            }
        }
        frame.out.push_str("</g>\n");
    }
    let labels: Vec<&str> = chart.bars.iter().map(|b| b.label.as_str()).collect();
    frame.x_labels(&labels);
    frame.finish(chart.bars.is_empty())
}

/// Renders a line chart with a legend. A single point is drawn as a dot in the middle.
pub fn line_chart(chart: &LineChart) -> String {
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let mut frame = Frame::new(chart.title, chart.x_label, chart.y_label, max);
    let n = chart.labels.len().max(1);
    let slot = plot_width() / n as f64;
    let x_of = |i: usize| LEFT + (i as f64 + 0.5) * slot;
    for (k, series) in chart.series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let points: Vec<(usize, u64)> = series
            .values
            .iter()
            .copied()
            .enumerate()
            .take(chart.labels.len())
            .collect();
        if points.len() > 1 {
            let path: Vec<String> = points
                .iter()
                .map(|&(i, v)| format!("{:.1},{:.1}", x_of(i), y_of(v, frame.top_tick)))
                .collect();
            let _ = writeln!(
                frame.out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" \
                 stroke-linejoin=\"round\"/>",
                path.join(" ")
            );
        }
        let radius = if points.len() > 60 { 2.5 } else { 4.0 };
        for &(i, v) in &points {
            let label = chart.labels.get(i).map_or("", String::as_str);
            let _ = writeln!(
                frame.out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius:.1}\" fill=\"{color}\">\
                 <title>{}</title></circle>",
                x_of(i),
                y_of(v, frame.top_tick),
                escape(&format!("{label}: {} {}", super::fmt_count(v), series.name))
            );
        }
    }
    // Legend, top right, one entry per series.
    let mut x = WIDTH - RIGHT;
    for (k, series) in chart.series.iter().enumerate().rev() {
        let color = PALETTE[k % PALETTE.len()];
        let width = series.name.chars().count() as f64 * 7.0 + 26.0;
        x -= width;
        let _ = writeln!(
            frame.out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14.0\" height=\"4.0\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{TEXT}\">{}</text>",
            TOP - 12.0,
            x + 18.0,
            TOP - 6.0,
            escape(&series.name)
        );
    }
    let labels: Vec<&str> = chart.labels.iter().map(String::as_str).collect();
    frame.x_labels(&labels);
    frame.finish(chart.labels.is_empty())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks that `xml` is well-formed enough for our output: every tag is closed in order,
    /// attribute values are quoted, and `<`/`&` only appear as markup or entities.
    /// Returns the number of elements.
    pub(crate) fn check_well_formed(xml: &str) -> usize {
        let mut stack: Vec<&str> = Vec::new();
        let mut elements = 0;
        let mut rest = xml;
        while let Some(pos) = rest.find(['<', '&']) {
            let text = &rest[..pos];
            assert!(!text.contains('>'), "stray '>' in text {text:?}");
            rest = &rest[pos..];
            if rest.starts_with('&') {
                let end = rest.find(';').expect("unterminated entity");
                let entity = &rest[1..end];
                assert!(
                    ["amp", "lt", "gt", "quot", "#39"].contains(&entity),
                    "unknown entity &{entity};"
                );
                rest = &rest[end + 1..];
                continue;
            }
            let end = tag_end(rest);
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().unwrap_or_else(|| panic!("unopened </{name}>"));
                assert_eq!(open, name, "</{name}> closes <{open}>");
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let name = body.split_whitespace().next().expect("empty tag");
                assert!(
                    name.chars().all(|c| c.is_ascii_alphanumeric()),
                    "bad tag name {name:?}"
                );
                check_attributes(&body[name.len()..]);
                elements += 1;
                if !self_closing {
                    stack.push(name);
                }
            }
        }
        assert!(!rest.contains('>'), "stray '>' in trailing text");
        assert!(stack.is_empty(), "unclosed {stack:?}");
        elements
    }

    /// The index of the `>` closing the tag at the start of `s`, skipping quoted values.
    fn tag_end(s: &str) -> usize {
        let mut quote = None;
        for (i, c) in s.char_indices().skip(1) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => return i,
                (None, '<') => panic!("'<' inside a tag: {s:.80}"),
                (Some(_), '<') => panic!("unescaped '<' in an attribute: {s:.80}"),
                _ => {}
            }
        }
        panic!("unterminated tag: {s:.80}");
    }

    fn check_attributes(mut attrs: &str) {
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                return;
            }
            let eq = attrs.find('=').expect("attribute without value");
            let name = &attrs[..eq];
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "bad attribute name {name:?}"
            );
            let value = &attrs[eq + 1..];
            assert!(value.starts_with('"'), "unquoted attribute {name}");
            let close = value[1..].find('"').expect("unterminated attribute") + 1;
            assert!(!value[1..close].contains('<'), "'<' in attribute {name}");
            attrs = &value[close + 1..];
        }
    }

    fn bars(values: &[u64]) -> Vec<Bar> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Bar {
                label: format!("{i:02}"),
                value,
                tooltip: format!("{i}: {value}"),
            })
            .collect()
    }

    #[test]
    fn escapes_text() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{fffd}b");
        let svg = bar_chart(&BarChart {
            title: "<script>alert(1)</script> & co",
            x_label: "x\"<",
            y_label: "y'>",
            bars: &[Bar {
                label: "<b>".to_owned(),
                value: 3,
                tooltip: "</title><script>".to_owned(),
            }],
            highlight_max: false,
        });
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        check_well_formed(&svg);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ticks(0), [0, 1, 2, 3]);
        assert_eq!(nice_ticks(1), [0, 1, 2, 3]);
        assert_eq!(nice_ticks(4), [0, 1, 2, 3, 4]);
        assert_eq!(nice_ticks(5), [0, 2, 4, 6]);
        assert_eq!(nice_ticks(7), [0, 2, 4, 6, 8]);
        assert_eq!(nice_ticks(10), [0, 5, 10, 15]);
        assert_eq!(nice_ticks(212), [0, 100, 200, 300]);
        assert_eq!(nice_ticks(400), [0, 100, 200, 300, 400]);
        assert_eq!(nice_ticks(401), [0, 200, 400, 600]);
        assert_eq!(nice_ticks(1_284_311), [0, 500_000, 1_000_000, 1_500_000]);
        for max in (0..5000).chain([u64::MAX / 3, u64::MAX]) {
            let ticks = nice_ticks(max);
            assert!((4..=5).contains(&ticks.len()), "{max}: {ticks:?}");
            assert_eq!(ticks[0], 0);
            assert!(*ticks.last().unwrap() >= max, "{max}: {ticks:?}");
            let step = ticks[1];
            let mantissa = step / 10u64.pow(step.ilog10());
            assert!([1, 2, 5].contains(&mantissa), "{max}: {ticks:?}");
        }
    }

    #[test]
    fn compact_labels() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(950), "950");
        assert_eq!(compact(1000), "1k");
        assert_eq!(compact(1500), "1.5k");
        assert_eq!(compact(1_284_311), "1.3M");
        assert_eq!(compact(20_000_000_000), "20G");
        assert_eq!(compact(u64::MAX), "18446744073.7G");
    }

    #[test]
    fn zero_and_empty_data_still_draw_axes() {
        for values in [&[0u64; 24][..], &[]] {
            let svg = bar_chart(&BarChart {
                title: "t",
                x_label: "x",
                y_label: "y",
                bars: &bars(values),
                highlight_max: true,
            });
            check_well_formed(&svg);
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            assert!(svg.matches("<line").count() >= 6);
            assert!(svg.contains(">3</text>"));
        }
        let svg = line_chart(&LineChart {
            title: "t",
            x_label: "x",
            y_label: "y",
            labels: &[],
            series: &[],
        });
        check_well_formed(&svg);
        assert!(svg.contains("no data"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn single_value() {
        let svg = bar_chart(&BarChart {
            title: "t",
            x_label: "x",
            y_label: "y",
            bars: &bars(&[7]),
            highlight_max: true,
        });
        check_well_formed(&svg);
        assert!(svg.contains(BAR_PEAK));
        let labels = vec!["2024-05-14".to_owned()];
        let svg = line_chart(&LineChart {
            title: "t",
            x_label: "date",
            y_label: "n",
            labels: &labels,
            series: &[Series {
                name: "denials".to_owned(),
                values: vec![7],
            }],
        });
        check_well_formed(&svg);
        assert!(!svg.contains("<polyline"));
        // The one point sits in the middle of the plot.
        let middle = LEFT + plot_width() / 2.0;
        assert!(svg.contains(&format!("cx=\"{middle:.1}\"")), "{svg}");
        assert!(svg.contains("<title>2024-05-14: 7 denials</title>"));
    }

    #[test]
    fn hourly_chart_has_labels_ticks_and_tooltips() {
        let hourly = crate::report::testdata::sample_report().hourly;
        let svg = hourly_chart(&hourly, "Denials per hour");
        let elements = check_well_formed(&svg);
        assert!(elements > 24 * 3);
        assert!(svg.contains(">Denials per hour</text>"));
        assert!(svg.contains(">hour (UTC)</text>"));
        assert!(svg.contains(">denials</text>"));
        for hour in 0..24 {
            assert!(svg.contains(&format!(">{hour:02}</text>")), "hour {hour}");
        }
        for tick in ["0", "100", "200", "300"] {
            assert!(svg.contains(&format!(">{tick}</text>")), "tick {tick}");
        }
        assert!(svg.contains("<title>14:00–14:59 UTC: 212 denials</title>"));
        assert_eq!(svg.matches(BAR_PEAK).count(), 1);
        assert!(!svg.contains("http"));
        // Deterministic.
        assert_eq!(svg, hourly_chart(&hourly, "Denials per hour"));
    }

    #[test]
    fn line_chart_thins_date_labels() {
        let labels: Vec<String> = (0..90).map(|d| format!("2024-{d:05}")).collect();
        let series = [
            Series {
                name: "denials".to_owned(),
                values: (0..90).map(|d| d * 3).collect(),
            },
            Series {
                name: "new <accounts>".to_owned(),
                values: vec![1; 90],
            },
        ];
        let svg = line_chart(&LineChart {
            title: "Trend",
            x_label: "date",
            y_label: "count",
            labels: &labels,
            series: &series,
        });
        check_well_formed(&svg);
        let shown = labels
            .iter()
            .filter(|l| svg.contains(&format!(">{l}</text>")))
            .count();
        assert!((5..=15).contains(&shown), "{shown} labels shown");
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 180);
        assert!(svg.contains("new &lt;accounts&gt;"));
    }
}
