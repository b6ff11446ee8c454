//! `hwcost verify`: one unit's vector suite through the chosen backends (rust-hdl stepped
//! directly, Verilator, Icarus), every output compared with `emulate` bit for bit; blocks/s
//! per backend, the seed, and the first mismatches in hex.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::backends::{
    self, Backend, BackendKind, Built, Icarus, RustHdl, SimError, Verilator, VerilatorBuild,
};
use super::vectors::{compare, suite_plan, Mismatch, StreamSpec, SuiteSize, PAIR_SWEEP_BLOCKS};
use crate::datapath::mixed::MixedFormat;
use crate::datapath::{UnitError, UnitParams};
use crate::format::{lookup, BlockFormat};
use crate::rtl::mixed::{MixedPlan, Reuse};
use crate::rtl::{self, PsumWidth, RtlError, UnitPlan};
use crate::sim::mixed::{build_mixed, check_mixed, mixed_suite};

/// Why a verification could not run (mismatches are results, see [`VerifyReport`]).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Rtl(#[from] RtlError),
    #[error(transparent)]
    Unit(#[from] UnitError),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Which backends run the vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    Rusthdl,
    Verilator,
    Icarus,
    /// rust-hdl, Verilator and Icarus, in that order.
    All,
}

impl BackendChoice {
    pub fn kinds(self) -> Vec<BackendKind> {
        match self {
            BackendChoice::Rusthdl => vec![BackendKind::Rusthdl],
            BackendChoice::Verilator => vec![BackendKind::Verilator],
            BackendChoice::Icarus => vec![BackendKind::Icarus],
            BackendChoice::All => BackendKind::ALL.to_vec(),
        }
    }
}

/// Verify a generated MAC unit bit for bit against the software model on rust-hdl,
/// Verilator and Icarus.
#[derive(clap::Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Block format: a built-in name (mxfp8, mxint8, nvfp4, ...), a user format, or a mixed
    /// unit (mxint8+nvint4, mxfp8+nvfp4), verified in both modes
    pub format: String,
    /// Lanes k, a power of two from 1 to 64 [default: the format's block size, or for blocks over 64 or not a power of two the largest power of two up to 64 dividing it]
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Partial-sum (aligner window) width n in bits (2y+2 up to the widest built; not wired widths
    /// need the csa tree), or `exact` [default: min(2^(x+1)+2y, 24)]
    #[arg(long)]
    pub psum_width: Option<PsumWidth>,
    /// Extra pipeline register stages S before the accumulator (0 to 8)
    #[arg(long, default_value_t = 0, value_parser = crate::args::pipeline::<usize>)]
    pub pipeline: usize,
    #[command(flatten)]
    pub arch: crate::rtl::Arch,
    /// Backends that run the vectors
    #[arg(long, value_enum, default_value = "all")]
    pub backend: BackendChoice,
    /// Random blocks; each other stream kind (accumulation runs, NaN and extreme scales,
    /// in_valid gaps, quantized data) gets an eighth of this, at least 64 (mixed units:
    /// random cycles, and a quarter of this each of accumulation runs and spread scales)
    #[arg(long, default_value_t = 10_000, value_parser = crate::args::count::<{ crate::args::MAX_SAMPLES }>)]
    pub vectors: usize,
    /// Seed of every stream (decimal or 0x hex) [default: a random one, printed]
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Also sweep every element-code pair (65,536 blocks; elements of 8 bits or fewer)
    #[arg(long)]
    pub exhaustive: bool,
    /// Directory for the Verilator and Icarus builds; Verilator builds found there are
    /// reused [default: a temporary directory, removed afterwards]
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// g++ optimization level of the Verilator model (0 to 3)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub cxx_opt: u8,
    /// Parallel compile jobs of the Verilator build
    #[arg(long, default_value_t = 2)]
    pub build_jobs: usize,
    /// Mismatching cycles shown per backend
    #[arg(long, default_value_t = 10)]
    pub show: usize,
    /// Mixed units only: the study's reuse scheme, or separate 8-bit and 4-bit datapaths
    #[arg(long, value_enum, default_value_t = Reuse::Scheme)]
    pub reuse: Reuse,
}

/// A seed in decimal or `0x` hex.
pub fn parse_seed(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => t.replace('_', "").parse(),
    };
    parsed.map_err(|_| format!("expected a seed (decimal or 0x hex), got '{s}'"))
}

/// Everything a verification run needs besides the unit.
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    pub backends: Vec<BackendKind>,
    pub size: SuiteSize,
    pub seed: u64,
    /// Verilator builds go to `work_dir/verilator` (a build cache), Icarus to
    /// `work_dir/icarus`.
    pub work_dir: PathBuf,
    pub verilator: VerilatorBuild,
    /// Mismatching cycles kept per stream and backend.
    pub keep: usize,
    /// Show a progress bar on stderr (drawn only when stderr is a terminal).
    pub progress: bool,
}

/// The mismatches of one stream on one backend.
#[derive(Clone, Debug)]
pub struct StreamMismatches {
    pub stream: String,
    pub seed: u64,
    /// Every mismatching cycle of the stream.
    pub count: usize,
    /// The first of them (at most `VerifyConfig::keep`).
    pub first: Vec<Mismatch>,
}

/// One backend's run over the whole suite.
#[derive(Clone, Debug)]
pub struct BackendResult {
    pub kind: BackendKind,
    /// None for rust-hdl (built in process).
    pub built: Option<Built>,
    pub build_s: f64,
    /// Valid blocks presented.
    pub blocks: usize,
    pub cycles: usize,
    /// Seconds spent running the backend (input encoding, simulation, output decoding).
    pub run_s: f64,
    pub mismatches: Vec<StreamMismatches>,
}

impl BackendResult {
    pub fn blocks_per_s(&self) -> f64 {
        self.blocks as f64 / self.run_s.max(1e-9)
    }

    /// Mismatching cycles over every stream.
    pub fn mismatch_count(&self) -> usize {
        self.mismatches.iter().map(|m| m.count).sum()
    }
}

/// The outcome of [`verify_unit`].
#[derive(Clone, Debug)]
pub struct VerifyReport {
    pub unit: String,
    pub seed: u64,
    pub streams: Vec<StreamSpec>,
    pub backends: Vec<BackendResult>,
}

impl VerifyReport {
    pub fn mismatch_count(&self) -> usize {
        self.backends
            .iter()
            .map(BackendResult::mismatch_count)
            .sum()
    }
}

/// The emulate-side parameters of a validated unit plan (INT plans carry their exact width).
pub fn unit_params(plan: &UnitPlan) -> Result<UnitParams, UnitError> {
    let mut p = UnitParams::new(
        &plan.format,
        plan.lanes,
        plan.psum_width,
        plan.pipeline as u32,
    )?;
    p.arch = plan.arch();
    Ok(p)
}

/// Run the suite of `cfg.size` for the unit `fmt`/`p` on every backend of `cfg`.
///
/// Each stream is generated once (with its expected outputs) and run on every backend in
/// turn, then dropped, so memory stays bounded by one stream; each backend's time is its
/// own runs only. A tool that is missing or fails is an error; mismatches are data.
pub fn verify_unit(
    fmt: &BlockFormat,
    p: &UnitParams,
    cfg: &VerifyConfig,
) -> Result<VerifyReport, VerifyError> {
    let plan = UnitPlan::new(fmt, &backends::rtl_params(p))?;
    let streams = suite_plan(fmt, cfg.seed, &cfg.size);
    let total_blocks: usize = streams.iter().map(|s| s.block_count(fmt, p.lanes)).sum();
    let bar = progress_bar(cfg.progress, (total_blocks * cfg.backends.len()) as u64);

    let mut running: Vec<(Box<dyn Backend>, BackendResult)> = Vec::new();
    for &kind in &cfg.backends {
        bar.set_message(format!("building {} for {}", kind.name(), plan.name));
        let start = Instant::now();
        let (backend, built): (Box<dyn Backend>, Option<Built>) = match kind {
            BackendKind::Rusthdl => (Box::new(RustHdl::new(fmt, p)?), None),
            BackendKind::Verilator => {
                let (v, built) =
                    Verilator::cached(fmt, p, &cfg.work_dir.join("verilator"), &cfg.verilator)?;
                (Box::new(v), Some(built))
            }
            BackendKind::Icarus => (
                Box::new(Icarus::new(fmt, p, &cfg.work_dir.join("icarus"))?),
                Some(Built::Fresh),
            ),
        };
        let result = BackendResult {
            kind,
            built,
            build_s: start.elapsed().as_secs_f64(),
            blocks: 0,
            cycles: 0,
            run_s: 0.0,
            mismatches: Vec::new(),
        };
        running.push((backend, result));
    }

    for spec in &streams {
        bar.set_message(format!("generating {}", spec.name));
        let stream = spec.generate(fmt, p).map_err(SimError::from)?;
        let blocks = stream
            .cycles
            .iter()
            .filter(|c| c.in_valid && !c.rst)
            .count();
        for (backend, result) in running.iter_mut() {
            bar.set_message(format!("{} on {}", spec.name, result.kind.name()));
            let start = Instant::now();
            let got = backend.run(&stream.cycles)?;
            result.run_s += start.elapsed().as_secs_f64();
            let m = compare(&stream.expected, &got);
            result.blocks += blocks;
            result.cycles += stream.cycles.len();
            if !m.is_empty() {
                result.mismatches.push(StreamMismatches {
                    stream: stream.name.clone(),
                    seed: stream.seed,
                    count: m.len(),
                    first: m.into_iter().take(cfg.keep).collect(),
                });
            }
            bar.inc(blocks as u64);
        }
    }
    bar.finish_and_clear();
    Ok(VerifyReport {
        unit: plan.name,
        seed: cfg.seed,
        streams,
        backends: running.into_iter().map(|(_, r)| r).collect(),
    })
}

fn progress_bar(show: bool, total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if !show || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {human_pos}/{human_len} blocks, {eta} left: {msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// A number with thousands separators.
fn grouped(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The human-readable report: unit, seed, suite, one line per backend, first mismatches.
pub fn render(fmt: &BlockFormat, p: &UnitParams, report: &VerifyReport, show: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "unit {}: {}, {} lanes, psum width {}, pipeline {} (latency {} cycle(s))",
        report.unit,
        fmt.name,
        p.lanes,
        p.psum_width,
        p.pipeline,
        p.latency()
    );
    let _ = writeln!(
        s,
        "seed {:#x} (rerun with --seed {:#x})",
        report.seed, report.seed
    );
    let kinds: Vec<String> = report
        .streams
        .iter()
        .map(|st| {
            format!(
                "{} {}",
                st.name.trim_start_matches(&format!("{}-", fmt.name)),
                grouped(st.block_count(fmt, p.lanes))
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "streams ({} blocks each backend): {}",
        grouped(
            report
                .streams
                .iter()
                .map(|st| st.block_count(fmt, p.lanes))
                .sum()
        ),
        kinds.join(", ")
    );
    let _ = writeln!(
        s,
        "{:<10} {:>16} {:>12} {:>12} {:>9} {:>12} {:>11}",
        "backend", "build", "blocks", "cycles", "run s", "blocks/s", "mismatches"
    );
    for b in &report.backends {
        let build = match b.built {
            None => "in process".to_string(),
            Some(Built::Cached) => format!("{:.1} s cached", b.build_s),
            Some(Built::Fresh) => format!("{:.1} s", b.build_s),
        };
        let _ = writeln!(
            s,
            "{:<10} {:>16} {:>12} {:>12} {:>9.2} {:>12} {:>11}",
            b.kind.name(),
            build,
            grouped(b.blocks),
            grouped(b.cycles),
            b.run_s,
            grouped(b.blocks_per_s().round() as usize),
            grouped(b.mismatch_count())
        );
    }
    for b in report.backends.iter().filter(|b| b.mismatch_count() > 0) {
        let _ = writeln!(
            s,
            "\n{}: {} mismatching cycles; first:",
            b.kind.name(),
            grouped(b.mismatch_count())
        );
        let mut left = show;
        for m in &b.mismatches {
            if left == 0 {
                break;
            }
            let _ = writeln!(
                s,
                "  stream {} (stream seed {:#x}), {} mismatches:",
                m.stream,
                m.seed,
                grouped(m.count)
            );
            for x in m.first.iter().take(left) {
                let _ = writeln!(s, "    {x}");
            }
            left = left.saturating_sub(m.first.len());
        }
    }
    s
}

/// The unit `args` describe: its format and emulate parameters (validated by the generator's
/// rules, so a unit that cannot be built is refused before anything runs).
pub fn resolve_unit(args: &VerifyArgs) -> anyhow::Result<(BlockFormat, UnitParams)> {
    let fmt = lookup(&args.format)?;
    let params = rtl::UnitParams {
        lanes: args.lanes,
        psum_width: args.psum_width.unwrap_or_default(),
        pipeline: args.pipeline,
        arch: args.arch,
    };
    let plan = UnitPlan::new(&fmt, &params)?;
    Ok((fmt, unit_params(&plan)?))
}

/// The build directory of a run: `--work-dir`, or a new temporary directory (returned too, so
/// the caller keeps it alive until the run ends).
fn work_dir(args: &VerifyArgs) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    Ok(match &args.work_dir {
        Some(d) => (d.clone(), None),
        None => {
            let tmp = tempfile::Builder::new()
                .prefix("hwcost-verify-")
                .tempdir()?;
            (tmp.path().to_path_buf(), Some(tmp))
        }
    })
}

/// Run `hwcost verify`: print the report; an error (non-zero exit) on any mismatch.
pub fn run_verify(args: &VerifyArgs) -> anyhow::Result<()> {
    if args.format.contains('+') {
        return run_verify_mixed(args);
    }
    let (fmt, p) = resolve_unit(args)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    // A temporary directory lives until the end of the run; a given one is kept.
    let (work_dir, _tmp) = work_dir(args)?;
    let cfg = VerifyConfig {
        backends: args.backend.kinds(),
        size: SuiteSize {
            pairs: args.exhaustive.then_some(PAIR_SWEEP_BLOCKS),
            ..SuiteSize::new(args.vectors, false)
        },
        seed,
        work_dir,
        verilator: VerilatorBuild {
            cxx_opt: args.cxx_opt,
            jobs: args.build_jobs,
        },
        keep: args.show,
        progress: true,
    };
    if args.exhaustive && fmt.elem.bits() > 8 {
        anyhow::bail!(
            "--exhaustive needs elements of at most 8 bits; {} has {}",
            fmt.name,
            fmt.elem.bits()
        );
    }
    let report = verify_unit(&fmt, &p, &cfg)?;
    print!("{}", render(&fmt, &p, &report, args.show));
    let n = report.mismatch_count();
    if n > 0 {
        anyhow::bail!(
            "{} mismatching cycles against emulate (seed {:#x})",
            grouped(n),
            seed
        );
    }
    println!("all outputs bit-exact with emulate");
    Ok(())
}

/// `hwcost verify WIDE+NARROW`: a mixed unit, both modes, through the chosen backends, every
/// output compared with the software model bit for bit; an error on any mismatch.
fn run_verify_mixed(args: &VerifyArgs) -> anyhow::Result<()> {
    if let Some(w) = args.psum_width {
        anyhow::bail!(
            "--psum-width {w}: a mixed unit's psum widths are fixed (the 8-bit format's default, the 4-bit format's exact width)"
        );
    }
    let format = MixedFormat::parse(&args.format)?;
    let plan = MixedPlan::new(&format, args.reuse, args.lanes, args.pipeline)?
        .with_arch(args.arch.multiplier, args.arch.reduction)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    // A temporary directory lives until the end of the run; a given one is kept.
    let (work_dir, _tmp) = work_dir(args)?;
    let streams = mixed_suite(&plan, seed, args.vectors, args.exhaustive);
    let cycles: usize = streams.iter().map(|s| s.cycles.len()).sum();
    println!(
        "{}: mode 0 takes {} {} elements per cycle, mode 1 {} {} elements ({} blocks); seed {seed:#x}",
        plan.name,
        plan.lanes,
        plan.format.wide.name,
        2 * plan.lanes,
        plan.format.narrow.name,
        plan.groups
    );
    let names: Vec<&str> = streams
        .iter()
        .map(|s| {
            let n = s.name.as_str();
            n.strip_prefix(plan.name.as_str())
                .and_then(|k| k.strip_prefix('-'))
                .unwrap_or(n)
        })
        .collect();
    println!("streams: {} ({} cycles)", names.join(", "), grouped(cycles));
    let mut total = 0;
    for kind in args.backend.kinds() {
        let t = Instant::now();
        let mut backend = build_mixed(kind, &plan, &work_dir.join(kind.name()))?;
        let built = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut bad_here = 0;
        let mut lines = Vec::new();
        for s in &streams {
            let bad = check_mixed(backend.as_mut(), s)?;
            for m in bad.iter().take(args.show.saturating_sub(lines.len())) {
                lines.push(format!("  {} (seed {:#x}) {m}", s.name, s.seed));
            }
            bad_here += bad.len();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{:<10} build {built:.1} s, {} cycles in {secs:.2} s ({:.0} cycles/s): {}",
            kind.name(),
            grouped(cycles),
            cycles as f64 / secs.max(1e-9),
            if bad_here == 0 {
                "bit-exact".to_string()
            } else {
                format!("{} MISMATCHES", grouped(bad_here))
            }
        );
        for l in lines {
            println!("{l}");
        }
        total += bad_here;
    }
    if total > 0 {
        anyhow::bail!(
            "{} mismatching cycles against the software model (seed {:#x})",
            grouped(total),
            seed
        );
    }
    println!("all outputs bit-exact with the software model");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::vectors::Output;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        verify: VerifyArgs,
    }

    #[test]
    fn arguments_parse_with_their_defaults_and_reject_bad_values() {
        let cli = Cli::try_parse_from(["verify", "mxfp8"]).unwrap();
        let a = &cli.verify;
        assert_eq!(
            (a.backend, a.vectors, a.seed, a.exhaustive, a.pipeline),
            (BackendChoice::All, 10_000, None, false, 0)
        );
        let cli = Cli::try_parse_from([
            "verify",
            "nvfp4",
            "--lanes",
            "8",
            "--psum-width",
            "exact",
            "--pipeline",
            "2",
            "--backend",
            "icarus",
            "--vectors",
            "5",
            "--seed",
            "0xBEEF",
            "--exhaustive",
            "--work-dir",
            "w",
            "--cxx-opt",
            "1",
        ])
        .unwrap();
        let a = &cli.verify;
        assert_eq!(
            (a.lanes, a.psum_width, a.pipeline),
            (Some(8), Some(PsumWidth::Exact), 2)
        );
        assert_eq!(
            (a.backend.kinds(), a.seed, a.exhaustive),
            (vec![BackendKind::Icarus], Some(0xBEEF), true)
        );
        assert_eq!(BackendChoice::All.kinds(), BackendKind::ALL);
        for bad in [
            ["--seed", "x12"],
            ["--backend", "modelsim"],
            ["--cxx-opt", "4"],
        ] {
            let e = Cli::try_parse_from(["verify", "mxfp8", bad[0], bad[1]])
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains(bad[1]), "{e}");
        }
        assert_eq!(parse_seed("1_000"), Ok(1000));
    }

    #[test]
    fn bad_units_are_refused_before_anything_runs() {
        let args = |extra: &[&str]| {
            let mut v = vec!["verify"];
            v.extend(extra);
            Cli::try_parse_from(v).unwrap().verify
        };
        let e = resolve_unit(&args(&["mxfp9"])).unwrap_err().to_string();
        assert!(e.contains("mxfp9"), "{e}");
        let e = resolve_unit(&args(&["mxfp8", "--lanes", "3"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains('3'), "{e}");
        let e = run_verify(&args(&["mxfp8_e5m2", "--psum-width", "69"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("69") && e.contains("6 to 68 bits"), "{e}");
        let (f, p) = resolve_unit(&args(&["mxint8", "--pipeline", "1"])).unwrap();
        assert_eq!(
            (f.name.as_str(), p.lanes, p.psum_width, p.pipeline),
            ("mxint8", 32, 16, 1)
        );
    }

    #[test]
    fn a_rusthdl_run_matches_and_counts_every_block() {
        let (f, p) = resolve_unit(
            &Cli::try_parse_from(["verify", "mxfp4", "--lanes", "2"])
                .unwrap()
                .verify,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cfg = VerifyConfig {
            backends: vec![BackendKind::Rusthdl],
            size: SuiteSize {
                random: 100,
                others: 64,
                pairs: Some(0),
            },
            seed: 3,
            work_dir: dir.path().into(),
            verilator: VerilatorBuild::default(),
            keep: 3,
            progress: false,
        };
        let r = verify_unit(&f, &p, &cfg).unwrap();
        assert_eq!(r.mismatch_count(), 0, "{}", render(&f, &p, &r, 5));
        // 100 random, 64 of each of 7 other kinds, 256 pairs (E2M1: 16 x 16, one lane each).
        assert_eq!(r.backends[0].blocks, 100 + 7 * 64 + 256);
        assert!(r.backends[0].cycles > r.backends[0].blocks);
        let text = render(&f, &p, &r, 5);
        assert!(
            text.contains("mxfp4_mac_k2_n10_p0") && text.contains("seed 0x3"),
            "{text}"
        );
    }

    #[test]
    fn the_report_shows_the_first_mismatches_in_hex() {
        let f = crate::format::lookup_in("mxfp8", &[]).unwrap();
        let p = UnitParams::defaults(&f).unwrap();
        let m = |cycle| Mismatch {
            cycle,
            expected: Some(Output {
                out_valid: true,
                acc: 0x3F80_0000,
            }),
            got: Some(Output {
                out_valid: true,
                acc: 0x3F80_0001,
            }),
        };
        let result = BackendResult {
            kind: BackendKind::Icarus,
            built: Some(Built::Fresh),
            build_s: 0.5,
            blocks: 1000,
            cycles: 1010,
            run_s: 2.0,
            mismatches: vec![StreamMismatches {
                stream: "mxfp8-random".into(),
                seed: 0xABC,
                count: 7,
                first: vec![m(4), m(9)],
            }],
        };
        let report = VerifyReport {
            unit: "mxfp8_mac_k32_n24_p0".into(),
            seed: 0x42,
            streams: vec![],
            backends: vec![result],
        };
        assert_eq!(report.mismatch_count(), 7);
        assert_eq!(report.backends[0].blocks_per_s(), 500.0);
        let text = render(&f, &p, &report, 1);
        assert!(text.contains("icarus: 7 mismatching cycles"), "{text}");
        assert!(
            text.contains("stream mxfp8-random (stream seed 0xabc), 7 mismatches"),
            "{text}"
        );
        assert!(
            text.contains(
                "cycle 4: expected out_valid 1 acc 0x3f800000, got out_valid 1 acc 0x3f800001"
            ),
            "{text}"
        );
        assert!(
            !text.contains("cycle 9"),
            "only the first `show` mismatches: {text}"
        );
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(12), "12");
    }
}
