//! SimpleRNN, LSTM, GRU and Bidirectional as ONNX's `RNN`, `LSTM` and `GRU` operators
//! (time-major, transposed around the op): Keras' kernels transposed to ONNX's `[directions, gates * units,
//! features]` with the gates reordered (Keras' LSTM i, f, c, o → ONNX i, o, f, c; GRU z, r, h
//! in both; `reset_after` is `linear_before_reset`), `go_backwards` as the reverse direction.

use ndarray::{Array2, ArrayD, Axis, Ix2};
use serde_json::Value;

use super::{AttributeProto, Builder, NodeProto, Weight, attr_i, attr_s};
use crate::error::{Error, Result};

/// Which recurrent op, and its gate order as Keras' gate blocks.
struct Cell {
    op: &'static str,
    /// Keras' gate blocks in ONNX's order (indices into Keras' blocks).
    order: &'static [usize],
    /// How many states the Keras layer returns with `return_state` (h, and c for LSTM).
    states: usize,
}

fn cell(class: &str) -> Option<Cell> {
    match class {
        "SimpleRNN" => Some(Cell { op: "RNN", order: &[0], states: 1 }),
        "LSTM" => Some(Cell { op: "LSTM", order: &[0, 3, 1, 2], states: 2 }),
        "GRU" => Some(Cell { op: "GRU", order: &[0, 1, 2], states: 1 }),
        _ => None,
    }
}

/// `m` (rows, gates * units) with its gate blocks of columns reordered, then transposed:
/// ONNX's `(gates * units, rows)`.
fn onnx_gates(m: &Array2<f32>, order: &[usize], units: usize) -> Array2<f32> {
    let blocks: Vec<_> = order.iter().map(|&g| m.slice(ndarray::s![.., g * units..(g + 1) * units])).collect();
    ndarray::concatenate(Axis(1), &blocks).expect("same rows").t().to_owned()
}

fn reorder(v: &[f32], order: &[usize], units: usize) -> Vec<f32> {
    order.iter().flat_map(|&g| v[g * units..(g + 1) * units].iter().copied()).collect()
}

/// One direction's W `(gates*u, features)`, R `(gates*u, u)` and B `(2*gates*u)`, flat.
fn direction(
    weights: &[Weight<'_>],
    cell: &Cell,
    units: usize,
    config: &Value,
    layer: &str,
) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
    let find = |key: &str| {
        weights
            .iter()
            .find(|(n, _)| n.ends_with(&format!("/{key}")))
            .map(|(_, w)| *w)
            .ok_or_else(|| Error::State(format!("Layer \"{layer}\" has no weight `{key}`")))
    };
    let two = |a: &ArrayD<f32>| a.clone().into_dimensionality::<Ix2>().map_err(|e| Error::State(e.to_string()));
    let w = onnx_gates(&two(find("kernel")?)?, cell.order, units);
    let r = onnx_gates(&two(find("recurrent_kernel")?)?, cell.order, units);
    let gates = cell.order.len() * units;
    let bias = if config["use_bias"].as_bool().unwrap_or(true) {
        let b: Vec<f32> = find("bias")?.iter().copied().collect();
        if b.len() == 2 * gates {
            // GRU with reset_after: [input bias, recurrent bias].
            [reorder(&b[..gates], cell.order, units), reorder(&b[gates..], cell.order, units)].concat()
        } else {
            [reorder(&b, cell.order, units), vec![0.0; gates]].concat()
        }
    } else {
        vec![0.0; 2 * gates]
    };
    Ok((w.iter().copied().collect(), r.iter().copied().collect(), bias))
}

fn activations(config: &Value, cell: &Cell, layer: &str) -> Result<Vec<String>> {
    let name = |key: &str, default: &str| -> Result<String> {
        match config.get(key).and_then(Value::as_str).unwrap_or(default) {
            "tanh" => Ok("Tanh".into()),
            "sigmoid" => Ok("Sigmoid".into()),
            "relu" => Ok("Relu".into()),
            other => Err(Error::value(format!(
                "Layer \"{layer}\": {key}='{other}' has no ONNX recurrent activation in keras-rs' export"
            ))),
        }
    };
    let (act, rec) = (name("activation", "tanh")?, name("recurrent_activation", "sigmoid")?);
    Ok(match cell.op {
        "RNN" => vec![act],
        "GRU" => vec![rec, act],
        _ => vec![rec, act.clone(), act],
    })
}

fn attr_strings(name: &str, strings: &[String]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        strings: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        r#type: 8,
        ..Default::default()
    }
}

/// The outputs of a SimpleRNN/LSTM/GRU or a Bidirectional around one, on `x`
/// `(batch, steps, features)`: Keras' output, then its states with `return_state`.
pub(super) fn lower(
    b: &mut Builder,
    class: &str,
    config: &Value,
    weights: &[Weight<'_>],
    x: &str,
    layer: &str,
) -> Result<Option<Vec<String>>> {
    let (inner, merge) = match class {
        "Bidirectional" => {
            let forward = &config["layer"];
            let backward = &config["backward_layer"];
            if forward["class_name"] != backward["class_name"] {
                return Err(Error::value(format!(
                    "Layer \"{layer}\": a Bidirectional with different forward and backward classes has no ONNX export"
                )));
            }
            let merge = config["merge_mode"].as_str().unwrap_or("concat").to_string();
            (forward.clone(), Some(merge))
        }
        _ => (serde_json::json!({"class_name": class, "config": config}), None),
    };
    let Some(cell) = inner["class_name"].as_str().and_then(cell) else { return Ok(None) };
    let cfg = &inner["config"];
    if cfg["stateful"].as_bool().unwrap_or(false) || cfg["unroll"].as_bool().unwrap_or(false) {
        return Err(Error::value(format!("Layer \"{layer}\": a stateful recurrent layer has no ONNX export")));
    }
    let units = cfg["units"].as_u64().unwrap_or(0) as usize;
    let return_sequences = cfg["return_sequences"].as_bool().unwrap_or(false);
    let return_state = cfg["return_state"].as_bool().unwrap_or(false);
    let go_backwards = cfg["go_backwards"].as_bool().unwrap_or(false);
    // Bidirectional: the forward layer's weights, then the backward layer's.
    let dirs = if merge.is_some() { 2 } else { 1 };
    let per_dir = weights.len() / dirs;
    let (mut w, mut r, mut bias) = (Vec::new(), Vec::new(), Vec::new());
    for dir_weights in weights.chunks(per_dir.max(1)) {
        let (dw, dr, db) = direction(dir_weights, &cell, units, cfg, layer)?;
        w.extend(dw);
        r.extend(dr);
        bias.extend(db);
    }
    let gates = cell.order.len() * units;
    let features = w.len() / (dirs * gates);
    let w = b.constant("W", &[dirs, gates, features], &w);
    let r = b.constant("R", &[dirs, gates, units], &r);
    let bias = b.constant("B", &[dirs, 2 * gates], &bias);
    let direction = match (merge.is_some(), go_backwards) {
        (true, _) => "bidirectional",
        (false, true) => "reverse",
        (false, false) => "forward",
    };
    let acts = activations(cfg, &cell, layer)?;
    let mut attrs = vec![
        attr_i("hidden_size", units as i64),
        attr_s("direction", direction),
        // One list of activations per direction.
        attr_strings("activations", &(0..dirs).flat_map(|_| acts.iter().cloned()).collect::<Vec<_>>()),
    ];
    if cell.op == "GRU" {
        attrs.push(attr_i("linear_before_reset", i64::from(cfg["reset_after"].as_bool().unwrap_or(true))));
    }
    let outputs: Vec<String> =
        ["Y", "Y_h", "Y_c"][..1 + cell.states].iter().map(|o| b.fresh(&format!("{}_{o}", cell.op))).collect();
    // ONNX Runtime runs the time-major layout only: (steps, batch, features).
    let time_major = b.transpose(x, &[1, 0, 2]);
    let node_name = b.fresh(cell.op);
    b.nodes.push(NodeProto {
        input: vec![time_major, w, r, bias],
        output: outputs.clone(),
        name: node_name,
        op_type: cell.op.into(),
        attribute: attrs,
    });
    // Y: (steps, dirs, batch, units) -> (batch, steps, dirs, units); Y_h, Y_c: (dirs, batch,
    // units) -> (batch, dirs, units).
    let main = if return_sequences {
        let mut y = b.transpose(&outputs[0], &[2, 0, 1, 3]);
        if go_backwards && dirs == 1 {
            // Keras keeps a backward layer's outputs in processing order; ONNX in input order.
            let (starts, ends, axes, steps) =
                (b.ints("starts", &[-1]), b.ints("ends", &[i64::MIN]), b.ints("axes", &[1]), b.ints("steps", &[-1]));
            y = b.op("Slice", &[&y, &starts, &ends, &axes, &steps], vec![]);
        }
        merge_directions(b, &y, merge.as_deref(), 2, &[0, 0, (dirs * units) as i64], layer)?
    } else {
        let h = b.transpose(&outputs[1], &[1, 0, 2]);
        merge_directions(b, &h, merge.as_deref(), 1, &[0, (dirs * units) as i64], layer)?
    };
    let mut result = vec![main];
    if return_state {
        if dirs == 2 {
            return Err(Error::value(format!(
                "Layer \"{layer}\": a Bidirectional with return_state has no ONNX export"
            )));
        }
        let axes = b.ints("axes", &[0]);
        for state in &outputs[1..] {
            result.push(b.op("Squeeze", &[state, &axes], vec![]));
        }
    }
    Ok(Some(result))
}

/// Drops the direction axis `axis`: one direction squeezed, two concatenated (`concat`: reshaped
/// to `shape`) or reduced (`sum`, `mul`, `ave`).
fn merge_directions(
    b: &mut Builder,
    y: &str,
    merge: Option<&str>,
    axis: i64,
    shape: &[i64],
    layer: &str,
) -> Result<String> {
    if merge == Some("concat") {
        let shape = b.ints("shape", shape);
        return Ok(b.op("Reshape", &[y, &shape], vec![]));
    }
    let axes = b.ints("axes", &[axis]);
    Ok(match merge {
        None => b.op("Squeeze", &[y, &axes], vec![]),
        Some("sum") => b.op("ReduceSum", &[y, &axes], vec![attr_i("keepdims", 0)]),
        Some("ave") => b.op("ReduceMean", &[y, &axes], vec![attr_i("keepdims", 0)]),
        Some("mul") => b.op("ReduceProd", &[y, &axes], vec![attr_i("keepdims", 0)]),
        Some(other) => {
            return Err(Error::value(format!("Layer \"{layer}\": merge_mode={other} has no ONNX export")));
        }
    })
}
