//! SQL functions audithound adds to DataFusion's, for rules and `audithound sql`:
//!
//! - `url_decode(text)`: form decoding as ES|QL's `URL_DECODE` (Java's `URLDecoder`) does it:
//!   `%XX` escapes, `+` is a space, an invalid escape gives null, and bytes that are not UTF-8
//!   become U+FFFD (so a stray `%FF` cannot hide a command from a rule). Exec commands are
//!   URL-encoded in `request_uri` (`?command=sh&command=-c&command=...`).
//! - `json_build_object(key, value, ...)`: a JSON object as text, as PostgreSQL's function of the
//!   same name; strings are escaped, numbers and booleans stay bare, lists become arrays,
//!   timestamps are RFC 3339 text, null stays null. Rules use it for an alert's `details`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::{Result as DfResult, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;

/// Registers every function of this module on `ctx`.
pub fn register(ctx: &SessionContext) {
    for f in all() {
        ctx.register_udf(f);
    }
}

/// The functions of this module.
pub fn all() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(UrlDecode::default()), json_build_object()]
}

/// `json_build_object`, for building expressions in code.
pub fn json_build_object() -> ScalarUDF {
    ScalarUDF::from(JsonBuildObject::default())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct UrlDecode {
    signature: Signature,
}

impl Default for UrlDecode {
    fn default() -> Self {
        Self {
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

/// Form-decodes `s`; `None` for a bad escape; bytes that are not UTF-8 become U+FFFD.
pub fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let v = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())?;
                out.push(v);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

impl ScalarUDFImpl for UrlDecode {
    fn name(&self) -> &'static str {
        "url_decode"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(input) = arrays.first() else {
            return exec_err!("url_decode takes one argument");
        };
        let input = input.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(input.len(), input.value_data().len());
        for i in 0..input.len() {
            out.append_option(
                input
                    .is_valid(i)
                    .then(|| url_decode(input.value(i)))
                    .flatten(),
            );
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonBuildObject {
    signature: Signature,
}

impl Default for JsonBuildObject {
    fn default() -> Self {
        Self {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

/// One value of `a` at row `i` as JSON.
fn json_value(a: &ArrayRef, f: &ArrayFormatter<'_>, i: usize) -> serde_json::Value {
    use serde_json::Value;
    if a.is_null(i) {
        return Value::Null;
    }
    match a.data_type() {
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => f
            .value(i)
            .to_string()
            .parse::<serde_json::Number>()
            .map_or(Value::Null, Value::Number),
        DataType::List(_) => {
            let items = a.as_list::<i32>().value(i);
            let opts = FormatOptions::default();
            match ArrayFormatter::try_new(items.as_ref(), &opts) {
                Ok(inner) => Value::Array(
                    (0..items.len())
                        .map(|j| json_value(&items, &inner, j))
                        .collect(),
                ),
                Err(_) => Value::Null,
            }
        }
        _ => Value::String(f.value(i).to_string()),
    }
}

impl ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &'static str {
        "json_build_object"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        if !args.args.len().is_multiple_of(2) {
            return exec_err!("json_build_object takes key, value pairs");
        }
        let rows = args.number_rows;
        let arrays: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|v| v.to_array(rows))
            .collect::<DfResult<_>>()?;
        let opts = FormatOptions::default().with_timestamp_format(Some("%Y-%m-%dT%H:%M:%S%.6fZ"));
        let formatters = arrays
            .iter()
            .map(|a| ArrayFormatter::try_new(a.as_ref(), &opts))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut out = StringBuilder::new();
        for i in 0..rows {
            let mut m = serde_json::Map::new();
            for (p, pair) in arrays.chunks(2).enumerate() {
                if pair[0].is_null(i) {
                    return exec_err!("json_build_object: key {} is null", p + 1);
                }
                let key = formatters[2 * p].value(i).to_string();
                m.insert(key, json_value(&pair[1], &formatters[2 * p + 1], i));
            }
            out.append_value(serde_json::Value::Object(m).to_string());
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_decode_is_form_decoding() {
        assert_eq!(
            url_decode("sh+-c+cat%20%2Fetc%2Fshadow").as_deref(),
            Some("sh -c cat /etc/shadow")
        );
        assert_eq!(url_decode("%zz"), None);
        assert_eq!(url_decode("%4"), None);
        assert_eq!(url_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(url_decode("cat%FF+x").as_deref(), Some("cat\u{fffd} x"));
    }

    #[tokio::test]
    async fn json_build_object_escapes_and_keeps_types() {
        let ctx = SessionContext::new();
        register(&ctx);
        let df = ctx
            .sql(r#"SELECT json_build_object('a', 'x"y', 'n', 3, 'l', make_array('p', 'q'), 'z', CAST(NULL AS VARCHAR), 'b', true) AS j"#)
            .await;
        let batches = match df {
            Ok(df) => df.collect().await.unwrap_or_default(),
            Err(e) => panic!("{e}"),
        };
        let j = batches[0].column(0).as_string::<i32>().value(0).to_owned();
        assert_eq!(j, r#"{"a":"x\"y","b":true,"l":["p","q"],"n":3,"z":null}"#);
    }
}
