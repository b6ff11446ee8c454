//! Renderers of a [`Comparison`]: an aligned text table and Markdown (metrics as rows, formats
//! as columns), JSON (the whole typed value) and CSV (one record per format). Pure functions
//! of the table: no computation happens here beyond number formatting.

use std::fmt::Write as _;

use super::compare::{CompareRow, Comparison};
use super::ReportError;

/// The output formats of `hwcost compare`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Aligned plain-text table.
    Table,
    /// Markdown table with the provenance line and notes.
    Md,
    /// The typed comparison as pretty JSON.
    Json,
    /// One CSV record per format (header line first).
    Csv,
}

/// Render `c` in `format`.
pub fn render(c: &Comparison, format: TableFormat) -> Result<String, ReportError> {
    match format {
        TableFormat::Table => Ok(text(c)),
        TableFormat::Md => Ok(markdown(c)),
        TableFormat::Json => Ok(json(c)),
        TableFormat::Csv => csv(&c.rows),
    }
}

fn opt(v: Option<f64>, decimals: usize, suffix: &str) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.decimals$}{suffix}"))
}

fn signed_db(x: f64) -> String {
    format!("{x:+.2}")
}

/// The metric rows shared by the text and Markdown tables: (label, one cell per format).
pub fn grid(c: &Comparison) -> Vec<(String, Vec<String>)> {
    let base = &c.baseline;
    let cells = |f: &dyn Fn(&CompareRow) -> String| c.rows.iter().map(f).collect::<Vec<_>>();
    let missing = |v: Option<String>| v.unwrap_or_else(|| c.missing.clone());
    vec![
        (
            "element / block / scale".into(),
            cells(&|r| format!("{} / {} / {}", r.element, r.block, r.scale)),
        ),
        (
            "lanes k / psum width n".into(),
            cells(&|r| {
                format!(
                    "{} / {}",
                    r.lanes,
                    r.psum_width.map_or("exact".to_string(), |n| n.to_string())
                )
            }),
        ),
        (
            "bits per element (with scale)".into(),
            cells(&|r| format!("{:.2}", r.bits_per_element)),
        ),
        (
            format!("QSNR theory, kappa {} (dB)", c.kappa),
            cells(&|r| format!("{:.2}", r.qsnr_theory_db)),
        ),
        (
            "  scale overhead rho".into(),
            cells(&|r| format!("{:.2}", r.rho)),
        ),
        (
            "QSNR measured, Gaussian (dB)".into(),
            cells(&|r| format!("{:.2}", r.qsnr_measured_db)),
        ),
        (
            "QSNR study, Llama-3.1-8B (dB)".into(),
            cells(&|r| opt(r.study_qsnr_db, 2, "")),
        ),
        (
            "area (um^2)".into(),
            cells(&|r| format!("{:.1}", r.area_um2)),
        ),
        (
            "area per MAC (um^2)".into(),
            cells(&|r| format!("{:.2}", r.area_um2_per_mac)),
        ),
        (
            "energy per MAC (pJ)".into(),
            cells(&|r| format!("{:.4}", r.energy_pj_per_mac)),
        ),
        (
            "fmax (MHz)".into(),
            cells(&|r| missing(r.fmax_mhz.map(|f| format!("{f:.1}")))),
        ),
        (
            "latency (cycles)".into(),
            cells(&|r| missing(r.latency_cycles.map(|l| l.to_string()))),
        ),
        (
            format!("area per MAC vs {base}"),
            cells(&|r| format!("{:.2}x", r.area_ratio)),
        ),
        (
            "  study (Table 5)".into(),
            cells(&|r| opt(r.study_area_ratio, 2, "x")),
        ),
        (
            format!("energy per MAC vs {base}"),
            cells(&|r| format!("{:.2}x", r.energy_ratio)),
        ),
        (
            "  study (Table 5)".into(),
            cells(&|r| opt(r.study_energy_ratio, 2, "x")),
        ),
        (
            format!("bits per element vs {base}"),
            cells(&|r| format!("{:.2}x", r.bits_ratio)),
        ),
        (
            format!("QSNR theory - {base} (dB)"),
            cells(&|r| signed_db(r.qsnr_theory_delta_db)),
        ),
        (
            format!("QSNR measured - {base} (dB)"),
            cells(&|r| signed_db(r.qsnr_measured_delta_db)),
        ),
    ]
}

/// Aligned plain text: provenance line, the grid, the notes.
pub fn text(c: &Comparison) -> String {
    let g = grid(c);
    let label_w = g.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let col_w: Vec<usize> = (0..c.rows.len())
        .map(|i| {
            g.iter()
                .map(|(_, v)| v[i].len())
                .chain([c.rows[i].format.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = c.provenance.text();
    s.push('\n');
    let _ = write!(s, "{:<label_w$}", "");
    for (r, w) in c.rows.iter().zip(&col_w) {
        let _ = write!(s, "  {:>w$}", r.format);
    }
    s.push('\n');
    for (label, cells) in &g {
        let _ = write!(s, "{label:<label_w$}");
        for (v, w) in cells.iter().zip(&col_w) {
            let _ = write!(s, "  {v:>w$}");
        }
        s.push('\n');
    }
    s.push('\n');
    for n in &c.notes {
        let _ = writeln!(s, "- {n}");
    }
    s
}

/// Markdown: provenance block quote, the grid as a table, the notes as a list.
pub fn markdown(c: &Comparison) -> String {
    let mut s = c.provenance.markdown();
    s.push('\n');
    s.push_str("| |");
    for r in &c.rows {
        let _ = write!(s, " {} |", r.format);
    }
    s.push_str("\n|---|");
    for _ in &c.rows {
        s.push_str("---:|");
    }
    s.push('\n');
    for (label, cells) in grid(c) {
        // Markdown collapses leading spaces; a sub-row is indented with non-breaking spaces.
        let label = match label.strip_prefix("  ") {
            Some(sub) => format!("&nbsp;&nbsp;{sub}"),
            None => label,
        };
        let _ = write!(s, "| {label} |");
        for v in cells {
            let _ = write!(s, " {v} |");
        }
        s.push('\n');
    }
    s.push('\n');
    for n in &c.notes {
        let _ = writeln!(s, "- {n}");
    }
    s
}

/// The typed comparison as pretty JSON, newline-terminated.
pub fn json(c: &Comparison) -> String {
    // A Comparison holds only strings, numbers, options and vectors: serialization cannot fail.
    serde_json::to_string_pretty(c).expect("Comparison serializes") + "\n"
}

/// One CSV record per row with a header line; empty fields for absent values.
pub fn csv(rows: &[CompareRow]) -> Result<String, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| ReportError::Csv(e.to_string()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Csv(e.to_string()))
}
