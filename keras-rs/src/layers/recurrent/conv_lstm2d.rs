//! `ConvLSTM2D`: an LSTM whose input and recurrent transforms are 2-D convolutions, over
//! sequences of images `(batch, time, rows, cols, channels)`.

use burn::tensor::Tensor;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use serde_json::Value;

use super::base_rnn::by_variable;
use crate::activations::Activation;
use crate::backend::DynTensor;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::{common_builders, layer_boilerplate, refuses_masks};
use crate::layers::config::{Sizes, Validate, keras_config, validated};
use crate::layers::convolutional::{Padding, output_length, padding_pair};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// Keras' `ConvLSTM2D(filters, kernel_size)` on `(batch, time, rows, cols, channels)`: kernel
/// `(kh, kw, channels, 4 filters)`, recurrent_kernel `(kh, kw, filters, 4 filters)`, bias
/// `(4 filters,)`, gate blocks i, f, c, o along the last axis. Each step convolves the input
/// (`strides`, `padding`, `dilation_rate`) and the previous output (stride 1, `"same"`), then
/// `c' = f c + i tanh(z_c)`, `h' = o tanh(c')` on `(rows', cols', filters)` maps. Outputs the
/// last `h` (or every step's with `return_sequences`), then `[h, c]` with `return_state`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::ConvLSTM2D;
/// let model = Sequential::new().add(Input::new(&[5, 8, 8, 1])).add(ConvLSTM2D::new(4, 3).padding("same"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 8, 8, 4)");
/// assert_eq!(model.count_params(), 3 * 3 * 1 * 16 + 3 * 3 * 4 * 16 + 16);
/// ```
#[derive(Clone, Debug)]
pub struct ConvLSTM2D {
    base: LayerBase,
    config: ConvLSTM2DConfig,
}

keras_config! {
    /// Keras' `ConvLSTM2D` arguments.
    pub struct ConvLSTM2DConfig {
        required {
            /// The channels of each output map.
            filters: usize,
            /// The convolution window `(kh, kw)`.
            kernel_size: Sizes<2>,
        }
        args {
            /// The input convolution's strides (default 1).
            strides: Sizes<2> = Sizes([1, 1]),
            /// The input convolution's padding: `"valid"` (default) or `"same"`.
            padding: String = "valid".to_string(),
            /// Only `"channels_last"`.
            data_format: String = "channels_last".to_string(),
            /// The input convolution's dilation (default 1).
            dilation_rate: Sizes<2> = Sizes([1, 1]),
            /// The output activation (default `tanh`).
            activation: String = "tanh".to_string(),
            /// The gate activation (default `sigmoid`).
            recurrent_activation: String = "sigmoid".to_string(),
            /// Whether to add biases (default true).
            use_bias: bool = true,
            /// The input kernel initializer (default glorot_uniform).
            kernel_initializer: Initializer = Initializer::GlorotUniform,
            /// The recurrent kernel initializer (default orthogonal).
            recurrent_initializer: Initializer = Initializer::Orthogonal { gain: 1.0 },
            /// The bias initializer (default zeros).
            bias_initializer: Initializer = Initializer::Zeros,
            /// Start the forget-gate bias at 1 (default true).
            unit_forget_bias: bool = true,
            /// A penalty on the input kernel.
            kernel_regularizer: Option<Regularizer> = None,
            /// A penalty on the recurrent kernel.
            recurrent_regularizer: Option<Regularizer> = None,
            /// A penalty on the bias.
            bias_regularizer: Option<Regularizer> = None,
            /// A projection of the input kernel after each update.
            kernel_constraint: Option<Constraint> = None,
            /// A projection of the recurrent kernel after each update.
            recurrent_constraint: Option<Constraint> = None,
            /// A projection of the bias after each update.
            bias_constraint: Option<Constraint> = None,
            /// Fraction of the input dropped in training, by an independent mask per gate, the same
            /// at every step (Keras' `dropout_mask_count = 4`).
            dropout: f32 = 0.0,
            /// Fraction of the recurrent state dropped in training, by a mask per gate.
            recurrent_dropout: f32 = 0.0,
            /// Keras' `seed=` for the dropout masks.
            seed: Option<u64> = None,
            /// Return every step's output (default false: the last).
            return_sequences: bool = false,
            /// Also return the final `h` and `c` (Functional models).
            return_state: bool = false,
            /// Process the steps backwards (outputs in processing order).
            go_backwards: bool = false,
            /// Carry states across batches (keras-rs: only false).
            stateful: bool = false,
        }
    }
    constants { unroll: false, zero_output_for_mask: false, activity_regularizer: Value::Null }
    setters for [] ConvLSTM2D => config;
}

impl Validate for ConvLSTM2DConfig {
    fn validate(&self) -> Result<()> {
        Padding::parse(&self.padding)?;
        Activation::get(&self.activation)?;
        Activation::get(&self.recurrent_activation)?;
        let refused = [
            ("data_format", self.data_format != "channels_last", format!("{:?}", self.data_format)),
            ("stateful", self.stateful, "True".to_string()),
        ];
        if let Some((key, _, value)) = refused.iter().find(|(_, bad, _)| *bad) {
            return Err(Error::value(format!(
                "ConvLSTM2D: keras-rs does not implement {key}={value} yet (channels_last, not stateful)"
            )));
        }
        for (arg, rate) in [("dropout", self.dropout), ("recurrent_dropout", self.recurrent_dropout)] {
            if !(0.0..1.0).contains(&rate) {
                return Err(Error::value(format!(
                    "Invalid value received for argument `{arg}` of ConvLSTM2D: expected a float value between 0 \
                     and 1 (1 excluded). Received: {arg}={rate}"
                )));
            }
        }
        if self.filters == 0 || self.kernel_size.0.contains(&0) || self.strides.0.contains(&0) {
            return Err(Error::value(format!(
                "ConvLSTM2D: filters, kernel_size and strides must be positive; received filters={}, \
                 kernel_size={:?}, strides={:?}",
                self.filters, self.kernel_size.0, self.strides.0
            )));
        }
        if self.strides.0 != [1, 1] && self.dilation_rate.0 != [1, 1] {
            return Err(Error::value(
                "ConvLSTM2D: `strides > 1` not supported in conjunction with `dilation_rate > 1`",
            ));
        }
        Ok(())
    }
}

common_builders!(ConvLSTM2D);

impl ConvLSTM2D {
    /// `filters` output channels, a `kernel_size` window, Keras' defaults otherwise.
    pub fn new(filters: usize, kernel_size: impl Into<Sizes<2>>) -> Self {
        ConvLSTM2D { base: LayerBase::default(), config: ConvLSTM2DConfig::new(filters, kernel_size.into()) }
    }

    /// Reads Keras' `ConvLSTM2D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(ConvLSTM2D {
            base: LayerBase::from_config(config),
            config: ConvLSTM2DConfig::from_config(config, "ConvLSTM2D")?,
        })
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("conv_lstm2d")
    }

    /// `(time, rows', cols')` of the output maps for an input `(batch, time, rows, cols, channels)`.
    fn output_maps(&self, input: &Shape) -> Result<(Option<usize>, usize, usize)> {
        validated(&self.config, self.layer_name())?;
        let c = &self.config;
        let bad = || {
            Error::shape(format!(
                "Layer \"{}\" (ConvLSTM2D) takes inputs of shape (batch, time, rows, cols, channels) with known \
                 rows, cols and channels that fit the kernel; received input shape {input}",
                self.layer_name()
            ))
        };
        let [_, time, Some(rows), Some(cols), Some(_)] = input.0[..] else { return Err(bad()) };
        let padding = Padding::parse(&c.padding)?;
        let (k, s, d) = (c.kernel_size.0, c.strides.0, c.dilation_rate.0);
        let rows = output_length(rows, k[0], s[0], d[0], padding).ok_or_else(bad)?;
        let cols = output_length(cols, k[1], s[1], d[1], padding).ok_or_else(bad)?;
        Ok((time, rows, cols))
    }

    /// The output and the final `[h, c]`, each channels last.
    fn run(&self, x: Tensor<5>, weights: &Weights<'_>, masks: &GateMaps) -> Result<(Tensor<5>, Tensor<4>, Tensor<4>)> {
        let c = &self.config;
        let [batch, steps, rows, cols, channels] = x.dims();
        let (f, k, s, d) = (c.filters, c.kernel_size.0, c.strides.0, c.dilation_rate.0);
        let padding = Padding::parse(&c.padding)?;
        let (_, out_rows, out_cols) = self.output_maps(&Shape::known(&x.dims()))?;
        // Keras (kh, kw, in, 4f) -> burn (4f, in, kh, kw).
        let kernel = weights[0].clone().reshape([k[0], k[1], channels, 4 * f]).permute([3, 2, 0, 1]);
        let recurrent = weights[1].clone().reshape([k[0], k[1], f, 4 * f]).permute([3, 2, 0, 1]);
        let bias = c.use_bias.then(|| weights[2].clone());
        // Every step's input convolution at once: (batch * time, 4f, rows', cols').
        let pads = [padding_pair(rows, k[0], s[0], d[0], padding), padding_pair(cols, k[1], s[1], d[1], padding)];
        let options = ConvOptions::new_with_padding([s[0], s[1]], pads, [d[0], d[1]], 1);
        let z_x = match &masks.input {
            None => {
                let frames = x.reshape([batch * steps, rows, cols, channels]).permute([0, 3, 1, 2]);
                conv2d(frames, kernel, bias, options)
            }
            // Each gate's filters on the input under its own mask (Keras' `inputs * dp_mask[g]`).
            Some(gate_masks) => {
                let per_gate = gate_masks.iter().enumerate().map(|(g, mask)| {
                    let dropped = x.clone() * mask.clone().reshape([batch, 1, rows, cols, channels]);
                    let frames = dropped.reshape([batch * steps, rows, cols, channels]).permute([0, 3, 1, 2]);
                    let bias = bias.clone().map(|b| b.narrow(0, g * f, f));
                    conv2d(frames, kernel.clone().narrow(0, g * f, f), bias, options.clone())
                });
                Tensor::cat(per_gate.collect(), 1)
            }
        }
        .reshape([batch, steps, 4 * f, out_rows, out_cols]);
        let same =
            [padding_pair(out_rows, k[0], 1, 1, Padding::Same), padding_pair(out_cols, k[1], 1, 1, Padding::Same)];
        let recurrent_options = ConvOptions::new_with_padding([1, 1], same, [1, 1], 1);
        let (act, rec_act) = (Activation::get(&c.activation)?, Activation::get(&c.recurrent_activation)?);
        let device = weights[0].device();
        let mut h = Tensor::<4>::zeros([batch, f, out_rows, out_cols], &device);
        let mut state = h.clone();
        let mut outputs = Vec::with_capacity(steps);
        let order: Vec<usize> = if c.go_backwards { (0..steps).rev().collect() } else { (0..steps).collect() };
        for t in order {
            let z_t = z_x.clone().narrow(1, t, 1).reshape([batch, 4 * f, out_rows, out_cols]);
            let h_term = match &masks.recurrent {
                None => conv2d(h, recurrent.clone(), None, recurrent_options.clone()),
                // Each gate's filters on the state under its own mask (`h_tm1 * rec_dp_mask[g]`).
                Some(gate_masks) => {
                    let per_gate = gate_masks.iter().enumerate().map(|(g, mask)| {
                        let kernel = recurrent.clone().narrow(0, g * f, f);
                        conv2d(h.clone() * mask.clone(), kernel, None, recurrent_options.clone())
                    });
                    Tensor::cat(per_gate.collect(), 1)
                }
            };
            let z = z_t + h_term;
            let gate = |g: usize| z.clone().narrow(1, g * f, f);
            let (i, forget, candidate, o) = (gate(0), gate(1), gate(2), gate(3));
            state = rec_act.apply(forget) * state + rec_act.apply(i) * act.apply(candidate);
            h = rec_act.apply(o) * act.apply(state.clone());
            if c.return_sequences {
                outputs.push(h.clone().unsqueeze_dim::<5>(1));
            }
        }
        let to_last = |t: Tensor<4>| t.permute([0, 2, 3, 1]);
        let output = if c.return_sequences {
            Tensor::cat(outputs, 1).permute([0, 1, 3, 4, 2])
        } else {
            to_last(h.clone()).unsqueeze_dim::<5>(1)
        };
        Ok((output, to_last(h), to_last(state)))
    }
}

/// ConvLSTM2D's dropout masks for one call in training: per gate (Keras' `dropout_mask_count =
/// 4`), one on the input maps `(batch, rows, cols, channels)` and one on the state
/// `(batch, filters, rows', cols')`, the same at every step.
struct GateMaps {
    input: Option<Vec<Tensor<4>>>,
    recurrent: Option<Vec<Tensor<4>>>,
}

impl ConvLSTM2D {
    fn dropout_masks(&self, ctx: &mut CallContext<'_>, input: &Shape) -> Result<GateMaps> {
        let c = &self.config;
        let (_, out_rows, out_cols) = self.output_maps(input)?;
        let dims: Vec<usize> = input.0.iter().map(|d| d.unwrap_or(0)).collect();
        let [batch, _, rows, cols, channels] = dims[..] else {
            return Err(Error::shape("ConvLSTM2D takes rank-5 inputs"));
        };
        let mut masks = |rate: f32, shape: [usize; 3], channels_first: bool| -> Option<Vec<Tensor<4>>> {
            (ctx.training && rate > 0.0).then(|| {
                (0..4)
                    .map(|_| {
                        let values = ctx.dropout_mask(batch, shape.iter().product(), rate);
                        let data = burn::tensor::TensorData::new(values, [batch, shape[0], shape[1], shape[2]]);
                        let mask = Tensor::<4>::from_data(data, ctx.device);
                        if channels_first { mask.permute([0, 3, 1, 2]) } else { mask }
                    })
                    .collect()
            })
        };
        let input = masks(c.dropout, [rows, cols, channels], false);
        let recurrent = masks(c.recurrent_dropout, [out_rows, out_cols, c.filters], true);
        Ok(GateMaps { input, recurrent })
    }
}

impl Layer for ConvLSTM2D {
    layer_boilerplate!("ConvLSTM2D");
    // Keras' ConvLSTM2D skips masked steps; keras-rs does not yet.
    refuses_masks!();

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        Ok(self.compute_output_shapes(std::slice::from_ref(input))?.remove(0))
    }

    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let [input] = input_shapes else {
            return Err(Error::value(format!(
                "Layer \"{}\" (ConvLSTM2D) takes one input; keras-rs does not take `initial_state` for it",
                self.layer_name()
            )));
        };
        let (time, rows, cols) = self.output_maps(input)?;
        let f = Some(self.config.filters);
        let last = Shape(vec![input.0[0], Some(rows), Some(cols), f]);
        let output = if self.config.return_sequences {
            Shape(vec![input.0[0], time, Some(rows), Some(cols), f])
        } else {
            last.clone()
        };
        let mut shapes = vec![output];
        if self.config.return_state {
            shapes.extend([last.clone(), last]);
        }
        Ok(shapes)
    }

    fn num_outputs(&self) -> usize {
        if self.config.return_state { 3 } else { 1 }
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        let c = &self.config;
        let (k, f) = (c.kernel_size.0, c.filters);
        let channels = input_shape.last().expect("checked");
        let mut specs = vec![
            VariableSpec::trainable("kernel", vec![k[0], k[1], channels, 4 * f], c.kernel_initializer.clone()),
            VariableSpec::trainable("recurrent_kernel", vec![k[0], k[1], f, 4 * f], c.recurrent_initializer.clone()),
        ];
        if c.use_bias {
            specs.push(VariableSpec::trainable("bias", vec![4 * f], c.bias_initializer.clone()));
        }
        Ok(specs)
    }

    fn initial_values(&self, index: usize, values: &mut [f32]) {
        if index == 2 && self.config.unit_forget_bias {
            // Keras: bias_initializer for i, ones for f, bias_initializer for c and o.
            let f = self.config.filters;
            values[f..2 * f].iter_mut().for_each(|v| *v = 1.0);
        }
    }

    fn weight_paths(&self, count: usize) -> Vec<String> {
        (0..count).map(|i| format!("cell/vars/{i}")).collect()
    }

    fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        let c = &self.config;
        by_variable(c.use_bias, [&c.kernel_regularizer, &c.recurrent_regularizer, &c.bias_regularizer])
    }

    fn constraints(&self) -> Vec<(usize, Constraint)> {
        let c = &self.config;
        by_variable(c.use_bias, [&c.kernel_constraint, &c.recurrent_constraint, &c.bias_constraint])
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        Ok(self.forward_multi(vec![inputs], weights, ctx)?.remove(0))
    }

    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let x: Tensor<5> =
            crate::layers::single_input(Some(self.layer_name()), inputs)?.into_rank(self.layer_name())?;
        let masks = self.dropout_masks(ctx, &Shape::known(&x.dims()))?;
        let (output, h, c) = self.run(x, &weights, &masks)?;
        let output = if self.config.return_sequences {
            DynTensor::new(output)
        } else {
            let [b, _, r, w, f] = output.dims();
            DynTensor::new(output.reshape([b, r, w, f]))
        };
        let mut outputs = vec![output];
        if self.config.return_state {
            outputs.extend([DynTensor::new(h), DynTensor::new(c)]);
        }
        Ok(outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distinct outputs of a 1x1 ConvLSTM2D over 512 one-pixel frames of ones (kernel of ones,
    /// no recurrence from the zero state), in training or not.
    fn distinct_outputs(layer: ConvLSTM2D, training: bool) -> usize {
        distinct_outputs_over(layer, training, 1, 0.0)
    }

    /// [`distinct_outputs`] over `steps` frames, with a recurrent kernel of `recurrent` values.
    fn distinct_outputs_over(mut layer: ConvLSTM2D, training: bool, steps: usize, recurrent: f32) -> usize {
        layer.build(&Shape::batched(&[steps, 1, 1, 1])).unwrap();
        let device = crate::backends::default_device();
        let recurrent = Tensor::<1>::ones([4], &device).mul_scalar(recurrent);
        let weights = [Tensor::<1>::ones([4], &device), recurrent, Tensor::zeros([4], &device)];
        let mut rng = crate::random::SeedGenerator::new(9);
        let mut ctx = CallContext::new(training, &mut rng, &device);
        let x = DynTensor::new(Tensor::<5>::ones([512, steps, 1, 1, 1], &device));
        let out = layer.forward(x, Weights::from(&weights), &mut ctx).unwrap().into_vec().unwrap();
        let mut values: Vec<i64> = out.iter().map(|v| (v * 1e6).round() as i64).collect();
        values.sort_unstable();
        values.dedup();
        values.len()
    }

    #[test]
    fn dropout_draws_a_mask_per_gate_in_training_only() {
        // Keras' ConvLSTM cell drops each gate's input by its own mask (`dropout_mask_count = 4`):
        // c dropped gives 0 whatever i and o, c kept gives 4 values (f meets a zero state).
        assert_eq!(distinct_outputs(ConvLSTM2D::new(1, (1, 1)).dropout(0.5), true), 5);
        assert_eq!(distinct_outputs(ConvLSTM2D::new(1, (1, 1)).dropout(0.5).recurrent_dropout(0.3), false), 1);
        // The state's masks: per gate too, so the second step's gates drop its state apart (a
        // shared mask would leave each sample's state all kept or all dropped: 2 outputs).
        assert!(distinct_outputs_over(ConvLSTM2D::new(1, (1, 1)).recurrent_dropout(0.5), true, 2, 1.0) > 2);
        assert_eq!(distinct_outputs_over(ConvLSTM2D::new(1, (1, 1)).recurrent_dropout(0.5), false, 2, 1.0), 1);
        let err = ConvLSTM2D::new(1, (1, 1)).dropout(1.0).build(&Shape::batched(&[1, 1, 1, 1])).unwrap_err();
        assert!(err.to_string().contains("Received: dropout=1"), "{err}");
    }
}
