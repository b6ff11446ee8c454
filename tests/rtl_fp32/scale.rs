//! Scale combine, exhaustively over all 65,536 code pairs of every scale kind, in rust-hdl
//! and Icarus, against the format core's scale decoders.

use hwcost::format::ScaleFormat;
use hwcost::rtl::fp32::{ScaleCombineE4m3, ScaleCombineUe5m3, ScaleCombineUe8m0};

use super::harness::{assert_all_equal, icarus, settle, verilog_of};
use super::reference::scale_product;

/// (nan, neg, sig, exp) with the other fields zeroed when nan: they are don't-cares.
type Product = (bool, bool, u32, i32);

fn sext(v: u128, w: u32) -> i32 {
    ((v as i64) << (64 - w) >> (64 - w)) as i32
}

fn canonical(nan: bool, neg: bool, sig: u32, exp: i32) -> Product {
    if nan {
        (true, false, 0, 0)
    } else {
        (false, neg, sig, exp)
    }
}

fn all_pairs() -> Vec<(u8, u8)> {
    (0..=255u8)
        .flat_map(|a| (0..=255u8).map(move |b| (a, b)))
        .collect()
}

fn want(kind: ScaleFormat, pairs: &[(u8, u8)]) -> Vec<Product> {
    pairs
        .iter()
        .map(|&(a, b)| match scale_product(kind, a, b) {
            None => canonical(true, false, 0, 0),
            Some((neg, sig, exp)) => canonical(false, neg, sig, exp),
        })
        .collect()
}

fn show<'a>(
    pairs: &'a [(u8, u8)],
    got: &'a [Product],
    want: &'a [Product],
) -> impl Fn(usize) -> String + 'a {
    move |i| {
        format!(
            "codes {:#04x} {:#04x}: (nan, neg, sig, exp) {:?} want {:?}",
            pairs[i].0, pairs[i].1, got[i], want[i]
        )
    }
}

#[test]
fn ue8m0_all_code_pairs() {
    let pairs = all_pairs();
    let want = want(ScaleFormat::Ue8m0, &pairs);
    let mut uut = ScaleCombineUe8m0::default();
    let verilog = verilog_of(&mut uut);
    let got: Vec<Product> = pairs
        .iter()
        .map(|&(a, b)| {
            uut.a.next = u64::from(a).into();
            uut.b.next = u64::from(b).into();
            settle(&mut uut);
            canonical(
                uut.nan.val(),
                false,
                1,
                sext(uut.exp.val().inner().to_u128(), 10),
            )
        })
        .collect();
    assert_all_equal(
        "UE8M0 scale combine, rust-hdl",
        0,
        &got,
        &want,
        show(&pairs, &got, &want),
    );
    let vectors: Vec<Vec<u128>> = pairs
        .iter()
        .map(|&(a, b)| vec![a.into(), b.into()])
        .collect();
    let Some(out) = icarus(
        &verilog,
        &[("a", 8), ("b", 8)],
        &[("exp", 10), ("nan", 1)],
        &vectors,
    ) else {
        return;
    };
    let got: Vec<Product> = out
        .iter()
        .map(|r| canonical(r[1] == 1, false, 1, sext(r[0], 10)))
        .collect();
    assert_all_equal(
        "UE8M0 scale combine, Icarus",
        0,
        &got,
        &want,
        show(&pairs, &got, &want),
    );
}

/// The FP8 scales (E4M3, UE5M3): sign, significand product, exponent sum, NaN.
macro_rules! fp8_scale_test {
    ($name:ident, $kind:expr, $uut:ty, $label:literal) => {
        #[test]
        fn $name() {
            let pairs = all_pairs();
            let want = want($kind, &pairs);
            let mut uut = <$uut>::default();
            let verilog = verilog_of(&mut uut);
            let got: Vec<Product> = pairs
                .iter()
                .map(|&(a, b)| {
                    uut.a.next = u64::from(a).into();
                    uut.b.next = u64::from(b).into();
                    settle(&mut uut);
                    canonical(
                        uut.nan.val(),
                        uut.neg.val(),
                        uut.sig.val().to_u32(),
                        sext(uut.exp.val().inner().to_u128(), 10),
                    )
                })
                .collect();
            assert_all_equal(
                concat!($label, " scale combine, rust-hdl"),
                0,
                &got,
                &want,
                show(&pairs, &got, &want),
            );
            let vectors: Vec<Vec<u128>> = pairs
                .iter()
                .map(|&(a, b)| vec![a.into(), b.into()])
                .collect();
            let outputs = [("exp", 10), ("sig", 8), ("neg", 1), ("nan", 1)];
            let Some(out) = icarus(&verilog, &[("a", 8), ("b", 8)], &outputs, &vectors) else {
                return;
            };
            let got: Vec<Product> = out
                .iter()
                .map(|r| canonical(r[3] == 1, r[2] == 1, r[1] as u32, sext(r[0], 10)))
                .collect();
            assert_all_equal(
                concat!($label, " scale combine, Icarus"),
                0,
                &got,
                &want,
                show(&pairs, &got, &want),
            );
        }
    };
}

fp8_scale_test!(
    e4m3_all_code_pairs,
    ScaleFormat::E4m3,
    ScaleCombineE4m3,
    "E4M3"
);
fp8_scale_test!(
    ue5m3_all_code_pairs,
    ScaleFormat::Ue5m3,
    ScaleCombineUe5m3,
    "UE5M3"
);
