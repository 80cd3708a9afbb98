//! The `tix` binary: parse, set up logging, run, and turn the outcome into an exit code.

use clap::Parser;
use std::process::ExitCode;
use tix::cli::{Cli, Io};

fn main() -> ExitCode {
    // `--help`, `--version` and usage errors return here, before any runtime exists.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(e),
    };
    init_logging(cli.global.verbose);
    let io = Io::system();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tix: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    // Ctrl-C drops the command's future where it stands: an open SQLite transaction
    // rolls back, a temporary file is removed, nothing half-done is committed.
    let outcome = runtime.block_on(async {
        // The handler is in place before the command starts: a Ctrl-C at any moment is
        // seen (an `async` ctrl_c() would register only when first polled).
        let interrupted = match interrupt() {
            Ok(signal) => signal,
            Err(e) => return Err(tix::Error::Io(e)),
        };
        tokio::select! {
            biased;
            () = interrupted => Err(tix::Error::Interrupted),
            r = tix::cli::run(cli, io) => r,
        }
    });
    // A blocking task still running (a read of stdin, a DNS lookup) must not hold the
    // exit back: the process ends now, not when that task returns.
    runtime.shutdown_background();
    match &outcome {
        Err(e) if !e.is_broken_pipe() && !matches!(e, tix::Error::Interrupted) => {
            eprintln!("tix: {e}");
        }
        _ => {}
    }
    ExitCode::from(tix::error::exit_code(&outcome))
}

/// Resolves at the first SIGINT; registered when called, not when first polled.
#[cfg(unix)]
fn interrupt() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        signal.recv().await;
    })
}

#[cfg(not(unix))]
fn interrupt() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Help and version as clap prints them; a usage error as one line naming the flag
/// and, where clap knows them, the allowed values (exit 2).
fn usage(e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(e.exit_code() as u8);
    }
    let text = |k| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let flag = text(ContextKind::InvalidArg)
        .map(|a| a.split([' ', '=']).next().unwrap_or_default().to_owned());
    let valid = match e.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    let line = match (e.kind(), flag, text(ContextKind::InvalidValue), valid) {
        (ErrorKind::InvalidValue, Some(flag), Some(value), Some(valid)) => {
            format!("invalid value '{value}' for {flag}: one of: {valid}")
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid usage");
            format!("{} (see tix --help)", first.trim_start_matches("error: "))
        }
    };
    eprintln!("tix: {line}");
    ExitCode::from(2)
}

/// Logs go to stderr, never stdout; warnings by default, `-v` info, `-vv` debug,
/// `RUST_LOG` over both. Secrets never reach a log line: headers are not logged and
/// URLs are redacted where they are.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "tix=info,warn",
        _ => "tix=debug,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
