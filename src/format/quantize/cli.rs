//! `hwcost quantize`: read a float32 `.npy` (a file or stdin), quantize it along one axis
//! (optionally Hadamard-rotated), write the dequantized `.npy` (a file or stdout) and,
//! optionally, the element codes, the scale codes and the packed encoding; print the QSNR.
//! The work streams in pieces on every core ([`super::stream`]).

use std::path::PathBuf;

use super::hadamard::Hadamard;
use super::stream::{quantize_stream, Chunking, Input, Outputs};
use super::{QuantOptions, Rounding, ScaleRule};

/// Rotations applied before quantization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Rotate {
    /// Block-diagonal random Hadamard of the block size (seeded by --seed).
    Hadamard,
}

/// Largest `--chunk-mib` accepted (64 GiB in flight).
pub const MAX_CHUNK_MIB: usize = 1 << 16;

/// Arguments of `hwcost quantize`.
#[derive(Clone, Debug, clap::Args)]
pub struct QuantizeArgs {
    /// Block format (e.g. mxfp8, mxint8, nvfp4; `hwcost formats` lists them).
    #[arg(value_name = "FORMAT")]
    pub format: String,
    /// Input tensor: float32 .npy (little-endian, C order, rank >= 1), or `-` for stdin.
    #[arg(value_name = "IN.npy")]
    pub input: PathBuf,
    /// Output: float32 .npy of the same shape holding the dequantized values, or `-` for
    /// stdout (the summary line then goes to stderr).
    #[arg(short = 'o', long = "output", value_name = "OUT.npy")]
    pub output: PathBuf,
    /// Axis the blocks run along; negative counts from the end.
    #[arg(long, value_name = "N", default_value_t = -1, allow_negative_numbers = true)]
    pub axis: isize,
    /// Block scale rule [default: ceil for UE8M0 scales (MX), nv-study for E4M3 scales (NV)
    /// and UE5M3 scales; a format without a scale ignores it].
    #[arg(long, value_enum)]
    pub scale_rule: Option<ScaleRule>,
    /// Element rounding: to nearest even, half away from zero, toward zero, or stochastic
    /// (seeded by --seed).
    #[arg(long, value_enum, default_value_t = Rounding::Rne)]
    pub round: Rounding,
    /// Block size override (default: the format's, 32 for MX, 16 for NV).
    #[arg(long, value_name = "K")]
    pub block: Option<usize>,
    /// Rotate each block before quantizing; QSNR is measured after the inverse rotation.
    #[arg(long, value_enum)]
    pub rotate: Option<Rotate>,
    /// Seed of the random Hadamard signs and of stochastic rounding [default: 0].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Also write the element codes as a uint8 .npy of shape (other axes..., blocks, K).
    #[arg(long, value_name = "FILE.npy")]
    pub codes: Option<PathBuf>,
    /// Also write the scale codes (UE8M0, E4M3 or UE5M3) as a uint8 .npy of shape (other axes...,
    /// blocks).
    #[arg(long, value_name = "FILE.npy")]
    pub scales: Option<PathBuf>,
    /// Also write the real encoding (element and scale codes) to FILE (layout: README).
    #[arg(long, value_name = "FILE")]
    pub packed: Option<PathBuf>,
    /// Memory for one batch of pieces in flight, MiB (peak memory is a small multiple).
    #[arg(long, value_name = "MIB", default_value_t = 16,
          value_parser = crate::args::count::<{ MAX_CHUNK_MIB }>)]
    pub chunk_mib: usize,
    /// Rename the outputs into place without flushing them to the disk first: still all or
    /// nothing (a staged file, renamed when complete), but a power loss soon after can leave
    /// an output empty or old, as after NumPy's np.save, which does not flush either. Faster
    /// when the disk is slower than the quantizer.
    #[arg(long)]
    pub no_fsync: bool,
    /// Print {format, scale_rule, round, axis, elements, blocks, blocks_made_nonfinite,
    /// tensor_scale, qsnr_db} as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What one `hwcost quantize` run did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QuantizeReport {
    pub format: String,
    /// The rule that chose the scales; `None` for a format without a scale ("none").
    pub scale_rule: Option<ScaleRule>,
    pub round: Rounding,
    pub block: usize,
    pub axis: usize,
    pub elements: u64,
    pub blocks: u64,
    /// QSNR in the original basis (after the inverse rotation, if any).
    pub qsnr_db: f64,
    /// Hadamard seed, when rotated.
    pub rotate_seed: Option<u64>,
    /// Blocks whose input was all finite but whose output holds a NaN or an Inf.
    pub blocks_made_nonfinite: u64,
    /// The NV per-tensor FP32 scale s_t (1.0 for MX formats): with `--codes` and `--scales`
    /// it gives the values (FP8 block scale times s_t, as the `--packed` header holds it).
    pub tensor_scale: f32,
}

impl QuantizeReport {
    /// The `--json` line: {format, scale_rule, round, axis, elements, blocks,
    /// blocks_made_nonfinite, tensor_scale, qsnr_db} (tensor_scale, an FP32 value, is exact
    /// as a JSON number); a non-finite QSNR (+inf when exact, -inf when a finite
    /// input came out NaN or Inf) reports qsnr_db null, since JSON has no infinities.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "format": self.format,
            "scale_rule": self.rule_name(),
            "round": self.round.name(),
            "axis": self.axis,
            "elements": self.elements,
            "blocks": self.blocks,
            "blocks_made_nonfinite": self.blocks_made_nonfinite,
            "tensor_scale": self.tensor_scale as f64,
            "qsnr_db": if self.qsnr_db.is_finite() { serde_json::json!(self.qsnr_db) } else { serde_json::Value::Null },
        })
    }

    /// The warning for blocks whose finite input came out NaN or Inf, if there are any.
    pub fn warning(&self) -> Option<String> {
        made_nonfinite_message(
            self.blocks_made_nonfinite,
            self.blocks,
            self.rotate_seed.is_some(),
        )
        .map(|m| format!("warning: {m}"))
    }

    fn rule_name(&self) -> &'static str {
        self.scale_rule.map_or("none", |r| r.name())
    }

    /// The human-readable line.
    pub fn to_line(&self) -> String {
        let rot = self
            .rotate_seed
            .map(|s| format!(", hadamard seed {s}"))
            .unwrap_or_default();
        format!(
            "{}: {} elements, {} blocks of {} ({} + {}{}): QSNR {:.2} dB",
            self.format,
            self.elements,
            self.blocks,
            self.block,
            self.rule_name(),
            self.round.name(),
            rot,
            self.qsnr_db
        )
    }
}

/// What to say of `made` of `blocks` blocks whose finite input came out NaN or Inf (none
/// when `made` is 0): the CLI's warning after "warning: ", the Python package's
/// RuntimeWarning.
pub fn made_nonfinite_message(made: u64, blocks: u64, rotated: bool) -> Option<String> {
    if made == 0 {
        return None;
    }
    let why = if rotated {
        "a rotated value or a scale is past the range of FP32 or of its format"
    } else {
        "a scale is past the range of FP32 or of its format"
    };
    Some(format!(
        "{made} of {blocks} blocks held only finite values but came out NaN or Inf ({why}; \
         scaling the tensor down avoids it)"
    ))
}

/// Run `hwcost quantize` and print its result (to stderr when the data goes to stdout).
pub fn run_quantize(args: &QuantizeArgs) -> anyhow::Result<()> {
    let report = quantize_file(args)?;
    if let Some(w) = report.warning() {
        eprintln!("{w}");
    }
    let line = if args.json {
        report.to_json().to_string()
    } else {
        report.to_line()
    };
    if args.output.as_os_str() == "-" {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    Ok(())
}

/// Quantize `args.input` to `args.output` (and the codes, scales, packed files). No file
/// is written unless every step succeeds.
pub fn quantize_file(args: &QuantizeArgs) -> anyhow::Result<QuantizeReport> {
    quantize_file_chunked(args, Chunking::from_mib(args.chunk_mib))
}

/// [`quantize_file`] with explicit pieces (the tests vary them).
pub fn quantize_file_chunked(
    args: &QuantizeArgs,
    chunking: Chunking,
) -> anyhow::Result<QuantizeReport> {
    // Every output needs a file of its own (stdout, `-`, is no file).
    let named: Vec<(&str, &std::path::Path)> = [
        (
            "-o",
            Some(args.output.as_path()).filter(|p| p.as_os_str() != "-"),
        ),
        ("--codes", args.codes.as_deref()),
        ("--scales", args.scales.as_deref()),
        ("--packed", args.packed.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.map(|p| (flag, p)))
    .collect();
    for (i, (fa, a)) in named.iter().enumerate() {
        for (fb, b) in &named[i + 1..] {
            if crate::atomic::same_target(a, b) {
                anyhow::bail!(
                    "{fb} {} names the same file as {fa} {}; give each output a file of its own",
                    b.display(),
                    a.display()
                );
            }
        }
    }
    let fmt = crate::format::lookup(&args.format)?;
    if args.seed.is_some() && args.rotate.is_none() && args.round != Rounding::Stochastic {
        anyhow::bail!("--seed needs --rotate or --round stochastic");
    }
    let seed = args.seed.unwrap_or(0);
    let opts = QuantOptions {
        scale_rule: args
            .scale_rule
            .unwrap_or_else(|| ScaleRule::default_for(&fmt)),
        round: args.round,
        block: args.block,
        seed,
    };
    let rotation = match args.rotate {
        Some(Rotate::Hadamard) => Some(Hadamard::new(opts.block_size(&fmt), seed)?),
        None => None,
    };
    let stdout = args.output.as_os_str() == "-";
    let outputs = Outputs {
        values: (!stdout).then(|| args.output.clone()),
        codes: args.codes.clone(),
        scales: args.scales.clone(),
        packed: args.packed.clone(),
        skip_fsync: args.no_fsync,
    };
    let r = quantize_stream(
        &fmt,
        &opts,
        rotation.as_ref(),
        &Input::from_arg(&args.input),
        args.axis,
        &outputs,
        chunking,
    )?;
    Ok(QuantizeReport {
        format: fmt.name.clone(),
        scale_rule: (fmt.scale != crate::format::ScaleFormat::Unscaled).then_some(opts.scale_rule),
        round: opts.round,
        block: opts.block_size(&fmt),
        axis: r.axis,
        elements: r.elements,
        blocks: r.blocks,
        qsnr_db: r.qsnr.db(),
        rotate_seed: rotation.as_ref().map(|_| seed),
        blocks_made_nonfinite: r.made_nonfinite,
        tensor_scale: r.tensor_scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: QuantizeArgs,
    }

    #[test]
    fn flags_match_the_documented_command_line() {
        let c = Cli::try_parse_from([
            "hwcost",
            "mxfp8",
            "in.npy",
            "-o",
            "out.npy",
            "--scale-rule",
            "nv-study",
            "--round",
            "away",
            "--block",
            "16",
            "--rotate",
            "hadamard",
            "--seed",
            "5",
            "--packed",
            "p.bin",
            "--codes",
            "c.npy",
            "--scales",
            "s.npy",
            "--axis",
            "-2",
            "--chunk-mib",
            "8",
            "--no-fsync",
            "--json",
        ])
        .unwrap();
        let a = c.args;
        assert_eq!(
            (a.format.as_str(), a.scale_rule, a.round, a.block, a.seed),
            (
                "mxfp8",
                Some(ScaleRule::NvStudy),
                Rounding::Away,
                Some(16),
                Some(5)
            )
        );
        assert_eq!(
            (a.rotate, a.packed.as_deref(), a.json, a.no_fsync),
            (
                Some(Rotate::Hadamard),
                Some(std::path::Path::new("p.bin")),
                true,
                true
            )
        );
        assert_eq!(
            (a.codes.as_deref(), a.scales.as_deref(), a.axis, a.chunk_mib),
            (
                Some(std::path::Path::new("c.npy")),
                Some(std::path::Path::new("s.npy")),
                -2,
                8
            )
        );
        for rule in [
            "ocp",
            "floor",
            "ceil",
            "rceil",
            "torchao-ceil",
            "even",
            "nv",
            "nv-study",
        ] {
            assert!(
                Cli::try_parse_from(["hwcost", "f", "i.npy", "-o", "o.npy", "--scale-rule", rule])
                    .is_ok(),
                "{rule}"
            );
        }
        let d = Cli::try_parse_from(["hwcost", "nvfp4", "i.npy", "-o", "o.npy"])
            .unwrap()
            .args;
        assert_eq!(
            (d.scale_rule, d.round, d.block, d.rotate, d.json),
            (None, Rounding::Rne, None, None, false)
        );
        for round in ["rne", "away", "floor", "stochastic"] {
            assert!(
                Cli::try_parse_from(["hwcost", "f", "i.npy", "-o", "o.npy", "--round", round])
                    .is_ok(),
                "{round}"
            );
        }
        assert!(
            Cli::try_parse_from(["hwcost", "f", "i.npy", "-o", "o.npy", "--round", "up"]).is_err()
        );
        assert!(
            Cli::try_parse_from(["hwcost", "f", "i.npy"]).is_err(),
            "-o is required"
        );
    }
}
