//! `sweep-synth.md` and `sweep-synth.svg`: the synthesized sweep run as jobs (`hwcost sweep
//! --model synth --emit-jobs`, GNU parallel, `--collect`), rendered by `hwcost report` from the
//! CSV `--collect` wrote (`sweep-synth.csv`) and the record of the run beside it
//! (`sweep-synth.run.json`: provenance, settings, wall time, each point's synthesis time, the
//! commands). The CSV's numbers are printed as the CSV has them; the chart is the one
//! `--collect --plot` draws, from the same rows.

use crate::cost::source::SourceError;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::sweep_chart::SweepChart;
use super::ReportError;
use crate::arch::sweep::{Sweep, SweepRow};
use crate::cost::source::Provenance;
use crate::format::lookup_in;

/// The sweep's CSV in the results directory.
pub const CSV_FILE: &str = "sweep-synth.csv";
/// The record of the run that made it.
pub const RUN_FILE: &str = "sweep-synth.run.json";
pub const MD_FILE: &str = "sweep-synth.md";
pub const SVG_FILE: &str = "sweep-synth.svg";

/// One design point of the run: its unit and how long its synthesis job took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunPoint {
    pub unit: String,
    pub synthesis_s: u64,
    /// Read from the cache in this run: synthesized by an earlier run, whose time this is.
    pub earlier_run: bool,
}

/// What ran, where and how long (written by hand from the job log of the run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRun {
    pub about: String,
    pub provenance: Provenance,
    pub kappa: f64,
    pub blocks: usize,
    pub seed: String,
    pub clock_ns: f64,
    pub design_space: String,
    pub parallel_jobs: usize,
    pub wall_s: u64,
    pub run_command: String,
    pub machine: String,
    pub cache_note: String,
    /// In the CSV's row order.
    pub points: Vec<RunPoint>,
    pub commands: Vec<String>,
    pub binary_note: String,
    pub job_example: String,
}

/// One CSV record, its fields as written.
#[derive(Clone, Debug, Deserialize)]
struct Record {
    format: String,
    lanes: String,
    psum_width: String,
    multiplier: String,
    reduction: String,
    pipeline: String,
    latency_cycles: String,
    area_um2: String,
    area_um2_per_mac: String,
    energy_pj_per_block: String,
    energy_pj_per_mac: String,
    qsnr_db: String,
    pareto: String,
    model: String,
    tech: String,
    fmax_mhz: String,
}

/// The sweep of a results directory, when it ships one.
pub struct SynthSweep {
    pub csv: String,
    pub run: SweepRun,
    records: Vec<Record>,
    pub sweep: Sweep,
}

fn bad(path: &Path, why: impl std::fmt::Display) -> ReportError {
    SourceError::Results {
        path: path.to_path_buf(),
        why: why.to_string(),
    }
    .into()
}

impl SynthSweep {
    /// Read `results/sweep-synth.csv` and its run record; `None` when neither is there, an
    /// error when one is missing or they disagree.
    pub fn load(results: &Path) -> Result<Option<SynthSweep>, ReportError> {
        let (csv_path, run_path) = (results.join(CSV_FILE), results.join(RUN_FILE));
        match (csv_path.is_file(), run_path.is_file()) {
            (false, false) => return Ok(None),
            (true, false) => return Err(bad(&run_path, format!("missing beside {CSV_FILE}"))),
            (false, true) => return Err(bad(&csv_path, format!("missing beside {RUN_FILE}"))),
            (true, true) => {}
        }
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| SourceError::Read {
                path: p.to_path_buf(),
                source,
            })
        };
        let csv = read(&csv_path)?;
        let run: SweepRun =
            serde_json::from_str(&read(&run_path)?).map_err(|e| bad(&run_path, e))?;
        let records: Vec<Record> = csv::Reader::from_reader(csv.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .map_err(|e| bad(&csv_path, e))?;
        if records.is_empty() || records.len() != run.points.len() {
            return Err(bad(
                &run_path,
                format!(
                    "{} points for the {} rows of {CSV_FILE}",
                    run.points.len(),
                    records.len()
                ),
            ));
        }
        let num = |field: &str, v: &str| -> Result<f64, ReportError> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(&csv_path, format!("{field} '{v}' is not a number")))
        };
        let int = |field: &str, v: &str| -> Result<u32, ReportError> {
            v.parse::<u32>()
                .map_err(|_| bad(&csv_path, format!("{field} '{v}' is not a count")))
        };
        let mut rows = Vec::new();
        for r in &records {
            let f = lookup_in(&r.format, &[])?;
            rows.push(SweepRow {
                format: f.name.clone(),
                is_int: f.elem.is_int(),
                lanes: int("lanes", &r.lanes)? as usize,
                psum_width: match r.psum_width.as_str() {
                    "exact" => None,
                    n => Some(int("psum_width", n)?),
                },
                multiplier: None,
                reduction: None,
                pipeline: int("pipeline", &r.pipeline)?,
                latency_cycles: int("latency_cycles", &r.latency_cycles)?,
                area_um2: num("area_um2", &r.area_um2)?,
                area_um2_per_mac: num("area_um2_per_mac", &r.area_um2_per_mac)?,
                energy_pj_per_block: num("energy_pj_per_block", &r.energy_pj_per_block)?,
                energy_pj_per_mac: num("energy_pj_per_mac", &r.energy_pj_per_mac)?,
                qsnr_db: num("qsnr_db", &r.qsnr_db)?,
                fmax_mhz: Some(num("fmax_mhz", &r.fmax_mhz)?),
                clock_mhz: None,
                pareto: match r.pareto.as_str() {
                    "true" => true,
                    "false" => false,
                    v => return Err(bad(&csv_path, format!("pareto '{v}' is not true or false"))),
                },
            });
            if r.model != run.provenance.model || r.tech != run.provenance.tech {
                return Err(bad(
                    &csv_path,
                    format!(
                        "a row priced by {} on {}; {RUN_FILE} says {} on {}",
                        r.model, r.tech, run.provenance.model, run.provenance.tech
                    ),
                ));
            }
        }
        let sweep = Sweep {
            provenance: run.provenance.clone(),
            tech: run.provenance.tech.clone(),
            kappa: run.kappa,
            requested: rows.len(),
            rows,
            skipped: Vec::new(),
        };
        Ok(Some(SynthSweep {
            csv,
            run,
            records,
            sweep,
        }))
    }

    pub fn chart(&self) -> SweepChart {
        SweepChart::from_sweep(&self.sweep)
    }

    /// `sweep-synth.md`.
    pub fn markdown(&self) -> String {
        let run = &self.run;
        let p = &run.provenance;
        let n = self.records.len();
        let cached = run.points.iter().filter(|x| x.earlier_run).count();
        let total: u64 = run.points.iter().map(|x| x.synthesis_s).sum();
        let mut s = String::from("# Synthesized sweep through GNU parallel\n\n");
        s += &p.markdown();
        let _ = writeln!(
            s,
            "\n{n} design points synthesized as independent `hwcost synth` jobs (`hwcost sweep --model synth \
             --emit-jobs`), run by GNU parallel with {} jobs at a time, and gathered from the content-addressed \
             result cache into [{CSV_FILE}]({CSV_FILE}) and [{SVG_FILE}]({SVG_FILE}) by `hwcost sweep --collect`; \
             `hwcost report` renders this page and the chart from the CSV and the run's record \
             ([{RUN_FILE}]({RUN_FILE})).\n",
            run.parallel_jobs
        );
        let _ = writeln!(
            s,
            "Activity simulated on {} quantized Gaussian blocks (seed {}), clock {:.1} ns. QSNR: theory at crest \
             factor {}. Area and energy per MAC are the hierarchical synthesis' (as `hwcost compare --model synth` \
             reports them), fmax the flattened netlist's (OpenSTA).\n",
            run.blocks, run.seed, run.clock_ns, run.kappa
        );
        let mut widths: Vec<String> = Vec::new();
        for r in self.records.iter().filter(|r| r.psum_width != "exact") {
            let w = format!("{} bits for {}", r.psum_width, r.format.to_uppercase());
            if !widths.contains(&w) {
                widths.push(w);
            }
        }
        let _ = writeln!(
            s,
            "Design space: {} Default psum width ({}; exact for the INT formats).\n",
            run.design_space,
            widths.join(", ")
        );
        let _ = writeln!(
            s,
            "## Wall time\n\n`{}`: {} s wall for the {n} jobs on {}.",
            run.run_command, run.wall_s, run.machine
        );
        if cached > 0 {
            let names: Vec<&str> = run
                .points
                .iter()
                .filter(|x| x.earlier_run)
                .map(|x| x.unit.as_str())
                .collect();
            let _ = writeln!(
                s,
                "{cached} of the {n} points ({}) were read from the cache: {}.",
                names.join(", "),
                run.cache_note
            );
        }
        let _ = writeln!(
            s,
            "Sum of the {n} synthesis times: {total} s (about {} s wall at {} jobs on an idle machine with as many \
             cores).\n",
            total / run.parallel_jobs.max(1) as u64,
            run.parallel_jobs
        );
        s += "## Points\n\n| unit | psum | multiplier | reduction | area/MAC (um^2) | energy/MAC (pJ) | fmax (MHz) | \
              QSNR (dB) | Pareto | synthesis (s) |\n|---|---|---|---|---:|---:|---:|---:|---|---:|\n";
        for (r, x) in self.records.iter().zip(&run.points) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} |",
                x.unit,
                r.psum_width,
                r.multiplier,
                r.reduction,
                r.area_um2_per_mac,
                r.energy_pj_per_mac,
                r.fmax_mhz,
                r.qsnr_db,
                if r.pareto == "true" { "yes" } else { "" },
                x.synthesis_s,
                if x.earlier_run { " (earlier run)" } else { "" }
            );
        }
        let _ = writeln!(
            s,
            "\n## Commands\n\nFrom the repository root; {}:\n\n```sh\n{}\n```\n",
            run.binary_note,
            run.commands.join("\n")
        );
        let _ = writeln!(
            s,
            "Each line of `sweep-jobs/jobs.txt` is one job, with absolute paths (written here relative to the \
             repository root), e.g.:\n\n```sh\n{}\n```\n",
            run.job_example
        );
        s += "The same directory holds `sbatch.sh`, a Slurm array with one task per line; on a cluster the binary, \
              the PDK directory and the cache must be on a file system every node sees.\n";
        s += &super::footnote_markdown(&[p]);
        s
    }
}
