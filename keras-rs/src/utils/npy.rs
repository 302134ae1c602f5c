//! NumPy `.npy` files: read into `ndarray` arrays (users' own data), written as float32.

use std::path::Path;

use ndarray::{ArrayD, IxDyn};

use crate::error::{Error, Result};

/// Reads a `.npy` file (`float32`, `float64`, `uint8`, `int32`, `int64`, `bool`; C or Fortran
/// order) as an `f32` array (NumPy's `np.load`).
///
/// ```
/// let dir = std::env::temp_dir();
/// let path = dir.join("keras_rs_doc_example.npy");
/// // np.save of np.arange(3, dtype=np.float32)
/// let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
/// let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
/// let pad = 64 - (10 + header.len() + 1) % 64;
/// let full = format!("{header}{}\n", " ".repeat(pad % 64));
/// bytes.extend((full.len() as u16).to_le_bytes());
/// bytes.extend(full.as_bytes());
/// for v in [0f32, 1.0, 2.0] { bytes.extend(v.to_le_bytes()); }
/// std::fs::write(&path, bytes).unwrap();
/// let a = keras_rs::utils::read_npy(&path).unwrap();
/// assert_eq!(a.shape(), &[3]);
/// assert_eq!(a[[2]], 2.0);
/// ```
pub fn read_npy(path: impl AsRef<Path>) -> Result<ArrayD<f32>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    parse_npy(&bytes).map_err(|e| Error::Format(format!("{}: {e}", path.display())))
}

/// Writes `array` as a float32 `.npy` file (NumPy's `np.save`, format version 1), atomically.
///
/// ```
/// let path = std::env::temp_dir().join("keras_rs_write_npy_doc.npy");
/// let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 2]), vec![1.0f32, 2.0, 3.0, 4.5]).unwrap();
/// keras_rs::utils::write_npy(&path, &a).unwrap();
/// assert_eq!(keras_rs::utils::read_npy(&path).unwrap(), a);
/// ```
pub fn write_npy(path: impl AsRef<Path>, array: &ArrayD<f32>) -> Result<()> {
    let dims: Vec<String> = array.shape().iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic, version, length, header and its newline end on a multiple of 64 bytes.
    let pad = (64 - (10 + header.len() + 1) % 64) % 64;
    header.push_str(&" ".repeat(pad));
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(array.iter().flat_map(|v| v.to_le_bytes()));
    crate::saving::write_atomic(path.as_ref(), &bytes)
}

/// Parses the bytes of a `.npy` file.
pub fn parse_npy(bytes: &[u8]) -> std::result::Result<ArrayD<f32>, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (missing the \\x93NUMPY magic)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes.get(start..start + header_len).ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
    let field = |key: &str| -> std::result::Result<&str, String> {
        let at = header.find(&format!("'{key}'")).ok_or(format!("the .npy header has no '{key}'"))?;
        Ok(header[at + key.len() + 2..].trim_start().trim_start_matches(':').trim_start())
    };
    let descr = field("descr")?.trim_start_matches('\'').split('\'').next().unwrap_or("").to_string();
    let fortran = field("fortran_order")?.starts_with("True");
    let shape_text = field("shape")?;
    let shape_text = &shape_text[1..shape_text.find(')').ok_or("malformed shape in the .npy header")?];
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| format!("malformed dimension '{s}'")))
        .collect::<std::result::Result<_, _>>()?;
    let n: usize = shape.iter().product();
    let data = &bytes[start + header_len..];
    let (size, convert): (usize, fn(&[u8]) -> f32) = match descr.as_str() {
        "<f4" => (4, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        "<f8" => (8, |b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32),
        "|u1" | "<u1" => (1, |b| b[0] as f32),
        "|i1" | "<i1" => (1, |b| b[0] as i8 as f32),
        "|b1" => (1, |b| if b[0] != 0 { 1.0 } else { 0.0 }),
        "<i4" => (4, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32),
        "<i8" => (8, |b| i64::from_le_bytes(b.try_into().expect("8 bytes")) as f32),
        "<u4" => (4, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32),
        other => {
            return Err(format!("unsupported dtype '{other}' (supported: <f4, <f8, |u1, |i1, |b1, <i4, <i8, <u4)"));
        }
    };
    if data.len() < n * size {
        return Err(format!("truncated data: {} values of {size} bytes announced, {} bytes present", n, data.len()));
    }
    let values: Vec<f32> = data[..n * size].chunks_exact(size).map(convert).collect();
    if fortran {
        let reversed: Vec<usize> = shape.iter().rev().copied().collect();
        let a = ArrayD::from_shape_vec(IxDyn(&reversed), values).map_err(|e| e.to_string())?;
        Ok(a.reversed_axes().as_standard_layout().into_owned())
    } else {
        ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, fortran: bool, shape: &str, payload: &[u8]) -> Vec<u8> {
        let header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}\n",
            if fortran { "True" } else { "False" }
        );
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend((header.len() as u16).to_le_bytes());
        b.extend(header.as_bytes());
        b.extend(payload);
        b
    }

    #[test]
    fn reads_dtypes_and_orders() {
        let a = parse_npy(&npy("|u1", false, "(2, 2)", &[1, 2, 3, 4])).unwrap();
        assert_eq!(a.as_standard_layout().as_slice().unwrap(), &[1.0, 2.0, 3.0, 4.0]);
        let f = parse_npy(&npy("|u1", true, "(2, 2)", &[1, 2, 3, 4])).unwrap();
        assert_eq!(f[[0, 1]], 3.0);
        let i: Vec<u8> = [7i64, -2].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(parse_npy(&npy("<i8", false, "(2,)", &i)).unwrap()[[1]], -2.0);
    }

    #[test]
    fn corrupt_files_are_errors() {
        assert!(parse_npy(b"hello").is_err());
        assert!(parse_npy(&npy("<f4", false, "(4,)", &[0; 8])).unwrap_err().contains("truncated"));
        assert!(parse_npy(&npy("<c8", false, "(1,)", &[0; 8])).unwrap_err().contains("unsupported dtype"));
        assert!(read_npy("/nonexistent/x.npy").unwrap_err().to_string().contains("/nonexistent/x.npy"));
    }
}
