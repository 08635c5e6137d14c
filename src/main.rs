//! The `driftscan` binary: everything lives in the library; this only renders the final error.

use std::process::ExitCode;

fn main() -> ExitCode {
    match driftscan::cli::run() {
        Ok(code) => code.into(),
        Err(err) => {
            // `{:#}` prints the whole context chain on one line: "reading state x: not JSON: ...".
            eprintln!("driftscan: error: {err:#}");
            driftscan::exit::Exit::Error.into()
        }
    }
}
