//! Rule exceptions (`--exceptions FILE`): Elastic's exception lists, read from Kibana's export
//! (NDJSON) or from a short TOML form of the same, turned into DataFusion expressions that
//! remove what they match before alerts are formed.
//!
//! **Semantics** (Kibana's `build_exception_filter.ts`, `@kbn/securitysolution-list-utils`): an
//! item matches an event when *all* its entries match; the rule does not alert on an event that
//! *any* item matches. Entries: `match` (field equals the value), `match_any` (equals one of the
//! values), `exists` (the field has a value), `wildcard` (`*` any run of characters, `?` one,
//! `\` escapes; case-sensitive, the whole value), `list` (equals a value of a value list). A
//! multi-valued field (`source.ip`, `kubernetes.audit.user.groups`) matches when any element
//! does. Operator `excluded` negates the entry as Elastic does (`must_not` around the clause), so
//! `excluded` on a field an event lacks *matches* ("is not 10.0.0.1" holds for an event with no
//! source IP), and an `included` entry never matches a missing field. An item's `expire_time`
//! limits it to events before that time (Elastic stops applying it to executions after it).
//!
//! **Where** (as Elastic applies them per rule type): to the events the rule's query selects
//! for single-event and new-terms rules (so an excepted event is no sighting of a term either);
//! to the events a sequence is searched in for sequence (EQL) rules; to the result rows (the
//! alert's event) for aggregation (ES|QL) rules.
//!
//! **Counting**: each item's flag is computed beside the rows it is applied to, the flagged rows
//! are written once to a temporary Parquet file, the flags are summed from it, and the rows no
//! item matched are read back; the summary prints per item how many rows it matched (a row two
//! items match counts for both) and per rule how many were removed.
//!
//! Not supported: `nested` entries (no field of a Kubernetes audit event is an array of objects
//! that Elastic maps as `nested`), value lists of type `ip_range` or `text`, and `os_types`
//! (audit events have no `host.os.type`, so such an item never matches in Elastic): each is an
//! error naming the item and the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast as cast_array;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Column;
use datafusion::functions::expr_fn::{coalesce, regexp_like};
use datafusion::functions_aggregate::expr_fn::{count, sum};
use datafusion::functions_nested::expr_fn::{
    array_has, array_has_any, array_to_string, cardinality, make_array,
};
use datafusion::logical_expr::expr::Like;
use datafusion::logical_expr::{Expr, cast, col, lit, not};
use datafusion::prelude::DataFrame;
use datafusion::scalar::ScalarValue;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::ingest::timestamp::parse_micros;
use crate::query::engine::Engine;
use crate::query::fields::{self, Shape};
use crate::query::models::Model;
use crate::query::rules::Rule;

/// Prefix of the per-item flag columns, and the column of "any item matched".
const FLAG: &str = "__exc_";
const ANY: &str = "__exc_any";

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// A value as Kibana writes it (a string), or as TOML allows (a number, a boolean).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Operator {
    #[default]
    Included,
    Excluded,
}

#[derive(Debug, Clone, Deserialize)]
struct ListRef {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// One entry as Kibana exports it (`type` tags it). Unknown keys are errors: a misspelt
/// `operator` must not silently turn an "is not" into an "is".
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum RawEntry {
    Match {
        field: String,
        #[serde(default)]
        operator: Operator,
        value: Scalar,
    },
    MatchAny {
        field: String,
        #[serde(default)]
        operator: Operator,
        value: Vec<Scalar>,
    },
    Exists {
        field: String,
        #[serde(default)]
        operator: Operator,
    },
    Wildcard {
        field: String,
        #[serde(default)]
        operator: Operator,
        value: String,
    },
    List {
        field: String,
        #[serde(default)]
        operator: Operator,
        list: ListRef,
    },
    Nested {
        field: String,
        #[serde(default)]
        #[expect(dead_code, reason = "read to be refused with a message, never applied")]
        entries: Vec<serde_json::Value>,
    },
}

/// One item as Kibana exports it (the keys we read; the rest are ignored).
#[derive(Debug, Clone, Deserialize)]
struct RawItem {
    item_id: Option<String>,
    list_id: Option<String>,
    name: Option<String>,
    entries: Vec<RawEntry>,
    expire_time: Option<String>,
    #[serde(default)]
    os_types: Vec<String>,
}

/// The TOML form: `[[items]]` tables with the keys of an exported item. Unknown keys are
/// errors (a misspelt `expire_time` must not be ignored); `name` and `description` document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    list_id: Option<String>,
    #[expect(dead_code, reason = "documentation for people")]
    name: Option<String>,
    #[expect(dead_code, reason = "documentation for people")]
    description: Option<String>,
    #[serde(default)]
    items: Vec<TomlItem>,
}

/// An item of the TOML form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlItem {
    #[serde(alias = "item_id")]
    id: String,
    name: Option<String>,
    #[expect(dead_code, reason = "documentation for people")]
    description: Option<String>,
    entries: Vec<RawEntry>,
    expire_time: Option<String>,
}

/// An exception item, compiled.
#[derive(Debug, Clone)]
pub struct Item {
    pub list_id: String,
    pub item_id: String,
    pub name: String,
    /// True for an event the item matches (never null).
    pub expr: Expr,
    /// Column names the item reads.
    pub columns: Vec<String>,
}

impl Item {
    /// How the summary names it.
    pub fn label(&self) -> String {
        if self.name.is_empty() || self.name == self.item_id {
            self.item_id.clone()
        } else {
            format!("{} ({})", self.item_id, self.name)
        }
    }
}

/// The exception items of one file.
#[derive(Debug, Clone)]
pub struct Exceptions {
    pub path: PathBuf,
    pub items: Vec<Item>,
}

/// Where a rule's exceptions were applied, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The events the rule's query selected (single-event and new-terms rules).
    Matches,
    /// Every event a sequence was searched in.
    SourceEvents,
    /// The rule's result rows (aggregations).
    Results,
}

impl Level {
    pub fn of(model: &Model) -> Level {
        match model {
            Model::Event | Model::NewTerms { .. } => Level::Matches,
            Model::Sequence { .. } => Level::SourceEvents,
            Model::Aggregation { .. } => Level::Results,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Level::Matches => "matching events",
            Level::SourceEvents => "source events (before the sequence search)",
            Level::Results => "aggregated results",
        }
    }
}

/// What the exceptions removed in one run of an engine.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Rows each item matched, by item index.
    pub per_item: Vec<u64>,
    /// Per rule id: (rows removed, rows seen, level).
    pub per_rule: BTreeMap<String, (u64, u64, Option<Level>)>,
}

/// Exceptions attached to an engine, with what they removed so far.
#[derive(Debug)]
pub struct Applied {
    pub exceptions: Arc<Exceptions>,
    tally: Mutex<Tally>,
}

impl Applied {
    pub fn new(exceptions: Arc<Exceptions>) -> Self {
        let n = exceptions.items.len();
        Self {
            exceptions,
            tally: Mutex::new(Tally {
                per_item: vec![0; n],
                per_rule: BTreeMap::new(),
            }),
        }
    }

    /// A copy of the counts so far.
    pub fn tally(&self) -> Tally {
        self.tally.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn add(&self, rule: &str, level: Level, per_item: &[u64], removed: u64, seen: u64) {
        if let Ok(mut t) = self.tally.lock() {
            for (a, b) in t.per_item.iter_mut().zip(per_item) {
                *a += b;
            }
            let e = t
                .per_rule
                .entry(rule.to_owned())
                .or_insert((0, 0, Some(level)));
            e.0 += removed;
            e.1 += seen;
        }
    }

    /// The expression true for an event no item matches.
    pub fn keep_expr(&self) -> Expr {
        self.exceptions
            .items
            .iter()
            .map(|i| i.expr.clone())
            .reduce(Expr::or)
            .map_or(lit(true), not)
    }

    /// Checks that `df` has every column an item reads.
    fn check_columns(&self, rule: &Rule, df: &DataFrame) -> Result<()> {
        for item in &self.exceptions.items {
            for c in &item.columns {
                if !df.schema().has_column_with_unqualified_name(c) {
                    return Err(Error::Rule {
                        path: rule.path.clone(),
                        message: format!(
                            "exception item {} of {} tests column {c}, which the rule's result lacks (an aggregation rule returns its own columns: test those)",
                            item.label(),
                            self.exceptions.path.display()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// `df` with one flag column per item ([`FLAG`]`i`) and [`ANY`].
    fn flagged(&self, df: DataFrame) -> Result<DataFrame> {
        let mut df = df;
        let mut any: Option<Expr> = None;
        for (i, item) in self.exceptions.items.iter().enumerate() {
            let name = format!("{FLAG}{i}");
            df = df.with_column(&name, item.expr.clone())?;
            let c = column(&name);
            any = Some(match any {
                Some(a) => a.or(c),
                None => c,
            });
        }
        Ok(df.with_column(ANY, any.unwrap_or_else(|| lit(false)))?)
    }

    /// Sums the flags of `flagged` (rows at or after `from` only, if given) into the tally.
    async fn count(
        &self,
        rule: &Rule,
        level: Level,
        flagged: DataFrame,
        from: Option<i64>,
    ) -> Result<()> {
        let counted = match from {
            Some(from) => flagged.filter(col("event_time").gt_eq(lit(
                ScalarValue::TimestampMicrosecond(Some(from), Some("UTC".into())),
            )))?,
            None => flagged,
        };
        let n = self.exceptions.items.len();
        let as_int = |name: &str| cast(column(name), DataType::Int64);
        let mut aggs: Vec<Expr> = (0..n)
            .map(|i| sum(as_int(&format!("{FLAG}{i}"))).alias(format!("{FLAG}{i}")))
            .collect();
        aggs.push(sum(as_int(ANY)).alias(ANY));
        aggs.push(count(lit(1i64)).alias("__exc_seen"));
        let batches = counted.aggregate(vec![], aggs)?.collect().await?;
        let mut per_item = vec![0u64; n];
        let (mut removed, mut seen) = (0u64, 0u64);
        for b in &batches {
            if b.num_rows() == 0 {
                continue;
            }
            let get = |name: &str| -> Result<u64> {
                let a = cast_array(b.column(b.schema().index_of(name)?), &DataType::Int64)?;
                let a = a.as_primitive::<Int64Type>();
                Ok(if a.is_null(0) {
                    0
                } else {
                    u64::try_from(a.value(0)).unwrap_or(0)
                })
            };
            for (i, slot) in per_item.iter_mut().enumerate() {
                *slot += get(&format!("{FLAG}{i}"))?;
            }
            removed += get(ANY)?;
            seen += get("__exc_seen")?;
        }
        self.add(&rule.id, level, &per_item, removed, seen);
        Ok(())
    }

    /// Removes from `df` (rows of `rule` at `level`) what an item matches, and counts it:
    /// the flagged rows are written once, counted and read back without the matched ones.
    /// `count_from`: count only rows at or after this time (history read before `--from`).
    pub async fn apply(
        &self,
        engine: &Engine,
        rule: &Rule,
        level: Level,
        df: DataFrame,
        count_from: Option<i64>,
    ) -> Result<DataFrame> {
        if self.exceptions.items.is_empty() {
            return Ok(df);
        }
        self.check_columns(rule, &df)?;
        let names: Vec<String> = df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let flagged = self.flagged(df)?;
        let schema = Arc::new(flagged.schema().as_arrow().clone());
        let file = engine.scratch_dir()?.join("exceptions.parquet");
        engine.spill(flagged, &file).await?;
        let back = engine.read_spilled(&[file], &schema).await?;
        self.count(rule, level, back.clone(), count_from).await?;
        let keep: Vec<Expr> = names.iter().map(|n| column(n)).collect();
        Ok(back.filter(not(column(ANY)))?.select(keep)?)
    }

    /// Counts what the items match in `df` without removing it (the source events of a
    /// sequence, which the rule reads through [`Applied::keep_expr`]).
    pub async fn count_only(&self, rule: &Rule, level: Level, df: DataFrame) -> Result<()> {
        if self.exceptions.items.is_empty() {
            return Ok(());
        }
        self.check_columns(rule, &df)?;
        self.count(rule, level, self.flagged(df)?, None).await
    }

    /// The summary lines for stderr (nothing when no item is loaded).
    pub fn summary(&self) -> Vec<String> {
        let t = self.tally();
        let ex = &self.exceptions;
        let mut out = Vec::new();
        let removed: u64 = t.per_rule.values().map(|(r, _, _)| r).sum();
        out.push(format!(
            "exceptions: {} item(s) from {} removed {removed} row(s)",
            ex.items.len(),
            ex.path.display()
        ));
        for (item, n) in ex.items.iter().zip(&t.per_item) {
            out.push(format!(
                "  item {} of list {}: {n}",
                item.label(),
                item.list_id
            ));
        }
        for (rule, (r, s, level)) in &t.per_rule {
            if *r > 0 {
                let what = level.map_or("rows", Level::describe);
                out.push(format!("  rule {rule}: {r} of {s} {what} removed"));
            }
        }
        out
    }
}

/// Where a loading error happened.
struct Ctx<'a> {
    path: &'a Path,
    line: Option<usize>,
}

impl Ctx<'_> {
    fn err(&self, item: Option<&str>, message: impl std::fmt::Display) -> Error {
        let at = match self.line {
            Some(l) => format!("{}:{l}", self.path.display()),
            None => self.path.display().to_string(),
        };
        let item = item.map(|i| format!(" item {i:?}")).unwrap_or_default();
        Error::Usage(format!("exceptions {at}{item}: {message}"))
    }
}

impl Exceptions {
    /// Reads `path`: Kibana's export (NDJSON) or the TOML form (`.toml`). A `list` entry reads
    /// its value list from a file beside `path` named after the list id (`<id>` or `<id>.txt`,
    /// one value a line: what Kibana's value-list export writes).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Input {
            path: path.to_path_buf(),
            source,
        })?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let items = if is_toml {
            Self::from_toml(path, &text)?
        } else {
            Self::from_ndjson(path, &text)?
        };
        Ok(Self {
            path: path.to_path_buf(),
            items,
        })
    }

    fn from_toml(path: &Path, text: &str) -> Result<Vec<Item>> {
        let cx = Ctx { path, line: None };
        let file: TomlFile = toml::from_str(text).map_err(|e| cx.err(None, e))?;
        let list = file.list_id.unwrap_or_else(|| "exceptions".into());
        let mut out = Vec::new();
        for t in file.items {
            let raw = RawItem {
                item_id: Some(t.id),
                list_id: Some(list.clone()),
                name: t.name,
                entries: t.entries,
                expire_time: t.expire_time,
                os_types: Vec::new(),
            };
            out.push(compile(&cx, &raw, &list, true)?);
        }
        Ok(out)
    }

    fn from_ndjson(path: &Path, text: &str) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        let mut lists: Vec<String> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let cx = Ctx {
                path,
                line: Some(i + 1),
            };
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                cx.err(
                    None,
                    format!("not JSON ({e}); give Kibana's export (NDJSON) or a .toml file"),
                )
            })?;
            let Some(obj) = v.as_object() else {
                return Err(cx.err(None, "not a JSON object"));
            };
            if obj.contains_key("exported_exception_list_count") {
                // The export's closing summary line.
                continue;
            }
            if obj.contains_key("entries") {
                let mut v = v.clone();
                // Kibana's editor may leave an `id` on an entry; it is no part of the match.
                if let Some(entries) = v.get_mut("entries").and_then(|e| e.as_array_mut()) {
                    for e in entries.iter_mut().filter_map(|e| e.as_object_mut()) {
                        e.remove("id");
                    }
                }
                let raw: RawItem = serde_json::from_value(v).map_err(|e| {
                    let id = obj.get("item_id").and_then(|x| x.as_str());
                    cx.err(id, e)
                })?;
                let list = raw.list_id.clone().unwrap_or_default();
                out.push(compile(&cx, &raw, &list, false)?);
                continue;
            }
            if let Some(id) = obj.get("list_id").and_then(|x| x.as_str()) {
                let kind = obj.get("type").and_then(|x| x.as_str()).unwrap_or("");
                if !matches!(kind, "detection" | "rule_default") {
                    return Err(cx.err(
                        None,
                        format!(
                            "list {id:?} is of type {kind:?}: only detection and rule_default exception lists apply to these rules (endpoint lists hold host and process fields)"
                        ),
                    ));
                }
                lists.push(id.to_owned());
                continue;
            }
            return Err(cx.err(
                None,
                "neither an exception list, an item (with entries) nor the export summary",
            ));
        }
        for item in &out {
            if !lists.is_empty() && !lists.contains(&item.list_id) {
                return Err(Error::Usage(format!(
                    "exceptions {}: item {:?} belongs to list {:?}, which the file does not hold (lists: {})",
                    path.display(),
                    item.item_id,
                    item.list_id,
                    lists.join(", ")
                )));
            }
        }
        Ok(out)
    }
}

/// An item's entries ANDed into one never-null expression.
fn compile(cx: &Ctx<'_>, raw: &RawItem, list: &str, own_columns: bool) -> Result<Item> {
    let item_id = raw
        .item_id
        .clone()
        .ok_or_else(|| cx.err(None, "an item needs an item_id"))?;
    let at = Some(item_id.as_str());
    if !raw.os_types.is_empty() {
        return Err(cx.err(
            at,
            format!(
                "os_types {:?}: Kubernetes audit events carry no host.os.type, so Elastic would never match this item; remove os_types",
                raw.os_types
            ),
        ));
    }
    if raw.entries.is_empty() {
        return Err(cx.err(at, "an item needs at least one entry"));
    }
    let mut parts = Vec::new();
    let mut columns = Vec::new();
    for e in &raw.entries {
        let (expr, cols) = entry(cx, at, e, own_columns)?;
        parts.push(expr);
        columns.extend(cols);
    }
    if let Some(t) = &raw.expire_time {
        let micros = parse_micros(t)
            .ok_or_else(|| cx.err(at, format!("expire_time {t:?} is not an RFC 3339 time")))?;
        parts.push(col("event_time").lt(lit(ScalarValue::TimestampMicrosecond(
            Some(micros),
            Some("UTC".into()),
        ))));
        columns.push("event_time".into());
    }
    let expr = parts
        .into_iter()
        .reduce(Expr::and)
        .unwrap_or_else(|| lit(false));
    columns.sort();
    columns.dedup();
    Ok(Item {
        list_id: raw.list_id.clone().unwrap_or_else(|| list.to_owned()),
        name: raw.name.clone().unwrap_or_default(),
        item_id,
        expr,
        columns,
    })
}

/// Null (a missing field) is no match.
fn sure(e: Expr) -> Expr {
    coalesce(vec![e, lit(false)])
}

fn negate(op: Operator, positive: Expr) -> Expr {
    match op {
        Operator::Included => positive,
        Operator::Excluded => not(positive),
    }
}

/// The value `v` as a literal for a field of `shape`.
fn literal(cx: &Ctx<'_>, at: Option<&str>, field: &str, shape: Shape, v: &str) -> Result<Expr> {
    match shape {
        Shape::Text | Shape::List => Ok(lit(v.to_owned())),
        Shape::Number => v
            .trim()
            .parse::<i64>()
            .map(lit)
            .map_err(|_| cx.err(at, format!("field {field}: {v:?} is not a whole number"))),
        Shape::Time => parse_micros(v)
            .map(|m| {
                lit(ScalarValue::TimestampMicrosecond(
                    Some(m),
                    Some("UTC".into()),
                ))
            })
            .ok_or_else(|| cx.err(at, format!("field {field}: {v:?} is not an RFC 3339 time"))),
    }
}

fn entry(
    cx: &Ctx<'_>,
    at: Option<&str>,
    e: &RawEntry,
    own_columns: bool,
) -> Result<(Expr, Vec<String>)> {
    let field_name = match e {
        RawEntry::Match { field, .. }
        | RawEntry::MatchAny { field, .. }
        | RawEntry::Exists { field, .. }
        | RawEntry::Wildcard { field, .. }
        | RawEntry::List { field, .. }
        | RawEntry::Nested { field, .. } => field,
    };
    if let RawEntry::Nested { .. } = e {
        return Err(cx.err(
            at,
            format!(
                "nested entry under {field_name}: no field of a Kubernetes audit event is a nested array of objects; write the entries on their own"
            ),
        ));
    }
    let f = fields::resolve(field_name, own_columns).ok_or_else(|| {
        cx.err(
            at,
            format!("unknown field {field_name:?}: {}", fields::HINT),
        )
    })?;
    let columns: Vec<String> = f
        .expr
        .column_refs()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let values_in = |values: &[String]| -> Result<Expr> {
        if values.is_empty() {
            return Err(cx.err(at, format!("field {field_name}: no value to match")));
        }
        if f.shape == Shape::List {
            return Ok(array_has_any(
                f.expr.clone(),
                make_array(values.iter().map(|v| lit(v.clone())).collect()),
            ));
        }
        let lits = values
            .iter()
            .map(|v| literal(cx, at, field_name, f.shape, v))
            .collect::<Result<Vec<_>>>()?;
        Ok(f.expr.clone().in_list(lits, false))
    };
    let expr = match e {
        RawEntry::Match {
            operator, value, ..
        } => {
            let v = value.text();
            let positive = match f.shape {
                Shape::List => array_has(f.expr.clone(), lit(v)),
                shape => f.expr.clone().eq(literal(cx, at, field_name, shape, &v)?),
            };
            negate(*operator, sure(positive))
        }
        RawEntry::MatchAny {
            operator, value, ..
        } => {
            let values: Vec<String> = value.iter().map(Scalar::text).collect();
            negate(*operator, sure(values_in(&values)?))
        }
        RawEntry::Exists { operator, .. } => {
            let positive = match f.shape {
                Shape::List => sure(cardinality(f.expr.clone()).gt(lit(0u64))),
                _ => f.expr.clone().is_not_null(),
            };
            negate(*operator, positive)
        }
        RawEntry::Wildcard {
            operator, value, ..
        } => {
            let positive = match f.shape {
                Shape::Text => Expr::Like(Like::new(
                    false,
                    Box::new(f.expr.clone()),
                    Box::new(lit(like_pattern(value))),
                    Some('\\'),
                    false,
                )),
                Shape::List => regexp_like(
                    array_to_string(f.expr.clone(), lit(SEP.to_string())),
                    lit(list_regex(value)),
                    None,
                ),
                Shape::Number | Shape::Time => {
                    return Err(cx.err(
                        at,
                        format!("field {field_name}: a wildcard needs a text field"),
                    ));
                }
            };
            negate(*operator, sure(positive))
        }
        RawEntry::List { operator, list, .. } => {
            if !matches!(list.kind.as_str(), "keyword" | "ip") {
                return Err(cx.err(
                    at,
                    format!(
                        "value list {:?} is of type {:?}: only keyword and ip value lists are supported",
                        list.id, list.kind
                    ),
                ));
            }
            let values = value_list(cx, at, &list.id)?;
            negate(*operator, sure(values_in(&values)?))
        }
        RawEntry::Nested { .. } => lit(false),
    };
    Ok((expr, columns))
}

/// Joins a list's elements for a wildcard test: a character no audit value holds.
const SEP: char = '\u{1e}';

/// Lucene wildcard (`*`, `?`, `\` escapes) → SQL LIKE with `\` as its escape.
fn like_pattern(w: &str) -> String {
    let mut out = String::new();
    let mut chars = w.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '\\' => {
                if let Some(n) = chars.next() {
                    if matches!(n, '%' | '_' | '\\') {
                        out.push('\\');
                    }
                    out.push(n);
                }
            }
            '%' | '_' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Lucene wildcard → a regex matching one whole element of a list joined by [`SEP`].
fn list_regex(w: &str) -> String {
    let any = format!("[^{SEP}]");
    let mut out = format!("(^|{SEP})");
    let mut chars = w.chars();
    let literal = |out: &mut String, c: char| {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    };
    while let Some(c) = chars.next() {
        match c {
            '*' => {
                out.push_str(&any);
                out.push('*');
            }
            '?' => out.push_str(&any),
            '\\' => {
                if let Some(n) = chars.next() {
                    literal(&mut out, n);
                }
            }
            c => literal(&mut out, c),
        }
    }
    out.push('(');
    out.push(SEP);
    out.push_str("|$)");
    out
}

/// The values of value list `id`: a file beside the exceptions named `<id>` or `<id>.txt`.
fn value_list(cx: &Ctx<'_>, at: Option<&str>, id: &str) -> Result<Vec<String>> {
    let dir = cx.path.parent().unwrap_or(Path::new("."));
    let safe = !id.is_empty() && !id.contains(['/', '\\']) && id != "." && id != "..";
    let candidates = [dir.join(id), dir.join(format!("{id}.txt"))];
    let found = if safe {
        candidates.iter().find(|p| p.is_file())
    } else {
        None
    };
    let Some(p) = found else {
        return Err(cx.err(
            at,
            format!(
                "value list {id:?}: value lists live in Kibana, not in the exception export; export it (Rules → Manage value lists → Export) to {} (one value a line)",
                candidates[1].display()
            ),
        ));
    };
    let text = std::fs::read_to_string(p).map_err(|source| Error::Input {
        path: p.clone(),
        source,
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert_eq!(like_pattern("kube*-?x"), "kube%-_x");
        assert_eq!(like_pattern("a_b%c"), "a\\_b\\%c");
        assert_eq!(like_pattern("lit\\*eral"), "lit*eral");
        assert_eq!(
            list_regex("10.0.*"),
            "(^|\u{1e})10\\.0\\.[^\u{1e}]*(\u{1e}|$)"
        );
    }
}
