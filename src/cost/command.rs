//! `hwcost cost`: the component breakdown of one unit from a named cost model, as a text table
//! or JSON.

use std::fmt::Write as _;

use super::analytic::{self, AnalyticCost, PsumWidth, UnitParams};
use super::tech::{Cell, Tech, DEFAULT_TECH};

/// The cost models `--model` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKind {
    /// The study's analytic gate model: Table 6 cell counts x technology cell factors, one toggle rate.
    Analytic,
    /// Yosys + sky130 synthesis with simulated activity.
    Synth,
    /// Analytic cell counts with cell factors fitted to synthesis results.
    Calibrated,
    /// Analytic and synthesized side by side, with the error per component.
    Both,
}

/// Area and energy breakdown of one MAC unit.
#[derive(Clone, Debug, clap::Args)]
pub struct CostArgs {
    /// Block format, e.g. mxint8, mxfp8, nvfp4 (or a format .toml file).
    pub format: String,
    /// Lanes k (power of two 1..64); default: the format's block size.
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Psum (aligner) width in bits, or `exact`; default min(2^(x+1)+2y, 24). Ignored for INT.
    #[arg(long, value_name = "N|exact")]
    pub psum_width: Option<String>,
    /// Technology: a built-in name (sky130hd, asap7) or a technology .toml file.
    #[arg(long, default_value = DEFAULT_TECH)]
    pub tech: String,
    /// Cost model.
    #[arg(long, value_enum, default_value_t = ModelKind::Analytic)]
    pub model: ModelKind,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Run `hwcost cost` and print its result on stdout.
pub fn run_cost(args: &CostArgs) -> anyhow::Result<()> {
    print!("{}", cost_report(args)?);
    Ok(())
}

/// What `run_cost` prints.
pub fn cost_report(args: &CostArgs) -> anyhow::Result<String> {
    if args.model != ModelKind::Analytic {
        let name = format!("{:?}", args.model).to_lowercase();
        anyhow::bail!(
            "cost model '{name}' is not available yet in this build; use --model analytic"
        );
    }
    let format = crate::format::lookup(&args.format)?;
    let psum = match &args.psum_width {
        None => PsumWidth::Default,
        Some(s) => s.parse()?,
    };
    let params = UnitParams::new(format, args.lanes, psum)?;
    let tech = Tech::resolve(&args.tech)?;
    let cost = analytic::analytic_cost(&params, &tech);
    Ok(if args.json {
        serde_json::to_string_pretty(&cost)? + "\n"
    } else {
        text_table(&cost)
    })
}

/// The breakdown as an aligned text table.
pub fn text_table(c: &AnalyticCost) -> String {
    let mut s = String::new();
    let n = c
        .psum_width
        .map_or("exact (INT)".to_string(), |n| n.to_string());
    let _ = writeln!(
        s,
        "{}: analytic model, k = {} lanes, psum width {n}, tech {}, toggle rate {}",
        c.format, c.lanes, c.tech, c.toggle_rate
    );
    let _ = write!(s, "{:<22}", "component");
    for cell in Cell::ALL {
        let _ = write!(s, "{:>6}", cell.label());
    }
    let _ = writeln!(
        s,
        "{:>13}{:>7}{:>13}{:>7}",
        "area um^2", "share", "pJ/block", "share"
    );
    for x in &c.components {
        let _ = write!(s, "{:<22}", x.component.label());
        for cell in Cell::ALL {
            let _ = write!(s, "{:>6}", x.cells.get(cell));
        }
        let _ = writeln!(
            s,
            "{:>13.1}{:>6.1}%{:>13.3}{:>6.1}%",
            x.area_um2,
            100.0 * x.area_share,
            x.energy_pj_per_block,
            100.0 * x.energy_share
        );
    }
    let t = &c.total;
    let _ = write!(s, "{:<22}", "total");
    for cell in Cell::ALL {
        let _ = write!(s, "{:>6}", t.cells.get(cell));
    }
    let _ = writeln!(
        s,
        "{:>13.1}{:>7}{:>13.3}",
        t.area_um2, "", t.energy_pj_per_block
    );
    let _ = writeln!(
        s,
        "per MAC: {:.2} um^2, {:.4} pJ",
        t.area_um2_per_mac, t.energy_pj_per_mac
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(format: &str) -> CostArgs {
        CostArgs {
            format: format.into(),
            lanes: None,
            psum_width: None,
            tech: DEFAULT_TECH.into(),
            model: ModelKind::Analytic,
            json: false,
        }
    }

    #[test]
    fn json_carries_the_breakdown_values() {
        let out = cost_report(&CostArgs {
            json: true,
            ..args("mxfp8")
        })
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["format"], "mxfp8");
        assert_eq!(v["lanes"], 32);
        assert_eq!(v["psum_width"], 24);
        assert_eq!(v["tech"], "sky130hd");
        let aligners = v["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["component"] == "aligners")
            .unwrap();
        assert_eq!(aligners["cells"]["mux"], 32 * 24 * 5);
        let want = analytic::analytic_cost(
            &UnitParams::new(
                crate::format::lookup("mxfp8").unwrap(),
                None,
                PsumWidth::Default,
            )
            .unwrap(),
            &Tech::builtin("sky130hd").unwrap(),
        );
        assert_eq!(
            v["total"]["area_um2"].as_f64().unwrap(),
            want.total.area_um2
        );
        assert_eq!(
            v["total"]["energy_pj_per_mac"].as_f64().unwrap(),
            want.total.energy_pj_per_mac
        );
    }

    #[test]
    fn text_table_lists_every_component_and_the_totals() {
        let out = cost_report(&CostArgs {
            lanes: Some(4),
            psum_width: Some("exact".into()),
            tech: "asap7".into(),
            ..args("nvfp4")
        })
        .unwrap();
        assert!(
            out.starts_with("nvfp4: analytic model, k = 4 lanes, psum width 10, tech asap7"),
            "{out}"
        );
        for label in [
            "lane multipliers",
            "aligners",
            "adder tree",
            "normalizer",
            "scale logic",
            "accumulator",
            "total",
            "per MAC",
        ] {
            assert!(out.contains(label), "{label} missing:\n{out}");
        }
        // 4 lanes x 2x2 multiplier = 16 AND.
        let line = out
            .lines()
            .find(|l| l.starts_with("lane multipliers"))
            .unwrap();
        assert_eq!(line.split_whitespace().nth(5), Some("16"), "{line}");
    }

    #[test]
    fn unavailable_models_and_bad_input_give_clear_errors() {
        let e = cost_report(&CostArgs {
            model: ModelKind::Synth,
            ..args("mxint8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("'synth'") && e.contains("not available"), "{e}");
        let e = cost_report(&args("mxint9")).unwrap_err().to_string();
        assert!(e.contains("mxint9"), "{e}");
        let e = cost_report(&CostArgs {
            psum_width: Some("wide".into()),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("'wide'"), "{e}");
        let e = cost_report(&CostArgs {
            lanes: Some(3),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains('3'), "{e}");
        let e = cost_report(&CostArgs {
            tech: "nope.toml".into(),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("nope.toml"), "{e}");
    }

    #[test]
    fn bad_tech_toml_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.toml");
        let text =
            include_str!("../../models/sky130hd.toml").replacen("toggle_rate = 0.41\n", "", 1);
        std::fs::write(&p, text).unwrap();
        let e = cost_report(&CostArgs {
            tech: p.to_str().unwrap().into(),
            ..args("mxfp8")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("toggle_rate") && e.contains("t.toml"), "{e}");
    }

    #[test]
    fn clap_parses_the_documented_command_line() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Wrap {
            #[command(flatten)]
            cost: CostArgs,
        }
        let w = Wrap::try_parse_from([
            "cost",
            "mxfp8",
            "--lanes",
            "16",
            "--psum-width",
            "exact",
            "--tech",
            "asap7",
            "--model",
            "analytic",
            "--json",
        ])
        .unwrap();
        assert_eq!(w.cost.format, "mxfp8");
        assert_eq!(w.cost.lanes, Some(16));
        assert_eq!(w.cost.psum_width.as_deref(), Some("exact"));
        assert_eq!(w.cost.tech, "asap7");
        assert!(w.cost.json);
        let d = Wrap::try_parse_from(["cost", "nvint4"]).unwrap();
        assert_eq!(
            (d.cost.tech.as_str(), d.cost.model),
            (DEFAULT_TECH, ModelKind::Analytic)
        );
        assert!(Wrap::try_parse_from(["cost", "mxfp8", "--model", "magic"]).is_err());
    }
}
