//! `Bidirectional`: runs a recurrent layer forwards and a copy backwards and merges them.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::Weights;
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, cfg_or, from_config, to_snake_case};
use crate::shape::Shape;

/// Keras' `Bidirectional(layer, merge_mode="concat")` around `SimpleRNN`, `LSTM` or `GRU`.
///
/// The backward copy has `go_backwards` flipped; with `return_sequences` its outputs are
/// reversed back so both directions line up in time, then merged by `concat` (default), `sum`,
/// `mul` or `ave`. Weights: the forward layer's, then the backward layer's.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[7, 3])).add(Bidirectional::new(LSTM::new(4).return_sequences(true)));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 7, 8)");
/// assert_eq!(model.count_params(), 2 * 4 * (3 * 4 + 4 * 4 + 4));
/// ```
#[derive(Clone, Debug)]
pub struct Bidirectional {
    base: LayerBase,
    forward: Option<Box<dyn Layer>>,
    backward: Option<Box<dyn Layer>>,
    merge_mode: String,
    invalid: Option<String>,
    n_forward: usize,
}

const MERGE_MODES: [&str; 4] = ["concat", "sum", "mul", "ave"];

impl Bidirectional {
    /// Wraps a recurrent layer.
    pub fn new(layer: impl Layer + 'static) -> Self {
        Self::from_layer(Box::new(layer))
    }

    fn from_layer(layer: Box<dyn Layer>) -> Self {
        let mut b = Bidirectional {
            base: LayerBase::default(),
            forward: None,
            backward: None,
            merge_mode: "concat".into(),
            invalid: None,
            n_forward: 0,
        };
        let class = layer.class_name();
        if !["SimpleRNN", "LSTM", "GRU"].contains(&class) {
            b.invalid = Some(format!("Bidirectional wraps a SimpleRNN, LSTM or GRU layer, received a {class} layer."));
            return b;
        }
        let inner = layer.name().map(str::to_string).unwrap_or_else(|| to_snake_case(class));
        let mut cfg = layer.get_config();
        let backwards = cfg["go_backwards"].as_bool().unwrap_or(false);
        // Keras: `forward_` + the name without a `forward_` prefix (a reloaded config keeps its name).
        cfg["name"] = json!(format!("forward_{}", inner.strip_prefix("forward_").unwrap_or(&inner)));
        let forward = from_config(class, &cfg);
        cfg["name"] = json!(format!("backward_{}", inner.strip_prefix("backward_").unwrap_or(&inner)));
        cfg["go_backwards"] = json!(!backwards);
        match (forward, from_config(class, &cfg)) {
            (Ok(f), Ok(bw)) => {
                b.forward = Some(f);
                b.backward = Some(bw);
            }
            (Err(e), _) | (_, Err(e)) => b.invalid = Some(e.to_string()),
        }
        b
    }

    /// How to merge the two directions: `concat` (default), `sum`, `mul` or `ave`.
    pub fn merge_mode(mut self, merge_mode: &str) -> Self {
        self.merge_mode = merge_mode.to_string();
        self
    }
    /// The layer's name.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Reads Keras' `Bidirectional` config (`layer` is the serialized forward layer).
    pub fn from_config(config: &Value) -> Result<Self> {
        let inner = config.get("layer").ok_or_else(|| Error::Format("a Bidirectional config needs `layer`".into()))?;
        let class = inner.get("class_name").and_then(Value::as_str).unwrap_or("");
        let layer = from_config(class, inner.get("config").unwrap_or(&Value::Null))?;
        let mut b = Self::from_layer(layer);
        if let Some(backward) = config.get("backward_layer").filter(|v| v.is_object()) {
            let class = backward.get("class_name").and_then(Value::as_str).unwrap_or("");
            b.backward = Some(from_config(class, backward.get("config").unwrap_or(&Value::Null))?);
        }
        b.base = LayerBase::from_config(config);
        b.merge_mode = cfg_or(config, "merge_mode", "concat".to_string())?;
        Ok(b)
    }

    fn parts(&self) -> Result<(&dyn Layer, &dyn Layer)> {
        if let Some(e) = &self.invalid {
            return Err(Error::value(e.clone()));
        }
        if !MERGE_MODES.contains(&self.merge_mode.as_str()) {
            return Err(Error::value(format!(
                "Invalid merge mode: '{}'. Merge mode should be one of {{'sum', 'mul', 'ave', 'concat'}}",
                self.merge_mode
            )));
        }
        match (&self.forward, &self.backward) {
            (Some(f), Some(b)) => Ok((f.as_ref(), b.as_ref())),
            _ => Err(Error::State("Bidirectional has no layer".into())),
        }
    }

    fn serialized(layer: &dyn Layer) -> Value {
        json!({"module": "keras.layers", "class_name": layer.class_name(), "config": layer.get_config(), "registered_name": null})
    }
}

crate::models::graph::functional_call!(Bidirectional);

impl Bidirectional {
    /// Calls the layer on symbolic tensors starting from `initial_state` (Keras'
    /// `Bidirectional(LSTM(..))(x, initial_state=[h_f, c_f, h_b, c_b])`: the forward layer's
    /// states, then the backward layer's).
    pub fn call_with_initial_state(
        &self,
        inputs: impl crate::models::SymbolicInputs,
        initial_state: &[&crate::models::KerasTensor],
    ) -> Result<crate::models::KerasTensor> {
        let mut tensors = inputs.tensors();
        tensors.extend(initial_state.iter().map(|t| (*t).clone()));
        let outputs = crate::models::graph::call_symbolic(self, tensors)?;
        crate::models::graph::single_output(self, outputs)
    }
}

impl Layer for Bidirectional {
    fn class_name(&self) -> &'static str {
        "Bidirectional"
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn takes_unknown_sizes(&self) -> bool {
        true
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
    fn config(&self) -> Value {
        let mut cfg = json!({"merge_mode": self.merge_mode});
        if let Ok((f, b)) = self.parts() {
            cfg["layer"] = Self::serialized(f);
            cfg["backward_layer"] = Self::serialized(b);
        }
        cfg
    }

    fn weight_paths(&self, count: usize) -> Vec<String> {
        let Ok((f, b)) = self.parts() else { return (0..count).map(|i| format!("vars/{i}")).collect() };
        let n = self.n_forward.min(count);
        let forward = f.weight_paths(n).into_iter().map(|p| format!("forward_layer/{p}"));
        forward.chain(b.weight_paths(count - n).into_iter().map(|p| format!("backward_layer/{p}"))).collect()
    }

    // The two directions' weights are this layer's (the forward layer's first): so are their
    // penalties and constraints.
    fn regularizers(&self) -> Vec<(usize, crate::regularizers::Regularizer)> {
        let Ok((f, b)) = self.parts() else { return Vec::new() };
        let backward = b.regularizers().into_iter().map(|(i, r)| (self.n_forward + i, r));
        f.regularizers().into_iter().chain(backward).collect()
    }

    fn constraints(&self) -> Vec<(usize, crate::constraints::Constraint)> {
        let Ok((f, b)) = self.parts() else { return Vec::new() };
        let backward = b.constraints().into_iter().map(|(i, c)| (self.n_forward + i, c));
        f.constraints().into_iter().chain(backward).collect()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        let (f, _) = self.parts()?;
        if f.stateful() {
            return Err(Error::value("keras-rs does not support stateful layers inside Bidirectional yet."));
        }
        let mut out = f.compute_output_shape(input_shape)?;
        if self.merge_mode == "concat" {
            let last = out.0.last_mut().expect("recurrent output has a feature axis");
            *last = last.map(|u| 2 * u);
        }
        Ok(out)
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        let mut specs = Vec::new();
        for layer in [&mut self.forward, &mut self.backward].into_iter().flatten() {
            let prefix = layer.name().unwrap_or("").to_string();
            let mut s = layer.build(input_shape)?;
            s.iter_mut().for_each(|v| v.name = format!("{prefix}/{}", v.name));
            specs.append(&mut s);
        }
        self.n_forward = specs.len() / 2;
        Ok(specs)
    }

    fn initial_values(&self, index: usize, values: &mut [f32]) {
        if let Ok((f, b)) = self.parts() {
            if index < self.n_forward {
                f.initial_values(index, values);
            } else {
                b.initial_values(index - self.n_forward, values);
            }
        }
    }

    fn takes_mask_argument(&self) -> bool {
        true
    }

    /// Keras: the merged sequences keep the input's mask (both directions skip the same steps).
    fn compute_mask(&self, inputs: &[DynTensor], masks: &[Option<Tensor<2>>]) -> Result<Option<Tensor<2>>> {
        self.parts()?.0.compute_mask(inputs, masks)
    }

    fn tensor_kwargs(&self) -> &'static [&'static str] {
        &["initial_state"]
    }

    fn call_args(&self, tensors: Vec<Value>) -> (Vec<Value>, serde_json::Map<String, Value>) {
        super::base_rnn::initial_state_call_args(tensors)
    }

    fn build_config(&self, input_shapes: &[Shape]) -> Option<Value> {
        super::base_rnn::sequences_build_config(input_shapes)
    }

    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let (input, states) = input_shapes
            .split_first()
            .ok_or_else(|| Error::value("Bidirectional expects 1 input tensor, but it received 0"))?;
        let (f, _) = self.parts()?;
        let per_direction = if f.class_name() == "LSTM" { 2 } else { 1 };
        if !states.is_empty() && states.len() != 2 * per_direction {
            return Err(Error::value(format!(
                "Layer \"{}\" (Bidirectional) starts each direction from {per_direction} state(s): initial_state needs \
                 {} tensors (the forward layer's, then the backward layer's); received {}",
                self.base.name.as_deref().unwrap_or("bidirectional"),
                2 * per_direction,
                states.len()
            )));
        }
        Ok(vec![self.compute_output_shape(input)?])
    }

    fn build_multi(&mut self, input_shapes: &[Shape]) -> Result<Vec<VariableSpec>> {
        self.compute_output_shapes(input_shapes)?;
        self.build(&input_shapes[0])
    }

    /// With `initial_state`, its first half starts the forward layer and its second half the
    /// backward layer, as Keras splits it.
    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let (x, mut forward) =
            super::base_rnn::sequences_and_states(inputs, self.base.name.as_deref().unwrap_or("bidirectional"))?;
        let halves = (!forward.is_empty()).then(|| {
            let backward = forward.split_off(forward.len() / 2);
            (forward, backward)
        });
        Ok(vec![self.run(x, weights, ctx, halves)?])
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        self.run(inputs, weights, ctx, None)
    }
}

impl Bidirectional {
    /// Both directions (each from its given states, if any), merged.
    fn run(
        &self,
        inputs: DynTensor,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
        states: Option<(Vec<Tensor<2>>, Vec<Tensor<2>>)>,
    ) -> Result<DynTensor> {
        let (f, b) = self.parts()?;
        let (forward_state, backward_state) = states.unzip();
        ctx.initial_state = forward_state;
        let y = f.forward(inputs.clone(), weights.slice(0..self.n_forward), ctx);
        ctx.initial_state = backward_state;
        let y_rev = b.forward(inputs, weights.slice(self.n_forward..weights.len()), ctx);
        ctx.initial_state = None;
        let (y, y_rev) = (y?, y_rev?);
        let (y, y_rev) = match (y, y_rev) {
            // Sequences: reverse the backward outputs so both directions line up in time.
            (DynTensor::R3(y), DynTensor::R3(r)) => (DynTensor::R3(y), DynTensor::R3(r.flip([1]))),
            other => other,
        };
        let rank = y.rank();
        Ok(match (self.merge_mode.as_str(), y, y_rev) {
            ("concat", DynTensor::R2(a), DynTensor::R2(c)) => DynTensor::R2(Tensor::cat(vec![a, c], 1)),
            ("concat", DynTensor::R3(a), DynTensor::R3(c)) => DynTensor::R3(Tensor::cat(vec![a, c], 2)),
            ("sum", DynTensor::R2(a), DynTensor::R2(c)) => DynTensor::R2(a + c),
            ("sum", DynTensor::R3(a), DynTensor::R3(c)) => DynTensor::R3(a + c),
            ("mul", DynTensor::R2(a), DynTensor::R2(c)) => DynTensor::R2(a * c),
            ("mul", DynTensor::R3(a), DynTensor::R3(c)) => DynTensor::R3(a * c),
            ("ave", DynTensor::R2(a), DynTensor::R2(c)) => DynTensor::R2((a + c).div_scalar(2.0)),
            ("ave", DynTensor::R3(a), DynTensor::R3(c)) => DynTensor::R3((a + c).div_scalar(2.0)),
            _ => return Err(Error::shape(format!("Bidirectional cannot merge outputs of rank {rank}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Dense, GRU, LSTM};

    #[test]
    fn builds_a_backward_copy_and_checks_arguments() {
        let mut b = Bidirectional::new(LSTM::new(3)).merge_mode("sum");
        let specs = b.build(&Shape::batched(&[5, 2])).unwrap();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "forward_lstm/kernel",
                "forward_lstm/recurrent_kernel",
                "forward_lstm/bias",
                "backward_lstm/kernel",
                "backward_lstm/recurrent_kernel",
                "backward_lstm/bias"
            ]
        );
        assert_eq!(b.get_config()["backward_layer"]["config"]["go_backwards"], true);
        let again = Bidirectional::from_config(&b.get_config()).unwrap();
        assert_eq!(again.get_config()["merge_mode"], "sum");
        assert!(Bidirectional::new(Dense::new(2)).compute_output_shape(&Shape::batched(&[5, 2])).is_err());
        assert!(
            Bidirectional::new(GRU::new(2)).merge_mode("max").compute_output_shape(&Shape::batched(&[5, 2])).is_err()
        );
    }
}
