//! anyport on Shuttle (`shuttle run`): the same router, with the Postgres connection string
//! handed over by shuttle-shared-db as a plain `String`.

use std::collections::HashMap;

use anyport::{
    AppState,
    config::{Config, Vars},
};

#[shuttle_runtime::main]
async fn main(
    #[shuttle_shared_db::Postgres(local_uri = "{secrets.DATABASE_URL}")] database_url: String,
) -> shuttle_axum::ShuttleAxum {
    // Everything else is configured as usual from the environment; the database is Shuttle's.
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    vars.insert("DATABASE_URL".into(), database_url);
    let config = Config::from_vars(&Vars::from_map(vars)).map_err(anyhow::Error::from)?;
    let state = AppState::new(config, true).await?;
    state.db.migrate().await?;
    Ok(anyport::router(state).into())
}
