//! hwcost: integer vs floating-point block-scaled formats, from a bit-exact quantizer to
//! generated, verified and costed MAC hardware.

pub mod arch;
pub mod atomic;
pub mod cli;
pub mod cost;
pub mod datapath;
pub mod export;
pub mod fields;
pub mod format;
pub mod machine;
pub mod progress;
pub mod report;
pub mod rtl;
pub mod shipped;
pub mod sim;
pub mod synth;
