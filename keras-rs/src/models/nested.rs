//! Models used as layers: a `Sequential` or Functional `Model` called inside another model.
//!
//! The outer model takes a copy of the inner model's current weights as its own variables
//! (`<model>/<layer>/<weight>`), so a trained model can be reused (transfer learning); the
//! forward pass runs the inner layer calls on the outer model's variables.

use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::{CallContext, Layer, VariableSpec};
use crate::models::network::Network;
use crate::models::{Model, Sequential};
use crate::shape::Shape;

/// Checks the shapes a nested model is called on against its inputs and returns its outputs'
/// shapes with the caller's batch axis.
fn nested_output_shapes(
    name: &str,
    inputs: &[(String, Shape)],
    outputs: Vec<Shape>,
    got: &[Shape],
) -> Result<Vec<Shape>> {
    if inputs.len() != got.len() {
        return Err(Error::value(format!(
            "Model \"{name}\" takes {} input(s), but it was called on {} tensor(s).",
            inputs.len(),
            got.len()
        )));
    }
    for (i, ((_, expected), shape)) in inputs.iter().zip(got).enumerate() {
        let ok = expected.rank() == shape.rank()
            && expected.0.iter().zip(&shape.0).skip(1).all(|(e, g)| e.is_none() || g.is_none() || e == g);
        if !ok {
            return Err(Error::shape(format!(
                "Input {i} of layer \"{name}\" is incompatible with the layer: expected shape={expected}, found \
                 shape={shape}"
            )));
        }
    }
    let batch = got.first().and_then(|s| s.0.first().copied().flatten());
    Ok(outputs.into_iter().map(|s| s.with_batch(batch)).collect())
}

/// The variables of a nested model, as weights of the outer one (initial values: its own).
fn nested_specs(name: &str, network: &Network) -> Result<Vec<VariableSpec>> {
    if let Some(e) = network.layers.iter().find(|e| e.layer.stateful()) {
        return Err(Error::value(format!(
            "Model \"{name}\" has a stateful layer (\"{}\"): keras-rs does not carry RNN states through a model used \
             as a layer. Use the layers directly in the outer model.",
            e.layer.name().unwrap_or("?")
        )));
    }
    Ok(network
        .variables
        .iter()
        .map(|v| VariableSpec {
            name: v.path.clone(),
            shape: v.shape.clone(),
            initializer: Initializer::Zeros,
            trainable: v.trainable,
            fans: None,
        })
        .collect())
}

/// Copies the inner model's current values of variable `index`.
fn nested_initial_values(network: &Network, index: usize, values: &mut [f32]) {
    if let Some(v) = network.variables.get(index)
        && let Ok(host) = v.value.clone().into_data().convert::<f32>().try_into_vec::<f32>()
        && host.len() == values.len()
    {
        values.copy_from_slice(&host);
    }
}

macro_rules! model_as_layer {
    ($ty:ty, $class:literal) => {
        impl Layer for $ty {
            crate::layers::builders::layer_boilerplate!($class);
            crate::layers::builders::multi_input_glue!();
            fn config(&self) -> Value {
                json!({})
            }
            fn get_config(&self) -> Value {
                <$ty>::get_config(self)
            }
            fn weight_paths(&self, _count: usize) -> Vec<String> {
                crate::saving::weights::variable_paths(&self.network)
            }
            fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
                use crate::trainers::fit::Trainable;
                if !self.string_inputs().is_empty() {
                    return Err(crate::Error::value(format!(
                        "Model \"{}\" has a string input, and keras-rs calls a model as a layer on numbers only: \
                         call its inner model (after the TextVectorization or StringLookup) instead",
                        <$ty>::name(self)
                    )));
                }
                let outputs = self.output_specs()?.into_iter().map(|(_, s)| s).collect();
                nested_output_shapes(<$ty>::name(self), &self.input_specs()?, outputs, input_shapes)
            }
            fn build_multi(&mut self, input_shapes: &[Shape]) -> Result<Vec<VariableSpec>> {
                self.compute_output_shapes(input_shapes)?;
                nested_specs(<$ty>::name(self), &self.network)
            }
            fn forward_multi(
                &self,
                inputs: Vec<DynTensor>,
                weights: crate::layers::Weights<'_>,
                ctx: &mut CallContext<'_>,
            ) -> Result<Vec<DynTensor>> {
                let index = ctx.layer_index;
                let out = self.network.run(inputs, &weights, ctx);
                ctx.layer_index = index;
                out
            }
            fn initial_values(&self, index: usize, values: &mut [f32]) {
                nested_initial_values(&self.network, index, values);
            }
            // What the inner layers keep besides variables (an adapted lookup's vocabulary), under
            // their own groups and folders, as Keras nests them.
            fn save_state(&self) -> Vec<crate::layers::StateEntry> {
                nested_save_state(&self.network)
            }
            fn load_state(&mut self, source: &dyn crate::layers::StateSource) -> Result<()> {
                nested_load_state(&mut self.network, source)
            }
            // The inner layers' variables are this layer's, in order: so are their penalties and
            // constraints (their activity penalties are added as the inner model runs).
            fn regularizers(&self) -> Vec<(usize, crate::regularizers::Regularizer)> {
                self.network.regularizers()
            }
            fn constraints(&self) -> Vec<(usize, crate::constraints::Constraint)> {
                self.network.constraints()
            }
            fn num_outputs(&self) -> usize {
                use crate::trainers::fit::Trainable;
                self.output_specs().map_or(1, |o| o.len())
            }
        }
        crate::models::graph::functional_call!($ty);

        impl $ty {
            /// `false` freezes every weight of the model (Keras' `model.trainable = False`), also
            /// where it is used as a layer of another model; `true` unfreezes them again.
            pub fn trainable(mut self, trainable: bool) -> Self {
                self.set_all_trainable(trainable);
                self
            }

            /// [`trainable`](Self::trainable) on a model in place.
            pub fn set_all_trainable(&mut self, trainable: bool) {
                self.base.trainable = Some(trainable);
                for i in 0..self.network.layers.len() {
                    // Building the same layer on the same shapes again cannot fail.
                    let _ = self.network.set_layer_trainable(i, trainable);
                }
            }
        }
    };
}

model_as_layer!(Model, "Functional");
model_as_layer!(Sequential, "Sequential");

/// The inner layers' [`save_state`](Layer::save_state), each under `layers/<its key>/`.
fn nested_save_state(network: &Network) -> Vec<crate::layers::StateEntry> {
    use crate::layers::StateEntry;
    let keys = crate::saving::weights::layer_keys(network);
    let mut entries = Vec::new();
    for (entry, key) in network.layers.iter().zip(keys).filter(|(_, k)| !k.is_empty()) {
        let at = |path: String| format!("layers/{key}/{path}");
        entries.extend(entry.layer.save_state().into_iter().map(|state| match state {
            StateEntry::Group(path) => StateEntry::Group(at(path)),
            StateEntry::Dataset { path, shape, values } => StateEntry::Dataset { path: at(path), shape, values },
            StateEntry::Asset { path, bytes } => StateEntry::Asset { path: at(path), bytes },
        }));
    }
    entries
}

/// The inner layers' [`load_state`](Layer::load_state), each reading under `layers/<its key>/`.
fn nested_load_state(network: &mut Network, source: &dyn crate::layers::StateSource) -> Result<()> {
    /// `source` seen from one inner layer.
    struct Inner<'s> {
        source: &'s dyn crate::layers::StateSource,
        prefix: String,
    }
    impl crate::layers::StateSource for Inner<'_> {
        fn dataset(&self, path: &str) -> Result<Option<(Vec<usize>, Vec<f32>)>> {
            self.source.dataset(&format!("{}{path}", self.prefix))
        }
        fn asset(&self, path: &str) -> Result<Option<Vec<u8>>> {
            self.source.asset(&format!("{}{path}", self.prefix))
        }
    }
    let keys = crate::saving::weights::layer_keys(network);
    for (entry, key) in network.layers.iter_mut().zip(keys).filter(|(_, k)| !k.is_empty()) {
        entry.layer.load_state(&Inner { source, prefix: format!("layers/{key}/") })?;
    }
    Ok(())
}
