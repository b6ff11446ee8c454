//! The boundary between reports and cost models: one typed cost of a unit ([`UnitCost`]) and
//! the [`CostSource`] trait every model answers through, plus the choice of a source for
//! `--model`.
//!
//! Reports never call a cost model directly. A new model (synthesized results read from the
//! cache in `reports/`, a calibrated model) implements [`CostSource`] and gets one arm in
//! [`select_source`]; every table, chart and report then shows it.

use serde::{Deserialize, Serialize};

use std::path::{Path, PathBuf};

use crate::cost::analytic::{self, ParamError, UnitParams};
use crate::cost::tech::{Tech, TechError};

/// Errors of the cost sources and their results files; each names the value or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Tech(#[from] TechError),
    #[error("cost model '{model}' cannot be used: {why}; use --model analytic")]
    ModelUnavailable { model: String, why: String },
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
}

/// `hwcost <version>`, as every report names its generator.
pub const GENERATOR: &str = concat!("hwcost ", env!("CARGO_PKG_VERSION"));

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

/// Write `bytes` to `path` atomically ([`crate::atomic::write`]); the error names the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SourceError> {
    crate::atomic::write(path, bytes).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The cost models `--model` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// The study's analytic gate model: Table 6 cell counts x technology cell factors.
    Analytic,
    /// Yosys + OpenSTA results of the generated RTL (sky130), with simulated activity.
    Synth,
    /// Analytic cell counts with cell factors fitted to the synthesized results.
    Calibrated,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::Analytic => "analytic",
            Model::Synth => "synth",
            Model::Calibrated => "calibrated",
        }
    }
}

/// Cost of one datapath component of a unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentCost {
    /// Stable key (snake_case), e.g. `aligners`; charts stack components by key.
    pub key: String,
    /// Label for tables and legends, e.g. `aligners`.
    pub label: String,
    pub area_um2: f64,
    pub energy_pj_per_block: f64,
}

/// The cost of one unit from one model: what every report needs, nothing model-specific.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitCost {
    pub format: String,
    pub lanes: usize,
    /// Aligner width n; `None` for INT formats, whose block sums are exact (written `"exact"`).
    #[serde(with = "crate::fields::psum", default)]
    pub psum_width: Option<u32>,
    /// The datapath architecture the numbers are for; `None` for a model that does not
    /// distinguish architectures (analytic). In a results table, a missing part is the
    /// format's default (`rtl::Arch::resolve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<crate::rtl::Multiplier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduction: Option<crate::rtl::Reduction>,
    pub model: String,
    pub tech: String,
    /// In datapath order; they add up to the totals.
    pub components: Vec<ComponentCost>,
    pub area_um2: f64,
    /// Energy of one block (one cycle of the unit at full throughput), pJ.
    pub energy_pj_per_block: f64,
    /// Per MAC at equal throughput: the unit's totals divided by its lanes.
    pub area_um2_per_mac: f64,
    pub energy_pj_per_mac: f64,
    /// From static timing analysis of the synthesized netlist; `None` for models without it.
    pub fmax_mhz: Option<f64>,
    /// Cycles from a block's input to its result, from the RTL generator's metadata.
    pub latency_cycles: Option<usize>,
}

impl UnitCost {
    /// Build from components; the totals and per-MAC figures are derived, so they always agree.
    pub fn from_components(
        unit: &UnitParams,
        model: &str,
        tech: &str,
        components: Vec<ComponentCost>,
        fmax_mhz: Option<f64>,
        latency_cycles: Option<usize>,
    ) -> UnitCost {
        let area: f64 = components.iter().map(|c| c.area_um2).sum();
        let energy: f64 = components.iter().map(|c| c.energy_pj_per_block).sum();
        let k = unit.lanes as f64;
        let arch = unit.architecture();
        UnitCost {
            format: unit.format.name.clone(),
            lanes: unit.lanes,
            psum_width: unit.psum_width,
            multiplier: arch.map(|a| a.0),
            reduction: arch.map(|a| a.1),
            model: model.to_string(),
            tech: tech.to_string(),
            components,
            area_um2: area,
            energy_pj_per_block: energy,
            area_um2_per_mac: area / k,
            energy_pj_per_mac: energy / k,
            fmax_mhz,
            latency_cycles,
        }
    }
}

impl UnitCost {
    /// `booth4 + csa-tree`, or what a model that does not distinguish architectures says.
    pub fn architecture_label(&self) -> String {
        match (self.multiplier, self.reduction) {
            (Some(m), Some(r)) => crate::rtl::arch_label(m, r),
            _ => format!("not modelled ({} model)", self.model),
        }
    }

    /// The architecture of a results-table entry: the parts it names, the format's default for
    /// the others; `None` when the format is unknown or the generator does not build it.
    pub fn table_architecture(&self) -> Option<(crate::rtl::Multiplier, crate::rtl::Reduction)> {
        let format = crate::format::lookup(&self.format).ok()?;
        crate::rtl::Arch {
            multiplier: self.multiplier,
            reduction: self.reduction,
        }
        .resolve(&format)
        .ok()
    }

    /// Replace the totals with a model's own (equal to the component sum up to rounding) and
    /// derive the per-MAC figures from them.
    pub fn set_totals(&mut self, area_um2: f64, energy_pj_per_block: f64) {
        let k = self.lanes as f64;
        self.area_um2 = area_um2;
        self.energy_pj_per_block = energy_pj_per_block;
        self.area_um2_per_mac = area_um2 / k;
        self.energy_pj_per_mac = energy_pj_per_block / k;
    }
}

/// A cost model as reports see it.
pub trait CostSource {
    /// Which model, technology and tools produce this source's numbers.
    fn provenance(&self) -> &Provenance;
    /// The cost of one unit.
    fn unit_cost(&self, unit: &UnitParams) -> Result<UnitCost, SourceError>;
    /// Why a figure this source does not give (fmax, latency) is missing, for table cells.
    fn missing_reason(&self) -> String {
        format!("n/a ({} model)", self.provenance().model)
    }
}

/// The study's analytic model ([`analytic::analytic_cost`]) with one technology.
pub struct AnalyticSource {
    tech: Tech,
    provenance: Provenance,
}

impl AnalyticSource {
    /// `tech_spec` is a built-in technology name or a technology `.toml` path.
    pub fn new(tech_spec: &str) -> Result<AnalyticSource, SourceError> {
        let tech = Tech::resolve(tech_spec)?;
        let tech_file = if Tech::builtin(tech_spec).is_some() {
            format!("models/{tech_spec}.toml, built in")
        } else {
            tech_spec.to_string()
        };
        let provenance = Provenance {
            generator: GENERATOR.to_string(),
            model: Model::Analytic.name().to_string(),
            model_description: analytic::DESCRIPTION.to_string(),
            tech: tech.name.clone(),
            tech_node: format!("{}, {}", tech.node, tech.corner),
            tech_file,
            tools: Vec::new(),
        };
        Ok(AnalyticSource { tech, provenance })
    }

    pub fn tech(&self) -> &Tech {
        &self.tech
    }
}

impl CostSource for AnalyticSource {
    fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    fn unit_cost(&self, unit: &UnitParams) -> Result<UnitCost, SourceError> {
        refuse_architecture(Model::Analytic, unit)?;
        let c = analytic::analytic_cost(unit, &self.tech);
        let components = c
            .components
            .iter()
            .map(|x| ComponentCost {
                // The label with underscores is the component's serde name (snake_case).
                key: x.component.label().replace(' ', "_"),
                label: x.component.label().to_string(),
                area_um2: x.area_um2,
                energy_pj_per_block: x.energy_pj_per_block,
            })
            .collect();
        let mut cost = UnitCost::from_components(
            unit,
            &self.provenance.model,
            &self.tech.name,
            components,
            None,
            rtl_latency(unit),
        );
        // The model sums its totals over cell types, not components; keep its own numbers so
        // reports agree with `hwcost cost` to the last digit (they differ by rounding only).
        cost.set_totals(c.total.area_um2, c.total.energy_pj_per_block);
        // Table 6 counts one structure per component, whatever the architecture.
        cost.multiplier = None;
        cost.reduction = None;
        Ok(cost)
    }
}

/// The error of a model that does not distinguish architectures when `unit` names one
/// explicitly (`--multiplier` / `--reduction`): its numbers would be the same for any.
pub fn refuse_architecture(model: Model, unit: &UnitParams) -> Result<(), SourceError> {
    if unit.arch.is_default() {
        return Ok(());
    }
    Err(SourceError::ArchitectureNotModelled {
        model: model.name().to_string(),
        asked: asked_architecture(&unit.arch),
        why: String::new(),
    })
}

/// The options that asked for `arch`: `--multiplier array --reduction cpa-tree`.
pub fn asked_architecture(arch: &crate::rtl::Arch) -> String {
    [
        arch.multiplier.map(|m| format!("--multiplier {m}")),
        arch.reduction.map(|r| format!("--reduction {r}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

/// Cycles from a block's input to its result in the unit the RTL generator builds for `unit`
/// with no extra pipeline stages (the analytic model costs no pipeline registers); `None` when
/// the generator does not build that unit (a psum width it has no aligner for).
pub fn rtl_latency(unit: &UnitParams) -> Option<usize> {
    let psum_width = match unit.psum_width {
        Some(n) => crate::rtl::PsumWidth::Bits(n),
        None => crate::rtl::PsumWidth::Default,
    };
    let params = crate::rtl::UnitParams {
        lanes: Some(unit.lanes),
        psum_width,
        pipeline: 0,
        arch: unit.arch,
    };
    crate::rtl::UnitPlan::new(&unit.format, &params)
        .ok()
        .map(|plan| plan.latency())
}

/// Shipped results of a model that cannot run on every machine (synthesis needs yosys, sta and
/// iverilog): a file holding the provenance and one [`UnitCost`] per unit. The synthesized
/// model writes `synth-results.json` (and a calibrated model `calibrated-results.json`) into
/// the results directory (`reports/` by default) with [`CostTable::save`]; reports read it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostTable {
    pub provenance: Provenance,
    pub units: Vec<UnitCost>,
}

impl CostTable {
    /// The file name of `model`'s shipped results; the analytic model ships none.
    pub fn file_name(model: Model) -> Option<&'static str> {
        match model {
            Model::Analytic => None,
            Model::Synth => Some("synth-results.json"),
            Model::Calibrated => Some(super::calibrate::FILE),
        }
    }

    pub fn load(path: &Path) -> Result<CostTable, SourceError> {
        let text = crate::shipped::read_to_string(path).map_err(|source| SourceError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| SourceError::Results {
            path: path.to_path_buf(),
            why: e.to_string(),
        })
    }

    /// Write atomically as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), SourceError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| SourceError::Results {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
        write_atomic(path, (text + "\n").as_bytes())
    }

    /// The entry of `unit`: same format, lanes, psum width and architecture. An entry that
    /// does not name its architecture (or a part of it) is the format's default there, so it
    /// answers for the default architecture only.
    pub fn find(&self, unit: &UnitParams) -> Option<&UnitCost> {
        let arch = unit.architecture()?;
        self.units.iter().find(|c| {
            c.format == unit.format.name
                && c.lanes == unit.lanes
                && c.psum_width == unit.psum_width
                && c.table_architecture() == Some(arch)
        })
    }
}

/// Names a unit in messages: `mxfp8 (k = 32, n = 24)`, with its architecture when one was
/// asked for: `mxint8 (k = 32, n = exact, array + cpa-tree)`.
pub fn unit_label(unit: &UnitParams) -> String {
    let n = unit
        .psum_width
        .map_or("exact".to_string(), |n| n.to_string());
    match unit.architecture() {
        Some((m, r)) if !unit.arch.is_default() => format!(
            "{} (k = {}, n = {n}, {})",
            unit.format.name,
            unit.lanes,
            crate::rtl::arch_label(m, r)
        ),
        _ => format!("{} (k = {}, n = {n})", unit.format.name, unit.lanes),
    }
}

/// A [`CostTable`] read from a file, answering for the units it holds.
pub struct TableSource {
    table: CostTable,
    path: PathBuf,
}

impl TableSource {
    /// A table made now (e.g. units synthesized for this call), named by `path` in messages.
    pub fn new(table: CostTable, path: PathBuf) -> TableSource {
        TableSource { table, path }
    }

    pub fn load(path: &Path) -> Result<TableSource, SourceError> {
        Ok(TableSource {
            table: CostTable::load(path)?,
            path: path.to_path_buf(),
        })
    }

    /// The first of `units` the table does not hold, if any.
    pub fn first_missing<'a>(&self, units: &'a [UnitParams]) -> Option<&'a UnitParams> {
        units.iter().find(|u| self.table.find(u).is_none())
    }
}

impl CostSource for TableSource {
    fn provenance(&self) -> &Provenance {
        &self.table.provenance
    }

    fn unit_cost(&self, unit: &UnitParams) -> Result<UnitCost, SourceError> {
        self.table
            .find(unit)
            .cloned()
            .ok_or_else(|| SourceError::NotInResults {
                unit: unit_label(unit),
                path: self.path.clone(),
            })
    }

    fn missing_reason(&self) -> String {
        format!("n/a (not in {})", self.path.display())
    }
}

/// A chosen source and, when it was chosen automatically, the sentence saying what was not
/// available (printed in the notes of every table).
pub struct Selected {
    pub source: Box<dyn CostSource>,
    pub note: Option<String>,
}

/// The shipped results of `model` in `results_dir` for `units` with the technology `tech_spec`,
/// or why they cannot be used.
pub fn shipped_source(
    model: Model,
    tech_spec: &str,
    results_dir: &Path,
    units: &[UnitParams],
) -> Result<TableSource, String> {
    let file = CostTable::file_name(model).ok_or("the analytic model ships no results")?;
    let path = results_dir.join(file);
    if !crate::shipped::is_file(&path) {
        return Err(format!(
            "no {} results in {}: the file does not exist (`hwcost synth` writes it)",
            model.name(),
            path.display(),
        ));
    }
    let source = TableSource::load(&path).map_err(|e| e.to_string())?;
    let tech = Tech::resolve(tech_spec).map_err(|e| e.to_string())?;
    if source.provenance().tech != tech.name {
        return Err(format!(
            "{} holds results for technology '{}', not '{}'",
            path.display(),
            source.provenance().tech,
            tech.name
        ));
    }
    if let Some(u) = source.first_missing(units) {
        return Err(format!(
            "{} has no result for {}",
            path.display(),
            unit_label(u)
        ));
    }
    Ok(source)
}

/// The source for `--model` and the `units` it must cost. `None`: the shipped synthesized
/// results in `results_dir` when they cover every unit with this technology, else the analytic
/// model with a note saying why. A named model that cannot answer is an error.
pub fn select_source(
    model: Option<Model>,
    tech_spec: &str,
    results_dir: &Path,
    units: &[UnitParams],
) -> Result<Selected, SourceError> {
    match model {
        Some(Model::Analytic) => Ok(Selected {
            source: Box::new(AnalyticSource::new(tech_spec)?),
            note: None,
        }),
        Some(Model::Calibrated) => {
            match crate::cost::calibrate::CalibratedSource::load(results_dir, tech_spec) {
                Ok(c) => Ok(Selected {
                    source: Box::new(c),
                    note: None,
                }),
                Err(e) => Err(SourceError::ModelUnavailable {
                    model: Model::Calibrated.name().to_string(),
                    why: e.to_string(),
                }),
            }
        }
        Some(m) => match shipped_source(m, tech_spec, results_dir, units) {
            Ok(t) => Ok(Selected {
                source: Box::new(t),
                note: None,
            }),
            Err(why) => Err(SourceError::ModelUnavailable {
                model: m.name().to_string(),
                why,
            }),
        },
        None => match shipped_source(Model::Synth, tech_spec, results_dir, units) {
            Ok(t) => Ok(Selected {
                source: Box::new(t),
                note: None,
            }),
            Err(why) if units.iter().any(|u| !u.arch.is_default()) => {
                // the analytic model cannot stand in for an explicit architecture
                Err(SourceError::ArchitectureNotModelled {
                    model: Model::Analytic.name().to_string(),
                    asked: units
                        .iter()
                        .find(|u| !u.arch.is_default())
                        .map_or(String::new(), |u| asked_architecture(&u.arch)),
                    why: format!(" (the synthesized results cannot: {why})"),
                })
            }
            Err(why) => {
                // A switch of model is never silent: in the notes of every table, and here.
                let note = format!("analytic model used: {why}");
                eprintln!("hwcost: note: {note}");
                Ok(Selected {
                    source: Box::new(AnalyticSource::new(tech_spec)?),
                    note: Some(note),
                })
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::analytic::PsumWidth;
    use crate::format::lookup_in;

    fn unit(name: &str) -> UnitParams {
        UnitParams::new(lookup_in(name, &[]).unwrap(), None, PsumWidth::Default).unwrap()
    }

    #[test]
    fn analytic_source_carries_the_analytic_totals() {
        let s = AnalyticSource::new("sky130hd").unwrap();
        for name in ["mxfp8", "mxint8", "nvfp4"] {
            let u = unit(name);
            let got = s.unit_cost(&u).unwrap();
            let want = analytic::analytic_cost(&u, s.tech());
            assert_eq!(got.area_um2, want.total.area_um2, "{name}");
            assert_eq!(got.area_um2_per_mac, want.total.area_um2_per_mac, "{name}");
            assert_eq!(
                got.energy_pj_per_mac, want.total.energy_pj_per_mac,
                "{name}"
            );
            let sum: f64 = got.components.iter().map(|c| c.energy_pj_per_block).sum();
            assert!(
                (sum - got.energy_pj_per_block).abs() < 1e-12 * sum,
                "{name}"
            );
            assert_eq!(got.components.len(), want.components.len());
            assert_eq!(got.fmax_mhz, None);
            // from the generated RTL: the result is registered one cycle after the inputs
            assert_eq!(got.latency_cycles, Some(1), "{name}");
        }
        let c = s.unit_cost(&unit("mxfp8")).unwrap();
        assert_eq!(c.components[4].key, "aligners");
        assert_eq!(c.components.last().unwrap().key, "accumulator");
    }

    #[test]
    fn provenance_names_model_tech_and_file() {
        let s = AnalyticSource::new("asap7").unwrap();
        let p = s.provenance();
        assert_eq!((p.model.as_str(), p.tech.as_str()), ("analytic", "asap7"));
        assert_eq!(p.tech_file, "models/asap7.toml, built in");
        assert!(p.markdown().contains("**analytic**") && p.markdown().contains("asap7"));
    }

    #[test]
    fn unavailable_models_are_errors_and_automatic_choice_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let units = [unit("mxint8")];
        for m in [Model::Synth, Model::Calibrated] {
            let e = select_source(Some(m), "sky130hd", dir.path(), &units)
                .err()
                .unwrap()
                .to_string();
            assert!(
                e.contains(&format!("'{}'", m.name())) && e.contains("--model analytic"),
                "{e}"
            );
            assert!(e.contains(CostTable::file_name(m).unwrap()), "{e}");
        }
        let auto = select_source(None, "sky130hd", dir.path(), &units).unwrap();
        assert_eq!(auto.source.provenance().model, "analytic");
        assert!(auto.note.unwrap().contains("no synth results in"));
        let e = select_source(Some(Model::Analytic), "tsmc3", dir.path(), &units)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("tsmc3"), "{e}");
    }

    /// A results table as the synthesized model would ship it: costs unlike the analytic ones.
    fn shipped_table(tech: &str) -> CostTable {
        let a = AnalyticSource::new("sky130hd").unwrap();
        let mut units = Vec::new();
        for name in ["mxint8", "mxfp8"] {
            let u = unit(name);
            let mut c = a.unit_cost(&u).unwrap();
            for comp in &mut c.components {
                comp.area_um2 *= 2.0;
            }
            units.push(UnitCost::from_components(
                &u,
                "synth",
                tech,
                c.components,
                Some(250.0),
                Some(1),
            ));
        }
        let provenance = Provenance {
            model: "synth".into(),
            model_description: "yosys + OpenSTA".into(),
            tech: tech.into(),
            tools: vec!["Yosys 0.23".into(), "OpenSTA 2.0.17".into()],
            ..a.provenance().clone()
        };
        CostTable { provenance, units }
    }

    #[test]
    fn shipped_results_are_used_when_they_cover_the_units() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synth-results.json");
        shipped_table("sky130hd").save(&path).unwrap();
        assert_eq!(CostTable::load(&path).unwrap(), shipped_table("sky130hd"));
        let units = [unit("mxint8"), unit("mxfp8")];
        for model in [None, Some(Model::Synth)] {
            let s = select_source(model, "sky130hd", dir.path(), &units).unwrap();
            assert!(s.note.is_none());
            let c = s.source.unit_cost(&units[0]).unwrap();
            assert_eq!(
                (c.model.as_str(), c.fmax_mhz, c.latency_cycles),
                ("synth", Some(250.0), Some(1))
            );
            assert_eq!(s.source.provenance().tools.len(), 2);
        }
        // A unit the file lacks: automatic choice falls back, a named model is an error.
        let more = [unit("mxint8"), unit("nvfp4")];
        let auto = select_source(None, "sky130hd", dir.path(), &more).unwrap();
        assert_eq!(auto.source.provenance().model, "analytic");
        assert!(auto
            .note
            .unwrap()
            .contains("no result for nvfp4 (k = 16, n = 10)"));
        let e = select_source(Some(Model::Synth), "sky130hd", dir.path(), &more)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("nvfp4 (k = 16, n = 10)"), "{e}");
        // Results of another technology are not used for this one.
        let e = select_source(Some(Model::Synth), "asap7", dir.path(), &units)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("'sky130hd'") && e.contains("'asap7'"), "{e}");
        // A corrupt file names itself.
        std::fs::write(&path, "{ not json").unwrap();
        let e = select_source(Some(Model::Synth), "sky130hd", dir.path(), &units)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("synth-results.json"), "{e}");
    }

    #[test]
    fn table_lookups_are_exact_in_the_architecture() {
        use crate::rtl::{Arch, Multiplier, Reduction};
        let mut table = shipped_table("sky130hd");
        // the mxint8 entry names no architecture: it is mxint8's default (booth4 + csa-tree)
        for c in &mut table.units {
            c.multiplier = None;
            c.reduction = None;
        }
        let mut cpa = table.units[0].clone();
        cpa.multiplier = Some(Multiplier::Array);
        cpa.reduction = Some(Reduction::CpaTree);
        cpa.area_um2 = 1.0;
        table.units.push(cpa);
        let int8 = unit("mxint8");
        let area = |arch: Arch| {
            table
                .find(&int8.clone().with_arch(arch).unwrap())
                .map(|c| c.area_um2)
        };
        let default_area = table.units[0].area_um2;
        assert_eq!(area(Arch::default()), Some(default_area));
        // asking for the default explicitly, wholly or in part, finds the same entry
        let booth_csa = Arch::new(Multiplier::Booth4, Reduction::CsaTree);
        assert_eq!(area(booth_csa), Some(default_area));
        let only_mul = Arch {
            multiplier: Some(Multiplier::Booth4),
            reduction: None,
        };
        assert_eq!(area(only_mul), Some(default_area));
        // array + cpa-tree: the entry that names it; `--reduction cpa-tree` alone means it too
        assert_eq!(
            area(Arch::new(Multiplier::Array, Reduction::CpaTree)),
            Some(1.0)
        );
        let only_red = Arch {
            multiplier: None,
            reduction: Some(Reduction::CpaTree),
        };
        assert_eq!(area(only_red), Some(1.0));
        // array + csa-tree is in no entry: no answer, never the nearest one
        assert_eq!(area(Arch::new(Multiplier::Array, Reduction::CsaTree)), None);
        // an FP format cannot be asked for Booth
        let e = unit("mxfp8")
            .with_arch(Arch::new(Multiplier::Booth4, Reduction::CsaTree))
            .unwrap_err()
            .to_string();
        assert!(e.contains("booth4") && e.contains("mxfp8"), "{e}");
        // the labels name the architecture of a unit that asked for one
        let u = int8.with_arch(only_red).unwrap();
        assert_eq!(
            unit_label(&u),
            "mxint8 (k = 32, n = exact, array + cpa-tree)"
        );
        // the analytic model refuses an explicit architecture instead of ignoring it
        let a = AnalyticSource::new("sky130hd").unwrap();
        let e = a.unit_cost(&u).unwrap_err().to_string();
        assert!(
            e.contains("analytic") && e.contains("--reduction cpa-tree"),
            "{e}"
        );
        assert_eq!(
            a.unit_cost(&unit("mxint8")).unwrap().architecture_label(),
            "not modelled (analytic model)"
        );
    }
}
