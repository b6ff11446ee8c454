//! `hwcost export accelergy|timeloop|scalesim UNIT... -o DIR`: hwcost's units in the input
//! formats of the architecture tools hardware people already use, and the companion files of
//! `hwcost rtl` (timing constraints, an OpenSTA script, the unit contract).
//!
//! Every number comes from [`crate::cost::command::priced_unit`], the cost API behind
//! `hwcost cost`, so an exported energy or area equals what `hwcost cost` prints for the same
//! unit and model. Each file starts with comment lines naming the model, technology, tools and
//! hwcost version that produced its numbers.
//!
//! - [`accelergy`]: Accelergy energy and area reference tables (`ERT.yaml`, `ART.yaml`,
//!   version 0.4, the tables Accelergy writes and Timeloop reads), one table per unit and one
//!   per datapath component.
//! - [`timeloop`]: per unit, a Timeloop v4 architecture (`arch.yaml`, version 0.4: a PE
//!   container of `lanes` MACs) with the tables of its MAC component.
//! - [`scalesim`]: per unit, a SCALE-Sim (v2 and v3) `.cfg` with the array, buffers and
//!   dataflow of `hwcost gemm`, the SRAM sizes counted in the format's element size.
//! - [`rtl`]: the SDC, OpenSTA script and `NOTES.md` that `hwcost rtl` writes beside a unit;
//!   [`testbench`]: its self-checking testbench and vectors; [`ports`]: its port map.

pub mod accelergy;
pub mod ports;
pub mod rtl;
pub mod scalesim;
pub mod testbench;
pub mod timeloop;

use std::path::{Path, PathBuf};

use crate::cost::command::{priced_unit, CostArgs, ModelKind, PricedUnit};
use crate::cost::source::Provenance;
use crate::cost::tech::DEFAULT_TECH;

/// The tools `hwcost export` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Accelergy energy and area reference tables (ERT.yaml, ART.yaml).
    Accelergy,
    /// Timeloop v4 architecture with the MAC's tables, one folder per unit.
    Timeloop,
    /// SCALE-Sim configuration (.cfg), one per unit.
    Scalesim,
}

/// `hwcost export TARGET UNIT... -o DIR`.
#[derive(clap::Args, Debug, Clone)]
pub struct ExportArgs {
    /// Which tool's input to write.
    #[arg(value_enum)]
    pub target: Target,
    /// Block formats of the units (built-in names, user formats, or .toml files).
    #[arg(required = true)]
    pub units: Vec<String>,
    /// Output directory (created if missing).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Lanes k of every unit (power of two 1..64); default: each format's block size (at most 64; see BlockFormat::default_lanes).
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Psum (aligner) width in bits, or `exact`; default min(2^(x+1)+2y, 24). Ignored for INT.
    #[arg(long, value_name = "N|exact")]
    pub psum_width: Option<String>,
    /// Extra pipeline register stages S (0 to 8); needs the synth or calibrated model.
    #[arg(long, default_value_t = 0)]
    pub pipeline: usize,
    /// Technology: a built-in name (sky130hd, asap7) or a technology .toml file.
    #[arg(long, default_value = DEFAULT_TECH)]
    pub tech: String,
    /// Cost model of the numbers (as `hwcost cost --model`).
    #[arg(long, value_enum, default_value_t = ModelKind::Analytic)]
    pub model: ModelKind,
    /// Directory of shipped results (synth-results.json, synth-details.json, calibration.json).
    #[arg(long, default_value = "reports")]
    pub results: PathBuf,
    /// Cache of synthesis runs [default: $HWCOST_CACHE_DIR, else ~/.cache/hwcost].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
}

impl ExportArgs {
    /// The `hwcost cost` arguments of one unit.
    pub fn cost_args(&self, unit: &str) -> CostArgs {
        CostArgs {
            format: unit.to_string(),
            lanes: self.lanes,
            psum_width: self.psum_width.clone(),
            pipeline: Some(self.pipeline),
            clock: Default::default(),
            arch: Default::default(),
            tech: self.tech.clone(),
            model: self.model,
            results: self.results.clone(),
            cache_dir: self.cache_dir.clone(),
            engine: crate::synth::tools::Engine::System,
            json: true,
            library: Default::default(),
        }
    }
}

/// Comment lines (`prefix` + text) naming what produced the numbers of an exported file.
pub fn provenance_comment(prefix: &str, what: &str, p: &Provenance) -> String {
    let mut s = format!("{prefix} {what}\n{prefix} Written by {}.\n", p.generator);
    let tools = if p.tools.is_empty() {
        "none (no external tool ran)".to_string()
    } else {
        p.tools.join(", ")
    };
    for line in [
        format!("model {}: {}", p.model, p.model_description),
        format!("technology {}: {}", p.tech, p.tech_node),
        format!("technology file: {}", p.tech_file),
        format!("external tools: {tools}"),
    ] {
        let first = format!("{prefix} ");
        let rest = format!("{prefix}   ");
        s += &crate::report::wrap_text(&line, &first, &rest);
    }
    s
}

/// Price every unit of `args`; the first failure is the error.
pub fn price_all(args: &ExportArgs) -> anyhow::Result<Vec<PricedUnit>> {
    args.units
        .iter()
        .map(|u| priced_unit(&args.cost_args(u)))
        .collect()
}

/// Write `text` to `dir/name` atomically; the path written.
pub(crate) fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(name);
    crate::atomic::write(&path, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Write the files of `args.target`; the paths written.
pub fn export(args: &ExportArgs) -> anyhow::Result<Vec<PathBuf>> {
    let units = price_all(args)?;
    match args.target {
        Target::Accelergy => accelergy::write_tables(&units, &args.out),
        Target::Timeloop => timeloop::write_all(&units, &args.out),
        Target::Scalesim => scalesim::write_all(&units, &args.out),
    }
}

/// `hwcost export`: write the files and list them.
pub fn run_export(args: &ExportArgs) -> anyhow::Result<()> {
    for p in export(args)? {
        println!("{}", p.display());
    }
    Ok(())
}
