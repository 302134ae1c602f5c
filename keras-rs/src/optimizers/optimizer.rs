//! The `Optimizer` trait and the per-variable state (`iterations`, slots) Keras keeps.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::schedules::LearningRate;

/// What one update step knows besides the variable: Keras' float32 learning rate and the
/// 1-based step number (`iterations + 1`).
#[derive(Clone, Copy, Debug)]
pub struct StepInfo {
    /// The learning rate, as float32 (Keras stores it in a float32 variable).
    pub learning_rate: f32,
    /// `iterations + 1`.
    pub step: u64,
    /// The optimizer-wide variable after this step's [`Optimizer::advance_shared`] (Nadam's
    /// `u_product`; 0 for optimizers without one).
    pub shared: f32,
}

/// A Keras optimizer: the update formula of one variable, given its gradient and slots.
pub trait Optimizer: std::fmt::Debug + Send + Sync {
    /// Keras' class name (`"Adam"`).
    fn class_name(&self) -> &'static str;
    /// The learning rate: a number or a schedule.
    fn learning_rate(&self) -> &LearningRate;
    /// The learning rate, mutably.
    fn learning_rate_mut(&mut self) -> &mut LearningRate;
    /// The learning rate used by the update after `iterations` updates (a schedule's value at
    /// that step).
    fn learning_rate_at(&self, iterations: u64) -> f64 {
        self.learning_rate().at(iterations)
    }
    /// Sets a fixed learning rate (`ReduceLROnPlateau`, `LearningRateScheduler`); an error when
    /// the optimizer follows a schedule, as in Keras.
    fn set_learning_rate(&mut self, learning_rate: f64) -> crate::error::Result<()> {
        match self.learning_rate_mut() {
            LearningRate::Schedule(s) => Err(crate::error::Error::value(format!(
                "This optimizer was created with a `LearningRateSchedule` ({}), so its learning rate cannot be set. \
                 Remove the schedule (or the callback that sets the rate).",
                s.class_name()
            ))),
            lr => {
                *lr = LearningRate::Constant(learning_rate);
                Ok(())
            }
        }
    }
    /// Decoupled weight decay applied before each update (`AdamW`; any optimizer's `weight_decay`).
    fn decoupled_weight_decay(&self) -> Option<f64> {
        None
    }
    /// Gradient clipping (Keras' `clipnorm`, `global_clipnorm`, `clipvalue`).
    fn clipping(&self) -> &GradientClipping;
    /// Gradient clipping, mutably (set when a config is read).
    fn clipping_mut(&mut self) -> &mut GradientClipping;
    /// Keras' config entries besides `name` and `learning_rate`.
    fn config(&self) -> Value;
    /// The names of the per-variable slots, in Keras' order (`["momentum", "velocity"]`).
    fn slot_names(&self) -> Vec<&'static str>;
    /// How Keras numbers this optimizer's slots in saved files: groups of slot indices, one
    /// group after the other, each group's slots per variable. `[[0, 1]]` is `m0, v0, m1, v1`
    /// (Adam, SGD: the default, all slots in one group); `[[0], [1]]` is `v0, v1, m0, m1`
    /// (RMSprop); Adam with `amsgrad` is `[[0, 1], [2]]` (its `velocity_hat`s come last).
    fn slot_groups(&self) -> Vec<Vec<usize>> {
        vec![(0..self.slot_names().len()).collect()]
    }
    /// The value every slot `slot` starts from (Adagrad's and Ftrl's accumulators:
    /// `initial_accumulator_value`; 0 otherwise).
    fn slot_initial_value(&self, _slot: usize) -> f32 {
        0.0
    }
    /// Optimizer-wide variables Keras saves after the slots, with their initial values
    /// (Nadam's `u_product`, 1.0).
    fn shared_variables(&self) -> Vec<(&'static str, f32)> {
        Vec::new()
    }
    /// Advances the optimizer-wide variables before step `step`'s updates (Nadam:
    /// `u_product *= beta_1 (1 - 0.5 * 0.96^step)`).
    fn advance_shared(&self, _shared: &mut [f32], _step: u64) {}
    /// Updates `variable` with `gradient`, reading and writing its `slots`; returns the new value.
    fn update(&self, variable: Tensor<1>, gradient: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1>;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Optimizer>;
    /// Keras' `ValueError` for arguments out of range (checked by `compile` and at load).
    fn validate(&self) -> crate::error::Result<()>;

    /// Keras' serialized form.
    fn get_config(&self) -> Value {
        let mut cfg = json!({
            "name": crate::layers::to_snake_case(self.class_name()),
            "learning_rate": self.learning_rate().to_config(),
            "weight_decay": self.decoupled_weight_decay(),
            "clipnorm": self.clipping().clipnorm, "global_clipnorm": self.clipping().global_clipnorm,
            "clipvalue": self.clipping().clipvalue,
            "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
            "loss_scale_factor": null, "gradient_accumulation_steps": null,
        });
        if let (Some(dst), Value::Object(src)) = (cfg.as_object_mut(), self.config()) {
            dst.extend(src);
        }
        json!({"module": "keras.optimizers", "class_name": self.class_name(), "config": cfg, "registered_name": null})
    }
}

impl Clone for Box<dyn Optimizer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Keras' gradient clipping, applied to the gradients before weight decay and the update; at
/// most one of the three may be set (as Keras requires; checked by `compile` and at load). As in
/// Keras, a value that is not positive (`clipnorm=0`) clips nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GradientClipping {
    /// Each gradient scaled to an L2 norm of at most this (`g · c / max(‖g‖, c)`).
    pub clipnorm: Option<f32>,
    /// All gradients scaled together to a joint L2 norm of at most this.
    pub global_clipnorm: Option<f32>,
    /// Each gradient element clipped to `[-clipvalue, clipvalue]`.
    pub clipvalue: Option<f32>,
}

impl GradientClipping {
    /// Keras' `ValueError` when more than one is set (even to a value that clips nothing).
    pub fn check(&self) -> crate::error::Result<()> {
        if [self.clipnorm, self.global_clipnorm, self.clipvalue].iter().flatten().count() > 1 {
            return Err(crate::error::Error::value(format!(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: clipnorm={:?}, \
                 clipvalue={:?}, global_clipnorm={:?}",
                self.clipnorm, self.clipvalue, self.global_clipnorm
            )));
        }
        Ok(())
    }

    /// The gradients clipped as Keras' `_clip_gradients` does (only by a positive value).
    fn apply(&self, gradients: Vec<Option<Tensor<1>>>) -> Vec<Option<Tensor<1>>> {
        let positive = |v: Option<f32>| v.filter(|v| *v > 0.0);
        if let Some(c) = positive(self.clipnorm) {
            let clip = |g: Tensor<1>| {
                let norm = g.clone().square().sum().sqrt();
                g.mul_scalar(c) / norm.clamp_min(c)
            };
            gradients.into_iter().map(|g| g.map(clip)).collect()
        } else if let Some(c) = positive(self.global_clipnorm) {
            let squares = gradients.iter().flatten().map(|g| g.clone().square().sum()).reduce(|a, b| a + b);
            let Some(squares) = squares else { return gradients };
            // min(c / ‖g‖, 1), as Keras' clip_by_global_norm: `c · min(1 / ‖g‖, 1 / c)`.
            let scale = squares.sqrt().recip().mul_scalar(c).clamp_max(1.0);
            gradients.into_iter().map(|g| g.map(|g| g * scale.clone())).collect()
        } else if let Some(v) = positive(self.clipvalue) {
            gradients.into_iter().map(|g| g.map(|g| g.clamp(-v, v))).collect()
        } else {
            gradients
        }
    }
}

/// What every optimizer has besides its own arguments (Keras' `Optimizer` base arguments): the
/// learning rate, decoupled weight decay and gradient clipping.
#[derive(Clone, Debug)]
pub(crate) struct OptimizerBase {
    pub(crate) learning_rate: LearningRate,
    pub(crate) weight_decay: Option<f64>,
    pub(crate) clipping: GradientClipping,
}

impl OptimizerBase {
    /// Keras' defaults of an optimizer class: its learning rate and weight decay.
    pub(crate) fn new(learning_rate: f64, weight_decay: Option<f64>) -> Self {
        OptimizerBase {
            learning_rate: LearningRate::Constant(learning_rate),
            weight_decay,
            clipping: Default::default(),
        }
    }

    /// These defaults with the config's `weight_decay`, if set (the learning rate and clipping are
    /// read by `optimizers::from_config` for every class).
    pub(crate) fn read(mut self, config: &Value) -> Self {
        if let Some(wd) = config_number(config, "weight_decay") {
            self.weight_decay = Some(wd);
        }
        self
    }
}

/// An optimizer class `$ty { base: OptimizerBase, config: $config }` made from Keras' defaults
/// (its learning rate and weight decay): `Default`, `new`, `from_config` (Keras' config, read
/// into `$config` under the class' name) and the builder methods of its [`OptimizerBase`];
/// and (`accessors`) the `Optimizer` methods that hand the base and the config out.
macro_rules! optimizer_base {
    ($ty:ident: $config:ident, learning_rate = $default_lr:literal, weight_decay = $weight_decay:expr) => {
        impl Default for $ty {
            fn default() -> Self {
                $ty { base: super::optimizer::OptimizerBase::new($default_lr, $weight_decay), config: $config::new() }
            }
        }

        impl $ty {
            #[doc = concat!("`", stringify!($ty), "` with Keras' defaults.")]
            pub fn new() -> Self {
                Self::default()
            }

            /// Reads Keras' config (the learning rate and clipping are read by `optimizers::from_config`).
            pub fn from_config(config: &serde_json::Value) -> $crate::error::Result<Self> {
                let base = super::optimizer::OptimizerBase::new($default_lr, $weight_decay).read(config);
                Ok($ty { base, config: $config::from_config(config, stringify!($ty))? })
            }

            #[doc = concat!("The learning rate: a number or a schedule (default ", stringify!($default_lr), ").")]
            pub fn learning_rate(
                mut self,
                learning_rate: impl Into<$crate::optimizers::schedules::LearningRate>,
            ) -> Self {
                self.base.learning_rate = learning_rate.into();
                self
            }
            /// Decoupled weight decay applied before each update (Keras' `weight_decay`).
            pub fn weight_decay(mut self, weight_decay: f64) -> Self {
                self.base.weight_decay = Some(weight_decay);
                self
            }
            /// Clips each gradient to this L2 norm (Keras' `clipnorm`).
            pub fn clipnorm(mut self, clipnorm: f32) -> Self {
                self.base.clipping.clipnorm = Some(clipnorm);
                self
            }
            /// Clips all gradients together to this joint L2 norm (Keras' `global_clipnorm`).
            pub fn global_clipnorm(mut self, global_clipnorm: f32) -> Self {
                self.base.clipping.global_clipnorm = Some(global_clipnorm);
                self
            }
            /// Clips each gradient element to `[-clipvalue, clipvalue]` (Keras' `clipvalue`).
            pub fn clipvalue(mut self, clipvalue: f32) -> Self {
                self.base.clipping.clipvalue = Some(clipvalue);
                self
            }
        }
    };
    (accessors) => {
        fn clipping(&self) -> &$crate::optimizers::GradientClipping {
            &self.base.clipping
        }
        fn clipping_mut(&mut self) -> &mut $crate::optimizers::GradientClipping {
            &mut self.base.clipping
        }
        fn learning_rate(&self) -> &$crate::optimizers::schedules::LearningRate {
            &self.base.learning_rate
        }
        fn learning_rate_mut(&mut self) -> &mut $crate::optimizers::schedules::LearningRate {
            &mut self.base.learning_rate
        }
        fn decoupled_weight_decay(&self) -> Option<f64> {
            self.base.weight_decay
        }
        fn config(&self) -> serde_json::Value {
            self.config.to_config()
        }
        fn clone_box(&self) -> Box<dyn $crate::optimizers::Optimizer> {
            Box::new(self.clone())
        }
        fn validate(&self) -> $crate::error::Result<()> {
            $crate::layers::config::Validate::validate(&self.config)
        }
    };
}
pub(crate) use optimizer_base;

/// The optimizer's variables: the step counter and the slots of each trainable variable.
#[derive(Clone, Debug, Default)]
pub struct OptimizerState {
    /// Keras' `iterations`: the number of updates applied.
    pub iterations: u64,
    /// `slots[i][k]`: slot `k` (in [`Optimizer::slot_names`] order) of trainable variable `i`;
    /// created on the first update (zeros, or [`Optimizer::slot_initial_value`]).
    pub slots: Vec<Vec<Tensor<1>>>,
    /// The optimizer-wide variables ([`Optimizer::shared_variables`]), once built.
    pub shared: Vec<f32>,
}

impl OptimizerState {
    /// Keras' "Optimizer params" of `summary()`: the slot values plus `iterations` and
    /// `learning_rate`; `None` until the first update builds the slots.
    pub fn param_count(&self) -> Option<usize> {
        (self.iterations > 0)
            .then(|| 2 + self.shared.len() + self.slots.iter().flatten().map(|t| t.dims()[0]).sum::<usize>())
    }

    /// Applies one update to every variable that has a gradient (Keras' `apply_gradients`).
    pub fn apply(&mut self, optimizer: &dyn Optimizer, variables: &mut [Tensor<1>], gradients: Vec<Option<Tensor<1>>>) {
        if self.slots.len() != variables.len() {
            let n_slots = optimizer.slot_names().len();
            let slot = |v: &Tensor<1>, s: usize| match optimizer.slot_initial_value(s) {
                0.0 => v.zeros_like(),
                init => v.zeros_like().add_scalar(init),
            };
            self.slots = variables.iter().map(|v| (0..n_slots).map(|s| slot(v, s)).collect()).collect();
        }
        let shared = optimizer.shared_variables();
        if self.shared.len() != shared.len() {
            self.shared = shared.iter().map(|(_, init)| *init).collect();
        }
        optimizer.advance_shared(&mut self.shared, self.iterations + 1);
        let info = StepInfo {
            learning_rate: optimizer.learning_rate_at(self.iterations) as f32,
            step: self.iterations + 1,
            shared: self.shared.first().copied().unwrap_or(0.0),
        };
        let gradients = optimizer.clipping().apply(gradients);
        for ((var, grad), slots) in variables.iter_mut().zip(gradients).zip(self.slots.iter_mut()) {
            let Some(grad) = grad else { continue };
            let mut value = take(var);
            if let Some(wd) = optimizer.decoupled_weight_decay().filter(|wd| *wd != 0.0) {
                // Keras: variable -= variable * weight_decay * learning_rate, before the update.
                let factor = (wd as f32) * info.learning_rate;
                value = value.clone() - value.mul_scalar(factor);
            }
            *var = optimizer.update(value, grad, slots, info);
        }
        self.iterations += 1;
    }
}

/// Takes a tensor out of its place (leaving an empty one) instead of cloning it: a variable or
/// slot nothing else holds can then be updated in place by the fused optimizer ops.
pub(crate) fn take(tensor: &mut Tensor<1>) -> Tensor<1> {
    let device = tensor.device();
    std::mem::replace(tensor, Tensor::empty([0], &device))
}

/// An optimizer config's number `key`, if set (`null` is unset).
pub(crate) fn config_number(config: &Value, key: &str) -> Option<f64> {
    config.get(key).and_then(Value::as_f64)
}
