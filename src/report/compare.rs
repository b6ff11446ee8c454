//! `hwcost compare A B [C...]`: per format the QSNR (theory and measured), cost (area, energy
//! per MAC, fmax, latency), storage (bits per element with the scale), ratios against the first
//! format, and the study's published figures beside them, as one typed [`Comparison`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::render::{self, TableFormat};
use super::ReportError;
use crate::cost::analytic::{study_table5, PsumWidth, UnitParams};
use crate::cost::source::{select_source, Model, Provenance, Selected, SourceError};
use crate::cost::tech::DEFAULT_TECH;
use crate::format::qsnr::{
    default_rho, measure_gaussian_rule, theory_qsnr_db, KAPPA_MAX, KAPPA_MIN,
};
use crate::format::quantize::ScaleRule;
use crate::format::{spec, BlockFormat};

/// The study's average QSNR (dB) measured on Llama-3.1-8B tensors.
pub const STUDY_LLAMA_QSNR: [(&str, f64); 8] = [
    ("mxfp8", 31.50),
    ("mxint8", 40.35),
    ("mxfp6", 30.39),
    ("mxint6", 28.57),
    ("mxfp4", 17.98),
    ("mxint4", 15.89),
    ("nvfp4", 20.60),
    ("nvint4", 20.55),
];

/// The same with a block-sized random Hadamard rotation (the study reports the NV pair).
pub const STUDY_LLAMA_QSNR_HADAMARD: [(&str, f64); 2] = [("nvfp4", 20.35), ("nvint4", 21.65)];

/// The study's measured QSNR of a built-in format, if it reports one.
pub fn study_qsnr(name: &str) -> Option<f64> {
    STUDY_LLAMA_QSNR
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, q)| q)
}

/// Default crest factor of the theoretical QSNR column. I.i.d. Gaussian blocks of 16-32 values
/// have kappa of about 2-2.5; real tensors with outliers reach higher. 3 is stated in every
/// table that uses it and can be changed with `--kappa`.
pub const DEFAULT_KAPPA: f64 = 3.0;
/// Default blocks of the Gaussian measurement: one tensor of the NV per-tensor scale, well
/// under a second for ten formats even in a debug build.
pub const DEFAULT_SAMPLES: usize = 4096;

/// Unit, technology and model options shared by `compare`, `plot` and `report`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct UnitOptions {
    /// Lanes k of every unit (power of two 1..64); default: each format's block size (at most 64; see BlockFormat::default_lanes).
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Psum (aligner) width in bits, or `exact`; default min(2^(x+1)+2y, 24). INT sums are exact.
    #[arg(long, value_name = "N|exact")]
    pub psum_width: Option<String>,
    /// Technology: a built-in name (sky130hd, asap7) or a technology .toml file.
    #[arg(long, default_value = DEFAULT_TECH)]
    pub tech: String,
    /// Cost model; default: synthesized results when available, else analytic (said in the notes).
    #[arg(long, value_enum)]
    pub model: Option<Model>,
    /// Directory of user-defined format files.
    #[arg(long, default_value = "models/formats")]
    pub dir: PathBuf,
    /// Directory of shipped model results (synth-results.json, calibration.json).
    #[arg(long, default_value = "reports")]
    pub results: PathBuf,
}

impl UnitOptions {
    /// The cost source for `units` under these options.
    pub fn select(&self, units: &[UnitParams]) -> Result<Selected, ReportError> {
        Ok(select_source(self.model, &self.tech, &self.results, units)?)
    }
}

impl Default for UnitOptions {
    fn default() -> Self {
        UnitOptions {
            lanes: None,
            psum_width: None,
            tech: DEFAULT_TECH.to_string(),
            model: None,
            dir: PathBuf::from("models/formats"),
            results: PathBuf::from("reports"),
        }
    }
}

/// QSNR options shared by `compare`, `plot` and `report`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct QsnrOptions {
    /// Crest factor kappa (max|x| / rms of a block) of the theoretical QSNR.
    #[arg(long, default_value_t = DEFAULT_KAPPA)]
    pub kappa: f64,
    /// Gaussian blocks of the measured QSNR.
    #[arg(long, default_value_t = DEFAULT_SAMPLES)]
    pub samples: usize,
    /// Seed of the measurement's blocks (ChaCha8).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Scale rule of the measured QSNR, for the formats whose scale it fits (the others, and
    /// all without it: ceil for UE8M0, nv-study for E4M3).
    #[arg(long, value_enum)]
    pub scale_rule: Option<ScaleRule>,
}

impl Default for QsnrOptions {
    fn default() -> Self {
        QsnrOptions {
            kappa: DEFAULT_KAPPA,
            samples: DEFAULT_SAMPLES,
            seed: 0,
            scale_rule: None,
        }
    }
}

impl QsnrOptions {
    fn check(&self) -> Result<(), ReportError> {
        if !(self.kappa.is_finite() && (KAPPA_MIN..=KAPPA_MAX).contains(&self.kappa)) {
            return Err(ReportError::BadKappa(self.kappa));
        }
        if self.samples == 0 || self.samples > crate::args::MAX_SAMPLES {
            return Err(ReportError::BadSamples(self.samples));
        }
        Ok(())
    }
}

/// `hwcost compare A B [C...]`.
#[derive(clap::Args, Debug, Clone)]
pub struct CompareArgs {
    /// Block formats (built-in names, user formats, or .toml files), or mixed units WIDE+NARROW
    /// (mxint8+nvint4 mxfp8+nvfp4); ratios are against the first.
    #[arg(required = true, num_args = 2.., value_name = "FORMAT")]
    pub formats: Vec<String>,
    #[command(flatten)]
    pub unit: UnitOptions,
    /// The datapath architecture of every unit (a format it is not built for is an error);
    /// the synthesized results answer for it, the analytic model refuses it.
    #[command(flatten)]
    pub arch: crate::rtl::Arch,
    #[command(flatten)]
    pub qsnr: QsnrOptions,
    /// Compare at a target clock, MHz: every unit pipelined to the fewest stages that meet it
    /// and synthesized toward it (the iso-clock results, `hwcost synth --clock-mhz F
    /// --write-clock`); costs are the flattened netlists timed at the clock.
    #[arg(long, value_parser = crate::args::clock_mhz, conflicts_with = "period_ns")]
    pub clock_mhz: Option<f64>,
    /// The target clock as a period, ns (the same as --clock-mhz 1000/P).
    #[arg(long, value_parser = crate::args::period_ns)]
    pub period_ns: Option<f64>,
    /// Synthesize the units onto this Liberty now (cached after the first run) instead of
    /// reading the shipped sky130 results; with --clock-mhz, each at the depth that meets it.
    #[command(flatten)]
    pub library: crate::synth::flow::LibraryArgs,
    /// Output: aligned text table, Markdown, JSON or CSV.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

impl CompareArgs {
    /// The target clock, MHz, if one was asked for.
    pub fn target_mhz(&self) -> Option<f64> {
        self.period_ns.map(|p| 1000.0 / p).or(self.clock_mhz)
    }
}

/// One format of a comparison. Flat (no nested values), so it is also one CSV record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareRow {
    pub format: String,
    /// Element label, e.g. `INT8`, `E4M3`.
    pub element: String,
    pub block: usize,
    /// Scale label, e.g. `UE8M0`.
    pub scale: String,
    pub is_int: bool,
    pub lanes: usize,
    /// Bits of the aligner window, or `exact` (written as the string `"exact"`).
    #[serde(with = "crate::fields::psum")]
    pub psum_width: Option<u32>,
    /// The datapath architecture the cost columns are for, `booth4 + csa-tree`, or what a
    /// model that does not distinguish architectures says (`not modelled (analytic model)`).
    pub architecture: String,
    /// Its parts; empty when the model does not distinguish architectures.
    pub multiplier: Option<crate::rtl::Multiplier>,
    pub reduction: Option<crate::rtl::Reduction>,
    /// Stored bits per element, the 8-bit block scale included (8.25 for MXINT8).
    pub bits_per_element: f64,
    /// Crest factor and scale overhead of the theoretical QSNR.
    pub kappa: f64,
    pub rho: f64,
    pub qsnr_theory_db: f64,
    /// The bit-exact quantizer on i.i.d. Gaussian blocks with the study's scale rules.
    pub qsnr_measured_db: f64,
    /// The study's average on Llama-3.1-8B tensors.
    pub study_qsnr_db: Option<f64>,
    pub model: String,
    pub tech: String,
    pub area_um2: f64,
    pub area_um2_per_mac: f64,
    pub energy_pj_per_mac: f64,
    pub fmax_mhz: Option<f64>,
    pub latency_cycles: Option<usize>,
    /// Per MAC at equal throughput, over the first format's.
    pub area_ratio: f64,
    pub energy_ratio: f64,
    pub bits_ratio: f64,
    /// This format's QSNR minus the first format's, dB.
    pub qsnr_theory_delta_db: f64,
    pub qsnr_measured_delta_db: f64,
    /// The study's Table 5 ratio against the first format, where both are in Table 5 and both
    /// units are at default parameters.
    pub study_area_ratio: Option<f64>,
    pub study_energy_ratio: Option<f64>,
}

/// Everything `hwcost compare` prints, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub provenance: Provenance,
    /// The first format: every ratio is against it.
    pub baseline: String,
    pub kappa: f64,
    pub samples: usize,
    pub seed: u64,
    pub rows: Vec<CompareRow>,
    /// Sentences a reader needs: what the columns mean and what was not available.
    pub notes: Vec<String>,
    /// What fmax and latency cells say when the model gives none.
    pub missing: String,
}

/// A validated comparison: formats resolved, unit parameters parsed.
#[derive(Clone, Debug)]
pub struct CompareRequest {
    pub formats: Vec<BlockFormat>,
    pub lanes: Option<usize>,
    pub psum: PsumWidth,
    /// `--multiplier` / `--reduction`, applied to every unit.
    pub arch: crate::rtl::Arch,
    pub qsnr: QsnrOptions,
}

impl CompareRequest {
    pub fn new(
        names: &[String],
        unit: &UnitOptions,
        qsnr: &QsnrOptions,
    ) -> Result<Self, ReportError> {
        qsnr.check()?;
        let dirs = std::slice::from_ref(&unit.dir);
        let formats = names
            .iter()
            .map(|n| spec::lookup_in(n, dirs))
            .collect::<Result<Vec<_>, _>>()?;
        let psum = match &unit.psum_width {
            None => PsumWidth::Default,
            Some(s) => s.parse()?,
        };
        Ok(CompareRequest {
            formats,
            lanes: unit.lanes,
            psum,
            arch: Default::default(),
            qsnr: qsnr.clone(),
        })
    }

    /// The same request with every unit in the architecture `arch`.
    pub fn with_arch(mut self, arch: crate::rtl::Arch) -> Self {
        self.arch = arch;
        self
    }

    /// The unit of every format, validated before any measurement runs.
    pub fn units(&self) -> Result<Vec<UnitParams>, ReportError> {
        Ok(self
            .formats
            .iter()
            .map(|f| UnitParams::new(f.clone(), self.lanes, self.psum)?.with_arch(self.arch))
            .collect::<Result<Vec<_>, _>>()?)
    }
}

/// True when a unit is at the study's parameters (Table 5 was costed there).
fn at_study_defaults(u: &UnitParams) -> bool {
    let default_n = if u.format.elem.is_int() {
        None
    } else {
        Some(u.format.default_psum_width())
    };
    u.lanes == u.format.default_lanes() && u.psum_width == default_n
}

/// Build the comparison with the chosen cost source.
pub fn compare(req: &CompareRequest, selected: &Selected) -> Result<Comparison, ReportError> {
    if req.formats.is_empty() {
        return Err(ReportError::TooFewFormats {
            kind: "compare".into(),
            min: 1,
            got: 0,
        });
    }
    let source = selected.source.as_ref();
    let units = req.units()?;
    let costs = units
        .iter()
        .map(|u| source.unit_cost(u))
        .collect::<Result<Vec<_>, _>>()?;
    let q = &req.qsnr;
    let mut rows = Vec::with_capacity(units.len());
    for (u, c) in units.iter().zip(&costs) {
        let f = &u.format;
        let rho = default_rho(f);
        rows.push(CompareRow {
            format: f.name.clone(),
            element: f.elem.label(),
            block: f.block,
            scale: f.scale.label().to_string(),
            is_int: f.elem.is_int(),
            lanes: u.lanes,
            psum_width: u.psum_width,
            architecture: c.architecture_label(),
            multiplier: c.multiplier,
            reduction: c.reduction,
            bits_per_element: f.bits_per_element(),
            kappa: q.kappa,
            rho,
            qsnr_theory_db: theory_qsnr_db(f, q.kappa, rho),
            qsnr_measured_db: measure_gaussian_rule(
                f,
                q.scale_rule.filter(|r| r.fits(f)),
                q.samples,
                q.seed,
            )?,
            study_qsnr_db: study_qsnr(&f.name),
            model: c.model.clone(),
            tech: c.tech.clone(),
            area_um2: c.area_um2,
            area_um2_per_mac: c.area_um2_per_mac,
            energy_pj_per_mac: c.energy_pj_per_mac,
            fmax_mhz: c.fmax_mhz,
            latency_cycles: c.latency_cycles,
            area_ratio: 1.0,
            energy_ratio: 1.0,
            bits_ratio: 1.0,
            qsnr_theory_delta_db: 0.0,
            qsnr_measured_delta_db: 0.0,
            study_area_ratio: None,
            study_energy_ratio: None,
        });
    }
    let base = rows[0].clone();
    let base_default = at_study_defaults(&units[0]);
    let base_study = study_table5(&base.format);
    let mut off_defaults = false;
    for (r, u) in rows.iter_mut().zip(&units) {
        r.area_ratio = r.area_um2_per_mac / base.area_um2_per_mac;
        r.energy_ratio = r.energy_pj_per_mac / base.energy_pj_per_mac;
        r.bits_ratio = r.bits_per_element / base.bits_per_element;
        r.qsnr_theory_delta_db = r.qsnr_theory_db - base.qsnr_theory_db;
        r.qsnr_measured_delta_db = r.qsnr_measured_db - base.qsnr_measured_db;
        if let (Some((ba, be)), Some((a, e))) = (base_study, study_table5(&r.format)) {
            if base_default && at_study_defaults(u) {
                r.study_area_ratio = Some(a / ba);
                r.study_energy_ratio = Some(e / be);
            } else {
                off_defaults = true;
            }
        }
    }
    let mut notes = Vec::new();
    if let Some(n) = &selected.note {
        notes.push(n.clone());
    }
    notes.push(format!(
        "Ratios are per MAC at equal throughput (a unit's area and energy divided by its lanes), against {}; \
         QSNR rows give the difference in dB.",
        base.format
    ));
    notes.push(format!(
        "QSNR theory: the study's closed form (derived in src/format/qsnr.rs) at crest factor kappa = {} with scale overhead \
         rho = 1.5 for UE8M0 and 1.05 for E4M3 scales. Measured: the bit-exact quantizer with {}; RNE) on {} \
         i.i.d. Gaussian blocks, seed {}.",
        q.kappa,
        match q.scale_rule {
            None => "the study's scale rules (ceil, nv-study".to_string(),
            Some(r) => format!("scale rule {} where it fits (else ceil, nv-study", r.name()),
        },
        q.samples,
        q.seed
    ));
    notes.push(match selected.source.provenance().model.as_str() {
        "analytic" => "Architecture: the analytic model counts one structure per component (the study's Table 6), \
             whatever the datapath architecture."
            .to_string(),
        _ if req.arch.is_default() => "Architecture: each unit's datapath (multiplier + block-sum reduction), each \
             format's default (its cheapest verified one, rtl/NOTES.md); --multiplier and --reduction choose another."
            .to_string(),
        _ => format!(
            "Architecture: every unit built as asked ({}); the costs are for that datapath.",
            crate::cost::source::asked_architecture(&req.arch)
        ),
    });
    notes.push(
        "Study: Table 5 of arXiv 2510.25602 (normalized to MXFP8 per MAC at equal throughput, default \
         parameters) and its average QSNR measured on Llama-3.1-8B tensors."
            .to_string(),
    );
    if units
        .iter()
        .any(|u| u.format.scale == crate::format::ScaleFormat::Unscaled)
    {
        notes.push(
            "A format without a scale has no theoretical QSNR (the model scales each block to its max; \
             without a scale the QSNR depends on the data's magnitude) and is measured on unit-variance \
             Gaussian data; its unit is the UE8M0 one with the scale inputs tied to 2^0 (rtl/NOTES.md)."
                .to_string(),
        );
    }
    if off_defaults {
        notes.push(
            "Study Table 5 ratios are left out for units not at the study's parameters (k = block size, \
             default psum width)."
                .to_string(),
        );
    }
    Ok(Comparison {
        provenance: source.provenance().clone(),
        baseline: base.format.clone(),
        kappa: q.kappa,
        samples: q.samples,
        seed: q.seed,
        rows,
        notes,
        missing: source.missing_reason(),
    })
}

/// Resolve the arguments and build the comparison.
pub fn comparison(args: &CompareArgs) -> Result<Comparison, ReportError> {
    let req = CompareRequest::new(&args.formats, &args.unit, &args.qsnr)?.with_arch(args.arch);
    // Units are validated before the source is resolved, so a bad --lanes is reported as such.
    let units = req.units()?;
    if args.library.liberty.is_some() {
        if let Some(m) = args.unit.model.filter(|&m| m != Model::Synth) {
            return Err(ReportError::Synthesis(format!(
                "--liberty synthesizes the units: it goes with the synth model, not --model {}",
                m.name()
            )));
        }
        let source = super::clock::liberty_source(
            &args.library,
            &units,
            args.target_mhz(),
            &args.unit.results,
        )?;
        return compare(
            &req,
            &Selected {
                source: Box::new(source),
                note: None,
            },
        );
    }
    let Some(mhz) = args.target_mhz() else {
        return compare(&req, &args.unit.select(&units)?);
    };
    if let Some(m) = args.unit.model.filter(|&m| m != Model::Synth) {
        return Err(ReportError::from(SourceError::NoClockResult {
            mhz,
            why: format!(
                "the {} model has no clock; a comparison at a clock is the synthesized model's (drop --model or use --model synth)",
                m.name()
            ),
        }));
    }
    let source = super::clock::ClockSource::load(&args.unit.results, mhz)?;
    let mut c = compare(
        &req,
        &Selected {
            source: Box::new(source),
            note: None,
        },
    )?;
    c.notes.insert(
        0,
        format!(
            "At a target clock of {mhz:.1} MHz: each unit pipelined to the fewest stages whose flattened netlist \
             OpenSTA times with slack >= 0 at it (zero input and output delay, ideal clock), synthesized toward the \
             clock; area and energy are that netlist's, with the pipeline registers and their clock-pin energy at \
             {mhz:.1} MHz (no clock tree); latency counts the stages. From {}.",
            args.unit.results.join(crate::synth::clock::CLOCK_FILE).display()
        ),
    );
    Ok(c)
}

/// What `hwcost compare` prints. Mixed formats (`WIDE+NARROW`) go to [`super::mixed`].
pub fn compare_output(args: &CompareArgs) -> Result<String, ReportError> {
    if super::mixed::is_mixed(&args.formats) {
        if args.library.liberty.is_some() {
            return Err(ReportError::Synthesis(
                "mixed units are synthesized onto the shipped sky130 library only (hwcost synth-mixed)".into(),
            ));
        }
        if let Some(mhz) = args.target_mhz() {
            return Err(ReportError::from(SourceError::NoClockResult {
                mhz,
                why: "mixed units have no iso-clock results yet; compare them without --clock-mhz"
                    .into(),
            }));
        }
        return super::mixed::render_mixed(&super::mixed::mixed_comparison(args)?, args.format);
    }
    render::render(&comparison(args)?, args.format)
}

/// `hwcost compare`: print the comparison on stdout.
pub fn run_compare(args: &CompareArgs) -> anyhow::Result<()> {
    print!("{}", compare_output(args)?);
    Ok(())
}
