//! `keras.utils.pad_sequences`: lists of token ids of different lengths as one `(n, maxlen)`
//! array.

use ndarray::Array2;

use crate::error::{Error, Result};

/// Keras' `pad_sequences` arguments, with its defaults (`padding="pre"`, `truncating="pre"`,
/// `value=0`, `maxlen` the longest sequence).
///
/// ```
/// use keras_rs::utils::{PadOptions, pad_sequences};
/// let padded = pad_sequences(&[vec![1, 2, 3], vec![4]], PadOptions::new().maxlen(2)).unwrap();
/// assert_eq!(padded, ndarray::array![[2.0, 3.0], [0.0, 4.0]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PadOptions {
    /// The length of every output row (`None`: the longest sequence's).
    pub maxlen: Option<usize>,
    /// Where shorter sequences are padded: `"pre"` (before) or `"post"` (after).
    pub padding: String,
    /// Where longer sequences lose values: `"pre"` (their start) or `"post"` (their end).
    pub truncating: String,
    /// The padding value.
    pub value: f32,
}

impl Default for PadOptions {
    fn default() -> Self {
        PadOptions { maxlen: None, padding: "pre".into(), truncating: "pre".into(), value: 0.0 }
    }
}

impl PadOptions {
    /// Keras' defaults.
    pub fn new() -> Self {
        PadOptions::default()
    }
    /// The length of every row.
    pub fn maxlen(mut self, maxlen: usize) -> Self {
        self.maxlen = Some(maxlen);
        self
    }
    /// `"pre"` or `"post"`.
    pub fn padding(mut self, padding: &str) -> Self {
        self.padding = padding.into();
        self
    }
    /// `"pre"` or `"post"`.
    pub fn truncating(mut self, truncating: &str) -> Self {
        self.truncating = truncating.into();
        self
    }
    /// The padding value.
    pub fn value(mut self, value: f32) -> Self {
        self.value = value;
        self
    }
}

/// Keras' `keras.utils.pad_sequences`: each sequence padded or truncated to `maxlen`, as one
/// `(sequences, maxlen)` array (float32, the dtype keras-rs computes in).
pub fn pad_sequences<T: Copy + Into<f64>>(sequences: &[Vec<T>], options: PadOptions) -> Result<Array2<f32>> {
    let pre = |arg: &str, value: &str| match value {
        "pre" => Ok(true),
        "post" => Ok(false),
        other => Err(Error::value(format!("{arg} type \"{other}\" not understood"))),
    };
    let pad_pre = pre("Padding", &options.padding)?;
    let cut_pre = pre("Truncating", &options.truncating)?;
    let maxlen = options.maxlen.unwrap_or_else(|| sequences.iter().map(Vec::len).max().unwrap_or(0));
    let mut out = Array2::from_elem((sequences.len(), maxlen), options.value);
    for (mut row, sequence) in out.rows_mut().into_iter().zip(sequences) {
        let kept = if sequence.len() <= maxlen {
            &sequence[..]
        } else if cut_pre {
            &sequence[sequence.len() - maxlen..]
        } else {
            &sequence[..maxlen]
        };
        let start = if pad_pre { maxlen - kept.len() } else { 0 };
        for (slot, &v) in row.iter_mut().skip(start).zip(kept) {
            *slot = v.into() as f32;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_truncates_on_either_side_as_keras() {
        let seqs = vec![vec![1u32, 2, 3, 4], vec![5], vec![]];
        // keras.utils.pad_sequences(seqs, maxlen=3, padding="post", truncating="post", value=-1)
        let options = PadOptions::new().maxlen(3).padding("post").truncating("post").value(-1.0);
        let got = pad_sequences(&seqs, options).unwrap();
        assert_eq!(got, ndarray::array![[1.0, 2.0, 3.0], [5.0, -1.0, -1.0], [-1.0, -1.0, -1.0]]);
        // keras.utils.pad_sequences(seqs): the longest length, padded and truncated in front.
        let got = pad_sequences(&seqs, PadOptions::new()).unwrap();
        assert_eq!(got, ndarray::array![[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 5.0], [0.0, 0.0, 0.0, 0.0]]);
        let err = pad_sequences(&seqs, PadOptions::new().padding("middle")).unwrap_err();
        assert!(err.to_string().contains("Padding type \"middle\" not understood"), "{err}");
    }
}
