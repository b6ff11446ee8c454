//! hwcost: integer vs floating-point block-scaled formats, from a bit-exact quantizer to
//! generated, verified and costed MAC hardware.
//!
//! Everything but the quantizer ([`format`]) and the small modules it uses is behind the
//! default feature `hardware`; the Python package builds the quantizer alone.

#[cfg(feature = "hardware")]
pub mod arch;
pub mod args;
pub mod atomic;
#[cfg(feature = "hardware")]
pub mod cli;
#[cfg(feature = "hardware")]
pub mod cost;
#[cfg(feature = "hardware")]
pub mod datapath;
#[cfg(feature = "hardware")]
pub mod export;
pub mod fields;
pub mod format;
pub mod machine;
pub mod progress;
#[cfg(feature = "hardware")]
pub mod report;
#[cfg(feature = "hardware")]
pub mod rtl;
#[cfg(feature = "hardware")]
pub mod shipped;
#[cfg(feature = "hardware")]
pub mod sim;
#[cfg(feature = "hardware")]
pub mod synth;
