//! The back end of a generated MAC unit as combinational rust-hdl blocks: scale combine,
//! conversion of the block sum to binary32 (normalizer-rounder), and the FP32 adder of the
//! accumulator. Numeric contract: rtl/NOTES.md and the software model, `crate::datapath::emulate`.
//!
//! The front end instantiates, per unit:
//! - MX formats (UE8M0 scales): [`ScaleCombineUe8m0`] and [`ToBinary32<SW>`];
//! - NV formats (E4M3 scales): [`ScaleCombineE4m3`] and [`ToBinary32Nv<SW, PW>`] (PW = SW + 8);
//! - user formats with UE5M3 scales: [`ScaleCombineUe5m3`] and [`ToBinary32Nv<SW, PW>`];
//! - always: [`Fp32Add`] for `acc + R`.
//!
//! Every block is `Default`-constructed, is combinational, and becomes its own Verilog
//! module (named by rust-hdl after its instance path). Widths are const generics; the
//! sum-width-dependent blocks accept 2 <= SW <= 103 (PW = SW + 8 <= 103 for NV).
//!
//! Glue logic is `#[hdl_gen]`; the operators rust-hdl lacks are the primitives of [`prim`],
//! the only code whose simulation and Verilog are written separately. Rules the glue keeps,
//! because rust-hdl's simulator and its Verilog can disagree or the Verilog would not lint:
//! - every constant is a sized `Constant` (a bare literal is 32 bits wide in Verilog);
//! - both sides of every operator and assignment have one width; width changes go through
//!   [`prim::Cat`] (concatenation and slicing as part-selects) or a primitive's ports;
//! - mixed bitwise/compare expressions are parenthesized (rust-hdl emits no parentheses);
//! - statements are in dataflow order (Icarus evaluates an `always @(*)` once per event);
//! - an always block that feeds a sub-block must not combine that sub-block's outputs with
//!   its own temporaries: Verilator cannot split such a block and reports UNOPTFLAT, so a
//!   parent with sub-blocks only wires them (see [`Fp32Add`]'s stages);
//! - no signal is named after a Verilog or SystemVerilog keyword (`small`, `packed`, ...).

pub mod add;
pub mod prim;
pub mod round;
pub mod scale;
pub mod to_binary32;

pub use add::Fp32Add;
pub use round::{NormRound, RoundPack};
pub use scale::{ScaleCombineE4m3, ScaleCombineUe5m3, ScaleCombineUe8m0};
pub use to_binary32::{
    ExpSum, ToBinary32, ToBinary32Nv, SPECIAL_NAN, SPECIAL_NEG_INF, SPECIAL_POS_INF,
};

/// The canonical quiet NaN every NaN result is replaced by.
pub const QNAN: u32 = 0x7FC0_0000;
/// +Inf.
pub const POS_INF: u32 = 0x7F80_0000;
/// -Inf.
pub const NEG_INF: u32 = 0xFF80_0000;
/// +0.
pub const ZERO: u32 = 0;
/// -0.
pub const NEG_ZERO: u32 = 0x8000_0000;
/// Exponent field all ones, fraction zero: the magnitude bits of an infinity.
pub const INF_MAG: u32 = 0x7F80_0000;
