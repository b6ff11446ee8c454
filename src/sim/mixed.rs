//! Verification of the mixed units (issue 8): seeded cycle streams in both modes (random and
//! corner codes, NaN and extreme scales, accumulation runs across mode switches, gaps and
//! resets, exhaustive element pairs of either width), the outputs the software model expects,
//! the mixed record protocol, and the three backends (rust-hdl, Verilator, Icarus).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::backends::{run_tool, tail, BackendKind, SimError};
use super::vectors::{compare, decode_outputs, Mismatch, Output};
use crate::datapath::mixed::{emulate_mixed, MixedFormat, MixedKind};
use crate::datapath::AccEmu;
use crate::rtl::mixed::{
    emit_mixed, mixed_icarus_testbench, MixedCycleIn, MixedPlan, MixedRtlError, MixedSim,
};

#[derive(Debug, thiserror::Error)]
pub enum MixedSimError {
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    Rtl(#[from] MixedRtlError),
}

/// The inputs of one clock cycle of a mixed unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MixedCycle {
    pub rst: bool,
    pub in_valid: bool,
    pub acc_clear: bool,
    /// false: 8-bit format, K codes per operand; true: 4-bit format, 2K codes.
    pub mode: bool,
    pub a: Vec<u32>,
    pub b: Vec<u32>,
    /// G scale codes per operand (mode 0 reads entry 0).
    pub a_scale: Vec<u8>,
    pub b_scale: Vec<u8>,
}

/// A named, seeded stream and the outputs the software model expects, one per cycle.
#[derive(Clone, Debug)]
pub struct MixedStream {
    pub name: String,
    pub seed: u64,
    pub cycles: Vec<MixedCycle>,
    pub expected: Vec<Output>,
}

/// Kinds of mixed stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MixedStreamKind {
    /// Mode chosen per cycle; random and corner codes, NaN codes in some 8-bit FP blocks;
    /// random, NaN and extreme scales; unused scale bytes random in mode 0; idle cycles
    /// with random data, random clears, a reset now and then.
    Random,
    /// Accumulation runs of 64 blocks without a clear, switching mode inside the run.
    Runs,
    /// Scales spread over their whole range, a different one per NV block (E4M3: any
    /// non-NaN code, negative, zero and subnormal included; UE8M0: 0..=254), so that the G
    /// block results of a 4-bit cycle differ by up to 2^35 and their sum rounds; overflow
    /// and underflow of R included. With G >= 4 it opens with a cycle whose result depends
    /// on the order of the block sum (R = r, 0, r 2^-24, r 2^-24: the tree gives r plus one
    /// ulp, a left-to-right chain r).
    Spread,
    /// Every 4-bit (a, b) code pair, one per cycle in a rotating element of a rotating NV
    /// block (zeros elsewhere, unit scales), cleared every cycle: 256 cycles.
    Pairs4,
    /// Every 8-bit (a, b) code pair, one per cycle in a rotating lane, cleared every cycle:
    /// 65,536 cycles (for Verilator).
    Pairs8,
}

impl MixedStreamKind {
    pub fn name(&self) -> &'static str {
        match self {
            MixedStreamKind::Random => "random",
            MixedStreamKind::Runs => "runs",
            MixedStreamKind::Spread => "spread",
            MixedStreamKind::Pairs4 => "pairs4",
            MixedStreamKind::Pairs8 => "pairs8",
        }
    }
}

/// What the unit must output for `cycles` (no pipeline stages: a block's result is in `acc`
/// right after its edge): rst gives +0 and out_valid low; a valid block updates the
/// accumulator (acc <- R on acc_clear, else acc + R); an idle cycle holds it.
pub fn expected_mixed(plan: &MixedPlan, cycles: &[MixedCycle]) -> Vec<Output> {
    let mut acc = AccEmu::new();
    cycles
        .iter()
        .map(|c| {
            if c.rst {
                acc.reset();
                return Output {
                    out_valid: false,
                    acc: acc.value(),
                };
            }
            if !c.in_valid {
                return Output {
                    out_valid: false,
                    acc: acc.value(),
                };
            }
            let r = emulate_mixed(
                &plan.format,
                plan.lanes,
                c.mode,
                &c.a,
                &c.b,
                &c.a_scale,
                &c.b_scale,
            );
            Output {
                out_valid: true,
                acc: acc.step(c.acc_clear, r),
            }
        })
        .collect()
}

struct Gen {
    kind: MixedKind,
    lanes: usize,
    groups: usize,
    rng: ChaCha8Rng,
    cycles: Vec<MixedCycle>,
}

impl Gen {
    fn push(
        &mut self,
        rst: bool,
        in_valid: bool,
        acc_clear: bool,
        mode: bool,
        ab: (Vec<u32>, Vec<u32>),
        scales: (Vec<u8>, Vec<u8>),
    ) {
        let (a, b) = ab;
        let (a_scale, b_scale) = scales;
        self.cycles.push(MixedCycle {
            rst,
            in_valid,
            acc_clear,
            mode,
            a,
            b,
            a_scale,
            b_scale,
        });
    }

    fn reset(&mut self) {
        let (ab, s) = (self.codes(false), self.scales(false));
        self.push(true, false, false, false, ab, s);
    }

    /// Corner codes: zeros, extremes, smallest subnormal / +-1, the most negative INT code.
    fn corners(&self, four_bit: bool) -> &'static [u32] {
        match (self.kind, four_bit) {
            (MixedKind::Int, false) => &[0x00, 0x01, 0xFF, 0x7F, 0x81, 0x80],
            (MixedKind::Int, true) => &[0x0, 0x1, 0xF, 0x7, 0x9, 0x8],
            (MixedKind::Fp, false) => &[0x00, 0x80, 0x01, 0x81, 0x08, 0x7E, 0xFE],
            (MixedKind::Fp, true) => &[0x0, 0x8, 0x1, 0x9, 0x7, 0xF],
        }
    }

    fn code(&mut self, four_bit: bool) -> u32 {
        if self.rng.gen_ratio(1, 8) {
            let c = self.corners(four_bit);
            return c[self.rng.gen_range(0..c.len())];
        }
        loop {
            let c = self.rng.gen_range(0..if four_bit { 16 } else { 256 });
            // E4M3 NaN codes are injected on purpose below, not drawn here.
            if !(self.kind == MixedKind::Fp && !four_bit && c & 0x7F == 0x7F) {
                return c;
            }
        }
    }

    fn codes(&mut self, four_bit: bool) -> (Vec<u32>, Vec<u32>) {
        let n = if four_bit { 2 * self.lanes } else { self.lanes };
        let mut a: Vec<u32> = (0..n).map(|_| self.code(four_bit)).collect();
        let b: Vec<u32> = (0..n).map(|_| self.code(four_bit)).collect();
        if self.kind == MixedKind::Fp && !four_bit && self.rng.gen_ratio(1, 16) {
            let lane = self.rng.gen_range(0..n);
            a[lane] = if self.rng.gen() { 0x7F } else { 0xFF };
        }
        (a, b)
    }

    /// Scale codes: mode 0: entry 0 UE8M0 (mostly near 2^0, sometimes anywhere, 1 in 32
    /// NaN), the others random bytes the unit must ignore; mode 1: E4M3 per block (mostly
    /// mid-range, sometimes any code: negative, zero, subnormal, 1 in 32 NaN).
    fn scales(&mut self, four_bit: bool) -> (Vec<u8>, Vec<u8>) {
        (self.scale_codes(four_bit), self.scale_codes(four_bit))
    }

    fn scale_codes(&mut self, four_bit: bool) -> Vec<u8> {
        let rng = &mut self.rng;
        let mut v: Vec<u8> = (0..self.groups).map(|_| rng.gen()).collect();
        let blocks = if four_bit { self.groups } else { 1 };
        for s in v.iter_mut().take(blocks) {
            let (wide, nan) = (rng.gen_ratio(1, 8), rng.gen_ratio(1, 32));
            *s = match (four_bit, nan, wide) {
                (false, true, _) => 0xFF,
                (false, _, true) => rng.gen_range(0..=254),
                (false, _, false) => rng.gen_range(127 - 24..=127 + 24),
                (true, true, _) => {
                    if rng.gen() {
                        0x7F
                    } else {
                        0xFF
                    }
                }
                (true, _, true) => loop {
                    let c: u8 = rng.gen();
                    if c & 0x7F != 0x7F {
                        break c;
                    }
                },
                (true, _, false) => rng.gen_range(0x28..=0x48),
            };
        }
        v
    }

    fn random(&mut self, cycles: usize) {
        for _ in 0..cycles {
            let mode = self.rng.gen();
            let rst = self.rng.gen_ratio(1, 64);
            let valid = self.rng.gen_ratio(7, 8);
            let clear = self.rng.gen_ratio(1, 6);
            let (ab, s) = (self.codes(mode), self.scales(mode));
            self.push(rst, valid, clear, mode, ab, s);
        }
    }

    fn runs(&mut self, cycles: usize) {
        for t in 0..cycles {
            let mode = self.rng.gen_ratio(1, 2);
            let (ab, s) = (self.codes(mode), self.scales(mode));
            self.push(false, true, t % 64 == 0, mode, ab, s);
        }
    }

    fn spread(&mut self, cycles: usize) {
        if self.groups >= 4 {
            // Block 0: four products c0 * c0 with unit scales (E4M3 0x38); block 1: zeros;
            // blocks 2, 3: one product c1 * c1 with the smallest scales (0x01: 2^-9 each).
            // FP: c0 = 2.0, c1 = 0.5, so R = 2^4, 0, 2^-20, 2^-20; INT: c0 = 4 * 2^-2 = 1,
            // c1 = 2^-2, so R = 2^2, 0, 2^-22, 2^-22. Either way R2 = R3 = R0 * 2^-24: the
            // tree keeps R2 + R3 (one ulp of R0), a chain loses each as a tie to even.
            let n = 2 * self.lanes;
            let (mut a, mut b) = (vec![0u32; n], vec![0u32; n]);
            // The codes 0x4 and 0x1 are 2.0 and 0.5 in E2M1, 1.0 and 0.25 in INT4 (code * 2^-2).
            let (c0, c1) = (0x4, 0x1);
            a[..4].fill(c0);
            b[..4].fill(c0);
            for j in [2, 3] {
                a[16 * j] = c1;
                b[16 * j] = c1;
            }
            let mut sc = vec![0x38u8; self.groups];
            sc[2] = 0x01;
            sc[3] = 0x01;
            self.push(false, true, true, true, (a, b), (sc.clone(), sc));
        }
        for _ in 0..cycles {
            let mode = self.rng.gen_ratio(3, 4);
            let ab = self.codes(mode);
            let any = |rng: &mut ChaCha8Rng| -> Vec<u8> {
                (0..self.groups)
                    .map(|_| loop {
                        let c: u8 = rng.gen();
                        if (mode && c & 0x7F != 0x7F) || (!mode && c != 0xFF) {
                            break c;
                        }
                    })
                    .collect()
            };
            let s = (any(&mut self.rng), any(&mut self.rng));
            let clear = self.rng.gen_ratio(1, 4);
            self.push(false, true, clear, mode, ab, s);
        }
    }

    fn unit_scales(&self, four_bit: bool) -> (Vec<u8>, Vec<u8>) {
        let v = if four_bit {
            vec![0x38; self.groups]
        } else {
            vec![127; self.groups]
        };
        (v.clone(), v)
    }

    fn pairs(&mut self, four_bit: bool) {
        let (codes, n) = if four_bit {
            (16u32, 2 * self.lanes)
        } else {
            (256, self.lanes)
        };
        let mut i = 0;
        for ca in 0..codes {
            for cb in 0..codes {
                let (mut a, mut b) = (vec![0; n], vec![0; n]);
                // Element positions step through every lane and, in mode 1, every NV block.
                let e = (i * 17 + i / n) % n;
                a[e] = ca;
                b[e] = cb;
                i += 1;
                let s = self.unit_scales(four_bit);
                self.push(false, true, true, four_bit, (a, b), s);
            }
        }
    }
}

/// One stream of `kind` with `cycles` cycles after its opening reset (pair sweeps ignore
/// `cycles`).
pub fn mixed_stream(
    plan: &MixedPlan,
    kind: MixedStreamKind,
    seed: u64,
    cycles: usize,
) -> MixedStream {
    let mut g = Gen {
        kind: plan.format.kind,
        lanes: plan.lanes,
        groups: plan.groups,
        rng: ChaCha8Rng::seed_from_u64(seed),
        cycles: Vec::new(),
    };
    g.reset();
    match kind {
        MixedStreamKind::Random => g.random(cycles),
        MixedStreamKind::Runs => g.runs(cycles),
        MixedStreamKind::Spread => g.spread(cycles),
        MixedStreamKind::Pairs4 => g.pairs(true),
        MixedStreamKind::Pairs8 => g.pairs(false),
    }
    let expected = expected_mixed(plan, &g.cycles);
    MixedStream {
        name: format!("{}-{}", plan.name, kind.name()),
        seed,
        cycles: g.cycles,
        expected,
    }
}

/// The stream a shipped testbench of a mixed unit replays (`hwcost rtl --vectors N`): one
/// opening reset, then about `cycles` cycles from `seed`: half [`MixedStreamKind::Random`]
/// (both modes, idle cycles, clears, resets), a quarter each of accumulation runs across mode
/// switches and of spread scales; expected outputs over the whole concatenation.
pub fn mixed_testbench_stream(plan: &MixedPlan, seed: u64, cycles: usize) -> MixedStream {
    let cycles = cycles.max(1);
    let quarter = cycles / 4;
    let parts = [
        (MixedStreamKind::Random, cycles - 2 * quarter),
        (MixedStreamKind::Runs, quarter),
        (MixedStreamKind::Spread, quarter),
    ];
    let mut all = Vec::new();
    for (i, &(kind, n)) in parts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let s = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        all.extend(mixed_stream(plan, kind, s, n).cycles);
    }
    let expected = expected_mixed(plan, &all);
    MixedStream {
        name: format!("{}-testbench", plan.name),
        seed,
        cycles: all,
        expected,
    }
}

/// A stream for measuring energy: two reset cycles, then `cycles` valid blocks in one mode
/// (`four_bit`), random finite codes (corners now and then), finite scales near 2^0 (UE8M0
/// 127 +- 8, E4M3 0x30..=0x40), accumulating with a clear every 32 blocks.
pub fn activity_stream(plan: &MixedPlan, four_bit: bool, seed: u64, cycles: usize) -> MixedStream {
    let mut g = Gen {
        kind: plan.format.kind,
        lanes: plan.lanes,
        groups: plan.groups,
        rng: ChaCha8Rng::seed_from_u64(seed),
        cycles: Vec::new(),
    };
    g.reset();
    g.reset();
    for t in 0..cycles {
        let n = if four_bit { 2 * g.lanes } else { g.lanes };
        let a: Vec<u32> = (0..n).map(|_| g.code(four_bit)).collect();
        let b: Vec<u32> = (0..n).map(|_| g.code(four_bit)).collect();
        let scale = |rng: &mut ChaCha8Rng| -> Vec<u8> {
            (0..g.groups)
                .map(|_| {
                    if four_bit {
                        rng.gen_range(0x30..=0x40)
                    } else {
                        rng.gen_range(119..=135)
                    }
                })
                .collect()
        };
        let s = (scale(&mut g.rng), scale(&mut g.rng));
        g.push(false, true, t % 32 == 0, four_bit, (a, b), s);
    }
    let expected = expected_mixed(plan, &g.cycles);
    MixedStream {
        name: format!("{}-activity{}", plan.name, if four_bit { 4 } else { 8 }),
        seed,
        cycles: g.cycles,
        expected,
    }
}

/// Append element codes packed as the port sees them (element i at bits [i*w +: w]).
fn pack(out: &mut Vec<u8>, codes: &[u32], w: u32, bytes: usize) {
    let start = out.len();
    let (mut buf, mut filled) = (0u64, 0u32);
    for &c in codes {
        buf |= (c as u64 & ((1 << w) - 1)) << filled;
        filled += w;
        while filled >= 8 {
            out.push(buf as u8);
            buf >>= 8;
            filled -= 8;
        }
    }
    out.resize(start + bytes, 0);
}

/// The harness input for `cycles`: per cycle flags (bit 3 = mode), a, b (K bytes each),
/// a_scale, b_scale (G bytes each).
pub fn encode_mixed_inputs(plan: &MixedPlan, cycles: &[MixedCycle]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cycles.len() * plan.input_record_bytes());
    for c in cycles {
        out.push(
            c.rst as u8 | (c.in_valid as u8) << 1 | (c.acc_clear as u8) << 2 | (c.mode as u8) << 3,
        );
        let w = if c.mode { 4 } else { 8 };
        pack(&mut out, &c.a, w, plan.lanes);
        pack(&mut out, &c.b, w, plan.lanes);
        out.extend(&c.a_scale);
        out.extend(&c.b_scale);
    }
    out
}

/// A mixed unit ready to run: one output record per input cycle.
pub trait MixedBackend {
    fn kind(&self) -> BackendKind;
    fn run(&mut self, cycles: &[MixedCycle]) -> Result<Vec<Output>, MixedSimError>;
}

/// Build the unit for `kind`; Verilator and Icarus work in `dir` (created if missing).
pub fn build_mixed(
    kind: BackendKind,
    plan: &MixedPlan,
    dir: &Path,
) -> Result<Box<dyn MixedBackend>, MixedSimError> {
    Ok(match kind {
        BackendKind::Rusthdl => Box::new(MixedRustHdl {
            sim: MixedSim::new(plan),
        }),
        BackendKind::Verilator => Box::new(MixedVerilator::new(plan, dir)?),
        BackendKind::Icarus => Box::new(MixedIcarus::new(plan, dir)?),
    })
}

/// Run `stream` and return every cycle where the backend differs from the software model.
pub fn check_mixed(
    backend: &mut dyn MixedBackend,
    stream: &MixedStream,
) -> Result<Vec<Mismatch>, MixedSimError> {
    let got = backend.run(&stream.cycles)?;
    Ok(compare(&stream.expected, &got))
}

pub struct MixedRustHdl {
    sim: MixedSim,
}

impl MixedRustHdl {
    /// Mutation testing: the rust-hdl model with one lane's multiplier wrong in both modes
    /// (None: the architecture has no such hook).
    pub fn corrupted(plan: &MixedPlan) -> Option<Self> {
        let mut sim = MixedSim::new(plan);
        sim.corrupt_multiplier().then_some(Self { sim })
    }
}

impl MixedBackend for MixedRustHdl {
    fn kind(&self) -> BackendKind {
        BackendKind::Rusthdl
    }

    fn run(&mut self, cycles: &[MixedCycle]) -> Result<Vec<Output>, MixedSimError> {
        cycles
            .iter()
            .map(|c| {
                let inp = MixedCycleIn {
                    rst: c.rst,
                    in_valid: c.in_valid,
                    acc_clear: c.acc_clear,
                    mode: c.mode,
                    a: &c.a,
                    b: &c.b,
                    a_scale: &c.a_scale,
                    b_scale: &c.b_scale,
                };
                let (out_valid, acc) = self.sim.step(&inp)?;
                Ok(Output { out_valid, acc })
            })
            .collect()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> MixedSimError + '_ {
    move |source| {
        MixedSimError::Sim(SimError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

pub struct MixedVerilator {
    plan: MixedPlan,
    exe: PathBuf,
}

impl MixedVerilator {
    /// Emit the unit into `dir` and build its harness there.
    pub fn new(plan: &MixedPlan, dir: &Path) -> Result<Self, MixedSimError> {
        emit_mixed(plan, dir, None)?;
        let name = &plan.name;
        let exe_name = format!("{name}_sim");
        let (v, cpp) = (format!("{name}.v"), format!("{name}_harness.cpp"));
        #[rustfmt::skip]
        let args = [
            "--cc", "--exe", "--build", "-O3", "--x-assign", "fast", "--x-initial", "fast", "-Wno-fatal",
            "--top-module", name, "-o", &exe_name, &v, &cpp,
        ];
        run_tool("verilator", "verilator", &args, dir)?;
        Ok(MixedVerilator {
            plan: plan.clone(),
            exe: dir.join("obj_dir").join(exe_name),
        })
    }
}

impl MixedBackend for MixedVerilator {
    fn kind(&self) -> BackendKind {
        BackendKind::Verilator
    }

    fn run(&mut self, cycles: &[MixedCycle]) -> Result<Vec<Output>, MixedSimError> {
        let input = encode_mixed_inputs(&self.plan, cycles);
        let mut child = Command::new(&self.exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io_err(&self.exe))?;
        // Feed stdin from a thread: the harness writes while it reads, and pipes are finite.
        let mut stdin = child.stdin.take().expect("stdin was piped");
        let feeder = std::thread::spawn(move || stdin.write_all(&input));
        let mut bytes = Vec::new();
        child
            .stdout
            .take()
            .expect("stdout was piped")
            .read_to_end(&mut bytes)
            .map_err(io_err(&self.exe))?;
        let out = child.wait_with_output().map_err(io_err(&self.exe))?;
        let fed = feeder.join().expect("the stdin writer does not panic");
        if !out.status.success() {
            return Err(SimError::ToolFailed {
                what: self.exe.display().to_string(),
                status: out.status.to_string(),
                stderr: tail(&String::from_utf8_lossy(&out.stderr), 4000),
            }
            .into());
        }
        fed.map_err(io_err(&self.exe))?;
        Ok(decode_outputs(&bytes).map_err(SimError::from)?)
    }
}

pub struct MixedIcarus {
    plan: MixedPlan,
    dir: PathBuf,
    vvp: PathBuf,
}

impl MixedIcarus {
    /// Emit the unit into `dir`, write its testbench and compile both.
    pub fn new(plan: &MixedPlan, dir: &Path) -> Result<Self, MixedSimError> {
        emit_mixed(plan, dir, None)?;
        let name = &plan.name;
        let tb = dir.join(format!("{name}_tb.v"));
        std::fs::write(&tb, mixed_icarus_testbench(plan)).map_err(io_err(&tb))?;
        let vvp = format!("{name}_tb.vvp");
        let (v, tbv) = (format!("{name}.v"), format!("{name}_tb.v"));
        run_tool(
            "iverilog",
            "iverilog",
            &["-g2005", "-o", &vvp, "-s", &format!("{name}_tb"), &v, &tbv],
            dir,
        )?;
        Ok(MixedIcarus {
            plan: plan.clone(),
            dir: dir.to_path_buf(),
            vvp: dir.join(vvp),
        })
    }
}

impl MixedBackend for MixedIcarus {
    fn kind(&self) -> BackendKind {
        BackendKind::Icarus
    }

    fn run(&mut self, cycles: &[MixedCycle]) -> Result<Vec<Output>, MixedSimError> {
        let files = tempfile::Builder::new()
            .prefix("run")
            .tempdir_in(&self.dir)
            .map_err(io_err(&self.dir))?;
        let (inp, outp) = (files.path().join("in.bin"), files.path().join("out.bin"));
        std::fs::write(&inp, encode_mixed_inputs(&self.plan, cycles)).map_err(io_err(&inp))?;
        let vvp = self.vvp.to_string_lossy().into_owned();
        let (plus_in, plus_out) = (
            format!("+in={}", inp.display()),
            format!("+out={}", outp.display()),
        );
        run_tool(
            "vvp",
            "iverilog",
            &["-n", &vvp, &plus_in, &plus_out],
            files.path(),
        )?;
        let bytes = std::fs::read(&outp).map_err(io_err(&outp))?;
        Ok(decode_outputs(&bytes).map_err(SimError::from)?)
    }
}

/// The verification suite of a mixed unit (`hwcost verify` and the tests): `random` random
/// cycles (mode chosen per cycle), accumulation runs and spread scales (a quarter of that
/// each), every 4-bit code pair, and with `pairs8` every 8-bit code pair; stream i of the
/// suite is seeded from `seed` by a fixed offset.
pub fn mixed_suite(plan: &MixedPlan, seed: u64, random: usize, pairs8: bool) -> Vec<MixedStream> {
    let mut v = vec![
        mixed_stream(plan, MixedStreamKind::Random, seed, random),
        mixed_stream(
            plan,
            MixedStreamKind::Runs,
            seed.wrapping_add(1),
            random / 4,
        ),
        mixed_stream(
            plan,
            MixedStreamKind::Spread,
            seed.wrapping_add(4),
            random / 4,
        ),
        mixed_stream(plan, MixedStreamKind::Pairs4, seed.wrapping_add(2), 0),
    ];
    if pairs8 {
        v.push(mixed_stream(
            plan,
            MixedStreamKind::Pairs8,
            seed.wrapping_add(3),
            0,
        ));
    }
    v
}

/// Parse a mixed format name and plan its unit (a convenience for tests and tools).
pub fn plan_for(
    name: &str,
    reuse: crate::rtl::mixed::Reuse,
    lanes: usize,
) -> Result<MixedPlan, MixedRtlError> {
    let f = MixedFormat::parse(name)?;
    MixedPlan::new(&f, reuse, Some(lanes), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtl::mixed::Reuse;

    #[test]
    fn records_pack_mode_nibbles_and_scale_bytes() {
        let plan = plan_for("mxint8+nvint4", Reuse::Scheme, 16).unwrap();
        let mut a = vec![0u32; 32];
        a[0] = 0x3;
        a[1] = 0xA;
        a[31] = 0xF;
        let c = MixedCycle {
            rst: false,
            in_valid: true,
            acc_clear: true,
            mode: true,
            a,
            b: vec![0; 32],
            a_scale: vec![1, 2],
            b_scale: vec![3, 4],
        };
        let r = encode_mixed_inputs(&plan, &[c]);
        assert_eq!(r.len(), plan.input_record_bytes());
        assert_eq!(r.len(), 1 + 16 + 16 + 2 + 2);
        assert_eq!((r[0], r[1], r[16]), (0b1110, 0xA3, 0xF0));
        assert_eq!(&r[33..], &[1, 2, 3, 4]);
    }

    #[test]
    fn the_spread_stream_opens_with_an_order_probe() {
        for name in ["mxint8+nvint4", "mxfp8+nvfp4"] {
            let plan = plan_for(name, Reuse::Scheme, 32).unwrap();
            let s = mixed_stream(&plan, MixedStreamKind::Spread, 1, 0);
            let r = s.expected[1].acc;
            let (r0, r2) = if name.starts_with("mxfp") {
                (16.0f32, 2f32.powi(-20))
            } else {
                (4.0, 2f32.powi(-22))
            };
            assert_eq!(f32::from_bits(r), r0 + 2.0 * r2, "{name}");
            assert_eq!((r0 + r2) + r2, r0, "{name}: a chain would lose both");
        }
    }
}
