//! What each model type's `Trainable` implementation shares (the public training API is
//! [`KerasModel`](crate::models::KerasModel)'s).

/// The [`Trainable`](super::fit::Trainable) methods that only hand out a model's `network`, `rng` and `compiled`.
macro_rules! trainable_parts {
    () => {
        fn network(&self) -> &$crate::models::Network {
            &self.network
        }
        fn parts(
            &mut self,
        ) -> (&mut $crate::models::Network, &mut $crate::random::SeedGenerator, &mut Option<$crate::trainers::Compiled>)
        {
            (&mut self.network, &mut self.rng, &mut self.compiled)
        }
        fn compiled_state(&self) -> Option<&$crate::trainers::Compiled> {
            self.compiled.as_ref()
        }
    };
}
pub(crate) use trainable_parts;
