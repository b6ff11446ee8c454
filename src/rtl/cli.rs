//! `hwcost rtl`: the command-line face of the generator (the lead wires [`RtlArgs`] into
//! the `Command` enum and calls [`run_rtl`]).

use std::path::PathBuf;

use super::{emit_unit, PsumWidth, UnitParams};
use crate::format::lookup;

/// Generate a block dot-product MAC unit: Verilog, JSON description, Yosys scripts and a
/// Verilator harness.
#[derive(clap::Args, Debug, Clone)]
pub struct RtlArgs {
    /// Block format: a built-in name (mxfp8, mxint8, nvfp4, ...) or a user format
    pub format: String,
    /// Lanes k, a power of two from 1 to 64 [default: the format's block size]
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Partial-sum (aligner window) width n in bits, or `exact` [default: min(2^(x+1)+2y, 24)]
    #[arg(long)]
    pub psum_width: Option<PsumWidth>,
    /// Extra pipeline register stages S before the accumulator (0 to 4)
    #[arg(long, default_value_t = 0)]
    pub pipeline: usize,
    /// Output directory (created if missing)
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Also write <name>.liberty.ys, mapping to this Liberty (.lib) file
    #[arg(long)]
    pub liberty: Option<PathBuf>,
}

/// Run `hwcost rtl`: print the files written.
pub fn run_rtl(args: &RtlArgs) -> anyhow::Result<()> {
    let format = lookup(&args.format)?;
    let params = UnitParams { lanes: args.lanes, psum_width: args.psum_width.unwrap_or_default(), pipeline: args.pipeline };
    let emitted = emit_unit(&format, &params, &args.out, args.liberty.as_deref())?;
    println!("{}", emitted.name);
    for f in &emitted.files {
        println!("  {}", f.display());
    }
    Ok(())
}
