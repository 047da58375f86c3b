//! The report as a view model: what the page and the Markdown say, in which order, with every
//! number, percentage, time and sentence already formatted.
//!
//! [`report`] turns a [`DailyReport`] into a [`Page`] once, and [`index`] does the same for the
//! trend across a range of days; the HTML and Markdown renderers only lay a [`Page`] out and
//! escape it for their format. So a section, a heading, a text or the way a number is written
//! is decided here and nowhere else, and the two files cannot drift apart.
//!
//! The model keeps apart what the renderers must escape differently: [`Inline::Fixed`] is our
//! own text, [`Inline::Text`] any string that may hold markup characters, [`Inline::Code`] and
//! [`Inline::Name`] data from the logs (a name may break after its separators on the page).
//! Where the two formats lay the same content out differently (a chart on the page, a
//! sparkline and a table in Markdown; a time range in one cell or in two columns), the model
//! holds the content once and says what it is, and each renderer picks its layout.

mod daily;
mod index;

pub(crate) use daily::report;
pub(crate) use index::index;

use super::svg::{Bar, Series};
use super::{Prose, RuleInfo, prose_blocks};

/// A whole page: the daily report, or the index of a range of days.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    /// The document title; also the Markdown's first heading.
    pub title: String,
    /// The small line above the page's heading.
    pub kicker: &'static str,
    /// The page's main heading.
    pub heading: String,
    /// Facts shown under the heading.
    pub meta: Vec<Meta>,
    /// The totals.
    pub cards: Cards,
    pub sections: Vec<Section>,
    /// The page's footer.
    pub footer: Vec<Inline>,
    /// The Markdown's closing line.
    pub signature: Vec<Inline>,
}

/// One fact under the page's heading.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta {
    pub label: &'static str,
    pub value: MetaValue,
    /// Written after the value on the page, e.g. ` (UTC)`.
    pub suffix: &'static str,
    /// Whether the Markdown shows it too (the date is already in its title).
    pub in_text: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MetaValue {
    /// Our text or a number.
    Text(String),
    /// A value from the logs.
    Data(String),
    /// The rule's severity, shown as a coloured badge on the page.
    Severity(String),
    /// Several values, joined by the renderer.
    Items(Vec<String>),
    /// A value without a label.
    Bare(String),
}

/// The totals: a card per number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cards {
    /// The Markdown's heading for the totals table.
    pub heading: &'static str,
    /// The page's accessible name for the cards.
    pub label: &'static str,
    pub items: Vec<Card>,
    /// A sentence under the cards.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Card {
    pub label: &'static str,
    pub value: String,
    /// The change against the baseline, or another short comment.
    pub change: String,
    pub direction: Option<Direction>,
    /// Draw attention to the card.
    pub alert: bool,
}

/// Which way a change went, when there is one to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Up,
    Down,
    Flat,
}

/// A section with a heading.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Section {
    pub heading: &'static str,
    /// The heading where the section is shown as text rather than as a chart.
    pub text_heading: Option<&'static str>,
    /// A box around the section's content on the page (a CSS class).
    pub boxed: Option<&'static str>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Para(Tone, Vec<Inline>),
    Subheading(&'static str),
    /// A bulleted list; `empty` is the item shown when there is none.
    List {
        class: Option<&'static str>,
        items: Vec<Inline>,
        empty: Option<&'static str>,
    },
    /// Rule prose: its own text, kept as written.
    Prose(Vec<Prose>),
    Table(Table),
    Figure(Figure),
    Panel(Panel),
}

/// How a paragraph reads on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Plain,
    Muted,
    /// Set apart as a remark.
    Note,
    /// Says that there is nothing to show.
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// A row that says the table is empty, when it has no rows.
    pub empty: Option<&'static str>,
    /// Scroll sideways on a narrow screen.
    pub scroll: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    pub title: &'static str,
    pub kind: ColumnKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Text,
    /// Right-aligned.
    Number,
    /// Never broken across lines.
    Verb,
    /// A time range: one cell on the page, two columns in Markdown (a GFM cell cannot break
    /// a line).
    Range {
        from: &'static str,
        to: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Parts(Vec<Inline>),
    /// First and last time, in a [`ColumnKind::Range`] column.
    Range(String, String),
}

/// A run of text inside a paragraph, a list item or a table cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inline {
    /// Our own text, free of markup.
    Fixed(&'static str),
    /// Text that may hold markup characters: escaped for the format.
    Text(String),
    /// Data from the logs, as code.
    Code(String),
    /// A name from the logs, as code that may break after `:`, `/` and `.`.
    Name(String),
    /// A small label after what it qualifies, e.g. `new`.
    Tag(&'static str),
    List(ItemList),
    /// A value that is not known.
    Missing(&'static str),
    /// A day of the index, linked to its report.
    DayLink(String),
}

/// Names from the logs, at most `cap` of them and then "+N more".
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemList {
    pub items: Vec<String>,
    pub cap: usize,
    /// What an empty item reads in Markdown.
    pub blank: &'static str,
    /// What an empty item reads on the page. It differs from `blank` only for the stats
    /// table's source IPs and user agents, as it always has; kept so that the output stays
    /// byte for byte the same.
    pub page_blank: &'static str,
}

/// A chart with an optional caption.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figure {
    pub chart: Chart,
    pub caption: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Chart {
    /// The day's 24 hourly counts.
    Hourly { hours: [u64; 24], title: String },
    Line {
        title: &'static str,
        x_label: &'static str,
        y_label: &'static str,
        labels: Vec<String>,
        series: Vec<Series>,
    },
    Bar {
        title: &'static str,
        x_label: &'static str,
        y_label: &'static str,
        bars: Vec<Bar>,
    },
}

/// One top account's investigation panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Panel {
    pub account: String,
    pub tag: Option<&'static str>,
    /// `N denials this day.`
    pub summary: String,
    /// Refused, then allowed.
    pub actions: [Actions; 2],
    /// Label and value: where the account came from and when it was seen.
    pub facts: Vec<(&'static str, Inline)>,
}

/// The columns of an [`Actions`] table.
pub(crate) const ACTION_COLUMNS: [&str; 3] = ["Verb", "Resource", "Requests"];

/// Requests of one decision, by verb and resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Actions {
    /// `refused` or `allowed`.
    pub decision: &'static str,
    pub heading: &'static str,
    /// Verb, resource and count, at most [`super::LIST_CAP`].
    pub rows: Vec<(String, String, String)>,
    /// `N more verb/resource pairs` and their total, past the cap.
    pub more: Option<(String, String)>,
}

pub(super) fn list(items: &[String], cap: usize, blank: &'static str) -> Inline {
    Inline::List(ItemList {
        items: items.to_vec(),
        cap,
        blank,
        page_blank: blank,
    })
}

pub(super) fn text(s: impl Into<String>) -> Vec<Inline> {
    vec![Inline::Text(s.into())]
}

pub(super) fn column(title: &'static str, kind: ColumnKind) -> Column {
    Column { title, kind }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(super) fn meta_item(label: &'static str, value: MetaValue) -> Meta {
    Meta {
        label,
        value,
        suffix: "",
        in_text: true,
    }
}

pub(super) fn rule_meta(rule: &RuleInfo) -> [Meta; 2] {
    [
        meta_item("Severity", MetaValue::Severity(rule.severity.clone())),
        meta_item("Risk score", MetaValue::Text(rule.risk_score.to_string())),
    ]
}

pub(super) fn section(heading: &'static str, blocks: Vec<Block>) -> Section {
    Section {
        heading,
        text_heading: None,
        boxed: None,
        blocks,
    }
}

pub(super) fn nothing(sentence: &'static str) -> Block {
    Block::Para(Tone::Nothing, vec![Inline::Fixed(sentence)])
}

pub(super) fn prose(text: &str) -> Block {
    let blocks = prose_blocks(text);
    if blocks.is_empty() {
        nothing("None given.")
    } else {
        Block::Prose(blocks)
    }
}

/// How to triage the rule's matches: on the daily report and on the index.
pub(super) fn triage(rule: &RuleInfo) -> Section {
    let blocks = vec![
        Block::Subheading("Triage"),
        prose(&rule.triage),
        Block::Subheading("False positives"),
        prose(&rule.false_positives),
        Block::Subheading("MITRE ATT&CK"),
        Block::List {
            class: Some("mitre"),
            items: rule.mitre.iter().map(|m| Inline::Text(m.clone())).collect(),
            empty: Some("not mapped"),
        },
        Block::Para(
            Tone::Muted,
            vec![
                Inline::Fixed("Rule "),
                Inline::Code(rule.id.clone()),
                Inline::Fixed(" · severity "),
                Inline::Text(rule.severity.clone()),
                Inline::Text(format!(" · risk score {}.", rule.risk_score)),
            ],
        ),
    ];
    Section {
        boxed: Some("triage"),
        ..section("How to triage", blocks)
    }
}
