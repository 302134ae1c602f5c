//! What the element-wise merging layers share: Keras' `Merge` shape rules and broadcasting.

use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::Weights;
use crate::layers::{CallContext, Layer, LayerBase};
use crate::shape::Shape;

/// `Merge<OP>` adds its inputs.
pub const ADD: u8 = 0;
/// `Merge<OP>` subtracts the second input from the first.
pub const SUBTRACT: u8 = 1;
/// `Merge<OP>` multiplies its inputs.
pub const MULTIPLY: u8 = 2;
/// `Merge<OP>` averages its inputs.
pub const AVERAGE: u8 = 3;
/// `Merge<OP>` takes the element-wise maximum.
pub const MAXIMUM: u8 = 4;
/// `Merge<OP>` takes the element-wise minimum.
pub const MINIMUM: u8 = 5;

/// An element-wise merge of several tensors of the same shape (Keras' `Merge` base class):
/// `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`. Axes of size 1 broadcast;
/// an input of lower rank gains axes after the batch axis, as in Keras.
#[derive(Clone, Debug, Default)]
pub struct Merge<const OP: u8> {
    base: LayerBase,
}

impl<const OP: u8> Merge<OP> {
    /// A merging layer (no arguments besides the common ones).
    pub fn new() -> Self {
        Merge { base: LayerBase::default() }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Merge { base: LayerBase::from_config(config) })
    }
}

crate::layers::builders::common_builders!(Merge<ADD>);
crate::layers::builders::common_builders!(Merge<SUBTRACT>);
crate::layers::builders::common_builders!(Merge<MULTIPLY>);
crate::layers::builders::common_builders!(Merge<AVERAGE>);
crate::layers::builders::common_builders!(Merge<MAXIMUM>);
crate::layers::builders::common_builders!(Merge<MINIMUM>);

/// Keras' `_compute_elemwise_op_output_shape` over all inputs (lower ranks gain axes of size 1
/// after the batch axis), with its error text.
pub(crate) fn merge_output_shape(shapes: &[Shape]) -> Result<Shape> {
    let rank = shapes.iter().map(Shape::rank).max().unwrap_or(0);
    let mut out: Vec<Option<usize>> = vec![Some(1); rank];
    for s in shapes {
        let aligned = aligned(s, rank);
        for (o, d) in out.iter_mut().zip(&aligned) {
            *o = match (*o, *d) {
                (None, _) | (_, None) => None,
                (Some(1), d) | (d, Some(1)) => d,
                (Some(a), Some(b)) if a == b => Some(a),
                _ => {
                    let list: Vec<String> = shapes.iter().map(Shape::to_string).collect();
                    return Err(Error::shape(format!(
                        "Inputs have incompatible shapes. Received shapes {}",
                        list.join(" and ")
                    )));
                }
            };
        }
    }
    // The batch axis: the one known batch size, else None.
    let batches: Vec<usize> = shapes.iter().filter_map(|s| s.0.first().copied().flatten()).collect();
    if let Some(batch) = out.first_mut() {
        *batch = batches.first().copied().filter(|b| batches.iter().all(|x| x == b));
    }
    Ok(Shape(out))
}

fn aligned(shape: &Shape, rank: usize) -> Vec<Option<usize>> {
    let mut dims = shape.0.clone();
    while dims.len() < rank {
        dims.insert(1, Some(1));
    }
    dims
}

/// Checks that a merging layer got a list of at least `min` inputs.
pub(crate) fn check_count(class: &str, shapes: &[Shape], min: usize) -> Result<()> {
    if shapes.len() < min {
        return Err(Error::value(format!(
            "A `{class}` layer should be called on a list of at least {min} inputs. Received {} input(s).",
            shapes.len()
        )));
    }
    Ok(())
}

impl<const OP: u8> Layer for Merge<OP> {
    /// Keras' merge mask: when every input has one, a step is real where it is real in any of
    /// them (`logical_or`); otherwise none.
    fn compute_mask(
        &self,
        _inputs: &[DynTensor],
        masks: &[Option<burn::tensor::Tensor<2>>],
    ) -> Result<Option<burn::tensor::Tensor<2>>> {
        let all: Option<Vec<_>> = masks.iter().cloned().collect();
        Ok(all.and_then(|m| m.into_iter().reduce(|a, b| a.max_pair(b))))
    }

    crate::layers::builders::layer_boilerplate!(
        class = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"][OP as usize],
        base
    );
    fn takes_unknown_sizes(&self) -> bool {
        true
    }
    fn config(&self) -> Value {
        json!({})
    }
    crate::layers::builders::weightless_multi_input_glue!();
    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        if OP == SUBTRACT && input_shapes.len() != 2 {
            return Err(Error::value(format!(
                "A `Subtract` layer should be called on exactly 2 inputs. Received {} input(s).",
                input_shapes.len()
            )));
        }
        check_count(self.class_name(), input_shapes, 2)?;
        Ok(vec![merge_output_shape(input_shapes)?])
    }
    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        _w: Weights<'_>,
        _ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let shapes: Vec<Shape> = inputs.iter().map(|t| Shape::known(&t.dims())).collect();
        let out: Option<Vec<usize>> = merge_output_shape(&shapes)?.0.into_iter().collect();
        let out = out.ok_or_else(|| Error::shape("merge of tensors with unknown dimensions"))?;
        let n = inputs.len();
        let mut aligned = inputs.into_iter().zip(&shapes).map(|(t, s)| {
            let dims: Vec<usize> = aligned(s, out.len()).into_iter().map(|d| d.unwrap_or(1)).collect();
            t.reshape(&dims)?.expand(&out)
        });
        let first = aligned.next().ok_or_else(|| Error::value("a merge layer needs inputs"))??;
        let merged = aligned.try_fold(first, |acc, x| {
            acc.zip_with(x?, |a, b| match OP {
                ADD | AVERAGE => a + b,
                SUBTRACT => a - b,
                MULTIPLY => a * b,
                MAXIMUM => a.max_pair(b),
                _ => a.min_pair(b),
            })
        })?;
        Ok(vec![if OP == AVERAGE {
            crate::backend::dyn_tensor::map_tensor!(merged, t => t.div_scalar(n as f32))
        } else {
            merged
        }])
    }
}

/// Runs a merging layer eagerly on host tensors (tests).
#[cfg(test)]
pub(crate) fn run(layer: &dyn Layer, inputs: &[(&[f32], &[usize])]) -> Result<(Vec<f32>, Vec<usize>)> {
    let device = keras_rs_backends::default_device();
    let xs = inputs.iter().map(|(v, d)| DynTensor::from_data(v.to_vec(), d, &device)).collect::<Result<Vec<_>>>()?;
    let mut rng = crate::random::SeedGenerator::new(0);
    let mut ctx = CallContext::new(false, &mut rng, &device);
    let y = layer.forward_multi(xs, Weights::from(&[]), &mut ctx)?.remove(0);
    Ok((y.to_vec()?, y.dims()))
}
