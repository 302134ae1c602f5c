//! Keras shapes: batch first, channels last, `None` for an unknown dimension (the batch).

use std::fmt;

/// A Keras shape such as `(None, 28, 28, 1)`: one entry per axis, `None` where unknown.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shape(pub Vec<Option<usize>>);

impl Shape {
    /// A shape with an unknown batch dimension followed by `dims`: `Shape::batched(&[784])` is
    /// `(None, 784)`.
    ///
    /// ```
    /// use keras_rs::Shape;
    /// assert_eq!(Shape::batched(&[28, 28]).to_string(), "(None, 28, 28)");
    /// ```
    pub fn batched(dims: &[usize]) -> Self {
        let mut v = vec![None];
        v.extend(dims.iter().map(|d| Some(*d)));
        Shape(v)
    }

    /// A fully known shape.
    pub fn known(dims: &[usize]) -> Self {
        Shape(dims.iter().map(|d| Some(*d)).collect())
    }

    /// The number of axes.
    pub fn rank(&self) -> usize {
        self.0.len()
    }

    /// The axes after the batch axis; `None` if any of them is unknown.
    pub fn feature_dims(&self) -> Option<Vec<usize>> {
        self.0.iter().skip(1).copied().collect()
    }

    /// The size of the last axis, if known.
    pub fn last(&self) -> Option<usize> {
        self.0.last().copied().flatten()
    }

    /// The same shape with the batch axis replaced.
    pub fn with_batch(&self, batch: Option<usize>) -> Shape {
        let mut v = self.0.clone();
        if let Some(first) = v.first_mut() {
            *first = batch;
        }
        Shape(v)
    }

    /// Keras' input-rank check: `Ok` if this shape has `expected` axes, otherwise the error Keras
    /// raises (`Input 0 of layer "conv2d" is incompatible with the layer: expected ndim=4, ...`).
    ///
    /// ```
    /// use keras_rs::Shape;
    /// let err = Shape::batched(&[28, 28]).check_ndim("conv2d", 4).unwrap_err().to_string();
    /// assert!(err.contains("expected ndim=4, found ndim=3. Full shape received: (None, 28, 28)"));
    /// ```
    pub fn check_ndim(&self, layer: &str, expected: usize) -> crate::Result<()> {
        if self.rank() == expected {
            return Ok(());
        }
        Err(crate::Error::shape(format!(
            "Input 0 of layer \"{layer}\" is incompatible with the layer: expected ndim={expected}, found ndim={}. \
             Full shape received: {self}",
            self.rank()
        )))
    }

    /// Whether `dims` (a concrete array shape) fits this shape: same rank, equal where known.
    pub fn matches(&self, dims: &[usize]) -> bool {
        self.0.len() == dims.len() && self.0.iter().zip(dims).all(|(s, d)| s.is_none_or(|s| s == *d))
    }
}

impl fmt::Display for Shape {
    /// Python tuple notation, as Keras prints shapes: `(None, 10)`, `(None,)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> =
            self.0.iter().map(|d| d.map_or_else(|| "None".to_string(), |d| d.to_string())).collect();
        if parts.len() == 1 { write!(f, "({},)", parts[0]) } else { write!(f, "({})", parts.join(", ")) }
    }
}

/// Formats a concrete array shape as a Python tuple: `(32, 784)`.
pub fn format_dims(dims: &[usize]) -> String {
    Shape::known(dims).to_string()
}

/// The number of elements of `dims` (per sample), or an error naming `layer` when it does not
/// fit in `usize` (a declared shape like `(2**40, 2**40)` must not wrap around silently).
pub(crate) fn checked_size(layer: &str, dims: &[usize]) -> crate::Result<usize> {
    dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or_else(|| {
        crate::Error::value(format!(
            "Layer \"{layer}\": a shape of {} has more elements than this machine can address",
            format_dims(dims)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_python_tuples() {
        assert_eq!(Shape::batched(&[]).to_string(), "(None,)");
        assert_eq!(Shape::batched(&[3, 4]).to_string(), "(None, 3, 4)");
        assert_eq!(format_dims(&[2, 5]), "(2, 5)");
    }

    #[test]
    fn matches_checks_rank_and_known_dims() {
        let s = Shape::batched(&[28, 28]);
        assert!(s.matches(&[5, 28, 28]));
        assert!(!s.matches(&[5, 28, 27]));
        assert!(!s.matches(&[5, 784]));
        assert_eq!(s.feature_dims(), Some(vec![28, 28]));
    }
}
