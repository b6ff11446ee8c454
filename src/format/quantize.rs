//! The bit-exact software quantizer: block scales (`ocp`, `ceil`, `nv`, `nv-study`), element
//! rounding (`rne`, `away`), codes, the packed encoding, Hadamard rotation, QSNR.
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
//! as in microxcaling; an E5M2 block there dequantizes to +Inf.
//!
//! **NV two-level scale** (blocks of 16): `s_b = fl32(amax_b / Qmax)`, per tensor `s_t =
//! fl32(max_b(s_b) / 448)`, block code `E4M3_RNE(fl32(s_b / s_t))` (saturating at 448).
//! `nv`: `S_b = fl32(s_t * E4M3(code))`. `nv-study` (the study's `scale_quant=True`):
//! `S_b = bf16(bf16(s_t) * E4M3(code))`. Elements: `q = fl32(V / S_b)`, rounded exactly
//! (`rne` default). Blocks holding NaN or Inf are left out of `s_t` and get the E4M3 NaN code
//! 0x7F; an all-zero tensor has `s_t = 0` and zero codes; a block whose code is zero (its
//! scale underflows E4M3) dequantizes to +0 with element codes 0.
//!
//! **Outputs** are `fl32(P * X)` (MX: `(P_elem * 2^-(b-2)) * 2^e` for INT, so exactly the
//! reference's two operations; NV: `P * S_b`), which rounds only when the result leaves the
//! FP32 range or becomes subnormal.
//!
//! **Specials.** A block holding NaN or Inf gets the NaN scale (UE8M0 0xFF, E4M3 0x7F) and all
//! its outputs are NaN (0x7FC00000), as microxcaling does (its log2 of amax is NaN / +Inf).
//! FP32-subnormal inputs are ordinary values (no flushing). Zeros: a result that rounds to
//! zero is -0.0 when the FP32 quotient `V / X` is negative and nonzero, +0.0 otherwise
//! (reference: `sign(x) * ...`), except for INT elements under `ceil` / `nv-study`, where it
//! keeps the input's sign bit (the study's `torch.round(x / s)`, so -0.0 stays -0.0). INT
//! codes have no negative zero: decoding the code gives +0 where `values` hold -0.0.
//!
//! # Packed encoding
//! See [`packed`] for the binary layout of `--packed`.

pub mod bench;
pub mod cli;
pub mod hadamard;
pub mod packed;
pub mod round;
pub mod scale;

use serde::Serialize;

use self::round::{amax_bits, quantize_block, BlockParams, ElemKernel, Variant, HALF_MINUS};
use super::spec::{BlockFormat, ElemFormat};

/// How the block scale is chosen (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleRule {
    /// microxcaling / OCP: floor(log2(amax)) - emax (can clip the block max).
    Ocp,
    /// The study: ceil(log2(amax / Qmax)) (never clips).
    Ceil,
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
}

impl ScaleRule {
    pub fn name(&self) -> &'static str {
        match self {
            ScaleRule::Ocp => "ocp",
            ScaleRule::Ceil => "ceil",
            ScaleRule::Nv => "nv",
            ScaleRule::NvStudy => "nv-study",
        }
    }
}

impl Rounding {
    pub fn name(&self) -> &'static str {
        match self {
            Rounding::Rne => "rne",
            Rounding::Away => "away",
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
}

impl QuantOptions {
    /// The defaults: MX formats `ocp` + `rne`, NV formats `nv` + `rne`.
    pub fn default_for(fmt: &BlockFormat) -> Self {
        let scale_rule = if fmt.is_nv() { ScaleRule::Nv } else { ScaleRule::Ocp };
        QuantOptions { scale_rule, round: Rounding::Rne, block: None }
    }

    /// The block size in effect.
    pub fn block_size(&self, fmt: &BlockFormat) -> usize {
        self.block.unwrap_or(fmt.block)
    }
}

/// Errors of the quantizer (all of them are about the caller's input).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QuantError {
    #[error("scale rule '{}' does not fit format '{format}' ({} scale); use {}", rule.name(), scale, if *nv { "nv or nv-study" } else { "ocp or ceil" })]
    RuleMismatch { rule: ScaleRule, format: String, scale: &'static str, nv: bool },
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

/// A quantized tensor: dequantized values and the real encoding.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantized {
    /// Dequantized values, same length and order as the input.
    pub values: Vec<f32>,
    /// One element code per block position, `layout.blocks() * layout.block` of them, block
    /// after block (padded positions past a row's end hold code 0). Low `bits` bits used.
    pub elem_codes: Vec<u8>,
    /// One scale code per block (UE8M0 in the OCP view, or E4M3 for NV), row-major.
    pub scale_codes: Vec<u8>,
    /// NV per-tensor FP32 scale s_t (1.0 for MX formats).
    pub tensor_scale: f32,
    pub layout: BlockLayout,
}

/// Quantize `data` (rows of `row_len` values) and return the dequantized values with the codes.
pub fn quantize(fmt: &BlockFormat, opts: &QuantOptions, data: &[f32], row_len: usize) -> Result<Quantized, QuantError> {
    let plan = Plan::new(fmt, opts, data.len(), row_len)?;
    let mut values = vec![0f32; data.len()];
    let mut elem_codes = vec![0u8; plan.layout.blocks() * plan.layout.block];
    let mut scale_codes = vec![0u8; plan.layout.blocks()];
    let tensor_scale = plan.run(data, &mut values, Some((&mut elem_codes, &mut scale_codes)));
    Ok(Quantized { values, elem_codes, scale_codes, tensor_scale, layout: plan.layout })
}

/// Quantize and dequantize, returning only the values (no codes are kept).
pub fn quantize_dequantize(fmt: &BlockFormat, opts: &QuantOptions, data: &[f32], row_len: usize) -> Result<Vec<f32>, QuantError> {
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
        return Err(QuantError::OutputLen { got: out.len(), want: data.len() });
    }
    let plan = Plan::new(fmt, opts, data.len(), row_len)?;
    plan.run(data, out, None);
    Ok(())
}

/// QSNR in dB: -10 log10(||x - xq||^2 / ||x||^2), summed in f64 over the positions where x is
/// finite. +inf when the error is zero; -inf when xq is not finite where x is; NaN when x
/// has no energy but the error does.
pub fn qsnr_db(x: &[f32], xq: &[f32]) -> f64 {
    let (mut sig, mut err) = (0f64, 0f64);
    for (&a, &b) in x.iter().zip(xq) {
        if !a.is_finite() {
            continue;
        }
        let d = a as f64 - b as f64;
        sig += a as f64 * a as f64;
        err += d * d;
    }
    if err == 0.0 {
        f64::INFINITY
    } else if !err.is_finite() {
        f64::NEG_INFINITY
    } else {
        -10.0 * (err / sig).log10()
    }
}

/// Everything decided before the first block: the checked layout, kernel constants, variant.
struct Plan<'a> {
    fmt: &'a BlockFormat,
    rule: ScaleRule,
    layout: BlockLayout,
    kernel: ElemKernel,
    variant: Variant,
}

impl<'a> Plan<'a> {
    fn new(fmt: &'a BlockFormat, opts: &QuantOptions, len: usize, row_len: usize) -> Result<Self, QuantError> {
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
        if len % row_len != 0 {
            return Err(QuantError::RaggedRows { len, row_len });
        }
        let layout = BlockLayout { rows: len / row_len, row_len, block, blocks_per_row: row_len.div_ceil(block) };
        let kernel = kernel_for(fmt, opts)?;
        let variant = Variant { int: fmt.elem.is_int(), div: fmt.is_nv(), away: opts.round == Rounding::Away };
        Ok(Plan { fmt, rule: opts.scale_rule, layout, kernel, variant })
    }

    /// Quantize every block; returns the per-tensor scale (1.0 for MX).
    fn run(&self, data: &[f32], out: &mut [f32], mut codes: Option<(&mut [u8], &mut [u8])>) -> f32 {
        let BlockLayout { row_len, block, blocks_per_row, .. } = self.layout;
        let nv = self.fmt.is_nv();
        // NV needs every block's amax before the first block can be scaled.
        let (amaxes, s_t) = if nv {
            let a: Vec<u32> = data.chunks(row_len).flat_map(|row| row.chunks(block).map(amax_bits)).collect();
            let s_t = scale::nv_tensor_scale(&self.fmt.elem, &a);
            (a, s_t)
        } else {
            (Vec::new(), 1.0)
        };
        let mut bi = 0usize;
        for (row, orow) in data.chunks(row_len).zip(out.chunks_mut(row_len)) {
            for (x, o) in row.chunks(block).zip(orow.chunks_mut(block)) {
                let (scale_code, params) = if nv {
                    let (code, sb) = scale::nv_block_scale(self.rule, &self.fmt.elem, amaxes[bi], s_t);
                    (code, (!sb.is_nan()).then(|| self.nv_params(sb)))
                } else {
                    let a = amax_bits(x);
                    let e = match self.rule {
                        ScaleRule::Ocp => scale::ocp_exponent(&self.fmt.elem, a),
                        _ => scale::ceil_exponent(&self.fmt.elem, a),
                    };
                    match e {
                        Some(e) => ((e + 127) as u8, Some(self.mx_params(e))),
                        None => (super::element::UE8M0_NAN, None),
                    }
                };
                let ecodes = codes.as_mut().map(|(ec, sc)| {
                    sc[bi] = scale_code;
                    &mut ec[bi * block..bi * block + x.len()]
                });
                match params {
                    Some(p) if p.d != 0.0 => quantize_block(self.variant, &self.kernel, &p, x, o, ecodes),
                    Some(_) => {
                        // NV block whose scale is zero: nothing but +0 is representable.
                        o.fill(0.0);
                        if let Some(c) = ecodes {
                            c.fill(0);
                        }
                    }
                    None => {
                        o.fill(f32::NAN);
                        if let Some(c) = ecodes {
                            c.fill(self.kernel.nan_code);
                        }
                    }
                }
                bi += 1;
            }
            debug_assert_eq!(bi % blocks_per_row, 0);
        }
        s_t
    }

    /// Block parameters for a UE8M0 scale 2^e (OCP view).
    fn mx_params(&self, e: i32) -> BlockParams {
        let x = pow2(e);
        let inv = pow2(-e);
        match self.fmt.elem {
            // microxcaling: (V / 2^e) * 2^(b-2), round, / 2^(b-2), * 2^e. The study (ceil) divides
            // by 2^(e - (b-2)) once; both equal these two exact steps except when V / 2^e
            // underflows, where only microxcaling's form is used (its sign test sees that
            // quotient) and the study's zero sign comes from the input anyway.
            ElemFormat::Int { bits } => {
                let view = pow2(bits as i32 - 2);
                BlockParams { a: inv, b: view, d: 1.0, o1: 1.0 / view, o2: x }
            }
            ElemFormat::Fp { .. } => BlockParams { a: inv, b: 1.0, d: 1.0, o1: 1.0, o2: x },
        }
    }

    fn nv_params(&self, sb: f32) -> BlockParams {
        BlockParams { a: 0.0, b: 0.0, d: sb, o1: 1.0, o2: sb }
    }
}

/// 2^e as f32 for e in [-149, 127] (subnormal powers included).
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
    let unsupported = |why: String| QuantError::Unsupported { format: fmt.name.clone(), why };
    let mx_arith = opts.scale_rule == ScaleRule::Ocp;
    // Which rounding the value 0.5 - 2^-25 gets: microxcaling's arithmetic sends it to 1 in
    // both modes; exact rounding sends it to 0. Only the mode whose fast path disagrees needs
    // the patch: RNE's magic constant gives 0, away's fl32(u + 0.5) gives 1.
    let (patch_bits, patch_to) = match (mx_arith, opts.round) {
        (true, Rounding::Rne) => (HALF_MINUS, 1.0),
        (false, Rounding::Away) => (HALF_MINUS, 0.0),
        _ => (u32::MAX, 0.0),
    };
    let zero_sign_from_input =
        if elem.is_int() && matches!(opts.scale_rule, ScaleRule::Ceil | ScaleRule::NvStudy) { u32::MAX } else { 0 };
    let max = elem.max_value() as f32;
    match elem {
        ElemFormat::Int { bits } => {
            if bits > 16 {
                return Err(unsupported(format!("INT elements wider than 16 bits ({bits})")));
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
                code_mul: 1.0,
                nan_code: 0,
            })
        }
        ElemFormat::Fp { exp_bits, man_bits, bias, .. } => {
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
                code_mul: pow2(-126 - emin),
                nan_code: elem.nan_code().unwrap_or(0) as u8,
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

    #[test]
    fn mxfp8_block_of_exact_values_round_trips() {
        let f = fmt("mxfp8");
        let mut x = vec![0f32; 32];
        x[0] = 448.0;
        x[1] = -1.5;
        x[2] = 2f32.powi(-9); // smallest E4M3 subnormal at scale 1
        let q = quantize(&f, &QuantOptions::default_for(&f), &x, 32).unwrap();
        assert_eq!(q.values, x);
        assert_eq!(q.scale_codes, vec![127]);
        assert_eq!(&q.elem_codes[..3], &[0x7E, 0xBC, 0x01]);
    }

    #[test]
    fn int8_codes_are_twos_complement_integers() {
        let f = fmt("mxint8");
        let x: Vec<f32> = (0..32).map(|i| i as f32 - 16.0).chain([127.0]).collect();
        let q = quantize(&f, &QuantOptions::default_for(&f), &x, 33).unwrap();
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
        let o = QuantOptions { scale_rule: ScaleRule::Nv, round: Rounding::Rne, block: None };
        let e = quantize(&f, &o, &[1.0], 1).unwrap_err();
        assert!(matches!(e, QuantError::RuleMismatch { .. }));
        assert!(e.to_string().contains("ocp or ceil"), "{e}");
    }

    #[test]
    fn bad_shapes_are_errors() {
        let f = fmt("mxfp4");
        let o = QuantOptions::default_for(&f);
        assert_eq!(quantize(&f, &o, &[1.0; 5], 2).unwrap_err(), QuantError::RaggedRows { len: 5, row_len: 2 });
        assert_eq!(quantize(&f, &o, &[1.0; 5], 0).unwrap_err(), QuantError::ZeroRowLen);
        let o0 = QuantOptions { block: Some(0), ..o };
        assert_eq!(quantize(&f, &o0, &[1.0; 5], 5).unwrap_err(), QuantError::BadBlock(0));
        let mut buf = [0f32; 3];
        assert!(matches!(quantize_dequantize_into(&f, &o, &[1.0; 4], 4, &mut buf), Err(QuantError::OutputLen { .. })));
    }

    #[test]
    fn qsnr_of_exact_copy_is_infinite() {
        assert_eq!(qsnr_db(&[1.0, 2.0], &[1.0, 2.0]), f64::INFINITY);
        let v = qsnr_db(&[1.0, 0.0], &[0.5, 0.0]);
        assert!((v - 20.0 * 2f64.log10()).abs() < 1e-12, "{v}");
        assert_eq!(qsnr_db(&[1.0], &[f32::INFINITY]), f64::NEG_INFINITY);
    }

    #[test]
    fn pow2_covers_subnormal_exponents() {
        assert_eq!(pow2(-149).to_bits(), 1);
        assert_eq!(pow2(-127).to_bits(), 1 << 22);
        assert_eq!(pow2(127), 2f32.powi(127));
    }
}
