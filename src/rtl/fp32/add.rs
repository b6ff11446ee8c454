//! The FP32 adder of the accumulator: IEEE 754 binary32 addition, round to nearest even.

use rust_hdl::prelude::*;

use super::prim::{Cat, Lzc, ShrSticky};
use super::round::RoundPack;
use super::{NEG_ZERO, QNAN, ZERO};

/// IEEE 754 binary32 adder (combinational).
///
/// Ports: `a`, `b: Bits<32>` in; `s: Bits<32>` out (binary32 bit patterns).
///
/// Contract: s = a + b rounded to nearest even, with subnormal inputs and results (no
/// flushing), overflow to +-Inf, x + (-x) = +0, -0 + -0 = -0, +-Inf + finite = +-Inf,
/// Inf - Inf = NaN, and every NaN result is the canonical 0x7FC00000 (input NaN payloads
/// are not propagated). This is Rust's `f32` addition with NaN canonicalised.
///
/// Structure, one module per stage: [`AddUnpack`] orders the operands by magnitude and
/// unpacks them; [`ShrSticky`] aligns the smaller significand into a 28-bit frame
/// {carry, 24-bit significand, guard, round, sticky}; [`AddSig`] adds or subtracts;
/// [`Lzc`] counts leading zeros; [`AddNorm`] normalizes by one right step (carry) or a left
/// shift limited so the exponent stays >= 1 (which leaves subnormal results denormalized);
/// [`RoundPack`] rounds once. Three guard bits suffice: an alignment shift of two or more
/// loses at most one leading bit to cancellation, and a shift of at most one loses nothing.
///
/// The parent only wires the stages (no local logic): an always block that both feeds a
/// sub-block and combines its outputs with its own temporaries is one that Verilator cannot
/// split, and it reports it as UNOPTFLAT.
#[derive(LogicBlock, Default)]
pub struct Fp32Add {
    pub a: Signal<In, Bits<32>>,
    pub b: Signal<In, Bits<32>>,
    pub s: Signal<Out, Bits<32>>,
    unpack: AddUnpack,
    align: ShrSticky<24, 3, 28>,
    sig: AddSig,
    lzc: Lzc<28, 8>,
    norm: AddNorm,
    round: RoundPack,
}

impl Logic for Fp32Add {
    #[hdl_gen]
    fn update(&mut self) {
        self.unpack.a.next = self.a.val();
        self.unpack.b.next = self.b.val();
        self.align.x.next = self.unpack.sig_small.val();
        self.align.shift.next = self.unpack.shift.val();
        self.sig.big.next = self.unpack.big.val();
        self.sig.aligned.next = self.align.y.val();
        self.sig.sticky.next = self.align.sticky.val();
        self.sig.sub.next = self.unpack.sub.val();
        self.lzc.x.next = self.sig.t.val();
        self.norm.t.next = self.sig.t.val();
        self.norm.zeros.next = self.lzc.zeros.val();
        self.norm.e_big.next = self.unpack.e_big.val();
        self.round.sign.next = self.unpack.sign.val();
        self.round.exp.next = self.norm.exp.val();
        self.round.sig.next = self.norm.sig.val();
        self.round.sticky.next = self.norm.sticky.val();
        self.round.overflow.next = self.norm.overflow.val();
        if self.unpack.special.val() {
            self.s.next = self.unpack.special_val.val();
        } else if self.norm.zero.val() {
            self.s.next = self.unpack.zero_val.val();
        } else {
            self.s.next = self.round.r.val();
        }
    }
}

/// A binary32 word seen as its fields, used as a signal type: `self.f.next =
/// self.word.val().into()` emits `f = word;`, and `self.f.val().exp` the part-select
/// `f[23 +: 8]` (a plain field read in simulation; see [`Cat`]).
#[derive(Copy, Clone, Default, PartialEq, Debug)]
pub struct F32Fields {
    pub frac: Bits<23>,
    pub exp: Bits<8>,
    pub sign: Bit,
}

impl F32Fields {
    pub fn get_my_width_frac(&self) -> usize {
        23
    }
    pub fn get_my_offset_frac(&self) -> u32 {
        0
    }
    pub fn get_my_width_exp(&self) -> usize {
        8
    }
    pub fn get_my_offset_exp(&self) -> u32 {
        23
    }
    pub fn get_my_width_sign(&self) -> usize {
        1
    }
    pub fn get_my_offset_sign(&self) -> u32 {
        31
    }
}

impl From<Bits<32>> for F32Fields {
    fn from(x: Bits<32>) -> F32Fields {
        let w = x.to_u32();
        F32Fields {
            frac: u64::from(w & 0x7F_FFFF).into(),
            exp: u64::from((w >> 23) & 0xFF).into(),
            sign: w >> 31 == 1,
        }
    }
}

impl From<F32Fields> for Bits<32> {
    fn from(f: F32Fields) -> Bits<32> {
        let w = (u64::from(f.sign) << 31) | (f.exp.to_u64() << 23) | f.frac.to_u64();
        w.into()
    }
}

impl Synth for F32Fields {
    const BITS: usize = 32;

    fn descriptor() -> TypeDescriptor {
        TypeDescriptor {
            name: "F32Fields".into(),
            kind: TypeKind::Bits(32),
        }
    }

    fn vcd(self) -> VCDValue {
        Bits::<32>::from(self).into()
    }

    fn verilog(self) -> VerilogLiteral {
        Bits::<32>::from(self).into()
    }
}

/// Adder stage 1: order by magnitude, unpack, special operands.
///
/// Ports: `a`, `b: Bits<32>` in. Out: `big: Bits<28>` = {0, significand of the larger
/// magnitude, 000}; `sig_small: Bits<24>`, the smaller one's significand; `shift: Bits<8>`,
/// the exponent difference (exponents of subnormals count as 1); `e_big: Bits<8>`; `sub`,
/// the signs differ; `sign` of the larger magnitude; `special`, the result is
/// `special_val` (NaN or an infinite operand); `zero_val`, the signed zero for an exact
/// zero sum (-0 only for -0 + -0).
#[derive(LogicBlock)]
pub struct AddUnpack {
    pub a: Signal<In, Bits<32>>,
    pub b: Signal<In, Bits<32>>,
    pub big: Signal<Out, Bits<28>>,
    pub sig_small: Signal<Out, Bits<24>>,
    pub shift: Signal<Out, Bits<8>>,
    pub e_big: Signal<Out, Bits<8>>,
    pub sub: Signal<Out, Bit>,
    pub sign: Signal<Out, Bit>,
    pub special: Signal<Out, Bit>,
    pub special_val: Signal<Out, Bits<32>>,
    pub zero_val: Signal<Out, Bits<32>>,
    fa: Signal<Local, F32Fields>,
    fb: Signal<Local, F32Fields>,
    swap: Signal<Local, Bit>,
    hi: Signal<Local, F32Fields>,
    lo: Signal<Local, F32Fields>,
    hi_normal: Signal<Local, Bit>,
    lo_normal: Signal<Local, Bit>,
    e_lo: Signal<Local, Bits<8>>,
    sig_hi: Signal<Local, Cat<1, 23, 24>>,
    sig_lo: Signal<Local, Cat<1, 23, 24>>,
    big_top: Signal<Local, Cat<1, 24, 25>>,
    big_frame: Signal<Local, Cat<25, 3, 28>>,
    exp_ones_a: Signal<Local, Bit>,
    exp_ones_b: Signal<Local, Bit>,
    frac_zero_a: Signal<Local, Bit>,
    frac_zero_b: Signal<Local, Bit>,
    zero1: Constant<Bits<1>>,
    zero3: Constant<Bits<3>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    exp_ones: Constant<Bits<8>>,
    zero23: Constant<Bits<23>>,
    qnan: Constant<Bits<32>>,
    zero32: Constant<Bits<32>>,
    neg_zero32: Constant<Bits<32>>,
}

impl Default for AddUnpack {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            big: Default::default(),
            sig_small: Default::default(),
            shift: Default::default(),
            e_big: Default::default(),
            sub: Default::default(),
            sign: Default::default(),
            special: Default::default(),
            special_val: Default::default(),
            zero_val: Default::default(),
            fa: Default::default(),
            fb: Default::default(),
            swap: Default::default(),
            hi: Default::default(),
            lo: Default::default(),
            hi_normal: Default::default(),
            lo_normal: Default::default(),
            e_lo: Default::default(),
            sig_hi: Default::default(),
            sig_lo: Default::default(),
            big_top: Default::default(),
            big_frame: Default::default(),
            exp_ones_a: Default::default(),
            exp_ones_b: Default::default(),
            frac_zero_a: Default::default(),
            frac_zero_b: Default::default(),
            zero1: Constant::new(0.into()),
            zero3: Constant::new(0.into()),
            zero8: Constant::new(0.into()),
            one8: Constant::new(1.into()),
            exp_ones: Constant::new(255.into()),
            zero23: Constant::new(0.into()),
            qnan: Constant::new(u64::from(QNAN).into()),
            zero32: Constant::new(u64::from(ZERO).into()),
            neg_zero32: Constant::new(u64::from(NEG_ZERO).into()),
        }
    }
}

impl Logic for AddUnpack {
    #[hdl_gen]
    fn update(&mut self) {
        self.fa.next = self.a.val().into();
        self.fb.next = self.b.val().into();
        // The 31 bits below the sign order like the magnitudes (NaN and Inf included).
        self.swap.next = self.b.val().get_bits::<31>(0) > self.a.val().get_bits::<31>(0);
        if self.swap.val() {
            self.hi.next = self.fb.val();
        } else {
            self.hi.next = self.fa.val();
        }
        if self.swap.val() {
            self.lo.next = self.fa.val();
        } else {
            self.lo.next = self.fb.val();
        }
        self.sub.next = self.hi.val().sign ^ self.lo.val().sign;
        self.sign.next = self.hi.val().sign;
        // Significand with its hidden bit; a subnormal has exponent 1 and no hidden bit.
        self.hi_normal.next = self.hi.val().exp != self.zero8.val();
        self.lo_normal.next = self.lo.val().exp != self.zero8.val();
        if self.hi_normal.val() {
            self.e_big.next = self.hi.val().exp;
        } else {
            self.e_big.next = self.one8.val();
        }
        if self.lo_normal.val() {
            self.e_lo.next = self.lo.val().exp;
        } else {
            self.e_lo.next = self.one8.val();
        }
        self.shift.next = self.e_big.val() - self.e_lo.val();
        self.sig_hi.next.lo = self.hi.val().frac;
        self.sig_hi.next.hi = self.hi_normal.val().into();
        self.sig_lo.next.lo = self.lo.val().frac;
        self.sig_lo.next.hi = self.lo_normal.val().into();
        self.sig_small.next = self.sig_lo.val().into();
        self.big_top.next.lo = self.sig_hi.val().into();
        self.big_top.next.hi = self.zero1.val();
        self.big_frame.next.lo = self.zero3.val();
        self.big_frame.next.hi = self.big_top.val().into();
        self.big.next = self.big_frame.val().into();
        // Special operands: NaN in, or Inf - Inf, gives NaN; otherwise an Inf wins.
        self.exp_ones_a.next = self.fa.val().exp == self.exp_ones.val();
        self.exp_ones_b.next = self.fb.val().exp == self.exp_ones.val();
        self.frac_zero_a.next = self.fa.val().frac == self.zero23.val();
        self.frac_zero_b.next = self.fb.val().frac == self.zero23.val();
        self.special.next = self.exp_ones_a.val() | self.exp_ones_b.val();
        if (self.exp_ones_a.val() & !self.frac_zero_a.val())
            | (self.exp_ones_b.val() & !self.frac_zero_b.val())
            | (self.exp_ones_a.val() & self.exp_ones_b.val() & self.sub.val())
        {
            self.special_val.next = self.qnan.val();
        } else if self.exp_ones_a.val() {
            self.special_val.next = self.a.val();
        } else {
            self.special_val.next = self.b.val();
        }
        if self.fa.val().sign & self.fb.val().sign {
            self.zero_val.next = self.neg_zero32.val();
        } else {
            self.zero_val.next = self.zero32.val();
        }
    }
}

/// Adder stage 2: significand add or subtract in the 28-bit frame.
///
/// Ports: `big: Bits<28>`, `aligned: Bits<28>` (the smaller operand), `sticky` (bits lost in
/// the alignment), `sub` in; `t: Bits<28>` out = big + s or big - s, where s is `aligned` with the
/// sticky bit jammed into its LSB (exact for rounding: see [`Fp32Add`]). t >= 0 because
/// |big| >= |small|.
#[derive(LogicBlock)]
pub struct AddSig {
    pub big: Signal<In, Bits<28>>,
    pub aligned: Signal<In, Bits<28>>,
    pub sticky: Signal<In, Bit>,
    pub sub: Signal<In, Bit>,
    pub t: Signal<Out, Bits<28>>,
    jammed: Signal<Local, Bits<28>>,
    addend: Signal<Local, Bits<28>>,
    carry_in: Signal<Local, Bits<28>>,
    zero28: Constant<Bits<28>>,
    one28: Constant<Bits<28>>,
}

impl Default for AddSig {
    fn default() -> Self {
        Self {
            big: Default::default(),
            aligned: Default::default(),
            sticky: Default::default(),
            sub: Default::default(),
            t: Default::default(),
            jammed: Default::default(),
            addend: Default::default(),
            carry_in: Default::default(),
            zero28: Constant::new(0.into()),
            one28: Constant::new(1.into()),
        }
    }
}

impl Logic for AddSig {
    #[hdl_gen]
    fn update(&mut self) {
        if self.sticky.val() {
            self.jammed.next = self.aligned.val() | self.one28.val();
        } else {
            self.jammed.next = self.aligned.val();
        }
        // One adder for both: big - s = big + ~s + 1.
        if self.sub.val() {
            self.addend.next = !self.jammed.val();
        } else {
            self.addend.next = self.jammed.val();
        }
        if self.sub.val() {
            self.carry_in.next = self.one28.val();
        } else {
            self.carry_in.next = self.zero28.val();
        }
        self.t.next = self.big.val() + self.addend.val() + self.carry_in.val();
    }
}

/// Adder stage 3: normalize the sum for rounding.
///
/// Ports (in): `t: Bits<28>`, the sum frame; `zeros: Bits<8>`, its leading-zero count;
/// `e_big: Bits<8>`. Out: `exp`, `sig: Bits<25>`, `sticky`, `overflow` for [`RoundPack`];
/// `zero`, t = 0 (an exact zero sum).
///
/// A carry (`t[27]`) shifts right by one, keeping the lost bit in the sticky bit, and
/// increments the exponent (255 is overflow). Otherwise the shift is left by
/// min(zeros - 1, e_big - 1): a normal result gets its leading one at bit 26, a result
/// below 2^-126 stays at exponent 1 with a zero hidden bit.
#[derive(LogicBlock)]
pub struct AddNorm {
    pub t: Signal<In, Bits<28>>,
    pub zeros: Signal<In, Bits<8>>,
    pub e_big: Signal<In, Bits<8>>,
    pub exp: Signal<Out, Bits<8>>,
    pub sig: Signal<Out, Bits<25>>,
    pub sticky: Signal<Out, Bit>,
    pub overflow: Signal<Out, Bit>,
    pub zero: Signal<Out, Bit>,
    lz_m1: Signal<Local, Bits<8>>,
    e_m1: Signal<Local, Bits<8>>,
    sh: Signal<Local, Bits<8>>,
    t_hi: Signal<Local, Cat<27, 1, 28>>,
    t_lo: Signal<Local, Cat<1, 27, 28>>,
    n: Signal<Local, Bits<27>>,
    n_split: Signal<Local, Cat<25, 2, 27>>,
    one8: Constant<Bits<8>>,
    one27: Constant<Bits<27>>,
    e_top: Constant<Bits<8>>,
    width: Constant<Bits<8>>,
}

impl Default for AddNorm {
    fn default() -> Self {
        Self {
            t: Default::default(),
            zeros: Default::default(),
            e_big: Default::default(),
            exp: Default::default(),
            sig: Default::default(),
            sticky: Default::default(),
            overflow: Default::default(),
            zero: Default::default(),
            lz_m1: Default::default(),
            e_m1: Default::default(),
            sh: Default::default(),
            t_hi: Default::default(),
            t_lo: Default::default(),
            n: Default::default(),
            n_split: Default::default(),
            one8: Constant::new(1.into()),
            one27: Constant::new(1.into()),
            e_top: Constant::new(254.into()),
            width: Constant::new(28.into()),
        }
    }
}

impl Logic for AddNorm {
    #[hdl_gen]
    fn update(&mut self) {
        self.lz_m1.next = self.zeros.val() - self.one8.val();
        self.e_m1.next = self.e_big.val() - self.one8.val();
        if self.lz_m1.val() < self.e_m1.val() {
            self.sh.next = self.lz_m1.val();
        } else {
            self.sh.next = self.e_m1.val();
        }
        // n = the normalized frame without its carry bit (t[27] = 0 when shifting left).
        // t_hi = {t[27:1], t[0]}, t_lo = {t[27], t[26:0]}.
        self.t_hi.next = self.t.val().into();
        self.t_lo.next = self.t.val().into();
        if self.t_lo.val().hi.any() {
            if self.t_hi.val().lo.any() {
                self.n.next = self.t_hi.val().hi | self.one27.val();
            } else {
                self.n.next = self.t_hi.val().hi;
            }
        } else {
            self.n.next = self.t_lo.val().lo << self.sh.val();
        }
        if self.t_lo.val().hi.any() {
            self.exp.next = self.e_big.val() + self.one8.val();
        } else {
            self.exp.next = self.e_big.val() - self.sh.val();
        }
        self.n_split.next = self.n.val().into();
        self.sig.next = self.n_split.val().hi;
        self.sticky.next = self.n_split.val().lo.any();
        self.overflow.next = self.t_lo.val().hi.any() & (self.e_big.val() == self.e_top.val());
        self.zero.next = self.zeros.val() == self.width.val();
    }
}
