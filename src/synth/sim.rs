//! Gate-level simulation of a synthesized netlist with iverilog: per-cycle stimulus of any
//! port width, the generated testbench, captured outputs, and per-bit toggle counts read
//! from the VCD it dumps.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::activity::{unit_delay_models, Delay};
use super::netlist::{Netlist, PortDirection, PortSpec};
use super::tools::{Tool, ToolError, Toolchain};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error("simulation file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stimulus: {0}")]
    Stimulus(String),
    #[error("value {value:?} does not fit in {width} bits")]
    Value { value: String, width: usize },
    #[error("VCD: {0}")]
    Vcd(String),
    #[error("simulation output: {0}")]
    Output(String),
}

/// A bit vector of any width: little-endian 64-bit words, bits above `width` zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Bits {
    width: usize,
    words: Vec<u64>,
}

impl Bits {
    pub fn zero(width: usize) -> Bits {
        Bits {
            width,
            words: vec![0; width.div_ceil(64)],
        }
    }

    pub fn from_u64(width: usize, value: u64) -> Result<Bits, SimError> {
        Bits::from_words(width, vec![value])
    }

    /// From little-endian words; missing high words are zero.
    pub fn from_words(width: usize, mut words: Vec<u64>) -> Result<Bits, SimError> {
        let n = width.div_ceil(64);
        let too_wide = words.iter().skip(n).any(|w| *w != 0)
            || (!width.is_multiple_of(64)
                && n > 0
                && words.get(n - 1).is_some_and(|w| w >> (width % 64) != 0));
        if too_wide || (width == 0 && words.iter().any(|w| *w != 0)) {
            return Err(SimError::Value {
                value: format!("{words:x?}"),
                width,
            });
        }
        words.resize(n, 0);
        Ok(Bits { width, words })
    }

    /// From hexadecimal digits (MSB first, `_` ignored, optional `0x`).
    pub fn from_hex(width: usize, text: &str) -> Result<Bits, SimError> {
        let bad = || SimError::Value {
            value: text.to_string(),
            width,
        };
        let digits: Vec<u32> = text
            .trim()
            .trim_start_matches("0x")
            .chars()
            .filter(|c| *c != '_')
            .map(|c| c.to_digit(16).ok_or_else(bad))
            .collect::<Result<_, _>>()?;
        let mut words = vec![0u64; digits.len().div_ceil(16).max(1)];
        for (k, d) in digits.iter().rev().enumerate() {
            words[k / 16] |= (*d as u64) << (4 * (k % 16));
        }
        Bits::from_words(width, words).map_err(|_| bad())
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn words(&self) -> &[u64] {
        &self.words
    }

    pub fn bit(&self, i: usize) -> bool {
        i < self.width && self.words[i / 64] >> (i % 64) & 1 == 1
    }

    pub fn set_bit(&mut self, i: usize, v: bool) {
        assert!(i < self.width, "bit {i} of a {}-bit vector", self.width);
        if v {
            self.words[i / 64] |= 1 << (i % 64);
        } else {
            self.words[i / 64] &= !(1 << (i % 64));
        }
    }

    /// The value if it fits in a u64.
    pub fn to_u64(&self) -> Option<u64> {
        if self.words.iter().skip(1).any(|w| *w != 0) {
            return None;
        }
        Some(self.words.first().copied().unwrap_or(0))
    }

    /// Exactly `ceil(width / 4)` hex digits, MSB first.
    pub fn to_hex(&self) -> String {
        (0..self.width.div_ceil(4))
            .rev()
            .map(|k| {
                let d = (self.words[k / 16] >> (4 * (k % 16))) & 0xf;
                char::from_digit(d as u32, 16).expect("nibble")
            })
            .collect()
    }
}

/// Per-cycle values of the input ports a testbench drives (the clock excluded).
#[derive(Debug, Clone)]
pub struct Stimulus {
    ports: Vec<PortSpec>,
    rows: Vec<Vec<Bits>>,
}

impl Stimulus {
    pub fn new(ports: Vec<PortSpec>) -> Result<Stimulus, SimError> {
        for (i, p) in ports.iter().enumerate() {
            if p.direction != PortDirection::Input {
                return Err(SimError::Stimulus(format!(
                    "port `{}` is not an input",
                    p.name
                )));
            }
            if p.width == 0 {
                return Err(SimError::Stimulus(format!("port `{}` has width 0", p.name)));
            }
            if ports[..i].iter().any(|q| q.name == p.name) {
                return Err(SimError::Stimulus(format!(
                    "port `{}` is listed twice",
                    p.name
                )));
            }
        }
        Ok(Stimulus {
            ports,
            rows: Vec::new(),
        })
    }

    /// Appends one cycle: one value per port, in the order of `ports()`.
    pub fn push_cycle(&mut self, values: Vec<Bits>) -> Result<(), SimError> {
        if values.len() != self.ports.len() {
            return Err(SimError::Stimulus(format!(
                "{} values for {} ports",
                values.len(),
                self.ports.len()
            )));
        }
        for (v, p) in values.iter().zip(&self.ports) {
            if v.width() != p.width {
                return Err(SimError::Stimulus(format!(
                    "{}-bit value for {}-bit port `{}`",
                    v.width(),
                    p.width,
                    p.name
                )));
            }
        }
        self.rows.push(values);
        Ok(())
    }

    pub fn ports(&self) -> &[PortSpec] {
        &self.ports
    }

    pub fn cycles(&self) -> usize {
        self.rows.len()
    }

    pub fn total_width(&self) -> usize {
        self.ports.iter().map(|p| p.width).sum()
    }

    /// `$readmemh` text: one line per cycle, the ports concatenated with the first port in
    /// the most significant position.
    pub fn readmemh_text(&self) -> String {
        let total = self.total_width();
        let mut out = String::with_capacity(self.rows.len() * (total / 4 + 2));
        for row in &self.rows {
            let mut line = Bits::zero(total);
            let mut pos = total;
            for v in row {
                pos -= v.width();
                for i in 0..v.width() {
                    if v.bit(i) {
                        line.set_bit(pos + i, true);
                    }
                }
            }
            out += &line.to_hex();
            out.push('\n');
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct SimRequest<'a> {
    pub netlist_path: &'a Path,
    pub netlist: &'a Netlist,
    /// functional Verilog models of the library cells
    pub cell_models: &'a Path,
    pub clock: &'a str,
    /// simulated clock period; even, so both clock phases are whole picoseconds
    pub period_ps: u64,
    pub stimulus: &'a Stimulus,
    /// toggles before this cycle (reset, pipeline fill) are not counted
    pub measure_from_cycle: usize,
    /// zero delay, or one time unit per cell (glitches simulated)
    pub delay: Delay,
    /// record every net's settled value at the end of every cycle ([`VcdActivity::settled`])
    pub sample_settled: bool,
}

/// Toggles and time at 1 of one VCD bit over the measurement window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BitActivity {
    pub toggles: u64,
    pub high_ps: u64,
}

/// Per-bit activity of every signal declared directly in one VCD scope.
#[derive(Debug, Clone, Default)]
pub struct VcdActivity {
    pub window_ps: u64,
    /// bit name (`a[3]`, `_012_`, `u_p0.s[1]`; escape backslashes removed) -> activity
    pub bits: HashMap<String, BitActivity>,
    /// every bit's value just before each sample time, if samples were asked for
    pub settled: Option<Settled>,
}

/// Values of every bit of a scope at sample times: `rows[i][j]` is bit `names[j]` just before
/// sample time `i` (after every event of earlier time steps), as `b'0'`, `b'1'` or `b'x'`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settled {
    pub names: Vec<String>,
    pub rows: Vec<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct SimResult {
    pub cycles: usize,
    pub measured_cycles: usize,
    pub output_ports: Vec<PortSpec>,
    /// per cycle, per output port: the value after that cycle's rising edge, `None` if any
    /// bit was x or z
    pub outputs: Vec<Vec<Option<Bits>>>,
    pub activity: VcdActivity,
    pub iverilog_version: String,
}

const TB_MODULE: &str = "hwcost_tb";

fn vlog_ident(name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if simple {
        name.to_string()
    } else {
        format!("\\{name} ")
    }
}

/// The testbench: stimulus row `i` is applied at `i * period`, the clock rises half a period
/// later, and outputs are written at the end of the cycle, just before the next row.
pub fn testbench(
    netlist: &Netlist,
    clock: &str,
    period_ps: u64,
    stimulus: &Stimulus,
) -> Result<String, SimError> {
    let half = period_ps / 2;
    let n = stimulus.cycles();
    let total = stimulus.total_width();
    let mut conns = Vec::new();
    let mut outputs = Vec::new();
    let mut decls = String::new();
    let mut offsets = HashMap::new();
    let mut pos = total;
    for p in stimulus.ports() {
        pos -= p.width;
        offsets.insert(p.name.as_str(), pos);
    }
    let mut seen_clock = false;
    for p in &netlist.ports {
        let id = vlog_ident(&p.name);
        match p.direction {
            PortDirection::Input if p.name == clock => {
                if p.width != 1 {
                    return Err(SimError::Stimulus(format!(
                        "clock `{clock}` is {} bits wide",
                        p.width
                    )));
                }
                seen_clock = true;
                conns.push(format!(".{id}(clk)"));
            }
            PortDirection::Input => {
                let sp = stimulus
                    .ports()
                    .iter()
                    .find(|s| s.name == p.name)
                    .ok_or_else(|| {
                        SimError::Stimulus(format!("input port `{}` has no stimulus", p.name))
                    })?;
                if sp.width != p.width {
                    return Err(SimError::Stimulus(format!(
                        "stimulus gives `{}` {} bits, the netlist has {}",
                        p.name, sp.width, p.width
                    )));
                }
                let lo = offsets[p.name.as_str()];
                conns.push(format!(".{id}(cur[{}:{}])", lo + p.width - 1, lo));
            }
            PortDirection::Output => {
                let w = format!("out_{}", outputs.len());
                decls += &format!("  wire [{}:0] {w};\n", p.width - 1);
                conns.push(format!(".{id}({w})"));
                outputs.push(w);
            }
            PortDirection::Inout => {
                return Err(SimError::Stimulus(format!(
                    "inout port `{}` is not supported",
                    p.name
                )));
            }
        }
    }
    if !seen_clock {
        return Err(SimError::Stimulus(format!(
            "the netlist has no input port `{clock}` to clock"
        )));
    }
    for s in stimulus.ports() {
        if netlist.port(&s.name).is_none() {
            return Err(SimError::Stimulus(format!(
                "stimulus port `{}` is not a port of `{}`",
                s.name, netlist.module
            )));
        }
    }
    let mut tb = String::from("`timescale 1ps/1ps\n// generated by hwcost (src/synth/sim.rs)\n");
    tb += &format!("module {TB_MODULE};\n  reg clk = 1'b0;\n");
    if total > 0 {
        tb += &format!(
            "  reg [{}:0] stim [0:{}];\n  reg [{}:0] cur;\n",
            total - 1,
            n.max(1) - 1,
            total - 1
        );
    }
    tb += &decls;
    tb += "  integer i, fd;\n";
    tb += &format!(
        "  {} dut (\n    {}\n  );\n",
        vlog_ident(&netlist.module),
        conns.join(",\n    ")
    );
    tb += "  initial begin\n";
    if total > 0 {
        tb += "    $readmemh(\"stim.hex\", stim);\n";
    }
    tb += "    fd = $fopen(\"outputs.hex\", \"w\");\n";
    tb += "    $dumpfile(\"activity.vcd\");\n";
    // depth 1: every net of the flat netlist; cell-pin activity follows from connectivity
    tb += "    $dumpvars(1, dut);\n";
    tb += &format!("    for (i = 0; i < {n}; i = i + 1) begin\n");
    if total > 0 {
        tb += "      cur = stim[i];\n";
    }
    tb += &format!("      #{half} clk = 1'b1;\n      #{half} clk = 1'b0;\n");
    let fmt = vec!["%h"; outputs.len()].join(" ");
    if outputs.is_empty() {
        tb += "      $fdisplay(fd, \"-\");\n";
    } else {
        tb += &format!("      $fdisplay(fd, \"{fmt}\", {});\n", outputs.join(", "));
    }
    tb += "    end\n    $fclose(fd);\n    $finish;\n  end\nendmodule\n";
    Ok(tb)
}

/// Simulates the netlist in `work_dir` and returns its outputs and activity.
pub fn simulate(
    req: &SimRequest,
    tools: &Toolchain,
    work_dir: &Path,
) -> Result<SimResult, SimError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SimError::Io { path, source }
    };
    if req.period_ps < 2 || !req.period_ps.is_multiple_of(2) {
        return Err(SimError::Stimulus(format!(
            "clock period {} ps must be even and at least 2",
            req.period_ps
        )));
    }
    let n = req.stimulus.cycles();
    if n == 0 || req.measure_from_cycle >= n {
        return Err(SimError::Stimulus(format!(
            "{n} cycles of stimulus leave nothing to measure from cycle {}",
            req.measure_from_cycle
        )));
    }
    let tb = testbench(req.netlist, req.clock, req.period_ps, req.stimulus)?;
    let tb_path = work_dir.join("tb.v");
    std::fs::write(&tb_path, tb).map_err(io(&tb_path))?;
    let stim_path = work_dir.join("stim.hex");
    std::fs::write(&stim_path, req.stimulus.readmemh_text()).map_err(io(&stim_path))?;
    let net_abs = std::fs::canonicalize(req.netlist_path).map_err(io(req.netlist_path))?;
    let models_abs = match req.delay {
        Delay::Zero => std::fs::canonicalize(req.cell_models).map_err(io(req.cell_models))?,
        Delay::Unit => {
            let text = std::fs::read_to_string(req.cell_models).map_err(io(req.cell_models))?;
            let cells = req
                .netlist
                .cells
                .iter()
                .map(|c| c.cell_type.clone())
                .collect();
            let wrapped = unit_delay_models(&text, &cells).map_err(SimError::Stimulus)?;
            let path = work_dir.join("cells_unit_delay.v");
            std::fs::write(&path, wrapped).map_err(io(&path))?;
            std::fs::canonicalize(&path).map_err(io(&path))?
        }
    };
    let version = tools.version(Tool::Iverilog)?;
    tools.run(
        Tool::Iverilog,
        [
            "-g2005".as_ref(),
            "-s".as_ref(),
            TB_MODULE.as_ref(),
            "-o".as_ref(),
            "sim.vvp".as_ref(),
            "tb.v".as_ref(),
            net_abs.as_os_str(),
            models_abs.as_os_str(),
        ],
        work_dir,
        &work_dir.join("iverilog.log"),
        &|l| l.contains("error"),
        false,
    )?;
    tools.run(
        Tool::Vvp,
        ["-n", "sim.vvp"],
        work_dir,
        &work_dir.join("vvp.log"),
        &|l| l.starts_with("ERROR"),
        true,
    )?;

    let output_ports: Vec<PortSpec> = req
        .netlist
        .ports
        .iter()
        .filter(|p| p.direction == PortDirection::Output)
        .cloned()
        .collect();
    let out_path = work_dir.join("outputs.hex");
    let text = std::fs::read_to_string(&out_path).map_err(io(&out_path))?;
    let outputs = parse_outputs(&text, &output_ports)?;
    if outputs.len() != n {
        return Err(SimError::Output(format!(
            "{} output lines for {n} cycles",
            outputs.len()
        )));
    }
    let vcd_path = work_dir.join("activity.vcd");
    let file = std::fs::File::open(&vcd_path).map_err(io(&vcd_path))?;
    let start = req.measure_from_cycle as u64 * req.period_ps;
    let end = n as u64 * req.period_ps;
    // settled values: just before each next stimulus row, i.e. at the end of each cycle
    let samples: Vec<u64> = if req.sample_settled {
        (1..=n as u64).map(|i| i * req.period_ps).collect()
    } else {
        Vec::new()
    };
    let activity = parse_vcd_sampled(
        std::io::BufReader::with_capacity(1 << 20, file),
        &[TB_MODULE, "dut"],
        start,
        end,
        &samples,
    )?;
    Ok(SimResult {
        cycles: n,
        measured_cycles: n - req.measure_from_cycle,
        output_ports,
        outputs,
        activity,
        iverilog_version: version,
    })
}

fn parse_outputs(text: &str, ports: &[PortSpec]) -> Result<Vec<Vec<Option<Bits>>>, SimError> {
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if ports.is_empty() {
            rows.push(Vec::new());
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != ports.len() {
            return Err(SimError::Output(format!(
                "line {line:?} has {} fields for {} outputs",
                fields.len(),
                ports.len()
            )));
        }
        let row = fields
            .iter()
            .zip(ports)
            .map(|(f, p)| {
                if f.chars().any(|c| matches!(c, 'x' | 'X' | 'z' | 'Z')) {
                    Ok(None)
                } else {
                    Bits::from_hex(p.width, f).map(Some)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(row);
    }
    Ok(rows)
}

/// Value of one VCD bit: 0, 1, or unknown (x/z).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Low,
    High,
    Unknown,
}

impl From<vcd::Value> for Level {
    fn from(v: vcd::Value) -> Level {
        match v {
            vcd::Value::V0 => Level::Low,
            vcd::Value::V1 => Level::High,
            _ => Level::Unknown,
        }
    }
}

struct Slot {
    level: Level,
    since: u64,
    pending: Level,
    touched: bool,
    act: BitActivity,
}

/// Reads a VCD and counts, for every bit declared directly in `scope`, its 0<->1 toggles and
/// its time at 1 within `[start_ps, end_ps)`. Several changes of one bit at the same time step
/// count as the net change only (zero-delay delta cycles are not transitions).
pub fn parse_vcd<R: BufRead>(
    reader: R,
    scope: &[&str],
    start_ps: u64,
    end_ps: u64,
) -> Result<VcdActivity, SimError> {
    parse_vcd_sampled(reader, scope, start_ps, end_ps, &[])
}

/// [`parse_vcd`], and with `samples` (ascending, ps) not empty also every bit's value just
/// before each sample time ([`VcdActivity::settled`]).
pub fn parse_vcd_sampled<R: BufRead>(
    reader: R,
    scope: &[&str],
    start_ps: u64,
    end_ps: u64,
    samples: &[u64],
) -> Result<VcdActivity, SimError> {
    let verr = |e: std::io::Error| SimError::Vcd(e.to_string());
    let mut parser = vcd::Parser::new(reader);
    let header = parser.parse_header().map_err(verr)?;
    let (ts, unit) = header
        .timescale
        .ok_or_else(|| SimError::Vcd("no $timescale".into()))?;
    // VCD time units -> ps (sub-ps timescales are not produced by the generated testbench)
    let per_unit_fs = ts as u64 * (1_000_000_000_000_000 / unit.divisor());
    if !per_unit_fs.is_multiple_of(1000) {
        return Err(SimError::Vcd(format!(
            "timescale {ts} {unit:?} is finer than 1 ps"
        )));
    }
    let ps_per_unit = per_unit_fs / 1000;
    let sc = header
        .find_scope(scope)
        .ok_or_else(|| SimError::Vcd(format!("no scope {}", scope.join("."))))?;

    let mut names: Vec<String> = Vec::new();
    let mut by_code: HashMap<vcd::IdCode, Vec<(usize, usize)>> = HashMap::new();
    for item in &sc.children {
        let vcd::ScopeItem::Var(v) = item else {
            continue;
        };
        let base = v
            .reference
            .strip_prefix('\\')
            .unwrap_or(&v.reference)
            .to_string();
        let width = v.size as usize;
        let first = names.len();
        for i in 0..width {
            names.push(match v.index {
                None if width == 1 => base.clone(),
                None => format!("{base}[{i}]"),
                Some(vcd::ReferenceIndex::BitSelect(k)) => format!("{base}[{k}]"),
                Some(vcd::ReferenceIndex::Range(msb, lsb)) => {
                    let idx = if msb >= lsb {
                        lsb as usize + i
                    } else {
                        lsb as usize - i
                    };
                    format!("{base}[{idx}]")
                }
            });
        }
        by_code.entry(v.code).or_default().push((first, width));
    }
    let mut slots: Vec<Slot> = (0..names.len())
        .map(|_| Slot {
            level: Level::Unknown,
            since: 0,
            pending: Level::Unknown,
            touched: false,
            act: BitActivity::default(),
        })
        .collect();
    let mut touched: Vec<usize> = Vec::new();
    let overlap = |a: u64, b: u64| b.min(end_ps).saturating_sub(a.max(start_ps));
    let commit = |slots: &mut Vec<Slot>, touched: &mut Vec<usize>, now: u64| {
        for &k in touched.iter() {
            let s = &mut slots[k];
            s.touched = false;
            if s.pending == s.level {
                continue;
            }
            if s.level != Level::Unknown
                && s.pending != Level::Unknown
                && now >= start_ps
                && now < end_ps
            {
                s.act.toggles += 1;
            }
            if s.level == Level::High {
                s.act.high_ps += overlap(s.since, now);
            }
            s.level = s.pending;
            s.since = now;
        }
        touched.clear();
    };
    let set = |slots: &mut Vec<Slot>, touched: &mut Vec<usize>, k: usize, level: Level| {
        let s = &mut slots[k];
        s.pending = level;
        if !s.touched {
            s.touched = true;
            touched.push(k);
        }
    };
    let mut rows: Vec<Vec<u8>> = Vec::with_capacity(samples.len());
    let snapshot = |slots: &[Slot]| -> Vec<u8> {
        slots
            .iter()
            .map(|s| match s.level {
                Level::Low => b'0',
                Level::High => b'1',
                Level::Unknown => b'x',
            })
            .collect()
    };
    let mut now: u64 = 0;
    for cmd in parser {
        match cmd.map_err(verr)? {
            vcd::Command::Timestamp(t) => {
                commit(&mut slots, &mut touched, now);
                now = t * ps_per_unit;
                while rows.len() < samples.len() && samples[rows.len()] <= now {
                    rows.push(snapshot(&slots));
                }
            }
            vcd::Command::ChangeScalar(code, v) => {
                if let Some(vars) = by_code.get(&code) {
                    for &(first, _) in vars {
                        set(&mut slots, &mut touched, first, v.into());
                    }
                }
            }
            vcd::Command::ChangeVector(code, v) => {
                if let Some(vars) = by_code.get(&code) {
                    for &(first, width) in vars {
                        // VCD drops leading digits: extend with 0, or with x/z if that leads
                        let fill = match v.first() {
                            Some(vcd::Value::X) => Level::Unknown,
                            Some(vcd::Value::Z) => Level::Unknown,
                            _ => Level::Low,
                        };
                        for i in 0..width {
                            // bit i (LSB-relative) is the i-th value from the right
                            let level = if i < v.len() {
                                v[v.len() - 1 - i].into()
                            } else {
                                fill
                            };
                            set(&mut slots, &mut touched, first + i, level);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // samples at or before the last time step see the levels before its events
    while rows.len() < samples.len() && samples[rows.len()] <= now {
        rows.push(snapshot(&slots));
    }
    commit(&mut slots, &mut touched, now);
    while rows.len() < samples.len() {
        rows.push(snapshot(&slots));
    }
    let settled = (!samples.is_empty()).then(|| Settled {
        names: names.clone(),
        rows,
    });
    for s in &mut slots {
        if s.level == Level::High {
            s.act.high_ps += overlap(s.since, end_ps.max(now));
        }
    }
    let bits = names
        .into_iter()
        .zip(slots)
        .map(|(n, s)| (n, s.act))
        .collect();
    Ok(VcdActivity {
        window_ps: end_ps - start_ps,
        bits,
        settled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_hex_round_trip_and_width_checks() {
        let b = Bits::from_hex(72, "ab_0123456789abcdef").unwrap();
        assert_eq!(b.words(), &[0x0123456789abcdef, 0xab]);
        assert_eq!(b.to_hex(), "ab0123456789abcdef");
        assert!(Bits::from_hex(7, "80").is_err());
        assert!(Bits::from_u64(8, 256).is_err());
        assert_eq!(Bits::from_u64(8, 255).unwrap().to_hex(), "ff");
        assert_eq!(Bits::from_u64(5, 3).unwrap().to_hex(), "03");
        assert!(b.bit(64) && b.bit(0) && !b.bit(4) && !b.bit(66));
        assert_eq!(
            Bits::from_words(64, vec![u64::MAX]).unwrap().to_u64(),
            Some(u64::MAX)
        );
    }

    #[test]
    fn stimulus_concatenates_first_port_high() {
        let mut s = Stimulus::new(vec![
            PortSpec::new("a", 4, PortDirection::Input),
            PortSpec::new("b", 8, PortDirection::Input),
        ])
        .unwrap();
        s.push_cycle(vec![
            Bits::from_u64(4, 0x3).unwrap(),
            Bits::from_u64(8, 0xc5).unwrap(),
        ])
        .unwrap();
        assert_eq!(s.readmemh_text(), "3c5\n");
        assert!(s.push_cycle(vec![Bits::from_u64(4, 1).unwrap()]).is_err());
        assert!(s
            .push_cycle(vec![
                Bits::from_u64(5, 1).unwrap(),
                Bits::from_u64(8, 1).unwrap()
            ])
            .is_err());
        assert!(Stimulus::new(vec![PortSpec::new("y", 1, PortDirection::Output)]).is_err());
    }

    const VCD: &str = "$timescale 1ps $end
$scope module tb $end
$scope module dut $end
$var wire 1 ! clk $end
$var wire 3 \" \\u_x.v [2:0] $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0!
bx \"
$end
#5
1!
b101 \"
#10
0!
b11 \"
b110 \"
#15
1!
#20
0!
";

    #[test]
    fn vcd_toggles_duty_and_same_time_collapse() {
        let a = parse_vcd(VCD.as_bytes(), &["tb", "dut"], 0, 20).unwrap();
        assert_eq!(a.window_ps, 20);
        // the fall at t=20 is the first event of the next window
        assert_eq!(
            a.bits["clk"],
            BitActivity {
                toggles: 3,
                high_ps: 10
            }
        );
        // x -> 101 is no toggle; 101 -> 110 at t=10 (the 011 in between is the same step)
        assert_eq!(
            a.bits["u_x.v[0]"],
            BitActivity {
                toggles: 1,
                high_ps: 5
            }
        );
        assert_eq!(
            a.bits["u_x.v[1]"],
            BitActivity {
                toggles: 1,
                high_ps: 10
            }
        );
        assert_eq!(
            a.bits["u_x.v[2]"],
            BitActivity {
                toggles: 0,
                high_ps: 15
            }
        );
        // a window that starts later ignores earlier toggles
        let late = parse_vcd(VCD.as_bytes(), &["tb", "dut"], 12, 20).unwrap();
        assert_eq!(
            late.bits["clk"],
            BitActivity {
                toggles: 1,
                high_ps: 5
            }
        );
        assert!(parse_vcd(VCD.as_bytes(), &["tb", "nope"], 0, 20).is_err());
    }

    #[test]
    fn vcd_samples_see_the_levels_before_each_sample_time() {
        let a =
            parse_vcd_sampled(VCD.as_bytes(), &["tb", "dut"], 0, 20, &[5, 10, 12, 20, 30]).unwrap();
        let s = a.settled.unwrap();
        assert_eq!(s.names, vec!["clk", "u_x.v[0]", "u_x.v[1]", "u_x.v[2]"]);
        let rows: Vec<&str> = s
            .rows
            .iter()
            .map(|r| std::str::from_utf8(r).unwrap())
            .collect();
        // clk, then v[0..2]: before t=5 v is x; before t=10 it is 101; then 110
        assert_eq!(rows, vec!["0xxx", "1101", "0011", "1011", "0011"]);
        assert!(parse_vcd(VCD.as_bytes(), &["tb", "dut"], 0, 20)
            .unwrap()
            .settled
            .is_none());
    }
}
