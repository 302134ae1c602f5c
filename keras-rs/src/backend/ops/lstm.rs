//! A whole LSTM sequence as one op, with backpropagation through time in one backward step.
//!
//! Per time step a layer built from tensor ops records a dozen autodiff nodes (gate slices,
//! three sigmoids, two tanh, products) and a `[x_t, h] @ [W; U]` matmul. Here one op runs the
//! whole sequence: per step `x_t W + h U` as two matmuls into one buffer and one fused cell pass
//! (bias, gates, state); the input projection is never stored for the whole sequence. Backward:
//! per step one fused cell pass and `dz Uᵀ`, then `dU`, `dW`, `db` and `dx` as one matmul (or
//! sum) each over all steps.

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
    /// The layer's input `x`: `(batch, steps, features)`.
    pub x: FloatTensor<B>,
    /// The input kernel `W`: `(features, 4u)`.
    pub kernel: FloatTensor<B>,
    /// The recurrent kernel `U`: `(u, 4u)`.
    pub recurrent_kernel: FloatTensor<B>,
}

/// The gradients [`LstmKernels::lstm_backward`] returns, one per input of the forward op.
#[derive(Debug)]
pub struct LstmGrads<B: Backend> {
    /// Of `x`: `(batch, steps, features)`.
    pub x: FloatTensor<B>,
    /// Of `W`: `(features, 4u)`.
    pub kernel: FloatTensor<B>,
    /// Of `b`: `(4u,)`.
    pub bias: FloatTensor<B>,
    /// Of `U`: `(u, 4u)`.
    pub recurrent_kernel: FloatTensor<B>,
    /// Of `h0`: `(batch, u)`.
    pub h0: FloatTensor<B>,
    /// Of `c0`: `(batch, u)`.
    pub c0: FloatTensor<B>,
}

/// The recurrence on a concrete backend (burn-flex), called by the `Autodiff` implementation.
pub trait LstmKernels: Backend {
    /// Runs the sequence: `x` `(batch, steps, features)`, kernel `W` `(features, 4u)`, bias `b`
    /// `(4u,)`, recurrent kernel `U` `(u, 4u)`, gates in Keras' order i, f, c, o with `sigmoid`
    /// gates and `tanh` activations. Returns `(batch·steps·u + batch·u,)`: `h_1 .. h_T` as
    /// `(batch, steps, u)`, then `c_T` as `(batch, u)`; and, when `tape` is set, what the
    /// backward pass needs.
    #[allow(clippy::too_many_arguments)]
    fn lstm_forward(
        x: FloatTensor<Self>,
        kernel: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        recurrent_kernel: FloatTensor<Self>,
        h0: FloatTensor<Self>,
        c0: FloatTensor<Self>,
        tape: bool,
    ) -> (FloatTensor<Self>, Option<LstmTape<Self>>);

    /// The gradients of the forward op's inputs from the gradient of its output.
    fn lstm_backward(tape: LstmTape<Self>, grad: FloatTensor<Self>) -> LstmGrads<Self>;
}

#[derive(Debug)]
struct LstmBackward;

impl<B: LstmKernels> Backward<B, 6> for LstmBackward {
    type State = LstmTape<B>;

    fn backward(self, ops: Ops<Self::State, 6>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let g = B::lstm_backward(ops.state, grad);
        for (parent, g) in ops.parents.into_iter().zip([g.x, g.kernel, g.bias, g.recurrent_kernel, g.h0, g.c0]) {
            if let Some(node) = parent {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// The `Autodiff` body of `keras_lstm`: records one node for the whole sequence.
pub(super) fn lstm_autodiff<B: LstmKernels, C: CheckpointStrategy>(
    inputs: [FloatTensor<Autodiff<B, C>>; 6],
) -> FloatTensor<Autodiff<B, C>> {
    let nodes = inputs.each_ref().map(|t| t.node());
    let [x, kernel, bias, recurrent_kernel, h0, c0] = inputs.map(|t| t.into_primitive());
    match LstmBackward.prepare::<C>(nodes).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let (out, tape) = B::lstm_forward(x, kernel, bias, recurrent_kernel, h0, c0, true);
            prep.finish(tape.expect("a tape was asked for"), out)
        }
        OpsKind::UnTracked(prep) => prep.finish(B::lstm_forward(x, kernel, bias, recurrent_kernel, h0, c0, false).0),
    }
}
