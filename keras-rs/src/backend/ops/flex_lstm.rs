//! burn-flex kernels for the whole-sequence LSTM (see `lstm.rs`): per step one recurrent
//! matmul on the compute pool and one fused cell pass, split over groups of samples.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::flex::{tensor, values};
use super::lstm::{LstmKernels, LstmTape};
use crate::backend::gemm::{Mat, matmul_parallel};
use crate::backend::simd::{self, vectorized};

/// Samples per parallel task of a cell pass: about four tasks per thread, at least 8 samples.
fn samples_per_task(batch: usize) -> usize {
    batch.div_ceil(4 * rayon::current_num_threads()).max(8)
}

impl LstmKernels for Flex {
    fn lstm_forward(
        x_proj: FlexTensor,
        recurrent_kernel: FlexTensor,
        h0: FlexTensor,
        c0: FlexTensor,
        keep_tape: bool,
    ) -> (FlexTensor, Option<LstmTape<Flex>>) {
        let [batch, steps, width] = x_proj.layout().shape().dims::<3>();
        let u = width / 4;
        let rec_width = width + 3 * u;
        let (x, kernel) = (values(&x_proj), values(&recurrent_kernel));
        // The state, per sample: h then c.
        let (h0, c0) = (values(&h0), values(&c0));
        let mut state: Vec<f32> = (0..batch).flat_map(|b| [&h0[b * u..][..u], &c0[b * u..][..u]].concat()).collect();
        let mut out = vec![0.0f32; batch * (steps + 1) * u];
        let mut record = vec![0.0f32; if keep_tape { batch * steps * rec_width } else { 0 }];
        let mut recurrent = vec![0.0f32; batch * width];
        let group = samples_per_task(batch);
        for t in 0..steps {
            let h = Mat { data: &state, rows: batch, cols: u, row_stride: 2 * u, col_stride: 1 };
            matmul_parallel(&mut recurrent, h, Mat::new(&kernel, u, width), false);
            let (x, recurrent) = (&x, &recurrent);
            // One group of samples: z = x W + b + h U, the gates, the new c and h.
            let cell = |g: usize, state: &mut [f32], out: &mut [f32], record: &mut [f32]| {
                vectorized(
                    #[inline(always)]
                    || {
                        let (mut z, mut tanh_c) = (vec![0.0f32; width], vec![0.0f32; u]);
                        for (i, s) in state.chunks_mut(2 * u).enumerate() {
                            let b = g * group + i;
                            let (xz, hz) = (&x[(b * steps + t) * width..][..width], &recurrent[b * width..][..width]);
                            z.iter_mut().zip(xz.iter().zip(hz)).for_each(|(z, (a, c))| *z = a + c);
                            let (if_gates, go) = z.split_at_mut(2 * u);
                            if_gates.iter_mut().for_each(|v| *v = simd::sigmoid(*v));
                            let (gc, o) = go.split_at_mut(u);
                            gc.iter_mut().for_each(|v| *v = simd::tanh(*v));
                            o.iter_mut().for_each(|v| *v = simd::sigmoid(*v));
                            let row =
                                (!record.is_empty()).then(|| &mut record[(i * steps + t) * rec_width..][..rec_width]);
                            if let Some(row) = row {
                                row[..width].copy_from_slice(&z);
                                row[width..width + u].copy_from_slice(&s[u..]); // c entering the step
                                row[width + 2 * u..].copy_from_slice(&s[..u]); // h entering the step
                            }
                            let (hs, cs) = s.split_at_mut(u);
                            let o_row = &mut out[(i * (steps + 1) + t) * u..][..u];
                            for j in 0..u {
                                let c = z[u + j] * cs[j] + z[j] * z[2 * u + j];
                                tanh_c[j] = simd::tanh(c);
                                cs[j] = c;
                                hs[j] = z[3 * u + j] * tanh_c[j];
                                o_row[j] = hs[j];
                            }
                            if !record.is_empty() {
                                record[(i * steps + t) * rec_width + width + u..][..u].copy_from_slice(&tanh_c);
                            }
                        }
                    },
                )
            };
            let chunks = state.par_chunks_mut(group * 2 * u).zip(out.par_chunks_mut(group * (steps + 1) * u));
            if keep_tape {
                chunks
                    .zip(record.par_chunks_mut(group * steps * rec_width))
                    .enumerate()
                    .for_each(|(g, ((s, o), r))| cell(g, s, o, r));
            } else {
                chunks.enumerate().for_each(|(g, (s, o))| cell(g, s, o, &mut []));
            }
        }
        for b in 0..batch {
            out[(b * (steps + 1) + steps) * u..][..u].copy_from_slice(&state[b * 2 * u + u..][..u]);
        }
        let tape = keep_tape.then(|| LstmTape {
            record: tensor(record, &[batch, steps, rec_width]),
            recurrent_kernel: recurrent_kernel.clone(),
        });
        (tensor(out, &[batch, steps + 1, u]), tape)
    }

    fn lstm_backward(tape: LstmTape<Flex>, grad: FlexTensor) -> (FlexTensor, FlexTensor, FlexTensor, FlexTensor) {
        let [batch, steps, rec_width] = tape.record.layout().shape().dims::<3>();
        let u = rec_width / 7;
        let width = 4 * u;
        let (record, kernel, g) = (values(&tape.record), values(&tape.recurrent_kernel), values(&grad));
        let mut dx = vec![0.0f32; batch * steps * width];
        let mut dh_next = vec![0.0f32; batch * u];
        // The gradient reaching c_T is the output's last row.
        let mut dc: Vec<f32> = (0..batch).flat_map(|b| g[(b * (steps + 1) + steps) * u..][..u].to_vec()).collect();
        let mut dz = vec![0.0f32; batch * width];
        let group = samples_per_task(batch);
        for t in (0..steps).rev() {
            let (record, g, dh_prev) = (&record, &g, &dh_next);
            dc.par_chunks_mut(group * u)
                .zip(dz.par_chunks_mut(group * width))
                .zip(dx.par_chunks_mut(group * steps * width))
                .enumerate()
                .for_each(|(k, ((dc, dz), dx))| {
                    vectorized(
                        #[inline(always)]
                        || {
                            for (i, (dcb, dzb)) in dc.chunks_mut(u).zip(dz.chunks_mut(width)).enumerate() {
                                let b = k * group + i;
                                let row = &record[(b * steps + t) * rec_width..][..rec_width];
                                let (i_g, f_g, g_g, o_g) =
                                    (&row[..u], &row[u..2 * u], &row[2 * u..3 * u], &row[3 * u..width]);
                                let (cp, tc) = (&row[width..width + u], &row[width + u..width + 2 * u]);
                                let (grad_h, dhn) = (&g[(b * (steps + 1) + t) * u..][..u], &dh_prev[b * u..][..u]);
                                for j in 0..u {
                                    let dh = grad_h[j] + dhn[j];
                                    let dcell = dcb[j] + dh * o_g[j] * (1.0 - tc[j] * tc[j]);
                                    dzb[j] = dcell * g_g[j] * i_g[j] * (1.0 - i_g[j]);
                                    dzb[u + j] = dcell * cp[j] * f_g[j] * (1.0 - f_g[j]);
                                    dzb[2 * u + j] = dcell * i_g[j] * (1.0 - g_g[j] * g_g[j]);
                                    dzb[3 * u + j] = dh * tc[j] * o_g[j] * (1.0 - o_g[j]);
                                    dcb[j] = dcell * f_g[j];
                                }
                                dx[(i * steps + t) * width..][..width].copy_from_slice(dzb);
                            }
                        },
                    )
                });
            matmul_parallel(&mut dh_next, Mat::new(&dz, batch, width), Mat::new(&kernel, u, width).t(), false);
        }
        // dU = Σ_t h_{t-1}ᵀ dz_t: one matmul over every (sample, step) row of the record.
        let hidden_prev =
            Mat { data: &record[width + 2 * u..], rows: batch * steps, cols: u, row_stride: rec_width, col_stride: 1 };
        let mut du = vec![0.0f32; u * width];
        matmul_parallel(&mut du, hidden_prev.t(), Mat::new(&dx, batch * steps, width), false);
        (
            tensor(dx, &[batch, steps, width]),
            tensor(du, &[u, width]),
            tensor(dh_next, &[batch, u]),
            tensor(dc, &[batch, u]),
        )
    }
}
