//! The checking files `hwcost rtl` writes beside a unit: the self-checking testbench
//! `<name>_tb.v` with its vectors `<name>.vectors.hex` passes under Icarus (and Verilator)
//! and fails on a corrupted expected value; `<name>.ports.json` parses and its widths and bit
//! positions match the Verilog ports.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{hwcost, require_tool};
use serde_json::Value;

/// `hwcost rtl ARGS -o DIR`; the unit's name (first line of stdout).
fn rtl(dir: &Path, args: &[&str]) -> String {
    let out = hwcost()
        .arg("rtl")
        .args(args)
        .arg("-o")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hwcost rtl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

/// Compile `<name>_tb.v` with `<name>.v` in Icarus and run it (optionally on another vectors
/// file).
fn icarus(dir: &Path, name: &str, vectors: Option<&Path>) -> Output {
    let c = std::process::Command::new("iverilog")
        .current_dir(dir)
        .args(["-g2005-sv", "-o", "tb.vvp", "-s"])
        .arg(format!("{name}_tb"))
        .arg(format!("{name}_tb.v"))
        .arg(format!("{name}.v"))
        .output()
        .unwrap();
    assert!(
        c.status.success(),
        "iverilog: {}",
        String::from_utf8_lossy(&c.stderr)
    );
    let mut run = std::process::Command::new("vvp");
    run.current_dir(dir).args(["-n", "tb.vvp"]);
    if let Some(v) = vectors {
        run.arg(format!("+vectors={}", v.display()));
    }
    run.output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Flip the lowest bit of the expected `acc` of the `nth` record with out_valid set; the
/// corrupted file's path.
fn corrupt(dir: &Path, name: &str, nth: usize) -> PathBuf {
    let hex = std::fs::read_to_string(dir.join(format!("{name}.vectors.hex"))).unwrap();
    let mut seen = 0;
    let mut done = false;
    let lines: Vec<String> = hex
        .lines()
        .map(|l| {
            if done || l.starts_with("//") {
                return l.to_string();
            }
            // The last 10 digits: out_valid byte, acc.
            let ov = &l[l.len() - 10..l.len() - 8];
            if ov == "01" {
                if seen == nth {
                    done = true;
                    let last = u8::from_str_radix(&l[l.len() - 1..], 16).unwrap() ^ 1;
                    return format!("{}{last:x}", &l[..l.len() - 1]);
                }
                seen += 1;
            }
            l.to_string()
        })
        .collect();
    assert!(done, "fewer than {} valid outputs", nth + 1);
    let path = dir.join("corrupt.hex");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The Verilog top module's ports: name -> width.
fn verilog_ports(v: &str, name: &str) -> Vec<(String, usize)> {
    let start = v.find(&format!("module {name}")).unwrap();
    let header = &v[start..start + v[start..].find(");").unwrap()];
    let mut ports = Vec::new();
    for l in v[start..].lines().skip(1) {
        let l = l.trim().trim_end_matches([',', ';']);
        let Some(rest) = l.strip_prefix("input").or_else(|| l.strip_prefix("output")) else {
            if l.starts_with("endmodule") {
                break;
            }
            continue;
        };
        let rest = rest
            .trim()
            .trim_start_matches("wire")
            .trim_start_matches("reg")
            .trim();
        let (width, pname) = match rest.strip_prefix('[') {
            Some(r) => {
                let (range, n) = r.split_once(']').unwrap();
                let (msb, lsb) = range.split_once(':').unwrap();
                let w =
                    msb.trim().parse::<usize>().unwrap() - lsb.trim().parse::<usize>().unwrap() + 1;
                (w, n.trim())
            }
            None => (1, rest),
        };
        if header.contains(pname) && !ports.iter().any(|(n, _)| n == pname) {
            ports.push((pname.to_string(), width));
        }
    }
    ports
}

/// ports.json parses; its ports are the Verilog ports with their widths; every packing map
/// tiles its bus without gaps or overlaps (or leaves the documented bytes ignored).
fn check_ports(dir: &Path, name: &str) -> Value {
    let j: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}.ports.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(j["schema"], "hwcost.ports/1");
    assert_eq!(j["module"], name);
    let v = std::fs::read_to_string(dir.join(format!("{name}.v"))).unwrap();
    let want = verilog_ports(&v, name);
    let got: Vec<(String, usize)> = j["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["width"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    let mut sorted = (want.clone(), got.clone());
    sorted.0.sort();
    sorted.1.sort();
    assert_eq!(sorted.0, sorted.1, "ports.json against {name}.v");
    let desc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap())
            .unwrap();
    assert_eq!(j["latency_cycles"], desc["latency_cycles"]);
    for p in j["ports"].as_array().unwrap() {
        let width = p["width"].as_u64().unwrap();
        assert_eq!(p["msb"].as_u64().unwrap(), width - 1);
        let Some(packings) = p["packing"].as_array() else {
            continue;
        };
        for pk in packings {
            let mut bits = vec![0u32; width as usize];
            let ranges = pk["map"]
                .as_array()
                .unwrap()
                .iter()
                .chain(pk["ignored"].as_array().into_iter().flatten());
            for m in ranges {
                let (lsb, msb) = (m["lsb"].as_u64().unwrap(), m["msb"].as_u64().unwrap());
                assert!(msb < width, "{}: bit {msb} past the bus", p["name"]);
                for b in lsb..=msb {
                    bits[b as usize] += 1;
                }
            }
            assert!(
                bits.iter().all(|&c| c == 1),
                "{} mode {}: the packing does not tile the bus",
                p["name"],
                pk["mode"]
            );
            if let Some(w) = pk["element_bits"].as_u64() {
                let n = pk["elements"].as_u64().unwrap();
                assert_eq!(n * w, width, "{}: elements x bits", p["name"]);
            }
        }
    }
    // The testbench's record layout matches the hex file's lines.
    let rb = j["testbench"]["record_bits"].as_u64().unwrap() as usize;
    let hex = std::fs::read_to_string(dir.join(format!("{name}.vectors.hex"))).unwrap();
    let data: Vec<&str> = hex.lines().filter(|l| !l.starts_with("//")).collect();
    assert!(data.iter().all(|l| l.len() * 4 == rb), "record width");
    j
}

/// Run one unit end to end: PASS, the port map, and FAIL on a corrupted expected value.
fn unit(args: &[&str]) {
    if !require_tool("iverilog", "iverilog") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let name = rtl(dir, args);
    check_ports(dir, &name);
    let pass = icarus(dir, &name, None);
    let log = text(&pass);
    assert!(pass.status.success(), "{name}: {log}");
    assert!(log.contains(&format!("PASS: {name}")), "{name}: {log}");
    let bad = corrupt(dir, &name, 5);
    let fail = icarus(dir, &name, Some(&bad));
    let log = text(&fail);
    assert!(
        !fail.status.success(),
        "{name}: a corrupted vector passed: {log}"
    );
    assert!(log.contains("FAIL:"), "{name}: {log}");
}

#[test]
fn int_unit_testbench_passes_and_fails_on_a_corrupted_vector() {
    unit(&["mxint4", "--lanes", "8", "--vectors", "200"]);
}

#[test]
fn fp_unit_testbench_passes_and_fails_on_a_corrupted_vector() {
    unit(&[
        "mxfp8",
        "--lanes",
        "4",
        "--vectors",
        "200",
        "--seed",
        "0x2a",
    ]);
}

#[test]
fn nv_unit_testbench_passes_and_fails_on_a_corrupted_vector() {
    unit(&["nvfp4", "--vectors", "200"]);
}

#[test]
fn pipelined_booth_unit_testbench_passes_and_fails_on_a_corrupted_vector() {
    unit(&[
        "mxint8",
        "--lanes",
        "4",
        "--pipeline",
        "3",
        "--vectors",
        "200",
    ]);
}

#[test]
fn mixed_unit_testbench_passes_and_fails_on_a_corrupted_vector() {
    unit(&["mxint8+nvint4", "--lanes", "16", "--vectors", "150"]);
}

#[test]
fn a_truncated_vectors_file_fails() {
    if !require_tool("iverilog", "iverilog") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let name = rtl(dir, &["nvint4", "--lanes", "2", "--vectors", "40"]);
    let hex = std::fs::read_to_string(dir.join(format!("{name}.vectors.hex"))).unwrap();
    let lines: Vec<&str> = hex.lines().collect();
    let short = dir.join("short.hex");
    std::fs::write(&short, lines[..lines.len() - 3].join("\n")).unwrap();
    let o = icarus(dir, &name, Some(&short));
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("missing"), "{}", text(&o));
}

#[test]
fn vectors_record_the_seed_and_differ_between_seeds() {
    let tmp = tempfile::tempdir().unwrap();
    let read = |seed: &str| {
        let d = tmp.path().join(seed);
        let name = rtl(
            &d,
            &["mxint4", "--lanes", "2", "--vectors", "30", "--seed", seed],
        );
        std::fs::read_to_string(d.join(format!("{name}.vectors.hex"))).unwrap()
    };
    let (a, b, a2) = (read("7"), read("8"), read("7"));
    assert!(a.contains("// seed 7;"), "{}", &a[..300]);
    assert_eq!(a, a2, "same seed, same vectors");
    assert_ne!(a, b);
}

#[test]
fn verilator_runs_the_testbench() {
    if !require_tool("verilator", "verilator") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let name = rtl(
        dir,
        &[
            "mxfp4",
            "--lanes",
            "2",
            "--pipeline",
            "1",
            "--vectors",
            "100",
        ],
    );
    let b = std::process::Command::new("verilator")
        .current_dir(dir)
        .args(["--binary", "-Wno-fatal", "--top-module"])
        .arg(format!("{name}_tb"))
        .arg(format!("{name}_tb.v"))
        .arg(format!("{name}.v"))
        .output()
        .unwrap();
    assert!(b.status.success(), "verilator: {}", text(&b));
    let run = std::process::Command::new(dir.join("obj_dir").join(format!("V{name}_tb")))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    assert!(text(&run).contains("PASS"), "{}", text(&run));
}
