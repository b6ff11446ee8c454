//! The synthesized-netlist cost flow: external tools, Liberty, yosys ([`yosys`]), the netlist,
//! gate-level simulation and activity, power, OpenSTA, one unit end to end ([`unit_synth`]),
//! clock targets, the mixed units, and `hwcost synth` ([`synth_command`]).

pub mod activity;
pub mod clock;
pub mod flow;
pub mod liberty;
pub mod mixed;
pub mod netlist;
pub mod power;
pub mod sim;
pub mod sta;
pub mod synth_command;
pub mod tools;
pub mod unit_synth;
pub mod yosys;

pub use flow::{run_flow, CostError, FlowRequest, FlowResult, PdkFiles, StageTimes};
