//! Charts with plotters, each a pure function of a typed table: stacked bars of area or energy
//! per MAC by component ([`BreakdownChart`], from [`UnitCost`]s), QSNR versus energy per MAC
//! with the Pareto front ([`ParetoChart`], from a [`Comparison`]), and QSNR versus crest factor
//! with measured points and crossovers ([`KappaChart`], from `QsnrReport`s). `hwcost plot`.
//!
//! # Fonts
//! plotters' default `ttf` feature finds fonts through fontconfig, which needs the fontconfig
//! development package at build time and installed fonts at run time. hwcost instead builds
//! plotters with `ab_glyph` and embeds Noto Sans Regular (crate `ttf-noto-sans`, Apache-2.0),
//! registered as the `sans-serif` family before anything is drawn: charts render the same
//! bytes on every machine and nothing outside Cargo is needed. SVG files name `sans-serif` and
//! leave the face to the viewer.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::FontRef;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use serde::Serialize;

use super::compare::{CompareRequest, Comparison, QsnrOptions, UnitOptions};
use super::qsnr_tables::sweep;
use super::raster::GlyphText;
use super::scale::Scaled;
use super::style::DASH;
use super::ReportError;
use crate::cost::source::{Provenance, SourceError, UnitCost};
use crate::format::qsnr::{qsnr_report, CrossoverRow, QsnrArgs, QsnrReport};
use crate::format::{builtins, spec, BlockFormat};

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (1100, 650);
pub use super::style::FAMILY;

/// Register the embedded font once per process; every drawing function calls this first.
pub fn register_font() -> Result<(), ReportError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, ttf_noto_sans::REGULAR).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ReportError::Draw {
            path: PathBuf::new(),
            why: "the embedded Noto Sans font did not load".into(),
        })
    }
}

pub(super) use super::style::{color, err, font, footer, frame, FP_COLOR, INT_COLOR};
use super::style::{model_subtitle, GRID, MINOR_GRID, MUTED, PALETTE};

/// The analytic model's components in datapath order: each keeps its colour in every chart.
const KNOWN_COMPONENTS: [&str; 9] = [
    "lane_multipliers",
    "exponent_adders",
    "max_exponent",
    "exponent_subtractors",
    "aligners",
    "adder_tree",
    "normalizer",
    "scale_logic",
    "accumulator",
];

/// The synthesized components the analytic model lacks, each with its fixed palette index:
/// registers, the named parts of the glue (`synth::unit_synth::Extra`), and `glue` itself (the
/// calibrated model's one part for them).
const EXTRA_COMPONENTS: [(&str, usize); 7] = [
    ("registers", 9),
    ("sign_application", 10),
    ("element_decoders", 12),
    ("specials", 13),
    ("binary32_output", 14),
    ("unattributed_glue", 11),
    ("glue", 10),
];

/// A component's colour: fixed for the known components, the next free ones for others in
/// the order of `all`.
fn component_color(key: &str, all: &[(String, String)]) -> RGBColor {
    if let Some(i) = KNOWN_COMPONENTS.iter().position(|k| *k == key) {
        return color(i);
    }
    if let Some((_, i)) = EXTRA_COMPONENTS.iter().find(|(k, _)| *k == key) {
        return color(*i);
    }
    let known =
        |k: &str| KNOWN_COMPONENTS.contains(&k) || EXTRA_COMPONENTS.iter().any(|(x, _)| *x == k);
    let extra = all
        .iter()
        .filter(|(k, _)| !known(k))
        .position(|(k, _)| k == key);
    let i = PALETTE.len() + extra.unwrap_or(0);
    // Past the palette, hues from plotters' 99-colour palette.
    if i < PALETTE.len() {
        color(i)
    } else {
        let c = Palette99::pick(i).to_rgba();
        RGBColor(c.0, c.1, c.2)
    }
}

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draw `chart` into `path` (`.svg` or `.png`) at the default [`SIZE`], atomically: into a
/// temporary file of the same directory, renamed when complete.
pub fn save(chart: &impl Chart, path: &Path) -> Result<(), ReportError> {
    save_sized(chart, path, SIZE)
}

/// Smallest and largest width or height of a chart, pixels.
pub const SIZE_RANGE: std::ops::RangeInclusive<u32> = 400..=8000;

/// [`save`] at `size` (width, height) in pixels, each within [`SIZE_RANGE`].
pub fn save_sized(chart: &impl Chart, path: &Path, size: (u32, u32)) -> Result<(), ReportError> {
    save_scaled(chart, path, size, 1.0)
}

/// Smallest and largest pixel density factor of `--scale`.
pub const SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.5..=8.0;

/// The pixel size of a chart laid out at `size` and drawn at `scale` times its density, after
/// checking both: the layout within [`SIZE_RANGE`], the scale within [`SCALE_RANGE`], and the
/// drawn size at most [`SIZE_RANGE`]'s end on each side.
pub fn scaled_size(size: (u32, u32), scale: f64) -> Result<(u32, u32), ReportError> {
    if !SIZE_RANGE.contains(&size.0) || !SIZE_RANGE.contains(&size.1) {
        return Err(ReportError::ChartSize {
            width: size.0,
            height: size.1,
        });
    }
    if !scale.is_finite() || !SCALE_RANGE.contains(&scale) {
        return Err(ReportError::ChartScale {
            scale,
            why: format!(
                "it must be a number from {} to {}",
                SCALE_RANGE.start(),
                SCALE_RANGE.end()
            ),
        });
    }
    let px = |v: u32| (v as f64 * scale).round() as u32;
    let out = (px(size.0), px(size.1));
    if out.0 > *SIZE_RANGE.end() || out.1 > *SIZE_RANGE.end() {
        return Err(ReportError::ChartScale {
            scale,
            why: format!(
                "{}x{} at scale {scale} is {}x{} pixels; at most {} pixels a side are drawn",
                size.0,
                size.1,
                out.0,
                out.1,
                SIZE_RANGE.end()
            ),
        });
    }
    Ok(out)
}

/// Draw `chart` laid out at `size` (the pixels fonts, margins and line widths are chosen for)
/// at `scale` times the pixel density: a PNG of `size x scale` pixels showing the same chart
/// (an SVG declares that size too). `scale` 1 draws without the scaling wrapper, so the bytes
/// are those of [`save_sized`].
pub fn save_scaled(
    chart: &impl Chart,
    path: &Path,
    size: (u32, u32),
    scale: f64,
) -> Result<(), ReportError> {
    let px = scaled_size(size, scale)?;
    register_font()?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let draw_err = |why: String| ReportError::Draw {
        path: path.to_path_buf(),
        why,
    };
    fn draw_on<DB: DrawingBackend>(chart: &impl Chart, backend: DB) -> Result<(), String> {
        let root = backend.into_drawing_area();
        chart.draw(&root)?;
        root.present().map_err(|e| e.to_string())
    }
    let unscaled = scale == 1.0;
    match ext.as_deref() {
        Some("svg") => {
            let mut text = String::new();
            {
                let backend = SVGBackend::with_string(&mut text, px);
                if unscaled {
                    draw_on(chart, backend)
                } else {
                    draw_on(chart, Scaled::new(backend, scale))
                }
                .map_err(draw_err)?;
            }
            super::write_atomic(path, text.as_bytes())
        }
        Some("png") => {
            let io = |source| SourceError::Io {
                path: path.to_path_buf(),
                source,
            };
            // The bitmap backend picks its encoder from the file name, so the temporary file
            // keeps the .png suffix.
            let tmp = crate::atomic::temp_beside(path, ".png").map_err(io)?;
            let font = FontRef::try_from_slice(ttf_noto_sans::REGULAR)
                .map_err(|e| draw_err(format!("the embedded Noto Sans font: {e}")))?;
            {
                let backend = GlyphText::new(BitMapBackend::new(tmp.path(), px), font);
                if unscaled {
                    draw_on(chart, backend)
                } else {
                    draw_on(chart, Scaled::new(backend, scale))
                }
                .map_err(draw_err)?;
            }
            super::persist(tmp, path)
        }
        _ => Err(ReportError::ChartExtension(path.to_path_buf())),
    }
}

/// Half the width of a bar, in units of the spacing between bars.
const BAR_HALF_WIDTH: f64 = 0.32;

/// Which per-MAC quantity a breakdown chart stacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Metric {
    Area,
    Energy,
}

/// Stacked bars, one per unit, one segment per component; per MAC at equal throughput.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreakdownChart {
    pub metric: Metric,
    pub provenance: Provenance,
    pub units: Vec<UnitCost>,
}

impl BreakdownChart {
    /// Component keys and labels in datapath order: each unit's components keep their order,
    /// and a key not seen before is placed right after its predecessor in that unit.
    pub fn components(&self) -> Vec<(String, String)> {
        let mut keys: Vec<(String, String)> = Vec::new();
        for u in &self.units {
            let mut at = 0;
            for c in &u.components {
                match keys.iter().position(|(k, _)| *k == c.key) {
                    Some(i) => at = i + 1,
                    None => {
                        keys.insert(at, (c.key.clone(), c.label.clone()));
                        at += 1;
                    }
                }
            }
        }
        keys
    }

    /// Per-MAC value of one component of one unit (0 when the unit lacks it).
    pub fn value(&self, unit: &UnitCost, key: &str) -> f64 {
        unit.components
            .iter()
            .filter(|c| c.key == key)
            .map(|c| match self.metric {
                Metric::Area => c.area_um2,
                Metric::Energy => c.energy_pj_per_block,
            })
            .sum::<f64>()
            / unit.lanes as f64
    }

    pub fn total(&self, unit: &UnitCost) -> f64 {
        match self.metric {
            Metric::Area => unit.area_um2_per_mac,
            Metric::Energy => unit.energy_pj_per_mac,
        }
    }

    pub fn title(&self) -> String {
        match self.metric {
            Metric::Area => "Area per MAC by component".to_string(),
            Metric::Energy => "Energy per MAC by component".to_string(),
        }
    }

    fn axis(&self) -> &'static str {
        match self.metric {
            Metric::Area => "area per MAC (µm²)",
            Metric::Energy => "energy per MAC (pJ)",
        }
    }
}

impl Chart for BreakdownChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let extra = if self.units.iter().any(|u| u.format.contains('+')) {
            "per MAC = unit total / lanes (equal throughput); a mixed unit's lanes are its 8-bit MACs per \
             cycle (it does twice as many 4-bit MACs)"
        } else {
            "per MAC = unit total / lanes (equal throughput)"
        };
        let area = frame(
            root,
            &self.title(),
            &model_subtitle(&self.provenance),
            &footer(&self.provenance, extra),
        )?;
        let (w, _) = area.dim_in_pixel();
        let (plot, legend) = area.split_horizontally(w.saturating_sub(230));
        let n = self.units.len();
        let ymax = self.units.iter().map(|u| self.total(u)).fold(0.0, f64::max) * 1.12;
        let ymax = if ymax > 0.0 { ymax } else { 1.0 };
        let names: Vec<String> = self.units.iter().map(|u| u.format.clone()).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(80)
            // Bar i is centred on x = i; with at most n labels plotters puts them on the
            // integers (a step of 1 is the finest that fits), one under each bar.
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0f64..ymax)
            .map_err(err)?;
        let label = |x: &f64| {
            let i = x.round();
            match names.get(i as usize) {
                Some(name) if (x - i).abs() < 1e-9 && i >= 0.0 => name.clone(),
                _ => String::new(),
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&label)
            .y_label_formatter(&|v| tick(*v, ymax))
            .light_line_style(MINOR_GRID)
            .bold_line_style(GRID)
            .y_desc(self.axis())
            .label_style(font(15))
            .axis_desc_style(font(17))
            .draw()
            .map_err(err)?;
        let comps = self.components();
        let mut base = vec![0f64; n];
        for (key, _) in &comps {
            let style = component_color(key, &comps).filled();
            let bars: Vec<Rectangle<(f64, f64)>> = self
                .units
                .iter()
                .enumerate()
                .filter_map(|(i, u)| {
                    let v = self.value(u, key);
                    (v > 0.0).then(|| {
                        let (y0, y1) = (base[i], base[i] + v);
                        base[i] = y1;
                        let x = i as f64;
                        Rectangle::new([(x - BAR_HALF_WIDTH, y0), (x + BAR_HALF_WIDTH, y1)], style)
                    })
                })
                .collect();
            chart.draw_series(bars).map_err(err)?;
        }
        let totals = self.units.iter().enumerate().map(|(i, u)| {
            let t = self.total(u);
            let s = match self.metric {
                Metric::Area => format!("{t:.1}"),
                Metric::Energy => format!("{t:.3}"),
            };
            EmptyElement::at((i as f64, t))
                + Text::new(
                    s,
                    (0, -4),
                    font(14).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
        });
        chart.draw_series(totals).map_err(err)?;
        // The legend, top to bottom in stacking order reversed so it reads like the bars.
        let x0 = 10;
        for (row, (key, label)) in comps.iter().rev().enumerate() {
            let y = 30 + row as i32 * 26;
            legend
                .draw(&Rectangle::new(
                    [(x0, y), (x0 + 18, y + 18)],
                    component_color(key, &comps).filled(),
                ))
                .map_err(err)?;
            legend
                .draw(&Text::new(
                    label.clone(),
                    (x0 + 26, y + 9),
                    font(15).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// One point of the QSNR-versus-energy chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParetoPoint {
    pub format: String,
    pub is_int: bool,
    pub energy_pj_per_mac: f64,
    pub qsnr_db: f64,
    pub on_front: bool,
}

/// Measured QSNR versus energy per MAC; INT and FP marked apart, the Pareto front drawn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParetoChart {
    pub provenance: Provenance,
    pub samples: usize,
    pub seed: u64,
    pub points: Vec<ParetoPoint>,
}

/// For (cost, quality) points: is each on the Pareto front, i.e. does no other point have at
/// most its cost and more quality, or less cost and at least its quality?
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .map(|&(c, q)| {
            !points
                .iter()
                .any(|&(oc, oq)| (oc <= c && oq > q) || (oc < c && oq >= q))
        })
        .collect()
}

impl ParetoChart {
    /// From a comparison's rows; a point is on the front when no other point has at most its
    /// energy and a higher QSNR (or equal QSNR at lower energy).
    pub fn from_comparison(c: &Comparison) -> ParetoChart {
        let xy: Vec<(f64, f64)> = c
            .rows
            .iter()
            .map(|r| (r.energy_pj_per_mac, r.qsnr_measured_db))
            .collect();
        let front = pareto_front(&xy);
        let points = c
            .rows
            .iter()
            .zip(front)
            .map(|(r, on_front)| ParetoPoint {
                format: r.format.clone(),
                is_int: r.is_int,
                energy_pj_per_mac: r.energy_pj_per_mac,
                qsnr_db: r.qsnr_measured_db,
                on_front,
            })
            .collect();
        ParetoChart {
            provenance: c.provenance.clone(),
            samples: c.samples,
            seed: c.seed,
            points,
        }
    }

    /// The front as a staircase from low to high energy.
    pub fn front(&self) -> Vec<(f64, f64)> {
        let mut f: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.on_front)
            .map(|p| (p.energy_pj_per_mac, p.qsnr_db))
            .collect();
        f.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut stairs = Vec::new();
        for (i, &(e, q)) in f.iter().enumerate() {
            if i > 0 {
                stairs.push((e, f[i - 1].1));
            }
            stairs.push((e, q));
        }
        stairs
    }
}

/// A tick label with as many decimals as the axis span needs (none for spans above 5).
pub(super) fn tick(v: f64, span: f64) -> String {
    let decimals = if span > 5.0 {
        0
    } else if span > 0.5 {
        1
    } else {
        2
    };
    format!("{v:.decimals$}")
}

pub(super) fn range(
    values: impl Iterator<Item = f64> + Clone,
    pad_frac: f64,
    floor_zero: bool,
) -> (f64, f64) {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * pad_frac).max(1e-9);
    let lo = if floor_zero { 0.0 } else { lo - pad };
    (lo, hi + pad)
}

impl Chart for ParetoChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let extra = format!(
            "QSNR: bit-exact quantizer, {} Gaussian blocks, seed {}",
            self.samples, self.seed
        );
        let area = frame(
            root,
            "QSNR versus energy per MAC",
            &model_subtitle(&self.provenance),
            &footer(&self.provenance, &extra),
        )?;
        let (x0, x1) = range(self.points.iter().map(|p| p.energy_pj_per_mac), 0.12, true);
        let (y0, y1) = range(self.points.iter().map(|p| p.qsnr_db), 0.08, false);
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("energy per MAC (pJ)")
            .y_desc("QSNR, Gaussian blocks (dB)")
            .x_label_formatter(&|v| tick(*v, x1 - x0))
            .y_label_formatter(&|v| tick(*v, y1 - y0))
            .label_style(font(15))
            .axis_desc_style(font(17))
            .light_line_style(MINOR_GRID)
            .bold_line_style(GRID)
            .draw()
            .map_err(err)?;
        let grey = RGBColor(110, 110, 110);
        let front_style = grey.stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(
                self.front(),
                DASH.0,
                DASH.1,
                front_style,
            ))
            .map_err(err)?
            .label("Pareto front (less energy, more QSNR)")
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (DASH.0 as i32, 0)], front_style)
                    + PathElement::new(vec![((DASH.0 + DASH.1) as i32, 0), (24, 0)], front_style)
            });
        // Points on the front are filled, dominated ones hollow: a dominated point that happens
        // to sit on a step of the front does not look optimal.
        let fill = |c: RGBColor, on_front: bool| {
            if on_front {
                c.filled()
            } else {
                WHITE.filled()
            }
        };
        let ints = self.points.iter().filter(|p| p.is_int);
        chart
            .draw_series(ints.flat_map(|p| {
                let xy = (p.energy_pj_per_mac, p.qsnr_db);
                [
                    Circle::new(xy, 7, fill(INT_COLOR, p.on_front)),
                    Circle::new(xy, 7, INT_COLOR.stroke_width(2)),
                ]
            }))
            .map_err(err)?
            .label("INT elements")
            .legend(|(x, y)| Circle::new((x + 12, y), 6, INT_COLOR.filled()));
        let fps = self.points.iter().filter(|p| !p.is_int);
        chart
            .draw_series(fps.flat_map(|p| {
                // plotters fills every triangle: a hollow one is a white one inside a red one.
                let xy = (p.energy_pj_per_mac, p.qsnr_db);
                [
                    TriangleMarker::new(xy, 9, FP_COLOR.filled()),
                    TriangleMarker::new(xy, 4, fill(FP_COLOR, p.on_front)),
                ]
            }))
            .map_err(err)?
            .label("FP elements")
            .legend(|(x, y)| TriangleMarker::new((x + 12, y), 8, FP_COLOR.filled()));
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(err)?
            .label("hollow: dominated (not on the front)")
            .legend(|(x, y)| Circle::new((x + 12, y), 6, MUTED.stroke_width(2)));
        // A dominated point's label goes to its lower right unless another point sits just to
        // its right at about the same QSNR (the labels would overlap): then to its upper right.
        let crowded = |p: &ParetoPoint| {
            self.points.iter().any(|q| {
                let dx = q.energy_pj_per_mac - p.energy_pj_per_mac;
                dx > 0.0
                    && dx < 0.12 * (x1 - x0)
                    && (q.qsnr_db - p.qsnr_db).abs() < 0.04 * (y1 - y0)
            })
        };
        let labels = self.points.iter().map(|p| {
            // The front leaves each of its points to the right and arrives from below, so their
            // upper left is clear; dominated points lie below and right of the front.
            let (offset, anchor) = if p.on_front {
                ((-7, -7), Pos::new(HPos::Right, VPos::Bottom))
            } else if crowded(p) {
                ((7, -7), Pos::new(HPos::Left, VPos::Bottom))
            } else {
                ((9, 7), Pos::new(HPos::Left, VPos::Top))
            };
            EmptyElement::at((p.energy_pj_per_mac, p.qsnr_db))
                + Text::new(p.format.clone(), offset, font(15).pos(anchor))
        });
        chart.draw_series(labels).map_err(err)?;
        // Upper left: above and left of the front no point can lie.
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(font(15))
            .background_style(WHITE.mix(0.9))
            .border_style(MUTED)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// One curve of the crest-factor chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KappaCurve {
    pub format: String,
    pub is_int: bool,
    /// Theory on the chart's fine kappa grid.
    pub theory_db: Vec<f64>,
    /// Measured (kappa, dB) points where a Gaussian block of that crest factor exists.
    pub measured: Vec<(f64, f64)>,
}

/// QSNR versus crest factor: theory curves, measured points, INT/FP crossovers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KappaChart {
    pub generator: String,
    pub samples: usize,
    pub seed: u64,
    pub kappa: Vec<f64>,
    pub curves: Vec<KappaCurve>,
    pub crossovers: Vec<CrossoverRow>,
}

impl KappaChart {
    /// The curves of `formats` (each must be in both reports): theory from `theory` (a report on
    /// a fine kappa grid), points from `measured` (a report with measurements); the crossovers
    /// of pairs drawn.
    pub fn from_reports(
        formats: &[BlockFormat],
        theory: &QsnrReport,
        measured: &QsnrReport,
    ) -> KappaChart {
        let m = measured.measured.as_ref();
        let curves: Vec<KappaCurve> = formats
            .iter()
            .filter_map(|f| {
                let ti = theory.formats.iter().position(|n| *n == f.name)?;
                let pts = measured
                    .formats
                    .iter()
                    .position(|n| *n == f.name)
                    .and_then(|mi| m.and_then(|m| m.at_kappa.get(mi)))
                    .map(|col| {
                        measured
                            .kappa
                            .iter()
                            .zip(col)
                            .filter_map(|(&k, q)| q.map(|q| (k, q)))
                            .collect()
                    })
                    .unwrap_or_default();
                Some(KappaCurve {
                    format: f.name.clone(),
                    is_int: f.elem.is_int(),
                    theory_db: theory.theory[ti].clone(),
                    measured: pts,
                })
            })
            .collect();
        let drawn = |n: &str| curves.iter().any(|c| c.format == n);
        let crossovers = theory
            .crossovers
            .iter()
            .filter(|c| drawn(&c.int) && drawn(&c.fp))
            .cloned()
            .collect();
        KappaChart {
            generator: crate::cost::source::GENERATOR.to_string(),
            samples: m.map_or(0, |m| m.samples),
            seed: m.map_or(0, |m| m.seed),
            kappa: theory.kappa.clone(),
            curves,
            crossovers,
        }
    }

    /// Colour index of a curve: an INT/FP pair that crosses shares a colour (INT solid, FP
    /// dashed); other formats get their own.
    fn color_of(&self, format: &str) -> usize {
        let mut groups: Vec<Vec<&str>> = Vec::new();
        for c in &self.crossovers {
            if let Some(g) = groups
                .iter_mut()
                .find(|g| g.contains(&c.int.as_str()) || g.contains(&c.fp.as_str()))
            {
                for n in [c.int.as_str(), c.fp.as_str()] {
                    if !g.contains(&n) {
                        g.push(n);
                    }
                }
            } else {
                groups.push(vec![c.int.as_str(), c.fp.as_str()]);
            }
        }
        for c in &self.curves {
            if !groups.iter().any(|g| g.contains(&c.format.as_str())) {
                groups.push(vec![c.format.as_str()]);
            }
        }
        groups.iter().position(|g| g.contains(&format)).unwrap_or(0)
    }
}

impl KappaChart {
    /// The curves in groups of one colour each ([`KappaChart::color_of`]): an INT/FP pair
    /// and whatever else crosses them.
    fn groups(&self) -> Vec<Vec<&KappaCurve>> {
        let mut groups: Vec<(usize, Vec<&KappaCurve>)> = Vec::new();
        for c in &self.curves {
            let g = self.color_of(&c.format);
            match groups.iter_mut().find(|(i, _)| *i == g) {
                Some((_, v)) => v.push(c),
                None => groups.push((g, vec![c])),
            }
        }
        groups.into_iter().map(|(_, v)| v).collect()
    }

    /// One panel: the theory curves and measured points of `curves`, their crossovers.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        curves: &[&KappaCurve],
    ) -> Result<(), String> {
        // A panel of one INT/FP pair draws them in the INT and FP colours; otherwise each
        // group keeps its palette colour.
        let pair = curves.len() == 2 && curves[0].is_int != curves[1].is_int;
        let colour = |c: &KappaCurve| {
            if pair {
                if c.is_int {
                    INT_COLOR
                } else {
                    FP_COLOR
                }
            } else {
                color(self.color_of(&c.format))
            }
        };
        let shown = |f: &str| curves.iter().any(|c| c.format == f);
        let (x0, x1) = range(self.kappa.iter().copied(), 0.0, false);
        let all = curves.iter().flat_map(|c| {
            c.theory_db
                .iter()
                .copied()
                .chain(c.measured.iter().map(|p| p.1))
        });
        let (y0, y1) = range(all, 0.05, false);
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("crest factor κ = max|x| / rms of the block")
            .y_desc("QSNR (dB)")
            .x_label_formatter(&|v| tick(*v, x1 - x0))
            .y_label_formatter(&|v| tick(*v, y1 - y0))
            .label_style(font(15))
            .axis_desc_style(font(17))
            .light_line_style(MINOR_GRID)
            .bold_line_style(GRID)
            .draw()
            .map_err(err)?;
        for c in curves {
            let col = colour(c);
            let pts: Vec<(f64, f64)> = self
                .kappa
                .iter()
                .copied()
                .zip(c.theory_db.iter().copied())
                .collect();
            let style = col.stroke_width(2);
            if c.is_int {
                chart
                    .draw_series(LineSeries::new(pts, style))
                    .map_err(err)?
                    .label(format!("{} (INT)", c.format))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
                chart
                    .draw_series(c.measured.iter().map(|&p| Circle::new(p, 5, col.filled())))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(DashedLineSeries::new(pts, DASH.0, DASH.1, style))
                    .map_err(err)?
                    .label(format!("{} (FP)", c.format))
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (DASH.0 as i32, 0)], style)
                            + PathElement::new(vec![((DASH.0 + DASH.1) as i32, 0), (24, 0)], style)
                    });
                chart
                    .draw_series(
                        c.measured
                            .iter()
                            .map(|&p| TriangleMarker::new(p, 7, col.filled())),
                    )
                    .map_err(err)?;
            }
        }
        let crosses: Vec<(f64, f64)> = self
            .crossovers
            .iter()
            .filter(|c| shown(&c.int) && shown(&c.fp))
            .filter_map(|c| Some((c.kappa?, c.qsnr_db?)))
            .filter(|p| p.0 <= x1)
            .collect();
        // Formats without an INT/FP partner have no crossover, and then no legend entry for one.
        if !crosses.is_empty() {
            chart
                .draw_series(
                    crosses
                        .iter()
                        .map(|&p| Cross::new(p, 8, BLACK.stroke_width(3))),
                )
                .map_err(err)?
                .label("INT/FP crossover")
                .legend(|(x, y)| Cross::new((x + 12, y), 6, BLACK.stroke_width(2)));
        }
        chart
            .draw_series(crosses.iter().map(|&(k, q)| {
                let text = format!("κ = {k:.2}");
                // A light box keeps the label legible where it crosses a curve.
                let w = 7 * text.chars().count() as i32;
                EmptyElement::at((k, q))
                    + Rectangle::new([(8, 8), (12 + w, 26)], WHITE.mix(0.85).filled())
                    + Text::new(
                        text,
                        (10, 10),
                        font(14).pos(Pos::new(HPos::Left, VPos::Top)),
                    )
            }))
            .map_err(err)?;
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(err)?
            .label("measured (● INT, ▲ FP)")
            .legend(|(x, y)| Circle::new((x + 12, y), 5, MUTED.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(font(14))
            .background_style(WHITE.mix(0.9))
            .border_style(MUTED)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

impl Chart for KappaChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let extra = format!(
            "lines: the study's theory, rho 1.5 (UE8M0) / 1.05 (E4M3); points: quantizer, {} blocks, seed {}; \
             INT is better left of a crossover",
            self.samples, self.seed
        );
        let foot = format!("{}: {extra}", self.generator);
        let area = frame(
            root,
            "QSNR versus crest factor: INT against FP",
            "theory (lines) and the bit-exact quantizer (points); no cost model",
            &foot,
        )?;
        // One panel per INT/FP pair, two panels a row: eight curves in one plot tangle.
        let groups = self.groups();
        let cols = groups.len().clamp(1, 2);
        let rows = groups.len().div_ceil(2).max(1);
        let panels = area.split_evenly((rows, cols));
        for (g, sub) in groups.iter().zip(&panels) {
            self.panel(sub, g)?;
        }
        Ok(())
    }
}

/// Fine kappa grid of the crest-factor chart's theory curves.
pub const CURVE_POINTS: usize = 221;

/// Theory of `formats` on the chart's fine kappa grid (no measurement).
pub fn fine_theory(formats: &[String], dir: &Path) -> Result<QsnrReport, ReportError> {
    Ok(qsnr_report(&QsnrArgs {
        formats: formats.to_vec(),
        kappa: super::qsnr_tables::SWEEP_KAPPA.to_string(),
        points: CURVE_POINTS,
        rho: None,
        measure: false,
        samples: 1,
        seed: 0,
        scale_rule: None,
        json: false,
        scale_rules: None,
        dir: dir.to_path_buf(),
    })?)
}

/// Build the crest-factor chart of `formats`: theory on a fine grid, measurements from the
/// sweep (which the reports also tabulate).
pub fn kappa_chart(
    formats: &[String],
    dir: &Path,
    samples: usize,
    seed: u64,
) -> Result<KappaChart, ReportError> {
    let resolved = formats
        .iter()
        .map(|n| spec::lookup_in(n, std::slice::from_ref(&dir.to_path_buf())))
        .collect::<Result<Vec<_>, _>>()?;
    let measured = sweep(formats, dir, samples, seed)?;
    Ok(KappaChart::from_reports(
        &resolved,
        &fine_theory(formats, dir)?,
        &measured,
    ))
}

/// The charts `hwcost plot` draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotKind {
    /// Stacked bars of area per MAC by component, one bar per format.
    AreaBreakdown,
    /// Stacked bars of energy per MAC by component, one bar per format.
    EnergyBreakdown,
    /// Measured QSNR versus energy per MAC, INT and FP marked, Pareto front drawn.
    QsnrEnergy,
    /// QSNR versus crest factor: theory curves, measured points, INT/FP crossovers.
    QsnrKappa,
}

impl PlotKind {
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::AreaBreakdown => "area-breakdown",
            PlotKind::EnergyBreakdown => "energy-breakdown",
            PlotKind::QsnrEnergy => "qsnr-energy",
            PlotKind::QsnrKappa => "qsnr-kappa",
        }
    }

    /// Formats drawn when none are named: every built-in for the cost charts, the study's four
    /// INT/FP pairs for the crest-factor chart.
    pub fn default_formats(self) -> Vec<String> {
        match self {
            PlotKind::QsnrKappa => [
                "mxint8", "mxfp8", "mxint6", "mxfp6", "mxint4", "mxfp4", "nvint4", "nvfp4",
            ]
            .map(String::from)
            .to_vec(),
            _ => builtins().into_iter().map(|f| f.name).collect(),
        }
    }
}

/// `hwcost plot KIND [FORMAT...] -o FILE.svg|png`.
#[derive(clap::Args, Debug, Clone)]
pub struct PlotArgs {
    /// Which chart.
    #[arg(value_enum)]
    pub kind: PlotKind,
    /// Formats to draw (default: all built-ins; for qsnr-kappa the study's four INT/FP pairs).
    #[arg(value_name = "FORMAT")]
    pub formats: Vec<String>,
    /// Output file; the extension (.svg or .png) picks the backend.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Width of the chart in pixels (400 to 8000).
    #[arg(long, default_value_t = SIZE.0)]
    pub width: u32,
    /// Height of the chart in pixels (400 to 8000).
    #[arg(long, default_value_t = SIZE.1)]
    pub height: u32,
    /// Pixel density: the chart laid out at --width x --height is drawn at this many times the
    /// pixels, fonts and lines scaled with it (2: a 2200x1300 PNG of the default chart). 0.5 to
    /// 8, at most 8000 pixels a side.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    #[command(flatten)]
    pub unit: UnitOptions,
    #[command(flatten)]
    pub qsnr: QsnrOptions,
}

/// Build the typed data of a cost chart.
pub fn breakdown_chart(
    metric: Metric,
    formats: &[String],
    unit: &UnitOptions,
    qsnr: &QsnrOptions,
) -> Result<BreakdownChart, ReportError> {
    // Mixed units (`mxint8+nvint4`, `mxint8_nvint4`) come from the mixed results; the others
    // from the selected source. Both must be priced by the same model.
    let mut single = Vec::new();
    let mut mixed = Vec::new();
    for name in formats {
        match super::mixed::parse_mixed_name(name) {
            Some(m) => mixed.push(m?),
            None => single.push(name.clone()),
        }
    }
    let mixed_costs = if mixed.is_empty() {
        None
    } else {
        Some(super::mixed::mixed_breakdown(
            &mixed,
            metric == Metric::Energy,
            unit,
        )?)
    };
    let (provenance, mut costs) = if single.is_empty() {
        (None, Vec::new())
    } else {
        let req = CompareRequest::new(&single, unit, qsnr)?;
        let units = req.units()?;
        let selected = unit.select(&units)?;
        let costs = units
            .iter()
            .map(|u| selected.source.unit_cost(u))
            .collect::<Result<Vec<_>, _>>()?;
        (Some(selected.source.provenance().clone()), costs)
    };
    let provenance = match (provenance, mixed_costs) {
        (Some(p), None) => p,
        (None, Some((p, m))) => {
            costs = m;
            p
        }
        (Some(p), Some((mp, m))) => {
            if p.model != mp.model {
                return Err(ReportError::from(SourceError::ModelUnavailable {
                    model: p.model.clone(),
                    why: format!(
                        "the mixed units are priced by the {} model here and the other formats by the {} model; \
                         name one with --model so that one chart compares like with like",
                        mp.model, p.model
                    ),
                }));
            }
            // in the order the formats were named
            let mut m = m.into_iter();
            let mut s = std::mem::take(&mut costs).into_iter();
            for name in formats {
                let next = if super::mixed::parse_mixed_name(name).is_some() {
                    m.next()
                } else {
                    s.next()
                };
                costs.extend(next);
            }
            p
        }
        (None, None) => {
            return Err(ReportError::TooFewFormats {
                kind: match metric {
                    Metric::Area => "area-breakdown",
                    Metric::Energy => "energy-breakdown",
                }
                .into(),
                min: 1,
                got: 0,
            })
        }
    };
    Ok(BreakdownChart {
        metric,
        provenance,
        units: costs,
    })
}

/// Draw one chart of `args` into `args.output`.
pub fn plot(args: &PlotArgs) -> Result<(), ReportError> {
    // The extension is checked before any computation.
    match args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg" | "png") => {}
        _ => return Err(ReportError::ChartExtension(args.output.clone())),
    }
    let size = (args.width, args.height);
    scaled_size(size, args.scale)?;
    let formats = if args.formats.is_empty() {
        args.kind.default_formats()
    } else {
        args.formats.clone()
    };
    match args.kind {
        PlotKind::AreaBreakdown => save_scaled(
            &breakdown_chart(Metric::Area, &formats, &args.unit, &args.qsnr)?,
            &args.output,
            size,
            args.scale,
        ),
        PlotKind::EnergyBreakdown => save_scaled(
            &breakdown_chart(Metric::Energy, &formats, &args.unit, &args.qsnr)?,
            &args.output,
            size,
            args.scale,
        ),
        PlotKind::QsnrEnergy => {
            if formats.len() < 2 {
                return Err(ReportError::TooFewFormats {
                    kind: args.kind.name().into(),
                    min: 2,
                    got: formats.len(),
                });
            }
            let req = CompareRequest::new(&formats, &args.unit, &args.qsnr)?;
            let selected = args.unit.select(&req.units()?)?;
            let c = super::compare::compare(&req, &selected)?;
            save_scaled(
                &ParetoChart::from_comparison(&c),
                &args.output,
                size,
                args.scale,
            )
        }
        PlotKind::QsnrKappa => {
            let q = &args.qsnr;
            if q.samples == 0 {
                return Err(ReportError::BadSamples(0));
            }
            save_scaled(
                &kappa_chart(&formats, &args.unit.dir, q.samples, q.seed)?,
                &args.output,
                size,
                args.scale,
            )
        }
    }
}

/// `hwcost plot`: draw the chart and say where it went.
pub fn run_plot(args: &PlotArgs) -> anyhow::Result<()> {
    plot(args)?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::source::{ComponentCost, CostSource};

    fn cost(format: &str, keys: &[&str]) -> UnitCost {
        UnitCost {
            format: format.into(),
            lanes: 2,
            psum_width: None,
            multiplier: None,
            reduction: None,
            model: "analytic".into(),
            tech: "t".into(),
            components: keys
                .iter()
                .map(|k| ComponentCost {
                    key: k.to_string(),
                    label: k.replace('_', " "),
                    area_um2: 4.0,
                    energy_pj_per_block: 1.0,
                })
                .collect(),
            area_um2: 4.0 * keys.len() as f64,
            energy_pj_per_block: keys.len() as f64,
            area_um2_per_mac: 2.0 * keys.len() as f64,
            energy_pj_per_mac: 0.5 * keys.len() as f64,
            fmax_mhz: None,
            latency_cycles: None,
        }
    }

    #[test]
    fn components_merge_in_datapath_order_and_keep_their_colours() {
        let provenance = crate::cost::source::AnalyticSource::new("sky130hd")
            .unwrap()
            .provenance()
            .clone();
        let chart = BreakdownChart {
            metric: Metric::Area,
            provenance,
            units: vec![
                cost("int", &["lane_multipliers", "adder_tree", "accumulator"]),
                cost(
                    "fp",
                    &[
                        "lane_multipliers",
                        "aligners",
                        "adder_tree",
                        "registers",
                        "accumulator",
                    ],
                ),
            ],
        };
        let keys: Vec<String> = chart.components().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "lane_multipliers",
                "aligners",
                "adder_tree",
                "registers",
                "accumulator"
            ]
        );
        assert_eq!(chart.value(&chart.units[0], "aligners"), 0.0);
        assert_eq!(chart.value(&chart.units[1], "aligners"), 2.0);
        let all = chart.components();
        assert_eq!(component_color("aligners", &all), color(4));
        assert_eq!(component_color("accumulator", &all), color(8));
        // Registers and the named glue parts have their own colours, all different.
        assert_eq!(component_color("registers", &all), color(9));
        let extras: Vec<RGBColor> = EXTRA_COMPONENTS[..6]
            .iter()
            .map(|(k, _)| component_color(k, &all))
            .chain(KNOWN_COMPONENTS.iter().map(|k| component_color(k, &all)))
            .collect();
        for (i, a) in extras.iter().enumerate() {
            assert!(!extras[i + 1..].contains(a), "{a:?} twice");
        }
        // An unknown component takes a colour past the palette.
        let c = component_color("mystery", &all);
        assert!(!PALETTE.contains(&c), "{c:?}");
    }

    #[test]
    fn pareto_front_keeps_the_undominated_points_and_draws_a_staircase() {
        let pts = [
            (1.0, 10.0),
            (2.0, 20.0),
            (2.5, 15.0),
            (3.0, 20.0),
            (0.5, 5.0),
        ];
        assert_eq!(pareto_front(&pts), [true, true, false, false, true]);
        let chart = ParetoChart {
            provenance: crate::cost::source::AnalyticSource::new("sky130hd")
                .unwrap()
                .provenance()
                .clone(),
            samples: 1,
            seed: 0,
            points: pts
                .iter()
                .zip(pareto_front(&pts))
                .map(|(&(e, q), on_front)| ParetoPoint {
                    format: String::new(),
                    is_int: true,
                    energy_pj_per_mac: e,
                    qsnr_db: q,
                    on_front,
                })
                .collect(),
        };
        assert_eq!(
            chart.front(),
            [
                (0.5, 5.0),
                (1.0, 5.0),
                (1.0, 10.0),
                (2.0, 10.0),
                (2.0, 20.0)
            ]
        );
    }

    #[test]
    fn kappa_chart_draws_the_crossovers_of_the_pairs_it_shows() {
        let names: Vec<String> = ["mxint8", "mxfp8", "mxint4", "mxfp4"]
            .map(String::from)
            .to_vec();
        let dir = std::path::Path::new("models/formats");
        let theory = fine_theory(&names, dir).unwrap();
        let measured = sweep(&names, dir, 64, 1).unwrap();
        let two: Vec<BlockFormat> = ["mxint8", "mxfp8"]
            .iter()
            .map(|n| spec::lookup_in(n, &[]).unwrap())
            .collect();
        let chart = KappaChart::from_reports(&two, &theory, &measured);
        assert_eq!(chart.curves.len(), 2);
        assert!(chart.curves[0].is_int && !chart.curves[1].is_int);
        assert_eq!(chart.kappa.len(), CURVE_POINTS);
        assert_eq!(chart.crossovers.len(), 1);
        assert_eq!(
            (
                chart.crossovers[0].int.as_str(),
                chart.crossovers[0].fp.as_str()
            ),
            ("mxint8", "mxfp8")
        );
        // Points only where a block of 32 can have the crest factor (kappa < sqrt(32)).
        assert!(!chart.curves[0].measured.is_empty());
        assert!(chart.curves[0]
            .measured
            .iter()
            .all(|&(k, _)| (1.0..32f64.sqrt()).contains(&k)));
        assert_eq!(chart.color_of("mxint8"), chart.color_of("mxfp8"));
    }
}
