//! Regular expressions compiled once per query, not once per batch.
//!
//! `text ~ 'pattern'` (what `regexp_like(text, 'pattern')` becomes) is evaluated by Arrow's
//! `regexp_is_match_scalar`, which compiles the pattern on every call: once per batch, and
//! again for each small batch `AND`'s pre-selection makes. The rules' exclusion lists are
//! alternations of a dozen image or pod-name patterns; compiling them took 5 % of a
//! pack's CPU. [`compile`] replaces each such test whose pattern is a literal by [`Matches`],
//! which holds the compiled regex. Same results: same `regex` crate, same flags (`~*` is
//! `(?i)`), a null text gives null, `!~` negates the match.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::datatypes::{DataType, FieldRef, Schema};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{BinaryExpr, Literal};
use regex::Regex;

/// `text ~ pattern` (or `~*`, `!~`, `!~*`) with the pattern compiled.
#[derive(Debug)]
pub struct Matches {
    text: Arc<dyn PhysicalExpr>,
    /// The pattern as written (for display, equality and hashing).
    pattern: String,
    op: Operator,
    regex: Regex,
}

impl Matches {
    /// `expr` as a [`Matches`] if it is a regex test of a string against a literal pattern
    /// that compiles; `None` otherwise (left to Arrow, which reports a bad pattern).
    fn of(expr: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Arc<dyn PhysicalExpr>> {
        let b = expr.downcast_ref::<BinaryExpr>()?;
        let op = *b.op();
        let flags = match op {
            Operator::RegexMatch | Operator::RegexNotMatch => "",
            Operator::RegexIMatch | Operator::RegexNotIMatch => "(?i)",
            _ => return None,
        };
        let pattern = match b.right().downcast_ref::<Literal>()?.value() {
            ScalarValue::Utf8(Some(p))
            | ScalarValue::LargeUtf8(Some(p))
            | ScalarValue::Utf8View(Some(p)) => p.clone(),
            _ => return None,
        };
        let text_type = b.left().data_type(schema).ok()?;
        if !matches!(
            text_type,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            return None;
        }
        let regex = Regex::new(&format!("{flags}{pattern}")).ok()?;
        Some(Arc::new(Self {
            text: Arc::clone(b.left()),
            pattern,
            op,
            regex,
        }))
    }

    fn negated(&self) -> bool {
        matches!(self.op, Operator::RegexNotMatch | Operator::RegexNotIMatch)
    }

    fn test(&self, text: &str) -> bool {
        self.regex.is_match(text) != self.negated()
    }
}

/// `expr` with every regex test against a literal pattern compiled once (see the module doc),
/// or `None` when it holds none.
pub fn compile(expr: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<Arc<dyn PhysicalExpr>> {
    let t = Arc::clone(expr)
        .transform_up(|e| {
            Ok(match Matches::of(&e, schema) {
                Some(m) => Transformed::yes(m),
                None => Transformed::no(e),
            })
        })
        .ok()?;
    t.transformed.then_some(t.data)
}

impl PartialEq for Matches {
    fn eq(&self, other: &Self) -> bool {
        self.text.eq(&other.text) && self.pattern == other.pattern && self.op == other.op
    }
}

impl Eq for Matches {}

impl Hash for Matches {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
        self.pattern.hash(state);
        self.op.hash(state);
    }
}

impl fmt::Display for Matches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.text, self.op, self.pattern)
    }
}

impl PhysicalExpr for Matches {
    fn return_field(&self, input_schema: &Schema) -> Result<FieldRef> {
        let nullable = self.text.nullable(input_schema)?;
        Ok(Arc::new(datafusion::arrow::datatypes::Field::new(
            self.to_string(),
            DataType::Boolean,
            nullable,
        )))
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let array = match self.text.evaluate(batch)? {
            ColumnarValue::Scalar(s) => {
                let v = match &s {
                    ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
                        v.as_deref().map(|t| self.test(t))
                    }
                    other => return exec_err!("regex test of a non-string value {other:?}"),
                };
                return Ok(ColumnarValue::Scalar(ScalarValue::Boolean(v)));
            }
            ColumnarValue::Array(a) => a,
        };
        let n = array.len();
        let values = match array.data_type() {
            DataType::Utf8 => {
                let a = array.as_string::<i32>();
                BooleanBuffer::collect_bool(n, |i| self.test(a.value(i)))
            }
            DataType::LargeUtf8 => {
                let a = array.as_string::<i64>();
                BooleanBuffer::collect_bool(n, |i| self.test(a.value(i)))
            }
            DataType::Utf8View => {
                let a = array.as_string_view();
                BooleanBuffer::collect_bool(n, |i| self.test(a.value(i)))
            }
            other => return exec_err!("regex test of a {other} column"),
        };
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
            values,
            array.logical_nulls(),
        ))))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.text]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let Some(text) = children.pop() else {
            return exec_err!("a regex test takes one child");
        };
        Ok(Arc::new(Self {
            text,
            pattern: self.pattern.clone(),
            op: self.op,
            regex: self.regex.clone(),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text.fmt_sql(f)?;
        write!(f, " {} '{}'", self.op, self.pattern.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::Field;
    use datafusion::physical_expr::expressions::{binary, col, lit};

    use super::*;

    /// Each operator, with nulls and a pattern anchored per line, gives what Arrow gives.
    #[test]
    fn compiled_tests_give_what_arrow_gives() {
        let schema = Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![Arc::new(StringArray::from(vec![
                Some("cert-manager-abc"),
                None,
                Some("x\nCERT-manager-1"),
                Some(""),
                Some("other"),
            ]))],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for op in [
            Operator::RegexMatch,
            Operator::RegexIMatch,
            Operator::RegexNotMatch,
            Operator::RegexNotIMatch,
        ] {
            for pattern in ["(?m)^cert-manager-", "", "^$"] {
                let t = col("t", &schema).unwrap_or_else(|e| panic!("{e}"));
                let e = binary(t, op, lit(pattern), &schema).unwrap_or_else(|e| panic!("{e}"));
                let compiled = compile(&e, &schema).unwrap_or_else(|| panic!("{e}"));
                assert!(compiled.downcast_ref::<Matches>().is_some(), "{e}");
                let eval = |x: &Arc<dyn PhysicalExpr>| {
                    x.evaluate(&batch)
                        .and_then(|v| v.into_array(batch.num_rows()))
                        .unwrap_or_else(|e| panic!("{e}"))
                };
                assert_eq!(
                    eval(&e).as_boolean(),
                    eval(&compiled).as_boolean(),
                    "{op} {pattern:?}"
                );
            }
        }
    }
}
