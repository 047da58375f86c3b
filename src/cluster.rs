//! Apache Ballista (55): run the same DataFusion plans on a cluster.
//!
//! - [`run_scheduler`] serves a scheduler (in-memory cluster state, no REST API) on one port:
//!   executors poll it for work, clients submit plans to it, and it relays query results to
//!   clients (the embedded Arrow Flight proxy), so a client only ever needs to reach this port.
//!   Its sessions use the [`RuntimeSetup`] we give it: the scheduler lists the files of every
//!   `s3://`, `az://` or `gs://` table when it plans a query.
//! - [`run_executor`] runs an executor that registers with the scheduler and reads objects with
//!   the same [`RuntimeSetup`]. It listens on one port, the Arrow Flight port (shuffle data and
//!   results, fetched by other executors and by the scheduler's proxy).
//! - [`remote_context`] makes a client `SessionContext` from our own `SessionState` (config,
//!   runtime, registered tables): SQL and DataFrames planned on it run on the cluster.
//! - [`standalone_context`] starts a scheduler and an executor inside this process, for tests.
//!
//! What can run there: the client ships the *optimized logical plan* (protobuf), so every table
//! it scans must be serialisable — listing tables (our Parquet archive, local or in object
//! storage) and views over them are; a `StreamingTable` (raw logs parsed in this process) and a
//! `MemTable` are not. [`check_distributable`] and [`check_table`] say so before a query fails
//! with a serialisation error.
//!
//! Scheduling is pull-based ([`POLICY`]): executors poll the scheduler every 50 ms when idle,
//! so only the scheduler's port must be reachable from executors, and only the executors'
//! Flight ports from the scheduler. (Push-based scheduling would also need the scheduler to
//! dial each executor's gRPC port and the executors to dial back the scheduler's *advertised*
//! host, which we have no option for yet.) There is no authentication: keep a cluster on a
//! trusted network.
//!
//! Ballista logs through the `log` crate; with no logger installed it is silent, so every
//! failure we can foresee is checked here first and reported as an [`Error`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZero;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::error::BallistaError;
use ballista_core::extension::{
    SessionConfigExt, ballista_aggregate_functions, ballista_scalar_functions,
    ballista_window_functions,
};
use ballista_core::optimizer::ballista_default_optimizer_rules;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::SessionBuilder;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::catalog::TableProvider;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::cte_worktable::CteWorkTable;
use datafusion::datasource::empty::EmptyTable;
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::source_as_provider;
use datafusion::datasource::view::ViewTable;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::future::{Either, select};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{Error, Result};

/// Builds the `RuntimeEnv` (object stores, memory pool, spill directory) of a session from its
/// config. The very type of `ballista_core::RuntimeProducer`, so it is handed to executors as
/// is. It is called often — per query on the scheduler, per task on executors — so it should
/// share what is costly to build (one `Arc` store registry) and only assemble a `RuntimeEnv`.
pub type RuntimeSetup =
    Arc<dyn Fn(&SessionConfig) -> datafusion::error::Result<Arc<RuntimeEnv>> + Send + Sync>;

/// The scheduler's port when a `df://` address gives none (Ballista's own default).
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;
/// Ballista's default executor Arrow Flight port.
pub const DEFAULT_FLIGHT_PORT: u16 = 50051;
/// Ballista's default executor gRPC port (only listened on under push-based scheduling).
pub const DEFAULT_GRPC_PORT: u16 = 50052;

/// How tasks reach executors; scheduler and executors must agree.
pub const POLICY: TaskSchedulingPolicy = TaskSchedulingPolicy::PullStaged;

/// What we say when a plan reads raw logs (a `StreamingTable`).
pub const RAW_NOT_DISTRIBUTABLE: &str = "raw logs are parsed in this process and cannot be \
     distributed: run `audithound convert` first and query the archive on the cluster";

/// How long an executor waits for its scheduler to accept connections.
const SCHEDULER_WAIT: Duration = Duration::from_secs(30);
/// How long a client waits for the scheduler's port before giving up.
const CONNECT_CHECK: Duration = Duration::from_secs(5);

/// Serves a Ballista scheduler on `bind` until the process is killed or gets ctrl-c.
///
/// In-memory cluster state (one scheduler), pull-based scheduling, and the embedded Flight
/// proxy, so clients fetch results through this port. Every query's session is built from the
/// settings the client sent and a runtime from `runtime_setup`.
pub async fn run_scheduler(bind: SocketAddr, runtime_setup: RuntimeSetup) -> Result<()> {
    if bind.port() == 0 {
        return Err(Error::Usage(
            "the scheduler needs a fixed port: executors and clients connect to it".into(),
        ));
    }
    let ip = bind.ip();
    let config = SchedulerConfig {
        // Only a name here: under pull-based scheduling nobody connects to it.
        external_host: if ip.is_unspecified() {
            "localhost".to_owned()
        } else {
            host_literal(ip)
        },
        bind_host: ip.to_string(),
        bind_port: bind.port(),
        scheduling_policy: POLICY,
        enable_embedded_flight_proxy: true,
        override_session_builder: Some(scheduler_session_builder(runtime_setup)),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| cluster_error("cannot set up the scheduler", e))?;
    let server = Box::pin(start_server(cluster, bind, Arc::new(config)));
    let interrupted = Box::pin(tokio::signal::ctrl_c());
    match select(server, interrupted).await {
        Either::Left((Ok(()), _)) | Either::Right((Ok(()), _)) => Ok(()),
        // Binding the port is the only I/O `start_server` does itself.
        Either::Left((Err(BallistaError::IoError(e)), _)) => Err(Error::Usage(format!(
            "cannot listen on {bind}: {e} (is another scheduler running there? pick another port)"
        ))),
        Either::Left((Err(e), _)) => Err(cluster_error("the scheduler stopped", e)),
        Either::Right((Err(e), _)) => Err(Error::Io(e)),
    }
}

/// Runs a Ballista executor registered with the scheduler at `scheduler` (host, port) until the
/// process gets ctrl-c or SIGTERM (Ballista handles both and deregisters first).
///
/// `bind_host` must be an IP address (`0.0.0.0`, `127.0.0.1`, `::`; `localhost` is read as
/// `127.0.0.1`): Ballista parses `host:port` as a socket address. `bind_port` is the Arrow
/// Flight port; `grpc_port` is only listened on under push-based scheduling (see [`POLICY`]),
/// and is otherwise just reported to the scheduler. `concurrency` is the number of tasks run at
/// once (0: one per CPU). Shuffle files go under `work_dir` (`<work_dir>/<job id>/...`; give a
/// directory of its own), or a temporary directory removed when the executor stops.
pub async fn run_executor(
    scheduler: (String, u16),
    bind_host: String,
    bind_port: u16,
    grpc_port: u16,
    concurrency: usize,
    work_dir: Option<PathBuf>,
    runtime_setup: RuntimeSetup,
) -> Result<()> {
    let (scheduler_host, scheduler_port) = scheduler;
    let ip = bind_ip(bind_host)?;
    // Ballista reports a bind failure of these ports only to its log, then returns Ok: check
    // them first. (Port 0 would register port 0 with the scheduler.)
    check_port_free(ip, bind_port, "Arrow Flight")?;
    if matches!(POLICY, TaskSchedulingPolicy::PushStaged) {
        if grpc_port == bind_port {
            return Err(Error::Usage(format!(
                "the executor's Flight and gRPC ports must differ (both are {bind_port})"
            )));
        }
        check_port_free(ip, grpc_port, "gRPC")?;
    }

    let scheduler_bare = scheduler_host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    wait_for_tcp(&scheduler_bare, scheduler_port, SCHEDULER_WAIT)
        .await
        .map_err(|e| {
            Error::Usage(format!(
                "cannot reach the Ballista scheduler at {scheduler_host}:{scheduler_port} \
                 after {} s: {e} (start `audithound serve scheduler` first, or check the address)",
                SCHEDULER_WAIT.as_secs()
            ))
        })?;

    // Not Ballista's own default when none is given: it creates a TempDir and drops it at
    // once, so the directory is deleted, re-created by the first shuffle write and never
    // removed.
    let (work_dir, temporary) = if let Some(dir) = work_dir {
        std::fs::create_dir_all(&dir).map_err(|source| Error::Output {
            path: dir.clone(),
            source,
        })?;
        let abs = std::path::absolute(&dir).map_err(|source| Error::Output {
            path: dir.clone(),
            source,
        })?;
        (abs, None)
    } else {
        let tmp = tempfile::Builder::new()
            .prefix("audithound-executor-")
            .tempdir()?;
        (tmp.path().to_path_buf(), Some(tmp))
    };
    let Some(work_dir_utf8) = work_dir.to_str().map(str::to_owned) else {
        return Err(Error::Usage(format!(
            "the executor's work directory {} is not valid UTF-8: choose another",
            work_dir.display()
        )));
    };

    let vcores = if concurrency == 0 {
        std::thread::available_parallelism().map_or(1, NonZero::get)
    } else {
        concurrency
    };
    let config = ExecutorProcessConfig {
        bind_host: host_literal(ip),
        // None: the scheduler records the address it sees this executor connect from.
        external_host: None,
        port: bind_port,
        grpc_port,
        scheduler_host: if scheduler_bare.parse::<Ipv6Addr>().is_ok() {
            format!("[{scheduler_bare}]")
        } else {
            scheduler_bare
        },
        scheduler_port,
        // Checked above; 0 means one attempt. (Ballista's retry loop never times out.)
        scheduler_connect_timeout_seconds: 0,
        vcores,
        task_scheduling_policy: POLICY,
        work_dir: Some(work_dir_utf8),
        // Ballista's default registry lacks the nested (array) functions our rules use
        // (`make_array`, `cardinality`, ...): the executor could not decode those plans.
        override_function_registry: Some(Arc::new(function_registry())),
        override_runtime_producer: Some(runtime_setup),
        ..ExecutorProcessConfig::default()
    };
    Box::pin(start_executor_process(Arc::new(config)))
        .await
        .map_err(|e| cluster_error("the executor stopped", e))?;
    drop(temporary);
    Ok(())
}

/// A client context on the scheduler at `scheduler_url` (`df://host[:port]`), built from our
/// own `state`: its config (sent with every query), runtime and tables. Fails early when the
/// scheduler's port does not answer; queries wait for executors if none has registered yet.
pub async fn remote_context(scheduler_url: &str, state: SessionState) -> Result<SessionContext> {
    let (host, port) = parse_scheduler_url(scheduler_url)?;
    wait_for_tcp(&host, port, CONNECT_CHECK)
        .await
        .map_err(|e| {
            Error::Usage(format!(
                "cannot reach the Ballista scheduler at {scheduler_url}: {e} \
             (is `audithound serve scheduler` running there, and the port open?)"
            ))
        })?;
    Ok(SessionContext::remote_with_state(scheduler_url, state).await?)
}

/// A context on a scheduler and an executor started inside this process (for tests), both
/// using `state` itself: its runtime, functions and config (with Ballista's settings applied
/// first, since the in-process scheduler takes the state as it is).
pub async fn standalone_context(state: SessionState) -> Result<SessionContext> {
    let config = state.config().clone().upgrade_for_ballista();
    let state = SessionStateBuilder::new_from_existing(state)
        .with_config(config)
        .build();
    Ok(SessionContext::standalone_with_state(state).await?)
}

/// Splits `df://host[:port]` into host (IPv6 without brackets) and port.
pub fn parse_scheduler_url(s: &str) -> Result<(String, u16)> {
    let url = url::Url::parse(s).map_err(|e| {
        Error::Usage(format!(
            "cannot read {s:?} as a scheduler address: {e} (write df://host:port, e.g. df://10.0.0.5:50050)"
        ))
    })?;
    if url.scheme() != "df" {
        return Err(Error::Usage(format!(
            "{s:?}: a scheduler address starts with df:// (e.g. df://10.0.0.5:50050)"
        )));
    }
    let host = url
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{s:?} names no scheduler host (write df://host:port)"
            ))
        })?;
    Ok((
        host.to_owned(),
        url.port().unwrap_or(DEFAULT_SCHEDULER_PORT),
    ))
}

/// Waits until the scheduler reports at least one live executor (its `/readyz` answers 200),
/// checking every 100 ms. For tests, and for a client that wants to say "no executors".
pub async fn wait_until_ready(host: &str, port: u16, patience: Duration) -> Result<()> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let last = match readyz(host, port).await {
            Ok((true, _)) => return Ok(()),
            Ok((false, body)) => body,
            Err(e) => e.to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Usage(format!(
                "the Ballista scheduler at {host}:{port} is not ready after {} s: {} \
                 (start an executor with `audithound serve executor`)",
                patience.as_secs(),
                last.trim()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fails, with a message saying what to do, if `plan` reads a table a cluster cannot read:
/// only listing tables (and views over them) travel in the plan Ballista ships.
pub fn check_distributable(plan: &LogicalPlan) -> Result<()> {
    report(first_local_table(plan)?)
}

/// [`check_distributable`] for a registered table, before any query: a view (such as the one
/// `DataFrame::into_view` makes) is checked through the plan it stands for, which queries
/// inline.
pub fn check_table(name: &str, provider: &Arc<dyn TableProvider>) -> Result<()> {
    let local = match provider.get_logical_plan() {
        Some(plan) => first_local_table(&plan)?,
        None => scan_blocker(name, provider)?,
    };
    report(local)
}

/// A table only this process can read.
#[derive(Debug)]
enum Local {
    /// Raw logs (a `StreamingTable`).
    Raw,
    /// Anything else but a listing table or a view: a `MemTable`, a custom provider.
    Other(String),
}

fn report(local: Option<Local>) -> Result<()> {
    match local {
        None => Ok(()),
        Some(Local::Raw) => Err(Error::Usage(RAW_NOT_DISTRIBUTABLE.to_owned())),
        Some(Local::Other(name)) => Err(Error::Usage(format!(
            "table {name} is held in this process and cannot be sent to a Ballista cluster: \
             only archives (Parquet listing tables) and views over them can"
        ))),
    }
}

/// The first scan, subqueries included, of a table that would not serialise.
fn first_local_table(plan: &LogicalPlan) -> datafusion::error::Result<Option<Local>> {
    let mut found = None;
    plan.apply_with_subqueries(|node| {
        // information_schema is answered by the client itself (BallistaQueryPlanner).
        if let LogicalPlan::TableScan(scan) = node
            && scan.table_name.schema() != Some("information_schema")
        {
            let name = scan.table_name.to_string();
            found = match source_as_provider(&scan.source) {
                Ok(provider) => scan_blocker(&name, &provider)?,
                Err(_) => Some(Local::Other(name)),
            };
            if found.is_some() {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(found)
}

/// Whether a scan of `provider` serialises, following datafusion-proto 55's encoder: listing,
/// empty and CTE work tables have their own nodes, a `ViewTable` ships its plan, anything else
/// needs a codec Ballista does not have. (A `DataFrame` view still scanned, not inlined, is one.)
fn scan_blocker(
    name: &str,
    provider: &Arc<dyn TableProvider>,
) -> datafusion::error::Result<Option<Local>> {
    if provider.is::<ListingTable>() || provider.is::<EmptyTable>() || provider.is::<CteWorkTable>()
    {
        Ok(None)
    } else if provider.is::<StreamingTable>() {
        Ok(Some(Local::Raw))
    } else if provider.is::<ViewTable>()
        && let Some(plan) = provider.get_logical_plan()
    {
        first_local_table(&plan)
    } else {
        Ok(Some(Local::Other(name.to_owned())))
    }
}

/// The scheduler's session for one query: Ballista's default session (its optimizer rules and
/// functions) with our runtime.
fn scheduler_session_builder(runtime_setup: RuntimeSetup) -> SessionBuilder {
    Arc::new(move |config: SessionConfig| {
        let runtime = runtime_setup(&config)?;
        let mut scalar = ballista_scalar_functions();
        scalar.extend(crate::query::functions::all().into_iter().map(Arc::new));
        Ok(SessionStateBuilder::new()
            .with_default_features()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_optimizer_rules(ballista_default_optimizer_rules())
            .with_scalar_functions(scalar)
            .with_aggregate_functions(ballista_aggregate_functions())
            .with_window_functions(ballista_window_functions())
            .build())
    })
}

/// Every function a default DataFusion session has, nested ones included, and our own
/// (`url_decode`, `json_build_object`): an executor decodes plans that call them.
fn function_registry() -> BallistaFunctionRegistry {
    let mut registry =
        BallistaFunctionRegistry::from(&SessionStateBuilder::new().with_default_features().build());
    for f in crate::query::functions::all() {
        registry
            .scalar_functions
            .insert(f.name().to_owned(), Arc::new(f));
    }
    registry
}

/// A Ballista error as ours: DataFusion's errors keep their type, the rest get `context`.
fn cluster_error(context: &str, e: BallistaError) -> Error {
    match e {
        BallistaError::DataFusionError(e) => Error::DataFusion(*e),
        other => Error::Usage(format!("{context}: {other}")),
    }
}

/// Parses the executor's bind host; takes it by value to put it in the error.
fn bind_ip(host: String) -> Result<IpAddr> {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    let parsed = if bare.eq_ignore_ascii_case("localhost") {
        Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
    } else {
        bare.parse::<IpAddr>().ok()
    };
    parsed.ok_or_else(move || {
        Error::Usage(format!(
            "the executor's bind host {host:?} is not an IP address: give one such as \
             0.0.0.0 (all interfaces) or 127.0.0.1"
        ))
    })
}

/// An IP as the host part of `host:port` (IPv6 in brackets).
fn host_literal(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

fn check_port_free(ip: IpAddr, port: u16, what: &str) -> Result<()> {
    if port == 0 {
        return Err(Error::Usage(format!(
            "the executor's {what} port must be a fixed port (the cluster connects to it), not 0"
        )));
    }
    let addr = SocketAddr::new(ip, port);
    std::net::TcpListener::bind(addr).map(drop).map_err(|e| {
        Error::Usage(format!(
            "cannot listen on {addr} for the executor's {what} port: {e} (pick another port)"
        ))
    })
}

/// Connects to `host:port` until it answers or `patience` has passed.
async fn wait_for_tcp(host: &str, port: u16, patience: Duration) -> std::io::Result<()> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let attempt =
            tokio::time::timeout(Duration::from_secs(2), TcpStream::connect((host, port))).await;
        let err = match attempt {
            Ok(Ok(_stream)) => return Ok(()),
            Ok(Err(e)) => e,
            Err(_) => std::io::Error::new(std::io::ErrorKind::TimedOut, "connection timed out"),
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(err);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// One `GET /readyz` (HTTP/1.1, served on the scheduler's gRPC port): whether it answered 200,
/// and its body (`ready: 1 executors registered`, `not ready: 0/1 executors registered`).
async fn readyz(host: &str, port: u16) -> std::io::Result<(bool, String)> {
    let limit = Duration::from_secs(2);
    let timed_out = || std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
    let mut stream = tokio::time::timeout(limit, TcpStream::connect((host, port)))
        .await
        .map_err(|_| timed_out())??;
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut response))
        .await
        .map_err(|_| timed_out())??;
    let text = String::from_utf8_lossy(&response);
    let ok = text.split_whitespace().nth(1) == Some("200");
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((ok, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::dataframe::DataFrameWriteOptions;
    use datafusion::datasource::MemTable;
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::{ListingOptions, ListingTableConfig, ListingTableUrl};
    use datafusion::execution::TaskContext;
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    use datafusion::physical_plan::SendableRecordBatchStream;
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    use datafusion::physical_plan::streaming::PartitionStream;
    use datafusion::prelude::ParquetReadOptions;

    #[derive(Debug)]
    struct NoRows(SchemaRef);

    impl PartitionStream for NoRows {
        fn schema(&self) -> &SchemaRef {
            &self.0
        }
        fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
            Box::pin(RecordBatchStreamAdapter::new(
                Arc::clone(&self.0),
                futures::stream::empty::<datafusion::error::Result<RecordBatch>>(),
            ))
        }
    }

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]))
    }

    #[test]
    fn reads_scheduler_addresses() -> Result<()> {
        let at = |h: &str, p: u16| (h.to_owned(), p);
        assert_eq!(
            parse_scheduler_url("df://10.0.0.5:7000")?,
            at("10.0.0.5", 7000)
        );
        assert_eq!(
            parse_scheduler_url("df://sched")?,
            at("sched", DEFAULT_SCHEDULER_PORT)
        );
        assert_eq!(parse_scheduler_url("df://[::1]:7000")?, at("::1", 7000));
        assert!(parse_scheduler_url("http://sched:7000").is_err());
        assert!(parse_scheduler_url("sched:7000").is_err());
        assert!(parse_scheduler_url("df://:7000").is_err());
        Ok(())
    }

    #[test]
    fn executor_bind_hosts_are_ips() -> Result<()> {
        assert_eq!(host_literal(bind_ip("0.0.0.0".into())?), "0.0.0.0");
        assert_eq!(host_literal(bind_ip("localhost".into())?), "127.0.0.1");
        assert_eq!(host_literal(bind_ip("[::]".into())?), "[::]");
        assert!(bind_ip("example.com".into()).is_err());
        Ok(())
    }

    #[tokio::test]
    async fn tells_listing_tables_from_local_ones() -> Result<()> {
        let ctx = SessionContext::new();
        let url = ListingTableUrl::parse("s3://bucket/archive/")?;
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(vec![("day".to_owned(), DataType::Utf8)]);
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(schema());
        ctx.register_table("archive", Arc::new(ListingTable::try_new(config)?))?;
        let view = ctx.table("archive").await?.into_view();
        check_table("view", &view)?;
        ctx.register_table("audit", view)?;
        let df = ctx
            .sql("SELECT day, count(*) FROM audit WHERE n > 1 GROUP BY day")
            .await?;
        check_distributable(df.logical_plan())?;

        ctx.register_table("mem", Arc::new(MemTable::try_new(schema(), vec![vec![]])?))?;
        let df = ctx
            .sql("SELECT * FROM audit WHERE n IN (SELECT n FROM mem)")
            .await?;
        let e = check_distributable(df.logical_plan())
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("mem")));

        let raw = StreamingTable::try_new(schema(), vec![Arc::new(NoRows(schema()))])?;
        ctx.register_table("raw_all", Arc::new(raw))?;
        let raw_view = ctx.table("raw_all").await?.into_view();
        let e = check_table("raw", &raw_view).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some(RAW_NOT_DISTRIBUTABLE));
        Ok(())
    }

    /// A temporary directory holding `t.parquet`, the rows of `query`.
    async fn parquet_dir(query: &str) -> Result<tempfile::TempDir> {
        let dir = tempfile::tempdir()?;
        SessionContext::new()
            .sql(query)
            .await?
            .write_parquet(
                &dir.path().join("t.parquet").to_string_lossy(),
                DataFrameWriteOptions::new(),
                None,
            )
            .await?;
        Ok(dir)
    }

    /// An in-process cluster (`standalone_with_state`) answers a grouped query over Parquet
    /// exactly as a plain local session does.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_standalone_cluster_matches_a_local_session() -> Result<()> {
        let dir =
            parquet_dir("SELECT v % 7 AS k, v AS n FROM generate_series(1, 5000) AS t(v)").await?;
        let path = format!("{}/", dir.path().display());
        let q = "SELECT k, count(*) AS c, sum(n) AS s FROM t GROUP BY k ORDER BY k";
        let local = SessionContext::new();
        local
            .register_parquet("t", &path, ParquetReadOptions::default())
            .await?;
        let want = local.sql(q).await?.collect().await?;
        let state = SessionStateBuilder::new().with_default_features().build();
        let ctx = standalone_context(state).await?;
        ctx.register_parquet("t", &path, ParquetReadOptions::default())
            .await?;
        let got = ctx.sql(q).await?.collect().await?;
        let fmt = |b: &[RecordBatch]| {
            datafusion::arrow::util::pretty::pretty_format_batches(b).map(|t| t.to_string())
        };
        assert_eq!(fmt(&got)?, fmt(&want)?);
        Ok(())
    }

    fn free_port() -> Result<u16> {
        Ok(std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port())
    }

    /// A runtime of its own, as `serve` runs a scheduler or an executor.
    fn own_runtime() -> Result<tokio::runtime::Runtime> {
        Ok(tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?)
    }

    /// A scheduler and an executor on free local ports, each on a thread and runtime of its
    /// own, and a client running SQL over a Parquet file through them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_local_cluster_runs_sql() -> Result<()> {
        let dir =
            parquet_dir("SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'a')) AS t(n, k)").await?;

        let (port, flight, grpc) = (free_port()?, free_port()?, free_port()?);
        let setup: RuntimeSetup =
            Arc::new(|_: &SessionConfig| RuntimeEnvBuilder::new().build_arc());
        let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let for_scheduler = Arc::clone(&setup);
        // The futures are made on their threads, so they need not be Send.
        std::thread::spawn(move || {
            own_runtime().and_then(|rt| rt.block_on(run_scheduler(bind, for_scheduler)))
        });
        std::thread::spawn(move || {
            own_runtime().and_then(|rt| {
                rt.block_on(run_executor(
                    ("127.0.0.1".to_owned(), port),
                    "127.0.0.1".to_owned(),
                    flight,
                    grpc,
                    2,
                    None,
                    setup,
                ))
            })
        });
        wait_until_ready("127.0.0.1", port, Duration::from_secs(30)).await?;

        let state = SessionStateBuilder::new().with_default_features().build();
        let ctx = remote_context(&format!("df://127.0.0.1:{port}"), state).await?;
        let path = format!("{}/", dir.path().display());
        ctx.register_parquet("t", &path, ParquetReadOptions::default())
            .await?;
        let df = ctx
            .sql("SELECT k, count(*) AS c FROM t GROUP BY k ORDER BY k")
            .await?;
        check_distributable(df.logical_plan())?;
        let rows: usize = df.collect().await?.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 2);
        Ok(())
    }
}
