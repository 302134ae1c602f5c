//! Training steps written by hand — Keras' `GradientTape` pattern: a forward pass that records
//! gradients ([`Tape`]), the gradient of any loss you compute, and the optimizer's update.
//! Use them in a loop of your own, or as `fit`'s step with
//! [`FitOptions::train_step`](super::FitOptions::train_step) to keep `fit`'s epochs, callbacks
//! and progress bar.

use burn::tensor::Tensor;

use super::fit::Trainable;
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::CallContext;

/// The record of one forward pass with gradients (Keras' `tf.GradientTape` around
/// `model(x, training=True)`): the weights as autodiff leaves and the non-trainable updates
/// (BatchNormalization's moving statistics) the pass asked for.
pub struct Tape {
    params: Vec<Tensor<1>>,
    trainable: Vec<usize>,
    updates: Vec<(usize, Tensor<1>)>,
}

/// The gradient of a loss for each trainable weight, in `model.trainable_variables` order
/// (`None` for a weight the loss does not depend on).
pub struct Gradients(pub Vec<Option<Tensor<1>>>);

impl Tape {
    /// The gradient of `loss` (a one-element tensor computed from the pass' outputs) with
    /// respect to every trainable weight (Keras' `tape.gradient(loss, model.trainable_weights)`).
    pub fn gradient(&self, loss: &Tensor<1>) -> Result<Gradients> {
        if !loss.is_tracked() {
            return Err(Error::value(
                "The loss does not depend on the model's trainable weights: compute it from the outputs of \
                 `forward_tape` (with `training` set as needed), not from detached values.",
            ));
        }
        let mut grads = loss.clone().backward();
        Ok(Gradients(self.trainable.iter().map(|&i| self.params[i].grad_remove(&mut grads)).collect()))
    }
}

/// What a custom step can do with the model: the two halves of a training step.
pub trait StepModel {
    /// Runs the model on device tensors (one per input) recording gradients; `training`
    /// switches dropout and batch statistics on.
    fn forward_tape(&mut self, x: Vec<DynTensor>, training: bool) -> Result<(Vec<DynTensor>, Tape)>;
    /// Applies `gradients` with the compiled optimizer (one update, `iterations += 1`) and the
    /// tape's non-trainable updates (Keras' `optimizer.apply_gradients(zip(grads, weights))`).
    fn apply_gradients(&mut self, tape: Tape, gradients: Gradients) -> Result<()>;
}

impl<M: Trainable> StepModel for M {
    fn forward_tape(&mut self, x: Vec<DynTensor>, training: bool) -> Result<(Vec<DynTensor>, Tape)> {
        forward_tape(self, x, training)
    }
    fn apply_gradients(&mut self, tape: Tape, gradients: Gradients) -> Result<()> {
        apply_gradients(self, tape, gradients)
    }
}

/// `forward_tape` for any model.
pub(crate) fn forward_tape<M: Trainable>(
    m: &mut M,
    x: Vec<DynTensor>,
    training: bool,
) -> Result<(Vec<DynTensor>, Tape)> {
    let (network, rng, _) = m.parts();
    let (trainable, params) = super::engine::gradient_leaves(network);
    let device = network.device.clone();
    let mut ctx = CallContext::new(training, rng, &device);
    let outputs = network.forward_all(x, &params, &mut ctx)?;
    let updates = std::mem::take(&mut ctx.updates);
    Ok((outputs, Tape { params, trainable, updates }))
}

/// `apply_gradients` for any model.
pub(crate) fn apply_gradients<M: Trainable>(m: &mut M, tape: Tape, gradients: Gradients) -> Result<()> {
    let (network, _, compiled) = m.parts();
    let c =
        compiled.as_mut().ok_or_else(|| Error::State("You must call `compile()` first (for the optimizer).".into()))?;
    if gradients.0.len() != tape.trainable.len() {
        return Err(Error::value(format!(
            "Expected {} gradients (one per trainable weight), received {}.",
            tape.trainable.len(),
            gradients.0.len()
        )));
    }
    super::engine::apply_gradients(network, c.optimizer.as_ref(), &mut c.state, &tape.trainable, gradients.0)?;
    network.apply_updates(tape.updates);
    Ok(())
}

/// A training step for `fit` (Keras' overridden `train_step`): given the model, the batch's
/// inputs and its targets (`[rows, columns]`, one per output with a loss), it runs forward,
/// computes a loss, applies gradients, and returns the values to log (one-element tensors,
/// read only when shown). As in Keras, the epoch's logs are the last step's values.
pub type TrainStep =
    Box<dyn FnMut(&mut dyn StepModel, Vec<DynTensor>, Vec<Tensor<2>>) -> Result<Vec<(String, Tensor<1>)>> + Send>;
