//! Keras' `map_graph`: orders a Functional model's layer calls and layers, and finds
//! disconnected graphs.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::models::graph::{CallNode, KerasTensor, layer_label};

/// Keras' `map_graph`: the calls reachable from `outputs`, in execution order (deepest first),
/// and the layers in Keras' `model.layers` order (by depth, then first DFS visit).
pub(crate) struct Mapped {
    /// Nodes in execution order.
    pub(crate) nodes: Vec<Arc<CallNode>>,
    /// Layer instance ids in `model.layers` order, with the node that first calls each.
    pub(crate) layers: Vec<(u64, Arc<CallNode>)>,
}

pub(crate) fn map_graph(inputs: &[KerasTensor], outputs: &[KerasTensor]) -> Result<Mapped> {
    use std::collections::{HashMap, HashSet};
    // Symbolic tensors only point at calls that existed before them, so the graph has no cycle.
    let mut finished: HashSet<u64> = HashSet::new(); // node keys
    let mut order: Vec<Arc<CallNode>> = Vec::new(); // post-order: inputs -> outputs
    let mut layer_index: HashMap<u64, usize> = HashMap::new(); // first DFS visit
    fn visit(
        node: &Arc<CallNode>,
        finished: &mut HashSet<u64>,
        order: &mut Vec<Arc<CallNode>>,
        layer_index: &mut HashMap<u64, usize>,
    ) {
        if finished.contains(&node.key) {
            return;
        }
        let n = layer_index.len();
        layer_index.entry(node.layer.base().id).or_insert(n);
        for t in &node.inputs {
            visit(&t.node, finished, order, layer_index);
        }
        finished.insert(node.key);
        order.push(node.clone());
    }
    for t in outputs {
        visit(&t.node, &mut finished, &mut order, &mut layer_index);
    }
    // Depths: 0 at the outputs, parents one deeper than their deepest child; a shared layer
    // takes the deepest depth of its calls.
    let mut node_depth: HashMap<u64, usize> = HashMap::new();
    let mut layer_depth: HashMap<u64, usize> = HashMap::new();
    for node in order.iter().rev() {
        let mut depth = *node_depth.entry(node.key).or_insert(0);
        let id = node.layer.base().id;
        depth = depth.max(layer_depth.get(&id).copied().unwrap_or(0));
        layer_depth.insert(id, depth);
        node_depth.insert(node.key, depth);
        for t in &node.inputs {
            let d = node_depth.entry(t.node.key).or_insert(0);
            *d = (*d).max(depth + 1);
        }
    }
    // Declared inputs must be `Input`s; unused ones still belong to the model.
    let mut extra = Vec::new();
    for t in inputs {
        if !t.is_input() {
            return Err(Error::value(format!(
                "Model inputs must be `Input` tensors (`Input::new(..)` or `Input::tensor()`); received the output of \
                 layer \"{}\" ({}).",
                t.name(),
                t.producer_class()
            )));
        }
        if !finished.contains(&t.node.key) {
            let id = t.node.layer.base().id;
            layer_depth.insert(id, 0); // Keras: depth 0, before the other depth-0 layers
            node_depth.insert(t.node.key, 0);
            extra.push(t.node.clone());
        }
    }
    // Every `Input` the outputs need must be a declared input.
    let declared: Vec<u64> = inputs.iter().map(|t| t.node.key).collect();
    let mut accessed: Vec<String> = Vec::new();
    let mut by_depth: Vec<&Arc<CallNode>> = order.iter().collect();
    by_depth.sort_by_key(|n| std::cmp::Reverse(node_depth[&n.key]));
    for node in &by_depth {
        if node.is_input() && !declared.contains(&node.key) {
            return Err(Error::value(format!(
                "Graph disconnected: cannot find parent for tensor \"{}\" (shape {}) at layer \"{}\": it comes from an \
                 `Input` that is not among the model's inputs. The following previous layers were accessed without \
                 issue: {accessed:?}",
                node.layer.name().unwrap_or("input_layer"),
                node.output_shapes[0],
                consumer_of(&order, node).unwrap_or_else(|| "?".into()),
            )));
        }
        accessed.push(layer_label(node.layer.as_ref()));
    }
    let mut nodes: Vec<Arc<CallNode>> = extra.clone();
    nodes.extend(by_depth.into_iter().cloned());
    // Layers by depth (deepest first), then by first visit (unused inputs count as never visited).
    let mut layers: Vec<(u64, Arc<CallNode>)> = Vec::new();
    for node in extra.iter().chain(order.iter()) {
        let id = node.layer.base().id;
        if !layers.iter().any(|(l, _)| *l == id) {
            layers.push((id, node.clone()));
        }
    }
    layers.sort_by_key(|(id, _)| (std::cmp::Reverse(layer_depth[id]), layer_index.get(id).map_or(-1, |&i| i as i64)));
    Ok(Mapped { nodes, layers })
}

/// The label of the first layer called on `node`'s output, for the disconnected-graph error.
fn consumer_of(order: &[Arc<CallNode>], node: &CallNode) -> Option<String> {
    order.iter().find(|n| n.inputs.iter().any(|t| t.node.key == node.key)).map(|n| layer_label(n.layer.as_ref()))
}
