//! The `hwcost` command line: parse arguments, run one command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A closed pipe on stdout (`hwcost formats --json | head`) ends the run quietly, as it
    // does for other Unix tools, instead of a panic in println!.
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any thread is started
    // that could be writing; no memory of ours is touched.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Interrupted runs leave no staged `.hwcost-*` files behind.
    #[cfg(unix)]
    if let Err(e) = hwcost::atomic::remove_temps_on_signals() {
        eprintln!("hwcost: warning: cannot watch for signals ({e}); an interrupted run may leave .hwcost-* files");
    }
    let cli = hwcost::cli::Cli::parse();
    match hwcost::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hwcost: error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once: a cause whose text an outer message
/// already quotes (errors that name their OS error) is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
    }
    msg
}
