//! The exact software model of a mixed-format MAC unit (issue 8): one unit that runs an 8-bit
//! MX format or a 4-bit NV format, selected per cycle by `mode`, at the 1:2 throughput of the
//! study's Table 5 (rtl/NOTES.md). Mathematics only: each block is the
//! single-format model of [`super::emulate`], and the 4-bit blocks of a cycle are summed in a
//! stated binary32 order.
//!
//! # The unit
//! K lanes of 8-bit elements (K = 16, 32 or 64). Per cycle:
//! - mode 0 (8-bit): one block of K MXINT8 / MXFP8 elements with UE8M0 scales, exactly the
//!   single-format unit's R (MXFP8 with its default psum width n = 24);
//! - mode 1 (4-bit): 2K NVINT4 / NVFP4 elements = G = K / 8 NV blocks of 16, block j with its
//!   own E4M3 scales; R_j is the single-format NV unit's R of block j (exact block sums:
//!   NVINT4 always, NVFP4 because its window is exact), and the cycle's result is the
//!   balanced binary32 sum of R_0 .. R_(G-1): level by level, neighbours added in order
//!   ((R_0 + R_1) + (R_2 + R_3)) for G = 4, each addition IEEE binary32 round-to-nearest-even
//!   with the canonical NaN.
//!
//! The accumulator then takes R as in every unit: acc <- R on acc_clear, else acc + R.

use crate::datapath::emulate::{add_binary32, emulate_block, UnitParams};
use crate::format::{lookup, BlockFormat, ElemFormat, FormatError, ScaleFormat};

/// Lane counts (8-bit lanes) a mixed unit may have: G = K / 8 NV blocks per 4-bit cycle,
/// at least two so that half of them can live on each side of the FP scheme.
pub const MIXED_LANES: [usize; 3] = [16, 32, 64];
/// Elements per NV block.
pub const NV_BLOCK: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum MixedError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(
        "'{0}' is not a mixed format: write it as WIDE+NARROW, e.g. mxint8+nvint4 or mxfp8+nvfp4"
    )]
    Syntax(String),
    #[error("no mixed unit is built for {wide}+{narrow}; built: mxint8+nvint4, mxfp8+nvfp4 (an 8-bit MX format with a 4-bit NV format of the same kind)")]
    Unsupported { wide: String, narrow: String },
    #[error("lanes of a mixed unit must be 16, 32 or 64 (8-bit lanes; G = K/8 NV blocks per 4-bit cycle), got {0}")]
    Lanes(usize),
}

/// Which of the two built mixed pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MixedKind {
    /// MXINT8 + NVINT4.
    Int,
    /// MXFP8 (E4M3) + NVFP4 (E2M1).
    Fp,
}

/// A mixed format: the 8-bit MX format of mode 0 and the 4-bit NV format of mode 1.
#[derive(Clone, Debug, PartialEq)]
pub struct MixedFormat {
    pub kind: MixedKind,
    pub wide: BlockFormat,
    pub narrow: BlockFormat,
}

impl MixedFormat {
    /// Parse `WIDE+NARROW` (format names as [`lookup`] takes them).
    pub fn parse(name: &str) -> Result<Self, MixedError> {
        let (w, n) = name
            .split_once('+')
            .ok_or_else(|| MixedError::Syntax(name.to_string()))?;
        let (wide, narrow) = (lookup(w.trim())?, lookup(n.trim())?);
        Self::new(wide, narrow)
    }

    /// The pair, if a unit for it is built: an 8-bit MX format (UE8M0 scales, INT8 or E4M3
    /// elements) with a 4-bit NV format (E4M3 scales, blocks of 16, INT4 or E2M1 elements).
    pub fn new(wide: BlockFormat, narrow: BlockFormat) -> Result<Self, MixedError> {
        let e4m3 = ElemFormat::Fp {
            exp_bits: 4,
            man_bits: 3,
            bias: 7,
            specials: crate::format::FpSpecials::NanOnly,
        };
        let e2m1 = ElemFormat::Fp {
            exp_bits: 2,
            man_bits: 1,
            bias: 1,
            specials: crate::format::FpSpecials::Finite,
        };
        let scales_ok = wide.scale == ScaleFormat::Ue8m0
            && narrow.scale == ScaleFormat::E4m3
            && narrow.block == NV_BLOCK;
        let kind = match (wide.elem, narrow.elem) {
            (ElemFormat::Int { bits: 8 }, ElemFormat::Int { bits: 4 }) if scales_ok => {
                MixedKind::Int
            }
            (w, n) if scales_ok && w == e4m3 && n == e2m1 => MixedKind::Fp,
            _ => {
                return Err(MixedError::Unsupported {
                    wide: wide.name,
                    narrow: narrow.name,
                })
            }
        };
        Ok(MixedFormat { kind, wide, narrow })
    }

    /// `wide+narrow`, e.g. `mxint8+nvint4`.
    pub fn name(&self) -> String {
        format!("{}+{}", self.wide.name, self.narrow.name)
    }

    /// The single-format model parameters of mode 0 (K lanes, the 8-bit format's default
    /// psum width) and of one mode-1 block (16 lanes, the exact width).
    fn params(&self, lanes: usize) -> (UnitParams, UnitParams) {
        let wide = UnitParams {
            lanes,
            psum_width: self.wide.default_psum_width(),
            pipeline: 0,
            arch: Default::default(),
        };
        let narrow = UnitParams {
            lanes: NV_BLOCK,
            psum_width: self.narrow.exact_psum_width(),
            pipeline: 0,
            arch: Default::default(),
        };
        (wide, narrow)
    }
}

/// Check a mixed unit's lane count.
pub fn check_lanes(lanes: usize) -> Result<usize, MixedError> {
    if MIXED_LANES.contains(&lanes) {
        Ok(lanes)
    } else {
        Err(MixedError::Lanes(lanes))
    }
}

/// NV blocks per 4-bit cycle of a K-lane mixed unit: 2K / 16.
pub fn nv_blocks(lanes: usize) -> usize {
    2 * lanes / NV_BLOCK
}

/// The balanced binary32 sum of `r` (a power-of-two count): neighbours added level by level.
pub fn tree_sum(r: &[u32]) -> u32 {
    assert!(r.len().is_power_of_two(), "tree_sum of {} values", r.len());
    let mut level = r.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| add_binary32(p[0], p[1])).collect();
    }
    level[0]
}

/// R of one cycle of a K-lane mixed unit.
///
/// Mode 0 (`four_bit` false): `a`, `b` hold K 8-bit codes, the scales' first entries are the
/// block's UE8M0 codes (the others are ignored). Mode 1: `a`, `b` hold 2K 4-bit codes
/// (block j = elements 16j .. 16j + 15) and `a_scale[j]`, `b_scale[j]` the E4M3 codes of
/// block j. Slices must have those lengths (K valid per [`check_lanes`]).
pub fn emulate_mixed(
    m: &MixedFormat,
    lanes: usize,
    four_bit: bool,
    a: &[u32],
    b: &[u32],
    a_scale: &[u8],
    b_scale: &[u8],
) -> u32 {
    let g = nv_blocks(lanes);
    let (wide, narrow) = m.params(lanes);
    assert!(
        a_scale.len() == g && b_scale.len() == g,
        "emulate_mixed: {g} scale codes per operand expected"
    );
    if !four_bit {
        assert!(
            a.len() == lanes && b.len() == lanes,
            "emulate_mixed: {lanes} 8-bit codes per operand expected"
        );
        return emulate_block(&m.wide, &wide, a, b, a_scale[0], b_scale[0]);
    }
    assert!(
        a.len() == 2 * lanes && b.len() == 2 * lanes,
        "emulate_mixed: {} 4-bit codes per operand expected",
        2 * lanes
    );
    let r: Vec<u32> = (0..g)
        .map(|j| {
            let s = j * NV_BLOCK..(j + 1) * NV_BLOCK;
            emulate_block(
                &m.narrow,
                &narrow,
                &a[s.clone()],
                &b[s],
                a_scale[j],
                b_scale[j],
            )
        })
        .collect();
    tree_sum(&r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datapath::emulate::CANONICAL_NAN;
    use crate::format::lookup_in;

    #[test]
    fn names_parse_and_unbuilt_pairs_are_refused_by_name() {
        let m = MixedFormat::parse("MXINT8+NVINT4").unwrap();
        assert_eq!(
            (m.kind, m.name()),
            (MixedKind::Int, "mxint8+nvint4".to_string())
        );
        assert_eq!(
            MixedFormat::parse("mxfp8+nvfp4").unwrap().kind,
            MixedKind::Fp
        );
        let e = MixedFormat::parse("mxfp8+nvint4").unwrap_err().to_string();
        assert!(e.contains("mxfp8+nvint4") && e.contains("built"), "{e}");
        assert!(MixedFormat::parse("mxint8")
            .unwrap_err()
            .to_string()
            .contains("'mxint8'"));
        assert!(MixedFormat::parse("mxint8+nvint9").is_err());
        assert!(check_lanes(8).unwrap_err().to_string().contains("got 8"));
        assert_eq!(nv_blocks(32), 4);
    }

    #[test]
    fn e2m1_placed_as_s00xxx00_is_exactly_e4m3_times_2_to_the_6() {
        // The FP scheme runs E2M1 on E4M3 lanes with the code placed as S_00EE_M00. Both
        // formats give subnormals the exponent 1 - bias, so every code, the subnormal 0.5 and
        // the zeros included, maps to its E2M1 value times 2^(1 - 7): each product is scaled by
        // 2^-12 and the unit undoes it in the block's exponent (bias 1 instead of 7).
        let (e2m1, e4m3) = (
            lookup_in("nvfp4", &[]).unwrap().elem,
            lookup_in("mxfp8", &[]).unwrap().elem,
        );
        for c in 0..16u32 {
            let placed = ((c & 8) << 4) | ((c & 7) << 2);
            let (v4, v8) = (e2m1.value(c), e4m3.value(placed));
            assert_eq!(
                v8.to_bits(),
                (v4 / 64.0).to_bits(),
                "E2M1 code {c:#x}: {v4} vs E4M3 {placed:#04x} = {v8}"
            );
            assert!(e4m3.decode(placed).class != crate::format::Class::NaN);
        }
    }

    #[test]
    fn the_block_sum_order_is_the_stated_tree() {
        // Binary32 addition is not associative, so the order is part of the contract:
        // (1 + 1) + (2^24 + 0) = 2^24 + 2 exactly, while (2^24 + 1) + (1 + 0) rounds each
        // half-ulp 1 away (ties to even) and stays at 2^24.
        let (one, big) = (1.0f32.to_bits(), 16_777_216.0f32.to_bits());
        assert_eq!(tree_sum(&[one, one, big, 0]), 16_777_218.0f32.to_bits());
        assert_eq!(tree_sum(&[big, one, one, 0]), big);
        assert_eq!(tree_sum(&[CANONICAL_NAN, one]), CANONICAL_NAN);
        assert_eq!(
            tree_sum(&[f32::INFINITY.to_bits(), f32::NEG_INFINITY.to_bits()]),
            CANONICAL_NAN
        );
    }

    #[test]
    fn four_bit_mode_is_the_nv_blocks_summed_and_eight_bit_mode_is_the_mx_block() {
        let m = MixedFormat::parse("mxint8+nvint4").unwrap();
        let nv = lookup_in("nvint4", &[]).unwrap();
        // Block j: element 0 of a = 1, of b = j + 1 (INT4 codes), scales 1.0 (E4M3 0x38).
        let (mut a, mut b) = (vec![0u32; 64], vec![0u32; 64]);
        for j in 0..4 {
            a[16 * j] = 1;
            b[16 * j] = j as u32 + 1;
        }
        let one = [0x38u8; 4];
        // NVINT4 elements are code * 2^-2: products (j+1)/16, sum 10/16.
        let r = emulate_mixed(&m, 32, true, &a, &b, &one, &one);
        assert_eq!(r, (10.0f32 / 16.0).to_bits());
        let p = UnitParams {
            lanes: 16,
            psum_width: 8,
            pipeline: 0,
            arch: Default::default(),
        };
        assert_eq!(
            emulate_block(&nv, &p, &a[16..32], &b[16..32], 0x38, 0x38),
            (2.0f32 / 16.0).to_bits()
        );
        // Mode 0 reads only the first scale byte: 32 products 1 * 1 * 2^-12 times 2^(128-127)^2.
        let r = emulate_mixed(
            &m,
            32,
            false,
            &[1; 32],
            &[1; 32],
            &[128, 0xFF, 0, 0],
            &[128, 1, 2, 3],
        );
        assert_eq!(r, (32.0f32 * 4.0 / 4096.0).to_bits());
    }
}
