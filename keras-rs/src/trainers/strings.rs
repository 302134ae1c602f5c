//! A model's string inputs (`Input::new(&[1]).dtype("string")`): keras-rs tensors are numbers,
//! so the layer that takes such an input (`TextVectorization`, `StringLookup`) turns each batch
//! of strings into numbers on the host as the batch is read, and the graph receives them.

use super::data::ArrayInput;
use super::inputs::{HostArray, HostData};
use crate::error::{Error, Result};
use crate::layers::{Layer, StringEncoder};
use crate::shape::{Shape, format_dims};

/// One string input of a model: its position and declared shape, and the layer that takes it.
pub(crate) struct StringInput<'m> {
    /// Its position among the model's inputs.
    pub index: usize,
    /// Its declared shape, batch axis first (`(None, 1)`).
    pub shape: Shape,
    /// The layer called on it.
    pub layer: &'m dyn Layer,
}

/// A string array seen through the layer that takes it: the layer's numbers, made batch by batch
/// as they are read.
struct Encoded<'a> {
    strings: HostArray<'a>,
    /// The layer's encoding, prepared once for all batches.
    encode: StringEncoder,
    /// One sample's strings, in the input's declared shape (`[1]` for `(None, 1)`).
    sample: Vec<usize>,
    /// The samples, then the layer's output shape.
    dims: Vec<usize>,
}

impl ArrayInput for Encoded<'_> {
    fn dims(&self) -> &[usize] {
        &self.dims
    }

    fn extend_rows(&self, rows: &[usize], out: &mut Vec<f32>) {
        let mut strings = Vec::new();
        self.strings.extend_strings(rows, &mut strings);
        let dims: Vec<usize> = std::iter::once(rows.len()).chain(self.sample.iter().copied()).collect();
        let width: usize = self.dims[1..].iter().product();
        match (self.encode)(&strings, &dims) {
            Ok((values, _)) if values.len() == rows.len() * width => out.extend(values),
            // The layer and shapes were checked when the array was wrapped: not reached.
            Ok(_) | Err(_) => out.extend(std::iter::repeat_n(f32::NAN, rows.len() * width)),
        }
    }
}

/// The model's inputs with each string array wrapped in the layer that takes it (so that its
/// batches are numbers), after checking that string inputs get strings, of their declared shape
/// (Keras' `(n,)` for `(None, 1)` and back), and other inputs numbers.
pub(crate) fn encode<'a>(inputs: &[StringInput<'_>], names: &[String], x: HostData<'a>) -> Result<HostData<'a>> {
    let wrap = |position: usize, name: &str, array: HostArray<'a>| -> Result<HostArray<'a>> {
        let Some(input) = inputs.iter().find(|s| s.index == position) else {
            if array.holds_strings() {
                return Err(Error::value(format!(
                    "Input '{name}' takes numbers; received an array of strings. Only an `Input` of \
                     dtype(\"string\") takes strings, and a TextVectorization or StringLookup turns them into \
                     numbers."
                )));
            }
            return Ok(array);
        };
        if !array.holds_strings() {
            return Err(Error::value(format!(
                "Input '{name}' has dtype \"string\": pass an array of strings (`ndarray::array![\"...\"]`); \
                 received numbers of shape {}",
                format_dims(array.dims())
            )));
        }
        let sample: Vec<usize> = input.shape.0[1..].iter().map(|d| d.unwrap_or(0)).collect();
        let given = array.dims();
        // Keras' `_adjust_input_rank`: a last axis of 1 may be left out or added.
        let adjustable =
            |a: &[usize], b: &[usize]| a.len() + 1 == b.len() && b.last() == Some(&1) && a == &b[..a.len()];
        let fits = !given.is_empty()
            && (given[1..] == sample[..] || adjustable(&given[1..], &sample) || adjustable(&sample, &given[1..]));
        if !fits || input.shape.0[1..].iter().any(Option::is_none) {
            return Err(Error::shape(format!(
                "Input '{name}' is incompatible with the data: expected shape={}, found shape={}",
                input.shape,
                format_dims(given)
            )));
        }
        let output = input.layer.compute_output_shape(&input.shape)?;
        // A layer that cannot encode (its vocabulary is still in a file's assets) says so now.
        let encode = input.layer.string_encoder()?;
        let mut dims = vec![given[0]];
        dims.extend(output.0[1..].iter().map(|d| d.unwrap_or(0)));
        Ok(Box::new(Encoded { strings: array, encode, sample, dims }))
    };
    Ok(match x {
        HostData::List(arrays) => HostData::List(
            arrays
                .into_iter()
                .enumerate()
                .map(|(i, a)| wrap(i, names.get(i).map_or("?", String::as_str), a))
                .collect::<Result<_>>()?,
        ),
        HostData::Named(pairs) => HostData::Named(
            pairs
                .into_iter()
                .map(|(n, a)| {
                    let position = names.iter().position(|m| *m == n).unwrap_or(usize::MAX);
                    Ok((n.clone(), wrap(position, &n, a)?))
                })
                .collect::<Result<_>>()?,
        ),
    })
}
