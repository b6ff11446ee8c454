//! Tests of the GEMM model: the closed form against the cycle simulator, the schedule's
//! timing and dataflow, the cost arithmetic, and the errors.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::sim::{self, Event, PsumIn, StepRef};
use super::*;
use crate::format::{lookup_in, ElemFormat, ScaleFormat};

fn array(rows: usize, cols: usize, dataflow: Dataflow, lanes: usize, latency: u32) -> ArrayConfig {
    ArrayConfig {
        size: ArraySize { rows, cols },
        dataflow,
        lanes,
        latency,
    }
}

const BOTH: [Dataflow; 2] = [Dataflow::OutputStationary, Dataflow::WeightStationary];

#[test]
fn closed_form_equals_the_cycle_simulation_on_seeded_random_shapes() {
    let seed = 0x6_e33;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for case in 0..400 {
        let g = GemmShape::new(
            rng.gen_range(1..=24),
            rng.gen_range(1..=24),
            rng.gen_range(1..=160),
        )
        .unwrap();
        let lanes = 1 << rng.gen_range(0..=5);
        let a = array(
            rng.gen_range(1..=7),
            rng.gen_range(1..=7),
            BOTH[case % 2],
            lanes,
            rng.gen_range(1..=4),
        );
        let closed = schedule_counts(&g, &a).unwrap();
        let simulated = sim::simulate(&g, &a).unwrap();
        assert_eq!(
            closed, simulated,
            "seed {seed:#x} case {case}: {g:?} on {a:?}"
        );
    }
}

#[test]
fn closed_form_equals_the_simulation_at_the_edges_of_the_tiling() {
    // Exact multiples, one past, one short, single rows and columns, K below one step.
    for dataflow in BOTH {
        for (m, n, k) in [
            (8, 8, 64),
            (9, 8, 64),
            (7, 9, 65),
            (1, 1, 1),
            (1, 17, 3),
            (17, 1, 200),
            (4, 4, 31),
        ] {
            for (r, c) in [(1, 1), (4, 4), (8, 2), (2, 8), (3, 5)] {
                for latency in [1, 2, 5] {
                    let g = GemmShape::new(m, n, k).unwrap();
                    let a = array(r, c, dataflow, 8, latency);
                    assert_eq!(
                        schedule_counts(&g, &a).unwrap(),
                        sim::simulate(&g, &a).unwrap(),
                        "{g:?} on {a:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn latency_one_folds_are_scale_sims() {
    // SCALE-Sim: 2 S_R + S_C + T - 2 per fold (OS: T = Kb); its WS fold ends at the last MAC's
    // issue, one cycle (L = 1) before that MAC's result has left the array, which ends ours.
    for (r, c, m, kb) in [(4, 4, 10, 7), (8, 3, 5, 20), (1, 1, 1, 1)] {
        let g = GemmShape::new(m, 9, kb * 4).unwrap();
        let os = schedule_counts(&g, &array(r, c, Dataflow::OutputStationary, 4, 1)).unwrap();
        assert_eq!(os.fold_cycles, 2 * r as u64 + c as u64 + kb - 2);
        let ws = schedule_counts(&g, &array(r, c, Dataflow::WeightStationary, 4, 1)).unwrap();
        assert_eq!(ws.fold_cycles, 2 * r as u64 + c as u64 + m - 2 + 1);
    }
}

/// Every event of one simulation.
fn events(g: &GemmShape, a: &ArrayConfig) -> Vec<Event> {
    let mut ev = Vec::new();
    sim::simulate_with(g, a, |_, _| (), |e| ev.push(e)).unwrap();
    ev
}

#[test]
fn output_stationary_unit_takes_step_t_at_t_plus_r_plus_c_and_drains_bottom_first() {
    let (r_, c_, l) = (3usize, 4usize, 2u32);
    let g = GemmShape::new(3, 4, 5 * 2).unwrap(); // one fold, Kb = 5 steps of 2 lanes
    let a = array(r_, c_, Dataflow::OutputStationary, 2, l);
    let ev = events(&g, &a);
    let mut outs = Vec::new();
    for e in &ev {
        match *e {
            Event::Mac {
                cycle,
                row,
                col,
                op,
                psum,
            } => {
                assert_eq!(cycle, op.step + row as u64 + col as u64, "{e:?}");
                assert_eq!((op.i, op.j), (row as u64, col as u64));
                let want = if op.step == 0 {
                    PsumIn::Clear
                } else {
                    PsumIn::Own
                };
                assert_eq!(psum, want);
            }
            Event::Out {
                cycle,
                col,
                i,
                j,
                partial,
            } => {
                assert!(!partial);
                outs.push((col, cycle, i, j));
            }
            Event::Pass { .. } => panic!("no pass-through in output stationary: {e:?}"),
        }
    }
    // Column c: the bottom unit's last sum is ready at Kb - 1 + (R - 1) + c + L; then rows leave
    // bottom first, one per cycle.
    outs.sort();
    for c in 0..c_ {
        let first = 5 - 1 + (r_ as u64 - 1) + c as u64 + l as u64;
        let col: Vec<_> = outs.iter().filter(|o| o.0 == c).collect();
        let want: Vec<_> = (0..r_)
            .map(|k| (c, first + k as u64, (r_ - 1 - k) as u64, c as u64))
            .collect();
        assert_eq!(col.into_iter().copied().collect::<Vec<_>>(), want);
    }
}

#[test]
fn weight_stationary_psums_move_down_with_a_skew_of_the_latency() {
    let (r_, c_, l) = (3usize, 2usize, 3u32);
    // Kb = 5 steps: two k-folds (3 + 2 rows); N = 2: one column fold.
    let g = GemmShape::new(4, 2, 5).unwrap();
    let a = array(r_, c_, Dataflow::WeightStationary, 1, l);
    let fold = schedule_counts(&g, &a).unwrap().fold_cycles;
    let ev = events(&g, &a);
    let mut passes = 0;
    for e in &ev {
        match *e {
            Event::Mac {
                cycle,
                row,
                col,
                op,
                psum,
            } => {
                let fold_k = op.step / r_ as u64;
                assert_eq!(op.step % r_ as u64, row as u64);
                let lt = cycle - fold_k * fold;
                assert_eq!(
                    lt,
                    r_ as u64 + op.i + row as u64 * l as u64 + col as u64,
                    "{e:?}"
                );
                let want = match (row, fold_k) {
                    (0, 0) => PsumIn::Clear,
                    (0, _) => PsumIn::Buffer,
                    _ => PsumIn::Above,
                };
                assert_eq!(psum, want, "{e:?}");
            }
            Event::Pass { row, .. } => {
                // The second k-fold has steps 3, 4 in rows 0, 1; row 2 passes.
                assert_eq!(row, 2);
                passes += 1;
            }
            Event::Out {
                cycle,
                i,
                col,
                partial,
                ..
            } => {
                let fold_k = cycle / fold;
                assert_eq!(partial, fold_k == 0);
                // Leaves the bottom row L cycles after its issue there.
                let lt = cycle - fold_k * fold;
                assert_eq!(
                    lt,
                    r_ as u64 + i + (r_ as u64 - 1) * l as u64 + col as u64 + l as u64
                );
            }
        }
    }
    assert_eq!(passes, 4 * 2);
}

#[test]
fn every_step_is_taken_once_and_every_output_leaves_once() {
    for dataflow in BOTH {
        let g = GemmShape::new(7, 5, 23).unwrap();
        let a = array(3, 2, dataflow, 2, 2);
        let mut seen: HashMap<StepRef, u32> = HashMap::new();
        let mut finals: HashMap<(u64, u64), u32> = HashMap::new();
        for e in events(&g, &a) {
            match e {
                Event::Mac { op, .. } => *seen.entry(op).or_default() += 1,
                Event::Out {
                    i,
                    j,
                    partial: false,
                    ..
                } => *finals.entry((i, j)).or_default() += 1,
                _ => {}
            }
        }
        let kb = g.k_steps(2);
        assert_eq!(seen.len() as u64, g.m * g.n * kb, "{dataflow:?}");
        assert!(seen.values().all(|&v| v == 1), "{dataflow:?}");
        assert_eq!(finals.len() as u64, g.m * g.n);
        assert!(finals.values().all(|&v| v == 1));
    }
}

/// The numeric boundary: integer matrices through the array equal A x B, and an
/// order-sensitive code shows each output adds its steps in K order starting from a clear.
#[test]
fn values_through_the_registers_give_the_product_in_k_order_for_both_dataflows() {
    let seed = 0x5eed_0007;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for case in 0..40 {
        let (m, n, k) = (
            rng.gen_range(1..=9),
            rng.gen_range(1..=9),
            rng.gen_range(1..=40),
        );
        let lanes = 1usize << rng.gen_range(0..=3);
        let g = GemmShape::new(m, n, k).unwrap();
        let av: Vec<i64> = (0..m * k).map(|_| rng.gen_range(-100..=100)).collect();
        let bv: Vec<i64> = (0..k * n).map(|_| rng.gen_range(-100..=100)).collect();
        let a = array(
            rng.gen_range(1..=4),
            rng.gen_range(1..=4),
            BOTH[case % 2],
            lanes,
            rng.gen_range(1..=3),
        );
        // One step: the dot product of `lanes` elements, K zero-padded.
        let step_dot = |op: StepRef| -> i64 {
            (0..lanes as u64)
                .map(|l| op.step * lanes as u64 + l)
                .filter(|&kk| kk < k)
                .map(|kk| av[(op.i * k + kk) as usize] * bv[(kk * n + op.j) as usize])
                .sum()
        };
        let order = |acc: u64, step: u64| acc.wrapping_mul(1_000_003).wrapping_add(step + 1);
        let res = sim::simulate_with(
            &g,
            &a,
            |acc: Option<(i64, u64)>, op| match acc {
                None => {
                    assert_eq!(
                        op.step, 0,
                        "seed {seed:#x} case {case}: a sum starts at step {}",
                        op.step
                    );
                    (step_dot(op), order(0, 0))
                }
                Some((v, h)) => (v + step_dot(op), order(h, op.step)),
            },
            |_| {},
        )
        .unwrap();
        let want_order = (0..g.k_steps(lanes)).fold(0, order);
        for i in 0..m {
            for j in 0..n {
                let want: i64 = (0..k)
                    .map(|kk| av[(i * k + kk) as usize] * bv[(kk * n + j) as usize])
                    .sum();
                let got = res.outputs[(i * n + j) as usize]
                    .unwrap_or_else(|| panic!("seed {seed:#x} case {case}: C[{i},{j}] missing"));
                assert_eq!(
                    got,
                    (want, want_order),
                    "seed {seed:#x} case {case}: C[{i},{j}] on {a:?}"
                );
            }
        }
    }
}

#[test]
fn simulator_refuses_large_runs() {
    // Refused up front: more steps of work than the limit allows unit-cycles.
    let g = GemmShape::new(4096, 4096, 4096).unwrap();
    let a = array(64, 64, Dataflow::OutputStationary, 32, 1);
    let err = sim::simulate(&g, &a).unwrap_err();
    assert!(matches!(err, GemmError::SimTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("100000000"), "{err}");
    // One step of work, but operands need 8191 cycles to cross a 4096 x 4096 array: refused
    // before the array is built.
    let g = GemmShape::new(1, 1, 1).unwrap();
    let a = array(4096, 4096, Dataflow::WeightStationary, 1, 1);
    let err = sim::simulate(&g, &a).unwrap_err();
    assert!(matches!(err, GemmError::SimTooLarge { .. }), "{err}");
}

#[test]
fn bad_shapes_are_rejected_with_the_dimension() {
    for (m, n, k, dim) in [(0, 4, 4, "M"), (4, 0, 4, "N"), (4, 4, 0, "K")] {
        let e = GemmShape::new(m, n, k).unwrap_err().to_string();
        assert!(
            e.contains(&format!("dimension {dim}")) && e.contains("got 0"),
            "{e}"
        );
    }
    let e = GemmShape::new(1 << 20, 1 << 20, 1 << 20)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("1048576x1048576x1048576") && e.contains("2^50"),
        "{e}"
    );
    // Within 2^50 MACs but with more than 2^64 cycles: a deep pipeline, a tall array, N huge.
    let g = GemmShape::new(1, 1 << 48, 1).unwrap();
    let a = array(4096, 1, Dataflow::WeightStationary, 1, 65);
    let e = schedule_counts(&g, &a).unwrap_err().to_string();
    assert!(e.contains("2^64") && e.contains("4096x1"), "{e}");
}

#[test]
fn bad_array_strings_are_rejected_quoting_them() {
    for (s, want) in [
        ("4x", "'4x' is not RxC"),
        ("x4", "'x4' is not RxC"),
        ("abc", "'abc' is not RxC"),
        ("", "'' is not RxC"),
        ("4x4x4", "'4x4x4' is not RxC"),
        ("-1x4", "'-1x4' is not RxC"),
        ("0x4", "'0x4': rows must be in 1..=4096, got 0"),
        ("4x0", "'4x0': columns must be in 1..=4096, got 0"),
        ("4x5000", "'4x5000': columns must be in 1..=4096, got 5000"),
    ] {
        let e = s.parse::<ArraySize>().unwrap_err().to_string();
        assert!(e.contains(want), "{s:?}: {e}");
    }
    assert_eq!(
        " 8X4 ".parse::<ArraySize>().unwrap(),
        ArraySize { rows: 8, cols: 4 }
    );
    assert_eq!("16x16".parse::<ArraySize>().unwrap().to_string(), "16x16");
}

fn args(format: &str) -> GemmArgs {
    GemmArgs {
        format: format.into(),
        m: 64,
        n: 64,
        k: 256,
        array: DEFAULT_ARRAY.into(),
        dataflow: Dataflow::OutputStationary,
        sram_kib: DEFAULT_SRAM_KIB,
        lanes: None,
        psum_width: None,
        pipeline: 0,
        tech: DEFAULT_TECH.into(),
        clock_mhz: Some(DEFAULT_CLOCK_MHZ),
        ignore_timing: true,
        results: std::path::PathBuf::from("reports"),
        model: GemmUnitModel::Analytic,
        json: false,
        simulate_rtl: false,
        seed: 1,
    }
}

#[test]
fn bad_unit_and_run_parameters_are_rejected_with_the_value() {
    let cases: Vec<(GemmArgs, &str)> = vec![
        (
            GemmArgs {
                lanes: Some(64),
                ..args("mxint8")
            },
            "lanes 64 do not divide the block size 32 of mxint8",
        ),
        (
            GemmArgs {
                lanes: Some(32),
                ..args("nvfp4")
            },
            "lanes 32 do not divide the block size 16 of nvfp4",
        ),
        (
            GemmArgs {
                lanes: Some(3),
                ..args("mxint8")
            },
            "got 3",
        ),
        (
            GemmArgs {
                pipeline: 65,
                ..args("mxint8")
            },
            "at most 8, got 65",
        ),
        (
            GemmArgs {
                sram_kib: 0.0,
                ..args("mxint8")
            },
            "got 0",
        ),
        (
            GemmArgs {
                clock_mhz: Some(f64::NAN),
                ..args("mxint8")
            },
            "got NaN",
        ),
        (
            GemmArgs {
                array: "8x".into(),
                ..args("mxint8")
            },
            "'8x'",
        ),
        (
            GemmArgs {
                k: 0,
                ..args("mxint8")
            },
            "dimension K",
        ),
        (
            GemmArgs {
                psum_width: Some("7".into()),
                ..args("mxfp8")
            },
            "psum width 7",
        ),
        (
            GemmArgs {
                tech: "tsmc3".into(),
                ..args("mxfp8")
            },
            "tsmc3",
        ),
        (args("mxint9"), "mxint9"),
    ];
    for (a, want) in cases {
        let e = gemm_output(&a).unwrap_err().to_string();
        assert!(e.contains(want), "want {want:?} in: {e}");
    }
}

#[test]
fn scale_fetches_cost_8_25_4_5_and_8_5_bits_per_element() {
    let tech = Tech::builtin("sky130hd").unwrap();
    let bits = |f: BlockFormat| {
        let unit = UnitParams::new(f, None, PsumWidth::Default).unwrap();
        let cfg = GemmConfig::new(
            GemmShape::new(8, 8, 64).unwrap(),
            unit,
            0,
            ArraySize { rows: 2, cols: 2 },
            Dataflow::OutputStationary,
            64.0,
            100.0,
        )
        .unwrap();
        gemm_report(&cfg, &tech).unwrap().sram_bits_per_element
    };
    let get = |n: &str| lookup_in(n, &[]).unwrap();
    assert_eq!(bits(get("mxint8")), 8.25);
    assert_eq!(bits(get("mxfp8")), 8.25);
    assert_eq!(bits(get("nvfp4")), 4.5);
    assert_eq!(bits(get("nvint4")), 4.5);
    let nv8 = BlockFormat {
        name: "nvint8".into(),
        elem: ElemFormat::Int { bits: 8 },
        block: 16,
        scale: ScaleFormat::E4m3,
    };
    assert_eq!(bits(nv8), 8.5);
}

/// One unit, one step: every term of the report by hand.
#[test]
fn report_of_a_single_unit_gemm_matches_a_hand_computation() {
    let tech = Tech::builtin("sky130hd").unwrap();
    let unit =
        UnitParams::new(lookup_in("mxint8", &[]).unwrap(), None, PsumWidth::Default).unwrap();
    let unit_cost = analytic::analytic_cost(&unit, &tech).total;
    let cfg = GemmConfig::new(
        GemmShape::new(1, 1, 32).unwrap(),
        unit,
        0,
        ArraySize { rows: 1, cols: 1 },
        Dataflow::OutputStationary,
        32.0,
        200.0,
    )
    .unwrap();
    let r = gemm_report(&cfg, &tech).unwrap();
    // Fold: Kb + 2R + C + L - 3 = 1 + 2 + 1 + 1 - 3 = 2 cycles: issue, then the result drains.
    assert_eq!(r.schedule.cycles, 2);
    assert_eq!(r.utilization, 32.0 / (32.0 * 2.0));
    let step_bits = 32.0 * 8.0 + 8.0;
    let reg_bits = 2.0 * step_bits + 32.0;
    assert_eq!(r.area.register_bits_per_unit, reg_bits as u64);
    let dff = &tech.cells.dff;
    let clock = reg_bits * 2.0 * dff.clock_energy_fj * 1e-3;
    // A and B each loaded once; the accumulator written once (no drain shifts in one row).
    let data = (2.0 * step_bits + 32.0) * dff.energy_fj * tech.activity.toggle_rate * 1e-3;
    // 32 KiB = 4 x the 8 KiB reference: sqrt -> 2 x the per-bit energy.
    let read = 2.0 * step_bits * tech.sram.read_energy_fj_per_bit * 2.0 * 1e-3;
    let write = 32.0 * tech.sram.write_energy_fj_per_bit * 2.0 * 1e-3;
    let e = &r.energy;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    assert!(close(e.mac_units_pj, unit_cost.energy_pj_per_block));
    assert!(
        close(e.register_clock_pj, clock),
        "{} {clock}",
        e.register_clock_pj
    );
    assert!(close(e.register_data_pj, data));
    assert!(close(e.sram_read_pj, read));
    assert!(close(e.sram_write_pj, write));
    let total = unit_cost.energy_pj_per_block + clock + data + read + write;
    assert!(close(e.total_pj, total));
    assert!(close(r.energy_pj_per_mac, total / 32.0));
    // 64 ops in 2 cycles at 200 MHz = 6.4e9 ops/s.
    assert!(close(r.tops, 64.0 / (2.0 / 200e6) * 1e-12));
    assert!(close(r.tops_per_w, 64.0 / total));
    let mm2 = (unit_cost.area_um2 + reg_bits * dff.area_um2) * 1e-6;
    assert!(close(r.area.total_mm2, mm2));
    assert!(close(r.tops_per_mm2, r.tops / mm2));
    assert_eq!(r.k_padded, 32);
}

#[test]
fn padding_k_costs_cycles_but_not_useful_work() {
    let tech = Tech::builtin("sky130hd").unwrap();
    let report = |k| {
        let (cfg, _) = GemmArgs {
            k,
            ..args("mxint8")
        }
        .config()
        .unwrap();
        gemm_report(&cfg, &tech).unwrap()
    };
    let (full, short) = (report(256), report(225));
    assert_eq!(short.k_padded, 256);
    assert_eq!(short.schedule.cycles, full.schedule.cycles);
    assert_eq!(short.useful_macs, 64 * 64 * 225);
    assert!(short.utilization < full.utilization);
}

#[test]
fn json_report_carries_the_numbers_and_text_names_the_split() {
    let out = gemm_output(&GemmArgs {
        json: true,
        ..args("mxfp8")
    })
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format"], "mxfp8");
    assert_eq!(v["array"]["rows"], 16);
    assert_eq!(v["dataflow"], "output-stationary");
    assert_eq!(v["psum_width"], 24);
    assert_eq!(v["sram_bits_per_element"], 8.25);
    // 64x64 on 16x16: 16 folds of Kb + 2R + C + L - 3 = 8 + 32 + 16 + 1 - 3 = 54 cycles.
    assert_eq!(v["schedule"]["cycles"], 16 * 54);
    assert_eq!(v["schedule"]["mac_steps"], 64 * 64 * 8);
    let e = &v["energy"];
    let parts: f64 = [
        "mac_units_pj",
        "registers_pj",
        "sram_read_pj",
        "sram_write_pj",
    ]
    .iter()
    .map(|k| e[k].as_f64().unwrap())
    .sum();
    assert!((parts / e["total_pj"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    let text = gemm_output(&args("mxfp8")).unwrap();
    for want in [
        "MAC units",
        "registers (clock)",
        "SRAM reads",
        "TOPS/W",
        "864 = 16 folds x 54 cycles",
    ] {
        assert!(text.contains(want), "{want:?} missing in:\n{text}");
    }
}

#[test]
fn clap_parses_the_documented_command_line() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        gemm: GemmArgs,
    }
    let c = Cli::try_parse_from([
        "gemm",
        "nvfp4",
        "--m",
        "128",
        "--n",
        "64",
        "--k",
        "512",
        "--array",
        "8x4",
        "--dataflow",
        "weight-stationary",
        "--sram-kib",
        "256",
        "--lanes",
        "8",
        "--pipeline",
        "2",
        "--tech",
        "asap7",
        "--clock-mhz",
        "1000",
        "--json",
    ])
    .unwrap();
    let (cfg, tech) = c.gemm.config().unwrap();
    assert_eq!(cfg.size, ArraySize { rows: 8, cols: 4 });
    assert_eq!(cfg.dataflow, Dataflow::WeightStationary);
    assert_eq!(cfg.array().latency, 3);
    assert_eq!(cfg.unit.lanes, 8);
    assert_eq!(tech.name, "asap7");
    assert!(Cli::try_parse_from(["gemm", "mxint8", "--m", "1", "--n", "1"]).is_err());
    assert!(Cli::try_parse_from(["gemm", "mxint8", "--m", "-1", "--n", "1", "--k", "1"]).is_err());
}

#[test]
fn weight_stationary_reads_b_once_and_output_stationary_writes_c_once() {
    let g = GemmShape::new(40, 24, 96).unwrap();
    let os = schedule_counts(&g, &array(8, 8, Dataflow::OutputStationary, 32, 1)).unwrap();
    let ws = schedule_counts(&g, &array(8, 8, Dataflow::WeightStationary, 32, 1)).unwrap();
    assert_eq!(ws.b_reads, 3 * 24);
    assert_eq!(os.b_reads, 3 * 24 * 5); // once per fold of M
    assert_eq!(os.result_writes, 40 * 24);
    assert_eq!(ws.result_writes, 40 * 24); // Kb = 3 fits in one k-fold
    assert_eq!(ws.psum_reads, 0);
}

/// Without `--clock-mhz` the array runs at its unit's STA fmax from the synthesized results
/// shipped in `reports/`; a pipelined unit (not synthesized there) or a directory without
/// results falls back to the default clock and says why.
#[test]
fn the_default_clock_is_the_synthesized_units_fmax() {
    use crate::cost::source::{shipped_source, CostSource, Model};
    let reports = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reports");
    let a = GemmArgs {
        clock_mhz: None,
        results: reports.clone(),
        ..args("mxint8")
    };
    let (cfg, _) = a.config().unwrap();
    let unit = cfg.unit.clone();
    let shipped = shipped_source(
        Model::Synth,
        "sky130hd",
        &reports,
        std::slice::from_ref(&unit),
    )
    .unwrap()
    .unit_cost(&unit)
    .unwrap();
    assert_eq!(Some(cfg.clock_mhz), shipped.fmax_mhz);
    assert!(
        cfg.clock_source.starts_with("STA fmax"),
        "{}",
        cfg.clock_source
    );
    let text = gemm_output(&a).unwrap();
    assert!(
        text.contains(&format!("clock {:.1} MHz: STA fmax", cfg.clock_mhz)),
        "{text}"
    );

    // a pipelined unit the iso-clock results hold: its own fmax there
    let clocked = crate::synth::clock::ClockResults::load(&reports.join("clock.json")).unwrap();
    let s1 = clocked
        .points
        .iter()
        .filter_map(|p| p.unit.as_ref())
        .filter(|u| u.unit.starts_with("mxint8_mac_k32_") && u.pipeline == 1)
        .map(|u| u.fmax_mhz)
        .fold(f64::NAN, f64::max);
    assert!(s1.is_finite(), "reports/clock.json holds MXINT8 at S = 1");
    let (piped, _) = GemmArgs {
        pipeline: 1,
        ..a.clone()
    }
    .config()
    .unwrap();
    assert_eq!(piped.clock_mhz, s1);
    assert!(
        piped.clock_source.contains("with 1 stages") && piped.clock_source.contains("clock.json"),
        "{}",
        piped.clock_source
    );
    // one it does not: the unpipelined unit's fmax, said to be a lower bound
    let (piped, _) = GemmArgs {
        pipeline: 7,
        ..a.clone()
    }
    .config()
    .unwrap();
    assert_eq!(Some(piped.clock_mhz), shipped.fmax_mhz);
    assert!(
        piped.clock_source.contains("without pipeline stages")
            && piped.clock_source.contains("lower bound"),
        "{}",
        piped.clock_source
    );
    let empty = tempfile::tempdir().unwrap();
    let (none, _) = GemmArgs {
        results: empty.path().to_path_buf(),
        ..a.clone()
    }
    .config()
    .unwrap();
    assert_eq!(none.clock_mhz, DEFAULT_CLOCK_MHZ);
    assert!(
        none.clock_source.contains("no synth results"),
        "{}",
        none.clock_source
    );
    // a clock above the unit's fmax is refused, naming both, unless --ignore-timing
    let fmax = shipped.fmax_mhz.unwrap();
    for pipeline in [0, 7] {
        let e = GemmArgs {
            clock_mhz: Some(250.0),
            pipeline,
            ignore_timing: false,
            ..a.clone()
        }
        .config()
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("250 MHz")
                && e.contains(&format!("{fmax:.1} MHz"))
                && e.contains("--ignore-timing"),
            "{e}"
        );
    }
    // a clock a deeper unit meets: the refusal names the depth
    let e = GemmArgs {
        clock_mhz: Some(100.0),
        ignore_timing: false,
        ..a.clone()
    }
    .config()
    .unwrap_err()
    .to_string();
    assert!(e.contains("or pipeline the unit: with --pipeline 2"), "{e}");
    let (what_if, _) = GemmArgs {
        clock_mhz: Some(250.0),
        ignore_timing: true,
        ..a.clone()
    }
    .config()
    .unwrap();
    assert_eq!(what_if.clock_mhz, 250.0);
    assert!(
        what_if.clock_source.contains("does not close timing"),
        "{}",
        what_if.clock_source
    );
    let (given, _) = GemmArgs {
        clock_mhz: Some(fmax / 2.0),
        ignore_timing: false,
        ..a.clone()
    }
    .config()
    .unwrap();
    assert_eq!(given.clock_mhz, fmax / 2.0);
    assert!(
        given.clock_source.starts_with("given (the unit closes"),
        "{}",
        given.clock_source
    );
    // without results nothing can be checked, and the report says so
    let (unchecked, _) = GemmArgs {
        clock_mhz: Some(250.0),
        results: empty.path().to_path_buf(),
        ..a
    }
    .config()
    .unwrap();
    assert!(
        unchecked.clock_source.contains("not checked"),
        "{}",
        unchecked.clock_source
    );
}

/// `--model calibrated` prices each unit with the calibration shipped in `reports/`, pipeline
/// registers included and the accumulator register (counted by the array) left out; a missing
/// calibration is an error naming its file.
#[test]
fn the_calibrated_unit_model_prices_the_units_pipeline_registers() {
    let reports = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reports");
    let a = GemmArgs {
        model: GemmUnitModel::Calibrated,
        results: reports.clone(),
        ..args("mxfp8")
    };
    let source = crate::cost::calibrate::CalibratedSource::load(&reports, "sky130hd").unwrap();
    let cal = source.calibration();
    let ff = &cal.registers_per_flip_flop;
    let tech = Tech::builtin("sky130hd").unwrap();
    let mut unit_area = Vec::new();
    for pipeline in [0u32, 2] {
        let (cfg, tech_) = GemmArgs {
            pipeline,
            ..a.clone()
        }
        .config()
        .unwrap();
        let r = gemm_report(&cfg, &tech_).unwrap();
        let c = cal.unit_cost(&cfg.unit, pipeline as usize, &tech).unwrap();
        assert_eq!(r.area.unit_um2, c.area_um2 - 33.0 * ff.area_um2);
        assert_eq!(
            r.energy.mac_units_pj,
            r.schedule.mac_steps as f64 * (c.energy_pj_per_block - 33.0 * ff.energy_pj_per_block)
        );
        assert!(r.unit_model.starts_with("calibrated"), "{}", r.unit_model);
        unit_area.push(r.area.unit_um2);
    }
    assert!(
        unit_area[1] > unit_area[0],
        "two pipeline stages add registers"
    );
    let analytic = gemm_report(&args("mxfp8").config().unwrap().0, &tech).unwrap();
    assert_eq!(analytic.unit_model, "analytic");
    let empty = tempfile::tempdir().unwrap();
    let e = GemmArgs {
        results: empty.path().to_path_buf(),
        ..a
    }
    .config()
    .unwrap_err()
    .to_string();
    assert!(e.contains("calibration.json"), "{e}");
}
