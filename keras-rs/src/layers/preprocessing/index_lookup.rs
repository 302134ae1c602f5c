//! What Keras' `IndexLookup` base gives its lookup layers (StringLookup, IntegerLookup, and
//! TextVectorization through its StringLookup): argument and vocabulary checks, `adapt`'s
//! ranking with IDF weights, and the encoded output modes on the host.

use std::collections::{HashMap, HashSet};
use std::fmt::{Debug, Display};
use std::hash::Hash;

use ndarray::Array2;
use serde_json::Value;

use crate::error::{Error, Result};

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
pub(crate) fn check_idf_weights(vocabulary: Option<&[String]>, idf: Option<&[f32]>, output_mode: &str) -> Result<()> {
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

/// Refuses a config whose `vocabulary_size` its listed vocabulary does not give: Keras keeps an
/// adapted vocabulary as a file asset of the `.keras` archive (`vocabulary: null`). `layer`
/// names the layer in the message.
pub(crate) fn check_listed_vocabulary(layer: &str, config: &Value, listed: usize) -> Result<()> {
    let given = config.get("vocabulary_size").and_then(Value::as_u64).map(|n| n as usize);
    match given.filter(|&n| n != listed) {
        Some(size) => Err(Error::Format(format!(
            "{layer}: a vocabulary of {size} indices that the config does not list (Keras keeps an adapted \
             vocabulary as a file asset, which keras-rs does not read yet)"
        ))),
        None => Ok(()),
    }
}

/// Keras' `adapt` ranking: tokens by count, then by token (bytes), both descending (NumPy's
/// `lexsort((tokens, counts))[::-1]`), the first `keep`; with `documents`, each token's IDF
/// `ln(1 + documents / (1 + documents with it))`. `counts` holds (count, documents with it).
pub(crate) fn rank_tokens(
    counts: HashMap<String, (usize, usize)>,
    keep: Option<usize>,
    documents: Option<usize>,
) -> (Vec<String>, Option<Vec<f32>>) {
    let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| b.0.cmp(&a.0)));
    ranked.truncate(keep.unwrap_or(ranked.len()));
    let idf = documents
        .map(|n| ranked.iter().map(|(_, (_, docs))| (1.0 + n as f64 / (1.0 + *docs as f64)).ln() as f32).collect());
    (ranked.into_iter().map(|(t, _)| t).collect(), idf)
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
    let weights: Option<Vec<f32>> = idf.filter(|_| output_mode == "tf_idf").map(|w| {
        // The unknown tokens weigh the mean IDF (Keras cannot count them in one pass).
        let mean = if w.is_empty() { 0.0 } else { w.iter().sum::<f32>() / w.len() as f32 };
        std::iter::repeat_n(mean, oov_columns).chain(w.iter().copied()).collect()
    });
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
