//! Keras initializers (`keras.initializers`): names, defaults and fan computation as Keras 3.

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::random::SeedGenerator;

/// A Keras weight initializer.
///
/// ```
/// use keras_rs::initializers::Initializer;
/// let init = Initializer::get("glorot_uniform").unwrap();
/// let mut rng = keras_rs::random::SeedGenerator::new(0);
/// let w = init.sample(&[4, 3], &mut rng);
/// let limit = (6.0f32 / 7.0).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= limit));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    /// All zeros (`zeros`).
    Zeros,
    /// All ones (`ones`).
    Ones,
    /// A constant value (`constant`).
    Constant(f32),
    /// `random_normal` (Keras defaults mean 0, stddev 0.05).
    RandomNormal {
        /// Mean.
        mean: f32,
        /// Standard deviation.
        stddev: f32,
    },
    /// `random_uniform` (Keras defaults -0.05, 0.05).
    RandomUniform {
        /// Lower bound.
        minval: f32,
        /// Upper bound.
        maxval: f32,
    },
    /// `truncated_normal` (mean 0, stddev 0.05, cut at two standard deviations).
    TruncatedNormal {
        /// Mean.
        mean: f32,
        /// Standard deviation.
        stddev: f32,
    },
    /// `glorot_uniform`: U(-l, l), l = sqrt(6 / (fan_in + fan_out)). Dense's default.
    GlorotUniform,
    /// `glorot_normal`: truncated normal, stddev sqrt(2 / (fan_in + fan_out)).
    GlorotNormal,
    /// `he_uniform`: U(-l, l), l = sqrt(6 / fan_in).
    HeUniform,
    /// `he_normal`: truncated normal, stddev sqrt(2 / fan_in).
    HeNormal,
    /// `lecun_uniform`: U(-l, l), l = sqrt(3 / fan_in).
    LecunUniform,
    /// `lecun_normal`: truncated normal, stddev sqrt(1 / fan_in).
    LecunNormal,
    /// `orthogonal` with a gain (default 1.0).
    Orthogonal {
        /// Multiplicative factor.
        gain: f32,
    },
}

/// Keras' stddev correction for a normal truncated at two standard deviations.
const TRUNCATION_CORRECTION: f32 = 0.879_625_7;

/// Keras' `compute_fans`: (fan_in, fan_out) of a weight shape.
pub fn compute_fans(shape: &[usize]) -> (f32, f32) {
    match shape.len() {
        0 => (1.0, 1.0),
        1 => (shape[0] as f32, shape[0] as f32),
        2 => (shape[0] as f32, shape[1] as f32),
        n => {
            let receptive: usize = shape[..n - 2].iter().product();
            ((shape[n - 2] * receptive) as f32, (shape[n - 1] * receptive) as f32)
        }
    }
}

impl Initializer {
    /// Looks an initializer up by Keras name (snake_case or class name).
    pub fn get(name: &str) -> Result<Self> {
        Ok(match name {
            "zeros" | "Zeros" => Initializer::Zeros,
            "ones" | "Ones" => Initializer::Ones,
            "constant" | "Constant" => Initializer::Constant(0.0),
            "random_normal" | "RandomNormal" => Initializer::RandomNormal { mean: 0.0, stddev: 0.05 },
            "random_uniform" | "RandomUniform" => Initializer::RandomUniform { minval: -0.05, maxval: 0.05 },
            "truncated_normal" | "TruncatedNormal" => Initializer::TruncatedNormal { mean: 0.0, stddev: 0.05 },
            "glorot_uniform" | "GlorotUniform" => Initializer::GlorotUniform,
            "glorot_normal" | "GlorotNormal" => Initializer::GlorotNormal,
            "he_uniform" | "HeUniform" => Initializer::HeUniform,
            "he_normal" | "HeNormal" => Initializer::HeNormal,
            "lecun_uniform" | "LecunUniform" => Initializer::LecunUniform,
            "lecun_normal" | "LecunNormal" => Initializer::LecunNormal,
            "orthogonal" | "Orthogonal" => Initializer::Orthogonal { gain: 1.0 },
            other => {
                return Err(Error::UnknownIdentifier(format!(
                    "Could not interpret initializer identifier: '{other}'. Known initializers: zeros, ones, constant, \
                     random_normal, random_uniform, truncated_normal, glorot_uniform, glorot_normal, he_uniform, \
                     he_normal, lecun_uniform, lecun_normal, orthogonal"
                )));
            }
        })
    }

    /// The Keras class name (`GlorotUniform`, ...).
    pub fn class_name(&self) -> &'static str {
        match self {
            Initializer::Zeros => "Zeros",
            Initializer::Ones => "Ones",
            Initializer::Constant(_) => "Constant",
            Initializer::RandomNormal { .. } => "RandomNormal",
            Initializer::RandomUniform { .. } => "RandomUniform",
            Initializer::TruncatedNormal { .. } => "TruncatedNormal",
            Initializer::GlorotUniform => "GlorotUniform",
            Initializer::GlorotNormal => "GlorotNormal",
            Initializer::HeUniform => "HeUniform",
            Initializer::HeNormal => "HeNormal",
            Initializer::LecunUniform => "LecunUniform",
            Initializer::LecunNormal => "LecunNormal",
            Initializer::Orthogonal { .. } => "Orthogonal",
        }
    }

    /// Keras' serialized form: `{"module": "keras.initializers", "class_name": ..., "config": ...}`.
    pub fn to_config(&self) -> Value {
        let config = match self {
            Initializer::Zeros | Initializer::Ones => json!({}),
            Initializer::Constant(v) => json!({"value": v}),
            Initializer::RandomNormal { mean, stddev } | Initializer::TruncatedNormal { mean, stddev } => {
                json!({"mean": mean, "stddev": stddev, "seed": null})
            }
            Initializer::RandomUniform { minval, maxval } => json!({"minval": minval, "maxval": maxval, "seed": null}),
            Initializer::Orthogonal { gain } => json!({"gain": gain, "seed": null}),
            _ => json!({"seed": null}),
        };
        json!({"module": "keras.initializers", "class_name": self.class_name(), "config": config, "registered_name": null})
    }

    /// Reads a name (`"he_normal"`) or Keras' serialized dict (see [`Initializer::to_config`]).
    pub fn from_config(value: &Value) -> Result<Self> {
        if let Some(name) = value.as_str() {
            return Self::get(name);
        }
        let class = value.get("class_name").and_then(Value::as_str).ok_or_else(|| {
            Error::Format(format!("an initializer must be a name or a dict with `class_name`, received: {value}"))
        })?;
        let cfg = value.get("config").cloned().unwrap_or(json!({}));
        let f = |k: &str, d: f32| cfg.get(k).and_then(Value::as_f64).map_or(d, |v| v as f32);
        Ok(match Self::get(class)? {
            Initializer::Constant(_) => Initializer::Constant(f("value", 0.0)),
            Initializer::RandomNormal { .. } => {
                Initializer::RandomNormal { mean: f("mean", 0.0), stddev: f("stddev", 0.05) }
            }
            Initializer::TruncatedNormal { .. } => {
                Initializer::TruncatedNormal { mean: f("mean", 0.0), stddev: f("stddev", 0.05) }
            }
            Initializer::RandomUniform { .. } => {
                Initializer::RandomUniform { minval: f("minval", -0.05), maxval: f("maxval", 0.05) }
            }
            Initializer::Orthogonal { .. } => Initializer::Orthogonal { gain: f("gain", 1.0) },
            other => other,
        })
    }

    /// Draws initial values for a weight of `shape`, row-major.
    pub fn sample(&self, shape: &[usize], rng: &mut SeedGenerator) -> Vec<f32> {
        let n: usize = shape.iter().product();
        let (fan_in, fan_out) = compute_fans(shape);
        let uniform = |rng: &mut SeedGenerator, limit: f32| (0..n).map(|_| rng.uniform(-limit, limit)).collect();
        let truncated =
            |rng: &mut SeedGenerator, std: f32| (0..n).map(|_| rng.truncated_normal() * std).collect::<Vec<f32>>();
        match self {
            Initializer::Zeros => vec![0.0; n],
            Initializer::Ones => vec![1.0; n],
            Initializer::Constant(v) => vec![*v; n],
            Initializer::RandomNormal { mean, stddev } => (0..n).map(|_| mean + stddev * rng.normal()).collect(),
            Initializer::RandomUniform { minval, maxval } => (0..n).map(|_| rng.uniform(*minval, *maxval)).collect(),
            Initializer::TruncatedNormal { mean, stddev } => {
                (0..n).map(|_| mean + stddev * rng.truncated_normal()).collect()
            }
            Initializer::GlorotUniform => uniform(rng, (6.0 / (fan_in + fan_out)).sqrt()),
            Initializer::GlorotNormal => truncated(rng, (2.0 / (fan_in + fan_out)).sqrt() / TRUNCATION_CORRECTION),
            Initializer::HeUniform => uniform(rng, (6.0 / fan_in).sqrt()),
            Initializer::HeNormal => truncated(rng, (2.0 / fan_in).sqrt() / TRUNCATION_CORRECTION),
            Initializer::LecunUniform => uniform(rng, (3.0 / fan_in).sqrt()),
            Initializer::LecunNormal => truncated(rng, (1.0 / fan_in).sqrt() / TRUNCATION_CORRECTION),
            Initializer::Orthogonal { gain } => orthogonal(shape, *gain, rng),
        }
    }
}

/// Keras' orthogonal initializer: QR of a normal matrix (rows = prod(shape[..-1]), cols =
/// shape[-1]), sign-corrected; done by modified Gram-Schmidt on the longer side.
fn orthogonal(shape: &[usize], gain: f32, rng: &mut SeedGenerator) -> Vec<f32> {
    let cols = *shape.last().unwrap_or(&1);
    let rows: usize = shape.iter().product::<usize>() / cols.max(1);
    // Orthonormalise the `k` vectors of length `len` (k <= len).
    let (k, len) = if rows < cols { (rows, cols) } else { (cols, rows) };
    let mut vecs: Vec<Vec<f64>> = (0..k).map(|_| (0..len).map(|_| rng.normal() as f64).collect()).collect();
    for i in 0..k {
        for j in 0..i {
            let dot: f64 = vecs[i].iter().zip(&vecs[j]).map(|(a, b)| a * b).sum();
            let vj = vecs[j].clone();
            vecs[i].iter_mut().zip(&vj).for_each(|(a, b)| *a -= dot * b);
        }
        let norm = vecs[i].iter().map(|a| a * a).sum::<f64>().sqrt().max(1e-12);
        vecs[i].iter_mut().for_each(|a| *a /= norm);
    }
    let mut out = vec![0.0f32; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            // rows >= cols: column c is vector c; otherwise row r is vector r.
            let v = if rows >= cols { vecs[c][r] } else { vecs[r][c] };
            out[r * cols + c] = (v as f32) * gain;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fans_follow_keras() {
        assert_eq!(compute_fans(&[3, 3, 8, 16]), (72.0, 144.0));
        assert_eq!(compute_fans(&[5, 7]), (5.0, 7.0));
    }

    #[test]
    fn orthogonal_is_orthonormal() {
        let mut rng = SeedGenerator::new(3);
        for (r, c) in [(6, 4), (4, 6), (5, 5)] {
            let w = Initializer::Orthogonal { gain: 1.0 }.sample(&[r, c], &mut rng);
            // W^T W = I (tall) or W W^T = I (wide)
            type At = fn(&[f32], usize, usize, usize) -> f32;
            let tall: At = |w, i, l, c| w[l * c + i];
            let wide: At = |w, i, l, c| w[i * c + l];
            let (k, len, at) = if r >= c { (c, r, tall) } else { (r, c, wide) };
            for i in 0..k {
                for j in 0..k {
                    let dot: f32 = (0..len).map(|l| at(&w, i, l, c) * at(&w, j, l, c)).sum();
                    assert!((dot - if i == j { 1.0 } else { 0.0 }).abs() < 1e-4, "{r}x{c}: {dot}");
                }
            }
        }
    }

    #[test]
    fn config_round_trip_and_unknown_name() {
        for name in ["zeros", "ones", "glorot_uniform", "he_normal", "orthogonal", "random_uniform"] {
            let init = Initializer::get(name).unwrap();
            assert_eq!(Initializer::from_config(&init.to_config()).unwrap(), init);
        }
        assert!(Initializer::get("glorot").unwrap_err().to_string().contains("'glorot'"));
    }

    #[test]
    fn he_normal_has_keras_variance() {
        let w = Initializer::HeNormal.sample(&[400, 300], &mut SeedGenerator::new(5));
        let var = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
        assert!((var - 2.0 / 400.0).abs() < 2e-4, "{var}");
    }
}
