//! Renderers of a [`Comparison`]: an aligned text table and Markdown (metrics as rows, formats
//! as columns), JSON (the whole typed value) and CSV (one record per format). Pure functions
//! of the table: no computation happens here beyond number formatting.

use std::fmt::Write as _;

use super::compare::{CompareRow, Comparison};
use super::{footnote_markdown, footnote_text, wrap_text, ReportError, TEXT_WIDTH};

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

/// A QSNR difference; `-` where a side has no value (the theory of a format without a scale).
fn signed_db(x: f64) -> String {
    if x.is_nan() {
        "-".to_string()
    } else {
        format!("{x:+.2}")
    }
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
        ("architecture".into(), cells(&|r| r.architecture.clone())),
        (
            "bits per element (with scale)".into(),
            cells(&|r| format!("{:.2}", r.bits_per_element)),
        ),
        (
            format!("QSNR theory, kappa {} (dB)", c.kappa),
            // NaN: no theory for a format without a scale.
            cells(&|r| opt(Some(r.qsnr_theory_db).filter(|q| !q.is_nan()), 2, "")),
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

/// Column groups of a table: consecutive column indices whose widths (each plus a two-space
/// gap) fit after a `label_w`-wide label column within [`TEXT_WIDTH`]. A column too wide for
/// any group gets one of its own.
pub fn column_groups(label_w: usize, col_w: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let (mut start, mut used) = (0, label_w);
    for (i, w) in col_w.iter().enumerate() {
        if i > start && used + 2 + w > TEXT_WIDTH {
            groups.push(start..i);
            (start, used) = (i, label_w);
        }
        used += 2 + w;
    }
    if start < col_w.len() {
        groups.push(start..col_w.len());
    }
    groups
}

/// An aligned text table: a header of column names over labelled rows, wrapped into blocks
/// of columns that fit within [`TEXT_WIDTH`] (each block repeats the labels).
pub fn text_table(columns: &[String], rows: &[(String, Vec<String>)]) -> String {
    let label_w = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let col_w: Vec<usize> = (0..columns.len())
        .map(|i| {
            rows.iter()
                .map(|(_, v)| v[i].chars().count())
                .chain([columns[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for (g, cols) in column_groups(label_w, &col_w).into_iter().enumerate() {
        if g > 0 {
            s.push('\n');
        }
        let _ = write!(s, "{:<label_w$}", "");
        for i in cols.clone() {
            let w = col_w[i];
            let _ = write!(s, "  {:>w$}", columns[i]);
        }
        s.push('\n');
        for (label, cells) in rows {
            let _ = write!(s, "{label:<label_w$}");
            for i in cols.clone() {
                let w = col_w[i];
                let _ = write!(s, "  {:>w$}", cells[i]);
            }
            s.push('\n');
        }
    }
    s
}

/// Aligned plain text: the short provenance line, the grid (wrapped to [`TEXT_WIDTH`]), the
/// notes, and the provenance footnote.
pub fn text(c: &Comparison) -> String {
    let columns: Vec<String> = c.rows.iter().map(|r| r.format.clone()).collect();
    let mut s = c.provenance.text();
    s.push('\n');
    s += &text_table(&columns, &grid(c));
    s.push('\n');
    for n in &c.notes {
        s += &wrap_text(n, "- ", "  ");
    }
    s.push('\n');
    s += &footnote_text(&[&c.provenance]);
    s
}

/// Markdown: short provenance line, the grid as a table, the notes as a list, the provenance
/// section.
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
    s += &footnote_markdown(&[&c.provenance]);
    s
}

/// The typed comparison as pretty JSON, newline-terminated.
pub fn json(c: &Comparison) -> String {
    // A Comparison holds only strings, numbers, options and vectors: serialization cannot fail.
    serde_json::to_string_pretty(c).expect("Comparison serializes") + "\n"
}

/// One CSV record per row with a header line; empty fields for absent values, numbers
/// rounded by [`crate::fields::csv_records`].
pub fn csv(rows: &[CompareRow]) -> Result<String, ReportError> {
    crate::fields::csv_records(rows).map_err(ReportError::Csv)
}
