//! The FP32 adder against the machine's IEEE f32 addition (NaN canonicalised): a million
//! seeded pairs from every special class in rust-hdl, and a subset in Icarus.

use hwcost::rtl::fp32::Fp32Add;
use rand::Rng;
use rayon::prelude::*;
use rust_hdl::prelude::*;

use super::harness::{assert_all_equal, icarus, rng, seed, settle, verilog_of};
use super::reference::f32_add;

/// One operand from a class: uniform bits, zero, subnormal, near overflow, Inf, NaN (quiet
/// or signalling payloads), tiny normal, around 1, or an exact boundary value.
fn operand(rng: &mut impl Rng) -> u32 {
    let sign = if rng.gen() { 0x8000_0000 } else { 0 };
    let frac = rng.gen::<u32>() & 0x7F_FFFF;
    sign | match rng.gen_range(0..12) {
        0..=2 => rng.gen::<u32>() & 0x7FFF_FFFF,
        3 => 0,
        4 => frac,
        5 => (rng.gen_range(250..=254) << 23) | frac,
        6 => 0x7F80_0000,
        7 => 0x7F80_0000 | frac.max(1),
        8 => (rng.gen_range(1..=8) << 23) | frac,
        9 => (rng.gen_range(100..=154) << 23) | frac,
        10 => [
            0x0080_0000,
            0x007F_FFFF,
            0x7F7F_FFFF,
            0x0000_0001,
            0x3F80_0000,
            0x3F7F_FFFF,
        ][rng.gen_range(0..6)],
        _ => (rng.gen_range(1..=254) << 23) | frac,
    }
}

/// A pair: independent operands, or related ones that probe cancellation, exponent gaps
/// around the guard bits, ties and the overflow edge.
fn pair(rng: &mut impl Rng) -> (u32, u32) {
    let a = operand(rng);
    let b = match rng.gen_range(0..10) {
        0..=3 => operand(rng),
        // x + (-x), or -x + x.
        4 => a ^ 0x8000_0000,
        // Near cancellation: the negated magnitude a few units in the last place away.
        5 => (a ^ 0x8000_0000)
            .wrapping_add(rng.gen_range(0..=32))
            .wrapping_sub(16),
        // Exponent gap d, with d = 0..3 and d around the 24 + 3 guard bits.
        6 => {
            let d =
                [0, 1, 2, 3, 23, 24, 25, 26, 27, 28, rng.gen_range(0..64)][rng.gen_range(0..11)];
            let e = ((a >> 23) & 0xFF).saturating_sub(d);
            (rng.gen::<u32>() & 0x8000_0000) | (e << 23) | (rng.gen::<u32>() & 0x7F_FFFF)
        }
        // Half a unit in the last place of a (a tie), or just above or below it.
        7 => {
            let e = (a >> 23) & 0xFF;
            let tie = if e > 24 {
                (e - 24) << 23
            } else {
                1 << (e.max(1) - 1).min(22)
            };
            (rng.gen::<u32>() & 0x8000_0000) | (tie as i64 + rng.gen_range(-1..=1)).max(0) as u32
        }
        // Both near the largest finite value.
        8 => (a & 0x8000_0000) | 0x7F00_0000 | (rng.gen::<u32>() & 0x7F_FFFF),
        _ => rng.gen::<u32>() & 0x80FF_FFFF,
    };
    if rng.gen() {
        (a, b)
    } else {
        (b, a)
    }
}

fn sim_chunk(pairs: &[(u32, u32)]) -> Vec<u32> {
    let mut uut = Fp32Add::default();
    uut.connect_all();
    pairs
        .iter()
        .map(|&(a, b)| {
            uut.a.next = u64::from(a).into();
            uut.b.next = u64::from(b).into();
            settle(&mut uut);
            uut.s.val().to_u32()
        })
        .collect()
}

#[test]
fn fp32_add_million_pairs_rust_hdl_and_icarus() {
    let s = seed(41);
    let mut r = rng(s);
    let pairs: Vec<(u32, u32)> = (0..1_000_000).map(|_| pair(&mut r)).collect();
    let want: Vec<u32> = pairs.iter().map(|&(a, b)| f32_add(a, b)).collect();
    let got: Vec<u32> = pairs.par_chunks(25_000).flat_map_iter(sim_chunk).collect();
    let show = |got: &[u32], i: usize| {
        let (a, b) = pairs[i];
        format!(
            "{a:#010x} + {b:#010x} ({:e} + {:e}): {:#010x} want {:#010x}",
            f32::from_bits(a),
            f32::from_bits(b),
            got[i],
            want[i]
        )
    };
    assert_all_equal("Fp32Add rust-hdl", s, &got, &want, |i| show(&got, i));

    // Icarus on every 40th pair (25,000 vectors).
    let sub: Vec<usize> = (0..pairs.len()).step_by(40).collect();
    let vectors: Vec<Vec<u128>> = sub
        .iter()
        .map(|&i| vec![pairs[i].0.into(), pairs[i].1.into()])
        .collect();
    let verilog = verilog_of(&mut Fp32Add::default());
    let Some(out) = icarus(&verilog, &[("a", 32), ("b", 32)], &[("s", 32)], &vectors) else {
        return;
    };
    let mut got_v = got.clone();
    for (k, &i) in sub.iter().enumerate() {
        got_v[i] = out[k][0] as u32;
    }
    let want_sub: Vec<u32> = sub.iter().map(|&i| want[i]).collect();
    let got_sub: Vec<u32> = sub.iter().map(|&i| got_v[i]).collect();
    assert_all_equal("Fp32Add Icarus", s, &got_sub, &want_sub, |k| {
        show(&got_v, sub[k])
    });
}

#[test]
fn fp32_add_named_cases() {
    let cases: [(f32, f32, u32); 10] = [
        (1.0, -1.0, 0),                                  // x + (-x) = +0
        (-0.0, -0.0, 0x8000_0000),                       // -0 + -0 = -0
        (0.0, -0.0, 0),                                  // +0 + -0 = +0
        (f32::INFINITY, f32::NEG_INFINITY, 0x7FC0_0000), // Inf - Inf = NaN
        (f32::NEG_INFINITY, 1.0, 0xFF80_0000),
        (f32::MAX, f32::MAX, 0x7F80_0000),         // overflow
        (f32::from_bits(1), f32::from_bits(1), 2), // subnormal sum
        (f32::from_bits(0x007F_FFFF), f32::from_bits(1), 0x0080_0000), // to the smallest normal
        (1.0, f32::from_bits(0x3380_0000), 0x3F80_0000), // 1 + 2^-24: a tie, to even
        (
            f32::from_bits(0x3F80_0001),
            f32::from_bits(0x3380_0000),
            0x3F80_0002,
        ), // tie, odd: up
    ];
    let pairs: Vec<(u32, u32)> = cases
        .iter()
        .map(|c| (c.0.to_bits(), c.1.to_bits()))
        .collect();
    let got = sim_chunk(&pairs);
    for (i, c) in cases.iter().enumerate() {
        assert_eq!(got[i], c.2, "{:e} + {:e}", c.0, c.1);
        assert_eq!(
            f32_add(pairs[i].0, pairs[i].1),
            c.2,
            "reference disagrees on {:e} + {:e}",
            c.0,
            c.1
        );
    }
    // A signalling NaN input gives the canonical quiet NaN.
    assert_eq!(sim_chunk(&[(0x7F80_0001, 0x3F80_0000)]), vec![0x7FC0_0000]);
    assert_eq!(sim_chunk(&[(0x3F80_0000, 0xFFFF_FFFF)]), vec![0x7FC0_0000]);
}
