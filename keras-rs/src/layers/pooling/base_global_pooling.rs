//! What the global pooling layers share: mean or max over every spatial axis.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Global max (`AVG = false`) or average (`AVG = true`) pooling over `N` spatial axes:
/// `(batch, *spatial, channels)` -> `(batch, channels)` (or `keepdims`); with
/// `data_format="channels_first"`, `(batch, channels, *spatial)` -> `(batch, channels)`
/// (keras.io's timeseries Transformer pools that way over the features of each step).
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
            /// Where the channels are: `"channels_last"` (default) or `"channels_first"`.
            data_format: String = "channels_last".to_string(),
        }
    }
    setters for [const N: usize, const AVG: bool] GlobalPooling<N, AVG> => config;
}

impl Validate for GlobalPoolingConfig {
    fn validate(&self) -> Result<()> {
        if !["channels_last", "channels_first"].contains(&self.data_format.as_str()) {
            return Err(crate::error::Error::value(format!(
                "The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. Received: \
                 data_format={}",
                self.data_format
            )));
        }
        Ok(())
    }
}

impl GlobalPoolingConfig {
    fn channels_first(&self) -> bool {
        self.data_format == "channels_first"
    }
}

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
        self.config.validate()?;
        let channels_first = self.config.channels_first();
        let mut out = vec![input.0[0]];
        if channels_first {
            out.push(input.0[1]);
        }
        if self.config.keepdims {
            out.extend(std::iter::repeat_n(Some(1), N));
        }
        if !channels_first {
            out.push(input.0[N + 1]);
        }
        Ok(Shape(out))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    /// Keras' GlobalAveragePooling1D takes `mask=` (the other global poolings do not).
    fn takes_mask_argument(&self) -> bool {
        N == 1 && AVG
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let dims = inputs.dims();
        let channels_first = self.config.channels_first();
        let batch = dims[0];
        let channels = if channels_first { dims[1] } else { dims[dims.len() - 1] };
        let cells: usize = dims[1..].iter().product::<usize>() / channels.max(1);
        // (batch, cells, channels) or (batch, channels, cells): reduce the cells.
        let (shape, axis) = if channels_first { ([batch, channels, cells], 2) } else { ([batch, cells, channels], 1) };
        let x = inputs.reshape(&shape)?.into_rank::<3>("global pooling")?;
        // GlobalAveragePooling1D averages the real steps only, `sum(x * mask) / sum(mask)`; the
        // other global poolings ignore masks, as Keras' (the pooled output has no mask).
        let mask = if N == 1 && AVG { ctx.input_masks.first().cloned().flatten() } else { None };
        let y = match mask {
            Some(mask) => {
                let m = if channels_first { mask.reshape([batch, 1, cells]) } else { mask.reshape([batch, cells, 1]) };
                (x * m.clone()).sum_dim(axis) / m.sum_dim(axis)
            }
            None if AVG => x.mean_dim(axis),
            None => x.max_dim(axis),
        };
        let mut out = vec![batch];
        if channels_first {
            out.push(channels);
        }
        if self.config.keepdims {
            out.extend(std::iter::repeat_n(1, N));
        }
        if !channels_first {
            out.push(channels);
        }
        DynTensor::new(y).reshape(&out)
    }
}
