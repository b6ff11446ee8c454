//! The activity model behind the synthesized energy (`hwcost synth --delay`, `--activity`):
//! how gates are timed in the gate-level simulation, and which operand streams drive it.
//!
//! - `--delay zero` (the default) counts, per net and cycle, only the settled value's change:
//!   glitches are not priced. `--delay unit` gives every cell a delay of one time unit (1 ps
//!   of a 1 ps timescale, far below any clock period) with transport semantics, so every
//!   spurious transition while the combinational logic settles is simulated and counted as a
//!   full transition: an upper bound on glitch energy, since real cells filter pulses shorter
//!   than their own delay and real delays are unequal.
//! - `--activity gaussian` (the default) draws A and B blocks (elements and scales) afresh
//!   every cycle. `--activity weight-stationary:R` holds every B block (the weights, elements
//!   and scale) for R consecutive blocks while A changes each block, as a weight-stationary
//!   array feeds one MAC unit; R = 1 is the Gaussian stream.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::sim::vectors::Cycle;

/// Default R of `--activity weight-stationary`.
pub const DEFAULT_REUSE: usize = 16;

/// Gate timing of the gate-level simulation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Delay {
    /// every cell switches at once: settled values only, no glitches
    #[default]
    Zero,
    /// every cell has a delay of one time unit: glitches counted (upper bound)
    Unit,
}

impl Delay {
    pub fn name(self) -> &'static str {
        match self {
            Delay::Zero => "zero",
            Delay::Unit => "unit",
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Delay::Zero
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The operand stream of the activity simulation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Activity {
    /// fresh quantized Gaussian A and B blocks every cycle
    #[default]
    Gaussian,
    /// quantized Gaussian blocks, each B block (elements and scale) held for R blocks
    WeightStationary(usize),
}

impl Activity {
    pub fn is_default(&self) -> bool {
        *self == Activity::Gaussian
    }

    /// A file-name-safe label: `gaussian`, `weight-stationary-16`.
    pub fn slug(&self) -> String {
        self.to_string().replace(':', "-")
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activity::Gaussian => f.write_str("gaussian"),
            Activity::WeightStationary(r) => write!(f, "weight-stationary:{r}"),
        }
    }
}

impl FromStr for Activity {
    type Err = String;
    fn from_str(s: &str) -> Result<Activity, String> {
        let bad = || {
            format!(
                "activity `{s}`: expected `gaussian` or `weight-stationary[:R]` with R a whole \
                 number from 1 to 65536"
            )
        };
        match s.split_once(':') {
            None if s == "gaussian" => Ok(Activity::Gaussian),
            None if s == "weight-stationary" => Ok(Activity::WeightStationary(DEFAULT_REUSE)),
            Some(("weight-stationary", r)) => match r.parse::<usize>() {
                Ok(r) if (1..=65536).contains(&r) => Ok(Activity::WeightStationary(r)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

/// The lines the cache key gains for non-default options (none for the defaults, so results
/// made before these options existed keep their keys).
pub fn cache_key_suffix(delay: Delay, activity: Activity) -> String {
    let mut s = String::new();
    if !delay.is_default() {
        s += &format!("delay {delay}\n");
    }
    if !activity.is_default() {
        s += &format!("activity {activity}\n");
    }
    s
}

/// Applies `activity` to a stream: under weight-stationary:R, the k-th valid block (counted
/// from 0, reset cycles excluded) takes its B elements and scale from block R * floor(k / R).
/// Idle and reset cycles are left as they are. The expected outputs must be recomputed.
pub fn apply(activity: Activity, cycles: &mut [Cycle]) {
    let Activity::WeightStationary(r) = activity else {
        return;
    };
    let mut k = 0usize;
    let mut held: Option<(Vec<u32>, u8)> = None;
    for c in cycles.iter_mut() {
        if !c.in_valid || c.rst {
            continue;
        }
        if k.is_multiple_of(r.max(1)) || held.is_none() {
            held = Some((c.b.clone(), c.b_scale));
        } else if let Some((b, s)) = &held {
            c.b.clone_from(b);
            c.b_scale = *s;
        }
        k += 1;
    }
}

/// The functional cell models with every cell in `cells` given a transport delay of one time
/// unit on each output: the module `NAME` becomes `NAME__zd` and a wrapper `NAME` delays its
/// outputs by `#1` (1 ps) through non-blocking assignments, so no pulse is filtered. Errors
/// name a cell without a model or with a vector port.
pub fn unit_delay_models(models: &str, cells: &BTreeSet<String>) -> Result<String, String> {
    let mut out = String::with_capacity(models.len() + cells.len() * 400);
    let mut wrappers = String::from(
        "\n`timescale 1ps/1ps\n// unit-delay wrappers generated by hwcost (src/synth/activity.rs)\n",
    );
    let mut found = BTreeSet::new();
    // (name, [(direction, port)]) of the cell module being read
    let mut current: Option<(String, Vec<(bool, String)>)> = None;
    for line in models.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("module ") {
            let name = rest
                .split(|c: char| c == '(' || c.is_whitespace())
                .next()
                .unwrap_or("");
            if cells.contains(name) {
                let indent = &line[..line.len() - t.len()];
                out += &format!("{indent}module {name}__zd{}\n", &rest[name.len()..]);
                current = Some((name.to_string(), Vec::new()));
                continue;
            }
        }
        if let Some((name, ports)) = current.as_mut() {
            for (kw, is_out) in [("output ", true), ("input ", false)] {
                if let Some(decl) = t.strip_prefix(kw) {
                    if decl.contains('[') {
                        return Err(format!("cell `{name}` has a vector port: {t}"));
                    }
                    for p in decl.trim_end().trim_end_matches(';').split(',') {
                        let p = p.trim();
                        if !p.is_empty() {
                            ports.push((is_out, p.to_string()));
                        }
                    }
                }
            }
            if t.starts_with("endmodule") {
                let (name, ports) = current.take().expect("in a module");
                wrappers += &wrapper(&name, &ports);
                found.insert(name);
            }
        }
        out += line;
        out.push('\n');
    }
    if let Some(missing) = cells.iter().find(|c| !found.contains(*c)) {
        return Err(format!("cell `{missing}` has no functional model"));
    }
    out += &wrappers;
    Ok(out)
}

fn wrapper(name: &str, ports: &[(bool, String)]) -> String {
    let list: Vec<&str> = ports.iter().map(|(_, p)| p.as_str()).collect();
    let mut w = format!("module {name} ({});\n", list.join(", "));
    let mut conns = Vec::new();
    let mut body = String::new();
    for (is_out, p) in ports {
        if *is_out {
            w += &format!("  output {p};\n  wire hwcost_zd_{p};\n  reg hwcost_ud_{p};\n  assign {p} = hwcost_ud_{p};\n");
            conns.push(format!(".{p}(hwcost_zd_{p})"));
            body += &format!(
                "  always @(hwcost_zd_{p}) hwcost_ud_{p} <= #1 hwcost_zd_{p};\n  \
                 initial #1 hwcost_ud_{p} = hwcost_zd_{p};\n"
            );
        } else {
            w += &format!("  input {p};\n");
            conns.push(format!(".{p}({p})"));
        }
    }
    w += &format!("  {name}__zd hwcost_cell ({});\n", conns.join(", "));
    w += &body;
    w += "endmodule\n";
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_parses_and_prints() {
        assert_eq!("gaussian".parse(), Ok(Activity::Gaussian));
        assert_eq!(
            "weight-stationary".parse(),
            Ok(Activity::WeightStationary(DEFAULT_REUSE))
        );
        assert_eq!(
            "weight-stationary:4".parse(),
            Ok(Activity::WeightStationary(4))
        );
        for bad in [
            "",
            "ws",
            "weight-stationary:0",
            "weight-stationary:x",
            "gaussian:2",
        ] {
            assert!(bad.parse::<Activity>().is_err(), "{bad}");
        }
        assert_eq!(
            Activity::WeightStationary(16).to_string(),
            "weight-stationary:16"
        );
        assert_eq!(
            Activity::WeightStationary(16).slug(),
            "weight-stationary-16"
        );
    }

    #[test]
    fn default_options_add_nothing_to_the_cache_key() {
        assert_eq!(cache_key_suffix(Delay::Zero, Activity::Gaussian), "");
        let keys: BTreeSet<String> = [
            cache_key_suffix(Delay::Unit, Activity::Gaussian),
            cache_key_suffix(Delay::Zero, Activity::WeightStationary(16)),
            cache_key_suffix(Delay::Zero, Activity::WeightStationary(8)),
            cache_key_suffix(Delay::Unit, Activity::WeightStationary(16)),
        ]
        .into();
        assert_eq!(keys.len(), 4);
    }

    #[test]
    fn models_get_wrapped_with_a_transport_delay() {
        let models = "`timescale 1ns / 1ps\nmodule sky130_x_1 (\n    Y ,\n    A\n);\n    output Y ;\n    input  A ;\n    sky130_x base (.Y(Y), .A(A));\nendmodule\nmodule sky130_x (Y, A);\n  output Y;\n  input A;\n  not n0 (Y, A);\nendmodule\n";
        let cells: BTreeSet<String> = ["sky130_x_1".to_string()].into();
        let m = unit_delay_models(models, &cells).unwrap();
        assert!(m.contains("module sky130_x_1__zd ("), "{m}");
        assert!(m.contains("module sky130_x (Y, A);"), "{m}");
        assert!(m.contains("module sky130_x_1 (Y, A);"), "{m}");
        assert!(
            m.contains("sky130_x_1__zd hwcost_cell (.Y(hwcost_zd_Y), .A(A));"),
            "{m}"
        );
        assert!(m.contains("hwcost_ud_Y <= #1 hwcost_zd_Y;"), "{m}");
        let missing: BTreeSet<String> = ["sky130_y_1".to_string()].into();
        assert!(unit_delay_models(models, &missing)
            .unwrap_err()
            .contains("sky130_y_1"));
    }
}
