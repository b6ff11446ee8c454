//! `reports/clock.md` and its chart: the formats compared at the same target clock, from the
//! shipped iso-clock results (`hwcost synth --clock-mhz F --write-clock reports`, in
//! `reports/clock.json`).

use std::fmt::Write as _;
use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plot::{save, Chart};
use super::style::{color, err, font, frame, legend_row, two_panels, GRID, MINOR_GRID};
use super::ReportError;
use crate::cost::source::SourceError;
use crate::synth::clock::{ClockPoint, ClockResults, CLOCK_FILE};

/// The pairs compared at each clock.
pub const PAIRS: [(&str, &str); 2] = [("mxint8", "mxfp8"), ("nvint4", "nvfp4")];
/// The ratio chart's file stem.
pub const CHART: &str = "clock";
/// The file stem of the chart of each format's own area and energy against the clock.
pub const FORMATS_CHART: &str = "clock-formats";

/// The shipped results, if `results/clock.json` exists.
pub fn load_clock(results: &Path) -> Result<Option<ClockResults>, String> {
    let path = results.join(CLOCK_FILE);
    if !path.exists() {
        return Ok(None);
    }
    ClockResults::load(&path)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Area and energy of a point that met its clock: the flattened netlist (the one timed).
fn cost(p: &ClockPoint) -> Option<(f64, f64)> {
    let u = p.unit.as_ref()?;
    Some((u.flat.area_um2, u.flat.energy_pj_per_mac))
}

fn clocks(r: &ClockResults) -> Vec<f64> {
    let mut c: Vec<f64> = r.points.iter().map(|p| p.target_mhz).collect();
    c.sort_by(f64::total_cmp);
    c.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
    c
}

fn find<'a>(r: &'a ClockResults, format: &str, mhz: f64) -> Option<&'a ClockPoint> {
    r.points
        .iter()
        .find(|p| p.format == format && (p.target_mhz - mhz).abs() < 1e-6)
}

/// The INT/FP (area, energy) ratio of a pair at a clock, when both units met it.
pub fn ratio(r: &ClockResults, (i, f): (&str, &str), mhz: f64) -> Option<(f64, f64)> {
    let (ia, ie) = cost(find(r, i, mhz)?)?;
    let (fa, fe) = cost(find(r, f, mhz)?)?;
    Some((ia / fa, ie / fe))
}

/// A unit measured at a clock as reports see it: the flattened netlist (the one timed at the
/// clock) is its only component.
pub fn flat_cost(
    u: &crate::synth::unit_synth::UnitSynthReport,
    unit: &crate::cost::analytic::UnitParams,
    tech: &str,
) -> crate::cost::source::UnitCost {
    let mut c = u.unit_cost(unit, tech);
    c.components = vec![crate::cost::source::ComponentCost {
        key: "flattened_unit".into(),
        label: format!("flattened unit, S = {}", u.pipeline),
        area_um2: u.flat.area_um2,
        energy_pj_per_block: u.flat.energy_pj_per_block,
    }];
    c.set_totals(u.flat.area_um2, u.flat.energy_pj_per_block);
    c
}

/// The units of a comparison synthesized now (or from the cache) onto the Liberty of
/// `library` (`compare --liberty`): at the default settings, or at `target_mhz` with the
/// depth search (then each unit's cost is its flattened netlist, as at a clock).
pub fn liberty_source(
    library: &crate::synth::flow::LibraryArgs,
    units: &[crate::cost::analytic::UnitParams],
    target_mhz: Option<f64>,
    results: &Path,
) -> Result<crate::cost::source::TableSource, ReportError> {
    use crate::synth::synth_command::{synth_result, table_provenance};
    let fail = |e: &dyn std::fmt::Display| ReportError::Synthesis(e.to_string());
    let pdk = crate::synth::flow::PdkFiles::select(library, None).map_err(|e| fail(&e))?;
    let cache = crate::synth::unit_synth::default_cache_dir();
    let engine = crate::synth::tools::Engine::System;
    let mut costs = Vec::new();
    let mut provenance = None;
    for u in units {
        let params = crate::rtl::UnitParams {
            lanes: Some(u.lanes),
            psum_width: u
                .psum_width
                .map_or(crate::rtl::PsumWidth::Default, crate::rtl::PsumWidth::Bits),
            pipeline: 0,
            arch: u.arch,
        };
        eprintln!(
            "{}: synthesizing onto {} (cached after the first run)",
            crate::cost::source::unit_label(u),
            pdk.liberty.display()
        );
        let (r, _) = match target_mhz {
            None => synth_result(&u.format, &params, engine, results, &cache, pdk.clone()),
            Some(f) => crate::synth::clock::unit_at_clock(
                &u.format,
                &params,
                false,
                crate::synth::clock::ClockTarget::from_mhz(f),
                engine,
                results,
                &cache,
                pdk.clone(),
            ),
        }
        .map_err(|e| fail(&e))?;
        let p = provenance.get_or_insert_with(|| table_provenance(&r));
        costs.push(match target_mhz {
            None => r.unit_cost(u, &p.tech),
            Some(_) => flat_cost(&r, u, &p.tech),
        });
    }
    let provenance = provenance.ok_or_else(|| fail(&"no unit to synthesize"))?;
    Ok(crate::cost::source::TableSource::new(
        crate::cost::source::CostTable {
            provenance,
            units: costs,
        },
        pdk.liberty.clone(),
    ))
}

/// The synthesized model at one target clock, read from the iso-clock results: each unit at
/// the fewest pipeline stages that meet the clock, its flattened netlist (the one timed) as
/// the cost. `hwcost compare --clock-mhz F` answers through it.
pub struct ClockSource {
    results: ClockResults,
    path: std::path::PathBuf,
    mhz: f64,
    provenance: crate::cost::source::Provenance,
}

impl ClockSource {
    /// The results in `results/clock.json` at `mhz`; an error says why they cannot answer.
    pub fn load(results: &Path, mhz: f64) -> Result<ClockSource, ReportError> {
        let path = results.join(CLOCK_FILE);
        let unavailable = |why: String| ReportError::from(SourceError::NoClockResult { mhz, why });
        let r = load_clock(results).map_err(unavailable)?.ok_or_else(|| {
            unavailable(format!(
                "no iso-clock results: {} does not exist (`hwcost synth FORMAT --clock-mhz F --write-clock {}` writes it)",
                path.display(),
                results.display()
            ))
        })?;
        let provenance = r
            .points
            .iter()
            .find_map(|p| p.unit.as_ref())
            .map(crate::synth::synth_command::table_provenance)
            .ok_or_else(|| {
                unavailable(format!("{} holds no unit that met a clock", path.display()))
            })?;
        Ok(ClockSource {
            results: r,
            path,
            mhz,
            provenance,
        })
    }

    /// The clocks the results hold for `format`, for the error that names what there is.
    fn clocks_of(&self, format: &str) -> String {
        let c: Vec<String> = clocks(&self.results)
            .into_iter()
            .filter(|&c| find(&self.results, format, c).is_some())
            .map(|c| format!("{c:.0}"))
            .collect();
        if c.is_empty() {
            "none".into()
        } else {
            format!("{} MHz", c.join(", "))
        }
    }
}

impl crate::cost::source::CostSource for ClockSource {
    fn provenance(&self) -> &crate::cost::source::Provenance {
        &self.provenance
    }

    fn unit_cost(
        &self,
        unit: &crate::cost::analytic::UnitParams,
    ) -> Result<crate::cost::source::UnitCost, SourceError> {
        let name = &unit.format.name;
        if unit.architecture().is_none() {
            return Err(SourceError::NoClockResult {
                mhz: self.mhz,
                why: format!(
                    "the RTL generator builds no unit for {}",
                    crate::cost::source::unit_label(unit)
                ),
            });
        }
        let point = self
            .results
            .points
            .iter()
            .find(|p| p.is_unit(unit) && (p.target_mhz - self.mhz).abs() < 1e-6);
        let Some(p) = point else {
            return Err(SourceError::NoClockResult {
                mhz: self.mhz,
                why: format!(
                    "{} has no result for {} at {:.1} MHz (its clocks for {name}: {}); \
                     `hwcost synth {name} --clock-mhz {} --write-clock {}` adds one",
                    self.path.display(),
                    crate::cost::source::unit_label(unit),
                    self.mhz,
                    self.clocks_of(name),
                    self.mhz,
                    self.path.parent().unwrap_or(Path::new(".")).display()
                ),
            });
        };
        let Some(u) = &p.unit else {
            let best = p.choice.best();
            return Err(SourceError::ClockNotMet {
                unit: crate::cost::source::unit_label(unit),
                mhz: self.mhz,
                max_pipeline: crate::rtl::MAX_PIPELINE,
                best: best.map_or("no depth was tried".into(), |b| {
                    format!("best fmax {:.1} MHz at S = {}", b.fmax_mhz, b.pipeline)
                }),
            });
        };
        Ok(flat_cost(u, unit, &self.provenance.tech))
    }

    fn missing_reason(&self) -> String {
        "n/a".into()
    }
}

/// The report.
pub fn clock_markdown(r: &ClockResults) -> String {
    let mut s = String::from("# The formats at the same clock\n\n");
    let prov = r
        .points
        .iter()
        .find_map(|p| p.unit.as_ref())
        .map(|u| {
            format!(
                "{}, OpenSTA {}, {}; {}; liberty sha256 {}",
                u.provenance.yosys,
                u.provenance.sta,
                u.provenance.iverilog,
                u.provenance.liberty,
                u.provenance.liberty_sha256
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "> Generated by {} from `reports/{CLOCK_FILE}` (`hwcost synth FORMAT --clock-mhz F \
         --write-clock reports`): the **synth** model at a target clock, sky130_fd_sc_hd tt \
         25 C 1.8 V; {prov}.\n",
        crate::cost::source::GENERATOR
    );
    s += "How a unit is built for a clock F: ABC maps it toward the period (choices, \
          structural mapping, buffering of high-fanout nets, gate up- and down-sizing; inputs \
          driven by the unit inverter, ABC aiming at 90% of the period), and the pipeline depth \
          S is the fewest stages whose flattened netlist OpenSTA times with slack >= 0 at F \
          (constraints: one ideal clock, zero input and output delay, as the SDC `hwcost rtl` \
          writes). The depths are tried from S = 0 up; the search stops at the first that meets \
          F, or when a stage raised fmax by less than 1% and the next adds no cut. Stage 1 cuts \
          the front end from the back end, stage 2 the conversion to binary32 from the \
          accumulator's FP32 add; in FP units stage 3 registers every lane's product, exponent \
          and sign after the max-exponent tree, and stage 4 (carry-save reduction) the \
          compressor tree's two rows before their carry-propagate add; in INT units stage 3 is \
          that carry-save cut; other stages add latency only (rtl/NOTES.md). Area and energy are the flattened netlist's \
          (the one timed); energy per MAC is from the gate-level simulation (zero delay, \
          quantized Gaussian blocks, every cycle checked against emulate), power at F is energy \
          per cycle times F. The clock is priced as the flip-flops' clock pins and the clock \
          net's pin load: no clock tree (its buffers would add to both units of a pair in \
          proportion to their flip-flops).\n\n";
    let cs = clocks(r);
    s += "| format | clock (MHz) | S | latency | slack (ns) | fmax (MHz) | area (um^2) | \
          energy (pJ/MAC) | power at F (mW) | flip-flops | clock pins (pJ/cycle) |\n\
          |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    let mut formats: Vec<&str> = Vec::new();
    for (i, f) in PAIRS {
        formats.extend([i, f]);
    }
    for p in &r.points {
        if !formats.contains(&p.format.as_str()) {
            formats.push(&p.format);
        }
    }
    for f in &formats {
        for &c in &cs {
            let Some(p) = find(r, f, c) else { continue };
            match &p.unit {
                Some(u) => {
                    let cp = u.flat.critical_path.as_ref();
                    let _ = writeln!(
                        s,
                        "| {f} | {c:.0} | {} | {} | {:+.3} | {:.1} | {:.0} | {:.3} | {:.2} | {} | {:.3} |",
                        u.pipeline,
                        u.registers.latency_cycles,
                        cp.map_or(f64::NAN, |c| c.slack_ns),
                        u.fmax_mhz,
                        u.flat.area_um2,
                        u.flat.energy_pj_per_mac,
                        u.flat.energy_pj_per_block / u.clock_ns,
                        u.flat.flip_flops,
                        u.registers.clock_pj_per_cycle
                    );
                }
                None => {
                    let best = p.choice.best();
                    let _ = writeln!(
                        s,
                        "| {f} | {c:.0} | not met | - | {} | {} | - | - | - | - | - |",
                        best.map_or("-".into(), |b| format!(
                            "{:+.3} (S={})",
                            b.slack_ns, b.pipeline
                        )),
                        best.map_or("-".into(), |b| format!("{:.1}", b.fmax_mhz)),
                    );
                }
            }
        }
    }
    s += "\n## INT/FP at each clock\n\n| pair |";
    for c in &cs {
        let _ = write!(s, " {c:.0} MHz area | {c:.0} MHz energy |");
    }
    s += "\n|---|";
    s += &"---:|---:|".repeat(cs.len());
    s += "\n";
    for (i, f) in PAIRS {
        let _ = write!(s, "| {i} / {f} |");
        for &c in &cs {
            match ratio(r, (i, f), c) {
                Some((a, e)) => {
                    let _ = write!(s, " {a:.2}x | {e:.2}x |");
                }
                None => {
                    let miss: Vec<&str> = [i, f]
                        .into_iter()
                        .filter(|x| find(r, x, c).is_none_or(|p| !p.met()))
                        .collect();
                    let _ = write!(s, " {} not met | - |", miss.join(", "));
                }
            }
        }
        s += "\n";
    }
    s += "\nWhat bounds the clock: the highest fmax each format reached (any depth tried):\n\n";
    for f in &formats {
        let best = r
            .points
            .iter()
            .filter(|p| p.format == *f)
            .flat_map(|p| p.choice.probes.iter())
            .max_by(|a, b| a.fmax_mhz.total_cmp(&b.fmax_mhz));
        if let Some(b) = best {
            let _ = writeln!(
                s,
                "- {f}: {:.1} MHz at S = {} ({} -> {})",
                b.fmax_mhz, b.pipeline, b.startpoint, b.endpoint
            );
        }
    }
    s += "\nA worst path that starts at an input port (`a[..]`, `b[..]`) lies in the first \
          stage, the front end before its first cut (FP units cut it after the max-exponent tree \
          and before the carry-save rows' add, INT units only before that add, from S = 3; \
          rtl/NOTES.md). A path between flip-flops is the accumulator's loop or a stage \
          between two cuts.\n";
    s += "\nWhat no depth changes: the FP32 accumulator adds each block's sum to the running \
          sum in one cycle (its result is the next cycle's operand), so no unit runs faster than \
          that add-and-register loop, and a target above it is not met at any depth. A faster \
          accumulator (a carry-save or wider fixed-point running sum, or two interleaved \
          accumulators) is not built.\n";
    let _ = writeln!(
        s,
        "\nCharts: the INT/FP ratios, [{CHART}.svg]({CHART}.svg) · [{CHART}.png]({CHART}.png); \
         each format's area and energy per MAC against the clock, \
         [{FORMATS_CHART}.svg]({FORMATS_CHART}.svg) · [{FORMATS_CHART}.png]({FORMATS_CHART}.png)."
    );
    s
}

/// A panel's axes: the target clock from 20% below the lowest clock of the results to 10%
/// above the highest (returned), and 0..`ymax` labelled by `y_label`, with the y axis's
/// label area width and description.
#[allow(clippy::type_complexity)]
fn clock_axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    results: &ClockResults,
    ymax: f64,
    (y_width, y_desc): (u32, &str),
    y_label: &dyn Fn(&f64) -> String,
) -> Result<
    (
        ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        (f64, f64),
    ),
    String,
> {
    let cs = clocks(results);
    let lo = cs.first().copied().unwrap_or(0.0) * 0.8;
    let hi = cs.last().copied().unwrap_or(1.0) * 1.1;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(y_width)
        .build_cartesian_2d(lo..hi, 0.0f64..ymax)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(MINOR_GRID)
        .bold_line_style(GRID)
        .x_desc("target clock (MHz)")
        .y_desc(y_desc)
        .y_label_formatter(y_label)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style(font(14))
        .axis_desc_style(font(15))
        .draw()
        .map_err(err)?;
    Ok((chart, (lo, hi)))
}

/// The INT/FP area and energy ratios of [`PAIRS`] against the target clock.
pub struct ClockChart {
    pub results: ClockResults,
    pub footer: String,
}

impl ClockChart {
    pub fn save(&self, path: &Path) -> Result<(), ReportError> {
        save(self, path)
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        value: fn((f64, f64)) -> f64,
        y_desc: &str,
    ) -> Result<(), String> {
        let cs = clocks(&self.results);
        let mut ymax: f64 = 1.1;
        for (i, f) in PAIRS {
            for &c in &cs {
                if let Some(r) = ratio(&self.results, (i, f), c) {
                    ymax = ymax.max(value(r) * 1.15);
                }
            }
        }
        let (mut chart, (lo, hi)) = clock_axes(area, &self.results, ymax, (60, y_desc), &|v| {
            format!("{v:.2}")
        })?;
        chart
            .draw_series(LineSeries::new(
                [(lo, 1.0), (hi, 1.0)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
        for (k, (i, f)) in PAIRS.iter().enumerate() {
            let pts: Vec<(f64, f64)> = cs
                .iter()
                .filter_map(|&c| ratio(&self.results, (i, f), c).map(|r| (c, value(r))))
                .collect();
            let c = color(k);
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                .map_err(err)?;
            for (x, y) in pts {
                chart
                    .draw_series([Circle::new((x, y), 4, c.filled())])
                    .map_err(err)?;
                chart
                    .draw_series([Text::new(
                        format!("{y:.2}"),
                        (x, y),
                        // the first pair labelled above its points, the second below
                        font(13).pos(if k == 0 {
                            Pos::new(HPos::Right, VPos::Bottom)
                        } else {
                            Pos::new(HPos::Left, VPos::Top)
                        }),
                    )])
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

impl Chart for ClockChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = frame(
            root,
            "INT/FP cost ratio at the same clock",
            "synth model, sky130_fd_sc_hd tt, each unit mapped toward the clock and pipelined to meet it; no point: a unit missed it",
            &self.footer,
        )?;
        let (left, right, legend) = two_panels(&area);
        self.panel(&left, |r| r.0, "area INT/FP")?;
        self.panel(&right, |r| r.1, "energy per MAC INT/FP")?;
        let items: Vec<(RGBColor, String)> = PAIRS
            .iter()
            .enumerate()
            .map(|(k, (i, f))| (color(k), format!("{i} / {f}")))
            .collect();
        legend_row(&legend, &items)
    }
}

/// Each format's area and energy per MAC against the target clock, at the clocks it met: one
/// line per format, INT solid and FP dashed.
pub struct ClockFormatsChart {
    pub results: ClockResults,
    pub footer: String,
}

impl ClockFormatsChart {
    pub fn save(&self, path: &Path) -> Result<(), ReportError> {
        save(self, path)
    }

    /// The formats in the order of the results, each with its (clock, (area, energy)) points.
    fn lines(&self) -> Vec<(String, bool, Vec<(f64, (f64, f64))>)> {
        let mut names: Vec<&str> = Vec::new();
        for p in &self.results.points {
            if !names.contains(&p.format.as_str()) {
                names.push(&p.format);
            }
        }
        names
            .into_iter()
            .map(|n| {
                let mut pts: Vec<(f64, (f64, f64))> = self
                    .results
                    .points
                    .iter()
                    .filter(|p| p.format == n)
                    .filter_map(|p| cost(p).map(|c| (p.target_mhz, c)))
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                let int = crate::format::lookup_in(n, &[]).is_ok_and(|f| f.elem.is_int());
                (n.to_string(), int, pts)
            })
            .collect()
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        value: fn((f64, f64)) -> f64,
        y_desc: &str,
    ) -> Result<(), String> {
        let lines = self.lines();
        let ymax = lines
            .iter()
            .flat_map(|(_, _, pts)| pts.iter().map(|&(_, c)| value(c)))
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.1;
        let (mut chart, _) = clock_axes(area, &self.results, ymax, (70, y_desc), &|v| {
            format!("{v:.1}")
        })?;
        for (k, (_, int, pts)) in lines.iter().enumerate() {
            let c = color(k);
            let xy: Vec<(f64, f64)> = pts.iter().map(|&(x, v)| (x, value(v))).collect();
            if *int {
                chart
                    .draw_series(LineSeries::new(xy.clone(), c.stroke_width(2)))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(DashedLineSeries::new(xy.clone(), 8, 5, c.stroke_width(2)))
                    .map_err(err)?;
            }
            chart
                .draw_series(xy.iter().map(|&p| Circle::new(p, 3, c.filled())))
                .map_err(err)?;
        }
        Ok(())
    }
}

impl Chart for ClockFormatsChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = frame(
            root,
            "Area and energy per MAC at each target clock",
            "synth model, sky130_fd_sc_hd tt, each unit mapped toward the clock and pipelined to meet it; INT solid, FP dashed; no point: missed",
            &self.footer,
        )?;
        let (left, right, legend) = two_panels(&area);
        self.panel(&left, |c| c.0 / 1000.0, "area (1000 um^2)")?;
        self.panel(&right, |c| c.1, "energy per MAC (pJ)")?;
        let items: Vec<(RGBColor, String)> = self
            .lines()
            .into_iter()
            .enumerate()
            .map(|(k, (n, _, _))| (color(k), n))
            .collect();
        legend_row(&legend, &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::{compare_output, comparison, CompareArgs};
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        compare: CompareArgs,
    }

    fn args(argv: &[&str]) -> CompareArgs {
        let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        let mut v = vec!["compare", "--results", results.to_str().unwrap()];
        v.extend(argv);
        Cli::try_parse_from(v).unwrap().compare
    }

    /// `compare --clock-mhz F` costs each unit as the shipped iso-clock results measured it:
    /// the flattened netlist at the chosen depth, its latency and fmax.
    #[test]
    fn compare_at_a_clock_reads_the_iso_clock_results() {
        let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        let shipped = load_clock(&results).unwrap().unwrap();
        let c = comparison(&args(&["nvint4", "nvfp4", "--clock-mhz", "100"])).unwrap();
        assert!(c.notes[0].contains("100.0 MHz"), "{}", c.notes[0]);
        for row in &c.rows {
            let u = find(&shipped, &row.format, 100.0)
                .unwrap()
                .unit
                .as_ref()
                .unwrap();
            assert_eq!(row.area_um2, u.flat.area_um2, "{}", row.format);
            assert_eq!(
                row.energy_pj_per_mac,
                u.flat.energy_pj_per_block / row.lanes as f64
            );
            assert_eq!(row.fmax_mhz, Some(u.fmax_mhz));
            assert_eq!(row.latency_cycles, Some(u.pipeline + 1));
        }
        let (a, e) = ratio(&shipped, ("nvint4", "nvfp4"), 100.0).unwrap();
        assert!((c.rows[1].area_ratio - 1.0 / a).abs() < 1e-12);
        assert!((c.rows[1].energy_ratio - 1.0 / e).abs() < 1e-12);
        // --period-ns is the same clock
        let p = comparison(&args(&["nvint4", "nvfp4", "--period-ns", "10"])).unwrap();
        assert_eq!(p.rows, c.rows);
    }

    /// The per-format chart's lines are the met points of the shipped results, in clock
    /// order, each format once, INT told from FP; the chart draws to SVG.
    #[test]
    fn the_formats_chart_plots_every_met_point_once() {
        let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        let shipped = load_clock(&results).unwrap().unwrap();
        let chart = ClockFormatsChart {
            results: shipped.clone(),
            footer: String::new(),
        };
        let lines = chart.lines();
        let met = shipped.points.iter().filter(|p| p.unit.is_some()).count();
        assert_eq!(lines.iter().map(|l| l.2.len()).sum::<usize>(), met);
        for (name, int, pts) in &lines {
            assert_eq!(lines.iter().filter(|l| &l.0 == name).count(), 1, "{name}");
            assert_eq!(*int, name.contains("int"), "{name}");
            assert!(
                pts.windows(2).all(|w| w[0].0 < w[1].0),
                "{name}: clock order"
            );
            for &(mhz, c) in pts {
                assert_eq!(
                    Some(c),
                    cost(find(&shipped, name, mhz).unwrap()),
                    "{name} {mhz}"
                );
            }
        }
        let mxint8 = &lines.iter().find(|l| l.0 == "mxint8").unwrap().2;
        assert_eq!(
            mxint8.iter().map(|p| p.0).collect::<Vec<_>>(),
            [25.0, 50.0, 100.0],
            "150 and 200 MHz are not met"
        );
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("c.svg");
        chart.save(&svg).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("mxfp8_e5m2") && text.contains("energy per MAC (pJ)"));
    }

    #[test]
    fn compare_at_a_clock_without_results_says_what_makes_them() {
        let e = comparison(&args(&["nvint4", "nvfp4", "--clock-mhz", "75"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no cost at 75.0 MHz") && e.contains("hwcost synth nvint4 --clock-mhz 75"),
            "{e}"
        );
        let e = comparison(&args(&[
            "nvint4",
            "nvfp4",
            "--clock-mhz",
            "100",
            "--model",
            "analytic",
        ]))
        .unwrap_err()
        .to_string();
        assert!(e.contains("the analytic model has no clock"), "{e}");
        let e = compare_output(&args(&[
            "mxfp8+nvfp4",
            "mxint8+nvint4",
            "--clock-mhz",
            "100",
        ]))
        .unwrap_err()
        .to_string();
        assert!(e.contains("mixed units have no iso-clock results"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        let mut a = args(&["nvint4", "nvfp4", "--clock-mhz", "100"]);
        a.unit.results = empty.path().to_path_buf();
        let e = comparison(&a).unwrap_err().to_string();
        assert!(e.contains("--write-clock"), "{e}");
    }
}
