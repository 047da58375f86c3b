//! Narrow evaluation: a filter or projection expression sees only the columns it reads.
//!
//! DataFusion evaluates `a AND b` by first evaluating `a`; when few rows pass it (or, for
//! `OR`, few fail), it evaluates `b` on those rows only, and to get them it filters the
//! *whole* input batch, every column (`CASE` does the same for each branch). On the archive's
//! rows (38 columns: request and response bodies, lists, maps) that copy costs more than the
//! test: measured on the rule pack, a third of all CPU went to copying columns no test reads.
//!
//! [`Narrowing`], a physical optimizer rule run after DataFusion's own, wraps the predicate of
//! each `FilterExec` and each computed expression of a `ProjectionExec` in [`Narrow`], which
//! hands the expression a batch of just the columns it references. The result is the same
//! value for value: only columns the expression never reads are left out.
//!
//! The same rule compiles each literal regex of those expressions once
//! ([`regex_match`]).
//!
//! Local sessions only: a plan sent to a Ballista executor must hold expressions its
//! protobuf codec knows.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::{DataType, FieldRef, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{BinaryExpr, CaseExpr, Column};
use datafusion::physical_expr::utils::{collect_columns, conjunction_opt, split_conjunction};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::projection::{ProjectionExec, ProjectionExpr};

use crate::query::regex_match;

/// An expression evaluated on the columns it reads only (see the module doc).
#[derive(Debug)]
pub struct Narrow {
    /// The input's columns the expression reads, in the order of the narrow batch.
    inputs: Vec<Arc<dyn PhysicalExpr>>,
    /// The narrow batch's schema.
    schema: SchemaRef,
    /// The expression, its columns renumbered into the narrow batch.
    inner: Arc<dyn PhysicalExpr>,
    /// The expression's result field, computed once: asked of a chain of nested `OR`s, each
    /// level would otherwise ask its children twice (type and nullability).
    field: FieldRef,
}

impl Narrow {
    /// `expr` over `input` with each of its nodes that can filter their input (`AND`, `OR`,
    /// `CASE`) narrowed to the columns that node reads, when that leaves columns out: an `OR`
    /// of rules' filters reads many columns, each of its `AND`s a few. `None` when nothing
    /// changes.
    pub fn wrap(expr: &Arc<dyn PhysicalExpr>, input: &Schema) -> Option<Arc<dyn PhysicalExpr>> {
        if dynamic(expr) {
            return None;
        }
        // Bottom up: a node's narrow batch is cut from its parent's, whose columns it
        // reads as its children (renumbered when the parent is narrowed in turn).
        let t = Arc::clone(expr)
            .transform_up(|e| {
                Ok(match selects(&e).then(|| Self::node(&e, input)).flatten() {
                    Some(n) => Transformed::yes(n),
                    None => Transformed::no(e),
                })
            })
            .ok()?;
        t.transformed.then_some(t.data)
    }

    /// `expr` (over `input`) evaluated on the columns it reads, if that leaves some out.
    fn node(expr: &Arc<dyn PhysicalExpr>, input: &Schema) -> Option<Arc<dyn PhysicalExpr>> {
        let mut cols: Vec<Column> = collect_columns(expr).into_iter().collect();
        if cols.len() >= input.fields().len() {
            return None;
        }
        cols.sort_by_key(Column::index);
        let renumber: HashMap<usize, usize> = cols
            .iter()
            .enumerate()
            .map(|(new, c)| (c.index(), new))
            .collect();
        let inner = Arc::clone(expr)
            .transform_up(|e| {
                let Some(c) = e.downcast_ref::<Column>() else {
                    return Ok(Transformed::no(e));
                };
                match renumber.get(&c.index()) {
                    Some(&i) => Ok(Transformed::yes(
                        Arc::new(Column::new(c.name(), i)) as Arc<dyn PhysicalExpr>
                    )),
                    None => Ok(Transformed::no(e)),
                }
            })
            .ok()?
            .data;
        let fields: Vec<FieldRef> = cols
            .iter()
            .map(|c| input.fields().get(c.index()).cloned())
            .collect::<Option<_>>()?;
        let schema = Arc::new(Schema::new(fields));
        let field = inner.return_field(&schema).ok()?;
        Some(Arc::new(Self {
            inputs: cols
                .into_iter()
                .map(|c| Arc::new(c) as Arc<dyn PhysicalExpr>)
                .collect(),
            schema,
            inner,
            field,
        }))
    }
}

/// Whether `e` may evaluate part of itself on a filtered copy of its input.
fn selects(e: &Arc<dyn PhysicalExpr>) -> bool {
    e.downcast_ref::<CaseExpr>().is_some()
        || e.downcast_ref::<BinaryExpr>()
            .is_some_and(|b| matches!(b.op(), Operator::And | Operator::Or))
}

/// Whether `expr` holds a dynamic filter (updated while the plan runs): left as it is.
fn dynamic(expr: &Arc<dyn PhysicalExpr>) -> bool {
    expr.exists(|e| Ok(e.snapshot_generation() != 0 || e.snapshot()?.is_some()))
        .unwrap_or(true)
}

impl PartialEq for Narrow {
    fn eq(&self, other: &Self) -> bool {
        self.inputs.eq(&other.inputs) && self.inner.eq(&other.inner)
    }
}

impl Eq for Narrow {}

impl Hash for Narrow {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inputs.hash(state);
        self.inner.hash(state);
    }
}

impl fmt::Display for Narrow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner)
    }
}

impl PhysicalExpr for Narrow {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(self.field.data_type().clone())
    }

    fn nullable(&self, _input_schema: &Schema) -> Result<bool> {
        Ok(self.field.is_nullable())
    }

    fn return_field(&self, _input_schema: &Schema) -> Result<FieldRef> {
        Ok(Arc::clone(&self.field))
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let rows = batch.num_rows();
        let columns = self
            .inputs
            .iter()
            .map(|e| e.evaluate(batch)?.into_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let narrow = RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )?;
        self.inner.evaluate(&narrow)
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        self.inputs.iter().collect()
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(Self {
            inputs: children,
            schema: Arc::clone(&self.schema),
            inner: Arc::clone(&self.inner),
            field: Arc::clone(&self.field),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt_sql(f)
    }
}

/// The physical optimizer rule that puts [`Narrow`] in filters and projections.
#[derive(Debug, Default)]
pub struct Narrowing;

impl PhysicalOptimizerRule for Narrowing {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let rebuilt = if let Some(filter) = node.downcast_ref::<FilterExec>() {
                narrow_filter(filter)?
            } else if let Some(projection) = node.downcast_ref::<ProjectionExec>() {
                narrow_projection(projection)?
            } else {
                None
            };
            // Kept only if the plan above sees the same node: same orderings, equalities and
            // constants (a parent planned on them, e.g. a window over a filtered constant).
            Ok(match rebuilt {
                Some(new) if same_properties(node.as_ref(), new.as_ref()) => Transformed::yes(new),
                _ => Transformed::no(node),
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &'static str {
        "audithound_narrow_evaluation"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `filter` with its predicate narrowed. The predicate's equality tests are repeated after the
/// narrowed whole (`narrow(p) AND (a = 1 AND ...)`, the same rows) so that the filter still
/// tells the plan above which columns it makes constant or equal.
fn narrow_filter(filter: &FilterExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let input = filter.input().schema();
    let compiled = regex_match::compile(filter.predicate(), &input);
    let predicate = compiled.as_ref().unwrap_or(filter.predicate());
    let predicate = match (Narrow::wrap(predicate, &input), compiled.clone()) {
        (Some(narrow), _) => {
            let equalities: Vec<Arc<dyn PhysicalExpr>> = split_conjunction(predicate)
                .into_iter()
                .filter(|e| {
                    e.downcast_ref::<BinaryExpr>()
                        .is_some_and(|b| *b.op() == Operator::Eq)
                })
                .cloned()
                .collect();
            match conjunction_opt(equalities) {
                Some(eq) => Arc::new(BinaryExpr::new(narrow, Operator::And, eq)),
                None => narrow,
            }
        }
        (None, Some(compiled)) => compiled,
        (None, None) => return Ok(None),
    };
    let rebuilt = FilterExecBuilder::from(filter)
        .with_predicate(predicate)
        .build()?;
    Ok(Some(Arc::new(rebuilt)))
}

/// `projection` with its selecting expressions narrowed.
fn narrow_projection(projection: &ProjectionExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let input = projection.input().schema();
    let mut changed = false;
    let exprs: Vec<ProjectionExpr> = projection
        .expr()
        .iter()
        .map(|pe| {
            let compiled = regex_match::compile(&pe.expr, &input);
            let expr = compiled.as_ref().unwrap_or(&pe.expr);
            match Narrow::wrap(expr, &input).or(compiled) {
                Some(expr) => {
                    changed = true;
                    ProjectionExpr {
                        expr,
                        alias: pe.alias.clone(),
                    }
                }
                None => pe.clone(),
            }
        })
        .collect();
    if !changed {
        return Ok(None);
    }
    let rebuilt = ProjectionExec::try_new_with_schema_metadata(
        exprs,
        Arc::clone(projection.input()),
        &projection.schema(),
    )?;
    Ok(Some(Arc::new(rebuilt)))
}

/// Whether two plans promise their parents the same: equivalences, constants, orderings,
/// partitioning.
fn same_properties(a: &dyn ExecutionPlan, b: &dyn ExecutionPlan) -> bool {
    let (pa, pb) = (a.properties(), b.properties());
    pa.equivalence_properties().to_string() == pb.equivalence_properties().to_string()
        // (`Partitioning`'s `==` never holds for an unknown partitioning)
        && format!("{:?}", pa.output_partitioning()) == format!("{:?}", pb.output_partitioning())
        && a.schema() == b.schema()
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{AsArray, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::physical_expr::expressions::{binary, col, lit};

    use super::*;

    /// A wide batch: the expression reads two of its four columns, and its `AND` selects.
    #[test]
    fn narrow_evaluation_gives_the_same_values() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("body", DataType::Utf8, true),
            Field::new("verb", DataType::Utf8, true),
            Field::new("other", DataType::Int64, true),
            Field::new("code", DataType::Int64, true),
        ]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(StringArray::from(vec![Some("x"); 6])),
                Arc::new(StringArray::from(vec![
                    Some("get"),
                    Some("list"),
                    None,
                    Some("get"),
                    Some("create"),
                    Some("get"),
                ])),
                Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5, 6])),
                Arc::new(Int64Array::from(vec![
                    Some(403),
                    Some(200),
                    Some(403),
                    None,
                    Some(403),
                    Some(200),
                ])),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = |name: &str| col(name, &schema).unwrap_or_else(|e| panic!("{e}"));
        let verb = binary(e("verb"), Operator::Eq, lit("get"), &schema);
        let code = binary(e("code"), Operator::Eq, lit(403_i64), &schema);
        let expr = verb
            .and_then(|v| code.and_then(|c| binary(v, Operator::And, c, &schema)))
            .unwrap_or_else(|e| panic!("{e}"));
        let narrow = Narrow::wrap(&expr, &schema).unwrap_or_else(|| panic!("not narrowed"));
        let want = expr.evaluate(&batch).and_then(|v| v.into_array(6));
        let got = narrow.evaluate(&batch).and_then(|v| v.into_array(6));
        let (want, got) = match (want, got) {
            (Ok(w), Ok(g)) => (w, g),
            (w, g) => panic!("{w:?} {g:?}"),
        };
        assert_eq!(want.as_boolean(), got.as_boolean());
        assert_eq!(narrow.children().len(), 2, "reads verb and code only");
        // A bare comparison does not select: left as it is.
        let code = binary(e("code"), Operator::Eq, lit(403_i64), &schema)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(Narrow::wrap(&code, &schema).is_none());
    }
}

#[cfg(test)]
mod plan_tests {
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::MemTable;
    use datafusion::execution::SessionStateBuilder;
    use datafusion::physical_plan::displayable;
    use datafusion::prelude::SessionContext;

    use super::*;

    /// 600 rows cycling through values with different periods, so that every `AND` and `OR`
    /// below sees mixed, rare and common outcomes (and so pre-selects some batches).
    fn context(narrowing: bool) -> SessionContext {
        let schema = Arc::new(Schema::new(vec![
            Field::new("body", DataType::Utf8, true),
            Field::new("verb", DataType::Utf8, true),
            Field::new("agent", DataType::Utf8, true),
            Field::new("code", DataType::Int64, true),
        ]));
        let n = 600;
        let verbs = [Some("get"), Some("list"), None, Some("create"), Some("get")];
        let agents = [
            Some("curl/8"),
            Some("kubectl"),
            None,
            Some("cert-manager-x"),
        ];
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(
                    (0..n)
                        .map(|i| Some(format!("body {i}")))
                        .collect::<StringArray>(),
                ),
                Arc::new((0..n).map(|i| verbs[i % 5]).collect::<StringArray>()),
                Arc::new((0..n).map(|i| agents[i % 7 % 4]).collect::<StringArray>()),
                Arc::new(
                    (0..n)
                        .map(|i| (i % 11 != 3).then_some(if i % 13 == 0 { 403 } else { 200 }))
                        .collect::<Int64Array>(),
                ),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // Batches of 64 rows: many batches, each with its own mix.
        let parts: Vec<RecordBatch> = (0..n)
            .step_by(64)
            .map(|o| batch.slice(o, 64.min(n - o)))
            .collect();
        let table =
            MemTable::try_new(Arc::clone(&schema), vec![parts]).unwrap_or_else(|e| panic!("{e}"));
        let mut state = SessionStateBuilder::new().with_default_features();
        if narrowing {
            state = state.with_physical_optimizer_rule(Arc::new(Narrowing));
        }
        let ctx = SessionContext::new_with_state(state.build());
        ctx.register_table("t", Arc::new(table))
            .unwrap_or_else(|e| panic!("{e}"));
        ctx
    }

    async fn run(ctx: &SessionContext, sql: &str) -> (String, String) {
        let df = ctx.sql(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let plan = df
            .clone()
            .create_physical_plan()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let shown = displayable(plan.as_ref()).indent(true).to_string();
        let rows = df.collect().await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let rows = pretty_format_batches(&rows)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string();
        (shown, rows)
    }

    /// Filters and projections with `AND`, `OR`, `CASE` and regexes give the same rows with
    /// the rule as without it, and the rule did rewrite them.
    #[tokio::test]
    async fn narrowed_plans_give_the_same_rows() {
        let (plain, narrowed) = (context(false), context(true));
        for sql in [
            "SELECT * FROM t WHERE (verb = 'get' AND regexp_like(agent, '^curl')) OR code = 403 \
             ORDER BY body",
            "SELECT * FROM t WHERE verb = 'get' AND (code = 403 OR agent ~* '^CERT-') \
             AND NOT coalesce(regexp_like(agent, '(?m)^kube'), false) ORDER BY body",
            "SELECT body, CASE WHEN code = 403 AND verb = 'get' THEN 'denied get' \
             WHEN agent !~ 'curl' OR verb IS NULL THEN 'other' END AS kind, \
             coalesce(verb = 'list' AND code = 200, false) AS flag FROM t ORDER BY body",
        ] {
            let (_, want) = run(&plain, sql).await;
            let (shown, got) = run(&narrowed, sql).await;
            assert_eq!(want, got, "{sql}\n{shown}");
        }
        // A pack's shared pass: an `OR` of many rules' `AND`s, each level narrowed (each
        // level's type is asked once, not twice per level: 2^60 otherwise).
        let many: Vec<String> = (0..60)
            .map(|i| format!("(verb = 'v{i}' AND code = {i} AND agent LIKE 'a{i}%')"))
            .collect();
        let sql = format!(
            "SELECT * FROM t WHERE {} OR (verb = 'get' AND code = 403) ORDER BY body",
            many.join(" OR ")
        );
        let (_, want) = run(&plain, &sql).await;
        let (_, got) = run(&narrowed, &sql).await;
        assert_eq!(want, got);
        // The first query's filter reads its three columns in a batch of three.
        let (shown, _) = run(
            &narrowed,
            "SELECT * FROM t WHERE (verb = 'get' AND regexp_like(agent, '^curl')) OR code = 403",
        )
        .await;
        assert!(
            shown.contains("verb@0 = get AND agent@1 LIKE curl% OR code@2 = 403"),
            "{shown}"
        );
    }
}
