//! Query: DataFusion over an archive or over raw logs, and the rules that run on it.
//!
//! [`engine`] opens a session and registers table `audit` (a hive-partitioned listing table over
//! an archive, or a streaming table fed by [`crate::ingest`] for raw logs) limited to a scope of
//! dates and clusters → [`rules`] loads the `.sql` rules, parses their headers and checks their
//! plans read-only → [`session`] opens both for a command → [`hunt`] builds the alert and stats queries as DataFusion expressions →
//! [`output`] renders a query's result as a table, NDJSON, CSV or Parquet. [`models`] runs each
//! rule's execution model (single event, aggregation, sequence, new terms); [`pack`] runs the
//! single-event rules of a pack in one pass over the events; [`functions`] adds the
//! SQL functions rules use (`url_decode`, `json_build_object`); [`narrow`] hands each filter and
//! projection expression only the columns it reads, and [`regex_match`] compiles their regexes once. [`replay`] runs a rule on Elastic's
//! schedule (executions, look-back, cap, deduplication) and [`ecs`] writes alerts as Kibana's
//! alert documents. [`exceptions`] removes what Elastic's exception lists match, [`fields`]
//! resolves ECS field names to columns, [`suppression`] keeps one alert per group.

pub mod ecs;
pub mod engine;
pub mod exceptions;
pub mod fields;
pub mod functions;
pub mod golden;
pub mod hunt;
pub mod models;
pub mod narrow;
pub mod output;
pub mod pack;
pub mod regex_match;
pub mod replay;
pub mod rules;
pub mod session;
pub mod suppression;
