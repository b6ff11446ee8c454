pub mod datapath;
pub mod format;
pub mod sim;
