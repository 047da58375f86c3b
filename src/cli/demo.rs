//! `audithound demo`: the main job on the shipped sample, in a temporary archive.

use std::path::{Path, PathBuf};

use clap::Args;
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::prelude::{col, lit};

use super::hunt::TABLE_COLUMNS;
use super::stderr_is_tty;
use crate::archive::convert::{ConvertOptions, convert};
use crate::error::{Error, Result};
use crate::ingest::input::expand;
use crate::query::hunt;
use crate::query::output::{Destination, Format, write_df};
use crate::query::rules;
use crate::query::session::{QueryOptions, prepare};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The sample to use.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
}

/// `demo`: convert the sample into a temporary archive, hunt and stats it, say what to run next.
pub async fn run(a: &DemoArgs) -> Result<()> {
    if !a.data.exists() {
        return Err(Error::Usage(format!(
            "the sample {} is missing: run demo from the repository root (cargo run --release -- demo)",
            a.data.display()
        )));
    }
    let tmp = tempfile::tempdir().map_err(Error::Io)?;
    let archive = tmp.path().join("archive");
    let sources = expand(&[a.data.display().to_string()])?
        .into_iter()
        .filter(|s| {
            !Path::new(&s.name())
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("md"))
        })
        .collect::<Vec<_>>();
    let mut o = ConvertOptions::new(&archive);
    o.progress = stderr_is_tty();
    let s = convert(&sources, &o)?;
    println!(
        "== 1. convert: {} events from {} file(s) in {}",
        s.scan.events,
        s.inputs,
        a.data.display()
    );
    println!(
        "   {} lines rejected (the sample holds a few bad lines on purpose; see {}/README.md)",
        s.scan.rejected,
        a.data.display()
    );
    let q = QueryOptions::new(vec![archive.display().to_string()]);
    let p = prepare(&q, &[], true).await?;
    let every = hunt::alerts(&p.engine, &p.rules, None).await?;
    let alerts = every
        .clone()
        .filter(col("rule_id").eq(lit(rules::DEFAULT_RULE)))?;
    let total = alerts.clone().count().await?;
    println!(
        "\n== 2. hunt: {total} alert(s) of {}; the first 10:",
        rules::DEFAULT_RULE
    );
    let stdout = Destination {
        path: None,
        force: false,
    };
    write_df(
        alerts.limit(0, Some(10))?,
        Format::Table,
        &stdout,
        Some(&TABLE_COLUMNS),
    )
    .await?;
    let rule = p
        .rules
        .iter()
        .find(|r| r.id == rules::DEFAULT_RULE)
        .ok_or_else(|| Error::Usage("the shipped rule is missing".into()))?;
    println!("\n== 3. stats: denials by account, verb and resource (top 15)");
    let st = hunt::stats(&p.engine, rule, &[])
        .await?
        .select_columns(&[
            "account",
            "verb",
            "resource",
            "count",
            "first_seen",
            "last_seen",
            "namespaces",
        ])?
        .limit(0, Some(15))?;
    write_df(st, Format::Table, &stdout, None).await?;
    println!(
        "\n== 4. the rule pack: alerts of each of the {} shipped rules",
        p.rules.len()
    );
    let mut ids: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    let per_rule = every
        .aggregate(vec![col("rule_id")], vec![count(lit(1)).alias("alerts")])?
        .collect()
        .await?;
    let mut counts = std::collections::BTreeMap::new();
    for b in &per_rule {
        let idc = b.column(0).as_string::<i32>();
        let n = b.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            counts.insert(idc.value(i).to_owned(), n.value(i));
        }
    }
    for id in ids {
        println!("   {:>6}  {id}", counts.get(id).copied().unwrap_or(0));
    }
    let d = a.data.display();
    println!(
        "\n== next\n  audithound convert {d} --out archive            # keep the archive\n  \
         audithound hunt archive --format ndjson -o alerts.ndjson\n  \
         audithound stats archive --by account,source_ip\n  \
         audithound rules                                  # the rule pack; rules show ID, rules test\n  \
         audithound report archive --date 2026-01-06 --out report\n  \
         audithound sql archive -e \"SELECT verb, count(*) FROM audit GROUP BY verb ORDER BY 2 DESC\"\n  \
         audithound generate --events 1000000 --days 7 -o big.jsonl.zst && audithound bench"
    );
    Ok(())
}
