//! `config.json`: Keras 3's serialized form of `Sequential` and Functional models, both ways.
//!
//! Writing follows what Keras 3.15 writes. Reading refuses any layer argument the rebuilt layer
//! would not honour ([`super::honoured`]); `registered_name`, `shared_object_id` and
//! `build_config` only describe, `dtype` may be a string or a `DTypePolicy`,
//! `input_layers`/`output_layers` may be flat, nested or a map.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::layers::{Input, Layer};
use crate::models::graph::KerasTensor;
use crate::models::{Model, Sequential};
use crate::shape::Shape;

/// Keras' `module` and `registered_name` for a class: a user's registered layer class has its
/// `package>Class` name (which Python Keras looks up among its registered classes).
pub(crate) fn module_of(class: &str) -> (&'static str, Value) {
    match class {
        "Sequential" => ("keras", Value::Null),
        "Functional" => ("keras.src.models.functional", json!("Functional")),
        _ => match crate::layers::registry::registered_name(class) {
            Some(name) => ("keras.layers", json!(name)),
            None => ("keras.layers", Value::Null),
        },
    }
}

fn shape_json(shape: &Shape) -> Value {
    json!(shape.0)
}

/// A layer's entry in a model's `layers` list: module, class, config, and the shapes it was
/// built on (`build_config`).
pub(crate) fn serialize_layer(layer: &dyn Layer, input_shapes: &[Shape]) -> Value {
    let class = layer.class_name();
    if let Some(module) = layer.module() {
        // An op: Keras writes its class as its registered name, and no build config.
        return json!({"module": module, "class_name": class, "config": layer.get_config(), "registered_name": class});
    }
    let (module, registered) = module_of(class);
    let mut entry = json!({"module": module, "class_name": class, "config": layer.get_config(),
                           "registered_name": registered});
    if let Some(build_config) = layer.build_config(input_shapes) {
        entry["build_config"] = build_config;
    } else if class != "InputLayer" && !input_shapes.is_empty() {
        let shape = match input_shapes {
            [one] => shape_json(one),
            many => Value::Array(many.iter().map(shape_json).collect()),
        };
        entry["build_config"] = json!({"input_shape": shape});
    }
    entry
}

/// Rebuilds a layer (or a nested model) from its entry; errors name the layer.
pub(crate) fn deserialize_layer(entry: &Value) -> Result<Box<dyn Layer>> {
    let class = entry
        .get("class_name")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Format(format!("A layer entry needs a `class_name`, received: {}", truncated(entry))))?;
    let config = entry.get("config").cloned().unwrap_or_else(|| json!({}));
    let name = config.get("name").and_then(Value::as_str).or_else(|| entry.get("name").and_then(Value::as_str));
    let context = |e: Error| match e {
        Error::UnknownIdentifier(m) => Error::UnknownIdentifier(format!("Layer '{}': {m}", name.unwrap_or("?"))),
        other => Error::Format(format!("Could not rebuild layer '{}' ({class}): {other}", name.unwrap_or("?"))),
    };
    if let Some(module) = entry.get("module").and_then(Value::as_str).filter(|m| m.starts_with("keras.src.ops")) {
        return Ok(Box::new(crate::ops::Operation::from_entry(class, module, &config).map_err(context)?));
    }
    Ok(match class {
        "Sequential" => Box::new(sequential_from_config(&config).map_err(context)?),
        "Functional" | "Model" => Box::new(functional_from_config(&config).map_err(context)?),
        _ => {
            let registered = entry.get("registered_name").and_then(Value::as_str);
            crate::layers::registry::read(class, registered, &config).map_err(context)?
        }
    })
}

pub(crate) fn truncated(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 200 { format!("{}...", &s[..s.floor_char_boundary(200)]) } else { s }
}

/// The `config` of a `Sequential`: name, layers (an `InputLayer` first once the input shape is
/// known), `build_input_shape`.
pub(crate) fn sequential_config(model: &Sequential) -> Value {
    let mut layers = Vec::new();
    if let Some(shape) = model.input_shape() {
        let name = model.input_name().unwrap_or("input_layer");
        layers.push(json!({"module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
            "config": {"batch_shape": shape.0, "dtype": model.input_dtype(), "sparse": false, "ragged": false,
                       "name": name}}));
    }
    for entry in &model.network.layers {
        layers.push(serialize_layer(entry.layer.as_ref(), &entry.input_shapes));
    }
    // Layers added before the input shape was known (not built yet).
    for layer in model.layers().into_iter().skip(model.network.layers.len()) {
        layers.push(serialize_layer(layer, &[]));
    }
    let mut cfg = model.base.config();
    cfg["name"] = json!(model.name());
    cfg["layers"] = Value::Array(layers);
    cfg["build_input_shape"] = model.input_shape().map_or(Value::Null, |s| shape_json(&s));
    cfg
}

/// A `Sequential` from its `config` (the `config` object of the model entry).
pub(crate) fn sequential_from_config(config: &Value) -> Result<Sequential> {
    let name = config.get("name").and_then(Value::as_str).unwrap_or("sequential");
    let layers = config.get("layers").and_then(Value::as_array).ok_or_else(|| {
        Error::Format(format!(
            "A Sequential model configuration must be a dictionary containing the 'name' and 'layers' keys. Received: \
             config={}",
            truncated(config)
        ))
    })?;
    let mut model = Sequential::named(name);
    for entry in layers {
        model.add_boxed(deserialize_layer(entry)?)?;
    }
    build_from_shape(&mut model, config.get("build_input_shape"))?;
    if config.get("trainable") == Some(&json!(false)) {
        model.set_all_trainable(false);
    }
    Ok(model)
}

/// Builds a `Sequential` that is not built yet on a Keras input shape (`[null, 28, 28, 1]`, from
/// `build_input_shape` or `build_config.input_shape`); a missing or partly unknown shape does nothing.
pub(crate) fn build_from_shape(model: &mut Sequential, shape: Option<&Value>) -> Result<()> {
    if model.built() {
        return Ok(());
    }
    let Some(shape) = shape.and_then(|s| serde_json::from_value::<Shape>(s.clone()).ok()) else { return Ok(()) };
    match shape.0.iter().skip(1).copied().collect::<Option<Vec<usize>>>() {
        Some(dims) => model.build(&dims),
        None => Ok(()),
    }
}

/// A symbolic tensor reference `{"class_name": "__keras_tensor__", ...}` as Keras writes it.
fn keras_tensor_json(shape: &Shape, layer: &str, node: usize, index: usize) -> Value {
    json!({"class_name": "__keras_tensor__",
           "config": {"shape": shape.0, "dtype": "float32", "keras_history": [layer, node, index]}})
}

/// The `config` of a Functional model: layers with their `inbound_nodes`, `input_layers`,
/// `output_layers`.
pub(crate) fn functional_config(model: &Model) -> Value {
    let network = &model.network;
    let graph = network.graph.as_ref().expect("a Functional model has a graph");
    // Per graph node: (layer name, Keras node index) of the call.
    let call_of = |node: usize| -> (String, usize) {
        let layer = graph.nodes[node].layer;
        let call = model.calls[layer].iter().position(|&n| n == node).unwrap_or(0);
        // Keras counts a nested Functional model's own construction as its node 0.
        let offset = usize::from(network.layers[layer].layer.class_name() == "Functional");
        (network.layers[layer].layer.name().unwrap_or("?").to_string(), call + offset)
    };
    let mut layers = Vec::new();
    for (i, entry) in network.layers.iter().enumerate() {
        let mut e = serialize_layer(entry.layer.as_ref(), &entry.input_shapes);
        e["name"] = json!(entry.layer.name());
        let mut nodes = Vec::new();
        for &n in &model.calls[i] {
            let inputs = &graph.nodes[n].inputs;
            if inputs.is_empty() {
                continue; // an InputLayer
            }
            let kts: Vec<Value> = inputs
                .iter()
                .map(|t| {
                    let (name, node) = call_of(t.node);
                    keras_tensor_json(&model.nodes[t.node].output_shapes[t.index], &name, node, t.index)
                })
                .collect();
            let mut kts = kts;
            let keyword = graph.nodes[n].keyword_input.then(|| kts.pop()).flatten();
            let (args, mut kwargs) = entry.layer.call_args(kts);
            kwargs.extend(graph.nodes[n].kwargs.clone());
            if let (Some(tensor), Some(key)) = (keyword, entry.layer.keyword_input()) {
                kwargs.insert(key.into(), tensor);
            }
            nodes.push(json!({"args": args, "kwargs": kwargs}));
        }
        e["inbound_nodes"] = Value::Array(nodes);
        layers.push(e);
    }
    let refs = |list: Vec<(usize, usize)>| -> Value {
        let items: Vec<Value> = list
            .into_iter()
            .map(|(node, index)| {
                let (name, call) = call_of(node);
                json!([name, call, index])
            })
            .collect();
        if items.len() == 1 { items[0].clone() } else { Value::Array(items) }
    };
    json!({
        "name": model.name(),
        "trainable": model.base.trainable.unwrap_or(true),
        "layers": layers,
        "input_layers": refs(graph.inputs.iter().map(|&n| (n, 0)).collect()),
        "output_layers": refs(graph.outputs.iter().map(|t| (t.node, t.index)).collect()),
    })
}

/// The layer name, node index and tensor index of a `__keras_tensor__` or a `[name, node, index]`
/// reference.
fn history(v: &Value) -> Option<(String, usize, usize)> {
    let h = v.pointer("/config/keras_history").unwrap_or(v).as_array()?;
    match h.as_slice() {
        [name, node, index, ..] => {
            Some((name.as_str()?.to_string(), node.as_u64()? as usize, index.as_u64()? as usize))
        }
        _ => None,
    }
}

/// Every `__keras_tensor__` in a node's `args`, in order.
fn collect_tensors(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(o) if o.get("class_name") == Some(&json!("__keras_tensor__")) => out.push(v.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_tensors(i, out)),
        Value::Object(o) => o.values().for_each(|i| collect_tensors(i, out)),
        _ => {}
    }
}

/// `input_layers`/`output_layers`: one `[name, node, index]`, a list of them, or a map.
fn flatten_refs(v: &Value, out: &mut Vec<(String, usize, usize)>) -> Result<()> {
    if let Some(h) = history(v).filter(|_| v.as_array().is_some_and(|a| a.first().is_some_and(Value::is_string))) {
        out.push(h);
        return Ok(());
    }
    match v {
        Value::Array(items) => items.iter().try_for_each(|i| flatten_refs(i, out)),
        Value::Object(o) => o.values().try_for_each(|i| flatten_refs(i, out)),
        other => Err(Error::Format(format!("Invalid input_layers/output_layers entry: {}", truncated(other)))),
    }
}

/// The node's keyword tensor ([`Layer::keyword_input`]): an explicit `mask=` (Keras 3 writes one
/// for recurrent layers and `GlobalAveragePooling1D` on masked inputs) or MultiHeadAttention's
/// `attention_mask=`; the call's last input.
fn keyword_tensor<'n>(layer: &dyn Layer, node: &'n Value) -> Option<&'n Value> {
    let tensor = node.get("kwargs")?.get(layer.keyword_input()?)?;
    history(tensor).is_some().then_some(tensor)
}

/// The keyword arguments of an inbound node the rebuilt call keeps (those the layer takes,
/// [`Layer::check_call_kwarg`]); refuses any other keras-rs would drop: anything but `training`
/// (which the model's own mode overrides, as in Keras) and `null` values — a tensor passed as
/// `initial_state=`, `mask=` or an attention `value=` would otherwise be lost and the model
/// rebuilt with different numbers.
fn call_kwargs(name: &str, layer: &dyn Layer, node: &Value) -> Result<serde_json::Map<String, Value>> {
    let class = layer.class_name();
    let mut kept = serde_json::Map::new();
    let Some(kwargs) = node.get("kwargs").and_then(Value::as_object) else { return Ok(kept) };
    for (key, value) in kwargs {
        if key == "training" || value.is_null() || layer.tensor_kwargs().contains(&key.as_str()) {
            continue;
        }
        if Some(key.as_str()) == layer.keyword_input() && keyword_tensor(layer, node).is_some() {
            continue; // the call's last input
        }
        let is_tensor = value.to_string().contains("__keras_tensor__");
        if !is_tensor && layer.check_call_kwarg(key, value).is_ok() {
            kept.insert(key.clone(), value.clone());
            continue;
        }
        let what = if is_tensor { "a tensor" } else { "a value" };
        return Err(Error::Format(format!(
            "Layer '{name}' ({class}) is called with {what} as the keyword argument `{key}` in this model's graph \
             ({}): keras-rs cannot rebuild that call exactly yet, so the model is refused rather than rebuilt \
             differently",
            truncated(value)
        )));
    }
    Ok(kept)
}

/// A Functional model from its `config`, by Keras' algorithm: create every layer, then replay
/// the calls in `inbound_nodes`, deferring a call until its inputs exist.
pub(crate) fn functional_from_config(config: &Value) -> Result<Model> {
    let entries = config.get("layers").and_then(Value::as_array).ok_or_else(|| {
        Error::Format(format!("A Functional model config needs a `layers` list, received: {}", truncated(config)))
    })?;
    let mut layers: Vec<(String, Box<dyn Layer>, Vec<Value>)> = Vec::new();
    let mut outputs: HashMap<String, Vec<Vec<KerasTensor>>> = HashMap::new();
    for entry in entries {
        let entry_name = entry.get("name").and_then(Value::as_str);
        if entry.get("class_name").and_then(Value::as_str) == Some("InputLayer") {
            let mut input = Input::from_config(entry.get("config").unwrap_or(&Value::Null))?;
            let name = entry_name.or(Layer::name(&input)).unwrap_or("input_layer").to_string();
            input = input.name(&name);
            outputs.insert(name, vec![vec![input.tensor()]]);
            continue;
        }
        let mut layer = deserialize_layer(entry)?;
        let name = entry_name
            .or_else(|| layer.name())
            .ok_or_else(|| Error::Format(format!("A layer entry needs a `name`: {}", truncated(entry))))?
            .to_string();
        layer.base_mut().name = Some(name.clone());
        let nodes = entry.get("inbound_nodes").and_then(Value::as_array).cloned().unwrap_or_default();
        layers.push((name, layer, nodes));
    }
    let functional: Vec<String> =
        layers.iter().filter(|(_, l, _)| l.class_name() == "Functional").map(|(n, _, _)| n.clone()).collect();
    let lookup = |outputs: &HashMap<String, Vec<Vec<KerasTensor>>>, (name, node, index): (String, usize, usize)| {
        let node = if functional.contains(&name) { node.checked_sub(1)? } else { node };
        outputs.get(&name)?.get(node)?.get(index).cloned()
    };
    let mut pending: usize = layers.iter().map(|l| l.2.len()).sum();
    while pending > 0 {
        let before = pending;
        for (name, layer, nodes) in &mut layers {
            while let Some(node) = nodes.first() {
                let kwargs = call_kwargs(name, layer.as_ref(), node)?;
                layer.read_call_args(node.get("args").unwrap_or(&Value::Null))?;
                let mut kts = Vec::new();
                collect_tensors(node.get("args").unwrap_or(node), &mut kts);
                for key in layer.tensor_kwargs() {
                    if let Some(v) = node.get("kwargs").and_then(|k| k.get(*key)) {
                        collect_tensors(v, &mut kts);
                    }
                }
                let keyword = keyword_tensor(layer.as_ref(), node);
                let keyword_input = keyword.is_some();
                kts.extend(keyword.cloned());
                let refs: Option<Vec<_>> = kts.iter().map(history).collect();
                let refs = refs.ok_or_else(|| Error::Format(format!("Layer '{name}': invalid inbound node")))?;
                let Some(inputs) = refs.into_iter().map(|r| lookup(&outputs, r)).collect::<Option<Vec<_>>>() else {
                    break;
                };
                if inputs.is_empty() {
                    return Err(Error::Format(format!("Layer '{name}': an inbound node without input tensors")));
                }
                let out = crate::models::graph::call_symbolic_masked(layer.as_ref(), inputs, kwargs, keyword_input)?;
                outputs.entry(name.clone()).or_default().push(out);
                nodes.remove(0);
                pending -= 1;
            }
        }
        if pending == before {
            let stuck: Vec<&str> = layers.iter().filter(|l| !l.2.is_empty()).map(|l| l.0.as_str()).collect();
            return Err(Error::Format(format!(
                "Invalid Functional model configuration. The graph of the Functional model either has loops or \
                 disconnected nodes. The following nodes failed to be resolved: {stuck:?}"
            )));
        }
    }
    let tensors = |key: &str| -> Result<Vec<KerasTensor>> {
        let mut refs = Vec::new();
        flatten_refs(config.get(key).unwrap_or(&Value::Null), &mut refs)?;
        refs.into_iter()
            .map(|r| {
                let label = format!("{r:?}");
                lookup(&outputs, r).ok_or_else(|| Error::Format(format!("`{key}` refers to a missing tensor {label}")))
            })
            .collect()
    };
    let mut model = Model::new(&tensors("input_layers")?, &tensors("output_layers")?)?;
    if let Some(name) = config.get("name").and_then(Value::as_str) {
        model = model.named(name);
    }
    if config.get("trainable") == Some(&json!(false)) {
        model.set_all_trainable(false);
    }
    Ok(model)
}
