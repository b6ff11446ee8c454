pub mod datapath;
pub mod format;
