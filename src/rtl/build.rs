//! The width combinations compiled into this build, and the run-time dispatch from a
//! validated [`UnitPlan`] to the monomorphized unit type. rust-hdl widths are const
//! generics, so every (element layout, n, k, scale kind) a user can ask for must be listed
//! here; each costs about 0.4 s of build CPU.

use super::front::{FpFront, IntFront};
use super::piped::FpFrontPiped;
use super::unit::{
    FpMxUnit, FpMxUnitPiped, FpNvUnit, FpNvUnitPiped, IntMxUnit, IntNvUnit, UnitCore,
};
use super::{Reduction, RtlError, UnitPlan};
use crate::format::{BlockFormat, ElemFormat, ScaleFormat};

/// The lane counts every built element layout supports.
pub const LANE_CHOICES: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// INT element widths with UE8M0 scales; with E4M3 scales only INT4 (NVINT4).
const INT_MX: [u32; 3] = [4, 6, 8];
const INT_NV: [u32; 1] = [4];

/// FP element layouts (exponent bits, mantissa bits) and their built psum widths: the
/// default and the exact width of each built-in format. With E4M3 scales only E2M1 (NVFP4).
const FP_MX: [(u32, u32, &[u32]); 5] = [
    (4, 3, &[24, 38]),
    (5, 2, &[24, 68]),
    (2, 3, &[14]),
    (3, 2, &[20]),
    (2, 1, &[10]),
];
const FP_NV: [(u32, u32, &[u32]); 1] = [(2, 1, &[10])];

/// The psum widths n built for `format` (empty: no unit for its element layout and scale).
/// INT units report their exact product width 2b.
pub fn supported_psum_widths(format: &BlockFormat) -> Vec<u32> {
    let nv = format.scale == ScaleFormat::E4m3;
    match format.elem {
        ElemFormat::Int { bits } => {
            let list: &[u32] = if nv { &INT_NV } else { &INT_MX };
            if list.contains(&bits) {
                vec![2 * bits]
            } else {
                vec![]
            }
        }
        ElemFormat::Fp {
            exp_bits, man_bits, ..
        } => {
            let list: &[(u32, u32, &[u32])] = if nv { &FP_NV } else { &FP_MX };
            list.iter()
                .find(|(x, y, _)| (*x, *y) == (exp_bits, man_bits))
                .map(|(_, _, n)| n.to_vec())
                .unwrap_or_default()
        }
    }
}

/// Why a format has no built unit, for the error message.
pub fn describe(format: &BlockFormat) -> String {
    format!("{} elements with {} scales; built: INT4/6/8 and E4M3, E5M2, E2M3, E3M2, E2M1 with UE8M0, INT4 and E2M1 with E4M3", format.elem.label(), format.scale.label())
}

macro_rules! int_unit {
    ($unit:ident, $p:expr, $w:literal $(, $nv:ident)?) => {
        int_unit!(@k $unit, $p, $w, [1 0, 2 1, 4 2, 8 3, 16 4, 32 5, 64 6] $(, $nv)?)
    };
    (@k $unit:ident, $p:expr, $w:literal, [$($k:literal $lk:literal),*]) => {
        match $p.lanes {
            $($k => Box::new($unit::<$w, { 2 * $w }, { $w * $w }, { $w * $k }, { 2 * $w + $lk }>::new(IntFront::new($k, $p.multiplier, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
    (@k $unit:ident, $p:expr, $w:literal, [$($k:literal $lk:literal),*], nv) => {
        match $p.lanes {
            $($k => Box::new($unit::<$w, { 2 * $w }, { $w * $w }, { $w * $k }, { 2 * $w + $lk }, { 2 * $w + $lk + 8 }>::new(IntFront::new($k, $p.multiplier, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
}

macro_rules! fp_unit {
    ($unit:ident $piped:ident, $p:expr, $bias:expr, $sp:expr, $w:literal $x:literal $y:literal $n:literal $(, $nv:ident)?) => {
        fp_unit!(@k $unit $piped, $p, $bias, $sp, $w $x $y $n, [1 0, 2 1, 4 2, 8 3, 16 4, 32 5, 64 6] $(, $nv)?)
    };
    (@k $unit:ident $piped:ident, $p:expr, $bias:expr, $sp:expr, $w:literal $x:literal $y:literal $n:literal, [$($k:literal $lk:literal),*]) => {
        match ($p.lanes, front_cuts(&$p.format.elem, $p.reduction, $p.pipeline)) {
            $(($k, 0) => Box::new($unit::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 1 }, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }>::new(
                FpFront::new($k, $bias, $sp, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,
            ($k, cuts) => Box::new($piped::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }>::new(
                FpFrontPiped::new($k, $bias, $sp, cuts == 2), $p.pipeline, cuts)) as Box<dyn UnitCore>,)*
            (k, _) => unreachable!("lanes {k} passed validation"),
        }
    };
    (@k $unit:ident $piped:ident, $p:expr, $bias:expr, $sp:expr, $w:literal $x:literal $y:literal $n:literal, [$($k:literal $lk:literal),*], nv) => {
        match ($p.lanes, front_cuts(&$p.format.elem, $p.reduction, $p.pipeline)) {
            $(($k, 0) => Box::new($unit::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 1 }, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }, { $n + 1 + $lk + 8 }>::new(
                FpFront::new($k, $bias, $sp, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,
            ($k, cuts) => Box::new($piped::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }, { $n + 1 + $lk + 8 }>::new(
                FpFrontPiped::new($k, $bias, $sp, cuts == 2), $p.pipeline, cuts)) as Box<dyn UnitCore>,)*
            (k, _) => unreachable!("lanes {k} passed validation"),
        }
    };
}

/// Register stages a unit puts inside its front end: the FP compressor-tree front end takes
/// the lane cut at S >= 3 and the carry-save cut at S >= 4 (rtl/NOTES.md); every other front
/// end none (their further stages lengthen the binary32 result's register chain).
pub fn front_cuts(elem: &ElemFormat, reduction: Reduction, pipeline: usize) -> usize {
    match (elem, reduction) {
        (ElemFormat::Fp { .. }, Reduction::CsaTree) => pipeline.saturating_sub(2).min(2),
        _ => 0,
    }
}

/// Build the rust-hdl unit of a validated plan (connected, ready to step or emit).
pub fn build(p: &UnitPlan) -> Result<Box<dyn UnitCore>, RtlError> {
    let nv = p.format.scale == ScaleFormat::E4m3;
    let n = p.psum_width;
    let unit = match (p.format.elem, nv) {
        (ElemFormat::Int { bits: 4 }, false) => int_unit!(IntMxUnit, p, 4),
        (ElemFormat::Int { bits: 6 }, false) => int_unit!(IntMxUnit, p, 6),
        (ElemFormat::Int { bits: 8 }, false) => int_unit!(IntMxUnit, p, 8),
        (ElemFormat::Int { bits: 4 }, true) => int_unit!(IntNvUnit, p, 4, nv),
        (
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                bias,
                specials,
            },
            nv,
        ) => match (exp_bits, man_bits, n, nv) {
            (4, 3, 24, false) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, 8 4 3 24),
            (4, 3, 38, false) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, 8 4 3 38),
            (5, 2, 24, false) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, 8 5 2 24),
            (5, 2, 68, false) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, 8 5 2 68),
            (2, 3, 14, false) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, 6 2 3 14),
            (3, 2, 20, false) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, 6 3 2 20),
            (2, 1, 10, false) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, 4 2 1 10),
            (2, 1, 10, true) => fp_unit!(FpNvUnit FpNvUnitPiped, p, bias, specials, 4 2 1 10, nv),
            _ => {
                return Err(RtlError::Unsupported {
                    format: p.format.name.clone(),
                    why: describe(&p.format),
                })
            }
        },
        _ => {
            return Err(RtlError::Unsupported {
                format: p.format.name.clone(),
                why: describe(&p.format),
            })
        }
    };
    Ok(unit)
}
