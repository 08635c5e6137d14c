//! The behaviour tests: one integration binary that runs the built `driftscan` against real
//! parts (the moto AWS emulator, SQLite files) and checks what a user would see.

mod bad_input;
mod check;
mod data_services;
mod cli;
mod encodings;
mod family;
mod faults;
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
mod state;
mod storage;
mod storage_services;
mod suppress;
mod webhook_server;
mod workspaces;
