//! `image_dataset_from_directory`: a folder of images, one subfolder per class, as a
//! [`PyDataset`] (Keras' `keras.utils.image_dataset_from_directory`).

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, Array4, ArrayD};

use super::numpy_random::RandomState;
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
    /// Labels from the subfolder names (`true`, Keras' `"inferred"`) or none (`false`).
    pub infer_labels: bool,
    /// `"int"` (class index), `"categorical"` (one-hot), `"binary"` (0/1, two classes) or
    /// `None` (no labels).
    pub label_mode: Option<String>,
    /// The classes, in index order (default: the subfolders in alphanumeric order).
    pub class_names: Option<Vec<String>>,
    /// `"grayscale"`, `"rgb"` or `"rgba"`: 1, 3 or 4 channels.
    pub color_mode: String,
    /// Images per batch.
    pub batch_size: usize,
    /// Height and width every image is resized to.
    pub image_size: [usize; 2],
    /// Whether to shuffle the files (once, with `seed`, before the split).
    pub shuffle: bool,
    /// The seed of the shuffle (`None`: a random one).
    pub seed: Option<u32>,
    /// The fraction of the files held out for validation.
    pub validation_split: Option<f64>,
    /// `"training"` or `"validation"` with `validation_split` (`"both"`:
    /// [`image_dataset_from_directory_both`]).
    pub subset: Option<String>,
    /// `"bilinear"` or `"nearest"` (TensorFlow's resizing, half-pixel centres, no antialiasing).
    pub interpolation: String,
    /// Whether to descend into symlinked folders.
    pub follow_links: bool,
    /// Whether to print the number of files and classes found.
    pub verbose: bool,
    /// Threads decoding the next batches while the model trains (see [`PyDataset::workers`];
    /// not a Keras argument: Keras decodes in parallel too).
    pub workers: usize,
}

impl Default for ImageDatasetOptions {
    fn default() -> Self {
        ImageDatasetOptions {
            infer_labels: true,
            label_mode: Some("int".into()),
            class_names: None,
            color_mode: "rgb".into(),
            batch_size: 32,
            image_size: [256, 256],
            shuffle: true,
            seed: None,
            validation_split: None,
            subset: None,
            interpolation: "bilinear".into(),
            follow_links: false,
            verbose: true,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        }
    }
}

impl ImageDatasetOptions {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Labels inferred from the subfolders (default) or none (Keras' `labels=None`).
    pub fn infer_labels(mut self, infer: bool) -> Self {
        self.infer_labels = infer;
        self
    }
    /// `"int"` (default), `"categorical"`, `"binary"`; see [`no_labels`](Self::no_labels).
    pub fn label_mode(mut self, mode: &str) -> Self {
        self.label_mode = Some(mode.into());
        self
    }
    /// No labels in the batches (Keras' `label_mode=None`).
    pub fn no_labels(mut self) -> Self {
        self.label_mode = None;
        self
    }
    /// The classes in index order (names of subfolders).
    pub fn class_names(mut self, names: &[&str]) -> Self {
        self.class_names = Some(names.iter().map(|s| s.to_string()).collect());
        self
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
    /// Whether to shuffle the files (default true).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// The shuffle's seed (needed with `validation_split` and shuffling, as in Keras).
    pub fn seed(mut self, seed: u32) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Holds out this fraction of the files for validation.
    pub fn validation_split(mut self, split: f64) -> Self {
        self.validation_split = Some(split);
        self
    }
    /// `"training"` or `"validation"`.
    pub fn subset(mut self, subset: &str) -> Self {
        self.subset = Some(subset.into());
        self
    }
    /// `"bilinear"` (default) or `"nearest"`.
    pub fn interpolation(mut self, interpolation: &str) -> Self {
        self.interpolation = interpolation.into();
        self
    }
    /// Whether to descend into symlinked folders (default false).
    pub fn follow_links(mut self, follow: bool) -> Self {
        self.follow_links = follow;
        self
    }
    /// Whether to print what was found (default true).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
    /// Decoding threads (default: the CPU count, at most 4).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Keras' argument checks; the number of channels.
    fn check(&self) -> Result<usize> {
        if let Some(mode) = &self.label_mode
            && !["int", "categorical", "binary"].contains(&mode.as_str())
        {
            return Err(Error::value(format!(
                "`label_mode` argument must be one of \"int\", \"categorical\", \"binary\", or None. Received: \
                 label_mode={mode}"
            )));
        }
        if !self.infer_labels && self.class_names.is_some() {
            return Err(Error::value("When `labels=None` (no labels), argument `class_names` cannot be specified."));
        }
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
        if self.batch_size == 0 {
            return Err(Error::value("`batch_size` must be a positive integer. Received: batch_size=0"));
        }
        let split = self.validation_split.filter(|&s| s != 0.0);
        if let Some(split) = split
            && !(0.0 < split && split < 1.0)
        {
            return Err(Error::value(format!("`validation_split` must be between 0 and 1, received: {split}")));
        }
        if split.is_some() != self.subset.is_some() {
            return Err(Error::value("If `subset` is set, `validation_split` must be set, and inversely."));
        }
        if let Some(subset) = &self.subset
            && !["training", "validation", "both"].contains(&subset.as_str())
        {
            return Err(Error::value(format!(
                "`subset` must be either \"training\", \"validation\" or \"both\", received: {subset}"
            )));
        }
        if split.is_some() && self.shuffle && self.seed.is_none() {
            return Err(Error::value(
                "If using `validation_split` and shuffling the data, you must provide a `seed` argument, to make \
                 sure that there is no overlap between the training and validation subset.",
            ));
        }
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
                let labels = &labels[start..start + files.len()];
                Some(match mode {
                    "categorical" => Array2::from_shape_fn((labels.len(), self.class_names.len()), |(i, c)| {
                        f32::from(labels[i] == c)
                    })
                    .into_dyn(),
                    "binary" => Array2::from_shape_fn((labels.len(), 1), |(i, _)| labels[i] as f32).into_dyn(),
                    _ => Array1::from_iter(labels.iter().map(|&l| l as f32)).into_dyn(),
                })
            }
            _ => None,
        };
        Ok(DatasetBatch { x: vec![x], y: y.into_iter().collect(), sample_weight: None })
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
    if options.subset.as_deref() == Some("both") {
        return Err(Error::value("subset=\"both\" returns two datasets: call `image_dataset_from_directory_both`."));
    }
    let (files, labels, class_names, channels) = index(directory.as_ref(), &options)?;
    let (files, labels) = split(files, labels, &options, options.subset.as_deref())?;
    if files.is_empty() {
        return Err(no_images(directory.as_ref(), ""));
    }
    Ok(dataset(files, labels, class_names, channels, &options))
}

/// Keras' `image_dataset_from_directory(..., subset="both")`: the training and the validation
/// dataset (see [`image_dataset_from_directory`]; `validation_split` required).
pub fn image_dataset_from_directory_both(
    directory: impl AsRef<Path>,
    options: ImageDatasetOptions,
) -> Result<(ImageDataset, ImageDataset)> {
    let options = options.subset("both");
    let directory = directory.as_ref();
    let (files, labels, class_names, channels) = index(directory, &options)?;
    let (train_files, train_labels) = split(files.clone(), labels.clone(), &options, Some("training"))?;
    let (val_files, val_labels) = split(files, labels, &options, Some("validation"))?;
    if train_files.is_empty() {
        return Err(no_images(directory, "training "));
    }
    if val_files.is_empty() {
        return Err(no_images(directory, "validation "));
    }
    Ok((
        dataset(train_files, train_labels, class_names.clone(), channels, &options),
        dataset(val_files, val_labels, class_names, channels, &options),
    ))
}

fn no_images(directory: &Path, which: &str) -> Error {
    Error::value(format!(
        "No {which}images found in directory {}. Allowed formats: ('.bmp', '.gif', '.jpeg', '.jpg', '.png')",
        directory.display()
    ))
}

fn dataset(
    files: Vec<PathBuf>,
    labels: Option<Vec<usize>>,
    class_names: Vec<String>,
    channels: usize,
    o: &ImageDatasetOptions,
) -> ImageDataset {
    ImageDataset {
        files,
        labels,
        class_names,
        label_mode: o.label_mode.clone(),
        channels,
        image_size: o.image_size,
        nearest: o.interpolation.eq_ignore_ascii_case("nearest"),
        batch_size: o.batch_size,
        workers: o.workers.max(1),
    }
}

type Index = (Vec<PathBuf>, Option<Vec<usize>>, Vec<String>, usize);

/// Keras' `index_directory`: the class subfolders (sorted, or `class_names`), each walked in
/// sorted order, then all files shuffled with NumPy's generator.
fn index(directory: &Path, o: &ImageDatasetOptions) -> Result<Index> {
    let channels = o.check()?;
    let io = |e: std::io::Error| Error::io(format!("reading {}", directory.display()), e);
    let subdirs: Vec<String> = if o.infer_labels {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(directory).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && !name.starts_with('.') {
                found.push(name);
            }
        }
        found.sort();
        match &o.class_names {
            Some(names) => {
                if !names.iter().all(|n| found.contains(n)) {
                    return Err(Error::value(format!(
                        "The `class_names` passed did not match the names of the subdirectories of the target \
                         directory. Expected: {found:?} (or a subset of it), but received: class_names={names:?}"
                    )));
                }
                names.clone()
            }
            None => found,
        }
    } else {
        vec![String::new()]
    };
    let mut files = Vec::new();
    let mut labels = Vec::new();
    for (class, subdir) in subdirs.iter().enumerate() {
        let root = if subdir.is_empty() { directory.to_path_buf() } else { directory.join(subdir) };
        for path in walk(&root, o.follow_links)? {
            files.push(path);
            labels.push(class);
        }
    }
    let with_labels = o.infer_labels && o.label_mode.is_some();
    if o.verbose {
        if o.infer_labels {
            outln!("Found {} files belonging to {} classes.", files.len(), subdirs.len());
        } else {
            outln!("Found {} files.", files.len());
        }
    }
    if o.label_mode.as_deref() == Some("binary") && subdirs.len() != 2 {
        return Err(Error::value(format!(
            "When passing `label_mode=\"binary\"`, there must be exactly 2 class_names. Received: \
             class_names={subdirs:?}"
        )));
    }
    if o.shuffle {
        // Keras draws a seed when none is given, and shuffles files and labels alike.
        let seed = o.seed.unwrap_or_else(|| rand::random::<u32>() % 1_000_000);
        RandomState::new(seed).shuffle(&mut files);
        RandomState::new(seed).shuffle(&mut labels);
    }
    let class_names = if o.infer_labels { subdirs } else { Vec::new() };
    Ok((files, with_labels.then_some(labels), class_names, channels))
}

/// The image files under `root`, in Keras' order: folders by path, files by name in each.
fn walk(root: &Path, follow_links: bool) -> Result<Vec<PathBuf>> {
    let io = |e: std::io::Error| Error::io(format!("reading {}", root.display()), e);
    let mut folders: Vec<(String, Vec<String>)> = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&folder).map_err(io)? {
            let entry = entry.map_err(io)?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io)?;
            if path.is_dir() {
                // Like `os.walk`: a symlinked folder is listed but entered only with `follow_links`.
                if !kind.is_symlink() || follow_links {
                    pending.push(path);
                }
            } else if FORMATS.iter().any(|f| entry.file_name().to_string_lossy().to_lowercase().ends_with(f)) {
                files.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        files.sort();
        folders.push((folder.to_string_lossy().into_owned(), files));
    }
    folders.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(folders
        .into_iter()
        .flat_map(|(folder, files)| files.into_iter().map(move |f| Path::new(&folder).join(f)))
        .collect())
}

/// Keras' `get_training_or_validation_split`: the last `int(split · n)` files validate.
fn split(
    files: Vec<PathBuf>,
    labels: Option<Vec<usize>>,
    o: &ImageDatasetOptions,
    subset: Option<&str>,
) -> Result<(Vec<PathBuf>, Option<Vec<usize>>)> {
    let Some(split) = o.validation_split.filter(|&s| s != 0.0) else {
        return Ok((files, labels));
    };
    let n = files.len();
    let val = (split * n as f64) as usize;
    // Python's `files[:-0]` is empty: with no validation file, training gets none either.
    let range = match subset {
        Some("training") => 0..if val == 0 { 0 } else { n - val },
        Some("validation") => n - val..n,
        other => {
            return Err(Error::value(format!(
                "`subset` must be either \"training\" or \"validation\", received: {}",
                other.unwrap_or("None")
            )));
        }
    };
    if o.verbose {
        match subset {
            Some("training") => outln!("Using {} files for training.", range.len()),
            _ => outln!("Using {val} files for validation."),
        }
    }
    Ok((files[range.clone()].to_vec(), labels.map(|l| l[range].to_vec())))
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
