//! `TimeDistributed`: applies a layer to every timestep of a sequence.

use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights, from_config};
use crate::shape::Shape;

/// Keras' `TimeDistributed(layer)`: `(batch, timesteps, ...)` -> the inner layer applied to each
/// `(batch, ...)` slice with the same weights -> `(batch, timesteps, ...)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[10, 16])).add(TimeDistributed::new(Dense::new(8)));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 10, 8)");
/// assert_eq!(model.count_params(), 16 * 8 + 8);
/// ```
#[derive(Clone, Debug)]
pub struct TimeDistributed {
    base: LayerBase,
    layer: Box<dyn Layer>,
}

impl TimeDistributed {
    /// Wraps `layer`.
    pub fn new(layer: impl Layer + 'static) -> Self {
        TimeDistributed { base: LayerBase::default(), layer: Box::new(layer) }
    }
    /// The layer's name.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Reads Keras' `TimeDistributed` config (`layer` is the serialized inner layer).
    pub fn from_config(config: &Value) -> Result<Self> {
        let inner =
            config.get("layer").ok_or_else(|| Error::Format("a TimeDistributed config needs `layer`".into()))?;
        let class = inner.get("class_name").and_then(Value::as_str).unwrap_or("");
        let layer = from_config(class, inner.get("config").unwrap_or(&Value::Null))?;
        Ok(TimeDistributed { base: LayerBase::from_config(config), layer })
    }

    fn inner_shape(&self, input: &Shape) -> Result<Shape> {
        if input.rank() < 3 {
            return Err(Error::shape(format!(
                "Layer \"{}\" (TimeDistributed) needs inputs of rank 3 or more (batch, timesteps, ...), received {input}",
                self.base.name.as_deref().unwrap_or("time_distributed")
            )));
        }
        Ok(Shape([vec![None], input.0[2..].to_vec()].concat()))
    }
}

crate::models::graph::functional_call!(TimeDistributed);

impl Layer for TimeDistributed {
    // Keras uses masks in this layer; keras-rs does not yet.
    crate::layers::builders::refuses_masks!();

    fn class_name(&self) -> &'static str {
        "TimeDistributed"
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
        json!({"layer": {"module": "keras.layers", "class_name": self.layer.class_name(), "config": self.layer.get_config(), "registered_name": null}})
    }

    fn weight_paths(&self, count: usize) -> Vec<String> {
        self.layer.weight_paths(count).into_iter().map(|p| format!("layer/{p}")).collect()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        let inner = self.layer.compute_output_shape(&self.inner_shape(input_shape)?)?;
        Ok(Shape([vec![input_shape.0[0], input_shape.0[1]], inner.0[1..].to_vec()].concat()))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let inner = self.inner_shape(input_shape)?;
        if self.layer.name().is_none() {
            let snake = crate::layers::to_snake_case(self.layer.class_name());
            self.layer.base_mut().name = Some(snake);
        }
        self.layer.build(&inner)
    }

    fn initial_values(&self, index: usize, values: &mut [f32]) {
        self.layer.initial_values(index, values);
    }

    // The wrapped layer's weights are this layer's: so are their penalties and constraints.
    // (Keras runs the inner layer's `call`, not `__call__`: its activity regularizer is not applied.)
    fn regularizers(&self) -> Vec<(usize, crate::regularizers::Regularizer)> {
        self.layer.regularizers()
    }

    fn constraints(&self) -> Vec<(usize, crate::constraints::Constraint)> {
        self.layer.constraints()
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let dims = inputs.dims();
        let (n, t) = (dims[0], dims[1]);
        let folded = inputs.reshape(&[vec![n * t], dims[2..].to_vec()].concat())?;
        let y = self.layer.forward(folded, weights, ctx)?;
        let out = y.dims();
        y.reshape(&[vec![n, t], out[1..].to_vec()].concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Conv2D, Dense};

    #[test]
    fn shapes_and_config() {
        let td = TimeDistributed::new(Conv2D::new(4, 3));
        let out = td.compute_output_shape(&Shape::batched(&[5, 8, 8, 1])).unwrap();
        assert_eq!(out.to_string(), "(None, 5, 6, 6, 4)");
        assert!(TimeDistributed::new(Dense::new(2)).compute_output_shape(&Shape::batched(&[4])).is_err());
        let cfg = TimeDistributed::new(Dense::new(3)).get_config();
        assert_eq!(TimeDistributed::from_config(&cfg).unwrap().get_config(), cfg);
    }

    #[test]
    fn the_wrapped_layers_penalties_and_constraints_are_the_wrappers() {
        use crate::constraints::Constraint;
        use crate::regularizers::Regularizer;
        let dense = Dense::new(3).kernel_regularizer(Regularizer::L2(0.1)).bias_constraint(Constraint::NonNeg);
        let td = TimeDistributed::new(dense);
        assert_eq!(td.regularizers(), vec![(0, Regularizer::L2(0.1))]);
        assert_eq!(td.constraints(), vec![(1, Constraint::NonNeg)]);
    }
}
