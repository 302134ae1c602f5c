//! The Functional `Model`'s training API and summary.

use ndarray::ArrayD;

use crate::error::Result;
use crate::models::functional::Model;
use crate::models::summary::{self, SummaryRow};
use crate::shape::Shape;
use crate::trainers::ModelInputs;
use crate::trainers::fit::{self, Trainable};
use crate::trainers::methods::{trainable_parts, training_methods};
use crate::trainers::{HostData, PredictOptions};

impl Trainable for Model {
    fn model_name(&self) -> &str {
        self.name()
    }
    trainable_parts!();
    fn check_deferred(&self) -> Result<()> {
        Ok(())
    }
    fn build_from_data(&mut self, _dims: &[&[usize]]) -> Result<()> {
        Ok(())
    }
    fn input_specs(&self) -> Result<Vec<(String, Shape)>> {
        Ok(self.inputs.iter().map(|t| (t.name(), t.shape().clone())).collect())
    }
    fn output_specs(&self) -> Result<Vec<(String, Shape)>> {
        Ok(self.outputs.iter().map(|t| (t.name(), t.shape().clone())).collect())
    }
    fn input_owner(&self) -> String {
        self.name().to_string()
    }
}

training_methods!(Model);

impl Model {
    /// The outputs for `x` in inference mode (Keras' `model.predict`): one array per output.
    /// `x`: one array, a list in input order, or a map by input name.
    pub fn predict(&self, x: impl ModelInputs, options: PredictOptions) -> Result<Vec<ArrayD<f32>>> {
        fit::predict(self, x.into_host(), options)
    }

    /// The outputs for one batch (Keras' `predict_on_batch`).
    pub fn predict_on_batch(&self, x: impl ModelInputs) -> Result<Vec<ArrayD<f32>>> {
        let x = x.into_host();
        let n = match &x {
            HostData::List(v) => v.first().map_or(0, |a| a.shape()[0]),
            HostData::Named(v) => v.first().map_or(0, |a| a.1.shape()[0]),
        };
        fit::predict(self, x, PredictOptions::new().batch_size(n.max(1)).verbose(0))
    }

    /// Whether Keras would print this model's summary like a `Sequential` one: a chain of
    /// single-input calls with no shared layer.
    fn sequential_like(&self) -> bool {
        let graph = self.network.graph.as_ref();
        self.calls.iter().all(|c| c.len() == 1)
            && graph.is_some_and(|g| g.nodes.iter().all(|n| n.inputs.len() <= 1))
            && graph.is_some_and(|g| {
                let mut consumers = vec![0usize; g.nodes.len()];
                g.nodes.iter().flat_map(|n| &n.inputs).for_each(|t| consumers[t.node] += 1);
                consumers.iter().all(|&c| c <= 1) && g.inputs.len() == 1 && g.outputs.len() == 1
            })
    }

    /// The summary table as a string (see [`Model::summary`]).
    pub fn summary_string(&self) -> String {
        let four = !self.sequential_like();
        self.summary_with_width(summary::default_line_length_for(if four { 108 } else { 88 }))
    }

    /// The summary table for a given line length.
    pub fn summary_with_width(&self, line_length: usize) -> String {
        let graph = self.network.graph.as_ref();
        let rows: Vec<SummaryRow> = self
            .network
            .layers
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let n: usize =
                    self.network.variables[e.vars.clone()].iter().map(|v| v.shape.iter().product::<usize>()).sum();
                let mut row = SummaryRow::new(e.layer.as_ref(), Some(e.output_shape()), n);
                if e.output_shapes.len() > 1 {
                    let shapes: Vec<String> = e.output_shapes.iter().map(Shape::to_string).collect();
                    row.output_shape = format!("[{}]", shapes.join(", "));
                }
                let mut links = Vec::new();
                for &node in &self.calls[i] {
                    for t in graph.map_or(&[][..], |g| &g.nodes[node].inputs[..]) {
                        let producer = graph.map_or(0, |g| g.nodes[t.node].layer);
                        let call = self.calls[producer].iter().position(|&c| c == t.node).unwrap_or(0);
                        let name = self.network.layers[producer].layer.name().unwrap_or("?");
                        links.push(format!("{name}[{call}][{}]", t.index));
                    }
                }
                row.connected_to = Some(if links.is_empty() { "-".to_string() } else { links.join(", ") });
                row
            })
            .collect();
        let rows = if self.sequential_like() {
            rows.into_iter().map(|r| SummaryRow { connected_to: None, ..r }).collect()
        } else {
            rows
        };
        let optimizer = self.compiled.as_ref().and_then(|c| c.state.param_count());
        summary::render(self.name(), &rows, self.network.count_params(), optimizer, line_length)
    }

    /// Prints Keras 3's summary table; graphs that are not a simple chain get the
    /// `Connected to` column (`layer[call][output]`).
    pub fn summary(&self) {
        print!("{}", self.summary_string());
    }
}
