//! `model.weights.h5`: Keras' layout of model and optimizer variables.
//!
//! Groups are named after the snake-cased class name of each layer in `model.layers` order
//! (`layers/dense`, `layers/dense_1`, `layers/conv2d`), not after layer names; variables are
//! numbered `vars/0..n` in each layer's Keras order. The optimizer's `iterations` and
//! `learning_rate` are `optimizer/vars/0` and `1`, its slots follow in Keras' order.

use std::collections::HashMap;

use burn::tensor::{Tensor, TensorData};

use ndarray::{ArrayD, IxDyn};

use super::h5io::{H5Data, H5File, H5Group};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::{StateEntry, StateSource, to_snake_case};
use crate::models::Network;
use crate::optimizers::schedules::LearningRate;
use crate::shape::format_dims;
use crate::trainers::Compiled;

/// Keras' group key of each layer (`_save_container_state`): the snake-cased class name, with
/// `_1`, `_2`, ... for repeats. Ops are not in Keras' `model.layers`: their key is empty and
/// they have no group.
pub(crate) fn layer_keys(network: &Network) -> Vec<String> {
    let mut used: HashMap<String, usize> = HashMap::new();
    network
        .layers
        .iter()
        .map(|entry| {
            if entry.layer.module().is_some() {
                return String::new();
            }
            let name = to_snake_case(entry.layer.class_name());
            match used.get_mut(&name) {
                Some(n) => {
                    *n += 1;
                    format!("{name}_{n}")
                }
                None => {
                    used.insert(name.clone(), 0);
                    name
                }
            }
        })
        .collect()
}

/// The path of every variable of `network` in the weights file, relative to the model's group
/// (`layers/dense/vars/0`, `layers/lstm/cell/vars/1`, `layers/sequential/layers/dense/vars/0`).
pub(crate) fn variable_paths(network: &Network) -> Vec<String> {
    let mut paths = Vec::with_capacity(network.variables.len());
    for (entry, key) in network.layers.iter().zip(layer_keys(network)) {
        let mut mine = entry.layer.weight_paths(entry.vars.len());
        if mine.len() != entry.vars.len() {
            mine = (0..entry.vars.len()).map(|i| format!("vars/{i}")).collect();
        }
        paths.extend(mine.into_iter().map(|p| format!("layers/{key}/{p}")));
    }
    paths
}

/// The weights file of a model: its variables, and the optimizer's when `compiled`.
pub(crate) fn weights_tree(network: &Network, model_name: &str, compiled: Option<&Compiled>) -> Result<H5Group> {
    let mut root = H5Group::default();
    root.group_mut("vars").name_attr = Some(model_name.to_string());
    for (entry, key) in network.layers.iter().zip(layer_keys(network)) {
        if !key.is_empty() {
            root.group_mut(&format!("layers/{key}/vars")).name_attr = entry.layer.name().map(str::to_string);
        }
    }
    for (w, path) in network.get_weights()?.into_iter().zip(variable_paths(network)) {
        let shape = w.shape().to_vec();
        root.put(&path, H5Data::F32(shape, w.into_raw_vec_and_offset().0));
    }
    // What layers keep besides variables (a lookup layer's `idf_weights`).
    for (entry, key) in network.layers.iter().zip(layer_keys(network)).filter(|(_, k)| !k.is_empty()) {
        for state in entry.layer.save_state() {
            match state {
                StateEntry::Group(path) => {
                    root.group_mut(&format!("layers/{key}/{path}"));
                }
                StateEntry::Dataset { path, shape, values } => {
                    root.put(&format!("layers/{key}/{path}"), H5Data::F32(shape, values));
                }
                StateEntry::Asset { .. } => {}
            }
        }
    }
    if let Some(c) = compiled {
        root.group_mut("optimizer/vars").name_attr = Some(to_snake_case(c.optimizer.class_name()));
        root.put("optimizer/vars/0", H5Data::I32(c.state.iterations as i32));
        // A schedule is not a variable: Keras then numbers the slots from 1.
        let first = lr_var_count(c) + 1;
        if let LearningRate::Constant(lr) = c.optimizer.learning_rate() {
            root.put("optimizer/vars/1", H5Data::F32(vec![], vec![*lr as f32]));
        }
        let shapes: Vec<&Vec<usize>> = network.variables.iter().filter(|v| v.trainable).map(|v| &v.shape).collect();
        let order = slot_order(c, shapes.len());
        for (index, (var, slot)) in order.iter().enumerate() {
            let Some(t) = c.state.slots.get(*var).and_then(|s| s.get(*slot)) else { break };
            let values = DynTensor::new(t.clone()).into_vec()?;
            root.put(&format!("optimizer/vars/{}", index + first), H5Data::F32(shapes[*var].clone(), values));
        }
        // Optimizer-wide variables (Nadam's `u_product`) follow the slots, once built.
        if !c.state.slots.is_empty() {
            for (j, value) in c.state.shared.iter().enumerate() {
                root.put(&format!("optimizer/vars/{}", first + order.len() + j), H5Data::F32(vec![], vec![*value]));
            }
        }
    }
    Ok(root)
}

/// The `.keras` archive's `assets/` files (Keras' `save_assets`: a lookup layer's
/// `vocabulary.txt`), by path in the archive (`assets/layers/text_vectorization/vocabulary.txt`).
pub(crate) fn layer_assets(network: &Network) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (entry, key) in network.layers.iter().zip(layer_keys(network)).filter(|(_, k)| !k.is_empty()) {
        for state in entry.layer.save_state() {
            if let StateEntry::Asset { path, bytes } = state {
                files.push((format!("assets/layers/{key}/{path}"), bytes));
            }
        }
    }
    files
}

/// One layer's part of a `.keras` file, for [`Layer::load_state`](crate::layers::Layer::load_state).
struct LayerPart<'f> {
    file: &'f H5File,
    assets: &'f [(String, Vec<u8>)],
    key: &'f str,
}

impl StateSource for LayerPart<'_> {
    fn dataset(&self, path: &str) -> Result<Option<(Vec<usize>, Vec<f32>)>> {
        let path = format!("layers/{}/{path}", self.key);
        let Some(shape) = self.file.shape(&path)? else { return Ok(None) };
        match self.file.read_f32(&path, &shape)? {
            Some(Ok(values)) => Ok(Some((shape, values))),
            _ => Err(Error::Format(format!("`{path}` is not a float32 dataset"))),
        }
    }
    fn asset(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let path = format!("assets/layers/{}/{path}", self.key);
        Ok(self.assets.iter().find(|(p, _)| *p == path).map(|(_, b)| b.clone()))
    }
}

/// Hands each layer its part of the file to read back what it keeps besides variables (a lookup
/// layer's vocabulary asset and IDF weights); `assets` are the archive's `assets/` files (none
/// for a weights file).
pub(crate) fn load_layer_states(network: &mut Network, file: &H5File, assets: &[(String, Vec<u8>)]) -> Result<()> {
    let keys = layer_keys(network);
    for (entry, key) in network.layers.iter_mut().zip(&keys).filter(|(_, k)| !k.is_empty()) {
        entry.layer.load_state(&LayerPart { file, assets, key })?;
    }
    Ok(())
}

/// 1 when the optimizer has a `learning_rate` variable (a fixed rate), 0 with a schedule.
fn lr_var_count(c: &Compiled) -> usize {
    usize::from(matches!(c.optimizer.learning_rate(), LearningRate::Constant(_)))
}

/// (trainable variable, slot) in the order Keras numbers the optimizer's variables: Adam's
/// slots interleave per variable (`m0, v0, m1, v1`, then amsgrad's `vh0, vh1`), RMSprop's come
/// in blocks per kind (see `Optimizer::slot_groups`).
fn slot_order(c: &Compiled, n_vars: usize) -> Vec<(usize, usize)> {
    let groups = c.optimizer.slot_groups();
    groups.iter().flat_map(|group| (0..n_vars).flat_map(move |v| group.iter().map(move |&s| (v, s)))).collect()
}

/// Sets every variable of `network` from `file`, checking that each layer's group holds exactly
/// the variables the layer has, with the same shapes.
pub(crate) fn load_variables(network: &mut Network, file: &H5File) -> Result<()> {
    let paths = variable_paths(network);
    let keys = layer_keys(network);
    let mut values = Vec::with_capacity(paths.len());
    for (entry, key) in network.layers.iter().zip(&keys) {
        if key.is_empty() {
            continue; // an op: no variables, no group
        }
        let name = entry.layer.name().unwrap_or("?");
        let mine = &paths[entry.vars.clone()];
        // Datasets the layer keeps besides variables (`vars/idf_weights`) share its groups.
        let kept: Vec<String> = entry
            .layer
            .save_state()
            .into_iter()
            .filter_map(|s| match s {
                StateEntry::Dataset { path, .. } => Some(format!("layers/{key}/{path}")),
                _ => None,
            })
            .collect();
        // Every group this layer's variables live in must hold exactly them.
        let mut dirs: Vec<String> = mine.iter().map(|p| p.rsplit_once('/').map_or("", |d| d.0).to_string()).collect();
        dirs.push(format!("layers/{key}/vars"));
        dirs.dedup();
        for dir in &dirs {
            let in_dir = |p: &&String| p.rsplit_once('/').map(|d| d.0) == Some(dir.as_str());
            let expected = mine.iter().filter(in_dir).count() + kept.iter().filter(in_dir).count();
            let found = file.datasets(dir).len();
            if found != expected {
                return Err(Error::Format(format!(
                    "Layer '{name}' expected {expected} variables in `{dir}`, but received {found} variables \
                     during loading. The file does not match this model (different layers or layer order)."
                )));
            }
        }
        for (i, path) in mine.iter().enumerate() {
            let var = &network.variables[entry.vars.start + i];
            let data = file
                .read_f32(path, &var.shape)?
                .ok_or_else(|| Error::Format(format!("Layer '{name}': the weights file has no variable `{path}`")))?
                .map_err(|shape| {
                    Error::Format(format!(
                        "Layer '{name}': variable {} ({}) has shape {} in the model, but `{path}` in the file has \
                         shape {}",
                        i,
                        var.path,
                        format_dims(&var.shape),
                        format_dims(&shape)
                    ))
                })?;
            values.push(ArrayD::from_shape_vec(IxDyn(&var.shape), data).map_err(|e| Error::Backend(e.to_string()))?);
        }
    }
    network.set_weights(&values)
}

/// Restores the optimizer's `iterations`, learning rate and slots from `file`. A file without
/// optimizer variables, or with a count this optimizer does not have, leaves the optimizer
/// fresh with a warning, as Keras does.
pub(crate) fn load_optimizer(network: &Network, compiled: &mut Compiled, file: &H5File) -> Result<()> {
    let stored = file.datasets("optimizer/vars").len();
    if stored == 0 {
        errln!("WARNING: Skipping variable loading for optimizer: the file has no optimizer state.");
        return Ok(());
    }
    let shapes: Vec<Vec<usize>> = network.variables.iter().filter(|v| v.trainable).map(|v| v.shape.clone()).collect();
    let order = slot_order(compiled, shapes.len());
    let first = lr_var_count(compiled) + 1;
    let shared = compiled.optimizer.shared_variables();
    let built = first + order.len() + shared.len();
    if stored != first && stored != built {
        errln!(
            "WARNING: Skipping variable loading for optimizer '{}', because it has {built} variables whereas the \
             saved optimizer has {stored} variables.",
            to_snake_case(compiled.optimizer.class_name()),
        );
        return Ok(());
    }
    let scalar = |i: usize| -> Result<f32> {
        let path = format!("optimizer/vars/{i}");
        let not_scalar = || Error::Format(format!("{path} must be a scalar"));
        // A scalar is stored with shape () or (1,).
        let shape = file.shape(&path)?.filter(|s| s.iter().product::<usize>() == 1).ok_or_else(not_scalar)?;
        match file.read_f32(&path, &shape)? {
            Some(Ok(v)) => Ok(v[0]),
            _ => Err(not_scalar()),
        }
    };
    let iterations = scalar(0)?;
    let learning_rate = if first == 2 { Some(scalar(1)?) } else { None };
    let order_len = order.len();
    let mut slots: Vec<Vec<Option<Tensor<1>>>> = vec![vec![None; compiled.optimizer.slot_names().len()]; shapes.len()];
    if stored > first {
        for (index, (var, slot)) in order.into_iter().enumerate() {
            let path = format!("optimizer/vars/{}", index + first);
            let data = file
                .read_f32(&path, &shapes[var])?
                .ok_or_else(|| Error::Format(format!("missing {path}")))?
                .map_err(|shape| {
                    Error::Format(format!(
                        "Optimizer variable `{path}` has shape {} in the file, but the model variable it belongs \
                             to has shape {}",
                        format_dims(&shape),
                        format_dims(&shapes[var])
                    ))
                })?;
            let n = data.len();
            slots[var][slot] = Some(Tensor::from_data(TensorData::new(data, [n]), &network.device));
        }
    }
    compiled.state.iterations = iterations.max(0.0) as u64;
    if let Some(lr) = learning_rate {
        compiled.optimizer.set_learning_rate(lr as f64)?;
    }
    compiled.state.slots = slots.into_iter().map(|s| s.into_iter().flatten().collect()).collect();
    compiled.state.shared = (first + order_len..stored).map(scalar).collect::<Result<Vec<f32>>>()?;
    if stored == first {
        compiled.state.slots.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn groups_are_named_by_class_in_model_order_not_by_layer_name() {
        let a = Input::new(&[3]).name("a");
        let b = Input::new(&[2]).name("b");
        let h = Concatenate::new().call(&[Dense::new(2).name("zeta").call(&a).unwrap(), b.tensor()]).unwrap();
        let y = LSTM::new(2).call(&Reshape::new(&[1, -1]).call(&h).unwrap()).unwrap();
        let model = Model::new(&[&a, &b], &Dense::new(1).name("alpha").call(&y).unwrap()).unwrap();
        let keys = layer_keys(&model.network);
        assert_eq!(keys, ["input_layer", "dense", "input_layer_1", "concatenate", "reshape", "lstm", "dense_1"]);
        let paths = variable_paths(&model.network);
        assert_eq!(
            paths,
            [
                "layers/dense/vars/0",
                "layers/dense/vars/1",
                "layers/lstm/cell/vars/0",
                "layers/lstm/cell/vars/1",
                "layers/lstm/cell/vars/2",
                "layers/dense_1/vars/0",
                "layers/dense_1/vars/1"
            ]
        );
    }
}
