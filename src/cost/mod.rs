//! Cost models of the generated MAC units: technology files, the study's analytic model, the
//! synthesized-netlist model (Liberty, yosys, gate-level activity, OpenSTA), and the CLI.

pub mod activity;
pub mod analytic;
pub mod calibrate;
pub mod clock;
pub mod command;
pub mod flow;
pub mod gemm;
pub mod liberty;
pub mod mixed;
pub mod netlist;
pub mod power;
pub mod sim;
pub mod sta;
pub mod sweep;
pub mod synth;
pub mod synth_command;
pub mod tech;
pub mod tools;
pub mod unit_synth;

pub use flow::{run_flow, CostError, FlowRequest, FlowResult, PdkFiles, StageTimes};
