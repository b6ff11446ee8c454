//! Mixed-format units (issue 8): the rust-hdl model, Verilator and Icarus against the
//! software model, bit for bit, in both modes, for the study's reuse schemes and for the
//! no-reuse variants; the streams' power to catch a wrong block-sum order; the CLI.
//!
//! Sizes: the INT units at K = 16 (G = 2 NV blocks per 4-bit cycle, so the block split is
//! exercised) and the FP scheme at K = 32 (two E4M3 groups, so the 8-bit block's global
//! alignment across groups is exercised); every 4-bit pair through all three simulators,
//! every 8-bit pair through Verilator, for the default architectures (radix-4 Booth and
//! compressor trees for INT, array and compressor trees for FP); the other architectures
//! (array + cpa-tree, and array + csa-tree without reuse) with shorter streams at K = 16.

mod common;

use std::time::Instant;

use hwcost::datapath::mixed::MixedFormat;
use hwcost::datapath::{add_binary32, emulate_block, UnitParams};
use hwcost::rtl::mixed::{MixedPlan, Reuse};
use hwcost::sim::backends::BackendKind;
use hwcost::rtl::{Multiplier, Reduction};
use hwcost::sim::mixed::{
    build_mixed, check_mixed, mixed_stream, mixed_suite, plan_for, MixedBackend, MixedRustHdl,
    MixedStream, MixedStreamKind as K,
};
use hwcost::sim::vectors::{compare, Output};

fn tool_for(kind: BackendKind) -> Option<(&'static str, &'static str)> {
    match kind {
        BackendKind::Rusthdl => None,
        BackendKind::Verilator => Some(("verilator", "verilator")),
        BackendKind::Icarus => Some(("iverilog", "iverilog")),
    }
}

/// Build `kind` for `plan` (None: the tool is missing outside CI), run every stream and fail
/// on the first mismatches (seed in the message).
fn agree(
    kind: BackendKind,
    plan: &MixedPlan,
    streams: &[MixedStream],
    dir: &std::path::Path,
) -> Option<Box<dyn MixedBackend>> {
    if let Some((tool, pkg)) = tool_for(kind) {
        if !common::require_tool(tool, pkg) {
            return None;
        }
    }
    let t = Instant::now();
    let mut backend = build_mixed(kind, plan, dir).unwrap();
    let built = t.elapsed();
    for s in streams {
        let bad = check_mixed(backend.as_mut(), s).unwrap();
        let shown: Vec<String> = bad.iter().take(5).map(|m| m.to_string()).collect();
        assert!(
            bad.is_empty(),
            "{} on {} (seed {:#x}): {} mismatches, first: {shown:#?}",
            kind.name(),
            s.name,
            s.seed,
            bad.len()
        );
    }
    let cycles: usize = streams.iter().map(|s| s.cycles.len()).sum();
    eprintln!(
        "{} {}: built in {:.1?}, {cycles} cycles in {:.1?}",
        kind.name(),
        plan.name,
        built,
        t.elapsed() - built
    );
    Some(backend)
}

/// A deliberately different model: the G NV results of a 4-bit cycle added left to right
/// (((R0 + R1) + R2) + R3) instead of the contract's balanced tree; each cycle starts from
/// the contract's previous accumulator, so every difference is that cycle's order alone.
fn chain_order_outputs(plan: &MixedPlan, s: &MixedStream) -> Vec<Output> {
    let f = &plan.format;
    let nv = UnitParams {
        lanes: 16,
        psum_width: f.narrow.exact_psum_width(),
        pipeline: 0,
        arch: Default::default(),
    };
    s.cycles
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.rst || !c.in_valid || !c.mode {
                return s.expected[i];
            }
            let r = (0..plan.groups)
                .map(|j| {
                    emulate_block(
                        &f.narrow,
                        &nv,
                        &c.a[16 * j..16 * j + 16],
                        &c.b[16 * j..16 * j + 16],
                        c.a_scale[j],
                        c.b_scale[j],
                    )
                })
                .reduce(add_binary32)
                .unwrap();
            let prev = if i == 0 { 0 } else { s.expected[i - 1].acc };
            Output {
                out_valid: true,
                acc: if c.acc_clear {
                    r
                } else {
                    add_binary32(prev, r)
                },
            }
        })
        .collect()
}

/// `name` with `reuse` at K = 16 in another architecture.
fn plan_arch(name: &str, reuse: Reuse, m: Multiplier, r: Reduction) -> MixedPlan {
    plan_for(name, reuse, 16)
        .unwrap()
        .with_arch(Some(m), Some(r))
        .unwrap()
}

#[test]
fn int_scheme2_agrees_in_all_simulators() {
    // Default: radix-4 Booth lanes that also run int4 pairs, compressor trees.
    let plan = plan_for("mxint8+nvint4", Reuse::Scheme, 16).unwrap();
    assert!(plan.name.ends_with("_booth4_csa"), "{}", plan.name);
    let dir = tempfile::tempdir().unwrap();
    agree(
        BackendKind::Verilator,
        &plan,
        &mixed_suite(&plan, 0x1208, 4000, true),
        dir.path(),
    );
    agree(
        BackendKind::Icarus,
        &plan,
        &mixed_suite(&plan, 0x1308, 100, false),
        dir.path(),
    );
    agree(
        BackendKind::Rusthdl,
        &plan,
        &mixed_suite(&plan, 0x1408, 80, false),
        dir.path(),
    );
    // The naive architecture: int8 x (u)int4 multipliers and carry-propagate adder trees.
    let plan = plan_arch("mxint8+nvint4", Reuse::Scheme, Multiplier::Array, Reduction::CpaTree);
    agree(
        BackendKind::Icarus,
        &plan,
        &mixed_suite(&plan, 0x1508, 60, false),
        dir.path(),
    );
    agree(
        BackendKind::Rusthdl,
        &plan,
        &[mixed_stream(&plan, K::Random, 0x1608, 40)],
        dir.path(),
    );
}

/// A wrong multiplier in one lane must be caught in both modes: the streams can fail.
#[test]
fn a_corrupted_lane_multiplier_fails_in_both_modes() {
    for name in ["mxint8+nvint4", "mxfp8+nvfp4"] {
        let plan = plan_for(name, Reuse::Scheme, 16).unwrap();
        let mut bad = MixedRustHdl::corrupted(&plan).expect("the default fronts have the hook");
        let s = mixed_stream(&plan, K::Random, 0xBAD, 60);
        let wrong = check_mixed(&mut bad, &s).unwrap();
        for mode in [false, true] {
            assert!(
                wrong.iter().any(|m| s.cycles[m.cycle].mode == mode),
                "{}: a corrupted lane passes every mode-{} cycle (seed {:#x})",
                plan.name,
                mode as u8,
                s.seed
            );
        }
    }
}

#[test]
fn fp_scheme_agrees_in_all_simulators_and_the_sum_order_is_observable() {
    // K = 16 in Verilator (every pair, long streams); K = 32, where the 8-bit block spans two
    // E4M3 groups aligned to one exponent, in Icarus and rust-hdl (short streams: compressor
    // trees simulate slowly in Icarus).
    let plan = plan_for("mxfp8+nvfp4", Reuse::Scheme, 16).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = mixed_suite(&plan, 0xF208, 4000, true);
    agree(BackendKind::Verilator, &plan, &s, dir.path());
    let plan = plan_for("mxfp8+nvfp4", Reuse::Scheme, 32).unwrap();
    let s = mixed_suite(&plan, 0xF308, 80, false);
    if let Some(mut icarus) = agree(BackendKind::Icarus, &plan, &s, dir.path()) {
        // The spread stream tells the contract's order from a chain: a unit that summed the
        // four NV results left to right would fail it.
        let got = icarus.run(&s[2].cycles).unwrap();
        let wrong = compare(&chain_order_outputs(&plan, &s[2]), &got);
        assert!(
            !wrong.is_empty(),
            "only {} cycles tell the sum orders apart",
            wrong.len()
        );
    }
    agree(
        BackendKind::Rusthdl,
        &plan,
        &[
            mixed_stream(&plan, K::Random, 0xF408, 30),
            mixed_stream(&plan, K::Spread, 0xF409, 30),
        ],
        dir.path(),
    );
    // The naive architecture: each aligned significand negated by its own adder, adder trees.
    let plan = plan_arch("mxfp8+nvfp4", Reuse::Scheme, Multiplier::Array, Reduction::CpaTree);
    agree(
        BackendKind::Icarus,
        &plan,
        &mixed_suite(&plan, 0xF508, 60, false),
        dir.path(),
    );
}

#[test]
fn no_reuse_variants_agree() {
    for name in ["mxint8+nvint4", "mxfp8+nvfp4"] {
        let plan = plan_for(name, Reuse::Separate, 16).unwrap();
        let dir = tempfile::tempdir().unwrap();
        agree(
            BackendKind::Icarus,
            &plan,
            &mixed_suite(&plan, 0x5E9, 100, false),
            dir.path(),
        );
        agree(
            BackendKind::Rusthdl,
            &plan,
            &[mixed_stream(&plan, K::Random, 0x5EA, 40)],
            dir.path(),
        );
    }
    // The INT pair without reuse is also built with array partial products in its trees.
    let plan = plan_arch("mxint8+nvint4", Reuse::Separate, Multiplier::Array, Reduction::CsaTree);
    let dir = tempfile::tempdir().unwrap();
    agree(
        BackendKind::Icarus,
        &plan,
        &mixed_suite(&plan, 0x5EB, 30, false),
        dir.path(),
    );
}

#[test]
fn the_rtl_command_writes_mixed_units_and_rejects_bad_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("u");
    let run = |args: &[&str]| common::hwcost().args(args).output().unwrap();
    let o = run(&[
        "rtl",
        "mxint8+nvint4",
        "--lanes",
        "16",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = std::fs::read_to_string(out.join("mxint8_nvint4_mac_k16_n16_p0_booth4_csa.v")).unwrap();
    assert!(v.contains("module mxint8_nvint4_mac_k16_n16_p0_booth4_csa(clk,rst,in_valid,acc_clear,mode,a,b,a_scale,b_scale,"), "{}", &v[..600]);
    let o = run(&[
        "rtl",
        "mxint8+nvint4",
        "--lanes",
        "16",
        "--reduction",
        "cpa-tree",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = std::fs::read_to_string(out.join("mxint8_nvint4_mac_k16_n16_p0_array_cpa.json")).unwrap();
    assert!(json.contains("\"multiplier\": \"array\"") && json.contains("\"reduction\": \"cpa-tree\""), "{json}");
    let o = run(&[
        "rtl",
        "mxfp8+nvfp4",
        "--reuse",
        "separate",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("mxfp8_nvfp4_noreuse_mac_k32_n24_p0_array_csa.json").exists());
    for (args, quote) in [
        (vec!["rtl", "mxfp8+nvint4"], "mxfp8+nvint4"),
        (vec!["rtl", "mxfp8+nvfp4", "--multiplier", "booth4"], "never Booth-recoded"),
        (
            vec!["rtl", "mxint8+nvint4", "--multiplier", "array"],
            "booth4 + csa-tree or array + cpa-tree",
        ),
        (
            vec!["rtl", "mxint8+nvint4", "--multiplier", "booth4", "--reduction", "cpa-tree"],
            "csa-tree reduction only",
        ),
        (vec!["rtl", "mxint8+nvint4", "--lanes", "8"], "got 8"),
        (vec!["rtl", "mxint8+nvint4", "--pipeline", "2"], "got 2"),
    ] {
        let mut a = args.clone();
        a.extend(["-o", out.to_str().unwrap()]);
        let o = run(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && err.contains(quote),
            "{args:?}: {err}"
        );
    }
    assert!(MixedFormat::parse("mxint8+nvint4").is_ok());
}

#[test]
fn every_variant_is_lint_clean() {
    if !common::require_tool("verilator", "verilator") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["mxint8+nvint4", "mxfp8+nvfp4"] {
        for reuse in [Reuse::Scheme, Reuse::Separate] {
            // The defaults at K = 16 and 32, the array + cpa-tree units at K = 16.
            let mut plans: Vec<MixedPlan> =
                [16, 32].map(|k| plan_for(name, reuse, k).unwrap()).into();
            plans.push(plan_arch(name, reuse, Multiplier::Array, Reduction::CpaTree));
            for plan in plans {
                hwcost::rtl::mixed::emit_mixed(&plan, dir.path(), None).unwrap();
                let o = std::process::Command::new("verilator")
                    .args(["--lint-only", "-Wall", &format!("{}.v", plan.name)])
                    .current_dir(dir.path())
                    .output()
                    .unwrap();
                let err = String::from_utf8_lossy(&o.stderr);
                assert!(
                    o.status.success() && err.trim().is_empty(),
                    "{}: {err}",
                    plan.name
                );
            }
        }
    }
}

/// The committed mixed units in rtl/ are what the generator writes today (regenerate with
/// `HWCOST_BLESS=1 cargo test --test mixed committed`).
#[test]
fn committed_examples_are_current() {
    let rtl = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rtl");
    let bless = std::env::var_os("HWCOST_BLESS").is_some();
    let mut stale = Vec::new();
    for name in ["mxint8+nvint4", "mxfp8+nvfp4"] {
        let plan = plan_for(name, Reuse::Scheme, 32).unwrap();
        let g = hwcost::rtl::mixed::generate_mixed(&plan, None);
        let n = &plan.name;
        for (file, text) in [
            (format!("{n}.v"), &g.verilog),
            (format!("{n}.json"), &g.json),
            (format!("{n}.ys"), &g.yosys),
            (format!("{n}_harness.cpp"), &g.harness),
        ] {
            let path = rtl.join(&file);
            if bless {
                std::fs::write(&path, text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_ref() != Some(text) {
                stale.push(file);
            }
        }
    }
    assert!(stale.is_empty(), "rtl/ differs from the generator for {stale:?}; regenerate with HWCOST_BLESS=1 cargo test --test mixed committed");
}

/// `hwcost cost` prices a mixed unit in its architecture: the shipped synthesized result of the
/// default one, a clear error for one that was not synthesized.
#[test]
fn the_cost_command_prices_mixed_units_by_architecture() {
    let root = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str]| {
        common::hwcost()
            .args(args)
            .current_dir(root)
            .output()
            .unwrap()
    };
    let o = run(&["cost", "mxint8+nvint4", "--model", "synth", "--json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["unit"]["unit"], "mxint8_nvint4_mac_k32_n16_p0_booth4_csa");
    assert_eq!(v["unit"]["multiplier"], "booth4");
    assert!(v["yosys"].as_str().unwrap().starts_with("Yosys "), "{out}");
    assert!(v["unit"]["area_um2"].as_f64().unwrap() > 0.0);
    let o = run(&["cost", "mxfp8+nvfp4"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("analytic model"));
    for (args, quote) in [
        (
            vec!["cost", "mxfp8+nvfp4", "--model", "synth", "--reduction", "cpa-tree"],
            "synth-mixed mxfp8+nvfp4 --lanes 32 --multiplier array --reduction cpa-tree",
        ),
        (vec!["cost", "mxint8+nvint4", "--model", "both"], "--model analytic|synth"),
        (vec!["cost", "mxfp8+nvfp4", "--multiplier", "booth4"], "never Booth-recoded"),
    ] {
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(quote), "{args:?}: {err}");
    }
}

/// `hwcost verify` runs a mixed unit's streams (both modes) and says so; mixed-only limits and
/// bad names are errors that quote the value.
#[test]
fn the_verify_command_checks_mixed_units_in_both_modes() {
    let run = |args: &[&str]| common::hwcost().args(args).output().unwrap();
    let o = run(&[
        "verify",
        "mxfp8+nvfp4",
        "--backend",
        "rusthdl",
        "--vectors",
        "300",
        "--seed",
        "0x5eed",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("seed 0x5eed"), "{out}");
    assert!(out.contains("random, runs, spread, pairs4"), "{out}");
    assert!(
        out.contains("rusthdl") && out.contains(": bit-exact"),
        "{out}"
    );
    for (args, quote) in [
        (vec!["verify", "mxfp8+nvint4"], "mxfp8+nvint4"),
        (
            vec!["verify", "mxint8+nvint4", "--psum-width", "20"],
            "--psum-width 20",
        ),
        (vec!["verify", "mxint8+nvint4", "--pipeline", "1"], "got 1"),
    ] {
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && err.contains(quote),
            "{args:?}: {err}"
        );
    }
}
