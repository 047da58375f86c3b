//! The report as Markdown (GitHub-flavoured tables), for chat and tickets: the same sections and
//! numbers as the HTML page, without the chart (a sparkline and an hour-by-hour table instead).
//! What it says comes from the view model ([`super::view`]), shared with the page; this module
//! only lays it out as Markdown.
//!
//! Data from the logs goes into code spans, so that no name can turn into markup, a link or raw
//! HTML; inside tables `|` is escaped as `\|` and newlines become spaces. The output is
//! deterministic: the same report gives the same bytes.

use std::fmt::Write as _;

use super::view::{
    self, ACTION_COLUMNS, Block, Cell, Chart, ColumnKind, Inline, MetaValue, Page, Panel, Section,
    Table,
};
use super::{DailyReport, Prose, fmt_count};

/// Renders the daily report as Markdown.
pub fn render(report: &DailyReport) -> String {
    page(&view::report(report))
}

/// Lays a page of the view model out as Markdown.
pub(crate) fn page(page: &Page) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let _ = writeln!(out, "# {}\n", text(&page.title));
    let meta: Vec<String> = page
        .meta
        .iter()
        .filter(|m| m.in_text)
        .map(|m| {
            let value = match &m.value {
                MetaValue::Text(v) | MetaValue::Severity(v) => text(v),
                MetaValue::Data(v) => code(v, false),
                MetaValue::Items(items) => {
                    let items: Vec<String> = items.iter().map(|i| text(i)).collect();
                    items.join(", ")
                }
                MetaValue::Bare(v) => return text(v),
            };
            format!("**{}:** {value}", m.label)
        })
        .collect();
    let _ = writeln!(out, "{}\n", meta.join(" · "));

    let cards = &page.cards;
    let _ = writeln!(
        out,
        "## {}\n\n| Total | This day | Change |\n| --- | ---: | --- |",
        cards.heading
    );
    for c in &cards.items {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            text(c.label),
            text(&c.value),
            text(&c.change)
        );
    }
    out.push('\n');
    if let Some(note) = &cards.note {
        let _ = writeln!(out, "{}\n", text(note));
    }

    for s in &page.sections {
        section(&mut out, s);
    }
    let _ = writeln!(out, "---\n\n{}", inlines(&page.signature, false));
    out
}

fn section(out: &mut String, section: &Section) {
    let _ = writeln!(
        out,
        "## {}\n",
        section.text_heading.unwrap_or(section.heading)
    );
    for b in &section.blocks {
        block(out, b);
    }
}

fn block(out: &mut String, block: &Block) {
    match block {
        Block::Para(_, parts) => {
            let _ = writeln!(out, "{}\n", inlines(parts, false));
        }
        Block::Subheading(heading) => {
            let _ = writeln!(out, "### {heading}\n");
        }
        Block::List { items, empty, .. } => {
            for item in items {
                let _ = writeln!(out, "- {}", inline(item, false));
            }
            if let (true, Some(empty)) = (items.is_empty(), empty) {
                let _ = writeln!(out, "- {empty}");
            }
            out.push('\n');
        }
        Block::Prose(blocks) => prose(out, blocks),
        Block::Table(t) => table(out, t),
        Block::Figure(figure) => match &figure.chart {
            Chart::Hourly { hours, .. } => {
                let caption = figure.caption.as_deref().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "`{}` 00 → 23 UTC. {}\n",
                    sparkline(hours),
                    text(caption)
                );
                let header: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
                let _ = writeln!(out, "| {} |", header.join(" | "));
                let _ = writeln!(out, "|{}", " ---: |".repeat(24));
                let counts: Vec<String> = hours.iter().map(|&v| fmt_count(v)).collect();
                let _ = writeln!(out, "| {} |\n", counts.join(" | "));
            }
            // Only the index page, which has no Markdown, draws these.
            Chart::Line { .. } | Chart::Bar { .. } => {}
        },
        Block::Panel(p) => panel(out, p),
    }
}

fn inlines(parts: &[Inline], in_table: bool) -> String {
    parts.iter().map(|p| inline(p, in_table)).collect()
}

fn inline(part: &Inline, in_table: bool) -> String {
    match part {
        Inline::Fixed(s) | Inline::Missing(s) => (*s).to_owned(),
        Inline::Text(s) | Inline::DayLink(s) => text(s),
        Inline::Code(s) | Inline::Name(s) => code(s, in_table),
        Inline::Tag(tag) => format!(" **{tag}**"),
        Inline::List(list) => code_list(&list.items, list.cap, list.blank, in_table),
    }
}

fn table(out: &mut String, table: &Table) {
    let mut titles = Vec::new();
    let mut aligns = Vec::new();
    for column in &table.columns {
        match column.kind {
            ColumnKind::Range { from, to } => {
                titles.extend([from, to]);
                aligns.extend(["---", "---"]);
            }
            ColumnKind::Number => {
                titles.push(column.title);
                aligns.push("---:");
            }
            ColumnKind::Text | ColumnKind::Verb => {
                titles.push(column.title);
                aligns.push("---");
            }
        }
    }
    let _ = writeln!(
        out,
        "| {} |\n| {} |",
        titles.join(" | "),
        aligns.join(" | ")
    );
    for row in &table.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Cell::Parts(parts) => inlines(parts, true),
                Cell::Range(from, to) => format!("{} | {}", text(from), text(to)),
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if let (true, Some(empty)) = (table.rows.is_empty(), table.empty) {
        let _ = writeln!(out, "| {empty} |");
    }
    out.push('\n');
}

fn panel(out: &mut String, panel: &Panel) {
    let _ = writeln!(
        out,
        "### {}{}\n\n{}\n",
        code(&panel.account, false),
        panel.tag.map(|t| format!(" ({t})")).unwrap_or_default(),
        text(&panel.summary)
    );
    let [verb, resource, requests] = ACTION_COLUMNS;
    let _ = writeln!(
        out,
        "| Decision | {verb} | {resource} | {requests} |\n| --- | --- | --- | ---: |"
    );
    for actions in &panel.actions {
        let decision = actions.decision;
        if actions.rows.is_empty() {
            let _ = writeln!(out, "| {decision} | (nothing {decision}) | | |");
        }
        for (verb, resource, count) in &actions.rows {
            let _ = writeln!(
                out,
                "| {decision} | {} | {} | {} |",
                code(verb, true),
                code(resource, true),
                text(count)
            );
        }
        if let Some((label, total)) = &actions.more {
            let _ = writeln!(
                out,
                "| {decision} | ({}) | | {} |",
                text(label),
                text(total)
            );
        }
    }
    out.push('\n');
    for (label, value) in &panel.facts {
        let _ = writeln!(out, "- **{label}:** {}", inline(value, false));
    }
    out.push('\n');
}

/// Rule prose is ours (from the rule file), so its Markdown (backticks, emphasis) is kept; it is
/// only re-flowed into paragraphs and lists.
fn prose(out: &mut String, blocks: &[Prose]) {
    for block in blocks {
        match block {
            Prose::Paragraph(p) => {
                let _ = writeln!(out, "{p}\n");
            }
            Prose::List(items) => {
                for item in items {
                    let _ = writeln!(out, "- {item}");
                }
                out.push('\n');
            }
        }
    }
}

/// Plain text with every Markdown-significant character backslash-escaped and line breaks
/// turned into spaces, so it stays on its line and in its table cell.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A code span holding `s` literally: a backtick fence longer than any run inside, padding
/// where the content touches a backtick or would lose a space, newlines as spaces, and, in a
/// table cell, `|` as `\|` (GFM splits cells before it parses code spans).
fn code(s: &str, in_table: bool) -> String {
    let flat: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    if flat.is_empty() {
        return "(empty)".to_owned();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in flat.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = flat.starts_with('`')
        || flat.ends_with('`')
        || (flat.starts_with(' ') && flat.ends_with(' ') && flat.trim() != "");
    let body = if in_table {
        flat.replace('|', "\\|")
    } else {
        flat
    };
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{body}{space}{fence}")
}

/// Items as comma-separated code spans, at most `cap` and then "+N more"; an empty item reads
/// `empty`, an empty list `(none)`.
fn code_list(items: &[String], cap: usize, empty: &str, in_table: bool) -> String {
    if items.is_empty() {
        return "(none)".to_owned();
    }
    let mut parts: Vec<String> = items
        .iter()
        .take(cap)
        .map(|item| {
            if item.is_empty() {
                empty.to_owned()
            } else {
                code(item, in_table)
            }
        })
        .collect();
    if items.len() > cap {
        parts.push(format!("+{} more", fmt_count((items.len() - cap) as u64)));
    }
    parts.join(", ")
}

/// One block character per hour, scaled to the busiest hour; any denial shows above the floor.
fn sparkline(hours: &[u64]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = hours.iter().copied().max().unwrap_or(0);
    hours
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                LEVELS[0]
            } else {
                let level = (u128::from(v) * 7).div_ceil(u128::from(max)) as usize;
                LEVELS[level.clamp(1, 7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn snapshot_sample_report() {
        insta::assert_snapshot!(render(&sample_report()));
    }

    #[test]
    fn deterministic() {
        let report = sample_report();
        assert_eq!(render(&report), render(&report));
    }

    #[test]
    fn table_cells_escape_pipes_and_newlines() {
        assert_eq!(code("a|b\nc", true), "`a\\|b c`");
        assert_eq!(code("a|b", false), "`a|b`");
        assert_eq!(code("x`y", false), "``x`y``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("", true), "(empty)");
        assert_eq!(text("a|b\n*c*"), "a\\|b \\*c\\*");
        let md = render(&sample_report());
        // The user agent "node-exporter/1.7.0 | go1.21" sits in table cells.
        assert!(md.contains("`node-exporter/1.7.0 \\| go1.21`"));
        // The user agent with a newline stays on one table row.
        assert!(md.contains("`Mozilla/5.0 <img onerror=x>`"));
        // Every table row has the same number of unescaped pipes as its header.
        let mut expected = None;
        for line in md.lines() {
            if !line.starts_with('|') {
                expected = None;
                continue;
            }
            let pipes = line.replace("\\|", "").matches('|').count();
            match expected {
                None => expected = Some(pipes),
                Some(n) => assert_eq!(pipes, n, "{line}"),
            }
        }
    }

    #[test]
    fn hostile_names_stay_in_code_spans() {
        let md = render(&sample_report());
        for line in md.lines().filter(|l| l.contains("<script>")) {
            assert!(
                line.contains("`system:serviceaccount:web:<script>alert(1)</script>`"),
                "{line}"
            );
        }
    }

    #[test]
    fn sparkline_scales() {
        let mut hours = [0u64; 24];
        hours[3] = 1;
        hours[14] = 212;
        let line = sparkline(&hours);
        assert_eq!(line.chars().count(), 24);
        assert_eq!(line.chars().nth(14), Some('█'));
        assert_eq!(line.chars().nth(3), Some('▂'));
        assert_eq!(line.chars().next(), Some('▁'));
        assert_eq!(sparkline(&[0; 24]), "▁".repeat(24));
    }
}
