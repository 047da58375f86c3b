//! The one Arrow schema of a normalised audit event.
//!
//! Every input shape (raw `audit.k8s.io` events, ECS documents, AKS, EKS and GKE wrappers) is
//! normalised to these columns by [`crate::ingest::parse`]; `convert` writes them to Parquet and the rules in
//! `sql/` query them as table `audit`. The column list is documented in `src/schema.md`; a test
//! checks that page against [`event_schema`], so the two cannot drift apart.
//!
//! The last two columns, `cluster` and `date`, are hive partition columns: they live in the
//! archive's directory names (`cluster=<name>/date=YYYY-MM-DD/`), not inside the Parquet files.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

/// Version of the schema, written into every Parquet file's key-value metadata under
/// [`SCHEMA_VERSION_KEY`]. Bump it whenever a column is added, removed or changes type.
/// Version 2 added `impersonated_user_groups` and `object_fields` at the end of the file
/// columns, version 3 `ingested_time`; an older file reads the columns it lacks as null (see
/// `src/schema.md`, "Versions").
pub const SCHEMA_VERSION: &str = "3";
/// Key of the schema version in the Parquet key-value metadata.
pub const SCHEMA_VERSION_KEY: &str = "audithound.schema_version";
/// Key of the declared row order in the Parquet key-value metadata.
pub const SORT_ORDER_KEY: &str = "audithound.sort_order";
/// Row order inside every row group of the archive (see `src/schema.md`, "Row order").
pub const SORT_ORDER: [&str; 3] = ["authz_decision", "user_name", "event_time"];

/// The partition columns, in the order of the archive's directories.
pub const PARTITION_COLUMNS: [&str; 2] = ["cluster", "date"];

/// Timestamps are UTC with microsecond precision.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
}

fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// `Map<Utf8, V>` with the field names arrow's `MapBuilder` uses by default.
fn map_of(value: DataType) -> DataType {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("keys", DataType::Utf8, false),
            Field::new("values", value, true),
        ])),
        false,
    );
    DataType::Map(Arc::new(entries), false)
}

fn build_schema(with_partitions: bool) -> Schema {
    let ts = timestamp_type();
    let s = |name: &str| Field::new(name, DataType::Utf8, true);
    let mut fields = vec![
        Field::new("event_time", ts.clone(), false),
        Field::new("received_time", ts.clone(), true),
        s("audit_id"),
        s("stage"),
        s("level"),
        s("verb"),
        s("request_uri"),
        s("user_name"),
        s("user_uid"),
        Field::new("user_groups", utf8_list(), true),
        Field::new("user_extra", map_of(utf8_list()), true),
        s("impersonated_user_name"),
        Field::new("source_ips", utf8_list(), true),
        s("user_agent"),
        s("resource"),
        s("subresource"),
        s("namespace"),
        s("object_name"),
        s("api_group"),
        s("api_version"),
        Field::new("response_code", DataType::Int32, true),
        s("response_status"),
        s("response_reason"),
        s("response_message"),
        s("authz_decision"),
        s("authz_reason"),
        Field::new("annotations", map_of(DataType::Utf8), true),
        s("request_object"),
        s("response_object"),
        s("source_format"),
        Field::new("source_file", DataType::Utf8, false),
        Field::new("source_line", DataType::UInt64, false),
        Field::new("impersonated_user_groups", utf8_list(), true),
        Field::new("object_fields", map_of(utf8_list()), true),
        Field::new("ingested_time", ts, true),
    ];
    if with_partitions {
        fields.push(Field::new("cluster", DataType::Utf8, false));
        fields.push(Field::new("date", DataType::Utf8, false));
    }
    Schema::new(fields)
}

static EVENT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| Arc::new(build_schema(true)));
static FILE_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| Arc::new(build_schema(false)));

/// The full table schema: the file columns followed by the partition columns `cluster`, `date`.
/// This is what the parser produces and what every query sees as table `audit`.
pub fn event_schema() -> SchemaRef {
    Arc::clone(&EVENT_SCHEMA)
}

/// The columns stored inside each Parquet file (all but the partition columns).
pub fn file_schema() -> SchemaRef {
    Arc::clone(&FILE_SCHEMA)
}

/// Column indexes into [`event_schema`], kept next to the schema so builders and writers agree.
pub mod col {
    pub const EVENT_TIME: usize = 0;
    pub const AUTHZ_DECISION: usize = 24;
    pub const USER_NAME: usize = 7;
    pub const CLUSTER: usize = 35;
    pub const DATE: usize = 36;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_index_constants_match_the_schema() {
        let s = event_schema();
        assert_eq!(s.field(col::EVENT_TIME).name(), "event_time");
        assert_eq!(s.field(col::AUTHZ_DECISION).name(), "authz_decision");
        assert_eq!(s.field(col::USER_NAME).name(), "user_name");
        assert_eq!(s.field(col::CLUSTER).name(), "cluster");
        assert_eq!(s.field(col::DATE).name(), "date");
        assert_eq!(file_schema().fields().len() + 2, s.fields().len());
    }

    /// The schema page lists every column, in order, so users and rule authors can rely on it.
    #[test]
    fn schema_doc_lists_every_column() {
        let doc = include_str!("schema.md");
        let mut last = 0;
        for f in event_schema().fields() {
            let needle = format!("| `{}` |", f.name());
            let at = doc
                .find(&needle)
                .unwrap_or_else(|| panic!("src/schema.md lacks a row for column {}", f.name()));
            assert!(at >= last, "src/schema.md lists {} out of order", f.name());
            last = at;
        }
    }
}
