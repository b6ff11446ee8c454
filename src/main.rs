//! The `hwcost` command line: parse arguments, run one command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
