//! Number formats: block formats as data, element/scale codes, the quantizer and QSNR.

pub mod element;
pub mod npy;
pub mod qsnr;
pub mod quantize;
pub mod scale_rules;
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
    #[error("format '{name}' is defined by {} files ({}); rename all but one", files.len(), files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    Duplicate { name: String, files: Vec<PathBuf> },
}

impl FormatError {
    /// True when this problem of a user format file is the answer to a lookup of `key`: the
    /// name is defined twice, or the broken file is named after it (`key.toml`).
    pub fn concerns(&self, key: &str) -> bool {
        let stem_is = |p: &PathBuf| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| spec::normalize_name(s) == key)
        };
        match self {
            FormatError::Duplicate { name, .. } => name == key,
            FormatError::Invalid { name, .. } => name == key,
            FormatError::Io { path, .. } | FormatError::Toml { path, .. } => stem_is(path),
            FormatError::Unknown { .. } => false,
        }
    }
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

/// The `hwcost formats` table: the name column as wide as the longest name.
pub fn formats_table(all: &[BlockFormat]) -> String {
    let w = all
        .iter()
        .map(|f| f.name.len())
        .chain(["format".len()])
        .max()
        .unwrap_or(0);
    let mut s = format!(
        "{:<w$} {:<8} {:>5} {:>6} {:>10} {:>9}\n",
        "format", "element", "block", "scale", "elem max", "bits/elem"
    );
    for f in all {
        s += &format!(
            "{:<w$} {:<8} {:>5} {:>6} {:>10} {:>9}\n",
            f.name,
            f.elem.label(),
            f.block,
            f.scale.label(),
            f.elem.max_value(),
            f.bits_per_element()
        );
    }
    s
}

/// List every known format with its element, block size, scale and storage cost.
pub fn run_formats(args: &FormatsArgs) -> anyhow::Result<()> {
    let mut all = builtins();
    let users = spec::user_formats(std::slice::from_ref(&args.dir));
    for e in &users.problems {
        eprintln!("hwcost: warning: {e}; not listed");
    }
    all.extend(users.formats);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    print!("{}", formats_table(&all));
    Ok(())
}

#[cfg(test)]
mod formats_table_tests {
    use super::*;

    #[test]
    fn long_names_widen_the_name_column_and_every_column_lines_up() {
        let mut all = builtins();
        let mut long = all[0].clone();
        long.name = "my_very_long_format_name".into();
        all.push(long);
        let t = formats_table(&all);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), all.len() + 1);
        // the element column starts at the same offset on every line
        let col = lines[0].find("element").unwrap();
        for (l, f) in lines[1..].iter().zip(&all) {
            assert!(l.starts_with(&format!("{} ", f.name)), "{t}");
            assert!(l[col..].starts_with(&f.elem.label()), "{t}");
            assert_eq!(l.len(), lines[0].len(), "{t}");
        }
    }
}
