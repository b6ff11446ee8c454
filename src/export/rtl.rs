//! The files `hwcost rtl` writes beside a unit for timing and for readers:
//!
//! - `<name>.sdc`: the clock on `clk` and zero input and output delays against it, the
//!   constraints under which hwcost's flow reports fmax;
//! - `<name>.sta.tcl`: an OpenSTA script reading a Liberty, the mapped netlist and the SDC,
//!   and reporting the worst path;
//! - `NOTES.md`: the unit contract (ports, packing, reset, latency, numerics), the same text
//!   as `rtl/NOTES.md` of hwcost.

use std::path::{Path, PathBuf};

use crate::cost::source::GENERATOR;

/// The unit contract, as shipped in the repository's `rtl/NOTES.md`.
pub const NOTES_MD: &str = include_str!("../../rtl/NOTES.md");

/// Clock period of the SDC, ns (the synthesized flow's default clock).
pub const CLOCK_NS: f64 = crate::synth::unit_synth::DEFAULT_CLOCK_NS;

/// The SDC of unit `name`: a `period_ns` clock on `clk`, zero delays on every other port.
pub fn sdc(name: &str, period_ns: f64) -> String {
    format!(
        "# {name}: timing constraints ({GENERATOR}).\n\
         # One clock on port clk; inputs arrive and outputs are captured at the clock edge\n\
         # (zero external delay): the constraints under which hwcost reports fmax.\n\
         create_clock -name clk -period {period_ns} [get_ports clk]\n\
         set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]\n\
         set_output_delay 0 -clock clk [all_outputs]\n"
    )
}

/// The netlist file the OpenSTA script reads.
pub fn netlist_file(name: &str) -> String {
    format!("{name}.netlist.v")
}

/// The OpenSTA script of unit `name`. The Liberty is `liberty` when given, else the file
/// named by the environment variable `LIBERTY`.
pub fn sta_script(name: &str, liberty: Option<&Path>) -> String {
    let netlist = netlist_file(name);
    let lib = match liberty {
        Some(p) => format!("set liberty {{{}}}\n", p.display()),
        None => "if {![info exists ::env(LIBERTY)]} {\n\
                 \x20   puts stderr \"set LIBERTY to the Liberty (.lib) file the netlist was mapped to\"\n\
                 \x20   exit 1\n\
                 }\n\
                 set liberty $::env(LIBERTY)\n"
            .to_string(),
    };
    let ys = if liberty.is_some() {
        format!("{name}.liberty.ys")
    } else {
        format!("{name}.liberty.ys (hwcost rtl --liberty LIB)")
    };
    format!(
        "# {name}: static timing with OpenSTA ({GENERATOR}). In this directory, map the unit\n\
         # first with the script {ys}:\n\
         #   yosys -p \"script {name}.liberty.ys; write_verilog -noattr {netlist}\"\n\
         # then run: sta -exit {name}.sta.tcl\n\
         {lib}\
         read_liberty $liberty\n\
         read_verilog {netlist}\n\
         link_design {name}\n\
         read_sdc {name}.sdc\n\
         report_checks -digits 4\n\
         report_wns -digits 4\n"
    )
}

/// Write `<name>.sdc` (a `period_ns` clock), `<name>.sta.tcl` and `NOTES.md` into `dir`; the
/// paths written.
pub fn write_companions(
    name: &str,
    dir: &Path,
    liberty: Option<&Path>,
    period_ns: f64,
) -> anyhow::Result<Vec<PathBuf>> {
    let liberty = match liberty {
        Some(p) => Some(
            p.canonicalize()
                .map_err(|e| anyhow::anyhow!("Liberty {}: {e}", p.display()))?,
        ),
        None => None,
    };
    Ok(vec![
        super::write(dir, &format!("{name}.sdc"), &sdc(name, period_ns))?,
        super::write(
            dir,
            &format!("{name}.sta.tcl"),
            &sta_script(name, liberty.as_deref()),
        )?,
        super::write(dir, "NOTES.md", NOTES_MD)?,
    ])
}
