//! TF Serving's JSON request and response bodies: the row format (`{"instances": [...]}` →
//! `{"predictions": [...]}`) and the columnar format (`{"inputs": ...}` → `{"outputs": ...}`),
//! with named inputs and outputs for models that have several.

use keras_rs::trainers::OwnedArray;
use ndarray::{ArrayD, Axis, IxDyn};
use serde_json::{Map, Value};

/// A predict request's inputs as arrays, in the model's input order.
#[derive(Debug)]
pub struct Request {
    /// One array per model input, batch axis first: numbers, or strings for a string input.
    pub inputs: Vec<OwnedArray>,
    /// Whether the answer is `{"predictions"}` (row format) or `{"outputs"}` (columnar).
    pub row_format: bool,
}

/// Reads a predict body for a model with inputs `names` (in order).
pub fn parse_request(body: &Value, names: &[String]) -> Result<Request, String> {
    let Value::Object(body) = body else { return Err("The request body must be a JSON object".into()) };
    if let Some(signature) = body.get("signature_name").and_then(Value::as_str).filter(|s| *s != "serving_default") {
        return Err(format!("Serving signature name: \"{signature}\" not found in signature def"));
    }
    if let Some(key) = body.keys().find(|k| !["instances", "inputs", "signature_name"].contains(&k.as_str())) {
        return Err(format!("Unknown key '{key}' in the request: expected 'instances' or 'inputs'"));
    }
    match (body.get("instances"), body.get("inputs")) {
        (Some(_), Some(_)) => Err("Only one of 'instances' or 'inputs' can be specified".into()),
        (None, None) => Err("Missing 'inputs' or 'instances' key".into()),
        (Some(instances), None) => Ok(Request { inputs: rows(instances, names)?, row_format: true }),
        (None, Some(inputs)) => Ok(Request { inputs: columns(inputs, names)?, row_format: false }),
    }
}

/// The row format: a list of instances, each a value (one input) or an object by input name.
fn rows(instances: &Value, names: &[String]) -> Result<Vec<OwnedArray>, String> {
    let Value::Array(instances) = instances else { return Err("'instances' must be a JSON list".into()) };
    if instances.is_empty() {
        return Err("'instances' is an empty list".into());
    }
    let mut per_input: Vec<Vec<Value>> = vec![Vec::with_capacity(instances.len()); names.len()];
    for (i, instance) in instances.iter().enumerate() {
        match instance {
            Value::Object(named) => {
                check_names(named, names, &format!("instance {i}"))?;
                for (k, name) in names.iter().enumerate() {
                    per_input[k].push(named[name].clone());
                }
            }
            value if names.len() == 1 => per_input[0].push(value.clone()),
            _ => {
                return Err(format!(
                    "instance {i}: the model has {} inputs ({}): each instance must be an object with one entry per input",
                    names.len(),
                    names.join(", ")
                ));
            }
        }
    }
    per_input.into_iter().zip(names).map(|(values, name)| to_input(&Value::Array(values), name)).collect()
}

/// The columnar format: one value (one input) or an object by input name, batch axis first.
fn columns(inputs: &Value, names: &[String]) -> Result<Vec<OwnedArray>, String> {
    match inputs {
        Value::Object(named) => {
            check_names(named, names, "'inputs'")?;
            names.iter().map(|name| to_input(&named[name], name)).collect()
        }
        value if names.len() == 1 => Ok(vec![to_input(value, &names[0])?]),
        _ => Err(format!(
            "The model has {} inputs ({}): 'inputs' must be an object with one entry per input",
            names.len(),
            names.join(", ")
        )),
    }
}

fn check_names(named: &Map<String, Value>, names: &[String], what: &str) -> Result<(), String> {
    if let Some(missing) = names.iter().find(|n| !named.contains_key(*n)) {
        return Err(format!("{what}: missing input '{missing}' (the model's inputs are: {})", names.join(", ")));
    }
    if let Some(extra) = named.keys().find(|k| !names.contains(k)) {
        return Err(format!("{what}: unknown input '{extra}' (the model's inputs are: {})", names.join(", ")));
    }
    Ok(())
}

/// Nested JSON lists of numbers as a float32 array, or of strings as an array of strings (for a
/// model's string input, as TF Serving takes `DT_STRING` inputs); rectangular, one kind only.
pub fn to_input(value: &Value, name: &str) -> Result<OwnedArray, String> {
    let mut shape = Vec::new();
    let mut probe = value;
    while let Value::Array(items) = probe {
        shape.push(items.len());
        match items.first() {
            Some(first) => probe = first,
            None => break,
        }
    }
    if probe.is_string() {
        let mut strings = Vec::with_capacity(shape.iter().product());
        flatten_strings(value, &shape, 0, name, &mut strings)?;
        let array = ArrayD::from_shape_vec(IxDyn(&shape), strings).map_err(|e| format!("input '{name}': {e}"))?;
        return Ok(OwnedArray::Strings(array));
    }
    let mut values = Vec::with_capacity(shape.iter().product());
    flatten(value, &shape, 0, name, &mut values)?;
    ArrayD::from_shape_vec(IxDyn(&shape), values).map(OwnedArray::Numbers).map_err(|e| format!("input '{name}': {e}"))
}

fn flatten_strings(
    value: &Value,
    shape: &[usize],
    depth: usize,
    name: &str,
    out: &mut Vec<String>,
) -> Result<(), String> {
    match (value, shape.get(depth)) {
        (Value::Array(items), Some(&n)) if items.len() == n => {
            items.iter().try_for_each(|item| flatten_strings(item, shape, depth + 1, name, out))
        }
        (Value::String(s), None) => {
            out.push(s.clone());
            Ok(())
        }
        (Value::Array(items), Some(&n)) => Err(format!(
            "input '{name}': the lists are not rectangular: a list of {} where the first list at that depth has {n}",
            items.len()
        )),
        (other, _) => {
            Err(format!("input '{name}': expected strings only (its first value is a string), found {other}"))
        }
    }
}

fn flatten(value: &Value, shape: &[usize], depth: usize, name: &str, out: &mut Vec<f32>) -> Result<(), String> {
    match (value, shape.get(depth)) {
        (Value::Array(items), Some(&n)) if items.len() == n => {
            items.iter().try_for_each(|item| flatten(item, shape, depth + 1, name, out))
        }
        (Value::Array(items), Some(&n)) => Err(format!(
            "input '{name}': the lists are not rectangular: a list of {} where the first list at that depth has {n}",
            items.len()
        )),
        (Value::Number(x), None) => match x.as_f64() {
            Some(x) if x.is_finite() && x.abs() <= f32::MAX as f64 => {
                out.push(x as f32);
                Ok(())
            }
            _ => Err(format!("input '{name}': {x} does not fit in a float32")),
        },
        (Value::Array(_), None) => Err(format!("input '{name}': the lists are not rectangular (too deep)")),
        (other, _) => Err(format!(
            "input '{name}': expected a number or a list of numbers (or strings, for a string input), found {other}"
        )),
    }
}

/// An array as nested JSON lists.
pub fn to_json(array: &ArrayD<f32>) -> Value {
    if array.ndim() == 0 {
        return number(array.iter().next().copied().unwrap_or(0.0));
    }
    Value::Array(array.axis_iter(Axis(0)).map(|row| to_json(&row.to_owned())).collect())
}

fn number(x: f32) -> Value {
    serde_json::Number::from_f64(x as f64).map_or(Value::Null, Value::Number)
}

/// The answer to a predict request: `{"predictions": [...]}` (one entry per row: the output, or
/// an object by output name) or `{"outputs": ...}` (the output, or an object by output name).
pub fn response(outputs: &[ArrayD<f32>], names: &[String], row_format: bool) -> Value {
    let mut body = Map::new();
    if row_format {
        let rows = outputs.first().map_or(0, |o| o.len_of(Axis(0)));
        let predictions = (0..rows)
            .map(|r| {
                let row = |o: &ArrayD<f32>| to_json(&o.index_axis(Axis(0), r).to_owned());
                match outputs {
                    [one] => row(one),
                    many => Value::Object(names.iter().cloned().zip(many.iter().map(row)).collect()),
                }
            })
            .collect();
        body.insert("predictions".into(), Value::Array(predictions));
    } else {
        let value = match outputs {
            [one] => to_json(one),
            many => Value::Object(names.iter().cloned().zip(many.iter().map(to_json)).collect()),
        };
        body.insert("outputs".into(), value);
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use keras_rs::trainers::ArrayInput;

    #[test]
    fn both_formats_read_and_answer_as_tf_serving() {
        let names = vec!["x".to_string()];
        let r = parse_request(&json!({"instances": [[1, 2], [3, 4.5]]}), &names).unwrap();
        assert!(r.row_format);
        assert_eq!(r.inputs[0].dims(), &[2, 2]);
        let r = parse_request(&json!({"inputs": {"x": [[1, 2]]}}), &names).unwrap();
        assert!(!r.row_format && r.inputs[0].dims() == [1, 2]);
        let r = parse_request(&json!({"instances": ["a film", "a play"]}), &names).unwrap();
        assert_eq!(r.inputs[0], OwnedArray::Strings(ndarray::array!["a film", "a play"].into_dyn().mapv(String::from)));
        let two = vec!["a".to_string(), "b".to_string()];
        let r = parse_request(&json!({"instances": [{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3, 4]}]}), &two).unwrap();
        assert_eq!((r.inputs[0].dims(), r.inputs[1].dims()), (&[2][..], &[2, 2][..]));
        for (bad, why) in [
            (json!({"instances": [[1, 2], [3]]}), "not rectangular"),
            (json!({"instances": [[1, "a"]]}), "expected a number"),
            (json!({"instances": [["a", 1]]}), "expected strings only"),
            (json!({"instances": [], "inputs": []}), "Only one of"),
            (json!({"foo": 1}), "Unknown key"),
            (json!({"instances": [[1e300]]}), "float32"),
            (json!({"instances": [1], "signature_name": "other"}), "not found in signature def"),
        ] {
            let err = parse_request(&bad, &names).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let err = parse_request(&json!({"instances": [{"a": 1}]}), &two).unwrap_err();
        assert!(err.contains("missing input 'b'"), "{err}");

        let out = ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![0.5, 1.5]).unwrap();
        assert_eq!(response(std::slice::from_ref(&out), &names, true), json!({"predictions": [[0.5], [1.5]]}));
        let outs = [out.clone(), out];
        assert_eq!(response(&outs, &two, false), json!({"outputs": {"a": [[0.5], [1.5]], "b": [[0.5], [1.5]]}}));
        assert_eq!(response(&outs, &two, true)["predictions"][1], json!({"a": [1.5], "b": [1.5]}));
    }
}
