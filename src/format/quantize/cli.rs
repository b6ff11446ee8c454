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

/// Run `hwcost quantize`. Nothing is written unless every step succeeds.
pub fn run_quantize(args: &QuantizeArgs) -> anyhow::Result<()> {
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
    let staged_out = npy::stage(&args.output, &npy_bytes).with_context(|| format!("cannot write {}", args.output.display()))?;
    let staged_packed = match (&args.packed, &packed) {
        (Some(path), Some(p)) => {
            Some((path, npy::stage(path, &p.to_bytes()).with_context(|| format!("cannot write {}", path.display()))?))
        }
        _ => None,
    };
    staged_out.persist(&args.output).with_context(|| format!("cannot write {}", args.output.display()))?;
    if let Some((path, tmp)) = staged_packed {
        if let Err(e) = tmp.persist(path) {
            // Keep the all-or-nothing promise: take the first output back.
            let _ = std::fs::remove_file(&args.output);
            return Err(e.error).with_context(|| format!("cannot write {}", path.display()));
        }
    }

    if args.json {
        let v = serde_json::json!({
            "format": fmt.name,
            "scale_rule": opts.scale_rule.name(),
            "round": opts.round.name(),
            "elements": arr.data.len(),
            "blocks": blocks,
            // JSON has no infinities: an exact result reports null.
            "qsnr_db": if qsnr.is_finite() { serde_json::json!(qsnr) } else { serde_json::Value::Null },
        });
        println!("{v}");
    } else {
        let rot = match args.rotate {
            Some(Rotate::Hadamard) => format!(", hadamard seed {}", args.seed),
            None => String::new(),
        };
        println!(
            "{}: {} elements, {} blocks of {} ({} + {}{}): QSNR {:.2} dB",
            fmt.name,
            arr.data.len(),
            blocks,
            opts.block_size(&fmt),
            opts.scale_rule.name(),
            opts.round.name(),
            rot,
            qsnr
        );
    }
    Ok(())
}
