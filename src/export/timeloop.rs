//! Timeloop v4 inputs of a unit: `arch.yaml` (architecture version 0.4) and the reference
//! tables of its MAC (`ERT.yaml`, `ART.yaml`), in one folder per unit.
//!
//! The architecture is the unit as Timeloop sees a MAC array: a backing DRAM and a `PE`
//! container of `lanes` MACs side by side (`spatial: {meshX: k}`); one block of the unit is k
//! MACs in one cycle. The MAC's `compute` energy is the unit's energy per block over k and its
//! area the unit's area over k, so k instances add up to the unit. The DRAM is left to
//! Accelergy's own DRAM table. The clock is the unit's fmax from static timing when the model
//! has one, else 100 MHz (as `hwcost gemm`).

use std::path::{Path, PathBuf};

use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::Value;

use super::accelergy::{action, comment, document, map};
use crate::cost::command::PricedUnit;

/// The clock without a timing result, MHz (`hwcost gemm`'s fallback).
pub const DEFAULT_CLOCK_MHZ: f64 = 100.0;

fn tagged(tag: &str, value: Value) -> Value {
    Value::Tagged(Box::new(TaggedValue {
        tag: Tag::new(tag),
        value,
    }))
}

/// The name Timeloop gives the MAC of `u` in its tables: the top container, then the
/// component with its instance range.
pub fn mac_table_name(u: &PricedUnit) -> String {
    format!("system.mac[1..{}]", u.cost.lanes)
}

/// Seconds per cycle of `u`.
pub fn cycle_seconds(u: &PricedUnit) -> f64 {
    1e-6 / u.cost.fmax_mhz.unwrap_or(DEFAULT_CLOCK_MHZ)
}

/// The architecture of `u`.
pub fn arch(u: &PricedUnit) -> String {
    let c = &u.cost;
    let nodes = vec![
        tagged(
            "Container",
            map([
                ("name", Value::from("system")),
                (
                    "attributes",
                    map([
                        ("technology", Value::from(c.tech.as_str())),
                        ("global_cycle_seconds", Value::from(cycle_seconds(u))),
                    ]),
                ),
            ]),
        ),
        tagged(
            "Component",
            map([
                ("name", Value::from("DRAM")),
                ("class", Value::from("DRAM")),
                (
                    "attributes",
                    map([
                        ("type", Value::from("LPDDR4")),
                        ("width", Value::from(64)),
                        ("datawidth", Value::from(u.element_bits)),
                    ]),
                ),
            ]),
        ),
        tagged(
            "Container",
            map([
                ("name", Value::from("PE")),
                ("spatial", map([("meshX", Value::from(c.lanes))])),
            ]),
        ),
        tagged(
            "Component",
            map([
                ("name", Value::from("mac")),
                (
                    "class",
                    Value::from(if u.is_int { "intmac" } else { "fpmac" }),
                ),
                (
                    "attributes",
                    map([
                        ("datawidth", Value::from(u.element_bits)),
                        ("multiplier_width", Value::from(u.element_bits)),
                        ("adder_width", Value::from(32)),
                        ("hwcost_unit", Value::from(u.name.as_str())),
                        ("hwcost_format", Value::from(c.format.as_str())),
                    ]),
                ),
            ]),
        ),
    ];
    let doc = map([(
        "architecture",
        map([
            ("version", Value::from(super::accelergy::VERSION)),
            ("nodes", Value::Sequence(nodes)),
        ]),
    )]);
    let head = comment(
        &format!(
            "Timeloop v4 architecture of the hwcost unit {}: {} MACs per cycle.",
            u.name, c.lanes
        ),
        std::slice::from_ref(u),
    );
    head + &serde_yaml::to_string(&doc).expect("YAML of plain values")
}

/// The energy table of the MAC of `u`.
pub fn ert(u: &PricedUnit) -> String {
    let table = map([
        ("name", Value::from(mac_table_name(u))),
        (
            "actions",
            Value::Sequence(vec![
                action("compute", u.cost.energy_pj_per_mac),
                action("leak", 0.0),
            ]),
        ),
    ]);
    document(
        &comment(
            &format!(
                "Energy (pJ) of one MAC of {}: its energy per block / k.",
                u.name
            ),
            std::slice::from_ref(u),
        ),
        "ERT",
        vec![table],
    )
}

/// The area table of the MAC of `u`.
pub fn art(u: &PricedUnit) -> String {
    let table = map([
        ("name", Value::from(mac_table_name(u))),
        ("area", Value::from(u.cost.area_um2_per_mac)),
    ]);
    document(
        &comment(
            &format!("Area (um^2) of one MAC of {}: its area / k.", u.name),
            std::slice::from_ref(u),
        ),
        "ART",
        vec![table],
    )
}

/// Write `DIR/<unit>/{arch,ERT,ART}.yaml` for every unit.
pub fn write_all(units: &[PricedUnit], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for u in units {
        let d = dir.join(&u.name);
        out.push(super::write(&d, "arch.yaml", &arch(u))?);
        out.push(super::write(&d, "ERT.yaml", &ert(u))?);
        out.push(super::write(&d, "ART.yaml", &art(u))?);
    }
    Ok(out)
}
