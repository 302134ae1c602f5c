//! One training step, one evaluation pass, and the running means Keras reports.

use burn::tensor::Tensor;
use ndarray::ArrayD;

use super::data::{Data, batches, gather};
use super::progbar::Progbar;
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::CallContext;
use crate::losses::Loss;
use crate::metrics::Metric;
use crate::models::Network;
use crate::optimizers::{Optimizer, OptimizerState};
use crate::random::SeedGenerator;
use crate::shape::format_dims;

/// What `compile` stores: optimizer (with its state), loss and metric specs.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The optimizer.
    pub optimizer: Box<dyn Optimizer>,
    /// Its iterations and slots.
    pub state: OptimizerState,
    /// The loss.
    pub loss: Box<dyn Loss>,
    /// The metrics as given to `compile`, resolved against the data in `fit`/`evaluate`.
    pub metrics: Vec<crate::metrics::MetricSpec>,
}

/// A Keras `Mean` metric: `total += value`, `count += weight`; result `total / count` in float32.
/// The total stays on the device, so no step waits for it.
#[derive(Default)]
pub struct MeanAcc {
    total: Option<Tensor<1>>,
    count: f64,
}

impl MeanAcc {
    fn add(&mut self, value: Tensor<1>, weight: f64) {
        self.total = Some(match self.total.take() {
            Some(t) => t + value,
            None => value,
        });
        self.count += weight;
    }

    fn result(&self) -> f64 {
        match &self.total {
            Some(t) => (t.clone().into_scalar::<f32>() / self.count as f32) as f64,
            None => 0.0,
        }
    }
}

/// The loss and metric means of one epoch (or one `evaluate`).
pub struct Accumulators {
    loss: MeanAcc,
    metrics: Vec<(String, MeanAcc)>,
}

impl Accumulators {
    /// Fresh means for the loss and the named metrics.
    pub fn new(metrics: &[(String, Box<dyn Metric>)]) -> Self {
        Accumulators {
            loss: MeanAcc::default(),
            metrics: metrics.iter().map(|(n, _)| (n.clone(), MeanAcc::default())).collect(),
        }
    }

    /// Reads the current values (a device sync), sorted by name as Keras logs are.
    pub fn results(&self) -> Vec<(String, f64)> {
        let mut out = vec![("loss".to_string(), self.loss.result())];
        out.extend(self.metrics.iter().map(|(n, m)| (n.clone(), m.result())));
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn update(
        &mut self,
        loss: Tensor<1>,
        samples: usize,
        y: Tensor<2>,
        pred: Tensor<2>,
        metrics: &[(String, Box<dyn Metric>)],
    ) {
        self.loss.add(loss.mul_scalar(samples as f32), samples as f64);
        let rows = pred.dims()[0] as f64;
        for ((_, acc), (_, m)) in self.metrics.iter_mut().zip(metrics) {
            acc.add(m.per_row(y.clone(), pred.clone()).sum(), rows);
        }
    }
}

/// Targets of samples `idx` as `[rows, cols]`.
pub fn target_batch(y: &ArrayD<f32>, idx: &[usize], cols: usize, device: &burn::tensor::Device) -> Result<Tensor<2>> {
    let t = gather(y, idx, device)?;
    let n: usize = t.dims().iter().product();
    t.reshape(&[n / cols, cols])?.into_rank::<2>("targets")
}

fn check_rows(pred: &Tensor<2>, y: &Tensor<2>, loss: &dyn Loss) -> Result<()> {
    if pred.dims()[0] != y.dims()[0] {
        return Err(Error::shape(format!(
            "The targets do not match the model output for `{}`: {} target rows for {} output rows {}.",
            loss.name(),
            y.dims()[0],
            pred.dims()[0],
            format_dims(&pred.dims())
        )));
    }
    Ok(())
}

/// One training step (Keras' `train_step`): forward with autodiff leaves for the trainable
/// variables, loss, backward, optimizer update; the batch loss and metrics go to `acc`.
pub fn train_step(
    network: &mut Network,
    rng: &mut SeedGenerator,
    compiled: &mut Compiled,
    metrics: &[(String, Box<dyn Metric>)],
    x: DynTensor,
    y: Tensor<2>,
    acc: &mut Accumulators,
) -> Result<()> {
    let samples = x.dims()[0];
    let device = network.device.clone();
    let trainable: Vec<usize> = (0..network.variables.len()).filter(|&i| network.variables[i].trainable).collect();
    let params: Vec<Tensor<1>> = network
        .variables
        .iter()
        .map(|v| if v.trainable { v.value.clone().autodiff().require_grad() } else { v.value.clone() })
        .collect();
    let mut ctx = CallContext::new(true, rng, &device);
    let pred = network.forward(x, &params, &mut ctx)?.into_rows();
    let updates = std::mem::take(&mut ctx.updates);
    check_rows(&pred, &y, compiled.loss.as_ref())?;
    let loss = compiled.loss.call(y.clone(), pred.clone());
    if !trainable.is_empty() && loss.is_tracked() {
        let mut grads = loss.backward();
        let gradients: Vec<Option<Tensor<1>>> = trainable.iter().map(|&i| params[i].grad_remove(&mut grads)).collect();
        let mut values: Vec<Tensor<1>> = trainable.iter().map(|&i| network.variables[i].value.clone()).collect();
        compiled.state.apply(compiled.optimizer.as_ref(), &mut values, gradients);
        for (value, &i) in values.into_iter().zip(&trainable) {
            network.variables[i].value = value;
        }
    }
    network.apply_updates(updates);
    acc.update(loss.inner(), samples, y, pred.inner(), metrics);
    Ok(())
}

/// The model's outputs for `x` in inference mode.
pub fn infer(network: &Network, x: DynTensor) -> Result<DynTensor> {
    let mut rng = SeedGenerator::new(0);
    let device = network.device.clone();
    let mut ctx = CallContext::new(false, &mut rng, &device);
    network.forward(x, &network.values(), &mut ctx)
}

/// Loss and metrics over `data` in inference mode (Keras' `evaluate`), batch-size-weighted.
pub fn evaluate_data(
    network: &Network,
    compiled: &Compiled,
    metrics: &[(String, Box<dyn Metric>)],
    data: &Data,
    cols: usize,
    batch_size: usize,
    mut progbar: Option<&mut Progbar>,
) -> Result<Vec<(String, f64)>> {
    let mut acc = Accumulators::new(metrics);
    let order: Vec<usize> = (0..data.len()).collect();
    for (step, idx) in batches(&order, batch_size).enumerate() {
        let x = gather(&data.x, idx, &network.device)?;
        let y = target_batch(&data.y, idx, cols, &network.device)?;
        let pred = infer(network, x)?.into_rows();
        check_rows(&pred, &y, compiled.loss.as_ref())?;
        let loss = compiled.loss.call(y.clone(), pred.clone());
        acc.update(loss, idx.len(), y, pred, metrics);
        if let Some(bar) = progbar.as_deref_mut() {
            bar.step(step + 1, || acc.results());
        }
    }
    Ok(acc.results())
}
