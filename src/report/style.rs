//! The look every chart shares: a palette whose neighbours are easy to tell apart, the INT
//! and FP colours, fonts, a light major grid without the dense minor one, and the frame (title,
//! a subtitle naming the cost model, a footer with the provenance).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::cost::source::Provenance;

/// Sixteen qualitative colours: tab10, then gold, near-black, mint, maroon, lavender and teal.
/// Stacked neighbours (the datapath order of the components) never share a hue, and the
/// components of a synthesized breakdown the analytic model lacks (registers, then the named
/// parts of the glue) get colours of their own rather than close greys.
pub const PALETTE: [RGBColor; 16] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(255, 200, 0),
    RGBColor(40, 40, 40),
    RGBColor(152, 223, 138),
    RGBColor(128, 0, 0),
    RGBColor(197, 176, 213),
    RGBColor(0, 128, 128),
];

/// Colour `i` of [`PALETTE`], cycling.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Integer-element formats and floating-point ones, in every chart.
pub const INT_COLOR: RGBColor = RGBColor(31, 119, 180);
pub const FP_COLOR: RGBColor = RGBColor(214, 39, 40);

/// The major grid; the minor one is not drawn ([`MINOR_GRID`]).
pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub const MINOR_GRID: RGBColor = WHITE;
/// Secondary text: subtitle, footer, legend borders.
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
/// Dashes of the Pareto front and of FP curves: (dash, gap) in pixels.
pub const DASH: (u32, u32) = (9, 5);

/// The family every chart uses (registered by `plot::register_font`).
pub const FAMILY: &str = "sans-serif";

pub fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().into()
}

pub(super) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The subtitle of a chart priced by a cost model: the model, technology and tools.
pub fn model_subtitle(p: &Provenance) -> String {
    format!(
        "{} model, {}, {}",
        p.model,
        p.tech,
        p.tools_short()
            .replace("no external tool", "no external tool ran")
    )
}

/// Title, subtitle, a footer with the provenance, and the area between them for the plot.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    footer: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    root.fill(&WHITE).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let center = Pos::new(HPos::Center, VPos::Top);
    root.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, 10),
        font(26).pos(center),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        subtitle.to_string(),
        (w as i32 / 2, 42),
        font(16).color(&MUTED).pos(center),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        footer.to_string(),
        (12, h as i32 - 8),
        font(13)
            .color(&MUTED)
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))
    .map_err(err)?;
    Ok(root.margin(70, 30, 10, 20))
}

/// One line under a chart: generator, model, technology and the file that defines it (its
/// name only: the full path and checksum are in the reports' provenance sections).
pub fn footer(p: &Provenance, extra: &str) -> String {
    let file = p.tech_file.split(" (sha256").next().unwrap_or(&p.tech_file);
    let file = file.rsplit('/').next().unwrap_or(file);
    let mut s = format!("{}: {} model, {} ({})", p.generator, p.model, p.tech, file);
    if !extra.is_empty() {
        s += "; ";
        s += extra;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_neighbours_differ_and_no_colour_repeats() {
        for (i, a) in PALETTE.iter().enumerate() {
            for b in &PALETTE[i + 1..] {
                let d: i32 = [(a.0, b.0), (a.1, b.1), (a.2, b.2)]
                    .iter()
                    .map(|&(x, y)| (x as i32 - y as i32).abs())
                    .sum();
                assert!(d > 60, "{a:?} and {b:?} are too close");
            }
        }
    }
}

/// The plot area of a two-panel chart: left and right panels over a 40-pixel legend row.
pub fn two_panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
) -> (
    DrawingArea<DB, Shift>,
    DrawingArea<DB, Shift>,
    DrawingArea<DB, Shift>,
) {
    let (_, h) = area.dim_in_pixel();
    let (plots, legend) = area.split_vertically(h.saturating_sub(40));
    let (w, _) = plots.dim_in_pixel();
    let (left, right) = plots.split_horizontally(w / 2);
    (left, right, legend)
}

/// A legend row: a colour swatch and its label per item, left to right.
pub fn legend_row<DB: DrawingBackend>(
    legend: &DrawingArea<DB, Shift>,
    items: &[(RGBColor, String)],
) -> Result<(), String> {
    let mut x = 80;
    for (c, label) in items {
        legend
            .draw(&Rectangle::new([(x, 12), (x + 18, 28)], c.filled()))
            .map_err(err)?;
        legend
            .draw(&Text::new(
                label.clone(),
                (x + 26, 20),
                font(15).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
        x += 30 + 9 * label.len() as i32;
    }
    Ok(())
}
