//! The wgpu backend gives the same predictions and the same first training steps as the CPU
//! backend (rtol 1e-4). Built only with `--features wgpu`; on machines without a GPU, Mesa's
//! software Vulkan (lavapipe) runs it. Weights move from one device to the other with
//! get/set_weights, and dropout masks come from the model's host generator, so both devices
//! see the same numbers.
#![cfg(feature = "wgpu")]

use keras_rs::backends::BackendKind;
use keras_rs::prelude::*;
use ndarray::{Array1, ArrayD, IxDyn};

fn cpu() -> keras_rs::backends::Device {
    let kind =
        BackendKind::available().into_iter().find(|k| *k != BackendKind::Wgpu).expect("a CPU backend is compiled in");
    kind.device()
}

fn gpu() -> keras_rs::backends::Device {
    BackendKind::Wgpu.device()
}

fn close(a: &ArrayD<f32>, b: &ArrayD<f32>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= 1e-5 + 1e-4 * y.abs(), "{what}[{i}]: wgpu {x}, cpu {y}");
    }
}

fn data(shape: &[usize]) -> (ArrayD<f32>, Array1<f32>) {
    let n: usize = shape.iter().product();
    let x =
        ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| ((i * 37) % 101) as f32 / 101.0 - 0.5).collect()).unwrap();
    (x, Array1::from_shape_fn(shape[0], |i| (i % 3) as f32))
}

fn check(name: &str, shape: &[usize], build: impl Fn(keras_rs::backends::Device) -> Sequential) {
    let (x, y) = data(shape);
    let mut on_cpu = build(cpu());
    let mut on_gpu = build(gpu());
    on_gpu.set_weights(&on_cpu.get_weights().unwrap()).unwrap();
    let opts = PredictOptions::new().verbose(0);
    close(&on_gpu.predict(&x, opts.clone()).unwrap(), &on_cpu.predict(&x, opts).unwrap(), &format!("{name}: predict"));
    for m in [&mut on_cpu, &mut on_gpu] {
        m.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    }
    for step in 0..3 {
        let (a, b) = (on_gpu.train_on_batch(&x, &y).unwrap(), on_cpu.train_on_batch(&x, &y).unwrap());
        assert!(
            (a["loss"] - b["loss"]).abs() <= 1e-4 * b["loss"].abs() + 1e-6,
            "{name}: loss at step {step}: wgpu {}, cpu {}",
            a["loss"],
            b["loss"]
        );
    }
    for (i, (g, c)) in on_gpu.get_weights().unwrap().iter().zip(on_cpu.get_weights().unwrap()).enumerate() {
        close(g, &c, &format!("{name}: weight {i} after 3 steps"));
    }
}

#[test]
fn wgpu_matches_cpu_on_an_mlp_a_convnet_and_an_lstm() {
    println!("CPU: {:?}, GPU: {:?}", cpu(), gpu());
    check("mlp", &[16, 12], |d| {
        Sequential::new()
            .seed(1)
            .device(d)
            .add(Input::new(&[12]))
            .add(Dense::new(16).activation("relu"))
            .add(Dropout::new(0.3))
            .add(Dense::new(3).activation("softmax"))
    });
    check("convnet", &[8, 9, 8, 1], |d| {
        Sequential::new()
            .seed(2)
            .device(d)
            .add(Input::new(&[9, 8, 1]))
            .add(Conv2D::new(4, 3).padding("same").activation("relu"))
            .add(BatchNormalization::new())
            .add(MaxPooling2D::new(2).padding("same"))
            .add(Flatten::new())
            .add(Dense::new(3).activation("softmax"))
    });
    check("lstm", &[6, 5, 4], |d| {
        Sequential::new()
            .seed(3)
            .device(d)
            .add(Input::new(&[5, 4]))
            .add(LSTM::new(6).return_sequences(true))
            .add(GRU::new(4))
            .add(Dense::new(3).activation("softmax"))
    });
}

/// Two inputs, a shared layer, `Add`/`Concatenate`/`Dot`, two outputs with their own losses.
fn functional(device: keras_rs::backends::Device) -> Model {
    let (a, b) = (Input::new(&[6]).name("a"), Input::new(&[6]).name("b"));
    let shared = Dense::new(5).activation("tanh");
    let (ha, hb) = (shared.call(&a).unwrap(), shared.call(&b).unwrap());
    let sum = Add::new().call(&[&ha, &hb]).unwrap();
    let dot = Dot::new(1).normalize(true).call(&[&ha, &hb]).unwrap();
    let joined = Concatenate::new().call(&[sum, dot]).unwrap();
    let class = Dense::new(3).activation("softmax").name("class").call(&joined).unwrap();
    let score = Dense::new(1).name("score").call(&joined).unwrap();
    Model::new(&[&a, &b], &[class, score]).unwrap().seed(4).unwrap().device(device).unwrap()
}

#[test]
fn wgpu_matches_cpu_on_a_functional_model() {
    let (xa, y) = data(&[10, 6]);
    let xb = xa.mapv(|v| 0.3 - v);
    let score = xa.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
    let (mut on_cpu, mut on_gpu) = (functional(cpu()), functional(gpu()));
    on_gpu.set_weights(&on_cpu.get_weights().unwrap()).unwrap();
    let opts = PredictOptions::new().verbose(0);
    let (p_gpu, p_cpu) =
        (on_gpu.predict(&[&xa, &xb], opts.clone()).unwrap(), on_cpu.predict(&[&xa, &xb], opts).unwrap());
    for (i, (g, c)) in p_gpu.iter().zip(&p_cpu).enumerate() {
        close(g, c, &format!("functional: predict output {i}"));
    }
    for m in [&mut on_cpu, &mut on_gpu] {
        let options = keras_rs::trainers::CompileOptions::new()
            .loss_for("class", "sparse_categorical_crossentropy")
            .loss_for("score", "mse")
            .loss_weight("score", 0.5)
            .metrics_for("class", &["accuracy"]);
        m.compile_with(Adam::new().learning_rate(0.01), options).unwrap();
    }
    let y = y.into_dyn();
    let targets = [("class", &y), ("score", &score)];
    for step in 0..3 {
        let (a, b) = (
            on_gpu.train_on_batch(&[&xa, &xb], &targets).unwrap(),
            on_cpu.train_on_batch(&[&xa, &xb], &targets).unwrap(),
        );
        for key in ["loss", "class_loss", "score_loss"] {
            assert!((a[key] - b[key]).abs() <= 1e-4 * b[key].abs() + 1e-6, "functional: {key} at step {step}");
        }
    }
    for (i, (g, c)) in on_gpu.get_weights().unwrap().iter().zip(on_cpu.get_weights().unwrap()).enumerate() {
        close(g, &c, &format!("functional: weight {i} after 3 steps"));
    }
}

#[test]
fn streaming_metrics_sample_weights_and_a_schedule_agree_across_backends() {
    use keras_rs::metrics::{MeanIoU, MetricSpec, TopKCategoricalAccuracy};
    let (x, y) = data(&[40, 6]);
    let w = Array1::from_shape_fn(40, |i| 0.5 + (i % 4) as f32 * 0.25);
    let build = |device| {
        Sequential::new()
            .device(device)
            .add(Input::new(&[6]))
            .add(Dense::new(8).activation("relu"))
            .add(Dense::new(3).activation("softmax"))
    };
    let init = build(cpu()).get_weights().unwrap();
    let run = |device| {
        let mut m = build(device);
        m.set_weights(&init).unwrap();
        let metrics: Vec<MetricSpec> = vec![
            "accuracy".into(),
            TopKCategoricalAccuracy::sparse().k(2).into(),
            MeanIoU::new(3).sparse_y_pred(false).into(),
        ];
        let lr = keras_rs::optimizers::schedules::ExponentialDecay::new(0.05, 3.0, 0.5);
        m.compile(Adam::new().learning_rate(lr), "sparse_categorical_crossentropy", &metrics).unwrap();
        let opts = FitOptions::new().epochs(2).batch_size(8).shuffle(false).validation_split(0.25).verbose(0);
        let history = m.fit(&x, &y, opts.sample_weight(&w)).unwrap();
        (m, history)
    };
    let ((cpu_model, on_cpu), (gpu_model, on_gpu)) = (run(cpu()), run(gpu()));
    assert_eq!(on_gpu.history.keys().collect::<Vec<_>>(), on_cpu.history.keys().collect::<Vec<_>>());
    for (k, values) in &on_cpu.history {
        for (e, (a, b)) in on_gpu.history[k].iter().zip(values).enumerate() {
            assert!((a - b).abs() <= 1e-4 * b.abs() + 1e-5, "{k} epoch {e}: wgpu {a}, cpu {b}");
        }
    }
    for (i, (g, c)) in gpu_model.get_weights().unwrap().iter().zip(cpu_model.get_weights().unwrap()).enumerate() {
        close(g, &c, &format!("weight {i} after 2 epochs"));
    }
}
