//! A window of the history read on a thread of its own, while the caller writes what was read
//! before: a JSON report of a busy month spends about as long decoding rows from SQLite as
//! serialising them, and on two cores the two can overlap.

use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use anyhow::{anyhow, Context, Result};

use super::query::{self, ChangeRow, Facets, Window};
use super::History;

/// Rows travel in batches: a channel send per row cost more than the row.
const BATCH: usize = 512;
/// Batches read ahead of the writer at most: a few thousand rows, a few megabytes.
const AHEAD: usize = 8;

/// The rows of a window, arriving from the reading thread.
pub struct Behind {
    batches: Receiver<Vec<ChangeRow>>,
    reader: JoinHandle<Result<()>>,
}

impl History {
    /// Reads `window` on a thread of its own, in one read transaction, so the counts and the
    /// rows see the same history even while a scan records. First every change's facets are
    /// added up by `count` into a `T`, which is returned (or the error, before anything was
    /// written); then the changes `keep` keeps follow in order through [`Behind::each`].
    pub fn read_behind<T, C, K>(self, window: Window, mut count: C, keep: K) -> Result<(T, Behind)>
    where
        T: Default + Send + 'static,
        C: FnMut(&mut T, Facets) + Send + 'static,
        K: Fn(&ChangeRow) -> bool + Send + 'static,
    {
        let (counted_tx, counted) = sync_channel::<T>(1);
        let (batch_tx, batches) = sync_channel::<Vec<ChangeRow>>(AHEAD);
        let reader = std::thread::Builder::new().name("history-reader".into()).spawn(move || -> Result<()> {
            let db = &self.db;
            db.snapshot(|snapshot| {
                let mut counted = T::default();
                query::each_facets(snapshot, &window, |f| count(&mut counted, f))?;
                if counted_tx.send(counted).is_err() {
                    return Ok(());
                }
                let mut batch = Vec::with_capacity(BATCH);
                // The writer stopped listening (an error of its own, or `| head`): stop quietly.
                let mut went_away = false;
                let read = query::each(snapshot, &window, |r| {
                    if keep(&r) {
                        batch.push(r);
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            went_away = batch_tx.send(full).is_err();
                            anyhow::ensure!(!went_away, "the report's writer went away");
                        }
                    }
                    Ok(())
                });
                if went_away {
                    return Ok(());
                }
                read?;
                if !batch.is_empty() {
                    let _ = batch_tx.send(batch);
                }
                Ok(())
            })
        });
        let reader = reader.context("starting a thread to read the history")?;
        match counted.recv() {
            Ok(t) => Ok((t, Behind { batches, reader })),
            // The thread ended without counting: its error says why.
            Err(_) => Err(join(reader).err().unwrap_or_else(|| anyhow!("the history reader stopped"))),
        }
    }
}

impl Behind {
    /// Hands each row to `write`, in order. A write error stops the reader and is returned; a
    /// read error (a history that fails mid-read) is returned after the rows before it.
    pub fn each(self, mut write: impl FnMut(&ChangeRow) -> std::io::Result<()>) -> Result<()> {
        let Behind { batches, reader } = self;
        let written = batches.iter().try_for_each(|batch| batch.iter().try_for_each(&mut write));
        // Dropping the receiver is what tells a reader still going that nobody listens.
        drop(batches);
        let read = join(reader);
        written?;
        read
    }
}

fn join(reader: JoinHandle<Result<()>>) -> Result<()> {
    reader.join().unwrap_or_else(|_| Err(anyhow!("the history reader panicked")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A history of `n` CloudTrail-style changes a minute apart, types alternating.
    fn history(n: usize) -> (tempfile::TempDir, History) {
        let dir = tempfile::tempdir().unwrap();
        let h = History::open(&dir.path().join("h.db").into()).unwrap();
        let conn = h.connection();
        conn.execute_batch("BEGIN").unwrap();
        for i in 0..n {
            let rtype = if i % 3 == 0 { "aws_vpc" } else { "aws_instance" };
            let at = format!("2026-11-01T{:02}:{:02}:00Z", i / 60 % 24, i % 60);
            conn.execute(
                "INSERT INTO changes (source, kind, type, resource_id, region, account, event_id, event_name, time,
                                      first_seen, last_seen, anomalous, reasons)
                 VALUES ('cloudtrail', 'event', ?1, ?2, 'eu-west-1', '1', ?3, 'ModifyVpcAttribute', ?4, ?4, ?4, ?5, '[]')",
                rusqlite::params![rtype, format!("r-{i}"), format!("ev-{i}"), at, i % 10 == 0],
            )
            .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
        (dir, h)
    }

    #[derive(Default)]
    struct Counted {
        kept: usize,
        anomalous: usize,
    }

    #[test]
    fn counts_and_rows_agree_and_rows_arrive_in_order() {
        let (_dir, h) = history(1439);
        let vpc = |t: &str| t == "aws_vpc";
        let (counted, rows) = h
            .read_behind(
                Window::default(),
                move |c: &mut Counted, f| {
                    if vpc(f.rtype) {
                        c.kept += 1;
                        c.anomalous += usize::from(f.anomalous);
                    }
                },
                move |r| vpc(&r.rtype),
            )
            .unwrap();
        let mut seen = Vec::new();
        rows.each(|r| {
            seen.push((r.time.clone(), r.id, r.anomalous));
            Ok(())
        })
        .unwrap();
        assert_eq!((counted.kept, counted.anomalous), (480, 48));
        assert_eq!(seen.len(), counted.kept);
        assert_eq!(seen.iter().filter(|s| s.2).count(), counted.anomalous);
        assert!(seen.windows(2).all(|w| (&w[0].0, w[0].1) < (&w[1].0, w[1].1)), "not in time order");
    }

    #[test]
    fn a_writer_that_fails_stops_the_reader_and_its_error_is_returned() {
        let (_dir, h) = history(5000);
        let (_, rows) = h.read_behind(Window::default(), |_: &mut usize, _| {}, |_| true).unwrap();
        let mut written = 0;
        let err = rows
            .each(|_| {
                written += 1;
                if written == 10 {
                    return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "reader went away"));
                }
                Ok(())
            })
            .unwrap_err();
        assert_eq!(written, 10);
        assert!(format!("{err:#}").contains("reader went away"), "{err:#}");
    }

    #[test]
    fn a_history_that_cannot_be_read_fails_before_anything_is_written() {
        let (_dir, h) = history(3);
        h.connection().execute_batch("DROP TABLE changes").unwrap();
        let err = h.read_behind(Window::default(), |_: &mut usize, _| {}, |_| true).err().unwrap();
        assert!(format!("{err:#}").contains("no such table: changes"), "{err:#}");
    }
}
