//! Cost models of the generated MAC units: technology files, the study's analytic model, the CLI.

pub mod analytic;
pub mod command;
pub mod tech;
