//! What the image augmentation layers share: Keras' `factor` arguments, its fill modes and
//! interpolations, and `affine_transform` as Keras' JAX backend computes it
//! (`jax.scipy.ndimage.map_coordinates` over each image).

use serde_json::Value;

use crate::error::{Error, Result};
use crate::layers::config::{ConfigValue, Validate, invalid, keras_config};

/// A `factor` argument as Keras takes it: one number `f` (a range around 0 whose bounds the
/// layer sets) or a `[lower, upper]` pair. Written back as given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Factor {
    /// One number.
    Number(f32),
    /// Two numbers (sorted when used).
    Range(f32, f32),
}

impl From<f32> for Factor {
    fn from(v: f32) -> Self {
        Factor::Number(v)
    }
}
impl From<(f32, f32)> for Factor {
    fn from((a, b): (f32, f32)) -> Self {
        Factor::Range(a, b)
    }
}

impl crate::layers::IntoArg<Option<Factor>> for f32 {
    fn into_arg(self) -> Option<Factor> {
        Some(Factor::Number(self))
    }
}
impl crate::layers::IntoArg<Option<Factor>> for (f32, f32) {
    fn into_arg(self) -> Option<Factor> {
        Some(self.into())
    }
}

impl ConfigValue for Factor {
    fn to_value(&self) -> Value {
        match *self {
            Factor::Number(v) => Value::from(v),
            Factor::Range(a, b) => Value::from(vec![a, b]),
        }
    }
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        if let Some(v) = value.as_f64() {
            return Ok(Factor::Number(v as f32));
        }
        match serde_json::from_value::<Vec<f32>>(value.clone()) {
            Ok(v) if v.len() == 2 => Ok(Factor::Range(v[0], v[1])),
            _ => Err(invalid(key, class, value, "expected a number or a list of two numbers")),
        }
    }
}

impl Factor {
    /// `(lower, upper)`: a pair sorted, a number `f` as `(max(-|f|, floor), |f|)` — Keras'
    /// `_set_factor` of the image layers with `floor` their lower bound.
    pub(crate) fn range(self, floor: f32) -> (f32, f32) {
        match self {
            Factor::Number(f) => ((-f.abs()).max(floor), f.abs()),
            Factor::Range(a, b) => (a.min(b), a.max(b)),
        }
    }

    /// Keras' `_set_factor` range check for factors bounded by `[floor, 1]`, naming `key`: a
    /// number within the bounds; a pair, as given, whose first value is at most 1 and second at
    /// least `floor`.
    pub(crate) fn check(self, key: &str, floor: f32) -> Result<()> {
        let out = match self {
            Factor::Number(f) => f < floor || f > 1.0,
            Factor::Range(first, second) => first > 1.0 || second < floor,
        };
        if out {
            let received = match self {
                Factor::Number(f) => format!("{f}"),
                Factor::Range(a, b) => format!("({a}, {b})"),
            };
            return Err(Error::value(format!(
                "The `{key}` argument should be a number (or a list of two numbers) in the range [{floor}, 1]. \
                 Received: {key}={received}"
            )));
        }
        Ok(())
    }

    /// What Keras' `_set_factor` keeps and writes for bounds `[floor, 1]`: the sorted pair. An
    /// out-of-range factor stays as given, so `build` refuses it in Keras' words.
    pub(crate) fn as_set(self, floor: f32) -> Factor {
        if self.check("factor", floor).is_err() {
            return self;
        }
        let (lower, upper) = self.range(floor);
        Factor::Range(lower, upper)
    }

    /// The numbers given, for range checks.
    pub(crate) fn values(self) -> Vec<f32> {
        match self {
            Factor::Number(f) => vec![f],
            Factor::Range(a, b) => vec![a, b],
        }
    }
}

/// How the pixels a transform brings in from outside the image are filled (Keras' `fill_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FillMode {
    /// `d c b a | a b c d | d c b a` (Keras' default for the geometric layers).
    Reflect,
    /// `a b c d | a b c d | a b c d`.
    Wrap,
    /// `k k k k | a b c d | k k k k` with `fill_value` k.
    Constant,
    /// `a a a a | a b c d | d d d d`.
    Nearest,
}

impl FillMode {
    /// Parses Keras' names; others with Keras' error.
    pub(crate) fn parse(value: &str) -> Result<Self> {
        match value {
            "reflect" => Ok(FillMode::Reflect),
            "wrap" => Ok(FillMode::Wrap),
            "constant" => Ok(FillMode::Constant),
            "nearest" => Ok(FillMode::Nearest),
            other => Err(Error::value(format!(
                "Unknown `fill_mode` {other}. Expected of one ('reflect', 'wrap', 'constant', 'nearest')."
            ))),
        }
    }

    /// The source index for `index` on an axis of `size`, `None` outside it in constant mode
    /// (jax's index fixers).
    fn fix(self, index: i64, size: usize) -> Option<usize> {
        let n = size as i64;
        let mirror = |i: i64, n: i64| {
            let s = n - 1;
            if s == 0 { 0 } else { ((i + s).rem_euclid(2 * s) - s).abs() }
        };
        let fixed = match self {
            FillMode::Constant => index,
            FillMode::Nearest => index.clamp(0, n - 1),
            FillMode::Wrap => index.rem_euclid(n),
            FillMode::Reflect => (mirror(2 * index + 1, 2 * n + 1) - 1).div_euclid(2),
        };
        (0..n).contains(&fixed).then_some(fixed as usize)
    }
}

/// How a transformed image is sampled (Keras' `interpolation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interpolation {
    /// The nearest pixel (rounded half away from zero).
    Nearest,
    /// The four neighbours, weighted by distance.
    Bilinear,
}

impl Interpolation {
    /// Parses Keras' names; others with Keras' error.
    pub(crate) fn parse(value: &str) -> Result<Self> {
        match value {
            "nearest" => Ok(Interpolation::Nearest),
            "bilinear" => Ok(Interpolation::Bilinear),
            other => {
                Err(Error::value(format!("Unknown `interpolation` {other}. Expected of one ('nearest', 'bilinear').")))
            }
        }
    }
}

keras_config! {
    /// Keras' `fill_mode`, `interpolation`, `seed` and `fill_value` arguments of the geometric
    /// augmentation layers (`RandomRotation`, `RandomZoom`, `RandomTranslation`).
    pub struct FillArgs {
        args {
            /// `"reflect"` (default), `"wrap"`, `"constant"` or `"nearest"`.
            fill_mode: String = "reflect".to_string(),
            /// `"bilinear"` (default) or `"nearest"`.
            interpolation: String = "bilinear".to_string(),
            /// Keras' `seed=` (kept in the config; the draws come from the model's generator).
            seed: Option<u64> = None,
            /// The value of `fill_mode="constant"` (default 0).
            fill_value: f32 = 0.0,
        }
    }
    setters for [] crate::layers::RandomRotation => config.fill;
    setters for [] crate::layers::RandomZoom => config.fill;
    setters for [] crate::layers::RandomTranslation => config.fill;
}

impl Validate for FillArgs {
    fn validate(&self) -> Result<()> {
        self.sampling().map(|_| ())
    }
}

impl FillArgs {
    /// How these arguments sample a transformed image.
    pub(crate) fn sampling(&self) -> Result<Sampling> {
        Ok(Sampling {
            interpolation: Interpolation::parse(&self.interpolation)?,
            fill_mode: FillMode::parse(&self.fill_mode)?,
            fill_value: self.fill_value,
        })
    }
}

/// An image transform in Keras' form `[a0, a1, a2, b0, b1, b2]`: output pixel `(x, y)` (column,
/// row) samples the input at `(a0 x + a1 y + a2, b0 x + b1 y + b2)`.
pub(crate) type Transform = [f32; 6];

/// How `affine_transform` samples and fills.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sampling {
    /// Nearest or bilinear.
    pub interpolation: Interpolation,
    /// What lies outside the image.
    pub fill_mode: FillMode,
    /// The constant of `FillMode::Constant`.
    pub fill_value: f32,
}

/// Keras' `affine_transform` of channels-last `images` (`[batch, h, w, c]`, row-major), one
/// transform per image.
pub(crate) fn affine_transform(images: &[f32], dims: [usize; 4], transforms: &[Transform], s: Sampling) -> Vec<f32> {
    let [batch, h, w, c] = dims;
    let mut out = vec![0.0f32; images.len()];
    for (b, t) in transforms.iter().enumerate().take(batch) {
        let image = &images[b * h * w * c..(b + 1) * h * w * c];
        let pixel = |r: Option<usize>, col: Option<usize>, k: usize| match (r, col) {
            (Some(r), Some(col)) => image[(r * w + col) * c + k],
            _ => s.fill_value,
        };
        for i in 0..h {
            for j in 0..w {
                let (x, y) = (j as f32, i as f32);
                let row = t[4] * y + t[3] * x + t[5];
                let col = t[1] * y + t[0] * x + t[2];
                let o = &mut out[((b * h + i) * w + j) * c..((b * h + i) * w + j + 1) * c];
                match s.interpolation {
                    Interpolation::Nearest => {
                        let (r, cl) = (row.round() as i64, col.round() as i64);
                        let (r, cl) = (s.fill_mode.fix(r, h), s.fill_mode.fix(cl, w));
                        for (k, v) in o.iter_mut().enumerate() {
                            *v = pixel(r, cl, k);
                        }
                    }
                    Interpolation::Bilinear => {
                        let (r0, c0) = (row.floor(), col.floor());
                        let (wr, wc) = (row - r0, col - c0);
                        let taps = [(r0 as i64, 1.0 - wr), (r0 as i64 + 1, wr)];
                        let cols = [(c0 as i64, 1.0 - wc), (c0 as i64 + 1, wc)];
                        for (k, v) in o.iter_mut().enumerate() {
                            let mut sum = 0.0f32;
                            for &(r, wr) in &taps {
                                for &(cl, wc) in &cols {
                                    let value = pixel(s.fill_mode.fix(r, h), s.fill_mode.fix(cl, w), k);
                                    sum += wr * wc * value;
                                }
                            }
                            *v = sum;
                        }
                    }
                }
            }
        }
    }
    out
}

/// Runs `augment` on a channels-last image batch (`[batch, h, w, c]`, host-side, so the result
/// carries no gradient back to the layer's input — augmentation layers take a model's inputs).
pub(crate) fn on_images(
    inputs: crate::backend::DynTensor,
    who: &str,
    augment: impl FnOnce(Vec<f32>, [usize; 4]) -> Result<Vec<f32>>,
) -> Result<crate::backend::DynTensor> {
    let (device, dims) = (inputs.device(), inputs.dims());
    crate::shape::Shape::known(&dims).check_ndim(who, 4)?;
    let images = augment(inputs.into_vec()?, [dims[0], dims[1], dims[2], dims[3]])?;
    crate::backend::DynTensor::from_data(images, &dims, &device)
}

/// The `Layer` of an augmentation layer (`$ty` has `base`, `config` with `to_config`, and
/// `augment(&self, inputs, ctx)`): channels-last image batches in and out, the identity
/// outside training.
macro_rules! augmentation_layer {
    ($ty:ident, $class:literal) => {
        impl $crate::layers::Layer for $ty {
            $crate::layers::builders::layer_boilerplate!($class);

            fn config(&self) -> serde_json::Value {
                self.config.to_config()
            }
            fn compute_output_shape(
                &self,
                input: &$crate::shape::Shape,
            ) -> $crate::error::Result<$crate::shape::Shape> {
                let name = self.base.name.as_deref().unwrap_or($class);
                input.check_ndim(name, 4)?;
                $crate::layers::config::validated(&self.config, name)?;
                Ok(input.clone())
            }
            fn build(
                &mut self,
                input_shape: &$crate::shape::Shape,
            ) -> $crate::error::Result<Vec<$crate::layers::VariableSpec>> {
                $crate::layers::Layer::compute_output_shape(self, input_shape)?;
                Ok(Vec::new())
            }
            fn forward(
                &self,
                inputs: $crate::backend::DynTensor,
                _weights: $crate::layers::Weights<'_>,
                ctx: &mut $crate::layers::CallContext<'_>,
            ) -> $crate::error::Result<$crate::backend::DynTensor> {
                if !ctx.training {
                    return Ok(inputs);
                }
                self.augment(inputs, ctx)
            }
        }
    };
}
pub(crate) use augmentation_layer;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_modes_extend_a_row_as_scipy_does() {
        let at = |mode: FillMode| (-4..8).map(|i| mode.fix(i, 4).map_or(-1, |v| v as i64)).collect::<Vec<_>>();
        assert_eq!(at(FillMode::Reflect), vec![3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0]);
        assert_eq!(at(FillMode::Wrap), vec![0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
        assert_eq!(at(FillMode::Nearest), vec![0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3]);
        assert_eq!(at(FillMode::Constant), vec![-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1]);
        assert_eq!(Factor::Number(0.2).range(-1.0), (-0.2, 0.2));
        assert_eq!(Factor::Number(0.2).range(0.0), (0.0, 0.2));
        assert!(FillMode::parse("mirror").unwrap_err().to_string().contains("Unknown `fill_mode` mirror"));
        // Keras 3.15's RandomRotation: pairs are checked as given, then sorted.
        for (pair, ok) in [((0.5, -2.0), false), ((2.0, 0.5), false), ((-2.0, 0.5), true), ((0.9, 0.1), true)] {
            assert_eq!(Factor::from(pair).check("factor", -1.0).is_ok(), ok, "{pair:?}");
        }
        assert_eq!(Factor::from((0.9, 0.1)).as_set(-1.0), Factor::Range(0.1, 0.9));
    }

    #[test]
    fn a_shift_by_one_column_with_constant_fill() {
        let image: Vec<f32> = (1..=6).map(|v| v as f32).collect(); // 2 x 3, one channel
        let sampling =
            Sampling { interpolation: Interpolation::Bilinear, fill_mode: FillMode::Constant, fill_value: 0.0 };
        let out = affine_transform(&image, [1, 2, 3, 1], &[[1.0, 0.0, -1.0, 0.0, 1.0, 0.0]], sampling);
        assert_eq!(out, vec![0.0, 1.0, 2.0, 0.0, 4.0, 5.0]);
    }
}
