//! The contract suite: one binary, run once per database (`TEST_DATABASE=sqlite|postgres`).

mod helpers;
mod storage_env;

mod connections;
mod contract;
mod errors;
mod files;
mod files_backends;
mod gridfs_compat;
mod lambda;
mod lambda_invoke;
mod platform;
mod process;
mod seed_routes;
mod storage_faults;
mod tweets;
mod users;
mod workers;
