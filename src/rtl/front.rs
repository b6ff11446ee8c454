//! The two front ends of a MAC unit: from the packed element codes of a block to the
//! block's product sum `sum` (two's complement, in units of 2^lsb_exp, scales excluded),
//! `lsb_exp` and `special` (rtl/NOTES.md).
//!
//! Each front end holds one of two reductions ([`Reduction`]): `cpa` (a multiplier per lane
//! and a tree of carry-propagate adders over the lanes' results) or `csa` (the lanes' partial
//! products, or signed aligned significands, reduced in one carry-save compressor tree with
//! one final adder, [`super::csa`]). The unused one is an empty `Vec` and emits nothing.

use rust_hdl::prelude::*;

use super::csa::{windowed_signed_mag_layout, CsaTree, IntPp, PpKind};
use super::lane::{FpLane, IntLane};
use super::prim::{AdderTree, ZeroExtend};
use super::reduce::{Aligner, AlignerCsa, MaxExpTree, Specials};
use super::{Multiplier, Reduction};
use crate::format::FpSpecials;

/// Width of `lsb_exp`.
pub const LSB_EXP_BITS: usize = 12;

/// A 12-bit two's-complement constant as raw bits: rust-hdl prints negative `Signed`
/// constants as invalid Verilog, so constants stay unsigned and are `$signed` where read.
pub(super) fn exp_const(v: i64) -> Constant<Bits<LSB_EXP_BITS>> {
    assert!(
        (-2048..2048).contains(&v),
        "lsb exponent constant {v} out of range"
    );
    Constant::new(((v as u64) & 0xFFF).into())
}

/// The INT front end's two variants share their ports; `int_front!` writes both.
macro_rules! int_front {
    ($(#[$doc:meta])* $name:ident, [$($g:ident),*], $part:ident: $part_ty:ty => $out:ident,
     $tree:ident: $tree_ty:ty) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name<$(const $g: usize),*> {
            pub a: Signal<In, Bits<KW>>,
            pub b: Signal<In, Bits<KW>>,
            pub sum: Signal<Out, Signed<SW>>,
            pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
            pub special: Signal<Out, Bits<2>>,
            $part: Vec<$part_ty>,
            $tree: $tree_ty,
            lsb: Constant<Bits<LSB_EXP_BITS>>,
            finite: Constant<Bits<2>>,
        }

        impl<$(const $g: usize),*> Logic for $name<$($g),*> {
            #[hdl_gen]
            fn update(&mut self) {
                for w in W..(W + 1) {
                    for i in 0..self.$part.len() {
                        self.$part[i].a.next = self.a.val().get_bits::<W>(i * w);
                        self.$part[i].b.next = self.b.val().get_bits::<W>(i * w);
                    }
                }
                for i in 0..self.$part.len() {
                    self.$tree.x[i].next = self.$part[i].$out.val();
                }
                self.sum.next = self.$tree.sum.val();
                self.lsb_exp.next = signed_cast(self.lsb.val());
                self.special.next = self.finite.val();
            }
        }
    };
}

int_front! {
    /// INT front end with carry-propagate adders: k lanes of W-bit two's-complement codes
    /// (KW = k * W), each an exact signed multiplier of P = 2W bits with its own adder, then
    /// an exact adder tree to SW = P + log2 k bits. In the OCP view an element is
    /// code * 2^-(W-2), so `lsb_exp` is the constant -2(W-2); `special` is always 0.
    IntFrontCpa, [W, P, KW, SW], int_lane: IntLane<W, P> => prod, adder_tree: AdderTree<P, SW>
}

int_front! {
    /// INT front end with one compressor tree: per lane a partial-product generator (radix-4
    /// Booth or AND array; PB = W * W bus bits), every lane's bits in one [`CsaTree`].
    IntFrontCsa, [W, PB, KW, SW], pp: IntPp<W, PB> => pp, csa_tree: CsaTree<PB, SW>
}

impl<const W: usize, const P: usize, const KW: usize, const SW: usize> IntFrontCpa<W, P, KW, SW> {
    pub fn new(k: usize) -> Self {
        const { assert!(P == 2 * W) };
        assert_eq!(k * W, KW, "INT front end: k * W must equal KW");
        Self {
            a: Default::default(),
            b: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            int_lane: (0..k).map(|_| Default::default()).collect(),
            adder_tree: AdderTree::new(k),
            lsb: exp_const(-2 * (W as i64 - 2)),
            finite: Constant::new(0u64.into()),
        }
    }

    /// Mutation testing: lane 0 adds instead of multiplying.
    pub(crate) fn corrupt_multiplier(&mut self) {
        self.int_lane[0].corrupt_multiplier();
    }
}

impl<const W: usize, const PB: usize, const KW: usize, const SW: usize> IntFrontCsa<W, PB, KW, SW> {
    pub fn new(k: usize, kind: PpKind) -> Self {
        const { assert!(PB == W * W) };
        assert_eq!(k * W, KW, "INT front end: k * W must equal KW");
        Self {
            a: Default::default(),
            b: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            pp: (0..k).map(|_| IntPp::new(kind)).collect(),
            csa_tree: CsaTree::new(k, kind.layout(W)),
            lsb: exp_const(-2 * (W as i64 - 2)),
            finite: Constant::new(0u64.into()),
        }
    }
}

/// INT front end: one of [`IntFrontCpa`] and [`IntFrontCsa`] (P = 2W product bits,
/// PB = W * W partial-product bits per lane, SW = P + log2 k sum bits).
#[derive(LogicBlock)]
pub struct IntFront<
    const W: usize,
    const P: usize,
    const PB: usize,
    const KW: usize,
    const SW: usize,
> {
    pub a: Signal<In, Bits<KW>>,
    pub b: Signal<In, Bits<KW>>,
    pub sum: Signal<Out, Signed<SW>>,
    pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
    pub special: Signal<Out, Bits<2>>,
    cpa: Vec<IntFrontCpa<W, P, KW, SW>>,
    csa: Vec<IntFrontCsa<W, PB, KW, SW>>,
}

impl<const W: usize, const P: usize, const PB: usize, const KW: usize, const SW: usize>
    IntFront<W, P, PB, KW, SW>
{
    /// Booth recoding needs the compressor tree (validated by [`super::UnitPlan`]).
    pub fn new(k: usize, multiplier: Multiplier, reduction: Reduction) -> Self {
        let kind = PpKind::of(multiplier);
        let csa = reduction == Reduction::CsaTree;
        assert!(csa || kind == PpKind::Array, "booth4 needs the csa tree");
        Self {
            a: Default::default(),
            b: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            cpa: (!csa).then(|| IntFrontCpa::new(k)).into_iter().collect(),
            csa: csa.then(|| IntFrontCsa::new(k, kind)).into_iter().collect(),
        }
    }

    /// Mutation testing: lane 0 computes a wrong product.
    pub(crate) fn corrupt_multiplier(&mut self) {
        for f in &mut self.cpa {
            f.corrupt_multiplier();
        }
        for f in &mut self.csa {
            f.pp[0].corrupt();
        }
    }
}

impl<const W: usize, const P: usize, const PB: usize, const KW: usize, const SW: usize> Logic
    for IntFront<W, P, PB, KW, SW>
{
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self.cpa.len() {
            self.cpa[i].a.next = self.a.val();
            self.cpa[i].b.next = self.b.val();
            self.sum.next = self.cpa[i].sum.val();
            self.lsb_exp.next = self.cpa[i].lsb_exp.val();
            self.special.next = self.cpa[i].special.val();
        }
        for i in 0..self.csa.len() {
            self.csa[i].a.next = self.a.val();
            self.csa[i].b.next = self.b.val();
            self.sum.next = self.csa[i].sum.val();
            self.lsb_exp.next = self.csa[i].lsb_exp.val();
            self.special.next = self.csa[i].special.val();
        }
    }
}

/// The FP front end's two variants share everything but the aligners' output and the tree;
/// `fp_front!` writes both.
macro_rules! fp_front {
    ($(#[$doc:meta])* $name:ident, $aligner:ty, $tree:ident: $tree_ty:ty, [$($g:ident),*], |$k:ident, $win:ident| $mk_tree:expr) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name<$(const $g: usize),*> {
            pub a: Signal<In, Bits<KW>>,
            pub b: Signal<In, Bits<KW>>,
            pub sum: Signal<Out, Signed<SW>>,
            pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
            pub special: Signal<Out, Bits<2>>,
            fp_lane: Vec<FpLane<W, X, Y, X1, Y1, MB>>,
            max_exp_tree: MaxExpTree<X1>,
            aligner: Vec<$aligner>,
            $tree: $tree_ty,
            specials: Specials,
            emax_ext: ZeroExtend<X1, LSB_EXP_BITS>,
            /// 2 bias + N - 2: turns the biased largest exponent into the window's LSB exponent.
            lsb_offset: Constant<Bits<LSB_EXP_BITS>>,
        }

        impl<$(const $g: usize),*> $name<$($g),*> {
            pub fn new($k: usize, bias: i32, specials: FpSpecials) -> Self {
                Self::windowed($k, bias, specials, N)
            }

            /// The front end whose lanes keep only the top `window` bits of the N-bit
            /// aligner window (as a unit of psum width `window`; see rtl/NOTES.md).
            pub fn windowed($k: usize, bias: i32, specials: FpSpecials, $win: usize) -> Self {
                const { assert!(MB == 2 * Y1 && N >= MB && N1 == N + 1) };
                assert_eq!($k * W, KW, "FP front end: k * W must equal KW");
                assert!($win >= MB && $win <= N, "psum window {} of an {}-bit aligner", $win, N);
                Self {
                    a: Default::default(),
                    b: Default::default(),
                    sum: Default::default(),
                    lsb_exp: Default::default(),
                    special: Default::default(),
                    fp_lane: (0..$k).map(|_| FpLane::new(specials)).collect(),
                    max_exp_tree: MaxExpTree::new($k),
                    aligner: (0..$k).map(|_| Default::default()).collect(),
                    $tree: $mk_tree,
                    specials: Specials::new($k),
                    emax_ext: Default::default(),
                    lsb_offset: exp_const(2 * bias as i64 + N as i64 - 2),
                }
            }
        }

        impl<$(const $g: usize),*> Logic for $name<$($g),*> {
            #[hdl_gen]
            fn update(&mut self) {
                for w in W..(W + 1) {
                    for i in 0..self.fp_lane.len() {
                        self.fp_lane[i].a.next = self.a.val().get_bits::<W>(i * w);
                        self.fp_lane[i].b.next = self.b.val().get_bits::<W>(i * w);
                    }
                }
                for i in 0..self.fp_lane.len() {
                    self.max_exp_tree.x[i].next = self.fp_lane[i].exp.val();
                    self.specials.nan[i].next = self.fp_lane[i].nan.val();
                    self.specials.inf[i].next = self.fp_lane[i].inf.val();
                    self.specials.sign[i].next = self.fp_lane[i].sign.val();
                    self.aligner[i].mag.next = self.fp_lane[i].mag.val();
                    self.aligner[i].exp.next = self.fp_lane[i].exp.val();
                    self.aligner[i].sign.next = self.fp_lane[i].sign.val();
                    self.aligner[i].emax.next = self.max_exp_tree.max.val();
                    self.$tree.x[i].next = self.aligner[i].aligned.val();
                }
                self.sum.next = self.$tree.sum.val();
                self.emax_ext.i.next = self.max_exp_tree.max.val();
                self.lsb_exp.next = signed_cast(self.emax_ext.o.val()) - signed_cast(self.lsb_offset.val());
                self.special.next = self.specials.special.val();
            }
        }
    };
}

fp_front! {
    /// FP block sum with carry-propagate adders: k lanes of W-bit codes (X exponent and Y
    /// mantissa bits; X1 = X + 1, Y1 = Y + 1, MB = 2 Y1, KW = k W), the max-exponent tree, one
    /// aligner per lane into the N-bit window, signed (N1 = N + 1 bits) by its own negation,
    /// and an adder tree to SW = N1 + log2 k bits.
    FpFrontCpa, Aligner<MB, X1, N, N1>, adder_tree: AdderTree<N1, SW>,
    [W, X, Y, X1, Y1, MB, N, N1, KW, SW], |k, window| {
        assert_eq!(window, N, "the carry-propagate front end is built at its full window only");
        AdderTree::new(k)
    }
}

fp_front! {
    /// FP block sum with one compressor tree: as [`FpFrontCpa`], but each aligner hands the
    /// tree its magnitude XOR its sign plus the sign as +1 and sign-extension bits (N2 = N + 2,
    /// [`super::csa::signed_mag_layout`]), and one [`CsaTree`] sums all lanes; a narrowed window
    /// drops the aligners' low bits from the tree ([`windowed_signed_mag_layout`]).
    FpFrontCsa, AlignerCsa<MB, X1, N, N2>, csa_tree: CsaTree<N2, SW>,
    [W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW], |k, window| CsaTree::new(k, windowed_signed_mag_layout(N, window))
}

impl<
        const W: usize,
        const X: usize,
        const Y: usize,
        const X1: usize,
        const Y1: usize,
        const MB: usize,
        const N: usize,
        const N1: usize,
        const KW: usize,
        const SW: usize,
    > FpFrontCpa<W, X, Y, X1, Y1, MB, N, N1, KW, SW>
{
    /// Mutation testing: lane 0's significand multiplier adds instead.
    pub(crate) fn corrupt_multiplier(&mut self) {
        self.fp_lane[0].corrupt_multiplier();
    }
}

/// FP front end: one of [`FpFrontCpa`] and [`FpFrontCsa`]. With E the largest unbiased
/// product exponent of the block, `lsb_exp` = E - (N - 2).
#[derive(LogicBlock)]
pub struct FpFront<
    const W: usize,
    const X: usize,
    const Y: usize,
    const X1: usize,
    const Y1: usize,
    const MB: usize,
    const N: usize,
    const N1: usize,
    const N2: usize,
    const KW: usize,
    const SW: usize,
> {
    pub a: Signal<In, Bits<KW>>,
    pub b: Signal<In, Bits<KW>>,
    pub sum: Signal<Out, Signed<SW>>,
    pub lsb_exp: Signal<Out, Signed<LSB_EXP_BITS>>,
    pub special: Signal<Out, Bits<2>>,
    cpa: Vec<FpFrontCpa<W, X, Y, X1, Y1, MB, N, N1, KW, SW>>,
    csa: Vec<FpFrontCsa<W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW>>,
}

impl<
        const W: usize,
        const X: usize,
        const Y: usize,
        const X1: usize,
        const Y1: usize,
        const MB: usize,
        const N: usize,
        const N1: usize,
        const N2: usize,
        const KW: usize,
        const SW: usize,
    > FpFront<W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW>
{
    /// `k` lanes with `reduction`, keeping the top `window` bits of the N-bit aligner window
    /// (`window` < N: the compressor tree only).
    pub fn new(
        k: usize,
        bias: i32,
        specials: FpSpecials,
        reduction: Reduction,
        window: usize,
    ) -> Self {
        const { assert!(N2 == N + 2) };
        let csa = reduction == Reduction::CsaTree;
        assert!(
            csa || window == N,
            "a narrowed psum window needs the csa tree"
        );
        Self {
            a: Default::default(),
            b: Default::default(),
            sum: Default::default(),
            lsb_exp: Default::default(),
            special: Default::default(),
            cpa: (!csa)
                .then(|| FpFrontCpa::new(k, bias, specials))
                .into_iter()
                .collect(),
            csa: csa
                .then(|| FpFrontCsa::windowed(k, bias, specials, window))
                .into_iter()
                .collect(),
        }
    }

    /// Mutation testing: lane 0's significand multiplier adds instead.
    pub(crate) fn corrupt_multiplier(&mut self) {
        for f in &mut self.cpa {
            f.corrupt_multiplier();
        }
        for f in &mut self.csa {
            f.fp_lane[0].corrupt_multiplier();
        }
    }
}

impl<
        const W: usize,
        const X: usize,
        const Y: usize,
        const X1: usize,
        const Y1: usize,
        const MB: usize,
        const N: usize,
        const N1: usize,
        const N2: usize,
        const KW: usize,
        const SW: usize,
    > Logic for FpFront<W, X, Y, X1, Y1, MB, N, N1, N2, KW, SW>
{
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self.cpa.len() {
            self.cpa[i].a.next = self.a.val();
            self.cpa[i].b.next = self.b.val();
            self.sum.next = self.cpa[i].sum.val();
            self.lsb_exp.next = self.cpa[i].lsb_exp.val();
            self.special.next = self.cpa[i].special.val();
        }
        for i in 0..self.csa.len() {
            self.csa[i].a.next = self.a.val();
            self.csa[i].b.next = self.b.val();
            self.sum.next = self.csa[i].sum.val();
            self.lsb_exp.next = self.csa[i].lsb_exp.val();
            self.special.next = self.csa[i].special.val();
        }
    }
}

#[cfg(test)]
mod tests {
    //! The front ends against the block semantics (the exact block sum of the elements times the scales), computed here from
    //! the format core's decoder with plain integer arithmetic.
    use super::*;
    use crate::format::{lookup_in, Class, ElemFormat};
    use crate::rtl::prim::i128_of;
    use crate::rtl::unit::pack;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// (special, sum, lsb_exp) of one block; sum and lsb_exp only meaningful if special = 0.
    fn reference(elem: &ElemFormat, n: u32, a: &[u32], b: &[u32]) -> (u64, i128, i32) {
        let y = elem.man_bits() as i32;
        let (mut nan, mut pinf, mut ninf) = (false, false, false);
        let mut prods = Vec::new();
        for (&ca, &cb) in a.iter().zip(b) {
            let (ra, rb) = (elem.decode(ca), elem.decode(cb));
            let sign = ra.sign ^ rb.sign;
            match (ra.class, rb.class) {
                (Class::NaN, _) | (_, Class::NaN) => nan = true,
                (Class::Inf, Class::Zero) | (Class::Zero, Class::Inf) => nan = true,
                (Class::Inf, _) | (_, Class::Inf) => {
                    if sign {
                        ninf = true
                    } else {
                        pinf = true
                    }
                }
                _ => {}
            }
            // value = sig * 2^exp; for FP exp = u - y, so e_i = u_a + u_b = exp_a + exp_b + 2y.
            prods.push((
                sign,
                ra.sig as i128 * rb.sig as i128,
                ra.exp + rb.exp + 2 * y,
            ));
        }
        if nan || (pinf && ninf) {
            return (1, 0, 0);
        }
        if pinf || ninf {
            return (if pinf { 2 } else { 3 }, 0, 0);
        }
        if elem.is_int() {
            let s = prods.iter().map(|&(s, m, _)| if s { -m } else { m }).sum();
            return (0, s, 2 * elem.int_view_exp());
        }
        let e = prods.iter().map(|p| p.2).max().unwrap();
        let mut s = 0i128;
        for &(sign, m, ei) in &prods {
            // floor(m * 2^(ei - 2y - e + n - 2))
            let sh = ei - 2 * y - e + n as i32 - 2;
            let v = if sh >= 0 { m << sh } else { m >> -sh };
            s += if sign { -v } else { v };
        }
        (0, s, e - (n as i32 - 2))
    }

    fn random_codes(rng: &mut ChaCha8Rng, elem: &ElemFormat, k: usize) -> Vec<u32> {
        // Mostly uniform codes; now and then a block of small or special values.
        let mode = rng.gen_range(0..8);
        let sign = elem.sign_mask();
        let corners = [
            0,
            elem.nan_code().unwrap_or(0),
            elem.inf_code().unwrap_or(0),
            elem.max_code(),
        ];
        (0..k)
            .map(|_| match mode {
                0 => rng.gen_range(0..4) | if rng.gen() { sign } else { 0 },
                1 => corners[rng.gen_range(0..4)] | if rng.gen() { sign } else { 0 },
                _ => rng.gen_range(0..elem.code_count()),
            })
            .collect()
    }

    /// Seeded random blocks of k lanes.
    fn random_blocks(name: &str, k: usize, count: usize, seed: u64) -> Vec<(Vec<u32>, Vec<u32>)> {
        let fmt = lookup_in(name, &[]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..count)
            .map(|_| {
                (
                    random_codes(&mut rng, &fmt.elem, k),
                    random_codes(&mut rng, &fmt.elem, k),
                )
            })
            .collect()
    }

    /// One-lane blocks: every code against every code for formats of up to 6 bits, every
    /// code against 16 spread-out codes (both signs, zeros, specials) for 8-bit formats.
    fn code_pairs(name: &str) -> Vec<(Vec<u32>, Vec<u32>)> {
        let elem = lookup_in(name, &[]).unwrap().elem;
        let all: Vec<u32> = (0..elem.code_count()).collect();
        let partners: Vec<u32> = if elem.bits() <= 6 {
            all.clone()
        } else {
            (0..16).map(|i| i * 17).collect()
        };
        all.iter()
            .flat_map(|&a| {
                partners
                    .iter()
                    .flat_map(move |&b| [(vec![a], vec![b]), (vec![b], vec![a])])
            })
            .collect()
    }

    fn run<B: Block>(
        name: &str,
        n: u32,
        blocks: Vec<(Vec<u32>, Vec<u32>)>,
        seed: u64,
        mut front: B,
        mut eval: impl FnMut(&mut B, &[u32], &[u32]) -> (u64, i128, i32),
    ) {
        let fmt = lookup_in(name, &[]).unwrap();
        front.connect_all();
        for (i, (a, b)) in blocks.iter().enumerate() {
            let want = reference(&fmt.elem, n, a, b);
            let got = eval(&mut front, a, b);
            let same = got.0 == want.0 && (want.0 != 0 || (got.1, got.2) == (want.1, want.2));
            let k = a.len();
            assert!(same, "{name} k={k} n={n} seed {seed:#x} block {i}: a={a:x?} b={b:x?}: rtl {got:?} want {want:?}");
        }
    }

    /// The FP front end of W-bit elements (x exponent, y mantissa bits) wired at n, k lanes.
    macro_rules! fp_front_ty {
        ($w:literal, $x:literal, $y:literal, $n:literal, $k:literal) => {
            FpFront<
                $w,
                $x,
                $y,
                { $x + 1 },
                { $y + 1 },
                { 2 * $y + 2 },
                $n,
                { $n + 1 },
                { $n + 2 },
                { $w * $k },
                { $n + 1 + ($k as usize).trailing_zeros() as usize },
            >
        };
    }

    /// Bias and specials of the built-in FP format `name`.
    fn fp_params(name: &str) -> (i32, FpSpecials) {
        match lookup_in(name, &[]).unwrap().elem {
            ElemFormat::Fp { bias, specials, .. } => (bias, specials),
            _ => unreachable!("{name} is an FP format"),
        }
    }

    macro_rules! fp_case {
        ($name:literal, $k:literal, $n:literal, $blocks:expr, $w:literal, $x:literal, $y:literal) => {{
            let (bias, specials) = fp_params($name);
            type F = fp_front_ty!($w, $x, $y, $n, $k);
            let seed = 0xF407 + $k as u64 + $n as u64 * 1000;
            let blocks: Vec<(Vec<u32>, Vec<u32>)> = $blocks(seed);
            for red in [Reduction::CsaTree, Reduction::CpaTree] {
                run(
                    $name,
                    $n,
                    blocks.clone(),
                    seed,
                    F::new($k, bias, specials, red, $n),
                    |f, a, b| {
                        f.a.next = pack::<{ $w * $k }, $w>(a);
                        f.b.next = pack::<{ $w * $k }, $w>(b);
                        assert!(simulate(f, 1000));
                        (
                            f.special.val().to_u128() as u64,
                            i128_of(f.sum.val()),
                            i128_of(f.lsb_exp.val()) as i32,
                        )
                    },
                );
            }
        }};
    }

    #[test]
    fn fp_front_ends_match_the_block_semantics() {
        fp_case!(
            "mxfp8",
            4,
            24,
            |seed| random_blocks("mxfp8", 4, 400, seed),
            8,
            4,
            3
        );
        fp_case!(
            "mxfp8",
            32,
            24,
            |seed| random_blocks("mxfp8", 32, 60, seed),
            8,
            4,
            3
        );
        fp_case!(
            "mxfp8",
            4,
            38,
            |seed| random_blocks("mxfp8", 4, 300, seed),
            8,
            4,
            3
        );
        fp_case!(
            "mxfp8_e5m2",
            8,
            24,
            |seed| random_blocks("mxfp8_e5m2", 8, 300, seed),
            8,
            5,
            2
        );
        fp_case!(
            "mxfp8_e5m2",
            2,
            68,
            |seed| random_blocks("mxfp8_e5m2", 2, 300, seed),
            8,
            5,
            2
        );
        fp_case!(
            "mxfp6",
            1,
            14,
            |seed| random_blocks("mxfp6", 1, 200, seed),
            6,
            2,
            3
        );
        fp_case!(
            "mxfp6_e3m2",
            16,
            20,
            |seed| random_blocks("mxfp6_e3m2", 16, 100, seed),
            6,
            3,
            2
        );
        fp_case!(
            "mxfp4",
            16,
            10,
            |seed| random_blocks("mxfp4", 16, 100, seed),
            4,
            2,
            1
        );
        fp_case!(
            "mxfp4",
            4,
            8,
            |seed| random_blocks("mxfp4", 4, 300, seed),
            4,
            2,
            1
        );
    }

    /// A front end wired at n = `wired` that keeps the top `window` bits (compressor tree)
    /// against the block semantics at n = `window`: the same sum, `wired - window` bits up.
    macro_rules! windowed_case {
        ($name:literal, $k:literal, $wired:literal, $window:literal, $count:literal, $w:literal, $x:literal, $y:literal) => {{
            let (bias, specials) = fp_params($name);
            type F = fp_front_ty!($w, $x, $y, $wired, $k);
            let seed = 0x3140 + $k as u64 + $window as u64 * 1000;
            let up = $wired - $window;
            let mut blocks = random_blocks($name, $k, $count, seed);
            if $k == 1 {
                blocks = code_pairs($name);
            }
            run(
                $name,
                $window,
                blocks,
                seed,
                F::new($k, bias, specials, Reduction::CsaTree, $window),
                |f, a, b| {
                    f.a.next = pack::<{ $w * $k }, $w>(a);
                    f.b.next = pack::<{ $w * $k }, $w>(b);
                    assert!(simulate(f, 1000));
                    let sum = i128_of(f.sum.val());
                    assert_eq!(
                        sum & ((1i128 << up) - 1),
                        0,
                        "low bits of a narrowed window"
                    );
                    (
                        f.special.val().to_u128() as u64,
                        sum >> up,
                        i128_of(f.lsb_exp.val()) as i32 + up as i32,
                    )
                },
            );
        }};
    }

    #[test]
    fn narrowed_windows_match_the_block_semantics_of_their_width() {
        windowed_case!("mxfp8", 4, 24, 16, 400, 8, 4, 3);
        windowed_case!("mxfp8", 32, 38, 25, 60, 8, 4, 3);
        windowed_case!("mxfp8", 1, 38, 8, 0, 8, 4, 3);
        windowed_case!("mxfp8_e5m2", 8, 68, 40, 300, 8, 5, 2);
        windowed_case!("mxfp4", 16, 10, 5, 200, 4, 2, 1);
        windowed_case!("mxfp4", 1, 10, 4, 0, 4, 2, 1);
    }

    #[test]
    fn fp_lanes_handle_every_code() {
        // One lane at the exact width: the block sum is the exact product of the pair.
        fp_case!("mxfp8", 1, 38, |_| code_pairs("mxfp8"), 8, 4, 3);
        fp_case!("mxfp8_e5m2", 1, 68, |_| code_pairs("mxfp8_e5m2"), 8, 5, 2);
        fp_case!("mxfp6", 1, 14, |_| code_pairs("mxfp6"), 6, 2, 3);
        fp_case!("mxfp6_e3m2", 1, 20, |_| code_pairs("mxfp6_e3m2"), 6, 3, 2);
        fp_case!("mxfp4", 1, 10, |_| code_pairs("mxfp4"), 4, 2, 1);
    }

    #[test]
    fn int_front_ends_match_the_block_semantics() {
        fn case<
            const W: usize,
            const P: usize,
            const PB: usize,
            const KW: usize,
            const SW: usize,
        >(
            name: &str,
            k: usize,
            blocks: Option<usize>,
        ) {
            for (m, r) in [
                (Multiplier::Booth4, Reduction::CsaTree),
                (Multiplier::Array, Reduction::CsaTree),
                (Multiplier::Array, Reduction::CpaTree),
            ] {
                let seed = 0x1407 + k as u64;
                let blocks = match blocks {
                    Some(count) => random_blocks(name, k, count, seed),
                    None => code_pairs(name),
                };
                run(
                    name,
                    2 * W as u32,
                    blocks,
                    seed,
                    IntFront::<W, P, PB, KW, SW>::new(k, m, r),
                    |f, a, b| {
                        f.a.next = pack::<KW, W>(a);
                        f.b.next = pack::<KW, W>(b);
                        assert!(simulate(f, 1000));
                        (
                            f.special.val().to_u128() as u64,
                            i128_of(f.sum.val()),
                            i128_of(f.lsb_exp.val()) as i32,
                        )
                    },
                );
            }
        }
        case::<8, 16, 64, 256, 21>("mxint8", 32, Some(60));
        case::<8, 16, 64, 8, 16>("mxint8", 1, Some(300));
        case::<6, 12, 36, 24, 14>("mxint6", 4, Some(300));
        case::<4, 8, 16, 64, 12>("mxint4", 16, Some(200));
        // Every code (the most negative one included) through one lane.
        case::<8, 16, 64, 8, 16>("mxint8", 1, None);
        case::<6, 12, 36, 6, 12>("mxint6", 1, None);
        case::<4, 8, 16, 4, 8>("mxint4", 1, None);
    }
}
