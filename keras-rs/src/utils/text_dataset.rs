//! `text_dataset_from_directory`: a folder of `.txt` files, one subfolder per class, read batch
//! by batch as strings (Keras' `keras.utils.text_dataset_from_directory`).

use std::path::{Path, PathBuf};

use ndarray::ArrayD;

use super::directory::{Listed, Listing, encode_labels, listing_setters};
use super::py_dataset::{BoxError, DatasetBatch, PyDataset};
use crate::error::{Error, Result};

/// Keras' `text_dataset_from_directory` arguments after `directory`, with Keras' defaults:
/// `labels="inferred"`, `label_mode="int"`, `class_names=None`, `batch_size=32`,
/// `max_length=None`, `shuffle=True`, `seed=None`, `validation_split=None`, `subset=None`,
/// `follow_links=False`, `verbose=True`.
///
/// ```
/// use keras_rs::utils::TextDatasetOptions;
/// let options = TextDatasetOptions::new().batch_size(64).max_length(200).seed(1337);
/// assert_eq!(options.max_length, Some(200));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TextDatasetOptions {
    /// The listing arguments (labels, classes, shuffle, split; see the setters).
    listing: Listing,
    /// Texts per batch.
    pub batch_size: usize,
    /// Texts are cut to their first `max_length` bytes (Keras cuts the byte string too).
    pub max_length: Option<usize>,
}

impl Default for TextDatasetOptions {
    fn default() -> Self {
        TextDatasetOptions { listing: Listing::default(), batch_size: 32, max_length: None }
    }
}

listing_setters!(TextDatasetOptions);

impl TextDatasetOptions {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Texts per batch (default 32).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Cuts each text to its first `max_length` bytes.
    pub fn max_length(mut self, max_length: usize) -> Self {
        self.max_length = Some(max_length);
        self
    }
}

/// Batches of texts read from files: what [`text_dataset_from_directory`] returns. As a
/// [`PyDataset`] its batches are strings ([`DatasetBatch::texts`]) for a model whose input takes
/// strings (an `Input` of `dtype("string")` into a `TextVectorization`: keras.io's end-to-end
/// model), with the labels; [`get_batch`](Self::get_batch) gives the strings and the labels
/// themselves, for a `PyDataset` of your own that vectorizes them.
#[derive(Clone, Debug)]
pub struct TextDataset {
    files: Vec<PathBuf>,
    labels: Option<Vec<usize>>,
    class_names: Vec<String>,
    label_mode: Option<String>,
    batch_size: usize,
    max_length: Option<usize>,
}

impl TextDataset {
    /// Batches per pass.
    pub fn num_batches(&self) -> usize {
        self.files.len().div_ceil(self.batch_size)
    }

    /// Batch `index`: its texts (UTF-8; invalid bytes become U+FFFD) and, with labels, the
    /// labels encoded by `label_mode`.
    pub fn get_batch(&self, index: usize) -> Result<(Vec<String>, Option<ArrayD<f32>>)> {
        let start = index * self.batch_size;
        let files = self
            .files
            .get(start..(start + self.batch_size).min(self.files.len()))
            .filter(|f| !f.is_empty())
            .ok_or_else(|| Error::value(format!("batch {index} out of range: {} batches", self.num_batches())))?;
        let texts = files
            .iter()
            .map(|path| {
                let mut bytes = std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
                if let Some(max) = self.max_length {
                    bytes.truncate(max);
                }
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            })
            .collect::<Result<Vec<String>>>()?;
        let labels = match (&self.labels, self.label_mode.as_deref()) {
            (Some(labels), Some(mode)) => {
                Some(encode_labels(&labels[start..start + files.len()], mode, self.class_names.len()))
            }
            _ => None,
        };
        Ok((texts, labels))
    }

    /// The classes, in label order (Keras' `dataset.class_names`).
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The text files, in dataset order (Keras' `dataset.file_paths`).
    pub fn file_paths(&self) -> &[PathBuf] {
        &self.files
    }
}

/// Keras' `text_dataset_from_directory(directory, ...)` for `subset` None, `"training"` or
/// `"validation"`: the `.txt` files under `directory`, labelled by their subfolder, listed,
/// shuffled and split exactly as Keras does (the same files in the same order as in Keras for
/// the same folder and seed); read when a batch is asked for.
pub fn text_dataset_from_directory(directory: impl AsRef<Path>, options: TextDatasetOptions) -> Result<TextDataset> {
    let directory = directory.as_ref();
    check(&options)?;
    let listed = options.listing.one(directory, &[".txt"], "text_dataset_from_directory_both", no_texts)?;
    Ok(dataset(listed, &options))
}

/// Keras' `text_dataset_from_directory(..., subset="both")`: the training and the validation
/// dataset.
pub fn text_dataset_from_directory_both(
    directory: impl AsRef<Path>,
    options: TextDatasetOptions,
) -> Result<(TextDataset, TextDataset)> {
    let (directory, options) = (directory.as_ref(), options.subset("both"));
    check(&options)?;
    let (train, val) = options.listing.both(directory, &[".txt"], no_texts)?;
    Ok((dataset(train, &options), dataset(val, &options)))
}

fn check(o: &TextDatasetOptions) -> Result<()> {
    o.listing.check()?;
    crate::trainers::options::check_batch_size(o.batch_size)?;
    Ok(())
}

fn no_texts(directory: &Path, which: &str) -> Error {
    Error::value(format!("No {which}text files found in directory {}. Allowed format: .txt", directory.display()))
}

fn dataset(listed: Listed, o: &TextDatasetOptions) -> TextDataset {
    TextDataset {
        files: listed.files,
        labels: listed.labels,
        class_names: listed.class_names,
        label_mode: o.listing.label_mode.clone(),
        batch_size: o.batch_size,
        max_length: o.max_length,
    }
}

impl PyDataset for TextDataset {
    fn num_batches(&self) -> usize {
        TextDataset::num_batches(self)
    }

    fn get_batch(&self, index: usize) -> std::result::Result<DatasetBatch, BoxError> {
        let (texts, labels) = TextDataset::get_batch(self, index)?;
        let texts = ndarray::Array1::from(texts).into_dyn();
        Ok(DatasetBatch::texts(texts, labels.unwrap_or_else(|| ArrayD::zeros(ndarray::IxDyn(&[0])))))
    }
}
