//! `x[key]` on a symbolic tensor (Keras' `GetItem` op): integers, slices with steps, `None`
//! (a new axis) and `...`, as NumPy indexes.

use burn::tensor::Slice;
use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::backend::dyn_tensor::map_tensor;
use crate::error::{Error, Result};
use crate::shape::Shape;

/// `(start, stop, step)` along one axis.
type Take = (usize, usize, usize);

/// One entry of an index.
#[derive(Clone, Debug, PartialEq)]
pub enum Index {
    /// `i`: takes one position and drops the axis (negative from the end).
    At(i64),
    /// `start:stop:step` (`None` for an omitted part); a positive step.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `None` (`np.newaxis`): a new axis of size 1.
    NewAxis,
    /// `...`: as many full slices as the other entries leave.
    Ellipsis,
}

/// The index of a `GetItem`, as Keras' JSON writes it (`[slice, 0]`, `0`, ...).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Key {
    pub(crate) items: Vec<Index>,
}

impl Key {
    /// An index of these entries (`x[:, 0]` is `[Index::Slice(None, None, None), Index::At(0)]`).
    pub fn new(items: Vec<Index>) -> Self {
        Key { items }
    }

    /// Reads Keras' serialized index.
    pub(crate) fn from_json(v: &Value) -> Result<Self> {
        let invalid = || Error::Format(format!("GetItem: keras-rs cannot read the index {v}"));
        let item = |v: &Value| -> Result<Index> {
            match v {
                Value::Null => Ok(Index::NewAxis),
                Value::Number(n) => n.as_i64().map(Index::At).ok_or_else(invalid),
                Value::Object(o) => match o.get("class_name").and_then(Value::as_str) {
                    Some("__ellipsis__") => Ok(Index::Ellipsis),
                    Some("__slice__") => {
                        let part = |k: &str| -> Result<Option<i64>> {
                            match v.pointer(&format!("/config/{k}")) {
                                None | Some(Value::Null) => Ok(None),
                                Some(x) => x.as_i64().map(Some).ok_or_else(invalid),
                            }
                        };
                        Ok(Index::Slice(part("start")?, part("stop")?, part("step")?))
                    }
                    _ => Err(invalid()),
                },
                _ => Err(invalid()),
            }
        };
        let items = match v {
            Value::Array(list) => list.iter().map(item).collect::<Result<Vec<_>>>()?,
            one => vec![item(one)?],
        };
        Ok(Key { items })
    }

    /// Keras' serialized form.
    pub(crate) fn to_json(&self) -> Value {
        let item = |i: &Index| match i {
            Index::At(n) => json!(n),
            Index::NewAxis => Value::Null,
            Index::Ellipsis => json!({"class_name": "__ellipsis__", "config": {}}),
            Index::Slice(a, b, c) => {
                json!({"class_name": "__slice__", "config": {"start": a, "stop": b, "step": c}})
            }
        };
        Value::Array(self.items.iter().map(item).collect())
    }

    /// The entries with `...` spelled out for an input of `rank` axes.
    fn expanded(&self, rank: usize) -> Result<Vec<Index>> {
        let used = self.items.iter().filter(|i| matches!(i, Index::At(_) | Index::Slice(..))).count();
        if used > rank || self.items.iter().filter(|i| **i == Index::Ellipsis).count() > 1 {
            return Err(Error::value(format!("GetItem: too many indices for a tensor of rank {rank}")));
        }
        let mut out = Vec::new();
        for i in &self.items {
            if *i == Index::Ellipsis {
                out.extend(std::iter::repeat_n(Index::Slice(None, None, None), rank - used));
            } else {
                out.push(i.clone());
            }
        }
        let consumed = out.iter().filter(|i| **i != Index::NewAxis).count();
        out.extend(std::iter::repeat_n(Index::Slice(None, None, None), rank - consumed));
        Ok(out)
    }

    /// Per input axis, the `(start, stop, step)` taken; and the output's sizes (dropped axes
    /// gone, new axes in). `None` sizes allow full slices only.
    fn plan(&self, dims: &[Option<usize>]) -> Result<(Vec<Take>, Vec<Option<usize>>)> {
        let mut axis = 0;
        let mut takes = Vec::new();
        let mut out = Vec::new();
        for item in self.expanded(dims.len())? {
            if item == Index::NewAxis {
                out.push(Some(1));
                continue;
            }
            let size = dims[axis];
            let Some(n) = size else {
                if item != Index::Slice(None, None, None) {
                    return Err(Error::value(format!(
                        "GetItem: axis {axis} has an unknown size; keras-rs takes it whole (`:`) only"
                    )));
                }
                takes.push((0, 0, 1));
                out.push(None);
                axis += 1;
                continue;
            };
            let wrap = |i: i64| if i < 0 { (i + n as i64).max(0) as usize } else { (i as usize).min(n) };
            match item {
                Index::At(i) => {
                    let at = if i < 0 { i + n as i64 } else { i };
                    if at < 0 || at >= n as i64 {
                        return Err(Error::value(format!(
                            "GetItem: index {i} is out of bounds for axis {axis} with size {n}"
                        )));
                    }
                    takes.push((at as usize, at as usize + 1, 1));
                }
                Index::Slice(start, stop, step) => {
                    let step = step.unwrap_or(1);
                    if step <= 0 {
                        return Err(Error::value(format!(
                            "GetItem: keras-rs takes positive slice steps, received {step}"
                        )));
                    }
                    let (a, b) = (start.map_or(0, wrap), stop.map_or(n, wrap));
                    let b = b.max(a);
                    takes.push((a, b, step as usize));
                    out.push(Some((b - a).div_ceil(step as usize)));
                }
                _ => unreachable!("expanded"),
            }
            axis += 1;
        }
        Ok((takes, out))
    }

    pub(crate) fn output_shape(&self, x: &Shape) -> Result<Shape> {
        Ok(Shape(self.plan(&x.0)?.1))
    }

    pub(crate) fn forward(&self, x: DynTensor) -> Result<DynTensor> {
        let dims = x.dims();
        let known: Vec<Option<usize>> = dims.iter().map(|&d| Some(d)).collect();
        let (takes, out) = self.plan(&known)?;
        let slices: Vec<Slice> =
            takes.iter().map(|&(a, b, step)| Slice::new(a as isize, Some(b as isize), step as isize)).collect();
        if takes.iter().any(|&(a, b, _)| a == b) {
            return Err(Error::value("GetItem: keras-rs does not produce empty tensors"));
        }
        let y = map_tensor!(x, t => t.slice(slices.as_slice()));
        y.reshape(&out.into_iter().map(|d| d.unwrap_or(1)).collect::<Vec<_>>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_numpy() {
        let x = Shape(vec![None, Some(5), Some(4)]);
        let key = |v: Value| Key::from_json(&v).unwrap().output_shape(&x).unwrap().to_string();
        let all = json!({"class_name": "__slice__", "config": {"start": null, "stop": null, "step": null}});
        assert_eq!(key(json!([all, 0])), "(None, 4)");
        assert_eq!(
            key(json!([{"class_name": "__ellipsis__", "config": {}},
                              {"class_name": "__slice__", "config": {"start": 1, "stop": 4, "step": 2}}])),
            "(None, 5, 2)"
        );
        assert_eq!(key(json!([all, null, -1])), "(None, 1, 4)");
        assert_eq!(
            key(json!([all, {"class_name": "__slice__", "config": {"start": -2, "stop": null, "step": null}}])),
            "(None, 2, 4)"
        );
        let err = Key::from_json(&json!(0)).unwrap().output_shape(&x).unwrap_err();
        assert!(err.to_string().contains("unknown size"), "{err}");
        let err = Key::from_json(&json!([all, 7])).unwrap().output_shape(&x).unwrap_err();
        assert!(err.to_string().contains("index 7 is out of bounds for axis 1 with size 5"), "{err}");
    }
}
