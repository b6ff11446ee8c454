pub mod cli;
pub mod cost;
pub mod format;
pub mod rtl;
