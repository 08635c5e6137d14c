//! The behaviour tests: one integration binary that runs the built `driftscan` against real
//! parts (the moto AWS emulator, SQLite files) and checks what a user would see.

mod alerts;
mod alerts_scan;
mod bad_input;
mod check;
mod cli;
mod containers;
mod data_services;
mod encodings;
mod family;
mod faults;
mod fix;
mod harness;
mod history;
mod iam;
mod notify;
mod plan_drift;
mod proxy;
mod report;
mod scan;
mod schedule;
mod schedules;
mod secrets;
mod severity;
mod state;
mod state_server;
mod state_sources;
mod state_sources_scan;
mod storage;
mod storage_services;
mod suppress;
mod webhook_server;
mod workloads;
mod workspaces;
