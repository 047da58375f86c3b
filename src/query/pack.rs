//! Many rules, one pass: the single-event rules of a pack read the events once.
//!
//! A rule of model `event` written as `SELECT * FROM audit WHERE <filter>` (every shipped one
//! but the exec-command rules) is only its filter. Given several, the pack's events are read once
//! with the filters OR-ed, and each surviving event keeps one flag per rule saying which filters
//! it passed; the survivors, few next to the events, are written to a temporary Parquet file,
//! and each rule's matches are that file's rows with its flag set. A rule of another shape (a
//! join, a CTE, `SELECT` of other columns) and every aggregation, sequence and new-terms rule
//! runs on its own.
//!
//! An OR of whole filters would read every column any rule tests (request URIs, user agents,
//! body fields) for every event: slower than the rules one by one, whose Parquet scans test a
//! cheap column first and decode the others only for the rows that pass (late
//! materialisation). So the scan is given two filters: first the OR of each rule's tests on the
//! cheap columns ([`CHEAP`]: dictionary-encoded, a handful of values), then the OR of the whole
//! filters, which the reader applies only to the rows that passed the first. A rule with no
//! test on a cheap column would make the first filter pass everything: it runs on its own.

use datafusion::common::Column;
use datafusion::logical_expr::utils::{conjunction, split_conjunction};
use datafusion::logical_expr::{Expr, LogicalPlan, col};
use datafusion::prelude::DataFrame;

use crate::error::Result;
use crate::query::engine::{Engine, TABLE};
use crate::query::models::Model;
use crate::query::rules::{Rule, plan};

/// The filter of a rule planned as `SELECT * FROM audit WHERE <filter>`, if it is that.
pub fn filter_of(df: &DataFrame) -> Option<Expr> {
    let LogicalPlan::Projection(p) = df.logical_plan() else {
        return None;
    };
    let LogicalPlan::Filter(f) = p.input.as_ref() else {
        return None;
    };
    // `audit` is a view: it appears as the view's plan under its alias.
    let source_is_audit = match f.input.as_ref() {
        LogicalPlan::SubqueryAlias(a) => a.alias.table() == TABLE,
        LogicalPlan::TableScan(scan) => {
            scan.table_name.table() == TABLE && scan.filters.is_empty() && scan.fetch.is_none()
        }
        _ => false,
    };
    if !source_is_audit {
        return None;
    }
    // Every column of the table, in order, unchanged.
    let fields = f.input.schema().columns();
    let all = p.expr.len() == fields.len()
        && p.expr
            .iter()
            .zip(&fields)
            .all(|(e, c)| matches!(e, Expr::Column(ec) if ec == c));
    all.then(|| f.predicate.clone())
}

/// Columns cheap to test for every event: few distinct values, dictionary-encoded and stored
/// uncompressed in the archive.
pub const CHEAP: [&str; 11] = [
    "resource",
    "subresource",
    "verb",
    "stage",
    "level",
    "authz_decision",
    "api_group",
    "response_code",
    "response_status",
    "response_reason",
    "source_format",
];

/// The part of `filter` that tests only [`CHEAP`] columns (its conjuncts that do), if any.
pub fn cheap_part(filter: &Expr) -> Option<Expr> {
    let parts: Vec<Expr> = split_conjunction(filter)
        .into_iter()
        .filter(|e| {
            let refs = e.column_refs();
            !refs.is_empty() && refs.iter().all(|c| CHEAP.contains(&c.name.as_str()))
        })
        .cloned()
        .collect();
    conjunction(parts)
}

/// A rule that shares the pass: its whole filter and its cheap part.
pub struct Shared<'r> {
    pub rule: &'r Rule,
    pub filter: Expr,
    pub cheap: Expr,
}

/// The rules among `rules` that can share one pass, with their filters.
pub async fn shareable<'r>(engine: &Engine, rules: &'r [Rule]) -> Result<Vec<Shared<'r>>> {
    let mut out = Vec::new();
    for r in rules {
        if r.model != Model::Event {
            continue;
        }
        if let Some(filter) = filter_of(&plan(&engine.ctx, r).await?)
            && let Some(cheap) = cheap_part(&filter)
        {
            out.push(Shared {
                rule: r,
                filter,
                cheap,
            });
        }
    }
    Ok(out)
}

/// The name of rule `i`'s flag column in the shared matches.
pub fn flag(i: usize) -> String {
    format!("__rule_{i}")
}

/// One pass over `audit` for the `shared` rules: the events that pass any of their filters,
/// with one boolean flag column per rule ([`flag`]).
pub async fn shared_matches(engine: &Engine, shared: &[Shared<'_>]) -> Result<DataFrame> {
    let filters: Vec<Expr> = shared.iter().map(|s| s.filter.clone()).collect();
    let cheap = shared
        .iter()
        .map(|s| s.cheap.clone())
        .reduce(Expr::or)
        .unwrap_or_else(|| datafusion::logical_expr::lit(false));
    // Under the name the rules' filters use for it.
    let base = engine.ctx.table(TABLE).await?.alias(TABLE)?;
    let any = filters
        .iter()
        .cloned()
        .reduce(Expr::or)
        .unwrap_or_else(|| datafusion::logical_expr::lit(false));
    let mut select: Vec<Expr> = base
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    for (i, f) in filters.iter().enumerate() {
        // A null filter is no match, as in a WHERE.
        select.push(
            datafusion::functions::expr_fn::coalesce(vec![
                f.clone(),
                datafusion::logical_expr::lit(false),
            ])
            .alias(flag(i)),
        );
    }
    Ok(base.filter(cheap)?.filter(any)?.select(select)?)
}

/// Rule `i`'s matches out of the shared matches: the events with its flag set, without the flags.
pub fn rule_matches(shared: DataFrame, i: usize, n: usize) -> Result<DataFrame> {
    let keep: Vec<Expr> = shared
        .schema()
        .columns()
        .into_iter()
        .filter(|c| !(0..n).any(|j| c.name == flag(j)))
        .map(|c: Column| Expr::Column(c))
        .collect();
    Ok(shared.filter(col(flag(i)))?.select(keep)?)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use datafusion::arrow::array::AsArray;

    use crate::query::hunt;
    use crate::query::session::prepared_over;

    async fn alert_ids(
        p: &crate::query::session::Prepared,
        rules: &[crate::query::rules::Rule],
    ) -> BTreeSet<(String, String)> {
        let batches = hunt::alerts(&p.engine, rules, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = BTreeSet::new();
        for b in &batches {
            let (Some(r), Some(a)) = (b.column_by_name("rule_id"), b.column_by_name("alert_id"))
            else {
                panic!("alerts lack rule_id or alert_id");
            };
            let text = |c: &datafusion::arrow::array::ArrayRef| {
                datafusion::arrow::compute::cast(c, &datafusion::arrow::datatypes::DataType::Utf8)
                    .unwrap_or_else(|e| panic!("{e}"))
            };
            let (r, a) = (text(r), text(a));
            let (r, a) = (r.as_string::<i32>(), a.as_string::<i32>());
            for i in 0..b.num_rows() {
                out.insert((r.value(i).to_owned(), a.value(i).to_owned()));
            }
        }
        out
    }

    /// The pack's one pass raises exactly what each rule raises on its own.
    #[tokio::test]
    async fn one_pass_equals_each_rule_alone() {
        let p = prepared_over(&[
            "data/kube-apiserver-audit.jsonl.gz",
            "tests/fixtures/realdata",
            "tests/fixtures/denials.jsonl",
        ])
        .await;
        let shared = super::shareable(&p.engine, &p.rules)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Every shipped single-event rule without `details` is a plain filter, so it shares
        // the pass.
        for r in &p.rules {
            if r.model != crate::query::models::Model::Event {
                continue;
            }
            let df = crate::query::rules::plan(&p.engine.ctx, r)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let plain = !df.schema().has_column_with_unqualified_name("details");
            let cheap = super::filter_of(&df)
                .and_then(|f| super::cheap_part(&f))
                .is_some();
            assert_eq!(
                shared.iter().any(|s| s.rule.id == r.id),
                plain && cheap,
                "{}",
                r.id
            );
        }
        let together = alert_ids(&p, &p.rules).await;
        let mut alone = BTreeSet::new();
        for r in &p.rules {
            alone.extend(alert_ids(&p, std::slice::from_ref(r)).await);
        }
        assert!(together.len() > 100, "{}", together.len());
        assert_eq!(together, alone);
    }
}
