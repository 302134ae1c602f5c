//! Utilities (`keras.utils`): datasets made batch by batch (`PyDataset`), seeding, NumPy file
//! reading, `pad_sequences`, model and history plots.

mod directory;
mod image_dataset;
mod npy;
mod numpy_random;
mod plot_history;
mod plot_model;
pub(crate) mod py_dataset;
mod sequence;
#[cfg(feature = "tables")]
mod table_dataset;
mod text_dataset;
mod timeseries;

pub use crate::random::set_random_seed;
pub use image_dataset::{
    ImageDataset, ImageDatasetOptions, image_dataset_from_directory, image_dataset_from_directory_both,
};
pub use npy::{parse_npy, read_npy, write_npy};
pub(crate) use plot_history::plot_history;
pub use plot_model::{Plottable, model_to_dot, plot_model};
pub use py_dataset::{BoxError, DatasetBatch, PyDataset, SharedDataset};
pub use sequence::{PadOptions, pad_sequences};
#[cfg(feature = "tables")]
pub use table_dataset::{TableDataset, TableOptions, csv_dataset, parquet_dataset};
pub use text_dataset::{
    TextDataset, TextDatasetOptions, text_dataset_from_directory, text_dataset_from_directory_both,
};
pub use timeseries::{TimeseriesDataset, TimeseriesOptions, timeseries_dataset_from_array};
