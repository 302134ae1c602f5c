//! What the global pooling layers share: mean or max over every spatial axis.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, cfg_or};
use crate::shape::Shape;

/// Global max (`AVG = false`) or average (`AVG = true`) pooling over `N` spatial axes:
/// `(batch, *spatial, channels)` -> `(batch, channels)` (or `keepdims`).
#[derive(Clone, Debug, Default)]
pub struct GlobalPooling<const N: usize, const AVG: bool> {
    base: LayerBase,
    keepdims: bool,
}

impl<const N: usize, const AVG: bool> GlobalPooling<N, AVG> {
    /// A global pooling layer.
    pub fn new() -> Self {
        GlobalPooling { base: LayerBase::default(), keepdims: false }
    }
    /// Keep the pooled axes with size 1 (default false).
    pub fn keepdims(mut self, keepdims: bool) -> Self {
        self.keepdims = keepdims;
        self
    }
    /// The layer's name.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(GlobalPooling { base: LayerBase::from_config(config), keepdims: cfg_or(config, "keepdims", false)? })
    }
}

crate::models::graph::functional_call!([const N: usize, const AVG: bool] GlobalPooling<N, AVG>);

impl<const N: usize, const AVG: bool> Layer for GlobalPooling<N, AVG> {
    fn class_name(&self) -> &'static str {
        match (N, AVG) {
            (1, false) => "GlobalMaxPooling1D",
            (1, true) => "GlobalAveragePooling1D",
            (_, false) => "GlobalMaxPooling2D",
            (_, true) => "GlobalAveragePooling2D",
        }
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
    fn config(&self) -> Value {
        json!({"data_format": "channels_last", "keepdims": self.keepdims})
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or(self.class_name()), N + 2)?;
        let mut out = vec![input.0[0]];
        if self.keepdims {
            out.extend(std::iter::repeat_n(Some(1), N));
        }
        out.push(input.0[N + 1]);
        Ok(Shape(out))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn call(&self, inputs: DynTensor, _w: &[Tensor<1>], _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let dims = inputs.dims();
        let (batch, channels) = (dims[0], dims[dims.len() - 1]);
        let cells: usize = dims[1..dims.len() - 1].iter().product();
        // (batch, cells, channels): reduce the middle axis.
        let x = inputs.reshape(&[batch, cells, channels])?.into_rank::<3>("global pooling")?;
        let y = if AVG { x.mean_dim(1) } else { x.max_dim(1) };
        let mut out = vec![batch];
        if self.keepdims {
            out.extend(std::iter::repeat_n(1, N));
        }
        out.push(channels);
        DynTensor::new(y).reshape(&out)
    }
}
