//! Running rules: alerts (one per matching event) and stats (matches grouped by account, verb and
//! resource, or other keys).
//!
//! An alert's id is derived from the rule and the event (md5 of rule id, audit id, stage, event
//! time, user, verb, request URI, namespace and object name), never from a counter or a file
//! path, so hunting an archive and hunting the raw logs it came from give the same ids.

use datafusion::arrow::datatypes::DataType;
use datafusion::functions::expr_fn::{coalesce, concat_ws, md5, split_part, starts_with};
use datafusion::functions_nested::expr_fn::{array_element, map_extract};
use datafusion::logical_expr::{Expr, cast, col, lit, when};
use datafusion::prelude::DataFrame;
use datafusion::scalar::ScalarValue;

use crate::error::{Error, Result};
use crate::query::engine::Engine;
use crate::query::rules::{Rule, read_only};
use crate::query::{pack, suppression};

/// The columns of an alert, in order.
pub const ALERT_COLUMNS: [&str; 32] = [
    "rule_id",
    "rule_name",
    "elastic_rule_id",
    "severity",
    "risk_score",
    "alert_id",
    "event_time",
    "audit_id",
    "stage",
    "user_name",
    "sa_namespace",
    "sa_name",
    "verb",
    "resource",
    "subresource",
    "namespace",
    "object_name",
    "api_group",
    "request_uri",
    "response_code",
    "response_message",
    "source_ips",
    "user_agent",
    "impersonated_user_name",
    "pod_name",
    "node_name",
    "authz_decision",
    "authz_reason",
    "source_file",
    "source_line",
    "cluster",
    "details",
];

fn text(e: Expr) -> Expr {
    coalesce(vec![cast(e, DataType::Utf8), lit("")])
}

fn extra(key: &str) -> Expr {
    array_element(
        array_element(map_extract(col("user_extra"), lit(key)), lit(1i64)),
        lit(1i64),
    )
}

/// The alert projection of a rule's matches; `has_details` when they carry a `details` column
/// (aggregations, sequences, new terms), which then also goes into the alert id, so two windows
/// or terms of one event give two alerts.
pub fn alert_exprs(rule: &Rule, has_details: bool) -> Result<Vec<Expr>> {
    let is_sa = starts_with(col("user_name"), lit("system:serviceaccount:"));
    let mut id_parts = vec![
        lit(rule.id.clone()),
        text(col("audit_id")),
        text(col("stage")),
        text(cast(col("event_time"), DataType::Int64)),
        text(col("user_name")),
        text(col("verb")),
        text(col("request_uri")),
        text(col("namespace")),
        text(col("object_name")),
    ];
    let details = if has_details {
        id_parts.push(text(col("details")));
        cast(col("details"), DataType::Utf8)
    } else {
        lit(ScalarValue::Utf8(None))
    };
    let elastic_id = match rule.get("elastic_rule_id") {
        "" => lit(ScalarValue::Utf8(None)),
        id => lit(id.to_owned()),
    };
    Ok(vec![
        lit(rule.id.clone()).alias("rule_id"),
        lit(rule.name.clone()).alias("rule_name"),
        elastic_id.alias("elastic_rule_id"),
        lit(rule.severity.clone()).alias("severity"),
        lit(rule.risk_score).alias("risk_score"),
        md5(concat_ws(lit("|"), id_parts)).alias("alert_id"),
        col("event_time"),
        col("audit_id"),
        col("stage"),
        col("user_name"),
        when(
            is_sa.clone(),
            split_part(col("user_name"), lit(":"), lit(3i64)),
        )
        .end()?
        .alias("sa_namespace"),
        when(is_sa, split_part(col("user_name"), lit(":"), lit(4i64)))
            .end()?
            .alias("sa_name"),
        col("verb"),
        col("resource"),
        col("subresource"),
        col("namespace"),
        col("object_name"),
        col("api_group"),
        col("request_uri"),
        col("response_code"),
        col("response_message"),
        col("source_ips"),
        col("user_agent"),
        col("impersonated_user_name"),
        extra("authentication.kubernetes.io/pod-name").alias("pod_name"),
        extra("authentication.kubernetes.io/node-name").alias("node_name"),
        col("authz_decision"),
        col("authz_reason"),
        col("source_file"),
        col("source_line"),
        col("cluster"),
        details.alias("details"),
    ])
}

/// Alerts of all `rules`, ordered by event time, rule and alert id.
///
/// The rules' matches come from [`matches_of`]; each rule's alerts are run one after another
/// ([`Engine::one_after_another`]), each writing its alerts to a temporary Parquet file in this
/// process (on a cluster too), merged at the end.
pub async fn alerts(engine: &Engine, rules: &[Rule], limit: Option<usize>) -> Result<DataFrame> {
    let mut planned = Vec::new();
    for (r, matches) in matches_of(engine, rules).await? {
        let has_details = matches.schema().has_column_with_unqualified_name("details");
        let mut exprs = alert_exprs(r, has_details)?;
        exprs.extend(suppression::exprs_of(&matches));
        let df = matches.select(exprs).map_err(|e| Error::Rule {
            path: r.path.clone(),
            message: format!("the rule must return the columns of table audit (SELECT *): {e}"),
        })?;
        planned.push((Some(r), df));
    }
    in_alert_order(engine, planned, limit).await
}

/// Every rule's alerts before their projection: its matches with its exceptions and the
/// engine's suppression applied (what [`suppression::alerts`] gives one rule). The single-event
/// rules among several read the events once together ([`pack`]); the rest are planned one by
/// one.
pub async fn matches_of<'r>(
    engine: &Engine,
    rules: &'r [Rule],
) -> Result<Vec<(&'r Rule, DataFrame)>> {
    let mut planned = Vec::new();
    let shared = if rules.len() > 1 {
        pack::shareable(engine, rules).await?
    } else {
        Vec::new()
    };
    let shared = if shared.len() > 1 { shared } else { Vec::new() };
    if !shared.is_empty() {
        let matches = pack::shared_matches(engine, &shared).await?;
        let schema = std::sync::Arc::new(matches.schema().as_arrow().clone());
        let file = engine.scratch_dir()?.join("matches.parquet");
        engine.spill(matches, &file).await.map_err(|e| {
            e.running(format!(
                "the one pass of {} single-event rules ({}, ...)",
                shared.len(),
                shared.first().map_or("", |s| s.rule.id.as_str())
            ))
        })?;
        let all = engine.read_spilled(&[file], &schema).await?;
        for (i, s) in shared.iter().enumerate() {
            let mut m = pack::rule_matches(all.clone(), i, shared.len())?;
            if let Some(a) = engine.exceptions.as_deref() {
                m = a
                    .apply(
                        engine,
                        s.rule,
                        crate::query::exceptions::Level::Matches,
                        m,
                        None,
                    )
                    .await?;
            }
            planned.push((s.rule, suppression::suppress(engine, s.rule, m).await?));
        }
    }
    for r in rules {
        if shared.iter().any(|s| s.rule.id == r.id) {
            continue;
        }
        planned.push((r, suppression::alerts(engine, r).await?));
    }
    Ok(planned)
}

/// Every rule's alerts of `planned` (one schema) together, ordered by event time, rule and
/// alert id, at most `limit` of them: the order of `hunt`'s output in every format.
pub async fn in_alert_order(
    engine: &Engine,
    planned: Vec<(Option<&Rule>, DataFrame)>,
    limit: Option<usize>,
) -> Result<DataFrame> {
    let df = engine.one_after_another(planned).await?;
    let df = df.sort(vec![
        col("event_time").sort(true, true),
        col("rule_id").sort(true, true),
        col("alert_id").sort(true, true),
    ])?;
    Ok(match limit {
        Some(n) => df.limit(0, Some(n))?,
        None => df,
    })
}

/// The resource as `stats` and the report show it: `pods/exec` for a subresource, and for a
/// non-resource request its path without the query (`/metrics`).
pub const RESOURCE_SQL: &str = "CASE WHEN resource IS NULL THEN split_part(request_uri, '?', 1) \
     WHEN subresource IS NULL OR subresource = '' THEN resource \
     ELSE concat(resource, '/', subresource) END";

/// What `stats` can group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum GroupKey {
    Account,
    Verb,
    Resource,
    Namespace,
    #[value(alias = "user-agent")]
    UserAgent,
    #[value(alias = "source-ip")]
    SourceIp,
    Cluster,
    Day,
    Hour,
}

impl GroupKey {
    /// The key's column name and its expression (fixed text of ours, never user input).
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            GroupKey::Account => ("account", "user_name"),
            GroupKey::Verb => ("verb", "verb"),
            GroupKey::Resource => ("resource", RESOURCE_SQL),
            GroupKey::Namespace => ("namespace", "namespace"),
            GroupKey::UserAgent => ("user_agent", "user_agent"),
            GroupKey::SourceIp => ("source_ip", "source_ip"),
            GroupKey::Cluster => ("cluster", "\"cluster\""),
            GroupKey::Day => ("day", "to_char(event_time, '%Y-%m-%d')"),
            GroupKey::Hour => (
                "hour",
                "to_char(date_trunc('hour', event_time), '%Y-%m-%dT%H:00:00Z')",
            ),
        }
    }
}

/// The default grouping of `stats`.
pub const DEFAULT_KEYS: [GroupKey; 3] = [GroupKey::Account, GroupKey::Verb, GroupKey::Resource];

/// The rule's matches grouped by `keys`: count, first and last seen, and the distinct
/// namespaces, source IPs and user agents; largest count first.
pub async fn stats(engine: &Engine, rule: &Rule, keys: &[GroupKey]) -> Result<DataFrame> {
    stats_of(engine, suppression::alerts(engine, rule).await?, keys).await
}

/// Keys without repeats, in the order given; the default keys when none are given.
fn unique_keys(keys: &[GroupKey]) -> Vec<GroupKey> {
    let mut uniq: Vec<GroupKey> = Vec::new();
    for k in if keys.is_empty() {
        &DEFAULT_KEYS[..]
    } else {
        keys
    } {
        if !uniq.contains(k) {
            uniq.push(*k);
        }
    }
    uniq
}

/// [`stats`] of the alerts of a hunt (frames of [`ALERT_COLUMNS`], any number of rules),
/// counted per rule: `rule_id` first, then `keys` as `stats` groups them.
pub async fn stats_of_alerts(
    engine: &Engine,
    alerts: DataFrame,
    keys: &[GroupKey],
) -> Result<DataFrame> {
    grouped(engine, alerts, keys, true).await
}

/// [`stats`] of matches already planned (the report counts the same matches in other ways).
pub async fn stats_of(engine: &Engine, matches: DataFrame, keys: &[GroupKey]) -> Result<DataFrame> {
    grouped(engine, matches, keys, false).await
}

/// The grouping of [`stats_of`], by `rule_id` first when `per_rule`.
async fn grouped(
    engine: &Engine,
    matches: DataFrame,
    keys: &[GroupKey],
    per_rule: bool,
) -> Result<DataFrame> {
    let keys = &unique_keys(keys);
    let view = "audithound_matches";
    let _ = engine.ctx.deregister_table(view)?;
    engine.ctx.register_table(view, matches.into_view())?;
    let per_ip = keys.contains(&GroupKey::SourceIp);
    let from = if per_ip {
        // One row per source IP (an event without IPs counts once, under an empty IP).
        format!(
            "(SELECT *, unnest(CASE WHEN cardinality(source_ips) > 0 THEN source_ips ELSE make_array('') END) AS source_ip FROM {view})"
        )
    } else {
        view.to_owned()
    };
    // Every name and expression here is fixed text of ours, never user input.
    let mut columns: Vec<(&str, &str)> = Vec::new();
    if per_rule {
        columns.push(("rule_id", "rule_id"));
    }
    columns.extend(keys.iter().map(|k| k.sql()));
    let mut select = Vec::new();
    let mut group = Vec::new();
    let mut order = Vec::new();
    if per_rule {
        order.push("\"rule_id\" ASC".to_owned());
    }
    order.push("count DESC".to_owned());
    for (i, (name, expr)) in columns.iter().enumerate() {
        select.push(format!("{expr} AS \"{name}\""));
        group.push((i + 1).to_string());
        if !(per_rule && i == 0) {
            order.push(format!("\"{name}\" ASC NULLS FIRST"));
        }
    }
    let sql = format!(
        "SELECT {keys}, count(*) AS count, min(event_time) AS first_seen, max(event_time) AS last_seen, \
         array_sort(array_agg(DISTINCT namespace) FILTER (WHERE namespace IS NOT NULL)) AS namespaces, \
         array_sort(array_distinct(flatten(array_agg(source_ips) FILTER (WHERE source_ips IS NOT NULL)))) AS source_ips, \
         array_sort(array_agg(DISTINCT user_agent) FILTER (WHERE user_agent IS NOT NULL)) AS user_agents \
         FROM {from} GROUP BY {group} ORDER BY {order}",
        keys = select.join(", "),
        group = group.join(", "),
        order = order.join(", "),
    );
    Ok(engine.ctx.sql_with_options(&sql, read_only()).await?)
}

/// Runs ad-hoc read-only SQL over table `audit`.
pub async fn sql(engine: &Engine, query: &str) -> Result<DataFrame> {
    Ok(engine.ctx.sql_with_options(query, read_only()).await?)
}
