//! Scale combine: the product X_a * X_b of a block's two shared scales, as exponent,
//! significand, sign and NaN flag. [`ScaleCombineUe8m0`] for the MX formats (two exponent
//! codes, an 8-bit add), [`ScaleCombineE4m3`] for the NV formats (two FP8 E4M3 values, a
//! 4 x 4-bit significand multiply and an exponent add), [`ScaleCombineUe5m3`] for user formats
//! with UE5M3 scales (the same with 5-bit exponents and no sign).

use rust_hdl::prelude::*;

use super::prim::{Cat, UMul};

/// UE8M0 scale product.
///
/// Ports: `a`, `b: Bits<8>` in (UE8M0 codes, X = 2^(code - 127), 0xFF = NaN);
/// `exp: Signed<10>` out = a + b - 254, so X_a * X_b = 2^exp (range -254..=254);
/// `nan` out = (a = 0xFF) or (b = 0xFF). `exp` is meaningless when `nan` is set.
#[derive(LogicBlock)]
pub struct ScaleCombineUe8m0 {
    pub a: Signal<In, Bits<8>>,
    pub b: Signal<In, Bits<8>>,
    pub exp: Signal<Out, Signed<10>>,
    pub nan: Signal<Out, Bit>,
    a10: Signal<Local, Cat<2, 8, 10>>,
    b10: Signal<Local, Cat<2, 8, 10>>,
    a_e: Signal<Local, Bits<10>>,
    b_e: Signal<Local, Bits<10>>,
    zero2: Constant<Bits<2>>,
    bias2: Constant<Bits<10>>,
    nan_code: Constant<Bits<8>>,
}

impl Default for ScaleCombineUe8m0 {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            exp: Default::default(),
            nan: Default::default(),
            a10: Default::default(),
            b10: Default::default(),
            a_e: Default::default(),
            b_e: Default::default(),
            zero2: Constant::new(0.into()),
            bias2: Constant::new(254.into()),
            nan_code: Constant::new(0xFF.into()),
        }
    }
}

impl Logic for ScaleCombineUe8m0 {
    #[hdl_gen]
    fn update(&mut self) {
        self.a10.next.lo = self.a.val();
        self.a10.next.hi = self.zero2.val();
        self.b10.next.lo = self.b.val();
        self.b10.next.hi = self.zero2.val();
        self.a_e.next = self.a10.val().into();
        self.b_e.next = self.b10.val().into();
        self.exp.next = signed_cast(self.a_e.val() + self.b_e.val() - self.bias2.val());
        self.nan.next =
            (self.a.val() == self.nan_code.val()) | (self.b.val() == self.nan_code.val());
    }
}

/// E4M3 x E4M3 scale product.
///
/// Ports: `a`, `b: Bits<8>` in (FP8 E4M3 codes: bias 7, subnormals, S.1111.111 = NaN, no
/// infinities); out: `sig: Bits<8>`, `exp: Signed<10>`, `neg`, `nan` with
/// X_a * X_b = (-1)^neg * sig * 2^exp exactly when `nan` is clear.
///
/// Contract: each code decodes to s = {e != 0, m} (4 bits) and u = max(e, 1) - 7 - 3, so
/// X = s * 2^u; then sig = s_a * s_b (0..=225), exp = u_a + u_b (-18..=10),
/// neg = sign_a xor sign_b, nan = either code is S.1111.111. A zero scale gives sig = 0.
#[derive(LogicBlock)]
pub struct ScaleCombineE4m3 {
    pub a: Signal<In, Bits<8>>,
    pub b: Signal<In, Bits<8>>,
    pub exp: Signal<Out, Signed<10>>,
    pub sig: Signal<Out, Bits<8>>,
    pub neg: Signal<Out, Bit>,
    pub nan: Signal<Out, Bit>,
    mul: UMul<4, 4, 8>,
    a10: Signal<Local, Cat<6, 4, 10>>,
    b10: Signal<Local, Cat<6, 4, 10>>,
    a_e: Signal<Local, Bits<10>>,
    b_e: Signal<Local, Bits<10>>,
    zero4: Constant<Bits<4>>,
    one4: Constant<Bits<4>>,
    frac_mask: Constant<Bits<4>>,
    hidden: Constant<Bits<4>>,
    zero6: Constant<Bits<6>>,
    bias2: Constant<Bits<10>>,
    nan_mag: Constant<Bits<7>>,
}

impl Default for ScaleCombineE4m3 {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            exp: Default::default(),
            sig: Default::default(),
            neg: Default::default(),
            nan: Default::default(),
            mul: Default::default(),
            a10: Default::default(),
            b10: Default::default(),
            a_e: Default::default(),
            b_e: Default::default(),
            zero4: Constant::new(0.into()),
            one4: Constant::new(1.into()),
            frac_mask: Constant::new(7.into()),
            hidden: Constant::new(8.into()),
            zero6: Constant::new(0.into()),
            // Two biases (7) and two fraction widths (3).
            bias2: Constant::new(20.into()),
            nan_mag: Constant::new(0x7F.into()),
        }
    }
}

impl Logic for ScaleCombineE4m3 {
    #[hdl_gen]
    fn update(&mut self) {
        if self.a.val().get_bits::<4>(3) == self.zero4.val() {
            self.a10.next.lo = self.one4.val();
            self.mul.a.next = self.a.val().get_bits::<4>(0) & self.frac_mask.val();
        } else {
            self.a10.next.lo = self.a.val().get_bits::<4>(3);
            self.mul.a.next =
                (self.a.val().get_bits::<4>(0) & self.frac_mask.val()) | self.hidden.val();
        }
        self.a10.next.hi = self.zero6.val();
        if self.b.val().get_bits::<4>(3) == self.zero4.val() {
            self.b10.next.lo = self.one4.val();
            self.mul.b.next = self.b.val().get_bits::<4>(0) & self.frac_mask.val();
        } else {
            self.b10.next.lo = self.b.val().get_bits::<4>(3);
            self.mul.b.next =
                (self.b.val().get_bits::<4>(0) & self.frac_mask.val()) | self.hidden.val();
        }
        self.b10.next.hi = self.zero6.val();
        self.a_e.next = self.a10.val().into();
        self.b_e.next = self.b10.val().into();
        self.exp.next = signed_cast(self.a_e.val() + self.b_e.val() - self.bias2.val());
        self.sig.next = self.mul.p.val();
        self.neg.next = self.a.val().get_bit(7) ^ self.b.val().get_bit(7);
        self.nan.next = (self.a.val().get_bits::<7>(0) == self.nan_mag.val())
            | (self.b.val().get_bits::<7>(0) == self.nan_mag.val());
    }
}

/// UE5M3 x UE5M3 scale product (user formats).
///
/// Ports: `a`, `b: Bits<8>` in (UE5M3 codes: unsigned, 5 exponent bits with bias 15, 3
/// mantissa bits, subnormals, 0xFF = NaN); out: `sig: Bits<8>`, `exp: Signed<10>`, `neg`,
/// `nan`, as [`ScaleCombineE4m3`]'s so that the same back end follows.
///
/// Contract: each code decodes to s = {e != 0, m} (4 bits) and u = max(e, 1) - 15 - 3, so
/// X = s * 2^u; then sig = s_a * s_b (0..=225), exp = u_a + u_b (-34..=26), neg = 0 (a UE5M3
/// scale is never negative), nan = either code is 0xFF. A zero scale gives sig = 0.
#[derive(LogicBlock)]
pub struct ScaleCombineUe5m3 {
    pub a: Signal<In, Bits<8>>,
    pub b: Signal<In, Bits<8>>,
    pub exp: Signal<Out, Signed<10>>,
    pub sig: Signal<Out, Bits<8>>,
    pub neg: Signal<Out, Bit>,
    pub nan: Signal<Out, Bit>,
    mul: UMul<4, 4, 8>,
    a10: Signal<Local, Cat<5, 5, 10>>,
    b10: Signal<Local, Cat<5, 5, 10>>,
    a_e: Signal<Local, Bits<10>>,
    b_e: Signal<Local, Bits<10>>,
    zero5: Constant<Bits<5>>,
    one5: Constant<Bits<5>>,
    frac_mask: Constant<Bits<4>>,
    hidden: Constant<Bits<4>>,
    bias2: Constant<Bits<10>>,
    nan_code: Constant<Bits<8>>,
    no: Constant<Bit>,
}

impl Default for ScaleCombineUe5m3 {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            exp: Default::default(),
            sig: Default::default(),
            neg: Default::default(),
            nan: Default::default(),
            mul: Default::default(),
            a10: Default::default(),
            b10: Default::default(),
            a_e: Default::default(),
            b_e: Default::default(),
            zero5: Constant::new(0.into()),
            one5: Constant::new(1.into()),
            frac_mask: Constant::new(7.into()),
            hidden: Constant::new(8.into()),
            // Two biases (15) and two fraction widths (3).
            bias2: Constant::new(36.into()),
            nan_code: Constant::new(0xFF.into()),
            no: Constant::new(false),
        }
    }
}

impl Logic for ScaleCombineUe5m3 {
    #[hdl_gen]
    fn update(&mut self) {
        if self.a.val().get_bits::<5>(3) == self.zero5.val() {
            self.a10.next.lo = self.one5.val();
            self.mul.a.next = self.a.val().get_bits::<4>(0) & self.frac_mask.val();
        } else {
            self.a10.next.lo = self.a.val().get_bits::<5>(3);
            self.mul.a.next =
                (self.a.val().get_bits::<4>(0) & self.frac_mask.val()) | self.hidden.val();
        }
        self.a10.next.hi = self.zero5.val();
        if self.b.val().get_bits::<5>(3) == self.zero5.val() {
            self.b10.next.lo = self.one5.val();
            self.mul.b.next = self.b.val().get_bits::<4>(0) & self.frac_mask.val();
        } else {
            self.b10.next.lo = self.b.val().get_bits::<5>(3);
            self.mul.b.next =
                (self.b.val().get_bits::<4>(0) & self.frac_mask.val()) | self.hidden.val();
        }
        self.b10.next.hi = self.zero5.val();
        self.a_e.next = self.a10.val().into();
        self.b_e.next = self.b10.val().into();
        self.exp.next = signed_cast(self.a_e.val() + self.b_e.val() - self.bias2.val());
        self.sig.next = self.mul.p.val();
        self.neg.next = self.no.val();
        self.nan.next =
            (self.a.val() == self.nan_code.val()) | (self.b.val() == self.nan_code.val());
    }
}
