//! Integration tests of the RTL generator (issue 3): every built-in format generates at
//! every lane count; the Verilog is Verilator -Wall clean and synthesizes in Yosys; the
//! committed examples in `rtl/` are what the generator writes; bad parameters fail before
//! anything is written; the rust-hdl model agrees with a plain f64 reference on blocks with
//! representable results, with itself across pipeline depths, and with the emitted Verilog
//! under Verilator through the generated harness.
//!
//! Regenerate the committed examples with `HWCOST_BLESS=1 cargo test --test rtl examples`.

use std::path::{Path, PathBuf};
use std::process::Command;

use hwcost::format::{builtins, lookup, lookup_in, BlockFormat};
use hwcost::rtl::{emit_unit, generate, PsumWidth, RtlError, UnitParams, UnitSim, LANE_CHOICES};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

mod common;
use common::require_tool;

fn params(lanes: Option<usize>, psum_width: PsumWidth, pipeline: usize) -> UnitParams {
    UnitParams {
        lanes,
        psum_width,
        pipeline,
        arch: Default::default(),
    }
}

/// The lint set: every built-in at its default k and at k in {1, 4, 16, 32}.
fn lint_set() -> Vec<(BlockFormat, usize)> {
    let mut v = Vec::new();
    for f in builtins() {
        let mut ks = vec![f.block, 1, 4, 16, 32];
        ks.dedup();
        ks.sort();
        ks.dedup();
        v.extend(ks.into_iter().map(|k| (f.clone(), k)));
    }
    v
}

mod generation {
    use super::*;

    #[test]
    fn every_builtin_builds_at_every_lane_count_with_default_and_exact_width() {
        for f in builtins() {
            for k in LANE_CHOICES {
                for w in [PsumWidth::Default, PsumWidth::Exact] {
                    let sim = UnitSim::new(&f, &params(Some(k), w, 0));
                    assert!(sim.is_ok(), "{} k={k} {w}: {}", f.name, sim.err().unwrap());
                }
            }
        }
    }

    #[test]
    fn names_encode_every_parameter() {
        let g = |name: &str, p: UnitParams| {
            UnitSim::new(&lookup_in(name, &[]).unwrap(), &p)
                .unwrap()
                .plan()
                .name
                .clone()
        };
        assert_eq!(
            g("mxfp8", UnitParams::default()),
            "mxfp8_mac_k32_n24_p0_array_csa"
        );
        assert_eq!(
            g("mxfp8", params(Some(4), PsumWidth::Exact, 2)),
            "mxfp8_mac_k4_n38_p2_array_csa"
        );
        assert_eq!(
            g("nvfp4", UnitParams::default()),
            "nvfp4_mac_k16_n10_p0_array_csa"
        );
        // The architecture: Booth for INT8 by default, the array with the cpa tree.
        assert_eq!(
            g("mxint8", UnitParams::default()),
            "mxint8_mac_k32_n16_p0_booth4_csa"
        );
        let mut cpa = UnitParams::default();
        cpa.arch.reduction = Some(hwcost::rtl::Reduction::CpaTree);
        assert_eq!(g("mxint8", cpa), "mxint8_mac_k32_n16_p0_array_cpa");
        // INT sums are exact whatever width is asked for; n is the product width 2b.
        assert_eq!(
            g("mxint8", params(None, PsumWidth::Bits(30), 1)),
            "mxint8_mac_k32_n16_p1_booth4_csa"
        );
    }

    #[test]
    fn bad_parameters_fail_before_anything_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let fp8 = lookup_in("mxfp8", &[]).unwrap();
        let cases: Vec<(UnitParams, &str)> = vec![
            (params(Some(0), PsumWidth::Default, 0), "got 0"),
            (params(Some(3), PsumWidth::Default, 0), "got 3"),
            (params(Some(128), PsumWidth::Default, 0), "got 128"),
            (
                params(None, PsumWidth::Bits(7), 0),
                "psum width 7 for mxfp8 is below its product width 8",
            ),
            (
                params(None, PsumWidth::Bits(39), 0),
                "psum width 39 for mxfp8 is not built into this hwcost: its units take 8 to 38 bits",
            ),
            (
                UnitParams {
                    arch: hwcost::rtl::Arch {
                        multiplier: None,
                        reduction: Some(hwcost::rtl::Reduction::CpaTree),
                    },
                    ..params(None, PsumWidth::Bits(30), 0)
                },
                "8 to 38 bits with the compressor tree; the cpa tree is built at 24 and 38 only",
            ),
            (params(None, PsumWidth::Default, 9), "got 9"),
            (
                UnitParams {
                    arch: hwcost::rtl::Arch {
                        multiplier: Some(hwcost::rtl::Multiplier::Booth4),
                        reduction: None,
                    },
                    ..UnitParams::default()
                },
                "booth4 is not built for mxfp8: FP significands",
            ),
        ];
        for (i, (p, want)) in cases.iter().enumerate() {
            let dir = tmp.path().join(format!("case{i}"));
            let err = emit_unit(&fp8, p, &dir, None).unwrap_err().to_string();
            assert!(err.contains(want), "{p:?}: error '{err}' lacks '{want}'");
            assert!(!dir.exists(), "{p:?}: {} was created", dir.display());
        }
        let int8 = lookup_in("mxint8", &[]).unwrap();
        let err = emit_unit(
            &int8,
            &params(None, PsumWidth::Bits(15), 0),
            &tmp.path().join("int"),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                RtlError::PsumTooNarrow {
                    width: 15,
                    min: 16,
                    ..
                }
            ),
            "{err}"
        );
        // A missing Liberty file is an error before writing too.
        let dir = tmp.path().join("lib");
        let err = emit_unit(
            &fp8,
            &UnitParams::default(),
            &dir,
            Some(Path::new("/nonexistent/x.lib")),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.lib"), "{err}");
        assert!(!dir.exists());
        // Unknown format names fail in the lookup, with suggestions.
        assert!(lookup_in("mxfp9", &[])
            .unwrap_err()
            .to_string()
            .contains("mxfp8"));
    }

    #[test]
    fn formats_without_a_built_unit_are_refused_clearly() {
        // Every layout the format reader takes is built; a format made in code past its limits
        // (an 8-bit exponent) gets the error that names the layout and what is built.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("mxfp17.toml");
        std::fs::write(&path, "name = \"mxfp17\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"fp\"\nexp_bits = 6\nman_bits = 10\nbias = 31\nspecials = \"finite\"\n").unwrap();
        let mut f = lookup_in(path.to_str().unwrap(), &[]).unwrap();
        let e = emit_unit(&f, &UnitParams::default(), &tmp.path().join("fp17"), None).unwrap();
        assert_eq!(e.name, "mxfp17_mac_k32_n24_p0_array_csa");
        f.elem = hwcost::format::ElemFormat::Fp {
            exp_bits: 8,
            man_bits: 3,
            bias: 127,
            specials: hwcost::format::FpSpecials::Finite,
        };
        let err = emit_unit(&f, &UnitParams::default(), &tmp.path().join("out"), None).unwrap_err();
        assert!(matches!(err, RtlError::Unsupported { .. }), "{err}");
        assert!(
            err.to_string().contains("E8M3")
                && err.to_string().contains(
                    "INT2..16 and FP with 1..7 exponent and 0..10 mantissa bits, at most 18 bits"
                ),
            "{err}"
        );
        assert!(
            !tmp.path().join("out").exists(),
            "nothing is written for a refused unit"
        );
        // The same element layout as a built-in (E4M3 with another bias) is built.
        let path = tmp.path().join("mxfp8b.toml");
        std::fs::write(
            &path,
            "name = \"mxfp8_b6\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"fp\"\nexp_bits = 4\nman_bits = 3\nbias = 6\nspecials = \"nan_only\"\n",
        )
        .unwrap();
        let f = lookup_in(path.to_str().unwrap(), &[]).unwrap();
        let e = emit_unit(&f, &UnitParams::default(), &tmp.path().join("out"), None).unwrap();
        assert_eq!(e.name, "mxfp8_b6_mac_k32_n24_p0_array_csa");
    }

    #[test]
    fn emitted_files_describe_the_unit() {
        let tmp = tempfile::tempdir().unwrap();
        let lib = tmp.path().join("cells.lib");
        std::fs::write(&lib, "library(x) {}\n").unwrap();
        let f = lookup_in("mxfp6", &[]).unwrap();
        let e = emit_unit(
            &f,
            &params(Some(16), PsumWidth::Default, 2),
            tmp.path(),
            Some(&lib),
        )
        .unwrap();
        let names: Vec<String> = e
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let n = "mxfp6_mac_k16_n14_p2_array_csa";
        for want in [
            format!("{n}.v"),
            format!("{n}.json"),
            format!("{n}.ys"),
            format!("{n}_harness.cpp"),
            format!("{n}.liberty.ys"),
        ] {
            assert!(names.contains(&want), "{names:?} lacks {want}");
        }
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join(format!("{n}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(json["latency_cycles"], 3);
        assert_eq!(json["parameters"]["lanes"], 16);
        assert_eq!(json["parameters"]["psum_width"], 14);
        assert_eq!(json["parameters"]["multiplier"], "array");
        assert_eq!(json["parameters"]["reduction"], "csa-tree");
        assert_eq!(
            json["generator"],
            format!("hwcost {}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(json["format"]["name"], "mxfp6");
        let a = json["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "a")
            .unwrap();
        assert_eq!(a["width"], 96);
        assert_eq!(json["harness"]["input_record_bytes"], 1 + 12 + 12 + 2);
        let ys = std::fs::read_to_string(tmp.path().join(format!("{n}.liberty.ys"))).unwrap();
        assert!(
            ys.contains(&format!(
                "abc -liberty \"{}\"",
                lib.canonicalize().unwrap().display()
            )),
            "{ys}"
        );
        let v = std::fs::read_to_string(tmp.path().join(format!("{n}.v"))).unwrap();
        assert!(
            v.contains(&format!(
                "\nmodule {n}(clk,rst,in_valid,acc_clear,a,b,a_scale,b_scale,out_valid,acc);"
            )),
            "top module ports"
        );
        for part in [
            "fp_lane",
            "max_exp_tree",
            "aligner",
            "csa",
            "sign_xor14",
            "csa_tree16x16",
            "fa",
            "ha",
            "to_binary32",
            "fp32_add",
            "front_regs",
            "round_regs",
        ] {
            assert!(
                v.contains(&format!("\nmodule {n}__{part}(")),
                "no module {n}__{part}"
            );
        }
        // No rust-hdl instance-path names survive.
        assert!(!v.contains("module top"), "a module is still named top");
    }
}

mod tools {
    use super::*;

    fn write_unit(dir: &Path, f: &BlockFormat, k: usize) -> String {
        let g = generate(f, &params(Some(k), PsumWidth::Default, 0), None).unwrap();
        std::fs::write(dir.join(format!("{}.v", g.plan.name)), &g.verilog).unwrap();
        std::fs::write(dir.join(format!("{}.ys", g.plan.name)), &g.yosys).unwrap();
        g.plan.name
    }

    #[test]
    fn verilator_lint_all_warnings_is_clean() {
        if !require_tool("verilator", "verilator") {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let failures: Vec<String> = lint_set()
            .par_iter()
            .filter_map(|(f, k)| {
                let name = write_unit(tmp.path(), f, *k);
                let out = Command::new("verilator")
                    .current_dir(tmp.path())
                    .args([
                        "--lint-only",
                        "-Wall",
                        "--top-module",
                        &name,
                        &format!("{name}.v"),
                    ])
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&out.stderr).into_owned()
                    + &String::from_utf8_lossy(&out.stdout);
                (!out.status.success() || !text.trim().is_empty())
                    .then(|| format!("{name}:\n{text}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "verilator --lint-only -Wall reported:\n{}",
            failures.join("\n")
        );
    }

    /// Number of cells of the whole design in a Yosys `stat` log.
    fn total_cells(log: &str) -> Option<u64> {
        let tail = log.rsplit("=== design hierarchy ===").next()?;
        tail.lines().find_map(|l| {
            l.trim()
                .strip_prefix("Number of cells:")
                .map(|n| n.trim().parse().ok())
        })?
    }

    #[test]
    fn yosys_synthesizes_every_default_unit_without_warnings() {
        if !require_tool("yosys", "yosys") {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let results: Vec<(String, Result<u64, String>)> = builtins()
            .par_iter()
            .map(|f| {
                let name = write_unit(tmp.path(), f, f.block);
                let out = Command::new("yosys")
                    .current_dir(tmp.path())
                    .args([
                        "-q",
                        "-l",
                        &format!("{name}.log"),
                        "-s",
                        &format!("{name}.ys"),
                    ])
                    .output()
                    .unwrap();
                let log = std::fs::read_to_string(tmp.path().join(format!("{name}.log")))
                    .unwrap_or_default();
                let complaints: Vec<&str> = log
                    .lines()
                    .filter(|l| l.contains("ERROR") || l.contains("Warning"))
                    .collect();
                let res = if !out.status.success() || !complaints.is_empty() {
                    Err(format!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stderr),
                        complaints.join("\n")
                    ))
                } else {
                    total_cells(&log).ok_or_else(|| "no cell count in the log".to_string())
                };
                (name, res)
            })
            .collect();
        for (name, r) in &results {
            match r {
                Ok(cells) => {
                    eprintln!("{name}: {cells} generic cells");
                    assert!(*cells > 100, "{name}: only {cells} cells");
                }
                Err(e) => panic!("yosys failed on {name}: {e}"),
            }
        }
    }
}

mod examples {
    use super::*;

    /// The units whose files are committed in `rtl/`.
    const COMMITTED: [&str; 7] = [
        "mxint8", "mxfp8", "mxfp6", "mxfp4", "mxint4", "nvfp4", "nvint4",
    ];

    fn rtl_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rtl")
    }

    #[test]
    fn committed_examples_match_the_generator() {
        let bless = std::env::var_os("HWCOST_BLESS").is_some();
        let mut stale = Vec::new();
        for name in COMMITTED {
            let f = lookup_in(name, &[]).unwrap();
            let g = generate(&f, &UnitParams::default(), None).unwrap();
            let n = &g.plan.name;
            for (file, text) in [
                (format!("{n}.v"), &g.verilog),
                (format!("{n}.json"), &g.json),
                (format!("{n}.ys"), &g.yosys),
                (format!("{n}_harness.cpp"), &g.harness),
            ] {
                let path = rtl_dir().join(&file);
                if bless {
                    std::fs::write(&path, text).unwrap();
                } else if std::fs::read_to_string(&path).ok().as_ref() != Some(text) {
                    stale.push(file);
                }
            }
        }
        assert!(stale.is_empty(), "rtl/ differs from the generator for {stale:?}; regenerate with HWCOST_BLESS=1 cargo test --test rtl examples");
    }
}

mod simulation {
    use super::*;

    /// The value of a block in f64 from the format core's decoder (exact for these blocks).
    fn block_value(f: &BlockFormat, a: &[u32], b: &[u32], sa: u8, sb: u8) -> f64 {
        let view = f.elem.int_view_exp() as f64;
        let dot: f64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| f.elem.value(x) * f.elem.value(y))
            .sum();
        dot * (2.0 * view).exp2() * f.scale.value(sa) * f.scale.value(sb)
    }

    /// Streams of `len` blocks (cleared at the first) through a default unit; `codes`
    /// draws one element code. Every partial result must be exactly representable.
    fn smoke(
        name: &str,
        seed: u64,
        streams: usize,
        len: usize,
        mut codes: impl FnMut(&mut ChaCha8Rng) -> u32,
    ) {
        let f = lookup(name).unwrap();
        let mut sim = UnitSim::new(&f, &UnitParams::default()).unwrap();
        let k = sim.plan().lanes;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let zeros = vec![0u32; k];
        assert_eq!(
            sim.step(true, false, false, &zeros, &zeros, 127, 127)
                .unwrap(),
            (false, 0)
        );
        let mut blocks = 0;
        for s in 0..streams {
            let (sa, sb) = (rng.gen_range(110..=144u8), rng.gen_range(110..=144u8));
            let mut want = 0.0f64;
            for i in 0..len {
                let a: Vec<u32> = (0..k).map(|_| codes(&mut rng)).collect();
                let b: Vec<u32> = (0..k).map(|_| codes(&mut rng)).collect();
                let base = if i == 0 { 0.0 } else { want };
                want = base + block_value(&f, &a, &b, sa, sb);
                let (valid, acc) = sim.step(false, true, i == 0, &a, &b, sa, sb).unwrap();
                assert!(
                    valid,
                    "{name} seed {seed:#x} stream {s} block {i}: out_valid low"
                );
                assert_eq!(
                    want as f32 as f64, want,
                    "test data: stream {s} block {i} not representable"
                );
                assert_eq!(
                    acc,
                    (want as f32).to_bits(),
                    "{name} seed {seed:#x} stream {s} block {i}: acc {} want {want}",
                    f32::from_bits(acc)
                );
                blocks += 1;
            }
            // A gap: out_valid drops and acc holds.
            let (valid, acc) = sim
                .step(false, false, false, &zeros, &zeros, sa, sb)
                .unwrap();
            assert!(!valid);
            assert_eq!(acc, (want as f32).to_bits());
        }
        assert!(blocks >= 200);
    }

    #[test]
    fn mxint8_accumulates_like_f64() {
        // |block sum| < 32 * 2^14 and 16 blocks stay below 2^24 units of 2^-12: exact.
        smoke("mxint8", 0x5140_0008, 16, 16, |r| r.gen_range(0..256));
    }

    #[test]
    fn mxfp8_accumulates_like_f64() {
        // Exponent fields 7..=10 (and zeros): product exponents within 6 of each other, so the
        // 24-bit window drops nothing and 4-block sums need at most 8 + 6 + 5 + 2 bits.
        smoke("mxfp8", 0x5140_f008, 60, 4, |r| {
            if r.gen_range(0..10) == 0 {
                0
            } else {
                (r.gen_range(0..2) << 7) | (r.gen_range(7..=10) << 3) | r.gen_range(0..8)
            }
        });
    }

    /// One cycle's inputs: rst, in_valid, acc_clear, a codes, b codes, a_scale, b_scale.
    type Cycle = (bool, bool, bool, Vec<u32>, Vec<u32>, u8, u8);

    /// Random cycle inputs: gaps in `in_valid`, clears, one mid-stream reset.
    fn stream(seed: u64, f: &BlockFormat, k: usize, cycles: usize) -> Vec<Cycle> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let codes = f.elem.code_count();
        (0..cycles)
            .map(|t| {
                let rst = t < 5 || t == cycles / 2;
                let a = (0..k).map(|_| rng.gen_range(0..codes)).collect();
                let b = (0..k).map(|_| rng.gen_range(0..codes)).collect();
                (
                    rst,
                    rng.gen_range(0..4) != 0,
                    rng.gen_range(0..6) == 0,
                    a,
                    b,
                    rng.gen_range(100..=150),
                    rng.gen_range(100..=150),
                )
            })
            .collect()
    }

    #[test]
    fn pipelined_units_equal_the_unpipelined_one_delayed() {
        for name in ["mxfp8", "mxint8", "nvfp4"] {
            let f = lookup(name).unwrap();
            let seed = 0x919e + name.len() as u64;
            let cycles = 300;
            let inputs = stream(seed, &f, 4, cycles);
            let run = |s: usize| -> Vec<(bool, u32)> {
                let mut sim = UnitSim::new(&f, &params(Some(4), PsumWidth::Default, s)).unwrap();
                inputs
                    .iter()
                    .map(|(r, v, c, a, b, sa, sb)| sim.step(*r, *v, *c, a, b, *sa, *sb).unwrap())
                    .collect()
            };
            let base = run(0);
            assert!(
                base.iter().filter(|o| o.0).count() > 100,
                "the stream must produce results"
            );
            let reset = cycles / 2;
            // S = 3 and 4 cut the FP front end inside (lane and carry-save cuts), S = 3 the
            // INT one (carry-save cut); the rest lengthen the result's register chain.
            for s in 1..=hwcost::rtl::MAX_PIPELINE {
                let out = run(s);
                for t in 5..cycles - s {
                    // Blocks in flight when the reset comes are dropped by the pipelined unit.
                    if (reset - s..reset).contains(&t) {
                        continue;
                    }
                    assert_eq!(
                        out[t + s],
                        base[t],
                        "{name} S={s} seed {seed:#x}: cycle {} vs unpipelined cycle {t}",
                        t + s
                    );
                }
            }
        }
    }

    #[test]
    fn verilator_harness_agrees_with_the_rust_hdl_model() {
        if !require_tool("verilator", "verilator") {
            return;
        }
        // 6-bit elements straddle bytes; 16 lanes make a 96-bit operand (wide Verilator port).
        let f = lookup("mxfp6").unwrap();
        let p = params(Some(16), PsumWidth::Default, 1);
        let tmp = tempfile::tempdir().unwrap();
        let e = emit_unit(&f, &p, tmp.path(), None).unwrap();
        let n = &e.name;
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join(format!("{n}.json"))).unwrap(),
        )
        .unwrap();
        let build = json["harness"]["build"].as_str().unwrap();
        let out = Command::new("sh")
            .current_dir(tmp.path())
            .arg("-c")
            .arg(format!("{build} -j 2 > build.log 2>&1"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "harness build failed:\n{}",
            std::fs::read_to_string(tmp.path().join("build.log")).unwrap_or_default()
        );

        let inputs = stream(0x4a12, &f, 16, 3000);
        let mut sim = UnitSim::new(&f, &p).unwrap();
        let bytes = 12;
        let mut record = Vec::new();
        let mut want = Vec::new();
        for (r, v, c, a, b, sa, sb) in &inputs {
            record.push(u8::from(*r) | (u8::from(*v) << 1) | (u8::from(*c) << 2));
            for ops in [a, b] {
                let mut packed = vec![0u8; bytes];
                for (i, &code) in ops.iter().enumerate() {
                    for j in 0..6 {
                        let bit = i * 6 + j;
                        packed[bit / 8] |= (((code >> j) & 1) as u8) << (bit % 8);
                    }
                }
                record.extend(packed);
            }
            record.extend([*sa, *sb]);
            let (valid, acc) = sim.step(*r, *v, *c, a, b, *sa, *sb).unwrap();
            want.push(u8::from(valid));
            want.extend(acc.to_le_bytes());
        }
        let bin = tmp.path().join(json["harness"]["binary"].as_str().unwrap());
        let mut child = Command::new(bin)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &record));
        let got = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(got.status.success());
        assert_eq!(got.stdout.len(), want.len(), "output records");
        for (t, (g, w)) in got.stdout.chunks(5).zip(want.chunks(5)).enumerate() {
            assert_eq!(g, w, "cycle {t}: Verilator {g:x?} vs rust-hdl {w:x?}");
        }
    }
}
