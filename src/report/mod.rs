//! The daily report: its data model and three renderers.
//!
//! The gatherer (the `DataFusion` queries behind `audithound report`) fills a [`DailyReport`] for one
//! UTC day; this module only renders it. [`write_report`] writes the three views of the same
//! numbers into one directory:
//!
//! * `report.html`: one self-contained page ([`html`]): inline CSS and inline SVG charts
//!   ([`svg`]), no script, nothing fetched from anywhere, readable on screen and printed;
//! * `report.md`: the same content as Markdown ([`markdown`]) for chat and tickets;
//! * `report.json`: the model itself, pretty-printed, for scripts.
//!
//! For a range of days the caller writes one report per day into `DIR/<date>/` and then
//! [`write_index`] writes `DIR/index.html` with the trend across the range and a link per day.
//!
//! What the page and the Markdown say (sections, headings, sentences, formatted numbers and
//! times) is decided once, in the view model ([`view`]), built once per report; the HTML and
//! Markdown renderers only lay it out. Nothing reorders or recomputes: lists are shown in the
//! order the gatherer gives them (largest first), so the three files always agree. Everything
//! that comes from the logs (account names, user agents, pod names…) is treated as hostile and
//! escaped for the format it is written into.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod gather;
pub mod html;
pub mod markdown;
pub mod svg;
pub(crate) mod view;

#[cfg(test)]
mod browser_test;

/// Everything the report shows for one UTC day. Timestamps are RFC 3339 UTC strings, formatted by
/// the gatherer; renderers print them as they are.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DailyReport {
    /// The day, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The cluster the events came from, when the archive says so.
    pub cluster: Option<String>,
    /// The detection rule the report is about.
    pub rule: RuleInfo,
    /// Audit events scanned that day.
    pub events: u64,
    /// The rule's matches that day.
    pub denials: u64,
    /// Distinct accounts with at least one denial that day.
    pub accounts_denied: u64,
    /// The previous days the totals are compared with.
    pub baseline: Baseline,
    /// Denials per UTC hour: 24 counts, index 0 is 00:00–00:59.
    pub hourly: Vec<u64>,
    /// Accounts refused that day, largest count first.
    pub accounts: Vec<AccountSummary>,
    /// Denials grouped by account × verb × resource, largest count first.
    pub stats: Vec<StatsRow>,
    /// Accounts refused that day and on none of the previous [`Baseline::days`] days.
    pub new_accounts: Vec<String>,
    /// One investigation panel per top account.
    pub panels: Vec<AccountPanel>,
    /// What the live rule would have raised that day on Elastic's schedule, and what its cap
    /// hid (`audithound replay`); absent in reports written before it existed.
    #[serde(default)]
    pub live: Option<LiveRule>,
    /// `audithound <version>`; no wall-clock time, so that reports are reproducible.
    pub generated_by: String,
}

/// The detection rule: what it is, how to triage it, where it sits in MITRE ATT&CK.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub severity: String,
    pub risk_score: u32,
    /// Tactics and techniques, e.g. `TA0007 Discovery`, `T1613 Container and Resource Discovery`.
    pub mitre: Vec<String>,
    /// Prose: paragraphs separated by blank lines; lines starting with `- ` are list items.
    pub triage: String,
    /// Prose, same shape as [`RuleInfo::triage`].
    pub false_positives: String,
}

/// The day's totals compared with the previous days.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    /// The N of `--baseline-days`: how many previous days were asked for.
    pub days: u32,
    /// How many of them had any events in the archive.
    pub days_with_data: u32,
    /// Mean events per day over the days with data.
    pub avg_events: f64,
    /// Mean denials per day over the days with data.
    pub avg_denials: f64,
    /// `(events - avg_events) / avg_events * 100`; `None` when there is no baseline data.
    pub events_change_pct: Option<f64>,
    /// `(denials - avg_denials) / avg_denials * 100`; `None` when there is no baseline data.
    pub denials_change_pct: Option<f64>,
}

impl Baseline {
    /// Percentage change of `today` against `average`, or `None` when the average is zero or
    /// not a number (no baseline to compare with). A helper for the gatherer.
    pub fn change_pct(today: f64, average: f64) -> Option<f64> {
        if average.is_finite() && average > 0.0 && today.is_finite() {
            Some((today - average) / average * 100.0)
        } else {
            None
        }
    }
}

/// One refused account's totals for the day.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountSummary {
    pub account: String,
    /// Denials.
    pub count: u64,
    /// Distinct verbs refused.
    pub verbs: u64,
    /// Distinct resources refused.
    pub resources: u64,
    /// Namespaces the refused requests were aimed at (empty string: cluster-scoped).
    pub namespaces: Vec<String>,
    /// Refused that day and on none of the previous baseline days.
    pub first_time: bool,
}

/// One row of the stats table: denials of one account for one verb on one resource.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StatsRow {
    pub account: String,
    pub verb: String,
    pub resource: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub namespaces: Vec<String>,
    pub source_ips: Vec<String>,
    pub user_agents: Vec<String>,
}

/// What one top account did that day, refused and allowed, and where it came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountPanel {
    pub account: String,
    /// Refused requests that day, by verb and resource, largest first.
    pub denied: Vec<ActionCount>,
    /// Allowed requests that day, by verb and resource, largest first.
    pub allowed: Vec<ActionCount>,
    pub source_ips: Vec<String>,
    pub user_agents: Vec<String>,
    pub pod_names: Vec<String>,
    pub node_names: Vec<String>,
    /// First event of this account anywhere in the archive.
    pub first_seen_ever: Option<String>,
    /// Last event of this account anywhere in the archive.
    pub last_seen_ever: Option<String>,
}

/// A count of requests for one verb on one resource.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActionCount {
    pub verb: String,
    pub resource: String,
    pub count: u64,
}

/// The day replayed on the rule's schedule: the executions that ran that day (UTC), the alerts
/// they raised, and what the cap of `max_signals` per execution hid.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LiveRule {
    /// Time between executions, as Elastic writes it (`5m`).
    pub interval: String,
    /// The look-back, as Elastic writes it (`now-6m`).
    pub from: String,
    pub max_signals: u64,
    /// The time the schedule searched on (`event_time`, ...).
    pub timestamp: String,
    /// Executions that ran that day.
    pub executions: u64,
    pub executions_with_hits: u64,
    /// Executions that reached `max_signals` and dropped matches.
    pub executions_capped: u64,
    /// The rule's matches of the day, by the schedule's timestamp.
    pub matching_events: u64,
    /// Alerts raised by the day's executions.
    pub alerts_raised: u64,
    /// Matches of the day dropped by every execution that saw them.
    pub never_alerted_cap: u64,
    /// Matches dropped, summed over executions.
    pub dropped: u64,
    /// Matches whose alert was already raised, summed over executions.
    pub duplicates: u64,
    /// The executions with most matches, most first.
    pub busiest: Vec<LiveExecution>,
}

/// One execution of the replayed schedule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LiveExecution {
    /// When it ran (RFC 3339); its window is the look-back before.
    pub time: String,
    pub window_start: String,
    pub hits: u64,
    pub raised: u64,
    pub dropped: u64,
    pub duplicates: u64,
}

/// One day of the index page's trend.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrendDay {
    pub date: String,
    pub events: u64,
    pub denials: u64,
    pub accounts_denied: u64,
    pub new_accounts: u64,
}

/// Writes `report.html`, `report.md` and `report.json` for one day into `dir`, creating it.
///
/// Each file is written to a temporary file in `dir` and renamed into place, so a reader never
/// sees half a report.
pub fn write_report(dir: &Path, report: &DailyReport) -> Result<()> {
    create_dir(dir)?;
    let mut json = serde_json::to_string_pretty(report)?;
    json.push('\n');
    // One view model for both renderers, so that the page and the Markdown say the same.
    let page = view::report(report);
    write_file(&dir.join("report.html"), html::page(&page).as_bytes())?;
    write_file(&dir.join("report.md"), markdown::page(&page).as_bytes())?;
    write_file(&dir.join("report.json"), json.as_bytes())?;
    Ok(())
}

/// Writes `index.html` into `dir` (creating it): the trend across `days` and a link to each
/// day's `<date>/report.html`. Days are shown in the order given.
pub fn write_index(dir: &Path, days: &[TrendDay], rule: &RuleInfo) -> Result<()> {
    create_dir(dir)?;
    write_file(
        &dir.join("index.html"),
        html::render_index(days, rule).as_bytes(),
    )
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Output {
        path: dir.to_path_buf(),
        source,
    })
}

fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    let output_error = |source| Error::Output {
        path: PathBuf::from(path),
        source,
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(output_error)?;
    // Reports are meant to be shared: readable by all, like any file the user creates (a
    // temporary file starts as owner-only).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(output_error)?;
    }
    tmp.write_all(contents).map_err(output_error)?;
    tmp.flush().map_err(output_error)?;
    tmp.persist(path).map_err(|e| output_error(e.error))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Formatting used by the view model (and the SVG charts), so every number reads the same.

/// How many items of a list (IPs, user agents…) the HTML and Markdown show; the JSON has all.
pub(crate) const LIST_CAP: usize = 20;

/// `1234567` → `1,234,567`.
pub(crate) fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A daily average with one decimal and thousands separators: `1234.56` → `1,234.6`.
pub(crate) fn fmt_avg(x: f64) -> String {
    if !x.is_finite() || x < 0.0 {
        return "n/a".to_owned();
    }
    let tenths = (x * 10.0).round() as u64;
    format!("{}.{}", fmt_count(tenths / 10), tenths % 10)
}

/// A percentage change: `+12%`, `-3.5%`, `0%` (one decimal below 10%, none above).
/// `None` (or a non-finite value) has no baseline to compare with.
pub(crate) fn fmt_pct(pct: Option<f64>) -> Option<String> {
    let p = pct.filter(|p| p.is_finite())?;
    let text = if p.abs() >= 9.95 {
        format!("{:.0}", p.abs())
    } else {
        format!("{:.1}", p.abs())
    };
    let text = text.strip_suffix(".0").unwrap_or(&text).to_owned();
    Some(if text == "0" {
        "0%".to_owned()
    } else if p > 0.0 {
        format!("+{text}%")
    } else {
        format!("-{text}%")
    })
}

/// `+12% vs 7-day avg`, or `no baseline`.
pub(crate) fn fmt_change(pct: Option<f64>, baseline: &Baseline) -> String {
    match fmt_pct(pct) {
        Some(p) if baseline.days_with_data > 0 => {
            format!("{p} vs {}-day avg", baseline.days)
        }
        _ => "no baseline".to_owned(),
    }
}

/// One sentence on what the baseline is made of.
pub(crate) fn baseline_sentence(baseline: &Baseline) -> String {
    let days = baseline.days;
    let plural = if days == 1 { "" } else { "s" };
    if baseline.days_with_data == 0 {
        format!("Baseline: the previous {days} day{plural}, none of which has data.")
    } else if baseline.days_with_data == days {
        format!("Baseline: the previous {days} day{plural}, all with data.")
    } else {
        format!(
            "Baseline: the previous {days} day{plural}, {} of them with data.",
            baseline.days_with_data
        )
    }
}

/// `HH:00–HH:59 UTC` for an hour index.
pub(crate) fn hour_range(hour: usize) -> String {
    format!("{hour:02}:00–{hour:02}:59 UTC")
}

/// The 24 hourly counts, padded with zeros (or cut) to exactly 24.
pub(crate) fn hours24(hourly: &[u64]) -> [u64; 24] {
    let mut out = [0; 24];
    for (slot, value) in out.iter_mut().zip(hourly) {
        *slot = *value;
    }
    out
}

/// The busiest hour and its count, if any hour has denials (the earliest hour wins a tie).
pub(crate) fn peak_hour(hourly: &[u64]) -> Option<(usize, u64)> {
    let hours = hours24(hourly);
    let max = hours.iter().copied().max().filter(|&m| m > 0)?;
    hours.iter().position(|&v| v == max).map(|h| (h, max))
}

/// A timestamp on the report's own date without the date (`2024-05-14T14:02:11Z` →
/// `14:02:11Z`); any other timestamp unchanged.
pub(crate) fn time_of_day<'a>(ts: &'a str, date: &str) -> &'a str {
    ts.strip_prefix(date)
        .and_then(|rest| rest.strip_prefix('T'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(ts)
}

/// A block of rule prose.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prose {
    Paragraph(String),
    List(Vec<String>),
}

/// Splits rule prose into paragraphs (blank-line separated, lines joined with spaces) and lists
/// (consecutive lines starting with `- `; an indented line continues the item above).
pub(crate) fn prose_blocks(text: &str) -> Vec<Prose> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let flush_para = |para: &mut Vec<&str>, blocks: &mut Vec<Prose>| {
        if !para.is_empty() {
            blocks.push(Prose::Paragraph(para.join(" ")));
            para.clear();
        }
    };
    let flush_list = |list: &mut Vec<String>, blocks: &mut Vec<Prose>| {
        if !list.is_empty() {
            blocks.push(Prose::List(std::mem::take(list)));
        }
    };
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            flush_para(&mut para, &mut blocks);
            flush_list(&mut list, &mut blocks);
        } else if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            flush_para(&mut para, &mut blocks);
            list.push(item.trim().to_owned());
        } else if let (Some(last), true) = (list.last_mut(), raw.starts_with([' ', '\t'])) {
            last.push(' ');
            last.push_str(line);
        } else {
            flush_list(&mut list, &mut blocks);
            para.push(line);
        }
    }
    flush_para(&mut para, &mut blocks);
    flush_list(&mut list, &mut blocks);
    blocks
}

#[cfg(test)]
pub(crate) mod testdata {
    //! A realistic report for the renderers' tests.

    use super::{
        AccountPanel, AccountSummary, ActionCount, Baseline, DailyReport, LiveExecution, LiveRule,
        RuleInfo, StatsRow, TrendDay,
    };

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn action(verb: &str, resource: &str, count: u64) -> ActionCount {
        ActionCount {
            verb: verb.to_owned(),
            resource: resource.to_owned(),
            count,
        }
    }

    pub(crate) fn rule() -> RuleInfo {
        RuleInfo {
            id: "63c056a0-339a-11ed-a261-0242ac120002".to_owned(),
            name: "Kubernetes Denied Service Account Request".to_owned(),
            severity: "medium".to_owned(),
            risk_score: 47,
            mitre: strings(&["TA0007 Discovery", "T1613 Container and Resource Discovery"]),
            triage: "A service account was refused by the API server's authorizer. Service \
                     accounts run automation with a fixed set of permissions, so a refusal means \
                     the workload asked for something it was never granted.\n\
                     \n\
                     - Check which pod holds the token: the pod and node names, and the source IP.\n\
                     - Compare what was refused with what the account is normally allowed to do.\n\
                     - Look for discovery patterns: `list` and `get` on secrets, nodes or \
                     clusterroles across many namespaces in a short time.\n\
                     \n\
                     If the token is used from outside the cluster, treat it as stolen: rotate it \
                     and review the pod."
                .to_owned(),
            false_positives: "Operators and CI jobs whose RBAC lags behind a new release are \
                              refused until their roles are updated.\n\
                              - A new controller version asking for a resource its role lacks.\n\
                              - Misconfigured Helm charts."
                .to_owned(),
        }
    }

    /// Three accounts: a CI deployer with a burst at 14:00 UTC (first time refused), a
    /// monitoring agent refused all day at a low rate, and a hostile-looking name.
    pub(crate) fn sample_report() -> DailyReport {
        let mut hourly = vec![0u64; 24];
        for (h, v) in hourly.iter_mut().enumerate() {
            *v = 2 + (h as u64 % 3);
        }
        hourly[14] = 212;
        hourly[15] = 43;
        let denials: u64 = hourly.iter().sum();
        DailyReport {
            date: "2024-05-14".to_owned(),
            cluster: Some("prod-eu-1".to_owned()),
            rule: rule(),
            events: 1_284_311,
            denials,
            accounts_denied: 3,
            baseline: Baseline {
                days: 7,
                days_with_data: 7,
                avg_events: 1_146_702.4,
                avg_denials: 61.3,
                events_change_pct: Some(12.0),
                denials_change_pct: Baseline::change_pct(denials as f64, 61.3),
            },
            hourly,
            accounts: vec![
                AccountSummary {
                    account: "system:serviceaccount:ci:deployer".to_owned(),
                    count: 246,
                    verbs: 2,
                    resources: 3,
                    namespaces: strings(&["kube-system", "payments", "default"]),
                    first_time: true,
                },
                AccountSummary {
                    account: "system:serviceaccount:monitoring:node-exporter".to_owned(),
                    count: 72,
                    verbs: 1,
                    resources: 1,
                    namespaces: strings(&[""]),
                    first_time: false,
                },
                AccountSummary {
                    account: "system:serviceaccount:web:<script>alert(1)</script>".to_owned(),
                    count: 3,
                    verbs: 1,
                    resources: 1,
                    namespaces: strings(&["web"]),
                    first_time: false,
                },
            ],
            stats: vec![
                StatsRow {
                    account: "system:serviceaccount:ci:deployer".to_owned(),
                    verb: "list".to_owned(),
                    resource: "secrets".to_owned(),
                    count: 198,
                    first_seen: "2024-05-14T14:02:11Z".to_owned(),
                    last_seen: "2024-05-14T15:40:57Z".to_owned(),
                    namespaces: strings(&["kube-system", "payments", "default"]),
                    source_ips: strings(&["10.42.3.17"]),
                    user_agents: strings(&["kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819"]),
                },
                StatsRow {
                    account: "system:serviceaccount:ci:deployer".to_owned(),
                    verb: "get".to_owned(),
                    resource: "clusterroles.rbac.authorization.k8s.io".to_owned(),
                    count: 41,
                    first_seen: "2024-05-14T14:03:40Z".to_owned(),
                    last_seen: "2024-05-14T14:59:02Z".to_owned(),
                    namespaces: strings(&[""]),
                    source_ips: strings(&["10.42.3.17", "203.0.113.50"]),
                    user_agents: strings(&[
                        "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819",
                        "python-requests/2.31.0",
                    ]),
                },
                StatsRow {
                    account: "system:serviceaccount:monitoring:node-exporter".to_owned(),
                    verb: "list".to_owned(),
                    resource: "nodes".to_owned(),
                    count: 72,
                    first_seen: "2024-05-14T00:00:31Z".to_owned(),
                    last_seen: "2024-05-14T23:59:48Z".to_owned(),
                    namespaces: strings(&[""]),
                    source_ips: strings(&["10.42.0.9"]),
                    user_agents: strings(&["node-exporter/1.7.0 | go1.21"]),
                },
                StatsRow {
                    account: "system:serviceaccount:ci:deployer".to_owned(),
                    verb: "list".to_owned(),
                    resource: "nodes".to_owned(),
                    count: 7,
                    first_seen: "2024-05-14T14:05:00Z".to_owned(),
                    last_seen: "2024-05-14T14:06:12Z".to_owned(),
                    namespaces: strings(&[""]),
                    source_ips: strings(&["203.0.113.50"]),
                    user_agents: strings(&["python-requests/2.31.0"]),
                },
                StatsRow {
                    account: "system:serviceaccount:web:<script>alert(1)</script>".to_owned(),
                    verb: "get".to_owned(),
                    resource: "configmaps".to_owned(),
                    count: 3,
                    first_seen: "2024-05-14T09:12:00Z".to_owned(),
                    last_seen: "2024-05-14T09:12:02Z".to_owned(),
                    namespaces: strings(&["web"]),
                    source_ips: strings(&["10.42.7.2"]),
                    user_agents: strings(&["Mozilla/5.0\n<img onerror=x>"]),
                },
            ],
            new_accounts: strings(&["system:serviceaccount:ci:deployer"]),
            panels: vec![
                AccountPanel {
                    account: "system:serviceaccount:ci:deployer".to_owned(),
                    denied: vec![
                        action("list", "secrets", 198),
                        action("get", "clusterroles.rbac.authorization.k8s.io", 41),
                        action("list", "nodes", 7),
                    ],
                    allowed: vec![
                        action("get", "deployments.apps", 96),
                        action("patch", "deployments.apps", 12),
                        action("list", "pods", 8),
                    ],
                    source_ips: strings(&["10.42.3.17", "203.0.113.50"]),
                    user_agents: strings(&[
                        "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819",
                        "python-requests/2.31.0",
                    ]),
                    pod_names: strings(&["deployer-7d9f8b6c5-x2x4k"]),
                    node_names: strings(&["ip-10-42-3-1.eu-west-1.compute.internal"]),
                    first_seen_ever: Some("2024-01-09T08:15:02Z".to_owned()),
                    last_seen_ever: Some("2024-05-14T15:40:57Z".to_owned()),
                },
                AccountPanel {
                    account: "system:serviceaccount:monitoring:node-exporter".to_owned(),
                    denied: vec![action("list", "nodes", 72)],
                    allowed: vec![],
                    source_ips: strings(&["10.42.0.9"]),
                    user_agents: strings(&["node-exporter/1.7.0 | go1.21"]),
                    pod_names: vec![],
                    node_names: vec![],
                    first_seen_ever: None,
                    last_seen_ever: None,
                },
            ],
            live: Some(LiveRule {
                interval: "5m".to_owned(),
                from: "now-6m".to_owned(),
                max_signals: 100,
                timestamp: "event_time".to_owned(),
                executions: 288,
                executions_with_hits: 131,
                executions_capped: 1,
                matching_events: denials,
                alerts_raised: denials - 62,
                never_alerted_cap: 62,
                dropped: 112,
                duplicates: 37,
                busiest: vec![
                    LiveExecution {
                        time: "2024-05-14T14:10:00.000000Z".to_owned(),
                        window_start: "2024-05-14T14:04:00.000000Z".to_owned(),
                        hits: 212,
                        raised: 100,
                        dropped: 112,
                        duplicates: 0,
                    },
                    LiveExecution {
                        time: "2024-05-14T15:05:00.000000Z".to_owned(),
                        window_start: "2024-05-14T14:59:00.000000Z".to_owned(),
                        hits: 43,
                        raised: 38,
                        dropped: 0,
                        duplicates: 5,
                    },
                ],
            }),
            generated_by: "audithound 0.1.0".to_owned(),
        }
    }

    pub(crate) fn sample_trend() -> Vec<TrendDay> {
        (1..=14)
            .map(|d| TrendDay {
                date: format!("2024-05-{d:02}"),
                events: 1_100_000 + d * 13_000,
                denials: if d == 14 { 331 } else { 50 + (d * 7) % 23 },
                accounts_denied: if d == 14 { 3 } else { 2 },
                new_accounts: u64::from(d == 14 || d == 4),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testdata::{sample_report, sample_trend};
    use super::*;

    #[test]
    fn json_round_trip() {
        let report = sample_report();
        let json = serde_json::to_string_pretty(&report).unwrap();
        let back: DailyReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn write_report_writes_three_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out").join("2024-05-14");
        let report = sample_report();
        write_report(&dir, &report).unwrap();
        let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
        assert!(json.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["date"], "2024-05-14");
        assert_eq!(value["events"], 1_284_311);
        assert_eq!(value["denials"], report.denials);
        assert_eq!(
            value["accounts"][0]["account"],
            "system:serviceaccount:ci:deployer"
        );
        assert_eq!(value["accounts"][0]["count"], 246);
        let back: DailyReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert_eq!(html, html::render(&report));
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert_eq!(md, markdown::render(&report));
        // No temporary files left behind.
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["report.html", "report.json", "report.md"]);
    }

    #[test]
    fn write_index_links_each_day() {
        let tmp = tempfile::tempdir().unwrap();
        write_index(tmp.path(), &sample_trend(), &testdata::rule()).unwrap();
        let html = std::fs::read_to_string(tmp.path().join("index.html")).unwrap();
        for day in sample_trend() {
            assert!(html.contains(&format!("href=\"{}/report.html\"", day.date)));
        }
    }

    #[test]
    fn write_report_reports_unwritable_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let err = write_report(&file.join("sub"), &sample_report()).unwrap_err();
        assert!(matches!(err, Error::Output { .. }), "{err}");
    }

    #[test]
    fn counts_and_changes_format() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(1_284_311), "1,284,311");
        assert_eq!(fmt_avg(1_146_702.44), "1,146,702.4");
        assert_eq!(fmt_avg(0.0), "0.0");
        assert_eq!(fmt_avg(f64::NAN), "n/a");
        assert_eq!(fmt_pct(Some(12.0)).as_deref(), Some("+12%"));
        assert_eq!(fmt_pct(Some(-3.46)).as_deref(), Some("-3.5%"));
        assert_eq!(fmt_pct(Some(0.01)).as_deref(), Some("0%"));
        assert_eq!(fmt_pct(Some(-0.0)).as_deref(), Some("0%"));
        assert_eq!(fmt_pct(Some(431.7)).as_deref(), Some("+432%"));
        assert_eq!(fmt_pct(Some(f64::INFINITY)), None);
        assert_eq!(fmt_pct(None), None);
        let baseline = sample_report().baseline;
        assert_eq!(fmt_change(Some(12.0), &baseline), "+12% vs 7-day avg");
        assert_eq!(fmt_change(None, &baseline), "no baseline");
        assert_eq!(Baseline::change_pct(110.0, 100.0), Some(10.0));
        assert_eq!(Baseline::change_pct(5.0, 0.0), None);
    }

    #[test]
    fn hours_and_peak() {
        assert_eq!(hours24(&[1, 2])[..3], [1, 2, 0]);
        assert_eq!(hours24(&[7; 30]), [7; 24]);
        assert_eq!(peak_hour(&sample_report().hourly), Some((14, 212)));
        assert_eq!(peak_hour(&[0; 24]), None);
        assert_eq!(peak_hour(&[]), None);
        assert_eq!(hour_range(7), "07:00–07:59 UTC");
    }

    #[test]
    fn prose_splits_paragraphs_and_lists() {
        let blocks = prose_blocks("One\ntwo.\n\n- a\n  continued\n- b\nAfter.\n");
        assert_eq!(
            blocks,
            [
                Prose::Paragraph("One two.".to_owned()),
                Prose::List(vec!["a continued".to_owned(), "b".to_owned()]),
                Prose::Paragraph("After.".to_owned()),
            ]
        );
        assert!(prose_blocks("").is_empty());
    }
}
