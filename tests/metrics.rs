//! Streaming metrics (Precision, Recall, AUC, MeanIoU, R2Score, F-scores, the sensitivity/
//! specificity trade-offs) and top-k accuracy against Keras 3: values after one and two batches,
//! and `fit`/`evaluate` logs that use them.

mod common;

use common::{array, arrays, assert_close_f64, assert_history, fixture};
use keras_rs::burn::tensor::{Tensor, TensorData};
use keras_rs::metrics::{AUC, MeanIoU, Metric, Precision, Recall, TopKCategoricalAccuracy};
use keras_rs::prelude::*;

fn tensor(a: &ndarray::ArrayD<f32>) -> Tensor<2> {
    let (rows, cols) = (a.shape()[0], a.len() / a.shape()[0]);
    let d = keras_rs::backends::default_device();
    Tensor::from_data(TensorData::new(a.iter().copied().collect::<Vec<_>>(), [rows, cols]), &d)
}

/// The metric's value after the first half of the rows, and after all of them.
fn streamed(metric: &dyn Metric, y: &ndarray::ArrayD<f32>, p: &ndarray::ArrayD<f32>) -> (f64, f64) {
    let (y, p) = (tensor(y), tensor(p));
    let n = y.dims()[0];
    let halves = [(0, n / 2), (n / 2, n)];
    let mut stats: Vec<f32> = Vec::new();
    let (mut sum, mut rows) = (0.0f64, 0usize);
    let mut out = Vec::new();
    for (a, b) in halves {
        let (yh, ph) = (y.clone().slice(a..b), p.clone().slice(a..b));
        match metric.batch_stats(yh.clone(), ph.clone()) {
            Some(s) => {
                let s = s.into_data().try_to_vec::<f32>().unwrap();
                stats.resize(s.len(), 0.0);
                stats.iter_mut().zip(s).for_each(|(a, b)| *a += b);
                out.push(metric.result(&stats));
            }
            None => {
                sum += metric
                    .per_row(yh, ph)
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap()
                    .iter()
                    .map(|&v| v as f64)
                    .sum::<f64>();
                rows += b - a;
                out.push(sum / rows as f64);
            }
        }
    }
    (out[0], out[1])
}

#[test]
fn streaming_metrics_accumulate_like_keras() {
    let fx = fixture("metrics.json");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let metric: Box<dyn Metric> = match name {
            "precision" => Box::new(Precision::new()),
            "recall" => Box::new(Recall::new()),
            "precision_0.7" => Box::new(Precision::new().thresholds(0.7)),
            "auc" => Box::new(AUC::new()),
            "auc_3" => Box::new(AUC::new().num_thresholds(3)),
            "top_k_2" => Box::new(TopKCategoricalAccuracy::new().k(2)),
            "sparse_top_k_2" => Box::new(TopKCategoricalAccuracy::sparse().k(2)),
            "mean_iou_3" => Box::new(MeanIoU::new(3)),
            other => panic!("unknown case {other}"),
        };
        let (first, all) = streamed(metric.as_ref(), &array(&case["y"]), &array(&case["p"]));
        assert_close_f64(first, case["after_first"].as_f64().unwrap(), 1e-5, &format!("{name} after one batch"));
        assert_close_f64(all, case["result"].as_f64().unwrap(), 1e-5, &format!("{name} after two batches"));
    }
}

#[test]
fn fit_and_evaluate_log_precision_recall_auc_as_keras() {
    let fx = fixture("metrics.json");
    let case = &fx["binary_fit"];
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new()
        .add(Input::new(&[4]))
        .add(Dense::new(6).activation("tanh"))
        .add(Dense::new(1).activation("sigmoid"));
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.05), "binary_crossentropy", &["precision", "recall", "auc"]).unwrap();
    let opts = FitOptions::new().epochs(2).batch_size(16).validation_split(0.25).shuffle(false).verbose(0);
    let history = model.fit(&x, &y, opts).unwrap();
    assert_history(&history, &case["history"], "binary fit");
    let scores = model.evaluate(&x, &y, EvaluateOptions::new().batch_size(7).verbose(0)).unwrap();
    for (k, v) in case["evaluate"].as_object().unwrap() {
        assert_close_f64(scores[k], v.as_f64().unwrap(), 1e-4, &format!("evaluate {k}"));
    }
}

#[test]
fn fit_logs_top_k_and_mean_iou_as_keras() {
    let fx = fixture("metrics.json");
    let case = &fx["multiclass_fit"];
    let x = array(&fx["binary_fit"]["x"]);
    let y = array(&case["y"]);
    let mut model = Sequential::new()
        .add(Input::new(&[4]))
        .add(Dense::new(6).activation("relu"))
        .add(Dense::new(3).activation("softmax"));
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    let metrics: Vec<keras_rs::metrics::MetricSpec> =
        vec![TopKCategoricalAccuracy::sparse().k(2).into(), MeanIoU::new(3).sparse_y_pred(false).into()];
    model.compile(Adam::new().learning_rate(0.05), "sparse_categorical_crossentropy", &metrics).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(16).shuffle(false).verbose(0)).unwrap();
    // Keras numbers a second MeanIoU in one process `mean_io_u_1`; the values are what count.
    let mut keras = case["history"].clone();
    let iou = keras.as_object_mut().unwrap().remove("mean_io_u_1").unwrap();
    keras["mean_io_u"] = iou;
    assert_history(&history, &keras, "multiclass fit");
}

#[test]
fn metrics_named_after_losses_log_as_in_keras() {
    let fx = fixture("metrics.json");
    let x = array(&fx["binary_fit"]["x"]);
    for case in fx["loss_metric_fits"].as_array().unwrap() {
        let y = array(&case["y"]);
        let units = case["units"].as_u64().unwrap() as usize;
        let mut model = Sequential::new()
            .add(Input::new(&[4]))
            .add(Dense::new(6).activation("tanh"))
            .add(Dense::new(units).activation(case["activation"].as_str().unwrap()));
        model.set_weights(&arrays(&case["weights0"])).unwrap();
        let metrics: Vec<&str> = case["metrics"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
        model.compile(Adam::new().learning_rate(0.05), case["loss"].as_str().unwrap(), &metrics).unwrap();
        let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(16).shuffle(false).verbose(0)).unwrap();
        let label = format!("{} with {metrics:?}", case["loss"]);
        assert_history(&history, &case["history"], &label);
        let scores = model.evaluate(&x, &y, EvaluateOptions::new().batch_size(7).verbose(0)).unwrap();
        for (name, want) in case["evaluate"].as_object().unwrap() {
            common::assert_close_f64(scores[name], want.as_f64().unwrap(), 1e-4, &format!("{label}: evaluate {name}"));
        }
    }
}

#[test]
fn score_metrics_rebuilt_from_keras_configs_accumulate_like_keras() {
    let fx = fixture("score_metrics.json");
    for case in fx["cases"].as_array().unwrap() {
        let label = format!("{}", case["metric"]["config"]);
        let metric = keras_rs::metrics::from_config(&case["metric"]).unwrap_or_else(|e| panic!("{label}: {e}"));
        let (first, all) = streamed(metric.as_ref(), &array(&case["y"]), &array(&case["p"]));
        assert_close_f64(first, case["after_first"].as_f64().unwrap(), 1e-4, &format!("{label} after one batch"));
        assert_close_f64(all, case["result"].as_f64().unwrap(), 1e-4, &format!("{label} after two batches"));
    }
}

#[test]
fn fit_and_evaluate_log_f_scores_r2_and_trade_off_metrics_as_keras() {
    use keras_rs::metrics::{F1Score, FBetaScore, MetricSpec, PrecisionAtRecall, RecallAtPrecision};
    let fx = fixture("score_metrics.json");
    let x = array(&fx["classify_fit"]["x"]);
    let metrics: Vec<MetricSpec> = vec![
        F1Score::new().average("macro").into(),
        FBetaScore::new().average("weighted").beta(2.0).threshold(0.4).into(),
        PrecisionAtRecall::new(0.5).into(),
        RecallAtPrecision::new(0.6).into(),
    ];
    let r2: Vec<MetricSpec> = vec!["r2_score".into()];
    for (key, units, activation, loss, metrics) in
        [("classify_fit", 3, "softmax", "categorical_crossentropy", metrics), ("regress_fit", 2, "linear", "mse", r2)]
    {
        let case = &fx[key];
        let y = array(&case["y"]);
        let hidden = if units == 3 { "relu" } else { "tanh" };
        let mut model = Sequential::new()
            .add(Input::new(&[4]))
            .add(Dense::new(6).activation(hidden))
            .add(Dense::new(units).activation(activation));
        model.set_weights(&arrays(&case["weights0"])).unwrap();
        model.compile(Adam::new().learning_rate(0.05), loss, &metrics).unwrap();
        let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(16).shuffle(false).verbose(0)).unwrap();
        assert_history(&history, &case["history"], key);
        let scores = model.evaluate(&x, &y, EvaluateOptions::new().batch_size(7).verbose(0)).unwrap();
        for (name, want) in case["evaluate"].as_object().unwrap() {
            assert_close_f64(scores[name], want.as_f64().unwrap(), 1e-4, &format!("{key}: evaluate {name}"));
        }
    }
}

#[test]
fn per_class_scores_are_refused_with_keras_arguments_named() {
    use keras_rs::metrics::{F1Score, MetricSpec, R2Score};
    let mut model = Sequential::new().add(Input::new(&[4])).add(Dense::new(3).activation("softmax"));
    let f1: Vec<MetricSpec> = vec![F1Score::new().into()];
    let err = model.compile(Adam::new(), "categorical_crossentropy", &f1).unwrap_err().to_string();
    assert!(err.contains("F1Score with average=None"), "{err}");
    let err = model.compile(Adam::new(), "mse", &["f1_score"]).unwrap_err().to_string();
    assert!(err.contains("average=None"), "{err}");
    let r2: Vec<MetricSpec> = vec![R2Score::new().class_aggregation("median").into()];
    let err = model.compile(Adam::new(), "mse", &r2).unwrap_err().to_string();
    assert!(err.contains("Received: class_aggregation=median"), "{err}");
    let config = serde_json::json!({"class_name": "PrecisionAtRecall", "config": {"recall": 0.5, "class_id": 1}});
    let err = keras_rs::metrics::from_config(&config).unwrap_err().to_string();
    assert!(err.contains("class_id"), "{err}");
}

#[test]
fn sample_weight_and_class_weight_weigh_the_loss_as_in_keras() {
    let fx = fixture("weights.json");
    let x = array(&fx["x"]);
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let units = case["units"].as_u64().unwrap() as usize;
        let mut model = Sequential::new()
            .add(Input::new(&[4]))
            .add(Dense::new(5).activation("tanh"))
            .add(Dense::new(units).activation(case["activation"].as_str().unwrap()));
        model.set_weights(&arrays(&case["weights0"])).unwrap();
        model.compile(SGD::new().learning_rate(0.1), case["loss"].as_str().unwrap(), &["accuracy"]).unwrap();
        let mut opts = FitOptions::new().epochs(2).batch_size(16).shuffle(false).verbose(0);
        opts = match name {
            "sample_weight" => opts.sample_weight(&array(&fx["sample_weight"])).validation_split(0.2),
            "class_weight" => opts.class_weight(&[(0, 1.0), (1, 3.0), (2, 0.5)]),
            _ => opts.class_weight(&[(1, 2.5)]),
        };
        let history = model.fit(&x, &array(&case["y"]), opts).unwrap();
        assert_history(&history, &case["history"], name);
        for (i, (w, k)) in model.get_weights().unwrap().iter().zip(arrays(&case["weights"])).enumerate() {
            common::assert_close(w, &k, 1e-4, 1e-5, &format!("{name} weight {i}"));
        }
        let weighted = EvaluateOptions::new().batch_size(7).verbose(0).sample_weight(&array(&fx["sample_weight"]));
        let scores = model.evaluate(&x, &array(&case["y"]), weighted).unwrap();
        for (k, v) in case["evaluate_weighted"].as_object().unwrap() {
            assert_close_f64(scores[k], v.as_f64().unwrap(), 1e-4, &format!("{name}: weighted evaluate {k}"));
        }
    }
    let mut model = Sequential::new().add(Input::new(&[4])).add(Dense::new(1));
    model.compile("sgd", "mse", NO_METRICS).unwrap();
    let y = ndarray::Array1::<f32>::zeros(50);
    let both = FitOptions::new().verbose(0).class_weight(&[(0, 1.0)]).sample_weight(&ndarray::Array1::<f32>::ones(50));
    let err = model.fit(&x, &y, both).unwrap_err().to_string();
    assert!(err.contains("You cannot `class_weight` and `sample_weight` at the same time"), "{err}");
    let short = FitOptions::new().verbose(0).sample_weight(&ndarray::Array1::<f32>::ones(3));
    let err = model.fit(&x, &y, short).unwrap_err().to_string();
    assert!(err.contains("one weight per sample"), "{err}");
}
