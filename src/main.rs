//! The `hwcost` command line: parse arguments, run one command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = hwcost::cli::Cli::parse();
    match hwcost::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hwcost: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
