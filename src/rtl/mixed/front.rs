//! The front ends of the mixed units: element codes to block sums for both modes. Every
//! front end has the same ports, so one top ([`super::unit`]) serves all four:
//! - in: `a`, `b` (KW = 8K bits: K 8-bit codes in mode 0, 2K 4-bit codes in mode 1, element
//!   i at bits [i*W +: W]), `mode`;
//! - out, mode 0: `root_sum` (SWR bits), `root_lsb`, `root_special`: the 8-bit block;
//! - out, mode 1: per NV block j (elements 16j .. 16j + 15) a sum, LSB exponent and special
//!   code, split in two vectors: `ga_*` for blocks 0 .. G/2 - 1 (SWA-bit sums) and `gb_*` for
//!   blocks G/2 .. G - 1 (SWB bits). The back end shares the converter of block 0 with mode 0.
//!
//! Reuse fronts ([`IntReuseFront`], [`FpReuseFront`]) are the study's reuse schemes; the
//! no-reuse fronts ([`IntSepFront`], [`FpSepFront`]) put a single-format 8-bit front end
//! beside G single-format NV front ends. Lanes idle in a mode (the no-reuse fronts' other
//! datapath, the FP scheme's E2M1 lanes in mode 0) get zero operands (operand isolation).

use rust_hdl::prelude::*;

use super::lanes::{E4m3Group, E4m3GroupCsa, IntGroup, IntGroupCsa};
use crate::format::FpSpecials;
use crate::rtl::csa::{rows_layout, CsaTree, PpKind};
use crate::rtl::front::{FpFrontCpa as FpFront, FpFrontCsa, IntFrontCpa as IntFront, IntFrontCsa, LSB_EXP_BITS};
use crate::rtl::prim::{AdderTree, ZeroExtend};
use crate::rtl::reduce::{MaxExpTree, Specials};

/// A 12-bit two's-complement constant kept as raw bits (rust-hdl prints negative `Signed`
/// constants as invalid Verilog), `$signed` where read.
fn exp_const(v: i64) -> Constant<Bits<LSB_EXP_BITS>> {
    Constant::new(((v as u64) & 0xFFF).into())
}

/// The E2M1 (NVFP4) front end of one NV block: 16 lanes, exact window n = 10.
pub type Nvfp4Front = FpFront<4, 2, 1, 3, 2, 4, 10, 11, 64, 15>;
/// The INT4 (NVINT4) front end of one NV block: 16 lanes, 12-bit exact sum.
pub type Nvint4Front = IntFront<4, 8, 64, 12>;

fn nvfp4_front() -> Nvfp4Front {
    FpFront::new(16, 1, FpSpecials::Finite)
}

/// The NVFP4 front end with one compressor tree (N2 = 12).
pub type Nvfp4FrontCsa = FpFrontCsa<4, 2, 1, 3, 2, 4, 10, 11, 12, 64, 15>;
/// The NVINT4 front end with one compressor tree over array partial products (16 per lane).
pub type Nvint4FrontCsa = IntFrontCsa<4, 16, 64, 12>;

fn nvfp4_front_csa() -> Nvfp4FrontCsa {
    FpFrontCsa::new(16, 1, FpSpecials::Finite)
}

/// Vector output ports of `n` signals.
fn outs<T: Synth>(n: usize) -> Vec<Signal<Out, T>> {
    (0..n).map(|_| Default::default()).collect()
}

macro_rules! front_ports {
    ($(#[$doc:meta])* $name:ident [$($g:ident),*], swa: $swa:literal, swb: $swb:literal, { $($field:ident : $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name<$(const $g: usize),*> {
            pub a: Signal<In, Bits<KW>>,
            pub b: Signal<In, Bits<KW>>,
            pub mode: Signal<In, Bit>,
            pub root_sum: Signal<Out, Signed<SWR>>,
            pub root_lsb: Signal<Out, Signed<LSB_EXP_BITS>>,
            pub root_special: Signal<Out, Bits<2>>,
            pub ga_sum: Vec<Signal<Out, Signed<$swa>>>,
            pub ga_lsb: Vec<Signal<Out, Signed<LSB_EXP_BITS>>>,
            pub ga_special: Vec<Signal<Out, Bits<2>>>,
            pub gb_sum: Vec<Signal<Out, Signed<$swb>>>,
            pub gb_lsb: Vec<Signal<Out, Signed<LSB_EXP_BITS>>>,
            pub gb_special: Vec<Signal<Out, Bits<2>>>,
            /// G / 2, and the bit offset of the second half of the 4-bit elements (KW / 2).
            _half: usize,
            _half_bits: usize,
            $($field: $ty,)*
        }
    };
}

macro_rules! int_reuse_front {
    ($(#[$doc:meta])* $name:ident [$($g:ident),*], group: $group:ty, root: $root:ty,
     |$k:ident, $gg:ident| $mk_root:expr, $out:ident) => {
        front_ports! {
            $(#[$doc])*
            $name [$($g),*], swa: 12, swb: 12, {
                group: Vec<$group>,
                root_tree: $root,
                lsb8: Constant<Bits<LSB_EXP_BITS>>,
                lsb4: Constant<Bits<LSB_EXP_BITS>>,
                finite: Constant<Bits<2>>,
            }
        }

        impl<$(const $g: usize),*> $name<$($g),*> {
            pub fn new($k: usize, _kind: PpKind) -> Self {
                assert_eq!(8 * $k, KW);
                let $gg = $k / 8;
                Self {
                    a: Default::default(),
                    b: Default::default(),
                    mode: Default::default(),
                    root_sum: Default::default(),
                    root_lsb: Default::default(),
                    root_special: Default::default(),
                    ga_sum: outs($gg / 2),
                    ga_lsb: outs($gg / 2),
                    ga_special: outs($gg / 2),
                    gb_sum: outs($gg / 2),
                    gb_lsb: outs($gg / 2),
                    gb_special: outs($gg / 2),
                    _half: $gg / 2,
                    _half_bits: KW / 2,
                    group: (0..$gg).map(|_| Default::default()).collect(),
                    root_tree: $mk_root,
                    lsb8: exp_const(-12),
                    lsb4: exp_const(-4),
                    finite: Constant::new(0.into()),
                }
            }
        }

        impl<$(const $g: usize),*> Logic for $name<$($g),*> {
            #[hdl_gen]
            fn update(&mut self) {
                for i in 0..self.group.len() {
                    self.group[i].a.next = self.a.val().get_bits::<64>(64 * i);
                    self.group[i].b.next = self.b.val().get_bits::<64>(64 * i);
                    self.group[i].mode.next = self.mode.val();
                }
                for i in 0..self.group.len() {
                    self.root_tree.x[i].next = self.group[i].$out.val();
                }
                self.root_sum.next = self.root_tree.sum.val();
                self.root_lsb.next = signed_cast(self.lsb8.val());
                self.root_special.next = self.finite.val();
                for j in 0..self.ga_sum.len() {
                    self.ga_sum[j].next = self.group[j].sum4.val();
                    self.ga_lsb[j].next = signed_cast(self.lsb4.val());
                    self.ga_special[j].next = self.finite.val();
                }
                for off in self._half..(self._half + 1) {
                    for j in 0..self.gb_sum.len() {
                        self.gb_sum[j].next = self.group[j + off].sum4.val();
                        self.gb_lsb[j].next = signed_cast(self.lsb4.val());
                        self.gb_special[j].next = self.finite.val();
                    }
                }
            }
        }
    };
}

int_reuse_front! {
    /// MXINT8 + NVINT4, INT reuse scheme 2 with carry-propagate adders: G = K/8 [`IntGroup`]s
    /// of 8 lanes (16 int8 x (u)int4 multipliers) and a G-leaf tree over their sums (SWR = 20 +
    /// log2 G bits). Mode 0: the root is the exact int8 block sum (LSB 2^-12, the OCP view);
    /// mode 1: group j's sum (its low 12 bits, exact there) is NV block j (LSB 2^-4).
    IntReuseFront [KW, SWR], group: IntGroup, root: AdderTree<20, SWR>,
    |k, g| AdderTree::new(g), sum
}

int_reuse_front! {
    /// MXINT8 + NVINT4 with radix-4 Booth partial products and compressor trees: G = K/8
    /// [`IntGroupCsa`]s of 8 lanes, each one tree kept in carry-save form (R2 = 2 SWR bits:
    /// its two rows); mode 0: one more tree over the 2G rows and one final adder give the
    /// exact int8 block sum (SWR = 16 + log2 K bits); mode 1: each group's own adder gives its
    /// NV block.
    IntReuseFrontCsa [KW, SWR, R2], group: IntGroupCsa<SWR, R2>, root: CsaTree<R2, SWR>,
    |k, g| CsaTree::new(g, rows_layout(SWR)), rows
}

/// Mutation testing: a front end that can make one lane's multiplier wrong says so.
pub trait Corruptible {
    fn corrupt_multiplier(&mut self) -> bool {
        false
    }
}

impl<const KW: usize, const SWR: usize, const R2: usize> Corruptible
    for IntReuseFrontCsa<KW, SWR, R2>
{
    /// Lane 0 of group 0 uses a wrong `b`.
    fn corrupt_multiplier(&mut self) -> bool {
        self.group[0].corrupt();
        true
    }
}

impl<const KW: usize, const SWR: usize, const R2: usize> Corruptible
    for FpReuseFrontCsa<KW, SWR, R2>
{
    /// Lane 0 of E4M3 group 0: its significand multiplier adds.
    fn corrupt_multiplier(&mut self) -> bool {
        self.e4m3[0].corrupt();
        true
    }
}

impl<const KW: usize, const SWR: usize> Corruptible for IntReuseFront<KW, SWR> {}
impl<const KW: usize, const SWR: usize> Corruptible for FpReuseFront<KW, SWR> {}
impl<const KW: usize, const SWR: usize> Corruptible for IntSepFront<KW, SWR> {}
impl<const KW: usize, const SWR: usize> Corruptible for IntSepFrontCsa<KW, SWR> {}
impl<const KW: usize, const SWR: usize> Corruptible for FpSepFront<KW, SWR> {}
impl<const KW: usize, const SWR: usize> Corruptible for FpSepFrontCsa<KW, SWR> {}

macro_rules! fp_reuse_front {
    ($(#[$doc:meta])* $name:ident [$($g:ident),*], group: $group:ty, e2m1: $e2m1:ty = $mk_e2m1:expr,
     root: $root:ty, |$gg:ident| $mk_root:expr, $out:ident) => {
front_ports! {
    $(#[$doc])*
    $name [$($g),*], swa: 29, swb: 15, {
        e4m3: Vec<$group>,
        e2m1: Vec<$e2m1>,
        max_exp_tree: MaxExpTree<5>,
        root_tree: $root,
        specials: Specials,
        emax_ext: ZeroExtend<5, LSB_EXP_BITS>,
        lsb_offset8: Constant<Bits<LSB_EXP_BITS>>,
        code_nan: Constant<Bits<2>>,
        zero64: Constant<Bits<64>>,
    }
}

impl<$(const $g: usize),*> $name<$($g),*> {
    pub fn new(k: usize, _kind: PpKind) -> Self {
        assert_eq!(8 * k, KW);
        let $gg = k / 8;
        let g = $gg;
        Self {
            a: Default::default(),
            b: Default::default(),
            mode: Default::default(),
            root_sum: Default::default(),
            root_lsb: Default::default(),
            root_special: Default::default(),
            ga_sum: outs(g / 2),
            ga_lsb: outs(g / 2),
            ga_special: outs(g / 2),
            gb_sum: outs(g / 2),
            gb_lsb: outs(g / 2),
            gb_special: outs(g / 2),
            _half: g / 2,
            _half_bits: KW / 2,
            e4m3: (0..g / 2).map(|_| Default::default()).collect(),
            e2m1: (0..g / 2).map(|_| $mk_e2m1()).collect(),
            max_exp_tree: MaxExpTree::new(g / 2),
            root_tree: $mk_root,
            specials: Specials::new(g / 2),
            emax_ext: Default::default(),
            // 2 * 7 + (24 - 2): the biased largest exponent to the E4M3 window's LSB exponent.
            lsb_offset8: exp_const(2 * 7 + 22),
            code_nan: Constant::new(1.into()),
            zero64: Constant::new(0.into()),
        }
    }
}

impl<$(const $g: usize),*> Logic for $name<$($g),*> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self.e4m3.len() {
            self.e4m3[i].a8.next = self.a.val().get_bits::<128>(128 * i);
            self.e4m3[i].b8.next = self.b.val().get_bits::<128>(128 * i);
            self.e4m3[i].a4.next = self.a.val().get_bits::<64>(64 * i);
            self.e4m3[i].b4.next = self.b.val().get_bits::<64>(64 * i);
            self.e4m3[i].mode.next = self.mode.val();
        }
        for i in 0..self.e4m3.len() {
            self.max_exp_tree.x[i].next = self.e4m3[i].emax.val();
        }
        for i in 0..self.e4m3.len() {
            self.e4m3[i].emax_in.next = self.max_exp_tree.max.val();
            self.root_tree.x[i].next = self.e4m3[i].$out.val();
            self.specials.nan[i].next = self.e4m3[i].special.val() == self.code_nan.val();
            self.specials.inf[i].next = self.e4m3[i].special.val().get_bit(1);
            self.specials.sign[i].next = self.e4m3[i].special.val().get_bit(0);
        }
        self.root_sum.next = self.root_tree.sum.val();
        self.emax_ext.i.next = self.max_exp_tree.max.val();
        self.root_lsb.next =
            signed_cast(self.emax_ext.o.val()) - signed_cast(self.lsb_offset8.val());
        self.root_special.next = self.specials.special.val();
        for j in 0..self.ga_sum.len() {
            self.ga_sum[j].next = self.e4m3[j].sum.val();
            self.ga_lsb[j].next = self.e4m3[j].lsb4.val();
            self.ga_special[j].next = self.e4m3[j].special.val();
        }
        // The E2M1 lanes idle in mode 0: their operands are held at zero (operand isolation).
        for off in self._half_bits..(self._half_bits + 1) {
            for j in 0..self.e2m1.len() {
                if self.mode.val() {
                    self.e2m1[j].a.next = self.a.val().get_bits::<64>(off + 64 * j);
                    self.e2m1[j].b.next = self.b.val().get_bits::<64>(off + 64 * j);
                } else {
                    self.e2m1[j].a.next = self.zero64.val();
                    self.e2m1[j].b.next = self.zero64.val();
                }
            }
        }
        for j in 0..self.gb_sum.len() {
            self.gb_sum[j].next = self.e2m1[j].sum.val();
            self.gb_lsb[j].next = self.e2m1[j].lsb_exp.val();
            self.gb_special[j].next = self.e2m1[j].special.val();
        }
    }
}
    };
}

fp_reuse_front! {
    /// MXFP8 + NVFP4, the FP reuse scheme with carry-propagate adders: K E4M3 lanes in G/2
    /// [`E4m3Group`]s of 16, which also run NV blocks 0 .. G/2 - 1 (E2M1 placed as S_00EE_M00),
    /// beside G/2 E2M1 front ends of 16 lanes for blocks G/2 .. G - 1 (K E2M1 lanes). Mode 0:
    /// the groups align to the largest exponent of all K lanes and the root (SWR = 29 +
    /// log2(G/2) bits) is the MXFP8 block sum in its n = 24 window.
    FpReuseFront [KW, SWR], group: E4m3Group, e2m1: Nvfp4Front = nvfp4_front,
    root: AdderTree<29, SWR>, |g| AdderTree::new(g / 2), sum
}

fp_reuse_front! {
    /// MXFP8 + NVFP4, the FP reuse scheme with compressor trees: as [`FpReuseFront`], but each
    /// [`E4m3GroupCsa`] keeps its tree in carry-save form (R2 = 2 SWR bits) for one root tree
    /// and final adder in mode 0, and finishes its own NV block with its own adder in mode 1;
    /// the E2M1 front ends are [`FpFrontCsa`]s.
    FpReuseFrontCsa [KW, SWR, R2], group: E4m3GroupCsa<SWR, R2>, e2m1: Nvfp4FrontCsa = nvfp4_front_csa,
    root: CsaTree<R2, SWR>, |g| CsaTree::new(g / 2, rows_layout(SWR)), rows
}

macro_rules! sep_front {
    ($(#[$doc:meta])* $name:ident, $wide:ty, $narrow:ty, $sw:literal, $new_wide:expr, $new_narrow:expr) => {
        front_ports! {
            $(#[$doc])*
            $name [KW, SWR], swa: $sw, swb: $sw, {
                wide: $wide,
                narrow: Vec<$narrow>,
                zero_kw: Constant<Bits<KW>>,
                zero64: Constant<Bits<64>>,
            }
        }

        impl<const KW: usize, const SWR: usize> $name<KW, SWR> {
            pub fn new(k: usize, kind: PpKind) -> Self {
                assert_eq!(8 * k, KW);
                let g = k / 8;
                Self {
                    a: Default::default(),
                    b: Default::default(),
                    mode: Default::default(),
                    root_sum: Default::default(),
                    root_lsb: Default::default(),
                    root_special: Default::default(),
                    ga_sum: outs(g / 2),
                    ga_lsb: outs(g / 2),
                    ga_special: outs(g / 2),
                    gb_sum: outs(g / 2),
                    gb_lsb: outs(g / 2),
                    gb_special: outs(g / 2),
                    _half: g / 2,
                    _half_bits: KW / 2,
                    wide: $new_wide(k, kind),
                    narrow: (0..g).map(|_| $new_narrow()).collect(),
                    zero_kw: Constant::new(Bits::default()),
                    zero64: Constant::new(0.into()),
                }
            }
        }

        impl<const KW: usize, const SWR: usize> Logic for $name<KW, SWR> {
            // Both datapaths exist side by side; the idle one's operands are held at zero
            // (operand isolation) and the back end selects the result.
            #[hdl_gen]
            fn update(&mut self) {
                if self.mode.val() {
                    self.wide.a.next = self.zero_kw.val();
                    self.wide.b.next = self.zero_kw.val();
                } else {
                    self.wide.a.next = self.a.val();
                    self.wide.b.next = self.b.val();
                }
                for i in 0..self.narrow.len() {
                    if self.mode.val() {
                        self.narrow[i].a.next = self.a.val().get_bits::<64>(64 * i);
                        self.narrow[i].b.next = self.b.val().get_bits::<64>(64 * i);
                    } else {
                        self.narrow[i].a.next = self.zero64.val();
                        self.narrow[i].b.next = self.zero64.val();
                    }
                }
                self.root_sum.next = self.wide.sum.val();
                self.root_lsb.next = self.wide.lsb_exp.val();
                self.root_special.next = self.wide.special.val();
                for j in 0..self.ga_sum.len() {
                    self.ga_sum[j].next = self.narrow[j].sum.val();
                    self.ga_lsb[j].next = self.narrow[j].lsb_exp.val();
                    self.ga_special[j].next = self.narrow[j].special.val();
                }
                for off in self._half..(self._half + 1) {
                    for j in 0..self.gb_sum.len() {
                        self.gb_sum[j].next = self.narrow[j + off].sum.val();
                        self.gb_lsb[j].next = self.narrow[j + off].lsb_exp.val();
                        self.gb_special[j].next = self.narrow[j + off].special.val();
                    }
                }
            }
        }
    };
}

sep_front! {
    /// MXINT8 + NVINT4 without reuse: an MXINT8 front end of K lanes (SWR = 16 + log2 K) beside
    /// G NVINT4 front ends of 16 lanes (12-bit sums).
    IntSepFront, IntFront<8, 16, KW, SWR>, Nvint4Front, 12, |k, _| IntFront::new(k), || IntFront::new(16)
}

sep_front! {
    /// [`IntSepFront`] with compressor trees: the MXINT8 front end's lanes (radix-4 Booth or
    /// array partial products) in one tree, and each NVINT4 front end's array partial products in
    /// one tree.
    IntSepFrontCsa, IntFrontCsa<8, 64, KW, SWR>, Nvint4FrontCsa, 12, IntFrontCsa::new,
    || IntFrontCsa::new(16, PpKind::Array)
}

sep_front! {
    /// MXFP8 + NVFP4 without reuse: an MXFP8 front end of K lanes (n = 24, SWR = 25 + log2 K)
    /// beside G NVFP4 front ends of 16 lanes (n = 10, 15-bit sums).
    FpSepFront, FpFront<8, 4, 3, 5, 4, 8, 24, 25, KW, SWR>, Nvfp4Front, 15,
    |k, _| FpFront::new(k, 7, FpSpecials::NanOnly), nvfp4_front
}

sep_front! {
    /// [`FpSepFront`] with compressor trees ([`FpFrontCsa`]) in the MXFP8 and NVFP4 front ends.
    FpSepFrontCsa, FpFrontCsa<8, 4, 3, 5, 4, 8, 24, 25, 26, KW, SWR>, Nvfp4FrontCsa, 15,
    |k, _| FpFrontCsa::new(k, 7, FpSpecials::NanOnly), nvfp4_front_csa
}
