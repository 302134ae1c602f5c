//! ONNX export (Keras 3's `model.export(path, format="onnx")`): the model's inference graph as
//! ONNX operators (opset 18), its weights as initializers, a dynamic batch axis. Tensors stay
//! channels-last as in Keras; convolutions and poolings transpose to ONNX's channels-first and
//! back around their op. A layer without an ONNX lowering here is an error naming it.

mod proto;
mod recurrent;

use ndarray::ArrayD;
use prost::Message;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::layers::convolutional::{Padding, padding_pair};
use crate::models::{LayerEntry, Network};
use crate::shape::Shape;
use proto::*;

/// The ONNX operator set the export targets.
const OPSET: i64 = 18;

/// Builds the graph: nodes, initializers, fresh tensor names.
struct Builder {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    count: usize,
}

fn attr_i(name: &str, i: i64) -> AttributeProto {
    AttributeProto { name: name.into(), i, r#type: 2, ..Default::default() }
}
fn attr_f(name: &str, f: f32) -> AttributeProto {
    AttributeProto { name: name.into(), f, r#type: 1, ..Default::default() }
}
fn attr_ints(name: &str, ints: Vec<i64>) -> AttributeProto {
    AttributeProto { name: name.into(), ints, r#type: 7, ..Default::default() }
}
fn attr_s(name: &str, s: &str) -> AttributeProto {
    AttributeProto { name: name.into(), s: s.as_bytes().to_vec(), r#type: 3, ..Default::default() }
}

impl Builder {
    fn fresh(&mut self, base: &str) -> String {
        self.count += 1;
        format!("{base}_{}", self.count)
    }

    /// A float32 initializer.
    fn constant(&mut self, base: &str, dims: &[usize], values: &[f32]) -> String {
        let name = self.fresh(base);
        let raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let dims = dims.iter().map(|&d| d as i64).collect();
        self.initializers.push(TensorProto { dims, data_type: FLOAT, name: name.clone(), raw_data });
        name
    }

    /// An int64 vector initializer (shapes, axes, pads).
    fn ints(&mut self, base: &str, values: &[i64]) -> String {
        let name = self.fresh(base);
        let raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializers.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: INT64,
            name: name.clone(),
            raw_data,
        });
        name
    }

    /// One node with one output.
    fn op(&mut self, op_type: &str, inputs: &[&str], attribute: Vec<AttributeProto>) -> String {
        let output = self.fresh(op_type);
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.clone()],
            name: output.clone(),
            op_type: op_type.into(),
            attribute,
        });
        output
    }

    fn transpose(&mut self, x: &str, perm: &[i64]) -> String {
        self.op("Transpose", &[x], vec![attr_ints("perm", perm.to_vec())])
    }

    /// Keras' activation by name (a layer's `activation` argument or an `Activation` layer).
    fn activation(&mut self, x: String, name: &str, layer: &str) -> Result<String> {
        Ok(match name {
            "linear" => x,
            "relu" => self.op("Relu", &[&x], vec![]),
            "sigmoid" => self.op("Sigmoid", &[&x], vec![]),
            "tanh" => self.op("Tanh", &[&x], vec![]),
            "softmax" => self.op("Softmax", &[&x], vec![attr_i("axis", -1)]),
            "log_softmax" => self.op("LogSoftmax", &[&x], vec![attr_i("axis", -1)]),
            "elu" => self.op("Elu", &[&x], vec![attr_f("alpha", 1.0)]),
            "selu" => self.op("Selu", &[&x], vec![]),
            "softplus" => self.op("Softplus", &[&x], vec![]),
            "softsign" => self.op("Softsign", &[&x], vec![]),
            "exponential" => self.op("Exp", &[&x], vec![]),
            "relu6" => {
                let (lo, hi) = (self.constant("zero", &[], &[0.0]), self.constant("six", &[], &[6.0]));
                self.op("Clip", &[&x, &lo, &hi], vec![])
            }
            "hard_sigmoid" => self.op("HardSigmoid", &[&x], vec![attr_f("alpha", 1.0 / 6.0), attr_f("beta", 0.5)]),
            "silu" | "swish" => {
                let s = self.op("Sigmoid", &[&x], vec![]);
                self.op("Mul", &[&x, &s], vec![])
            }
            "leaky_relu" => self.op("LeakyRelu", &[&x], vec![attr_f("alpha", 0.2)]),
            "gelu" => {
                // Keras' exact gelu: x * (1 + erf(x / sqrt(2))) / 2.
                let r = self.constant("inv_sqrt2", &[], &[std::f32::consts::FRAC_1_SQRT_2]);
                let (one, half) = (self.constant("one", &[], &[1.0]), self.constant("half", &[], &[0.5]));
                let scaled = self.op("Mul", &[&x, &r], vec![]);
                let erf = self.op("Erf", &[&scaled], vec![]);
                let plus = self.op("Add", &[&erf, &one], vec![]);
                let y = self.op("Mul", &[&x, &plus], vec![]);
                self.op("Mul", &[&y, &half], vec![])
            }
            other => {
                return Err(Error::value(format!(
                    "Layer \"{layer}\": activation '{other}' has no ONNX export in keras-rs yet"
                )));
            }
        })
    }
}

fn config_str<'a>(config: &'a Value, key: &str) -> &'a str {
    config.get(key).and_then(Value::as_str).unwrap_or("")
}

fn config_sizes(config: &Value, key: &str) -> Vec<usize> {
    config
        .get(key)
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |a| a.iter().filter_map(|v| v.as_u64()).map(|v| v as usize).collect())
}

/// ONNX `pads` (all begins, then all ends) for Keras' padding over the known spatial sizes.
fn pads(
    input: &Shape,
    kernel: &[usize],
    strides: &[usize],
    dilation: &[usize],
    padding: &str,
    layer: &str,
) -> Result<Vec<i64>> {
    let padding = Padding::parse(padding)?;
    let mut begins = Vec::new();
    let mut ends = Vec::new();
    for i in 0..kernel.len() {
        let size = input.0.get(i + 1).copied().flatten().ok_or_else(|| {
            Error::value(format!("Layer \"{layer}\": the ONNX export needs known spatial sizes, received {input}"))
        })?;
        let (b, e) = padding_pair(size, kernel[i], strides[i], dilation[i], padding);
        begins.push(b as i64);
        ends.push(e as i64);
    }
    Ok([begins, ends].concat())
}

/// A permutation moving the channels of a rank-`r` channels-last tensor to axis 1, and back.
fn to_channels_first(rank: usize) -> (Vec<i64>, Vec<i64>) {
    let r = rank as i64;
    let forward: Vec<i64> = [0, r - 1].into_iter().chain(1..r - 1).collect();
    let back: Vec<i64> = [0].into_iter().chain(2..r).chain([1]).collect();
    (forward, back)
}

/// A layer variable's path (`dense/kernel`) and its values in Keras' layout.
type Weight<'a> = (&'a str, &'a ArrayD<f32>);

/// The ONNX nodes of one layer call; `weights` are the layer's variables (Keras layout) by name.
fn lower(b: &mut Builder, entry: &LayerEntry, weights: &[Weight<'_>], inputs: Vec<String>) -> Result<Vec<String>> {
    let layer = entry.layer.as_ref();
    let name = layer.name().unwrap_or("?").to_string();
    let class = layer.class_name();
    if let Some(module) = layer.module() {
        // An op node (`x + y`): its class names can be a layer's (`Add`, `Reshape`) with other
        // semantics, so it is never lowered as that layer.
        return Err(Error::value(format!(
            "ONNX export does not support the op '{name}' ({module}.{class}) yet: export a model whose graph uses \
             layers (`Add()([a, b])`) instead of ops"
        )));
    }
    let config = layer.get_config();
    if class == "Masking" || (class == "Embedding" && config["mask_zero"] == serde_json::json!(true)) {
        // The ONNX graph would not carry the mask, and the layers after it would read padding.
        return Err(Error::value(format!(
            "ONNX export does not carry masks yet: layer '{name}' ({class}) makes one; export a model without \
             `mask_zero`/`Masking`"
        )));
    }
    let weight = |key: &str| -> Result<&ArrayD<f32>> {
        weights
            .iter()
            .find(|(n, _)| *n == key || n.ends_with(&format!("/{key}")))
            .map(|(_, w)| *w)
            .ok_or_else(|| Error::State(format!("Layer \"{name}\" has no weight `{key}`")))
    };
    let one = |inputs: &[String]| -> Result<String> {
        inputs.first().cloned().ok_or_else(|| Error::value(format!("Layer \"{name}\" was called without input")))
    };
    let input_shape = entry.input_shapes.first().cloned().unwrap_or(Shape(vec![]));
    let flat = |a: &ArrayD<f32>| a.iter().copied().collect::<Vec<f32>>();
    let y = match class {
        "InputLayer" | "Dropout" => one(&inputs)?,
        "Dense" => {
            let kernel = weight("kernel")?;
            let w = b.constant("kernel", kernel.shape(), &flat(kernel));
            let mut y = b.op("MatMul", &[&one(&inputs)?, &w], vec![]);
            if config["use_bias"].as_bool().unwrap_or(true) {
                let bias = weight("bias")?;
                let bias = b.constant("bias", bias.shape(), &flat(bias));
                y = b.op("Add", &[&y, &bias], vec![]);
            }
            b.activation(y, config_str(&config, "activation"), &name)?
        }
        "Activation" => b.activation(one(&inputs)?, config_str(&config, "activation"), &name)?,
        "Conv1D" | "Conv2D" => {
            let kernel = weight("kernel")?;
            let rank = kernel.ndim() - 2;
            // Keras (k..., in, out) -> ONNX (out, in, k...).
            let mut perm: Vec<usize> = vec![rank + 1, rank];
            perm.extend(0..rank);
            let onnx_kernel = kernel.clone().permuted_axes(perm);
            let w = b.constant("kernel", onnx_kernel.shape(), &onnx_kernel.iter().copied().collect::<Vec<_>>());
            let (k, s, d) = (
                config_sizes(&config, "kernel_size"),
                config_sizes(&config, "strides"),
                config_sizes(&config, "dilation_rate"),
            );
            let pads = pads(&input_shape, &k, &s, &d, config_str(&config, "padding"), &name)?;
            let (forward, back) = to_channels_first(rank + 2);
            let x = b.transpose(&one(&inputs)?, &forward);
            let mut args = vec![x, w];
            if config["use_bias"].as_bool().unwrap_or(true) {
                let bias = weight("bias")?;
                args.push(b.constant("bias", bias.shape(), &flat(bias)));
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let attrs = vec![
                attr_ints("kernel_shape", k.iter().map(|&v| v as i64).collect()),
                attr_ints("strides", s.iter().map(|&v| v as i64).collect()),
                attr_ints("dilations", d.iter().map(|&v| v as i64).collect()),
                attr_ints("pads", pads),
                attr_i("group", config["groups"].as_i64().unwrap_or(1)),
            ];
            let y = b.op("Conv", &args, attrs);
            let y = b.transpose(&y, &back);
            b.activation(y, config_str(&config, "activation"), &name)?
        }
        "MaxPooling1D" | "MaxPooling2D" | "AveragePooling1D" | "AveragePooling2D" => {
            let (k, s) = (config_sizes(&config, "pool_size"), config_sizes(&config, "strides"));
            let ones = vec![1; k.len()];
            let pads = pads(&input_shape, &k, &s, &ones, config_str(&config, "padding"), &name)?;
            let (forward, back) = to_channels_first(k.len() + 2);
            let x = b.transpose(&one(&inputs)?, &forward);
            let mut attrs = vec![
                attr_ints("kernel_shape", k.iter().map(|&v| v as i64).collect()),
                attr_ints("strides", s.iter().map(|&v| v as i64).collect()),
                attr_ints("pads", pads),
            ];
            let op = if class.starts_with("Max") {
                "MaxPool"
            } else {
                attrs.push(attr_i("count_include_pad", 0));
                "AveragePool"
            };
            let y = b.op(op, &[&x], attrs);
            b.transpose(&y, &back)
        }
        "GlobalAveragePooling1D" | "GlobalAveragePooling2D" | "GlobalMaxPooling1D" | "GlobalMaxPooling2D" => {
            let spatial = input_shape.rank().saturating_sub(2) as i64;
            let axes = b.ints("axes", &(1..=spatial).collect::<Vec<_>>());
            let keepdims = i64::from(config["keepdims"].as_bool().unwrap_or(false));
            let op = if class.contains("Average") { "ReduceMean" } else { "ReduceMax" };
            b.op(op, &[&one(&inputs)?, &axes], vec![attr_i("keepdims", keepdims)])
        }
        "BatchNormalization" => {
            // Inference: x * scale + shift, with the moving statistics folded in (channels last).
            let (mean, var) = (weight("moving_mean")?, weight("moving_variance")?);
            let eps = config["epsilon"].as_f64().unwrap_or(1e-3) as f32;
            let channels = mean.len();
            let gamma =
                if config["scale"].as_bool().unwrap_or(true) { flat(weight("gamma")?) } else { vec![1.0; channels] };
            let beta =
                if config["center"].as_bool().unwrap_or(true) { flat(weight("beta")?) } else { vec![0.0; channels] };
            let scale: Vec<f32> = (0..channels).map(|c| gamma[c] / (var[c] + eps).sqrt()).collect();
            let shift: Vec<f32> = (0..channels).map(|c| beta[c] - mean[c] * scale[c]).collect();
            let (scale, shift) =
                (b.constant("bn_scale", &[channels], &scale), b.constant("bn_shift", &[channels], &shift));
            let y = b.op("Mul", &[&one(&inputs)?, &scale], vec![]);
            b.op("Add", &[&y, &shift], vec![])
        }
        "LayerNormalization" => {
            let channels = input_shape.last().unwrap_or(0);
            let gamma =
                if config["scale"].as_bool().unwrap_or(true) { flat(weight("gamma")?) } else { vec![1.0; channels] };
            let beta =
                if config["center"].as_bool().unwrap_or(true) { flat(weight("beta")?) } else { vec![0.0; channels] };
            let (g, bt) = (b.constant("gamma", &[channels], &gamma), b.constant("beta", &[channels], &beta));
            let eps = config["epsilon"].as_f64().unwrap_or(1e-3) as f32;
            b.op("LayerNormalization", &[&one(&inputs)?, &g, &bt], vec![attr_i("axis", -1), attr_f("epsilon", eps)])
        }
        "Flatten" => b.op("Flatten", &[&one(&inputs)?], vec![attr_i("axis", 1)]),
        "Reshape" => {
            let target: Vec<i64> = config["target_shape"]
                .as_array()
                .map_or_else(Vec::new, |a| a.iter().filter_map(Value::as_i64).collect());
            let shape = b.ints("shape", &[vec![0], target].concat());
            b.op("Reshape", &[&one(&inputs)?, &shape], vec![])
        }
        "Add" | "Subtract" | "Multiply" | "Maximum" | "Minimum" | "Average" => {
            let op = match class {
                "Add" => "Sum",
                "Subtract" => "Sub",
                "Multiply" => "Mul",
                "Maximum" => "Max",
                "Minimum" => "Min",
                _ => "Mean",
            };
            let args: Vec<&str> = inputs.iter().map(String::as_str).collect();
            b.op(op, &args, vec![])
        }
        "Dot" => {
            let rank = input_shape.rank();
            let axes: Vec<i64> = match &config["axes"] {
                Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
                other => vec![other.as_i64().unwrap_or(-1); 2],
            };
            let [a1, a2] = [axes[0], axes[1]].map(|a| a.rem_euclid(rank as i64) as usize);
            let (mut x, mut y) = (inputs[0].clone(), inputs.get(1).cloned().unwrap_or_default());
            if config["normalize"].as_bool().unwrap_or(false) {
                // Keras' normalize: x * min(1 / sqrt(sum(x^2)), 1e7) along the dot axis.
                let cap = b.constant("cap", &[], &[1e7]);
                for (t, axis) in [(&mut x, a1), (&mut y, a2)] {
                    let axes = b.ints("axes", &[axis as i64]);
                    let squares = b.op("ReduceSumSquare", &[t, &axes], vec![attr_i("keepdims", 1)]);
                    let norm = b.op("Sqrt", &[&squares], vec![]);
                    let inv = b.op("Reciprocal", &[&norm], vec![]);
                    let inv = b.op("Min", &[&inv, &cap], vec![]);
                    *t = b.op("Mul", &[t, &inv], vec![]);
                }
            }
            // batch_dot as an einsum: x's other axes, then y's.
            let letters = |contracted: usize, other: char| -> String {
                (1..rank).map(|axis| if axis == contracted { 'c' } else { other }).collect()
            };
            let (lx, ly) = (letters(a1, 'i'), letters(a2, 'k'));
            let out: String = lx.chars().chain(ly.chars()).filter(|c| *c != 'c').collect();
            let equation = format!("b{lx},b{ly}->b{out}");
            let product = b.op("Einsum", &[&x, &y], vec![attr_s("equation", &equation)]);
            if rank == 2 {
                let axes = b.ints("axes", &[1]);
                b.op("Unsqueeze", &[&product, &axes], vec![])
            } else {
                product
            }
        }
        "Concatenate" => {
            let args: Vec<&str> = inputs.iter().map(String::as_str).collect();
            b.op("Concat", &args, vec![attr_i("axis", config["axis"].as_i64().unwrap_or(-1))])
        }
        "Embedding" => {
            let table = weight("embeddings")?;
            let t = b.constant("embeddings", table.shape(), &flat(table));
            let indices = b.op("Cast", &[&one(&inputs)?], vec![attr_i("to", INT64 as i64)]);
            b.op("Gather", &[&t, &indices], vec![attr_i("axis", 0)])
        }
        "ZeroPadding2D" => {
            let p: Vec<Vec<i64>> = serde_json::from_value(config["padding"].clone()).unwrap_or_default();
            let (t, bo, l, r) = (p[0][0], p[0][1], p[1][0], p[1][1]);
            let pads = b.ints("pads", &[0, t, l, 0, 0, bo, r, 0]);
            b.op("Pad", &[&one(&inputs)?, &pads], vec![attr_s("mode", "constant")])
        }
        "UpSampling2D" => {
            let size = config_sizes(&config, "size");
            let scales = b.constant("scales", &[4], &[1.0, size[0] as f32, size[1] as f32, 1.0]);
            let attrs = vec![
                attr_s("mode", "nearest"),
                attr_s("coordinate_transformation_mode", "asymmetric"),
                attr_s("nearest_mode", "floor"),
            ];
            b.op("Resize", &[&one(&inputs)?, "", &scales], attrs)
        }
        "RepeatVector" => {
            let axes = b.ints("axes", &[1]);
            let x = b.op("Unsqueeze", &[&one(&inputs)?, &axes], vec![]);
            let repeats = b.ints("repeats", &[1, config["n"].as_i64().unwrap_or(1), 1]);
            b.op("Tile", &[&x, &repeats], vec![])
        }
        "SimpleRNN" | "LSTM" | "GRU" | "Bidirectional" => {
            if let Some(outputs) = recurrent::lower(b, class, &config, weights, &one(&inputs)?, &name)? {
                return Ok(outputs);
            }
            return Err(unsupported(&name, class));
        }
        other => return Err(unsupported(&name, other)),
    };
    Ok(vec![y])
}

fn unsupported(name: &str, class: &str) -> Error {
    Error::value(format!(
        "Layer \"{name}\" ({class}) cannot be exported to ONNX by keras-rs yet; exportable: Dense, Activation, \
         Conv1D/2D, pooling, global pooling, BatchNormalization, LayerNormalization, Dropout, Flatten, Reshape, \
         merging layers, Embedding, ZeroPadding2D, UpSampling2D, RepeatVector, SimpleRNN, LSTM, GRU, \
         Bidirectional"
    ))
}

fn value_info(name: &str, shape: &Shape) -> ValueInfoProto {
    let dim = shape
        .0
        .iter()
        .enumerate()
        .map(|(i, d)| match d {
            Some(d) if i > 0 => Dimension { dim_value: Some(*d as i64), dim_param: None },
            _ => {
                Dimension { dim_value: None, dim_param: Some(if i == 0 { "batch".into() } else { format!("dim_{i}") }) }
            }
        })
        .collect();
    let tensor = TypeProtoTensor { elem_type: FLOAT, shape: Some(TensorShapeProto { dim }) };
    ValueInfoProto { name: name.into(), r#type: Some(TypeProto { tensor_type: Some(tensor) }) }
}

/// The ONNX model of `network`, with inputs and outputs named and shaped as given.
pub(crate) fn model_bytes(
    network: &Network,
    name: &str,
    inputs: &[(String, Shape)],
    outputs: &[(String, Shape)],
) -> Result<Vec<u8>> {
    let all = network.get_weights()?;
    let mut b = Builder { nodes: Vec::new(), initializers: Vec::new(), count: 0 };
    let weights_of = |entry: &LayerEntry| -> Vec<Weight<'_>> {
        entry.vars.clone().map(|i| (network.variables[i].path.as_str(), &all[i])).collect()
    };
    let produced: Vec<String> = match &network.graph {
        None => {
            let mut x = inputs[0].0.clone();
            for entry in &network.layers {
                x = lower(&mut b, entry, &weights_of(entry), vec![x])?.remove(0);
            }
            vec![x]
        }
        Some(graph) => {
            let mut values: Vec<Vec<String>> = vec![Vec::new(); graph.nodes.len()];
            for (&node, (input, _)) in graph.inputs.iter().zip(inputs) {
                values[node] = vec![input.clone()];
            }
            for (i, node) in graph.nodes.iter().enumerate() {
                if node.inputs.is_empty() {
                    continue;
                }
                let entry = &network.layers[node.layer];
                if node.keyword_input || node.inputs.len() > 1 && entry.layer.tensor_kwargs().contains(&"initial_state")
                {
                    return Err(Error::value(format!(
                        "ONNX export does not support the call of '{}' with an explicit mask or initial_state yet",
                        entry.layer.name().unwrap_or("?")
                    )));
                }
                let args = node.inputs.iter().map(|t| values[t.node][t.index].clone()).collect();
                values[i] = lower(&mut b, entry, &weights_of(entry), args)?;
            }
            graph.outputs.iter().map(|t| values[t.node][t.index].clone()).collect()
        }
    };
    // Name the outputs as the model's outputs.
    for (value, (out_name, _)) in produced.iter().zip(outputs) {
        b.nodes.push(NodeProto {
            input: vec![value.clone()],
            output: vec![out_name.clone()],
            name: format!("output_{out_name}"),
            op_type: "Identity".into(),
            attribute: vec![],
        });
    }
    let graph = GraphProto {
        node: b.nodes,
        name: name.into(),
        initializer: b.initializers,
        input: inputs.iter().map(|(n, s)| value_info(n, s)).collect(),
        output: outputs.iter().map(|(n, s)| value_info(n, s)).collect(),
    };
    let model = ModelProto {
        ir_version: 8,
        producer_name: "keras-rs".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        graph: Some(graph),
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
    };
    Ok(model.encode_to_vec())
}
