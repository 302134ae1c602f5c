//! `keras-rs`: the command line.
//!
//! ```sh
//! keras-rs serve --rest_api_port=8501 --model_name=mnist --model_base_path=/models/mnist
//! keras-rs summary model.keras
//! ```
//!
//! `serve` takes TensorFlow Serving's `tensorflow_model_server` flags, so scripts written for TF
//! Serving start it unchanged (the binary also acts as `serve` when it is called
//! `tensorflow_model_server`, e.g. through a symlink).

mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The keras-rs command line.
#[derive(Parser, Debug)]
#[command(name = "keras-rs", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serves .keras models over HTTP with TensorFlow Serving's REST API.
    Serve(serve::ServeArgs),
    /// Prints a model's summary table (Keras' `model.summary()`).
    Summary {
        /// The `.keras` file.
        model: std::path::PathBuf,
    },
    /// Runs a model on `.npy` inputs and writes `.npy` outputs (Keras' `model.predict`):
    /// `keras-rs predict m.keras in.npy out.npy`; several inputs as `name=file.npy`; several
    /// outputs are written as `out_{name}.npy`.
    Predict {
        /// The `.keras` file.
        model: std::path::PathBuf,
        /// The input files, then the output file.
        #[arg(num_args = 2.., required = true)]
        files: Vec<String>,
    },
    /// Exports a model for another runtime (Keras' `model.export(path, format="onnx")`).
    Export {
        /// The `.keras` file.
        model: std::path::PathBuf,
        /// Where to write the exported model.
        output: std::path::PathBuf,
        /// The format: `onnx`.
        #[arg(long, default_value = "onnx")]
        format: String,
    },
}

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Called as `tensorflow_model_server` (a symlink): the flags are `serve`'s.
    let program = args.first().map(std::path::Path::new).and_then(|p| p.file_stem()).map(|s| s.to_owned());
    if program.is_some_and(|p| p == "tensorflow_model_server") {
        args.insert(1, "serve".into());
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Summary { model } => keras_rs::models::load_model(&model).map(|m| m.summary()),
        Command::Predict { model, files } => predict(&model, &files),
        Command::Export { model, output, format } => {
            use keras_rs::models::KerasModel;
            keras_rs::models::load_model(&model).and_then(|m| m.export(&output, &format))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = e.to_string();
            if message.starts_with("keras-rs") {
                eprintln!("{message}");
            } else {
                eprintln!("keras-rs: {message}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `keras-rs predict`.
fn predict(model: &std::path::Path, files: &[String]) -> keras_rs::Result<()> {
    use keras_rs::models::KerasModel;
    let model = keras_rs::models::load_model(model)?;
    let (output, inputs) = files.split_last().expect("clap requires two files");
    let names: Vec<String> = model.input_signature()?.into_iter().map(|(n, _)| n).collect();
    let mut arrays = Vec::new();
    for (i, spec) in inputs.iter().enumerate() {
        let (name, path) = match spec.split_once('=') {
            Some((name, path)) => (name.to_string(), path),
            None => (names.get(i).cloned().unwrap_or_default(), spec.as_str()),
        };
        if !names.contains(&name) {
            return Err(keras_rs::Error::value(format!(
                "Unknown input '{name}'; the model's inputs are: {}",
                names.join(", ")
            )));
        }
        arrays.push((name, keras_rs::utils::read_npy(path)?));
    }
    let named: Vec<(&str, &ndarray::ArrayD<f32>)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
    let outputs = model.predict(named.as_slice(), keras_rs::trainers::PredictOptions::new().verbose(0))?;
    let output = std::path::Path::new(output);
    let out_names = model.output_signature()?;
    for (array, (name, _)) in outputs.iter().zip(&out_names) {
        let path = if outputs.len() == 1 {
            output.to_path_buf()
        } else {
            let stem = output.file_stem().and_then(|s| s.to_str()).unwrap_or("output");
            output.with_file_name(format!("{stem}_{name}.npy"))
        };
        keras_rs::utils::write_npy(&path, array)?;
        println!("{} {:?} -> {}", name, array.shape(), path.display());
    }
    Ok(())
}
