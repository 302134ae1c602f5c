//! Listing a folder of files by class as Keras' `dataset_utils` does (`index_directory`,
//! `get_training_or_validation_split`, `check_validation_split_arg`): shared by
//! `image_dataset_from_directory` and `text_dataset_from_directory`.

use std::path::{Path, PathBuf};

use super::numpy_random::RandomState;
use crate::error::{Error, Result};

/// The listing arguments both dataset functions take, with Keras' names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Listing {
    /// Labels from the subfolder names (Keras' `labels="inferred"`) or none.
    pub infer_labels: bool,
    /// `"int"`, `"categorical"`, `"binary"` or no labels.
    pub label_mode: Option<String>,
    /// The classes in index order (default: subfolders in alphanumeric order).
    pub class_names: Option<Vec<String>>,
    /// Whether to shuffle the files (once, with `seed`, before the split).
    pub shuffle: bool,
    /// The seed of the shuffle.
    pub seed: Option<u32>,
    /// The fraction of the files held out for validation.
    pub validation_split: Option<f64>,
    /// `"training"`, `"validation"` or `"both"`.
    pub subset: Option<String>,
    /// Whether to descend into symlinked folders.
    pub follow_links: bool,
    /// Whether to print what was found.
    pub verbose: bool,
}

impl Default for Listing {
    fn default() -> Self {
        Listing {
            infer_labels: true,
            label_mode: Some("int".into()),
            class_names: None,
            shuffle: true,
            seed: None,
            validation_split: None,
            subset: None,
            follow_links: false,
            verbose: true,
        }
    }
}

/// The files of one subset, their class indices and the class names.
#[derive(Clone, Debug)]
pub(crate) struct Listed {
    pub files: Vec<PathBuf>,
    pub labels: Option<Vec<usize>>,
    pub class_names: Vec<String>,
}

impl Listing {
    /// Keras' checks of `label_mode`, `class_names` and the split arguments.
    pub fn check(&self) -> Result<()> {
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
        Ok(())
    }

    /// The files of the one subset asked for (`subset` None, `"training"` or `"validation"`);
    /// `"both"` is an error pointing to `both_function`, no file is `no_files`' error.
    pub fn one(
        &self,
        directory: &Path,
        formats: &[&str],
        both_function: &str,
        no_files: fn(&Path, &str) -> Error,
    ) -> Result<Listed> {
        if self.subset.as_deref() == Some("both") {
            return Err(Error::value(format!("subset=\"both\" returns two datasets: call `{both_function}`.")));
        }
        // Keras' `index_directory` then `get_training_or_validation_split`.
        let listed = self.split(self.index(directory, formats)?, self.subset.as_deref())?;
        if listed.files.is_empty() {
            return Err(no_files(directory, ""));
        }
        Ok(listed)
    }

    /// The training and the validation files (Keras' `subset="both"`), each non-empty or
    /// `no_files`' error naming which.
    pub fn both(
        &self,
        directory: &Path,
        formats: &[&str],
        no_files: fn(&Path, &str) -> Error,
    ) -> Result<(Listed, Listed)> {
        let all = self.index(directory, formats)?;
        let train = self.split(all.clone(), Some("training"))?;
        let val = self.split(all, Some("validation"))?;
        if train.files.is_empty() {
            return Err(no_files(directory, "training "));
        }
        if val.files.is_empty() {
            return Err(no_files(directory, "validation "));
        }
        Ok((train, val))
    }

    /// Keras' `index_directory`: the class subfolders (sorted, or `class_names`), each walked
    /// in sorted order, then all files shuffled with NumPy's generator.
    pub fn index(&self, directory: &Path, formats: &[&str]) -> Result<Listed> {
        let io = |e: std::io::Error| Error::io(format!("reading {}", directory.display()), e);
        let subdirs: Vec<String> = if self.infer_labels {
            let mut found = Vec::new();
            for entry in std::fs::read_dir(directory).map_err(io)? {
                let entry = entry.map_err(io)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.path().is_dir() && !name.starts_with('.') {
                    found.push(name);
                }
            }
            found.sort();
            match &self.class_names {
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
            for path in walk(&root, formats, self.follow_links)? {
                files.push(path);
                labels.push(class);
            }
        }
        if self.verbose {
            if self.infer_labels {
                outln!("Found {} files belonging to {} classes.", files.len(), subdirs.len());
            } else {
                outln!("Found {} files.", files.len());
            }
        }
        if self.label_mode.as_deref() == Some("binary") && subdirs.len() != 2 {
            return Err(Error::value(format!(
                "When passing `label_mode=\"binary\"`, there must be exactly 2 class_names. Received: \
                 class_names={subdirs:?}"
            )));
        }
        if self.shuffle {
            // Keras draws a seed when none is given, and shuffles files and labels alike.
            let seed = self.seed.unwrap_or_else(|| rand::random::<u32>() % 1_000_000);
            RandomState::new(seed).shuffle(&mut files);
            RandomState::new(seed).shuffle(&mut labels);
        }
        let with_labels = self.infer_labels && self.label_mode.is_some();
        Ok(Listed {
            files,
            labels: with_labels.then_some(labels),
            class_names: if self.infer_labels { subdirs } else { Vec::new() },
        })
    }

    /// Keras' `get_training_or_validation_split`: the last `int(split · n)` files validate.
    pub fn split(&self, listed: Listed, subset: Option<&str>) -> Result<Listed> {
        let Some(split) = self.validation_split.filter(|&s| s != 0.0) else {
            return Ok(listed);
        };
        let n = listed.files.len();
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
        if self.verbose {
            match subset {
                Some("training") => outln!("Using {} files for training.", range.len()),
                _ => outln!("Using {val} files for validation."),
            }
        }
        Ok(Listed {
            files: listed.files[range.clone()].to_vec(),
            labels: listed.labels.map(|l| l[range].to_vec()),
            class_names: listed.class_names,
        })
    }
}

/// The files under `root` with one of `formats`, in Keras' order: folders by path, files by
/// name in each.
fn walk(root: &Path, formats: &[&str], follow_links: bool) -> Result<Vec<PathBuf>> {
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
            } else if formats.iter().any(|f| entry.file_name().to_string_lossy().to_lowercase().ends_with(f)) {
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

/// Labels of `classes` classes by `mode` (`"int"`, `"categorical"`, `"binary"`), as float32.
pub(crate) fn encode_labels(labels: &[usize], mode: &str, classes: usize) -> ndarray::ArrayD<f32> {
    match mode {
        "categorical" => {
            ndarray::Array2::from_shape_fn((labels.len(), classes), |(i, c)| f32::from(labels[i] == c)).into_dyn()
        }
        "binary" => ndarray::Array2::from_shape_fn((labels.len(), 1), |(i, _)| labels[i] as f32).into_dyn(),
        _ => ndarray::Array1::from_iter(labels.iter().map(|&l| l as f32)).into_dyn(),
    }
}

/// The setters of the listing arguments (Keras' names) on an options type with a `listing`
/// field: the same arguments in `image_dataset_from_directory` and `text_dataset_from_directory`.
macro_rules! listing_setters {
    ($options:ty) => {
        impl $options {
            /// Labels inferred from the subfolders (default) or none (Keras' `labels=None`).
            pub fn infer_labels(mut self, infer: bool) -> Self {
                self.listing.infer_labels = infer;
                self
            }
            /// `"int"` (default), `"categorical"`, `"binary"`; see [`no_labels`](Self::no_labels).
            pub fn label_mode(mut self, mode: &str) -> Self {
                self.listing.label_mode = Some(mode.into());
                self
            }
            /// No labels in the batches (Keras' `label_mode=None`).
            pub fn no_labels(mut self) -> Self {
                self.listing.label_mode = None;
                self
            }
            /// The classes in index order (names of subfolders; default: all, sorted).
            pub fn class_names(mut self, names: &[&str]) -> Self {
                self.listing.class_names = Some(names.iter().map(|s| s.to_string()).collect());
                self
            }
            /// Whether to shuffle the files (default true), with NumPy's generator as Keras does.
            pub fn shuffle(mut self, shuffle: bool) -> Self {
                self.listing.shuffle = shuffle;
                self
            }
            /// The shuffle's seed (needed with `validation_split` and shuffling, as in Keras).
            pub fn seed(mut self, seed: u32) -> Self {
                self.listing.seed = Some(seed);
                self
            }
            /// Holds out this fraction of the files for validation (with `subset`).
            pub fn validation_split(mut self, split: f64) -> Self {
                self.listing.validation_split = Some(split);
                self
            }
            /// `"training"` or `"validation"` (`"both"`: the `_both` function).
            pub fn subset(mut self, subset: &str) -> Self {
                self.listing.subset = Some(subset.into());
                self
            }
            /// Whether to descend into symlinked folders (default false).
            pub fn follow_links(mut self, follow: bool) -> Self {
                self.listing.follow_links = follow;
                self
            }
            /// Whether to print what was found (default true).
            pub fn verbose(mut self, verbose: bool) -> Self {
                self.listing.verbose = verbose;
                self
            }
        }
    };
}
pub(crate) use listing_setters;
