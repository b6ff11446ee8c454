//! Block formats as data: element format, block size, scale format; the built-in set,
//! name lookup with suggestions, and user-defined formats from TOML.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

use super::FormatError;

/// How an FP element format uses its all-ones exponent field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FpSpecials {
    /// Every code is a finite number (E2M3, E3M2, E2M1).
    Finite,
    /// Only S.1...1.1...1 is NaN; no infinities (OCP E4M3).
    NanOnly,
    /// IEEE 754 style: exponent all ones is Inf (mantissa 0) or NaN (E5M2).
    Ieee,
}

/// An element format. Mantissa widths never count the hidden bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ElemFormat {
    /// Two's-complement integer of `bits` bits with symmetric clipping: codes span
    /// [-(2^(bits-1)-1), 2^(bits-1)-1]; the most negative code is never produced.
    Int { bits: u32 },
    /// Sign | exponent (`exp_bits`, biased by `bias`) | mantissa (`man_bits`), with subnormals.
    Fp {
        exp_bits: u32,
        man_bits: u32,
        bias: i32,
        specials: FpSpecials,
    },
}

/// The format of the shared (level-1) block scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleFormat {
    /// Unsigned 8-bit exponent, bias 127, 0xFF = NaN (OCP MX).
    Ue8m0,
    /// FP8 E4M3 (bias 7, NaN = S.1111.111), with an FP32 per-tensor second level (NVIDIA).
    E4m3,
    /// Unsigned FP8 with 5 exponent bits (bias 15) and 3 mantissa bits, subnormals, 0xFF =
    /// NaN (2^-17 ..= 114688): the sign bit of an E5M3 given to the exponent. Quantized like
    /// E4M3, with the FP32 per-tensor second level. Spelled `ue5m3` or `e5m3` in TOML.
    #[serde(alias = "e5m3")]
    Ue5m3,
    /// No block scale: every element is quantized as it is (a scale of 1). The hardware is
    /// the UE8M0 unit with both scale inputs tied to 2^0 inside the top module, which
    /// synthesis folds away; the unit has no scale ports. Spelled `none` in TOML.
    #[serde(rename = "none")]
    Unscaled,
}

/// A block format: `block` elements share one scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockFormat {
    /// Canonical lower-case name, e.g. `mxfp8`, `mxfp8_e5m2`, `nvint4`.
    pub name: String,
    pub elem: ElemFormat,
    pub block: usize,
    pub scale: ScaleFormat,
}

/// The 9-bit E5M3 layout whose positive half is the UE5M3 scale (its code 0xFF, S.11111.111
/// with S = 0, is the NaN).
pub const E5M3: ElemFormat = ElemFormat::Fp {
    exp_bits: 5,
    man_bits: 3,
    bias: 15,
    specials: FpSpecials::NanOnly,
};
/// Elements of FP8 E4M3 (also the NV scale format).
pub const E4M3: ElemFormat = ElemFormat::Fp {
    exp_bits: 4,
    man_bits: 3,
    bias: 7,
    specials: FpSpecials::NanOnly,
};
pub const E5M2: ElemFormat = ElemFormat::Fp {
    exp_bits: 5,
    man_bits: 2,
    bias: 15,
    specials: FpSpecials::Ieee,
};
pub const E2M3: ElemFormat = ElemFormat::Fp {
    exp_bits: 2,
    man_bits: 3,
    bias: 1,
    specials: FpSpecials::Finite,
};
pub const E3M2: ElemFormat = ElemFormat::Fp {
    exp_bits: 3,
    man_bits: 2,
    bias: 3,
    specials: FpSpecials::Finite,
};
pub const E2M1: ElemFormat = ElemFormat::Fp {
    exp_bits: 2,
    man_bits: 1,
    bias: 1,
    specials: FpSpecials::Finite,
};

/// The ten built-in formats, in the order reports list them.
pub fn builtins() -> Vec<BlockFormat> {
    let mx = |name: &str, elem| BlockFormat {
        name: name.into(),
        elem,
        block: 32,
        scale: ScaleFormat::Ue8m0,
    };
    let nv = |name: &str, elem| BlockFormat {
        name: name.into(),
        elem,
        block: 16,
        scale: ScaleFormat::E4m3,
    };
    vec![
        mx("mxfp8", E4M3),
        mx("mxfp8_e5m2", E5M2),
        mx("mxfp6", E2M3),
        mx("mxfp6_e3m2", E3M2),
        mx("mxfp4", E2M1),
        mx("mxint8", ElemFormat::Int { bits: 8 }),
        mx("mxint6", ElemFormat::Int { bits: 6 }),
        mx("mxint4", ElemFormat::Int { bits: 4 }),
        nv("nvfp4", E2M1),
        nv("nvint4", ElemFormat::Int { bits: 4 }),
    ]
}

/// Canonical spelling of a user-typed name: lower case, `-` -> `_`.
pub fn normalize_name(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('-', "_")
}

impl ElemFormat {
    /// Total bits of one element code.
    pub fn bits(&self) -> u32 {
        match *self {
            ElemFormat::Int { bits } => bits,
            ElemFormat::Fp {
                exp_bits, man_bits, ..
            } => 1 + exp_bits + man_bits,
        }
    }

    pub fn is_int(&self) -> bool {
        matches!(self, ElemFormat::Int { .. })
    }

    /// Exponent bits `x` in the study's hardware model (0 for INT).
    pub fn exp_bits(&self) -> u32 {
        match *self {
            ElemFormat::Int { .. } => 0,
            ElemFormat::Fp { exp_bits, .. } => exp_bits,
        }
    }

    /// Mantissa bits `y` in the study's hardware model (b - 1 for a b-bit INT: its magnitude).
    pub fn man_bits(&self) -> u32 {
        match *self {
            ElemFormat::Int { bits } => bits - 1,
            ElemFormat::Fp { man_bits, .. } => man_bits,
        }
    }

    /// Largest finite magnitude, in the element's own units (INT: the integer code; the OCP
    /// view multiplies it by 2^-(bits-2)).
    pub fn max_value(&self) -> f64 {
        match *self {
            ElemFormat::Int { bits } => ((1i64 << (bits - 1)) - 1) as f64,
            ElemFormat::Fp { .. } => {
                let (sig, exp) = self.max_sig_exp();
                sig as f64 * (exp as f64).exp2()
            }
        }
    }

    /// Largest finite FP magnitude as an integer significand (hidden bit included, man_bits
    /// fraction bits) and the exponent of its least significant bit.
    fn max_sig_exp(&self) -> (u64, i32) {
        match *self {
            ElemFormat::Int { bits } => ((1u64 << (bits - 1)) - 1, 0),
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                bias,
                specials,
            } => {
                let all_ones = (1i32 << exp_bits) - 1;
                let full = (1u64 << (man_bits + 1)) - 1;
                let (e, sig) = match specials {
                    FpSpecials::Finite => (all_ones, full),
                    FpSpecials::NanOnly => (all_ones, full - 1),
                    FpSpecials::Ieee => (all_ones - 1, full),
                };
                (sig, e - bias - man_bits as i32)
            }
        }
    }

    /// floor(log2(max_value)): emax_elem of the OCP scale rule, in the element's own units
    /// (8 for E4M3, 15 for E5M2, 2 for E2M3, 4 for E3M2, 2 for E2M1, 6/4/2 for INT8/6/4).
    pub fn emax(&self) -> i32 {
        let (sig, exp) = self.max_sig_exp();
        (63 - sig.leading_zeros() as i32) + exp
    }

    /// Exponent of the OCP view of an INT element (value = code * 2^int_view_exp()):
    /// -(bits-2), e.g. -6 for INT8. Zero for FP formats.
    pub fn int_view_exp(&self) -> i32 {
        match *self {
            ElemFormat::Int { bits } => -(bits as i32 - 2),
            ElemFormat::Fp { .. } => 0,
        }
    }

    /// Short label, e.g. `INT8` or `E4M3`.
    pub fn label(&self) -> String {
        match *self {
            ElemFormat::Int { bits } => format!("INT{bits}"),
            ElemFormat::Fp {
                exp_bits, man_bits, ..
            } => format!("E{exp_bits}M{man_bits}"),
        }
    }

    fn validate(&self) -> Result<(), String> {
        match *self {
            ElemFormat::Int { bits } if !(2..=16).contains(&bits) => {
                Err(format!("INT element bits must be 2..=16, got {bits}"))
            }
            ElemFormat::Fp {
                exp_bits,
                man_bits,
                bias,
                specials,
            } => {
                if !(1..=8).contains(&exp_bits) {
                    return Err(format!("FP exp_bits must be 1..=8, got {exp_bits}"));
                }
                if man_bits > 10 {
                    return Err(format!("FP man_bits must be 0..=10, got {man_bits}"));
                }
                // Every grid step (down to 2^(1 - bias - man_bits)) and twice the largest
                // value (below 2^(2^exp_bits - bias)) must be normal FP32 numbers; checked in
                // i64, so no bias wraps past it.
                let (bias, man) = (i64::from(bias), i64::from(man_bits));
                let lowest = 1 - bias - man;
                let top = (1i64 << exp_bits) - bias;
                if lowest < -126 || top + 1 > 127 {
                    return Err(format!(
                        "FP bias {bias} puts the element values at 2^{lowest}..2^{top}, outside \
                         the normal FP32 range 2^-126..2^126 (bias must be {}..={})",
                        top + bias - 126,
                        127 - man
                    ));
                }
                if specials == FpSpecials::NanOnly && man_bits == 0 && exp_bits == 1 {
                    return Err("a nan_only format needs at least one finite code".into());
                }
                if specials == FpSpecials::Ieee && exp_bits < 2 {
                    return Err("an ieee format needs exp_bits >= 2".into());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl BlockFormat {
    /// Aligner / psum width of the study: min(2^(x+1) + 2y, 24) for FP; INT sums are exact.
    pub fn default_psum_width(&self) -> u32 {
        self.exact_psum_width().min(24)
    }

    /// Lanes k of a unit when none are asked for: the block size when it is a power of two of
    /// at most 64 (one block a cycle), else the largest power of two up to 64 that divides it
    /// (a block then takes block / k cycles; blocks of 128 and 256 run on 64 lanes).
    pub fn default_lanes(&self) -> usize {
        let mut k = 64;
        while k > 1 && self.block % k != 0 {
            k /= 2;
        }
        k
    }

    /// 2^(x+1) + 2y: the width that holds every product of the block exactly aligned.
    pub fn exact_psum_width(&self) -> u32 {
        (1u32 << (self.elem.exp_bits() + 1)) + 2 * self.elem.man_bits()
    }

    /// Average stored bits per element, including the 8-bit block scale (8.25 for MXINT8;
    /// the element bits alone without a scale).
    pub fn bits_per_element(&self) -> f64 {
        if self.scale == ScaleFormat::Unscaled {
            return self.elem.bits() as f64;
        }
        self.elem.bits() as f64 + 8.0 / self.block as f64
    }

    /// Whether the block scale is an FP8 value (E4M3 or UE5M3) under the two-level `nv`
    /// rules, rather than a UE8M0 power of two.
    pub fn is_nv(&self) -> bool {
        self.scale.is_fp()
    }

    fn validate(&self) -> Result<(), FormatError> {
        self.elem.validate().map_err(|why| FormatError::Invalid {
            name: self.name.clone(),
            why,
        })?;
        if self.block == 0 || self.block > 1024 {
            return Err(FormatError::Invalid {
                name: self.name.clone(),
                why: format!("block size must be 1..=1024, got {}", self.block),
            });
        }
        Ok(())
    }
}

impl fmt::Display for BlockFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Look a format up by name among the built-ins and the user formats in `dirs`
/// (`*.toml` files in each directory; later directories do not override built-ins).
pub fn lookup_in(name: &str, dirs: &[PathBuf]) -> Result<BlockFormat, FormatError> {
    let key = normalize_name(name);
    if let Some(f) = builtins().into_iter().find(|f| f.name == key) {
        return Ok(f);
    }
    let path = Path::new(name);
    if name.ends_with(".toml") {
        return load_toml(path);
    }
    let users = user_formats(dirs);
    if let Some(f) = users.formats.iter().find(|f| f.name == key) {
        return Ok(f.clone());
    }
    // A name defined twice, or whose file is broken: that file's error, not "unknown".
    if let Some(e) = users.problems.into_iter().find(|e| e.concerns(&key)) {
        return Err(e);
    }
    let known: Vec<String> = builtins()
        .into_iter()
        .map(|f| f.name)
        .chain(users.formats.into_iter().map(|f| f.name))
        .collect();
    Err(FormatError::Unknown {
        name: name.to_string(),
        suggestions: suggest(&key, &known),
    })
}

/// Look a format up among the built-ins and `models/formats/` of the working directory.
pub fn lookup(name: &str) -> Result<BlockFormat, FormatError> {
    lookup_in(name, &[PathBuf::from("models/formats")])
}

/// The nearest known names (edit distance), best first, at most three.
pub fn suggest(key: &str, known: &[String]) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = known
        .iter()
        .map(|k| (strsim::normalized_damerau_levenshtein(key, k), k))
        .filter(|(s, k)| *s >= 0.5 || k.starts_with(key) || key.starts_with(k.as_str()))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, k)| k.clone()).collect()
}

/// A user-defined format file. Example:
/// ```toml
/// name = "mxfp5_e2m2"
/// block = 32
/// scale = "ue8m0"          # or "e4m3", "ue5m3" (alias "e5m3"), "none"
/// [element]
/// kind = "fp"              # or "int" with `bits = 5`
/// exp_bits = 2
/// man_bits = 2
/// bias = 1
/// specials = "finite"      # "finite" | "nan_only" | "ieee"
/// ```
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatFile {
    name: String,
    block: usize,
    scale: ScaleFormat,
    element: ElemFormat,
}

/// Read one user-defined format from a TOML file.
pub fn load_toml(path: &Path) -> Result<BlockFormat, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let file: FormatFile = toml::from_str(&text).map_err(|e| FormatError::Toml {
        path: path.to_path_buf(),
        message: toml_message(&text, &e),
    })?;
    let f = BlockFormat {
        name: normalize_name(&file.name),
        elem: file.element,
        block: file.block,
        scale: file.scale,
    };
    let invalid = |why: String| FormatError::Invalid {
        name: f.name.clone(),
        why: format!("{why} (in {})", path.display()),
    };
    if f.name.is_empty() {
        return Err(FormatError::Toml {
            path: path.to_path_buf(),
            message: "name is empty".into(),
        });
    }
    if !f
        .name
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'_')
    {
        return Err(invalid(
            "a name holds only letters, digits, '-' and '_'".into(),
        ));
    }
    if builtins().iter().any(|b| b.name == f.name) {
        return Err(invalid("shadows a built-in format name; rename it".into()));
    }
    f.validate().map_err(|e| match e {
        FormatError::Invalid { why, .. } => invalid(why),
        other => other,
    })?;
    Ok(f)
}

/// A TOML error on one line, with its line and column.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {}", one_line(e.message()))
        }
        None => one_line(e.message()),
    }
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The user formats of some directories: those that load, and the files that do not (or
/// that define a name another file defines too).
#[derive(Debug, Default)]
pub struct UserFormats {
    pub formats: Vec<BlockFormat>,
    pub problems: Vec<FormatError>,
}

/// All user formats in the given directories (missing directories are skipped). A broken file
/// does not hide the others; a name defined by two files is defined by neither.
pub fn user_formats(dirs: &[PathBuf]) -> UserFormats {
    let mut loaded: Vec<(BlockFormat, PathBuf)> = Vec::new();
    let mut problems = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            match load_toml(&p) {
                Ok(f) => loaded.push((f, p)),
                Err(e) => problems.push(e),
            }
        }
    }
    let mut formats = Vec::new();
    for (f, path) in &loaded {
        let same: Vec<&PathBuf> = loaded
            .iter()
            .filter(|(g, _)| g.name == f.name)
            .map(|(_, p)| p)
            .collect();
        if same.len() == 1 {
            formats.push(f.clone());
        } else if same[0] == path {
            problems.push(FormatError::Duplicate {
                name: f.name.clone(),
                files: same.into_iter().cloned().collect(),
            });
        }
    }
    UserFormats { formats, problems }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_maxima_and_emax_match_the_reference_table() {
        let want = [
            ("mxfp8", 448.0, 8),
            ("mxfp8_e5m2", 57344.0, 15),
            ("mxfp6", 7.5, 2),
            ("mxfp6_e3m2", 28.0, 4),
            ("mxfp4", 6.0, 2),
            ("mxint8", 127.0, 6),
            ("mxint6", 31.0, 4),
            ("mxint4", 7.0, 2),
            ("nvfp4", 6.0, 2),
            ("nvint4", 7.0, 2),
        ];
        for (name, max, emax) in want {
            let f = lookup_in(name, &[]).unwrap();
            assert_eq!(f.elem.max_value(), max, "{name}");
            assert_eq!(f.elem.emax(), emax, "{name}");
        }
    }

    #[test]
    fn psum_widths_follow_the_study() {
        assert_eq!(lookup_in("mxfp8", &[]).unwrap().default_psum_width(), 24);
        assert_eq!(lookup_in("mxfp8", &[]).unwrap().exact_psum_width(), 38);
        assert_eq!(lookup_in("nvfp4", &[]).unwrap().default_psum_width(), 10);
        assert_eq!(lookup_in("mxint8", &[]).unwrap().bits_per_element(), 8.25);
    }

    #[test]
    fn names_are_case_and_dash_insensitive() {
        assert_eq!(lookup_in("MXFP8-E5M2", &[]).unwrap().name, "mxfp8_e5m2");
        assert_eq!(lookup_in(" NvInt4 ", &[]).unwrap().name, "nvint4");
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        match lookup_in("mxfp9", &[]) {
            Err(FormatError::Unknown { suggestions, .. }) => assert!(
                suggestions.contains(&"mxfp8".to_string()),
                "{suggestions:?}"
            ),
            other => panic!("{other:?}"),
        }
        match lookup_in("mxin8", &[]) {
            Err(FormatError::Unknown { suggestions, .. }) => {
                assert!(suggestions.contains(&"mxint8".to_string()))
            }
            other => panic!("{other:?}"),
        }
    }

    fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
        let p = dir.join(file);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn user_formats_load_from_toml() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "fp5.toml",
            "name = \"MXFP5-E2M2\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"fp\"\nexp_bits = 2\nman_bits = 2\nbias = 1\nspecials = \"finite\"\n",
        );
        let f = lookup_in("mxfp5_e2m2", &[dir.path().to_path_buf()]).unwrap();
        assert_eq!(f.elem.bits(), 5);
        assert_eq!(f.elem.max_value(), 7.0);
        // Unknown names also suggest user formats.
        match lookup_in("mxfp5_e2m3", &[dir.path().to_path_buf()]) {
            Err(FormatError::Unknown { suggestions, .. }) => {
                assert!(suggestions.contains(&"mxfp5_e2m2".to_string()))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_format_files_quote_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "bad.toml",
            "name = \"x\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"int\"\n",
        );
        let msg = load_toml(&p).unwrap_err().to_string();
        assert!(msg.contains("bits"), "{msg}");
        let p = write(
            dir.path(),
            "bad2.toml",
            "name = \"y\"\nblock = 0\nscale = \"ue8m0\"\n[element]\nkind = \"int\"\nbits = 4\n",
        );
        assert!(load_toml(&p)
            .unwrap_err()
            .to_string()
            .contains("block size"));
        let p = write(
            dir.path(),
            "bad3.toml",
            "name = \"z\"\nblock = 32\nscale = \"e5m2\"\n[element]\nkind = \"int\"\nbits = 4\n",
        );
        assert!(load_toml(&p).unwrap_err().to_string().contains("e5m2"));
        let p = write(dir.path(), "bad4.toml", "name = \"mxint8\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"int\"\nbits = 8\n");
        assert!(load_toml(&p).unwrap_err().to_string().contains("built-in"));
    }

    /// Issue 16, item 10: two files defining `mxint5` were both listed and the first won;
    /// `name = ""` was accepted; one bad file broke every lookup and the hints.
    #[test]
    fn user_format_names_can_clash() {
        let dir = tempfile::tempdir().unwrap();
        let int5 = "name = \"mxint5\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"int\"\nbits = 5\n";
        write(dir.path(), "a.toml", int5);
        write(dir.path(), "b.toml", int5);
        write(dir.path(), "broken.toml", "name = \n");
        write(dir.path(), "empty.toml", &int5.replace("mxint5", ""));
        write(
            dir.path(),
            "mxint3.toml",
            &int5
                .replace("mxint5", "mxint3")
                .replace("bits = 5", "bits = 3"),
        );
        let dirs = [dir.path().to_path_buf()];
        let e = lookup_in("mxint5", &dirs).unwrap_err().to_string();
        assert!(
            e.contains("defined by 2 files") && e.contains("a.toml") && e.contains("b.toml"),
            "{e}"
        );
        // The good file still loads, and the hints still work.
        assert_eq!(lookup_in("mxint3", &dirs).unwrap().elem.bits(), 3);
        match lookup_in("mxint33", &dirs) {
            Err(FormatError::Unknown { suggestions, .. }) => {
                assert!(
                    suggestions.contains(&"mxint3".to_string()),
                    "{suggestions:?}"
                )
            }
            other => panic!("{other:?}"),
        }
        // A lookup of the broken file's name gets that file's error.
        let e = lookup_in("broken", &dirs).unwrap_err().to_string();
        assert!(e.contains("broken.toml") && e.contains("line 1"), "{e}");
        let users = user_formats(&dirs);
        let names: Vec<&str> = users.formats.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["mxint3"]);
        let problems: Vec<String> = users.problems.iter().map(|e| e.to_string()).collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("name is empty")),
            "{problems:?}"
        );
    }

    /// Issue 16, item 14: TOML syntax errors had no line and column; "shadows a built-in" did
    /// not name the file.
    #[test]
    fn format_file_messages_name_the_file_and_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "syntax.toml",
            "name = \"x\"\nblock = 32\nscale = = \"ue8m0\"\n",
        );
        let e = load_toml(&p).unwrap_err().to_string();
        assert!(e.contains("syntax.toml: line 3, column 9"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        let p = write(dir.path(), "shadow.toml", "name = \"MXINT8\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"int\"\nbits = 8\n");
        let e = load_toml(&p).unwrap_err().to_string();
        assert!(
            e.contains("shadows a built-in") && e.contains("shadow.toml"),
            "{e}"
        );
    }

    /// Issue 16, item 3: `bias = 2147483647` wrapped past the FP32-range check, and quantize
    /// wrote all-NaN output with exit 0.
    #[test]
    fn format_bias_is_never_range_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = |bias: &str| {
            format!("name = \"b\"\nblock = 32\nscale = \"ue8m0\"\n[element]\nkind = \"fp\"\nexp_bits = 4\nman_bits = 3\nbias = {bias}\nspecials = \"finite\"\n")
        };
        for bias in ["2147483647", "-2147483648", "131", "-120"] {
            let p = write(dir.path(), "b.toml", &file(bias));
            let msg = load_toml(&p).unwrap_err().to_string();
            assert!(msg.contains("FP32 range"), "bias {bias}: {msg}");
        }
        // The extremes that still fit load, and the quantizer accepts them.
        for bias in ["-110", "124"] {
            let p = write(dir.path(), "b.toml", &file(bias));
            let f = load_toml(&p).unwrap();
            let opts = crate::format::quantize::QuantOptions::default_for(&f);
            let q = crate::format::quantize::quantize_dequantize(&f, &opts, &[1.0; 32], 32);
            assert!(q.is_ok(), "bias {bias}: {q:?}");
        }
    }
}
