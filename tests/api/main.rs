//! The contract suite: one binary, run once per database (`TEST_DATABASE=sqlite|postgres`).

mod helpers;

mod errors;
mod platform;
mod process;
mod tweets;
mod users;
mod workers;
