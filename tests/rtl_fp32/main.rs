//! Tests of the MAC back end (`hwcost::rtl::fp32`): each block in rust-hdl simulation and
//! its emitted Verilog in Icarus against exact references, and Verilator lint.

mod add;
mod harness;
mod lint;
mod prims;
mod reference;
mod scale;
mod to_binary32;
