//! The back end of the mixed units: scale combine and conversion to binary32 for the mode-0
//! block and for each of the G NV blocks of a mode-1 cycle (block 0 shares its converter with
//! mode 0), the FP32 adder tree that sums the G block results, and the mode select of R.

use rust_hdl::prelude::*;

use crate::rtl::fp32::{Fp32Add, ScaleCombineE4m3, ScaleCombineUe8m0, ToBinary32Nv};
use crate::rtl::front::LSB_EXP_BITS;
use crate::rtl::prim::{bits_of, sext};

/// Sign extension of a two's-complement value: `o = {(O-I) copies of i[I-1], i}` (O >= I).
/// A primitive because rust-hdl has no concatenation; `tests` checks it against Icarus.
#[derive(LogicBlock)]
pub struct SignExtend<const I: usize, const O: usize> {
    pub i: Signal<In, Signed<I>>,
    pub o: Signal<Out, Signed<O>>,
}

impl<const I: usize, const O: usize> Default for SignExtend<I, O> {
    fn default() -> Self {
        const { assert!(O >= I && I >= 1 && O <= 128) };
        Self {
            i: Default::default(),
            o: Default::default(),
        }
    }
}

impl<const I: usize, const O: usize> Logic for SignExtend<I, O> {
    fn update(&mut self) {
        let v = sext(unsigned_cast(self.i.val()).to_u128(), I);
        self.o.next = signed_cast(bits_of::<O>(v as u128));
    }
    fn connect(&mut self) {
        self.o.connect();
    }
    fn hdl(&self) -> Verilog {
        let body = if O == I {
            "always @(*) o = i;\n".to_string()
        } else {
            format!("always @(*) o = {{{{{}{{i[{}]}}}}, i}};\n", O - I, I - 1)
        };
        Verilog::Custom(format!("// hwcost-name: sext{I}to{O}\n{body}"))
    }
}

/// The low O bits of a two's-complement value, for a value known to fit them (the upper bits
/// are copies of the sign): `o = i[O-1:0]`; or, built with [`TruncateSigned::above`], the O
/// bits above `lo` known-zero low bits: `o = i[lo+O-1:lo]`. The dropped bits are read by
/// nothing, which the template tells Verilator's UNUSEDSIGNAL lint in place.
#[derive(LogicBlock)]
pub struct TruncateSigned<const I: usize, const O: usize> {
    pub i: Signal<In, Signed<I>>,
    pub o: Signal<Out, Signed<O>>,
    _lo: usize,
}

impl<const I: usize, const O: usize> Default for TruncateSigned<I, O> {
    fn default() -> Self {
        Self::above(0)
    }
}

impl<const I: usize, const O: usize> TruncateSigned<I, O> {
    /// Drop the `lo` low bits (zero by construction) and the sign copies above them.
    pub fn above(lo: usize) -> Self {
        const { assert!(I > O && O >= 1 && I <= 128) };
        assert!(lo + O <= I, "slice of {O} bits above {lo} of {I}");
        Self {
            i: Default::default(),
            o: Default::default(),
            _lo: lo,
        }
    }
}

impl<const I: usize, const O: usize> Logic for TruncateSigned<I, O> {
    fn update(&mut self) {
        let v = unsigned_cast(self.i.val()).to_u128() >> self._lo;
        self.o.next = signed_cast(bits_of::<O>(v));
    }
    fn connect(&mut self) {
        self.o.connect();
    }
    fn hdl(&self) -> Verilog {
        let lo = self._lo;
        let (name, mut dropped) = if lo == 0 {
            (format!("trunc{I}to{O}"), Vec::new())
        } else {
            (format!("slice{I}to{O}at{lo}"), vec![format!("i[{}:0]", lo - 1)])
        };
        if lo + O < I {
            dropped.insert(0, format!("i[{}:{}]", I - 1, lo + O));
        }
        Verilog::Custom(format!(
            "// hwcost-name: {name}\n\
             always @(*) o = i[{}:{lo}];\n\
             /* verilator lint_off UNUSEDSIGNAL */\n\
             wire dropped_sign_copies = &{{1'b0, {}}};\n\
             /* verilator lint_on UNUSEDSIGNAL */\n",
            lo + O - 1,
            dropped.join(", ")
        ))
    }
}

/// Balanced binary32 sum of G (a power of two, >= 2) values: G - 1 [`Fp32Add`]s stored as a
/// heap (node j adds nodes 2j+1 and 2j+2; the last G/2 nodes add x[2t] and x[2t+1]), so
/// s = ((x0 + x1) + (x2 + x3)) for G = 4, each addition rounded (the contract's order).
#[derive(LogicBlock)]
pub struct Fp32SumTree {
    pub x: Vec<Signal<In, Bits<32>>>,
    pub s: Signal<Out, Bits<32>>,
    node: Vec<Fp32Add>,
    _inner: usize,
    _half: usize,
}

impl Fp32SumTree {
    pub fn new(g: usize) -> Self {
        assert!(g.is_power_of_two() && g >= 2, "FP32 sum tree of {g} values");
        Self {
            x: (0..g).map(|_| Default::default()).collect(),
            s: Default::default(),
            node: (0..g - 1).map(|_| Default::default()).collect(),
            _inner: g / 2 - 1,
            _half: g / 2,
        }
    }
}

impl Logic for Fp32SumTree {
    // The leaf-reading nodes start at _inner; the one-pass loop binds that offset, because
    // rust-hdl evaluates index expressions with loop variables only.
    #[hdl_gen]
    fn update(&mut self) {
        for first in self._inner..(self._inner + 1) {
            for t in 0..self._half {
                self.node[t + first].a.next = self.x[2 * t].val();
                self.node[t + first].b.next = self.x[2 * t + 1].val();
            }
        }
        for j in 0..self._inner {
            self.node[j].a.next = self.node[2 * j + 1].s.val();
            self.node[j].b.next = self.node[2 * j + 2].s.val();
        }
        self.s.next = self.node[0].s.val();
    }
}

/// The mixed back end. Inputs: `mode`; the scale codes per NV block (`a_scale[j]`,
/// `b_scale[j]`; mode 0 reads entry 0 as UE8M0); the front end's root (SWR bits) and per-block
/// outputs, blocks 0 .. G/2 - 1 in `ga_*` (SWA bits) and G/2 .. G - 1 in `gb_*` (SWB bits).
/// Output `r`: mode 0: the 8-bit block's R (UE8M0 scales, as scale significand 1);
/// mode 1: the balanced binary32 sum of the G NV blocks' R_j (E4M3 scales).
/// PWR = SWR + 8 etc. are the converters' product widths.
#[derive(LogicBlock)]
pub struct MixedBack<
    const SWR: usize,
    const PWR: usize,
    const SWA: usize,
    const PWA: usize,
    const SWB: usize,
    const PWB: usize,
> {
    pub mode: Signal<In, Bit>,
    pub a_scale: Vec<Signal<In, Bits<8>>>,
    pub b_scale: Vec<Signal<In, Bits<8>>>,
    pub root_sum: Signal<In, Signed<SWR>>,
    pub root_lsb: Signal<In, Signed<LSB_EXP_BITS>>,
    pub root_special: Signal<In, Bits<2>>,
    pub ga_sum: Vec<Signal<In, Signed<SWA>>>,
    pub ga_lsb: Vec<Signal<In, Signed<LSB_EXP_BITS>>>,
    pub ga_special: Vec<Signal<In, Bits<2>>>,
    pub gb_sum: Vec<Signal<In, Signed<SWB>>>,
    pub gb_lsb: Vec<Signal<In, Signed<LSB_EXP_BITS>>>,
    pub gb_special: Vec<Signal<In, Bits<2>>>,
    pub r: Signal<Out, Bits<32>>,
    scale_ue8m0: ScaleCombineUe8m0,
    scale_e4m3: Vec<ScaleCombineE4m3>,
    ga0_ext: SignExtend<SWA, SWR>,
    /// Converter of the mode-0 block and of NV block 0.
    conv0: ToBinary32Nv<SWR, PWR>,
    /// Converters of NV blocks 1 .. G/2 - 1 and G/2 .. G - 1.
    conv_a: Vec<ToBinary32Nv<SWA, PWA>>,
    conv_b: Vec<ToBinary32Nv<SWB, PWB>>,
    sum_tree: Fp32SumTree,
    one8: Constant<Bits<8>>,
    _half: usize,
}

impl<
        const SWR: usize,
        const PWR: usize,
        const SWA: usize,
        const PWA: usize,
        const SWB: usize,
        const PWB: usize,
    > MixedBack<SWR, PWR, SWA, PWA, SWB, PWB>
{
    /// The back end for G NV blocks per mode-1 cycle (G a power of two, >= 2).
    pub fn new(g: usize) -> Self {
        assert!(g.is_power_of_two() && g >= 2);
        let v =
            |n: usize| -> Vec<Signal<In, Bits<8>>> { (0..n).map(|_| Default::default()).collect() };
        let h = g / 2;
        Self {
            mode: Default::default(),
            a_scale: v(g),
            b_scale: v(g),
            root_sum: Default::default(),
            root_lsb: Default::default(),
            root_special: Default::default(),
            ga_sum: (0..h).map(|_| Default::default()).collect(),
            ga_lsb: (0..h).map(|_| Default::default()).collect(),
            ga_special: (0..h).map(|_| Default::default()).collect(),
            gb_sum: (0..h).map(|_| Default::default()).collect(),
            gb_lsb: (0..h).map(|_| Default::default()).collect(),
            gb_special: (0..h).map(|_| Default::default()).collect(),
            r: Default::default(),
            scale_ue8m0: Default::default(),
            scale_e4m3: (0..g).map(|_| Default::default()).collect(),
            ga0_ext: Default::default(),
            conv0: Default::default(),
            conv_a: (0..h - 1).map(|_| Default::default()).collect(),
            conv_b: (0..h).map(|_| Default::default()).collect(),
            sum_tree: Fp32SumTree::new(g),
            one8: Constant::new(1.into()),
            _half: h,
        }
    }
}

impl<
        const SWR: usize,
        const PWR: usize,
        const SWA: usize,
        const PWA: usize,
        const SWB: usize,
        const PWB: usize,
    > Logic for MixedBack<SWR, PWR, SWA, PWA, SWB, PWB>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.scale_ue8m0.a.next = self.a_scale[0].val();
        self.scale_ue8m0.b.next = self.b_scale[0].val();
        for j in 0..self.scale_e4m3.len() {
            self.scale_e4m3[j].a.next = self.a_scale[j].val();
            self.scale_e4m3[j].b.next = self.b_scale[j].val();
        }
        self.ga0_ext.i.next = self.ga_sum[0].val();
        if self.mode.val() {
            self.conv0.sum.next = self.ga0_ext.o.val();
            self.conv0.lsb_exp.next = self.ga_lsb[0].val();
            self.conv0.special.next = self.ga_special[0].val();
            self.conv0.scale_exp.next = self.scale_e4m3[0].exp.val();
            self.conv0.scale_sig.next = self.scale_e4m3[0].sig.val();
            self.conv0.scale_neg.next = self.scale_e4m3[0].neg.val();
            self.conv0.scale_nan.next = self.scale_e4m3[0].nan.val();
        } else {
            self.conv0.sum.next = self.root_sum.val();
            self.conv0.lsb_exp.next = self.root_lsb.val();
            self.conv0.special.next = self.root_special.val();
            self.conv0.scale_exp.next = self.scale_ue8m0.exp.val();
            self.conv0.scale_sig.next = self.one8.val();
            self.conv0.scale_neg.next = false;
            self.conv0.scale_nan.next = self.scale_ue8m0.nan.val();
        }
        for j in 0..self.conv_a.len() {
            self.conv_a[j].sum.next = self.ga_sum[j + 1].val();
            self.conv_a[j].lsb_exp.next = self.ga_lsb[j + 1].val();
            self.conv_a[j].special.next = self.ga_special[j + 1].val();
            self.conv_a[j].scale_exp.next = self.scale_e4m3[j + 1].exp.val();
            self.conv_a[j].scale_sig.next = self.scale_e4m3[j + 1].sig.val();
            self.conv_a[j].scale_neg.next = self.scale_e4m3[j + 1].neg.val();
            self.conv_a[j].scale_nan.next = self.scale_e4m3[j + 1].nan.val();
        }
        for off in self._half..(self._half + 1) {
            for j in 0..self.conv_b.len() {
                self.conv_b[j].sum.next = self.gb_sum[j].val();
                self.conv_b[j].lsb_exp.next = self.gb_lsb[j].val();
                self.conv_b[j].special.next = self.gb_special[j].val();
                self.conv_b[j].scale_exp.next = self.scale_e4m3[j + off].exp.val();
                self.conv_b[j].scale_sig.next = self.scale_e4m3[j + off].sig.val();
                self.conv_b[j].scale_neg.next = self.scale_e4m3[j + off].neg.val();
                self.conv_b[j].scale_nan.next = self.scale_e4m3[j + off].nan.val();
            }
        }
        self.sum_tree.x[0].next = self.conv0.r.val();
        for j in 0..self.conv_a.len() {
            self.sum_tree.x[j + 1].next = self.conv_a[j].r.val();
        }
        for off in self._half..(self._half + 1) {
            for j in 0..self.conv_b.len() {
                self.sum_tree.x[j + off].next = self.conv_b[j].r.val();
            }
        }
        if self.mode.val() {
            self.r.next = self.sum_tree.s.val();
        } else {
            self.r.next = self.conv0.r.val();
        }
    }
}

#[cfg(test)]
mod tests {
    //! The two primitives of this file against Icarus (their only second semantics).
    use super::*;
    use crate::rtl::prim::signed_of;
    use crate::rtl::testutil::{icarus_run, require_tool};
    use crate::rtl::verilog::finish;

    fn icarus<B: Block>(mut b: B, vectors: &[Vec<u128>], i: usize, o: usize) -> Vec<Vec<u128>> {
        b.connect_all();
        let v = finish(&generate_verilog(&b), "dut");
        let dir = tempfile::tempdir().unwrap();
        icarus_run(dir.path(), &v, &[("i", i)], &[("o", o)], vectors, false)
    }

    #[test]
    fn sign_extension_and_truncation_match_icarus_exhaustively() {
        if !require_tool("iverilog", "iverilog") {
            return;
        }
        // Every 12-bit value, extended to 21 bits and back.
        let values: Vec<i128> = (-2048..2048).collect();
        let vectors: Vec<Vec<u128>> = values.iter().map(|&x| vec![(x as u128) & 0xFFF]).collect();
        let hw = icarus(SignExtend::<12, 21>::default(), &vectors, 12, 21);
        let mut ext = SignExtend::<12, 21>::default();
        ext.connect_all();
        for (&x, h) in values.iter().zip(&hw) {
            ext.i.next = signed_of(x);
            assert!(simulate(&mut ext, 10));
            let sw = unsigned_cast(ext.o.val()).to_u128();
            assert_eq!(
                (sw, h[0]),
                ((x as u128) & 0x1F_FFFF, (x as u128) & 0x1F_FFFF),
                "sext {x}"
            );
        }
        let vectors: Vec<Vec<u128>> = values
            .iter()
            .map(|&x| vec![(x as u128) & 0xF_FFFF])
            .collect();
        let hw = icarus(TruncateSigned::<20, 12>::default(), &vectors, 20, 12);
        let mut tr = TruncateSigned::<20, 12>::default();
        tr.connect_all();
        for (&x, h) in values.iter().zip(&hw) {
            tr.i.next = signed_of(x);
            assert!(simulate(&mut tr, 10));
            let sw = unsigned_cast(tr.o.val()).to_u128();
            assert_eq!(
                (sw, h[0]),
                ((x as u128) & 0xFFF, (x as u128) & 0xFFF),
                "truncate {x}"
            );
        }
    }
}
