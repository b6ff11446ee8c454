//! QSNR of block formats: the study's closed-form theory as a function of the crest factor,
//! the crest factor where an INT format and an FP format of the same width meet, and the
//! `hwcost qsnr` command.
//!
//! # The model (arXiv 2510.25602, Appendix on QSNR, and its released `theoretical_comparisons.py`)
//!
//! QSNR = -10 log10(E[(x - q(x))^2] / E[x^2]) in dB. A block holds `g` values drawn from
//! N(0, sigma^2); its crest factor is kappa = max|x| / sigma. The block scale maps the block
//! maximum onto the element maximum `Qmax`: s = kappa sigma / Qmax, stored as s' = rho s,
//! where rho >= 1 is what rounding the scale onto its own grid costs (UE8M0 rounds up to a
//! power of two, rho in [1, 2); the study plots rho = 1.5 for UE8M0 and rho = 1.05 for E4M3).
//! Writing z = x / sigma (standard normal), an element-domain threshold T (in units of s')
//! is the z-threshold tau = T rho kappa / Qmax. Everything below is relative to sigma^2.
//!
//! **INT (b bits).** The grid step is s' in x units; rounding error is uniform on a step,
//! variance s'^2 / 12, and nothing clips (the scale was chosen so the maximum fits). The study
//! takes Qmax ~ 2^(b-1), so the relative error is (rho kappa)^2 / (12 * 4^(b-1)) and
//! QSNR = 10 log10(12 * 4^(b-1)) - 20 log10(rho) - 20 log10(kappa)
//!      = 4.77 + 6.02 b - 20 log10(rho) - 20 log10(kappa).
//! (The study rounds the constant to 4.78 + 6.02 b; the exact one moves every crossover below
//! by less than 0.004 in kappa and 0.002 dB. The real symmetric grid stops at 2^(b-1) - 1,
//! which the theory ignores: 0.07 dB for INT8, 1.16 dB for INT4.)
//! With an E4M3 scale (NV) the scale is a near-exact copy of amax / Qmax, so the block maximum
//! is reproduced without error: one of the `g` elements carries no error, and the relative
//! error is multiplied by (1 - 1/g), i.e. + 10 log10(g / (g - 1)) dB. The released code keeps
//! the rho term in this case too (rho = 1.05), and so does hwcost.
//!
//! **FP (M mantissa bits, exponent bias B, largest value Qmax).** Three regions of |z|:
//! - normal, |element| >= 2^(1-B), i.e. |z| > tau_N = 2^(1-B) rho kappa / Qmax. In the binade
//!   [2^E, 2^(E+1)) the step is 2^(E-M) and the error variance 4^(E-M) / 12; with the element
//!   spread uniformly over the binade, E[1 / e^2] = 1 / (2 * 4^E), so the mean relative error
//!   is alpha_M = 1 / (24 * 4^M). These values contribute alpha_M * w_norm, with
//!   w_norm = E[z^2; |z| > tau_N] = 2 (tau_N phi(tau_N) + 1 - Phi(tau_N)), the share of the
//!   block energy that lands in the normal range.
//! - subnormal, 2^(-B-M) <= |element| < 2^(1-B): a fixed step 2^(1-B-M), error variance
//!   4^(1-B-M) / 12 in element units, i.e. beta (rho kappa)^2 in sigma^2 units with
//!   beta = 4^(1-B-M) / (12 Qmax^2), weighted by p_sub = P(tau_0 < |z| < tau_N)
//!   = 2 (Phi(tau_N) - Phi(tau_0)).
//! - flushed to zero, |element| < 2^(-B-M) (half the smallest subnormal):
//!   |z| < tau_0 = 2^(-B-M) rho kappa / Qmax. The error is the value itself, so these
//!   contribute w_zero = E[z^2; |z| < tau_0] = 2 Phi(tau_0) - 1 - 2 tau_0 phi(tau_0). The paper's
//!   formula leaves this term out; the released code adds it, and so does hwcost.
//!
//! QSNR = -10 log10(alpha_M w_norm + beta (rho kappa)^2 p_sub + w_zero). With ample range
//! (w_norm -> 1, p_sub -> 0) FP caps at 10 log10(24) + 6.02 M = 13.80 + 6.02 M dB.
//! With an E4M3 scale the block maximum is again exact; its share of the block energy,
//! kappa^2 / g, is taken out of the normal-range energy: w_norm -> max(0, w_norm - kappa^2 / g).
//!
//! Phi is the standard normal CDF and phi its density, both through `statrs`' erf / erfc.
//! The model treats z as unbounded N(0, 1) rather than conditioned on the block maximum, as
//! the study does; with these formulas the four crossovers the study reports are reproduced
//! to 0.004 in kappa and 0.002 dB (tests/qsnr.rs).
//!
//! **What sigma is.** The INT term counts the error of all g elements against g sigma^2 of
//! signal, and the NV adjustment gives the maximum kappa^2 sigma^2 of those g sigma^2. Both
//! read consistently only if sigma is the block's own rms, so that the block energy is
//! g sigma^2 with the maximum's share in it; then kappa <= sqrt(g) (5.66 for g = 32, 4 for
//! g = 16), which is also where the NV adjustment's clamp sets in. The study plots kappa up
//! to 12 and its MXINT8/MXFP8 crossover (7.55) lies beyond sqrt(32): there the formulas are
//! a model, not a block that exists.
//!
//! # Measurement
//!
//! [`measure_gaussian`] quantizes seeded Gaussian blocks (ChaCha8 + `rand_distr`) with the
//! bit-exact quantizer under the study's rules (`ceil` for UE8M0, `nv-study` for E4M3, RNE).
//! [`measure_gaussian_at`] does the same with blocks of a given crest factor, max|x| / rms(x)
//! = kappa exactly: one element is +-kappa (at a random position), the other g - 1 are a
//! Gaussian draw scaled to carry the remaining energy g - kappa^2, redrawn until none of
//! them exceeds kappa; that is a Gaussian block conditioned on its crest factor. This needs
//! 1 <= kappa < sqrt(g) (at sqrt(g) the block is a lone spike); near 1 almost no draw
//! qualifies and the measurement is refused (see [`MAX_DRAWS`]).
//! Every block is multiplied by sigma = 2^u, u uniform in [0, 1), so the power-of-two scale
//! overhead rho spreads over [1, 2) as in real data instead of being pinned by one choice of
//! sigma. The QSNR is -10 log10(sum_b e_b / sum_b x_b) where e_b and x_b are a block's error
//! and signal energy divided by its sigma^2: a plain ratio of sums would weight the blocks by
//! 4^u and make the result swing with the position of kappa between powers of two. Tensors of
//! [`TENSOR_BLOCKS`] blocks give the NV per-tensor scale.

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::Serialize;
use statrs::function::erf::{erf, erfc};

use super::quantize::{quantize_dequantize_into, QuantError, QuantOptions, ScaleRule};
use super::{spec, BlockFormat, ElemFormat, FormatError, ScaleFormat};

/// Lowest crest factor searched and accepted: a block's maximum is never below its rms.
pub const KAPPA_MIN: f64 = 1.0;
/// Highest crest factor accepted on the command line.
pub const KAPPA_MAX: f64 = 1.0e4;
/// Highest crest factor searched for a crossover. The study plots 1..12; past 100 a block is
/// one spike over noise, and pairs of different widths meet only where both curves are near
/// 0 dB (MXINT8 and MXFP4 at kappa 296, where FP4 flushes everything to zero and the INT
/// closed form, which knows no flushing, predicts as much noise as signal): a meeting of two
/// useless formats, not a crossover.
pub const CROSSOVER_KAPPA_MAX: f64 = 100.0;

/// The study's rho for UE8M0 scales (rounded up to a power of two: rho in [1, 2)).
pub const RHO_UE8M0: f64 = 1.5;
/// The study's rho for E4M3 scales (rounded to nearest with 3 mantissa bits).
pub const RHO_E4M3: f64 = 1.05;

/// Largest scale overhead rho accepted (a real one is below 2; far larger ones only drive
/// the theory past where its terms stay finite).
pub const MAX_RHO: f64 = 1e6;

/// Errors of the QSNR computations and of `hwcost qsnr`.
#[derive(Debug, thiserror::Error)]
pub enum QsnrError {
    #[error("bad crest-factor range '{given}': {why}")]
    BadRange { given: String, why: String },
    #[error("bad --points {0}: must be 1 to {max}", max = crate::args::MAX_POINTS)]
    BadPoints(usize),
    #[error("bad rho {0}: the scale overhead must be a number from 1 to {MAX_RHO:e}")]
    BadRho(f64),
    #[error("a crossover needs an INT format then an FP format, got '{int}' ({int_elem}) and '{fp}' ({fp_elem})")]
    NotIntFp {
        int: String,
        int_elem: String,
        fp: String,
        fp_elem: String,
    },
    #[error("'{int}' and '{fp}' do not cross for crest factors in [{lo}, {hi}]: {why}")]
    NoCrossover {
        int: String,
        fp: String,
        lo: f64,
        hi: f64,
        why: &'static str,
    },
    #[error("bad --samples {0}: need at least 1 block")]
    BadSamples(usize),
    #[error("cannot measure at crest factor {kappa} with blocks of {g}: {why}")]
    Unmeasurable { kappa: f64, g: usize, why: String },
    #[error("scale rule '{rule}' fits none of the formats {formats:?} (UE8M0 rules for MX formats, nv or nv-study for NV formats)")]
    RuleFitsNone {
        rule: &'static str,
        formats: Vec<String>,
    },
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Quant(#[from] QuantError),
}

/// The rho the study plots for a format's scale: 1.5 for UE8M0, 1.05 for E4M3 (1 without a
/// scale, where the model does not apply: see [`theory_qsnr_db`]).
pub fn default_rho(fmt: &BlockFormat) -> f64 {
    match fmt.scale {
        ScaleFormat::Unscaled => 1.0,
        ScaleFormat::Ue8m0 => RHO_UE8M0,
        // UE5M3 has E4M3's 3 mantissa bits, so the same overhead.
        ScaleFormat::E4m3 | ScaleFormat::Ue5m3 => RHO_E4M3,
    }
}

/// Standard normal CDF; the upper tail goes through erfc so it keeps its precision.
fn norm_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn norm_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// E[z^2; |z| > t] for z ~ N(0, 1), t >= 0.
fn energy_above(t: f64) -> f64 {
    2.0 * (t * norm_pdf(t) + 0.5 * erfc(t / std::f64::consts::SQRT_2))
}

/// E[z^2; |z| < t] for z ~ N(0, 1), t >= 0. For small t the closed form
/// erf(t / sqrt 2) - 2 t phi(t) subtracts two nearly equal numbers, so use the series of
/// 2 phi(0) * integral_0^t z^2 (1 - z^2/2 + z^4/8 - ...) dz there instead.
fn energy_below(t: f64) -> f64 {
    if t < 1e-2 {
        let t2 = t * t;
        2.0 * norm_pdf(0.0) * t * t2 * (1.0 / 3.0 - t2 / 10.0 + t2 * t2 / 56.0)
    } else {
        erf(t / std::f64::consts::SQRT_2) - 2.0 * t * norm_pdf(t)
    }
}

/// P(a < |z| < b) for z ~ N(0, 1), 0 <= a <= b.
fn prob_between(a: f64, b: f64) -> f64 {
    2.0 * (norm_cdf(b) - norm_cdf(a))
}

/// The terms of the FP model at one crest factor (all relative to sigma^2).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FpTerms {
    /// Energy share of values in the normal range (after the NV adjustment, if any).
    pub w_norm: f64,
    /// Probability of a value landing in the subnormal range.
    pub p_sub: f64,
    /// Energy share of values flushed to zero.
    pub w_zero: f64,
    /// alpha_M w_norm + beta (rho kappa)^2 p_sub + w_zero.
    pub rel_mse: f64,
}

/// The FP model's terms for `man_bits` M, exponent `bias` B, largest value `qmax`, block `g`,
/// with the NV adjustment when `nv`.
fn fp_terms(
    man_bits: u32,
    bias: i32,
    qmax: f64,
    g: usize,
    nv: bool,
    kappa: f64,
    rho: f64,
) -> FpTerms {
    let m = man_bits as i32;
    let alpha = 1.0 / (24.0 * 4f64.powi(m));
    let beta = 4f64.powi(1 - bias - m) / (12.0 * qmax * qmax);
    let to_z = rho * kappa / qmax;
    let tau_zero = to_z * 2f64.powi(-bias - m);
    let tau_normal = to_z * 2f64.powi(1 - bias);
    let mut w_norm = energy_above(tau_normal);
    if nv {
        w_norm = (w_norm - kappa * kappa / g as f64).max(0.0);
    }
    let p_sub = prob_between(tau_zero, tau_normal);
    let w_zero = energy_below(tau_zero);
    let rel_mse = alpha * w_norm + beta * (rho * kappa).powi(2) * p_sub + w_zero;
    FpTerms {
        w_norm,
        p_sub,
        w_zero,
        rel_mse,
    }
}

/// The FP model's terms for an FP block format (None for INT formats).
pub fn theory_fp_terms(fmt: &BlockFormat, kappa: f64, rho: f64) -> Option<FpTerms> {
    match fmt.elem {
        _ if fmt.scale == ScaleFormat::Unscaled => None,
        ElemFormat::Int { .. } => None,
        ElemFormat::Fp { man_bits, bias, .. } => Some(fp_terms(
            man_bits,
            bias,
            fmt.elem.max_value(),
            fmt.block,
            fmt.is_nv(),
            kappa,
            rho,
        )),
    }
}

/// Theoretical QSNR in dB of `fmt` on Gaussian blocks of crest factor `kappa` (> 0) with scale
/// overhead `rho` (>= 1; see [`default_rho`]). The model is the module's. A `kappa` or `rho`
/// that is not a positive finite number gives NaN, and so does a format without a block scale:
/// the model scales each block to its max, and an unscaled format's QSNR depends on the data's
/// magnitude instead (measure it: `qsnr --measure`).
pub fn theory_qsnr_db(fmt: &BlockFormat, kappa: f64, rho: f64) -> f64 {
    if fmt.scale == ScaleFormat::Unscaled
        || !(kappa.is_finite() && kappa > 0.0 && rho.is_finite() && rho > 0.0)
    {
        return f64::NAN;
    }
    let rel_mse = match fmt.elem {
        ElemFormat::Int { bits } => {
            let qmax = 2f64.powi(bits as i32 - 1);
            let r = (rho * kappa).powi(2) / (12.0 * qmax * qmax);
            if fmt.is_nv() {
                r * (1.0 - 1.0 / fmt.block as f64)
            } else {
                r
            }
        }
        ElemFormat::Fp { man_bits, bias, .. } => {
            fp_terms(
                man_bits,
                bias,
                fmt.elem.max_value(),
                fmt.block,
                fmt.is_nv(),
                kappa,
                rho,
            )
            .rel_mse
        }
    };
    -10.0 * rel_mse.log10()
}

/// The crest factor where the theoretical QSNR of `int_fmt` and `fp_fmt` meet (INT is better
/// below it), each at its [`default_rho`], and the QSNR there in dB.
pub fn crossover(int_fmt: &BlockFormat, fp_fmt: &BlockFormat) -> Result<(f64, f64), QsnrError> {
    crossover_with_rho(int_fmt, default_rho(int_fmt), fp_fmt, default_rho(fp_fmt))
}

/// [`crossover`] with explicit scale overheads.
///
/// The difference INT - FP is sampled on a log-spaced grid over
/// [KAPPA_MIN, CROSSOVER_KAPPA_MAX]; the first interval where it turns from positive to
/// non-positive is narrowed by bisection to the resolution of f64. The grid is fine enough
/// (0.1% steps) that no pair of curves of this model crosses twice inside one step.
pub fn crossover_with_rho(
    int_fmt: &BlockFormat,
    rho_int: f64,
    fp_fmt: &BlockFormat,
    rho_fp: f64,
) -> Result<(f64, f64), QsnrError> {
    if !int_fmt.elem.is_int() || fp_fmt.elem.is_int() {
        return Err(QsnrError::NotIntFp {
            int: int_fmt.name.clone(),
            int_elem: int_fmt.elem.label(),
            fp: fp_fmt.name.clone(),
            fp_elem: fp_fmt.elem.label(),
        });
    }
    for rho in [rho_int, rho_fp] {
        if !(rho.is_finite() && (1.0..=MAX_RHO).contains(&rho)) {
            return Err(QsnrError::BadRho(rho));
        }
    }
    let diff = |k: f64| theory_qsnr_db(int_fmt, k, rho_int) - theory_qsnr_db(fp_fmt, k, rho_fp);
    let no = |why| QsnrError::NoCrossover {
        int: int_fmt.name.clone(),
        fp: fp_fmt.name.clone(),
        lo: KAPPA_MIN,
        hi: CROSSOVER_KAPPA_MAX,
        why,
    };
    if diff(KAPPA_MIN) <= 0.0 {
        return Err(no(
            "the FP format is already as good at the lowest crest factor",
        ));
    }
    const STEPS: usize = 4000;
    let ratio = (CROSSOVER_KAPPA_MAX / KAPPA_MIN).powf(1.0 / STEPS as f64);
    let mut lo = KAPPA_MIN;
    for i in 1..=STEPS {
        let hi = if i == STEPS {
            CROSSOVER_KAPPA_MAX
        } else {
            KAPPA_MIN * ratio.powi(i as i32)
        };
        if diff(hi) <= 0.0 {
            let kappa = bisect(&diff, lo, hi);
            return Ok((kappa, theory_qsnr_db(int_fmt, kappa, rho_int)));
        }
        lo = hi;
    }
    Err(no("the INT format stays better over the whole range"))
}

/// Narrow [lo, hi] with f(lo) > 0 >= f(hi) until the midpoint no longer moves.
fn bisect(f: &impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    loop {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            return mid;
        }
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
}

/// The crossover the study reports for a pair of built-in formats (kappa, dB), if it does.
pub fn study_crossover(int_name: &str, fp_name: &str) -> Option<(f64, f64)> {
    match (int_name, fp_name) {
        ("mxint8", "mxfp8") => Some((7.55, 31.86)),
        ("mxint6", "mxfp6") => Some((1.96, 31.54)),
        ("mxint4", "mxfp4") => Some((2.04, 19.14)),
        ("nvint4", "nvfp4") => Some((2.39, 21.14)),
        _ => None,
    }
}

/// Blocks per tensor when measuring: the NV per-tensor scale is taken over this many blocks.
pub const TENSOR_BLOCKS: usize = 4096;

/// Draws allowed per block of a given crest factor before the measurement is refused. Gaussian
/// blocks with a crest factor near 1 are rare (all g values nearly equal in magnitude): for
/// g = 32, kappa = 1.5 takes about 70 draws, kappa = 1.2 about 3,000.
pub const MAX_DRAWS: usize = 1000;

/// The quantizer settings of a measurement: `rule`, or the default rule of the format
/// ([`crate::format::quantize::DEFAULT_RULES`], the study's), with RNE.
pub fn measure_options(fmt: &BlockFormat, rule: Option<ScaleRule>) -> QuantOptions {
    QuantOptions {
        scale_rule: rule.unwrap_or_else(|| ScaleRule::default_for(fmt)),
        ..QuantOptions::default_for(fmt)
    }
}

/// The default settings of a measurement (the study's rules, RNE).
pub fn study_options(fmt: &BlockFormat) -> QuantOptions {
    measure_options(fmt, None)
}

/// A seeded stream of Gaussian blocks of `g` values, each with its sigma (see the module docs).
struct BlockSource {
    rng: ChaCha8Rng,
    g: usize,
    kappa: Option<f64>,
    rest: Vec<f64>,
}

impl BlockSource {
    fn new(g: usize, kappa: Option<f64>, seed: u64) -> Result<Self, QsnrError> {
        if let Some(k) = kappa {
            // At kappa = sqrt(g) every other value is zero: a single spike, not a Gaussian block.
            if !(k.is_finite() && k >= KAPPA_MIN && k * k < g as f64) {
                return Err(QsnrError::Unmeasurable {
                    kappa: k,
                    g,
                    why: format!("need 1 <= kappa < sqrt({g})"),
                });
            }
        }
        Ok(BlockSource {
            rng: ChaCha8Rng::seed_from_u64(seed),
            g,
            kappa,
            rest: vec![0.0; g.saturating_sub(1)],
        })
    }

    /// Append the next block to `out` and return its sigma.
    fn next_block(&mut self, out: &mut Vec<f32>) -> Result<f64, QsnrError> {
        let (g, rng) = (self.g, &mut self.rng);
        let sigma = rng.gen::<f64>().exp2();
        let Some(k) = self.kappa else {
            out.extend((0..g).map(|_| (rng.sample::<f64, _>(StandardNormal) * sigma) as f32));
            return Ok(sigma);
        };
        let at = rng.gen_range(0..g);
        let peak = if rng.gen::<bool>() { k } else { -k };
        let mut draws = 0;
        loop {
            draws += 1;
            if draws > MAX_DRAWS {
                return Err(QsnrError::Unmeasurable {
                    kappa: k,
                    g,
                    why: format!(
                        "fewer than 1 in {MAX_DRAWS} Gaussian draws has so low a crest factor"
                    ),
                });
            }
            self.rest
                .iter_mut()
                .for_each(|v| *v = rng.sample(StandardNormal));
            let energy: f64 = self.rest.iter().map(|v| v * v).sum();
            let c = if energy > 0.0 {
                ((g as f64 - k * k) / energy).sqrt()
            } else {
                0.0
            };
            if self.rest.iter().all(|v| (c * v).abs() <= k) {
                self.rest.iter_mut().for_each(|v| *v *= c);
                break;
            }
        }
        let mut others = self.rest.iter();
        for i in 0..g {
            let z = if i == at {
                peak
            } else {
                *others.next().unwrap_or(&0.0)
            };
            out.push((z * sigma) as f32);
        }
        Ok(sigma)
    }
}

/// `blocks` seeded Gaussian blocks of `g` values (block after block) and each block's sigma.
/// Without `kappa`: i.i.d. N(0, sigma^2). With `kappa`: blocks of rms sigma and maximum
/// magnitude kappa sigma, drawn as the module docs say. sigma = 2^u per block, u uniform in
/// [0, 1). The measurements draw exactly these blocks from the same seed.
pub fn gaussian_blocks(
    g: usize,
    blocks: usize,
    kappa: Option<f64>,
    seed: u64,
) -> Result<(Vec<f32>, Vec<f64>), QsnrError> {
    let mut src = BlockSource::new(g, kappa, seed)?;
    let mut data = Vec::with_capacity(g * blocks);
    let sigmas = (0..blocks)
        .map(|_| src.next_block(&mut data))
        .collect::<Result<_, _>>()?;
    Ok((data, sigmas))
}

/// Quantize `blocks` blocks from [`gaussian_blocks`], generated and quantized one tensor of
/// [`TENSOR_BLOCKS`] blocks at a time (memory stays bounded whatever `blocks` is), and return
/// the QSNR in dB, each block's energies taken in units of its sigma^2.
fn measure(
    fmt: &BlockFormat,
    rule: Option<ScaleRule>,
    blocks: usize,
    kappa: Option<f64>,
    seed: u64,
) -> Result<f64, QsnrError> {
    if blocks == 0 {
        return Err(QsnrError::BadSamples(blocks));
    }
    let g = fmt.block;
    let opts = measure_options(fmt, rule);
    let mut src = BlockSource::new(g, kappa, seed)?;
    let (mut data, mut out, mut sigmas) = (Vec::new(), Vec::new(), Vec::new());
    let (mut err, mut sig) = (0f64, 0f64);
    let mut left = blocks;
    while left > 0 {
        let n = left.min(TENSOR_BLOCKS);
        left -= n;
        data.clear();
        sigmas.clear();
        for _ in 0..n {
            sigmas.push(src.next_block(&mut data)?);
        }
        // Blocks are independent under UE8M0; under E4M3 each tensor has its own tensor scale.
        out.resize(data.len(), 0f32);
        quantize_dequantize_into(fmt, &opts, &data, g, &mut out)?;
        for ((x, o), s) in data.chunks(g).zip(out.chunks(g)).zip(&sigmas) {
            let unit = 1.0 / (s * s);
            err += unit
                * x.iter()
                    .zip(o)
                    .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                    .sum::<f64>();
            sig += unit * x.iter().map(|&a| a as f64 * a as f64).sum::<f64>();
        }
    }
    Ok(-10.0 * (err / sig).log10())
}

/// Measured QSNR (dB) of `fmt` on `samples` i.i.d. Gaussian blocks from `seed`, quantized by
/// the bit-exact quantizer with [`study_options`].
pub fn measure_gaussian(fmt: &BlockFormat, samples: usize, seed: u64) -> Result<f64, QsnrError> {
    measure(fmt, None, samples, None, seed)
}

/// [`measure_gaussian`] under scale rule `rule` (None: the default).
pub fn measure_gaussian_rule(
    fmt: &BlockFormat,
    rule: Option<ScaleRule>,
    samples: usize,
    seed: u64,
) -> Result<f64, QsnrError> {
    measure(fmt, rule, samples, None, seed)
}

/// Measured QSNR (dB) of `fmt` on `samples` Gaussian blocks of crest factor `kappa`
/// (1 <= kappa < sqrt(block)) from `seed`; see the module docs.
pub fn measure_gaussian_at(
    fmt: &BlockFormat,
    kappa: f64,
    samples: usize,
    seed: u64,
) -> Result<f64, QsnrError> {
    measure(fmt, None, samples, Some(kappa), seed)
}

/// [`measure_gaussian_at`] under scale rule `rule` (None: the default).
pub fn measure_gaussian_at_rule(
    fmt: &BlockFormat,
    rule: Option<ScaleRule>,
    kappa: f64,
    samples: usize,
    seed: u64,
) -> Result<f64, QsnrError> {
    measure(fmt, rule, samples, Some(kappa), seed)
}

/// An inclusive crest-factor range `A..B` (or a single value `A`), within [KAPPA_MIN, KAPPA_MAX].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KappaRange {
    pub lo: f64,
    pub hi: f64,
}

impl KappaRange {
    /// Parse `A..B` or `A`.
    pub fn parse(s: &str) -> Result<KappaRange, QsnrError> {
        let bad = |why: String| QsnrError::BadRange {
            given: s.to_string(),
            why,
        };
        let (a, b) = match s.split_once("..") {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (s.trim(), s.trim()),
        };
        let num = |t: &str| -> Result<f64, QsnrError> {
            t.parse::<f64>()
                .map_err(|_| bad(format!("'{t}' is not a number (write A..B, e.g. 1..12)")))
        };
        let (lo, hi) = (num(a)?, num(b)?);
        for v in [lo, hi] {
            if !v.is_finite() || !(KAPPA_MIN..=KAPPA_MAX).contains(&v) {
                return Err(bad(format!(
                    "{v} is outside [{KAPPA_MIN}, {KAPPA_MAX}] (a block's maximum is never below its rms)"
                )));
            }
        }
        if lo > hi {
            return Err(bad(format!(
                "the lower end {lo} is above the upper end {hi}"
            )));
        }
        Ok(KappaRange { lo, hi })
    }

    /// `points` evenly spaced values from lo to hi inclusive (one value when lo == hi).
    pub fn points(&self, points: usize) -> Result<Vec<f64>, QsnrError> {
        if points == 0 || points > crate::args::MAX_POINTS {
            return Err(QsnrError::BadPoints(points));
        }
        if self.lo == self.hi || points == 1 {
            return Ok(vec![self.lo]);
        }
        let step = (self.hi - self.lo) / (points - 1) as f64;
        Ok((0..points)
            .map(|i| {
                if i + 1 == points {
                    self.hi
                } else {
                    self.lo + step * i as f64
                }
            })
            .collect())
    }
}

/// `hwcost qsnr FORMAT... [--kappa A..B] [--points N] [--rho R] [--measure --samples N --seed S]
/// [--json]`.
#[derive(clap::Args, Debug)]
pub struct QsnrArgs {
    /// Block formats: built-in names, user formats in --dir, or .toml files.
    #[arg(required_unless_present = "scale_rules")]
    pub formats: Vec<String>,
    /// Crest-factor range A..B (kappa = max|x| / rms of the block), inclusive; or one value.
    #[arg(long, default_value = "1..12")]
    pub kappa: String,
    /// Number of evenly spaced crest factors in the table.
    #[arg(long, default_value_t = 12)]
    pub points: usize,
    /// Scale overhead rho for every format (default: 1.5 for UE8M0 scales, 1.05 for E4M3).
    #[arg(long)]
    pub rho: Option<f64>,
    /// Also measure QSNR with the quantizer on seeded Gaussian blocks: i.i.d., and at each
    /// crest factor of the table below sqrt(block size).
    #[arg(long)]
    pub measure: bool,
    /// Blocks per measurement.
    #[arg(long, default_value_t = 10_000, requires = "measure",
          value_parser = crate::args::count::<{ crate::args::MAX_SAMPLES }>)]
    pub samples: usize,
    /// Seed of the measurement's random blocks (ChaCha8).
    #[arg(long, default_value_t = 0, requires = "measure")]
    pub seed: u64,
    /// Scale rule of the measurement, for the formats whose scale it fits (the others keep
    /// the default: ceil for UE8M0 scales, nv-study for E4M3).
    #[arg(long, value_enum, requires = "measure")]
    pub scale_rule: Option<ScaleRule>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Instead: measure every built-in format under every scale rule on Gaussian and
    /// heavy-tailed data and write the Markdown report to FILE (reports/scale-rules.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["formats", "measure", "json"])]
    pub scale_rules: Option<PathBuf>,
    /// Directory of user-defined format files.
    #[arg(long, default_value = "models/formats")]
    pub dir: PathBuf,
}

/// One INT/FP crossover in a `hwcost qsnr` report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrossoverRow {
    pub int: String,
    pub fp: String,
    /// None when the curves do not cross in [KAPPA_MIN, CROSSOVER_KAPPA_MAX]; `none_why` says why.
    pub kappa: Option<f64>,
    pub qsnr_db: Option<f64>,
    pub none_why: Option<String>,
    /// The study's figure for this pair, where it reports one.
    pub study_kappa: Option<f64>,
    pub study_qsnr_db: Option<f64>,
}

/// Everything `hwcost qsnr` prints, as data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QsnrReport {
    pub formats: Vec<String>,
    /// rho used for each format, in `formats` order.
    pub rho: Vec<f64>,
    pub kappa: Vec<f64>,
    /// theory[f][i]: theoretical QSNR (dB) of formats[f] at kappa[i].
    pub theory: Vec<Vec<f64>>,
    /// Crossovers of every INT/FP pair given with the same element width, block and scale.
    pub crossovers: Vec<CrossoverRow>,
    /// With `--measure`: QSNR measured by the quantizer.
    pub measured: Option<Measured>,
}

/// Measured QSNR of every format of a report (see [`measure_gaussian`], [`measure_gaussian_at`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measured {
    pub samples: usize,
    pub seed: u64,
    /// Scale rule used for each format (the study's: `ceil` or `nv-study`).
    pub scale_rule: Vec<String>,
    /// gaussian[f]: QSNR (dB) of formats[f] on i.i.d. Gaussian blocks.
    pub gaussian: Vec<f64>,
    /// at_kappa[f][i]: QSNR (dB) of formats[f] on blocks of crest factor kappa[i]; None where
    /// no Gaussian block of that size has that crest factor (kappa >= sqrt(block)) or it is too
    /// rare to draw (kappa near 1).
    pub at_kappa: Vec<Vec<Option<f64>>>,
}

/// Resolve the formats and compute the report of `hwcost qsnr`.
pub fn qsnr_report(args: &QsnrArgs) -> Result<QsnrReport, QsnrError> {
    let range = KappaRange::parse(&args.kappa)?;
    let kappa = range.points(args.points)?;
    if let Some(r) = args.rho {
        if !(r.is_finite() && (1.0..=MAX_RHO).contains(&r)) {
            return Err(QsnrError::BadRho(r));
        }
    }
    let dirs = std::slice::from_ref(&args.dir);
    let fmts: Vec<BlockFormat> = args
        .formats
        .iter()
        .map(|n| spec::lookup_in(n, dirs))
        .collect::<Result<_, _>>()?;
    let rho: Vec<f64> = fmts
        .iter()
        .map(|f| args.rho.unwrap_or_else(|| default_rho(f)))
        .collect();
    let theory = fmts
        .iter()
        .zip(&rho)
        .map(|(f, &r)| kappa.iter().map(|&k| theory_qsnr_db(f, k, r)).collect())
        .collect();
    let mut crossovers = Vec::new();
    for (i, a) in fmts.iter().enumerate() {
        for (j, b) in fmts.iter().enumerate() {
            let pair = a.elem.is_int()
                && !b.elem.is_int()
                && a.elem.bits() == b.elem.bits()
                && a.block == b.block
                && a.scale == b.scale
                && a.scale != ScaleFormat::Unscaled;
            if !pair {
                continue;
            }
            let (kappa, qsnr_db, none_why) = match crossover_with_rho(a, rho[i], b, rho[j]) {
                Ok((k, db)) => (Some(k), Some(db), None),
                Err(e @ QsnrError::NoCrossover { .. }) => (None, None, Some(e.to_string())),
                Err(e) => return Err(e),
            };
            let study = study_crossover(&a.name, &b.name);
            crossovers.push(CrossoverRow {
                int: a.name.clone(),
                fp: b.name.clone(),
                kappa,
                qsnr_db,
                none_why,
                study_kappa: study.map(|s| s.0),
                study_qsnr_db: study.map(|s| s.1),
            });
        }
    }
    let measured = if args.measure {
        Some(measure_all(
            &fmts,
            &kappa,
            args.scale_rule,
            args.samples,
            args.seed,
        )?)
    } else {
        None
    };
    Ok(QsnrReport {
        formats: fmts.iter().map(|f| f.name.clone()).collect(),
        rho,
        kappa,
        theory,
        crossovers,
        measured,
    })
}

fn measure_all(
    fmts: &[BlockFormat],
    kappa: &[f64],
    rule: Option<ScaleRule>,
    samples: usize,
    seed: u64,
) -> Result<Measured, QsnrError> {
    if let Some(r) = rule {
        if !fmts.iter().any(|f| r.fits(f)) {
            return Err(QsnrError::RuleFitsNone {
                rule: r.name(),
                formats: fmts.iter().map(|f| f.name.clone()).collect(),
            });
        }
    }
    let rule_of = |f: &BlockFormat| rule.filter(|r| r.fits(f));
    let mut gaussian = Vec::new();
    let mut at_kappa = Vec::new();
    for f in fmts {
        gaussian.push(measure_gaussian_rule(f, rule_of(f), samples, seed)?);
        let row = kappa
            .iter()
            .map(
                |&k| match measure_gaussian_at_rule(f, rule_of(f), k, samples, seed) {
                    Ok(q) => Ok(Some(q)),
                    Err(QsnrError::Unmeasurable { .. }) => Ok(None),
                    Err(e) => Err(e),
                },
            )
            .collect::<Result<Vec<_>, _>>()?;
        at_kappa.push(row);
    }
    let scale_rule = fmts
        .iter()
        .map(|f| match f.scale {
            ScaleFormat::Unscaled => "none".to_string(),
            _ => measure_options(f, rule_of(f)).scale_rule.name().to_string(),
        })
        .collect();
    Ok(Measured {
        samples,
        seed,
        scale_rule,
        gaussian,
        at_kappa,
    })
}

/// The report as the text tables `hwcost qsnr` prints.
pub fn render_text(r: &QsnrReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let w = r.formats.iter().map(|f| f.len()).max().unwrap_or(0).max(10);
    let _ = writeln!(
        s,
        "Theoretical QSNR (dB) on Gaussian blocks versus crest factor kappa"
    );
    let _ = write!(s, "{:>8}", "kappa");
    for f in &r.formats {
        let _ = write!(s, " {f:>w$}");
    }
    let _ = write!(s, "\n{:>8}", "rho");
    for rho in &r.rho {
        let _ = write!(s, " {rho:>w$.2}");
    }
    s.push('\n');
    for (i, k) in r.kappa.iter().enumerate() {
        let _ = write!(s, "{k:>8.2}");
        for col in &r.theory {
            if col[i].is_nan() {
                let _ = write!(s, " {:>w$}", "-");
            } else {
                let _ = write!(s, " {:>w$.2}", col[i]);
            }
        }
        s.push('\n');
    }
    if r.theory.iter().flatten().any(|q| q.is_nan()) {
        let _ = writeln!(
            s,
            "(-: no theory for a format without a block scale, whose QSNR depends on the data's magnitude: --measure it)"
        );
    }
    if let Some(m) = &r.measured {
        let _ = writeln!(
            s,
            "\nMeasured QSNR (dB): bit-exact quantizer, scale rule per format below, {} blocks, seed {}",
            m.samples, m.seed
        );
        let _ = write!(s, "{:>8}", "kappa");
        for f in &r.formats {
            let _ = write!(s, " {f:>w$}");
        }
        let _ = write!(s, "\n{:>8}", "rule");
        for rule in &m.scale_rule {
            let _ = write!(s, " {rule:>w$}");
        }
        s.push('\n');
        for (i, k) in r.kappa.iter().enumerate() {
            let _ = write!(s, "{k:>8.2}");
            for col in &m.at_kappa {
                match col[i] {
                    Some(q) => {
                        let _ = write!(s, " {q:>w$.2}");
                    }
                    None => {
                        let _ = write!(s, " {:>w$}", "-");
                    }
                }
            }
            s.push('\n');
        }
        let _ = write!(s, "{:>8}", "Gaussian");
        for q in &m.gaussian {
            let _ = write!(s, " {q:>w$.2}");
        }
        let _ = writeln!(
            s,
            "\n(-: no Gaussian block of that size has that crest factor, or too few to draw)"
        );
    }
    if !r.crossovers.is_empty() {
        let _ = writeln!(s, "\nCrossovers (INT is better below kappa)");
        for c in &r.crossovers {
            let pair = format!("{} / {}", c.int, c.fp);
            match (c.kappa, c.qsnr_db) {
                (Some(k), Some(db)) => {
                    let _ = write!(s, "{pair:<24} kappa {k:>7.3}  {db:>6.2} dB");
                }
                _ => {
                    let _ = write!(
                        s,
                        "{pair:<24} none: {}",
                        c.none_why.as_deref().unwrap_or("")
                    );
                }
            }
            if let (Some(k), Some(db)) = (c.study_kappa, c.study_qsnr_db) {
                let _ = write!(s, "   (study: kappa {k:.2}, {db:.2} dB)");
            }
            s.push('\n');
        }
    }
    s
}

/// `hwcost qsnr`: print the theoretical QSNR table, the measured one with `--measure`, and
/// the INT/FP crossovers.
pub fn run_qsnr(args: &QsnrArgs) -> anyhow::Result<()> {
    if let Some(out) = &args.scale_rules {
        return super::scale_rules::run(out);
    }
    let report = qsnr_report(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_text(&report));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::lookup_in;

    fn f(name: &str) -> BlockFormat {
        lookup_in(name, &[]).unwrap()
    }

    /// Simpson's rule for integral_a^b g, n even.
    fn simpson(g: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        let mut s = g(a) + g(b);
        for i in 1..n {
            s += g(a + h * i as f64) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        s * h / 3.0
    }

    /// statrs 0.18's erf/erfc are good to about 1e-10 relative (statrs PR #412 restores full
    /// precision upstream); that is 4e-10 dB here, so the moments are checked to 1e-9.
    #[test]
    fn gaussian_moments_match_quadrature() {
        let z2phi = |z: f64| z * z * norm_pdf(z);
        for t in [0.0, 1e-3, 0.009, 0.011, 0.3, 1.0, 2.5, 4.0] {
            let below = 2.0 * simpson(z2phi, 0.0, t, 2000);
            let above = 2.0 * simpson(z2phi, t, 40.0, 200_000);
            assert!((energy_below(t) - below).abs() < 1e-9, "below t={t}");
            assert!(
                (energy_above(t) - above).abs() < 1e-9,
                "above t={t}: {} vs {above}",
                energy_above(t)
            );
            assert!(
                (energy_below(t) + energy_above(t) - 1.0).abs() < 1e-9,
                "sum t={t}"
            );
        }
        assert!((prob_between(0.0, 40.0) - 1.0).abs() < 1e-9);
        let p = 2.0 * simpson(norm_pdf, 1.0, 2.0, 2000);
        assert!(
            (prob_between(1.0, 2.0) - p).abs() < 1e-9,
            "{} vs {p}",
            prob_between(1.0, 2.0)
        );
    }

    #[test]
    fn int_theory_is_the_closed_form() {
        for (name, b) in [("mxint8", 8.0), ("mxint6", 6.0), ("mxint4", 4.0)] {
            for k in [1.0, 2.5, 7.0, 30.0] {
                let want = 10.0 * 3f64.log10() + 20.0 * 2f64.log10() * b
                    - 20.0 * 1.5f64.log10()
                    - 20.0 * f64::log10(k);
                assert!(
                    (theory_qsnr_db(&f(name), k, 1.5) - want).abs() < 1e-12,
                    "{name} k={k}"
                );
                // The study's rounded constants are within 0.01 dB.
                let study = 4.78 + 6.02 * b - 20.0 * 1.5f64.log10() - 20.0 * f64::log10(k);
                assert!((theory_qsnr_db(&f(name), k, 1.5) - study).abs() < 0.01);
            }
        }
        let nv = theory_qsnr_db(&f("nvint4"), 3.0, 1.0);
        let mx_like = 10.0 * 3f64.log10() + 20.0 * 2f64.log10() * 4.0 - 20.0 * 3f64.log10();
        assert!((nv - mx_like - 10.0 * (16.0f64 / 15.0).log10()).abs() < 1e-12);
    }

    #[test]
    fn fp_caps_at_the_mantissa_limit_with_ample_range() {
        // E5M2 has range to spare at moderate kappa: 13.80 + 6.02 M.
        let q = theory_qsnr_db(&f("mxfp8_e5m2"), 3.0, 1.5);
        assert!(
            (q - (10.0 * 24f64.log10() + 20.0 * 2f64.log10() * 2.0)).abs() < 1e-6,
            "{q}"
        );
        let t = theory_fp_terms(&f("mxfp8_e5m2"), 3.0, 1.5).unwrap();
        assert!(
            t.w_norm > 1.0 - 1e-9 && t.p_sub < 1e-8 && t.w_zero < 1e-15,
            "{t:?}"
        );
        assert!(theory_fp_terms(&f("mxint8"), 3.0, 1.5).is_none());
    }

    #[test]
    fn nv_adjustment_removes_the_block_maximum_energy() {
        let nv = f("nvfp4");
        let k = 2.0;
        let t = theory_fp_terms(&nv, k, 1.05).unwrap();
        let mut mx_scaled = nv.clone();
        mx_scaled.scale = ScaleFormat::Ue8m0;
        let u = theory_fp_terms(&mx_scaled, k, 1.05).unwrap();
        assert!((u.w_norm - k * k / 16.0 - t.w_norm).abs() < 1e-15);
        assert_eq!((u.p_sub, u.w_zero), (t.p_sub, t.w_zero));
        // Above kappa = sqrt(g) the adjusted normal energy is clamped at zero, never negative.
        assert_eq!(theory_fp_terms(&nv, 5.0, 1.05).unwrap().w_norm, 0.0);
    }

    #[test]
    fn bad_inputs_give_nan_not_a_panic() {
        for (k, r) in [
            (0.0, 1.5),
            (-1.0, 1.5),
            (f64::NAN, 1.5),
            (2.0, f64::INFINITY),
            (f64::INFINITY, 1.5),
        ] {
            assert!(theory_qsnr_db(&f("mxfp4"), k, r).is_nan(), "k={k} r={r}");
            assert!(theory_qsnr_db(&f("mxint4"), k, r).is_nan());
        }
    }

    #[test]
    fn kappa_ranges_parse_and_reject() {
        assert_eq!(
            KappaRange::parse("1..12").unwrap(),
            KappaRange { lo: 1.0, hi: 12.0 }
        );
        assert_eq!(
            KappaRange::parse(" 2.5 ").unwrap(),
            KappaRange { lo: 2.5, hi: 2.5 }
        );
        assert_eq!(
            KappaRange::parse("1..3").unwrap().points(5).unwrap(),
            vec![1.0, 1.5, 2.0, 2.5, 3.0]
        );
        assert_eq!(
            KappaRange::parse("4").unwrap().points(7).unwrap(),
            vec![4.0]
        );
        for bad in [
            "12..1", "0.5..2", "1..x", "", "..", "1..1e9", "nan..2", "1..inf",
        ] {
            let e = KappaRange::parse(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("'{bad}'")), "{bad}: {e}");
        }
        assert!(matches!(
            KappaRange::parse("1..2").unwrap().points(0),
            Err(QsnrError::BadPoints(0))
        ));
    }
}
