//! Verification of generated MAC units: test vectors with their expected outputs, and the
//! binary record format the simulation harnesses speak.

pub mod vectors;
