//! Cycle-level model of a GEMM on a 2-D array of block MAC units: the schedule (tiling into
//! folds, fill and drain as in SCALE-Sim) in closed form, the energy split (MAC units, array
//! registers, SRAM) and the throughput figures, plus `hwcost gemm`.
//!
//! # The machine
//! C[M x N] = A[M x K] x B[K x N] on an R x C array of identical units. Each unit consumes one
//! *step* per cycle: `lanes` elements of a row of A and of a column of B (with their block
//! scales), and folds the step's block dot product into an FP32 accumulator (rtl/NOTES.md).
//! K is zero-padded to a multiple of `lanes` (as the quantizer pads the last block), so the
//! reduction takes Kb = ceil(K / lanes) steps; the padding costs cycles and energy but is not
//! counted as useful work. The unit has latency L = 1 + S cycles (S extra pipeline stages) and
//! accepts a step every cycle.
//!
//! # Dataflows and their schedules
//! Both follow SCALE-Sim's mapping and its fold structure (Samajdar et al., "SCALE-Sim: Systolic
//! CNN Accelerator Simulator", arXiv:1811.02883, and ISPASS 2020; code: ARM-software/SCALE-Sim
//! `sram_traffic_os.py` / `sram_traffic_ws.py`, scalesim-project/scale-sim-v2
//! `scalesim/compute/systolic_compute_{os,ws}.py`): the GEMM is cut into folds that each occupy
//! the whole array, folds run one after the other without overlap, and every fold is charged
//! the full array's fill and drain (unused units receive null operands, SCALE-Sim's `-1`
//! requests). Operands move one unit per cycle.
//!
//! - **Output stationary** (spatial M x N, temporal Kb). Unit (r, c) owns C[i, j]. Step t of
//!   A's row i enters row r from the left at fold cycle t + r, step t of B's column j enters
//!   column c from the top at t + c, so unit (r, c) consumes step t at t + r + c. Once the
//!   bottom unit of a column holds its final sum (cycle Kb - 1 + (R - 1) + c + L), the column's
//!   accumulators shift down and out of the bottom edge, one per cycle, R cycles. A fold lasts
//!   `Kb + 2R + C + L - 3` cycles; folds = ceil(M/R) ceil(N/C). With L = 1 this is SCALE-Sim's
//!   `2 S_R + S_C + T - 2` (S_R = R, S_C = C, T = Kb).
//! - **Weight stationary** (spatial Kb x N, temporal M). Unit (r, c) holds step kf R + r of B's
//!   column j; the weights shift in from the top in R cycles (SCALE-Sim's R-cycle prefix). Row i
//!   of A enters array row r at fold cycle R + i + rL and moves right; partial sums move down:
//!   unit (r, c) adds its step to the sum of the unit above, which the skew of L per row makes
//!   ready exactly when needed. The top row starts a sum (k-fold 0) or continues the partial
//!   sum of the previous k-fold read back from the output buffer, so both dataflows add the
//!   steps of an output in the same order, k ascending. Rows past Kb in the last k-fold pass
//!   the sum through. Results leave the bottom edge when ready. A fold lasts
//!   `R + RL + M + C - 1` cycles; folds = ceil(Kb/R) ceil(N/C). SCALE-Sim's WS fold,
//!   `2 S_R + S_C + T - 2` (T = M), ends at the last MAC's issue; here a fold ends when its last
//!   result has left the array, L cycles later, the same rule the output-stationary drain uses.
//!
//! [`schedule_counts`] gives every count in closed form; [`sim`] steps the array cycle by
//! cycle and counts the same events independently (the tests compare them), and carries
//! values through the modeled registers so a numeric unit model can be plugged in.
//! [`rtl_array`] runs output stationary on an array of the generated units' rust-hdl models
//! and checks cycles, per-output completion cycles, utilization and result bits against both
//! and the software model (`hwcost gemm --simulate-rtl`).
//!
//! # Costs
//! - MAC units: every step that does work costs the unit's analytic energy per block
//!   ([`super::analytic`]); idle units and pass-through steps cost none (operand isolation).
//! - Array registers (D flip-flops of the technology file): per unit an A and a B operand
//!   register of `lanes x element bits + 8` bits (the block's 8-bit scale travels with it) and a
//!   32-bit accumulator / partial-sum register. Clock energy every cycle for every bit (no
//!   clock gating); data energy `toggle_rate x energy_fj` per bit of every register write. The
//!   unit's internal pipeline registers are not included: they come from the generated RTL.
//! - SRAM: every step of A or B fetched from the on-chip buffer is `lanes x element bits + 8`
//!   bits (the scale is fetched with each step, as the unit takes one scale per operand per
//!   cycle: 8.25 bits per element for MX at 32 lanes, 4.5 for NV FP4/INT4 at 16, 8.5 for an
//!   8-bit NV format; no scale bits for a format without a scale, in the registers either),
//!   partial sums and results are 32 bits; the energy per bit is the
//!   technology file's `[sram]` at the given capacity. The buffer is assumed double-buffered
//!   and refilled from DRAM off the critical path (as SCALE-Sim's scratchpads): no stalls, and
//!   DRAM energy is not counted.
//! - Area: R x C x (unit area + register area); SRAM area is not included in TOPS/mm^2.
//! - Ops: 2 per useful MAC (M N K). No leakage is modeled, so energy does not depend on the
//!   clock; TOPS and TOPS/mm^2 do.

pub mod rtl_array;
pub mod sim;

use std::fmt::Write as _;

use serde::Serialize;

use crate::cost::analytic::{self, ParamError, PsumWidth, UnitParams};
use crate::cost::tech::{Tech, TechError, DEFAULT_TECH};
use crate::format::{BlockFormat, FormatError};

/// One line for `--help` and reports.
pub const DESCRIPTION: &str =
    "cycle-level GEMM on an RxC array of block MAC units (SCALE-Sim folds, fill and drain)";

/// Largest array side accepted.
pub const MAX_ARRAY_SIDE: usize = 4096;
/// Most extra pipeline stages a unit may have: the RTL generator's limit, as everywhere.
pub const MAX_PIPELINE: u32 = crate::rtl::MAX_PIPELINE as u32;
/// Largest GEMM accepted, in multiply-accumulates M N K (2^50, about 10^15).
pub const MAX_MACS: u128 = 1 << 50;
/// Width of the accumulator, partial-sum and result words.
pub const ACC_BITS: u64 = 32;
/// Width of a block scale code (UE8M0 or E4M3).
pub const SCALE_BITS: u64 = 8;
/// Default array size of `hwcost gemm`.
pub const DEFAULT_ARRAY: &str = "16x16";
/// Clock, MHz, when none is given and the shipped synthesized results hold no STA fmax for the
/// unit: the reference clock of the synthesis flow (sky130).
pub const DEFAULT_CLOCK_MHZ: f64 = 100.0;
/// Default on-chip buffer capacity, KiB.
pub const DEFAULT_SRAM_KIB: f64 = 128.0;

#[derive(Debug, thiserror::Error)]
pub enum GemmError {
    #[error("GEMM dimension {dim} must be at least 1, got 0")]
    ZeroDim { dim: &'static str },
    #[error(
        "GEMM {m}x{n}x{k} has {macs} multiply-accumulates, more than this model accepts (2^50)"
    )]
    TooLarge { m: u64, n: u64, k: u64, macs: u128 },
    #[error("array size '{value}' is not RxC with whole numbers R and C (for example 8x8)")]
    ArraySyntax { value: String },
    #[error("array size '{value}': {side} must be in 1..={MAX_ARRAY_SIDE}, got {got}")]
    ArraySide {
        value: String,
        side: &'static str,
        got: usize,
    },
    #[error("lanes {lanes} do not divide the block size {block} of {format}: a unit takes one scale per operand per cycle, so a step must lie within one block")]
    LanesVsBlock {
        lanes: usize,
        block: usize,
        format: String,
    },
    #[error("pipeline stages must be at most {MAX_PIPELINE}, got {0}")]
    Pipeline(u32),
    #[error("SRAM capacity must be a finite number of KiB > 0, got {0}")]
    SramKib(f64),
    #[error("the calibrated unit model: {0}")]
    Calibration(String),
    #[error("clock must be a finite frequency in MHz > 0, got {0}")]
    Clock(f64),
    #[error(
        "a clock of {clock_mhz} MHz is above what {unit} closes timing at: {fmax_mhz:.1} MHz ({why}). \
         Give a clock at or below it{deeper}, or --ignore-timing to model the array at {clock_mhz} MHz anyway"
    )]
    ClockAboveFmax {
        unit: String,
        clock_mhz: f64,
        fmax_mhz: f64,
        why: String,
        /// the pipeline depth the iso-clock results meet the clock with, as advice
        deeper: String,
    },
    #[error("GEMM {}x{}x{} on a {array} array: a count exceeds 2^64", shape.m, shape.n, shape.k)]
    CountOverflow { shape: GemmShape, array: ArraySize },
    #[error("cycle simulation of {unit_cycles} unit-cycles exceeds the limit {limit}; the simulator is a reference for small arrays")]
    SimTooLarge { unit_cycles: u128, limit: u128 },
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Tech(#[from] TechError),
}

/// Which operand stays in the units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Dataflow {
    /// Each unit owns one output and accumulates it over K.
    OutputStationary,
    /// Each unit holds one step of B; partial sums flow down the columns.
    WeightStationary,
}

impl Dataflow {
    pub fn label(self) -> &'static str {
        match self {
            Dataflow::OutputStationary => "output-stationary",
            Dataflow::WeightStationary => "weight-stationary",
        }
    }
}

/// Rows x columns of units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ArraySize {
    pub rows: usize,
    pub cols: usize,
}

impl std::str::FromStr for ArraySize {
    type Err = GemmError;
    fn from_str(s: &str) -> Result<Self, GemmError> {
        let syntax = || GemmError::ArraySyntax {
            value: s.to_string(),
        };
        let (r, c) = s.trim().split_once(['x', 'X']).ok_or_else(syntax)?;
        let num = |t: &str| -> Result<usize, GemmError> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            // All digits: the only failure left is overflow, which is out of range anyway.
            Ok(t.parse::<usize>().unwrap_or(usize::MAX))
        };
        let (rows, cols) = (num(r)?, num(c)?);
        for (side, got) in [("rows", rows), ("columns", cols)] {
            if !(1..=MAX_ARRAY_SIDE).contains(&got) {
                return Err(GemmError::ArraySide {
                    value: s.to_string(),
                    side,
                    got,
                });
            }
        }
        Ok(ArraySize { rows, cols })
    }
}

impl std::fmt::Display for ArraySize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.rows, self.cols)
    }
}

/// The GEMM's dimensions: C[M x N] = A[M x K] x B[K x N].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GemmShape {
    pub m: u64,
    pub n: u64,
    pub k: u64,
}

impl GemmShape {
    pub fn new(m: u64, n: u64, k: u64) -> Result<Self, GemmError> {
        for (dim, v) in [("M", m), ("N", n), ("K", k)] {
            if v == 0 {
                return Err(GemmError::ZeroDim { dim });
            }
        }
        let macs = m as u128 * n as u128 * k as u128;
        if macs > MAX_MACS {
            return Err(GemmError::TooLarge { m, n, k, macs });
        }
        Ok(GemmShape { m, n, k })
    }

    /// Useful multiply-accumulates, M N K.
    pub fn macs(&self) -> u64 {
        // GemmShape::new bounds the product by 2^50.
        self.m * self.n * self.k
    }

    /// Steps of `lanes` elements along K: ceil(K / lanes).
    pub fn k_steps(&self, lanes: usize) -> u64 {
        self.k.div_ceil(lanes as u64)
    }
}

/// The array: its size, dataflow, unit width and unit latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ArrayConfig {
    pub size: ArraySize,
    pub dataflow: Dataflow,
    /// Elements of A and B per step.
    pub lanes: usize,
    /// Cycles from a step entering a unit to its result in the accumulator: 1 + S.
    pub latency: u32,
}

/// Event counts of one GEMM on the array. [`schedule_counts`] derives them in closed form and
/// [`sim::simulate`] by stepping the array; they must agree exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScheduleCounts {
    /// Total cycles, first operand in to last result out.
    pub cycles: u64,
    pub folds: u64,
    /// Cycles of one fold (every fold has the array's full fill and drain).
    pub fold_cycles: u64,
    /// Steps along K: ceil(K / lanes).
    pub k_steps: u64,
    /// Unit steps that do work: M N Kb.
    pub mac_steps: u64,
    /// Weight stationary: steps of rows past Kb that only pass a partial sum down.
    pub pass_steps: u64,
    /// Steps of A / B read from SRAM (each with its block scale).
    pub a_reads: u64,
    pub b_reads: u64,
    /// 32-bit partial sums read back from the output buffer (weight stationary, k-folds > 0).
    pub psum_reads: u64,
    /// 32-bit results or partial sums written to the output buffer.
    pub result_writes: u64,
    /// Loads of a unit's A / B operand register with a real operand.
    pub a_reg_writes: u64,
    pub b_reg_writes: u64,
    /// Writes of accumulator / partial-sum registers with a real value (including the
    /// output-stationary drain shifts).
    pub acc_reg_writes: u64,
}

/// The schedule's counts in closed form (see the module doc for the schedules).
pub fn schedule_counts(g: &GemmShape, a: &ArrayConfig) -> Result<ScheduleCounts, GemmError> {
    // Exact in u128 (GemmShape bounds M N K by 2^50 and the array sides by 2^12, so no product
    // here exceeds 2^112), then checked into u64: a deep pipeline on a tall array with a huge N
    // can take more than 2^64 cycles.
    let (m, n) = (g.m as u128, g.n as u128);
    let kb = g.k_steps(a.lanes) as u128;
    let (r, c, l) = (a.size.rows as u128, a.size.cols as u128, a.latency as u128);
    let n_folds = n.div_ceil(c);
    let u = |x: u128| {
        u64::try_from(x).map_err(|_| GemmError::CountOverflow {
            shape: *g,
            array: a.size,
        })
    };
    Ok(match a.dataflow {
        Dataflow::OutputStationary => {
            let m_folds = m.div_ceil(r);
            let fold_cycles = kb + 2 * r + c + l - 3;
            // The value of array row q shifts through rows q+1..R-1 on its way out: R-1-q
            // writes. Rows q = i mod R over i < M: full folds, then the partial one.
            let (full, rem) = (m / r, m % r);
            let drain_per_col =
                full * (r * (r - 1) / 2) + rem * (r - 1) - rem * (rem.max(1) - 1) / 2;
            ScheduleCounts {
                cycles: u(m_folds * n_folds * fold_cycles)?,
                folds: u(m_folds * n_folds)?,
                fold_cycles: u(fold_cycles)?,
                k_steps: u(kb)?,
                mac_steps: u(m * n * kb)?,
                pass_steps: 0,
                a_reads: u(m * kb * n_folds)?,
                b_reads: u(n * kb * m_folds)?,
                psum_reads: 0,
                result_writes: u(m * n)?,
                // A travels the whole row (C units), B the whole column (R units).
                a_reg_writes: u(m * kb * c * n_folds)?,
                b_reg_writes: u(n * kb * r * m_folds)?,
                acc_reg_writes: u(m * n * kb + n * drain_per_col)?,
            }
        }
        Dataflow::WeightStationary => {
            let k_folds = kb.div_ceil(r);
            let fold_cycles = r + r * l + m + c - 1;
            // The weight of array row q is shifted in through rows 0..=q: q + 1 writes.
            let (full, rem) = (kb / r, kb % r);
            let weight_writes_per_col = full * (r * (r + 1) / 2) + rem * (rem + 1) / 2;
            ScheduleCounts {
                cycles: u(k_folds * n_folds * fold_cycles)?,
                folds: u(k_folds * n_folds)?,
                fold_cycles: u(fold_cycles)?,
                k_steps: u(kb)?,
                mac_steps: u(m * n * kb)?,
                pass_steps: u(m * n * (k_folds * r - kb))?,
                a_reads: u(m * kb * n_folds)?,
                b_reads: u(kb * n)?,
                psum_reads: u(m * n * (k_folds - 1))?,
                result_writes: u(m * n * k_folds)?,
                a_reg_writes: u(m * kb * c * n_folds)?,
                b_reg_writes: u(n * weight_writes_per_col)?,
                // Every row of a used column writes its partial sum, pass-through rows too.
                acc_reg_writes: u(m * n * r * k_folds)?,
            }
        }
    })
}

/// Validated inputs of one GEMM evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct GemmConfig {
    pub shape: GemmShape,
    pub unit: UnitParams,
    pub pipeline: u32,
    pub size: ArraySize,
    pub dataflow: Dataflow,
    pub sram_kib: f64,
    pub clock_mhz: f64,
    /// Where the clock came from (given, or the unit's STA fmax, or the default).
    pub clock_source: String,
    /// The unit's own area and energy; `None`: the analytic model's.
    pub unit_price: Option<UnitPrice>,
}

/// Area and energy of one unit from a model other than the analytic one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitPrice {
    /// Which model, and where its numbers came from.
    pub model: String,
    pub area_um2: f64,
    pub energy_pj_per_block: f64,
}

/// Which model prices the units of the array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GemmUnitModel {
    /// The study's analytic gate model (no pipeline registers).
    Analytic,
    /// Analytic counts with factors fitted to synthesis (`calibration.json` in `--results`),
    /// the unit's pipeline registers included.
    Calibrated,
}

impl GemmConfig {
    /// Check what the unit parameters do not: lanes within a block, pipeline depth, SRAM
    /// capacity and clock.
    pub fn new(
        shape: GemmShape,
        unit: UnitParams,
        pipeline: u32,
        size: ArraySize,
        dataflow: Dataflow,
        sram_kib: f64,
        clock_mhz: f64,
    ) -> Result<Self, GemmError> {
        if !unit.format.block.is_multiple_of(unit.lanes) {
            return Err(GemmError::LanesVsBlock {
                lanes: unit.lanes,
                block: unit.format.block,
                format: unit.format.name.clone(),
            });
        }
        if pipeline > MAX_PIPELINE {
            return Err(GemmError::Pipeline(pipeline));
        }
        if !(sram_kib.is_finite() && sram_kib > 0.0) {
            return Err(GemmError::SramKib(sram_kib));
        }
        if !(clock_mhz.is_finite() && clock_mhz > 0.0) {
            return Err(GemmError::Clock(clock_mhz));
        }
        Ok(GemmConfig {
            shape,
            unit,
            pipeline,
            size,
            dataflow,
            sram_kib,
            clock_mhz,
            clock_source: "given".into(),
            unit_price: None,
        })
    }

    pub fn array(&self) -> ArrayConfig {
        ArrayConfig {
            size: self.size,
            dataflow: self.dataflow,
            lanes: self.unit.lanes,
            latency: 1 + self.pipeline,
        }
    }

    /// Bits of one step of A or B: the elements and their block scale (none for a format
    /// without a scale).
    pub fn step_bits(&self) -> u64 {
        let scale = match self.unit.format.scale {
            crate::format::ScaleFormat::Unscaled => 0,
            _ => SCALE_BITS,
        };
        self.unit.lanes as u64 * self.unit.format.elem.bits() as u64 + scale
    }
}

/// Energy of the whole GEMM by where it is spent, pJ.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EnergySplit {
    pub mac_units_pj: f64,
    pub registers_pj: f64,
    /// Of `registers_pj`: clock pins, every register bit every cycle.
    pub register_clock_pj: f64,
    /// Of `registers_pj`: data written into registers.
    pub register_data_pj: f64,
    pub sram_read_pj: f64,
    pub sram_write_pj: f64,
    pub total_pj: f64,
}

/// Area of the array (SRAM not included).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ArrayArea {
    pub unit_um2: f64,
    /// Array registers of one unit: two operand registers and the accumulator.
    pub unit_registers_um2: f64,
    pub register_bits_per_unit: u64,
    pub total_mm2: f64,
}

/// What `hwcost gemm` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GemmReport {
    pub model: &'static str,
    /// The model of the units' own area and energy.
    pub unit_model: String,
    pub format: String,
    pub shape: GemmShape,
    /// K after zero-padding to a multiple of `lanes`.
    pub k_padded: u64,
    pub array: ArraySize,
    pub dataflow: Dataflow,
    pub lanes: usize,
    /// `None` for INT formats (exact sums), written `"exact"`.
    #[serde(with = "crate::fields::psum")]
    pub psum_width: Option<u32>,
    pub pipeline: u32,
    pub unit_latency_cycles: u32,
    pub tech: String,
    pub clock_mhz: f64,
    /// Where the clock came from.
    pub clock_source: String,
    pub sram_kib: f64,
    /// SRAM bits fetched per element of A or B, block scale included.
    pub sram_bits_per_element: f64,
    pub schedule: ScheduleCounts,
    pub useful_macs: u64,
    /// Useful MACs over the MAC slots of all units in all cycles (R C lanes cycles).
    pub utilization: f64,
    pub runtime_us: f64,
    pub energy: EnergySplit,
    pub area: ArrayArea,
    pub energy_pj_per_mac: f64,
    pub tops: f64,
    pub tops_per_w: f64,
    pub tops_per_mm2: f64,
}

/// Evaluate one GEMM: schedule, energy, area and throughput.
pub fn gemm_report(cfg: &GemmConfig, tech: &Tech) -> Result<GemmReport, GemmError> {
    let arr = cfg.array();
    let s = schedule_counts(&cfg.shape, &arr)?;
    let (unit_model, unit_area_um2, unit_energy_pj) = match &cfg.unit_price {
        Some(p) => (p.model.clone(), p.area_um2, p.energy_pj_per_block),
        None => {
            let t = analytic::analytic_cost(&cfg.unit, tech).total;
            ("analytic".to_string(), t.area_um2, t.energy_pj_per_block)
        }
    };
    let units = (cfg.size.rows * cfg.size.cols) as f64;
    let step_bits = cfg.step_bits();

    let dff = &tech.cells.dff;
    let reg_bits = 2 * step_bits + ACC_BITS;
    let fj_per_write = dff.energy_fj * tech.activity.toggle_rate;
    let register_clock_pj = units * reg_bits as f64 * s.cycles as f64 * dff.clock_energy_fj * 1e-3;
    let written_bits = (s.a_reg_writes + s.b_reg_writes) as f64 * step_bits as f64
        + s.acc_reg_writes as f64 * ACC_BITS as f64;
    let register_data_pj = written_bits * fj_per_write * 1e-3;

    let read_bits =
        (s.a_reads + s.b_reads) as f64 * step_bits as f64 + s.psum_reads as f64 * ACC_BITS as f64;
    let write_bits = s.result_writes as f64 * ACC_BITS as f64;
    let sram_read_pj = read_bits * tech.sram.read_fj_per_bit(cfg.sram_kib) * 1e-3;
    let sram_write_pj = write_bits * tech.sram.write_fj_per_bit(cfg.sram_kib) * 1e-3;
    let mac_units_pj = s.mac_steps as f64 * unit_energy_pj;
    let registers_pj = register_clock_pj + register_data_pj;
    let total_pj = mac_units_pj + registers_pj + sram_read_pj + sram_write_pj;

    let unit_registers_um2 = reg_bits as f64 * dff.area_um2;
    let total_mm2 = units * (unit_area_um2 + unit_registers_um2) * 1e-6;

    let macs = cfg.shape.macs();
    let ops = 2.0 * macs as f64;
    let seconds = s.cycles as f64 / (cfg.clock_mhz * 1e6);
    let tops = ops / seconds * 1e-12;
    Ok(GemmReport {
        model: DESCRIPTION,
        unit_model,
        format: cfg.unit.format.name.clone(),
        shape: cfg.shape,
        k_padded: s.k_steps * cfg.unit.lanes as u64,
        array: cfg.size,
        dataflow: cfg.dataflow,
        lanes: cfg.unit.lanes,
        psum_width: cfg.unit.psum_width,
        pipeline: cfg.pipeline,
        unit_latency_cycles: arr.latency,
        tech: tech.name.clone(),
        clock_mhz: cfg.clock_mhz,
        clock_source: cfg.clock_source.clone(),
        sram_kib: cfg.sram_kib,
        sram_bits_per_element: step_bits as f64 / cfg.unit.lanes as f64,
        schedule: s,
        useful_macs: macs,
        utilization: macs as f64 / (units * cfg.unit.lanes as f64 * s.cycles as f64),
        runtime_us: seconds * 1e6,
        energy: EnergySplit {
            mac_units_pj,
            registers_pj,
            register_clock_pj,
            register_data_pj,
            sram_read_pj,
            sram_write_pj,
            total_pj,
        },
        area: ArrayArea {
            unit_um2: unit_area_um2,
            unit_registers_um2,
            register_bits_per_unit: reg_bits,
            total_mm2,
        },
        energy_pj_per_mac: total_pj / macs as f64,
        tops,
        // 1 op per pJ is 10^12 ops per joule: TOPS/W.
        tops_per_w: ops / total_pj,
        tops_per_mm2: tops / total_mm2,
    })
}

/// `hwcost gemm`: cycles, utilization, energy split and throughput of one GEMM on an array of
/// MAC units.
#[derive(Clone, Debug, clap::Args)]
pub struct GemmArgs {
    /// Block format, e.g. mxint8, mxfp8, nvfp4 (or a format .toml file).
    pub format: String,
    /// Rows of A and C.
    #[arg(long)]
    pub m: u64,
    /// Columns of B and C.
    #[arg(long)]
    pub n: u64,
    /// Reduction length (columns of A, rows of B); zero-padded to a multiple of the lanes.
    #[arg(long)]
    pub k: u64,
    /// Array of units, RxC.
    #[arg(long, default_value = DEFAULT_ARRAY, value_name = "RxC")]
    pub array: String,
    /// Which operand stays in the units.
    #[arg(long, value_enum, default_value_t = Dataflow::OutputStationary)]
    pub dataflow: Dataflow,
    /// Capacity of the on-chip buffer the array reads, KiB (sets the energy per SRAM access).
    #[arg(long, default_value_t = DEFAULT_SRAM_KIB)]
    pub sram_kib: f64,
    /// Lanes per unit (power of two dividing the block size); default: the block size.
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Psum (aligner) width in bits, or `exact`; default min(2^(x+1)+2y, 24). Ignored for INT.
    #[arg(long, value_name = "N|exact")]
    pub psum_width: Option<String>,
    /// Extra pipeline stages S of each unit (latency 1 + S).
    #[arg(long, default_value_t = 0, value_parser = crate::args::pipeline::<u32>)]
    pub pipeline: u32,
    /// Technology: a built-in name (sky130hd, asap7) or a technology .toml file.
    #[arg(long, default_value = DEFAULT_TECH)]
    pub tech: String,
    /// Clock frequency, MHz. Default: the unit's fmax from static timing analysis in the shipped
    /// synthesized results (`--results`; a pipelined unit's from the iso-clock results
    /// `clock.json` when they hold it, else the fmax of the same unit without pipeline stages,
    /// a lower bound), else 100 MHz. A clock above that fmax is refused (naming the depth that
    /// meets it, when the iso-clock results hold one).
    #[arg(long, value_parser = crate::args::clock_mhz)]
    pub clock_mhz: Option<f64>,
    /// Accept a --clock-mhz above the unit's synthesized fmax (a what-if: the unit as built
    /// does not close timing there).
    #[arg(long, requires = "clock_mhz")]
    pub ignore_timing: bool,
    /// Directory holding the shipped synthesized results (synth-results.json) and the
    /// calibration (calibration.json).
    #[arg(long, default_value = "reports")]
    pub results: std::path::PathBuf,
    /// Cost model of each unit.
    #[arg(long, value_enum, default_value_t = GemmUnitModel::Analytic)]
    pub model: GemmUnitModel,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also run the GEMM cycle by cycle on an array of the generated units' rust-hdl models
    /// (output stationary, small shapes only) and check its cycles and results.
    #[arg(long)]
    pub simulate_rtl: bool,
    /// Seed of the Gaussian operands of --simulate-rtl.
    #[arg(long, default_value_t = 1, requires = "simulate_rtl")]
    pub seed: u64,
}

impl GemmArgs {
    /// Raw arguments -> checked configuration and technology.
    pub fn config(&self) -> Result<(GemmConfig, Tech), GemmError> {
        let shape = GemmShape::new(self.m, self.n, self.k)?;
        let size: ArraySize = self.array.parse()?;
        let format: BlockFormat = crate::format::lookup(&self.format)?;
        let psum = match &self.psum_width {
            None => PsumWidth::Default,
            Some(s) => s.parse()?,
        };
        let unit = UnitParams::new(format, self.lanes, psum)?;
        let tech = Tech::resolve(&self.tech)?;
        let fmax = self.synthesized_fmax(&unit);
        let (clock_mhz, clock_source) = match (self.clock_mhz, fmax) {
            (None, Ok((f, why))) => (f, why),
            (None, Err(why)) => (DEFAULT_CLOCK_MHZ, format!("default ({why})")),
            (Some(c), Err(why)) => (c, format!("given (not checked against timing: {why})")),
            (Some(c), Ok((f, _))) if c <= f => (c, format!("given (the unit closes timing up to {f:.1} MHz)")),
            (Some(c), Ok((f, why))) if self.ignore_timing => (
                c,
                format!("given with --ignore-timing, above the unit's {f:.1} MHz ({why}): the unit as built does not close timing here"),
            ),
            (Some(c), Ok((f, why))) => {
                let deeper = self
                    .clocked_units(&unit)
                    .into_iter()
                    .filter(|u| u.fmax_mhz >= c && u.pipeline as u32 > self.pipeline)
                    .min_by_key(|u| u.pipeline)
                    .map_or(String::new(), |u| {
                        format!(
                            ", or pipeline the unit: with --pipeline {} it closes at {:.1} MHz ({})",
                            u.pipeline,
                            u.fmax_mhz,
                            self.results.join(crate::synth::clock::CLOCK_FILE).display()
                        )
                    });
                return Err(GemmError::ClockAboveFmax {
                    unit: crate::cost::source::unit_label(&unit),
                    clock_mhz: c,
                    fmax_mhz: f,
                    why,
                    deeper,
                })
            }
        };
        let mut cfg = GemmConfig::new(
            shape,
            unit,
            self.pipeline,
            size,
            self.dataflow,
            self.sram_kib,
            clock_mhz,
        )?;
        cfg.clock_source = clock_source;
        if self.model == GemmUnitModel::Calibrated {
            cfg.unit_price = Some(self.calibrated_price(&cfg.unit, &tech)?);
        }
        Ok((cfg, tech))
    }

    /// The calibrated model's unit, without the accumulator register (its 32 + 1 flip-flops):
    /// the array model counts each unit's accumulator / partial-sum register itself.
    fn calibrated_price(&self, unit: &UnitParams, tech: &Tech) -> Result<UnitPrice, GemmError> {
        let err = |e: String| GemmError::Calibration(e);
        let source = crate::cost::calibrate::CalibratedSource::load(&self.results, &self.tech)
            .map_err(|e| err(e.to_string()))?;
        let cal = source.calibration();
        let c = cal
            .unit_cost(unit, self.pipeline as usize, tech)
            .map_err(|e| err(e.to_string()))?;
        let ff = &cal.registers_per_flip_flop;
        let acc = (ACC_BITS + 1) as f64;
        Ok(UnitPrice {
            model: format!(
                "calibrated ({}), less the accumulator register the array counts",
                self.results.join(crate::cost::calibrate::FILE).display()
            ),
            area_um2: c.area_um2 - acc * ff.area_um2,
            energy_pj_per_block: c.energy_pj_per_block - acc * ff.energy_pj_per_block,
        })
    }

    /// The STA fmax of `unit` in the shipped synthesized results of this technology, with
    /// where it came from; for a pipelined unit that of the same unit without pipeline stages
    /// (extra stages only shorten paths, so it is a lower bound). The reason when there is none.
    /// The units of the shipped iso-clock results (`clock.json` in --results) that are `unit`
    /// (format, lanes, architecture, psum width) at some depth, each synthesized toward a clock
    /// it met.
    fn clocked_units(&self, unit: &UnitParams) -> Vec<crate::synth::unit_synth::UnitSynthReport> {
        let Ok(r) = crate::synth::clock::ClockResults::load(
            &self.results.join(crate::synth::clock::CLOCK_FILE),
        ) else {
            return Vec::new();
        };
        r.points
            .into_iter()
            .filter(|p| p.is_unit(unit))
            .filter_map(|p| p.unit)
            .collect()
    }

    fn synthesized_fmax(&self, unit: &UnitParams) -> Result<(f64, String), String> {
        use crate::cost::source::{shipped_source, CostSource, CostTable, Model};
        // a pipelined unit: its own STA fmax where the iso-clock results hold it (the highest
        // of the clocks it was synthesized toward)
        if self.pipeline > 0 {
            let best = self
                .clocked_units(unit)
                .into_iter()
                .filter(|u| u.pipeline as u32 == self.pipeline)
                .max_by(|a, b| a.fmax_mhz.total_cmp(&b.fmax_mhz));
            if let Some(u) = best {
                return Ok((
                    u.fmax_mhz,
                    format!(
                        "STA fmax of the unit with {} stages synthesized toward {:.0} MHz, {}",
                        self.pipeline,
                        1000.0 / u.clock_ns,
                        self.results.join(crate::synth::clock::CLOCK_FILE).display()
                    ),
                ));
            }
        }
        let source = shipped_source(
            Model::Synth,
            &self.tech,
            &self.results,
            std::slice::from_ref(unit),
        )?;
        match source.unit_cost(unit).ok().and_then(|c| c.fmax_mhz) {
            Some(f) if f.is_finite() && f > 0.0 => {
                let file = self
                    .results
                    .join(CostTable::file_name(Model::Synth).unwrap_or_default());
                let what = if self.pipeline == 0 {
                    format!("STA fmax of the synthesized unit, {}", file.display())
                } else {
                    format!(
                        "STA fmax of the same unit without pipeline stages, {}: a lower bound, \
                         the synthesized results hold no unit with {} stages",
                        file.display(),
                        self.pipeline
                    )
                };
                Ok((f, what))
            }
            _ => Err("the synthesized results hold no fmax for this unit".into()),
        }
    }
}

/// Run `hwcost gemm` and print its result on stdout.
pub fn run_gemm(args: &GemmArgs) -> anyhow::Result<()> {
    if args.simulate_rtl {
        let out = rtl_array::simulate_output(args)?;
        print!("{}", out.text);
        anyhow::ensure!(
            out.agree,
            "the RTL array disagrees with the model or the software model"
        );
        return Ok(());
    }
    print!("{}", gemm_output(args)?);
    Ok(())
}

/// What `run_gemm` prints.
pub fn gemm_output(args: &GemmArgs) -> Result<String, GemmError> {
    let (cfg, tech) = args.config()?;
    let r = gemm_report(&cfg, &tech)?;
    Ok(if args.json {
        // A report of numbers and strings always serializes.
        serde_json::to_string_pretty(&r).expect("GemmReport serializes") + "\n"
    } else {
        text_report(&r)
    })
}

/// The report as text.
pub fn text_report(r: &GemmReport) -> String {
    let mut s = String::new();
    let s_ = &r.schedule;
    let e = &r.energy;
    let n = r
        .psum_width
        .map_or("exact (INT)".to_string(), |n| n.to_string());
    let _ = writeln!(
        s,
        "GEMM {}x{}x{} (M x N x K, K padded to {}) in {} on a {} array, {}",
        r.shape.m,
        r.shape.n,
        r.shape.k,
        r.k_padded,
        r.format,
        r.array,
        r.dataflow.label()
    );
    let _ = writeln!(
        s,
        "unit: {} lanes, psum width {n}, pipeline {} (latency {} cycles); tech {}, SRAM {} KiB",
        r.lanes, r.pipeline, r.unit_latency_cycles, r.tech, r.sram_kib
    );
    let _ = writeln!(s, "clock {:.1} MHz: {}", r.clock_mhz, r.clock_source);
    let _ = writeln!(s, "unit cost: {}", r.unit_model);
    let _ = writeln!(
        s,
        "cycles {} = {} folds x {} cycles ({} steps of K)",
        s_.cycles, s_.folds, s_.fold_cycles, s_.k_steps
    );
    let _ = writeln!(
        s,
        "utilization {:.2}%, runtime {:.3} us",
        100.0 * r.utilization,
        r.runtime_us
    );
    let _ = writeln!(
        s,
        "SRAM traffic: {} A steps, {} B steps ({:.3} bits/element with scales), {} partial sums read, {} words written",
        s_.a_reads, s_.b_reads, r.sram_bits_per_element, s_.psum_reads, s_.result_writes
    );
    // One unit for the whole table, picked by the total so its figure has 1-3 integer digits.
    let (unit, per_pj) = [("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3)]
        .into_iter()
        .find(|&(_, d)| e.total_pj >= d)
        .unwrap_or(("pJ", 1.0));
    let _ = writeln!(s, "{:<22}{:>12}{:>8}", "energy", unit, "share");
    for (name, v) in [
        ("MAC units", e.mac_units_pj),
        ("registers (clock)", e.register_clock_pj),
        ("registers (data)", e.register_data_pj),
        ("SRAM reads", e.sram_read_pj),
        ("SRAM writes", e.sram_write_pj),
    ] {
        let _ = writeln!(
            s,
            "{:<22}{:>12.3}{:>7.1}%",
            name,
            v / per_pj,
            100.0 * v / e.total_pj
        );
    }
    let _ = writeln!(s, "{:<22}{:>12.3}", "total", e.total_pj / per_pj);
    let _ = writeln!(
        s,
        "area {:.4} mm^2 ({:.1} um^2 unit + {:.1} um^2 of {} register bits, per unit; SRAM not included)",
        r.area.total_mm2, r.area.unit_um2, r.area.unit_registers_um2, r.area.register_bits_per_unit
    );
    let _ = writeln!(
        s,
        "{:.4} pJ/MAC, {:.4} TOPS, {:.3} TOPS/W, {:.4} TOPS/mm^2",
        r.energy_pj_per_mac, r.tops, r.tops_per_w, r.tops_per_mm2
    );
    s
}

#[cfg(test)]
mod tests;
