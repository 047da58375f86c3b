//! The `audithound` binary: parse arguments, run, print the error's cause chain, exit.
//! Exit codes: 0 the run completed, 1 alerts found with `--fail-on-alerts`, 2 error.

use std::process::ExitCode;

use clap::Parser;

fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return true;
        }
        if err.to_string().contains("Broken pipe") {
            return true;
        }
        cur = err.source();
    }
    false
}

fn main() -> ExitCode {
    let cli = audithound::cli::Cli::parse();
    match audithound::cli::run(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS, // `| head` closed the pipe: quietly done
        Err(e) => {
            eprintln!("error: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
            ExitCode::from(2)
        }
    }
}
