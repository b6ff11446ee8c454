pub mod cli;
pub mod format;
pub mod cost;
pub mod report;
