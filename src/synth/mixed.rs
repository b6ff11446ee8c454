//! Costs of the mixed 8-bit + 4-bit units (issue 8): the study's analytic model
//! ([`analytic::mixed_cell_counts`]) and the synthesized flow ([`run_flow`]) run on the
//! generated mixed RTL, area and energy per cycle in each mode, with the gate-level
//! simulation checked against the software model.
//!
//! # Energy of a mixed unit
//! A mixed unit spends a cycle in one mode. The synthesized model measures each mode on its
//! own stream (random finite codes, scales near 2^0, accumulating) and reports both, per cycle
//! and per MAC (K MACs per 8-bit cycle, 2K per 4-bit cycle); the headline is their mean, a unit
//! that spends equal time in both modes. The analytic model, like the study's formula, counts
//! every cell toggling at one rate, which does not depend on the mode.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::flow::{run_flow, CostError, FlowRequest, PdkFiles};
use super::liberty::Library;
use super::netlist::{PortDirection, PortSpec};
use super::sim::{Bits, SimError, Stimulus};
use super::tools::{Engine, Tool, Toolchain};
use super::yosys::{Hierarchy, ModuleArea};
use crate::cost::analytic::{mixed_cell_counts, CellTable, Component, MixedUnit};
use crate::cost::tech::Tech;
use crate::datapath::mixed::{MixedFormat, MixedKind};
use crate::rtl::mixed::{emit_mixed, MixedPlan, MixedRtlError, Reuse};
use crate::sim::mixed::{activity_stream, encode_mixed_inputs, MixedStream};

/// The analytic model's unit of a mixed kind (the study's schemes).
pub fn analytic_unit(kind: MixedKind) -> MixedUnit {
    match kind {
        MixedKind::Int => MixedUnit::IntScheme2,
        MixedKind::Fp => MixedUnit::FpScheme,
    }
}

/// One component of a mixed unit in the analytic model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MixedComponentCost {
    pub component: Component,
    pub cells: u64,
    pub area_um2: f64,
    pub energy_pj_per_cycle: f64,
}

/// The analytic model's cost of a mixed unit (32 lane pairs, the study's Table 5 unit).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MixedAnalytic {
    pub format: String,
    pub tech: String,
    pub area_um2: f64,
    /// Every cell toggling at the technology's rate, whatever the mode.
    pub energy_pj_per_cycle: f64,
    pub components: Vec<MixedComponentCost>,
}

pub fn mixed_analytic(kind: MixedKind, tech: &Tech) -> MixedAnalytic {
    let unit = analytic_unit(kind);
    let table = CellTable::new(tech);
    let components: Vec<MixedComponentCost> = mixed_cell_counts(unit)
        .into_iter()
        .map(|(component, c)| MixedComponentCost {
            component,
            cells: c.total(),
            area_um2: table.area_um2(&c),
            energy_pj_per_cycle: table.energy_pj(&c),
        })
        .collect();
    MixedAnalytic {
        format: unit.name().to_string(),
        tech: tech.name.clone(),
        area_um2: components.iter().map(|c| c.area_um2).sum(),
        energy_pj_per_cycle: components.iter().map(|c| c.energy_pj_per_cycle).sum(),
        components,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MixedCostError {
    #[error(transparent)]
    Cost(#[from] CostError),
    #[error(transparent)]
    Rtl(#[from] MixedRtlError),
    #[error("the synthesized netlist of {unit} disagrees with the software model at cycle {cycle} of its {mode}-bit stream: acc {got} instead of {want:#010x}")]
    NetlistMismatch {
        unit: String,
        mode: u32,
        cycle: usize,
        got: String,
        want: u32,
    },
}

/// How to run the synthesized flow on a mixed unit.
#[derive(Clone, Debug)]
pub struct MixedSynthOptions {
    /// Yosys results are cached here by content (both modes share one synthesis).
    pub cache_dir: PathBuf,
    /// Clock period for timing and power, ns.
    pub period_ns: f64,
    /// Measured cycles per mode (after two reset cycles).
    pub cycles: usize,
    pub seed: u64,
}

/// Energy of one mode, measured on the synthesized netlist.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeEnergy {
    pub macs_per_cycle: usize,
    pub energy_pj_per_cycle: f64,
    pub energy_pj_per_mac: f64,
    /// Mean toggles per net per cycle.
    pub toggle_rate: f64,
}

/// The synthesized cost of one mixed unit (sky130, tt corner).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MixedSynthCost {
    pub unit: String,
    pub format: String,
    pub lanes: usize,
    pub area_um2: f64,
    pub cells: u64,
    pub flip_flops: u64,
    pub mode8: ModeEnergy,
    pub mode4: ModeEnergy,
    /// (mode8 + mode4) / 2: a unit that spends equal time in both modes.
    pub energy_pj_per_cycle_mean: f64,
    /// The shortest period that meets setup timing, if STA found a constrained path.
    pub min_period_ns: Option<f64>,
    /// Areas of the unit's modules (yosys hierarchy), top first.
    pub modules: Vec<ModuleArea>,
}

fn port(name: &str, width: usize) -> PortSpec {
    PortSpec::new(name, width, PortDirection::Input)
}

/// Bytes (little-endian) to a port value of `width` bits.
fn bits_of_bytes(width: usize, bytes: &[u8]) -> Result<Bits, SimError> {
    let words = bytes
        .chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u64, |w, (i, &b)| w | (b as u64) << (8 * i))
        })
        .collect();
    Bits::from_words(width, words)
}

/// The gate-level stimulus of a stream: the harness records cut into port values.
fn stimulus(plan: &MixedPlan, s: &MixedStream) -> Result<Stimulus, SimError> {
    let (k, g) = (plan.lanes, plan.groups);
    let (kw, sc) = (plan.operand_bits(), plan.scale_bits());
    let ports = ["rst", "in_valid", "acc_clear", "mode"]
        .map(|n| port(n, 1))
        .to_vec();
    let mut st = Stimulus::new(
        ports
            .into_iter()
            .chain([
                port("a", kw),
                port("b", kw),
                port("a_scale", sc),
                port("b_scale", sc),
            ])
            .collect(),
    )?;
    let records = encode_mixed_inputs(plan, &s.cycles);
    for r in records.chunks_exact(plan.input_record_bytes()) {
        let flag = |bit: u8| Bits::from_u64(1, (r[0] >> bit) as u64 & 1);
        st.push_cycle(vec![
            flag(0)?,
            flag(1)?,
            flag(2)?,
            flag(3)?,
            bits_of_bytes(kw, &r[1..1 + k])?,
            bits_of_bytes(kw, &r[1 + k..1 + 2 * k])?,
            bits_of_bytes(sc, &r[1 + 2 * k..1 + 2 * k + g])?,
            bits_of_bytes(sc, &r[1 + 2 * k + g..])?,
        ])?;
    }
    Ok(st)
}

/// Synthesize `plan`'s unit (hierarchy kept, so `modules` holds the per-part areas), simulate
/// the netlist on a stream in each mode, check its accumulator against the software model
/// cycle by cycle, and return area, energy per mode and timing. `work` receives the Verilog.
pub fn mixed_synth_cost(
    plan: &MixedPlan,
    pdk: &PdkFiles,
    lib: &Library,
    tools: &Toolchain,
    opts: &MixedSynthOptions,
    work: &Path,
) -> Result<MixedSynthCost, MixedCostError> {
    emit_mixed(plan, work, None)?;
    let source = work.join(format!("{}.v", plan.name));
    let mut modes = Vec::new();
    let mut last = None;
    for (four_bit, macs) in [(false, plan.lanes), (true, 2 * plan.lanes)] {
        let s = activity_stream(plan, four_bit, opts.seed + four_bit as u64, opts.cycles);
        let req = FlowRequest {
            sources: vec![source.clone()],
            top: plan.name.clone(),
            hierarchy: Hierarchy::Keep,
            cache_dir: opts.cache_dir.clone(),
            engine: Engine::System,
            cell_models: pdk.cell_models.clone(),
            clock: "clk".into(),
            period_ns: opts.period_ns,
            stimulus: stimulus(plan, &s).map_err(CostError::from)?,
            measure_from_cycle: 2,
            ops_per_cycle: macs as f64,
            delay: super::activity::Delay::Zero,
            mapping: Default::default(),
        };
        let r = run_flow(&req, lib, tools)?;
        check_netlist(plan, &s, &r.sim, four_bit)?;
        modes.push(ModeEnergy {
            macs_per_cycle: macs,
            energy_pj_per_cycle: r.energy.per_cycle.total_pj,
            energy_pj_per_mac: r.energy_per_op_pj,
            toggle_rate: r.energy.mean_toggle_rate,
        });
        last = Some(r);
    }
    let r = last.expect("two modes ran");
    let mode4 = modes.pop().expect("mode 1");
    let mode8 = modes.pop().expect("mode 0");
    Ok(MixedSynthCost {
        unit: plan.name.clone(),
        format: plan.format.name(),
        lanes: plan.lanes,
        area_um2: r.synth.total_area_um2,
        cells: r.synth.cell_count,
        flip_flops: r.synth.flip_flops,
        energy_pj_per_cycle_mean: (mode8.energy_pj_per_cycle + mode4.energy_pj_per_cycle) / 2.0,
        mode8,
        mode4,
        min_period_ns: r.timing.critical_path.as_ref().map(|c| c.delay_ns),
        modules: r.synth.modules.clone(),
    })
}

/// The netlist's `acc` after every cycle must be the software model's.
fn check_netlist(
    plan: &MixedPlan,
    s: &MixedStream,
    sim: &super::sim::SimResult,
    four_bit: bool,
) -> Result<(), MixedCostError> {
    let acc = sim.output_ports.iter().position(|p| p.name == "acc");
    let mode = if four_bit { 4 } else { 8 };
    for (cycle, want) in s.expected.iter().enumerate() {
        let got = acc.and_then(|i| {
            sim.outputs
                .get(cycle)
                .and_then(|o| o[i].as_ref())
                .and_then(Bits::to_u64)
        });
        if got != Some(want.acc as u64) {
            return Err(MixedCostError::NetlistMismatch {
                unit: plan.name.clone(),
                mode,
                cycle,
                got: got.map_or("x or missing".to_string(), |v| format!("{v:#010x}")),
                want: want.acc,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_components_add_up_to_table5_mixed() {
        let tech = Tech::builtin("sky130hd").unwrap();
        let (int, fp) = (
            mixed_analytic(MixedKind::Int, &tech),
            mixed_analytic(MixedKind::Fp, &tech),
        );
        let row = crate::cost::analytic::table5_mixed(&tech);
        assert!((int.area_um2 / fp.area_um2 - row.area_ratio).abs() < 1e-12);
        assert!(
            (int.energy_pj_per_cycle / fp.energy_pj_per_cycle - row.energy_ratio).abs() < 1e-12
        );
        assert_eq!(int.format, "mxint8+nvint4");
        // INT scheme 2 has no FP lanes: multipliers, one tree, scale logic, accumulators.
        assert_eq!(int.components.len(), 4);
        assert!(fp
            .components
            .iter()
            .any(|c| c.component == Component::Aligners));
    }
}

/// The file `hwcost compare` reads synthesized mixed-unit costs from (in its results folder).
pub const MIXED_SYNTH_FILE: &str = "mixed-synth.json";

/// Synthesized costs of mixed units as shipped in `reports/mixed-synth.json`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct MixedSynthResults {
    pub schema_version: u32,
    pub generator: String,
    /// The synthesis engine (`system`: the `yosys` on the search path) and its exact version.
    pub engine: String,
    pub yosys: String,
    /// The timing and gate-level simulation tools' versions.
    pub tools: Vec<String>,
    /// The analytic technology these results are compared against (sky130hd).
    pub tech: String,
    pub liberty: String,
    pub period_ns: f64,
    pub cycles_per_mode: usize,
    pub seed: u64,
    pub units: Vec<MixedSynthEntry>,
}

/// One unit of [`MixedSynthResults`] (the fields of [`MixedSynthCost`] a report needs).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct MixedSynthEntry {
    pub unit: String,
    pub format: String,
    pub reuse: String,
    /// The 8-bit lanes' multiplier and the block-sum reduction (`array`, `booth4`;
    /// `cpa-tree`, `csa-tree`).
    pub multiplier: String,
    pub reduction: String,
    pub lanes: usize,
    pub area_um2: f64,
    pub cells: u64,
    pub flip_flops: u64,
    pub energy_pj_per_cycle_mode8: f64,
    pub energy_pj_per_cycle_mode4: f64,
    pub energy_pj_per_cycle_mean: f64,
    pub min_period_ns: Option<f64>,
    /// Own area of each top-level part (instance path depth 1: front end, back end, FP32
    /// adder, registers), um^2.
    pub parts_um2: Vec<(String, f64)>,
}

impl MixedSynthResults {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text =
            crate::shipped::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The entry of `format` (e.g. `mxint8+nvint4`) with `reuse` at `lanes`.
    pub fn find(&self, format: &str, reuse: Reuse, lanes: usize) -> Option<&MixedSynthEntry> {
        let r = reuse_name(reuse);
        self.units
            .iter()
            .find(|u| u.format == format && u.reuse == r && u.lanes == lanes)
    }
}

pub fn reuse_name(r: Reuse) -> &'static str {
    match r {
        Reuse::Scheme => "scheme",
        Reuse::Separate => "separate",
    }
}

/// `hwcost synth-mixed`: run the synthesized flow on mixed units and write their costs.
#[derive(clap::Args, Debug, Clone)]
pub struct MixedSynthArgs {
    /// Mixed formats WIDE+NARROW [default: mxint8+nvint4 mxfp8+nvfp4]
    pub formats: Vec<String>,
    /// 8-bit lanes K of every unit (16, 32 or 64)
    #[arg(long, default_value_t = 32)]
    pub lanes: usize,
    /// Also synthesize the no-reuse variants (separate datapaths)
    #[arg(long)]
    pub with_separate: bool,
    #[command(flatten)]
    pub arch: crate::rtl::Arch,
    /// Measured cycles per mode
    #[arg(long, default_value_t = 200, value_parser = crate::args::count::<{ crate::args::MAX_SAMPLES }>)]
    pub cycles: usize,
    /// Clock period for timing and power, ns
    #[arg(long, default_value_t = 10.0, value_parser = crate::args::period_ns)]
    pub period_ns: f64,
    /// Seed of the activity streams (ChaCha8; mode 1 uses seed + 1)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Yosys result cache directory
    #[arg(long, default_value = "target/hwcost-synth-cache")]
    pub cache: PathBuf,
    /// Output JSON file
    #[arg(short, long, default_value = "reports/mixed-synth.json")]
    pub out: PathBuf,
}

fn entry(plan: &MixedPlan, c: &MixedSynthCost) -> MixedSynthEntry {
    // Own area per top-level instance: a module's total own area under each instance path of
    // depth 1 is its inclusive area; the top's own cells are the registers and glue.
    let top = c.modules.first();
    let mut parts: Vec<(String, f64)> = top
        .map(|t| {
            t.submodules
                .iter()
                .map(|(m, n)| {
                    let inc = c
                        .modules
                        .iter()
                        .find(|x| &x.name == m)
                        .map_or(0.0, |x| x.inclusive_area_um2);
                    (
                        m.trim_start_matches(&format!("{}__", plan.name))
                            .to_string(),
                        inc * *n as f64,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(t) = top {
        parts.push(("top (registers, glue)".to_string(), t.own_area_um2));
    }
    MixedSynthEntry {
        unit: c.unit.clone(),
        format: c.format.clone(),
        reuse: reuse_name(plan.reuse).to_string(),
        multiplier: plan.multiplier.label().to_string(),
        reduction: plan.reduction.label().to_string(),
        lanes: c.lanes,
        area_um2: c.area_um2,
        cells: c.cells,
        flip_flops: c.flip_flops,
        energy_pj_per_cycle_mode8: c.mode8.energy_pj_per_cycle,
        energy_pj_per_cycle_mode4: c.mode4.energy_pj_per_cycle,
        energy_pj_per_cycle_mean: c.energy_pj_per_cycle_mean,
        min_period_ns: c.min_period_ns,
        parts_um2: parts,
    }
}

/// Run `hwcost synth-mixed`: every unit through the flow (two at a time), then the JSON,
/// written atomically.
pub fn run_mixed_synth(args: &MixedSynthArgs) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let names = if args.formats.is_empty() {
        vec!["mxint8+nvint4".to_string(), "mxfp8+nvfp4".to_string()]
    } else {
        args.formats.clone()
    };
    let reuses: &[Reuse] = if args.with_separate {
        &[Reuse::Scheme, Reuse::Separate]
    } else {
        &[Reuse::Scheme]
    };
    let mut plans = Vec::new();
    for n in &names {
        let f = MixedFormat::parse(n)?;
        for &r in reuses {
            plans.push(
                MixedPlan::new(&f, r, Some(args.lanes), 0)?
                    .with_arch(args.arch.multiplier, args.arch.reduction)?,
            );
        }
    }
    let pdk = PdkFiles::locate()?;
    let lib = Library::load(&pdk.liberty)?;
    let tools = Toolchain::from_env();
    std::fs::create_dir_all(&args.cache)?;
    let opts = MixedSynthOptions {
        cache_dir: std::path::absolute(&args.cache)?,
        period_ns: args.period_ns,
        cycles: args.cycles,
        seed: args.seed,
    };
    let bar = crate::progress::bar(
        plans.len() as u64,
        "{bar:30} {pos}/{len} units synthesized, {elapsed}: {msg}",
    );
    bar.set_message(format!(
        "Yosys, gate-level simulation and OpenSTA on {} units",
        plans.len()
    ));
    bar.tick();
    let units = plans
        .par_iter()
        .map(|p| {
            let work = tempfile::tempdir()?;
            let t = std::time::Instant::now();
            let c = mixed_synth_cost(p, &pdk, &lib, &tools, &opts, work.path())?;
            // Printed above the bar, and also when it is hidden.
            bar.suspend(|| {
                eprintln!(
                    "{}: {:.0} um^2, {:.2} / {:.2} pJ per cycle (8 / 4-bit), {:.0?}",
                    c.unit,
                    c.area_um2,
                    c.mode8.energy_pj_per_cycle,
                    c.mode4.energy_pj_per_cycle,
                    t.elapsed()
                )
            });
            bar.inc(1);
            Ok(entry(p, &c))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    bar.finish_and_clear();
    let results = MixedSynthResults {
        schema_version: 2,
        generator: crate::rtl::GENERATOR.to_string(),
        engine: Engine::System.name().to_string(),
        yosys: tools.engine_id(Engine::System)?,
        tools: vec![
            format!("OpenSTA {}", tools.version(Tool::Sta)?),
            tools.version(Tool::Iverilog)?,
        ],
        tech: "sky130hd".to_string(),
        liberty: pdk
            .liberty
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        period_ns: args.period_ns,
        cycles_per_mode: args.cycles,
        seed: args.seed,
        units,
    };
    let dir = args
        .out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    crate::atomic::write(
        &args.out,
        (serde_json::to_string_pretty(&results)? + "\n").as_bytes(),
    )?;
    println!("{}", args.out.display());
    Ok(())
}

/// `hwcost cost WIDE+NARROW`: the analytic model of the study's mixed unit (32 lanes, one
/// architecture) or the shipped synthesized result of the unit in the asked architecture
/// (`--multiplier`, `--reduction`; the reuse scheme), as text or JSON.
pub fn mixed_cost_report(args: &crate::cost::command::CostArgs) -> anyhow::Result<String> {
    use crate::cost::command::ModelKind;
    use std::fmt::Write as _;
    let format = MixedFormat::parse(&args.format)?;
    if args.clock.target().is_some() {
        anyhow::bail!("mixed units have no depth search at a clock yet: cost them without --clock-mhz");
    }
    if let Some(w) = &args.psum_width {
        anyhow::bail!("--psum-width {w}: a mixed unit's psum widths are fixed (the 8-bit format's default, the 4-bit format's exact width)");
    }
    let plan = MixedPlan::new(&format, Reuse::Scheme, args.lanes, args.stages())?
        .with_arch(args.arch.multiplier, args.arch.reduction)?;
    let mut s = String::new();
    match args.model {
        ModelKind::Analytic => {
            if plan.lanes != 32 {
                anyhow::bail!("--lanes {}: the analytic model of a mixed unit is the study's unit of 32 lanes", plan.lanes);
            }
            let tech = Tech::resolve(&args.tech)?;
            let a = mixed_analytic(format.kind, &tech);
            if args.json {
                return Ok(serde_json::to_string_pretty(&a)? + "\n");
            }
            let _ = writeln!(s, "{}: analytic model (the study's gate model, every cell toggling at one rate), technology {}", a.format, a.tech);
            for c in &a.components {
                let _ = writeln!(
                    s,
                    "  {:<24} {:>10.0} um^2 {:>9.2} pJ/cycle",
                    c.component.label(),
                    c.area_um2,
                    c.energy_pj_per_cycle
                );
            }
            let _ = writeln!(
                s,
                "  {:<24} {:>10.0} um^2 {:>9.2} pJ/cycle",
                "total", a.area_um2, a.energy_pj_per_cycle
            );
        }
        ModelKind::Synth => {
            let path = args.results.join(MIXED_SYNTH_FILE);
            let r = MixedSynthResults::load(&path).map_err(|e| anyhow::anyhow!(e))?;
            let e = r.units.iter().find(|u| u.unit == plan.name).ok_or_else(|| {
                anyhow::anyhow!(
                    "{} has no synthesized {}; run `hwcost synth-mixed {} --lanes {} --multiplier {} --reduction {}`",
                    path.display(),
                    plan.name,
                    format.name(),
                    plan.lanes,
                    plan.multiplier,
                    plan.reduction
                )
            })?;
            if args.json {
                return Ok(serde_json::to_string_pretty(&serde_json::json!({
                    "engine": r.engine,
                    "yosys": r.yosys,
                    "tools": r.tools,
                    "tech": r.tech,
                    "liberty": r.liberty,
                    "unit": e,
                }))? + "\n");
            }
            let _ = writeln!(
                s,
                "{}: synthesized ({} to {}, hierarchy kept; {})",
                e.unit,
                r.yosys,
                r.liberty,
                path.display()
            );
            let _ = writeln!(s, "  area {:.0} um^2, {} cells", e.area_um2, e.cells);
            let _ = writeln!(
                s,
                "  energy {:.2} pJ/cycle in 8-bit mode ({} MACs), {:.2} in 4-bit mode ({} MACs), mean {:.2}",
                e.energy_pj_per_cycle_mode8,
                e.lanes,
                e.energy_pj_per_cycle_mode4,
                2 * e.lanes,
                e.energy_pj_per_cycle_mean
            );
            for (part, area) in &e.parts_um2 {
                let _ = writeln!(s, "  {part:<24} {area:>10.0} um^2");
            }
        }
        ModelKind::Calibrated | ModelKind::Both => {
            anyhow::bail!(
                "mixed units have the analytic and the synth models (--model analytic|synth)"
            )
        }
    }
    Ok(s)
}
