//! `reports/architectures.md`: the synthesized cost of each format under each datapath
//! architecture (`--multiplier`, `--reduction`), and how far the INT/FP verdict moves with the
//! architecture. The defaults' results are the shipped `synth-details.json`; the other
//! architectures' are shipped in `reports/architectures/*.json` (same schema).

use std::fmt::Write as _;
use std::path::Path;

use crate::synth::synth_command::{SynthDetails, ARCH_DIR};
use crate::synth::unit_synth::UnitSynthReport;

/// The INT/FP pairs the verdict is about.
pub const PAIRS: [(&str, &str); 4] = [
    ("mxint8", "mxfp8"),
    ("mxint6", "mxfp6"),
    ("mxint4", "mxfp4"),
    ("nvint4", "nvfp4"),
];

/// The architecture of a synthesized unit as a table label (`booth4 + csa-tree`).
pub fn architecture_of(r: &UnitSynthReport) -> String {
    let (m, red) = r.architecture();
    crate::rtl::arch_label(m, red)
}

/// Every report of `dir/architectures/*.json`, in file-name order.
pub fn load_other(results: &Path) -> Result<Vec<UnitSynthReport>, String> {
    let dir = results.join(ARCH_DIR);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    load_reports(entries)
}

/// Every report in the `*.json` files among `entries` (a folder's listing), in file-name
/// order.
pub fn load_reports(entries: std::fs::ReadDir) -> Result<Vec<UnitSynthReport>, String> {
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        out.extend(SynthDetails::load(&f).map_err(|e| e.to_string())?.units);
    }
    Ok(out)
}

fn find<'a>(all: &'a [&UnitSynthReport], format: &str, arch: &str) -> Option<&'a UnitSynthReport> {
    all.iter()
        .copied()
        .find(|r| r.format == format && architecture_of(r) == arch)
}

/// The report: per format and architecture, then the INT/FP ratios per architecture.
pub fn architectures_markdown(defaults: &SynthDetails, other: &[UnitSynthReport]) -> String {
    let all: Vec<&UnitSynthReport> = defaults.units.iter().chain(other).collect();
    let archs = ["array + cpa-tree", "array + csa-tree", "booth4 + csa-tree"];
    let mut s = String::from("# Datapath architectures: what the INT/FP verdict owes to them\n\n");
    s +=
        "Each unit synthesized by `hwcost synth` (Yosys, sky130_fd_sc_hd tt 25 C 1.8 V, hierarchy \
          kept; energy from gate-level simulated activity on quantized Gaussian blocks; fmax from \
          OpenSTA), default lanes and psum width, no pipeline stages. `array + cpa-tree` is a \
          behavioral multiplier with its own adder per lane and a tree of k - 1 adders; the \
          `csa-tree` units reduce every partial product of every lane in one Dadda tree of \
          full/half adders mapped onto the library's adder cells, with one final adder \
          (`rtl/NOTES.md`). The row marked * is each format's default.\n\n";
    s += "| format | architecture | area (um^2) | energy (pJ/MAC) | fmax (MHz) | area vs array + cpa-tree | synthesis engine |\n";
    s += "|---|---|---:|---:|---:|---:|---|\n";
    let mut formats: Vec<&str> = defaults.units.iter().map(|r| r.format.as_str()).collect();
    formats.dedup();
    for f in &formats {
        let base = find(&all, f, "array + cpa-tree");
        for arch in archs {
            let Some(r) = find(&all, f, arch) else {
                continue;
            };
            let is_default = defaults.units.iter().any(|d| std::ptr::eq(d, r));
            let vs = base.map_or("-".to_string(), |b| {
                format!("{:.2}x", r.hierarchical.area_um2 / b.hierarchical.area_um2)
            });
            let _ = writeln!(
                s,
                "| {f} | {arch}{} | {:.0} | {:.3} | {:.1} | {vs} | {} |",
                if is_default { " *" } else { "" },
                r.hierarchical.area_um2,
                r.hierarchical.energy_pj_per_mac,
                r.fmax_mhz,
                r.provenance.yosys
            );
        }
    }
    s += "\n## INT against FP under each architecture\n\n";
    s += "Ratios INT/FP of area and energy per MAC, both units built the same way; the last \
          column pairs each format's cheapest architecture (best against best), which is the \
          headline.\n\n";
    s += "| pair | array + cpa-tree (area / energy) | csa-tree defaults (area / energy) | best vs best (area / energy) |\n";
    s += "|---|---:|---:|---:|\n";
    for (i, fp) in PAIRS {
        let ratio = |a: Option<&UnitSynthReport>, b: Option<&UnitSynthReport>| match (a, b) {
            (Some(a), Some(b)) => format!(
                "{:.2}x / {:.2}x",
                a.hierarchical.area_um2 / b.hierarchical.area_um2,
                a.hierarchical.energy_pj_per_mac / b.hierarchical.energy_pj_per_mac
            ),
            _ => "-".into(),
        };
        let def = |f: &str| defaults.units.iter().find(|r| r.format == f);
        let best = |f: &str| {
            all.iter()
                .copied()
                .filter(|r| r.format == f)
                .min_by(|a, b| a.hierarchical.area_um2.total_cmp(&b.hierarchical.area_um2))
        };
        let _ = writeln!(
            s,
            "| {i} / {fp} | {} | {} | {} |",
            ratio(
                find(&all, i, "array + cpa-tree"),
                find(&all, fp, "array + cpa-tree")
            ),
            ratio(def(i), def(fp)),
            ratio(best(i), best(fp)),
        );
    }
    s += "\nWhat these numbers leave out: the activity model counts the final value of every net \
          per cycle (zero-delay simulation), so glitches inside the compressor trees and the \
          multipliers are not priced; wires are not priced (no placement). Both favour deep \
          combinational trees; the energy section at the end bounds the glitches with a unit-delay \
          simulation and tries weight-stationary operands (no SDF-annotated simulation). The \
          table above names the engine of each row; the next section repeats the default units \
          under every engine whose results are shipped.\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_are_read_off_unit_names() {
        let d: SynthDetails = serde_json::from_str(include_str!(
            "../../reports/architectures/array-cpa-tree.json"
        ))
        .unwrap();
        let mut r = d.units[0].clone();
        for (name, want) in [
            ("mxint8_mac_k32_n16_p0_booth4_csa", "booth4 + csa-tree"),
            ("mxfp8_mac_k32_n24_p0_array_csa", "array + csa-tree"),
            ("mxfp8_mac_k32_n24_p0_array_cpa", "array + cpa-tree"),
            ("mxfp8_mac_k32_n24_p0", "array + cpa-tree"),
        ] {
            r.unit = name.to_string();
            assert_eq!(architecture_of(&r), want, "{name}");
        }
    }
}
