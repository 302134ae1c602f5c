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
        Command::Export { model, output, format } => {
            use keras_rs::models::KerasModel;
            keras_rs::models::load_model(&model).and_then(|m| m.export(&output, &format))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keras-rs: {e}");
            ExitCode::FAILURE
        }
    }
}
