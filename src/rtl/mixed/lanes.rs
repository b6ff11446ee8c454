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
use crate::rtl::csa::{
    booth4_bits, booth4_layout, booth4_verilog, rows_layout, signed_mag_layout, CsaRows, CsaTree,
};
use crate::rtl::prim::{bits_of, AdderTree, Mul, ZeroExtend};
use crate::rtl::reduce::{Aligner, AlignerCsa, MaxExpTree, Specials};

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

/// Bits of one radix-4 Booth row of an 8 x 8 product ([`booth4_layout`]`(8)`).
const BOOTH8_ROW: usize = 10;

/// The radix-4 Booth partial products of the mixed INT lane (the bus of
/// [`booth4_layout`]`(8)`, 40 bits): one 8 x 8 Booth generator that also makes the two
/// int4 x int4 products of mode 1 (rtl/NOTES.md, "Mixed units", has the reasoning).
/// - The Booth digits of b split at the nibble boundary: digits 0 and 1 (rows 0, 1) read
///   b[3:0] only, and digit 2 reads b[5:4] and b[3]; gating b[3] with mode 1 makes digits 2
///   and 3 the digits of the signed high nibble alone.
/// - The multiplicand of rows 0, 1 is a in mode 0 and {a[3:0], 0000} = 16 a_lo in mode 1; that
///   of rows 2, 3 (weights 16 and 64) is a, or a[7:4] sign-extended.
///
/// So the bus weighs a * b in mode 0 and 16 (a_lo b_lo + a_hi b_hi) in mode 1, in the same 40
/// tree bits: the 4-bit mode costs two 8-bit multiplicand multiplexers and one gate per lane.
#[derive(LogicBlock, Default)]
pub struct MixedBoothPp {
    pub a: Signal<In, Bits<8>>,
    pub b: Signal<In, Bits<8>>,
    pub mode: Signal<In, Bit>,
    pub pp: Signal<Out, Bits<40>>,
    /// Mutation testing only: the simulation uses b with its lowest bit flipped.
    _corrupt: bool,
}

impl MixedBoothPp {
    pub(crate) fn corrupt(&mut self) {
        self._corrupt = true;
    }
}

/// The bus of [`MixedBoothPp`] (bit-level, as its Verilog).
pub fn mixed_booth_bits(a: u128, b: u128, mode: bool) -> u128 {
    if !mode {
        return booth4_bits(a, b, 8);
    }
    let a01 = (a & 0xF) << 4;
    let a23 = if a & 0x80 != 0 { 0xF0 | (a >> 4) } else { a >> 4 };
    let low = (1u128 << (2 * BOOTH8_ROW)) - 1;
    (booth4_bits(a01, b, 8) & low) | (booth4_bits(a23, b & !8, 8) & !low)
}

impl Logic for MixedBoothPp {
    fn update(&mut self) {
        let b = self.b.val().to_u128() ^ self._corrupt as u128;
        let bus = mixed_booth_bits(self.a.val().to_u128(), b, self.mode.val());
        self.pp.next = bits_of::<40>(bus);
    }
    fn connect(&mut self) {
        self.pp.connect();
    }
    fn hdl(&self) -> Verilog {
        let mut v = "// hwcost-name: pp_booth8_mixed\n\
                     wire [7:0] a01 = mode ? {a[3:0], 4'b0} : a;\n\
                     wire [7:0] a23 = mode ? {{4{a[7]}}, a[7:4]} : a;\n\
                     wire b3_gated = b[3] & ~mode;\n"
            .to_string();
        let (rows, bits) = booth4_verilog(
            8,
            &|r| if r < 2 { "a01" } else { "a23" },
            &|r| match r {
                0 => "1'b0".to_string(),
                2 => "b3_gated".to_string(),
                _ => format!("b[{}]", 2 * r - 1),
            },
        );
        v += &rows;
        for (j, e) in bits.iter().enumerate() {
            v += &format!("wire p{j} = {e};\n");
        }
        let all: Vec<String> = (0..bits.len()).rev().map(|j| format!("p{j}")).collect();
        v += &format!("always @(*) pp = {{{}}};\n", all.join(", "));
        Verilog::Custom(v)
    }
}

/// Eight lanes of [`MixedBoothPp`] (64 bits of `a` and `b`) in one compressor tree, kept in
/// carry-save form: `rows` (= {c, s}, SWG bits each, R2 = 2 SWG) sums to the group's part of
/// the 8-bit block in mode 0 (the parent's tree adds the groups' rows), and to 16 times the
/// NV block's sum in mode 1, which the group's own 16-bit adder finishes: `sum4` is that sum
/// over 16, exact in 12 bits (16 products of at most 2^6 in magnitude).
#[derive(LogicBlock)]
pub struct IntGroupCsa<const SWG: usize, const R2: usize> {
    pub a: Signal<In, Bits<64>>,
    pub b: Signal<In, Bits<64>>,
    pub mode: Signal<In, Bit>,
    pub rows: Signal<Out, Bits<R2>>,
    pub sum4: Signal<Out, Signed<12>>,
    pp: Vec<MixedBoothPp>,
    tree: CsaRows<40, SWG, R2>,
    cpa4: CsaTree<R2, 16>,
    slice: TruncateSigned<16, 12>,
}

impl<const SWG: usize, const R2: usize> Default for IntGroupCsa<SWG, R2> {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            mode: Default::default(),
            rows: Default::default(),
            sum4: Default::default(),
            pp: (0..8).map(|_| Default::default()).collect(),
            tree: CsaRows::new(8, booth4_layout(8)),
            cpa4: CsaTree::new(1, rows_layout(SWG)),
            slice: TruncateSigned::above(4),
        }
    }
}

impl<const SWG: usize, const R2: usize> IntGroupCsa<SWG, R2> {
    pub(crate) fn corrupt(&mut self) {
        self.pp[0].corrupt();
    }
}

impl<const SWG: usize, const R2: usize> Logic for IntGroupCsa<SWG, R2> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self.pp.len() {
            self.pp[i].a.next = self.a.val().get_bits::<8>(8 * i);
            self.pp[i].b.next = self.b.val().get_bits::<8>(8 * i);
            self.pp[i].mode.next = self.mode.val();
            self.tree.x[i].next = self.pp[i].pp.val();
        }
        self.rows.next = self.tree.rows.val();
        self.cpa4.x[0].next = self.tree.rows.val();
        self.slice.i.next = self.cpa4.sum.val();
        self.sum4.next = self.slice.o.val();
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

/// [`E4m3Group`] with one compressor tree: the aligners hand it their magnitudes XOR the sign
/// with the +1 and sign bits ([`signed_mag_layout`]), and the tree stays in carry-save form,
/// `rows` (= {c, s}, SWG bits each, R2 = 2 SWG), for the parent's tree in mode 0; the group's
/// own adder gives `sum` (29 bits), its NV block sum in mode 1.
/// In mode 1 the group is one NV block: it aligns to its own largest exponent (`emax`) and
/// `lsb4` is its block sum's LSB exponent in E2M1 terms (bias 1). In mode 0 it aligns to
/// `emax_in`, the largest exponent of the whole 8-bit block, so that the parent's sum of the
/// group sums is the MXFP8 block sum.
#[derive(LogicBlock)]
pub struct E4m3GroupCsa<const SWG: usize, const R2: usize> {
    pub a8: Signal<In, Bits<128>>,
    pub b8: Signal<In, Bits<128>>,
    pub a4: Signal<In, Bits<64>>,
    pub b4: Signal<In, Bits<64>>,
    pub mode: Signal<In, Bit>,
    pub emax_in: Signal<In, Bits<5>>,
    pub emax: Signal<Out, Bits<5>>,
    pub rows: Signal<Out, Bits<R2>>,
    pub sum: Signal<Out, Signed<29>>,
    pub special: Signal<Out, Bits<2>>,
    pub lsb4: Signal<Out, Signed<LSB_EXP_BITS>>,
    lane: Vec<E4m3E2m1Lane>,
    max_exp_tree: MaxExpTree<5>,
    aligner: Vec<AlignerCsa<8, 5, 24, 26>>,
    tree: CsaRows<26, SWG, R2>,
    cpa: CsaTree<R2, 29>,
    specials: Specials,
    emax_ext: ZeroExtend<5, LSB_EXP_BITS>,
    emax_used: Signal<Local, Bits<5>>,
    /// 2 * 1 + (24 - 2): the biased largest exponent to the E2M1 block's LSB exponent.
    lsb_offset4: Constant<Bits<LSB_EXP_BITS>>,
}

impl<const SWG: usize, const R2: usize> Default for E4m3GroupCsa<SWG, R2> {
    fn default() -> Self {
        Self {
            a8: Default::default(),
            b8: Default::default(),
            a4: Default::default(),
            b4: Default::default(),
            mode: Default::default(),
            emax_in: Default::default(),
            emax: Default::default(),
            rows: Default::default(),
            sum: Default::default(),
            special: Default::default(),
            lsb4: Default::default(),
            lane: (0..16).map(|_| Default::default()).collect(),
            max_exp_tree: MaxExpTree::new(16),
            aligner: (0..16).map(|_| Default::default()).collect(),
            tree: CsaRows::new(16, signed_mag_layout(24)),
            cpa: CsaTree::new(1, rows_layout(SWG)),
            specials: Specials::new(16),
            emax_ext: Default::default(),
            emax_used: Default::default(),
            lsb_offset4: Constant::new(24.into()),
        }
    }
}

impl<const SWG: usize, const R2: usize> E4m3GroupCsa<SWG, R2> {
    pub(crate) fn corrupt(&mut self) {
        self.lane[0].fp_lane.corrupt_multiplier();
    }
}

impl<const SWG: usize, const R2: usize> Logic for E4m3GroupCsa<SWG, R2> {
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
        self.rows.next = self.tree.rows.val();
        self.cpa.x[0].next = self.tree.rows.val();
        self.sum.next = self.cpa.sum.val();
        self.special.next = self.specials.special.val();
        self.emax_ext.i.next = self.max_exp_tree.max.val();
        self.lsb4.next = signed_cast(self.emax_ext.o.val()) - signed_cast(self.lsb_offset4.val());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtl::csa::layout_value;
    use crate::rtl::prim::sext;
    use crate::rtl::testutil::{icarus_run, require_tool};
    use crate::rtl::verilog::finish;

    /// Every (a, b) pair in both modes: the bus weighs a * b in mode 0 and
    /// 16 (a_lo b_lo + a_hi b_hi) in mode 1 (nibbles two's complement), and Icarus runs the
    /// emitted generator to the same bits; a corrupted lane is caught.
    #[test]
    fn mixed_booth_lanes_give_both_modes_products_for_every_code_pair() {
        let layout = booth4_layout(8);
        let want = |a: u128, b: u128, mode: bool| -> i128 {
            if mode {
                16 * (sext(a & 0xF, 4) * sext(b & 0xF, 4) + sext(a >> 4, 4) * sext(b >> 4, 4))
            } else {
                sext(a, 8) * sext(b, 8)
            }
        };
        let mut vectors = Vec::new();
        for mode in [false, true] {
            for a in 0..256u128 {
                for b in 0..256u128 {
                    let bus = mixed_booth_bits(a, b, mode);
                    assert_eq!(layout_value(&layout, bus), want(a, b, mode), "{a:x} {b:x} {mode}");
                    vectors.push(vec![a, b, mode as u128]);
                }
            }
        }
        let mut m = MixedBoothPp::default();
        m.connect_all();
        let v = finish(&generate_verilog(&m), "dut");
        let mut corrupt = MixedBoothPp::default();
        corrupt.corrupt();
        corrupt.connect_all();
        let mut caught = 0;
        let hw = if require_tool("iverilog", "iverilog") {
            let dir = tempfile::tempdir().unwrap();
            Some(icarus_run(
                dir.path(),
                &v,
                &[("a", 8), ("b", 8), ("mode", 1)],
                &[("pp", 40)],
                &vectors,
                false,
            ))
        } else {
            None
        };
        for (i, vec) in vectors.iter().enumerate() {
            for u in [&mut m, &mut corrupt] {
                u.a.next = bits_of(vec[0]);
                u.b.next = bits_of(vec[1]);
                u.mode.next = vec[2] == 1;
                assert!(simulate(u, 100));
            }
            let bus = m.pp.val().to_u128();
            assert_eq!(bus, mixed_booth_bits(vec[0], vec[1], vec[2] == 1));
            if let Some(hw) = &hw {
                assert_eq!(hw[i][0], bus, "Icarus: a={:x} b={:x} mode {}", vec[0], vec[1], vec[2]);
            }
            let c = layout_value(&layout, corrupt.pp.val().to_u128());
            caught += (c != want(vec[0], vec[1], vec[2] == 1)) as usize;
        }
        assert!(caught > vectors.len() / 4, "the corrupted lane is caught {caught} times");
    }
}
