//! Preprocessing layers that live inside models and are saved with them: `Normalization`
//! (statistics given or learned by `adapt`).

mod normalization;

pub use normalization::{Normalization, NormalizationConfig, Stat};
