//! Mixed-format MAC units (issue 8): one unit serving an 8-bit MX format and a 4-bit NV
//! format at 1:2 throughput, selected by a `mode` input, in the study's reuse schemes and
//! without reuse; their plan, RTL, emission and direct stepping. Ports, operand packing and
//! numerics: rtl/NOTES.md ("Mixed units"); the software model is [`crate::datapath::mixed`].

mod back;
mod emit;
mod front;
mod lanes;
mod unit;

pub use emit::{
    emit_mixed, generate_mixed, mixed_harness_source, mixed_icarus_testbench, MixedGenerated,
};
pub use unit::MixedCycleIn;

use crate::datapath::mixed::{check_lanes, nv_blocks, MixedError, MixedFormat, MixedKind};
use crate::rtl::{Multiplier, Reduction, RtlError};
use unit::MixedCore;

/// How the two formats share hardware.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Reuse {
    /// The study's schemes: INT scheme 2 (int8 x (u)int4 multiplier pairs), FP scheme (E4M3
    /// lanes that also run E2M1, beside E2M1 lanes).
    #[default]
    Scheme,
    /// Separate 8-bit and 4-bit datapaths side by side (the idle one's operands held at
    /// zero); `mode` selects the result. The back end (converters, FP32 adders, accumulator)
    /// is the same as `scheme`'s.
    Separate,
}

/// Errors of mixed-unit generation and simulation, found before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum MixedRtlError {
    #[error(transparent)]
    Mixed(#[from] MixedError),
    #[error("mixed units are built without pipeline stages (S = 0); got {0}")]
    Pipeline(usize),
    #[error(transparent)]
    Rtl(#[from] RtlError),
    #[error("{what}: expected {expected} codes in mode {mode}, got {got}")]
    CodeCount {
        what: &'static str,
        mode: u8,
        expected: usize,
        got: usize,
    },
    #[error("{format} (--reuse {reuse}) is not built with --multiplier {multiplier} --reduction {reduction}: {why}")]
    Arch {
        format: String,
        reuse: &'static str,
        multiplier: Multiplier,
        reduction: Reduction,
        why: &'static str,
    },
    #[error("rust-hdl simulation of {unit}: {why}")]
    Sim { unit: String, why: String },
}

/// A validated mixed unit.
#[derive(Clone, Debug, PartialEq)]
pub struct MixedPlan {
    pub format: MixedFormat,
    pub reuse: Reuse,
    /// 8-bit lanes K (16, 32 or 64).
    pub lanes: usize,
    /// NV blocks per 4-bit cycle, G = K / 8.
    pub groups: usize,
    /// The 8-bit path's psum width n: 24 (MXFP8's default) or 16 (INT8's exact product).
    pub psum_width: u32,
    pub pipeline: usize,
    /// The 8-bit lanes' multiplier and the reduction (rtl/NOTES.md, "Mixed units").
    pub multiplier: Multiplier,
    pub reduction: Reduction,
    /// `{wide}_{narrow}_mac_k{K}_n{n}_p{S}_{multiplier}_{reduction}`, with `_noreuse` after the
    /// pair for [`Reuse::Separate`].
    pub name: String,
}

impl MixedPlan {
    /// Validate: `lanes` None = 32 (one MX block per 8-bit cycle).
    pub fn new(
        format: &MixedFormat,
        reuse: Reuse,
        lanes: Option<usize>,
        pipeline: usize,
    ) -> Result<Self, MixedRtlError> {
        let lanes = check_lanes(lanes.unwrap_or(format.wide.block))?;
        if pipeline != 0 {
            return Err(MixedRtlError::Pipeline(pipeline));
        }
        let psum_width = match format.kind {
            MixedKind::Int => 16,
            MixedKind::Fp => format.wide.default_psum_width(),
        };
        let mut plan = MixedPlan {
            format: format.clone(),
            reuse,
            lanes,
            groups: nv_blocks(lanes),
            psum_width,
            pipeline,
            multiplier: Multiplier::Array,
            reduction: Reduction::CsaTree,
            name: String::new(),
        };
        plan.set_arch(None, None)?;
        Ok(plan)
    }

    /// The same unit in another architecture (None: the default). Defaults: radix-4 Booth and
    /// compressor trees for the INT pair, array and compressor trees for the FP pair;
    /// `--reduction cpa-tree` alone selects the array multiplier.
    pub fn with_arch(
        mut self,
        multiplier: Option<Multiplier>,
        reduction: Option<Reduction>,
    ) -> Result<Self, MixedRtlError> {
        self.set_arch(multiplier, reduction)?;
        Ok(self)
    }

    fn set_arch(
        &mut self,
        multiplier: Option<Multiplier>,
        reduction: Option<Reduction>,
    ) -> Result<(), MixedRtlError> {
        let reduction = reduction.unwrap_or(Reduction::CsaTree);
        let def_mul = match (self.format.kind, reduction) {
            (MixedKind::Int, Reduction::CsaTree) => Multiplier::Booth4,
            _ => Multiplier::Array,
        };
        let multiplier = multiplier.unwrap_or(def_mul);
        let why = match (self.format.kind, self.reuse, multiplier, reduction) {
            (_, _, Multiplier::Booth4, Reduction::CpaTree) => {
                Some("radix-4 Booth is built into the csa-tree reduction only (--reduction csa-tree)")
            }
            (MixedKind::Fp, _, Multiplier::Booth4, _) => {
                Some("FP significands are never Booth-recoded (--multiplier array)")
            }
            (MixedKind::Int, Reuse::Scheme, Multiplier::Array, Reduction::CsaTree) => Some(
                "the shared INT lanes are built as booth4 + csa-tree or array + cpa-tree \
                 (--reuse separate builds array + csa-tree)",
            ),
            _ => None,
        };
        if let Some(why) = why {
            return Err(MixedRtlError::Arch {
                format: self.format.name(),
                reuse: match self.reuse {
                    Reuse::Scheme => "scheme",
                    Reuse::Separate => "separate",
                },
                multiplier,
                reduction,
                why,
            });
        }
        let tag = match self.reuse {
            Reuse::Scheme => "",
            Reuse::Separate => "_noreuse",
        };
        self.multiplier = multiplier;
        self.reduction = reduction;
        self.name = format!(
            "{}_{}{tag}_mac_k{}_n{}_p{}_{}_{}",
            self.format.wide.name,
            self.format.narrow.name,
            self.lanes,
            self.psum_width,
            self.pipeline,
            multiplier.label(),
            reduction.tag()
        );
        Ok(())
    }

    /// Width of `a` and `b`: 8K bits.
    pub fn operand_bits(&self) -> usize {
        8 * self.lanes
    }

    /// Width of `a_scale` and `b_scale`: one byte per NV block, 8G bits.
    pub fn scale_bits(&self) -> usize {
        8 * self.groups
    }

    /// Bytes of one harness input record: flags, a, b, a_scale, b_scale.
    pub fn input_record_bytes(&self) -> usize {
        1 + 2 * self.lanes + 2 * self.groups
    }

    pub fn latency(&self) -> usize {
        1 + self.pipeline
    }
}

impl MixedSim {
    /// Mutation testing: make one lane's multiplier wrong (the Verilog is never emitted from
    /// a corrupted unit); false if the architecture has no such hook.
    pub fn corrupt_multiplier(&mut self) -> bool {
        self.core.corrupt_multiplier()
    }
}

/// A mixed unit's rust-hdl model, stepped one clock cycle per call (as [`crate::rtl::UnitSim`]).
pub struct MixedSim {
    plan: MixedPlan,
    core: Box<dyn MixedCore>,
}

impl MixedSim {
    pub fn new(plan: &MixedPlan) -> Self {
        MixedSim {
            plan: plan.clone(),
            core: unit::build(plan),
        }
    }

    pub fn plan(&self) -> &MixedPlan {
        &self.plan
    }

    /// One cycle: K codes per operand in mode 0 (`four_bit` false), 2K in mode 1; G scale
    /// codes per operand.
    pub fn step(&mut self, inp: &MixedCycleIn) -> Result<(bool, u32), MixedRtlError> {
        let (k, g) = (self.plan.lanes, self.plan.groups);
        let codes = if inp.mode { 2 * k } else { k };
        let mode = inp.mode as u8;
        for (what, n, expected) in [
            ("operand a", inp.a.len(), codes),
            ("operand b", inp.b.len(), codes),
            ("a_scale", inp.a_scale.len(), g),
            ("b_scale", inp.b_scale.len(), g),
        ] {
            if n != expected {
                return Err(MixedRtlError::CodeCount {
                    what,
                    mode,
                    expected,
                    got: n,
                });
            }
        }
        self.core.step(inp).map_err(|why| MixedRtlError::Sim {
            unit: self.plan.name.clone(),
            why,
        })
    }
}
