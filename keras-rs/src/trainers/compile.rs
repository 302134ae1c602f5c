//! `compile`'s arguments for models with several outputs: a loss, loss weight and metrics per
//! output, given for all outputs, as a list in output order, or by output name.

use crate::error::{Error, Result};
use crate::losses::{Loss, LossSpec};
use crate::metrics::{self, MetricSpec};

/// A metric spec's name for messages.
fn metric_name(spec: &MetricSpec) -> String {
    match spec {
        MetricSpec::Name(n) => n.clone(),
        MetricSpec::Metric(m) => m.name(),
    }
}

/// Keras' `compile(loss=..., loss_weights=..., metrics=...)` for any model. Each argument is
/// one value for every output, a list in the model's output order, or a map by output name
/// (an output missing from a loss map has no loss, as `None` in a list).
///
/// ```
/// use keras_rs::prelude::*;
/// let opts = CompileOptions::new()
///     .loss_for("priority", BinaryCrossentropy::new().from_logits(true))
///     .loss_for("department", CategoricalCrossentropy::new().from_logits(true))
///     .loss_weight("priority", 1.0)
///     .loss_weight("department", 0.2)
///     .metrics_for("department", &["accuracy"]);
/// let names = vec!["priority".to_string(), "department".to_string()];
/// let (losses, weights, metrics) = opts.resolve(&names).unwrap();
/// assert!(losses.iter().all(Option::is_some));
/// assert_eq!(weights, vec![1.0, 0.2]);
/// assert_eq!((metrics[0].len(), metrics[1].len()), (0, 1));
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CompileOptions {
    loss: PerOutput<Option<LossSpec>>,
    loss_weights: PerOutput<f64>,
    metrics: PerOutput<Vec<MetricSpec>>,
}

/// One argument of `compile`: unset, the same for all outputs, a list, or by name.
#[derive(Clone, Debug, Default)]
enum PerOutput<T> {
    #[default]
    Unset,
    All(T),
    List(Vec<T>),
    Named(Vec<(String, T)>),
}

impl<T: Clone> PerOutput<T> {
    fn named(&mut self, name: &str, value: T) {
        match self {
            PerOutput::Named(pairs) => pairs.push((name.to_string(), value)),
            _ => *self = PerOutput::Named(vec![(name.to_string(), value)]),
        }
    }

    /// One value per output; `absent` for outputs a map leaves out.
    fn resolve(self, names: &[String], arg: &str, absent: T, unset: T) -> Result<Vec<T>> {
        match self {
            PerOutput::Unset => Ok(vec![unset; names.len()]),
            PerOutput::All(v) => Ok(vec![v; names.len()]),
            PerOutput::List(list) if list.len() == names.len() => Ok(list),
            PerOutput::List(list) => Err(Error::value(format!(
                "When passing a list as `{arg}`, it should have one entry per model output. The model has {} \
                 outputs ({}), but you passed {arg} with {} entries.",
                names.len(),
                names.join(", "),
                list.len()
            ))),
            PerOutput::Named(pairs) => {
                if let Some((unknown, _)) = pairs.iter().find(|(n, _)| !names.contains(n)) {
                    return Err(Error::value(format!(
                        "In the dict argument `{arg}`, key '{unknown}' does not correspond to any model output. \
                         Received: {arg}={:?}; the model's outputs are {names:?}.",
                        pairs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
                    )));
                }
                Ok(names
                    .iter()
                    .map(|n| {
                        pairs.iter().rev().find(|(k, _)| k == n).map_or_else(|| absent.clone(), |(_, v)| v.clone())
                    })
                    .collect())
            }
        }
    }
}

impl CompileOptions {
    /// No loss yet, loss weights 1, no metrics.
    pub fn new() -> Self {
        Self::default()
    }
    /// One loss for every output (Keras: `loss="mse"`).
    pub fn loss(mut self, loss: impl Into<LossSpec>) -> Self {
        self.loss = PerOutput::All(Some(loss.into()));
        self
    }
    /// A loss per output in the model's output order; `None` leaves an output untrained.
    pub fn losses(mut self, losses: Vec<Option<LossSpec>>) -> Self {
        self.loss = PerOutput::List(losses);
        self
    }
    /// The loss of the output called `output` (Keras: `loss={"priority": ...}`).
    pub fn loss_for(mut self, output: &str, loss: impl Into<LossSpec>) -> Self {
        self.loss.named(output, Some(loss.into()));
        self
    }
    /// Loss weights in the model's output order (Keras' `loss_weights=[1.0, 0.2]`).
    pub fn loss_weights(mut self, weights: &[f64]) -> Self {
        self.loss_weights = PerOutput::List(weights.to_vec());
        self
    }
    /// The weight of one output's loss in the total (default 1).
    pub fn loss_weight(mut self, output: &str, weight: f64) -> Self {
        self.loss_weights.named(output, weight);
        self
    }
    /// The metrics of a single-output model (Keras' flat `metrics=[...]`; like Keras, refused for
    /// a model with several outputs: use [`CompileOptions::metrics_for`] there).
    pub fn metrics<M: Into<MetricSpec> + Clone>(mut self, metrics: &[M]) -> Self {
        self.metrics = PerOutput::All(metrics.iter().cloned().map(Into::into).collect());
        self
    }
    /// The metrics of the output called `output` (Keras: `metrics={"department": ["accuracy"]}`).
    pub fn metrics_for<M: Into<MetricSpec> + Clone>(mut self, output: &str, metrics: &[M]) -> Self {
        self.metrics.named(output, metrics.iter().cloned().map(Into::into).collect());
        self
    }

    /// Per output (in `output_names` order): the loss, its weight and the metric specs.
    #[allow(clippy::type_complexity)]
    pub fn resolve(
        self,
        output_names: &[String],
    ) -> Result<(Vec<Option<Box<dyn Loss>>>, Vec<f64>, Vec<Vec<MetricSpec>>)> {
        let losses = self.loss.resolve(output_names, "loss", None, None)?;
        let losses = losses.into_iter().map(|l| l.map(LossSpec::resolve).transpose()).collect::<Result<Vec<_>>>()?;
        if losses.iter().all(Option::is_none) {
            return Err(Error::value("`compile` needs a loss for at least one output. Received: loss=None"));
        }
        let weights = self.loss_weights.resolve(output_names, "loss_weights", 1.0, 1.0)?;
        if let PerOutput::All(specs) = &self.metrics
            && !specs.is_empty()
            && output_names.len() > 1
        {
            // Keras 3 refuses a flat metric list for a model with several outputs.
            return Err(Error::value(format!(
                "Invalid `metrics`. `metrics` should either be given per output (`metrics_for(name, ..)`, Keras' \
                 dict) for the model's outputs {output_names:?}, or be used with a single-output model. Received: \
                 metrics={:?}",
                specs.iter().map(metric_name).collect::<Vec<_>>()
            )));
        }
        let metrics = self.metrics.resolve(output_names, "metrics", Vec::new(), Vec::new())?;
        for (name, (specs, loss)) in output_names.iter().zip(metrics.iter().zip(&losses)) {
            for spec in specs {
                metrics::validate(spec)?;
            }
            if !specs.is_empty() && loss.is_none() {
                return Err(Error::value(format!(
                    "Output '{name}' has metrics but no loss: keras-rs computes metrics on the targets of trained \
                     outputs. Give it a loss (a zero `loss_weight` keeps it out of training)."
                )));
            }
        }
        Ok((losses, weights, metrics))
    }
}
