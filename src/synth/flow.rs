//! The synthesized-netlist flow: yosys synthesis (area), gate-level simulation (activity),
//! energy from the Liberty tables, and OpenSTA timing, for one design.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;

use serde::{Deserialize, Serialize};

use super::activity::Delay;
use super::liberty::{LibertyError, Library};
use super::netlist::{Netlist, NetlistError};
use super::power::{compute_energy, EnergyReport, NetActivity, PowerError};
use super::sim::{simulate, SimError, SimRequest, SimResult, Stimulus};
use super::sta::{run_sta, StaError, StaPower, StaRequest, StaResult};
use super::tools::{Engine, Toolchain};
use super::yosys::{synthesize, Hierarchy, Mapping, SynthError, SynthRequest, SynthResult};

#[derive(Debug, thiserror::Error)]
pub enum CostError {
    #[error(transparent)]
    Liberty(#[from] LibertyError),
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(transparent)]
    Netlist(#[from] NetlistError),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    Sta(#[from] StaError),
    #[error(transparent)]
    Power(#[from] PowerError),
    #[error("PDK file {} is missing", .0.display())]
    MissingPdkFile(PathBuf),
    #[error("cannot create a work directory: {0}")]
    WorkDir(std::io::Error),
    #[error("invalid flow request: {0}")]
    Request(String),
}

/// The files of a standard-cell library the flow needs.
#[derive(Debug, Clone)]
pub struct PdkFiles {
    /// Liberty used for mapping, timing and power (dont_use cells marked)
    pub liberty: PathBuf,
    /// functional Verilog models of every cell, for gate-level simulation
    pub cell_models: PathBuf,
}

impl PdkFiles {
    /// The sky130 PDK hwcost ships: `$HWCOST_PDK_DIR` if set, else
    /// `models/pdk/sky130_fd_sc_hd` of the working directory, else of the source tree.
    pub fn locate() -> Result<PdkFiles, CostError> {
        if let Some(dir) = std::env::var_os("HWCOST_PDK_DIR") {
            return PdkFiles::sky130_hd(Path::new(&dir));
        }
        let rel = Path::new("models/pdk/sky130_fd_sc_hd");
        PdkFiles::sky130_hd(rel)
            .or_else(|_| PdkFiles::sky130_hd(&Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)))
    }

    /// sky130_fd_sc_hd at tt, 25 C, 1.8 V, as laid out in `dir`.
    pub fn sky130_hd(dir: &Path) -> Result<PdkFiles, CostError> {
        // Tools run in their own work directories: hand them absolute paths.
        let dir = std::path::absolute(dir).map_err(CostError::WorkDir)?;
        let files = PdkFiles {
            liberty: dir.join("sky130_fd_sc_hd__tt_025C_1v80.synth.lib"),
            cell_models: dir.join("sky130_fd_sc_hd_functional.v"),
        };
        for f in [&files.liberty, &files.cell_models] {
            if !f.is_file() {
                return Err(CostError::MissingPdkFile(f.clone()));
            }
        }
        Ok(files)
    }
}

impl PdkFiles {
    /// Any library: its Liberty and the functional Verilog models of its cells.
    pub fn from_files(liberty: &Path, cell_models: &Path) -> Result<PdkFiles, CostError> {
        let abs = |p: &Path| std::path::absolute(p).map_err(CostError::WorkDir);
        let files = PdkFiles {
            liberty: abs(liberty)?,
            cell_models: abs(cell_models)?,
        };
        for f in [&files.liberty, &files.cell_models] {
            if !f.is_file() {
                return Err(CostError::MissingPdkFile(f.clone()));
            }
        }
        Ok(files)
    }

    /// The library `args` selects, else the `[liberty]` of `tech`, else the shipped sky130.
    pub fn select(
        args: &LibraryArgs,
        tech: Option<&crate::cost::tech::Tech>,
    ) -> Result<PdkFiles, CostError> {
        let Some(given) = &args.liberty else {
            if args.cell_models.is_some() {
                return Err(CostError::Request(
                    "--cell-models goes with --liberty FILE.lib".into(),
                ));
            }
            return match tech {
                Some(t) if t.name != crate::cost::tech::DEFAULT_TECH => match t.liberty_files() {
                    Some((lib, models)) => PdkFiles::from_files(&lib, &models),
                    None => Err(CostError::Request(format!(
                        "technology `{}` names no Liberty ([liberty] table), so it cannot be \
                         synthesized: give --liberty FILE.lib --cell-models FILE.v",
                        t.name
                    ))),
                },
                _ => PdkFiles::locate(),
            };
        };
        if given.extension().is_some_and(|e| e == "toml") {
            if args.cell_models.is_some() {
                return Err(CostError::Request(format!(
                    "{} is a technology file: its [liberty] table names the cell models, \
                     --cell-models is for a Liberty file",
                    given.display()
                )));
            }
            let t = crate::cost::tech::Tech::load(given)
                .map_err(|e| CostError::Request(e.to_string()))?;
            let (lib, models) = t.liberty_files().ok_or_else(|| {
                CostError::Request(format!(
                    "technology file {} has no [liberty] table (file, cell_models, source)",
                    given.display()
                ))
            })?;
            return PdkFiles::from_files(&lib, &models);
        }
        let models = args.cell_models.as_ref().ok_or_else(|| {
            CostError::Request(format!(
                "--liberty {} needs --cell-models FILE.v: the functional Verilog models of its \
                 cells, which the gate-level simulation (outputs checked against the emulator, \
                 activity for energy) runs on",
                given.display()
            ))
        })?;
        PdkFiles::from_files(given, models)
    }
}

/// The standard-cell library of a synthesis run (default: the shipped sky130_fd_sc_hd).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct LibraryArgs {
    /// Liberty file to synthesize onto (cells found by function: flip-flop, tie, adder
    /// cells), or a technology .toml with a [liberty] table [default: the shipped
    /// sky130_fd_sc_hd tt 25 C 1.8 V].
    #[arg(long, value_name = "FILE.lib|TECH.toml")]
    pub liberty: Option<PathBuf>,
    /// Functional Verilog models of the --liberty cells (one file), for gate-level simulation.
    #[arg(long, value_name = "FILE.v", requires = "liberty")]
    pub cell_models: Option<PathBuf>,
}

/// Everything one synthesized-cost evaluation needs.
#[derive(Debug, Clone)]
pub struct FlowRequest {
    pub sources: Vec<PathBuf>,
    pub top: String,
    pub hierarchy: Hierarchy,
    pub cache_dir: PathBuf,
    /// the Yosys that synthesizes
    pub engine: Engine,
    pub cell_models: PathBuf,
    pub clock: String,
    pub period_ns: f64,
    pub stimulus: Stimulus,
    /// cycles before this one (reset, pipeline fill) are simulated but not measured
    pub measure_from_cycle: usize,
    /// operations (e.g. MACs) completed per cycle, for `energy_per_op_pj`
    pub ops_per_cycle: f64,
    /// gate timing of the activity simulation (zero: settled values only)
    pub delay: Delay,
    /// how ABC maps onto the library (area, or delay toward a target)
    pub mapping: Mapping,
}

/// Wall time of each stage, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageTimes {
    pub synth_s: f64,
    pub simulate_s: f64,
    pub energy_s: f64,
    pub sta_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowResult {
    pub synth: SynthResult,
    pub timing: StaResult,
    pub energy: EnergyReport,
    pub energy_per_op_pj: f64,
    /// Debian `sta` vectorless power at the simulated mean toggle rate. The 2019 build counts
    /// clock-pin energy twice and sums output internal power over all related pins, so it
    /// reads about 1.8-1.9x high; it is here for comparison only.
    pub sta_vectorless: Option<StaPower>,
    pub stage_times: StageTimes,
    /// the gate-level simulation (outputs per cycle), for checking the netlist's function
    #[serde(skip)]
    pub sim: SimResult,
}

/// A spinner naming the running stage with the elapsed time, on stderr when it is a terminal
/// and `--quiet` was not given (hidden otherwise, so logs and tests see nothing): see
/// `crate::progress`.
fn stage_spinner(top: &str, hierarchy: Hierarchy) -> ProgressBar {
    let kept = match hierarchy {
        Hierarchy::Keep => "hierarchy kept",
        Hierarchy::Flatten => "flattened",
    };
    crate::progress::stage_spinner(&format!(
        "{{spinner}} {{elapsed:>4}} {top} ({kept}): {{msg}}"
    ))
}

/// Synthesizes, simulates, and times one design: area, energy per cycle and per operation,
/// critical path.
pub fn run_flow(
    req: &FlowRequest,
    lib: &Library,
    tools: &Toolchain,
) -> Result<FlowResult, CostError> {
    let lib_path = lib.path.clone().ok_or(SynthError::LibraryNotFromFile)?;
    if !(req.ops_per_cycle > 0.0 && req.ops_per_cycle.is_finite()) {
        return Err(CostError::Request(format!(
            "{} operations per cycle is not positive",
            req.ops_per_cycle
        )));
    }
    let bar = stage_spinner(&req.top, req.hierarchy);
    bar.set_message("synthesis (yosys)");
    let t0 = Instant::now();
    let synth = synthesize(
        &SynthRequest {
            sources: req.sources.clone(),
            top: req.top.clone(),
            hierarchy: req.hierarchy,
            cache_dir: req.cache_dir.clone(),
            engine: req.engine,
            mapping: req.mapping,
        },
        lib,
        tools,
    )?;
    let synth_s = t0.elapsed().as_secs_f64();
    let netlist = Netlist::load(&synth.netlist, &req.top)?;
    let work = tempfile::Builder::new()
        .prefix("hwcost-flow-")
        .tempdir()
        .map_err(CostError::WorkDir)?;

    bar.set_message(match req.delay {
        Delay::Zero => "gate-level simulation (iverilog)",
        Delay::Unit => "unit-delay gate-level simulation (iverilog)",
    });
    let t1 = Instant::now();
    // zero-delay simulation: the period only scales time, so it is rounded to whole even ps
    let period_ps = ((req.period_ns * 500.0).round() as u64).max(1) * 2;
    let sim = simulate(
        &SimRequest {
            netlist_path: &synth.netlist,
            netlist: &netlist,
            cell_models: &req.cell_models,
            clock: &req.clock,
            period_ps,
            stimulus: &req.stimulus,
            measure_from_cycle: req.measure_from_cycle,
            delay: req.delay,
            sample_settled: false,
        },
        tools,
        work.path(),
    )?;
    let simulate_s = t1.elapsed().as_secs_f64();

    bar.set_message("energy");
    let t2 = Instant::now();
    let activity = NetActivity::from_vcd(&netlist, &sim.activity, sim.measured_cycles)?;
    let energy = compute_energy(lib, &netlist, &activity, Some(&req.clock), req.period_ns)?;
    let energy_s = t2.elapsed().as_secs_f64();

    bar.set_message("timing (OpenSTA)");
    let t3 = Instant::now();
    let timing = run_sta(
        &StaRequest {
            netlist: synth.netlist.clone(),
            top: req.top.clone(),
            liberty: lib_path,
            clock: Some(req.clock.clone()),
            period_ns: req.period_ns,
            global_activity: Some(energy.mean_toggle_rate),
        },
        tools,
        work.path(),
    )?;
    let sta_s = t3.elapsed().as_secs_f64();
    bar.finish_with_message(format!(
        "synthesis{} {synth_s:.1} s, simulation {simulate_s:.1} s, energy {energy_s:.1} s, \
         timing {sta_s:.1} s",
        if synth.from_cache { " (cached)" } else { "" },
    ));
    Ok(FlowResult {
        energy_per_op_pj: energy.per_cycle.total_pj / req.ops_per_cycle,
        sta_vectorless: timing.power.clone(),
        synth,
        timing,
        energy,
        stage_times: StageTimes {
            synth_s,
            simulate_s,
            energy_s,
            sta_s,
        },
        sim,
    })
}
