//! Layer arguments as data: one struct per layer with Keras' argument names and defaults, the
//! single source of the builder setters, `get_config` and `from_config`.
//!
//! A config is declared once with [`keras_config!`]:
//!
//! ```text
//! keras_config! {
//!     /// Keras' `Dense` arguments.
//!     pub struct DenseConfig {
//!         required {
//!             /// Dimensionality of the output space.
//!             units: usize,
//!         }
//!         args {
//!             /// The activation, by Keras name.
//!             activation: String = "linear".to_string(),
//!         }
//!         other {}
//!     }
//!     setters for [] Dense => config;
//! }
//! ```
//!
//! which gives the struct (public fields, each with its doc line), `DenseConfig::new(units)`
//! with Keras' defaults, `to_config()` (Keras' entries, plus the `constants` a layer always
//! writes, such as `data_format: "channels_last"`), `from_config(config, class)` (missing or
//! `null` keys take the default; a value of the wrong type is an error naming the key; the result
//! is checked by [`Validate`]) and, on each layer named after `setters for`, one builder method
//! per `args` entry taking [`IntoArg<T>`]. Entries under `other` are read and written but get no
//! generated setter (the layer writes one by hand where it takes another type).
//!
//! Keys a config does not list are never dropped silently: loading compares the rebuilt layer's
//! `get_config` with the file's (`saving::honoured`), so a Keras argument keras-rs does not
//! implement, or a constant such as `data_format` set to anything else, is refused at load.

use serde_json::Value;

use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;

/// A config's own checks, with Keras' `ValueError` wording: run when a layer is read from a
/// config and again when it is built, so nothing invalid reaches the forward pass.
pub trait Validate {
    /// `Ok` when every argument is in range; otherwise the Keras-worded error.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A type a config argument can have: written into and read from Keras' config JSON.
pub trait ConfigValue: Sized {
    /// The value as Keras writes it.
    fn to_value(&self) -> Value;
    /// Reads the value of argument `key` of a `class` config.
    fn read(value: &Value, key: &str, class: &str) -> Result<Self>;
}

/// What a generated setter accepts for an argument of type `T`: a `T`, a `T` for an optional
/// argument, `&str` for a string, one number or a tuple for [`Sizes`] — so `.groups(2)`,
/// `.epsilon(1e-5)`, `.activation("relu")`, `.strides(2)` and `.kernel_regularizer(L2)` read as
/// Keras' arguments do.
pub trait IntoArg<T> {
    /// The argument's value.
    fn into_arg(self) -> T;
}

impl<T> IntoArg<T> for T {
    fn into_arg(self) -> T {
        self
    }
}
impl<T> IntoArg<Option<T>> for T {
    fn into_arg(self) -> Option<T> {
        Some(self)
    }
}
impl IntoArg<String> for &str {
    fn into_arg(self) -> String {
        self.to_string()
    }
}
impl IntoArg<Option<String>> for &str {
    fn into_arg(self) -> Option<String> {
        Some(self.to_string())
    }
}
impl<const N: usize> IntoArg<Sizes<N>> for usize {
    fn into_arg(self) -> Sizes<N> {
        Sizes([self; N])
    }
}
impl<const N: usize> IntoArg<Sizes<N>> for [usize; N] {
    fn into_arg(self) -> Sizes<N> {
        Sizes(self)
    }
}
impl IntoArg<Sizes<2>> for (usize, usize) {
    fn into_arg(self) -> Sizes<2> {
        Sizes([self.0, self.1])
    }
}
impl IntoArg<Option<Vec<f64>>> for &[f64] {
    fn into_arg(self) -> Option<Vec<f64>> {
        Some(self.to_vec())
    }
}
impl<const N: usize> IntoArg<Option<Vec<f64>>> for &[f64; N] {
    fn into_arg(self) -> Option<Vec<f64>> {
        Some(self.to_vec())
    }
}
impl IntoArg<Sizes<3>> for (usize, usize, usize) {
    fn into_arg(self) -> Sizes<3> {
        Sizes([self.0, self.1, self.2])
    }
}

/// The error for an argument whose JSON value has the wrong type.
pub(crate) fn invalid(key: &str, class: &str, value: &Value, why: impl std::fmt::Display) -> Error {
    Error::Format(format!("invalid value for argument `{key}` of {class}: {value} ({why})"))
}

macro_rules! serde_values {
    ($($ty:ty),* $(,)?) => {$(
        impl ConfigValue for $ty {
            fn to_value(&self) -> Value {
                serde_json::to_value(self).unwrap_or(Value::Null)
            }
            fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
                serde_json::from_value(value.clone()).map_err(|e| invalid(key, class, value, e))
            }
        }
    )*};
}
serde_values!(usize, u64, i64, f32, f64, bool, String, Value, [i64; 2], [usize; 2], [[usize; 2]; 2], (f32, f32));

impl<T: ConfigValue> ConfigValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            v => T::read(v, key, class).map(Some),
        }
    }
}

impl<T: ConfigValue> ConfigValue for Vec<T> {
    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(T::to_value).collect())
    }
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        let Value::Array(items) = value else { return Err(invalid(key, class, value, "expected a list")) };
        items.iter().map(|v| T::read(v, key, class)).collect()
    }
}

impl ConfigValue for Initializer {
    fn to_value(&self) -> Value {
        self.to_config()
    }
    fn read(value: &Value, _key: &str, _class: &str) -> Result<Self> {
        Initializer::from_config(value)
    }
}

impl ConfigValue for Regularizer {
    fn to_value(&self) -> Value {
        self.to_config()
    }
    fn read(value: &Value, _key: &str, _class: &str) -> Result<Self> {
        Regularizer::from_config(value)
    }
}

impl ConfigValue for Constraint {
    fn to_value(&self) -> Value {
        self.to_config()
    }
    fn read(value: &Value, _key: &str, _class: &str) -> Result<Self> {
        Constraint::from_config(value)
    }
}

/// A size per spatial axis (`kernel_size`, `strides`, `pool_size`, ...), given as one number
/// for every axis or one per axis: `3`, `(3, 3)`, `[3, 3]`. Keras writes it as a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes<const N: usize>(pub [usize; N]);

impl<const N: usize> From<usize> for Sizes<N> {
    fn from(v: usize) -> Self {
        Sizes([v; N])
    }
}
impl<const N: usize> From<[usize; N]> for Sizes<N> {
    fn from(v: [usize; N]) -> Self {
        Sizes(v)
    }
}
impl From<(usize, usize)> for Sizes<2> {
    fn from(v: (usize, usize)) -> Self {
        Sizes([v.0, v.1])
    }
}
impl From<(usize, usize, usize)> for Sizes<3> {
    fn from(v: (usize, usize, usize)) -> Self {
        Sizes([v.0, v.1, v.2])
    }
}

impl<const N: usize> Sizes<N> {
    /// Keras' check on a size argument: every value positive.
    pub fn check(&self, arg: &str) -> Result<()> {
        if self.0.contains(&0) {
            return Err(Error::value(format!(
                "The `{arg}` argument must be a tuple of {N} positive integers. Received: {arg}={:?}",
                self.0
            )));
        }
        Ok(())
    }
}

impl<const N: usize> ConfigValue for Sizes<N> {
    fn to_value(&self) -> Value {
        Value::from(self.0.to_vec())
    }
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        if let Some(n) = value.as_u64() {
            return Ok(Sizes([n as usize; N]));
        }
        let v: Vec<usize> = ConfigValue::read(value, key, class)?;
        let count = v.len();
        let sizes =
            v.try_into().map_err(|_| invalid(key, class, value, format!("expected {N} values, got {count}")))?;
        Ok(Sizes(sizes))
    }
}

/// `config.validate()` for the layer called `layer`, its error prefixed with the layer's name
/// as keras-rs' build errors are.
pub(crate) fn validated(config: &impl Validate, layer: &str) -> Result<()> {
    config.validate().map_err(|e| e.context(&format!("Layer \"{layer}\": ")))
}

/// Reads a required argument.
pub(crate) fn required<T: ConfigValue>(config: &Value, key: &str, class: &str) -> Result<T> {
    match config.get(key) {
        Some(v) => T::read(v, key, class),
        None => Err(Error::Format(format!("the config of a {class} layer needs `{key}`, received: {config}"))),
    }
}

/// Reads an optional argument: a missing key or `null` takes the default.
pub(crate) fn optional<T: ConfigValue>(
    config: &Value,
    key: &str,
    class: &str,
    default: impl FnOnce() -> T,
) -> Result<T> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(default()),
        Some(v) => T::read(v, key, class),
    }
}

/// Declares a layer's config struct and its setters; see the [module docs](self).
macro_rules! keras_config {
    (
        $(#[$meta:meta])*
        pub struct $config:ident <const $n:ident: usize> $body:tt
        $(constants { $($ckey:ident: $cval:expr),* $(,)? })?
        $(setters for [$($gen:tt)*] $layer:ty => $($path:ident).+;)*
    ) => {
        $crate::layers::config::keras_config!(
            @struct [$(#[$meta])*] $config [$n] $body [$($($ckey: $cval),*)?]
        );
        $($crate::layers::config::keras_config!(@setters [$($gen)*] [$layer] ($($path).+) $body);)*
    };
    (
        $(#[$meta:meta])*
        pub struct $config:ident $body:tt
        $(constants { $($ckey:ident: $cval:expr),* $(,)? })?
        $(setters for [$($gen:tt)*] $layer:ty => $($path:ident).+;)*
    ) => {
        $crate::layers::config::keras_config!(
            @struct [$(#[$meta])*] $config [] $body [$($($ckey: $cval),*)?]
        );
        $($crate::layers::config::keras_config!(@setters [$($gen)*] [$layer] ($($path).+) $body);)*
    };
    (
        @struct [$($meta:tt)*] $config:ident [$($n:ident)?]
        {
            $(required { $($(#[$rmeta:meta])* $req:ident: $rty:ty),* $(,)? })?
            $(args { $($(#[$ameta:meta])* $arg:ident: $aty:ty = $adef:expr),* $(,)? })?
            $(other { $($(#[$ometa:meta])* $oarg:ident: $oty:ty = $odef:expr),* $(,)? })?
            $(nested { $($(#[$nmeta:meta])* $nest:ident: $nty:ty),* $(,)? })?
        }
        [$($ckey:ident: $cval:expr),*]
    ) => {
        $($meta)*
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct $config $(<const $n: usize>)? {
            $($($(#[$rmeta])* pub $req: $rty,)*)?
            $($($(#[$ameta])* pub $arg: $aty,)*)?
            $($($(#[$ometa])* pub $oarg: $oty,)*)?
            $($($(#[$nmeta])* pub $nest: $nty,)*)?
        }

        impl $(<const $n: usize>)? $config $(<$n>)? {
            /// The required arguments, and Keras' defaults for the others.
            #[allow(clippy::new_without_default)]
            pub fn new($($($req: $rty),*)?) -> Self {
                Self {
                    $($($req,)*)?
                    $($($arg: $adef,)*)?
                    $($($oarg: $odef,)*)?
                    $($($nest: <$nty>::new(),)*)?
                }
            }

            /// Keras' config entries for these arguments (the layer adds `name`, `trainable`
            /// and `dtype`).
            pub fn to_config(&self) -> serde_json::Value {
                #[allow(unused_imports)]
                use $crate::layers::config::ConfigValue;
                #[allow(unused_mut)]
                let mut map = serde_json::Map::new();
                $($(map.insert(stringify!($req).to_string(), self.$req.to_value());)*)?
                $($(map.insert(stringify!($arg).to_string(), self.$arg.to_value());)*)?
                $($(map.insert(stringify!($oarg).to_string(), self.$oarg.to_value());)*)?
                $($(
                    if let serde_json::Value::Object(nested) = self.$nest.to_config() {
                        map.extend(nested);
                    }
                )*)?
                $(map.insert(stringify!($ckey).to_string(), serde_json::json!($cval));)*
                serde_json::Value::Object(map)
            }

            /// Reads the arguments from a Keras config of class `class`: a missing or `null`
            /// key takes Keras' default, and the result must pass [`Validate`](crate::layers::Validate).
            pub fn from_config(config: &serde_json::Value, class: &str) -> $crate::error::Result<Self> {
                #[allow(unused_imports)]
                use $crate::layers::config::{optional, required};
                let _ = (config, class);
                let read = Self {
                    $($($req: required(config, stringify!($req), class)?,)*)?
                    $($($arg: optional(config, stringify!($arg), class, || $adef)?,)*)?
                    $($($oarg: optional(config, stringify!($oarg), class, || $odef)?,)*)?
                    $($($nest: <$nty>::from_config(config, class)?,)*)?
                };
                $crate::layers::config::Validate::validate(&read)?;
                Ok(read)
            }
        }
    };
    (
        @setters [$($gen:tt)*] [$layer:ty] $path:tt
        {
            $(required { $($rt:tt)* })?
            $(args { $($(#[$ameta:meta])* $arg:ident: $aty:ty = $adef:expr),* $(,)? })?
            $(other { $($ot:tt)* })?
            $(nested { $($nt:tt)* })?
        }
    ) => {
        impl<$($gen)*> $layer {
            $($(
                $(#[$ameta])*
                pub fn $arg(mut self, $arg: impl $crate::layers::config::IntoArg<$aty>) -> Self {
                    $crate::layers::config::keras_config!(@field self $path).$arg =
                        $crate::layers::config::IntoArg::into_arg($arg);
                    self
                }
            )*)?
        }
    };
    (@field $self:ident ($($path:ident).+)) => {
        $self.$($path).+
    };
}
pub(crate) use keras_config;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    keras_config! {
        /// A test config.
        pub struct TestConfig<const N: usize> {
            required {
                /// Required.
                units: usize,
            }
            args {
                /// With a default.
                rate: f32 = 0.5,
                /// Sizes.
                strides: Sizes<N> = Sizes([1; N]),
                /// Optional.
                seed: Option<u64> = None,
            }
            other {
                /// No setter.
                axes: Vec<i64> = vec![-1],
            }
        }
        constants { data_format: "channels_last" }
    }

    impl<const N: usize> Validate for TestConfig<N> {
        fn validate(&self) -> Result<()> {
            if self.rate >= 1.0 {
                return Err(Error::value(format!("rate={}", self.rate)));
            }
            Ok(())
        }
    }

    #[test]
    fn configs_round_trip_with_defaults_and_checks() {
        let c = TestConfig::<2>::new(3);
        let written = c.to_config();
        assert_eq!(
            written,
            json!({"units": 3, "rate": 0.5, "strides": [1, 1], "seed": null, "axes": [-1], "data_format": "channels_last"})
        );
        assert_eq!(TestConfig::<2>::from_config(&written, "Test").unwrap(), c);
        let read = TestConfig::<2>::from_config(&json!({"units": 4, "strides": 2, "seed": 7}), "Test").unwrap();
        assert_eq!((read.units, read.strides, read.seed, read.rate), (4, Sizes([2, 2]), Some(7), 0.5));
        let err = TestConfig::<2>::from_config(&json!({"rate": 0.1}), "Test").unwrap_err().to_string();
        assert!(err.contains("needs `units`"), "{err}");
        let err = TestConfig::<2>::from_config(&json!({"units": "x"}), "Test").unwrap_err().to_string();
        assert!(err.contains("invalid value for argument `units` of Test: \"x\""), "{err}");
        let err = TestConfig::<2>::from_config(&json!({"units": 1, "strides": [1, 2, 3]}), "Test").unwrap_err();
        assert!(err.to_string().contains("expected 2 values, got 3"), "{err}");
        assert!(TestConfig::<2>::from_config(&json!({"units": 1, "rate": 1.5}), "Test").is_err());
    }
}
