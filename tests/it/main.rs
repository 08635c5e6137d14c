//! The behaviour tests: one integration binary that runs the built `driftscan` against real
//! parts (the moto AWS emulator, SQLite files) and checks what a user would see.

mod cli;
mod family;
mod harness;
mod history;
mod notify;
mod proxy;
mod report;
mod scan;
mod state;
mod suppress;
mod webhook_server;
