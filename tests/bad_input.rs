//! Bad input never harms: the built `hwcost` binary run as a careless or hostile user would
//! run it. Each test is named after the defect it guards against; every one asserts that
//! hwcost refuses with a clear message (never a panic, exit code 101), writes no half file,
//! leaves no staged `.hwcost-*` file and never replaces a device node or a FIFO.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

/// A small float32 tensor, written as `.npy` into `dir`.
fn good_npy(dir: &Path) -> PathBuf {
    let data: Vec<f32> = (0..64).map(|i| (i as f32 - 31.5) / 7.0).collect();
    let path = dir.join("in.npy");
    std::fs::write(
        &path,
        hwcost::format::npy::to_bytes(&[2, 32], &data).unwrap(),
    )
    .unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    common::hwcost().args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The names in `dir` that are staged temporary files.
fn temps_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".hwcost-"))
        .collect()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success(), "mkfifo {}", path.display());
}

/// Item 1: `quantize -o /dev/null` turned /dev/null into a regular file (as root), and FIFOs
/// were replaced the same way. Now they are written through and stay what they were.
#[cfg(unix)]
#[test]
fn writes_replace_device_nodes_and_fifos() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let input = good_npy(dir.path());
    let input = input.to_str().unwrap();

    let out = run(&["quantize", "mxint8", input, "-o", "/dev/null"]);
    assert!(out.status.success(), "{}", text(&out));
    let kind = std::fs::symlink_metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null was replaced");

    if Path::new("/dev/full").exists() {
        let out = run(&["quantize", "mxint8", input, "-o", "/dev/full"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("/dev/full"));
        let kind = std::fs::symlink_metadata("/dev/full").unwrap().file_type();
        assert!(kind.is_char_device(), "/dev/full was replaced");
    }

    // A FIFO with a reader: the reader gets the whole .npy, the FIFO stays a FIFO.
    let fifo = dir.path().join("out.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = run(&["quantize", "mxint8", input, "-o", fifo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let got = reader.join().unwrap();
    let arr = hwcost::format::npy::parse_f32(&got, &fifo).unwrap();
    assert_eq!(arr.shape, vec![2, 32]);
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");
    assert!(temps_in(dir.path()).is_empty());
}

/// Item 6: SIGINT/SIGTERM left the staged `.hwcost-*` files beside the output. The run is
/// held at a deterministic point: the output is a FIFO nobody reads, so hwcost blocks opening
/// it while the packed codes sit staged beside their target; then it gets SIGTERM.
#[cfg(unix)]
#[test]
fn ctrl_c_or_sigterm_leaks_hidden_temp_files() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let tmpdir = tempfile::tempdir().unwrap();
    let input = good_npy(dir.path());
    let fifo = dir.path().join("blocked.fifo");
    mkfifo(&fifo);
    let packed = dir.path().join("codes.bin");
    let mut child = common::hwcost()
        .args(["quantize", "mxint8"])
        .arg(&input)
        .arg("-o")
        .arg(&fifo)
        .arg("--packed")
        .arg(&packed)
        .env("TMPDIR", tmpdir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) for the staged packed file to appear.
    let mut seen = false;
    for _ in 0..2000 {
        if !temps_in(dir.path()).is_empty() {
            seen = true;
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("hwcost ended before blocking on the FIFO: {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    if !seen {
        let _ = child.kill();
        panic!("no staged .hwcost-* file appeared within 20 s");
    }
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "not ended by SIGTERM: {status}");
    assert!(
        temps_in(dir.path()).is_empty(),
        "left behind: {:?}",
        temps_in(dir.path())
    );
    assert!(
        temps_in(tmpdir.path()).is_empty(),
        "left in TMPDIR: {:?}",
        temps_in(tmpdir.path())
    );
    assert!(!packed.exists(), "the packed output was committed");
}

/// Item 7: `quantize -o` and `--packed` outputs were created mode 0600, unlike every other
/// writer (0644).
#[cfg(unix)]
#[test]
fn quantize_outputs_are_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = good_npy(dir.path());
    let out_path = dir.path().join("q.npy");
    let packed = dir.path().join("q.bin");
    let out = common::hwcost()
        .args(["quantize", "mxfp8"])
        .arg(&input)
        .arg("-o")
        .arg(&out_path)
        .arg("--packed")
        .arg(&packed)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for p in [&out_path, &packed] {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{} is {mode:o}", p.display());
    }
}

/// Item 8: `--packed` naming the same file as `-o` silently overwrote the output.
#[test]
fn packed_naming_the_same_file_as_o() {
    let dir = tempfile::tempdir().unwrap();
    let input = good_npy(dir.path());
    let out_path = dir.path().join("q.npy");
    let spelled_otherwise = dir.path().join(".").join("q.npy");
    let out = common::hwcost()
        .args(["quantize", "mxfp8"])
        .arg(&input)
        .arg("-o")
        .arg(&out_path)
        .arg("--packed")
        .arg(&spelled_otherwise)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("same file"), "{err}");
    assert!(!out_path.exists(), "something was written");
    assert!(temps_in(dir.path()).is_empty());
}
