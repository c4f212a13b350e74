//! One handler for every event the function receives: HTTP events (API Gateway REST v1, HTTP
//! API v2, ALB, Function URLs) go to the router; direct invocations (`{"command":…}`) and
//! EventBridge scheduled events run a management job and answer JSON; anything else is a
//! function error with an `errorType` and `errorMessage`.

use lambda_http::{
    Adapter, LambdaEvent, StreamAdapter,
    lambda_runtime::{Diagnostic, FunctionResponse},
    request::LambdaRequest,
    tower::ServiceExt,
};
use serde_json::Value;

use crate::{AppState, commands::run_job, jobs::Job};

/// What an event asks for.
#[derive(Debug)]
pub enum EventKind {
    Http(Box<LambdaRequest>),
    Job(Job),
}

/// Sorts an incoming payload. HTTP events are recognised by their shape, jobs by `command`,
/// schedules by EventBridge's `source`/`detail-type`; the rest is refused, never guessed.
pub fn classify(payload: Value, scheduled: Option<&Job>) -> Result<EventKind, Diagnostic> {
    let Value::Object(fields) = &payload else {
        return Err(error("UnsupportedEvent", format!("expected a JSON object, got {}", kind_of(&payload))));
    };
    if fields.contains_key("command") {
        return serde_json::from_value(payload).map(EventKind::Job).map_err(|e| {
            error(
                "InvalidCommand",
                format!("{e}; send {{\"command\":\"migrate\"|\"seed\"|\"ready\"}} or files-copy with from and to"),
            )
        });
    }
    if fields.get("source").and_then(Value::as_str) == Some("aws.events")
        && fields.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
    {
        return scheduled.cloned().map(EventKind::Job).ok_or_else(|| {
            error("NoScheduledCommand", "a scheduled event arrived but LAMBDA_SCHEDULED_COMMAND is not set")
        });
    }
    let http = fields.contains_key("httpMethod")
        || fields.get("requestContext").is_some_and(|c| c.get("http").is_some() || c.get("elb").is_some())
        || (fields.contains_key("routeKey") && fields.contains_key("rawPath"));
    if http {
        return serde_json::from_value::<LambdaRequest>(payload)
            .map(|request| EventKind::Http(Box::new(request)))
            .map_err(|e| error("InvalidHttpEvent", format!("an HTTP event that does not parse: {e}")));
    }
    let keys: Vec<&str> = fields.keys().map(String::as_str).take(8).collect();
    Err(error(
        "UnsupportedEvent",
        format!(
            "not an HTTP event, a {{\"command\":…}} invocation or an EventBridge schedule (keys: {})",
            keys.join(", ")
        ),
    ))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn error(error_type: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic { error_type: error_type.into(), error_message: message.into() }
}

async fn job(state: &AppState, job: &Job) -> Result<Value, Diagnostic> {
    tracing::info!(job = job.describe(), "running a job from a direct invocation");
    run_job(job, state).await.map_err(|e| {
        tracing::error!(job = job.describe(), error = %e, "job failed");
        error("CommandFailed", e.to_string())
    })
}

/// The buffered handler: HTTP answers through lambda_http's response conversion, jobs as JSON.
pub async fn buffered(
    state: AppState,
    http: Adapter<'static, axum::response::Response, super::LambdaRouter>,
    event: LambdaEvent<Value>,
) -> Result<Value, Diagnostic> {
    let LambdaEvent { payload, context } = event;
    match classify(payload, state.config.scheduled_job.as_ref())? {
        EventKind::Job(j) => job(&state, &j).await,
        EventKind::Http(request) => {
            let response = http.oneshot(LambdaEvent::new(*request, context)).await?;
            serde_json::to_value(response).map_err(|e| error("ResponseNotSerialisable", e.to_string()))
        }
    }
}

/// The streaming handler: HTTP answers stream (status and headers first), jobs stay buffered.
pub async fn streaming(
    state: AppState,
    http: StreamAdapter<'static, super::LambdaRouter, axum::body::Body>,
    event: LambdaEvent<Value>,
) -> Result<
    FunctionResponse<
        Value,
        impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin + Send + 'static,
    >,
    Diagnostic,
> {
    let LambdaEvent { payload, context } = event;
    match classify(payload, state.config.scheduled_job.as_ref())? {
        EventKind::Job(j) => job(&state, &j).await.map(FunctionResponse::BufferedResponse),
        EventKind::Http(request) => {
            let response = http.oneshot(LambdaEvent::new(*request, context)).await?;
            Ok(FunctionResponse::StreamingResponse(response))
        }
    }
}
