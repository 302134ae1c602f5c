//! `IntegerLookup`: integer tokens (ids, codes, years, ...) to contiguous indices into a
//! vocabulary, given or learned by `adapt`.

use std::collections::HashMap;

use serde_json::Value;

use super::category_encoding::{encode, index_output_shape};
use super::index_lookup::{
    LoadedLookup, VocabularySource, check_idf_weights, check_lookup_args, check_vocabulary, idf_row, load_lookup_state,
    lookup_state, rank_tokens,
};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, StateEntry, StateSource, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `IntegerLookup(max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
/// vocabulary=None, idf_weights=None, output_mode="int", invert=False)`: index 0 is the mask token (when set),
/// then `num_oov_indices` out-of-vocabulary indices (an unknown token `t` takes
/// `floormod(t, num_oov_indices)` among them), then the vocabulary in order. `adapt` builds the
/// vocabulary from data: the most frequent tokens first (ties: the larger token first, as Keras),
/// at most `max_tokens` indices in all. `output_mode` `"one_hot"`/`"multi_hot"`/`"count"` encode
/// the indices (without the mask's), `"tf_idf"` weighs the counts by each token's
/// `ln(1 + documents / (1 + documents with it))` (a document: a row; unknown tokens weigh the
/// mean); `invert` maps indices back to tokens. In a `.keras` file a
/// given vocabulary is listed in the config and an adapted one is the asset `vocabulary.txt`, as
/// Keras saves them.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::IntegerLookup;
/// let lookup = IntegerLookup::new().vocabulary(vec![12, 36, 1138, 42]);
/// let model = Sequential::new().add(Input::new(&[3])).add(lookup);
/// let y = model.predict(&ndarray::array![[12.0f32, 1138.0, 7.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![1.0, 3.0, 0.0]); // 7 is out of vocabulary
/// ```
#[derive(Clone, Debug)]
pub struct IntegerLookup {
    base: LayerBase,
    config: IntegerLookupConfig,
    /// Each vocabulary token's index, once built.
    index: HashMap<i64, usize>,
    /// Given, adapted (saved as an asset), or still in a loaded file's assets.
    vocabulary_source: VocabularySource,
}

keras_config! {
    /// Keras' `IntegerLookup` arguments.
    pub struct IntegerLookupConfig {
        args {
            /// Map indices back to tokens (default false).
            invert: bool = false,
            /// The most indices `adapt` makes, mask and out-of-vocabulary ones included.
            max_tokens: Option<usize> = None,
            /// How many indices unknown tokens share (default 1; keras-rs needs at least 1).
            num_oov_indices: usize = 1,
            /// The token `invert` gives for out-of-vocabulary indices (default -1).
            oov_token: i64 = -1,
            /// A token that maps to index 0 and is left out of the encodings (default none).
            mask_token: Option<i64> = None,
            /// `"int"` (default), `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
            output_mode: String = "int".to_string(),
            /// Keras' sparse outputs (only `false`).
            sparse: bool = false,
            /// Encode to `max_tokens` positions whatever the vocabulary's size (default false).
            pad_to_max_tokens: bool = false,
            /// The vocabulary, in index order (default: from `adapt`).
            vocabulary: Option<Vec<i64>> = None,
            /// In `"tf_idf"` mode, the vocabulary's IDF weights (default: from `adapt`).
            idf_weights: Option<Vec<f32>> = None,
        }
        other {
            /// Keras' token dtype (only `"int64"`).
            vocabulary_dtype: String = "int64".to_string(),
            /// How unknown tokens pick their index (only Keras' `"floormod"`).
            oov_method: String = "floormod".to_string(),
            /// Keras' hashing salt (only `None`).
            salt: Option<Value> = None,
        }
    }
    setters for [] IntegerLookup => config;
}

impl Validate for IntegerLookupConfig {
    fn validate(&self) -> Result<()> {
        if !matches!(self.output_mode.as_str(), "int" | "one_hot" | "multi_hot" | "count" | "tf_idf") {
            return Err(Error::value(format!(
                "Invalid value for argument `output_mode` of IntegerLookup: expected one of 'int', 'one_hot', \
                 'multi_hot', 'count', 'tf_idf'. Received: output_mode={}",
                self.output_mode
            )));
        }
        check_lookup_args(
            "IntegerLookup",
            self.num_oov_indices,
            self.invert,
            &self.output_mode,
            self.pad_to_max_tokens,
            self.max_tokens,
        )?;
        if self.sparse || self.oov_method != "floormod" || self.vocabulary_dtype != "int64" {
            return Err(Error::value(format!(
                "IntegerLookup: keras-rs has dense int64 lookups with oov_method='floormod'; received sparse={}, \
                 oov_method={}, vocabulary_dtype={}",
                self.sparse, self.oov_method, self.vocabulary_dtype
            )));
        }
        check_vocabulary(
            "IntegerLookup",
            self.vocabulary.as_deref(),
            &[self.mask_token.as_ref(), Some(&self.oov_token)],
        )?;
        check_idf_weights(self.vocabulary.as_deref(), self.idf_weights.as_deref(), &self.output_mode)
    }
}

common_builders!(IntegerLookup);

impl Default for IntegerLookup {
    fn default() -> Self {
        Self::new()
    }
}

impl IntegerLookup {
    /// Keras' defaults: one out-of-vocabulary index, no mask; give `vocabulary` or `adapt`.
    pub fn new() -> Self {
        IntegerLookup {
            base: LayerBase::default(),
            config: IntegerLookupConfig::new(),
            index: HashMap::new(),
            vocabulary_source: VocabularySource::Given,
        }
    }
    /// Reads Keras' `IntegerLookup` config. One whose vocabulary Keras keeps in a file asset of
    /// the `.keras` archive (adapted: `vocabulary: null` and its `vocabulary_size`) gives a layer
    /// that takes its vocabulary from that file when the model is loaded.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = IntegerLookupConfig::from_config(config, "IntegerLookup")?;
        let mut layer = IntegerLookup { base: LayerBase::from_config(config), config: read, ..Self::new() };
        let c = &layer.config;
        let reserved = usize::from(c.mask_token.is_some() && c.output_mode == "int").saturating_add(c.num_oov_indices);
        let (tokens, name) =
            (c.vocabulary.as_ref().map_or(0, Vec::len), format!("IntegerLookup '{}'", layer.layer_name()));
        layer.vocabulary_source = VocabularySource::from_config(config, reserved, tokens, &name)?;
        Ok(layer)
    }

    /// Keras' `get_vocabulary()`: the token of each index (the mask's in `"int"` mode, the OOV
    /// token once per OOV index, then the vocabulary).
    pub fn get_vocabulary(&self) -> Vec<i64> {
        let vocabulary = self.config.vocabulary.iter().flatten().copied();
        self.special_tokens().into_iter().chain(vocabulary).collect()
    }

    /// The tokens of the indices before the vocabulary's: the mask's (in `"int"` mode), then
    /// the OOV token once per OOV index (Keras' `get_vocabulary()` starts with them).
    fn special_tokens(&self) -> Vec<i64> {
        let c = &self.config;
        let mask = c.mask_token.filter(|_| c.output_mode == "int");
        mask.into_iter().chain(std::iter::repeat_n(c.oov_token, c.num_oov_indices)).collect()
    }

    /// Each vocabulary token's index.
    fn build_index(&mut self) {
        let c = &self.config;
        let first = usize::from(c.mask_token.is_some()) + c.num_oov_indices;
        let vocabulary = c.vocabulary.as_deref().unwrap_or(&[]);
        self.index = vocabulary.iter().enumerate().map(|(i, &t)| (t, first + i)).collect();
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("integer_lookup")
    }

    /// Keras' `vocabulary_size()`: every index, the mask's counted in `"int"` mode only.
    pub fn vocabulary_size(&self) -> usize {
        let c = &self.config;
        let mask = usize::from(c.mask_token.is_some() && c.output_mode == "int");
        self.vocabulary_source.size_or(mask + c.num_oov_indices + c.vocabulary.as_ref().map_or(0, Vec::len))
    }

    /// Keras' `adapt` on an array of tokens: the vocabulary, most frequent first.
    pub fn adapt(self, data: &ndarray::ArrayD<f32>) -> Result<Self> {
        self.adapt_batches([data])
    }

    /// Keras' `adapt` on batches of tokens.
    pub fn adapt_batches<I>(mut self, batches: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: std::borrow::Borrow<ndarray::ArrayD<f32>>,
    {
        let c = &self.config;
        // (count, documents with it); a document is each element of a 1-D batch, each row of a
        // wider one, as Keras counts them for the IDF.
        let mut counts: HashMap<i64, (usize, usize)> = HashMap::new();
        let mut documents = 0;
        for batch in batches {
            let batch = std::borrow::Borrow::borrow(&batch);
            let width = if batch.ndim() < 2 { 1 } else { batch.shape()[batch.ndim() - 1].max(1) };
            let values: Vec<f32> = batch.iter().copied().collect();
            for row in values.chunks(width) {
                documents += 1;
                let mut in_document = std::collections::HashSet::new();
                for &v in row {
                    let token = v as i64;
                    if Some(token) != c.mask_token && token != c.oov_token {
                        let entry = counts.entry(token).or_default();
                        entry.0 += 1;
                        entry.1 += usize::from(in_document.insert(token));
                    }
                }
            }
        }
        // Keras' `_token_start_index`: the mask's index counts in "int" mode only.
        let reserved = c.num_oov_indices + usize::from(c.mask_token.is_some() && c.output_mode == "int");
        let keep = c.max_tokens.map(|m| m.saturating_sub(reserved));
        let documents = (c.output_mode == "tf_idf").then_some(documents);
        let (vocabulary, idf) = rank_tokens(counts, keep, documents);
        (self.config.vocabulary, self.config.idf_weights) = (Some(vocabulary), idf);
        self.vocabulary_source = VocabularySource::Adapted;
        Ok(self)
    }

    /// The index of each token (as `"int"` mode gives it).
    fn lookup(&self, tokens: &[f32]) -> Vec<f32> {
        let c = &self.config;
        let mask = usize::from(c.mask_token.is_some());
        let oov = c.num_oov_indices as i64;
        tokens
            .iter()
            .map(|&v| {
                let token = v as i64;
                if Some(token) == c.mask_token {
                    0.0
                } else {
                    self.index.get(&token).map_or((mask as i64 + token.rem_euclid(oov)) as f32, |&i| i as f32)
                }
            })
            .collect()
    }

    /// The token of each index (`invert`).
    fn tokens_of(&self, indices: &[f32]) -> Vec<f32> {
        let c = &self.config;
        let mask = usize::from(c.mask_token.is_some());
        let first = mask + c.num_oov_indices;
        let vocabulary = c.vocabulary.as_deref().unwrap_or(&[]);
        indices
            .iter()
            .map(|&v| {
                let i = v as i64;
                match c.mask_token {
                    Some(m) if i == 0 => m as f32,
                    _ if i >= first as i64 && ((i as usize) - first) < vocabulary.len() => {
                        vocabulary[i as usize - first] as f32
                    }
                    _ => c.oov_token as f32,
                }
            })
            .collect()
    }

    /// The number of positions of the encoded modes.
    fn depth(&self) -> usize {
        match self.config.max_tokens {
            Some(max) if self.config.pad_to_max_tokens => max,
            _ => self.vocabulary_size(),
        }
    }
}

impl Layer for IntegerLookup {
    layer_boilerplate!("IntegerLookup");

    fn config(&self) -> Value {
        let mut config = self.config.to_config();
        self.vocabulary_source.hide_adapted(&mut config); // Keras keeps them in the file
        config["vocabulary_size"] = self.vocabulary_size().into();
        config
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        validated(&self.config, self.layer_name())?;
        index_output_shape(input, self.layer_name(), &self.config.output_mode, self.depth())
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        self.build_index();
        Ok(Vec::new())
    }
    fn save_state(&self) -> Vec<StateEntry> {
        let tokens: Option<Vec<String>> =
            self.vocabulary_source.adapted().then(|| self.get_vocabulary().iter().map(i64::to_string).collect());
        let idf = self.config.idf_weights.as_deref().filter(|_| self.config.output_mode == "tf_idf");
        lookup_state(&[""], tokens.as_deref(), idf, self.config.num_oov_indices, self.depth())
    }
    fn load_state(&mut self, source: &dyn StateSource) -> Result<()> {
        let label = format!("IntegerLookup \"{}\"", self.layer_name());
        let special = || self.special_tokens().iter().map(i64::to_string).collect();
        let listed = self.config.vocabulary.as_ref().map_or(0, Vec::len);
        let tf_idf = self.config.output_mode == "tf_idf";
        let lead = self.config.num_oov_indices;
        let LoadedLookup { vocabulary, idf } =
            load_lookup_state(&label, source, self.vocabulary_source, &special, tf_idf, (lead, listed))?;
        if idf.is_some() {
            self.config.idf_weights = idf;
        }
        if let Some(tokens) = vocabulary {
            let parsed = tokens.iter().map(|t| {
                t.trim().parse::<i64>().map_err(|_| {
                    Error::Format(format!("{label}: vocabulary.txt holds {t:?}, which is not an integer token"))
                })
            });
            let vocabulary = parsed.collect::<Result<_>>()?;
            (self.config.vocabulary, self.vocabulary_source) = (Some(vocabulary), VocabularySource::Adapted);
            self.build_index();
        }
        Ok(())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        self.vocabulary_source.check_loaded("IntegerLookup")?;
        let (dims, device) = (inputs.dims(), inputs.device());
        let values = inputs.into_vec()?;
        if self.config.invert {
            return DynTensor::from_data(self.tokens_of(&values), &dims, &device);
        }
        let indices = DynTensor::from_data(self.lookup(&values), &dims, &device)?;
        if self.config.output_mode == "int" {
            return Ok(indices);
        }
        // The encodings leave out the mask's index 0: shift it out of range.
        let shift = usize::from(self.config.mask_token.is_some());
        let indices = indices.into_rank::<2>(self.layer_name())?;
        let indices = if shift == 1 { indices.sub_scalar(1.0) } else { indices };
        let Some(idf) = self.config.idf_weights.as_deref().filter(|_| self.config.output_mode == "tf_idf") else {
            return Ok(encode(indices, &self.config.output_mode, self.depth()));
        };
        // "tf_idf": the counts, each column weighed by its IDF.
        let depth = self.depth();
        let counts = encode(indices, "count", depth).into_rank::<2>(self.layer_name())?;
        let row = idf_row(idf, self.config.num_oov_indices, depth);
        let weights = burn::tensor::Tensor::<1>::from_data(burn::tensor::TensorData::new(row, [depth]), &device);
        Ok(DynTensor::new(counts * weights.reshape([1, depth])))
    }
}
