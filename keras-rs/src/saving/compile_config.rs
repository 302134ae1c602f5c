//! `compile_config`: the optimizer, losses, loss weights and metrics of a compiled model, as
//! Keras 3 writes them and reads them back (`model.compile_from_config`).

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::losses::LossSpec;
use crate::metrics::MetricSpec;
use crate::optimizers::Optimizer;
use crate::trainers::{CompileOptions, Compiled};

fn loss_json(loss: &dyn crate::losses::Loss) -> Value {
    // A loss with its default config is written by name, as Keras writes `loss="mse"`.
    let default = crate::losses::get(loss.name()).map(|d| d.get_config());
    if default.ok().as_ref() == Some(&loss.get_config()) { json!(loss.name()) } else { loss.get_config() }
}

fn metric_json(spec: &MetricSpec) -> Value {
    match spec {
        MetricSpec::Name(n) => json!(n),
        MetricSpec::Metric(m) => {
            let mut config = json!({"name": m.name(), "dtype": "float32"});
            if let (Some(dst), serde_json::Value::Object(args)) = (config.as_object_mut(), m.config()) {
                dst.extend(args);
            }
            json!({"module": "keras.metrics", "class_name": m.class_name(), "config": config, "registered_name": null})
        }
    }
}

/// Keras' `compile_config` of a compiled model with outputs `names`: one value for a
/// single-output model, maps by output name otherwise.
pub(crate) fn compile_config(c: &Compiled, names: &[String]) -> Value {
    let (loss, weights, metrics) = if names.len() == 1 {
        let metrics: Vec<Value> = c.metrics[0].iter().map(metric_json).collect();
        let weights = if c.loss_weights[0] == 1.0 { Value::Null } else { json!([c.loss_weights[0]]) };
        (c.losses[0].as_ref().map_or(Value::Null, |l| loss_json(l.as_ref())), weights, json!(metrics))
    } else {
        let mut loss = serde_json::Map::new();
        let mut weights = serde_json::Map::new();
        let mut metrics = serde_json::Map::new();
        for (i, name) in names.iter().enumerate() {
            if let Some(l) = &c.losses[i] {
                loss.insert(name.clone(), loss_json(l.as_ref()));
                weights.insert(name.clone(), json!(c.loss_weights[i]));
            }
            if !c.metrics[i].is_empty() {
                metrics.insert(name.clone(), Value::Array(c.metrics[i].iter().map(metric_json).collect()));
            }
        }
        let all_one = c.loss_weights.iter().all(|&w| w == 1.0);
        (Value::Object(loss), if all_one { Value::Null } else { Value::Object(weights) }, Value::Object(metrics))
    };
    let metrics = if metrics.as_array().is_some_and(Vec::is_empty) || metrics.as_object().is_some_and(|m| m.is_empty())
    {
        Value::Null
    } else {
        metrics
    };
    json!({
        "optimizer": c.optimizer.get_config(),
        "loss": loss,
        "loss_weights": weights,
        "metrics": metrics,
        "weighted_metrics": null,
        "run_eagerly": false,
        "steps_per_execution": 1,
        "jit_compile": true,
    })
}

fn loss_spec(v: &Value) -> Result<Option<LossSpec>> {
    Ok(match v {
        Value::Null => None,
        Value::String(name) => Some(LossSpec::Name(name.clone())),
        Value::Object(_) => Some(LossSpec::Loss(crate::losses::from_config(v)?)),
        other => return Err(Error::Format(format!("Could not interpret loss: {other}"))),
    })
}

fn metric_specs(v: &Value) -> Result<Vec<MetricSpec>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(name) => Ok(vec![MetricSpec::Name(name.clone())]),
        Value::Object(_) => Ok(vec![MetricSpec::Metric(crate::metrics::from_config(v)?)]),
        Value::Array(items) => Ok(items.iter().map(metric_specs).collect::<Result<Vec<_>>>()?.concat()),
        other => Err(Error::Format(format!("Could not interpret metrics: {other}"))),
    }
}

/// The optimizer and `compile` options a `compile_config` describes, for outputs `names`.
pub(crate) fn from_compile_config(cfg: &Value, names: &[String]) -> Result<(Box<dyn Optimizer>, CompileOptions)> {
    let optimizer = match cfg.get("optimizer") {
        Some(Value::String(name)) => crate::optimizers::get(name)?,
        Some(v @ Value::Object(_)) => crate::optimizers::from_config(v)?,
        _ => return Err(Error::Format("compile_config has no optimizer".into())),
    };
    let mut options = CompileOptions::new();
    match cfg.get("loss").unwrap_or(&Value::Null) {
        Value::Array(list) => options = options.losses(list.iter().map(loss_spec).collect::<Result<_>>()?),
        Value::Object(map) if !map.contains_key("class_name") => {
            for (name, v) in map {
                if let Some(spec) = loss_spec(v)? {
                    options = options.loss_for(name, spec);
                }
            }
        }
        v => {
            if let Some(spec) = loss_spec(v)? {
                options = options.loss(spec);
            }
        }
    }
    match cfg.get("loss_weights").unwrap_or(&Value::Null) {
        Value::Array(list) => {
            let w: Option<Vec<f64>> = list.iter().map(Value::as_f64).collect();
            options = options.loss_weights(&w.ok_or_else(|| Error::Format("loss_weights must be numbers".into()))?);
        }
        Value::Object(map) => {
            for (name, w) in map {
                options = options.loss_weight(name, w.as_f64().unwrap_or(1.0));
            }
        }
        _ => {}
    }
    match cfg.get("metrics").unwrap_or(&Value::Null) {
        Value::Object(map) if !map.contains_key("class_name") => {
            for (name, v) in map {
                options = options.metrics_for(name, &metric_specs(v)?);
            }
        }
        Value::Array(list) if names.len() > 1 && list.iter().all(|v| v.is_array() || v.is_null()) => {
            for (name, v) in names.iter().zip(list) {
                options = options.metrics_for(name, &metric_specs(v)?);
            }
        }
        v => options = options.metrics(&metric_specs(v)?),
    }
    Ok((optimizer, options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MeanIoU, Precision, TopKCategoricalAccuracy};

    #[test]
    fn metric_objects_keep_their_arguments_both_ways() {
        let specs = [
            MetricSpec::Metric(Box::new(TopKCategoricalAccuracy::new().k(3))),
            MetricSpec::Metric(Box::new(Precision::new().thresholds(0.7))),
            MetricSpec::Metric(Box::new(MeanIoU::new(4).sparse_y_pred(false))),
        ];
        let written: Vec<Value> = specs.iter().map(metric_json).collect();
        assert_eq!(written[0]["config"]["k"], 3);
        let read = metric_specs(&Value::Array(written.clone())).unwrap();
        for (spec, json) in read.iter().zip(&written) {
            let MetricSpec::Metric(m) = spec else { panic!("a metric object") };
            assert_eq!(metric_json(spec), *json, "{}", m.class_name());
        }
        // Keras' own config of TopKCategoricalAccuracy(k=3, name="top3").
        let keras = serde_json::json!({"module": "keras.metrics", "class_name": "TopKCategoricalAccuracy",
            "config": {"name": "top3", "dtype": "float32", "k": 3}, "registered_name": null});
        let [MetricSpec::Metric(m)] = &metric_specs(&keras).unwrap()[..] else { panic!("one metric") };
        assert_eq!(m.config()["k"], 3);
        // An argument keras-rs does not implement is refused, not dropped.
        let pr = serde_json::json!({"class_name": "AUC", "config": {"name": "auc", "curve": "PR"}});
        let err = metric_specs(&pr).unwrap_err().to_string();
        assert!(err.contains("AUC 'auc': curve=\"PR\" is not supported"), "{err}");
    }
}
