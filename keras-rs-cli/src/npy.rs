//! NumPy's `.npy` files (format versions 1 to 3, C order): read as float32 arrays (from float32,
//! float64, int8-64, uint8-64 and bool data), written as float32.

use ndarray::{ArrayD, IxDyn};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Reads a `.npy` file as a float32 array.
pub fn read(path: &std::path::Path) -> Result<ArrayD<f32>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse(bytes: &[u8]) -> Result<ArrayD<f32>, String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file (no \\x93NUMPY magic)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    let header = bytes.get(start..start + header_len).ok_or("truncated header")?;
    let header = std::str::from_utf8(header).map_err(|_| "the header is not text")?;
    let field = |key: &str| -> Result<&str, String> {
        let at = header.find(&format!("'{key}'")).ok_or(format!("the header has no '{key}'"))?;
        let rest = header[at + key.len() + 2..].trim_start().strip_prefix(':').ok_or("malformed header")?.trim_start();
        Ok(rest)
    };
    let descr = field("descr")?;
    let descr = descr.trim_start_matches('\'').split('\'').next().unwrap_or("");
    if field("fortran_order")?.starts_with("True") {
        return Err("Fortran-order arrays are not supported; save with np.ascontiguousarray".into());
    }
    let shape_text = field("shape")?;
    let shape_text = shape_text.strip_prefix('(').and_then(|s| s.split(')').next()).ok_or("malformed shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("malformed shape ({shape_text})")))
        .collect::<Result<_, String>>()?;
    let count: usize = shape.iter().product();
    let data = &bytes[start + header_len..];
    let (size, little) = match descr.as_bytes().first() {
        Some(b'<') | Some(b'|') => (descr[2..].parse::<usize>().unwrap_or(0), true),
        Some(b'>') => (descr[2..].parse::<usize>().unwrap_or(0), false),
        _ => return Err(format!("unsupported dtype '{descr}'")),
    };
    if size == 0 || data.len() < count * size {
        return Err(format!("the data holds {} bytes, the header says {count} values of '{descr}'", data.len()));
    }
    let kind = descr.as_bytes().get(1).copied().unwrap_or(b'?');
    let value = |chunk: &[u8]| -> Result<f32, String> {
        let mut b = [0u8; 8];
        if little {
            b[..size].copy_from_slice(chunk);
        } else {
            chunk.iter().rev().enumerate().for_each(|(i, v)| b[i] = *v);
        }
        Ok(match (kind, size) {
            (b'f', 4) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            (b'f', 8) => f64::from_le_bytes(b) as f32,
            (b'i', 1) => b[0] as i8 as f32,
            (b'i', 2) => i16::from_le_bytes([b[0], b[1]]) as f32,
            (b'i', 4) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
            (b'i', 8) => i64::from_le_bytes(b) as f32,
            (b'u', 1) | (b'b', 1) => b[0] as f32,
            (b'u', 2) => u16::from_le_bytes([b[0], b[1]]) as f32,
            (b'u', 4) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
            (b'u', 8) => u64::from_le_bytes(b) as f32,
            _ => return Err(format!("unsupported dtype '{descr}'")),
        })
    };
    let values = data[..count * size].chunks_exact(size).map(value).collect::<Result<Vec<f32>, String>>()?;
    ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| e.to_string())
}

/// Writes `array` as a float32 `.npy` file (format version 1).
pub fn write(path: &std::path::Path, array: &ArrayD<f32>) -> Result<(), String> {
    let dims: Vec<String> = array.shape().iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic, version, length, header and its newline end on a multiple of 64 bytes.
    let pad = (64 - (10 + header.len() + 1) % 64) % 64;
    header.push_str(&" ".repeat(pad));
    header.push('\n');
    let mut bytes = MAGIC.to_vec();
    bytes.extend([1, 0]);
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(array.iter().flat_map(|v| v.to_le_bytes()));
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_float32_arrays() {
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 3]), vec![1.0, -2.5, 3.0, 4.0, 5.0, 6.5]).unwrap();
        let path = std::env::temp_dir().join(format!("keras_rs_npy_{}.npy", std::process::id()));
        super::write(&path, &a).unwrap();
        assert_eq!(super::read(&path).unwrap(), a);
        assert!(super::parse(b"not numpy").is_err());
        std::fs::remove_file(path).ok();
    }
}
