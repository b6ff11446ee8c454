//! Verification of generated MAC units: test vectors with their expected outputs, the
//! binary record format the simulation harnesses speak, and the backends that run them.

pub mod backends;
pub mod mixed;
pub mod vectors;
pub mod verify;
