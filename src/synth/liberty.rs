//! Liberty cell library: the subset of a `.lib` file the synthesized cost model needs
//! (areas, pins, capacitances, internal-power and output-transition tables, leakage, units).
//!
//! Parsing goes through the `liberty-parser` crate; this module turns its generic group tree
//! into typed cells once, so later lookups are plain field reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use liberty_parser::ast::{GroupItem, LibertyAst};
use liberty_parser::Value;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum LibertyError {
    #[error("cannot read liberty file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("liberty syntax error: {0}")]
    Syntax(String),
    #[error("liberty file has no `library` group")]
    NoLibrary,
    #[error("liberty {context}: {message}")]
    Invalid { context: String, message: String },
    #[error("cell `{0}` is not in the liberty library")]
    UnknownCell(String),
    #[error("cannot parse liberty function {text:?}: {message}")]
    Function { text: String, message: String },
    #[error("the liberty library `{library}` has no {what}")]
    Missing { library: String, what: String },
}

fn invalid(context: impl Into<String>, message: impl Into<String>) -> LibertyError {
    LibertyError::Invalid {
        context: context.into(),
        message: message.into(),
    }
}

/// Library units, as SI multipliers of the numbers stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Units {
    /// seconds per `time_unit` (1e-9 for "1ns")
    pub time_s: f64,
    /// farads per `capacitive_load_unit` (1e-12 for `(1.0, "pf")`)
    pub capacitance_f: f64,
    /// volts per `voltage_unit`
    pub voltage_v: f64,
    /// watts per `leakage_power_unit`
    pub leakage_power_w: f64,
}

impl Units {
    /// Joules per internal-power table entry. Liberty tables store energy per transition in
    /// capacitance unit x voltage unit squared (pF x V^2 = pJ for sky130).
    pub fn internal_energy_j(&self) -> f64 {
        self.capacitance_f * self.voltage_v * self.voltage_v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    Input,
    Output,
    Inout,
    Internal,
}

/// How an output transition follows the related input (Liberty `timing_sense`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimingSense {
    PositiveUnate,
    NegativeUnate,
    NonUnate,
}

/// Liberty `timing_type`, reduced to what slew propagation distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ArcKind {
    Combinational,
    RisingEdge,
    FallingEdge,
    /// preset, clear, three-state enable/disable: asynchronous arcs that still drive the output
    Asynchronous,
    /// setup, hold, recovery, removal, min pulse width: checks, never drive a transition
    Constraint,
}

/// A lookup table normalised to the two axes the cost model uses: input slew (time unit)
/// and output load (capacitance unit). An axis with no index is absent (1-D or scalar table).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub slew_index: Vec<f64>,
    pub load_index: Vec<f64>,
    /// row-major: `values[i * load_index.len().max(1) + j]` is at `slew_index[i]`, `load_index[j]`
    pub values: Vec<f64>,
}

impl Table {
    /// Bilinear interpolation, linear extrapolation outside the index range (as OpenSTA does).
    pub fn lookup(&self, slew: f64, load: f64) -> f64 {
        let cols = self.load_index.len().max(1);
        let (i0, i1, ti) = bracket(&self.slew_index, slew);
        let (j0, j1, tj) = bracket(&self.load_index, load);
        let at = |i: usize, j: usize| self.values[i * cols + j];
        let row0 = at(i0, j0) + (at(i0, j1) - at(i0, j0)) * tj;
        let row1 = at(i1, j0) + (at(i1, j1) - at(i1, j0)) * tj;
        row0 + (row1 - row0) * ti
    }
}

/// The two index positions around `x` and the interpolation weight of the second one.
/// Outside the index the outermost pair is used, so the weight leaves [0, 1] (extrapolation).
fn bracket(index: &[f64], x: f64) -> (usize, usize, f64) {
    if index.len() < 2 {
        return (0, 0, 0.0);
    }
    let hi = index.partition_point(|&v| v < x).clamp(1, index.len() - 1);
    let lo = hi - 1;
    let span = index[hi] - index[lo];
    let t = if span == 0.0 {
        0.0
    } else {
        (x - index[lo]) / span
    };
    (lo, hi, t)
}

/// One `internal_power` group: energy per transition (library energy unit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InternalPower {
    pub related_pin: Option<String>,
    pub when: Option<BoolExpr>,
    pub rise: Option<Table>,
    pub fall: Option<Table>,
}

impl InternalPower {
    /// OpenSTA 3.x energy of one transition: the mean of the rise and fall tables, each read at
    /// the slew of its own input edge.
    pub fn mean_energy(&self, slew_rise: f64, slew_fall: f64, load: f64) -> f64 {
        let mut sum = 0.0;
        let mut n = 0.0;
        if let Some(t) = &self.rise {
            sum += t.lookup(slew_rise, load);
            n += 1.0;
        }
        if let Some(t) = &self.fall {
            sum += t.lookup(slew_fall, load);
            n += 1.0;
        }
        if n == 0.0 {
            0.0
        } else {
            sum / n
        }
    }
}

/// One `timing` group of an output pin, reduced to the output-transition tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingArc {
    pub related_pin: String,
    pub sense: TimingSense,
    pub kind: ArcKind,
    pub rise_transition: Option<Table>,
    pub fall_transition: Option<Table>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pin {
    pub name: String,
    pub direction: Direction,
    /// `capacitance` (falls back to the mean of rise/fall capacitance), capacitance unit
    pub capacitance: f64,
    pub rise_capacitance: f64,
    pub fall_capacitance: f64,
    pub is_clock: bool,
    pub function: Option<BoolExpr>,
    pub internal_power: Vec<InternalPower>,
    pub timing: Vec<TimingArc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub name: String,
    /// um^2 for sky130 (Liberty has no area unit; the PDK uses square microns)
    pub area: f64,
    /// `cell_leakage_power`, leakage power unit
    pub leakage: f64,
    pub dont_use: bool,
    /// has an `ff` or `latch` group
    pub sequential: bool,
    /// the `ff` group, if the cell has one
    pub ff: Option<FlipFlop>,
    pub pins: Vec<Pin>,
}

/// The `ff` group of a flip-flop cell: its Boolean attributes as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlipFlop {
    pub clocked_on: String,
    pub next_state: String,
    pub clear: Option<String>,
    pub preset: Option<String>,
}

/// The constant-driver cells `hilomap` ties constants to: cell and output pin of each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TieCells {
    pub hi_cell: String,
    pub hi_pin: String,
    pub lo_cell: String,
    pub lo_pin: String,
}

impl Cell {
    pub fn pin(&self, name: &str) -> Option<&Pin> {
        self.pins.iter().find(|p| p.name == name)
    }

    pub fn pin_index(&self, name: &str) -> Option<usize> {
        self.pins.iter().position(|p| p.name == name)
    }

    pub fn inputs(&self) -> impl Iterator<Item = &Pin> {
        self.pins.iter().filter(|p| p.direction == Direction::Input)
    }

    pub fn outputs(&self) -> impl Iterator<Item = &Pin> {
        self.pins
            .iter()
            .filter(|p| p.direction == Direction::Output)
    }
}

/// A parsed Liberty library.
#[derive(Debug, Clone)]
pub struct Library {
    pub name: String,
    pub units: Units,
    /// `nom_voltage` in volts (the supply used for switching energy)
    pub nom_voltage_v: f64,
    /// where it was loaded from, if it came from a file
    pub path: Option<PathBuf>,
    /// sha256 of the file bytes (hex), used in synthesis cache keys
    pub sha256: String,
    cells: BTreeMap<String, Cell>,
}

/// Library-independent roles of the cells an analytic gate model is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum BasicCell {
    FullAdder,
    HalfAdder,
    Xor2,
    And2,
    Or2,
    Mux2,
    Nand2,
    Inv,
    Dff,
    Tie,
}

impl BasicCell {
    pub const ALL: [BasicCell; 10] = [
        BasicCell::FullAdder,
        BasicCell::HalfAdder,
        BasicCell::Xor2,
        BasicCell::And2,
        BasicCell::Or2,
        BasicCell::Mux2,
        BasicCell::Nand2,
        BasicCell::Inv,
        BasicCell::Dff,
        BasicCell::Tie,
    ];

    /// The sky130 family name of the role's cell (`<prefix>__<base>_1` is its unit drive).
    pub fn base_name(self) -> &'static str {
        match self {
            BasicCell::FullAdder => "fa",
            BasicCell::HalfAdder => "ha",
            BasicCell::Xor2 => "xor2",
            BasicCell::And2 => "and2",
            BasicCell::Or2 => "or2",
            BasicCell::Mux2 => "mux2",
            BasicCell::Nand2 => "nand2",
            BasicCell::Inv => "inv",
            BasicCell::Dff => "dfxtp",
            BasicCell::Tie => "conb",
        }
    }
}

/// Area and pin loads of one basic cell, for models that derive per-cell factors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellSummary {
    pub role: BasicCell,
    pub cell: String,
    pub area_um2: f64,
    /// mean input-pin capacitance, fF
    pub mean_input_cap_ff: f64,
    pub inputs: usize,
    pub outputs: usize,
    pub leakage_nw: f64,
}

impl Library {
    /// Reads and parses a Liberty file.
    pub fn load(path: &Path) -> Result<Library, LibertyError> {
        let bytes = std::fs::read(path).map_err(|source| LibertyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| invalid(path.display().to_string(), format!("not UTF-8: {e}")))?;
        let mut lib = Library::parse(&text)?;
        lib.path = Some(path.to_path_buf());
        Ok(lib)
    }

    /// Parses Liberty text (the first `library` group).
    pub fn parse(text: &str) -> Result<Library, LibertyError> {
        let sha256 = hex(&Sha256::digest(text.as_bytes()));
        let text = quote_bare_arguments(text);
        let parsed = LibertyAst::from_string(&text).map_err(|e| {
            // nom's verbose error quotes the rest of the input; keep the first lines only
            let msg = e.to_string();
            LibertyError::Syntax(msg.lines().take(6).collect::<Vec<_>>().join("\n"))
        })?;
        let lib_group = parsed
            .0
            .iter()
            .filter_map(Group::of)
            .find(|g| g.type_ == "library")
            .ok_or(LibertyError::NoLibrary)?;
        build_library(lib_group, sha256)
    }

    pub fn cell(&self, name: &str) -> Option<&Cell> {
        self.cells.get(name)
    }

    pub fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.cells.values()
    }

    /// Area of a cell by name, um^2.
    pub fn cell_area(&self, name: &str) -> Result<f64, LibertyError> {
        self.cell(name)
            .map(|c| c.area)
            .ok_or_else(|| LibertyError::UnknownCell(name.to_string()))
    }

    /// The unit-drive cell of a basic role: the cell named `<base>_1` or `<prefix>__<base>_1`
    /// (sky130's names), else the smallest usable cell with the role's function
    /// ([`Library::cell_by_function`]).
    pub fn basic_cell(&self, role: BasicCell) -> Result<&Cell, LibertyError> {
        let want = format!("{}_1", role.base_name());
        let suffix = format!("__{want}");
        if let Some(c) = self
            .cells
            .values()
            .find(|c| c.name == want || c.name.ends_with(&suffix))
        {
            return Ok(c);
        }
        self.cell_by_function(role)
    }

    fn missing(&self, what: impl Into<String>) -> LibertyError {
        LibertyError::Missing {
            library: self.name.clone(),
            what: what.into(),
        }
    }

    /// The smallest usable (not `dont_use`) cell computing a basic role, found from the pins'
    /// `function`s and `ff` groups alone, whatever the cells are called.
    pub fn cell_by_function(&self, role: BasicCell) -> Result<&Cell, LibertyError> {
        let by_name = |name: String| self.cell(&name).ok_or(LibertyError::UnknownCell(name));
        let single: (usize, fn(&[bool]) -> bool, &str) = match role {
            BasicCell::FullAdder | BasicCell::HalfAdder => {
                let kind = if role == BasicCell::FullAdder {
                    AdderKind::Full
                } else {
                    AdderKind::Half
                };
                let c = self.adder_cell(kind).ok_or_else(|| {
                    self.missing(format!(
                        "{} cell (two outputs: the sum and the carry of its inputs)",
                        if kind == AdderKind::Full {
                            "full-adder"
                        } else {
                            "half-adder"
                        }
                    ))
                })?;
                return by_name(c.cell);
            }
            BasicCell::Dff => return self.flip_flop(),
            BasicCell::Tie => return by_name(self.tie_cells()?.hi_cell),
            BasicCell::Xor2 => (2, |x| x[0] ^ x[1], "2-input XOR"),
            BasicCell::And2 => (2, |x| x[0] & x[1], "2-input AND"),
            BasicCell::Or2 => (2, |x| x[0] | x[1], "2-input OR"),
            BasicCell::Nand2 => (2, |x| !(x[0] & x[1]), "2-input NAND"),
            BasicCell::Inv => (1, |x| !x[0], "inverter"),
            BasicCell::Mux2 => (3, |x| if x[2] { x[1] } else { x[0] }, "2-to-1 multiplexer"),
        };
        let (n, want, what) = single;
        self.cells
            .values()
            .filter(|c| !c.dont_use && !c.sequential && c.pins.len() == n + 1)
            .filter(|c| c.inputs().count() == n && c.outputs().count() == 1)
            .filter(|c| {
                let ins: Vec<&str> = c.inputs().map(|p| p.name.as_str()).collect();
                let Some(f) = c.outputs().next().and_then(|o| o.function.as_ref()) else {
                    return false;
                };
                // some order of the cell's inputs computes the role's function
                permutations(n).iter().any(|perm| {
                    (0u32..1 << n).all(|bits| {
                        let x: Vec<bool> = (0..n).map(|k| bits >> k & 1 == 1).collect();
                        let value =
                            |name: &str| ins.iter().position(|p| *p == name).map(|k| x[perm[k]]);
                        f.eval(&value) == Some(want(&x))
                    })
                })
            })
            .min_by(|a, b| a.area.total_cmp(&b.area))
            .ok_or_else(|| self.missing(format!("{what} cell")))
    }

    /// The smallest usable edge-triggered flip-flop: an `ff` group clocked on one input pin
    /// (rising edge) whose next state is one input pin. Cells without clear and preset are
    /// preferred; a library whose flops all have one (IHP SG13G2) gives its smallest such flop,
    /// which synthesis uses with the clear or preset held inactive.
    pub fn flip_flop(&self) -> Result<&Cell, LibertyError> {
        let plain_input = |c: &Cell, name: &str| {
            c.pin(name.trim())
                .is_some_and(|p| p.direction == Direction::Input)
        };
        let usable = |c: &&Cell| {
            !c.dont_use
                && c.ff.as_ref().is_some_and(|ff| {
                    plain_input(c, &ff.clocked_on) && plain_input(c, &ff.next_state)
                })
        };
        let smallest = |plain: bool| {
            self.cells
                .values()
                .filter(usable)
                .filter(|c| {
                    !plain
                        || c.ff
                            .as_ref()
                            .is_some_and(|f| f.clear.is_none() && f.preset.is_none())
                })
                .min_by(|a, b| a.area.total_cmp(&b.area))
        };
        smallest(true).or_else(|| smallest(false)).ok_or_else(|| {
            self.missing(
                "flip-flop cell (an `ff` group with `clocked_on` and `next_state` each one input \
                 pin), which every register of the generated units is mapped onto",
            )
        })
    }

    /// The smallest usable cells driving a constant 1 and a constant 0 (an output pin with
    /// `function : "1"` or `"0"` and no input pins), one cell or two.
    pub fn tie_cells(&self) -> Result<TieCells, LibertyError> {
        let find = |value: bool| {
            self.cells
                .values()
                .filter(|c| !c.dont_use && !c.sequential && c.inputs().count() == 0)
                .filter_map(|c| {
                    c.outputs()
                        .find(|o| o.function == Some(BoolExpr::Const(value)))
                        .map(|o| (c, o.name.clone()))
                })
                .min_by(|a, b| a.0.area.total_cmp(&b.0.area).then(a.0.name.cmp(&b.0.name)))
        };
        match (find(true), find(false)) {
            (Some((hi, hi_pin)), Some((lo, lo_pin))) => Ok(TieCells {
                hi_cell: hi.name.clone(),
                hi_pin,
                lo_cell: lo.name.clone(),
                lo_pin,
            }),
            (hi, _) => Err(self.missing(format!(
                "tie cell driving a constant {} (an output pin with function \"{}\" and no \
                 inputs), which synthesis needs for constant nets",
                if hi.is_none() { 1 } else { 0 },
                if hi.is_none() { 1 } else { 0 },
            ))),
        }
    }

    /// Area and pin loads of every basic role's unit-drive cell.
    pub fn basic_cells(&self) -> Result<Vec<CellSummary>, LibertyError> {
        let cap_ff = self.units.capacitance_f / 1e-15;
        let leak_nw = self.units.leakage_power_w / 1e-9;
        BasicCell::ALL
            .iter()
            .map(|&role| {
                let c = self.basic_cell(role)?;
                let inputs: Vec<&Pin> = c.inputs().collect();
                let mean_cap = if inputs.is_empty() {
                    0.0
                } else {
                    inputs.iter().map(|p| p.capacitance).sum::<f64>() / inputs.len() as f64
                };
                Ok(CellSummary {
                    role,
                    cell: c.name.clone(),
                    area_um2: c.area,
                    mean_input_cap_ff: mean_cap * cap_ff,
                    inputs: inputs.len(),
                    outputs: c.outputs().count(),
                    leakage_nw: c.leakage * leak_nw,
                })
            })
            .collect()
    }
}

/// The two multi-output adder cells synthesis maps generated `__fa`/`__ha` modules onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum AdderKind {
    /// inputs a, b, ci; s = a ^ b ^ ci, co = majority(a, b, ci)
    Full,
    /// inputs a, b; s = a ^ b, co = a & b
    Half,
}

impl AdderKind {
    /// The generic module's input port names, in order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            AdderKind::Full => &["a", "b", "ci"],
            AdderKind::Half => &["a", "b"],
        }
    }

    fn sum(self, x: &[bool]) -> bool {
        x.iter().fold(false, |s, b| s ^ b)
    }

    /// majority of three, or AND of two: at least two inputs high
    fn carry(self, x: &[bool]) -> bool {
        x.iter().filter(|b| **b).count() >= 2
    }
}

/// A library cell that computes a full or half adder, and which of its pins plays which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdderCell {
    pub kind: AdderKind,
    pub cell: String,
    /// cell input pins, in the order of [`AdderKind::inputs`]
    pub inputs: Vec<String>,
    /// output pin computing the sum
    pub sum: String,
    /// output pin computing the carry
    pub carry: String,
}

impl Library {
    /// The smallest usable cell (not `dont_use`, combinational) whose output functions are an
    /// adder's sum and carry, found by evaluating the pins' `function`s over every input
    /// combination. Ties go to the first name. `None` when the library has no such cell.
    pub fn adder_cell(&self, kind: AdderKind) -> Option<AdderCell> {
        let n = kind.inputs().len();
        let mut best: Option<(&Cell, AdderCell)> = None;
        for c in self.cells.values() {
            if c.dont_use || c.sequential {
                continue;
            }
            let ins: Vec<&Pin> = c.inputs().collect();
            let outs: Vec<&Pin> = c.outputs().collect();
            if ins.len() != n || outs.len() != 2 || c.pins.len() != n + 2 {
                continue;
            }
            // the output whose function matches `want` on every input combination
            let computes = |want: fn(AdderKind, &[bool]) -> bool| {
                outs.iter().find(|o| {
                    let Some(f) = &o.function else { return false };
                    (0u32..1 << n).all(|bits| {
                        let x: Vec<bool> = (0..n).map(|k| bits >> k & 1 == 1).collect();
                        let value =
                            |name: &str| ins.iter().position(|p| p.name == name).map(|k| x[k]);
                        f.eval(&value) == Some(want(kind, &x))
                    })
                })
            };
            let (Some(sum), Some(carry)) = (computes(AdderKind::sum), computes(AdderKind::carry))
            else {
                continue;
            };
            if sum.name == carry.name {
                continue;
            }
            if best.as_ref().is_some_and(|(b, _)| b.area <= c.area) {
                continue;
            }
            let found = AdderCell {
                kind,
                cell: c.name.clone(),
                inputs: ins.iter().map(|p| p.name.clone()).collect(),
                sum: sum.name.clone(),
                carry: carry.name.clone(),
            };
            best = Some((c, found));
        }
        best.map(|(_, a)| a)
    }
}

/// Complex attributes whose arguments include bare words that are not numbers, such as IHP's
/// `wire_load_from_area (0, 635, 0_1k);`, with those words quoted: the parser takes only
/// numbers and strings there. Other lines are unchanged.
fn quote_bare_arguments(text: &str) -> std::borrow::Cow<'_, str> {
    let bare = |a: &str| {
        let a = a.trim();
        !a.is_empty() && a.parse::<f64>().is_err()
    };
    fn needs(line: &str, bare: impl Fn(&str) -> bool) -> Option<(usize, &str)> {
        let t = line.trim_end();
        let (Some(open), true) = (t.find('('), t.ends_with(");")) else {
            return None;
        };
        if t.contains(['"', '{', '}']) {
            return None;
        }
        let args = &t[open + 1..t.len() - 2];
        (args.contains(',') && args.split(',').any(bare)).then_some((open, args))
    }
    if !text.lines().any(|l| needs(l, bare).is_some()) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 1024);
    for line in text.split_inclusive('\n') {
        match needs(line, bare) {
            Some((open, args)) => {
                let quoted: Vec<String> = args
                    .split(',')
                    .map(|a| {
                        if bare(a) {
                            format!("\"{}\"", a.trim())
                        } else {
                            a.trim().to_string()
                        }
                    })
                    .collect();
                out += &line[..open + 1];
                out += &quoted.join(", ");
                out += ");";
                out += &line[line.trim_end().len()..];
            }
            None => out += line,
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Every ordering of `0..n` (n <= 3 here).
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for i in 0..=p.len() {
            let mut q = p.clone();
            q.insert(i, n - 1);
            out.push(q);
        }
    }
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------
// Group tree -> typed library

/// Attribute text whatever form the parser gave it (`"1"` parses as a float group, `true`
/// as a bool, unquoted enums as expressions).
fn value_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => f.to_string(),
        Value::FloatGroup(fs) => fs
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(s) | Value::Expression(s) => s.clone(),
    }
}

/// A borrowed view of one parsed group. (The crate's `Liberty` conversion deep-copies every
/// subtree once per nesting level, which dominated the load time.)
#[derive(Clone, Copy)]
struct Group<'a> {
    type_: &'a str,
    name: &'a str,
    items: &'a [GroupItem],
}

impl<'a> Group<'a> {
    fn of(item: &'a GroupItem) -> Option<Group<'a>> {
        match item {
            GroupItem::Group(type_, name, items) => Some(Group { type_, name, items }),
            _ => None,
        }
    }

    fn subgroups(self) -> impl Iterator<Item = Group<'a>> {
        self.items.iter().filter_map(Group::of)
    }
}

fn simple<'a>(g: Group<'a>, name: &str) -> Option<&'a Value> {
    g.items.iter().find_map(|a| match a {
        GroupItem::SimpleAttr(n, v) if n == name => Some(v),
        _ => None,
    })
}

fn complex<'a>(g: Group<'a>, name: &str) -> Option<&'a [Value]> {
    g.items.iter().find_map(|a| match a {
        GroupItem::ComplexAttr(n, v) if n == name => Some(v.as_slice()),
        _ => None,
    })
}

fn text_attr(g: Group<'_>, name: &str) -> Option<String> {
    simple(g, name).map(value_text)
}

fn float_attr(g: Group<'_>, ctx: &str, name: &str) -> Result<Option<f64>, LibertyError> {
    match simple(g, name) {
        None => Ok(None),
        Some(Value::Float(f)) => Ok(Some(*f)),
        Some(Value::FloatGroup(fs)) if fs.len() == 1 => Ok(Some(fs[0])),
        Some(v) => Err(invalid(
            ctx,
            format!("`{name}` is not a number: {}", value_text(v)),
        )),
    }
}

fn bool_attr(g: Group<'_>, name: &str) -> bool {
    match simple(g, name) {
        Some(Value::Bool(b)) => *b,
        Some(v) => value_text(v) == "true",
        None => false,
    }
}

fn group_name(g: Group<'_>) -> String {
    g.name.trim().trim_matches('"').to_string()
}

/// Multiplier of a unit string such as "1ns", "10ps", "1nW", "1V".
fn unit_scale(ctx: &str, text: &str, base: &str) -> Result<f64, LibertyError> {
    let t = text.trim();
    let split = t
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| invalid(ctx, format!("unit {t:?} has no unit name")))?;
    let (num, unit) = t.split_at(split);
    let num: f64 = if num.trim().is_empty() {
        1.0
    } else {
        num.trim()
            .parse()
            .map_err(|_| invalid(ctx, format!("bad unit number in {t:?}")))?
    };
    let prefix = unit
        .strip_suffix(base)
        .or_else(|| unit.strip_suffix(&base.to_lowercase()))
        .ok_or_else(|| invalid(ctx, format!("unit {t:?} is not in {base}")))?;
    let p = match prefix {
        "" => 1.0,
        "m" => 1e-3,
        "u" => 1e-6,
        "n" => 1e-9,
        "p" => 1e-12,
        "f" => 1e-15,
        "k" => 1e3,
        _ => return Err(invalid(ctx, format!("unknown unit prefix in {t:?}"))),
    };
    Ok(num * p)
}

fn parse_units(lib: Group<'_>) -> Result<Units, LibertyError> {
    let req = |name: &str| {
        text_attr(lib, name).ok_or_else(|| invalid("library", format!("missing `{name}`")))
    };
    let time_s = unit_scale("time_unit", &req("time_unit")?, "s")?;
    let voltage_v = unit_scale("voltage_unit", &req("voltage_unit")?, "V")?;
    let leakage_power_w = unit_scale("leakage_power_unit", &req("leakage_power_unit")?, "W")?;
    let cap = complex(lib, "capacitive_load_unit")
        .ok_or_else(|| invalid("library", "missing `capacitive_load_unit`"))?;
    let capacitance_f = match cap {
        [Value::Float(n), unit] => {
            *n * unit_scale(
                "capacitive_load_unit",
                &format!("1{}", value_text(unit)),
                "F",
            )?
        }
        _ => return Err(invalid("capacitive_load_unit", "expected (number, unit)")),
    };
    Ok(Units {
        time_s,
        capacitance_f,
        voltage_v,
        leakage_power_w,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Axis {
    Slew,
    Load,
}

struct Template {
    axes: Vec<Axis>,
    indices: Vec<Vec<f64>>,
}

fn axis_of(variable: &str) -> Option<Axis> {
    match variable {
        "input_transition_time" | "input_net_transition" | "related_pin_transition" => {
            Some(Axis::Slew)
        }
        "total_output_net_capacitance" => Some(Axis::Load),
        _ => None,
    }
}

fn float_list(ctx: &str, values: &[Value]) -> Result<Vec<f64>, LibertyError> {
    let mut out = Vec::new();
    for v in values {
        match v {
            Value::FloatGroup(fs) => out.extend_from_slice(fs),
            Value::Float(f) => out.push(*f),
            other => {
                return Err(invalid(
                    ctx,
                    format!("expected numbers, found {}", value_text(other)),
                ))
            }
        }
    }
    Ok(out)
}

fn parse_templates(lib: Group<'_>) -> Result<BTreeMap<String, Template>, LibertyError> {
    let mut out = BTreeMap::new();
    for g in lib
        .subgroups()
        .filter(|g| g.type_ == "lu_table_template" || g.type_ == "power_lut_template")
    {
        let name = group_name(g);
        let mut axes = Vec::new();
        let mut indices = Vec::new();
        for k in 1..=3 {
            let Some(var) = text_attr(g, &format!("variable_{k}")) else {
                break;
            };
            // templates with other variables (constraint tables) are never read as power or
            // transition tables; record them so a misuse is reported, not misread
            let Some(axis) = axis_of(&var) else {
                axes.clear();
                break;
            };
            axes.push(axis);
            let idx = match complex(g, &format!("index_{k}")) {
                Some(v) => float_list(&name, v)?,
                None => Vec::new(),
            };
            indices.push(idx);
        }
        out.insert(name, Template { axes, indices });
    }
    Ok(out)
}

fn parse_table(
    g: Group<'_>,
    templates: &BTreeMap<String, Template>,
    ctx: &str,
) -> Result<Table, LibertyError> {
    let tname = group_name(g);
    let ctx = format!("{ctx} {}({tname})", g.type_);
    let values = float_list(
        &ctx,
        complex(g, "values").ok_or_else(|| invalid(&ctx, "no `values`"))?,
    )?;
    if tname == "scalar" {
        return Ok(Table {
            slew_index: vec![],
            load_index: vec![],
            values,
        });
    }
    let t = templates
        .get(&tname)
        .ok_or_else(|| invalid(&ctx, format!("unknown template `{tname}`")))?;
    if t.axes.is_empty() {
        return Err(invalid(
            &ctx,
            "template variables are not input slew / output load",
        ));
    }
    let mut slew_index = Vec::new();
    let mut load_index = Vec::new();
    for (k, axis) in t.axes.iter().enumerate() {
        let idx = match complex(g, &format!("index_{}", k + 1)) {
            Some(v) => float_list(&ctx, v)?,
            None => t.indices[k].clone(),
        };
        match axis {
            Axis::Slew => slew_index = idx,
            Axis::Load => load_index = idx,
        }
    }
    let expected = slew_index.len().max(1) * load_index.len().max(1);
    if values.len() != expected {
        return Err(invalid(
            &ctx,
            format!(
                "{} values for a {}x{} table",
                values.len(),
                slew_index.len(),
                load_index.len()
            ),
        ));
    }
    // the cost model indexes [slew][load]; a template listing load first is transposed here
    let values = if t.axes.first() == Some(&Axis::Load) && t.axes.len() == 2 {
        let (rows, cols) = (load_index.len(), slew_index.len());
        (0..cols)
            .flat_map(|i| (0..rows).map(move |j| (i, j)))
            .map(|(i, j)| values[j * cols + i])
            .collect()
    } else {
        values
    };
    Ok(Table {
        slew_index,
        load_index,
        values,
    })
}

fn parse_pin(
    g: Group<'_>,
    cell: &str,
    templates: &BTreeMap<String, Template>,
) -> Result<Pin, LibertyError> {
    let name = group_name(g);
    let ctx = format!("cell {cell} pin {name}");
    let direction = match text_attr(g, "direction").as_deref() {
        Some("input") => Direction::Input,
        Some("output") => Direction::Output,
        Some("inout") => Direction::Inout,
        Some("internal") => Direction::Internal,
        other => return Err(invalid(&ctx, format!("bad direction {other:?}"))),
    };
    let cap = float_attr(g, &ctx, "capacitance")?;
    let rise = float_attr(g, &ctx, "rise_capacitance")?;
    let fall = float_attr(g, &ctx, "fall_capacitance")?;
    let capacitance = cap.or(match (rise, fall) {
        (Some(r), Some(f)) => Some(0.5 * (r + f)),
        (r, f) => r.or(f),
    });
    let capacitance = capacitance.unwrap_or(0.0);
    let function = match text_attr(g, "function") {
        Some(t) => Some(BoolExpr::parse(&t)?),
        None => None,
    };
    let mut internal_power = Vec::new();
    let mut timing = Vec::new();
    for sub in g.subgroups() {
        match sub.type_ {
            "internal_power" => {
                let mut ip = InternalPower {
                    related_pin: text_attr(sub, "related_pin"),
                    when: text_attr(sub, "when")
                        .map(|t| BoolExpr::parse(&t))
                        .transpose()?,
                    rise: None,
                    fall: None,
                };
                for t in sub.subgroups() {
                    match t.type_ {
                        "rise_power" => ip.rise = Some(parse_table(t, templates, &ctx)?),
                        "fall_power" => ip.fall = Some(parse_table(t, templates, &ctx)?),
                        _ => {}
                    }
                }
                internal_power.push(ip);
            }
            "timing" if direction == Direction::Output || direction == Direction::Inout => {
                let kind = match text_attr(sub, "timing_type")
                    .as_deref()
                    .unwrap_or("combinational")
                {
                    "combinational" | "combinational_rise" | "combinational_fall" => {
                        ArcKind::Combinational
                    }
                    "rising_edge" => ArcKind::RisingEdge,
                    "falling_edge" => ArcKind::FallingEdge,
                    "preset"
                    | "clear"
                    | "three_state_enable"
                    | "three_state_disable"
                    | "three_state_enable_rise"
                    | "three_state_enable_fall"
                    | "three_state_disable_rise"
                    | "three_state_disable_fall" => ArcKind::Asynchronous,
                    _ => ArcKind::Constraint,
                };
                let sense = match text_attr(sub, "timing_sense").as_deref() {
                    Some("positive_unate") => TimingSense::PositiveUnate,
                    Some("negative_unate") => TimingSense::NegativeUnate,
                    _ => TimingSense::NonUnate,
                };
                let related_pin = text_attr(sub, "related_pin")
                    .ok_or_else(|| invalid(&ctx, "timing group without related_pin"))?;
                let mut arc = TimingArc {
                    related_pin,
                    sense,
                    kind,
                    rise_transition: None,
                    fall_transition: None,
                };
                for t in sub.subgroups() {
                    match t.type_ {
                        "rise_transition" => {
                            arc.rise_transition = Some(parse_table(t, templates, &ctx)?)
                        }
                        "fall_transition" => {
                            arc.fall_transition = Some(parse_table(t, templates, &ctx)?)
                        }
                        _ => {}
                    }
                }
                // a related_pin list ("A B") means the same arc from each pin
                let pins: Vec<String> = arc
                    .related_pin
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                for p in pins {
                    timing.push(TimingArc {
                        related_pin: p,
                        ..arc.clone()
                    });
                }
            }
            _ => {}
        }
    }
    Ok(Pin {
        name,
        direction,
        capacitance,
        rise_capacitance: rise.unwrap_or(capacitance),
        fall_capacitance: fall.unwrap_or(capacitance),
        is_clock: bool_attr(g, "clock"),
        function,
        internal_power,
        timing,
    })
}

fn parse_cell(g: Group<'_>, templates: &BTreeMap<String, Template>) -> Result<Cell, LibertyError> {
    let name = group_name(g);
    let ctx = format!("cell {name}");
    let area = float_attr(g, &ctx, "area")?.ok_or_else(|| invalid(&ctx, "no `area`"))?;
    let leakage = float_attr(g, &ctx, "cell_leakage_power")?.unwrap_or(0.0);
    let mut pins = Vec::new();
    let mut sequential = false;
    let mut ff = None;
    for sub in g.subgroups() {
        match sub.type_ {
            "pin" => pins.push(parse_pin(sub, &name, templates)?),
            "ff" => {
                sequential = true;
                ff = Some(FlipFlop {
                    clocked_on: text_attr(sub, "clocked_on").unwrap_or_default(),
                    next_state: text_attr(sub, "next_state").unwrap_or_default(),
                    clear: text_attr(sub, "clear"),
                    preset: text_attr(sub, "preset"),
                });
            }
            "latch" | "ff_bank" | "latch_bank" | "statetable" => sequential = true,
            _ => {}
        }
    }
    Ok(Cell {
        name,
        area,
        leakage,
        dont_use: bool_attr(g, "dont_use"),
        sequential,
        ff,
        pins,
    })
}

fn build_library(lib: Group<'_>, sha256: String) -> Result<Library, LibertyError> {
    let units = parse_units(lib)?;
    let nom_voltage_v = float_attr(lib, "library", "nom_voltage")?
        .ok_or_else(|| invalid("library", "missing `nom_voltage`"))?
        * units.voltage_v;
    let templates = parse_templates(lib)?;
    let mut cells = BTreeMap::new();
    for g in lib.subgroups().filter(|g| g.type_ == "cell") {
        let c = parse_cell(g, &templates)?;
        cells.insert(c.name.clone(), c);
    }
    Ok(Library {
        name: group_name(lib),
        units,
        nom_voltage_v,
        path: None,
        sha256,
        cells,
    })
}

// ---------------------------------------------------------------------------------------
// Boolean functions of pins

/// A Liberty Boolean expression (`function`, `when`). Precedence, high to low: `!`/`'`,
/// `^`, `&`/`*`/juxtaposition, `|`/`+`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum BoolExpr {
    Const(bool),
    Var(String),
    Not(Box<BoolExpr>),
    And(Box<BoolExpr>, Box<BoolExpr>),
    Or(Box<BoolExpr>, Box<BoolExpr>),
    Xor(Box<BoolExpr>, Box<BoolExpr>),
}

impl BoolExpr {
    pub fn parse(text: &str) -> Result<BoolExpr, LibertyError> {
        let tokens = tokenize_expr(text)?;
        let mut p = ExprParser {
            tokens,
            pos: 0,
            text,
        };
        let e = p.or_expr()?;
        if p.pos != p.tokens.len() {
            return Err(LibertyError::Function {
                text: text.to_string(),
                message: format!("unexpected {:?}", p.tokens[p.pos]),
            });
        }
        Ok(e)
    }

    /// Variables in first-appearance order.
    pub fn variables(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            BoolExpr::Const(_) => {}
            BoolExpr::Var(v) => {
                if !out.contains(&v.as_str()) {
                    out.push(v)
                }
            }
            BoolExpr::Not(a) => a.collect_vars(out),
            BoolExpr::And(a, b) | BoolExpr::Or(a, b) | BoolExpr::Xor(a, b) => {
                a.collect_vars(out);
                b.collect_vars(out);
            }
        }
    }

    /// Value under an assignment; `None` if a variable is unassigned.
    pub fn eval(&self, value: &dyn Fn(&str) -> Option<bool>) -> Option<bool> {
        Some(match self {
            BoolExpr::Const(c) => *c,
            BoolExpr::Var(v) => value(v)?,
            BoolExpr::Not(a) => !a.eval(value)?,
            BoolExpr::And(a, b) => a.eval(value)? & b.eval(value)?,
            BoolExpr::Or(a, b) => a.eval(value)? | b.eval(value)?,
            BoolExpr::Xor(a, b) => a.eval(value)? ^ b.eval(value)?,
        })
    }

    /// Probability that the expression is 1 when each variable is independently 1 with
    /// probability `duty(var)`, by enumerating the assignments (cells have at most a handful
    /// of inputs). `None` if a variable has no duty.
    pub fn probability(&self, duty: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        self.weighted_sum(None, duty)
    }

    /// Probability that toggling `var` toggles the expression (the Boolean difference), with
    /// the other variables independent at their duties.
    pub fn sensitivity(&self, var: &str, duty: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        self.weighted_sum(Some(var), duty)
    }

    fn weighted_sum(
        &self,
        diff_var: Option<&str>,
        duty: &dyn Fn(&str) -> Option<f64>,
    ) -> Option<f64> {
        let vars: Vec<&str> = self
            .variables()
            .into_iter()
            .filter(|v| Some(*v) != diff_var)
            .collect();
        let duties: Vec<f64> = vars.iter().map(|v| duty(v)).collect::<Option<_>>()?;
        let mut total = 0.0;
        for bits in 0u32..(1u32 << vars.len()) {
            let mut weight = 1.0;
            for (k, d) in duties.iter().enumerate() {
                weight *= if bits >> k & 1 == 1 { *d } else { 1.0 - *d };
            }
            if weight == 0.0 {
                continue;
            }
            let value_with = |forced: bool| {
                self.eval(&|name: &str| {
                    if Some(name) == diff_var {
                        return Some(forced);
                    }
                    vars.iter()
                        .position(|v| *v == name)
                        .map(|k| bits >> k & 1 == 1)
                })
            };
            let hit = match diff_var {
                None => value_with(false)?,
                Some(_) => value_with(false)? != value_with(true)?,
            };
            if hit {
                total += weight;
            }
        }
        Some(total)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum ExprTok {
    Ident(String),
    Const(bool),
    Not,
    PostNot,
    And,
    Or,
    Xor,
    Open,
    Close,
}

fn tokenize_expr(text: &str) -> Result<Vec<ExprTok>, LibertyError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                chars.next();
            }
            '!' => {
                chars.next();
                out.push(ExprTok::Not)
            }
            '\'' => {
                chars.next();
                out.push(ExprTok::PostNot)
            }
            '&' | '*' => {
                chars.next();
                out.push(ExprTok::And)
            }
            '|' | '+' => {
                chars.next();
                out.push(ExprTok::Or)
            }
            '^' => {
                chars.next();
                out.push(ExprTok::Xor)
            }
            '(' => {
                chars.next();
                out.push(ExprTok::Open)
            }
            ')' => {
                chars.next();
                out.push(ExprTok::Close)
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '[' || c == ']' || c == '.' => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '[' || c == ']' || c == '.' {
                        s.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(match s.as_str() {
                    "0" => ExprTok::Const(false),
                    "1" => ExprTok::Const(true),
                    _ => ExprTok::Ident(s),
                });
            }
            other => {
                return Err(LibertyError::Function {
                    text: text.to_string(),
                    message: format!("unexpected character {other:?}"),
                })
            }
        }
    }
    Ok(out)
}

struct ExprParser<'a> {
    tokens: Vec<ExprTok>,
    pos: usize,
    text: &'a str,
}

impl ExprParser<'_> {
    fn peek(&self) -> Option<&ExprTok> {
        self.tokens.get(self.pos)
    }

    fn err(&self, message: &str) -> LibertyError {
        LibertyError::Function {
            text: self.text.to_string(),
            message: message.to_string(),
        }
    }

    fn or_expr(&mut self) -> Result<BoolExpr, LibertyError> {
        let mut e = self.and_expr()?;
        while self.peek() == Some(&ExprTok::Or) {
            self.pos += 1;
            e = BoolExpr::Or(Box::new(e), Box::new(self.and_expr()?));
        }
        Ok(e)
    }

    fn and_expr(&mut self) -> Result<BoolExpr, LibertyError> {
        let mut e = self.xor_expr()?;
        loop {
            match self.peek() {
                Some(ExprTok::And) => {
                    self.pos += 1;
                }
                // juxtaposition ("A B") is an AND
                Some(ExprTok::Ident(_) | ExprTok::Const(_) | ExprTok::Not | ExprTok::Open) => {}
                _ => return Ok(e),
            }
            e = BoolExpr::And(Box::new(e), Box::new(self.xor_expr()?));
        }
    }

    fn xor_expr(&mut self) -> Result<BoolExpr, LibertyError> {
        let mut e = self.unary()?;
        while self.peek() == Some(&ExprTok::Xor) {
            self.pos += 1;
            e = BoolExpr::Xor(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<BoolExpr, LibertyError> {
        let mut e = match self.peek().cloned() {
            Some(ExprTok::Not) => {
                self.pos += 1;
                BoolExpr::Not(Box::new(self.unary()?))
            }
            Some(ExprTok::Open) => {
                self.pos += 1;
                let e = self.or_expr()?;
                if self.peek() != Some(&ExprTok::Close) {
                    return Err(self.err("missing `)`"));
                }
                self.pos += 1;
                e
            }
            Some(ExprTok::Ident(s)) => {
                self.pos += 1;
                BoolExpr::Var(s)
            }
            Some(ExprTok::Const(c)) => {
                self.pos += 1;
                BoolExpr::Const(c)
            }
            _ => return Err(self.err("expected an operand")),
        };
        while self.peek() == Some(&ExprTok::PostNot) {
            self.pos += 1;
            e = BoolExpr::Not(Box::new(e));
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A library of adder-like cells: the smallest usable full adder is `fa_b`.
    const ADDERS: &str = r#"library (adders) {
  time_unit : "1ns"; voltage_unit : "1V"; leakage_power_unit : "1nW";
  capacitive_load_unit (1.0, "pf"); nom_voltage : 1.8;
  cell (fa_a) { area : 30.0;
    pin (A) { direction : input; } pin (B) { direction : input; } pin (C) { direction : input; }
    pin (S) { direction : output; function : "A^B^C"; }
    pin (K) { direction : output; function : "(A&B)|(A&C)|(B&C)"; } }
  cell (fa_b) { area : 20.0;
    pin (X) { direction : input; } pin (Y) { direction : input; } pin (Z) { direction : input; }
    pin (CO) { direction : output; function : "X&Y | Z&(X+Y)"; }
    pin (SO) { direction : output; function : "(X&!Y&!Z) | (!X&Y&!Z) | (!X&!Y&Z) | (X&Y&Z)"; } }
  cell (fa_unusable) { area : 10.0; dont_use : true;
    pin (A) { direction : input; } pin (B) { direction : input; } pin (C) { direction : input; }
    pin (S) { direction : output; function : "A^B^C"; }
    pin (K) { direction : output; function : "(A&B)|(A&C)|(B&C)"; } }
  cell (fa_inverted_carry) { area : 5.0;
    pin (A) { direction : input; } pin (B) { direction : input; } pin (C) { direction : input; }
    pin (S) { direction : output; function : "A^B^C"; }
    pin (K) { direction : output; function : "!((A&B)|(A&C)|(B&C))"; } }
  cell (xor_and) { area : 1.0;
    pin (A) { direction : input; } pin (B) { direction : input; }
    pin (S) { direction : output; function : "A^B"; }
    pin (K) { direction : output; function : "A|B"; } }
}"#;

    #[test]
    fn adder_cells_are_found_by_their_functions() {
        let lib = Library::parse(ADDERS).unwrap();
        let fa = lib.adder_cell(AdderKind::Full).unwrap();
        assert_eq!(
            fa,
            AdderCell {
                kind: AdderKind::Full,
                cell: "fa_b".into(),
                inputs: vec!["X".into(), "Y".into(), "Z".into()],
                sum: "SO".into(),
                carry: "CO".into(),
            }
        );
        // A | B is not a half adder's carry
        assert_eq!(lib.adder_cell(AdderKind::Half), None);
        let with_ha = ADDERS.replace("\"A|B\"", "\"A&B\"");
        let ha = Library::parse(&with_ha)
            .unwrap()
            .adder_cell(AdderKind::Half)
            .unwrap();
        assert_eq!((ha.cell.as_str(), ha.sum.as_str()), ("xor_and", "S"));
    }

    fn table_2x2() -> Table {
        Table {
            slew_index: vec![0.0, 1.0],
            load_index: vec![0.0, 2.0],
            values: vec![1.0, 3.0, 5.0, 7.0],
        }
    }

    #[test]
    fn table_lookup_hits_grid_points_exactly() {
        let t = table_2x2();
        assert_eq!(t.lookup(0.0, 0.0), 1.0);
        assert_eq!(t.lookup(0.0, 2.0), 3.0);
        assert_eq!(t.lookup(1.0, 0.0), 5.0);
        assert_eq!(t.lookup(1.0, 2.0), 7.0);
    }

    #[test]
    fn table_lookup_interpolates_and_extrapolates_linearly() {
        let t = table_2x2();
        assert_eq!(t.lookup(0.5, 1.0), 4.0);
        // beyond the last load point the last segment's slope continues
        assert_eq!(t.lookup(0.0, 4.0), 5.0);
        assert_eq!(t.lookup(-1.0, 0.0), -3.0);
    }

    #[test]
    fn one_dimensional_and_scalar_tables() {
        let t = Table {
            slew_index: vec![0.0, 2.0],
            load_index: vec![],
            values: vec![2.0, 4.0],
        };
        assert_eq!(t.lookup(1.0, 123.0), 3.0);
        let s = Table {
            slew_index: vec![],
            load_index: vec![],
            values: vec![0.25],
        };
        assert_eq!(s.lookup(9.0, 9.0), 0.25);
    }

    #[test]
    fn expr_precedence_and_forms() {
        let nand = BoolExpr::parse("(!A) | (!B)").unwrap();
        let nand_alt = BoolExpr::parse("(A B)'").unwrap();
        let xor = BoolExpr::parse("(A&!B) | (!A&B)").unwrap();
        let xor_op = BoolExpr::parse("A^B").unwrap();
        for a in [false, true] {
            for b in [false, true] {
                let v = |n: &str| match n {
                    "A" => Some(a),
                    "B" => Some(b),
                    _ => None,
                };
                assert_eq!(nand.eval(&v), Some(!(a && b)));
                assert_eq!(nand_alt.eval(&v), Some(!(a && b)));
                assert_eq!(xor.eval(&v), Some(a ^ b));
                assert_eq!(xor_op.eval(&v), Some(a ^ b));
            }
        }
        // ^ binds tighter than |, & tighter than |
        let e = BoolExpr::parse("A | B & C + D").unwrap();
        assert_eq!(e.variables(), vec!["A", "B", "C", "D"]);
        let v = |n: &str| Some(n == "C");
        assert_eq!(e.eval(&v), Some(false));
        assert!(BoolExpr::parse("(A & B").is_err());
        assert!(BoolExpr::parse("A # B").is_err());
    }

    #[test]
    fn sensitivity_is_the_boolean_difference_probability() {
        let nand = BoolExpr::parse("!(A&B)").unwrap();
        let half = |_: &str| Some(0.5);
        assert_eq!(nand.sensitivity("A", &half), Some(0.5));
        let xor = BoolExpr::parse("A^B").unwrap();
        assert_eq!(xor.sensitivity("A", &half), Some(1.0));
        // majority: A matters when B != C
        let maj = BoolExpr::parse("(A&B) | (A&C) | (B&C)").unwrap();
        let d = |n: &str| Some(if n == "B" { 0.25 } else { 0.5 });
        assert_eq!(maj.sensitivity("A", &d), Some(0.5));
        assert_eq!(maj.probability(&half), Some(0.5));
        // a state variable the caller cannot supply gives no answer rather than a guess
        assert_eq!(
            BoolExpr::parse("IQ")
                .unwrap()
                .sensitivity("CLK", &|n| (n != "IQ").then_some(0.5)),
            None
        );
    }

    #[test]
    fn unit_strings() {
        assert_eq!(unit_scale("t", "1ns", "s").unwrap(), 1e-9);
        assert_eq!(unit_scale("t", "10ps", "s").unwrap(), 10.0 * 1e-12);
        assert_eq!(unit_scale("p", "1nW", "W").unwrap(), 1e-9);
        assert_eq!(unit_scale("v", "1V", "V").unwrap(), 1.0);
        assert!(unit_scale("v", "1parsec", "V").is_err());
    }
}
