//! The two front ends of a MAC unit: from the packed element codes of a block to the
//! block's product sum `sum` (two's complement, in units of 2^lsb_exp, scales excluded),
//! `lsb_exp` and `special` (RTL_CONTRACT.md, REFERENCE.md §4).

use rust_hdl::prelude::*;

use super::lane::{FpLane, IntLane};
use super::prim::{AdderTree, ZeroExtend};
use super::reduce::{Aligner, MaxExpTree, Specials};
use crate::format::FpSpecials;

/// Width of `lsb_exp`.
pub const LSB_EXP_BITS: usize = 12;

/// A 12-bit two's-complement constant as raw bits: rust-hdl prints negative `Signed`
/// constants as invalid Verilog, so constants stay unsigned and are `$signed` where read.
fn exp_const(v: i64) -> Constant<Bits<LSB_EXP_BITS>> {
    assert!((-2048..2048).contains(&v), "lsb exponent constant {v} out of range");
    Constant::new(((v as u64) & 0xFFF).into())
}

/// INT front end: k lanes of W-bit two's-complement codes (KW = k * W), exact products of
/// P = 2W bits, an exact adder tree to SW = P + log2 k bits. In the OCP view an element is
/// code * 2^-(W-2), so `lsb_exp` is the constant -2(W-2); `special` is always 0.
#[derive(LogicBlock)]
pub struct IntFront<const W: usize, const P: usize, const KW: usize, const SW: usize> {
    pub a: Signal<In, Bits<KW>>,
    pub b: Signal<In, Bits<KW>>,
    pub sum: Signal<Out, Signed<SW>>,
    pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
    pub special: Signal<Out, Bits<2>>,
    int_lane: Vec<IntLane<W, P>>,
    adder_tree: AdderTree<P, SW>,
    lsb: Constant<Bits<LSB_EXP_BITS>>,
    finite: Constant<Bits<2>>,
}

impl<const W: usize, const P: usize, const KW: usize, const SW: usize> IntFront<W, P, KW, SW> {
    pub fn new(k: usize) -> Self {
        const { assert!(P == 2 * W) };
        assert_eq!(k * W, KW, "INT front end: k * W must equal KW");
        Self {
            a: Default::default(),
            b: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            int_lane: (0..k).map(|_| Default::default()).collect(),
            adder_tree: AdderTree::new(k),
            lsb: exp_const(-2 * (W as i64 - 2)),
            finite: Constant::new(0u64.into()),
        }
    }
}

impl<const W: usize, const P: usize, const KW: usize, const SW: usize> Logic for IntFront<W, P, KW, SW> {
    #[hdl_gen]
    fn update(&mut self) {
        for w in W..(W + 1) {
            for i in 0..self.int_lane.len() {
                self.int_lane[i].a.next = self.a.val().get_bits::<W>(i * w);
                self.int_lane[i].b.next = self.b.val().get_bits::<W>(i * w);
            }
        }
        for i in 0..self.int_lane.len() {
            self.adder_tree.x[i].next = self.int_lane[i].prod.val();
        }
        self.sum.next = self.adder_tree.sum.val();
        self.lsb_exp.next = signed_cast(self.lsb.val());
        self.special.next = self.finite.val();
    }
}

/// FP front end: k lanes of W-bit codes (X exponent and Y mantissa bits; X1 = X + 1,
/// Y1 = Y + 1, MB = 2 Y1, KW = k W), the max-exponent tree, one aligner per lane into the
/// N-bit window (N1 = N + 1 signed bits), the adder tree to SW = N1 + log2 k bits and the
/// special-value detection. With E the largest unbiased product exponent of the block,
/// `lsb_exp` = E - (N - 2).
#[derive(LogicBlock)]
pub struct FpFront<
    const W: usize,
    const X: usize,
    const Y: usize,
    const X1: usize,
    const Y1: usize,
    const MB: usize,
    const N: usize,
    const N1: usize,
    const KW: usize,
    const SW: usize,
> {
    pub a: Signal<In, Bits<KW>>,
    pub b: Signal<In, Bits<KW>>,
    pub sum: Signal<Out, Signed<SW>>,
    pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
    pub special: Signal<Out, Bits<2>>,
    fp_lane: Vec<FpLane<W, X, Y, X1, Y1, MB>>,
    max_exp_tree: MaxExpTree<X1>,
    aligner: Vec<Aligner<MB, X1, N, N1>>,
    adder_tree: AdderTree<N1, SW>,
    specials: Specials,
    emax_ext: ZeroExtend<X1, LSB_EXP_BITS>,
    /// 2 bias + N - 2: turns the biased largest exponent into the window's LSB exponent.
    lsb_offset: Constant<Bits<LSB_EXP_BITS>>,
}

impl<
        const W: usize,
        const X: usize,
        const Y: usize,
        const X1: usize,
        const Y1: usize,
        const MB: usize,
        const N: usize,
        const N1: usize,
        const KW: usize,
        const SW: usize,
    > FpFront<W, X, Y, X1, Y1, MB, N, N1, KW, SW>
{
    pub fn new(k: usize, bias: i32, specials: FpSpecials) -> Self {
        const { assert!(MB == 2 * Y1 && N >= MB && N1 == N + 1) };
        assert_eq!(k * W, KW, "FP front end: k * W must equal KW");
        Self {
            a: Default::default(),
            b: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            fp_lane: (0..k).map(|_| FpLane::new(specials)).collect(),
            max_exp_tree: MaxExpTree::new(k),
            aligner: (0..k).map(|_| Default::default()).collect(),
            adder_tree: AdderTree::new(k),
            specials: Specials::new(k),
            emax_ext: Default::default(),
            lsb_offset: exp_const(2 * bias as i64 + N as i64 - 2),
        }
    }
}

impl<
        const W: usize,
        const X: usize,
        const Y: usize,
        const X1: usize,
        const Y1: usize,
        const MB: usize,
        const N: usize,
        const N1: usize,
        const KW: usize,
        const SW: usize,
    > Logic for FpFront<W, X, Y, X1, Y1, MB, N, N1, KW, SW>
{
    #[hdl_gen]
    fn update(&mut self) {
        for w in W..(W + 1) {
            for i in 0..self.fp_lane.len() {
                self.fp_lane[i].a.next = self.a.val().get_bits::<W>(i * w);
                self.fp_lane[i].b.next = self.b.val().get_bits::<W>(i * w);
            }
        }
        for i in 0..self.fp_lane.len() {
            self.max_exp_tree.x[i].next = self.fp_lane[i].exp.val();
            self.specials.nan[i].next = self.fp_lane[i].nan.val();
            self.specials.inf[i].next = self.fp_lane[i].inf.val();
            self.specials.sign[i].next = self.fp_lane[i].sign.val();
            self.aligner[i].mag.next = self.fp_lane[i].mag.val();
            self.aligner[i].exp.next = self.fp_lane[i].exp.val();
            self.aligner[i].sign.next = self.fp_lane[i].sign.val();
            self.aligner[i].emax.next = self.max_exp_tree.max.val();
            self.adder_tree.x[i].next = self.aligner[i].aligned.val();
        }
        self.sum.next = self.adder_tree.sum.val();
        self.emax_ext.i.next = self.max_exp_tree.max.val();
        self.lsb_exp.next = signed_cast(self.emax_ext.o.val()) - signed_cast(self.lsb_offset.val());
        self.special.next = self.specials.special.val();
    }
}
