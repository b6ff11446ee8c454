//! Hand-written rust-hdl primitives for the operators rust-hdl 0.46 lacks: leading-zero count,
//! right shift with sticky bit, unsigned multiply, and `Cat`, a packed `{hi, lo}` signal type
//! that stands in for Verilog concatenation.
//!
//! Each primitive's semantics are written twice, once as Rust (`update`, used by the rust-hdl
//! simulation) and once as a Verilog template (`Verilog::Custom`). They are the only such
//! places in the back end; `tests/rtl_fp32` checks every one against Icarus, exhaustively
//! where the input space is small.

use rust_hdl::prelude::*;

/// Widest operand the primitives accept: their Rust models compute in `u128`.
pub const MAX_PRIM_WIDTH: usize = 128;

/// The value of a `Bits<N>` (N <= 128) as u128.
pub fn bits_to_u128<const N: usize>(x: Bits<N>) -> u128 {
    x.to_u128()
}

/// A `Bits<N>` holding the low N bits of `v` (N <= 128).
pub fn u128_to_bits<const N: usize>(v: u128) -> Bits<N> {
    let v = if N >= 128 { v } else { v & ((1u128 << N) - 1) };
    if N <= 64 {
        (v as u64).into()
    } else {
        let lo: Bits<N> = (v as u64).into();
        let hi: Bits<N> = ((v >> 64) as u64).into();
        lo | (hi << 64u64)
    }
}

/// `{zeros{1'b0}}` or nothing, for Verilog concatenations of generated widths.
fn zero_pad(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{{{n}{{1'b0}}}}, ")
    }
}

/// Leading-zero count.
///
/// Ports: `x: Bits<W>` in; `zeros: Bits<CW>` out = number of zero bits above the most
/// significant one of `x`, or W when `x` = 0. Requires 1 <= W <= 128 and W < 2^CW.
///
/// Verilog: a log-depth tree over `x` padded below with a single one bit (so that `x` = 0
/// counts to W without a separate zero test), the usual priority-encoder structure of a
/// floating-point normalizer.
#[derive(LogicBlock)]
pub struct Lzc<const W: usize, const CW: usize> {
    pub x: Signal<In, Bits<W>>,
    pub zeros: Signal<Out, Bits<CW>>,
}

impl<const W: usize, const CW: usize> Default for Lzc<W, CW> {
    fn default() -> Self {
        const {
            assert!(W >= 1 && W <= MAX_PRIM_WIDTH);
            assert!(CW < 64 && W < (1usize << CW));
        }
        Self {
            x: Default::default(),
            zeros: Default::default(),
        }
    }
}

impl<const W: usize, const CW: usize> Lzc<W, CW> {
    /// Width of the tree: the padded input has P = 2^L bits.
    fn levels() -> usize {
        (W + 1).next_power_of_two().trailing_zeros() as usize
    }
}

impl<const W: usize, const CW: usize> Logic for Lzc<W, CW> {
    fn update(&mut self) {
        let x = bits_to_u128(self.x.val());
        let z = if x == 0 {
            W
        } else {
            x.leading_zeros() as usize - (128 - W)
        };
        self.zeros.next = (z as u64).into();
    }

    fn connect(&mut self) {
        self.zeros.connect();
    }

    fn hdl(&self) -> Verilog {
        let l = Self::levels();
        let p = 1usize << l;
        // Leaf i of the tree is bit i of {x, 1'b1, zeros}: the pad bits are folded in as
        // constants so that no constant wire is left unused.
        let leaf = |i: usize| -> Leaf {
            if W == 1 && i == p - 1 {
                Leaf::Scalar
            } else if i >= p - W {
                Leaf::X(i - (p - W))
            } else if i == p - W - 1 {
                Leaf::One
            } else {
                Leaf::Zero
            }
        };
        // Level k has p >> k nodes; node j covers 2^k bits and holds a k-bit count c_k of
        // its leading zeros (meaningful when any bit is set) and a flag v_k saying whether
        // any bit is set. Only left (odd) children's flags select, so v_k[0] and the root's
        // flag are never needed and not built. The tree is written as one always block
        // (Icarus simulates per-bit continuous assignments about 50 times slower).
        let mut decl = String::new();
        let mut body = String::new();
        for k in 1..=l {
            let nodes = p >> k;
            if k < l {
                decl += &format!("reg [{}:1] v{k};\n", nodes - 1);
            }
            decl += &format!("reg [{}:0] c{k};\n", nodes * k - 1);
            for j in 0..nodes {
                let (hi, lo) = (2 * j + 1, 2 * j);
                if k < l && j > 0 {
                    let any = if k == 1 {
                        leaf(hi).or(leaf(lo))
                    } else {
                        format!("v{0}[{hi}] | v{0}[{lo}]", k - 1)
                    };
                    body += &format!("    v{k}[{j}] = {any};\n");
                }
                if k == 1 {
                    body += &format!("    c1[{j}] = {};\n", leaf(hi).not());
                } else {
                    let m = k - 1;
                    body += &format!(
                        "    c{k}[{}:{}] = v{m}[{hi}] ? {{1'b0, c{m}[{}:{}]}} : {{1'b1, c{m}[{}:{}]}};\n",
                        j * k + k - 1,
                        j * k,
                        hi * m + m - 1,
                        hi * m,
                        lo * m + m - 1,
                        lo * m
                    );
                }
            }
        }
        let v = format!(
            "{decl}always @(*) begin\n{body}    zeros = {{{}c{l}}};\nend\n",
            zero_pad(CW - l)
        );
        Verilog::Custom(v)
    }
}

/// A leaf of the leading-zero tree: an input bit or a constant pad bit.
#[derive(Clone, Copy)]
enum Leaf {
    /// The input itself when it is one bit wide (a scalar port cannot be indexed).
    Scalar,
    X(usize),
    One,
    Zero,
}

impl Leaf {
    fn text(self) -> String {
        match self {
            Leaf::Scalar => "x".into(),
            Leaf::X(i) => format!("x[{i}]"),
            Leaf::One => "1'b1".into(),
            Leaf::Zero => "1'b0".into(),
        }
    }

    fn not(self) -> String {
        match self {
            Leaf::Scalar => "~x".into(),
            Leaf::X(i) => format!("~x[{i}]"),
            Leaf::One => "1'b0".into(),
            Leaf::Zero => "1'b1".into(),
        }
    }

    fn or(self, other: Leaf) -> String {
        match (self, other) {
            (Leaf::One, _) | (_, Leaf::One) => "1'b1".into(),
            (Leaf::Zero, o) | (o, Leaf::Zero) => o.text(),
            (a, b) => format!("{} | {}", a.text(), b.text()),
        }
    }
}

/// Right shift with sticky bit, from a frame of x followed by G zero bits.
///
/// Ports: `x: Bits<W>`, `shift: Bits<8>` in; `y: Bits<O>` out = the low O bits of
/// `(x * 2^G) >> shift` (zero-extended when O > W + G); `sticky: Bit` out = OR of the frame
/// bits shifted out below bit 0. Any shift >= W + G leaves y = 0 and sticky = (x != 0).
/// Requires W, O <= 128 and W + G <= 255.
///
/// Used to align a significand (the FP32 adder) and to place a magnitude into the 25-bit
/// rounding frame (normalizer-rounder); the sticky bit keeps round-to-nearest-even exact.
#[derive(LogicBlock)]
pub struct ShrSticky<const W: usize, const G: usize, const O: usize> {
    pub x: Signal<In, Bits<W>>,
    pub shift: Signal<In, Bits<8>>,
    pub y: Signal<Out, Bits<O>>,
    pub sticky: Signal<Out, Bit>,
}

impl<const W: usize, const G: usize, const O: usize> Default for ShrSticky<W, G, O> {
    fn default() -> Self {
        const {
            assert!(W >= 1 && W <= MAX_PRIM_WIDTH && O >= 1 && O <= MAX_PRIM_WIDTH);
            assert!(W + G <= 255);
        }
        Self {
            x: Default::default(),
            shift: Default::default(),
            y: Default::default(),
            sticky: Default::default(),
        }
    }
}

impl<const W: usize, const G: usize, const O: usize> Logic for ShrSticky<W, G, O> {
    fn update(&mut self) {
        let x = bits_to_u128(self.x.val());
        let s = self.shift.val().to_u64() as usize;
        // Bit i of x is frame bit i + G; it lands at y bit i + G - s or is lost below 0.
        let (y, lost) = if s <= G {
            let up = G - s;
            (if up >= 128 { 0 } else { x << up }, false)
        } else {
            let down = s - G;
            if down >= 128 {
                (0, x != 0)
            } else {
                (x >> down, x & ((1u128 << down) - 1) != 0)
            }
        };
        self.y.next = u128_to_bits(y);
        self.sticky.next = lost;
    }

    fn connect(&mut self) {
        self.y.connect();
        self.sticky.connect();
    }

    fn hdl(&self) -> Verilog {
        let f = W + G;
        let mut v = format!("reg [{}:0] frame;\nreg lost;\nalways @(*) begin\n", f - 1);
        if G == 0 {
            v += "    frame = x;\n";
        } else {
            v += &format!("    frame = {{x, {{{G}{{1'b0}}}}}};\n");
        }
        v += "    lost = 1'b0;\n";
        for k in 0..8 {
            let s = 1usize << k;
            if s < f {
                v += &format!(
                    "    if (shift[{k}]) begin\n        lost = lost | (|frame[{}:0]);\n        frame = {{{{{s}{{1'b0}}}}, frame[{}:{s}]}};\n    end\n",
                    s - 1,
                    f - 1
                );
            } else {
                v += &format!(
                    "    if (shift[{k}]) begin\n        lost = lost | (|frame);\n        frame = {{{f}{{1'b0}}}};\n    end\n"
                );
            }
        }
        if O <= f {
            v += &format!("    y = frame[{}:0];\n", O - 1);
        } else {
            v += &format!("    y = {{{}frame}};\n", zero_pad(O - f));
        }
        v += "    sticky = lost;\nend\n";
        Verilog::Custom(v)
    }
}

/// Unsigned multiplier.
///
/// Ports: `a: Bits<A>`, `b: Bits<B>` in; `p: Bits<P>` out = a * b exactly. Requires
/// P = A + B <= 128.
#[derive(LogicBlock)]
pub struct UMul<const A: usize, const B: usize, const P: usize> {
    pub a: Signal<In, Bits<A>>,
    pub b: Signal<In, Bits<B>>,
    pub p: Signal<Out, Bits<P>>,
}

impl<const A: usize, const B: usize, const P: usize> Default for UMul<A, B, P> {
    fn default() -> Self {
        const { assert!(A >= 1 && B >= 1 && P == A + B && P <= MAX_PRIM_WIDTH) };
        Self {
            a: Default::default(),
            b: Default::default(),
            p: Default::default(),
        }
    }
}

impl<const A: usize, const B: usize, const P: usize> Logic for UMul<A, B, P> {
    fn update(&mut self) {
        self.p.next = u128_to_bits(bits_to_u128(self.a.val()) * bits_to_u128(self.b.val()));
    }

    fn connect(&mut self) {
        self.p.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "always @(*) p = {{{{{B}{{1'b0}}}}, a}} * {{{{{A}{{1'b0}}}}, b}};\n"
        ))
    }
}

/// A W-bit vector seen as the pair `{hi, lo}` (W = H + L), used as a signal type in
/// `#[hdl_gen]` code because rust-hdl has no concatenation operator and its slicing is slow
/// to simulate.
///
/// Packing: `self.s.next.lo = ...; self.s.next.hi = ...;` emits the part-selects
/// `s[0 +: L]`, `s[L +: H]`, and `self.s.val().into()` reads the whole vector. Viewing:
/// `self.s.next = self.word.val().into()` emits `s = word;` and `self.s.val().hi` the
/// part-select `s[L +: H]`, a plain field read in simulation. (The `get_my_width_*` /
/// `get_my_offset_*` methods are the hooks `hdl_gen` calls for field access; the offsets are
/// u32 so that the index literals are 32 bits wide, since the 64-bit ones of
/// `derive(LogicStruct)` draw Verilator WIDTH warnings.)
#[derive(Copy, Clone, Default, PartialEq, Debug)]
pub struct Cat<const H: usize, const L: usize, const W: usize> {
    pub lo: Bits<L>,
    pub hi: Bits<H>,
}

impl<const H: usize, const L: usize, const W: usize> Cat<H, L, W> {
    pub fn get_my_width_lo(&self) -> usize {
        L
    }
    pub fn get_my_offset_lo(&self) -> u32 {
        0
    }
    pub fn get_my_width_hi(&self) -> usize {
        H
    }
    pub fn get_my_offset_hi(&self) -> u32 {
        L as u32
    }
}

impl<const H: usize, const L: usize, const W: usize> From<Cat<H, L, W>> for Bits<W> {
    fn from(c: Cat<H, L, W>) -> Bits<W> {
        const { assert!(W == H + L && W <= MAX_PRIM_WIDTH) };
        u128_to_bits(bits_to_u128(c.lo) | (bits_to_u128(c.hi) << L))
    }
}

impl<const H: usize, const L: usize, const W: usize> From<Bits<W>> for Cat<H, L, W> {
    fn from(x: Bits<W>) -> Cat<H, L, W> {
        const { assert!(W == H + L && W <= MAX_PRIM_WIDTH) };
        let v = bits_to_u128(x);
        Cat {
            lo: u128_to_bits(v),
            hi: u128_to_bits(v >> L),
        }
    }
}

impl<const H: usize, const L: usize, const W: usize> Synth for Cat<H, L, W> {
    const BITS: usize = W;

    fn descriptor() -> TypeDescriptor {
        TypeDescriptor {
            name: format!("Cat::<{H},{L}>"),
            kind: TypeKind::Bits(W),
        }
    }

    fn vcd(self) -> VCDValue {
        Bits::<W>::from(self).into()
    }

    fn verilog(self) -> VerilogLiteral {
        Bits::<W>::from(self).into()
    }
}
