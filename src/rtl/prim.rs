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
    /// Mutation testing only ([`super::UnitSim::corrupt_multiplier`]): the simulation adds
    /// instead of multiplying (the Verilog is never emitted from a corrupted unit).
    _corrupt: bool,
}

impl<const A: usize, const B: usize, const P: usize> Mul<A, B, P> {
    pub fn new(signed: bool) -> Self {
        const { assert!(P == A + B && P <= 128 && A >= 1 && B >= 1) };
        Self {
            a: Default::default(),
            b: Default::default(),
            p: Default::default(),
            _signed: signed,
            _corrupt: false,
        }
    }

    pub(crate) fn corrupt(&mut self) {
        self._corrupt = true;
    }
}

impl<const A: usize, const B: usize, const P: usize> Logic for Mul<A, B, P> {
    fn update(&mut self) {
        let (a, b) = (self.a.val().to_u128(), self.b.val().to_u128());
        let p = if self._corrupt {
            a.wrapping_add(b)
        } else if self._signed {
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
        // The declared width of `prod` makes the multiplication P bits wide, with both
        // operands extended by their signedness first (Verilog-2005 5.4.1): exact, and
        // Yosys sees a true A x B multiplier (extending the operands by hand does not shrink
        // back: 566 instead of 423 cells for 8 x 8).
        let body = if self._signed {
            format!("wire signed [{}:0] a_s = a;\nwire signed [{}:0] b_s = b;\nwire signed [{}:0] prod = a_s * b_s;\n", A - 1, B - 1, P - 1)
        } else {
            format!("wire [{}:0] prod = a * b;\n", P - 1)
        };
        let kind = if self._signed { "s" } else { "u" };
        Verilog::Custom(format!(
            "{}{body}always @(*) p = prod;\n",
            name_line(&format!("mul_{kind}{A}x{B}"))
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
        Self {
            i: Default::default(),
            s: Default::default(),
            o: Default::default(),
        }
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
        let placed = if O == I {
            "i".to_string()
        } else {
            format!("{{i, {}'d0}}", O - I)
        };
        Verilog::Custom(format!(
            "{}always @(*) o = {placed} >> s;\n",
            name_line(&format!("shr_{I}to{O}"))
        ))
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
        Self {
            mag: Default::default(),
            neg: Default::default(),
            o: Default::default(),
        }
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

/// Signed magnitude as compressor-tree bits (O = M + 2): `o = {neg, neg, mag ^ {M{neg}}}`
/// ([`super::csa::signed_mag_layout`]).
#[derive(LogicBlock)]
pub struct SignXor<const M: usize, const O: usize> {
    pub mag: Signal<In, Bits<M>>,
    pub neg: Signal<In, Bit>,
    pub o: Signal<Out, Bits<O>>,
}

impl<const M: usize, const O: usize> Default for SignXor<M, O> {
    fn default() -> Self {
        const { assert!(O == M + 2 && O <= 128) };
        Self {
            mag: Default::default(),
            neg: Default::default(),
            o: Default::default(),
        }
    }
}

impl<const M: usize, const O: usize> Logic for SignXor<M, O> {
    fn update(&mut self) {
        let bus = super::csa::signed_mag_bits(self.mag.val().to_u128(), self.neg.val(), M);
        self.o.next = bits_of::<O>(bus);
    }
    fn connect(&mut self) {
        self.o.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "{}always @(*) o = {{neg, neg, mag ^ {{{M}{{neg}}}}}};\n",
            name_line(&format!("sign_xor{M}"))
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
        Self {
            i: Default::default(),
            o: Default::default(),
        }
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
        Verilog::Custom(format!(
            "{}always @(*) o = {{{}'d0, i}};\n",
            name_line(&format!("zext{I}to{O}")),
            O - I
        ))
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
        assert!(
            k.is_power_of_two() && IW + k.trailing_zeros() as usize == SW,
            "adder tree k={k} IW={IW} SW={SW}"
        );
        Self {
            x: (0..k).map(|_| Default::default()).collect(),
            sum: Default::default(),
        }
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
            let next: Vec<String> = (0..prev.len() / 2)
                .map(|j| format!("s{level}_{j}"))
                .collect();
            for (j, name) in next.iter().enumerate() {
                let (l, r) = (&prev[2 * j], &prev[2 * j + 1]);
                v += &format!(
                    "wire [{w}:0] {name} = {{{l}[{m}], {l}}} + {{{r}[{m}], {r}}};\n",
                    m = w - 1
                );
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
        Self {
            clk: Default::default(),
            d: Default::default(),
            q: Default::default(),
        }
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
        Verilog::Custom(format!(
            "{}always @(posedge clk) q <= d;\n",
            name_line(&format!("reg{}", T::BITS))
        ))
    }
}

#[cfg(test)]
mod tests {
    //! Each primitive's `update()` against its Verilog template in Icarus.
    use super::*;
    use crate::rtl::testutil::{icarus_run, require_tool, Port};
    use crate::rtl::verilog::finish;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn verilog_of<B: Block>(b: &mut B) -> String {
        b.connect_all();
        finish(&generate_verilog(b), "dut")
    }

    fn settle<B: Block>(b: &mut B) {
        assert!(simulate(b, 100), "rust-hdl did not settle");
    }

    /// Compare the Rust model with Icarus on `vectors`; `eval` sets the inputs of a settled
    /// block and returns its outputs.
    fn check<B: Block>(
        mut block: B,
        inputs: &[Port],
        outputs: &[Port],
        vectors: Vec<Vec<u128>>,
        what: &str,
        mut eval: impl FnMut(&mut B, &[u128]) -> Vec<u128>,
    ) {
        if !require_tool("iverilog", "iverilog") {
            return;
        }
        let v = verilog_of(&mut block);
        let dir = tempfile::tempdir().unwrap();
        let got = icarus_run(dir.path(), &v, inputs, outputs, &vectors, false);
        for (vec, hw) in vectors.iter().zip(&got) {
            let sw = eval(&mut block, vec);
            assert_eq!(
                &sw, hw,
                "{what}: inputs {vec:x?}: rust-hdl {sw:x?} vs Icarus {hw:x?}"
            );
        }
    }

    fn all_pairs(a: usize, b: usize) -> Vec<Vec<u128>> {
        (0..1u128 << a)
            .flat_map(|x| (0..1u128 << b).map(move |y| vec![x, y]))
            .collect()
    }

    fn random_vectors(seed: u64, n: usize, widths: &[usize]) -> Vec<Vec<u128>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                widths
                    .iter()
                    .map(|&w| rng.gen::<u128>() & if w >= 128 { u128::MAX } else { (1 << w) - 1 })
                    .collect()
            })
            .collect()
    }

    fn check_mul<const A: usize, const B: usize, const P: usize>(
        signed: bool,
        vectors: Vec<Vec<u128>>,
    ) {
        let what = format!("Mul<{A},{B},{P}> signed={signed}");
        check(
            Mul::<A, B, P>::new(signed),
            &[("a", A), ("b", B)],
            &[("p", P)],
            vectors,
            &what,
            |m, v| {
                m.a.next = bits_of(v[0]);
                m.b.next = bits_of(v[1]);
                settle(m);
                vec![m.p.val().to_u128()]
            },
        );
    }

    #[test]
    fn multipliers_match_icarus_exhaustively_and_at_wide_random() {
        check_mul::<8, 8, 16>(true, all_pairs(8, 8));
        check_mul::<4, 4, 8>(false, all_pairs(4, 4));
        check_mul::<4, 4, 8>(true, all_pairs(4, 4));
        check_mul::<6, 6, 12>(true, all_pairs(6, 6));
        check_mul::<3, 5, 8>(false, all_pairs(3, 5));
        check_mul::<3, 5, 8>(true, all_pairs(3, 5));
        let seed = 0x006d_756c;
        check_mul::<33, 31, 64>(true, random_vectors(seed, 3000, &[33, 31]));
        check_mul::<40, 40, 80>(false, random_vectors(seed + 1, 3000, &[40, 40]));
    }

    fn check_shift<const I: usize, const O: usize, const S: usize>(vectors: Vec<Vec<u128>>) {
        let what = format!("ShiftRight<{I},{O},{S}>");
        check(
            ShiftRight::<I, O, S>::default(),
            &[("i", I), ("s", S)],
            &[("o", O)],
            vectors,
            &what,
            |m, v| {
                m.i.next = bits_of(v[0]);
                m.s.next = bits_of(v[1]);
                settle(m);
                vec![m.o.val().to_u128()]
            },
        );
    }

    #[test]
    fn shifters_match_icarus_including_shifts_past_the_window() {
        check_shift::<8, 24, 5>(all_pairs(8, 5));
        check_shift::<4, 4, 3>(all_pairs(4, 3));
        check_shift::<4, 10, 3>(all_pairs(4, 3));
        check_shift::<6, 68, 7>(random_vectors(0x5368, 4000, &[6, 7]));
        check_shift::<8, 38, 6>(all_pairs(8, 6));
    }

    fn check_apply_sign<const M: usize, const O: usize>(vectors: Vec<Vec<u128>>) {
        let what = format!("ApplySign<{M},{O}>");
        check(
            ApplySign::<M, O>::default(),
            &[("mag", M), ("neg", 1)],
            &[("o", O)],
            vectors,
            &what,
            |m, v| {
                m.mag.next = bits_of(v[0]);
                m.neg.next = v[1] == 1;
                settle(m);
                vec![unsigned_cast(m.o.val()).to_u128()]
            },
        );
    }

    #[test]
    fn sign_application_matches_icarus() {
        check_apply_sign::<4, 5>(all_pairs(4, 1));
        check_apply_sign::<10, 11>(all_pairs(10, 1));
        let mut v = random_vectors(0x5167, 3000, &[68, 1]);
        v.extend([vec![(1 << 68) - 1, 1], vec![(1 << 68) - 1, 0], vec![0, 1]]);
        check_apply_sign::<68, 69>(v);
    }

    #[test]
    fn zero_extension_matches_icarus() {
        let what = "ZeroExtend<5,12>";
        let vectors = (0..32).map(|x| vec![x]).collect();
        check(
            ZeroExtend::<5, 12>::default(),
            &[("i", 5)],
            &[("o", 12)],
            vectors,
            what,
            |m, v| {
                m.i.next = bits_of(v[0]);
                settle(m);
                vec![m.o.val().to_u128()]
            },
        );
    }

    fn check_tree<const IW: usize, const SW: usize>(k: usize, vectors: Vec<Vec<u128>>) {
        let names: Vec<String> = (0..k).map(|i| format!("x${i}")).collect();
        let inputs: Vec<Port> = names.iter().map(|n| (n.as_str(), IW)).collect();
        let what = format!("AdderTree<{IW},{SW}> k={k}");
        check(
            AdderTree::<IW, SW>::new(k),
            &inputs,
            &[("sum", SW)],
            vectors,
            &what,
            |m, v| {
                for (x, &val) in m.x.iter_mut().zip(v) {
                    x.next = signed_cast(bits_of(val));
                }
                settle(m);
                vec![unsigned_cast(m.sum.val()).to_u128()]
            },
        );
    }

    #[test]
    fn adder_trees_match_icarus() {
        // Exhaustive for 4 inputs of 4 bits, random elsewhere; extremes included.
        let all4: Vec<Vec<u128>> = (0..1u128 << 16)
            .map(|x| (0..4).map(|i| (x >> (4 * i)) & 15).collect())
            .collect();
        check_tree::<4, 6>(4, all4);
        check_tree::<3, 3>(1, (0..8).map(|x| vec![x]).collect());
        check_tree::<5, 6>(2, all_pairs(5, 5));
        let mut v = random_vectors(0x7472, 2000, &[25; 32]);
        v.push(vec![1 << 24; 32]);
        v.push(vec![(1 << 24) - 1; 32]);
        check_tree::<25, 30>(32, v);
        let mut v = random_vectors(0x7473, 500, &[69; 64]);
        v.push(vec![1 << 68; 64]);
        v.push(vec![(1 << 68) - 1; 64]);
        check_tree::<69, 75>(64, v);
    }

    #[test]
    fn register_matches_icarus() {
        if !require_tool("iverilog", "iverilog") {
            return;
        }
        let mut r = Reg::<Bits<8>>::default();
        let v = verilog_of(&mut r);
        let vectors = random_vectors(0x7265, 200, &[8]);
        let dir = tempfile::tempdir().unwrap();
        let got = icarus_run(
            dir.path(),
            &v,
            &[("clk", 1), ("d", 8)],
            &[("q", 8)],
            &vectors,
            true,
        );
        for (vec, hw) in vectors.iter().zip(&got) {
            r.clk.next = Clock::from(false);
            r.d.next = bits_of(vec[0]);
            settle(&mut r);
            r.clk.next = Clock::from(true);
            settle(&mut r);
            assert_eq!(r.q.val().to_u128(), hw[0], "Reg: d {:x}", vec[0]);
        }
    }
}
