//! The width combinations compiled into this build, and the run-time dispatch from a
//! validated [`UnitPlan`] to the monomorphized unit type. rust-hdl widths are const
//! generics, so every (element layout, n, k, scale kind) a user can ask for is listed
//! here, once: the [`layouts!`] table below makes both the list that validation and error
//! messages read and the dispatch. Each entry costs about 0.4 s of build CPU per lane count.

use super::csa::PpKind;
use super::front::{FpFront, IntFront};
use super::piped::{FpFrontPiped, IntFrontPiped};
use super::unit::{
    FpMxUnit, FpMxUnitPiped, FpNvUnit, FpNvUnitPiped, FpUe5Unit, FpUe5UnitPiped, IntMxUnit,
    IntMxUnitPiped, IntNvUnit, IntNvUnitPiped, IntUe5Unit, IntUe5UnitPiped, UnitCore,
};
use super::{Reduction, RtlError, UnitPlan};
use crate::format::{BlockFormat, ElemFormat, ScaleFormat};

/// The lane counts every built element layout supports.
pub const LANE_CHOICES: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The psum widths n built for `format` (empty: no unit for its element layout and scale).
/// INT units report their exact product width 2b.
pub fn supported_psum_widths(format: &BlockFormat) -> Vec<u32> {
    let (ints, fps) = built(format.scale);
    match format.elem {
        ElemFormat::Int { bits } => {
            if ints.contains(&bits) {
                vec![2 * bits]
            } else {
                vec![]
            }
        }
        ElemFormat::Fp {
            exp_bits, man_bits, ..
        } => fps
            .iter()
            .find(|(x, y, _)| (*x, *y) == (exp_bits, man_bits))
            .map(|(_, _, n)| n.to_vec())
            .unwrap_or_default(),
    }
}

/// What is built, for the error message of a format without a unit: the limits by scale.
pub fn describe(format: &BlockFormat) -> String {
    let fps = |l: &[(u32, u32, &[u32])]| {
        l.iter()
            .map(|(x, y, _)| format!("E{x}M{y}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by_scale = [ScaleFormat::Ue8m0, ScaleFormat::E4m3, ScaleFormat::Ue5m3]
        .map(|s| {
            let (ints, fp) = built(s);
            format!(
                "with {} scales INT{} and {}",
                s.label(),
                ranges(ints),
                fps(fp)
            )
        })
        .join("; ");
    format!(
        "{} elements with {} scales; built: {by_scale}",
        format.elem.label(),
        format.scale.label(),
    )
}

/// The INT widths and FP layouts built with scales of `scale`.
fn built(scale: ScaleFormat) -> (&'static [u32], &'static [(u32, u32, &'static [u32])]) {
    match scale {
        ScaleFormat::Ue8m0 => (INT_MX, FP_MX),
        ScaleFormat::E4m3 => (INT_NV, FP_NV),
        ScaleFormat::Ue5m3 => (INT_UE5, FP_UE5),
    }
}

/// A sorted list of widths as ranges, e.g. `2..11` or `4/6/8`.
fn ranges(l: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < l.len() {
        let mut j = i;
        while j + 1 < l.len() && l[j + 1] == l[j] + 1 {
            j += 1;
        }
        out.push(if j > i + 1 {
            format!("{}..{}", l[i], l[j])
        } else if j == i + 1 {
            format!("{}/{}", l[i], l[j])
        } else {
            l[i].to_string()
        });
        i = j + 1;
    }
    out.join("/")
}

macro_rules! int_unit {
    ($unit:ident $piped:ident, $p:expr, $w:literal $(, $nv:ident)?) => {
        int_unit!(@k $unit $piped, $p, $w, [1 0, 2 1, 4 2, 8 3, 16 4, 32 5, 64 6] $(, $nv)?)
    };
    (@k $unit:ident $piped:ident, $p:expr, $w:literal, [$($k:literal $lk:literal),*]) => {
        match ($p.lanes, front_cuts(&$p.format.elem, $p.reduction, $p.pipeline)) {
            $(($k, 0) => Box::new($unit::<$w, { 2 * $w }, { $w * $w }, { $w * $k }, { 2 * $w + $lk }>::new(IntFront::new($k, $p.multiplier, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,
            ($k, cuts) => Box::new($piped::<$w, { $w * $w }, { $w * $k }, { 2 * $w + $lk }>::new(IntFrontPiped::new($k, PpKind::of($p.multiplier)), $p.pipeline, cuts)) as Box<dyn UnitCore>,)*
            (k, _) => unreachable!("lanes {k} passed validation"),
        }
    };
    (@k $unit:ident $piped:ident, $p:expr, $w:literal, [$($k:literal $lk:literal),*], nv) => {
        match ($p.lanes, front_cuts(&$p.format.elem, $p.reduction, $p.pipeline)) {
            $(($k, 0) => Box::new($unit::<$w, { 2 * $w }, { $w * $w }, { $w * $k }, { 2 * $w + $lk }, { 2 * $w + $lk + 8 }>::new(IntFront::new($k, $p.multiplier, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,
            ($k, cuts) => Box::new($piped::<$w, { $w * $w }, { $w * $k }, { 2 * $w + $lk }, { 2 * $w + $lk + 8 }>::new(IntFrontPiped::new($k, PpKind::of($p.multiplier)), $p.pipeline, cuts)) as Box<dyn UnitCore>,)*
            (k, _) => unreachable!("lanes {k} passed validation"),
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

macro_rules! layouts {
    (
        int_mx [$($im:literal),*]
        int_nv [$($inv:literal),*]
        fp_mx [$(($xm:literal $ym:literal $wm:literal [$($nm:literal),*])),*]
        fp_nv [$(($xn:literal $yn:literal $wn:literal [$($nn:literal),*])),*]
        int_ue5 [$($iu:literal),*]
        fp_ue5 [$(($xu:literal $yu:literal $wu:literal [$($nu:literal),*])),*]
    ) => {
        /// INT element widths built with UE8M0 scales.
        const INT_MX: &[u32] = &[$($im),*];
        /// INT element widths built with E4M3 scales.
        const INT_NV: &[u32] = &[$($inv),*];
        /// FP element layouts (exponent bits, mantissa bits) built with UE8M0 scales, and the
        /// psum widths built for each: the default min(2^(x+1) + 2y, 24), and for the
        /// built-in formats also their exact width.
        const FP_MX: &[(u32, u32, &[u32])] = &[$(($xm, $ym, &[$($nm),*])),*];
        /// FP element layouts built with E4M3 scales.
        const FP_NV: &[(u32, u32, &[u32])] = &[$(($xn, $yn, &[$($nn),*])),*];
        /// INT element widths built with UE5M3 scales.
        const INT_UE5: &[u32] = &[$($iu),*];
        /// FP element layouts built with UE5M3 scales.
        const FP_UE5: &[(u32, u32, &[u32])] = &[$(($xu, $yu, &[$($nu),*])),*];

        /// The unit of `p`, if its widths are in the table.
        fn dispatch(p: &UnitPlan) -> Option<Box<dyn UnitCore>> {
            use ScaleFormat::{E4m3, Ue5m3, Ue8m0};
            Some(match (p.format.elem, p.format.scale) {
                $((ElemFormat::Int { bits: $im }, Ue8m0) => int_unit!(IntMxUnit IntMxUnitPiped, p, $im),)*
                $((ElemFormat::Int { bits: $inv }, E4m3) => int_unit!(IntNvUnit IntNvUnitPiped, p, $inv, nv),)*
                $((ElemFormat::Int { bits: $iu }, Ue5m3) => int_unit!(IntUe5Unit IntUe5UnitPiped, p, $iu, nv),)*
                (ElemFormat::Fp { exp_bits, man_bits, bias, specials }, Ue8m0) => {
                    match (exp_bits, man_bits, p.psum_width) {
                        $($(($xm, $ym, $nm) => fp_unit!(FpMxUnit FpMxUnitPiped, p, bias, specials, $wm $xm $ym $nm),)*)*
                        _ => return None,
                    }
                }
                (ElemFormat::Fp { exp_bits, man_bits, bias, specials }, E4m3) => {
                    match (exp_bits, man_bits, p.psum_width) {
                        $($(($xn, $yn, $nn) => fp_unit!(FpNvUnit FpNvUnitPiped, p, bias, specials, $wn $xn $yn $nn, nv),)*)*
                        _ => return None,
                    }
                }
                (ElemFormat::Fp { exp_bits, man_bits, bias, specials }, Ue5m3) => {
                    match (exp_bits, man_bits, p.psum_width) {
                        $($(($xu, $yu, $nu) => fp_unit!(FpUe5Unit FpUe5UnitPiped, p, bias, specials, $wu $xu $yu $nu, nv),)*)*
                        _ => return None,
                    }
                }
                _ => return None,
            })
        }
    };
}

// The built widths: (exponent bits, mantissa bits, element bits W, [psum widths n]).
layouts! {
    int_mx [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    int_nv [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    fp_mx [
        (1 1 3 [6]), (1 2 4 [8]), (1 3 5 [10]), (1 4 6 [12]), (1 5 7 [14]),
        (2 1 4 [10]), (2 2 5 [12]), (2 3 6 [14]), (2 4 7 [16]), (2 5 8 [18]),
        (3 1 5 [18]), (3 2 6 [20]), (3 3 7 [22]), (3 4 8 [24]),
        (4 1 6 [24]), (4 2 7 [24]), (4 3 8 [24, 38]),
        (5 1 7 [24]), (5 2 8 [24, 68])
    ]
    fp_nv [(2 1 4 [10]), (2 3 6 [14]), (3 2 6 [20]), (4 3 8 [24])]
    int_ue5 [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    fp_ue5 [(2 1 4 [10]), (2 3 6 [14]), (3 2 6 [20]), (4 3 8 [24]), (5 2 8 [24])]
}

/// Register stages a unit puts inside its front end: the FP compressor-tree front end takes
/// the lane cut at S >= 3 and the carry-save cut at S >= 4, the INT compressor-tree front end
/// the carry-save cut at S >= 3 (rtl/NOTES.md); the carry-propagate front ends none (their
/// further stages lengthen the binary32 result's register chain).
pub fn front_cuts(elem: &ElemFormat, reduction: Reduction, pipeline: usize) -> usize {
    match (elem, reduction) {
        (ElemFormat::Fp { .. }, Reduction::CsaTree) => pipeline.saturating_sub(2).min(2),
        (ElemFormat::Int { .. }, Reduction::CsaTree) => pipeline.saturating_sub(2).min(1),
        _ => 0,
    }
}

/// Build the rust-hdl unit of a validated plan (connected, ready to step or emit).
pub fn build(p: &UnitPlan) -> Result<Box<dyn UnitCore>, RtlError> {
    dispatch(p).ok_or_else(|| RtlError::Unsupported {
        format: p.format.name.clone(),
        why: describe(&p.format),
    })
}
