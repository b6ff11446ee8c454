//! `hwcost rtl`: the command-line face of the generator (the lead wires [`RtlArgs`] into
//! the `Command` enum and calls [`run_rtl`]).

use std::path::PathBuf;

use super::mixed::{emit_mixed, MixedPlan, Reuse};
use super::{emit_unit, PsumWidth, UnitParams};
use crate::datapath::mixed::MixedFormat;
use crate::export::ports::{mixed_ports, unit_ports};
use crate::export::rtl::write_companions;
use crate::export::testbench::{
    mixed_vectors, testbench, unit_vectors, vectors_hex, Vectors, DEFAULT_SEED, DEFAULT_VECTORS,
};
use crate::export::write;
use crate::format::lookup;

/// Generate a block dot-product MAC unit: Verilog, JSON description, Yosys scripts and a
/// Verilator harness.
#[derive(clap::Args, Debug, Clone)]
pub struct RtlArgs {
    /// Block format: a built-in name (mxfp8, mxint8, nvfp4, ...), a user format, or a mixed
    /// unit WIDE+NARROW (mxint8+nvint4, mxfp8+nvfp4) with a `mode` input
    pub format: String,
    /// Lanes k, a power of two from 1 to 64 [default: the format's block size, or for blocks over 64 or not a power of two the largest power of two up to 64 dividing it]
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Partial-sum (aligner window) width n in bits (2y+2 up to the widest built; not wired widths
    /// need the csa tree), or `exact` [default: min(2^(x+1)+2y, 24)]
    #[arg(long)]
    pub psum_width: Option<PsumWidth>,
    /// Extra pipeline register stages S before the accumulator (0 to 8) [default: 0, or with
    /// a target clock the fewest that meet it]
    #[arg(long, value_parser = crate::args::pipeline::<usize>)]
    pub pipeline: Option<usize>,
    /// Target clock: the SDC constrains the unit to it and, unless --pipeline fixes S, the
    /// depth is the fewest stages whose netlist, synthesized toward the clock with Yosys,
    /// OpenSTA times with slack >= 0 (the `hwcost synth --clock-mhz` search, cached)
    #[command(flatten)]
    pub clock: crate::synth::clock::ClockArgs,
    #[command(flatten)]
    pub arch: super::Arch,
    /// Output directory (created if missing)
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Also write <name>.liberty.ys, mapping to this Liberty (.lib) file
    #[arg(long)]
    pub liberty: Option<PathBuf>,
    /// Mixed units only: the study's reuse scheme, or separate 8-bit and 4-bit datapaths
    #[arg(long, value_enum, default_value_t = Reuse::Scheme)]
    pub reuse: Reuse,
    /// Valid blocks (mixed units: cycles) in the self-checking testbench's vectors
    /// (`<name>.vectors.hex`), with resets, clears and in_valid gaps
    #[arg(long, default_value_t = DEFAULT_VECTORS, value_parser = crate::args::count::<{ crate::args::MAX_SAMPLES }>)]
    pub vectors: usize,
    /// Seed of the testbench vectors (decimal or 0x hex), recorded in the vectors file
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = crate::sim::verify::parse_seed)]
    pub seed: u64,
}

/// Run `hwcost rtl`: print the files written.
pub fn run_rtl(args: &RtlArgs) -> anyhow::Result<()> {
    if args.format.contains('+') {
        return run_mixed(args);
    }
    let format = lookup(&args.format)?;
    let mut params = UnitParams {
        lanes: args.lanes,
        psum_width: args.psum_width.unwrap_or_default(),
        pipeline: args.pipeline.unwrap_or(0),
        arch: args.arch,
    };
    super::UnitPlan::new(&format, &params)?;
    let target = args.clock.target();
    if let (Some(t), None) = (target, args.pipeline) {
        params.pipeline = depth_for(&format, &params, t, args.liberty.as_deref())?;
    }
    let period_ns = target.map_or(crate::export::rtl::CLOCK_NS, |t| t.period_ns);
    let plan = super::UnitPlan::new(&format, &params)?;
    let p = crate::sim::verify::unit_params(&plan)?;
    let vectors = unit_vectors(&format, &p, args.seed, args.vectors)?;
    let ports = unit_ports(&plan, &vectors.layout, args.seed);
    let mut emitted = emit_unit(&format, &params, &args.out, args.liberty.as_deref())?;
    let companions =
        write_companions(&emitted.name, &args.out, args.liberty.as_deref(), period_ns)?;
    emitted.files.extend(companions);
    emitted
        .files
        .extend(write_checking(&emitted.name, &args.out, &vectors, &ports)?);
    println!("{}", emitted.name);
    for f in &emitted.files {
        println!("  {}", f.display());
    }
    Ok(())
}

/// The fewest pipeline stages at which `format`'s unit meets `target`: the depth search of
/// `hwcost synth --clock-mhz` (Yosys toward the clock, OpenSTA on the flattened netlist, runs
/// cached), against `liberty` or the shipped sky130 library; an error names the best fmax
/// when no depth up to [`super::MAX_PIPELINE`] meets it.
fn depth_for(
    format: &crate::format::BlockFormat,
    params: &UnitParams,
    target: crate::synth::clock::ClockTarget,
    liberty: Option<&std::path::Path>,
) -> anyhow::Result<usize> {
    use crate::synth::clock::ProbeEnv;
    let lib = match liberty {
        Some(p) => crate::synth::liberty::Library::load(p)?,
        None => crate::synth::synth_command::load_pdk()?.1,
    };
    let tools = crate::synth::tools::Toolchain::from_env();
    let cache = crate::synth::unit_synth::default_cache_dir();
    let env = ProbeEnv {
        lib: &lib,
        tools: &tools,
        cache_dir: &cache,
        engine: Default::default(),
    };
    crate::synth::clock::depth_meeting(
        format,
        params,
        target,
        &env,
        "; give a lower --clock-mhz, or --pipeline S for a unit constrained to the clock anyway",
    )
}

/// `hwcost rtl WIDE+NARROW`: a mixed unit. Its psum widths are fixed (the 8-bit format's
/// default, the 4-bit format's exact width), so `--psum-width` is refused.
fn run_mixed(args: &RtlArgs) -> anyhow::Result<()> {
    let format = MixedFormat::parse(&args.format)?;
    if let Some(w) = args.psum_width {
        anyhow::bail!("--psum-width {w}: a mixed unit's psum widths are fixed (the 8-bit format's default, the 4-bit format's exact width)");
    }
    if args.clock.target().is_some() && args.pipeline.is_none() {
        anyhow::bail!("a mixed unit's depth is not searched: give --pipeline S with --clock-mhz");
    }
    let plan = MixedPlan::new(&format, args.reuse, args.lanes, args.pipeline.unwrap_or(0))?
        .with_arch(args.arch.multiplier, args.arch.reduction)?;
    let vectors = mixed_vectors(&plan, args.seed, args.vectors);
    let ports = mixed_ports(&plan, &vectors.layout, args.seed);
    let mut emitted = emit_mixed(&plan, &args.out, args.liberty.as_deref())?;
    let period_ns = args
        .clock
        .target()
        .map_or(crate::export::rtl::CLOCK_NS, |t| t.period_ns);
    let companions =
        write_companions(&emitted.name, &args.out, args.liberty.as_deref(), period_ns)?;
    emitted.files.extend(companions);
    emitted
        .files
        .extend(write_checking(&emitted.name, &args.out, &vectors, &ports)?);
    println!("{}", emitted.name);
    for f in &emitted.files {
        println!("  {}", f.display());
    }
    Ok(())
}

/// Write the testbench, its vectors and the port map of unit `name`; the paths written.
fn write_checking(
    name: &str,
    dir: &std::path::Path,
    vectors: &Vectors,
    ports: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    Ok(vec![
        write(dir, &format!("{name}_tb.v"), &testbench(name, vectors))?,
        write(
            dir,
            &format!("{name}.vectors.hex"),
            &vectors_hex(name, vectors),
        )?,
        write(dir, &format!("{name}.ports.json"), ports)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        rtl: RtlArgs,
    }

    #[test]
    fn arguments_parse_and_the_command_writes_the_unit() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let cli = Cli::try_parse_from([
            "rtl",
            "MXINT4",
            "--lanes",
            "4",
            "--psum-width",
            "exact",
            "--pipeline",
            "1",
            "-o",
            out.to_str().unwrap(),
        ])
        .unwrap();
        assert_eq!(cli.rtl.psum_width, Some(PsumWidth::Exact));
        run_rtl(&cli.rtl).unwrap();
        assert!(out.join("mxint4_mac_k4_n8_p1_array_csa.v").exists());
        let sdc = |dir: &std::path::Path| {
            std::fs::read_to_string(dir.join("mxint4_mac_k4_n8_p1_array_csa.sdc")).unwrap()
        };
        assert!(sdc(&out).contains("-period 10 "), "{}", sdc(&out));
        // a fixed depth with a target clock: no search, the SDC at the clock
        let clocked = tmp.path().join("clocked");
        let cli = Cli::try_parse_from([
            "rtl",
            "mxint4",
            "--lanes",
            "4",
            "--psum-width",
            "exact",
            "--pipeline",
            "1",
            "--clock-mhz",
            "250",
            "-o",
            clocked.to_str().unwrap(),
        ])
        .unwrap();
        run_rtl(&cli.rtl).unwrap();
        assert!(sdc(&clocked).contains("-period 4 "), "{}", sdc(&clocked));
        let both = Cli::try_parse_from([
            "rtl",
            "mxfp8",
            "--clock-mhz",
            "1",
            "--period-ns",
            "2",
            "-o",
            "x",
        ]);
        assert!(both.is_err());
        let bad = Cli::try_parse_from(["rtl", "mxfp8", "--psum-width", "wide", "-o", "x"]);
        assert!(bad.err().unwrap().to_string().contains("'wide'"));
        let cli = Cli::try_parse_from(["rtl", "mxfp9", "-o", out.to_str().unwrap()]).unwrap();
        assert!(run_rtl(&cli.rtl).unwrap_err().to_string().contains("mxfp8"));
    }
}
