//! `keras-rs serve`: `.keras` models over HTTP with TensorFlow Serving's REST API
//! (`/v1/models/{name}`, `/metadata`, `:predict` in the row and columnar formats), server-side
//! batching, TF Serving's model folder layout with reload on a new version, and its
//! `tensorflow_model_server` flags.

mod batcher;
mod http;
mod models;
mod tensors;
pub mod text_proto;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use batcher::BatchingOptions;
use clap::Args;
use keras_rs::{Error, Result};
use models::Served;

/// `serve`'s flags: TensorFlow Serving's names and defaults where it has them.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// The REST API port (TF Serving's `--rest_api_port`; 8501 when unset).
    #[arg(long = "rest_api_port", default_value_t = 8501)]
    pub rest_api_port: u16,
    /// The address to listen on (TF Serving listens on every interface).
    #[arg(long = "rest_api_host", default_value = "0.0.0.0")]
    pub rest_api_host: String,
    /// TF Serving's gRPC port: keras-rs serves REST only, so a value here is accepted (scripts
    /// pass it) and a line says gRPC is not served.
    #[arg(long = "port")]
    pub port: Option<u16>,
    /// The name of the one model served (with `--model_base_path`).
    #[arg(long = "model_name", default_value = "default")]
    pub model_name: String,
    /// The folder of the model's versions (`{version}/model.keras`), or one `.keras` file.
    #[arg(long = "model_base_path")]
    pub model_base_path: Option<PathBuf>,
    /// A TF Serving `ModelServerConfig` text file listing several models (instead of
    /// `--model_name`/`--model_base_path`).
    #[arg(long = "model_config_file")]
    pub model_config_file: Option<PathBuf>,
    /// How often (seconds) to look for a new version; 0 looks only at start (TF Serving's
    /// `--file_system_poll_wait_seconds`).
    #[arg(long = "file_system_poll_wait_seconds", default_value_t = 1)]
    pub file_system_poll_wait_seconds: u64,
    /// Merge concurrent requests into one forward pass (TF Serving's `--enable_batching`).
    #[arg(long = "enable_batching", default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub enable_batching: bool,
    /// TF Serving's `BatchingParameters` text file (`max_batch_size`, `batch_timeout_micros`,
    /// `num_batch_threads`, `max_enqueued_batches`).
    #[arg(long = "batching_parameters_file")]
    pub batching_parameters_file: Option<PathBuf>,
    /// The largest request body accepted, in bytes (larger ones get 413).
    #[arg(long = "max_request_bytes", default_value_t = 64 << 20)]
    pub max_request_bytes: usize,
}

fn config_error(message: impl std::fmt::Display) -> Error {
    Error::value(format!("keras-rs serve: {message}"))
}

/// The models to serve: `(name, base path)`.
fn model_list(args: &ServeArgs) -> Result<Vec<(String, PathBuf)>> {
    match (&args.model_config_file, &args.model_base_path) {
        (Some(_), Some(_)) => {
            Err(config_error("give either --model_config_file or --model_name/--model_base_path, not both"))
        }
        (None, None) => Err(config_error("give --model_base_path (with --model_name) or --model_config_file")),
        (None, Some(path)) => Ok(vec![(args.model_name.clone(), path.clone())]),
        (Some(file), None) => {
            let text = std::fs::read_to_string(file).map_err(|e| Error::io(file.display().to_string(), e))?;
            let models =
                text_proto::model_config_list(&text).map_err(|e| config_error(format!("{}: {e}", file.display())))?;
            Ok(models.into_iter().map(|m| (m.name, PathBuf::from(m.base_path))).collect())
        }
    }
}

fn batching(args: &ServeArgs) -> Result<Option<BatchingOptions>> {
    if !args.enable_batching {
        if args.batching_parameters_file.is_some() {
            return Err(config_error("--batching_parameters_file needs --enable_batching"));
        }
        return Ok(None);
    }
    let mut options = BatchingOptions::default();
    if let Some(file) = &args.batching_parameters_file {
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file.display().to_string(), e))?;
        let values =
            text_proto::batching_parameters(&text).map_err(|e| config_error(format!("{}: {e}", file.display())))?;
        for (key, value) in values {
            match key.as_str() {
                "max_batch_size" => options.max_batch_size = value.max(1) as usize,
                "batch_timeout_micros" => options.batch_timeout = Duration::from_micros(value),
                "num_batch_threads" => options.num_batch_threads = value.max(1) as usize,
                "max_enqueued_batches" => options.max_enqueued_batches = value.max(1) as usize,
                "pad_variable_length_inputs" if value == 0 => {}
                other => return Err(config_error(format!("batching parameter `{other}={value}` is not supported"))),
            }
        }
    }
    Ok(Some(options))
}

/// Runs the server until SIGTERM or Ctrl-C; requests in flight finish first.
pub fn run(args: ServeArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the server's runtime", e))?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<()> {
    if let Some(port) = args.port {
        eprintln!("keras-rs serve: --port={port} (gRPC) is not served: keras-rs serves the REST API only");
    }
    let batching = batching(&args)?;
    let mut models = BTreeMap::new();
    for (name, path) in model_list(&args)? {
        let served = Served::load(&name, &path, batching.clone()).map_err(config_error)?;
        models.insert(name, Arc::new(served));
    }
    let models: http::Models = Arc::new(models);
    if args.file_system_poll_wait_seconds > 0 {
        let (models, wait) = (models.clone(), Duration::from_secs(args.file_system_poll_wait_seconds));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(wait).await;
                for served in models.values() {
                    let served = served.clone();
                    let result = tokio::task::spawn_blocking(move || served.reload()).await;
                    if let Ok(Err(e)) = result {
                        eprintln!("keras-rs serve: a new version could not be loaded (the served one stays): {e}");
                    }
                }
            }
        });
    }
    let address = format!("{}:{}", args.rest_api_host, args.rest_api_port);
    let listener =
        tokio::net::TcpListener::bind(&address).await.map_err(|e| Error::io(format!("listening on {address}"), e))?;
    let local = listener.local_addr().map_err(|e| Error::io("the listening address", e))?;
    eprintln!("keras-rs serve: REST API at http://{local}/v1/models/{{name}} ({} model(s))", models.len());
    axum::serve(listener, http::router(models, args.max_request_bytes))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| Error::io("serving", e))?;
    eprintln!("keras-rs serve: stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("keras-rs serve: shutting down; requests in flight finish first");
}
