//! Number formats: block formats as data, element/scale codes, the quantizer and QSNR.

pub mod element;
pub mod npy;
pub mod quantize;
pub mod spec;

pub use element::{Class, Raw};
pub use spec::{builtins, lookup, lookup_in, BlockFormat, ElemFormat, FpSpecials, ScaleFormat};

use std::path::PathBuf;

/// Errors from format lookup and user-defined format files.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("unknown format '{name}'{}", did_you_mean(suggestions))]
    Unknown { name: String, suggestions: Vec<String> },
    #[error("invalid format '{name}': {why}")]
    Invalid { name: String, why: String },
    #[error("cannot read format file {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
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
