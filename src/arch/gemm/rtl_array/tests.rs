//! The RTL array against the closed form, the schedule simulator and the software model; the
//! checks' power to fail; the refusals.

use super::*;
use crate::arch::gemm::{ArraySize, GemmUnitModel, DEFAULT_CLOCK_MHZ, DEFAULT_SRAM_KIB};
use crate::cost::analytic::{PsumWidth, UnitParams as CostUnit};
use crate::cost::tech::DEFAULT_TECH;
use crate::format::lookup_in;

fn config(
    format: &str,
    (m, n, k): (u64, u64, u64),
    (rows, cols): (usize, usize),
    lanes: usize,
    pipeline: u32,
) -> GemmConfig {
    let unit = CostUnit::new(
        lookup_in(format, &[]).unwrap(),
        Some(lanes),
        PsumWidth::Default,
    )
    .unwrap();
    GemmConfig::new(
        GemmShape::new(m, n, k).unwrap(),
        unit,
        pipeline,
        ArraySize { rows, cols },
        Dataflow::OutputStationary,
        DEFAULT_SRAM_KIB,
        DEFAULT_CLOCK_MHZ,
    )
    .unwrap()
}

fn tech() -> Tech {
    Tech::builtin(DEFAULT_TECH).unwrap()
}

/// Run the array on seeded Gaussian operands and require every comparison to agree.
fn agree(cfg: &GemmConfig, seed: u64) -> RtlCheck {
    let ops = GemmOperands::gaussian(&cfg.unit.format, cfg.shape, cfg.unit.lanes, seed).unwrap();
    let c = check(cfg, &tech(), &ops).unwrap();
    let bad = c.mismatches();
    assert!(
        bad.is_empty(),
        "{} {:?} on {} lanes {} pipeline {}, seed {seed:#x}:\n{}",
        cfg.unit.format.name,
        cfg.shape,
        cfg.size,
        cfg.unit.lanes,
        cfg.pipeline,
        bad.join("\n")
    );
    c
}

#[test]
fn a_4x4_array_of_rtl_units_matches_the_model_cycle_for_cycle_and_the_software_model_bit_for_bit() {
    for (f, format) in ["mxint8", "mxfp8", "nvfp4"].into_iter().enumerate() {
        for lanes in [4, 8] {
            for pipeline in [0, 1] {
                // M = N = 8 on 4 x 4: four full folds; K = 4 steps.
                let cfg = config(format, (8, 8, 4 * lanes as u64), (4, 4), lanes, pipeline);
                let seed = 0xa77a_0000 + (f * 100 + lanes * 10) as u64 + pipeline as u64;
                let c = agree(&cfg, seed);
                // The fold length of the module doc, and every unit busy for Kb steps of each
                // fold: the closed form and the RTL agree on more than a coincidence.
                let latency = 1 + pipeline as u64;
                assert_eq!(c.rtl.counts.cycles, 4 * (4 + 2 * 4 + 4 + latency - 3));
                assert_eq!(c.rtl.counts.mac_steps, 8 * 8 * 4);
                assert_eq!(c.rtl.useful_lane_macs, 8 * 8 * 4 * lanes as u64);
                // Gaussian data gives finite, mostly nonzero sums: the comparison compares values.
                let finite = c
                    .rtl
                    .outputs
                    .iter()
                    .filter(|&&b| f32::from_bits(b).is_finite() && b != 0)
                    .count();
                assert!(
                    finite >= 60,
                    "{format}: only {finite} nonzero finite outputs"
                );
            }
        }
    }
}

#[test]
fn partial_folds_and_k_padding_on_odd_arrays() {
    // M and N off the array's multiples (null rows and columns in the last folds), K padded to
    // the lanes and to the block (the quantizer's zero codes), K below one step, one unit, a
    // single row and a single column.
    let shapes = [
        ((5, 7, 13), (4, 4)),
        ((9, 3, 30), (4, 2)),
        ((3, 5, 3), (2, 3)),
        ((1, 1, 1), (1, 1)),
        ((6, 1, 17), (1, 4)),
        ((1, 6, 9), (3, 1)),
    ];
    for (s, (shape, size)) in shapes.into_iter().enumerate() {
        for (f, format) in ["mxint8", "mxfp8", "nvfp4"].into_iter().enumerate() {
            for pipeline in [0, 1] {
                let lanes = [4, 8][(s + f) % 2];
                let cfg = config(format, shape, size, lanes, pipeline);
                agree(&cfg, 0x0dd_0000 + (s * 10 + f) as u64);
            }
        }
    }
}

#[test]
fn the_rtl_units_latency_sets_the_arrays_timing() {
    // Units one stage deeper than the model assumes: every output leaves later, by one cycle
    // per fold up to and including its own, and the run is one cycle per fold longer.
    let shallow = config("mxint8", (6, 4, 16), (4, 2), 4, 0);
    let deep = config("mxint8", (6, 4, 16), (4, 2), 4, 1);
    let ops = GemmOperands::gaussian(&shallow.unit.format, shallow.shape, 4, 7).unwrap();
    let run = run_rtl_array(&deep, &ops).unwrap();
    let model = schedule_counts(&shallow.shape, &shallow.array()).unwrap();
    assert_eq!(run.counts.cycles, model.cycles + model.folds);
    for i in 0..6 {
        for j in 0..4 {
            let fold = (j / 2) * 2 + i / 4;
            let x = (i * 4 + j) as usize;
            assert_eq!(
                run.out_cycles[x],
                os_output_cycle(&shallow, i, j).unwrap() + fold + 1,
                "C[{i}, {j}]"
            );
        }
    }
    // Same arithmetic, different latency: the values do not move.
    assert_eq!(run.outputs, run_rtl_array(&shallow, &ops).unwrap().outputs);
}

#[test]
fn the_comparison_reports_a_changed_bit_cycle_or_count() {
    let cfg = config("mxfp8", (4, 3, 16), (2, 2), 8, 0);
    let good = agree(&cfg, 11);

    let mut c = good.clone();
    c.rtl.outputs[5] ^= 1;
    let bad = c.mismatches();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("C[1, 2]: RTL array"), "{bad:?}");

    let mut c = good.clone();
    c.software[0] ^= 0x8000_0000;
    assert!(c.mismatches()[0].starts_with("C[0, 0]: RTL array"));

    let mut c = good.clone();
    c.rtl.out_cycles[11] += 1;
    let bad = c.mismatches();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("C[3, 2] leaves at cycle"), "{bad:?}");

    let mut c = good.clone();
    c.sim_out_cycles[0] -= 1;
    assert!(c.mismatches()[0].contains("in the schedule simulator"));

    let mut c = good.clone();
    c.rtl.counts.acc_reg_writes += 1;
    assert!(c.mismatches()[0].starts_with("event counts: RTL array"));

    let mut c = good.clone();
    c.rtl.useful_lane_macs -= 1;
    let bad = c.mismatches();
    assert_eq!(
        bad,
        vec![format!(
            "useful lane-MACs: RTL array {} vs M N K = 192",
            4 * 3 * 16 - 1
        )]
    );

    let mut c = good;
    c.rtl_utilization = f64::from_bits(c.rtl_utilization.to_bits() + 1);
    let bad = c.mismatches();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("utilization: RTL array"), "{bad:?}");
}

#[test]
fn many_mismatches_are_listed_up_to_a_limit_and_counted() {
    let cfg = config("nvfp4", (4, 4, 16), (2, 2), 8, 0);
    let mut c = agree(&cfg, 3);
    for b in &mut c.software {
        *b ^= 1;
    }
    let bad = c.mismatches();
    assert_eq!(bad.len(), LISTED + 1);
    assert_eq!(
        bad[LISTED],
        format!("... and {} more output values", 16 - LISTED)
    );
}

#[test]
fn weight_stationary_large_and_unbuildable_runs_are_refused_with_the_reason() {
    let ws = GemmConfig {
        dataflow: Dataflow::WeightStationary,
        ..config("mxint8", (4, 4, 16), (2, 2), 4, 0)
    };
    let ops = GemmOperands::gaussian(&ws.unit.format, ws.shape, 4, 1).unwrap();
    let e = run_rtl_array(&ws, &ops).unwrap_err().to_string();
    assert!(
        e.contains("output-stationary GEMMs only: weight-stationary needs"),
        "{e}"
    );

    let big = config("mxint8", (256, 256, 1024), (16, 16), 4, 0);
    let e = check_size(&big).unwrap_err().to_string();
    assert!(
        e.contains("GEMM 256x256x1024 on a 16x16 array")
            && e.contains("more than the limit 250000"),
        "{e}"
    );

    // A pipeline deeper than the generator builds: the GEMM model refuses it too (one limit).
    let unit = CostUnit::new(
        lookup_in("mxint8", &[]).unwrap(),
        Some(4),
        PsumWidth::Default,
    )
    .unwrap();
    let e = GemmConfig::new(
        GemmShape::new(2, 2, 8).unwrap(),
        unit,
        9,
        ArraySize { rows: 2, cols: 2 },
        Dataflow::OutputStationary,
        DEFAULT_SRAM_KIB,
        DEFAULT_CLOCK_MHZ,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("at most 8, got 9"), "{e}");
    // A psum width the GEMM model takes but the generator does not build.
    let unit = CostUnit::new(
        lookup_in("mxfp8", &[]).unwrap(),
        Some(4),
        PsumWidth::Bits(39),
    )
    .unwrap();
    let narrow = GemmConfig {
        unit,
        ..config("mxfp8", (2, 2, 8), (2, 2), 4, 0)
    };
    let ops = GemmOperands::gaussian(&narrow.unit.format, narrow.shape, 4, 1).unwrap();
    let e = run_rtl_array(&narrow, &ops).unwrap_err().to_string();
    assert!(e.contains("psum width 39 for mxfp8 is not built"), "{e}");

    // Operands of another shape or step width.
    let cfg = config("mxint8", (4, 4, 16), (2, 2), 4, 0);
    let other =
        GemmOperands::gaussian(&cfg.unit.format, GemmShape::new(4, 5, 16).unwrap(), 4, 1).unwrap();
    let e = run_rtl_array(&cfg, &other).unwrap_err().to_string();
    assert!(
        e.contains("GEMM 4x5x16 in steps of 4 lanes do not fit GEMM 4x4x16"),
        "{e}"
    );
    let e = software_model(&cfg, &other).unwrap_err().to_string();
    assert!(e.contains("do not fit"), "{e}");

    // Operand data of the wrong length, and lanes that split a block.
    let fmt = lookup_in("mxint8", &[]).unwrap();
    let e = GemmOperands::quantize(&fmt, cfg.shape, 4, &[0.0; 63], &[0.0; 64])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("operand A holds 63 values, the GEMM 4x4x16 needs 64"),
        "{e}"
    );
    let e = GemmOperands::gaussian(&fmt, cfg.shape, 64, 1)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("lanes 64 do not divide the block size 32"),
        "{e}"
    );
    let huge = GemmShape::new(1 << 20, 1 << 20, 1 << 8).unwrap();
    let e = GemmOperands::gaussian(&fmt, huge, 4, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than the 16777216 drawn"), "{e}");
}

fn args(format: &str, m: u64, n: u64, k: u64) -> GemmArgs {
    GemmArgs {
        format: format.into(),
        m,
        n,
        k,
        array: "4x4".into(),
        dataflow: Dataflow::OutputStationary,
        sram_kib: DEFAULT_SRAM_KIB,
        lanes: Some(8),
        psum_width: None,
        pipeline: 1,
        tech: DEFAULT_TECH.into(),
        clock_mhz: Some(DEFAULT_CLOCK_MHZ),
        ignore_timing: false,
        results: std::path::PathBuf::from("reports"),
        model: GemmUnitModel::Analytic,
        json: false,
        simulate_rtl: true,
        seed: 5,
    }
}

#[test]
fn simulate_rtl_prints_the_arrays_cycles_beside_the_models() {
    let out = simulate_output(&args("mxfp8", 6, 5, 20)).unwrap();
    assert!(out.agree, "{}", out.text);
    let cycles = schedule_counts(
        &GemmShape::new(6, 5, 20).unwrap(),
        &config("mxfp8", (6, 5, 20), (4, 4), 8, 1).array(),
    )
    .unwrap()
    .cycles;
    let want =
        format!("seed 5): {cycles} cycles (closed form {cycles}, schedule simulator {cycles})");
    assert!(out.text.contains(&want), "want {want:?} in:\n{}", out.text);
    assert!(out.text.starts_with("GEMM 6x5x20"), "{}", out.text);

    let json = simulate_output(&GemmArgs {
        json: true,
        ..args("nvfp4", 3, 4, 16)
    })
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json.text).unwrap();
    let s = &v["rtl_simulation"];
    assert_eq!(s["cycles_rtl"], v["schedule"]["cycles"]);
    assert_eq!(s["utilization_rtl"], v["utilization"]);
    assert_eq!(s["mismatches"], serde_json::json!([]));

    let e = simulate_output(&args("mxint8", 512, 512, 512))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the RTL array is a check for small shapes"),
        "{e}"
    );
    let e = simulate_output(&GemmArgs {
        dataflow: Dataflow::WeightStationary,
        ..args("mxint8", 4, 4, 4)
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("output-stationary GEMMs only"), "{e}");
}

#[test]
fn nan_blocks_and_zero_columns_travel_through_the_array() {
    // An Inf in A's row 0 gives its block the NaN scale: C[0, *] is the canonical NaN, which
    // stays NaN through the later steps. B's column 1 is all zero: C[i, 1] is +0 elsewhere.
    // K = 40 spans two 32-element blocks, the second padded by the quantizer.
    let cfg = config("mxfp8", (3, 3, 40), (2, 2), 4, 1);
    let (m, n, k) = (3, 3, 40);
    let mut rng = ChaCha8Rng::seed_from_u64(0x5bec);
    let mut a: Vec<f32> = (0..m * k)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let mut bt: Vec<f32> = (0..n * k)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    a[3] = f32::INFINITY;
    bt[k..2 * k].fill(0.0);
    let ops = GemmOperands::quantize(&cfg.unit.format, cfg.shape, 4, &a, &bt).unwrap();
    let c = check(&cfg, &tech(), &ops).unwrap();
    assert_eq!(c.mismatches(), Vec::<String>::new());
    for j in 0..n {
        assert_eq!(
            c.rtl.outputs[j],
            crate::datapath::CANONICAL_NAN,
            "C[0, {j}]"
        );
    }
    for i in 1..m {
        assert_eq!(c.rtl.outputs[i * n + 1], 0, "C[{i}, 1]");
        assert!(f32::from_bits(c.rtl.outputs[i * n]).is_finite());
    }
}
