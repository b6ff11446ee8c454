//! The value parsers and limits the commands' arguments share (clap `value_parser`s): each
//! refuses a bad value with the limit named.

/// Largest count of random blocks, samples or vectors a command accepts: enough for any
/// measurement hwcost reports (the defaults are 10,000), small enough that the memory of one
/// run stays in the hundreds of megabytes and it ends in minutes.
pub const MAX_SAMPLES: usize = 1_000_000;

/// Most points of a crest-factor table.
pub const MAX_POINTS: usize = 10_000;

/// A count from 1 to `MAX` (a clap value parser), refused with the limit named.
pub fn count<const MAX: usize>(s: &str) -> Result<usize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a whole number"))?;
    if !(1..=MAX).contains(&n) {
        return Err(format!("must be 1 to {MAX}, got {n}"));
    }
    Ok(n)
}

#[cfg(feature = "hardware")]
/// Extra pipeline stages S, 0 to [`crate::rtl::MAX_PIPELINE`], the same limit for every
/// command (the RTL generator builds no deeper unit, so no model costs one).
pub fn pipeline<T: TryFrom<usize>>(s: &str) -> Result<T, String> {
    let max = crate::rtl::MAX_PIPELINE;
    let n: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a whole number"))?;
    if n > max as u64 {
        return Err(format!("pipeline stages must be 0 to {max}, got {n}"));
    }
    T::try_from(n as usize).map_err(|_| format!("pipeline stages must be 0 to {max}, got {n}"))
}

/// A number within `lo..=hi` (finite), refused with the range named.
fn number_in(s: &str, lo: f64, hi: f64, what: &str) -> Result<f64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if !(x.is_finite() && lo <= x && x <= hi) {
        return Err(format!("{what} must be in [{lo:e}, {hi:e}], got {s}"));
    }
    Ok(x)
}

/// A clock period in ns: more than 0 (1 fs at least), at most 1 s.
pub fn period_ns(s: &str) -> Result<f64, String> {
    number_in(s, 1e-6, 1e9, "the clock period (ns)")
}

/// A clock frequency in MHz: 1 Hz to 1 THz.
pub fn clock_mhz(s: &str) -> Result<f64, String> {
    number_in(s, 1e-6, 1e6, "the clock (MHz)")
}
