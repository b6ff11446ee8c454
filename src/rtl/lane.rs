//! Per-lane datapaths: the INT lane (one signed multiplier) and the FP lane (two element
//! decoders, a mantissa multiplier, an exponent adder, special-value flags).

use rust_hdl::prelude::*;

use super::prim::Mul;
use crate::format::FpSpecials;

/// INT lane: `prod = a * b` for two's-complement element codes of W bits (P = 2W, exact).
#[derive(LogicBlock)]
pub struct IntLane<const W: usize, const P: usize> {
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub prod: Signal<Out, Signed<P>>,
    mul: Mul<W, W, P>,
}

impl<const W: usize, const P: usize> Default for IntLane<W, P> {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            prod: Default::default(),
            mul: Mul::new(true),
        }
    }
}

impl<const W: usize, const P: usize> IntLane<W, P> {
    pub(crate) fn corrupt_multiplier(&mut self) {
        self.mul.corrupt();
    }
}

impl<const W: usize, const P: usize> Logic for IntLane<W, P> {
    #[hdl_gen]
    fn update(&mut self) {
        self.mul.a.next = self.a.val();
        self.mul.b.next = self.b.val();
        self.prod.next = signed_cast(self.mul.p.val());
    }
}

/// Decoder of one FP element code (W = 1 + X + Y bits, X1 = X + 1, Y1 = Y + 1):
/// sign; significand with the hidden bit (Y1 bits, `0.m` for subnormals and zero);
/// biased exponent zero-extended to X1 bits, with 1 for subnormals and zero (so the
/// unbiased exponent is `exp - bias` for every finite code); NaN / Inf / zero flags
/// according to the format's specials (NaN and Inf codes leave `sig`/`exp` meaningless).
#[derive(LogicBlock)]
pub struct FpDecode<
    const W: usize,
    const X: usize,
    const Y: usize,
    const X1: usize,
    const Y1: usize,
> {
    pub code: Signal<In, Bits<W>>,
    pub sign: Signal<Out, Bit>,
    pub sig: Signal<Out, Bits<Y1>>,
    pub exp: Signal<Out, Bits<X1>>,
    pub nan: Signal<Out, Bit>,
    pub inf: Signal<Out, Bit>,
    pub zero: Signal<Out, Bit>,
    field: Signal<Local, Bits<X1>>,
    man: Signal<Local, Bits<Y1>>,
    normal: Signal<Local, Bit>,
    exp_ones: Signal<Local, Bit>,
    man_zero: Signal<Local, Bit>,
    man_ones: Signal<Local, Bit>,
    /// 2^X - 1: masks the exponent field out of {sign, field}; also the all-ones field.
    exp_mask: Constant<Bits<X1>>,
    /// 2^Y - 1: masks the mantissa field out of {exponent LSB, mantissa}.
    man_mask: Constant<Bits<Y1>>,
    hidden: Constant<Bits<Y1>>,
    exp_one: Constant<Bits<X1>>,
    /// The format has one NaN code per sign, S.1..1.1..1 (OCP E4M3).
    nan_only: Constant<Bit>,
    /// The format has IEEE-style Inf and NaN codes in the all-ones exponent (E5M2).
    ieee: Constant<Bit>,
}

impl<const W: usize, const X: usize, const Y: usize, const X1: usize, const Y1: usize>
    FpDecode<W, X, Y, X1, Y1>
{
    pub fn new(specials: FpSpecials) -> Self {
        const { assert!(W == 1 + X + Y && X1 == X + 1 && Y1 == Y + 1 && X >= 1) };
        Self {
            code: Default::default(),
            sign: Default::default(),
            sig: Default::default(),
            exp: Default::default(),
            nan: Default::default(),
            inf: Default::default(),
            zero: Default::default(),
            field: Default::default(),
            man: Default::default(),
            normal: Default::default(),
            exp_ones: Default::default(),
            man_zero: Default::default(),
            man_ones: Default::default(),
            exp_mask: Constant::new(((1u64 << X) - 1).into()),
            man_mask: Constant::new(((1u64 << Y) - 1).into()),
            hidden: Constant::new((1u64 << Y).into()),
            exp_one: Constant::new(1u64.into()),
            nan_only: Constant::new(specials == FpSpecials::NanOnly),
            ieee: Constant::new(specials == FpSpecials::Ieee),
        }
    }
}

impl<const W: usize, const X: usize, const Y: usize, const X1: usize, const Y1: usize> Logic
    for FpDecode<W, X, Y, X1, Y1>
{
    // Fields are cut out with slices one bit wider than the field (rust-hdl has no
    // concatenation to zero-extend) and the neighbouring bit is masked off. The one-pass
    // loops bind the const-generic offsets, which rust-hdl cannot name in a slice.
    #[hdl_gen]
    fn update(&mut self) {
        for yo in Y..(Y + 1) {
            self.field.next = self.code.val().get_bits::<X1>(yo) & self.exp_mask.val();
        }
        for so in (W - 1)..W {
            self.sign.next = self.code.val().get_bit(so);
        }
        self.man.next = self.code.val().get_bits::<Y1>(0) & self.man_mask.val();
        self.normal.next = self.field.val().any();
        self.exp_ones.next = self.field.val() == self.exp_mask.val();
        self.man_zero.next = !self.man.val().any();
        self.man_ones.next = self.man.val() == self.man_mask.val();
        if self.normal.val() {
            self.sig.next = self.man.val() | self.hidden.val();
            self.exp.next = self.field.val();
        } else {
            self.sig.next = self.man.val();
            self.exp.next = self.exp_one.val();
        }
        self.nan.next = (self.nan_only.val() & self.exp_ones.val() & self.man_ones.val())
            | (self.ieee.val() & self.exp_ones.val() & !self.man_zero.val());
        self.inf.next = self.ieee.val() & self.exp_ones.val() & self.man_zero.val();
        self.zero.next = !self.normal.val() & self.man_zero.val();
    }
}

/// FP lane: the exact product of two elements as sign, magnitude `mag` = sig_a * sig_b
/// (MB = 2 * Y1 bits, 2Y fraction bits) and biased exponent `exp` = exp_a + exp_b (X1 bits),
/// so the product is (-1)^sign * mag * 2^(exp - 2 bias - 2Y). `nan`: an operand is NaN or
/// Inf * 0; `inf`: the product is infinite (then `sign` is its sign).
#[derive(LogicBlock)]
pub struct FpLane<
    const W: usize,
    const X: usize,
    const Y: usize,
    const X1: usize,
    const Y1: usize,
    const MB: usize,
> {
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub sign: Signal<Out, Bit>,
    pub mag: Signal<Out, Bits<MB>>,
    pub exp: Signal<Out, Bits<X1>>,
    pub nan: Signal<Out, Bit>,
    pub inf: Signal<Out, Bit>,
    fp_decode: Vec<FpDecode<W, X, Y, X1, Y1>>,
    mul: Mul<Y1, Y1, MB>,
}

impl<
        const W: usize,
        const X: usize,
        const Y: usize,
        const X1: usize,
        const Y1: usize,
        const MB: usize,
    > FpLane<W, X, Y, X1, Y1, MB>
{
    pub fn new(specials: FpSpecials) -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            sign: Default::default(),
            mag: Default::default(),
            exp: Default::default(),
            nan: Default::default(),
            inf: Default::default(),
            fp_decode: vec![FpDecode::new(specials), FpDecode::new(specials)],
            mul: Mul::new(false),
        }
    }

    pub(crate) fn corrupt_multiplier(&mut self) {
        self.mul.corrupt();
    }
}

impl<
        const W: usize,
        const X: usize,
        const Y: usize,
        const X1: usize,
        const Y1: usize,
        const MB: usize,
    > Logic for FpLane<W, X, Y, X1, Y1, MB>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.fp_decode[0].code.next = self.a.val();
        self.fp_decode[1].code.next = self.b.val();
        self.mul.a.next = self.fp_decode[0].sig.val();
        self.mul.b.next = self.fp_decode[1].sig.val();
        self.mag.next = self.mul.p.val();
        self.exp.next = self.fp_decode[0].exp.val() + self.fp_decode[1].exp.val();
        self.sign.next = self.fp_decode[0].sign.val() ^ self.fp_decode[1].sign.val();
        self.nan.next = self.fp_decode[0].nan.val()
            | self.fp_decode[1].nan.val()
            | (self.fp_decode[0].inf.val() & self.fp_decode[1].zero.val())
            | (self.fp_decode[1].inf.val() & self.fp_decode[0].zero.val());
        self.inf.next =
            (self.fp_decode[0].inf.val() | self.fp_decode[1].inf.val()) & !self.nan.val();
    }
}
