//! The study's analytic cost model (arXiv 2510.25602, Appendix C / Table 6):
//! cell counts per datapath component of a k-lane block MAC unit, times per-cell area and
//! toggle energy from a technology file.
//!
//! # What is counted
//! Only combinational logic, as in the study: k lane multipliers, FP exponent adders, the
//! max-exponent comparators, exponent subtractors and barrel aligners, one adder tree, one shared
//! normalizer (FP), the scale logic ("dequantizer") and one shared FP32 accumulator. Area =
//! sum(count * A_cell); energy per block = sum(count * E_cell * tau) with one toggle rate tau for
//! every cell (`activity.toggle_rate` of the technology file). x = exponent bits, y = mantissa
//! bits (x = 0 and y = b - 1 for a b-bit INT), n = psum (aligner) width.
//!
//! # Table 6 terms and how each is split into cells
//! The study gives one size term per sub-block and the cell types it uses, not the split. The
//! split below is the textbook structure of each sub-block; its cell total equals the term or
//! exceeds it by the small structural overhead noted.
//! - **Lane multipliers**, INT k(x+y+1)^2, FP k(y+1)^2: per lane an unsigned w x w carry-save
//!   array multiplier, w = x+y+1 (INT) or y+1 (FP mantissas with hidden bit): w^2 AND (partial
//!   products), w(w-2) FA and w HA (w(w-1) adders: w-2 carry-save rows plus the final ripple row).
//!   A two's-complement INT multiplier (Baugh-Wooley) has the same counts: it turns 2(w-1) ANDs
//!   into NANDs and feeds constant ones into existing adders.
//! - **Exponent adders**, kx: per lane an x-bit ripple adder, 1 HA + (x-1) FA.
//! - **Max exponent** (comparator), kx with XOR, AND, OR: per lane an x-bit magnitude comparator,
//!   per bit one XOR (bit equality) and one AND + one OR of the greater-than chain.
//! - **Exponent subtractors**, kx with XOR, FA, HA: per lane max - e_i as e_max + ~e_i + 1:
//!   x XOR (inversion), (x-1) FA, 1 HA.
//! - **Aligners**, k n log2 n MUX: per lane an n-bit barrel shifter of ceil(log2 n) stages of n
//!   MUX2. The ceiling is a choice: hardware has whole stages (n = 24 gives 5, not 4.58).
//! - **Adder tree**, INT 2k(x+y+1), FP kn, FA and HA: a binary tree of k-1 ripple-carry adders
//!   whose leaves are W = 2(x+y+1) (INT) or n (FP) bits wide and which grow by one bit per level;
//!   each adder of width w is (w-1) FA + 1 HA. Its cell total is sum of the adder widths, which is
//!   the term plus the log2 k growth bits (MXINT8: 522 cells for the term 512).
//! - **Normalizer** (one, FP), n log2 n with MUX, OR: an n-bit left barrel shifter of ceil(log2 n)
//!   stages plus an (n-1)-OR leading-zero tree. INT formats have none, as in Table 6: an integer
//!   block sum of at most 24 bits (INT8 at k = 32: 21 bits) is an exact binary32 significand and
//!   enters the accumulator's own normalizer unchanged.
//! - **Scale logic** (dequantizer, one per unit): UE8M0 scales need two 8-bit adds (scale
//!   exponents, then the block exponent): 2 x (7 FA + 1 HA). E4M3 scales need two FP multiplies:
//!   E4M3 x E4M3 (4 x 4 array + 4-bit exponent adder), then that 8-bit significand times the block
//!   sum (8 x W_s array, W_s = n for FP, the exact INT sum width 2b + log2 k for INT) with an
//!   8-bit exponent add. UE5M3 scales (user formats) are counted as E4M3 with a 5-bit exponent
//!   adder.
//! - **Accumulator** (one FP32 adder, the same for every format): 8-bit exponent subtractor,
//!   48 MUX operand swap, 24-bit 5-stage aligner, 25 XOR + 25-bit adder for the signed add,
//!   25-bit 5-stage normalizer with a 24-OR leading-zero tree, 24 HA rounding increment and an
//!   8-bit exponent adjust.
//!
//! # Not counted (as in the study; the synthesized model measures them)
//! Registers and clock, element decode (hidden bit, subnormals, specials), the sign XOR and
//! two's-complement conversion of FP products before the adder tree, the muxes of the
//! max-exponent tree, rounding of the block sum, wiring, glitches and data-dependent activity.
//!
//! # Same throughput
//! The study compares units at equal throughput; MX units have k = 32 lanes and NV units 16. Here
//! "same throughput" means per MAC: a unit's area and energy divided by its lane count (two NV
//! units deliver what one MX unit does). [`table5`] uses that normalization.
//!
//! # Table 5 reproduction (default parameters, per MAC, relative to MXFP8)
//! | | study area | here, sky130hd | here, asap7 | study energy | here, sky130hd | here, asap7 |
//! |---|---|---|---|---|---|---|
//! | MXINT8 | 0.79 | 0.744 | 0.724 | 0.63 | 0.826 | 0.822 |
//! | NVFP4 | 0.54 | 0.499 | 0.501 | 0.55 | 0.512 | 0.513 |
//! | NVINT4 | 0.38 | 0.360 | 0.355 | 0.34 | 0.395 | 0.394 |
//! | MXINT8+NVINT4 vs MXFP8+NVFP4 ([`table5_mixed`]) | 0.66 | 0.645 | 0.630 | 0.75 | 0.702 | 0.698 |
//!
//! Area lands within 0.05 of the study for all three. Energy does for NVFP4 and NVINT4, but
//! MXINT8 comes out at 0.83 instead of 0.63. The gap is the MUX: the MXFP8 aligners are half its
//! area and energy, and in the sky130 Liberty a MUX2 toggle costs 0.55x a full-adder toggle
//! (22.4 vs 41.1 fJ), while INT's ANDs cost relatively more energy than area. With a MUX toggle
//! as costly as a full adder's, this model gives 0.59 / 0.50 / 0.32, close to the study's
//! 0.63 / 0.55 / 0.34, so the study's (unpublished) cell energies likely had MUX ~ FA. The
//! assumptions behind the numbers: the splits above, ceil(log2 n) shifter stages (the real
//! log2 would give MXINT8 area 0.78), a single toggle rate, the E4M3 scale multiplies sized as
//! above (they are 11% of NVFP4's area), and the same FP32 accumulator in every unit (6-23%).
//! The mixed row rests on the reuse structure of [`mixed_cell_counts`] and counts every cell of
//! both units as toggling; the study does not say how it treated a mixed unit's idle half.

use serde::Serialize;

use super::tech::{Cell, Tech};
use crate::format::{BlockFormat, ElemFormat, FormatError, ScaleFormat};

/// One line for `--help` and reports (STYLE pattern 10).
pub const DESCRIPTION: &str =
    "the study's analytic gate model: Table 6 cell counts per component x technology cell factors, one toggle rate";

#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("lanes must be a power of two in 1..=64, got {0}")]
    Lanes(usize),
    #[error("psum width {width} is below the product width {min} of {format}")]
    PsumTooNarrow {
        format: String,
        width: u32,
        min: u32,
    },
    #[error("psum width must be a number of bits or 'exact', got '{0}'")]
    PsumSyntax(String),
    #[error("{0}")]
    Architecture(String),
}

/// Psum (aligner) width as the user states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsumWidth {
    /// The study's min(2^(x+1) + 2y, 24).
    Default,
    /// 2^(x+1) + 2y: every product aligned without loss.
    Exact,
    Bits(u32),
}

impl std::str::FromStr for PsumWidth {
    type Err = ParamError;
    fn from_str(s: &str) -> Result<Self, ParamError> {
        match s.trim() {
            "exact" => Ok(PsumWidth::Exact),
            t => t
                .parse::<u32>()
                .map(PsumWidth::Bits)
                .map_err(|_| ParamError::PsumSyntax(s.to_string())),
        }
    }
}

/// The parameters of a unit that change its cell counts.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitParams {
    pub format: BlockFormat,
    pub lanes: usize,
    /// Aligner width n; `None` for INT formats, whose sums are exact.
    pub psum_width: Option<u32>,
    /// The datapath architecture asked for (`--multiplier`, `--reduction`); the parts not
    /// asked for are the format's default. The analytic cell counts do not depend on it.
    pub arch: crate::rtl::Arch,
}

impl UnitParams {
    /// Validate `lanes` (default: the format's block size) and the psum width.
    pub fn new(
        format: BlockFormat,
        lanes: Option<usize>,
        psum: PsumWidth,
    ) -> Result<Self, ParamError> {
        let shape = UnitShape::new(&format, lanes, psum)?;
        Ok(UnitParams {
            format,
            lanes: shape.lanes(),
            psum_width: shape.psum_width(),
            arch: crate::rtl::Arch::default(),
        })
    }

    /// The same unit in the architecture `arch`, refused if the generator does not build it
    /// for this format (e.g. booth4 on an FP format).
    pub fn with_arch(mut self, arch: crate::rtl::Arch) -> Result<Self, ParamError> {
        arch.resolve(&self.format)
            .map_err(|e| ParamError::Architecture(e.to_string()))?;
        self.arch = arch;
        Ok(self)
    }

    /// The architecture the unit is built in, both parts resolved (`None` only for an `arch`
    /// set by hand to a combination the generator does not build).
    pub fn architecture(&self) -> Option<(crate::rtl::Multiplier, crate::rtl::Reduction)> {
        self.arch.resolve(&self.format).ok()
    }

    /// The copyable part that the cell counts depend on.
    pub fn shape(&self) -> UnitShape {
        let datapath = match self.format.elem {
            ElemFormat::Int { bits } => Datapath::Int { bits },
            ElemFormat::Fp {
                exp_bits, man_bits, ..
            } => Datapath::Fp {
                exp_bits,
                man_bits,
                // UnitParams::new always sets n for FP; a hand-built one without it gets the
                // study's default.
                psum_width: self
                    .psum_width
                    .unwrap_or_else(|| self.format.default_psum_width()),
            },
        };
        UnitShape {
            datapath,
            scale: self.format.scale,
            lanes: self.lanes,
        }
    }
}

/// The lane datapath: INT sums are exact, FP ones have an aligner width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Datapath {
    Int {
        bits: u32,
    },
    Fp {
        exp_bits: u32,
        man_bits: u32,
        psum_width: u32,
    },
}

/// What the cell counts of a unit depend on, without the format's name: `Copy`, so a sweep
/// evaluates millions of design points without allocating. Built only by [`UnitShape::new`] or
/// [`UnitParams::shape`], so an FP shape always has its aligner width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitShape {
    datapath: Datapath,
    scale: ScaleFormat,
    lanes: usize,
}

impl UnitShape {
    /// Validate `lanes` (default: the format's block size) and the psum width; the one
    /// validation behind [`UnitParams::new`].
    pub fn new(
        format: &BlockFormat,
        lanes: Option<usize>,
        psum: PsumWidth,
    ) -> Result<Self, ParamError> {
        let lanes = lanes.unwrap_or(format.default_lanes());
        if !(1..=64).contains(&lanes) || !lanes.is_power_of_two() {
            return Err(ParamError::Lanes(lanes));
        }
        let datapath = match format.elem {
            ElemFormat::Int { bits } => Datapath::Int { bits },
            ElemFormat::Fp {
                exp_bits, man_bits, ..
            } => {
                let n = match psum {
                    PsumWidth::Default => format.default_psum_width(),
                    PsumWidth::Exact => format.exact_psum_width(),
                    PsumWidth::Bits(n) => n,
                };
                let min = 2 * man_bits + 2;
                if n < min {
                    return Err(ParamError::PsumTooNarrow {
                        format: format.name.clone(),
                        width: n,
                        min,
                    });
                }
                Datapath::Fp {
                    exp_bits,
                    man_bits,
                    psum_width: n,
                }
            }
        };
        Ok(UnitShape {
            datapath,
            scale: format.scale,
            lanes,
        })
    }

    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// Aligner width n; `None` for INT formats (exact sums).
    pub fn psum_width(&self) -> Option<u32> {
        match self.datapath {
            Datapath::Int { .. } => None,
            Datapath::Fp { psum_width, .. } => Some(psum_width),
        }
    }
}

/// Counts of the six cell types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CellCounts {
    pub fa: u64,
    pub ha: u64,
    pub xor: u64,
    pub and: u64,
    pub or: u64,
    pub mux: u64,
}

impl CellCounts {
    pub fn get(&self, cell: Cell) -> u64 {
        match cell {
            Cell::Fa => self.fa,
            Cell::Ha => self.ha,
            Cell::Xor => self.xor,
            Cell::And => self.and,
            Cell::Or => self.or,
            Cell::Mux => self.mux,
        }
    }

    pub fn total(&self) -> u64 {
        Cell::ALL.iter().map(|&c| self.get(c)).sum()
    }

    fn times(self, k: u64) -> Self {
        CellCounts {
            fa: self.fa * k,
            ha: self.ha * k,
            xor: self.xor * k,
            and: self.and * k,
            or: self.or * k,
            mux: self.mux * k,
        }
    }

    fn area_um2(&self, tech: &Tech) -> f64 {
        CellTable::new(tech).area_um2(self)
    }

    /// Energy of one cycle (one block) at the technology's toggle rate, pJ.
    fn energy_pj(&self, tech: &Tech) -> f64 {
        CellTable::new(tech).energy_pj(self)
    }
}

/// Per-cell area and energy per cycle of one technology, gathered once: the single place where
/// cell counts become um^2 and pJ, for the detailed breakdown and the lean totals alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellTable {
    /// um^2 per cell, in [`Cell::ALL`] order.
    area_um2: [f64; 6],
    /// pJ per cell per cycle: toggle energy x toggle rate, in [`Cell::ALL`] order.
    energy_pj: [f64; 6],
}

impl CellTable {
    pub fn new(tech: &Tech) -> Self {
        let tau = tech.activity.toggle_rate;
        CellTable {
            area_um2: Cell::ALL.map(|c| tech.cell(c).area_um2),
            energy_pj: Cell::ALL.map(|c| tech.cell(c).energy_fj * tau * 1e-3),
        }
    }

    pub fn area_um2(&self, n: &CellCounts) -> f64 {
        Cell::ALL
            .iter()
            .zip(self.area_um2)
            .map(|(&c, a)| n.get(c) as f64 * a)
            .sum()
    }

    /// Energy of one cycle (one block), pJ.
    pub fn energy_pj(&self, n: &CellCounts) -> f64 {
        Cell::ALL
            .iter()
            .zip(self.energy_pj)
            .map(|(&c, e)| n.get(c) as f64 * e)
            .sum()
    }
}

impl std::ops::Add for CellCounts {
    type Output = CellCounts;
    fn add(self, o: CellCounts) -> CellCounts {
        CellCounts {
            fa: self.fa + o.fa,
            ha: self.ha + o.ha,
            xor: self.xor + o.xor,
            and: self.and + o.and,
            or: self.or + o.or,
            mux: self.mux + o.mux,
        }
    }
}

impl std::iter::Sum for CellCounts {
    fn sum<I: Iterator<Item = CellCounts>>(it: I) -> CellCounts {
        it.fold(CellCounts::default(), |a, b| a + b)
    }
}

/// Datapath components, named like the generated RTL sub-modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    LaneMultipliers,
    ExponentAdders,
    MaxExponent,
    ExponentSubtractors,
    Aligners,
    AdderTree,
    Normalizer,
    ScaleLogic,
    Accumulator,
}

impl Component {
    pub fn label(self) -> &'static str {
        match self {
            Component::LaneMultipliers => "lane multipliers",
            Component::ExponentAdders => "exponent adders",
            Component::MaxExponent => "max exponent",
            Component::ExponentSubtractors => "exponent subtractors",
            Component::Aligners => "aligners",
            Component::AdderTree => "adder tree",
            Component::Normalizer => "normalizer",
            Component::ScaleLogic => "scale logic",
            Component::Accumulator => "accumulator",
        }
    }
}

// ---------------------------------------------------------------- building blocks

fn clog2(n: u64) -> u64 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros() as u64
    }
}

/// Unsigned m x n carry-save array multiplier: m*n AND, (m-2)*n FA, n HA for 2 <= m <= n
/// (the square case is w^2 AND, w(w-2) FA, w HA); a 1-bit operand needs only the ANDs.
fn array_multiplier(a: u64, b: u64) -> CellCounts {
    let (m, n) = (a.min(b), a.max(b));
    if m <= 1 {
        return CellCounts {
            and: m * n,
            ..Default::default()
        };
    }
    CellCounts {
        and: m * n,
        fa: (m - 2) * n,
        ha: n,
        ..Default::default()
    }
}

/// w-bit ripple-carry adder: an HA at the LSB (no carry in), FAs above it.
fn ripple_adder(w: u64) -> CellCounts {
    if w == 0 {
        return CellCounts::default();
    }
    CellCounts {
        fa: w - 1,
        ha: 1,
        ..Default::default()
    }
}

/// w-bit subtractor a + ~b + 1: w XOR inverters on b plus an adder.
fn subtractor(w: u64) -> CellCounts {
    ripple_adder(w)
        + CellCounts {
            xor: w,
            ..Default::default()
        }
}

/// w-bit magnitude comparator: per bit an XOR (equal) and the AND-OR greater-than chain.
fn comparator(w: u64) -> CellCounts {
    CellCounts {
        xor: w,
        and: w,
        or: w,
        ..Default::default()
    }
}

/// w-bit barrel shifter: ceil(log2 w) stages of w MUX2.
fn barrel_shifter(w: u64) -> CellCounts {
    CellCounts {
        mux: w * clog2(w),
        ..Default::default()
    }
}

/// Leading-zero detection of w bits: an OR tree of w-1 gates.
fn leading_zero_tree(w: u64) -> CellCounts {
    CellCounts {
        or: w.saturating_sub(1),
        ..Default::default()
    }
}

/// Binary tree of k-1 ripple adders; leaves w bits wide, one bit of growth per level.
fn adder_tree(k: u64, w: u64) -> CellCounts {
    let mut total = CellCounts::default();
    let (mut adders, mut width) = (k / 2, w);
    while adders >= 1 {
        total = total + ripple_adder(width).times(adders);
        adders /= 2;
        width += 1;
    }
    total
}

/// One FP32 adder (see the module doc for its parts).
fn fp32_adder() -> CellCounts {
    let swap = CellCounts {
        mux: 48,
        ..Default::default()
    };
    let signed_add = ripple_adder(25)
        + CellCounts {
            xor: 25,
            ..Default::default()
        };
    let round = CellCounts {
        ha: 24,
        ..Default::default()
    };
    subtractor(8)
        + swap
        + barrel_shifter(24)
        + signed_add
        + barrel_shifter(25)
        + leading_zero_tree(25)
        + round
        + ripple_adder(8)
}

/// The dequantizer; `sum_width` is the width of the block-sum significand it scales.
fn scale_logic(scale: ScaleFormat, sum_width: u64) -> CellCounts {
    match scale {
        ScaleFormat::Unscaled => CellCounts::default(),
        ScaleFormat::Ue8m0 => ripple_adder(8).times(2),
        // UE5M3 as E4M3 with a 5-bit exponent add (no sign).
        ScaleFormat::E4m3 | ScaleFormat::Ue5m3 => {
            let exp_add = if scale == ScaleFormat::Ue5m3 { 5 } else { 4 };
            let scale_product = array_multiplier(4, 4) + ripple_adder(exp_add);
            let apply = array_multiplier(8, sum_width) + ripple_adder(8);
            scale_product + apply
        }
    }
}

/// The one count function of the model: calls `f` with each component's cell counts, in
/// datapath order; components a format does not have (INT: exponent logic, aligners,
/// normalizer) are left out. [`cell_counts`] (the breakdown) and [`unit_totals`] (the lean
/// sweep path) both read it.
pub fn visit_components(s: &UnitShape, mut f: impl FnMut(Component, CellCounts)) {
    let k = s.lanes as u64;
    match s.datapath {
        Datapath::Int { bits } => {
            let b = bits as u64;
            f(Component::LaneMultipliers, array_multiplier(b, b).times(k));
            f(Component::AdderTree, adder_tree(k, 2 * b));
            f(
                Component::ScaleLogic,
                scale_logic(s.scale, 2 * b + clog2(k)),
            );
        }
        Datapath::Fp {
            exp_bits,
            man_bits,
            psum_width,
        } => {
            let (x, w, n) = (exp_bits as u64, man_bits as u64 + 1, psum_width as u64);
            f(Component::LaneMultipliers, array_multiplier(w, w).times(k));
            f(Component::ExponentAdders, ripple_adder(x).times(k));
            f(Component::MaxExponent, comparator(x).times(k));
            f(Component::ExponentSubtractors, subtractor(x).times(k));
            f(Component::Aligners, barrel_shifter(n).times(k));
            f(Component::AdderTree, adder_tree(k, n));
            f(
                Component::Normalizer,
                barrel_shifter(n) + leading_zero_tree(n),
            );
            f(Component::ScaleLogic, scale_logic(s.scale, n));
        }
    }
    f(Component::Accumulator, fp32_adder());
}

/// Cell counts per component for one unit, in datapath order.
pub fn cell_counts(p: &UnitParams) -> Vec<(Component, CellCounts)> {
    let mut out = Vec::with_capacity(9);
    visit_components(&p.shape(), |c, n| out.push((c, n)));
    out
}

/// Unit totals without the breakdown: what a design-space sweep needs per point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct UnitTotals {
    pub cells: CellCounts,
    pub area_um2: f64,
    pub area_um2_per_mac: f64,
    pub energy_pj_per_block: f64,
    pub energy_pj_per_mac: f64,
}

/// The totals of [`analytic_cost`] without allocating: the same count function summed, then the
/// same cell table applied (bit-identical to `analytic_cost(..).total`).
pub fn unit_totals(s: &UnitShape, table: &CellTable) -> UnitTotals {
    let mut cells = CellCounts::default();
    visit_components(s, |_, n| cells = cells + n);
    let k = s.lanes as f64;
    let (area, energy) = (table.area_um2(&cells), table.energy_pj(&cells));
    UnitTotals {
        cells,
        area_um2: area,
        area_um2_per_mac: area / k,
        energy_pj_per_block: energy,
        energy_pj_per_mac: energy / k,
    }
}

/// Cost of one component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentCost {
    pub component: Component,
    pub cells: CellCounts,
    pub area_um2: f64,
    pub energy_pj_per_block: f64,
    pub energy_pj_per_mac: f64,
    /// Fraction of the unit's area / energy.
    pub area_share: f64,
    pub energy_share: f64,
}

/// The analytic breakdown of one unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnalyticCost {
    pub model: &'static str,
    pub format: String,
    pub lanes: usize,
    /// `None` for INT formats (exact sums), written `"exact"`.
    #[serde(with = "crate::fields::psum")]
    pub psum_width: Option<u32>,
    pub tech: String,
    pub toggle_rate: f64,
    pub components: Vec<ComponentCost>,
    pub total: UnitTotals,
}

/// Cost one unit with one technology.
pub fn analytic_cost(p: &UnitParams, tech: &Tech) -> AnalyticCost {
    let k = p.lanes as f64;
    let table = CellTable::new(tech);
    let total = unit_totals(&p.shape(), &table);
    let components = cell_counts(p)
        .into_iter()
        .map(|(component, c)| {
            let (a, e) = (table.area_um2(&c), table.energy_pj(&c));
            ComponentCost {
                component,
                cells: c,
                area_um2: a,
                energy_pj_per_block: e,
                energy_pj_per_mac: e / k,
                area_share: a / total.area_um2,
                energy_share: e / total.energy_pj_per_block,
            }
        })
        .collect();
    AnalyticCost {
        model: "analytic",
        format: p.format.name.clone(),
        lanes: p.lanes,
        psum_width: p.psum_width,
        tech: tech.name.clone(),
        toggle_rate: tech.activity.toggle_rate,
        components,
        total,
    }
}

/// A mixed 8-bit + 4-bit unit of the study's Table 5: 32 lane pairs that
/// deliver 32 MX MACs (one 8-bit block) or 64 NV MACs (four 4-bit blocks of 16) per cycle, the
/// 1:2 throughput of NVIDIA Blackwell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MixedUnit {
    /// MXINT8+NVINT4, the study's INT reuse scheme 2: 64 int8 x (u)int4 multipliers; a pair is
    /// one int8 x int8 lane (the high product enters the tree shifted by 4) or two int4 lanes.
    IntScheme2,
    /// MXFP8+NVFP4, the study's FP scheme: per pair one E4M3 lane, which also runs E2M1 (placed
    /// as S_00XX_X00), beside one E2M1 lane with its own n = 10 reduction.
    FpScheme,
}

impl MixedUnit {
    pub fn name(self) -> &'static str {
        match self {
            MixedUnit::IntScheme2 => "mxint8+nvint4",
            MixedUnit::FpScheme => "mxfp8+nvfp4",
        }
    }
}

/// Cell counts of a mixed unit, built from the same blocks as [`cell_counts`]:
/// - both: the UE8M0 scale adds plus four E4M3 dequantizers (four NV blocks finish per cycle),
///   and four FP32 adders: three that sum the four NV block results of a cycle and the
///   accumulator.
/// - INT scheme 2: 64 8 x 4 array multipliers and one 64-leaf tree with 16-bit leaves (a 12-bit
///   int8 x int4 product at offset 0 or 4); its four 16-leaf subtrees are the NV block sums, so
///   the split costs no extra adders. NV block sums are 2*4 + 4 = 12 bits.
/// - FP scheme: the MXFP8 datapath (32 lanes, n = 24) plus 32 E2M1 lanes with the NVFP4 reduction
///   (two blocks of 16, n = 10). In FP4 mode the E4M3 lanes carry two NV blocks, so the n = 24
///   path needs a second normalizer and two dequantizers of width 24.
///
/// Mode-select multiplexers and the max-exponent tree's split are not counted (as the study does
/// not count the max-tree muxes).
pub fn mixed_cell_counts(unit: MixedUnit) -> Vec<(Component, CellCounts)> {
    let normalizer = |n| barrel_shifter(n) + leading_zero_tree(n);
    let ue8m0 = scale_logic(ScaleFormat::Ue8m0, 0);
    let e4m3 = |w| scale_logic(ScaleFormat::E4m3, w);
    let mut out = match unit {
        MixedUnit::IntScheme2 => vec![
            (Component::LaneMultipliers, array_multiplier(8, 4).times(64)),
            (Component::AdderTree, adder_tree(64, 16)),
            (Component::ScaleLogic, ue8m0 + e4m3(12).times(4)),
        ],
        MixedUnit::FpScheme => vec![
            (
                Component::LaneMultipliers,
                array_multiplier(4, 4).times(32) + array_multiplier(2, 2).times(32),
            ),
            (
                Component::ExponentAdders,
                ripple_adder(4).times(32) + ripple_adder(2).times(32),
            ),
            (
                Component::MaxExponent,
                comparator(4).times(32) + comparator(2).times(32),
            ),
            (
                Component::ExponentSubtractors,
                subtractor(4).times(32) + subtractor(2).times(32),
            ),
            (
                Component::Aligners,
                barrel_shifter(24).times(32) + barrel_shifter(10).times(32),
            ),
            (
                Component::AdderTree,
                adder_tree(32, 24) + adder_tree(16, 10).times(2),
            ),
            (
                Component::Normalizer,
                normalizer(24).times(2) + normalizer(10).times(2),
            ),
            (
                Component::ScaleLogic,
                ue8m0 + e4m3(24).times(2) + e4m3(10).times(2),
            ),
        ],
    };
    out.push((Component::Accumulator, fp32_adder().times(4)));
    out
}

/// A mixed column of Table 5: `unit` against `baseline`, both at the same throughput.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MixedRow {
    pub unit: String,
    pub baseline: String,
    pub area_ratio: f64,
    /// Every cell toggling at tau in both units (the study's formula applied to the whole unit;
    /// it does not say how it treated the idle half of a mixed unit).
    pub energy_ratio: f64,
    pub study_area_ratio: f64,
    pub study_energy_ratio: f64,
}

/// MXINT8+NVINT4 relative to MXFP8+NVFP4 (the study: 0.66x area, 0.75x energy).
pub fn table5_mixed(tech: &Tech) -> MixedRow {
    let total = |u| -> CellCounts { mixed_cell_counts(u).into_iter().map(|(_, c)| c).sum() };
    let (int, fp) = (total(MixedUnit::IntScheme2), total(MixedUnit::FpScheme));
    MixedRow {
        unit: MixedUnit::IntScheme2.name().into(),
        baseline: MixedUnit::FpScheme.name().into(),
        area_ratio: int.area_um2(tech) / fp.area_um2(tech),
        energy_ratio: int.energy_pj(tech) / fp.energy_pj(tech),
        study_area_ratio: 0.66,
        study_energy_ratio: 0.75,
    }
}

/// One single-format column of the study's Table 5 beside this model's value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table5Row {
    pub format: String,
    pub baseline: String,
    /// Per-MAC area and energy of `format` over those of `baseline`.
    pub area_ratio: f64,
    pub energy_ratio: f64,
    pub study_area_ratio: f64,
    pub study_energy_ratio: f64,
}

/// The study's single-format Table 5 figures: (format, area, energy), normalized to MXFP8.
pub const STUDY_TABLE5: [(&str, f64, f64); 3] = [
    ("mxint8", 0.79, 0.63),
    ("nvfp4", 0.54, 0.55),
    ("nvint4", 0.38, 0.34),
];

/// The study's Table 5 (area, energy) of a single format, normalized to MXFP8 per MAC at
/// equal throughput, if it reports one.
pub fn study_table5(name: &str) -> Option<(f64, f64)> {
    if name == "mxfp8" {
        return Some((1.0, 1.0));
    }
    STUDY_TABLE5
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, a, e)| (a, e))
}

/// Reproduce the single-format columns of Table 5 at default parameters, per MAC.
pub fn table5(tech: &Tech) -> Vec<Table5Row> {
    let cost = |name: &str| {
        // Built-in names and default parameters: lookup and validation cannot fail.
        let f = crate::format::lookup_in(name, &[]).expect("built-in format");
        analytic_cost(
            &UnitParams::new(f, None, PsumWidth::Default).expect("default parameters are valid"),
            tech,
        )
    };
    let base = cost("mxfp8");
    STUDY_TABLE5
        .iter()
        .map(|&(name, study_area, study_energy)| {
            let c = cost(name);
            Table5Row {
                format: name.to_string(),
                baseline: base.format.clone(),
                area_ratio: c.total.area_um2_per_mac / base.total.area_um2_per_mac,
                energy_ratio: c.total.energy_pj_per_mac / base.total.energy_pj_per_mac,
                study_area_ratio: study_area,
                study_energy_ratio: study_energy,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::lookup_in;

    fn params(name: &str) -> UnitParams {
        UnitParams::new(lookup_in(name, &[]).unwrap(), None, PsumWidth::Default).unwrap()
    }

    fn component(p: &UnitParams, c: Component) -> CellCounts {
        cell_counts(p)
            .into_iter()
            .find(|(x, _)| *x == c)
            .map(|(_, n)| n)
            .unwrap_or_default()
    }

    #[test]
    fn array_multiplier_counts_match_hand_derivations() {
        // 2x2: p0 = a0b0, p1 = HA(a1b0, a0b1), p2/p3 = HA(a1b1, carry): 4 AND, 2 HA.
        assert_eq!(
            array_multiplier(2, 2),
            CellCounts {
                and: 4,
                ha: 2,
                ..Default::default()
            }
        );
        // 8x8: 64 AND, 48 FA, 8 HA = 56 adders = n(n-1).
        assert_eq!(
            array_multiplier(8, 8),
            CellCounts {
                and: 64,
                fa: 48,
                ha: 8,
                ..Default::default()
            }
        );
        assert_eq!(
            array_multiplier(1, 5),
            CellCounts {
                and: 5,
                ..Default::default()
            }
        );
    }

    #[test]
    fn table6_terms_are_the_leading_counts() {
        // MXFP8: k = 32, x = 4, y = 3, n = 24.
        let p = params("mxfp8");
        assert_eq!(component(&p, Component::LaneMultipliers).and, 32 * 16); // k (y+1)^2
        assert_eq!(component(&p, Component::ExponentAdders).total(), 32 * 4); // k x
        assert_eq!(component(&p, Component::MaxExponent).xor, 32 * 4); // k x per cell type
        assert_eq!(component(&p, Component::ExponentSubtractors).xor, 32 * 4);
        assert_eq!(component(&p, Component::Aligners).mux, 32 * 24 * 5); // k n ceil(log2 n)
                                                                         // k n = 768 plus the growth bits: 16*24 + 8*25 + 4*26 + 2*27 + 28 = 770.
        assert_eq!(component(&p, Component::AdderTree).total(), 770);
        assert_eq!(component(&p, Component::Normalizer).mux, 24 * 5);
        // MXINT8: k (x+y+1)^2 = 32 * 64 ANDs; 2k(x+y+1) = 512 -> 522 with growth.
        let q = params("mxint8");
        assert_eq!(component(&q, Component::LaneMultipliers).and, 32 * 64);
        assert_eq!(component(&q, Component::AdderTree).total(), 522);
        assert_eq!(component(&q, Component::Aligners), CellCounts::default());
        // NVFP4: n = 10 -> 4 shifter stages.
        assert_eq!(
            component(&params("nvfp4"), Component::Aligners).mux,
            16 * 10 * 4
        );
    }

    #[test]
    fn scale_logic_follows_the_scale_format() {
        // UE8M0: two 8-bit adds = 14 FA + 2 HA.
        assert_eq!(
            component(&params("mxint4"), Component::ScaleLogic),
            CellCounts {
                fa: 14,
                ha: 2,
                ..Default::default()
            }
        );
        // E4M3: 4x4 multiply + 4-bit add, then 8 x 10 multiply + 8-bit add for NVFP4 (n = 10).
        let nv = component(&params("nvfp4"), Component::ScaleLogic);
        assert_eq!(nv.and, 16 + 80);
        assert_eq!(nv.fa, 8 + 3 + 60 + 7);
    }

    #[test]
    fn accumulator_is_the_same_for_every_format() {
        let a = component(&params("mxfp8"), Component::Accumulator);
        assert_eq!(a, component(&params("nvint4"), Component::Accumulator));
        assert_eq!(
            a,
            CellCounts {
                fa: 38,
                ha: 27,
                xor: 33,
                and: 0,
                or: 24,
                mux: 293
            }
        );
    }

    #[test]
    fn shares_sum_to_one_and_per_mac_divides_by_lanes() {
        let tech = Tech::builtin("sky130hd").unwrap();
        for f in crate::format::builtins() {
            let c = analytic_cost(
                &UnitParams::new(f.clone(), None, PsumWidth::Default).unwrap(),
                &tech,
            );
            let a: f64 = c.components.iter().map(|x| x.area_share).sum();
            let e: f64 = c.components.iter().map(|x| x.energy_share).sum();
            assert!(
                (a - 1.0).abs() < 1e-12 && (e - 1.0).abs() < 1e-12,
                "{}",
                f.name
            );
            assert_eq!(
                c.total.energy_pj_per_mac,
                c.total.energy_pj_per_block / f.block as f64
            );
        }
    }

    #[test]
    fn lean_totals_equal_the_breakdown_totals_bit_for_bit() {
        // One count function feeds both paths; this pins that they cannot drift apart.
        for tech in builtin_techs() {
            let table = CellTable::new(&tech);
            for f in crate::format::builtins() {
                for lanes in [1, 2, 4, 8, 16, 32, 64] {
                    for psum in [PsumWidth::Default, PsumWidth::Exact, PsumWidth::Bits(30)] {
                        let p = UnitParams::new(f.clone(), Some(lanes), psum).unwrap();
                        let full = analytic_cost(&p, &tech);
                        let lean =
                            unit_totals(&UnitShape::new(&f, Some(lanes), psum).unwrap(), &table);
                        assert_eq!(lean, full.total, "{} k{lanes} {psum:?}", f.name);
                        let sum: CellCounts = full.components.iter().map(|c| c.cells).sum();
                        assert_eq!(sum, lean.cells);
                    }
                }
            }
        }
    }

    fn builtin_techs() -> Vec<Tech> {
        crate::cost::tech::builtin_names()
            .into_iter()
            .map(|n| Tech::builtin(n).unwrap())
            .collect()
    }

    #[test]
    fn energy_is_count_times_energy_times_toggle_rate() {
        let tech = Tech::builtin("sky130hd").unwrap();
        let c = analytic_cost(&params("mxint4"), &tech);
        let scale = c
            .components
            .iter()
            .find(|x| x.component == Component::ScaleLogic)
            .unwrap();
        let want = (14.0 * tech.cells.fa.energy_fj + 2.0 * tech.cells.ha.energy_fj)
            * tech.activity.toggle_rate
            / 1000.0;
        assert!((scale.energy_pj_per_block - want).abs() < 1e-12);
        let area = 14.0 * tech.cells.fa.area_um2 + 2.0 * tech.cells.ha.area_um2;
        assert!((scale.area_um2 - area).abs() < 1e-9);
    }

    #[test]
    fn wider_psum_and_more_lanes_cost_more() {
        let tech = Tech::builtin("sky130hd").unwrap();
        let f = lookup_in("mxfp8", &[]).unwrap();
        let narrow = analytic_cost(
            &UnitParams::new(f.clone(), None, PsumWidth::Default).unwrap(),
            &tech,
        );
        let exact = analytic_cost(
            &UnitParams::new(f.clone(), None, PsumWidth::Exact).unwrap(),
            &tech,
        );
        assert_eq!(exact.psum_width, Some(38));
        assert!(exact.total.area_um2 > narrow.total.area_um2);
        let k64 = analytic_cost(
            &UnitParams::new(f, Some(64), PsumWidth::Default).unwrap(),
            &tech,
        );
        assert!(k64.total.area_um2 > narrow.total.area_um2);
        // The shared accumulator amortizes over more lanes.
        assert!(k64.total.area_um2_per_mac < narrow.total.area_um2_per_mac);
    }

    #[test]
    fn bad_parameters_are_rejected_with_the_value() {
        let f = lookup_in("mxfp8", &[]).unwrap();
        assert!(UnitParams::new(f.clone(), Some(0), PsumWidth::Default)
            .unwrap_err()
            .to_string()
            .contains('0'));
        assert!(UnitParams::new(f.clone(), Some(24), PsumWidth::Default)
            .unwrap_err()
            .to_string()
            .contains("24"));
        let e = UnitParams::new(f, None, PsumWidth::Bits(7))
            .unwrap_err()
            .to_string();
        assert!(e.contains('7') && e.contains('8'), "{e}");
        assert!("12x"
            .parse::<PsumWidth>()
            .unwrap_err()
            .to_string()
            .contains("12x"));
        assert_eq!("exact".parse::<PsumWidth>().unwrap(), PsumWidth::Exact);
        // INT ignores the psum width: its sums are exact.
        let i =
            UnitParams::new(lookup_in("mxint8", &[]).unwrap(), None, PsumWidth::Bits(3)).unwrap();
        assert_eq!(i.psum_width, None);
    }

    /// The reproduction the module doc and the report state; a change to any split or cell
    /// factor that moves these numbers must update both.
    #[test]
    fn table5_reproduction_is_what_the_docs_state() {
        let pinned = [
            (
                "sky130hd",
                [
                    ("mxint8", 0.7442, 0.8259),
                    ("nvfp4", 0.4990, 0.5120),
                    ("nvint4", 0.3603, 0.3952),
                ],
            ),
            (
                "asap7",
                [
                    ("mxint8", 0.7237, 0.8215),
                    ("nvfp4", 0.5012, 0.5131),
                    ("nvint4", 0.3551, 0.3942),
                ],
            ),
        ];
        for (tech, rows) in pinned {
            let got = table5(&Tech::builtin(tech).unwrap());
            assert_eq!(got.len(), rows.len());
            for (g, (name, area, energy)) in got.iter().zip(rows) {
                assert_eq!(g.format, name);
                assert_eq!(g.baseline, "mxfp8");
                assert!(
                    (g.area_ratio - area).abs() < 5e-4,
                    "{tech} {name} area {}",
                    g.area_ratio
                );
                assert!(
                    (g.energy_ratio - energy).abs() < 5e-4,
                    "{tech} {name} energy {}",
                    g.energy_ratio
                );
            }
        }
        let study: Vec<_> = table5(&Tech::builtin("sky130hd").unwrap())
            .iter()
            .map(|r| (r.study_area_ratio, r.study_energy_ratio))
            .collect();
        assert_eq!(study, vec![(0.79, 0.63), (0.54, 0.55), (0.38, 0.34)]);
    }

    /// The finding the module doc reports: the study's energy column is what this model gives
    /// when a MUX toggle costs as much as a full-adder toggle.
    #[test]
    fn study_energy_ratios_follow_from_a_mux_as_costly_as_a_full_adder() {
        let mut tech = Tech::builtin("sky130hd").unwrap();
        tech.cells.mux.energy_fj = tech.cells.fa.energy_fj;
        let got: Vec<f64> = table5(&tech).iter().map(|r| r.energy_ratio).collect();
        for (g, want) in got.iter().zip([0.5922, 0.4952, 0.3157]) {
            assert!((g - want).abs() < 5e-4, "{got:?}");
        }
    }

    #[test]
    fn mixed_units_reuse_the_blocks_and_reproduce_what_the_docs_state() {
        let int = mixed_cell_counts(MixedUnit::IntScheme2);
        // 64 int8 x int4 multipliers: 32 AND each.
        assert_eq!(
            int[0],
            (
                Component::LaneMultipliers,
                CellCounts {
                    and: 64 * 32,
                    fa: 64 * 16,
                    ha: 64 * 8,
                    ..Default::default()
                }
            )
        );
        let fp = mixed_cell_counts(MixedUnit::FpScheme);
        let single_fp8 = cell_counts(&params("mxfp8"));
        let aligners = |v: &[(Component, CellCounts)]| {
            v.iter().find(|(c, _)| *c == Component::Aligners).unwrap().1
        };
        // The FP scheme holds the whole MXFP8 aligner plus 32 n = 10 aligners.
        assert_eq!(aligners(&fp).mux, aligners(&single_fp8).mux + 32 * 40);
        for (tech, area, energy) in [("sky130hd", 0.6449, 0.7019), ("asap7", 0.6302, 0.6976)] {
            let r = table5_mixed(&Tech::builtin(tech).unwrap());
            assert!(
                (r.area_ratio - area).abs() < 5e-4,
                "{tech} {}",
                r.area_ratio
            );
            assert!(
                (r.energy_ratio - energy).abs() < 5e-4,
                "{tech} {}",
                r.energy_ratio
            );
        }
    }
}
