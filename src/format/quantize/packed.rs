//! The packed encoding of a quantized tensor (`--packed FILE`): element codes at their real
//! width, one scale code per block, the NV per-tensor scale, and a self-describing header;
//! writer, reader, and dequantization from the codes alone.
//!
//! # Layout (version 1, all integers little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `HWCPACK1` (ASCII) |
//! | 8 | 2 | u16 version = 1 |
//! | 10 | 1 | element kind: 0 = INT (two's complement), 1 = FP (sign, exponent, mantissa) |
//! | 11 | 1 | element code width b in bits (2..=16) |
//! | 12 | 1 | FP exponent bits (0 for INT) |
//! | 13 | 1 | FP mantissa bits, hidden bit not counted (0 for INT) |
//! | 14 | 2 | i16 FP exponent bias (0 for INT) |
//! | 16 | 1 | FP specials: 0 none, 1 NaN only (S.1..1.1..1, OCP E4M3), 2 IEEE Inf/NaN (0 for INT) |
//! | 17 | 1 | scale format: 0 = UE8M0, 1 = E4M3, 2 = UE5M3, 3 = none (codes stored as 127) |
//! | 18 | 1 | scale rule: 0 ocp, 1 ceil, 2 nv, 3 nv-study, 4 floor, 5 rceil, 6 torchao-ceil, 7 even |
//! | 19 | 1 | rounding: 0 rne, 1 away, 2 floor, 3 stochastic |
//! | 20 | 4 | u32 block size K |
//! | 24 | 4 | f32 per-tensor scale s_t (NV; 1.0 for UE8M0 formats) |
//! | 28 | 4 | u32 rank r (>= 1) |
//! | 32 | 8r | u64 shape, slowest axis first; the last axis N is the row length |
//! | 32+8r | 2 | u16 length L of the format name |
//! | 34+8r | L | format name, UTF-8 |
//! | H = 34+8r+L | B | scale codes, one byte per block, rows in order, blocks of a row in order |
//! | H+B | ceil(B*K*b/8) | element codes, b bits each, LSB first |
//!
//! With R = product of all axes but the last and blocks per row ceil(N/K), B = R * ceil(N/K).
//! Element code j (block j / K, position j % K) occupies bits [j*b, j*b + b) of the element
//! section, bit i of the section being bit (i % 8) of byte i / 8. Positions past N in a
//! row's last block hold code 0. For K*b a multiple of 8 (every built-in), block `j` is the
//! K*b/8 bytes starting at byte j*K*b/8, and read as a little-endian integer they are the MAC
//! unit's `a` / `b` bus (element i at bits [i*b +: b]).
//!
//! Value of element i of a block with scale code c: UE8M0 (c != 0xFF): P_i * 2^(c - 127), with
//! INT codes in the OCP view P_i = k_i * 2^-(b-2); 0xFF is NaN. E4M3: P_i * S_b with S_b =
//! fl32(s_t * E4M3(c)) under `nv` and bf16(bf16(s_t) * E4M3(c)) under `nv-study`; E4M3 NaN
//! codes mark NaN blocks. UE5M3 (user formats): as E4M3 with UE5M3(c), 0xFF the NaN. Every
//! product is one FP32 multiplication (see [`Packed::dequantize`]).

use std::path::{Path, PathBuf};

use super::{
    scale, BlockLayout, ElemCode, QuantOptions, Quantized, Rounding, ScaleRule, MAX_CODE_BITS,
};
use crate::format::element::{Class, UE8M0_NAN};
use crate::format::spec::{BlockFormat, ElemFormat, FpSpecials, ScaleFormat};

const MAGIC: &[u8; 8] = b"HWCPACK1";
const VERSION: u16 = 1;

/// The scale rule of each header byte value (the index).
const RULE_BYTES: [ScaleRule; 8] = [
    ScaleRule::Ocp,
    ScaleRule::Ceil,
    ScaleRule::Nv,
    ScaleRule::NvStudy,
    ScaleRule::Floor,
    ScaleRule::Rceil,
    ScaleRule::TorchaoCeil,
    ScaleRule::Even,
];

/// The rounding of each header byte value (the index).
const ROUND_BYTES: [Rounding; 4] = [
    Rounding::Rne,
    Rounding::Away,
    Rounding::Floor,
    Rounding::Stochastic,
];

/// A packed quantized tensor, as written to and read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Packed {
    pub name: String,
    pub elem: ElemFormat,
    pub scale: ScaleFormat,
    pub rule: ScaleRule,
    pub round: Rounding,
    pub block: usize,
    pub shape: Vec<u64>,
    pub tensor_scale: f32,
    /// One per block.
    pub scale_codes: Vec<u8>,
    /// One per block position (padding included), unpacked, low `elem.bits()` bits used
    /// (element codes of up to 16 bits).
    pub elem_codes: Vec<u16>,
}

/// Why a packed file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PackedError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a hwcost packed file: magic {0:?}, expected \"HWCPACK1\"")]
    BadMagic(String),
    #[error("packed file version {0} is not supported (this build reads version 1)")]
    Version(u16),
    #[error("packed file is truncated: needs {want} bytes, has {got}")]
    Truncated { want: usize, got: usize },
    #[error("packed file is invalid: {0}")]
    Invalid(String),
    #[error("cannot pack format '{0}': element codes wider than 16 bits")]
    TooWide(String),
}

/// Codes packed LSB first at `bits` bits each (the element section's encoding).
pub fn pack_codes<C: ElemCode>(codes: &[C], bits: u32) -> Vec<u8> {
    let b = bits as usize;
    let mut out = vec![0u8; (codes.len() * b).div_ceil(8)];
    for (j, c) in codes.iter().enumerate() {
        let c = c.code();
        for i in 0..b {
            if (c >> i) & 1 == 1 {
                let bit = j * b + i;
                out[bit / 8] |= 1 << (bit % 8);
            }
        }
    }
    out
}

impl Packed {
    /// Pack a quantization result of a tensor of `shape` (whose last axis is the row length).
    pub fn new<C: ElemCode>(
        fmt: &BlockFormat,
        opts: &QuantOptions,
        shape: &[u64],
        q: &Quantized<C>,
    ) -> Result<Self, PackedError> {
        if fmt.elem.bits() > MAX_CODE_BITS {
            return Err(PackedError::TooWide(fmt.name.clone()));
        }
        Ok(Packed {
            name: fmt.name.clone(),
            elem: fmt.elem,
            scale: fmt.scale,
            rule: opts.scale_rule,
            round: opts.round,
            block: q.layout.block,
            shape: shape.to_vec(),
            tensor_scale: q.tensor_scale,
            scale_codes: q.scale_codes.clone(),
            elem_codes: q.elem_codes.iter().map(|&c| c.code() as u16).collect(),
        })
    }

    /// Blocks of the tensor, derived from the shape and block size.
    pub fn layout(&self) -> BlockLayout {
        let row_len = self.shape.last().copied().unwrap_or(0) as usize;
        let rows = self.shape[..self.shape.len().saturating_sub(1)]
            .iter()
            .product::<u64>() as usize;
        let blocks_per_row = row_len.div_ceil(self.block.max(1));
        BlockLayout {
            rows,
            row_len,
            block: self.block,
            blocks_per_row,
        }
    }

    /// The element section: codes packed LSB first at `elem.bits()` bits each.
    pub fn element_stream(&self) -> Vec<u8> {
        pack_codes(&self.elem_codes, self.elem.bits())
    }

    /// The file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend_from_slice(MAGIC);
        h.extend_from_slice(&VERSION.to_le_bytes());
        let (kind, e, m, bias, specials) = match self.elem {
            ElemFormat::Int { .. } => (0u8, 0u8, 0u8, 0i16, 0u8),
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                bias,
                specials,
            } => {
                let s = match specials {
                    FpSpecials::Finite => 0,
                    FpSpecials::NanOnly => 1,
                    FpSpecials::Ieee => 2,
                };
                (1, exp_bits as u8, man_bits as u8, bias as i16, s)
            }
        };
        h.extend_from_slice(&[kind, self.elem.bits() as u8, e, m]);
        h.extend_from_slice(&bias.to_le_bytes());
        let scale = match self.scale {
            ScaleFormat::Ue8m0 => 0,
            ScaleFormat::E4m3 => 1,
            ScaleFormat::Ue5m3 => 2,
            ScaleFormat::Unscaled => 3,
        };
        let rule = RULE_BYTES.iter().position(|r| *r == self.rule).unwrap_or(0) as u8;
        let round = ROUND_BYTES
            .iter()
            .position(|r| *r == self.round)
            .unwrap_or(0) as u8;
        h.extend_from_slice(&[specials, scale, rule, round]);
        h.extend_from_slice(&(self.block as u32).to_le_bytes());
        h.extend_from_slice(&self.tensor_scale.to_le_bytes());
        h.extend_from_slice(&(self.shape.len() as u32).to_le_bytes());
        for d in &self.shape {
            h.extend_from_slice(&d.to_le_bytes());
        }
        h.extend_from_slice(&(self.name.len() as u16).to_le_bytes());
        h.extend_from_slice(self.name.as_bytes());
        h.extend_from_slice(&self.scale_codes);
        h.extend_from_slice(&self.element_stream());
        h
    }

    /// Parse file bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PackedError> {
        let mut r = Reader { bytes, at: 0 };
        let magic = r.take(8)?;
        if magic != MAGIC {
            return Err(PackedError::BadMagic(
                String::from_utf8_lossy(magic).into_owned(),
            ));
        }
        let version = r.u16()?;
        if version != VERSION {
            return Err(PackedError::Version(version));
        }
        let [kind, bits, e, m] = r.array::<4>()?;
        let bias = i16::from_le_bytes(r.array::<2>()?);
        let [specials, scale, rule, round] = r.array::<4>()?;
        let bad = |what: &str, v: u8| PackedError::Invalid(format!("{what} byte {v}"));
        let elem = match kind {
            0 => ElemFormat::Int { bits: bits as u32 },
            1 => {
                let specials = match specials {
                    0 => FpSpecials::Finite,
                    1 => FpSpecials::NanOnly,
                    2 => FpSpecials::Ieee,
                    v => return Err(bad("FP specials", v)),
                };
                ElemFormat::Fp {
                    exp_bits: e as u32,
                    man_bits: m as u32,
                    bias: bias as i32,
                    specials,
                }
            }
            v => return Err(bad("element kind", v)),
        };
        if elem.bits() != bits as u32 || !(2..=MAX_CODE_BITS).contains(&(bits as u32)) {
            return Err(PackedError::Invalid(format!(
                "element width {bits} does not match its fields"
            )));
        }
        let scale = match scale {
            0 => ScaleFormat::Ue8m0,
            1 => ScaleFormat::E4m3,
            2 => ScaleFormat::Ue5m3,
            3 => ScaleFormat::Unscaled,
            v => return Err(bad("scale format", v)),
        };
        let rule = *RULE_BYTES
            .get(rule as usize)
            .ok_or_else(|| bad("scale rule", rule))?;
        let round = *ROUND_BYTES
            .get(round as usize)
            .ok_or_else(|| bad("rounding", round))?;
        let block = r.u32()? as usize;
        let tensor_scale = f32::from_le_bytes(r.array::<4>()?);
        let rank = r.u32()? as usize;
        if rank == 0 || rank > 32 || block == 0 {
            return Err(PackedError::Invalid(format!("rank {rank}, block {block}")));
        }
        let shape = (0..rank).map(|_| r.u64()).collect::<Result<Vec<_>, _>>()?;
        let name_len = r.u16()? as usize;
        let name = String::from_utf8(r.take(name_len)?.to_vec())
            .map_err(|_| PackedError::Invalid("format name is not UTF-8".into()))?;
        let mut p = Packed {
            name,
            elem,
            scale,
            rule,
            round,
            block,
            shape,
            tensor_scale,
            scale_codes: vec![],
            elem_codes: vec![],
        };
        let blocks = p
            .shape
            .iter()
            .take(rank - 1)
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .and_then(|rows| rows.checked_mul(p.shape[rank - 1].div_ceil(block as u64)))
            .filter(|&b| b <= bytes.len() as u64)
            .ok_or_else(|| {
                PackedError::Invalid(format!(
                    "shape {:?} with block {block} does not fit a file of {} bytes",
                    p.shape,
                    bytes.len()
                ))
            })? as usize;
        p.scale_codes = r.take(blocks)?.to_vec();
        let n = blocks * block;
        let stream = r.take((n * bits as usize).div_ceil(8))?;
        let b = bits as usize;
        p.elem_codes = (0..n)
            .map(|j| {
                (0..b).fold(0u16, |c, i| {
                    c | (u16::from((stream[(j * b + i) / 8] >> ((j * b + i) % 8)) & 1) << i)
                })
            })
            .collect();
        if r.at != bytes.len() {
            return Err(PackedError::Invalid(format!(
                "{} bytes after the element codes",
                bytes.len() - r.at
            )));
        }
        Ok(p)
    }

    /// Read a packed file.
    pub fn read(path: &Path) -> Result<Self, PackedError> {
        let bytes = std::fs::read(path).map_err(|source| PackedError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// The values the codes stand for, in the tensor's order (padding dropped). Equal to the
    /// quantizer's `values` bit for bit, except that INT codes have no -0 (they give +0).
    pub fn dequantize(&self) -> Vec<f32> {
        let l = self.layout();
        let mut out = Vec::with_capacity(l.rows * l.row_len);
        for row in 0..l.rows {
            for blk in 0..l.blocks_per_row {
                let bi = row * l.blocks_per_row + blk;
                let n = (l.row_len - blk * l.block).min(l.block);
                let codes = &self.elem_codes[bi * l.block..bi * l.block + n];
                let sc = self.scale_codes[bi];
                out.extend(codes.iter().map(|&c| self.value(sc, c)));
            }
        }
        out
    }

    /// One element's value from its block's scale code and its own code.
    fn value(&self, scale_code: u8, code: u16) -> f32 {
        let raw = self.elem.decode(code.into());
        if raw.class == Class::NaN {
            return f32::NAN;
        }
        // Element values are exact in f32 (INT at most 15 significant bits, FP at most 11,
        // in the normal FP32 range).
        let p = raw.to_f64() as f32;
        match self.scale {
            // The stored code (127) means nothing: every block is at 2^0.
            ScaleFormat::Unscaled => p * super::pow2(self.elem.int_view_exp()),
            ScaleFormat::Ue8m0 => {
                if scale_code == UE8M0_NAN {
                    return f32::NAN;
                }
                let x = super::pow2(scale_code as i32 - 127);
                (p * super::pow2(self.elem.int_view_exp())) * x
            }
            ScaleFormat::E4m3 | ScaleFormat::Ue5m3 => {
                let s = self.scale.decode(scale_code);
                if s.class == Class::NaN {
                    return f32::NAN;
                }
                let v = s.to_f64() as f32;
                let sb = match self.rule {
                    ScaleRule::NvStudy => scale::bf16_rne(scale::bf16_rne(self.tensor_scale) * v),
                    _ => self.tensor_scale * v,
                };
                p * sb
            }
        }
    }

    /// Write the file atomically.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic::write(path, &self.to_bytes())
    }
}

/// A bounds-checked little-endian cursor.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PackedError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(PackedError::Truncated {
            want: self.at.saturating_add(n),
            got: self.bytes.len(),
        })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PackedError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u16(&mut self) -> Result<u16, PackedError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, PackedError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, PackedError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}
