//! `Normalization`: shifts and scales inputs to zero mean and unit variance, with the mean and
//! variance given or learned from data by `adapt`.

use burn::tensor::Tensor;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{ConfigValue, Validate, invalid, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::losses::EPSILON;
use crate::shape::Shape;

/// Keras' `Normalization(axis=-1, mean=None, variance=None, invert=False)`: `(x - mean) /
/// sqrt(variance)` (with `invert`, `mean + x * sqrt(variance)`), one mean and variance per
/// position of the kept `axis` (`axis(&[])`: one for everything). Without `mean`/`variance`
/// the layer has Keras' non-trainable `mean`, `variance` and `count` weights, saved with the
/// model and set by [`adapt`](Normalization::adapt) before the layer goes into a model.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Normalization;
/// let data = ndarray::array![[0.0f32, 10.0], [2.0, 30.0]].into_dyn();
/// let norm = Normalization::new().adapt(&data).unwrap();
/// let model = Sequential::new().add(Input::new(&[2])).add(norm);
/// let y = model.predict(&ndarray::array![[1.0f32, 20.0], [3.0, 40.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![0.0, 0.0, 2.0, 2.0]);
/// assert_eq!(model.count_params(), 5); // mean (2), variance (2), count
/// ```
#[derive(Clone, Debug)]
pub struct Normalization {
    base: LayerBase,
    config: NormalizationConfig,
    /// The mean and variance `adapt` computed, over the kept axes' positions.
    adapted: Option<(Vec<f32>, Vec<f32>)>,
    /// The kept axes' positions and sizes once built (or adapted).
    kept: Option<Kept>,
    /// A given mean and variance spread over [`Kept::broadcast_shape`], once built.
    given: Option<(Vec<f32>, Vec<f32>)>,
}

/// Where the statistics live: the input rank, the kept (non-reduced) axes and their sizes.
#[derive(Clone, Debug, PartialEq)]
struct Kept {
    rank: usize,
    axes: Vec<usize>,
    sizes: Vec<usize>,
}

impl Kept {
    /// The statistics' shape: the input's rank, size 1 on every reduced axis.
    fn broadcast_shape(&self) -> Vec<usize> {
        let mut shape = vec![1; self.rank];
        for (&axis, &size) in self.axes.iter().zip(&self.sizes) {
            shape[axis] = size;
        }
        shape
    }

    /// A given statistic over [`Kept::broadcast_shape`]: a scalar at every kept position, a
    /// list along the last kept axis.
    fn spread(&self, stat: &Stat, layer: &str) -> Result<Vec<f32>> {
        let total: usize = self.sizes.iter().product();
        match stat {
            Stat::Scalar(v) => Ok(vec![*v; total]),
            Stat::List(v) => {
                let last = self.sizes.last().copied().unwrap_or(1);
                if v.len() != last && v.len() != 1 {
                    return Err(Error::value(format!(
                        "Layer \"{layer}\": `mean`/`variance` of length {} do not match the last kept axis (size \
                         {last})",
                        v.len()
                    )));
                }
                Ok((0..total).map(|i| v[if v.len() == 1 { 0 } else { i % last }]).collect())
            }
        }
    }
}

keras_config! {
    /// Keras' `Normalization` arguments.
    pub struct NormalizationConfig {
        args {
            /// Whether to undo a normalization instead: `mean + x * sqrt(variance)` (default false).
            invert: bool = false,
        }
        other {
            /// The axes that keep one statistic per position (default `[-1]`, the features; `[]`:
            /// one mean and variance for every value).
            axis: Vec<i64> = vec![-1],
            /// The given mean: one number, or one per position of the last kept axis (default
            /// `None`: from `adapt` or the saved weights).
            mean: Option<Stat> = None,
            /// The given variance, shaped as `mean`.
            variance: Option<Stat> = None,
        }
    }
}

/// A given mean or variance: one number for every position, or a list for the last kept axis.
#[derive(Clone, Debug, PartialEq)]
pub enum Stat {
    /// One number.
    Scalar(f32),
    /// One number per position of the last kept axis.
    List(Vec<f32>),
}

impl ConfigValue for Stat {
    fn to_value(&self) -> Value {
        match self {
            Stat::Scalar(v) => Value::from(*v),
            Stat::List(v) => Value::from(v.clone()),
        }
    }
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        if let Some(v) = value.as_f64() {
            return Ok(Stat::Scalar(v as f32));
        }
        serde_json::from_value::<Vec<f32>>(value.clone())
            .map(Stat::List)
            .map_err(|_| invalid(key, class, value, "keras-rs takes one number or a flat list"))
    }
}

impl Validate for NormalizationConfig {
    fn validate(&self) -> Result<()> {
        match (&self.mean, &self.variance) {
            (Some(Stat::List(m)), Some(Stat::List(v))) if m.len() != v.len() => Err(Error::value(format!(
                "When setting values directly, `mean` and `variance` must have the same shape. Received: mean \
                 shape ({},) and variance shape ({},)",
                m.len(),
                v.len()
            ))),
            (Some(Stat::List(_)), Some(Stat::Scalar(_))) | (Some(Stat::Scalar(_)), Some(Stat::List(_))) => {
                Err(Error::value("When setting values directly, `mean` and `variance` must have the same shape."))
            }
            (Some(_), None) | (None, Some(_)) => Err(Error::value(format!(
                "When setting values directly, both `mean` and `variance` must be set. Received: mean={:?} and \
                 variance={:?}",
                self.mean, self.variance
            ))),
            (Some(Stat::List(_)), _) if self.axis.is_empty() => Err(Error::value(
                "The rank of `mean` must be less than or equal to the number of axes (0). Received a list for \
                 axis ()",
            )),
            _ => Ok(()),
        }
    }
}

common_builders!(Normalization);

impl Default for Normalization {
    fn default() -> Self {
        Self::new()
    }
}

impl Normalization {
    /// Keras' defaults: statistics per feature (last axis), from `adapt` or the saved weights.
    pub fn new() -> Self {
        Normalization {
            base: LayerBase::default(),
            config: NormalizationConfig::new(),
            adapted: None,
            kept: None,
            given: None,
        }
    }
    /// Reads Keras' `Normalization` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut read = NormalizationConfig::from_config(config, "Normalization")?;
        // Keras writes `axis` as a list; a bare number (or `null`, all axes reduced) also reads.
        if let Some(axis) = config.get("axis") {
            read.axis = match axis {
                Value::Null => Vec::new(),
                Value::Number(n) => vec![n.as_i64().ok_or_else(|| invalid("axis", "Normalization", axis, "an int"))?],
                _ => read.axis,
            };
        }
        Ok(Normalization { base: LayerBase::from_config(config), config: read, adapted: None, kept: None, given: None })
    }
    /// The axes that keep one statistic per position (default `[-1]`; `[]` for one overall).
    pub fn axis(mut self, axis: &[i64]) -> Self {
        self.config.axis = axis.to_vec();
        self
    }
    /// A given mean and variance (one number each), instead of `adapt`.
    pub fn mean_variance(mut self, mean: f32, variance: f32) -> Self {
        self.config.mean = Some(Stat::Scalar(mean));
        self.config.variance = Some(Stat::Scalar(variance));
        self
    }
    /// A given mean and variance per position of the last kept axis, instead of `adapt`.
    pub fn mean_variance_per_feature(mut self, mean: &[f32], variance: &[f32]) -> Self {
        self.config.mean = Some(Stat::List(mean.to_vec()));
        self.config.variance = Some(Stat::List(variance.to_vec()));
        self
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("normalization")
    }

    /// Keras' `build` checks: the kept axes in range and of known size.
    fn kept_axes(&self, input: &Shape) -> Result<Kept> {
        let rank = input.rank();
        let mut axes = Vec::new();
        for &a in &self.config.axis {
            let axis = if a < 0 { a + rank as i64 } else { a };
            if axis < 0 || axis >= rank as i64 {
                return Err(Error::value(format!(
                    "All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim={rank}, while \
                     axis={:?}",
                    self.config.axis
                )));
            }
            axes.push(axis as usize);
        }
        axes.sort_unstable();
        axes.dedup();
        let sizes = axes
            .iter()
            .map(|&d| {
                input.0[d].ok_or_else(|| {
                    Error::value(format!(
                        "All `axis` values to be kept must have a known shape. Received axis={:?}, inputs.shape={input}, \
                         with unknown axis at index {d}",
                        self.config.axis
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Kept { rank, axes, sizes })
    }

    /// Keras' `adapt` on an array holding the whole dataset (batch axis first): the mean and
    /// the (population) variance of every kept position, over all other axes. Call it before
    /// the layer goes into a model; the model starts with these statistics.
    pub fn adapt(self, data: &ndarray::ArrayD<f32>) -> Result<Self> {
        self.adapt_batches([data])
    }

    /// Keras' `adapt` on a batched dataset: the batches' statistics merged as Keras does
    /// (each batch weighted by its number of values).
    pub fn adapt_batches<I>(mut self, batches: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: std::borrow::Borrow<ndarray::ArrayD<f32>>,
    {
        if self.config.mean.is_some() {
            return Err(Error::value(
                "adapt() on a Normalization layer with a given `mean` and `variance`: they would be replaced",
            ));
        }
        let mut total: Option<(Vec<f64>, Vec<f64>, usize)> = None;
        for batch in batches {
            let batch = std::borrow::Borrow::borrow(&batch);
            let kept = self.kept_axes(&Shape::known(batch.shape()))?;
            if let Some(previous) = self.kept.as_ref().filter(|k| k.sizes != kept.sizes || k.rank != kept.rank) {
                return Err(Error::value(format!(
                    "adapt() yielded a batch with incompatible shape: kept axes of sizes {:?}, got {}",
                    previous.sizes,
                    crate::shape::format_dims(batch.shape())
                )));
            }
            let (mean, var, count) = moments(batch, &kept.axes);
            self.kept = Some(kept);
            total = Some(match total {
                None => (mean, var, count),
                Some((total_mean, total_var, total_count)) => {
                    let n = total_count + count;
                    let w = count as f64 / n as f64;
                    let merged = |i: usize| {
                        let new_mean = total_mean[i] * (1.0 - w) + mean[i] * w;
                        let v = (total_var[i] + (total_mean[i] - new_mean).powi(2)) * (1.0 - w)
                            + (var[i] + (mean[i] - new_mean).powi(2)) * w;
                        (new_mean, v)
                    };
                    let (m, v) = (0..mean.len()).map(merged).unzip();
                    (m, v, n)
                }
            });
        }
        let (mean, var, _) = total.ok_or_else(|| {
            Error::value("adapt() received an empty iterable (no batches). Expected at least one batch.")
        })?;
        self.adapted = Some((mean.iter().map(|&v| v as f32).collect(), var.iter().map(|&v| v as f32).collect()));
        Ok(self)
    }

    /// The mean and variance, each broadcast to the input's `dims`.
    fn statistics(
        &self,
        weights: &Weights<'_>,
        dims: &[usize],
        device: &burn::tensor::Device,
    ) -> Result<(DynTensor, DynTensor)> {
        let kept = self.kept.as_ref().ok_or_else(|| Error::State("Normalization called before build".into()))?;
        let shape = kept.broadcast_shape();
        let (mean, variance) = match &self.given {
            Some((mean, variance)) => (
                DynTensor::from_data(mean.clone(), &shape, device)?,
                DynTensor::from_data(variance.clone(), &shape, device)?,
            ),
            None => (
                DynTensor::new(weights[0].clone()).reshape(&shape)?,
                DynTensor::new(weights[1].clone()).reshape(&shape)?,
            ),
        };
        Ok((mean.expand(dims)?, variance.expand(dims)?))
    }
}

/// The mean, population variance and value count of every kept position of `data`.
fn moments(data: &ndarray::ArrayD<f32>, kept: &[usize]) -> (Vec<f64>, Vec<f64>, usize) {
    let shape = data.shape();
    let positions: usize = kept.iter().map(|&a| shape[a]).product();
    let count = data.len() / positions.max(1);
    let (mut sum, mut squares) = (vec![0.0f64; positions], vec![0.0f64; positions]);
    for (index, &v) in data.indexed_iter() {
        let position = kept.iter().fold(0, |p, &a| p * shape[a] + index[a]);
        sum[position] += v as f64;
        squares[position] += (v as f64) * (v as f64);
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / count as f64).collect();
    let var = squares.iter().zip(&mean).map(|(q, m)| (q / count as f64 - m * m).max(0.0)).collect();
    (mean, var, count)
}

impl Layer for Normalization {
    fn supports_masking(&self) -> bool {
        true
    }

    layer_boilerplate!("Normalization");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.kept_axes(input_shape)?;
        Ok(input_shape.clone())
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        crate::layers::config::validated(&self.config, self.layer_name())?;
        let kept = self.kept_axes(input_shape)?;
        if let Some(adapted) = self.kept.as_ref().filter(|k| self.adapted.is_some() && **k != kept) {
            return Err(Error::value(format!(
                "The layer was adapted on data with kept axes of sizes {:?}, but is built with \
                 input_shape={input_shape}",
                adapted.sizes
            )));
        }
        let shape = kept.sizes.clone();
        if let (Some(mean), Some(variance)) = (&self.config.mean, &self.config.variance) {
            let name = self.layer_name();
            self.given = Some((kept.spread(mean, name)?, kept.spread(variance, name)?));
            self.kept = Some(kept);
            return Ok(Vec::new());
        }
        self.kept = Some(kept);
        Ok(vec![
            VariableSpec::non_trainable("mean", shape.clone(), Initializer::Zeros),
            VariableSpec::non_trainable("variance", shape, Initializer::Ones),
            VariableSpec::non_trainable("count", Vec::new(), Initializer::Zeros),
        ])
    }

    fn initial_values(&self, index: usize, values: &mut [f32]) {
        if let Some((mean, variance)) = &self.adapted {
            match index {
                0 => values.copy_from_slice(mean),
                1 => values.copy_from_slice(variance),
                _ => {}
            }
        }
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (mean, variance) = self.statistics(&weights, &inputs.dims(), &inputs.device())?;
        // Keras divides by at least backend.epsilon().
        let std = |v: Tensor<6>| v.sqrt().clamp_min(EPSILON as f32);
        if self.config.invert {
            inputs.zip_with(variance, |x, v| x * std(v))?.zip_with(mean, |x, m| x + m)
        } else {
            inputs.zip_with(mean, |x, m| x - m)?.zip_with(variance, |x, v| x / std(v))
        }
    }
}
