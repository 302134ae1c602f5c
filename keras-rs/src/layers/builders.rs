//! Builder methods every layer has (`name`, `trainable`), generated once.

/// Adds Keras' common constructor arguments `name` and `trainable` as builder methods.
macro_rules! common_builders {
    ($ty:ty) => {
        impl $ty {
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
