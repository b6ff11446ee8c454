//! QSNR tables of the reports: the crest-factor sweep (theory, measured, crossovers; built by
//! `format::qsnr::qsnr_report`), and measured QSNR with and without a block-sized random
//! Hadamard rotation on Gaussian and heavy-tailed data ([`RotationTable`]), each beside the
//! study's figures; with their Markdown renderers.
//!
//! The rotation measurement uses exactly the blocks and weighting of
//! `format::qsnr::measure_gaussian` (seeded blocks, sigma = 2^u per block, each block's
//! energies in units of its sigma^2, NV tensors of `TENSOR_BLOCKS` blocks), so without rotation
//! on Gaussian data it gives the same number bit for bit.

use std::fmt::Write as _;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StudentT;
use serde::{Deserialize, Serialize};

use super::compare::{study_qsnr, STUDY_LLAMA_QSNR_HADAMARD};
use super::ReportError;
use crate::format::qsnr::{
    gaussian_blocks, qsnr_report, study_options, QsnrArgs, QsnrReport, TENSOR_BLOCKS,
};
use crate::format::quantize::hadamard::Hadamard;
use crate::format::quantize::quantize_dequantize_into;
use crate::format::BlockFormat;

/// Degrees of freedom of the heavy-tailed distribution: Student-t with 3 has finite variance
/// and frequent outliers (kurtosis is infinite), a stand-in for tensors with outlier values.
pub const STUDENT_T_DOF: f64 = 3.0;

/// The value distribution of a rotation measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// i.i.d. N(0, sigma^2) blocks, as `format::qsnr::gaussian_blocks` draws them.
    Gaussian,
    /// i.i.d. Student-t (3 degrees of freedom) times sigma.
    StudentT3,
}

impl Distribution {
    pub fn label(self) -> &'static str {
        match self {
            Distribution::Gaussian => "Gaussian",
            Distribution::StudentT3 => "Student-t (3 dof)",
        }
    }

    /// `blocks` seeded blocks of `g` values and each block's sigma (2^u, u uniform in [0, 1)).
    pub fn blocks(
        self,
        g: usize,
        blocks: usize,
        seed: u64,
    ) -> Result<(Vec<f32>, Vec<f64>), ReportError> {
        match self {
            Distribution::Gaussian => Ok(gaussian_blocks(g, blocks, None, seed)?),
            Distribution::StudentT3 => {
                // The seed is offset so the two distributions never share a stream.
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5354_5544_454e_5433);
                // A positive finite number of degrees of freedom is always accepted.
                let t = StudentT::new(STUDENT_T_DOF).expect("valid degrees of freedom");
                let mut data = Vec::with_capacity(g * blocks);
                let mut sigmas = Vec::with_capacity(blocks);
                for _ in 0..blocks {
                    let sigma = rng.gen::<f64>().exp2();
                    data.extend((0..g).map(|_| (rng.sample(t) * sigma) as f32));
                    sigmas.push(sigma);
                }
                Ok((data, sigmas))
            }
        }
    }
}

/// QSNR (dB) of `fmt` on `data` (blocks of the format's size with their `sigmas`), quantized
/// with the study's rules, optionally rotated before and rotated back after quantization;
/// the error is taken in the original basis.
pub fn measure_blocks(
    fmt: &BlockFormat,
    data: &[f32],
    sigmas: &[f64],
    rotation: Option<&Hadamard>,
) -> Result<f64, ReportError> {
    let g = fmt.block;
    if sigmas.is_empty() {
        return Err(ReportError::BadSamples(0));
    }
    let opts = study_options(fmt);
    let (mut err, mut sig) = (0f64, 0f64);
    let mut out = Vec::new();
    for (x, s) in data
        .chunks(g * TENSOR_BLOCKS)
        .zip(sigmas.chunks(TENSOR_BLOCKS))
    {
        let rotated;
        let input = match rotation {
            Some(h) => {
                rotated = h.rotate(x, g)?;
                &rotated[..]
            }
            None => x,
        };
        out.resize(x.len(), 0f32);
        quantize_dequantize_into(fmt, &opts, input, g, &mut out)?;
        let unrotated;
        let back: &[f32] = match rotation {
            Some(h) => {
                unrotated = h.unrotate(&out, g)?;
                &unrotated
            }
            None => &out,
        };
        // The same sums, in the same order, as format::qsnr::measure.
        for ((xb, ob), sb) in x.chunks(g).zip(back.chunks(g)).zip(s) {
            let unit = 1.0 / (sb * sb);
            err += unit
                * xb.iter()
                    .zip(ob)
                    .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                    .sum::<f64>();
            sig += unit * xb.iter().map(|&a| a as f64 * a as f64).sum::<f64>();
        }
    }
    Ok(-10.0 * (err / sig).log10())
}

/// One format on one distribution, without and with rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RotationRow {
    pub format: String,
    pub distribution: Distribution,
    pub plain_db: f64,
    pub hadamard_db: f64,
    /// The study's Llama-3.1-8B averages (its Section 3), where it reports them.
    pub study_plain_db: Option<f64>,
    pub study_hadamard_db: Option<f64>,
}

/// Measured QSNR with and without the Hadamard rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RotationTable {
    pub samples: usize,
    pub seed: u64,
    pub rows: Vec<RotationRow>,
}

/// Measure every format on both distributions, plain and rotated (rotation size = block size,
/// signs seeded with `seed`).
pub fn rotation_table(
    formats: &[BlockFormat],
    samples: usize,
    seed: u64,
) -> Result<RotationTable, ReportError> {
    if samples == 0 {
        return Err(ReportError::BadSamples(samples));
    }
    let mut rows = Vec::new();
    for dist in [Distribution::Gaussian, Distribution::StudentT3] {
        for f in formats {
            let (data, sigmas) = dist.blocks(f.block, samples, seed)?;
            let h = Hadamard::new(f.block, seed)?;
            let study_rotated = STUDY_LLAMA_QSNR_HADAMARD
                .iter()
                .find(|(n, _)| *n == f.name)
                .map(|&(_, q)| q);
            rows.push(RotationRow {
                format: f.name.clone(),
                distribution: dist,
                plain_db: measure_blocks(f, &data, &sigmas, None)?,
                hadamard_db: measure_blocks(f, &data, &sigmas, Some(&h))?,
                study_plain_db: study_qsnr(&f.name),
                study_hadamard_db: study_rotated,
            });
        }
    }
    Ok(RotationTable {
        samples,
        seed,
        rows,
    })
}

/// Crest factors of the sweep: the study plots 1 to 12.
pub const SWEEP_KAPPA: &str = "1..12";
pub const SWEEP_POINTS: usize = 12;

/// The crest-factor sweep of `formats` (names as `hwcost qsnr` takes them; user formats are
/// looked up in `dir`): theory, measured at each kappa and on i.i.d. blocks, and the crossovers
/// of every INT/FP pair of equal width, block and scale.
pub fn sweep(
    formats: &[String],
    dir: &Path,
    samples: usize,
    seed: u64,
) -> Result<QsnrReport, ReportError> {
    if samples == 0 {
        return Err(ReportError::BadSamples(samples));
    }
    let args = QsnrArgs {
        formats: formats.to_vec(),
        kappa: SWEEP_KAPPA.to_string(),
        points: SWEEP_POINTS,
        rho: None,
        measure: true,
        samples,
        seed,
        scale_rule: None,
        json: false,
        scale_rules: None,
        dir: dir.to_path_buf(),
    };
    Ok(qsnr_report(&args)?)
}

fn cell(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.2}"))
}

/// The sweep as Markdown: theory table, measured table, crossovers beside the study's.
pub fn sweep_markdown(r: &QsnrReport) -> String {
    let mut s = String::new();
    let header = |s: &mut String, first: &str| {
        let _ = write!(s, "| {first} |");
        for f in &r.formats {
            let _ = write!(s, " {f} |");
        }
        s.push_str("\n|---:|");
        for _ in &r.formats {
            s.push_str("---:|");
        }
        s.push('\n');
    };
    let _ = writeln!(
        s,
        "### Theory: QSNR (dB) versus crest factor kappa\n\nThe study's closed form (its Section 3); \
         scale overhead rho per column (1.5 for UE8M0, 1.05 for E4M3).\n"
    );
    header(&mut s, "kappa");
    let _ = write!(s, "| rho |");
    for rho in &r.rho {
        let _ = write!(s, " {rho:.2} |");
    }
    s.push('\n');
    for (i, k) in r.kappa.iter().enumerate() {
        let _ = write!(s, "| {k:.0} |");
        for col in &r.theory {
            let _ = write!(s, " {:.2} |", col[i]);
        }
        s.push('\n');
    }
    if let Some(m) = &r.measured {
        let _ = writeln!(
            s,
            "\n### Measured: QSNR (dB) of the bit-exact quantizer\n\n{} blocks per cell, seed {}, the study's \
             scale rules (ceil for UE8M0, nv-study for E4M3; RNE). Blocks of a given kappa are Gaussian blocks \
             conditioned on their crest factor; `-` where no block of that size has it (kappa >= sqrt(block)) \
             or it is too rare to draw; crest factors none can be measured at are left out.\n",
            m.samples, m.seed
        );
        header(&mut s, "kappa");
        for (i, k) in r.kappa.iter().enumerate() {
            // Crest factors no format can be measured at (kappa >= sqrt(32), or 1) add nothing.
            if m.at_kappa.iter().all(|col| col[i].is_none()) {
                continue;
            }
            let _ = write!(s, "| {k:.0} |");
            for col in &m.at_kappa {
                let _ = write!(s, " {} |", cell(col[i]));
            }
            s.push('\n');
        }
        let _ = write!(s, "| i.i.d. Gaussian |");
        for q in &m.gaussian {
            let _ = write!(s, " {q:.2} |");
        }
        s.push('\n');
    }
    if !r.crossovers.is_empty() {
        let _ = writeln!(
            s,
            "\n### Crossovers: INT is better below kappa\n\n| INT | FP | kappa | QSNR (dB) | study kappa | study QSNR (dB) |\n|---|---|---:|---:|---:|---:|"
        );
        for c in &r.crossovers {
            let (k, q) = match (c.kappa, c.qsnr_db) {
                (Some(k), Some(q)) => (format!("{k:.3}"), format!("{q:.2}")),
                _ => (
                    format!("none: {}", c.none_why.as_deref().unwrap_or("")),
                    "-".to_string(),
                ),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {k} | {q} | {} | {} |",
                c.int,
                c.fp,
                cell(c.study_kappa),
                cell(c.study_qsnr_db)
            );
        }
    }
    s
}

/// The rotation table as Markdown.
pub fn rotation_markdown(t: &RotationTable) -> String {
    let mut s = format!(
        "### Measured QSNR (dB) with a random Hadamard rotation\n\nBlock-diagonal random Hadamard rotation of \
         the block size (32 for MX, 16 for NV) applied before quantization and undone after it; QSNR in the \
         original basis. {} blocks per cell, seed {}. Study: Llama-3.1-8B averages (its Section 3).\n\n\
         | data | format | plain | Hadamard | gain | study plain | study Hadamard |\n|---|---|---:|---:|---:|---:|---:|\n",
        t.samples, t.seed
    );
    for r in &t.rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} | {:.2} | {:+.2} | {} | {} |",
            r.distribution.label(),
            r.format,
            r.plain_db,
            r.hadamard_db,
            r.hadamard_db - r.plain_db,
            cell(r.study_plain_db),
            cell(r.study_hadamard_db)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::lookup_in;
    use crate::format::qsnr::measure_gaussian;

    fn f(name: &str) -> BlockFormat {
        lookup_in(name, &[]).unwrap()
    }

    #[test]
    fn plain_gaussian_equals_the_qsnr_module_measurement_bit_for_bit() {
        for name in ["mxint8", "mxfp4", "nvfp4"] {
            let fmt = f(name);
            // More than one NV tensor, so the chunking is exercised too.
            let n = TENSOR_BLOCKS + 100;
            let (data, sigmas) = Distribution::Gaussian.blocks(fmt.block, n, 7).unwrap();
            let mine = measure_blocks(&fmt, &data, &sigmas, None).unwrap();
            assert_eq!(
                mine.to_bits(),
                measure_gaussian(&fmt, n, 7).unwrap().to_bits(),
                "{name}"
            );
        }
    }

    #[test]
    fn rotation_helps_heavy_tails_and_is_neutral_on_gaussian_int8() {
        let fmt = f("mxint4");
        let (d, s) = Distribution::StudentT3.blocks(32, 2000, 1).unwrap();
        let h = Hadamard::new(32, 1).unwrap();
        let plain = measure_blocks(&fmt, &d, &s, None).unwrap();
        let rot = measure_blocks(&fmt, &d, &s, Some(&h)).unwrap();
        assert!(
            rot > plain + 1.0,
            "Hadamard should spread outliers: {plain} -> {rot}"
        );
        // Rotated Gaussian blocks are Gaussian again: within a few tenths of a dB.
        let (d, s) = Distribution::Gaussian.blocks(32, 2000, 1).unwrap();
        let plain = measure_blocks(&f("mxint8"), &d, &s, None).unwrap();
        let rot = measure_blocks(&f("mxint8"), &d, &s, Some(&h)).unwrap();
        assert!((rot - plain).abs() < 0.5, "{plain} vs {rot}");
    }

    #[test]
    fn rotation_table_has_both_distributions_and_the_study_figures() {
        let t = rotation_table(&[f("nvint4"), f("nvfp4")], 64, 3).unwrap();
        assert_eq!(t.rows.len(), 4);
        assert_eq!(t.rows[0].distribution, Distribution::Gaussian);
        assert_eq!(t.rows[2].distribution, Distribution::StudentT3);
        assert_eq!(
            (t.rows[0].study_plain_db, t.rows[0].study_hadamard_db),
            (Some(20.55), Some(21.65))
        );
        assert_eq!(
            (t.rows[1].study_plain_db, t.rows[1].study_hadamard_db),
            (Some(20.60), Some(20.35))
        );
        let md = rotation_markdown(&t);
        assert!(md.contains("| Student-t (3 dof) | nvint4 |"), "{md}");
        assert!(matches!(
            rotation_table(&[f("nvint4")], 0, 3),
            Err(ReportError::BadSamples(0))
        ));
    }
}
