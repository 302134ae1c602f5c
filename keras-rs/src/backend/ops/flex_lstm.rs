//! burn-flex kernels for the whole-sequence LSTM (see `lstm.rs`).
//!
//! Samples are independent through the recurrence, so the batch is cut into groups (see
//! [`group_size`]) and each group runs its whole sequence on one thread: per step one `h U`
//! matmul and one fused cell pass, with no synchronisation between steps. The groups depend on
//! the batch size only and their shares of `dU` are summed in group order, so the result does
//! not depend on the thread count.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::flex::{tensor, values};
use super::lstm::{LstmKernels, LstmTape};
use crate::backend::gemm::{Mat, matmul};
use crate::backend::simd::{self, vectorized};

/// Samples per group (one task of the compute pool): about an eighth of the batch, at least 32
/// (smaller matmuls waste their packing of `U`), at most 256.
fn group_size(batch: usize) -> usize {
    (batch / 8).clamp(32, 256)
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
        let (x, kernel, h0, c0) = (values(&x_proj), values(&recurrent_kernel), values(&h0), values(&c0));
        let mut out = vec![0.0f32; batch * (steps + 1) * u];
        let mut record = vec![0.0f32; if keep_tape { batch * steps * rec_width } else { 0 }];
        let group_len = group_size(batch);
        // One group of samples through the whole sequence.
        let run = |group: usize, out: &mut [f32], record: &mut [f32]| {
            let (first, n) = (group * group_len, out.len() / ((steps + 1) * u));
            // The state, per sample: h then c.
            let mut state: Vec<f32> =
                (first..first + n).flat_map(|b| [&h0[b * u..][..u], &c0[b * u..][..u]].concat()).collect();
            let mut recurrent = vec![0.0f32; n * width];
            let (mut z, mut tanh_c) = (vec![0.0f32; width], vec![0.0f32; u]);
            for t in 0..steps {
                let h = Mat { data: &state, rows: n, cols: u, row_stride: 2 * u, col_stride: 1 };
                matmul(&mut recurrent, h, Mat::new(&kernel, u, width), false);
                vectorized(
                    #[inline(always)]
                    || {
                        for (i, s) in state.chunks_mut(2 * u).enumerate() {
                            // z = x W + b + h U, then the gates i, f (sigmoid), g (tanh), o (sigmoid).
                            let (xz, hz) =
                                (&x[((first + i) * steps + t) * width..][..width], &recurrent[i * width..][..width]);
                            z.iter_mut().zip(xz.iter().zip(hz)).for_each(|(z, (a, b))| *z = a + b);
                            let (if_gates, rest) = z.split_at_mut(2 * u);
                            if_gates.iter_mut().for_each(|v| *v = simd::sigmoid(*v));
                            let (g_gate, o_gate) = rest.split_at_mut(u);
                            g_gate.iter_mut().for_each(|v| *v = simd::tanh(*v));
                            o_gate.iter_mut().for_each(|v| *v = simd::sigmoid(*v));
                            if !record.is_empty() {
                                let row = &mut record[(i * steps + t) * rec_width..][..rec_width];
                                row[..width].copy_from_slice(&z);
                                row[width..width + u].copy_from_slice(&s[u..]); // c entering the step
                                row[width + 2 * u..].copy_from_slice(&s[..u]); // h entering the step
                            }
                            // Every slice exactly `u` long: no bounds checks, so the loop vectorises.
                            let (hs, cs) = s.split_at_mut(u);
                            let (hs, cs, tc) = (&mut hs[..u], &mut cs[..u], &mut tanh_c[..u]);
                            let o_row = &mut out[(i * (steps + 1) + t) * u..][..u];
                            let (zi, zf, zg, zo) = (&z[..u], &z[u..2 * u], &z[2 * u..3 * u], &z[3 * u..4 * u]);
                            for j in 0..u {
                                let c = zf[j] * cs[j] + zi[j] * zg[j];
                                tc[j] = simd::tanh(c);
                                cs[j] = c;
                                hs[j] = zo[j] * tc[j];
                                o_row[j] = hs[j];
                            }
                            if !record.is_empty() {
                                record[(i * steps + t) * rec_width + width + u..][..u].copy_from_slice(&tanh_c);
                            }
                        }
                    },
                );
            }
            for (i, s) in state.chunks(2 * u).enumerate() {
                out[(i * (steps + 1) + steps) * u..][..u].copy_from_slice(&s[u..]); // c_T
            }
        };
        let outs = out.par_chunks_mut(group_len * (steps + 1) * u);
        if keep_tape {
            outs.zip(record.par_chunks_mut(group_len * steps * rec_width))
                .enumerate()
                .for_each(|(g, (out, record))| run(g, out, record));
        } else {
            outs.enumerate().for_each(|(g, out)| run(g, out, &mut []));
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
        let group_len = group_size(batch);
        // One group of samples back through the sequence: its dx, and its dU, dh0 and dc0.
        let run = |group: usize, dx: &mut [f32]| -> [Vec<f32>; 3] {
            let (first, n) = (group * group_len, dx.len() / (steps * width));
            let record = &record[first * steps * rec_width..][..n * steps * rec_width];
            let mut dh_next = vec![0.0f32; n * u];
            // The gradient reaching c_T is the output's last row.
            let mut dc: Vec<f32> =
                (first..first + n).flat_map(|b| g[(b * (steps + 1) + steps) * u..][..u].to_vec()).collect();
            let mut dz = vec![0.0f32; n * width];
            for t in (0..steps).rev() {
                vectorized(
                    #[inline(always)]
                    || {
                        for (i, (dcb, dzb)) in dc.chunks_mut(u).zip(dz.chunks_mut(width)).enumerate() {
                            let row = &record[(i * steps + t) * rec_width..][..rec_width];
                            let (i_g, f_g, g_g, o_g) =
                                (&row[..u], &row[u..2 * u], &row[2 * u..3 * u], &row[3 * u..4 * u]);
                            let (cp, tc) = (&row[width..width + u], &row[width + u..width + 2 * u]);
                            let (grad_h, dhn) =
                                (&g[((first + i) * (steps + 1) + t) * u..][..u], &dh_next[i * u..][..u]);
                            // Every slice exactly `u` long: no bounds checks, so the loop vectorises.
                            let (dzi, rest) = dzb.split_at_mut(u);
                            let (dzf, rest) = rest.split_at_mut(u);
                            let (dzg, dzo) = rest.split_at_mut(u);
                            let (dzi, dzf, dzg, dzo, dcb) =
                                (&mut dzi[..u], &mut dzf[..u], &mut dzg[..u], &mut dzo[..u], &mut dcb[..u]);
                            for j in 0..u {
                                let dh = grad_h[j] + dhn[j];
                                let dcell = dcb[j] + dh * o_g[j] * (1.0 - tc[j] * tc[j]);
                                dzi[j] = dcell * g_g[j] * i_g[j] * (1.0 - i_g[j]);
                                dzf[j] = dcell * cp[j] * f_g[j] * (1.0 - f_g[j]);
                                dzg[j] = dcell * i_g[j] * (1.0 - g_g[j] * g_g[j]);
                                dzo[j] = dh * tc[j] * o_g[j] * (1.0 - o_g[j]);
                                dcb[j] = dcell * f_g[j];
                            }
                            dx[(i * steps + t) * width..][..width].copy_from_slice(dzb);
                        }
                    },
                );
                matmul(&mut dh_next, Mat::new(&dz, n, width), Mat::new(&kernel, u, width).t(), false);
            }
            // This group's dU = Σ_t h_{t-1}ᵀ dz_t: one matmul over its (sample, step) rows.
            let hidden_prev =
                Mat { data: &record[width + 2 * u..], rows: n * steps, cols: u, row_stride: rec_width, col_stride: 1 };
            let mut du = vec![0.0f32; u * width];
            matmul(&mut du, hidden_prev.t(), Mat::new(dx, n * steps, width), false);
            [du, dh_next, dc]
        };
        let groups: Vec<[Vec<f32>; 3]> =
            dx.par_chunks_mut(group_len * steps * width).enumerate().map(|(k, dx)| run(k, dx)).collect();
        let mut du = vec![0.0f32; u * width];
        let (mut dh0, mut dc0) = (Vec::with_capacity(batch * u), Vec::with_capacity(batch * u));
        for [part, dh, dc] in groups {
            du.iter_mut().zip(part).for_each(|(a, b)| *a += b); // in group order: deterministic
            dh0.extend(dh);
            dc0.extend(dc);
        }
        (
            tensor(dx, &[batch, steps, width]),
            tensor(du, &[u, width]),
            tensor(dh0, &[batch, u]),
            tensor(dc0, &[batch, u]),
        )
    }
}
