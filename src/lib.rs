//! driftscan: find Terraform drift in live AWS.
//!
//! Data flows one way through the modules:
//! `terraform` (declared) and `aws` (live) produce [`resource::Resource`]s, `normalise` makes the two
//! sides comparable, `diff` turns them into [`report::Change`]s, `history` records the scan, and
//! `output` renders it. `scan` wires the steps together; `cli` is the edge that parses arguments,
//! reads the clock and picks the exit code.

pub mod aws;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod cloudtrail;
pub mod config;
pub mod diff;
pub mod digest;
pub mod error;
pub mod exit;
pub mod fix;
pub mod fleet;
#[cfg(test)]
mod fuzz;
pub mod history;
pub mod ignore;
pub mod impact;
pub mod items;
pub mod lock;
pub mod normalise;
pub mod notify;
pub mod output;
pub mod ownership;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod report;
pub mod resource;
pub mod scan;
pub mod scoring;
pub mod suppress;
pub mod terraform;
pub mod text;
pub mod watch;
pub mod workspace;
