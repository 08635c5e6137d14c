//! The `driftscan` binary: everything lives in the library; this only renders the final error.

use std::process::ExitCode;

/// A scan of a large state makes millions of small allocations and frees; glibc's malloc spent
/// a quarter of the parse in them (consolidating freed chunks on every allocation over 1 KiB),
/// mimalloc a tenth. `examples/bench` uses the same allocator, so its figures are this binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match driftscan::cli::run() {
        Ok(code) => code.into(),
        Err(err) => {
            // The whole context chain on one line, each cause once: "reading state x: not JSON: ...".
            eprintln!("driftscan: error: {}", driftscan::error::one_line(&err));
            driftscan::exit::Exit::Error.into()
        }
    }
}
