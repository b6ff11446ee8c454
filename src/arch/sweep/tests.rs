//! Tests of the sweep: Pareto marks, the rows and CSV of small hand-checkable sweeps, invalid
//! points, errors and the atomic write.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::cost::analytic::{analytic_cost, UnitParams};
use crate::format::qsnr::{default_rho, theory_qsnr_db};

#[test]
fn pareto_front_of_hand_made_points_keeps_ties_and_drops_dominated_ones() {
    let pts = [
        [1.0, 5.0], // front: best first objective
        [2.0, 2.0], // front
        [5.0, 1.0], // front: best second objective
        [3.0, 3.0], // dominated by [2, 2]
        [2.0, 2.0], // front: ties with the other [2, 2]
        [6.0, 6.0], // dominated
        [1.0, 6.0], // dominated by [1, 5] (equal first, worse second)
    ];
    assert_eq!(
        pareto_front(&pts),
        vec![true, true, true, false, true, false, false]
    );
    let three = [
        [1.0, 1.0, 9.0],
        [1.0, 1.0, 8.0],
        [0.0, 2.0, 9.0],
        [2.0, 2.0, 2.0],
    ];
    assert_eq!(pareto_front(&three), vec![false, true, true, true]);
    assert!(pareto_front::<2>(&[]).is_empty());
}

#[test]
fn pareto_front_equals_brute_force_on_seeded_random_points() {
    let seed = 0xfa_2e70;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for case in 0..50 {
        // Small integer grids make ties and equal coordinates common.
        let pts: Vec<[f64; 3]> = (0..rng.gen_range(1..80))
            .map(|_| [0; 3].map(|_| rng.gen_range(0..6) as f64))
            .collect();
        let dominated = |i: usize| {
            pts.iter().any(|q| {
                q.iter().zip(&pts[i]).all(|(a, b)| a <= b)
                    && q.iter().zip(&pts[i]).any(|(a, b)| a < b)
            })
        };
        let want: Vec<bool> = (0..pts.len()).map(|i| !dominated(i)).collect();
        assert_eq!(
            pareto_front(&pts),
            want,
            "seed {seed:#x} case {case}: {pts:?}"
        );
    }
}

/// Analytic sweep arguments over `formats` at default lanes (also the chart tests').
pub(crate) fn args(formats: &[&str]) -> SweepArgs {
    SweepArgs {
        formats: formats.iter().map(|s| s.to_string()).collect(),
        lanes: vec![],
        psum_width: vec!["default".into()],
        multiplier: vec![],
        reduction: vec![],
        pipeline: vec![0],
        model: SweepModel::Analytic,
        kappa: DEFAULT_KAPPA,
        tech: DEFAULT_TECH.into(),
        results: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reports"),
        output: PathBuf::from("unused.csv"),
        plot: None,
        emit_jobs: None,
        collect: None,
        cache_dir: None,
        clock_mhz: None,
    }
}

fn run(a: &SweepArgs) -> Sweep {
    sweep(a, &ProgressBar::hidden()).unwrap()
}

/// Three units at 32 lanes (sky130hd): MXINT8 has the least area per MAC and the best QSNR,
/// MXFP6-E3M2 the least energy per MAC, and MXFP8 is worse than MXINT8 in all three at the
/// default crest factor 3; at crest factor 20 FP8's range gives it the best QSNR and a place on
/// the front.
#[test]
fn tiny_sweep_rows_carry_the_analytic_costs_and_the_hand_checked_front() {
    let tech = Tech::builtin("sky130hd").unwrap();
    let s = run(&SweepArgs {
        pipeline: vec![0, 2],
        ..args(&["mxint8", "mxfp6_e3m2", "mxfp8"])
    });
    assert_eq!(s.requested, 6);
    assert_eq!(s.rows.len(), 6);
    let cost = |name: &str| {
        let f = crate::format::lookup_in(name, &[]).unwrap();
        analytic_cost(
            &UnitParams::new(f, None, PsumWidth::Default).unwrap(),
            &tech,
        )
        .total
    };
    let (int8, e3m2, fp8) = (cost("mxint8"), cost("mxfp6_e3m2"), cost("mxfp8"));
    // The trade-off that makes both of the first two Pareto-optimal:
    assert!(int8.area_um2_per_mac < e3m2.area_um2_per_mac);
    assert!(int8.energy_pj_per_mac > e3m2.energy_pj_per_mac);
    // and MXFP8 costs more than either.
    assert!(
        fp8.area_um2_per_mac > int8.area_um2_per_mac
            && fp8.energy_pj_per_mac > int8.energy_pj_per_mac
    );
    assert!(
        fp8.area_um2_per_mac > e3m2.area_um2_per_mac
            && fp8.energy_pj_per_mac > e3m2.energy_pj_per_mac
    );
    let q = |name: &str, kappa| {
        let f = crate::format::lookup_in(name, &[]).unwrap();
        theory_qsnr_db(&f, kappa, default_rho(&f))
    };
    // Below the MXINT8/MXFP8 crossover (7.55) INT8 is more accurate; well above it FP8 is.
    assert!(q("mxint8", 3.0) > q("mxfp8", 3.0) && q("mxint8", 3.0) > q("mxfp6_e3m2", 3.0));
    assert!(q("mxfp8", 20.0) > q("mxint8", 20.0) && q("mxfp8", 20.0) > q("mxfp6_e3m2", 20.0));
    let want = [
        ("mxint8", 0, &int8, true),
        ("mxint8", 2, &int8, true),
        ("mxfp6_e3m2", 0, &e3m2, true),
        ("mxfp6_e3m2", 2, &e3m2, true),
        ("mxfp8", 0, &fp8, false),
        ("mxfp8", 2, &fp8, false),
    ];
    for (row, (name, pipe, c, pareto)) in s.rows.iter().zip(want) {
        assert_eq!(row.format, name);
        assert_eq!(row.pipeline, pipe);
        assert_eq!(row.latency_cycles, 1 + pipe);
        assert_eq!(row.lanes, 32);
        assert_eq!(row.area_um2, c.area_um2);
        assert_eq!(row.area_um2_per_mac, c.area_um2_per_mac);
        assert_eq!(row.energy_pj_per_block, c.energy_pj_per_block);
        assert_eq!(row.energy_pj_per_mac, c.energy_pj_per_mac);
        assert_eq!(row.qsnr_db, q(name, 3.0));
        assert_eq!(row.pareto, pareto, "{name} pipeline {pipe}");
    }
    assert_eq!(s.rows[0].psum_width, None);
    assert_eq!(s.rows[2].psum_width, Some(20)); // E3M2: 2^4 + 4 = 20 < 24
    assert_eq!(s.rows[4].psum_width, Some(24));

    // The CSV holds the same numbers rounded to 10 significant digits, bit for bit.
    let csv = to_csv(&s);
    let round_sig = crate::fields::round_sig;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "format,lanes,psum_width,multiplier,reduction,pipeline,latency_cycles,area_um2,area_um2_per_mac,energy_pj_per_block,energy_pj_per_mac,qsnr_db,pareto,model,tech"
    );
    let body: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(body.len(), 6);
    // the analytic model names no architecture
    assert_eq!(&body[0][..7], ["mxint8", "32", "exact", "", "", "0", "1"]);
    assert_eq!(&body[3][..7], ["mxfp6_e3m2", "32", "20", "", "", "2", "3"]);
    assert_eq!(body[5][12], "false");
    assert_eq!(body[0][12], "true");
    assert_eq!(&body[0][13..], ["analytic", "sky130hd"]);
    for (fields, row) in body.iter().zip(&s.rows) {
        assert_eq!(
            fields[8].parse::<f64>().unwrap(),
            round_sig(row.area_um2_per_mac)
        );
        assert_eq!(
            fields[10].parse::<f64>().unwrap(),
            round_sig(row.energy_pj_per_mac)
        );
        assert_eq!(fields[11].parse::<f64>().unwrap(), round_sig(row.qsnr_db));
    }

    let wide = run(&SweepArgs {
        kappa: 20.0,
        ..args(&["mxint8", "mxfp6_e3m2", "mxfp8"])
    });
    let marks: Vec<bool> = wide.rows.iter().map(|r| r.pareto).collect();
    assert_eq!(marks, [true, true, true]);
    assert_eq!(wide.kappa, 20.0);
}

#[test]
fn invalid_points_are_skipped_with_the_reason_and_duplicates_merged() {
    let s = run(&SweepArgs {
        lanes: vec![32, 24],
        psum_width: vec!["default".into(), "24".into(), "7".into()],
        ..args(&["mxfp8", "mxint4", "MXFP8"])
    });
    // mxfp8: lanes 24 (3 widths) invalid, width 7 < 8 invalid, default = 24 merged: one row.
    // mxint4: lanes 24 invalid (3); the widths do not apply to INT: one row.
    // MXFP8 again: the same units as mxfp8, merged; its invalid ones are listed again.
    assert_eq!(s.requested, 18);
    assert_eq!(s.rows.len(), 2);
    assert_eq!(s.skipped.len(), 3 + 1 + 3 + 3 + 1);
    assert!(
        s.skipped
            .iter()
            .any(|w| w.contains("mxfp8") && w.contains("psum width 7")),
        "{:?}",
        s.skipped
    );
    assert!(
        s.skipped
            .iter()
            .any(|w| w.contains("mxint4") && w.contains("24")),
        "{:?}",
        s.skipped
    );
    let err = sweep(
        &SweepArgs {
            lanes: vec![3],
            ..args(&["mxint8"])
        },
        &ProgressBar::hidden(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("none of the 1 requested") && err.contains("got 3"),
        "{err}"
    );
}

#[test]
fn bad_names_and_widths_are_errors_quoting_them() {
    let e = sweep(&args(&["mxint8", "mxfp9"]), &ProgressBar::hidden())
        .unwrap_err()
        .to_string();
    assert!(e.contains("mxfp9"), "{e}");
    let e = sweep(
        &SweepArgs {
            psum_width: vec!["wide".into()],
            ..args(&["mxfp8"])
        },
        &ProgressBar::hidden(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("'wide'"), "{e}");
    let e = sweep(
        &SweepArgs {
            tech: "nope".into(),
            ..args(&["mxfp8"])
        },
        &ProgressBar::hidden(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("nope"), "{e}");
    for kappa in [0.5, f64::NAN, 1e5] {
        let e = sweep(
            &SweepArgs {
                kappa,
                ..args(&["mxfp8"])
            },
            &ProgressBar::hidden(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("crest factor") && e.contains(&kappa.to_string()),
            "{e}"
        );
    }
}

#[test]
fn run_sweep_writes_the_csv_atomically_into_a_new_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports/sweep.csv");
    let no_chart: DrawChart = |_, _| unreachable!("no --plot");
    run_sweep(
        &SweepArgs {
            lanes: vec![16, 32],
            output: out.clone(),
            ..args(&["nvfp4", "nvint4"])
        },
        no_chart,
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 1 + 4);
    // Only the CSV is left in the directory: no temporary file.
    let names: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("sweep.csv")]);
    // A path whose parent is a file cannot be written, and says which path.
    let blocked = dir.path().join("reports/sweep.csv/x.csv");
    let e = write_atomic(&blocked, b"x").unwrap_err().to_string();
    assert!(e.contains("x.csv"), "{e}");
}

#[test]
fn clap_parses_comma_lists() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sweep: SweepArgs,
    }
    let c = Cli::try_parse_from([
        "sweep",
        "--formats",
        "mxint8,mxfp8",
        "--lanes",
        "16,32",
        "--psum-width",
        "default,exact,16",
        "--pipeline",
        "0,1,2",
        "-o",
        "x.csv",
    ])
    .unwrap();
    assert_eq!(c.sweep.formats, ["mxint8", "mxfp8"]);
    assert_eq!(c.sweep.lanes, [16, 32]);
    assert_eq!(c.sweep.psum_width, ["default", "exact", "16"]);
    assert_eq!(c.sweep.pipeline, [0, 1, 2]);
    assert!(
        Cli::try_parse_from(["sweep"]).is_err(),
        "--formats is required"
    );
    assert!(Cli::try_parse_from(["sweep", "--formats", "mxint8", "--model", "yosys"]).is_err());
    let j = Cli::try_parse_from(["sweep", "--collect", "jobs"]).unwrap();
    assert_eq!(j.sweep.collect, Some(PathBuf::from("jobs")));
    assert!(
        Cli::try_parse_from(["sweep", "--collect", "a", "--emit-jobs", "b"]).is_err(),
        "--collect and --emit-jobs exclude each other"
    );
    let e = Cli::try_parse_from([
        "sweep",
        "--formats",
        "mxint8",
        "--model",
        "synth",
        "--emit-jobs",
        "jobs",
    ])
    .unwrap();
    assert_eq!(
        (e.sweep.model, e.sweep.emit_jobs),
        (SweepModel::Synth, Some(PathBuf::from("jobs")))
    );
    let c = Cli::try_parse_from([
        "sweep",
        "--formats",
        "mxint8",
        "--model",
        "calibrated",
        "--plot",
        "s.png",
    ])
    .unwrap();
    assert_eq!(c.sweep.model, SweepModel::Calibrated);
    assert_eq!(c.sweep.plot, Some(PathBuf::from("s.png")));
}

#[test]
fn csv_fields_with_commas_are_quoted() {
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    assert_eq!(csv_field("mxint8"), "mxint8");
}

#[test]
fn benchmark_space_is_all_valid_units_and_the_report_has_its_rows() {
    let (formats, raw) = bench_space();
    // FP widths product..exact: mxfp8 8..38, e5m2 6..68, mxfp6 8..14, e3m2 6..20, mxfp4 4..10,
    // nvfp4 4..10 -> 130, plus 4 INT formats; x 7 lane counts x 16 depths.
    assert_eq!(raw.len(), (130 + 4) * 7 * 16);
    let table = CellTable::new(&Tech::builtin("sky130hd").unwrap());
    assert!(raw
        .iter()
        .all(|p| cost_point(&formats, &table, p).is_finite()));
    let md = bench_sweep_report(0.0).unwrap();
    for want in [
        "| single thread | 1 |",
        "| rayon, all cores |",
        "full breakdown",
        "15008 points",
        "35,000",
    ] {
        assert!(md.contains(want), "{want:?} missing in:\n{md}");
    }
}

/// The calibrated model prices each point as `Calibration::unit_cost` does (from the fit shipped
/// in `reports/`), registers included, so a deeper pipeline costs more; a missing calibration
/// is an error naming the file.
#[test]
fn calibrated_sweep_uses_the_shipped_fit_and_prices_pipeline_registers() {
    let a = SweepArgs {
        model: SweepModel::Calibrated,
        pipeline: vec![0, 2],
        ..args(&["mxint8", "nvfp4"])
    };
    let s = run(&a);
    assert_eq!(s.provenance.model, "calibrated");
    assert_eq!(s.rows.len(), 4);
    let source = CalibratedSource::load(&a.results, "sky130hd").unwrap();
    let tech = Tech::builtin("sky130hd").unwrap();
    for r in &s.rows {
        let f = crate::format::lookup_in(&r.format, &[]).unwrap();
        let u = UnitParams::new(f, Some(r.lanes), PsumWidth::Default).unwrap();
        let want = source
            .calibration()
            .unit_cost(&u, r.pipeline as usize, &tech)
            .unwrap();
        assert_eq!(r.area_um2, want.area_um2, "{} p{}", r.format, r.pipeline);
        assert_eq!(r.energy_pj_per_mac, want.energy_pj_per_mac);
    }
    assert!(
        s.rows[1].area_um2 > s.rows[0].area_um2,
        "registers of 2 stages"
    );
    assert!(s.rows[1].energy_pj_per_block > s.rows[0].energy_pj_per_block);
    assert!(to_csv(&s)
        .lines()
        .nth(1)
        .unwrap()
        .ends_with(",calibrated,sky130hd"));

    let dir = tempfile::tempdir().unwrap();
    let e = sweep(
        &SweepArgs {
            results: dir.path().to_path_buf(),
            ..a.clone()
        },
        &ProgressBar::hidden(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("calibration.json"), "{e}");
}
