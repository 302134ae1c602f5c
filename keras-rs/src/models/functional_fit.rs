//! The Functional `Model`'s training API and summary.

use ndarray::ArrayD;

use crate::error::Result;
use crate::models::functional::Model;
use crate::models::graph::Graph;
use crate::models::summary::{self, SummaryRow};
use crate::shape::Shape;
use crate::trainers::ModelInputs;
use crate::trainers::PredictOptions;
use crate::trainers::fit::{self, Trainable};
use crate::trainers::methods::trainable_parts;
use crate::trainers::strings::StringInput;

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
    fn string_inputs(&self) -> Vec<StringInput<'_>> {
        let Some(graph) = &self.network.graph else { return Vec::new() };
        let mut found = Vec::new();
        for (index, (t, &node)) in self.inputs.iter().zip(&graph.inputs).enumerate() {
            if t.dtype() != "string" {
                continue;
            }
            // `Model::new` made sure that one layer takes it.
            let consumer = graph.nodes.iter().find(|n| n.inputs.iter().any(|r| r.node == node));
            if let Some(consumer) = consumer {
                let layer = self.network.layers[consumer.layer].layer.as_ref();
                found.push(StringInput { index, shape: t.shape().clone(), layer });
            }
        }
        found
    }
    fn output_specs(&self) -> Result<Vec<(String, Shape)>> {
        Ok(self.outputs.iter().map(|t| (t.name(), t.shape().clone())).collect())
    }
    fn input_owner(&self) -> String {
        self.name().to_string()
    }
}

impl Model {
    /// The outputs for `x` in inference mode (Keras' `model.predict`): one array per output.
    /// `x`: one array, a list in input order, or a map by input name.
    pub fn predict(&self, x: impl ModelInputs, options: PredictOptions) -> Result<Vec<ArrayD<f32>>> {
        fit::predict(self, x.into_host(), options)
    }

    /// The outputs for the inputs of every batch of a [`PyDataset`](crate::utils::PyDataset),
    /// in order, one array per output (Keras' `model.predict(dataset)`).
    pub fn predict_dataset(
        &mut self,
        dataset: &mut dyn crate::utils::PyDataset,
        options: PredictOptions,
    ) -> Result<Vec<ArrayD<f32>>> {
        fit::predict_dataset(self, dataset, options)
    }

    /// The outputs for one batch (Keras' `predict_on_batch`).
    pub fn predict_on_batch(&self, x: impl ModelInputs) -> Result<Vec<ArrayD<f32>>> {
        fit::predict_on_batch(self, x.into_host())
    }

    /// The layer-call graph (every Functional model has one).
    fn graph(&self) -> &Graph {
        self.network.graph.as_ref().expect("Model::new always sets the graph")
    }

    /// Whether Keras would print this model's summary like a `Sequential` one: a chain of
    /// single-input calls with no shared layer.
    fn sequential_like(&self) -> bool {
        let g = self.graph();
        let mut consumers = vec![0usize; g.nodes.len()];
        g.nodes.iter().flat_map(|n| &n.inputs).for_each(|t| consumers[t.node] += 1);
        self.calls.iter().all(|c| c.len() == 1)
            && g.nodes.iter().all(|n| n.inputs.len() <= 1)
            && consumers.iter().all(|&c| c <= 1)
            && g.inputs.len() == 1
            && g.outputs.len() == 1
    }

    /// The summary table as a string (see [`Model::summary`]).
    pub fn summary_string(&self) -> String {
        let four = !self.sequential_like();
        self.summary_with_width(summary::default_line_length_for(if four { 108 } else { 88 }))
    }

    /// Keras' `Connected to` cell of layer `i`: `producer[call][output]` for every tensor each
    /// of its calls takes, `-` for inputs.
    fn connected_to(&self, i: usize) -> String {
        let g = self.graph();
        let links: Vec<String> = self.calls[i]
            .iter()
            .flat_map(|&node| &g.nodes[node].inputs)
            .map(|t| {
                let producer = g.nodes[t.node].layer;
                let call = self.calls[producer].iter().position(|&c| c == t.node).unwrap_or(0);
                format!("{}[{call}][{}]", self.network.layers[producer].layer.name().unwrap_or("?"), t.index)
            })
            .collect();
        if links.is_empty() { "-".to_string() } else { links.join(", ") }
    }

    /// The summary table for a given line length.
    pub fn summary_with_width(&self, line_length: usize) -> String {
        let four = !self.sequential_like();
        let rows: Vec<SummaryRow> = (self.network.layers.iter().enumerate())
            .map(|(i, e)| SummaryRow {
                connected_to: four.then(|| self.connected_to(i)),
                ..SummaryRow::for_entry(&self.network, e)
            })
            .collect();
        let optimizer = self.compiled.as_ref().and_then(|c| c.state.param_count());
        summary::render(self.name(), &rows, self.network.count_params(), optimizer, line_length)
    }

    /// Prints Keras 3's summary table; graphs that are not a simple chain get the
    /// `Connected to` column (`layer[call][output]`).
    pub fn summary(&self) {
        out!("{}", self.summary_string());
    }
}
