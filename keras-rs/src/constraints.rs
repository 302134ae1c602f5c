//! Weight constraints (`keras.constraints`): a projection of a variable applied after each
//! optimizer update, as Keras' `optimizer.apply` does (`variable.assign(constraint(variable))`).

use burn::tensor::Tensor;
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// Keras' `backend.epsilon()`, added to the norms before dividing by them.
const EPSILON: f32 = 1e-7;

/// Keras' `MaxNorm`, `NonNeg`, `UnitNorm` and `MinMaxNorm`. The norms are taken over `axis`
/// (Keras' default 0: for a Dense kernel `(in, units)`, each unit's incoming weights; for a
/// Conv2D kernel Keras suggests `[0, 1, 2]`); keras-rs takes axes that are one contiguous run
/// (`0`, `[0, 1, 2]`, `-1`), which are the ones Keras documents.
///
/// ```
/// use keras_rs::constraints::Constraint;
/// let max_norm = Constraint::MaxNorm { max_value: 2.0, axis: vec![0] };
/// assert_eq!(Constraint::from_config(&max_norm.to_config()).unwrap(), max_norm);
/// assert_eq!(Constraint::from_config(&serde_json::json!("non_neg")).unwrap(), Constraint::NonNeg);
/// // A (2, 2) kernel [[3, 0], [4, 1]]: column norms 5 and 1; the first is scaled down to norm 2.
/// let w = burn::tensor::Tensor::<1>::from_floats([3.0, 0.0, 4.0, 1.0], &keras_rs::backends::default_device());
/// let got = max_norm.apply(w, &[2, 2]).unwrap().into_data().try_to_vec::<f32>().unwrap();
/// assert!((got[0] - 1.2).abs() < 1e-5 && (got[2] - 1.6).abs() < 1e-5 && (got[3] - 1.0).abs() < 1e-5);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Constraint {
    /// Scales each slice whose norm exceeds `max_value` back to it (Keras' default 2).
    MaxNorm {
        /// The largest norm allowed.
        max_value: f32,
        /// The axes the norm is taken over.
        axis: Vec<i64>,
    },
    /// Sets negative weights to zero.
    NonNeg,
    /// Scales each slice to norm 1.
    UnitNorm {
        /// The axes the norm is taken over.
        axis: Vec<i64>,
    },
    /// Moves each slice's norm into `[min_value, max_value]`, by `rate` of the way (Keras'
    /// defaults 0, 1 and 1).
    MinMaxNorm {
        /// The smallest norm.
        min_value: f32,
        /// The largest norm.
        max_value: f32,
        /// How far to move towards the range (1: all the way).
        rate: f32,
        /// The axes the norm is taken over.
        axis: Vec<i64>,
    },
}

impl Constraint {
    /// `w` (a variable of shape `shape`, flattened) after the constraint.
    pub fn apply(&self, w: Tensor<1>, shape: &[usize]) -> Result<Tensor<1>> {
        let n = w.dims()[0];
        let rescale = |w: Tensor<1>, axis: &[i64], desired: &dyn Fn(Tensor<3>) -> Tensor<3>| -> Result<Tensor<1>> {
            let w = w.reshape(self.blocks(shape, axis)?);
            let norms = w.clone().square().sum_dim(1).sqrt();
            Ok((w * desired(norms.clone()).div(norms.add_scalar(EPSILON))).reshape([n]))
        };
        match self {
            Constraint::NonNeg => Ok(w.clone() * w.greater_equal_elem(0.0).float()),
            Constraint::MaxNorm { max_value, axis } => rescale(w, axis, &|norms| norms.clamp(0.0, *max_value)),
            Constraint::UnitNorm { axis } => rescale(w, axis, &|norms| norms.ones_like()),
            Constraint::MinMaxNorm { min_value, max_value, rate, axis } => rescale(w, axis, &|norms| {
                norms.clone().clamp(*min_value, *max_value).mul_scalar(*rate) + norms.mul_scalar(1.0 - rate)
            }),
        }
    }

    /// The variable as `(before, along axis, after)`, so the norm is a sum over the middle.
    fn blocks(&self, shape: &[usize], axis: &[i64]) -> Result<[usize; 3]> {
        let rank = shape.len().max(1) as i64;
        let mut axes: Vec<i64> = axis.iter().map(|&a| if a < 0 { a + rank } else { a }).collect();
        axes.sort_unstable();
        axes.dedup();
        let contiguous = axes.windows(2).all(|w| w[1] == w[0] + 1);
        let (Some(&first), Some(&last)) = (axes.first(), axes.last()) else {
            return Err(self.bad_axis(shape));
        };
        if !contiguous || first < 0 || last >= rank {
            return Err(self.bad_axis(shape));
        }
        let dims = if shape.is_empty() { vec![1] } else { shape.to_vec() };
        let (first, last) = (first as usize, last as usize);
        let product = |d: &[usize]| d.iter().product::<usize>();
        Ok([product(&dims[..first]), product(&dims[first..=last]), product(&dims[last + 1..])])
    }

    fn bad_axis(&self, shape: &[usize]) -> Error {
        Error::value(format!(
            "{}: axis={} is not valid for a variable of shape {shape:?} (keras-rs takes one contiguous run of \
             axes, e.g. 0 or [0, 1, 2])",
            self.class_name(),
            axis_config(self.axis())
        ))
    }

    fn axis(&self) -> &[i64] {
        match self {
            Constraint::MaxNorm { axis, .. } | Constraint::UnitNorm { axis } | Constraint::MinMaxNorm { axis, .. } => {
                axis
            }
            Constraint::NonNeg => &[],
        }
    }

    fn class_name(&self) -> &'static str {
        match self {
            Constraint::MaxNorm { .. } => "MaxNorm",
            Constraint::NonNeg => "NonNeg",
            Constraint::UnitNorm { .. } => "UnitNorm",
            Constraint::MinMaxNorm { .. } => "MinMaxNorm",
        }
    }

    /// Keras' serialized form: `{"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}, ...}`.
    pub fn to_config(&self) -> Value {
        let config = match self {
            Constraint::MaxNorm { max_value, axis } => json!({"max_value": max_value, "axis": axis_config(axis)}),
            Constraint::NonNeg => json!({}),
            Constraint::UnitNorm { axis } => json!({"axis": axis_config(axis)}),
            Constraint::MinMaxNorm { min_value, max_value, rate, axis } => {
                json!({"min_value": min_value, "max_value": max_value, "rate": rate, "axis": axis_config(axis)})
            }
        };
        json!({"module": "keras.constraints", "class_name": self.class_name(), "config": config, "registered_name": null})
    }

    /// Reads Keras' serialized form or a name (`"max_norm"`, `"non_neg"`, `"unit_norm"`,
    /// `"min_max_norm"`, with Keras' defaults).
    pub fn from_config(value: &Value) -> Result<Self> {
        let number = |key: &str, default: f32| -> Result<f32> {
            match value.pointer(&format!("/config/{key}")) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v.as_f64().map(|f| f as f32).filter(|f| f.is_finite()).ok_or_else(|| {
                    Error::value(format!("Invalid value for argument {key}: expected a number. Received: {key}={v}"))
                }),
            }
        };
        let axis = || -> Result<Vec<i64>> {
            match value.pointer("/config/axis") {
                None | Some(Value::Null) => Ok(vec![0]),
                Some(Value::Number(n)) => n.as_i64().map(|a| vec![a]).ok_or_else(|| bad_axis_value(value)),
                Some(Value::Array(list)) => {
                    list.iter().map(|a| a.as_i64().ok_or_else(|| bad_axis_value(value))).collect()
                }
                Some(_) => Err(bad_axis_value(value)),
            }
        };
        let class = value.as_str().or_else(|| value.get("class_name").and_then(Value::as_str)).unwrap_or_default();
        match class {
            "MaxNorm" | "max_norm" => Ok(Constraint::MaxNorm { max_value: number("max_value", 2.0)?, axis: axis()? }),
            "NonNeg" | "non_neg" => Ok(Constraint::NonNeg),
            "UnitNorm" | "unit_norm" => Ok(Constraint::UnitNorm { axis: axis()? }),
            "MinMaxNorm" | "min_max_norm" => Ok(Constraint::MinMaxNorm {
                min_value: number("min_value", 0.0)?,
                max_value: number("max_value", 1.0)?,
                rate: number("rate", 1.0)?,
                axis: axis()?,
            }),
            other => Err(Error::UnknownIdentifier(format!(
                "Could not interpret constraint identifier: {other:?}. keras-rs knows: MaxNorm, NonNeg, UnitNorm, \
                 MinMaxNorm"
            ))),
        }
    }
}

/// `axis` as Keras writes it: a number for one axis, else a list.
fn axis_config(axis: &[i64]) -> Value {
    match axis {
        [one] => json!(one),
        many => json!(many),
    }
}

fn bad_axis_value(value: &Value) -> Error {
    Error::value(format!(
        "Invalid value for argument axis: expected an integer or a list of integers. Received: axis={}",
        value.pointer("/config/axis").unwrap_or(&Value::Null)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: Tensor<1>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn norms_follow_keras_formulas_over_contiguous_axes() {
        let device = keras_rs_backends::default_device();
        // A (2, 3) kernel, rows [3, 0, 1] and [4, 0, -2]: norms over axis 0 are 5, 0, sqrt(5).
        let w = || Tensor::<1>::from_floats([3.0, 0.0, 1.0, 4.0, 0.0, -2.0], &device);
        let unit = values(Constraint::UnitNorm { axis: vec![0] }.apply(w(), &[2, 3]).unwrap());
        let s5 = 5f32.sqrt();
        let want = [3.0 / 5.0, 0.0, 1.0 / s5, 4.0 / 5.0, 0.0, -2.0 / s5];
        assert!(unit.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "{unit:?}");
        // Over the last axis (-1): row norms sqrt(10) and sqrt(20), clipped into [0, 4] at rate 0.5.
        let c = Constraint::MinMaxNorm { min_value: 0.0, max_value: 4.0, rate: 0.5, axis: vec![-1] };
        let got = values(c.apply(w(), &[2, 3]).unwrap());
        let scale = (0.5 * 4.0 + 0.5 * 20f32.sqrt()) / 20f32.sqrt();
        assert!((got[3] - 4.0 * scale).abs() < 1e-5 && (got[0] - 3.0).abs() < 1e-5, "{got:?}");
        assert_eq!(values(Constraint::NonNeg.apply(w(), &[2, 3]).unwrap()), vec![3.0, 0.0, 1.0, 4.0, 0.0, 0.0]);
        let err = Constraint::UnitNorm { axis: vec![0, 2] }.apply(w(), &[2, 1, 3]).unwrap_err().to_string();
        assert!(err.contains("UnitNorm: axis=[0,2] is not valid for a variable of shape [2, 1, 3]"), "{err}");
        assert!(Constraint::MaxNorm { max_value: 2.0, axis: vec![3] }.apply(w(), &[2, 3]).is_err());
    }

    #[test]
    fn configs_round_trip_and_bad_ones_are_errors() {
        for c in [
            Constraint::MaxNorm { max_value: 3.0, axis: vec![0, 1, 2] },
            Constraint::NonNeg,
            Constraint::UnitNorm { axis: vec![-1] },
            Constraint::MinMaxNorm { min_value: 0.5, max_value: 2.0, rate: 0.3, axis: vec![0] },
        ] {
            assert_eq!(Constraint::from_config(&c.to_config()).unwrap(), c);
        }
        let named = Constraint::from_config(&json!("max_norm")).unwrap();
        assert_eq!(named, Constraint::MaxNorm { max_value: 2.0, axis: vec![0] });
        let err = Constraint::from_config(&json!({"class_name": "Clip", "config": {}})).unwrap_err().to_string();
        assert!(err.contains("Could not interpret constraint identifier: \"Clip\""), "{err}");
        let bad = json!({"class_name": "MaxNorm", "config": {"axis": "rows"}});
        assert!(Constraint::from_config(&bad).unwrap_err().to_string().contains("Received: axis=\"rows\""));
    }
}
