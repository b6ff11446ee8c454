//! Energy per clock cycle of a gate-level netlist from per-net activity, computed with the
//! OpenSTA 3.x power model on the Liberty tables: internal energy of every pin transition,
//! switching energy of every cell-driven net, and leakage.
//!
//! The model, per cell instance:
//! - input pin with an `internal_power` group: energy per transition = mean of the rise and
//!   fall tables at the pin's rise/fall slew, times the pin's toggles (times P(`when`) if the
//!   group has a condition). Flip-flop clock pins take their toggles (2 per cycle) this way.
//! - output pin: each `internal_power` group (one per related input pin) gives the mean of
//!   its rise and fall tables at the related pin's slew (same edge for positive-unate arcs,
//!   the opposite edge otherwise) and the output load. The groups are weighted by the related
//!   pin's toggle density times the probability that the output is sensitive to it (the
//!   Boolean difference of the pin function with the other inputs at their measured duty),
//!   normalised to sum to one, and the result is charged per output toggle.
//! - switching: 0.5 * C_load * V^2 per toggle of a net driven by a cell output, C_load being
//!   the sum of the fanout input-pin capacitances (the larger of the rise and fall sums; the
//!   library has no wire load). Nets driven by top-level input ports are not charged to the
//!   design (OpenSTA charges power to instances); their switching is reported separately.
//! - leakage: `cell_leakage_power` times the clock period.
//!
//! Slews are propagated through the netlist like a static timing tool does: top-level inputs
//! and the clock are ideal (slew 0, OpenSTA's default without `set_input_transition`), and
//! every driven net takes the worst output transition over the driver's arcs, read from the
//! `rise_transition`/`fall_transition` tables at the input slew and the net's load.

use std::collections::BTreeMap;

use serde::Serialize;

use super::liberty::{
    ArcKind, BoolExpr, Cell, Direction, InternalPower, LibertyError, Library, Pin, TimingSense,
};
use super::netlist::{Bit, NetId, Netlist, PortDirection};
use super::sim::VcdActivity;

#[derive(Debug, thiserror::Error)]
pub enum PowerError {
    #[error(transparent)]
    Liberty(#[from] LibertyError),
    #[error("cell {instance}: library cell `{cell_type}` has no pin `{pin}`")]
    UnknownPin {
        instance: String,
        cell_type: String,
        pin: String,
    },
    #[error("net `{net}` has more than one driver")]
    MultipleDrivers { net: String },
    #[error("combinational loop through cell {instance}: slews cannot be propagated")]
    CombinationalLoop { instance: String },
    #[error("net `{net}` is not in the simulation dump")]
    MissingActivity { net: String },
    #[error("cell {instance} input {pin} is tied to x/z")]
    UndefinedInput { instance: String, pin: String },
    #[error("clock port `{0}` is not a 1-bit input of the netlist")]
    NoClock(String),
    #[error("{0}")]
    Invalid(String),
}

/// Activity of every merged net of a netlist over a number of clock cycles.
#[derive(Debug, Clone)]
pub struct NetActivity {
    pub cycles: f64,
    /// 0<->1 transitions of each net over the window
    pub toggles: Vec<f64>,
    /// fraction of the window each net is at 1
    pub duty: Vec<f64>,
}

impl NetActivity {
    /// From a simulation dump of the netlist's module (`cycles` = measured clock cycles).
    pub fn from_vcd(
        netlist: &Netlist,
        vcd: &VcdActivity,
        cycles: usize,
    ) -> Result<NetActivity, PowerError> {
        if cycles == 0 || vcd.window_ps == 0 {
            return Err(PowerError::Invalid("activity window is empty".into()));
        }
        let mut toggles = Vec::with_capacity(netlist.net_count());
        let mut duty = Vec::with_capacity(netlist.net_count());
        for (id, names) in netlist.net_names.iter().enumerate() {
            match names.iter().find_map(|n| vcd.bits.get(n)) {
                Some(a) => {
                    toggles.push(a.toggles as f64);
                    duty.push(a.high_ps as f64 / vcd.window_ps as f64);
                }
                None => match netlist.const_nets.get(&id) {
                    Some(v) => {
                        toggles.push(0.0);
                        duty.push(if *v { 1.0 } else { 0.0 });
                    }
                    None => {
                        return Err(PowerError::MissingActivity {
                            net: names[0].clone(),
                        })
                    }
                },
            }
        }
        Ok(NetActivity {
            cycles: cycles as f64,
            toggles,
            duty,
        })
    }

    /// OpenSTA's `set_power_activity -global -activity A -duty 0.5`: every net toggles `A`
    /// times per cycle, the clock twice, and constant nets (assigned constants, tie-cell
    /// outputs) never.
    pub fn global(
        netlist: &Netlist,
        lib: &Library,
        clock: Option<&str>,
        activity: f64,
    ) -> Result<NetActivity, PowerError> {
        if !(activity >= 0.0 && activity.is_finite()) {
            return Err(PowerError::Invalid(format!(
                "global activity {activity} is not a non-negative number"
            )));
        }
        let n = netlist.net_count();
        let mut toggles = vec![activity; n];
        let mut duty = vec![0.5; n];
        for (id, v) in &netlist.const_nets {
            toggles[*id] = 0.0;
            duty[*id] = if *v { 1.0 } else { 0.0 };
        }
        for inst in &netlist.cells {
            let cell = lib
                .cell(&inst.cell_type)
                .ok_or_else(|| LibertyError::UnknownCell(inst.cell_type.clone()))?;
            for (pin, bit) in &inst.pins {
                let (Some(p), Bit::Net(net)) = (cell.pin(pin), bit) else {
                    continue;
                };
                if let Some(BoolExpr::Const(v)) = &p.function {
                    toggles[*net] = 0.0;
                    duty[*net] = if *v { 1.0 } else { 0.0 };
                }
            }
        }
        if let Some(c) = clock {
            let net = clock_net(netlist, c)?;
            toggles[net] = 2.0;
            duty[net] = 0.5;
        }
        Ok(NetActivity {
            cycles: 1.0,
            toggles,
            duty,
        })
    }

    /// Mean toggles per cycle over all nets except `exclude` (the clock).
    pub fn mean_toggle_rate(&self, exclude: Option<NetId>) -> f64 {
        let (sum, n) = self
            .toggles
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != exclude)
            .fold((0.0, 0usize), |(s, n), (_, t)| (s + t, n + 1));
        if n == 0 {
            0.0
        } else {
            sum / n as f64 / self.cycles
        }
    }
}

fn clock_net(netlist: &Netlist, clock: &str) -> Result<NetId, PowerError> {
    match netlist.port(clock) {
        Some(p) if p.direction == PortDirection::Input && p.width == 1 => {}
        _ => return Err(PowerError::NoClock(clock.to_string())),
    }
    let bits = netlist
        .port_bits(clock)
        .ok_or_else(|| PowerError::NoClock(clock.to_string()))?;
    netlist
        .net_of(&bits[0])
        .ok_or_else(|| PowerError::NoClock(clock.to_string()))
}

/// Energy per clock cycle, picojoules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct EnergySplit {
    pub internal_pj: f64,
    pub switching_pj: f64,
    pub leakage_pj: f64,
    pub total_pj: f64,
}

impl EnergySplit {
    fn add(&mut self, o: &EnergySplit) {
        self.internal_pj += o.internal_pj;
        self.switching_pj += o.switching_pj;
        self.leakage_pj += o.leakage_pj;
        self.total_pj += o.total_pj;
    }
}

/// Cells, area and energy of the cells that one hierarchical instance held before flattening.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceEnergy {
    /// instance path (`u_p0.u_mul`); empty for the top module's own cells
    pub path: String,
    pub cells: usize,
    pub area_um2: f64,
    pub per_cycle: EnergySplit,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyReport {
    pub cycles: f64,
    pub period_ns: f64,
    pub supply_v: f64,
    pub per_cycle: EnergySplit,
    /// part of `per_cycle.internal_pj` spent in clock pins (flip-flop clocking)
    pub clock_pin_internal_pj: f64,
    /// switching of nets driven by top-level input ports (clock excluded); not in the total
    pub input_port_switching_pj: f64,
    /// switching of the clock net (the clock pins it drives, 2 toggles per cycle, no wire or
    /// clock tree); not in the total: the clock port's driver pays it
    pub clock_net_switching_pj: f64,
    /// average power at `period_ns`, microwatts
    pub power_uw: f64,
    /// mean toggles per cycle over all nets but the clock
    pub mean_toggle_rate: f64,
    pub nets: usize,
    pub cells: usize,
    /// own cells of every hierarchical instance path, sorted by path
    pub by_instance: Vec<InstanceEnergy>,
}

impl EnergyReport {
    /// `by_instance` merged to the first `depth` levels of the path (depth 1: one row per
    /// top-level submodule instance, plus the top's own cells under "").
    pub fn rolled_up(&self, depth: usize) -> Vec<InstanceEnergy> {
        let mut out: BTreeMap<String, InstanceEnergy> = BTreeMap::new();
        for row in &self.by_instance {
            let key = if row.path.is_empty() {
                String::new()
            } else {
                row.path
                    .split('.')
                    .take(depth)
                    .collect::<Vec<_>>()
                    .join(".")
            };
            let e = out.entry(key.clone()).or_insert_with(|| InstanceEnergy {
                path: key,
                cells: 0,
                area_um2: 0.0,
                per_cycle: EnergySplit::default(),
            });
            e.cells += row.cells;
            e.area_um2 += row.area_um2;
            e.per_cycle.add(&row.per_cycle);
        }
        out.into_values().collect()
    }
}

const RISE: usize = 0;
const FALL: usize = 1;

struct Inst<'a> {
    cell: &'a Cell,
    /// per netlist pin: index of the library pin
    lib_pin: Vec<usize>,
}

/// Energy per cycle of `netlist` under `activity`, with `clock` the clock port (`None` for a
/// combinational design) and `period_ns` the clock period (for leakage and average power).
pub fn compute_energy(
    lib: &Library,
    netlist: &Netlist,
    activity: &NetActivity,
    clock: Option<&str>,
    period_ns: f64,
) -> Result<EnergyReport, PowerError> {
    if !(period_ns > 0.0 && period_ns.is_finite()) {
        return Err(PowerError::Invalid(format!(
            "clock period {period_ns} ns is not positive"
        )));
    }
    let n_nets = netlist.net_count();
    if activity.toggles.len() != n_nets || activity.duty.len() != n_nets {
        return Err(PowerError::Invalid(
            "activity does not belong to this netlist".into(),
        ));
    }
    let clock_net = clock.map(|c| clock_net(netlist, c)).transpose()?;
    let insts = resolve_cells(lib, netlist)?;

    // drivers and loads
    let mut driver: Vec<Option<usize>> = vec![None; n_nets];
    let mut load_rise = vec![0.0; n_nets];
    let mut load_fall = vec![0.0; n_nets];
    for (ci, (inst, r)) in netlist.cells.iter().zip(&insts).enumerate() {
        for (k, (_, bit)) in inst.pins.iter().enumerate() {
            let p = &r.cell.pins[r.lib_pin[k]];
            let Bit::Net(net) = *bit else { continue };
            match p.direction {
                Direction::Output => {
                    if driver[net].replace(ci).is_some() {
                        return Err(PowerError::MultipleDrivers {
                            net: netlist.net_names[net][0].clone(),
                        });
                    }
                }
                Direction::Input => {
                    load_rise[net] += p.rise_capacitance;
                    load_fall[net] += p.fall_capacitance;
                }
                Direction::Inout | Direction::Internal => {}
            }
        }
    }
    let load: Vec<f64> = load_rise
        .iter()
        .zip(&load_fall)
        .map(|(r, f)| r.max(*f))
        .collect();
    let slew = propagate_slews(netlist, &insts, &driver, &load)?;

    let units = lib.units;
    let e_int = units.internal_energy_j() / 1e-12; // table unit -> pJ
    let v = lib.nom_voltage_v;
    let e_sw = 0.5 * units.capacitance_f * v * v / 1e-12; // per toggle per cap unit -> pJ
    let period_s = period_ns * 1e-9;
    let cycles = activity.cycles;

    let mut groups: BTreeMap<&str, InstanceEnergy> = BTreeMap::new();
    let mut clock_internal = 0.0;
    for (inst, r) in netlist.cells.iter().zip(&insts) {
        let cell = r.cell;
        // duty of a cell pin by name, for `function`/`when` probabilities
        let pin_duty = |name: &str| -> Option<f64> {
            let k = inst.pins.iter().position(|(p, _)| p == name)?;
            match inst.pins[k].1 {
                Bit::Net(n) => Some(activity.duty[n]),
                Bit::Const(v) => Some(if v { 1.0 } else { 0.0 }),
                Bit::Undefined => None,
            }
        };
        let pin_net = |name: &str| -> Option<NetId> {
            inst.pins
                .iter()
                .find(|(p, _)| p == name)
                .and_then(|(_, b)| match b {
                    Bit::Net(n) => Some(*n),
                    _ => None,
                })
        };
        let mut internal = 0.0;
        let mut switching = 0.0;
        for (k, (pin_name, bit)) in inst.pins.iter().enumerate() {
            let p = &cell.pins[r.lib_pin[k]];
            match (p.direction, *bit) {
                (Direction::Input, Bit::Undefined) => {
                    return Err(PowerError::UndefinedInput {
                        instance: inst.name.clone(),
                        pin: pin_name.clone(),
                    })
                }
                (Direction::Input, Bit::Net(net)) => {
                    let t = activity.toggles[net];
                    if t == 0.0 {
                        continue;
                    }
                    let mut e = 0.0;
                    for g in &p.internal_power {
                        let cond = match &g.when {
                            Some(w) => w.probability(&pin_duty).unwrap_or(0.0),
                            None => 1.0,
                        };
                        e += g.mean_energy(slew[net][RISE], slew[net][FALL], 0.0) * cond;
                    }
                    internal += e * t;
                    if p.is_clock {
                        clock_internal += e * t;
                    }
                }
                (Direction::Output, Bit::Net(net)) => {
                    let t = activity.toggles[net];
                    if t == 0.0 {
                        continue;
                    }
                    internal +=
                        output_internal(p, &pin_duty, &pin_net, cell, activity, &slew, load[net])
                            * t;
                    switching += load[net] * t;
                }
                _ => {}
            }
        }
        let split = EnergySplit {
            internal_pj: internal * e_int / cycles,
            switching_pj: switching * e_sw / cycles,
            leakage_pj: cell.leakage * units.leakage_power_w * period_s / 1e-12,
            total_pj: 0.0,
        };
        let split = EnergySplit {
            total_pj: split.internal_pj + split.switching_pj + split.leakage_pj,
            ..split
        };
        let path = inst.hier_path();
        let g = groups.entry(path).or_insert_with(|| InstanceEnergy {
            path: path.to_string(),
            cells: 0,
            area_um2: 0.0,
            per_cycle: EnergySplit::default(),
        });
        g.cells += 1;
        g.area_um2 += cell.area;
        g.per_cycle.add(&split);
    }

    let mut total = EnergySplit::default();
    for g in groups.values() {
        total.add(&g.per_cycle);
    }
    let mut input_port_switching = 0.0;
    for p in netlist
        .ports
        .iter()
        .filter(|p| p.direction == PortDirection::Input)
    {
        for b in netlist.port_bits(&p.name).unwrap_or_default() {
            if let Some(net) = netlist.net_of(&b) {
                if Some(net) != clock_net && driver[net].is_none() {
                    input_port_switching += load[net] * activity.toggles[net];
                }
            }
        }
    }
    let clock_net_switching = clock_net.map_or(0.0, |n| load[n] * activity.toggles[n]);
    Ok(EnergyReport {
        cycles,
        period_ns,
        supply_v: v,
        per_cycle: total,
        clock_pin_internal_pj: clock_internal * e_int / cycles,
        input_port_switching_pj: input_port_switching * e_sw / cycles,
        clock_net_switching_pj: clock_net_switching * e_sw / cycles,
        power_uw: total.total_pj / period_ns * 1e3,
        mean_toggle_rate: activity.mean_toggle_rate(clock_net),
        nets: n_nets,
        cells: netlist.cells.len(),
        by_instance: groups.into_values().collect(),
    })
}

/// Internal energy per output transition of pin `p` (library energy unit).
fn output_internal(
    p: &Pin,
    pin_duty: &dyn Fn(&str) -> Option<f64>,
    pin_net: &dyn Fn(&str) -> Option<NetId>,
    cell: &Cell,
    activity: &NetActivity,
    slew: &[[f64; 2]],
    load: f64,
) -> f64 {
    let mut weighted = Vec::with_capacity(p.internal_power.len());
    let mut weight_sum = 0.0;
    let mut unrelated = 0.0;
    for g in &p.internal_power {
        let Some(rel) = g.related_pin.as_deref() else {
            // no related pin: charged once per output transition at ideal input slew
            unrelated += g.mean_energy(0.0, 0.0, load);
            continue;
        };
        let net = pin_net(rel);
        let density = net.map(|n| activity.toggles[n]).unwrap_or(0.0);
        let w = density * sensitivity(p, g, rel, cell, pin_duty);
        weight_sum += w;
        let in_slew = net.map(|n| slew[n]).unwrap_or([0.0, 0.0]);
        let positive = p
            .timing
            .iter()
            .any(|a| a.related_pin == rel && a.sense == TimingSense::PositiveUnate);
        let (from_rise, from_fall) = if positive {
            (in_slew[RISE], in_slew[FALL])
        } else {
            (in_slew[FALL], in_slew[RISE])
        };
        weighted.push((w, g.mean_energy(from_rise, from_fall, load)));
    }
    let related = if weight_sum > 0.0 {
        weighted.iter().map(|(w, e)| w * e).sum::<f64>() / weight_sum
    } else {
        0.0
    };
    related + unrelated
}

/// How often an output transition is caused by `rel` (OpenSTA's `findInputDuty`): the
/// Boolean difference of the output function with respect to `rel` if the function names
/// it, else the probability of the group's `when`, else 1 for a clock pin and 0.5 otherwise.
fn sensitivity(
    p: &Pin,
    g: &InternalPower,
    rel: &str,
    cell: &Cell,
    pin_duty: &dyn Fn(&str) -> Option<f64>,
) -> f64 {
    if let Some(f) = &p.function {
        if f.variables().contains(&rel) {
            if let Some(s) = f.sensitivity(rel, pin_duty) {
                return s;
            }
        }
    }
    if let Some(w) = &g.when {
        if let Some(pr) = w.probability(pin_duty) {
            return pr;
        }
    }
    if cell.pin(rel).is_some_and(|r| r.is_clock) {
        1.0
    } else {
        0.5
    }
}

fn resolve_cells<'a>(lib: &'a Library, netlist: &Netlist) -> Result<Vec<Inst<'a>>, PowerError> {
    netlist
        .cells
        .iter()
        .map(|inst| {
            let cell = lib
                .cell(&inst.cell_type)
                .ok_or_else(|| LibertyError::UnknownCell(inst.cell_type.clone()))?;
            let lib_pin = inst
                .pins
                .iter()
                .map(|(p, _)| {
                    cell.pin_index(p).ok_or_else(|| PowerError::UnknownPin {
                        instance: inst.name.clone(),
                        cell_type: inst.cell_type.clone(),
                        pin: p.clone(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Inst { cell, lib_pin })
        })
        .collect()
}

/// Rise/fall slew of every net (library time unit), in topological order of the cells.
fn propagate_slews(
    netlist: &Netlist,
    insts: &[Inst],
    driver: &[Option<usize>],
    load: &[f64],
) -> Result<Vec<[f64; 2]>, PowerError> {
    let n_nets = netlist.net_count();
    let mut slew = vec![[0.0, 0.0]; n_nets];
    // cells wait for the driven nets on the related pins of their output arcs
    let mut pending = vec![0usize; insts.len()];
    let mut waiters: Vec<Vec<usize>> = vec![Vec::new(); n_nets];
    for (ci, (inst, r)) in netlist.cells.iter().zip(insts).enumerate() {
        for (name, bit) in &inst.pins {
            let Bit::Net(net) = *bit else { continue };
            let is_related = r.cell.outputs().any(|o| {
                o.timing
                    .iter()
                    .any(|a| a.kind != ArcKind::Constraint && a.related_pin == *name)
            });
            if is_related && driver[net].is_some() {
                pending[ci] += 1;
                waiters[net].push(ci);
            }
        }
    }
    let mut ready: Vec<usize> = (0..insts.len()).filter(|&c| pending[c] == 0).collect();
    let mut done = 0;
    while let Some(ci) = ready.pop() {
        done += 1;
        let inst = &netlist.cells[ci];
        let r = &insts[ci];
        for (k, (_, bit)) in inst.pins.iter().enumerate() {
            let p = &r.cell.pins[r.lib_pin[k]];
            let Bit::Net(net) = *bit else { continue };
            if p.direction != Direction::Output {
                continue;
            }
            let mut out = [0.0f64, 0.0f64];
            for arc in p.timing.iter().filter(|a| a.kind != ArcKind::Constraint) {
                let input: [f64; 2] = inst
                    .pins
                    .iter()
                    .find(|(n, _)| *n == arc.related_pin)
                    .and_then(|(_, b)| match b {
                        Bit::Net(n) => Some(slew[*n]),
                        _ => None,
                    })
                    .unwrap_or([0.0, 0.0]);
                let worst = input[RISE].max(input[FALL]);
                let (for_rise, for_fall) = match (arc.kind, arc.sense) {
                    (ArcKind::RisingEdge, _) => (input[RISE], input[RISE]),
                    (ArcKind::FallingEdge, _) => (input[FALL], input[FALL]),
                    (_, TimingSense::PositiveUnate) => (input[RISE], input[FALL]),
                    (_, TimingSense::NegativeUnate) => (input[FALL], input[RISE]),
                    (_, TimingSense::NonUnate) => (worst, worst),
                };
                if let Some(t) = &arc.rise_transition {
                    out[RISE] = out[RISE].max(t.lookup(for_rise, load[net]));
                }
                if let Some(t) = &arc.fall_transition {
                    out[FALL] = out[FALL].max(t.lookup(for_fall, load[net]));
                }
            }
            slew[net] = out;
            for &w in &waiters[net] {
                pending[w] -= 1;
                if pending[w] == 0 {
                    ready.push(w);
                }
            }
        }
    }
    if done < insts.len() {
        let stuck = (0..insts.len())
            .find(|&c| pending[c] > 0)
            .expect("an unprocessed cell");
        return Err(PowerError::CombinationalLoop {
            instance: netlist.cells[stuck].name.clone(),
        });
    }
    Ok(slew)
}
