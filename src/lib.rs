pub mod cli;
pub mod cost;
pub mod format;
pub mod report;
pub mod rtl;
