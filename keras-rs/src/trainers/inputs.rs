//! What `fit`, `evaluate` and `predict` accept for several inputs or outputs: a list in the
//! model's order or a map by name.

use ndarray::{ArrayViewD, CowArray, IxDyn};

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
///
/// Arrays that already are standard-layout `f32` are borrowed, never copied whole: each batch
/// is copied from them as it is needed. Others (integers, `f64`, Fortran order, strided views)
/// are converted once.
pub trait ModelInputs {
    /// The arrays as `f32`, as a list or by name, borrowed for as long as `self` lives.
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's;
}

/// User arrays as `f32` (borrowed or converted): a list in the model's order, or (name,
/// array) pairs.
#[derive(Clone, Debug)]
pub enum HostData<'a> {
    /// In the model's input (output) order.
    List(Vec<CowArray<'a, f32, IxDyn>>),
    /// By input (output) name.
    Named(Vec<(String, CowArray<'a, f32, IxDyn>)>),
}

impl HostData<'_> {
    /// The number of samples: the first axis of the first array (0 without arrays or axes).
    pub fn samples(&self) -> usize {
        let first = match self {
            HostData::List(v) => v.first(),
            HostData::Named(v) => v.first().map(|(_, a)| a),
        };
        first.and_then(|a| a.shape().first().copied()).unwrap_or(0)
    }

    /// The arrays, owned (for data kept beyond the caller's borrow, as `validation_data`).
    pub fn into_owned(self) -> HostData<'static> {
        let own = |a: CowArray<'_, f32, IxDyn>| CowArray::from(a.into_owned());
        match self {
            HostData::List(v) => HostData::List(v.into_iter().map(own).collect()),
            HostData::Named(v) => HostData::Named(v.into_iter().map(|(n, a)| (n, own(a))).collect()),
        }
    }

    /// The arrays in the order of `names` (the model's inputs or outputs; `what` is `"input"`
    /// or `"output"` for messages).
    pub fn resolve(&self, names: &[String], what: &str) -> Result<Vec<ArrayViewD<'_, f32>>> {
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
                Ok(arrays.iter().map(|a| a.view()).collect())
            }
            HostData::Named(pairs) => {
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
                        Ok(pairs[at].1.view())
                    })
                    .collect()
            }
        }
    }
}

impl<T: ArrayInput + ?Sized> ModelInputs for &T {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        HostData::List(vec![self.as_f32()])
    }
}

impl<T: ArrayInput + ?Sized> ModelInputs for &[&T] {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        HostData::List(self.iter().map(|a| (*a).as_f32()).collect())
    }
}

impl<T: ArrayInput + ?Sized, const N: usize> ModelInputs for &[&T; N] {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        self.as_slice().into_host()
    }
}

impl<T: ArrayInput + ?Sized> ModelInputs for Vec<&T> {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        HostData::List(self.into_iter().map(|a| a.as_f32()).collect())
    }
}

/// Named arrays, borrowed or converted.
fn named<'k, 'a: 'k, K: AsRef<str> + 'k, T: ArrayInput + ?Sized + 'a>(
    pairs: impl Iterator<Item = (&'k K, &'k &'a T)>,
) -> HostData<'a> {
    HostData::Named(pairs.map(|(k, a)| (k.as_ref().to_string(), (*a).as_f32())).collect())
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized> ModelInputs for &[(K, &T)] {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        named(self.iter().map(|(k, a)| (k, a)))
    }
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized, const N: usize> ModelInputs for &[(K, &T); N] {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        self.as_slice().into_host()
    }
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized, S> ModelInputs for &std::collections::HashMap<K, &T, S> {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        named(self.iter())
    }
}

impl<K: AsRef<str>, T: ArrayInput + ?Sized> ModelInputs for &std::collections::BTreeMap<K, &T> {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        named(self.iter())
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
        let pairs = [("b", &b), ("a", &a)];
        let host = (&pairs).into_host();
        let got = host.resolve(&names, "input").unwrap();
        assert_eq!(got[1].as_slice().unwrap(), &[1.0, 1.0]);
        let err = (&[("a", &a), ("c", &b)]).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("Unknown input name: 'c'"), "{err}");
        let err = (&[("a", &a)]).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("Missing data for input 'b'"), "{err}");
        let err = (&a).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("The model has 2 inputs (a, b), but 1 array(s)"), "{err}");
    }

    #[test]
    fn standard_f32_arrays_are_borrowed_and_others_converted() {
        let f = ndarray::Array2::<f32>::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f32);
        let HostData::List(v) = (&f).into_host() else { panic!("a list") };
        assert!(v[0].is_view());
        let t = f.t();
        let HostData::List(v) = (&t).into_host() else { panic!("a list") };
        assert!(!v[0].is_view());
        assert_eq!(v[0].as_slice().unwrap(), &[0.0, 2.0, 4.0, 1.0, 3.0, 5.0]);
        let bytes = ndarray::array![[1u8, 255]];
        let HostData::List(v) = (&bytes).into_host() else { panic!("a list") };
        assert_eq!(v[0].as_slice().unwrap(), &[1.0, 255.0]);
    }
}
