//! Recompute the shipped synthesized breakdowns after a change of the grouping of modules into
//! parts, without synthesizing again: every shipped report carries its per-module costs, so
//! its parts can be rebuilt from them ([`unit_synth::regroup`]: the one `glue` part split into
//! named parts), and `synth-results.json`, whose entries are those reports' `unit_cost`, is
//! rebuilt from the regrouped reports.
//!
//! `HWCOST_BLESS=1 cargo test --release --test report shipped_glue` rewrites the shipped files;
//! without it, the test fails while any of them is stale.

use crate::cost::source::SourceError;
use std::path::{Path, PathBuf};

use crate::cost::source::CostTable;
use crate::format::lookup_in;
use crate::synth::synth_command::{SynthDetails, ARCH_DIR, DETAILS_FILE};
use crate::synth::unit_synth::{regroup, UnitSynthReport};

use super::energy::ENERGY_DIR;
use super::engines::ENGINE_DIR;
use super::ReportError;

/// A shipped file and its text with the breakdowns regrouped.
#[derive(Debug)]
pub struct Regrouped {
    pub path: PathBuf,
    pub old: String,
    pub new: String,
}

impl Regrouped {
    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

fn read(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|source| {
        SourceError::Read {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

fn bad(path: &Path, why: impl std::fmt::Display) -> ReportError {
    SourceError::Results {
        path: path.to_path_buf(),
        why: why.to_string(),
    }
    .into()
}

/// The report files under `results`: the details file, then `architectures/`, its `energy/`
/// and `engines/` folders, each in file-name order.
fn report_files(results: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = vec![results.join(DETAILS_FILE)];
    for dir in [ARCH_DIR, ENERGY_DIR, ENGINE_DIR] {
        let dir = results.join(dir);
        let entries = std::fs::read_dir(&dir).map_err(|source| SourceError::Read {
            path: dir.clone(),
            source,
        })?;
        let mut v: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        v.sort();
        files.extend(v);
    }
    Ok(files)
}

/// Every shipped synthesized file under `results` with its breakdowns regrouped (unchanged
/// ones too). The reports are read as the synthesis wrote them; `synth-results.json` entries
/// are matched to the report whose `unit_cost` they are (format, architecture, lanes and the
/// same components), and an entry without one is an error rather than a guess.
pub fn regroup_shipped(results: &Path) -> Result<Vec<Regrouped>, ReportError> {
    let mut out = Vec::new();
    // (report before, report after) of every unit, to rebuild the table
    let mut pairs: Vec<(UnitSynthReport, UnitSynthReport)> = Vec::new();
    for path in report_files(results)? {
        let old = read(&path)?;
        let mut d: SynthDetails = serde_json::from_str(&old).map_err(|e| bad(&path, e))?;
        for r in &mut d.units {
            let before = r.clone();
            if !regroup(r) {
                return Err(bad(
                    &path,
                    format!(
                        "{}: its glue modules do not add up to its glue part",
                        r.unit
                    ),
                ));
            }
            pairs.push((before, r.clone()));
        }
        let new = serde_json::to_string_pretty(&d).map_err(|e| bad(&path, e))? + "\n";
        out.push(Regrouped { path, old, new });
    }
    let path = results.join("synth-results.json");
    let old = read(&path)?;
    let mut table: CostTable = serde_json::from_str(&old).map_err(|e| bad(&path, e))?;
    for c in &mut table.units {
        let f = lookup_in(&c.format, &[])?;
        let hit = pairs.iter().find_map(|(before, after)| {
            let u = before.analytic_params(&f).ok()?;
            (before.format == c.format && before.unit_cost(&u, &c.tech) == *c)
                .then(|| after.unit_cost(&u, &c.tech))
        });
        match hit {
            Some(n) => *c = n,
            None => {
                return Err(bad(
                    &path,
                    format!(
                        "no shipped report is the source of its {} unit at {} lanes",
                        c.format, c.lanes
                    ),
                ))
            }
        }
    }
    let new = serde_json::to_string_pretty(&table).map_err(|e| bad(&path, e))? + "\n";
    out.push(Regrouped { path, old, new });
    Ok(out)
}
