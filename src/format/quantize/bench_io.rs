//! `hwcost bench quantize-io`: the `hwcost quantize` command end to end (process start, read,
//! quantize on every core, write) on a 64 M-element float32 `.npy`, beside NumPy's own load +
//! save of the same file, and the command's peak resident memory on a 1 GiB `.npy`. Written
//! to `bench-quantize-io.md` with the machine and the tool versions.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::format::npy;

/// Elements of the throughput file (256 MiB of float32).
pub const THROUGHPUT_ELEMENTS: u64 = 64 << 20;
/// Elements of the memory file (1 GiB of float32).
pub const RSS_ELEMENTS: u64 = 256 << 20;
/// Row length of both files.
const ROW: u64 = 4096;
/// Timed runs per case; the best is reported.
const REPS: usize = 3;

/// What was measured.
#[derive(Clone, Debug)]
pub struct IoBench {
    pub elements: u64,
    pub hwcost_s: f64,
    /// `hwcost quantize --no-fsync` (renamed into place unflushed, as NumPy's save leaves it).
    pub hwcost_no_fsync_s: f64,
    /// NumPy load + save, timed inside Python; None (with why) when NumPy is unavailable.
    pub numpy_s: Result<f64, String>,
    /// NumPy load + save with the output fsync'd before the clock stops.
    pub numpy_durable_s: Option<f64>,
    pub numpy_version: Option<String>,
    pub python: Option<String>,
    pub rss_elements: u64,
    pub rss_mib: f64,
    pub threads: usize,
}

/// Write a float32 `.npy` of `n` values (rows of ROW) from a cheap deterministic generator.
fn write_input(path: &Path, n: u64) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    f.write_all(&npy::header_bytes::<f32>(&[n / ROW, ROW])?)?;
    let mut x = 0x2510_2560_2u64;
    let mut buf = Vec::with_capacity(1 << 16);
    let mut left = n;
    while left > 0 {
        buf.clear();
        for _ in 0..left.min(1 << 14) {
            // xorshift64*, mapped to a symmetric value with a spread of exponents.
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let u = (r >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            let v = u * f32::from_bits(((r & 7) as u32 + 124) << 23);
            buf.extend_from_slice(&v.to_le_bytes());
        }
        f.write_all(&buf)?;
        left -= left.min(1 << 14);
    }
    f.flush()?;
    Ok(())
}

/// The best wall time of `REPS` runs of a command (its status must be success).
fn time_command(mut make: impl FnMut() -> Command) -> anyhow::Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..REPS {
        let t = Instant::now();
        let out = make()
            .output()
            .context("cannot run the benchmark command")?;
        if !out.status.success() {
            bail!(
                "benchmark command failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// A Python with NumPy: `HWCOST_PYTHON`, the project's `.venv`, or `python3`.
fn find_numpy() -> Result<(String, String), String> {
    let mut tried = Vec::new();
    let candidates = std::env::var("HWCOST_PYTHON")
        .ok()
        .into_iter()
        .chain([".venv/bin/python".to_string(), "python3".to_string()]);
    for py in candidates {
        let out = Command::new(&py)
            .args(["-c", "import numpy; print(numpy.__version__)"])
            .output();
        match out {
            Ok(o) if o.status.success() => {
                return Ok((py, String::from_utf8_lossy(&o.stdout).trim().to_string()))
            }
            _ => tried.push(py),
        }
    }
    Err(format!(
        "NumPy not found (tried {}; set HWCOST_PYTHON to a Python with NumPy)",
        tried.join(", ")
    ))
}

/// NumPy's load + save of `input`, timed inside Python (interpreter start not counted): as
/// `np.save` writes, and with the file fsync'd before the clock stops (hwcost's durability).
fn time_numpy(py: &str, input: &Path, out: &Path) -> anyhow::Result<(f64, f64)> {
    let script = "import os, sys, time, numpy as np\n\
                  best = durable = float('inf')\n\
                  for _ in range(int(sys.argv[3])):\n\
                  \x20   t = time.perf_counter(); a = np.load(sys.argv[1]); np.save(sys.argv[2], a); del a\n\
                  \x20   best = min(best, time.perf_counter() - t)\n\
                  \x20   t = time.perf_counter(); a = np.load(sys.argv[1])\n\
                  \x20   with open(sys.argv[2], 'wb') as f:\n\
                  \x20       np.save(f, a); f.flush(); os.fsync(f.fileno())\n\
                  \x20   del a; durable = min(durable, time.perf_counter() - t)\n\
                  print(best, durable)\n";
    let o = Command::new(py)
        .args(["-c", script])
        .arg(input)
        .arg(out)
        .arg(REPS.to_string())
        .output()
        .context("cannot run Python")?;
    if !o.status.success() {
        bail!(
            "NumPy run failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let times: Vec<f64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .context("NumPy run printed no times")?;
    match times[..] {
        [plain, durable] => Ok((plain, durable)),
        _ => bail!("NumPy run printed '{}', expected two times", text.trim()),
    }
}

/// Peak resident set of the children waited for so far, MiB (getrusage).
fn children_max_rss_mib() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    if rc != 0 {
        return f64::NAN;
    }
    ru.ru_maxrss as f64 / 1024.0 // kilobytes on Linux
}

/// Run the benchmark in a scratch directory under `scratch` with files of `n` and `rss_n`
/// elements (the constants for the report).
pub fn measure(scratch: &Path, n: u64, rss_n: u64) -> anyhow::Result<IoBench> {
    let dir = tempfile::tempdir_in(scratch).context("cannot create a scratch directory")?;
    let exe: PathBuf = std::env::current_exe().context("cannot find the hwcost executable")?;
    let hw = |input: &Path, out: &Path| {
        let mut c = Command::new(&exe);
        c.args(["quantize", "mxfp8"]).arg(input).arg("-o").arg(out);
        c
    };
    let hw_no_fsync = |input: &Path, out: &Path| {
        let mut c = hw(input, out);
        c.arg("--no-fsync");
        c
    };
    // Memory first: getrusage reports the largest child so far.
    let big = dir.path().join("big.npy");
    write_input(&big, rss_n)?;
    let o = hw(&big, &dir.path().join("big-q.npy"))
        .output()
        .context("cannot run hwcost")?;
    if !o.status.success() {
        bail!(
            "hwcost failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    let rss_mib = children_max_rss_mib();
    let _ = std::fs::remove_file(&big);
    let _ = std::fs::remove_file(dir.path().join("big-q.npy"));

    let input = dir.path().join("in.npy");
    write_input(&input, n)?;
    let out = dir.path().join("out.npy");
    let hwcost_s = time_command(|| hw(&input, &out))?;
    let hwcost_no_fsync_s = time_command(|| hw_no_fsync(&input, &out))?;
    let (numpy, numpy_version, python) = match find_numpy() {
        Ok((py, v)) => (
            time_numpy(&py, &input, &dir.path().join("np.npy")).map_err(|e| format!("{e:#}")),
            Some(v),
            Some(py),
        ),
        Err(why) => (Err(why), None, None),
    };
    let numpy_durable_s = numpy.as_ref().ok().map(|t| t.1);
    let numpy_s = numpy.map(|t| t.0);
    Ok(IoBench {
        elements: n,
        hwcost_s,
        hwcost_no_fsync_s,
        numpy_s,
        numpy_durable_s,
        numpy_version,
        python,
        rss_elements: rss_n,
        rss_mib,
        threads: rayon::current_num_threads(),
    })
}

/// Measure and write `dir/bench-quantize-io.md` atomically.
pub fn run_bench_quantize_io(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let b = measure(&std::env::temp_dir(), THROUGHPUT_ELEMENTS, RSS_ELEMENTS)?;
    let text = render(&b);
    let out = dir.join("bench-quantize-io.md");
    crate::atomic::write(&out, text.as_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    print!("{text}");
    Ok(())
}

/// Whether the first field of a load average (`/proc/loadavg`'s 1-minute figure) is above
/// `cpus`.
fn loaded(load: &str, cpus: usize) -> bool {
    load.split_whitespace()
        .next()
        .and_then(|l| l.parse::<f64>().ok())
        .is_some_and(|l| l > cpus as f64)
}

/// The Markdown report.
pub fn render(b: &IoBench) -> String {
    let rate = |s: f64| b.elements as f64 / s / 1e6;
    let mut s = String::from("# `hwcost quantize` end to end\n\n");
    s.push_str(&format!(
        "`hwcost quantize mxfp8 IN.npy -o OUT.npy` (default scale rule, RNE) on a {} M-element \
         float32 .npy (rows of {ROW}, {} MiB), process start included, against NumPy's \
         `np.save(OUT, np.load(IN))` on the same file timed inside Python (interpreter start not \
         included); best of {REPS} runs each, the file in the page cache. Peak memory: the \
         largest resident set (getrusage, children) of one `hwcost quantize mxfp8` run on a \
         {} M-element ({} MiB) file. Generated by `hwcost bench quantize-io`.\n\n",
        b.elements >> 20,
        (b.elements * 4) >> 20,
        b.rss_elements >> 20,
        (b.rss_elements * 4) >> 20
    ));
    s.push_str(&format!(
        "- CPU: {} ({} logical CPUs, {} worker threads)\n- load average when measured: {}\n- hwcost: {} build\n- Python: {}\n- NumPy: {}\n\n",
        crate::machine::cpu_model(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        b.threads,
        crate::machine::load_average(),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        b.python.as_deref().unwrap_or("none"),
        b.numpy_version.as_deref().unwrap_or("unavailable"),
    ));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if loaded(&crate::machine::load_average(), cpus) {
        s.push_str(
            "The machine was loaded by other work while this ran (a 1-minute load average above \
             its CPU count): both times are longer than on a quiet machine; the two were \
             measured side by side, in one run, so their ratio is the fairer figure.\n\n",
        );
    }
    s.push_str(
        "hwcost writes durably by default: the output is staged beside its target, its writeback \
         started (Linux sync_file_range) every 8 MiB while the tensor is quantized, fsync'd, then \
         renamed over the target; NumPy's save neither fsyncs nor stages, so its file may still be \
         only in the page cache when it returns. `--no-fsync` still stages and renames (all or \
         nothing while the system runs) but does not flush: NumPy's durability, the like-for-like \
         comparison with `np.save`.\n\n",
    );
    s.push_str("| case | seconds | M elements/s | time vs NumPy |\n|---|---:|---:|---:|\n");
    match &b.numpy_s {
        Ok(np) => {
            s.push_str(&format!(
                "| NumPy load + save | {np:.3} | {:.0} | 1.00x |\n",
                rate(*np)
            ));
            if let Some(d) = b.numpy_durable_s {
                s.push_str(&format!(
                    "| NumPy load + save + fsync | {d:.3} | {:.0} | {:.2}x |\n",
                    rate(d),
                    d / np
                ));
            }
            s.push_str(&format!(
                "| hwcost quantize mxfp8 --no-fsync | {:.3} | {:.0} | {:.2}x |\n",
                b.hwcost_no_fsync_s,
                rate(b.hwcost_no_fsync_s),
                b.hwcost_no_fsync_s / np
            ));
            s.push_str(&format!(
                "| hwcost quantize mxfp8 | {:.3} | {:.0} | {:.2}x |\n",
                b.hwcost_s,
                rate(b.hwcost_s),
                b.hwcost_s / np
            ));
            let like = b.hwcost_no_fsync_s / np;
            s.push_str(&format!(
                "\nLike for like, neither flushing its file: `--no-fsync` against NumPy's load + \
                 save, {like:.2}x ({} the 1.5x target).",
                if like <= 1.5 { "within" } else { "outside" }
            ));
            if let Some(d) = b.numpy_durable_s {
                s.push_str(&format!(
                    " Both durable (NumPy's file fsync'd before the clock stops): {:.2}x.",
                    b.hwcost_s / d
                ));
            }
            s.push('\n');
        }
        Err(why) => {
            s.push_str(&format!(
                "| hwcost quantize mxfp8 --no-fsync | {:.3} | {:.0} | n/a |\n\
                 | hwcost quantize mxfp8 | {:.3} | {:.0} | n/a |\n\nNumPy: {why}.\n",
                b.hwcost_no_fsync_s,
                rate(b.hwcost_no_fsync_s),
                b.hwcost_s,
                rate(b.hwcost_s)
            ));
        }
    }
    s.push_str(&format!(
        "\nPeak resident memory quantizing {} MiB: {:.0} MiB.\n",
        (b.rss_elements * 4) >> 20,
        b.rss_mib
    ));
    s.push_str(
        "\nTargets: within 1.5x of NumPy's load + save (like for like: `--no-fsync`); peak memory \
         under 256 MiB on a 1 GiB file.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_run_measures_and_renders() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        write_input(&p, 2 * ROW).unwrap();
        let a = npy::read_f32(&p).unwrap();
        assert_eq!(a.shape, vec![2, ROW]);
        assert!(a.data.iter().all(|v| v.is_finite()) && a.data.iter().any(|&v| v != 0.0));
        let md = render(&IoBench {
            elements: 1 << 20,
            hwcost_s: 0.5,
            hwcost_no_fsync_s: 0.25,
            numpy_s: Err("NumPy not found".into()),
            numpy_durable_s: None,
            numpy_version: None,
            python: None,
            rss_elements: 1 << 20,
            rss_mib: 12.0,
            threads: 2,
        });
        let with_numpy = render(&IoBench {
            numpy_s: Ok(0.2),
            numpy_durable_s: Some(0.4),
            numpy_version: Some("2.0".into()),
            ..IoBench {
                elements: 1 << 20,
                hwcost_s: 0.5,
                hwcost_no_fsync_s: 0.25,
                numpy_s: Err(String::new()),
                numpy_durable_s: None,
                numpy_version: None,
                python: None,
                rss_elements: 1 << 20,
                rss_mib: 12.0,
                threads: 2,
            }
        });
        for k in [
            "| NumPy load + save | 0.200 |",
            "| NumPy load + save + fsync | 0.400 | 3 | 2.00x |",
            "| hwcost quantize mxfp8 | 0.500 | 2 | 2.50x |",
            "| hwcost quantize mxfp8 --no-fsync | 0.250 | 4 | 1.25x |",
            "`--no-fsync` against NumPy's load + save, 1.25x (within the 1.5x target)",
            "Both durable (NumPy's file fsync'd before the clock stops): 1.25x.",
        ] {
            assert!(with_numpy.contains(k), "{k} missing from\n{with_numpy}");
        }
        assert!(loaded("8.97 8.54 7.20", 2) && !loaded("1.28 1.88 5.04", 2));
        assert!(!loaded("unknown", 2));
        for k in [
            "NumPy not found",
            "sync_file_range",
            "Peak resident memory",
            "CPU:",
            "| hwcost quantize mxfp8 | 0.500 | 2 |",
            "| hwcost quantize mxfp8 --no-fsync | 0.250 | 4 | n/a |",
        ] {
            assert!(md.contains(k), "{k} missing from\n{md}");
        }
    }
}
