//! `audithound report`: gathers a [`DailyReport`] for each day with DataFusion and hands it to
//! the renderers in [`crate::report`].
//!
//! What it reads: the day itself (through a scope on `date`, so an archive prunes every other
//! partition), the baseline window of the N days before it (`--baseline-days`), and, for the few
//! top accounts only, their first and last event in the whole archive (one column, pruned by
//! row-group statistics on `user_name`). The stats table is computed by the same code as
//! `audithound stats`, so the two always agree; the live-rule section by the same code as
//! `audithound replay`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};
use datafusion::prelude::DataFrame;
use datafusion::scalar::ScalarValue;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::ingest::timestamp::{MICROS_PER_DAY, date_string, parse_micros, rfc3339};
use crate::query::engine::{Data, Engine, EngineOptions, Scope};
use crate::query::exceptions::{Applied, Exceptions};
use crate::query::hunt;
use crate::query::replay::{self, ReplayOptions};
use crate::query::rules::{self, Rule, read_only};
use crate::query::session::QueryOptions;
use crate::query::suppression::{self, Suppression};
use crate::report::{
    AccountPanel, AccountSummary, ActionCount, Baseline, DailyReport, LiveExecution, LiveRule,
    RuleInfo, StatsRow, TrendDay, write_index, write_report,
};

/// What to report (the CLI's `report` flags build it).
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The data, and `from`/`to` as the range of days when `date` is not given.
    pub query: QueryOptions,
    /// The day to report (`YYYY-MM-DD`, UTC).
    pub date: Option<String>,
    /// Output directory (one folder per day for a range).
    pub out: PathBuf,
    /// Days before the report day to compare with, and to decide which accounts are new.
    pub baseline_days: u32,
    /// The rule to report on.
    pub rule: String,
    /// Investigation panels for this many top accounts.
    pub top: usize,
    /// Overwrite existing report files.
    pub force: bool,
}

fn day_of(s: &str) -> Result<i64> {
    let t = s.trim();
    if t.len() != 10 {
        return Err(Error::Usage(format!(
            "--date/--from/--to {s:?}: use YYYY-MM-DD"
        )));
    }
    parse_micros(t)
        .map(|m| m.div_euclid(MICROS_PER_DAY))
        .ok_or_else(|| Error::Usage(format!("--date/--from/--to {s:?}: not a date (YYYY-MM-DD)")))
}

pub async fn run(a: &ReportOptions) -> Result<()> {
    let (first, last) = match (&a.date, &a.query.from, &a.query.to) {
        (Some(d), _, _) => (day_of(d)?, day_of(d)?),
        (None, Some(f), Some(t)) => (day_of(f)?, day_of(t)?),
        _ => {
            return Err(Error::Usage(
                "give --date YYYY-MM-DD, or --from and --to for a range of days".into(),
            ));
        }
    };
    if last < first {
        return Err(Error::Usage("--to is before --from".into()));
    }
    let (rules, _) = rules::load(a.query.rules_dir.as_deref(), a.query.scan.strict)?;
    let rule = rules
        .into_iter()
        .find(|r| r.id == a.rule)
        .ok_or_else(|| Error::Usage(format!("no rule with id {:?}", a.rule)))?;
    let data = Data::from_paths(&a.query.paths, a.query.scan.max_input)?;
    let g = Gatherer {
        data,
        opts: EngineOptions {
            memory_limit: a.query.memory_limit,
            scan: a.query.scan.clone(),
            scheduler: a.query.scheduler.clone(),
            ..EngineOptions::default()
        },
        clusters: a.query.clusters.clone(),
        rule,
        exceptions: a.query.exceptions.clone(),
        suppression: a.query.suppression.clone(),
        baseline_days: a.baseline_days,
        top: a.top,
    };
    let single = first == last;
    let mut trend = Vec::new();
    for day in first..=last {
        let date = date_string(day * MICROS_PER_DAY);
        let dir = if single {
            a.out.clone()
        } else {
            a.out.join(&date)
        };
        let target = dir.join("report.html");
        if target.exists() && !a.force {
            return Err(Error::Exists(target));
        }
        let report = g.day(day).await?;
        write_report(&dir, &report)?;
        eprintln!(
            "{date}: {} events, {} denials, {} accounts ({} new) → {}",
            report.events,
            report.denials,
            report.accounts_denied,
            report.new_accounts.len(),
            dir.display()
        );
        trend.push(TrendDay {
            date,
            events: report.events,
            denials: report.denials,
            accounts_denied: report.accounts_denied,
            new_accounts: report.new_accounts.len() as u64,
        });
    }
    if !single {
        write_index(&a.out, &trend, &rule_info(&g.rule))?;
        eprintln!("index: {}", a.out.join("index.html").display());
    }
    Ok(())
}

/// The rule's header as the report shows it.
pub fn rule_info(r: &Rule) -> RuleInfo {
    RuleInfo {
        id: r.id.clone(),
        name: r.name.clone(),
        severity: r.severity.clone(),
        risk_score: u32::try_from(r.risk_score).unwrap_or(0),
        mitre: r
            .get("mitre")
            .split(';')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        triage: r.get("triage").to_owned(),
        false_positives: r.get("false_positives").to_owned(),
    }
}

/// Per account: (count, verbs, resources, namespaces).
type PerAccount = (u64, Vec<String>, Vec<String>, Vec<String>);

struct Gatherer {
    data: Data,
    opts: EngineOptions,
    clusters: Vec<String>,
    rule: Rule,
    /// Applied to the day, its baseline and its live-rule replay; the day's counts are printed.
    exceptions: Option<Arc<Exceptions>>,
    /// Applied to the day's and the baseline's matches (per report run) and, per execution, to
    /// the live-rule replay.
    suppression: Option<Suppression>,
    baseline_days: u32,
    top: usize,
}

async fn collect(df: DataFrame) -> Result<Vec<RecordBatch>> {
    Ok(df.collect().await?)
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Arc<dyn Array>> {
    Ok(b.column(b.schema().index_of(name)?))
}

fn strings(b: &RecordBatch, name: &str) -> Result<Vec<String>> {
    let c = cast(column(b, name)?, &DataType::Utf8)?;
    let s = c.as_string::<i32>();
    Ok((0..s.len())
        .map(|i| {
            if s.is_null(i) {
                String::new()
            } else {
                s.value(i).to_owned()
            }
        })
        .collect())
}

fn counts(b: &RecordBatch, name: &str) -> Result<Vec<u64>> {
    let c = cast(column(b, name)?, &DataType::UInt64)?;
    let s = c.as_primitive::<datafusion::arrow::datatypes::UInt64Type>();
    Ok((0..s.len())
        .map(|i| if s.is_null(i) { 0 } else { s.value(i) })
        .collect())
}

fn times(b: &RecordBatch, name: &str) -> Result<Vec<Option<String>>> {
    let c = cast(
        column(b, name)?,
        &DataType::Timestamp(TimeUnit::Microsecond, None),
    )?;
    let s = c.as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
    Ok((0..s.len())
        .map(|i| (!s.is_null(i)).then(|| rfc3339(s.value(i))))
        .collect())
}

fn lists(b: &RecordBatch, name: &str) -> Result<Vec<Vec<String>>> {
    let target = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    let c = cast(column(b, name)?, &target)?;
    let l = c.as_list::<i32>();
    let mut out = Vec::with_capacity(l.len());
    for i in 0..l.len() {
        if l.is_null(i) {
            out.push(Vec::new());
            continue;
        }
        let v = l.value(i);
        let s = v.as_string::<i32>();
        out.push(
            (0..s.len())
                .filter(|&j| !s.is_null(j))
                .map(|j| s.value(j).to_owned())
                .collect(),
        );
    }
    Ok(out)
}

impl Gatherer {
    async fn engine(&self, from_day: Option<i64>, to_day_excl: Option<i64>) -> Result<Engine> {
        let scope = Scope {
            from: from_day.map(|d| d * MICROS_PER_DAY),
            to: to_day_excl.map(|d| d * MICROS_PER_DAY),
            clusters: self.clusters.clone(),
            history: 0,
        };
        self.open(&scope).await
    }

    /// An engine over `scope` with the report's exceptions (counted per engine).
    async fn open(&self, scope: &Scope) -> Result<Engine> {
        let mut e = Engine::open(&self.data, scope, &self.opts).await?;
        e.exceptions = self
            .exceptions
            .as_ref()
            .map(|x| Arc::new(Applied::new(Arc::clone(x))));
        e.suppression = self
            .suppression
            .as_ref()
            .map(|s| Arc::new(suppression::Applied::new(s.clone())));
        Ok(e)
    }

    async fn sql(&self, e: &Engine, q: &str, params: Vec<ScalarValue>) -> Result<Vec<RecordBatch>> {
        let df = e.ctx.sql_with_options(q, read_only()).await?;
        let df = if params.is_empty() {
            df
        } else {
            df.with_param_values(params)?
        };
        collect(df).await
    }

    /// Rows per `date` of `table` (`audit` or `matches`: our own names, not user input).
    async fn per_date(&self, e: &Engine, table: &str) -> Result<BTreeMap<String, u64>> {
        let q = format!("SELECT date, count(*) AS n FROM {table} GROUP BY date");
        let mut out = BTreeMap::new();
        for r in self.sql(e, &q, vec![]).await? {
            out.extend(strings(&r, "date")?.into_iter().zip(counts(&r, "n")?));
        }
        Ok(out)
    }

    async fn day(&self, day: i64) -> Result<DailyReport> {
        let date = date_string(day * MICROS_PER_DAY);
        // The day itself.
        let e = self.engine(Some(day), Some(day + 1)).await?;
        // Planned once (exceptions applied and counted once), read several ways.
        let matches = suppression::alerts(&e, &self.rule).await?;
        e.ctx
            .register_table("matches", matches.clone().into_view())?;
        let events = first_count(
            &self
                .sql(&e, "SELECT count(*) AS n FROM audit", vec![])
                .await?,
        )?;
        let mut hourly = vec![0u64; 24];
        for b in self
            .sql(&e, "SELECT CAST(extract(hour FROM event_time) AS BIGINT) AS h, count(*) AS n FROM matches GROUP BY 1", vec![])
            .await?
        {
            for (h, n) in counts(&b, "h")?.into_iter().zip(counts(&b, "n")?) {
                if let Some(slot) = hourly.get_mut(h as usize) {
                    *slot = n;
                }
            }
        }
        let denials: u64 = hourly.iter().sum();
        // The stats table: the very code `audithound stats` runs.
        let mut stats = Vec::new();
        for b in collect(hunt::stats_of(&e, matches, &[]).await?).await? {
            let (acc, verb, res) = (
                strings(&b, "account")?,
                strings(&b, "verb")?,
                strings(&b, "resource")?,
            );
            let (n, fs, ls) = (
                counts(&b, "count")?,
                times(&b, "first_seen")?,
                times(&b, "last_seen")?,
            );
            let (ns, ips, uas) = (
                lists(&b, "namespaces")?,
                lists(&b, "source_ips")?,
                lists(&b, "user_agents")?,
            );
            for i in 0..b.num_rows() {
                stats.push(StatsRow {
                    account: acc[i].clone(),
                    verb: verb[i].clone(),
                    resource: res[i].clone(),
                    count: n[i],
                    first_seen: fs[i].clone().unwrap_or_default(),
                    last_seen: ls[i].clone().unwrap_or_default(),
                    namespaces: ns[i].clone(),
                    source_ips: ips[i].clone(),
                    user_agents: uas[i].clone(),
                });
            }
        }
        // Per account, from the stats rows.
        let mut per: BTreeMap<String, PerAccount> = BTreeMap::new();
        for r in &stats {
            let e = per.entry(r.account.clone()).or_default();
            e.0 += r.count;
            e.1.push(r.verb.clone());
            e.2.push(r.resource.clone());
            e.3.extend(r.namespaces.iter().cloned());
        }
        // The baseline window.
        let n = i64::from(self.baseline_days);
        let mut baseline_accounts = std::collections::BTreeSet::new();
        let mut base_events: BTreeMap<String, u64> = BTreeMap::new();
        let mut base_denials: BTreeMap<String, u64> = BTreeMap::new();
        if n > 0 {
            let b = self.engine(Some(day - n), Some(day)).await?;
            let m = suppression::alerts(&b, &self.rule).await?;
            b.ctx.register_table("matches", m.into_view())?;
            base_events = self.per_date(&b, "audit").await?;
            base_denials = self.per_date(&b, "matches").await?;
            for r in self
                .sql(&b, "SELECT DISTINCT user_name FROM matches", vec![])
                .await?
            {
                baseline_accounts.extend(strings(&r, "user_name")?);
            }
        }
        let days_with_data = base_events.len() as u32;
        let avg = |m: &BTreeMap<String, u64>| {
            if days_with_data == 0 {
                0.0
            } else {
                m.values().sum::<u64>() as f64 / f64::from(days_with_data)
            }
        };
        let (avg_events, avg_denials) = (avg(&base_events), avg(&base_denials));
        let baseline = Baseline {
            days: self.baseline_days,
            days_with_data,
            avg_events,
            avg_denials,
            events_change_pct: Baseline::change_pct(events as f64, avg_events),
            denials_change_pct: if days_with_data > 0 {
                Baseline::change_pct(denials as f64, avg_denials)
            } else {
                None
            },
        };
        let mut accounts: Vec<AccountSummary> = per
            .into_iter()
            .map(|(account, (count, mut verbs, mut res, mut ns))| {
                verbs.sort();
                verbs.dedup();
                res.sort();
                res.dedup();
                ns.sort();
                ns.dedup();
                let first_time = days_with_data > 0 && !baseline_accounts.contains(&account);
                AccountSummary {
                    account,
                    count,
                    verbs: verbs.len() as u64,
                    resources: res.len() as u64,
                    namespaces: ns,
                    first_time,
                }
            })
            .collect();
        accounts.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.account.cmp(&b.account))
        });
        let new_accounts: Vec<String> = accounts
            .iter()
            .filter(|a| a.first_time)
            .map(|a| a.account.clone())
            .collect();
        let mut panels = Vec::new();
        let top: Vec<&str> = accounts
            .iter()
            .take(self.top)
            .map(|a| a.account.as_str())
            .collect();
        let ever = self.seen_ever(&top).await?;
        for acc in top {
            let seen = ever.get(acc).cloned().unwrap_or_default();
            panels.push(self.panel(&e, seen, acc, &stats).await?);
        }
        if let Some(a) = &e.exceptions {
            for line in a.summary() {
                eprintln!("{date}: {line}");
            }
        }
        if let Some(a) = &e.suppression {
            for line in a.summary() {
                eprintln!("{date}: {line}");
            }
        }
        let live = self.live(day).await?;
        Ok(DailyReport {
            date,
            cluster: (self.clusters.len() == 1).then(|| self.clusters[0].clone()),
            rule: rule_info(&self.rule),
            events,
            denials,
            accounts_denied: accounts.len() as u64,
            baseline,
            hourly,
            accounts,
            stats,
            new_accounts,
            panels,
            live: Some(live),
            generated_by: format!("audithound {}", env!("CARGO_PKG_VERSION")),
        })
    }

    /// The day on the rule's schedule (its header's, Elastic's defaults where silent): the
    /// executions that ran that day and what they raised. The schedule starts two look-backs
    /// and an interval before the day, so the first executions know what was raised before
    /// midnight; executions fall on the clock's multiples of the interval, as `replay`'s do.
    async fn live(&self, day: i64) -> Result<LiveRule> {
        let o = ReplayOptions::default();
        let s = replay::schedule(&self.rule, &o)?;
        let (d0, d1) = (day * MICROS_PER_DAY, (day + 1) * MICROS_PER_DAY);
        let warm = 2 * s.lookback + s.interval;
        let start = (d0 - warm).div_euclid(s.interval) * s.interval;
        let scope = Scope {
            from: Some(start - s.lookback),
            to: Some(d1),
            clusters: self.clusters.clone(),
            history: self.rule.model.history(),
        };
        let engine = self.open(&scope).await?;
        let o = ReplayOptions {
            start: Some(start),
            count: Some((d0, d1)),
            through: Some(d1 - 1),
            busiest: 5,
            suppression: self.suppression.clone(),
            ..o
        };
        let r = replay::run(&engine, &self.rule, &o, None, false).await?;
        let t = &r.totals;
        let rule_schedule = replay::rule_schedule(&s);
        Ok(LiveRule {
            interval: rule_schedule.interval,
            from: rule_schedule.from,
            max_signals: s.max_signals,
            timestamp: r.timestamp.describe().to_owned(),
            executions: t.executions,
            executions_with_hits: t.executions_with_hits,
            executions_capped: t.executions_capped,
            matching_events: t.matches,
            // What Kibana would show: after suppression, if any.
            alerts_raised: r
                .suppression
                .as_ref()
                .map_or(t.raised, |(_, _, kept)| *kept),
            never_alerted_cap: t.never_alerted_cap,
            dropped: t.dropped,
            duplicates: t.duplicates,
            busiest: r
                .busiest
                .iter()
                .map(|e| LiveExecution {
                    time: rfc3339(e.time),
                    window_start: rfc3339(e.time - s.lookback),
                    hits: e.hits,
                    raised: e.raised,
                    dropped: e.dropped,
                    duplicates: e.duplicates,
                })
                .collect(),
        })
    }

    /// First and last event of each account in the whole archive: the report's one look beyond
    /// the day and the baseline window, one query for all top accounts, reading only the
    /// `user_name` and `event_time` columns (row groups pruned by `user_name` statistics).
    async fn seen_ever(
        &self,
        accounts: &[&str],
    ) -> Result<BTreeMap<String, (Option<String>, Option<String>)>> {
        let mut out = BTreeMap::new();
        if accounts.is_empty() {
            return Ok(out);
        }
        let whole = self.engine(None, None).await?;
        let slots: Vec<String> = (1..=accounts.len()).map(|i| format!("${i}")).collect();
        let q = format!(
            "SELECT user_name, min(event_time) AS f, max(event_time) AS l FROM audit \
             WHERE user_name IN ({}) GROUP BY user_name",
            slots.join(", ")
        );
        let params = accounts
            .iter()
            .map(|a| ScalarValue::Utf8(Some((*a).to_owned())))
            .collect();
        for b in self.sql(&whole, &q, params).await? {
            let (u, f, l) = (strings(&b, "user_name")?, times(&b, "f")?, times(&b, "l")?);
            for i in 0..b.num_rows() {
                out.insert(u[i].clone(), (f[i].clone(), l[i].clone()));
            }
        }
        Ok(out)
    }

    async fn panel(
        &self,
        day: &Engine,
        seen: (Option<String>, Option<String>),
        account: &str,
        stats: &[StatsRow],
    ) -> Result<AccountPanel> {
        let who = vec![ScalarValue::Utf8(Some(account.to_owned()))];
        let mut denied: Vec<ActionCount> = stats
            .iter()
            .filter(|r| r.account == account)
            .map(|r| ActionCount {
                verb: r.verb.clone(),
                resource: r.resource.clone(),
                count: r.count,
            })
            .collect();
        denied.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.verb, &a.resource).cmp(&(&b.verb, &b.resource)))
        });
        let mut ips: Vec<String> = stats
            .iter()
            .filter(|r| r.account == account)
            .flat_map(|r| r.source_ips.clone())
            .collect();
        ips.sort();
        ips.dedup();
        let mut uas: Vec<String> = stats
            .iter()
            .filter(|r| r.account == account)
            .flat_map(|r| r.user_agents.clone())
            .collect();
        uas.sort();
        uas.dedup();
        let allowed_q = format!(
            "SELECT verb, {} AS resource, count(*) AS n FROM audit \
             WHERE user_name = $1 AND authz_decision = 'allow' \
             GROUP BY 1, 2 ORDER BY n DESC, verb, resource LIMIT 50",
            hunt::RESOURCE_SQL
        );
        let mut allowed = Vec::new();
        for b in self.sql(day, &allowed_q, who.clone()).await? {
            let (v, r, n) = (
                strings(&b, "verb")?,
                strings(&b, "resource")?,
                counts(&b, "n")?,
            );
            for i in 0..b.num_rows() {
                allowed.push(ActionCount {
                    verb: v[i].clone(),
                    resource: r[i].clone(),
                    count: n[i],
                });
            }
        }
        let names_q = "SELECT DISTINCT \
             user_extra['authentication.kubernetes.io/pod-name'][1] AS pod, \
             user_extra['authentication.kubernetes.io/node-name'][1] AS node \
             FROM audit WHERE user_name = $1";
        let (mut pods, mut nodes) = (Vec::new(), Vec::new());
        for b in self.sql(day, names_q, who.clone()).await? {
            pods.extend(strings(&b, "pod")?.into_iter().filter(|s| !s.is_empty()));
            nodes.extend(strings(&b, "node")?.into_iter().filter(|s| !s.is_empty()));
        }
        for v in [&mut pods, &mut nodes] {
            v.sort();
            v.dedup();
        }
        let (first, last) = seen;
        Ok(AccountPanel {
            account: account.to_owned(),
            denied,
            allowed,
            source_ips: ips,
            user_agents: uas,
            pod_names: pods,
            node_names: nodes,
            first_seen_ever: first,
            last_seen_ever: last,
        })
    }
}

fn first_count(batches: &[RecordBatch]) -> Result<u64> {
    match batches.iter().find(|b| b.num_rows() > 0) {
        Some(b) => Ok(counts(b, "n")?.first().copied().unwrap_or(0)),
        None => Ok(0),
    }
}
