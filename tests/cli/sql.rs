//! `sql`: ad-hoc queries over an archive or raw logs.

use crate::harness::{Fx, s};

/// Regression: DataFusion's generic SQL dialect read an unquoted `cluster` after a comma as
/// a keyword (`SELECT audit_id, cluster ...` failed to parse); the PostgreSQL dialect does not.
#[test]
fn ad_hoc_sql_can_name_the_cluster_column_unquoted() {
    let fx = Fx::new();
    let mix = fx.mix();
    let rows = fx.sql(
        mix,
        "SELECT audit_id, cluster FROM audit WHERE cluster = 'aks-prod' ORDER BY audit_id",
    );
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| s(r, "cluster") == "aks-prod"));
}
