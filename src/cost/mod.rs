//! Cost models of the generated MAC units: technology files ([`tech`]), the study's analytic
//! gate model ([`analytic`]), the model calibrated to synthesis ([`calibrate`]), the boundary
//! every model answers through ([`source`]: unit costs, results tables, provenance) and
//! `hwcost cost` ([`command`]).
//! The synthesis flow that measures netlists is in [`crate::synth`].

pub mod analytic;
pub mod calibrate;
pub mod command;
pub mod source;
pub mod tech;
