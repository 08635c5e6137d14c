//! Prints the synthetic evaluation of anomaly scoring, then the impact rules on their labelled
//! changes: `cargo run --release --example eval`.
//! With `-v`, also lists every false alarm, missed incident and each signal's spread.
use driftscan::scoring::eval;

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let opts = eval::EvalOptions { diagnostics: verbose, ..Default::default() };
    let outcomes = eval::run(&opts);
    print!("{}", eval::table(&opts, &outcomes));
    println!();
    print!("{}", driftscan::impact::eval::table(&driftscan::impact::eval::run()));
    if verbose {
        for o in &outcomes {
            for note in &o.notes {
                println!("{}d: {note}", o.history_days);
            }
        }
    }
}
