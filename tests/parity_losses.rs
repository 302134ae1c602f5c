//! Losses and optimizer steps against real Keras 3.

mod common;

use common::{array, assert_close_f64, assert_close_slice, fixture};
use keras_rs::burn::tensor::{Tensor, TensorData};
use keras_rs::losses::{self, Loss};
use keras_rs::models::KerasModel;
use keras_rs::optimizers::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, Optimizer, OptimizerState, RMSprop, SGD,
};

fn rows(a: &ndarray::ArrayD<f32>, cols: usize) -> Tensor<2> {
    let v: Vec<f32> = a.iter().copied().collect();
    let r = v.len() / cols;
    Tensor::from_data(TensorData::new(v, [r, cols]), &keras_rs::backends::default_device())
}

#[test]
fn every_loss_matches_keras_on_probabilities_logits_and_clipping() {
    let fx = fixture("losses.json");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["loss"].as_str().unwrap();
        let logits = case["from_logits"].as_bool().unwrap_or(false);
        // The loss as Keras serialized it: its arguments (from_logits, label_smoothing) are read.
        let loss: Box<dyn Loss> = losses::from_config(&case["serialized"]).unwrap();
        let (t, p) = (array(&case["y_true"]), array(&case["y_pred"]));
        let cols = *p.shape().last().unwrap();
        let t = if loss.is_sparse() { rows(&t, 1) } else { rows(&t, cols) };
        // Per-sample weights, when the case has them, through the same call `fit` makes.
        let weights = case.get("sample_weight").map(vec1);
        let got = loss.call_weighted(t, rows(&p, cols), weights).into_scalar::<f32>() as f64;
        let label = format!("{name} (from_logits={logits}, reduction={})", loss.reduction().name());
        assert_close_f64(got, case["value"].as_f64().unwrap(), 1e-4, &label);
    }
}

fn optimizer(name: &str) -> Box<dyn Optimizer> {
    match name {
        "sgd" => Box::new(SGD::new().learning_rate(0.1)),
        "sgd_momentum" => Box::new(SGD::new().learning_rate(0.1).momentum(0.9)),
        "sgd_nesterov" => Box::new(SGD::new().learning_rate(0.1).momentum(0.9).nesterov(true)),
        "adam" => Box::new(Adam::new().learning_rate(0.1).epsilon(0.5)),
        "adamw" => Box::new(AdamW::new().learning_rate(0.1).weight_decay(0.2).epsilon(0.5)),
        "rmsprop" => Box::new(RMSprop::new().learning_rate(0.1).epsilon(0.5)),
        "rmsprop_momentum_centered" => {
            Box::new(RMSprop::new().learning_rate(0.1).momentum(0.5).centered(true).epsilon(0.5))
        }
        "adagrad" => Box::new(Adagrad::new().learning_rate(0.1).initial_accumulator_value(0.2).epsilon(0.5)),
        "adadelta" => Box::new(Adadelta::new().learning_rate(1.0).rho(0.8).epsilon(0.5)),
        "adamax" => Box::new(Adamax::new().learning_rate(0.1).epsilon(0.5)),
        "nadam" => Box::new(Nadam::new().learning_rate(0.1).epsilon(0.5)),
        "ftrl" => Box::new(
            Ftrl::new()
                .learning_rate(0.1)
                .l1_regularization_strength(0.05)
                .l2_regularization_strength(0.1)
                .l2_shrinkage_regularization_strength(0.02)
                .beta(0.3),
        ),
        "ftrl_power" => {
            Box::new(Ftrl::new().learning_rate(0.1).learning_rate_power(-0.3).initial_accumulator_value(0.5))
        }
        "lion" => Box::new(Lion::new().learning_rate(0.1).beta_1(0.8)),
        other => panic!("unknown optimizer case {other}"),
    }
}

/// A fixture's list of numbers as a flat tensor on the default device.
fn vec1(v: &serde_json::Value) -> Tensor<1> {
    let a: Vec<f32> = array(v).iter().copied().collect();
    let n = a.len();
    Tensor::from_data(TensorData::new(a, [n]), &keras_rs::backends::default_device())
}

#[test]
fn every_optimizer_step_matches_keras_with_a_large_epsilon() {
    let fx = fixture("optimizers.json");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["optimizer"].as_str().unwrap();
        let opt = optimizer(name);
        let mut state = OptimizerState::default();
        let mut vars = vec![vec1(&case["w0"])];
        for (k, (g, want)) in
            case["grads"].as_array().unwrap().iter().zip(case["steps"].as_array().unwrap()).enumerate()
        {
            state.apply(opt.as_ref(), &mut vars, vec![Some(vec1(g))]);
            let got: Vec<f32> = vars[0].clone().into_data().try_to_vec().unwrap();
            let want: Vec<f32> = array(want).iter().copied().collect();
            assert_close_slice(&got, &want, 1e-4, 1e-6, &format!("{name} step {}", k + 1));
        }
        assert_eq!(state.iterations, 3);
    }
}

#[test]
fn gradient_clipping_matches_keras_on_two_variables() {
    let fx = fixture("clipping.json");
    for case in fx["cases"].as_array().unwrap() {
        // The optimizer as Keras serialized it: clipnorm / global_clipnorm / clipvalue are read.
        let opt = keras_rs::optimizers::from_config(&case["optimizer"]).unwrap();
        let name =
            format!("{} {:?} amsgrad={}", opt.class_name(), opt.clipping(), opt.get_config()["config"]["amsgrad"]);
        let mut state = OptimizerState::default();
        let mut vars: Vec<Tensor<1>> = case["w0"].as_array().unwrap().iter().map(vec1).collect();
        for (k, (grads, want)) in
            case["grads"].as_array().unwrap().iter().zip(case["steps"].as_array().unwrap()).enumerate()
        {
            let grads = grads.as_array().unwrap().iter().map(|g| Some(vec1(g))).collect();
            state.apply(opt.as_ref(), &mut vars, grads);
            for (i, (var, want)) in vars.iter().zip(want.as_array().unwrap()).enumerate() {
                let got: Vec<f32> = var.clone().into_data().try_to_vec().unwrap();
                let want: Vec<f32> = array(want).iter().copied().collect();
                assert_close_slice(&got, &want, 1e-4, 1e-6, &format!("{name}: variable {i}, step {}", k + 1));
            }
        }
        assert_eq!(opt.get_config()["config"]["clipnorm"], case["optimizer"]["config"]["clipnorm"], "{name}");
    }
    // Two at once is Keras' ValueError, at compile.
    use keras_rs::prelude::{Dense, Input, Sequential};
    let mut m = Sequential::new().add(Input::new(&[2])).add(Dense::new(1));
    let err = m.compile(SGD::new().clipnorm(1.0).clipvalue(0.5), "mse", &[] as &[&str]).unwrap_err();
    assert!(err.to_string().contains("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set"), "{err}");
}
