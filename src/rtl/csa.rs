//! Carry-save datapaths: the partial-product generators of the lanes and ONE compressor tree
//! over all partial-product bits of all lanes, as datapaths are built in industry.
//!
//! Every lane hands the tree a bus of bits and a [`Layout`]: the column (power of two) and the
//! sign of each bit. A bit of negative weight, -x 2^c, enters the tree as its complement
//! (~x) 2^c plus the constant -2^c (because -x = (1 - x) - 1); the constants of all lanes are
//! summed into one binary number whose one-bits enter the tree too (the usual
//! sign-extension-free form of Baugh-Wooley and Booth arrays, merged across lanes). The tree
//! is a Dadda reduction of full adders (3:2) and half adders (2:2) down to two rows and one
//! final carry-propagate adder. Sums are taken modulo 2^SW, which is exact because the true
//! block sum fits in SW bits.
//!
//! The adders are instances of two small modules, `<unit>__fa` and `<unit>__ha`
//! ([`FA_MODULE`], [`HA_MODULE`]), so that the synthesis flow can map them onto the
//! library's full- and half-adder cells; an adder with a constant-one input is plain logic
//! (s = ~(x ^ y), c = x | y), never a cell with a tied input.

use rust_hdl::prelude::*;

use super::prim::{bits_of, signed_of};

/// Placeholder module names in generated text, renamed to `<unit>__fa` / `<unit>__ha` by the
/// Verilog writer ([`super::verilog::finish`]), which also appends their definitions.
pub const FA_MODULE: &str = "HWCOST_FA";
pub const HA_MODULE: &str = "HWCOST_HA";

/// The definitions appended once to a unit that uses the adders (`NAME` = the unit).
pub fn adder_modules(unit: &str, fa: bool, ha: bool) -> String {
    let mut v = String::new();
    if fa {
        v += &format!(
            "\nmodule {unit}__fa(a, b, ci, s, co);\n    input wire a;\n    input wire b;\n    \
             input wire ci;\n    output wire s;\n    output wire co;\n    \
             assign s = a ^ b ^ ci;\n    assign co = (a & b) | (a & ci) | (b & ci);\nendmodule // {unit}__fa\n"
        );
    }
    if ha {
        v += &format!(
            "\nmodule {unit}__ha(a, b, s, co);\n    input wire a;\n    input wire b;\n    \
             output wire s;\n    output wire co;\n    assign s = a ^ b;\n    assign co = a & b;\nendmodule // {unit}__ha\n"
        );
    }
    v
}

/// Where one bit of a lane's bus enters the tree: its column and whether it counts negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitWeight {
    pub col: u32,
    pub neg: bool,
}

/// The meaning of each bit of a lane's bus (bit j of the bus is `layout[j]`).
pub type Layout = Vec<BitWeight>;

/// The column of a bus bit the tree does not read (as every bit of column SW and above): the
/// bits below a narrowed psum window ([`windowed_signed_mag_layout`]).
pub const DROPPED: u32 = u32::MAX;

fn pos(col: usize) -> BitWeight {
    BitWeight {
        col: col as u32,
        neg: false,
    }
}

fn neg(col: usize) -> BitWeight {
    BitWeight {
        col: col as u32,
        neg: true,
    }
}

/// A lane's bus in simulation: up to 256 bits as two words, LSB first (an INT16 lane's AND
/// array is 256 bits; every other bus fits the first word).
pub type Bus = [u128; 2];

fn bus_bit(bus: &Bus, j: usize) -> u128 {
    (bus[j / 128] >> (j % 128)) & 1
}

fn set_bus_bit(bus: &mut Bus, j: usize, v: u128) {
    bus[j / 128] |= v << (j % 128);
}

/// The bits of a signal (N <= 256) as a [`Bus`].
pub fn bus_of<const N: usize>(x: Bits<N>) -> Bus {
    if N <= 128 {
        [x.to_u128(), 0]
    } else {
        [
            x.get_bits::<128>(0).to_u128(),
            x.get_bits::<128>(128).to_u128(),
        ]
    }
}

/// A [`Bus`] as an N-bit signal (N <= 256; bits at N and above are dropped).
pub fn bits_of_bus<const N: usize>(bus: Bus) -> Bits<N> {
    if N <= 128 {
        bits_of::<N>(bus[0])
    } else {
        bus[0].to_bits::<N>() | (bus[1].to_bits::<N>() << 128)
    }
}

/// The signed value of a bus under `layout`.
pub fn layout_value(layout: &[BitWeight], bus: u128) -> i128 {
    layout_value_of(layout, &[bus, 0])
}

/// [`layout_value`] of a bus of up to 256 bits.
pub fn layout_value_of(layout: &[BitWeight], bus: &Bus) -> i128 {
    layout
        .iter()
        .enumerate()
        .filter(|(j, w)| bus_bit(bus, *j) == 1 && w.col != DROPPED)
        .map(|(_, w)| {
            if w.neg {
                -(1i128 << w.col)
            } else {
                1i128 << w.col
            }
        })
        .sum()
}

/// Radix-4 Booth partial products of a W x W signed product (W even): W/2 rows, row r is
/// digit d_r in {-2..2} of b times a, as W + 1 bits v (two's complement of |d_r| a, each bit
/// XOR the digit's sign; v_W counts negative) at column 2r, plus the digit's sign at column
/// 2r (the +1 of the negation). Bus bit r(W+2) + i is v_i, bit r(W+2) + W + 1 is the sign.
pub fn booth4_layout(w: usize) -> Layout {
    assert!(
        w >= 2 && w.is_multiple_of(2),
        "radix-4 Booth needs an even width, got {w}"
    );
    let mut l = Vec::new();
    for r in 0..w / 2 {
        for i in 0..w {
            l.push(pos(2 * r + i));
        }
        l.push(neg(2 * r + w));
        l.push(pos(2 * r));
    }
    l
}

/// Bit `i` of a W-bit two's complement code, sign-extended above and zero below.
fn code_bit(x: u128, i: isize, w: usize) -> u128 {
    if i < 0 {
        0
    } else if i as usize >= w {
        (x >> (w - 1)) & 1
    } else {
        (x >> i) & 1
    }
}

/// The radix-4 Booth bus of [`booth4_layout`] for codes `a`, `b` (bit-level, as the Verilog),
/// for buses of at most 128 bits (W <= 10).
pub fn booth4_bits(a: u128, b: u128, w: usize) -> u128 {
    let bus = booth4_bus(a, b, w);
    debug_assert_eq!(bus[1], 0, "W = {w}: the Booth bus is wider than 128 bits");
    bus[0]
}

/// The radix-4 Booth bus of [`booth4_layout`] for codes `a`, `b`, any W <= 16.
pub fn booth4_bus(a: u128, b: u128, w: usize) -> Bus {
    let mut out: Bus = [0, 0];
    let mut k = 0;
    for r in 0..w / 2 {
        let r2 = 2 * r as isize;
        let (b2, b1, b0) = (
            code_bit(b, r2 + 1, w),
            code_bit(b, r2, w),
            code_bit(b, r2 - 1, w),
        );
        let one = b1 ^ b0;
        let two = (b2 & (1 ^ b1) & (1 ^ b0)) | ((1 ^ b2) & b1 & b0);
        for i in 0..=w as isize {
            let v = ((one & code_bit(a, i, w)) | (two & code_bit(a, i - 1, w))) ^ b2;
            set_bus_bit(&mut out, k, v);
            k += 1;
        }
        set_bus_bit(&mut out, k, b2);
        k += 1;
    }
    out
}

/// AND-array partial products of a W x W signed product: bit jW + i is a_i b_j at column
/// i + j, negative when exactly one of a_i, b_j is a sign bit (Baugh-Wooley).
pub fn array_layout(w: usize) -> Layout {
    let mut l = Vec::new();
    for j in 0..w {
        for i in 0..w {
            let sign = (i == w - 1) ^ (j == w - 1);
            l.push(if sign { neg(i + j) } else { pos(i + j) });
        }
    }
    l
}

/// The AND-array bus of [`array_layout`], for W <= 11 (at most 128 bits).
pub fn array_bits(a: u128, b: u128, w: usize) -> u128 {
    let bus = array_bus(a, b, w);
    debug_assert_eq!(bus[1], 0, "W = {w}: the array bus is wider than 128 bits");
    bus[0]
}

/// The AND-array bus of [`array_layout`], any W <= 16.
pub fn array_bus(a: u128, b: u128, w: usize) -> Bus {
    let mut out: Bus = [0, 0];
    for j in 0..w {
        for i in 0..w {
            set_bus_bit(&mut out, j * w + i, (a >> i) & (b >> j) & 1);
        }
    }
    out
}

/// A signed magnitude as tree bits (N magnitude bits): bits 0..N are mag_i XOR s at column i,
/// bit N is s at column N counting negative, bit N + 1 is s at column 0 (the +1 of the
/// two's complement negation): together (-1)^s mag.
pub fn signed_mag_layout(n: usize) -> Layout {
    let mut l: Layout = (0..n).map(pos).collect();
    l.push(neg(n));
    l.push(pos(0));
    l
}

/// [`signed_mag_layout`] of an `n`-bit aligner whose window is narrowed to its top `window`
/// bits: bits 0..n - window are [`DROPPED`] and the +1 of the negation moves to column
/// n - window, so the lane adds (-1)^s floor(mag / 2^(n - window)) * 2^(n - window): the
/// truncation of a `window`-bit aligner, in the columns of the n-bit one. The tree is then the
/// `window`-bit unit's tree shifted up, and its low columns hold no bits.
pub fn windowed_signed_mag_layout(n: usize, window: usize) -> Layout {
    assert!(
        window >= 1 && window <= n,
        "window {window} of an {n}-bit aligner"
    );
    let drop = n - window;
    let mut l: Layout = (0..n)
        .map(|i| {
            if i < drop {
                BitWeight {
                    col: DROPPED,
                    neg: false,
                }
            } else {
                pos(i)
            }
        })
        .collect();
    l.push(neg(n));
    l.push(pos(drop));
    l
}

/// The bus of [`signed_mag_layout`] (and of [`windowed_signed_mag_layout`]).
pub fn signed_mag_bits(mag: u128, s: bool, n: usize) -> u128 {
    let m = if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    };
    let s = s as u128;
    ((mag ^ (m * s)) & m) | (s << n) | (s << (n + 1))
}

/// The multiplier of an INT lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PpKind {
    Array,
    Booth4,
}

impl PpKind {
    /// The generator of an INT lane built with `multiplier`.
    pub fn of(multiplier: super::Multiplier) -> PpKind {
        match multiplier {
            super::Multiplier::Array => PpKind::Array,
            super::Multiplier::Booth4 => PpKind::Booth4,
        }
    }

    pub fn layout(self, w: usize) -> Layout {
        match self {
            PpKind::Array => array_layout(w),
            PpKind::Booth4 => booth4_layout(w),
        }
    }
}

/// The Verilog of radix-4 Booth partial products of a W x W product (the bus of
/// [`booth4_layout`]): row r multiplies the W-bit two's complement wire `mcand(r)` by the
/// digit of `b[2r+1]`, `b[2r]` and `low(r)` (the bit below the digit, `b[2r-1]` for a plain
/// product). Returns the digit wires and the bus bits' expressions, LSB first.
pub fn booth4_verilog(
    w: usize,
    mcand: &dyn Fn(usize) -> &'static str,
    low: &dyn Fn(usize) -> String,
) -> (String, Vec<String>) {
    let mut v = String::new();
    let mut bits = Vec::new();
    for r in 0..w / 2 {
        let a = mcand(r);
        let ab = |i: isize| -> String {
            if i < 0 {
                "1'b0".into()
            } else {
                format!("{a}[{}]", (i as usize).min(w - 1))
            }
        };
        let lo = low(r);
        v += &format!(
            "wire one{r} = b[{m}] ^ {lo};\nwire two{r} = (b[{h}] & ~b[{m}] & ~{lo}) | (~b[{h}] & b[{m}] & {lo});\nwire neg{r} = b[{h}];\n",
            m = 2 * r,
            h = 2 * r + 1
        );
        for i in 0..=w as isize {
            bits.push(format!(
                "((one{r} & {}) | (two{r} & {})) ^ neg{r}",
                ab(i),
                ab(i - 1)
            ));
        }
        bits.push(format!("neg{r}"));
    }
    (v, bits)
}

/// Partial-product generator of one INT lane (W-bit two's complement codes): the bus of
/// [`booth4_layout`] or [`array_layout`] in the low bits of `pp` (PB = W * W bits, the
/// array's count; Booth uses (W/2)(W + 2) of them, the rest are zero).
#[derive(LogicBlock)]
pub struct IntPp<const W: usize, const PB: usize> {
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub pp: Signal<Out, Bits<PB>>,
    _kind: PpKind,
    /// Mutation testing only: the simulation uses b with its lowest bit flipped.
    _corrupt: bool,
}

impl<const W: usize, const PB: usize> IntPp<W, PB> {
    pub fn new(kind: PpKind) -> Self {
        const { assert!(PB == W * W && PB <= 256) };
        Self {
            a: Default::default(),
            b: Default::default(),
            pp: Default::default(),
            _kind: kind,
            _corrupt: false,
        }
    }

    pub(crate) fn corrupt(&mut self) {
        self._corrupt = true;
    }
}

impl<const W: usize, const PB: usize> Logic for IntPp<W, PB> {
    fn update(&mut self) {
        let a = self.a.val().to_u128();
        let b = self.b.val().to_u128() ^ self._corrupt as u128;
        let bus = match self._kind {
            PpKind::Array => array_bus(a, b, W),
            PpKind::Booth4 => booth4_bus(a, b, W),
        };
        self.pp.next = bits_of_bus::<PB>(bus);
    }
    fn connect(&mut self) {
        self.pp.connect();
    }
    fn hdl(&self) -> Verilog {
        let mut v = String::new();
        let mut bits: Vec<String> = Vec::new();
        match self._kind {
            PpKind::Array => {
                v += &format!("// hwcost-name: pp_array{W}\n");
                for j in 0..W {
                    for i in 0..W {
                        bits.push(format!("a[{i}] & b[{j}]"));
                    }
                }
            }
            PpKind::Booth4 => {
                v += &format!("// hwcost-name: pp_booth{W}\n");
                let (rows, row_bits) = booth4_verilog(W, &|_| "a", &|r| {
                    if r == 0 {
                        "1'b0".to_string()
                    } else {
                        format!("b[{}]", 2 * r - 1)
                    }
                });
                v += &rows;
                bits = row_bits;
            }
        }
        for (j, e) in bits.iter().enumerate() {
            v += &format!("wire p{j} = {e};\n");
        }
        let mut all: Vec<String> = (0..bits.len()).rev().map(|j| format!("p{j}")).collect();
        if bits.len() < PB {
            all.insert(0, format!("{}'d0", PB - bits.len()));
        }
        v += &format!("always @(*) pp = {{{}}};\n", all.join(", "));
        Verilog::Custom(v)
    }
}

/// One input bit of the tree, or the constant one.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sig {
    Wire(String),
    One,
}

impl Sig {
    fn text(&self) -> &str {
        match self {
            Sig::Wire(s) => s,
            Sig::One => "1'b1",
        }
    }
}

/// The next Dadda height below `h`: the largest of 2, 3, 4, 6, 9, 13, ... that is < h.
fn dadda_target(h: usize) -> usize {
    let mut d = 2;
    loop {
        let n = d * 3 / 2;
        if n >= h {
            return d;
        }
        d = n;
    }
}

/// Counts of what a reduction instantiated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeStats {
    pub full_adders: usize,
    pub half_adders: usize,
    /// Adders with a constant-one input, built as plain logic.
    pub const_adders: usize,
    pub stages: usize,
    /// Adders on the longest input-to-row path: a Dadda tree adds one per stage at most.
    pub depth: usize,
}

/// Dadda reduction of `cols` (column i holds bits of weight 2^i; only the low `width`
/// columns are kept) to two rows, as Verilog wires and adder instances; returns the body,
/// the two rows (`width` bit expressions each, LSB first) and the adder counts.
fn dadda(mut cols: Vec<Vec<Sig>>, width: usize) -> (String, [Vec<String>; 2], TreeStats) {
    cols.resize(width, Vec::new());
    let mut v = String::new();
    let mut st = TreeStats::default();
    let (mut nf, mut nh) = (0usize, 0usize);
    let mut dropped: Vec<String> = Vec::new();
    // adder levels behind each adder output (inputs and constants are level 0)
    let mut level: std::collections::HashMap<String, usize> = Default::default();
    let lv = |level: &std::collections::HashMap<String, usize>, s: &Sig| match s {
        Sig::Wire(w) => level.get(w).copied().unwrap_or(0),
        Sig::One => 0,
    };
    loop {
        let h = cols.iter().map(Vec::len).max().unwrap_or(0);
        if h <= 2 {
            break;
        }
        let d = dadda_target(h);
        st.stages += 1;
        let mut next: Vec<Vec<Sig>> = vec![Vec::new(); width];
        for i in 0..width {
            let mut pending: Vec<Sig> = Vec::new();
            // Constants first, so that an adder absorbs them as logic.
            let mut all = std::mem::take(&mut cols[i]);
            all.sort_by_key(|s| *s != Sig::One);
            let mut q = std::collections::VecDeque::from(all);
            loop {
                // every bit the column holds after this stage: the sums made so far, the
                // carries in from column i - 1 and the bits not yet reduced
                let total = q.len() + next[i].len() + pending.len();
                if total <= d {
                    break;
                }
                let carry;
                let sum;
                if total - d >= 2 && q.len() >= 3 {
                    let (x, y, z) = (
                        q.pop_front().unwrap(),
                        q.pop_front().unwrap(),
                        q.pop_front().unwrap(),
                    );
                    let (s, c) = (format!("fs{nf}"), format!("fc{nf}"));
                    nf += 1;
                    let l = 1 + lv(&level, &x).max(lv(&level, &y)).max(lv(&level, &z));
                    st.depth = st.depth.max(l);
                    level.insert(s.clone(), l);
                    level.insert(c.clone(), l);
                    if x == Sig::One {
                        v += &format!(
                            "wire {s} = ~({} ^ {});\nwire {c} = {} | {};\n",
                            y.text(),
                            z.text(),
                            y.text(),
                            z.text()
                        );
                        st.const_adders += 1;
                    } else {
                        v += &format!(
                            "wire {s};\nwire {c};\n    {FA_MODULE} fa{n}(\n        .a({}), .b({}), .ci({}), .s({s}), .co({c})\n    );\n",
                            x.text(),
                            y.text(),
                            z.text(),
                            n = nf - 1
                        );
                        st.full_adders += 1;
                    }
                    sum = Sig::Wire(s);
                    carry = Sig::Wire(c);
                } else if q.len() >= 2 {
                    let (x, y) = (q.pop_front().unwrap(), q.pop_front().unwrap());
                    let s = format!("hs{nh}");
                    nh += 1;
                    let l = 1 + lv(&level, &x).max(lv(&level, &y));
                    st.depth = st.depth.max(l);
                    level.insert(s.clone(), l);
                    level.insert(format!("hc{}", nh - 1), l);
                    if x == Sig::One {
                        v += &format!("wire {s} = ~({});\n", y.text());
                        st.const_adders += 1;
                        carry = y;
                    } else {
                        let c = format!("hc{}", nh - 1);
                        v += &format!(
                            "wire {s};\nwire {c};\n    {HA_MODULE} ha{n}(\n        .a({}), .b({}), .s({s}), .co({c})\n    );\n",
                            x.text(),
                            y.text(),
                            n = nh - 1
                        );
                        st.half_adders += 1;
                        carry = Sig::Wire(c);
                    }
                    sum = Sig::Wire(s);
                } else {
                    break;
                }
                pending.push(sum);
                if i + 1 < width {
                    next[i + 1].push(carry);
                } else if let Sig::Wire(c) = carry {
                    // Weighs 2^width: nothing modulo 2^width.
                    dropped.push(c);
                }
            }
            next[i].extend(pending);
            next[i].extend(q);
        }
        cols = next;
    }
    if !dropped.is_empty() {
        // Named *unused* for Verilator's lint.
        v += &format!(
            "wire _unused_carries = &{{1'b0, {}}};\n",
            dropped.join(", ")
        );
    }
    let row = |r: usize| -> Vec<String> {
        cols.iter()
            .map(|c| {
                c.get(r)
                    .map_or("1'b0".to_string(), |s| s.text().to_string())
            })
            .collect()
    };
    (v, [row(0), row(1)], st)
}

/// The tree's columns for `k` lanes of `layout`: lane bits (complemented where negative)
/// and the merged constant, modulo 2^sw (bits of column sw and above weigh 0).
fn tree_columns(k: usize, layout: &[BitWeight], sw: usize) -> Vec<Vec<Sig>> {
    let mut cols: Vec<Vec<Sig>> = vec![Vec::new(); sw];
    let modulus = 1i128 << sw;
    let mut constant: i128 = 0;
    for i in 0..k {
        for (j, w) in layout.iter().enumerate() {
            let bit = format!("x${i}[{j}]");
            let c = w.col as usize;
            if c >= sw {
                continue;
            }
            if w.neg {
                cols[c].push(Sig::Wire(format!("~{bit}")));
                constant -= 1i128 << c;
            } else {
                cols[c].push(Sig::Wire(bit));
            }
        }
    }
    let constant = constant.rem_euclid(modulus);
    for (c, col) in cols.iter_mut().enumerate() {
        if (constant >> c) & 1 == 1 {
            col.insert(0, Sig::One);
        }
    }
    cols
}

/// The Verilog of a tree up to its two rows (wires `row0`, `row1` of `sw` bits): the adders,
/// and the input bits no column reads, named *unused* for Verilator's lint.
fn tree_rows_verilog(name: &str, k: usize, layout: &[BitWeight], ib: usize, sw: usize) -> String {
    let mut v = format!("// hwcost-name: {name}{k}x{}\n", layout.len());
    let (body, rows, _) = dadda(tree_columns(k, layout, sw), sw);
    v += &body;
    let mut unused: Vec<String> = Vec::new();
    for i in 0..k {
        for (j, w) in layout.iter().enumerate() {
            if w.col as usize >= sw {
                unused.push(format!("x${i}[{j}]"));
            }
        }
        if layout.len() < ib {
            unused.push(format!("x${i}[{}:{}]", ib - 1, layout.len()));
        }
    }
    if !unused.is_empty() {
        v += &format!("wire _unused_bits = &{{1'b0, {}}};\n", unused.join(", "));
    }
    for (r, row) in rows.iter().enumerate() {
        let msb_first: Vec<&str> = row.iter().rev().map(String::as_str).collect();
        v += &format!(
            "wire [{}:0] row{r} = {{{}}};\n",
            sw - 1,
            msb_first.join(", ")
        );
    }
    v
}

fn check_tree_args(k: usize, layout: &[BitWeight], ib: usize) {
    assert!(k >= 1 && layout.len() <= ib, "tree k={k} IB={ib}");
}

/// Sum of the lanes' buses under `layout`, modulo 2^SW, as a signed SW-bit value: one
/// compressor tree over every bit of every lane, then one carry-propagate adder.
#[derive(LogicBlock)]
pub struct CsaTree<const IB: usize, const SW: usize> {
    pub x: Vec<Signal<In, Bits<IB>>>,
    pub sum: Signal<Out, Signed<SW>>,
    _layout: Layout,
}

impl<const IB: usize, const SW: usize> CsaTree<IB, SW> {
    /// `k` lanes, each with `layout` (at most IB bits; bits of column SW and above weigh
    /// nothing modulo 2^SW and are left out).
    pub fn new(k: usize, layout: Layout) -> Self {
        const { assert!(SW <= 127 && IB >= 1 && IB <= 256) };
        check_tree_args(k, &layout, IB);
        Self {
            x: (0..k).map(|_| Default::default()).collect(),
            sum: Default::default(),
            _layout: layout,
        }
    }

    /// What the tree instantiates.
    pub fn stats(&self) -> TreeStats {
        dadda(tree_columns(self.x.len(), &self._layout, SW), SW).2
    }
}

impl<const IB: usize, const SW: usize> Logic for CsaTree<IB, SW> {
    fn update(&mut self) {
        let s: i128 = self
            .x
            .iter()
            .map(|x| layout_value_of(&self._layout, &bus_of(x.val())))
            .sum();
        self.sum.next = signed_of::<SW>(s);
    }
    fn connect(&mut self) {
        self.sum.connect();
    }
    fn hdl(&self) -> Verilog {
        let mut v = tree_rows_verilog("csa_tree", self.x.len(), &self._layout, IB, SW);
        v += "always @(*) sum = row0 + row1;\n";
        Verilog::Custom(v)
    }
}

/// The carry-save form of [`CsaTree`]: the compressor tree without its final adder, its two
/// rows as one bus `rows` = {c, s} (R2 = 2 SW bits) whose halves sum, modulo 2^SW, to the
/// lanes' sum. It feeds further trees (with [`rows_layout`]) where one sum is needed in more
/// than one grouping (the mixed units' block partitions). The rust-hdl model puts the whole
/// sum in s and zero in c: only s + c is specified, and every consumer reads only that.
#[derive(LogicBlock)]
pub struct CsaRows<const IB: usize, const SW: usize, const R2: usize> {
    pub x: Vec<Signal<In, Bits<IB>>>,
    pub rows: Signal<Out, Bits<R2>>,
    _layout: Layout,
}

impl<const IB: usize, const SW: usize, const R2: usize> CsaRows<IB, SW, R2> {
    pub fn new(k: usize, layout: Layout) -> Self {
        const { assert!(SW <= 64 && R2 == 2 * SW && IB >= 1 && IB <= 256) };
        check_tree_args(k, &layout, IB);
        Self {
            x: (0..k).map(|_| Default::default()).collect(),
            rows: Default::default(),
            _layout: layout,
        }
    }
}

impl<const IB: usize, const SW: usize, const R2: usize> Logic for CsaRows<IB, SW, R2> {
    fn update(&mut self) {
        let s: i128 = self
            .x
            .iter()
            .map(|x| layout_value_of(&self._layout, &bus_of(x.val())))
            .sum();
        self.rows.next = bits_of::<R2>(s as u128 & ((1u128 << SW) - 1));
    }
    fn connect(&mut self) {
        self.rows.connect();
    }
    fn hdl(&self) -> Verilog {
        let mut v = tree_rows_verilog("csa_rows", self.x.len(), &self._layout, IB, SW);
        v += "always @(*) rows = {row1, row0};\n";
        Verilog::Custom(v)
    }
}

/// [`CsaTree`] cut before its final adder: the two rows `s` and `c` (SW bits each) whose sum,
/// modulo 2^SW, is the lanes' sum, for a pipeline register between the tree and the adder
/// ([`super::piped`]). As in [`CsaRows`], the rust-hdl model puts the whole sum in s and zero
/// in c.
#[derive(LogicBlock)]
pub struct CsaCut<const IB: usize, const SW: usize> {
    pub x: Vec<Signal<In, Bits<IB>>>,
    pub s: Signal<Out, Bits<SW>>,
    pub c: Signal<Out, Bits<SW>>,
    _layout: Layout,
}

impl<const IB: usize, const SW: usize> CsaCut<IB, SW> {
    pub fn new(k: usize, layout: Layout) -> Self {
        const { assert!(SW <= 127 && IB >= 1 && IB <= 256) };
        check_tree_args(k, &layout, IB);
        Self {
            x: (0..k).map(|_| Default::default()).collect(),
            s: Default::default(),
            c: Default::default(),
            _layout: layout,
        }
    }
}

impl<const IB: usize, const SW: usize> Logic for CsaCut<IB, SW> {
    fn update(&mut self) {
        let s: i128 = self
            .x
            .iter()
            .map(|x| layout_value_of(&self._layout, &bus_of(x.val())))
            .sum();
        self.s.next = bits_of::<SW>(s as u128 & ((1u128 << SW) - 1));
        self.c.next = bits_of::<SW>(0);
    }
    fn connect(&mut self) {
        self.s.connect();
        self.c.connect();
    }
    fn hdl(&self) -> Verilog {
        let mut v = tree_rows_verilog("csa_cut", self.x.len(), &self._layout, IB, SW);
        v += "always @(*) begin\n    s = row0;\n    c = row1;\nend\n";
        Verilog::Custom(v)
    }
}

/// The layout of a carry-save pair as one bus `{c, s}` of 2 * `sw` bits: both rows positive,
/// bit j of each at column j.
pub fn rows_layout(sw: usize) -> Layout {
    (0..2 * sw).map(|j| pos(j % sw)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtl::prim::{i128_of, sext};
    use crate::rtl::testutil::{icarus_run, require_tool, Port};
    use crate::rtl::verilog::finish;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn layouts_give_the_exact_products_for_every_code_pair() {
        for w in [4usize, 6, 8] {
            let (bl, al) = (booth4_layout(w), array_layout(w));
            for a in 0..1u128 << w {
                for b in 0..1u128 << w {
                    let p = sext(a, w) * sext(b, w);
                    assert_eq!(
                        layout_value(&bl, booth4_bits(a, b, w)),
                        p,
                        "booth w={w} {a:x}*{b:x}"
                    );
                    assert_eq!(
                        layout_value(&al, array_bits(a, b, w)),
                        p,
                        "array w={w} {a:x}*{b:x}"
                    );
                }
            }
        }
        for n in [10usize, 24, 68] {
            let l = signed_mag_layout(n);
            for (mag, s) in [
                (0u128, true),
                (0, false),
                (1, true),
                ((1 << n) - 1, true),
                (5, false),
            ] {
                let want = if s { -(mag as i128) } else { mag as i128 };
                assert_eq!(layout_value(&l, signed_mag_bits(mag, s, n)), want, "n={n}");
                // a window of the top w bits: the magnitude truncated to them, signed after
                for w in [1, n / 2, n - 1, n] {
                    let t = (mag >> (n - w)) as i128;
                    let want = if s { -t } else { t } << (n - w);
                    let l = windowed_signed_mag_layout(n, w);
                    let got = layout_value(&l, signed_mag_bits(mag, s, n));
                    assert_eq!(got, want, "n={n} window={w} mag={mag:x} s={s}");
                }
            }
        }
    }

    #[test]
    fn wide_lanes_give_the_exact_products() {
        // INT12..16: buses beyond 128 bits (Booth and the array from W = 12), and INT10 below.
        let seed = 0x1616;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for w in [10usize, 12, 14, 16] {
            let (bl, al) = (booth4_layout(w), array_layout(w));
            let top = (1u128 << w) - 1;
            let corners = [0, 1, top, top >> 1, 1 << (w - 1), (1 << (w - 1)) + 1];
            let mut pairs: Vec<(u128, u128)> = corners
                .iter()
                .flat_map(|&a| corners.iter().map(move |&b| (a, b)))
                .collect();
            pairs.extend((0..20_000).map(|_| (rng.gen::<u128>() & top, rng.gen::<u128>() & top)));
            for (a, b) in pairs {
                let p = sext(a, w) * sext(b, w);
                let (bb, ab) = (booth4_bus(a, b, w), array_bus(a, b, w));
                assert_eq!(
                    layout_value_of(&bl, &bb),
                    p,
                    "seed {seed:#x} booth w={w} {a:x}*{b:x}"
                );
                assert_eq!(
                    layout_value_of(&al, &ab),
                    p,
                    "seed {seed:#x} array w={w} {a:x}*{b:x}"
                );
                // Through a signal and back.
                assert_eq!(bus_of(bits_of_bus::<256>(ab)), ab);
                assert_eq!(bus_of(bits_of_bus::<144>(bb)), bb);
            }
        }
    }

    #[test]
    fn an_int16_tree_sums_wide_lanes_exactly() {
        let seed = 0x16b0;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for kind in [PpKind::Booth4, PpKind::Array] {
            let mut pp: Vec<IntPp<16, 256>> = (0..4).map(|_| IntPp::new(kind)).collect();
            let mut t = CsaTree::<256, 34>::new(4, kind.layout(16));
            t.connect_all();
            for p in pp.iter_mut() {
                p.connect_all();
            }
            for _ in 0..300 {
                let ab: Vec<(u128, u128)> = (0..4)
                    .map(|_| (rng.gen_range(0..1 << 16), rng.gen_range(0..1 << 16)))
                    .collect();
                for (p, &(a, b)) in pp.iter_mut().zip(&ab) {
                    p.a.next = bits_of(a);
                    p.b.next = bits_of(b);
                    settle(p);
                }
                for (x, p) in t.x.iter_mut().zip(&pp) {
                    x.next = p.pp.val();
                }
                settle(&mut t);
                let want: i128 = ab.iter().map(|&(a, b)| sext(a, 16) * sext(b, 16)).sum();
                assert_eq!(
                    i128_of(t.sum.val()),
                    want,
                    "seed {seed:#x} {kind:?} {ab:x?}"
                );
            }
        }
    }

    #[test]
    fn dadda_heights() {
        assert_eq!(dadda_target(3), 2);
        assert_eq!(dadda_target(4), 3);
        assert_eq!(dadda_target(5), 4);
        assert_eq!(dadda_target(7), 6);
        assert_eq!(dadda_target(64), 63);
        assert_eq!(dadda_target(65), 63);
    }

    fn settle<B: Block>(b: &mut B) {
        assert!(simulate(b, 100), "rust-hdl did not settle");
    }

    fn run_icarus(
        v: &str,
        inputs: &[Port],
        outputs: &[Port],
        vectors: &[Vec<u128>],
    ) -> Option<Vec<Vec<u128>>> {
        if !require_tool("iverilog", "iverilog") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        Some(icarus_run(dir.path(), v, inputs, outputs, vectors, false))
    }

    fn check_pp<const W: usize, const PB: usize>(kind: PpKind) {
        let mut m = IntPp::<W, PB>::new(kind);
        m.connect_all();
        let v = finish(&generate_verilog(&m), "dut");
        let vectors: Vec<Vec<u128>> = (0..1u128 << W)
            .flat_map(|a| (0..1u128 << W).map(move |b| vec![a, b]))
            .collect();
        let Some(hw) = run_icarus(&v, &[("a", W), ("b", W)], &[("pp", PB)], &vectors) else {
            return;
        };
        for (vec, hw) in vectors.iter().zip(&hw) {
            m.a.next = bits_of(vec[0]);
            m.b.next = bits_of(vec[1]);
            settle(&mut m);
            assert_eq!(
                m.pp.val().to_u128(),
                hw[0],
                "{kind:?} W={W} a={:x} b={:x}",
                vec[0],
                vec[1]
            );
        }
    }

    #[test]
    fn partial_products_match_icarus_for_every_code_pair() {
        check_pp::<8, 64>(PpKind::Booth4);
        check_pp::<8, 64>(PpKind::Array);
        check_pp::<6, 36>(PpKind::Booth4);
        check_pp::<4, 16>(PpKind::Array);
        check_pp::<4, 16>(PpKind::Booth4);
    }

    fn check_tree<const IB: usize, const SW: usize>(k: usize, layout: Layout, seed: u64, n: usize) {
        let used = layout.len();
        let mut t = CsaTree::<IB, SW>::new(k, layout);
        t.connect_all();
        let v = finish(&generate_verilog(&t), "dut");
        assert!(v.contains("module dut__fa(") || k * used < 3, "{v}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mask = if used >= 128 {
            u128::MAX
        } else {
            (1u128 << used) - 1
        };
        let mut vectors: Vec<Vec<u128>> = vec![vec![0; k], vec![mask; k]];
        vectors.extend((0..n).map(|_| (0..k).map(|_| rng.gen::<u128>() & mask).collect()));
        let names: Vec<String> = (0..k).map(|i| format!("x${i}")).collect();
        let inputs: Vec<Port> = names.iter().map(|s| (s.as_str(), IB)).collect();
        let Some(hw) = run_icarus(&v, &inputs, &[("sum", SW)], &vectors) else {
            return;
        };
        for (vec, hw) in vectors.iter().zip(&hw) {
            for (x, &val) in t.x.iter_mut().zip(vec) {
                x.next = bits_of(val);
            }
            settle(&mut t);
            let sw = i128_of(t.sum.val());
            assert_eq!(
                sw,
                sext(hw[0], SW),
                "CsaTree<{IB},{SW}> k={k} seed {seed:#x}: inputs {vec:x?}"
            );
        }
    }

    #[test]
    fn compressor_trees_match_icarus_and_the_exact_sum() {
        // INT8 Booth and array lanes, k = 4 and 32; FP windows of 24 and 10 bits.
        check_tree::<64, 18>(4, booth4_layout(8), 0xc5a1, 3000);
        check_tree::<64, 21>(32, booth4_layout(8), 0xc5a2, 300);
        check_tree::<64, 18>(4, array_layout(8), 0xc5a3, 3000);
        check_tree::<16, 9>(1, array_layout(4), 0xc5a4, 256);
        check_tree::<26, 30>(32, signed_mag_layout(24), 0xc5a5, 300);
        check_tree::<12, 15>(16, signed_mag_layout(10), 0xc5a6, 1000);
    }

    #[test]
    fn tree_sums_are_exact_against_plain_products() {
        // The rust-hdl model of the tree is the sum of the lanes' exact products.
        let mut t = CsaTree::<64, 21>::new(32, booth4_layout(8));
        t.connect_all();
        let mut rng = ChaCha8Rng::seed_from_u64(0xb007);
        for _ in 0..200 {
            let (a, b): (Vec<u128>, Vec<u128>) = (0..32)
                .map(|_| (rng.gen_range(0..256), rng.gen_range(0..256)))
                .unzip();
            for (i, x) in t.x.iter_mut().enumerate() {
                x.next = bits_of(booth4_bits(a[i], b[i], 8));
            }
            settle(&mut t);
            let want: i128 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| sext(x, 8) * sext(y, 8))
                .sum();
            assert_eq!(i128_of(t.sum.val()), want);
        }
        let s = t.stats();
        assert!(s.full_adders > 1000 && s.stages >= 6, "{s:?}");
        // 32 lanes x 5 Booth bits in the tallest column: 160 -> 141 -> 94 -> ... -> 2 is
        // twelve Dadda stages, and no path crosses more than one adder per stage
        assert_eq!((s.stages, s.depth), (12, 12), "{s:?}");
    }
}
