//! The self-checking testbench `hwcost rtl` writes beside a unit: `<name>_tb.v` replays
//! `<name>.vectors.hex`, input records and the outputs hwcost's software model (`emulate`)
//! expects, one record per clock cycle, and compares `out_valid` and `acc` bit for bit on
//! every cycle. It runs under Icarus and Verilator (`--binary`); the first mismatch prints
//! `FAIL` and ends with `$fatal` (non-zero exit), a clean run prints `PASS` and `$finish`es.
//!
//! The vectors are `hwcost verify`'s generators (`sim::vectors::testbench_stream`,
//! `sim::mixed::mixed_testbench_stream`) and its expected-value model, and a record is the
//! harness protocol's input record (rtl/NOTES.md) followed by its output record, written as
//! one hexadecimal word: see [`Layout`].

use crate::cost::source::GENERATOR;
use crate::datapath::UnitParams;
use crate::format::BlockFormat;
use crate::rtl::mixed::MixedPlan;
use crate::sim::mixed::{encode_mixed_inputs, mixed_testbench_stream};
use crate::sim::vectors::{encode_inputs, testbench_stream, Output, VectorError};

/// Valid blocks (mixed units: cycles) of the shipped vectors by default.
pub const DEFAULT_VECTORS: usize = 256;

/// Default seed of the shipped vectors (the file header records the seed used).
pub const DEFAULT_SEED: u64 = 1;

/// Bit 7 of a record's flag byte: set on every record, so a missing record (zeros in
/// Verilator, X in Icarus) is caught rather than replayed.
pub const PRESENT_BIT: u32 = 7;

/// Where the fields of one vector record sit, in bits from the word's least significant bit.
/// Every field is a whole number of bytes, so in the hex text each field is a fixed run of
/// digits; from the left: flags, `a`, `b`, `a_scale`, `b_scale`, expected `out_valid`,
/// expected `acc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Layout {
    /// Width of `a` and `b`, K*W bits (the low bits of their byte fields).
    pub operand_bits: usize,
    /// Bytes of the `a` (and `b`) field.
    pub operand_bytes: usize,
    /// Width of `a_scale` and `b_scale` (8, or 8G for a mixed unit).
    pub scale_bits: usize,
    /// Whether the unit has a `mode` input (flag bit 3).
    pub mode: bool,
    /// Whether the unit has `a_scale` and `b_scale` ports; a unit for a format without a
    /// scale has none, and its records' scale fields (code 127) are not applied.
    #[serde(skip)]
    pub scale_ports: bool,
}

/// A field of a record: name, least significant bit, width in bits.
pub type Field = (&'static str, usize, usize);

impl Layout {
    /// Bits of a record.
    pub fn record_bits(&self) -> usize {
        8 + 16 * self.operand_bytes + 2 * self.scale_bits + 8 + 32
    }

    /// The fields, from the most significant: `flags` (bit 0 rst, 1 in_valid, 2 acc_clear,
    /// 3 mode, 7 always 1), `a`, `b`, `a_scale`, `b_scale`, `out_valid` (a byte, 0 or 1),
    /// `acc` (binary32 bits).
    pub fn fields(&self) -> Vec<Field> {
        let ob = 8 * self.operand_bytes;
        let sb = self.scale_bits;
        vec![
            ("flags", 40 + 2 * sb + 2 * ob, 8),
            ("a", 40 + 2 * sb + ob, self.operand_bits),
            ("b", 40 + 2 * sb, self.operand_bits),
            ("a_scale", 40 + sb, sb),
            ("b_scale", 40, sb),
            ("out_valid", 32, 8),
            ("acc", 0, 32),
        ]
    }

    fn lsb(&self, name: &str) -> usize {
        self.fields()
            .iter()
            .find(|f| f.0 == name)
            .map(|f| f.1)
            .expect("a field of the layout")
    }
}

/// The vectors of a unit: its layout, the records' input bytes (harness protocol), the
/// expected outputs, and the seed.
pub struct Vectors {
    pub layout: Layout,
    pub input_records: Vec<u8>,
    pub expected: Vec<Output>,
    pub seed: u64,
    /// Valid blocks presented (a reset cycle's block is dropped by the unit but counted).
    pub valid_cycles: usize,
    /// What the stream holds, for the file header.
    pub contents: &'static str,
}

/// The vectors of single-format unit `fmt`/`p`: about `blocks` valid blocks from `seed`.
pub fn unit_vectors(
    fmt: &BlockFormat,
    p: &UnitParams,
    seed: u64,
    blocks: usize,
) -> Result<Vectors, VectorError> {
    let s = testbench_stream(fmt, p, seed, blocks)?;
    let operand_bits = p.lanes * fmt.elem.bits() as usize;
    Ok(Vectors {
        layout: Layout {
            operand_bits,
            operand_bytes: operand_bits.div_ceil(8),
            scale_bits: 8,
            mode: false,
            scale_ports: fmt.scale != crate::format::ScaleFormat::Unscaled,
        },
        input_records: encode_inputs(fmt, p, &s.cycles),
        valid_cycles: s.cycles.iter().filter(|c| c.in_valid).count(),
        expected: s.expected,
        seed,
        contents: "random blocks with special and corner codes and random clears; in_valid gaps \
                   with clears on idle cycles and resets mid-stream; NaN scales; extreme scales \
                   (overflow, subnormal and zero results)",
    })
}

/// The vectors of mixed unit `plan`: about `cycles` cycles from `seed`.
pub fn mixed_vectors(plan: &MixedPlan, seed: u64, cycles: usize) -> Vectors {
    let s = mixed_testbench_stream(plan, seed, cycles);
    Vectors {
        layout: Layout {
            operand_bits: plan.operand_bits(),
            operand_bytes: plan.lanes,
            scale_bits: plan.scale_bits(),
            mode: true,
            scale_ports: true,
        },
        input_records: encode_mixed_inputs(plan, &s.cycles),
        valid_cycles: s.cycles.iter().filter(|c| c.in_valid).count(),
        expected: s.expected,
        seed,
        contents: "both modes mixed per cycle, idle cycles, clears and resets; accumulation runs \
                   across mode switches; scales spread over their whole range",
    }
}

/// `<name>.vectors.hex`: a comment header (unit, generator, seed, counts, layout), then one
/// record per line as a hex word, `$readmemh` input.
pub fn vectors_hex(name: &str, v: &Vectors) -> String {
    let l = &v.layout;
    let rec_in = 1 + 2 * l.operand_bytes + 2 * (l.scale_bits / 8);
    let n = v.expected.len();
    assert_eq!(
        v.input_records.len(),
        n * rec_in,
        "one input record per output"
    );
    let mut s = format!(
        "// {name}: test vectors for {name}_tb.v ({GENERATOR}), $readmemh format.\n\
         // seed {seed}; {n} cycles, {valid} with in_valid; expected outputs from hwcost's software\n\
         // model (emulate), as `hwcost verify` computes them. Contents: {contents}.\n\
         // One record per line, {bits} bits; fields from the left (lsb, width in bits):\n",
        seed = v.seed,
        valid = v.valid_cycles,
        contents = v.contents,
        bits = l.record_bits(),
    );
    for (f, lsb, w) in l.fields() {
        s += &format!("//   {f} [{lsb} +: {w}]\n");
    }
    s += "// flags: bit 0 rst, bit 1 in_valid, bit 2 acc_clear, bit 3 mode, bit 7 always 1.\n";
    s += "// Regenerate with: hwcost rtl ... --vectors N --seed S (same unit options).\n";
    let digits = l.record_bits() / 4;
    s.reserve(n * (digits + 1));
    let scale_bytes = l.scale_bits / 8;
    for (rec, out) in v.input_records.chunks(rec_in).zip(&v.expected) {
        let (flags, rest) = rec.split_first().expect("a record has a flag byte");
        let (a, rest) = rest.split_at(l.operand_bytes);
        let (b, rest) = rest.split_at(l.operand_bytes);
        let (a_scale, b_scale) = rest.split_at(scale_bytes);
        s += &format!("{:02x}", flags | 1 << PRESENT_BIT);
        for field in [a, b, a_scale, b_scale] {
            for byte in field.iter().rev() {
                s += &format!("{byte:02x}");
            }
        }
        s += &format!("{:02x}{:08x}\n", out.out_valid as u8, out.acc);
    }
    s
}

/// `<name>_tb.v`: the self-checking testbench (Verilog-2005 plus `$fatal`). The vectors file
/// is `+vectors=FILE`, by default `<name>.vectors.hex` in the working directory.
pub fn testbench(name: &str, v: &Vectors) -> String {
    let l = &v.layout;
    let n = v.expected.len();
    let (kw, sb, rw) = (l.operand_bits, l.scale_bits, l.record_bits());
    let (fl, al, bl, asl, bsl) = (
        l.lsb("flags"),
        l.lsb("a"),
        l.lsb("b"),
        l.lsb("a_scale"),
        l.lsb("b_scale"),
    );
    let scale_conn = if l.scale_ports {
        " .a_scale(a_scale), .b_scale(b_scale),"
    } else {
        ""
    };
    let (mode_decl, mode_set, mode_conn) = if l.mode {
        (
            "    reg mode = 1'b0;\n",
            "            mode = r[FL + 3];\n",
            ", .mode(mode)",
        )
    } else {
        ("", "", "")
    };
    format!(
        r#"// {name}_tb: self-checking testbench ({GENERATOR}).
// Replays {name}.vectors.hex ({n} cycles, seed {seed}): per cycle the inputs are applied
// with clk low, clk rises, and out_valid and acc are compared bit for bit with the outputs
// hwcost's software model expects. The first mismatch prints FAIL and ends in $fatal
// (non-zero exit); a clean run prints PASS.
//   Under Icarus: iverilog -g2005-sv -o {name}_tb.vvp -s {name}_tb {name}_tb.v {name}.v && vvp -n {name}_tb.vvp
//   Under Verilator 5: verilator --binary -Wno-fatal --top-module {name}_tb {name}_tb.v {name}.v && obj_dir/V{name}_tb
// Another vectors file: +vectors=FILE.
`timescale 1ns/1ps
module {name}_tb;
    localparam N = {n};
    localparam KW = {kw};
    localparam SB = {sb};
    localparam RW = {rw};
    localparam FL = {fl};
    localparam AL = {al};
    localparam BL = {bl};
    localparam ASL = {asl};
    localparam BSL = {bsl};
    reg clk = 1'b0;
    reg rst = 1'b0;
    reg in_valid = 1'b0;
    reg acc_clear = 1'b0;
{mode_decl}    reg [KW-1:0] a = {{KW{{1'b0}}}};
    reg [KW-1:0] b = {{KW{{1'b0}}}};
    reg [SB-1:0] a_scale = {{SB{{1'b0}}}};
    reg [SB-1:0] b_scale = {{SB{{1'b0}}}};
    wire out_valid;
    wire [31:0] acc;
    reg [RW-1:0] vec [0:N-1];
    reg [RW-1:0] r;
    reg [8*1024-1:0] path;
    integer i, blocks;

    {name} dut(.clk(clk), .rst(rst), .in_valid(in_valid), .acc_clear(acc_clear){mode_conn},
        .a(a), .b(b),{scale_conn} .out_valid(out_valid), .acc(acc));

    initial begin
        if (!$value$plusargs("vectors=%s", path)) path = "{name}.vectors.hex";
        for (i = 0; i < N; i = i + 1) vec[i] = {{RW{{1'b0}}}};
        $readmemh(path, vec);
        blocks = 0;
        for (i = 0; i < N; i = i + 1) begin
            r = vec[i];
            if (r[FL + {present}] !== 1'b1) begin
                $display("FAIL: {name}: record %0d of %0d is missing from the vectors file", i, N);
                $fatal(1, "missing vectors");
            end
            rst = r[FL];
            in_valid = r[FL + 1];
            acc_clear = r[FL + 2];
{mode_set}            a = r[AL +: KW];
            b = r[BL +: KW];
            a_scale = r[ASL +: SB];
            b_scale = r[BSL +: SB];
            if (in_valid && !rst) blocks = blocks + 1;
            #5 clk = 1'b1;
            #1;
            if (out_valid !== r[32] || acc !== r[31:0]) begin
                $display("FAIL: {name}: cycle %0d (record %0d): out_valid %b acc %h, expected out_valid %b acc %h",
                    i, i, out_valid, acc, r[32], r[31:0]);
                $display("      inputs: rst %b in_valid %b acc_clear %b a_scale %h b_scale %h", rst, in_valid, acc_clear, a_scale, b_scale);
                $fatal(1, "mismatch");
            end
            #4 clk = 1'b0;
        end
        $display("PASS: {name}: %0d cycles, %0d blocks, out_valid and acc bit for bit", N, blocks);
        $finish;
    end
endmodule
"#,
        seed = v.seed,
        present = PRESENT_BIT,
    )
}
