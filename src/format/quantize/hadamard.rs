//! Block-diagonal random Hadamard rotation: R = D * H_K / sqrt(K) per block of K values along
//! the last axis (D a seeded random +-1 diagonal, H_K the Sylvester Hadamard matrix), as the
//! study applies before quantization; and its inverse, for QSNR in the original basis.
//!
//! A row block x (a row vector) becomes y = x R, i.e. y = H_K (d .* x) / sqrt(K) (H_K is
//! symmetric); the inverse is x = d .* (H_K y) / sqrt(K). The same D serves every block.
//! Arithmetic is f64 (fast Walsh-Hadamard transform), rounded once to f32 per value.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::QuantError;

/// A seeded block rotation of size `block` (a power of two).
#[derive(Clone, Debug, PartialEq)]
pub struct Hadamard {
    block: usize,
    signs: Vec<f64>,
}

impl Hadamard {
    /// The random signs come from ChaCha8 seeded with `seed`, one bool per position.
    pub fn new(block: usize, seed: u64) -> Result<Self, QuantError> {
        if block == 0 || !block.is_power_of_two() {
            return Err(QuantError::RotationBlock(block));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let signs = (0..block)
            .map(|_| if rng.gen::<bool>() { 1.0 } else { -1.0 })
            .collect();
        Ok(Hadamard { block, signs })
    }

    pub fn block(&self) -> usize {
        self.block
    }

    /// y = x R for every block of every row.
    pub fn rotate(&self, data: &[f32], row_len: usize) -> Result<Vec<f32>, QuantError> {
        self.apply(data, row_len, true)
    }

    /// x = y R^T for every block of every row.
    pub fn unrotate(&self, data: &[f32], row_len: usize) -> Result<Vec<f32>, QuantError> {
        self.apply(data, row_len, false)
    }

    fn apply(&self, data: &[f32], row_len: usize, forward: bool) -> Result<Vec<f32>, QuantError> {
        let k = self.block;
        if row_len == 0 {
            return Err(QuantError::ZeroRowLen);
        }
        if !row_len.is_multiple_of(k) {
            return Err(QuantError::RotationRow { row_len, block: k });
        }
        if !data.len().is_multiple_of(row_len) {
            return Err(QuantError::RaggedRows {
                len: data.len(),
                row_len,
            });
        }
        let norm = 1.0 / (k as f64).sqrt();
        let mut buf = vec![0f64; k];
        let mut out = Vec::with_capacity(data.len());
        for chunk in data.chunks(k) {
            for ((b, &v), &d) in buf.iter_mut().zip(chunk).zip(&self.signs) {
                *b = if forward { v as f64 * d } else { v as f64 };
            }
            fwht(&mut buf);
            out.extend(
                buf.iter()
                    .zip(&self.signs)
                    .map(|(&b, &d)| (if forward { b * norm } else { b * norm * d }) as f32),
            );
        }
        Ok(out)
    }
}

/// In-place unnormalized fast Walsh-Hadamard transform (Sylvester order): b <- H b.
fn fwht(b: &mut [f64]) {
    let n = b.len();
    let mut h = 1;
    while h < n {
        for i in (0..n).step_by(2 * h) {
            for j in i..i + h {
                let (x, y) = (b[j], b[j + h]);
                b[j] = x + y;
                b[j + h] = x - y;
            }
        }
        h *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// H_K[i][j] = (-1)^popcount(i & j), written out directly.
    fn sylvester(i: usize, j: usize) -> f64 {
        if (i & j).count_ones().is_multiple_of(2) {
            1.0
        } else {
            -1.0
        }
    }

    #[test]
    fn rotation_equals_the_matrix_product() {
        let h = Hadamard::new(8, 7).unwrap();
        let x: Vec<f32> = (0..16).map(|i| (i as f32 * 0.37).sin()).collect();
        let y = h.rotate(&x, 16).unwrap();
        for blk in 0..2 {
            for j in 0..8 {
                let want: f64 = (0..8)
                    .map(|i| x[blk * 8 + i] as f64 * h.signs[i] * sylvester(i, j))
                    .sum::<f64>()
                    / 8f64.sqrt();
                assert!(
                    (y[blk * 8 + j] as f64 - want).abs() < 1e-6,
                    "block {blk} col {j}"
                );
            }
        }
    }

    #[test]
    fn inverse_restores_the_input_and_energy_is_kept() {
        let h = Hadamard::new(32, 1).unwrap();
        let x: Vec<f32> = (0..64).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        let y = h.rotate(&x, 64).unwrap();
        let e0: f64 = x.iter().map(|&v| (v as f64).powi(2)).sum();
        let e1: f64 = y.iter().map(|&v| (v as f64).powi(2)).sum();
        assert!((e0 - e1).abs() / e0 < 1e-6);
        let back = h.unrotate(&y, 64).unwrap();
        for (a, b) in x.iter().zip(&back) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }

    #[test]
    fn seeds_give_different_signs_and_bad_sizes_are_errors() {
        assert_ne!(Hadamard::new(32, 1).unwrap(), Hadamard::new(32, 2).unwrap());
        assert_eq!(Hadamard::new(32, 5).unwrap(), Hadamard::new(32, 5).unwrap());
        assert_eq!(
            Hadamard::new(24, 0).unwrap_err(),
            QuantError::RotationBlock(24)
        );
        let h = Hadamard::new(16, 0).unwrap();
        assert_eq!(
            h.rotate(&[0.0; 20], 20).unwrap_err(),
            QuantError::RotationRow {
                row_len: 20,
                block: 16
            }
        );
    }
}
