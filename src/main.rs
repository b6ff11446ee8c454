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
            eprintln!("hwcost: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
