//! The output-stationary GEMM of [`super`] run on an R x C array of real generated MAC units
//! (their rust-hdl models, stepped one clock cycle at a time), and its check against the
//! closed-form schedule, the schedule simulator ([`super::sim`]) and the unit's software model.
//!
//! # The array
//! Each array position holds one generated unit ([`crate::rtl::UnitSim`]); around the units
//! sit the array's own registers, modeled here cycle by cycle:
//! - An A operand register per unit, loaded every cycle from the unit to its left (or from the
//!   row's edge feeder), and a B operand register loaded from the unit above (or the column's
//!   feeder). An operand is a step's element codes and block scale with two control bits:
//!   `first` drives the unit's `acc_clear`, `last` marks the final step of the sum. Rows past M
//!   and columns past N of a partial fold carry null operands (SCALE-Sim's `-1` requests): zero
//!   codes, with `in_valid` still raised, so that the completion of every unit, used or not,
//!   comes from the RTL's own `out_valid`. Their results are discarded and they are not busy.
//! - Per unit, a FIFO of the `last` bits of the steps in its pipeline, popped on every
//!   `out_valid` of the RTL; a unit is done when it pops a `last`. This is where the unit's
//!   latency enters: had the RTL one cycle more or less, every drain and the run would move.
//! - Per column, a drain chain: once every unit of the column is done, the bottom unit's
//!   accumulator leaves the array in that cycle and the others are captured into the chain's
//!   registers (the generated unit has no way to load its accumulator from a neighbour), which
//!   shift down one per cycle, so the output of array row q leaves R - 1 - q cycles later.
//!
//! Only the input side of the schedule is given, as in [`super::sim`]: step t of A's row i
//! enters array row r at fold cycle t + r, step t of B's column j enters column c at t + c. A
//! fold ends in the cycle its last column puts out its last accumulator and the next starts in
//! the cycle after; folds run N-fold by N-fold, the M-folds inside. The units are reset once,
//! before cycle 0. Weight stationary needs a unit that adds the partial sum of the unit above,
//! which the generated unit does not have, so only output stationary runs here.
//!
//! # Operands
//! A (M x K) and B^T (N x K) are quantized by the real quantizer ([`crate::format::quantize`],
//! the format's default options and block size), blocks running along K for both. A step of
//! `lanes` elements lies in one block (the lanes divide the block size) and takes its scale; the
//! padding of K to a multiple of the lanes is the quantizer's zero codes of the last block. NV
//! formats' per-tensor scales stay outside the units, so the results are the accumulators
//! before them.
//!
//! # The check
//! [`check`] runs the array and compares, exactly: the event counts (cycles, folds, steps,
//! SRAM reads, register writes) with [`super::schedule_counts`] and [`super::sim::simulate`];
//! the cycle each C element leaves the array with the closed form [`os_output_cycle`] and the
//! simulator's [`Event::Out`]; the observed utilization (useful lane-MACs over R C lanes
//! cycles) with the model's report; and every C element's accumulator bits with the software
//! model ([`emulate_block`] and [`AccEmu`] over the K steps in order), which the schedule
//! simulator also computes with the software model plugged into its `mac`.

use std::collections::VecDeque;
use std::fmt::Write as _;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use super::sim::{self, Event, StepRef};
use super::{
    gemm_report, schedule_counts, Dataflow, GemmArgs, GemmConfig, GemmError, GemmShape,
    ScheduleCounts,
};
use crate::cost::tech::Tech;
use crate::datapath::{add_binary32, emulate_block, AccEmu, UnitError, UnitParams};
use crate::format::quantize::{quantize, QuantError, QuantOptions, Quantized};
use crate::format::BlockFormat;
use crate::rtl::{self, RtlError, UnitPlan, UnitSim};

/// Most unit-cycles (units x cycles of the closed-form schedule) one RTL array run may take:
/// a rust-hdl unit takes some 20 to 50 microseconds a cycle in a release build (measured on
/// a loaded 2-core machine: 64x64x256 on 8 x 8 units, 221,184 unit-cycles, in 10 s), so this
/// is at most about ten seconds.
pub const MAX_RTL_UNIT_CYCLES: u128 = 250_000;
/// Most elements of A and B together that [`GemmOperands::gaussian`] draws.
pub const MAX_OPERAND_ELEMENTS: u128 = 1 << 24;
/// Mismatch lines listed before the rest are only counted.
const LISTED: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum RtlArrayError {
    #[error("the RTL array runs output-stationary GEMMs only: {0} needs a unit that adds the partial sum of the unit above, which the generated unit does not have")]
    Dataflow(&'static str),
    #[error("simulating GEMM {}x{}x{} on a {rows}x{cols} array of RTL units takes {unit_cycles} unit-cycles, more than the limit {MAX_RTL_UNIT_CYCLES}; the RTL array is a check for small shapes", shape.m, shape.n, shape.k)]
    TooLarge {
        shape: GemmShape,
        rows: usize,
        cols: usize,
        unit_cycles: u128,
    },
    #[error("GEMM {}x{}x{} has {elements} elements of A and B, more than the {MAX_OPERAND_ELEMENTS} drawn for an RTL array run", shape.m, shape.n, shape.k)]
    TooManyElements { shape: GemmShape, elements: u128 },
    #[error("operands quantized for GEMM {}x{}x{} in steps of {ops_lanes} lanes do not fit GEMM {}x{}x{} on units of {lanes} lanes", ops.m, ops.n, ops.k, shape.m, shape.n, shape.k)]
    OperandShape {
        ops: GemmShape,
        ops_lanes: usize,
        shape: GemmShape,
        lanes: usize,
    },
    #[error("operand {what} holds {got} values, the GEMM {}x{}x{} needs {want}", shape.m, shape.n, shape.k)]
    OperandLen {
        what: &'static str,
        shape: GemmShape,
        got: usize,
        want: usize,
    },
    /// The array broke its own protocol: a defect of the RTL or of this harness, reported
    /// with the cycle instead of a panic so that a test can name it.
    #[error("RTL array, cycle {cycle}: {why}")]
    Protocol { cycle: u64, why: String },
    #[error("quantizing the GEMM operands: {0}")]
    Quantize(#[from] QuantError),
    #[error(transparent)]
    Gemm(#[from] GemmError),
    #[error(transparent)]
    Rtl(#[from] RtlError),
    #[error(transparent)]
    Unit(#[from] UnitError),
}

/// A and B of one GEMM quantized by the real quantizer: A as M rows of K, B as N rows of K
/// (its transpose), so both have their blocks along K.
#[derive(Clone, Debug, PartialEq)]
pub struct GemmOperands {
    pub shape: GemmShape,
    pub lanes: usize,
    pub a: Quantized,
    pub bt: Quantized,
}

impl GemmOperands {
    /// Quantize `a` (M x K, row-major) and `bt` (B^T: N x K, row-major) with the format's
    /// default options; steps are `lanes` elements, which must divide the block size.
    pub fn quantize(
        fmt: &BlockFormat,
        shape: GemmShape,
        lanes: usize,
        a: &[f32],
        bt: &[f32],
    ) -> Result<Self, RtlArrayError> {
        if lanes == 0 || !fmt.block.is_multiple_of(lanes) {
            return Err(GemmError::LanesVsBlock {
                lanes,
                block: fmt.block,
                format: fmt.name.clone(),
            }
            .into());
        }
        let k = shape.k as usize;
        for (what, x, rows) in [("A", a, shape.m), ("B^T", bt, shape.n)] {
            let want = rows as usize * k;
            if x.len() != want {
                return Err(RtlArrayError::OperandLen {
                    what,
                    shape,
                    got: x.len(),
                    want,
                });
            }
        }
        let opts = QuantOptions::default_for(fmt);
        Ok(GemmOperands {
            shape,
            lanes,
            a: quantize(fmt, &opts, a, k)?,
            bt: quantize(fmt, &opts, bt, k)?,
        })
    }

    /// A and B^T drawn from a standard normal with a seeded ChaCha8 generator (A first, row
    /// by row), then quantized.
    pub fn gaussian(
        fmt: &BlockFormat,
        shape: GemmShape,
        lanes: usize,
        seed: u64,
    ) -> Result<Self, RtlArrayError> {
        let elements = (shape.m as u128 + shape.n as u128) * shape.k as u128;
        if elements > MAX_OPERAND_ELEMENTS {
            return Err(RtlArrayError::TooManyElements { shape, elements });
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut draw = |rows: u64| -> Vec<f32> {
            (0..rows * shape.k)
                .map(|_| StandardNormal.sample(&mut rng))
                .collect()
        };
        let a = draw(shape.m);
        let bt = draw(shape.n);
        Self::quantize(fmt, shape, lanes, &a, &bt)
    }

    /// Element codes (one per lane) and block scale code of step `t` of A's row `i`.
    pub fn a_step(&self, i: u64, t: u64) -> (Vec<u32>, u8) {
        step_of(&self.a, self.lanes, i, t)
    }

    /// Element codes and block scale code of step `t` of B's column `j`.
    pub fn b_step(&self, j: u64, t: u64) -> (Vec<u32>, u8) {
        step_of(&self.bt, self.lanes, j, t)
    }
}

/// Step `t` of row `row`: lanes divide the block, so the step lies in block t lanes / block,
/// and ceil(K / lanes) lanes <= ceil(K / block) block keeps it inside the row's codes.
fn step_of(q: &Quantized, lanes: usize, row: u64, t: u64) -> (Vec<u32>, u8) {
    let l = &q.layout;
    let first = t as usize * lanes;
    let at = row as usize * l.blocks_per_row * l.block + first;
    let codes = q.elem_codes[at..at + lanes]
        .iter()
        .map(|&c| c as u32)
        .collect();
    (
        codes,
        q.scale_codes[row as usize * l.blocks_per_row + first / l.block],
    )
}

/// The generator's parameters for the array's unit: the configuration's lanes, psum width
/// (INT units use their exact width) and pipeline.
pub fn unit_params(cfg: &GemmConfig) -> rtl::UnitParams {
    rtl::UnitParams {
        lanes: Some(cfg.unit.lanes),
        psum_width: cfg
            .unit
            .psum_width
            .map_or(rtl::PsumWidth::Default, rtl::PsumWidth::Bits),
        pipeline: cfg.pipeline as usize,
        arch: Default::default(),
    }
}

/// The software model's parameters for the same unit.
fn model_params(cfg: &GemmConfig) -> Result<UnitParams, RtlArrayError> {
    let fmt = &cfg.unit.format;
    let plan = UnitPlan::new(fmt, &unit_params(cfg))?;
    Ok(UnitParams::new(
        fmt,
        plan.lanes,
        plan.psum_width,
        plan.pipeline as u32,
    )?)
}

/// The operands were quantized for this configuration's shape and lanes.
fn fits(cfg: &GemmConfig, ops: &GemmOperands) -> Result<(), RtlArrayError> {
    if ops.shape != cfg.shape || ops.lanes != cfg.unit.lanes {
        return Err(RtlArrayError::OperandShape {
            ops: ops.shape,
            ops_lanes: ops.lanes,
            shape: cfg.shape,
            lanes: cfg.unit.lanes,
        });
    }
    Ok(())
}

/// The software model of C, row-major M x N: per element, the block results of its K steps
/// (`emulate_block`) accumulated in order by `AccEmu`, the first step clearing.
pub fn software_model(cfg: &GemmConfig, ops: &GemmOperands) -> Result<Vec<u32>, RtlArrayError> {
    fits(cfg, ops)?;
    let p = model_params(cfg)?;
    let fmt = &cfg.unit.format;
    let g = ops.shape;
    let kb = g.k_steps(ops.lanes);
    let mut c = Vec::with_capacity((g.m * g.n) as usize);
    for i in 0..g.m {
        for j in 0..g.n {
            let mut acc = AccEmu::new();
            for t in 0..kb {
                acc.step(t == 0, block_result(fmt, &p, ops, i, j, t));
            }
            c.push(acc.value());
        }
    }
    Ok(c)
}

fn block_result(
    fmt: &BlockFormat,
    p: &UnitParams,
    ops: &GemmOperands,
    i: u64,
    j: u64,
    t: u64,
) -> u32 {
    let (a, sa) = ops.a_step(i, t);
    let (b, sb) = ops.b_step(j, t);
    emulate_block(fmt, p, &a, &b, sa, sb)
}

/// Output stationary, in closed form: the cycle C[i, j] leaves the array. Its fold is
/// (j / C) ceil(M / R) + i / R (N-folds outer); in the fold, column c = j mod C drains once its
/// bottom unit holds its final sum, at Kb - 1 + (R - 1) + c + L, and array row q = i mod R
/// comes out R - 1 - q cycles after that.
pub fn os_output_cycle(cfg: &GemmConfig, i: u64, j: u64) -> Result<u64, GemmError> {
    let g = &cfg.shape;
    let a = cfg.array();
    let (r, c, l) = (a.size.rows as u128, a.size.cols as u128, a.latency as u128);
    let kb = g.k_steps(a.lanes) as u128;
    let (i, j) = (i as u128, j as u128);
    let fold = (j / c) * (g.m as u128).div_ceil(r) + i / r;
    let fold_cycles = kb + 2 * r + c + l - 3;
    let cycle = fold * fold_cycles + (kb - 1) + (r - 1) + j % c + l + (r - 1 - i % r);
    u64::try_from(cycle).map_err(|_| GemmError::CountOverflow {
        shape: *g,
        array: a.size,
    })
}

/// Refuse a run that is not output stationary or too large for the RTL array.
pub fn check_size(cfg: &GemmConfig) -> Result<(), RtlArrayError> {
    if cfg.dataflow != Dataflow::OutputStationary {
        return Err(RtlArrayError::Dataflow(cfg.dataflow.label()));
    }
    let cycles = schedule_counts(&cfg.shape, &cfg.array())?.cycles;
    let unit_cycles = cycles as u128 * (cfg.size.rows * cfg.size.cols) as u128;
    if unit_cycles > MAX_RTL_UNIT_CYCLES {
        return Err(RtlArrayError::TooLarge {
            shape: cfg.shape,
            rows: cfg.size.rows,
            cols: cfg.size.cols,
            unit_cycles,
        });
    }
    Ok(())
}

/// What the RTL array did.
#[derive(Clone, Debug, PartialEq)]
pub struct RtlArrayRun {
    /// Events counted as they happened, in the same terms as [`super::schedule_counts`].
    pub counts: ScheduleCounts,
    /// Row-major M x N: the cycle each C element left the bottom of its column.
    pub out_cycles: Vec<u64>,
    /// Row-major M x N: each C element's accumulator bits (binary32).
    pub outputs: Vec<u32>,
    /// Lane multiplies of busy steps that fall inside K (the rest multiply K's zero padding).
    pub useful_lane_macs: u64,
}

impl RtlArrayRun {
    /// Useful lane-MACs over the lane slots of all units in all cycles, in the expression the
    /// model's report uses.
    pub fn utilization(&self, cfg: &GemmConfig) -> f64 {
        let units = (cfg.size.rows * cfg.size.cols) as f64;
        self.useful_lane_macs as f64 / (units * cfg.unit.lanes as f64 * self.counts.cycles as f64)
    }
}

/// An operand in an array register: the step's data and its control bits.
#[derive(Clone, Copy)]
struct Operand<'a> {
    codes: &'a [u32],
    scale: u8,
    /// The first step of the sum: the unit's `acc_clear`.
    first: bool,
    /// The last step of the sum.
    last: bool,
    /// A row of A below M / a column of B below N; false for the null operands of a partial
    /// fold.
    real: bool,
    /// Lanes of the step that lie inside K: bookkeeping for the count of useful MACs, not a
    /// signal of the array.
    useful: u64,
}

/// One array position: the unit and the array's control around it.
struct Position {
    unit: UnitSim,
    /// The unit's accumulator as of the current cycle.
    acc: u32,
    /// (last, real) of each step in the unit's pipeline, oldest first.
    in_flight: VecDeque<(bool, bool)>,
    /// The unit holds its final sum and waits for the drain.
    done: bool,
    /// The final sum is a C element (not the result of null operands).
    real: bool,
}

impl Position {
    /// The accumulator as the drain sees it: `None` for a null result.
    fn result(&self) -> Option<u32> {
        self.real.then_some(self.acc)
    }
}

/// Run `cfg`'s GEMM (output stationary) on an array of rust-hdl units fed `ops`.
pub fn run_rtl_array(cfg: &GemmConfig, ops: &GemmOperands) -> Result<RtlArrayRun, RtlArrayError> {
    check_size(cfg)?;
    fits(cfg, ops)?;
    let g = cfg.shape;
    let (rows, cols, lanes) = (cfg.size.rows, cfg.size.cols, cfg.unit.lanes);
    let kb = g.k_steps(lanes);
    let table = |n: u64, step: &dyn Fn(u64, u64) -> (Vec<u32>, u8)| -> Vec<(Vec<u32>, u8)> {
        (0..n)
            .flat_map(|x| (0..kb).map(move |t| (x, t)))
            .map(|(x, t)| step(x, t))
            .collect()
    };
    let a_steps = table(g.m, &|i, t| ops.a_step(i, t));
    let b_steps = table(g.n, &|j, t| ops.b_step(j, t));
    let zeros = vec![0u32; lanes];

    let params = unit_params(cfg);
    let mut pos = Vec::with_capacity(rows * cols);
    for _ in 0..rows * cols {
        let mut unit = UnitSim::new(&cfg.unit.format, &params)?;
        let (_, acc) = unit.step(true, false, false, &zeros, &zeros, 0, 0)?;
        pos.push(Position {
            unit,
            acc,
            in_flight: VecDeque::new(),
            done: false,
            real: false,
        });
    }
    let mut a = Array {
        g,
        rows,
        cols,
        lanes,
        kb,
        a_steps: &a_steps,
        b_steps: &b_steps,
        zeros: &zeros,
        pos,
        a_reg: vec![None; rows * cols],
        b_reg: vec![None; rows * cols],
        counts: ScheduleCounts {
            k_steps: kb,
            ..Default::default()
        },
        useful_lane_macs: 0,
        outputs: vec![None; (g.m * g.n) as usize],
    };
    // A run that has not ended by twice the model's length is stuck (a unit that never
    // raises out_valid, say); the comparison, not this guard, judges the length.
    let guard = 2 * schedule_counts(&g, &cfg.array())?.cycles + 64;
    let mut t = 0u64;
    for fold_n in 0..g.n.div_ceil(cols as u64) {
        for fold_m in 0..g.m.div_ceil(rows as u64) {
            let start = t;
            let mut drains = vec![Drain::default(); cols];
            loop {
                if t > guard {
                    return Err(RtlArrayError::Protocol {
                        cycle: t,
                        why: format!("fold ({fold_m}, {fold_n}) has not ended"),
                    });
                }
                a.shift_operands(t - start, fold_m, fold_n);
                for (c, d) in drains.iter_mut().enumerate() {
                    a.drain(t, fold_m, fold_n, c, d)?;
                }
                a.clock_units(t)?;
                if drains.iter().all(|d| d.emitted == Some(rows)) {
                    a.counts.folds += 1;
                    a.counts.fold_cycles = a.counts.fold_cycles.max(t - start + 1);
                    t += 1;
                    break;
                }
                t += 1;
            }
        }
    }
    a.counts.cycles = t;
    a.finish(t)
}

/// The array's state between cycles.
struct Array<'a> {
    g: GemmShape,
    rows: usize,
    cols: usize,
    lanes: usize,
    kb: u64,
    /// Codes and scale of step t of A's row i at i Kb + t; of B's column j at j Kb + t.
    a_steps: &'a [(Vec<u32>, u8)],
    b_steps: &'a [(Vec<u32>, u8)],
    /// The codes of a null operand.
    zeros: &'a [u32],
    pos: Vec<Position>,
    a_reg: Vec<Option<Operand<'a>>>,
    b_reg: Vec<Option<Operand<'a>>>,
    counts: ScheduleCounts,
    useful_lane_macs: u64,
    /// Row-major M x N: (bits, cycle) of each C element that has left the array.
    outputs: Vec<Option<(u32, u64)>>,
}

/// A column's drain chain in the current fold.
#[derive(Clone, Default)]
struct Drain {
    /// The chain's registers by array row: a C element's bits, `None` for a null result.
    chain: Vec<Option<u32>>,
    /// Results put out so far; `None` before the drain starts.
    emitted: Option<usize>,
}

impl<'a> Array<'a> {
    fn at(&self, r: usize, c: usize) -> usize {
        r * self.cols + c
    }

    /// Step `s` of row / column `index` of a table, or a null operand past the bound.
    fn operand(&self, steps: &'a [(Vec<u32>, u8)], index: u64, bound: u64, s: u64) -> Operand<'a> {
        let real = index < bound;
        let (codes, scale) = match real {
            true => {
                let (x, scale) = &steps[(index * self.kb + s) as usize];
                (x.as_slice(), *scale)
            }
            false => (self.zeros, 0),
        };
        Operand {
            codes,
            scale,
            first: s == 0,
            last: s + 1 == self.kb,
            real,
            useful: (self.g.k - s * self.lanes as u64).min(self.lanes as u64),
        }
    }

    /// Cycle `lt` of fold (`fold_m`, `fold_n`): A moves one unit right and B one unit down;
    /// the edge feeders inject step lt - r into array row r and lt - c into column c.
    fn shift_operands(&mut self, lt: u64, fold_m: u64, fold_n: u64) {
        let (rows, cols, kb) = (self.rows, self.cols, self.kb);
        let feed = |lag: usize| lt.checked_sub(lag as u64).filter(|&s| s < kb);
        for r in 0..rows {
            for c in (0..cols).rev() {
                let v = match c {
                    0 => feed(r).map(|s| {
                        let i = fold_m * rows as u64 + r as u64;
                        self.counts.a_reads += (i < self.g.m) as u64;
                        self.operand(self.a_steps, i, self.g.m, s)
                    }),
                    _ => self.a_reg[self.at(r, c - 1)],
                };
                let u = self.at(r, c);
                self.a_reg[u] = v;
                self.counts.a_reg_writes += v.is_some_and(|o| o.real) as u64;
            }
        }
        for c in 0..cols {
            for r in (0..rows).rev() {
                let v = match r {
                    0 => feed(c).map(|s| {
                        let j = fold_n * cols as u64 + c as u64;
                        self.counts.b_reads += (j < self.g.n) as u64;
                        self.operand(self.b_steps, j, self.g.n, s)
                    }),
                    _ => self.b_reg[self.at(r - 1, c)],
                };
                let u = self.at(r, c);
                self.b_reg[u] = v;
                self.counts.b_reg_writes += v.is_some_and(|o| o.real) as u64;
            }
        }
    }

    /// Column `c`'s drain in cycle `t`, from the accumulators as they stand in this cycle:
    /// once all its units are done, the bottom accumulator leaves now and the others enter
    /// the chain; after that the chain shifts one result out per cycle.
    fn drain(
        &mut self,
        t: u64,
        fold_m: u64,
        fold_n: u64,
        c: usize,
        d: &mut Drain,
    ) -> Result<(), RtlArrayError> {
        let rows = self.rows;
        let out = match d.emitted {
            Some(k) if k == rows => return Ok(()),
            Some(k) => {
                let out = d.chain[rows - 1].take();
                for r in (1..rows).rev() {
                    d.chain[r] = d.chain[r - 1].take();
                    self.counts.acc_reg_writes += d.chain[r].is_some() as u64;
                }
                d.emitted = Some(k + 1);
                out
            }
            None if (0..rows).all(|r| self.pos[self.at(r, c)].done) => {
                let out = self.pos[self.at(rows - 1, c)].result();
                d.chain = vec![None; rows];
                for r in 1..rows {
                    d.chain[r] = self.pos[self.at(r - 1, c)].result();
                    self.counts.acc_reg_writes += d.chain[r].is_some() as u64;
                }
                for r in 0..rows {
                    let u = self.at(r, c);
                    self.pos[u].done = false;
                }
                d.emitted = Some(1);
                out
            }
            None => return Ok(()),
        };
        // The k-th result out of a column is array row R - k's.
        let q = rows - d.emitted.expect("set above");
        let (i, j) = (
            fold_m * rows as u64 + q as u64,
            fold_n * self.cols as u64 + c as u64,
        );
        let why = match (out, i < self.g.m && j < self.g.n) {
            (Some(bits), true) => {
                let slot = &mut self.outputs[(i * self.g.n + j) as usize];
                if slot.is_none() {
                    *slot = Some((bits, t));
                    self.counts.result_writes += 1;
                    return Ok(());
                }
                format!("C[{i}, {j}] leaves the array a second time")
            }
            (None, false) => return Ok(()),
            (Some(_), false) => format!(
                "column {c} puts out a result for array row {q}, which holds no C element in fold ({fold_m}, {fold_n})"
            ),
            (None, true) => format!("column {c} puts out no result where C[{i}, {j}] is due"),
        };
        Err(RtlArrayError::Protocol { cycle: t, why })
    }

    /// Every unit takes this cycle's operands (a step when it has both) and the clock edge
    /// ends the cycle; an `out_valid` retires the oldest step in the unit's pipeline.
    fn clock_units(&mut self, t: u64) -> Result<(), RtlArrayError> {
        for u in 0..self.rows * self.cols {
            let step = self.a_reg[u].zip(self.b_reg[u]);
            let p = &mut self.pos[u];
            let (valid, acc) = match step {
                Some((x, y)) => {
                    let real = x.real && y.real;
                    p.in_flight.push_back((x.last, real));
                    if real {
                        self.counts.mac_steps += 1;
                        self.useful_lane_macs += x.useful.min(y.useful);
                    }
                    p.unit
                        .step(false, true, x.first, x.codes, y.codes, x.scale, y.scale)?
                }
                None => p
                    .unit
                    .step(false, false, false, self.zeros, self.zeros, 0, 0)?,
            };
            p.acc = acc;
            if !valid {
                continue;
            }
            let Some((last, real)) = p.in_flight.pop_front() else {
                return Err(RtlArrayError::Protocol {
                    cycle: t,
                    why: format!(
                        "unit ({}, {}) raises out_valid with no step in flight",
                        u / self.cols,
                        u % self.cols
                    ),
                });
            };
            self.counts.acc_reg_writes += real as u64;
            if last {
                p.done = true;
                p.real = real;
            }
        }
        Ok(())
    }

    /// After the last fold (cycle `t`): every step retired and every C element out.
    fn finish(self, t: u64) -> Result<RtlArrayRun, RtlArrayError> {
        let cols = self.cols;
        if let Some((u, p)) = self
            .pos
            .iter()
            .enumerate()
            .find(|(_, p)| !p.in_flight.is_empty())
        {
            return Err(RtlArrayError::Protocol {
                cycle: t,
                why: format!(
                    "unit ({}, {}) still has {} steps without out_valid at the end",
                    u / cols,
                    u % cols,
                    p.in_flight.len()
                ),
            });
        }
        let n = self.g.n;
        let (mut out_cycles, mut outputs) = (Vec::new(), Vec::new());
        for (x, o) in self.outputs.into_iter().enumerate() {
            let Some((bits, cycle)) = o else {
                return Err(RtlArrayError::Protocol {
                    cycle: t,
                    why: format!("C[{}, {}] never left the array", x as u64 / n, x as u64 % n),
                });
            };
            outputs.push(bits);
            out_cycles.push(cycle);
        }
        Ok(RtlArrayRun {
            counts: self.counts,
            out_cycles,
            outputs,
            useful_lane_macs: self.useful_lane_macs,
        })
    }
}

/// Everything [`check`] compares.
#[derive(Clone, Debug, PartialEq)]
pub struct RtlCheck {
    pub shape: GemmShape,
    pub rtl: RtlArrayRun,
    /// The RTL array's busy lane-MACs over its lane slots ([`RtlArrayRun::utilization`]).
    pub rtl_utilization: f64,
    /// The closed form ([`super::schedule_counts`]).
    pub model: ScheduleCounts,
    /// The model report's utilization.
    pub model_utilization: f64,
    /// Row-major M x N, from [`os_output_cycle`].
    pub model_out_cycles: Vec<u64>,
    /// The schedule simulator's counts, output cycles and outputs (software model as `mac`).
    pub sim: ScheduleCounts,
    pub sim_out_cycles: Vec<u64>,
    pub sim_outputs: Vec<u32>,
    /// The software model of C.
    pub software: Vec<u32>,
}

/// Run the RTL array and everything it is compared with.
pub fn check(cfg: &GemmConfig, tech: &Tech, ops: &GemmOperands) -> Result<RtlCheck, RtlArrayError> {
    let rtl = run_rtl_array(cfg, ops)?;
    let g = cfg.shape;
    let report = gemm_report(cfg, tech)?;
    let mut model_out_cycles = Vec::with_capacity((g.m * g.n) as usize);
    for i in 0..g.m {
        for j in 0..g.n {
            model_out_cycles.push(os_output_cycle(cfg, i, j)?);
        }
    }
    let p = model_params(cfg)?;
    let fmt = &cfg.unit.format;
    let mut sim_out_cycles = vec![u64::MAX; (g.m * g.n) as usize];
    let simulated = sim::simulate_with(
        &g,
        &cfg.array(),
        |prev: Option<u32>, s: StepRef| {
            let r = block_result(fmt, &p, ops, s.i, s.j, s.step);
            match prev {
                None => AccEmu::new().step(true, r),
                Some(acc) => add_binary32(acc, r),
            }
        },
        |e| {
            if let Event::Out { cycle, i, j, .. } = e {
                sim_out_cycles[(i * g.n + j) as usize] = cycle;
            }
        },
    )?;
    Ok(RtlCheck {
        shape: g,
        rtl_utilization: rtl.utilization(cfg),
        rtl,
        model: report.schedule,
        model_utilization: report.utilization,
        model_out_cycles,
        sim: simulated.counts,
        sim_out_cycles,
        // A complete schedule sets every output (the simulator's contract); a hole shows as
        // NaN bits that no accumulator of a real run is compared equal to by accident.
        sim_outputs: simulated
            .outputs
            .into_iter()
            .map(|o| o.unwrap_or(u32::MAX))
            .collect(),
        software: software_model(cfg, ops)?,
    })
}

impl RtlCheck {
    /// Every disagreement, one line each (the first few per kind listed, the rest counted);
    /// empty when the RTL array, the closed form, the schedule simulator and the software
    /// model all agree.
    pub fn mismatches(&self) -> Vec<String> {
        let n = self.shape.n;
        let mut lines = Vec::new();
        if self.rtl.counts != self.model {
            lines.push(format!(
                "event counts: RTL array {:?} vs closed form {:?}",
                self.rtl.counts, self.model
            ));
        }
        if self.sim != self.model {
            lines.push(format!(
                "event counts: schedule simulator {:?} vs closed form {:?}",
                self.sim, self.model
            ));
        }
        if self.rtl.useful_lane_macs != self.shape.macs() {
            lines.push(format!(
                "useful lane-MACs: RTL array {} vs M N K = {}",
                self.rtl.useful_lane_macs,
                self.shape.macs()
            ));
        }
        // Both come from the same expression over integers that are compared above, so
        // they agree bit for bit or not at all.
        if self.rtl_utilization.to_bits() != self.model_utilization.to_bits() {
            lines.push(format!(
                "utilization: RTL array {} (busy lane-MACs {}) vs model {}",
                self.rtl_utilization, self.rtl.useful_lane_macs, self.model_utilization
            ));
        }
        let at = |x: usize| (x as u64 / n, x as u64 % n);
        let mut listed = |what: &str, bad: Vec<String>| {
            let more = bad.len().saturating_sub(LISTED);
            lines.extend(bad.into_iter().take(LISTED));
            if more > 0 {
                lines.push(format!("... and {more} more {what}"));
            }
        };
        let mut cycles = Vec::new();
        for (x, ((&r, &m), &s)) in self
            .rtl
            .out_cycles
            .iter()
            .zip(&self.model_out_cycles)
            .zip(&self.sim_out_cycles)
            .enumerate()
        {
            if r != m || s != m {
                let (i, j) = at(x);
                cycles.push(format!(
                    "C[{i}, {j}] leaves at cycle {r} in the RTL array, {s} in the schedule simulator, {m} in closed form"
                ));
            }
        }
        listed("output cycles", cycles);
        let mut bits = Vec::new();
        for (x, ((&r, &s), &w)) in self
            .rtl
            .outputs
            .iter()
            .zip(&self.sim_outputs)
            .zip(&self.software)
            .enumerate()
        {
            if r != w || s != w {
                let (i, j) = at(x);
                bits.push(format!(
                    "C[{i}, {j}]: RTL array {r:#010x}, schedule simulator {s:#010x}, software model {w:#010x}"
                ));
            }
        }
        listed("output values", bits);
        lines
    }
}

/// What `--simulate-rtl` reports beside the model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RtlSummary {
    pub seed: u64,
    pub units: usize,
    pub cycles_rtl: u64,
    pub cycles_model: u64,
    pub cycles_schedule_sim: u64,
    pub busy_unit_cycles: u64,
    pub utilization_rtl: f64,
    pub utilization_model: f64,
    pub outputs: u64,
    /// Every disagreement; empty when all agree.
    pub mismatches: Vec<String>,
}

/// `hwcost gemm --simulate-rtl`: the model's report and the RTL array's check of it.
#[derive(Clone, Debug, PartialEq)]
pub struct RtlGemmOutput {
    pub text: String,
    /// The RTL array agreed with the model and the software model everywhere.
    pub agree: bool,
}

/// Run the model and the RTL array for `args` (operands from `args.seed`).
pub fn simulate_output(args: &GemmArgs) -> Result<RtlGemmOutput, RtlArrayError> {
    let (cfg, tech) = args.config()?;
    check_size(&cfg)?;
    let report = gemm_report(&cfg, &tech)?;
    let ops = GemmOperands::gaussian(&cfg.unit.format, cfg.shape, cfg.unit.lanes, args.seed)?;
    let c = check(&cfg, &tech, &ops)?;
    let summary = RtlSummary {
        seed: args.seed,
        units: cfg.size.rows * cfg.size.cols,
        cycles_rtl: c.rtl.counts.cycles,
        cycles_model: c.model.cycles,
        cycles_schedule_sim: c.sim.cycles,
        busy_unit_cycles: c.rtl.counts.mac_steps,
        utilization_rtl: c.rtl_utilization,
        utilization_model: c.model_utilization,
        outputs: cfg.shape.m * cfg.shape.n,
        mismatches: c.mismatches(),
    };
    let agree = summary.mismatches.is_empty();
    let text = if args.json {
        let mut v = serde_json::to_value(&report).expect("GemmReport serializes");
        v["rtl_simulation"] = serde_json::to_value(&summary).expect("RtlSummary serializes");
        serde_json::to_string_pretty(&v).expect("a JSON value serializes") + "\n"
    } else {
        super::text_report(&report) + &summary_text(&summary)
    };
    Ok(RtlGemmOutput { text, agree })
}

fn summary_text(s: &RtlSummary) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "RTL array ({} rust-hdl units, Gaussian operands, seed {}): {} cycles (closed form {}, schedule simulator {})",
        s.units, s.seed, s.cycles_rtl, s.cycles_model, s.cycles_schedule_sim
    );
    let _ = writeln!(
        t,
        "busy unit-cycles {}, utilization {:.2}% (model {:.2}%)",
        s.busy_unit_cycles,
        100.0 * s.utilization_rtl,
        100.0 * s.utilization_model
    );
    if s.mismatches.is_empty() {
        let _ = writeln!(
            t,
            "all {} outputs: completion cycles equal the closed form and the schedule simulator, accumulator bits equal the software model",
            s.outputs
        );
    } else {
        let _ = writeln!(t, "DISAGREEMENTS:");
        for m in &s.mismatches {
            let _ = writeln!(t, "  {m}");
        }
    }
    t
}

#[cfg(test)]
mod tests;
