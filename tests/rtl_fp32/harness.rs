//! Test plumbing: external tools, direct stepping of rust-hdl circuits, an Icarus runner that
//! drives the emitted Verilog with vector files, and the Verilator lint check.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

/// True if `tool` runs. Without it: a failure under CI, a visible skip elsewhere.
pub fn require_tool(tool: &str, debian_pkg: &str) -> bool {
    let found = Command::new(tool)
        .arg(if tool == "iverilog" {
            "-V"
        } else {
            "--version"
        })
        .output()
        .is_ok();
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is required in CI: install it with apt-get install {debian_pkg}");
        }
        eprintln!("SKIP: {tool} not found; install with apt-get install {debian_pkg}");
    }
    found
}

/// The seed of a random test: `HWCOST_TEST_SEED` if set, else the test's fixed default.
pub fn seed(default: u64) -> u64 {
    std::env::var("HWCOST_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Propagate the inputs set on `uut` through its combinational logic.
pub fn settle<B: Block>(uut: &mut B) {
    assert!(simulate(uut, 1000), "circuit did not settle");
}

/// The Verilog of a circuit (top module `top`).
pub fn verilog_of<B: Block>(uut: &mut B) -> String {
    uut.connect_all();
    generate_verilog(uut)
}

/// A port of the top module: name and width in bits.
pub type Port = (&'static str, usize);

/// Runs `verilog` (top module `top`) in Icarus on `vectors` (one value per input port per
/// vector, each at most 128 bits) and returns the outputs per vector, or None when Icarus
/// is missing outside CI. The testbench reads one `$readmemh` file per input, applies
/// a vector, waits 1 ns and writes the outputs in hex.
pub fn icarus(
    verilog: &str,
    inputs: &[Port],
    outputs: &[Port],
    vectors: &[Vec<u128>],
) -> Option<Vec<Vec<u128>>> {
    if !require_tool("iverilog", "iverilog") {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let n = vectors.len();
    let mut tb = String::from("`timescale 1ns/1ps\nmodule tb;\n");
    for (name, w) in inputs {
        writeln!(
            tb,
            "reg [{}:0] {name};\nreg [{}:0] m_{name} [0:{}];",
            w - 1,
            w - 1,
            n - 1
        )
        .unwrap();
    }
    for (name, w) in outputs {
        writeln!(tb, "wire [{}:0] {name};", w - 1).unwrap();
    }
    let conns: Vec<String> = inputs
        .iter()
        .chain(outputs)
        .map(|(name, _)| format!(".{name}({name})"))
        .collect();
    writeln!(
        tb,
        "top dut({});\ninteger i, f;\ninitial begin",
        conns.join(", ")
    )
    .unwrap();
    for (j, (name, w)) in inputs.iter().enumerate() {
        let digits = w.div_ceil(4);
        let mut hex = String::with_capacity(n * (digits + 1));
        for v in vectors {
            writeln!(hex, "{:0digits$x}", v[j]).unwrap();
        }
        std::fs::write(dir.path().join(format!("in_{name}.hex")), hex).unwrap();
        writeln!(tb, "    $readmemh(\"in_{name}.hex\", m_{name});").unwrap();
    }
    writeln!(
        tb,
        "    f = $fopen(\"out.txt\", \"w\");\n    for (i = 0; i < {n}; i = i + 1) begin"
    )
    .unwrap();
    for (name, _) in inputs {
        writeln!(tb, "        {name} = m_{name}[i];").unwrap();
    }
    let fmt = vec!["%h"; outputs.len()].join(" ");
    let outs: Vec<&str> = outputs.iter().map(|(name, _)| *name).collect();
    writeln!(
        tb,
        "        #1;\n        $fdisplay(f, \"{fmt}\", {});\n    end",
        outs.join(", ")
    )
    .unwrap();
    tb += "    $fclose(f);\n    $finish;\nend\nendmodule\n";
    std::fs::write(dir.path().join("top.v"), verilog).unwrap();
    std::fs::write(dir.path().join("tb.v"), tb).unwrap();
    run(
        dir.path(),
        "iverilog",
        &["-g2005", "-o", "sim.vvp", "tb.v", "top.v"],
    );
    run(dir.path(), "vvp", &["-n", "sim.vvp"]);
    let text = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    let rows: Vec<Vec<u128>> = text
        .lines()
        .map(|line| {
            line.split_whitespace()
                .map(|t| {
                    u128::from_str_radix(t, 16)
                        .unwrap_or_else(|_| panic!("Icarus printed '{t}' (x or z?)"))
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rows.len(),
        n,
        "Icarus wrote {} result lines for {n} vectors",
        rows.len()
    );
    Some(rows)
}

fn run(dir: &Path, tool: &str, args: &[&str]) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `verilator --lint-only -Wall` on `verilog` (top module `top`): the warnings and errors it
/// prints, or None when Verilator is missing outside CI. DECLFILENAME is off: rust-hdl
/// writes every module of a design into one file, whose name can match only one of them.
pub fn verilator_lint(verilog: &str) -> Option<Vec<String>> {
    if !require_tool("verilator", "verilator") {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("top.v"), verilog).unwrap();
    let out = Command::new("verilator")
        .args([
            "--lint-only",
            "-Wall",
            "-Wno-DECLFILENAME",
            "--top-module",
            "top",
            "top.v",
        ])
        .current_dir(dir.path())
        .output()
        .expect("verilator");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let mut issues: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('%'))
        .map(str::to_owned)
        .collect();
    if !out.status.success() && issues.is_empty() {
        issues.push(format!("verilator exited with {}", out.status));
    }
    Some(issues)
}

/// Compares `got` with `want` element by element and panics with the first mismatches
/// (formatted by `show`) and the seed.
pub fn assert_all_equal<T: PartialEq>(
    what: &str,
    seed: u64,
    got: &[T],
    want: &[T],
    show: impl Fn(usize) -> String,
) {
    assert_eq!(got.len(), want.len());
    let bad: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
    if !bad.is_empty() {
        let first: Vec<String> = bad.iter().take(8).map(|&i| show(i)).collect();
        panic!(
            "{what}: {} of {} vectors differ (seed {seed}); first:\n{}",
            bad.len(),
            got.len(),
            first.join("\n")
        );
    }
}
