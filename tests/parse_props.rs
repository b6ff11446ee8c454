//! Property tests of every parser of outside input: the `.npy` header, the format TOML, the
//! technology TOML and the results JSON. Whatever the bytes, a parser returns a value or an
//! error, never a panic; a valid input round-trips. Seeded by proptest (failures are saved and
//! printed with the seed that reproduces them).

use std::path::Path;

use proptest::prelude::*;

use hwcost::cost::source::{ComponentCost, CostTable, Provenance, UnitCost};
use hwcost::cost::tech::Tech;
use hwcost::format::npy;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Header text pieces a hostile file could hold.
fn header_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just(",".to_string()),
        Just(": ".to_string()),
        Just("'descr'".to_string()),
        Just("\"shape\"".to_string()),
        Just("'shape'".to_string()),
        Just("'fortran_order'".to_string()),
        Just("'<f4'".to_string()),
        Just("True".to_string()),
        Just("False".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-3".to_string()),
        Just("4294967296".to_string()),
        (0u64..100).prop_map(|n| n.to_string()),
        "[ -~]{0,8}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn npy_file(major: u8, header: &str, data: &[u8]) -> Vec<u8> {
    let mut b = b"\x93NUMPY".to_vec();
    b.extend([major, 0]);
    if major == 1 {
        b.extend((header.len().min(u16::MAX as usize) as u16).to_le_bytes());
    } else {
        b.extend((header.len() as u32).to_le_bytes());
    }
    b.extend(header.as_bytes());
    b.extend(data);
    b
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn npy_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = npy::parse_f32(&bytes, Path::new("x.npy"));
        let mut with_magic = b"\x93NUMPY".to_vec();
        with_magic.extend(&bytes);
        let _ = npy::parse_f32(&with_magic, Path::new("x.npy"));
    }

    #[test]
    fn npy_parser_never_panics_on_headers(
        major in 1u8..=3,
        header in header_text(),
        data in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let file = npy_file(major, &header, &data);
        if let Ok(a) = npy::parse_f32(&file, Path::new("x.npy")) {
            // Whatever was accepted is self-consistent.
            prop_assert_eq!(a.shape.iter().product::<u64>(), a.data.len() as u64);
        }
    }

    #[test]
    fn npy_files_round_trip(
        shape in prop::collection::vec(1u64..5, 1..4),
        seed in any::<u32>(),
    ) {
        let n: u64 = shape.iter().product();
        let data: Vec<f32> = (0..n)
            .map(|i| f32::from_bits(seed.wrapping_mul(2_654_435_761).wrapping_add(i as u32 * 40_503)))
            .collect();
        let bytes = npy::to_bytes(&shape, &data).unwrap();
        let back = npy::parse_f32(&bytes, Path::new("x.npy")).unwrap();
        prop_assert_eq!(&back.shape, &shape);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&back.data), bits(&data));
    }

    #[test]
    fn format_toml_never_panics(text in "[ -~\n]{0,200}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        std::fs::write(&path, &text).unwrap();
        let _ = hwcost::format::spec::load_toml(&path);
    }

    #[test]
    fn format_toml_fields_never_panic(
        bits in any::<i64>(),
        exp_bits in any::<i64>(),
        man_bits in any::<i64>(),
        bias in any::<i64>(),
        block in any::<i64>(),
        kind in prop_oneof![Just("int"), Just("fp")],
        specials in prop_oneof![Just("finite"), Just("nan_only"), Just("ieee")],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        let text = if kind == "int" {
            format!("name = \"u\"\nblock = {block}\nscale = \"ue8m0\"\n[element]\nkind = \"int\"\nbits = {bits}\n")
        } else {
            format!("name = \"u\"\nblock = {block}\nscale = \"ue8m0\"\n[element]\nkind = \"fp\"\nexp_bits = {exp_bits}\nman_bits = {man_bits}\nbias = {bias}\nspecials = \"{specials}\"\n")
        };
        std::fs::write(&path, text).unwrap();
        if let Ok(f) = hwcost::format::spec::load_toml(&path) {
            // An accepted format quantizes without a panic.
            let opts = hwcost::format::quantize::QuantOptions::default_for(&f);
            let _ = hwcost::format::quantize::quantize_dequantize(&f, &opts, &[1.0, -3.5, 1e30, 0.0], 4);
        }
    }

    #[test]
    fn valid_format_toml_round_trips(
        exp_bits in 1u32..=8,
        man_bits in 0u32..=10,
        bias_at in 0.0f64..1.0,
        block in 1usize..=1024,
        e4m3 in any::<bool>(),
    ) {
        // The bias range the loader accepts: every step and twice the top value normal FP32.
        let lo = (1i64 << exp_bits) - 126;
        let hi = 127 - i64::from(man_bits);
        prop_assume!(lo <= hi);
        let bias = lo + ((hi - lo) as f64 * bias_at) as i64;
        let scale = if e4m3 { "e4m3" } else { "ue8m0" };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        let text = format!(
            "name = \"Mx-Fp-User\"\nblock = {block}\nscale = \"{scale}\"\n[element]\nkind = \"fp\"\nexp_bits = {exp_bits}\nman_bits = {man_bits}\nbias = {bias}\nspecials = \"finite\"\n"
        );
        std::fs::write(&path, text).unwrap();
        let f = hwcost::format::spec::load_toml(&path).unwrap();
        prop_assert_eq!(f.name.as_str(), "mx_fp_user");
        prop_assert_eq!(f.block, block);
        prop_assert_eq!(f.elem.exp_bits(), exp_bits);
        prop_assert_eq!(f.elem.man_bits(), man_bits);
    }

    #[test]
    fn tech_toml_never_panics(text in "[ -~\n]{0,200}") {
        let _ = Tech::parse(&text, Path::new("t.toml"));
    }

    #[test]
    fn valid_tech_toml_round_trips(scale in 1e-6f64..1e3, tau in 0.01f64..2.0) {
        let mut t = Tech::builtin("sky130hd").unwrap();
        for c in [&mut t.cells.fa, &mut t.cells.ha, &mut t.cells.xor, &mut t.cells.and,
                  &mut t.cells.or, &mut t.cells.mux, &mut t.cells.nand2] {
            c.area_um2 *= scale;
            c.energy_fj *= scale;
        }
        t.activity.toggle_rate = tau;
        let text = toml::to_string(&t).unwrap();
        let back = Tech::parse(&text, Path::new("t.toml")).unwrap();
        // `dir` (where the Liberty paths resolve) is where a file was found, not its content
        t.dir = back.dir.clone();
        prop_assert_eq!(back, t);
    }

    #[test]
    fn tech_numbers_never_panic(x in prop_oneof![any::<f64>(), Just(1e308), Just(f64::NAN), Just(-0.0)]) {
        let t = Tech::builtin("sky130hd").unwrap();
        let mut text = toml::to_string(&t).unwrap();
        let at = text.find("area_um2 = ").unwrap();
        let end = at + text[at..].find('\n').unwrap();
        text.replace_range(at..end, &format!("area_um2 = {x:?}"));
        if let Ok(back) = Tech::parse(&text, Path::new("t.toml")) {
            prop_assert!(back.cells.fa.area_um2.is_finite() || back.cells.dff.area_um2.is_finite());
        }
    }

    #[test]
    fn results_json_never_panics(text in "[ -~\n]{0,300}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synth-results.json");
        std::fs::write(&path, &text).unwrap();
        let _ = CostTable::load(&path);
        let _ = hwcost::cost::calibrate::Calibration::load(&path);
        let _ = hwcost::synth::mixed::MixedSynthResults::load(&path);
    }

    #[test]
    fn results_json_round_trips(
        areas in prop::collection::vec(0.0f64..1e7, 1..6),
        lanes in 1usize..=64,
        fmax in prop::option::of(1.0f64..2000.0),
        latency in prop::option::of(1usize..8),
        psum in prop::option::of(1u32..64),
    ) {
        let components: Vec<ComponentCost> = areas
            .iter()
            .enumerate()
            .map(|(i, &a)| ComponentCost {
                key: format!("c{i}"),
                label: format!("part {i}"),
                area_um2: a,
                energy_pj_per_block: a / 7.0,
            })
            .collect();
        let area: f64 = areas.iter().sum();
        let unit = UnitCost {
            format: "mxint8".into(),
            lanes,
            psum_width: psum,
            multiplier: Some(hwcost::rtl::Multiplier::Booth4),
            reduction: None,
            model: "synth".into(),
            tech: "sky130hd".into(),
            components,
            area_um2: area,
            energy_pj_per_block: area / 7.0,
            area_um2_per_mac: area / lanes as f64,
            energy_pj_per_mac: area / 7.0 / lanes as f64,
            fmax_mhz: fmax,
            latency_cycles: latency,
        };
        let table = CostTable {
            provenance: Provenance {
                generator: "hwcost test".into(),
                model: "synth".into(),
                model_description: "test".into(),
                tech: "sky130hd".into(),
                tech_node: "test".into(),
                tech_file: "test".into(),
                tools: vec!["Yosys 0.23".into()],
            },
            units: vec![unit],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synth-results.json");
        table.save(&path).unwrap();
        prop_assert_eq!(CostTable::load(&path).unwrap(), table);
    }
}
