pub mod cli;
pub mod format;
