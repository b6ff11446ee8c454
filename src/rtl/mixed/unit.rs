//! The mixed unit's top: front end, [`MixedBack`], the FP32 accumulator and its registers;
//! the run-time dispatch from a [`MixedPlan`] to the monomorphized top; direct stepping.

use rust_hdl::prelude::*;

use super::back::MixedBack;
use super::front::{
    Corruptible, FpReuseFront, FpReuseFrontCsa, FpSepFront, FpSepFrontCsa, IntReuseFront,
    IntReuseFrontCsa, IntSepFront, IntSepFrontCsa,
};
use super::{MixedPlan, Reuse};
use crate::datapath::mixed::MixedKind;
use crate::rtl::csa::PpKind;
use crate::rtl::{Multiplier, Reduction};
use crate::rtl::fp32::Fp32Add;
use crate::rtl::prim::Reg;
use crate::rtl::unit::{pack, AccUpdate};

/// Inputs of one clock cycle of a mixed unit (the harness record of rtl/NOTES.md).
#[derive(Clone, Copy, Debug)]
pub struct MixedCycleIn<'a> {
    pub rst: bool,
    pub in_valid: bool,
    pub acc_clear: bool,
    /// false: 8-bit format (K codes in `a`, `b`); true: 4-bit format (2K codes).
    pub mode: bool,
    pub a: &'a [u32],
    pub b: &'a [u32],
    /// G = K/8 scale codes per operand; mode 0 uses entry 0 (UE8M0).
    pub a_scale: &'a [u8],
    pub b_scale: &'a [u8],
}

/// What the outside needs from a monomorphized mixed unit.
pub trait MixedCore: Send {
    fn raw_verilog(&self) -> String;
    /// One clock cycle (inputs with clk low, then the rising edge); (out_valid, acc) after.
    fn step(&mut self, inp: &MixedCycleIn) -> Result<(bool, u32), String>;
    /// Mutation testing: make one lane's multiplier wrong; false if this front has no hook.
    fn corrupt_multiplier(&mut self) -> bool;
}

const SETTLE_PASSES: usize = 1000;

macro_rules! mixed_unit {
    ($(#[$doc:meta])* $name:ident, front: $front:ty, swa: $swa:literal, swb: $swb:literal) => {
        $(#[$doc])*
        /// R2 = 2 SWR: the width of a carry-save pair in the compressor-tree fronts.
        #[derive(LogicBlock)]
        pub struct $name<const KW: usize, const SC: usize, const SWR: usize, const PWR: usize, const R2: usize> {
            pub clk: Signal<In, Clock>,
            pub rst: Signal<In, Bit>,
            pub in_valid: Signal<In, Bit>,
            pub acc_clear: Signal<In, Bit>,
            pub mode: Signal<In, Bit>,
            pub a: Signal<In, Bits<KW>>,
            pub b: Signal<In, Bits<KW>>,
            pub a_scale: Signal<In, Bits<SC>>,
            pub b_scale: Signal<In, Bits<SC>>,
            pub out_valid: Signal<Out, Bit>,
            pub acc: Signal<Out, Bits<32>>,
            front: $front,
            back: MixedBack<SWR, PWR, $swa, { $swa + 8 }, $swb, { $swb + 8 }>,
            fp32_add: Fp32Add,
            acc_update: AccUpdate,
            acc_reg: Reg<Bits<32>>,
            valid_reg: Reg<Bit>,
        }

        impl<const KW: usize, const SC: usize, const SWR: usize, const PWR: usize, const R2: usize> $name<KW, SC, SWR, PWR, R2> {
            /// The unit of K = KW / 8 lanes (G = K / 8 NV blocks per 4-bit cycle, SC = 8G);
            /// `kind`: the 8-bit INT lanes' partial products (compressor-tree fronts only).
            pub fn new(k: usize, kind: PpKind) -> Self {
                assert!(KW == 8 * k && SC == k && PWR == SWR + 8 && R2 == 2 * SWR);
                let mut u = Self {
                    clk: Default::default(),
                    rst: Default::default(),
                    in_valid: Default::default(),
                    acc_clear: Default::default(),
                    mode: Default::default(),
                    a: Default::default(),
                    b: Default::default(),
                    a_scale: Default::default(),
                    b_scale: Default::default(),
                    out_valid: Default::default(),
                    acc: Default::default(),
                    front: <$front>::new(k, kind),
                    back: MixedBack::new(k / 8),
                    fp32_add: Default::default(),
                    acc_update: Default::default(),
                    acc_reg: Default::default(),
                    valid_reg: Default::default(),
                };
                u.connect_all();
                u
            }
        }

        impl<const KW: usize, const SC: usize, const SWR: usize, const PWR: usize, const R2: usize> Logic for $name<KW, SC, SWR, PWR, R2> {
            #[hdl_gen]
            fn update(&mut self) {
                self.front.a.next = self.a.val();
                self.front.b.next = self.b.val();
                self.front.mode.next = self.mode.val();
                self.back.mode.next = self.mode.val();
                for j in 0..self.back.a_scale.len() {
                    self.back.a_scale[j].next = self.a_scale.val().get_bits::<8>(8 * j);
                    self.back.b_scale[j].next = self.b_scale.val().get_bits::<8>(8 * j);
                }
                self.back.root_sum.next = self.front.root_sum.val();
                self.back.root_lsb.next = self.front.root_lsb.val();
                self.back.root_special.next = self.front.root_special.val();
                for j in 0..self.front.ga_sum.len() {
                    self.back.ga_sum[j].next = self.front.ga_sum[j].val();
                    self.back.ga_lsb[j].next = self.front.ga_lsb[j].val();
                    self.back.ga_special[j].next = self.front.ga_special[j].val();
                }
                for j in 0..self.front.gb_sum.len() {
                    self.back.gb_sum[j].next = self.front.gb_sum[j].val();
                    self.back.gb_lsb[j].next = self.front.gb_lsb[j].val();
                    self.back.gb_special[j].next = self.front.gb_special[j].val();
                }
                self.fp32_add.a.next = self.acc_reg.q.val();
                self.fp32_add.b.next = self.back.r.val();
                self.acc_update.rst.next = self.rst.val();
                self.acc_update.valid.next = self.in_valid.val();
                self.acc_update.clear.next = self.acc_clear.val();
                self.acc_update.r.next = self.back.r.val();
                self.acc_update.sum.next = self.fp32_add.s.val();
                self.acc_update.acc.next = self.acc_reg.q.val();
                self.acc_reg.clk.next = self.clk.val();
                self.acc_reg.d.next = self.acc_update.acc_d.val();
                self.valid_reg.clk.next = self.clk.val();
                self.valid_reg.d.next = self.acc_update.valid_d.val();
                self.acc.next = self.acc_reg.q.val();
                self.out_valid.next = self.valid_reg.q.val();
            }
        }

        impl<const KW: usize, const SC: usize, const SWR: usize, const PWR: usize, const R2: usize> MixedCore for $name<KW, SC, SWR, PWR, R2> {
            fn raw_verilog(&self) -> String {
                generate_verilog(self)
            }

            fn corrupt_multiplier(&mut self) -> bool {
                self.front.corrupt_multiplier()
            }

            fn step(&mut self, inp: &MixedCycleIn) -> Result<(bool, u32), String> {
                self.clk.next = Clock::from(false);
                self.rst.next = inp.rst;
                self.in_valid.next = inp.in_valid;
                self.acc_clear.next = inp.acc_clear;
                self.mode.next = inp.mode;
                if inp.mode {
                    self.a.next = pack::<KW, 4>(inp.a);
                    self.b.next = pack::<KW, 4>(inp.b);
                } else {
                    self.a.next = pack::<KW, 8>(inp.a);
                    self.b.next = pack::<KW, 8>(inp.b);
                }
                let scales = |s: &[u8]| pack::<SC, 8>(&s.iter().map(|&c| c as u32).collect::<Vec<_>>());
                self.a_scale.next = scales(inp.a_scale);
                self.b_scale.next = scales(inp.b_scale);
                if !simulate(self, SETTLE_PASSES) {
                    return Err("the circuit did not settle with clk low".into());
                }
                self.clk.next = Clock::from(true);
                if !simulate(self, SETTLE_PASSES) {
                    return Err("the circuit did not settle after the rising edge".into());
                }
                Ok((self.out_valid.val(), self.acc.val().to_u32()))
            }
        }
    };
}

mixed_unit! {
    /// MXINT8 + NVINT4, INT reuse scheme 2.
    IntReuseUnit, front: IntReuseFront<KW, SWR>, swa: 12, swb: 12
}
mixed_unit! {
    /// MXINT8 + NVINT4, radix-4 Booth lanes that also run int4 pairs, compressor trees.
    IntReuseCsaUnit, front: IntReuseFrontCsa<KW, SWR, R2>, swa: 12, swb: 12
}
mixed_unit! {
    /// MXFP8 + NVFP4, FP reuse scheme (E4M3 lanes also run E2M1, beside E2M1 lanes).
    FpReuseUnit, front: FpReuseFront<KW, SWR>, swa: 29, swb: 15
}
mixed_unit! {
    /// MXFP8 + NVFP4, FP reuse scheme with compressor trees.
    FpReuseCsaUnit, front: FpReuseFrontCsa<KW, SWR, R2>, swa: 29, swb: 15
}
mixed_unit! {
    /// MXINT8 + NVINT4 without reuse (separate datapaths, selected by `mode`).
    IntSepUnit, front: IntSepFront<KW, SWR>, swa: 12, swb: 12
}
mixed_unit! {
    /// MXINT8 + NVINT4 without reuse, compressor trees.
    IntSepCsaUnit, front: IntSepFrontCsa<KW, SWR>, swa: 12, swb: 12
}
mixed_unit! {
    /// MXFP8 + NVFP4 without reuse (separate datapaths, selected by `mode`).
    FpSepUnit, front: FpSepFront<KW, SWR>, swa: 15, swb: 15
}
mixed_unit! {
    /// MXFP8 + NVFP4 without reuse, compressor trees.
    FpSepCsaUnit, front: FpSepFrontCsa<KW, SWR>, swa: 15, swb: 15
}

/// Build the rust-hdl unit of a validated plan. Root sum widths SWR: INT reuse 20 + log2 G
/// (16-bit leaves), INT reuse with compressor trees and INT no-reuse 16 + log2 K, FP reuse
/// 29 + log2(G/2) (the E4M3 groups), FP no-reuse 25 + log2 K.
pub fn build(p: &MixedPlan) -> Box<dyn MixedCore> {
    let kind = match p.multiplier {
        Multiplier::Array => PpKind::Array,
        Multiplier::Booth4 => PpKind::Booth4,
    };
    macro_rules! pick {
        ($unit:ident, [$($k:literal $swr:literal),*]) => {
            match p.lanes {
                $($k => Box::new($unit::<{ 8 * $k }, $k, $swr, { $swr + 8 }, { 2 * $swr }>::new($k, kind)) as Box<dyn MixedCore>,)*
                k => unreachable!("lanes {k} passed validation"),
            }
        };
    }
    let csa = p.reduction == Reduction::CsaTree;
    match (p.format.kind, p.reuse, csa) {
        (MixedKind::Int, Reuse::Scheme, false) => pick!(IntReuseUnit, [16 21, 32 22, 64 23]),
        (MixedKind::Int, Reuse::Scheme, true) => pick!(IntReuseCsaUnit, [16 20, 32 21, 64 22]),
        (MixedKind::Fp, Reuse::Scheme, false) => pick!(FpReuseUnit, [16 29, 32 30, 64 31]),
        (MixedKind::Fp, Reuse::Scheme, true) => pick!(FpReuseCsaUnit, [16 29, 32 30, 64 31]),
        (MixedKind::Int, Reuse::Separate, false) => pick!(IntSepUnit, [16 20, 32 21, 64 22]),
        (MixedKind::Int, Reuse::Separate, true) => pick!(IntSepCsaUnit, [16 20, 32 21, 64 22]),
        (MixedKind::Fp, Reuse::Separate, false) => pick!(FpSepUnit, [16 29, 32 30, 64 31]),
        (MixedKind::Fp, Reuse::Separate, true) => pick!(FpSepCsaUnit, [16 29, 32 30, 64 31]),
    }
}
