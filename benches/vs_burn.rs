//! keras-rs against the same networks written directly in burn 0.22, on the same device:
//! one training step and one inference batch each. Prints samples/s and the ratio.
//!
//! Run: `cargo bench --bench vs_burn` (add `--features wgpu` and `BURN_DEVICE=wgpu` for a GPU).
//! `STEPS=n` changes the number of timed steps (default 20), `WARMUP=n` the untimed steps before
//! them (default 3), `REPEAT=n` runs the whole suite n times in one process (on a GPU the first
//! pass also pays for kernel compilation and autotuning of each new shape). Inference on both
//! sides ends with the predictions in a host `Vec<f32>`; a training step ends with the loss read.

use std::time::Instant;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{DropoutConfig, Initializer, Linear, LinearConfig, Lstm, LstmConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use keras_rs::prelude::*;
use ndarray::{Array1, ArrayD, IxDyn};

#[path = "common/models.rs"]
#[allow(dead_code)] // upconv and mobilenet are the peers benchmark's only
mod models;

/// The keras.io MNIST convnet, NCHW, as a burn user writes it.
#[derive(Module, Debug)]
struct BurnConvnet {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    dropout: burn::nn::Dropout,
    fc: Linear,
}

impl BurnConvnet {
    fn new(device: &Device, rate: f64) -> Self {
        let init = Initializer::XavierUniform { gain: 1.0 };
        BurnConvnet {
            conv1: Conv2dConfig::new([1, 32], [3, 3]).with_initializer(init.clone()).init(device),
            conv2: Conv2dConfig::new([32, 64], [3, 3]).with_initializer(init.clone()).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            dropout: DropoutConfig::new(rate).init(),
            fc: LinearConfig::new(1600, 10).with_initializer(init).init(device),
        }
    }
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(relu(self.conv1.forward(x)));
        let x = self.pool.forward(relu(self.conv2.forward(x)));
        self.fc.forward(self.dropout.forward(x.flatten(1, 3)))
    }
}

/// Two stacked LSTM(128) over 28 steps of 28 features, then Dense(10): burn's own `Lstm`.
#[derive(Module, Debug)]
struct BurnLstm {
    lstm1: Lstm,
    lstm2: Lstm,
    fc: Linear,
}

impl BurnLstm {
    fn new(device: &Device) -> Self {
        BurnLstm {
            lstm1: LstmConfig::new(28, 128, true).init(device),
            lstm2: LstmConfig::new(128, 128, true).init(device),
            fc: LinearConfig::new(128, 10).init(device),
        }
    }
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let (seq, _) = self.lstm1.forward(x, None);
        let (_, state) = self.lstm2.forward(seq, None);
        self.fc.forward(state.hidden)
    }
}

/// The 784-512-512-10 MLP.
#[derive(Module, Debug)]
struct BurnMlp {
    l1: Linear,
    l2: Linear,
    l3: Linear,
}

impl BurnMlp {
    fn new(device: &Device) -> Self {
        let lin =
            |i, o| LinearConfig::new(i, o).with_initializer(Initializer::XavierUniform { gain: 1.0 }).init(device);
        BurnMlp { l1: lin(784, 512), l2: lin(512, 512), l3: lin(512, 10) }
    }
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.l3.forward(relu(self.l2.forward(relu(self.l1.forward(x)))))
    }
}

/// Copies a result to the host as `predict` does (on wgpu `into_data()` alone may not wait).
fn host_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().expect("f32 data")
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn time_ms(steps: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..env_usize("WARMUP", 3) {
        f();
    }
    let start = Instant::now();
    for _ in 0..steps {
        f();
    }
    start.elapsed().as_secs_f64() * 1000.0 / steps as f64
}

fn data(shape: &[usize]) -> (ArrayD<f32>, Array1<f32>) {
    let n: usize = shape.iter().product();
    let x = ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| ((i * 7919) % 255) as f32 / 255.0).collect()).unwrap();
    let y = Array1::from_shape_fn(shape[0], |i| (i % 10) as f32);
    (x, y)
}

struct Row {
    name: &'static str,
    batch: usize,
    keras_ms: f64,
    burn_ms: f64,
}

fn report(rows: &[Row]) {
    println!("\nbackend: {}", keras_rs::backends::backend_name());
    println!(
        "| workload | batch | keras-rs ms | burn ms | keras-rs samples/s | burn samples/s | ratio (keras-rs / burn time) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for r in rows {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.3} |",
            r.name,
            r.batch,
            r.keras_ms,
            r.burn_ms,
            r.batch as f64 * 1000.0 / r.keras_ms,
            r.batch as f64 * 1000.0 / r.burn_ms,
            r.keras_ms / r.burn_ms
        );
    }
}

fn main() -> keras_rs::Result<()> {
    for pass in 1..=env_usize("REPEAT", 1) {
        if pass > 1 {
            println!("\npass {pass}:");
        }
        report(&suite(env_usize("STEPS", 20))?);
    }
    Ok(())
}

/// The convnet (Dropout `rate` before the classifier) with keras-rs and with burn: train and
/// inference times in ms as (keras-rs train, keras-rs inference, burn train, burn inference).
fn convnet_ms(steps: usize, rate: f64, device: &Device) -> keras_rs::Result<(f64, f64, f64, f64)> {
    let ad = device.clone().autodiff();
    let batch = 128;
    let (x, y) = data(&[batch, 28, 28, 1]);
    let mut model = models::convnet(Sequential::new().seed(1), rate as f32);
    model.compile(Adam::new(), "sparse_categorical_crossentropy", NO_METRICS)?;
    let keras_train = time_ms(steps, || {
        model.train_on_batch(&x, &y).unwrap();
    });
    let keras_infer = time_ms(steps, || {
        model.predict_on_batch(&x).unwrap();
    });

    let host: Vec<f32> = x.iter().copied().collect();
    let labels: Vec<i64> = y.iter().map(|v| *v as i64).collect();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let mut net = BurnConvnet::new(&ad, rate);
    let mut optim = AdamConfig::new().with_epsilon(1e-7).init();
    let burn_train = time_ms(steps, || {
        // NHWC host data, as keras-rs receives it, uploaded and made NCHW.
        let xb = Tensor::<4>::from_data(TensorData::new(host.clone(), [batch, 28, 28, 1]), &ad).permute([0, 3, 1, 2]);
        let yb = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [batch]), &ad);
        let loss = loss_fn.forward(net.forward(xb), yb);
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        let _ = loss.into_scalar::<f32>(); // the loss value, read as keras-rs reads it
        net = optim.step(1e-3, net.clone(), grads);
    });
    let valid = net.valid();
    let burn_infer = time_ms(steps, || {
        let xb =
            Tensor::<4>::from_data(TensorData::new(host.clone(), [batch, 28, 28, 1]), device).permute([0, 3, 1, 2]);
        let _ = host_vec(burn::tensor::activation::softmax(valid.forward(xb), 1));
    });
    Ok((keras_train, keras_infer, burn_train, burn_infer))
}

fn suite(steps: usize) -> keras_rs::Result<Vec<Row>> {
    let device = keras_rs::backends::default_device();
    let ad = device.clone().autodiff();
    let mut rows = Vec::new();

    // ---- convnet, batch 128 ----
    let batch = 128;
    let (keras_train, keras_infer, burn_train, burn_infer) = convnet_ms(steps, 0.5, &device)?;
    if env_usize("DIAG", 0) > 0 {
        let (k, _, b, _) = convnet_ms(steps, 0.0, &device)?;
        println!("diag: convnet train step without Dropout: keras-rs {k:.2} ms, burn {b:.2} ms, ratio {:.3}", k / b);
    }
    rows.push(Row { name: "convnet train step", batch, keras_ms: keras_train, burn_ms: burn_train });
    rows.push(Row { name: "convnet inference", batch, keras_ms: keras_infer, burn_ms: burn_infer });

    // ---- MLP 784-512-512-10, batch 128 ----
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let (x, y) = data(&[batch, 784]);
    let labels: Vec<i64> = y.iter().map(|v| *v as i64).collect();
    let mut model = models::mlp(Sequential::new().seed(1));
    model.compile(Adam::new(), "sparse_categorical_crossentropy", NO_METRICS)?;
    let keras_train = time_ms(steps * 5, || {
        model.train_on_batch(&x, &y).unwrap();
    });
    let keras_infer = time_ms(steps * 5, || {
        model.predict_on_batch(&x).unwrap();
    });
    let host: Vec<f32> = x.iter().copied().collect();
    if env_usize("DIAG", 0) > 0 {
        // On wgpu, `into_data()` can return before the values reach the host (lazy storage): a
        // fair timing copies them into a Vec, as `predict` must.
        let upload = || keras_rs::backend::DynTensor::from_data(host.clone(), &[batch, 784], &device).unwrap();
        let lazy = time_ms(steps * 5, || {
            let _ = model.predict_tensors(vec![upload()]).unwrap().remove(0).into_rank::<2>("y").unwrap().into_data();
        });
        let copied = time_ms(steps * 5, || {
            let _ = model.predict_tensors(vec![upload()]).unwrap().remove(0).into_vec().unwrap();
        });
        println!("diag: keras-rs MLP forward read with into_data(): {lazy:.2} ms, copied to a Vec: {copied:.2} ms");
    }
    let mut mlp = BurnMlp::new(&ad);
    let mut optim = AdamConfig::new().with_epsilon(1e-7).init();
    let burn_train = time_ms(steps * 5, || {
        let xb = Tensor::<2>::from_data(TensorData::new(host.clone(), [batch, 784]), &ad);
        let yb = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [batch]), &ad);
        let loss = loss_fn.forward(mlp.forward(xb), yb);
        let grads = GradientsParams::from_grads(loss.backward(), &mlp);
        let _ = loss.into_scalar::<f32>(); // the loss value, read as keras-rs reads it
        mlp = optim.step(1e-3, mlp.clone(), grads);
    });
    let valid = mlp.valid();
    let burn_infer = time_ms(steps * 5, || {
        let xb = Tensor::<2>::from_data(TensorData::new(host.clone(), [batch, 784]), &device);
        let _ = host_vec(burn::tensor::activation::softmax(valid.forward(xb), 1));
    });
    rows.push(Row { name: "MLP 784-512-512-10 train step", batch, keras_ms: keras_train, burn_ms: burn_train });
    rows.push(Row { name: "MLP 784-512-512-10 inference", batch, keras_ms: keras_infer, burn_ms: burn_infer });

    // ---- 2-layer LSTM(128) over 28x28, batch 64 ----
    let batch = 64;
    let (x, y) = data(&[batch, 28, 28]);
    let mut model = models::lstm(Sequential::new().seed(1));
    model.compile(Adam::new(), "sparse_categorical_crossentropy", NO_METRICS)?;
    let keras_train = time_ms(steps, || {
        model.train_on_batch(&x, &y).unwrap();
    });
    let keras_infer = time_ms(steps, || {
        model.predict_on_batch(&x).unwrap();
    });
    let host: Vec<f32> = x.iter().copied().collect();
    let labels: Vec<i64> = y.iter().map(|v| *v as i64).collect();
    let mut net = BurnLstm::new(&ad);
    let mut optim = AdamConfig::new().with_epsilon(1e-7).init();
    let burn_train = time_ms(steps, || {
        let xb = Tensor::<3>::from_data(TensorData::new(host.clone(), [batch, 28, 28]), &ad);
        let yb = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [batch]), &ad);
        let loss = loss_fn.forward(net.forward(xb), yb);
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        let _ = loss.into_scalar::<f32>(); // the loss value, read as keras-rs reads it
        net = optim.step(1e-3, net.clone(), grads);
    });
    let valid = net.valid();
    let burn_infer = time_ms(steps, || {
        let xb = Tensor::<3>::from_data(TensorData::new(host.clone(), [batch, 28, 28]), &device);
        let _ = host_vec(burn::tensor::activation::softmax(valid.forward(xb), 1));
    });
    rows.push(Row { name: "2-layer LSTM(128) train step", batch, keras_ms: keras_train, burn_ms: burn_train });
    rows.push(Row { name: "2-layer LSTM(128) inference", batch, keras_ms: keras_infer, burn_ms: burn_infer });
    Ok(rows)
}
