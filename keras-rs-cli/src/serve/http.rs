//! TF Serving's REST API over the served models: status, metadata and predict, with its error
//! body (`{"error": "..."}`) and status codes.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::models::{Served, Version};
use super::tensors::{parse_request, response};

/// The models by name.
pub type Models = Arc<BTreeMap<String, Arc<Served>>>;

/// What the handlers share: the models and the request size limit.
#[derive(Clone)]
pub struct AppState {
    models: Models,
    max_body_bytes: usize,
}

/// An error answer: TF Serving's status code and `{"error": message}`.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

/// The routes: `/v1/models/{name}[/versions/{v}][/metadata | :predict]`.
pub fn router(models: Models, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/v1/models/{*rest}", get(get_model).post(post_model))
        .fallback(|| async {
            ApiError(
                StatusCode::NOT_FOUND,
                "Malformed request: the API is /v1/models/{name}[/versions/{version}][/metadata|:predict]".into(),
            )
        })
        // The limit is checked while reading (`read_body`), which also drains what is over it.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(AppState { models, max_body_bytes })
}

/// The request body, at most `limit` bytes. A larger one is read on (and dropped) up to a
/// bound before the 413 answer, so that a client still sending its body reads the answer
/// instead of a reset connection.
async fn read_body(mut body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    use http_body_util::BodyExt;
    let drain_cap = limit.saturating_mul(4).max(64 << 20);
    let (mut data, mut total) = (Vec::new(), 0usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| bad_request(format!("The request body could not be read: {e}")))?;
        let Ok(chunk) = frame.into_data() else { continue };
        total += chunk.len();
        if total <= limit {
            data.extend_from_slice(&chunk);
        } else if total > drain_cap {
            break;
        }
    }
    if total > limit {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body ({total} bytes or more) is over the limit of {limit} bytes (--max_request_bytes)"
            ),
        ));
    }
    Ok(data)
}

/// What a path after `/v1/models/` asks for.
struct Target<'a> {
    name: &'a str,
    version: Option<u64>,
    /// `""`, `"metadata"` (GET) or the method after `:` (POST).
    action: &'a str,
}

fn target(rest: &str) -> Result<Target<'_>, ApiError> {
    let malformed = || bad_request(format!("Malformed request: /v1/models/{rest}"));
    let (path, method) = match rest.rsplit_once(':') {
        Some((path, method)) => (path, Some(method)),
        None => (rest, None),
    };
    let parts: Vec<&str> = path.split('/').collect();
    let (name, version, tail) = match parts.as_slice() {
        [name] => (*name, None, ""),
        [name, "metadata"] => (*name, None, "metadata"),
        [name, "versions", v] => (*name, Some(*v), ""),
        [name, "versions", v, "metadata"] => (*name, Some(*v), "metadata"),
        _ => return Err(malformed()),
    };
    if name.is_empty() {
        return Err(malformed());
    }
    let version = version.map(|v| v.parse::<u64>().map_err(|_| malformed())).transpose()?;
    let action = match (method, tail) {
        (Some(method), "") => method,
        (None, tail) => tail,
        _ => return Err(malformed()),
    };
    Ok(Target { name, version, action })
}

fn version(models: &Models, name: &str, version: Option<u64>) -> Result<Arc<Version>, ApiError> {
    let not_found = || {
        let request = match version {
            Some(v) => format!("Specific({name}, {v})"),
            None => format!("Latest({name})"),
        };
        ApiError(StatusCode::NOT_FOUND, format!("Servable not found for request: {request}"))
    };
    let current = models.get(name).and_then(|m| m.current()).ok_or_else(not_found)?;
    match version {
        Some(v) if v != current.number => Err(not_found()),
        _ => Ok(current),
    }
}

async fn get_model(State(state): State<AppState>, Path(rest): Path<String>) -> Result<Json<Value>, ApiError> {
    let t = target(&rest)?;
    let v = version(&state.models, t.name, t.version)?;
    match t.action {
        "" => Ok(Json(json!({"model_version_status": [{
            "version": v.number.to_string(),
            "state": "AVAILABLE",
            "status": {"error_code": "OK", "error_message": ""},
        }]}))),
        "metadata" => Ok(Json(metadata(t.name, &v))),
        _ => Err(bad_request(format!("Malformed request: GET /v1/models/{rest}"))),
    }
}

/// TF Serving's `GetModelMetadata` answer: the `serving_default` signature, float32 tensors,
/// `-1` for any size.
fn metadata(name: &str, v: &Version) -> Value {
    let strings = keras_rs::models::KerasModel::string_input_flags(&*v.model);
    let tensors = |specs: &[(String, keras_rs::Shape)], prefix: &str, strings: &[bool]| -> Value {
        specs
            .iter()
            .enumerate()
            .map(|(i, (n, shape))| {
                let dims: Vec<Value> = shape
                    .0
                    .iter()
                    .map(|d| json!({"size": d.map_or(-1, |d| d as i64).to_string(), "name": ""}))
                    .collect();
                let dtype = if strings.get(i) == Some(&true) { "DT_STRING" } else { "DT_FLOAT" };
                let tensor = json!({"dtype": dtype, "tensor_shape": {"dim": dims, "unknown_rank": false}, "name": format!("{prefix}{n}:0")});
                (n.clone(), tensor)
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    json!({
        "model_spec": {"name": name, "signature_name": "", "version": v.number.to_string()},
        "metadata": {"signature_def": {"signature_def": {"serving_default": {
            "inputs": tensors(&v.inputs, "serving_default_", &strings),
            "outputs": tensors(&v.outputs, "StatefulPartitionedCall:", &[]),
            "method_name": "tensorflow/serving/predict",
        }}}},
    })
}

async fn post_model(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let body = read_body(body, state.max_body_bytes).await?;
    let t = target(&rest)?;
    let v = version(&state.models, t.name, t.version)?;
    if t.action != "predict" {
        return Err(bad_request(format!(
            "keras-rs serve answers :predict; '{}' (classify/regress) is not implemented",
            t.action
        )));
    }
    let body: Value = serde_json::from_slice(&body).map_err(|e| bad_request(format!("JSON Parse error: {e}")))?;
    let request = parse_request(&body, &v.input_names()).map_err(bad_request)?;
    let outputs = v.predict(request.inputs).await.map_err(bad_request)?;
    Ok(Json(response(&outputs, &v.output_names(), request.row_format)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_as_tf_serving_reads_them() {
        let t = target("mnist").unwrap();
        assert_eq!((t.name, t.version, t.action), ("mnist", None, ""));
        let t = target("mnist/versions/3:predict").unwrap();
        assert_eq!((t.name, t.version, t.action), ("mnist", Some(3), "predict"));
        let t = target("mnist/versions/3/metadata").unwrap();
        assert_eq!((t.name, t.version, t.action), ("mnist", Some(3), "metadata"));
        assert_eq!(target("mnist:predict").unwrap().action, "predict");
        assert!(target("mnist/versions/x").is_err());
        assert!(target("a/b/c").is_err());
    }
}
