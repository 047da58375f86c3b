//! Rendering results: a table for people, NDJSON, CSV or Parquet for programs.
//!
//! Timestamps are written as RFC 3339 UTC with microseconds in every text format. Results are
//! streamed batch by batch to the output, except the table, which needs all rows to size its
//! columns. `-o FILE` never overwrites without `--force`. The table is for a terminal, and log
//! fields are attacker-controlled: control characters in them are escaped there
//! ([`escape_for_terminal`]); NDJSON escapes them as JSON does; CSV and Parquet keep the data.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::DataFrame;
use futures::StreamExt;

use crate::error::{Error, Result};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Ndjson,
    Csv,
    Parquet,
    /// Alert documents in the shape of Elastic Security's alerts index, one JSON object a line
    /// (`hunt` and `replay`; see [`crate::query::ecs`]).
    Ecs,
}

impl Format {
    /// `--format` if given, else a table on a terminal and NDJSON in a pipe or file.
    pub fn resolve(given: Option<Format>, to_file: bool) -> Format {
        given.unwrap_or(if !to_file && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Ndjson
        })
    }
}

const TS_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

fn fmt_options() -> FormatOptions<'static> {
    FormatOptions::default()
        .with_null("")
        .with_timestamp_tz_format(Some(TS_FORMAT))
        .with_timestamp_format(Some(TS_FORMAT))
}

/// Turns columns into strings: timestamps always; nested types too when `nested` (CSV, table).
pub fn stringify(batch: &RecordBatch, nested: bool) -> Result<RecordBatch> {
    let opts = fmt_options();
    let mut fields = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        let convert = matches!(f.data_type(), DataType::Timestamp(..))
            || (nested
                && matches!(
                    f.data_type(),
                    DataType::List(_)
                        | DataType::LargeList(_)
                        | DataType::Map(..)
                        | DataType::Struct(_)
                ));
        if convert {
            let fmt = ArrayFormatter::try_new(c.as_ref(), &opts)?;
            let mut b = StringBuilder::new();
            for i in 0..c.len() {
                if c.is_null(i) {
                    b.append_null();
                } else {
                    b.append_value(fmt.value(i).to_string());
                }
            }
            fields.push(Field::new(f.name(), DataType::Utf8, true));
            cols.push(Arc::new(b.finish()));
        } else {
            fields.push(f.as_ref().clone());
            cols.push(Arc::clone(c));
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

/// Whether `c` must not reach a terminal raw: C0 and C1 controls and DEL (escape sequences
/// that recolour, move the cursor, retitle the window or hide text), and the bidirectional
/// formatting characters that reorder what is shown ("Trojan Source").
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character of [`unsafe_char`] written as an escape (`\n`, `\t`, `\r`,
/// `\u{1b}`), so a log field can never send a control sequence to the reader's terminal.
pub fn escape_for_terminal(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A batch for the table: every string column escaped by [`escape_for_terminal`] (string views
/// and large strings become plain strings).
fn for_terminal(batch: &RecordBatch) -> Result<RecordBatch> {
    use datafusion::arrow::array::AsArray;
    let mut fields = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if !matches!(
            f.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            fields.push(f.as_ref().clone());
            cols.push(Arc::clone(c));
            continue;
        }
        let plain = datafusion::arrow::compute::cast(c, &DataType::Utf8)?;
        let strings = plain.as_string::<i32>();
        let mut b = StringBuilder::with_capacity(strings.len(), strings.value_data().len());
        for v in strings {
            match v {
                Some(v) => b.append_value(escape_for_terminal(v)),
                None => b.append_null(),
            }
        }
        fields.push(Field::new(f.name(), DataType::Utf8, f.is_nullable()));
        cols.push(Arc::new(b.finish()));
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

/// Where results go.
pub struct Destination {
    pub path: Option<PathBuf>,
    pub force: bool,
}

impl Destination {
    /// Standard output, or the file (refusing to overwrite it without `force`).
    pub(crate) fn open(&self) -> Result<Box<dyn Write + Send>> {
        match &self.path {
            // Large writes: alerts are long lines, and stdout flushes at every newline.
            None => Ok(Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            ))),
            Some(p) => {
                if p.exists() && !self.force {
                    return Err(Error::Exists(p.clone()));
                }
                let f = File::create(p).map_err(|source| Error::Output {
                    path: p.clone(),
                    source,
                })?;
                Ok(Box::new(std::io::BufWriter::new(f)))
            }
        }
    }
}

fn out_err(p: Option<&Path>) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| match p {
        Some(p) => Error::Output {
            path: p.to_path_buf(),
            source,
        },
        None => Error::Io(source),
    }
}

/// Streams `df` to `dest` in `format`. `table_columns` limits the table to a readable subset.
/// Returns the number of rows written.
pub async fn write_df(
    df: DataFrame,
    format: Format,
    dest: &Destination,
    table_columns: Option<&[&str]>,
) -> Result<u64> {
    let df = match (format, table_columns) {
        (Format::Table, Some(cols)) => df.select_columns(cols)?,
        _ => df,
    };
    if format == Format::Ecs {
        return Err(Error::Usage(
            "--format ecs writes alert documents: it is for hunt and replay; use ndjson here"
                .into(),
        ));
    }
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let mut stream = df.execute_stream().await?;
    let mut out = dest.open()?;
    let err = out_err(dest.path.as_deref());
    let mut rows = 0u64;
    match format {
        Format::Table => {
            let mut all = Vec::new();
            while let Some(b) = stream.next().await {
                let b = b?;
                rows += b.num_rows() as u64;
                all.push(for_terminal(&stringify(&b, true)?)?);
            }
            if all.is_empty() {
                all.push(stringify(&RecordBatch::new_empty(schema), true)?);
            }
            let t = datafusion::arrow::util::pretty::pretty_format_batches(&all)?;
            writeln!(out, "{t}").map_err(&err)?;
        }
        Format::Ndjson => {
            let mut w = datafusion::arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, datafusion::arrow::json::writer::LineDelimited>(&mut out);
            while let Some(b) = stream.next().await {
                let b = stringify(&b?, false)?;
                rows += b.num_rows() as u64;
                w.write(&b)?;
            }
            w.finish()?;
        }
        Format::Csv => {
            let mut w = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            let mut any = false;
            while let Some(b) = stream.next().await {
                let b = stringify(&b?, true)?;
                rows += b.num_rows() as u64;
                any = true;
                w.write(&b)?;
            }
            if !any {
                w.write(&stringify(&RecordBatch::new_empty(schema), true)?)?;
            }
        }
        Format::Parquet => {
            if dest.path.is_none() && std::io::stdout().is_terminal() {
                return Err(Error::Usage(
                    "Parquet is binary: write it to a file with -o FILE".into(),
                ));
            }
            let mut w = ArrowWriter::try_new(&mut out, schema, None)?;
            while let Some(b) = stream.next().await {
                let b = b?;
                rows += b.num_rows() as u64;
                w.write(&b)?;
            }
            w.close()?;
        }
        Format::Ecs => {}
    }
    out.flush().map_err(&err)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_escaped_for_the_terminal() {
        assert_eq!(escape_for_terminal("plain ünïcode"), "plain ünïcode");
        assert_eq!(
            escape_for_terminal("a\u{1b}[31mred\u{7}\n\u{0}\u{9b}2J\u{202e}x"),
            "a\\u{1b}[31mred\\u{7}\\n\\u{0}\\u{9b}2J\\u{202e}x"
        );
    }
}
