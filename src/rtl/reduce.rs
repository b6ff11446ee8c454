//! FP block reduction: the max-exponent tree, the per-lane aligner (exponent subtract and
//! barrel shift into the n-bit window) and the block's special-value detection.
//! The signed adder tree itself is the primitive [`super::prim::AdderTree`].

use rust_hdl::prelude::*;

use super::prim::{ApplySign, ShiftRight, SignXor};

/// Two-input maximum of unsigned exponents.
#[derive(LogicBlock, Default)]
pub struct Max2<const EW: usize> {
    pub a: Signal<In, Bits<EW>>,
    pub b: Signal<In, Bits<EW>>,
    pub y: Signal<Out, Bits<EW>>,
}

impl<const EW: usize> Logic for Max2<EW> {
    #[hdl_gen]
    fn update(&mut self) {
        if self.a.val() > self.b.val() {
            self.y.next = self.a.val();
        } else {
            self.y.next = self.b.val();
        }
    }
}

/// Maximum of k (a power of two) biased product exponents: a balanced tree of k - 1
/// comparators stored as a heap (node j reads nodes 2j+1 and 2j+2; the last k/2 nodes
/// read the leaves), root = node 0. For k = 1 the single exponent passes through.
#[derive(LogicBlock)]
pub struct MaxExpTree<const EW: usize> {
    pub x: Vec<Signal<In, Bits<EW>>>,
    pub max: Signal<Out, Bits<EW>>,
    node: Vec<Max2<EW>>,
    /// Nodes 0.._inner read other nodes.
    _inner: usize,
    /// The leaf-reading nodes start at `_leaf_start`; the range is empty for k = 1.
    _leaf_start: usize,
    _leaf_end: usize,
    _half: usize,
    /// 1 for k = 1 (no comparator), else 0.
    _single: usize,
}

impl<const EW: usize> MaxExpTree<EW> {
    pub fn new(k: usize) -> Self {
        assert!(k.is_power_of_two());
        let (inner, leaf_start, leaf_end) = if k == 1 {
            (0, 0, 0)
        } else {
            (k / 2 - 1, k / 2 - 1, k / 2)
        };
        Self {
            x: (0..k).map(|_| Default::default()).collect(),
            max: Default::default(),
            node: (0..k - 1).map(|_| Default::default()).collect(),
            _inner: inner,
            _leaf_start: leaf_start,
            _leaf_end: leaf_end,
            _half: k / 2,
            _single: usize::from(k == 1),
        }
    }
}

impl<const EW: usize> Logic for MaxExpTree<EW> {
    // rust-hdl evaluates `[...]` index expressions with loop variables only, so the offset
    // of the leaf-reading nodes is bound by a one-pass loop (`first`); zero-or-one-pass
    // loops select the k = 1 wiring at generation time.
    #[hdl_gen]
    fn update(&mut self) {
        for first in self._leaf_start..self._leaf_end {
            for t in 0..self._half {
                self.node[t + first].a.next = self.x[2 * t].val();
                self.node[t + first].b.next = self.x[2 * t + 1].val();
            }
        }
        for j in 0..self._inner {
            self.node[j].a.next = self.node[2 * j + 1].y.val();
            self.node[j].b.next = self.node[2 * j + 2].y.val();
        }
        for _z in 0..self._single {
            self.max.next = self.x[0].val();
        }
        for _z in self._single..1 {
            self.max.next = self.node[0].y.val();
        }
    }
}

/// Aligner of one FP lane: the product magnitude `mag` (MB bits) placed at the top of the
/// N-bit window of the block's largest exponent `emax` and shifted right by
/// `emax - exp`, dropping the bits below the window (truncation toward zero), then signed:
/// `aligned` = (-1)^sign * floor(mag * 2^(N - MB) / 2^(emax - exp)), N1 = N + 1 bits.
#[derive(LogicBlock, Default)]
pub struct Aligner<const MB: usize, const EW: usize, const N: usize, const N1: usize> {
    pub mag: Signal<In, Bits<MB>>,
    pub exp: Signal<In, Bits<EW>>,
    pub emax: Signal<In, Bits<EW>>,
    pub sign: Signal<In, Bit>,
    pub aligned: Signal<Out, Signed<N1>>,
    distance: Signal<Local, Bits<EW>>,
    shift: ShiftRight<MB, N, EW>,
    apply_sign: ApplySign<N, N1>,
}

impl<const MB: usize, const EW: usize, const N: usize, const N1: usize> Logic
    for Aligner<MB, EW, N, N1>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.distance.next = self.emax.val() - self.exp.val();
        self.shift.i.next = self.mag.val();
        self.shift.s.next = self.distance.val();
        self.apply_sign.mag.next = self.shift.o.val();
        self.apply_sign.neg.next = self.sign.val();
        self.aligned.next = self.apply_sign.o.val();
    }
}

/// Aligner of one FP lane for the compressor tree: as [`Aligner`], but the shifted magnitude
/// leaves as the tree bits of a signed magnitude ([`super::csa::signed_mag_layout`], N2 =
/// N + 2 bits: magnitude XOR sign, the sign as +1, the sign as negative top bit), so the
/// negation costs N XOR gates and its +1 rides in the tree.
#[derive(LogicBlock, Default)]
pub struct AlignerCsa<const MB: usize, const EW: usize, const N: usize, const N2: usize> {
    pub mag: Signal<In, Bits<MB>>,
    pub exp: Signal<In, Bits<EW>>,
    pub emax: Signal<In, Bits<EW>>,
    pub sign: Signal<In, Bit>,
    pub aligned: Signal<Out, Bits<N2>>,
    distance: Signal<Local, Bits<EW>>,
    shift: ShiftRight<MB, N, EW>,
    sign_xor: SignXor<N, N2>,
}

impl<const MB: usize, const EW: usize, const N: usize, const N2: usize> Logic
    for AlignerCsa<MB, EW, N, N2>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.distance.next = self.emax.val() - self.exp.val();
        self.shift.i.next = self.mag.val();
        self.shift.s.next = self.distance.val();
        self.sign_xor.mag.next = self.shift.o.val();
        self.sign_xor.neg.next = self.sign.val();
        self.aligned.next = self.sign_xor.o.val();
    }
}

/// The block's special value from the lanes' flags: 0 finite, 1 NaN (a NaN lane, or
/// +Inf and -Inf products in one block), 2 +Inf, 3 -Inf.
#[derive(LogicBlock)]
pub struct Specials {
    pub nan: Vec<Signal<In, Bit>>,
    pub inf: Vec<Signal<In, Bit>>,
    pub sign: Vec<Signal<In, Bit>>,
    pub special: Signal<Out, Bits<2>>,
    any_nan: Signal<Local, Bit>,
    pos_inf: Signal<Local, Bit>,
    neg_inf: Signal<Local, Bit>,
    code_finite: Constant<Bits<2>>,
    code_nan: Constant<Bits<2>>,
    code_pos_inf: Constant<Bits<2>>,
    code_neg_inf: Constant<Bits<2>>,
}

impl Specials {
    pub fn new(k: usize) -> Self {
        let v = |n: usize| -> Vec<Signal<In, Bit>> { (0..n).map(|_| Default::default()).collect() };
        Self {
            nan: v(k),
            inf: v(k),
            sign: v(k),
            special: Default::default(),
            any_nan: Default::default(),
            pos_inf: Default::default(),
            neg_inf: Default::default(),
            code_finite: Constant::new(0u64.into()),
            code_nan: Constant::new(1u64.into()),
            code_pos_inf: Constant::new(2u64.into()),
            code_neg_inf: Constant::new(3u64.into()),
        }
    }
}

impl Logic for Specials {
    #[hdl_gen]
    fn update(&mut self) {
        self.any_nan.next = false;
        self.pos_inf.next = false;
        self.neg_inf.next = false;
        for i in 0..self.nan.len() {
            self.any_nan.next = self.any_nan.val() | self.nan[i].val();
            self.pos_inf.next = self.pos_inf.val() | (self.inf[i].val() & !self.sign[i].val());
            self.neg_inf.next = self.neg_inf.val() | (self.inf[i].val() & self.sign[i].val());
        }
        if self.any_nan.val() | (self.pos_inf.val() & self.neg_inf.val()) {
            self.special.next = self.code_nan.val();
        } else if self.pos_inf.val() {
            self.special.next = self.code_pos_inf.val();
        } else if self.neg_inf.val() {
            self.special.next = self.code_neg_inf.val();
        } else {
            self.special.next = self.code_finite.val();
        }
    }
}
