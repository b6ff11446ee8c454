//! The shared binary32 rounder ([`RoundPack`]) and the normalizer that turns a
//! sign-magnitude integer times a power of two into binary32 bits ([`NormRound`]).

use rust_hdl::prelude::*;

use super::prim::{Cat, Lzc, ShrSticky};
use super::{INF_MAG, ZERO};

/// Round to nearest even and pack a binary32.
///
/// Ports (in): `sign`; `exp: Bits<8>`, the biased exponent of a normal result;
/// `sig: Bits<25>` = {24-bit significand with its leading bit at 24, guard bit at 0};
/// `sticky`, OR of all bits below the guard bit; `overflow`, forces infinity.
/// Port (out): `r: Bits<32>`.
///
/// Contract: r = `{sign, F + inc}` where F = `{sig[24] ? exp : 0, sig[23:1]}` and
/// inc = `guard & (sticky | sig[1])`; the carry of the increment runs from the fraction into
/// the exponent, so rounding up the largest subnormal gives 2^-126 and rounding up the
/// largest finite value gives infinity. With `overflow`, r = {sign, 0xFF, 0} (infinity).
/// A caller with `sig[24]` = 0 presents a subnormal (or zero) significand at exponent 1.
#[derive(LogicBlock)]
pub struct RoundPack {
    pub sign: Signal<In, Bit>,
    pub exp: Signal<In, Bits<8>>,
    pub sig: Signal<In, Bits<25>>,
    pub sticky: Signal<In, Bit>,
    pub overflow: Signal<In, Bit>,
    pub r: Signal<Out, Bits<32>>,
    sig_top: Signal<Local, Cat<24, 1, 25>>,
    frac: Signal<Local, Cat<1, 23, 24>>,
    field: Signal<Local, Bits<8>>,
    inc: Signal<Local, Bit>,
    pre: Signal<Local, Cat<8, 23, 31>>,
    pre_bits: Signal<Local, Bits<31>>,
    mag: Signal<Local, Bits<31>>,
    word: Signal<Local, Cat<1, 31, 32>>,
    zero8: Constant<Bits<8>>,
    one31: Constant<Bits<31>>,
    inf31: Constant<Bits<31>>,
}

impl Default for RoundPack {
    fn default() -> Self {
        Self {
            sign: Default::default(),
            exp: Default::default(),
            sig: Default::default(),
            sticky: Default::default(),
            overflow: Default::default(),
            r: Default::default(),
            sig_top: Default::default(),
            frac: Default::default(),
            field: Default::default(),
            inc: Default::default(),
            pre: Default::default(),
            pre_bits: Default::default(),
            mag: Default::default(),
            word: Default::default(),
            zero8: Constant::new(0.into()),
            one31: Constant::new(1.into()),
            inf31: Constant::new(u64::from(INF_MAG).into()),
        }
    }
}

impl Logic for RoundPack {
    #[hdl_gen]
    fn update(&mut self) {
        // sig_top = {sig[24:1], guard}, frac = {hidden, fraction}.
        self.sig_top.next = self.sig.val().into();
        self.frac.next = self.sig_top.val().hi.into();
        if self.frac.val().hi.any() {
            self.field.next = self.exp.val();
        } else {
            self.field.next = self.zero8.val();
        }
        self.inc.next =
            self.sig_top.val().lo.any() & (self.sticky.val() | self.sig.val().get_bit(1));
        self.pre.next.lo = self.frac.val().lo;
        self.pre.next.hi = self.field.val();
        self.pre_bits.next = self.pre.val().into();
        if self.overflow.val() {
            self.mag.next = self.inf31.val();
        } else if self.inc.val() {
            self.mag.next = self.pre_bits.val() + self.one31.val();
        } else {
            self.mag.next = self.pre_bits.val();
        }
        self.word.next.lo = self.mag.val();
        self.word.next.hi = self.sign.val().into();
        self.r.next = self.word.val().into();
    }
}

/// Binary32 of a sign-magnitude integer times a power of two, rounded once.
///
/// Ports (in): `neg`; `mag: Bits<W>`; `exp: Bits<14>`, a two's-complement exponent E.
/// Port (out): `r: Bits<32>`.
///
/// Contract: r = round_RNE((-1)^neg * mag * 2^E) as binary32 for every input, with subnormal
/// results kept, overflow to infinity, mag = 0 giving +0 and a nonzero value that rounds to
/// zero keeping its sign. Requires 1 <= W <= 103 (the rounding frame is W + 25 bits).
///
/// Structure: a leading-zero count gives the exponent e_b = E + W + 126 - lz of the result;
/// one right shift (with sticky) of {mag, 25 zeros} places the significand in a 25-bit
/// frame (24 bits and a guard bit): by W - lz for a normal result, so its leading one lands
/// at bit 24, or by -125 - E for a subnormal one, so the frame's bit 1 weighs 2^-149.
/// [`RoundPack`] then rounds once.
#[derive(LogicBlock)]
pub struct NormRound<const W: usize> {
    pub neg: Signal<In, Bit>,
    pub mag: Signal<In, Bits<W>>,
    pub exp: Signal<In, Bits<14>>,
    pub r: Signal<Out, Bits<32>>,
    lzc: Lzc<W, 14>,
    align: ShrSticky<W, 25, 25>,
    round: RoundPack,
    eb_pre: Signal<Local, Bits<14>>,
    eb: Signal<Local, Bits<14>>,
    normal: Signal<Local, Bit>,
    rsh: Signal<Local, Bits<14>>,
    eb_split: Signal<Local, Cat<6, 8, 14>>,
    rsh_split: Signal<Local, Cat<6, 8, 14>>,
    bias: Constant<Bits<14>>,
    width: Constant<Bits<14>>,
    sub_base: Constant<Bits<14>>,
    exp_ones: Constant<Bits<8>>,
    zero14: Constant<Bits<14>>,
    zero6: Constant<Bits<6>>,
    max_shift: Constant<Bits<8>>,
    zero_mag: Constant<Bits<W>>,
    zero32: Constant<Bits<32>>,
}

impl<const W: usize> Default for NormRound<W> {
    fn default() -> Self {
        const { assert!(W >= 1 && W + 25 <= super::prim::MAX_PRIM_WIDTH) };
        Self {
            neg: Default::default(),
            mag: Default::default(),
            exp: Default::default(),
            r: Default::default(),
            lzc: Default::default(),
            align: Default::default(),
            round: Default::default(),
            eb_pre: Default::default(),
            eb: Default::default(),
            normal: Default::default(),
            rsh: Default::default(),
            eb_split: Default::default(),
            rsh_split: Default::default(),
            bias: Constant::new(((W + 126) as u64).into()),
            width: Constant::new((W as u64).into()),
            // -125 in 14-bit two's complement.
            sub_base: Constant::new(((1u64 << 14) - 125).into()),
            exp_ones: Constant::new(255.into()),
            zero14: Constant::new(0.into()),
            zero6: Constant::new(0.into()),
            max_shift: Constant::new(255.into()),
            zero_mag: Constant::new(0.into()),
            zero32: Constant::new(u64::from(ZERO).into()),
        }
    }
}

impl<const W: usize> Logic for NormRound<W> {
    #[hdl_gen]
    fn update(&mut self) {
        self.lzc.x.next = self.mag.val();
        // e_b = biased exponent of the result if it is normal: the leading one of mag sits
        // at bit W - 1 - lz, worth 2^(W - 1 - lz + E), so e_b = W - 1 - lz + E + 127.
        self.eb_pre.next = self.exp.val() + self.bias.val();
        self.eb.next = self.eb_pre.val() - self.lzc.zeros.val();
        self.normal.next = !self.eb.val().get_bit(13) & (self.eb.val() != self.zero14.val());
        // Right shift of {mag, 25 zeros}: normal W - lz; subnormal -125 - E (> W - lz >= 0).
        if self.normal.val() {
            self.rsh.next = self.width.val() - self.lzc.zeros.val();
        } else {
            self.rsh.next = self.sub_base.val() - self.exp.val();
        }
        self.align.x.next = self.mag.val();
        self.rsh_split.next = self.rsh.val().into();
        if self.rsh_split.val().hi != self.zero6.val() {
            self.align.shift.next = self.max_shift.val();
        } else {
            self.align.shift.next = self.rsh_split.val().lo;
        }
        self.round.sign.next = self.neg.val();
        self.eb_split.next = self.eb.val().into();
        self.round.exp.next = self.eb_split.val().lo;
        self.round.sig.next = self.align.y.val();
        self.round.sticky.next = self.align.sticky.val();
        self.round.overflow.next = self.normal.val()
            & ((self.eb_split.val().hi != self.zero6.val())
                | (self.eb_split.val().lo == self.exp_ones.val()));
        if self.mag.val() == self.zero_mag.val() {
            self.r.next = self.zero32.val();
        } else {
            self.r.next = self.round.r.val();
        }
    }
}
