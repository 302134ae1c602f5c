//! What `fit`, `evaluate` and `predict` accept for several inputs or outputs: a list in the
//! model's order or a map by name.

use super::data::{ArrayInput, Rows};
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
/// The arrays are borrowed, never copied or converted whole: each batch is read from them (and
/// converted to `f32`) as it is needed.
pub trait ModelInputs {
    /// The arrays, as a list or by name, borrowed for as long as `self` lives.
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's;
}

/// One user array, borrowed (or, for data kept beyond the caller's borrow, owned).
pub type HostArray<'a> = Box<dyn ArrayInput + 'a>;

/// User arrays: a list in the model's order, or (name, array) pairs.
pub enum HostData<'a> {
    /// In the model's input (output) order.
    List(Vec<HostArray<'a>>),
    /// By input (output) name.
    Named(Vec<(String, HostArray<'a>)>),
}

/// Owned copies of user arrays, as a list or by name (`FitOptions::validation_data`).
#[derive(Clone, Debug)]
pub enum OwnedData {
    /// In the model's input (output) order.
    List(Vec<OwnedArray>),
    /// By input (output) name.
    Named(Vec<(String, OwnedArray)>),
}

/// An owned copy of one user array: numbers as `f32`, or strings (for a string input).
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedArray {
    /// Numbers.
    Numbers(ndarray::ArrayD<f32>),
    /// Strings.
    Strings(ndarray::ArrayD<String>),
}

impl ArrayInput for OwnedArray {
    fn dims(&self) -> &[usize] {
        match self {
            OwnedArray::Numbers(a) => a.shape(),
            OwnedArray::Strings(a) => a.shape(),
        }
    }

    fn extend_rows(&self, rows: &[usize], out: &mut Vec<f32>) {
        match self {
            OwnedArray::Numbers(a) => a.extend_rows(rows, out),
            OwnedArray::Strings(a) => a.extend_rows(rows, out),
        }
    }

    fn holds_strings(&self) -> bool {
        matches!(self, OwnedArray::Strings(_))
    }

    fn extend_strings(&self, rows: &[usize], out: &mut Vec<String>) {
        if let OwnedArray::Strings(a) = self {
            a.extend_strings(rows, out)
        }
    }
}

impl ModelInputs for &OwnedData {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        match self {
            OwnedData::List(v) => HostData::List(v.iter().map(|a| Box::new(a) as HostArray<'s>).collect()),
            OwnedData::Named(v) => {
                HostData::Named(v.iter().map(|(n, a)| (n.clone(), Box::new(a) as HostArray<'s>)).collect())
            }
        }
    }
}

impl std::fmt::Debug for HostData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostData::List(v) => f.debug_list().entries(v.iter().map(|a| a.dims())).finish(),
            HostData::Named(v) => f.debug_map().entries(v.iter().map(|(n, a)| (n, a.dims()))).finish(),
        }
    }
}

impl HostData<'_> {
    /// The number of samples: the first axis of the first array (0 without arrays or axes).
    pub fn samples(&self) -> usize {
        let first = match self {
            HostData::List(v) => v.first(),
            HostData::Named(v) => v.first().map(|(_, a)| a),
        };
        first.and_then(|a| a.dims().first().copied()).unwrap_or(0)
    }

    /// Refuses arrays of strings as targets, naming the output (`names`: the model's outputs).
    pub fn check_numeric_targets(&self, names: &[String]) -> Result<()> {
        let strings = match self {
            HostData::List(v) => v.iter().position(|a| a.holds_strings()).map(|i| names.get(i).cloned()),
            HostData::Named(v) => v.iter().find(|(_, a)| a.holds_strings()).map(|(n, _)| Some(n.clone())),
        };
        match strings {
            Some(name) => Err(Error::value(format!(
                "Targets are numbers: the array for output '{}' holds strings. Turn labels into numbers first (a \
                 `StringLookup`'s `lookup`).",
                name.unwrap_or_else(|| "?".into())
            ))),
            None => Ok(()),
        }
    }

    /// The arrays as owned `f32` copies (for data kept beyond the caller's borrow, as
    /// `validation_data`).
    pub fn to_owned_data(&self) -> OwnedData {
        let own = |a: &HostArray<'_>| {
            let rows = Rows::new(&**a);
            if !rows.holds_strings() {
                return OwnedArray::Numbers(rows.to_array());
            }
            let strings = rows.strings(&(0..rows.len()).collect::<Vec<_>>());
            OwnedArray::Strings(
                ndarray::ArrayD::from_shape_vec(rows.shape(), strings).expect("one string per element of the shape"),
            )
        };
        match self {
            HostData::List(v) => OwnedData::List(v.iter().map(own).collect()),
            HostData::Named(v) => OwnedData::Named(v.iter().map(|(n, a)| (n.clone(), own(a))).collect()),
        }
    }

    /// The arrays in the order of `names` (the model's inputs or outputs; `what` is `"input"`
    /// or `"output"` for messages).
    pub fn resolve(&self, names: &[String], what: &str) -> Result<Vec<Rows<'_>>> {
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
                Ok(arrays.iter().map(|a| Rows::new(&**a)).collect())
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
                        Ok(Rows::new(&*pairs[at].1))
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
        HostData::List(vec![Box::new(self)])
    }
}

impl<T: ArrayInput + ?Sized> ModelInputs for &[&T] {
    fn into_host<'s>(self) -> HostData<'s>
    where
        Self: 's,
    {
        HostData::List(self.iter().map(|a| Box::new(*a) as HostArray<'s>).collect())
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
        HostData::List(self.into_iter().map(|a| Box::new(a) as HostArray<'s>).collect())
    }
}

/// Named arrays, borrowed.
fn named<'k, 'a: 'k, K: AsRef<str> + 'k, T: ArrayInput + ?Sized + 'a>(
    pairs: impl Iterator<Item = (&'k K, &'k &'a T)>,
) -> HostData<'a> {
    HostData::Named(pairs.map(|(k, a)| (k.as_ref().to_string(), Box::new(*a) as HostArray<'a>)).collect())
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
        assert_eq!(got[1].to_vec(), vec![1.0, 1.0]);
        let err = (&[("a", &a), ("c", &b)]).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("Unknown input name: 'c'"), "{err}");
        let err = (&[("a", &a)]).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("Missing data for input 'b'"), "{err}");
        let err = (&a).into_host().resolve(&names, "input").unwrap_err().to_string();
        assert!(err.contains("The model has 2 inputs (a, b), but 1 array(s)"), "{err}");
    }

    #[test]
    fn owned_copies_keep_shapes_and_values() {
        let bytes = ndarray::array![[1u8, 255], [3, 4]];
        let owned = (&bytes).into_host().to_owned_data();
        let HostData::List(v) = (&owned).into_host() else { panic!("a list") };
        assert_eq!(v[0].dims(), &[2, 2]);
        assert_eq!(Rows::new(&*v[0]).to_vec(), vec![1.0, 255.0, 3.0, 4.0]);
    }
}
