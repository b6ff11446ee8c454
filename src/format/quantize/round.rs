//! Element kernels: one block's elements scaled, rounded to the element grid, saturated,
//! encoded and dequantized, working on f32 bit patterns with no per-element branches.
//!
//! Every step is exact or a single IEEE operation the reference code also performs:
//! - q = fl32(|V| * a) * b (MX; a, b powers of two) or fl32(|V| / S_b) (NV).
//! - FP elements: the element exponent is the f32 exponent of q held at the format's emin, u
//!   = q * 2^(M - e) is q in units of the grid step (exact), and u is rounded to an integer.
//!   For |q| just below 2^j the reference takes fl32(log2 |q|) = j and we take j - 1; both
//!   round to exactly 2^j, so the results agree.
//! - RNE: (u + 2^23) - 2^23. Truncation: trunc(u). Stochastic: trunc(u) plus one when a
//!   32-bit draw r, taken as r * 2^-32, is below the fraction u - trunc(u) (exact compare in
//!   f64); the draw is a hash of the seed and the element's index in the tensor, so the
//!   result does not depend on threads or chunking. Half away: trunc(fl32(u + 0.5)), which is microxcaling's
//!   floor(|x| + 0.5) to the bit, including its one artefact: u = 0.5 - 2^-25 (0x3EFFFFFF)
//!   gives fl32(u + 0.5) = 1.0 and rounds to 1. microxcaling's "even" mode has the same
//!   artefact. A block constant selects, per rule, which of the two results u = 0x3EFFFFFF
//!   gets, so `ocp` reproduces microxcaling and the other rules round exactly.
//! - Saturation: q is held below 2 * max before rounding (so no overflow or Inf can reach the
//!   rounding), and the rounded magnitude is clamped to max.

use super::ElemCode;

/// Bits of 0.5 - 2^-25, the one element-unit value where fl32(u + 0.5) rounds up to 1.0.
pub const HALF_MINUS: u32 = 0x3EFF_FFFF;

/// Element rounding as a const parameter of the kernels: round to nearest even.
pub const RNE: u8 = 0;
/// Round half away from zero.
pub const AWAY: u8 = 1;
/// Truncate toward zero.
pub const TRUNC: u8 = 2;
/// Stochastic (scalar kernel only).
pub const STOCH: u8 = 3;

/// The 32-bit draw of stochastic rounding for element `idx` under `seed` (SplitMix64's
/// finalizer applied twice: a counter-based stream, the same in every chunk and thread).
#[inline(always)]
pub fn stochastic_draw(seed: u64, idx: u64) -> u32 {
    #[inline(always)]
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    (mix(seed ^ mix(idx)) >> 32) as u32
}

/// Per-format, per-rule constants of the element kernel.
#[derive(Clone, Copy, Debug)]
pub struct ElemKernel {
    /// FP mantissa bits M (unused for INT).
    pub man_bits: u32,
    /// FP: biased f32 exponent field of 2^emin, the smallest normal element exponent.
    pub emin_field: u32,
    /// Largest element magnitude, in element units.
    pub max: f32,
    /// q is held below this before rounding.
    pub cap: f32,
    /// Element-unit value whose rounding is patched (`HALF_MINUS`, or u32::MAX for none).
    pub patch_bits: u32,
    /// What the patched value rounds to (0 or 1).
    pub patch_to: f32,
    /// u32::MAX when a zero result keeps the input's sign (the study's INT path, which uses
    /// torch.round), 0 when it is negative only if q != 0 (sign(q) * ..., everyone else).
    pub zero_sign_from_input: u32,
    /// Code width b.
    pub bits: u32,
    /// FP: two powers of two whose product is 2^(-126 - emin): (r * m0) * m1 maps an element
    /// value r onto the f32 subnormal grid so that its f32 bits, shifted right by 23 - M, are
    /// the element code's magnitude. Two factors keep both normal f32 numbers for biases
    /// below -22 (both exact: every result is a multiple of 2^(-126 - M)).
    pub code_mul: [f32; 2],
    /// Code of the element NaN (or 0 when the format has none), used in NaN-scale blocks.
    pub nan_code: u32,
    /// Seed of stochastic rounding.
    pub seed: u64,
}

/// How one block's q is formed and how its outputs are scaled back.
#[derive(Clone, Copy, Debug)]
pub struct BlockParams {
    /// MX: q = fl32(|V| * a) * b. NV: a = 0 and q = |V| / d.
    pub a: f32,
    pub b: f32,
    pub d: f32,
    /// Output = fl32(fl32(r * o1) * o2), r the element magnitude in element units.
    pub o1: f32,
    pub o2: f32,
}

/// Rounding of u >= 0 (an element-unit magnitude below 2^23) to an integer-valued f32;
/// `idx` is the element's index in the tensor (stochastic rounding only).
#[inline(always)]
fn round_units<const ROUND: u8>(k: &ElemKernel, u: f32, idx: u64) -> f32 {
    let r = match ROUND {
        AWAY => ((u + 0.5) as i32) as f32,
        TRUNC => (u as i32) as f32,
        STOCH => {
            let t = (u as i32) as f32;
            let frac = (u - t) as f64 * 4_294_967_296.0;
            t + ((stochastic_draw(k.seed, idx) as f64) < frac) as i32 as f32
        }
        _ => (u + 8_388_608.0) - 8_388_608.0,
    };
    if u.to_bits() == k.patch_bits {
        k.patch_to
    } else {
        r
    }
}

/// One element: returns (dequantized value, element code). `div` is a constant of the
/// calling loop (NV or not) and folds away after inlining; `idx` is the element's index in
/// the tensor.
#[inline(always)]
fn element<const INT: bool, const ROUND: u8>(
    k: &ElemKernel,
    p: &BlockParams,
    div: bool,
    v: f32,
    idx: u64,
) -> (f32, u32) {
    let vb = v.to_bits();
    let sign = vb & 0x8000_0000;
    let av = f32::from_bits(vb & 0x7FFF_FFFF);
    let q = if div { av / p.d } else { (av * p.a) * p.b };
    let qc = if q < k.cap { q } else { k.cap };
    let r = if INT {
        let n = round_units::<ROUND>(k, qc, idx);
        if n < k.max {
            n
        } else {
            k.max
        }
    } else {
        let e = (qc.to_bits() >> 23).max(k.emin_field);
        let u = qc * f32::from_bits((254 + k.man_bits - e) << 23);
        let n = round_units::<ROUND>(k, u, idx);
        let m = n * f32::from_bits((e - k.man_bits) << 23);
        if m < k.max {
            m
        } else {
            k.max
        }
    };
    let nonzero = if q.to_bits() != 0 { u32::MAX } else { 0 };
    let neg = sign & (nonzero | k.zero_sign_from_input);
    let out = f32::from_bits(((r * p.o1) * p.o2).to_bits() | neg);
    let code = if INT {
        let n = r as i32;
        (if neg != 0 { -n } else { n }) as u32 & ((1u32 << k.bits) - 1)
    } else {
        let b = ((r * k.code_mul[0]) * k.code_mul[1]).to_bits();
        (b >> (23 - k.man_bits)) | (neg >> (32 - k.bits))
    };
    (out, code)
}

/// Quantize one block: `x` and `out` are the block's real elements (the padded tail of a
/// row's last block is not materialized: zeros never change the scale); with CODES, `codes`
/// receives one code per element of `x`. `base` is the tensor index of `x[0]`.
#[inline(always)]
pub fn quantize_block<C: ElemCode, const INT: bool, const ROUND: u8, const CODES: bool>(
    k: &ElemKernel,
    p: &BlockParams,
    div: bool,
    x: &[f32],
    out: &mut [f32],
    codes: &mut [C],
    base: u64,
) {
    if CODES {
        for (i, ((o, c), &v)) in out.iter_mut().zip(codes.iter_mut()).zip(x).enumerate() {
            let (val, code) = element::<INT, ROUND>(k, p, div, v, base + i as u64);
            *o = val;
            *c = C::from_code(code);
        }
    } else {
        for (i, (o, &v)) in out.iter_mut().zip(x).enumerate() {
            *o = element::<INT, ROUND>(k, p, div, v, base + i as u64).0;
        }
    }
}

/// Largest |V| of a block as f32 bits: NaN patterns compare above Inf (0x7F800000), which
/// compares above every finite value, so one integer max finds NaN, Inf and amax at once.
#[inline(always)]
pub fn amax_bits(x: &[f32]) -> u32 {
    x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF))
}

/// The same kernel written with AVX2 intrinsics, eight elements per step: each operation is
/// the vector form of the scalar one above (the same IEEE operations, in the same order, and
/// the same integer bit manipulation), so the results are identical; tests run both on the
/// same data. Tails shorter than eight use the scalar kernel.
#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    use super::{element, BlockParams, ElemCode, ElemKernel, AWAY, STOCH, TRUNC};
    use std::arch::x86_64::*;

    // These functions carry no #[target_feature] of their own: they are always inlined into
    // `drive_avx2`, which has AVX2 enabled, so that the broadcast constants are hoisted out of
    // the block loop and no call remains per block.

    /// [`super::amax_bits`] for AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2, and the caller must be compiled with AVX2 enabled.
    #[inline(always)]
    pub unsafe fn amax_bits(x: &[f32]) -> u32 {
        let n8 = x.len() / 8 * 8;
        let abs = _mm256_set1_epi32(0x7FFF_FFFF);
        let mut acc = _mm256_setzero_si256();
        let mut i = 0;
        while i < n8 {
            // SAFETY: i + 8 <= n8 <= x.len().
            let v = _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i);
            acc = _mm256_max_epu32(acc, _mm256_and_si256(v, abs));
            i += 8;
        }
        // Horizontal max of the eight lanes.
        let m = _mm_max_epu32(
            _mm256_castsi256_si128(acc),
            _mm256_extracti128_si256(acc, 1),
        );
        let m = _mm_max_epu32(m, _mm_shuffle_epi32(m, 0b01_00_11_10));
        let m = _mm_max_epu32(m, _mm_shuffle_epi32(m, 0b10_11_00_01));
        let lanes = _mm_cvtsi128_si32(m) as u32;
        x[n8..]
            .iter()
            .fold(lanes, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF))
    }

    /// [`super::round_units`] for eight lanes (not stochastic); PATCH applies the
    /// 0.5 - 2^-25 rule.
    #[inline(always)]
    unsafe fn round_units<const ROUND: u8, const PATCH: bool>(u: __m256, c: &Consts) -> __m256 {
        let n = match ROUND {
            AWAY => _mm256_cvtepi32_ps(_mm256_cvttps_epi32(_mm256_add_ps(u, _mm256_set1_ps(0.5)))),
            TRUNC => _mm256_cvtepi32_ps(_mm256_cvttps_epi32(u)),
            _ => {
                let magic = _mm256_set1_ps(8_388_608.0);
                _mm256_sub_ps(_mm256_add_ps(u, magic), magic)
            }
        };
        if PATCH {
            let hit = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_castps_si256(u), c.patch_bits));
            _mm256_blendv_ps(n, c.patch_to, hit)
        } else {
            n
        }
    }

    /// The kernel's broadcast constants.
    struct Consts {
        a: __m256,
        b: __m256,
        d: __m256,
        o1: __m256,
        o2: __m256,
        cap: __m256,
        max: __m256,
        emin: __m256i,
        in_base: __m256i,
        man: __m256i,
        patch_bits: __m256i,
        patch_to: __m256,
        zfi: __m256i,
    }

    /// [`super::quantize_block`] for AVX2 (stochastic rounding runs the scalar kernel).
    ///
    /// # Safety
    /// The CPU must support AVX2 and the caller must be compiled with AVX2 enabled;
    /// `out.len() == x.len()`, and `codes.len() == x.len()` when CODES.
    #[inline(always)]
    pub unsafe fn quantize_block<
        C: ElemCode,
        const INT: bool,
        const ROUND: u8,
        const CODES: bool,
    >(
        k: &ElemKernel,
        p: &BlockParams,
        div: bool,
        x: &[f32],
        out: &mut [f32],
        codes: &mut [C],
        base: u64,
    ) {
        if ROUND == STOCH {
            super::quantize_block::<C, INT, ROUND, CODES>(k, p, div, x, out, codes, base);
            return;
        }
        let c = Consts {
            a: _mm256_set1_ps(p.a),
            b: _mm256_set1_ps(p.b),
            d: _mm256_set1_ps(p.d),
            o1: _mm256_set1_ps(p.o1),
            o2: _mm256_set1_ps(p.o2),
            cap: _mm256_set1_ps(k.cap),
            max: _mm256_set1_ps(k.max),
            emin: _mm256_set1_epi32(k.emin_field as i32),
            in_base: _mm256_set1_epi32((254 + k.man_bits) as i32),
            man: _mm256_set1_epi32(k.man_bits as i32),
            patch_bits: _mm256_set1_epi32(k.patch_bits as i32),
            patch_to: _mm256_set1_ps(k.patch_to),
            zfi: _mm256_set1_epi32(k.zero_sign_from_input as i32),
        };
        let n8 = x.len() / 8 * 8;
        if k.patch_bits == u32::MAX {
            lanes::<C, INT, ROUND, CODES, false>(k, &c, div, &x[..n8], &mut out[..n8], codes);
        } else {
            lanes::<C, INT, ROUND, CODES, true>(k, &c, div, &x[..n8], &mut out[..n8], codes);
        }
        for j in n8..x.len() {
            let (val, code) = element::<INT, ROUND>(k, p, div, x[j], base + j as u64);
            out[j] = val;
            if CODES {
                codes[j] = C::from_code(code);
            }
        }
    }

    /// Whole groups of eight. For FP elements b and o1 are 1, so those steps are left out
    /// (multiplying by 1 is exact).
    ///
    /// # Safety
    /// As [`quantize_block`]; `x.len()` is a multiple of 8 and `out.len() == x.len()`.
    #[inline(always)]
    unsafe fn lanes<
        C: ElemCode,
        const INT: bool,
        const ROUND: u8,
        const CODES: bool,
        const PATCH: bool,
    >(
        k: &ElemKernel,
        c: &Consts,
        div: bool,
        x: &[f32],
        out: &mut [f32],
        codes: &mut [C],
    ) {
        let sign_bit = _mm256_set1_epi32(i32::MIN);
        let mut i = 0;
        while i < x.len() {
            // SAFETY: i + 8 <= x.len() == out.len() (and <= codes.len() when CODES).
            let vb = _mm256_loadu_si256(x.as_ptr().add(i) as *const __m256i);
            let sign = _mm256_and_si256(vb, sign_bit);
            let av = _mm256_castsi256_ps(_mm256_andnot_si256(sign_bit, vb));
            let q = if div {
                _mm256_div_ps(av, c.d)
            } else if INT {
                _mm256_mul_ps(_mm256_mul_ps(av, c.a), c.b)
            } else {
                _mm256_mul_ps(av, c.a)
            };
            let qc = _mm256_min_ps(q, c.cap);
            let r = if INT {
                _mm256_min_ps(round_units::<ROUND, PATCH>(qc, c), c.max)
            } else {
                let e = _mm256_max_epu32(_mm256_srli_epi32(_mm256_castps_si256(qc), 23), c.emin);
                let to_units =
                    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_sub_epi32(c.in_base, e), 23));
                let n = round_units::<ROUND, PATCH>(_mm256_mul_ps(qc, to_units), c);
                let step = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_sub_epi32(e, c.man), 23));
                _mm256_min_ps(_mm256_mul_ps(n, step), c.max)
            };
            // neg = sign & (q != 0 | zero_sign_from_input)
            let is_zero = _mm256_cmpeq_epi32(_mm256_castps_si256(q), _mm256_setzero_si256());
            let neg = _mm256_andnot_si256(_mm256_andnot_si256(c.zfi, is_zero), sign);
            let scaled = if INT {
                _mm256_mul_ps(_mm256_mul_ps(r, c.o1), c.o2)
            } else {
                _mm256_mul_ps(r, c.o2)
            };
            let o = _mm256_or_si256(_mm256_castps_si256(scaled), neg);
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, o);
            if CODES {
                let v = if INT {
                    let n = _mm256_cvttps_epi32(r);
                    let negmask = _mm256_srai_epi32(neg, 31);
                    let signed = _mm256_sub_epi32(_mm256_xor_si256(n, negmask), negmask);
                    _mm256_and_si256(signed, _mm256_set1_epi32(((1u32 << k.bits) - 1) as i32))
                } else {
                    let man_shift = _mm_cvtsi32_si128(23 - k.man_bits as i32);
                    let sign_shift = _mm_cvtsi32_si128(32 - k.bits as i32);
                    let b = _mm256_castps_si256(_mm256_mul_ps(
                        _mm256_mul_ps(r, _mm256_set1_ps(k.code_mul[0])),
                        _mm256_set1_ps(k.code_mul[1]),
                    ));
                    let mag = _mm256_srl_epi32(b, man_shift);
                    _mm256_or_si256(mag, _mm256_srl_epi32(neg, sign_shift))
                };
                // Codes of up to 16 bits (unsigned) survive the saturating packs; wider ones
                // are stored as they are.
                let lo = _mm256_castsi256_si128(v);
                let hi = _mm256_extracti128_si256(v, 1);
                let w16 = _mm_packus_epi32(lo, hi);
                if C::BITS == 32 {
                    _mm256_storeu_si256(codes.as_mut_ptr().add(i) as *mut __m256i, v);
                } else if C::BITS == 8 {
                    let w8 = _mm_packus_epi16(w16, w16);
                    _mm_storel_epi64(codes.as_mut_ptr().add(i) as *mut __m128i, w8);
                } else {
                    _mm_storeu_si128(codes.as_mut_ptr().add(i) as *mut __m128i, w16);
                }
            }
            i += 8;
        }
    }
}
