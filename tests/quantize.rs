//! Integration tests of the quantizer: golden vectors (re-derived in exact arithmetic by
//! tests/data/gen_golden.py, and produced by torchao itself by
//! tests/data/gen_golden_torchao.py), packed round trips, .npy errors, the quantize command.

use std::path::{Path, PathBuf};

use hwcost::format::quantize::packed::Packed;
use hwcost::format::quantize::{
    quantize, quantize_dequantize, quantize_portable, QuantOptions, Rounding, ScaleRule,
};
use hwcost::format::spec::lookup_in;
use hwcost::format::BlockFormat;

fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn fmt(name: &str) -> BlockFormat {
    lookup_in(name, &[]).unwrap()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn rule(s: &str) -> ScaleRule {
    ScaleRule::ALL
        .into_iter()
        .find(|r| r.name() == s)
        .unwrap_or_else(|| panic!("unknown rule {s}"))
}

fn round(s: &str) -> Rounding {
    match s {
        "rne" => Rounding::Rne,
        "away" => Rounding::Away,
        other => panic!("unknown rounding {other}"),
    }
}

fn hex_words(s: &str, width: usize) -> Vec<u32> {
    (0..s.len() / width)
        .map(|i| u32::from_str_radix(&s[i * width..(i + 1) * width], 16).unwrap())
        .collect()
}

mod golden {
    use super::*;

    struct Case {
        name: String,
        format: String,
        block: Option<usize>,
        row_len: usize,
        input: Vec<f32>,
        results: Vec<serde_json::Value>,
    }

    fn cases() -> Vec<Case> {
        let text = std::fs::read_to_string(data_path("golden_quantize.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| Case {
                name: c["name"].as_str().unwrap().into(),
                format: c["format"].as_str().unwrap().into(),
                block: c["block"].as_u64().map(|b| b as usize),
                row_len: c["row_len"].as_u64().unwrap() as usize,
                input: hex_words(c["input"].as_str().unwrap(), 8)
                    .into_iter()
                    .map(f32::from_bits)
                    .collect(),
                results: c["results"].as_array().unwrap().clone(),
            })
            .collect()
    }

    /// First mismatching index of two sequences, for a readable failure.
    fn first_diff<T: PartialEq + std::fmt::LowerHex>(got: &[T], want: &[T]) -> Option<String> {
        if got.len() != want.len() {
            return Some(format!("length {} vs {}", got.len(), want.len()));
        }
        let n = got.iter().zip(want).filter(|(a, b)| a != b).count();
        got.iter().zip(want).position(|(a, b)| a != b).map(|i| {
            format!(
                "{n} differ; first at {i}: got {:#x}, want {:#x}",
                got[i], want[i]
            )
        })
    }

    #[test]
    fn every_case_matches_bit_for_bit() {
        let mut checked = 0;
        let mut failures = Vec::new();
        for c in cases() {
            let f = fmt(&c.format);
            for r in &c.results {
                let opts = QuantOptions {
                    scale_rule: rule(r["rule"].as_str().unwrap()),
                    round: round(r["round"].as_str().unwrap()),
                    block: c.block,
                    seed: 0,
                };
                let label = format!("{} {} {}", c.name, r["rule"], r["round"]);
                let q = quantize(&f, &opts, &c.input, c.row_len).unwrap();
                let want_vals = hex_words(r["values"].as_str().unwrap(), 8);
                let want_sc: Vec<u8> = hex_words(r["scale_codes"].as_str().unwrap(), 2)
                    .into_iter()
                    .map(|x| x as u8)
                    .collect();
                let want_ec: Vec<u8> = hex_words(r["elem_codes"].as_str().unwrap(), 2)
                    .into_iter()
                    .map(|x| x as u8)
                    .collect();
                let want_ts = u32::from_str_radix(r["tensor_scale"].as_str().unwrap(), 16).unwrap();
                if let Some(d) = first_diff(&bits(&q.values), &want_vals) {
                    failures.push(format!("{label}: values {d}"));
                }
                if let Some(d) = first_diff(&q.scale_codes, &want_sc) {
                    failures.push(format!("{label}: scale codes {d}"));
                }
                if let Some(d) = first_diff(&q.elem_codes, &want_ec) {
                    failures.push(format!("{label}: element codes {d}"));
                }
                if q.tensor_scale.to_bits() != want_ts {
                    failures.push(format!(
                        "{label}: tensor scale {:#x} vs {want_ts:#x}",
                        q.tensor_scale.to_bits()
                    ));
                }
                // The fast path gives the same values, and so do the portable scalar kernels
                // (the default path uses AVX2 where the CPU has it).
                let fast = quantize_dequantize(&f, &opts, &c.input, c.row_len).unwrap();
                if let Some(d) = first_diff(&bits(&fast), &want_vals) {
                    failures.push(format!("{label}: quantize_dequantize {d}"));
                }
                let portable = quantize_portable::<u8>(&f, &opts, &c.input, c.row_len).unwrap();
                let same = bits(&portable.values) == bits(&q.values)
                    && portable.elem_codes == q.elem_codes
                    && portable.scale_codes == q.scale_codes
                    && portable.tensor_scale.to_bits() == q.tensor_scale.to_bits();
                if !same {
                    failures.push(format!("{label}: portable kernels differ"));
                }
                checked += 1;
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {checked} golden results differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(checked >= 130, "only {checked} golden results");
    }

    #[test]
    fn golden_set_covers_every_format_rule_and_rounding() {
        let mut seen = std::collections::BTreeSet::new();
        for c in cases() {
            for r in &c.results {
                seen.insert((
                    c.format.clone(),
                    r["rule"].as_str().unwrap().to_string(),
                    r["round"].as_str().unwrap().to_string(),
                ));
            }
        }
        for f in hwcost::format::builtins() {
            let rules: &[&str] = if f.is_nv() {
                &["nv", "nv-study"]
            } else {
                &["ocp", "ceil"]
            };
            for r in rules {
                for m in ["rne", "away"] {
                    assert!(
                        seen.contains(&(f.name.clone(), r.to_string(), m.to_string())),
                        "{} {r} {m} missing",
                        f.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_element_code_is_produced() {
        // The "-grid" cases hold every element value (times 2^-3) once; each code must come
        // back (negative zero only for FP).
        for c in cases().into_iter().filter(|c| c.name.ends_with("-grid")) {
            let f = fmt(&c.format);
            let opts = QuantOptions::default_for(&f);
            let q = quantize(&f, &opts, &c.input, c.row_len).unwrap();
            let mut seen = vec![false; 1 << f.elem.bits()];
            for &code in &q.elem_codes {
                seen[code as usize] = true;
            }
            for code in 0..(1u32 << f.elem.bits()) {
                let raw = f.elem.decode(code);
                let special = matches!(
                    raw.class,
                    hwcost::format::Class::NaN | hwcost::format::Class::Inf
                );
                let int_min = f.elem.is_int() && code == f.elem.sign_mask();
                if !special && !int_min {
                    assert!(
                        seen[code as usize],
                        "{}: code {code:#x} never produced",
                        c.format
                    );
                }
            }
        }
    }

    #[test]
    fn fp32_log2_tables_match_the_exact_derivation() {
        let text = std::fs::read_to_string(data_path("golden_log2.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let want = |key: &str| -> Vec<u32> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect()
        };
        let (floor, ceil) = hwcost::format::quantize::scale::Log2Tables::get().thresholds();
        assert_eq!(floor.to_vec(), want("floor_thr"));
        assert_eq!(ceil.to_vec(), want("ceil_thr"));
    }

    #[test]
    fn packed_codes_round_trip_and_decode_to_the_values() {
        for c in cases() {
            let f = fmt(&c.format);
            for r in &c.results {
                let opts = QuantOptions {
                    scale_rule: rule(r["rule"].as_str().unwrap()),
                    round: round(r["round"].as_str().unwrap()),
                    block: c.block,
                    seed: 0,
                };
                let q = quantize(&f, &opts, &c.input, c.row_len).unwrap();
                let shape = [(c.input.len() / c.row_len) as u64, c.row_len as u64];
                let p = Packed::new(&f, &opts, &shape, &q).unwrap();
                let back = Packed::from_bytes(&p.to_bytes()).unwrap();
                assert_eq!(back, p, "{}", c.name);
                let dq = back.dequantize();
                for (i, (&d, &v)) in dq.iter().zip(&q.values).enumerate() {
                    // INT codes have no negative zero.
                    let v = if f.elem.is_int() && v == 0.0 { 0.0 } else { v };
                    assert!(
                        d.to_bits() == v.to_bits(),
                        "{} {:?}: element {i}: codes give {d:e}, values hold {v:e}",
                        c.name,
                        opts
                    );
                }
            }
        }
    }
}

/// torchao's mx_formats (`to_mx` + `to_dtype`, CPU): every mode it has, bit for bit.
mod torchao {
    use super::*;

    struct Case {
        format: String,
        input: Vec<f32>,
        results: Vec<serde_json::Value>,
    }

    fn cases() -> (String, Vec<Case>) {
        let text = std::fs::read_to_string(data_path("golden_torchao.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let version = format!("torch {} torchao {}", v["torch"], v["torchao"]);
        let cases = v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["block"], 32);
                Case {
                    format: c["format"].as_str().unwrap().into(),
                    input: hex_words(c["input"].as_str().unwrap(), 8)
                        .into_iter()
                        .map(f32::from_bits)
                        .collect(),
                    results: c["results"].as_array().unwrap().clone(),
                }
            })
            .collect();
        (version, cases)
    }

    fn bytes(s: &str) -> Vec<u8> {
        hex_words(s, 2).into_iter().map(|x| x as u8).collect()
    }

    #[test]
    fn every_mode_matches_torchao_bit_for_bit() {
        let (version, cases) = cases();
        let mut checked = 0;
        let mut failures = Vec::new();
        for c in &cases {
            let f = fmt(&c.format);
            for r in &c.results {
                let name = r["rule"].as_str().unwrap();
                let opts = QuantOptions {
                    scale_rule: rule(name),
                    ..QuantOptions::default_for(&f)
                };
                let q = quantize(&f, &opts, &c.input, 32).unwrap();
                let label = format!("{} {name} ({version})", c.format);
                let want_sc = bytes(r["scale_codes"].as_str().unwrap());
                let want_ec = bytes(r["elem_codes"].as_str().unwrap());
                let want_vals = hex_words(r["values"].as_str().unwrap(), 8);
                let got_vals = bits(&q.values);
                for (b, (&got, &want)) in q.scale_codes.iter().zip(&want_sc).enumerate() {
                    let at = b * 32..(b + 1) * 32;
                    let nan_block = want == 0xFF;
                    if got != want
                        || got_vals[at.clone()] != want_vals[at.clone()]
                        || !nan_block && q.elem_codes[at.clone()] != want_ec[at.clone()]
                    {
                        failures.push(format!(
                            "{label} block {b}: scale {got:#04x} vs {want:#04x}; input {:08x?}; values {:08x?} vs {:08x?}",
                            bits(&c.input[at.clone()]),
                            &got_vals[at.clone()],
                            &want_vals[at]
                        ));
                    }
                }
                assert_eq!(q.scale_codes.len(), want_sc.len(), "{label}");
                checked += 1;
            }
        }
        assert_eq!(checked, 5 * 4, "every format and mode");
        assert!(
            failures.is_empty(),
            "{} mismatches; first: {}",
            failures.len(),
            failures[0]
        );
    }

    /// Why `floor` is not an alias of `ocp`, nor `rceil` of `ceil`: on the golden inputs they
    /// differ, in the ways the quantizer's docs say (FP32 log2 and zero signs).
    #[test]
    fn the_neighbouring_rules_differ_where_documented() {
        let (_, cases) = cases();
        let c = cases.iter().find(|c| c.format == "mxfp8").unwrap();
        let f = fmt("mxfp8");
        let run = |r| {
            let o = QuantOptions {
                scale_rule: r,
                ..QuantOptions::default_for(&f)
            };
            quantize(&f, &o, &c.input, 32).unwrap()
        };
        let (ocp, floor) = (run(ScaleRule::Ocp), run(ScaleRule::Floor));
        assert_ne!(ocp.scale_codes, floor.scale_codes);
        let (ceil, rceil) = (run(ScaleRule::Ceil), run(ScaleRule::Rceil));
        assert_eq!(ceil.scale_codes, rceil.scale_codes);
        let mut zero_signs = 0;
        for (a, b) in ceil.values.iter().zip(&rceil.values) {
            if a.to_bits() != b.to_bits() {
                assert!(*a == 0.0 && *b == 0.0, "{a:e} vs {b:e}");
                zero_signs += 1;
            }
        }
        assert!(zero_signs > 0);
    }
}

mod packed_layout {
    use super::*;

    #[test]
    fn header_and_stream_follow_the_documented_layout() {
        let f = fmt("mxfp4");
        let opts = QuantOptions {
            scale_rule: ScaleRule::Ocp,
            ..QuantOptions::default_for(&f)
        };
        // One row of 33: two blocks, the second holding one value.
        let mut x = vec![0f32; 33];
        x[0] = 6.0;
        x[1] = -0.5;
        x[32] = 1.0;
        let q = quantize(&f, &opts, &x, 33).unwrap();
        let bytes = Packed::new(&f, &opts, &[33], &q).unwrap().to_bytes();
        assert_eq!(&bytes[..8], b"HWCPACK1");
        assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 1);
        assert_eq!(&bytes[10..20], &[1, 4, 2, 1, 1, 0, 0, 0, 0, 0]); // FP, 4 bits, E2M1, bias 1, finite, UE8M0, ocp, rne
        assert_eq!(u32::from_le_bytes(bytes[20..24].try_into().unwrap()), 32);
        assert_eq!(f32::from_le_bytes(bytes[24..28].try_into().unwrap()), 1.0);
        assert_eq!(u32::from_le_bytes(bytes[28..32].try_into().unwrap()), 1);
        assert_eq!(u64::from_le_bytes(bytes[32..40].try_into().unwrap()), 33);
        assert_eq!(u16::from_le_bytes([bytes[40], bytes[41]]), 5);
        assert_eq!(&bytes[42..47], b"mxfp4");
        // Scale codes: amax 6 -> 2^0 (127); amax 1 -> floor(log2 1) - 2 = -2 (125).
        assert_eq!(&bytes[47..49], &[127, 125]);
        // Elements, 4 bits LSB first: 6.0 = 0x7, -0.5 = 0x9 -> byte 0x97; second block's first
        // element 1.0 at scale 2^-2 is 4.0 = 0x6.
        let elems = &bytes[49..];
        assert_eq!(elems.len(), 64 * 4 / 8);
        assert_eq!(elems[0], 0x97);
        assert_eq!(elems[16], 0x06);
        assert!(elems[17..].iter().all(|&b| b == 0));
    }

    #[test]
    fn malformed_packed_files_are_errors() {
        let f = fmt("mxint8");
        let opts = QuantOptions::default_for(&f);
        let q = quantize(&f, &opts, &[1.0; 32], 32).unwrap();
        let good = Packed::new(&f, &opts, &[32], &q).unwrap().to_bytes();
        assert!(Packed::from_bytes(&good[..good.len() - 1])
            .unwrap_err()
            .to_string()
            .contains("truncated"));
        assert!(Packed::from_bytes(b"NOTPACKED...")
            .unwrap_err()
            .to_string()
            .contains("magic"));
        let mut extra = good.clone();
        extra.push(0);
        assert!(Packed::from_bytes(&extra)
            .unwrap_err()
            .to_string()
            .contains("after the element codes"));
        let mut v2 = good;
        v2[8] = 2;
        assert!(Packed::from_bytes(&v2)
            .unwrap_err()
            .to_string()
            .contains("version 2"));
    }
}

mod random {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Random bit patterns (all finite classes, subnormals included) and Gaussian data:
    /// quantize(-x) = -quantize(x) bit for bit (signs are symmetric, NaN blocks aside), and
    /// every output is an element value times the block scale (the packed codes decode to it).
    #[test]
    fn negation_symmetry_and_code_consistency_on_random_data() {
        let seed = 0x5eed_2510u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for f in hwcost::format::builtins() {
            let rules: Vec<ScaleRule> = ScaleRule::ALL.into_iter().filter(|r| r.fits(&f)).collect();
            let x: Vec<f32> = (0..4096)
                .map(|i| {
                    if i % 2 == 0 {
                        f32::from_bits(rng.gen::<u32>() & 0xFF7F_FFFF)
                    } else {
                        rng.gen_range(-1.0f32..1.0) * 2f32.powi(rng.gen_range(-30..30))
                    }
                })
                .collect();
            let neg: Vec<f32> = x.iter().map(|v| -v).collect();
            for &r in &rules {
                for m in [
                    Rounding::Rne,
                    Rounding::Away,
                    Rounding::Floor,
                    Rounding::Stochastic,
                ] {
                    let o = QuantOptions {
                        scale_rule: r,
                        round: m,
                        block: None,
                        seed,
                    };
                    let a = quantize(&f, &o, &x, 1024).unwrap();
                    let b = quantize(&f, &o, &neg, 1024).unwrap();
                    for (i, (p, q)) in a.values.iter().zip(&b.values).enumerate() {
                        // A quotient that underflows to zero gives +0 for either sign.
                        assert!(
                            p.is_nan() && q.is_nan()
                                || p.to_bits() ^ q.to_bits() == 0x8000_0000
                                || p.to_bits() == 0 && q.to_bits() == 0,
                            "seed {seed:#x} {} {r:?} {m:?} element {i}: {p:e} vs {q:e}",
                            f.name
                        );
                    }
                    let portable = quantize_portable::<u8>(&f, &o, &x, 1024).unwrap();
                    assert_eq!(
                        bits(&portable.values),
                        bits(&a.values),
                        "seed {seed:#x} {} {r:?} {m:?}: portable values",
                        f.name
                    );
                    assert_eq!(
                        (&portable.elem_codes, &portable.scale_codes),
                        (&a.elem_codes, &a.scale_codes),
                        "seed {seed:#x} {} portable codes",
                        f.name
                    );
                    let p = Packed::new(&f, &o, &[4, 1024], &a).unwrap();
                    let dq = p.dequantize();
                    for (i, (&d, &v)) in dq.iter().zip(&a.values).enumerate() {
                        let v = if f.elem.is_int() && v == 0.0 { 0.0 } else { v };
                        assert!(
                            d.to_bits() == v.to_bits() || d.is_nan() && v.is_nan(),
                            "seed {seed:#x} {} element {i}",
                            f.name
                        );
                    }
                }
            }
        }
    }
}

mod command {
    use super::*;
    use hwcost::format::npy;
    use hwcost::format::quantize::cli::{quantize_file, QuantizeArgs, Rotate};

    fn args(format: &str, input: &Path, output: &Path) -> QuantizeArgs {
        QuantizeArgs {
            format: format.into(),
            input: input.into(),
            output: output.into(),
            scale_rule: None,
            round: Rounding::Rne,
            block: None,
            rotate: None,
            seed: None,
            packed: None,
            json: false,
            axis: -1,
            codes: None,
            scales: None,
            chunk_mib: 64,
            no_fsync: false,
        }
    }

    #[test]
    fn example_quantizes_and_writes_the_dequantized_tensor_and_codes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.npy");
        let pk = dir.path().join("out.pk");
        let mut a = args("MXFP8", &data_path("example.npy"), &out);
        a.packed = Some(pk.clone());
        let rep = quantize_file(&a).unwrap();
        let input = npy::read_f32(&data_path("example.npy")).unwrap();
        let got = npy::read_f32(&out).unwrap();
        assert_eq!(got.shape, input.shape);
        let f = fmt("mxfp8");
        let want =
            quantize_dequantize(&f, &QuantOptions::default_for(&f), &input.data, 256).unwrap();
        assert_eq!(bits(&got.data), bits(&want));
        assert_eq!(
            (rep.elements as usize, rep.blocks as usize, rep.block),
            (32 * 256, 32 * 8, 32)
        );
        let q = hwcost::format::quantize::qsnr_db(&input.data, &want);
        // Summed in pieces: equal up to the last bits of the f64 sums.
        assert!((rep.qsnr_db - q).abs() < 1e-9, "{} vs {q}", rep.qsnr_db);
        assert!(q > 25.0 && q < 40.0, "mxfp8 QSNR on the example: {q}");
        let p = Packed::read(&pk).unwrap();
        assert_eq!(bits(&p.dequantize()), bits(&want));
        let j = rep.to_json();
        for k in [
            "format",
            "scale_rule",
            "round",
            "elements",
            "blocks",
            "qsnr_db",
        ] {
            assert!(j.get(k).is_some(), "{k} missing in {j}");
        }
        assert_eq!(j["scale_rule"], "ceil");
        assert_eq!(j["format"], "mxfp8");
    }

    #[test]
    fn hadamard_rotation_helps_nvint4_on_outlier_channels() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.npy");
        let plain = quantize_file(&args("nvint4", &data_path("example.npy"), &out)).unwrap();
        let mut a = args("nvint4", &data_path("example.npy"), &out);
        a.rotate = Some(Rotate::Hadamard);
        a.seed = Some(3);
        let rot = quantize_file(&a).unwrap();
        assert!(
            rot.qsnr_db > plain.qsnr_db + 1.0,
            "rotated {} vs plain {}",
            rot.qsnr_db,
            plain.qsnr_db
        );
        assert_eq!(rot.rotate_seed, Some(3));
        // QSNR is measured in the original basis: recompute it from the written file.
        let input = npy::read_f32(&data_path("example.npy")).unwrap();
        let got = npy::read_f32(&out).unwrap();
        let q = hwcost::format::quantize::qsnr_db(&input.data, &got.data);
        assert!((q - rot.qsnr_db).abs() < 1e-9, "{q} vs {}", rot.qsnr_db);
    }

    /// Each malformed input fails with one clear line and writes nothing.
    #[test]
    fn malformed_inputs_fail_cleanly_and_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let good = npy::to_bytes(&[2, 4], &[1.0; 8]).unwrap();
        let header_len = good.len() - 32;
        // Same-length edits of the header text keep its layout valid.
        let swap = |from: &str, to: &str| -> Vec<u8> {
            assert_eq!(from.len(), to.len());
            let mut b = good.clone();
            let at = b
                .windows(from.len())
                .position(|w| w == from.as_bytes())
                .unwrap();
            assert!(at < header_len);
            b[at..at + from.len()].copy_from_slice(to.as_bytes());
            b
        };
        let mut f64_file = swap("<f4", "<f8");
        f64_file.extend(std::iter::repeat_n(0u8, 32));
        let mut bad_magic = good.clone();
        bad_magic[1] = b'X';
        let empty_shape = npy::to_bytes(&[0], &[]).unwrap();
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("text.npy", b"a,b,c\n1,2,3\n".to_vec(), "bad magic"),
            ("badmagic.npy", bad_magic, "bad magic"),
            ("f64.npy", f64_file, "float32"),
            ("trunc.npy", good[..good.len() - 5].to_vec(), "truncated"),
            ("empty.npy", Vec::new(), "empty"),
            ("noelems.npy", empty_shape, "no elements"),
            (
                "fortran.npy",
                swap("'fortran_order': False", "'fortran_order': True "),
                "Fortran",
            ),
            ("bigend.npy", swap("<f4", ">f4"), "big-endian"),
            ("scalar.npy", swap("(2, 4, ), ", "(),       "), "scalar"),
            ("int.npy", swap("<f4", "<i4"), "float32"),
        ];
        for (name, bytes, needle) in cases {
            let input = dir.path().join(name);
            std::fs::write(&input, &bytes).unwrap();
            let out = dir.path().join(format!("{name}.out.npy"));
            let pk = dir.path().join(format!("{name}.pk"));
            let mut a = args("mxint8", &input, &out);
            a.packed = Some(pk.clone());
            let err = quantize_file(&a).unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains(needle), "{name}: '{msg}' lacks '{needle}'");
            assert!(
                !msg.contains('\n'),
                "{name}: message is not one line: {msg}"
            );
            assert!(!out.exists() && !pk.exists(), "{name}: output written");
        }
        // Unknown format, bad block, rotation on a ragged row: same promise.
        let input = dir.path().join("ok.npy");
        std::fs::write(&input, &good).unwrap();
        let out = dir.path().join("o.npy");
        let msg = format!(
            "{:#}",
            quantize_file(&args("mxfp9", &input, &out)).unwrap_err()
        );
        assert!(msg.contains("mxfp8"), "{msg}");
        let mut a = args("mxfp8", &input, &out);
        a.block = Some(0);
        assert!(format!("{:#}", quantize_file(&a).unwrap_err()).contains("block size"));
        let mut a = args("mxfp8", &input, &out);
        a.rotate = Some(Rotate::Hadamard);
        assert!(
            format!("{:#}", quantize_file(&a).unwrap_err()).contains("multiple of the block size")
        );
        let mut a = args("mxfp8", &input, &out);
        a.scale_rule = Some(ScaleRule::Nv);
        assert!(format!("{:#}", quantize_file(&a).unwrap_err()).contains("does not fit"));
        assert!(!out.exists());
        // Every leftover in the directory is an input: no temp files were left behind.
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let n = e.unwrap().file_name().into_string().unwrap();
            assert!(!n.starts_with(".hwcost-"), "temp file {n} left behind");
        }
    }
}

/// The streaming command against the in-memory quantizer: byte-identical files for every
/// piece size and axis, and stdin / stdout.
mod streaming {
    use super::*;
    use hwcost::format::npy;
    use hwcost::format::quantize::cli::{quantize_file_chunked, QuantizeArgs, Rotate};
    use hwcost::format::quantize::stream::Chunking;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The in-memory reference: move `axis` last, quantize the whole tensor, move it back.
    fn reference(
        f: &BlockFormat,
        o: &QuantOptions,
        shape: &[u64],
        axis: usize,
        x: &[f32],
    ) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
        let a = shape[axis] as usize;
        let inner: usize = shape[axis + 1..].iter().product::<u64>() as usize;
        let slab = a * inner;
        let mut moved = vec![0f32; x.len()];
        for (s, m) in x.chunks(slab).zip(moved.chunks_mut(slab)) {
            for r in 0..a {
                for c in 0..inner {
                    m[c * a + r] = s[r * inner + c];
                }
            }
        }
        let q = quantize(f, o, &moved, a).unwrap();
        let mut back = vec![0f32; x.len()];
        for (m, b) in q.values.chunks(slab).zip(back.chunks_mut(slab)) {
            for r in 0..a {
                for c in 0..inner {
                    b[r * inner + c] = m[c * a + r];
                }
            }
        }
        let mut other: Vec<u64> = shape.to_vec();
        other.remove(axis);
        let bpr = a.div_ceil(o.block_size(f)) as u64;
        let mut cshape = other.clone();
        cshape.extend([bpr, o.block_size(f) as u64]);
        let mut codes = npy::header_bytes::<u8>(&cshape).unwrap();
        codes.extend(&q.elem_codes);
        let mut sshape = other.clone();
        sshape.push(bpr);
        let mut scales = npy::header_bytes::<u8>(&sshape).unwrap();
        scales.extend(&q.scale_codes);
        let mut pshape = other;
        pshape.push(a as u64);
        let packed = Packed::new(f, o, &pshape, &q).unwrap().to_bytes();
        (npy::to_bytes(shape, &back).unwrap(), codes, scales, packed)
    }

    fn args(format: &str, input: &Path, dir: &Path) -> QuantizeArgs {
        QuantizeArgs {
            format: format.into(),
            input: input.into(),
            output: dir.join("v.npy"),
            scale_rule: None,
            round: Rounding::Rne,
            block: None,
            rotate: None,
            seed: None,
            packed: Some(dir.join("p.bin")),
            json: false,
            axis: -1,
            codes: Some(dir.join("c.npy")),
            scales: Some(dir.join("s.npy")),
            chunk_mib: 64,
            no_fsync: false,
        }
    }

    #[test]
    fn pieces_of_every_size_and_every_axis_give_the_in_memory_bytes() {
        let seed = 0x57_2ea4u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let shape = [3u64, 40, 70];
        let n = shape.iter().product::<u64>() as usize;
        let x: Vec<f32> = (0..n)
            .map(|_| rng.gen_range(-1.0f32..1.0) * 2f32.powi(rng.gen_range(-12..12)))
            .collect();
        let input = dir.path().join("x.npy");
        npy::write_f32(&input, &shape, &x).unwrap();
        for (format, rule, round) in [
            ("mxfp8", ScaleRule::Ceil, Rounding::Rne),
            ("mxint4", ScaleRule::Even, Rounding::Stochastic),
            ("nvfp4", ScaleRule::Nv, Rounding::Floor),
        ] {
            let f = fmt(format);
            for axis in [-1isize, 1, 0] {
                let o = QuantOptions {
                    scale_rule: rule,
                    round,
                    block: None,
                    seed: 9,
                };
                let ax = if axis < 0 { 2 } else { axis as usize };
                let want = reference(&f, &o, &shape, ax, &x);
                for piece in [1usize, 37, 700, 5000, 1 << 20] {
                    let mut a = args(format, &input, dir.path());
                    a.scale_rule = Some(rule);
                    a.round = round;
                    a.axis = axis;
                    a.seed = (round == Rounding::Stochastic).then_some(9);
                    // Unflushed outputs (--no-fsync) are the same bytes.
                    a.no_fsync = piece == 37;
                    let rep = quantize_file_chunked(
                        &a,
                        Chunking {
                            piece_elems: piece,
                            batch: 3,
                        },
                    )
                    .unwrap();
                    let label = format!(
                        "seed {seed:#x} {format} axis {axis} piece {piece} no_fsync {}",
                        a.no_fsync
                    );
                    assert_eq!(rep.axis, ax, "{label}");
                    let read = |p: &str| std::fs::read(dir.path().join(p)).unwrap();
                    let v = read("v.npy");
                    let d = v.iter().zip(&want.0).position(|(a, b)| a != b);
                    assert!(
                        v == want.0,
                        "{label}: values, lengths {} {}, first diff {d:?}",
                        v.len(),
                        want.0.len()
                    );
                    assert!(read("c.npy") == want.1, "{label}: codes");
                    assert!(read("s.npy") == want.2, "{label}: scales");
                    assert!(read("p.bin") == want.3, "{label}: packed");
                }
            }
        }
        // Rotation streams too (pieces of whole blocks).
        let input = dir.path().join("r.npy");
        npy::write_f32(&input, &[6, 4, 64], &x[..6 * 4 * 64]).unwrap();
        let mut a = args("mxfp4", &input, dir.path());
        a.rotate = Some(Rotate::Hadamard);
        a.seed = Some(4);
        let one = |piece| {
            quantize_file_chunked(
                &a,
                Chunking {
                    piece_elems: piece,
                    batch: 2,
                },
            )
            .unwrap();
            std::fs::read(dir.path().join("v.npy")).unwrap()
        };
        assert!(one(64) == one(1 << 20), "rotated pieces");
        a.axis = 0;
        let msg = format!(
            "{:#}",
            quantize_file_chunked(&a, Chunking::from_mib(1)).unwrap_err()
        );
        assert!(msg.contains("multiple of the block size"), "{msg}");
    }

    #[test]
    fn a_one_row_tensor_streams_in_blocks_and_errors_are_clean() {
        let dir = tempfile::tempdir().unwrap();
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let input = dir.path().join("row.npy");
        npy::write_f32(&input, &[1000], &x).unwrap();
        let f = fmt("mxfp6");
        let o = QuantOptions::default_for(&f);
        let want = reference(&f, &o, &[1000], 0, &x);
        for piece in [1usize, 33, 96, 999] {
            quantize_file_chunked(
                &args("mxfp6", &input, dir.path()),
                Chunking {
                    piece_elems: piece,
                    batch: 2,
                },
            )
            .unwrap();
            assert!(std::fs::read(dir.path().join("v.npy")).unwrap() == want.0);
            assert!(std::fs::read(dir.path().join("p.bin")).unwrap() == want.3);
        }
        let mut a = args("mxfp6", &input, &dir.path().join("sub"));
        a.axis = 1;
        let msg = format!(
            "{:#}",
            quantize_file_chunked(&a, Chunking::from_mib(1)).unwrap_err()
        );
        assert!(msg.contains("--axis 1 is out of range"), "{msg}");
    }

    #[test]
    fn stdin_and_stdout_carry_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let input = data_path("example.npy");
        for format in ["mxint8", "nvfp4"] {
            let file_out = dir.path().join(format!("{format}.npy"));
            let st = std::process::Command::new(env!("CARGO_BIN_EXE_hwcost"))
                .args(["quantize", format])
                .arg(&input)
                .arg("-o")
                .arg(&file_out)
                .status()
                .unwrap();
            assert!(st.success());
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_hwcost"))
                .args(["quantize", format, "-", "-o", "-"])
                .stdin(std::fs::File::open(&input).unwrap())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.stdout == std::fs::read(&file_out).unwrap(), "{format}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("QSNR") && err.contains(format), "{err}");
        }
    }
}

/// UE5M3 block scales (user formats): the two-level NV rule with UE5M3's range.
mod ue5m3 {
    use super::*;
    use hwcost::format::spec::{ElemFormat, FpSpecials};
    use hwcost::format::ScaleFormat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The UE5M3 code nearest to `x` (ties to the even code), saturating at 0xFE, by search
    /// over the decoded values.
    fn nearest(x: f64) -> u8 {
        let s = ScaleFormat::Ue5m3;
        let mut best = 0u8;
        for c in 1..=0xFEu8 {
            let (d, b) = ((s.value(c) - x).abs(), (s.value(best) - x).abs());
            if d < b || (d == b && c % 2 == 0) {
                best = c;
            }
        }
        best
    }

    #[test]
    fn codes_are_nearest_and_decode_to_the_values() {
        let f = BlockFormat {
            name: "fp6_ue5m3".into(),
            elem: ElemFormat::Fp {
                exp_bits: 2,
                man_bits: 3,
                bias: 1,
                specials: FpSpecials::Finite,
            },
            block: 16,
            scale: ScaleFormat::Ue5m3,
        };
        let seed = 0x0E5_3u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // 64 blocks with magnitudes 2^-44..2^4 (the smallest underflow UE5M3 relative to the
        // largest), one all-zero block and one holding NaN.
        let mut x: Vec<f32> = (0..64 * 16)
            .map(|i| {
                let e = -44 + (i / 16) as i32 * 48 / 63;
                let v: f32 = rng.gen_range(-1.0..1.0);
                v * 2f32.powi(e)
            })
            .collect();
        x[16 * 5..16 * 6].fill(0.0);
        x[16 * 9 + 3] = f32::NAN;
        for r in [ScaleRule::Nv, ScaleRule::NvStudy] {
            let opts = QuantOptions {
                scale_rule: r,
                ..QuantOptions::default_for(&f)
            };
            let q = quantize(&f, &opts, &x, 256).unwrap();
            let qmax = f.elem.max_value() as f32;
            let amax: Vec<f32> = x
                .chunks(16)
                .map(|b| b.iter().fold(0f32, |m, v| m.max(v.abs())))
                .collect();
            let s_t = amax
                .iter()
                .filter(|a| !a.is_nan())
                .map(|a| a / qmax)
                .fold(0f32, f32::max)
                / 114_688.0;
            assert_eq!(q.tensor_scale.to_bits(), s_t.to_bits(), "seed {seed:#x}");
            for (b, &a) in amax.iter().enumerate() {
                let want = if b == 9 {
                    0xFF
                } else {
                    nearest(f64::from(a / qmax / s_t))
                };
                assert_eq!(q.scale_codes[b], want, "seed {seed:#x} {r:?} block {b}");
            }
            assert!(q.scale_codes.contains(&0xFE) && q.scale_codes.contains(&0));
            let p = Packed::new(&f, &opts, &[4, 256], &q).unwrap();
            let back = Packed::from_bytes(&p.to_bytes()).unwrap();
            assert_eq!(back, p);
            assert_eq!(
                bits(&back.dequantize()),
                bits(&q.values),
                "seed {seed:#x} {r:?}"
            );
        }
    }
}

/// Element codes wider than a byte (INT9..16 and FP layouts of up to 16 bits) stored as u16,
/// and the code mapping at extreme exponent biases: the codes decode to the values bit for
/// bit (packed round trip), the AVX2 and portable kernels agree, and the streaming command
/// writes them as a uint16 .npy and in the packed file.
mod wide_codes {
    use super::*;
    use hwcost::format::npy;
    use hwcost::format::quantize::stream::{quantize_stream, Chunking, Input, Outputs};
    use hwcost::format::quantize::{quantize_codes, ElemCode};
    use hwcost::format::spec::{ElemFormat, FpSpecials};
    use hwcost::format::ScaleFormat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    pub(super) fn fp(exp_bits: u32, man_bits: u32, bias: i32, specials: FpSpecials) -> ElemFormat {
        ElemFormat::Fp {
            exp_bits,
            man_bits,
            bias,
            specials,
        }
    }

    pub(super) fn format(
        name: &str,
        elem: ElemFormat,
        block: usize,
        scale: ScaleFormat,
    ) -> BlockFormat {
        BlockFormat {
            name: name.into(),
            elem,
            block,
            scale,
        }
    }

    /// INT9/12/16 with every scale kind, FP16 (E5M10), E4M8, E6M9, and a 6-bit E3M2 whose
    /// bias (-40) puts its code mapping constant below the FP32 range.
    fn formats() -> Vec<BlockFormat> {
        use FpSpecials::*;
        use ScaleFormat::*;
        vec![
            format("int12", ElemFormat::Int { bits: 12 }, 32, Ue8m0),
            format("int16_e4m3", ElemFormat::Int { bits: 16 }, 16, E4m3),
            format("int9_ue5m3", ElemFormat::Int { bits: 9 }, 16, Ue5m3),
            format("fp16", fp(5, 10, 15, Ieee), 32, Ue8m0),
            format("e4m8", fp(4, 8, 7, NanOnly), 32, Ue8m0),
            format("e6m9_e4m3", fp(6, 9, 31, Finite), 16, E4m3),
            format("e3m2_bias_m40", fp(3, 2, -40, Finite), 32, Ue8m0),
        ]
    }

    fn data(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| match i % 3 {
                0 => f32::from_bits(rng.gen::<u32>() & 0xFF7F_FFFF),
                1 => rng.gen_range(-1.0f32..1.0) * 2f32.powi(rng.gen_range(-30..30)),
                _ => rng.gen_range(-1.0f32..1.0),
            })
            .collect()
    }

    pub(super) fn same_values(f: &BlockFormat, got: &[f32], want: &[f32], what: &str) {
        for (i, (&d, &v)) in got.iter().zip(want).enumerate() {
            // INT codes have no -0.
            let v = if f.elem.is_int() && v == 0.0 { 0.0 } else { v };
            assert!(
                d.to_bits() == v.to_bits() || d.is_nan() && v.is_nan(),
                "{what} element {i}: {d:e} vs {v:e}"
            );
        }
    }

    /// `x` (rows of 1024) quantized with `C` codes: the AVX2 and portable kernels agree bit for
    /// bit, the values are quantize-dequantize's, and every code fits the element width.
    pub(super) fn on_both_kernels<C: ElemCode>(
        f: &BlockFormat,
        o: &QuantOptions,
        x: &[f32],
        what: &str,
    ) -> hwcost::format::quantize::Quantized<C> {
        let q = quantize_codes::<C>(f, o, x, 1024).unwrap();
        let portable = quantize_portable::<C>(f, o, x, 1024).unwrap();
        assert_eq!(bits(&portable.values), bits(&q.values), "{what}: values");
        assert_eq!(portable.elem_codes, q.elem_codes, "{what}: element codes");
        assert_eq!(portable.scale_codes, q.scale_codes, "{what}: scale codes");
        let dq = quantize_dequantize(f, o, x, 1024).unwrap();
        assert_eq!(bits(&dq), bits(&q.values), "{what}: quantize_dequantize");
        let top = 1u32 << f.elem.bits();
        assert!(
            q.elem_codes.iter().all(|&c| c.code() < top),
            "{what}: code range"
        );
        q
    }

    #[test]
    fn codes_decode_to_the_values_on_both_kernels() {
        let seed = 0x71de_c0deu64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = data(&mut rng, 4096);
        x[100] = f32::NAN; // one NaN block
        for f in formats() {
            let rules: Vec<ScaleRule> = ScaleRule::ALL.into_iter().filter(|r| r.fits(&f)).collect();
            for &r in &rules {
                for m in [Rounding::Rne, Rounding::Stochastic] {
                    let o = QuantOptions {
                        scale_rule: r,
                        round: m,
                        block: None,
                        seed,
                    };
                    let what = format!("seed {seed:#x} {} {r:?} {m:?}", f.name);
                    let q = on_both_kernels::<u16>(&f, &o, &x, &what);
                    if f.elem.bits() <= 8 {
                        let narrow = quantize(&f, &o, &x, 1024).unwrap();
                        let widened: Vec<u16> =
                            narrow.elem_codes.iter().map(|&c| c.into()).collect();
                        assert_eq!(widened, q.elem_codes, "{what}: u8 and u16 codes");
                    } else {
                        assert!(quantize(&f, &o, &x, 1024).is_err(), "{what}: no byte codes");
                    }
                    let p = Packed::new(&f, &o, &[4, 1024], &q).unwrap();
                    let back = Packed::from_bytes(&p.to_bytes()).unwrap();
                    assert_eq!(back, p, "{what}: packed round trip");
                    same_values(&f, &back.dequantize(), &q.values, &what);
                }
            }
        }
    }

    /// Codes wider than 16 bits (E6M10, E7M9, E7M10: what the hardware verification draws its
    /// quantized blocks with) are kept as u32 in memory: both kernels give the same codes and
    /// values, the values are those of quantize-dequantize, and with UE8M0 scales each code
    /// decodes to its value exactly (code value times 2^(scale - 127)).
    #[test]
    fn codes_wider_than_16_bits_are_kept_in_memory_on_both_kernels() {
        use FpSpecials::*;
        use ScaleFormat::*;
        let seed = 0x1832_c0deu64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = data(&mut rng, 4096);
        for f in [
            format("e6m10", fp(6, 10, 31, Ieee), 32, Ue8m0),
            format("e7m9_e4m3", fp(7, 9, 63, NanOnly), 16, E4m3),
            format("e7m10_ue5m3", fp(7, 10, 70, Finite), 64, Ue5m3),
        ] {
            for r in ScaleRule::ALL.into_iter().filter(|r| r.fits(&f)) {
                let o = QuantOptions {
                    scale_rule: r,
                    round: Rounding::Rne,
                    block: None,
                    seed,
                };
                let what = format!("seed {seed:#x} {} {r:?}", f.name);
                let q = on_both_kernels::<u32>(&f, &o, &x, &what);
                assert!(
                    quantize_codes::<u16>(&f, &o, &x, 1024).is_err(),
                    "{what}: u16"
                );
                if f.scale == Ue8m0 {
                    for (i, (&c, &v)) in q.elem_codes.iter().zip(&q.values).enumerate() {
                        let s = q.scale_codes[i / f.block];
                        let want = (f.elem.value(c) * 2f64.powi(s as i32 - 127)) as f32;
                        let v = if v == 0.0 { 0.0 } else { v };
                        let want = if want == 0.0 { 0.0 } else { want };
                        assert!(
                            v.to_bits() == want.to_bits() || s == 0xFF,
                            "{what} element {i}: code {c:#x} scale {s}: {v:e} vs {want:e}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_streaming_command_writes_uint16_codes() {
        let seed = 0x16b17u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let shape = [6u64, 96];
        let x = data(&mut rng, 6 * 96);
        let input = dir.path().join("x.npy");
        npy::write_f32(&input, &shape, &x).unwrap();
        let outputs = |tag: &str| Outputs {
            values: Some(dir.path().join(format!("{tag}-v.npy"))),
            codes: Some(dir.path().join(format!("{tag}-c.npy"))),
            scales: Some(dir.path().join(format!("{tag}-s.npy"))),
            packed: Some(dir.path().join(format!("{tag}-p.bin"))),
            skip_fsync: false,
        };
        for f in formats() {
            let o = QuantOptions::default_for(&f);
            let out = outputs(&f.name);
            let chunking = Chunking {
                piece_elems: 2 * 96,
                batch: 2,
            };
            quantize_stream(
                &f,
                &o,
                None,
                &Input::File(input.clone()),
                -1,
                &out,
                chunking,
            )
            .unwrap_or_else(|e| panic!("seed {seed:#x} {}: {e:#}", f.name));
            let q = quantize_codes::<u16>(&f, &o, &x, 96).unwrap();
            let k = f.block as u64;
            let cshape = [6, 96 / k, k];
            let mut want = if f.elem.bits() <= 8 {
                let mut h = npy::header_bytes::<u8>(&cshape).unwrap();
                h.extend(q.elem_codes.iter().map(|&c| c as u8));
                h
            } else {
                let mut h = npy::header_bytes::<u16>(&cshape).unwrap();
                h.extend(q.elem_codes.iter().flat_map(|c| c.to_le_bytes()));
                h
            };
            let got = std::fs::read(out.codes.as_ref().unwrap()).unwrap();
            assert!(got == want, "seed {seed:#x} {}: --codes file", f.name);
            want = npy::header_bytes::<u8>(&cshape[..2]).unwrap();
            want.extend(&q.scale_codes);
            let got = std::fs::read(out.scales.as_ref().unwrap()).unwrap();
            assert!(got == want, "seed {seed:#x} {}: --scales file", f.name);
            let packed = Packed::read(out.packed.as_ref().unwrap()).unwrap();
            assert_eq!(
                packed,
                Packed::new(&f, &o, &shape, &q).unwrap(),
                "seed {seed:#x} {}: --packed file",
                f.name
            );
            same_values(&f, &packed.dequantize(), &q.values, &f.name);
        }
        // Codes wider than 16 bits (an 18-bit E7M10) are refused before anything is written.
        let f = format(
            "e7m10",
            fp(7, 10, 63, FpSpecials::Ieee),
            32,
            ScaleFormat::Ue8m0,
        );
        let out = outputs("e7m10");
        let e = quantize_stream(
            &f,
            &QuantOptions::default_for(&f),
            None,
            &Input::File(input.clone()),
            -1,
            &out,
            Chunking::from_mib(1),
        )
        .unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("18-bit") && msg.contains("16 bits"), "{msg}");
        assert!(!out.values.as_ref().unwrap().exists() && !out.codes.as_ref().unwrap().exists());
        assert_eq!(<u16 as ElemCode>::BITS, 16);
    }
}

/// Formats without a block scale (`scale = "none"`): each value becomes its nearest element
/// value, checked against an enumeration of the element's values (ties to the even code,
/// magnitudes beyond the largest element saturated); the AVX2 and portable kernels agree, every
/// stored scale code is 127 (2^0), the packed file decodes to the values, and NaN or Inf input
/// is refused by name.
mod unscaled {
    use super::wide_codes::{format, fp, on_both_kernels, same_values};
    use super::*;
    use hwcost::format::element::Class;
    use hwcost::format::quantize::QuantError;
    use hwcost::format::spec::{ElemFormat, FpSpecials};
    use hwcost::format::ScaleFormat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn formats() -> Vec<BlockFormat> {
        use FpSpecials::*;
        let unscaled = |name, elem, block| format(name, elem, block, ScaleFormat::Unscaled);
        vec![
            unscaled("e4m3_none", fp(4, 3, 7, NanOnly), 32),
            unscaled("e5m2_none", fp(5, 2, 15, Ieee), 32),
            unscaled("e2m1_none", fp(2, 1, 1, Finite), 32),
            unscaled("e3m2_bias9_none", fp(3, 2, 9, Finite), 64),
            unscaled("int8_none", ElemFormat::Int { bits: 8 }, 16),
            unscaled("int5_none", ElemFormat::Int { bits: 5 }, 16),
        ]
    }

    /// The element's finite values (in the quantizer's view) with their codes, and the largest.
    fn grid(f: &BlockFormat) -> (Vec<(f64, u32)>, f64) {
        let e = f.elem;
        let view = 2f64.powi(e.int_view_exp());
        let all: Vec<(f64, u32)> = (0..e.code_count())
            .filter(|&c| matches!(e.decode(c).class, Class::Finite | Class::Zero))
            .map(|c| (e.value(c) * view, c))
            .collect();
        let max = all.iter().map(|g| g.0).fold(0.0, f64::max);
        // Symmetric: an INT's most negative code is not used.
        (all.into_iter().filter(|g| g.0.abs() <= max).collect(), max)
    }

    /// The nearest grid value; a tie goes to the even code.
    fn nearest(grid: &[(f64, u32)], x: f64) -> f64 {
        let mut best = grid[0];
        for &g in grid {
            let (d, db) = ((x - g.0).abs(), (x - best.0).abs());
            if d < db || (d == db && g.1 % 2 == 0 && best.1 % 2 == 1) {
                best = g;
            }
        }
        best.0
    }

    #[test]
    fn each_value_becomes_its_nearest_element_on_both_kernels() {
        let seed = 0x0005_ca1e_u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for f in formats() {
            let (grid, max) = grid(&f);
            let mut x: Vec<f32> = (0..3072)
                .map(|_| (rng.gen_range(-1.25..1.25) * max) as f32)
                .collect();
            // Every midpoint between neighbours (the ties) and the grid itself.
            let mut values: Vec<f64> = grid.iter().map(|g| g.0).collect();
            values.sort_by(f64::total_cmp);
            values.dedup();
            x.extend(values.windows(2).map(|w| ((w[0] + w[1]) / 2.0) as f32));
            x.extend(values.iter().map(|&v| v as f32));
            x.resize(x.len().next_multiple_of(1024), 0.0);
            for rule in [ScaleRule::Ceil, ScaleRule::Ocp, ScaleRule::Nv] {
                let o = QuantOptions {
                    scale_rule: rule,
                    round: Rounding::Rne,
                    block: None,
                    seed,
                };
                let what = format!("seed {seed:#x} {} {rule:?}", f.name);
                let q = on_both_kernels::<u16>(&f, &o, &x, &what);
                assert!(q.scale_codes.iter().all(|&c| c == 127), "{what}");
                for (i, (&v, &xi)) in q.values.iter().zip(&x).enumerate() {
                    // Numerically equal: the sign of a zero is the rule's, as for scaled formats.
                    let want = nearest(&grid, xi as f64);
                    assert!(
                        v as f64 == want,
                        "{what}: x[{i}] = {xi:e} gave {v:e}, nearest is {want:e}"
                    );
                }
                let p = Packed::new(&f, &o, &[(x.len() / 1024) as u64, 1024], &q).unwrap();
                let back = Packed::from_bytes(&p.to_bytes()).unwrap();
                assert_eq!(back.scale, ScaleFormat::Unscaled, "{what}");
                // INT codes have no -0: a -0 value decodes as +0.
                same_values(
                    &f,
                    &back.dequantize(),
                    &q.values,
                    &format!("{what}: packed"),
                );
            }
        }
    }

    #[test]
    fn nan_or_inf_input_is_refused_by_name() {
        for f in formats() {
            let o = QuantOptions::default_for(&f);
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let mut x = vec![0.5f32; 64];
                x[33] = bad;
                let want = QuantError::NonFinite {
                    format: f.name.clone(),
                };
                assert_eq!(quantize(&f, &o, &x, 64).unwrap_err(), want);
                assert_eq!(quantize_dequantize(&f, &o, &x, 64).unwrap_err(), want);
                assert!(want.to_string().contains("no block scale"), "{want}");
            }
        }
    }
}
