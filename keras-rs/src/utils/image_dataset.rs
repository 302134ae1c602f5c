//! `image_dataset_from_directory`: a folder of images, one subfolder per class, as a
//! [`PyDataset`] (Keras' `keras.utils.image_dataset_from_directory`).

use std::path::{Path, PathBuf};

use ndarray::{Array4, ArrayD};

use super::directory::{Listed, Listing, encode_labels, listing_setters};
use super::py_dataset::{BoxError, DatasetBatch, PyDataset};
use crate::error::{Error, Result};

/// The file extensions Keras reads (`ALLOWLIST_FORMATS`).
const FORMATS: [&str; 5] = [".bmp", ".gif", ".jpeg", ".jpg", ".png"];

/// Keras' `image_dataset_from_directory` arguments after `directory`, with Keras' defaults:
/// `labels="inferred"`, `label_mode="int"`, `class_names=None`, `color_mode="rgb"`,
/// `batch_size=32`, `image_size=(256, 256)`, `shuffle=True`, `seed=None`,
/// `validation_split=None`, `subset=None`, `interpolation="bilinear"`, `follow_links=False`,
/// `crop_to_aspect_ratio=False`, `pad_to_aspect_ratio=False`, `verbose=True`.
///
/// ```
/// use keras_rs::utils::ImageDatasetOptions;
/// let options = ImageDatasetOptions::new()
///     .image_size(28, 28)
///     .color_mode("grayscale")
///     .validation_split(0.2)
///     .subset("training")
///     .seed(1337);
/// assert_eq!(options.image_size, [28, 28]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ImageDatasetOptions {
    /// The listing arguments (labels, classes, shuffle, split; see the setters).
    listing: Listing,
    /// `"grayscale"`, `"rgb"` or `"rgba"`: 1, 3 or 4 channels.
    pub color_mode: String,
    /// Images per batch.
    pub batch_size: usize,
    /// Height and width every image is resized to.
    pub image_size: [usize; 2],
    /// `"bilinear"` or `"nearest"` (TensorFlow's resizing, half-pixel centres, no antialiasing).
    pub interpolation: String,
    /// Threads decoding the next batches while the model trains (see [`PyDataset::workers`];
    /// not a Keras argument: Keras decodes in parallel too).
    pub workers: usize,
}

impl Default for ImageDatasetOptions {
    fn default() -> Self {
        ImageDatasetOptions {
            listing: Listing::default(),
            color_mode: "rgb".into(),
            batch_size: 32,
            image_size: [256, 256],
            interpolation: "bilinear".into(),
            workers: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        }
    }
}

listing_setters!(ImageDatasetOptions);

impl ImageDatasetOptions {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// `"grayscale"`, `"rgb"` (default) or `"rgba"`.
    pub fn color_mode(mut self, mode: &str) -> Self {
        self.color_mode = mode.into();
        self
    }
    /// Images per batch (default 32).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// The size images are resized to (default 256 × 256).
    pub fn image_size(mut self, height: usize, width: usize) -> Self {
        self.image_size = [height, width];
        self
    }
    /// `"bilinear"` (default) or `"nearest"`.
    pub fn interpolation(mut self, interpolation: &str) -> Self {
        self.interpolation = interpolation.into();
        self
    }
    /// Decoding threads (default: the CPU count, at most 4).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Keras' argument checks; the number of channels.
    fn check(&self) -> Result<usize> {
        self.listing.check()?;
        let channels = match self.color_mode.as_str() {
            "grayscale" => 1,
            "rgb" => 3,
            "rgba" => 4,
            other => {
                return Err(Error::value(format!(
                    "`color_mode` must be one of {{\"rgb\", \"rgba\", \"grayscale\"}}. Received: color_mode={other}"
                )));
            }
        };
        if self.image_size.contains(&0) {
            return Err(Error::value(format!(
                "Invalid `image_size` value. Expected a tuple of 2 positive integers. Received: image_size={:?}",
                self.image_size
            )));
        }
        if !["bilinear", "nearest"].contains(&self.interpolation.to_lowercase().as_str()) {
            return Err(Error::value(format!(
                "image_dataset_from_directory: interpolation='{}' is not supported by keras-rs (supported: \
                 'bilinear', 'nearest')",
                self.interpolation
            )));
        }
        crate::trainers::options::check_batch_size(self.batch_size)?;
        Ok(channels)
    }
}

/// Batches of images read from files: what [`image_dataset_from_directory`] returns. Each
/// batch is `(images, labels)`: images `(batch, height, width, channels)` as float32 in
/// `0..=255`, labels by `label_mode`.
#[derive(Clone, Debug)]
pub struct ImageDataset {
    files: Vec<PathBuf>,
    labels: Option<Vec<usize>>,
    class_names: Vec<String>,
    label_mode: Option<String>,
    channels: usize,
    image_size: [usize; 2],
    nearest: bool,
    batch_size: usize,
    workers: usize,
}

impl ImageDataset {
    /// The classes, in label order (Keras' `dataset.class_names`).
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The image files, in dataset order (Keras' `dataset.file_paths`).
    pub fn file_paths(&self) -> &[PathBuf] {
        &self.files
    }

    /// Each file's class index, in dataset order (`None` without labels).
    pub fn labels(&self) -> Option<&[usize]> {
        self.labels.as_deref()
    }

    /// One image, decoded, converted to the color mode and resized: `(height, width, channels)`.
    fn image(&self, path: &Path) -> std::result::Result<Vec<f32>, BoxError> {
        let decoded = image::ImageReader::open(path)
            .and_then(|r| r.with_guessed_format())
            .map_err(|e| format!("{}: {e}", path.display()))?
            .decode()
            .map_err(|e| format!("{}: not a readable image: {e}", path.display()))?;
        let (width, height) = (decoded.width() as usize, decoded.height() as usize);
        let pixels: Vec<u8> = match self.channels {
            1 => decoded.into_luma8().into_raw(),
            3 => decoded.into_rgb8().into_raw(),
            _ => decoded.into_rgba8().into_raw(),
        };
        let pixels: Vec<f32> = pixels.into_iter().map(f32::from).collect();
        Ok(resize(&pixels, [height, width], self.image_size, self.channels, self.nearest))
    }
}

impl PyDataset for ImageDataset {
    fn num_batches(&self) -> usize {
        self.files.len().div_ceil(self.batch_size)
    }

    fn get_batch(&self, index: usize) -> std::result::Result<DatasetBatch, BoxError> {
        let start = index * self.batch_size;
        let files =
            self.files.get(start..(start + self.batch_size).min(self.files.len())).ok_or("batch out of range")?;
        let [h, w] = self.image_size;
        let mut values = Vec::with_capacity(files.len() * h * w * self.channels);
        for path in files {
            values.extend(self.image(path)?);
        }
        let x = Array4::from_shape_vec((files.len(), h, w, self.channels), values)?.into_dyn();
        let y: Option<ArrayD<f32>> = match (&self.labels, self.label_mode.as_deref()) {
            (Some(labels), Some(mode)) => {
                Some(encode_labels(&labels[start..start + files.len()], mode, self.class_names.len()))
            }
            _ => None,
        };
        Ok(DatasetBatch::multi(vec![x], y.into_iter().collect()))
    }

    fn workers(&self) -> usize {
        self.workers
    }
}

/// Keras' `image_dataset_from_directory(directory, ...)` for `subset` None, `"training"` or
/// `"validation"`: the image files under `directory` (`.bmp`, `.gif`, `.jpeg`, `.jpg`,
/// `.png`), labelled by their subfolder, listed, shuffled (NumPy's `RandomState(seed)`, as
/// Keras) and split exactly as Keras does, so the same folder and seed give the same files in
/// the same order as in Keras; decoded batch by batch when the dataset is read.
///
/// Differences from Keras: JPEG decoding may differ from TensorFlow's by a level here and there;
/// `crop_to_aspect_ratio`, `pad_to_aspect_ratio`, interpolations other than bilinear and
/// nearest, and `data_format="channels_first"` are not available (errors, not silently
/// ignored); the order of batches in training comes from `fit`'s shuffle (the model's seed).
pub fn image_dataset_from_directory(directory: impl AsRef<Path>, options: ImageDatasetOptions) -> Result<ImageDataset> {
    let directory = directory.as_ref();
    let channels = options.check()?;
    let listed = options.listing.one(directory, &FORMATS, "image_dataset_from_directory_both", no_images)?;
    Ok(dataset(listed, channels, &options))
}

/// Keras' `image_dataset_from_directory(..., subset="both")`: the training and the validation
/// dataset (see [`image_dataset_from_directory`]; `validation_split` required).
pub fn image_dataset_from_directory_both(
    directory: impl AsRef<Path>,
    options: ImageDatasetOptions,
) -> Result<(ImageDataset, ImageDataset)> {
    let (directory, options) = (directory.as_ref(), options.subset("both"));
    let channels = options.check()?;
    let (train, val) = options.listing.both(directory, &FORMATS, no_images)?;
    Ok((dataset(train, channels, &options), dataset(val, channels, &options)))
}

fn no_images(directory: &Path, which: &str) -> Error {
    Error::value(format!(
        "No {which}images found in directory {}. Allowed formats: ('.bmp', '.gif', '.jpeg', '.jpg', '.png')",
        directory.display()
    ))
}

fn dataset(listed: Listed, channels: usize, o: &ImageDatasetOptions) -> ImageDataset {
    ImageDataset {
        files: listed.files,
        labels: listed.labels,
        class_names: listed.class_names,
        label_mode: o.listing.label_mode.clone(),
        channels,
        image_size: o.image_size,
        nearest: o.interpolation.eq_ignore_ascii_case("nearest"),
        batch_size: o.batch_size,
        workers: o.workers.max(1),
    }
}

/// TensorFlow's `resize_bilinear` / `resize_nearest_neighbor` with half-pixel centres and no
/// antialiasing (what `tf.image.resize` does for Keras), on `(height, width, channels)` values.
fn resize(
    pixels: &[f32],
    [in_h, in_w]: [usize; 2],
    [out_h, out_w]: [usize; 2],
    channels: usize,
    nearest: bool,
) -> Vec<f32> {
    let (scale_y, scale_x) = (in_h as f32 / out_h as f32, in_w as f32 / out_w as f32);
    let at = |y: usize, x: usize, c: usize| pixels[(y * in_w + x) * channels + c];
    let mut out = Vec::with_capacity(out_h * out_w * channels);
    if nearest {
        for y in 0..out_h {
            let sy = (((y as f32 + 0.5) * scale_y).floor() as usize).min(in_h - 1);
            for x in 0..out_w {
                let sx = (((x as f32 + 0.5) * scale_x).floor() as usize).min(in_w - 1);
                out.extend((0..channels).map(|c| at(sy, sx, c)));
            }
        }
        return out;
    }
    // Per output coordinate: the two source rows or columns and the weight of the second.
    let weights = |i: usize, scale: f32, size: usize| {
        let source = (i as f32 + 0.5) * scale - 0.5;
        let floor = source.floor();
        let lower = (floor.max(0.0) as usize).min(size - 1);
        let upper = (source.ceil().max(0.0) as usize).min(size - 1);
        (lower, upper, source - floor)
    };
    let xs: Vec<(usize, usize, f32)> = (0..out_w).map(|x| weights(x, scale_x, in_w)).collect();
    for y in 0..out_h {
        let (top, bottom, y_lerp) = weights(y, scale_y, in_h);
        for &(left, right, x_lerp) in &xs {
            for c in 0..channels {
                let (tl, tr) = (at(top, left, c), at(top, right, c));
                let (bl, br) = (at(bottom, left, c), at(bottom, right, c));
                let top_value = tl + (tr - tl) * x_lerp;
                let bottom_value = bl + (br - bl) * x_lerp;
                out.push(top_value + (bottom_value - top_value) * y_lerp);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_bilinear_is_the_identity_and_halving_averages() {
        let pixels: Vec<f32> = (0..16).map(|v| v as f32).collect();
        assert_eq!(resize(&pixels, [4, 4], [4, 4], 1, false), pixels);
        // Half-pixel centres: each output of a 2× shrink sits between four inputs.
        let half = resize(&pixels, [4, 4], [2, 2], 1, false);
        assert_eq!(half, vec![2.5, 4.5, 10.5, 12.5]);
        let nearest = resize(&pixels, [4, 4], [2, 2], 1, true);
        assert_eq!(nearest, vec![5.0, 7.0, 13.0, 15.0]);
    }

    #[test]
    fn keras_argument_errors() {
        let err = |o: ImageDatasetOptions| o.check().unwrap_err().to_string();
        assert!(err(ImageDatasetOptions::new().color_mode("cmyk")).contains("color_mode=cmyk"));
        assert!(err(ImageDatasetOptions::new().label_mode("sparse")).contains("label_mode=sparse"));
        assert!(err(ImageDatasetOptions::new().validation_split(0.2)).contains("`validation_split` must be set"));
        assert!(err(ImageDatasetOptions::new().validation_split(0.2).subset("training")).contains("provide a `seed`"));
        assert!(err(ImageDatasetOptions::new().interpolation("lanczos3")).contains("lanczos3"));
    }
}
