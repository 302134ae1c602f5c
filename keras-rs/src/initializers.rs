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
#[non_exhaustive]
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

/// One registered initializer: Keras' class name, its function name, the config arguments it
/// honours, and how it reads them (an absent argument takes Keras' default).
struct Registered {
    class: &'static str,
    name: &'static str,
    keys: &'static [&'static str],
    read: fn(&Args<'_>) -> Result<Initializer>,
}

/// An initializer's config, read strictly: a non-number where a number belongs is an error.
struct Args<'a> {
    class: &'static str,
    config: &'a Value,
}

impl Args<'_> {
    fn number(&self, key: &str, default: f32) -> Result<f32> {
        match self.config.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_f64().map(|v| v as f32).ok_or_else(|| {
                Error::value(format!("Initializer {}: `{key}` must be a number. Received: {key}={v}", self.class))
            }),
        }
    }
}

/// The initializer registry: [`Initializer::get`], [`Initializer::from_config`] and the "Known
/// initializers" message come from this one list. `seed` is accepted everywhere: it fixes
/// Keras' own draws, which keras-rs' seeded generator does not reproduce (initial values are not
/// part of the parity, the saved weights are).
const INITIALIZERS: &[Registered] = &[
    Registered { class: "Zeros", name: "zeros", keys: &[], read: |_| Ok(Initializer::Zeros) },
    Registered { class: "Ones", name: "ones", keys: &[], read: |_| Ok(Initializer::Ones) },
    Registered {
        class: "Constant",
        name: "constant",
        keys: &["value"],
        read: |a| Ok(Initializer::Constant(a.number("value", 0.0)?)),
    },
    Registered {
        class: "RandomNormal",
        name: "random_normal",
        keys: &["mean", "stddev", "seed"],
        read: |a| Ok(Initializer::RandomNormal { mean: a.number("mean", 0.0)?, stddev: a.number("stddev", 0.05)? }),
    },
    Registered {
        class: "RandomUniform",
        name: "random_uniform",
        keys: &["minval", "maxval", "seed"],
        read: |a| {
            Ok(Initializer::RandomUniform { minval: a.number("minval", -0.05)?, maxval: a.number("maxval", 0.05)? })
        },
    },
    Registered {
        class: "TruncatedNormal",
        name: "truncated_normal",
        keys: &["mean", "stddev", "seed"],
        read: |a| Ok(Initializer::TruncatedNormal { mean: a.number("mean", 0.0)?, stddev: a.number("stddev", 0.05)? }),
    },
    Registered {
        class: "GlorotUniform",
        name: "glorot_uniform",
        keys: &["seed"],
        read: |_| Ok(Initializer::GlorotUniform),
    },
    Registered {
        class: "GlorotNormal",
        name: "glorot_normal",
        keys: &["seed"],
        read: |_| Ok(Initializer::GlorotNormal),
    },
    Registered { class: "HeUniform", name: "he_uniform", keys: &["seed"], read: |_| Ok(Initializer::HeUniform) },
    Registered { class: "HeNormal", name: "he_normal", keys: &["seed"], read: |_| Ok(Initializer::HeNormal) },
    Registered {
        class: "LecunUniform",
        name: "lecun_uniform",
        keys: &["seed"],
        read: |_| Ok(Initializer::LecunUniform),
    },
    Registered { class: "LecunNormal", name: "lecun_normal", keys: &["seed"], read: |_| Ok(Initializer::LecunNormal) },
    Registered {
        class: "Orthogonal",
        name: "orthogonal",
        keys: &["gain", "seed"],
        read: |a| Ok(Initializer::Orthogonal { gain: a.number("gain", 1.0)? }),
    },
];

/// Arguments keras-rs reads only at their Keras default, `None`.
const NULL_ONLY: &[&str] = &["input_axes", "output_axes"];

impl Initializer {
    /// The registered initializer called `name` (its function or class name).
    fn registered(name: &str) -> Result<&'static Registered> {
        INITIALIZERS.iter().find(|r| r.name == name || r.class == name).ok_or_else(|| {
            Error::UnknownIdentifier(format!(
                "Could not interpret initializer identifier: '{name}'. Known initializers: {}",
                INITIALIZERS.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// Looks an initializer up by Keras name (snake_case or class name), with Keras' defaults.
    pub fn get(name: &str) -> Result<Self> {
        let r = Self::registered(name)?;
        (r.read)(&Args { class: r.class, config: &Value::Null })
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

    /// Reads a name (`"he_normal"`) or Keras' serialized dict (see [`Initializer::to_config`]);
    /// an argument keras-rs does not implement is an error naming the initializer and the value.
    pub fn from_config(value: &Value) -> Result<Self> {
        if let Some(name) = value.as_str() {
            return Self::get(name);
        }
        let class = value.get("class_name").and_then(Value::as_str).ok_or_else(|| {
            Error::Format(format!("an initializer must be a name or a dict with `class_name`, received: {value}"))
        })?;
        let r = Self::registered(class)?;
        let config = value.get("config").unwrap_or(&Value::Null);
        // Keras 3.15's variance-scaling initializers write `input_axes`/`output_axes`: their
        // default (None) is what keras-rs computes; other values change the fans and are refused.
        let honoured = |k: &str, v: &Value| r.keys.contains(&k) || (v.is_null() && NULL_ONLY.contains(&k));
        if let Some((key, v)) = config.as_object().and_then(|c| c.iter().find(|(k, v)| !honoured(k, v))) {
            return Err(Error::value(format!(
                "Initializer {}: argument {key}={v} is not supported by keras-rs (it reads {:?})",
                r.class, r.keys
            )));
        }
        (r.read)(&Args { class: r.class, config })
    }

    /// Draws initial values for a weight of `shape`, row-major.
    pub fn sample(&self, shape: &[usize], rng: &mut SeedGenerator) -> Vec<f32> {
        self.sample_with_fans(shape, compute_fans(shape), rng)
    }

    /// Draws initial values for a weight of `shape` whose `(fan_in, fan_out)` are given rather
    /// than computed from the shape (Keras' `input_axes`/`output_axes`, which `EinsumDense` sets).
    pub fn sample_with_fans(&self, shape: &[usize], fans: (f32, f32), rng: &mut SeedGenerator) -> Vec<f32> {
        let n: usize = shape.iter().product();
        let (fan_in, fan_out) = fans;
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
    fn configs_are_read_strictly() {
        let read = |v: Value| Initializer::from_config(&v);
        let normal = read(json!({"class_name": "RandomNormal", "config": {"mean": 1.0, "stddev": 2.0, "seed": 7}}));
        assert_eq!(normal.unwrap(), Initializer::RandomNormal { mean: 1.0, stddev: 2.0 });
        let err = read(json!({"class_name": "HeNormal", "config": {"seed": null, "mode": "fan_out"}})).unwrap_err();
        assert!(err.to_string().contains("Initializer HeNormal: argument mode=\"fan_out\" is not supported"), "{err}");
        let keras =
            json!({"class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}});
        assert_eq!(read(keras).unwrap(), Initializer::GlorotUniform);
        let err = read(json!({"class_name": "GlorotUniform", "config": {"input_axes": [0, 1]}})).unwrap_err();
        assert!(err.to_string().contains("input_axes=[0,1]"), "{err}");
        let err = read(json!({"class_name": "Constant", "config": {"value": "one"}})).unwrap_err();
        assert!(err.to_string().contains("`value` must be a number"), "{err}");
        let err = Initializer::get("he_norml").unwrap_err().to_string();
        assert!(err.contains("'he_norml'") && err.contains("he_normal, lecun_uniform"), "{err}");
    }

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
