//! The activity model's sensitivities (`hwcost synth --delay`, `--activity`): the unit-delay
//! simulation settles to the zero-delay values bit for bit and never toggles less, the
//! weight-stationary stream really holds B, and the options key the result cache without
//! moving the defaults' keys.

mod common;

use std::path::Path;

use hwcost::format::lookup;
use hwcost::rtl;
use hwcost::synth::activity::{self, Activity, Delay};
use hwcost::synth::liberty::Library;
use hwcost::synth::netlist::Netlist;
use hwcost::synth::sim::{simulate, SimRequest, SimResult};
use hwcost::synth::synth_command::SynthDetails;
use hwcost::synth::tools::{Engine, Toolchain};
use hwcost::synth::unit_synth::{activity_stream, prepare, synth_unit, UnitSynthRequest};
use hwcost::synth::yosys::{synthesize, Hierarchy, SynthRequest};
use hwcost::synth::PdkFiles;

/// One cache for the binary and a lock, so the small unit is synthesized once.
fn shared_cache() -> (&'static Path, std::sync::MutexGuard<'static, ()>) {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    (dir.path(), guard)
}

/// NVINT4 with 4 lanes: the smallest unit with a scale product, a few seconds to synthesize.
fn small_request(cache: &Path, seed: u64, blocks: usize) -> UnitSynthRequest {
    let params = rtl::UnitParams {
        lanes: Some(4),
        ..Default::default()
    };
    let mut req = UnitSynthRequest::new(lookup("nvint4").unwrap(), params, cache.to_path_buf());
    req.seed = seed;
    req.blocks = blocks;
    req
}

#[test]
fn weight_stationary_stream_holds_b_and_its_scale_for_r_blocks() {
    let cache = tempfile::tempdir().unwrap();
    for (format, r, seed) in [("nvint4", 4, 11u64), ("mxfp8", 16, 12), ("mxint8", 5, 13)] {
        let mut req = small_request(cache.path(), seed, 70);
        req.format = lookup(format).unwrap();
        let plan = rtl::UnitPlan::new(&req.format, &req.params).unwrap();
        let (fresh, _) = activity_stream(&req, &plan).unwrap();
        req.activity = Activity::WeightStationary(r);
        let (held, stim) = activity_stream(&req, &plan).unwrap();
        assert_eq!(stim.cycles(), held.cycles.len(), "seed {seed}");
        let valid = |s: &hwcost::sim::vectors::Stream| -> Vec<usize> {
            (0..s.cycles.len())
                .filter(|&i| s.cycles[i].in_valid && !s.cycles[i].rst)
                .collect()
        };
        let idx = valid(&held);
        assert_eq!(idx, valid(&fresh), "seed {seed}");
        assert_eq!(idx.len(), 70, "seed {seed}");
        let mut fresh_b_changes = 0;
        for (k, &i) in idx.iter().enumerate() {
            let (h, f) = (&held.cycles[i], &fresh.cycles[i]);
            let first = &fresh.cycles[idx[k - k % r]];
            // A, the A scale and the control are the Gaussian stream's; B is the run's first
            assert_eq!(
                (&h.a, h.a_scale, h.acc_clear),
                (&f.a, f.a_scale, f.acc_clear),
                "{format} seed {seed} block {k}"
            );
            assert_eq!(
                (&h.b, h.b_scale),
                (&first.b, first.b_scale),
                "{format} seed {seed} block {k}"
            );
            if k > 0 {
                let prev = &fresh.cycles[idx[k - 1]];
                fresh_b_changes += usize::from((&f.b, f.b_scale) != (&prev.b, prev.b_scale));
            }
        }
        // the fresh stream's B does change, so holding it is a real difference
        assert!(
            fresh_b_changes > 60,
            "{format} seed {seed}: {fresh_b_changes}"
        );
        // emulate's expected outputs follow the held operands
        assert_ne!(held.expected, fresh.expected, "{format} seed {seed}");
        // R = 1 is the Gaussian stream
        req.activity = Activity::WeightStationary(1);
        let (one, _) = activity_stream(&req, &plan).unwrap();
        assert_eq!(one.cycles, fresh.cycles, "{format} seed {seed}");
        assert_eq!(one.expected, fresh.expected, "{format} seed {seed}");
    }
}

fn sim(
    netlist_path: &Path,
    netlist: &Netlist,
    pdk: &PdkFiles,
    stim: &hwcost::synth::sim::Stimulus,
    delay: Delay,
) -> SimResult {
    let work = tempfile::tempdir().unwrap();
    simulate(
        &SimRequest {
            netlist_path,
            netlist,
            cell_models: &pdk.cell_models,
            clock: "clk",
            period_ps: 10_000,
            stimulus: stim,
            measure_from_cycle: 1,
            delay,
            sample_settled: true,
        },
        &Toolchain::from_env(),
        work.path(),
    )
    .unwrap()
}

#[test]
fn unit_delay_settles_to_the_zero_delay_values_and_never_toggles_less() {
    if !common::require_flow() {
        return;
    }
    let (cache, _guard) = shared_cache();
    let pdk = PdkFiles::locate().expect("the sky130 PDK ships in models/pdk");
    let lib = Library::load(&pdk.liberty).unwrap();
    let tools = Toolchain::from_env();
    for (seed, hierarchy) in [
        (0x0e1e_0001u64, Hierarchy::Flatten),
        (0x0e1e_0002, Hierarchy::Keep),
    ] {
        let req = small_request(cache, seed, 24);
        let plan = rtl::UnitPlan::new(&req.format, &req.params).unwrap();
        let g = rtl::generate(&req.format, &req.params, None).unwrap();
        let src = tempfile::tempdir().unwrap();
        let source = src.path().join(format!("{}.v", plan.name));
        std::fs::write(&source, &g.verilog).unwrap();
        let synth = synthesize(
            &SynthRequest {
                sources: vec![source],
                top: plan.name.clone(),
                hierarchy,
                cache_dir: cache.join("synth"),
                engine: Engine::System,
                mapping: Default::default(),
            },
            &lib,
            &tools,
        )
        .unwrap();
        let netlist = Netlist::load(&synth.netlist, &plan.name).unwrap();
        let (_, stim) = activity_stream(&req, &plan).unwrap();
        let zero = sim(&synth.netlist, &netlist, &pdk, &stim, Delay::Zero);
        let unit = sim(&synth.netlist, &netlist, &pdk, &stim, Delay::Unit);
        // settled values: every net at the end of every cycle, bit for bit
        let (zs, us) = (
            zero.activity.settled.as_ref().unwrap(),
            unit.activity.settled.as_ref().unwrap(),
        );
        assert_eq!(zs.names, us.names, "seed {seed:#x}");
        assert_eq!(zs.rows.len(), stim.cycles(), "seed {seed:#x}");
        // Wires the netlist names but nothing drives (Yosys keeps named wires whose driver
        // was merged away) read as unknown in every cycle; every other net must be known
        // after the reset cycle, and there must be enough of them for the check to mean much.
        let undriven: Vec<bool> = (0..zs.names.len())
            .map(|j| zs.rows.iter().all(|r| r[j] == b'x'))
            .collect();
        let known = undriven.iter().filter(|&&u| !u).count();
        assert!(known > 500, "seed {seed:#x}: {known} known bits");
        for (cycle, (z, u)) in zs.rows.iter().zip(&us.rows).enumerate().skip(1) {
            if let Some(j) = (0..z.len()).find(|&j| z[j] != u[j]) {
                panic!(
                    "seed {seed:#x} {hierarchy:?}: net {} at the end of cycle {cycle}: zero delay {}, unit delay {}",
                    zs.names[j], z[j] as char, u[j] as char
                );
            }
            if let Some(j) = (0..z.len()).find(|&j| z[j] == b'x' && !undriven[j]) {
                panic!(
                    "seed {seed:#x} {hierarchy:?}: net {} is unknown at the end of cycle {cycle}",
                    zs.names[j]
                );
            }
        }
        assert_eq!(zero.outputs, unit.outputs, "seed {seed:#x}");
        // per net, a glitch adds transitions to the settled change, never removes one
        let (mut zt, mut ut) = (0u64, 0u64);
        for (name, z) in &zero.activity.bits {
            let u = unit.activity.bits[name];
            assert!(
                u.toggles >= z.toggles,
                "seed {seed:#x}: {name} toggles {} under unit delay, {} under zero delay",
                u.toggles,
                z.toggles
            );
            zt += z.toggles;
            ut += u.toggles;
        }
        eprintln!("{hierarchy:?} seed {seed:#x}: toggles zero delay {zt}, unit delay {ut}");
        assert!(ut > zt, "seed {seed:#x}: the multipliers and adders glitch");
    }
}

#[test]
fn options_key_the_cache_and_the_defaults_keep_their_keys() {
    if !common::require_flow() {
        return;
    }
    let (cache, _guard) = shared_cache();
    let pdk = PdkFiles::locate().unwrap();
    let lib = Library::load(&pdk.liberty).unwrap();
    let tools = Toolchain::from_env();
    let base = small_request(cache, 0x0e1e_0003, 16);
    let variants = [
        (Delay::Zero, Activity::Gaussian),
        (Delay::Unit, Activity::Gaussian),
        (Delay::Zero, Activity::WeightStationary(4)),
        (Delay::Zero, Activity::WeightStationary(16)),
        (Delay::Unit, Activity::WeightStationary(4)),
    ];
    let keys: Vec<String> = variants
        .iter()
        .map(|&(delay, activity)| {
            let req = UnitSynthRequest {
                delay,
                activity,
                ..base.clone()
            };
            prepare(&req, &lib, &tools).unwrap().provenance.cache_key
        })
        .collect();
    for i in 0..keys.len() {
        for j in 0..i {
            assert_ne!(keys[i], keys[j], "{:?} and {:?}", variants[i], variants[j]);
        }
    }
    assert_eq!(
        activity::cache_key_suffix(Delay::Zero, Activity::Gaussian),
        ""
    );

    // the shipped default results keep their keys, when made with the tools found here
    let shipped = SynthDetails::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/synth-details.json"),
    )
    .unwrap();
    let r = shipped
        .units
        .iter()
        .find(|r| r.format == "nvint4")
        .expect("nvint4 ships");
    let mut req = UnitSynthRequest::new(
        lookup("nvint4").unwrap(),
        rtl::UnitParams::default(),
        cache.to_path_buf(),
    );
    req.blocks = r.blocks;
    req.seed = r.seed;
    req.clock_ns = r.clock_ns;
    let p = prepare(&req, &lib, &tools).unwrap().provenance;
    let text = serde_json::to_string(&r.provenance).unwrap();
    assert!(
        !text.contains("\"delay\"") && !text.contains("\"activity\""),
        "{text}"
    );
    assert_eq!(
        (p.delay.as_str(), p.activity.as_str()),
        ("zero", "gaussian")
    );
    if (&p.yosys, &p.sta, &p.iverilog, &p.verilog_sha256)
        == (
            &r.provenance.yosys,
            &r.provenance.sta,
            &r.provenance.iverilog,
            &r.provenance.verilog_sha256,
        )
    {
        assert_eq!(p.cache_key, r.provenance.cache_key);
    } else {
        eprintln!(
            "SKIP: the shipped nvint4 result was made with other tools ({}, {}); its key is not \
             comparable here",
            r.provenance.yosys, r.provenance.iverilog
        );
    }
    // a non-default run end to end: its netlists match emulate, its provenance names the
    // options, and a default run does not read its cached result
    let ws = UnitSynthRequest {
        activity: Activity::WeightStationary(4),
        delay: Delay::Unit,
        ..base.clone()
    };
    let a = synth_unit(&ws, &pdk, &lib, &tools).unwrap();
    assert_eq!(
        (a.provenance.delay.as_str(), a.provenance.activity.as_str()),
        ("unit", "weight-stationary:4")
    );
    let json = serde_json::to_string(&a.provenance).unwrap();
    assert!(json.contains("\"delay\":\"unit\""), "{json}");
    let d = synth_unit(&base, &pdk, &lib, &tools).unwrap();
    assert!(!d.from_cache);
    assert!(
        a.hierarchical.energy_pj_per_mac > d.hierarchical.energy_pj_per_mac,
        "unit delay {} pJ/MAC, zero delay {} pJ/MAC",
        a.hierarchical.energy_pj_per_mac,
        d.hierarchical.energy_pj_per_mac
    );
    assert!(synth_unit(&ws, &pdk, &lib, &tools).unwrap().from_cache);
}
