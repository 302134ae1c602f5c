//! A whole LSTM sequence as one op, with backpropagation through time in one backward step.
//!
//! Per time step a layer built from tensor ops records a dozen autodiff nodes (gate slices,
//! three sigmoids, two tanh, products) and a `[x_t, h] @ [W; U]` matmul. Here the input
//! projection `x W + b` is one matmul over all steps (done by the caller, through autodiff),
//! and this op runs the recurrence: per step only `h U` and one fused cell pass; backward per
//! step one fused cell pass and `dz Uᵀ`, then `dU` as one matmul over all steps.

use burn::backend::Backend;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;

/// What the backward pass keeps of the forward pass.
#[derive(Clone, Debug)]
pub struct LstmTape<B: Backend> {
    /// Per sample and step, `(batch, steps, 7u)`: the activated gates i, f, g, o (`4u`), the
    /// cell state entering the step (`u`), `tanh` of the new cell state (`u`) and the hidden
    /// state entering the step (`u`).
    pub record: FloatTensor<B>,
    /// The recurrent kernel `U`: `(u, 4u)`.
    pub recurrent_kernel: FloatTensor<B>,
}

/// The recurrence on a concrete backend (burn-flex), called by the `Autodiff` implementation.
pub trait LstmKernels: Backend {
    /// Runs the sequence: `x_proj` `(batch, steps, 4u)` is `x W + b`, gates in Keras' order
    /// i, f, c, o with `sigmoid` gates and `tanh` activations. Returns `(batch, steps + 1, u)`:
    /// `h_1 .. h_T`, then `c_T`; and, when `tape` is set, what the backward pass needs.
    fn lstm_forward(
        x_proj: FloatTensor<Self>,
        recurrent_kernel: FloatTensor<Self>,
        h0: FloatTensor<Self>,
        c0: FloatTensor<Self>,
        tape: bool,
    ) -> (FloatTensor<Self>, Option<LstmTape<Self>>);

    /// Gradients of `x_proj`, the recurrent kernel, `h0` and `c0` from the gradient of the
    /// forward output.
    fn lstm_backward(
        tape: LstmTape<Self>,
        grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

#[derive(Debug)]
struct LstmBackward;

impl<B: LstmKernels> Backward<B, 4> for LstmBackward {
    type State = LstmTape<B>;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let (dx, du, dh0, dc0) = B::lstm_backward(ops.state, grad);
        for (parent, g) in ops.parents.into_iter().zip([dx, du, dh0, dc0]) {
            if let Some(node) = parent {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// The `Autodiff` body of `keras_lstm`: records one node for the whole sequence.
pub(super) fn lstm_autodiff<B: LstmKernels, C: CheckpointStrategy>(
    x_proj: FloatTensor<Autodiff<B, C>>,
    recurrent_kernel: FloatTensor<Autodiff<B, C>>,
    h0: FloatTensor<Autodiff<B, C>>,
    c0: FloatTensor<Autodiff<B, C>>,
) -> FloatTensor<Autodiff<B, C>> {
    let nodes = [x_proj.node(), recurrent_kernel.node(), h0.node(), c0.node()];
    let primitives =
        (x_proj.into_primitive(), recurrent_kernel.into_primitive(), h0.into_primitive(), c0.into_primitive());
    match LstmBackward.prepare::<C>(nodes).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let (out, tape) = B::lstm_forward(primitives.0, primitives.1, primitives.2, primitives.3, true);
            prep.finish(tape.expect("a tape was asked for"), out)
        }
        OpsKind::UnTracked(prep) => {
            prep.finish(B::lstm_forward(primitives.0, primitives.1, primitives.2, primitives.3, false).0)
        }
    }
}
