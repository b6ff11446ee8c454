//! SCALE-Sim configuration (`.cfg`, the INI file SCALE-Sim v2 and v3 read) of a unit.
//!
//! The array, dataflow and buffer are `hwcost gemm`'s defaults: 16x16 units, output
//! stationary, a 128 KiB buffer. Each SCALE-Sim PE stands for one unit, which reduces k element
//! pairs per cycle: a topology's reduction dimension divided by k gives the unit's cycles.
//! SCALE-Sim counts one byte per word, so each SRAM size is written as the kB of 8-bit words
//! that hold as many elements as the buffer holds of this format (its bits per element, block
//! scale included). A `[hwcost]` section, which SCALE-Sim does not read, carries the format's
//! word size and the unit's numbers.

use std::path::{Path, PathBuf};

use ini::Ini;

use super::provenance_comment;
use crate::arch::gemm::{ArraySize, DEFAULT_ARRAY, DEFAULT_SRAM_KIB};
use crate::cost::command::PricedUnit;

/// SCALE-Sim's default operand offsets (word addresses).
const OFFSETS: [u64; 3] = [0, 10_000_000, 20_000_000];

/// kB of 8-bit words holding as many elements as `kib` KiB of `bits_per_element`-bit ones.
pub fn sram_kb_in_bytes(kib: f64, bits_per_element: f64) -> u64 {
    (kib * 8.0 / bits_per_element).floor() as u64
}

/// The configuration of `u`.
pub fn config(u: &PricedUnit) -> String {
    let array: ArraySize = DEFAULT_ARRAY.parse().expect("the default array parses");
    let kb = sram_kb_in_bytes(DEFAULT_SRAM_KIB, u.bits_per_element).to_string();
    let c = &u.cost;
    let mut ini = Ini::new();
    ini.with_section(Some("general"))
        .set("run_name", format!("hwcost_{}", u.name));
    ini.with_section(Some("architecture_presets"))
        .set("ArrayHeight", array.rows.to_string())
        .set("ArrayWidth", array.cols.to_string())
        .set("IfmapSramSzkB", kb.as_str())
        .set("FilterSramSzkB", kb.as_str())
        .set("OfmapSramSzkB", kb.as_str())
        .set("IfmapOffset", OFFSETS[0].to_string())
        .set("FilterOffset", OFFSETS[1].to_string())
        .set("OfmapOffset", OFFSETS[2].to_string())
        .set("Bandwidth", "10")
        .set("Dataflow", "os")
        .set("MemoryBanks", "1");
    ini.with_section(Some("run_presets"))
        .set("InterfaceBandwidth", "CALC");
    ini.with_section(Some("hwcost"))
        .set("Unit", u.name.as_str())
        .set("Format", c.format.as_str())
        .set("Lanes", c.lanes.to_string())
        .set("ElementBits", u.element_bits.to_string())
        .set("BitsPerElement", u.bits_per_element.to_string())
        .set("BufferKiB", DEFAULT_SRAM_KIB.to_string())
        .set("EnergyPerBlockPj", c.energy_pj_per_block.to_string())
        .set("EnergyPerMacPj", c.energy_pj_per_mac.to_string())
        .set("AreaUm2", c.area_um2.to_string())
        .set("AreaPerMacUm2", c.area_um2_per_mac.to_string())
        .set(
            "ClockMHz",
            c.fmax_mhz
                .unwrap_or(super::timeloop::DEFAULT_CLOCK_MHZ)
                .to_string(),
        );
    let mut body = Vec::new();
    // Writing into memory cannot fail.
    ini.write_to(&mut body).expect("INI into memory");
    let head = provenance_comment(
        "#",
        &format!("SCALE-Sim configuration of the hwcost unit {}.", u.name),
        &u.provenance,
    );
    let note = format!(
        "# Each PE is one {k}-lane unit: divide the reduction dimension of a topology by {k}.\n\
         # SRAM sizes: {kib} KiB of {bits}-bit elements, as kB of the 8-bit words SCALE-Sim counts.\n",
        k = c.lanes,
        kib = DEFAULT_SRAM_KIB,
        bits = u.bits_per_element
    );
    head + &note + &String::from_utf8(body).expect("INI text is UTF-8")
}

/// Write `DIR/<unit>.cfg` for every unit.
pub fn write_all(units: &[PricedUnit], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    units
        .iter()
        .map(|u| super::write(dir, &format!("{}.cfg", u.name), &config(u)))
        .collect()
}
