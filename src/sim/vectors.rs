//! Test vectors for a MAC unit: seeded cycle-by-cycle input streams (random and corner codes,
//! exhaustive element pairs, accumulation runs, NaN and extreme scales, valid gaps and
//! resets), the outputs `emulate` expects from them, and the binary harness protocol of
//! rtl/NOTES.md.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;

use crate::datapath::{emulate_block, AccEmu, UnitParams};
use crate::format::{BlockFormat, Class, ElemFormat, ScaleFormat};

/// Problems with vector generation or harness output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VectorError {
    #[error("exhaustive pairs need an element of at most 8 bits; {format} has {bits}")]
    ExhaustiveTooWide { format: String, bits: u32 },
    #[error("harness output is {bytes} bytes, not a whole number of 5-byte records")]
    OutputLength { bytes: usize },
    #[error("harness output record {cycle} has out_valid byte {byte:#04x} (expected 0 or 1)")]
    OutputFlag { cycle: usize, byte: u8 },
    #[error("quantizing {data} data to {format}: {why}")]
    Quantize {
        format: String,
        data: &'static str,
        why: String,
    },
}

/// The inputs of one clock cycle, as the unit's ports see them before the rising edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    pub rst: bool,
    pub in_valid: bool,
    pub acc_clear: bool,
    /// One element code per lane (lane i drives bits [i*W +: W] of port `a`).
    pub a: Vec<u32>,
    pub b: Vec<u32>,
    pub a_scale: u8,
    pub b_scale: u8,
}

/// The unit's outputs after a rising edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    pub out_valid: bool,
    /// binary32 bits of the accumulator register.
    pub acc: u32,
}

/// A named, seeded input stream and the outputs `emulate` expects for it, one per cycle.
#[derive(Clone, Debug)]
pub struct Stream {
    pub name: String,
    pub seed: u64,
    pub cycles: Vec<Cycle>,
    pub expected: Vec<Output>,
}

/// The kinds of stream the generators make (issue 4's vector list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Random codes with every special and corner code mixed in, random scales, random
    /// acc_clear.
    Random,
    /// Every (a, b) element-code pair, one per block, in rotating lanes with zeros elsewhere;
    /// acc_clear on every block so each output is one product. Elements of <= 8 bits only.
    Pairs,
    /// Finite blocks accumulated in runs, at least one of 64 or more blocks, cleared at
    /// random points.
    Accumulate,
    /// NaN scale codes on some blocks; clears show the accumulator recovering.
    NanScales,
    /// Scales that push results into overflow (Inf), the subnormal range, or to zero.
    ExtremeScales,
    /// in_valid gaps and bursts, acc_clear on idle cycles (ignored), resets mid-stream.
    Gaps,
    /// Blocks the software quantizer made from real-valued data, accumulated in runs.
    Quantized(Data),
}

/// Real-valued data for [`Kind::Quantized`] streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Data {
    /// a and b standard normal.
    Gaussian,
    /// a and b Student-t with 3 degrees of freedom (heavy tails, large crest factors).
    StudentT,
    /// a normal with a few outlier channels (lanes) 20-100x larger, as activations have;
    /// b normal, as weights are.
    ChannelOutliers,
}

impl Data {
    pub const ALL: [Data; 3] = [Data::Gaussian, Data::StudentT, Data::ChannelOutliers];

    pub fn name(&self) -> &'static str {
        match self {
            Data::Gaussian => "gaussian",
            Data::StudentT => "student-t",
            Data::ChannelOutliers => "channel-outliers",
        }
    }
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Random,
        Kind::Pairs,
        Kind::Accumulate,
        Kind::NanScales,
        Kind::ExtremeScales,
        Kind::Gaps,
        Kind::Quantized(Data::Gaussian),
        Kind::Quantized(Data::StudentT),
        Kind::Quantized(Data::ChannelOutliers),
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Kind::Random => "random",
            Kind::Pairs => "pairs",
            Kind::Accumulate => "accumulate",
            Kind::NanScales => "nan-scales",
            Kind::ExtremeScales => "extreme-scales",
            Kind::Gaps => "gaps",
            Kind::Quantized(Data::Gaussian) => "quantized-gaussian",
            Kind::Quantized(Data::StudentT) => "quantized-student-t",
            Kind::Quantized(Data::ChannelOutliers) => "quantized-channel-outliers",
        }
    }
}

/// One stream of `kind` with about `blocks` valid blocks (Pairs: every code pair at least
/// once, repeated in further lanes while the sweep stays within `blocks`). Every stream
/// opens with a reset cycle and ends with enough idle cycles for the last block to leave
/// the pipeline.
pub fn generate(
    fmt: &BlockFormat,
    p: &UnitParams,
    kind: Kind,
    seed: u64,
    blocks: usize,
) -> Result<Stream, VectorError> {
    let mut g = Gen::new(fmt, p, seed);
    g.reset();
    match kind {
        Kind::Random => g.random(blocks),
        Kind::Pairs => g.pairs(blocks)?,
        Kind::Accumulate => g.accumulate(blocks),
        Kind::NanScales => g.nan_scales(blocks),
        Kind::ExtremeScales => g.extreme_scales(blocks),
        Kind::Gaps => g.gaps(blocks),
        Kind::Quantized(data) => g.quantized(data, blocks)?,
    }
    for _ in 0..p.pipeline {
        g.idle();
    }
    let expected = expected_outputs(fmt, p, &g.cycles);
    Ok(Stream {
        name: format!("{}-{}", fmt.name, kind.name()),
        seed,
        cycles: g.cycles,
        expected,
    })
}

/// The stream a shipped testbench replays (`hwcost rtl --vectors N`): about `blocks` valid
/// blocks from one `seed`, as one stream opening with a reset: half random blocks (special
/// and corner codes, random clears), a quarter under in_valid gaps with clears on idle
/// cycles and resets mid-stream, an eighth each with NaN and with extreme scales. The parts
/// are the generators of `hwcost verify`, each seeded from `seed`; the expected outputs are
/// computed over the whole concatenation, so a pipelined unit's latency is modelled across
/// the joins.
pub fn testbench_stream(
    fmt: &BlockFormat,
    p: &UnitParams,
    seed: u64,
    blocks: usize,
) -> Result<Stream, VectorError> {
    let blocks = blocks.max(1);
    let quarter = blocks / 4;
    let eighth = blocks / 8;
    let parts = [
        (Kind::Random, blocks - quarter - 2 * eighth),
        (Kind::Gaps, quarter),
        (Kind::NanScales, eighth),
        (Kind::ExtremeScales, eighth),
    ];
    let mut cycles = Vec::new();
    for (i, &(kind, n)) in parts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let s = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        cycles.extend(generate(fmt, p, kind, s, n)?.cycles);
    }
    let expected = expected_outputs(fmt, p, &cycles);
    Ok(Stream {
        name: format!("{}-testbench", fmt.name),
        seed,
        cycles,
        expected,
    })
}

/// Blocks of the exhaustive pair sweep in a standard suite: 65,536, all pairs of an 8-bit
/// element once, or those of a smaller element in several lanes each.
pub const PAIR_SWEEP_BLOCKS: usize = 65_536;

/// Random blocks per stream: longer random runs are split into streams of this size (each
/// with its own seed), so that a large run is generated, simulated and dropped piecewise.
pub const RANDOM_CHUNK: usize = 50_000;

/// How many blocks of each kind a suite holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteSize {
    /// Random blocks ([`Kind::Random`]), in streams of at most [`RANDOM_CHUNK`].
    pub random: usize,
    /// Blocks of each other kind (accumulation, NaN and extreme scales, gaps, quantized data).
    pub others: usize,
    /// Block budget of the exhaustive pair sweep (see [`generate`]); None: no sweep. Formats
    /// with elements wider than 8 bits never get one.
    pub pairs: Option<usize>,
}

impl SuiteSize {
    /// `random` random blocks, an eighth of that (at least 64) of each other kind, and the
    /// standard pair sweep when `exhaustive`.
    pub fn new(random: usize, exhaustive: bool) -> Self {
        SuiteSize {
            random,
            others: (random / 8).max(64),
            pairs: exhaustive.then_some(PAIR_SWEEP_BLOCKS),
        }
    }
}

/// One stream of a suite, not generated yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSpec {
    pub name: String,
    pub kind: Kind,
    pub seed: u64,
    pub blocks: usize,
}

impl StreamSpec {
    pub fn generate(&self, fmt: &BlockFormat, p: &UnitParams) -> Result<Stream, VectorError> {
        let mut s = generate(fmt, p, self.kind, self.seed, self.blocks)?;
        s.name.clone_from(&self.name);
        Ok(s)
    }

    /// Valid blocks the stream will present.
    pub fn block_count(&self, fmt: &BlockFormat, lanes: usize) -> usize {
        match self.kind {
            Kind::Pairs => pair_sweep_blocks(fmt.elem, lanes, self.blocks),
            _ => self.blocks,
        }
    }
}

/// The streams of a standard suite of `size` (see [`suite`]), with their seeds derived from
/// `seed`: each kind's seed from its position in [`Kind::ALL`], each further random chunk's
/// from its index.
pub fn suite_plan(fmt: &BlockFormat, seed: u64, size: &SuiteSize) -> Vec<StreamSpec> {
    let derive = |i: u64| seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut plan = Vec::new();
    for (i, &kind) in Kind::ALL.iter().enumerate() {
        let base = format!("{}-{}", fmt.name, kind.name());
        match kind {
            Kind::Random => {
                let chunks = size.random.div_ceil(RANDOM_CHUNK);
                for c in 0..chunks {
                    let blocks = RANDOM_CHUNK.min(size.random - c * RANDOM_CHUNK);
                    // The first chunk keeps the kind's own seed (and name): a short run is
                    // the same stream as before chunking existed.
                    let (name, s) = if c == 0 {
                        (base.clone(), derive(i as u64))
                    } else {
                        (
                            format!("{base}#{c}"),
                            derive(i as u64) ^ derive(Kind::ALL.len() as u64 + c as u64),
                        )
                    };
                    plan.push(StreamSpec {
                        name,
                        kind,
                        seed: s,
                        blocks,
                    });
                }
            }
            Kind::Pairs => {
                if let Some(budget) = size.pairs.filter(|_| fmt.elem.bits() <= 8) {
                    plan.push(StreamSpec {
                        name: base,
                        kind,
                        seed: derive(i as u64),
                        blocks: budget,
                    });
                }
            }
            _ => plan.push(StreamSpec {
                name: base,
                kind,
                seed: derive(i as u64),
                blocks: size.others,
            }),
        }
    }
    plan
}

/// The standard set of streams: `random_blocks` random blocks, and a smaller share for each
/// other kind (quantized data included); the exhaustive pair sweep when asked for (and the
/// element has <= 8 bits). See [`SuiteSize::new`] and [`suite_plan`].
/// Each stream's seed is derived from `seed` and printed in its name on a mismatch.
pub fn suite(
    fmt: &BlockFormat,
    p: &UnitParams,
    seed: u64,
    random_blocks: usize,
    exhaustive: bool,
) -> Result<Vec<Stream>, VectorError> {
    suite_plan(fmt, seed, &SuiteSize::new(random_blocks, exhaustive))
        .iter()
        .map(|s| s.generate(fmt, p))
        .collect()
}

/// Blocks of a pair sweep with budget `budget`: every pair in R lanes,
/// R = clamp(budget / pairs, 1, K).
pub fn pair_sweep_blocks(e: ElemFormat, lanes: usize, budget: usize) -> usize {
    let pairs = (e.code_count() as usize).pow(2);
    pairs * (budget / pairs).clamp(1, lanes)
}

/// What the unit must output for `cycles`: the contract's cycle behaviour around `emulate`.
///
/// A block presented with in_valid reaches the accumulator register at the edge 1 + S
/// cycles later (S = pipeline stages) together with its acc_clear; in between the block
/// waits in the pipeline. rst clears acc to +0, out_valid and every pipeline valid bit, so
/// blocks in flight and a block presented in the reset cycle itself are dropped. When no
/// block arrives the accumulator holds and out_valid is low.
pub fn expected_outputs(fmt: &BlockFormat, p: &UnitParams, cycles: &[Cycle]) -> Vec<Output> {
    let stages = p.pipeline as usize;
    // in_flight[i]: the block (acc_clear, R) that entered i + 1 edges ago, if any.
    let mut in_flight: std::collections::VecDeque<Option<(bool, u32)>> =
        std::iter::repeat_n(None, stages).collect();
    let mut acc = AccEmu::new();
    let mut out = Vec::with_capacity(cycles.len());
    for c in cycles {
        if c.rst {
            in_flight.iter_mut().for_each(|s| *s = None);
            acc.reset();
            out.push(Output {
                out_valid: false,
                acc: acc.value(),
            });
            continue;
        }
        let entering = c.in_valid.then(|| {
            (
                c.acc_clear,
                emulate_block(fmt, p, &c.a, &c.b, c.a_scale, c.b_scale),
            )
        });
        in_flight.push_back(entering);
        let arriving = in_flight.pop_front().flatten();
        if let Some((clear, r)) = arriving {
            acc.step(clear, r);
        }
        out.push(Output {
            out_valid: arriving.is_some(),
            acc: acc.value(),
        });
    }
    out
}

/// A stream generator: one seeded RNG, the cycles made so far.
struct Gen<'a> {
    fmt: &'a BlockFormat,
    lanes: usize,
    rng: ChaCha8Rng,
    cycles: Vec<Cycle>,
    /// NaN and Inf codes alone.
    specials: Vec<u32>,
    /// Every code that is zero or finite.
    finite: Vec<u32>,
    /// Finite codes worth hitting on purpose: zeros, extremes, smallest subnormal (FP) and
    /// smallest normal, +-1 (INT), the most negative INT code.
    finite_corners: Vec<u32>,
}

/// The scale code of 2^0 (UE8M0 127, E4M3 0x38, UE5M3 0x78; without a scale the code the
/// unit ties its scale inputs to, UE8M0's 127).
fn unit_scale(s: ScaleFormat) -> u8 {
    match s {
        ScaleFormat::Ue8m0 | ScaleFormat::Unscaled => 127,
        ScaleFormat::E4m3 => 0x38,
        ScaleFormat::Ue5m3 => 0x78,
    }
}

impl<'a> Gen<'a> {
    fn new(fmt: &'a BlockFormat, p: &UnitParams, seed: u64) -> Self {
        let e = fmt.elem;
        let mask = e.code_count() - 1;
        let sign = e.sign_mask();
        let mut corners = vec![0, sign, e.max_code(), e.max_code() | sign];
        // Every NaN and Inf code (E4M3: 2, E5M2: 8, other formats none).
        let specials: Vec<u32> = (0..e.code_count())
            .filter(|&c| matches!(e.decode(c).class, Class::NaN | Class::Inf))
            .collect();
        match e {
            ElemFormat::Int { .. } => corners.extend([1, mask, (mask + 1 - e.max_code()) & mask]),
            ElemFormat::Fp { man_bits, .. } => {
                corners.extend([1, 1 | sign, 1 << man_bits, (1 << man_bits) | sign])
            }
        }
        let finite: Vec<u32> = (0..e.code_count())
            .filter(|c| !specials.contains(c))
            .collect();
        corners.sort_unstable();
        corners.dedup();
        Gen {
            fmt,
            lanes: p.lanes,
            rng: ChaCha8Rng::seed_from_u64(seed),
            cycles: Vec::new(),
            specials,
            finite,
            finite_corners: corners,
        }
    }

    fn push(
        &mut self,
        rst: bool,
        in_valid: bool,
        acc_clear: bool,
        a: Vec<u32>,
        b: Vec<u32>,
        scales: (u8, u8),
    ) {
        self.cycles.push(Cycle {
            rst,
            in_valid,
            acc_clear,
            a,
            b,
            a_scale: scales.0,
            b_scale: scales.1,
        });
    }

    fn block(&mut self, acc_clear: bool, a: Vec<u32>, b: Vec<u32>, scales: (u8, u8)) {
        self.push(false, true, acc_clear, a, b, scales);
    }

    fn reset(&mut self) {
        let z = vec![0; self.lanes];
        self.push(true, false, false, z.clone(), z, (0, 0));
    }

    /// An idle cycle with arbitrary data on the ports (the unit must ignore it).
    fn idle(&mut self) {
        let (a, b) = (self.any_codes(), self.any_codes());
        let clear = self.rng.gen();
        let scales = (self.rng.gen(), self.rng.gen());
        self.push(false, false, clear, a, b, scales);
    }

    fn any_codes(&mut self) -> Vec<u32> {
        let n = self.fmt.elem.code_count();
        (0..self.lanes).map(|_| self.rng.gen_range(0..n)).collect()
    }

    /// Finite codes, an eighth of them finite corners (zeros, extremes, subnormals).
    fn finite_codes(&mut self) -> Vec<u32> {
        (0..self.lanes)
            .map(|_| {
                let pool = if self.rng.gen_ratio(1, 8) {
                    &self.finite_corners
                } else {
                    &self.finite
                };
                pool[self.rng.gen_range(0..pool.len())]
            })
            .collect()
    }

    /// Codes for a random block: finite codes, and in one block of eight one or two NaN or
    /// Inf codes (more would make nearly every block NaN and hide the arithmetic).
    fn random_codes(&mut self) -> Vec<u32> {
        let mut v = self.finite_codes();
        if !self.specials.is_empty() && self.rng.gen_ratio(1, 8) {
            for _ in 0..self.rng.gen_range(1..=2) {
                let lane = self.rng.gen_range(0..self.lanes);
                v[lane] = self.specials[self.rng.gen_range(0..self.specials.len())];
            }
        }
        v
    }

    /// A finite scale code: mostly near 2^0 so that sums stay readable, sometimes anywhere
    /// in the finite range (always 2^0 for a format without a scale).
    fn finite_scale(&mut self) -> u8 {
        let wide = self.rng.gen_ratio(1, 8);
        match self.fmt.scale {
            ScaleFormat::Unscaled => unit_scale(ScaleFormat::Unscaled),
            ScaleFormat::Ue8m0 if wide => self.rng.gen_range(0..=254),
            ScaleFormat::Ue8m0 => self.rng.gen_range(127 - 24..=127 + 24),
            ScaleFormat::E4m3 => loop {
                // Positive codes in the middle of the range, or any non-NaN code (negative,
                // zero and subnormal scales included).
                let c: u8 = if wide {
                    self.rng.gen()
                } else {
                    self.rng.gen_range(0x28..=0x48)
                };
                if c & 0x7F != 0x7F {
                    return c;
                }
            },
            // Codes around 2^0, or any non-NaN code (zero and subnormals included).
            ScaleFormat::Ue5m3 if wide => self.rng.gen_range(0..=0xFE),
            ScaleFormat::Ue5m3 => self.rng.gen_range(0x68..=0x88),
        }
    }

    /// A NaN scale code (a format without a scale has none: 2^0).
    fn nan_scale(&mut self) -> u8 {
        match self.fmt.scale {
            ScaleFormat::Unscaled => unit_scale(ScaleFormat::Unscaled),
            ScaleFormat::Ue8m0 | ScaleFormat::Ue5m3 => 0xFF,
            ScaleFormat::E4m3 if self.rng.gen() => 0x7F,
            ScaleFormat::E4m3 => 0xFF,
        }
    }

    fn scales(&mut self) -> (u8, u8) {
        if self.rng.gen_ratio(1, 64) && self.fmt.scale != ScaleFormat::Unscaled {
            let nan = self.nan_scale();
            let other = self.finite_scale();
            if self.rng.gen() {
                (nan, other)
            } else {
                (other, nan)
            }
        } else {
            (self.finite_scale(), self.finite_scale())
        }
    }

    /// Random blocks. The first ones carry every special and corner code (in a random lane
    /// of `a` and of `b`) and then each NaN scale code, so that even a short stream has
    /// them all; later blocks draw them at random.
    fn random(&mut self, blocks: usize) {
        let forced: Vec<u32> = self
            .specials
            .iter()
            .chain(&self.finite_corners)
            .copied()
            .collect();
        let nan_scales: &[u8] = match self.fmt.scale {
            ScaleFormat::Unscaled => &[],
            ScaleFormat::Ue8m0 | ScaleFormat::Ue5m3 => &[0xFF],
            ScaleFormat::E4m3 => &[0x7F, 0xFF],
        };
        for i in 0..blocks {
            let clear = i == 0 || self.rng.gen_ratio(1, 4);
            let (mut a, mut b) = (self.random_codes(), self.random_codes());
            let mut s = self.scales();
            if let Some(&c) = forced.get(i) {
                a[self.rng.gen_range(0..self.lanes)] = c;
                b[self.rng.gen_range(0..self.lanes)] = c;
            } else if let Some(&nan) = nan_scales.get(i - forced.len()) {
                s = if i % 2 == 0 { (nan, s.1) } else { (s.0, nan) };
            }
            self.block(clear, a, b, s);
        }
    }

    /// Every code pair once in each of R lanes, R = clamp(budget / pairs, 1, K) (with the
    /// standard budget of 65,536 blocks, 8-bit elements get one lane). Block j holds pair j mod P in lane (j + j / P) mod K: for a fixed pair the lane steps
    /// by P + 1, which is odd and so coprime to K (a power of two), visiting distinct lanes.
    fn pairs(&mut self, budget: usize) -> Result<(), VectorError> {
        let e = self.fmt.elem;
        if e.bits() > 8 {
            return Err(VectorError::ExhaustiveTooWide {
                format: self.fmt.name.clone(),
                bits: e.bits(),
            });
        }
        let codes = e.code_count() as usize;
        let pairs = codes * codes;
        let rounds = pair_sweep_blocks(e, self.lanes, budget) / pairs;
        let unit = unit_scale(self.fmt.scale);
        for j in 0..pairs * rounds {
            let pair = j % pairs;
            let lane = (j + j / pairs) % self.lanes;
            let (mut a, mut b) = (vec![0; self.lanes], vec![0; self.lanes]);
            a[lane] = (pair / codes) as u32;
            b[lane] = (pair % codes) as u32;
            // Half the products unscaled (R is the product itself), half under random scales.
            let s = if self.rng.gen() {
                (unit, unit)
            } else {
                (self.finite_scale(), self.finite_scale())
            };
            self.block(true, a, b, s);
        }
        Ok(())
    }

    fn accumulate(&mut self, blocks: usize) {
        // One long run first so every stream holds at least 64 accumulated blocks.
        let mut left = blocks.max(64);
        let mut run = left.min(64 + self.rng.gen_range(0..64));
        while left > 0 {
            run = run.min(left);
            for i in 0..run {
                let (a, b) = (self.finite_codes(), self.finite_codes());
                let s = (self.finite_scale(), self.finite_scale());
                self.block(i == 0, a, b, s);
            }
            left -= run;
            run = self.rng.gen_range(1..=100);
        }
    }

    fn nan_scales(&mut self, blocks: usize) {
        for i in 0..blocks {
            let clear = i == 0 || self.rng.gen_ratio(1, 3);
            let (a, b) = (self.finite_codes(), self.finite_codes());
            let s = match self.rng.gen_range(0..6) {
                0 => (self.nan_scale(), self.finite_scale()),
                1 => (self.finite_scale(), self.nan_scale()),
                2 => (self.nan_scale(), self.nan_scale()),
                _ => (self.finite_scale(), self.finite_scale()),
            };
            self.block(clear, a, b, s);
        }
    }

    /// UE8M0: scales aimed so that the block's largest product lands near 2^128 (overflow),
    /// across the subnormal range, or far below it. E4M3 (NV): the extreme scale codes
    /// themselves (binary32 cannot overflow with them, but the scale multiplier sees its
    /// corners: smallest subnormal, largest, zero, negative); UE5M3 likewise. Without a scale,
    /// blocks of finite codes at 2^0.
    fn extreme_scales(&mut self, blocks: usize) {
        for _ in 0..blocks {
            let clear = self.rng.gen_ratio(1, 2);
            let (a, b) = (self.finite_codes(), self.finite_codes());
            let s = match self.fmt.scale {
                ScaleFormat::Unscaled => (
                    unit_scale(ScaleFormat::Unscaled),
                    unit_scale(ScaleFormat::Unscaled),
                ),
                ScaleFormat::Ue8m0 => self.extreme_ue8m0(&a, &b),
                ScaleFormat::E4m3 => {
                    const CORNERS: [u8; 11] = [
                        0x01, 0x02, 0x07, 0x08, 0x7E, 0x7D, 0x00, 0x80, 0x81, 0xFE, 0x38,
                    ];
                    let mut pick = || CORNERS[self.rng.gen_range(0..CORNERS.len())];
                    (pick(), pick())
                }
                ScaleFormat::Ue5m3 => {
                    // Smallest subnormals, the largest normals, zero, 2^0, the binade edge.
                    const CORNERS: [u8; 10] =
                        [0x01, 0x02, 0x07, 0x08, 0xFE, 0xFD, 0x00, 0x78, 0x80, 0xF0];
                    let mut pick = || CORNERS[self.rng.gen_range(0..CORNERS.len())];
                    (pick(), pick())
                }
            };
            self.block(clear, a, b, s);
        }
    }

    fn extreme_ue8m0(&mut self, a: &[u32], b: &[u32]) -> (u8, u8) {
        let e = self.fmt.elem;
        let view = e.int_view_exp() as f64;
        // floor(log2) of the largest product magnitude (the aim only: it need not be exact).
        let top = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (e.value(x) * e.value(y)).abs())
            .filter(|&v| v > 0.0)
            .map(|v| v.log2().floor() + 2.0 * view)
            .fold(f64::NEG_INFINITY, f64::max);
        let top = if top.is_finite() { top as i32 } else { 0 };
        let target = match self.rng.gen_range(0..3) {
            0 => self.rng.gen_range(124..=130), // around the overflow threshold 2^128
            1 => self.rng.gen_range(-152..=-124), // the subnormal range and its edges
            _ => self.rng.gen_range(-220..=-153), // below half the smallest subnormal
        };
        let t: i32 = (target - top).clamp(-254, 254);
        let ea = self.rng.gen_range((t - 127).max(-127)..=(t + 127).min(127));
        let code = |x: i32| ScaleFormat::ue8m0_code(x).expect("exponent kept in -127..=127");
        (code(ea), code(t - ea))
    }

    /// Random blocks under random in_valid (bursts and gaps), acc_clear also on idle
    /// cycles, and a reset now and then, sometimes together with a valid block.
    fn gaps(&mut self, blocks: usize) {
        let mut sent = 0;
        let mut first = true;
        let mut resets = 0;
        while sent < blocks {
            match self.rng.gen_range(0..40) {
                0 => {
                    let (a, b) = (self.random_codes(), self.random_codes());
                    let s = self.scales();
                    // Every other reset comes with a valid block, which the reset drops.
                    resets += 1;
                    let (valid, clear) = (resets % 2 == 1, self.rng.gen());
                    self.push(true, valid, clear, a, b, s);
                    first = true;
                }
                1..=14 => {
                    for _ in 0..self.rng.gen_range(1..=4) {
                        self.idle();
                    }
                }
                _ => {
                    let burst = self.rng.gen_range(1..=6).min(blocks - sent);
                    for _ in 0..burst {
                        let clear = first || self.rng.gen_ratio(1, 5);
                        let (a, b) = (self.random_codes(), self.random_codes());
                        let s = self.scales();
                        self.block(clear, a, b, s);
                        first = false;
                    }
                    sent += burst;
                }
            }
        }
    }

    /// Blocks of quantized data accumulated in runs (a clear starts a new dot product).
    fn quantized(&mut self, data: Data, blocks: usize) -> Result<(), VectorError> {
        let q = quantized_blocks(self.fmt, self.lanes, data, self.rng.gen(), blocks)?;
        for i in 0..blocks {
            let clear = i == 0 || self.rng.gen_ratio(1, 8);
            let (a, b) = (q.a.codes(i), q.b.codes(i));
            self.block(clear, a, b, (q.a.scales[i], q.b.scales[i]));
        }
        Ok(())
    }
}

/// One operand's quantized blocks: per block K element codes, one scale code and the
/// quantizer's K dequantized values.
#[derive(Clone, Debug)]
pub struct QuantizedOperand {
    pub lanes: usize,
    pub elem_codes: Vec<u32>,
    pub scales: Vec<u8>,
    pub values: Vec<f32>,
    /// NV per-tensor scale s_t (applied outside the unit; 1.0 for MX).
    pub tensor_scale: f32,
}

impl QuantizedOperand {
    /// The element codes of block `i`.
    pub fn codes(&self, i: usize) -> Vec<u32> {
        self.elem_codes[i * self.lanes..(i + 1) * self.lanes].to_vec()
    }

    /// The dequantized values of block `i`.
    pub fn block_values(&self, i: usize) -> &[f32] {
        &self.values[i * self.lanes..(i + 1) * self.lanes]
    }
}

/// Operands a and b quantized from `data`.
#[derive(Clone, Debug)]
pub struct QuantizedBlocks {
    pub a: QuantizedOperand,
    pub b: QuantizedOperand,
}

/// Draw `blocks` rows of K = `lanes` values of `data` for a and b (seeded) and quantize them
/// with the format's default options at block size K, so each unit block is one quantizer
/// block with one scale.
pub fn quantized_blocks(
    fmt: &BlockFormat,
    lanes: usize,
    data: Data,
    seed: u64,
    blocks: usize,
) -> Result<QuantizedBlocks, VectorError> {
    use crate::format::quantize::{quantize_codes, QuantOptions, ScaleRule};
    use rand_distr::{Distribution, StandardNormal, StudentT};

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = blocks * lanes;
    let normal =
        |rng: &mut ChaCha8Rng| -> Vec<f32> { (0..n).map(|_| StandardNormal.sample(rng)).collect() };
    let (a, b) = match data {
        Data::Gaussian => (normal(&mut rng), normal(&mut rng)),
        Data::StudentT => {
            let t = StudentT::new(3.0f32).expect("3 degrees of freedom is a valid Student-t");
            let mut draw = || -> Vec<f32> { (0..n).map(|_| t.sample(&mut rng)).collect() };
            (draw(), draw())
        }
        Data::ChannelOutliers => {
            // Fixed channels carry the outliers: 7, 23, 39, 55 (one in 16), or the last
            // channel of a unit with fewer than 8 lanes.
            let outlier = |ch: usize| ch % 16 == 7 || (lanes < 8 && ch == lanes - 1);
            let gain: Vec<f32> = (0..lanes)
                .map(|ch| {
                    if outlier(ch) {
                        rng.gen_range(20.0..100.0)
                    } else {
                        1.0
                    }
                })
                .collect();
            let a: Vec<f32> = normal(&mut rng)
                .iter()
                .enumerate()
                .map(|(i, v)| v * gain[i % lanes])
                .collect();
            (a, normal(&mut rng))
        }
    };
    // The verification streams use the ecosystem rules (ocp for UE8M0, nv for E4M3 and
    // UE5M3): the unit is agnostic to how scales were chosen.
    let opts = QuantOptions {
        block: Some(lanes),
        scale_rule: if fmt.is_nv() {
            ScaleRule::Nv
        } else {
            ScaleRule::Ocp
        },
        ..QuantOptions::default_for(fmt)
    };
    let operand = |x: &[f32]| -> Result<QuantizedOperand, VectorError> {
        let err = |why: String| VectorError::Quantize {
            format: fmt.name.clone(),
            data: data.name(),
            why,
        };
        // 32-bit code storage: every element layout the reader takes (up to E7M10's 18 bits).
        let q = quantize_codes::<u32>(fmt, &opts, x, lanes).map_err(|e| err(e.to_string()))?;
        Ok(QuantizedOperand {
            lanes,
            elem_codes: q.elem_codes,
            scales: q.scale_codes,
            values: q.values,
            tensor_scale: q.tensor_scale,
        })
    };
    Ok(QuantizedBlocks {
        a: operand(&a)?,
        b: operand(&b)?,
    })
}

/// Bytes of port `a` (and of `b`) in one input record: ceil(K * W / 8).
pub fn lane_bytes(fmt: &BlockFormat, p: &UnitParams) -> usize {
    (p.lanes * fmt.elem.bits() as usize).div_ceil(8)
}

/// Bytes of one input record: flags, a, b, a_scale, b_scale.
pub fn input_record_bytes(fmt: &BlockFormat, p: &UnitParams) -> usize {
    1 + 2 * lane_bytes(fmt, p) + 2
}

/// Bytes of one output record: out_valid, then acc little-endian.
pub const OUTPUT_RECORD_BYTES: usize = 5;

/// Append element codes packed as the port sees them: element i at bits [i*W +: W], bit j of
/// the port at bit j % 8 of byte j / 8. Lanes past `codes.len()` are zero.
fn pack_lanes(out: &mut Vec<u8>, codes: &[u32], width: u32, bytes: usize) {
    let start = out.len();
    let mask = (1u64 << width) - 1;
    let (mut buf, mut filled) = (0u64, 0u32);
    for &c in codes {
        buf |= (c as u64 & mask) << filled;
        filled += width;
        while filled >= 8 {
            out.push(buf as u8);
            buf >>= 8;
            filled -= 8;
        }
    }
    if filled > 0 {
        out.push(buf as u8);
    }
    out.resize(start + bytes, 0);
}

/// The harness input for `cycles`: one record per cycle (rtl/NOTES.md).
pub fn encode_inputs(fmt: &BlockFormat, p: &UnitParams, cycles: &[Cycle]) -> Vec<u8> {
    let lb = lane_bytes(fmt, p);
    let w = fmt.elem.bits();
    let mut out = Vec::with_capacity(cycles.len() * input_record_bytes(fmt, p));
    for c in cycles {
        out.push(c.rst as u8 | (c.in_valid as u8) << 1 | (c.acc_clear as u8) << 2);
        pack_lanes(&mut out, &c.a, w, lb);
        pack_lanes(&mut out, &c.b, w, lb);
        out.push(c.a_scale);
        out.push(c.b_scale);
    }
    out
}

/// Output records as a harness writes them (for expected-output files).
pub fn encode_outputs(outputs: &[Output]) -> Vec<u8> {
    let mut out = Vec::with_capacity(outputs.len() * OUTPUT_RECORD_BYTES);
    for o in outputs {
        out.push(o.out_valid as u8);
        out.extend(o.acc.to_le_bytes());
    }
    out
}

/// Parse a harness's output records.
pub fn decode_outputs(bytes: &[u8]) -> Result<Vec<Output>, VectorError> {
    if !bytes.len().is_multiple_of(OUTPUT_RECORD_BYTES) {
        return Err(VectorError::OutputLength { bytes: bytes.len() });
    }
    bytes
        .chunks_exact(OUTPUT_RECORD_BYTES)
        .enumerate()
        .map(|(cycle, r)| {
            let out_valid = match r[0] {
                0 => false,
                1 => true,
                byte => return Err(VectorError::OutputFlag { cycle, byte }),
            };
            Ok(Output {
                out_valid,
                acc: u32::from_le_bytes([r[1], r[2], r[3], r[4]]),
            })
        })
        .collect()
}

/// One cycle where a backend disagrees with `emulate`; None is a missing output record
/// (the backend stopped early, or wrote more records than there were cycles).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub cycle: usize,
    pub expected: Option<Output>,
    pub got: Option<Output>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |o: Option<Output>| match o {
            Some(o) => format!("out_valid {} acc {:#010x}", o.out_valid as u8, o.acc),
            None => "no output".to_string(),
        };
        write!(
            f,
            "cycle {}: expected {}, got {}",
            self.cycle,
            show(self.expected),
            show(self.got)
        )
    }
}

/// Every cycle where `got` differs from `expected` bit for bit (NaN payloads included),
/// and every record present in only one of them.
pub fn compare(expected: &[Output], got: &[Output]) -> Vec<Mismatch> {
    (0..expected.len().max(got.len()))
        .filter_map(|cycle| {
            let (e, g) = (expected.get(cycle).copied(), got.get(cycle).copied());
            (e != g).then_some(Mismatch {
                cycle,
                expected: e,
                got: g,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datapath::CANONICAL_NAN;
    use crate::format::lookup_in;
    use std::collections::HashSet;

    fn fmt(name: &str) -> BlockFormat {
        lookup_in(name, &[]).unwrap()
    }

    fn cycle(rst: bool, in_valid: bool, acc_clear: bool, a: &[u32], b: &[u32]) -> Cycle {
        Cycle {
            rst,
            in_valid,
            acc_clear,
            a: a.to_vec(),
            b: b.to_vec(),
            a_scale: 127,
            b_scale: 127,
        }
    }

    fn out(out_valid: bool, acc: f32) -> Output {
        Output {
            out_valid,
            acc: acc.to_bits(),
        }
    }

    #[test]
    fn cycle_model_without_pipeline() {
        let f = fmt("mxint8");
        let p = UnitParams::new(&f, 1, 16, 0).unwrap();
        // 64 * 64 * 2^-12 = 1; 127 * 64 * 2^-12 = 1.984375; 32 * 64 * 2^-12 = 0.5.
        let cycles = [
            cycle(true, false, false, &[0], &[0]),
            cycle(false, true, true, &[64], &[64]),
            cycle(false, true, false, &[127], &[64]),
            cycle(false, false, true, &[5], &[5]), // idle: acc_clear is ignored, acc holds
            cycle(false, true, true, &[32], &[64]),
            cycle(true, true, false, &[64], &[64]), // reset drops the block presented with it
            cycle(false, true, false, &[64], &[64]),
        ];
        let want = [
            out(false, 0.0),
            out(true, 1.0),
            out(true, 2.984375),
            out(false, 2.984375),
            out(true, 0.5),
            out(false, 0.0),
            out(true, 1.0),
        ];
        assert_eq!(expected_outputs(&f, &p, &cycles), want);
    }

    #[test]
    fn cycle_model_with_two_pipeline_stages() {
        let f = fmt("mxint8");
        let p = UnitParams::new(&f, 1, 16, 2).unwrap();
        let b = |clear, x| cycle(false, true, clear, &[x], &[64]);
        let idle = || cycle(false, false, true, &[1], &[1]);
        // Latency 3: a block presented in cycle t shows in the output record of cycle t + 2.
        let cycles = [
            cycle(true, false, false, &[0], &[0]),
            b(true, 64),  // 1
            b(false, 32), // 0.5
            idle(),
            b(false, 16), // 0.25
            b(true, 64),  // in flight when the reset comes: dropped
            cycle(true, false, false, &[0], &[0]),
            idle(),
            b(false, 64),
            idle(),
            idle(),
        ];
        let want = [
            out(false, 0.0),
            out(false, 0.0),
            out(false, 0.0),
            out(true, 1.0),
            out(true, 1.5),
            out(false, 1.5),
            out(false, 0.0), // reset: block of cycle 4 (arriving now) and of cycle 5 are lost
            out(false, 0.0),
            out(false, 0.0),
            out(false, 0.0),
            out(true, 1.0),
        ];
        assert_eq!(expected_outputs(&f, &p, &cycles), want);
    }

    #[test]
    fn input_records_pack_lanes_little_endian() {
        // mxfp4, K = 4: a = [1, 2, 3, 0xF] -> bits 0..16 = 0xF321 -> bytes 21 F3.
        let f = fmt("mxfp4");
        let p = UnitParams::new(&f, 4, 10, 0).unwrap();
        let c = Cycle {
            rst: false,
            in_valid: true,
            acc_clear: true,
            a: vec![1, 2, 3, 0xF],
            b: vec![0xA, 0, 0, 5],
            a_scale: 0x7F,
            b_scale: 0x80,
        };
        assert_eq!(
            encode_inputs(&f, &p, std::slice::from_ref(&c)),
            [0b110, 0x21, 0xF3, 0x0A, 0x50, 0x7F, 0x80]
        );
        // mxfp6, K = 4: 24 bits. a = [0x3F, 0x01, 0x20, 0x15]: 0x15 << 18 | 0x20 << 12 | 0x01 << 6 | 0x3F
        // = 0x540000 + 0x020000 + 0x40 + 0x3F = 0x56007F -> 7F 00 56.
        let f6 = fmt("mxfp6");
        let p6 = UnitParams::new(&f6, 4, 14, 0).unwrap();
        let c6 = Cycle {
            rst: true,
            in_valid: false,
            acc_clear: false,
            a: vec![0x3F, 0x01, 0x20, 0x15],
            b: vec![0; 4],
            ..c
        };
        assert_eq!(
            encode_inputs(&f6, &p6, std::slice::from_ref(&c6)),
            [1, 0x7F, 0x00, 0x56, 0, 0, 0, 0x7F, 0x80]
        );
        // K = 1 of 6 bits still takes a whole byte; only the low W bits of a code are sent.
        let p1 = UnitParams::new(&f6, 1, 14, 0).unwrap();
        let c1 = Cycle {
            a: vec![0xFF],
            b: vec![0x15],
            ..c6
        };
        assert_eq!(encode_inputs(&f6, &p1, &[c1]), [1, 0x3F, 0x15, 0x7F, 0x80]);
        assert_eq!(lane_bytes(&f, &UnitParams::defaults(&f).unwrap()), 16);
        assert_eq!(
            input_record_bytes(&fmt("mxfp8"), &UnitParams::defaults(&fmt("mxfp8")).unwrap()),
            67
        );
    }

    /// An independent reader of input records: bit j of a port from byte j / 8, bit j % 8.
    fn decode_inputs(f: &BlockFormat, p: &UnitParams, bytes: &[u8]) -> Vec<Cycle> {
        let lb = lane_bytes(f, p);
        let w = f.elem.bits() as usize;
        let lanes = |port: &[u8]| -> Vec<u32> {
            (0..p.lanes)
                .map(|i| {
                    (0..w)
                        .map(|k| ((port[(i * w + k) / 8] >> ((i * w + k) % 8)) as u32 & 1) << k)
                        .sum()
                })
                .collect()
        };
        bytes
            .chunks_exact(input_record_bytes(f, p))
            .map(|r| Cycle {
                rst: r[0] & 1 != 0,
                in_valid: r[0] & 2 != 0,
                acc_clear: r[0] & 4 != 0,
                a: lanes(&r[1..1 + lb]),
                b: lanes(&r[1 + lb..1 + 2 * lb]),
                a_scale: r[1 + 2 * lb],
                b_scale: r[2 + 2 * lb],
            })
            .collect()
    }

    #[test]
    fn input_records_round_trip_for_every_builtin_and_lane_count() {
        for f in crate::format::builtins() {
            for lanes in [1, 2, 4, 16, 32, 64] {
                let p = UnitParams::new(&f, lanes, f.default_psum_width(), 1).unwrap();
                let s = generate(&f, &p, Kind::Gaps, 7, 40).unwrap();
                let bytes = encode_inputs(&f, &p, &s.cycles);
                assert_eq!(bytes.len(), s.cycles.len() * input_record_bytes(&f, &p));
                assert_eq!(
                    decode_inputs(&f, &p, &bytes),
                    s.cycles,
                    "{} K={lanes}",
                    f.name
                );
            }
        }
    }

    #[test]
    fn output_records_parse_and_reject_garbage() {
        let outs = [
            Output {
                out_valid: true,
                acc: 0x7FC0_0000,
            },
            Output {
                out_valid: false,
                acc: 0x8000_0001,
            },
        ];
        let bytes = encode_outputs(&outs);
        assert_eq!(
            bytes,
            [1, 0x00, 0x00, 0xC0, 0x7F, 0, 0x01, 0x00, 0x00, 0x80]
        );
        assert_eq!(decode_outputs(&bytes).unwrap(), outs);
        assert_eq!(
            decode_outputs(&bytes[..7]),
            Err(VectorError::OutputLength { bytes: 7 })
        );
        let mut bad = bytes.clone();
        bad[5] = 2;
        let e = decode_outputs(&bad).unwrap_err();
        assert_eq!(e, VectorError::OutputFlag { cycle: 1, byte: 2 });
        assert!(e.to_string().contains("0x02"), "{e}");
    }

    #[test]
    fn compare_reports_every_difference_in_hex() {
        let e = [out(true, 1.0), out(false, 1.0), out(true, 2.0)];
        assert!(compare(&e, &e).is_empty());
        // A NaN with another payload is a mismatch: comparison is on bits.
        let nan = Output {
            out_valid: true,
            acc: 0xFFC0_0000,
        };
        let want_nan = Output {
            out_valid: true,
            acc: CANONICAL_NAN,
        };
        let m = compare(&[want_nan], &[nan]);
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].to_string(),
            "cycle 0: expected out_valid 1 acc 0x7fc00000, got out_valid 1 acc 0xffc00000"
        );
        let m = compare(&e, &[e[0], out(true, 1.0)]);
        assert_eq!(m.iter().map(|m| m.cycle).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(m[1].got, None);
        assert!(m[1].to_string().ends_with("got no output"));
        assert_eq!(compare(&e[..1], &e[..2]).len(), 1);
    }

    #[test]
    fn streams_are_deterministic_per_seed() {
        let f = fmt("mxfp8");
        let p = UnitParams::defaults(&f).unwrap();
        for kind in Kind::ALL.into_iter().filter(|&k| k != Kind::Pairs) {
            let s1 = generate(&f, &p, kind, 42, 100).unwrap();
            let s2 = generate(&f, &p, kind, 42, 100).unwrap();
            let s3 = generate(&f, &p, kind, 43, 100).unwrap();
            assert_eq!(s1.cycles, s2.cycles, "{}", kind.name());
            assert_eq!(s1.expected, s2.expected);
            assert_ne!(s1.cycles, s3.cycles, "{}", kind.name());
            assert_eq!(s1.cycles.len(), s1.expected.len());
            assert!(s1.cycles[0].rst, "streams open with a reset");
        }
    }

    fn valid_blocks(s: &Stream) -> impl Iterator<Item = &Cycle> {
        s.cycles.iter().filter(|c| c.in_valid && !c.rst)
    }

    #[test]
    fn random_streams_hit_every_special_and_corner_code() {
        for f in crate::format::builtins() {
            let p = UnitParams::defaults(&f).unwrap();
            let s = generate(&f, &p, Kind::Random, 1, 400).unwrap();
            let seen: HashSet<u32> = valid_blocks(&s)
                .flat_map(|c| c.a.iter().chain(&c.b).copied())
                .collect();
            let g = Gen::new(&f, &p, 0);
            for c in &g.finite_corners {
                assert!(seen.contains(c), "{}: code {c:#x} never sent", f.name);
            }
            let specials = (0..f.elem.code_count())
                .filter(|&c| matches!(f.elem.decode(c).class, Class::NaN | Class::Inf));
            for c in specials {
                assert!(
                    seen.contains(&c),
                    "{}: special code {c:#x} never sent",
                    f.name
                );
            }
            assert_eq!(valid_blocks(&s).count(), 400);
            // NaN codes and NaN scales show up in the results.
            assert!(
                s.expected
                    .iter()
                    .any(|o| o.out_valid && o.acc == CANONICAL_NAN),
                "{}",
                f.name
            );
        }
    }

    #[test]
    fn pair_sweep_covers_every_code_pair_in_rotating_lanes() {
        for name in ["mxfp8", "mxint8", "mxfp6_e3m2", "mxfp4", "nvint4"] {
            let f = fmt(name);
            let p = UnitParams::defaults(&f).unwrap();
            let s = generate(&f, &p, Kind::Pairs, 3, PAIR_SWEEP_BLOCKS).unwrap();
            let codes = f.elem.code_count() as usize;
            // Every pair once per lane, in as many lanes as fit in 65,536 blocks.
            let rounds = p.lanes.min((65_536 / (codes * codes)).max(1));
            let blocks: Vec<&Cycle> = valid_blocks(&s).collect();
            assert_eq!(blocks.len(), codes * codes * rounds, "{name}");
            let mut seen = HashSet::new();
            for (j, (c, o)) in blocks.iter().zip(s.expected.iter().skip(1)).enumerate() {
                // Block j: pair j mod P in lane (j + j / P) mod K, zeros in every other lane.
                let (pair, lane) = (j % (codes * codes), (j + j / (codes * codes)) % p.lanes);
                let (x, y) = ((pair / codes) as u32, (pair % codes) as u32);
                let mut want_a = vec![0; p.lanes];
                let mut want_b = vec![0; p.lanes];
                (want_a[lane], want_b[lane]) = (x, y);
                assert_eq!((&c.a, &c.b), (&want_a, &want_b), "{name} block {j}");
                assert!(c.acc_clear && seen.insert((x, y, lane)));
                // With acc_clear on every block, each output is the lone product's R.
                assert!(o.out_valid);
                assert_eq!(
                    o.acc,
                    emulate_block(&f, &p, &[x], &[y], c.a_scale, c.b_scale),
                    "{name} block {j}"
                );
            }
            let lanes_per_pair: HashSet<usize> = seen
                .iter()
                .filter(|t| (t.0, t.1) == (1, 1))
                .map(|t| t.2)
                .collect();
            assert_eq!(
                lanes_per_pair.len(),
                rounds,
                "{name}: pair (1, 1) visits distinct lanes"
            );
            assert_eq!(seen.len(), codes * codes * rounds, "{name}");
        }
        let wide = BlockFormat {
            name: "mxint10".into(),
            elem: ElemFormat::Int { bits: 10 },
            block: 32,
            scale: ScaleFormat::Ue8m0,
        };
        let p = UnitParams::defaults(&wide).unwrap();
        let e = generate(&wide, &p, Kind::Pairs, 0, PAIR_SWEEP_BLOCKS).unwrap_err();
        assert_eq!(
            e,
            VectorError::ExhaustiveTooWide {
                format: "mxint10".into(),
                bits: 10
            }
        );
        // (Only planned: the quantizer's byte-per-code packing refuses 10-bit elements.)
        let plan = suite_plan(&wide, 0, &SuiteSize::new(64, true));
        assert_eq!(plan.len(), Kind::ALL.len() - 1);
        assert!(plan.iter().all(|s| s.kind != Kind::Pairs));
    }

    #[test]
    fn suite_plans_split_long_random_runs_and_size_the_pair_sweep() {
        let f = fmt("mxfp6");
        let size = SuiteSize {
            random: 2 * RANDOM_CHUNK + 7,
            others: 99,
            pairs: Some(0),
        };
        let plan = suite_plan(&f, 5, &size);
        let random: Vec<&StreamSpec> = plan.iter().filter(|s| s.kind == Kind::Random).collect();
        assert_eq!(
            random.iter().map(|s| s.blocks).collect::<Vec<_>>(),
            [RANDOM_CHUNK, RANDOM_CHUNK, 7]
        );
        assert_eq!(
            random.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["mxfp6-random", "mxfp6-random#1", "mxfp6-random#2"]
        );
        let seeds: HashSet<u64> = plan.iter().map(|s| s.seed).collect();
        assert_eq!(seeds.len(), plan.len(), "every stream has its own seed");
        assert!(plan
            .iter()
            .filter(|s| !matches!(s.kind, Kind::Random | Kind::Pairs))
            .all(|s| s.blocks == 99));
        // Budget 0: every pair of the 6-bit element once; the standard budget: 16 lanes each.
        let pairs = plan.iter().find(|s| s.kind == Kind::Pairs).unwrap();
        assert_eq!(pairs.block_count(&f, 32), 4096);
        assert_eq!(pair_sweep_blocks(f.elem, 32, PAIR_SWEEP_BLOCKS), 65_536);
        assert_eq!(pair_sweep_blocks(f.elem, 4, PAIR_SWEEP_BLOCKS), 4 * 4096);
        let p = UnitParams::new(&f, 4, f.default_psum_width(), 0).unwrap();
        let s = pairs.generate(&f, &p).unwrap();
        assert_eq!(
            (s.name.as_str(), valid_blocks(&s).count()),
            ("mxfp6-pairs", 4096)
        );
        // The first random chunk is the stream a plain `generate` makes from its seed.
        let g = generate(&f, &p, Kind::Random, random[0].seed, 300).unwrap();
        let spec = StreamSpec {
            blocks: 300,
            ..random[0].clone()
        };
        assert_eq!(spec.generate(&f, &p).unwrap().cycles, g.cycles);
        // No sweep for wider elements, nor when not asked for.
        let no_pairs = SuiteSize::new(10, false);
        assert!(suite_plan(&f, 5, &no_pairs)
            .iter()
            .all(|s| s.kind != Kind::Pairs));
        assert_eq!(no_pairs.others, 64);
    }

    #[test]
    fn accumulation_streams_hold_long_finite_runs() {
        for f in crate::format::builtins() {
            let p = UnitParams::new(&f, f.block, f.default_psum_width(), 2).unwrap();
            let s = generate(&f, &p, Kind::Accumulate, 5, 300).unwrap();
            let blocks: Vec<&Cycle> = valid_blocks(&s).collect();
            assert_eq!(blocks.len(), 300);
            let finite = |c: &u32| matches!(f.elem.decode(*c).class, Class::Zero | Class::Finite);
            assert!(blocks.iter().all(|c| c.a.iter().chain(&c.b).all(finite)));
            let mut longest = 0;
            let mut run = 0;
            for c in &blocks {
                run = if c.acc_clear { 1 } else { run + 1 };
                longest = longest.max(run);
            }
            assert!(longest >= 64, "{}: longest run {longest}", f.name);
            assert!(
                blocks.iter().filter(|c| c.acc_clear).count() >= 3,
                "{}",
                f.name
            );
        }
    }

    #[test]
    fn nan_scale_streams_poison_and_recover() {
        for f in crate::format::builtins() {
            let p = UnitParams::defaults(&f).unwrap();
            let s = generate(&f, &p, Kind::NanScales, 9, 200).unwrap();
            let nan_scale = |x: u8| f.scale.decode(x).class == Class::NaN;
            assert!(
                valid_blocks(&s).any(|c| nan_scale(c.a_scale))
                    && valid_blocks(&s).any(|c| nan_scale(c.b_scale))
            );
            let accs: Vec<u32> = s
                .expected
                .iter()
                .filter(|o| o.out_valid)
                .map(|o| o.acc)
                .collect();
            let recovered = accs
                .windows(2)
                .any(|w| w[0] == CANONICAL_NAN && w[1] != CANONICAL_NAN);
            assert!(recovered, "{}: a clear after NaN", f.name);
        }
    }

    #[test]
    fn extreme_scale_streams_reach_overflow_subnormals_and_zero() {
        for f in crate::format::builtins() {
            let p = UnitParams::defaults(&f).unwrap();
            let s = generate(&f, &p, Kind::ExtremeScales, 11, 300).unwrap();
            if f.is_nv() {
                let used: HashSet<u8> = valid_blocks(&s)
                    .flat_map(|c| [c.a_scale, c.b_scale])
                    .collect();
                for code in [0x01, 0x7E, 0x00, 0x80, 0xFE] {
                    assert!(used.contains(&code), "{}: scale {code:#x}", f.name);
                }
                continue;
            }
            // R of each block, as the accumulator sees it after a clear.
            let rs: Vec<u32> = valid_blocks(&s)
                .map(|c| emulate_block(&f, &p, &c.a, &c.b, c.a_scale, c.b_scale))
                .collect();
            let magnitude = |r: &u32| r & 0x7FFF_FFFF;
            assert!(
                rs.iter().any(|r| magnitude(r) == 0x7F80_0000),
                "{}: overflow",
                f.name
            );
            assert!(
                rs.iter().any(|r| (1..0x80_0000).contains(&magnitude(r))),
                "{}: subnormal",
                f.name
            );
            assert!(
                rs.contains(&0x8000_0000),
                "{}: negative underflow to -0",
                f.name
            );
            assert!(
                rs.iter()
                    .any(|r| (0x80_0000..0x7F80_0000).contains(&magnitude(r))),
                "{}: normal",
                f.name
            );
        }
    }

    #[test]
    fn gap_streams_mix_bursts_idles_and_resets() {
        let f = fmt("mxfp8");
        for stages in 0..=crate::datapath::emulate::MAX_PIPELINE {
            let p = UnitParams::new(&f, 32, 24, stages).unwrap();
            let s = generate(&f, &p, Kind::Gaps, 13, 500).unwrap();
            let c = &s.cycles;
            assert!(
                c.iter().skip(1).any(|c| c.rst && c.in_valid),
                "reset with a block in the same cycle"
            );
            assert!(
                c.iter().any(|c| !c.rst && !c.in_valid && c.acc_clear),
                "acc_clear on idle cycles"
            );
            assert!(
                c.windows(2)
                    .any(|w| w[0].in_valid && w[1].in_valid && !w[1].rst),
                "back-to-back blocks"
            );
            assert_eq!(valid_blocks(&s).count(), 500);
            // Every block presented at least 1 + S cycles before the next reset reaches the
            // accumulator: count them and compare with the expected out_valid count.
            let resets: Vec<usize> = (0..c.len()).filter(|&i| c[i].rst).collect();
            let survives = |i: usize| resets.iter().all(|&r| r < i || r > i + stages as usize);
            let arrived = (0..c.len())
                .filter(|&i| c[i].in_valid && !c[i].rst && survives(i))
                .count();
            assert_eq!(
                s.expected.iter().filter(|o| o.out_valid).count(),
                arrived,
                "S = {stages}"
            );
        }
    }

    #[test]
    fn suites_for_every_builtin_check_out() {
        for f in crate::format::builtins() {
            let p = UnitParams::defaults(&f).unwrap();
            let streams = suite(&f, &p, 99, 200, false).unwrap();
            assert_eq!(streams.len(), Kind::ALL.len() - 1);
            for s in &streams {
                assert!(s.name.starts_with(&f.name));
                assert_eq!(s.cycles.len(), s.expected.len());
                // Feeding the expected outputs back through compare finds nothing, and one
                // flipped bit is found.
                assert!(compare(&s.expected, &s.expected).is_empty());
                let mut bad = s.expected.clone();
                let last = bad.len() - 1;
                bad[last].acc ^= 1;
                assert_eq!(compare(&s.expected, &bad).len(), 1);
            }
        }
    }

    #[test]
    fn quantized_blocks_match_the_dequantized_dot_product_end_to_end() {
        // For MX formats at the exact width the unit's R for one block is RNE32 of the exact
        // dot product of the quantizer's dequantized values (P * X, exact in FP32 here).
        // Products of two f32 are exact in f64; TwoSum proves each f64 sum exact, or the
        // block is left out (E5M2 blocks can span more than 53 bits).
        for f in crate::format::builtins().into_iter().filter(|f| !f.is_nv()) {
            let p = UnitParams::exact(&f).unwrap();
            for data in Data::ALL {
                let q = quantized_blocks(&f, p.lanes, data, 21, 200).unwrap();
                let mut checked = 0;
                for i in 0..200 {
                    let (va, vb) = (q.a.block_values(i), q.b.block_values(i));
                    let (mut sum, mut exact) = (0f64, true);
                    for (x, y) in va.iter().zip(vb) {
                        let t = *x as f64 * *y as f64;
                        let s2 = sum + t;
                        let bb = s2 - sum;
                        exact &= (sum - (s2 - bb)) + (t - bb) == 0.0;
                        sum = s2;
                    }
                    if !exact {
                        continue;
                    }
                    checked += 1;
                    let want = if sum == 0.0 {
                        0
                    } else {
                        (sum as f32).to_bits()
                    };
                    let r = emulate_block(
                        &f,
                        &p,
                        &q.a.codes(i),
                        &q.b.codes(i),
                        q.a.scales[i],
                        q.b.scales[i],
                    );
                    assert_eq!(r, want, "{} {} block {i}", f.name, data.name());
                }
                assert!(
                    checked >= 150,
                    "{} {}: only {checked} blocks provably exact",
                    f.name,
                    data.name()
                );
            }
        }
    }

    #[test]
    fn quantized_streams_carry_the_quantizer_codes() {
        for name in ["mxfp8", "mxint8", "nvfp4", "nvint4"] {
            let f = fmt(name);
            let p = UnitParams::defaults(&f).unwrap();
            for data in Data::ALL {
                let s = generate(&f, &p, Kind::Quantized(data), 4, 100).unwrap();
                let blocks: Vec<&Cycle> = valid_blocks(&s).collect();
                assert_eq!(blocks.len(), 100);
                // Real data gives finite scales and codes, nonzero results, and no NaN.
                assert!(blocks
                    .iter()
                    .all(|c| f.scale.decode(c.a_scale).class == Class::Finite));
                assert!(s.expected.iter().all(|o| o.acc != CANONICAL_NAN));
                assert!(
                    s.expected
                        .iter()
                        .filter(|o| o.out_valid && o.acc & 0x7FFF_FFFF != 0)
                        .count()
                        > 90
                );
            }
            // The outlier channel makes the a operand's scales (times the NV per-tensor
            // scale, which absorbs the tensor's range) larger than b's.
            let q = quantized_blocks(&f, p.lanes, Data::ChannelOutliers, 4, 50).unwrap();
            let x = |o: &QuantizedOperand| {
                o.scales.iter().map(|&c| f.scale.value(c)).sum::<f64>() * o.tensor_scale as f64
            };
            assert!(x(&q.a) > 8.0 * x(&q.b), "{name}");
        }
    }
}
