//! The boundary between reports and cost models: one typed cost of a unit ([`UnitCost`]) and
//! the [`CostSource`] trait every model answers through, plus the choice of a source for
//! `--model`.
//!
//! Reports never call a cost model directly. A new model (synthesized results read from the
//! cache in `reports/`, a calibrated model) implements [`CostSource`] and gets one arm in
//! [`select_source`]; every table, chart and report then shows it.

use serde::{Deserialize, Serialize};

use super::{Provenance, ReportError, GENERATOR};
use crate::cost::analytic::{self, UnitParams};
use crate::cost::tech::Tech;

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
    /// Aligner width n; `None` for INT formats, whose block sums are exact.
    pub psum_width: Option<u32>,
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
        UnitCost {
            format: unit.format.name.clone(),
            lanes: unit.lanes,
            psum_width: unit.psum_width,
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

/// A cost model as reports see it.
pub trait CostSource {
    /// Which model, technology and tools produce this source's numbers.
    fn provenance(&self) -> &Provenance;
    /// The cost of one unit.
    fn unit_cost(&self, unit: &UnitParams) -> Result<UnitCost, ReportError>;
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
    pub fn new(tech_spec: &str) -> Result<AnalyticSource, ReportError> {
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

    fn unit_cost(&self, unit: &UnitParams) -> Result<UnitCost, ReportError> {
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
        Ok(UnitCost::from_components(unit, &self.provenance.model, &self.tech.name, components, None, None))
    }
}

/// A chosen source and, when it was chosen automatically, the sentence saying what was not
/// available (printed in the notes of every table).
pub struct Selected {
    pub source: Box<dyn CostSource>,
    pub note: Option<String>,
}

/// Why synthesized and calibrated results cannot be had in this build.
const NO_SYNTH: &str = "this build has no synthesized results (no synthesis cache in reports/ \
and no synthesized-model source)";

/// The source for `--model` (`None`: synthesized results when available, else analytic, with
/// a note saying so).
pub fn select_source(model: Option<Model>, tech_spec: &str) -> Result<Selected, ReportError> {
    match model {
        Some(Model::Analytic) => Ok(Selected { source: Box::new(AnalyticSource::new(tech_spec)?), note: None }),
        None => Ok(Selected {
            source: Box::new(AnalyticSource::new(tech_spec)?),
            note: Some(format!("analytic model used: {NO_SYNTH}")),
        }),
        Some(m @ (Model::Synth | Model::Calibrated)) => {
            Err(ReportError::ModelUnavailable { model: m.name().to_string(), why: NO_SYNTH.to_string() })
        }
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
            assert!((got.area_um2 - want.total.area_um2).abs() < 1e-9 * want.total.area_um2, "{name}");
            assert!((got.energy_pj_per_mac - want.total.energy_pj_per_mac).abs() < 1e-12, "{name}");
            assert_eq!(got.components.len(), want.components.len());
            assert_eq!(got.fmax_mhz, None);
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
        for m in [Model::Synth, Model::Calibrated] {
            let e = select_source(Some(m), "sky130hd").err().unwrap().to_string();
            assert!(e.contains(&format!("'{}'", m.name())) && e.contains("--model analytic"), "{e}");
        }
        let auto = select_source(None, "sky130hd").unwrap();
        assert_eq!(auto.source.provenance().model, "analytic");
        assert!(auto.note.unwrap().contains("no synthesized results"));
        let e = select_source(Some(Model::Analytic), "tsmc3").err().unwrap().to_string();
        assert!(e.contains("tsmc3"), "{e}");
    }
}
