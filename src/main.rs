//! The `tix` binary: parse, set up logging, run, and turn the outcome into an exit code.

use std::process::ExitCode;
use tix::cli::Io;

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    one_malloc_arena();
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
    tix::cli::logging::finish();
    match &outcome {
        Err(e) if !e.is_broken_pipe() && !matches!(e, tix::Error::Interrupted) => {
            io.error(&e.to_string());
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

/// Help, version and usage errors exactly as clap renders them: the whole message with
/// its "did you mean" tip and the usage line, on stderr for errors (exit 2).
fn usage(e: clap::Error) -> ExitCode {
    let _ = e.print();
    ExitCode::from(e.exit_code() as u8)
}

/// One malloc arena for all threads (issue 18). A listing's pages are decoded on the
/// runtime's workers and their tickets freed on the main thread; with glibc's arena per
/// thread, each arena kept freed memory of its own and peak RSS grew with the listing's
/// length (about 36 MB at a million Sonar tickets, 31 MB with one arena: bench/pull.sh),
/// while the instructions spent do not grow (bench/instructions.sh).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    // SAFETY: mallopt only sets one of glibc's allocator tunables; called first thing in
    // main, before any other thread exists. Its answer (0 = not applied) changes nothing
    // tix does.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
