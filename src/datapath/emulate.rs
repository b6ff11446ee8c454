//! The exact software model of a generated MAC unit (rtl/NOTES.md, "Numerics"): integer
//! significands summed exactly (or truncated in the n-bit window), scaled, then rounded once to binary32; and the FP32 accumulator after it.
//!
//! This is mathematics, not a copy of the datapath: it shares nothing with the code that
//! builds the RTL, so a bug in one cannot hide in the other. Only the format core's decode
//! (code -> sign, integer significand, exponent, class) is shared, as the definition of the
//! codes themselves.

use crate::format::{BlockFormat, Class, Raw};

/// The canonical quiet NaN every unit produces (positive, quiet bit only).
pub const CANONICAL_NAN: u32 = 0x7FC0_0000;
const POS_INF: u32 = 0x7F80_0000;
const SIGN: u32 = 0x8000_0000;

/// Widest psum window the model accepts. The block sum in window units is below
/// 2^(n + log2 64) and the FP8 scale significands (E4M3, UE5M3) multiply it by at most
/// 15 * 15 < 2^8, so n + 6 + 8 must stay below the 127 magnitude bits of an i128.
pub const MAX_PSUM_WIDTH: u32 = 112;
/// Most extra pipeline stages a unit may have.
pub const MAX_PIPELINE: u32 = crate::rtl::MAX_PIPELINE as u32;
/// Most lanes a unit may have.
pub const MAX_LANES: usize = 64;

/// Bad unit parameters; each message quotes the value it rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("lanes must be a power of two in 1..={MAX_LANES}, got {0}")]
    Lanes(usize),
    #[error("psum width {n} of {format} is below its product width {min} (2y+2)")]
    PsumTooNarrow { format: String, n: u32, min: u32 },
    #[error("psum width {n} of {format} is above the supported maximum {MAX_PSUM_WIDTH}")]
    PsumTooWide { format: String, n: u32 },
    #[error("pipeline stages must be 0..={MAX_PIPELINE}, got {0}")]
    Pipeline(u32),
}

/// The parameters of one generated MAC unit (besides its format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitParams {
    /// Lanes K: elements of `a` and `b` consumed per block (power of two, 1..=64).
    pub lanes: usize,
    /// Psum (aligner) width n in bits. INT units ignore it: their sums are always exact.
    pub psum_width: u32,
    /// Extra register stages S before the accumulator register (latency 1 + S).
    pub pipeline: u32,
    /// The hardware architecture asked for (the generator's; the numerics are the same for
    /// every architecture, so the software model ignores it).
    pub arch: crate::rtl::Arch,
}

impl UnitParams {
    /// Checked parameters.
    pub fn new(
        fmt: &BlockFormat,
        lanes: usize,
        psum_width: u32,
        pipeline: u32,
    ) -> Result<Self, UnitError> {
        if lanes == 0 || lanes > MAX_LANES || !lanes.is_power_of_two() {
            return Err(UnitError::Lanes(lanes));
        }
        let min = product_width(fmt);
        if psum_width < min {
            return Err(UnitError::PsumTooNarrow {
                format: fmt.name.clone(),
                n: psum_width,
                min,
            });
        }
        if psum_width > MAX_PSUM_WIDTH {
            return Err(UnitError::PsumTooWide {
                format: fmt.name.clone(),
                n: psum_width,
            });
        }
        if pipeline > MAX_PIPELINE {
            return Err(UnitError::Pipeline(pipeline));
        }
        Ok(UnitParams {
            lanes,
            psum_width,
            pipeline,
            arch: Default::default(),
        })
    }

    /// The study's unit: K = the format's block size ([`BlockFormat::default_lanes`] for
    /// blocks over 64), n = `default_psum_width()`, no pipeline.
    pub fn defaults(fmt: &BlockFormat) -> Result<Self, UnitError> {
        Self::new(fmt, fmt.default_lanes(), fmt.default_psum_width(), 0)
    }

    /// Like [`UnitParams::defaults`] but with the exact psum width 2^(x+1) + 2y.
    pub fn exact(fmt: &BlockFormat) -> Result<Self, UnitError> {
        Self::new(fmt, fmt.default_lanes(), fmt.exact_psum_width(), 0)
    }

    /// Cycles from a block entering to its result in `acc`.
    pub fn latency(&self) -> u32 {
        1 + self.pipeline
    }
}

/// Width 2y + 2 of one significand product M = sig_a * sig_b.
fn product_width(fmt: &BlockFormat) -> u32 {
    2 * fmt.elem.man_bits() + 2
}

/// The value of a block's product sum before the scales: a special, or sum * 2^lsb_exp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockSum {
    /// Any NaN element, an Inf * 0 product, or +Inf and -Inf products in one block.
    NaN,
    /// Only infinities of one sign among the products (finite products do not matter).
    Inf { negative: bool },
    /// sum * 2^lsb_exp, exact or truncated in the n-bit window.
    Finite { sum: i128, lsb_exp: i32 },
}

/// The product sum of one block, exactly as rtl/NOTES.md defines it.
///
/// FP lanes: a product is p = (-1)^(s_a^s_b) * M * 2^(e - 2y) with M = sig_a * sig_b and
/// e = u_a + u_b (unbiased exponents; 1 - bias for zeros and subnormals). With E = max e over
/// every lane, zero products included, each |p| is counted in units of 2^(E - (n - 2)) and
/// truncated toward zero; the signed sum of those integers is the result. At the exact width
/// n = 2^(x+1) + 2y nothing is ever truncated (E - e <= 2^(x+1) - 4 and the product has
/// n - 2 - 2y = 2^(x+1) - 2 spare fraction bits), so one rule serves both cases.
///
/// INT lanes: integer products in the OCP view (code * 2^-(b-2)), always exact.
///
/// `a` and `b` hold one code per lane (only the low bits of each are read); lanes past
/// their length would be zero codes, which never change the sum or E, so a shorter slice
/// is a block with zeros in its upper lanes.
pub fn block_sum(fmt: &BlockFormat, p: &UnitParams, a: &[u32], b: &[u32]) -> BlockSum {
    assert_eq!(
        a.len(),
        b.len(),
        "emulate: a has {} lanes, b has {}",
        a.len(),
        b.len()
    );
    // UnitParams::new guarantees both; a hand-built UnitParams must keep them too.
    assert!(
        a.len() <= p.lanes.min(MAX_LANES),
        "emulate: {} elements for a {}-lane unit",
        a.len(),
        p.lanes
    );
    assert!(
        p.psum_width <= MAX_PSUM_WIDTH,
        "emulate: psum width {} above {MAX_PSUM_WIDTH}",
        p.psum_width
    );
    // Decoded once into a stack buffer (a unit has at most 64 lanes): emulate runs per block.
    const ZERO: Raw = Raw {
        sign: false,
        sig: 0,
        exp: 0,
        class: Class::Zero,
    };
    let mut decoded = [(ZERO, ZERO); MAX_LANES];
    for (slot, (&x, &y)) in decoded.iter_mut().zip(a.iter().zip(b)) {
        *slot = (fmt.elem.decode(x), fmt.elem.decode(y));
    }
    let lanes = || decoded[..a.len()].iter().copied();

    let (mut nan, mut pos_inf, mut neg_inf) = (false, false, false);
    for (x, y) in lanes() {
        let negative = x.sign ^ y.sign;
        match (x.class, y.class) {
            (Class::NaN, _) | (_, Class::NaN) => nan = true,
            (Class::Inf, Class::Zero) | (Class::Zero, Class::Inf) => nan = true,
            (Class::Inf, _) | (_, Class::Inf) if negative => neg_inf = true,
            (Class::Inf, _) | (_, Class::Inf) => pos_inf = true,
            _ => {}
        }
    }
    if nan || (pos_inf && neg_inf) {
        return BlockSum::NaN;
    }
    if pos_inf || neg_inf {
        return BlockSum::Inf { negative: neg_inf };
    }

    let signed = |negative: bool, magnitude: u128| {
        if negative {
            -(magnitude as i128)
        } else {
            magnitude as i128
        }
    };
    let m_of = |x: &Raw, y: &Raw| x.sig as u128 * y.sig as u128;

    if fmt.elem.is_int() {
        // value = code * 2^v per element, so every product has the same exponent 2v.
        let lsb_exp = 2 * fmt.elem.int_view_exp();
        let sum = lanes()
            .map(|(x, y)| signed(x.sign ^ y.sign, m_of(&x, &y)))
            .sum();
        return BlockSum::Finite { sum, lsb_exp };
    }

    let y = fmt.elem.man_bits() as i32;
    let n = p.psum_width as i32;
    // Raw::exp is u - y (the exponent of the significand's last bit), so e = u_a + u_b.
    let e_of = |x: &Raw, w: &Raw| (x.exp + y) + (w.exp + y);
    let big_e = lanes().map(|(x, w)| e_of(&x, &w)).max().unwrap_or(0);
    let lsb_exp = big_e - (n - 2);
    let sum = lanes()
        .map(|(x, w)| {
            // |p| / 2^lsb_exp = M * 2^(e - 2y - lsb_exp); a negative power truncates toward zero.
            let shift = e_of(&x, &w) - 2 * y - lsb_exp;
            let m = m_of(&x, &w);
            let units = if shift >= 0 {
                m << shift
            } else {
                m.checked_shr((-shift) as u32).unwrap_or(0)
            };
            signed(x.sign ^ w.sign, units)
        })
        .sum();
    BlockSum::Finite { sum, lsb_exp }
}

/// R: the binary32 bits of one block's result, round_RNE(S * X_a * X_b), with the NaN rules
/// (NaN element or scale code, Inf * 0, Inf - Inf -> the canonical NaN) and exact zero = +0.
pub fn emulate_block(
    fmt: &BlockFormat,
    p: &UnitParams,
    a: &[u32],
    b: &[u32],
    a_scale: u8,
    b_scale: u8,
) -> u32 {
    let (xa, xb) = (fmt.scale.decode(a_scale), fmt.scale.decode(b_scale));
    let sum = block_sum(fmt, p, a, b);
    if xa.class == Class::NaN || xb.class == Class::NaN {
        return CANONICAL_NAN;
    }
    // An E4M3 (NV) scale may be zero or negative; UE8M0 scales are positive powers of two.
    let scale_negative = xa.sign ^ xb.sign;
    let scale_zero = xa.class == Class::Zero || xb.class == Class::Zero;
    match sum {
        BlockSum::NaN => CANONICAL_NAN,
        BlockSum::Inf { .. } if scale_zero => CANONICAL_NAN,
        BlockSum::Inf { negative } => sign_bit(negative ^ scale_negative) | POS_INF,
        BlockSum::Finite { sum, .. } if sum == 0 || scale_zero => 0,
        BlockSum::Finite { sum, lsb_exp } => {
            let magnitude = sum.unsigned_abs() * xa.sig as u128 * xb.sig as u128;
            round_binary32(
                (sum < 0) ^ scale_negative,
                magnitude,
                lsb_exp + xa.exp + xb.exp,
            )
        }
    }
}

fn sign_bit(negative: bool) -> u32 {
    if negative {
        SIGN
    } else {
        0
    }
}

/// Round (-1)^negative * magnitude * 2^exp to binary32, to nearest with ties to even:
/// subnormals kept, overflow to Inf, a nonzero value that rounds to zero keeps its sign.
/// Needs magnitude > 0 (an exact zero is the caller's +0).
fn round_binary32(negative: bool, magnitude: u128, exp: i32) -> u32 {
    debug_assert!(magnitude > 0);
    // Exponent of the leading one, and of the last significand bit binary32 can keep there:
    // 24 bits for normals, a fixed 2^-149 for subnormals.
    let top = exp + (127 - magnitude.leading_zeros() as i32);
    let ulp = (top - 23).max(-149);
    // The value in units of 2^ulp, rounded: at most 2^24 (a carry out of 24 ones).
    let units = if exp >= ulp {
        magnitude << (exp - ulp) // exact: exp - ulp <= 23 - (bits of magnitude - 1)
    } else {
        shift_right_rne(magnitude, (ulp - exp) as u32)
    };
    let bits = if units == 0 {
        0
    } else if units < 1 << 23 {
        units as u32 // subnormal: ulp is -149 and the biased exponent field is 0
    } else {
        // Normal: units in [2^23, 2^24]; the value is units * 2^ulp = 1.f * 2^(ulp + 23).
        let (units, ulp) = if units == 1 << 24 {
            (units >> 1, ulp + 1)
        } else {
            (units, ulp)
        };
        let biased = ulp + 23 + 127;
        if biased >= 255 {
            POS_INF
        } else {
            ((biased as u32) << 23) | (units as u32 & 0x7F_FFFF)
        }
    };
    sign_bit(negative) | bits
}

/// round_RNE(x / 2^d) for d >= 1.
fn shift_right_rne(x: u128, d: u32) -> u128 {
    if d > 128 {
        return 0; // x < 2^128 <= 2^(d-1): below half of one unit
    }
    let quotient = x.checked_shr(d).unwrap_or(0);
    let remainder = x - quotient.checked_shl(d).unwrap_or(0);
    let half = 1u128 << (d - 1);
    if remainder > half || (remainder == half && quotient & 1 == 1) {
        quotient + 1
    } else {
        quotient
    }
}

/// IEEE 754 binary32 addition (round to nearest even; x + (-x) = +0) with every NaN result
/// replaced by the canonical NaN. Rust's f32 addition is IEEE 754 on every supported target
/// (no flush to zero), so it serves as the definition here.
pub fn add_binary32(x: u32, y: u32) -> u32 {
    let s = f32::from_bits(x) + f32::from_bits(y);
    if s.is_nan() {
        CANONICAL_NAN
    } else {
        s.to_bits()
    }
}

/// The unit's FP32 accumulator register: acc <- R on clear, else acc <- acc + R.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccEmu {
    acc: u32,
}

impl AccEmu {
    /// A freshly reset accumulator (+0).
    pub fn new() -> Self {
        AccEmu { acc: 0 }
    }

    /// Synchronous reset: acc = +0.
    pub fn reset(&mut self) {
        self.acc = 0;
    }

    /// The accumulator's binary32 bits.
    pub fn value(&self) -> u32 {
        self.acc
    }

    /// Take one block result `r` (binary32 bits) and return the new accumulator. A NaN
    /// stays NaN (NaN + anything is NaN) until a clear loads a new R.
    pub fn step(&mut self, clear: bool, r: u32) -> u32 {
        self.acc = if clear {
            canonical(r)
        } else {
            add_binary32(self.acc, r)
        };
        self.acc
    }
}

fn canonical(x: u32) -> u32 {
    if f32::from_bits(x).is_nan() {
        CANONICAL_NAN
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{lookup_in, ElemFormat, ScaleFormat};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn fmt(name: &str) -> BlockFormat {
        lookup_in(name, &[]).unwrap()
    }

    fn params(f: &BlockFormat, n: u32) -> UnitParams {
        UnitParams::new(f, f.block, n, 0).unwrap()
    }

    /// Element codes of exactly representable values (-0.0 is the sign-mask code).
    fn codes(f: &BlockFormat, values: &[f64]) -> Vec<u32> {
        values
            .iter()
            .map(|&v| {
                if v == 0.0 && v.is_sign_negative() {
                    f.elem.sign_mask()
                } else {
                    f.elem
                        .encode_exact(v)
                        .unwrap_or_else(|| panic!("{v} is not a {} value", f.name))
                }
            })
            .collect()
    }

    /// R of a block given as values; UE8M0 scales as exponents.
    fn r_mx(f: &BlockFormat, n: u32, a: &[f64], b: &[f64], xa_exp: i32, xb_exp: i32) -> u32 {
        let sa = ScaleFormat::ue8m0_code(xa_exp).unwrap();
        let sb = ScaleFormat::ue8m0_code(xb_exp).unwrap();
        emulate_block(f, &params(f, n), &codes(f, a), &codes(f, b), sa, sb)
    }

    fn bits(v: f32) -> u32 {
        v.to_bits()
    }

    #[test]
    fn unit_params_reject_bad_values_and_quote_them() {
        let f = fmt("mxfp8");
        assert_eq!(UnitParams::new(&f, 0, 24, 0), Err(UnitError::Lanes(0)));
        assert_eq!(UnitParams::new(&f, 12, 24, 0), Err(UnitError::Lanes(12)));
        assert_eq!(UnitParams::new(&f, 128, 24, 0), Err(UnitError::Lanes(128)));
        // E4M3: y = 3, so the product is 8 bits wide.
        let e = UnitParams::new(&f, 32, 7, 0).unwrap_err();
        assert_eq!(
            e,
            UnitError::PsumTooNarrow {
                format: "mxfp8".into(),
                n: 7,
                min: 8
            }
        );
        assert!(
            e.to_string().contains('7') && e.to_string().contains("mxfp8"),
            "{e}"
        );
        assert!(UnitParams::new(&f, 32, 8, 0).is_ok());
        assert!(matches!(
            UnitParams::new(&f, 32, 113, 0),
            Err(UnitError::PsumTooWide { n: 113, .. })
        ));
        assert_eq!(UnitParams::new(&f, 32, 24, 9), Err(UnitError::Pipeline(9)));
        assert_eq!(
            UnitParams::defaults(&f).unwrap(),
            UnitParams {
                lanes: 32,
                psum_width: 24,
                pipeline: 0,
                arch: Default::default(),
            }
        );
        assert_eq!(UnitParams::exact(&f).unwrap().psum_width, 38);
        assert_eq!(UnitParams::new(&f, 16, 24, 3).unwrap().latency(), 4);
        for f in crate::format::builtins() {
            UnitParams::defaults(&f).unwrap();
            UnitParams::exact(&f).unwrap();
        }
    }

    #[test]
    fn rounder_matches_f64_conversion_where_f64_is_exact() {
        // A magnitude below 2^53 times a power of two is exact in f64 (the exponents stay
        // inside f64's normal range), and `as f32` rounds to nearest even with subnormals
        // and overflow to Inf: an independent definition of the same rounding.
        let seed = 0x5eed_0001;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for i in 0..200_000 {
            let width = rng.gen_range(1..=53);
            let magnitude: u64 = rng.gen_range(1..=u64::MAX >> (64 - width));
            let top = rng.gen_range(-160..=132);
            let exp = top - (width - 1);
            let negative = rng.gen_bool(0.5);
            let want = {
                let v = magnitude as f64 * (exp as f64).exp2();
                (if negative { -v } else { v } as f32).to_bits()
            };
            let got = round_binary32(negative, magnitude as u128, exp);
            assert_eq!(
                got, want,
                "seed {seed:#x} case {i}: {magnitude:#x} * 2^{exp} negative {negative}"
            );
        }
    }

    #[test]
    fn rounder_hand_cases_beyond_53_bits() {
        // 2^100 + 2^76 = 2^100 * (1 + 2^-24): exactly half an ulp above 2^100; the even
        // neighbour is 2^100 (biased exponent 227 -> 0x71800000).
        let two100 = 1u128 << 100;
        assert_eq!(round_binary32(false, two100 + (1 << 76), 0), 0x7180_0000);
        // One unit in the 101st bit more breaks the tie upward: 2^100 * (1 + 2^-23).
        assert_eq!(
            round_binary32(false, two100 + (1 << 76) + 1, 0),
            0x7180_0001
        );
        // 2^100 * (1 + 3 * 2^-24): a tie between mantissas 1 and 2; even is 2.
        assert_eq!(round_binary32(true, two100 + (3 << 76), 0), 0xF180_0002);
        // 2^127 * (2 - 2^-24) with a 120-bit magnitude: a tie between the largest finite
        // value (odd mantissa) and 2^128: even goes up, to Inf.
        let m = (1u128 << 120) * 2 - (1 << 96);
        assert_eq!(round_binary32(false, m, 127 - 120), POS_INF);
        assert_eq!(round_binary32(false, m - 1, 127 - 120), 0x7F7F_FFFF);
        // Far below the smallest subnormal: a signed zero.
        assert_eq!(round_binary32(true, u128::MAX, -400), SIGN);
        assert_eq!(round_binary32(false, 1, -300), 0);
        // Exactly 2^-150 * (1 + 2^-100): just above the tie with zero, so 2^-149.
        assert_eq!(round_binary32(false, (1 << 100) + 1, -250), 1);
        // Far above the range.
        assert_eq!(round_binary32(true, 1, 200), SIGN | POS_INF);
    }

    #[test]
    fn mxfp8_ties_after_the_window_go_to_even() {
        let f = fmt("mxfp8");
        // Four products 256 * 256 = 2^16 and one 2^-3 * 2^-3 = 2^-6. E = 16, n = 24: units of
        // 2^(16-22) = 2^-6, so the small product is exactly 1 unit and S = 2^18 + 2^-6 =
        // 2^18 * (1 + 2^-24): a tie between 2^18 and its odd neighbour; even is 2^18.
        let mut a = vec![256.0; 4];
        a.push(0.125);
        let b = a.clone();
        assert_eq!(r_mx(&f, 24, &a, &b, 0, 0), bits(262144.0));
        // Three small products: 2^18 * (1 + 3 * 2^-24) rounds to 2^18 * (1 + 2^-22).
        a.extend([0.125, 0.125]);
        let b = a.clone();
        assert_eq!(r_mx(&f, 24, &a, &b, 0, 0), 0x4880_0002);
    }

    #[test]
    fn mxfp8_narrow_window_truncates_magnitudes_toward_zero() {
        let f = fmt("mxfp8");
        // 256 * 256 = 2^16 (E = 16) plus 31 products 2^-3 * 2^-4 = 2^-7. n = 24 counts in units
        // of 2^-6, so each 2^-7 is half a unit and truncates to 0: R = 65536.
        // With the exact width (n = 38, units of 2^-20) S = 65536 + 31 * 2^-7, which binary32
        // holds exactly (its ulp at 2^16 is 2^-7).
        let mut a = vec![256.0];
        let mut b = vec![256.0];
        a.extend([0.125; 31]);
        b.extend([0.0625; 31]);
        assert_eq!(r_mx(&f, 24, &a, &b, 0, 0), bits(65536.0));
        assert_eq!(r_mx(&f, 38, &a, &b, 0, 0), bits(65536.0 + 31.0 / 128.0));
        // Negative small products also lose their magnitude (toward zero, not toward -Inf,
        // which would give 65536 - 31 * 2^-6).
        let neg_b: Vec<f64> = b
            .iter()
            .enumerate()
            .map(|(i, &v)| if i == 0 { v } else { -v })
            .collect();
        assert_eq!(r_mx(&f, 24, &a, &neg_b, 0, 0), bits(65536.0));
        assert_eq!(r_mx(&f, 38, &a, &neg_b, 0, 0), bits(65536.0 - 31.0 / 128.0));
    }

    #[test]
    fn mxfp4_small_window_hand_examples() {
        let f = fmt("mxfp4");
        // E2M1, n = 4 (the product width 2y+2): units of 2^(E-2).
        // 6 * 1: 6 = 1.5 * 2^2 (u = 2), 1 (u = 0): e = 2 = E, 6 is exactly 6 units of 1.
        // 0.5 * 1.5 = 0.75 (u = 0 + 0): 0.75 units truncate to 0. Exact: 6.75.
        assert_eq!(r_mx(&f, 4, &[6.0, 0.5], &[1.0, 1.5], 0, 0), bits(6.0));
        assert_eq!(r_mx(&f, 10, &[6.0, 0.5], &[1.0, 1.5], 0, 0), bits(6.75));
        // -6 + 0.75: the magnitude 0.75 truncates to 0, so R = -6 (a two's-complement floor
        // of the whole sum would give -7 or -6.25, not this).
        assert_eq!(r_mx(&f, 4, &[-6.0, 0.5], &[1.0, 1.5], 0, 0), bits(-6.0));
        // A zero product sets E too: 0 * 6 has e = u(0) + u(6) = 0 + 2 = 2, so the lone
        // 0.5 * 0.5 = 0.25 (e = 0) counts in units of 2^0 and vanishes: an exact zero, +0.
        assert_eq!(r_mx(&f, 4, &[0.0, 0.5], &[6.0, 0.5], 0, 0), 0);
        assert_eq!(r_mx(&f, 4, &[0.0, -0.5], &[6.0, 0.5], 0, 0), 0);
        // Without the zero in lane 0, E = 0 and 0.25 is one unit of 2^-2.
        assert_eq!(r_mx(&f, 4, &[0.0, 0.5], &[0.0, 0.5], 0, 0), bits(0.25));
        // n = 5: units of 2^(2-3); 0.75 = 1.5 units -> 1 -> 6 + 0.5.
        assert_eq!(r_mx(&f, 5, &[6.0, 0.5], &[1.0, 1.5], 0, 0), bits(6.5));
    }

    #[test]
    fn mxfp6_formats_hand_examples() {
        let f = fmt("mxfp6");
        // E2M3: 7.5 * 7.5 = 56.25 (e = 4) plus 0.125 * 0.125 = 2^-6 (e = 0). The default
        // n = 14 is exact: 56.25 + 2^-6. At n = 8 units are 2^(4-6) and 2^-6 vanishes.
        assert_eq!(
            r_mx(&f, 14, &[7.5, 0.125], &[7.5, 0.125], 0, 0),
            bits(56.265625)
        );
        assert_eq!(r_mx(&f, 8, &[7.5, 0.125], &[7.5, 0.125], 0, 0), bits(56.25));
        let g = fmt("mxfp6_e3m2");
        // E3M2: 28 * 28 = 784 (u = 4 + 4), 0.0625^2 = 2^-8 (u = -2 - 2): exact n = 20 keeps
        // both (784 + 2^-8 needs 18 bits); n = 6 counts units of 2^(8-4) = 16: 784 = 49 units.
        assert_eq!(
            r_mx(&g, 20, &[28.0, 0.0625], &[28.0, 0.0625], 0, 0),
            bits(784.0 + 1.0 / 256.0)
        );
        assert_eq!(
            r_mx(&g, 6, &[28.0, 0.0625], &[28.0, 0.0625], 0, 0),
            bits(784.0)
        );
        // ... and with the scales 2^-3 * 2^5.
        assert_eq!(
            r_mx(&g, 20, &[28.0, 0.0625], &[28.0, 0.0625], -3, 5),
            bits((784.0 + 1.0 / 256.0) * 4.0)
        );
    }

    #[test]
    fn mxfp8_subnormal_results_and_signed_zero() {
        let f = fmt("mxfp8");
        // 1 * 1 * 2^-127 * 2^-22 = 2^-149: the smallest subnormal.
        assert_eq!(r_mx(&f, 24, &[1.0], &[1.0], -127, -22), 0x0000_0001);
        assert_eq!(r_mx(&f, 24, &[1.0], &[-1.0], -127, -22), 0x8000_0001);
        // 2^-150: a tie between 0 and 2^-149; even is 0, and the sign stays.
        assert_eq!(r_mx(&f, 24, &[1.0], &[1.0], -127, -23), 0x0000_0000);
        assert_eq!(r_mx(&f, 24, &[-1.0], &[1.0], -127, -23), 0x8000_0000);
        // 1.5 * 2^-150 = 0.75 ulp -> 1 ulp; 3 * 2^-150 = 1.5 ulp -> 2 (even);
        // 2.5 * 2^-150 = 1.25 ulp -> 1.
        assert_eq!(r_mx(&f, 24, &[1.5], &[1.0], -127, -23), 0x0000_0001);
        assert_eq!(r_mx(&f, 24, &[1.5], &[2.0], -127, -23), 0x0000_0002);
        assert_eq!(r_mx(&f, 24, &[1.25], &[2.0], -127, -23), 0x0000_0001);
        // 1.875 * 2^-127 * 2^-127: far below half of 2^-149: -0 for a negative value.
        assert_eq!(r_mx(&f, 24, &[-1.875], &[1.0], -127, -127), SIGN);
        // (2^24 - 1) * 2^-150 = (2^23 - 1/2) ulp: a tie between the largest subnormal (odd)
        // and 2^23 ulp = 2^-126, the smallest normal (even). S = 16 * 8 - 2^-9 * 2^-8 =
        // 2^7 - 2^-17 = 2^-17 * (2^24 - 1) needs the exact width; X = 2^-127 * 2^-6.
        let (a, b) = ([16.0, -(2f64).powi(-9)], [8.0, (2f64).powi(-8)]);
        assert_eq!(r_mx(&f, 38, &a, &b, -127, -6), 0x0080_0000);
        assert_eq!(r_mx(&f, 38, &a, &b, -127, -5), 0x00FF_FFFF);
    }

    #[test]
    fn mxfp8_overflow_and_the_top_binade() {
        let f = fmt("mxfp8");
        assert_eq!(r_mx(&f, 24, &[448.0], &[448.0], 127, 127), POS_INF);
        assert_eq!(r_mx(&f, 24, &[-448.0], &[448.0], 127, 127), SIGN | POS_INF);
        // S = 16 * 8 - 2^-9 * 2^-8 = 2^7 - 2^-17 = 2^6 * (2 - 2^-23), times 2^121: the largest
        // finite binary32. The exact width (E = 4 + 3, units 2^(7-36)) keeps the small
        // product; n = 24 (units 2^(7-22)) truncates it away and 2^7 * 2^121 overflows.
        let a = [16.0, -(2f64).powi(-9)];
        let b = [8.0, (2f64).powi(-8)];
        assert_eq!(r_mx(&f, 38, &a, &b, 127, -6), 0x7F7F_FFFF);
        assert_eq!(r_mx(&f, 24, &a, &b, 127, -6), POS_INF);
        // 2^6 * (2 - 2^-24) is the tie between that largest value (odd) and 2^128: Inf.
        let b = [8.0, (2f64).powi(-9)];
        assert_eq!(r_mx(&f, 38, &a, &b, 127, -6), POS_INF);
        // Exact cancellation is +0, never -0.
        assert_eq!(r_mx(&f, 24, &[448.0, -448.0], &[1.0, 1.0], 0, 0), 0);
        assert_eq!(r_mx(&f, 24, &[-0.0, 0.0], &[1.0, -1.0], 0, 0), 0);
    }

    #[test]
    fn e4m3_nan_codes_and_ue8m0_nan_scale() {
        let f = fmt("mxfp8");
        let p = params(&f, 24);
        // S.1111.111 in either operand, even against a zero.
        assert_eq!(
            emulate_block(&f, &p, &[0x7F, 0x38], &[0, 0x38], 127, 127),
            CANONICAL_NAN
        );
        assert_eq!(
            emulate_block(&f, &p, &[0x38, 0x38], &[0x38, 0xFF], 127, 127),
            CANONICAL_NAN
        );
        // 0x7E (448) is finite; a UE8M0 0xFF scale is NaN on either side.
        assert_eq!(
            emulate_block(&f, &p, &[0x7E], &[0x38], 127, 127),
            bits(448.0)
        );
        assert_eq!(
            emulate_block(&f, &p, &[0x7E], &[0x38], 0xFF, 127),
            CANONICAL_NAN
        );
        assert_eq!(emulate_block(&f, &p, &[0], &[0], 127, 0xFF), CANONICAL_NAN);
    }

    #[test]
    fn e5m2_infinities_and_nans() {
        let f = fmt("mxfp8_e5m2");
        let p = params(&f, 24);
        let (inf, ninf, nan, one, zero) = (0x7C, 0xFC, 0x7D, 0x3C, 0x00);
        assert_eq!(f.elem.value(one), 1.0);
        let r = |a: &[u32], b: &[u32], sa: u8, sb: u8| emulate_block(&f, &p, a, b, sa, sb);
        assert_eq!(r(&[inf], &[one], 127, 127), POS_INF);
        assert_eq!(r(&[inf], &[0xBC], 127, 127), SIGN | POS_INF);
        assert_eq!(r(&[ninf], &[ninf], 127, 127), POS_INF);
        assert_eq!(r(&[inf], &[zero], 127, 127), CANONICAL_NAN);
        assert_eq!(r(&[0x80], &[ninf], 127, 127), CANONICAL_NAN);
        assert_eq!(r(&[inf, inf], &[one, 0xBC], 127, 127), CANONICAL_NAN);
        assert_eq!(r(&[nan], &[one], 127, 127), CANONICAL_NAN);
        assert_eq!(r(&[0xFF], &[zero], 127, 127), CANONICAL_NAN);
        // Inf beats any finite sum, however large, and survives tiny scales.
        assert_eq!(r(&[inf, 0x7B, 0xFB], &[one, 0x7B, 0x7B], 0, 0), POS_INF);
        assert_eq!(r(&[ninf, 0x7B], &[one, 0x7B], 127, 127), SIGN | POS_INF);
        assert_eq!(r(&[inf], &[one], 0xFF, 127), CANONICAL_NAN);
        // Finite products that overflow binary32 after scaling are Inf by rounding; opposite
        // overflowing blocks cancel exactly inside the sum, so no NaN from finite values.
        assert_eq!(r(&[0x7B], &[0x7B], 254, 254), POS_INF);
        assert_eq!(r(&[0x7B, 0xFB], &[0x7B, 0x7B], 254, 254), 0);
    }

    #[test]
    fn e5m2_exact_sum_needs_more_than_64_bits() {
        let f = fmt("mxfp8_e5m2");
        // 57344 = 1.75 * 2^15 (sig 7, u = 15) squared: M = 49, e = 30. The smallest subnormal
        // 2^-16 (sig 1, u = -14) squared: M = 1, e = -28. Exact n = 68: E = 30, units of
        // 2^(30-66) = 2^-36; the big product is 49 * 2^(30-4+36) = 49 << 62 units, the small one
        // 2^(-32+36) = 16 units.
        let p = params(&f, 68);
        let a = codes(&f, &[57344.0, (2f64).powi(-16)]);
        assert_eq!(
            block_sum(&f, &p, &a, &a),
            BlockSum::Finite {
                sum: (49i128 << 62) + 16,
                lsb_exp: -36
            }
        );
        // The default n = 24 keeps only the big product: units of 2^(30-22) = 2^8.
        let p = params(&f, 24);
        assert_eq!(
            block_sum(&f, &p, &a, &a),
            BlockSum::Finite {
                sum: 49 << 18,
                lsb_exp: 8
            }
        );
    }

    #[test]
    fn mxint_blocks_are_exact_in_the_ocp_view() {
        let f = fmt("mxint8");
        let p = UnitParams::defaults(&f).unwrap();
        // Codes are integers times 2^-6: 127 * 127 * 2^-12.
        assert_eq!(
            emulate_block(&f, &p, &[127], &[127], 127, 127),
            bits(16129.0 / 4096.0)
        );
        // -128 (0x80) is a legal code for the hardware even though the quantizer never makes it.
        assert_eq!(
            emulate_block(&f, &p, &[0x80; 32], &[0x7F; 32], 133, 133),
            bits(-128.0 * 127.0 * 32.0)
        );
        // Sums never truncate, whatever n says (n is ignored for INT).
        let p16 = UnitParams::new(&f, 32, 16, 0).unwrap();
        assert_eq!(
            emulate_block(&f, &p16, &[127, 1], &[127, 1], 127, 127),
            bits(16130.0 / 4096.0)
        );
        assert_eq!(emulate_block(&f, &p, &[127], &[127], 254, 254), POS_INF);
        assert_eq!(emulate_block(&f, &p, &[1], &[0xFF], 0, 0), SIGN);
        assert_eq!(emulate_block(&f, &p, &[1], &[1], 0xFF, 127), CANONICAL_NAN);
        assert_eq!(emulate_block(&f, &p, &[5, 0xFB], &[7, 7], 127, 127), 0);
        let g = fmt("mxint4");
        let p = UnitParams::defaults(&g).unwrap();
        // INT4: code * 2^-2; 0xF is -1, 0x8 is -8.
        assert_eq!(
            emulate_block(&g, &p, &[7, 0xF], &[7, 0x8], 127, 127),
            bits((49.0 + 8.0) / 16.0)
        );
        let h = fmt("mxint6");
        let p = UnitParams::defaults(&h).unwrap();
        assert_eq!(
            emulate_block(&h, &p, &[31, 0x21], &[31, 31], 130, 127),
            bits((961.0 - 31.0 * 31.0) / 256.0 * 8.0)
        );
    }

    #[test]
    fn nv_scales_multiply_and_may_be_zero_negative_or_nan() {
        let f = fmt("nvfp4");
        let p = UnitParams::defaults(&f).unwrap();
        let one = 0x38; // E4M3 1.0
        let r = |a: &[f64], b: &[f64], sa: u8, sb: u8| {
            emulate_block(&f, &p, &codes(&f, a), &codes(&f, b), sa, sb)
        };
        assert_eq!(r(&[6.0], &[6.0], one, one), bits(36.0));
        // 448 * 448 * 36 * 16 lanes = 115605504 = 1.72265625 * 2^26: exact in binary32.
        assert_eq!(
            r(&[6.0; 16], &[6.0; 16], 0x7E, 0x7E),
            bits(448.0 * 448.0 * 36.0 * 16.0)
        );
        // 2^-9 * 2^-9 * 0.25 = 2^-20.
        assert_eq!(r(&[0.5], &[0.5], 0x01, 0x01), bits((2f32).powi(-20)));
        // 1.875 (0x3F) * 1.125 (0x39) * 1.5 * 3 = 9.4921875
        assert_eq!(r(&[1.5], &[3.0], 0x3F, 0x39), bits(1.875 * 1.125 * 4.5));
        // A negative scale flips the sign; a zero scale (either sign) gives +0.
        assert_eq!(r(&[1.5], &[3.0], 0xB8, one), bits(-4.5));
        assert_eq!(r(&[-1.5], &[3.0], 0xB8, 0xB8), bits(-4.5));
        assert_eq!(r(&[-1.5], &[3.0], 0x00, one), 0);
        assert_eq!(r(&[-1.5], &[3.0], 0x80, one), 0);
        assert_eq!(r(&[1.5], &[3.0], 0x7F, one), CANONICAL_NAN);
        assert_eq!(r(&[1.5], &[3.0], one, 0xFF), CANONICAL_NAN);
        let g = fmt("nvint4");
        let p = UnitParams::defaults(&g).unwrap();
        // INT4 codes * 2^-2 each: 7 * -7 * 2^-4 * 1.0 * 448.
        assert_eq!(
            emulate_block(&g, &p, &[7], &[9], one, 0x7E),
            bits(-49.0 / 16.0 * 448.0)
        );
    }

    #[test]
    fn e5m2_elements_with_an_e4m3_scale() {
        // A user-defined pairing: Inf times a zero scale is Inf * 0 -> NaN; times a negative
        // scale, -Inf.
        let f = BlockFormat {
            name: "nvfp8_e5m2".into(),
            elem: crate::format::spec::E5M2,
            block: 16,
            scale: ScaleFormat::E4m3,
        };
        let p = UnitParams::defaults(&f).unwrap();
        assert_eq!(
            emulate_block(&f, &p, &[0x7C], &[0x3C], 0x00, 0x38),
            CANONICAL_NAN
        );
        assert_eq!(
            emulate_block(&f, &p, &[0x7C], &[0x3C], 0xB8, 0x38),
            SIGN | POS_INF
        );
        assert_eq!(emulate_block(&f, &p, &[0x7C], &[0x3C], 0x38, 0x38), POS_INF);
    }

    /// The f64 value of a block of finite codes, summed exactly when it fits 53 bits.
    fn f64_products(f: &BlockFormat, a: &[u32], b: &[u32]) -> Vec<f64> {
        let view = (f.elem.int_view_exp() as f64).exp2();
        a.iter()
            .zip(b)
            .map(|(&x, &y)| f.elem.value(x) * view * f.elem.value(y) * view)
            .collect()
    }

    fn to_r(v: f64) -> u32 {
        if v == 0.0 {
            0 // exact zero is +0
        } else {
            (v as f32).to_bits()
        }
    }

    /// A random finite code; for E5M2 only exponents within +-10 so that a block's exact
    /// sum spans at most 53 bits.
    fn finite_code(f: &BlockFormat, rng: &mut ChaCha8Rng) -> u32 {
        loop {
            let c = rng.gen_range(0..f.elem.code_count());
            let v = f.elem.value(c);
            let narrow = match f.elem {
                ElemFormat::Fp { exp_bits: 5, .. } => v == 0.0 || v.abs().log2().abs() <= 10.0,
                _ => true,
            };
            if v.is_finite() && narrow {
                return c;
            }
        }
    }

    fn random_scale(f: &BlockFormat, rng: &mut ChaCha8Rng) -> u8 {
        match f.scale {
            // Wide enough to reach overflow and underflow now and then.
            ScaleFormat::Ue8m0 => rng.gen_range(0..=254),
            ScaleFormat::Unscaled => crate::format::element::NO_SCALE_CODE,
            ScaleFormat::E4m3 | ScaleFormat::Ue5m3 => loop {
                let c: u8 = rng.gen();
                if !f.scale.value(c).is_nan() {
                    return c;
                }
            },
        }
    }

    #[test]
    fn exact_width_matches_f64_sums_for_every_builtin() {
        let seed = 0x5eed_0002;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for f in crate::format::builtins() {
            let p = UnitParams::exact(&f).unwrap();
            for i in 0..3000 {
                let k = p.lanes;
                let a: Vec<u32> = (0..k).map(|_| finite_code(&f, &mut rng)).collect();
                let b: Vec<u32> = (0..k).map(|_| finite_code(&f, &mut rng)).collect();
                let (sa, sb) = (random_scale(&f, &mut rng), random_scale(&f, &mut rng));
                let s: f64 = f64_products(&f, &a, &b).iter().sum();
                // Both scales at once could leave f64's range; one at a time cannot.
                let want = to_r(s * f.scale.value(sa) * f.scale.value(sb));
                let got = emulate_block(&f, &p, &a, &b, sa, sb);
                assert_eq!(
                    got, want,
                    "{} seed {seed:#x} block {i}: a {a:x?} b {b:x?} scales {sa:#x} {sb:#x}",
                    f.name
                );
            }
        }
    }

    #[test]
    fn narrow_windows_match_a_float_truncation_of_each_product() {
        // The window rule restated on f64 values: count |p| in units of 2^(E-(n-2)), drop the
        // fraction of a unit, sum with signs. Everything stays below 2^53, so f64 is exact.
        let seed = 0x5eed_0003;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for f in crate::format::builtins()
            .into_iter()
            .filter(|f| !f.elem.is_int())
        {
            let y = f.elem.man_bits();
            for i in 0..3000 {
                let n = rng.gen_range(2 * y + 2..=f.exact_psum_width().min(40));
                let p = UnitParams::new(&f, f.block, n, 0).unwrap();
                let a: Vec<u32> = (0..p.lanes).map(|_| finite_code(&f, &mut rng)).collect();
                let b: Vec<u32> = (0..p.lanes).map(|_| finite_code(&f, &mut rng)).collect();
                // u of a code: unbiased exponent, 1 - bias for zeros and subnormals.
                let u = |c: u32| f.elem.decode(c).exp + y as i32;
                let big_e = a.iter().zip(&b).map(|(&x, &w)| u(x) + u(w)).max().unwrap();
                let unit = ((big_e - (n as i32 - 2)) as f64).exp2();
                let s: f64 = f64_products(&f, &a, &b)
                    .iter()
                    .map(|v| (v.abs() / unit).trunc().copysign(*v) * unit)
                    .sum();
                let (sa, sb) = (random_scale(&f, &mut rng), random_scale(&f, &mut rng));
                let want = to_r(s * f.scale.value(sa) * f.scale.value(sb));
                let got = emulate_block(&f, &p, &a, &b, sa, sb);
                assert_eq!(
                    got, want,
                    "{} n {n} seed {seed:#x} block {i}: a {a:x?} b {b:x?}",
                    f.name
                );
            }
        }
    }

    #[test]
    fn accumulator_adds_with_ieee_rounding_and_sticky_nan() {
        let mut acc = AccEmu::new();
        assert_eq!(acc.value(), 0);
        assert_eq!(acc.step(true, bits(1.0)), bits(1.0));
        // 1 + 2^-24 is a tie: stays 1. 1 + 2^-23 is representable.
        assert_eq!(acc.step(false, bits((2f32).powi(-24))), bits(1.0));
        assert_eq!(
            acc.step(false, bits((2f32).powi(-23))),
            bits(1.0 + (2f32).powi(-23))
        );
        // x + (-x) = +0 in round-to-nearest; -0 + -0 = -0.
        assert_eq!(acc.step(false, bits(-1.0 - (2f32).powi(-23))), 0);
        assert_eq!(acc.step(true, SIGN), SIGN);
        assert_eq!(acc.step(false, SIGN), SIGN);
        // Subnormals add without flushing.
        assert_eq!(acc.step(true, 1), 1);
        assert_eq!(acc.step(false, 1), 2);
        // Overflow to Inf, then Inf - Inf: the canonical NaN (x86 would make 0xFFC00000).
        assert_eq!(acc.step(true, 0x7F7F_FFFF), 0x7F7F_FFFF);
        assert_eq!(acc.step(false, 0x7F7F_FFFF), POS_INF);
        assert_eq!(acc.step(false, SIGN | POS_INF), CANONICAL_NAN);
        // NaN stays until a clear.
        assert_eq!(acc.step(false, bits(1.0)), CANONICAL_NAN);
        assert_eq!(acc.step(false, SIGN | POS_INF), CANONICAL_NAN);
        assert_eq!(acc.step(true, bits(2.0)), bits(2.0));
        assert_eq!(acc.step(false, CANONICAL_NAN), CANONICAL_NAN);
        acc.reset();
        assert_eq!(acc.value(), 0);
        assert_eq!(add_binary32(0xFFC0_0001, 0), CANONICAL_NAN);
    }
}
