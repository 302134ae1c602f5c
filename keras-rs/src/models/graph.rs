//! Symbolic tensors (Keras' `KerasTensor`) and the layer-call graph the Functional API records.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::layers::{Input, Layer, to_snake_case};
use crate::shape::Shape;

/// One call of a layer on symbolic tensors (an `Input` is a call with no inputs).
#[derive(Debug)]
pub(crate) struct CallNode {
    /// Identity of the call: an `Input`'s layer id, otherwise a fresh id per call.
    pub(crate) key: u64,
    /// The layer as it was when called (its id names the instance, shared across calls).
    pub(crate) layer: Box<dyn Layer>,
    pub(crate) inputs: Vec<KerasTensor>,
    /// The call's non-tensor keyword arguments (`use_causal_mask=True`).
    pub(crate) kwargs: serde_json::Map<String, serde_json::Value>,
    /// Whether the last input is the layer's keyword tensor ([`Layer::keyword_input`]: an
    /// explicit mask, Keras' `layer(x, mask=m)`, or `mha(q, v, attention_mask=a)`), not data.
    pub(crate) keyword_input: bool,
    pub(crate) output_shapes: Vec<Shape>,
}

impl CallNode {
    pub(crate) fn is_input(&self) -> bool {
        self.layer.declared_input_shape().is_some()
    }

    /// The data inputs of the call (without its keyword tensor).
    pub(crate) fn data_inputs(&self) -> &[KerasTensor] {
        &self.inputs[..self.inputs.len() - usize::from(self.keyword_input)]
    }
}

/// A symbolic tensor (Keras' `KerasTensor`): the shape of a value in a Functional model and the
/// layer call that produces it. Made by [`Input::tensor`] or by calling a layer on other
/// symbolic tensors; cheap to clone.
///
/// ```
/// use keras_rs::prelude::*;
/// let x = Input::new(&[16]).name("features").tensor();
/// let h = Dense::new(8).call(&x).unwrap();
/// assert_eq!(h.shape().to_string(), "(None, 8)");
/// assert_eq!(x.name(), "features");
/// ```
#[derive(Clone, Debug)]
pub struct KerasTensor {
    pub(crate) node: Arc<CallNode>,
    pub(crate) index: usize,
}

impl KerasTensor {
    /// The shape, batch axis first (`None` when the batch size is free).
    pub fn shape(&self) -> &Shape {
        &self.node.output_shapes[self.index]
    }

    /// The name of the layer that produces it (the `Input`'s name for inputs), or the snake-case
    /// class name while the layer is unnamed (a model names it when it is built).
    pub fn name(&self) -> String {
        layer_label(self.node.layer.as_ref())
    }

    /// The data type: an `Input`'s declared dtype, otherwise `"float32"`.
    pub fn dtype(&self) -> String {
        let config = self.node.layer.get_config();
        config.get("dtype").and_then(serde_json::Value::as_str).unwrap_or("float32").to_string()
    }

    /// The class name of the producing layer (`"InputLayer"` for inputs).
    pub fn producer_class(&self) -> &'static str {
        self.node.layer.class_name()
    }

    pub(crate) fn is_input(&self) -> bool {
        self.node.is_input()
    }
}

/// A layer's name, or its snake-case class name while unnamed.
pub(crate) fn layer_label(layer: &dyn Layer) -> String {
    layer.name().map(str::to_string).unwrap_or_else(|| to_snake_case(layer.class_name()))
}

/// What stands for a symbolic tensor: a [`KerasTensor`] or an [`Input`] (Keras'
/// `keras.Input(...)` is already a tensor).
pub trait IntoKerasTensor {
    /// The symbolic tensor.
    fn keras_tensor(&self) -> KerasTensor;
}

impl IntoKerasTensor for KerasTensor {
    fn keras_tensor(&self) -> KerasTensor {
        self.clone()
    }
}

impl<T: IntoKerasTensor + ?Sized> IntoKerasTensor for &T {
    fn keras_tensor(&self) -> KerasTensor {
        (**self).keras_tensor()
    }
}

impl IntoKerasTensor for Input {
    fn keras_tensor(&self) -> KerasTensor {
        self.tensor()
    }
}

/// One or several symbolic tensors, the argument of a layer's Functional `call` and of
/// [`Model::new`](crate::models::Model::new): `&x`, `&[&a, &b]`, `&[a, b]`, `&vec![a, b]`.
pub trait SymbolicInputs {
    /// The tensors in order.
    fn tensors(self) -> Vec<KerasTensor>;
}

impl<T: IntoKerasTensor> SymbolicInputs for &T {
    fn tensors(self) -> Vec<KerasTensor> {
        vec![self.keras_tensor()]
    }
}

impl<T: IntoKerasTensor> SymbolicInputs for &[T] {
    fn tensors(self) -> Vec<KerasTensor> {
        self.iter().map(IntoKerasTensor::keras_tensor).collect()
    }
}

impl<T: IntoKerasTensor, const N: usize> SymbolicInputs for &[T; N] {
    fn tensors(self) -> Vec<KerasTensor> {
        self.as_slice().tensors()
    }
}

impl<T: IntoKerasTensor> SymbolicInputs for &Vec<T> {
    fn tensors(self) -> Vec<KerasTensor> {
        self.as_slice().tensors()
    }
}

/// Fresh ids for layer calls (kept apart from layer ids by the high bit).
fn next_call_key() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    (1 << 63) | NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The symbolic tensor of an `Input`; every conversion of the same `Input` is the same tensor.
pub(crate) fn input_tensor(input: &Input) -> KerasTensor {
    let shape = input.batch_shape();
    let node = CallNode {
        key: input.base().id,
        layer: Box::new(input.clone()),
        inputs: Vec::new(),
        kwargs: serde_json::Map::new(),
        keyword_input: false,
        output_shapes: vec![shape],
    };
    KerasTensor { node: Arc::new(node), index: 0 }
}

/// Calls `layer` on symbolic tensors: infers the output shapes (Keras' errors name both the
/// layer and the tensors it was called on) and records the call.
pub(crate) fn call_symbolic(layer: &dyn Layer, inputs: Vec<KerasTensor>) -> Result<Vec<KerasTensor>> {
    call_symbolic_with(layer, inputs, serde_json::Map::new())
}

/// [`call_symbolic`] with non-tensor keyword arguments, each checked by the layer.
pub(crate) fn call_symbolic_with(
    layer: &dyn Layer,
    inputs: Vec<KerasTensor>,
    kwargs: serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<KerasTensor>> {
    call_symbolic_masked(layer, inputs, kwargs, false)
}

/// [`call_symbolic_with`], the last of `inputs` being the layer's keyword tensor when
/// `keyword_input` ([`Layer::keyword_input`]: Keras' `layer(x, mask=m)` for a layer that takes an
/// explicit mask, `mha(q, v, attention_mask=a)`).
pub(crate) fn call_symbolic_masked(
    layer: &dyn Layer,
    inputs: Vec<KerasTensor>,
    kwargs: serde_json::Map<String, serde_json::Value>,
    keyword_input: bool,
) -> Result<Vec<KerasTensor>> {
    if keyword_input && (layer.keyword_input().is_none() || inputs.len() < 2) {
        return Err(Error::value(format!(
            "Layer \"{}\" ({}) does not take a `mask` argument",
            layer_label(layer),
            layer.class_name()
        )));
    }
    for (key, value) in &kwargs {
        layer.check_call_kwarg(key, value)?;
    }
    if layer.declared_input_shape().is_some() {
        return Err(Error::value(
            "An `Input` is not called on tensors: use `Input::tensor()` (or pass the Input itself).",
        ));
    }
    let data = &inputs[..inputs.len() - usize::from(keyword_input)];
    let strings = data.iter().filter(|t| t.dtype() == "string").count();
    check_string_call(layer, strings > 0, data.len() == 1 && strings == 1)?;
    let shapes: Vec<Shape> = data.iter().map(|t| t.shape().clone()).collect();
    crate::layers::check_known_sizes(layer, &shapes)?;
    if keyword_input {
        layer.check_keyword_input(inputs[inputs.len() - 1].shape(), &shapes)?;
    }
    let output_shapes = layer.call_output_shapes(&shapes, &kwargs).map_err(|e| {
        let sources: Vec<String> = inputs
            .iter()
            .map(|t| format!("\"{}\" ({}) with shape {}", t.name(), t.producer_class(), t.shape()))
            .collect();
        Error::shape(format!(
            "Layer \"{}\" ({}) cannot be called on the output of {}: {e}",
            layer_label(layer),
            layer.class_name(),
            sources.join(" and ")
        ))
    })?;
    let node = Arc::new(CallNode {
        key: next_call_key(),
        layer: layer.clone_box(),
        inputs,
        kwargs,
        keyword_input,
        output_shapes,
    });
    Ok((0..node.output_shapes.len()).map(|index| KerasTensor { node: node.clone(), index }).collect())
}

/// keras-rs' rule for strings: a string tensor (an `Input` of `dtype("string")`) goes straight
/// into one layer that [`takes_strings`](Layer::takes_strings) (TextVectorization,
/// StringLookup), which is called on it alone; `strings` says whether the call gets any, `alone`
/// whether its one input is a string input.
pub(crate) fn check_string_call(layer: &dyn Layer, strings: bool, alone: bool) -> Result<()> {
    let (name, class) = (layer_label(layer), layer.class_name());
    if strings && !layer.takes_strings() {
        return Err(Error::value(format!(
            "Layer \"{name}\" ({class}) takes numbers, and is called on a string input. keras-rs tensors are \
             numbers: a string input goes straight into a TextVectorization or StringLookup, which turns it into \
             numbers."
        )));
    }
    if layer.takes_strings() && !alone {
        return Err(Error::value(format!(
            "Layer \"{name}\" ({class}) takes strings: call it on an `Input` of dtype(\"string\") alone (keras-rs \
             turns the strings into numbers as each batch is read, before the rest of the model). To use it on \
             strings outside a model, call its `vectorize`/`lookup`."
        )));
    }
    Ok(())
}

/// Calls a (boxed) layer on symbolic tensors: what a layer's `call_multi` does, for layers
/// held as `dyn Layer` (rebuilt with [`from_config`](crate::layers::from_config), say).
///
/// ```
/// use keras_rs::prelude::*;
/// let layer = keras_rs::layers::from_config("Add", &serde_json::json!({})).unwrap();
/// let y = keras_rs::models::call_layer(layer.as_ref(), &[Input::new(&[2]), Input::new(&[2])]).unwrap();
/// assert_eq!(y[0].shape().to_string(), "(None, 2)");
/// ```
pub fn call_layer(layer: &dyn Layer, inputs: impl SymbolicInputs) -> Result<Vec<KerasTensor>> {
    call_symbolic(layer, inputs.tensors())
}

/// The single output of a call, or an error that says to use `call_multi`.
pub(crate) fn single_output(layer: &dyn Layer, mut outputs: Vec<KerasTensor>) -> Result<KerasTensor> {
    if outputs.len() != 1 {
        return Err(Error::value(format!(
            "Layer \"{}\" returns {} tensors (its output and its states or attention scores); use `call_multi` \
             (or `call_multi_with`) to get all of them.",
            layer_label(layer),
            outputs.len()
        )));
    }
    Ok(outputs.remove(0))
}

/// Adds the Functional API's `call` and `call_multi` to a layer type.
macro_rules! functional_call {
    ([$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> $ty {
            /// Calls the layer on symbolic tensors (Functional API; Keras' `layer(x)`): `&x` for one
            /// input, `&[&a, &b]` for merging layers. Calling the same layer value again shares
            /// its weights. Shape errors name both layers and shapes.
            pub fn call(
                &self,
                inputs: impl $crate::models::SymbolicInputs,
            ) -> $crate::error::Result<$crate::models::KerasTensor>
            where
                Self: $crate::layers::Layer,
            {
                let outputs = $crate::models::graph::call_symbolic(self, inputs.tensors())?;
                $crate::models::graph::single_output(self, outputs)
            }

            /// Like `call`, with the call's non-tensor keyword arguments as a JSON object
            /// (Keras' `mha(x, x, use_causal_mask=True)` is
            /// `mha.call_with(&[&x, &x], json!({"use_causal_mask": true}))`); a layer refuses a
            /// keyword it does not take.
            pub fn call_with(
                &self,
                inputs: impl $crate::models::SymbolicInputs,
                kwargs: serde_json::Value,
            ) -> $crate::error::Result<$crate::models::KerasTensor>
            where
                Self: $crate::layers::Layer,
            {
                let serde_json::Value::Object(kwargs) = kwargs else {
                    return Err($crate::error::Error::value(format!(
                        "`call_with` takes the keyword arguments as a JSON object, received: {kwargs}"
                    )));
                };
                let outputs = $crate::models::graph::call_symbolic_with(self, inputs.tensors(), kwargs)?;
                $crate::models::graph::single_output(self, outputs)
            }

            /// Like `call_with`, returning every output (an attention layer called with
            /// `{"return_attention_scores": true}` returns its output, then the scores).
            pub fn call_multi_with(
                &self,
                inputs: impl $crate::models::SymbolicInputs,
                kwargs: serde_json::Value,
            ) -> $crate::error::Result<Vec<$crate::models::KerasTensor>>
            where
                Self: $crate::layers::Layer,
            {
                let serde_json::Value::Object(kwargs) = kwargs else {
                    return Err($crate::error::Error::value(format!(
                        "`call_multi_with` takes the keyword arguments as a JSON object, received: {kwargs}"
                    )));
                };
                $crate::models::graph::call_symbolic_with(self, inputs.tensors(), kwargs)
            }

            /// Like `call`, for layers with several outputs (a recurrent layer with
            /// `return_state(true)` returns its output, then its final states).
            pub fn call_multi(
                &self,
                inputs: impl $crate::models::SymbolicInputs,
            ) -> $crate::error::Result<Vec<$crate::models::KerasTensor>>
            where
                Self: $crate::layers::Layer,
            {
                $crate::models::graph::call_symbolic(self, inputs.tensors())
            }
        }
    };
    ($ty:ty) => {
        $crate::models::graph::functional_call!([] $ty);
    };
}
pub(crate) use functional_call;

/// A built graph: which layer each node calls, on which tensors, in execution order.
#[derive(Clone, Debug)]
pub struct Graph {
    /// The layer calls in execution order (inputs first).
    pub nodes: Vec<GraphNode>,
    /// The model's inputs: node indices (of `Input` nodes), in `Model::new` order.
    pub inputs: Vec<usize>,
    /// The model's outputs.
    pub outputs: Vec<TensorRef>,
}

/// One layer call in a built graph.
#[derive(Clone, Debug)]
pub struct GraphNode {
    /// The layer's index in the model's layers.
    pub layer: usize,
    /// The tensors it is called on.
    pub inputs: Vec<TensorRef>,
    /// The call's non-tensor keyword arguments (`use_causal_mask=True`).
    pub kwargs: serde_json::Map<String, serde_json::Value>,
    /// Whether the last input is the layer's keyword tensor ([`Layer::keyword_input`]: Keras'
    /// `layer(x, mask=m)`, `mha(q, v, attention_mask=a)`).
    pub keyword_input: bool,
}

impl GraphNode {
    /// The data inputs of the call (without its keyword tensor).
    pub fn data_inputs(&self) -> &[TensorRef] {
        &self.inputs[..self.inputs.len() - usize::from(self.keyword_input)]
    }
}

/// Output `index` of node `node`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TensorRef {
    /// The node's index in [`Graph::nodes`].
    pub node: usize,
    /// Which of its outputs.
    pub index: usize,
}
