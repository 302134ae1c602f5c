//! Seeding: one seed makes weight initialisation, shuffling and dropout reproducible.
//!
//! `keras_rs::utils::set_random_seed(42)` (Keras: `keras.utils.set_random_seed(42)`) seeds every
//! model created afterwards; `Sequential::new().seed(42)` seeds one model. Without a seed, each
//! model draws one from the clock.

use std::sync::Mutex;

use rand::{RngExt, SeedableRng, rngs::Xoshiro256PlusPlus as StdRng};

static GLOBAL: Mutex<Option<StdRng>> = Mutex::new(None);

/// Seeds keras-rs' global generator: models created afterwards draw their seeds from it, so a
/// program that calls this first is reproducible. (Keras: `keras.utils.set_random_seed`.)
///
/// ```
/// keras_rs::utils::set_random_seed(1337);
/// ```
pub fn set_random_seed(seed: u64) {
    *GLOBAL.lock().unwrap_or_else(|e| e.into_inner()) = Some(StdRng::seed_from_u64(seed));
}

/// A fresh seed: from the global generator if [`set_random_seed`] was called, else the clock.
pub(crate) fn next_seed() -> u64 {
    let mut guard = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    match guard.as_mut() {
        Some(rng) => rng.random(),
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            nanos ^ (std::process::id() as u64).rotate_left(32)
        }
    }
}

/// A seeded random source (Keras' `SeedGenerator`).
#[derive(Clone, Debug)]
pub struct SeedGenerator {
    rng: StdRng,
}

impl SeedGenerator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SeedGenerator { rng: StdRng::seed_from_u64(seed) }
    }

    /// A uniform sample in `[low, high)`.
    pub fn uniform(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.rng.random::<f32>()
    }

    /// A standard normal sample (Box-Muller).
    pub fn normal(&mut self) -> f32 {
        loop {
            let u1: f64 = self.rng.random();
            let u2: f64 = self.rng.random();
            if u1 > f64::MIN_POSITIVE {
                return ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32;
            }
        }
    }

    /// A normal sample truncated to two standard deviations (Keras' `truncated_normal`).
    pub fn truncated_normal(&mut self) -> f32 {
        loop {
            let v = self.normal();
            if v.abs() <= 2.0 {
                return v;
            }
        }
    }

    /// A random `u64` (to derive other seeds).
    pub fn next_u64(&mut self) -> u64 {
        self.rng.random()
    }

    /// A random permutation of `0..n` (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.rng.random_range(0..=i);
            idx.swap(i, j);
        }
        idx
    }

    /// `n` Bernoulli draws: `1/(1-rate)` with probability `1-rate`, else 0 (a dropout mask).
    pub fn dropout_mask(&mut self, n: usize, rate: f32) -> Vec<f32> {
        let keep = 1.0 - rate;
        let scale = 1.0 / keep;
        (0..n).map(|_| if self.rng.random::<f32>() < keep { scale } else { 0.0 }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SeedGenerator::new(7);
        let mut b = SeedGenerator::new(7);
        assert_eq!(a.permutation(10), b.permutation(10));
        assert_eq!(a.normal().to_bits(), b.normal().to_bits());
        let mut p = SeedGenerator::new(7).permutation(50);
        p.sort();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn dropout_mask_scales_kept_units() {
        let m = SeedGenerator::new(1).dropout_mask(10_000, 0.25);
        let kept = m.iter().filter(|v| **v > 0.0).count() as f32 / 10_000.0;
        assert!((kept - 0.75).abs() < 0.03, "{kept}");
        assert!(m.iter().all(|v| *v == 0.0 || (*v - 1.0 / 0.75).abs() < 1e-6));
    }
}
