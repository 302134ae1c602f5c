//! `StringLookup`: string tokens (categories, words) to contiguous indices into a vocabulary,
//! given or learned by `adapt`, and back (`invert`) — on the host, before the model.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

use super::hashing::{salt_keys, string_hash};
use super::index_lookup::{
    LoadedLookup, VocabularySource, check_has_vocabulary, check_idf_weights, check_lookup_args, check_vocabulary,
    encode_rows, into_values, load_lookup_state, lookup_state, rank_tokens, without_name,
};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::LayerBase;
use crate::layers::builders::layer_boilerplate;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, StateEntry, StateSource, StringEncoder, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `StringLookup(max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
/// vocabulary=None, idf_weights=None, invert=False, output_mode="int",
/// pad_to_max_tokens=False, salt=None)`: in `"int"` mode index 0 is the mask token (when set;
/// the mask token maps to it), then `num_oov_indices` out-of-vocabulary indices (an unknown
/// token takes `FarmHash64(token) % num_oov_indices` among them, or SipHash-2-4 keyed by
/// `salt`), then the vocabulary in order; the other modes (`"one_hot"`, `"multi_hot"`,
/// `"count"`, `"tf_idf"`) give one column per index, the unknown tokens' first, and leave the
/// mask token out. `adapt` learns the vocabulary: the most
/// frequent tokens first, ties the larger token first (Keras' order), at most `max_tokens`
/// indices in all, with IDF weights in `"tf_idf"` mode. `invert` maps indices back to tokens.
///
/// keras-rs tensors are numbers, so the strings become numbers on the host: on strings before the
/// model (`lookup`; `inverse` for `invert`), or inside a model, called on an `Input` of
/// `dtype("string")`, each batch looked up as it is read. In a `.keras` file an adapted
/// vocabulary is the asset `vocabulary.txt` (and the IDF weights `vars/idf_weights`), as Keras
/// saves them; a given vocabulary is listed in the config.
///
/// ```
/// use keras_rs::layers::StringLookup;
/// let lookup = StringLookup::new().vocabulary(vec!["a".to_string(), "b".to_string(), "c".to_string()]);
/// let ids = lookup.lookup(&ndarray::array![["a", "c"], ["d", "b"]].into_dyn()).unwrap();
/// assert_eq!(ids.into_raw_vec_and_offset().0, vec![1.0, 3.0, 0.0, 2.0]); // "d" is unknown: 0
/// ```
#[derive(Clone, Debug)]
pub struct StringLookup {
    base: LayerBase,
    pub(crate) config: StringLookupConfig,
    /// Given, adapted (saved as an asset), or still in a loaded file's assets.
    vocabulary_source: VocabularySource,
}

keras_config! {
    /// Keras' `StringLookup` arguments.
    pub struct StringLookupConfig {
        args {
            /// The most indices `adapt` makes, mask and out-of-vocabulary ones included.
            max_tokens: Option<usize> = None,
            /// How many indices unknown tokens share, each taking `FarmHash64(token) % n` (default 1;
            /// keras-rs needs at least 1).
            num_oov_indices: usize = 1,
            /// A token that maps to index 0 in `"int"` mode and is left out of the encodings.
            mask_token: Option<String> = None,
            /// The token `invert` gives for out-of-vocabulary indices.
            oov_token: String = "[UNK]".to_string(),
            /// The vocabulary, in index order, without the mask and OOV tokens (default: `adapt`).
            vocabulary: Option<Vec<String>> = None,
            /// In `"tf_idf"` mode, the vocabulary's IDF weights (default: from `adapt`).
            idf_weights: Option<Vec<f32>> = None,
            /// Map indices back to tokens (default false).
            invert: bool = false,
            /// `"int"` (default), `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
            output_mode: String = "int".to_string(),
            /// Encode to `max_tokens` columns whatever the vocabulary's size (default false).
            pad_to_max_tokens: bool = false,
        }
        other {
            /// Keras' sparse outputs (only `false`).
            sparse: bool = false,
            /// The strings' encoding (only `"utf-8"`).
            encoding: String = "utf-8".to_string(),
            /// How integer OOV tokens pick their index (`"floormod"` or `"farmhash"`); strings
            /// always take FarmHash64, so either is honoured.
            oov_method: String = "floormod".to_string(),
            /// Keys unknown strings' OOV index by SipHash-2-4 (one integer or two), as TensorFlow's
            /// `to_hash_bucket_strong`; none: FarmHash64.
            salt: Option<Value> = None,
        }
    }
    setters for [] StringLookup => config;
}

impl Validate for StringLookupConfig {
    fn validate(&self) -> Result<()> {
        if !["int", "one_hot", "multi_hot", "count", "tf_idf"].contains(&self.output_mode.as_str()) {
            return Err(Error::value(format!(
                "Invalid value for argument `output_mode` of StringLookup: expected one of 'int', 'one_hot', \
                 'multi_hot', 'count', 'tf_idf'. Received: output_mode={}",
                self.output_mode
            )));
        }
        check_lookup_args(
            "StringLookup",
            self.num_oov_indices,
            self.invert,
            &self.output_mode,
            self.pad_to_max_tokens,
            self.max_tokens,
        )?;
        if self.sparse || self.encoding != "utf-8" {
            return Err(Error::value(format!(
                "StringLookup: keras-rs gives dense outputs of UTF-8 strings; received sparse={}, encoding={}",
                self.sparse, self.encoding
            )));
        }
        if !["floormod", "farmhash"].contains(&self.oov_method.as_str()) {
            return Err(Error::value(format!(
                "Invalid value for argument `oov_method` of StringLookup: expected one of 'floormod', 'farmhash'. \
                 Received: oov_method={}",
                self.oov_method
            )));
        }
        salt_keys("StringLookup", self.salt.as_ref())?;
        check_vocabulary(
            "StringLookup",
            self.vocabulary.as_deref(),
            &[self.mask_token.as_ref(), Some(&self.oov_token)],
        )?;
        check_idf_weights(self.vocabulary.as_deref(), self.idf_weights.as_deref(), &self.output_mode)
    }
}

impl Default for StringLookup {
    fn default() -> Self {
        Self::new()
    }
}

impl StringLookup {
    /// Keras' defaults: one out-of-vocabulary index, no mask; give `vocabulary` or `adapt`.
    pub fn new() -> Self {
        let vocabulary_source = VocabularySource::Given;
        StringLookup { base: LayerBase::default(), config: StringLookupConfig::new(), vocabulary_source }
    }

    /// The layer's name (Keras' `name=`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Reads Keras' `StringLookup` config. One whose vocabulary Keras keeps in a file asset of
    /// the `.keras` archive (adapted: `vocabulary: null` and its `vocabulary_size`) gives a layer
    /// that takes its vocabulary from that file when the model is loaded.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = StringLookupConfig::from_config(config, "StringLookup")?;
        read.validate()?;
        let mut layer = StringLookup { base: LayerBase::from_config(config), config: read, ..Self::new() };
        let tokens = layer.config.vocabulary.as_ref().map_or(0, Vec::len);
        layer.vocabulary_source = VocabularySource::from_config(config, layer.token_start(), tokens, "StringLookup")?;
        Ok(layer)
    }

    /// Keras' `get_config`: a given vocabulary (and IDF weights) listed; an adapted one is not
    /// (`vocabulary: null`, as Keras: the `.keras` file keeps it as an asset), only its
    /// `vocabulary_size`.
    pub fn get_config(&self) -> Value {
        let mut config = self.config.to_config();
        config["name"] = self.base.name.as_deref().unwrap_or("string_lookup").into();
        self.vocabulary_source.hide_adapted(&mut config);
        // Keras writes none for a layer that has no vocabulary yet.
        let known = self.config.vocabulary.is_some() || self.vocabulary_source.adapted();
        config["vocabulary_size"] = if known { self.vocabulary_size().into() } else { Value::Null };
        config
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("string_lookup")
    }

    /// The number of columns of the encoded modes.
    fn depth(&self) -> usize {
        match self.config.max_tokens {
            Some(max) if self.config.pad_to_max_tokens => max,
            _ => self.vocabulary_size(),
        }
    }

    /// The index of the first vocabulary token: after the mask's (in `"int"` mode) and the OOV one.
    fn token_start(&self) -> usize {
        usize::from(self.masks()) + self.config.num_oov_indices
    }

    /// Whether index 0 is the mask token's.
    fn masks(&self) -> bool {
        self.config.mask_token.is_some() && self.config.output_mode == "int"
    }

    /// Keras' `vocabulary_size()`.
    pub fn vocabulary_size(&self) -> usize {
        self.vocabulary_source.size_or(self.token_start() + self.config.vocabulary.as_ref().map_or(0, Vec::len))
    }

    /// Keras' `get_vocabulary()`: the token of each index.
    pub fn get_vocabulary(&self) -> Vec<String> {
        let c = &self.config;
        let mask = c.mask_token.iter().filter(|_| self.masks()).cloned();
        let oov = std::iter::repeat_n(c.oov_token.clone(), c.num_oov_indices);
        mask.chain(oov).chain(c.vocabulary.iter().flatten().cloned()).collect()
    }

    /// Keras' `adapt` on tokens (any shape).
    pub fn adapt<S: AsRef<str>>(mut self, data: &ArrayD<S>) -> Result<Self> {
        self.config.validate()?;
        let c = &self.config;
        // Documents for the IDF: each element of a 1-D input, each row of a wider one.
        let width = if data.ndim() < 2 { 1 } else { data.shape()[data.ndim() - 1] };
        let flat: Vec<&str> = data.iter().map(AsRef::as_ref).collect();
        let rows: Vec<&[&str]> = flat.chunks(width.max(1)).collect();
        let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
        for row in &rows {
            let mut in_document = HashSet::new();
            for &token in row.iter() {
                if Some(token) == c.mask_token.as_deref() || token == c.oov_token {
                    continue;
                }
                let entry = counts.entry(token.to_string()).or_default();
                entry.0 += 1;
                if in_document.insert(token) {
                    entry.1 += 1;
                }
            }
        }
        let keep = c.max_tokens.map(|m| m.saturating_sub(self.token_start()));
        let documents = (c.output_mode == "tf_idf").then_some(rows.len());
        let (vocabulary, idf) = rank_tokens(counts, keep, documents);
        self.config.vocabulary = Some(vocabulary);
        self.config.idf_weights = idf;
        self.vocabulary_source = VocabularySource::Adapted;
        Ok(self)
    }

    /// The layer on tokens (Keras' `lookup(tokens)`): their indices (same shape) in `"int"` mode;
    /// otherwise `(rows, columns)`, each element of a 1-D input a row, each row of a 2-D one.
    pub fn lookup<S: AsRef<str>>(&self, tokens: &ArrayD<S>) -> Result<ArrayD<f32>> {
        self.lookup_with(&self.token_index()?, tokens)
    }

    /// Each vocabulary token's index, after checking that the layer can look tokens up.
    fn token_index(&self) -> Result<HashMap<&str, usize>> {
        let c = &self.config;
        c.validate()?;
        self.vocabulary_source.check_loaded("StringLookup")?;
        if c.invert {
            return Err(Error::value("StringLookup(invert=True) maps indices to tokens: call `inverse`"));
        }
        let start = self.token_start();
        Ok(c.vocabulary.iter().flatten().enumerate().map(|(i, t)| (t.as_str(), start + i)).collect())
    }

    /// [`lookup`](Self::lookup) with the vocabulary's `index` already built.
    fn lookup_with<K: Borrow<str> + Eq + Hash, S: AsRef<str>>(
        &self,
        index: &HashMap<K, usize>,
        tokens: &ArrayD<S>,
    ) -> Result<ArrayD<f32>> {
        let c = &self.config;
        let start = self.token_start();
        let mask = c.mask_token.as_deref();
        let salt = salt_keys("StringLookup", c.salt.as_ref())?;
        // `None` for the mask token outside `"int"` mode (left out of the encodings).
        let id = |t: &str| -> Option<usize> {
            if Some(t) == mask {
                return self.masks().then_some(0);
            }
            // Keras: an unknown token's OOV index is `FarmHash64(token) % num_oov_indices`, or
            // SipHash-2-4 keyed by the salt.
            let oov = c.num_oov_indices;
            let hashed = || start - oov + (string_hash(t, salt) % oov as u64) as usize;
            Some(index.get(t).copied().unwrap_or_else(hashed))
        };
        if c.output_mode == "int" {
            return Ok(tokens.map(|t| id(t.as_ref()).unwrap_or(0) as f32));
        }
        let rows: Vec<Vec<usize>> = match tokens.ndim() {
            0 | 1 => tokens.iter().map(|t| id(t.as_ref()).into_iter().collect()).collect(),
            2 => tokens.rows().into_iter().map(|r| r.iter().filter_map(|t| id(t.as_ref())).collect()).collect(),
            n => {
                return Err(Error::value(format!(
                    "StringLookup: output_mode={} takes tokens of rank 1 or 2; received rank {n}",
                    c.output_mode
                )));
            }
        };
        Ok(encode_rows(&rows, self.depth(), &c.output_mode, c.idf_weights.as_deref(), c.num_oov_indices).into_dyn())
    }

    /// `StringLookup(invert=True)` on indices: their tokens (the mask token for 0 when set, the OOV
    /// token for the unknown index and indices past the vocabulary).
    pub fn inverse(&self, indices: &ArrayD<f32>) -> Result<ArrayD<String>> {
        let c = &self.config;
        c.validate()?;
        if !c.invert {
            return Err(Error::value("`inverse` is StringLookup(invert=True)'s call; this layer has invert=False"));
        }
        let vocabulary = self.get_vocabulary();
        let tokens: Vec<String> = indices
            .iter()
            .map(|&i| vocabulary.get(i as usize).filter(|_| i >= 0.0).cloned().unwrap_or_else(|| c.oov_token.clone()))
            .collect();
        ArrayD::from_shape_vec(IxDyn(indices.shape()), tokens).map_err(|e| Error::value(e.to_string()))
    }
}

impl Layer for StringLookup {
    layer_boilerplate!("StringLookup");

    fn config(&self) -> Value {
        without_name(self.get_config())
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let c = &self.config;
        c.validate()?;
        let name = self.layer_name();
        if c.invert {
            return Err(Error::value(format!(
                "Layer \"{name}\" (StringLookup) with invert=True gives strings, and keras-rs models output \
                 numbers: call `inverse` on the model's predictions instead"
            )));
        }
        check_has_vocabulary("StringLookup", name, c.vocabulary.is_some() || self.vocabulary_source.adapted())?;
        match (c.output_mode.as_str(), input.0.as_slice()) {
            ("int", _) => Ok(input.clone()),
            (_, [batch] | [batch, Some(1)]) => Ok(Shape(vec![*batch, Some(self.depth())])),
            ("one_hot", _) => Err(Error::shape(format!(
                "Layer \"{name}\" (StringLookup): keras-rs encodes one token per sample in \"one_hot\" mode (input \
                 shape (batch,) or (batch, 1)); received input shape {input}"
            ))),
            (_, [batch, Some(_)]) => Ok(Shape(vec![*batch, Some(self.depth())])),
            _ => Err(Error::shape(format!(
                "Layer \"{name}\" (StringLookup) encodes tokens of shape (batch,) or (batch, n); received input \
                 shape {input}"
            ))),
        }
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    /// The strings were looked up on the host as the batch was read (`encode_strings`).
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        Ok(inputs)
    }
    fn takes_strings(&self) -> bool {
        true
    }
    fn string_encoder(&self) -> Result<StringEncoder> {
        let index: HashMap<String, usize> = self.token_index()?.into_iter().map(|(t, i)| (t.to_string(), i)).collect();
        let layer = self.clone();
        Ok(Box::new(move |strings, dims| {
            let tokens =
                ArrayD::from_shape_vec(IxDyn(dims), strings.to_vec()).map_err(|e| Error::value(e.to_string()))?;
            Ok(into_values(layer.lookup_with(&index, &tokens)?))
        }))
    }
    fn save_state(&self) -> Vec<StateEntry> {
        let tokens = self.vocabulary_source.adapted().then(|| self.get_vocabulary());
        let idf = self.config.idf_weights.as_deref().filter(|_| self.config.output_mode == "tf_idf");
        lookup_state(&[""], tokens.as_deref(), idf, self.token_start(), self.depth())
    }
    fn load_state(&mut self, source: &dyn StateSource) -> Result<()> {
        let label = format!("StringLookup \"{}\"", self.layer_name());
        let listed = self.config.vocabulary.as_ref().map_or(0, Vec::len);
        let tf_idf = self.config.output_mode == "tf_idf";
        let LoadedLookup { vocabulary, idf } = load_lookup_state(
            &label,
            source,
            self.vocabulary_source,
            &|| self.get_vocabulary(),
            tf_idf,
            (self.token_start(), listed),
        )?;
        if let Some(vocabulary) = vocabulary {
            (self.config.vocabulary, self.vocabulary_source) = (Some(vocabulary), VocabularySource::Adapted);
        }
        if idf.is_some() {
            self.config.idf_weights = idf;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invert_maps_indices_back_as_keras() {
        // keras: StringLookup(vocabulary=["a", "b"], invert=True, mask_token="")
        let lookup = StringLookup::new().vocabulary(vec!["a".to_string(), "b".to_string()]).mask_token("").invert(true);
        let tokens = lookup.inverse(&ndarray::array![[0.0f32, 1.0, 2.0, 3.0, 7.0]].into_dyn()).unwrap();
        assert_eq!(tokens.into_raw_vec_and_offset().0, ["", "[UNK]", "a", "b", "[UNK]"]);
        assert!(lookup.lookup(&ndarray::array!["a"].into_dyn()).is_err());
    }

    #[test]
    fn keras_errors_for_bad_arguments() {
        let err = StringLookup::new().num_oov_indices(0).adapt(&ndarray::array!["a"].into_dyn()).unwrap_err();
        assert!(err.to_string().contains("num_oov_indices=0"), "{err}");
        let err = StringLookup::new().output_mode("multi_hot").invert(true).lookup(&ndarray::array!["a"].into_dyn());
        assert!(err.unwrap_err().to_string().contains("`output_mode` must be `'int'` when `invert` is true"));
        let err = StringLookup::new().vocabulary(vec!["[UNK]".to_string()]).lookup(&ndarray::array!["a"].into_dyn());
        assert!(err.unwrap_err().to_string().contains("reserved token \"[UNK]\""));
    }
}
crate::models::graph::functional_call!(StringLookup);
