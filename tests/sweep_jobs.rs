//! Synthesized sweeps as jobs: `hwcost sweep --model synth --emit-jobs DIR` on three tiny units,
//! the jobs run through GNU parallel, `hwcost sweep --collect DIR` gathers them, and the CSV
//! holds exactly what `hwcost synth` reports for each unit; plus the errors of `--collect`
//! (points without a result, results from other tools, a corrupt manifest).

mod common;

use std::path::Path;
use std::process::Output;

use hwcost::arch::sweep::jobs::{Manifest, MANIFEST};
use hwcost::fields::round_sig;
use hwcost::format::lookup;
use hwcost::synth::unit_synth::{result_path, UnitSynthReport};

/// Every tool of the flow and GNU parallel, or a visible skip (a failure under CI).
fn require_flow_and_parallel() -> bool {
    common::require_flow() && common::require_tool("parallel", "parallel")
}

fn run(args: &[&str]) -> Output {
    common::hwcost().args(args).output().expect("hwcost runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn load_manifest(dir: &Path) -> Manifest {
    serde_json::from_str(&std::fs::read_to_string(dir.join(MANIFEST)).unwrap()).unwrap()
}

fn save_manifest(dir: &Path, m: &Manifest) {
    std::fs::write(dir.join(MANIFEST), serde_json::to_string_pretty(m).unwrap()).unwrap();
}

/// The three tiny units: two INT (no psum width) and one FP, 2 lanes each.
const FORMATS: [&str; 3] = ["nvint4", "mxint4", "nvfp4"];

#[test]
fn tiny_sweep_runs_through_gnu_parallel_and_collects_synth_results_exactly() {
    if !require_flow_and_parallel() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let jobs = tmp.path().join("jobs");
    let cache = tmp.path().join("cache");
    let (jobs_s, cache_s) = (jobs.to_str().unwrap(), cache.to_str().unwrap());
    let o = run(&[
        "sweep",
        "--model",
        "synth",
        "--formats",
        &FORMATS.join(","),
        "--lanes",
        "2",
        "--emit-jobs",
        jobs_s,
        "--cache-dir",
        cache_s,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = std::fs::read_to_string(jobs.join("jobs.txt")).unwrap();
    assert_eq!(lines.lines().count(), 3, "{lines}");
    let m = load_manifest(&jobs);
    assert_eq!(m.points.len(), 3);
    assert_eq!(m.cache_dir, cache);
    let sbatch = std::fs::read_to_string(jobs.join("sbatch.sh")).unwrap();
    assert!(sbatch.contains("#SBATCH --array=1-3\n"), "{sbatch}");

    // nothing has run yet: collect names every point and how to run it
    let csv = tmp.path().join("sweep.csv");
    let csv_s = csv.to_str().unwrap();
    let o = run(&["sweep", "--collect", jobs_s, "-o", csv_s]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("3 of 3 design points have no result"), "{e}");
    for p in &m.points {
        assert!(e.contains(&p.unit) && e.contains(&p.command), "{e}");
    }
    assert!(e.contains("run-parallel.sh"), "{e}");
    assert!(!csv.exists());

    // the jobs run from another directory: the lines do not depend on it
    let t = std::time::Instant::now();
    let o = std::process::Command::new("bash")
        .arg(jobs.join("run-parallel.sh"))
        .args(["-j", "2"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    eprintln!("3 jobs in {:.1} s", t.elapsed().as_secs_f64());
    let joblog = std::fs::read_to_string(jobs.join("joblog.txt")).unwrap();
    assert_eq!(joblog.lines().count(), 1 + 3, "{joblog}");

    let svg = tmp.path().join("sweep.svg");
    let o = run(&[
        "sweep",
        "--collect",
        jobs_s,
        "-o",
        csv_s,
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(svg.is_file());

    // the same units synthesized again by `hwcost synth` into a fresh cache
    let fresh = tmp.path().join("fresh");
    let mut expected: Vec<UnitSynthReport> = Vec::new();
    for name in FORMATS {
        let o = run(&[
            "synth",
            name,
            "--lanes",
            "2",
            "--json",
            "--cache-dir",
            fresh.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        expected.push(serde_json::from_slice(&o.stdout).unwrap());
    }
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    for (row, r) in rows.iter().zip(&expected) {
        let f = lookup(&r.format).unwrap();
        let c = r.unit_cost(&r.analytic_params(&f).unwrap(), "sky130hd");
        assert_eq!(&row[col("format")], r.format);
        assert_eq!(row[col("lanes")], r.lanes.to_string());
        let psum = if f.elem.is_int() {
            "exact".to_string()
        } else {
            r.psum_width.to_string()
        };
        assert_eq!(row[col("psum_width")], psum);
        let (mul, red) = r.architecture();
        assert_eq!(
            (&row[col("multiplier")], &row[col("reduction")]),
            (mul.label(), red.label())
        );
        for (name, v) in [
            ("area_um2", c.area_um2),
            ("area_um2_per_mac", c.area_um2_per_mac),
            ("energy_pj_per_block", c.energy_pj_per_block),
            ("energy_pj_per_mac", c.energy_pj_per_mac),
            ("fmax_mhz", r.fmax_mhz),
        ] {
            assert_eq!(
                row[col(name)],
                round_sig(v).to_string(),
                "{} {name}",
                r.unit
            );
        }
        assert_eq!(
            row[col("latency_cycles")],
            r.registers.latency_cycles.to_string()
        );
        assert_eq!(&row[col("model")], "synth");
    }

    // a result from other tools only: named with the tools that made it
    let mut other = load_manifest(&jobs);
    other.tools.sta = "9.9.9".into();
    // other tools give other cache keys to every point (the key covers the tool versions)
    for (i, p) in other.points.iter_mut().enumerate() {
        p.cache_key = format!("{i:064}");
    }
    let foreign_dir = tmp.path().join("foreign");
    std::fs::create_dir_all(&foreign_dir).unwrap();
    save_manifest(&foreign_dir, &other);
    let o = run(&[
        "sweep",
        "--collect",
        foreign_dir.to_str().unwrap(),
        "-o",
        csv_s,
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("3 of 3 design points have results only from other tool versions")
            && e.contains(&m.points[0].unit)
            && e.contains(&m.tools.sta),
        "{e}"
    );

    // a point whose result is gone is named with its job line
    std::fs::remove_file(result_path(&cache, &m.points[1].cache_key)).unwrap();
    let o = run(&["sweep", "--collect", jobs_s, "-o", csv_s]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("1 of 3 design points have no result")
            && e.contains(&m.points[1].command)
            && !e.contains(&m.points[0].command),
        "{e}"
    );
}

#[test]
fn collect_rejects_a_missing_or_corrupt_manifest_and_emit_needs_the_synth_model() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let csv = tmp.path().join("out.csv");
    let o = run(&["sweep", "--collect", dir, "-o", csv.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("manifest.json") && e.contains("--emit-jobs"),
        "{e}"
    );
    assert!(!e.contains("panicked"), "{e}");

    std::fs::write(tmp.path().join(MANIFEST), "{\"schema\": 1, \"points\": [{").unwrap();
    let o = run(&["sweep", "--collect", dir, "-o", csv.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("is not a sweep manifest"), "{e}");
    assert!(!csv.exists());

    let o = run(&["sweep", "--formats", "mxint4", "--emit-jobs", dir]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--model synth"), "{}", stderr(&o));
    let o = run(&[
        "sweep",
        "--model",
        "synth",
        "--formats",
        "mxint4",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--emit-jobs"), "{}", stderr(&o));
}
