//! The width combinations compiled into this build, and the run-time dispatch from a
//! validated [`UnitPlan`] to the monomorphized unit type. rust-hdl widths are const
//! generics, so every (element layout, n, k, scale kind) a user can ask for is listed
//! here, once: the [`layouts!`] table below makes both the list that validation and error
//! messages read and the dispatch.

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

/// The aligner width a unit of psum width `n` is wired with: the narrowest built width
/// >= n (None when none is; [`UnitPlan::new`] refuses that case).
pub fn wired_psum_width(format: &BlockFormat, n: u32) -> Option<u32> {
    supported_psum_widths(format)
        .into_iter()
        .filter(|&w| w >= n)
        .min()
}

/// What is built, for the error message of a format without a unit: the INT widths and the
/// span of the FP layouts (the same with every scale).
pub fn describe(format: &BlockFormat) -> String {
    let span = |f: fn(&(u32, u32, &[u32])) -> u32| {
        let v = FP_MX.iter().map(f);
        (v.clone().min().unwrap_or(0), v.max().unwrap_or(0))
    };
    let (x0, x1) = span(|l| l.0);
    let (y0, y1) = span(|l| l.1);
    let (_, w1) = span(|l| 1 + l.0 + l.1);
    format!(
        "{} elements with {} scales; built: with UE8M0, E4M3 and UE5M3 scales and without a scale INT{} and FP \
         with {x0}..{x1} exponent and {y0}..{y1} mantissa bits, at most {w1} bits in all",
        format.elem.label(),
        format.scale.label(),
        ranges(INTS),
    )
}

/// The scale a unit is built with: a format without a scale runs on the UE8M0 unit, whose
/// scale inputs the emitted top ties to 2^0 (rtl/NOTES.md, "Formats without a scale").
pub fn hardware_scale(scale: ScaleFormat) -> ScaleFormat {
    match scale {
        ScaleFormat::Unscaled => ScaleFormat::Ue8m0,
        s => s,
    }
}

/// The INT widths and FP layouts built with scales of `scale`.
fn built(scale: ScaleFormat) -> (&'static [u32], &'static [(u32, u32, &'static [u32])]) {
    match scale {
        ScaleFormat::Ue8m0 | ScaleFormat::Unscaled => (INTS, FP_MX),
        ScaleFormat::E4m3 | ScaleFormat::Ue5m3 => (INTS, FP_FP8_SCALE),
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

/// The lane counts K with log2 K, for the unit types' bus widths.
macro_rules! lanes {
    ($m:ident!($($args:tt)*)) => {
        $m!(@k [1 0, 2 1, 4 2, 8 3, 16 4, 32 5, 64 6], $($args)*)
    };
}

/// An INT unit without front-end cuts (S <= 2, or the carry-propagate front end).
macro_rules! int_plain {
    (@k [$($k:literal $lk:literal),*], $unit:ident, $p:expr, $w:literal) => {
        match $p.lanes {
            $($k => Box::new($unit::<$w, { 2 * $w }, { $w * $w }, { $w * $k }, { 2 * $w + $lk }>::new(IntFront::new($k, $p.multiplier, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
    (@k [$($k:literal $lk:literal),*], $unit:ident, $p:expr, $w:literal, nv) => {
        match $p.lanes {
            $($k => Box::new($unit::<$w, { 2 * $w }, { $w * $w }, { $w * $k }, { 2 * $w + $lk }, { 2 * $w + $lk + 8 }>::new(IntFront::new($k, $p.multiplier, $p.reduction), $p.pipeline, 0)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
}

/// An INT unit with its front end cut (`cuts` register stages inside it).
macro_rules! int_piped {
    (@k [$($k:literal $lk:literal),*], $piped:ident, $p:expr, $cuts:expr, $w:literal) => {
        match $p.lanes {
            $($k => Box::new($piped::<$w, { $w * $w }, { $w * $k }, { 2 * $w + $lk }>::new(IntFrontPiped::new($k, PpKind::of($p.multiplier)), $p.pipeline, $cuts)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
    (@k [$($k:literal $lk:literal),*], $piped:ident, $p:expr, $cuts:expr, $w:literal, nv) => {
        match $p.lanes {
            $($k => Box::new($piped::<$w, { $w * $w }, { $w * $k }, { 2 * $w + $lk }, { 2 * $w + $lk + 8 }>::new(IntFrontPiped::new($k, PpKind::of($p.multiplier)), $p.pipeline, $cuts)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
}

/// An FP unit without front-end cuts.
macro_rules! fp_plain {
    (@k [$($k:literal $lk:literal),*], $unit:ident, $p:expr, $bias:expr, $sp:expr, $w:literal $x:literal $y:literal $n:literal) => {
        match $p.lanes {
            $($k => Box::new($unit::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 1 }, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }>::new(
                FpFront::new($k, $bias, $sp, $p.reduction, $p.psum_width as usize), $p.pipeline, 0)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
    (@k [$($k:literal $lk:literal),*], $unit:ident, $p:expr, $bias:expr, $sp:expr, $w:literal $x:literal $y:literal $n:literal, nv) => {
        match $p.lanes {
            $($k => Box::new($unit::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 1 }, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }, { $n + 1 + $lk + 8 }>::new(
                FpFront::new($k, $bias, $sp, $p.reduction, $p.psum_width as usize), $p.pipeline, 0)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
}

/// An FP unit with its front end cut (the lane cut, and the carry-save cut when `cuts` = 2).
macro_rules! fp_piped {
    (@k [$($k:literal $lk:literal),*], $piped:ident, $p:expr, $cuts:expr, $bias:expr, $sp:expr, $w:literal $x:literal $y:literal $n:literal) => {
        match $p.lanes {
            $($k => Box::new($piped::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }>::new(
                FpFrontPiped::new($k, $bias, $sp, $cuts == 2, $p.psum_width as usize), $p.pipeline, $cuts)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
    (@k [$($k:literal $lk:literal),*], $piped:ident, $p:expr, $cuts:expr, $bias:expr, $sp:expr, $w:literal $x:literal $y:literal $n:literal, nv) => {
        match $p.lanes {
            $($k => Box::new($piped::<$w, $x, $y, { $x + 1 }, { $y + 1 }, { 2 * $y + 2 }, $n, { $n + 2 }, { $w * $k }, { $n + 1 + $lk }, { $n + 1 + $lk + 8 }>::new(
                FpFrontPiped::new($k, $bias, $sp, $cuts == 2, $p.psum_width as usize), $p.pipeline, $cuts)) as Box<dyn UnitCore>,)*
            k => unreachable!("lanes {k} passed validation"),
        }
    };
}

/// The table: `int` widths (every scale, with and without front-end cuts); `fp` layouts
/// (x y W [psum widths with UE8M0 scales] [with FP8 scales]) built without front-end cuts;
/// `cut_mx`, `cut_nv`, `cut_ue5`: the layouts (x y W [n]) also built with them.
macro_rules! layouts {
    (
        int [$($i:literal),*]
        fp [$(($x:literal $y:literal $w:literal [$($nm:literal),*] [$($nf:literal),*])),*]
        cut_mx [$(($xm:literal $ym:literal $wm:literal [$($cm:literal),*])),*]
        cut_nv [$(($xn:literal $yn:literal $wn:literal [$($cn:literal),*])),*]
        cut_ue5 [$(($xu:literal $yu:literal $wu:literal [$($cu:literal),*])),*]
    ) => {
        /// INT element widths built (with every scale).
        const INTS: &[u32] = &[$($i),*];
        /// FP element layouts (exponent bits, mantissa bits) built with UE8M0 scales, and the
        /// psum widths built for each: the default min(2^(x+1) + 2y, 24), and the exact
        /// width 2^(x+1) + 2y where that is wider and fits the binary32 converter.
        const FP_MX: &[(u32, u32, &[u32])] = &[$(($x, $y, &[$($nm),*])),*];
        /// FP element layouts built with FP8 scales (E4M3, UE5M3), at the default psum width.
        const FP_FP8_SCALE: &[(u32, u32, &[u32])] = &[$(($x, $y, &[$($nf),*])),*];
        /// FP layouts whose front end is also built with its cuts, by scale, and the wired
        /// widths built so.
        const CUT_MX: &[(u32, u32, &[u32])] = &[$(($xm, $ym, &[$($cm),*])),*];
        const CUT_NV: &[(u32, u32, &[u32])] = &[$(($xn, $yn, &[$($cn),*])),*];
        const CUT_UE5: &[(u32, u32, &[u32])] = &[$(($xu, $yu, &[$($cu),*])),*];

        /// The unit of `p`, if its widths are in the table.
        fn dispatch(p: &UnitPlan) -> Option<Box<dyn UnitCore>> {
            use ScaleFormat::{E4m3, Ue5m3, Ue8m0};
            let cuts = front_cuts(&p.format, p.wired_width, p.reduction, p.pipeline);
            if cuts > 0 {
                return Some(match (p.format.elem, hardware_scale(p.format.scale)) {
                    $((ElemFormat::Int { bits: $i }, Ue8m0) => lanes!(int_piped!(IntMxUnitPiped, p, cuts, $i)),)*
                    $((ElemFormat::Int { bits: $i }, E4m3) => lanes!(int_piped!(IntNvUnitPiped, p, cuts, $i, nv)),)*
                    $((ElemFormat::Int { bits: $i }, Ue5m3) => lanes!(int_piped!(IntUe5UnitPiped, p, cuts, $i, nv)),)*
                    (ElemFormat::Fp { exp_bits, man_bits, bias, specials }, scale) => {
                        match (scale, exp_bits, man_bits, p.wired_width) {
                            $($((Ue8m0, $xm, $ym, $cm) => lanes!(fp_piped!(FpMxUnitPiped, p, cuts, bias, specials, $wm $xm $ym $cm)),)*)*
                            $($((E4m3, $xn, $yn, $cn) => lanes!(fp_piped!(FpNvUnitPiped, p, cuts, bias, specials, $wn $xn $yn $cn, nv)),)*)*
                            $($((Ue5m3, $xu, $yu, $cu) => lanes!(fp_piped!(FpUe5UnitPiped, p, cuts, bias, specials, $wu $xu $yu $cu, nv)),)*)*
                            _ => return None,
                        }
                    }
                    _ => return None,
                });
            }
            Some(match (p.format.elem, hardware_scale(p.format.scale)) {
                $((ElemFormat::Int { bits: $i }, Ue8m0) => lanes!(int_plain!(IntMxUnit, p, $i)),)*
                $((ElemFormat::Int { bits: $i }, E4m3) => lanes!(int_plain!(IntNvUnit, p, $i, nv)),)*
                $((ElemFormat::Int { bits: $i }, Ue5m3) => lanes!(int_plain!(IntUe5Unit, p, $i, nv)),)*
                (ElemFormat::Fp { exp_bits, man_bits, bias, specials }, scale) => {
                    match (scale, exp_bits, man_bits, p.wired_width) {
                        $($((Ue8m0, $x, $y, $nm) => lanes!(fp_plain!(FpMxUnit, p, bias, specials, $w $x $y $nm)),)*)*
                        $($((E4m3, $x, $y, $nf) => lanes!(fp_plain!(FpNvUnit, p, bias, specials, $w $x $y $nf, nv)),)*)*
                        $($((Ue5m3, $x, $y, $nf) => lanes!(fp_plain!(FpUe5Unit, p, bias, specials, $w $x $y $nf, nv)),)*)*
                        _ => return None,
                    }
                }
                _ => return None,
            })
        }
    };
}

// The built widths: INT elements of 2..16 bits, and every FP layout the format reader accepts
// (1..7 exponent and 0..10 mantissa bits, up to E7M10's 18 bits), wired at the default psum
// width and, with UE8M0 scales, also at the exact width
// 2^(x+1) + 2y where that exceeds the default (up to 84 bits: E5M10; 6 and 7 exponent bits
// would need 130 and more). The front-end cuts (S >= 3 with the compressor tree) are built for
// the `cut_*` layouts: every 3- to 8-bit layout of 1..5 exponent and 1..5 mantissa bits with
// UE8M0 scales, E2M1, E2M3, E3M2, E4M3 (and E5M2 with UE5M3) with FP8 scales; other FP layouts
// take their further stages as registers on the binary32 result, as the carry-propagate front
// ends do. Every entry is one unit type per lane count (a few seconds and some 3 MB of rustc
// memory each); the crate's own unit tests (`cfg(test)`) compile only the layouts they use
// (below), so that the two compilations of the crate fit in memory side by side and the test
// build stays short. The whole table is tested through `tests/` (tests/user_formats.rs and the
// suites of the built-in formats).
#[cfg(not(test))]
layouts! {
    int [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    fp [
        (1 0  2 [4] [4]), (1 1  3 [6] [6]), (1 2  4 [8] [8]), (1 3  5 [10] [10]),
        (1 4  6 [12] [12]), (1 5  7 [14] [14]), (1 6  8 [16] [16]), (1 7  9 [18] [18]),
        (1 8 10 [20] [20]), (1 9 11 [22] [22]), (1 10 12 [24] [24]), (2 0  3 [8] [8]),
        (2 1  4 [10] [10]), (2 2  5 [12] [12]), (2 3  6 [14] [14]), (2 4  7 [16] [16]),
        (2 5  8 [18] [18]), (2 6  9 [20] [20]), (2 7 10 [22] [22]), (2 8 11 [24] [24]),
        (2 9 12 [24, 26] [24]), (2 10 13 [24, 28] [24]), (3 0  4 [16] [16]), (3 1  5 [18] [18]),
        (3 2  6 [20] [20]), (3 3  7 [22] [22]), (3 4  8 [24] [24]), (3 5  9 [24, 26] [24]),
        (3 6 10 [24, 28] [24]), (3 7 11 [24, 30] [24]), (3 8 12 [24, 32] [24]), (3 9 13 [24, 34] [24]),
        (3 10 14 [24, 36] [24]), (4 0  5 [24, 32] [24]), (4 1  6 [24, 34] [24]), (4 2  7 [24, 36] [24]),
        (4 3  8 [24, 38] [24]), (4 4  9 [24, 40] [24]), (4 5 10 [24, 42] [24]), (4 6 11 [24, 44] [24]),
        (4 7 12 [24, 46] [24]), (4 8 13 [24, 48] [24]), (4 9 14 [24, 50] [24]), (4 10 15 [24, 52] [24]),
        (5 0  6 [24, 64] [24]), (5 1  7 [24, 66] [24]), (5 2  8 [24, 68] [24]), (5 3  9 [24, 70] [24]),
        (5 4 10 [24, 72] [24]), (5 5 11 [24, 74] [24]), (5 6 12 [24, 76] [24]), (5 7 13 [24, 78] [24]),
        (5 8 14 [24, 80] [24]), (5 9 15 [24, 82] [24]), (5 10 16 [24, 84] [24]), (6 0  7 [24] [24]),
        (6 1  8 [24] [24]), (6 2  9 [24] [24]), (6 3 10 [24] [24]), (6 4 11 [24] [24]),
        (6 5 12 [24] [24]), (6 6 13 [24] [24]), (6 7 14 [24] [24]), (6 8 15 [24] [24]),
        (6 9 16 [24] [24]), (7 0  8 [24] [24]), (7 1  9 [24] [24]), (7 2 10 [24] [24]),
        (7 3 11 [24] [24]), (7 4 12 [24] [24]), (7 5 13 [24] [24]), (7 6 14 [24] [24]),
        (7 7 15 [24] [24]), (7 8 16 [24] [24]), (6 10 17 [24] [24]), (7 9 17 [24] [24]),
        (7 10 18 [24] [24])
    ]
    cut_mx [
        (1 1 3 [6]), (1 2 4 [8]), (1 3 5 [10]), (1 4 6 [12]),
        (1 5 7 [14]), (2 1 4 [10]), (2 2 5 [12]), (2 3 6 [14]),
        (2 4 7 [16]), (2 5 8 [18]), (3 1 5 [18]), (3 2 6 [20]),
        (3 3 7 [22]), (3 4 8 [24]), (4 1 6 [24]), (4 2 7 [24]),
        (4 3 8 [24, 38]), (5 1 7 [24]), (5 2 8 [24, 68])
    ]
    cut_nv [(2 1 4 [10]), (2 3 6 [14]), (3 2 6 [20]), (4 3 8 [24])]
    cut_ue5 [(2 1 4 [10]), (2 3 6 [14]), (3 2 6 [20]), (4 3 8 [24]), (5 2 8 [24])]
}

// The crate's own unit tests use the built-in formats and the example formats' layouts only.
#[cfg(test)]
layouts! {
    int [4, 5, 6, 8]
    fp [
        (2 1 4 [10] [10]), (2 3 6 [14] [14]), (3 2 6 [20] [20]), (3 4 8 [24] []),
        (4 3 8 [24, 38] [24]), (5 2 8 [24, 68] [24])
    ]
    cut_mx [
        (2 1 4 [10]), (2 3 6 [14]), (3 2 6 [20]), (3 4 8 [24]), (4 3 8 [24, 38]), (5 2 8 [24, 68])
    ]
    cut_nv [(2 1 4 [10]), (2 3 6 [14]), (3 2 6 [20]), (4 3 8 [24])]
    cut_ue5 [(2 1 4 [10]), (2 3 6 [14]), (3 2 6 [20]), (4 3 8 [24]), (5 2 8 [24])]
}

/// Register stages a unit puts inside its front end: the FP compressor-tree front end takes
/// the lane cut at S >= 3 and the carry-save cut at S >= 4 (for the layouts and wired psum
/// widths built with cuts, `cut_*` in the table), the INT compressor-tree front end the
/// carry-save cut at S >= 3 (rtl/NOTES.md); the carry-propagate front ends and the other FP
/// units none (their further stages lengthen the binary32 result's register chain).
/// `wired_width` is [`UnitPlan::wired_width`] (INT units ignore it).
pub fn front_cuts(
    format: &BlockFormat,
    wired_width: u32,
    reduction: Reduction,
    pipeline: usize,
) -> usize {
    match (format.elem, reduction) {
        (
            ElemFormat::Fp {
                exp_bits, man_bits, ..
            },
            Reduction::CsaTree,
        ) if cut_layouts(format.scale)
            .iter()
            .any(|&(x, y, n)| (x, y) == (exp_bits, man_bits) && n.contains(&wired_width)) =>
        {
            pipeline.saturating_sub(2).min(2)
        }
        (ElemFormat::Int { .. }, Reduction::CsaTree) => pipeline.saturating_sub(2).min(1),
        _ => 0,
    }
}

/// The FP layouts built with front-end cuts under scales of `scale`.
fn cut_layouts(scale: ScaleFormat) -> &'static [(u32, u32, &'static [u32])] {
    match scale {
        ScaleFormat::Ue8m0 | ScaleFormat::Unscaled => CUT_MX,
        ScaleFormat::E4m3 => CUT_NV,
        ScaleFormat::Ue5m3 => CUT_UE5,
    }
}

/// Build the rust-hdl unit of a validated plan (connected, ready to step or emit).
pub fn build(p: &UnitPlan) -> Result<Box<dyn UnitCore>, RtlError> {
    dispatch(p).ok_or_else(|| RtlError::Unsupported {
        format: p.format.name.clone(),
        why: describe(&p.format),
    })
}
