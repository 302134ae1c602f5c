//! The served models: each name's newest version, loaded from TF Serving's layout
//! (`{base_path}/{version}/model.keras`), reloaded when a newer version folder appears.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use keras_rs::Shape;
use keras_rs::models::{KerasModel, LoadedModel};
use keras_rs::trainers::OwnedArray;
use keras_rs::trainers::PredictOptions;
use ndarray::ArrayD;

use super::batcher::{Batcher, BatchingOptions};

/// One loaded version of a model.
pub struct Version {
    /// The version number (the folder's name).
    pub number: u64,
    /// The model.
    pub model: Arc<LoadedModel>,
    /// Input names and shapes, in order.
    pub inputs: Vec<(String, Shape)>,
    /// Output names and shapes, in order.
    pub outputs: Vec<(String, Shape)>,
    batcher: Option<Batcher>,
}

impl Version {
    fn load(number: u64, path: &Path, batching: Option<&BatchingOptions>) -> Result<Version, String> {
        let model = keras_rs::models::load_model(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let inputs = model.input_signature().map_err(|e| e.to_string())?;
        let outputs = model.output_signature().map_err(|e| e.to_string())?;
        let model = Arc::new(model);
        let batcher = batching.map(|options| Batcher::new(model.clone(), names(&inputs), options.clone()));
        Ok(Version { number, model, inputs, outputs, batcher })
    }

    /// The input names, in order.
    pub fn input_names(&self) -> Vec<String> {
        names(&self.inputs)
    }

    /// The output names, in order.
    pub fn output_names(&self) -> Vec<String> {
        names(&self.outputs)
    }

    /// The model's outputs for `inputs` (one array per input, batch axis first): merged with
    /// other requests' rows when batching is on.
    pub async fn predict(&self, inputs: Vec<OwnedArray>) -> Result<Vec<ArrayD<f32>>, String> {
        match &self.batcher {
            Some(batcher) => batcher.submit(inputs).await,
            None => {
                let (model, names) = (self.model.clone(), self.input_names());
                tokio::task::spawn_blocking(move || predict(&model, &names, &inputs))
                    .await
                    .map_err(|e| format!("the prediction stopped: {e}"))?
            }
        }
    }
}

fn names(specs: &[(String, Shape)]) -> Vec<String> {
    specs.iter().map(|(n, _)| n.clone()).collect()
}

/// `model.predict` on named inputs, quietly.
pub fn predict(model: &LoadedModel, names: &[String], inputs: &[OwnedArray]) -> Result<Vec<ArrayD<f32>>, String> {
    let named: Vec<(&str, &OwnedArray)> = names.iter().map(String::as_str).zip(inputs).collect();
    model.predict(named.as_slice(), PredictOptions::new().verbose(0)).map_err(|e| e.to_string())
}

/// A served model: its name, where its versions live, and the version being served.
pub struct Served {
    /// The name requests use.
    pub name: String,
    base_path: PathBuf,
    current: RwLock<Option<Arc<Version>>>,
    batching: Option<BatchingOptions>,
}

impl Served {
    /// Loads the newest version under `base_path` (a folder of version folders, or one `.keras` file).
    pub fn load(name: &str, base_path: &Path, batching: Option<BatchingOptions>) -> Result<Served, String> {
        let served =
            Served { name: name.to_string(), base_path: base_path.to_path_buf(), current: RwLock::new(None), batching };
        if !served.reload().map_err(|e| format!("model '{name}': {e}"))? {
            return Err(format!(
                "model '{name}': no version found under {} (expected {{version}}/model.keras, e.g. 1/model.keras)",
                base_path.display()
            ));
        }
        Ok(served)
    }

    /// The version being served.
    pub fn current(&self) -> Option<Arc<Version>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Loads the newest version if it is newer than the one served; `Ok(true)` when it changed.
    pub fn reload(&self) -> Result<bool, String> {
        let Some((number, path)) = newest(&self.base_path)? else { return Ok(false) };
        if self.current().is_some_and(|v| v.number >= number) {
            return Ok(false);
        }
        let version = Version::load(number, &path, self.batching.as_ref())?;
        eprintln!(
            "keras-rs serve: model '{}' version {number} loaded from {} ({} inputs, {} outputs)",
            self.name,
            path.display(),
            version.inputs.len(),
            version.outputs.len()
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(version));
        Ok(true)
    }
}

/// The newest `(version, .keras file)` under `base`: numbered folders holding `model.keras` (or
/// their only `.keras` file); `base` itself when it is a `.keras` file (version 1).
fn newest(base: &Path) -> Result<Option<(u64, PathBuf)>, String> {
    if base.is_file() {
        return Ok(Some((1, base.to_path_buf())));
    }
    let entries = std::fs::read_dir(base).map_err(|e| format!("cannot read the base path {}: {e}", base.display()))?;
    let mut best: Option<(u64, PathBuf)> = None;
    for entry in entries.flatten() {
        let Some(number) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) else { continue };
        if best.as_ref().is_some_and(|(b, _)| *b >= number) {
            continue;
        }
        if let Some(file) = keras_file(&entry.path()) {
            best = Some((number, file));
        }
    }
    Ok(best)
}

fn keras_file(dir: &Path) -> Option<PathBuf> {
    let model = dir.join("model.keras");
    if model.is_file() {
        return Some(model);
    }
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "keras") && p.is_file())
        .collect();
    match files.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}
