//! `hwcost cost`: the component breakdown of one unit from a named cost model (the study's
//! analytic model, the synthesized netlist, or the calibrated model), or the analytic model
//! against synthesis component by component, as a text table or JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::analytic::{self, AnalyticCost, PsumWidth, UnitParams};
use super::calibrate::Calibration;
use super::tech::{Cell, Tech, DEFAULT_TECH};
use crate::cost::source::UnitCost;
use crate::rtl;
use crate::synth::synth_command::{synth_result, text_report, SynthOrigin};
use crate::synth::tools::Engine;
use crate::synth::unit_synth::{default_cache_dir, Part, UnitSynthReport};

/// The cost models `--model` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKind {
    /// The study's analytic gate model: Table 6 cell counts x technology cell factors, one toggle rate.
    Analytic,
    /// Yosys + sky130 synthesis with simulated activity (shipped, cached, or run now).
    Synth,
    /// Analytic cell counts with per-component factors fitted to the synthesized results.
    Calibrated,
    /// Analytic and synthesized side by side, with the error per component and in total.
    Both,
}

/// Area and energy breakdown of one MAC unit.
#[derive(Clone, Debug, clap::Args)]
pub struct CostArgs {
    /// Block format, e.g. mxint8, mxfp8, nvfp4 (or a format .toml file).
    pub format: String,
    /// Lanes k (power of two 1..64); default: the format's block size.
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Psum (aligner) width in bits, or `exact`; default min(2^(x+1)+2y, 24). Ignored for INT.
    #[arg(long, value_name = "N|exact")]
    pub psum_width: Option<String>,
    /// Extra pipeline register stages S (0 to 8): registers of the synthesized and calibrated
    /// models; the analytic model counts no registers [default: 0, or with a target clock the
    /// fewest that meet it].
    #[arg(long, value_parser = crate::args::pipeline::<usize>)]
    pub pipeline: Option<usize>,
    /// Target clock (synth model): the unit synthesized toward it at the fewest pipeline stages
    /// OpenSTA times with slack >= 0 there (the shipped iso-clock results in --results when
    /// they hold the unit, else the `hwcost synth --clock-mhz` search and measurement).
    #[command(flatten)]
    pub clock: crate::synth::clock::ClockArgs,
    #[command(flatten)]
    pub arch: crate::rtl::Arch,
    /// Technology: a built-in name (sky130hd, asap7) or a technology .toml file.
    #[arg(long, default_value = DEFAULT_TECH)]
    pub tech: String,
    /// Cost model.
    #[arg(long, value_enum, default_value_t = ModelKind::Analytic)]
    pub model: ModelKind,
    /// Directory of shipped results (synth-results.json, synth-details.json, calibration.json).
    #[arg(long, default_value = "reports")]
    pub results: PathBuf,
    /// Cache of synthesis runs [default: $HWCOST_CACHE_DIR, else ~/.cache/hwcost].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Synthesis engine of the synth model (see `hwcost synth --help`).
    #[arg(long, value_enum, default_value_t = Engine::System)]
    pub engine: Engine,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The synth model's library (else the [liberty] of --tech, else the shipped sky130).
    #[command(flatten)]
    pub library: crate::synth::flow::LibraryArgs,
}

impl CostArgs {
    /// The pipeline depth asked for (0 when none was).
    pub fn stages(&self) -> usize {
        self.pipeline.unwrap_or(0)
    }
}

/// Run `hwcost cost` and print its result on stdout.
pub fn run_cost(args: &CostArgs) -> anyhow::Result<()> {
    print!("{}", cost_report(args)?);
    Ok(())
}

/// The technology the synthesized model is measured in (the vendored sky130 Liberty).
pub const SYNTH_TECH: &str = "sky130hd";

/// The inputs every model of `hwcost cost` shares, resolved from its arguments.
struct Resolved {
    format: crate::format::BlockFormat,
    params: UnitParams,
    tech: Tech,
}

fn resolve(args: &CostArgs) -> anyhow::Result<Resolved> {
    use clap::ValueEnum as _;
    if args.clock.target().is_some() && args.model != ModelKind::Synth {
        anyhow::bail!(
            "--clock-mhz / --period-ns cost the unit synthesized toward a clock: use --model synth \
             (the {} model has no clock)",
            args.model.to_possible_value().map_or("chosen".into(), |v| v.get_name().to_string())
        );
    }
    let format = crate::format::lookup(&args.format)?;
    let psum = match &args.psum_width {
        None => PsumWidth::Default,
        Some(s) => s.parse()?,
    };
    let params = UnitParams::new(format.clone(), args.lanes, psum)?.with_arch(args.arch)?;
    let tech = Tech::resolve(&args.tech)?;
    Ok(Resolved {
        format,
        params,
        tech,
    })
}

/// The generator's parameters of the unit (validated).
fn rtl_params(
    args: &CostArgs,
    format: &crate::format::BlockFormat,
) -> anyhow::Result<rtl::UnitParams> {
    let psum_width = match &args.psum_width {
        None => rtl::PsumWidth::Default,
        Some(s) => s.parse().map_err(|e: String| anyhow::anyhow!(e))?,
    };
    let p = rtl::UnitParams {
        lanes: args.lanes,
        psum_width,
        pipeline: args.stages(),
        arch: args.arch,
    };
    rtl::UnitPlan::new(format, &p)?;
    Ok(p)
}

/// The synthesized report of the unit: shipped, cached, or synthesized now.
fn synth_of(args: &CostArgs, r: &Resolved) -> anyhow::Result<(UnitSynthReport, SynthOrigin)> {
    if r.tech.name != SYNTH_TECH && r.tech.liberty.is_none() && args.library.liberty.is_none() {
        anyhow::bail!(
            "the synthesized model needs a Liberty: '{}' names none ([liberty] table); \
             use --tech {SYNTH_TECH}, a technology file with [liberty], or --liberty FILE.lib --cell-models FILE.v",
            r.tech.name
        );
    }
    let pdk = crate::synth::flow::PdkFiles::select(&args.library, Some(&r.tech))?;
    let p = rtl_params(args, &r.format)?;
    let cache = args.cache_dir.clone().unwrap_or_else(default_cache_dir);
    match args.clock.target() {
        Some(t) => crate::synth::clock::unit_at_clock(
            &r.format,
            &p,
            args.pipeline.is_some(),
            t,
            args.engine,
            &args.results,
            &cache,
            pdk,
        ),
        None => synth_result(&r.format, &p, args.engine, &args.results, &cache, pdk),
    }
}

/// The calibrated model's cost of the unit, with the calibration file's path.
fn calibrated_of(args: &CostArgs, r: &Resolved) -> anyhow::Result<(UnitCost, PathBuf)> {
    // any analytic unit can be costed; only the register count needs a valid depth
    if args.stages() > rtl::MAX_PIPELINE {
        return Err(rtl::RtlError::Pipeline {
            stages: args.stages(),
        }
        .into());
    }
    let path = args.results.join(super::calibrate::FILE);
    let cal = Calibration::load(&path)?;
    Ok((cal.unit_cost(&r.params, args.stages(), &r.tech)?, path))
}

/// One unit priced by the model `hwcost cost --model` names, with what produced the numbers.
/// The exports (`hwcost export`) take their numbers from here, so they are `cost`'s.
#[derive(Clone, Debug)]
pub struct PricedUnit {
    /// The generator's name of the unit, `{format}_mac_k{K}_n{n}_p{S}` (as `hwcost rtl` writes it).
    pub name: String,
    pub cost: UnitCost,
    pub provenance: crate::cost::source::Provenance,
    /// Bits of one element code, and the unit's pipeline stages.
    pub element_bits: u32,
    pub pipeline: usize,
    /// Integer elements (Timeloop's `intmac`), else floating point (`fpmac`).
    pub is_int: bool,
    /// Stored bits per element, the block scale included (8.25 for MXINT8).
    pub bits_per_element: f64,
}

/// Price the unit of `args` with its model (`--model both` is refused: it names two).
pub fn priced_unit(args: &CostArgs) -> anyhow::Result<PricedUnit> {
    use crate::cost::source::{AnalyticSource, CostSource};
    let r = resolve(args)?;
    let name = rtl::UnitPlan::new(&r.format, &rtl_params(args, &r.format)?)?.name;
    let (cost, provenance) = match args.model {
        ModelKind::Analytic => {
            if args.stages() > 0 {
                anyhow::bail!(
                    "--pipeline {}: the analytic model counts no registers; use --model calibrated or synth",
                    args.stages()
                );
            }
            let a = AnalyticSource::new(&args.tech)?;
            (a.unit_cost(&r.params)?, a.provenance().clone())
        }
        ModelKind::Synth => {
            let (rep, _) = synth_of(args, &r)?;
            let provenance = crate::synth::synth_command::table_provenance(&rep);
            (rep.unit_cost(&r.params, &provenance.tech), provenance)
        }
        ModelKind::Calibrated => {
            let (cost, _) = calibrated_of(args, &r)?;
            let src = super::calibrate::CalibratedSource::load(&args.results, &args.tech)?;
            (cost, src.provenance().clone())
        }
        ModelKind::Both => {
            anyhow::bail!("--model both names two models; choose analytic, synth or calibrated")
        }
    };
    Ok(PricedUnit {
        name,
        cost,
        provenance,
        element_bits: r.format.elem.bits(),
        pipeline: args.stages(),
        is_int: r.format.elem.is_int(),
        bits_per_element: r.format.bits_per_element(),
    })
}

/// What `run_cost` prints.
pub fn cost_report(args: &CostArgs) -> anyhow::Result<String> {
    if args.format.contains('+') {
        return crate::synth::mixed::mixed_cost_report(args);
    }
    let r = resolve(args)?;
    let (params, tech) = (&r.params, &r.tech);
    Ok(match args.model {
        ModelKind::Analytic => {
            crate::cost::source::refuse_architecture(crate::cost::source::Model::Analytic, params)?;
            let cost = analytic::analytic_cost(params, tech);
            if args.json {
                serde_json::to_string_pretty(&cost)? + "\n"
            } else {
                text_table(&cost)
            }
        }
        ModelKind::Synth => {
            let (r, origin) = synth_of(args, &r)?;
            if args.json {
                serde_json::to_string_pretty(&SynthJson {
                    origin: origin.to_string(),
                    report: &r,
                })? + "\n"
            } else {
                format!("source: {origin}\n{}", text_report(&r))
            }
        }
        ModelKind::Calibrated => {
            let (cost, path) = calibrated_of(args, &r)?;
            if args.json {
                serde_json::to_string_pretty(&cost)? + "\n"
            } else {
                unit_cost_table(&cost, &format!("calibrated model ({})", path.display()))
            }
        }
        ModelKind::Both => {
            let (rep, origin) = synth_of(args, &r)?;
            let r = rep;
            let a = analytic::analytic_cost(params, tech);
            let cmp = ModelComparison::new(&a, &r);
            if args.json {
                serde_json::to_string_pretty(&BothJson {
                    origin: origin.to_string(),
                    comparison: &cmp,
                    analytic: &a,
                    synth: &r,
                })? + "\n"
            } else {
                format!("synthesized results: {origin}\n{}", comparison_table(&cmp))
            }
        }
    })
}

#[derive(Serialize)]
struct SynthJson<'a> {
    origin: String,
    report: &'a UnitSynthReport,
}

#[derive(Serialize)]
struct BothJson<'a> {
    origin: String,
    comparison: &'a ModelComparison,
    analytic: &'a AnalyticCost,
    synth: &'a UnitSynthReport,
}

/// One part of a unit in both models, with the analytic model's error relative to synthesis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartComparison {
    pub key: String,
    pub label: String,
    pub analytic_area_um2: f64,
    pub synth_area_um2: f64,
    /// analytic / synthesized - 1; `None` when synthesis has no cells there
    pub area_error: Option<f64>,
    pub analytic_energy_pj_per_block: f64,
    pub synth_energy_pj_per_block: f64,
    pub energy_error: Option<f64>,
}

/// The analytic model against the synthesized breakdown of the same unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelComparison {
    pub format: String,
    pub unit: String,
    pub lanes: usize,
    pub parts: Vec<PartComparison>,
    pub total: PartComparison,
    pub fmax_mhz: f64,
}

fn rel_error(analytic: f64, synth: f64) -> Option<f64> {
    (synth > 0.0).then(|| analytic / synth - 1.0)
}

impl ModelComparison {
    /// Every part either model has, in [`Part::all`] order; the totals are the models' own.
    pub fn new(a: &AnalyticCost, r: &UnitSynthReport) -> ModelComparison {
        let mut parts = Vec::new();
        for part in Part::all() {
            let key = part.key();
            let an = a
                .components
                .iter()
                .find(|c| c.component.label().replace(' ', "_") == key);
            let sy = r.parts.iter().find(|p| p.key == key);
            if an.is_none() && sy.is_none() {
                continue;
            }
            let (aa, ae) = an.map_or((0.0, 0.0), |c| (c.area_um2, c.energy_pj_per_block));
            let (sa, se) = sy.map_or((0.0, 0.0), |c| (c.area_um2, c.energy_pj_per_block));
            parts.push(PartComparison {
                key,
                label: part.label().to_string(),
                analytic_area_um2: aa,
                synth_area_um2: sa,
                area_error: rel_error(aa, sa),
                analytic_energy_pj_per_block: ae,
                synth_energy_pj_per_block: se,
                energy_error: rel_error(ae, se),
            });
        }
        let (aa, ae) = (a.total.area_um2, a.total.energy_pj_per_block);
        let (sa, se) = (r.hierarchical.area_um2, r.hierarchical.energy_pj_per_block);
        ModelComparison {
            format: a.format.clone(),
            unit: r.unit.clone(),
            lanes: a.lanes,
            parts,
            total: PartComparison {
                key: "total".into(),
                label: "total".into(),
                analytic_area_um2: aa,
                synth_area_um2: sa,
                area_error: rel_error(aa, sa),
                analytic_energy_pj_per_block: ae,
                synth_energy_pj_per_block: se,
                energy_error: rel_error(ae, se),
            },
            fmax_mhz: r.fmax_mhz,
        }
    }
}

fn pct(e: Option<f64>) -> String {
    e.map_or("n/a".to_string(), |e| format!("{:+.1}%", 100.0 * e))
}

/// The comparison as an aligned text table.
pub fn comparison_table(c: &ModelComparison) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}, k = {}): analytic model against synthesis (hierarchy kept); error = analytic / synthesized - 1",
        c.format, c.unit, c.lanes
    );
    let _ = writeln!(
        s,
        "{:<34}{:>14}{:>14}{:>9}{:>14}{:>14}{:>9}",
        "component",
        "area analytic",
        "area synth",
        "error",
        "pJ/blk analyt",
        "pJ/blk synth",
        "error"
    );
    for p in c.parts.iter().chain([&c.total]) {
        let _ = writeln!(
            s,
            "{:<34}{:>14.1}{:>14.1}{:>9}{:>14.3}{:>14.3}{:>9}",
            p.label,
            p.analytic_area_um2,
            p.synth_area_um2,
            pct(p.area_error),
            p.analytic_energy_pj_per_block,
            p.synth_energy_pj_per_block,
            pct(p.energy_error)
        );
    }
    let k = c.lanes as f64;
    let t = &c.total;
    let _ = writeln!(
        s,
        "per MAC: analytic {:.2} um^2, {:.4} pJ; synthesized {:.2} um^2, {:.4} pJ; fmax {:.1} MHz (synthesized, flattened)",
        t.analytic_area_um2 / k,
        t.analytic_energy_pj_per_block / k,
        t.synth_area_um2 / k,
        t.synth_energy_pj_per_block / k,
        c.fmax_mhz
    );
    s
}

/// A [`UnitCost`] breakdown (calibrated model) as an aligned text table.
pub fn unit_cost_table(c: &UnitCost, source: &str) -> String {
    let mut s = String::new();
    let n = c
        .psum_width
        .map_or("exact (INT)".to_string(), |n| n.to_string());
    let _ = writeln!(
        s,
        "{}: {source}, k = {} lanes, psum width {n}, tech {}",
        c.format, c.lanes, c.tech
    );
    let _ = writeln!(
        s,
        "{:<34}{:>13}{:>7}{:>13}{:>7}",
        "component", "area um^2", "share", "pJ/block", "share"
    );
    for x in &c.components {
        let _ = writeln!(
            s,
            "{:<34}{:>13.1}{:>6.1}%{:>13.3}{:>6.1}%",
            x.label,
            x.area_um2,
            100.0 * x.area_um2 / c.area_um2,
            x.energy_pj_per_block,
            100.0 * x.energy_pj_per_block / c.energy_pj_per_block
        );
    }
    let _ = writeln!(
        s,
        "{:<34}{:>13.1}{:>7}{:>13.3}",
        "total", c.area_um2, "", c.energy_pj_per_block
    );
    let _ = writeln!(
        s,
        "per MAC: {:.2} um^2, {:.4} pJ",
        c.area_um2_per_mac, c.energy_pj_per_mac
    );
    s
}

/// The breakdown as an aligned text table.
pub fn text_table(c: &AnalyticCost) -> String {
    let mut s = String::new();
    let n = c
        .psum_width
        .map_or("exact (INT)".to_string(), |n| n.to_string());
    let _ = writeln!(
        s,
        "{}: analytic model, k = {} lanes, psum width {n}, tech {}, toggle rate {}",
        c.format, c.lanes, c.tech, c.toggle_rate
    );
    let _ = write!(s, "{:<22}", "component");
    for cell in Cell::ALL {
        let _ = write!(s, "{:>6}", cell.label());
    }
    let _ = writeln!(
        s,
        "{:>13}{:>7}{:>13}{:>7}",
        "area um^2", "share", "pJ/block", "share"
    );
    for x in &c.components {
        let _ = write!(s, "{:<22}", x.component.label());
        for cell in Cell::ALL {
            let _ = write!(s, "{:>6}", x.cells.get(cell));
        }
        let _ = writeln!(
            s,
            "{:>13.1}{:>6.1}%{:>13.3}{:>6.1}%",
            x.area_um2,
            100.0 * x.area_share,
            x.energy_pj_per_block,
            100.0 * x.energy_share
        );
    }
    let t = &c.total;
    let _ = write!(s, "{:<22}", "total");
    for cell in Cell::ALL {
        let _ = write!(s, "{:>6}", t.cells.get(cell));
    }
    let _ = writeln!(
        s,
        "{:>13.1}{:>7}{:>13.3}",
        t.area_um2, "", t.energy_pj_per_block
    );
    let _ = writeln!(
        s,
        "per MAC: {:.2} um^2, {:.4} pJ",
        t.area_um2_per_mac, t.energy_pj_per_mac
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(format: &str) -> CostArgs {
        CostArgs {
            format: format.into(),
            lanes: None,
            psum_width: None,
            pipeline: None,
            clock: Default::default(),
            arch: Default::default(),
            tech: DEFAULT_TECH.into(),
            model: ModelKind::Analytic,
            results: PathBuf::from("reports"),
            cache_dir: None,
            engine: Engine::System,
            json: false,
            library: Default::default(),
        }
    }

    /// `--model synth --clock-mhz F` reads the shipped iso-clock result of the unit (no tool
    /// runs): the depth the search chose and the netlist timed at F.
    #[test]
    fn the_synth_model_at_a_clock_reads_the_shipped_iso_clock_result() {
        let reports = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reports");
        let shipped = crate::synth::clock::ClockResults::load(&reports.join("clock.json")).unwrap();
        let want = shipped
            .points
            .iter()
            .find(|p| p.format == "nvint4" && p.target_mhz == 100.0)
            .and_then(|p| p.unit.as_ref())
            .unwrap();
        let out = cost_report(&CostArgs {
            model: ModelKind::Synth,
            results: reports,
            json: true,
            clock: crate::synth::clock::ClockArgs {
                clock_mhz: None,
                period_ns: Some(10.0),
            },
            ..args("nvint4")
        })
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v["origin"].as_str().unwrap().starts_with("shipped results in"), "{}", v["origin"]);
        assert!(v["origin"].as_str().unwrap().contains("clock.json"), "{}", v["origin"]);
        assert_eq!(v["report"]["unit"], want.unit.as_str());
        assert_eq!(v["report"]["pipeline"], want.pipeline);
        assert_eq!(v["report"]["flat"]["area_um2"].as_f64(), Some(want.flat.area_um2));
    }

    #[test]
    fn json_carries_the_breakdown_values() {
        let out = cost_report(&CostArgs {
            json: true,
            ..args("mxfp8")
        })
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["format"], "mxfp8");
        assert_eq!(v["lanes"], 32);
        assert_eq!(v["psum_width"], 24);
        assert_eq!(v["tech"], "sky130hd");
        let aligners = v["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["component"] == "aligners")
            .unwrap();
        assert_eq!(aligners["cells"]["mux"], 32 * 24 * 5);
        let want = analytic::analytic_cost(
            &UnitParams::new(
                crate::format::lookup("mxfp8").unwrap(),
                None,
                PsumWidth::Default,
            )
            .unwrap(),
            &Tech::builtin("sky130hd").unwrap(),
        );
        assert_eq!(
            v["total"]["area_um2"].as_f64().unwrap(),
            want.total.area_um2
        );
        assert_eq!(
            v["total"]["energy_pj_per_mac"].as_f64().unwrap(),
            want.total.energy_pj_per_mac
        );
    }

    #[test]
    fn text_table_lists_every_component_and_the_totals() {
        let out = cost_report(&CostArgs {
            lanes: Some(4),
            psum_width: Some("exact".into()),
            tech: "asap7".into(),
            ..args("nvfp4")
        })
        .unwrap();
        assert!(
            out.starts_with("nvfp4: analytic model, k = 4 lanes, psum width 10, tech asap7"),
            "{out}"
        );
        for label in [
            "lane multipliers",
            "aligners",
            "adder tree",
            "normalizer",
            "scale logic",
            "accumulator",
            "total",
            "per MAC",
        ] {
            assert!(out.contains(label), "{label} missing:\n{out}");
        }
        // 4 lanes x 2x2 multiplier = 16 AND.
        let line = out
            .lines()
            .find(|l| l.starts_with("lane multipliers"))
            .unwrap();
        assert_eq!(line.split_whitespace().nth(5), Some("16"), "{line}");
    }

    #[test]
    fn bad_input_gives_clear_errors_before_any_tool_runs() {
        let e = cost_report(&args("mxint9")).unwrap_err().to_string();
        assert!(e.contains("mxint9"), "{e}");
        let e = cost_report(&CostArgs {
            psum_width: Some("wide".into()),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("'wide'"), "{e}");
        let e = cost_report(&CostArgs {
            lanes: Some(3),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains('3'), "{e}");
        let e = cost_report(&CostArgs {
            tech: "nope.toml".into(),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("nope.toml"), "{e}");
        // the synthesized model is sky130 only; the pipeline depth is checked against the RTL's
        for model in [ModelKind::Synth, ModelKind::Both] {
            let e = cost_report(&CostArgs {
                tech: "asap7".into(),
                model,
                ..args("mxint8")
            })
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("'asap7'") && e.contains("--tech sky130hd"),
                "{e}"
            );
            let e = cost_report(&CostArgs {
                pipeline: Some(9),
                model,
                ..args("mxint8")
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains('9'), "{e}");
        }
        let e = cost_report(&CostArgs {
            pipeline: Some(9),
            model: ModelKind::Calibrated,
            ..args("mxint8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("got 9"), "{e}");
        // a target clock is the synthesized model's
        for model in [ModelKind::Analytic, ModelKind::Calibrated, ModelKind::Both] {
            let e = cost_report(&CostArgs {
                clock: crate::synth::clock::ClockArgs {
                    clock_mhz: Some(100.0),
                    period_ns: None,
                },
                model,
                ..args("mxint8")
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains("use --model synth"), "{e}");
        }
        // no calibration in an empty results directory: the error names the file
        let dir = tempfile::tempdir().unwrap();
        let e = cost_report(&CostArgs {
            model: ModelKind::Calibrated,
            results: dir.path().to_path_buf(),
            ..args("mxint8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("calibration.json"), "{e}");
    }

    #[test]
    fn bad_tech_toml_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.toml");
        let text =
            include_str!("../../models/sky130hd.toml").replacen("toggle_rate = 0.41\n", "", 1);
        std::fs::write(&p, text).unwrap();
        let e = cost_report(&CostArgs {
            tech: p.to_str().unwrap().into(),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("toggle_rate") && e.contains("t.toml"), "{e}");
    }

    #[test]
    fn clap_parses_the_documented_command_line() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Wrap {
            #[command(flatten)]
            cost: CostArgs,
        }
        let w = Wrap::try_parse_from([
            "cost",
            "mxfp8",
            "--lanes",
            "16",
            "--psum-width",
            "exact",
            "--tech",
            "asap7",
            "--model",
            "analytic",
            "--json",
        ])
        .unwrap();
        assert_eq!(w.cost.format, "mxfp8");
        assert_eq!(w.cost.lanes, Some(16));
        assert_eq!(w.cost.psum_width.as_deref(), Some("exact"));
        assert_eq!(w.cost.tech, "asap7");
        assert!(w.cost.json);
        let d = Wrap::try_parse_from(["cost", "nvint4"]).unwrap();
        assert_eq!(
            (d.cost.tech.as_str(), d.cost.model),
            (DEFAULT_TECH, ModelKind::Analytic)
        );
        assert!(Wrap::try_parse_from(["cost", "mxfp8", "--model", "magic"]).is_err());
    }
}
