//! `Subtract`: a merging layer that subtracts the second input from the first.

use super::base_merge::{Merge, SUBTRACT};

/// Keras' `Subtract()`: subtracts the second input from the first (`x - y`); inputs of the same shape, axes of size 1 broadcast.
///
/// ```
/// use keras_rs::prelude::*;
/// let (a, b) = (Input::new(&[4]), Input::new(&[4]));
/// let y = Subtract::new().call(&[&a, &b]).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 4)");
/// ```
pub type Subtract = Merge<SUBTRACT>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::base_merge::run;
    use crate::layers::{Input, Layer};

    #[test]
    fn merges_with_broadcasting_and_checks_shapes() {
        // [[1, 2], [3, 4]] with [[10], [20]]: the second input's last axis broadcasts.
        let (y, dims) = run(&Subtract::new(), &[(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), (&[10.0, 20.0], &[2, 1])]).unwrap();
        assert_eq!(dims, vec![2, 2]);
        assert_eq!(y, vec![-9.0, -8.0, -17.0, -16.0]);
        let err = Subtract::new().call(&[Input::new(&[3]), Input::new(&[4])]).unwrap_err().to_string();
        assert!(err.contains("Inputs have incompatible shapes. Received shapes (None, 3) and (None, 4)"), "{err}");
        assert!(err.contains("\"subtract\" (Subtract)"), "{err}");
        let three = [Input::new(&[2]).tensor(), Input::new(&[2]).tensor(), Input::new(&[2]).tensor()];
        assert!(Subtract::new().call(&three).unwrap_err().to_string().contains("exactly 2 inputs"));
        let cfg = Subtract::new().name("m").get_config();
        assert_eq!(Subtract::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
