//! `Hashing`: values to one of `num_bins` bins by the FarmHash fingerprint of their text, as
//! TensorFlow's `strings.to_hash_bucket_fast` — categorical features with no vocabulary.

use serde_json::{Value, json};

use super::category_encoding::{encode, index_output_shape};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Hashing(num_bins, mask_value=None, salt=None, output_mode="int")`: each value (a
/// number, truncated to an integer and written in decimal as Keras does, or a string through
/// [`Hashing::hash_strings`]) goes to bin `FarmHash64(text) % num_bins`; with `mask_value`, that
/// value goes to bin 0 and the others to `1 + FarmHash64(text) % (num_bins - 1)`. With a `salt`
/// (one integer, or two), SipHash-2-4 keyed by it replaces FarmHash, as Keras'
/// `to_hash_bucket_strong`. `output_mode` `"one_hot"`/`"multi_hot"`/`"count"` encode the bins.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Hashing;
/// let model = Sequential::new().add(Input::new(&[3])).add(Hashing::new(4));
/// let bins = model.predict(&ndarray::array![[12.0f32, 7.0, 12.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(bins[[0, 0]], bins[[0, 2]]); // the same value, the same bin
/// assert!(bins.iter().all(|&b| (0.0..4.0).contains(&b)));
/// ```
#[derive(Clone, Debug)]
pub struct Hashing {
    base: LayerBase,
    config: HashingConfig,
}

keras_config! {
    /// Keras' `Hashing` arguments.
    pub struct HashingConfig {
        required {
            /// The number of bins (bin 0 is the mask's when `mask_value` is set).
            num_bins: usize,
        }
        args {
            /// A value that goes to bin 0 (default none).
            mask_value: Option<Value> = None,
            /// `"int"` (default), `"one_hot"`, `"multi_hot"` or `"count"`.
            output_mode: String = "int".to_string(),
            /// A salt for SipHash (one integer, or two), hashing harder than the default FarmHash.
            salt: Option<Value> = None,
        }
        other {
            /// Keras' sparse outputs (only `false`).
            sparse: bool = false,
        }
    }
    setters for [] Hashing => config;
}

impl Validate for HashingConfig {
    fn validate(&self) -> Result<()> {
        if self.num_bins == 0 {
            return Err(Error::value(format!(
                "The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: num_bins={}.",
                self.num_bins
            )));
        }
        if !["int", "one_hot", "multi_hot", "count"].contains(&self.output_mode.as_str()) {
            return Err(Error::value(format!(
                "Invalid value for argument `output_mode`. Expected one of ('int', 'one_hot', 'multi_hot', \
                 'count'). Received: output_mode={}",
                self.output_mode
            )));
        }
        self.salt_keys()?;
        if self.sparse {
            return Err(Error::value("Hashing: keras-rs gives dense outputs; received sparse=True"));
        }
        match &self.mask_value {
            None | Some(Value::Number(_) | Value::String(_)) => Ok(()),
            Some(other) => {
                Err(Error::value(format!("Hashing: `mask_value` must be a number or a string; received {other}")))
            }
        }
    }
}

impl HashingConfig {
    /// SipHash's two keys from Keras' `salt` (one integer for both, or two).
    fn salt_keys(&self) -> Result<Option<[u64; 2]>> {
        salt_keys("Hashing", self.salt.as_ref())
    }
}

/// SipHash's two keys from Keras' `salt` argument of `class`: one integer for both, or two.
pub(crate) fn salt_keys(class: &str, salt: Option<&Value>) -> Result<Option<[u64; 2]>> {
    let bad = || {
        Error::value(format!(
            "The `salt` argument for `{class}` can only be a tuple of size 2 integers, or a single integer. \
             Received: salt={}.",
            salt.unwrap_or(&Value::Null)
        ))
    };
    let key = |v: &Value| v.as_u64().or_else(|| v.as_i64().map(|i| i as u64)).ok_or_else(bad);
    match salt {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(pair)) if pair.len() == 2 => Ok(Some([key(&pair[0])?, key(&pair[1])?])),
        Some(one @ Value::Number(_)) => {
            let k = key(one)?;
            Ok(Some([k, k]))
        }
        Some(_) => Err(bad()),
    }
}

/// The 64-bit hash TensorFlow gives a string: `to_hash_bucket_strong`'s SipHash-2-4 keyed by the
/// salt, or `to_hash_bucket_fast`'s FarmHash Fingerprint64 without one.
pub(crate) fn string_hash(text: &str, salt: Option<[u64; 2]>) -> u64 {
    match salt {
        Some([k0, k1]) => {
            use std::hash::Hasher;
            #[allow(deprecated)] // std's SipHasher is SipHash-2-4, which TensorFlow uses
            let mut hasher = std::hash::SipHasher::new_with_keys(k0, k1);
            hasher.write(text.as_bytes());
            hasher.finish()
        }
        None => farmhash::fingerprint64(text.as_bytes()),
    }
}

common_builders!(Hashing);

impl Hashing {
    /// Hashing into `num_bins` bins, Keras' defaults otherwise.
    pub fn new(num_bins: usize) -> Self {
        Hashing { base: LayerBase::default(), config: HashingConfig::new(num_bins) }
    }

    /// Reads Keras' `Hashing` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Hashing { base: LayerBase::from_config(config), config: HashingConfig::from_config(config, "Hashing")? })
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("hashing")
    }

    /// The bin of one value's text (Keras' `_hash_values_to_bins`).
    fn bin(&self, text: &str, masked: bool) -> usize {
        let bins = self.config.num_bins as u64;
        let fingerprint = string_hash(text, self.config.salt_keys().ok().flatten());
        match &self.config.mask_value {
            Some(_) if bins > 1 => {
                if masked {
                    0
                } else {
                    (1 + fingerprint % (bins - 1)) as usize
                }
            }
            _ => (fingerprint % bins) as usize,
        }
    }

    /// The layer on strings (Keras' `Hashing` on a string tensor), on the host: the bin of each
    /// (same shape) in `"int"` mode, otherwise `(rows, num_bins)` with each element of a 1-D input
    /// a row and each row of a 2-D one.
    pub fn hash_strings<S: AsRef<str>>(&self, values: &ndarray::ArrayD<S>) -> Result<ndarray::ArrayD<f32>> {
        validated(&self.config, self.layer_name())?;
        let mask = self.config.mask_value.as_ref().and_then(Value::as_str);
        let bins = values.map(|v| self.bin(v.as_ref(), Some(v.as_ref()) == mask) as f32);
        self.encode_on_host(bins)
    }

    /// Bins `(…)` as the output mode gives them, on the host.
    fn encode_on_host(&self, bins: ndarray::ArrayD<f32>) -> Result<ndarray::ArrayD<f32>> {
        if self.config.output_mode == "int" {
            return Ok(bins);
        }
        let rows = if bins.ndim() < 2 { bins.len() } else { bins.shape()[0] };
        let width = bins.len() / rows.max(1);
        let device = keras_rs_backends::default_device();
        let ids = DynTensor::from_data(bins.iter().copied().collect(), &[rows, width.max(1)], &device)?;
        let encoded = encode(ids.into_rank::<2>(self.layer_name())?, &self.config.output_mode, self.config.num_bins);
        let dims = encoded.dims();
        ndarray::ArrayD::from_shape_vec(dims, encoded.into_vec()?).map_err(|e| Error::value(e.to_string()))
    }
}

impl Layer for Hashing {
    layer_boilerplate!("Hashing");

    fn config(&self) -> Value {
        let mut config = self.config.to_config();
        // Keras makes an int-mode Hashing's dtype int64 (and refuses a float one).
        let dtype = if self.config.output_mode == "int" { "int64" } else { "float32" };
        config["dtype"] =
            json!({"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype}, "registered_name": null});
        config
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        validated(&self.config, self.layer_name())?;
        index_output_shape(input, self.layer_name(), &self.config.output_mode, self.config.num_bins)
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (dims, device) = (inputs.dims(), inputs.device());
        let mask = self.config.mask_value.as_ref().and_then(Value::as_f64);
        // Keras: floats are truncated to int64, then written in decimal, then hashed.
        let bins: Vec<f32> = inputs
            .into_vec()?
            .into_iter()
            .map(|v| self.bin(&(v as i64).to_string(), mask == Some(f64::from(v))) as f32)
            .collect();
        let bins = DynTensor::from_data(bins, &dims, &device)?;
        if self.config.output_mode == "int" {
            return Ok(bins);
        }
        Ok(encode(bins.into_rank::<2>(self.layer_name())?, &self.config.output_mode, self.config.num_bins))
    }
}
