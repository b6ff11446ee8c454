pub mod format;
pub mod cost;
