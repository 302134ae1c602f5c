//! `Discretization`: continuous values to the index of their bin, with the bins given or
//! learned from data by `adapt` (approximate quantiles, as Keras computes them).

use burn::tensor::Tensor;
use serde_json::Value;

use super::category_encoding::{encode, index_output_shape};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Discretization(bin_boundaries=None, num_bins=None, epsilon=0.01,
/// output_mode="int")`: each value becomes the index of its bin — `i` for
/// `bin_boundaries[i - 1] <= x < bin_boundaries[i]` (NumPy's `digitize`) — or, with
/// `output_mode` `"one_hot"`/`"multi_hot"`/`"count"`, that index encoded as by
/// `CategoryEncoding`. With `num_bins`, [`adapt`](Discretization::adapt) finds the boundaries:
/// Keras' approximate quantiles (summaries of precision `epsilon`, merged batch by batch).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Discretization;
/// let model = Sequential::new().add(Input::new(&[4])).add(Discretization::new().bin_boundaries(&[0.0, 1.0, 2.0]));
/// let y = model.predict(&ndarray::array![[-1.5f32, 1.0, 0.5, 4.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![0.0, 2.0, 1.0, 3.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Discretization {
    base: LayerBase,
    config: DiscretizationConfig,
}

keras_config! {
    /// Keras' `Discretization` arguments.
    pub struct DiscretizationConfig {
        args {
            /// The sorted inner boundaries of the bins (`None` until given or adapted).
            bin_boundaries: Option<Vec<f64>> = None,
            /// How many bins `adapt` makes.
            num_bins: Option<usize> = None,
            /// The precision of `adapt`'s quantile summaries (default 0.01).
            epsilon: f64 = 0.01,
            /// `"int"` (default: the bin index), `"one_hot"`, `"multi_hot"` or `"count"`.
            output_mode: String = "int".to_string(),
            /// Keras' sparse outputs (only `false`).
            sparse: bool = false,
        }
    }
    setters for [] Discretization => config;
}

impl Validate for DiscretizationConfig {
    fn validate(&self) -> Result<()> {
        if !matches!(self.output_mode.as_str(), "int" | "one_hot" | "multi_hot" | "count") {
            return Err(Error::value(format!(
                "Invalid value for argument `output_mode`: expected one of ('int', 'one_hot', 'multi_hot', \
                 'count'). Received: output_mode={}",
                self.output_mode
            )));
        }
        if self.num_bins.is_none() && self.bin_boundaries.is_none() {
            return Err(Error::value("You need to set either `num_bins` or `bin_boundaries`."));
        }
        if self.sparse {
            return Err(Error::value("Discretization: keras-rs has no sparse tensors; received sparse=True"));
        }
        Ok(())
    }
}

common_builders!(Discretization);

impl Default for Discretization {
    fn default() -> Self {
        Self::new()
    }
}

impl Discretization {
    /// A layer to give `bin_boundaries` or `num_bins` (and `adapt`).
    pub fn new() -> Self {
        Discretization { base: LayerBase::default(), config: DiscretizationConfig::new() }
    }
    /// Reads Keras' `Discretization` config (an adapted layer has both `num_bins` and its
    /// `bin_boundaries`).
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = DiscretizationConfig::from_config(config, "Discretization")?;
        Ok(Discretization { base: LayerBase::from_config(config), config: read })
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("discretization")
    }

    /// Keras' `adapt` on an array: the boundaries of `num_bins` bins of its values.
    pub fn adapt(self, data: &ndarray::ArrayD<f32>) -> Result<Self> {
        self.adapt_batches([data])
    }

    /// Keras' `adapt` on batches: each batch summarized, the summaries merged, then cut into
    /// `num_bins` bins.
    pub fn adapt_batches<I>(mut self, batches: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: std::borrow::Borrow<ndarray::ArrayD<f32>>,
    {
        let num_bins = self.config.num_bins.ok_or_else(|| {
            Error::value(
                "Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use \
                 `num_bins` instead.",
            )
        })?;
        let epsilon = self.config.epsilon;
        let mut summary = Summary::default();
        for batch in batches {
            let batch = std::borrow::Borrow::borrow(&batch);
            summary = summary.merge(Summary::of(batch.iter().copied().collect(), epsilon), epsilon);
        }
        let (mut bins, _) = summary.compress(1.0 / num_bins as f64);
        bins.pop();
        self.config.bin_boundaries = Some(bins.iter().map(|&b| f64::from(b)).collect());
        Ok(self)
    }
}

/// Keras' quantile summary: partition values and their weights, both float32.
#[derive(Clone, Debug, Default)]
struct Summary(Vec<f32>, Vec<f32>);

impl Summary {
    /// Keras' `summarize`: every `step`-th sorted value, weighted `step`.
    fn of(mut values: Vec<f32>, epsilon: f64) -> Self {
        values.sort_by(f32::total_cmp);
        let step = (values.len() as f64 / (1.0 / epsilon)).max(1.0);
        let (start, stride) = ((step - 1.0) as usize, step as usize);
        let bins: Vec<f32> = values.iter().skip(start).step_by(stride.max(1)).copied().collect();
        let weights = vec![step as f32; bins.len()];
        Summary(bins, weights)
    }

    /// Keras' `merge_summaries`: both sorted together by value, then compressed.
    fn merge(self, other: Summary, epsilon: f64) -> Summary {
        let mut pairs: Vec<(f32, f32)> =
            self.0.into_iter().zip(self.1).chain(other.0.into_iter().zip(other.1)).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0)); // NumPy's argsort: stable for equal values
        let (bins, weights) = pairs.into_iter().unzip();
        let (bins, weights) = Summary(bins, weights).compress(epsilon);
        Summary(bins, weights)
    }

    /// Keras' `compress_summary`: the values at cumulative-weight fractions `epsilon, 2
    /// epsilon, ..`, interpolated (in float64, then float32 as Keras stores them).
    fn compress(self, epsilon: f64) -> (Vec<f32>, Vec<f32>) {
        if (self.0.len() as f64) * epsilon < 1.0 {
            return (self.0, self.1);
        }
        // np.arange(0.0, 1.0, epsilon) + epsilon
        let count = (1.0 / epsilon).ceil() as usize;
        let percents: Vec<f64> = (0..count).map(|i| epsilon + i as f64 * epsilon).collect();
        let mut cumulative = Vec::with_capacity(self.1.len());
        let mut total = 0.0f32;
        for &w in &self.1 {
            total += w;
            cumulative.push(total);
        }
        let fractions: Vec<f64> = cumulative.iter().map(|&c| f64::from(c / total)).collect();
        let values: Vec<f64> = self.0.iter().map(|&v| f64::from(v)).collect();
        let cumulative: Vec<f64> = cumulative.iter().map(|&c| f64::from(c)).collect();
        let bins: Vec<f64> = percents.iter().map(|&p| interp(p, &fractions, &values)).collect();
        let weights: Vec<f64> = percents.iter().map(|&p| interp(p, &fractions, &cumulative)).collect();
        let weights = (0..weights.len()).map(|i| (weights[i] - if i == 0 { 0.0 } else { weights[i - 1] }) as f32);
        (bins.iter().map(|&b| b as f32).collect(), weights.collect())
    }
}

/// NumPy's `interp(x, xp, fp)` for increasing `xp`.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let last = xp.len() - 1;
    if x < xp[0] {
        return fp[0];
    }
    if x >= xp[last] {
        return fp[last];
    }
    // the last j with xp[j] <= x (x < xp[last], so j < last)
    let j = xp.partition_point(|&v| v <= x) - 1;
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let y = slope * (x - xp[j]) + fp[j];
    if y.is_nan() {
        let y = slope * (x - xp[j + 1]) + fp[j + 1];
        if y.is_nan() && fp[j] == fp[j + 1] { fp[j] } else { y }
    } else {
        y
    }
}

impl Layer for Discretization {
    layer_boilerplate!("Discretization");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn get_config(&self) -> Value {
        // Keras' Discretization writes (and its constructor takes) no `trainable`.
        let mut config = self.base.config();
        if let (Some(map), Value::Object(own)) = (config.as_object_mut(), self.config.to_config()) {
            map.remove("trainable");
            map.extend(own);
        }
        config
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        validated(&self.config, self.layer_name())?;
        let depth = self.config.bin_boundaries.as_ref().map_or(self.config.num_bins.unwrap_or(0), |b| b.len() + 1);
        index_output_shape(input, self.layer_name(), &self.config.output_mode, depth)
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let boundaries = self.config.bin_boundaries.as_ref().ok_or_else(|| {
            Error::value(
                "You need to either pass the `bin_boundaries` argument at construction time or call \
                 `adapt(dataset)` before you can start using the `Discretization` layer.",
            )
        })?;
        let dims = inputs.dims();
        let n: usize = dims.iter().product();
        let device = inputs.device();
        let x = inputs.reshape(&[n])?.into_rank::<1>(self.layer_name())?;
        // digitize: how many boundaries are <= x
        let b = boundaries.len();
        let index = if b == 0 {
            x.zeros_like() // one bin: every value in bin 0
        } else {
            let bounds: Vec<f32> = boundaries.iter().map(|&v| v as f32).collect();
            let bounds = Tensor::<1>::from_floats(bounds.as_slice(), &device).reshape([1, b]).expand([n, b]);
            x.reshape([n, 1]).expand([n, b]).greater_equal(bounds).float().sum_dim(1).reshape([n])
        };
        let index = DynTensor::new(index).reshape(&dims)?;
        if self.config.output_mode == "int" {
            return Ok(index);
        }
        Ok(encode(index.into_rank::<2>(self.layer_name())?, &self.config.output_mode, b + 1))
    }
}
