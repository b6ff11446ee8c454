//! `hwcost compare WIDE+NARROW ...`: mixed 8-bit + 4-bit units (issue 8) side by side, the
//! analytic model and the synthesized results (`reports/mixed-synth.json`, written by
//! `hwcost synth-mixed`) with the study's mixed columns of Table 5 beside them. A typed
//! [`MixedComparison`] first, rendered as text, Markdown, JSON or CSV.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::compare::CompareArgs;
use super::render::TableFormat;
use super::ReportError;
use crate::cost::analytic::{table5_mixed, MixedRow};
use crate::cost::source::{Model, SourceError};
use crate::cost::tech::Tech;
use crate::datapath::mixed::MixedFormat;
use crate::rtl::mixed::Reuse;
use crate::synth::mixed::{mixed_analytic, MixedSynthResults, MIXED_SYNTH_FILE};

/// Lanes of the compared units: the study's (and the analytic model's) 32 lane pairs.
pub const MIXED_COMPARE_LANES: usize = 32;

/// One mixed unit of a comparison (flat: also one CSV record).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MixedCompareRow {
    pub format: String,
    /// 8-bit MACs per cycle in mode 0 (the unit does twice as many 4-bit MACs in mode 1).
    pub lanes: usize,
    pub tech: String,
    pub analytic_area_um2: f64,
    /// Every cell toggling at the technology's rate.
    pub analytic_energy_pj_per_cycle: f64,
    pub analytic_area_ratio: f64,
    pub analytic_energy_ratio: f64,
    pub synth_area_um2: Option<f64>,
    pub synth_energy_pj_per_cycle_mode8: Option<f64>,
    pub synth_energy_pj_per_cycle_mode4: Option<f64>,
    /// Mean of the two modes (equal time in each).
    pub synth_energy_pj_per_cycle: Option<f64>,
    pub synth_area_ratio: Option<f64>,
    pub synth_energy_ratio: Option<f64>,
    /// Without reuse (separate 8-bit and 4-bit datapaths), synthesized.
    pub synth_noreuse_area_um2: Option<f64>,
    pub synth_noreuse_energy_pj_per_cycle: Option<f64>,
    /// The study's Table 5 mixed columns against the first format.
    pub study_area_ratio: Option<f64>,
    pub study_energy_ratio: Option<f64>,
}

/// Synthesized area of one unit by top-level part (front end, back end, accumulator adder,
/// registers), um^2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MixedParts {
    pub unit: String,
    pub parts_um2: Vec<(String, f64)>,
}

/// Everything the mixed `compare` prints, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MixedComparison {
    pub generator: String,
    pub baseline: String,
    pub rows: Vec<MixedCompareRow>,
    /// Per synthesized unit (reuse scheme, then without reuse), where its area is.
    pub synth_parts: Vec<MixedParts>,
    pub notes: Vec<String>,
}

/// True when a compare names mixed formats (`WIDE+NARROW`).
pub fn is_mixed(names: &[String]) -> bool {
    names.iter().any(|n| n.contains('+'))
}

/// The study's mixed ratio (area, energy) of `format` against `baseline`, when both are its
/// mixed columns (`study` = [`table5_mixed`]: its unit against its baseline).
fn study_ratio(format: &str, baseline: &str, study: &MixedRow) -> Option<(f64, f64)> {
    let of = |n: &str| match n {
        _ if n == study.baseline => Some((1.0, 1.0)),
        _ if n == study.unit => Some((study.study_area_ratio, study.study_energy_ratio)),
        _ => None,
    };
    let ((a, e), (ba, be)) = (of(format)?, of(baseline)?);
    Some((a / ba, e / be))
}

/// Build the mixed comparison of `args` (all its formats must be mixed).
pub fn mixed_comparison(args: &CompareArgs) -> Result<MixedComparison, ReportError> {
    let bad = |why: String| {
        ReportError::from(SourceError::ModelUnavailable {
            model: "mixed compare".into(),
            why,
        })
    };
    if let Some(n) = args.formats.iter().find(|n| !n.contains('+')) {
        return Err(bad(format!(
            "'{n}' is a single format; compare mixed units (WIDE+NARROW) with each other"
        )));
    }
    if !args.arch.is_default() {
        return Err(bad(
            "mixed units are built in one architecture (the array with the carry-propagate tree, \
             rtl/NOTES.md); drop --multiplier / --reduction"
                .to_string(),
        ));
    }
    if args.unit.lanes.is_some_and(|k| k != MIXED_COMPARE_LANES) || args.unit.psum_width.is_some() {
        return Err(bad(format!(
            "mixed units are compared at the study's {MIXED_COMPARE_LANES} lane pairs and fixed psum widths; drop --lanes / --psum-width"
        )));
    }
    let formats = args
        .formats
        .iter()
        .map(|n| MixedFormat::parse(n))
        .collect::<Result<Vec<_>, _>>()?;
    let tech = Tech::resolve(&args.unit.tech)?;
    let path = args.unit.results.join(MIXED_SYNTH_FILE);
    let synth = match args.unit.model {
        Some(Model::Analytic) => None,
        Some(Model::Calibrated) => {
            return Err(bad(
                "the calibrated model has no mixed units; use --model analytic or synth".into(),
            ))
        }
        Some(Model::Synth) => {
            Some(
                MixedSynthResults::load(&path).map_err(|why| SourceError::Results {
                    path: path.clone(),
                    why,
                })?,
            )
        }
        None => MixedSynthResults::load(&path).ok(),
    };
    let mut notes = Vec::new();
    let synth = synth.filter(|s| {
        let ok = s.tech == tech.name;
        if !ok {
            notes.push(format!(
                "{} holds synthesized results for '{}', not '{}': left out.",
                path.display(),
                s.tech,
                tech.name
            ));
        }
        ok
    });
    let mut rows = Vec::new();
    let mut synth_parts = Vec::new();
    for f in &formats {
        let name = f.name();
        let a = mixed_analytic(f.kind, &tech);
        let entry = |r| {
            synth
                .as_ref()
                .and_then(|s| s.find(&name, r, MIXED_COMPARE_LANES))
        };
        let (sch, sep) = (entry(Reuse::Scheme), entry(Reuse::Separate));
        synth_parts.extend([sch, sep].into_iter().flatten().map(|e| MixedParts {
            unit: e.unit.clone(),
            parts_um2: labelled(&e.parts_um2),
        }));
        if synth.is_some() && sch.is_none() {
            if args.unit.model == Some(Model::Synth) {
                return Err(ReportError::from(SourceError::NotInResults {
                    unit: name,
                    path,
                }));
            }
            notes.push(format!(
                "{} has no synthesized {name} unit at {MIXED_COMPARE_LANES} lanes.",
                path.display()
            ));
        }
        rows.push(MixedCompareRow {
            format: name,
            lanes: MIXED_COMPARE_LANES,
            tech: tech.name.clone(),
            analytic_area_um2: a.area_um2,
            analytic_energy_pj_per_cycle: a.energy_pj_per_cycle,
            analytic_area_ratio: 1.0,
            analytic_energy_ratio: 1.0,
            synth_area_um2: sch.map(|e| e.area_um2),
            synth_energy_pj_per_cycle_mode8: sch.map(|e| e.energy_pj_per_cycle_mode8),
            synth_energy_pj_per_cycle_mode4: sch.map(|e| e.energy_pj_per_cycle_mode4),
            synth_energy_pj_per_cycle: sch.map(|e| e.energy_pj_per_cycle_mean),
            synth_area_ratio: None,
            synth_energy_ratio: None,
            synth_noreuse_area_um2: sep.map(|e| e.area_um2),
            synth_noreuse_energy_pj_per_cycle: sep.map(|e| e.energy_pj_per_cycle_mean),
            study_area_ratio: None,
            study_energy_ratio: None,
        });
    }
    let base = rows[0].clone();
    let study = table5_mixed(&tech);
    for r in &mut rows {
        r.analytic_area_ratio = r.analytic_area_um2 / base.analytic_area_um2;
        r.analytic_energy_ratio =
            r.analytic_energy_pj_per_cycle / base.analytic_energy_pj_per_cycle;
        r.synth_area_ratio = r
            .synth_area_um2
            .zip(base.synth_area_um2)
            .map(|(x, b)| x / b);
        r.synth_energy_ratio = r
            .synth_energy_pj_per_cycle
            .zip(base.synth_energy_pj_per_cycle)
            .map(|(x, b)| x / b);
        if let Some((a, e)) = study_ratio(&r.format, &base.format, &study) {
            r.study_area_ratio = Some(a);
            r.study_energy_ratio = Some(e);
        }
    }
    notes.insert(
        0,
        format!(
            "Mixed units serve an 8-bit MX format (mode 0, {k} MACs per cycle) and a 4-bit NV format (mode 1, {k2} MACs \
             per cycle: {g} blocks of 16) at the study's 1:2 throughput, so units compare per cycle; ratios are against {}.",
            base.format,
            k = MIXED_COMPARE_LANES,
            k2 = 2 * MIXED_COMPARE_LANES,
            g = 2 * MIXED_COMPARE_LANES / 16,
        ),
    );
    notes.push(format!(
        "Analytic: the study's gate model with its reuse schemes (cost::analytic::mixed_cell_counts), technology {}, every \
         cell toggling at one rate.",
        tech.name
    ));
    match &synth {
        Some(s) => {
            let archs: Vec<String> = s
                .units
                .iter()
                .filter(|u| u.lanes == MIXED_COMPARE_LANES)
                .map(|u| format!("{} ({}): {} + {}", u.format, u.reuse, u.multiplier, u.reduction))
                .collect();
            notes.push(format!(
                "Synthesized: {} (engine {}) to {} ({}), hierarchy kept; {}; gate-level activity of random finite blocks, {} \
                 cycles per mode; the netlist was checked against the software model on those cycles. Energy = mean of the \
                 two modes. Architectures (multiplier + reduction): {}.",
                s.yosys,
                s.engine,
                s.tech,
                s.liberty,
                s.tools.join(", "),
                s.cycles_per_mode,
                archs.join("; ")
            ))
        }
        None => notes.push(format!(
            "No synthesized results ({} missing or not selected); run `hwcost synth-mixed --with-separate` (needs yosys, sta, iverilog).",
            path.display()
        )),
    }
    notes.push("Study: Table 5 of arXiv 2510.25602, mixed columns (MXINT8+NVINT4 at 0.66x area and 0.75x energy of MXFP8+NVFP4).".into());
    Ok(MixedComparison {
        generator: crate::rtl::GENERATOR.to_string(),
        baseline: base.format,
        rows,
        synth_parts,
        notes,
    })
}

fn opt(v: Option<f64>, d: usize) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.d$}"))
}

/// The metric rows: (label, one cell per unit).
pub fn mixed_grid(c: &MixedComparison) -> Vec<(String, Vec<String>)> {
    let cells = |f: &dyn Fn(&MixedCompareRow) -> String| c.rows.iter().map(f).collect::<Vec<_>>();
    vec![
        (
            "lanes (8-bit MACs / 4-bit MACs per cycle)".into(),
            cells(&|r| format!("{} / {}", r.lanes, 2 * r.lanes)),
        ),
        (
            "analytic area (um^2)".into(),
            cells(&|r| format!("{:.0}", r.analytic_area_um2)),
        ),
        (
            "analytic energy (pJ / cycle)".into(),
            cells(&|r| format!("{:.2}", r.analytic_energy_pj_per_cycle)),
        ),
        (
            "  area ratio".into(),
            cells(&|r| format!("{:.3}", r.analytic_area_ratio)),
        ),
        (
            "  energy ratio".into(),
            cells(&|r| format!("{:.3}", r.analytic_energy_ratio)),
        ),
        (
            "synthesized area (um^2)".into(),
            cells(&|r| opt(r.synth_area_um2, 0)),
        ),
        (
            "synthesized energy, 8-bit mode (pJ / cycle)".into(),
            cells(&|r| opt(r.synth_energy_pj_per_cycle_mode8, 2)),
        ),
        (
            "synthesized energy, 4-bit mode (pJ / cycle)".into(),
            cells(&|r| opt(r.synth_energy_pj_per_cycle_mode4, 2)),
        ),
        (
            "  area ratio".into(),
            cells(&|r| opt(r.synth_area_ratio, 3)),
        ),
        (
            "  energy ratio (mean of modes)".into(),
            cells(&|r| opt(r.synth_energy_ratio, 3)),
        ),
        (
            "synthesized without reuse: area (um^2)".into(),
            cells(&|r| opt(r.synth_noreuse_area_um2, 0)),
        ),
        (
            "  energy, mean of modes (pJ / cycle)".into(),
            cells(&|r| opt(r.synth_noreuse_energy_pj_per_cycle, 2)),
        ),
        (
            "study area ratio (Table 5)".into(),
            cells(&|r| opt(r.study_area_ratio, 2)),
        ),
        (
            "study energy ratio (Table 5)".into(),
            cells(&|r| opt(r.study_energy_ratio, 2)),
        ),
    ]
}

/// The top's parts by what they are. The unit top instantiates the front end, the back end,
/// the accumulator's FP32 adder (whose module may carry the name of the identical block-sum
/// adders in the back end), the accumulator update logic and two registers.
fn labelled(parts: &[(String, f64)]) -> Vec<(String, f64)> {
    parts
        .iter()
        .filter(|(_, a)| *a > 0.0)
        .map(|(n, a)| {
            let label = match n.as_str() {
                "front" => "front end (lanes, trees)",
                "back" => "back end (scales, converters, block-sum FP32 adders)",
                "acc_update" => "accumulator update",
                "reg32" => "accumulator register",
                "reg1" => "valid register",
                "top (registers, glue)" => "top glue",
                _ => "accumulator FP32 adder",
            };
            (label.to_string(), *a)
        })
        .collect()
}

/// A mixed unit's name as `plot` takes it: `WIDE+NARROW`, or the two names joined by `_`
/// (`mxint8_nvint4`) when that is no single format. `None`: not a mixed unit.
pub fn parse_mixed_name(name: &str) -> Option<Result<MixedFormat, ReportError>> {
    if name.contains('+') {
        return Some(MixedFormat::parse(name).map_err(ReportError::from));
    }
    if crate::format::lookup(name).is_ok() {
        return None;
    }
    name.match_indices('_')
        .map(|(i, _)| format!("{}+{}", &name[..i], &name[i + 1..]))
        .find_map(|joined| MixedFormat::parse(&joined).ok())
        .map(Ok)
}

/// The breakdown chart's component of a synthesized mixed unit's top-level part: the
/// accumulator and registers share the single-format units' keys (and colours).
fn mixed_part_component(raw: &str) -> (&'static str, &'static str) {
    match raw {
        "front" => ("front_end", "front end (lanes, trees)"),
        "back" => ("back_end", "back end (scales, conversion, block sums)"),
        "acc_update" => ("accumulator", "accumulator"),
        "reg32" | "reg1" => ("registers", "registers"),
        "top (registers, glue)" => ("unattributed_glue", "unattributed glue"),
        // the accumulator's FP32 adder, whichever identical module name it carries
        _ => ("accumulator", "accumulator"),
    }
}

/// The mixed units of a breakdown chart, one [`UnitCost`] each (lanes: 8-bit MACs per cycle),
/// with the provenance of their model: the synthesized results (`mixed-synth.json`, area by
/// top-level part) under `--model synth` or by default when shipped, else the analytic model
/// (the study's reuse schemes, by component). The synthesized mixed flow measures energy per
/// cycle of the whole netlist in each mode, not per part: an energy breakdown of synthesized
/// mixed units is refused, saying so.
pub fn mixed_breakdown(
    formats: &[MixedFormat],
    energy: bool,
    unit: &super::compare::UnitOptions,
) -> Result<
    (
        crate::cost::source::Provenance,
        Vec<crate::cost::source::UnitCost>,
    ),
    ReportError,
> {
    use crate::cost::source::{AnalyticSource, ComponentCost, CostSource, UnitCost};
    let unavailable = |why: String| {
        ReportError::from(SourceError::ModelUnavailable {
            model: unit.model.map_or("synth", |m| m.name()).to_string(),
            why,
        })
    };
    if unit.lanes.is_some_and(|k| k != MIXED_COMPARE_LANES) || unit.psum_width.is_some() {
        return Err(unavailable(format!(
            "mixed units are built at the study's {MIXED_COMPARE_LANES} lane pairs and fixed psum widths; drop --lanes / --psum-width"
        )));
    }
    let path = unit.results.join(MIXED_SYNTH_FILE);
    let synth = match unit.model {
        Some(Model::Analytic) => None,
        Some(Model::Calibrated) => {
            return Err(unavailable(
                "the calibrated model has no mixed units; use --model analytic or synth".into(),
            ))
        }
        Some(Model::Synth) => {
            Some(
                MixedSynthResults::load(&path).map_err(|why| SourceError::Results {
                    path: path.clone(),
                    why,
                })?,
            )
        }
        None => MixedSynthResults::load(&path).ok(),
    };
    let tech = Tech::resolve(&unit.tech)?;
    let lanes = MIXED_COMPARE_LANES;
    let cost = |name: String, components: Vec<ComponentCost>, model: &str| {
        let area: f64 = components.iter().map(|c| c.area_um2).sum();
        let e: f64 = components.iter().map(|c| c.energy_pj_per_block).sum();
        UnitCost {
            format: name,
            lanes,
            psum_width: None,
            multiplier: None,
            reduction: None,
            model: model.to_string(),
            tech: tech.name.clone(),
            components,
            area_um2: area,
            energy_pj_per_block: e,
            area_um2_per_mac: area / lanes as f64,
            energy_pj_per_mac: e / lanes as f64,
            fmax_mhz: None,
            latency_cycles: None,
        }
    };
    match synth {
        Some(s) => {
            if energy {
                return Err(ReportError::from(SourceError::ModelUnavailable {
                    model: "synth".into(),
                    why: format!(
                        "{} holds the mixed units' energy per cycle in each mode for the whole netlist, not per \
                         component, so energy-breakdown cannot stack them (area-breakdown can; `hwcost compare \
                         mxfp8+nvfp4 mxint8+nvint4` prints their energy)",
                        path.display()
                    ),
                }));
            }
            if s.tech != tech.name {
                return Err(unavailable(format!(
                    "{} holds results for '{}', not '{}'",
                    path.display(),
                    s.tech,
                    tech.name
                )));
            }
            let mut units = Vec::new();
            for f in formats {
                let name = f.name();
                let e = s.find(&name, Reuse::Scheme, lanes).ok_or_else(|| {
                    ReportError::from(SourceError::NotInResults {
                        unit: name.clone(),
                        path: path.clone(),
                    })
                })?;
                let mut comps: Vec<ComponentCost> = Vec::new();
                for (raw, area) in e.parts_um2.iter().filter(|(_, a)| *a > 0.0) {
                    let (key, label) = mixed_part_component(raw);
                    match comps.iter_mut().find(|c| c.key == key) {
                        Some(c) => c.area_um2 += area,
                        None => comps.push(ComponentCost {
                            key: key.into(),
                            label: label.into(),
                            area_um2: *area,
                            energy_pj_per_block: 0.0,
                        }),
                    }
                }
                // datapath order: front, back, accumulator, registers, the rest
                let rank = |k: &str| {
                    ["front_end", "back_end", "accumulator", "registers"]
                        .iter()
                        .position(|x| *x == k)
                        .unwrap_or(4)
                };
                comps.sort_by_key(|c| rank(&c.key));
                units.push(cost(name, comps, "synth"));
            }
            let mut tools = vec![if s.engine == "system" {
                s.yosys.clone()
            } else {
                format!("{} ({})", s.engine, s.yosys)
            }];
            tools.extend(s.tools.iter().cloned());
            let provenance = crate::cost::source::Provenance {
                generator: crate::cost::source::GENERATOR.to_string(),
                model: "synth".into(),
                model_description: format!(
                    "Yosys synthesis of the generated mixed units (`hwcost synth-mixed`, {MIXED_SYNTH_FILE}), hierarchy \
                     kept, area by top-level part; energy per cycle of the whole netlist in each mode"
                ),
                tech: s.tech.clone(),
                tech_node: "SkyWater 130 nm, sky130_fd_sc_hd (high density) standard cells, tt_025C_1v80".into(),
                tech_file: format!("models/pdk/sky130_fd_sc_hd/{}", s.liberty),
                tools,
            };
            Ok((provenance, units))
        }
        None => {
            let source = AnalyticSource::new(&unit.tech)?;
            let units = formats
                .iter()
                .map(|f| {
                    let a = mixed_analytic(f.kind, &tech);
                    let comps = a
                        .components
                        .iter()
                        .map(|c| ComponentCost {
                            key: c.component.label().replace(' ', "_"),
                            label: c.component.label().to_string(),
                            area_um2: c.area_um2,
                            energy_pj_per_block: c.energy_pj_per_cycle,
                        })
                        .collect();
                    cost(f.name(), comps, "analytic")
                })
                .collect();
            Ok((source.provenance().clone(), units))
        }
    }
}

fn parts_line(p: &MixedParts) -> String {
    let mut parts = p.parts_um2.clone();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    parts
        .iter()
        .map(|(n, a)| format!("{n} {a:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Render `c` in `format`.
pub fn render_mixed(c: &MixedComparison, format: TableFormat) -> Result<String, ReportError> {
    let g = mixed_grid(c);
    Ok(match format {
        TableFormat::Table => {
            let columns: Vec<String> = c.rows.iter().map(|r| r.format.clone()).collect();
            let mut s = format!("{}: mixed 8-bit + 4-bit units\n", c.generator);
            s += &super::render::text_table(&columns, &g);
            for p in &c.synth_parts {
                let line = format!("synthesized area of {}: {}", p.unit, parts_line(p));
                s += &super::wrap_text(&line, "", "    ");
            }
            for n in &c.notes {
                s += &super::wrap_text(n, "note: ", "      ");
            }
            s
        }
        TableFormat::Md => {
            let mut s = format!(
                "> Generated by {}: mixed 8-bit + 4-bit units.\n\n| |",
                c.generator
            );
            for r in &c.rows {
                let _ = write!(s, " {} |", r.format);
            }
            s.push_str("\n|---|");
            s.push_str(&"---:|".repeat(c.rows.len()));
            s.push('\n');
            for (label, cells) in g {
                let label = label
                    .strip_prefix("  ")
                    .map_or(label.clone(), |l| format!("&nbsp;&nbsp;{l}"));
                let _ = writeln!(s, "| {label} | {} |", cells.join(" | "));
            }
            s.push('\n');
            if !c.synth_parts.is_empty() {
                s.push_str("Synthesized area by part (um^2):\n\n");
                for p in &c.synth_parts {
                    let _ = writeln!(s, "- `{}`: {}", p.unit, parts_line(p));
                }
                s.push('\n');
            }
            for n in &c.notes {
                let _ = writeln!(s, "- {n}");
            }
            s
        }
        TableFormat::Json => {
            serde_json::to_string_pretty(c).expect("plain values serialize") + "\n"
        }
        TableFormat::Csv => crate::fields::csv_records(&c.rows).map_err(ReportError::Csv)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::{QsnrOptions, UnitOptions};

    fn args(formats: &[&str], model: Option<Model>, results: &std::path::Path) -> CompareArgs {
        CompareArgs {
            formats: formats.iter().map(|s| s.to_string()).collect(),
            unit: UnitOptions {
                model,
                results: results.to_path_buf(),
                ..UnitOptions::default()
            },
            arch: Default::default(),
            qsnr: QsnrOptions::default(),
            clock_mhz: None,
            period_ns: None,
            library: Default::default(),
            format: TableFormat::Table,
        }
    }

    #[test]
    fn analytic_mixed_comparison_has_the_study_columns() {
        let empty = tempfile::tempdir().unwrap();
        let c =
            mixed_comparison(&args(&["mxfp8+nvfp4", "mxint8+nvint4"], None, empty.path())).unwrap();
        let int = &c.rows[1];
        assert_eq!(
            (int.study_area_ratio, int.study_energy_ratio),
            (Some(0.66), Some(0.75))
        );
        assert_eq!(c.rows[0].study_area_ratio, Some(1.0));
        assert!(
            (0.6..0.7).contains(&int.analytic_area_ratio),
            "{}",
            int.analytic_area_ratio
        );
        assert!(int.synth_area_um2.is_none() && c.notes.iter().any(|n| n.contains("synth-mixed")));
        let text = render_mixed(&c, TableFormat::Table).unwrap();
        assert!(
            text.contains("study area ratio") && text.contains("0.66"),
            "{text}"
        );
        // The other way round, the study's ratio is inverted.
        let c =
            mixed_comparison(&args(&["mxint8+nvint4", "mxfp8+nvfp4"], None, empty.path())).unwrap();
        assert!((c.rows[1].study_area_ratio.unwrap() - 1.0 / 0.66).abs() < 1e-12);
        for f in [TableFormat::Md, TableFormat::Json, TableFormat::Csv] {
            assert!(render_mixed(&c, f).unwrap().contains("mxfp8+nvfp4"));
        }
    }

    #[test]
    fn synthesized_results_are_read_and_bad_requests_quote_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let entry =
            |format: &str, reuse: &str, area: f64, e: f64| crate::synth::mixed::MixedSynthEntry {
                unit: format!("{format}-{reuse}"),
                format: format.into(),
                reuse: reuse.into(),
                multiplier: "array".into(),
                reduction: "csa-tree".into(),
                lanes: 32,
                area_um2: area,
                cells: 1,
                flip_flops: 33,
                energy_pj_per_cycle_mode8: e,
                energy_pj_per_cycle_mode4: e,
                energy_pj_per_cycle_mean: e,
                min_period_ns: None,
                parts_um2: vec![],
            };
        let results = MixedSynthResults {
            schema_version: 2,
            generator: "test".into(),
            engine: "system".into(),
            yosys: "Yosys 0".into(),
            tools: vec![],
            tech: "sky130hd".into(),
            liberty: "x.lib".into(),
            period_ns: 10.0,
            cycles_per_mode: 1,
            seed: 1,
            units: vec![
                entry("mxfp8+nvfp4", "scheme", 200.0, 10.0),
                entry("mxint8+nvint4", "scheme", 100.0, 8.0),
            ],
        };
        std::fs::write(
            dir.path().join(MIXED_SYNTH_FILE),
            serde_json::to_string(&results).unwrap(),
        )
        .unwrap();
        let c = mixed_comparison(&args(
            &["mxfp8+nvfp4", "mxint8+nvint4"],
            Some(Model::Synth),
            dir.path(),
        ))
        .unwrap();
        assert_eq!(
            (c.rows[1].synth_area_ratio, c.rows[1].synth_energy_ratio),
            (Some(0.5), Some(0.8))
        );
        assert_eq!(c.rows[1].synth_noreuse_area_um2, None);
        let empty = tempfile::tempdir().unwrap();
        assert!(mixed_comparison(&args(
            &["mxfp8+nvfp4", "mxint8+nvint4"],
            Some(Model::Synth),
            empty.path()
        ))
        .is_err());
        let e = mixed_comparison(&args(&["mxfp8+nvfp4", "mxint8"], None, empty.path()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mxint8'"), "{e}");
        let e = mixed_comparison(&args(
            &["mxfp8+nvint4", "mxint8+nvint4"],
            None,
            empty.path(),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("mxfp8+nvint4"), "{e}");
    }

    #[test]
    fn the_shipped_synthesized_results_load_and_cover_both_schemes_with_and_without_reuse() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reports")
            .join(MIXED_SYNTH_FILE);
        let r = MixedSynthResults::load(&path).unwrap();
        assert_eq!(r.tech, "sky130hd");
        for f in ["mxint8+nvint4", "mxfp8+nvfp4"] {
            for reuse in [Reuse::Scheme, Reuse::Separate] {
                let e = r
                    .find(f, reuse, MIXED_COMPARE_LANES)
                    .unwrap_or_else(|| panic!("{f} {reuse:?}"));
                assert!(
                    e.area_um2 > 0.0
                        && e.energy_pj_per_cycle_mode8 > 0.0
                        && e.energy_pj_per_cycle_mode4 > 0.0
                );
                let parts: f64 = e.parts_um2.iter().map(|p| p.1).sum();
                assert!(
                    (parts - e.area_um2).abs() < 1e-6 * e.area_um2,
                    "{f}: parts {parts} vs {}",
                    e.area_um2
                );
            }
        }
    }
}
