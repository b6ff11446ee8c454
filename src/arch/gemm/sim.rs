//! Cycle-by-cycle reference simulator of the array schedules of [`super`]: which unit takes
//! which step in which cycle, where partial sums and results move, when they leave the array.
//!
//! It shares no formula with [`super::schedule_counts`]. The only timing it is given is the
//! input side of each dataflow (when the edge feeders inject a step, and the R-cycle weight
//! load); everything else is found by stepping registers: operands hop one unit per cycle, a
//! unit issues when operands are present (and checks that A's and B's steps match), results
//! appear L cycles after issue, a column drains once its units hold their final sums, a partial
//! sum is taken from the unit above only if that unit's output register holds the right row, and
//! a fold ends when nothing is left in flight. It counts every event as it happens.
//!
//! Values travel through the modeled registers: the caller's `mac` closure is the numeric unit
//! (`mac(None, step)` starts a sum, as `acc_clear` does; `mac(Some(acc), step)` adds a step to
//! it), so the datapath's software model (`emulate`) can be plugged in to check the numeric
//! result of the whole array; the tests here plug in exact integer arithmetic and an
//! order-sensitive code.
//!
//! # Checking an RTL array against it
//! A small array of generated units (say 4 x 4) fed on the same edge schedule (output
//! stationary: step t of A into array row r at fold cycle t + r, of B into column c at t + c;
//! weight stationary: the weights bottom-row first over R cycles, then row i of A into array row
//! r at R + i + rL) must put out each result at the cycle of its [`Event::Out`], and, with `mac`
//! built from the software model of the unit (`mac(None, s)` = the rounded block result of step
//! s, as on `acc_clear`; `mac(Some(acc), s)` = RNE_binary32(acc + that result)), the same bits
//! in [`SimResult::outputs`]. Weight stationary needs a unit whose FP32 adder takes its addend
//! from the unit above instead of its own accumulator register: the generated unit has no such
//! input yet, so only output stationary can be driven through today's RTL as it is;
//! [`super::rtl_array`] is that array, and its tests run this comparison.
//!
//! Internal inconsistencies of the schedule (operands that do not meet, a partial sum that is
//! not there) are defects of this model, not of user input, and panic with what went wrong.

use std::collections::VecDeque;

use super::{ArrayConfig, Dataflow, GemmError, GemmShape, ScheduleCounts};

/// Most unit-cycles (units x cycles) one simulation may take.
pub const MAX_UNIT_CYCLES: u128 = 100_000_000;

/// One step of work: step `step` along K of A's row `i` and B's column `j`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StepRef {
    pub i: u64,
    pub j: u64,
    pub step: u64,
}

/// Where a unit's running sum comes from when it takes a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsumIn {
    /// A new sum (`acc_clear`).
    Clear,
    /// Its own accumulator (output stationary).
    Own,
    /// The unit above (weight stationary).
    Above,
    /// The output buffer: the partial sum of the previous k-fold (weight stationary).
    Buffer,
}

/// What the array does, cycle by cycle (global cycle numbers, from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Unit (`row`, `col`) takes a step that does work.
    Mac {
        cycle: u64,
        row: usize,
        col: usize,
        op: StepRef,
        psum: PsumIn,
    },
    /// Weight stationary: unit (`row`, `col`) has no step of K left and passes C[i, j]'s partial
    /// sum down unchanged.
    Pass {
        cycle: u64,
        row: usize,
        col: usize,
        i: u64,
        j: u64,
    },
    /// C[i, j] leaves the bottom of column `col`: final, or a partial sum written to the output
    /// buffer for the next k-fold.
    Out {
        cycle: u64,
        col: usize,
        i: u64,
        j: u64,
        partial: bool,
    },
}

/// Counts and the outputs (row-major M x N; `None` never happens for a complete schedule).
#[derive(Clone, Debug, PartialEq)]
pub struct SimResult<T> {
    pub counts: ScheduleCounts,
    pub outputs: Vec<Option<T>>,
}

/// Count the schedule's events, with no values.
pub fn simulate(g: &GemmShape, a: &ArrayConfig) -> Result<ScheduleCounts, GemmError> {
    Ok(simulate_with(g, a, |_, _| (), |_| {})?.counts)
}

/// Step the array, computing each unit step with `mac` and reporting every event to
/// `on_event`.
pub fn simulate_with<T>(
    g: &GemmShape,
    a: &ArrayConfig,
    mac: impl FnMut(Option<T>, StepRef) -> T,
    on_event: impl FnMut(Event),
) -> Result<SimResult<T>, GemmError> {
    simulate_limited(g, a, MAX_UNIT_CYCLES, mac, on_event)
}

/// [`simulate_with`] with a unit-cycle limit.
fn simulate_limited<T>(
    g: &GemmShape,
    a: &ArrayConfig,
    limit: u128,
    mac: impl FnMut(Option<T>, StepRef) -> T,
    on_event: impl FnMut(Event),
) -> Result<SimResult<T>, GemmError> {
    let units = (a.size.rows * a.size.cols) as u128;
    let outputs = g.m as u128 * g.n as u128;
    // A unit takes at most one step a cycle, so the run needs at least M N Kb unit-cycles; and
    // operands hop one unit a cycle from the edges, so it lasts at least R + C - 1 cycles.
    // Refuse a hopeless run at once instead of at the per-cycle guard.
    let crossing = (a.size.rows + a.size.cols - 1) as u128;
    let work = (outputs * g.k_steps(a.lanes) as u128).max(units * crossing);
    if work > limit {
        return Err(GemmError::SimTooLarge {
            unit_cycles: work,
            limit,
        });
    }
    let mut s = Sim {
        m: g.m,
        n: g.n,
        kb: g.k_steps(a.lanes),
        rows: a.size.rows,
        cols: a.size.cols,
        latency: a.latency as u64,
        units,
        limit,
        t: 0,
        counts: ScheduleCounts {
            k_steps: g.k_steps(a.lanes),
            ..Default::default()
        },
        outputs: (0..outputs).map(|_| None).collect(),
        buffer: (0..outputs).map(|_| None).collect(),
        mac,
        on_event,
    };
    match a.dataflow {
        Dataflow::OutputStationary => {
            for fold_n in 0..g.n.div_ceil(s.cols as u64) {
                for fold_m in 0..g.m.div_ceil(s.rows as u64) {
                    s.os_fold(fold_m, fold_n)?;
                }
            }
        }
        Dataflow::WeightStationary => {
            let k_folds = s.kb.div_ceil(s.rows as u64);
            for fold_n in 0..g.n.div_ceil(s.cols as u64) {
                for fold_k in 0..k_folds {
                    s.ws_fold(fold_k, k_folds, fold_n)?;
                }
            }
        }
    }
    s.counts.cycles = s.t;
    Ok(SimResult {
        counts: s.counts,
        outputs: s.outputs,
    })
}

/// An operand on its way through a row (A) or down a column (B, output stationary).
#[derive(Clone, Copy, Debug)]
struct Operand {
    step: u64,
    /// Row of A / column of B; `None` for a null operand of an unused row or column.
    index: Option<u64>,
}

/// Weight stationary: a row of A passing along an array row.
#[derive(Clone, Copy, Debug)]
struct ARow {
    i: u64,
    /// The array row has a step of K in this fold.
    real: bool,
}

/// Weight stationary: a weight on its way to array row `target`.
#[derive(Clone, Copy, Debug)]
struct Weight {
    target: usize,
    step: u64,
    /// Column of B; `None` for an unused column.
    j: Option<u64>,
    real: bool,
}

/// Output stationary: a step in a unit's pipeline; it reaches the accumulator at `ready`.
#[derive(Clone)]
struct OsFlight {
    ready: u64,
    /// The step, if it does work.
    op: Option<StepRef>,
    /// It starts a new sum.
    clear: bool,
}

/// Weight stationary: a partial sum in a unit's pipeline; it reaches the unit's output register
/// at `ready`.
struct WsFlight<T> {
    ready: u64,
    /// The row of A it belongs to.
    i: u64,
    /// The new partial sum; `None` in an unused column.
    value: Option<T>,
}

/// Weight stationary: what a unit's partial-sum register holds.
struct PsumReg<T> {
    i: u64,
    value: Option<T>,
}

struct Sim<T, F, E> {
    m: u64,
    n: u64,
    kb: u64,
    rows: usize,
    cols: usize,
    latency: u64,
    units: u128,
    limit: u128,
    /// The current cycle.
    t: u64,
    counts: ScheduleCounts,
    outputs: Vec<Option<T>>,
    /// Weight stationary: partial sums between k-folds.
    buffer: Vec<Option<T>>,
    mac: F,
    on_event: E,
}

impl<T, F: FnMut(Option<T>, StepRef) -> T, E: FnMut(Event)> Sim<T, F, E> {
    fn at(&self, r: usize, c: usize) -> usize {
        r * self.cols + c
    }

    /// Guard against runaway simulations; called once per cycle.
    fn tick_guard(&self) -> Result<(), GemmError> {
        let unit_cycles = (self.t as u128 + 1) * self.units;
        if unit_cycles > self.limit {
            return Err(GemmError::SimTooLarge {
                unit_cycles,
                limit: self.limit,
            });
        }
        Ok(())
    }

    fn end_fold(&mut self, start: u64) {
        self.counts.folds += 1;
        self.counts.fold_cycles = self.counts.fold_cycles.max(self.t - start + 1);
        self.t += 1;
    }

    /// Output stationary fold: rows of A `fold_m R ..`, columns of B `fold_n C ..`.
    fn os_fold(&mut self, fold_m: u64, fold_n: u64) -> Result<(), GemmError> {
        let (rows, cols, kb) = (self.rows, self.cols, self.kb);
        let start = self.t;
        let mut a_reg: Vec<Option<Operand>> = vec![None; rows * cols];
        let mut b_reg: Vec<Option<Operand>> = vec![None; rows * cols];
        let mut pipe: Vec<VecDeque<OsFlight>> = vec![VecDeque::new(); rows * cols];
        let mut received = vec![0u64; rows * cols];
        // The accumulator of each unit: which output it holds, and its value.
        let mut acc: Vec<Option<(u64, u64)>> = vec![None; rows * cols];
        let mut acc_val: Vec<Option<T>> = (0..rows * cols).map(|_| None).collect();
        // Per column: drain shifts done (None: not started).
        let mut drained: Vec<Option<usize>> = vec![None; cols];
        loop {
            self.tick_guard()?;
            let t = self.t;
            // 1. Operands hop one unit right (A) and down (B); the edges inject the skewed streams.
            let feed = |lag: usize| -> Option<u64> {
                let s = (t - start).checked_sub(lag as u64)?;
                (s < kb).then_some(s)
            };
            for r in 0..rows {
                for c in (0..cols).rev() {
                    let v = if c == 0 {
                        feed(r).map(|step| {
                            let i = fold_m * rows as u64 + r as u64;
                            let index = (i < self.m).then_some(i);
                            if index.is_some() {
                                self.counts.a_reads += 1;
                            }
                            Operand { step, index }
                        })
                    } else {
                        a_reg[self.at(r, c - 1)]
                    };
                    a_reg[self.at(r, c)] = v;
                    if v.is_some_and(|o| o.index.is_some()) {
                        self.counts.a_reg_writes += 1;
                    }
                }
            }
            for c in 0..cols {
                for r in (0..rows).rev() {
                    let v = if r == 0 {
                        feed(c).map(|step| {
                            let j = fold_n * cols as u64 + c as u64;
                            let index = (j < self.n).then_some(j);
                            if index.is_some() {
                                self.counts.b_reads += 1;
                            }
                            Operand { step, index }
                        })
                    } else {
                        b_reg[self.at(r - 1, c)]
                    };
                    b_reg[self.at(r, c)] = v;
                    if v.is_some_and(|o| o.index.is_some()) {
                        self.counts.b_reg_writes += 1;
                    }
                }
            }
            // 2. Units with both operands take a step.
            for r in 0..rows {
                for c in 0..cols {
                    let u = self.at(r, c);
                    let (x, y) = match (a_reg[u], b_reg[u]) {
                        (None, None) => continue,
                        (Some(x), Some(y)) => (x, y),
                        (x, y) => panic!(
                            "schedule defect: unit ({r}, {c}) at cycle {t} has A {x:?} but B {y:?}"
                        ),
                    };
                    assert_eq!(
                        x.step, y.step,
                        "schedule defect: unit ({r}, {c}) at cycle {t} got A step {} and B step {}",
                        x.step, y.step
                    );
                    let op = match (x.index, y.index) {
                        (Some(i), Some(j)) => {
                            let op = StepRef { i, j, step: x.step };
                            self.counts.mac_steps += 1;
                            let psum = if x.step == 0 {
                                PsumIn::Clear
                            } else {
                                PsumIn::Own
                            };
                            (self.on_event)(Event::Mac {
                                cycle: t,
                                row: r,
                                col: c,
                                op,
                                psum,
                            });
                            Some(op)
                        }
                        _ => None,
                    };
                    received[u] += 1;
                    pipe[u].push_back(OsFlight {
                        ready: t + self.latency,
                        op,
                        clear: x.step == 0,
                    });
                }
            }
            // 3. Results reach the accumulators.
            for u in 0..rows * cols {
                while pipe[u].front().is_some_and(|f| f.ready == t) {
                    let f = pipe[u].pop_front().expect("front checked");
                    if let Some(op) = f.op {
                        let prev = if f.clear {
                            None
                        } else {
                            assert_eq!(
                                acc[u],
                                Some((op.i, op.j)),
                                "schedule defect: accumulator of unit {u} holds another output"
                            );
                            Some(acc_val[u].take().expect("a running sum"))
                        };
                        acc_val[u] = Some((self.mac)(prev, op));
                        acc[u] = Some((op.i, op.j));
                        self.counts.acc_reg_writes += 1;
                    }
                }
            }
            // 4. A column whose units all hold final sums shifts them down and out, one a cycle.
            for c in 0..cols {
                if drained[c].is_none()
                    && (0..rows)
                        .all(|r| received[self.at(r, c)] == kb && pipe[self.at(r, c)].is_empty())
                {
                    drained[c] = Some(0);
                }
                let Some(done) = drained[c] else { continue };
                if done == rows {
                    continue;
                }
                let bottom = self.at(rows - 1, c);
                if let Some((i, j)) = acc[bottom].take() {
                    (self.on_event)(Event::Out {
                        cycle: t,
                        col: c,
                        i,
                        j,
                        partial: false,
                    });
                    self.outputs[(i * self.n + j) as usize] = acc_val[bottom].take();
                    self.counts.result_writes += 1;
                }
                for r in (1..rows).rev() {
                    let (to, from) = (self.at(r, c), self.at(r - 1, c));
                    acc[to] = acc[from].take();
                    acc_val[to] = acc_val[from].take();
                    if acc[to].is_some() {
                        self.counts.acc_reg_writes += 1;
                    }
                }
                drained[c] = Some(done + 1);
            }
            if drained.iter().all(|d| *d == Some(rows)) {
                self.end_fold(start);
                return Ok(());
            }
            self.t += 1;
        }
    }

    /// Weight stationary fold: steps `fold_k R ..` of K, columns of B `fold_n C ..`.
    fn ws_fold(&mut self, fold_k: u64, k_folds: u64, fold_n: u64) -> Result<(), GemmError> {
        let (rows, cols, kb, m, l) = (self.rows, self.cols, self.kb, self.m, self.latency);
        let start = self.t;
        let step_of = |r: usize| fold_k * rows as u64 + r as u64;
        let mut w_reg: Vec<Option<Weight>> = vec![None; rows * cols];
        let mut a_reg: Vec<Option<ARow>> = vec![None; rows * cols];
        let mut pipe: Vec<VecDeque<WsFlight<T>>> =
            (0..rows * cols).map(|_| VecDeque::new()).collect();
        let mut out: Vec<Option<PsumReg<T>>> = (0..rows * cols).map(|_| None).collect();
        loop {
            self.tick_guard()?;
            let t = self.t;
            let lt = t - start;
            // 1. Weight load: R cycles, each column shifts down; the weight for the bottom row
            //    goes in first.
            if lt < rows as u64 {
                for c in 0..cols {
                    for r in (0..rows).rev() {
                        let v = if r == 0 {
                            let target = rows - 1 - lt as usize;
                            let (step, j) = (step_of(target), fold_n * cols as u64 + c as u64);
                            let j = (j < self.n).then_some(j);
                            let real = step < kb && j.is_some();
                            if real {
                                self.counts.b_reads += 1;
                            }
                            Some(Weight {
                                target,
                                step,
                                j,
                                real,
                            })
                        } else {
                            w_reg[self.at(r - 1, c)]
                        };
                        w_reg[self.at(r, c)] = v;
                        if v.is_some_and(|w| w.real) {
                            self.counts.b_reg_writes += 1;
                        }
                    }
                }
            }
            // 2. Rows of A hop right; array row r injects row i at R + i + r L.
            for r in 0..rows {
                for c in (0..cols).rev() {
                    let v = if c == 0 {
                        let lag = rows as u64 + r as u64 * l;
                        lt.checked_sub(lag).filter(|&i| i < m).map(|i| {
                            let real = step_of(r) < kb;
                            if real {
                                self.counts.a_reads += 1;
                            }
                            ARow { i, real }
                        })
                    } else {
                        a_reg[self.at(r, c - 1)]
                    };
                    a_reg[self.at(r, c)] = v;
                    if v.is_some_and(|x| x.real) {
                        self.counts.a_reg_writes += 1;
                    }
                }
            }
            // 3. Results reach the partial-sum registers; the bottom row's leave the array.
            for r in 0..rows {
                for c in 0..cols {
                    let u = self.at(r, c);
                    while pipe[u].front().is_some_and(|f| f.ready == t) {
                        let f = pipe[u].pop_front().expect("front checked");
                        let j = w_reg[u].and_then(|w| w.j);
                        if f.value.is_some() {
                            self.counts.acc_reg_writes += 1;
                        }
                        if let (Some(j), true) = (j, r == rows - 1) {
                            let partial = fold_k + 1 < k_folds;
                            (self.on_event)(Event::Out {
                                cycle: t,
                                col: c,
                                i: f.i,
                                j,
                                partial,
                            });
                            let slot = (f.i * self.n + j) as usize;
                            if partial {
                                self.buffer[slot] = f.value;
                            } else {
                                self.outputs[slot] = f.value;
                            }
                            self.counts.result_writes += 1;
                            out[u] = Some(PsumReg {
                                i: f.i,
                                value: None,
                            });
                        } else {
                            out[u] = Some(PsumReg {
                                i: f.i,
                                value: f.value,
                            });
                        }
                    }
                }
            }
            // 4. Units with a row of A take a step, adding to the partial sum from above.
            for r in 0..rows {
                for c in 0..cols {
                    let u = self.at(r, c);
                    let Some(x) = a_reg[u] else { continue };
                    let loaded = lt >= rows as u64;
                    let Some(w) = w_reg[u].filter(|w| w.target == r && loaded) else {
                        panic!("schedule defect: unit ({r}, {c}) at cycle {t} has row {} of A but weights {:?}", x.i, w_reg[u]);
                    };
                    assert_eq!(
                        x.real,
                        w.step < kb,
                        "schedule defect: row {r} step and A disagree"
                    );
                    let value = match w.j {
                        None => None,
                        Some(j) => {
                            let (psum, prev) = if r == 0 && fold_k == 0 {
                                (PsumIn::Clear, None)
                            } else if r == 0 {
                                self.counts.psum_reads += 1;
                                (
                                    PsumIn::Buffer,
                                    self.buffer[(x.i * self.n + j) as usize].take(),
                                )
                            } else {
                                // The unit above must hold this row's sum now: not an older or a
                                // newer row's.
                                let above = out[self.at(r - 1, c)].as_mut().filter(|p| p.i == x.i);
                                (PsumIn::Above, above.and_then(|p| p.value.take()))
                            };
                            if prev.is_none() && psum != PsumIn::Clear {
                                panic!("schedule defect: unit ({r}, {c}) at cycle {t} has no partial sum of C[{}, {j}] ({psum:?})", x.i);
                            }
                            if x.real {
                                let op = StepRef {
                                    i: x.i,
                                    j,
                                    step: w.step,
                                };
                                self.counts.mac_steps += 1;
                                (self.on_event)(Event::Mac {
                                    cycle: t,
                                    row: r,
                                    col: c,
                                    op,
                                    psum,
                                });
                                Some((self.mac)(prev, op))
                            } else {
                                self.counts.pass_steps += 1;
                                (self.on_event)(Event::Pass {
                                    cycle: t,
                                    row: r,
                                    col: c,
                                    i: x.i,
                                    j,
                                });
                                prev
                            }
                        }
                    };
                    pipe[u].push_back(WsFlight {
                        ready: t + l,
                        i: x.i,
                        value,
                    });
                }
            }
            // 5. The fold ends when no row of A is left to inject or to pass on and no result is
            //    in flight.
            let injecting = (0..rows).any(|r| {
                let lag = rows as u64 + r as u64 * l;
                lt < lag + m - 1
            });
            let passing = (0..rows).any(|r| (0..cols - 1).any(|c| a_reg[self.at(r, c)].is_some()));
            if !injecting && !passing && pipe.iter().all(|p| p.is_empty()) {
                self.end_fold(start);
                return Ok(());
            }
            self.t += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::gemm::ArraySize;

    #[test]
    fn the_per_cycle_guard_stops_a_run_whose_fill_exceeds_the_limit() {
        // 1 step of work on 4 x 4 units, at least R + C - 1 = 7 cycles (112 unit-cycles) up front,
        // but a fold of R + RL + M + C - 1 = 4 + 4 + 1 + 4 - 1 = 12 cycles = 192 unit-cycles: a
        // limit of 150 passes the up-front check and stops in the tenth cycle.
        let g = GemmShape::new(1, 1, 1).unwrap();
        let a = ArrayConfig {
            size: ArraySize { rows: 4, cols: 4 },
            dataflow: Dataflow::WeightStationary,
            lanes: 1,
            latency: 1,
        };
        let err = simulate_limited(&g, &a, 150, |_, _| (), |_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                GemmError::SimTooLarge {
                    unit_cycles: 160,
                    limit: 150
                }
            ),
            "{err}"
        );
        let err = simulate_limited(&g, &a, 100, |_, _| (), |_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                GemmError::SimTooLarge {
                    unit_cycles: 112,
                    limit: 100
                }
            ),
            "{err}"
        );
        assert_eq!(
            simulate_limited(&g, &a, 192, |_, _| (), |_| {})
                .unwrap()
                .counts
                .cycles,
            12
        );
    }
}
