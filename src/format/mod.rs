//! Number formats: block formats as data, element/scale codes, the quantizer and QSNR.

pub mod element;
pub mod npy;
pub mod qsnr;
pub mod scale_rules;
pub mod quantize;
pub mod spec;

pub use element::{Class, Raw};
pub use spec::{builtins, lookup, lookup_in, BlockFormat, ElemFormat, FpSpecials, ScaleFormat};

use std::path::PathBuf;

/// Errors from format lookup and user-defined format files.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("unknown format '{name}'{}", did_you_mean(suggestions))]
    Unknown {
        name: String,
        suggestions: Vec<String>,
    },
    #[error("invalid format '{name}': {why}")]
    Invalid { name: String, why: String },
    #[error("cannot read format file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bad format file {}: {message}", path.display())]
    Toml { path: PathBuf, message: String },
}

fn did_you_mean(s: &[String]) -> String {
    if s.is_empty() {
        " (run `hwcost formats` for the list)".into()
    } else {
        format!(" (did you mean {}?)", s.join(", "))
    }
}

/// `hwcost formats [--json] [--dir DIR]`.
#[derive(clap::Args, Debug)]
pub struct FormatsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Directory of user-defined format files (default: models/formats).
    #[arg(long, default_value = "models/formats")]
    pub dir: PathBuf,
}

/// List every known format with its element, block size, scale and storage cost.
pub fn run_formats(args: &FormatsArgs) -> anyhow::Result<()> {
    let mut all = builtins();
    all.extend(spec::user_formats(std::slice::from_ref(&args.dir))?);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    println!(
        "{:<12} {:<8} {:>5} {:>6} {:>10} {:>9}",
        "format", "element", "block", "scale", "elem max", "bits/elem"
    );
    for f in &all {
        println!(
            "{:<12} {:<8} {:>5} {:>6} {:>10} {:>9}",
            f.name,
            f.elem.label(),
            f.block,
            f.scale.label(),
            f.elem.max_value(),
            f.bits_per_element()
        );
    }
    Ok(())
}
