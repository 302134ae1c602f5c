//! End-to-end workflows through the public API: training on MNIST, determinism, weights.

use keras_rs::prelude::*;
use ndarray::{Array2, Axis, s};

fn mnist_subset(n: usize) -> (Array2<f32>, ndarray::Array1<u8>, Array2<f32>, ndarray::Array1<u8>) {
    let ((x, y), (xt, yt)) = keras_rs::datasets::mnist::load_data().unwrap();
    let flat = |a: ndarray::Array3<u8>| {
        let n = a.shape()[0];
        a.into_shape_with_order((n, 784)).unwrap().mapv(|v| v as f32 / 255.0)
    };
    let (x, xt) = (flat(x), flat(xt));
    (x.slice(s![..n, ..]).to_owned(), y.slice(s![..n]).to_owned(), xt, yt)
}

fn mlp(seed: u64) -> Sequential {
    Sequential::new()
        .seed(seed)
        .add(Input::new(&[784]))
        .add(Dense::new(64).activation("relu"))
        .add(Dropout::new(0.2))
        .add(Dense::new(10).activation("softmax"))
}

#[test]
fn mlp_learns_mnist() {
    let (x, y, xt, yt) = mnist_subset(3000);
    let mut model = mlp(7);
    model.compile(Adam::new(), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let h = model.fit(&x, &y, FitOptions::new().epochs(3).batch_size(32).validation_split(0.1).verbose(0)).unwrap();
    let loss = h.get("loss");
    assert!(loss[2] < loss[0] * 0.6, "loss should drop: {loss:?}");
    assert!(h.get("val_accuracy")[2] > 0.85, "{:?}", h.history);
    let scores = model.evaluate(&xt, &yt, EvaluateOptions::new().verbose(0)).unwrap();
    assert!(scores["accuracy"] > 0.85, "{scores:?}");
    let probs = model.predict(&xt.slice(s![..5, ..]).to_owned(), PredictOptions::new().verbose(0)).unwrap();
    assert_eq!(probs.shape(), &[5, 10]);
    for row in probs.axis_iter(Axis(0)) {
        assert!((row.sum() - 1.0).abs() < 1e-5);
    }
    assert_eq!(model.iterations(), 3 * 2700_usize.div_ceil(32) as u64);
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    let (x, y, _, _) = mnist_subset(300);
    let run = |seed| {
        let mut m = mlp(seed);
        m.compile(SGD::new().learning_rate(0.05), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
        let h = m.fit(&x, &y, FitOptions::new().epochs(2).batch_size(50).verbose(0)).unwrap();
        (h, m.get_weights().unwrap())
    };
    let (h1, w1) = run(3);
    let (h2, w2) = run(3);
    let (h3, w3) = run(4);
    assert_eq!(h1, h2, "same seed: same shuffles, dropout masks and init");
    assert_eq!(w1, w2);
    assert_ne!(h1, h3);
    assert_ne!(w1[0], w3[0]);
}

#[test]
fn weights_round_trip_and_model_editing() {
    let mut a = mlp(1);
    let b = mlp(2);
    let w = a.get_weights().unwrap();
    assert_eq!(
        w.iter().map(|w| w.shape().to_vec()).collect::<Vec<_>>(),
        vec![vec![784, 64], vec![64], vec![64, 10], vec![10]]
    );
    let x = Array2::<f32>::from_elem((3, 784), 0.5);
    let mut b = b;
    b.set_weights(&w).unwrap();
    let opts = PredictOptions::new().verbose(0);
    assert_eq!(a.predict(&x, opts.clone()).unwrap(), b.predict(&x, opts).unwrap());
    assert_eq!(
        a.layers().iter().map(|l| l.name().unwrap().to_string()).collect::<Vec<_>>(),
        ["dense", "dropout", "dense_1"]
    );
    assert_eq!(a.get_layer("dropout").unwrap().class_name(), "Dropout");
    let popped = a.pop().unwrap();
    assert_eq!(popped.name(), Some("dense_1"));
    assert_eq!(a.count_params(), 784 * 64 + 64);
    a.add_layer(Dense::new(2)).unwrap();
    assert_eq!(a.output_shape().unwrap().to_string(), "(None, 2)");
}

#[test]
fn model_without_input_builds_from_data_and_handles_3d() {
    let mut model =
        Sequential::new().seed(0).add(Dense::new(4).activation("tanh")).add(Flatten::new()).add(Dense::new(1));
    assert!(model.output_shape().is_err());
    let x = ndarray::Array3::<f32>::from_shape_fn((20, 3, 5), |(i, j, k)| ((i + j * k) % 7) as f32 / 7.0);
    let y = ndarray::Array1::<f32>::from_shape_fn(20, |i| (i % 3) as f32);
    model.compile(RMSprop::new(), "mse", &["mae"]).unwrap();
    let h = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(6).verbose(0)).unwrap();
    assert_eq!(h.history.keys().collect::<Vec<_>>(), ["loss", "mae"]);
    assert_eq!(model.output_shape().unwrap().to_string(), "(None, 1)");
    assert!(model.summary_string().contains("(None, 3, 4)"));
}

#[test]
fn initial_epoch_and_validation_data() {
    let (x, y, xt, yt) = mnist_subset(200);
    let mut model = mlp(5);
    model.compile("rmsprop", "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let opts = FitOptions::new()
        .epochs(3)
        .initial_epoch(1)
        .verbose(0)
        .validation_data(&xt.slice(s![..100, ..]).to_owned(), &yt.slice(s![..100]).to_owned());
    let h = model.fit(&x, &y, opts).unwrap();
    assert_eq!(h.epoch, vec![1, 2]);
    assert_eq!(h.get("val_loss").len(), 2);
}

#[test]
fn mnist_mlp_example_prints_keras_output_and_reaches_94_percent() {
    // `cargo test` builds the examples next to the test binaries: target/<profile>/examples/.
    let exe = std::env::current_exe().unwrap();
    let example = exe.parent().unwrap().parent().unwrap().join("examples").join("mnist_mlp");
    let out = std::process::Command::new(&example).output().unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("│ dense (Dense)                   │ (None, 128)            │       100,480 │"),
        "{stdout}"
    );
    // Without a terminal, verbose=1 prints one Keras line per epoch.
    let device = keras_rs::backends::describe_device(&keras_rs::backends::default_device());
    assert!(stdout.contains(&format!("Training on {device}\nEpoch 1/10\n")), "{stdout}");
    assert!(stdout.contains("Epoch 10/10\n225/225 ━━━━━━━━━━━━━━━━━━━━ "), "{stdout}");
    let epoch_line = stdout.lines().find(|l| l.starts_with("225/225")).unwrap();
    for part in ["s/step - accuracy: ", " - loss: ", " - val_accuracy: ", " - val_loss: "] {
        assert!(epoch_line.contains(part), "{epoch_line}");
    }
    let acc: f64 = stdout.lines().find_map(|l| l.strip_prefix("Test accuracy: ")).unwrap().parse().unwrap();
    assert!(acc >= 0.94, "test accuracy {acc}");
}

#[test]
fn augmentation_layers_train_reproducibly_and_leave_inference_alone() {
    use keras_rs::layers::{RandomContrast, RandomFlip, RandomRotation, RandomTranslation, RandomZoom};
    let x = ndarray::Array4::from_shape_fn((32, 8, 8, 1), |(n, i, j, _)| ((n * 7 + i * 3 + j) % 11) as f32 / 10.0);
    let y = ndarray::Array1::from_shape_fn(32, |n| (n % 2) as f32);
    let run = |seed: u64| {
        let augment = Sequential::named("data_augmentation")
            .add(Input::new(&[8, 8, 1]))
            .add(RandomFlip::new().mode("horizontal"))
            .add(RandomRotation::new(0.2))
            .add(RandomZoom::new(0.1))
            .add(RandomTranslation::new(0.1, 0.1))
            .add(RandomContrast::new(0.2).value_range((0.0, 1.0)));
        let mut model = Sequential::new()
            .seed(seed)
            .add(Input::new(&[8, 8, 1]))
            .add(augment)
            .add(Flatten::new())
            .add(Dense::new(2).activation("softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
        let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(8).verbose(0)).unwrap();
        // Inference: the augmentation is the identity, so predict is the classifier alone.
        let weights = model.get_weights().unwrap();
        let mut plain =
            Sequential::new().add(Input::new(&[8, 8, 1])).add(Flatten::new()).add(Dense::new(2).activation("softmax"));
        plain.set_weights(&weights).unwrap();
        let opts = || PredictOptions::new().verbose(0);
        assert_eq!(model.predict(&x, opts()).unwrap(), plain.predict(&x, opts()).unwrap());
        history.history["loss"].clone()
    };
    assert_eq!(run(3), run(3), "the same seed draws the same augmentations");
    assert_ne!(run(3), run(4));
}
