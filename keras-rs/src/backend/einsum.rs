//! `einsum` of two operands (Keras' `ops.einsum` as `EinsumDense` uses it), as one batched
//! matrix product: the operands are permuted to `[batch, free, contracted]` and
//! `[batch, contracted, free]`, multiplied, and the product permuted to the output's order.

use std::collections::HashMap;

use burn::tensor::Tensor;

use crate::backend::DynTensor;
use crate::error::{Error, Result};

/// The parsed equation `a,b->out`, with `...` spelled out as digits for `a`'s extra axes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Equation {
    pub(crate) a: Vec<char>,
    pub(crate) b: Vec<char>,
    pub(crate) out: Vec<char>,
    /// How many axes of the first operand `...` stands for.
    pub(crate) elided: usize,
    /// Whether `...` leads the first operand (`...b,bc->...c`) rather than ends it.
    pub(crate) left_elided: bool,
}

impl Equation {
    /// Parses `equation` for a first operand of rank `a_rank`; `...` may stand for leading or
    /// trailing axes of the first operand and the output.
    pub(crate) fn parse(equation: &str, a_rank: usize) -> Result<Self> {
        let invalid = || {
            Error::value(format!(
                "Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], \
                 ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
            ))
        };
        let (lhs, out) = equation.split_once("->").ok_or_else(invalid)?;
        let (a, b) = lhs.split_once(',').ok_or_else(invalid)?;
        let named = |s: &str| s.replace("...", "").chars().count();
        let elided = a_rank.checked_sub(named(a)).ok_or_else(|| {
            Error::value(format!("The einsum equation '{equation}' names more axes than its input has ({a_rank})"))
        })?;
        let ellipsis: String = (0..elided).map(|i| char::from(b'0' + i as u8)).collect();
        let spell = |s: &str| -> Result<Vec<char>> {
            let s = s.replace("...", &ellipsis);
            if s.chars().all(|c| c.is_ascii_alphanumeric()) { Ok(s.chars().collect()) } else { Err(invalid()) }
        };
        if b.contains("...") || (a.contains("...") != out.contains("...")) {
            return Err(invalid());
        }
        if !a.contains("...") && elided != 0 {
            return Err(Error::value(format!(
                "The einsum equation '{equation}' names {} axes for an input of rank {a_rank}",
                named(a)
            )));
        }
        let left_elided = a.starts_with("...");
        let eq = Equation { a: spell(a)?, b: spell(b)?, out: spell(out)?, elided, left_elided };
        for (what, spec) in [("input", &eq.a), ("kernel", &eq.b), ("output", &eq.out)] {
            if let Some(c) = spec.iter().enumerate().find(|(i, c)| spec[..*i].contains(c)).map(|(_, c)| c) {
                return Err(Error::value(format!(
                    "keras-rs' einsum takes each index once per operand; '{c}' repeats in the {what} of '{equation}'"
                )));
            }
        }
        for c in eq.a.iter().chain(&eq.b) {
            let in_both = eq.a.contains(c) && eq.b.contains(c);
            if !in_both && !eq.out.contains(c) {
                return Err(Error::value(format!(
                    "keras-rs' einsum does not sum an index of one operand alone: '{c}' of '{equation}' is in one \
                     operand and not in the output"
                )));
            }
        }
        if let Some(c) = eq.out.iter().find(|c| !eq.a.contains(c) && !eq.b.contains(c)) {
            return Err(Error::value(format!(
                "Dimension '{c}' was specified in the output of '{equation}' but has no corresponding dim in the \
                 operands"
            )));
        }
        Ok(eq)
    }
}

/// `einsum(equation, a, b)`.
pub(crate) fn einsum(equation: &str, a: DynTensor, b: DynTensor) -> Result<DynTensor> {
    let eq = Equation::parse(equation, a.rank())?;
    let (a_dims, b_dims) = (a.dims(), b.dims());
    if eq.a.len() != a_dims.len() || eq.b.len() != b_dims.len() {
        return Err(Error::shape(format!(
            "einsum '{equation}' on operands of ranks {} and {}",
            a_dims.len(),
            b_dims.len()
        )));
    }
    let mut size: HashMap<char, usize> = HashMap::new();
    for (c, &d) in eq.a.iter().zip(&a_dims).chain(eq.b.iter().zip(&b_dims)) {
        if *size.entry(*c).or_insert(d) != d {
            return Err(Error::shape(format!(
                "einsum '{equation}': index '{c}' has size {} in one operand and {d} in the other",
                size[c]
            )));
        }
    }
    let batch: Vec<char> = eq.out.iter().copied().filter(|c| eq.a.contains(c) && eq.b.contains(c)).collect();
    let contracted: Vec<char> = eq.a.iter().copied().filter(|c| eq.b.contains(c) && !eq.out.contains(c)).collect();
    let a_free: Vec<char> = eq.a.iter().copied().filter(|c| !eq.b.contains(c)).collect();
    let b_free: Vec<char> = eq.b.iter().copied().filter(|c| !eq.a.contains(c)).collect();
    let product = |cs: &[char]| cs.iter().map(|c| size[c]).product::<usize>();
    let positions = |spec: &[char], order: &[&[char]]| -> Vec<usize> {
        order.iter().flat_map(|cs| cs.iter()).map(|c| spec.iter().position(|s| s == c).expect("parsed")).collect()
    };
    let (n, m, k, p) = (product(&batch), product(&a_free), product(&contracted), product(&b_free));
    let a = a.permute(&positions(&eq.a, &[&batch, &a_free, &contracted]))?;
    let b = b.permute(&positions(&eq.b, &[&batch, &contracted, &b_free]))?;
    let c = if batch.is_empty() {
        let a: Tensor<2> = a.reshape(&[m, k])?.into_rank("einsum")?;
        let b: Tensor<2> = b.reshape(&[k, p])?.into_rank("einsum")?;
        DynTensor::new(a.matmul(b))
    } else {
        let a: Tensor<3> = a.reshape(&[n, m, k])?.into_rank("einsum")?;
        let b: Tensor<3> = b.reshape(&[n, k, p])?.into_rank("einsum")?;
        DynTensor::new(a.matmul(b))
    };
    let order: Vec<char> = batch.iter().chain(&a_free).chain(&b_free).copied().collect();
    let c = c.reshape(&order.iter().map(|c| size[c]).collect::<Vec<_>>())?;
    c.permute(&positions(&order, &[&eq.out]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(dims: &[usize]) -> DynTensor {
        let n: usize = dims.iter().product();
        let values = (0..n).map(|v| ((v * 7 % 11) as f32) - 5.0).collect();
        DynTensor::from_data(values, dims, &keras_rs_backends::default_device()).unwrap()
    }

    /// The naive sum over every index, for checking.
    fn reference(eq: &Equation, a: &DynTensor, b: &DynTensor) -> (Vec<usize>, Vec<f32>) {
        let mut size = HashMap::new();
        for (c, d) in eq.a.iter().zip(a.dims()).chain(eq.b.iter().zip(b.dims())) {
            size.insert(*c, d);
        }
        let mut letters = eq.out.clone();
        for c in eq.a.iter().chain(&eq.b) {
            if !letters.contains(c) {
                letters.push(*c);
            }
        }
        let out_dims: Vec<usize> = eq.out.iter().map(|c| size[c]).collect();
        let (av, bv) = (a.to_vec().unwrap(), b.to_vec().unwrap());
        let flat = |spec: &[char], dims: &[usize], at: &HashMap<char, usize>| {
            spec.iter().zip(dims).fold(0, |acc, (c, d)| acc * d + at[c])
        };
        let mut out = vec![0.0; out_dims.iter().product()];
        let total: usize = letters.iter().map(|c| size[c]).product();
        for mut i in 0..total {
            let mut at = HashMap::new();
            for c in letters.iter().rev() {
                at.insert(*c, i % size[c]);
                i /= size[c];
            }
            out[flat(&eq.out, &out_dims, &at)] += av[flat(&eq.a, &a.dims(), &at)] * bv[flat(&eq.b, &b.dims(), &at)];
        }
        (out_dims, out)
    }

    #[test]
    fn matches_the_naive_sum() {
        for (equation, a, b) in [
            ("ab,bc->ac", vec![2, 3], vec![3, 4]),
            ("abc,cd->abd", vec![2, 3, 4], vec![4, 5]),
            ("abc,cde->abde", vec![2, 3, 4], vec![4, 2, 3]),
            ("abcd,cde->abe", vec![2, 3, 2, 4], vec![2, 4, 5]),
            ("aecd,abcd->acbe", vec![2, 3, 2, 4], vec![2, 5, 2, 4]),
            ("acbe,aecd->abcd", vec![2, 2, 5, 3], vec![2, 3, 2, 4]),
            ("...b,bc->...c", vec![2, 3, 4], vec![4, 5]),
            ("ab...,bc->ac...", vec![2, 3, 4], vec![3, 5]),
            ("abc,db->adc", vec![2, 3, 4], vec![5, 3]),
        ] {
            let (a, b) = (tensor(&a), tensor(&b));
            let eq = Equation::parse(equation, a.rank()).unwrap();
            let (dims, want) = reference(&eq, &a, &b);
            let got = einsum(equation, a, b).unwrap();
            assert_eq!(got.dims(), dims, "{equation}");
            for (g, w) in got.to_vec().unwrap().iter().zip(&want) {
                assert!((g - w).abs() <= 1e-4 * w.abs().max(1.0), "{equation}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn refuses_what_it_cannot_compute() {
        for (equation, rank, needle) in [
            ("ab->b", 2, "Equations must be in the form"),
            ("aab,bc->ac", 3, "repeats in the input"),
            ("abc,cd->ad", 3, "'b' of 'abc,cd->ad' is in one operand"),
            ("ab,bc->acz", 2, "Dimension 'z'"),
            ("abcd,de->ae", 2, "names more axes"),
            ("ab,bc->ac", 3, "names 2 axes for an input of rank 3"),
        ] {
            let err = Equation::parse(equation, rank).unwrap_err().to_string();
            assert!(err.contains(needle), "{equation}: {err}");
        }
    }
}
