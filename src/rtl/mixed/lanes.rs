//! The reconfigurable lanes of the mixed units and the 16-element groups built from them:
//! the INT scheme-2 lane (two int8 x (u)int4 multipliers that make one int8 x int8 product
//! or two int4 x int4 products), and the E4M3 lane that also runs E2M1 codes placed as
//! S_00EE_M00.

use rust_hdl::prelude::*;

use super::back::TruncateSigned;
use crate::format::FpSpecials;
use crate::rtl::fp32::prim::Cat;
use crate::rtl::front::LSB_EXP_BITS;
use crate::rtl::lane::FpLane;
use crate::rtl::prim::{AdderTree, Mul, ZeroExtend};
use crate::rtl::reduce::{Aligner, MaxExpTree, Specials};

/// INT reuse scheme 2: one 8-bit lane = two int8 x (u)int4 multipliers (each a signed 8 x 5
/// multiplier whose fifth `b` bit is the 4-bit operand's sign, or 0 for the unsigned low
/// nibble), so the lane's two 16-bit tree leaves are
/// - mode 0 (int8): `lo` = a * b[3:0] (b's low nibble unsigned), `hi` = (a * b[7:4]) << 4
///   (high nibble signed), lo + hi = a * b;
/// - mode 1 (int4): `lo` = a[3:0] * b[3:0], `hi` = a[7:4] * b[7:4], all nibbles two's
///   complement (element 2i in the low nibble, 2i + 1 in the high one).
#[derive(LogicBlock)]
pub struct MixedIntLane {
    pub a: Signal<In, Bits<8>>,
    pub b: Signal<In, Bits<8>>,
    pub mode: Signal<In, Bit>,
    pub lo: Signal<Out, Signed<16>>,
    pub hi: Signal<Out, Signed<16>>,
    mul_lo: Mul<8, 5, 13>,
    mul_hi: Mul<8, 5, 13>,
    a_lo: Signal<Local, Cat<4, 4, 8>>,
    a_hi: Signal<Local, Cat<4, 4, 8>>,
    b_lo: Signal<Local, Cat<1, 4, 5>>,
    b_hi: Signal<Local, Cat<1, 4, 5>>,
    lo_ext: Signal<Local, Cat<3, 13, 16>>,
    hi_ext: Signal<Local, Cat<3, 13, 16>>,
    hi_shl: Signal<Local, Cat<12, 4, 16>>,
    lo_bits: Signal<Local, Bits<16>>,
    hi_bits: Signal<Local, Bits<16>>,
    ones4: Constant<Bits<4>>,
    zero4: Constant<Bits<4>>,
    ones3: Constant<Bits<3>>,
    zero3: Constant<Bits<3>>,
    one1: Constant<Bits<1>>,
    zero1: Constant<Bits<1>>,
}

impl Default for MixedIntLane {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            mode: Default::default(),
            lo: Default::default(),
            hi: Default::default(),
            mul_lo: Mul::new(true),
            mul_hi: Mul::new(true),
            a_lo: Default::default(),
            a_hi: Default::default(),
            b_lo: Default::default(),
            b_hi: Default::default(),
            lo_ext: Default::default(),
            hi_ext: Default::default(),
            hi_shl: Default::default(),
            lo_bits: Default::default(),
            hi_bits: Default::default(),
            ones4: Constant::new(15.into()),
            zero4: Constant::new(0.into()),
            ones3: Constant::new(7.into()),
            zero3: Constant::new(0.into()),
            one1: Constant::new(1.into()),
            zero1: Constant::new(0.into()),
        }
    }
}

impl Logic for MixedIntLane {
    #[hdl_gen]
    fn update(&mut self) {
        // The nibbles sign-extended to 8 bits (mode 1's `a` operands).
        self.a_lo.next.lo = self.a.val().get_bits::<4>(0);
        if self.a.val().get_bit(3) {
            self.a_lo.next.hi = self.ones4.val();
        } else {
            self.a_lo.next.hi = self.zero4.val();
        }
        self.a_hi.next.lo = self.a.val().get_bits::<4>(4);
        if self.a.val().get_bit(7) {
            self.a_hi.next.hi = self.ones4.val();
        } else {
            self.a_hi.next.hi = self.zero4.val();
        }
        // The 4-bit `b` operands as 5-bit two's complement: the low nibble is unsigned in
        // mode 0 (it is the low half of an int8), signed in mode 1; the high one is signed.
        self.b_lo.next.lo = self.b.val().get_bits::<4>(0);
        if self.mode.val() & self.b.val().get_bit(3) {
            self.b_lo.next.hi = self.one1.val();
        } else {
            self.b_lo.next.hi = self.zero1.val();
        }
        self.b_hi.next.lo = self.b.val().get_bits::<4>(4);
        if self.b.val().get_bit(7) {
            self.b_hi.next.hi = self.one1.val();
        } else {
            self.b_hi.next.hi = self.zero1.val();
        }
        if self.mode.val() {
            self.mul_lo.a.next = self.a_lo.val().into();
            self.mul_hi.a.next = self.a_hi.val().into();
        } else {
            self.mul_lo.a.next = self.a.val();
            self.mul_hi.a.next = self.a.val();
        }
        self.mul_lo.b.next = self.b_lo.val().into();
        self.mul_hi.b.next = self.b_hi.val().into();
        // Leaves: 13-bit products sign-extended to 16 bits; mode 0's high product (at most
        // 12 significant bits: |a * b_hi| <= 1024) shifted left by 4.
        self.lo_ext.next.lo = self.mul_lo.p.val();
        if self.mul_lo.p.val().get_bit(12) {
            self.lo_ext.next.hi = self.ones3.val();
        } else {
            self.lo_ext.next.hi = self.zero3.val();
        }
        self.hi_ext.next.lo = self.mul_hi.p.val();
        if self.mul_hi.p.val().get_bit(12) {
            self.hi_ext.next.hi = self.ones3.val();
        } else {
            self.hi_ext.next.hi = self.zero3.val();
        }
        self.hi_shl.next.lo = self.zero4.val();
        self.hi_shl.next.hi = self.mul_hi.p.val().get_bits::<12>(0);
        self.lo_bits.next = self.lo_ext.val().into();
        if self.mode.val() {
            self.hi_bits.next = self.hi_ext.val().into();
        } else {
            self.hi_bits.next = self.hi_shl.val().into();
        }
        self.lo.next = signed_cast(self.lo_bits.val());
        self.hi.next = signed_cast(self.hi_bits.val());
    }
}

/// Eight [`MixedIntLane`]s (64 bits of `a` and `b`) and their 16-leaf adder tree: in mode 1
/// the sum is one NV block of 16 int4 products, in mode 0 a partial sum of 8 int8 products.
/// `sum` is exact (16-bit leaves, 20 bits); `sum4` is its low 12 bits, exact in mode 1 (16
/// products of at most 2^6 in magnitude), the width the NV block's converter needs.
#[derive(LogicBlock)]
pub struct IntGroup {
    pub a: Signal<In, Bits<64>>,
    pub b: Signal<In, Bits<64>>,
    pub mode: Signal<In, Bit>,
    pub sum: Signal<Out, Signed<20>>,
    pub sum4: Signal<Out, Signed<12>>,
    lane: Vec<MixedIntLane>,
    tree: AdderTree<16, 20>,
    trunc: TruncateSigned<20, 12>,
}

impl Default for IntGroup {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            mode: Default::default(),
            sum: Default::default(),
            sum4: Default::default(),
            lane: (0..8).map(|_| Default::default()).collect(),
            tree: AdderTree::new(16),
            trunc: Default::default(),
        }
    }
}

impl Logic for IntGroup {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self.lane.len() {
            self.lane[i].a.next = self.a.val().get_bits::<8>(8 * i);
            self.lane[i].b.next = self.b.val().get_bits::<8>(8 * i);
            self.lane[i].mode.next = self.mode.val();
        }
        for i in 0..self.lane.len() {
            self.tree.x[2 * i].next = self.lane[i].lo.val();
            self.tree.x[2 * i + 1].next = self.lane[i].hi.val();
        }
        self.sum.next = self.tree.sum.val();
        self.trunc.i.next = self.tree.sum.val();
        self.sum4.next = self.trunc.o.val();
    }
}

/// The FP scheme's E4M3 lane: an MXFP8 lane whose operands, in mode 1, are E2M1 codes
/// S.EE.M placed as the E4M3 codes S.00EE.M00. Both formats give subnormals the exponent
/// 1 - bias, so every E2M1 code (the subnormal 0.5 and both zeros included) becomes exactly
/// its value times 2^(1 - 7), never the E4M3 NaN; a product is scaled by 2^-12, which the
/// group undoes in its block exponent. Outputs as [`FpLane`].
#[derive(LogicBlock)]
pub struct E4m3E2m1Lane {
    pub a8: Signal<In, Bits<8>>,
    pub b8: Signal<In, Bits<8>>,
    pub a4: Signal<In, Bits<4>>,
    pub b4: Signal<In, Bits<4>>,
    pub mode: Signal<In, Bit>,
    pub sign: Signal<Out, Bit>,
    pub mag: Signal<Out, Bits<8>>,
    pub exp: Signal<Out, Bits<5>>,
    pub nan: Signal<Out, Bit>,
    pub inf: Signal<Out, Bit>,
    fp_lane: FpLane<8, 4, 3, 5, 4, 8>,
    a_mid: Signal<Local, Cat<3, 2, 5>>,
    b_mid: Signal<Local, Cat<3, 2, 5>>,
    a_placed: Signal<Local, Cat<3, 5, 8>>,
    b_placed: Signal<Local, Cat<3, 5, 8>>,
    zero2: Constant<Bits<2>>,
    sign3: Constant<Bits<3>>,
    zero3: Constant<Bits<3>>,
}

impl Default for E4m3E2m1Lane {
    fn default() -> Self {
        Self {
            a8: Default::default(),
            b8: Default::default(),
            a4: Default::default(),
            b4: Default::default(),
            mode: Default::default(),
            sign: Default::default(),
            mag: Default::default(),
            exp: Default::default(),
            nan: Default::default(),
            inf: Default::default(),
            fp_lane: FpLane::new(FpSpecials::NanOnly),
            a_mid: Default::default(),
            b_mid: Default::default(),
            a_placed: Default::default(),
            b_placed: Default::default(),
            zero2: Constant::new(0.into()),
            sign3: Constant::new(4.into()),
            zero3: Constant::new(0.into()),
        }
    }
}

impl Logic for E4m3E2m1Lane {
    #[hdl_gen]
    fn update(&mut self) {
        // {S, 00, EEM, 00}: EEM above two zero bits, then the sign above two more zeros.
        self.a_mid.next.lo = self.zero2.val();
        self.a_mid.next.hi = self.a4.val().get_bits::<3>(0);
        self.a_placed.next.lo = self.a_mid.val().into();
        if self.a4.val().get_bit(3) {
            self.a_placed.next.hi = self.sign3.val();
        } else {
            self.a_placed.next.hi = self.zero3.val();
        }
        self.b_mid.next.lo = self.zero2.val();
        self.b_mid.next.hi = self.b4.val().get_bits::<3>(0);
        self.b_placed.next.lo = self.b_mid.val().into();
        if self.b4.val().get_bit(3) {
            self.b_placed.next.hi = self.sign3.val();
        } else {
            self.b_placed.next.hi = self.zero3.val();
        }
        if self.mode.val() {
            self.fp_lane.a.next = self.a_placed.val().into();
            self.fp_lane.b.next = self.b_placed.val().into();
        } else {
            self.fp_lane.a.next = self.a8.val();
            self.fp_lane.b.next = self.b8.val();
        }
        self.sign.next = self.fp_lane.sign.val();
        self.mag.next = self.fp_lane.mag.val();
        self.exp.next = self.fp_lane.exp.val();
        self.nan.next = self.fp_lane.nan.val();
        self.inf.next = self.fp_lane.inf.val();
    }
}

/// Sixteen [`E4m3E2m1Lane`]s with their max-exponent tree, aligners (n = 24) and adder tree.
/// In mode 1 the group is one NV block: it aligns to its own largest exponent (`emax`) and
/// `lsb4` is its block sum's LSB exponent in E2M1 terms (bias 1). In mode 0 it aligns to
/// `emax_in`, the largest exponent of the whole 8-bit block, so that the parent's sum of the
/// group sums is the MXFP8 block sum.
#[derive(LogicBlock)]
pub struct E4m3Group {
    pub a8: Signal<In, Bits<128>>,
    pub b8: Signal<In, Bits<128>>,
    pub a4: Signal<In, Bits<64>>,
    pub b4: Signal<In, Bits<64>>,
    pub mode: Signal<In, Bit>,
    pub emax_in: Signal<In, Bits<5>>,
    pub emax: Signal<Out, Bits<5>>,
    pub sum: Signal<Out, Signed<29>>,
    pub special: Signal<Out, Bits<2>>,
    pub lsb4: Signal<Out, Signed<LSB_EXP_BITS>>,
    lane: Vec<E4m3E2m1Lane>,
    max_exp_tree: MaxExpTree<5>,
    aligner: Vec<Aligner<8, 5, 24, 25>>,
    tree: AdderTree<25, 29>,
    specials: Specials,
    emax_ext: ZeroExtend<5, LSB_EXP_BITS>,
    emax_used: Signal<Local, Bits<5>>,
    /// 2 * 1 + (24 - 2): the biased largest exponent to the E2M1 block's LSB exponent.
    lsb_offset4: Constant<Bits<LSB_EXP_BITS>>,
}

impl Default for E4m3Group {
    fn default() -> Self {
        Self {
            a8: Default::default(),
            b8: Default::default(),
            a4: Default::default(),
            b4: Default::default(),
            mode: Default::default(),
            emax_in: Default::default(),
            emax: Default::default(),
            sum: Default::default(),
            special: Default::default(),
            lsb4: Default::default(),
            lane: (0..16).map(|_| Default::default()).collect(),
            max_exp_tree: MaxExpTree::new(16),
            aligner: (0..16).map(|_| Default::default()).collect(),
            tree: AdderTree::new(16),
            specials: Specials::new(16),
            emax_ext: Default::default(),
            emax_used: Default::default(),
            lsb_offset4: Constant::new(24.into()),
        }
    }
}

impl Logic for E4m3Group {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self.lane.len() {
            self.lane[i].a8.next = self.a8.val().get_bits::<8>(8 * i);
            self.lane[i].b8.next = self.b8.val().get_bits::<8>(8 * i);
            self.lane[i].a4.next = self.a4.val().get_bits::<4>(4 * i);
            self.lane[i].b4.next = self.b4.val().get_bits::<4>(4 * i);
            self.lane[i].mode.next = self.mode.val();
        }
        for i in 0..self.lane.len() {
            self.max_exp_tree.x[i].next = self.lane[i].exp.val();
            self.specials.nan[i].next = self.lane[i].nan.val();
            self.specials.inf[i].next = self.lane[i].inf.val();
            self.specials.sign[i].next = self.lane[i].sign.val();
        }
        self.emax.next = self.max_exp_tree.max.val();
        if self.mode.val() {
            self.emax_used.next = self.max_exp_tree.max.val();
        } else {
            self.emax_used.next = self.emax_in.val();
        }
        for i in 0..self.lane.len() {
            self.aligner[i].mag.next = self.lane[i].mag.val();
            self.aligner[i].exp.next = self.lane[i].exp.val();
            self.aligner[i].sign.next = self.lane[i].sign.val();
            self.aligner[i].emax.next = self.emax_used.val();
            self.tree.x[i].next = self.aligner[i].aligned.val();
        }
        self.sum.next = self.tree.sum.val();
        self.special.next = self.specials.special.val();
        self.emax_ext.i.next = self.max_exp_tree.max.val();
        self.lsb4.next = signed_cast(self.emax_ext.o.val()) - signed_cast(self.lsb_offset4.val());
    }
}
