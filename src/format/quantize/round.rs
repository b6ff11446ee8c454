//! Element kernels: one block's elements scaled, rounded to the element grid, saturated,
//! encoded and dequantized, working on f32 bit patterns with no per-element branches.
//!
//! Every step is exact or a single IEEE operation the reference code also performs:
//! - q = fl32(|V| * a) * b (MX; a, b powers of two) or fl32(|V| / S_b) (NV).
//! - FP elements: the element exponent is the f32 exponent of q held at the format's emin, u
//!   = q * 2^(M - e) is q in units of the grid step (exact), and u is rounded to an integer.
//!   For |q| just below 2^j the reference takes fl32(log2 |q|) = j and we take j - 1; both
//!   round to exactly 2^j, so the results agree.
//! - RNE: (u + 2^23) - 2^23. Half away: trunc(fl32(u + 0.5)), which is microxcaling's
//!   floor(|x| + 0.5) to the bit, including its one artefact: u = 0.5 - 2^-25 (0x3EFFFFFF)
//!   gives fl32(u + 0.5) = 1.0 and rounds to 1. microxcaling's "even" mode has the same
//!   artefact. A block constant selects, per rule, which of the two results u = 0x3EFFFFFF
//!   gets, so `ocp` reproduces microxcaling and the other rules round exactly.
//! - Saturation: q is held below 2 * max before rounding (so no overflow or Inf can reach the
//!   rounding), and the rounded magnitude is clamped to max.

/// Bits of 0.5 - 2^-25, the one element-unit value where fl32(u + 0.5) rounds up to 1.0.
pub const HALF_MINUS: u32 = 0x3EFF_FFFF;

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
    /// FP: 2^(-126 - emin): maps an element value onto the f32 subnormal grid so that its f32
    /// bits, shifted right by 23 - M, are the element code.
    pub code_mul: f32,
    /// Code of the element NaN (or 0 when the format has none), used in NaN-scale blocks.
    pub nan_code: u8,
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

/// Rounding of u >= 0 (an element-unit magnitude below 2^23) to an integer-valued f32.
#[inline(always)]
fn round_units<const AWAY: bool>(k: &ElemKernel, u: f32) -> f32 {
    let r = if AWAY { ((u + 0.5) as i32) as f32 } else { (u + 8_388_608.0) - 8_388_608.0 };
    if u.to_bits() == k.patch_bits {
        k.patch_to
    } else {
        r
    }
}

/// One element: returns (dequantized value, element code).
#[inline(always)]
fn element<const INT: bool, const DIV: bool, const AWAY: bool>(k: &ElemKernel, p: &BlockParams, v: f32) -> (f32, u32) {
    let vb = v.to_bits();
    let sign = vb & 0x8000_0000;
    let av = f32::from_bits(vb & 0x7FFF_FFFF);
    let q = if DIV { av / p.d } else { (av * p.a) * p.b };
    let qc = if q < k.cap { q } else { k.cap };
    let r = if INT {
        let n = round_units::<AWAY>(k, qc);
        if n < k.max {
            n
        } else {
            k.max
        }
    } else {
        let e = (qc.to_bits() >> 23).max(k.emin_field);
        let u = qc * f32::from_bits((254 + k.man_bits - e) << 23);
        let n = round_units::<AWAY>(k, u);
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
        ((r * k.code_mul).to_bits() >> (23 - k.man_bits)) | (neg >> (32 - k.bits))
    };
    (out, code)
}

/// Quantize one block: `x` and `out` are the block's real elements (the padded tail of a
/// row's last block is not materialized: zeros never change the scale); `codes`, when
/// given, receives one code per element of `x`.
#[inline(always)]
fn block_impl<const INT: bool, const DIV: bool, const AWAY: bool>(
    k: &ElemKernel,
    p: &BlockParams,
    x: &[f32],
    out: &mut [f32],
    codes: Option<&mut [u8]>,
) {
    match codes {
        None => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = element::<INT, DIV, AWAY>(k, p, v).0;
            }
        }
        Some(codes) => {
            for ((o, c), &v) in out.iter_mut().zip(codes.iter_mut()).zip(x) {
                let (val, code) = element::<INT, DIV, AWAY>(k, p, v);
                *o = val;
                *c = code as u8;
            }
        }
    }
}

/// The kernel variants, chosen once per call (element kind x scaling x rounding).
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub int: bool,
    pub div: bool,
    pub away: bool,
}

/// Run the monomorphized kernel for `variant` on one block.
pub fn quantize_block(variant: Variant, k: &ElemKernel, p: &BlockParams, x: &[f32], out: &mut [f32], codes: Option<&mut [u8]>) {
    match (variant.int, variant.div, variant.away) {
        (false, false, false) => block_impl::<false, false, false>(k, p, x, out, codes),
        (false, false, true) => block_impl::<false, false, true>(k, p, x, out, codes),
        (false, true, false) => block_impl::<false, true, false>(k, p, x, out, codes),
        (false, true, true) => block_impl::<false, true, true>(k, p, x, out, codes),
        (true, false, false) => block_impl::<true, false, false>(k, p, x, out, codes),
        (true, false, true) => block_impl::<true, false, true>(k, p, x, out, codes),
        (true, true, false) => block_impl::<true, true, false>(k, p, x, out, codes),
        (true, true, true) => block_impl::<true, true, true>(k, p, x, out, codes),
    }
}

/// Largest |V| of a block as f32 bits: NaN patterns compare above Inf (0x7F800000), which
/// compares above every finite value, so one integer max finds NaN, Inf and amax at once.
#[inline]
pub fn amax_bits(x: &[f32]) -> u32 {
    x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF))
}
