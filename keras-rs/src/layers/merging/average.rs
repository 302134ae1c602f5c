//! `Average`: a merging layer that averages its inputs element-wise.

use super::base_merge::{AVERAGE, Merge};

/// Keras' `Average()`: averages its inputs element-wise (`(x + y) / 2`); inputs of the same shape, axes of size 1 broadcast.
///
/// ```
/// use keras_rs::prelude::*;
/// let (a, b) = (Input::new(&[4]), Input::new(&[4]));
/// let y = Average::new().call(&[&a, &b]).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 4)");
/// ```
pub type Average = Merge<AVERAGE>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::merging::base_merge::run;
    use crate::layers::{Input, Layer};

    #[test]
    fn merges_with_broadcasting_and_checks_shapes() {
        // [[1, 2], [3, 4]] with [[10], [20]]: the second input's last axis broadcasts.
        let (y, dims) = run(&Average::new(), &[(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), (&[10.0, 20.0], &[2, 1])]).unwrap();
        assert_eq!(dims, vec![2, 2]);
        assert_eq!(y, vec![5.5, 6.0, 11.5, 12.0]);
        let err = Average::new().call(&[Input::new(&[3]), Input::new(&[4])]).unwrap_err().to_string();
        assert!(err.contains("Inputs have incompatible shapes. Received shapes (None, 3) and (None, 4)"), "{err}");
        assert!(err.contains("\"average\" (Average)"), "{err}");
        let cfg = Average::new().name("m").get_config();
        assert_eq!(Average::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
