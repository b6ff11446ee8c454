//! Synthesis onto any Liberty (issue 14, item 5): cells found by function, not by sky130
//! names. A library derived from the shipped sky130 one (every cell renamed, every area
//! doubled) gives twice the area and a netlist of its own cells that still computes `emulate`
//! bit for bit; the vendored IHP SG13G2 library (no adder cells, reset flops only, separate
//! tie cells) synthesizes and simulates bit-exactly too; a library without what the flow needs
//! gets an error naming it.

mod common;

use std::path::{Path, PathBuf};

use hwcost::cost::tech::Tech;
use hwcost::format::lookup;
use hwcost::rtl;
use hwcost::synth::flow::LibraryArgs;
use hwcost::synth::liberty::{AdderKind, BasicCell, Library};
use hwcost::synth::tools::{Engine, Toolchain};
use hwcost::synth::unit_synth::{synth_unit, UnitSynthReport, UnitSynthRequest};
use hwcost::synth::yosys::{synthesize, Hierarchy, SynthRequest};
use hwcost::synth::PdkFiles;

const PREFIX: &str = "sky130_fd_sc_hd__";
const RENAMED: &str = "zz_";
const AREA_SCALE: f64 = 2.0;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn ihp_tech() -> PathBuf {
    repo("models/ihp-sg13g2.toml")
}

/// The shipped sky130 library with every cell renamed (`zz_<base>`, so no sky130 name is
/// left for a lookup by name) and every `area` doubled, and its cell models renamed alike.
fn derived_library(dir: &Path) -> PdkFiles {
    let sky = PdkFiles::locate().expect("the sky130 PDK ships in models/pdk");
    let text = std::fs::read_to_string(&sky.liberty).unwrap();
    let mut lib = String::with_capacity(text.len());
    for line in text.replace(PREFIX, RENAMED).split_inclusive('\n') {
        let t = line.trim_start();
        match t
            .strip_prefix("area :")
            .and_then(|v| v.trim().strip_suffix(';'))
        {
            Some(v) => {
                let a: f64 = v.trim().parse().expect("a number");
                let indent = &line[..line.len() - t.len()];
                lib += &format!("{indent}area : {};\n", a * AREA_SCALE);
            }
            None => lib += line,
        }
    }
    assert!(!lib.contains(PREFIX));
    let models = std::fs::read_to_string(&sky.cell_models)
        .unwrap()
        .replace(PREFIX, RENAMED);
    let (l, m) = (dir.join("derived.lib"), dir.join("derived_cells.v"));
    std::fs::write(&l, lib).unwrap();
    std::fs::write(&m, models).unwrap();
    PdkFiles::from_files(&l, &m).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

const BLOCKS: usize = 48;

/// NVINT4 with 2 lanes: a few seconds per library. `synth_unit` fails if any simulated cycle
/// of the hierarchical or the flattened netlist differs from `emulate`.
fn small_unit(pdk: &PdkFiles, lib: &Library, cache: &Path) -> UnitSynthReport {
    let params = rtl::UnitParams {
        lanes: Some(2),
        ..Default::default()
    };
    let mut req = UnitSynthRequest::new(lookup("nvint4").unwrap(), params, cache.to_path_buf());
    req.blocks = BLOCKS;
    let r = synth_unit(&req, pdk, lib, &Toolchain::from_env()).unwrap();
    assert_eq!(
        r.checked_cycles,
        1 + BLOCKS,
        "reset, then every block (no pipeline stage)"
    );
    r
}

/// The flattened netlist's cell types of the small unit on `lib`.
fn flat_cells(lib: &Library, cache: &Path) -> hwcost::synth::yosys::SynthResult {
    let params = rtl::UnitParams {
        lanes: Some(2),
        ..Default::default()
    };
    let g = rtl::generate(&lookup("nvint4").unwrap(), &params, None).unwrap();
    let src = cache.join(format!("{}.v", g.plan.name));
    std::fs::write(&src, &g.verilog).unwrap();
    synthesize(
        &SynthRequest {
            sources: vec![src],
            top: g.plan.name.clone(),
            hierarchy: Hierarchy::Flatten,
            cache_dir: cache.to_path_buf(),
            engine: Engine::System,
            mapping: Default::default(),
        },
        lib,
        &Toolchain::from_env(),
    )
    .unwrap()
}

#[test]
fn derived_library_cells_are_found_by_function() {
    let dir = tempfile::tempdir().unwrap();
    let pdk = derived_library(dir.path());
    let lib = Library::load(&pdk.liberty).unwrap();
    assert_eq!(lib.adder_cell(AdderKind::Full).unwrap().cell, "zz_fa_1");
    assert_eq!(lib.adder_cell(AdderKind::Half).unwrap().cell, "zz_ha_1");
    let ties = lib.tie_cells().unwrap();
    assert_eq!(
        (ties.hi_cell.as_str(), ties.hi_pin.as_str()),
        ("zz_conb_1", "HI")
    );
    assert_eq!(
        (ties.lo_cell.as_str(), ties.lo_pin.as_str()),
        ("zz_conb_1", "LO")
    );
    let ff = lib.flip_flop().unwrap();
    assert!(ff.ff.as_ref().unwrap().clear.is_none(), "{}", ff.name);
    // every role is found although no cell has a sky130 name any more
    for role in BasicCell::ALL {
        let c = lib.basic_cell(role).unwrap();
        assert!(c.name.starts_with(RENAMED), "{role:?}: {}", c.name);
    }
    assert_eq!(lib.basic_cell(BasicCell::Xor2).unwrap().name, "zz_xor2_1");
}

#[test]
fn derived_library_doubles_the_area_and_still_computes_emulate() {
    if !common::require_flow() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let derived = derived_library(dir.path());
    let dlib = Library::load(&derived.liberty).unwrap();
    let sky = PdkFiles::locate().unwrap();
    let slib = Library::load(&sky.liberty).unwrap();

    let d = small_unit(&derived, &dlib, cache.path());
    let s = small_unit(&sky, &slib, cache.path());
    assert_eq!(d.provenance.liberty, "derived.lib");
    for (dt, st) in [(&d.hierarchical, &s.hierarchical), (&d.flat, &s.flat)] {
        assert_eq!(dt.flip_flops, st.flip_flops);
        // ABC's mapping is not invariant under a uniform area scale (it trades area against
        // delay), so the netlists may differ by a few cells; the totals stay within 2%
        let ratio = dt.area_um2 / (AREA_SCALE * st.area_um2);
        eprintln!(
            "derived {} um^2 ({} cells), sky130 {} um^2 ({} cells): ratio {ratio}",
            dt.area_um2, dt.cells, st.area_um2, st.cells
        );
        assert!((0.98..=1.02).contains(&ratio), "{ratio}");
    }
    // the derived netlist uses only renamed cells, and its area is exactly twice the sky130
    // areas of the cells it is made of
    let dn = flat_cells(&dlib, cache.path());
    let mut expected = 0.0;
    for (t, n) in &dn.cells_by_type {
        let original = t
            .strip_prefix(RENAMED)
            .unwrap_or_else(|| panic!("{t} is not a derived cell"));
        expected +=
            *n as f64 * AREA_SCALE * slib.cell_area(&format!("{PREFIX}{original}")).unwrap();
    }
    assert!(
        close(dn.total_area_um2, expected),
        "{} != {expected}",
        dn.total_area_um2
    );
    let cells: Vec<&str> = dn.adder_cells.iter().map(|a| a.cell.as_str()).collect();
    assert!(
        cells.contains(&"zz_fa_1") && cells.contains(&"zz_ha_1"),
        "{cells:?}"
    );
}

#[test]
fn ihp_library_is_found_by_function() {
    let pdk = PdkFiles::select(
        &LibraryArgs {
            liberty: Some(ihp_tech()),
            cell_models: None,
        },
        None,
    )
    .unwrap();
    let lib = Library::load(&pdk.liberty).unwrap();
    assert_eq!(lib.adder_cell(AdderKind::Full), None);
    assert_eq!(lib.adder_cell(AdderKind::Half), None);
    let ties = lib.tie_cells().unwrap();
    assert_eq!(
        (
            ties.hi_cell.as_str(),
            ties.hi_pin.as_str(),
            ties.lo_cell.as_str(),
            ties.lo_pin.as_str()
        ),
        ("sg13g2_tiehi", "L_HI", "sg13g2_tielo", "L_LO")
    );
    let ff = lib.flip_flop().unwrap();
    assert_eq!(ff.name, "sg13g2_dfrbpq_1");
    assert_eq!(ff.ff.as_ref().unwrap().clear.as_deref(), Some("!RESET_B"));
    assert_eq!(
        lib.basic_cell(BasicCell::Mux2).unwrap().name,
        "sg13g2_mux2_1"
    );
    let e = lib
        .basic_cell(BasicCell::FullAdder)
        .unwrap_err()
        .to_string();
    assert!(e.contains("full-adder") && e.contains("sg13g2"), "{e}");
    // the technology file's analytic factors load, and name the same library
    let tech = Tech::resolve(ihp_tech().to_str().unwrap()).unwrap();
    assert_eq!(tech.name, "ihp-sg13g2");
    let (l, _) = tech.liberty_files().unwrap();
    assert_eq!(std::path::absolute(l).unwrap(), pdk.liberty);
}

#[test]
fn ihp_library_synthesizes_and_simulates_bit_exactly() {
    if !common::require_flow() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let pdk = PdkFiles::select(
        &LibraryArgs {
            liberty: Some(ihp_tech()),
            cell_models: None,
        },
        None,
    )
    .unwrap();
    let lib = Library::load(&pdk.liberty).unwrap();
    let r = small_unit(&pdk, &lib, cache.path());
    assert_eq!(r.provenance.liberty, "sg13g2_stdcell_typ_1p20V_25C.lib");
    assert!(r.flat.area_um2 > 0.0 && r.registers.flip_flops > 0);
    // no adder cells: the generated adders were left to ABC, and the result says so
    assert!(
        r.hierarchical
            .warnings
            .iter()
            .any(|w| w.contains("ABC's own mapping")),
        "{:?}",
        r.hierarchical.warnings
    );
    let flat = flat_cells(&lib, cache.path());
    assert!(flat.adder_cells.is_empty());
    assert!(flat.cells_by_type.keys().all(|t| t.starts_with("sg13g2_")));
    assert!(
        flat.cells_by_type.contains_key("sg13g2_dfrbpq_1"),
        "{:?}",
        flat.cells_by_type
    );
}

/// A Liberty of one inverter: no flop, no tie cell.
const TINY: &str = r#"library (tiny) {
  time_unit : "1ns"; voltage_unit : "1V"; leakage_power_unit : "1nW";
  capacitive_load_unit (1.0, "pf"); nom_voltage : 1.2;
  cell (inv) { area : 1.0;
    pin (A) { direction : input; capacitance : 0.001; }
    pin (Y) { direction : output; function : "!A"; } }
}"#;

#[test]
fn a_library_without_flop_or_tie_cell_is_refused_by_name() {
    let lib = Library::parse(TINY).unwrap();
    let e = lib.flip_flop().unwrap_err().to_string();
    assert!(e.contains("`tiny`") && e.contains("flip-flop"), "{e}");
    let e = lib.tie_cells().unwrap_err().to_string();
    assert!(e.contains("`tiny`") && e.contains("tie cell"), "{e}");
    assert_eq!(lib.basic_cell(BasicCell::Inv).unwrap().name, "inv");
    let e = lib.basic_cell(BasicCell::Xor2).unwrap_err().to_string();
    assert!(e.contains("XOR"), "{e}");
    // synthesis stops before yosys runs, with the same message
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.lib");
    std::fs::write(&path, TINY).unwrap();
    let lib = Library::load(&path).unwrap();
    let src = dir.path().join("t.v");
    std::fs::write(
        &src,
        "module t(input a, output y); assign y = ~a; endmodule\n",
    )
    .unwrap();
    let e = synthesize(
        &SynthRequest {
            sources: vec![src],
            top: "t".into(),
            hierarchy: Hierarchy::Flatten,
            cache_dir: dir.path().join("cache"),
            engine: Engine::System,
            mapping: Default::default(),
        },
        &lib,
        &Toolchain::from_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("tie cell"), "{e}");
}

#[test]
fn library_selection_errors_name_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("x.lib");
    std::fs::write(&lib, TINY).unwrap();
    let sel = |liberty: Option<PathBuf>, cell_models: Option<PathBuf>, tech: Option<&Tech>| {
        PdkFiles::select(
            &LibraryArgs {
                liberty,
                cell_models,
            },
            tech,
        )
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let e = sel(Some(lib.clone()), None, None);
    assert!(e.contains("--cell-models") && e.contains("x.lib"), "{e}");
    let e = sel(Some(lib.clone()), Some(dir.path().join("none.v")), None);
    assert!(e.contains("none.v") && e.contains("missing"), "{e}");
    let e = sel(None, None, Some(&Tech::builtin("asap7").unwrap()));
    assert!(e.contains("asap7") && e.contains("--liberty"), "{e}");
    let e = sel(Some(repo("models/asap7.toml")), None, None);
    assert!(e.contains("[liberty]"), "{e}");
    // a Liberty is not a technology file
    let e = Tech::resolve(lib.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("Liberty") && e.contains("--liberty"), "{e}");
}

/// `compare --liberty` synthesizes the units onto the given library (here the vendored IHP
/// SG13G2 through its technology file) and compares them there: the table names that Liberty
/// and each unit's area is the sum of its synthesized parts on it.
#[test]
fn compare_synthesizes_onto_the_given_liberty() {
    if !common::require_flow() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let run = common::hwcost()
        .args(["compare", "nvint4", "nvfp4", "--lanes", "2", "--format", "json", "--liberty"])
        .arg(ihp_tech())
        .env("HWCOST_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert!(
        v["provenance"]["tech_file"]
            .as_str()
            .unwrap()
            .contains("sg13g2_stdcell_typ_1p20V_25C.lib"),
        "{}",
        v["provenance"]
    );
    // the same unit through the library API: its parts on IHP add up to the row's area
    let pdk = PdkFiles::select(
        &LibraryArgs {
            liberty: Some(ihp_tech()),
            cell_models: None,
        },
        None,
    )
    .unwrap();
    let lib = Library::load(&pdk.liberty).unwrap();
    let r = small_unit(&pdk, &lib, &cache.path().join("synth-api"));
    let parts: f64 = r.parts.iter().map(|p| p.area_um2).sum();
    let row = v["rows"][0]["area_um2"].as_f64().unwrap();
    assert!(close(row, parts), "{row} vs {parts}");
    assert!(v["rows"][1]["area_ratio"].as_f64().unwrap() > 0.0);
    // --liberty is the synth model's
    let e = common::hwcost()
        .args(["compare", "nvint4", "nvfp4", "--model", "analytic", "--liberty"])
        .arg(ihp_tech())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&e.stderr);
    assert!(!e.status.success() && stderr.contains("not --model analytic"), "{stderr}");
}
