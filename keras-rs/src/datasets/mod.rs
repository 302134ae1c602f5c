//! Datasets (`keras.datasets`).

pub mod mnist;
