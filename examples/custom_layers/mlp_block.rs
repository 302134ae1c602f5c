//! The guide's `MLPBlock`: a layer made of layers. Its three `Linear`s are built in turn in
//! `build` (their weights become the block's, each under its own name), and `forward` hands each
//! one its slice of the weights.

use keras_rs::backend::DynTensor;
use keras_rs::burn::tensor::activation::relu;
use keras_rs::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use keras_rs::{Result, Shape};
use serde_json::{Value, json};

use crate::linear::Linear;

/// `Linear(32) -> relu -> Linear(32) -> relu -> Linear(1)`.
#[derive(Clone, Debug)]
pub struct MlpBlock {
    base: LayerBase,
    linears: Vec<Linear>,
    /// How many weights each `Linear` has, once built.
    counts: Vec<usize>,
}

impl MlpBlock {
    /// The guide's block.
    pub fn new() -> Self {
        let linears = vec![Linear::new(32), Linear::new(32), Linear::new(1)];
        MlpBlock { base: LayerBase::default(), linears, counts: Vec::new() }
    }

    /// Rebuilds it from its config (it has no arguments).
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(MlpBlock { base: LayerBase::from_config(config), ..MlpBlock::new() })
    }
}

impl Layer for MlpBlock {
    fn class_name(&self) -> &'static str {
        "MLPBlock"
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn config(&self) -> Value {
        json!({})
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.linears.iter().try_fold(input_shape.clone(), |shape, linear| linear.compute_output_shape(&shape))
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let (mut shape, mut specs) = (input_shape.clone(), Vec::new());
        self.counts.clear();
        for (i, linear) in self.linears.iter_mut().enumerate() {
            let built = linear.build(&shape)?;
            shape = linear.compute_output_shape(&shape)?;
            self.counts.push(built.len());
            // `linear_1/w`, `linear_1/b`, ...: each sub-layer finds its own by name in its slice.
            specs.extend(built.into_iter().map(|s| VariableSpec { name: format!("linear_{}/{}", i + 1, s.name), ..s }));
        }
        Ok(specs)
    }
    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (mut x, mut start) = (inputs, 0);
        for (i, (linear, count)) in self.linears.iter().zip(&self.counts).enumerate() {
            x = linear.forward(x, weights.slice(start..start + count), ctx)?;
            start += count;
            if i + 1 < self.linears.len() {
                x = DynTensor::new(relu(x.into_rows()));
            }
        }
        Ok(x)
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
}
