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
    eprintln!("tix: {}", tix::output::sanitize::line(&line));
    ExitCode::from(2)
}
