//! The report as one self-contained HTML page: inline CSS (with print rules) and inline SVG
//! charts, no script, no font, no image, no link to anything outside the page except the index
//! page's relative links to each day's report. Every piece of data is HTML-escaped: account names,
//! user agents and pod names come from the logs and are treated as hostile.
//!
//! What the page says comes from the view model ([`super::view`]), shared with the Markdown;
//! this module only lays it out as HTML, so it holds markup and no report logic.

use std::fmt::Write as _;

use super::svg::{self, escape};
use super::view::{
    self, ACTION_COLUMNS, Actions, Block, Card, Cell, Chart, Column, ColumnKind, Direction, Figure,
    Inline, Meta, MetaValue, Page, Panel, Section, Table, Tone,
};
use super::{DailyReport, Prose, RuleInfo, TrendDay, fmt_count};

const STYLE: &str = r#"
:root {
  --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa;
  --accent: #3d6fa8; --bad: #b42318; --good: #1a7f37; --head: #1f2d3d;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { background: var(--head); color: #fff; padding: 22px 0 18px; }
header.top .wrap, main, footer { max-width: 1180px; margin: 0 auto; padding-left: 28px; padding-right: 28px; }
header.top .kicker { font-size: 13px; letter-spacing: .06em; text-transform: uppercase; color: #b8c4d2; }
header.top h1 { margin: 2px 0 8px; font-size: 26px; line-height: 1.25; }
header.top .meta { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 14px; color: #dbe3ec; }
header.top .meta b { color: #fff; }
.sev { display: inline-block; padding: 0 8px; border-radius: 10px; font-weight: 600; font-size: 13px;
  background: #f5c451; color: #3b2a00; }
.sev.high, .sev.critical { background: #e5534b; color: #fff; }
.sev.low { background: #9ec5e8; color: #0b2540; }
main { padding-top: 8px; padding-bottom: 32px; }
h2 { font-size: 19px; margin: 30px 0 12px; padding-bottom: 5px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 8px; }
p { margin: 6px 0 10px; }
.muted { color: var(--muted); }
.kpis { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px; margin-top: 20px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; background: var(--soft); }
.card .label { color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .05em; }
.card .value { font-size: 34px; font-weight: 650; line-height: 1.2; font-variant-numeric: tabular-nums; }
.card .change { font-size: 14px; color: var(--muted); }
.card .change.up { color: var(--bad); font-weight: 600; }
.card .change.down { color: var(--good); font-weight: 600; }
.card.alert { border-left: 5px solid var(--bad); }
figure { margin: 0; }
figure + figure { margin-top: 16px; }
figure figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
svg.chart { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); font-weight: 600; border-bottom: 2px solid var(--line); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  background: #eff2f5; padding: 1px 4px; border-radius: 4px; overflow-wrap: break-word;
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }
h3 code { font-size: 15px; }
td.verb { white-space: nowrap; }
.scroll { overflow-x: auto; }
.tag { display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase;
  padding: 0 6px; border-radius: 8px; background: #fde2e1; color: var(--bad); vertical-align: middle; }
.more, .none { color: var(--muted); font-style: italic; }
ul.accounts { margin: 4px 0; padding-left: 20px; }
ul.accounts li { margin: 3px 0; }
.note { border-left: 4px solid var(--accent); background: var(--soft); padding: 8px 14px; border-radius: 0 6px 6px 0; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: 4px 20px 16px; margin: 16px 0; }
.panel h3 { margin-top: 14px; font-size: 17px; }
.panel .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.panel h4 { margin: 10px 0 6px; font-size: 14px; }
.panel h4.refused { color: var(--bad); }
.panel h4.allowed { color: var(--good); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 14px 0 0; font-size: 13.5px; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; }
.triage { border: 1px solid var(--line); border-radius: 8px; padding: 4px 22px 14px; background: #fbfcfd; }
.mitre li { margin: 2px 0; }
footer { color: var(--muted); font-size: 13px; padding-top: 12px; padding-bottom: 28px; border-top: 1px solid var(--line); }
a { color: var(--accent); }
@media screen and (max-width: 760px) {
  .kpis, .panel .cols { grid-template-columns: 1fr; }
  header.top .wrap, main, footer { padding-left: 14px; padding-right: 14px; }
}
@media print {
  @page { size: A4; margin: 12mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 10pt; }
  header.top { background: #fff; color: #000; border-bottom: 2px solid #000; padding: 0 0 8px; }
  header.top .kicker, header.top .meta, header.top .meta b { color: #000; }
  header.top .wrap, main, footer { max-width: none; padding-left: 0; padding-right: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .card, figure, .panel, .triage, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  table { font-size: 8.5pt; }
  code { font-size: 8pt; background: none; padding: 0; }
  a { color: #000; text-decoration: none; }
  .scroll { overflow: visible; }
}
"#;

/// Renders the daily report page.
pub fn render(report: &DailyReport) -> String {
    page(&view::report(report))
}

/// Renders the index page of a multi-day run: totals, trend charts and one link per day.
pub fn render_index(days: &[TrendDay], rule: &RuleInfo) -> String {
    page(&view::index(days, rule))
}

/// Lays a page of the view model out as HTML.
pub(crate) fn page(page: &Page) -> String {
    let mut out = String::with_capacity(32 * 1024);
    head(&mut out, &page.title);
    let _ = write!(
        out,
        "<header class=\"top\"><div class=\"wrap\">\n\
         <div class=\"kicker\">{}</div>\n<h1>{}</h1>\n<div class=\"meta\">",
        text(page.kicker),
        escape(&page.heading)
    );
    for item in &page.meta {
        meta(&mut out, item);
    }
    out.push_str("</div>\n</div></header>\n<main>\n");

    let cards = &page.cards;
    let _ = writeln!(
        out,
        "<section class=\"kpis\" aria-label=\"{}\">",
        escape(cards.label)
    );
    for c in &cards.items {
        card(&mut out, c);
    }
    out.push_str("</section>\n");
    if let Some(note) = &cards.note {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", escape(note));
    }

    for s in &page.sections {
        section(&mut out, s);
    }
    let _ = writeln!(
        out,
        "</main>\n<footer>{}</footer>\n</body>\n</html>",
        inlines(&page.footer)
    );
    out
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
}

/// Our own text in element content: only `&`, `<` and `>` need escaping there.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn meta(out: &mut String, item: &Meta) {
    let label = text(item.label);
    let _ = match &item.value {
        MetaValue::Text(v) | MetaValue::Data(v) => write!(
            out,
            "<span>{label} <b>{}</b>{}</span>",
            escape(v),
            text(item.suffix)
        ),
        MetaValue::Severity(v) => write!(
            out,
            "<span>{label} <span class=\"sev {}\">{}</span></span>",
            escape(&v.to_ascii_lowercase()),
            escape(v)
        ),
        MetaValue::Items(items) => write!(
            out,
            "<span>{label} <b>{}</b>{}</span>",
            escape(&items.join(" · ")),
            text(item.suffix)
        ),
        MetaValue::Bare(v) => write!(out, "<span>{}</span>", escape(v)),
    };
}

fn card(out: &mut String, card: &Card) {
    let _ = writeln!(
        out,
        "<div class=\"card{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div>\
         <div class=\"change {}\">{}</div></div>",
        if card.alert { " alert" } else { "" },
        escape(card.label),
        escape(&card.value),
        match card.direction {
            Some(Direction::Up) => "up",
            Some(Direction::Down) => "down",
            Some(Direction::Flat) => "flat",
            None => "none",
        },
        escape(&card.change)
    );
}

fn section(out: &mut String, section: &Section) {
    let _ = writeln!(out, "<section>\n<h2>{}</h2>", text(section.heading));
    if let Some(class) = section.boxed {
        let _ = writeln!(out, "<div class=\"{class}\">");
    }
    for b in &section.blocks {
        block(out, b);
    }
    if section.boxed.is_some() {
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

fn block(out: &mut String, block: &Block) {
    match block {
        Block::Para(tone, parts) => {
            let class = match tone {
                Tone::Plain => "",
                Tone::Muted => " class=\"muted\"",
                Tone::Note => " class=\"note\"",
                Tone::Nothing => " class=\"none\"",
            };
            let _ = writeln!(out, "<p{class}>{}</p>", inlines(parts));
        }
        Block::Subheading(heading) => {
            let _ = writeln!(out, "<h3>{}</h3>", text(heading));
        }
        Block::List {
            class,
            items,
            empty,
        } => {
            match class {
                Some(class) => {
                    let _ = writeln!(out, "<ul class=\"{class}\">");
                }
                None => out.push_str("<ul>\n"),
            }
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", inline(item));
            }
            if let (true, Some(empty)) = (items.is_empty(), empty) {
                let _ = writeln!(out, "<li class=\"none\">{}</li>", text(empty));
            }
            out.push_str("</ul>\n");
        }
        Block::Prose(blocks) => prose(out, blocks),
        Block::Table(t) => table(out, t),
        Block::Figure(f) => figure(out, f),
        Block::Panel(p) => panel(out, p),
    }
}

fn inlines(parts: &[Inline]) -> String {
    parts.iter().map(inline).collect()
}

fn inline(part: &Inline) -> String {
    match part {
        Inline::Fixed(s) => text(s),
        Inline::Text(s) => escape(s),
        Inline::Code(s) => format!("<code>{}</code>", escape(s)),
        Inline::Name(s) => format!("<code>{}</code>", name(s)),
        Inline::Tag(tag) => format!(" <span class=\"tag\">{}</span>", text(tag)),
        Inline::List(list) => inline_list(&list.items, list.cap, list.page_blank),
        Inline::Missing(s) => format!("<span class=\"none\">{}</span>", text(s)),
        Inline::DayLink(date) => format!(
            "<a href=\"{}/report.html\">{}</a>",
            escape(&path_segment(date)),
            escape(date)
        ),
    }
}

fn table(out: &mut String, table: &Table) {
    if table.scroll {
        // The page has always left this `div` for the end of the section to close.
        out.push_str("<div class=\"scroll\">");
    }
    out.push_str("<table><thead><tr>");
    for Column { title, kind } in &table.columns {
        let class = if *kind == ColumnKind::Number {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", text(title));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (cell, column) in row.iter().zip(&table.columns) {
            let class = match column.kind {
                ColumnKind::Text => "",
                ColumnKind::Number => " class=\"num\"",
                ColumnKind::Verb => " class=\"verb\"",
                ColumnKind::Range { .. } => " class=\"time\"",
            };
            let _ = match cell {
                Cell::Parts(parts) => write!(out, "<td{class}>{}</td>", inlines(parts)),
                Cell::Range(from, to) => {
                    write!(out, "<td{class}>{} –<br>{}</td>", escape(from), escape(to))
                }
            };
        }
        out.push_str("</tr>\n");
    }
    if let (true, Some(empty)) = (table.rows.is_empty(), table.empty) {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"{}\" class=\"none\">{}</td></tr>",
            table.columns.len(),
            text(empty)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn figure(out: &mut String, figure: &Figure) {
    out.push_str("<figure>\n");
    out.push_str(&match &figure.chart {
        Chart::Hourly { hours, title } => svg::hourly_chart(hours, title),
        Chart::Line {
            title,
            x_label,
            y_label,
            labels,
            series,
        } => svg::line_chart(&svg::LineChart {
            title,
            x_label,
            y_label,
            labels,
            series,
        }),
        Chart::Bar {
            title,
            x_label,
            y_label,
            bars,
        } => svg::bar_chart(&svg::BarChart {
            title,
            x_label,
            y_label,
            bars,
            highlight_max: false,
        }),
    });
    if let Some(caption) = &figure.caption {
        let _ = writeln!(out, "<figcaption>{}</figcaption>", escape(caption));
    }
    out.push_str("</figure>\n");
}

fn panel(out: &mut String, panel: &Panel) {
    let _ = writeln!(
        out,
        "<article class=\"panel\">\n<h3><code>{}</code>{}</h3>\n<p class=\"muted\">{}</p>\n\
         <div class=\"cols\">",
        name(&panel.account),
        panel
            .tag
            .map(|t| inline(&Inline::Tag(t)))
            .unwrap_or_default(),
        escape(&panel.summary)
    );
    for actions in &panel.actions {
        action_table(out, actions);
    }
    out.push_str("</div>\n<dl class=\"facts\">\n");
    for (label, value) in &panel.facts {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", text(label), inline(value));
    }
    out.push_str("</dl>\n</article>\n");
}

fn action_table(out: &mut String, actions: &Actions) {
    let kind = actions.decision;
    let _ = writeln!(
        out,
        "<div>\n<h4 class=\"{kind}\">{}</h4>",
        text(actions.heading)
    );
    if actions.rows.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">Nothing {kind} this day.</p>");
    } else {
        let [verb, resource, requests] = ACTION_COLUMNS;
        let _ = writeln!(
            out,
            "<table><thead><tr><th>{verb}</th><th>{resource}</th><th class=\"num\">{requests}</th>\
             </tr></thead><tbody>"
        );
        for (verb, resource, count) in &actions.rows {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                escape(verb),
                name(resource),
                escape(count)
            );
        }
        if let Some((label, total)) = &actions.more {
            let _ = writeln!(
                out,
                "<tr><td colspan=\"2\" class=\"more\">{}</td><td class=\"num\">{}</td></tr>",
                escape(label),
                escape(total)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</div>\n");
}

/// Rule prose, escaped, with `backtick spans` as code.
fn prose(out: &mut String, blocks: &[Prose]) {
    for block in blocks {
        match block {
            Prose::Paragraph(p) => {
                let _ = writeln!(out, "<p>{}</p>", inline_code(p));
            }
            Prose::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", inline_code(item));
                }
                out.push_str("</ul>\n");
            }
        }
    }
}

/// Escapes a name from the logs and lets the browser break it after `:`, `/` and a `.` that
/// is not followed by a digit (`system:serviceaccount:ns:name`,
/// `clusterroles.rbac.authorization.k8s.io`, `kubectl/v1.29.2`) rather than anywhere or
/// nowhere. `<wbr>` adds no character when the text is copied. IP addresses are kept whole.
fn name(s: &str) -> String {
    if s.parse::<std::net::IpAddr>().is_ok() {
        return escape(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let breaks = match c {
            ':' | '/' => true,
            '.' => next.is_some_and(|n| !n.is_ascii_digit()),
            _ => false,
        };
        if breaks && next.is_some() {
            let end = i + c.len_utf8();
            out.push_str(&escape(&s[start..end]));
            out.push_str("<wbr>");
            start = end;
        }
    }
    out.push_str(&escape(&s[start..]));
    out
}

/// Items as `<code>` separated by commas, at most `cap` of them and then "+N more";
/// an empty item reads `empty`, an empty list `(none)`.
fn inline_list(items: &[String], cap: usize, empty: &str) -> String {
    if items.is_empty() {
        return "<span class=\"none\">(none)</span>".to_owned();
    }
    let mut out = String::new();
    for (i, item) in items.iter().take(cap).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if item.is_empty() {
            let _ = write!(out, "<span class=\"none\">{}</span>", escape(empty));
        } else {
            let _ = write!(out, "<code>{}</code>", name(item));
        }
    }
    if items.len() > cap {
        let _ = write!(
            out,
            " <span class=\"more\">+{} more</span>",
            fmt_count((items.len() - cap) as u64)
        );
    }
    out
}

/// Escapes prose and turns `backtick spans` into `<code>`; an unpaired backtick stays as is.
fn inline_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        let closed = i + 1 < parts.len() || parts.len() % 2 == 1;
        if i % 2 == 1 && closed {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&escape(part));
        }
    }
    out
}

/// A string made safe as one relative URL path segment: unreserved characters kept, everything
/// else percent-encoded, and `.`/`..` encoded so that they cannot climb out of the directory.
fn path_segment(s: &str) -> String {
    if s.is_empty() || s == "." || s == ".." {
        return s.replace('.', "%2E");
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::{rule, sample_report, sample_trend};

    /// Everything the page must never contain: a script, an external fetch of any kind.
    /// (Our own markup never has an event-handler attribute, and data cannot add one because
    /// every `<` in it is escaped: see `hostile_data_is_escaped`.)
    pub(crate) fn assert_self_contained(html: &str) {
        let lower = html.to_ascii_lowercase();
        for needle in [
            "<script",
            "http://",
            "https://",
            "src=",
            "@import",
            "url(",
            "<link",
            "<iframe",
            "<img",
            "<object",
            "<embed",
            "srcset",
            "javascript:",
        ] {
            assert!(!lower.contains(needle), "page contains {needle:?}");
        }
    }

    #[test]
    fn page_is_self_contained_and_complete() {
        let report = sample_report();
        let html = render(&report);
        assert!(html.starts_with("<!doctype html>\n"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<style>") && html.contains("@media print"));
        assert!(html.trim_end().ends_with("</html>"));
        assert_self_contained(&html);
        for needle in [
            "Kubernetes Denied Service Account Request",
            "prod-eu-1",
            "2024-05-14",
            ">1,284,311<",
            "+12% vs 7-day avg",
            "Denials per hour on 2024-05-14",
            "hour (UTC)",
            "New accounts refused",
            "Denials by account, verb and resource",
            "Investigation",
            "How to triage",
            "False positives",
            "TA0007 Discovery",
            "T1613 Container and Resource Discovery",
            "<code>system:<wbr>serviceaccount:<wbr>ci:<wbr>deployer</code>",
            "ip-10-42-3-1.<wbr>eu-west-1.<wbr>compute.<wbr>internal",
            "deployer-7d9f8b6c5-x2x4k",
            "2024-01-09T08:15:02Z",
            "Nothing allowed this day.",
            "Busiest hour: 14:00–14:59 UTC with 212 denials.",
            "audithound 0.1.0",
        ] {
            assert!(html.contains(needle), "missing {needle:?}");
        }
        // One panel per top account.
        assert_eq!(
            html.matches("<article class=\"panel\">").count(),
            report.panels.len()
        );
        // Deterministic.
        assert_eq!(html, render(&report));
    }

    #[test]
    fn hostile_data_is_escaped() {
        let mut report = sample_report();
        let evil = "<script>alert(1)</script>";
        report.cluster = Some(format!("\"><{evil}"));
        report.new_accounts.push(evil.to_owned());
        report.panels[1].account = evil.to_owned();
        report.panels[1].pod_names = vec![format!("<img src=x onerror=alert(1)>{evil}")];
        report.rule.triage = format!("Look at `{evil}` and {evil}");
        let html = render(&report);
        assert!(!html.contains(evil));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<code>&lt;script&gt;alert(1)&lt;/<wbr>script&gt;</code>"));
        assert!(html.contains("system:<wbr>serviceaccount:<wbr>web:<wbr>&lt;script&gt;"));
        assert_eq!(html.to_ascii_lowercase().matches("<script").count(), 0);
    }

    #[test]
    fn empty_day_says_so() {
        let mut report = sample_report();
        report.denials = 0;
        report.accounts_denied = 0;
        report.hourly = vec![0; 24];
        report.accounts.clear();
        report.stats.clear();
        report.new_accounts.clear();
        report.panels.clear();
        report.cluster = None;
        report.baseline.days_with_data = 0;
        report.baseline.events_change_pct = None;
        report.baseline.denials_change_pct = None;
        let html = render(&report);
        assert_self_contained(&html);
        for needle in [
            "None: every account refused today was also refused in the previous 7 days.",
            "No denials this day.",
            "No account to investigate this day.",
            "no baseline",
            "none refused for the first time",
        ] {
            assert!(html.contains(needle), "missing {needle:?}");
        }
        assert!(!html.contains("Cluster"));
    }

    #[test]
    fn index_links_days_and_is_self_contained() {
        let days = sample_trend();
        let html = render_index(&days, &rule());
        assert_self_contained(&html);
        assert!(html.contains("2024-05-01 to 2024-05-14"));
        assert!(html.contains("<a href=\"2024-05-14/report.html\">2024-05-14</a>"));
        assert!(html.contains("Denials per day"));
        assert!(html.contains("Events scanned per day"));
        assert!(html.contains("How to triage"));
        let evil = [TrendDay {
            date: "../<x>/\"".to_owned(),
            events: 0,
            denials: 0,
            accounts_denied: 0,
            new_accounts: 0,
        }];
        let html = render_index(&evil, &rule());
        assert!(html.contains("href=\"..%2F%3Cx%3E%2F%22/report.html\""));
        assert!(!html.contains("<x>"));
        let html = render_index(&[], &rule());
        assert!(html.contains("No days in the range."));
    }

    #[test]
    fn names_break_after_separators() {
        assert_eq!(name("a:b.c/d"), "a:<wbr>b.<wbr>c/<wbr>d");
        assert_eq!(name("<x>:"), "&lt;x&gt;:");
        assert_eq!(name("kubectl/v1.29.2 (x)"), "kubectl/<wbr>v1.29.2 (x)");
        assert_eq!(name(""), "");
        assert_eq!(name("10.42.3.17"), "10.42.3.17");
        assert_eq!(name("2001:db8::1"), "2001:db8::1");
    }

    #[test]
    fn long_lists_are_capped() {
        let items: Vec<String> = (0..30).map(|i| format!("10.0.0.{i}")).collect();
        let html = inline_list(&items, 20, "(empty)");
        assert_eq!(html.matches("<code>").count(), 20);
        assert!(html.ends_with("<span class=\"more\">+10 more</span>"));
        assert_eq!(
            inline_list(&[], 3, "x"),
            "<span class=\"none\">(none)</span>"
        );
        assert_eq!(
            inline_list(&[String::new()], 3, "(cluster-scoped)"),
            "<span class=\"none\">(cluster-scoped)</span>"
        );
    }

    #[test]
    fn prose_code_spans() {
        assert_eq!(inline_code("a `b<` c"), "a <code>b&lt;</code> c");
        assert_eq!(inline_code("odd ` tick"), "odd ` tick");
        assert_eq!(inline_code("`x` and `y"), "<code>x</code> and `y");
    }
}
