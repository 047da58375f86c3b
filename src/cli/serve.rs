//! `audithound serve scheduler` and `audithound serve executor`: a Ballista cluster from this
//! same binary, so every node runs the same DataFusion build and reads the same object stores
//! (credentials from each node's environment, `--endpoint`/`--region` as everywhere).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::SessionConfig;

use crate::cluster::{self, DEFAULT_FLIGHT_PORT, DEFAULT_GRPC_PORT, RuntimeSetup};
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// A Ballista scheduler: clients send queries to it (--scheduler df://HOST:PORT), executors
    /// poll it for tasks.
    Scheduler(SchedulerArgs),
    /// A Ballista executor: runs the tasks of the scheduler it registers with.
    Executor(ExecutorArgs),
}

#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Address to listen on (clients and executors connect here).
    #[arg(long, default_value = "127.0.0.1:50050", value_name = "HOST:PORT")]
    pub bind: SocketAddr,
}

#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// The scheduler to register with.
    #[arg(long, value_name = "HOST:PORT")]
    pub scheduler: String,
    /// Address of this executor's Arrow Flight port (the scheduler and other executors fetch
    /// results and shuffle data from it); an IP address.
    #[arg(long, default_value_t = format!("127.0.0.1:{DEFAULT_FLIGHT_PORT}"), value_name = "HOST:PORT")]
    pub bind: String,
    /// The gRPC port reported to the scheduler (listened on only with push scheduling).
    #[arg(long, default_value_t = DEFAULT_GRPC_PORT)]
    pub grpc_port: u16,
    /// Tasks run at once (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub concurrency: usize,
    /// Directory for shuffle files (default: a temporary directory removed on exit).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

/// Every node's sessions: the shared store registry (s3://, az://, gs:// opened on first use).
fn runtime_setup() -> RuntimeSetup {
    let registry = crate::store::registry();
    Arc::new(move |_: &SessionConfig| {
        RuntimeEnvBuilder::new()
            .with_object_store_registry(Arc::clone(&registry) as _)
            .build_arc()
    })
}

fn split_host_port(s: &str, what: &str) -> Result<(String, u16)> {
    let (host, port) = s.rsplit_once(':').ok_or_else(|| {
        Error::Usage(format!(
            "{what} {s:?}: write HOST:PORT, e.g. 127.0.0.1:50050"
        ))
    })?;
    let port = port
        .parse::<u16>()
        .map_err(|_| Error::Usage(format!("{what} {s:?}: {port:?} is not a port number")))?;
    Ok((
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port,
    ))
}

pub async fn run(c: ServeCommand) -> Result<()> {
    match c {
        ServeCommand::Scheduler(a) => {
            eprintln!(
                "Ballista scheduler listening on {} (stop with Ctrl-C)",
                a.bind
            );
            cluster::run_scheduler(a.bind, runtime_setup()).await
        }
        ServeCommand::Executor(a) => {
            let sched = split_host_port(a.scheduler.trim_start_matches("df://"), "--scheduler")?;
            let (host, port) = split_host_port(&a.bind, "--bind")?;
            eprintln!(
                "Ballista executor on {host}:{port}, registering with {}:{} (stop with Ctrl-C)",
                sched.0, sched.1
            );
            cluster::run_executor(
                sched,
                host,
                port,
                a.grpc_port,
                a.concurrency,
                a.work_dir,
                runtime_setup(),
            )
            .await
        }
    }
}
