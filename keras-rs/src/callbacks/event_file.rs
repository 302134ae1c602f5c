//! TensorBoard event files: TFRecord framing (length, masked CRC-32C) around `Event` protocol
//! buffers holding scalar summaries, encoded by hand (no protobuf dependency).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// CRC-32C (Castagnoli), as TFRecord uses.
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

/// TFRecord's masked CRC.
fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c(data);
    (crc.rotate_right(15)).wrapping_add(0xa282_ead8)
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(field: u32, data: &[u8], out: &mut Vec<u8>) {
    varint(((field << 3) | 2) as u64, out);
    varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

/// An `Event` with `wall_time`, `step` and either `file_version` or a one-value scalar `Summary`.
fn event(wall_time: f64, step: i64, file_version: Option<&str>, scalar: Option<(&str, f32)>) -> Vec<u8> {
    let mut out = vec![0x09]; // field 1, fixed64: wall_time
    out.extend_from_slice(&wall_time.to_le_bytes());
    out.push(0x10); // field 2, varint: step
    varint(step as u64, &mut out);
    if let Some(v) = file_version {
        bytes_field(3, v.as_bytes(), &mut out);
    }
    if let Some((tag, value)) = scalar {
        let mut val = Vec::new();
        bytes_field(1, tag.as_bytes(), &mut val); // Summary.Value.tag
        val.push(0x15); // field 2, fixed32: simple_value
        val.extend_from_slice(&value.to_le_bytes());
        let mut summary = Vec::new();
        bytes_field(1, &val, &mut summary); // Summary.value
        bytes_field(5, &summary, &mut out); // Event.summary
    }
    out
}

/// Appends events to one `events.out.tfevents.*` file in a folder.
pub(crate) struct EventFileWriter {
    file: std::fs::File,
    path: PathBuf,
}

fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

impl EventFileWriter {
    /// Creates `dir` and a new event file in it (TensorBoard reads every file of a run folder).
    pub(crate) fn create(dir: &Path) -> Result<Self> {
        crate::saving::create_dir(dir)?;
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        let name = format!("events.out.tfevents.{}.{host}.{}.v2", now() as u64, std::process::id());
        let path = dir.join(name);
        let file =
            std::fs::File::create(&path).map_err(|e| Error::io(format!("could not create {}", path.display()), e))?;
        let mut w = EventFileWriter { file, path };
        w.write_record(&event(now(), 0, Some("brain.Event:2"), None))?;
        Ok(w)
    }

    fn write_record(&mut self, data: &[u8]) -> Result<()> {
        let len = (data.len() as u64).to_le_bytes();
        let mut rec = Vec::with_capacity(data.len() + 16);
        rec.extend_from_slice(&len);
        rec.extend_from_slice(&masked_crc(&len).to_le_bytes());
        rec.extend_from_slice(data);
        rec.extend_from_slice(&masked_crc(data).to_le_bytes());
        self.file.write_all(&rec).map_err(|e| Error::io(format!("could not write {}", self.path.display()), e))
    }

    /// Writes a scalar summary `tag` = `value` at `step`.
    pub(crate) fn scalar(&mut self, tag: &str, value: f64, step: i64) -> Result<()> {
        self.write_record(&event(now(), step, None, Some((tag, value as f32))))
    }

    /// Flushes to disk.
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.file.flush().map_err(|e| Error::io(format!("could not write {}", self.path.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_and_varints_match_the_references() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283); // the standard check value
        let mut v = Vec::new();
        varint(300, &mut v);
        assert_eq!(v, [0xAC, 0x02]);
    }
}
