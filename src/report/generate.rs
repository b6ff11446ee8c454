//! `hwcost report -o reports/`: regenerate every report and chart from scratch, with
//! `README.md` indexing them. Deterministic: the same inputs give the same bytes (no
//! timestamps; seeded measurements; the embedded chart font). Benchmark reports written by
//! `hwcost bench` (`bench-*.md`) are linked, never rerun.

use crate::cost::source::SourceError;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use serde::Serialize;

use super::compare::{compare, CompareRequest, QsnrOptions, UnitOptions};
use super::plot::{fine_theory, save, BreakdownChart, KappaChart, Metric, ParetoChart, PlotKind};
use super::qsnr_tables::{rotation_markdown, rotation_table, sweep, sweep_markdown};
use super::render;
use super::{write_atomic, ReportError};
use crate::cost::analytic::{study_table5, table5_mixed, PsumWidth, UnitParams};
use crate::cost::calibrate::{CalibratedSource, Calibration};
use crate::cost::source::{shipped_source, AnalyticSource, CostSource, Model, Selected, UnitCost};
use crate::cost::tech::{builtin_names, Tech, DEFAULT_TECH};
use crate::format::{builtins, lookup_in};
use crate::synth::synth_command::{SynthDetails, DETAILS_FILE};

/// `hwcost report [-o DIR]`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// Output directory (created if missing).
    #[arg(short, long, default_value = "reports")]
    pub output: PathBuf,
    /// Technology: a built-in name (sky130hd, asap7) or a technology .toml file.
    #[arg(long, default_value = DEFAULT_TECH)]
    pub tech: String,
    /// Cost model; default: synthesized results when available, else analytic (said in every report).
    #[arg(long, value_enum)]
    pub model: Option<Model>,
    /// Directory of shipped model results (synth-results.json, calibration.json).
    #[arg(long, default_value = "reports")]
    pub results: PathBuf,
    #[command(flatten)]
    pub qsnr: QsnrOptions,
}

/// The headline comparison of the README.
pub const HEADLINE: [&str; 2] = ["mxint8", "mxfp8"];

/// One line of the Table 5 reproduction from any cost source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table5Line {
    pub format: String,
    /// Per MAC, over MXFP8's.
    pub area_ratio: f64,
    pub energy_ratio: f64,
    pub study_area_ratio: f64,
    pub study_energy_ratio: f64,
}

/// The single-format columns of Table 5 (MXFP8, MXINT8, NVFP4, NVINT4 at default parameters,
/// per MAC, over MXFP8) from `source`.
pub fn table5_lines(source: &dyn CostSource) -> Result<Vec<Table5Line>, ReportError> {
    let cost = |name: &str| -> Result<UnitCost, ReportError> {
        Ok(source.unit_cost(&UnitParams::new(
            lookup_in(name, &[])?,
            None,
            PsumWidth::Default,
        )?)?)
    };
    let base = cost("mxfp8")?;
    ["mxfp8", "mxint8", "nvfp4", "nvint4"]
        .iter()
        .map(|&name| {
            let c = cost(name)?;
            // Every name above is in the study's Table 5.
            let (sa, se) = study_table5(name).unwrap_or((f64::NAN, f64::NAN));
            Ok(Table5Line {
                format: name.to_string(),
                area_ratio: c.area_um2_per_mac / base.area_um2_per_mac,
                energy_ratio: c.energy_pj_per_mac / base.energy_pj_per_mac,
                study_area_ratio: sa,
                study_energy_ratio: se,
            })
        })
        .collect()
}

fn table5_rows(s: &mut String, lines: &[Table5Line], tech: &str) {
    for l in lines {
        let _ = writeln!(
            s,
            "| {} | {tech} | {:.3}x | {:.2}x | {:+.3} | {:.3}x | {:.2}x | {:+.3} |",
            l.format,
            l.area_ratio,
            l.study_area_ratio,
            l.area_ratio - l.study_area_ratio,
            l.energy_ratio,
            l.study_energy_ratio,
            l.energy_ratio - l.study_energy_ratio
        );
    }
}

const TABLE5_HEADER: &str = "| format | technology | area | study area | difference | energy | study energy | difference |\n\
|---|---|---:|---:|---:|---:|---:|---:|\n";

/// `table5.md`: the reproduction with the chosen source, the analytic model on every built-in
/// technology, a sensitivity line, and the mixed units.
pub fn table5_markdown(selected: &Selected) -> Result<String, ReportError> {
    let src = selected.source.as_ref();
    let p = src.provenance();
    let mut s = String::from("# The study's Table 5, reproduced\n\n");
    s += &p.markdown();
    let _ = writeln!(
        s,
        "\nArea and energy per MAC at equal throughput (a unit's totals divided by its lanes: 32 for MX, 16 for \
         NV), default parameters (psum width min(2^(x+1)+2y, 24)), normalized to MXFP8. Study: arXiv 2510.25602, \
         Table 5.\n"
    );
    let _ = writeln!(s, "## {} model, {}\n", p.model, p.tech);
    s += TABLE5_HEADER;
    table5_rows(&mut s, &table5_lines(src)?, &p.tech);
    let _ = writeln!(s, "\n## Analytic model on every built-in technology\n");
    s += TABLE5_HEADER;
    for name in builtin_names() {
        let a = AnalyticSource::new(name)?;
        table5_rows(&mut s, &table5_lines(&a)?, name);
    }
    // The sensitivity the analytic model's documentation reports, recomputed here: the study's
    // energy column is close to this model with a MUX toggle as costly as a full adder's.
    let mut tech =
        Tech::builtin(DEFAULT_TECH).ok_or_else(|| crate::cost::tech::TechError::Unknown {
            name: DEFAULT_TECH.to_string(),
        })?;
    tech.cells.mux.energy_fj = tech.cells.fa.energy_fj;
    let what_if = crate::cost::analytic::table5(&tech);
    let _ = writeln!(
        s,
        "\nSensitivity ({DEFAULT_TECH}, analytic): with a MUX2 toggle costing as much as a full adder's \
         ({:.2} fJ instead of the Liberty's {:.2} fJ), the energy ratios become {}. The study's cell energies \
         are unpublished; this is the likeliest reading of its 0.63 / 0.55 / 0.34 (details and every assumption \
         of the model: `src/cost/analytic.rs`).",
        tech.cells.fa.energy_fj,
        Tech::builtin(DEFAULT_TECH).map_or(f64::NAN, |t| t.cells.mux.energy_fj),
        what_if.iter().map(|r| format!("{} {:.2}", r.format, r.energy_ratio)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        s,
        "\n## Mixed 8-bit + 4-bit units (1:2 throughput), analytic model\n\n\
         | unit | baseline | technology | area | study area | energy | study energy |\n|---|---|---|---:|---:|---:|---:|"
    );
    for name in builtin_names() {
        let tech = Tech::resolve(name)?;
        let m = table5_mixed(&tech);
        let _ = writeln!(
            s,
            "| {} | {} | {name} | {:.3}x | {:.2}x | {:.3}x | {:.2}x |",
            m.unit,
            m.baseline,
            m.area_ratio,
            m.study_area_ratio,
            m.energy_ratio,
            m.study_energy_ratio
        );
    }
    if let Some(n) = &selected.note {
        let _ = writeln!(s, "\nNote: {n}.");
    }
    s += &super::footnote_markdown(&[p]);
    Ok(s)
}

/// `model-vs-synth.md`: every built-in format at default parameters from the analytic model and,
/// when `synth` is given, from synthesis with the per-format ratio and each model's INT/FP ratios.
/// `synth` is the synthesized source, or why there is none.
/// `calibration` is the calibrated model's fit (or why there is none), shown after synthesis;
/// `flat` the full synthesis reports (`synth-details.json`), for the flattened totals.
pub fn model_vs_synth_markdown(
    analytic: &AnalyticSource,
    synth: Result<&dyn CostSource, &str>,
    calibration: Result<&Calibration, &str>,
    flat: Option<&SynthDetails>,
) -> Result<String, ReportError> {
    let mut s = String::from("# Analytic model versus synthesis\n\n");
    s += &analytic.provenance().markdown();
    if let Ok(sy) = synth {
        s += &sy.provenance().markdown();
    }
    s.push('\n');
    let units = builtins()
        .into_iter()
        .map(|f| UnitParams::new(f, None, PsumWidth::Default))
        .collect::<Result<Vec<_>, _>>()?;
    let a: Vec<UnitCost> = units
        .iter()
        .map(|u| analytic.unit_cost(u))
        .collect::<Result<_, _>>()?;
    let base_a = a.iter().find(|c| c.format == "mxfp8").cloned();
    match synth {
        Err(why) => {
            let _ = writeln!(
                s,
                "**Synthesized results are missing**: {why}. Only the analytic model is shown. With \
                 `synth-results.json` covering the built-in formats at default parameters, this page adds per \
                 format the synthesized area, energy per MAC and fmax, their ratio to the analytic figures, and \
                 the INT/FP ratios of both models beside Table 5.\n"
            );
            s += "| format | lanes | psum n | area (um^2) | area/MAC (um^2) | energy/block (pJ) | energy/MAC (pJ) | \
                  area vs MXFP8 | energy vs MXFP8 | study area | study energy |\n\
                  |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
            for c in &a {
                let (ra, re) = base_a.as_ref().map_or((f64::NAN, f64::NAN), |b| {
                    (
                        c.area_um2_per_mac / b.area_um2_per_mac,
                        c.energy_pj_per_mac / b.energy_pj_per_mac,
                    )
                });
                let study = study_table5(&c.format);
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {:.1} | {:.2} | {:.3} | {:.4} | {:.3}x | {:.3}x | {} | {} |",
                    c.format,
                    c.lanes,
                    c.psum_width.map_or("exact".to_string(), |n| n.to_string()),
                    c.area_um2,
                    c.area_um2_per_mac,
                    c.energy_pj_per_block,
                    c.energy_pj_per_mac,
                    ra,
                    re,
                    study.map_or("-".to_string(), |x| format!("{:.2}x", x.0)),
                    study.map_or("-".to_string(), |x| format!("{:.2}x", x.1)),
                );
            }
        }
        Ok(sy) => {
            let y: Vec<UnitCost> = units
                .iter()
                .map(|u| sy.unit_cost(u))
                .collect::<Result<_, _>>()?;
            let base_y = y.iter().find(|c| c.format == "mxfp8").cloned();
            s += "| format | area analytic (um^2) | area synth (um^2) | synth / analytic | energy/MAC analytic (pJ) | \
                  energy/MAC synth (pJ) | synth / analytic | fmax (MHz) | area vs MXFP8 analytic / synth / study | \
                  energy vs MXFP8 analytic / synth / study |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
            for (ca, cy) in a.iter().zip(&y) {
                let ratio = |c: &UnitCost, b: &Option<UnitCost>, f: fn(&UnitCost) -> f64| {
                    b.as_ref().map_or(f64::NAN, |b| f(c) / f(b))
                };
                let study = study_table5(&ca.format);
                let _ = writeln!(
                    s,
                    "| {} | {:.1} | {:.1} | {:.3} | {:.4} | {:.4} | {:.3} | {} | {:.2} / {:.2} / {} | {:.2} / {:.2} / {} |",
                    ca.format,
                    ca.area_um2,
                    cy.area_um2,
                    cy.area_um2 / ca.area_um2,
                    ca.energy_pj_per_mac,
                    cy.energy_pj_per_mac,
                    cy.energy_pj_per_mac / ca.energy_pj_per_mac,
                    cy.fmax_mhz.map_or("-".to_string(), |f| format!("{f:.1}")),
                    ratio(ca, &base_a, |c| c.area_um2_per_mac),
                    ratio(cy, &base_y, |c| c.area_um2_per_mac),
                    study.map_or("-".to_string(), |x| format!("{:.2}", x.0)),
                    ratio(ca, &base_a, |c| c.energy_pj_per_mac),
                    ratio(cy, &base_y, |c| c.energy_pj_per_mac),
                    study.map_or("-".to_string(), |x| format!("{:.2}", x.1)),
                );
            }
            s += &component_ratios(&a, &y);
            if let Some(d) = flat {
                s += &crate::synth::synth_command::flat_markdown(d);
            }
            match calibration {
                Ok(cal) => {
                    s += "\n## Calibrated model\n\n";
                    s += &cal.markdown();
                }
                Err(why) => {
                    let _ = writeln!(s, "\nNo calibrated model: {why}.");
                }
            }
        }
    }
    let mut sources = vec![analytic.provenance()];
    if let Ok(sy) = synth {
        sources.push(sy.provenance());
    }
    s += &super::footnote_markdown(&sources);
    Ok(s)
}

/// Per component and format: synthesized over analytic area and energy where both models have
/// the component, else the share of the synthesized unit the analytic model does not count.
fn component_ratios(a: &[UnitCost], y: &[UnitCost]) -> String {
    use crate::synth::unit_synth::Part;
    let parts: Vec<Part> = Part::all()
        .into_iter()
        .filter(|p| {
            let k = p.key();
            a.iter()
                .chain(y)
                .any(|c| c.components.iter().any(|x| x.key == k))
        })
        .collect();
    let mut s = String::from(
        "\n## Per component, synthesized against analytic\n\nEach cell: synthesized / analytic; `(+x%)` where the \
         analytic model has no such cells: the share of the synthesized unit it leaves out. Synthesized components \
         follow the generated modules (hierarchy kept; mapping in `src/synth/unit_synth.rs`).\n",
    );
    for (what, f) in [
        (
            "Area",
            (|c: &crate::cost::source::ComponentCost| c.area_um2) as fn(&_) -> f64,
        ),
        ("Energy per block", |c| c.energy_pj_per_block),
    ] {
        let _ = write!(s, "\n{what}:\n\n| format |");
        for p in &parts {
            let _ = write!(s, " {} |", p.label().split(" (").next().unwrap_or(""));
        }
        s += "\n|---|";
        s += &"---:|".repeat(parts.len());
        s.push('\n');
        for (ca, cy) in a.iter().zip(y) {
            let total: f64 = cy.components.iter().map(f).sum();
            let _ = write!(s, "| {} |", ca.format);
            for p in &parts {
                let k = p.key();
                let get = |c: &UnitCost| c.components.iter().find(|x| x.key == k).map(f);
                let cell = match (get(ca), get(cy)) {
                    (Some(x), Some(z)) if x > 0.0 => format!("{:.2}", z / x),
                    (_, Some(z)) => format!("(+{:.1}%)", 100.0 * z / total),
                    (Some(_), None) => "0 (none)".to_string(),
                    (None, None) => "-".to_string(),
                };
                let _ = write!(s, " {cell} |");
            }
            s.push('\n');
        }
    }
    s
}

/// The files one report run writes, in order, with what each shows (README index).
fn index_entries() -> Vec<(&'static str, &'static str)> {
    vec![
        ("compare-mxint8-mxfp8.md", "the headline: MXINT8 against MXFP8 (QSNR, cost, storage, the study's figures)"),
        ("compare.md", "all built-in formats against MXFP8 (also [CSV](compare.csv) and [JSON](compare.json))"),
        ("table5.md", "the study's Table 5 reproduced: per-MAC area and energy ratios, every built-in technology, mixed units"),
        ("compare-mixed.md", "mixed 8-bit + 4-bit units: MXINT8+NVINT4 against MXFP8+NVFP4, analytic and synthesized, beside the study's mixed columns"),
        ("model-vs-synth.md", "the analytic model against synthesized results, per format"),
        ("architectures.md", "each format under each datapath architecture (array or Booth, carry-propagate or compressor tree), and the INT/FP ratios under each architecture and each synthesis engine (chart: [architectures-engines.svg](architectures-engines.svg) · [architectures-engines.png](architectures-engines.png))"),
        ("clock.md", "the formats at the same target clock: each unit mapped toward the clock and pipelined to meet it (OpenSTA), area, energy and power at 25 to 200 MHz and the INT/FP ratios (charts: the ratios, [clock.svg](clock.svg) · [clock.png](clock.png); each format's area and energy against the clock, [clock-formats.svg](clock-formats.svg) · [clock-formats.png](clock-formats.png))"),
        ("qsnr.md", "QSNR: crest-factor sweep (theory and measured), crossovers, Gaussian and heavy-tailed data with and without Hadamard rotation"),
        ("sweep.csv", "design-space sweep (every built-in format x lanes 8, 16, 32 x default and exact psum width x 0-2 pipeline stages; calibrated model when shipped, else analytic), Pareto front marked; charted in [sweep.svg](sweep.svg) · [sweep.png](sweep.png); `hwcost sweep` runs others"),
    ]
}

const CHARTS: [(PlotKind, &str); 4] = [
    (PlotKind::AreaBreakdown, "Area per MAC by component"),
    (PlotKind::EnergyBreakdown, "Energy per MAC by component"),
    (
        PlotKind::QsnrEnergy,
        "QSNR versus energy per MAC, Pareto front",
    ),
    (PlotKind::QsnrKappa, "QSNR versus crest factor, crossovers"),
];

fn progress(steps: u64) -> ProgressBar {
    crate::progress::bar(steps, "{bar:30} {pos}/{len} {msg}")
}

/// Regenerate the whole set into `args.output`; returns the files written, in order.
pub fn generate(args: &ReportArgs) -> Result<Vec<PathBuf>, ReportError> {
    let out = &args.output;
    std::fs::create_dir_all(out).map_err(|source| SourceError::Io {
        path: out.clone(),
        source,
    })?;
    let unit = UnitOptions {
        tech: args.tech.clone(),
        model: args.model,
        results: args.results.clone(),
        ..UnitOptions::default()
    };
    let q = &args.qsnr;
    let all: Vec<String> = builtins().into_iter().map(|f| f.name).collect();
    // Every report is at the study's parameters: the built-ins at default lanes and psum width.
    let units = CompareRequest::new(&all, &unit, q)?.units()?;
    let selected = unit.select(&units)?;
    let analytic = AnalyticSource::new(&args.tech)?;
    let synth = shipped_source(Model::Synth, &args.tech, &args.results, &units);
    let calibrated = CalibratedSource::load(&args.results, &args.tech).map_err(|e| e.to_string());
    // the flattened totals, when the full synthesis reports are shipped too
    let details = SynthDetails::load(&args.results.join(DETAILS_FILE)).ok();
    let bar = progress(11);
    let mut written = Vec::new();
    let mut put = |name: &str, text: &str| -> Result<(), ReportError> {
        let path = out.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
        Ok(())
    };

    bar.set_message("headline comparison");
    let headline: Vec<String> = HEADLINE.iter().map(|s| s.to_string()).collect();
    let c = compare(&CompareRequest::new(&headline, &unit, q)?, &selected)?;
    put(
        "compare-mxint8-mxfp8.md",
        &format!("# MXINT8 versus MXFP8\n\n{}", render::markdown(&c)),
    )?;
    bar.inc(1);

    bar.set_message("all formats");
    // MXFP8 first: the study's baseline.
    let mut order = vec!["mxfp8".to_string()];
    order.extend(all.iter().filter(|n| *n != "mxfp8").cloned());
    let full = compare(&CompareRequest::new(&order, &unit, q)?, &selected)?;
    put(
        "compare.md",
        &format!(
            "# Every built-in format against MXFP8\n\n{}",
            render::markdown(&full)
        ),
    )?;
    put("compare.csv", &render::csv(&full.rows)?)?;
    put("compare.json", &render::json(&full))?;
    bar.inc(1);

    bar.set_message("Table 5");
    put("table5.md", &table5_markdown(&selected)?)?;
    bar.inc(1);

    bar.set_message("mixed units");
    // Analytic always; synthesized when `mixed-synth.json` is in the results folder (the
    // calibrated model has no mixed units, so it falls back to that default).
    let mixed_args = super::compare::CompareArgs {
        formats: vec!["mxfp8+nvfp4".into(), "mxint8+nvint4".into()],
        unit: UnitOptions {
            model: args.model.filter(|m| *m != Model::Calibrated),
            ..unit.clone()
        },
        qsnr: q.clone(),
        arch: Default::default(),
        clock_mhz: None,
        period_ns: None,
        library: Default::default(),
        format: render::TableFormat::Md,
    };
    let mixed = super::mixed::mixed_comparison(&mixed_args)?;
    put(
        "compare-mixed.md",
        &format!(
            "# Mixed units: MXINT8+NVINT4 against MXFP8+NVFP4\n\n{}",
            super::mixed::render_mixed(&mixed, render::TableFormat::Md)?
        ),
    )?;
    bar.inc(1);

    bar.set_message("model versus synthesis");
    put(
        "model-vs-synth.md",
        &model_vs_synth_markdown(
            &analytic,
            synth
                .as_ref()
                .map(|t| t as &dyn CostSource)
                .map_err(String::as_str),
            calibrated
                .as_ref()
                .map(CalibratedSource::calibration)
                .map_err(String::as_str),
            details.as_ref(),
        )?,
    )?;
    bar.inc(1);

    let mut engine_chart = None;
    if let (Some(d), Ok(other)) = (
        details.as_ref(),
        super::architectures::load_other(&args.results),
    ) {
        let engines =
            super::engines::load_engines(&args.results).map_err(|why| SourceError::Results {
                path: args.results.join(super::engines::ENGINE_DIR),
                why,
            })?;
        let ratios = super::engines::engine_ratios(d, &engines);
        let mut md = super::architectures::architectures_markdown(d, &other);
        md += &super::engines::engines_markdown(&ratios);
        let energy =
            super::energy::load_energy(&args.results).map_err(|why| SourceError::Results {
                path: args.results.join(super::energy::ENERGY_DIR),
                why,
            })?;
        md += &super::energy::energy_markdown(d, &energy);
        put("architectures.md", &md)?;
        if ratios.iter().any(|r| !r.engine.starts_with("system")) {
            let chart = super::engines::EngineChart {
                ratios,
                footer: format!(
                    "{}: synthesized results shipped in reports/synth-details.json and {}/",
                    crate::cost::source::GENERATOR,
                    super::engines::ENGINE_DIR
                ),
            };
            engine_chart = Some(chart);
        }
    }

    bar.set_message("iso-clock results");
    let clock = super::clock::load_clock(&args.results).map_err(|why| SourceError::Results {
        path: args.results.join(crate::synth::clock::CLOCK_FILE),
        why,
    })?;
    let clock_charts = match clock {
        Some(c) => {
            put("clock.md", &super::clock::clock_markdown(&c))?;
            let footer = format!(
                "{}: synthesized results shipped in reports/{}",
                crate::cost::source::GENERATOR,
                crate::synth::clock::CLOCK_FILE
            );
            Some((
                super::clock::ClockChart {
                    results: c.clone(),
                    footer: footer.clone(),
                },
                super::clock::ClockFormatsChart { results: c, footer },
            ))
        }
        None => None,
    };

    bar.set_message("QSNR sweep and rotation");
    let formats: Vec<_> = builtins();
    let sw = sweep(&all, &unit.dir, q.samples, q.seed)?;
    let rot = rotation_table(&formats, q.samples, q.seed)?;
    let mut qs = String::from("# QSNR of the block formats\n\n");
    qs += &format!(
        "> Generated by {} (QSNR needs no cost model or technology).\n\n",
        crate::cost::source::GENERATOR
    );
    qs += &sweep_markdown(&sw);
    qs.push('\n');
    qs += &rotation_markdown(&rot);
    put("qsnr.md", &qs)?;
    bar.inc(1);

    bar.set_message("design-space sweep");
    let sweep_args = report_sweep_args(args, calibrated.is_ok());
    let ds = crate::arch::sweep::sweep(&sweep_args, &ProgressBar::hidden()).map_err(|e| {
        SourceError::Results {
            path: out.join("sweep.csv"),
            why: e.to_string(),
        }
    })?;
    put("sweep.csv", &crate::arch::sweep::to_csv(&ds))?;
    let sweep_chart = super::sweep_chart::SweepChart::from_sweep(&ds);
    for ext in ["svg", "png"] {
        let path = out.join(format!("sweep.{ext}"));
        sweep_chart.save(&path)?;
        written.push(path);
    }
    // The synthesized sweep run as jobs, when its CSV and run record are shipped: the page and
    // chart from them (the CSV written back as read, so the output folder is complete).
    let synth_sweep = super::sweep_synth::SynthSweep::load(&args.results)?;
    if let Some(ss) = &synth_sweep {
        use super::sweep_synth::{CSV_FILE, MD_FILE, SVG_FILE};
        for (name, text) in [(CSV_FILE, ss.csv.clone()), (MD_FILE, ss.markdown())] {
            let path = out.join(name);
            write_atomic(&path, text.as_bytes())?;
            written.push(path);
        }
        let path = out.join(SVG_FILE);
        ss.chart().save(&path)?;
        written.push(path);
    }
    if let Some(chart) = &engine_chart {
        for ext in ["svg", "png"] {
            let path = out.join(format!("{}.{ext}", super::engines::CHART));
            chart.save(&path)?;
            written.push(path);
        }
    }
    if let Some((ratios, formats)) = &clock_charts {
        for ext in ["svg", "png"] {
            let path = out.join(format!("{}.{ext}", super::clock::CHART));
            ratios.save(&path)?;
            written.push(path);
            let path = out.join(format!("{}.{ext}", super::clock::FORMATS_CHART));
            formats.save(&path)?;
            written.push(path);
        }
    }
    bar.inc(1);

    let costs: Vec<UnitCost> = units
        .iter()
        .map(|u| selected.source.unit_cost(u))
        .collect::<Result<_, _>>()?;
    let provenance = selected.source.provenance().clone();
    // The chart's points are the sweep's measurements (tabulated in qsnr.md), for the study's pairs.
    let pairs: Vec<_> = PlotKind::QsnrKappa
        .default_formats()
        .iter()
        .map(|n| lookup_in(n, &[]))
        .collect::<Result<_, _>>()?;
    let kchart = KappaChart::from_reports(&pairs, &fine_theory(&all, &unit.dir)?, &sw);
    for (kind, _) in CHARTS {
        bar.set_message(format!("chart {}", kind.name()));
        for ext in ["svg", "png"] {
            let path = out.join(format!("{}.{ext}", kind.name()));
            match kind {
                PlotKind::AreaBreakdown => save(
                    &BreakdownChart {
                        metric: Metric::Area,
                        provenance: provenance.clone(),
                        units: costs.clone(),
                    },
                    &path,
                )?,
                PlotKind::EnergyBreakdown => save(
                    &BreakdownChart {
                        metric: Metric::Energy,
                        provenance: provenance.clone(),
                        units: costs.clone(),
                    },
                    &path,
                )?,
                PlotKind::QsnrEnergy => save(&ParetoChart::from_comparison(&full), &path)?,
                PlotKind::QsnrKappa => save(&kchart, &path)?,
            }
            written.push(path);
        }
        bar.inc(1);
    }

    bar.set_message("index");
    let readme = readme(&selected, out, q, &written, synth_sweep.is_some())?;
    let path = out.join("README.md");
    write_atomic(&path, readme.as_bytes())?;
    written.push(path);
    bar.finish_and_clear();
    Ok(written)
}

/// The design space `hwcost report` sweeps: every built-in format at 8, 16 and 32 lanes, the
/// default and the exact psum width, 0 to 2 pipeline stages; with the calibrated model when a
/// calibration is shipped (it prices the pipeline registers), else the analytic one.
pub fn report_sweep_args(args: &ReportArgs, calibrated: bool) -> crate::arch::sweep::SweepArgs {
    use crate::arch::sweep::{SweepArgs, SweepModel, DEFAULT_KAPPA};
    SweepArgs {
        formats: builtins().into_iter().map(|f| f.name).collect(),
        lanes: vec![8, 16, 32],
        psum_width: vec!["default".into(), "exact".into()],
        multiplier: vec![],
        reduction: vec![],
        pipeline: vec![0, 1, 2],
        model: if calibrated {
            SweepModel::Calibrated
        } else {
            SweepModel::Analytic
        },
        kappa: DEFAULT_KAPPA,
        tech: args.tech.clone(),
        results: args.results.clone(),
        output: args.output.join("sweep.csv"),
        plot: None,
        emit_jobs: None,
        collect: None,
        cache_dir: None,
        clock_mhz: None,
    }
}

/// Names of the plain files in `dir`, sorted.
fn file_names(dir: &Path) -> Result<Vec<String>, ReportError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SourceError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// What the files other commands leave in the reports directory are, where known.
fn other_file_note(name: &str) -> &'static str {
    match name {
        "synth-results.json" => {
            "shipped synthesized results, read by `compare`, `plot` and `report`"
        }
        "mixed-synth.json" => {
            "shipped synthesized results of the mixed units (`hwcost synth-mixed`), read by `compare` and `report`"
        }
        "calibrated-results.json" => {
            "shipped calibrated-model results, read with `--model calibrated`"
        }
        "calibration.json" => {
            "the calibrated model's fitted factors and fit (`hwcost calibrate`), read with `--model calibrated`"
        }
        "synth-details.json" => {
            "full per-unit synthesis reports (breakdown by module, flattened totals, timing, registers, clock)"
        }
        "sweep-synth.run.json" => {
            "the record of the synthesized sweep's run (settings, wall time, each point's synthesis time, commands), read by `report`"
        }
        "sweep-synth.md" => {
            "a synthesized sweep run as jobs through GNU parallel (`hwcost sweep --model synth --emit-jobs`, `--collect`): points, wall time, tools, commands"
        }
        "clock.json" => {
            "shipped iso-clock results (`hwcost synth --clock-mhz F --write-clock reports`): the depth search and the unit at each target clock, read by `report` (clock.md)"
        }
        "sweep-synth.csv" => "the synthesized sweep's design points and Pareto front (see sweep-synth.md)",
        "sweep-synth.svg" => "the synthesized sweep's chart: QSNR against energy and area per MAC",
        _ => "written by another hwcost command",
    }
}

/// The index; `written` are the files this run wrote (the rest of `dir` is listed as benchmarks
/// and other files).
fn readme(
    selected: &Selected,
    dir: &Path,
    q: &QsnrOptions,
    written: &[PathBuf],
    synth_sweep: bool,
) -> Result<String, ReportError> {
    let mut s = String::from("# hwcost reports\n\n");
    s += &selected.source.provenance().markdown();
    let _ = writeln!(
        s,
        "\nRegenerate everything with `hwcost report -o reports/` (deterministic: a rerun writes the same bytes). \
         QSNR measurements use {} blocks per figure, seed {}; theoretical QSNR in comparisons is at crest factor {}.\n",
        q.samples, q.seed, q.kappa
    );
    if let Some(n) = &selected.note {
        let _ = writeln!(s, "Note: {n}.\n");
    }
    s += "## Reports\n\n| file | what it shows |\n|---|---|\n";
    for (file, what) in index_entries() {
        let _ = writeln!(s, "| [{file}]({file}) | {what} |");
    }
    if synth_sweep {
        let _ = writeln!(
            s,
            "| [sweep-synth.md](sweep-synth.md) | a synthesized sweep run as jobs through GNU parallel (`hwcost sweep \
             --model synth --emit-jobs`, `--collect`): points, wall time, tools, commands; data in \
             [sweep-synth.csv](sweep-synth.csv) (with the run's record [sweep-synth.run.json](sweep-synth.run.json)), \
             charted in [sweep-synth.svg](sweep-synth.svg) |"
        );
    }
    s += "\n## Charts\n\nEach chart is written as SVG and PNG.\n\n";
    for (kind, title) in CHARTS {
        let n = kind.name();
        let _ = writeln!(
            s,
            "### {title}\n\n![{title}]({n}.svg)\n\n[{n}.svg]({n}.svg) · [{n}.png]({n}.png)\n"
        );
    }
    let _ = writeln!(
        s,
        "### Design-space sweep: QSNR versus cost per MAC\n\n![Design-space sweep](sweep.svg)\n\n[sweep.svg](sweep.svg) · [sweep.png](sweep.png)\n"
    );
    s += "## Benchmarks\n\nWritten by `hwcost bench` (not rerun by `hwcost report`).\n\n";
    let ours: Vec<&str> = written
        .iter()
        .filter_map(|p| p.file_name()?.to_str())
        .collect();
    let (benches, others): (Vec<String>, Vec<String>) = file_names(dir)?
        .into_iter()
        .filter(|n| n != "README.md" && !ours.contains(&n.as_str()))
        .partition(|n| n.starts_with("bench-") && n.ends_with(".md"));
    if benches.is_empty() {
        s += "None in this directory yet.\n";
    }
    for b in &benches {
        let _ = writeln!(s, "- [{b}]({b})");
    }
    if !others.is_empty() {
        s += "\n## Other files\n\n";
        for o in &others {
            let _ = writeln!(s, "- [{o}]({o}): {}", other_file_note(o));
        }
    }
    s += &super::footnote_markdown(&[selected.source.provenance()]);
    Ok(s)
}

/// `hwcost report`: regenerate the set and list what was written.
pub fn run_report(args: &ReportArgs) -> anyhow::Result<()> {
    let files = generate(args)?;
    eprintln!("wrote {} files to {}", files.len(), args.output.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table5_from_the_analytic_source_is_the_analytic_models_table5() {
        for tech in builtin_names() {
            let lines = table5_lines(&AnalyticSource::new(tech).unwrap()).unwrap();
            assert_eq!(lines[0].format, "mxfp8");
            assert_eq!((lines[0].area_ratio, lines[0].energy_ratio), (1.0, 1.0));
            let want = crate::cost::analytic::table5(&Tech::builtin(tech).unwrap());
            for (l, w) in lines[1..].iter().zip(&want) {
                assert_eq!(l.format, w.format);
                assert_eq!(
                    (l.area_ratio, l.energy_ratio),
                    (w.area_ratio, w.energy_ratio),
                    "{tech}"
                );
                assert_eq!(
                    (l.study_area_ratio, l.study_energy_ratio),
                    (w.study_area_ratio, w.study_energy_ratio)
                );
            }
        }
    }
}
