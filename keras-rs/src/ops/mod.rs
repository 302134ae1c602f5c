//! Keras' ops on symbolic tensors (`keras.ops`): `x + y`, `ops.mean(x, axis=1)`,
//! `ops.reshape`, `x[:, 0]`, ... recorded in a Functional graph as op nodes, which Keras 3
//! writes into `config.json` as `keras.src.ops.numpy.Add` and the like.
//!
//! ```
//! use keras_rs::prelude::*;
//! use keras_rs::ops;
//! let inputs = Input::new(&[5, 8]).tensor();
//! let x = Dense::new(8).call(&inputs).unwrap();
//! let residual = (&x + &inputs).unwrap(); // Keras: x + inputs
//! let pooled = ops::mean(&residual, Some(&[1]), false).unwrap();
//! let scaled = (&pooled * 0.5).unwrap();
//! assert_eq!(scaled.shape().to_string(), "(None, 8)");
//! let model = Model::new(&[inputs], &[scaled]).unwrap();
//! assert!(model.to_json().contains("keras.src.ops.numpy"));
//! ```

mod get_item;
pub(crate) mod op;

use serde_json::{Map, Value, json};

pub use get_item::{Index, Key};
use op::{Binary, Op, Reduction, Unary};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::multi_input_glue;
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::models::KerasTensor;
use crate::models::graph::call_symbolic;
use crate::shape::Shape;

/// One positional argument of an op call.
#[derive(Clone, Debug, PartialEq)]
enum Arg {
    /// A symbolic tensor.
    Tensor,
    /// A list of tensors (`ops.concatenate([a, b])`).
    Tensors(usize),
    /// A number (`x + 1.5`), as Keras wrote it.
    Number(Value),
    /// `GetItem`'s index (held by the op).
    Key,
}

/// A Keras op node of a Functional graph: the op, and how its call's positional arguments
/// are laid out (tensors, lists of tensors, numbers).
#[derive(Clone, Debug)]
pub(crate) struct Operation {
    base: LayerBase,
    op: Op,
    args: Vec<Arg>,
}

/// The dtypes `Cast` takes: keras-rs computes in float32, so an integer cast truncates and
/// `bool` gives 0 or 1.
pub(crate) fn check_dtype(dtype: &str) -> Result<String> {
    const KNOWN: &[&str] = &[
        "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
        "bool",
    ];
    if KNOWN.contains(&dtype) {
        Ok(dtype.to_string())
    } else {
        Err(Error::value(format!("Cast: invalid dtype. Received: dtype={dtype} (known: {})", KNOWN.join(", "))))
    }
}

impl Operation {
    fn new(op: Op, args: Vec<Arg>) -> Self {
        Operation { base: LayerBase::default(), op, args }
    }

    /// The op of a `config.json` entry (module `keras.src.ops.*`); its arguments come with the
    /// inbound node ([`Layer::read_call_args`]).
    pub(crate) fn from_entry(class: &str, module: &str, config: &Value) -> Result<Self> {
        let op = Op::from_config(class, module, config)?;
        let mut operation = Operation::new(op, Vec::new());
        operation.base.name = config.get("name").and_then(Value::as_str).map(str::to_string);
        Ok(operation)
    }

    /// The input shapes laid out as the op takes them: numbers as scalars.
    fn operand_shapes(&self, tensors: &[Shape]) -> Vec<Shape> {
        let mut given = tensors.iter();
        let mut out = Vec::new();
        for arg in &self.args {
            match arg {
                Arg::Tensor => out.extend(given.next().cloned()),
                Arg::Tensors(n) => out.extend(given.by_ref().take(*n).cloned()),
                Arg::Number(_) => out.push(Shape(Vec::new())),
                Arg::Key => {}
            }
        }
        out
    }

    fn tensor_count(&self) -> usize {
        self.args
            .iter()
            .map(|a| match a {
                Arg::Tensor => 1,
                Arg::Tensors(n) => *n,
                _ => 0,
            })
            .sum()
    }
}

impl Layer for Operation {
    // Keras uses masks in this layer; keras-rs does not yet.
    crate::layers::builders::refuses_masks!();

    fn class_name(&self) -> &'static str {
        self.op.class_name()
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
    multi_input_glue!();

    fn config(&self) -> Value {
        Value::Object(self.op.config())
    }

    /// Keras writes an op's name and arguments only (no `trainable`, no `dtype`).
    fn get_config(&self) -> Value {
        let mut config = Map::new();
        config.insert("name".into(), json!(self.base.name));
        config.extend(self.op.config());
        Value::Object(config)
    }

    fn module(&self) -> Option<&'static str> {
        Some(self.op.module())
    }

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn call_args(&self, tensors: Vec<Value>) -> (Vec<Value>, Map<String, Value>) {
        let mut given = tensors.into_iter();
        let mut out = Vec::new();
        for arg in &self.args {
            match arg {
                Arg::Tensor => out.extend(given.next()),
                Arg::Tensors(n) => out.push(Value::Array(given.by_ref().take(*n).collect())),
                Arg::Number(v) => out.push(v.clone()),
                Arg::Key => {
                    if let Op::GetItem(key) = &self.op {
                        out.push(key.to_json());
                    }
                }
            }
        }
        (out, Map::new())
    }

    fn read_call_args(&mut self, args: &Value) -> Result<()> {
        let is_tensor = |v: &Value| v.get("class_name") == Some(&json!("__keras_tensor__"));
        let list = args.as_array().cloned().unwrap_or_default();
        let mut template = Vec::new();
        for (i, v) in list.iter().enumerate() {
            template.push(match v {
                v if is_tensor(v) => Arg::Tensor,
                Value::Array(items) if !items.is_empty() && items.iter().all(is_tensor) => Arg::Tensors(items.len()),
                Value::Number(_) if matches!(self.op, Op::Binary(_)) => Arg::Number(v.clone()),
                key if i == 1 && matches!(self.op, Op::GetItem(_)) => {
                    self.op = Op::GetItem(Key::from_json(key)?);
                    Arg::Key
                }
                other => {
                    return Err(Error::Format(format!(
                        "Op '{}' ({}): keras-rs cannot rebuild its argument {}",
                        self.base.name.as_deref().unwrap_or("?"),
                        self.class_name(),
                        {
                            let s = other.to_string();
                            if s.len() > 200 { format!("{}...", &s[..s.floor_char_boundary(200)]) } else { s }
                        }
                    )));
                }
            });
        }
        self.args = template;
        Ok(())
    }

    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        if input_shapes.len() != self.tensor_count() {
            return Err(Error::value(format!(
                "{} takes {} tensors, received {}",
                self.class_name(),
                self.tensor_count(),
                input_shapes.len()
            )));
        }
        Ok(vec![self.op.output_shape(&self.operand_shapes(input_shapes))?])
    }

    fn build_multi(&mut self, input_shapes: &[Shape]) -> Result<Vec<VariableSpec>> {
        self.compute_output_shapes(input_shapes)?;
        Ok(Vec::new())
    }

    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        _w: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let mut given = inputs.into_iter();
        let mut operands = Vec::new();
        for arg in &self.args {
            match arg {
                Arg::Tensor => operands.extend(given.next()),
                Arg::Tensors(n) => operands.extend(given.by_ref().take(*n)),
                Arg::Number(v) => {
                    let value = v.as_f64().unwrap_or(0.0) as f32;
                    operands.push(DynTensor::from_data(vec![value], &[1], ctx.device)?);
                }
                Arg::Key => {}
            }
        }
        Ok(vec![self.op.forward(operands)?])
    }
}

/// A tensor or a number, the operands of the element-wise ops (`ops::add(&x, 1.0)`).
#[derive(Clone, Debug)]
pub enum Operand {
    /// A symbolic tensor.
    Tensor(KerasTensor),
    /// A number, broadcast to the tensor's shape.
    Number(f64),
}

impl From<&KerasTensor> for Operand {
    fn from(t: &KerasTensor) -> Self {
        Operand::Tensor(t.clone())
    }
}
impl From<KerasTensor> for Operand {
    fn from(t: KerasTensor) -> Self {
        Operand::Tensor(t)
    }
}
impl From<f64> for Operand {
    fn from(v: f64) -> Self {
        Operand::Number(v)
    }
}
impl From<f32> for Operand {
    fn from(v: f32) -> Self {
        Operand::Number(v as f64)
    }
}
impl From<i32> for Operand {
    fn from(v: i32) -> Self {
        Operand::Number(v as f64)
    }
}

/// Records `op` on `tensors` laid out as `args`.
fn apply(op: Op, args: Vec<Arg>, tensors: Vec<KerasTensor>) -> Result<KerasTensor> {
    let operation = Operation::new(op, args);
    let mut out = call_symbolic(&operation, tensors)?;
    Ok(out.remove(0))
}

fn binary(b: Binary, x: impl Into<Operand>, y: impl Into<Operand>) -> Result<KerasTensor> {
    let mut args = Vec::new();
    let mut tensors = Vec::new();
    for operand in [x.into(), y.into()] {
        match operand {
            Operand::Tensor(t) => {
                args.push(Arg::Tensor);
                tensors.push(t);
            }
            Operand::Number(v) => args.push(Arg::Number(json!(v))),
        }
    }
    if tensors.is_empty() {
        return Err(Error::value("an op on symbolic tensors needs at least one tensor operand"));
    }
    apply(Op::Binary(b), args, tensors)
}

fn unary(u: Unary, x: &KerasTensor) -> Result<KerasTensor> {
    apply(Op::Unary(u), vec![Arg::Tensor], vec![x.clone()])
}

fn single(op: Op, x: &KerasTensor) -> Result<KerasTensor> {
    apply(op, vec![Arg::Tensor], vec![x.clone()])
}

macro_rules! binary_ops {
    ($($(#[$doc:meta])* $name:ident => $op:ident,)*) => {$(
        $(#[$doc])*
        pub fn $name(x: impl Into<Operand>, y: impl Into<Operand>) -> Result<KerasTensor> {
            binary(Binary::$op, x, y)
        }
    )*};
}

binary_ops! {
    /// `x + y` (Keras' `ops.add`), broadcast as NumPy does.
    add => Add,
    /// `x - y` (Keras' `ops.subtract`).
    subtract => Subtract,
    /// `x * y` (Keras' `ops.multiply`).
    multiply => Multiply,
    /// `x / y` (Keras' `ops.true_divide`, what Python's `/` records).
    true_divide => TrueDivide,
    /// `x / y` (Keras' `ops.divide`).
    divide => Divide,
    /// `floor(x / y)` (Keras' `ops.floor_divide`, Python's `//`).
    floor_divide => FloorDivide,
    /// `x ** y` (Keras' `ops.power`).
    power => Power,
    /// The element-wise maximum (Keras' `ops.maximum`).
    maximum => Maximum,
    /// The element-wise minimum (Keras' `ops.minimum`).
    minimum => Minimum,
    /// `x > y` as 1.0 or 0.0 (Keras' `ops.greater`).
    greater => Greater,
    /// `x >= y` as 1.0 or 0.0 (Keras' `ops.greater_equal`).
    greater_equal => GreaterEqual,
    /// `x < y` as 1.0 or 0.0 (Keras' `ops.less`).
    less => Less,
    /// `x <= y` as 1.0 or 0.0 (Keras' `ops.less_equal`).
    less_equal => LessEqual,
    /// `x == y` as 1.0 or 0.0 (Keras' `ops.equal`).
    equal => Equal,
    /// `x != y` as 1.0 or 0.0 (Keras' `ops.not_equal`).
    not_equal => NotEqual,
    /// `x and y` (nonzero is true) as 1.0 or 0.0 (Keras' `ops.logical_and`).
    logical_and => LogicalAnd,
    /// `x or y` (nonzero is true) as 1.0 or 0.0 (Keras' `ops.logical_or`).
    logical_or => LogicalOr,
}

macro_rules! unary_ops {
    ($($(#[$doc:meta])* $name:ident => $op:ident,)*) => {$(
        $(#[$doc])*
        pub fn $name(x: &KerasTensor) -> Result<KerasTensor> {
            unary(Unary::$op, x)
        }
    )*};
}

unary_ops! {
    /// `-x` (Keras' `ops.negative`).
    negative => Negative,
    /// `|x|` (Keras' `ops.absolute`).
    absolute => Absolute,
    /// `e^x` (Keras' `ops.exp`).
    exp => Exp,
    /// The natural logarithm (Keras' `ops.log`).
    log => Log,
    /// The square root (Keras' `ops.sqrt`).
    sqrt => Sqrt,
    /// `x²` (Keras' `ops.square`).
    square => Square,
    /// `tanh(x)` (Keras' `ops.tanh`).
    tanh => Tanh,
    /// `1 / (1 + e^-x)` (Keras' `ops.sigmoid`).
    sigmoid => Sigmoid,
    /// `max(x, 0)` (Keras' `ops.relu`).
    relu => Relu,
}

fn reduce(kind: Reduction, x: &KerasTensor, axis: Option<&[i64]>, keepdims: bool) -> Result<KerasTensor> {
    single(Op::Reduce { kind, axis: axis.map(<[i64]>::to_vec), keepdims }, x)
}

/// The mean over `axis` (all axes when `None`; Keras' `ops.mean`).
pub fn mean(x: &KerasTensor, axis: Option<&[i64]>, keepdims: bool) -> Result<KerasTensor> {
    reduce(Reduction::Mean, x, axis, keepdims)
}
/// The sum over `axis` (Keras' `ops.sum`).
pub fn sum(x: &KerasTensor, axis: Option<&[i64]>, keepdims: bool) -> Result<KerasTensor> {
    reduce(Reduction::Sum, x, axis, keepdims)
}
/// The maximum over `axis` (Keras' `ops.max`).
pub fn max(x: &KerasTensor, axis: Option<&[i64]>, keepdims: bool) -> Result<KerasTensor> {
    reduce(Reduction::Max, x, axis, keepdims)
}
/// The minimum over `axis` (Keras' `ops.min`).
pub fn min(x: &KerasTensor, axis: Option<&[i64]>, keepdims: bool) -> Result<KerasTensor> {
    reduce(Reduction::Min, x, axis, keepdims)
}
/// Whether any value over `axis` is nonzero, as 1.0 or 0.0 (Keras' `ops.any`).
pub fn any(x: &KerasTensor, axis: Option<&[i64]>, keepdims: bool) -> Result<KerasTensor> {
    reduce(Reduction::Any, x, axis, keepdims)
}
/// Whether every value over `axis` is nonzero, as 1.0 or 0.0 (Keras' `ops.all`).
pub fn all(x: &KerasTensor, axis: Option<&[i64]>, keepdims: bool) -> Result<KerasTensor> {
    reduce(Reduction::All, x, axis, keepdims)
}
/// The softmax along `axis` (Keras' `ops.softmax`).
pub fn softmax(x: &KerasTensor, axis: i64) -> Result<KerasTensor> {
    single(Op::Softmax { axis }, x)
}
/// `x` with shape `newshape`, batch axis included, one `-1` inferred (Keras' `ops.reshape`).
pub fn reshape(x: &KerasTensor, newshape: &[i64]) -> Result<KerasTensor> {
    single(Op::Reshape { newshape: newshape.to_vec() }, x)
}
/// The axes permuted (reversed when `None`; Keras' `ops.transpose`).
pub fn transpose(x: &KerasTensor, axes: Option<&[i64]>) -> Result<KerasTensor> {
    single(Op::Transpose { axes: axes.map(<[i64]>::to_vec) }, x)
}
/// Axes `axis1` and `axis2` exchanged (Keras' `ops.swapaxes`).
pub fn swapaxes(x: &KerasTensor, axis1: i64, axis2: i64) -> Result<KerasTensor> {
    single(Op::Swapaxes { axis1, axis2 }, x)
}
/// A new axis of size 1 at `axis` (Keras' `ops.expand_dims`).
pub fn expand_dims(x: &KerasTensor, axis: i64) -> Result<KerasTensor> {
    single(Op::ExpandDims { axis }, x)
}
/// The axes `axis` (each of size 1) removed (Keras' `ops.squeeze`).
pub fn squeeze(x: &KerasTensor, axis: &[i64]) -> Result<KerasTensor> {
    single(Op::Squeeze { axis: axis.to_vec() }, x)
}
/// `x` as `dtype` (Keras' `ops.cast`); keras-rs keeps float32 values, so integer dtypes truncate.
pub fn cast(x: &KerasTensor, dtype: &str) -> Result<KerasTensor> {
    single(Op::Cast { dtype: check_dtype(dtype)? }, x)
}
/// `x[key]` (Keras' `x[:, 0]`, recorded as a `GetItem` op).
pub fn get_item(x: &KerasTensor, key: Key) -> Result<KerasTensor> {
    apply(Op::GetItem(key), vec![Arg::Tensor, Arg::Key], vec![x.clone()])
}
/// The matrix product over the last two axes (Keras' `ops.matmul`).
pub fn matmul(a: &KerasTensor, b: &KerasTensor) -> Result<KerasTensor> {
    apply(Op::Matmul, vec![Arg::Tensor, Arg::Tensor], vec![a.clone(), b.clone()])
}
/// The tensors joined along `axis` (Keras' `ops.concatenate`).
pub fn concatenate(tensors: &[&KerasTensor], axis: i64) -> Result<KerasTensor> {
    let list: Vec<KerasTensor> = tensors.iter().map(|t| (*t).clone()).collect();
    apply(Op::Concatenate { axis }, vec![Arg::Tensors(list.len())], list)
}
/// The tensors stacked along a new axis `axis` (Keras' `ops.stack`).
pub fn stack(tensors: &[&KerasTensor], axis: i64) -> Result<KerasTensor> {
    let list: Vec<KerasTensor> = tensors.iter().map(|t| (*t).clone()).collect();
    apply(Op::Stack { axis }, vec![Arg::Tensors(list.len())], list)
}

/// Python's operators on symbolic tensors (`&x + &y`, `&x * 2.0`, `-&x`), recorded as Keras
/// records them; each gives a `Result` (shape errors are Keras' errors, not panics).
macro_rules! operators {
    ($($trait:ident $method:ident => $op:ident;)*) => {$(
        impl<T: Into<Operand>> std::ops::$trait<T> for &KerasTensor {
            type Output = Result<KerasTensor>;
            fn $method(self, rhs: T) -> Result<KerasTensor> {
                binary(Binary::$op, self, rhs)
            }
        }
        impl<T: Into<Operand>> std::ops::$trait<T> for KerasTensor {
            type Output = Result<KerasTensor>;
            fn $method(self, rhs: T) -> Result<KerasTensor> {
                binary(Binary::$op, self, rhs)
            }
        }
    )*};
}

operators! {
    Add add => Add;
    Sub sub => Subtract;
    Mul mul => Multiply;
    Div div => TrueDivide;
}

impl std::ops::Neg for &KerasTensor {
    type Output = Result<KerasTensor>;
    fn neg(self) -> Result<KerasTensor> {
        negative(self)
    }
}
