//! Accelergy energy and area reference tables (ERT and ART, version 0.4): the tables
//! Accelergy writes after estimating a design, and that Timeloop reads in its place. Energies
//! in pJ, areas in um^2.
//!
//! Per unit, table `<unit>` (the generator's name, `{format}_mac_k{K}_n{n}_p{S}`):
//! - `block`: one block dot product of k element pairs with its scales and the FP32
//!   accumulation, the unit's energy per cycle at full throughput;
//! - `compute`: one multiply-accumulate, `block` / k (what Timeloop counts per MAC);
//! - `leak`: 0; the models do not separate leakage, which is inside the energy per block.
//!
//! Per datapath component, table `<unit>.<component>` with its `block` energy and its area; the
//! components add up to the unit.

use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::provenance_comment;
use crate::cost::command::PricedUnit;

/// The version of the table format written.
pub const VERSION: &str = "0.4";

pub(crate) fn map<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::from(k), v);
    }
    Value::Mapping(m)
}

pub(crate) fn action(name: &str, energy_pj: f64) -> Value {
    map([
        ("name", Value::from(name)),
        ("arguments", Value::Mapping(Mapping::new())),
        ("energy", Value::from(energy_pj)),
    ])
}

/// `{KEY: {version, tables}}` as YAML text after the comment block.
pub(crate) fn document(comment: &str, key: &str, tables: Vec<Value>) -> String {
    let doc = map([(
        key,
        map([
            ("version", Value::from(VERSION)),
            ("tables", Value::Sequence(tables)),
        ]),
    )]);
    // Plain maps, sequences, strings and finite numbers: serialization cannot fail.
    comment.to_string() + &serde_yaml::to_string(&doc).expect("YAML of plain values")
}

/// The comment block of a file holding `units`: one provenance per distinct source.
pub(crate) fn comment(what: &str, units: &[PricedUnit]) -> String {
    let mut s = String::new();
    let mut seen = Vec::new();
    for u in units {
        if !seen.contains(&&u.provenance) {
            seen.push(&u.provenance);
        }
    }
    for (i, p) in seen.iter().enumerate() {
        if i > 0 {
            s += "#\n";
        }
        s += &provenance_comment("#", what, p);
    }
    s
}

/// The energy reference table of `units`.
pub fn ert(units: &[PricedUnit]) -> String {
    let mut tables = Vec::new();
    for u in units {
        let c = &u.cost;
        tables.push(map([
            ("name", Value::from(u.name.as_str())),
            (
                "actions",
                Value::Sequence(vec![
                    action("block", c.energy_pj_per_block),
                    action("compute", c.energy_pj_per_mac),
                    action("leak", 0.0),
                ]),
            ),
        ]));
        for part in &c.components {
            tables.push(map([
                ("name", Value::from(format!("{}.{}", u.name, part.key))),
                (
                    "actions",
                    Value::Sequence(vec![action("block", part.energy_pj_per_block)]),
                ),
            ]));
        }
    }
    document(
        &comment(
            "Accelergy energy reference table (pJ per action) of hwcost MAC units.",
            units,
        ),
        "ERT",
        tables,
    )
}

/// The area reference table of `units`.
pub fn art(units: &[PricedUnit]) -> String {
    let mut tables = Vec::new();
    for u in units {
        let c = &u.cost;
        tables.push(map([
            ("name", Value::from(u.name.as_str())),
            ("area", Value::from(c.area_um2)),
        ]));
        for part in &c.components {
            tables.push(map([
                ("name", Value::from(format!("{}.{}", u.name, part.key))),
                ("area", Value::from(part.area_um2)),
            ]));
        }
    }
    document(
        &comment(
            "Accelergy area reference table (um^2) of hwcost MAC units.",
            units,
        ),
        "ART",
        tables,
    )
}

/// Write `ERT.yaml` and `ART.yaml` into `dir`.
pub fn write_tables(units: &[PricedUnit], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(vec![
        super::write(dir, "ERT.yaml", &ert(units))?,
        super::write(dir, "ART.yaml", &art(units))?,
    ])
}
