//! The chart of a design-space sweep (`hwcost sweep --plot FILE`): every design point's QSNR
//! against its energy per MAC (left) and its area per MAC (right), each format in its own
//! colour, INT elements as circles and FP as triangles, the points of the three-objective
//! Pareto front (least energy, least area, most QSNR) filled and the dominated ones hollow.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;

use super::plot::{color, err, font, frame, range, save, tick, Chart};
use super::ReportError;
use crate::arch::sweep::Sweep;
use crate::cost::source::Provenance;

/// One design point as the chart draws it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    /// Index into [`SweepChart::formats`].
    pub format: usize,
    pub energy_pj_per_mac: f64,
    pub area_um2_per_mac: f64,
    pub qsnr_db: f64,
    pub pareto: bool,
    /// The unit's parameters, `k={lanes} n={psum width or exact} p={pipeline}`, written beside
    /// the points of the Pareto front.
    pub label: String,
}

/// A sweep's design points and front, with the provenance of its costs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepChart {
    pub provenance: Provenance,
    /// Crest factor of the QSNR axis.
    pub kappa: f64,
    /// The formats in the sweep's order, each with whether its elements are integers.
    pub formats: Vec<(String, bool)>,
    pub points: Vec<SweepPoint>,
}

/// Draw the chart of `s` into `path` (`hwcost sweep --plot`, the [`crate::arch::sweep::DrawChart`]
/// that [`crate::arch::sweep::run_sweep`] is given).
pub fn draw(s: &Sweep, path: &Path) -> Result<(), String> {
    SweepChart::from_sweep(s)
        .save(path)
        .map_err(|e| e.to_string())
}

impl SweepChart {
    pub fn from_sweep(s: &Sweep) -> SweepChart {
        let mut formats: Vec<(String, bool)> = Vec::new();
        let points = s
            .rows
            .iter()
            .map(|r| {
                let format = match formats.iter().position(|(n, _)| *n == r.format) {
                    Some(i) => i,
                    None => {
                        formats.push((r.format.clone(), r.is_int));
                        formats.len() - 1
                    }
                };
                SweepPoint {
                    format,
                    energy_pj_per_mac: r.energy_pj_per_mac,
                    area_um2_per_mac: r.area_um2_per_mac,
                    qsnr_db: r.qsnr_db,
                    pareto: r.pareto,
                    label: format!(
                        "k={} n={} p={}",
                        r.lanes,
                        r.psum_width.map_or("exact".to_string(), |n| n.to_string()),
                        r.pipeline
                    ),
                }
            })
            .collect();
        SweepChart {
            provenance: s.provenance.clone(),
            kappa: s.kappa,
            formats,
            points,
        }
    }

    /// Draw into `path` (.svg or .png), atomically.
    pub fn save(&self, path: &Path) -> Result<(), ReportError> {
        save(self, path)
    }

    fn on_front(&self) -> usize {
        self.points.iter().filter(|p| p.pareto).count()
    }

    /// One panel: QSNR against `x_of` of each point.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x_of: impl Fn(&SweepPoint) -> f64,
        x_desc: &str,
    ) -> Result<(), String> {
        let (x0, x1) = range(self.points.iter().map(&x_of), 0.08, true);
        let (y0, y1) = range(self.points.iter().map(|p| p.qsnr_db), 0.08, false);
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(format!("QSNR, theory at crest factor {} (dB)", self.kappa))
            .x_label_formatter(&|v| tick(*v, x1 - x0))
            .y_label_formatter(&|v| tick(*v, y1 - y0))
            .x_labels(6)
            .label_style(font(14))
            .axis_desc_style(font(16))
            .light_line_style(super::style::MINOR_GRID)
            .bold_line_style(super::style::GRID)
            .draw()
            .map_err(err)?;
        // Dominated points first, pale and small, so the front is drawn over them.
        for pareto in [false, true] {
            let mut circles = Vec::new();
            let mut triangles = Vec::new();
            let mut rings = Vec::new();
            for p in self.points.iter().filter(|p| p.pareto == pareto) {
                let style = point_style(p.format, pareto);
                let xy = (x_of(p), p.qsnr_db);
                if self.formats[p.format].1 {
                    circles.push(Circle::new(xy, if pareto { 7 } else { 4 }, style));
                } else {
                    triangles.push(TriangleMarker::new(xy, if pareto { 10 } else { 6 }, style));
                }
                if pareto {
                    rings.push(Circle::new(xy, 11, BLACK.stroke_width(2)));
                }
            }
            chart.draw_series(circles).map_err(err)?;
            chart.draw_series(triangles).map_err(err)?;
            chart.draw_series(rings).map_err(err)?;
            if pareto {
                // The front's points say which unit they are.
                let labels = self.points.iter().filter(|p| p.pareto).map(|p| {
                    EmptyElement::at((x_of(p), p.qsnr_db))
                        + Text::new(
                            format!("{} {}", self.formats[p.format].0, p.label),
                            (14, -4),
                            font(13).pos(Pos::new(HPos::Left, VPos::Bottom)),
                        )
                });
                chart.draw_series(labels).map_err(err)?;
            }
        }
        Ok(())
    }
}

/// Front points in their format's full colour, dominated ones pale.
fn point_style(format: usize, pareto: bool) -> ShapeStyle {
    if pareto {
        color(format).filled()
    } else {
        color(format).mix(0.35).filled()
    }
}

impl Chart for SweepChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let extra = format!(
            "{} design points, {} on the Pareto front (least energy/MAC, least area/MAC, most QSNR)",
            self.points.len(),
            self.on_front()
        );
        // One line: generator, model and technology (the CSV's last columns say the same).
        let p = &self.provenance;
        let foot = format!("{}: {} model, {}; {extra}", p.generator, p.model, p.tech);
        let area = frame(
            root,
            "Design-space sweep: QSNR versus cost per MAC",
            &super::style::model_subtitle(p),
            &foot,
        )?;
        let (w, _) = area.dim_in_pixel();
        let (plots, legend) = area.split_horizontally(w.saturating_sub(200));
        let (pw, _) = plots.dim_in_pixel();
        let (left, right) = plots.split_horizontally(pw / 2);
        self.panel(&left, |p| p.energy_pj_per_mac, "energy per MAC (pJ)")?;
        self.panel(&right, |p| p.area_um2_per_mac, "area per MAC (µm²)")?;
        let label = |text: String, x: i32, y: i32| {
            Text::new(
                text,
                (x, y),
                font(15).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        };
        let x0 = 16;
        let mut y = 30;
        for (i, (name, is_int)) in self.formats.iter().enumerate() {
            let style = color(i).filled();
            if *is_int {
                legend.draw(&Circle::new((x0, y), 6, style)).map_err(err)?;
            } else {
                legend
                    .draw(&TriangleMarker::new((x0, y), 8, style))
                    .map_err(err)?;
            }
            legend.draw(&label(name.clone(), x0 + 16, y)).map_err(err)?;
            y += 24;
        }
        y += 12;
        let grey = RGBColor(90, 90, 90);
        legend
            .draw(&Circle::new((x0, y), 6, grey.filled()))
            .map_err(err)?;
        legend
            .draw(&Circle::new((x0, y), 10, BLACK.stroke_width(2)))
            .map_err(err)?;
        legend
            .draw(&label("on the Pareto front".into(), x0 + 16, y))
            .map_err(err)?;
        y += 24;
        legend
            .draw(&Circle::new((x0, y), 4, grey.mix(0.35).filled()))
            .map_err(err)?;
        legend
            .draw(&label("dominated".into(), x0 + 16, y))
            .map_err(err)?;
        y += 24;
        legend
            .draw(&label("circle: INT, triangle: FP".into(), x0 - 6, y))
            .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::sweep::{check_extension, run_sweep, sweep, SweepArgs};
    use indicatif::ProgressBar;

    fn small_sweep() -> Sweep {
        let args = SweepArgs {
            lanes: vec![8, 32],
            ..sweep_args(&["mxint8", "mxfp8", "mxfp4", "nvint4"])
        };
        sweep(&args, &ProgressBar::hidden()).unwrap()
    }

    use crate::arch::sweep::tests::args as sweep_args;

    /// `--plot` draws the chart beside the CSV; a chart name that is not .svg or .png is
    /// refused before anything is written.
    #[test]
    fn run_sweep_draws_the_chart_and_refuses_other_extensions_first() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sweep.csv");
        let png = dir.path().join("sweep.png");
        run_sweep(
            &SweepArgs {
                lanes: vec![8, 16],
                output: out.clone(),
                plot: Some(png.clone()),
                ..sweep_args(&["nvfp4", "nvint4"])
            },
            draw,
        )
        .unwrap();
        assert!(out.is_file());
        assert_eq!(&std::fs::read(&png).unwrap()[..4], b"\x89PNG");
        let other = dir.path().join("other.csv");
        let e = run_sweep(
            &SweepArgs {
                output: other.clone(),
                plot: Some(dir.path().join("sweep.jpg")),
                ..sweep_args(&["nvfp4"])
            },
            draw,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("sweep.jpg") && e.contains(".svg or .png"), "{e}");
        assert!(!other.exists());
    }

    #[test]
    fn the_chart_keeps_every_point_its_format_and_its_front_mark() {
        let s = small_sweep();
        let c = SweepChart::from_sweep(&s);
        assert_eq!(c.points.len(), s.rows.len());
        let names: Vec<&str> = c.formats.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["mxint8", "mxfp8", "mxfp4", "nvint4"]);
        assert_eq!(
            c.formats.iter().map(|f| f.1).collect::<Vec<_>>(),
            [true, false, false, true]
        );
        for (p, r) in c.points.iter().zip(&s.rows) {
            assert_eq!(c.formats[p.format].0, r.format);
            assert_eq!(
                (p.energy_pj_per_mac, p.area_um2_per_mac, p.qsnr_db, p.pareto),
                (r.energy_pj_per_mac, r.area_um2_per_mac, r.qsnr_db, r.pareto)
            );
        }
        assert!(c.on_front() > 0 && c.on_front() < c.points.len());
    }

    #[test]
    fn the_chart_is_drawn_as_svg_and_png_and_other_extensions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = SweepChart::from_sweep(&small_sweep());
        let svg = dir.path().join("sweep.svg");
        c.save(&svg).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("Design-space sweep"), "title missing");
        assert!(text.contains("on the Pareto front") && text.contains("nvint4"));
        let png = dir.path().join("sweep.png");
        c.save(&png).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert!(check_extension(Path::new("a.PNG")).is_ok());
        assert!(check_extension(Path::new("a.pdf")).is_err());
        assert!(c.save(&dir.path().join("sweep.pdf")).is_err());
        assert!(!dir.path().join("sweep.pdf").exists());
    }
}
