//! The report as Markdown (GitHub-flavoured tables), for chat and tickets: the same sections and
//! numbers as the HTML page, without the chart (a sparkline and an hour-by-hour table instead).
//!
//! Data from the logs goes into code spans, so that no name can turn into markup, a link or raw
//! HTML; inside tables `|` is escaped as `\|` and newlines become spaces. The output is
//! deterministic: the same report gives the same bytes.

use std::fmt::Write as _;

use super::{
    AccountPanel, DailyReport, LIST_CAP, Prose, RuleInfo, baseline_sentence, fmt_avg, fmt_change,
    fmt_count, hour_range, hours24, peak_hour, prose_blocks, time_of_day,
};

/// Renders the daily report as Markdown.
pub fn render(report: &DailyReport) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let rule = &report.rule;
    let b = &report.baseline;
    let _ = writeln!(out, "# {} — {}\n", text(&rule.name), text(&report.date));
    let mut meta = Vec::new();
    if let Some(cluster) = &report.cluster {
        meta.push(format!("**Cluster:** {}", code(cluster, false)));
    }
    meta.push(format!("**Severity:** {}", text(&rule.severity)));
    meta.push(format!("**Risk score:** {}", rule.risk_score));
    if !rule.mitre.is_empty() {
        let mitre: Vec<String> = rule.mitre.iter().map(|m| text(m)).collect();
        meta.push(format!("**MITRE ATT&CK:** {}", mitre.join(", ")));
    }
    let _ = writeln!(out, "{}\n", meta.join(" · "));

    // Summary.
    let new = report.new_accounts.len();
    let new_text = match new {
        0 => "none refused for the first time".to_owned(),
        n => format!("{n} refused for the first time"),
    };
    let _ = writeln!(
        out,
        "## Summary\n\n\
         | Total | This day | Change |\n| --- | ---: | --- |\n\
         | Events scanned | {} | {} |\n\
         | Denials | {} | {} |\n\
         | Accounts denied | {} | {} |\n",
        fmt_count(report.events),
        fmt_change(b.events_change_pct, b),
        fmt_count(report.denials),
        fmt_change(b.denials_change_pct, b),
        fmt_count(report.accounts_denied),
        new_text,
    );
    let _ = writeln!(
        out,
        "{} Average per day: {} events, {} denials.\n",
        baseline_sentence(b),
        fmt_avg(b.avg_events),
        fmt_avg(b.avg_denials)
    );

    // Hourly.
    let hours = hours24(&report.hourly);
    out.push_str("## Denials per hour (UTC)\n\n");
    let _ = write!(out, "`{}` 00 → 23 UTC. ", sparkline(&hours));
    match peak_hour(&hours) {
        Some((hour, count)) => {
            let _ = writeln!(
                out,
                "Busiest hour: {} with {} denials.\n",
                hour_range(hour),
                fmt_count(count)
            );
        }
        None => out.push_str("No denials this day.\n\n"),
    }
    let header: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", " ---: |".repeat(24));
    let counts: Vec<String> = hours.iter().map(|&v| fmt_count(v)).collect();
    let _ = writeln!(out, "| {} |\n", counts.join(" | "));

    // New accounts.
    out.push_str("## New accounts refused\n\n");
    if report.new_accounts.is_empty() {
        let _ = writeln!(
            out,
            "None: every account refused today was also refused in the previous {} days.\n",
            b.days
        );
    } else {
        let _ = writeln!(
            out,
            "Refused today and on none of the previous {} days:\n",
            b.days
        );
        for account in &report.new_accounts {
            let _ = writeln!(out, "- {}", code(account, false));
        }
        out.push('\n');
    }

    // Accounts.
    out.push_str("## Accounts refused\n\n");
    if report.accounts.is_empty() {
        out.push_str("No account was refused this day.\n\n");
    } else {
        out.push_str(
            "| Account | Denials | Verbs | Resources | Namespaces |\n\
             | --- | ---: | ---: | ---: | --- |\n",
        );
        for a in &report.accounts {
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | {} |",
                code(&a.account, true),
                if a.first_time { " **new**" } else { "" },
                fmt_count(a.count),
                fmt_count(a.verbs),
                fmt_count(a.resources),
                code_list(&a.namespaces, 6, "(cluster-scoped)", true),
            );
        }
        out.push('\n');
    }

    // Stats.
    out.push_str("## Denials by account, verb and resource\n\n");
    if report.stats.is_empty() {
        out.push_str("No denials this day.\n\n");
    } else {
        out.push_str(
            "| Account | Verb | Resource | Denials | First seen | Last seen | Namespaces | \
             Source IPs | User agents |\n\
             | --- | --- | --- | ---: | --- | --- | --- | --- | --- |\n",
        );
        for row in &report.stats {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                code(&row.account, true),
                code(&row.verb, true),
                code(&row.resource, true),
                fmt_count(row.count),
                text(time_of_day(&row.first_seen, &report.date)),
                text(time_of_day(&row.last_seen, &report.date)),
                code_list(&row.namespaces, 4, "(cluster-scoped)", true),
                code_list(&row.source_ips, 4, "(empty)", true),
                code_list(&row.user_agents, 3, "(empty)", true),
            );
        }
        out.push_str("\nTimes are UTC on the report's date.\n\n");
    }

    // Panels.
    out.push_str("## Investigation\n\n");
    if report.panels.is_empty() {
        out.push_str("No account to investigate this day.\n\n");
    }
    for panel in &report.panels {
        account_panel(&mut out, report, panel);
    }

    triage(&mut out, rule);
    let _ = writeln!(out, "---\n\nGenerated by {}.", text(&report.generated_by));
    out
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
        "### {}{}\n\n{} denials this day.\n",
        code(&panel.account, false),
        if is_new {
            " (refused for the first time)"
        } else {
            ""
        },
        fmt_count(denials)
    );
    out.push_str("| Decision | Verb | Resource | Requests |\n| --- | --- | --- | ---: |\n");
    for (decision, actions) in [("refused", &panel.denied), ("allowed", &panel.allowed)] {
        if actions.is_empty() {
            let _ = writeln!(out, "| {decision} | (nothing {decision}) | | |");
        }
        for a in actions.iter().take(LIST_CAP) {
            let _ = writeln!(
                out,
                "| {decision} | {} | {} | {} |",
                code(&a.verb, true),
                code(&a.resource, true),
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
                "| {decision} | ({} more verb/resource pairs) | | {} |",
                fmt_count((actions.len() - LIST_CAP) as u64),
                fmt_count(rest)
            );
        }
    }
    out.push('\n');
    for (label, items) in [
        ("Source IPs", &panel.source_ips),
        ("User agents", &panel.user_agents),
        ("Pods", &panel.pod_names),
        ("Nodes", &panel.node_names),
    ] {
        let _ = writeln!(
            out,
            "- **{label}:** {}",
            code_list(items, LIST_CAP, "(empty)", false)
        );
    }
    for (label, when) in [
        ("First seen in the archive", &panel.first_seen_ever),
        ("Last seen in the archive", &panel.last_seen_ever),
    ] {
        let _ = writeln!(
            out,
            "- **{label}:** {}",
            when.as_deref().map_or_else(|| "unknown".to_owned(), text)
        );
    }
    out.push('\n');
}

fn triage(out: &mut String, rule: &RuleInfo) {
    out.push_str("## How to triage\n\n### Triage\n\n");
    prose(out, &rule.triage);
    out.push_str("### False positives\n\n");
    prose(out, &rule.false_positives);
    out.push_str("### MITRE ATT&CK\n\n");
    for m in &rule.mitre {
        let _ = writeln!(out, "- {}", text(m));
    }
    if rule.mitre.is_empty() {
        out.push_str("- not mapped\n");
    }
    let _ = writeln!(
        out,
        "\nRule {} · severity {} · risk score {}.\n",
        code(&rule.id, false),
        text(&rule.severity),
        rule.risk_score
    );
}

/// Rule prose is ours (from the rule file), so its Markdown (backticks, emphasis) is kept; it is
/// only re-flowed into paragraphs and lists.
fn prose(out: &mut String, body: &str) {
    let blocks = prose_blocks(body);
    if blocks.is_empty() {
        out.push_str("None given.\n\n");
    }
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
