//! What Keras' `IndexLookup` base gives its lookup layers (StringLookup, IntegerLookup, and
//! TextVectorization through its StringLookup): argument and vocabulary checks, `adapt`'s
//! ranking with IDF weights, and the encoded output modes on the host.

use std::collections::{HashMap, HashSet};
use std::fmt::{Debug, Display};
use std::hash::Hash;

use ndarray::Array2;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::layers::{StateEntry, StateSource};

/// Keras' checks of a given vocabulary: no repeated token, no reserved (mask or OOV) token
/// among them.
pub(crate) fn check_vocabulary<T: Eq + Hash + Display + Debug>(
    class: &str,
    vocabulary: Option<&[T]>,
    reserved: &[Option<&T>],
) -> Result<()> {
    let Some(vocabulary) = vocabulary else { return Ok(()) };
    let mut seen = HashSet::new();
    if let Some(repeated) = vocabulary.iter().find(|t| !seen.insert(*t)) {
        return Err(Error::value(format!(
            "The passed vocabulary has at least one repeated term. Please uniquify your dataset. The repeated \
             term is {repeated}"
        )));
    }
    if let Some(token) = vocabulary.iter().find(|t| reserved.contains(&Some(*t))) {
        return Err(Error::value(format!(
            "{class}: the passed vocabulary holds the reserved token {token:?} (the mask and OOV tokens have \
             their own indices); pass the other tokens"
        )));
    }
    Ok(())
}

/// Keras' `IndexLookup` argument checks that StringLookup and IntegerLookup share: at least one
/// OOV index (keras-rs' bound), `invert` in `"int"` mode only, `max_tokens` with
/// `pad_to_max_tokens`.
pub(crate) fn check_lookup_args(
    class: &str,
    num_oov_indices: usize,
    invert: bool,
    output_mode: &str,
    pad_to_max_tokens: bool,
    max_tokens: Option<usize>,
) -> Result<()> {
    if num_oov_indices == 0 {
        return Err(Error::value(format!(
            "{class}: keras-rs needs num_oov_indices >= 1 (with 0, Keras fails on the first unknown token); \
             received num_oov_indices=0"
        )));
    }
    if invert && output_mode != "int" {
        return Err(Error::value(format!(
            "`output_mode` must be `'int'` when `invert` is true. Received: output_mode={output_mode}"
        )));
    }
    if pad_to_max_tokens && max_tokens.is_none() {
        return Err(Error::value("If pad_to_max_tokens is True, must set `max_tokens`."));
    }
    Ok(())
}

/// Keras' checks of given IDF weights: with a vocabulary of their length, in `"tf_idf"` mode only.
pub(crate) fn check_idf_weights<T>(vocabulary: Option<&[T]>, idf: Option<&[f32]>, output_mode: &str) -> Result<()> {
    match (vocabulary, idf, output_mode == "tf_idf") {
        (Some(_), None, true) => Err(Error::value("`idf_weights` must be set if output_mode is 'tf_idf'.")),
        (Some(v), Some(w), true) if w.len() != v.len() => Err(Error::value(format!(
            "`idf_weights` must be the same length as vocabulary. len(idf_weights) is {}; len(vocabulary) is {}",
            w.len(),
            v.len()
        ))),
        (_, Some(_), false) => Err(Error::value(format!(
            "`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: output_mode={output_mode}"
        ))),
        _ => Ok(()),
    }
}

/// Where a lookup layer's vocabulary comes from, which decides where a `.keras` file keeps it
/// (Keras tells them apart by `input_vocabulary is None`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) enum VocabularySource {
    /// Given to the layer (or none yet): listed in its config.
    #[default]
    Given,
    /// Learned by `adapt` (or read back from a file's assets): the config says `vocabulary:
    /// null`, and the file keeps the asset `vocabulary.txt`.
    Adapted,
    /// Promised by a loaded config (`vocabulary: null` and this `vocabulary_size`), still to be
    /// read from the file's assets by `load_state`.
    InAssets(usize),
}

impl VocabularySource {
    /// The source a config says: [`InAssets`](Self::InAssets) when it promises more indices than
    /// the special tokens' `reserved` without listing a vocabulary; otherwise the listed `tokens`
    /// (with the reserved indices) must give its `vocabulary_size`. `layer` names the layer in
    /// the message.
    pub(crate) fn from_config(config: &Value, reserved: usize, tokens: usize, layer: &str) -> Result<Self> {
        let size = config.get("vocabulary_size").and_then(Value::as_u64).map(|n| n as usize);
        let listed = config.get("vocabulary").is_some_and(|v| !v.is_null());
        let given = reserved.saturating_add(tokens);
        match size {
            Some(size) if !listed && size > reserved => Ok(VocabularySource::InAssets(size)),
            Some(size) if size != given => Err(Error::Format(format!(
                "{layer}: the config says vocabulary_size={size}, but its vocabulary and special tokens give {given} \
                 indices"
            ))),
            _ => Ok(VocabularySource::Given),
        }
    }

    /// Whether the vocabulary is an asset of the file, not a config entry.
    pub(crate) fn adapted(self) -> bool {
        self != VocabularySource::Given
    }

    /// The vocabulary size: the promised one while it is in the assets, else `listed`.
    pub(crate) fn size_or(self, listed: usize) -> usize {
        match self {
            VocabularySource::InAssets(size) => size,
            _ => listed,
        }
    }

    /// Keras' `get_config` of an adapted layer: no `vocabulary` or `idf_weights` listed.
    pub(crate) fn hide_adapted(self, config: &mut Value) {
        if self.adapted() {
            config["vocabulary"] = Value::Null;
            config["idf_weights"] = Value::Null;
        }
    }

    /// Refuses to look tokens up while the promised vocabulary has not been read from the
    /// `.keras` file's assets: every token would be unknown.
    pub(crate) fn check_loaded(self, class: &str) -> Result<()> {
        match self {
            VocabularySource::InAssets(size) => Err(Error::value(format!(
                "This {class} was read from a config without its vocabulary of {size} indices (Keras keeps an \
                 adapted vocabulary in the `.keras` file's assets): load the model file, or give `vocabulary`"
            ))),
            _ => Ok(()),
        }
    }
}

/// What a lookup layer keeps in a `.keras` file (Keras' `IndexLookup.save_own_variables` and
/// `save_assets`): in `"tf_idf"` mode `vars/idf_weights`, the weights of every index (the
/// unknown tokens' mean first, `lead` times; zeros past the vocabulary up to `depth`); when the
/// vocabulary was adapted (a given one is listed in the config), `vocabulary.txt`, the token of
/// every index, one per line. Each goes under every prefix of `places` (TextVectorization's
/// inner `_lookup_layer/` as well as its own group).
pub(crate) fn lookup_state(
    places: &[&str],
    adapted_tokens: Option<&[String]>,
    idf: Option<&[f32]>,
    lead: usize,
    depth: usize,
) -> Vec<StateEntry> {
    let mut entries = Vec::new();
    for place in places {
        if let Some(idf) = idf {
            let values = idf_row(idf, lead, depth);
            entries.push(StateEntry::Dataset {
                path: format!("{place}vars/idf_weights"),
                shape: vec![values.len()],
                values,
            });
        }
        if let Some(tokens) = adapted_tokens {
            entries.push(StateEntry::Asset {
                path: format!("{place}vocabulary.txt"),
                bytes: tokens.join("\n").into_bytes(),
            });
        }
    }
    entries
}

/// Keras' `load_assets` then `set_vocabulary`: the lines of `vocabulary.txt` (trailing empty
/// lines dropped), without the `special` tokens (mask, then OOV) when it starts with exactly
/// them; `expected` is the config's `vocabulary_size`.
fn read_vocabulary_asset(
    layer: &str,
    source: &dyn StateSource,
    special: &dyn Fn() -> Vec<String>,
    expected: usize,
) -> Result<Vec<String>> {
    let bytes = source.asset("vocabulary.txt")?.ok_or_else(|| {
        Error::Format(format!("{layer}: the .keras file has no vocabulary.txt asset for this layer's vocabulary"))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::Format(format!("{layer}: vocabulary.txt is not UTF-8 text: {e}")))?;
    // Python's `splitlines`: \n, \r\n and \r end a line.
    let mut lines: Vec<String> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_string()).collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    // The special tokens are built only once the file is known to be long enough for them (a
    // config may claim billions of OOV indices).
    if expected > lines.len() {
        return Err(Error::Format(format!(
            "{layer}: vocabulary.txt holds {} lines, but the config says vocabulary_size={expected}",
            lines.len()
        )));
    }
    let special = special();
    if lines.len() >= special.len() && lines[..special.len()] == *special {
        lines.drain(..special.len());
    }
    if lines.len() + special.len() != expected {
        return Err(Error::Format(format!(
            "{layer}: vocabulary.txt holds {} tokens besides the {} special ones, but the config says \
             vocabulary_size={expected}",
            lines.len(),
            special.len()
        )));
    }
    Ok(lines)
}

/// A lookup layer's `Layer::config`: its `get_config` without the name (which `LayerBase` gives).
pub(crate) fn without_name(mut config: Value) -> Value {
    if let Some(map) = config.as_object_mut() {
        map.remove("name");
    }
    config
}

/// Refuses a lookup layer called in a model before it has a vocabulary (`has`).
pub(crate) fn check_has_vocabulary(class: &str, name: &str, has: bool) -> Result<()> {
    if has {
        return Ok(());
    }
    Err(Error::value(format!(
        "Layer \"{name}\" ({class}) has no vocabulary yet: call `adapt` (or give `vocabulary`) before calling it \
         in a model, which keeps a copy of the layer"
    )))
}

/// Keras' `load_assets` and `load_own_variables` for a lookup layer: the vocabulary from
/// `vocabulary.txt` when the config promised one (`vocabulary_source` in the assets; `special`:
/// the tokens the file starts with, built once the file is known to hold them), and in
/// `"tf_idf"` mode the IDF weights of the `tokens` (the listed vocabulary's length when nothing
/// is awaited), after `lead` weights of unknown tokens.
pub(crate) fn load_lookup_state(
    label: &str,
    source: &dyn StateSource,
    vocabulary_source: VocabularySource,
    special: &dyn Fn() -> Vec<String>,
    tf_idf: bool,
    (lead, tokens): (usize, usize),
) -> Result<LoadedLookup> {
    let awaiting = match vocabulary_source {
        VocabularySource::InAssets(size) => Some(size),
        _ => None,
    };
    let vocabulary = awaiting.map(|expected| read_vocabulary_asset(label, source, special, expected)).transpose()?;
    let tokens = vocabulary.as_ref().map_or(tokens, Vec::len);
    let idf = tf_idf.then(|| read_idf_weights(label, source, lead, tokens)).transpose()?;
    Ok(LoadedLookup { vocabulary, idf })
}

/// What [`load_lookup_state`] read: the vocabulary (when awaited) and the IDF weights (in
/// `"tf_idf"` mode).
pub(crate) struct LoadedLookup {
    pub vocabulary: Option<Vec<String>>,
    pub idf: Option<Vec<f32>>,
}

/// Keras' `load_own_variables` in `"tf_idf"` mode: the vocabulary's IDF weights out of the stored
/// `vars/idf_weights` (which put `lead` weights of the unknown tokens first).
fn read_idf_weights(layer: &str, source: &dyn StateSource, lead: usize, tokens: usize) -> Result<Vec<f32>> {
    let (_, values) = source
        .dataset("vars/idf_weights")?
        .ok_or_else(|| Error::Format(format!("{layer}: the weights file has no `vars/idf_weights` for tf_idf")))?;
    values.get(lead..lead + tokens).map(<[f32]>::to_vec).ok_or_else(|| {
        Error::Format(format!(
            "{layer}: `vars/idf_weights` holds {} weights, fewer than the {} indices of the vocabulary",
            values.len(),
            lead + tokens
        ))
    })
}

/// Keras' `adapt` ranking: tokens by count, then by token (bytes, or value), both descending (NumPy's
/// `lexsort((tokens, counts))[::-1]`), the first `keep`; with `documents`, each token's IDF
/// `ln(1 + documents / (1 + documents with it))`. `counts` holds (count, documents with it).
pub(crate) fn rank_tokens<T: Ord>(
    counts: HashMap<T, (usize, usize)>,
    keep: Option<usize>,
    documents: Option<usize>,
) -> (Vec<T>, Option<Vec<f32>>) {
    let mut ranked: Vec<(T, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| b.0.cmp(&a.0)));
    ranked.truncate(keep.unwrap_or(ranked.len()));
    let idf = documents
        .map(|n| ranked.iter().map(|(_, (_, docs))| (1.0 + n as f64 / (1.0 + *docs as f64)).ln() as f32).collect());
    (ranked.into_iter().map(|(t, _)| t).collect(), idf)
}

/// An encoded batch as [`StringEncoder`](crate::layers::StringEncoder) gives it: values and shape.
pub(crate) fn into_values(out: ndarray::ArrayD<f32>) -> (Vec<f32>, Vec<usize>) {
    let dims = out.shape().to_vec();
    (out.into_raw_vec_and_offset().0, dims)
}

/// The weight of every column in `"tf_idf"` mode (Keras' `idf_weights_const`): the unknown
/// tokens' `lead` columns weigh the vocabulary's mean IDF (Keras cannot count them in one pass),
/// then each token its own, then zeros up to `depth`.
pub(crate) fn idf_row(idf: &[f32], lead: usize, depth: usize) -> Vec<f32> {
    let mean = if idf.is_empty() { 0.0 } else { idf.iter().sum::<f32>() / idf.len() as f32 };
    let mut row: Vec<f32> = std::iter::repeat_n(mean, lead).chain(idf.iter().copied()).collect();
    row.resize(depth.max(row.len()), 0.0);
    row
}

/// Rows of indices as `(rows, depth)` columns (Keras' `multi_hot`, `count`, `tf_idf`; `one_hot` of
/// one index per row): indices past `depth` are dropped; `idf` weighs the counts, the first
/// `oov_columns` (unknown tokens) by their mean.
pub(crate) fn encode_rows(
    rows: &[Vec<usize>],
    depth: usize,
    output_mode: &str,
    idf: Option<&[f32]>,
    oov_columns: usize,
) -> Array2<f32> {
    let weights: Option<Vec<f32>> = idf.filter(|_| output_mode == "tf_idf").map(|w| idf_row(w, oov_columns, depth));
    let mut out = Array2::<f32>::zeros((rows.len(), depth));
    for (mut row, ids) in out.rows_mut().into_iter().zip(rows) {
        for &id in ids.iter().filter(|&&id| id < depth) {
            row[id] = if matches!(output_mode, "multi_hot" | "one_hot") { 1.0 } else { row[id] + 1.0 };
        }
        if let Some(w) = &weights {
            row.iter_mut().zip(w).for_each(|(v, w)| *v *= w);
        }
    }
    out
}
