//! The synthesized cost of one generated MAC unit (`hwcost synth`): generate the RTL, synthesize
//! it twice (hierarchy kept, for the breakdown; flattened, for the optimized totals and timing),
//! simulate both netlists on quantized Gaussian blocks and check every output against
//! `emulate`, then roll area and energy up into the analytic model's components plus the
//! registers and glue logic that model leaves out. Whole results are cached by a hash of
//! everything that can change them.
//!
//! # Which totals
//! Reports use the hierarchical synthesis, whose parts add up to its totals
//! ([`UnitSynthReport::unit_cost`]), with the flattened netlist's fmax; the flattened totals
//! stand beside it. Flattening lets Yosys and ABC optimize across module boundaries, which
//! removes logic a module's ports carry but its neighbours never drive (an FP4 lane's 2-bit
//! exponent reaches the aligner through a wider port; the specials logic of formats without
//! NaN or Inf; the NV scale product), so the flattened FP units are 0-23% smaller; ABC's
//! result on one large INT network comes out 1-8% larger instead. Flattened cells cannot be
//! attributed to modules (ABC renames them), and scaling the breakdown to the flattened totals
//! would spread one module's savings over all of them, so the breakdown stays hierarchical.
//!
//! # Which generated module is which component
//! Every cell of the hierarchical netlist keeps the instance path of the module that held it;
//! the path is resolved to module types through the generated Verilog and each type is mapped
//! by [`classify`]:
//! - lane multipliers: `mul_*` (the unsigned FP significand or signed INT multiplier) and the
//!   INT lane around it (sign extension only);
//! - exponent adders: the FP lane's own logic, e_a + e_b (with the product sign XOR and its
//!   NaN/Inf flags, a few gates);
//! - max exponent: `max_exp_tree` with its comparator/mux nodes;
//! - exponent subtractors: the aligner's own logic (e_max - e_i and the shift clamp);
//! - aligners: the barrel shifters `shr_*`;
//! - adder tree: `adder_tree*`;
//! - normalizer: leading-zero count and shift of the block sum (`to_binary32__norm`, its `lzc`
//!   and `align`); the INT units have one too, unlike the analytic model's INT units;
//! - scale logic: `scale` (scale code add or E4M3 x E4M3 multiply), the block-exponent add
//!   `to_binary32__exp_sum` and, for NV, `to_binary32__mul` (scale product x block sum);
//! - accumulator: the FP32 adder `fp32_add*` and `acc_update` (the clear/hold select feeding
//!   the accumulator register);
//! - registers: every flip-flop (`reg*`, and the pipeline stages `front_regs`, `round_regs`
//!   with their reset gating);
//! - what the analytic model says it does not count, each part named after its modules
//!   ([`Extra`], by [`glue_part`]): sign application, the two's-complement conversion of the
//!   FP products before a carry-propagate tree (`apply_sign*`); element decoders
//!   (`fp_decode`: hidden bit, subnormals); NaN/Inf flags (`specials`); binary32 output, the
//!   block sum's sign-magnitude conversion, special-value select and rounding (`to_binary32`
//!   own logic, `to_binary32__norm__round`); and what no module names, left as unattributed
//!   glue (the top's and the front end's own cells, width extensions `zext*`).
//!
//! Reports made before the glue was split name one `glue` part; [`regroup`] splits it from
//! the per-module costs every report carries (exactly: each module lands in one part), and
//! is applied to cached results as they are read. `glue` remains the calibrated model's one
//! part for all of them.
//!
//! A module type this table does not know is an error, so a change of the generator cannot
//! silently land in the wrong component.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::activity::{self, Activity, Delay};
use super::flow::{run_flow, CostError, FlowRequest, FlowResult, PdkFiles, StageTimes};
use super::liberty::{hex, Library};
use super::netlist::{Netlist, PortDirection, PortSpec};
use super::sim::{Bits, SimError, SimResult, Stimulus};
use super::sta::CriticalPath;
use super::tools::{legacy_engine_id, Engine, Tool, ToolError, Toolchain};
use super::yosys::{Hierarchy, Mapping};
use crate::cost::analytic::{self, Component};
use crate::cost::source::{ComponentCost, UnitCost};
use crate::datapath;
use crate::format::BlockFormat;
use crate::rtl::{self, RtlError, UnitPlan};
use crate::sim::vectors::{self, Data, Kind, Output, VectorError};

/// Bump when the flow, the mapping or the report layout changes: it invalidates cached results.
const FLOW_VERSION: &str = "hwcost-unit-synth-v1";
/// Default simulated blocks: a few hundred cycles, enough for a mean toggle rate within a
/// percent (the rate of the first and second half of a 256-block run differ by less).
pub const DEFAULT_BLOCKS: usize = 256;
/// Default clock period of the timing and leakage figures (100 MHz). Energy per
/// block does not depend on it beyond leakage (zero-delay simulation).
pub const DEFAULT_CLOCK_NS: f64 = 10.0;
/// Default seed of the quantized Gaussian blocks.
pub const DEFAULT_SEED: u64 = 0x5E_ED_5E_ED;

#[derive(Debug, thiserror::Error)]
pub enum UnitSynthError {
    #[error(transparent)]
    Rtl(#[from] RtlError),
    #[error(transparent)]
    Flow(#[from] CostError),
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error(transparent)]
    Vectors(#[from] VectorError),
    #[error(transparent)]
    Stimulus(#[from] SimError),
    #[error("unit parameters: {0}")]
    Params(String),
    #[error(
        "the {netlist} netlist of {unit} disagrees with emulate at cycle {cycle} (seed {seed:#x}): \
         expected {expected}, got {got}"
    )]
    Mismatch {
        unit: String,
        netlist: &'static str,
        cycle: usize,
        seed: u64,
        expected: String,
        got: String,
    },
    #[error(
        "module `{module}` of {unit} maps to no cost component (src/synth/unit_synth.rs, classify)"
    )]
    UnknownModule { unit: String, module: String },
    #[error("instance path `{path}` of {unit} is not in the generated Verilog")]
    UnknownInstance { unit: String, path: String },
    #[error("{count} flip-flop(s) of {unit} lie outside register modules, e.g. in `{path}`")]
    StrayFlipFlops {
        unit: String,
        count: usize,
        path: String,
    },
    #[error("no constrained timing path in {0}")]
    NoTimingPath(String),
    #[error("cache {}: {source}", path.display())]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where a cell of a generated unit is costed: one of the analytic model's components, or what
/// that model leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Analytic(Component),
    Registers,
    /// A named part of the logic the analytic model leaves out.
    Extra(Extra),
    /// All of [`Extra`] as one part: reports made before the split, and the calibrated model.
    Glue,
}

/// The logic the analytic model does not count, by what the generated modules do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extra {
    /// Two's-complement conversion of each lane's FP product (`apply_sign*`), before a
    /// carry-propagate adder tree; a compressor tree folds it into the tree instead.
    SignApplication,
    /// Element decode (`fp_decode`): exponent bias, hidden bit, subnormals.
    ElementDecoders,
    /// NaN/Inf flags of the block (`specials`).
    Specials,
    /// The block sum to binary32: sign-magnitude conversion, special-value select
    /// (`to_binary32` own logic) and rounding (`to_binary32__norm__round`).
    Binary32Output,
    /// Cells no module names: the top's and the front end's own, width extensions.
    Unattributed,
}

/// Every [`Extra`], in report order.
pub const EXTRA_ORDER: [Extra; 5] = [
    Extra::SignApplication,
    Extra::ElementDecoders,
    Extra::Specials,
    Extra::Binary32Output,
    Extra::Unattributed,
];

impl Extra {
    pub fn key(self) -> &'static str {
        match self {
            Extra::SignApplication => "sign_application",
            Extra::ElementDecoders => "element_decoders",
            Extra::Specials => "specials",
            Extra::Binary32Output => "binary32_output",
            Extra::Unattributed => "unattributed_glue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Extra::SignApplication => "sign application",
            Extra::ElementDecoders => "element decoders",
            Extra::Specials => "NaN/Inf flags",
            Extra::Binary32Output => "binary32 output (sign, round)",
            Extra::Unattributed => "unattributed glue",
        }
    }
}

/// The named part of a module type [`classify`] puts outside the analytic model (the type
/// without the `<unit>__` prefix: the last of its chain; `(top)` or empty for the top's own
/// cells).
pub fn glue_part(module: &str) -> Extra {
    if module.starts_with("apply_sign") {
        Extra::SignApplication
    } else if module.ends_with("fp_decode") {
        Extra::ElementDecoders
    } else if module == "specials" {
        Extra::Specials
    } else if module == "to_binary32" || module.ends_with("__round") {
        Extra::Binary32Output
    } else {
        Extra::Unattributed
    }
}

/// The analytic components in the model's datapath order.
pub const ANALYTIC_ORDER: [Component; 9] = [
    Component::LaneMultipliers,
    Component::ExponentAdders,
    Component::MaxExponent,
    Component::ExponentSubtractors,
    Component::Aligners,
    Component::AdderTree,
    Component::Normalizer,
    Component::ScaleLogic,
    Component::Accumulator,
];

impl Part {
    /// Every part in report order: the datapath, then what the analytic model ignores.
    pub fn all() -> Vec<Part> {
        let mut v: Vec<Part> = ANALYTIC_ORDER.iter().map(|&c| Part::Analytic(c)).collect();
        v.push(Part::Registers);
        v.extend(EXTRA_ORDER.iter().map(|&e| Part::Extra(e)));
        v.push(Part::Glue);
        v
    }

    /// True for the parts the analytic model leaves out but registers: the named [`Extra`]
    /// parts and their sum, `glue`.
    pub fn is_glue(self) -> bool {
        matches!(self, Part::Extra(_) | Part::Glue)
    }

    /// The key reports stack by (the analytic components' keys are their serde names).
    pub fn key(self) -> String {
        match self {
            Part::Analytic(c) => c.label().replace(' ', "_"),
            Part::Registers => "registers".into(),
            Part::Extra(e) => e.key().into(),
            Part::Glue => "glue".into(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Part::Analytic(c) => c.label(),
            Part::Registers => "registers",
            Part::Extra(e) => e.label(),
            Part::Glue => "glue (not in the analytic model)",
        }
    }

    /// The part of a report key, if it names one.
    pub fn from_key(key: &str) -> Option<Part> {
        Part::all().into_iter().find(|p| p.key() == key)
    }
}

/// The part of the cells of one instance, given the module types from the top down to it
/// (each without the `<unit>__` prefix; empty for the top module's own cells). Ancestors
/// decide first: rust-hdl names a module type after its first instance, so the FP32 adder's
/// rounding is a `to_binary32__norm__round` too. `None`: a place this mapping does not know.
pub fn classify(chain: &[&str]) -> Option<Part> {
    Some(match classify_coarse(chain)? {
        Part::Glue => Part::Extra(glue_part(chain.last().copied().unwrap_or(""))),
        p => p,
    })
}

/// [`classify`] with everything outside the analytic model but registers as [`Part::Glue`].
fn classify_coarse(chain: &[&str]) -> Option<Part> {
    use Component as C;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let is_reg = |t: &str| {
        matches!(
            t,
            "front_regs" | "round_regs" | "lane_regs" | "stage_regs" | "row_regs" | "ctl_regs"
        ) || t.strip_prefix("reg").is_some_and(digits)
    };
    if chain.iter().any(|t| is_reg(t)) {
        return Some(Part::Registers);
    }
    // The front end's variant wrapper (`cpa` / `csa`, rtl::front) has no cells of its own,
    // and the Verilog writer already leaves it out of its children's names: skip it.
    let unwrapped: Vec<&str>;
    let chain = match chain {
        ["front", v, rest @ ..] if *v == "cpa" || *v == "csa" => {
            unwrapped = std::iter::once("front")
                .chain(rest.iter().copied())
                .collect();
            &unwrapped[..]
        }
        _ => chain,
    };
    let Some(&first) = chain.first() else {
        return Some(Part::Glue);
    };
    let second = chain.get(1).copied();
    let third = chain.get(2).copied();
    Some(match first {
        "fp32_add" | "acc_update" => Part::Analytic(C::Accumulator),
        "scale" => Part::Analytic(C::ScaleLogic),
        "to_binary32" => match (second, third) {
            (None, _) => Part::Glue,
            (Some("to_binary32__exp_sum"), None) => Part::Analytic(C::ScaleLogic),
            (Some(t), _) if t.starts_with("to_binary32__mul") => Part::Analytic(C::ScaleLogic),
            (Some("to_binary32__norm"), None) => Part::Analytic(C::Normalizer),
            (Some("to_binary32__norm"), Some(t)) if t.ends_with("__round") => Part::Glue,
            (Some("to_binary32__norm"), Some(t))
                if t.ends_with("__lzc") || t.ends_with("__align") =>
            {
                Part::Analytic(C::Normalizer)
            }
            _ => return None,
        },
        "front" => match (second, third) {
            (None, _) => Part::Glue,
            (Some("fp_lane"), None) => Part::Analytic(C::ExponentAdders),
            (Some("fp_lane"), Some(t)) if t.starts_with("mul_") => {
                Part::Analytic(C::LaneMultipliers)
            }
            (Some("fp_lane"), Some(t)) if t.ends_with("fp_decode") => Part::Glue,
            (Some("int_lane"), _) => Part::Analytic(C::LaneMultipliers),
            (Some(t), _) if t.starts_with("max_exp_tree") => Part::Analytic(C::MaxExponent),
            (Some("aligner"), None) => Part::Analytic(C::ExponentSubtractors),
            (Some("aligner"), Some(t)) if t.starts_with("shr_") => Part::Analytic(C::Aligners),
            (Some("aligner"), Some(t)) if t.starts_with("apply_sign") => Part::Glue,
            // the tree's negation: magnitude XOR sign, the +1 rides in the tree
            (Some("aligner"), Some(t)) if t.starts_with("sign_xor") => Part::Analytic(C::AdderTree),
            (Some(t), _) if t.starts_with("pp_") => Part::Analytic(C::LaneMultipliers),
            // a pipelined tree: the compressor rows before the carry-save cut, their sum after it
            (Some(t), _)
                if t.starts_with("adder_tree")
                    || t.starts_with("csa_tree")
                    || t.starts_with("csa_cut")
                    || t == "rows_add" =>
            {
                Part::Analytic(C::AdderTree)
            }
            (Some(t), None) if t == "specials" || t.starts_with("zext") => Part::Glue,
            _ => return None,
        },
        _ => return None,
    })
}

/// The module hierarchy of generated Verilog: which module type each instance is.
#[derive(Clone, Debug)]
pub struct ModuleTree {
    top: String,
    /// (parent module, instance name) -> child module
    children: HashMap<(String, String), String>,
    modules: Vec<String>,
}

impl ModuleTree {
    /// Reads `module NAME(` headers and `    TYPE INST(` instance lines (the layout rust-hdl
    /// writes); `top` is the unit's name.
    pub fn parse(verilog: &str, top: &str) -> ModuleTree {
        let modules: Vec<String> = verilog
            .lines()
            .filter_map(|l| l.strip_prefix("module "))
            .filter_map(|r| r.split('(').next())
            .map(|n| n.trim().to_string())
            .collect();
        let mut children = HashMap::new();
        let mut current: Option<String> = None;
        for line in verilog.lines() {
            if let Some(r) = line.strip_prefix("module ") {
                current = r.split('(').next().map(|n| n.trim().to_string());
                continue;
            }
            if line.starts_with("endmodule") {
                current = None;
                continue;
            }
            let Some(parent) = &current else { continue };
            let t = line.trim();
            let Some(head) = t.strip_suffix('(') else {
                continue;
            };
            let mut words = head.split_whitespace();
            if let (Some(ty), Some(inst), None) = (words.next(), words.next(), words.next()) {
                if modules.iter().any(|m| m == ty) {
                    children.insert((parent.clone(), inst.to_string()), ty.to_string());
                }
            }
        }
        ModuleTree {
            top: top.to_string(),
            children,
            modules,
        }
    }

    pub fn modules(&self) -> &[String] {
        &self.modules
    }

    /// The module type of an instance path (`front.fp_lane$3.mul`; `""` is the top).
    pub fn resolve(&self, path: &str) -> Option<&str> {
        let mut ty = self.top.as_str();
        if path.is_empty() {
            return self.modules.iter().any(|m| m == ty).then_some(ty);
        }
        for inst in path.split('.') {
            ty = self.children.get(&(ty.to_string(), inst.to_string()))?;
        }
        Some(ty)
    }

    /// The module types from the top's child down to the instance at `path`, without the
    /// `<top>__` prefix (empty for the top).
    pub fn chain(&self, path: &str) -> Option<Vec<&str>> {
        let mut ty = self.top.as_str();
        let mut out = Vec::new();
        if path.is_empty() {
            return Some(out);
        }
        for inst in path.split('.') {
            ty = self.children.get(&(ty.to_string(), inst.to_string()))?;
            out.push(self.short(ty));
        }
        Some(out)
    }

    /// Every instance path below the top, parents first.
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![(String::new(), self.top.clone())];
        while let Some((path, ty)) = stack.pop() {
            let mut kids: Vec<(&String, &String)> = self
                .children
                .iter()
                .filter(|((parent, _), _)| *parent == ty)
                .map(|((_, inst), child)| (inst, child))
                .collect();
            kids.sort();
            for (inst, child) in kids.into_iter().rev() {
                let p = if path.is_empty() {
                    inst.clone()
                } else {
                    format!("{path}.{inst}")
                };
                stack.push((p, child.clone()));
            }
            if !path.is_empty() {
                out.push(path);
            }
        }
        out
    }

    /// A module type without the `<top>__` prefix.
    pub fn short<'a>(&self, ty: &'a str) -> &'a str {
        if ty == self.top {
            ""
        } else {
            ty.strip_prefix(&self.top)
                .and_then(|r| r.strip_prefix("__"))
                .unwrap_or(ty)
        }
    }
}

/// Area and energy of one part (or module type) of a unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartCost {
    pub key: String,
    pub label: String,
    pub cells: usize,
    pub area_um2: f64,
    pub energy_pj_per_block: f64,
    pub energy_pj_per_mac: f64,
}

/// The cells of one generated module type, over all its instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModuleCost {
    /// module type without the `<unit>__` prefix; `(top)` for the unit's own cells
    pub module: String,
    /// the [`Part`] key it is costed under
    pub part: String,
    pub instances: usize,
    pub cells: usize,
    pub area_um2: f64,
    pub energy_pj_per_block: f64,
}

/// Split a report's one `glue` part into the named [`Extra`] parts, from its per-module
/// costs (each module of the glue lands in exactly one of them, by [`glue_part`]), and relabel
/// those modules. A report without a `glue` part is left as it is; one whose glue modules do
/// not add up to its glue part (to 1e-9, relative) too, and `false` says so.
pub fn regroup(r: &mut UnitSynthReport) -> bool {
    let glue = Part::Glue.key();
    let Some(at) = r.parts.iter().position(|p| p.key == glue) else {
        return true;
    };
    let lanes = r.lanes as f64;
    let mut split: Vec<(Extra, PartCost)> = Vec::new();
    for m in r.modules.iter().filter(|m| m.part == glue) {
        let e = glue_part(&m.module);
        let i = match split.iter().position(|(x, _)| *x == e) {
            Some(i) => i,
            None => {
                split.push((
                    e,
                    PartCost {
                        key: e.key().to_string(),
                        label: e.label().to_string(),
                        cells: 0,
                        area_um2: 0.0,
                        energy_pj_per_block: 0.0,
                        energy_pj_per_mac: 0.0,
                    },
                ));
                split.len() - 1
            }
        };
        let p = &mut split[i].1;
        p.cells += m.cells;
        p.area_um2 += m.area_um2;
        p.energy_pj_per_block += m.energy_pj_per_block;
        p.energy_pj_per_mac += m.energy_pj_per_block / lanes;
    }
    let old = &r.parts[at];
    let area: f64 = split.iter().map(|(_, p)| p.area_um2).sum();
    let energy: f64 = split.iter().map(|(_, p)| p.energy_pj_per_block).sum();
    let cells: usize = split.iter().map(|(_, p)| p.cells).sum();
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);
    if cells != old.cells || !near(area, old.area_um2) || !near(energy, old.energy_pj_per_block) {
        return false;
    }
    split.sort_by_key(|(e, _)| EXTRA_ORDER.iter().position(|x| x == e));
    r.parts
        .splice(at..=at, split.into_iter().map(|(_, p)| p))
        .for_each(drop);
    for m in r.modules.iter_mut().filter(|m| m.part == glue) {
        m.part = glue_part(&m.module).key().to_string();
    }
    true
}

/// Totals of one synthesized netlist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetlistTotals {
    pub cells: u64,
    pub flip_flops: u64,
    pub area_um2: f64,
    pub energy_pj_per_block: f64,
    pub energy_pj_per_mac: f64,
    pub internal_pj_per_cycle: f64,
    pub switching_pj_per_cycle: f64,
    pub leakage_pj_per_cycle: f64,
    /// mean toggles per cycle over all nets but the clock
    pub mean_toggle_rate: f64,
    pub critical_path: Option<CriticalPath>,
    /// yosys warnings (known-harmless ones dropped)
    pub warnings: Vec<String>,
}

/// The per-unit cycle-level figures (issue 7): latency, throughput, registers and clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegisterReport {
    /// cycles from a block at the inputs to its result in `acc`
    pub latency_cycles: usize,
    /// cycles between blocks at full throughput
    pub initiation_interval: usize,
    /// flip-flops of the flattened netlist (the hierarchical one can hold more: constant
    /// flip-flops whose constant comes from another module survive there)
    pub flip_flops: u64,
    /// area of the flip-flop cells (flattened netlist)
    pub flip_flop_area_um2: f64,
    /// the registers part of the breakdown (hierarchy kept): flip-flops plus pipeline reset
    /// gating
    pub register_area_um2: f64,
    pub register_energy_pj_per_block: f64,
    /// flip-flop clock-pin internal energy per cycle (Liberty tables, flattened netlist)
    pub clock_pin_pj_per_cycle: f64,
    /// switching of the clock net's pin capacitance per cycle (no wire, no clock tree)
    pub clock_net_pj_per_cycle: f64,
    /// the two above: what the clock costs each cycle, before any clock tree
    pub clock_pj_per_cycle: f64,
}

/// Tool versions and input hashes behind one result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthProvenance {
    pub generator: String,
    /// the synthesis engine's exact version ([`Toolchain::engine_id`]); results from before
    /// engines could be chosen read as Debian's Yosys 0.23
    #[serde(default = "legacy_engine_id")]
    pub engine: String,
    /// `-V` of the Yosys that ran
    pub yosys: String,
    pub sta: String,
    pub iverilog: String,
    pub liberty: String,
    pub liberty_sha256: String,
    pub verilog_sha256: String,
    pub cache_key: String,
    /// gate timing of the activity simulation ([`Delay`]); absent in files means `zero`
    #[serde(default = "default_delay", skip_serializing_if = "is_default_delay")]
    pub delay: String,
    /// operand stream of the activity simulation ([`Activity`]); absent means `gaussian`
    #[serde(
        default = "default_activity",
        skip_serializing_if = "is_default_activity"
    )]
    pub activity: String,
    /// ABC's mapping ([`Mapping::label`]): `area`, or `delay:<target>ps` for a unit synthesized
    /// toward a clock; absent means `area`
    #[serde(
        default = "default_mapping",
        skip_serializing_if = "is_default_mapping"
    )]
    pub mapping: String,
}

fn default_mapping() -> String {
    Mapping::Area.label()
}

fn is_default_mapping(m: &str) -> bool {
    m == Mapping::Area.label()
}

fn default_delay() -> String {
    Delay::Zero.to_string()
}

fn is_default_delay(d: &str) -> bool {
    d == Delay::Zero.name()
}

fn default_activity() -> String {
    Activity::Gaussian.to_string()
}

fn is_default_activity(a: &str) -> bool {
    a == Activity::Gaussian.to_string()
}

/// Everything `hwcost synth` measures for one unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitSynthReport {
    pub unit: String,
    pub format: String,
    pub lanes: usize,
    /// the generator's n: the aligner window (FP) or the exact product width 2b (INT)
    pub psum_width: u32,
    pub pipeline: usize,
    pub clock_ns: f64,
    /// quantized Gaussian blocks simulated (after one reset cycle)
    pub blocks: usize,
    pub seed: u64,
    /// cycles whose outputs matched `emulate` bit for bit, in each netlist
    pub checked_cycles: usize,
    /// the breakdown (hierarchical synthesis), in [`Part::all`] order, parts without cells left
    /// out; the parts add up to `hierarchical`'s totals
    pub parts: Vec<PartCost>,
    pub modules: Vec<ModuleCost>,
    pub hierarchical: NetlistTotals,
    /// synthesized flat: optimized across module boundaries; its timing is the unit's
    pub flat: NetlistTotals,
    pub fmax_mhz: f64,
    pub registers: RegisterReport,
    pub provenance: SynthProvenance,
    /// wall time of each stage, hierarchical then flat (zero when read from the cache)
    pub stage_times: Vec<StageTimes>,
    #[serde(skip)]
    pub from_cache: bool,
}

impl UnitSynthReport {
    /// Flattened over hierarchical totals, (area, energy): how far optimization across module
    /// boundaries moves the unit.
    pub fn flat_scale(&self) -> (f64, f64) {
        (
            self.flat.area_um2 / self.hierarchical.area_um2,
            self.flat.energy_pj_per_block / self.hierarchical.energy_pj_per_block,
        )
    }

    /// The unit as reports see it: the hierarchical synthesis' parts (their sum is the unit's
    /// area and energy) and the flattened netlist's fmax.
    pub fn unit_cost(&self, unit: &analytic::UnitParams, tech: &str) -> UnitCost {
        let components = self
            .parts
            .iter()
            .map(|p| ComponentCost {
                key: p.key.clone(),
                label: p.label.clone(),
                area_um2: p.area_um2,
                energy_pj_per_block: p.energy_pj_per_block,
            })
            .collect();
        UnitCost::from_components(
            unit,
            "synth",
            tech,
            components,
            Some(self.fmax_mhz),
            Some(self.registers.latency_cycles),
        )
    }

    /// The architecture of the unit, read off its name (`{..}_p{S}_{multiplier}_{tag}`).
    /// Units named without it come from the generator before architectures were parameters,
    /// whose only architecture was the array with the carry-propagate tree.
    pub fn architecture(&self) -> (rtl::Multiplier, rtl::Reduction) {
        use rtl::{Multiplier, Reduction};
        for m in [Multiplier::Array, Multiplier::Booth4] {
            for r in [Reduction::CpaTree, Reduction::CsaTree] {
                if self.unit.ends_with(&format!("_{}_{}", m.label(), r.tag())) {
                    return (m, r);
                }
            }
        }
        (Multiplier::Array, Reduction::CpaTree)
    }

    /// The analytic model's parameters of this unit (INT units have no aligner width).
    pub fn analytic_params(
        &self,
        format: &BlockFormat,
    ) -> Result<analytic::UnitParams, analytic::ParamError> {
        let psum = if format.elem.is_int() {
            analytic::PsumWidth::Default
        } else {
            analytic::PsumWidth::Bits(self.psum_width)
        };
        let (m, r) = self.architecture();
        analytic::UnitParams::new(format.clone(), Some(self.lanes), psum)?
            .with_arch(rtl::Arch::new(m, r))
    }
}

/// One unit to synthesize, with the measurement settings.
#[derive(Clone, Debug)]
pub struct UnitSynthRequest {
    pub format: BlockFormat,
    pub params: rtl::UnitParams,
    pub clock_ns: f64,
    pub blocks: usize,
    pub seed: u64,
    /// synthesis and result caches live under it
    pub cache_dir: PathBuf,
    pub engine: Engine,
    /// gate timing of the activity simulation
    pub delay: Delay,
    /// operand stream of the activity simulation
    pub activity: Activity,
    /// how ABC maps the unit (area-oriented by default; delay-oriented toward a clock)
    pub mapping: Mapping,
}

impl UnitSynthRequest {
    pub fn new(format: BlockFormat, params: rtl::UnitParams, cache_dir: PathBuf) -> Self {
        UnitSynthRequest {
            format,
            params,
            clock_ns: DEFAULT_CLOCK_NS,
            blocks: DEFAULT_BLOCKS,
            seed: DEFAULT_SEED,
            cache_dir,
            engine: Engine::System,
            delay: Delay::Zero,
            activity: Activity::Gaussian,
            mapping: Mapping::Area,
        }
    }

    fn validate(&self) -> Result<UnitPlan, UnitSynthError> {
        if !(self.clock_ns > 0.0 && self.clock_ns.is_finite()) {
            return Err(UnitSynthError::Params(format!(
                "clock period {} ns is not a positive number",
                self.clock_ns
            )));
        }
        if self.blocks == 0 {
            return Err(UnitSynthError::Params(
                "need at least 1 simulated block, got 0".into(),
            ));
        }
        Ok(UnitPlan::new(&self.format, &self.params)?)
    }
}

/// The default cache directory: `$HWCOST_CACHE_DIR`, else `$XDG_CACHE_HOME/hwcost`, else
/// `~/.cache/hwcost`, else `hwcost-cache` in the system temp directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("HWCOST_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("hwcost");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".cache/hwcost");
    }
    std::env::temp_dir().join("hwcost-cache")
}

/// The generated unit and the key of its cached result.
pub struct Prepared {
    pub plan: UnitPlan,
    pub verilog: String,
    pub provenance: SynthProvenance,
}

/// Generates the unit and computes the key of its result (tool versions included, so a
/// missing tool is reported here, naming its Debian package).
pub fn prepare(
    req: &UnitSynthRequest,
    lib: &Library,
    tools: &Toolchain,
) -> Result<Prepared, UnitSynthError> {
    let plan = req.validate()?;
    let g = rtl::generate(&req.format, &req.params, None)?;
    let engine = tools.engine_id(req.engine)?;
    let yosys = match req.engine {
        Engine::System => engine.clone(),
        Engine::Yowasp => tools.version(req.engine.tool())?,
    };
    let sta = tools.version(Tool::Sta)?;
    let iverilog = tools.version(Tool::Iverilog)?;
    tools.locate(Tool::Vvp)?;
    let verilog_sha256 = hex(&Sha256::digest(g.verilog.as_bytes()));
    let mut h = Sha256::new();
    h.update(format!(
        "{FLOW_VERSION}\nliberty {}\nyosys {engine}\nsta {sta}\niverilog {iverilog}\n\
         verilog {verilog_sha256}\nclock {}\nblocks {}\nseed {}\n{}",
        lib.sha256,
        req.clock_ns,
        req.blocks,
        req.seed,
        // nothing for the default options: results made before them keep their keys
        activity::cache_key_suffix(req.delay, req.activity)
    ));
    if req.mapping != Mapping::Area {
        h.update(format!("\nmapping {}", req.mapping.label()));
    }
    let cache_key = hex(&h.finalize());
    let liberty = lib
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| lib.name.clone());
    Ok(Prepared {
        plan,
        provenance: SynthProvenance {
            generator: rtl::GENERATOR.to_string(),
            engine,
            yosys,
            sta,
            iverilog,
            liberty,
            liberty_sha256: lib.sha256.clone(),
            verilog_sha256,
            cache_key,
            delay: req.delay.to_string(),
            activity: req.activity.to_string(),
            mapping: req.mapping.label(),
        },
        verilog: g.verilog,
    })
}

/// Where the result with cache key `key` lives under `cache_dir`.
pub fn result_path(cache_dir: &Path, key: &str) -> PathBuf {
    cache_dir.join("units").join(format!("{key}.json"))
}

/// The cached result of `prepared`, if any.
pub fn cached(
    cache_dir: &Path,
    prepared: &Prepared,
) -> Result<Option<UnitSynthReport>, UnitSynthError> {
    let path = result_path(cache_dir, &prepared.provenance.cache_key);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(UnitSynthError::Cache { path, source }),
    };
    let mut r: UnitSynthReport =
        serde_json::from_str(&text).map_err(|e| UnitSynthError::Cache {
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
    r.from_cache = true;
    regroup(&mut r);
    Ok(Some(r))
}

/// Synthesizes, simulates and times one unit, or returns its cached result.
pub fn synth_unit(
    req: &UnitSynthRequest,
    pdk: &PdkFiles,
    lib: &Library,
    tools: &Toolchain,
) -> Result<UnitSynthReport, UnitSynthError> {
    let prepared = prepare(req, lib, tools)?;
    if let Some(hit) = cached(&req.cache_dir, &prepared)? {
        return Ok(hit);
    }
    let report = measure(req, &prepared, pdk, lib, tools)?;
    store(&req.cache_dir, &report)?;
    Ok(report)
}

fn store(cache_dir: &Path, report: &UnitSynthReport) -> Result<(), UnitSynthError> {
    let path = result_path(cache_dir, &report.provenance.cache_key);
    let dir = path.parent().expect("units/ under the cache");
    let err = |source| UnitSynthError::Cache {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let text = serde_json::to_string_pretty(report).expect("plain data serializes");
    crate::atomic::write(&path, text.as_bytes()).map_err(err)
}

/// The stimulus ports of a unit, in its port order (clock excluded; the scale ports only where
/// the unit has them).
fn stimulus_ports(plan: &UnitPlan) -> Vec<PortSpec> {
    let kw = plan.lanes * plan.elem_bits() as usize;
    let scales: &[(&str, usize)] = if plan.has_scale_ports() {
        &[("a_scale", 8), ("b_scale", 8)]
    } else {
        &[]
    };
    [
        ("rst", 1),
        ("in_valid", 1),
        ("acc_clear", 1),
        ("a", kw),
        ("b", kw),
    ]
    .iter()
    .chain(scales)
    .map(|&(n, w)| PortSpec::new(n, w, PortDirection::Input))
    .collect()
}

/// Element codes packed as the port sees them: element i at bits [i*W +: W].
fn pack(codes: &[u32], w: u32, width: usize) -> Result<Bits, SimError> {
    let mut words = vec![0u64; width.div_ceil(64)];
    for (i, &c) in codes.iter().enumerate() {
        for j in 0..w as usize {
            if c >> j & 1 == 1 {
                let bit = i * w as usize + j;
                words[bit / 64] |= 1 << (bit % 64);
            }
        }
    }
    Bits::from_words(width, words)
}

/// The measured stream of a unit: quantized Gaussian blocks from `req.seed` under
/// `req.activity`, the outputs `emulate` expects for them, and the stimulus that drives them
/// (one block per cycle after a reset cycle).
pub fn activity_stream(
    req: &UnitSynthRequest,
    plan: &UnitPlan,
) -> Result<(vectors::Stream, Stimulus), UnitSynthError> {
    let dp = datapath::UnitParams::new(
        &req.format,
        plan.lanes,
        plan.psum_width,
        plan.pipeline as u32,
    )
    .map_err(|e| UnitSynthError::Params(e.to_string()))?;
    let mut stream = vectors::generate(
        &req.format,
        &dp,
        Kind::Quantized(Data::Gaussian),
        req.seed,
        req.blocks,
    )?;
    if !req.activity.is_default() {
        activity::apply(req.activity, &mut stream.cycles);
        stream.expected = vectors::expected_outputs(&req.format, &dp, &stream.cycles);
    }
    let ports = stimulus_ports(plan);
    let w = plan.elem_bits();
    let mut stim = Stimulus::new(ports.clone())?;
    for c in &stream.cycles {
        let mut row = vec![
            Bits::from_u64(1, c.rst as u64)?,
            Bits::from_u64(1, c.in_valid as u64)?,
            Bits::from_u64(1, c.acc_clear as u64)?,
            pack(&c.a, w, ports[3].width)?,
            pack(&c.b, w, ports[4].width)?,
        ];
        if plan.has_scale_ports() {
            row.push(Bits::from_u64(8, c.a_scale as u64)?);
            row.push(Bits::from_u64(8, c.b_scale as u64)?);
        }
        stim.push_cycle(row)?;
    }
    Ok((stream, stim))
}

fn measure(
    req: &UnitSynthRequest,
    prepared: &Prepared,
    pdk: &PdkFiles,
    lib: &Library,
    tools: &Toolchain,
) -> Result<UnitSynthReport, UnitSynthError> {
    let plan = &prepared.plan;
    let (stream, stim) = activity_stream(req, plan)?;
    let blocks = stream
        .cycles
        .iter()
        .filter(|c| c.in_valid && !c.rst)
        .count();

    let work = tempfile::Builder::new()
        .prefix("hwcost-unit-")
        .tempdir()
        .map_err(CostError::WorkDir)?;
    let source = work.path().join(format!("{}.v", plan.name));
    std::fs::write(&source, &prepared.verilog).map_err(|e| UnitSynthError::Cache {
        path: source.clone(),
        source: e,
    })?;
    let flow = |hierarchy| FlowRequest {
        sources: vec![source.clone()],
        top: plan.name.clone(),
        hierarchy,
        cache_dir: req.cache_dir.join("synth"),
        engine: req.engine,
        cell_models: pdk.cell_models.clone(),
        clock: "clk".into(),
        period_ns: req.clock_ns,
        stimulus: stim.clone(),
        // the reset cycle is not measured; every later cycle is, so each pipeline stage sees
        // each block once inside the window
        measure_from_cycle: 1,
        ops_per_cycle: plan.lanes as f64,
        delay: req.delay,
        mapping: req.mapping,
    };
    let hier = run_flow(&flow(Hierarchy::Keep), lib, tools)?;
    check_outputs(
        &plan.name,
        "hierarchical",
        &hier.sim,
        &stream.expected,
        req.seed,
    )?;
    let flat = run_flow(&flow(Hierarchy::Flatten), lib, tools)?;
    check_outputs(
        &plan.name,
        "flattened",
        &flat.sim,
        &stream.expected,
        req.seed,
    )?;

    let k = plan.lanes as f64;
    // energy per cycle over the window -> per block
    let per_block = |r: &FlowResult| r.energy.cycles / blocks as f64;
    let tree = ModuleTree::parse(&prepared.verilog, &plan.name);
    let (parts, modules) = breakdown(&tree, &hier, per_block(&hier), k, lib, &plan.name)?;
    let totals = |r: &FlowResult| NetlistTotals {
        cells: r.synth.cell_count,
        flip_flops: r.synth.flip_flops,
        area_um2: r.synth.total_area_um2,
        energy_pj_per_block: r.energy.per_cycle.total_pj * per_block(r),
        energy_pj_per_mac: r.energy.per_cycle.total_pj * per_block(r) / k,
        internal_pj_per_cycle: r.energy.per_cycle.internal_pj,
        switching_pj_per_cycle: r.energy.per_cycle.switching_pj,
        leakage_pj_per_cycle: r.energy.per_cycle.leakage_pj,
        mean_toggle_rate: r.energy.mean_toggle_rate,
        critical_path: r.timing.critical_path.clone(),
        warnings: r.synth.warnings.clone(),
    };
    let fmax_mhz = flat
        .timing
        .critical_path
        .as_ref()
        .map(|p| p.fmax_mhz)
        .ok_or_else(|| UnitSynthError::NoTimingPath(plan.name.clone()))?;
    let regs = parts.iter().find(|p| p.key == Part::Registers.key());
    let ff_area: f64 = flat
        .synth
        .cells_by_type
        .iter()
        .filter(|(ty, _)| lib.cell(ty).is_some_and(|c| c.sequential))
        .map(|(ty, n)| *n as f64 * lib.cell(ty).map_or(0.0, |c| c.area))
        .sum();
    let registers = RegisterReport {
        latency_cycles: plan.latency(),
        initiation_interval: 1,
        flip_flops: flat.synth.flip_flops,
        flip_flop_area_um2: ff_area,
        register_area_um2: regs.map_or(0.0, |p| p.area_um2),
        register_energy_pj_per_block: regs.map_or(0.0, |p| p.energy_pj_per_block),
        clock_pin_pj_per_cycle: flat.energy.clock_pin_internal_pj,
        clock_net_pj_per_cycle: flat.energy.clock_net_switching_pj,
        clock_pj_per_cycle: flat.energy.clock_pin_internal_pj + flat.energy.clock_net_switching_pj,
    };
    Ok(UnitSynthReport {
        unit: plan.name.clone(),
        format: req.format.name.clone(),
        lanes: plan.lanes,
        psum_width: plan.psum_width,
        pipeline: plan.pipeline,
        clock_ns: req.clock_ns,
        blocks,
        seed: req.seed,
        checked_cycles: stream.cycles.len(),
        parts,
        modules,
        hierarchical: totals(&hier),
        flat: totals(&flat),
        fmax_mhz,
        registers,
        provenance: prepared.provenance.clone(),
        stage_times: vec![hier.stage_times, flat.stage_times],
        from_cache: false,
    })
}

/// Every cycle's `out_valid` and `acc` against `emulate`'s; the first difference is an error.
fn check_outputs(
    unit: &str,
    netlist: &'static str,
    sim: &SimResult,
    expected: &[Output],
    seed: u64,
) -> Result<(), UnitSynthError> {
    let idx = |name: &str| sim.output_ports.iter().position(|p| p.name == name);
    let (Some(iv), Some(ia)) = (idx("out_valid"), idx("acc")) else {
        return Err(UnitSynthError::Params(format!(
            "{unit} has no out_valid/acc output ports"
        )));
    };
    let show = |o: &Output| format!("out_valid {} acc {:#010x}", o.out_valid as u8, o.acc);
    for (cycle, want) in expected.iter().enumerate() {
        let row = sim.outputs.get(cycle);
        let got = row.and_then(|row| {
            let v = row[iv].as_ref()?.to_u64()?;
            let a = row[ia].as_ref()?.to_u64()?;
            Some(Output {
                out_valid: v == 1,
                acc: a as u32,
            })
        });
        if got != Some(*want) {
            return Err(UnitSynthError::Mismatch {
                unit: unit.to_string(),
                netlist,
                cycle,
                seed,
                expected: show(want),
                got: got.map_or("x/z or no output".to_string(), |g| show(&g)),
            });
        }
    }
    Ok(())
}

/// Per-part and per-module area and energy of the hierarchical netlist. Every flip-flop must
/// sit in a register module.
fn breakdown(
    tree: &ModuleTree,
    r: &FlowResult,
    cycles_per_block: f64,
    lanes: f64,
    lib: &Library,
    unit: &str,
) -> Result<(Vec<PartCost>, Vec<ModuleCost>), UnitSynthError> {
    let mut parts: Vec<(Part, PartCost)> = Vec::new();
    let mut modules: BTreeMap<String, (ModuleCost, std::collections::HashSet<String>)> =
        BTreeMap::new();
    for row in &r.energy.by_instance {
        let chain = tree
            .chain(&row.path)
            .ok_or_else(|| UnitSynthError::UnknownInstance {
                unit: unit.to_string(),
                path: row.path.clone(),
            })?;
        let part = classify(&chain).ok_or_else(|| UnitSynthError::UnknownModule {
            unit: unit.to_string(),
            module: chain.join("/"),
        })?;
        let short = chain.last().copied().unwrap_or("");
        let e = row.per_cycle.total_pj * cycles_per_block;
        let i = match parts.iter().position(|(q, _)| *q == part) {
            Some(i) => i,
            None => {
                parts.push((
                    part,
                    PartCost {
                        key: part.key(),
                        label: part.label().to_string(),
                        cells: 0,
                        area_um2: 0.0,
                        energy_pj_per_block: 0.0,
                        energy_pj_per_mac: 0.0,
                    },
                ));
                parts.len() - 1
            }
        };
        let p = &mut parts[i].1;
        p.cells += row.cells;
        p.area_um2 += row.area_um2;
        p.energy_pj_per_block += e;
        p.energy_pj_per_mac += e / lanes;
        let name = if short.is_empty() { "(top)" } else { short };
        let m = modules
            .entry(format!("{name} {}", part.key()))
            .or_insert_with(|| {
                (
                    ModuleCost {
                        module: name.to_string(),
                        part: part.key(),
                        instances: 0,
                        cells: 0,
                        area_um2: 0.0,
                        energy_pj_per_block: 0.0,
                    },
                    Default::default(),
                )
            });
        m.1.insert(row.path.clone());
        m.0.cells += row.cells;
        m.0.area_um2 += row.area_um2;
        m.0.energy_pj_per_block += e;
    }
    // flip-flops by instance path, from the netlist itself
    let netlist = Netlist::load(&r.synth.netlist, &r.synth.top).map_err(CostError::from)?;
    let mut stray = 0;
    let mut stray_path = String::new();
    for c in &netlist.cells {
        if !lib.cell(&c.cell_type).is_some_and(|x| x.sequential) {
            continue;
        }
        let part = tree.chain(c.hier_path()).map(|ch| classify(&ch));
        if part != Some(Some(Part::Registers)) {
            stray += 1;
            stray_path = c.hier_path().to_string();
        }
    }
    if stray > 0 {
        return Err(UnitSynthError::StrayFlipFlops {
            unit: unit.to_string(),
            count: stray,
            path: stray_path,
        });
    }
    // report order: Part::all()
    let order = Part::all();
    parts.sort_by_key(|(p, _)| order.iter().position(|q| q == p));
    let parts = parts.into_iter().map(|(_, c)| c).collect();
    let mut modules: Vec<ModuleCost> = modules
        .into_values()
        .map(|(mut m, paths)| {
            m.instances = paths.len();
            m
        })
        .collect();
    modules.sort_by(|a, b| b.area_um2.total_cmp(&a.area_um2));
    Ok((parts, modules))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::builtins;

    #[test]
    fn every_generated_module_maps_to_a_part() {
        for f in builtins() {
            // S = 4: the FP front end's lane and carry-save cuts (rtl/NOTES.md)
            for (pipeline, reduction) in [
                (0, None),
                (2, None),
                (4, None),
                (0, Some(rtl::Reduction::CpaTree)),
            ] {
                for lanes in [None, Some(4)] {
                    let params = rtl::UnitParams {
                        lanes,
                        pipeline,
                        arch: rtl::Arch {
                            multiplier: None,
                            reduction,
                        },
                        ..Default::default()
                    };
                    let g = rtl::generate(&f, &params, None).unwrap();
                    let tree = ModuleTree::parse(&g.verilog, &g.plan.name);
                    assert!(tree.modules().contains(&g.plan.name), "{}", g.plan.name);
                    let paths = tree.paths();
                    assert!(paths.len() > 5, "{}: {paths:?}", g.plan.name);
                    for p in paths.iter().chain([&String::new()]) {
                        let chain = tree.chain(p).unwrap();
                        assert!(
                            classify(&chain).is_some(),
                            "{}: instance {p} ({chain:?}) maps to no part",
                            g.plan.name
                        );
                    }
                    // every module type is instantiated somewhere
                    for m in tree.modules() {
                        assert!(
                            m == &g.plan.name
                                || paths.iter().any(|p| tree.resolve(p) == Some(m.as_str())),
                            "{m}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn module_paths_resolve_to_types() {
        let f = crate::format::lookup("mxfp8").unwrap();
        let g = rtl::generate(
            &f,
            &rtl::UnitParams {
                lanes: Some(4),
                ..Default::default()
            },
            None,
        )
        .unwrap();
        let name = &g.plan.name;
        let tree = ModuleTree::parse(&g.verilog, name);
        let ty = |p: &str| tree.resolve(p).map(|t| tree.short(t).to_string());
        assert_eq!(ty("").as_deref(), Some(""));
        assert_eq!(ty("front").as_deref(), Some("front"));
        assert_eq!(ty("front.csa$0.fp_lane$3").as_deref(), Some("fp_lane"));
        assert_eq!(ty("front.csa$0.fp_lane$3.mul").as_deref(), Some("mul_u4x4"));
        assert_eq!(
            ty("front.csa$0.fp_lane$0.fp_decode$1").as_deref(),
            Some("fp_lane__fp_decode")
        );
        assert_eq!(ty("front.csa$0.fp_lane$4"), None);
        assert_eq!(ty("nope"), None);
        let part = |p: &str| classify(&tree.chain(p).unwrap());
        assert_eq!(
            part("front.csa$0.fp_lane$2.mul"),
            Some(Part::Analytic(Component::LaneMultipliers))
        );
        assert_eq!(
            part("front.csa$0.fp_lane$2"),
            Some(Part::Analytic(Component::ExponentAdders))
        );
        assert_eq!(
            part("front.csa$0.fp_lane$2.fp_decode$0"),
            Some(Part::Extra(Extra::ElementDecoders))
        );
        assert_eq!(part(""), Some(Part::Extra(Extra::Unattributed)));
        assert_eq!(part("front"), Some(Part::Extra(Extra::Unattributed)));
        assert_eq!(
            classify(&["front", "specials"]),
            Some(Part::Extra(Extra::Specials))
        );
        assert_eq!(
            classify(&["front", "aligner", "apply_sign24"]),
            Some(Part::Extra(Extra::SignApplication))
        );
        assert_eq!(
            classify(&["front", "zext5to12"]),
            Some(Part::Extra(Extra::Unattributed))
        );
        // the same rounding module: glue after the block sum, accumulator inside the FP32 adder
        assert_eq!(
            part("to_binary32.norm.round"),
            Some(Part::Extra(Extra::Binary32Output))
        );
        assert_eq!(
            classify(&["to_binary32"]),
            Some(Part::Extra(Extra::Binary32Output))
        );
        assert_eq!(
            tree.chain("fp32_add.round").unwrap().last(),
            Some(&"to_binary32__norm__round")
        );
        assert_eq!(
            part("fp32_add.round"),
            Some(Part::Analytic(Component::Accumulator))
        );
        assert_eq!(
            part("to_binary32.norm.lzc"),
            Some(Part::Analytic(Component::Normalizer))
        );
        assert_eq!(part("acc_reg"), Some(Part::Registers));
        assert_eq!(classify(&["register_file"]), None);
        assert_eq!(classify(&["front", "mystery"]), None);
        for p in Part::all() {
            assert_eq!(Part::from_key(&p.key()), Some(p));
        }
    }

    /// The shipped array + cpa-tree MXFP8 report (made before the split): its glue splits into
    /// named parts that add up to it, sign application the largest; a report already split, or
    /// one whose modules do not add up, is left alone.
    #[test]
    fn regroup_splits_the_glue_by_module() {
        let text = include_str!("../../reports/architectures/array-cpa-tree.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut r: UnitSynthReport = serde_json::from_value(v["units"][0].clone()).unwrap();
        assert_eq!(r.format, "mxfp8");
        let before = r.clone();
        let glue: Option<PartCost> = r.parts.iter().find(|p| p.key == "glue").cloned();
        if let Some(glue) = glue {
            assert!(regroup(&mut r));
            assert!(r.parts.iter().all(|p| p.key != "glue"));
            let extras: Vec<&PartCost> = r
                .parts
                .iter()
                .filter(|p| Part::from_key(&p.key).is_some_and(|x| matches!(x, Part::Extra(_))))
                .collect();
            let area: f64 = extras.iter().map(|p| p.area_um2).sum();
            assert!(
                (area - glue.area_um2).abs() < 1e-6,
                "{area} {}",
                glue.area_um2
            );
            let biggest = extras
                .iter()
                .max_by(|a, b| a.area_um2.total_cmp(&b.area_um2))
                .unwrap();
            assert_eq!(biggest.key, "sign_application");
            // unattributed is what is left: small
            let un = extras
                .iter()
                .find(|p| p.key == "unattributed_glue")
                .unwrap();
            assert!(un.area_um2 < 0.02 * glue.area_um2, "{}", un.area_um2);
            assert!(r.modules.iter().all(|m| m.part != "glue"));
        }
        // idempotent
        let once = r.clone();
        assert!(regroup(&mut r));
        assert_eq!(r, once);
        // modules that do not add up to the glue: left as they were
        let mut bad = before.clone();
        if let Some(m) = bad.modules.iter_mut().find(|m| m.part == "glue") {
            m.area_um2 += 1.0;
            assert!(!regroup(&mut bad));
            assert!(bad.parts.iter().any(|p| p.key == "glue"));
        }
    }

    #[test]
    fn netlist_outputs_must_equal_emulate_bit_for_bit() {
        let ports = vec![
            PortSpec::new("out_valid", 1, PortDirection::Output),
            PortSpec::new("acc", 32, PortDirection::Output),
        ];
        let expected = [
            Output {
                out_valid: false,
                acc: 0,
            },
            Output {
                out_valid: true,
                acc: 0x3f80_0000,
            },
        ];
        let row = |v: u64, acc: Option<u64>| {
            vec![
                Some(Bits::from_u64(1, v).unwrap()),
                acc.map(|a| Bits::from_u64(32, a).unwrap()),
            ]
        };
        let sim = |outputs| SimResult {
            cycles: 2,
            measured_cycles: 1,
            output_ports: ports.clone(),
            outputs,
            activity: Default::default(),
            iverilog_version: String::new(),
        };
        let ok = sim(vec![row(0, Some(0)), row(1, Some(0x3f80_0000))]);
        check_outputs("u", "flattened", &ok, &expected, 7).unwrap();
        // one acc bit off, the last bit of the mantissa
        let off = sim(vec![row(0, Some(0)), row(1, Some(0x3f80_0001))]);
        let e = check_outputs("u", "flattened", &off, &expected, 7).unwrap_err();
        assert!(
            matches!(e, UnitSynthError::Mismatch { cycle: 1, .. }),
            "{e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("0x3f800001") && msg.contains("seed 0x7"),
            "{msg}"
        );
        // x on acc, a wrong out_valid, a missing cycle
        for bad in [
            vec![row(0, None), row(1, Some(0x3f80_0000))],
            vec![row(0, Some(0)), row(0, Some(0x3f80_0000))],
            vec![row(0, Some(0))],
        ] {
            assert!(check_outputs("u", "hierarchical", &sim(bad), &expected, 7).is_err());
        }
    }

    #[test]
    fn operands_pack_lane_i_at_bit_i_times_w() {
        let b = pack(&[0x5, 0xa, 0xf], 4, 12).unwrap();
        assert_eq!(b.to_hex(), "fa5");
        let wide = pack(&[1; 20], 4, 80).unwrap();
        assert!(wide.bit(76) && wide.bit(64) && !wide.bit(77));
        assert!(pack(&[0x1f], 5, 4).is_err());
    }
}
