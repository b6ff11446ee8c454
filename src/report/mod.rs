//! Answers people read: `hwcost compare` (typed comparison rows rendered as a text table,
//! Markdown, JSON or CSV), `hwcost plot` (plotters charts drawn from those rows) and
//! `hwcost report` (the whole `reports/` set, regenerated deterministically).
//!
//! STYLE pattern 9: every output is a typed table first ([`compare::Comparison`],
//! [`source::UnitCost`], [`qsnr_tables::RotationTable`], `format::qsnr::QsnrReport`); the
//! renderers and charts are pure functions of those tables.
//!
//! Cost numbers come through one boundary, [`source::CostSource`]: the analytic model, or the
//! shipped results of the synthesized (or calibrated) model, a [`source::CostTable`] file in
//! `reports/` read by [`source::TableSource`]; [`source::select_source`] picks one.

pub mod architectures;
pub mod clock;
pub mod compare;
pub mod energy;
pub mod engines;
pub mod fields;
pub mod generate;
pub mod mixed;
pub mod plot;
pub mod qsnr_tables;
mod raster;
mod scale;
pub mod regroup;
pub mod sweep_synth;
pub mod render;
pub mod source;
pub mod style;
pub mod sweep_chart;

pub use compare::{run_compare, CompareArgs, CompareRow, Comparison};
pub use generate::{run_report, ReportArgs};
pub use plot::{run_plot, PlotArgs, PlotKind};
pub use source::{select_source, CostSource, CostTable, Model, TableSource, UnitCost};

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cost::analytic::ParamError;
use crate::cost::tech::TechError;
use crate::format::qsnr::QsnrError;
use crate::format::quantize::QuantError;
use crate::format::FormatError;

/// Errors of comparisons, charts and reports; each names the value or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Tech(#[from] TechError),
    #[error(transparent)]
    Qsnr(#[from] QsnrError),
    #[error(transparent)]
    Quant(#[from] QuantError),
    #[error("cost model '{model}' cannot be used: {why}; use --model analytic")]
    ModelUnavailable { model: String, why: String },
    #[error("synthesis onto the given Liberty: {0}")]
    Synthesis(String),
    #[error("no cost at {mhz:.1} MHz: {why}")]
    NoClockResult { mhz: f64, why: String },
    #[error("{unit} does not meet {mhz:.1} MHz with at most {max_pipeline} pipeline stages ({best}): compare at a lower --clock-mhz")]
    ClockNotMet {
        unit: String,
        mhz: f64,
        max_pipeline: usize,
        best: String,
    },
    #[error("the {model} model does not distinguish datapath architectures, so it cannot answer for {asked}{why}: drop the option, or use the synthesized results (--model synth)")]
    ArchitectureNotModelled {
        model: String,
        asked: String,
        why: String,
    },
    #[error("bad --kappa {0}: the crest factor must be a finite number >= 1")]
    BadKappa(f64),
    #[error("bad --samples {0}: must be 1 to {max} blocks", max = crate::cli::MAX_SAMPLES)]
    BadSamples(usize),
    #[error("'{kind}' needs at least {min} format(s), got {got}")]
    TooFewFormats {
        kind: String,
        min: usize,
        got: usize,
    },
    #[error("chart output {}: the file name must end in .svg or .png", .0.display())]
    ChartExtension(PathBuf),
    #[error("chart size {width}x{height}: width and height must be 400 to 8000 pixels")]
    ChartSize { width: u32, height: u32 },
    #[error("chart scale {scale}: {why}")]
    ChartScale { scale: f64, why: String },
    #[error("drawing {}: {why}", path.display())]
    Draw { path: PathBuf, why: String },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("results file {}: {why}", path.display())]
    Results { path: PathBuf, why: String },
    #[error("{} has no result for {unit}", path.display())]
    NotInResults { unit: String, path: PathBuf },
    #[error("CSV: {0}")]
    Csv(String),
    #[error(transparent)]
    Mixed(#[from] crate::datapath::mixed::MixedError),
}

/// What produced a table or chart: printed at the top of every report. It holds no time or
/// host name, so a rerun produces the same bytes.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Provenance {
    /// `hwcost <version>`.
    pub generator: String,
    /// Cost model name (`analytic`, `synth`, `calibrated`).
    pub model: String,
    /// The model's one-line description.
    pub model_description: String,
    /// Technology name, node and corner.
    pub tech: String,
    pub tech_node: String,
    /// The technology file (a built-in's path in the repository, or the path given).
    pub tech_file: String,
    /// External tools and their versions (synthesis, timing); empty for the analytic model.
    pub tools: Vec<String>,
}

impl Provenance {
    /// The tools by short name and version (`Yosys 0.23`, `Icarus Verilog 11.0`): the
    /// parenthesized build details and the word "version" are left to the footnote.
    pub fn tools_short(&self) -> String {
        if self.tools.is_empty() {
            return "no external tool".to_string();
        }
        self.tools
            .iter()
            .map(|t| {
                let head = t.split(" (").next().unwrap_or(t);
                head.split_whitespace()
                    .filter(|w| *w != "version")
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// One short Markdown block quote line; the details are in [`footnote_markdown`].
    pub fn markdown(&self) -> String {
        format!(
            "> Generated by {} with the **{}** cost model, technology **{}**, {} \
             (see [Provenance](#provenance)).\n",
            self.generator,
            self.model,
            self.tech,
            self.tools_short()
        )
    }

    /// One short plain-text line; the details are in [`footnote_text`].
    pub fn text(&self) -> String {
        format!(
            "{}: model {}, tech {}, {} [1]\n",
            self.generator,
            self.model,
            self.tech,
            self.tools_short()
        )
    }

    /// The details, one line each, in the order both footnotes print them.
    fn details(&self) -> [String; 4] {
        let tools = if self.tools.is_empty() {
            "none (no external tool ran)".to_string()
        } else {
            self.tools.join(", ")
        };
        [
            format!("model {}: {}", self.model, self.model_description),
            format!("technology {}: {}", self.tech, self.tech_node),
            format!("technology file: {}", self.tech_file),
            format!("external tools: {tools}"),
        ]
    }
}

/// Width of wrapped plain-text output: footnotes, notes and wrapped tables stay within it.
pub const TEXT_WIDTH: usize = 100;

/// Wrap `text` to [`TEXT_WIDTH`] with `first` before the first line and `rest` before the
/// others; newline-terminated.
pub fn wrap_text(text: &str, first: &str, rest: &str) -> String {
    let opts = textwrap::Options::new(TEXT_WIDTH)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false);
    let mut s = textwrap::fill(text, opts);
    s.push('\n');
    s
}

/// The plain-text footnote `[1]` of one or more provenance lines, wrapped to [`TEXT_WIDTH`].
pub fn footnote_text(ps: &[&Provenance]) -> String {
    let mut s = String::from("[1] Provenance\n");
    for p in ps {
        for line in p.details() {
            s += &wrap_text(&line, "    ", "        ");
        }
    }
    s
}

/// The Markdown `## Provenance` section of one or more provenance lines.
pub fn footnote_markdown(ps: &[&Provenance]) -> String {
    let mut s = String::from("\n## Provenance\n\n");
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        for line in p.details() {
            s += &format!("- {line}\n");
        }
    }
    s
}

/// `hwcost <version>`, as every report names its generator.
pub const GENERATOR: &str = concat!("hwcost ", env!("CARGO_PKG_VERSION"));

/// Write `bytes` to `path` atomically: a temporary file in the same directory, then a rename,
/// so a reader never sees half a report.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    crate::atomic::write(path, bytes).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Rename a finished temporary file onto `path`, readable by all as an ordinary file would be
/// (temporary files are created private).
pub(crate) fn persist(tmp: crate::atomic::Temp, path: &Path) -> Result<(), ReportError> {
    crate::atomic::persist(tmp).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
