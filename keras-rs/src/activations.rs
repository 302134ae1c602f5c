//! Activations by Keras name (`keras.activations`), with Keras 3's definitions and defaults.

use burn::tensor::{Tensor, activation as act};

use crate::error::{Error, Result};

/// A Keras activation function.
///
/// ```
/// use keras_rs::activations::Activation;
/// assert_eq!(Activation::get("relu").unwrap(), Activation::Relu);
/// assert_eq!(Activation::get("silu").unwrap().name(), "silu");
/// assert!(Activation::get("rleu").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Activation {
    /// `linear` (identity; also `None` in Keras).
    Linear,
    /// `relu`: `max(x, 0)`.
    Relu,
    /// `relu6`: `min(max(x, 0), 6)`.
    Relu6,
    /// `sigmoid`: `1 / (1 + exp(-x))`.
    Sigmoid,
    /// `tanh`.
    Tanh,
    /// `softmax` over the last axis.
    Softmax,
    /// `log_softmax` over the last axis.
    LogSoftmax,
    /// `gelu`, exact (erf) form: Keras' default `approximate=False`.
    Gelu,
    /// `elu` with `alpha=1.0`.
    Elu,
    /// `selu`.
    Selu,
    /// `softplus`: `log(1 + exp(x))`.
    Softplus,
    /// `softsign`: `x / (1 + |x|)`.
    Softsign,
    /// `silu` (`swish`): `x * sigmoid(x)`.
    Silu,
    /// `leaky_relu` with Keras' `negative_slope=0.2`.
    LeakyRelu,
    /// `hard_sigmoid` as Keras 3 defines it: `relu6(x + 3) / 6`.
    HardSigmoid,
    /// `hard_silu` (`hard_swish`): `x * hard_sigmoid(x)`.
    HardSilu,
    /// `exponential`: `exp(x)`.
    Exponential,
    /// `mish`: `x * tanh(softplus(x))`.
    Mish,
}

/// The activation registry: each activation with its Keras name first, then the other names
/// Keras accepts for it. [`Activation::get`], [`Activation::name`], [`Activation::ALL`] and the
/// "Known activations" message all come from this one list.
const ACTIVATIONS: [(Activation, &[&str]); 18] = [
    (Activation::Linear, &["linear", "", "None"]),
    (Activation::Relu, &["relu"]),
    (Activation::Relu6, &["relu6"]),
    (Activation::Sigmoid, &["sigmoid"]),
    (Activation::Tanh, &["tanh"]),
    (Activation::Softmax, &["softmax"]),
    (Activation::LogSoftmax, &["log_softmax"]),
    (Activation::Gelu, &["gelu"]),
    (Activation::Elu, &["elu"]),
    (Activation::Selu, &["selu"]),
    (Activation::Softplus, &["softplus"]),
    (Activation::Softsign, &["softsign"]),
    (Activation::Silu, &["silu", "swish"]),
    (Activation::LeakyRelu, &["leaky_relu"]),
    (Activation::HardSigmoid, &["hard_sigmoid"]),
    (Activation::HardSilu, &["hard_silu", "hard_swish"]),
    (Activation::Exponential, &["exponential"]),
    (Activation::Mish, &["mish"]),
];

impl Activation {
    /// Looks an activation up by its Keras name (`None`/empty means `linear`, like Keras).
    pub fn get(name: &str) -> Result<Self> {
        ACTIVATIONS.iter().find(|(_, names)| names.contains(&name)).map(|&(a, _)| a).ok_or_else(|| {
            Error::UnknownIdentifier(format!(
                "Could not interpret activation function identifier: '{name}'. Known activations: {}",
                Self::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// Every activation, in registry order.
    pub const ALL: [Activation; 18] = {
        let mut all = [Activation::Linear; 18];
        let mut i = 0;
        while i < 18 {
            all[i] = ACTIVATIONS[i].0;
            i += 1;
        }
        all
    };

    /// The Keras name, as it appears in configs.
    pub fn name(self) -> &'static str {
        ACTIVATIONS.iter().find(|(a, _)| *a == self).map_or("linear", |(_, names)| names[0])
    }

    /// Whether the activation works element by element (all but `softmax` and `log_softmax`),
    /// so it may run on any layout of the tensor.
    pub fn is_elementwise(self) -> bool {
        !matches!(self, Activation::Softmax | Activation::LogSoftmax)
    }

    /// Applies the activation (softmax variants over the last axis).
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Linear => x,
            Activation::Relu => act::relu(x),
            Activation::Relu6 => act::relu6(x),
            Activation::Sigmoid => crate::backend::ops::sigmoid(x),
            Activation::Tanh => crate::backend::ops::tanh(x),
            Activation::Softmax => act::softmax(x, D - 1),
            Activation::LogSoftmax => act::log_softmax(x, D - 1),
            Activation::Gelu => act::gelu(x),
            Activation::Elu => elu(x, 1.0),
            Activation::Selu => elu(x, 1.673_263_2).mul_scalar(1.050_701),
            Activation::Softplus => act::softplus(x, 1.0),
            Activation::Softsign => act::softsign(x),
            Activation::Silu => act::silu(x),
            Activation::LeakyRelu => act::leaky_relu(x, 0.2),
            Activation::HardSigmoid => hard_sigmoid(x),
            Activation::HardSilu => x.clone() * hard_sigmoid(x),
            Activation::Exponential => x.exp(),
            Activation::Mish => act::mish(x),
        }
    }

    /// Applies the activation to a rank-erased tensor.
    pub fn apply_dyn(self, x: crate::backend::DynTensor) -> crate::backend::DynTensor {
        if self == Activation::Linear {
            return x;
        }
        crate::backend::dyn_tensor::map_tensor!(x, t => self.apply(t))
    }
}

/// Keras 3's `hard_sigmoid`: `relu6(x + 3) / 6` (not Keras 2's `0.2x + 0.5`).
fn hard_sigmoid<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    act::relu6(x.add_scalar(3.0)).div_scalar(6.0)
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `exp(x) - 1`, accurate near 0 as JAX's `expm1` is (Keras' ELU and SELU use it): `exp(x) - 1`
/// loses all but a few digits of a tiny `x`, which a following normalization can blow up.
/// Within `|x| < 0.01` a Taylor polynomial (error below 1e-9 relative), elsewhere `exp(x) - 1`.
pub(crate) fn expm1<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let small = x.clone().abs().lower_elem(0.01);
    // x (1 + x (1/2 + x (1/6 + x / 24)))
    let inner = x.clone().div_scalar(24.0).add_scalar(1.0 / 6.0);
    let inner = (x.clone() * inner).add_scalar(0.5);
    let taylor = x.clone() * (x.clone() * inner).add_scalar(1.0);
    x.exp().sub_scalar(1.0).mask_where(small, taylor)
}

/// Keras' `elu`: `x` where `x > 0`, else `alpha * expm1(x)`.
pub(crate) fn elu<const D: usize>(x: Tensor<D>, alpha: f32) -> Tensor<D> {
    let positive = x.clone().greater_elem(0.0);
    expm1(x.clone()).mul_scalar(alpha).mask_where(positive, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: Activation, v: &[f32]) -> Vec<f32> {
        let device = keras_rs_backends::default_device();
        let x = Tensor::<1>::from_floats(v, &device);
        a.apply(x).into_data().convert::<f32>().try_into_vec::<f32>().unwrap()
    }

    #[test]
    fn elu_keeps_tiny_negative_inputs_accurate() {
        // exp(x) - 1 in float32 gives -1.0014e-5 for -1e-5 (JAX's expm1: -0.99999500e-5).
        for (x, want) in
            [(-1e-5f64, -9.99995e-6f64), (-0.005, -0.004987521), (-0.02, -0.019801327), (-3.0, -0.95021296)]
        {
            let got = run(Activation::Elu, &[x as f32])[0] as f64;
            assert!(((got - want) / want).abs() < 1e-6, "elu({x}) = {got}, expected {want}");
        }
    }

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(Activation::get(a.name()).unwrap(), a);
        }
        assert_eq!(Activation::get("swish").unwrap(), Activation::Silu);
        let err = Activation::get("rleu").unwrap_err().to_string();
        assert!(err.contains("'rleu'") && err.contains("relu"), "{err}");
    }

    #[test]
    fn hard_sigmoid_is_keras3() {
        let y = run(Activation::HardSigmoid, &[-4.0, -1.5, 0.0, 1.5, 4.0]);
        let want = [0.0, 0.25, 0.5, 0.75, 1.0];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{y:?}");
        }
    }

    #[test]
    fn leaky_relu_uses_keras_slope() {
        let y = run(Activation::LeakyRelu, &[-1.0, 2.0]);
        assert!((y[0] + 0.2).abs() < 1e-6 && (y[1] - 2.0).abs() < 1e-6, "{y:?}");
    }
}
