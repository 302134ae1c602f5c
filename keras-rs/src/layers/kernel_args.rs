//! The arguments every layer with a kernel and a bias takes (Dense, Conv1D, Conv2D): how the
//! two are initialized, penalized and constrained, with Keras' names and defaults.

use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::layers::config::{Validate, keras_config};
use crate::regularizers::Regularizer;

keras_config! {
    /// Keras' `kernel_*`, `bias_*` and `activity_regularizer` arguments of a layer with a kernel
    /// (variable 0) and, with `use_bias`, a bias (variable 1).
    ///
    /// ```
    /// use keras_rs::prelude::*;
    /// use keras_rs::regularizers::Regularizer;
    /// let dense = Dense::new(4).kernel_regularizer(Regularizer::L2(0.01));
    /// let config = dense.get_config();
    /// assert_eq!(config["kernel_regularizer"]["class_name"], "L2");
    /// assert_eq!(config["bias_initializer"]["class_name"], "Zeros");
    /// ```
    pub struct KernelArgs {
        args {
            /// The kernel initializer (default `glorot_uniform`).
            kernel_initializer: Initializer = Initializer::GlorotUniform,
            /// The bias initializer (default `zeros`).
            bias_initializer: Initializer = Initializer::Zeros,
            /// A penalty on the kernel added to the loss (Keras' `kernel_regularizer`).
            kernel_regularizer: Option<Regularizer> = None,
            /// A penalty on the bias added to the loss (Keras' `bias_regularizer`).
            bias_regularizer: Option<Regularizer> = None,
            /// A penalty on the layer's output added to the loss, over the batch size (Keras'
            /// `activity_regularizer`).
            activity_regularizer: Option<Regularizer> = None,
            /// A projection of the kernel after each update (Keras' `kernel_constraint`).
            kernel_constraint: Option<Constraint> = None,
            /// A projection of the bias after each update (Keras' `bias_constraint`).
            bias_constraint: Option<Constraint> = None,
        }
    }
    setters for [] crate::layers::Dense => config.weights;
    setters for [const N: usize] crate::layers::convolutional::Conv<N> => config.weights;
    setters for [const N: usize] crate::layers::convolutional::ConvTranspose<N> => config.weights;
}

impl Validate for KernelArgs {}

impl KernelArgs {
    /// The kernel's (variable 0) and, with `use_bias`, the bias's (variable 1) regularizers.
    pub(crate) fn regularizers(&self, use_bias: bool) -> Vec<(usize, Regularizer)> {
        let bias = self.bias_regularizer.filter(|_| use_bias).map(|r| (1, r));
        self.kernel_regularizer.map(|r| (0, r)).into_iter().chain(bias).collect()
    }

    /// The kernel's (variable 0) and, with `use_bias`, the bias's (variable 1) constraints.
    pub(crate) fn constraints(&self, use_bias: bool) -> Vec<(usize, Constraint)> {
        let bias = self.bias_constraint.clone().filter(|_| use_bias).map(|c| (1, c));
        self.kernel_constraint.clone().map(|c| (0, c)).into_iter().chain(bias).collect()
    }

    /// The kernel's and, with `use_bias`, the bias's variable specs.
    pub(crate) fn variables(
        &self,
        kernel_shape: Vec<usize>,
        bias_size: usize,
        use_bias: bool,
    ) -> Vec<crate::layers::VariableSpec> {
        use crate::layers::VariableSpec;
        let mut vars = vec![VariableSpec::trainable("kernel", kernel_shape, self.kernel_initializer.clone())];
        if use_bias {
            vars.push(VariableSpec::trainable("bias", vec![bias_size], self.bias_initializer.clone()));
        }
        vars
    }
}
