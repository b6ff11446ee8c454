//! `hwcost synth`: the synthesized cost of generated units as a text report or JSON, and the
//! shipped results files (`synth-results.json`, read by `compare` and `report`, and
//! `synth-details.json`, the full per-unit reports) that a run can update.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::activity::{Activity, Delay};
use super::clock::{choose_depth, write_clock, ClockArgs, ClockPoint, DepthChoice, ProbeEnv};
use super::flow::{LibraryArgs, PdkFiles};
use super::liberty::Library;
use super::tools::{Engine, Toolchain};
use super::unit_synth::{
    default_cache_dir, synth_unit, UnitSynthReport, UnitSynthRequest, DEFAULT_BLOCKS,
    DEFAULT_CLOCK_NS, DEFAULT_SEED,
};
use crate::cost::source::{write_atomic, CostTable, Model, Provenance, GENERATOR};
use crate::format::{builtins, lookup, BlockFormat};
use crate::rtl;

/// One line for `--help` and report provenance (STYLE pattern 10).
pub const DESCRIPTION: &str = "Yosys synthesis of the generated RTL onto sky130_fd_sc_hd with the hierarchy kept \
     (per-component area and energy) and flattened (timing), energy from the Liberty tables and gate-level \
     simulated activity on quantized Gaussian blocks, OpenSTA critical path";

/// The synthesized cost of generated MAC units: Yosys onto sky130, gate-level simulation on
/// quantized Gaussian blocks (checked against `emulate`), energy, and OpenSTA timing.
#[derive(Clone, Debug, clap::Args)]
pub struct SynthArgs {
    /// Block formats: built-in names or format .toml files.
    #[arg(required_unless_present = "all")]
    pub formats: Vec<String>,
    /// Every built-in format.
    #[arg(long, conflicts_with = "formats")]
    pub all: bool,
    /// Lanes k, a power of two from 1 to 64 [default: the format's block size].
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Psum (aligner) width n in bits, or `exact` [default: min(2^(x+1)+2y, 24)].
    #[arg(long, value_name = "N|exact")]
    pub psum_width: Option<rtl::PsumWidth>,
    /// Extra pipeline register stages S (0 to 8) [default: 0, or with a target clock the
    /// fewest that meet it]
    #[arg(long, value_parser = crate::args::pipeline::<usize>)]
    pub pipeline: Option<usize>,
    #[command(flatten)]
    pub arch: crate::rtl::Arch,
    #[command(flatten)]
    pub clock: ClockArgs,
    /// Merge the results at the target clock (with the depth search) into DIR/clock.json, the
    /// iso-clock results `hwcost report` reads; needs --clock-mhz or --period-ns
    #[arg(long, value_name = "DIR", conflicts_with_all = ["write_results", "write_energy"])]
    pub write_clock: Option<PathBuf>,
    /// Clock period for timing (slack) and leakage, ns; fmax does not depend on it.
    #[arg(long, default_value_t = DEFAULT_CLOCK_NS, value_parser = crate::args::period_ns,
          allow_negative_numbers = true)]
    pub clock_ns: f64,
    /// Cycles of quantized Gaussian blocks to simulate (one block per cycle, after a reset).
    #[arg(long, default_value_t = DEFAULT_BLOCKS,
          value_parser = crate::args::count::<{ crate::args::MAX_SAMPLES }>)]
    pub cycles: usize,
    /// Seed of the simulated blocks.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Synthesis engine: `system` is the `yosys` on the search path (Debian's 0.23), `yowasp`
    /// the pinned current Yosys that `bash tests/install-tools.sh` installs into `.venv`.
    #[arg(long, value_enum, default_value_t = Engine::System)]
    pub engine: Engine,
    /// Cache of synthesis runs and results [default: $HWCOST_CACHE_DIR, else ~/.cache/hwcost].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Merge the results into DIR/synth-results.json (keyed by format, lanes, psum width and
    /// architecture) and the full reports into DIR/synth-details.json (each format's default
    /// architecture) or DIR/architectures/MULTIPLIER-REDUCTION.json (the others); units without
    /// pipeline stages only.
    #[arg(long, value_name = "DIR")]
    pub write_results: Option<PathBuf>,
    /// Gate timing of the activity simulation: `zero` counts settled values only (no
    /// glitches); `unit` gives every cell a delay of one time unit, so glitches are simulated
    /// and each counted as a full transition (an upper bound).
    #[arg(long, value_enum, default_value_t = Delay::Zero)]
    pub delay: Delay,
    /// Operand stream of the activity simulation: `gaussian` draws A and B afresh every
    /// block; `weight-stationary[:R]` holds each B block (weights and their scale) for R
    /// blocks while A changes, as in a weight-stationary array [R default: 16].
    #[arg(
        long,
        default_value = "gaussian",
        value_name = "gaussian|weight-stationary[:R]"
    )]
    pub activity: Activity,
    /// Merge the full reports of a run with a non-default `--delay` or `--activity` into
    /// DIR/ACTIVITY-DELAY-delay.json (e.g. `weight-stationary-16-zero-delay.json`), the
    /// energy sensitivities `hwcost report` reads from `reports/architectures/energy`.
    #[arg(long, value_name = "DIR", conflicts_with = "write_results")]
    pub write_energy: Option<PathBuf>,
    /// Print JSON (one report per unit) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub library: LibraryArgs,
}

/// Errors of the command itself (the flow's are [`super::unit_synth::UnitSynthError`]).
#[derive(Debug, thiserror::Error)]
pub enum SynthCommandError {
    #[error("--write-results needs units without pipeline stages (got --pipeline {0}): the shipped table is keyed by format, lanes, psum width and architecture")]
    PipelinedResults(usize),
    #[error("{}: {why}", path.display())]
    Details { path: PathBuf, why: String },
    #[error("--write-results takes results of the default activity model only (got --delay {delay} --activity {activity}); use --write-energy for sensitivities")]
    NonDefaultResults { delay: Delay, activity: Activity },
    #[error("--write-energy is for a non-default --delay or --activity; the defaults' results go to --write-results")]
    DefaultEnergy,
    #[error("--write-results holds units synthesized for area; results at a target clock go to --write-clock DIR")]
    ClockedResults,
    #[error("--write-clock needs a target clock (--clock-mhz F or --period-ns P)")]
    NoClockTarget,
    #[error("{0}")]
    Unmet(String),
    #[error("{} holds results made with other tools or inputs ({old}); this run used {new}: remove it or rerun every unit", path.display())]
    MixedProvenance {
        path: PathBuf,
        old: String,
        new: String,
    },
}

/// The full per-unit reports shipped beside `synth-results.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthDetails {
    pub units: Vec<UnitSynthReport>,
}

/// File name of the shipped full reports.
pub const DETAILS_FILE: &str = "synth-details.json";
/// Folder (under the results directory) of the other architectures' synthesis reports.
pub const ARCH_DIR: &str = "architectures";

impl SynthDetails {
    pub fn load(path: &Path) -> Result<SynthDetails, SynthCommandError> {
        let text =
            crate::shipped::read_to_string(path).map_err(|e| SynthCommandError::Details {
                path: path.to_path_buf(),
                why: e.to_string(),
            })?;
        serde_json::from_str(&text).map_err(|e| SynthCommandError::Details {
            path: path.to_path_buf(),
            why: e.to_string(),
        })
    }
}

/// Loads the shipped PDK and its Liberty (a few seconds: the Liberty is 11 MB).
pub fn load_pdk() -> anyhow::Result<(PdkFiles, Library)> {
    load_library(PdkFiles::locate()?)
}

/// Loads a library's Liberty.
pub fn load_library(pdk: PdkFiles) -> anyhow::Result<(PdkFiles, Library)> {
    let lib = Library::load(&pdk.liberty)?;
    Ok((pdk, lib))
}

/// The formats `args` names, validated before anything runs.
fn formats(args: &SynthArgs) -> anyhow::Result<Vec<BlockFormat>> {
    if args.all {
        return Ok(builtins());
    }
    Ok(args
        .formats
        .iter()
        .map(|n| lookup(n))
        .collect::<Result<_, _>>()?)
}

/// Run `hwcost synth`: synthesize every unit (or read it from the cache) and print the reports.
pub fn run_synth(args: &SynthArgs) -> anyhow::Result<()> {
    let reports = synth_reports(args)?;
    if args.json {
        let v = if reports.len() == 1 {
            serde_json::to_string_pretty(&reports[0])?
        } else {
            serde_json::to_string_pretty(&reports)?
        };
        println!("{v}");
    } else {
        for r in &reports {
            print!("{}", text_report(r));
        }
    }
    Ok(())
}

/// The reports `run_synth` prints (and writes with `--write-results`).
pub fn synth_reports(args: &SynthArgs) -> anyhow::Result<Vec<UnitSynthReport>> {
    if let (Some(_), Some(p)) = (&args.write_results, args.pipeline) {
        if p != 0 {
            return Err(SynthCommandError::PipelinedResults(p).into());
        }
    }
    let target = args.clock.target();
    if args.write_results.is_some() && target.is_some() {
        return Err(SynthCommandError::ClockedResults.into());
    }
    if args.write_clock.is_some() && target.is_none() {
        return Err(SynthCommandError::NoClockTarget.into());
    }
    if args.write_results.is_some() && !(args.delay.is_default() && args.activity.is_default()) {
        return Err(SynthCommandError::NonDefaultResults {
            delay: args.delay,
            activity: args.activity,
        }
        .into());
    }
    if args.write_energy.is_some() && args.delay.is_default() && args.activity.is_default() {
        return Err(SynthCommandError::DefaultEnergy.into());
    }
    let formats = formats(args)?;
    let params = rtl::UnitParams {
        lanes: args.lanes,
        psum_width: args.psum_width.unwrap_or_default(),
        pipeline: args.pipeline.unwrap_or(0),
        arch: args.arch,
    };
    // every unit's parameters are checked before the first (long) synthesis
    for f in &formats {
        rtl::UnitPlan::new(f, &params)?;
    }
    if args.library.liberty.is_some()
        && (args.write_results.is_some() || args.write_energy.is_some())
    {
        anyhow::bail!("--write-results and --write-energy keep the shipped sky130 results; not with --liberty");
    }
    let (pdk, lib) = load_library(PdkFiles::select(&args.library, None)?)?;
    let tools = Toolchain::from_env();
    let cache = args.cache_dir.clone().unwrap_or_else(default_cache_dir);
    let mut reports = Vec::new();
    let mut points = Vec::new();
    let mut unmet = Vec::new();
    for f in formats {
        let mut params = params;
        let mut choice = None;
        if let Some(t) = target {
            if args.pipeline.is_none() {
                let env = ProbeEnv {
                    lib: &lib,
                    tools: &tools,
                    cache_dir: &cache,
                    engine: args.engine,
                };
                let c = choose_depth(&f, &params, t, &env, &mut |p| {
                    eprintln!(
                        "{} at {:.1} MHz: S={} slack {:+.3} ns (fmax {:.1} MHz)",
                        f.name,
                        t.mhz(),
                        p.pipeline,
                        p.slack_ns,
                        p.fmax_mhz
                    )
                })?;
                match c.pipeline() {
                    Some(s) => params.pipeline = s,
                    None => {
                        let best = c.best().expect("at least one probe");
                        unmet.push(format!(
                            "{} does not meet {:.1} MHz with at most {} pipeline stages: best fmax {:.1} MHz at S={} ({})",
                            f.name,
                            t.mhz(),
                            rtl::MAX_PIPELINE,
                            best.fmax_mhz,
                            best.pipeline,
                            c.summary()
                        ));
                        points.push(ClockPoint::new(&f, &params, c, None));
                        continue;
                    }
                }
                choice = Some(c);
            }
        }
        let mut req = UnitSynthRequest::new(f.clone(), params, cache.clone());
        req.clock_ns = args.clock_ns;
        if let Some(t) = target {
            req.clock_ns = t.period_ns;
            req.mapping = t.mapping();
        }
        req.blocks = args.cycles;
        req.seed = args.seed;
        req.engine = args.engine;
        req.delay = args.delay;
        req.activity = args.activity;
        let t = std::time::Instant::now();
        let r = synth_unit(&req, &pdk, &lib, &tools)?;
        eprintln!(
            "{}: {} in {:.1} s",
            r.unit,
            if r.from_cache {
                "cached"
            } else {
                "synthesized"
            },
            t.elapsed().as_secs_f64()
        );
        if let Some(t) = target {
            let c = choice.unwrap_or_else(|| DepthChoice {
                target: t,
                probes: Vec::new(),
            });
            points.push(ClockPoint::new(&f, &params, c, Some(r.clone())));
        }
        reports.push(r);
    }
    if let Some(dir) = &args.write_clock {
        write_clock(dir, &points)?;
    }
    if !unmet.is_empty() {
        for u in &unmet {
            eprintln!("{u}");
        }
        if args.write_clock.is_none() || reports.is_empty() {
            return Err(SynthCommandError::Unmet(unmet.join("\n")).into());
        }
    }
    if let Some(dir) = &args.write_results {
        write_results(dir, &reports)?;
    }
    if let Some(dir) = &args.write_energy {
        write_energy(dir, &reports)?;
    }
    Ok(reports)
}

/// The file of an energy sensitivity under `--write-energy`'s directory.
pub fn energy_file(delay: &str, activity: &str) -> String {
    format!("{}-{delay}-delay.json", activity.replace(':', "-"))
}

/// Merges `reports` (one activity model) into their sensitivity file under `dir`: a unit
/// already there (same name) is replaced; units in built-in format order. Written atomically.
pub fn write_energy(dir: &Path, reports: &[UnitSynthReport]) -> anyhow::Result<()> {
    let Some(first) = reports.first() else {
        return Ok(());
    };
    let p = &first.provenance;
    if reports
        .iter()
        .any(|r| (&r.provenance.delay, &r.provenance.activity) != (&p.delay, &p.activity))
    {
        anyhow::bail!("the units of one run were simulated under different activity models");
    }
    std::fs::create_dir_all(dir)?;
    let path = dir.join(energy_file(&p.delay, &p.activity));
    let mut details = if path.is_file() {
        SynthDetails::load(&path)?
    } else {
        SynthDetails { units: Vec::new() }
    };
    for r in reports {
        details.units.retain(|d| d.unit != r.unit);
        details.units.push(r.clone());
    }
    let order: Vec<String> = builtins().into_iter().map(|f| f.name).collect();
    let rank = |name: &str| order.iter().position(|n| n == name).unwrap_or(order.len());
    details.units.sort_by(|a, b| {
        (rank(&a.format), &a.format, &a.unit).cmp(&(rank(&b.format), &b.format, &b.unit))
    });
    let text = serde_json::to_string_pretty(&details)? + "\n";
    write_atomic(&path, text.as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Where a synthesized result came from.
#[derive(Clone, Debug, PartialEq)]
pub enum SynthOrigin {
    /// the shipped `synth-details.json`, made from the same Verilog and Liberty
    Shipped(PathBuf),
    /// this machine's result cache
    Cache(PathBuf),
    /// synthesized and simulated by this call
    Flow,
}

impl std::fmt::Display for SynthOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SynthOrigin::Shipped(p) => write!(
                f,
                "shipped results in {} (same Verilog and Liberty)",
                p.display()
            ),
            SynthOrigin::Cache(p) => write!(f, "cached result in {}", p.display()),
            SynthOrigin::Flow => f.write_str("synthesized now"),
        }
    }
}

/// The synthesized result of one unit at the default measurement settings: the shipped report
/// in `results_dir` when it was made from the same Verilog and Liberty by the same engine (no
/// tool needed), else the cache, else a run of the flow (minutes for a 32-lane unit; a missing
/// tool is an error naming how to install it).
pub fn synth_result(
    format: &BlockFormat,
    params: &rtl::UnitParams,
    engine: Engine,
    results_dir: &Path,
    cache_dir: &Path,
    pdk: PdkFiles,
) -> anyhow::Result<(UnitSynthReport, SynthOrigin)> {
    let g = rtl::generate(format, params, None)?;
    let verilog_sha = super::liberty::hex(&sha2::Sha256::digest(g.verilog.as_bytes()));
    let details_path = results_dir.join(DETAILS_FILE);
    if crate::shipped::is_file(&details_path) {
        let details = SynthDetails::load(&details_path)?;
        let shipped = details.units.iter().find(|r| {
            r.provenance.verilog_sha256 == verilog_sha
                && Engine::of_id(&r.provenance.engine) == engine
                && r.blocks == DEFAULT_BLOCKS
                && r.seed == DEFAULT_SEED
                && r.clock_ns == DEFAULT_CLOCK_NS
        });
        if let Some(r) = shipped {
            let bytes = std::fs::read(&pdk.liberty)?;
            if super::liberty::hex(&sha2::Sha256::digest(&bytes)) == r.provenance.liberty_sha256 {
                return Ok((r.clone(), SynthOrigin::Shipped(details_path)));
            }
        }
    }
    let (pdk, lib) = load_library(pdk)?;
    let tools = Toolchain::from_env();
    let mut req = UnitSynthRequest::new(format.clone(), *params, cache_dir.to_path_buf());
    req.engine = engine;
    let r = synth_unit(&req, &pdk, &lib, &tools)?;
    let origin = if r.from_cache {
        SynthOrigin::Cache(cache_dir.to_path_buf())
    } else {
        SynthOrigin::Flow
    };
    Ok((r, origin))
}

/// The table provenance of synthesized results: model, technology, tools, Liberty hash.
pub fn table_provenance(r: &UnitSynthReport) -> Provenance {
    let p = &r.provenance;
    let sky = p.liberty == "sky130_fd_sc_hd__tt_025C_1v80.synth.lib";
    Provenance {
        generator: GENERATOR.to_string(),
        model: Model::Synth.name().to_string(),
        model_description: DESCRIPTION.to_string(),
        tech: sky.then_some("sky130hd").unwrap_or(&p.liberty).to_string(),
        tech_node: if sky {
            "SkyWater 130 nm, sky130_fd_sc_hd (high density) standard cells, tt_025C_1v80"
        } else {
            "the Liberty of tech_file (given with --liberty)"
        }
        .to_string(),
        tech_file: format!(
            "{}{} (sha256 {})",
            if sky {
                "models/pdk/sky130_fd_sc_hd/"
            } else {
                ""
            },
            p.liberty,
            p.liberty_sha256
        ),
        tools: vec![
            if Engine::of_id(&p.engine) == Engine::Yowasp {
                format!("{} ({})", p.engine, p.yosys)
            } else {
                p.yosys.clone()
            },
            format!("OpenSTA {}", p.sta),
            p.iverilog.clone(),
        ],
    }
}

/// The fields in which two provenances differ, as (old, new) text.
fn provenance_difference(old: &Provenance, new: &Provenance) -> (String, String) {
    let fields = |p: &Provenance| {
        [
            ("generator", p.generator.clone()),
            ("model", p.model_description.clone()),
            ("tech", format!("{} {}", p.tech, p.tech_file)),
            ("tools", p.tools.join(", ")),
        ]
    };
    let (a, b) = (fields(old), fields(new));
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i].1 != b[i].1).collect();
    let show = |f: &[(&str, String)]| {
        differ
            .iter()
            .map(|&i| format!("{}: {}", f[i].0, f[i].1))
            .collect::<Vec<_>>()
            .join("; ")
    };
    (show(&a), show(&b))
}

/// The details file of a unit's full report under the results directory: `synth-details.json`
/// for the format's default architecture, `architectures/MULTIPLIER-REDUCTION.json` otherwise.
pub fn details_file(r: &UnitSynthReport) -> anyhow::Result<PathBuf> {
    let arch = r.architecture();
    Ok(if arch == rtl::default_architecture(&lookup(&r.format)?) {
        PathBuf::from(DETAILS_FILE)
    } else {
        Path::new(ARCH_DIR).join(format!("{}-{}.json", arch.0.label(), arch.1.label()))
    })
}

/// Merges `reports` into `dir/synth-results.json` and their full reports into the details
/// files ([`details_file`]): a unit already there (same format, lanes, psum width and
/// architecture) is replaced. Every file is written atomically.
pub fn write_results(dir: &Path, reports: &[UnitSynthReport]) -> anyhow::Result<()> {
    let Some(first) = reports.first() else {
        return Ok(());
    };
    std::fs::create_dir_all(dir)?;
    let provenance = table_provenance(first);
    for r in reports {
        let p = table_provenance(r);
        if p != provenance {
            anyhow::bail!(
                "the units of one run were made with different tools: {:?} and {:?}",
                provenance.tools,
                p.tools
            );
        }
    }
    let table_path = dir.join(CostTable::file_name(Model::Synth).expect("synth ships results"));
    let mut table = if table_path.is_file() {
        let t = CostTable::load(&table_path)?;
        if t.provenance != provenance {
            let (old, new) = provenance_difference(&t.provenance, &provenance);
            return Err(SynthCommandError::MixedProvenance {
                path: table_path,
                old,
                new,
            }
            .into());
        }
        t
    } else {
        CostTable {
            provenance: provenance.clone(),
            units: Vec::new(),
        }
    };
    // the details files this run touches, each read once
    let mut details: Vec<(PathBuf, SynthDetails)> = Vec::new();
    for r in reports {
        let format = lookup(&r.format)?;
        let unit = r.analytic_params(&format)?;
        let cost = r.unit_cost(&unit, &provenance.tech);
        let key = |c: &crate::cost::source::UnitCost| {
            (
                c.format.clone(),
                c.lanes,
                c.psum_width,
                c.table_architecture(),
            )
        };
        match table.units.iter_mut().find(|c| key(c) == key(&cost)) {
            Some(c) => *c = cost,
            None => table.units.push(cost),
        }
        let path = dir.join(details_file(r)?);
        let i = match details.iter().position(|(p, _)| *p == path) {
            Some(i) => i,
            None => {
                let d = if path.is_file() {
                    SynthDetails::load(&path)?
                } else {
                    SynthDetails { units: Vec::new() }
                };
                details.push((path, d));
                details.len() - 1
            }
        };
        let units = &mut details[i].1.units;
        units.retain(|d| {
            (&d.format, d.lanes, d.psum_width, d.architecture())
                != (&r.format, r.lanes, r.psum_width, r.architecture())
        });
        units.push(r.clone());
    }
    // built-ins in their list order, then the rest by name, then by architecture: a rerun
    // writes the same bytes
    let order: Vec<String> = builtins().into_iter().map(|f| f.name).collect();
    let rank = |name: &str| order.iter().position(|n| n == name).unwrap_or(order.len());
    let arch_rank =
        |a: Option<(rtl::Multiplier, rtl::Reduction)>| a.map(|(m, r)| (m.label(), r.label()));
    table.units.sort_by(|a, b| {
        (
            rank(&a.format),
            &a.format,
            a.lanes,
            a.psum_width,
            arch_rank(a.table_architecture()),
        )
            .cmp(&(
                rank(&b.format),
                &b.format,
                b.lanes,
                b.psum_width,
                arch_rank(b.table_architecture()),
            ))
    });
    table.save(&table_path)?;
    let mut written = vec![table_path.display().to_string()];
    for (path, mut d) in details {
        d.units.sort_by(|a, b| {
            (rank(&a.format), &a.format, a.lanes, a.psum_width).cmp(&(
                rank(&b.format),
                &b.format,
                b.lanes,
                b.psum_width,
            ))
        });
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = serde_json::to_string_pretty(&d)? + "\n";
        write_atomic(&path, text.as_bytes())?;
        written.push(path.display().to_string());
    }
    eprintln!("wrote {}", written.join(", "));
    Ok(())
}

/// `model-vs-synth.md`'s section on the flattened netlists: per built-in format at default
/// parameters the hierarchical and flattened totals and the flattened INT/FP ratios beside the
/// study's Table 5. Units `details` lacks are left out.
pub fn flat_markdown(details: &SynthDetails) -> String {
    let find = |name: &str| {
        let f = lookup(name).ok()?;
        details.units.iter().find(|r| {
            r.format == name
                && r.lanes == f.block
                && r.pipeline == 0
                && (f.elem.is_int() || r.psum_width == f.default_psum_width())
        })
    };
    let mut s = String::from(
        "\n## Flattened synthesis\n\nThe tables above use the synthesis with the hierarchy kept (its parts add up to \
         its totals). Flattened, Yosys and ABC also optimize across module boundaries: logic a module's ports carry \
         but its neighbours never drive disappears (narrow exponents reaching wider aligner ports, specials logic of \
         formats without NaN/Inf, the NV scale product), while ABC on one large INT network can come out larger. \
         fmax is the flattened netlist's in both. Per MAC; ratios against MXFP8 (flattened).\n\n\
         | format | area hier (um^2) | area flat (um^2) | flat / hier | energy/MAC hier (pJ) | energy/MAC flat (pJ) | flat / hier | \
         area vs MXFP8 flat / study | energy vs MXFP8 flat / study |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    let base = find("mxfp8");
    for f in builtins() {
        let Some(r) = find(&f.name) else { continue };
        let (h, fl) = (&r.hierarchical, &r.flat);
        let study = crate::cost::analytic::study_table5(&f.name);
        let ratio = |x: f64, b: Option<f64>| b.map_or("-".to_string(), |b| format!("{:.2}", x / b));
        let _ = writeln!(
            s,
            "| {} | {:.1} | {:.1} | {:.3} | {:.4} | {:.4} | {:.3} | {} / {} | {} / {} |",
            f.name,
            h.area_um2,
            fl.area_um2,
            fl.area_um2 / h.area_um2,
            h.energy_pj_per_mac,
            fl.energy_pj_per_mac,
            fl.energy_pj_per_mac / h.energy_pj_per_mac,
            ratio(
                fl.area_um2 / r.lanes as f64,
                base.map(|b| b.flat.area_um2 / b.lanes as f64)
            ),
            study.map_or("-".to_string(), |x| format!("{:.2}", x.0)),
            ratio(fl.energy_pj_per_mac, base.map(|b| b.flat.energy_pj_per_mac)),
            study.map_or("-".to_string(), |x| format!("{:.2}", x.1)),
        );
    }
    s
}

/// The report of one unit as aligned text.
pub fn text_report(r: &UnitSynthReport) -> String {
    let mut s = String::new();
    let p = &r.provenance;
    let _ = writeln!(
        s,
        "{}: synthesized with {} onto {}, {} quantized Gaussian blocks (seed {:#x}), clock {} ns{}",
        r.unit,
        p.yosys,
        p.liberty,
        r.blocks,
        r.seed,
        r.clock_ns,
        if r.from_cache { " (cached result)" } else { "" }
    );
    let _ = writeln!(
        s,
        "activity model: {} delay, {} operands",
        p.delay, p.activity
    );
    if p.mapping != super::yosys::Mapping::Area.label() {
        let _ = writeln!(
            s,
            "synthesized toward a {:.1} MHz clock (ABC mapping {}: buffering and gate sizing); \
             pipeline stages S = {}: the flattened netlist is the unit's cost at this clock",
            1000.0 / r.clock_ns,
            p.mapping,
            r.pipeline
        );
    }
    let _ = writeln!(
        s,
        "gate-level simulation == emulate on all {} cycles, hierarchical and flattened netlists",
        r.checked_cycles
    );
    let h = &r.hierarchical;
    let _ = writeln!(
        s,
        "\n{:<34}{:>8}{:>13}{:>7}{:>12}{:>10}{:>7}",
        "component (hierarchy kept)", "cells", "area um^2", "share", "pJ/block", "pJ/MAC", "share"
    );
    for c in &r.parts {
        let _ = writeln!(
            s,
            "{:<34}{:>8}{:>13.1}{:>6.1}%{:>12.3}{:>10.4}{:>6.1}%",
            c.label,
            c.cells,
            c.area_um2,
            100.0 * c.area_um2 / h.area_um2,
            c.energy_pj_per_block,
            c.energy_pj_per_mac,
            100.0 * c.energy_pj_per_block / h.energy_pj_per_block
        );
    }
    let _ = writeln!(
        s,
        "{:<34}{:>8}{:>13.1}{:>7}{:>12.3}{:>10.4}",
        "total", h.cells, h.area_um2, "", h.energy_pj_per_block, h.energy_pj_per_mac
    );
    let f = &r.flat;
    let _ = writeln!(
        s,
        "{:<34}{:>8}{:>13.1}{:>6.1}%{:>12.3}{:>10.4}{:>6.1}%",
        "flattened (vs hierarchy kept)",
        f.cells,
        f.area_um2,
        100.0 * (f.area_um2 / h.area_um2 - 1.0),
        f.energy_pj_per_block,
        f.energy_pj_per_mac,
        100.0 * (f.energy_pj_per_block / h.energy_pj_per_block - 1.0)
    );
    let _ = writeln!(
        s,
        "energy split per cycle (flat): internal {:.3} pJ, switching {:.3} pJ, leakage {:.2e} pJ; mean toggle rate {:.3}",
        f.internal_pj_per_cycle, f.switching_pj_per_cycle, f.leakage_pj_per_cycle, f.mean_toggle_rate
    );
    if let Some(cp) = &f.critical_path {
        let _ = writeln!(
            s,
            "timing (flat): {} -> {}, arrival {:.3} ns + setup, slack {:.3} ns at {} ns: fmax {:.1} MHz",
            cp.startpoint, cp.endpoint, cp.arrival_ns, cp.slack_ns, r.clock_ns, r.fmax_mhz
        );
    }
    let g = &r.registers;
    let _ = writeln!(
        s,
        "unit: latency {} cycle(s), initiation interval {}, {} flip-flops ({:.1} um^2; registers part {:.1} um^2, {:.3} pJ/block), \
         clock {:.3} pJ/cycle (flip-flop clock pins {:.3} + clock-net pins {:.3}, no clock tree)",
        g.latency_cycles,
        g.initiation_interval,
        g.flip_flops,
        g.flip_flop_area_um2,
        g.register_area_um2,
        g.register_energy_pj_per_block,
        g.clock_pj_per_cycle,
        g.clock_pin_pj_per_cycle,
        g.clock_net_pj_per_cycle
    );
    let _ = writeln!(
        s,
        "\n{:<34}{:<22}{:>6}{:>8}{:>13}{:>12}",
        "module", "component", "inst", "cells", "area um^2", "pJ/block"
    );
    for m in &r.modules {
        let _ = writeln!(
            s,
            "{:<34}{:<22}{:>6}{:>8}{:>13.1}{:>12.3}",
            m.module, m.part, m.instances, m.cells, m.area_um2, m.energy_pj_per_block
        );
    }
    let _ = writeln!(
        s,
        "\ntools: {}, OpenSTA {}, {}; liberty sha256 {}; verilog sha256 {}\n",
        p.yosys, p.sta, p.iverilog, p.liberty_sha256, p.verilog_sha256
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        synth: SynthArgs,
    }

    #[test]
    fn clap_parses_the_documented_command_line() {
        let w = Wrap::try_parse_from([
            "synth",
            "mxfp8",
            "--lanes",
            "16",
            "--psum-width",
            "exact",
            "--pipeline",
            "2",
            "--clock-ns",
            "5",
            "--cycles",
            "300",
            "--json",
        ])
        .unwrap();
        let a = w.synth;
        assert_eq!(a.formats, vec!["mxfp8"]);
        assert_eq!(
            (
                a.lanes,
                a.psum_width,
                a.pipeline,
                a.clock_ns,
                a.cycles,
                a.json
            ),
            (
                Some(16),
                Some(rtl::PsumWidth::Exact),
                Some(2),
                5.0,
                300,
                true
            )
        );
        let d = Wrap::try_parse_from(["synth", "--all"]).unwrap().synth;
        assert!(d.all && d.formats.is_empty());
        assert_eq!(
            (d.cycles, d.clock_ns, d.seed),
            (DEFAULT_BLOCKS, DEFAULT_CLOCK_NS, DEFAULT_SEED)
        );
        assert_eq!(d.engine, Engine::System);
        let y = Wrap::try_parse_from(["synth", "mxint8", "--engine", "yowasp"]).unwrap();
        assert_eq!(y.synth.engine, Engine::Yowasp);
        assert!(Wrap::try_parse_from(["synth", "mxint8", "--engine", "vivado"]).is_err());
        assert!(Wrap::try_parse_from(["synth"]).is_err());
        assert!(Wrap::try_parse_from(["synth", "mxfp8", "--all"]).is_err());
        assert!(Wrap::try_parse_from(["synth", "mxfp8", "--psum-width", "wide"]).is_err());
    }

    #[test]
    fn bad_parameters_fail_before_any_tool_runs() {
        let base = Wrap::try_parse_from(["synth", "mxfp8"]).unwrap().synth;
        let e = synth_reports(&SynthArgs {
            lanes: Some(3),
            ..base.clone()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains('3'), "{e}");
        let e = synth_reports(&SynthArgs {
            formats: vec!["mxfp9".into()],
            ..base.clone()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("mxfp9"), "{e}");
        let e = synth_reports(&SynthArgs {
            pipeline: Some(9),
            ..base.clone()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains('9'), "{e}");
        let e = synth_reports(&SynthArgs {
            pipeline: Some(1),
            write_results: Some(PathBuf::from("unused")),
            ..base
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("--pipeline 1"), "{e}");
    }

    #[test]
    fn written_results_are_keyed_by_architecture() {
        let shipped = |text: &str| serde_json::from_str::<SynthDetails>(text).unwrap().units;
        let default = shipped(include_str!("../../reports/synth-details.json"));
        let other = shipped(include_str!(
            "../../reports/architectures/array-cpa-tree.json"
        ));
        let pick = |v: &[UnitSynthReport]| v.iter().find(|r| r.format == "mxint8").unwrap().clone();
        let (booth, cpa) = (pick(&default), pick(&other));
        let dir = tempfile::tempdir().unwrap();
        write_results(dir.path(), &[booth.clone()]).unwrap();
        // a second architecture of the same unit is added, not written over the first; a
        // rerun replaces its own entry
        write_results(dir.path(), &[cpa.clone()]).unwrap();
        write_results(dir.path(), &[cpa.clone()]).unwrap();
        let table = CostTable::load(&dir.path().join("synth-results.json")).unwrap();
        assert_eq!(table.units.len(), 2);
        let f = lookup("mxint8").unwrap();
        for r in [&booth, &cpa] {
            let u = r.analytic_params(&f).unwrap();
            assert_eq!(
                table.find(&u),
                Some(&r.unit_cost(&u, "sky130hd")),
                "{}",
                r.unit
            );
        }
        let names = |p: &str| -> Vec<String> {
            SynthDetails::load(&dir.path().join(p))
                .unwrap()
                .units
                .into_iter()
                .map(|r| r.unit)
                .collect()
        };
        assert_eq!(names(DETAILS_FILE), vec![booth.unit.clone()]);
        assert_eq!(
            names("architectures/array-cpa-tree.json"),
            vec![cpa.unit.clone()]
        );
    }
}
