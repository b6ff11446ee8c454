//! The command enum and its dispatch; each command's arguments live beside its code.

use clap::{Parser, Subcommand};

use crate::{cost, format};

#[derive(Parser, Debug)]
#[command(name = "hwcost", version, about = "Integer vs floating-point block-scaled formats: \
quantizer, generated MAC RTL, bit-exact verification and cost models")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the built-in and user-defined (models/formats/*.toml) block formats.
    Formats(format::FormatsArgs),
    /// Cost of a generated MAC unit: component breakdown of area and energy.
    Cost(cost::command::CostArgs),
}

/// Run one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Formats(a) => format::run_formats(&a),
        Command::Cost(a) => cost::command::run_cost(&a),
    }
}
