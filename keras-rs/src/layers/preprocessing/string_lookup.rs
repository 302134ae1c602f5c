//! `StringLookup`: string tokens (categories, words) to contiguous indices into a vocabulary,
//! given or learned by `adapt`, and back (`invert`) — on the host, before the model.

use std::collections::{HashMap, HashSet};

use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

use super::index_lookup::{
    check_idf_weights, check_listed_vocabulary, check_lookup_args, check_vocabulary, encode_rows, rank_tokens,
};
use crate::error::{Error, Result};
use crate::layers::LayerBase;
use crate::layers::config::{Validate, keras_config};

/// Keras' `StringLookup(max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
/// vocabulary=None, idf_weights=None, invert=False, output_mode="int",
/// pad_to_max_tokens=False)`: in `"int"` mode index 0 is the mask token (when set; the mask
/// token maps to it), then `num_oov_indices` out-of-vocabulary indices (an unknown token takes
/// `FarmHash64(token) % num_oov_indices` among them), then the vocabulary in order; the other
/// modes (`"one_hot"`, `"multi_hot"`, `"count"`, `"tf_idf"`) give one column per index, the
/// unknown tokens' first, and leave the mask token out. `adapt` learns the vocabulary: the most
/// frequent tokens first, ties the larger token first (Keras' order), at most `max_tokens`
/// indices in all, with IDF weights in `"tf_idf"` mode. `invert` maps indices back to tokens.
///
/// keras-rs tensors are numbers, so this layer runs on the host, on strings, and gives the array
/// a model takes (`lookup`; `inverse` for `invert`); a `.keras` model with a `StringLookup`
/// inside is refused at load.
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
        StringLookup { base: LayerBase::default(), config: StringLookupConfig::new() }
    }

    /// The layer's name (Keras' `name=`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Reads Keras' `StringLookup` config; one whose vocabulary is a file asset of the `.keras`
    /// archive (adapted in Keras: the config says `vocabulary: null`) is refused.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = StringLookupConfig::from_config(config, "StringLookup")?;
        read.validate()?;
        let layer = StringLookup { base: LayerBase::from_config(config), config: read };
        check_listed_vocabulary("StringLookup", config, layer.vocabulary_size())?;
        Ok(layer)
    }

    /// Keras' `get_config`, with the vocabulary (and IDF weights) listed.
    pub fn get_config(&self) -> Value {
        let mut config = self.config.to_config();
        config["name"] = self.base.name.as_deref().unwrap_or("string_lookup").into();
        config["vocabulary_size"] = self.vocabulary_size().into();
        config
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
        self.token_start() + self.config.vocabulary.as_ref().map_or(0, Vec::len)
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
        Ok(self)
    }

    /// The layer on tokens (Keras' `lookup(tokens)`): their indices (same shape) in `"int"` mode;
    /// otherwise `(rows, columns)`, each element of a 1-D input a row, each row of a 2-D one.
    pub fn lookup<S: AsRef<str>>(&self, tokens: &ArrayD<S>) -> Result<ArrayD<f32>> {
        let c = &self.config;
        c.validate()?;
        if c.invert {
            return Err(Error::value("StringLookup(invert=True) maps indices to tokens: call `inverse`"));
        }
        let start = self.token_start();
        let index: HashMap<&str, usize> =
            c.vocabulary.iter().flatten().enumerate().map(|(i, t)| (t.as_str(), start + i)).collect();
        let mask = c.mask_token.as_deref();
        // `None` for the mask token outside `"int"` mode (left out of the encodings).
        let id = |t: &str| -> Option<usize> {
            if Some(t) == mask {
                return self.masks().then_some(0);
            }
            // Keras: an unknown token's OOV index is `FarmHash64(token) % num_oov_indices`.
            let oov = c.num_oov_indices;
            let hashed = || start - oov + (farmhash::fingerprint64(t.as_bytes()) % oov as u64) as usize;
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
        let depth = match c.max_tokens {
            Some(max) if c.pad_to_max_tokens => max,
            _ => self.vocabulary_size(),
        };
        Ok(encode_rows(&rows, depth, &c.output_mode, c.idf_weights.as_deref(), c.num_oov_indices).into_dyn())
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
