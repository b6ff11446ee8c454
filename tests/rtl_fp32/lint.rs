//! `verilator --lint-only -Wall` on the Verilog of every block and primitive: no errors and
//! no warnings.

use hwcost::rtl::fp32::prim::{Lzc, ShrSticky, UMul};
use hwcost::rtl::fp32::*;
use rust_hdl::prelude::*;

use super::harness::{verilator_lint, verilog_of};

fn lint<B: Block>(name: &str, mut uut: B) -> Vec<String> {
    let verilog = verilog_of(&mut uut);
    match verilator_lint(&verilog) {
        Some(issues) => issues.into_iter().map(|i| format!("{name}: {i}")).collect(),
        None => vec![],
    }
}

#[test]
fn every_block_is_lint_clean() {
    let mut issues = Vec::new();
    issues.extend(lint("Fp32Add", Fp32Add::default()));
    issues.extend(lint("ScaleCombineUe8m0", ScaleCombineUe8m0::default()));
    issues.extend(lint("ScaleCombineE4m3", ScaleCombineE4m3::default()));
    issues.extend(lint("ToBinary32<2>", ToBinary32::<2>::default()));
    issues.extend(lint("ToBinary32<8>", ToBinary32::<8>::default()));
    issues.extend(lint("ToBinary32<16>", ToBinary32::<16>::default()));
    issues.extend(lint("ToBinary32<24>", ToBinary32::<24>::default()));
    issues.extend(lint("ToBinary32<41>", ToBinary32::<41>::default()));
    issues.extend(lint("ToBinary32<90>", ToBinary32::<90>::default()));
    issues.extend(lint("ToBinary32<103>", ToBinary32::<103>::default()));
    issues.extend(lint(
        "ToBinary32Nv<14,22>",
        ToBinary32Nv::<14, 22>::default(),
    ));
    issues.extend(lint(
        "ToBinary32Nv<24,32>",
        ToBinary32Nv::<24, 32>::default(),
    ));
    issues.extend(lint("RoundPack", RoundPack::default()));
    issues.extend(lint("Lzc<1,1>", Lzc::<1, 1>::default()));
    issues.extend(lint("Lzc<28,8>", Lzc::<28, 8>::default()));
    issues.extend(lint("Lzc<90,14>", Lzc::<90, 14>::default()));
    issues.extend(lint(
        "ShrSticky<24,3,28>",
        ShrSticky::<24, 3, 28>::default(),
    ));
    issues.extend(lint("ShrSticky<5,0,5>", ShrSticky::<5, 0, 5>::default()));
    issues.extend(lint(
        "ShrSticky<90,25,25>",
        ShrSticky::<90, 25, 25>::default(),
    ));
    issues.extend(lint("UMul<4,4,8>", UMul::<4, 4, 8>::default()));
    issues.extend(lint("UMul<90,8,98>", UMul::<90, 8, 98>::default()));
    assert!(issues.is_empty(), "Verilator lint:\n{}", issues.join("\n"));
}
