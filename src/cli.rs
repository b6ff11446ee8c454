//! The command enum and its dispatch; each command's arguments live beside its code.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::{arch, cost, export, format, report, rtl, sim, synth};

#[derive(Parser, Debug)]
#[command(
    name = "hwcost",
    version,
    about = "Integer vs floating-point block-scaled formats: \
quantizer, generated MAC RTL, bit-exact verification and cost models"
)]
pub struct Cli {
    /// No progress bars (they are drawn only when stderr is a terminal anyway).
    #[arg(long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the built-in and user-defined (models/formats/*.toml) block formats.
    Formats(format::FormatsArgs),
    /// Quantize a float32 .npy tensor to a block format; print the QSNR.
    Quantize(format::quantize::cli::QuantizeArgs),
    /// Generate a MAC unit as Verilog (with JSON metadata, Yosys script, Verilator harness).
    Rtl(rtl::RtlArgs),
    /// Verify a generated MAC unit bit for bit against the software model (rust-hdl, Verilator, Icarus).
    Verify(sim::verify::VerifyArgs),
    /// Cost of a generated MAC unit: component breakdown of area and energy.
    Cost(cost::command::CostArgs),
    /// Synthesize generated units onto sky130 (area by component, energy, timing, registers).
    Synth(synth::synth_command::SynthArgs),
    /// Fit the calibrated cost model to the shipped synthesized results (reports/calibration.json).
    Calibrate(cost::calibrate::CalibrateArgs),
    /// Theoretical QSNR over a crest-factor range, INT/FP crossovers, and measured QSNR.
    Qsnr(format::qsnr::QsnrArgs),
    /// Compare formats: QSNR, area, energy, fmax, latency, bits per element, ratios, the study's figures.
    Compare(report::CompareArgs),
    /// Draw a chart (stacked cost bars, QSNR vs energy, QSNR vs crest factor) as SVG or PNG.
    Plot(report::PlotArgs),
    /// Regenerate every report and chart into a directory, with a README index.
    Report(report::ReportArgs),
    /// Cycle-level model of a GEMM on an array of generated units.
    Gemm(arch::gemm::GemmArgs),
    /// Design-space sweep over formats and unit parameters, with the Pareto front, to CSV.
    Sweep(arch::sweep::SweepArgs),
    /// Run a benchmark and write its report (reports/bench-NAME.md).
    Bench(BenchArgs),
    /// Synthesize mixed 8-bit + 4-bit units (mxint8+nvint4, mxfp8+nvfp4): area, energy per mode.
    SynthMixed(synth::mixed::MixedSynthArgs),
    /// Write units for Accelergy (ERT/ART tables), Timeloop (v4 architecture) or SCALE-Sim (.cfg).
    Export(export::ExportArgs),
}

/// `hwcost bench NAME [-o DIR]`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Which benchmark to run.
    pub which: BenchKind,
    /// Directory the report is written to.
    #[arg(short, long, default_value = "reports")]
    pub out: PathBuf,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum BenchKind {
    /// Quantizer throughput (M elements/s, single thread) next to a plain copy.
    Quantize,
    /// `hwcost quantize` end to end on a 64 M-element .npy against NumPy load + save, and its
    /// peak memory on a 1 GiB .npy.
    QuantizeIo,
    /// Analytic design points per second per core.
    Sweep,
    /// Verification backends (rust-hdl, Verilator, Icarus): blocks/s for mxint8 and mxfp8 at k = 32.
    Verify,
}

/// The folder `bench -o DIR` writes into, created before any measurement; an existing file
/// there is refused (the report is `DIR/bench-<name>.md`, never DIR itself).
fn bench_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "bench -o {}: not a folder (the report is written into it as bench-<name>.md)",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("bench -o {}: cannot create the folder: {e}", dir.display()))
}

/// Run one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    crate::progress::set_quiet(cli.quiet);
    match cli.command {
        Command::Formats(a) => format::run_formats(&a),
        Command::Quantize(a) => format::quantize::cli::run_quantize(&a),
        Command::Rtl(a) => rtl::run_rtl(&a),
        Command::Verify(a) => sim::verify::run_verify(&a),
        Command::Cost(a) => cost::command::run_cost(&a),
        Command::Synth(a) => synth::synth_command::run_synth(&a),
        Command::Calibrate(a) => cost::calibrate::run_calibrate(&a),
        Command::Qsnr(a) => format::qsnr::run_qsnr(&a),
        Command::Compare(a) => report::run_compare(&a),
        Command::Plot(a) => report::run_plot(&a),
        Command::Report(a) => report::run_report(&a),
        Command::Gemm(a) => arch::gemm::run_gemm(&a),
        Command::Sweep(a) => arch::sweep::run_sweep(&a, report::sweep_chart::draw),
        Command::SynthMixed(a) => synth::mixed::run_mixed_synth(&a),
        Command::Export(a) => export::run_export(&a),
        Command::Bench(a) => {
            bench_dir(&a.out)?;
            match a.which {
                BenchKind::Quantize => {
                    format::quantize::bench::run_bench_quantize(&a.out.join("bench-quantize.md"))
                }
                BenchKind::QuantizeIo => format::quantize::bench_io::run_bench_quantize_io(&a.out),
                BenchKind::Sweep => arch::sweep::run_bench_sweep(&a.out),
                BenchKind::Verify => sim::bench::run_bench_verify(&a.out),
            }
        }
    }
}
