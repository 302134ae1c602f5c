//! What each Keras op computes: its config keys (as Keras writes them), its output shape and
//! its forward pass on [`DynTensor`]s.

use burn::tensor::Tensor;
use serde_json::{Map, Value, json};

use super::get_item::Key;
use crate::activations::Activation;
use crate::backend::DynTensor;
use crate::backend::dyn_tensor::map_tensor;
use crate::error::{Error, Result};
use crate::shape::Shape;

/// An element-wise function of one tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unary {
    Negative,
    Absolute,
    Exp,
    Log,
    Sqrt,
    Square,
    Tanh,
    Sigmoid,
    Relu,
}

/// An element-wise function of two tensors (or a tensor and a number), broadcast as NumPy does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Binary {
    Add,
    Subtract,
    Multiply,
    TrueDivide,
    Divide,
    FloorDivide,
    Power,
    Maximum,
    Minimum,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    Equal,
    NotEqual,
    LogicalAnd,
    LogicalOr,
}

/// A reduction over axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reduction {
    Mean,
    Sum,
    Max,
    Min,
    Any,
    All,
}

/// One Keras op with its arguments.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Op {
    Unary(Unary),
    Binary(Binary),
    Reduce {
        kind: Reduction,
        axis: Option<Vec<i64>>,
        keepdims: bool,
    },
    Softmax {
        axis: i64,
    },
    Reshape {
        newshape: Vec<i64>,
    },
    Transpose {
        axes: Option<Vec<i64>>,
    },
    Swapaxes {
        axis1: i64,
        axis2: i64,
    },
    ExpandDims {
        axis: i64,
    },
    Squeeze {
        axis: Vec<i64>,
    },
    Concatenate {
        axis: i64,
    },
    Stack {
        axis: i64,
    },
    Cast {
        dtype: String,
    },
    /// Keras' `ops.convert_to_tensor` (written by `Attention.compute_mask`): the identity, or a
    /// cast where a dtype is given.
    ConvertToTensor {
        dtype: Option<String>,
    },
    Matmul,
    GetItem(Key),
}

const UNARY: &[(&str, Unary)] = &[
    ("Negative", Unary::Negative),
    ("Absolute", Unary::Absolute),
    ("Exp", Unary::Exp),
    ("Log", Unary::Log),
    ("Sqrt", Unary::Sqrt),
    ("Square", Unary::Square),
    ("Tanh", Unary::Tanh),
    ("Sigmoid", Unary::Sigmoid),
    ("Relu", Unary::Relu),
];

const BINARY: &[(&str, Binary)] = &[
    ("Add", Binary::Add),
    ("Subtract", Binary::Subtract),
    ("Multiply", Binary::Multiply),
    ("TrueDivide", Binary::TrueDivide),
    ("Divide", Binary::Divide),
    ("FloorDivide", Binary::FloorDivide),
    ("Power", Binary::Power),
    ("Maximum", Binary::Maximum),
    ("Minimum", Binary::Minimum),
    ("Greater", Binary::Greater),
    ("GreaterEqual", Binary::GreaterEqual),
    ("Less", Binary::Less),
    ("LessEqual", Binary::LessEqual),
    ("Equal", Binary::Equal),
    ("NotEqual", Binary::NotEqual),
    ("LogicalAnd", Binary::LogicalAnd),
    ("LogicalOr", Binary::LogicalOr),
];

const REDUCTIONS: &[(&str, Reduction)] = &[
    ("Mean", Reduction::Mean),
    ("Sum", Reduction::Sum),
    ("Max", Reduction::Max),
    ("Min", Reduction::Min),
    ("Any", Reduction::Any),
    ("All", Reduction::All),
];

/// The op classes besides the tables' (their arguments' Keras defaults in [`Op::blank`]).
const OTHERS: &[&str] = &[
    "Softmax",
    "Reshape",
    "Transpose",
    "Swapaxes",
    "ExpandDims",
    "Squeeze",
    "Concatenate",
    "Stack",
    "Matmul",
    "GetItem",
    "Cast",
    "ConvertToTensor",
];

/// The Keras op class names keras-rs rebuilds, with their module.
pub(crate) fn known_ops() -> Vec<(&'static str, &'static str)> {
    let classes = UNARY.iter().map(|(c, _)| *c).chain(BINARY.iter().map(|(c, _)| *c));
    let classes = classes.chain(REDUCTIONS.iter().map(|(c, _)| *c)).chain(OTHERS.iter().copied());
    classes.filter_map(Op::blank).map(|op| (op.class_name(), op.module())).collect()
}

/// Reads the config of a `class`: every key but `name` must be one the op takes.
struct Args<'a> {
    class: &'a str,
    config: &'a Map<String, Value>,
    taken: Vec<&'static str>,
}

impl Args<'_> {
    fn get<T: serde::de::DeserializeOwned>(&mut self, key: &'static str, default: T) -> Result<T> {
        self.taken.push(key);
        match self.config.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => serde_json::from_value(v.clone()).map_err(|_| self.refuse(key, v)),
        }
    }

    fn refuse(&self, key: &str, value: &Value) -> Error {
        Error::value(format!(
            "Op {}: keras-rs does not take the argument {key}={value} (it reads {:?})",
            self.class, self.taken
        ))
    }

    fn done(self) -> Result<()> {
        match self.config.iter().find(|(k, _)| *k != "name" && !self.taken.contains(&k.as_str())) {
            Some((k, v)) => Err(self.refuse(k, v)),
            None => Ok(()),
        }
    }
}

/// An axis argument, one integer or a list (`axis=1`, `axis=[1, 2]`).
fn axes(v: Value) -> Result<Option<Vec<i64>>> {
    Ok(match v {
        Value::Null => None,
        Value::Number(n) => Some(vec![n.as_i64().ok_or_else(|| Error::value(format!("invalid axis {n}")))?]),
        other => {
            Some(serde_json::from_value(other.clone()).map_err(|_| Error::value(format!("invalid axis {other}")))?)
        }
    })
}

impl Op {
    /// The op of Keras class `class` in `module` from its config.
    pub(crate) fn from_config(class: &str, module: &str, config: &Value) -> Result<Op> {
        let Some(blank) = Op::blank(class).filter(|op| op.module() == module) else {
            let known: Vec<String> = known_ops().iter().map(|(c, m)| format!("{m}.{c}")).collect();
            return Err(Error::UnknownIdentifier(format!(
                "Could not locate the op '{module}.{class}': keras-rs rebuilds the ops {}",
                known.join(", ")
            )));
        };
        let empty = Map::new();
        let mut a = Args { class, config: config.as_object().unwrap_or(&empty), taken: Vec::new() };
        // Each argument defaults to the blank op's, which is Keras' default.
        let op = match blank {
            Op::Reduce { kind, axis, keepdims } => {
                let axis = axes(a.get("axis", json!(axis))?)?;
                let keepdims = a.get("keepdims", keepdims)?;
                if matches!(kind, Reduction::Max | Reduction::Min) {
                    let initial: Value = a.get("initial", Value::Null)?;
                    if !initial.is_null() {
                        return Err(a.refuse("initial", &initial));
                    }
                }
                Op::Reduce { kind, axis, keepdims }
            }
            Op::Softmax { axis } => Op::Softmax { axis: a.get("axis", axis)? },
            Op::Reshape { newshape } => Op::Reshape { newshape: a.get("newshape", newshape)? },
            Op::Transpose { axes } => Op::Transpose { axes: a.get("axes", axes)? },
            Op::Swapaxes { axis1, axis2 } => {
                Op::Swapaxes { axis1: a.get("axis1", axis1)?, axis2: a.get("axis2", axis2)? }
            }
            Op::ExpandDims { axis } => Op::ExpandDims { axis: a.get("axis", axis)? },
            Op::Squeeze { .. } => {
                let axis = axes(a.get("axis", Value::Null)?)?.ok_or_else(|| {
                    Error::value("Op Squeeze: keras-rs squeezes given axes only (axis=None is not supported)")
                })?;
                Op::Squeeze { axis }
            }
            Op::Concatenate { axis } => Op::Concatenate { axis: a.get("axis", axis)? },
            Op::Stack { axis } => Op::Stack { axis: a.get("axis", axis)? },
            Op::Cast { dtype } => Op::Cast { dtype: super::check_dtype(&a.get("dtype", dtype)?)? },
            Op::ConvertToTensor { dtype } => {
                let dtype: Option<String> = a.get("dtype", dtype)?;
                for key in ["sparse", "ragged"] {
                    let value: Value = a.get(key, Value::Null)?;
                    if value == Value::Bool(true) {
                        return Err(a.refuse(key, &value));
                    }
                }
                Op::ConvertToTensor { dtype: dtype.as_deref().map(super::check_dtype).transpose()? }
            }
            other => other,
        };
        a.done()?;
        Ok(op)
    }

    /// The op of Keras class `class` with Keras' default arguments; `None` for a class keras-rs
    /// does not rebuild.
    fn blank(class: &str) -> Option<Op> {
        fn find<T: Copy>(table: &[(&str, T)], class: &str) -> Option<T> {
            table.iter().find(|(c, _)| *c == class).map(|(_, t)| *t)
        }
        if let Some(u) = find(UNARY, class) {
            return Some(Op::Unary(u));
        }
        if let Some(b) = find(BINARY, class) {
            return Some(Op::Binary(b));
        }
        if let Some(kind) = find(REDUCTIONS, class) {
            return Some(Op::Reduce { kind, axis: None, keepdims: false });
        }
        Some(match class {
            "Softmax" => Op::Softmax { axis: -1 },
            "Reshape" => Op::Reshape { newshape: Vec::new() },
            "Transpose" => Op::Transpose { axes: None },
            "Swapaxes" => Op::Swapaxes { axis1: 0, axis2: 0 },
            "ExpandDims" => Op::ExpandDims { axis: 0 },
            "Squeeze" => Op::Squeeze { axis: Vec::new() },
            "Concatenate" => Op::Concatenate { axis: 0 },
            "Stack" => Op::Stack { axis: 0 },
            "Matmul" => Op::Matmul,
            "GetItem" => Op::GetItem(Key::default()),
            "Cast" => Op::Cast { dtype: "float32".to_string() },
            "ConvertToTensor" => Op::ConvertToTensor { dtype: None },
            _ => return None,
        })
    }

    /// Keras' class name.
    pub(crate) fn class_name(&self) -> &'static str {
        match self {
            Op::Unary(u) => UNARY.iter().find(|(_, x)| x == u).map(|(c, _)| *c).expect("listed"),
            Op::Binary(b) => BINARY.iter().find(|(_, x)| x == b).map(|(c, _)| *c).expect("listed"),
            Op::Reduce { kind, .. } => REDUCTIONS.iter().find(|(_, x)| x == kind).map(|(c, _)| *c).expect("listed"),
            Op::Softmax { .. } => "Softmax",
            Op::Reshape { .. } => "Reshape",
            Op::Transpose { .. } => "Transpose",
            Op::Swapaxes { .. } => "Swapaxes",
            Op::ExpandDims { .. } => "ExpandDims",
            Op::Squeeze { .. } => "Squeeze",
            Op::Concatenate { .. } => "Concatenate",
            Op::Stack { .. } => "Stack",
            Op::Cast { .. } => "Cast",
            Op::ConvertToTensor { .. } => "ConvertToTensor",
            Op::Matmul => "Matmul",
            Op::GetItem(_) => "GetItem",
        }
    }

    /// Keras' module of the op class.
    pub(crate) fn module(&self) -> &'static str {
        match self {
            Op::Unary(Unary::Sigmoid | Unary::Relu) | Op::Softmax { .. } => "keras.src.ops.nn",
            Op::Cast { .. } | Op::ConvertToTensor { .. } => "keras.src.ops.core",
            _ => "keras.src.ops.numpy",
        }
    }

    /// The op's config entries besides `name`, as Keras writes them.
    pub(crate) fn config(&self) -> Map<String, Value> {
        let axis_value = |axis: &Option<Vec<i64>>| match axis.as_deref() {
            None => Value::Null,
            Some([one]) => json!(one),
            Some(many) => json!(many),
        };
        let v = match self {
            Op::Reduce { kind: Reduction::Max | Reduction::Min, axis, keepdims } => {
                json!({"axis": axis_value(axis), "keepdims": keepdims, "initial": null})
            }
            Op::Reduce { axis, keepdims, .. } => json!({"axis": axis_value(axis), "keepdims": keepdims}),
            Op::Softmax { axis } => json!({ "axis": axis }),
            Op::Reshape { newshape } => json!({ "newshape": newshape }),
            Op::Transpose { axes } => json!({ "axes": axes }),
            Op::Swapaxes { axis1, axis2 } => json!({"axis1": axis1, "axis2": axis2}),
            Op::ExpandDims { axis } => json!({ "axis": axis }),
            Op::Squeeze { axis } => json!({ "axis": axis_value(&Some(axis.clone())) }),
            Op::Concatenate { axis } | Op::Stack { axis } => json!({ "axis": axis }),
            Op::Cast { dtype } => json!({ "dtype": dtype }),
            Op::ConvertToTensor { dtype } => json!({"dtype": dtype, "sparse": null, "ragged": null}),
            _ => json!({}),
        };
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// The output shape for these input shapes (`None` where a size is unknown).
    pub(crate) fn output_shape(&self, inputs: &[Shape]) -> Result<Shape> {
        let one = || -> Result<&Shape> {
            match inputs {
                [x] => Ok(x),
                _ => Err(Error::value(format!("{} takes one tensor, received {}", self.class_name(), inputs.len()))),
            }
        };
        let axis_of = |axis: i64, rank: usize| -> Result<usize> { normalize_axis(axis, rank, self.class_name()) };
        Ok(match self {
            Op::Unary(_) | Op::Softmax { .. } | Op::Cast { .. } | Op::ConvertToTensor { .. } => one()?.clone(),
            Op::Binary(_) => match inputs {
                [a, b] => broadcast_shapes(a, b)?,
                [a] => a.clone(),
                _ => return Err(Error::value(format!("{} takes two operands", self.class_name()))),
            },
            Op::Reduce { axis, keepdims, .. } => {
                let x = one()?;
                let axes = reduced_axes(axis, x.rank(), self.class_name())?;
                let dims: Vec<Option<usize>> =
                    x.0.iter()
                        .enumerate()
                        .filter_map(|(i, d)| match (axes.contains(&i), keepdims) {
                            (false, _) => Some(*d),
                            (true, true) => Some(Some(1)),
                            (true, false) => None,
                        })
                        .collect();
                if dims.is_empty() {
                    return Err(Error::value(format!(
                        "{}: keras-rs keeps at least one axis; reducing every axis of {x} gives a scalar (use \
                         keepdims=True or name the axes)",
                        self.class_name()
                    )));
                }
                Shape(dims)
            }
            Op::Reshape { newshape } => reshape_shape(one()?, newshape)?,
            Op::Transpose { axes } => {
                let x = one()?;
                Shape(transpose_axes(axes, x.rank())?.iter().map(|&a| x.0[a]).collect())
            }
            Op::Swapaxes { axis1, axis2 } => {
                let x = one()?;
                let mut dims = x.0.clone();
                dims.swap(axis_of(*axis1, x.rank())?, axis_of(*axis2, x.rank())?);
                Shape(dims)
            }
            Op::ExpandDims { axis } => {
                let x = one()?;
                let mut dims = x.0.clone();
                dims.insert(axis_of(*axis, x.rank() + 1)?, Some(1));
                Shape(dims)
            }
            Op::Squeeze { axis } => {
                let x = one()?;
                let axes = axis.iter().map(|&a| axis_of(a, x.rank())).collect::<Result<Vec<_>>>()?;
                if let Some(&a) = axes.iter().find(|&&a| x.0[a] != Some(1)) {
                    return Err(Error::value(format!("Cannot squeeze axis {a} of {x}: its size is not 1")));
                }
                Shape(x.0.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, d)| *d).collect())
            }
            Op::Concatenate { axis } => {
                let first = inputs.first().ok_or_else(|| Error::value("Concatenate takes at least one tensor"))?;
                let a = axis_of(*axis, first.rank())?;
                let mut dims = first.0.clone();
                for s in &inputs[1..] {
                    let same = s.rank() == first.rank()
                        && s.0
                            .iter()
                            .zip(&first.0)
                            .enumerate()
                            .all(|(i, (x, y))| i == a || x.zip(*y).is_none_or(|(x, y)| x == y));
                    if !same {
                        return Err(Error::value(format!(
                            "concatenate: all the input array dimensions except for the concatenation axis must match \
                             exactly, received {first} and {s}"
                        )));
                    }
                    dims[a] = dims[a].zip(s.0[a]).map(|(x, y)| x + y);
                }
                Shape(dims)
            }
            Op::Stack { axis } => {
                let first = inputs.first().ok_or_else(|| Error::value("Stack takes at least one tensor"))?;
                if inputs.iter().any(|s| s.rank() != first.rank()) {
                    return Err(Error::value("stack: all input arrays must have the same shape"));
                }
                let mut dims = first.0.clone();
                dims.insert(axis_of(*axis, first.rank() + 1)?, Some(inputs.len()));
                Shape(dims)
            }
            Op::Matmul => match inputs {
                [a, b] if a.rank() >= 2 && a.rank() == b.rank() => {
                    let (ra, rb) = (a.rank(), b.rank());
                    if let (Some(x), Some(y)) = (a.0[ra - 1], b.0[rb - 2])
                        && x != y
                    {
                        return Err(Error::value(format!("matmul: incompatible shapes {a} and {b}")));
                    }
                    let mut dims = a.0[..ra - 1].to_vec();
                    dims.push(b.0[rb - 1]);
                    Shape(dims)
                }
                _ => {
                    return Err(Error::value(format!(
                        "Matmul: keras-rs multiplies two tensors of the same rank (at least 2); received {inputs:?}"
                    )));
                }
            },
            Op::GetItem(key) => key.output_shape(one()?)?,
        })
    }

    /// The forward pass.
    pub(crate) fn forward(&self, inputs: Vec<DynTensor>) -> Result<DynTensor> {
        let mut inputs = inputs.into_iter();
        let mut next = || inputs.next().ok_or_else(|| Error::value("an op received too few tensors"));
        Ok(match self {
            Op::Unary(u) => {
                let x = next()?;
                let u = *u;
                map_tensor!(x, t => unary(u, t))
            }
            Op::Binary(b) => {
                let (x, y) = (next()?, next()?);
                let dims = broadcast_dims(&x.dims(), &y.dims())?;
                let (x, y) = (broadcast_to(x, &dims)?, broadcast_to(y, &dims)?);
                let b = *b;
                x.zip_with(y, |a, c| binary(b, a, c))?
            }
            Op::Reduce { kind, axis, keepdims } => {
                let x = next()?;
                let dims = x.dims();
                let axes = reduced_axes(axis, dims.len(), "reduce")?;
                let mut kept = dims.clone();
                for &a in &axes {
                    kept[a] = 1;
                }
                let kind = *kind;
                let mut y = map_tensor!(x, t => {
                    // `any`/`all` of booleans (1.0/0.0): the max/min of `x != 0`.
                    let t = if matches!(kind, Reduction::Any | Reduction::All) { t.not_equal_elem(0.0).float() } else { t };
                    axes.iter().fold(t, |t, &a| match kind {
                        Reduction::Mean => t.mean_dim(a),
                        Reduction::Sum => t.sum_dim(a),
                        Reduction::Max | Reduction::Any => t.max_dim(a),
                        Reduction::Min | Reduction::All => t.min_dim(a),
                    })
                });
                if !keepdims {
                    let squeezed: Vec<usize> =
                        kept.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, d)| *d).collect();
                    y = y.reshape(&squeezed)?;
                }
                y
            }
            Op::Softmax { axis } => {
                let x = next()?;
                let rank = x.rank();
                let a = normalize_axis(*axis, rank, "Softmax")?;
                let mut order: Vec<usize> = (0..rank).filter(|&i| i != a).collect();
                order.push(a);
                let mut back = vec![0; rank];
                for (i, &o) in order.iter().enumerate() {
                    back[o] = i;
                }
                let moved = x.permute(&order)?;
                let dims = moved.dims();
                let y = DynTensor::new(Activation::Softmax.apply(moved.into_rows())).reshape(&dims)?;
                y.permute(&back)?
            }
            Op::Reshape { .. } | Op::ExpandDims { .. } | Op::Squeeze { .. } => {
                let x = next()?;
                let dims = concrete(&x, self)?;
                x.reshape(&dims)?
            }
            Op::Transpose { axes } => {
                let x = next()?;
                let order = transpose_axes(axes, x.rank())?;
                x.permute(&order)?
            }
            Op::Swapaxes { axis1, axis2 } => {
                let x = next()?;
                let mut order: Vec<usize> = (0..x.rank()).collect();
                order
                    .swap(normalize_axis(*axis1, x.rank(), "Swapaxes")?, normalize_axis(*axis2, x.rank(), "Swapaxes")?);
                x.permute(&order)?
            }
            Op::Concatenate { axis } => {
                let all: Vec<DynTensor> = std::iter::from_fn(|| next().ok()).collect();
                let a = normalize_axis(*axis, all[0].rank(), "Concatenate")?;
                DynTensor::cat(all, a)?
            }
            Op::Stack { axis } => {
                let all: Vec<DynTensor> = std::iter::from_fn(|| next().ok()).collect();
                let rank = all[0].rank();
                let a = normalize_axis(*axis, rank + 1, "Stack")?;
                let lifted = all
                    .into_iter()
                    .map(|t| {
                        let mut dims = t.dims();
                        dims.insert(a, 1);
                        t.reshape(&dims)
                    })
                    .collect::<Result<Vec<_>>>()?;
                DynTensor::cat(lifted, a)?
            }
            Op::ConvertToTensor { dtype: None } => next()?,
            Op::Cast { dtype } | Op::ConvertToTensor { dtype: Some(dtype) } => {
                let x = next()?;
                match dtype.as_str() {
                    d if d.starts_with("float") || d == "bfloat16" => x,
                    "bool" => map_tensor!(x, t => t.not_equal_elem(0.0).float()),
                    _ => map_tensor!(x, t => t.trunc()),
                }
            }
            Op::Matmul => {
                let (a, b) = (next()?, next()?);
                matmul(a, b)?
            }
            Op::GetItem(key) => key.forward(next()?)?,
        })
    }
}

fn unary<const D: usize>(u: Unary, t: Tensor<D>) -> Tensor<D> {
    match u {
        Unary::Negative => t.neg(),
        Unary::Absolute => t.abs(),
        Unary::Exp => t.exp(),
        Unary::Log => t.log(),
        Unary::Sqrt => t.sqrt(),
        Unary::Square => t.powi_scalar(2),
        Unary::Tanh => Activation::Tanh.apply(t),
        Unary::Sigmoid => Activation::Sigmoid.apply(t),
        Unary::Relu => Activation::Relu.apply(t),
    }
}

fn binary(b: Binary, x: Tensor<6>, y: Tensor<6>) -> Tensor<6> {
    match b {
        Binary::Add => x + y,
        Binary::Subtract => x - y,
        Binary::Multiply => x * y,
        Binary::TrueDivide | Binary::Divide => x / y,
        Binary::FloorDivide => (x / y).floor(),
        Binary::Power => x.powf(y),
        Binary::Maximum => x.max_pair(y),
        Binary::Minimum => x.min_pair(y),
        Binary::Greater => x.greater(y).float(),
        Binary::GreaterEqual => x.greater_equal(y).float(),
        Binary::Less => x.lower(y).float(),
        Binary::LessEqual => x.lower_equal(y).float(),
        Binary::Equal => x.equal(y).float(),
        Binary::NotEqual => x.not_equal(y).float(),
        Binary::LogicalAnd => x.not_equal_elem(0.0).float() * y.not_equal_elem(0.0).float(),
        Binary::LogicalOr => x.not_equal_elem(0.0).float().max_pair(y.not_equal_elem(0.0).float()),
    }
}

/// `axis` (negative from the end) as an index into `rank` axes.
pub(crate) fn normalize_axis(axis: i64, rank: usize, what: &str) -> Result<usize> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    if a < 0 || a >= rank as i64 {
        return Err(Error::value(format!("{what}: axis {axis} is out of bounds for a tensor of rank {rank}")));
    }
    Ok(a as usize)
}

fn reduced_axes(axis: &Option<Vec<i64>>, rank: usize, what: &str) -> Result<Vec<usize>> {
    match axis {
        None => Ok((0..rank).collect()),
        Some(list) => list.iter().map(|&a| normalize_axis(a, rank, what)).collect(),
    }
}

fn transpose_axes(axes: &Option<Vec<i64>>, rank: usize) -> Result<Vec<usize>> {
    match axes {
        None => Ok((0..rank).rev().collect()),
        Some(list) if list.len() == rank => list.iter().map(|&a| normalize_axis(a, rank, "Transpose")).collect(),
        Some(list) => Err(Error::value(format!("transpose: axes {list:?} don't match a tensor of rank {rank}"))),
    }
}

/// NumPy's broadcast of two shapes (`None` broadcasts with anything but a known other size
/// than 1).
fn broadcast_shapes(a: &Shape, b: &Shape) -> Result<Shape> {
    let rank = a.rank().max(b.rank());
    let pad = |s: &Shape| -> Vec<Option<usize>> {
        let mut v = vec![Some(1); rank - s.rank()];
        v.extend(&s.0);
        v
    };
    let (x, y) = (pad(a), pad(b));
    let dims = x
        .iter()
        .zip(&y)
        .map(|(p, q)| match (p, q) {
            (Some(1), d) | (d, Some(1)) => Ok(*d),
            (Some(p), Some(q)) if p == q => Ok(Some(*p)),
            (None, None) => Ok(None),
            (None, Some(d)) | (Some(d), None) => Ok(Some(*d)),
            _ => Err(Error::value(format!("Cannot broadcast shapes {a} and {b}"))),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Shape(dims))
}

fn broadcast_dims(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    Ok(broadcast_shapes(&Shape::known(a), &Shape::known(b))?.0.into_iter().map(|d| d.unwrap_or(1)).collect())
}

/// `x` broadcast to `dims` (leading axes of size 1 added first).
pub(crate) fn broadcast_to(x: DynTensor, dims: &[usize]) -> Result<DynTensor> {
    let mut padded = vec![1; dims.len() - x.rank()];
    padded.extend(x.dims());
    x.reshape(&padded)?.expand(dims)
}

/// `ops.reshape`'s output: `newshape` includes the batch axis; one `-1` is inferred.
fn reshape_shape(x: &Shape, newshape: &[i64]) -> Result<Shape> {
    let unknown = newshape.iter().filter(|&&d| d == -1).count();
    if unknown > 1 || newshape.iter().any(|&d| d < -1 || d == 0) {
        return Err(Error::value(format!("reshape: invalid newshape {newshape:?}")));
    }
    let total: Option<usize> = x.0.iter().copied().product();
    let known: usize = newshape.iter().filter(|&&d| d > 0).map(|&d| d as usize).product();
    let dims = newshape
        .iter()
        .map(|&d| if d > 0 { Ok(Some(d as usize)) } else { Ok(total.map(|t| t / known.max(1))) })
        .collect::<Result<Vec<_>>>()?;
    if let Some(t) = total
        && (t % known.max(1) != 0 || (unknown == 0 && t != known))
    {
        return Err(Error::value(format!("cannot reshape a tensor of shape {x} to {newshape:?}")));
    }
    Ok(Shape(dims))
}

/// The concrete output dims of a shape op on `x`, from `x`'s own sizes (a `-1` of `reshape`
/// inferred from the number of values).
fn concrete(x: &DynTensor, op: &Op) -> Result<Vec<usize>> {
    let dims = x.dims();
    let numel: usize = dims.iter().product();
    let what = op.class_name();
    Ok(match op {
        Op::Reshape { newshape } => {
            let known: usize = newshape.iter().filter(|&&d| d > 0).map(|&d| d as usize).product();
            newshape.iter().map(|&d| if d > 0 { d as usize } else { numel / known.max(1) }).collect()
        }
        Op::ExpandDims { axis } => {
            let mut out = dims.clone();
            out.insert(normalize_axis(*axis, dims.len() + 1, what)?, 1);
            out
        }
        Op::Squeeze { axis } => {
            let axes = axis.iter().map(|&a| normalize_axis(a, dims.len(), what)).collect::<Result<Vec<_>>>()?;
            dims.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, d)| *d).collect()
        }
        _ => dims,
    })
}

/// `a @ b` over the last two axes, leading axes matched.
fn matmul(a: DynTensor, b: DynTensor) -> Result<DynTensor> {
    let (da, db) = (a.dims(), b.dims());
    let r = da.len();
    if r < 2 || db.len() != r || da[..r - 2] != db[..r - 2] || da[r - 1] != db[r - 2] {
        return Err(Error::shape(format!(
            "matmul: incompatible shapes {} and {}",
            crate::shape::format_dims(&da),
            crate::shape::format_dims(&db)
        )));
    }
    let n: usize = da[..r - 2].iter().product();
    let x: Tensor<3> = a.reshape(&[n, da[r - 2], da[r - 1]])?.into_rank("matmul")?;
    let y: Tensor<3> = b.reshape(&[n, db[r - 2], db[r - 1]])?.into_rank("matmul")?;
    let mut out = da[..r - 1].to_vec();
    out.push(db[r - 1]);
    DynTensor::new(x.matmul(y)).reshape(&out)
}
