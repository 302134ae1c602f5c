//! Honoured or refused, never dropped: a config read back from Keras must come out of the
//! object keras-rs rebuilt from it unchanged, key by key. Layers, losses and optimizers are
//! checked this way when they are read, so a Keras argument keras-rs does not implement, set to
//! anything but what keras-rs builds, is an error at load instead of a different model.

use serde_json::Value;

use super::config::truncated as short;
use crate::error::{Error, Result};

/// Checks that `rebuilt` (the config of the object rebuilt from `given`) gives back every value
/// of `given`: numbers to float32 precision; a `null` matches a key `rebuilt` does not write (an
/// unset option); `name` is only a label; `dtype` compares the policy's name; keys that only
/// describe the serialization are skipped. `class_name` names the object in the error, with
/// `given`'s `name`.
pub(crate) fn check(class_name: &str, given: &Value, rebuilt: &Value) -> Result<()> {
    let Some(given) = given.as_object() else { return Ok(()) };
    let label = match given.get("name").and_then(Value::as_str) {
        Some(name) => format!("{class_name} '{name}'"),
        None => class_name.to_string(),
    };
    for (key, value) in given {
        let kept = rebuilt.get(key);
        let fine = match key.as_str() {
            "name" => true,
            k if descriptive(k) => true,
            "dtype" => dtype_name(value) == kept.map_or(Some("float32"), dtype_name),
            _ => match kept {
                Some(kept) => same(value, kept),
                None => value.is_null(),
            },
        };
        if !fine {
            let builds = match kept {
                Some(kept) => format!("keras-rs builds {key}={}", short(kept)),
                None => format!("keras-rs' {class_name} has no '{key}' argument"),
            };
            return Err(Error::value(format!(
                "{label}: {key}={} is not supported ({builds}); loading it would build a \
                 different {class_name} than Keras does",
                short(value)
            )));
        }
    }
    Ok(())
}

/// A dtype or dtype policy's name: `"float32"`, or `{"class_name": "DTypePolicy", "config":
/// {"name": "float32"}}`; `null` is the default policy.
fn dtype_name(v: &Value) -> Option<&str> {
    match v {
        Value::Null => Some("float32"),
        Value::String(s) => Some(s),
        other => other.pointer("/config/name").and_then(Value::as_str),
    }
}

/// Whether two config values are the same setting: numbers to float32 precision, a one-element
/// list as its element, objects key by key (`null` and a missing key alike; see [`descriptive`]).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-6 * x.abs().max(y.abs()),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        // `axis=[-1]` and `axis=-1`, `kernel_size=[3]` and `3`: the same argument.
        (Value::Array(x), y) | (y, Value::Array(x)) if x.len() == 1 => same(&x[0], y),
        (Value::Object(x), Value::Object(y)) => covers(x, y) && covers(y, x),
        _ => a == b,
    }
}

/// Every entry of `from` is the same in `to` (or `null` and absent there). Inside a nested
/// object (an initializer's config) `seed` is not compared: keras-rs never draws Keras' random
/// streams, so a seeded initializer gives other values than Keras whatever the seed, a model
/// file brings its trained weights anyway, and keras-rs' determinism comes from the model seed.
/// A layer's own `seed` (Dropout's) is a top-level key and is compared.
fn covers(from: &serde_json::Map<String, Value>, to: &serde_json::Map<String, Value>) -> bool {
    from.iter().all(|(k, v)| descriptive(k) || k == "seed" || to.get(k).map_or(v.is_null(), |w| same(v, w)))
}

/// Keys that say where a class comes from or how it was serialized, not what it computes.
fn descriptive(key: &str) -> bool {
    matches!(key, "module" | "registered_name" | "shared_object_id" | "build_config")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn values_are_compared_as_settings() {
        let check = |given, rebuilt| super::check("Dense", &given, &rebuilt);
        assert!(
            check(
                json!({"name": "d", "units": 3, "momentum": 0.1}),
                json!({"units": 3, "momentum": 0.10000000149011612})
            )
            .is_ok()
        );
        assert!(
            check(
                json!({"dtype": "float32", "bias": null}),
                json!({"dtype": {"class_name": "DTypePolicy", "config": {"name": "float32"}}})
            )
            .is_ok()
        );
        let init = json!({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null});
        assert!(
            check(
                json!({"kernel_initializer": init}),
                json!({"kernel_initializer": {"class_name": "GlorotUniform", "config": {}}})
            )
            .is_ok()
        );
        let seeded = json!({"class_name": "GlorotUniform", "config": {"seed": 42}});
        assert!(check(json!({"kernel_initializer": seeded}), json!({"kernel_initializer": init.clone()})).is_ok());
        let wider = json!({"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.5}});
        let ours = json!({"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.05}});
        let err =
            check(json!({"name": "d", "kernel_initializer": wider}), json!({"kernel_initializer": ours})).unwrap_err();
        assert!(err.to_string().starts_with("Dense 'd': kernel_initializer={\"class_name\""), "{err}");
        let err = check(json!({"name": "d", "lora_rank": 2}), json!({})).unwrap_err().to_string();
        assert!(err.contains("lora_rank=2 is not supported (keras-rs' Dense has no 'lora_rank' argument)"), "{err}");
        assert!(check(json!({"dtype": "mixed_float16"}), json!({"dtype": "float32"})).is_err());
    }
}
