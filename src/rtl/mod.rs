pub mod fp32;
