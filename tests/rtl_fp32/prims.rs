//! The hand-written primitives: their Verilog in Icarus against their Rust `update()`,
//! and their Rust models against the arithmetic they stand for.

use hwcost::rtl::fp32::prim::{bits_to_u128, u128_to_bits, Cat, Lzc, ShrSticky, UMul};
use rand::Rng;
use rust_hdl::prelude::*;

use super::harness::{assert_all_equal, icarus, rng, seed, settle, verilog_of};

fn mask(w: usize) -> u128 {
    if w >= 128 {
        u128::MAX
    } else {
        (1u128 << w) - 1
    }
}

/// Random W-bit values with every leading-zero count (and zero) represented.
fn spread_values(w: usize, n: usize, rng: &mut impl Rng) -> Vec<u128> {
    (0..n)
        .map(|i| match i % (w + 1) {
            0 => 0,
            k => (rng.gen::<u128>() & mask(k)) | (1u128 << (k - 1)),
        })
        .collect()
}

fn lzc_case<const W: usize, const CW: usize>(values: Vec<u128>, seed: u64) {
    let mut uut = Lzc::<W, CW>::default();
    let verilog = verilog_of(&mut uut);
    let got_sim: Vec<u128> = values
        .iter()
        .map(|&x| {
            uut.x.next = u128_to_bits(x);
            settle(&mut uut);
            bits_to_u128(uut.zeros.val())
        })
        .collect();
    let want: Vec<u128> = values
        .iter()
        .map(|&x| {
            if x == 0 {
                W as u128
            } else {
                u128::from(x.leading_zeros()) - (128 - W as u128)
            }
        })
        .collect();
    assert_all_equal(&format!("Lzc<{W}> rust-hdl"), seed, &got_sim, &want, |i| {
        format!("x {:#x}: {} want {}", values[i], got_sim[i], want[i])
    });
    let vectors: Vec<Vec<u128>> = values.iter().map(|&x| vec![x]).collect();
    let Some(out) = icarus(&verilog, &[("x", W)], &[("zeros", CW)], &vectors) else {
        return;
    };
    let got_v: Vec<u128> = out.iter().map(|r| r[0]).collect();
    assert_all_equal(&format!("Lzc<{W}> Icarus"), seed, &got_v, &want, |i| {
        format!("x {:#x}: {} want {}", values[i], got_v[i], want[i])
    });
}

#[test]
fn lzc_exhaustive_small_and_random_wide() {
    let s = seed(21);
    let mut r = rng(s);
    lzc_case::<1, 1>((0..2).collect(), s);
    lzc_case::<7, 3>((0..128).collect(), s);
    lzc_case::<12, 4>((0..4096).collect(), s);
    lzc_case::<28, 8>(spread_values(28, 3000, &mut r), s);
    lzc_case::<90, 14>(spread_values(90, 3000, &mut r), s);
    lzc_case::<103, 14>(spread_values(103, 3000, &mut r), s);
}

fn shr_case<const W: usize, const G: usize, const O: usize>(n: usize, seed: u64) {
    let mut r = rng(seed);
    let xs = spread_values(W, n, &mut r);
    let shifts: Vec<u128> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                (i / 2 % 256) as u128
            } else {
                r.gen_range(0..(W + G + 3).min(256)) as u128
            }
        })
        .collect();
    // The arithmetic: frame = x * 2^G, y = low O bits of frame >> s, sticky = bits lost.
    let want: Vec<(u128, u128)> = xs
        .iter()
        .zip(&shifts)
        .map(|(&x, &s)| {
            let s = s as u32;
            let frame_bits = (0..W)
                .filter(|&i| x >> i & 1 == 1)
                .map(|i| i as u32 + G as u32);
            let mut y = 0u128;
            let mut lost = 0u128;
            for b in frame_bits {
                if b >= s {
                    if ((b - s) as usize) < O {
                        y |= 1 << (b - s);
                    }
                } else {
                    lost = 1;
                }
            }
            (y, lost)
        })
        .collect();
    let mut uut = ShrSticky::<W, G, O>::default();
    let verilog = verilog_of(&mut uut);
    let got: Vec<(u128, u128)> = xs
        .iter()
        .zip(&shifts)
        .map(|(&x, &s)| {
            uut.x.next = u128_to_bits(x);
            uut.shift.next = (s as u64).into();
            settle(&mut uut);
            (bits_to_u128(uut.y.val()), u128::from(uut.sticky.val()))
        })
        .collect();
    let name = format!("ShrSticky<{W},{G},{O}>");
    assert_all_equal(&format!("{name} rust-hdl"), seed, &got, &want, |i| {
        format!(
            "x {:#x} >> {}: {:x?} want {:x?}",
            xs[i], shifts[i], got[i], want[i]
        )
    });
    let vectors: Vec<Vec<u128>> = xs.iter().zip(&shifts).map(|(&x, &s)| vec![x, s]).collect();
    let Some(out) = icarus(
        &verilog,
        &[("x", W), ("shift", 8)],
        &[("y", O), ("sticky", 1)],
        &vectors,
    ) else {
        return;
    };
    let got_v: Vec<(u128, u128)> = out.iter().map(|r| (r[0], r[1])).collect();
    assert_all_equal(&format!("{name} Icarus"), seed, &got_v, &want, |i| {
        format!(
            "x {:#x} >> {}: {:x?} want {:x?}",
            xs[i], shifts[i], got_v[i], want[i]
        )
    });
}

#[test]
fn shr_sticky_all_shift_amounts() {
    let s = seed(22);
    shr_case::<24, 3, 28>(6000, s);
    shr_case::<5, 0, 5>(2000, s);
    shr_case::<16, 25, 25>(3000, s);
    shr_case::<90, 25, 25>(3000, s);
    shr_case::<103, 25, 25>(3000, s);
}

fn umul_case<const A: usize, const B: usize, const P: usize>(pairs: Vec<(u128, u128)>, seed: u64) {
    let mut uut = UMul::<A, B, P>::default();
    let verilog = verilog_of(&mut uut);
    let want: Vec<u128> = pairs.iter().map(|&(a, b)| a * b).collect();
    let got: Vec<u128> = pairs
        .iter()
        .map(|&(a, b)| {
            uut.a.next = u128_to_bits(a);
            uut.b.next = u128_to_bits(b);
            settle(&mut uut);
            bits_to_u128(uut.p.val())
        })
        .collect();
    let name = format!("UMul<{A},{B}>");
    assert_all_equal(&format!("{name} rust-hdl"), seed, &got, &want, |i| {
        format!("{:x?}: {:#x} want {:#x}", pairs[i], got[i], want[i])
    });
    let vectors: Vec<Vec<u128>> = pairs.iter().map(|&(a, b)| vec![a, b]).collect();
    let Some(out) = icarus(&verilog, &[("a", A), ("b", B)], &[("p", P)], &vectors) else {
        return;
    };
    let got_v: Vec<u128> = out.iter().map(|r| r[0]).collect();
    assert_all_equal(&format!("{name} Icarus"), seed, &got_v, &want, |i| {
        format!("{:x?}: {:#x} want {:#x}", pairs[i], got_v[i], want[i])
    });
}

#[test]
fn umul_exhaustive_4x4_and_random_wide() {
    let s = seed(23);
    let mut r = rng(s);
    umul_case::<4, 4, 8>(
        (0..16).flat_map(|a| (0..16).map(move |b| (a, b))).collect(),
        s,
    );
    let wide = |w: usize, r: &mut rand_chacha::ChaCha8Rng| spread_values(w, 1, r)[0];
    let mut pairs: Vec<(u128, u128)> = (0..3000)
        .map(|_| (wide(90, &mut r), r.gen_range(0..256)))
        .collect();
    pairs.extend([(mask(90), 255), (mask(90), 0), (0, 255), (1 << 89, 225)]);
    umul_case::<90, 8, 98>(pairs, s);
}

#[test]
fn cat_packs_and_views_like_concatenation() {
    let mut r = rng(seed(24));
    for _ in 0..1000 {
        let v: u128 = r.gen::<u128>() & mask(40);
        let c: Cat<15, 25, 40> = u128_to_bits::<40>(v).into();
        assert_eq!(bits_to_u128(c.lo), v & mask(25));
        assert_eq!(bits_to_u128(c.hi), v >> 25);
        assert_eq!(bits_to_u128(Bits::<40>::from(c)), v);
    }
}
