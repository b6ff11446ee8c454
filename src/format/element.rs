//! Element and scale codes: decode every code of a format into a raw (sign, integer
//! significand, exponent) form, and encode exactly representable values back.

use super::spec::{ElemFormat, FpSpecials, ScaleFormat, E4M3, E5M3};

/// What kind of value a code holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Zero,
    Finite,
    Inf,
    NaN,
}

/// A decoded code: value = (-1)^sign * sig * 2^exp (for Zero and Finite).
///
/// For FP elements `sig` carries the hidden bit (normals) or not (subnormals) and has
/// `man_bits` fraction bits, so `exp` = unbiased exponent - man_bits; zeros and subnormals
/// use the unbiased exponent 1 - bias. For INT elements `sig` = |code| and `exp` = 0 (the
/// integer view; add [`ElemFormat::int_view_exp`] for the OCP view).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw {
    pub sign: bool,
    pub sig: u32,
    pub exp: i32,
    pub class: Class,
}

impl Raw {
    /// The exact value as f64 (all element and scale values fit exactly).
    pub fn to_f64(&self) -> f64 {
        let mag = match self.class {
            Class::NaN => return f64::NAN,
            Class::Inf => f64::INFINITY,
            Class::Zero => 0.0,
            Class::Finite => self.sig as f64 * (self.exp as f64).exp2(),
        };
        if self.sign {
            -mag
        } else {
            mag
        }
    }
}

impl ElemFormat {
    /// Number of distinct codes (2^bits).
    pub fn code_count(&self) -> u32 {
        1 << self.bits()
    }

    /// Decode a code (only the low `bits()` bits are read).
    pub fn decode(&self, code: u32) -> Raw {
        let code = code & (self.code_count() - 1);
        match *self {
            ElemFormat::Int { bits } => {
                let v = ((code << (32 - bits)) as i32) >> (32 - bits);
                let class = if v == 0 { Class::Zero } else { Class::Finite };
                Raw {
                    sign: v < 0,
                    sig: v.unsigned_abs(),
                    exp: 0,
                    class,
                }
            }
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                bias,
                specials,
            } => {
                let sign = (code >> (exp_bits + man_bits)) & 1 == 1;
                let e = (code >> man_bits) & ((1 << exp_bits) - 1);
                let m = code & ((1 << man_bits) - 1);
                let all_ones = (1 << exp_bits) - 1;
                let special = match specials {
                    FpSpecials::Finite => None,
                    FpSpecials::NanOnly if e == all_ones && m == (1 << man_bits) - 1 => {
                        Some(Class::NaN)
                    }
                    FpSpecials::NanOnly => None,
                    FpSpecials::Ieee if e == all_ones => {
                        Some(if m == 0 { Class::Inf } else { Class::NaN })
                    }
                    FpSpecials::Ieee => None,
                };
                if let Some(class) = special {
                    return Raw {
                        sign,
                        sig: 0,
                        exp: 0,
                        class,
                    };
                }
                let (sig, unbiased) = if e == 0 {
                    (m, 1 - bias)
                } else {
                    ((1 << man_bits) | m, e as i32 - bias)
                };
                let class = if sig == 0 { Class::Zero } else { Class::Finite };
                Raw {
                    sign,
                    sig,
                    exp: unbiased - man_bits as i32,
                    class,
                }
            }
        }
    }

    /// The value of a code in the element's own units (INT: the integer).
    pub fn value(&self, code: u32) -> f64 {
        self.decode(code).to_f64()
    }

    /// The code of an exactly representable value (positive zero for 0.0), or None.
    /// INT: the most negative code is never returned (symmetric clipping).
    pub fn encode_exact(&self, v: f64) -> Option<u32> {
        if v.is_nan() {
            return self.nan_code();
        }
        if v == 0.0 {
            return Some(0);
        }
        (0..self.code_count())
            .filter(|&c| !(self.is_int() && c == 1 << (self.bits() - 1)))
            .find(|&c| self.value(c) == v)
    }

    /// The canonical positive NaN code, if the format has one.
    pub fn nan_code(&self) -> Option<u32> {
        match *self {
            ElemFormat::Int { .. } => None,
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                specials,
                ..
            } => match specials {
                FpSpecials::Finite => None,
                FpSpecials::NanOnly | FpSpecials::Ieee => Some((1 << (exp_bits + man_bits)) - 1),
            },
        }
    }

    /// The positive infinity code, if the format has one.
    pub fn inf_code(&self) -> Option<u32> {
        match *self {
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                specials: FpSpecials::Ieee,
                ..
            } => Some(((1 << exp_bits) - 1) << man_bits),
            _ => None,
        }
    }

    /// The code with the largest finite positive value.
    pub fn max_code(&self) -> u32 {
        match *self {
            ElemFormat::Int { bits } => (1 << (bits - 1)) - 1,
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                specials,
                ..
            } => {
                let top = (1 << (exp_bits + man_bits)) - 1;
                match specials {
                    FpSpecials::Finite => top,
                    FpSpecials::NanOnly => top - 1,
                    FpSpecials::Ieee => ((1 << exp_bits) - 1) * (1 << man_bits) - 1,
                }
            }
        }
    }

    /// The sign bit mask of a code.
    pub fn sign_mask(&self) -> u32 {
        1 << (self.bits() - 1)
    }
}

/// UE8M0 scale code 0xFF: NaN.
pub const UE8M0_NAN: u8 = 0xFF;

/// The scale code stored for every block of a format without a scale: UE8M0's 2^0, which is
/// also what the hardware ties its scale inputs to.
pub const NO_SCALE_CODE: u8 = 127;

impl ScaleFormat {
    /// Decode a scale code. UE8M0: 2^(code-127), 0xFF = NaN. E4M3: the FP8 value. UE5M3:
    /// the E5M3 value of the code with a zero sign bit (0xFF = NaN). No scale: 1 whatever the
    /// code (the quantizer stores [`NO_SCALE_CODE`] for every block).
    pub fn decode(&self, code: u8) -> Raw {
        match self {
            ScaleFormat::Unscaled => Raw {
                sign: false,
                sig: 1,
                exp: 0,
                class: Class::Finite,
            },
            ScaleFormat::Ue8m0 if code == UE8M0_NAN => Raw {
                sign: false,
                sig: 0,
                exp: 0,
                class: Class::NaN,
            },
            ScaleFormat::Ue8m0 => Raw {
                sign: false,
                sig: 1,
                exp: code as i32 - 127,
                class: Class::Finite,
            },
            ScaleFormat::E4m3 => E4M3.decode(code as u32),
            ScaleFormat::Ue5m3 => E5M3.decode(code as u32),
        }
    }

    pub fn value(&self, code: u8) -> f64 {
        self.decode(code).to_f64()
    }

    /// The UE8M0 code of 2^exp; None outside [-127, 127].
    pub fn ue8m0_code(exp: i32) -> Option<u8> {
        (-127..=127).contains(&exp).then(|| (exp + 127) as u8)
    }

    pub fn label(&self) -> &'static str {
        match self {
            ScaleFormat::Ue8m0 => "UE8M0",
            ScaleFormat::E4m3 => "E4M3",
            ScaleFormat::Ue5m3 => "UE5M3",
            ScaleFormat::Unscaled => "none",
        }
    }

    /// An FP8 value with a mantissa (E4M3, UE5M3) rather than a power of two (UE8M0).
    pub fn is_fp(&self) -> bool {
        matches!(self, ScaleFormat::E4m3 | ScaleFormat::Ue5m3)
    }

    /// The NaN code a block holding NaN or Inf gets (UE8M0 0xFF, E4M3 0x7F, UE5M3 0xFF);
    /// `None` for a format without a scale, which has no code to carry it.
    pub fn nan_code(&self) -> Option<u8> {
        match self {
            ScaleFormat::Unscaled => None,
            ScaleFormat::Ue8m0 | ScaleFormat::Ue5m3 => Some(0xFF),
            ScaleFormat::E4m3 => Some(0x7F),
        }
    }

    /// The largest finite scale value (2^127, 448, 114688; 1 without a scale).
    pub fn max_value(&self) -> f64 {
        match self {
            ScaleFormat::Unscaled => 1.0,
            ScaleFormat::Ue8m0 => 127f64.exp2(),
            ScaleFormat::E4m3 => 448.0,
            ScaleFormat::Ue5m3 => 114_688.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::spec::{E2M1, E2M3, E3M2, E5M2};

    fn all_values(f: ElemFormat) -> Vec<f64> {
        (0..f.code_count()).map(|c| f.value(c)).collect()
    }

    #[test]
    fn e2m1_codes_are_the_fp4_grid() {
        let want: [f64; 16] = [
            0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0,
        ];
        let got = all_values(E2M1);
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.to_bits(), w.to_bits());
        }
    }

    #[test]
    fn e4m3_specials_and_extremes() {
        assert!(E4M3.value(0x7F).is_nan());
        assert!(E4M3.value(0xFF).is_nan());
        assert_eq!(E4M3.value(0x7E), 448.0);
        assert_eq!(E4M3.value(0x01), (-9f64).exp2());
        assert_eq!(E4M3.value(0x08), (-6f64).exp2());
        assert_eq!(E4M3.max_code(), 0x7E);
        // UE5M3: the positive half of E5M3.
        let u = ScaleFormat::Ue5m3;
        assert!(u.value(0xFF).is_nan());
        assert_eq!(u.value(0xFE), u.max_value());
        assert_eq!(u.value(0x01), (-17f64).exp2());
        assert_eq!(u.value(0x08), (-14f64).exp2());
        assert_eq!(u.value(0x78), 1.0);
        assert_eq!(u.value(0), 0.0);
        assert!((0..0xFE).all(|c| u.value(c) < u.value(c + 1)));
        assert_eq!(E4M3.nan_code(), Some(0x7F));
    }

    #[test]
    fn e5m2_has_ieee_infinities() {
        assert_eq!(E5M2.value(0x7C), f64::INFINITY);
        assert_eq!(E5M2.value(0xFC), f64::NEG_INFINITY);
        assert!(E5M2.value(0x7D).is_nan());
        assert_eq!(E5M2.value(0x7B), 57344.0);
        assert_eq!(E5M2.value(0x01), (-16f64).exp2());
        assert_eq!(E5M2.max_code(), 0x7B);
    }

    #[test]
    fn fp6_extremes() {
        assert_eq!(E2M3.value(0x1F), 7.5);
        assert_eq!(E2M3.value(0x01), 0.125);
        assert_eq!(E3M2.value(0x1F), 28.0);
        assert_eq!(E3M2.value(0x01), 0.0625);
    }

    #[test]
    fn int_codes_are_twos_complement() {
        let i8f = ElemFormat::Int { bits: 8 };
        assert_eq!(i8f.value(0x7F), 127.0);
        assert_eq!(i8f.value(0x81), -127.0);
        assert_eq!(i8f.value(0x80), -128.0);
        assert_eq!(i8f.encode_exact(-127.0), Some(0x81));
        assert_eq!(i8f.encode_exact(-128.0), None);
        assert_eq!(i8f.int_view_exp(), -6);
    }

    #[test]
    fn encode_exact_round_trips_every_finite_code() {
        for f in [
            E4M3,
            E5M2,
            E2M3,
            E3M2,
            E2M1,
            ElemFormat::Int { bits: 4 },
            ElemFormat::Int { bits: 6 },
        ] {
            for c in 0..f.code_count() {
                let v = f.value(c);
                if v.is_nan() || v.is_infinite() || (f.is_int() && c == f.sign_mask()) {
                    continue;
                }
                let back = f.encode_exact(v).unwrap();
                // -0 encodes as +0 by contract; everything else round-trips.
                if v == 0.0 {
                    assert_eq!(back, 0);
                } else {
                    assert_eq!(back, c, "{f:?} code {c:#x}");
                }
            }
        }
    }

    #[test]
    fn ue8m0_extremes() {
        assert_eq!(ScaleFormat::Ue8m0.value(0), (-127f64).exp2());
        assert_eq!(ScaleFormat::Ue8m0.value(0xFE), 127f64.exp2());
        assert!(ScaleFormat::Ue8m0.value(0xFF).is_nan());
        assert_eq!(ScaleFormat::ue8m0_code(128), None);
    }
}
