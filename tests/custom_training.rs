//! Hand-written training steps: a manual `GradientTape`-style loop and a custom `fit` step give
//! the same weights as `fit` when they do what `fit` does.

use keras_rs::burn::tensor::Tensor;
use keras_rs::losses::Loss;
use keras_rs::prelude::*;
use keras_rs::trainers::StepModel;

fn data() -> (ndarray::Array2<f32>, ndarray::Array1<f32>) {
    let x = ndarray::Array2::from_shape_fn((36, 4), |(i, j)| ((i * 7 + j * 5) % 11) as f32 / 5.0 - 1.0);
    let y = ndarray::Array1::from_shape_fn(36, |i| (i % 3) as f32);
    (x, y)
}

fn model() -> Sequential {
    let mut m = Sequential::new()
        .seed(11)
        .add(Input::new(&[4]))
        .add(Dense::new(6).activation("relu"))
        .add(BatchNormalization::new())
        .add(Dense::new(3).activation("softmax"));
    m.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    m
}

fn assert_same_weights(a: &Sequential, b: &Sequential, what: &str) {
    for (i, (x, y)) in a.get_weights().unwrap().iter().zip(b.get_weights().unwrap()).enumerate() {
        for (p, q) in x.iter().zip(y.iter()) {
            assert!((p - q).abs() <= 1e-6 * q.abs() + 1e-7, "{what}: weight {i}: {p} vs {q}");
        }
    }
}

#[test]
fn a_manual_loop_with_forward_tape_matches_fit() {
    let (x, y) = data();
    let mut by_fit = model();
    by_fit.fit(&x, &y, FitOptions::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();

    let mut manual = model();
    let loss_fn = SparseCategoricalCrossentropy::new();
    let device = keras_rs::backends::default_device();
    for _epoch in 0..2 {
        for start in (0..36).step_by(8) {
            let end = (start + 8).min(36);
            let xb = manual.to_tensors(&x.slice(ndarray::s![start..end, ..]).to_owned()).unwrap();
            let yb: Vec<f32> = y.slice(ndarray::s![start..end]).to_vec();
            let yb = Tensor::<1>::from_floats(yb.as_slice(), &device).reshape([end - start, 1]);
            let (out, tape) = manual.forward_tape(xb, true).unwrap();
            let loss = loss_fn.call(yb, out[0].clone().into_rows());
            let grads = tape.gradient(&loss).unwrap();
            manual.apply_gradients(tape, grads).unwrap();
        }
    }
    assert_eq!(manual.iterations(), by_fit.iterations());
    assert_same_weights(&manual, &by_fit, "manual loop");
}

#[test]
fn a_custom_fit_step_keeps_fit_loop_and_callbacks() {
    let (x, y) = data();
    let mut by_fit = model();
    let opts = || FitOptions::new().epochs(3).batch_size(8).shuffle(false).verbose(0);
    let reference = by_fit.fit(&x, &y, opts()).unwrap();

    let mut custom = model();
    let step = |m: &mut dyn StepModel, xb, yb: Vec<Tensor<2>>| {
        let (out, tape) = m.forward_tape(xb, true)?;
        let loss = SparseCategoricalCrossentropy::new().call(yb[0].clone(), out[0].clone().into_rows());
        let grads = tape.gradient(&loss)?;
        m.apply_gradients(tape, grads)?;
        Ok(vec![("step_loss".to_string(), loss.inner())])
    };
    let early = keras_rs::callbacks::Shared::new(keras_rs::callbacks::EarlyStopping::new().monitor("val_loss"));
    let history = custom.fit(&x, &y, opts().train_step(step).validation_split(0.0).callback(early.clone())).unwrap();
    assert_eq!(history.history.keys().collect::<Vec<_>>(), ["step_loss"], "the step's own logs");
    assert_eq!(history.get("step_loss").len(), 3);
    assert_same_weights(&custom, &by_fit, "custom step");
    // The last batch's loss, as Keras logs a custom step's values (not the epoch mean).
    assert!(history.get("step_loss")[0] != reference.get("loss")[0]);
}
