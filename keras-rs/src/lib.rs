//! # keras-rs
//!
//! Keras 3's high-level model API on the [burn](https://burn.dev) deep-learning framework:
//! build a `Sequential` model, `compile` it, `fit` it with a Keras progress bar, then
//! `evaluate` and `predict` — with Keras' layer defaults, weight layouts, loss and optimizer
//! formulas, so the numbers match Keras.
//!
//! ```
//! use keras_rs::prelude::*;
//!
//! let mut model = Sequential::new()
//!     .seed(42)
//!     .add(Input::new(&[2]))
//!     .add(Dense::new(8).activation("tanh"))
//!     .add(Dense::new(1).activation("sigmoid"));
//! model.compile(SGD::new().learning_rate(0.5), "binary_crossentropy", &["accuracy"])?;
//! let x = ndarray::array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let y = ndarray::array![0.0f32, 1.0, 1.0, 0.0];
//! let history = model.fit(&x, &y, FitOptions::new().epochs(5).batch_size(4).verbose(0))?;
//! assert_eq!(history.history["loss"].len(), 5);
//! let scores = model.evaluate(&x, &y, EvaluateOptions::new().verbose(0))?;
//! assert!(scores.contains_key("accuracy"));
//! # Ok::<(), keras_rs::Error>(())
//! ```
//!
//! Backends are Cargo features: `flex` (default CPU), `ndarray`, `wgpu`; see [`backends`].

#![warn(missing_docs)]

#[macro_use]
mod console;

pub mod activations;
pub mod backend;
pub mod callbacks;
pub mod constraints;
pub mod datasets;
pub mod distribution;
mod error;
pub mod initializers;
pub mod layers;
pub mod losses;
pub mod metrics;
pub mod models;
pub mod ops;
pub mod optimizers;
pub mod prelude;
pub mod random;
pub mod regularizers;
pub mod saving;
mod shape;
pub mod trainers;
pub mod utils;

pub use burn;
pub use error::{Error, Result};
pub use keras_rs_backends as backends;
pub use shape::{Shape, format_dims};
