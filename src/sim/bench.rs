//! `hwcost bench verify`: blocks/s of each verification backend (rust-hdl, Verilator,
//! Icarus) on 32-lane MXINT8 and MXFP8 units, every output checked against `emulate`,
//! written to `reports/bench-verify.md` with the machine it ran on.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use super::backends::{Backend, BackendKind, Icarus, RustHdl, Verilator, VerilatorBuild};
use super::vectors::{compare, generate, Kind, Stream};
use crate::datapath::UnitParams;
use crate::format::lookup_in;

/// Random blocks per timed run, per backend. Verilator's stream is long enough that
/// process start-up (about a millisecond) is noise; the others are sized to run for seconds.
const BLOCKS: [(BackendKind, usize); 3] = [
    (BackendKind::Rusthdl, 3_000),
    (BackendKind::Verilator, 200_000),
    (BackendKind::Icarus, 1_500),
];
/// Timed runs per case; the best is reported (the least disturbed by other load).
const REPS: [(BackendKind, usize); 3] = [
    (BackendKind::Rusthdl, 2),
    (BackendKind::Verilator, 7),
    (BackendKind::Icarus, 2),
];
/// The formats measured, at their default unit (32 lanes, default psum width, no pipeline).
const FORMATS: [&str; 2] = ["mxint8", "mxfp8"];
const SEED: u64 = 0xbe9c_0001;

/// One measured backend on one unit.
#[derive(Clone, Debug)]
pub struct BenchRow {
    pub unit: String,
    pub kind: BackendKind,
    pub blocks: usize,
    pub build_s: f64,
    /// Best wall-clock seconds of one run: encoding, simulation, decoding.
    pub best_s: f64,
    /// CPU seconds of the simulator process per run (Verilator, Icarus), from the
    /// children's times the kernel accounts to this process; None for rust-hdl (in process).
    pub child_cpu_s: Option<f64>,
}

impl BenchRow {
    pub fn blocks_per_s(&self) -> f64 {
        self.blocks as f64 / self.best_s
    }
}

/// CPU seconds (user + system) of this process's waited-for children, from
/// /proc/self/stat; None where there is no procfs.
fn children_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(13)?.parse::<f64>().ok()? + f.get(14)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux ABI this runs on.
    Some(ticks / 100.0)
}

/// Run `stream` `reps` times on `backend`, failing on any mismatch; (best wall seconds,
/// child CPU seconds per run).
fn time_runs(
    backend: &mut dyn Backend,
    stream: &Stream,
    reps: usize,
) -> anyhow::Result<(f64, Option<f64>)> {
    let mut best = f64::INFINITY;
    let cpu0 = children_cpu_s();
    for _ in 0..reps {
        let t = Instant::now();
        let got = backend.run(&stream.cycles)?;
        best = best.min(t.elapsed().as_secs_f64());
        let m = compare(&stream.expected, &got);
        if let Some(first) = m.first() {
            anyhow::bail!(
                "{} disagrees with emulate on {} (seed {:#x}): {first}",
                backend.kind().name(),
                stream.name,
                stream.seed
            );
        }
    }
    let cpu = match (cpu0, children_cpu_s()) {
        (Some(a), Some(b)) if backend.kind() != BackendKind::Rusthdl => Some((b - a) / reps as f64),
        _ => None,
    };
    Ok((best, cpu))
}

/// Measure every backend on every format (`scale` multiplies the block counts; 1.0 for the
/// report).
pub fn measure(scale: f64) -> anyhow::Result<Vec<BenchRow>> {
    let dir = tempfile::Builder::new()
        .prefix("hwcost-bench-verify-")
        .tempdir()?;
    let mut rows = Vec::new();
    for name in FORMATS {
        let fmt = lookup_in(name, &[])?;
        let p = UnitParams::defaults(&fmt)?;
        for (kind, blocks) in BLOCKS {
            let blocks = ((blocks as f64 * scale) as usize).max(10);
            let reps = REPS.iter().find(|r| r.0 == kind).map_or(1, |r| r.1);
            let stream = generate(&fmt, &p, Kind::Random, SEED, blocks)?;
            let start = Instant::now();
            let mut backend: Box<dyn Backend> = match kind {
                BackendKind::Rusthdl => Box::new(RustHdl::new(&fmt, &p)?),
                // The fastest model: g++ -O3 (the CI tests build at -O1 to compile sooner).
                BackendKind::Verilator => Box::new(
                    Verilator::cached(
                        &fmt,
                        &p,
                        dir.path(),
                        &VerilatorBuild {
                            cxx_opt: 3,
                            jobs: 2,
                        },
                    )?
                    .0,
                ),
                BackendKind::Icarus => Box::new(Icarus::new(&fmt, &p, dir.path())?),
            };
            let build_s = start.elapsed().as_secs_f64();
            // One untimed run first: page cache, binary loading.
            let warm = generate(&fmt, &p, Kind::Random, SEED + 1, 10)?;
            time_runs(backend.as_mut(), &warm, 1)?;
            let (best_s, child_cpu_s) = time_runs(backend.as_mut(), &stream, reps)?;
            let unit = crate::rtl::UnitPlan::new(&fmt, &super::backends::rtl_params(&p))?.name;
            rows.push(BenchRow {
                unit,
                kind,
                blocks,
                build_s,
                best_s,
                child_cpu_s,
            });
        }
    }
    Ok(rows)
}

/// Measure and write `out_dir/bench-verify.md` atomically.
pub fn run_bench_verify(out_dir: &Path) -> anyhow::Result<()> {
    let load_before = crate::machine::load_average();
    let rows = measure(1.0)?;
    let text = render(&rows, &load_before, &crate::machine::load_average());
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let out = out_dir.join("bench-verify.md");
    crate::atomic::write(&out, text.as_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    print!("{text}");
    Ok(())
}

/// The Markdown report.
pub fn render(rows: &[BenchRow], load_before: &str, load_after: &str) -> String {
    let mut s = String::new();
    s.push_str("# Verification backend throughput\n\n");
    s.push_str(
        "Blocks per second of each backend running a random vector stream (every special code, \
         random scales and acc_clear) through the default unit of each format, 32 lanes. A run \
         is the whole backend path: packing the input records, the simulator, reading and \
         decoding the outputs; every output is then compared with `emulate` bit for bit \
         (a mismatch aborts the benchmark). Best of several runs after a warm-up run. \
         Generated by `hwcost bench verify`.\n\n",
    );
    let _ = writeln!(
        s,
        "- CPU: {} ({} logical CPUs)",
        crate::machine::cpu_model(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let _ = writeln!(
        s,
        "- load average before / after: {load_before} / {load_after}"
    );
    let _ = writeln!(s, "- verilator: {}", tool_version("verilator", "--version"));
    let _ = writeln!(s, "- iverilog: {}", tool_version("iverilog", "-V"));
    let _ = writeln!(
        s,
        "- build: {}",
        if cfg!(debug_assertions) {
            "debug (not representative; use --release)"
        } else {
            "release"
        }
    );
    s.push_str("- Verilator model: verilator -O3, g++ -O3, the generated C++ harness (4096-record batched reads and writes)\n\n");
    s.push_str("| unit | backend | blocks per run | build s | best run s | blocks/s (wall) | blocks/s (simulator CPU) |\n");
    s.push_str("|---|---|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let cpu = r
            .child_cpu_s
            .filter(|&c| c > 0.0)
            .map_or("-".to_string(), |c| format!("{:.0}", r.blocks as f64 / c));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.1} | {:.3} | {:.0} | {} |",
            r.unit,
            r.kind.name(),
            r.blocks,
            r.build_s,
            r.best_s,
            r.blocks_per_s(),
            cpu
        );
    }
    s.push_str(
        "\nThe wall-clock rate includes the Rust side (record packing in a writer thread, output \
         decoding) and suffers from other load on the machine; the simulator-CPU rate is the \
         simulator process's own CPU time per run (Verilator and Icarus), what one free core \
         would sustain. rust-hdl runs in process, so only its wall-clock rate is shown.\n\
         \nTarget: at least 1,000,000 blocks/s on Verilator for mxint8 at k = 32.\n",
    );
    s
}

fn tool_version(tool: &str, flag: &str) -> String {
    std::process::Command::new(tool)
        .arg(flag)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "not installed".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_lists_every_row_with_its_rates() {
        let row = |unit: &str, kind, blocks, best_s, cpu| BenchRow {
            unit: unit.into(),
            kind,
            blocks,
            build_s: 9.5,
            best_s,
            child_cpu_s: cpu,
        };
        let rows = [
            row(
                "mxint8_mac_k32_n16_p0",
                BackendKind::Verilator,
                200_000,
                0.125,
                Some(0.08),
            ),
            row(
                "mxint8_mac_k32_n16_p0",
                BackendKind::Rusthdl,
                3_000,
                1.5,
                None,
            ),
        ];
        assert_eq!(rows[0].blocks_per_s(), 1_600_000.0);
        let text = render(&rows, "1 2 3", "4 5 6");
        for needle in [
            "| mxint8_mac_k32_n16_p0 | verilator | 200000 | 9.5 | 0.125 | 1600000 | 2500000 |",
            "| mxint8_mac_k32_n16_p0 | rusthdl | 3000 | 9.5 | 1.500 | 2000 | - |",
            "load average before / after: 1 2 3 / 4 5 6",
        ] {
            assert!(text.contains(needle), "{needle}:\n{text}");
        }
    }

    #[test]
    fn children_cpu_time_is_read_and_never_decreases() {
        let before = children_cpu_s().expect("Linux has /proc/self/stat");
        std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        let after = children_cpu_s().unwrap();
        assert!(after >= before && before >= 0.0, "{before} -> {after}");
    }
}
