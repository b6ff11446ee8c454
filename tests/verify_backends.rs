//! The verification backends against `emulate` (issue 4): every built-in unit at its default
//! parameters, a pipelined and an `exact` unit run the vector suite bit-exact on Verilator
//! (100,000 random blocks and the exhaustive pair sweep), rust-hdl (10,000 random blocks
//! and the sweep) and Icarus (10,000 random blocks for MXINT8 and MXFP8, 2,000 for the
//! others; the sweep for elements of up to 6 bits);
//! units with other lane counts run the full suite; and each backend reports a corrupted
//! expected value and a corrupted multiplier.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use hwcost::datapath::UnitParams;
use hwcost::format::{builtins, lookup_in, BlockFormat};
use hwcost::rtl::{Arch, Multiplier, Reduction};
use hwcost::rtl::{PsumWidth, UnitPlan};
use hwcost::sim::backends::{
    build, check, rtl_params, Backend, BackendKind, Icarus, RustHdl, Verilator, VerilatorBuild,
};
use hwcost::sim::vectors::{generate, suite, Kind, SuiteSize};
use hwcost::sim::verify::{render, unit_params, verify_unit, VerifyConfig};
use rayon::prelude::*;

fn tool_for(kind: BackendKind) -> Option<(&'static str, &'static str)> {
    match kind {
        BackendKind::Rusthdl => None,
        BackendKind::Verilator => Some(("verilator", "verilator")),
        BackendKind::Icarus => Some(("iverilog", "iverilog")),
    }
}

fn tool_present(kind: BackendKind) -> bool {
    tool_for(kind).is_none_or(|(tool, package)| common::require_tool(tool, package))
}

/// The unit the generator builds for these parameters, as emulate sees it.
fn unit(format: &str, psum_width: PsumWidth, pipeline: usize) -> (BlockFormat, UnitParams) {
    unit_arch(format, None, psum_width, pipeline, Default::default())
}

/// As [`unit`], with lanes and an architecture.
fn unit_arch(
    format: &str,
    lanes: Option<usize>,
    psum_width: PsumWidth,
    pipeline: usize,
    arch: Arch,
) -> (BlockFormat, UnitParams) {
    let f = lookup_in(format, &[]).unwrap();
    let plan = UnitPlan::new(
        &f,
        &hwcost::rtl::UnitParams {
            lanes,
            psum_width,
            pipeline,
            arch,
        },
    )
    .unwrap();
    let p = unit_params(&plan).unwrap();
    (f, p)
}

/// The CI units: all 10 built-in formats at default parameters, MXFP8 with two pipeline
/// stages, and MXFP8 (E5M2) at the exact width (a 74-bit block sum, wider than 64 bits).
fn ci_units() -> Vec<(BlockFormat, UnitParams)> {
    let mut units: Vec<_> = builtins()
        .iter()
        .map(|f| unit(&f.name, PsumWidth::Default, 0))
        .collect();
    units.push(unit("mxfp8", PsumWidth::Default, 2));
    units.push(unit("mxfp8_e5m2", PsumWidth::Exact, 0));
    // The other architectures (the defaults are booth4/array + csa-tree), at 8 lanes.
    let arch = |m, r| Arch {
        multiplier: Some(m),
        reduction: Some(r),
    };
    for (f, m, r) in [
        ("mxint8", Multiplier::Array, Reduction::CsaTree),
        ("mxint8", Multiplier::Array, Reduction::CpaTree),
        ("mxint6", Multiplier::Array, Reduction::CpaTree),
        ("nvint4", Multiplier::Booth4, Reduction::CsaTree),
        ("mxfp8", Multiplier::Array, Reduction::CpaTree),
        ("nvfp4", Multiplier::Array, Reduction::CpaTree),
    ] {
        units.push(unit_arch(f, Some(8), PsumWidth::Default, 0, arch(m, r)));
    }
    units
}

const CI_SEED: u64 = 0x7e57_4000;

/// The headline units: MXINT8 and MXFP8 at default parameters (the first entries of
/// [`ci_units`] are the built-in formats at default parameters).
fn is_headline(index: usize, f: &BlockFormat) -> bool {
    index < builtins().len() && (f.name == "mxint8" || f.name == "mxfp8")
}

/// Run `size(index, unit)` on `kind` for every CI unit (two at a time, on rayon's pool) and
/// fail with every mismatching unit's report. `min_random(index, unit)` pins the required
/// count of random blocks.
fn every_ci_unit_bit_exact(
    kind: BackendKind,
    work_dir: PathBuf,
    min_random: impl Fn(usize, &BlockFormat) -> usize + Sync,
    size: impl Fn(usize, &BlockFormat) -> SuiteSize + Sync,
) {
    if !tool_present(kind) {
        return;
    }
    let start = Instant::now();
    let failures: Vec<String> = ci_units()
        .par_iter()
        .enumerate()
        .filter_map(|(i, (f, p))| {
            let size = size(i, f);
            let min_random = min_random(i, f);
            assert!(
                size.random >= min_random,
                "{}: {} random blocks, need {min_random}",
                f.name,
                size.random
            );
            let cfg = VerifyConfig {
                backends: vec![kind],
                size,
                seed: CI_SEED + i as u64,
                work_dir: work_dir.clone(),
                // Builds run two at a time already: one compile job each.
                verilator: VerilatorBuild {
                    cxx_opt: 1,
                    jobs: 1,
                },
                keep: 5,
                progress: false,
            };
            let report = verify_unit(f, p, &cfg)
                .unwrap_or_else(|e| panic!("{} on {}: {e}", kind.name(), f.name));
            let text = render(f, p, &report, 10);
            eprintln!("{text}");
            let b = &report.backends[0];
            let planned: usize = report
                .streams
                .iter()
                .map(|s| s.block_count(f, p.lanes))
                .sum();
            assert_eq!(
                b.blocks, planned,
                "{}: every planned block ran",
                report.unit
            );
            (report.mismatch_count() > 0).then_some(text)
        })
        .collect();
    eprintln!(
        "{}: {} units in {:.1} s",
        kind.name(),
        ci_units().len(),
        start.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        kind.name(),
        failures.join("\n")
    );
}

/// Where Verilator builds are cached between test runs (keyed by the Verilog's hash).
fn verilator_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hwcost-verify")
}

#[test]
fn every_ci_unit_is_bit_exact_on_verilator() {
    // 100,000 random blocks, 12,500 of each other kind, the 65,536-block pair sweep.
    every_ci_unit_bit_exact(
        BackendKind::Verilator,
        verilator_cache(),
        |_, _| 100_000,
        |_, _| SuiteSize::new(100_000, true),
    );
}

#[test]
fn every_ci_unit_is_bit_exact_on_rusthdl() {
    // The pair sweep once through (budget 0: every pair in one lane, 65,536 blocks for
    // 8-bit elements), 200 blocks of each other kind (seven kinds).
    let dir = tempfile::tempdir().unwrap();
    every_ci_unit_bit_exact(
        BackendKind::Rusthdl,
        dir.path().into(),
        |_, _| 10_000,
        |_, _| SuiteSize {
            random: 10_000,
            others: 200,
            pairs: Some(0),
        },
    );
}

#[test]
fn every_ci_unit_is_bit_exact_on_icarus() {
    // Icarus runs a 32-lane compressor-tree unit at about 100 blocks per CPU-second (the
    // structural adder cells are event-heavy): 10,000 random blocks for the two headline
    // units, 2,000 for the others (Verilator and rust-hdl run them 100,000 and 10,000 deep);
    // the pair sweep only where it is short (4,096 blocks for 6-bit elements, 256 for 4-bit).
    let random = |i: usize, f: &BlockFormat| if is_headline(i, f) { 10_000 } else { 2_000 };
    let dir = tempfile::tempdir().unwrap();
    every_ci_unit_bit_exact(BackendKind::Icarus, dir.path().into(), random, |i, f| {
        SuiteSize {
            random: random(i, f),
            others: 200,
            pairs: (f.elem.bits() <= 6).then_some(0),
        }
    });
}

/// Every stream of the suite (with the exhaustive pair sweep) bit-exact on `kind` for a
/// unit with a non-default lane count, and one flipped bit in the expected outputs
/// reported at its cycle.
fn suite_matches(
    kind: BackendKind,
    format: &str,
    lanes: usize,
    psum_width: u32,
    pipeline: u32,
    blocks: usize,
) {
    if !tool_present(kind) {
        return;
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
fn rusthdl_runs_the_suite_bit_exact_at_four_lanes() {
    // S = 4: the NV unit with both cuts inside its FP front end.
    suite_matches(BackendKind::Rusthdl, "nvfp4", 4, 10, 4, 400);
}

#[test]
fn verilator_runs_the_suite_bit_exact_at_four_lanes() {
    // mxfp8 with the study's narrow window: the 65,536-pair sweep and truncation in play;
    // S = 4: the lane and carry-save cuts inside the front end.
    suite_matches(BackendKind::Verilator, "mxfp8", 4, 24, 4, 4000);
}

#[test]
fn icarus_runs_the_suite_bit_exact_at_four_lanes() {
    // S = 3: the lane cut alone, then the front registers and the result register.
    suite_matches(BackendKind::Icarus, "mxfp4", 4, 10, 3, 600);
}

#[test]
fn the_int_carry_save_cut_is_bit_exact_on_verilator_and_icarus() {
    // S = 3 in an INT unit: the compressor tree's rows registered before its final adder.
    suite_matches(BackendKind::Verilator, "mxint8", 4, 16, 3, 1000);
    suite_matches(BackendKind::Icarus, "nvint4", 4, 8, 3, 400);
}

/// Turn the significand multiplier into an adder in the emitted Verilog.
fn corrupt_multiplier(verilog: &str) -> String {
    let start = verilog
        .match_indices("\nmodule ")
        .map(|(i, _)| i + 1)
        .find(|&i| {
            verilog[i..]
                .lines()
                .next()
                .is_some_and(|l| l.contains("__mul_"))
        })
        .expect("the unit has a multiplier module");
    let end = start + verilog[start..].find("endmodule").expect("modules end");
    let body = &verilog[start..end];
    assert!(body.contains(" * "), "the multiplier multiplies:\n{body}");
    format!(
        "{}{}{}",
        &verilog[..start],
        body.replacen(" * ", " + ", 1),
        &verilog[end..]
    )
}

#[test]
fn a_corrupted_multiplier_is_caught_by_every_backend() {
    let f = lookup_in("mxfp4", &[]).unwrap();
    let p = UnitParams::new(&f, 4, 10, 0).unwrap();
    let stream = generate(&f, &p, Kind::Random, 0x7e57_0002, 200).unwrap();
    for kind in BackendKind::ALL {
        if !tool_present(kind) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut backend: Box<dyn Backend> = match kind {
            // The rust-hdl model with lane 0's multiplier adding (a test-only hook).
            BackendKind::Rusthdl => {
                let mut r = RustHdl::new(&f, &p).unwrap();
                // The healthy model passes the same stream: the hook, not the stream, fails it.
                assert!(check(&mut r, &stream).unwrap().is_empty());
                r.corrupt_multiplier();
                Box::new(r)
            }
            // The emitted Verilog with one multiplier module turned into an adder.
            _ => {
                let emitted =
                    hwcost::rtl::emit_unit(&f, &rtl_params(&p), dir.path(), None).unwrap();
                let v = dir.path().join(format!("{}.v", emitted.name));
                let text = std::fs::read_to_string(&v).unwrap();
                std::fs::write(&v, corrupt_multiplier(&text)).unwrap();
                match kind {
                    BackendKind::Verilator => {
                        Box::new(Verilator::from_dir(&f, &p, dir.path(), &emitted.name).unwrap())
                    }
                    _ => Box::new(Icarus::from_dir(&f, &p, dir.path(), &emitted.name).unwrap()),
                }
            }
        };
        let m = check(backend.as_mut(), &stream).unwrap();
        assert!(
            !m.is_empty(),
            "{} missed a multiplier turned into an adder",
            kind.name()
        );
        eprintln!(
            "{}: corrupted multiplier -> {} of {} cycles differ; first: {}",
            kind.name(),
            m.len(),
            stream.cycles.len(),
            m[0]
        );
    }
}

/// `hwcost verify` end to end: a clean run exits 0 with the seed and blocks/s; with the
/// cached Verilator binary swapped for one built from a corrupted multiplier, the same
/// command exits non-zero and prints the mismatching cycles in hex.
#[test]
fn the_cli_reports_mismatches_in_hex_and_exits_nonzero() {
    if !tool_present(BackendKind::Verilator) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let args = [
        "verify",
        "mxfp4",
        "--lanes",
        "4",
        "--backend",
        "verilator",
        "--vectors",
        "300",
        "--seed",
        "0x5eed",
    ];
    let run = || {
        common::hwcost()
            .args(args)
            .arg("--work-dir")
            .arg(work.path())
            .output()
            .unwrap()
    };
    let ok = run();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout.contains("seed 0x5eed"), "{stdout}");
    assert!(
        stdout.contains("blocks/s") && stdout.contains("bit-exact"),
        "{stdout}"
    );

    // The cache entry the clean run left, and a corrupted build of the same unit.
    let entries: Vec<PathBuf> = std::fs::read_dir(work.path().join("verilator"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "one cached build: {entries:?}");
    let name = "mxfp4_mac_k4_n10_p0_array_csa";
    let cached = entries[0].join(format!("{name}_sim"));
    assert!(cached.is_file());
    let f = lookup_in("mxfp4", &[]).unwrap();
    let p = UnitParams::new(&f, 4, 10, 0).unwrap();
    let bad = tempfile::tempdir().unwrap();
    hwcost::rtl::emit_unit(&f, &rtl_params(&p), bad.path(), None).unwrap();
    let v = bad.path().join(format!("{name}.v"));
    std::fs::write(
        &v,
        corrupt_multiplier(&std::fs::read_to_string(&v).unwrap()),
    )
    .unwrap();
    Verilator::from_dir(&f, &p, bad.path(), name).unwrap();
    std::fs::copy(
        bad.path().join("obj_dir").join(format!("{name}_sim")),
        &cached,
    )
    .unwrap();

    let failed = run();
    let stdout = String::from_utf8_lossy(&failed.stdout);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success(), "{stdout}");
    assert!(
        stdout.contains("cached"),
        "the swapped binary was used: {stdout}"
    );
    assert!(
        stderr.contains("mismatching cycles") && stderr.contains("0x5eed"),
        "{stderr}"
    );
    let hex_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("cycle "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        hex_line.contains("expected out_valid") && hex_line.contains("acc 0x"),
        "{hex_line}"
    );
}
