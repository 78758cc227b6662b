//! The integration tests, one binary: every test file here is a module.
//!
//! One binary links the three drivers once (thirty binaries weighed over a
//! gigabyte, and a CI machine ran out of disk). Each test still gets a
//! database of its own (`common`), and the tests that watch the log use
//! `common::logs`, which captures per thread. `tests/faults.rs` (kills and
//! restarts a PostgreSQL of its own) and `tests/compile_fail.rs` (trybuild)
//! stay binaries of their own.

#[path = "../common/mod.rs"]
mod common;

mod ci_servers;
mod cli;
mod cockroach_schema;
mod cockroach_sql;
mod company;
mod composite_keys;
mod connection;
mod constraints;
mod correctness;
mod default_filter;
mod engine_layout;
mod errors;
mod failover;
mod foreign_keys;
mod go_doc;
mod hooks;
mod in_lists;
mod join_pairs;
mod lifecycle;
mod limits;
mod logging;
mod migrations;
mod model;
mod mysql;
mod mysql_replicas;
mod mysql_tls;
mod n_plus_one;
mod names;
mod persistence;
mod pool;
mod postgres_tls;
mod relations;
mod replicas;
mod retry_protocols;
mod schema;
mod scopes;
mod serialization;
mod stress;
mod transactions;
mod types;
mod value_types;
