//! Listing files, a page at a time in name order.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    error::{ApiError, Problem},
    extract::ApiQuery,
    pagination::{Cursor, page_limit, paginate},
    storage::{FileMeta, name::MAX_NAME_BYTES},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileListParams {
    /// Only names starting with this; at most 255 bytes of UTF-8.
    #[param(max_length = 255)]
    pub prefix: Option<String>,
    /// `next_cursor` from the previous page: an opaque token, so only cursors this API
    /// returned are accepted (422 otherwise). Empty means the first page.
    #[param(pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilePage {
    pub items: Vec<FileMeta>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/files", tag = "files", params(FileListParams),
    responses((status = 200, body = FilePage), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn list_files(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<FileListParams>,
) -> Result<Json<FilePage>, ApiError> {
    let limit = page_limit(params.limit)?;
    let prefix = params.prefix.unwrap_or_default();
    if prefix.len() > MAX_NAME_BYTES {
        return Err(ApiError::validation("prefix", "must be at most 255 bytes"));
    }
    let after = Cursor::<String>::parse(params.cursor.as_deref())?;
    let items = state.storage.list(&prefix, after.as_deref(), limit as usize + 1).await?;
    let (items, next_cursor) = paginate(items, limit, |m| m.name.clone());
    Ok(Json(FilePage { items, next_cursor }))
}
