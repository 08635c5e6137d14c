//! Prints the synthetic evaluation of anomaly scoring, then the impact rules on their labelled
//! changes: `cargo run --release --example eval`.
//! With `-v`, also lists every false alarm, missed incident and each signal's spread.
use driftscan::scoring::eval;

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let opts = eval::EvalOptions { diagnostics: verbose, ..Default::default() };
    let outcomes = eval::run(&opts);
    print!("{}", eval::table(&opts, &outcomes));
    // What the quiet-resource signal adds: the same data, scored without it.
    let off = eval::EvalOptions {
        config: driftscan::scoring::Config { quiet_signal: false, ..Default::default() },
        diagnostics: false,
        ..Default::default()
    };
    let without = eval::run(&off);
    let dormant = |o: &[eval::Outcome]| {
        let (c, t) = o.last().map(|o| *o.recall.last().unwrap_or(&(0, 0))).unwrap_or_default();
        format!("{c}/{t}")
    };
    println!(
        "dormant resources at {}d of history: {} caught without the quiet signal, {} with it",
        opts.histories.last().copied().unwrap_or_default(),
        dormant(&without),
        dormant(&outcomes)
    );
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
