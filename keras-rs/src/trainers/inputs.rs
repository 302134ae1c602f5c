//! What `fit`, `evaluate` and `predict` accept for several inputs or outputs: a list in the
//! model's order or a map by name.

use ndarray::ArrayD;

use super::data::ArrayInput;
use crate::error::{Error, Result};

/// Several arrays for a model with several inputs (or outputs): a list in the model's order,
/// or a map by input (output) name. `fit`, `evaluate` and `predict` take any of:
///
/// - one array, `&x`, for a model with one input;
/// - a list: `&[&a, &b]`, `vec![&a, &b]` (mix element types with `&a as &dyn ArrayInput`);
/// - a map by name: `&[("title", &a), ("body", &b)]`, a `HashMap` or a `BTreeMap`.
///
/// ```
/// use keras_rs::trainers::{HostData, ModelInputs};
/// let (a, b) = (ndarray::Array2::<f32>::zeros((4, 3)), ndarray::Array1::<u8>::zeros(4));
/// assert!(matches!((&a).into_host(), HostData::List(v) if v.len() == 1));
/// let both = [("a", &a as &dyn keras_rs::trainers::ArrayInput), ("b", &b)];
/// assert!(matches!((&both).into_host(), HostData::Named(v) if v[1].0 == "b"));
/// ```
pub trait ModelInputs {
    /// The arrays as `f32`, as a list or by name.
    fn into_host(self) -> HostData;
}

/// Converted user arrays: a list in the model's order, or (name, array) pairs.
#[derive(Clone, Debug)]
pub enum HostData {
    /// In the model's input (output) order.
    List(Vec<ArrayD<f32>>),
    /// By input (output) name.
    Named(Vec<(String, ArrayD<f32>)>),
}

impl HostData {
    /// The number of samples: the first axis of the first array (0 without arrays or axes).
    pub fn samples(&self) -> usize {
        let first = match self {
            HostData::List(v) => v.first(),
            HostData::Named(v) => v.first().map(|(_, a)| a),
        };
        first.and_then(|a| a.shape().first().copied()).unwrap_or(0)
    }

    /// The arrays in the order of `names` (the model's inputs or outputs; `what` is `"input"`
    /// or `"output"` for messages).
    pub fn resolve(self, names: &[String], what: &str) -> Result<Vec<ArrayD<f32>>> {
        match self {
            HostData::List(arrays) => {
                if arrays.len() != names.len() {
                    return Err(Error::value(format!(
                        "The model has {} {what}s ({}), but {} array(s) were passed for them.",
                        names.len(),
                        names.join(", "),
                        arrays.len()
                    )));
                }
                Ok(arrays)
            }
            HostData::Named(mut pairs) => {
                if let Some((unknown, _)) = pairs.iter().find(|(n, _)| !names.contains(n)) {
                    return Err(Error::value(format!(
                        "Unknown {what} name: '{unknown}'. The model's {what}s are: {names:?}."
                    )));
                }
                names
                    .iter()
                    .map(|name| {
                        let at = pairs.iter().position(|(n, _)| n == name).ok_or_else(|| {
                            Error::value(format!(
                                "Missing data for {what} '{name}': the model's {what}s are {names:?}, received \
                                 arrays for {:?}.",
                                pairs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
                            ))
                        })?;
                        Ok(pairs.swap_remove(at).1)
                    })
                    .collect()
            }
        }
    }
}

impl<T: ArrayInput + ?Sized> ModelInputs for &T {
    fn into_host(self) -> HostData {
        HostData::List(vec![self.to_f32_array()])
    }
}

impl<T: ArrayInput + ?Sized> ModelInputs for &[&T] {
    fn into_host(self) -> HostData {
        HostData::List(self.iter().map(|a| a.to_f32_array()).collect())
    }
}

impl<T: ArrayInput + ?Sized, const N: usize> ModelInputs for &[&T; N] {
    fn into_host(self) -> HostData {
        self.as_slice().into_host()
    }
}

impl<T: ArrayInput + ?Sized> ModelInputs for Vec<&T> {
    fn into_host(self) -> HostData {
        self.as_slice().into_host()
    }
}

/// Named arrays, converted.
fn named<'a, K: AsRef<str> + 'a, T: ArrayInput + ?Sized + 'a>(
    pairs: impl Iterator<Item = (&'a K, &'a &'a T)>,
) -> HostData {
    HostData::Named(pairs.map(|(k, a)| (k.as_ref().to_string(), a.to_f32_array())).collect())
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized> ModelInputs for &[(K, &T)] {
    fn into_host(self) -> HostData {
        named(self.iter().map(|(k, a)| (k, a)))
    }
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized, const N: usize> ModelInputs for &[(K, &T); N] {
    fn into_host(self) -> HostData {
        self.as_slice().into_host()
    }
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized, S> ModelInputs for &std::collections::HashMap<K, &T, S> {
    fn into_host(self) -> HostData {
        named(self.iter())
    }
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized> ModelInputs for &std::collections::BTreeMap<K, &T> {
    fn into_host(self) -> HostData {
        named(self.iter())
    }
}

impl ModelInputs for HostData {
    fn into_host(self) -> HostData {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    #[test]
    fn named_data_resolves_by_name_and_reports_unknown_or_missing_names() {
        let (a, b) = (Array1::<f32>::zeros(2), Array1::<f32>::ones(2));
        let names = vec!["a".to_string(), "b".to_string()];
        let got = (&[("b", &b), ("a", &a)]).into_host().resolve(&names, "input").unwrap();
        assert_eq!(got[1].as_slice().unwrap(), &[1.0, 1.0]);
        let err = (&[("a", &a), ("c", &b)]).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("Unknown input name: 'c'"), "{err}");
        let err = (&[("a", &a)]).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("Missing data for input 'b'"), "{err}");
        let err = (&a).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("The model has 2 inputs (a, b), but 1 array(s)"), "{err}");
    }
}
