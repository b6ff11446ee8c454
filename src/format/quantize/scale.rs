//! Block scales: the UE8M0 exponent rules, `ocp`, `ceil` and `rceil` with the reference
//! code's FP32 `log2`, `floor`, `torchao-ceil` and `even` from the exponent bits of amax as
//! torchao takes them; and the NV two-level scale (an E4M3 or UE5M3 block scale over an FP32
//! per-tensor scale).

use std::sync::OnceLock;

use super::ScaleRule;
use crate::format::spec::{BlockFormat, ElemFormat, ScaleFormat};

/// Biased f32 exponent field and 23-bit fraction of a positive finite f32, normalized so
/// that subnormals look like normals: value = 2^k * (1 + frac * 2^-23).
#[inline]
fn decompose(x: f32) -> (i32, u32) {
    let bits = x.to_bits() & 0x7FFF_FFFF;
    let field = (bits >> 23) as i32;
    if field != 0 {
        return (field - 127, bits & 0x7F_FFFF);
    }
    // Subnormal: shift the leading one up to the hidden-bit position.
    let lz = bits.leading_zeros() as i32 - 8; // zeros above bit 23
    let frac = (bits << lz) & 0x7F_FFFF;
    (-126 - lz, frac)
}

/// Thresholds that turn the exact exponent of x into floor / ceil of fl32(log2(x)).
///
/// The reference implementations take `torch.log2` of an FP32 value and then `floor` or
/// `ceil`. torch's FP32 log2 is correctly rounded at every input near a power of two (checked
/// against a 200-bit log2 for all 102,197 such inputs of every exponent), so the rounded
/// log2 of x = 2^k * m lands exactly on an integer when m is within a few FP32 ulps of 2 and
/// k + 1 >= 3 or k + 1 <= -2 (floor moves up), or within a few ulps above 1 and k >= 4 or
/// k <= -5 (ceil stays at k). These tables say, per exponent k, from which 23-bit fraction on the
/// rounded value reaches the next integer. `tests/data/golden_log2.json` holds the same
/// tables re-derived in Python with 60-digit logarithms; a test compares them.
pub struct Log2Tables {
    /// floor(fl32(log2(2^k * m))) = k + 1 iff frac >= floor_thr[k + 149], else k.
    floor_thr: [u32; 277],
    /// ceil(fl32(log2(2^k * m))) = k iff frac == 0 or frac < ceil_thr[k + 149], else k + 1.
    ceil_thr: [u32; 277],
}

/// Distance from the f32 value `v` (an integer, |v| <= 150) to its neighbour in direction
/// `toward_zero` (true: the next float of smaller magnitude).
fn neighbour_gap(v: i32, toward_zero: bool) -> f64 {
    let a = v.unsigned_abs();
    let p = 31 - a.leading_zeros() as i32; // floor(log2 |v|)
    let ulp = (2f64).powi(p - 23);
    if toward_zero && a.is_power_of_two() {
        ulp / 2.0
    } else {
        ulp
    }
}

impl Log2Tables {
    fn build() -> Self {
        let mut floor_thr = [1u32 << 23; 277];
        let mut ceil_thr = [1u32; 277];
        let ln2 = std::f64::consts::LN_2;
        for k in -149i32..=127 {
            let i = (k + 149) as usize;
            // floor: k + log2(m) rounds up to k + 1 iff log2(m) > 1 - gap/2, where gap is
            // the float spacing just below k + 1 (toward k). Never for k + 1 == 0, where
            // floats are dense. log2(m) = 1 + log2(1 - d), d = (2^23 - frac) * 2^-24.
            if k + 1 != 0 {
                let half = neighbour_gap(k + 1, k + 1 > 0) / 2.0;
                // smallest frac with -log2(1 - d) < half
                let pred = |frac: u32| -> bool {
                    let d = (((1u32 << 23) - frac) as f64) * (2f64).powi(-24);
                    -(-d).ln_1p() / ln2 < half
                };
                floor_thr[i] = first_true(pred);
            }
            // ceil: k + log2(m) (m > 1) rounds down to k iff log2(m) < gap/2 where gap is the
            // float spacing just above k (toward k + 1). Never for k == 0.
            if k != 0 {
                let half = neighbour_gap(k, k < 0) / 2.0;
                let pred = |frac: u32| -> bool {
                    let f = frac as f64 * (2f64).powi(-23);
                    f.ln_1p() / ln2 > half
                };
                ceil_thr[i] = first_true(pred).max(1);
            }
        }
        Log2Tables {
            floor_thr,
            ceil_thr,
        }
    }

    /// The shared tables (built once).
    pub fn get() -> &'static Log2Tables {
        static T: OnceLock<Log2Tables> = OnceLock::new();
        T.get_or_init(Log2Tables::build)
    }

    /// floor(fl32(log2(x))) for a positive finite x (subnormals included).
    #[inline]
    pub fn floor_log2(&self, x: f32) -> i32 {
        let (k, frac) = decompose(x);
        k + (frac >= self.floor_thr[(k + 149) as usize]) as i32
    }

    /// ceil(fl32(log2(x))) for a positive finite x (subnormals included).
    #[inline]
    pub fn ceil_log2(&self, x: f32) -> i32 {
        let (k, frac) = decompose(x);
        k + (frac != 0 && frac >= self.ceil_thr[(k + 149) as usize]) as i32
    }

    /// The raw thresholds, indexed by k + 149 for k in -149..=127 (for the golden test).
    pub fn thresholds(&self) -> (&[u32; 277], &[u32; 277]) {
        (&self.floor_thr, &self.ceil_thr)
    }
}

/// Smallest frac in 0..=2^23 with `pred(frac)` true, for a predicate monotone in frac
/// (2^23 when none).
fn first_true(pred: impl Fn(u32) -> bool) -> u32 {
    let (mut lo, mut hi) = (0u32, 1u32 << 23);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The UE8M0 scale exponent of one block under `ocp` (microxcaling), in the OCP view
/// (X = 2^exp): `Some(exp)` in [-127, 127], or `None` for the NaN scale.
///
/// `amax_bits` is max |V_i| as f32 bits (a NaN pattern, 0x7F800000 for Inf, or finite).
/// microxcaling computes floor(log2(amax + 2^-126 * (amax == 0))) - emax with emax in the
/// OCP view (0 for every INT: floor(log2((2^(b-1)-1) * 2^-(b-2))) = 0); a result above 127
/// becomes NaN, one below -127 becomes -127. NaN or Inf in the block make log2 NaN / +Inf,
/// hence the NaN scale.
pub fn ocp_exponent(elem: &ElemFormat, amax_bits: u32) -> Option<i32> {
    ocp_exponent_with(
        Log2Tables::get(),
        elem.emax() + elem.int_view_exp(),
        amax_bits,
    )
}

/// [`ocp_exponent`] with the tables and the OCP-view emax given (the per-block hot path).
#[inline]
pub fn ocp_exponent_with(t: &Log2Tables, emax_ocp: i32, amax_bits: u32) -> Option<i32> {
    if amax_bits >= 0x7F80_0000 {
        return None;
    }
    let fl = if amax_bits == 0 {
        -126
    } else {
        t.floor_log2(f32::from_bits(amax_bits))
    };
    let e = fl - emax_ocp;
    (e <= 127).then_some(e.max(-127))
}

/// The UE8M0 scale exponent of one block under `ceil` (the study), in the OCP view.
///
/// s = fl32(amax / Qmax), e = ceil(log2(s)) clamped to [-127, 127] in the element's own
/// units (the integer view for INT), then converted to the OCP view (X_ocp = X_int * 2^(b-2)).
/// The OCP-view exponent is also held at 127, the largest encodable code: that binds only for
/// INT blocks with amax above about 2^127.9, where the study's own 1e25 clamp binds anyway.
/// NaN or Inf in the block give the NaN scale, as under `ocp`.
pub fn ceil_exponent(elem: &ElemFormat, amax_bits: u32) -> Option<i32> {
    ceil_exponent_with(
        Log2Tables::get(),
        elem.max_value() as f32,
        elem.int_view_exp(),
        amax_bits,
    )
}

/// [`ceil_exponent`] with the tables, Qmax and the INT view exponent given.
#[inline]
pub fn ceil_exponent_with(
    t: &Log2Tables,
    qmax: f32,
    int_view_exp: i32,
    amax_bits: u32,
) -> Option<i32> {
    if amax_bits >= 0x7F80_0000 {
        return None;
    }
    let s = f32::from_bits(amax_bits) / qmax;
    let e = if s == 0.0 {
        -127 // log2(0) = -inf
    } else if s.is_infinite() {
        127
    } else {
        t.ceil_log2(s).clamp(-127, 127)
    };
    Some((e - int_view_exp).min(127))
}

/// How [`bits_exponent`] turns amax into an exponent (the torchao modes of the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitsMode {
    /// The exponent field of amax.
    Floor,
    /// The exponent field, plus one when any mantissa bit is set.
    Ceil,
    /// The exponent field after rounding amax to `mbits` mantissa bits (half up).
    Even { mbits: u32 },
}

/// The UE8M0 scale exponent (OCP view) of one block under `floor`, `torchao-ceil` or `even`,
/// as torchao's `to_mx` computes it from the bits of amax: the exponent field minus 127
/// (so every FP32-subnormal amax and zero give -127), adjusted by `mode`, minus `emax_ocp`,
/// clamped below at -127; above 127 (and NaN or Inf in the block, or an `even` rounding
/// that carries amax to Inf) it is the NaN scale.
#[inline]
pub fn bits_exponent(mode: BitsMode, emax_ocp: i32, amax_bits: u32) -> Option<i32> {
    if amax_bits >= 0x7F80_0000 {
        return None;
    }
    let a = match mode {
        BitsMode::Even { mbits } => (amax_bits + (1 << (22 - mbits))) & 0xFF80_0000,
        _ => amax_bits,
    };
    if a >= 0x7F80_0000 {
        return None;
    }
    let mut p = (a >> 23) as i32 - 127;
    if mode == BitsMode::Ceil && a & 0x7F_FFFF != 0 {
        p += 1;
    }
    let e = p - emax_ocp;
    (e <= 127).then_some(e.max(-127))
}

/// The NV per-tensor scale s_t = fl32(max_b s_b / top) over the blocks' s_b = fl32(amax_b /
/// qmax), `top` the scale format's largest value (448 for E4M3, 114688 for UE5M3); blocks
/// holding NaN or Inf are left out (they get the NaN scale code).
pub fn nv_tensor_scale(scale: ScaleFormat, qmax: f32, amax_bits: &[u32]) -> f32 {
    let mut max_sb = 0f32;
    for &a in amax_bits {
        if a < 0x7F80_0000 {
            max_sb = max_sb.max(f32::from_bits(a) / qmax);
        }
    }
    max_sb / scale.max_value() as f32
}

/// E4M3 NaN code (S.1111.111), used as the block scale code of NaN / Inf blocks.
pub const E4M3_NAN: u8 = 0x7F;

/// One NV block: the FP8 scale code (E4M3 or UE5M3) and the effective FP32 block scale S_b
/// (`study`: the `nv-study` rule's bf16 arithmetic). `qmax` is the element max.
#[inline]
pub fn nv_block_scale(
    study: bool,
    scale: ScaleFormat,
    qmax: f32,
    amax_bits: u32,
    s_t: f32,
) -> (u8, f32) {
    if amax_bits >= 0x7F80_0000 {
        return (scale.nan_code().unwrap_or(0xFF), f32::NAN);
    }
    let s_b = f32::from_bits(amax_bits) / qmax;
    if s_t == 0.0 {
        // Every block of the tensor is zero.
        return (0, 0.0);
    }
    let code = fp8_rne(scale, s_b / s_t);
    let v = fp8_value(scale, code);
    let sb = if study {
        bf16_rne(bf16_rne(s_t) * v)
    } else {
        s_t * v
    };
    (code, sb)
}

/// The value of a non-negative, non-NaN E4M3 code (0..=0x7E), from its bits.
#[inline]
pub fn e4m3_value(code: u8) -> f32 {
    fp8_value(ScaleFormat::E4m3, code)
}

/// Round a non-negative finite f32 to the nearest E4M3 code (ties to even), saturating at 448
/// (as torch's `float8_e4m3fn` conversion does for the ratios that occur here).
pub fn e4m3_rne(x: f32) -> u8 {
    fp8_rne(ScaleFormat::E4m3, x)
}

/// The bias of an FP8 scale's exponent field and its largest finite code (E4M3: 7, 0x7E;
/// UE5M3: 15, 0xFE); both have 3 mantissa bits and subnormals.
#[inline(always)]
fn fp8_layout(scale: ScaleFormat) -> (u32, u8) {
    match scale {
        ScaleFormat::Ue5m3 => (15, 0xFE),
        _ => (7, 0x7E),
    }
}

/// The value of a non-negative, non-NaN code of an FP8 scale (E4M3 or UE5M3), from its bits.
#[inline(always)]
pub fn fp8_value(scale: ScaleFormat, code: u8) -> f32 {
    let (bias, _) = fp8_layout(scale);
    let e = (code >> 3) as u32;
    let m = (code & 7) as u32;
    if e == 0 {
        // subnormal: m * 2^(1 - bias - 3)
        m as f32 * f32::from_bits((127 - bias - 2) << 23)
    } else {
        f32::from_bits(((e + 127 - bias) << 23) | (m << 20))
    }
}

/// Round a non-negative finite f32 to the nearest code of an FP8 scale (E4M3 or UE5M3; ties
/// to even), saturating at its largest finite value (448, 114688).
#[inline(always)]
pub fn fp8_rne(scale: ScaleFormat, x: f32) -> u8 {
    let (bias, top) = fp8_layout(scale);
    let bits = x.to_bits() & 0x7FFF_FFFF;
    if x >= fp8_value(scale, top) {
        return top;
    }
    if bits < ((128 - bias) << 23) {
        // Below the smallest normal 2^(1 - bias): subnormals, multiples of 2^(-bias - 2).
        // x * 2^(bias + 2) is exact, then RNE to an integer via the 2^23 magic constant.
        let m = (f32::from_bits(bits) * f32::from_bits((127 + bias + 2) << 23) + 8_388_608.0)
            - 8_388_608.0;
        return m as u8; // 0..=8; 8 is the smallest normal's code 0x08
    }
    // Normal: keep 3 mantissa bits, RNE on the dropped 20; a carry moves into the exponent.
    let odd = (bits >> 20) & 1;
    let r = bits + 0x7_FFFF + odd;
    let exp = (r >> 23) + bias - 127;
    let man = (r >> 20) & 7;
    (exp << 3 | man) as u8
}

/// Round an f32 to bfloat16 (ties to even), returned as f32. NaN stays NaN.
pub fn bf16_rne(x: f32) -> f32 {
    if x.is_nan() {
        return f32::NAN;
    }
    let b = x.to_bits();
    let r = b.wrapping_add(0x7FFF + ((b >> 16) & 1)) & 0xFFFF_0000;
    f32::from_bits(r)
}

/// [`nv_block_scale`] for eight blocks at once with AVX2, bit-identical to it.
#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    use super::{bf16_rne, E4M3_NAN};
    use std::arch::x86_64::*;

    /// Codes and S_b of eight blocks with max |V| bits `amax` (a NaN pattern or
    /// 0x7F800000 for a block holding NaN / Inf).
    ///
    /// # Safety
    /// The CPU must support AVX2 and the caller must be compiled with AVX2 enabled;
    /// `amax.len() == 8`.
    #[inline(always)]
    pub unsafe fn nv_block_scales(
        study: bool,
        qmax: f32,
        amax: &[u32],
        s_t: f32,
        codes: &mut [u8; 8],
        sbs: &mut [f32; 8],
    ) {
        let a = _mm256_loadu_si256(amax.as_ptr() as *const __m256i);
        let special = _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x7F7F_FFFF));
        if s_t == 0.0 {
            // Every block of the tensor is zero.
            let c = _mm256_and_si256(special, _mm256_set1_epi32(E4M3_NAN as i32));
            let sb = _mm256_and_ps(_mm256_castsi256_ps(special), _mm256_set1_ps(f32::NAN));
            store(c, sb, codes, sbs);
            return;
        }
        let s_b = _mm256_div_ps(_mm256_castsi256_ps(a), _mm256_set1_ps(qmax));
        let x = _mm256_div_ps(s_b, _mm256_set1_ps(s_t));
        let xb = _mm256_castps_si256(x);
        // E4M3 RNE, as e4m3_rne: subnormals via the 2^23 magic constant, normals by adding
        // 0x7FFFF + odd to the bits, saturation at 448.
        let magic = _mm256_set1_ps(8_388_608.0);
        let m_sub = _mm256_cvttps_epi32(_mm256_sub_ps(
            _mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(512.0)), magic),
            magic,
        ));
        let odd = _mm256_and_si256(_mm256_srli_epi32(xb, 20), _mm256_set1_epi32(1));
        let r = _mm256_add_epi32(_mm256_add_epi32(xb, _mm256_set1_epi32(0x7_FFFF)), odd);
        let exp = _mm256_sub_epi32(_mm256_srli_epi32(r, 23), _mm256_set1_epi32(120));
        let man = _mm256_and_si256(_mm256_srli_epi32(r, 20), _mm256_set1_epi32(7));
        let c_norm = _mm256_or_si256(_mm256_slli_epi32(exp, 3), man);
        let is_sub = _mm256_cmpgt_epi32(_mm256_set1_epi32(121 << 23), xb);
        let code = _mm256_blendv_epi8(c_norm, m_sub, is_sub);
        let sat = _mm256_castps_si256(_mm256_cmp_ps(x, _mm256_set1_ps(448.0), _CMP_GE_OQ));
        let code = _mm256_blendv_epi8(code, _mm256_set1_epi32(0x7E), sat);
        // E4M3 value, as e4m3_value.
        let e = _mm256_srli_epi32(code, 3);
        let m = _mm256_and_si256(code, _mm256_set1_epi32(7));
        let v_norm = _mm256_castsi256_ps(_mm256_or_si256(
            _mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(120)), 23),
            _mm256_slli_epi32(m, 20),
        ));
        let v_sub = _mm256_mul_ps(_mm256_cvtepi32_ps(m), _mm256_set1_ps(1.0 / 512.0));
        let e_zero = _mm256_castsi256_ps(_mm256_cmpeq_epi32(e, _mm256_setzero_si256()));
        let v = _mm256_blendv_ps(v_norm, v_sub, e_zero);
        let sb = if study {
            let p = _mm256_castps_si256(_mm256_mul_ps(_mm256_set1_ps(bf16_rne(s_t)), v));
            let odd = _mm256_and_si256(_mm256_srli_epi32(p, 16), _mm256_set1_epi32(1));
            let rounded = _mm256_add_epi32(_mm256_add_epi32(p, _mm256_set1_epi32(0x7FFF)), odd);
            _mm256_castsi256_ps(_mm256_and_si256(
                rounded,
                _mm256_set1_epi32(0xFFFF_0000u32 as i32),
            ))
        } else {
            _mm256_mul_ps(_mm256_set1_ps(s_t), v)
        };
        let code = _mm256_blendv_epi8(code, _mm256_set1_epi32(E4M3_NAN as i32), special);
        let sb = _mm256_blendv_ps(sb, _mm256_set1_ps(f32::NAN), _mm256_castsi256_ps(special));
        store(code, sb, codes, sbs);
    }

    #[inline(always)]
    unsafe fn store(code: __m256i, sb: __m256, codes: &mut [u8; 8], sbs: &mut [f32; 8]) {
        let lo = _mm256_castsi256_si128(code);
        let hi = _mm256_extracti128_si256(code, 1);
        let w16 = _mm_packus_epi32(lo, hi);
        let w8 = _mm_packus_epi16(w16, w16);
        _mm_storel_epi64(codes.as_mut_ptr() as *mut __m128i, w8);
        _mm256_storeu_ps(sbs.as_mut_ptr(), sb);
    }
}

/// Does the rule apply to this format's scale? (UE8M0 rules for MX, NV rules for E4M3 and
/// UE5M3.)
/// Whether `rule` chooses the scales of `fmt`; a format without a scale takes any rule and
/// ignores it.
pub(super) fn rule_fits(rule: ScaleRule, fmt: &BlockFormat) -> bool {
    fmt.scale == ScaleFormat::Unscaled
        || matches!(rule, ScaleRule::Nv | ScaleRule::NvStudy) == fmt.is_nv()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::spec::E4M3;

    #[test]
    fn decompose_handles_subnormals() {
        assert_eq!(decompose(1.0), (0, 0));
        assert_eq!(decompose(f32::from_bits(1)), (-149, 0));
        assert_eq!(decompose(f32::from_bits(3)), (-148, 1 << 22));
        assert_eq!(decompose(f32::MAX), (127, 0x7F_FFFF));
    }

    #[test]
    fn fp32_log2_rounds_up_just_below_powers_of_two() {
        let t = Log2Tables::get();
        // 8 * (1 - 2^-24): log2 = 3 - 8.6e-8 rounds to 3.0 in FP32 (floats below 3 are
        // 2.4e-7 apart) ...
        assert_eq!(t.floor_log2(f32::from_bits(0x40FF_FFFF)), 3);
        // ... but 4 * (1 - 2^-24): 2 - 8.6e-8 is representable (floats below 2 are 1.2e-7 apart).
        assert_eq!(t.floor_log2(f32::from_bits(0x407F_FFFF)), 1);
        // 0.25 * (1 - 2^-24): -2 - 8.6e-8 rounds to -2.0.
        assert_eq!(t.floor_log2(f32::from_bits(0x3E7F_FFFF)), -2);
        // 2^10 * (1 + 2^-23): log2 = 10 + 1.7e-7 rounds to 10.0 (half ulp of 10 is 4.8e-7).
        assert_eq!(t.ceil_log2(f32::from_bits(0x4480_0001)), 10);
        assert_eq!(t.ceil_log2(2.0), 1);
        // 2^4 * (1 + 2^-23) and 2^-5 * (1 + 2^-23) stay at the exponent; 2^3, 2^-4 do not.
        assert_eq!(t.ceil_log2(f32::from_bits(0x4180_0001)), 4);
        assert_eq!(t.ceil_log2(f32::from_bits(0x3D00_0001)), -5);
        assert_eq!(t.ceil_log2(f32::from_bits(0x4100_0001)), 4);
        assert_eq!(t.ceil_log2(f32::from_bits(0x3D80_0001)), -3);
        assert_eq!(t.ceil_log2(f32::from_bits(0x3F80_0001)), 1);
        assert_eq!(t.floor_log2(f32::from_bits(1)), -149);
    }

    #[test]
    fn e4m3_rne_matches_exhaustive_nearest_search() {
        // Every E4M3 value and every midpoint between neighbours.
        let vals: Vec<(u8, f32)> = (0u8..0x7F)
            .map(|c| (c, E4M3.value(c as u32) as f32))
            .collect();
        for w in vals.windows(2) {
            let ((c0, v0), (c1, v1)) = (w[0], w[1]);
            assert_eq!(e4m3_rne(v0), c0);
            let mid = (v0 + v1) / 2.0;
            let even = if c0 % 2 == 0 { c0 } else { c1 };
            assert_eq!(e4m3_rne(mid), even, "midpoint {mid}");
            assert_eq!(e4m3_rne(f32::from_bits(mid.to_bits() + 1)), c1);
            assert_eq!(e4m3_rne(f32::from_bits(mid.to_bits() - 1)), c0);
        }
        assert_eq!(e4m3_rne(448.0), 0x7E);
        assert_eq!(e4m3_rne(500.0), 0x7E);
    }

    #[test]
    fn ue5m3_rne_matches_exhaustive_nearest_search() {
        let u = ScaleFormat::Ue5m3;
        let vals: Vec<(u8, f32)> = (0u8..0xFF).map(|c| (c, u.value(c) as f32)).collect();
        for w in vals.windows(2) {
            let ((c0, v0), (c1, v1)) = (w[0], w[1]);
            assert_eq!(fp8_rne(u, v0), c0);
            assert_eq!(fp8_value(u, c0), v0, "code {c0:#x}");
            let mid = (v0 + v1) / 2.0;
            let even = if c0 % 2 == 0 { c0 } else { c1 };
            assert_eq!(fp8_rne(u, mid), even, "midpoint {mid}");
            assert_eq!(fp8_rne(u, f32::from_bits(mid.to_bits() + 1)), c1);
            assert_eq!(fp8_rne(u, f32::from_bits(mid.to_bits() - 1)), c0);
        }
        assert_eq!(fp8_rne(u, 114_688.0), 0xFE);
        assert_eq!(fp8_rne(u, 1e9), 0xFE);
    }

    #[test]
    fn e4m3_value_matches_the_format_core() {
        for c in 0u8..0x7F {
            assert_eq!(e4m3_value(c) as f64, E4M3.value(c as u32), "code {c:#x}");
        }
    }

    #[test]
    fn bf16_rounds_ties_to_even() {
        assert_eq!(bf16_rne(f32::from_bits(0x3F80_8000)).to_bits(), 0x3F80_0000);
        assert_eq!(bf16_rne(f32::from_bits(0x3F81_8000)).to_bits(), 0x3F82_0000);
        assert_eq!(bf16_rne(f32::from_bits(0x3F80_8001)).to_bits(), 0x3F81_0000);
        assert!(bf16_rne(f32::MAX).is_infinite());
    }
}
