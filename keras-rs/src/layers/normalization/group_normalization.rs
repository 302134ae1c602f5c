//! `GroupNormalization`: normalizes each sample over groups of channels (and every other axis).

use burn::tensor::Tensor;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `GroupNormalization(groups=32, axis=-1, epsilon=1e-3)`: the channels (last axis) are
/// split into `groups`; each sample's group is normalized with the mean and (biased) variance
/// over its channels and every other non-batch axis, then scaled by `gamma` and shifted by
/// `beta` per channel. `groups=-1` is instance normalization (one channel per group).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::GroupNormalization;
/// let model = Sequential::new().add(Input::new(&[4, 4, 8])).add(GroupNormalization::new().groups(2));
/// assert_eq!(model.count_params(), 16);
/// ```
#[derive(Clone, Debug)]
pub struct GroupNormalization {
    base: LayerBase,
    config: GroupNormalizationConfig,
    /// (channels, groups) once built.
    built: Option<(usize, usize)>,
}

keras_config! {
    /// Keras' `GroupNormalization` arguments. keras-rs normalizes the last axis with Keras'
    /// initializers; a file that sets another axis, initializer, regularizer or constraint is
    /// refused at load.
    pub struct GroupNormalizationConfig {
        args {
            /// How many groups the channels form (default 32; -1: one per channel).
            groups: i64 = 32,
            /// Added to the variance (default 1e-3).
            epsilon: f32 = 1e-3,
            /// Whether to add `beta` (default true).
            center: bool = true,
            /// Whether to multiply by `gamma` (default true).
            scale: bool = true,
        }
    }
    constants {
        axis: -1,
        beta_initializer: Initializer::Zeros.to_config(),
        gamma_initializer: Initializer::Ones.to_config(),
        beta_regularizer: Value::Null,
        gamma_regularizer: Value::Null,
        beta_constraint: Value::Null,
        gamma_constraint: Value::Null,
    }
    setters for [] GroupNormalization => config;
}

impl Validate for GroupNormalizationConfig {
    fn validate(&self) -> Result<()> {
        if self.groups <= 0 && self.groups != -1 {
            return Err(Error::value(format!(
                "Received an invalid value for argument `groups`, expected a positive integer (or `-1` for instance \
                 normalization). Received: groups={}",
                self.groups
            )));
        }
        Ok(())
    }
}

common_builders!(GroupNormalization);

impl Default for GroupNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl GroupNormalization {
    /// Keras' defaults (32 groups).
    pub fn new() -> Self {
        GroupNormalization { base: LayerBase::default(), config: GroupNormalizationConfig::new(), built: None }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = GroupNormalizationConfig::from_config(config, "GroupNormalization")?;
        Ok(GroupNormalization { base: LayerBase::from_config(config), config: read, built: None })
    }

    /// The channels and groups of `input`, or Keras' errors.
    fn channels_and_groups(&self, input: &Shape) -> Result<(usize, usize)> {
        let name = self.base.name.as_deref().unwrap_or("group_normalization");
        validated(&self.config, name)?;
        let channels = input.last().filter(|_| input.rank() >= 2).ok_or_else(|| {
            Error::value(format!(
                "Axis -1 of input tensor should have a defined dimension but the layer received an input with shape \
                 {input}."
            ))
        })?;
        let groups = if self.config.groups == -1 { channels } else { self.config.groups as usize };
        if channels < groups {
            return Err(Error::value(format!(
                "Number of groups ({groups}) cannot be more than the number of channels ({channels})."
            )));
        }
        if !channels.is_multiple_of(groups) {
            return Err(Error::value(format!(
                "Number of groups ({groups}) must be a multiple of the number of channels ({channels})."
            )));
        }
        Ok((channels, groups))
    }
}

impl Layer for GroupNormalization {
    // Keras uses masks in this layer; keras-rs does not yet.
    crate::layers::builders::refuses_masks!();

    layer_boilerplate!("GroupNormalization");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.channels_and_groups(input_shape)?;
        Ok(input_shape.clone())
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let (c, groups) = self.channels_and_groups(input_shape)?;
        self.built = Some((c, groups));
        let vars = super::affine_variables(c, self.config.scale, self.config.center);
        Ok(vars)
    }
    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (c, groups) = self.built.ok_or_else(|| Error::State("GroupNormalization called before build".into()))?;
        let dims = inputs.dims();
        let (batch, per) = (dims[0], c / groups);
        let steps = dims[1..dims.len() - 1].iter().product::<usize>();
        // [batch, steps, groups, channels per group]: statistics over axes 1 and 3.
        let x: Tensor<4> = inputs.reshape(&[batch, steps, groups, per])?.into_rank::<4>("group_normalization")?;
        let mean = x.clone().mean_dim(1).mean_dim(3);
        let centered = x - mean;
        let var = centered.clone().square().mean_dim(1).mean_dim(3);
        let mut y = centered / var.add_scalar(self.config.epsilon).sqrt();
        if self.config.scale {
            y = y * weights[0].clone().reshape([1, 1, groups, per]);
        }
        if self.config.center {
            y = y + weights[usize::from(self.config.scale)].clone().reshape([1, 1, groups, per]);
        }
        DynTensor::new(y).reshape(&dims)
    }
}
