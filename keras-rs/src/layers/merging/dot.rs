//! `Dot`: the dot product of two tensors along chosen axes, sample by sample.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::Weights;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{ConfigValue, Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase};
use crate::shape::Shape;

/// Keras' `Dot(axes, normalize=False)`: per sample, the dot product of two inputs along `axes`
/// (Keras' `batch_dot`). Inputs of rank 2 (`(batch, n)` · `(batch, n)` -> `(batch, 1)`) or
/// rank 3 (a batched matrix product); `normalize(true)` L2-normalizes both along the axes
/// first, giving cosine similarities.
///
/// ```
/// use keras_rs::prelude::*;
/// let (a, b) = (Input::new(&[5, 4]), Input::new(&[6, 4]));
/// let y = Dot::new((2, 2)).call(&[&a, &b]).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 5, 6)");
/// ```
#[derive(Clone, Debug)]
pub struct Dot {
    base: LayerBase,
    config: DotConfig,
}

keras_config! {
    /// Keras' `Dot` arguments.
    pub struct DotConfig {
        required {
            /// The axis of each input the product runs over: one for both or one each.
            axes: DotAxes,
        }
        args {
            /// L2-normalize both inputs along the dot axes first (default false).
            normalize: bool = false,
        }
    }
    setters for [] Dot => config;
}

impl Validate for DotConfig {}

/// `Dot`'s `axes`: one axis for both inputs, or one each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DotAxes(i64, i64, bool);

impl From<i64> for DotAxes {
    fn from(a: i64) -> Self {
        DotAxes(a, a, true)
    }
}

impl From<(i64, i64)> for DotAxes {
    fn from((a, b): (i64, i64)) -> Self {
        DotAxes(a, b, false)
    }
}

impl ConfigValue for DotAxes {
    fn to_value(&self) -> Value {
        if self.2 { json!(self.0) } else { json!([self.0, self.1]) }
    }
    /// An integer or a pair, as Keras writes them.
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        if let Some(a) = value.as_i64() {
            return Ok(DotAxes::from(a));
        }
        let [a, b] = <[i64; 2]>::read(value, key, class)?;
        Ok(DotAxes::from((a, b)))
    }
}

impl Dot {
    /// A dot product along `axes` (`1`, `-1` or a pair like `(2, 1)`).
    pub fn new(axes: impl Into<DotAxes>) -> Self {
        Dot { base: LayerBase::default(), config: DotConfig::new(axes.into()) }
    }
    /// Reads Keras' config (`axes` an integer or a pair).
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Dot { base: LayerBase::from_config(config), config: DotConfig::from_config(config, "Dot")? })
    }

    /// The axes for inputs of these ranks, checked (Keras' messages).
    fn resolved(&self, shapes: &[Shape]) -> Result<(usize, usize)> {
        let [s1, s2] = shapes else {
            return Err(Error::value(format!(
                "A `Dot` layer should be called on a list of 2 inputs. Received {} input(s).",
                shapes.len()
            )));
        };
        let fix = |a: i64, r: usize| if a < 0 { a.rem_euclid(r as i64) as usize } else { a as usize };
        let (a1, a2) = (fix(self.config.axes.0, s1.rank()), fix(self.config.axes.1, s2.rank()));
        if s1.rank() != s2.rank()
            || !(2..=3).contains(&s1.rank())
            || a1 == 0
            || a2 == 0
            || a1 >= s1.rank()
            || a2 >= s2.rank()
        {
            return Err(Error::value(format!(
                "`Dot` supports two inputs of the same rank, 2 or 3, with axes after the batch axis. Received \
                 shapes {s1} and {s2} with axes={:?}.",
                (self.config.axes.0, self.config.axes.1)
            )));
        }
        if let (Some(d1), Some(d2)) = (s1.0[a1], s2.0[a2])
            && d1 != d2
        {
            return Err(Error::shape(format!(
                "Incompatible input shapes: axis values {d1} (at axis {a1}) != {d2} (at axis {a2}). Full input \
                 shapes: {s1}, {s2}"
            )));
        }
        Ok((a1, a2))
    }
}

common_builders!(Dot);

/// Keras' `normalize(x, axis)`: `x * min(rsqrt(sum(x^2)), 1 / epsilon)`, epsilon 1e-7.
fn l2_normalize<const D: usize>(x: Tensor<D>, axis: usize) -> Tensor<D> {
    let inv = x.clone().square().sum_dim(axis).sqrt().recip().clamp_max(1e7);
    x * inv
}

impl Layer for Dot {
    // Keras uses masks in this layer; keras-rs does not yet.
    crate::layers::builders::refuses_masks!();

    layer_boilerplate!("Dot");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    crate::layers::builders::weightless_multi_input_glue!();
    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let (a1, a2) = self.resolved(input_shapes)?;
        let (mut s1, mut s2) = (input_shapes[0].0.clone(), input_shapes[1].0.clone());
        s1.remove(a1);
        s2.remove(a2);
        s2.remove(0);
        s1.extend(s2);
        if s1.len() == 1 {
            s1.push(Some(1));
        }
        Ok(vec![Shape(s1)])
    }
    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        _w: Weights<'_>,
        _ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let shapes: Vec<Shape> = inputs.iter().map(|t| Shape::known(&t.dims())).collect();
        let (a1, a2) = self.resolved(&shapes)?;
        let mut it = inputs.into_iter();
        let (x, y) = (it.next().expect("two inputs"), it.next().expect("two inputs"));
        let out = if x.rank() == 2 {
            let (mut x, mut y) = (x.into_rank::<2>("dot")?, y.into_rank::<2>("dot")?);
            if self.config.normalize {
                (x, y) = (l2_normalize(x, 1), l2_normalize(y, 1));
            }
            DynTensor::new((x * y).sum_dim(1))
        } else {
            let (mut x, mut y) = (x.into_rank::<3>("dot")?, y.into_rank::<3>("dot")?);
            if self.config.normalize {
                (x, y) = (l2_normalize(x, a1), l2_normalize(y, a2));
            }
            let x = if a1 == 2 { x } else { x.swap_dims(1, 2) };
            let y = if a2 == 1 { y } else { y.swap_dims(1, 2) };
            DynTensor::new(x.matmul(y))
        };
        Ok(vec![out])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Input;
    use crate::layers::merging::base_merge::run;

    #[test]
    fn dot_products_per_sample() {
        let (y, dims) =
            run(&Dot::new(1), &[(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), (&[5.0, 6.0, 7.0, 8.0], &[2, 2])]).unwrap();
        assert_eq!((y, dims), (vec![17.0, 53.0], vec![2, 1]));
        let (y, _) = run(&Dot::new(1).normalize(true), &[(&[3.0, 4.0], &[1, 2]), (&[3.0, 4.0], &[1, 2])]).unwrap();
        assert!((y[0] - 1.0).abs() < 1e-6);
        // (1, 2, 2) . (1, 2, 2) along axes (2, 2): x @ y^T.
        let (y, dims) =
            run(&Dot::new((2, 2)), &[(&[1.0, 2.0, 3.0, 4.0], &[1, 2, 2]), (&[1.0, 0.0, 0.0, 1.0], &[1, 2, 2])])
                .unwrap();
        assert_eq!((y, dims), (vec![1.0, 2.0, 3.0, 4.0], vec![1, 2, 2]));
        let err = Dot::new(1).call(&[Input::new(&[3]), Input::new(&[4])]).unwrap_err().to_string();
        assert!(err.contains("axis values 3 (at axis 1) != 4 (at axis 1)"), "{err}");
        assert!(Dot::new(1).call(&[Input::new(&[3])]).is_err());
        let cfg = Dot::new((1, 2)).normalize(true).get_config();
        assert_eq!(cfg["axes"], json!([1, 2]));
        assert_eq!(Dot::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
