//! `driftscan history copy`: a whole history from one backend to another (a SQLite file into a
//! shared PostgreSQL database, or back), ids and all, checked by counts.
//!
//! Both schemas are at the same version after opening (each backend's migrations move in
//! step), so every table has the same columns on both sides; they are copied in an order that
//! keeps every reference valid, in one transaction on the target, which must hold nothing yet.

use anyhow::{bail, Context, Result};

use super::db::{Dialect, Owned, Value};
use super::{History, Location};

/// The tables, parents first, with the columns copied.
const TABLES: &[(&str, &str)] = &[
    (
        "scans",
        "id, started_at, finished_at, regions, states, managed, drifted, deleted, unmanaged, unscanned, coverage_pct,
         api_calls, opened, resolved, anomalous, workspace, account",
    ),
    ("scan_resources", "scan_id, side, type, resource_id, region, address, fingerprint"),
    ("unscanned", "scan_id, type, region, reason"),
    (
        "changes",
        "id, source, kind, type, resource_id, region, account, address, state, attribute, declared, actual, event_id,
         event_name, actor, source_ip, user_agent, changed_at, time, first_seen, last_seen, updated_at, resolved_at,
         first_scan_id, last_scan_id, since, score, anomalous, reasons, acked_at, expected, workspace,
         revert_requested_at, live",
    ),
    ("score_counters", "key, value, at"),
    ("learn_runs", "id, ran_at, files, records, added, duplicates, skipped"),
    (
        "notifications",
        "channel, change_id, revision, action, status, attempts, queued_at, last_attempt_at, sent_at, error, alert_key",
    ),
];

/// Tables whose ids the target must go on from after the copy.
const IDENTITIES: &[&str] = &["scans", "changes", "learn_runs"];

/// Rows per insert statement.
const BATCH: usize = 200;

/// What was copied: each table's rows, as counted on both sides afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct Copied {
    pub tables: Vec<(&'static str, i64)>,
}

/// Copies every row of the history at `from` into the empty one at `to`.
pub fn copy(from: &Location, to: &Location) -> Result<Copied> {
    if from == to {
        bail!("--from and --to name the same history");
    }
    if !from.exists()? {
        bail!("no history at {}", from.display());
    }
    let source = History::open(from)?;
    let target = History::open(to)?;
    let counts = |h: &History| -> Result<Vec<(&'static str, i64)>> {
        TABLES.iter().map(|(t, _)| Ok((*t, h.db.one::<i64>(&format!("SELECT count(*) FROM {t}"), &[])?))).collect()
    };
    let already: i64 = counts(&target)?.iter().map(|(_, n)| n).sum();
    if already > 0 {
        bail!("{} already holds a history ({already} rows); copy into an empty one", to.display());
    }
    let before = counts(&source)?;
    source.db.snapshot(|src| {
        target.db.transaction(|dst| {
            for (table, columns) in TABLES {
                let n = columns.split(',').count();
                let mut rows: Vec<Vec<Owned>> = Vec::with_capacity(BATCH);
                let insert = |rows: &[Vec<Owned>]| -> Result<()> {
                    if rows.is_empty() {
                        return Ok(());
                    }
                    let marks: Vec<String> = (0..rows.len())
                        .map(|r| format!("({})", (1..=n).map(|c| format!("?{}", r * n + c)).collect::<Vec<_>>().join(", ")))
                        .collect();
                    let params: Vec<Value> = rows.iter().flatten().map(Owned::value).collect();
                    dst.execute(&format!("INSERT INTO {table} ({columns}) VALUES {}", marks.join(", ")), &params)?;
                    Ok(())
                };
                src.each(&format!("SELECT {columns} FROM {table}"), &[], |r| {
                    rows.push((0..n).map(|i| r.any(i)).collect::<Result<_>>()?);
                    if rows.len() == BATCH {
                        insert(&rows)?;
                        rows.clear();
                    }
                    Ok(())
                })
                .with_context(|| format!("copying {table}"))?;
                insert(&rows).with_context(|| format!("copying {table}"))?;
            }
            if dst.dialect() == Dialect::Postgres {
                for t in IDENTITIES {
                    dst.execute(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), coalesce((SELECT max(id) FROM {t}), 0) + 1, false)"
                        ),
                        &[],
                    )?;
                }
            }
            Ok(())
        })
    })
    .map_err(|e| target.storage_error(e))?;
    let after = counts(&target)?;
    if after != before {
        bail!("the copy does not add up: {} read {before:?}, {} holds {after:?}", from.display(), to.display());
    }
    Ok(Copied { tables: after })
}
