//! What the global pooling layers share: mean or max over every spatial axis.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Global max (`AVG = false`) or average (`AVG = true`) pooling over `N` spatial axes:
/// `(batch, *spatial, channels)` -> `(batch, channels)` (or `keepdims`).
#[derive(Clone, Debug)]
pub struct GlobalPooling<const N: usize, const AVG: bool> {
    base: LayerBase,
    config: GlobalPoolingConfig,
}

keras_config! {
    /// Keras' arguments of a global pooling layer, with Keras' names and defaults.
    pub struct GlobalPoolingConfig {
        args {
            /// Keep the pooled axes with size 1 (default false).
            keepdims: bool = false,
        }
    }
    constants { data_format: "channels_last" }
    setters for [const N: usize, const AVG: bool] GlobalPooling<N, AVG> => config;
}

impl Validate for GlobalPoolingConfig {}

impl<const N: usize, const AVG: bool> Default for GlobalPooling<N, AVG> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const AVG: bool> GlobalPooling<N, AVG> {
    /// A global pooling layer.
    pub fn new() -> Self {
        GlobalPooling { base: LayerBase::default(), config: GlobalPoolingConfig::new() }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = GlobalPoolingConfig::from_config(config, Self::CLASS)?;
        Ok(GlobalPooling { base: LayerBase::from_config(config), config: read })
    }

    /// Keras' class name.
    const CLASS: &'static str = match (N, AVG) {
        (1, false) => "GlobalMaxPooling1D",
        (1, true) => "GlobalAveragePooling1D",
        (2, false) => "GlobalMaxPooling2D",
        (2, true) => "GlobalAveragePooling2D",
        (_, false) => "GlobalMaxPooling3D",
        (_, true) => "GlobalAveragePooling3D",
    };
}

common_builders!([const N: usize, const AVG: bool] GlobalPooling<N, AVG>);

impl<const N: usize, const AVG: bool> Layer for GlobalPooling<N, AVG> {
    fn class_name(&self) -> &'static str {
        Self::CLASS
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
    fn takes_unknown_sizes(&self) -> bool {
        true
    }
    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or(self.class_name()), N + 2)?;
        let mut out = vec![input.0[0]];
        if self.config.keepdims {
            out.extend(std::iter::repeat_n(Some(1), N));
        }
        out.push(input.0[N + 1]);
        Ok(Shape(out))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let dims = inputs.dims();
        let (batch, channels) = (dims[0], dims[dims.len() - 1]);
        let cells: usize = dims[1..dims.len() - 1].iter().product();
        // (batch, cells, channels): reduce the middle axis.
        let x = inputs.reshape(&[batch, cells, channels])?.into_rank::<3>("global pooling")?;
        let y = if AVG { x.mean_dim(1) } else { x.max_dim(1) };
        let mut out = vec![batch];
        if self.config.keepdims {
            out.extend(std::iter::repeat_n(1, N));
        }
        out.push(channels);
        DynTensor::new(y).reshape(&out)
    }
}
