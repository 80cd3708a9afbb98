//! The `tix` binary: parse, set up logging, run, and turn the outcome into an exit code.

use std::process::ExitCode;
use tix::cli::Io;

fn main() -> ExitCode {
    // `--help`, `--version` and usage errors return here, before any runtime exists.
    let cli = match tix::cli::parse() {
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
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = tix::cli::run(cli, io) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        None => ExitCode::from(130),
        Some(Ok(code)) => ExitCode::from(code),
        // `tix list | head` closes the pipe early; that is not a failure.
        Some(Err(e)) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Some(Err(e)) => {
            eprintln!("tix: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Help, version and usage errors exactly as clap renders them: the whole message with
/// its "did you mean" tip and the usage line, on stderr for errors (exit 2).
fn usage(e: clap::Error) -> ExitCode {
    let _ = e.print();
    ExitCode::from(e.exit_code() as u8)
}

/// Logs go to stderr, never stdout; warnings by default, `-v` info, `-vv` debug,
/// `RUST_LOG` over both. Secrets never reach a log line: headers are not logged and
/// URLs are redacted where they are.
fn init_logging(verbose: u8) {
    // rustls-platform-verifier logs every refused certificate as an ERROR; tix prints
    // that refusal itself, once, in plain words with its fix (http::tls_errors).
    let default = match verbose {
        0 => "warn,rustls_platform_verifier=off",
        1 => "tix=info,warn,rustls_platform_verifier=off",
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
