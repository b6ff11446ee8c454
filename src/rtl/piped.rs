//! The front ends with pipeline cuts inside them (rtl/NOTES.md, "Pipeline stages"), for
//! units with S >= 3 extra stages and the compressor tree: [`FpFrontPiped`] and
//! [`IntFrontPiped`].
//!
//! An FP front end is the longest path of an FP unit: decode, exponent add and the
//! max-exponent tree, then alignment, the compressor tree and its final adder (MXFP8: about
//! 17.6 ns on sky130 tt, where the FP32 accumulator loop takes about 9.5). Two cuts split it:
//!
//! - the lane cut (S >= 3): each lane's significand product, exponent and sign, the block's
//!   largest exponent and its special value are registered after the max-exponent tree, so
//!   decoding and the exponent comparison take one stage and alignment the next;
//! - the carry-save cut (S >= 4): the compressor tree's two rows are registered before the
//!   final adder (2 SW bits, the narrowest place inside the reduction).
//!
//! An INT front end (partial products, the compressor tree and its final adder; MXINT8: about
//! 9 ns) takes one cut, the carry-save cut (S >= 3), at the same place.
//!
//! The scale codes and the valid/clear bits travel with the block through the same cuts
//! (`valid` cleared by `rst` at every stage). Numerics are those of [`super::front`]: the
//! cuts only delay.

use rust_hdl::prelude::*;

use super::csa::{windowed_signed_mag_layout, CsaCut, IntPp, PpKind};
use super::front::{exp_const, LSB_EXP_BITS};
use super::lane::FpLane;
use super::prim::{Reg, ZeroExtend};
use super::reduce::{AlignerCsa, MaxExpTree, Specials};
use crate::format::FpSpecials;

/// One lane's aligner inputs, registered at the lane cut (no reset).
#[derive(LogicBlock, Default)]
pub struct LaneRegs<const MB: usize, const X1: usize> {
    pub clk: Signal<In, Clock>,
    pub mag_d: Signal<In, Bits<MB>>,
    pub exp_d: Signal<In, Bits<X1>>,
    pub sign_d: Signal<In, Bit>,
    pub mag_q: Signal<Out, Bits<MB>>,
    pub exp_q: Signal<Out, Bits<X1>>,
    pub sign_q: Signal<Out, Bit>,
    mag: Reg<Bits<MB>>,
    exp: Reg<Bits<X1>>,
    sign: Reg<Bit>,
}

impl<const MB: usize, const X1: usize> Logic for LaneRegs<MB, X1> {
    #[hdl_gen]
    fn update(&mut self) {
        self.mag.clk.next = self.clk.val();
        self.exp.clk.next = self.clk.val();
        self.sign.clk.next = self.clk.val();
        self.mag.d.next = self.mag_d.val();
        self.exp.d.next = self.exp_d.val();
        self.sign.d.next = self.sign_d.val();
        self.mag_q.next = self.mag.q.val();
        self.exp_q.next = self.exp.q.val();
        self.sign_q.next = self.sign.q.val();
    }
}

/// What crosses every cut besides the lanes: the block's largest exponent and special value,
/// the scale codes, valid (cleared by `rst`) and clear.
#[derive(LogicBlock, Default)]
pub struct StageRegs<const X1: usize> {
    pub clk: Signal<In, Clock>,
    pub rst: Signal<In, Bit>,
    pub emax_d: Signal<In, Bits<X1>>,
    pub special_d: Signal<In, Bits<2>>,
    pub a_scale_d: Signal<In, Bits<8>>,
    pub b_scale_d: Signal<In, Bits<8>>,
    pub valid_d: Signal<In, Bit>,
    pub clear_d: Signal<In, Bit>,
    pub emax_q: Signal<Out, Bits<X1>>,
    pub special_q: Signal<Out, Bits<2>>,
    pub a_scale_q: Signal<Out, Bits<8>>,
    pub b_scale_q: Signal<Out, Bits<8>>,
    pub valid_q: Signal<Out, Bit>,
    pub clear_q: Signal<Out, Bit>,
    emax: Reg<Bits<X1>>,
    special: Reg<Bits<2>>,
    a_scale: Reg<Bits<8>>,
    b_scale: Reg<Bits<8>>,
    valid: Reg<Bit>,
    clear: Reg<Bit>,
}

impl<const X1: usize> Logic for StageRegs<X1> {
    #[hdl_gen]
    fn update(&mut self) {
        self.emax.clk.next = self.clk.val();
        self.special.clk.next = self.clk.val();
        self.a_scale.clk.next = self.clk.val();
        self.b_scale.clk.next = self.clk.val();
        self.valid.clk.next = self.clk.val();
        self.clear.clk.next = self.clk.val();
        self.emax.d.next = self.emax_d.val();
        self.special.d.next = self.special_d.val();
        self.a_scale.d.next = self.a_scale_d.val();
        self.b_scale.d.next = self.b_scale_d.val();
        self.valid.d.next = self.valid_d.val() & !self.rst.val();
        self.clear.d.next = self.clear_d.val();
        self.emax_q.next = self.emax.q.val();
        self.special_q.next = self.special.q.val();
        self.a_scale_q.next = self.a_scale.q.val();
        self.b_scale_q.next = self.b_scale.q.val();
        self.valid_q.next = self.valid.q.val();
        self.clear_q.next = self.clear.q.val();
    }
}

/// The compressor tree's two rows, registered at the carry-save cut (no reset).
#[derive(LogicBlock, Default)]
pub struct RowRegs<const SW: usize> {
    pub clk: Signal<In, Clock>,
    pub s_d: Signal<In, Bits<SW>>,
    pub c_d: Signal<In, Bits<SW>>,
    pub s_q: Signal<Out, Bits<SW>>,
    pub c_q: Signal<Out, Bits<SW>>,
    s: Reg<Bits<SW>>,
    c: Reg<Bits<SW>>,
}

impl<const SW: usize> Logic for RowRegs<SW> {
    #[hdl_gen]
    fn update(&mut self) {
        self.s.clk.next = self.clk.val();
        self.c.clk.next = self.clk.val();
        self.s.d.next = self.s_d.val();
        self.c.d.next = self.c_d.val();
        self.s_q.next = self.s.q.val();
        self.c_q.next = self.c.q.val();
    }
}

/// The final carry-propagate adder of a cut tree: s + c modulo 2^SW, signed.
#[derive(LogicBlock, Default)]
pub struct RowsAdd<const SW: usize> {
    pub s: Signal<In, Bits<SW>>,
    pub c: Signal<In, Bits<SW>>,
    pub sum: Signal<Out, Signed<SW>>,
}

impl<const SW: usize> Logic for RowsAdd<SW> {
    #[hdl_gen]
    fn update(&mut self) {
        self.sum.next = signed_cast(self.s.val() + self.c.val());
    }
}

/// The FP compressor-tree front end ([`super::front::FpFrontCsa`]) with the lane cut and,
/// when built with `cs_cut`, the carry-save cut; its ports add the clock, reset and the
/// control that travels with a block (`*_d` in, `*_q` out, delayed by [`Self::cuts`] cycles).
#[derive(LogicBlock)]
pub struct FpFrontPiped<
    const W: usize,
    const X: usize,
    const Y: usize,
    const X1: usize,
    const Y1: usize,
    const MB: usize,
    const N: usize,
    const N2: usize,
    const KW: usize,
    const SW: usize,
> {
    pub clk: Signal<In, Clock>,
    pub rst: Signal<In, Bit>,
    pub a: Signal<In, Bits<KW>>,
    pub b: Signal<In, Bits<KW>>,
    pub a_scale_d: Signal<In, Bits<8>>,
    pub b_scale_d: Signal<In, Bits<8>>,
    pub valid_d: Signal<In, Bit>,
    pub clear_d: Signal<In, Bit>,
    pub sum: Signal<Out, Signed<SW>>,
    pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
    pub special: Signal<Out, Bits<2>>,
    pub a_scale_q: Signal<Out, Bits<8>>,
    pub b_scale_q: Signal<Out, Bits<8>>,
    pub valid_q: Signal<Out, Bit>,
    pub clear_q: Signal<Out, Bit>,
    fp_lane: Vec<FpLane<W, X, Y, X1, Y1, MB>>,
    max_exp_tree: MaxExpTree<X1>,
    specials: Specials,
    lane_regs: Vec<LaneRegs<MB, X1>>,
    /// One per cut: the lane cut, then the carry-save cut.
    stage_regs: Vec<StageRegs<X1>>,
    aligner: Vec<AlignerCsa<MB, X1, N, N2>>,
    csa_cut: CsaCut<N2, SW>,
    /// Empty without the carry-save cut.
    row_regs: Vec<RowRegs<SW>>,
    rows_add: RowsAdd<SW>,
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
        const N2: usize,
        const KW: usize,
        const SW: usize,
    > FpFrontPiped<W, X, Y, X1, Y1, MB, N, N2, KW, SW>
{
    /// `k` lanes with the lane cut, and the carry-save cut too when `cs_cut`, keeping the top
    /// `window` bits of the N-bit aligner window (as [`super::front::FpFront`]).
    pub fn new(k: usize, bias: i32, specials: FpSpecials, cs_cut: bool, window: usize) -> Self {
        const { assert!(MB == 2 * Y1 && N >= MB && N2 == N + 2) };
        assert_eq!(k * W, KW, "FP front end: k * W must equal KW");
        assert!(
            window >= MB && window <= N,
            "psum window {window} of an {N}-bit aligner"
        );
        Self {
            clk: Default::default(),
            rst: Default::default(),
            a: Default::default(),
            b: Default::default(),
            a_scale_d: Default::default(),
            b_scale_d: Default::default(),
            valid_d: Default::default(),
            clear_d: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            a_scale_q: Default::default(),
            b_scale_q: Default::default(),
            valid_q: Default::default(),
            clear_q: Default::default(),
            fp_lane: (0..k).map(|_| FpLane::new(specials)).collect(),
            max_exp_tree: MaxExpTree::new(k),
            specials: Specials::new(k),
            lane_regs: (0..k).map(|_| Default::default()).collect(),
            stage_regs: (0..1 + cs_cut as usize)
                .map(|_| Default::default())
                .collect(),
            aligner: (0..k).map(|_| Default::default()).collect(),
            csa_cut: CsaCut::new(k, windowed_signed_mag_layout(N, window)),
            row_regs: (0..cs_cut as usize).map(|_| Default::default()).collect(),
            rows_add: Default::default(),
            emax_ext: Default::default(),
            lsb_offset: exp_const(2 * bias as i64 + N as i64 - 2),
        }
    }

    /// Register stages inside the front end (1 or 2).
    pub fn cuts(&self) -> usize {
        self.stage_regs.len()
    }

    /// Mutation testing: lane 0's significand multiplier adds instead.
    pub(crate) fn corrupt_multiplier(&mut self) {
        self.fp_lane[0].corrupt_multiplier();
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
        const N2: usize,
        const KW: usize,
        const SW: usize,
    > Logic for FpFrontPiped<W, X, Y, X1, Y1, MB, N, N2, KW, SW>
{
    // Zero-or-one-pass loops choose the carry-save cut or the direct wiring when the Verilog
    // is generated, as in the unit top.
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
            self.lane_regs[i].clk.next = self.clk.val();
            self.lane_regs[i].mag_d.next = self.fp_lane[i].mag.val();
            self.lane_regs[i].exp_d.next = self.fp_lane[i].exp.val();
            self.lane_regs[i].sign_d.next = self.fp_lane[i].sign.val();
            self.aligner[i].mag.next = self.lane_regs[i].mag_q.val();
            self.aligner[i].exp.next = self.lane_regs[i].exp_q.val();
            self.aligner[i].sign.next = self.lane_regs[i].sign_q.val();
            self.aligner[i].emax.next = self.stage_regs[0].emax_q.val();
            self.csa_cut.x[i].next = self.aligner[i].aligned.val();
        }
        for i in 0..self.stage_regs.len() {
            self.stage_regs[i].clk.next = self.clk.val();
            self.stage_regs[i].rst.next = self.rst.val();
        }
        self.stage_regs[0].emax_d.next = self.max_exp_tree.max.val();
        self.stage_regs[0].special_d.next = self.specials.special.val();
        self.stage_regs[0].a_scale_d.next = self.a_scale_d.val();
        self.stage_regs[0].b_scale_d.next = self.b_scale_d.val();
        self.stage_regs[0].valid_d.next = self.valid_d.val();
        self.stage_regs[0].clear_d.next = self.clear_d.val();
        for i in 1..self.stage_regs.len() {
            self.stage_regs[i].emax_d.next = self.stage_regs[i - 1].emax_q.val();
            self.stage_regs[i].special_d.next = self.stage_regs[i - 1].special_q.val();
            self.stage_regs[i].a_scale_d.next = self.stage_regs[i - 1].a_scale_q.val();
            self.stage_regs[i].b_scale_d.next = self.stage_regs[i - 1].b_scale_q.val();
            self.stage_regs[i].valid_d.next = self.stage_regs[i - 1].valid_q.val();
            self.stage_regs[i].clear_d.next = self.stage_regs[i - 1].clear_q.val();
        }
        for _z in 0..self.row_regs.len() {
            self.row_regs[0].clk.next = self.clk.val();
            self.row_regs[0].s_d.next = self.csa_cut.s.val();
            self.row_regs[0].c_d.next = self.csa_cut.c.val();
            self.rows_add.s.next = self.row_regs[0].s_q.val();
            self.rows_add.c.next = self.row_regs[0].c_q.val();
        }
        for _z in self.row_regs.len()..1 {
            self.rows_add.s.next = self.csa_cut.s.val();
            self.rows_add.c.next = self.csa_cut.c.val();
        }
        for last in (self.stage_regs.len() - 1)..self.stage_regs.len() {
            self.emax_ext.i.next = self.stage_regs[last].emax_q.val();
            self.special.next = self.stage_regs[last].special_q.val();
            self.a_scale_q.next = self.stage_regs[last].a_scale_q.val();
            self.b_scale_q.next = self.stage_regs[last].b_scale_q.val();
            self.valid_q.next = self.stage_regs[last].valid_q.val();
            self.clear_q.next = self.stage_regs[last].clear_q.val();
        }
        self.sum.next = self.rows_add.sum.val();
        self.lsb_exp.next = signed_cast(self.emax_ext.o.val()) - signed_cast(self.lsb_offset.val());
    }
}

/// The control that crosses the INT carry-save cut: the scale codes, valid (cleared by
/// `rst`) and clear.
#[derive(LogicBlock, Default)]
pub struct CtlRegs {
    pub clk: Signal<In, Clock>,
    pub rst: Signal<In, Bit>,
    pub a_scale_d: Signal<In, Bits<8>>,
    pub b_scale_d: Signal<In, Bits<8>>,
    pub valid_d: Signal<In, Bit>,
    pub clear_d: Signal<In, Bit>,
    pub a_scale_q: Signal<Out, Bits<8>>,
    pub b_scale_q: Signal<Out, Bits<8>>,
    pub valid_q: Signal<Out, Bit>,
    pub clear_q: Signal<Out, Bit>,
    a_scale: Reg<Bits<8>>,
    b_scale: Reg<Bits<8>>,
    valid: Reg<Bit>,
    clear: Reg<Bit>,
}

impl Logic for CtlRegs {
    #[hdl_gen]
    fn update(&mut self) {
        self.a_scale.clk.next = self.clk.val();
        self.b_scale.clk.next = self.clk.val();
        self.valid.clk.next = self.clk.val();
        self.clear.clk.next = self.clk.val();
        self.a_scale.d.next = self.a_scale_d.val();
        self.b_scale.d.next = self.b_scale_d.val();
        self.valid.d.next = self.valid_d.val() & !self.rst.val();
        self.clear.d.next = self.clear_d.val();
        self.a_scale_q.next = self.a_scale.q.val();
        self.b_scale_q.next = self.b_scale.q.val();
        self.valid_q.next = self.valid.q.val();
        self.clear_q.next = self.clear.q.val();
    }
}

/// The INT compressor-tree front end ([`super::front::IntFrontCsa`]) with the carry-save cut:
/// the tree's two rows are registered before the final adder. Ports as [`FpFrontPiped`]'s
/// (the control delayed by one cycle); `lsb_exp` is the constant -2(W - 2) and `special` 0.
#[derive(LogicBlock)]
pub struct IntFrontPiped<const W: usize, const PB: usize, const KW: usize, const SW: usize> {
    pub clk: Signal<In, Clock>,
    pub rst: Signal<In, Bit>,
    pub a: Signal<In, Bits<KW>>,
    pub b: Signal<In, Bits<KW>>,
    pub a_scale_d: Signal<In, Bits<8>>,
    pub b_scale_d: Signal<In, Bits<8>>,
    pub valid_d: Signal<In, Bit>,
    pub clear_d: Signal<In, Bit>,
    pub sum: Signal<Out, Signed<SW>>,
    pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
    pub special: Signal<Out, Bits<2>>,
    pub a_scale_q: Signal<Out, Bits<8>>,
    pub b_scale_q: Signal<Out, Bits<8>>,
    pub valid_q: Signal<Out, Bit>,
    pub clear_q: Signal<Out, Bit>,
    pp: Vec<IntPp<W, PB>>,
    csa_cut: CsaCut<PB, SW>,
    row_regs: RowRegs<SW>,
    ctl_regs: CtlRegs,
    rows_add: RowsAdd<SW>,
    lsb: Constant<Bits<LSB_EXP_BITS>>,
    finite: Constant<Bits<2>>,
}

impl<const W: usize, const PB: usize, const KW: usize, const SW: usize>
    IntFrontPiped<W, PB, KW, SW>
{
    pub fn new(k: usize, kind: PpKind) -> Self {
        const { assert!(PB == W * W) };
        assert_eq!(k * W, KW, "INT front end: k * W must equal KW");
        Self {
            clk: Default::default(),
            rst: Default::default(),
            a: Default::default(),
            b: Default::default(),
            a_scale_d: Default::default(),
            b_scale_d: Default::default(),
            valid_d: Default::default(),
            clear_d: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            a_scale_q: Default::default(),
            b_scale_q: Default::default(),
            valid_q: Default::default(),
            clear_q: Default::default(),
            pp: (0..k).map(|_| IntPp::new(kind)).collect(),
            csa_cut: CsaCut::new(k, kind.layout(W)),
            row_regs: Default::default(),
            ctl_regs: Default::default(),
            rows_add: Default::default(),
            lsb: exp_const(-2 * (W as i64 - 2)),
            finite: Constant::new(0u64.into()),
        }
    }

    /// Mutation testing: lane 0 computes a wrong product.
    pub(crate) fn corrupt_multiplier(&mut self) {
        self.pp[0].corrupt();
    }
}

impl<const W: usize, const PB: usize, const KW: usize, const SW: usize> Logic
    for IntFrontPiped<W, PB, KW, SW>
{
    #[hdl_gen]
    fn update(&mut self) {
        for w in W..(W + 1) {
            for i in 0..self.pp.len() {
                self.pp[i].a.next = self.a.val().get_bits::<W>(i * w);
                self.pp[i].b.next = self.b.val().get_bits::<W>(i * w);
            }
        }
        for i in 0..self.pp.len() {
            self.csa_cut.x[i].next = self.pp[i].pp.val();
        }
        self.row_regs.clk.next = self.clk.val();
        self.row_regs.s_d.next = self.csa_cut.s.val();
        self.row_regs.c_d.next = self.csa_cut.c.val();
        self.rows_add.s.next = self.row_regs.s_q.val();
        self.rows_add.c.next = self.row_regs.c_q.val();
        self.ctl_regs.clk.next = self.clk.val();
        self.ctl_regs.rst.next = self.rst.val();
        self.ctl_regs.a_scale_d.next = self.a_scale_d.val();
        self.ctl_regs.b_scale_d.next = self.b_scale_d.val();
        self.ctl_regs.valid_d.next = self.valid_d.val();
        self.ctl_regs.clear_d.next = self.clear_d.val();
        self.a_scale_q.next = self.ctl_regs.a_scale_q.val();
        self.b_scale_q.next = self.ctl_regs.b_scale_q.val();
        self.valid_q.next = self.ctl_regs.valid_q.val();
        self.clear_q.next = self.ctl_regs.clear_q.val();
        self.sum.next = self.rows_add.sum.val();
        self.lsb_exp.next = signed_cast(self.lsb.val());
        self.special.next = self.finite.val();
    }
}
