//! Architecture-level models built on the unit costs: a GEMM on a 2-D array of MAC units
//! ([`gemm`], `hwcost gemm`) and design-space sweeps with their Pareto front ([`sweep`],
//! `hwcost sweep`).

pub mod gemm;
pub mod sweep;
