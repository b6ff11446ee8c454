//! Units at a target clock: the pipeline depth that meets it and the unit synthesized toward it.
//!
//! A target clock changes two things against the default (area-oriented, single-cycle) flow:
//! ABC maps toward the period ([`Mapping::Delay`]: structural choices, buffering, gate sizing),
//! and the pipeline depth S is the smallest in 0..=[`rtl::MAX_PIPELINE`] whose flattened
//! netlist OpenSTA times with slack >= 0 at the period (zero input/output delays, ideal clock:
//! the constraints the SDC that `hwcost rtl` writes states). Each depth is a probe: one
//! flattened synthesis (cached, and the same run the full measurement then reuses) and one
//! OpenSTA run. When no depth meets the target, the probes say what the best one reaches.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::liberty::Library;
use super::sta::{run_sta, StaRequest};
use super::tools::{Engine, Toolchain};
use super::unit_synth::{UnitSynthError, UnitSynthReport};
use super::yosys::{synthesize, Hierarchy, Mapping, SynthRequest};
use super::CostError;
use crate::format::BlockFormat;
use crate::rtl;

/// ABC's delay target as a share of the period: ABC's own estimate runs below OpenSTA's on the
/// same netlist (measured 9.0 vs 9.9 ns on a 4-lane NVFP4 unit), so it aims 10% short.
pub const ABC_TARGET_SHARE: f64 = 0.9;

/// `--clock-mhz F` / `--period-ns P`: a target clock for synthesis, STA and the pipeline depth.
#[derive(clap::Args, Debug, Clone, Copy, Default, PartialEq)]
pub struct ClockArgs {
    /// Target clock, MHz: synthesize toward it (delay-oriented mapping with buffering and
    /// sizing) and, unless --pipeline fixes S, pick the fewest pipeline stages whose netlist
    /// OpenSTA times with slack >= 0 at it
    #[arg(long, value_parser = crate::args::clock_mhz, conflicts_with = "period_ns")]
    pub clock_mhz: Option<f64>,
    /// Target clock period, ns (the same as --clock-mhz 1000/P)
    #[arg(long, value_parser = crate::args::period_ns)]
    pub period_ns: Option<f64>,
}

impl ClockArgs {
    /// The target period, ns, if one was asked for.
    pub fn target(&self) -> Option<ClockTarget> {
        self.period_ns
            .or(self.clock_mhz.map(|f| 1000.0 / f))
            .map(|period_ns| ClockTarget { period_ns })
    }
}

/// A target clock.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClockTarget {
    pub period_ns: f64,
}

impl ClockTarget {
    pub fn from_mhz(mhz: f64) -> ClockTarget {
        ClockTarget {
            period_ns: 1000.0 / mhz,
        }
    }

    pub fn mhz(&self) -> f64 {
        1000.0 / self.period_ns
    }

    /// The mapping that synthesizes toward this clock.
    pub fn mapping(&self) -> Mapping {
        Mapping::Delay {
            target_ps: (self.period_ns * 1000.0 * ABC_TARGET_SHARE)
                .round()
                .max(1.0) as u64,
        }
    }
}

/// One depth tried: the flattened netlist's area and OpenSTA's worst path at the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub pipeline: usize,
    pub area_um2: f64,
    pub flip_flops: u64,
    pub slack_ns: f64,
    pub fmax_mhz: f64,
    /// the worst path's endpoints, as OpenSTA names them
    pub startpoint: String,
    pub endpoint: String,
}

impl Probe {
    pub fn met(&self) -> bool {
        self.slack_ns >= 0.0
    }
}

/// The depth search at one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepthChoice {
    pub target: ClockTarget,
    /// every depth tried, shallowest first; the search stops at the first that meets
    pub probes: Vec<Probe>,
}

impl DepthChoice {
    /// The chosen depth: the first probe that meets the target.
    pub fn pipeline(&self) -> Option<usize> {
        self.probes.iter().find(|p| p.met()).map(|p| p.pipeline)
    }

    /// The probe with the highest fmax (what the target asks is out of reach otherwise).
    pub fn best(&self) -> Option<&Probe> {
        self.probes
            .iter()
            .max_by(|a, b| a.fmax_mhz.total_cmp(&b.fmax_mhz))
    }

    /// One line per probe, for the terminal and errors.
    pub fn summary(&self) -> String {
        self.probes
            .iter()
            .map(|p| {
                format!(
                    "S={}: slack {:+.3} ns, fmax {:.1} MHz, {:.0} um^2 flat",
                    p.pipeline, p.slack_ns, p.fmax_mhz, p.area_um2
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Everything a probe needs besides the unit.
pub struct ProbeEnv<'a> {
    pub lib: &'a Library,
    pub tools: &'a Toolchain,
    /// the unit-synthesis cache directory (its `synth/` holds the synthesis runs)
    pub cache_dir: &'a Path,
    pub engine: Engine,
}

/// Synthesizes `params`' unit flattened toward `target` and times it with OpenSTA.
pub fn probe(
    format: &BlockFormat,
    params: &rtl::UnitParams,
    target: ClockTarget,
    env: &ProbeEnv,
) -> Result<Probe, UnitSynthError> {
    let g = rtl::generate(format, params, None)?;
    let plan = rtl::UnitPlan::new(format, params)?;
    let work = tempfile::Builder::new()
        .prefix("hwcost-probe-")
        .tempdir()
        .map_err(CostError::WorkDir)?;
    let source = work.path().join(format!("{}.v", plan.name));
    std::fs::write(&source, &g.verilog).map_err(|e| UnitSynthError::Cache {
        path: source.clone(),
        source: e,
    })?;
    let synth = synthesize(
        &SynthRequest {
            sources: vec![source],
            top: plan.name.clone(),
            hierarchy: Hierarchy::Flatten,
            cache_dir: env.cache_dir.join("synth"),
            engine: env.engine,
            mapping: target.mapping(),
        },
        env.lib,
        env.tools,
    )
    .map_err(CostError::from)?;
    let liberty: PathBuf = env.lib.path.clone().unwrap_or_default();
    let timing = run_sta(
        &StaRequest {
            netlist: synth.netlist.clone(),
            top: plan.name.clone(),
            liberty,
            clock: Some("clk".into()),
            period_ns: target.period_ns,
            global_activity: None,
        },
        env.tools,
        work.path(),
    )
    .map_err(CostError::from)?;
    let cp = timing
        .critical_path
        .ok_or_else(|| UnitSynthError::NoTimingPath(plan.name.clone()))?;
    Ok(Probe {
        pipeline: params.pipeline,
        area_um2: synth.total_area_um2,
        flip_flops: synth.flip_flops,
        slack_ns: cp.slack_ns,
        fmax_mhz: cp.fmax_mhz,
        startpoint: cp.startpoint,
        endpoint: cp.endpoint,
    })
}

/// Probes depths 0, 1, ... up to [`rtl::MAX_PIPELINE`] and stops at the first that meets
/// `target`, or when a stage raised fmax by less than 1% and the next one adds no new cut
/// (past S = 2 only the compressor-tree front ends' cuts move a path: FP lane and carry-save
/// cuts, the INT carry-save cut; deeper stages add latency, rtl/NOTES.md); `on_probe` sees
/// each probe as it finishes.
pub fn choose_depth(
    format: &BlockFormat,
    params: &rtl::UnitParams,
    target: ClockTarget,
    env: &ProbeEnv,
    on_probe: &mut dyn FnMut(&Probe),
) -> Result<DepthChoice, UnitSynthError> {
    let plan = rtl::UnitPlan::new(format, params)?;
    let cuts = |s: usize| rtl::front_cuts(format, plan.wired_width, plan.reduction, s);
    let adds_cut = |s: usize| s <= 2 || cuts(s) > cuts(s - 1);
    let mut probes = Vec::new();
    for s in 0..=rtl::MAX_PIPELINE {
        let p = probe(
            format,
            &rtl::UnitParams {
                pipeline: s,
                ..*params
            },
            target,
            env,
        )?;
        on_probe(&p);
        let met = p.met();
        let stalled = probes
            .last()
            .is_some_and(|q: &Probe| p.fmax_mhz < q.fmax_mhz * 1.01);
        probes.push(p);
        if met || (stalled && !adds_cut(s + 1)) {
            break;
        }
    }
    Ok(DepthChoice { target, probes })
}

/// The unit of `format` and `params` synthesized toward `target` (`hwcost cost --model synth
/// --clock-mhz F`): the shipped iso-clock result in `results_dir` when one was made from the
/// same Verilog and Liberty by the same engine, else the depth search (unless `fixed_depth`:
/// then `params.pipeline`) and the measurement at the chosen depth (cached). A target no depth
/// meets is an error naming the best fmax.
#[allow(clippy::too_many_arguments)]
pub fn unit_at_clock(
    format: &BlockFormat,
    params: &rtl::UnitParams,
    fixed_depth: bool,
    target: ClockTarget,
    engine: Engine,
    results_dir: &Path,
    cache_dir: &Path,
    pdk: super::flow::PdkFiles,
) -> anyhow::Result<(UnitSynthReport, super::synth_command::SynthOrigin)> {
    use super::synth_command::SynthOrigin;
    use sha2::Digest as _;
    let liberty_sha = super::liberty::hex(&sha2::Sha256::digest(std::fs::read(&pdk.liberty)?));
    let path = results_dir.join(CLOCK_FILE);
    if crate::shipped::is_file(&path) {
        let shipped = ClockResults::load(&path)?;
        let depths: Vec<usize> = if fixed_depth {
            vec![params.pipeline]
        } else {
            (0..=rtl::MAX_PIPELINE).collect()
        };
        for s in depths {
            let p = rtl::UnitParams {
                pipeline: s,
                ..*params
            };
            let Ok(g) = rtl::generate(format, &p, None) else {
                continue;
            };
            let sha = super::liberty::hex(&sha2::Sha256::digest(g.verilog.as_bytes()));
            let hit = shipped
                .points
                .iter()
                .filter_map(|q| q.unit.as_ref())
                .find(|u| {
                    (q_mhz(u) - target.mhz()).abs() < 1e-6
                        && u.provenance.verilog_sha256 == sha
                        && u.provenance.liberty_sha256 == liberty_sha
                        && super::tools::Engine::of_id(&u.provenance.engine) == engine
                });
            if let Some(u) = hit {
                return Ok((u.clone(), SynthOrigin::Shipped(path)));
            }
        }
    }
    let (pdk, lib) = super::synth_command::load_library(pdk)?;
    let tools = Toolchain::from_env();
    let mut params = *params;
    if !fixed_depth {
        let env = ProbeEnv {
            lib: &lib,
            tools: &tools,
            cache_dir,
            engine,
        };
        params.pipeline = depth_meeting(format, &params, target, &env, "")?;
    }
    let mut req =
        super::unit_synth::UnitSynthRequest::new(format.clone(), params, cache_dir.to_path_buf());
    req.clock_ns = target.period_ns;
    req.mapping = target.mapping();
    req.engine = engine;
    let r = super::unit_synth::synth_unit(&req, &pdk, &lib, &tools)?;
    let origin = if r.from_cache {
        SynthOrigin::Cache(cache_dir.to_path_buf())
    } else {
        SynthOrigin::Flow
    };
    Ok((r, origin))
}

/// The clock a unit was measured at, MHz.
fn q_mhz(u: &UnitSynthReport) -> f64 {
    1000.0 / u.clock_ns
}

/// The fewest pipeline stages at which the unit meets `target` ([`choose_depth`], each probe
/// reported on stderr); an error names the best fmax when no depth meets it, followed by
/// `advice`.
pub fn depth_meeting(
    format: &BlockFormat,
    params: &rtl::UnitParams,
    target: ClockTarget,
    env: &ProbeEnv,
    advice: &str,
) -> anyhow::Result<usize> {
    let c = choose_depth(format, params, target, env, &mut |p| {
        eprintln!(
            "{} at {:.1} MHz: S={} slack {:+.3} ns (fmax {:.1} MHz)",
            format.name,
            target.mhz(),
            p.pipeline,
            p.slack_ns,
            p.fmax_mhz
        )
    })?;
    let Some(s) = c.pipeline() else {
        let best = c.best().expect("at least one probe");
        anyhow::bail!(
            "{} does not meet {:.1} MHz with at most {} pipeline stages: best fmax {:.1} MHz at S={} ({}){advice}",
            format.name,
            target.mhz(),
            rtl::MAX_PIPELINE,
            best.fmax_mhz,
            best.pipeline,
            c.summary()
        );
    };
    Ok(s)
}

/// The iso-clock results file under `--write-clock DIR`.
pub const CLOCK_FILE: &str = "clock.json";

/// One unit at one target clock: the depth search and, when a depth meets the target, the
/// unit measured there (synthesized toward the clock, simulated, timed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockPoint {
    pub format: String,
    pub lanes: usize,
    pub multiplier: String,
    pub reduction: String,
    pub target_mhz: f64,
    pub choice: DepthChoice,
    pub unit: Option<UnitSynthReport>,
}

impl ClockPoint {
    pub fn new(
        format: &BlockFormat,
        params: &rtl::UnitParams,
        choice: DepthChoice,
        unit: Option<UnitSynthReport>,
    ) -> ClockPoint {
        let plan = rtl::UnitPlan::new(format, params).ok();
        let (m, r) = match (&unit, &plan) {
            (Some(u), _) => u.architecture(),
            (None, Some(p)) => (p.multiplier, p.reduction),
            (None, None) => (rtl::Multiplier::Array, rtl::Reduction::CsaTree),
        };
        ClockPoint {
            format: format.name.clone(),
            lanes: plan.map_or(params.lanes.unwrap_or(0), |p| p.lanes),
            multiplier: m.label().to_string(),
            reduction: r.label().to_string(),
            target_mhz: choice.target.mhz(),
            choice,
            unit,
        }
    }

    fn key(&self) -> (String, usize, String, String, u64) {
        (
            self.format.clone(),
            self.lanes,
            self.multiplier.clone(),
            self.reduction.clone(),
            (self.target_mhz * 1000.0).round() as u64,
        )
    }

    /// Whether this point is `unit` (format, lanes, architecture and, when measured, psum
    /// width) at some depth.
    pub fn is_unit(&self, unit: &crate::cost::analytic::UnitParams) -> bool {
        let Some((m, r)) = unit.architecture() else {
            return false;
        };
        self.format == unit.format.name
            && self.lanes == unit.lanes
            && self.multiplier == m.label()
            && self.reduction == r.label()
            && self
                .unit
                .as_ref()
                .is_none_or(|u| unit.psum_width.is_none_or(|n| u.psum_width == n))
    }

    /// Whether the target was met (a depth was found and the unit measured).
    pub fn met(&self) -> bool {
        self.unit.is_some()
    }
}

/// The shipped iso-clock results: every unit at every target clock run so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockResults {
    pub points: Vec<ClockPoint>,
}

impl ClockResults {
    pub fn load(path: &Path) -> anyhow::Result<ClockResults> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a clock results file: {e}", path.display()))
    }
}

/// Merges `points` into `dir/clock.json` (a point replaces the one of the same unit and
/// target), sorted by format, lanes, architecture and clock; written atomically.
pub fn write_clock(dir: &Path, points: &[ClockPoint]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(CLOCK_FILE);
    let mut all = if path.exists() {
        ClockResults::load(&path)?
    } else {
        ClockResults::default()
    };
    for p in points {
        all.points.retain(|q| q.key() != p.key());
        all.points.push(p.clone());
    }
    all.points.sort_by(|a, b| {
        (a.format.as_str(), a.lanes, &a.multiplier, &a.reduction)
            .cmp(&(b.format.as_str(), b.lanes, &b.multiplier, &b.reduction))
            .then(a.target_mhz.total_cmp(&b.target_mhz))
    });
    let text = serde_json::to_string_pretty(&all)? + "\n";
    crate::atomic::write(&path, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_choices() {
        let t = ClockTarget::from_mhz(100.0);
        assert_eq!(t.period_ns, 10.0);
        assert_eq!(t.mapping(), Mapping::Delay { target_ps: 9000 });
        let a = ClockArgs {
            clock_mhz: None,
            period_ns: Some(20.0),
        };
        assert_eq!(a.target().unwrap().mhz(), 50.0);
        assert_eq!(ClockArgs::default().target(), None);
        let p = |s, slack: f64, fmax| Probe {
            pipeline: s,
            area_um2: 1.0,
            flip_flops: 1,
            slack_ns: slack,
            fmax_mhz: fmax,
            startpoint: String::new(),
            endpoint: String::new(),
        };
        let c = DepthChoice {
            target: t,
            probes: vec![p(0, -3.0, 77.0), p(1, -0.001, 99.99), p(2, 0.0, 100.0)],
        };
        assert_eq!(c.pipeline(), Some(2));
        let miss = DepthChoice {
            target: t,
            probes: vec![p(0, -3.0, 77.0), p(1, -1.0, 90.9)],
        };
        assert_eq!(miss.pipeline(), None);
        assert_eq!(miss.best().unwrap().pipeline, 1);
    }
}
