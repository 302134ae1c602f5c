//! The only place that touches the HDF5 crate (`hdf5-pure`, pinned exactly): a tree of groups
//! and datasets written to bytes, and path lookups in a file read from bytes. Swapping the
//! crate means rewriting this file only.

use hdf5_pure::{AttrValue, Datatype, FileBuilder, GroupBuilder};

use crate::error::{Error, Result};

/// A dataset's values: float32 with a shape, or an int32 scalar (the optimizer's `iterations`).
#[derive(Clone, Debug)]
pub(crate) enum H5Data {
    /// Row-major float32 values and their shape (`[]` for a scalar).
    F32(Vec<usize>, Vec<f32>),
    /// A scalar int32.
    I32(i32),
}

/// A group to write: its `name` attribute (Keras writes the layer name on each `vars`
/// group), subgroups and datasets in insertion order.
#[derive(Clone, Debug, Default)]
pub(crate) struct H5Group {
    pub(crate) name_attr: Option<String>,
    pub(crate) groups: Vec<(String, H5Group)>,
    pub(crate) datasets: Vec<(String, H5Data)>,
}

impl H5Group {
    /// The group at `path` (`a/b/c`) below this one, created if missing.
    pub(crate) fn group_mut(&mut self, path: &str) -> &mut H5Group {
        let mut node = self;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let pos = match node.groups.iter().position(|(n, _)| n == part) {
                Some(pos) => pos,
                None => {
                    node.groups.push((part.to_string(), H5Group::default()));
                    node.groups.len() - 1
                }
            };
            node = &mut node.groups[pos].1;
        }
        node
    }

    /// Adds a dataset at `path` (`a/b/0`), creating the groups on the way.
    pub(crate) fn put(&mut self, path: &str, data: H5Data) {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        self.group_mut(dir).datasets.push((name.to_string(), data));
    }

    fn fill(&self, builder: &mut GroupBuilder) {
        if let Some(name) = &self.name_attr {
            builder.set_attr("name", AttrValue::VarLenString(name.clone()));
        }
        for (name, data) in &self.datasets {
            let ds = builder.create_dataset(name);
            match data {
                H5Data::F32(shape, values) => {
                    let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
                    ds.with_f32_data(values).with_shape(&dims);
                }
                H5Data::I32(v) => {
                    ds.with_i32_data(&[*v]).with_shape(&[]);
                }
            }
        }
        for (name, group) in &self.groups {
            let mut sub = builder.create_group(name);
            group.fill(&mut sub);
            builder.add_group(sub.finish());
        }
    }
}

/// Writes `root` as an HDF5 file (contiguous little-endian datasets, as h5py writes them).
pub(crate) fn write(root: &H5Group) -> Result<Vec<u8>> {
    let mut fb = FileBuilder::new();
    if let Some((name, _)) = root.datasets.first() {
        return Err(Error::Format(format!("internal: a dataset ({name}) at the HDF5 root")));
    }
    for (name, group) in &root.groups {
        let mut sub = fb.create_group(name);
        group.fill(&mut sub);
        fb.add_group(sub.finish());
    }
    fb.finish().map_err(|e| Error::Format(format!("could not write the HDF5 weights: {e}")))
}

/// An HDF5 file read from bytes.
pub(crate) struct H5File {
    file: hdf5_pure::File,
    label: String,
}

impl H5File {
    /// Parses `bytes`; `label` names the file in errors.
    pub(crate) fn from_bytes(bytes: Vec<u8>, label: &str) -> Result<H5File> {
        if !hdf5_pure::is_hdf5_bytes(&bytes) {
            return Err(Error::Format(format!("{label} is not an HDF5 file (no HDF5 signature)")));
        }
        let file = hdf5_pure::File::from_bytes(bytes)
            .map_err(|e| Error::Format(format!("{label} is not a readable HDF5 file: {e}")))?;
        Ok(H5File { file, label: label.to_string() })
    }

    /// Whether a group exists at `path`.
    pub(crate) fn has_group(&self, path: &str) -> bool {
        self.file.group(path).is_ok()
    }

    /// The dataset names directly in group `path` (empty when the group is missing).
    pub(crate) fn datasets(&self, path: &str) -> Vec<String> {
        self.file.group(path).and_then(|g| g.datasets()).unwrap_or_default()
    }

    /// The declared shape of the dataset at `path`, without reading its values; `None` when
    /// there is no such dataset.
    pub(crate) fn shape(&self, path: &str) -> Result<Option<Vec<usize>>> {
        let Ok(ds) = self.file.dataset(path) else { return Ok(None) };
        let bad = |e: hdf5_pure::Error| Error::Format(format!("{}: cannot read dataset {path}: {e}", self.label));
        Ok(Some(ds.shape().map_err(bad)?.into_iter().map(|d| d as usize).collect()))
    }

    /// The values of the dataset at `path` as float32 when its declared shape is `expected`
    /// (checked before anything is read, so a file cannot make keras-rs allocate what its
    /// model does not hold), converting float16, bfloat16 (Keras' opaque 2-byte type), float64
    /// and integers. `Ok(None)` when there is no such dataset; `Err(shape)` inside when the
    /// declared shape differs.
    pub(crate) fn read_f32(&self, path: &str, expected: &[usize]) -> Result<Option<Shaped>> {
        let Ok(ds) = self.file.dataset(path) else { return Ok(None) };
        let bad = |e: hdf5_pure::Error| Error::Format(format!("{}: cannot read dataset {path}: {e}", self.label));
        let shape: Vec<usize> = ds.shape().map_err(bad)?.into_iter().map(|d| d as usize).collect();
        if shape != expected {
            return Ok(Some(Err(shape)));
        }
        let values: Vec<f32> = match ds.datatype().map_err(bad)? {
            Datatype::FloatingPoint { size: 2, .. } => ds
                .read_raw()
                .map_err(bad)?
                .chunks_exact(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
            Datatype::Opaque { size: 2, .. } => ds
                .read_raw()
                .map_err(bad)?
                .chunks_exact(2)
                .map(|b| f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16))
                .collect(),
            _ => ds.read_f32().map_err(bad)?,
        };
        if shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) != Some(values.len()) {
            return Err(Error::Format(format!(
                "{}: dataset {path} has {} values for shape {shape:?}",
                self.label,
                values.len()
            )));
        }
        Ok(Some(Ok(values)))
    }
}

/// A dataset's values, or its declared shape when it is not the expected one.
pub(crate) type Shaped = std::result::Result<Vec<f32>, Vec<usize>>;

/// IEEE half to float.
fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // subnormal: normalise
            let mut e = 127 - 15 + 1;
            let mut f = f;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x3ff) << 13)
        }
        (0x1f, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back_groups_datasets_and_scalars() {
        let mut root = H5Group::default();
        root.group_mut("layers/dense/vars").name_attr = Some("dense".into());
        root.put("layers/dense/vars/0", H5Data::F32(vec![2, 3], (0..6).map(|v| v as f32).collect()));
        root.put("layers/dense/vars/1", H5Data::F32(vec![3], vec![0.5, -0.5, 1.0]));
        root.put("optimizer/vars/0", H5Data::I32(42));
        let bytes = write(&root).unwrap();
        let f = H5File::from_bytes(bytes, "test.h5").unwrap();
        assert_eq!(f.read_f32("layers/dense/vars/0", &[2, 3]).unwrap().unwrap(), Ok(vec![0., 1., 2., 3., 4., 5.]));
        assert_eq!(f.read_f32("optimizer/vars/0", &[]).unwrap().unwrap(), Ok(vec![42.0]));
        assert!(f.read_f32("layers/dense/vars/2", &[3]).unwrap().is_none());
        // A shape other than the expected one is reported before anything is read.
        assert_eq!(f.read_f32("layers/dense/vars/0", &[3, 2]).unwrap().unwrap(), Err(vec![2, 3]));
        assert_eq!(f.shape("layers/dense/vars/1").unwrap(), Some(vec![3]));
        assert_eq!(f.datasets("layers/dense/vars").len(), 2);
        assert!(f.has_group("layers/dense"));
        assert!(H5File::from_bytes(b"not hdf5 at all".to_vec(), "x").is_err());
    }

    #[test]
    fn half_precision_converts() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
    }
}
