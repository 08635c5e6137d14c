//! The behaviour tests: one integration binary that runs the built `driftscan` against real
//! parts (the moto AWS emulator, SQLite files) and checks what a user would see.

mod cli;
mod family;
mod harness;
mod history;
mod proxy;
mod scan;
mod schedule;
mod schedules;
mod state;
mod suppress;
mod workspaces;
