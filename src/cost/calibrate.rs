//! The calibrated cost model: the analytic model's cell counts with one area factor and one
//! energy factor per component, plus the parts that model does not count (registers, glue, the
//! INT units' normalizer), all fitted by least squares to the shipped synthesized results
//! (`reports/synth-results.json`) and stored with the fit in `reports/calibration.json`.
//!
//! # The model
//! For a unit u with the analytic component costs A_c(u) (area) and E_c(u) (energy per block):
//! - every analytic component c but the normalizer: area = a_c,d * A_c(u), energy =
//!   e_c,d * E_c(u), one pair of factors per component and datapath d (INT with array
//!   multipliers, INT with radix-4 Booth, FP). Per
//!   component, not per cell type: the synthesized netlist departs from the textbook structure
//!   differently in each component (a barrel shifter whose input is narrower than its window
//!   shrinks to a third of its n log2 n muxes; Yosys' adders and multipliers are not ripple
//!   arrays), so one factor per cell type shared by the aligners and the adder tree cannot fit
//!   both. Per datapath: an INT lane is a signed multiplier (larger than the unsigned array the
//!   analytic model counts), an FP lane an unsigned significand multiplier, and the two feed
//!   trees with different activity.
//! - normalizer: w0 + w1 * w, w being its input width (the block sum, 2b + log2 k bits for INT
//!   and n + 1 + log2 k for FP, plus the 8-bit E4M3 x E4M3 significand for NV). The generated
//!   RTL normalizes the whole block sum, INT units included, where the analytic model counts an
//!   n log2 n shifter of the aligner width for FP and nothing for INT.
//! - registers: a per-flip-flop area and energy times the flip-flops of the RTL
//!   ([`flip_flops`]: the accumulator and its valid bit, plus the pipeline stages).
//! - glue (element decode, product sign conversion, NaN/Inf flags, block-sum rounding and the
//!   special-value select): g0 + g1 * k_fp * (n + W), a fixed part (rounding and select) plus a
//!   per-FP-lane part that grows with the lane's decode (W bits) and its two's-complement
//!   conversion (n bits); INT lanes have neither.
//!
//! Every coefficient is fitted on its own part across the fitted units. A factor is the ratio
//! estimator f = sum(s) / sum(x) over the units with the component (x the analytic value, s the
//! synthesized one): the weighted least-squares fit of s = f x with variance proportional to x,
//! which matches the components' totals over the units. A line (normalizer, glue) minimizes the
//! squared relative errors, sum(((c0 + c1 x) / s - 1)^2), so a small unit weighs as much as a
//! large one. The fit's residuals (calibrated / synthesized - 1 per unit, area and energy) are
//! stored with it and shown in `reports/model-vs-synth.md`.
//!
//! The factors come from the built-in formats at their default parameters (k = 32 for MX, 16 for
//! NV, no pipeline); other lane counts and psum widths scale through the analytic counts, the
//! widths and the flip-flop count, which is an extrapolation.
//!
//! # Validation
//! Besides the in-sample residuals, [`Calibration::fit`] holds each format out in turn: the
//! model is refitted to the other formats' units and asked to predict the held-out one. Those
//! prediction errors (`held_out` in the file, a table in `reports/model-vs-synth.md`) are what
//! a user pricing a format the fit has not seen should expect.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::analytic::{self, Component, UnitParams};
use super::source::{
    ComponentCost, CostSource, CostTable, Model, Provenance, SourceError, UnitCost, GENERATOR,
};
use super::tech::Tech;
use crate::format::ElemFormat;
use crate::synth::unit_synth::{Part, ANALYTIC_ORDER};

/// The calibration file's name in the results directory.
pub const FILE: &str = "calibration.json";
/// Version of the calibration file layout.
pub const SCHEMA_VERSION: i64 = 2;
/// One line for `--help` and reports (STYLE pattern 10).
pub const DESCRIPTION: &str = "analytic cell counts with per-component area and energy factors (per datapath: INT array, INT Booth, FP), \
     a width-linear normalizer, registers and glue, least-squares fitted to the synthesized results";

#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error("calibration file {}: {why}", path.display())]
    File { path: PathBuf, why: String },
    #[error("calibration file {} has schema_version {got}, this hwcost reads {SCHEMA_VERSION} (regenerate it with `hwcost calibrate`)", path.display())]
    Schema { path: PathBuf, got: i64 },
    #[error("the calibration is fitted for technology '{fitted}', not '{asked}'")]
    Tech { fitted: String, asked: String },
    #[error("cannot fit {what}: {why}")]
    Fit { what: String, why: String },
    #[error("the calibrated model cannot price {unit}: {why}")]
    Architecture { unit: String, why: String },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Param(#[from] analytic::ParamError),
}

/// The datapath kind a factor applies to: FP, or INT by its lanes' multiplier (the default
/// INT4 unit multiplies with AND arrays, INT6/INT8 with radix-4 Booth; the two differ in
/// partial products per lane and in activity, so one coefficient cannot serve both).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Datapath {
    IntArray,
    IntBooth4,
    Fp,
}

impl Datapath {
    /// The datapath of `unit` in its format's default architecture (the only one the model
    /// prices).
    pub fn of(unit: &UnitParams) -> Datapath {
        if !unit.format.elem.is_int() {
            return Datapath::Fp;
        }
        match crate::rtl::default_architecture(&unit.format).0 {
            crate::rtl::Multiplier::Array => Datapath::IntArray,
            crate::rtl::Multiplier::Booth4 => Datapath::IntBooth4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Datapath::IntArray => "INT (array)",
            Datapath::IntBooth4 => "INT (booth4)",
            Datapath::Fp => "FP",
        }
    }

    const ALL: [Datapath; 3] = [Datapath::IntArray, Datapath::IntBooth4, Datapath::Fp];
}

/// Area and energy factors of one analytic component in one datapath.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentFactor {
    /// the component's key (`lane_multipliers`, ...)
    pub key: String,
    pub datapath: Datapath,
    pub area: f64,
    pub energy: f64,
    /// fitted units that have the component
    pub units: usize,
}

/// Area (um^2) and energy (pJ per block) per unit of something.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constant {
    pub area_um2: f64,
    pub energy_pj_per_block: f64,
}

/// Two coefficients [fixed, per unit of the feature] for area and for energy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linear {
    /// what the second coefficient multiplies
    pub feature: String,
    pub area_um2: [f64; 2],
    pub energy_pj_per_block: [f64; 2],
}

/// One fitted unit: synthesized and calibrated totals and the relative residuals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitRow {
    pub format: String,
    pub lanes: usize,
    #[serde(with = "crate::fields::psum", default)]
    pub psum_width: Option<u32>,
    pub synth_area_um2: f64,
    pub calibrated_area_um2: f64,
    /// calibrated / synthesized - 1
    pub area_residual: f64,
    pub synth_energy_pj_per_block: f64,
    pub calibrated_energy_pj_per_block: f64,
    pub energy_residual: f64,
}

/// The fitted model and its fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    pub schema_version: i64,
    pub generator: String,
    pub description: String,
    /// technology name the factors apply to (the analytic model's cell factors of it)
    pub tech: String,
    /// the synthesized results the factors were fitted to
    pub fitted_to: Provenance,
    pub components: Vec<ComponentFactor>,
    pub normalizer: Linear,
    /// per flip-flop of [`flip_flops`]
    pub registers_per_flip_flop: Constant,
    pub glue: Linear,
    pub fit: Vec<FitRow>,
    /// Leave-one-format-out validation: each format predicted by the model fitted to all the
    /// other formats' units (its residuals are prediction errors, not fit errors).
    pub held_out: Vec<FitRow>,
    /// Formats that could not be held out, with the reason (their datapath has no other unit).
    pub held_out_skipped: Vec<String>,
}

/// Flip-flops of the synthesized RTL for `unit` with `pipeline` extra stages: the accumulator
/// (32) and its valid bit; stage 1 adds the front-end registers (block sum, both 8-bit scales,
/// valid and clear, and for FP units the 12-bit block exponent and 2 special flags, which are
/// constants in an INT unit and removed by synthesis); each further stage a binary32 result
/// with its valid and clear bits (src/rtl/unit.rs).
pub fn flip_flops(unit: &UnitParams, pipeline: usize) -> usize {
    let log2k = unit.lanes.trailing_zeros() as usize;
    let sum_width = match unit.format.elem {
        ElemFormat::Int { bits } => 2 * bits as usize + log2k,
        ElemFormat::Fp { .. } => {
            unit.psum_width
                .unwrap_or_else(|| unit.format.default_psum_width()) as usize
                + 1
                + log2k
        }
    };
    let mut n = 32 + 1;
    if pipeline >= 1 {
        n += sum_width + 8 + 8 + 1 + 1;
        if !unit.format.elem.is_int() {
            n += crate::rtl::front::LSB_EXP_BITS + 2;
        }
    }
    // The compressor-tree front ends' own cuts (rtl/NOTES.md): each FP cut registers the
    // largest exponent, the special value, the scale codes and valid/clear; the lane cut also
    // every lane's significand product, exponent and sign, the carry-save cut the tree's two
    // rows (INT: the rows, the scale codes and valid/clear).
    let cuts = unit.architecture().map_or(0, |(_, reduction)| {
        let n = unit
            .psum_width
            .unwrap_or_else(|| unit.format.default_psum_width());
        let wired = crate::rtl::wired_psum_width(&unit.format, n).unwrap_or(n);
        crate::rtl::front_cuts(&unit.format, wired, reduction, pipeline)
    });
    if let ElemFormat::Fp {
        exp_bits, man_bits, ..
    } = unit.format.elem
    {
        let x1 = exp_bits as usize + 1;
        let stage = x1 + 2 + 8 + 8 + 1 + 1;
        if cuts >= 1 {
            n += unit.lanes * (2 * (man_bits as usize + 1) + x1 + 1) + stage;
        }
        if cuts >= 2 {
            n += 2 * sum_width + stage;
        }
    }
    if unit.format.elem.is_int() && cuts >= 1 {
        // The INT carry-save cut: the tree's two rows, the scale codes and valid/clear.
        n += 2 * sum_width + 8 + 8 + 1 + 1;
    }
    n += pipeline.saturating_sub(1 + cuts) * (32 + 1 + 1);
    n
}

/// The glue's lane feature: k * (n + W) for FP units, 0 for INT.
fn glue_feature(unit: &UnitParams) -> f64 {
    match unit.format.elem {
        ElemFormat::Int { .. } => 0.0,
        ElemFormat::Fp { .. } => {
            let n = unit
                .psum_width
                .unwrap_or_else(|| unit.format.default_psum_width());
            (unit.lanes * (n + unit.format.elem.bits()) as usize) as f64
        }
    }
}

/// The normalizer's input width: the block sum (INT 2b + log2 k, FP n + 1 + log2 k), plus the
/// 8-bit significand of the E4M3 x E4M3 scale product it is multiplied by in an NV unit.
fn normalizer_width(unit: &UnitParams) -> f64 {
    let log2k = unit.lanes.trailing_zeros();
    let sum = match unit.format.elem {
        ElemFormat::Int { bits } => 2 * bits + log2k,
        ElemFormat::Fp { .. } => {
            unit.psum_width
                .unwrap_or_else(|| unit.format.default_psum_width())
                + 1
                + log2k
        }
    };
    let scale = match unit.format.scale {
        crate::format::ScaleFormat::Ue8m0 | crate::format::ScaleFormat::Unscaled => 0,
        crate::format::ScaleFormat::E4m3 | crate::format::ScaleFormat::Ue5m3 => 8,
    };
    (sum + scale) as f64
}

const NORMALIZER_FEATURE: &str =
    "input width w: block sum (INT 2b + log2 k, FP n + 1 + log2 k) + 8 for E4M3 scales";

const GLUE_FEATURE: &str = "k * (n + W) for FP units (psum width n, element bits W), 0 for INT";

fn key(c: Component) -> String {
    Part::Analytic(c).key()
}

/// The ratio estimator f = sum(s) / sum(x) over pairs (x, s): the weighted least-squares fit
/// of s = f x with weights 1 / x.
fn fit_factor(pairs: &[(f64, f64)], what: &str) -> Result<f64, CalibrationError> {
    let (sx, ss) = pairs
        .iter()
        .fold((0.0, 0.0), |(sx, ss), (x, s)| (sx + x, ss + s));
    // NaN sums are refused too
    if sx.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(CalibrationError::Fit {
            what: what.to_string(),
            why: "no fitted unit has a modelled value".into(),
        });
    }
    Ok(ss / sx)
}

/// Least-squares [c0, c1] minimizing sum(((c0 + c1 x)/s - 1)^2) over (x, s) with s > 0.
fn fit_linear(pairs: &[(f64, f64)], what: &str) -> Result<[f64; 2], CalibrationError> {
    // normal equations of rows (1/s, x/s) against 1
    let (mut a00, mut a01, mut a11, mut b0, mut b1) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(x, s) in pairs.iter().filter(|(_, s)| *s > 0.0) {
        let (u, v) = (1.0 / s, x / s);
        a00 += u * u;
        a01 += u * v;
        a11 += v * v;
        b0 += u;
        b1 += v;
    }
    let det = a00 * a11 - a01 * a01;
    let scale = 1e-12 * (a00 * a11).abs().max(f64::MIN_POSITIVE);
    if det.abs().partial_cmp(&scale) != Some(std::cmp::Ordering::Greater) {
        return Err(CalibrationError::Fit {
            what: what.to_string(),
            why: "the fitted units do not vary in the feature (singular normal equations)".into(),
        });
    }
    Ok([(b0 * a11 - b1 * a01) / det, (a00 * b1 - a01 * b0) / det])
}

/// The synthesized value of `key` in `c` (0 when the unit has no such part).
fn part_of(c: &UnitCost, key: &str) -> (f64, f64) {
    c.components
        .iter()
        .find(|x| x.key == key)
        .map_or((0.0, 0.0), |x| (x.area_um2, x.energy_pj_per_block))
}

/// The glue of a synthesized unit: its `glue` part, or the sum of the named parts it was split
/// into (`unit_synth::Extra`).
fn glue_of(c: &UnitCost) -> (f64, f64) {
    c.components
        .iter()
        .filter(|x| Part::from_key(&x.key).is_some_and(Part::is_glue))
        .fold((0.0, 0.0), |(a, e), x| {
            (a + x.area_um2, e + x.energy_pj_per_block)
        })
}

impl Calibration {
    /// Fits the model to every unit of `table` (synthesized results, no pipeline stages) with
    /// the analytic model of `tech`, and validates it by leaving each format out in turn.
    pub fn fit(table: &CostTable, tech: &Tech) -> Result<Calibration, CalibrationError> {
        let mut cal = Self::fit_in_sample(table, tech)?;
        for row in &cal.fit {
            let rest = CostTable {
                provenance: table.provenance.clone(),
                units: table
                    .units
                    .iter()
                    .filter(|u| u.format != row.format)
                    .cloned()
                    .collect(),
            };
            let unit = UnitParams::new(
                crate::format::lookup(&row.format).map_err(|e| CalibrationError::Fit {
                    what: row.format.clone(),
                    why: e.to_string(),
                })?,
                Some(row.lanes),
                row.psum_width
                    .map_or(analytic::PsumWidth::Default, analytic::PsumWidth::Bits),
            )?;
            let predicted =
                Self::fit_in_sample(&rest, tech).and_then(|m| m.unit_cost(&unit, 0, tech));
            match predicted {
                Ok(m) => cal.held_out.push(FitRow {
                    calibrated_area_um2: m.area_um2,
                    area_residual: m.area_um2 / row.synth_area_um2 - 1.0,
                    calibrated_energy_pj_per_block: m.energy_pj_per_block,
                    energy_residual: m.energy_pj_per_block / row.synth_energy_pj_per_block - 1.0,
                    ..row.clone()
                }),
                Err(e) => cal.held_out_skipped.push(format!("{}: {e}", row.format)),
            }
        }
        Ok(cal)
    }

    fn fit_in_sample(table: &CostTable, tech: &Tech) -> Result<Calibration, CalibrationError> {
        if table.provenance.tech != tech.name {
            return Err(CalibrationError::Tech {
                fitted: table.provenance.tech.clone(),
                asked: tech.name.clone(),
            });
        }
        let mut units = Vec::new();
        for c in &table.units {
            let f = crate::format::lookup(&c.format).map_err(|e| CalibrationError::Fit {
                what: c.format.clone(),
                why: e.to_string(),
            })?;
            // the model prices each format's default architecture
            if c.table_architecture() != Some(crate::rtl::default_architecture(&f)) {
                continue;
            }
            let psum = match c.psum_width {
                None => analytic::PsumWidth::Default,
                Some(n) => analytic::PsumWidth::Bits(n),
            };
            let u = UnitParams::new(f, Some(c.lanes), psum)?;
            let a = analytic::analytic_cost(&u, tech);
            units.push((u, a, c));
        }
        let analytic_of = |a: &analytic::AnalyticCost, comp: Component| {
            a.components
                .iter()
                .find(|x| x.component == comp)
                .map(|x| (x.area_um2, x.energy_pj_per_block))
        };
        let mut components = Vec::new();
        for comp in ANALYTIC_ORDER
            .into_iter()
            .filter(|&c| c != Component::Normalizer)
        {
            let k = key(comp);
            for d in Datapath::ALL {
                let mut area = Vec::new();
                let mut energy = Vec::new();
                for (_, a, c) in units.iter().filter(|(u, _, _)| Datapath::of(u) == d) {
                    if let Some((aa, ae)) = analytic_of(a, comp) {
                        let (sa, se) = part_of(c, &k);
                        area.push((aa, sa));
                        energy.push((ae, se));
                    }
                }
                if area.is_empty() {
                    continue;
                }
                let what = format!("{k} ({})", d.name());
                components.push(ComponentFactor {
                    area: fit_factor(&area, &format!("{what} area"))?,
                    energy: fit_factor(&energy, &format!("{what} energy"))?,
                    units: area.len(),
                    datapath: d,
                    key: k.clone(),
                });
            }
        }
        let pick = |v: &[(f64, f64, f64)], energy: bool| -> Vec<(f64, f64)> {
            v.iter()
                .map(|&(x, a, e)| (x, if energy { e } else { a }))
                .collect()
        };
        let norm: Vec<(f64, f64, f64)> = units
            .iter()
            .map(|(u, _, c)| {
                let (a, e) = part_of(c, &key(Component::Normalizer));
                (normalizer_width(u), a, e)
            })
            .collect();
        let normalizer = Linear {
            feature: NORMALIZER_FEATURE.to_string(),
            area_um2: fit_linear(&pick(&norm, false), "normalizer area")?,
            energy_pj_per_block: fit_linear(&pick(&norm, true), "normalizer energy")?,
        };
        let regs: Vec<(f64, f64, f64)> = units
            .iter()
            .map(|(u, _, c)| {
                let (a, e) = part_of(c, &Part::Registers.key());
                (flip_flops(u, 0) as f64, a, e)
            })
            .collect();
        let registers_per_flip_flop = Constant {
            area_um2: fit_factor(&pick(&regs, false), "register area")?,
            energy_pj_per_block: fit_factor(&pick(&regs, true), "register energy")?,
        };
        let glue: Vec<(f64, f64, f64)> = units
            .iter()
            .map(|(u, _, c)| {
                let (a, e) = glue_of(c);
                (glue_feature(u), a, e)
            })
            .collect();
        let glue = Linear {
            feature: GLUE_FEATURE.to_string(),
            area_um2: fit_linear(&pick(&glue, false), "glue area")?,
            energy_pj_per_block: fit_linear(&pick(&glue, true), "glue energy")?,
        };
        let mut cal = Calibration {
            schema_version: SCHEMA_VERSION,
            generator: GENERATOR.to_string(),
            description: DESCRIPTION.to_string(),
            tech: tech.name.clone(),
            fitted_to: table.provenance.clone(),
            components,
            normalizer,
            registers_per_flip_flop,
            glue,
            fit: Vec::new(),
            held_out: Vec::new(),
            held_out_skipped: Vec::new(),
        };
        let mut fit = Vec::new();
        for (u, _, c) in &units {
            let m = cal.unit_cost(u, 0, tech)?;
            fit.push(FitRow {
                format: c.format.clone(),
                lanes: c.lanes,
                psum_width: c.psum_width,
                synth_area_um2: c.area_um2,
                calibrated_area_um2: m.area_um2,
                area_residual: m.area_um2 / c.area_um2 - 1.0,
                synth_energy_pj_per_block: c.energy_pj_per_block,
                calibrated_energy_pj_per_block: m.energy_pj_per_block,
                energy_residual: m.energy_pj_per_block / c.energy_pj_per_block - 1.0,
            });
        }
        cal.fit = fit;
        Ok(cal)
    }

    /// The calibrated cost of `unit` with `pipeline` extra register stages.
    pub fn unit_cost(
        &self,
        unit: &UnitParams,
        pipeline: usize,
        tech: &Tech,
    ) -> Result<UnitCost, CalibrationError> {
        if tech.name != self.tech {
            return Err(CalibrationError::Tech {
                fitted: self.tech.clone(),
                asked: tech.name.clone(),
            });
        }
        self.check_architecture(unit)?;
        let a = analytic::analytic_cost(unit, tech);
        let d = Datapath::of(unit);
        let mut parts: Vec<(Part, f64, f64)> = Vec::new();
        for x in a
            .components
            .iter()
            .filter(|x| x.component != Component::Normalizer)
        {
            let k = key(x.component);
            let f = self
                .components
                .iter()
                .find(|f| f.key == k && f.datapath == d)
                .ok_or_else(|| CalibrationError::Fit {
                    what: format!("{k} ({})", d.name()),
                    why: "no factor in the calibration (no fitted unit had this component)".into(),
                })?;
            parts.push((
                Part::Analytic(x.component),
                f.area * x.area_um2,
                f.energy * x.energy_pj_per_block,
            ));
        }
        let w = normalizer_width(unit);
        let n = &self.normalizer;
        parts.push((
            Part::Analytic(Component::Normalizer),
            n.area_um2[0] + n.area_um2[1] * w,
            n.energy_pj_per_block[0] + n.energy_pj_per_block[1] * w,
        ));
        let ff = flip_flops(unit, pipeline) as f64;
        parts.push((
            Part::Registers,
            ff * self.registers_per_flip_flop.area_um2,
            ff * self.registers_per_flip_flop.energy_pj_per_block,
        ));
        let g = glue_feature(unit);
        parts.push((
            Part::Glue,
            self.glue.area_um2[0] + self.glue.area_um2[1] * g,
            self.glue.energy_pj_per_block[0] + self.glue.energy_pj_per_block[1] * g,
        ));
        let order = Part::all();
        parts.sort_by_key(|(p, _, _)| order.iter().position(|q| q == p));
        let components = parts
            .into_iter()
            .map(|(p, area, energy)| ComponentCost {
                key: p.key(),
                label: p.label().to_string(),
                area_um2: area,
                energy_pj_per_block: energy,
            })
            .collect();
        Ok(UnitCost::from_components(
            unit,
            Model::Calibrated.name(),
            &tech.name,
            components,
            None,
            Some(1 + pipeline),
        ))
    }

    /// Refuses an architecture the model was not fitted to (it would price it as another).
    fn check_architecture(&self, unit: &UnitParams) -> Result<(), CalibrationError> {
        let built = unit.architecture();
        if built == Some(crate::rtl::default_architecture(&unit.format)) {
            return Ok(());
        }
        Err(CalibrationError::Architecture {
            unit: crate::cost::source::unit_label(unit),
            why: "the model is fitted to each format's default architecture only".into(),
        })
    }

    pub fn load(path: &Path) -> Result<Calibration, CalibrationError> {
        let err = |why: String| CalibrationError::File {
            path: path.to_path_buf(),
            why,
        };
        let text = crate::shipped::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        match v.get("schema_version").and_then(|s| s.as_i64()) {
            Some(SCHEMA_VERSION) => {}
            Some(got) => {
                return Err(CalibrationError::Schema {
                    path: path.to_path_buf(),
                    got,
                })
            }
            None => return Err(err("missing key `schema_version`".into())),
        }
        serde_json::from_value(v).map_err(|e| err(e.to_string()))
    }

    /// Writes the calibration atomically as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), CalibrationError> {
        let text = serde_json::to_string_pretty(self).expect("plain data serializes") + "\n";
        crate::atomic::write(path, text.as_bytes()).map_err(|source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(())
    }

    /// The largest |residual| of the fit, (area, energy).
    pub fn worst_residuals(&self) -> (f64, f64) {
        worst(&self.fit)
    }

    /// The largest |prediction error| of the leave-one-format-out validation, (area, energy).
    pub fn worst_held_out(&self) -> (f64, f64) {
        worst(&self.held_out)
    }

    /// The fitted factors and the residual of every unit, as Markdown.
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Model: {}. Fitted to the synthesized results ({}; tools: {}) by weighted least squares (factors: \
             sum(synthesized) / sum(analytic) over the units; lines: relative errors); stored in `{FILE}`, used by \
             `--model calibrated`; the model and its choices: `src/cost/calibrate.rs`.\n",
            self.description,
            self.fitted_to.tech_file,
            self.fitted_to.tools.join(", ")
        );
        s += "| component | datapath | area factor | energy factor | fitted units |\n|---|---|---:|---:|---:|\n";
        for c in &self.components {
            let _ = writeln!(
                s,
                "| {} | {} | {:.3} | {:.3} | {} |",
                c.key.replace('_', " "),
                c.datapath.name(),
                c.area,
                c.energy,
                c.units
            );
        }
        let n = &self.normalizer;
        let _ = writeln!(
            s,
            "\nNormalizer: {:.1} + {:.2} x w um^2 and {:.3} + {:.4} x w pJ per block, w = {}. \
             Registers: {:.2} um^2 and {:.4} pJ per block per flip-flop. \
             Glue: {:.1} + {:.3} x F um^2 and {:.3} + {:.5} x F pJ per block, F = {}.\n",
            n.area_um2[0],
            n.area_um2[1],
            n.energy_pj_per_block[0],
            n.energy_pj_per_block[1],
            n.feature,
            self.registers_per_flip_flop.area_um2,
            self.registers_per_flip_flop.energy_pj_per_block,
            self.glue.area_um2[0],
            self.glue.area_um2[1],
            self.glue.energy_pj_per_block[0],
            self.glue.energy_pj_per_block[1],
            self.glue.feature
        );
        s += "In-sample fit (every format's unit fitted together):\n\n";
        residual_table(&mut s, &self.fit, "calibrated");
        let (wa, we) = self.worst_residuals();
        let _ = writeln!(
            s,
            "\nLargest residual: area {:.1}%, energy {:.1}% (the test demands at most 10% and 15%).\n",
            100.0 * wa,
            100.0 * we
        );
        s += "Held out (leave one format out: the model refitted without the format's unit, then asked to \
              predict it; these are prediction errors for a format the fit has not seen):\n\n";
        residual_table(&mut s, &self.held_out, "predicted");
        for why in &self.held_out_skipped {
            let _ = writeln!(s, "\nNot held out: {why}");
        }
        let (wa, we) = self.worst_held_out();
        let _ = writeln!(
            s,
            "\nLargest held-out error: area {:.1}%, energy {:.1}% (the test demands at most 10% and 20%).",
            100.0 * wa,
            100.0 * we
        );
        s
    }
}

fn worst(rows: &[FitRow]) -> (f64, f64) {
    rows.iter().fold((0.0f64, 0.0f64), |(a, e), r| {
        (a.max(r.area_residual.abs()), e.max(r.energy_residual.abs()))
    })
}

fn residual_table(s: &mut String, rows: &[FitRow], calibrated: &str) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "| format | lanes | psum n | area synth (um^2) | area {calibrated} | error | energy/block synth (pJ) | energy/block {calibrated} | error |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.1} | {:.1} | {:+.1}% | {:.3} | {:.3} | {:+.1}% |",
            r.format,
            r.lanes,
            r.psum_width.map_or("exact".to_string(), |n| n.to_string()),
            r.synth_area_um2,
            r.calibrated_area_um2,
            100.0 * r.area_residual,
            r.synth_energy_pj_per_block,
            r.calibrated_energy_pj_per_block,
            100.0 * r.energy_residual
        );
    }
}

/// The calibrated model as reports see it.
pub struct CalibratedSource {
    calibration: Calibration,
    tech: Tech,
    provenance: Provenance,
}

impl CalibratedSource {
    /// The calibration in `results_dir` for the technology `tech_spec`.
    pub fn load(results_dir: &Path, tech_spec: &str) -> Result<CalibratedSource, CalibrationError> {
        let path = results_dir.join(FILE);
        let calibration = Calibration::load(&path)?;
        let tech = Tech::resolve(tech_spec).map_err(SourceError::from)?;
        if tech.name != calibration.tech {
            return Err(CalibrationError::Tech {
                fitted: calibration.tech.clone(),
                asked: tech.name.clone(),
            });
        }
        let provenance = Provenance {
            generator: GENERATOR.to_string(),
            model: Model::Calibrated.name().to_string(),
            model_description: DESCRIPTION.to_string(),
            tech: tech.name.clone(),
            tech_node: format!("{}, {}", tech.node, tech.corner),
            tech_file: format!(
                "{}, fitted to {}",
                path.display(),
                calibration.fitted_to.tech_file
            ),
            tools: calibration.fitted_to.tools.clone(),
        };
        Ok(CalibratedSource {
            calibration,
            tech,
            provenance,
        })
    }

    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }
}

impl CostSource for CalibratedSource {
    fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    fn unit_cost(&self, unit: &UnitParams) -> Result<UnitCost, SourceError> {
        self.calibration
            .unit_cost(unit, 0, &self.tech)
            .map_err(|e| SourceError::Results {
                path: PathBuf::from(FILE),
                why: e.to_string(),
            })
    }
}

/// `hwcost calibrate`: fit the calibrated model to the shipped synthesized results.
#[derive(Clone, Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Directory holding synth-results.json; the calibration is written there as calibration.json.
    #[arg(long, default_value = "reports")]
    pub results: PathBuf,
    /// Technology whose analytic cell factors the model scales (that of the synthesized results).
    #[arg(long, default_value = super::tech::DEFAULT_TECH)]
    pub tech: String,
}

/// Fit, write `calibration.json`, and print the fit.
pub fn run_calibrate(args: &CalibrateArgs) -> anyhow::Result<()> {
    let table_path = args
        .results
        .join(CostTable::file_name(Model::Synth).expect("synth ships results"));
    let table = CostTable::load(&table_path)?;
    let tech = Tech::resolve(&args.tech)?;
    let cal = Calibration::fit(&table, &tech)?;
    let out = args.results.join(FILE);
    cal.save(&out)?;
    print!("{}", cal.markdown());
    eprintln!("wrote {}", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_and_line_fits_recover_exact_data() {
        let f = fit_factor(&[(1.0, 2.0), (3.0, 6.0), (5.0, 10.0)], "x").unwrap();
        assert!((f - 2.0).abs() < 1e-12, "{f}");
        // the ratio estimator matches the sum: 2 + 8 = f (1 + 3)
        assert_eq!(fit_factor(&[(1.0, 2.0), (3.0, 8.0)], "x").unwrap(), 2.5);
        let c = fit_linear(&[(0.0, 7.0), (10.0, 37.0), (20.0, 67.0)], "x").unwrap();
        assert!(
            (c[0] - 7.0).abs() < 1e-9 && (c[1] - 3.0).abs() < 1e-9,
            "{c:?}"
        );
        assert!(fit_factor(&[(0.0, 1.0)], "nothing").is_err());
        let e = fit_linear(&[(4.0, 1.0), (4.0, 2.0)], "glue area").unwrap_err();
        assert!(e.to_string().contains("glue area"), "{e}");
    }

    #[test]
    fn flip_flops_follow_the_pipeline_structure() {
        let u = |name: &str| {
            UnitParams::new(
                crate::format::lookup(name).unwrap(),
                None,
                analytic::PsumWidth::Default,
            )
            .unwrap()
        };
        assert_eq!(flip_flops(&u("mxfp8"), 0), 33);
        // stage 1: sum n + 1 + log2 k = 30 bits, exponent 12, specials 2, scales 16, valid, clear
        assert_eq!(flip_flops(&u("mxfp8"), 1), 33 + 30 + 12 + 2 + 16 + 2);
        // INT: no block exponent or special flags (constants)
        assert_eq!(flip_flops(&u("mxint8"), 2), 33 + 21 + 18 + 34);
        // INT S = 3: the carry-save cut, the tree's two rows (2 x 21) with the scale codes and
        // valid/clear; S = 4 adds one more binary32 result register
        assert_eq!(flip_flops(&u("mxint8"), 3), 33 + 21 + 18 + 34 + 2 * 21 + 18);
        assert_eq!(
            flip_flops(&u("mxint8"), 4),
            33 + 21 + 18 + 2 * 34 + 2 * 21 + 18
        );
        // FP S = 3: the lane cut, 32 lanes x (8-bit product, 5-bit exponent, sign) and the
        // stage's exponent 5, special 2, scales 16, valid, clear; S = 4 adds the tree's rows
        let s1 = 33 + 30 + 12 + 2 + 16 + 2;
        let lane_cut = 32 * (8 + 5 + 1) + 5 + 2 + 16 + 2;
        assert_eq!(flip_flops(&u("mxfp8"), 3), s1 + lane_cut + 34);
        assert_eq!(flip_flops(&u("mxfp8"), 4), s1 + lane_cut + 2 * 30 + 25 + 34);
        assert_eq!(
            flip_flops(&u("mxfp8"), 6),
            s1 + lane_cut + 2 * 30 + 25 + 3 * 34
        );
    }
}
