//! Exact references written as mathematics, sharing no code with the RTL: one explicit
//! round-to-nearest-even of an integer times a power of two to binary32, the FP32 sum from
//! the machine's IEEE `f32`, and the scale products from the format core's decoders.

use hwcost::format::{Class, ScaleFormat};

pub const QNAN: u32 = 0x7FC0_0000;
pub const POS_INF: u32 = 0x7F80_0000;
pub const NEG_INF: u32 = 0xFF80_0000;

/// binary32 bits of round_RNE((-1)^neg * mag * 2^exp): subnormals kept, overflow to
/// infinity, 0 -> +0, a nonzero value that rounds to zero keeps its sign.
pub fn round_binary32(neg: bool, mag: u128, exp: i32) -> u32 {
    if mag == 0 {
        return 0;
    }
    let sign = if neg { 0x8000_0000 } else { 0 };
    // The value lies in [2^e, 2^(e+1)).
    let e = (127 - mag.leading_zeros() as i32) + exp;
    if e > 127 {
        return sign | POS_INF;
    }
    // The binary32 quantum at that magnitude: 2^(e-23) for normals, 2^-149 below 2^-126.
    let q = e.max(-126) - 23;
    let mut sig: u128 = if exp >= q {
        mag << (exp - q)
    } else {
        let k = (q - exp) as u32;
        if k >= 128 {
            0 // mag < 2^127 <= half a quantum: rounds to zero
        } else {
            let quot = mag >> k;
            let rem = mag & ((1u128 << k) - 1);
            let half = 1u128 << (k - 1);
            quot + u128::from(rem > half || (rem == half && quot & 1 == 1))
        }
    };
    let mut q = q;
    if sig == 1 << 24 {
        sig = 1 << 23;
        q += 1;
    }
    if sig == 0 {
        return sign;
    }
    if sig >= 1 << 23 {
        let biased = q + 150;
        if biased >= 255 {
            return sign | POS_INF;
        }
        sign | ((biased as u32) << 23) | (sig as u32 - (1 << 23))
    } else {
        sign | sig as u32 // q = -149
    }
}

/// Canonical binary32 sum a + b from the machine's IEEE f32 addition.
pub fn f32_add(a: u32, b: u32) -> u32 {
    let s = f32::from_bits(a) + f32::from_bits(b);
    if s.is_nan() {
        QNAN
    } else {
        s.to_bits()
    }
}

/// X_a * X_b of two scale codes as (neg, sig, exp) with X_a * X_b = (-1)^neg * sig * 2^exp,
/// or None for a NaN code.
pub fn scale_product(kind: ScaleFormat, a: u8, b: u8) -> Option<(bool, u32, i32)> {
    let (ra, rb) = (kind.decode(a), kind.decode(b));
    if ra.class == Class::NaN || rb.class == Class::NaN {
        return None;
    }
    Some((ra.sign ^ rb.sign, ra.sig * rb.sig, ra.exp + rb.exp))
}

/// R = round_binary32(sum * 2^lsb_exp * X_a * X_b) for a block with `special` (0 finite,
/// 1 NaN, 2 +Inf, 3 -Inf), per the MAC numeric contract.
pub fn block_result(kind: ScaleFormat, sum: i128, lsb_exp: i32, special: u8, a: u8, b: u8) -> u32 {
    let Some((neg, sig, exp)) = scale_product(kind, a, b) else {
        return QNAN;
    };
    match special {
        1 => QNAN,
        2 | 3 if sig == 0 => QNAN,
        2 | 3 => {
            if (special == 3) ^ neg {
                NEG_INF
            } else {
                POS_INF
            }
        }
        _ => round_binary32(
            (sum < 0) ^ neg,
            sum.unsigned_abs() * u128::from(sig),
            lsb_exp + exp,
        ),
    }
}

#[test]
fn reference_rounding_matches_f64_to_f32_conversion() {
    // Where the value is exact in f64, `as f32` is one RNE rounding with subnormals.
    use rand::Rng;
    let seed = super::harness::seed(11);
    let mut rng = super::harness::rng(seed);
    for i in 0..200_000 {
        let bits = rng.gen_range(1..=53);
        let mag = (rng.gen::<u64>() >> (64 - bits)) | (1 << (bits - 1));
        let exp = if i % 2 == 0 {
            rng.gen_range(-200..=120)
        } else {
            rng.gen_range(-1000..=900)
        };
        let neg = rng.gen::<bool>();
        let v = mag as f64 * f64::from_bits(((exp + 1023) as u64) << 52);
        let want = ((if neg { -v } else { v }) as f32).to_bits();
        let got = round_binary32(neg, u128::from(mag), exp);
        assert_eq!(got, want, "mag {mag:#x} exp {exp} neg {neg} (seed {seed})");
    }
}

#[test]
fn reference_rounding_corners() {
    // Ties to even in the normal range.
    assert_eq!(
        round_binary32(false, (1 << 24) + 1, 0),
        16_777_216f32.to_bits()
    );
    assert_eq!(
        round_binary32(false, (1 << 24) + 3, 0),
        16_777_220f32.to_bits()
    );
    // 2^-150, half the smallest subnormal: a tie that goes to the even zero, sign kept.
    assert_eq!(round_binary32(false, 1, -150), 0);
    assert_eq!(round_binary32(true, 1, -150), 0x8000_0000);
    assert_eq!(round_binary32(false, 3, -151), 1);
    assert_eq!(round_binary32(false, 1, -149), 1);
    // Halfway between the largest subnormal and 2^-126 goes to the even 2^-126.
    assert_eq!(round_binary32(false, (1 << 24) - 1, -150), 0x0080_0000);
    // 2^128 (1 - 2^-25) is halfway between the largest finite value and 2^128: Inf.
    assert_eq!(round_binary32(false, (1 << 25) - 1, 103), POS_INF);
    assert_eq!(round_binary32(true, (1 << 25) - 1, 103), NEG_INF);
    assert_eq!(
        round_binary32(false, (1 << 26) - 3, 102),
        f32::MAX.to_bits()
    );
    assert_eq!(round_binary32(true, 0, 5000), 0);
}
