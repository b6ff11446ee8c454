//! Flat gate-level netlists as yosys writes them (`write_verilog -noattr -simple-lhs`):
//! ports, bit-level nets with `assign` aliases merged, and library-cell instances.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum NetlistError {
    #[error("cannot read netlist {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("netlist line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("module `{0}` is not in the netlist")]
    NoModule(String),
    #[error("netlist uses `{0}`, which is never declared")]
    Undeclared(String),
    #[error("cell {cell} pin {pin} is connected to {width} bits, expected 1")]
    PinWidth {
        cell: String,
        pin: String,
        width: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PortDirection {
    Input,
    Output,
    Inout,
}

/// A top-level port: name, width and direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortSpec {
    pub name: String,
    pub width: usize,
    pub direction: PortDirection,
}

impl PortSpec {
    pub fn new(name: &str, width: usize, direction: PortDirection) -> PortSpec {
        PortSpec {
            name: name.to_string(),
            width,
            direction,
        }
    }
}

/// Index of a merged net (bits joined by `assign` share one).
pub type NetId = usize;

/// What a cell pin is tied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bit {
    Net(NetId),
    Const(bool),
    /// `1'hx`, `1'hz` or an empty connection `.X()`
    Undefined,
}

#[derive(Debug, Clone)]
pub struct CellInstance {
    /// instance name without the escape backslash, e.g. `u_lane0.u_mul._12_`
    pub name: String,
    pub cell_type: String,
    /// (pin name, connection)
    pub pins: Vec<(String, Bit)>,
}

impl CellInstance {
    /// Hierarchical path of the instance that held this cell before flattening
    /// (`u_lane0.u_mul`); empty for cells of the top module itself.
    pub fn hier_path(&self) -> &str {
        self.name.rfind('.').map(|i| &self.name[..i]).unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub struct Netlist {
    pub module: String,
    pub ports: Vec<PortSpec>,
    pub cells: Vec<CellInstance>,
    /// merged net -> every bit name in it (`a[3]`, `u_p0.a[3]`, `_012_`)
    pub net_names: Vec<Vec<String>>,
    /// merged nets that an `assign` ties to a constant
    pub const_nets: HashMap<NetId, bool>,
    bit_index: HashMap<String, NetId>,
    ranges: HashMap<String, Option<(i64, i64)>>,
}

impl Netlist {
    pub fn load(path: &Path, module: &str) -> Result<Netlist, NetlistError> {
        let text = std::fs::read_to_string(path).map_err(|source| NetlistError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Netlist::parse(&text, module)
    }

    /// Parses the module named `module` out of the Verilog text (other modules are skipped).
    pub fn parse(text: &str, module: &str) -> Result<Netlist, NetlistError> {
        let toks = tokenize(text)?;
        let mut p = Parser { toks, pos: 0 };
        while !p.at_end() {
            p.expect_word("module")?;
            let name = p.ident()?;
            if name == module {
                return p.module_body(name);
            }
            p.skip_to_endmodule()?;
        }
        Err(NetlistError::NoModule(module.to_string()))
    }

    pub fn net_count(&self) -> usize {
        self.net_names.len()
    }

    /// The merged net of a bit name (`a[3]`, `clk`).
    pub fn net_of(&self, bit_name: &str) -> Option<NetId> {
        self.bit_index.get(bit_name).copied()
    }

    /// Bit names of a port, LSB first.
    pub fn port_bits(&self, port: &str) -> Option<Vec<String>> {
        let spec = self.ports.iter().find(|p| p.name == port)?;
        let range = self.ranges.get(port).copied().flatten();
        Some((0..spec.width).map(|i| bit_name(port, range, i)).collect())
    }

    pub fn port(&self, name: &str) -> Option<&PortSpec> {
        self.ports.iter().find(|p| p.name == name)
    }
}

fn bit_name(base: &str, range: Option<(i64, i64)>, i: usize) -> String {
    match range {
        None => base.to_string(),
        Some((msb, lsb)) => {
            let idx = if msb >= lsb {
                lsb + i as i64
            } else {
                lsb - i as i64
            };
            format!("{base}[{idx}]")
        }
    }
}

fn range_width(range: Option<(i64, i64)>) -> usize {
    range
        .map(|(m, l)| (m - l).unsigned_abs() as usize + 1)
        .unwrap_or(1)
}

// ---------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// sized or unsized number, bits MSB first (None = x/z)
    Number(Vec<Option<bool>>),
    Int(i64),
    Punct(char),
}

fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>, NetlistError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            b'\\' => {
                let start = i + 1;
                i = start;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                out.push((Tok::Ident(text[start..i].to_string()), line));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$')
                {
                    i += 1;
                }
                out.push((Tok::Ident(text[start..i].to_string()), line));
            }
            c if c.is_ascii_digit() || c == b'\'' => {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i < b.len() && b[i] == b'\'' {
                    i += 1;
                    if i < b.len() && (b[i] == b's' || b[i] == b'S') {
                        i += 1;
                    }
                    let base = b.get(i).copied().unwrap_or(b' ').to_ascii_lowercase();
                    i += 1;
                    let dstart = i;
                    while i < b.len()
                        && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'?')
                    {
                        i += 1;
                    }
                    let size = text[start..].split('\'').next().unwrap_or("");
                    let bits = sized_number(size, base, &text[dstart..i]).ok_or_else(|| {
                        NetlistError::Syntax {
                            line,
                            message: format!("bad number {:?}", &text[start..i]),
                        }
                    })?;
                    out.push((Tok::Number(bits), line));
                } else {
                    let v: i64 = text[start..i].parse().map_err(|_| NetlistError::Syntax {
                        line,
                        message: "bad integer".into(),
                    })?;
                    out.push((Tok::Int(v), line));
                }
            }
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b';' | b':' | b'.' | b'=' | b'#' => {
                out.push((Tok::Punct(c as char), line));
                i += 1;
            }
            other => {
                return Err(NetlistError::Syntax {
                    line,
                    message: format!(
                        "unsupported character {:?} (is the netlist fully mapped to cells?)",
                        other as char
                    ),
                })
            }
        }
    }
    Ok(out)
}

/// Bits (MSB first) of a Verilog sized constant such as `4'h0`, `1'bx`, `32'd7`.
fn sized_number(size: &str, base: u8, digits: &str) -> Option<Vec<Option<bool>>> {
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let per_digit = match base {
        b'b' => 1,
        b'o' => 3,
        b'h' => 4,
        b'd' => 0,
        _ => return None,
    };
    let mut bits: Vec<Option<bool>> = Vec::new();
    if per_digit == 0 {
        let v: u128 = digits.parse().ok()?;
        bits = (0..128).rev().map(|k| Some(v >> k & 1 == 1)).collect();
    } else {
        for ch in digits.chars() {
            match ch.to_ascii_lowercase() {
                'x' | 'z' | '?' => bits.extend(std::iter::repeat_n(None, per_digit)),
                d => {
                    let v = d.to_digit(1 << per_digit)?;
                    bits.extend((0..per_digit).rev().map(|k| Some(v >> k & 1 == 1)));
                }
            }
        }
    }
    let width: usize = if size.is_empty() {
        32
    } else {
        size.parse().ok()?
    };
    // extend with zeros (or x when the leading digit is x), then keep the low `width` bits
    let fill = match bits.first() {
        Some(None) => None,
        _ => Some(false),
    };
    while bits.len() < width {
        bits.insert(0, fill);
    }
    Some(bits[bits.len() - width..].to_vec())
}

// ---------------------------------------------------------------------------------------
// Parser

#[derive(Debug, Clone)]
enum Expr {
    /// name and optional [msb:lsb] / [i] select
    Ref(String, Option<(i64, i64)>, usize),
    Const(Vec<Option<bool>>),
    Concat(Vec<Expr>),
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

/// cell type, instance name, (pin, connection) pairs
type ParsedInstance = (String, String, Vec<(String, Option<Expr>)>);

enum Decl {
    Port(PortDirection),
    Net,
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn line(&self) -> usize {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map(|t| t.1)
            .unwrap_or(0)
    }

    fn err(&self, message: impl Into<String>) -> NetlistError {
        NetlistError::Syntax {
            line: self.line(),
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn next(&mut self) -> Result<Tok, NetlistError> {
        let t = self
            .toks
            .get(self.pos)
            .map(|t| t.0.clone())
            .ok_or_else(|| self.err("unexpected end of file"))?;
        self.pos += 1;
        Ok(t)
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }

    fn punct(&mut self, c: char) -> Result<(), NetlistError> {
        match self.next()? {
            Tok::Punct(p) if p == c => Ok(()),
            other => Err(self.err(format!("expected `{c}`, found {other:?}"))),
        }
    }

    fn ident(&mut self) -> Result<String, NetlistError> {
        match self.next()? {
            Tok::Ident(s) => Ok(s),
            other => Err(self.err(format!("expected a name, found {other:?}"))),
        }
    }

    fn int(&mut self) -> Result<i64, NetlistError> {
        match self.next()? {
            Tok::Int(v) => Ok(v),
            other => Err(self.err(format!("expected an integer, found {other:?}"))),
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), NetlistError> {
        match self.next()? {
            Tok::Ident(s) if s == w => Ok(()),
            other => Err(self.err(format!("expected `{w}`, found {other:?}"))),
        }
    }

    fn skip_to_endmodule(&mut self) -> Result<(), NetlistError> {
        loop {
            if let Tok::Ident(s) = self.next()? {
                if s == "endmodule" {
                    return Ok(());
                }
            }
        }
    }

    fn range(&mut self) -> Result<Option<(i64, i64)>, NetlistError> {
        if !self.is_punct('[') {
            return Ok(None);
        }
        self.punct('[')?;
        let msb = self.int()?;
        let lsb = if self.is_punct(':') {
            self.punct(':')?;
            self.int()?
        } else {
            msb
        };
        self.punct(']')?;
        Ok(Some((msb, lsb)))
    }

    fn expr(&mut self) -> Result<Expr, NetlistError> {
        let line = self.line();
        match self.next()? {
            Tok::Ident(name) => {
                let sel = self.range()?;
                Ok(Expr::Ref(name, sel, line))
            }
            Tok::Number(bits) => Ok(Expr::Const(bits)),
            Tok::Int(v) => Ok(Expr::Const(
                (0..32).rev().map(|k| Some(v >> k & 1 == 1)).collect(),
            )),
            Tok::Punct('{') => {
                let mut parts = vec![self.expr()?];
                while self.is_punct(',') {
                    self.punct(',')?;
                    parts.push(self.expr()?);
                }
                self.punct('}')?;
                Ok(Expr::Concat(parts))
            }
            other => Err(self.err(format!(
                "unsupported expression at {other:?} (is the netlist fully mapped to cells?)"
            ))),
        }
    }

    fn module_body(&mut self, module: String) -> Result<Netlist, NetlistError> {
        let mut port_order = Vec::new();
        if self.is_punct('(') {
            self.punct('(')?;
            while !self.is_punct(')') {
                port_order.push(self.ident()?);
                if self.is_punct(',') {
                    self.punct(',')?;
                }
            }
            self.punct(')')?;
        }
        self.punct(';')?;

        let mut ranges: HashMap<String, Option<(i64, i64)>> = HashMap::new();
        let mut decl_order: Vec<String> = Vec::new();
        let mut directions: HashMap<String, PortDirection> = HashMap::new();
        let mut assigns: Vec<(Expr, Expr)> = Vec::new();
        let mut instances: Vec<ParsedInstance> = Vec::new();
        loop {
            let word = self.ident()?;
            let decl = match word.as_str() {
                "endmodule" => break,
                "input" => Some(Decl::Port(PortDirection::Input)),
                "output" => Some(Decl::Port(PortDirection::Output)),
                "inout" => Some(Decl::Port(PortDirection::Inout)),
                "wire" | "reg" | "tri" => Some(Decl::Net),
                _ => None,
            };
            if let Some(decl) = decl {
                if let Some(Tok::Ident(w)) = self.peek() {
                    if w == "wire" || w == "reg" || w == "signed" {
                        self.pos += 1;
                    }
                }
                let range = self.range()?;
                loop {
                    let name = self.ident()?;
                    if !ranges.contains_key(&name) {
                        decl_order.push(name.clone());
                    }
                    ranges.insert(name.clone(), range);
                    if let Decl::Port(d) = decl {
                        directions.insert(name, d);
                    }
                    if self.is_punct(',') {
                        self.punct(',')?;
                    } else {
                        break;
                    }
                }
                self.punct(';')?;
            } else if word == "assign" {
                let lhs = self.expr()?;
                self.punct('=')?;
                let rhs = self.expr()?;
                self.punct(';')?;
                assigns.push((lhs, rhs));
            } else {
                // cell instance: TYPE NAME ( .PIN(expr), ... );
                if self.is_punct('#') {
                    return Err(self.err(format!(
                        "parameterised instance of `{word}` (netlist not mapped to library cells?)"
                    )));
                }
                let inst = self.ident()?;
                self.punct('(')?;
                let mut pins = Vec::new();
                while !self.is_punct(')') {
                    self.punct('.')?;
                    let pin = self.ident()?;
                    self.punct('(')?;
                    let e = if self.is_punct(')') {
                        None
                    } else {
                        Some(self.expr()?)
                    };
                    self.punct(')')?;
                    pins.push((pin, e));
                    if self.is_punct(',') {
                        self.punct(',')?;
                    }
                }
                self.punct(')')?;
                self.punct(';')?;
                instances.push((word, inst, pins));
            }
        }

        // one id per declared bit, then union-find over assigns
        let mut bit_index: HashMap<String, usize> = HashMap::new();
        let mut bit_names: Vec<String> = Vec::new();
        for name in &decl_order {
            let r = ranges[name];
            for i in 0..range_width(r) {
                let b = bit_name(name, r, i);
                bit_index.insert(b.clone(), bit_names.len());
                bit_names.push(b);
            }
        }
        let resolve = |e: &Expr, out: &mut Vec<Bit>| -> Result<(), NetlistError> {
            resolve_expr(e, &ranges, &bit_index, out)
        };
        let mut uf = UnionFind::new(bit_names.len());
        let mut const_bits: Vec<(usize, bool)> = Vec::new();
        for (lhs, rhs) in &assigns {
            let (mut l, mut r) = (Vec::new(), Vec::new());
            resolve(lhs, &mut l)?;
            resolve(rhs, &mut r)?;
            // Verilog assignment: right-aligned, RHS zero-extended or truncated
            while r.len() < l.len() {
                r.insert(0, Bit::Const(false));
            }
            let r = &r[r.len() - l.len()..];
            for (a, b) in l.iter().zip(r) {
                match (a, b) {
                    (Bit::Net(x), Bit::Net(y)) => uf.union(*x, *y),
                    (Bit::Net(x), Bit::Const(v)) => const_bits.push((*x, *v)),
                    (Bit::Net(_), Bit::Undefined) => {}
                    _ => {
                        return Err(NetlistError::Syntax {
                            line: 0,
                            message: "assign to a constant".into(),
                        })
                    }
                }
            }
        }
        let mut root_to_net: HashMap<usize, NetId> = HashMap::new();
        let mut net_of_bit = vec![0; bit_names.len()];
        let mut net_names: Vec<Vec<String>> = Vec::new();
        for (b, name) in bit_names.iter().enumerate() {
            let root = uf.find(b);
            let id = *root_to_net.entry(root).or_insert_with(|| {
                net_names.push(Vec::new());
                net_names.len() - 1
            });
            net_of_bit[b] = id;
            net_names[id].push(name.clone());
        }
        let const_nets: HashMap<NetId, bool> = const_bits
            .iter()
            .map(|(b, v)| (net_of_bit[*b], *v))
            .collect();
        let to_net = |bit: Bit| match bit {
            Bit::Net(b) => Bit::Net(net_of_bit[b]),
            other => other,
        };

        let mut cells = Vec::with_capacity(instances.len());
        for (cell_type, name, pins) in instances {
            let mut conns = Vec::with_capacity(pins.len());
            for (pin, e) in pins {
                let bit = match e {
                    None => Bit::Undefined,
                    Some(e) => {
                        let mut bits = Vec::new();
                        resolve(&e, &mut bits)?;
                        if bits.len() != 1 {
                            return Err(NetlistError::PinWidth {
                                cell: name,
                                pin,
                                width: bits.len(),
                            });
                        }
                        to_net(bits[0])
                    }
                };
                conns.push((pin, bit));
            }
            cells.push(CellInstance {
                name,
                cell_type,
                pins: conns,
            });
        }

        let ports = port_order
            .iter()
            .map(|p| {
                let direction = *directions
                    .get(p)
                    .ok_or_else(|| NetlistError::Undeclared(p.clone()))?;
                Ok(PortSpec {
                    name: p.clone(),
                    width: range_width(ranges[p]),
                    direction,
                })
            })
            .collect::<Result<Vec<_>, NetlistError>>()?;
        let bit_index = bit_index
            .into_iter()
            .map(|(k, b)| (k, net_of_bit[b]))
            .collect();
        Ok(Netlist {
            module,
            ports,
            cells,
            net_names,
            const_nets,
            bit_index,
            ranges,
        })
    }
}

/// Bits of an expression, MSB first, as declared-bit indices.
fn resolve_expr(
    e: &Expr,
    ranges: &HashMap<String, Option<(i64, i64)>>,
    bit_index: &HashMap<String, usize>,
    out: &mut Vec<Bit>,
) -> Result<(), NetlistError> {
    match e {
        Expr::Const(bits) => out.extend(
            bits.iter()
                .map(|b| b.map(Bit::Const).unwrap_or(Bit::Undefined)),
        ),
        Expr::Concat(parts) => {
            for p in parts {
                resolve_expr(p, ranges, bit_index, out)?;
            }
        }
        Expr::Ref(name, sel, line) => {
            let decl = ranges
                .get(name)
                .ok_or_else(|| NetlistError::Undeclared(name.clone()))?;
            let (hi, lo) = match (sel, decl) {
                (Some(s), _) => *s,
                (None, Some(r)) => *r,
                (None, None) => {
                    out.push(Bit::Net(bit_index[name]));
                    return Ok(());
                }
            };
            let step: i64 = if hi >= lo { -1 } else { 1 };
            let mut i = hi;
            loop {
                let b = format!("{name}[{i}]");
                let idx = bit_index.get(&b).ok_or_else(|| NetlistError::Syntax {
                    line: *line,
                    message: format!("`{b}` is outside the declared range of `{name}`"),
                })?;
                out.push(Bit::Net(*idx));
                if i == lo {
                    break;
                }
                i += step;
            }
        }
    }
    Ok(())
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra] = rb;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET: &str = r"
/* Generated by Yosys */
module other(x); input x; wire x; endmodule
module top(clk, a, y);
  wire _0_;
  wire [1:0] \u_s.q ;
  input clk;
  wire clk;
  input [1:0] a;
  wire [1:0] a;
  output [2:0] y;
  wire [2:0] y;
  sky130_fd_sc_hd__nand2_1 \u_s._5_  (
    .A(a[0]),
    .B(a[1]),
    .Y(_0_)
  );
  sky130_fd_sc_hd__dfxtp_1 _6_ (
    .CLK(clk),
    .D(_0_),
    .Q(\u_s.q [1])
  );
  assign y[1:0] = \u_s.q ;
  assign \u_s.q [0] = 1'h0;
  assign y[2] = 1'hx;
endmodule
";

    #[test]
    fn parses_ports_cells_and_merges_assigned_bits() {
        let n = Netlist::parse(NET, "top").unwrap();
        assert_eq!(
            n.ports,
            vec![
                PortSpec::new("clk", 1, PortDirection::Input),
                PortSpec::new("a", 2, PortDirection::Input),
                PortSpec::new("y", 3, PortDirection::Output),
            ]
        );
        assert_eq!(n.cells.len(), 2);
        assert_eq!(n.cells[0].name, "u_s._5_");
        assert_eq!(n.cells[0].hier_path(), "u_s");
        assert_eq!(n.cells[1].hier_path(), "");
        assert_eq!(n.net_of("y[1]"), n.net_of("u_s.q[1]"));
        assert_eq!(
            n.cells[1].pins[2],
            ("Q".to_string(), Bit::Net(n.net_of("y[1]").unwrap()))
        );
        assert_eq!(n.const_nets.get(&n.net_of("y[0]").unwrap()), Some(&false));
        assert_ne!(n.net_of("y[2]"), n.net_of("y[1]"));
        assert_eq!(n.port_bits("a").unwrap(), vec!["a[0]", "a[1]"]);
        // _0_, clk, a[1:0], y[2], and y[1:0] merged with u_s.q[1:0]
        assert_eq!(n.net_count(), 7);
    }

    #[test]
    fn missing_module_and_unmapped_logic_are_errors() {
        assert!(
            matches!(Netlist::parse(NET, "nope"), Err(NetlistError::NoModule(m)) if m == "nope")
        );
        let bad = "module t(a, y); input a; output y; assign y = ~a; endmodule";
        let err = Netlist::parse(bad, "t").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn sized_constants() {
        assert_eq!(
            sized_number("4", b'h', "a"),
            Some(vec![Some(true), Some(false), Some(true), Some(false)])
        );
        assert_eq!(
            sized_number("3", b'd', "5"),
            Some(vec![Some(true), Some(false), Some(true)])
        );
        assert_eq!(sized_number("2", b'b', "x"), Some(vec![None, None]));
    }
}
