//! The energy-honesty section of `reports/architectures.md`: what the activity model omits and
//! how far its sensitivities (`hwcost synth --delay unit`, `--activity weight-stationary:R`,
//! shipped in `reports/architectures/energy/*.json`) move the INT/FP energy ratio of the
//! headline pairs.

use std::fmt::Write as _;
use std::path::Path;

use crate::synth::synth_command::SynthDetails;
use crate::synth::unit_synth::UnitSynthReport;

/// Folder (under the results directory) of the energy sensitivities.
pub const ENERGY_DIR: &str = "architectures/energy";

/// The pairs the sensitivities are run for.
pub const PAIRS: [(&str, &str); 2] = [("mxint8", "mxfp8"), ("nvint4", "nvfp4")];

/// Every report of `dir/architectures/energy/*.json`, in file-name order (none if the folder
/// is missing).
pub fn load_energy(results: &Path) -> Result<Vec<UnitSynthReport>, String> {
    let Ok(entries) = std::fs::read_dir(results.join(ENERGY_DIR)) else {
        return Ok(Vec::new());
    };
    super::architectures::load_reports(entries)
}

/// The activity model of a report as a column label.
fn model(r: &UnitSynthReport) -> String {
    format!("{} delay, {}", r.provenance.delay, r.provenance.activity)
}

/// The section; empty when no sensitivity is shipped.
pub fn energy_markdown(defaults: &SynthDetails, sens: &[UnitSynthReport]) -> String {
    if sens.is_empty() {
        return String::new();
    }
    // only sensitivities of the Verilog the defaults were synthesized from
    let current: Vec<&UnitSynthReport> = sens
        .iter()
        .filter(|r| {
            defaults.units.iter().any(|d| {
                d.format == r.format && d.provenance.verilog_sha256 == r.provenance.verilog_sha256
            })
        })
        .collect();
    if current.is_empty() {
        return format!(
            "\n## Energy: what the activity model omits, and two sensitivities\n\n\
             The {} shipped sensitivity results in `reports/{ENERGY_DIR}/` were measured on \
             units of an earlier generator (other Verilog than the default units above), so \
             none is shown; rerun them with `hwcost synth FORMAT --delay unit` or \
             `--activity weight-stationary:16` and `--write-energy reports/{ENERGY_DIR}`.\n",
            sens.len()
        );
    }
    // the defaults' units (same Verilog), then the sensitivities' models in file order
    let mut models: Vec<String> = vec!["zero delay, gaussian".to_string()];
    for r in sens {
        let m = model(r);
        if !models.contains(&m) {
            models.push(m);
        }
    }
    let find = |format: &str, m: &str| -> Option<&UnitSynthReport> {
        let base = defaults.units.iter().find(|r| r.format == format)?;
        if m == models[0] {
            return Some(base);
        }
        current
            .iter()
            .copied()
            .find(|r| r.format == format && model(r) == m)
    };
    let mut s =
        String::from("\n## Energy: what the activity model omits, and two sensitivities\n\n");
    s += "The energy above is the Liberty internal power of every cell and the switching of the \
          fanout pin capacitances per net toggle (the Liberty has no wire-load model), from a zero-delay gate-level simulation of quantized Gaussian blocks with \
          fresh A and B every cycle. It omits: wire capacitance beyond the pin loads (no \
          placement or routing), glitches (zero delay counts each net's settled change per \
          cycle only), the clock tree (only the flip-flop clock pins and the clock net's pin \
          load are priced), and memory (no SRAM, register file or operand delivery). Two \
          sensitivities bracket the activity part, each rerunning the simulation of the same \
          default netlists (`hwcost synth --write-energy`): `weight-stationary:16` holds each B \
          block (weights and their scale) for 16 blocks while A changes, as a weight-stationary \
          array feeds a unit; `unit delay` gives every cell a delay of one time unit with \
          transport semantics, so every glitch is simulated and counted as a full transition \
          (an upper bound: real cells filter short pulses). Energy per MAC, hierarchy kept, \
          sky130_fd_sc_hd tt 25 C 1.8 V, Yosys, Icarus Verilog; default architectures.\n\n";
    s += "| format |";
    for m in &models {
        let _ = write!(s, " {m} (pJ/MAC) |");
    }
    s += "\n|---|";
    s += &"---:|".repeat(models.len());
    s += "\n";
    let mut formats: Vec<&str> = Vec::new();
    for (i, f) in PAIRS {
        formats.push(i);
        formats.push(f);
    }
    for f in &formats {
        let _ = write!(s, "| {f} |");
        for m in &models {
            match find(f, m) {
                Some(r) => {
                    let _ = write!(s, " {:.3} |", r.hierarchical.energy_pj_per_mac);
                }
                None => s += " - |",
            }
        }
        s += "\n";
    }
    s += "\nINT/FP energy ratio per MAC under each model, and its move against the default \
          model:\n\n| pair |";
    for m in &models {
        let _ = write!(s, " {m} |");
    }
    s += "\n|---|";
    s += &"---:|".repeat(models.len());
    s += "\n";
    for (i, f) in PAIRS {
        let ratio = |m: &str| -> Option<f64> {
            Some(
                find(i, m)?.hierarchical.energy_pj_per_mac
                    / find(f, m)?.hierarchical.energy_pj_per_mac,
            )
        };
        let base = ratio(&models[0]);
        let _ = write!(s, "| {i} / {f} |");
        for (k, m) in models.iter().enumerate() {
            match (ratio(m), base) {
                (Some(r), Some(b)) if k > 0 => {
                    let _ = write!(s, " {r:.2}x ({:+.0}%) |", 100.0 * (r / b - 1.0));
                }
                (Some(r), _) => {
                    let _ = write!(s, " {r:.2}x |");
                }
                _ => s += " - |",
            }
        }
        s += "\n";
    }
    // how far each sensitivity moves the ratio, and how much it scales the energy
    for m in models.iter().skip(1) {
        let mut moves = Vec::new();
        let mut scale: Vec<f64> = Vec::new();
        for (i, f) in PAIRS {
            let e = |fmt: &str, m: &str| find(fmt, m).map(|r| r.hierarchical.energy_pj_per_mac);
            if let (Some(a), Some(b), Some(c), Some(d)) =
                (e(i, m), e(f, m), e(i, &models[0]), e(f, &models[0]))
            {
                moves.push(format!("{i} / {f} {:.2}x -> {:.2}x", c / d, a / b));
                scale.extend([a / c, b / d]);
            }
        }
        if moves.is_empty() {
            continue;
        }
        let lo = scale.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = scale.iter().copied().fold(0.0, f64::max);
        let _ = writeln!(
            s,
            "\n- {m}: energy per MAC x{lo:.2} to x{hi:.2} of the default model; INT/FP {}.",
            moves.join(", ")
        );
    }
    s += "\nNeither sensitivity makes an INT unit cost more energy per MAC than its FP partner. \
          Wires, the clock tree and memory, which this flow does not price, add energy to both \
          units of a pair that does not depend on the number format in the same way, and would \
          move each ratio towards 1.\n";
    let _ = writeln!(
        s,
        "\nSensitivity runs: {}.",
        sens.first().map_or(String::new(), |r| format!(
            "{}, {}, liberty sha256 {}",
            r.provenance.yosys, r.provenance.iverilog, r.provenance.liberty_sha256
        ))
    );
    s
}
