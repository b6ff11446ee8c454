//! Units at a target clock (`hwcost synth --clock-mhz F`): the depth search picks the fewest
//! pipeline stages that OpenSTA times with slack >= 0, the unit measured there is that very
//! netlist (synthesized toward the clock, every simulated cycle equal to emulate), and a clock
//! no depth meets is refused with the best fmax. Small units (2 lanes) keep it to seconds.

mod common;

use hwcost::synth::clock::{ClockResults, CLOCK_FILE};

#[test]
fn a_target_clock_gets_the_shallowest_depth_that_meets_it() {
    if !common::require_flow() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let out = tmp.path().join("out");
    let mhz = 95.0;
    let run = common::hwcost()
        .args([
            "synth", "nvint4", "--lanes", "2", "--cycles", "24", "--quiet", "--json",
        ])
        .args(["--clock-mhz", &mhz.to_string()])
        .arg("--cache-dir")
        .arg(&cache)
        .arg("--write-clock")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let results = ClockResults::load(&out.join(CLOCK_FILE)).unwrap();
    assert_eq!(results.points.len(), 1);
    let p = &results.points[0];
    assert_eq!(
        (p.format.as_str(), p.lanes, p.target_mhz),
        ("nvint4", 2, mhz)
    );
    let probes = &p.choice.probes;
    let chosen = p.choice.pipeline().expect("met at some depth");
    // every shallower depth missed the clock; the search stopped at the first that met it
    assert_eq!(probes.len(), chosen + 1, "{}", p.choice.summary());
    for (s, q) in probes.iter().enumerate() {
        assert_eq!(q.pipeline, s);
        assert_eq!(q.met(), s == chosen, "{}", p.choice.summary());
    }
    // the single-cycle unit cannot run at 95 MHz on sky130: the clock costs stages
    assert!(chosen >= 1, "{}", p.choice.summary());
    let u = p.unit.as_ref().expect("measured");
    assert_eq!(u.pipeline, chosen);
    assert_eq!(u.registers.latency_cycles, 1 + chosen);
    assert_eq!(u.clock_ns, 1000.0 / mhz);
    assert_eq!(u.provenance.mapping, "delay:9474ps");
    let cp = u.flat.critical_path.as_ref().unwrap();
    assert!(cp.slack_ns >= 0.0, "{cp:?}");
    // the measured flat netlist is the probed one (the same cached synthesis)
    assert_eq!(u.flat.area_um2, probes[chosen].area_um2);
    assert_eq!(cp.slack_ns, probes[chosen].slack_ns);
    // reset, 24 blocks and the pipeline drain, each cycle checked against emulate
    assert!(u.checked_cycles > 24, "{}", u.checked_cycles);

    // a fixed --pipeline skips the search but still maps toward the clock
    let fixed = common::hwcost()
        .args([
            "synth", "nvint4", "--lanes", "2", "--cycles", "24", "--quiet", "--json",
        ])
        .args([
            "--clock-mhz",
            &mhz.to_string(),
            "--pipeline",
            &chosen.to_string(),
        ])
        .arg("--cache-dir")
        .arg(&cache)
        .output()
        .unwrap();
    assert!(
        fixed.status.success(),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&fixed.stdout).unwrap();
    assert_eq!(v["flat"]["area_um2"].as_f64(), Some(u.flat.area_um2));
    assert_eq!(v["provenance"]["mapping"], "delay:9474ps");

    // `hwcost rtl --clock-mhz` runs the same search (its probes cached) and writes the unit
    // at the chosen depth, with the SDC at the clock
    let rtl_out = tmp.path().join("rtl");
    let rtl = common::hwcost()
        .args(["rtl", "nvint4", "--lanes", "2", "--clock-mhz", &mhz.to_string(), "-o"])
        .arg(&rtl_out)
        .env("HWCOST_CACHE_DIR", &cache)
        .output()
        .unwrap();
    assert!(rtl.status.success(), "{}", String::from_utf8_lossy(&rtl.stderr));
    let name = String::from_utf8_lossy(&rtl.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(name.contains(&format!("_p{chosen}_")), "{name}");
    let sdc = std::fs::read_to_string(rtl_out.join(format!("{name}.sdc"))).unwrap();
    assert!(
        sdc.contains(&format!("-period {} ", 1000.0 / mhz)),
        "{sdc}"
    );
}

#[test]
fn a_clock_no_depth_meets_is_refused_with_the_best_fmax() {
    if !common::require_flow() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = common::hwcost()
        .args([
            "synth",
            "nvint4",
            "--lanes",
            "2",
            "--quiet",
            "--period-ns",
            "2.5",
        ])
        .arg("--cache-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(
        stderr.contains("nvint4 does not meet 400.0 MHz with at most 8 pipeline stages: best fmax"),
        "{stderr}"
    );
    // and the options that cannot go together are refused before any synthesis
    for (args, want) in [
        (
            vec!["--clock-mhz", "100", "--write-results", "x"],
            "results at a target clock go to --write-clock",
        ),
        (
            vec!["--write-clock", "x"],
            "--write-clock needs a target clock",
        ),
        (vec!["--clock-mhz", "0"], "the clock (MHz)"),
    ] {
        let r = common::hwcost()
            .args(["synth", "nvint4", "--lanes", "2"])
            .args(&args)
            .arg("--cache-dir")
            .arg(tmp.path())
            .output()
            .unwrap();
        let e = String::from_utf8_lossy(&r.stderr);
        assert!(!r.status.success() && e.contains(want), "{args:?}: {e}");
    }
}
