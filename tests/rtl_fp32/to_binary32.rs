//! The normalizer-rounder (ToBinary32, ToBinary32Nv) against the exact reference: named
//! corners and seeded random vectors, in rust-hdl and Icarus, at several sum widths; and
//! the scale combine chained into it, from raw scale codes.

use hwcost::format::ScaleFormat;
use hwcost::rtl::fp32::prim::u128_to_bits;
use hwcost::rtl::fp32::{ScaleCombineE4m3, ScaleCombineUe8m0, ToBinary32, ToBinary32Nv};
use rand::Rng;
use rust_hdl::prelude::*;

use super::harness::{assert_all_equal, icarus, rng, seed, settle, verilog_of};
use super::reference::{block_result, round_binary32, NEG_INF, POS_INF, QNAN};

/// The input ports of a ToBinary32 (scale_sig = 1 and scale_neg = false for the MX block).
#[derive(Clone, Copy, Debug)]
struct Vector {
    sum: i128,
    lsb_exp: i32,
    special: u8,
    scale_exp: i32,
    scale_sig: u32,
    scale_neg: bool,
    scale_nan: bool,
}

impl Vector {
    fn finite(sum: i128, lsb_exp: i32) -> Vector {
        Vector {
            sum,
            lsb_exp,
            special: 0,
            scale_exp: 0,
            scale_sig: 1,
            scale_neg: false,
            scale_nan: false,
        }
    }
}

/// The contract of the ports, computed with the exact reference.
fn expected(v: &Vector) -> u32 {
    if v.special == 1 || v.scale_nan {
        QNAN
    } else if v.special >= 2 {
        if v.scale_sig == 0 {
            QNAN
        } else if (v.special == 3) ^ v.scale_neg {
            NEG_INF
        } else {
            POS_INF
        }
    } else {
        round_binary32(
            (v.sum < 0) ^ v.scale_neg,
            v.sum.unsigned_abs() * u128::from(v.scale_sig),
            v.lsb_exp + v.scale_exp,
        )
    }
}

fn fits(sum: i128, sw: usize) -> bool {
    sum >= -(1i128 << (sw - 1)) && sum < (1i128 << (sw - 1))
}

/// The named corners that a sum of `sw` bits can express.
fn corners(sw: usize, nv: bool) -> Vec<Vector> {
    let mut v = vec![
        // Ties to even at 2^24: 2^24 + 1 -> 2^24, 2^24 + 3 -> 2^24 + 4.
        Vector::finite((1 << 24) + 1, 0),
        Vector::finite((1 << 24) + 3, 0),
        Vector::finite(-((1 << 24) + 1), 0),
        Vector::finite(((1 << 24) + 1) << 20, -20),
        // The smallest subnormal 2^-149, half of it (a tie to +-0), three quarters of it.
        Vector::finite(1, -149),
        Vector::finite(1, -150),
        Vector::finite(-1, -150),
        Vector::finite(3, -151),
        Vector::finite(-3, -151),
        Vector::finite(1, -151),
        // 3 * 2^-150: a tie between 2^-149 and 2^-148 at the subnormal quantum.
        Vector::finite(3, -150),
        // Halfway between the largest subnormal and 2^-126, and just below it.
        Vector::finite((1 << 24) - 1, -150),
        Vector::finite((1 << 25) - 3, -151),
        Vector::finite(1, -126),
        // The overflow boundary 2^128 (1 - 2^-25) (a tie: Inf), and just below it.
        Vector::finite((1 << 25) - 1, 103),
        Vector::finite(-((1 << 25) - 1), 103),
        Vector::finite((1 << 26) - 3, 102),
        Vector::finite(1, 127),
        Vector::finite(1, 128),
        Vector::finite(0, 0),
        Vector::finite(0, 2047),
        Vector::finite(0, -2048),
        Vector::finite(-1, 0),
        Vector::finite(1, 2047),
        Vector::finite(-1, -2048),
    ];
    let min = -(1i128 << (sw - 1));
    let max = (1i128 << (sw - 1)) - 1;
    for (e, s) in [
        (0, 0),
        (-100, 0),
        (-150, 0),
        (60, 0),
        (-2048, -512),
        (2047, 511),
        (-300, 40),
        (-2048, 511),
    ] {
        v.push(Vector {
            scale_exp: s,
            ..Vector::finite(min, e)
        });
        v.push(Vector {
            scale_exp: s,
            ..Vector::finite(max, e)
        });
    }
    for special in 1..=3 {
        v.push(Vector {
            special,
            ..Vector::finite(5, 0)
        });
        v.push(Vector {
            special,
            scale_nan: true,
            ..Vector::finite(5, 0)
        });
    }
    v.push(Vector {
        scale_nan: true,
        ..Vector::finite(0, 0)
    });
    if nv {
        // Inf times a zero scale is NaN; a negative scale flips an infinity; a zero scale
        // times a finite sum is +0; the largest scale product 225.
        let extra: Vec<Vector> = v
            .iter()
            .flat_map(|&c| {
                [
                    Vector { scale_sig: 0, ..c },
                    Vector {
                        scale_neg: true,
                        ..c
                    },
                    Vector {
                        scale_sig: 225,
                        scale_neg: true,
                        ..c
                    },
                    Vector { scale_sig: 3, ..c },
                ]
            })
            .collect();
        v.extend(extra);
    }
    v.retain(|c| fits(c.sum, sw));
    v
}

/// Seeded random vectors: sums of every length, with exponents aimed at the subnormal,
/// normal and overflow ranges as well as spread over the whole port range; constructed ties.
fn random_vectors(sw: usize, nv: bool, n: usize, rng: &mut impl Rng) -> Vec<Vector> {
    (0..n)
        .map(|_| {
            let neg = rng.gen::<bool>();
            let mag: u128 = match rng.gen_range(0..20) {
                0 => 0,
                1 => 1u128 << (sw - 1), // with neg: the most negative sum
                2..=5 => {
                    // A tie: the bits below some rounding position are exactly 100...0.
                    let k = rng.gen_range(1..sw.max(2));
                    let top = rng.gen::<u128>() & ((1u128 << (sw - 1 - k.min(sw - 1))) - 1);
                    (top << k) | (1u128 << (k - 1))
                }
                _ => {
                    let len = rng.gen_range(1..sw);
                    (rng.gen::<u128>() & ((1u128 << len) - 1)) | (1u128 << (len - 1))
                }
            };
            let mag = mag.min(1u128 << (sw - 1));
            let sum = if neg {
                -(mag as i128)
            } else if mag == 1u128 << (sw - 1) {
                mag as i128 - 1
            } else {
                mag as i128
            };
            let scale_sig = if nv {
                match rng.gen_range(0..10) {
                    0 => 0,
                    1..=5 => rng.gen_range(0..16) * rng.gen_range(0..16),
                    _ => rng.gen_range(1..=225),
                }
            } else {
                1
            };
            let (lsb_exp, scale_exp) = if rng.gen_range(0..5) < 2 {
                (
                    rng.gen_range(-2048..=2047),
                    if rng.gen() {
                        rng.gen_range(-512..=511)
                    } else {
                        rng.gen_range(-254..=254)
                    },
                )
            } else {
                // Aim the result's leading bit at a chosen binade.
                let target: i32 = match rng.gen_range(0..4) {
                    0 => rng.gen_range(-175..=-120),
                    1 => rng.gen_range(115..=135),
                    _ => rng.gen_range(-130..=130),
                };
                let lead = 127
                    - (sum.unsigned_abs() * u128::from(scale_sig.max(1))).leading_zeros() as i32;
                let total = target - lead;
                let scale_exp = rng.gen_range(-254..=254).clamp(total - 2047, total + 2048);
                let scale_exp = scale_exp.clamp(-512, 511);
                ((total - scale_exp).clamp(-2048, 2047), scale_exp)
            };
            let special = if rng.gen_range(0..12) == 0 {
                rng.gen_range(1..=3)
            } else {
                0
            };
            let scale_nan = rng.gen_range(0..30) == 0;
            let scale_neg = nv && rng.gen();
            Vector {
                sum,
                lsb_exp,
                special,
                scale_exp,
                scale_sig,
                scale_neg,
                scale_nan,
            }
        })
        .collect()
}

fn signed_bits<const N: usize>(v: i128) -> Signed<N> {
    signed_cast(u128_to_bits::<N>(v as u128))
}

fn twos(v: i128, w: usize) -> u128 {
    (v as u128) & ((1u128 << w) - 1)
}

fn show<'a>(vs: &'a [Vector], got: &'a [u32], want: &'a [u32]) -> impl Fn(usize) -> String + 'a {
    move |i| format!("{:?}: {:#010x} want {:#010x}", vs[i], got[i], want[i])
}

fn mx_case<const SW: usize>(n: usize, seed: u64) {
    let mut r = rng(seed);
    let mut vs = corners(SW, false);
    vs.extend(random_vectors(SW, false, n, &mut r));
    let want: Vec<u32> = vs.iter().map(expected).collect();
    let mut uut = ToBinary32::<SW>::default();
    let verilog = verilog_of(&mut uut);
    let got: Vec<u32> = vs
        .iter()
        .map(|v| {
            uut.sum.next = signed_bits(v.sum);
            uut.lsb_exp.next = signed_bits(v.lsb_exp.into());
            uut.special.next = u64::from(v.special).into();
            uut.scale_exp.next = signed_bits(v.scale_exp.into());
            uut.scale_nan.next = v.scale_nan;
            settle(&mut uut);
            uut.r.val().to_u32()
        })
        .collect();
    assert_all_equal(
        &format!("ToBinary32<{SW}> rust-hdl"),
        seed,
        &got,
        &want,
        show(&vs, &got, &want),
    );
    let inputs = [
        ("sum", SW),
        ("lsb_exp", 12),
        ("special", 2),
        ("scale_exp", 10),
        ("scale_nan", 1),
    ];
    let vectors: Vec<Vec<u128>> = vs
        .iter()
        .map(|v| {
            vec![
                twos(v.sum, SW),
                twos(v.lsb_exp.into(), 12),
                v.special.into(),
                twos(v.scale_exp.into(), 10),
                v.scale_nan.into(),
            ]
        })
        .collect();
    let Some(out) = icarus(&verilog, &inputs, &[("r", 32)], &vectors) else {
        return;
    };
    let got: Vec<u32> = out.iter().map(|row| row[0] as u32).collect();
    assert_all_equal(
        &format!("ToBinary32<{SW}> Icarus"),
        seed,
        &got,
        &want,
        show(&vs, &got, &want),
    );
}

fn nv_case<const SW: usize, const PW: usize>(n: usize, seed: u64) {
    let mut r = rng(seed);
    let mut vs = corners(SW, true);
    vs.extend(random_vectors(SW, true, n, &mut r));
    let want: Vec<u32> = vs.iter().map(expected).collect();
    let mut uut = ToBinary32Nv::<SW, PW>::default();
    let verilog = verilog_of(&mut uut);
    let got: Vec<u32> = vs
        .iter()
        .map(|v| {
            uut.sum.next = signed_bits(v.sum);
            uut.lsb_exp.next = signed_bits(v.lsb_exp.into());
            uut.special.next = u64::from(v.special).into();
            uut.scale_exp.next = signed_bits(v.scale_exp.into());
            uut.scale_sig.next = u64::from(v.scale_sig).into();
            uut.scale_neg.next = v.scale_neg;
            uut.scale_nan.next = v.scale_nan;
            settle(&mut uut);
            uut.r.val().to_u32()
        })
        .collect();
    assert_all_equal(
        &format!("ToBinary32Nv<{SW}> rust-hdl"),
        seed,
        &got,
        &want,
        show(&vs, &got, &want),
    );
    let inputs = [
        ("sum", SW),
        ("lsb_exp", 12),
        ("special", 2),
        ("scale_exp", 10),
        ("scale_sig", 8),
        ("scale_neg", 1),
        ("scale_nan", 1),
    ];
    let vectors: Vec<Vec<u128>> = vs
        .iter()
        .map(|v| {
            vec![
                twos(v.sum, SW),
                twos(v.lsb_exp.into(), 12),
                v.special.into(),
                twos(v.scale_exp.into(), 10),
                v.scale_sig.into(),
                v.scale_neg.into(),
                v.scale_nan.into(),
            ]
        })
        .collect();
    let Some(out) = icarus(&verilog, &inputs, &[("r", 32)], &vectors) else {
        return;
    };
    let got: Vec<u32> = out.iter().map(|row| row[0] as u32).collect();
    assert_all_equal(
        &format!("ToBinary32Nv<{SW}> Icarus"),
        seed,
        &got,
        &want,
        show(&vs, &got, &want),
    );
}

#[test]
fn to_binary32_narrow_sums() {
    let s = seed(31);
    mx_case::<8>(6000, s);
    mx_case::<16>(12_000, s + 1);
}

#[test]
fn to_binary32_default_width() {
    mx_case::<24>(15_000, seed(32));
}

#[test]
fn to_binary32_wide_sums() {
    let s = seed(33);
    mx_case::<41>(12_000, s);
    mx_case::<90>(12_000, s + 1);
}

#[test]
fn to_binary32_nv() {
    let s = seed(34);
    nv_case::<14, 22>(12_000, s);
    nv_case::<24, 32>(12_000, s + 1);
}

/// Scale codes through the scale combine, chained (as the front end wires them) into the
/// normalizer-rounder, against the contract computed from the codes with the format core.
#[test]
fn scale_codes_through_to_binary32() {
    let s = seed(35);
    let mut r = rng(s);
    let code = |r: &mut rand_chacha::ChaCha8Rng| -> u8 {
        match r.gen_range(0..8) {
            0 => [0x00, 0xFF, 0x7F, 0xFE, 0x80, 0x01, 0x08, 0x7E][r.gen_range(0..8)],
            _ => r.gen(),
        }
    };
    let mut mx_scale = ScaleCombineUe8m0::default();
    let mut mx = ToBinary32::<24>::default();
    let mut nv_scale = ScaleCombineE4m3::default();
    let mut nv = ToBinary32Nv::<14, 22>::default();
    mx_scale.connect_all();
    mx.connect_all();
    nv_scale.connect_all();
    nv.connect_all();
    let mut cases = Vec::new();
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for i in 0..20_000 {
        let (a, b) = (code(&mut r), code(&mut r));
        let special = if r.gen_range(0..10) == 0 {
            r.gen_range(1..=3u8)
        } else {
            0
        };
        let lsb_exp = r.gen_range(-40..=10);
        if i % 2 == 0 {
            let sum = r.gen_range(-(1i128 << 23)..(1i128 << 23));
            mx_scale.a.next = u64::from(a).into();
            mx_scale.b.next = u64::from(b).into();
            settle(&mut mx_scale);
            mx.sum.next = signed_bits(sum);
            mx.lsb_exp.next = signed_bits(lsb_exp.into());
            mx.special.next = u64::from(special).into();
            mx.scale_exp.next = mx_scale.exp.val();
            mx.scale_nan.next = mx_scale.nan.val();
            settle(&mut mx);
            got.push(mx.r.val().to_u32());
            want.push(block_result(
                ScaleFormat::Ue8m0,
                sum,
                lsb_exp,
                special,
                a,
                b,
            ));
            cases.push(format!(
                "UE8M0 a {a:#04x} b {b:#04x} sum {sum} lsb_exp {lsb_exp} special {special}"
            ));
        } else {
            let sum = r.gen_range(-(1i128 << 13)..(1i128 << 13));
            nv_scale.a.next = u64::from(a).into();
            nv_scale.b.next = u64::from(b).into();
            settle(&mut nv_scale);
            nv.sum.next = signed_bits(sum);
            nv.lsb_exp.next = signed_bits(lsb_exp.into());
            nv.special.next = u64::from(special).into();
            nv.scale_exp.next = nv_scale.exp.val();
            nv.scale_sig.next = nv_scale.sig.val();
            nv.scale_neg.next = nv_scale.neg.val();
            nv.scale_nan.next = nv_scale.nan.val();
            settle(&mut nv);
            got.push(nv.r.val().to_u32());
            want.push(block_result(ScaleFormat::E4m3, sum, lsb_exp, special, a, b));
            cases.push(format!(
                "E4M3 a {a:#04x} b {b:#04x} sum {sum} lsb_exp {lsb_exp} special {special}"
            ));
        }
    }
    assert_all_equal(
        "scale combine -> ToBinary32, rust-hdl",
        s,
        &got,
        &want,
        |i| format!("{}: {:#010x} want {:#010x}", cases[i], got[i], want[i]),
    );
}
