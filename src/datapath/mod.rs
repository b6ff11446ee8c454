//! Datapath components of the generated MAC units: unit parameters and the exact software
//! model (`emulate`) that every RTL backend is checked against.

pub mod emulate;
pub mod mixed;

pub use emulate::{
    add_binary32, block_sum, emulate_block, AccEmu, BlockSum, UnitError, UnitParams, CANONICAL_NAN,
};
