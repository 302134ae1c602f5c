//! What the windowed pooling layers share (Keras' `BasePooling`): max or average over
//! `pool_size` windows, strides defaulting to the pool size, Keras' SAME/VALID geometry.

use burn::tensor::Tensor;
use burn::tensor::module::{avg_pool1d, avg_pool2d, max_pool1d, max_pool2d};
use burn::tensor::ops::{AvgPoolOptions, MaxPoolOptions};
use serde_json::Value;

use crate::backend::{DynTensor, ops};
use crate::error::{Error, Result};
use crate::layers::builders::common_builders;
use crate::layers::config::{ConfigValue, Sizes, Validate, keras_config, validated};
use crate::layers::convolutional::{Padding, Size1, Size2, output_length, padding_pair};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Max (`AVG = false`) or average (`AVG = true`) pooling over `N` (1 to 3) spatial axes, channels last.
/// Average pooling with `"same"` padding divides by the number of real (non-padded) cells.
#[derive(Clone, Debug)]
pub struct Pooling<const N: usize, const AVG: bool> {
    base: LayerBase,
    config: PoolingConfig<N>,
}

keras_config! {
    /// Keras' arguments of a pooling layer over `N` spatial axes (`MaxPooling1D/2D/3D`,
    /// `AveragePooling1D/2D/3D`), with Keras' names and defaults.
    pub struct PoolingConfig<const N: usize> {
        args {
            /// `"valid"` (default) or `"same"`.
            padding: String = "valid".to_string(),
        }
        other {
            /// The window size per spatial axis (default 2).
            pool_size: Sizes<N> = Sizes([2; N]),
            /// The strides (default: the pool size).
            strides: Option<Sizes<N>> = None,
        }
    }
    constants { data_format: "channels_last" }
    setters for [const N: usize, const AVG: bool] Pooling<N, AVG> => config;
}

impl<const N: usize> Validate for PoolingConfig<N> {
    fn validate(&self) -> Result<()> {
        self.pool_size.check("pool_size")?;
        self.strides().check("strides")?;
        Padding::parse(&self.padding).map(|_| ())
    }
}

impl<const N: usize> PoolingConfig<N> {
    /// The strides, the pool size when unset (as Keras).
    pub fn strides(&self) -> Sizes<N> {
        self.strides.unwrap_or(self.pool_size)
    }
}

common_builders!([const N: usize, const AVG: bool] Pooling<N, AVG>);

impl<const AVG: bool> Pooling<2, AVG> {
    /// Pools over `pool_size` windows (`2` or `(2, 2)`); strides default to the pool size.
    pub fn new(pool_size: impl Into<Size2>) -> Self {
        Self::with_size(pool_size.into())
    }
    /// The strides (default: the pool size).
    pub fn strides(mut self, strides: impl Into<Size2>) -> Self {
        self.config.strides = Some(strides.into());
        self
    }
}

impl<const AVG: bool> Pooling<1, AVG> {
    /// Pools over windows of `pool_size` steps; strides default to the pool size.
    pub fn new(pool_size: usize) -> Self {
        Self::with_size(Sizes([pool_size]))
    }
    /// The stride (default: the pool size).
    pub fn strides(mut self, strides: impl Into<Size1>) -> Self {
        self.config.strides = Some(strides.into());
        self
    }
}

impl<const AVG: bool> Pooling<3, AVG> {
    /// Pools over `pool_size` windows (`2` or `(2, 2, 2)`); strides default to the pool size.
    pub fn new(pool_size: impl Into<Sizes<3>>) -> Self {
        Self::with_size(pool_size.into())
    }
    /// The strides (default: the pool size).
    pub fn strides(mut self, strides: impl Into<Sizes<3>>) -> Self {
        self.config.strides = Some(strides.into());
        self
    }
}

impl<const N: usize, const AVG: bool> Pooling<N, AVG> {
    fn with_size(pool_size: Sizes<N>) -> Self {
        Pooling { base: LayerBase::default(), config: PoolingConfig { pool_size, ..PoolingConfig::new() } }
    }
    /// Reads Keras' pooling config (`pool_size`, `strides`, `padding`).
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Pooling { base: LayerBase::from_config(config), config: PoolingConfig::from_config(config, Self::CLASS)? })
    }

    /// Keras' class name.
    const CLASS: &'static str = match (N, AVG) {
        (1, false) => "MaxPooling1D",
        (1, true) => "AveragePooling1D",
        (2, false) => "MaxPooling2D",
        (2, true) => "AveragePooling2D",
        (_, false) => "MaxPooling3D",
        (_, true) => "AveragePooling3D",
    };

    fn default_name(&self) -> &'static str {
        match (N, AVG) {
            (1, false) => "max_pooling1d",
            (1, true) => "average_pooling1d",
            (2, false) => "max_pooling2d",
            (2, true) => "average_pooling2d",
            (_, false) => "max_pooling3d",
            (_, true) => "average_pooling3d",
        }
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or(self.default_name())
    }
}

impl<const N: usize, const AVG: bool> Layer for Pooling<N, AVG> {
    fn class_name(&self) -> &'static str {
        Self::CLASS
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
    fn config(&self) -> Value {
        let mut config = self.config.to_config();
        // Keras writes the strides it uses: the pool size when none were given.
        config["strides"] = self.config.strides().to_value();
        config
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let name = self.layer_name();
        input.check_ndim(name, N + 2)?;
        validated(&self.config, name)?;
        let padding = Padding::parse(&self.config.padding)?;
        let (pool_size, strides) = (self.config.pool_size.0, self.config.strides().0);
        let mut out = vec![input.0[0]];
        for (i, (&pool, &stride)) in pool_size.iter().zip(&strides).enumerate() {
            let size = input.0[i + 1].ok_or_else(|| {
                Error::shape(format!("Layer \"{name}\" needs known spatial dimensions, received {input}"))
            })?;
            match output_length(size, pool, stride, 1, padding) {
                Some(len) if len > 0 => out.push(Some(len)),
                _ => {
                    return Err(Error::shape(format!(
                        "Computed output size would be empty for layer \"{name}\". Received: `inputs.shape={input}` and \
                         `pool_size={pool_size:?}` with padding=\"{}\".",
                        self.config.padding
                    )));
                }
            }
        }
        out.push(input.0[N + 1]);
        Ok(Shape(out))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let padding = Padding::parse(&self.config.padding)?;
        let (k, s) = (self.config.pool_size.0, self.config.strides().0);
        if N == 1 {
            let x = inputs.into_rank::<3>(self.layer_name())?.permute([0, 2, 1]);
            let pads = [padding_pair(x.dims()[2], k[0], s[0], 1, padding)];
            let y = if AVG {
                avg_pool1d(
                    x,
                    AvgPoolOptions::new([k[0]])
                        .with_stride([s[0]])
                        .with_padding_pairs(pads)
                        .with_count_include_pad(false),
                )
            } else {
                max_pool1d(x, MaxPoolOptions::new([k[0]]).with_stride([s[0]]).with_padding_pairs(pads))
            };
            return Ok(DynTensor::new(y.permute([0, 2, 1])));
        }
        if N == 3 {
            let x = inputs.into_rank::<5>(self.layer_name())?;
            let [_, d, h, w, _] = x.dims();
            let pads: [(usize, usize); 3] = std::array::from_fn(|i| padding_pair([d, h, w][i], k[i], s[i], 1, padding));
            return Ok(DynTensor::new(pool3d::<AVG>(x, [k[0], k[1], k[2]], [s[0], s[1], s[2]], pads)));
        }
        let x = inputs.into_rank::<4>(self.layer_name())?;
        let [_, h, w, _] = x.dims();
        let pads = [padding_pair(h, k[0], s[0], 1, padding), padding_pair(w, k[1], s[1], 1, padding)];
        let (k2, s2) = ([k[0], k[1]], [s[0], s[1]]);
        if !AVG && ops::has_kernels(&x) {
            let padding = pads.map(|(before, after)| [before, after]);
            let window = ops::Window2d { size: k2, strides: s2, dilation: [1, 1], padding };
            return Ok(DynTensor::new(ops::max_pool2d(x, window)));
        }
        let x = x.permute([0, 3, 1, 2]);
        let y = if AVG {
            avg_pool2d(
                x,
                AvgPoolOptions::new(k2).with_stride(s2).with_padding_pairs(pads).with_count_include_pad(false),
            )
        } else {
            max_pool2d(x, MaxPoolOptions::new(k2).with_stride(s2).with_padding_pairs(pads))
        };
        Ok(DynTensor::new(y.permute([0, 2, 3, 1])))
    }
}

/// Max or average pooling of channels-last `(batch, d, h, w, channels)` over `k` windows: burn
/// has no 3-D pooling, and a box window is separable — the max (or the mean over real cells,
/// whose count is the product of each axis' count) over `(h, w)` windows, then over `d` ones.
fn pool3d<const AVG: bool>(x: Tensor<5>, k: [usize; 3], s: [usize; 3], pads: [(usize, usize); 3]) -> Tensor<5> {
    let [b, d, h, w, c] = x.dims();
    // (b, d, h, w, c) -> (b * d, c, h, w): pool the rows and columns.
    let x = x.reshape([b * d, h, w, c]).permute([0, 3, 1, 2]);
    let (k2, s2, p2) = ([k[1], k[2]], [s[1], s[2]], [pads[1], pads[2]]);
    let x = if AVG {
        avg_pool2d(x, AvgPoolOptions::new(k2).with_stride(s2).with_padding_pairs(p2).with_count_include_pad(false))
    } else {
        max_pool2d(x, MaxPoolOptions::new(k2).with_stride(s2).with_padding_pairs(p2))
    };
    let [_, _, oh, ow] = x.dims();
    // (b * d, c, oh, ow) -> (b, oh * ow * c, d): pool the depth.
    let x = x.reshape([b, d, c * oh * ow]).swap_dims(1, 2);
    let (k1, s1, p1) = ([k[0]], [s[0]], [pads[0]]);
    let x = if AVG {
        avg_pool1d(x, AvgPoolOptions::new(k1).with_stride(s1).with_padding_pairs(p1).with_count_include_pad(false))
    } else {
        max_pool1d(x, MaxPoolOptions::new(k1).with_stride(s1).with_padding_pairs(p1))
    };
    let od = x.dims()[2];
    // (b, c * oh * ow, od) -> (b, od, oh, ow, c)
    x.swap_dims(1, 2).reshape([b, od, c, oh, ow]).permute([0, 1, 3, 4, 2])
}
