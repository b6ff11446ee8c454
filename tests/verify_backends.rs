//! The verification backends against `emulate`: rust-hdl, Verilator and Icarus run the vector
//! suites bit-exact, and each of them reports a corrupted expected value; Verilator and Icarus
//! also catch a corrupted operator in the Verilog.

mod common;

use hwcost::datapath::UnitParams;
use hwcost::format::lookup_in;
use hwcost::sim::backends::{build, check, BackendKind, Icarus, Verilator};
use hwcost::sim::vectors::{generate, suite, Kind};

fn tool_for(kind: BackendKind) -> Option<(&'static str, &'static str)> {
    match kind {
        BackendKind::Rusthdl => None,
        BackendKind::Verilator => Some(("verilator", "verilator")),
        BackendKind::Icarus => Some(("iverilog", "iverilog")),
    }
}

/// Every stream of the suite (with the exhaustive pair sweep) bit-exact on `kind`, and one
/// flipped bit in the expected outputs reported at its cycle.
fn suite_matches(kind: BackendKind, format: &str, lanes: usize, psum_width: u32, pipeline: u32, blocks: usize) {
    if let Some((tool, package)) = tool_for(kind) {
        if !common::require_tool(tool, package) {
            return;
        }
    }
    let f = lookup_in(format, &[]).unwrap();
    let p = UnitParams::new(&f, lanes, psum_width, pipeline).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut backend = build(kind, &f, &p, dir.path()).unwrap();
    let seed = 0x7e57_0001;
    for s in suite(&f, &p, seed, blocks, true).unwrap() {
        let m = check(backend.as_mut(), &s).unwrap();
        let first: Vec<String> = m.iter().take(5).map(|m| m.to_string()).collect();
        assert!(
            m.is_empty(),
            "{} on {}: stream {} (seed {:#x}): {} mismatches, first:\n{}",
            kind.name(),
            format,
            s.name,
            s.seed,
            m.len(),
            first.join("\n")
        );
    }
    let mut s = generate(&f, &p, Kind::Random, seed, 50).unwrap();
    let cycle = s.expected.len() - 1;
    s.expected[cycle].acc ^= 0x0000_0100;
    let m = check(backend.as_mut(), &s).unwrap();
    assert_eq!(m.len(), 1, "{}: one corrupted expected value", kind.name());
    assert_eq!(m[0].cycle, cycle);
}

#[test]
fn rusthdl_runs_the_suite_bit_exact() {
    suite_matches(BackendKind::Rusthdl, "nvfp4", 4, 10, 1, 400);
}

#[test]
fn verilator_runs_the_suite_bit_exact() {
    // mxfp8 with the study's narrow window: the 65,536-pair sweep and truncation in play.
    suite_matches(BackendKind::Verilator, "mxfp8", 4, 24, 2, 4000);
}

#[test]
fn icarus_runs_the_suite_bit_exact() {
    suite_matches(BackendKind::Icarus, "mxfp4", 4, 10, 0, 600);
}

/// Turn the significand multiplier into an adder in the emitted Verilog.
fn corrupt_multiplier(verilog: &str) -> String {
    let start = verilog
        .match_indices("\nmodule ")
        .map(|(i, _)| i + 1)
        .find(|&i| verilog[i..].lines().next().is_some_and(|l| l.contains("__mul_")))
        .expect("the unit has a multiplier module");
    let end = start + verilog[start..].find("endmodule").expect("modules end");
    let body = &verilog[start..end];
    assert!(body.contains(" * "), "the multiplier multiplies:\n{body}");
    format!("{}{}{}", &verilog[..start], body.replacen(" * ", " + ", 1), &verilog[end..])
}

#[test]
fn a_corrupted_operator_is_caught_by_verilator_and_icarus() {
    let f = lookup_in("mxfp4", &[]).unwrap();
    let p = UnitParams::new(&f, 4, 10, 0).unwrap();
    let stream = generate(&f, &p, Kind::Random, 0x7e57_0002, 200).unwrap();
    for kind in [BackendKind::Verilator, BackendKind::Icarus] {
        let (tool, package) = tool_for(kind).unwrap();
        if !common::require_tool(tool, package) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let params = hwcost::sim::backends::rtl_params(&p);
        let emitted = hwcost::rtl::emit_unit(&f, &params, dir.path(), None).unwrap();
        let v = dir.path().join(format!("{}.v", emitted.name));
        let text = std::fs::read_to_string(&v).unwrap();
        std::fs::write(&v, corrupt_multiplier(&text)).unwrap();
        let mut backend: Box<dyn hwcost::sim::backends::Backend> = match kind {
            BackendKind::Verilator => Box::new(Verilator::from_dir(&f, &p, dir.path(), &emitted.name).unwrap()),
            _ => Box::new(Icarus::from_dir(&f, &p, dir.path(), &emitted.name).unwrap()),
        };
        let m = check(backend.as_mut(), &stream).unwrap();
        assert!(!m.is_empty(), "{} missed a multiplier turned into an adder", kind.name());
        eprintln!(
            "{}: corrupted multiplier -> {} of {} cycles differ; first: {}",
            kind.name(),
            m.len(),
            stream.cycles.len(),
            m[0]
        );
    }
}
