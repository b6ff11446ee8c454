//! MAC-unit RTL generation through rust-hdl (issue 3): unit parameters and their
//! validation, the hand-written primitives, lanes, reductions, the unit top, the Verilog /
//! JSON / Yosys / Verilator-harness emission, and direct stepping of a unit. The back end
//! (scale combine, conversion to binary32, FP32 adder) lives in [`fp32`].
//!
//! rust-hdl is an implementation detail: nothing outside `src/rtl/` depends on it.

mod build;
mod cli;
pub mod csa;
mod emit;
pub mod fp32;
pub mod front;
mod harness;
pub mod lane;
pub mod mixed;
pub mod piped;
pub mod prim;
pub mod reduce;
mod sim;
pub mod unit;
pub mod verilog;

#[cfg(test)]
mod testutil;

pub use build::{front_cuts, supported_psum_widths, wired_psum_width, LANE_CHOICES};
pub use cli::{run_rtl, RtlArgs};
pub use emit::{emit_unit, generate, yosys_script, Emitted, Generated};
pub use sim::UnitSim;

use std::fmt;
use std::path::PathBuf;

use crate::format::{BlockFormat, ElemFormat, FormatError};

/// Largest lane count (the adder tree and the harness are sized for it).
pub const MAX_LANES: usize = 64;
/// Largest pipeline depth S.
pub const MAX_PIPELINE: usize = 8;
/// The generator version written into every emitted file.
pub const GENERATOR: &str = concat!("hwcost ", env!("CARGO_PKG_VERSION"));

/// How the partial-sum (aligner window) width n is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PsumWidth {
    /// The study's width, min(2^(x+1) + 2y, 24) ([`BlockFormat::default_psum_width`]).
    #[default]
    Default,
    /// The width that keeps every block sum exact, 2^(x+1) + 2y.
    Exact,
    /// An explicit width in bits.
    Bits(u32),
}

impl std::str::FromStr for PsumWidth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "exact" => Ok(PsumWidth::Exact),
            "default" => Ok(PsumWidth::Default),
            t => t
                .parse::<u32>()
                .map(PsumWidth::Bits)
                .map_err(|_| format!("expected a width in bits or `exact`, got '{s}'")),
        }
    }
}

impl fmt::Display for PsumWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PsumWidth::Default => f.write_str("default"),
            PsumWidth::Exact => f.write_str("exact"),
            PsumWidth::Bits(n) => write!(f, "{n}"),
        }
    }
}

/// How an INT lane forms its partial products.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Multiplier {
    /// One partial product per multiplier bit (AND array, Baugh-Wooley signs); FP
    /// significand products are always arrays.
    Array,
    /// Radix-4 Booth recoding: W/2 partial products for W-bit INT elements (W even).
    Booth4,
}

/// How the lanes' products become the block sum.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Reduction {
    /// A multiplier with its own carry-propagate adder per lane, then a binary tree of
    /// carry-propagate adders (k - 1 of them).
    CpaTree,
    /// All partial products of all lanes (FP: the signed aligned significands) in one
    /// carry-save compressor tree of full and half adders, then one carry-propagate adder.
    CsaTree,
}

impl Multiplier {
    pub fn label(self) -> &'static str {
        match self {
            Multiplier::Array => "array",
            Multiplier::Booth4 => "booth4",
        }
    }
}

impl Reduction {
    pub fn label(self) -> &'static str {
        match self {
            Reduction::CpaTree => "cpa-tree",
            Reduction::CsaTree => "csa-tree",
        }
    }

    /// The short form in unit names.
    pub fn tag(self) -> &'static str {
        match self {
            Reduction::CpaTree => "cpa",
            Reduction::CsaTree => "csa",
        }
    }
}

impl fmt::Display for Multiplier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl fmt::Display for Reduction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The default architecture of a format: radix-4 Booth for INT elements of 6 bits or more,
/// arrays below (and for every FP significand), and the one compressor tree everywhere: the
/// cheapest in area and energy of the verified architectures on sky130 (rtl/NOTES.md).
pub fn default_architecture(format: &BlockFormat) -> (Multiplier, Reduction) {
    match format.elem {
        ElemFormat::Int { bits } if bits >= 6 && bits % 2 == 0 => {
            (Multiplier::Booth4, Reduction::CsaTree)
        }
        _ => (Multiplier::Array, Reduction::CsaTree),
    }
}

/// The parameters of a unit besides its format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnitParams {
    /// Lanes k; `None` = [`BlockFormat::default_lanes`] (the block size up to 64).
    pub lanes: Option<usize>,
    pub psum_width: PsumWidth,
    /// Extra register stages S before the accumulator register.
    pub pipeline: usize,
    pub arch: Arch,
}

/// The architecture a unit is asked for; `None` = the format's default
/// ([`default_architecture`]). Also the `--multiplier` / `--reduction` options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::Args)]
pub struct Arch {
    /// INT lanes' partial products: array or booth4 (radix-4 Booth; INT elements of even
    /// width, with the csa tree) [default: booth4 for INT6/INT8, array otherwise]
    #[arg(long, value_enum)]
    pub multiplier: Option<Multiplier>,
    /// Block-sum reduction: cpa-tree (an adder per lane and a tree of adders) or csa-tree (one
    /// carry-save compressor tree over all lanes, one final adder) [default: csa-tree]
    #[arg(long, value_enum)]
    pub reduction: Option<Reduction>,
}

impl Arch {
    /// Both parts explicit.
    pub fn new(multiplier: Multiplier, reduction: Reduction) -> Arch {
        Arch {
            multiplier: Some(multiplier),
            reduction: Some(reduction),
        }
    }

    /// True when neither part was asked for.
    pub fn is_default(&self) -> bool {
        self.multiplier.is_none() && self.reduction.is_none()
    }

    /// The architecture built for `format`: the parts not asked for are the format's default
    /// ([`default_architecture`]; with the cpa tree the default multiplier is the array), and a
    /// combination the generator does not build is an error.
    pub fn resolve(&self, format: &BlockFormat) -> Result<(Multiplier, Reduction), RtlError> {
        let (def_mul, def_red) = default_architecture(format);
        let reduction = self.reduction.unwrap_or(def_red);
        // Booth recoding is built into the compressor tree only: with the cpa tree the
        // default multiplier is the array.
        let multiplier = self.multiplier.unwrap_or(match reduction {
            Reduction::CpaTree => Multiplier::Array,
            Reduction::CsaTree => def_mul,
        });
        if multiplier == Multiplier::Booth4 {
            let why = match format.elem {
                ElemFormat::Fp { .. } => Some("FP significands are too narrow for Booth recoding; FP units use arrays"),
                ElemFormat::Int { bits } if bits % 2 == 1 => Some("radix-4 Booth is built for even INT widths only"),
                _ if reduction == Reduction::CpaTree => Some("radix-4 Booth is built into the csa-tree reduction only (--reduction csa-tree)"),
                _ => None,
            };
            if let Some(why) = why {
                return Err(RtlError::Architecture {
                    format: format.name.clone(),
                    multiplier,
                    why,
                });
            }
        }
        Ok((multiplier, reduction))
    }
}

/// `{multiplier} + {reduction}`, e.g. `booth4 + csa-tree`: an architecture in tables.
pub fn arch_label(multiplier: Multiplier, reduction: Reduction) -> String {
    format!("{multiplier} + {reduction}")
}

/// Errors of RTL generation and simulation. Parameter errors are found before anything is
/// built or written.
#[derive(Debug, thiserror::Error)]
pub enum RtlError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("lanes must be a power of two from 1 to {MAX_LANES}, got {lanes}")]
    Lanes { lanes: usize },
    #[error(
        "psum width {width} for {format} is below its product width {min} (2 * mantissa bits + 2)"
    )]
    PsumTooNarrow {
        format: String,
        width: u32,
        min: u32,
    },
    #[error(
        "psum width {width} for {format} is not built into this hwcost: its units take {min} \
         to {max} bits{why}"
    )]
    PsumUnsupported {
        format: String,
        width: u32,
        min: u32,
        max: u32,
        /// Why the span ends there (e.g. the carry-propagate front end's own widths).
        why: String,
    },
    #[error("pipeline stages must be 0 to {MAX_PIPELINE}, got {stages}")]
    Pipeline { stages: usize },
    #[error("{multiplier} is not built for {format}: {why}")]
    Architecture {
        format: String,
        multiplier: Multiplier,
        why: &'static str,
    },
    #[error("no MAC unit is built into this hwcost for {format} ({why})")]
    Unsupported { format: String, why: String },
    #[error("{what}: expected {expected} element codes, got {got}")]
    CodeCount {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("rust-hdl simulation of {unit}: {why}")]
    Sim { unit: String, why: String },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A validated unit: format and every derived width, the unit's name and latency.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitPlan {
    pub format: BlockFormat,
    pub lanes: usize,
    /// Aligner window n (FP); for INT the exact product width 2b the lanes feed to the tree.
    pub psum_width: u32,
    /// The aligner width the unit is wired with: the narrowest built width >= `psum_width`.
    /// Wider only for FP units on the compressor tree, whose lanes then feed the tree the top
    /// `psum_width` bits of it (rtl/NOTES.md, "Psum widths").
    pub wired_width: u32,
    pub pipeline: usize,
    pub multiplier: Multiplier,
    pub reduction: Reduction,
    /// `{format}_mac_k{K}_n{n}_p{S}_{multiplier}_{reduction}`, e.g.
    /// `mxint8_mac_k32_n16_p0_booth4_csa`.
    pub name: String,
}

impl UnitPlan {
    /// Validate `params` for `format`.
    pub fn new(format: &BlockFormat, params: &UnitParams) -> Result<Self, RtlError> {
        let lanes = params.lanes.unwrap_or(format.default_lanes());
        if !(lanes.is_power_of_two() && lanes <= MAX_LANES) {
            return Err(RtlError::Lanes { lanes });
        }
        if params.pipeline > MAX_PIPELINE {
            return Err(RtlError::Pipeline {
                stages: params.pipeline,
            });
        }
        let min = 2 * format.elem.man_bits() + 2;
        let psum_width = match (format.elem, params.psum_width) {
            // INT block sums are always exact: the tree input is the exact product.
            (ElemFormat::Int { bits }, PsumWidth::Bits(n)) if n < 2 * bits => {
                return Err(RtlError::PsumTooNarrow {
                    format: format.name.clone(),
                    width: n,
                    min,
                })
            }
            (ElemFormat::Int { bits }, _) => 2 * bits,
            (_, PsumWidth::Default) => format.default_psum_width(),
            (_, PsumWidth::Exact) => format.exact_psum_width(),
            (_, PsumWidth::Bits(n)) => n,
        };
        if psum_width < min {
            return Err(RtlError::PsumTooNarrow {
                format: format.name.clone(),
                width: psum_width,
                min,
            });
        }
        let supported = supported_psum_widths(format);
        if supported.is_empty() {
            return Err(RtlError::Unsupported {
                format: format.name.clone(),
                why: build::describe(format),
            });
        }
        let (multiplier, reduction) = params.arch.resolve(format)?;
        // Any width up to the widest built one: the lanes keep the top n bits of a wider
        // built window. The carry-propagate front end takes its built widths only.
        let max = supported.iter().copied().max().unwrap_or(psum_width);
        let wired = match wired_psum_width(format, psum_width) {
            Some(w) if w == psum_width || reduction == Reduction::CsaTree => w,
            _ => {
                let why = if psum_width <= max {
                    format!(
                        " with the compressor tree; the cpa tree is built at {} only",
                        supported
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )
                } else {
                    String::new()
                };
                return Err(RtlError::PsumUnsupported {
                    format: format.name.clone(),
                    width: psum_width,
                    min,
                    max,
                    why,
                });
            }
        };
        let name = format!(
            "{}_mac_k{lanes}_n{psum_width}_p{}_{}_{}",
            format.name,
            params.pipeline,
            multiplier.label(),
            reduction.tag()
        );
        Ok(Self {
            format: format.clone(),
            lanes,
            psum_width,
            wired_width: wired,
            pipeline: params.pipeline,
            multiplier,
            reduction,
            name,
        })
    }

    /// The plan's architecture, both parts explicit.
    pub fn arch(&self) -> Arch {
        Arch {
            multiplier: Some(self.multiplier),
            reduction: Some(self.reduction),
        }
    }

    /// Element code width W.
    pub fn elem_bits(&self) -> u32 {
        self.format.elem.bits()
    }

    /// Width of the front end's `sum`: tree input (INT 2b, FP wired n + 1) + log2 k.
    pub fn sum_width(&self) -> u32 {
        let input = if self.format.elem.is_int() {
            self.wired_width
        } else {
            self.wired_width + 1
        };
        input + self.lanes.trailing_zeros()
    }

    /// Whether the top has `a_scale` and `b_scale` ports (not for a format without a scale,
    /// whose unit ties them inside: [`verilog::tie_scale_inputs`]).
    pub fn has_scale_ports(&self) -> bool {
        self.format.scale != crate::format::ScaleFormat::Unscaled
    }

    /// Cycles from presenting a block to its result in `acc`: 1 + S.
    pub fn latency(&self) -> usize {
        1 + self.pipeline
    }

    /// Bytes of one packed operand in the harness protocol: ceil(k * W / 8).
    pub fn operand_bytes(&self) -> usize {
        (self.lanes * self.elem_bits() as usize).div_ceil(8)
    }
}
