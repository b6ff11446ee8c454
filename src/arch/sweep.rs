//! Design-space sweeps of MAC units (`hwcost sweep`): the cartesian product of formats, lane
//! counts, psum widths and pipeline depths, costed in parallel with the analytic model, the
//! Pareto front marked, written as CSV; and the sweep benchmark (`reports/bench-sweep.md`).
//!
//! # Columns of the CSV
//! `format, lanes, psum_width, multiplier, reduction, pipeline, latency_cycles, area_um2, area_um2_per_mac,
//! energy_pj_per_block, energy_pj_per_mac, qsnr_db, pareto`. `psum_width` is the aligner width
//! in bits (`exact` for INT formats, whose sums are exact). Per-MAC figures divide by the lanes
//! (the study's same-throughput normalization). `multiplier` and `reduction` name the datapath
//! architecture of the row (`--multiplier`, `--reduction`, default each format's); they are
//! empty for the analytic model, which does not distinguish architectures and refuses an
//! explicit one. `qsnr_db` is the format's theoretical
//! quantization QSNR ([`crate::format::qsnr::theory_qsnr_db`]) on Gaussian blocks at the crest
//! factor `--kappa` (default [`DEFAULT_KAPPA`]) with the study's scale overhead rho for the
//! format's scale ([`crate::format::qsnr::default_rho`]); it depends on the format only, not on
//! the unit (the truncation of a narrow psum window is not in it).
//!
//! # Pareto front
//! A row is on the front (`pareto = true`) when no other row is at least as good in every
//! objective and better in one. Objectives: minimum energy per MAC, minimum area per MAC,
//! maximum QSNR (a format without a scale has none, `NaN` in `qsnr_db`, and counts as the least
//! accurate). Rows with equal objectives are all on the front; the analytic model costs no
//! registers, so pipeline depth changes only `latency_cycles` and the rows of one unit at
//! several depths tie.
//!
//! A synthesized sweep at a target clock (`--model synth --clock-mhz F`) adds a `clock_mhz`
//! column; its front is taken over the points whose fmax reaches F (the others cannot run at
//! it and are never on it), with maximum fmax as a fourth objective, so a deeper pipeline that
//! buys clock headroom is not dominated by a shallower one of the same cost.
//!
//! Design points that the unit cannot have (lanes not a power of two in 1..=64, a psum width
//! below the product width) are left out and listed on stderr; requests that name the same
//! unit twice (e.g. psum `default` and `24` for MXFP8, or any two psum widths for an INT format)
//! give one row.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;

use crate::cost::analytic::{self, CellTable, PsumWidth, UnitParams, UnitShape, UnitTotals};
use crate::cost::calibrate::CalibratedSource;
use crate::cost::source::Provenance;
use crate::cost::source::{AnalyticSource, CostSource};
use crate::cost::tech::{Tech, TechError, DEFAULT_TECH};
use crate::format::qsnr::{default_rho, theory_qsnr_db, KAPPA_MAX, KAPPA_MIN};
use crate::format::{BlockFormat, FormatError};

/// Default crest factor (max |x| / rms) of the QSNR column: a little above that of an i.i.d.
/// Gaussian block (2.11 expected for 16 values, 2.36 for 32; Monte Carlo, 20,000 blocks), for
/// the outliers of real tensors. The study's INT/FP crossovers lie between 1.96 (MXINT6/MXFP6)
/// and 7.55 (MXINT8/MXFP8), so the default sits below the 8-bit one and above the others.
pub const DEFAULT_KAPPA: f64 = 3.0;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("psum width must be `default`, `exact` or a number of bits, got '{0}'")]
    PsumSyntax(String),
    #[error("crest factor must be a number in [{KAPPA_MIN}, {KAPPA_MAX}], got {0}")]
    Kappa(f64),
    #[error("none of the {requested} requested design points is a valid unit: {first}")]
    NothingValid { requested: usize, first: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the {model} model: {why}")]
    Model { model: &'static str, why: String },
    #[error("the sweep chart {}: {why}", path.display())]
    Chart { path: PathBuf, why: String },
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Tech(#[from] TechError),
}

/// Which cost model prices the design points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SweepModel {
    /// The study's analytic gate model: Table 6 cell counts x technology cell factors, one toggle rate.
    Analytic,
    /// Analytic cell counts with factors fitted to synthesized results (`calibration.json` in
    /// `--results`); prices the pipeline registers, so depth changes area and energy.
    Calibrated,
    /// Yosys synthesis of every point (`hwcost synth`), run as independent jobs: write them
    /// with `--emit-jobs DIR`, run them (GNU parallel or Slurm), gather with `--collect DIR`.
    Synth,
}

/// Psum width as a sweep names it: the study's default, exact, or bits.
fn parse_psum(s: &str) -> Result<PsumWidth, SweepError> {
    match s.trim() {
        "default" => Ok(PsumWidth::Default),
        t => t
            .parse::<PsumWidth>()
            .map_err(|_| SweepError::PsumSyntax(s.to_string())),
    }
}

/// `hwcost sweep`: cost every combination of the listed unit parameters and mark the Pareto
/// front.
#[derive(Clone, Debug, clap::Args)]
pub struct SweepArgs {
    /// Block formats, comma-separated (built-in names or format .toml files).
    #[arg(long, value_delimiter = ',', required_unless_present = "collect", num_args = 1..)]
    pub formats: Vec<String>,
    /// Lane counts, comma-separated; default: each format's block size.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub lanes: Vec<usize>,
    /// Psum widths, comma-separated: `default` (min(2^(x+1)+2y, 24)), `exact`, or bits.
    #[arg(long, value_delimiter = ',', num_args = 1.., default_value = "default")]
    pub psum_width: Vec<String>,
    /// INT partial-product architectures, comma-separated (array, booth4); default: each
    /// format's. A combination a format is not built in is skipped and listed.
    #[arg(long, value_enum, value_delimiter = ',', num_args = 1..)]
    pub multiplier: Vec<crate::rtl::Multiplier>,
    /// Block-sum reductions, comma-separated (cpa-tree, csa-tree); default: each format's.
    #[arg(long, value_enum, value_delimiter = ',', num_args = 1..)]
    pub reduction: Vec<crate::rtl::Reduction>,
    /// Extra pipeline stages, comma-separated.
    #[arg(long, value_delimiter = ',', num_args = 1.., default_value = "0",
          value_parser = crate::args::pipeline::<u32>)]
    pub pipeline: Vec<u32>,
    /// Cost model.
    #[arg(long, value_enum, default_value_t = SweepModel::Analytic)]
    pub model: SweepModel,
    /// Crest factor max|x|/sigma at which the QSNR column is computed.
    #[arg(long, default_value_t = DEFAULT_KAPPA)]
    pub kappa: f64,
    /// Technology: a built-in name (sky130hd, asap7) or a technology .toml file.
    #[arg(long, default_value = DEFAULT_TECH)]
    pub tech: String,
    /// Directory holding `calibration.json` for `--model calibrated`.
    #[arg(long, default_value = "reports")]
    pub results: PathBuf,
    /// Output CSV (written atomically; the directory is created if needed).
    #[arg(short = 'o', long, default_value = "reports/sweep.csv")]
    pub output: PathBuf,
    /// Also draw the design points and their Pareto front (QSNR against energy and against
    /// area per MAC) into this .svg or .png file.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// With `--model synth`: write one `hwcost synth` job per design point into DIR
    /// (jobs.txt, run-parallel.sh, sbatch.sh, manifest.json) instead of costing.
    #[arg(long, value_name = "DIR", conflicts_with = "collect")]
    pub emit_jobs: Option<PathBuf>,
    /// Gather the results of the jobs in DIR (written by `--emit-jobs`) from the cache into
    /// the CSV (`-o`) and chart (`--plot`); fails naming the points without a result.
    #[arg(long, value_name = "DIR")]
    pub collect: Option<PathBuf>,
    /// Result cache the synthesis jobs write and `--collect` reads [default: for jobs
    /// $HWCOST_CACHE_DIR, else ~/.cache/hwcost; for --collect the manifest's].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// With `--model synth`: synthesize every point toward this clock, MHz (delay-oriented
    /// mapping, the point's own pipeline depth) and time it there; the CSV gains a clock_mhz
    /// column and the Pareto front is taken over the points that meet the clock, with fmax as
    /// a fourth objective.
    #[arg(long, value_parser = crate::args::clock_mhz)]
    pub clock_mhz: Option<f64>,
}

/// One design point: a format (index into the sweep's format list), a validated unit shape and
/// a pipeline depth. `Copy`, so evaluating points allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DesignPoint {
    pub format: usize,
    pub shape: UnitShape,
    pub pipeline: u32,
    /// The architecture as asked for (parts not asked for: the format's default).
    pub arch: crate::rtl::Arch,
    /// The architecture built, both parts resolved.
    pub built: (crate::rtl::Multiplier, crate::rtl::Reduction),
}

/// One costed design point, as the CSV holds it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    pub format: String,
    /// Integer elements (the chart marks INT and FP apart); not a CSV column.
    #[serde(skip)]
    pub is_int: bool,
    pub lanes: usize,
    /// `None` for INT formats (exact sums), written `"exact"`.
    #[serde(with = "crate::fields::psum")]
    pub psum_width: Option<u32>,
    /// The architecture priced; `None` for a model that does not distinguish architectures.
    pub multiplier: Option<crate::rtl::Multiplier>,
    pub reduction: Option<crate::rtl::Reduction>,
    pub pipeline: u32,
    pub latency_cycles: u32,
    pub area_um2: f64,
    pub area_um2_per_mac: f64,
    pub energy_pj_per_block: f64,
    pub energy_pj_per_mac: f64,
    /// Theoretical QSNR of the format at the sweep's crest factor, dB.
    pub qsnr_db: f64,
    /// Maximum clock frequency, MHz, for models that time the unit (synth); a CSV column only
    /// when some row has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fmax_mhz: Option<f64>,
    /// The target clock the point was synthesized toward and timed at (`--clock-mhz`), MHz; a
    /// CSV column only when some row has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_mhz: Option<f64>,
    pub pareto: bool,
}

/// The result of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sweep {
    /// Which model, technology (and for `calibrated`, which fitted results) priced the rows.
    pub provenance: Provenance,
    pub tech: String,
    /// Crest factor of the QSNR column.
    pub kappa: f64,
    /// Combinations requested (the product of the lists).
    pub requested: usize,
    pub rows: Vec<SweepRow>,
    /// Requested combinations that are not valid units, with the reason.
    pub skipped: Vec<String>,
}

/// The design points a sweep asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignSpace {
    /// Distinct valid points, in the order of the lists.
    pub points: Vec<DesignPoint>,
    /// Combinations that are not valid units, with the reason.
    pub skipped: Vec<String>,
    /// Combinations requested: the product of the list lengths.
    pub requested: usize,
}

/// The product of the lists. `lanes` empty means each format's block size. A combination that
/// names a unit already listed (the same format name, lanes, resolved psum width, architecture
/// and depth) is dropped, keeping the first; an architecture a format is not built in is
/// skipped with the reason.
pub fn design_points(
    formats: &[BlockFormat],
    lanes: &[usize],
    psums: &[PsumWidth],
    archs: &[crate::rtl::Arch],
    pipelines: &[u32],
) -> DesignSpace {
    let mut space = DesignSpace {
        points: Vec::new(),
        skipped: Vec::new(),
        requested: 0,
    };
    let mut seen = std::collections::HashSet::new();
    let lane_list: Vec<Option<usize>> = if lanes.is_empty() {
        vec![None]
    } else {
        lanes.iter().map(|&k| Some(k)).collect()
    };
    for (fi, f) in formats.iter().enumerate() {
        for &k in &lane_list {
            for &psum in psums {
                for &arch in archs {
                    for &pipeline in pipelines {
                        space.requested += 1;
                        let built = match arch.resolve(f) {
                            Ok(b) => b,
                            Err(e) => {
                                space.skipped.push(format!("{}: {e}", f.name));
                                continue;
                            }
                        };
                        match UnitShape::new(f, k, psum) {
                            Ok(shape) => {
                                let key = (
                                    f.name.as_str(),
                                    shape.lanes(),
                                    shape.psum_width(),
                                    built,
                                    pipeline,
                                );
                                if seen.insert(key) {
                                    space.points.push(DesignPoint {
                                        format: fi,
                                        shape,
                                        pipeline,
                                        arch,
                                        built,
                                    });
                                }
                            }
                            Err(e) => space.skipped.push(format!("{}: {e}", f.name)),
                        }
                    }
                }
            }
        }
    }
    space
}

/// Cost every point with the analytic model, in parallel; `progress` advances per chunk.
pub fn evaluate(
    points: &[DesignPoint],
    table: &CellTable,
    progress: &ProgressBar,
) -> Vec<UnitTotals> {
    const CHUNK: usize = 4096;
    points
        .par_chunks(CHUNK)
        .flat_map_iter(|chunk| {
            let out: Vec<UnitTotals> = chunk
                .iter()
                .map(|p| analytic::unit_totals(&p.shape, table))
                .collect();
            progress.inc(chunk.len() as u64);
            out
        })
        .collect()
}

fn calibrated_error(why: String) -> SweepError {
    SweepError::Model {
        model: "calibrated",
        why,
    }
}

/// Cost every point with the calibrated model, in parallel; `progress` advances per chunk. The
/// totals carry no cell counts (the calibrated model prices parts, not cells).
pub fn evaluate_calibrated(
    points: &[DesignPoint],
    formats: &[BlockFormat],
    source: &CalibratedSource,
    tech: &Tech,
    progress: &ProgressBar,
) -> Result<Vec<UnitTotals>, SweepError> {
    const CHUNK: usize = 1024;
    let chunks: Vec<Result<Vec<UnitTotals>, SweepError>> = points
        .par_chunks(CHUNK)
        .map(|chunk| {
            let out = chunk
                .iter()
                .map(|p| {
                    let unit = UnitParams {
                        format: formats[p.format].clone(),
                        lanes: p.shape.lanes(),
                        psum_width: p.shape.psum_width(),
                        arch: p.arch,
                    };
                    let c = source
                        .calibration()
                        .unit_cost(&unit, p.pipeline as usize, tech)
                        .map_err(|e| calibrated_error(e.to_string()))?;
                    Ok(UnitTotals {
                        cells: Default::default(),
                        area_um2: c.area_um2,
                        area_um2_per_mac: c.area_um2_per_mac,
                        energy_pj_per_block: c.energy_pj_per_block,
                        energy_pj_per_mac: c.energy_pj_per_mac,
                    })
                })
                .collect();
            progress.inc(chunk.len() as u64);
            out
        })
        .collect();
    let mut all = Vec::with_capacity(points.len());
    for c in chunks {
        all.extend(c?);
    }
    Ok(all)
}

/// Pareto marks for points whose objectives are all to be minimized: `true` where no other
/// point is at least as good in every objective and strictly better in one. Equal points are
/// all kept. O(n log n + n f) for a front of f points: after a lexicographic sort only a front
/// point can dominate a later one.
pub fn pareto_front<const D: usize>(objectives: &[[f64; D]]) -> Vec<bool> {
    let dominates = |a: &[f64; D], b: &[f64; D]| {
        a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
    };
    let mut order: Vec<usize> = (0..objectives.len()).collect();
    order.sort_by(|&a, &b| {
        objectives[a]
            .iter()
            .zip(&objectives[b])
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut on_front = vec![false; objectives.len()];
    let mut front: Vec<usize> = Vec::new();
    for i in order {
        if !front
            .iter()
            .any(|&f| dominates(&objectives[f], &objectives[i]))
        {
            on_front[i] = true;
            front.push(i);
        }
    }
    on_front
}

/// The QSNR as an objective to minimize: -QSNR, and for a format without a scale, which has no
/// theoretical QSNR (NaN), the worst value (it is on the front only by its cost).
pub(crate) fn qsnr_objective(qsnr_db: f64) -> f64 {
    if qsnr_db.is_nan() {
        f64::INFINITY
    } else {
        -qsnr_db
    }
}

/// The formats and psum widths a sweep names, each checked.
fn sweep_axes(args: &SweepArgs) -> Result<(Vec<BlockFormat>, Vec<PsumWidth>), SweepError> {
    let formats = args
        .formats
        .iter()
        .map(|f| crate::format::lookup(f))
        .collect::<Result<Vec<_>, _>>()?;
    let psums = args
        .psum_width
        .iter()
        .map(|s| parse_psum(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((formats, psums))
}

/// The sweep's design space; an error naming the first skipped combination when no point of
/// it is a valid unit.
fn valid_space(
    args: &SweepArgs,
    formats: &[BlockFormat],
    psums: &[PsumWidth],
    archs: &[crate::rtl::Arch],
) -> Result<DesignSpace, SweepError> {
    let space = design_points(formats, &args.lanes, psums, archs, &args.pipeline);
    if space.points.is_empty() {
        return Err(SweepError::NothingValid {
            requested: space.requested,
            first: space.skipped.first().cloned().unwrap_or_default(),
        });
    }
    Ok(space)
}

/// Run a sweep (without writing it).
pub fn sweep(args: &SweepArgs, progress: &ProgressBar) -> Result<Sweep, SweepError> {
    if let Some(path) = &args.plot {
        check_extension(path).map_err(|why| SweepError::Chart {
            path: path.clone(),
            why,
        })?;
    }
    let (formats, psums) = sweep_axes(args)?;
    let tech = Tech::resolve(&args.tech)?;
    if !(KAPPA_MIN..=KAPPA_MAX).contains(&args.kappa) {
        return Err(SweepError::Kappa(args.kappa));
    }
    let qsnr: Vec<f64> = formats
        .iter()
        .map(|f| theory_qsnr_db(f, args.kappa, default_rho(f)))
        .collect();
    let archs = sweep_archs(args);
    if args.model == SweepModel::Analytic && archs.iter().any(|a| !a.is_default()) {
        return Err(SweepError::Model {
            model: "analytic",
            why: "it does not distinguish datapath architectures, so it cannot price \
                  --multiplier or --reduction: drop them, or use --model calibrated"
                .to_string(),
        });
    }
    let DesignSpace {
        points,
        skipped,
        requested,
    } = valid_space(args, &formats, &psums, &archs)?;
    progress.set_length(points.len() as u64);
    let (totals, provenance) = match args.model {
        SweepModel::Analytic => {
            let source = AnalyticSource::new(&args.tech).map_err(|e| SweepError::Model {
                model: "analytic",
                why: e.to_string(),
            })?;
            (
                evaluate(&points, &CellTable::new(&tech), progress),
                source.provenance().clone(),
            )
        }
        SweepModel::Calibrated => {
            let source = CalibratedSource::load(&args.results, &args.tech)
                .map_err(|e| calibrated_error(e.to_string()))?;
            let totals = evaluate_calibrated(&points, &formats, &source, &tech, progress)?;
            (totals, source.provenance().clone())
        }
        SweepModel::Synth => return Err(synth_runs_as_jobs()),
    };
    let priced = |p: &DesignPoint| match args.model {
        SweepModel::Analytic => (None, None),
        SweepModel::Calibrated | SweepModel::Synth => (Some(p.built.0), Some(p.built.1)),
    };
    let objectives: Vec<[f64; 3]> = points
        .iter()
        .zip(&totals)
        .map(|(p, t)| {
            [
                t.energy_pj_per_mac,
                t.area_um2_per_mac,
                qsnr_objective(qsnr[p.format]),
            ]
        })
        .collect();
    let front = pareto_front(&objectives);
    let rows = points
        .iter()
        .zip(&totals)
        .zip(front)
        .map(|((p, t), pareto)| SweepRow {
            format: formats[p.format].name.clone(),
            is_int: formats[p.format].elem.is_int(),
            lanes: p.shape.lanes(),
            psum_width: p.shape.psum_width(),
            multiplier: priced(p).0,
            reduction: priced(p).1,
            pipeline: p.pipeline,
            latency_cycles: 1 + p.pipeline,
            area_um2: t.area_um2,
            area_um2_per_mac: t.area_um2_per_mac,
            energy_pj_per_block: t.energy_pj_per_block,
            energy_pj_per_mac: t.energy_pj_per_mac,
            qsnr_db: qsnr[p.format],
            fmax_mhz: None,
            clock_mhz: None,
            pareto,
        })
        .collect();
    Ok(Sweep {
        provenance,
        tech: tech.name,
        kappa: args.kappa,
        requested,
        rows,
        skipped,
    })
}

fn synth_runs_as_jobs() -> SweepError {
    SweepError::Model {
        model: "synth",
        why: "synthesizing takes minutes per point, so it runs as jobs: write them with \
              --emit-jobs DIR, run them (bash DIR/run-parallel.sh, or sbatch DIR/sbatch.sh), \
              then gather them with --collect DIR"
            .to_string(),
    }
}

/// The architectures a sweep asks for: the product of `--multiplier` and `--reduction`, a list
/// not given standing for each format's default.
fn sweep_archs(args: &SweepArgs) -> Vec<crate::rtl::Arch> {
    let muls: Vec<Option<crate::rtl::Multiplier>> = if args.multiplier.is_empty() {
        vec![None]
    } else {
        args.multiplier.iter().copied().map(Some).collect()
    };
    let reds: Vec<Option<crate::rtl::Reduction>> = if args.reduction.is_empty() {
        vec![None]
    } else {
        args.reduction.iter().copied().map(Some).collect()
    };
    let mut out = Vec::new();
    for &multiplier in &muls {
        for &reduction in &reds {
            out.push(crate::rtl::Arch {
                multiplier,
                reduction,
            });
        }
    }
    out
}

/// A CSV field: quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The sweep as CSV (header and one line per row), numbers rounded as every hwcost CSV is
/// ([`crate::fields::round_sig`]).
pub fn to_csv(s: &Sweep) -> String {
    use crate::fields::round_sig;
    let timed = s.rows.iter().any(|r| r.fmax_mhz.is_some());
    let mut out = String::from(
        "format,lanes,psum_width,multiplier,reduction,pipeline,latency_cycles,area_um2,area_um2_per_mac,energy_pj_per_block,energy_pj_per_mac,qsnr_db,pareto,model,tech",
    );
    let clocked = s.rows.iter().any(|r| r.clock_mhz.is_some());
    out.push_str(if timed { ",fmax_mhz" } else { "" });
    out.push_str(if clocked { ",clock_mhz\n" } else { "\n" });
    let (model, tech) = (csv_field(&s.provenance.model), csv_field(&s.tech));
    for r in &s.rows {
        let n = r.psum_width.map_or("exact".to_string(), |n| n.to_string());
        let m = r.multiplier.map_or("", |m| m.label());
        let red = r.reduction.map_or("", |r| r.label());
        let _ = write!(
            out,
            "{},{},{n},{m},{red},{},{},{},{},{},{},{},{},{model},{tech}",
            csv_field(&r.format),
            r.lanes,
            r.pipeline,
            r.latency_cycles,
            round_sig(r.area_um2),
            round_sig(r.area_um2_per_mac),
            round_sig(r.energy_pj_per_block),
            round_sig(r.energy_pj_per_mac),
            round_sig(r.qsnr_db),
            r.pareto
        );
        if timed {
            let _ = write!(out, ",{}", r.fmax_mhz.map_or(String::new(), round_sig_text));
        }
        if clocked {
            let _ = write!(
                out,
                ",{}",
                r.clock_mhz.map_or(String::new(), round_sig_text)
            );
        }
        out.push('\n');
    }
    out
}

/// Write `bytes` to `path` through a temporary file in the same directory (created if
/// missing), so a reader never sees a partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let err = |source| SweepError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    crate::atomic::write(path, bytes).map_err(err)
}

/// A progress bar on stderr (see [`crate::progress`]).
fn progress_bar() -> ProgressBar {
    crate::progress::bar(0, "{bar:40} {pos}/{len} design points {elapsed}")
}

fn round_sig_text(x: f64) -> String {
    crate::fields::round_sig(x).to_string()
}

/// Draws a sweep's chart (`--plot FILE`) into a file whose extension [`check_extension`]
/// accepted; the error is a sentence. The charts are drawn by the reports, so the
/// command is given this by its caller.
pub type DrawChart = fn(&Sweep, &Path) -> Result<(), String>;

/// A chart path must end in `.svg` or `.png` (checked before a sweep runs).
pub fn check_extension(path: &Path) -> Result<(), String> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg" | "png") => Ok(()),
        _ => Err("a chart file name must end in .svg or .png".into()),
    }
}

/// Run `hwcost sweep`: write the CSV (and the chart, with `draw_chart`), print a summary, list
/// skipped points on stderr. With `--emit-jobs` write the synthesis jobs instead; with
/// `--collect` gather their results.
pub fn run_sweep(args: &SweepArgs, draw_chart: DrawChart) -> anyhow::Result<()> {
    if args.clock_mhz.is_some() && args.emit_jobs.is_none() {
        anyhow::bail!(
            "--clock-mhz synthesizes the points toward a clock: it goes with --model synth --emit-jobs DIR \
             (the analytic and calibrated models have no clock; --collect reads the clock from the jobs' manifest)"
        );
    }
    if let Some(dir) = &args.emit_jobs {
        if args.model != SweepModel::Synth {
            anyhow::bail!("--emit-jobs writes synthesis jobs: add --model synth");
        }
        return jobs::run_emit(args, dir);
    }
    let s = match &args.collect {
        Some(dir) => {
            if let Some(path) = &args.plot {
                check_extension(path).map_err(|why| SweepError::Chart {
                    path: path.clone(),
                    why,
                })?;
            }
            jobs::collect(dir, args.cache_dir.as_deref())?
        }
        None => {
            let pb = progress_bar();
            let s = sweep(args, &pb)?;
            pb.finish_and_clear();
            s
        }
    };
    write_atomic(&args.output, to_csv(&s).as_bytes())?;
    if let Some(path) = &args.plot {
        draw_chart(&s, path).map_err(|why| SweepError::Chart {
            path: path.clone(),
            why,
        })?;
        eprintln!("wrote {}", path.display());
    }
    for why in &s.skipped {
        eprintln!("skipped: {why}");
    }
    let front = s.rows.iter().filter(|r| r.pareto).count();
    println!(
        "{} design points ({} requested, {} skipped, {} duplicates merged), {} on the Pareto front (energy/MAC, area/MAC, QSNR at kappa {}), {} model, tech {}: {}",
        s.rows.len(),
        s.requested,
        s.skipped.len(),
        s.requested - s.skipped.len() - s.rows.len(),
        front,
        s.kappa,
        s.provenance.model,
        s.tech,
        args.output.display()
    );
    Ok(())
}

/// A raw design point of the benchmark: format index, lanes, psum width, pipeline depth.
type BenchPoint = (usize, usize, PsumWidth, u32);

/// The benchmark's design space: every built-in format, lanes 1..=64, every valid psum width
/// of the FP formats (product width to exact; one for INT), pipeline 0..=15.
fn bench_space() -> (Vec<BlockFormat>, Vec<BenchPoint>) {
    let formats = crate::format::builtins();
    let mut raw = Vec::new();
    for (fi, f) in formats.iter().enumerate() {
        let widths: Vec<PsumWidth> = if f.elem.is_int() {
            vec![PsumWidth::Default]
        } else {
            (2 * f.elem.man_bits() + 2..=f.exact_psum_width())
                .map(PsumWidth::Bits)
                .collect()
        };
        for k in [1, 2, 4, 8, 16, 32, 64] {
            for &w in &widths {
                for pipeline in 0..16 {
                    raw.push((fi, k, w, pipeline));
                }
            }
        }
    }
    (formats, raw)
}

/// Validate and cost one design point, allocation-free: what the benchmark times per point.
/// Every point of [`bench_space`] is valid; an invalid one would give NaN.
fn cost_point(
    formats: &[BlockFormat],
    table: &CellTable,
    p: &(usize, usize, PsumWidth, u32),
) -> f64 {
    match UnitShape::new(&formats[p.0], Some(p.1), p.2) {
        Ok(shape) => {
            let t = analytic::unit_totals(&shape, table);
            t.energy_pj_per_mac + t.area_um2_per_mac + p.3 as f64
        }
        Err(_) => f64::NAN,
    }
}

/// Points per second of `run` over `points`, repeated until at least `min_secs` have passed.
fn rate(points: usize, min_secs: f64, mut run: impl FnMut() -> f64) -> (f64, f64) {
    let start = Instant::now();
    let mut reps = 0u64;
    let mut sink = 0.0;
    while reps == 0 || start.elapsed().as_secs_f64() < min_secs {
        sink += std::hint::black_box(run());
        reps += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    (reps as f64 * points as f64 / secs, sink)
}

/// Measure analytic design points per second, single thread and on all cores, and write
/// `out_dir/bench-sweep.md`.
pub fn run_bench_sweep(out_dir: &Path) -> anyhow::Result<()> {
    let md = bench_sweep_report(2.0)?;
    write_atomic(&out_dir.join("bench-sweep.md"), md.as_bytes())?;
    print!("{md}");
    Ok(())
}

/// The benchmark report, each rate measured for at least `min_secs`.
fn bench_sweep_report(min_secs: f64) -> anyhow::Result<String> {
    let tech = Tech::resolve(DEFAULT_TECH)?;
    let table = CellTable::new(&tech);
    let (formats, raw) = bench_space();
    let n = raw.len();
    // Warm caches and the thread pool before timing; a NaN would mean an invalid point.
    let warm: f64 = raw.iter().map(|p| cost_point(&formats, &table, p)).sum();
    anyhow::ensure!(
        warm.is_finite(),
        "the benchmark design space holds an invalid unit"
    );
    let (single, s1) = rate(n, min_secs, || {
        raw.iter().map(|p| cost_point(&formats, &table, p)).sum()
    });
    let threads = rayon::current_num_threads();
    let (all, s2) = rate(n, min_secs, || {
        raw.par_iter()
            .map(|p| cost_point(&formats, &table, p))
            .sum()
    });
    // The breakdown path for comparison: UnitParams (a cloned format) and analytic_cost (a
    // Vec of components and two Strings) per point.
    let (detailed, s3) = rate(n, min_secs, || {
        raw.iter()
            .map(|p| {
                let params =
                    UnitParams::new(formats[p.0].clone(), Some(p.1), p.2).expect("valid point");
                analytic::analytic_cost(&params, &tech)
                    .total
                    .energy_pj_per_mac
            })
            .sum()
    });
    let study = 35_000.0;
    let cpu = crate::machine::cpu_model();
    let load = crate::machine::load_average();
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark: analytic design points per second\n");
    let _ = writeln!(
        md,
        "Generated by `run_bench_sweep` (`hwcost::cost::sweep`). A design point is validated \
(`UnitShape::new`: lanes, psum width) and costed (`unit_totals`: area and energy per MAC from \
the analytic model's cell counts and the {} cell table), allocation-free. Design space: the 10 \
built-in formats x lanes 1..64 (7 values) x every valid psum width of the FP formats (product \
width to exact; one for INT) x pipeline 0..15: {n} points. Each rate repeats the whole space for at least {min_secs} s.\n",
        tech.name
    );
    let _ = writeln!(
        md,
        "| run | threads | design points/s | per core | target per core |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    let _ = writeln!(
        md,
        "| single thread | 1 | {:.0} | {:.0} | 1,000,000 |",
        single, single
    );
    let _ = writeln!(
        md,
        "| rayon, all cores | {threads} | {:.0} | {:.0} | 1,000,000 |",
        all,
        all / threads as f64
    );
    let _ = writeln!(
        md,
        "| single thread, full breakdown (`analytic_cost`, allocating) | 1 | {:.0} | {:.0} | - |",
        detailed, detailed
    );
    let _ = writeln!(
        md,
        "\nThe TSMC DAC 2025 study's 35,000 synthesized designs take {:.1} ms at the single-thread rate.\n",
        study / single * 1e3
    );
    let _ = writeln!(
        md,
        "Machine: {cpu}; {} hardware threads; rayon pool {threads}; load average (1, 5, 15 min) {load} \
before the run; build: {}.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if cfg!(debug_assertions) {
            "debug (numbers not representative)"
        } else {
            "release"
        }
    );
    std::hint::black_box((s1, s2, s3));
    Ok(md)
}

pub mod jobs;

#[cfg(test)]
pub(crate) mod tests;
