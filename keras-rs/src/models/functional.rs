//! The Functional API's `Model`: a graph of layer calls from `Input`s to outputs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::layers::{Layer, LayerBase, unique_name};
use crate::models::graph::{CallNode, Graph, GraphNode, KerasTensor, SymbolicInputs, TensorRef};
use crate::models::network::Network;
use crate::random::{SeedGenerator, next_seed};
use crate::shape::Shape;
use crate::trainers::Compiled;

/// Keras' Functional `Model(inputs, outputs)`: any graph of layer calls — several inputs and
/// outputs, shared layers (one layer value called twice shares its weights), merging layers,
/// and models used as layers.
///
/// ```
/// use keras_rs::prelude::*;
/// let a = Input::new(&[16]).name("a");
/// let b = Input::new(&[8]).name("b");
/// let h = Concatenate::new().call(&[a.tensor(), b.tensor()]).unwrap();
/// let y = Dense::new(1).name("score").call(&h).unwrap();
/// let mut model = Model::new(&[&a, &b], &y).unwrap();
/// assert_eq!(model.count_params(), 24 + 1);
/// model.compile("adam", "mse", NO_METRICS).unwrap();
/// let (xa, xb) = (ndarray::Array2::<f32>::ones((4, 16)), ndarray::Array2::<f32>::ones((4, 8)));
/// let y = ndarray::Array2::<f32>::zeros((4, 1));
/// let history = model.fit(&[("a", &xa), ("b", &xb)], &y, FitOptions::new().epochs(2).verbose(0)).unwrap();
/// assert_eq!(history.history["loss"].len(), 2);
/// assert_eq!(model.predict(&[&xa, &xb], PredictOptions::new()).unwrap()[0].shape(), &[4, 1]);
/// ```
#[derive(Clone, Debug)]
pub struct Model {
    pub(crate) base: LayerBase,
    pub(crate) network: Network,
    pub(crate) rng: SeedGenerator,
    seed: u64,
    pub(crate) compiled: Option<Compiled>,
    /// The graph with the model's layer names, for `inputs()`, `outputs()` and `layer_output`.
    pub(crate) inputs: Vec<KerasTensor>,
    pub(crate) outputs: Vec<KerasTensor>,
    /// Per layer (model order), the graph nodes that call it.
    pub(crate) calls: Vec<Vec<usize>>,
    pub(crate) nodes: Vec<Arc<CallNode>>,
}

/// keras-rs' rule for a string input: one layer (a TextVectorization or StringLookup) takes it,
/// and it is not itself an output.
fn check_string_inputs(inputs: &[KerasTensor], outputs: &[KerasTensor], nodes: &[Arc<CallNode>]) -> Result<()> {
    for input in inputs.iter().filter(|t| t.dtype() == "string") {
        let key = input.node.key;
        let takers: Vec<&Arc<CallNode>> = nodes.iter().filter(|n| n.inputs.iter().any(|t| t.node.key == key)).collect();
        if takers.len() != 1 || outputs.iter().any(|t| t.node.key == key) {
            return Err(Error::value(format!(
                "The string input \"{}\" goes into {} layer call(s){}: keras-rs turns a string input into numbers \
                 with the one TextVectorization or StringLookup called on it, as each batch is read, so exactly \
                 one layer takes it (give each of several lookups its own Input)",
                input.name(),
                takers.len(),
                if outputs.iter().any(|t| t.node.key == key) { " and is an output" } else { "" }
            )));
        }
    }
    Ok(())
}

impl Model {
    /// Builds the model from its inputs (`Input`s or their tensors) to its outputs: walks the
    /// graph, names unnamed layers Keras-style (`dense`, `dense_1`, ...), creates the weights
    /// (seeded by [`set_random_seed`](crate::utils::set_random_seed) or the clock) on
    /// [`default_device`](crate::backends::default_device).
    pub fn new(inputs: impl SymbolicInputs, outputs: impl SymbolicInputs) -> Result<Model> {
        let (inputs, outputs) = (inputs.tensors(), outputs.tensors());
        if outputs.is_empty() || inputs.is_empty() {
            return Err(Error::value("A Functional model needs at least one input and one output."));
        }
        let mapped = crate::models::map_graph::map_graph(&inputs, &outputs)?;
        // Rebuild the graph with every layer named, in model order.
        let mut names: HashMap<u64, String> = HashMap::new();
        let mut taken: Vec<String> = Vec::new();
        for (id, node) in &mapped.layers {
            if let Some(name) = node.layer.name() {
                if taken.iter().any(|t| t == name) {
                    let count = mapped.layers.iter().filter(|(_, n)| n.layer.name() == Some(name)).count();
                    return Err(Error::value(format!(
                        "The name \"{name}\" is used {count} times in the model. All operation names should be unique."
                    )));
                }
                taken.push(name.to_string());
                names.insert(*id, name.to_string());
            }
        }
        for (id, node) in &mapped.layers {
            if names.contains_key(id) {
                continue;
            }
            let name = unique_name(node.layer.class_name(), |n| taken.iter().any(|t| t == n));
            taken.push(name.clone());
            names.insert(*id, name);
        }
        let mut renamed: HashMap<u64, Arc<CallNode>> = HashMap::new();
        let mut nodes = Vec::with_capacity(mapped.nodes.len());
        for node in &mapped.nodes {
            let mut layer = node.layer.clone_box();
            layer.base_mut().name = Some(names[&node.layer.base().id].clone());
            let inputs = node
                .inputs
                .iter()
                .map(|t| KerasTensor { node: renamed[&t.node.key].clone(), index: t.index })
                .collect();
            let new = Arc::new(CallNode {
                key: node.key,
                layer,
                inputs,
                kwargs: node.kwargs.clone(),
                keyword_input: node.keyword_input,
                output_shapes: node.output_shapes.clone(),
            });
            renamed.insert(node.key, new.clone());
            nodes.push(new);
        }
        check_string_inputs(&inputs, &outputs, &nodes)?;
        let relink = |t: &KerasTensor| KerasTensor { node: renamed[&t.node.key].clone(), index: t.index };
        let (inputs, outputs): (Vec<_>, Vec<_>) =
            (inputs.iter().map(relink).collect(), outputs.iter().map(relink).collect());
        let layer_ids: Vec<u64> = mapped.layers.iter().map(|(id, _)| *id).collect();
        let seed = next_seed();
        let mut model = Model {
            base: LayerBase { name: Some("functional".into()), ..LayerBase::default() },
            network: Network::new(keras_rs_backends::default_device()),
            rng: SeedGenerator::new(seed),
            seed,
            compiled: None,
            inputs,
            outputs,
            calls: Vec::new(),
            nodes,
        };
        model.calls = layer_ids.iter().map(|id| model.node_indices_of(*id)).collect();
        model.build()?;
        Ok(model)
    }

    fn node_indices_of(&self, id: u64) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.nodes.len()).filter(|&i| self.nodes[i].layer.base().id == id).collect();
        idx.sort_by_key(|&i| self.nodes[i].key); // call order
        idx
    }

    /// Creates the network: layers in model order, each built on the shapes of its first call.
    fn build(&mut self) -> Result<()> {
        let layer_ids: Vec<u64> = self.calls.iter().map(|c| self.nodes[c[0]].layer.base().id).collect();
        let mut network = Network::new(self.network.device.clone());
        let mut rng = SeedGenerator::new(self.seed);
        for (i, calls) in self.calls.iter().enumerate() {
            let first = &self.nodes[calls[0]];
            let shapes: Vec<Shape> = if first.inputs.is_empty() {
                first.output_shapes.clone()
            } else {
                first.data_inputs().iter().map(|t| t.shape().clone()).collect()
            };
            // Rebuilt (`seed`, `device`): the layers as they are now (trainable flags, loaded
            // vocabularies), not as they were called.
            let layer = match self.network.layers.get(i) {
                Some(entry) if entry.layer.base().id == first.layer.base().id => entry.layer.clone_box(),
                _ => first.layer.clone_box(),
            };
            network.push_multi(layer, shapes, &mut rng)?;
        }
        let index: HashMap<u64, usize> = layer_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let position: HashMap<u64, usize> = self.nodes.iter().enumerate().map(|(i, n)| (n.key, i)).collect();
        let tref = |t: &KerasTensor| TensorRef { node: position[&t.node.key], index: t.index };
        network.graph = Some(Graph {
            nodes: self
                .nodes
                .iter()
                .map(|n| GraphNode {
                    layer: index[&n.layer.base().id],
                    inputs: n.inputs.iter().map(tref).collect(),
                    kwargs: n.kwargs.clone(),
                    keyword_input: n.keyword_input,
                })
                .collect(),
            inputs: self.inputs.iter().map(|t| position[&t.node.key]).collect(),
            outputs: self.outputs.iter().map(tref).collect(),
        });
        self.network = network;
        self.rng = rng;
        Ok(())
    }

    /// Renames the model (Keras' `name=`; default `functional`).
    pub fn named(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Re-creates the weights from `seed` (weight init, shuffling and dropout of this model).
    pub fn seed(mut self, seed: u64) -> Result<Self> {
        self.seed = seed;
        self.build()?;
        Ok(self)
    }

    /// Moves the model to `device`, re-creating its weights there (call before training).
    pub fn device(mut self, device: burn::tensor::Device) -> Result<Self> {
        self.network.device = device;
        let seed = self.seed;
        self.seed(seed)
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("functional")
    }

    /// The input tensors (Keras' `model.inputs`), with the model's layer names.
    pub fn inputs(&self) -> &[KerasTensor] {
        &self.inputs
    }

    /// The output tensors (Keras' `model.outputs`).
    pub fn outputs(&self) -> &[KerasTensor] {
        &self.outputs
    }

    /// The names of the inputs, in order (the keys of input maps).
    pub fn input_names(&self) -> Vec<String> {
        self.inputs.iter().map(KerasTensor::name).collect()
    }

    /// The names of the outputs (their layers' names: the keys of loss and target maps).
    pub fn output_names(&self) -> Vec<String> {
        self.outputs.iter().map(KerasTensor::name).collect()
    }

    /// The layers in Keras' order (`InputLayer`s included, as in Keras).
    pub fn layers(&self) -> Vec<&dyn Layer> {
        self.network.layers.iter().map(|e| e.layer.as_ref()).collect()
    }

    fn layer_index(&self, name: &str) -> Result<usize> {
        self.network.layers.iter().position(|e| e.layer.name() == Some(name)).ok_or_else(|| {
            let names: Vec<&str> = self.network.layers.iter().filter_map(|e| e.layer.name()).collect();
            Error::value(format!("No such layer: {name}. Existing layers are: {names:?}."))
        })
    }

    /// The layer called `name`.
    pub fn get_layer(&self, name: &str) -> Result<&dyn Layer> {
        Ok(self.network.layers[self.layer_index(name)?].layer.as_ref())
    }

    /// The output of layer `name`'s first call (Keras' `model.get_layer(name).output`), for
    /// feature extraction: `Model::new(model.inputs(), &model.layer_output("conv")?)`. The
    /// layers keep their names; the new model creates its own weights, so copy the trained ones
    /// with [`Model::copy_weights_from`] (keras-rs models own their weights).
    pub fn layer_output(&self, name: &str) -> Result<KerasTensor> {
        let layer = self.layer_index(name)?;
        let node = self.nodes[self.calls[layer][0]].clone();
        Ok(KerasTensor { node, index: 0 })
    }

    /// Freezes (`false`) or unfreezes a layer's weights (Keras' `layer.trainable = False`).
    /// Call `compile` again afterwards, as in Keras.
    pub fn set_trainable(&mut self, name: &str, trainable: bool) -> Result<()> {
        let i = self.layer_index(name)?;
        self.network.set_layer_trainable(i, trainable)
    }

    /// Copies the weights of every layer of `other` whose name and weight shapes match a layer
    /// of this model (a feature extractor from a trained model); returns how many layers.
    pub fn copy_weights_from(&mut self, other: &Model) -> usize {
        let mut copied = 0;
        for entry in &self.network.layers {
            let Some(src) = other.network.layers.iter().find(|e| e.layer.name() == entry.layer.name()) else {
                continue;
            };
            let (dst_vars, src_vars) =
                (&self.network.variables[entry.vars.clone()], &other.network.variables[src.vars.clone()]);
            if dst_vars.len() == src_vars.len() && dst_vars.iter().zip(src_vars).all(|(a, b)| a.shape == b.shape) {
                copied += usize::from(!dst_vars.is_empty());
            } else {
                continue;
            }
            for (i, j) in entry.vars.clone().zip(src.vars.clone()) {
                self.network.variables[i].value = other.network.variables[j].value.clone();
            }
        }
        copied
    }

    /// The seed this model's random source started from.
    pub fn random_seed(&self) -> u64 {
        self.seed
    }
}
