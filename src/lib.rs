pub mod cli;
pub mod cost;
pub mod datapath;
pub mod format;
pub mod rtl;
pub mod sim;
