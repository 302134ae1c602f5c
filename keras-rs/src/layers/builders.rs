//! Builder methods every layer has (`name`, `trainable`), generated once.

/// Adds Keras' common constructor arguments `name` and `trainable` as builder methods.
macro_rules! common_builders {
    ([$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> $ty {
            /// Sets the layer's name (Keras' `name=` argument); otherwise the model assigns one.
            pub fn name(mut self, name: &str) -> Self {
                self.base.name = Some(name.to_string());
                self
            }
            /// `false` freezes the layer's weights (Keras' `trainable=` argument).
            pub fn trainable(mut self, trainable: bool) -> Self {
                self.base.trainable = Some(trainable);
                self
            }
        }
        $crate::models::graph::functional_call!([$($generics)*] $ty);
    };
    ($ty:ty) => {
        $crate::layers::builders::common_builders!([] $ty);
    };
}
pub(crate) use common_builders;

/// Implements the boilerplate parts of [`Layer`](super::Layer) for a layer struct with a
/// `base: LayerBase` field (or the given field path, e.g. `args.base`): class name, base
/// accessors and `clone_box`.
macro_rules! layer_boilerplate {
    ($class:literal) => {
        $crate::layers::builders::layer_boilerplate!($class, base);
    };
    ($class:literal, $($base:ident).+) => {
        $crate::layers::builders::layer_boilerplate!(class = $class, $($base).+);
    };
    (class = $class:expr, $($base:ident).+) => {
        fn class_name(&self) -> &'static str {
            $class
        }
        fn base(&self) -> &$crate::layers::LayerBase {
            &self.$($base).+
        }
        fn base_mut(&mut self) -> &mut $crate::layers::LayerBase {
            &mut self.$($base).+
        }
        fn clone_box(&self) -> Box<dyn $crate::layers::Layer> {
            Box::new(self.clone())
        }
    };
}
pub(crate) use layer_boilerplate;

/// The single-input [`Layer`](super::Layer) methods of a layer that takes several inputs
/// (merging layers, models used as layers): each forwards to its several-input version.
macro_rules! multi_input_glue {
    () => {
        fn compute_output_shape(
            &self,
            input_shape: &$crate::shape::Shape,
        ) -> $crate::error::Result<$crate::shape::Shape> {
            $crate::layers::Layer::compute_output_shapes(self, std::slice::from_ref(input_shape))
                .map(|mut v| v.remove(0))
        }
        fn build(
            &mut self,
            input_shape: &$crate::shape::Shape,
        ) -> $crate::error::Result<Vec<$crate::layers::VariableSpec>> {
            $crate::layers::Layer::build_multi(self, std::slice::from_ref(input_shape))
        }
        fn forward(
            &self,
            inputs: $crate::backend::DynTensor,
            weights: $crate::layers::Weights<'_>,
            ctx: &mut $crate::layers::CallContext<'_>,
        ) -> $crate::error::Result<$crate::backend::DynTensor> {
            $crate::layers::Layer::forward_multi(self, vec![inputs], weights, ctx).map(|mut v| v.remove(0))
        }
    };
}
pub(crate) use multi_input_glue;

/// [`multi_input_glue`] plus a `build_multi` for layers without weights: it only checks the
/// shapes (through `compute_output_shapes`).
macro_rules! weightless_multi_input_glue {
    () => {
        $crate::layers::builders::multi_input_glue!();
        fn build_multi(
            &mut self,
            input_shapes: &[$crate::shape::Shape],
        ) -> $crate::error::Result<Vec<$crate::layers::VariableSpec>> {
            $crate::layers::Layer::compute_output_shapes(self, input_shapes)?;
            Ok(Vec::new())
        }
    };
}
pub(crate) use weightless_multi_input_glue;

/// A layer that keeps its input's shape, has no weights and computes each element on its own
/// (the activation layers, `Identity`): `Default`, `new()` with Keras' defaults, `from_config`,
/// `name`/`trainable`, and its `Layer` impl, with `forward` given as `|layer, x| expression`
/// over a burn tensor `x` of any rank. The config is checked (`Validate`) when the layer is built.
macro_rules! elementwise_layer {
    ($ty:ident, $config:ident, $class:literal, |$layer:ident, $x:ident| $body:expr) => {
        $crate::layers::builders::common_builders!($ty);

        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $ty {
            #[doc = concat!("A `", $class, "` layer with Keras' defaults.")]
            pub fn new() -> Self {
                $ty { base: $crate::layers::LayerBase::default(), config: $config::new() }
            }
            #[doc = concat!("Reads Keras' `", $class, "` config.")]
            pub fn from_config(config: &serde_json::Value) -> $crate::error::Result<Self> {
                let read = $config::from_config(config, $class)?;
                Ok($ty { base: $crate::layers::LayerBase::from_config(config), config: read })
            }
        }

        impl $crate::layers::Layer for $ty {
            $crate::layers::builders::layer_boilerplate!($class);

            fn supports_masking(&self) -> bool {
                true
            }

            fn config(&self) -> serde_json::Value {
                self.config.to_config()
            }
            fn compute_output_shape(
                &self,
                input_shape: &$crate::shape::Shape,
            ) -> $crate::error::Result<$crate::shape::Shape> {
                Ok(input_shape.clone())
            }
            fn build(
                &mut self,
                _input_shape: &$crate::shape::Shape,
            ) -> $crate::error::Result<Vec<$crate::layers::VariableSpec>> {
                let name = $crate::layers::to_snake_case($class);
                $crate::layers::config::validated(&self.config, self.base.name.as_deref().unwrap_or(&name))?;
                Ok(Vec::new())
            }
            fn forward(
                &self,
                inputs: $crate::backend::DynTensor,
                _weights: $crate::layers::Weights<'_>,
                _ctx: &mut $crate::layers::CallContext<'_>,
            ) -> $crate::error::Result<$crate::backend::DynTensor> {
                let $layer = self;
                Ok($crate::backend::dyn_tensor::map_tensor!(inputs, $x => $body))
            }
        }
    };
}
pub(crate) use elementwise_layer;

/// The `Layer::compute_mask` of a layer whose Keras version uses masks in a way keras-rs does
/// not implement yet: a mask reaching it is an error (see `refuse_masks`).
macro_rules! refuses_masks {
    () => {
        fn compute_mask(
            &self,
            _inputs: &[$crate::backend::DynTensor],
            masks: &[Option<burn::tensor::Tensor<2>>],
        ) -> $crate::error::Result<Option<burn::tensor::Tensor<2>>> {
            $crate::layers::refuse_masks(self, masks)
        }
    };
}
pub(crate) use refuses_masks;
