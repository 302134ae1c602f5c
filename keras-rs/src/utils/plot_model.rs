//! `plot_model`: a model's graph as Graphviz DOT, and as SVG/PNG where Graphviz is installed.

use std::path::Path;

use crate::error::{Error, Result};
use crate::models::{Model, Network, Sequential};
use crate::shape::Shape;

/// What `plot_model` draws: a `Sequential` or a Functional `Model`.
pub trait Plottable {
    /// The model's name.
    fn plot_name(&self) -> &str;
    /// The built network.
    fn plot_network(&self) -> &Network;
}

impl Plottable for Sequential {
    fn plot_name(&self) -> &str {
        self.name()
    }
    fn plot_network(&self) -> &Network {
        &self.network
    }
}

impl Plottable for Model {
    fn plot_name(&self) -> &str {
        self.name()
    }
    fn plot_network(&self) -> &Network {
        &self.network
    }
}

fn shapes(list: &[Shape]) -> String {
    let parts: Vec<String> = list.iter().map(Shape::to_string).collect();
    if parts.len() == 1 { parts[0].clone() } else { format!("[{}]", parts.join(", ")) }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The model's graph in Graphviz DOT: one box per layer with its name, class, input and
/// output shapes (Keras' `show_shapes=True`), and an edge per connection.
///
/// ```
/// use keras_rs::prelude::*;
/// let (a, b) = (Input::new(&[4]).name("a"), Input::new(&[4]).name("b"));
/// let model = Model::new(&[&a, &b], &Add::new().call(&[&a, &b]).unwrap()).unwrap();
/// let dot = keras_rs::utils::model_to_dot(&model);
/// assert!(dot.contains("\"a\" -> \"add\"") && dot.contains("Add"));
/// ```
pub fn model_to_dot(model: &impl Plottable) -> String {
    let network = model.plot_network();
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=plaintext, fontname=\"Helvetica\"];\n",
        escape(model.plot_name())
    );
    for e in &network.layers {
        let name = escape(e.layer.name().unwrap_or("?"));
        let input =
            if e.layer.declared_input_shape().is_some() { "-".to_string() } else { escape(&shapes(&e.input_shapes)) };
        out += &format!(
            "  \"{name}\" [label=<<table border=\"1\" cellborder=\"0\" cellspacing=\"2\">\
             <tr><td colspan=\"2\"><b>{name}</b> ({})</td></tr>\
             <tr><td>Input shape: {input}</td><td>Output shape: {}</td></tr></table>>];\n",
            e.layer.class_name(),
            escape(&shapes(&e.output_shapes))
        );
    }
    let label = |i: usize| escape(network.layers[i].layer.name().unwrap_or("?"));
    match &network.graph {
        Some(graph) => {
            for node in &graph.nodes {
                for t in &node.inputs {
                    out += &format!("  \"{}\" -> \"{}\";\n", label(graph.nodes[t.node].layer), label(node.layer));
                }
            }
        }
        None => {
            for i in 1..network.layers.len() {
                out += &format!("  \"{}\" -> \"{}\";\n", label(i - 1), label(i));
            }
        }
    }
    out + "}\n"
}

/// Keras' `keras.utils.plot_model(model, to_file, show_shapes=True, show_layer_names=True)`.
/// `path` ending in `.dot` gets the DOT text; `.svg`, `.png` or `.pdf` are rendered by
/// Graphviz' `dot` program, which must be installed (Debian: `apt install graphviz`). Written
/// through a temporary file, so a failure leaves an existing file untouched.
pub fn plot_model(model: &impl Plottable, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let dot = model_to_dot(model);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let io = |context: String| move |source| Error::Io { context, source };
    crate::saving::write_atomic_with(path, |tmp| {
        match ext.as_str() {
            "dot" | "gv" => std::fs::write(tmp, &dot).map_err(io(format!("writing {}", tmp.display())))?,
            "svg" | "png" | "pdf" => {
                let mut child = std::process::Command::new("dot")
                    .arg(format!("-T{ext}"))
                    .arg("-o")
                    .arg(tmp)
                    .stdin(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|e| {
                        Error::Value(format!(
                            "plot_model needs Graphviz' `dot` program to write {} ({e}); install graphviz, or give \
                             a path ending in .dot to get the graph as text.",
                            path.display()
                        ))
                    })?;
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .map(|mut s| s.write_all(dot.as_bytes()))
                    .transpose()
                    .map_err(io("piping to dot".into()))?;
                let status = child.wait().map_err(io("running dot".into()))?;
                if !status.success() {
                    return Err(Error::Value(format!("Graphviz' `dot` failed ({status}) writing {}", path.display())));
                }
            }
            other => {
                return Err(Error::Value(format!(
                    "plot_model writes .dot, .svg, .png or .pdf files; received a path with extension '{other}': {}",
                    path.display()
                )));
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn writes_dot_for_sequential_and_functional_models() {
        let seq = Sequential::new().add(Input::new(&[3])).add(Dense::new(2)).add(Dense::new(1));
        let dot = model_to_dot(&seq);
        assert!(dot.contains("\"dense\" -> \"dense_1\""), "{dot}");
        assert!(dot.contains("Output shape: (None, 2)"), "{dot}");
        let dir = std::env::temp_dir().join(format!("keras_rs_plot_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.dot");
        plot_model(&seq, &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), dot);
        assert!(plot_model(&seq, dir.join("model.txt")).unwrap_err().to_string().contains("extension 'txt'"));
        // SVG through Graphviz where `dot` is installed; otherwise the error says what to install
        // and no file is left behind.
        let (a, b) = (Input::new(&[2]).name("a"), Input::new(&[2]).name("b"));
        let model = Model::new(&[&a, &b], &Add::new().call(&[&a, &b]).unwrap()).unwrap();
        let svg = dir.join("model.svg");
        match plot_model(&model, &svg) {
            Ok(()) => assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"), "not an SVG"),
            Err(e) => {
                assert!(e.to_string().contains("needs Graphviz"), "{e}");
                assert!(!svg.exists());
                eprintln!("SVG check skipped: {e}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
