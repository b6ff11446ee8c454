//! Conversion of a block's product sum, with both scales folded in, to binary32:
//! [`ToBinary32`] for power-of-two (UE8M0) scales, [`ToBinary32Nv`] for E4M3 scales.

use rust_hdl::prelude::*;

use super::prim::{Cat, UMul};
use super::round::NormRound;
use super::{NEG_INF, POS_INF, QNAN};

/// `special` code of the front end: a NaN in the block (NaN element, Inf * 0, +Inf and -Inf).
pub const SPECIAL_NAN: u64 = 1;
/// `special` code: the block sum is +Inf.
pub const SPECIAL_POS_INF: u64 = 2;
/// `special` code: the block sum is -Inf.
pub const SPECIAL_NEG_INF: u64 = 3;

/// Exponent of the sum's LSB with the scales folded in.
///
/// Ports: `lsb_exp: Signed<12>`, `scale_exp: Signed<10>` in; `e: Bits<14>` out =
/// lsb_exp + scale_exp in 14-bit two's complement (exact: |e| <= 2560).
#[derive(LogicBlock)]
pub struct ExpSum {
    pub lsb_exp: Signal<In, Signed<12>>,
    pub scale_exp: Signal<In, Signed<10>>,
    pub e: Signal<Out, Bits<14>>,
    lsb14: Signal<Local, Cat<2, 12, 14>>,
    scale14: Signal<Local, Cat<4, 10, 14>>,
    lsb_e: Signal<Local, Bits<14>>,
    scale_e: Signal<Local, Bits<14>>,
    ones2: Constant<Bits<2>>,
    zero2: Constant<Bits<2>>,
    ones4: Constant<Bits<4>>,
    zero4: Constant<Bits<4>>,
}

impl Default for ExpSum {
    fn default() -> Self {
        Self {
            lsb_exp: Default::default(),
            scale_exp: Default::default(),
            e: Default::default(),
            lsb14: Default::default(),
            scale14: Default::default(),
            lsb_e: Default::default(),
            scale_e: Default::default(),
            ones2: Constant::new(3.into()),
            zero2: Constant::new(0.into()),
            ones4: Constant::new(15.into()),
            zero4: Constant::new(0.into()),
        }
    }
}

impl Logic for ExpSum {
    #[hdl_gen]
    fn update(&mut self) {
        // Sign extension: Cat writes the low bits and the replicated sign as part-selects.
        self.lsb14.next.lo = unsigned_cast(self.lsb_exp.val());
        if self.lsb_exp.val().get_bit(11) {
            self.lsb14.next.hi = self.ones2.val();
        } else {
            self.lsb14.next.hi = self.zero2.val();
        }
        self.scale14.next.lo = unsigned_cast(self.scale_exp.val());
        if self.scale_exp.val().get_bit(9) {
            self.scale14.next.hi = self.ones4.val();
        } else {
            self.scale14.next.hi = self.zero4.val();
        }
        self.lsb_e.next = self.lsb14.val().into();
        self.scale_e.next = self.scale14.val().into();
        self.e.next = self.lsb_e.val() + self.scale_e.val();
    }
}

/// Block sum times a power-of-two scale, rounded to binary32 (the MX formats' back end).
///
/// Ports (in): `sum: Signed<SW>`, the block's product sum in units of 2^lsb_exp;
/// `lsb_exp: Signed<12>`; `special: Bits<2>` (0 finite, 1 NaN, 2 +Inf, 3 -Inf);
/// `scale_exp: Signed<10>` and `scale_nan`, from [`super::ScaleCombineUe8m0`]
/// (X_a * X_b = 2^scale_exp). Port (out): `r: Bits<32>`.
///
/// Contract: r = 0x7FC00000 if special = 1 or scale_nan; else +-Inf (0x7F800000 /
/// 0xFF800000) if special = 2 / 3; else round_RNE(sum * 2^(lsb_exp + scale_exp)) as binary32
/// with subnormals kept, overflow to +-Inf, sum = 0 giving +0 and a nonzero value that
/// rounds to zero keeping its sign. Holds for every input value. Requires 2 <= SW <= 103.
#[derive(LogicBlock)]
pub struct ToBinary32<const SW: usize> {
    pub sum: Signal<In, Signed<SW>>,
    pub lsb_exp: Signal<In, Signed<12>>,
    pub special: Signal<In, Bits<2>>,
    pub scale_exp: Signal<In, Signed<10>>,
    pub scale_nan: Signal<In, Bit>,
    pub r: Signal<Out, Bits<32>>,
    exp_sum: ExpSum,
    norm: NormRound<SW>,
    raw: Signal<Local, Bits<SW>>,
    neg: Signal<Local, Bit>,
    half: Constant<Bits<SW>>,
    one: Constant<Bits<SW>>,
    special_nan: Constant<Bits<2>>,
    qnan: Constant<Bits<32>>,
    pos_inf: Constant<Bits<32>>,
    neg_inf: Constant<Bits<32>>,
}

impl<const SW: usize> Default for ToBinary32<SW> {
    fn default() -> Self {
        const { assert!(SW >= 2) };
        let mut half = Bits::<SW>::default();
        half = half.replace_bit(SW - 1, true);
        Self {
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            scale_exp: Default::default(),
            scale_nan: Default::default(),
            r: Default::default(),
            exp_sum: Default::default(),
            norm: Default::default(),
            raw: Default::default(),
            neg: Default::default(),
            half: Constant::new(half),
            one: Constant::new(1.into()),
            special_nan: Constant::new(SPECIAL_NAN.into()),
            qnan: Constant::new(u64::from(QNAN).into()),
            pos_inf: Constant::new(u64::from(POS_INF).into()),
            neg_inf: Constant::new(u64::from(NEG_INF).into()),
        }
    }
}

impl<const SW: usize> Logic for ToBinary32<SW> {
    #[hdl_gen]
    fn update(&mut self) {
        // Sign and magnitude of the sum (|-2^(SW-1)| = 2^(SW-1) still fits SW bits).
        self.raw.next = unsigned_cast(self.sum.val());
        self.neg.next = self.raw.val() >= self.half.val();
        self.norm.neg.next = self.neg.val();
        if self.neg.val() {
            self.norm.mag.next = !self.raw.val() + self.one.val();
        } else {
            self.norm.mag.next = self.raw.val();
        }
        self.exp_sum.lsb_exp.next = self.lsb_exp.val();
        self.exp_sum.scale_exp.next = self.scale_exp.val();
        self.norm.exp.next = self.exp_sum.e.val();
        if (self.special.val() == self.special_nan.val()) | self.scale_nan.val() {
            self.r.next = self.qnan.val();
        } else if self.special.val().get_bit(1) {
            if self.special.val().get_bit(0) {
                self.r.next = self.neg_inf.val();
            } else {
                self.r.next = self.pos_inf.val();
            }
        } else {
            self.r.next = self.norm.r.val();
        }
    }
}

/// Block sum times an E4M3 x E4M3 scale product, rounded to binary32 (the NV formats' back
/// end).
///
/// Ports (in): as [`ToBinary32`], plus `scale_sig: Bits<8>` and `scale_neg` from
/// [`super::ScaleCombineE4m3`] (X_a * X_b = (-1)^scale_neg * scale_sig * 2^scale_exp).
/// Port (out): `r: Bits<32>`. PW must equal SW + 8 (the width of |sum| * scale_sig).
///
/// Contract: r = 0x7FC00000 if special = 1, scale_nan, or special is +-Inf and
/// scale_sig = 0 (Inf * 0); else +-Inf with sign (special = 3) xor scale_neg if special is
/// +-Inf; else round_RNE(sum * scale_sig * (-1)^scale_neg * 2^(lsb_exp + scale_exp)) as
/// binary32, with the rules of [`ToBinary32`] (an exact zero, including a zero scale,
/// gives +0). The product |sum| * scale_sig is exact (PW bits) and rounded once.
/// Requires 2 <= SW and PW = SW + 8 <= 103.
#[derive(LogicBlock)]
pub struct ToBinary32Nv<const SW: usize, const PW: usize> {
    pub sum: Signal<In, Signed<SW>>,
    pub lsb_exp: Signal<In, Signed<12>>,
    pub special: Signal<In, Bits<2>>,
    pub scale_exp: Signal<In, Signed<10>>,
    pub scale_sig: Signal<In, Bits<8>>,
    pub scale_neg: Signal<In, Bit>,
    pub scale_nan: Signal<In, Bit>,
    pub r: Signal<Out, Bits<32>>,
    mul: UMul<SW, 8, PW>,
    exp_sum: ExpSum,
    norm: NormRound<PW>,
    raw: Signal<Local, Bits<SW>>,
    neg: Signal<Local, Bit>,
    half: Constant<Bits<SW>>,
    one: Constant<Bits<SW>>,
    zero8: Constant<Bits<8>>,
    special_nan: Constant<Bits<2>>,
    qnan: Constant<Bits<32>>,
    pos_inf: Constant<Bits<32>>,
    neg_inf: Constant<Bits<32>>,
}

impl<const SW: usize, const PW: usize> Default for ToBinary32Nv<SW, PW> {
    fn default() -> Self {
        const { assert!(SW >= 2 && PW == SW + 8) };
        let mut half = Bits::<SW>::default();
        half = half.replace_bit(SW - 1, true);
        Self {
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            scale_exp: Default::default(),
            scale_sig: Default::default(),
            scale_neg: Default::default(),
            scale_nan: Default::default(),
            r: Default::default(),
            mul: Default::default(),
            exp_sum: Default::default(),
            norm: Default::default(),
            raw: Default::default(),
            neg: Default::default(),
            half: Constant::new(half),
            one: Constant::new(1.into()),
            zero8: Constant::new(0.into()),
            special_nan: Constant::new(SPECIAL_NAN.into()),
            qnan: Constant::new(u64::from(QNAN).into()),
            pos_inf: Constant::new(u64::from(POS_INF).into()),
            neg_inf: Constant::new(u64::from(NEG_INF).into()),
        }
    }
}

impl<const SW: usize, const PW: usize> Logic for ToBinary32Nv<SW, PW> {
    #[hdl_gen]
    fn update(&mut self) {
        self.raw.next = unsigned_cast(self.sum.val());
        self.neg.next = self.raw.val() >= self.half.val();
        if self.neg.val() {
            self.mul.a.next = !self.raw.val() + self.one.val();
        } else {
            self.mul.a.next = self.raw.val();
        }
        self.mul.b.next = self.scale_sig.val();
        self.norm.mag.next = self.mul.p.val();
        self.norm.neg.next = self.neg.val() ^ self.scale_neg.val();
        self.exp_sum.lsb_exp.next = self.lsb_exp.val();
        self.exp_sum.scale_exp.next = self.scale_exp.val();
        self.norm.exp.next = self.exp_sum.e.val();
        if (self.special.val() == self.special_nan.val())
            | self.scale_nan.val()
            | (self.special.val().get_bit(1) & (self.scale_sig.val() == self.zero8.val()))
        {
            self.r.next = self.qnan.val();
        } else if self.special.val().get_bit(1) {
            if self.special.val().get_bit(0) ^ self.scale_neg.val() {
                self.r.next = self.neg_inf.val();
            } else {
                self.r.next = self.pos_inf.val();
            }
        } else {
            self.r.next = self.norm.r.val();
        }
    }
}
