//! `TextVectorization`: strings to token ids, or to multi-hot, count or TF-IDF vectors over a
//! vocabulary learned by `adapt` — on the host, before the model (as keras.io feeds text through
//! `dataset.map(vectorize_layer)`).

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use ndarray::{Array2, ArrayD};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::layers::LayerBase;
use crate::layers::config::{Validate, keras_config};

use super::index_lookup::{
    LoadedLookup, VocabularySource, check_has_vocabulary, check_idf_weights, check_vocabulary, encode_rows,
    into_values, load_lookup_state, lookup_state, rank_tokens, without_name,
};
use crate::backend::DynTensor;
use crate::layers::builders::layer_boilerplate;
use crate::layers::{CallContext, Layer, StateEntry, StateSource, StringEncoder, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `TextVectorization(max_tokens=None, standardize="lower_and_strip_punctuation",
/// split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
/// pad_to_max_tokens=False, vocabulary=None, idf_weights=None)`.
///
/// Each string is standardized (`"lower"`: ASCII letters lowercased, as TensorFlow's
/// `strings.lower`; `"strip_punctuation"`: ASCII punctuation removed; both by default; `None`),
/// split (`"whitespace"` or `"character"`), optionally joined into n-grams, and looked up in the
/// vocabulary: index 0 is padding (`""`) and 1 unknown (`"[UNK]"`) in `"int"` mode, where a row
/// of ids is padded with 0 to `output_sequence_length` (or the batch's longest); the other modes
/// give one column per index, 0 the unknown tokens'. `adapt` learns the vocabulary: the most
/// frequent tokens first, ties the larger token first (Keras' order), at most `max_tokens`
/// indices in all, and for `"tf_idf"` each token's `ln(1 + documents / (1 + documents with it))`
/// (unknown tokens: their mean).
///
/// keras-rs tensors are numbers, so the strings become numbers on the host. Use it either way
/// Keras does: on strings before the model (`tv.vectorize(&texts)`, Keras'
/// `dataset.map(vectorize_layer)`), or inside a model, called on an `Input` of `dtype("string")`:
/// `fit`, `evaluate` and `predict` then take arrays of strings, each batch vectorized as it is
/// read (`"int"` mode needs `output_sequence_length` there, so that every batch has one length).
/// In a `.keras` file an adapted vocabulary is the asset `vocabulary.txt` and the IDF weights are
/// `vars/idf_weights`, as Keras saves them; a given vocabulary is listed in the config.
///
/// ```
/// use keras_rs::layers::TextVectorization;
/// let tv = TextVectorization::new().output_sequence_length(4).adapt(&["The cat sat.", "The dog!"]).unwrap();
/// assert_eq!(tv.get_vocabulary(), ["", "[UNK]", "the", "sat", "dog", "cat"]);
/// let ids = tv.vectorize(&["the DOG sat on the mat"]).unwrap();
/// assert_eq!(ids.into_raw_vec_and_offset().0, vec![2.0, 4.0, 3.0, 1.0]);
/// ```
#[derive(Clone, Debug)]
pub struct TextVectorization {
    base: LayerBase,
    pub(crate) config: TextVectorizationConfig,
    /// Given, adapted (saved as an asset), or still in a loaded file's assets.
    vocabulary_source: VocabularySource,
}

keras_config! {
    /// Keras' `TextVectorization` arguments.
    pub struct TextVectorizationConfig {
        args {
            /// The most indices `adapt` makes, padding and unknown included (default: all tokens).
            max_tokens: Option<usize> = None,
            /// `"lower_and_strip_punctuation"` (default), `"lower"`, `"strip_punctuation"`, or none.
            standardize: Option<String> = Some("lower_and_strip_punctuation".to_string()),
            /// `"whitespace"` (default) or `"character"`.
            split: Option<String> = Some("whitespace".to_string()),
            /// N-grams of the tokens: `n` (all widths 1 to `n`) or a list of widths (default none).
            ngrams: Option<Value> = None,
            /// `"int"` (default), `"multi_hot"`, `"count"` or `"tf_idf"`.
            output_mode: String = "int".to_string(),
            /// In `"int"` mode, the length every row is padded or truncated to (default: the
            /// batch's longest).
            output_sequence_length: Option<usize> = None,
            /// Encode to `max_tokens` columns whatever the vocabulary's size (default false).
            pad_to_max_tokens: bool = false,
            /// The vocabulary, in index order, without `""` and `"[UNK]"` (default: from `adapt`).
            vocabulary: Option<Vec<String>> = None,
            /// In `"tf_idf"` mode, the vocabulary's IDF weights (default: from `adapt`).
            idf_weights: Option<Vec<f32>> = None,
        }
        other {
            /// Keras' sparse outputs (only `false`).
            sparse: bool = false,
            /// Keras' ragged outputs (only `false`).
            ragged: bool = false,
            /// The strings' encoding (only `"utf-8"`).
            encoding: String = "utf-8".to_string(),
        }
    }
    setters for [] TextVectorization => config;
}

impl Validate for TextVectorizationConfig {
    fn validate(&self) -> Result<()> {
        let one_of = |arg: &str, value: Option<&str>, allowed: &[&str]| -> Result<()> {
            match value {
                Some(v) if !allowed.contains(&v) => Err(Error::value(format!(
                    "Invalid value for argument `{arg}` of TextVectorization: keras-rs has {allowed:?}. Received: \
                     {arg}={v}"
                ))),
                _ => Ok(()),
            }
        };
        one_of(
            "standardize",
            self.standardize.as_deref(),
            &["lower_and_strip_punctuation", "lower", "strip_punctuation"],
        )?;
        one_of("split", self.split.as_deref(), &["whitespace", "character"])?;
        one_of("output_mode", Some(&self.output_mode), &["int", "multi_hot", "count", "tf_idf"])?;
        if self.split.is_none() {
            return Err(Error::value(
                "TextVectorization: keras-rs splits the strings (split='whitespace' or 'character'); received split=None",
            ));
        }
        if self.sparse || self.ragged || self.encoding != "utf-8" {
            return Err(Error::value(format!(
                "TextVectorization: keras-rs gives dense outputs of UTF-8 strings; received sparse={}, ragged={}, \
                 encoding={}",
                self.sparse, self.ragged, self.encoding
            )));
        }
        if self.output_sequence_length.is_some() && self.output_mode != "int" {
            return Err(Error::value(format!(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. Received \
                 output_sequence_length={:?}.",
                self.output_sequence_length
            )));
        }
        if self.pad_to_max_tokens && self.max_tokens.is_none() {
            return Err(Error::value("If pad_to_max_tokens is True, must set `max_tokens`."));
        }
        self.ngram_widths()?;
        let (mask, oov) = (String::new(), OOV.to_string());
        check_vocabulary("TextVectorization", self.vocabulary.as_deref(), &[Some(&mask), Some(&oov)])?;
        check_idf_weights(self.vocabulary.as_deref(), self.idf_weights.as_deref(), &self.output_mode)?;
        Ok(())
    }
}

/// Keras' out-of-vocabulary token.
const OOV: &str = "[UNK]";

impl TextVectorizationConfig {
    /// The n-gram widths: `ngrams=n` is `1..=n`, a list is itself, none is unigrams.
    fn ngram_widths(&self) -> Result<Vec<usize>> {
        let bad = || {
            Error::value(format!(
                "`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={:?}",
                self.ngrams
            ))
        };
        match &self.ngrams {
            None | Some(Value::Null) => Ok(vec![1]),
            Some(Value::Number(n)) => {
                let n = n.as_u64().filter(|&n| n >= 1).ok_or_else(bad)?;
                Ok((1..=n as usize).collect())
            }
            Some(Value::Array(widths)) => {
                widths.iter().map(|w| w.as_u64().filter(|&w| w >= 1).map(|w| w as usize).ok_or_else(bad)).collect()
            }
            Some(_) => Err(bad()),
        }
    }

    /// Index 0 is padding in `"int"` mode only.
    fn token_start(&self) -> usize {
        if self.output_mode == "int" { 2 } else { 1 }
    }
}

impl Default for TextVectorization {
    fn default() -> Self {
        Self::new()
    }
}

impl TextVectorization {
    /// Keras' defaults; give `vocabulary` or `adapt`.
    pub fn new() -> Self {
        TextVectorization {
            base: LayerBase::default(),
            config: TextVectorizationConfig::new(),
            vocabulary_source: VocabularySource::Given,
        }
    }

    /// The layer's name (Keras' `name=`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Reads Keras' `TextVectorization` config. One whose vocabulary Keras keeps in a file asset
    /// of the `.keras` archive (adapted: the config says `vocabulary: null` and its
    /// `vocabulary_size`) gives a layer that takes its vocabulary from that file when the model is
    /// loaded.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut read = TextVectorizationConfig::from_config(config, "TextVectorization")?;
        // `null` is Keras' "none" for these two (their defaults are not none).
        if config.get("standardize") == Some(&Value::Null) {
            read.standardize = None;
        }
        if config.get("split") == Some(&Value::Null) {
            read.split = None;
        }
        read.validate()?;
        let tokens = read.vocabulary.as_ref().map_or(0, Vec::len);
        let vocabulary_source = VocabularySource::from_config(config, read.token_start(), tokens, "TextVectorization")?;
        Ok(TextVectorization { base: LayerBase::from_config(config), config: read, vocabulary_source })
    }

    /// Keras' `get_config`: a given vocabulary (and IDF weights) listed; an adapted one is not
    /// (`vocabulary: null`, as Keras: the `.keras` file keeps it as an asset), only its
    /// `vocabulary_size`.
    pub fn get_config(&self) -> Value {
        let mut config = self.config.to_config();
        config["name"] = self.base.name.as_deref().unwrap_or("text_vectorization").into();
        self.vocabulary_source.hide_adapted(&mut config);
        config["vocabulary_size"] = self.vocabulary_size().into();
        config
    }

    /// Keras' `vocabulary_size()`: every index (padding's in `"int"` mode, the unknown tokens').
    pub fn vocabulary_size(&self) -> usize {
        let listed = self.config.vocabulary.as_ref().map_or(0, Vec::len);
        self.vocabulary_source.size_or(self.config.token_start() + listed)
    }

    /// The number of columns of the encoded modes.
    fn depth(&self) -> usize {
        match self.config.max_tokens {
            Some(max) if self.config.pad_to_max_tokens => max,
            _ => self.vocabulary_size(),
        }
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("text_vectorization")
    }

    /// Keras' `get_vocabulary()`: the token of each index.
    pub fn get_vocabulary(&self) -> Vec<String> {
        let special = if self.config.output_mode == "int" { vec!["", OOV] } else { vec![OOV] };
        let vocabulary = self.config.vocabulary.iter().flatten().map(String::as_str);
        special.into_iter().chain(vocabulary).map(str::to_string).collect()
    }

    /// Keras' `standardize` then `split` then n-grams of `widths` (see
    /// [`TextVectorizationConfig::ngram_widths`]): the tokens of one string.
    fn tokens(&self, text: &str, widths: &[usize]) -> Vec<String> {
        let c = &self.config;
        let standardize = c.standardize.as_deref().unwrap_or("");
        let mut text = text.to_string();
        if standardize.starts_with("lower") {
            text.make_ascii_lowercase();
        }
        if standardize.ends_with("strip_punctuation") {
            text.retain(|ch| !ch.is_ascii_punctuation());
        }
        let unigrams: Vec<String> = match c.split.as_deref() {
            Some("character") => text.chars().map(String::from).collect(),
            // TensorFlow's whitespace: space, \t, \n, \v, \f, \r.
            _ => text
                .split([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect(),
        };
        if widths == [1] {
            return unigrams;
        }
        // TensorFlow's `strings.ngrams`: every width in turn, joined by a space.
        widths.iter().flat_map(|&n| unigrams.windows(n).map(|w| w.join(" ")).collect::<Vec<_>>()).collect()
    }

    /// Keras' `adapt` on strings: the vocabulary (and, in `"tf_idf"` mode, the IDF weights).
    pub fn adapt(mut self, texts: &[impl AsRef<str>]) -> Result<Self> {
        self.config.validate()?;
        let widths = self.config.ngram_widths()?;
        let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
        for text in texts {
            let tokens = self.tokens(text.as_ref(), &widths);
            let mut in_document = HashSet::new();
            for token in tokens {
                if token.is_empty() || token == OOV {
                    continue;
                }
                let entry = counts.entry(token.clone()).or_default();
                entry.0 += 1;
                if in_document.insert(token) {
                    entry.1 += 1;
                }
            }
        }
        let keep = self.config.max_tokens.map(|m| m.saturating_sub(self.config.token_start()));
        let documents = (self.config.output_mode == "tf_idf").then_some(texts.len());
        let (vocabulary, idf) = rank_tokens(counts, keep, documents);
        self.config.vocabulary = Some(vocabulary);
        self.config.idf_weights = idf;
        self.vocabulary_source = VocabularySource::Adapted;
        Ok(self)
    }

    /// The layer on a batch of strings (Keras' `vectorize_layer(texts)`): ids `(batch, length)`
    /// in `"int"` mode, otherwise `(batch, columns)`.
    pub fn vectorize(&self, texts: &[impl AsRef<str>]) -> Result<ArrayD<f32>> {
        self.vectorize_with(&self.token_index()?, texts)
    }

    /// Each vocabulary token's id, after checking that the layer can vectorize.
    fn token_index(&self) -> Result<HashMap<&str, usize>> {
        let c = &self.config;
        c.validate()?;
        self.vocabulary_source.check_loaded("TextVectorization")?;
        let start = c.token_start();
        Ok(c.vocabulary.iter().flatten().enumerate().map(|(i, t)| (t.as_str(), start + i)).collect())
    }

    /// [`vectorize`](Self::vectorize) with the vocabulary's `index` already built.
    fn vectorize_with<K: Borrow<str> + Eq + Hash>(
        &self,
        index: &HashMap<K, usize>,
        texts: &[impl AsRef<str>],
    ) -> Result<ArrayD<f32>> {
        let c = &self.config;
        let widths = c.ngram_widths()?;
        let oov = c.token_start() - 1;
        let ids: Vec<Vec<usize>> = texts
            .iter()
            .map(|t| {
                self.tokens(t.as_ref(), &widths).iter().map(|w| index.get(w.as_str()).copied().unwrap_or(oov)).collect()
            })
            .collect();
        if c.output_mode == "int" {
            let length = c.output_sequence_length.unwrap_or_else(|| ids.iter().map(Vec::len).max().unwrap_or(0));
            let mut out = Array2::<f32>::zeros((texts.len(), length));
            for (mut row, ids) in out.rows_mut().into_iter().zip(&ids) {
                row.iter_mut().zip(ids).for_each(|(slot, &id)| *slot = id as f32);
            }
            return Ok(out.into_dyn());
        }
        Ok(encode_rows(&ids, self.depth(), &c.output_mode, c.idf_weights.as_deref(), 1).into_dyn())
    }
}

impl Layer for TextVectorization {
    layer_boilerplate!("TextVectorization");

    fn config(&self) -> Value {
        without_name(self.get_config())
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let c = &self.config;
        c.validate()?;
        let name = self.layer_name();
        if !matches!(input.0.as_slice(), [_] | [_, Some(1)]) {
            return Err(Error::shape(format!(
                "Layer \"{name}\" (TextVectorization) takes one string per sample: shape (batch,) or (batch, 1); \
                 received input shape {input}"
            )));
        }
        check_has_vocabulary("TextVectorization", name, c.vocabulary.is_some() || self.vocabulary_source.adapted())?;
        match (c.output_mode.as_str(), c.output_sequence_length) {
            ("int", Some(length)) => Ok(Shape(vec![input.0[0], Some(length)])),
            ("int", None) => Err(Error::value(format!(
                "Layer \"{name}\" (TextVectorization): inside a model keras-rs needs `output_sequence_length` in \
                 \"int\" mode (Keras pads each batch to its longest text; keras-rs gives every batch one length)"
            ))),
            _ => Ok(Shape(vec![input.0[0], Some(self.depth())])),
        }
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    /// The strings were vectorized on the host as the batch was read (`encode_strings`).
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        Ok(inputs)
    }
    fn takes_strings(&self) -> bool {
        true
    }
    fn string_encoder(&self) -> Result<StringEncoder> {
        let index: HashMap<String, usize> = self.token_index()?.into_iter().map(|(t, i)| (t.to_string(), i)).collect();
        let layer = self.clone();
        Ok(Box::new(move |strings, _dims| Ok(into_values(layer.vectorize_with(&index, strings)?))))
    }
    fn save_state(&self) -> Vec<StateEntry> {
        let tokens = self.vocabulary_source.adapted().then(|| self.get_vocabulary());
        let idf = self.config.idf_weights.as_deref().filter(|_| self.config.output_mode == "tf_idf");
        let mut entries = vec![StateEntry::Group("_lookup_layer/vars".into())];
        entries.extend(lookup_state(&["", "_lookup_layer/"], tokens.as_deref(), idf, 1, self.depth()));
        entries
    }
    fn load_state(&mut self, source: &dyn StateSource) -> Result<()> {
        let label = format!("TextVectorization \"{}\"", self.layer_name());
        let listed = self.config.vocabulary.as_ref().map_or(0, Vec::len);
        let tf_idf = self.config.output_mode == "tf_idf";
        let LoadedLookup { vocabulary, idf } =
            load_lookup_state(&label, source, self.vocabulary_source, &|| self.get_vocabulary(), tf_idf, (1, listed))?;
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
    fn keras_errors_for_bad_arguments() {
        let err = TextVectorization::new().output_mode("one_hot").vectorize(&["a"]).unwrap_err();
        assert!(err.to_string().contains("Received: output_mode=one_hot"), "{err}");
        let err = TextVectorization::new().output_mode("count").output_sequence_length(3).adapt(&["a"]).unwrap_err();
        assert!(err.to_string().contains("`output_sequence_length` must not be set"), "{err}");
        let err = TextVectorization::new().vocabulary(vec!["a".to_string(), "a".to_string()]).vectorize(&["a"]);
        assert!(err.unwrap_err().to_string().contains("repeated term is a"));
        let err = TextVectorization::new().ngrams(serde_json::json!("two")).adapt(&["a"]).unwrap_err();
        assert!(err.to_string().contains("`ngrams` must be None, an integer"), "{err}");
    }

    #[test]
    fn a_given_vocabulary_is_in_the_config_an_adapted_one_in_the_assets() {
        let given = TextVectorization::new()
            .output_mode("tf_idf")
            .vocabulary(vec!["b".to_string(), "a".to_string()])
            .idf_weights(vec![0.5, 0.25]);
        let back = TextVectorization::from_config(&given.get_config()).unwrap();
        assert_eq!(back.get_vocabulary(), given.get_vocabulary());
        assert_eq!(back.vectorize(&["b c a"]).unwrap(), given.vectorize(&["b c a"]).unwrap());
        // Adapted: Keras writes `vocabulary: null` and keeps the tokens in `vocabulary.txt`.
        let adapted = TextVectorization::new().output_mode("tf_idf").adapt(&["a b b", "b c"]).unwrap();
        let config = adapted.get_config();
        assert_eq!((config["vocabulary"].is_null(), config["vocabulary_size"].as_u64()), (true, Some(4)));
        let state = Layer::save_state(&adapted);
        let asset = StateEntry::Asset { path: "vocabulary.txt".into(), bytes: b"[UNK]\nb\nc\na".to_vec() };
        assert!(state.contains(&asset), "{state:?}");
        let mut loaded = TextVectorization::from_config(&config).unwrap();
        assert_eq!(loaded.vocabulary_size(), 4, "promised by the config, read from the asset");
        /// The saved entries, read back.
        struct Saved(Vec<StateEntry>);
        impl StateSource for Saved {
            fn dataset(&self, path: &str) -> Result<Option<(Vec<usize>, Vec<f32>)>> {
                Ok(self.0.iter().find_map(|e| match e {
                    StateEntry::Dataset { path: p, shape, values } if p == path => {
                        Some((shape.clone(), values.clone()))
                    }
                    _ => None,
                }))
            }
            fn asset(&self, path: &str) -> Result<Option<Vec<u8>>> {
                Ok(self.0.iter().find_map(|e| match e {
                    StateEntry::Asset { path: p, bytes } if p == path => Some(bytes.clone()),
                    _ => None,
                }))
            }
        }
        loaded.load_state(&Saved(state)).unwrap();
        assert_eq!(loaded.get_vocabulary(), adapted.get_vocabulary());
        assert_eq!(loaded.vectorize(&["b c d"]).unwrap(), adapted.vectorize(&["b c d"]).unwrap());
        let err = TextVectorization::from_config(&config).unwrap().load_state(&Saved(Vec::new())).unwrap_err();
        assert!(err.to_string().contains("has no vocabulary.txt asset"), "{err}");
    }
}
crate::models::graph::functional_call!(TextVectorization);
