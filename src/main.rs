//! The `tix` binary: parse, set up logging, run, and turn the outcome into an exit code.

use std::process::ExitCode;
use tix::cli::Io;

fn main() -> ExitCode {
    // `--help`, `--version` and usage errors return here, before any runtime exists.
    let cli = match tix::cli::parse() {
        Ok(cli) => cli,
        Err(e) => return usage(e),
    };
    let io = Io::system();
    tix::cli::logging::init(
        cli.global.verbose,
        tix::cli::logging::stderr_color(io.stderr_tty),
    );
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
    tix::cli::logging::finish();
    match outcome {
        None => ExitCode::from(130),
        Some(Ok(code)) => ExitCode::from(code),
        // `tix list | head` closes the pipe early; that is not a failure.
        Some(Err(e)) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Some(Err(e)) => {
            io.error(&e.to_string());
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
