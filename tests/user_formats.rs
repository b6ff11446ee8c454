//! User formats in hardware (issue 14): the example formats of `models/formats/` and a seeded
//! random sample of formats from everything the TOML reader accepts each either get a unit that
//! lints clean and is bit-exact with `emulate` (rust-hdl with the exhaustive element-pair sweep
//! where elements have at most 8 bits, Verilator, Icarus), or a clear error naming what is
//! built. The CLI runs end to end on a user format (rtl, verify, cost, synth, compare, sweep,
//! plot). Every failure prints the format's TOML and the seed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use hwcost::format::spec::load_toml;
use hwcost::format::BlockFormat;
use hwcost::rtl::{generate, PsumWidth, RtlError, UnitPlan};
use hwcost::sim::backends::{BackendKind, VerilatorBuild};
use hwcost::sim::vectors::SuiteSize;
use hwcost::sim::verify::{render, unit_params, verify_unit, VerifyConfig};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// The example formats shipped in `models/formats/`.
fn shipped_examples() -> Vec<(PathBuf, BlockFormat)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/formats");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let f = load_toml(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, f)
        })
        .collect()
}

/// A random format the TOML reader accepts, as TOML text: INT of 2..16 bits or FP with 1..7
/// exponent and 0..10 mantissa bits, any valid bias and specials, blocks of 1..256, any
/// scale (UE8M0, E4M3, E5M3, none). Half of the FP formats take the usual bias 2^(x-1) - 1.
fn random_toml(rng: &mut rand::rngs::StdRng, i: usize) -> String {
    let block = if rng.gen_bool(0.75) {
        1usize << rng.gen_range(1..=8)
    } else {
        rng.gen_range(1..=256)
    };
    let scale = if rng.gen_bool(0.65) {
        "ue8m0"
    } else if rng.gen_bool(0.3) {
        "none"
    } else if rng.gen_bool(0.5) {
        "e4m3"
    } else {
        "e5m3"
    };
    let element = if rng.gen_bool(0.4) {
        format!("kind = \"int\"\nbits = {}\n", rng.gen_range(2..=16))
    } else {
        // Mostly narrow elements (those are the ones people propose), sometimes anything.
        let (x, y) = if rng.gen_bool(0.75) {
            let x = rng.gen_range(1..=5u32);
            (x, rng.gen_range(1..=(7 - x).min(5)))
        } else {
            (rng.gen_range(1..=7u32), rng.gen_range(0..=10u32))
        };
        let (lo, hi) = ((1i64 << x) - 126, 127 - i64::from(y));
        let usual = (1i64 << (x - 1)) - 1;
        let bias = if rng.gen_bool(0.5) && (lo..=hi).contains(&usual) {
            usual
        } else {
            rng.gen_range(lo..=hi)
        };
        let mut specials = vec!["finite"];
        if !(x == 1 && y == 0) {
            specials.push("nan_only");
        }
        if x >= 2 {
            specials.push("ieee");
        }
        let sp = specials[rng.gen_range(0..specials.len())];
        format!(
            "kind = \"fp\"\nexp_bits = {x}\nman_bits = {y}\nbias = {bias}\nspecials = \"{sp}\"\n"
        )
    };
    format!("name = \"user{i}\"\nblock = {block}\nscale = \"{scale}\"\n[element]\n{element}")
}

/// Lanes for a test unit: small, so that rust-hdl and Icarus run many blocks.
fn test_lanes(f: &BlockFormat) -> usize {
    f.default_lanes().min(4)
}

fn plan_for(f: &BlockFormat, lanes: usize) -> Result<UnitPlan, RtlError> {
    plan_at(f, lanes, 0, PsumWidth::Default)
}

fn plan_at(
    f: &BlockFormat,
    lanes: usize,
    pipeline: usize,
    psum_width: PsumWidth,
) -> Result<UnitPlan, RtlError> {
    UnitPlan::new(
        f,
        &hwcost::rtl::UnitParams {
            lanes: Some(lanes),
            psum_width,
            pipeline,
            arch: Default::default(),
        },
    )
}

/// `verilator --lint-only -Wall` on the unit's Verilog: the warnings, if any.
fn lint(dir: &Path, f: &BlockFormat, lanes: usize) -> Option<String> {
    lint_unit(
        dir,
        f,
        &hwcost::rtl::UnitParams {
            lanes: Some(lanes),
            ..Default::default()
        },
    )
}

/// [`lint`] of the unit with parameters `p`.
fn lint_unit(dir: &Path, f: &BlockFormat, p: &hwcost::rtl::UnitParams) -> Option<String> {
    let g = generate(f, p, None).unwrap();
    let v = dir.join(format!("{}.v", g.plan.name));
    std::fs::write(&v, &g.verilog).unwrap();
    let out = Command::new("verilator")
        .current_dir(dir)
        .args(["--lint-only", "-Wall", "--top-module", &g.plan.name])
        .arg(&v)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    (!out.status.success() || !text.trim().is_empty()).then_some(text)
}

/// Run the vector suite on `kinds` for `f` at `lanes`; the report on a mismatch.
fn bit_exact(
    f: &BlockFormat,
    lanes: usize,
    kinds: &[BackendKind],
    size: SuiteSize,
    seed: u64,
    work: &Path,
) -> Result<(), String> {
    bit_exact_at(f, lanes, 0, PsumWidth::Default, kinds, size, seed, work)
}

/// [`bit_exact`] for the unit with `pipeline` register stages and psum width `psum`.
#[allow(clippy::too_many_arguments)]
fn bit_exact_at(
    f: &BlockFormat,
    lanes: usize,
    pipeline: usize,
    psum: PsumWidth,
    kinds: &[BackendKind],
    size: SuiteSize,
    seed: u64,
    work: &Path,
) -> Result<(), String> {
    let plan = plan_at(f, lanes, pipeline, psum).map_err(|e| e.to_string())?;
    let p = unit_params(&plan).map_err(|e| e.to_string())?;
    let cfg = VerifyConfig {
        backends: kinds.to_vec(),
        size,
        seed,
        work_dir: work.to_path_buf(),
        verilator: VerilatorBuild {
            cxx_opt: 1,
            jobs: 1,
        },
        keep: 5,
        progress: false,
    };
    let report = verify_unit(f, &p, &cfg).map_err(|e| e.to_string())?;
    if report.mismatch_count() > 0 {
        return Err(render(f, &p, &report, 10));
    }
    for b in &report.backends {
        let planned: usize = report
            .streams
            .iter()
            .map(|s| s.block_count(f, p.lanes))
            .sum();
        if b.blocks != planned || planned == 0 {
            return Err(format!(
                "{} ran {} of {planned} blocks",
                report.unit, b.blocks
            ));
        }
    }
    Ok(())
}

/// rust-hdl and the simulators present (a missing one fails in CI, skips visibly elsewhere),
/// and whether Verilator is among them.
fn backends() -> (Vec<BackendKind>, bool) {
    let mut kinds = vec![BackendKind::Rusthdl];
    let verilator = common::require_tool("verilator", "verilator");
    if verilator {
        kinds.push(BackendKind::Verilator);
    }
    if common::require_tool("iverilog", "iverilog") {
        kinds.push(BackendKind::Icarus);
    }
    (kinds, verilator)
}

/// The pair sweep wherever elements have at most 8 bits (65,536 pairs at 8 bits).
fn suite(f: &BlockFormat, random: usize) -> SuiteSize {
    SuiteSize {
        random,
        others: 100,
        pairs: (f.elem.bits() <= 8).then_some(0),
    }
}

/// Lint at 8 lanes (when Verilator is present) and the suite of 1,000 random blocks (and the
/// pair sweep where W <= 8) at 4 lanes on `kinds`: what failed.
fn lint_and_check(
    f: &BlockFormat,
    kinds: &[BackendKind],
    verilator: bool,
    seed: u64,
    work: &Path,
) -> Vec<String> {
    let mut why = Vec::new();
    if verilator {
        if let Some(w) = lint(work, f, 8) {
            why.push(format!("lint at 8 lanes: {w}"));
        }
    }
    if let Err(e) = bit_exact(f, 4, kinds, suite(f, 1_000), seed, work) {
        why.push(e);
    }
    why
}

#[test]
fn the_shipped_examples_lint_clean_and_are_bit_exact_on_every_backend() {
    let examples = shipped_examples();
    assert!(
        examples.len() >= 3,
        "models/formats/ ships at least three examples"
    );
    let work = tempfile::tempdir().unwrap();
    let (kinds, verilator) = backends();
    let failures: Vec<String> = examples
        .par_iter()
        .enumerate()
        .filter_map(|(i, (path, f))| {
            let seed = 0x05e7_f000 + i as u64;
            let lanes = test_lanes(f);
            let mut why = Vec::new();
            if verilator {
                if let Some(w) = lint(work.path(), f, f.default_lanes()) {
                    why.push(format!("lint at its default lanes: {w}"));
                }
            }
            if let Err(e) = bit_exact(f, lanes, &kinds, suite(f, 2_000), seed, work.path()) {
                why.push(e);
            }
            (!why.is_empty())
                .then(|| format!("{} (seed {seed:#x}):\n{}", path.display(), why.join("\n")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn wide_int_units_lint_clean_and_are_bit_exact_on_every_backend() {
    // INT12..16 lanes have partial-product buses beyond 128 bits (Booth and the AND array
    // from INT12): INT12, INT14 and INT16 under each scale kind.
    let work = tempfile::tempdir().unwrap();
    let (kinds, verilator) = backends();
    let cases = [
        (12, "ue8m0", 32),
        (16, "ue8m0", 32),
        (16, "e4m3", 16),
        (14, "e5m3", 16),
    ];
    let failures: Vec<String> = cases
        .par_iter()
        .enumerate()
        .filter_map(|(i, &(bits, scale, block))| {
            let seed = 0x05e7_1600 + i as u64;
            let p = work.path().join(format!("int{bits}_{scale}.toml"));
            let text = format!(
                "name = \"int{bits}_{scale}\"\nblock = {block}\nscale = \"{scale}\"\n[element]\nkind = \"int\"\nbits = {bits}\n"
            );
            std::fs::write(&p, &text).unwrap();
            let f = load_toml(&p).unwrap();
            let why = lint_and_check(&f, &kinds, verilator, seed, work.path());
            (!why.is_empty()).then(|| format!("{text}(seed {seed:#x}):\n{}", why.join("\n")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn fp_layouts_beyond_eight_bits_and_without_mantissa_lint_clean_and_are_bit_exact() {
    // FP layouts at the edges of what is built: no mantissa bits (a 1-bit significand), 6 and
    // 7 exponent bits (alignment distances beyond 64), 9- to 16-bit elements (FP16's E5M10,
    // 11-bit significand products), each scale kind; the pair sweep where W <= 8.
    let work = tempfile::tempdir().unwrap();
    let (kinds, verilator) = backends();
    let cases = [
        (2, 0, 1, "nan_only", "ue8m0", 32),
        (4, 0, 7, "ieee", "e4m3", 16),
        (6, 1, 31, "finite", "ue8m0", 32),
        (7, 0, 60, "ieee", "e5m3", 16),
        (5, 3, 15, "ieee", "ue8m0", 32),
        (3, 4, 3, "finite", "e4m3", 16),
        (5, 10, 15, "ieee", "ue8m0", 32),
        (7, 8, 63, "nan_only", "e5m3", 16),
        (1, 10, 0, "finite", "e4m3", 16),
        (6, 10, 31, "ieee", "ue8m0", 32),
        (7, 9, 63, "nan_only", "e4m3", 16),
        (7, 10, 70, "finite", "e5m3", 64),
    ];
    let failures: Vec<String> = cases
        .par_iter()
        .enumerate()
        .filter_map(|(i, &(x, y, bias, sp, scale, block))| {
            let seed = 0x05e7_f900 + i as u64;
            let name = format!("e{x}m{y}_{scale}");
            let p = work.path().join(format!("{name}.toml"));
            let text = format!(
                "name = \"{name}\"\nblock = {block}\nscale = \"{scale}\"\n[element]\nkind = \"fp\"\nexp_bits = {x}\nman_bits = {y}\nbias = {bias}\nspecials = \"{sp}\"\n"
            );
            std::fs::write(&p, &text).unwrap();
            let f = load_toml(&p).unwrap_or_else(|e| panic!("{text}not read: {e}"));
            let mut why = lint_and_check(&f, &kinds, verilator, seed, work.path());
            let random = SuiteSize {
                random: 300,
                others: 100,
                pairs: None,
            };
            // Pipelined: these layouts take no front-end cuts, so S = 4 with the compressor
            // tree is the plain front end and three registers on the binary32 result.
            if i % 3 == 0 {
                let w = work.path();
                if let Err(e) = bit_exact_at(&f, 4, 4, PsumWidth::Default, &kinds, random, seed, w) {
                    why.push(format!("at S = 4: {e}"));
                }
            }
            // The exact psum width, built with UE8M0 scales where it exceeds the default
            // (E5M3: 70 bits, E5M10: 84).
            if scale == "ue8m0" && f.exact_psum_width() > 24 && x <= 5 {
                let w = work.path();
                if let Err(e) = bit_exact_at(&f, 4, 0, PsumWidth::Exact, &kinds, random, seed, w) {
                    why.push(format!("at the exact psum width: {e}"));
                }
            }
            (!why.is_empty()).then(|| format!("{text}(seed {seed:#x}):\n{}", why.join("\n")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn psum_widths_between_the_wired_ones_lint_clean_and_are_bit_exact_on_every_backend() {
    // A width that is not compiled in is the next wider unit whose lanes feed the compressor
    // tree their top n bits (rtl/NOTES.md, "Psum widths"): every scale kind, the product width
    // itself, widths below the default and between the default and the exact one, with the
    // front-end cuts (S = 3, 4) and without them (a layout built without cuts at S = 4).
    let work = tempfile::tempdir().unwrap();
    let (kinds, verilator) = backends();
    let e7m2 = work.path().join("e7m2.toml");
    std::fs::write(
        &e7m2,
        "name = \"e7m2_b32\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"fp\"\nexp_bits = 7\nman_bits = 2\nbias = 63\nspecials = \"nan_only\"\n",
    )
    .unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/formats");
    let user = |p: &Path| load_toml(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let builtin = |n: &str| hwcost::format::spec::lookup_in(n, &[]).unwrap();
    // (format, n, the wired width it must take, S)
    let cases: Vec<(BlockFormat, u32, u32, usize)> = vec![
        (builtin("mxfp8"), 16, 24, 0),
        (builtin("mxfp8"), 8, 24, 0),
        (builtin("mxfp8"), 31, 38, 4),
        (builtin("mxfp8_e5m2"), 40, 68, 1),
        (builtin("mxfp4"), 7, 10, 3),
        (builtin("nvfp4"), 6, 10, 4),
        (builtin("mxfp6_e3m2"), 13, 20, 0),
        (user(&examples.join("fp6_e2m3_e5m3.toml")), 9, 14, 2),
        (user(&e7m2), 13, 24, 4),
    ];
    let failures: Vec<String> = cases
        .par_iter()
        .enumerate()
        .filter_map(|(i, (f, n, wired, s))| {
            let seed = 0x05e7_9500 + i as u64;
            let what = format!("{} at psum width {n}, S = {s} (seed {seed:#x})", f.name);
            let plan = match plan_at(f, 4, *s, PsumWidth::Bits(*n)) {
                Ok(p) => p,
                Err(e) => return Some(format!("{what}: refused: {e}")),
            };
            let mut why = Vec::new();
            if (plan.psum_width, plan.wired_width) != (*n, *wired) {
                why.push(format!("wired at {} (want {wired})", plan.wired_width));
            }
            if verilator {
                let p = hwcost::rtl::UnitParams {
                    lanes: Some(8),
                    psum_width: PsumWidth::Bits(*n),
                    pipeline: *s,
                    arch: Default::default(),
                };
                if let Some(w) = lint_unit(work.path(), f, &p) {
                    why.push(format!("lint at 8 lanes: {w}"));
                }
            }
            let w = work.path();
            if let Err(e) = bit_exact_at(
                f,
                4,
                *s,
                PsumWidth::Bits(*n),
                &kinds,
                suite(f, 500),
                seed,
                w,
            ) {
                why.push(e);
            }
            (!why.is_empty()).then(|| format!("{what}:\n{}", why.join("\n")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn random_user_formats_get_a_bit_exact_unit_or_an_error_naming_what_is_built() {
    const SEED: u64 = 0x05e7_1400;
    const FORMATS: usize = 40;
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
    let dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let verilator = common::require_tool("verilator", "verilator");
    let mut built = Vec::new();
    for i in 0..FORMATS {
        let text = random_toml(&mut rng, i);
        let path = dir.path().join(format!("user{i}.toml"));
        std::fs::write(&path, &text).unwrap();
        let f = load_toml(&path)
            .unwrap_or_else(|e| panic!("seed {SEED:#x}, format {i}:\n{text}\nnot read: {e}"));
        // Every format the reader takes gets a unit at its default psum width.
        match plan_for(&f, test_lanes(&f)) {
            Ok(_) => built.push((i, text, f)),
            Err(e) => panic!("seed {SEED:#x}, format {i}:\n{text}\nrefused: {e}"),
        }
    }
    // rust-hdl with the pair sweep on every built format; Verilator lint and the suite on
    // every third one (each Verilator build takes seconds).
    let failures: Vec<String> = built
        .par_iter()
        .filter_map(|(i, text, f)| {
            let seed = SEED + *i as u64;
            let lanes = test_lanes(f);
            let mut kinds = vec![BackendKind::Rusthdl];
            let mut why = Vec::new();
            if verilator && i % 3 == 0 {
                kinds.push(BackendKind::Verilator);
                if let Some(w) = lint(work.path(), f, lanes) {
                    why.push(format!("lint: {w}"));
                }
            }
            if let Err(e) = bit_exact(f, lanes, &kinds, suite(f, 500), seed, work.path()) {
                why.push(e);
            }
            // Every fourth FP format also at a psum width drawn from its whole span (the
            // product width up to the widest wired one), with the compressor tree.
            if !f.elem.is_int() && i % 4 == 1 {
                let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
                let lo = 2 * f.elem.man_bits() + 2;
                let hi = *hwcost::rtl::supported_psum_widths(f).iter().max().unwrap();
                let n = rng.gen_range(lo..=hi);
                let small = SuiteSize {
                    random: 300,
                    others: 100,
                    pairs: None,
                };
                let w = work.path();
                let at = PsumWidth::Bits(n);
                if let Err(e) = bit_exact_at(f, lanes, 0, at, &kinds, small, seed, w) {
                    why.push(format!("at psum width {n} ({lo}..={hi}): {e}"));
                }
            }
            (!why.is_empty()).then(|| {
                format!(
                    "format {i} (seed {seed:#x}, sample seed {SEED:#x}):\n{text}\n{}",
                    why.join("\n")
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn formats_without_a_scale_have_no_scale_ports_and_are_bit_exact_on_every_backend() {
    // `scale = "none"`: the UE8M0 unit with both scale inputs tied to 2^0 inside its top. INT8
    // (Booth) and FP8 E4M3 and FP4 E2M1 (arrays) at S = 0; E4M3 with its front-end cuts (S = 4)
    // and INT6 with its carry-save cut (S = 3), where the tied scales pass pipeline registers.
    let work = tempfile::tempdir().unwrap();
    let (kinds, verilator) = backends();
    let e4m3 = "kind = \"fp\"\nexp_bits = 4\nman_bits = 3\nbias = 7\nspecials = \"nan_only\"\n";
    let cases: [(&str, String, usize, usize); 5] = [
        ("int8_none", "kind = \"int\"\nbits = 8\n".into(), 32, 0),
        ("e4m3_none", e4m3.into(), 32, 0),
        (
            "e2m1_none",
            "kind = \"fp\"\nexp_bits = 2\nman_bits = 1\nbias = 1\nspecials = \"finite\"\n".into(),
            16,
            0,
        ),
        ("e4m3_none_b64", e4m3.into(), 64, 4),
        ("int6_none", "kind = \"int\"\nbits = 6\n".into(), 32, 3),
    ];
    let failures: Vec<String> = cases
        .par_iter()
        .enumerate()
        .filter_map(|(i, (name, element, block, pipeline))| {
            let seed = 0x05e7_0500 + i as u64;
            let p = work.path().join(format!("{name}.toml"));
            let text = format!(
                "name = \"{name}\"\nblock = {block}\nscale = \"none\"\n[element]\n{element}"
            );
            std::fs::write(&p, &text).unwrap();
            let f = load_toml(&p).unwrap();
            let params = |lanes| hwcost::rtl::UnitParams {
                lanes: Some(lanes),
                pipeline: *pipeline,
                ..Default::default()
            };
            let mut why = Vec::new();
            let g = generate(&f, &params(4), None).unwrap();
            let header = g
                .verilog
                .lines()
                .find(|l| l.starts_with(&format!("module {}(", g.plan.name)))
                .unwrap_or_default();
            if header.is_empty() || header.contains("scale") {
                why.push(format!("the top's port list has scale ports: {header:?}"));
            }
            for port in ["a_scale", "b_scale"] {
                if !g
                    .verilog
                    .contains(&format!("    wire  [7:0] {port} = 8'd127;"))
                {
                    why.push(format!("{port} is not tied to 8'd127 in the top"));
                }
            }
            let json: serde_json::Value = serde_json::from_str(&g.json).unwrap();
            if json["ports"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"].as_str().unwrap().contains("scale"))
            {
                why.push(format!("the JSON lists scale ports: {}", json["ports"]));
            }
            if verilator {
                if let Some(w) = lint_unit(work.path(), &f, &params(8)) {
                    why.push(format!("lint at 8 lanes: {w}"));
                }
            }
            let size = suite(&f, 1_000);
            if let Err(e) = bit_exact_at(
                &f,
                4,
                *pipeline,
                PsumWidth::Default,
                &kinds,
                size,
                seed,
                work.path(),
            ) {
                why.push(e);
            }
            (!why.is_empty()).then(|| format!("{text}(seed {seed:#x}):\n{}", why.join("\n")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_psum_width_beyond_the_widest_wired_one_is_refused_with_the_span() {
    let dir = tempfile::tempdir().unwrap();
    // 6 and 7 exponent bits have no exact-width unit (148 bits here): the span ends at 24.
    let p = dir.path().join("f.toml");
    std::fs::write(&p, "name = \"fp17\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"fp\"\nexp_bits = 6\nman_bits = 10\nbias = 31\nspecials = \"finite\"\n").unwrap();
    let f = load_toml(&p).unwrap();
    let e = plan_at(&f, 4, 0, PsumWidth::Exact).unwrap_err().to_string();
    assert!(
        e.contains(
            "psum width 148 for fp17 is not built into this hwcost: its units take 22 to 24 bits"
        ),
        "{e}"
    );
    // FP8-scaled units are wired at the default width only: wider ones are refused by span.
    let nvfp4 = hwcost::format::spec::lookup_in("nvfp4", &[]).unwrap();
    let e = plan_at(&nvfp4, 4, 0, PsumWidth::Bits(11))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "psum width 11 for nvfp4 is not built into this hwcost: its units take 4 to 10 bits"
        ),
        "{e}"
    );
}

/// Run hwcost in `dir`; its stdout, or a panic with its stderr.
fn run(dir: &Path, args: &[&str]) -> String {
    let out = common::hwcost()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hwcost {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_cli_runs_end_to_end_on_a_user_format() {
    // A project directory with one user format (INT5 in blocks of 16).
    let dir = tempfile::tempdir().unwrap();
    let formats = dir.path().join("models/formats");
    std::fs::create_dir_all(&formats).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/formats/mxint5_b16.toml");
    std::fs::copy(&src, formats.join("mxint5_b16.toml")).unwrap();
    let d = dir.path();

    let listed: serde_json::Value = serde_json::from_str(&run(d, &["formats", "--json"])).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "mxint5_b16"),
        "formats --json lists the user format: {listed}"
    );

    run(
        d,
        &["rtl", "mxint5_b16", "--lanes", "4", "-o", "rtl", "--quiet"],
    );
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("rtl/mxint5_b16_mac_k4_n10_p0_array_csa.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["format"]["name"], "mxint5_b16", "{meta}");

    run(
        d,
        &[
            "verify",
            "mxint5_b16",
            "--lanes",
            "4",
            "--backend",
            "rusthdl",
            "--vectors",
            "500",
            "--seed",
            "1",
            "--quiet",
        ],
    );

    let cost: serde_json::Value =
        serde_json::from_str(&run(d, &["cost", "mxint5_b16", "--lanes", "4", "--json"])).unwrap();
    assert!(cost["total"]["area_um2"].as_f64().unwrap() > 0.0, "{cost}");

    let cmp: serde_json::Value = serde_json::from_str(&run(
        d,
        &["compare", "mxint5_b16", "mxint4", "--format", "json"],
    ))
    .unwrap();
    assert!(cmp.to_string().contains("mxint5_b16"), "{cmp}");

    run(
        d,
        &[
            "sweep",
            "--formats",
            "mxint5_b16",
            "mxint4",
            "-o",
            "sweep.csv",
            "--quiet",
        ],
    );
    let csv = std::fs::read_to_string(d.join("sweep.csv")).unwrap();
    assert!(
        csv.lines().skip(1).any(|l| l.starts_with("mxint5_b16,")),
        "sweep.csv has the user format's rows:\n{csv}"
    );

    run(
        d,
        &[
            "plot",
            "area-breakdown",
            "mxint5_b16",
            "mxint4",
            "-o",
            "cost.svg",
            "--quiet",
        ],
    );
    assert!(std::fs::metadata(d.join("cost.svg")).unwrap().len() > 1000);

    if common::require_flow() {
        let synth: serde_json::Value = serde_json::from_str(&run(
            d,
            &[
                "synth",
                "mxint5_b16",
                "--lanes",
                "4",
                "--json",
                "--quiet",
                "--cache-dir",
                "cache",
            ],
        ))
        .unwrap();
        assert!(synth.to_string().contains("mxint5_b16"), "{synth}");

        // A format without a scale synthesizes as the UE8M0 unit with its scale inputs tied to
        // 2^0: flattened, the constant folds away the scale logic, so it is smaller than its
        // UE8M0 twin (MXFP8: the same E4M3 elements, blocks and lanes), and both netlists pass
        // the gate-level simulation against emulate.
        let src =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models/formats/fp8_e4m3_noscale.toml");
        std::fs::copy(&src, formats.join("fp8_e4m3_noscale.toml")).unwrap();
        let flat = |name: &str| -> f64 {
            let r: serde_json::Value = serde_json::from_str(&run(
                d,
                &[
                    "synth",
                    name,
                    "--lanes",
                    "1",
                    "--json",
                    "--quiet",
                    "--cache-dir",
                    "cache",
                ],
            ))
            .unwrap();
            assert!(r["checked_cycles"].as_u64().unwrap() > 0, "{r}");
            r["flat"]["area_um2"].as_f64().unwrap()
        };
        let (unscaled, twin) = (flat("fp8_e4m3_noscale"), flat("mxfp8"));
        assert!(
            unscaled < twin,
            "flattened area without a scale {unscaled} um^2, with UE8M0 scales {twin} um^2"
        );
    }
}
