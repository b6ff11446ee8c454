//! Test helpers for the RTL modules: external tool checks and running a combinational or
//! clocked block in Icarus Verilog on a list of input vectors.

use std::path::Path;
use std::process::Command;

/// True when `name` can be run. Missing tools fail the test in CI (`CI` set) and are
/// skipped visibly elsewhere.
pub fn require_tool(name: &str, debian_pkg: &str) -> bool {
    let found = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is required in CI: install it with apt-get install {debian_pkg}");
        }
        eprintln!("SKIP: {name} not found; install with apt-get install {debian_pkg}");
    }
    found
}

/// A port of a device under test: name and width in bits.
pub type Port<'a> = (&'a str, usize);

/// Run `verilog` (which defines module `dut`) in Icarus on `vectors` (one value per input
/// port, in `inputs` order) and return the output values per vector. Combinational
/// devices are read 1 time unit after the inputs change. With `clocked`, the first input
/// must be `clk`: each vector is applied with clk low, then clk rises, then outputs are read.
pub fn icarus_run(dir: &Path, verilog: &str, inputs: &[Port], outputs: &[Port], vectors: &[Vec<u128>], clocked: bool) -> Vec<Vec<u128>> {
    let decl_in: String = inputs.iter().map(|(n, w)| format!("  reg [{}:0] {};\n", w - 1, tb_name(n))).collect();
    let decl_out: String = outputs.iter().map(|(n, w)| format!("  wire [{}:0] {};\n", w - 1, tb_name(n))).collect();
    let conns: Vec<String> = inputs.iter().chain(outputs).map(|(n, _)| format!(".{n}({})", tb_name(n))).collect();
    let data_in: Vec<&Port> = if clocked { inputs[1..].iter().collect() } else { inputs.iter().collect() };
    let scan_fmt = vec!["%h"; data_in.len()].join(" ");
    let scan_args: Vec<String> = data_in.iter().map(|(n, _)| tb_name(n)).collect();
    let out_fmt = vec!["%h"; outputs.len()].join(" ");
    let out_args: Vec<String> = outputs.iter().map(|(n, _)| tb_name(n)).collect();
    let step = if clocked { "tb_clk = 0; #1; tb_clk = 1; #1;" } else { "#1;" };
    let tb = format!(
        "module tb;\n{decl_in}{decl_out}  dut u({conns});\n  integer fi, fo, r;\n  initial begin\n    \
         fi = $fopen(\"in.txt\", \"r\"); fo = $fopen(\"out.txt\", \"w\");\n    \
         r = $fscanf(fi, \"{scan_fmt}\\n\", {scan_args});\n    \
         while (r == {n}) begin\n      {step}\n      $fwrite(fo, \"{out_fmt}\\n\", {out_args});\n      \
         r = $fscanf(fi, \"{scan_fmt}\\n\", {scan_args});\n    end\n    $fclose(fo); $finish;\n  end\nendmodule\n",
        conns = conns.join(", "),
        scan_args = scan_args.join(", "),
        out_args = out_args.join(", "),
        n = data_in.len(),
    );
    std::fs::write(dir.join("dut.v"), verilog).unwrap();
    std::fs::write(dir.join("tb.v"), tb).unwrap();
    let lines: String = vectors
        .iter()
        .map(|v| v.iter().map(|x| format!("{x:x}")).collect::<Vec<_>>().join(" ") + "\n")
        .collect();
    std::fs::write(dir.join("in.txt"), lines).unwrap();
    let out = Command::new("iverilog").current_dir(dir).args(["-g2005", "-o", "sim", "tb.v", "dut.v"]).output().unwrap();
    assert!(out.status.success(), "iverilog failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("vvp").current_dir(dir).args(["-n", "sim"]).output().unwrap();
    assert!(out.status.success(), "vvp failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join("out.txt")).unwrap();
    let got: Vec<Vec<u128>> = text
        .lines()
        .map(|l| l.split_whitespace().map(|h| u128::from_str_radix(h, 16).unwrap_or_else(|_| panic!("non-hex output '{h}'"))).collect())
        .collect();
    assert_eq!(got.len(), vectors.len(), "Icarus returned {} of {} vectors", got.len(), vectors.len());
    got
}

fn tb_name(port: &str) -> String {
    format!("tb_{}", port.replace('$', "_"))
}
