//! The three ways to run a generated MAC unit on vector streams: its rust-hdl model stepped
//! directly, Verilator on the emitted Verilog with its C++ harness, and Icarus Verilog with
//! a testbench speaking the same binary record protocol; and the comparison with `emulate`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::vectors::{
    compare, decode_outputs, encode_inputs, Cycle, Mismatch, Output, Stream, VectorError,
};
use crate::datapath::UnitParams;
use crate::format::BlockFormat;
use crate::rtl::{self, PsumWidth, RtlError, UnitPlan, UnitSim};

/// Failures to build or run a backend (not mismatches: those are data, see [`check`]).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("`{tool}` is not installed: install it with `apt-get install {package}`")]
    ToolMissing {
        tool: &'static str,
        package: &'static str,
    },
    #[error("{what} failed ({status}):\n{stderr}")]
    ToolFailed {
        what: String,
        status: String,
        stderr: String,
    },
    #[error(transparent)]
    Rtl(#[from] RtlError),
    #[error(transparent)]
    Vectors(#[from] VectorError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Which simulator runs the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendKind {
    /// The rust-hdl model, stepped in process.
    Rusthdl,
    /// Verilator, built from the emitted Verilog and C++ harness.
    Verilator,
    /// Icarus Verilog (iverilog + vvp) with a generated testbench.
    Icarus,
}

impl BackendKind {
    pub const ALL: [BackendKind; 3] = [
        BackendKind::Rusthdl,
        BackendKind::Verilator,
        BackendKind::Icarus,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            BackendKind::Rusthdl => "rusthdl",
            BackendKind::Verilator => "verilator",
            BackendKind::Icarus => "icarus",
        }
    }
}

/// A unit ready to run: one output record per input cycle.
pub trait Backend {
    fn kind(&self) -> BackendKind;
    fn run(&mut self, cycles: &[Cycle]) -> Result<Vec<Output>, SimError>;
}

/// The generator's parameters for the unit `p` describes (INT units use their exact width
/// whatever n says, as the generator does).
pub fn rtl_params(p: &UnitParams) -> rtl::UnitParams {
    rtl::UnitParams {
        lanes: Some(p.lanes),
        psum_width: PsumWidth::Bits(p.psum_width),
        pipeline: p.pipeline as usize,
        arch: p.arch,
    }
}

/// Build the unit for `kind`; Verilator and Icarus work in `dir` (created if missing),
/// Verilator with the default [`VerilatorBuild`] and its build cache in `dir`.
pub fn build(
    kind: BackendKind,
    fmt: &BlockFormat,
    p: &UnitParams,
    dir: &Path,
) -> Result<Box<dyn Backend>, SimError> {
    build_with(kind, fmt, p, dir, &VerilatorBuild::default())
}

/// [`build`] with explicit Verilator build options.
pub fn build_with(
    kind: BackendKind,
    fmt: &BlockFormat,
    p: &UnitParams,
    dir: &Path,
    options: &VerilatorBuild,
) -> Result<Box<dyn Backend>, SimError> {
    Ok(match kind {
        BackendKind::Rusthdl => Box::new(RustHdl::new(fmt, p)?),
        BackendKind::Verilator => Box::new(Verilator::cached(fmt, p, dir, options)?.0),
        BackendKind::Icarus => Box::new(Icarus::new(fmt, p, dir)?),
    })
}

/// Run `stream` on `backend` and return every cycle where it differs from `emulate`.
pub fn check(backend: &mut dyn Backend, stream: &Stream) -> Result<Vec<Mismatch>, SimError> {
    let got = backend.run(&stream.cycles)?;
    Ok(compare(&stream.expected, &got))
}

/// The rust-hdl model of the unit, stepped one cycle per input record.
pub struct RustHdl {
    sim: UnitSim,
}

impl RustHdl {
    pub fn new(fmt: &BlockFormat, p: &UnitParams) -> Result<Self, SimError> {
        Ok(RustHdl {
            sim: UnitSim::new(fmt, &rtl_params(p))?,
        })
    }

    /// Mutation testing: see [`UnitSim::corrupt_multiplier`].
    #[doc(hidden)]
    pub fn corrupt_multiplier(&mut self) {
        self.sim.corrupt_multiplier();
    }
}

impl Backend for RustHdl {
    fn kind(&self) -> BackendKind {
        BackendKind::Rusthdl
    }

    fn run(&mut self, cycles: &[Cycle]) -> Result<Vec<Output>, SimError> {
        cycles
            .iter()
            .map(|c| {
                let (out_valid, acc) = self.sim.step(
                    c.rst,
                    c.in_valid,
                    c.acc_clear,
                    &c.a,
                    &c.b,
                    c.a_scale,
                    c.b_scale,
                )?;
                Ok(Output { out_valid, acc })
            })
            .collect()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Run a tool to completion in `dir`, failing with its stderr (and stdout, where compilers
/// report) when it exits non-zero. A tool that cannot be started is reported as missing.
pub(crate) fn run_tool(
    tool: &'static str,
    package: &'static str,
    args: &[&str],
    dir: &Path,
) -> Result<(), SimError> {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SimError::ToolMissing { tool, package },
            _ => SimError::Io {
                path: PathBuf::from(tool),
                source: e,
            },
        })?;
    if !out.status.success() {
        let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
        text += &String::from_utf8_lossy(&out.stdout);
        return Err(SimError::ToolFailed {
            what: format!("{tool} {}", args.join(" ")),
            status: out.status.to_string(),
            stderr: tail(&text, 4000),
        });
    }
    Ok(())
}

pub(crate) fn tail(s: &str, n: usize) -> String {
    let start = s.len().saturating_sub(n);
    let start = (start..=s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(s.len());
    s[start..].to_string()
}

/// Emit the unit's files into `dir` and return its plan (name, widths).
fn emit(fmt: &BlockFormat, p: &UnitParams, dir: &Path) -> Result<UnitPlan, SimError> {
    let params = rtl_params(p);
    rtl::emit_unit(fmt, &params, dir, None)?;
    Ok(UnitPlan::new(fmt, &params)?)
}

/// How Verilator builds a unit. Verilator's own optimizer always runs at -O3; `cxx_opt` is
/// the g++ level of the generated model and harness (Verilator's default is -Os). Measured
/// here on a 32-lane MXFP8 unit: -O1 compiles in about 6 s of CPU and simulates within 5%
/// of -O3 (8 s); -O0 compiles in 5 s but simulates 3x slower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerilatorBuild {
    /// g++ optimization level, 0 to 3.
    pub cxx_opt: u8,
    /// Parallel compile jobs (`--build-jobs`).
    pub jobs: usize,
}

impl Default for VerilatorBuild {
    fn default() -> Self {
        VerilatorBuild {
            cxx_opt: 2,
            jobs: 2,
        }
    }
}

impl VerilatorBuild {
    /// The verilator arguments that build `name` (sources in the current directory).
    fn args(&self, name: &str) -> Vec<String> {
        let opt = format!("-O{}", self.cxx_opt.min(3));
        #[rustfmt::skip]
        let mut args: Vec<String> = [
            "--cc", "--exe", "--build", "-O3", "--x-assign", "fast", "--x-initial", "fast", "-Wno-fatal",
        ].map(String::from).into();
        // One make variable per -MAKEFLAGS: Verilator passes each as a single argument.
        for var in ["OPT_FAST", "OPT_SLOW", "OPT_GLOBAL"] {
            args.extend(["-MAKEFLAGS".into(), format!("{var}={opt}")]);
        }
        args.extend(["--build-jobs".into(), self.jobs.max(1).to_string()]);
        args.extend([
            "--top-module".into(),
            name.into(),
            "-o".into(),
            format!("{name}_sim"),
        ]);
        args.extend([format!("{name}.v"), format!("{name}_harness.cpp")]);
        args
    }
}

/// Whether a backend was built or found in the build cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Built {
    Fresh,
    Cached,
}

/// The first line of `verilator --version`, part of the build cache key.
fn verilator_version() -> Result<String, SimError> {
    let out = Command::new("verilator")
        .arg("--version")
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SimError::ToolMissing {
                tool: "verilator",
                package: "verilator",
            },
            _ => SimError::Io {
                path: PathBuf::from("verilator"),
                source: e,
            },
        })?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// The unit built by Verilator with the generator's C++ harness (stdin/stdout records).
pub struct Verilator {
    fmt: BlockFormat,
    p: UnitParams,
    exe: PathBuf,
}

impl Verilator {
    /// Emit the unit into `dir` and build it there with the default options (no cache).
    pub fn new(fmt: &BlockFormat, p: &UnitParams, dir: &Path) -> Result<Self, SimError> {
        let plan = emit(fmt, p, dir)?;
        Self::from_dir(fmt, p, dir, &plan.name)
    }

    /// Build the unit in the cache directory `cache` (created if missing), or reuse the
    /// binary an earlier build left there. Entries are `<name>-<key>/` where the key hashes
    /// the Verilog, the harness, the Verilator version and the build options, so a changed
    /// generator never reuses a stale binary. An entry appears by an atomic rename of a
    /// finished build, so concurrent builders of the same unit never see half of one.
    pub fn cached(
        fmt: &BlockFormat,
        p: &UnitParams,
        cache: &Path,
        options: &VerilatorBuild,
    ) -> Result<(Self, Built), SimError> {
        use sha2::{Digest, Sha256};
        let g = rtl::generate(fmt, &rtl_params(p), None)?;
        let name = &g.plan.name;
        let mut h = Sha256::new();
        for part in [
            g.verilog.as_str(),
            g.harness.as_str(),
            &verilator_version()?,
            &options.args(name).join(" "),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let key: String = h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let entry = cache.join(format!("{name}-{key}"));
        let exe = entry.join(format!("{name}_sim"));
        let unit = |exe| Verilator {
            fmt: fmt.clone(),
            p: *p,
            exe,
        };
        if exe.is_file() {
            return Ok((unit(exe), Built::Cached));
        }
        std::fs::create_dir_all(cache).map_err(io_err(cache))?;
        let tmp = tempfile::Builder::new()
            .prefix(".build-")
            .tempdir_in(cache)
            .map_err(io_err(cache))?;
        for (file, text) in [
            (format!("{name}.v"), &g.verilog),
            (format!("{name}_harness.cpp"), &g.harness),
        ] {
            let path = tmp.path().join(file);
            std::fs::write(&path, text).map_err(io_err(&path))?;
        }
        let args = options.args(name);
        run_tool(
            "verilator",
            "verilator",
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            tmp.path(),
        )?;
        // Keep the sources and the binary; the object files are only build state.
        let built = tmp.path().join("obj_dir");
        let moved = tmp.path().join(format!("{name}_sim"));
        std::fs::rename(built.join(format!("{name}_sim")), &moved).map_err(io_err(&moved))?;
        std::fs::remove_dir_all(&built).map_err(io_err(&built))?;
        let tmp = tmp.keep();
        if let Err(e) = std::fs::rename(&tmp, &entry) {
            // Another builder finished the same entry first: use theirs.
            let _ = std::fs::remove_dir_all(&tmp);
            if !exe.is_file() {
                return Err(SimError::Io {
                    path: entry,
                    source: e,
                });
            }
        }
        Ok((unit(exe), Built::Fresh))
    }

    /// Build `dir/<name>.v` with `dir/<name>_harness.cpp` as they are (a test may have
    /// edited them), with the default options.
    pub fn from_dir(
        fmt: &BlockFormat,
        p: &UnitParams,
        dir: &Path,
        name: &str,
    ) -> Result<Self, SimError> {
        let args = VerilatorBuild::default().args(name);
        run_tool(
            "verilator",
            "verilator",
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            dir,
        )?;
        Ok(Verilator {
            fmt: fmt.clone(),
            p: *p,
            exe: dir.join("obj_dir").join(format!("{name}_sim")),
        })
    }
}

impl Backend for Verilator {
    fn kind(&self) -> BackendKind {
        BackendKind::Verilator
    }

    fn run(&mut self, cycles: &[Cycle]) -> Result<Vec<Output>, SimError> {
        let input = encode_inputs(&self.fmt, &self.p, cycles);
        let mut child = Command::new(&self.exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io_err(&self.exe))?;
        // Feed stdin from a thread: the harness writes while it reads, and pipes are finite.
        let mut stdin = child.stdin.take().expect("stdin was piped");
        let feeder = std::thread::spawn(move || stdin.write_all(&input));
        let mut bytes = Vec::new();
        child
            .stdout
            .take()
            .expect("stdout was piped")
            .read_to_end(&mut bytes)
            .map_err(io_err(&self.exe))?;
        let out = child.wait_with_output().map_err(io_err(&self.exe))?;
        let fed = feeder.join().expect("the stdin writer does not panic");
        if !out.status.success() {
            return Err(SimError::ToolFailed {
                what: self.exe.display().to_string(),
                status: out.status.to_string(),
                stderr: tail(&String::from_utf8_lossy(&out.stderr), 4000),
            });
        }
        fed.map_err(io_err(&self.exe))?;
        Ok(decode_outputs(&bytes)?)
    }
}

/// The unit under Icarus Verilog: a generated testbench reads input records from the file
/// `+in=FILE` and writes output records to `+out=FILE`.
pub struct Icarus {
    fmt: BlockFormat,
    p: UnitParams,
    dir: PathBuf,
    vvp: PathBuf,
}

impl Icarus {
    /// Emit the unit into `dir`, write its testbench and compile both.
    pub fn new(fmt: &BlockFormat, p: &UnitParams, dir: &Path) -> Result<Self, SimError> {
        let plan = emit(fmt, p, dir)?;
        Self::from_dir(fmt, p, dir, &plan.name)
    }

    /// Compile `dir/<name>.v` as it is with a fresh testbench.
    pub fn from_dir(
        fmt: &BlockFormat,
        p: &UnitParams,
        dir: &Path,
        name: &str,
    ) -> Result<Self, SimError> {
        let tb = dir.join(format!("{name}_tb.v"));
        let kw = p.lanes * fmt.elem.bits() as usize;
        let scale_ports = fmt.scale != crate::format::ScaleFormat::Unscaled;
        std::fs::write(&tb, icarus_testbench(name, kw, scale_ports)).map_err(io_err(&tb))?;
        let vvp = format!("{name}_tb.vvp");
        let (v, tbv) = (format!("{name}.v"), format!("{name}_tb.v"));
        run_tool(
            "iverilog",
            "iverilog",
            &["-g2005", "-o", &vvp, "-s", &format!("{name}_tb"), &v, &tbv],
            dir,
        )?;
        Ok(Icarus {
            fmt: fmt.clone(),
            p: *p,
            dir: dir.to_path_buf(),
            vvp: dir.join(vvp),
        })
    }
}

impl Backend for Icarus {
    fn kind(&self) -> BackendKind {
        BackendKind::Icarus
    }

    fn run(&mut self, cycles: &[Cycle]) -> Result<Vec<Output>, SimError> {
        let files = tempfile::Builder::new()
            .prefix("run")
            .tempdir_in(&self.dir)
            .map_err(io_err(&self.dir))?;
        let (inp, outp) = (files.path().join("in.bin"), files.path().join("out.bin"));
        std::fs::write(&inp, encode_inputs(&self.fmt, &self.p, cycles)).map_err(io_err(&inp))?;
        let vvp = self.vvp.to_string_lossy().into_owned();
        let plus_in = format!("+in={}", inp.display());
        let plus_out = format!("+out={}", outp.display());
        run_tool(
            "vvp",
            "iverilog",
            &["-n", &vvp, &plus_in, &plus_out],
            files.path(),
        )?;
        let bytes = std::fs::read(&outp).map_err(io_err(&outp))?;
        Ok(decode_outputs(&bytes)?)
    }
}

/// A Verilog-2005 testbench for unit `name` with K*W = `kw` bit operands, speaking the
/// record protocol of rtl/NOTES.md through files: per record the inputs are applied with
/// clk low, clk rises, and out_valid and acc after the edge are written.
pub fn icarus_testbench(name: &str, kw: usize, scale_ports: bool) -> String {
    let ab = kw.div_ceil(8);
    // A unit without scale ports: the record's two scale bytes are read and not applied.
    let scale_conn = if scale_ports {
        "\n        .a_scale(a_scale), .b_scale(b_scale),"
    } else {
        ""
    };
    format!(
        r#"// Icarus testbench for {name} (hwcost sim::backends): binary records as in rtl/NOTES.md.
// Run: vvp {name}_tb.vvp +in=IN.bin +out=OUT.bin
`timescale 1ns/1ns
module {name}_tb;
    localparam KW = {kw};
    localparam AB = {ab};
    reg clk = 1'b0;
    reg rst = 1'b0;
    reg in_valid = 1'b0;
    reg acc_clear = 1'b0;
    reg [KW-1:0] a = {{KW{{1'b0}}}};
    reg [KW-1:0] b = {{KW{{1'b0}}}};
    reg [7:0] a_scale = 8'd0;
    reg [7:0] b_scale = 8'd0;
    wire out_valid;
    wire [31:0] acc;
    reg [AB*8-1:0] abuf;
    reg [AB*8-1:0] bbuf;
    reg [8*1024-1:0] in_path;
    reg [8*1024-1:0] out_path;
    integer fin, fout, c, i;

    {name} dut(.clk(clk), .rst(rst), .in_valid(in_valid), .acc_clear(acc_clear), .a(a), .b(b),{scale_conn}
        .out_valid(out_valid), .acc(acc));

    initial begin
        if (!$value$plusargs("in=%s", in_path) || !$value$plusargs("out=%s", out_path)) begin
            $display("usage: vvp {name}_tb.vvp +in=IN.bin +out=OUT.bin");
            $finish;
        end
        fin = $fopen(in_path, "rb");
        fout = $fopen(out_path, "wb");
        if (fin == 0 || fout == 0) begin
            $display("{name}_tb: cannot open the record files");
            $finish;
        end
        c = $fgetc(fin);
        while (c != -1) begin
            rst = c[0];
            in_valid = c[1];
            acc_clear = c[2];
            for (i = 0; i < AB; i = i + 1) abuf[i*8 +: 8] = $fgetc(fin);
            for (i = 0; i < AB; i = i + 1) bbuf[i*8 +: 8] = $fgetc(fin);
            a = abuf[KW-1:0];
            b = bbuf[KW-1:0];
            a_scale = $fgetc(fin);
            b_scale = $fgetc(fin);
            #1 clk = 1'b1;
            #1 $fwrite(fout, "%c%c%c%c%c", {{7'd0, out_valid}}, acc[7:0], acc[15:8], acc[23:16], acc[31:24]);
            clk = 1'b0;
            c = $fgetc(fin);
        end
        $fclose(fout);
        $finish;
    end
endmodule
"#
    )
}
