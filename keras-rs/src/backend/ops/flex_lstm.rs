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
use super::lstm::{LstmGrads, LstmKernels, LstmTape};
use crate::backend::gemm::{Mat, matmul};
use crate::backend::simd::{self, vectorized};

/// Samples per group (one task of the compute pool): about an eighth of the batch, at least 32
/// (smaller matmuls waste their packing of `U`), at most 256.
fn group_size(batch: usize) -> usize {
    (batch / 8).clamp(32, 256)
}

impl LstmKernels for Flex {
    fn lstm_forward(
        x: FlexTensor,
        kernel: FlexTensor,
        bias: FlexTensor,
        recurrent_kernel: FlexTensor,
        h0: FlexTensor,
        c0: FlexTensor,
        keep_tape: bool,
    ) -> (FlexTensor, Option<LstmTape<Flex>>) {
        let [batch, steps, features] = x.layout().shape().dims::<3>();
        let [u, width] = recurrent_kernel.layout().shape().dims::<2>();
        let rec_width = width + 3 * u;
        let (xs, w, b) = (values(&x), values(&kernel), values(&bias));
        let (rk, h0, c0) = (values(&recurrent_kernel), values(&h0), values(&c0));
        let mut out = vec![0.0f32; batch * (steps + 1) * u];
        let (h_out, c_out) = out.split_at_mut(batch * steps * u);
        let mut record = vec![0.0f32; if keep_tape { batch * steps * rec_width } else { 0 }];
        let group_len = group_size(batch);
        // One group of samples through the whole sequence.
        let run = |group: usize, h_out: &mut [f32], c_out: &mut [f32], record: &mut [f32]| {
            let (first, n) = (group * group_len, c_out.len() / u);
            // The state, per sample: h then c.
            let mut state: Vec<f32> =
                (first..first + n).flat_map(|s| [&h0[s * u..][..u], &c0[s * u..][..u]].concat()).collect();
            let (mut z, mut tanh_c) = (vec![0.0f32; n * width], vec![0.0f32; u]);
            for t in 0..steps {
                // z = x_t W + h U: the group's rows of step t are `steps · features` apart.
                let x_t = Mat {
                    data: &xs[(first * steps + t) * features..],
                    rows: n,
                    cols: features,
                    row_stride: steps * features,
                    col_stride: 1,
                };
                matmul(&mut z, x_t, Mat::new(&w, features, width), false);
                let h = Mat { data: &state, rows: n, cols: u, row_stride: 2 * u, col_stride: 1 };
                matmul(&mut z, h, Mat::new(&rk, u, width), true);
                vectorized(
                    #[inline(always)]
                    || {
                        for (i, (s, z)) in state.chunks_mut(2 * u).zip(z.chunks_mut(width)).enumerate() {
                            // Plus the bias, then the gates i, f (sigmoid), g (tanh), o (sigmoid).
                            let z = &mut z[..width];
                            z.iter_mut().zip(b.iter()).for_each(|(z, b)| *z += b);
                            let (if_gates, rest) = z.split_at_mut(2 * u);
                            if_gates.iter_mut().for_each(|v| *v = simd::sigmoid(*v));
                            let (g_gate, o_gate) = rest.split_at_mut(u);
                            g_gate.iter_mut().for_each(|v| *v = simd::tanh(*v));
                            o_gate.iter_mut().for_each(|v| *v = simd::sigmoid(*v));
                            if !record.is_empty() {
                                let row = &mut record[(i * steps + t) * rec_width..][..rec_width];
                                row[..width].copy_from_slice(z);
                                row[width..width + u].copy_from_slice(&s[u..]); // c entering the step
                                row[width + 2 * u..].copy_from_slice(&s[..u]); // h entering the step
                            }
                            // Every slice exactly `u` long: no bounds checks, so the loop vectorises.
                            let (hs, cs) = s.split_at_mut(u);
                            let (hs, cs, tc) = (&mut hs[..u], &mut cs[..u], &mut tanh_c[..u]);
                            let h_row = &mut h_out[(i * steps + t) * u..][..u];
                            let (zi, zf, zg, zo) = (&z[..u], &z[u..2 * u], &z[2 * u..3 * u], &z[3 * u..4 * u]);
                            for j in 0..u {
                                let c = zf[j] * cs[j] + zi[j] * zg[j];
                                tc[j] = simd::tanh(c);
                                cs[j] = c;
                                hs[j] = zo[j] * tc[j];
                                h_row[j] = hs[j];
                            }
                            if !record.is_empty() {
                                record[(i * steps + t) * rec_width + width + u..][..u].copy_from_slice(&tanh_c);
                            }
                        }
                    },
                );
            }
            for (s, c) in state.chunks(2 * u).zip(c_out.chunks_mut(u)) {
                c.copy_from_slice(&s[u..]); // c_T
            }
        };
        let outs = h_out.par_chunks_mut(group_len * steps * u).zip(c_out.par_chunks_mut(group_len * u));
        if keep_tape {
            outs.zip(record.par_chunks_mut(group_len * steps * rec_width))
                .enumerate()
                .for_each(|(g, ((h, c), record))| run(g, h, c, record));
        } else {
            outs.enumerate().for_each(|(g, (h, c))| run(g, h, c, &mut []));
        }
        let tape = keep_tape.then(|| LstmTape {
            record: tensor(record, &[batch, steps, rec_width]),
            x: x.clone(),
            kernel: kernel.clone(),
            recurrent_kernel: recurrent_kernel.clone(),
        });
        (tensor(out, &[batch * (steps + 1) * u]), tape)
    }

    fn lstm_backward(tape: LstmTape<Flex>, grad: FlexTensor) -> LstmGrads<Flex> {
        let [batch, steps, rec_width] = tape.record.layout().shape().dims::<3>();
        let features = tape.x.layout().shape().dims::<3>()[2];
        let u = rec_width / 7;
        let width = 4 * u;
        let (record, g) = (values(&tape.record), values(&grad));
        let (xs, w, rk) = (values(&tape.x), values(&tape.kernel), values(&tape.recurrent_kernel));
        let (grad_h, grad_c) = g.split_at(batch * steps * u);
        let group_len = group_size(batch);
        // One group of samples back through the sequence: its shares of every gradient.
        let run = |group: usize| -> [Vec<f32>; 6] {
            let first = group * group_len;
            let n = group_len.min(batch - first);
            let record = &record[first * steps * rec_width..][..n * steps * rec_width];
            let mut dh_next = vec![0.0f32; n * u];
            // The gradient reaching c_T is the output's last part.
            let mut dc = grad_c[first * u..][..n * u].to_vec();
            // dz per (sample, step) row, the gradient of x_t W + h U + b.
            let mut dzs = vec![0.0f32; n * steps * width];
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
                            let (gh, dhn) = (&grad_h[((first + i) * steps + t) * u..][..u], &dh_next[i * u..][..u]);
                            // Every slice exactly `u` long: no bounds checks, so the loop vectorises.
                            let (dzi, rest) = dzb.split_at_mut(u);
                            let (dzf, rest) = rest.split_at_mut(u);
                            let (dzg, dzo) = rest.split_at_mut(u);
                            let (dzi, dzf, dzg, dzo, dcb) =
                                (&mut dzi[..u], &mut dzf[..u], &mut dzg[..u], &mut dzo[..u], &mut dcb[..u]);
                            for j in 0..u {
                                let dh = gh[j] + dhn[j];
                                let dcell = dcb[j] + dh * o_g[j] * (1.0 - tc[j] * tc[j]);
                                dzi[j] = dcell * g_g[j] * i_g[j] * (1.0 - i_g[j]);
                                dzf[j] = dcell * cp[j] * f_g[j] * (1.0 - f_g[j]);
                                dzg[j] = dcell * i_g[j] * (1.0 - g_g[j] * g_g[j]);
                                dzo[j] = dh * tc[j] * o_g[j] * (1.0 - o_g[j]);
                                dcb[j] = dcell * f_g[j];
                            }
                            dzs[(i * steps + t) * width..][..width].copy_from_slice(dzb);
                        }
                    },
                );
                matmul(&mut dh_next, Mat::new(&dz, n, width), Mat::new(&rk, u, width).t(), false);
            }
            // Over the group's (sample, step) rows, one matmul each: dU = Σ h_{t-1}ᵀ dz_t,
            // dW = Σ x_tᵀ dz_t, dx = dz Wᵀ; and db = Σ dz.
            let dz_all = Mat::new(&dzs, n * steps, width);
            let hidden_prev =
                Mat { data: &record[width + 2 * u..], rows: n * steps, cols: u, row_stride: rec_width, col_stride: 1 };
            let mut du = vec![0.0f32; u * width];
            matmul(&mut du, hidden_prev.t(), dz_all, false);
            let x_rows = Mat::new(&xs[first * steps * features..][..n * steps * features], n * steps, features);
            let mut dw = vec![0.0f32; features * width];
            matmul(&mut dw, x_rows.t(), dz_all, false);
            let mut dx = vec![0.0f32; n * steps * features];
            matmul(&mut dx, dz_all, Mat::new(&w, features, width).t(), false);
            let mut db = vec![0.0f32; width];
            for row in dzs.chunks(width) {
                db.iter_mut().zip(row).for_each(|(a, b)| *a += b);
            }
            [dx, dw, db, du, dh_next, dc]
        };
        let groups: Vec<[Vec<f32>; 6]> = (0..batch.div_ceil(group_len)).into_par_iter().map(run).collect();
        let (mut dx, mut dh0, mut dc0) = (Vec::new(), Vec::new(), Vec::new());
        let (mut dw, mut db, mut du) = (vec![0.0f32; features * width], vec![0.0f32; width], vec![0.0f32; u * width]);
        for [x_part, w_part, b_part, u_part, dh, dc] in groups {
            // The shares are added in group order: the sums do not depend on the thread count.
            for (sum, part) in [(&mut dw, w_part), (&mut db, b_part), (&mut du, u_part)] {
                sum.iter_mut().zip(part).for_each(|(a, b)| *a += b);
            }
            dx.extend(x_part);
            dh0.extend(dh);
            dc0.extend(dc);
        }
        LstmGrads {
            x: tensor(dx, &[batch, steps, features]),
            kernel: tensor(dw, &[features, width]),
            bias: tensor(db, &[width]),
            recurrent_kernel: tensor(du, &[u, width]),
            h0: tensor(dh0, &[batch, u]),
            c0: tensor(dc0, &[batch, u]),
        }
    }
}
