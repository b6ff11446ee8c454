//! Synthesized sweeps as independent jobs (`hwcost sweep --model synth --emit-jobs DIR`, then
//! `hwcost sweep --collect DIR`).
//!
//! Synthesizing a design point takes seconds to minutes, so a synthesized sweep is not run in
//! this process: `--emit-jobs` writes one `hwcost synth` command line per design point
//! (`jobs.txt`, every option explicit, absolute paths only, so a line runs from any directory
//! on any node that sees the same paths), a GNU parallel driver (`run-parallel.sh`), a Slurm
//! array script (`sbatch.sh`, one array task per line) and `manifest.json`: the points, each
//! with the key of its result in the content-addressed cache
//! ([`crate::synth::unit_synth::prepare`]: flow version, Liberty, tool versions, Verilog,
//! measurement settings), the tool versions expected and the cache directory. Each job stores
//! its result under that key; `--collect` reads the results back by key, builds the sweep's
//! rows (the hierarchical synthesis' area and energy, as `compare` reports them, and the
//! flattened netlist's fmax), marks the Pareto front and writes the CSV and chart like the
//! other models.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{
    pareto_front, qsnr_objective, sweep_archs, sweep_axes, valid_space, write_atomic, DesignSpace,
    Sweep, SweepArgs, SweepError, SweepRow,
};
use crate::format::qsnr::{default_rho, theory_qsnr_db, KAPPA_MAX, KAPPA_MIN};
use crate::rtl;
use crate::synth::synth_command::{load_pdk, table_provenance};
use crate::synth::tools::{Engine, Toolchain};
use crate::synth::unit_synth::{
    default_cache_dir, prepare, result_path, UnitSynthReport, UnitSynthRequest, DEFAULT_BLOCKS,
    DEFAULT_CLOCK_NS, DEFAULT_SEED,
};

/// File names written into the jobs directory.
pub const MANIFEST: &str = "manifest.json";
pub const JOBS: &str = "jobs.txt";
pub const RUN_PARALLEL: &str = "run-parallel.sh";
pub const SBATCH: &str = "sbatch.sh";

/// Version of the manifest layout.
pub const MANIFEST_SCHEMA: u32 = 1;

/// The only technology synthesis maps to.
const SYNTH_TECH: &str = "sky130hd";

/// Tool versions and input hashes every job's result is expected to carry (they are part of
/// its cache key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedTools {
    pub engine: String,
    pub yosys: String,
    pub sta: String,
    pub iverilog: String,
    pub liberty: String,
    pub liberty_sha256: String,
}

/// One design point of a synthesized sweep and its job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobPoint {
    /// The generated unit's name (format, lanes, psum width, depth, architecture).
    pub unit: String,
    /// Format name, and what the job passes to `hwcost synth` (a built-in name or the absolute
    /// path of a format file).
    pub format: String,
    pub format_arg: String,
    pub lanes: usize,
    /// Aligner width; `None` for INT formats (exact sums).
    pub psum_width: Option<u32>,
    pub multiplier: String,
    pub reduction: String,
    pub pipeline: u32,
    pub verilog_sha256: String,
    /// The result's key in the cache: `CACHE/units/KEY.json`.
    pub cache_key: String,
    /// The line of `jobs.txt` that synthesizes it.
    pub command: String,
}

/// `manifest.json`: what `--collect` needs to gather the results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: u32,
    /// The hwcost that emitted the jobs, and the binary the jobs run.
    pub generator: String,
    pub hwcost: PathBuf,
    pub cache_dir: PathBuf,
    pub pdk_dir: PathBuf,
    pub tools: ExpectedTools,
    pub clock_ns: f64,
    /// The target clock every point was synthesized toward (`--clock-mhz`), MHz; `None`: the
    /// default area-oriented mapping, timed at clock_ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_mhz: Option<f64>,
    pub cycles: usize,
    pub seed: u64,
    pub tech: String,
    pub kappa: f64,
    /// Combinations requested, and those that are not valid units (with the reason).
    pub requested: usize,
    pub skipped: Vec<String>,
    pub points: Vec<JobPoint>,
}

/// `s` quoted for a POSIX shell (unchanged when it needs no quotes).
fn sh(s: &str) -> Result<String, SweepError> {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .map_err(|e| SweepError::Model {
            model: "synth",
            why: format!("cannot quote {s:?} for a shell command line: {e}"),
        })
}

/// The settings shared by every job line.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSettings {
    pub hwcost: PathBuf,
    pub pdk_dir: PathBuf,
    pub cache_dir: PathBuf,
    pub clock_ns: f64,
    /// Synthesize toward this clock, MHz (`--clock-mhz`; then clock_ns is its period).
    pub target_mhz: Option<f64>,
    pub cycles: usize,
    pub seed: u64,
}

/// The `hwcost synth` command line of one point: every option explicit, absolute paths, the
/// PDK directory in the environment, the text report thrown away (the result is in the cache).
pub fn job_line(
    s: &JobSettings,
    format_arg: &str,
    lanes: usize,
    psum_width: Option<u32>,
    built: (rtl::Multiplier, rtl::Reduction),
    pipeline: u32,
) -> Result<String, SweepError> {
    let mut line = format!(
        "HWCOST_PDK_DIR={} {} synth {} --lanes {lanes}",
        sh(&s.pdk_dir.to_string_lossy())?,
        sh(&s.hwcost.to_string_lossy())?,
        sh(format_arg)?
    );
    if let Some(n) = psum_width {
        let _ = write!(line, " --psum-width {n}");
    }
    let clock = match s.target_mhz {
        Some(f) => format!("--clock-mhz {f}"),
        None => format!("--clock-ns {}", s.clock_ns),
    };
    let _ = write!(
        line,
        " --pipeline {pipeline} --multiplier {} --reduction {} {clock} --cycles {} --seed {} \
         --engine {} --cache-dir {} >/dev/null",
        built.0.label(),
        built.1.label(),
        s.cycles,
        s.seed,
        Engine::System.name(),
        sh(&s.cache_dir.to_string_lossy())?
    );
    Ok(line)
}

fn absolute(p: &Path) -> Result<PathBuf, SweepError> {
    std::path::absolute(p).map_err(|source| SweepError::Write {
        path: p.to_path_buf(),
        source,
    })
}

fn synth_error(why: impl std::fmt::Display) -> SweepError {
    SweepError::Model {
        model: "synth",
        why: why.to_string(),
    }
}

/// What a format is passed to jobs as: its built-in name, or a format file's absolute path.
fn format_arg(name: &str) -> Result<String, SweepError> {
    let p = Path::new(name);
    if p.extension().is_some_and(|e| e == "toml") {
        Ok(absolute(p)?.to_string_lossy().into_owned())
    } else {
        Ok(name.to_string())
    }
}

/// The manifest of the jobs `args` asks for (validates the sweep, generates every unit and
/// computes its cache key with this machine's tools).
pub fn plan_jobs(args: &SweepArgs) -> Result<Manifest, SweepError> {
    if args.tech != SYNTH_TECH {
        return Err(synth_error(format!(
            "synthesis maps to {SYNTH_TECH} only, got --tech {}",
            args.tech
        )));
    }
    if !(KAPPA_MIN..=KAPPA_MAX).contains(&args.kappa) {
        return Err(SweepError::Kappa(args.kappa));
    }
    let (formats, psums) = sweep_axes(args)?;
    let archs = sweep_archs(args);
    let DesignSpace {
        points,
        skipped,
        requested,
    } = valid_space(args, &formats, &psums, &archs)?;
    let (pdk, lib) = load_pdk().map_err(synth_error)?;
    let tools = Toolchain::from_env();
    let cache_dir = absolute(&args.cache_dir.clone().unwrap_or_else(default_cache_dir))?;
    let hwcost = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| synth_error(format!("cannot locate the hwcost binary: {e}")))?;
    let pdk_dir = pdk
        .liberty
        .parent()
        .expect("the Liberty lies in the PDK directory")
        .to_path_buf();
    let settings = JobSettings {
        hwcost: hwcost.clone(),
        pdk_dir: pdk_dir.clone(),
        cache_dir: cache_dir.clone(),
        clock_ns: args.clock_mhz.map_or(DEFAULT_CLOCK_NS, |f| 1000.0 / f),
        target_mhz: args.clock_mhz,
        cycles: DEFAULT_BLOCKS,
        seed: DEFAULT_SEED,
    };
    let mut expected = None;
    let mut jobs = Vec::with_capacity(points.len());
    for p in &points {
        let f = &formats[p.format];
        let psum_width = p.shape.psum_width();
        let params = rtl::UnitParams {
            lanes: Some(p.shape.lanes()),
            psum_width: psum_width.map_or(rtl::PsumWidth::Default, rtl::PsumWidth::Bits),
            pipeline: p.pipeline as usize,
            arch: rtl::Arch::new(p.built.0, p.built.1),
        };
        let mut req = UnitSynthRequest::new(f.clone(), params, cache_dir.clone());
        req.clock_ns = settings.clock_ns;
        if let Some(f) = settings.target_mhz {
            req.mapping = crate::synth::clock::ClockTarget::from_mhz(f).mapping();
        }
        req.blocks = settings.cycles;
        req.seed = settings.seed;
        let prepared = prepare(&req, &lib, &tools).map_err(synth_error)?;
        let pv = &prepared.provenance;
        expected.get_or_insert_with(|| ExpectedTools {
            engine: pv.engine.clone(),
            yosys: pv.yosys.clone(),
            sta: pv.sta.clone(),
            iverilog: pv.iverilog.clone(),
            liberty: pv.liberty.clone(),
            liberty_sha256: pv.liberty_sha256.clone(),
        });
        let arg = format_arg(&args.formats[p.format])?;
        jobs.push(JobPoint {
            unit: prepared.plan.name.clone(),
            format: f.name.clone(),
            command: job_line(
                &settings,
                &arg,
                p.shape.lanes(),
                psum_width,
                p.built,
                p.pipeline,
            )?,
            format_arg: arg,
            lanes: p.shape.lanes(),
            psum_width,
            multiplier: p.built.0.label().to_string(),
            reduction: p.built.1.label().to_string(),
            pipeline: p.pipeline,
            verilog_sha256: pv.verilog_sha256.clone(),
            cache_key: pv.cache_key.clone(),
        });
    }
    Ok(Manifest {
        schema: MANIFEST_SCHEMA,
        generator: crate::cost::source::GENERATOR.to_string(),
        hwcost,
        cache_dir,
        pdk_dir,
        tools: expected.expect("at least one point"),
        clock_ns: settings.clock_ns,
        target_mhz: settings.target_mhz,
        cycles: settings.cycles,
        seed: settings.seed,
        tech: SYNTH_TECH.to_string(),
        kappa: args.kappa,
        requested,
        skipped,
        points: jobs,
    })
}

/// `run-parallel.sh`: every line of `jobs.txt` through GNU parallel, `-j N` jobs at a time
/// (default 2), a job log beside it.
pub fn run_parallel_script(n_jobs: usize) -> String {
    format!(
        r#"#!/usr/bin/env bash
# Runs the {n_jobs} synthesis jobs of jobs.txt (one `hwcost synth` per line) with GNU parallel
# (Debian package `parallel`), -j N at a time (default 2); each stores its result in the
# content-addressed cache named in manifest.json. Then: hwcost sweep --collect <this directory>
# A rerun only redoes jobs that failed or never ran (--resume-failed).
set -euo pipefail
here="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    -j) jobs="$2"; shift 2 ;;
    -j*) jobs="${{1#-j}}"; shift ;;
    *) echo "usage: $0 [-j N]" >&2; exit 2 ;;
  esac
done
command -v parallel >/dev/null || {{ echo "GNU parallel is missing: apt-get install -y parallel" >&2; exit 1; }}
parallel --will-cite --jobs "$jobs" --joblog "$here/joblog.txt" --resume-failed --halt never \
  --tagstring '{{#}}' :::: "$here/{JOBS}"
echo "all jobs done; gather them with: hwcost sweep --collect $here" >&2
"#
    )
}

/// `sbatch.sh`: a Slurm array with one task per line of `jobs.txt` (absolute path: Slurm runs a
/// copy of the script).
pub fn sbatch_script(jobs_file: &Path, n_jobs: usize) -> Result<String, SweepError> {
    let jobs = sh(&jobs_file.to_string_lossy())?;
    Ok(format!(
        r#"#!/usr/bin/env bash
# Slurm array: task i runs line i of jobs.txt (one `hwcost synth` each); submit with
#   sbatch sbatch.sh
# The hwcost binary, the PDK directory and the cache directory in the job lines must be
# reachable from every node (a shared file system). Then: hwcost sweep --collect <this directory>
#SBATCH --job-name=hwcost-sweep
#SBATCH --array=1-{n_jobs}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=hwcost-sweep-%A_%a.log
set -euo pipefail
line="$(sed -n "${{SLURM_ARRAY_TASK_ID}}p" {jobs})"
[ -n "$line" ] || {{ echo "no line $SLURM_ARRAY_TASK_ID in {jobs}" >&2; exit 1; }}
exec bash -c "$line"
"#
    ))
}

/// Write the jobs directory: `jobs.txt`, `run-parallel.sh`, `sbatch.sh`, `manifest.json`.
pub fn write_jobs(dir: &Path, m: &Manifest) -> Result<(), SweepError> {
    let dir = absolute(dir)?;
    let mut jobs = String::new();
    for p in &m.points {
        jobs.push_str(&p.command);
        jobs.push('\n');
    }
    write_atomic(&dir.join(JOBS), jobs.as_bytes())?;
    let n = m.points.len();
    for (name, text) in [
        (RUN_PARALLEL, run_parallel_script(n)),
        (SBATCH, sbatch_script(&dir.join(JOBS), n)?),
    ] {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|source| SweepError::Write { path, source })?;
    }
    let text = serde_json::to_string_pretty(m).expect("plain data serializes") + "\n";
    write_atomic(&dir.join(MANIFEST), text.as_bytes())
}

/// Run `hwcost sweep --model synth --emit-jobs DIR`.
pub fn run_emit(args: &SweepArgs, dir: &Path) -> anyhow::Result<()> {
    let m = plan_jobs(args)?;
    write_jobs(dir, &m)?;
    for why in &m.skipped {
        eprintln!("skipped: {why}");
    }
    let d = dir.display();
    println!(
        "{} synthesis jobs ({} requested, {} skipped) in {d}/{JOBS}; cache {}; run them with \
         `bash {d}/{RUN_PARALLEL} -j N` (GNU parallel) or `sbatch {d}/{SBATCH}` (Slurm), then \
         `hwcost sweep --collect {d}`",
        m.points.len(),
        m.requested,
        m.skipped.len(),
        m.cache_dir.display()
    );
    Ok(())
}

/// Read `DIR/manifest.json`.
pub fn load_manifest(dir: &Path) -> Result<Manifest, SweepError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        synth_error(format!(
            "cannot read {}: {e}; write it with `hwcost sweep --model synth --emit-jobs {}`",
            path.display(),
            dir.display()
        ))
    })?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        synth_error(format!(
            "{} is not a sweep manifest ({e}); emit the jobs again with `hwcost sweep --model synth --emit-jobs {}`",
            path.display(),
            dir.display()
        ))
    })?;
    if m.schema != MANIFEST_SCHEMA {
        return Err(synth_error(format!(
            "{} has manifest schema {}, this hwcost reads {MANIFEST_SCHEMA}: emit the jobs again",
            path.display(),
            m.schema
        )));
    }
    Ok(m)
}

fn read_report(path: &Path) -> Result<UnitSynthReport, SweepError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| synth_error(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        synth_error(format!(
            "{} is not a synthesis result ({e}): delete it and rerun its job",
            path.display()
        ))
    })
}

/// The tools of a result, as the manifest lists them.
fn tools_of(r: &UnitSynthReport) -> ExpectedTools {
    let p = &r.provenance;
    ExpectedTools {
        engine: p.engine.clone(),
        yosys: p.yosys.clone(),
        sta: p.sta.clone(),
        iverilog: p.iverilog.clone(),
        liberty: p.liberty.clone(),
        liberty_sha256: p.liberty_sha256.clone(),
    }
}

fn describe_tools(t: &ExpectedTools) -> String {
    format!(
        "{}, OpenSTA {}, {}, {} (sha256 {})",
        t.engine,
        t.sta,
        t.iverilog,
        t.liberty,
        &t.liberty_sha256[..t.liberty_sha256.len().min(12)]
    )
}

/// Results in the cache for the same unit and settings under another key: made with other
/// tools (or another flow version).
fn other_versions(cache_dir: &Path, m: &Manifest, p: &JobPoint) -> Vec<UnitSynthReport> {
    let Ok(entries) = std::fs::read_dir(cache_dir.join("units")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        if let Ok(r) = read_report(&path) {
            if r.provenance.verilog_sha256 == p.verilog_sha256
                && r.provenance.cache_key != p.cache_key
                && r.clock_ns == m.clock_ns
                && r.blocks == m.cycles
                && r.seed == m.seed
            {
                out.push(r);
            }
        }
    }
    out
}

/// The front of a sweep at target clock `mhz`: only the points whose fmax reaches it compete
/// (the others cannot run at it), over energy and area per MAC, QSNR and fmax.
pub fn clocked_front(rows: &mut [super::SweepRow], mhz: f64) {
    let meets: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].fmax_mhz.is_some_and(|f| f >= mhz))
        .collect();
    let objectives: Vec<[f64; 4]> = meets
        .iter()
        .map(|&i| {
            let r = &rows[i];
            [
                r.energy_pj_per_mac,
                r.area_um2_per_mac,
                qsnr_objective(r.qsnr_db),
                -r.fmax_mhz.unwrap_or(0.0),
            ]
        })
        .collect();
    for r in rows.iter_mut() {
        r.pareto = false;
    }
    for (&i, on) in meets.iter().zip(pareto_front(&objectives)) {
        rows[i].pareto = on;
    }
}

/// The results of every point of the manifest, in its order, from `cache_dir` (default: the
/// manifest's). Fails naming every point without a result: how to run it, or which tools made
/// the result the cache holds for it instead.
pub fn gather(
    m: &Manifest,
    dir: &Path,
    cache_dir: &Path,
) -> Result<Vec<UnitSynthReport>, SweepError> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let mut foreign = Vec::new();
    for p in &m.points {
        let path = result_path(cache_dir, &p.cache_key);
        if path.is_file() {
            let r = read_report(&path)?;
            if tools_of(&r) != m.tools || r.provenance.verilog_sha256 != p.verilog_sha256 {
                return Err(synth_error(format!(
                    "{} ({}) was made with {}; the manifest expects {}",
                    path.display(),
                    p.unit,
                    describe_tools(&tools_of(&r)),
                    describe_tools(&m.tools)
                )));
            }
            found.push(r);
        } else {
            let others = other_versions(cache_dir, m, p);
            match others.first() {
                Some(r) => foreign.push(format!(
                    "  {}: the cache holds a result made with {}",
                    p.unit,
                    describe_tools(&tools_of(r))
                )),
                None => missing.push(format!("  {}: {}", p.unit, p.command)),
            }
        }
    }
    let mut why = String::new();
    if !foreign.is_empty() {
        let _ = write!(
            why,
            "{} of {} design points have results only from other tool versions (the jobs in {} expect {}); \
             rerun their jobs with the expected tools, or emit the jobs again with these:\n{}\n",
            foreign.len(),
            m.points.len(),
            dir.display(),
            describe_tools(&m.tools),
            foreign.join("\n")
        );
    }
    if !missing.is_empty() {
        let _ = write!(
            why,
            "{} of {} design points have no result in {}; run them (`bash {}/{RUN_PARALLEL} -j N`, \
             `sbatch {}/{SBATCH}`, or each line below), then collect again:\n{}",
            missing.len(),
            m.points.len(),
            cache_dir.display(),
            dir.display(),
            dir.display(),
            missing.join("\n")
        );
    }
    if why.is_empty() {
        Ok(found)
    } else {
        Err(synth_error(why.trim_end()))
    }
}

/// The sweep of a jobs directory: its results as rows, the Pareto front marked.
pub fn collect(dir: &Path, cache_dir: Option<&Path>) -> Result<Sweep, SweepError> {
    let m = load_manifest(dir)?;
    if m.points.is_empty() {
        return Err(synth_error(format!(
            "{} lists no design points",
            dir.join(MANIFEST).display()
        )));
    }
    if !(KAPPA_MIN..=KAPPA_MAX).contains(&m.kappa) {
        return Err(SweepError::Kappa(m.kappa));
    }
    let cache = cache_dir.map_or_else(|| m.cache_dir.clone(), Path::to_path_buf);
    let reports = gather(&m, dir, &cache)?;
    let mut rows = Vec::with_capacity(reports.len());
    for (p, r) in m.points.iter().zip(&reports) {
        let f = crate::format::lookup(&p.format_arg)?;
        let unit = r.analytic_params(&f).map_err(synth_error)?;
        let c = r.unit_cost(&unit, &m.tech);
        rows.push(SweepRow {
            format: f.name.clone(),
            is_int: f.elem.is_int(),
            lanes: r.lanes,
            psum_width: p.psum_width,
            multiplier: Some(r.architecture().0),
            reduction: Some(r.architecture().1),
            pipeline: p.pipeline,
            latency_cycles: r.registers.latency_cycles as u32,
            area_um2: c.area_um2,
            area_um2_per_mac: c.area_um2_per_mac,
            energy_pj_per_block: c.energy_pj_per_block,
            energy_pj_per_mac: c.energy_pj_per_mac,
            qsnr_db: theory_qsnr_db(&f, m.kappa, default_rho(&f)),
            fmax_mhz: c.fmax_mhz,
            clock_mhz: m.target_mhz,
            pareto: false,
        });
    }
    match m.target_mhz {
        None => {
            let objectives: Vec<[f64; 3]> = rows
                .iter()
                .map(|r| {
                    [
                        r.energy_pj_per_mac,
                        r.area_um2_per_mac,
                        qsnr_objective(r.qsnr_db),
                    ]
                })
                .collect();
            for (r, on) in rows.iter_mut().zip(pareto_front(&objectives)) {
                r.pareto = on;
            }
        }
        Some(f) => clocked_front(&mut rows, f),
    }
    Ok(Sweep {
        provenance: table_provenance(&reports[0]),
        tech: m.tech.clone(),
        kappa: m.kappa,
        requested: m.requested,
        rows,
        skipped: m.skipped.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> JobSettings {
        JobSettings {
            hwcost: PathBuf::from("/opt/hw cost/bin/hwcost"),
            pdk_dir: PathBuf::from("/srv/pdk/sky130_fd_sc_hd"),
            cache_dir: PathBuf::from("/shared/cache"),
            clock_ns: DEFAULT_CLOCK_NS,
            target_mhz: None,
            cycles: DEFAULT_BLOCKS,
            seed: DEFAULT_SEED,
        }
    }

    #[test]
    fn job_lines_are_explicit_absolute_and_quoted() {
        use rtl::{Multiplier, Reduction};
        let s = settings();
        let fp = job_line(
            &s,
            "mxfp8",
            16,
            Some(24),
            (Multiplier::Array, Reduction::CsaTree),
            1,
        )
        .unwrap();
        assert_eq!(
            fp,
            format!(
                "HWCOST_PDK_DIR=/srv/pdk/sky130_fd_sc_hd '/opt/hw cost/bin/hwcost' synth mxfp8 --lanes 16 \
                 --psum-width 24 --pipeline 1 --multiplier array --reduction csa-tree --clock-ns {} \
                 --cycles {} --seed {} --engine system --cache-dir /shared/cache >/dev/null",
                DEFAULT_CLOCK_NS, DEFAULT_BLOCKS, DEFAULT_SEED
            )
        );
        // INT units have no psum option; the words split back into what was put in
        let int = job_line(
            &s,
            "/data/my formats/int5.toml",
            4,
            None,
            (Multiplier::Booth4, Reduction::CpaTree),
            0,
        )
        .unwrap();
        assert!(!int.contains("--psum-width"), "{int}");
        let words = shlex::split(&int).unwrap();
        assert_eq!(words[1], "/opt/hw cost/bin/hwcost");
        assert_eq!(words[3], "/data/my formats/int5.toml");
        assert!(words.windows(2).any(|w| w == ["--multiplier", "booth4"]));
        assert!(words.windows(2).any(|w| w == ["--reduction", "cpa-tree"]));
    }

    #[test]
    fn job_lines_parse_as_the_synth_command() {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrap {
            #[command(subcommand)]
            cmd: Cmd,
        }
        #[derive(clap::Subcommand)]
        enum Cmd {
            Synth(crate::synth::synth_command::SynthArgs),
        }
        // the synth arguments of an nvfp4 job line under `s`
        let parse = |s: &JobSettings| {
            let line = job_line(
                s,
                "nvfp4",
                8,
                Some(12),
                (rtl::Multiplier::Array, rtl::Reduction::CsaTree),
                2,
            )
            .unwrap();
            let words = shlex::split(&line).unwrap();
            // words: env assignment, binary, then the subcommand up to the redirection
            let end = words.iter().position(|w| w == ">/dev/null").unwrap();
            let argv: Vec<&str> = std::iter::once("hwcost")
                .chain(words[2..end].iter().map(String::as_str))
                .collect();
            let Cmd::Synth(a) = Wrap::try_parse_from(argv).unwrap().cmd;
            a
        };
        let a = parse(&settings());
        assert_eq!(a.formats, vec!["nvfp4"]);
        assert_eq!(
            (
                a.lanes,
                a.psum_width,
                a.pipeline,
                a.clock_ns,
                a.cycles,
                a.seed
            ),
            (
                Some(8),
                Some(rtl::PsumWidth::Bits(12)),
                Some(2),
                DEFAULT_CLOCK_NS,
                DEFAULT_BLOCKS,
                DEFAULT_SEED
            )
        );
        assert_eq!(
            a.arch,
            rtl::Arch::new(rtl::Multiplier::Array, rtl::Reduction::CsaTree)
        );
        assert_eq!(a.cache_dir, Some(PathBuf::from("/shared/cache")));
        // at a target clock the job synthesizes toward it, at the point's own depth
        let a = parse(&JobSettings {
            clock_ns: 8.0,
            target_mhz: Some(125.0),
            ..settings()
        });
        assert_eq!(
            a.clock.target(),
            Some(crate::synth::clock::ClockTarget::from_mhz(125.0))
        );
        assert_eq!(a.pipeline, Some(2));
    }

    /// At a target clock only the points that reach it compete, and fmax is an objective: a
    /// deeper unit of the same cost that runs faster stays on the front.
    #[test]
    fn the_front_at_a_clock_keeps_the_points_that_meet_it() {
        let row = |pipeline: u32, area: f64, fmax: f64| super::super::SweepRow {
            format: "mxint8".into(),
            is_int: true,
            lanes: 4,
            psum_width: None,
            multiplier: None,
            reduction: None,
            pipeline,
            latency_cycles: pipeline + 1,
            area_um2: area * 4.0,
            area_um2_per_mac: area,
            energy_pj_per_block: 4.0,
            energy_pj_per_mac: 1.0,
            qsnr_db: 40.0,
            fmax_mhz: Some(fmax),
            clock_mhz: Some(100.0),
            pareto: true,
        };
        // S=0 is the smallest but misses 100 MHz; S=1 meets it; S=2 costs more and is faster;
        // S=3 costs more than S=2 and is slower: dominated
        let mut rows = vec![
            row(0, 90.0, 80.0),
            row(1, 100.0, 105.0),
            row(2, 110.0, 120.0),
            row(3, 111.0, 119.0),
        ];
        clocked_front(&mut rows, 100.0);
        let front: Vec<bool> = rows.iter().map(|r| r.pareto).collect();
        assert_eq!(front, [false, true, true, false]);
    }

    #[test]
    fn explicit_default_architecture_generates_the_same_unit() {
        // jobs name the architecture explicitly; the default points must hit the same cache
        // entries as `hwcost synth FORMAT` without options (and the shipped reports)
        for name in ["mxint8", "mxint4", "mxfp8", "nvfp4"] {
            let f = crate::format::lookup(name).unwrap();
            let plain = rtl::UnitParams {
                lanes: Some(4),
                psum_width: rtl::PsumWidth::Default,
                pipeline: 0,
                arch: rtl::Arch::default(),
            };
            let (m, r) = rtl::default_architecture(&f);
            let explicit = rtl::UnitParams {
                arch: rtl::Arch::new(m, r),
                psum_width: if f.elem.is_int() {
                    rtl::PsumWidth::Default
                } else {
                    rtl::PsumWidth::Bits(f.default_psum_width())
                },
                ..plain
            };
            let a = rtl::generate(&f, &plain, None).unwrap();
            let b = rtl::generate(&f, &explicit, None).unwrap();
            assert!(
                a.verilog == b.verilog,
                "{name}: the generated Verilog differs"
            );
        }
    }

    #[test]
    fn scripts_run_the_jobs_file() {
        let p = run_parallel_script(3);
        assert!(
            p.contains("--joblog") && p.contains(":::: \"$here/jobs.txt\""),
            "{p}"
        );
        let s = sbatch_script(Path::new("/shared/sweep/jobs.txt"), 24).unwrap();
        assert!(s.contains("#SBATCH --array=1-24\n"), "{s}");
        assert!(
            s.contains("sed -n \"${SLURM_ARRAY_TASK_ID}p\" /shared/sweep/jobs.txt"),
            "{s}"
        );
    }

    #[test]
    fn a_corrupt_or_missing_manifest_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = load_manifest(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("manifest.json") && e.contains("--emit-jobs"),
            "{e}"
        );
        std::fs::write(dir.path().join(MANIFEST), "{\"schema\": 1, \"points\": [").unwrap();
        let e = load_manifest(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not a sweep manifest"), "{e}");
    }
}
