//! Listing files, a page at a time in name order, and with `delimiter=/` the folders at one
//! level, as S3's `CommonPrefixes` (computed here over each backend's flat listing, so every
//! backend answers the same).

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    error::{ApiError, Problem},
    extract::ApiQuery,
    pagination::{Cursor, page_limit},
    storage::{FileMeta, FileName, name::MAX_NAME_BYTES},
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
    /// Items per page, files and folders together: 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `/`: list one level, the names right under `prefix` in `items` and the folders below it
    /// in `folders` (each ending in `/`; pass one as `prefix` to open it).
    #[param(pattern = r"^/?$")]
    pub delimiter: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilePage {
    pub items: Vec<FileMeta>,
    /// With `delimiter=/`: the folders at this level, each ending in `/`.
    pub folders: Vec<String>,
    pub next_cursor: Option<String>,
}

/// The smallest string after every name inside `folder` (which ends in `/`).
fn past(folder: &str) -> String {
    format!("{folder}{}", char::MAX)
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
    let delimited = match params.delimiter.as_deref() {
        None | Some("") => false,
        Some("/") => true,
        Some(_) => return Err(ApiError::validation("delimiter", "only / is supported")),
    };
    // A cursor is the last name or folder of the previous page; a folder resumes past its names.
    let mut after =
        Cursor::<String>::parse(params.cursor.as_deref())?.map(|key| if key.ends_with('/') { past(&key) } else { key });
    let (limit, mut items, mut folders) = (limit as usize, Vec::new(), Vec::<String>::new());
    let mut last: Option<String> = None;
    let mut more = false;
    'pages: loop {
        // Each folder costs a listing from past it: small batches then, not a page's worth.
        let want = if delimited { 16 } else { limit + 1 - items.len() };
        let page = state.storage.list(&prefix, after.as_deref(), want).await?;
        let ended = page.len() < want;
        for meta in page {
            if items.len() + folders.len() == limit {
                more = true;
                break 'pages;
            }
            if delimited && let Some(folder) = FileName::folder_of(&meta.name, &prefix) {
                after = Some(past(&folder));
                last = Some(folder.clone());
                folders.push(folder);
                continue 'pages;
            }
            after = Some(meta.name.clone());
            last = Some(meta.name.clone());
            items.push(meta);
        }
        if ended {
            break;
        }
    }
    let next_cursor = if more { last.as_ref().map(Cursor::encode) } else { None };
    Ok(Json(FilePage { items, folders, next_cursor }))
}
