pub mod format;
pub mod rtl;
