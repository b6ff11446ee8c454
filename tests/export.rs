//! `hwcost export` and the companion files of `hwcost rtl`: every exported file is parsed
//! (YAML, INI) and its numbers are compared bit for bit with `hwcost cost --json` for the same
//! unit and model.

mod common;

use std::path::Path;

use clap::Parser;
use hwcost::cost::command::{cost_report, CostArgs};
use hwcost::export::{export, ExportArgs};
use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

#[derive(Parser)]
struct ExportCmd {
    #[command(flatten)]
    args: ExportArgs,
}

fn export_args(argv: &[&str]) -> ExportArgs {
    ExportCmd::try_parse_from([&["export"][..], argv].concat())
        .unwrap()
        .args
}

#[derive(Parser)]
struct CostCmd {
    #[command(flatten)]
    args: CostArgs,
}

/// `hwcost cost ARGV --json`, parsed.
fn cost_json(argv: &[&str]) -> Json {
    let args = CostCmd::try_parse_from([&["cost"][..], argv, &["--json"]].concat())
        .unwrap()
        .args;
    serde_json::from_str(&cost_report(&args).unwrap()).unwrap()
}

fn yaml(path: &Path) -> Yaml {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `tables` entry named `name` of an ERT/ART document.
fn table<'a>(doc: &'a Yaml, key: &str, name: &str) -> &'a Yaml {
    assert_eq!(doc[key]["version"].as_str(), Some("0.4"));
    doc[key]["tables"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn energy(t: &Yaml, action: &str) -> f64 {
    t["actions"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|a| a["name"].as_str() == Some(action))
        .unwrap_or_else(|| panic!("no action {action}"))["energy"]
        .as_f64()
        .unwrap()
}

fn same(got: f64, want: &Json) {
    let want = want.as_f64().unwrap();
    assert_eq!(got.to_bits(), want.to_bits(), "{got} != {want}");
}

#[test]
fn accelergy_tables_hold_the_analytic_costs_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let files = export(&export_args(&[
        "accelergy",
        "mxint8",
        "mxfp8",
        "nvfp4",
        "-o",
        out,
    ]))
    .unwrap();
    assert_eq!(files.len(), 2);
    let ert_text = std::fs::read_to_string(dir.path().join("ERT.yaml")).unwrap();
    assert!(ert_text.starts_with("# Accelergy energy reference table"));
    assert!(ert_text.contains("# model analytic: the study's analytic gate model"));
    let (ert, art) = (
        yaml(&dir.path().join("ERT.yaml")),
        yaml(&dir.path().join("ART.yaml")),
    );
    for (format, unit) in [
        ("mxint8", "mxint8_mac_k32_n16_p0_booth4_csa"),
        ("mxfp8", "mxfp8_mac_k32_n24_p0_array_csa"),
        ("nvfp4", "nvfp4_mac_k16_n10_p0_array_csa"),
    ] {
        let c = cost_json(&[format]);
        let t = table(&ert, "ERT", unit);
        same(energy(t, "block"), &c["total"]["energy_pj_per_block"]);
        same(energy(t, "compute"), &c["total"]["energy_pj_per_mac"]);
        same(
            table(&art, "ART", unit)["area"].as_f64().unwrap(),
            &c["total"]["area_um2"],
        );
        let parts = c["components"].as_array().unwrap();
        let sub = ert["ERT"]["tables"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|t| t["name"].as_str().unwrap().starts_with(&format!("{unit}.")))
            .count();
        assert!(
            !parts.is_empty() && sub == parts.len(),
            "{format}: {sub} tables"
        );
        for p in parts {
            let name = format!("{unit}.{}", p["component"].as_str().unwrap());
            same(
                energy(table(&ert, "ERT", &name), "block"),
                &p["energy_pj_per_block"],
            );
            same(
                table(&art, "ART", &name)["area"].as_f64().unwrap(),
                &p["area_um2"],
            );
        }
    }
}

#[test]
fn timeloop_architecture_and_tables_hold_the_calibrated_costs_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let argv = ["mxfp8", "--model", "calibrated", "--pipeline", "1"];
    export(&export_args(
        &[&["timeloop"][..], &argv, &["-o", out]].concat(),
    ))
    .unwrap();
    let unit = dir.path().join("mxfp8_mac_k32_n24_p1_array_csa");
    let arch_text = std::fs::read_to_string(unit.join("arch.yaml")).unwrap();
    assert!(arch_text.contains("- !Container"), "{arch_text}");
    let arch = yaml(&unit.join("arch.yaml"));
    assert_eq!(arch["architecture"]["version"].as_str(), Some("0.4"));
    let nodes = arch["architecture"]["nodes"].as_sequence().unwrap();
    let tags: Vec<String> = nodes
        .iter()
        .map(|n| match n {
            Yaml::Tagged(t) => t.tag.to_string(),
            other => panic!("untagged node {other:?}"),
        })
        .collect();
    assert_eq!(
        tags,
        ["!Container", "!Component", "!Container", "!Component"]
    );
    let body = |i: usize| match &nodes[i] {
        Yaml::Tagged(t) => t.value.clone(),
        _ => unreachable!(),
    };
    assert_eq!(body(2)["spatial"]["meshX"].as_u64(), Some(32));
    assert_eq!(body(3)["class"].as_str(), Some("fpmac"));
    assert_eq!(body(3)["attributes"]["datawidth"].as_u64(), Some(8));
    let c = cost_json(&argv);
    let name = "system.mac[1..32]";
    same(
        energy(table(&yaml(&unit.join("ERT.yaml")), "ERT", name), "compute"),
        &c["energy_pj_per_mac"],
    );
    same(
        table(&yaml(&unit.join("ART.yaml")), "ART", name)["area"]
            .as_f64()
            .unwrap(),
        &c["area_um2_per_mac"],
    );
}

#[test]
fn scalesim_config_parses_and_carries_the_synthesized_costs_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    export(&export_args(&[
        "scalesim", "mxint8", "nvint4", "--model", "synth", "-o", out,
    ]))
    .unwrap();
    for (format, unit, k, kb) in [
        ("mxint8", "mxint8_mac_k32_n16_p0_booth4_csa", "32", "124"),
        ("nvint4", "nvint4_mac_k16_n8_p0_array_csa", "16", "227"),
    ] {
        let path = dir.path().join(format!("{unit}.cfg"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# model synth: Yosys synthesis"), "{text}");
        let ini = ini::Ini::load_from_str(&text).unwrap();
        let get = |s: &str, k: &str| {
            ini.get_from(Some(s), k)
                .unwrap_or_else(|| panic!("{s}.{k}"))
        };
        // What SCALE-Sim reads.
        assert_eq!(get("general", "run_name"), format!("hwcost_{unit}"));
        assert_eq!(get("architecture_presets", "ArrayHeight"), "16");
        assert_eq!(get("architecture_presets", "Dataflow"), "os");
        assert_eq!(get("architecture_presets", "IfmapSramSzkB"), kb);
        assert_eq!(get("run_presets", "InterfaceBandwidth"), "CALC");
        // hwcost's numbers, as `cost --model synth` gives them.
        assert_eq!(get("hwcost", "Lanes"), k);
        let c = cost_json(&[format, "--model", "synth"]);
        let r = &c["report"];
        let area: f64 = r["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["area_um2"].as_f64().unwrap())
            .sum();
        let num = |k: &str| get("hwcost", k).parse::<f64>().unwrap();
        assert_eq!(num("AreaUm2").to_bits(), area.to_bits());
        same(num("ClockMHz"), &r["fmax_mhz"]);
    }
}

#[test]
fn bad_units_and_models_are_clear_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let e = export(&export_args(&["accelergy", "mxint8", "mxfp9", "-o", o])).unwrap_err();
    assert!(e.to_string().contains("mxfp8"), "{e}");
    let e = export(&export_args(&[
        "timeloop", "mxint8", "--model", "both", "-o", o,
    ]))
    .unwrap_err();
    assert!(e.to_string().contains("--model both"), "{e}");
    let e = export(&export_args(&[
        "scalesim",
        "mxint8",
        "--pipeline",
        "2",
        "-o",
        o,
    ]))
    .unwrap_err();
    assert!(
        e.to_string().contains("analytic model counts no registers"),
        "{e}"
    );
    assert!(!out.exists());
    assert!(ExportCmd::try_parse_from(["export", "gem5", "mxint8", "-o", o]).is_err());
    assert!(ExportCmd::try_parse_from(["export", "accelergy", "-o", o]).is_err());
}

#[test]
fn rtl_writes_constraints_a_timing_script_and_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let lib = Path::new("models/pdk/sky130_fd_sc_hd/sky130_fd_sc_hd__tt_025C_1v80.synth.lib");
    let st = common::hwcost()
        .args(["rtl", "mxint4", "--lanes", "2", "--liberty"])
        .arg(lib)
        .arg("-o")
        .arg(out)
        .status()
        .unwrap();
    assert!(st.success());
    let name = "mxint4_mac_k2_n8_p0_array_csa";
    let sdc = std::fs::read_to_string(out.join(format!("{name}.sdc"))).unwrap();
    let sdc_cmds: Vec<&str> = sdc.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        sdc_cmds,
        [
            "create_clock -name clk -period 10 [get_ports clk]",
            "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]",
            "set_output_delay 0 -clock clk [all_outputs]",
        ]
    );
    let notes = std::fs::read_to_string(out.join("NOTES.md")).unwrap();
    assert_eq!(notes, std::fs::read_to_string("rtl/NOTES.md").unwrap());
    let tcl = std::fs::read_to_string(out.join(format!("{name}.sta.tcl"))).unwrap();
    assert!(tcl.contains(&format!("read_sdc {name}.sdc")), "{tcl}");
    if !(common::require_tool("yosys", "yosys") && common::require_tool("sta", "opensta")) {
        return;
    }
    // The script runs as its header says: map the unit, then time it.
    let y = std::process::Command::new("yosys")
        .current_dir(out)
        .args(["-q", "-p"])
        .arg(format!(
            "script {name}.liberty.ys; write_verilog -noattr {name}.netlist.v"
        ))
        .output()
        .unwrap();
    assert!(y.status.success(), "{}", String::from_utf8_lossy(&y.stderr));
    let s = std::process::Command::new("sta")
        .current_dir(out)
        .args(["-exit", &format!("{name}.sta.tcl")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&s.stdout);
    assert!(
        s.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&s.stderr)
    );
    // A timed path to the accumulator register against the 10 ns clock of the SDC (this
    // unrolled unit needs more: its slack is negative).
    assert!(text.contains("10.0000   clock clk (rise edge)"), "{text}");
    assert!(
        text.contains("data arrival time") && text.contains("slack ("),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("wns ")), "{text}");
}
