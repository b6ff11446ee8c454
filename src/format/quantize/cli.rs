//! `hwcost quantize`: read a float32 `.npy`, quantize it (optionally Hadamard-rotated), write
//! the dequantized `.npy` (and the packed codes), print the QSNR.

use std::path::PathBuf;

use anyhow::Context;

use super::hadamard::Hadamard;
use super::packed::Packed;
use super::{qsnr_db, quantize, quantize_dequantize, QuantOptions, Rounding, ScaleRule};
use crate::format::npy;

/// Rotations applied before quantization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Rotate {
    /// Block-diagonal random Hadamard of the block size (seeded by --seed).
    Hadamard,
}

/// Arguments of `hwcost quantize`.
#[derive(Clone, Debug, clap::Args)]
pub struct QuantizeArgs {
    /// Block format (e.g. mxfp8, mxint8, nvfp4; `hwcost formats` lists them).
    #[arg(value_name = "FORMAT")]
    pub format: String,
    /// Input tensor: float32 .npy (little-endian, C order, rank >= 1); blocks run along the last axis.
    #[arg(value_name = "IN.npy")]
    pub input: PathBuf,
    /// Output: float32 .npy of the same shape holding the dequantized values.
    #[arg(short = 'o', long = "output", value_name = "OUT.npy")]
    pub output: PathBuf,
    /// Block scale rule [default: ocp for MX formats, nv for NV formats].
    #[arg(long, value_enum)]
    pub scale_rule: Option<ScaleRule>,
    /// Element rounding: round to nearest even, or half away from zero.
    #[arg(long, value_enum, default_value_t = Rounding::Rne)]
    pub round: Rounding,
    /// Block size override (default: the format's, 32 for MX, 16 for NV).
    #[arg(long, value_name = "K")]
    pub block: Option<usize>,
    /// Rotate each block before quantizing; QSNR is measured after the inverse rotation.
    #[arg(long, value_enum)]
    pub rotate: Option<Rotate>,
    /// Seed of the random Hadamard signs.
    #[arg(long, value_name = "S", default_value_t = 0, requires = "rotate")]
    pub seed: u64,
    /// Also write the real encoding (element and scale codes) to FILE (layout: README).
    #[arg(long, value_name = "FILE")]
    pub packed: Option<PathBuf>,
    /// Print {format, scale_rule, round, elements, blocks, qsnr_db} as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What one `hwcost quantize` run did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QuantizeReport {
    pub format: String,
    pub scale_rule: ScaleRule,
    pub round: Rounding,
    pub block: usize,
    pub elements: usize,
    pub blocks: usize,
    /// QSNR in the original basis (after the inverse rotation, if any).
    pub qsnr_db: f64,
    /// Hadamard seed, when rotated.
    pub rotate_seed: Option<u64>,
}

impl QuantizeReport {
    /// The `--json` line: {format, scale_rule, round, elements, blocks, qsnr_db}; an exact
    /// result (QSNR +inf) reports qsnr_db null, since JSON has no infinities.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "format": self.format,
            "scale_rule": self.scale_rule.name(),
            "round": self.round.name(),
            "elements": self.elements,
            "blocks": self.blocks,
            "qsnr_db": if self.qsnr_db.is_finite() { serde_json::json!(self.qsnr_db) } else { serde_json::Value::Null },
        })
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
            self.scale_rule.name(),
            self.round.name(),
            rot,
            self.qsnr_db
        )
    }
}

/// Run `hwcost quantize` and print its result.
pub fn run_quantize(args: &QuantizeArgs) -> anyhow::Result<()> {
    let report = quantize_file(args)?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.to_line());
    }
    Ok(())
}

/// Quantize `args.input` to `args.output` (and `args.packed`). Nothing is written unless
/// every step succeeds.
pub fn quantize_file(args: &QuantizeArgs) -> anyhow::Result<QuantizeReport> {
    if let Some(packed) = &args.packed {
        if crate::atomic::same_target(packed, &args.output) {
            anyhow::bail!(
                "--packed {} names the same file as -o {}; give the packed codes a file of their own",
                packed.display(),
                args.output.display()
            );
        }
    }
    let fmt = crate::format::lookup(&args.format)?;
    let mut opts = QuantOptions::default_for(&fmt);
    if let Some(rule) = args.scale_rule {
        opts.scale_rule = rule;
    }
    opts.round = args.round;
    opts.block = args.block;
    let arr = npy::read_f32(&args.input)?;
    let row_len = arr.row_len();
    let rotation = match args.rotate {
        Some(Rotate::Hadamard) => Some(Hadamard::new(opts.block_size(&fmt), args.seed)?),
        None => None,
    };
    let rotated;
    let input: &[f32] = match &rotation {
        Some(h) => {
            rotated = h.rotate(&arr.data, row_len)?;
            &rotated
        }
        None => &arr.data,
    };
    let (values, packed) = if args.packed.is_some() {
        let q = quantize(&fmt, &opts, input, row_len)?;
        let p = Packed::new(&fmt, &opts, &arr.shape, &q)?;
        (q.values, Some(p))
    } else {
        (quantize_dequantize(&fmt, &opts, input, row_len)?, None)
    };
    let out = match &rotation {
        Some(h) => h.unrotate(&values, row_len)?,
        None => values,
    };
    let qsnr = qsnr_db(&arr.data, &out);
    let blocks = (arr.data.len() / row_len) * row_len.div_ceil(opts.block_size(&fmt));

    // Stage every output before committing any, so a failure leaves nothing behind.
    let npy_bytes = npy::to_bytes(&arr.shape, &out).context("encoding the output .npy")?;
    let staged_out = crate::atomic::stage(&args.output, &npy_bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let staged_packed = match (&args.packed, &packed) {
        (Some(path), Some(p)) => Some((
            path,
            crate::atomic::stage(path, &p.to_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        _ => None,
    };
    let undo = staged_out.replaces();
    crate::atomic::persist(staged_out)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    if let Some((path, tmp)) = staged_packed {
        if let Err(e) = crate::atomic::persist(tmp) {
            // Keep the all-or-nothing promise: take the first output back (never a device).
            if undo {
                let _ = std::fs::remove_file(&args.output);
            }
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
    }

    Ok(QuantizeReport {
        format: fmt.name.clone(),
        scale_rule: opts.scale_rule,
        round: opts.round,
        block: opts.block_size(&fmt),
        elements: arr.data.len(),
        blocks,
        qsnr_db: qsnr,
        rotate_seed: rotation.as_ref().map(|_| args.seed),
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
                5
            )
        );
        assert_eq!(
            (a.rotate, a.packed.as_deref(), a.json),
            (
                Some(Rotate::Hadamard),
                Some(std::path::Path::new("p.bin")),
                true
            )
        );
        for rule in ["ocp", "ceil", "nv", "nv-study"] {
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
        assert!(
            Cli::try_parse_from(["hwcost", "f", "i.npy", "-o", "o.npy", "--seed", "3"]).is_err(),
            "--seed needs --rotate"
        );
        assert!(
            Cli::try_parse_from(["hwcost", "f", "i.npy", "-o", "o.npy", "--round", "up"]).is_err()
        );
        assert!(
            Cli::try_parse_from(["hwcost", "f", "i.npy"]).is_err(),
            "-o is required"
        );
    }
}
