//! The MAC-unit top (rtl/NOTES.md): front end, optional pipeline registers, back end
//! (scale combine, conversion to binary32, FP32 adder), the accumulator register and the
//! valid/clear/reset logic; and [`UnitCore`], the object-safe face of every monomorphized
//! unit, used to emit Verilog and to step the circuit directly.

use rust_hdl::prelude::*;

use super::fp32::{
    Fp32Add, ScaleCombineE4m3, ScaleCombineUe5m3, ScaleCombineUe8m0, ToBinary32, ToBinary32Nv,
};
use super::front::{FpFront, IntFront, LSB_EXP_BITS};
use super::piped::{FpFrontPiped, IntFrontPiped};
use super::prim::{bits_of, i128_of, Reg};

/// Registers between the front end and the back end: the first pipeline stage.
/// `valid` is cleared by `rst`; the data registers have no reset.
#[derive(LogicBlock, Default)]
pub struct FrontRegs<const SW: usize> {
    pub clk: Signal<In, Clock>,
    pub rst: Signal<In, Bit>,
    pub sum_d: Signal<In, Signed<SW>>,
    pub lsb_exp_d: Signal<In, Signed<LSB_EXP_BITS>>,
    pub special_d: Signal<In, Bits<2>>,
    pub a_scale_d: Signal<In, Bits<8>>,
    pub b_scale_d: Signal<In, Bits<8>>,
    pub valid_d: Signal<In, Bit>,
    pub clear_d: Signal<In, Bit>,
    pub sum_q: Signal<Out, Signed<SW>>,
    pub lsb_exp_q: Signal<Out, Signed<LSB_EXP_BITS>>,
    pub special_q: Signal<Out, Bits<2>>,
    pub a_scale_q: Signal<Out, Bits<8>>,
    pub b_scale_q: Signal<Out, Bits<8>>,
    pub valid_q: Signal<Out, Bit>,
    pub clear_q: Signal<Out, Bit>,
    sum: Reg<Signed<SW>>,
    lsb_exp: Reg<Signed<LSB_EXP_BITS>>,
    special: Reg<Bits<2>>,
    a_scale: Reg<Bits<8>>,
    b_scale: Reg<Bits<8>>,
    valid: Reg<Bit>,
    clear: Reg<Bit>,
}

impl<const SW: usize> Logic for FrontRegs<SW> {
    #[hdl_gen]
    fn update(&mut self) {
        self.sum.clk.next = self.clk.val();
        self.lsb_exp.clk.next = self.clk.val();
        self.special.clk.next = self.clk.val();
        self.a_scale.clk.next = self.clk.val();
        self.b_scale.clk.next = self.clk.val();
        self.valid.clk.next = self.clk.val();
        self.clear.clk.next = self.clk.val();
        self.sum.d.next = self.sum_d.val();
        self.lsb_exp.d.next = self.lsb_exp_d.val();
        self.special.d.next = self.special_d.val();
        self.a_scale.d.next = self.a_scale_d.val();
        self.b_scale.d.next = self.b_scale_d.val();
        self.valid.d.next = self.valid_d.val() & !self.rst.val();
        self.clear.d.next = self.clear_d.val();
        self.sum_q.next = self.sum.q.val();
        self.lsb_exp_q.next = self.lsb_exp.q.val();
        self.special_q.next = self.special.q.val();
        self.a_scale_q.next = self.a_scale.q.val();
        self.b_scale_q.next = self.b_scale.q.val();
        self.valid_q.next = self.valid.q.val();
        self.clear_q.next = self.clear.q.val();
    }
}

/// Registers after the conversion to binary32: pipeline stages 2..=S, a chain of S - 1
/// registers for `r` and its valid/clear bits (`valid` cleared by `rst` at every stage).
/// Past the second stage the extra stages only add latency: the accumulator's own loop
/// (FP32 add -> acc) then bounds the clock period, so they sit at the unit's narrowest cut.
#[derive(LogicBlock)]
pub struct RoundRegs {
    pub clk: Signal<In, Clock>,
    pub rst: Signal<In, Bit>,
    pub r_d: Signal<In, Bits<32>>,
    pub valid_d: Signal<In, Bit>,
    pub clear_d: Signal<In, Bit>,
    pub r_q: Signal<Out, Bits<32>>,
    pub valid_q: Signal<Out, Bit>,
    pub clear_q: Signal<Out, Bit>,
    r: Vec<Reg<Bits<32>>>,
    valid: Vec<Reg<Bit>>,
    clear: Vec<Reg<Bit>>,
}

impl RoundRegs {
    pub fn new(depth: usize) -> Self {
        assert!(depth >= 1);
        Self {
            clk: Default::default(),
            rst: Default::default(),
            r_d: Default::default(),
            valid_d: Default::default(),
            clear_d: Default::default(),
            r_q: Default::default(),
            valid_q: Default::default(),
            clear_q: Default::default(),
            r: (0..depth).map(|_| Default::default()).collect(),
            valid: (0..depth).map(|_| Default::default()).collect(),
            clear: (0..depth).map(|_| Default::default()).collect(),
        }
    }
}

impl Logic for RoundRegs {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self.r.len() {
            self.r[i].clk.next = self.clk.val();
            self.valid[i].clk.next = self.clk.val();
            self.clear[i].clk.next = self.clk.val();
        }
        self.r[0].d.next = self.r_d.val();
        self.valid[0].d.next = self.valid_d.val() & !self.rst.val();
        self.clear[0].d.next = self.clear_d.val();
        for i in 1..self.r.len() {
            self.r[i].d.next = self.r[i - 1].q.val();
            self.valid[i].d.next = self.valid[i - 1].q.val() & !self.rst.val();
            self.clear[i].d.next = self.clear[i - 1].q.val();
        }
        for last in (self.r.len() - 1)..self.r.len() {
            self.r_q.next = self.r[last].q.val();
            self.valid_q.next = self.valid[last].q.val();
            self.clear_q.next = self.clear[last].q.val();
        }
    }
}

/// Next state of the accumulator register and of `out_valid` (rtl/NOTES.md): `rst`
/// gives +0 and not valid; a valid block loads `r` (with `clear`) or `sum` = acc + r;
/// otherwise `acc` holds and `out_valid` drops. Its own block, so that the top is pure
/// wiring: Verilator cannot order an always block that both feeds the FP32 adder and
/// selects from its output (UNOPTFLAT).
#[derive(LogicBlock)]
pub struct AccUpdate {
    pub rst: Signal<In, Bit>,
    pub valid: Signal<In, Bit>,
    pub clear: Signal<In, Bit>,
    pub r: Signal<In, Bits<32>>,
    pub sum: Signal<In, Bits<32>>,
    pub acc: Signal<In, Bits<32>>,
    pub acc_d: Signal<Out, Bits<32>>,
    pub valid_d: Signal<Out, Bit>,
    zero32: Constant<Bits<32>>,
}

impl Default for AccUpdate {
    fn default() -> Self {
        Self {
            rst: Default::default(),
            valid: Default::default(),
            clear: Default::default(),
            r: Default::default(),
            sum: Default::default(),
            acc: Default::default(),
            acc_d: Default::default(),
            valid_d: Default::default(),
            zero32: Constant::new(0u64.into()),
        }
    }
}

impl Logic for AccUpdate {
    #[hdl_gen]
    fn update(&mut self) {
        if self.rst.val() {
            self.acc_d.next = self.zero32.val();
        } else if self.valid.val() {
            if self.clear.val() {
                self.acc_d.next = self.r.val();
            } else {
                self.acc_d.next = self.sum.val();
            }
        } else {
            self.acc_d.next = self.acc.val();
        }
        self.valid_d.next = self.valid.val() & !self.rst.val();
    }
}

/// Inputs of one clock cycle, as the harness protocol of rtl/NOTES.md has them.
#[derive(Clone, Copy, Debug)]
pub struct CycleIn<'a> {
    pub rst: bool,
    pub in_valid: bool,
    pub acc_clear: bool,
    /// Element codes of operand a, one per lane (low W bits used).
    pub a: &'a [u32],
    pub b: &'a [u32],
    pub a_scale: u8,
    pub b_scale: u8,
}

/// What the outside needs from a monomorphized unit.
pub trait UnitCore: Send {
    /// rust-hdl's Verilog (module `top`, one module per instance).
    fn raw_verilog(&self) -> String;
    /// One clock cycle: inputs applied while clk is low, then the rising edge; returns
    /// (out_valid, acc) after the edge. Errors if the circuit does not settle.
    fn step(&mut self, inp: &CycleIn) -> Result<(bool, u32), String>;
    /// The front end's combinational outputs (sum, lsb_exp, special) for the inputs of the
    /// last `step`, as seen before the edge.
    fn front_outputs(&self) -> (i128, i32, u8);
    /// Mutation testing: lane 0's multiplier adds instead of multiplying.
    fn corrupt_multiplier(&mut self);
}

/// Settle iterations allowed per half clock: rust-hdl propagates one block boundary per
/// pass, and the deepest path of a unit crosses well under a hundred.
const SETTLE_PASSES: usize = 1000;

/// Element codes packed into a KW-bit bus, element i at bits [i*W +: W] (low W bits of
/// each code).
pub fn pack<const KW: usize, const W: usize>(codes: &[u32]) -> Bits<KW> {
    let mut x = Bits::<KW>::default();
    for (i, &c) in codes.iter().enumerate() {
        x.set_bits::<W>(i * W, bits_of::<W>(c as u128));
    }
    x
}

macro_rules! mac_unit {
    (
        $(#[$doc:meta])*
        $name:ident [$($g:ident),*], kw: $kw:ident, sw: $sw:ident, w: $w:ident,
        front: $front:ty, scale: $scale:ty, to_binary32: $tob:ty,
        extra: [$(($dst:ident, $src:ident)),*],
        ctl: [$(@$pre:ident)? $sa:ident, $sb:ident, $sv:ident, $sc:ident]
    ) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name<$(const $g: usize),*> {
            pub clk: Signal<In, Clock>,
            pub rst: Signal<In, Bit>,
            pub in_valid: Signal<In, Bit>,
            pub acc_clear: Signal<In, Bit>,
            pub a: Signal<In, Bits<$kw>>,
            pub b: Signal<In, Bits<$kw>>,
            pub a_scale: Signal<In, Bits<8>>,
            pub b_scale: Signal<In, Bits<8>>,
            pub out_valid: Signal<Out, Bit>,
            pub acc: Signal<Out, Bits<32>>,
            front: $front,
            front_regs: Vec<FrontRegs<$sw>>,
            scale: $scale,
            to_binary32: $tob,
            round_regs: Vec<RoundRegs>,
            fp32_add: Fp32Add,
            acc_update: AccUpdate,
            acc_reg: Reg<Bits<32>>,
            valid_reg: Reg<Bit>,
            // Back-end inputs: the front end's outputs, or `front_regs` when pipelined.
            be_sum: Signal<Local, Signed<$sw>>,
            be_lsb_exp: Signal<Local, Signed<LSB_EXP_BITS>>,
            be_special: Signal<Local, Bits<2>>,
            be_a_scale: Signal<Local, Bits<8>>,
            be_b_scale: Signal<Local, Bits<8>>,
            be_valid: Signal<Local, Bit>,
            be_clear: Signal<Local, Bit>,
            // The accumulator's inputs: from `to_binary32`, or `round_regs` when pipelined.
            r: Signal<Local, Bits<32>>,
            r_valid: Signal<Local, Bit>,
            r_clear: Signal<Local, Bit>,
        }

        impl<$(const $g: usize),*> $name<$($g),*> {
            /// The unit around `front` with `pipeline` extra register stages (0..=8), of
            /// which `front_cuts` are inside the front end (the pipelined FP front end's lane
            /// and carry-save cuts; 0 for every other front end).
            pub fn new(front: $front, pipeline: usize, front_cuts: usize) -> Self {
                assert!(pipeline == 0 || pipeline > front_cuts, "front-end cuts need the front registers after them");
                let round = pipeline.saturating_sub(1 + front_cuts);
                let mut u = Self {
                    clk: Default::default(),
                    rst: Default::default(),
                    in_valid: Default::default(),
                    acc_clear: Default::default(),
                    a: Default::default(),
                    b: Default::default(),
                    a_scale: Default::default(),
                    b_scale: Default::default(),
                    out_valid: Default::default(),
                    acc: Default::default(),
                    front,
                    front_regs: (0..pipeline.min(1)).map(|_| Default::default()).collect(),
                    scale: Default::default(),
                    to_binary32: Default::default(),
                    round_regs: (round >= 1).then(|| RoundRegs::new(round)).into_iter().collect(),
                    fp32_add: Default::default(),
                    acc_update: Default::default(),
                    acc_reg: Default::default(),
                    valid_reg: Default::default(),
                    be_sum: Default::default(),
                    be_lsb_exp: Default::default(),
                    be_special: Default::default(),
                    be_a_scale: Default::default(),
                    be_b_scale: Default::default(),
                    be_valid: Default::default(),
                    be_clear: Default::default(),
                    r: Default::default(),
                    r_valid: Default::default(),
                    r_clear: Default::default(),
                };
                u.connect_all();
                u
            }
        }

        impl<$(const $g: usize),*> Logic for $name<$($g),*> {
            // Zero-or-one-pass loops choose the pipelined or the direct wiring when the
            // Verilog is generated; both forms are plain wires in the output.
            #[hdl_gen]
            fn update(&mut self) {
                self.front.a.next = self.a.val();
                self.front.b.next = self.b.val();
                $(
                    self.$pre.clk.next = self.clk.val();
                    self.$pre.rst.next = self.rst.val();
                    self.$pre.a_scale_d.next = self.a_scale.val();
                    self.$pre.b_scale_d.next = self.b_scale.val();
                    self.$pre.valid_d.next = self.in_valid.val();
                    self.$pre.clear_d.next = self.acc_clear.val();
                )?
                for _z in 0..self.front_regs.len() {
                    self.front_regs[0].clk.next = self.clk.val();
                    self.front_regs[0].rst.next = self.rst.val();
                    self.front_regs[0].sum_d.next = self.front.sum.val();
                    self.front_regs[0].lsb_exp_d.next = self.front.lsb_exp.val();
                    self.front_regs[0].special_d.next = self.front.special.val();
                    self.front_regs[0].a_scale_d.next = self.$($pre.)?$sa.val();
                    self.front_regs[0].b_scale_d.next = self.$($pre.)?$sb.val();
                    self.front_regs[0].valid_d.next = self.$($pre.)?$sv.val();
                    self.front_regs[0].clear_d.next = self.$($pre.)?$sc.val();
                    self.be_sum.next = self.front_regs[0].sum_q.val();
                    self.be_lsb_exp.next = self.front_regs[0].lsb_exp_q.val();
                    self.be_special.next = self.front_regs[0].special_q.val();
                    self.be_a_scale.next = self.front_regs[0].a_scale_q.val();
                    self.be_b_scale.next = self.front_regs[0].b_scale_q.val();
                    self.be_valid.next = self.front_regs[0].valid_q.val();
                    self.be_clear.next = self.front_regs[0].clear_q.val();
                }
                for _z in self.front_regs.len()..1 {
                    self.be_sum.next = self.front.sum.val();
                    self.be_lsb_exp.next = self.front.lsb_exp.val();
                    self.be_special.next = self.front.special.val();
                    self.be_a_scale.next = self.$($pre.)?$sa.val();
                    self.be_b_scale.next = self.$($pre.)?$sb.val();
                    self.be_valid.next = self.$($pre.)?$sv.val();
                    self.be_clear.next = self.$($pre.)?$sc.val();
                }
                self.scale.a.next = self.be_a_scale.val();
                self.scale.b.next = self.be_b_scale.val();
                self.to_binary32.sum.next = self.be_sum.val();
                self.to_binary32.lsb_exp.next = self.be_lsb_exp.val();
                self.to_binary32.special.next = self.be_special.val();
                self.to_binary32.scale_exp.next = self.scale.exp.val();
                self.to_binary32.scale_nan.next = self.scale.nan.val();
                $(self.to_binary32.$dst.next = self.scale.$src.val();)*
                for _z in 0..self.round_regs.len() {
                    self.round_regs[0].clk.next = self.clk.val();
                    self.round_regs[0].rst.next = self.rst.val();
                    self.round_regs[0].r_d.next = self.to_binary32.r.val();
                    self.round_regs[0].valid_d.next = self.be_valid.val();
                    self.round_regs[0].clear_d.next = self.be_clear.val();
                    self.r.next = self.round_regs[0].r_q.val();
                    self.r_valid.next = self.round_regs[0].valid_q.val();
                    self.r_clear.next = self.round_regs[0].clear_q.val();
                }
                for _z in self.round_regs.len()..1 {
                    self.r.next = self.to_binary32.r.val();
                    self.r_valid.next = self.be_valid.val();
                    self.r_clear.next = self.be_clear.val();
                }
                self.fp32_add.a.next = self.acc_reg.q.val();
                self.fp32_add.b.next = self.r.val();
                self.acc_update.rst.next = self.rst.val();
                self.acc_update.valid.next = self.r_valid.val();
                self.acc_update.clear.next = self.r_clear.val();
                self.acc_update.r.next = self.r.val();
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

        impl<$(const $g: usize),*> UnitCore for $name<$($g),*> {
            fn raw_verilog(&self) -> String {
                generate_verilog(self)
            }

            fn step(&mut self, inp: &CycleIn) -> Result<(bool, u32), String> {
                self.clk.next = Clock::from(false);
                self.rst.next = inp.rst;
                self.in_valid.next = inp.in_valid;
                self.acc_clear.next = inp.acc_clear;
                self.a.next = pack::<$kw, $w>(inp.a);
                self.b.next = pack::<$kw, $w>(inp.b);
                self.a_scale.next = (inp.a_scale as u64).into();
                self.b_scale.next = (inp.b_scale as u64).into();
                if !simulate(self, SETTLE_PASSES) {
                    return Err("the circuit did not settle with clk low".into());
                }
                self.clk.next = Clock::from(true);
                if !simulate(self, SETTLE_PASSES) {
                    return Err("the circuit did not settle after the rising edge".into());
                }
                Ok((self.out_valid.val(), self.acc.val().to_u32()))
            }

            fn front_outputs(&self) -> (i128, i32, u8) {
                (
                    i128_of(self.front.sum.val()),
                    i128_of(self.front.lsb_exp.val()) as i32,
                    self.front.special.val().to_u32() as u8,
                )
            }

            fn corrupt_multiplier(&mut self) {
                self.front.corrupt_multiplier();
            }
        }
    };
}

mac_unit! {
    /// INT unit with UE8M0 scales (MXINT*).
    IntMxUnit [W, P, PB, KW, SW], kw: KW, sw: SW, w: W,
    front: IntFront<W, P, PB, KW, SW>, scale: ScaleCombineUe8m0, to_binary32: ToBinary32<SW>,
    extra: [],
    ctl: [a_scale, b_scale, in_valid, acc_clear]
}

mac_unit! {
    /// INT unit with E4M3 scales (NVINT4); PW = SW + 8 is the width of |sum| * scale_sig.
    IntNvUnit [W, P, PB, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: IntFront<W, P, PB, KW, SW>, scale: ScaleCombineE4m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [a_scale, b_scale, in_valid, acc_clear]
}

mac_unit! {
    /// FP unit with UE8M0 scales (MXFP*).
    FpMxUnit [W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW], kw: KW, sw: SW, w: W,
    front: FpFront<W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW>, scale: ScaleCombineUe8m0, to_binary32: ToBinary32<SW>,
    extra: [],
    ctl: [a_scale, b_scale, in_valid, acc_clear]
}

mac_unit! {
    /// FP unit with E4M3 scales (NVFP4); PW = SW + 8.
    FpNvUnit [W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: FpFront<W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW>, scale: ScaleCombineE4m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [a_scale, b_scale, in_valid, acc_clear]
}

mac_unit! {
    /// MXFP unit with cuts inside its front end ([`FpFrontPiped`]; S >= 3, compressor tree).
    FpMxUnitPiped [W, X, Y, X1, Y1, MB, N, N2, KW, SW], kw: KW, sw: SW, w: W,
    front: FpFrontPiped<W, X, Y, X1, Y1, MB, N, N2, KW, SW>, scale: ScaleCombineUe8m0, to_binary32: ToBinary32<SW>,
    extra: [],
    ctl: [@front a_scale_q, b_scale_q, valid_q, clear_q]
}

mac_unit! {
    /// NVFP unit with cuts inside its front end ([`FpFrontPiped`]; S >= 3, compressor tree).
    FpNvUnitPiped [W, X, Y, X1, Y1, MB, N, N2, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: FpFrontPiped<W, X, Y, X1, Y1, MB, N, N2, KW, SW>, scale: ScaleCombineE4m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [@front a_scale_q, b_scale_q, valid_q, clear_q]
}

mac_unit! {
    /// INT unit with UE5M3 scales (user formats); PW = SW + 8.
    IntUe5Unit [W, P, PB, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: IntFront<W, P, PB, KW, SW>, scale: ScaleCombineUe5m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [a_scale, b_scale, in_valid, acc_clear]
}

mac_unit! {
    /// FP unit with UE5M3 scales (user formats); PW = SW + 8.
    FpUe5Unit [W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: FpFront<W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW>, scale: ScaleCombineUe5m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [a_scale, b_scale, in_valid, acc_clear]
}

mac_unit! {
    /// FP unit with UE5M3 scales and cuts inside its front end ([`FpFrontPiped`]).
    FpUe5UnitPiped [W, X, Y, X1, Y1, MB, N, N2, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: FpFrontPiped<W, X, Y, X1, Y1, MB, N, N2, KW, SW>, scale: ScaleCombineUe5m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [@front a_scale_q, b_scale_q, valid_q, clear_q]
}

mac_unit! {
    /// MXINT unit with the carry-save cut inside its front end ([`IntFrontPiped`]; S >= 3).
    IntMxUnitPiped [W, PB, KW, SW], kw: KW, sw: SW, w: W,
    front: IntFrontPiped<W, PB, KW, SW>, scale: ScaleCombineUe8m0, to_binary32: ToBinary32<SW>,
    extra: [],
    ctl: [@front a_scale_q, b_scale_q, valid_q, clear_q]
}

mac_unit! {
    /// INT unit with E4M3 scales and the carry-save cut ([`IntFrontPiped`]; S >= 3).
    IntNvUnitPiped [W, PB, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: IntFrontPiped<W, PB, KW, SW>, scale: ScaleCombineE4m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [@front a_scale_q, b_scale_q, valid_q, clear_q]
}

mac_unit! {
    /// INT unit with UE5M3 scales and the carry-save cut ([`IntFrontPiped`]; S >= 3).
    IntUe5UnitPiped [W, PB, KW, SW, PW], kw: KW, sw: SW, w: W,
    front: IntFrontPiped<W, PB, KW, SW>, scale: ScaleCombineUe5m3, to_binary32: ToBinary32Nv<SW, PW>,
    extra: [(scale_sig, sig), (scale_neg, neg)],
    ctl: [@front a_scale_q, b_scale_q, valid_q, clear_q]
}
