//! The report as one self-contained HTML page: inline CSS (with print rules) and inline SVG
//! charts, no script, no font, no image, no link to anything outside the page except the index
//! page's relative links to each day's report. Every piece of data is HTML-escaped: account names,
//! user agents and pod names come from the logs and are treated as hostile.

use std::fmt::Write as _;

use super::svg::{self, escape};
use super::{
    AccountPanel, ActionCount, DailyReport, LIST_CAP, Prose, RuleInfo, TrendDay, baseline_sentence,
    fmt_avg, fmt_change, fmt_count, peak_hour, prose_blocks,
};

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
    let mut out = String::with_capacity(32 * 1024);
    let rule = &report.rule;
    let title = format!("{} — {}", rule.name, report.date);
    head(&mut out, &title);

    // Header.
    let _ = write!(
        out,
        "<header class=\"top\"><div class=\"wrap\">\n\
         <div class=\"kicker\">audithound daily report</div>\n\
         <h1>{}</h1>\n<div class=\"meta\"><span>Date <b>{}</b> (UTC)</span>",
        escape(&rule.name),
        escape(&report.date)
    );
    if let Some(cluster) = &report.cluster {
        let _ = write!(out, "<span>Cluster <b>{}</b></span>", escape(cluster));
    }
    let _ = write!(
        out,
        "<span>Severity <span class=\"sev {}\">{}</span></span><span>Risk score <b>{}</b></span>",
        escape(&rule.severity.to_ascii_lowercase()),
        escape(&rule.severity),
        rule.risk_score
    );
    if !rule.mitre.is_empty() {
        let _ = write!(
            out,
            "<span>MITRE ATT&amp;CK <b>{}</b></span>",
            escape(&rule.mitre.join(" · "))
        );
    }
    out.push_str("</div>\n</div></header>\n<main>\n");

    // KPI cards.
    let b = &report.baseline;
    out.push_str("<section class=\"kpis\" aria-label=\"Totals\">\n");
    card(
        &mut out,
        "Events scanned",
        report.events,
        &fmt_change(b.events_change_pct, b),
        direction(b.events_change_pct, b).map(|_| "flat"),
        false,
    );
    let denials_up = direction(b.denials_change_pct, b) == Some("up");
    card(
        &mut out,
        "Denials",
        report.denials,
        &fmt_change(b.denials_change_pct, b),
        direction(b.denials_change_pct, b),
        denials_up,
    );
    let new = report.new_accounts.len();
    let new_text = match new {
        0 => "none refused for the first time".to_owned(),
        1 => "1 refused for the first time".to_owned(),
        n => format!("{n} refused for the first time"),
    };
    card(
        &mut out,
        "Accounts denied",
        report.accounts_denied,
        &new_text,
        (new > 0).then_some("up"),
        new > 0,
    );
    out.push_str("</section>\n");
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} Average per day: {} events, {} denials.</p>",
        escape(&baseline_sentence(b)),
        fmt_avg(b.avg_events),
        fmt_avg(b.avg_denials)
    );

    // Hourly chart.
    out.push_str("<section>\n<h2>Timeline</h2>\n<figure>\n");
    out.push_str(&svg::hourly_chart(
        &report.hourly,
        &format!("Denials per hour on {}", report.date),
    ));
    let caption = match peak_hour(&report.hourly) {
        Some((hour, count)) => format!(
            "Busiest hour: {} with {} denials.",
            super::hour_range(hour),
            fmt_count(count)
        ),
        None => "No denials this day.".to_owned(),
    };
    let _ = writeln!(
        out,
        "<figcaption>{}</figcaption>\n</figure>\n</section>",
        escape(&caption)
    );

    // New accounts.
    out.push_str("<section>\n<h2>New accounts refused</h2>\n");
    if report.new_accounts.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"note\">None: every account refused today was also refused in the previous \
             {} days.</p>",
            b.days
        );
    } else {
        let _ = writeln!(
            out,
            "<p>Refused today and on none of the previous {} days:</p>\n<ul class=\"accounts\">",
            b.days
        );
        for account in &report.new_accounts {
            let _ = writeln!(out, "<li><code>{}</code></li>", name(account));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");

    // Accounts.
    out.push_str("<section>\n<h2>Accounts refused</h2>\n");
    if report.accounts.is_empty() {
        out.push_str("<p class=\"none\">No account was refused this day.</p>\n");
    } else {
        out.push_str(
            "<table><thead><tr><th>Account</th><th class=\"num\">Denials</th>\
             <th class=\"num\">Verbs</th><th class=\"num\">Resources</th><th>Namespaces</th>\
             </tr></thead><tbody>\n",
        );
        for a in &report.accounts {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td>{}</td></tr>",
                name(&a.account),
                if a.first_time {
                    " <span class=\"tag\">new</span>"
                } else {
                    ""
                },
                fmt_count(a.count),
                fmt_count(a.verbs),
                fmt_count(a.resources),
                inline_list(&a.namespaces, 6, "(cluster-scoped)"),
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");

    // Stats table.
    out.push_str("<section>\n<h2>Denials by account, verb and resource</h2>\n");
    if report.stats.is_empty() {
        out.push_str("<p class=\"none\">No denials this day.</p>\n");
    } else {
        out.push_str(
            "<div class=\"scroll\"><table><thead><tr><th>Account</th><th>Verb</th><th>Resource</th>\
             <th class=\"num\">Denials</th><th>First – last seen</th>\
             <th>Namespaces</th><th>Source IPs</th><th>User agents</th></tr></thead><tbody>\n",
        );
        for row in &report.stats {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td class=\"verb\"><code>{}</code></td>\
                 <td><code>{}</code></td><td class=\"num\">{}</td><td class=\"time\">{} –<br>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td></tr>",
                name(&row.account),
                escape(&row.verb),
                name(&row.resource),
                fmt_count(row.count),
                escape(super::time_of_day(&row.first_seen, &report.date)),
                escape(super::time_of_day(&row.last_seen, &report.date)),
                inline_list(&row.namespaces, 4, "(cluster-scoped)"),
                inline_list(&row.source_ips, 4, "(none)"),
                inline_list(&row.user_agents, 3, "(none)"),
            );
        }
        out.push_str(
            "</tbody></table>\n<p class=\"muted\">Times are UTC on the report's date.</p>\n",
        );
    }
    out.push_str("</section>\n");

    // Investigation panels.
    out.push_str("<section>\n<h2>Investigation</h2>\n");
    if report.panels.is_empty() {
        out.push_str("<p class=\"none\">No account to investigate this day.</p>\n");
    }
    for panel in &report.panels {
        account_panel(&mut out, report, panel);
    }
    out.push_str("</section>\n");

    triage(&mut out, rule);

    let _ = writeln!(
        out,
        "</main>\n<footer>Generated by {} from the audit logs of {}{}. \
         Times are UTC.</footer>\n</body>\n</html>",
        escape(&report.generated_by),
        escape(&report.date),
        report
            .cluster
            .as_ref()
            .map(|c| format!(", cluster {}", escape(c)))
            .unwrap_or_default()
    );
    out
}

/// Renders the index page of a multi-day run: totals, trend charts and one link per day.
pub fn render_index(days: &[TrendDay], rule: &RuleInfo) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let range = match (days.first(), days.last()) {
        (Some(first), Some(last)) if first.date != last.date => {
            format!("{} to {}", first.date, last.date)
        }
        (Some(first), _) => first.date.clone(),
        _ => "no days".to_owned(),
    };
    head(&mut out, &format!("{} — {range}", rule.name));
    let _ = write!(
        out,
        "<header class=\"top\"><div class=\"wrap\">\n\
         <div class=\"kicker\">audithound trend</div>\n<h1>{}</h1>\n\
         <div class=\"meta\"><span>Days <b>{}</b> (UTC)</span><span>{} day{}</span>\
         <span>Severity <span class=\"sev {}\">{}</span></span><span>Risk score <b>{}</b></span>\
         </div>\n</div></header>\n<main>\n",
        escape(&rule.name),
        escape(&range),
        days.len(),
        if days.len() == 1 { "" } else { "s" },
        escape(&rule.severity.to_ascii_lowercase()),
        escape(&rule.severity),
        rule.risk_score,
    );

    let total = |f: fn(&TrendDay) -> u64| days.iter().map(f).fold(0u64, u64::saturating_add);
    out.push_str("<section class=\"kpis\" aria-label=\"Totals\">\n");
    card(
        &mut out,
        "Events scanned",
        total(|d| d.events),
        "over the range",
        None,
        false,
    );
    card(
        &mut out,
        "Denials",
        total(|d| d.denials),
        "over the range",
        None,
        false,
    );
    let new_days = days.iter().filter(|d| d.new_accounts > 0).count();
    card(
        &mut out,
        "New accounts refused",
        total(|d| d.new_accounts),
        &format!("on {new_days} day{}", if new_days == 1 { "" } else { "s" }),
        (new_days > 0).then_some("up"),
        new_days > 0,
    );
    out.push_str("</section>\n");

    let labels: Vec<String> = days.iter().map(|d| d.date.clone()).collect();
    let series = |name: &str, f: fn(&TrendDay) -> u64| svg::Series {
        name: name.to_owned(),
        values: days.iter().map(f).collect(),
    };
    out.push_str("<section>\n<h2>Trend</h2>\n<figure>\n");
    out.push_str(&svg::line_chart(&svg::LineChart {
        title: "Denials per day",
        x_label: "date (UTC)",
        y_label: "denials",
        labels: &labels,
        series: &[series("denials", |d| d.denials)],
    }));
    out.push_str("</figure>\n<figure>\n");
    out.push_str(&svg::line_chart(&svg::LineChart {
        title: "Accounts refused per day",
        x_label: "date (UTC)",
        y_label: "accounts",
        labels: &labels,
        series: &[
            series("accounts denied", |d| d.accounts_denied),
            series("refused for the first time", |d| d.new_accounts),
        ],
    }));
    out.push_str("</figure>\n<figure>\n");
    let bars: Vec<svg::Bar> = days
        .iter()
        .map(|d| svg::Bar {
            label: d.date.clone(),
            value: d.events,
            tooltip: format!("{}: {} events", d.date, fmt_count(d.events)),
        })
        .collect();
    out.push_str(&svg::bar_chart(&svg::BarChart {
        title: "Events scanned per day",
        x_label: "date (UTC)",
        y_label: "events",
        bars: &bars,
        highlight_max: false,
    }));
    out.push_str("</figure>\n</section>\n");

    out.push_str(
        "<section>\n<h2>Days</h2>\n<table><thead><tr><th>Date</th><th class=\"num\">Events</th>\
         <th class=\"num\">Denials</th><th class=\"num\">Accounts denied</th>\
         <th class=\"num\">New accounts</th></tr></thead><tbody>\n",
    );
    for d in days {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"{}/report.html\">{}</a></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}{}</td></tr>",
            escape(&path_segment(&d.date)),
            escape(&d.date),
            fmt_count(d.events),
            fmt_count(d.denials),
            fmt_count(d.accounts_denied),
            fmt_count(d.new_accounts),
            if d.new_accounts > 0 {
                " <span class=\"tag\">new</span>"
            } else {
                ""
            }
        );
    }
    if days.is_empty() {
        out.push_str("<tr><td colspan=\"5\" class=\"none\">No days in the range.</td></tr>\n");
    }
    out.push_str("</tbody></table>\n</section>\n");
    triage(&mut out, rule);
    out.push_str(
        "</main>\n<footer>Generated by audithound. Each date links to that day's report. \
         Times are UTC.</footer>\n</body>\n</html>\n",
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

/// `up`/`down` for a change against a baseline that exists, `None` otherwise.
fn direction(pct: Option<f64>, baseline: &super::Baseline) -> Option<&'static str> {
    let text = super::fmt_pct(pct).filter(|_| baseline.days_with_data > 0)?;
    Some(match text.as_bytes().first() {
        Some(b'+') => "up",
        Some(b'-') => "down",
        _ => "flat",
    })
}

fn card(
    out: &mut String,
    label: &str,
    value: u64,
    change: &str,
    direction: Option<&str>,
    alert: bool,
) {
    let _ = writeln!(
        out,
        "<div class=\"card{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div>\
         <div class=\"change {}\">{}</div></div>",
        if alert { " alert" } else { "" },
        escape(label),
        fmt_count(value),
        direction.unwrap_or("none"),
        escape(change)
    );
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

fn action_table(out: &mut String, actions: &[ActionCount], kind: &str) {
    if actions.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">Nothing {kind} this day.</p>");
        return;
    }
    out.push_str(
        "<table><thead><tr><th>Verb</th><th>Resource</th><th class=\"num\">Requests</th></tr>\
         </thead><tbody>\n",
    );
    for a in actions.iter().take(LIST_CAP) {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
            escape(&a.verb),
            name(&a.resource),
            fmt_count(a.count)
        );
    }
    if actions.len() > LIST_CAP {
        let rest: u64 = actions[LIST_CAP..]
            .iter()
            .map(|a| a.count)
            .fold(0, u64::saturating_add);
        let _ = writeln!(
            out,
            "<tr><td colspan=\"2\" class=\"more\">{} more verb/resource pairs</td>\
             <td class=\"num\">{}</td></tr>",
            fmt_count((actions.len() - LIST_CAP) as u64),
            fmt_count(rest)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn account_panel(out: &mut String, report: &DailyReport, panel: &AccountPanel) {
    let is_new = report.new_accounts.contains(&panel.account);
    let denials = report
        .accounts
        .iter()
        .find(|a| a.account == panel.account)
        .map_or_else(
            || {
                panel
                    .denied
                    .iter()
                    .map(|a| a.count)
                    .fold(0, u64::saturating_add)
            },
            |a| a.count,
        );
    let _ = writeln!(
        out,
        "<article class=\"panel\">\n<h3><code>{}</code>{}</h3>\n<p class=\"muted\">{} denials \
         this day.</p>\n<div class=\"cols\">\n<div>\n<h4 class=\"refused\">Refused</h4>",
        name(&panel.account),
        if is_new {
            " <span class=\"tag\">refused for the first time</span>"
        } else {
            ""
        },
        fmt_count(denials)
    );
    action_table(out, &panel.denied, "refused");
    out.push_str("</div>\n<div>\n<h4 class=\"allowed\">Allowed</h4>\n");
    action_table(out, &panel.allowed, "allowed");
    out.push_str("</div>\n</div>\n<dl class=\"facts\">\n");
    for (label, items) in [
        ("Source IPs", &panel.source_ips),
        ("User agents", &panel.user_agents),
        ("Pods", &panel.pod_names),
        ("Nodes", &panel.node_names),
    ] {
        let _ = writeln!(
            out,
            "<dt>{label}</dt><dd>{}</dd>",
            inline_list(items, LIST_CAP, "(empty)")
        );
    }
    for (label, when) in [
        ("First seen in the archive", &panel.first_seen_ever),
        ("Last seen in the archive", &panel.last_seen_ever),
    ] {
        let _ = writeln!(
            out,
            "<dt>{label}</dt><dd>{}</dd>",
            when.as_deref()
                .map_or_else(|| "<span class=\"none\">unknown</span>".to_owned(), escape)
        );
    }
    out.push_str("</dl>\n</article>\n");
}

fn triage(out: &mut String, rule: &RuleInfo) {
    out.push_str("<section>\n<h2>How to triage</h2>\n<div class=\"triage\">\n<h3>Triage</h3>\n");
    prose(out, &rule.triage);
    out.push_str("<h3>False positives</h3>\n");
    prose(out, &rule.false_positives);
    out.push_str("<h3>MITRE ATT&amp;CK</h3>\n<ul class=\"mitre\">\n");
    for m in &rule.mitre {
        let _ = writeln!(out, "<li>{}</li>", escape(m));
    }
    if rule.mitre.is_empty() {
        out.push_str("<li class=\"none\">not mapped</li>\n");
    }
    let _ = writeln!(
        out,
        "</ul>\n<p class=\"muted\">Rule <code>{}</code> · severity {} · risk score {}.</p>\n\
         </div>\n</section>",
        escape(&rule.id),
        escape(&rule.severity),
        rule.risk_score
    );
}

fn prose(out: &mut String, text: &str) {
    let blocks = prose_blocks(text);
    if blocks.is_empty() {
        out.push_str("<p class=\"none\">None given.</p>\n");
    }
    for block in blocks {
        match block {
            Prose::Paragraph(p) => {
                let _ = writeln!(out, "<p>{}</p>", inline_code(&p));
            }
            Prose::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", inline_code(&item));
                }
                out.push_str("</ul>\n");
            }
        }
    }
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
