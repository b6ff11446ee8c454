//! The bit-exact software quantizer: block scales (`ocp`, `floor`, `ceil`, `rceil`,
//! `torchao-ceil`, `even`, `nv`, `nv-study`), element rounding (`rne`, `away`, `floor`,
//! `stochastic`), codes, the packed encoding, Hadamard rotation, QSNR.
//!
//! # The rules side by side
//!
//! | rule | who uses it | block exponent (OCP view) | clips the block max |
//! |---|---|---|---|
//! | `ocp` | OCP MX spec as microxcaling codes it | floor(fl32(log2 amax)) - emax | yes |
//! | `floor` | torchao FLOOR | floor(log2 amax) - emax, from the exponent bits | yes |
//! | `ceil` | the study (default) | ceil(fl32(log2 fl32(amax / Qmax))) | no |
//! | `rceil` | torchao RCEIL (cuBLAS's rule) | as `ceil`; zeros keep their sign | no |
//! | `torchao-ceil` | torchao CEIL | ceil(log2 amax) - emax, from the bits | no |
//! | `even` | torchao EVEN | floor of amax rounded to the element's mantissa width | sometimes |
//! | `nv` | NVIDIA NVFP4 | E4M3(s_b / s_t) * s_t in FP32 | no |
//! | `nv-study` | the study (default for NV) | the same in bf16 | no |
//!
//! `ocp` and `floor` differ only where FP32 log2 rounds to an integer (amax within a few ulps
//! below 2^k, |k| >= 2) and in that `ocp` keeps microxcaling's rounding artefact at 0.5 - 2^-25;
//! `rceil` and `ceil` differ only in the sign of zero results of FP elements.
//!
//! # Semantics
//!
//! A tensor is a flat `&[f32]` of rows of `row_len` values; blocks of `K` (the format's block
//! size, or `QuantOptions::block`) run along each row, and the last block of a row is
//! zero-padded for the scale computation only. Every step below is an FP32 operation of the
//! reference code or is exact; the results are compared bit for bit in the tests
//! (`tests/data/golden_quantize.json`, re-derived in exact arithmetic by
//! `tests/data/gen_golden.py`).
//!
//! **Scale exponent view.** UE8M0 scale codes are always in the OCP view: an INT element
//! code `k` of `b` bits means `k * 2^-(b-2)`, so a block's value is `k * 2^-(b-2) * 2^(code -
//! 127)`. The element codes themselves are the plain integers (`-127..=127` for INT8).
//!
//! **`ocp`** (microxcaling `_quantize_mx`, python path, `scale_bits=8`):
//! `e = floor(fl32(log2(amax))) - emax`, with `emax` in the OCP view (`floor(log2(Qmax))`
//! for FP: 8 E4M3, 15 E5M2, 2 E2M3, 4 E3M2, 2 E2M1; 0 for every INT) and `amax = 0` taken as
//! 2^-126. `e > 127` gives the NaN scale, `e < -127` is raised to -127. Elements above the
//! element max after scaling saturate (this rule can clip the block max). Element rounding
//! reproduces microxcaling's arithmetic: `away` is its `round="nearest"`
//! (`floor(fl32(|x| + 0.5))`), `rne` its `round="even"`; both send the element-unit value
//! 0.5 - 2^-25 to 1 (FP32 rounding of `x + 0.5`), which this rule keeps.
//!
//! **`ceil`** (the study's `int_quant` / `fp_quant`, `e8_scale=True, e8_scale_op="ceil"`):
//! `s = fl32(amax / Qmax)`, `e = ceil(fl32(log2(s)))` clamped to [-127, 127] in the element's
//! own units (the integer view for INT, so the OCP-view code is `e + (b-2) + 127`; the two
//! rules' clamps differ for amax below about 2^-120). The OCP-view exponent is also held at
//! 127, which binds only for INT blocks with amax above ~2^127.9. Nothing clips otherwise.
//! Rounding is exact (torch.round is RNE; `away` is exact half-away-from-zero here).
//! The study's code clamps every scale to [1e-25, 1e25] (about 2^-83..2^83, not powers of
//! two) and uses an epsilon of 1e-25 for all-zero FP blocks; hwcost does not: it equals the
//! study bit for bit wherever that clamp does not bind.
//!
//! **FP32 log2.** Both references take `torch.log2` in FP32, which rounds 2^k * m to an
//! integer when m is within a few FP32 ulps of 1 or 2 and |k| >= 2 (e.g. amax =
//! 4 * (1 - 2^-24) gives floor(fl32(log2)) = 2, not 1). hwcost matches the FP32 log2 (it is
//! correctly rounded there; `scale::Log2Tables`), not the exact exponent, so that it is bit
//! exact with both references. An extreme consequence, kept: under `ocp`, an INT block with
//! amax in [2^128 * (1 - 2^-18), 2^128) gets floor(log2) = 128 > 127, the NaN scale, exactly
//! as in microxcaling; an FP block whose amax rounds to log2 = 128 (e.g. FP32 max) has its
//! largest elements round up to 2^128 = +Inf.
//!
//! **`floor`, `torchao-ceil`, `even`** (torchao `to_mx`, released 0.18.0): the exponent
//! field of amax minus 127 (zero and FP32-subnormal amax give -127), `torchao-ceil` adding one
//! when a mantissa bit is set, `even` first adding 2^(22 - M) to the bits of amax and dropping
//! the mantissa (amax rounded half up to M mantissa bits, M the element's, b - 2 for INT),
//! minus emax (OCP view), clamped below at -127. Elements are `V * 2^-e` rounded exactly, and
//! zero results keep the input's sign (torchao's casts keep the sign bit). Two deliberate
//! differences from torchao 0.18.0: a block holding Inf gets the NaN scale (torchao gives it a
//! finite one), and a block of scale code 0 is scaled by 2^-127 (torchao divides by 2^-126
//! there, RCEIL multiplies by 1, but both label and dequantize it with 2^-127).
//! `tests/data/golden_torchao.json` holds torchao's own outputs for every mode it has.
//!
//! **`rceil`**: torchao 0.18.0's RCEIL on the CPU, ceil(fl32(log2(fl32(amax / Qmax)))), is the
//! `ceil` scale; cuBLAS's hardware conversion rounds the quotient up exactly, which differs
//! from the FP32 log2 only for quotients within a few ulps above 2^k. Zeros keep their sign.
//!
//! **Element rounding.** `rne` and `away` as above; `floor` truncates toward zero
//! (microxcaling's `floor`); `stochastic` rounds the element-unit magnitude u up with
//! probability u - trunc(u) using a 32-bit draw hashed from `seed` and the element's index in
//! the tensor (the row-major index of the rows being quantized), so a result does not depend
//! on threads or chunking. Neither has the 0.5 - 2^-25 artefact.
//!
//! **NV two-level scale** (blocks of 16): `s_b = fl32(amax_b / Qmax)`, per tensor `s_t =
//! fl32(max_b(s_b) / 448)`, block code `E4M3_RNE(fl32(s_b / s_t))` (saturating at 448).
//! `nv`: `S_b = fl32(s_t * E4M3(code))`. `nv-study` (the study's `scale_quant=True`):
//! `S_b = bf16(bf16(s_t) * E4M3(code))`. Elements: `q = fl32(V / S_b)`, rounded exactly
//! (`rne` default). A UE5M3 block scale (user formats) goes the same way with 114688 in
//! place of 448 and UE5M3 RNE in place of E4M3's. Blocks holding NaN or Inf are left out of
//! `s_t` and get the NaN code (E4M3 0x7F, UE5M3 0xFF); an all-zero tensor has `s_t = 0` and
//! zero codes; a block whose code is zero (its scale underflows) dequantizes to +0 with
//! element codes 0.
//!
//! **Outputs** are `fl32(P * X)` (MX: `(P_elem * 2^-(b-2)) * 2^e` for INT, so exactly the
//! reference's two operations; NV: `P * S_b`), which rounds only when the result leaves the
//! FP32 range or becomes subnormal.
//!
//! **Specials.** A block holding NaN or Inf gets the NaN scale (UE8M0 0xFF, E4M3 0x7F, UE5M3
//! 0xFF) and all its outputs are NaN (0x7FC00000), as microxcaling does (its log2 of amax is
//! NaN / +Inf). FP32-subnormal inputs are ordinary values (no flushing). Zeros: a result that
//! rounds to zero is -0.0 when the FP32 quotient `V / X` is negative and nonzero, +0.0 otherwise
//! (reference: `sign(x) * ...`), except for INT elements under `ceil` / `nv-study`, where it
//! keeps the input's sign bit (the study's `torch.round(x / s)`, so -0.0 stays -0.0). INT
//! codes have no negative zero: decoding the code gives +0 where `values` hold -0.0.
//!
//! # Packed encoding
//! See [`packed`] for the binary layout of `--packed`.
//!
//! # Implementation
//! Each row is done in two sweeps: every block's amax (an integer max over the f32 bits, so
//! NaN and Inf are found in the same pass) and scale, then the elements, while the row is in
//! cache. The element kernel ([`round`]) works on f32 bit patterns: exponents come from the
//! bits (no log2), rounding is the 2^23 magic constant or a truncating conversion, and the
//! FP32-log2 behaviour of the references is a per-exponent threshold table. One loop is
//! monomorphized per (scale rule, element kind, rounding, codes wanted), and each exists
//! twice: portable scalar code, and AVX2 intrinsics chosen at run time. Both perform the same
//! IEEE operations, so they agree bit for bit ([`quantize_portable`] runs the scalar one; the
//! tests compare them). NV formats read the tensor once more first: s_t needs max |V| over
//! the whole tensor. Nothing is allocated per element or per block.

pub mod bench;
pub mod bench_io;
pub mod cli;
pub mod hadamard;
pub mod packed;
pub mod round;
pub mod scale;
pub mod stream;

use serde::Serialize;

use self::round::{amax_bits, quantize_block, BlockParams, ElemKernel, HALF_MINUS};
use super::spec::{BlockFormat, ElemFormat, ScaleFormat};

/// How the block scale is chosen (see the module docs). The names are those of the
/// ecosystems that use them; `hwcost quantize --help` lists them side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleRule {
    /// microxcaling / OCP: floor(fl32(log2(amax))) - emax (can clip the block max).
    Ocp,
    /// torchao FLOOR: floor(log2(amax)) - emax from the exponent bits of amax.
    Floor,
    /// The study: ceil(fl32(log2(fl32(amax / Qmax)))) (never clips).
    Ceil,
    /// torchao RCEIL (cuBLAS's rule as torchao computes it on the CPU): the `ceil` scale,
    /// with zeros keeping their sign as torchao's casts do.
    Rceil,
    /// torchao CEIL: ceil(log2(amax)) - emax from the exponent bits of amax.
    TorchaoCeil,
    /// torchao EVEN: amax rounded to the element's mantissa width, then floor - emax.
    Even,
    /// NV two-level: E4M3 block scale times the FP32 per-tensor scale, in FP32.
    Nv,
    /// NV two-level as the study's code does it: both factors and the product in bf16.
    NvStudy,
}

/// How an element is rounded to the element grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Round to nearest, ties to even.
    Rne,
    /// Round to nearest, ties away from zero (microxcaling's "nearest").
    Away,
    /// Truncate toward zero (microxcaling's "floor").
    Floor,
    /// Stochastic: up with probability equal to the fraction, from a counter-based stream
    /// keyed by `--seed` and the element's position (independent of threads and chunks).
    Stochastic,
}

/// The default scale rules, stated once: the study's, `ceil` for UE8M0 scales and
/// `nv-study` for E4M3 and UE5M3 scales. Every shipped report reproduces the study, so its
/// rules are the default of `quantize`, `qsnr --measure`, `compare` and `report` alike; README
/// says why.
pub const DEFAULT_RULES: DefaultRules = DefaultRules {
    ue8m0: ScaleRule::Ceil,
    e4m3: ScaleRule::NvStudy,
};

/// The default rule per scale format (see [`DEFAULT_RULES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefaultRules {
    pub ue8m0: ScaleRule,
    pub e4m3: ScaleRule,
}

impl ScaleRule {
    pub fn name(&self) -> &'static str {
        match self {
            ScaleRule::Ocp => "ocp",
            ScaleRule::Floor => "floor",
            ScaleRule::Ceil => "ceil",
            ScaleRule::Rceil => "rceil",
            ScaleRule::TorchaoCeil => "torchao-ceil",
            ScaleRule::Even => "even",
            ScaleRule::Nv => "nv",
            ScaleRule::NvStudy => "nv-study",
        }
    }

    /// Every rule, in the order of the docs.
    pub const ALL: [ScaleRule; 8] = [
        ScaleRule::Ocp,
        ScaleRule::Floor,
        ScaleRule::Ceil,
        ScaleRule::Rceil,
        ScaleRule::TorchaoCeil,
        ScaleRule::Even,
        ScaleRule::Nv,
        ScaleRule::NvStudy,
    ];

    /// The default rule of a format ([`DEFAULT_RULES`]).
    pub fn default_for(fmt: &BlockFormat) -> ScaleRule {
        if fmt.is_nv() {
            DEFAULT_RULES.e4m3
        } else {
            DEFAULT_RULES.ue8m0
        }
    }

    /// Whether the rule applies to the format's scale (UE8M0 rules for MX, NV rules for E4M3).
    pub fn fits(&self, fmt: &BlockFormat) -> bool {
        scale::rule_fits(*self, fmt)
    }
}

impl Rounding {
    pub fn name(&self) -> &'static str {
        match self {
            Rounding::Rne => "rne",
            Rounding::Away => "away",
            Rounding::Floor => "floor",
            Rounding::Stochastic => "stochastic",
        }
    }
}

/// Options of one quantization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuantOptions {
    pub scale_rule: ScaleRule,
    pub round: Rounding,
    /// Block size override (None: the format's block size).
    pub block: Option<usize>,
    /// Seed of `Rounding::Stochastic` (ignored by the other roundings).
    pub seed: u64,
}

impl QuantOptions {
    /// The defaults: [`DEFAULT_RULES`], `rne`, the format's block size.
    pub fn default_for(fmt: &BlockFormat) -> Self {
        QuantOptions {
            scale_rule: ScaleRule::default_for(fmt),
            round: Rounding::Rne,
            block: None,
            seed: 0,
        }
    }

    /// The block size in effect.
    pub fn block_size(&self, fmt: &BlockFormat) -> usize {
        self.block.unwrap_or(fmt.block)
    }
}

/// Errors of the quantizer (all of them are about the caller's input).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QuantError {
    #[error("scale rule '{}' does not fit format '{format}' ({} scale); use {}", rule.name(), scale, if *nv { "nv or nv-study" } else { "ocp, floor, ceil, rceil, torchao-ceil or even" })]
    RuleMismatch {
        rule: ScaleRule,
        format: String,
        scale: &'static str,
        nv: bool,
    },
    #[error("block size must be 1..=1024, got {0}")]
    BadBlock(usize),
    #[error("row length must be at least 1, got 0")]
    ZeroRowLen,
    #[error("data length {len} is not a multiple of the row length {row_len}")]
    RaggedRows { len: usize, row_len: usize },
    #[error("output buffer holds {got} values, the input {want}")]
    OutputLen { got: usize, want: usize },
    #[error("format '{format}' cannot be quantized in FP32: {why}")]
    Unsupported { format: String, why: String },
    #[error("format '{format}' has no block scale to carry NaN or Inf, and the input holds one: a format without a scale quantizes finite data only")]
    NonFinite { format: String },
    #[error("Hadamard rotation needs a power-of-two block size, got {0}")]
    RotationBlock(usize),
    #[error("Hadamard rotation needs the row length {row_len} to be a multiple of the block size {block}")]
    RotationRow { row_len: usize, block: usize },
}

/// Shape of a quantized tensor in blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLayout {
    pub rows: usize,
    pub row_len: usize,
    pub block: usize,
    pub blocks_per_row: usize,
}

impl BlockLayout {
    pub fn blocks(&self) -> usize {
        self.rows * self.blocks_per_row
    }
}

/// How element codes are stored: `u8` for elements of up to 8 bits (every built-in format),
/// `u16` for up to 16 (INT9..16, FP layouts such as E5M10), `u32` for the wider FP layouts
/// (E6M10, E7M9, E7M10) in memory only: files hold codes of at most [`MAX_CODE_BITS`] bits.
pub trait ElemCode: bytemuck::Pod + Default + Send + Sync + std::fmt::Debug + PartialEq {
    /// The widest element code this type holds.
    const BITS: u32;
    /// A code of at most [`Self::BITS`] bits.
    fn from_code(code: u32) -> Self;
    fn code(self) -> u32;
}

macro_rules! elem_code {
    ($($t:ty),*) => {$(
        impl ElemCode for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn from_code(code: u32) -> Self {
                code as $t
            }
            #[inline(always)]
            fn code(self) -> u32 {
                self.into()
            }
        }
    )*};
}
elem_code!(u8, u16, u32);

/// The widest element code written to files (`--codes`, `--packed`, the Python arrays).
pub const MAX_CODE_BITS: u32 = <u16 as ElemCode>::BITS;

/// A quantized tensor: dequantized values and the real encoding, element codes stored as `C`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantized<C = u8> {
    /// Dequantized values, same length and order as the input.
    pub values: Vec<f32>,
    /// One element code per block position, `layout.blocks() * layout.block` of them, block
    /// after block (padded positions past a row's end hold code 0). Low `bits` bits used.
    pub elem_codes: Vec<C>,
    /// One scale code per block (UE8M0 in the OCP view, or E4M3 / UE5M3 for NV), row-major.
    pub scale_codes: Vec<u8>,
    /// NV per-tensor FP32 scale s_t (1.0 for MX formats).
    pub tensor_scale: f32,
    pub layout: BlockLayout,
}

/// Quantize `data` (rows of `row_len` values) and return the dequantized values with the codes
/// as bytes (elements of up to 8 bits; [`quantize_codes`] takes wider ones).
pub fn quantize(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
) -> Result<Quantized, QuantError> {
    quantize_codes::<u8>(fmt, opts, data, row_len)
}

/// [`quantize`] with the element codes stored as `C` (`u16` for elements of 9..16 bits).
pub fn quantize_codes<C: ElemCode>(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
) -> Result<Quantized<C>, QuantError> {
    quantize_on::<C>(fmt, opts, data, row_len, false)
}

/// [`quantize`] on the portable scalar kernels even where AVX2 is available: the two must
/// agree bit for bit, and the tests check that they do.
#[doc(hidden)]
pub fn quantize_portable<C: ElemCode>(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
) -> Result<Quantized<C>, QuantError> {
    quantize_on::<C>(fmt, opts, data, row_len, true)
}

/// [`quantize_codes`], on the portable kernels when `portable` (else on the AVX2 ones where
/// the CPU has AVX2, as every plan runs).
fn quantize_on<C: ElemCode>(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
    portable: bool,
) -> Result<Quantized<C>, QuantError> {
    check_code_width::<C>(fmt)?;
    let mut plan = Plan::new(fmt, opts, data.len(), row_len)?;
    plan.check_finite(data)?;
    if portable {
        plan.simd = false;
    }
    let mut values = vec![0f32; data.len()];
    let mut elem_codes = vec![C::default(); plan.layout.blocks() * plan.layout.block];
    let mut scale_codes = vec![0u8; plan.layout.blocks()];
    let tensor_scale = plan.run(data, &mut values, Some((&mut elem_codes, &mut scale_codes)));
    Ok(Quantized {
        values,
        elem_codes,
        scale_codes,
        tensor_scale,
        layout: plan.layout,
    })
}

/// Quantize one piece of a larger tensor, for streaming: `data` holds whole rows of
/// `row_len` values (or whole blocks at the start of one row, `row_len` then being the piece's
/// length), the first at tensor index `offset`. NV formats take `tensor_amax`, the tensor's
/// [`tensor_amax`], so that every piece shares the tensor scale; MX formats ignore it. With
/// `codes`, the element and scale codes of the piece's blocks are written. Returns the
/// per-tensor scale. Concatenating the pieces' outputs gives [`quantize`]'s, bit for bit.
#[allow(clippy::too_many_arguments)]
pub fn quantize_piece<C: ElemCode>(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
    offset: u64,
    tensor_amax: u32,
    out: &mut [f32],
    codes: Option<(&mut [C], &mut [u8])>,
) -> Result<f32, QuantError> {
    if out.len() != data.len() {
        return Err(QuantError::OutputLen {
            got: out.len(),
            want: data.len(),
        });
    }
    if codes.is_some() {
        check_code_width::<C>(fmt)?;
    }
    let mut plan = Plan::new(fmt, opts, data.len(), row_len)?;
    plan.check_finite(data)?;
    if let Some((e, s)) = &codes {
        let blocks = plan.layout.blocks();
        if e.len() != blocks * plan.layout.block || s.len() != blocks {
            return Err(QuantError::OutputLen {
                got: e.len(),
                want: blocks * plan.layout.block,
            });
        }
    }
    plan.offset = offset;
    plan.tensor_amax = Some(tensor_amax);
    Ok(plan.run(data, out, codes))
}

/// The largest block max |V| (as f32 bits) over the blocks of `data` (rows of `row_len`,
/// blocks of `block`) that hold no NaN or Inf: what the NV per-tensor scale is taken from.
/// Pieces combine by `max`.
pub fn tensor_amax(data: &[f32], row_len: usize, block: usize) -> u32 {
    if row_len == 0 || block == 0 {
        return 0;
    }
    // All finite (the common case): every block counts, and one streaming max is the answer.
    let all = amax_all(data, avx2_available());
    if all < 0x7F80_0000 {
        return all;
    }
    data.chunks(row_len)
        .flat_map(|row| row.chunks(block).map(amax_bits))
        .filter(|&a| a < 0x7F80_0000)
        .max()
        .unwrap_or(0)
}

/// Whether `C` holds the format's element codes (see [`code_width_error`]).
pub fn check_code_width<C: ElemCode>(fmt: &BlockFormat) -> Result<(), QuantError> {
    match code_width_error(fmt, C::BITS) {
        Some(why) => Err(QuantError::Unsupported {
            format: fmt.name.clone(),
            why,
        }),
        None => Ok(()),
    }
}

/// Why element codes of `fmt` cannot be stored in `width`-bit codes, if they cannot.
pub fn code_width_error(fmt: &BlockFormat, width: u32) -> Option<String> {
    let bits = fmt.elem.bits();
    if bits <= width {
        None
    } else if bits <= MAX_CODE_BITS {
        Some(format!(
            "its {bits}-bit element codes need 16-bit codes, not {width}-bit ones"
        ))
    } else {
        Some(format!(
            "its {bits}-bit element codes are wider than the {MAX_CODE_BITS} bits codes are \
             written at (quantize-dequantize works; only codes are refused)"
        ))
    }
}

/// Quantize and dequantize, returning only the values (no codes are kept).
pub fn quantize_dequantize(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
) -> Result<Vec<f32>, QuantError> {
    let mut out = vec![0f32; data.len()];
    quantize_dequantize_into(fmt, opts, data, row_len, &mut out)?;
    Ok(out)
}

/// Quantize and dequantize into a caller buffer of the same length as `data`.
pub fn quantize_dequantize_into(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
    out: &mut [f32],
) -> Result<(), QuantError> {
    if out.len() != data.len() {
        return Err(QuantError::OutputLen {
            got: out.len(),
            want: data.len(),
        });
    }
    let plan = Plan::new(fmt, opts, data.len(), row_len)?;
    plan.check_finite(data)?;
    plan.run::<u8>(data, out, None);
    Ok(())
}

/// QSNR in dB: -10 log10(||x - xq||^2 / ||x||^2), summed in f64 over the positions where x is
/// finite. +inf when the error is zero; -inf when xq is not finite where x is; NaN when x
/// has no energy but the error does.
pub fn qsnr_db(x: &[f32], xq: &[f32]) -> f64 {
    let mut sums = QsnrSums::default();
    sums.add(x, xq);
    sums.db()
}

/// The sums behind [`qsnr_db`], for a tensor seen in pieces: `add` each piece, `merge` the
/// pieces in order. (Summed in pieces, the result can differ from one [`qsnr_db`] call in
/// the last bits of the f64 sums.)
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QsnrSums {
    pub signal: f64,
    pub error: f64,
}

impl QsnrSums {
    /// Add the positions of a piece (x finite).
    ///
    /// Summed in [`LANES`](Self::LANES) interleaved running sums, combined at the end: one
    /// chain of dependent f64 adds would hold the loop to one element per add latency, while
    /// independent lanes vectorize (the order is fixed, so the result is reproducible).
    pub fn add(&mut self, x: &[f32], xq: &[f32]) {
        const L: usize = QsnrSums::LANES;
        let n = x.len().min(xq.len());
        let (x, xq) = (&x[..n], &xq[..n]);
        let mut signal = [0f64; L];
        let mut error = [0f64; L];
        // A non-finite input position adds zero to both sums.
        let term = |a: f32, b: f32| {
            let keep = a.is_finite();
            let a = if keep { a as f64 } else { 0.0 };
            let b = if keep { b as f64 } else { 0.0 };
            let d = a - b;
            (a * a, d * d)
        };
        let mut xs = x.chunks_exact(L);
        let mut ys = xq.chunks_exact(L);
        for (a, b) in (&mut xs).zip(&mut ys) {
            for i in 0..L {
                let (s, e) = term(a[i], b[i]);
                signal[i] += s;
                error[i] += e;
            }
        }
        for (i, (&a, &b)) in xs.remainder().iter().zip(ys.remainder()).enumerate() {
            let (s, e) = term(a, b);
            signal[i] += s;
            error[i] += e;
        }
        self.signal += signal.iter().sum::<f64>();
        self.error += error.iter().sum::<f64>();
    }

    /// Interleaved running sums of [`add`](Self::add).
    pub const LANES: usize = 8;

    /// Add another piece's sums.
    pub fn merge(&mut self, o: &QsnrSums) {
        self.signal += o.signal;
        self.error += o.error;
    }

    /// QSNR in dB (see [`qsnr_db`]).
    pub fn db(&self) -> f64 {
        if self.error == 0.0 {
            f64::INFINITY
        } else if !self.error.is_finite() {
            f64::NEG_INFINITY
        } else {
            -10.0 * (self.error / self.signal).log10()
        }
    }
}

/// Everything decided before the first block: the checked layout and the kernel constants.
struct Plan<'a> {
    fmt: &'a BlockFormat,
    rule: ScaleRule,
    round: Rounding,
    layout: BlockLayout,
    kernel: ElemKernel,
    /// Use the AVX2 kernels (the CPU has them and the caller did not ask for the portable
    /// path).
    simd: bool,
    /// Tensor index of `data[0]` (stochastic rounding draws by tensor index).
    offset: u64,
    /// NV: the whole tensor's [`tensor_amax`] when `data` is a piece of it.
    tensor_amax: Option<u32>,
}

/// A block scale rule, as the block loop sees it: every per-format constant hoisted, and the
/// rule itself a type so that each rule gets its own loop.
trait BlockScale {
    /// Elements are divided by an arbitrary FP32 scale (NV) rather than multiplied by powers
    /// of two.
    const DIV: bool;
    /// The scale code of a block whose max |V| has bits `amax`, and its parameters (`d` is
    /// NaN for the NaN scale and 0 for an NV scale that is zero).
    fn block(&self, amax: u32) -> (u8, BlockParams);

    /// The scales of a row's blocks, appended to `out`. SIMD: AVX2 may be used.
    #[inline(always)]
    fn row<const SIMD: bool>(&self, amaxes: &[u32], out: &mut Vec<(u8, BlockParams)>) {
        out.extend(amaxes.iter().map(|&a| self.block(a)));
    }
}

/// UE8M0 block parameters for a scale 2^e (OCP view): microxcaling's (V / 2^e) * 2^(b-2),
/// round, / 2^(b-2), * 2^e. The study (ceil) divides by 2^(e - (b-2)) once; the two agree
/// except when V / 2^e underflows, where the element rounds to zero either way and the
/// study's zero takes the input's sign anyway.
#[inline(always)]
fn ue8m0_params(e: Option<i32>, view: f32, inv_view: f32) -> (u8, BlockParams) {
    match e {
        Some(e) => (
            (e + 127) as u8,
            BlockParams {
                a: pow2(-e),
                b: view,
                d: 1.0,
                o1: inv_view,
                o2: pow2(e),
            },
        ),
        None => (
            super::element::UE8M0_NAN,
            BlockParams {
                a: 0.0,
                b: 0.0,
                d: f32::NAN,
                o1: 0.0,
                o2: 0.0,
            },
        ),
    }
}

/// No block scale: every block at 2^0 (the stored code is UE8M0's 127, what the hardware ties
/// its scale inputs to), so elements are rounded and saturated on their own grid. The callers
/// refuse non-finite input first ([`QuantError::NonFinite`]).
struct NoScale {
    view: f32,
    inv_view: f32,
}

impl BlockScale for NoScale {
    const DIV: bool = false;
    #[inline(always)]
    fn block(&self, _amax: u32) -> (u8, BlockParams) {
        ue8m0_params(Some(0), self.view, self.inv_view)
    }
}

struct OcpScale<'t> {
    tables: &'t scale::Log2Tables,
    emax_ocp: i32,
    view: f32,
    inv_view: f32,
}

impl BlockScale for OcpScale<'_> {
    const DIV: bool = false;
    #[inline(always)]
    fn block(&self, amax: u32) -> (u8, BlockParams) {
        ue8m0_params(
            scale::ocp_exponent_with(self.tables, self.emax_ocp, amax),
            self.view,
            self.inv_view,
        )
    }
}

struct CeilScale<'t> {
    tables: &'t scale::Log2Tables,
    qmax: f32,
    int_view_exp: i32,
    view: f32,
    inv_view: f32,
}

impl BlockScale for CeilScale<'_> {
    const DIV: bool = false;
    #[inline(always)]
    fn block(&self, amax: u32) -> (u8, BlockParams) {
        ue8m0_params(
            scale::ceil_exponent_with(self.tables, self.qmax, self.int_view_exp, amax),
            self.view,
            self.inv_view,
        )
    }
}

/// `floor`, `torchao-ceil` and `even`: the exponent from the bits of amax.
struct BitsScale {
    mode: scale::BitsMode,
    emax_ocp: i32,
    view: f32,
    inv_view: f32,
}

impl BlockScale for BitsScale {
    const DIV: bool = false;
    #[inline(always)]
    fn block(&self, amax: u32) -> (u8, BlockParams) {
        ue8m0_params(
            scale::bits_exponent(self.mode, self.emax_ocp, amax),
            self.view,
            self.inv_view,
        )
    }
}

struct NvScale {
    study: bool,
    /// E4M3 or UE5M3.
    scale: ScaleFormat,
    qmax: f32,
    /// The per-tensor scale, from a pass over the whole tensor before the block loop.
    s_t: f32,
}

impl BlockScale for NvScale {
    const DIV: bool = true;
    #[inline(always)]
    fn block(&self, amax: u32) -> (u8, BlockParams) {
        let (code, sb) = scale::nv_block_scale(self.study, self.scale, self.qmax, amax, self.s_t);
        nv_params(code, sb)
    }

    #[inline(always)]
    fn row<const SIMD: bool>(&self, amaxes: &[u32], out: &mut Vec<(u8, BlockParams)>) {
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if SIMD && self.scale == ScaleFormat::E4m3 {
            let mut codes = [0u8; 8];
            let mut sbs = [0f32; 8];
            while done + 8 <= amaxes.len() {
                // SAFETY: SIMD is only set by drive_avx2, which runs after the AVX2 check.
                unsafe {
                    scale::avx2::nv_block_scales(
                        self.study,
                        self.qmax,
                        &amaxes[done..done + 8],
                        self.s_t,
                        &mut codes,
                        &mut sbs,
                    )
                };
                out.extend(codes.iter().zip(&sbs).map(|(&c, &sb)| nv_params(c, sb)));
                done += 8;
            }
        }
        out.extend(amaxes[done..].iter().map(|&a| self.block(a)));
    }
}

#[inline(always)]
fn nv_params(code: u8, sb: f32) -> (u8, BlockParams) {
    (
        code,
        BlockParams {
            a: 0.0,
            b: 0.0,
            d: sb,
            o1: 1.0,
            o2: sb,
        },
    )
}

impl<'a> Plan<'a> {
    fn new(
        fmt: &'a BlockFormat,
        opts: &QuantOptions,
        len: usize,
        row_len: usize,
    ) -> Result<Self, QuantError> {
        if !scale::rule_fits(opts.scale_rule, fmt) {
            return Err(QuantError::RuleMismatch {
                rule: opts.scale_rule,
                format: fmt.name.clone(),
                scale: fmt.scale.label(),
                nv: fmt.is_nv(),
            });
        }
        let block = opts.block_size(fmt);
        if !(1..=1024).contains(&block) {
            return Err(QuantError::BadBlock(block));
        }
        if row_len == 0 {
            return Err(QuantError::ZeroRowLen);
        }
        if !len.is_multiple_of(row_len) {
            return Err(QuantError::RaggedRows { len, row_len });
        }
        let layout = BlockLayout {
            rows: len / row_len,
            row_len,
            block,
            blocks_per_row: row_len.div_ceil(block),
        };
        let kernel = kernel_for(fmt, opts)?;
        Ok(Plan {
            fmt,
            rule: opts.scale_rule,
            round: opts.round,
            layout,
            kernel,
            simd: avx2_available(),
            offset: 0,
            tensor_amax: None,
        })
    }

    /// A format without a scale has no code for a block holding NaN or Inf: refuse them.
    fn check_finite(&self, data: &[f32]) -> Result<(), QuantError> {
        if self.fmt.scale == ScaleFormat::Unscaled && !all_finite(data) {
            return Err(QuantError::NonFinite {
                format: self.fmt.name.clone(),
            });
        }
        Ok(())
    }

    /// Quantize every block; returns the per-tensor scale (1.0 for MX and unscaled formats).
    fn run<C: ElemCode>(
        &self,
        data: &[f32],
        out: &mut [f32],
        codes: Option<(&mut [C], &mut [u8])>,
    ) -> f32 {
        let elem = self.fmt.elem;
        let view = match elem {
            ElemFormat::Int { bits } => pow2(bits as i32 - 2),
            ElemFormat::Fp { .. } => 1.0,
        };
        if self.fmt.scale == ScaleFormat::Unscaled {
            let s = NoScale {
                view,
                inv_view: 1.0 / view,
            };
            self.run_with(&s, data, out, codes);
            return 1.0;
        }
        let tables = scale::Log2Tables::get();
        let qmax = elem.max_value() as f32;
        match self.rule {
            ScaleRule::Ocp => {
                let s = OcpScale {
                    tables,
                    emax_ocp: elem.emax() + elem.int_view_exp(),
                    view,
                    inv_view: 1.0 / view,
                };
                self.run_with(&s, data, out, codes);
                1.0
            }
            ScaleRule::Ceil | ScaleRule::Rceil => {
                let s = CeilScale {
                    tables,
                    qmax,
                    int_view_exp: elem.int_view_exp(),
                    view,
                    inv_view: 1.0 / view,
                };
                self.run_with(&s, data, out, codes);
                1.0
            }
            ScaleRule::Floor | ScaleRule::TorchaoCeil | ScaleRule::Even => {
                let mode = match self.rule {
                    ScaleRule::Floor => scale::BitsMode::Floor,
                    ScaleRule::TorchaoCeil => scale::BitsMode::Ceil,
                    _ => scale::BitsMode::Even {
                        mbits: match elem {
                            ElemFormat::Int { bits } => bits.saturating_sub(2).min(22),
                            ElemFormat::Fp { man_bits, .. } => man_bits.min(22),
                        },
                    },
                };
                let s = BitsScale {
                    mode,
                    emax_ocp: elem.emax() + elem.int_view_exp(),
                    view,
                    inv_view: 1.0 / view,
                };
                self.run_with(&s, data, out, codes);
                1.0
            }
            ScaleRule::Nv | ScaleRule::NvStudy => {
                // s_t = fl32(max_b fl32(amax_b / Qmax) / 448) needs the whole tensor first. As
                // x -> fl32(x / Qmax) is monotone, max_b s_b is fl32(max |V| / Qmax): one
                // streaming max suffices unless some block holds NaN or Inf (those blocks are
                // left out of s_t), and then every block's amax is taken.
                let all = self
                    .tensor_amax
                    .unwrap_or_else(|| amax_all(data, self.simd));
                let s_t = if all < 0x7F80_0000 {
                    scale::nv_tensor_scale(self.fmt.scale, qmax, &[all])
                } else {
                    let BlockLayout { row_len, block, .. } = self.layout;
                    let amaxes: Vec<u32> = data
                        .chunks(row_len)
                        .flat_map(|row| row.chunks(block).map(amax_bits))
                        .collect();
                    scale::nv_tensor_scale(self.fmt.scale, qmax, &amaxes)
                };
                let s = NvScale {
                    study: self.rule == ScaleRule::NvStudy,
                    scale: self.fmt.scale,
                    qmax,
                    s_t,
                };
                self.run_with(&s, data, out, codes);
                s_t
            }
        }
    }

    /// Pick the monomorphized loop for (element kind, rounding, codes) and the ISA.
    fn run_with<S: BlockScale, C: ElemCode>(
        &self,
        sc: &S,
        data: &[f32],
        out: &mut [f32],
        codes: Option<(&mut [C], &mut [u8])>,
    ) {
        let (ecodes, scodes, with_codes): (&mut [C], &mut [u8], bool) = match codes {
            Some((e, s)) => (e, s, true),
            None => (&mut [], &mut [], false),
        };
        let avx2 = self.simd;
        let round = match self.round {
            Rounding::Rne => round::RNE,
            Rounding::Away => round::AWAY,
            Rounding::Floor => round::TRUNC,
            Rounding::Stochastic => round::STOCH,
        };
        macro_rules! go {
            ($($int:literal $round:path, $codes:literal);*) => {
                match (self.fmt.elem.is_int(), round, with_codes) {
                    $(($int, $round, $codes) => {
                        #[cfg(target_arch = "x86_64")]
                        if avx2 {
                            // SAFETY: the CPU supports AVX2 (checked at run time just above).
                            unsafe { drive_avx2::<S, C, $int, { $round }, $codes>(self, sc, data, out, ecodes, scodes) }
                            return;
                        }
                        drive::<S, C, $int, { $round }, $codes, false>(self, sc, data, out, ecodes, scodes)
                    })*
                    _ => unreachable!("rounding codes are RNE..=STOCH"),
                }
            };
        }
        go!(false round::RNE, false; false round::RNE, true; false round::AWAY, false;
            false round::AWAY, true; false round::TRUNC, false; false round::TRUNC, true;
            false round::STOCH, false; false round::STOCH, true;
            true round::RNE, false; true round::RNE, true; true round::AWAY, false;
            true round::AWAY, true; true round::TRUNC, false; true round::TRUNC, true;
            true round::STOCH, false; true round::STOCH, true);
    }
}

/// max |V| bits over the whole tensor.
fn amax_all(data: &[f32], simd: bool) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `simd` is set only when the CPU supports AVX2.
        return unsafe { amax_all_avx2(data) };
    }
    let _ = simd;
    amax_bits(data)
}

/// [`amax_all`] with the AVX2 reduction.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn amax_all_avx2(data: &[f32]) -> u32 {
    round::avx2::amax_bits(data)
}

/// Whether every value of `data` is finite: one max over the magnitudes' bits, with AVX2
/// where the CPU has it (as [`tensor_amax`] takes it).
pub fn all_finite(data: &[f32]) -> bool {
    amax_all(data, avx2_available()) < 0x7F80_0000
}

/// Whether the quantizer runs its AVX2 kernels on this machine.
pub fn simd_in_use() -> bool {
    avx2_available()
}

/// Whether the AVX2 build of the block loop can run here.
fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The block loop with the AVX2 element kernel ([`round::avx2`]), bit-identical to the
/// scalar one.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn drive_avx2<
    S: BlockScale,
    C: ElemCode,
    const INT: bool,
    const ROUND: u8,
    const CODES: bool,
>(
    plan: &Plan,
    sc: &S,
    data: &[f32],
    out: &mut [f32],
    ecodes: &mut [C],
    scodes: &mut [u8],
) {
    drive::<S, C, INT, ROUND, CODES, true>(plan, sc, data, out, ecodes, scodes)
}

/// The block loop: amax, scale, elements, for every block of every row. With SIMD the AVX2
/// kernels run; only [`drive_avx2`] sets it, after the run-time check.
#[inline(always)]
fn drive<
    S: BlockScale,
    C: ElemCode,
    const INT: bool,
    const ROUND: u8,
    const CODES: bool,
    const SIMD: bool,
>(
    plan: &Plan,
    sc: &S,
    data: &[f32],
    out: &mut [f32],
    ecodes: &mut [C],
    scodes: &mut [u8],
) {
    let BlockLayout {
        rows,
        row_len,
        block,
        blocks_per_row,
    } = plan.layout;
    let k = &plan.kernel;
    // Each row in two sweeps: first every block's scale (independent of one another, so
    // their divisions and table look-ups overlap), then the elements, while the row is
    // still in cache.
    let mut scales: Vec<(u8, BlockParams)> = Vec::with_capacity(blocks_per_row);
    let mut amaxes: Vec<u32> = Vec::with_capacity(blocks_per_row);
    for r in 0..rows {
        let row = &data[r * row_len..(r + 1) * row_len];
        let orow = &mut out[r * row_len..(r + 1) * row_len];
        amaxes.clear();
        for x in row.chunks(block) {
            amaxes.push(if SIMD {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: SIMD is only set by drive_avx2, which runs after the AVX2 check.
                unsafe {
                    round::avx2::amax_bits(x)
                }
                #[cfg(not(target_arch = "x86_64"))]
                amax_bits(x)
            } else {
                amax_bits(x)
            });
        }
        scales.clear();
        sc.row::<SIMD>(&amaxes, &mut scales);
        for (j, &(code, p)) in scales.iter().enumerate() {
            let start = j * block;
            let len = block.min(row_len - start);
            let x = &row[start..start + len];
            let o = &mut orow[start..start + len];
            let bi = r * blocks_per_row + j;
            let c: &mut [C] = if CODES {
                scodes[bi] = code;
                &mut ecodes[bi * block..bi * block + len]
            } else {
                &mut []
            };
            let base = plan.offset + (r * row_len + start) as u64;
            if p.d > 0.0 {
                if SIMD {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: AVX2 checked as above; o and c have x's length (c when CODES).
                    unsafe {
                        round::avx2::quantize_block::<C, INT, ROUND, CODES>(
                            k,
                            &p,
                            S::DIV,
                            x,
                            o,
                            c,
                            base,
                        )
                    }
                } else {
                    quantize_block::<C, INT, ROUND, CODES>(k, &p, S::DIV, x, o, c, base)
                }
            } else if p.d == 0.0 {
                // NV block whose scale is zero: nothing but +0 is representable.
                o.fill(0.0);
                c.fill(C::default());
            } else {
                // The NaN scale.
                o.fill(f32::NAN);
                c.fill(C::from_code(k.nan_code));
            }
        }
    }
}

/// 2^e as f32 for e in [-149, 127] (subnormal powers included).
#[inline]
fn pow2(e: i32) -> f32 {
    if e >= -126 {
        f32::from_bits(((e + 127) as u32) << 23)
    } else {
        f32::from_bits(1u32 << (e + 149))
    }
}

/// The element kernel's constants for this format and these options.
fn kernel_for(fmt: &BlockFormat, opts: &QuantOptions) -> Result<ElemKernel, QuantError> {
    let elem = fmt.elem;
    let unsupported = |why: String| QuantError::Unsupported {
        format: fmt.name.clone(),
        why,
    };
    let mx_arith = opts.scale_rule == ScaleRule::Ocp;
    // Which rounding the value 0.5 - 2^-25 gets: microxcaling's arithmetic sends it to 1 in
    // both modes; exact rounding sends it to 0. Only the mode whose fast path disagrees needs
    // the patch: RNE's magic constant gives 0, away's fl32(u + 0.5) gives 1.
    let (patch_bits, patch_to) = match (mx_arith, opts.round) {
        (true, Rounding::Rne) => (HALF_MINUS, 1.0),
        (false, Rounding::Away) => (HALF_MINUS, 0.0),
        _ => (u32::MAX, 0.0),
    };
    // Zeros keep the input's sign under the study's INT path (torch.round) and under the
    // torchao rules (their element casts keep the sign bit).
    let zero_sign_from_input = match opts.scale_rule {
        ScaleRule::Ceil | ScaleRule::NvStudy if elem.is_int() => u32::MAX,
        ScaleRule::Floor | ScaleRule::TorchaoCeil | ScaleRule::Even | ScaleRule::Rceil => u32::MAX,
        _ => 0,
    };
    let max = elem.max_value() as f32;
    match elem {
        ElemFormat::Int { bits } => {
            if bits > 16 {
                return Err(unsupported(format!(
                    "INT elements wider than 16 bits ({bits})"
                )));
            }
            Ok(ElemKernel {
                man_bits: 0,
                emin_field: 0,
                max,
                cap: 2.0 * max,
                patch_bits,
                patch_to,
                zero_sign_from_input,
                bits,
                code_mul: [1.0; 2],
                nan_code: 0,
                seed: opts.seed,
            })
        }
        ElemFormat::Fp {
            exp_bits,
            man_bits,
            bias,
            ..
        } => {
            let emin = 1 - bias;
            let emax = elem.emax();
            // Every grid step and 2 * max must be normal f32 numbers (the kernel builds
            // 2^(e - M) and 2^(M - e) from exponent bits).
            if emin - (man_bits as i32) < -126 || emax + 2 > 127 {
                return Err(unsupported(format!(
                    "element values span 2^{}..2^{}, outside the normal FP32 range",
                    emin - man_bits as i32,
                    emax + 1
                )));
            }
            Ok(ElemKernel {
                man_bits,
                emin_field: (emin + 127) as u32,
                max,
                cap: 2.0 * max,
                patch_bits,
                patch_to,
                zero_sign_from_input,
                bits: 1 + exp_bits + man_bits,
                // 2^(-126 - emin) = 2^(bias - 127), down to 2^-251: split in two where it
                // would not be a normal f32.
                code_mul: {
                    let c = -126 - emin;
                    if c >= -126 {
                        [pow2(c), 1.0]
                    } else {
                        [pow2(c - c / 2), pow2(c / 2)]
                    }
                },
                nan_code: elem.nan_code().unwrap_or(0),
                seed: opts.seed,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::spec::lookup_in;

    fn fmt(name: &str) -> BlockFormat {
        lookup_in(name, &[]).unwrap()
    }

    fn ocp(f: &BlockFormat) -> QuantOptions {
        QuantOptions {
            scale_rule: ScaleRule::Ocp,
            ..QuantOptions::default_for(f)
        }
    }

    #[test]
    fn mxfp8_block_of_exact_values_round_trips() {
        let f = fmt("mxfp8");
        let mut x = vec![0f32; 32];
        x[0] = 448.0;
        x[1] = -1.5;
        x[2] = 2f32.powi(-9); // smallest E4M3 subnormal at scale 1
        let q = quantize(&f, &ocp(&f), &x, 32).unwrap();
        assert_eq!(q.values, x);
        assert_eq!(q.scale_codes, vec![127]);
        assert_eq!(&q.elem_codes[..3], &[0x7E, 0xBC, 0x01]);
    }

    #[test]
    fn int8_codes_are_twos_complement_integers() {
        let f = fmt("mxint8");
        let x: Vec<f32> = (0..32).map(|i| i as f32 - 16.0).chain([127.0]).collect();
        let q = quantize(&f, &ocp(&f), &x, 33).unwrap();
        assert_eq!(q.values, x);
        // amax 16: floor(log2 16) = 4, OCP emax 0: X_ocp = 2^4, so -16 = -64 * 2^-6 * 2^4.
        // amax 127: X_ocp = 2^6, code 133, and 127 = 127 * 2^-6 * 2^6.
        assert_eq!(q.scale_codes, vec![131, 133]);
        assert_eq!(q.elem_codes[0], (-64i8) as u8);
        assert_eq!(q.elem_codes[32], 127);
        assert_eq!(q.elem_codes.len(), 64);
        assert!(q.elem_codes[33..].iter().all(|&c| c == 0));
    }

    #[test]
    fn rule_must_fit_the_scale_format() {
        let f = fmt("mxfp4");
        let o = QuantOptions {
            scale_rule: ScaleRule::Nv,
            round: Rounding::Rne,
            block: None,
            seed: 0,
        };
        let e = quantize(&f, &o, &[1.0], 1).unwrap_err();
        assert!(matches!(e, QuantError::RuleMismatch { .. }));
        assert!(e.to_string().contains("ocp, floor, ceil"), "{e}");
    }

    #[test]
    fn bad_shapes_are_errors() {
        let f = fmt("mxfp4");
        let o = QuantOptions::default_for(&f);
        assert_eq!(
            quantize(&f, &o, &[1.0; 5], 2).unwrap_err(),
            QuantError::RaggedRows { len: 5, row_len: 2 }
        );
        assert_eq!(
            quantize(&f, &o, &[1.0; 5], 0).unwrap_err(),
            QuantError::ZeroRowLen
        );
        let o0 = QuantOptions {
            block: Some(0),
            ..o
        };
        assert_eq!(
            quantize(&f, &o0, &[1.0; 5], 5).unwrap_err(),
            QuantError::BadBlock(0)
        );
        let mut buf = [0f32; 3];
        assert!(matches!(
            quantize_dequantize_into(&f, &o, &[1.0; 4], 4, &mut buf),
            Err(QuantError::OutputLen { .. })
        ));
    }

    #[test]
    fn all_finite_finds_nan_and_inf_anywhere() {
        let mut x = vec![f32::MAX; 37];
        x[5] = -0.0;
        assert!(all_finite(&x) && all_finite(&[]));
        for (at, v) in [
            (0, f32::NAN),
            (8, f32::INFINITY),
            (36, f32::NEG_INFINITY),
            (33, -f32::NAN),
        ] {
            let mut y = x.clone();
            y[at] = v;
            assert!(!all_finite(&y), "{v} at {at}");
        }
    }

    #[test]
    fn qsnr_of_exact_copy_is_infinite() {
        assert_eq!(qsnr_db(&[1.0, 2.0], &[1.0, 2.0]), f64::INFINITY);
        let v = qsnr_db(&[1.0, 0.0], &[0.5, 0.0]);
        assert!((v - 20.0 * 2f64.log10()).abs() < 1e-12, "{v}");
        assert_eq!(qsnr_db(&[1.0], &[f32::INFINITY]), f64::NEG_INFINITY);
    }

    #[test]
    fn wide_user_formats_have_16_bit_codes() {
        let f = BlockFormat {
            name: "int12".into(),
            elem: ElemFormat::Int { bits: 12 },
            block: 32,
            scale: crate::format::ScaleFormat::Ue8m0,
        };
        let o = QuantOptions::default_for(&f);
        assert!(matches!(
            quantize(&f, &o, &[1.0; 4], 4),
            Err(QuantError::Unsupported { .. })
        ));
        let q = quantize_codes::<u16>(&f, &o, &[1.0, 0.5, -3.0, 1e-3], 4).unwrap();
        // X = 2^1, grid 2^(1-10): codes 512, 256, -1536, 1 (12-bit two's complement).
        assert_eq!(&q.elem_codes[..4], &[512, 256, 4096 - 1536, 1]);
        let wide = BlockFormat {
            name: "e7m10".into(),
            elem: ElemFormat::Fp {
                exp_bits: 7,
                man_bits: 10,
                bias: 63,
                specials: crate::format::spec::FpSpecials::Ieee,
            },
            ..f.clone()
        };
        let e = quantize_codes::<u16>(&wide, &o, &[1.0; 4], 4).unwrap_err();
        assert!(e.to_string().contains("wider than the 16 bits"), "{e}");
        assert_eq!(
            quantize_dequantize(&f, &o, &[1.0, 0.5, -3.0, 1e-3], 4).unwrap(),
            vec![1.0, 0.5, -3.0, 0.001953125]
        ); // X = 2^1, grid 2^(1-10)
    }

    #[test]
    fn pow2_covers_subnormal_exponents() {
        assert_eq!(pow2(-149).to_bits(), 1);
        assert_eq!(pow2(-127).to_bits(), 1 << 22);
        assert_eq!(pow2(127), 2f32.powi(127));
    }
}
