//! `Add`: a merging layer that adds its inputs element-wise.

use super::base_merge::{ADD, Merge};

/// Keras' `Add()`: adds its inputs element-wise (`x + y`); inputs of the same shape, axes of size 1 broadcast.
///
/// ```
/// use keras_rs::prelude::*;
/// let (a, b) = (Input::new(&[4]), Input::new(&[4]));
/// let y = Add::new().call(&[&a, &b]).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 4)");
/// ```
pub type Add = Merge<ADD>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::base_merge::run;
    use crate::layers::{Input, Layer};

    #[test]
    fn merges_with_broadcasting_and_checks_shapes() {
        // [[1, 2], [3, 4]] with [[10], [20]]: the second input's last axis broadcasts.
        let (y, dims) = run(&Add::new(), &[(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), (&[10.0, 20.0], &[2, 1])]).unwrap();
        assert_eq!(dims, vec![2, 2]);
        assert_eq!(y, vec![11.0, 12.0, 23.0, 24.0]);
        let err = Add::new().call(&[Input::new(&[3]), Input::new(&[4])]).unwrap_err().to_string();
        assert!(err.contains("Inputs have incompatible shapes. Received shapes (None, 3) and (None, 4)"), "{err}");
        assert!(err.contains("\"add\" (Add)"), "{err}");
        let cfg = Add::new().name("m").get_config();
        assert_eq!(Add::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
