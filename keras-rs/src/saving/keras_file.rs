//! The `.keras` zip (`metadata.json`, `config.json`, `model.weights.h5`, stored uncompressed
//! in that order, as Keras writes it) and atomic writes.

use std::io::{Read, Write};
use std::path::Path;

use serde_json::{Value, json};

use crate::error::{Error, Result};

/// The Keras version whose format keras-rs writes (Keras' loader does not read it).
pub(crate) const KERAS_VERSION: &str = "3.15.1";

/// Writes `path` atomically: `write` fills a temporary file in the same folder (with the same
/// extension, for writers that pick the format from it), which is then renamed over `path`; on
/// any failure the temporary file is removed and an existing `path` stays as it was.
///
/// As writing the file in place would: a symlink is followed (its target is replaced and the
/// link stays), an existing file keeps its permissions, and saves running at the same time
/// (threads or processes) each use their own temporary file — the last rename wins.
pub(crate) fn write_atomic_with(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let path = &resolve_symlinks(path)?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let save = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.tmp-{}-{save}{ext}", std::process::id()));
    let finish = || -> std::io::Result<()> {
        if let Some(existing) = std::fs::metadata(path).ok().filter(|m| m.is_file()) {
            std::fs::set_permissions(&tmp, existing.permissions())?;
        }
        std::fs::rename(&tmp, path)
    };
    let result =
        write(&tmp).and_then(|()| finish().map_err(|e| Error::io(format!("could not save {}", path.display()), e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `path` with symlinks in its last component followed (a chain of them, relative targets read
/// from the link's folder; a link to a file not there yet gives that file).
fn resolve_symlinks(path: &Path) -> Result<std::path::PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)
                    .map_err(|e| Error::io(format!("could not save {}", path.display()), e))?;
                path = match path.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(Error::io(
        format!("could not save {}", path.display()),
        std::io::Error::other("too many levels of symbolic links"),
    ))
}

/// Writes `bytes` to `path` atomically (see [`write_atomic_with`]), synced before the rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |tmp| {
        let write = || {
            let mut f = std::fs::File::create(tmp)?;
            f.write_all(bytes)?;
            f.sync_all()
        };
        write().map_err(|e| Error::io(format!("could not save {}", path.display()), e))
    })
}

/// Creates folder `dir` (and its parents) unless it exists, with an error that names it.
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("could not create {}", dir.display()), e))
}

/// Creates the folder `path` will be written in (no-op for a bare file name).
pub(crate) fn create_parent(path: &Path) -> Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => create_dir(dir),
        None => Ok(()),
    }
}

/// `YYYY-MM-DD@HH:MM:SS` (UTC), Keras' `date_saved`.
fn date_saved() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}@{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The bytes of a `.keras` file holding `config`, the HDF5 `weights` and the `assets/` files
/// (by path in the archive).
pub(crate) fn pack(config: &Value, weights: &[u8], assets: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let metadata = json!({"keras_version": KERAS_VERSION, "date_saved": date_saved()});
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let zip_err = |e: zip::result::ZipError| Error::Format(format!("could not write the .keras zip: {e}"));
    for (name, bytes) in [
        ("metadata.json", serde_json::to_vec(&metadata)?),
        ("config.json", serde_json::to_vec(config)?),
        ("model.weights.h5", weights.to_vec()),
    ] {
        zip.start_file(name, options).map_err(zip_err)?;
        zip.write_all(&bytes).map_err(|e| Error::io("could not write the .keras zip", e))?;
    }
    for (name, bytes) in assets {
        zip.start_file(name.as_str(), options).map_err(zip_err)?;
        zip.write_all(bytes).map_err(|e| Error::io("could not write the .keras zip", e))?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// A `.keras` file's contents: `config.json`, `model.weights.h5` and the `assets/` files (by path
/// in the archive).
#[derive(Debug)]
pub(crate) struct Unpacked {
    pub config: Value,
    pub weights: Vec<u8>,
    pub assets: Vec<(String, Vec<u8>)>,
}

/// The `config.json`, `model.weights.h5` and `assets/` files of a `.keras` file's bytes; `label`
/// names the file in errors.
pub(crate) fn unpack(bytes: Vec<u8>, label: &str) -> Result<Unpacked> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        Error::Format(format!("{label} is not a valid .keras file (a .keras file is a zip archive): {e}"))
    })?;
    let asset_names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .filter(|n| n.starts_with("assets/") && !n.ends_with('/'))
        .collect();
    // What the weights may take uncompressed: 16 bytes per value the load budget allows (float32
    // variables with up to two optimizer slots each, or float64 ones) plus room for HDF5's headers.
    let weights_limit = crate::models::network::variable_budget()
        .map_or(usize::MAX, |values| values.saturating_mul(16).saturating_add(MEMBER_OVERHEAD));
    let mut member = |name: &str, limit: usize| -> Result<Vec<u8>> {
        let mut f = zip.by_name(name).map_err(|e| Error::Format(format!("{label} has no {name}: {e}")))?;
        read_limited(&mut f, limit).map_err(|e| Error::Format(format!("{label}: cannot read {name}: {e}")))
    };
    let config = member("config.json", CONFIG_LIMIT)?;
    let config: Value = serde_json::from_slice(&config)
        .map_err(|e| Error::Format(format!("{label}: config.json is not valid JSON: {e}")))?;
    let weights = member("model.weights.h5", weights_limit).map_err(|e| match e {
        Error::Format(m) if m.contains("has no") => Error::Format(format!(
            "{m} (keras-rs reads the HDF5 weights format; `weights_format=\"npz\"` files are not supported)"
        )),
        other => other,
    })?;
    let mut assets = Vec::with_capacity(asset_names.len());
    let mut left = CONFIG_LIMIT;
    for name in asset_names {
        let bytes = member(&name, left)?;
        left -= bytes.len();
        assets.push((name, bytes));
    }
    Ok(Unpacked { config, weights, assets })
}

/// The most bytes `config.json` may take uncompressed (Keras' configs of large models are a few
/// MB), and all `assets/` files together (vocabularies).
const CONFIG_LIMIT: usize = 64 << 20;

/// Room for HDF5's headers in the uncompressed weights, beside 16 bytes per value.
const MEMBER_OVERHEAD: usize = 16 << 20;

/// Reads `source` to its end, at most `limit` bytes, growing the buffer fallibly: a zip member
/// that decompresses past the limit (a zip bomb) or past what memory allows is an error, not an
/// abort.
fn read_limited(source: &mut impl Read, limit: usize) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match source.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
        };
        if out.len() + n > limit {
            return Err(format!(
                "it is larger than {limit} bytes uncompressed, more than this load allows (raise the budget with \
                 `keras_rs::saving::LoadOptions::new().max_variable_values(..)` if the file is trusted)"
            ));
        }
        out.try_reserve(n).map_err(|_| format!("out of memory after {} bytes", out.len()))?;
        out.extend_from_slice(&chunk[..n]);
    }
}

/// Reads a whole file with an error that names it.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(format!("could not open {}", path.display()), e))
}

/// Checks a path's extension as Keras does (`.keras` for models, `.weights.h5` for weights).
pub(crate) fn check_extension(path: &Path, weights: bool) -> Result<()> {
    let name = path.to_string_lossy();
    if weights && !name.ends_with(".weights.h5") {
        return Err(Error::value(format!("The filename must end in `.weights.h5`. Received: filepath={name}")));
    }
    if !weights && !name.ends_with(".keras") {
        let hint = if name.ends_with(".h5") || name.ends_with(".hdf5") {
            " The legacy Keras 2 `.h5` model format is not supported by keras-rs."
        } else {
            ""
        };
        return Err(Error::value(format!(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the native Keras format. \
             Received: filepath={name}.{hint}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_three_stored_members_in_keras_order() {
        let bytes = pack(&json!({"class_name": "Sequential"}), b"weights", &[]).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let names: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().to_string()).collect();
        assert_eq!(names, ["metadata.json", "config.json", "model.weights.h5"]);
        assert_eq!(zip.by_index(2).unwrap().compression(), zip::CompressionMethod::Stored);
        let Unpacked { config, weights, assets } = unpack(bytes, "m.keras").unwrap();
        assert_eq!((config["class_name"].as_str(), weights.as_slice()), (Some("Sequential"), &b"weights"[..]));
        assert!(assets.is_empty());
        let err = unpack(b"PK not really".to_vec(), "bad.keras").unwrap_err().to_string();
        assert!(err.contains("bad.keras is not a valid .keras file"), "{err}");
    }

    #[test]
    fn date_is_keras_formatted() {
        let d = date_saved();
        assert_eq!((d.len(), &d[10..11], &d[4..5]), (19, "@", "-"), "{d}");
        assert!(d.starts_with("20"), "{d}");
    }

    #[test]
    fn atomic_write_keeps_the_old_file_when_it_fails() {
        let dir = std::env::temp_dir().join(format!("keras_rs_atomic_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.keras");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        // A target that cannot be replaced (a non-empty directory) fails, and leaves no temp file.
        let blocker = dir.join("dir.keras");
        std::fs::create_dir_all(blocker.join("x")).unwrap();
        assert!(write_atomic(&blocker, b"data").is_err());
        let leftovers = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".tmp-"));
        assert_eq!(leftovers.count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn saving_through_a_symlink_writes_the_target_and_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("keras_rs_symlink_{}", std::process::id()));
        std::fs::create_dir_all(dir.join("models")).unwrap();
        let (target, link) = (dir.join("models/m.keras"), dir.join("latest.keras"));
        write_atomic(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink("models/m.keras", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn saves_at_the_same_time_do_not_collide() {
        let dir = std::env::temp_dir().join(format!("keras_rs_concurrent_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.keras");
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(path, &[t; 4096]).unwrap();
                    }
                });
            }
        });
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() == 4096 && bytes.iter().all(|b| *b == bytes[0]), "one whole save won");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
