//! A large state's resources parsed on two threads, kept in file order.
//!
//! Parsing a resource's JSON into the attributes a scan keeps is most of reading a state, and one
//! resource does not depend on another. The thread that reads and cuts the file parses too; past
//! the first blocks it hands a batch of blocks to a second thread whenever that one has room, so
//! the two share the work however fast each runs, and never more than [`AHEAD`] batches wait
//! between them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

use super::blocks::Refused;
use crate::resource::Resource;

/// Blocks travel in batches of this many: a hand-over per block woke the other thread a hundred
/// thousand times for a large state, and cost more than the sharing saved.
const BATCH: usize = 32;
/// Batches handed over and not yet taken, at most: a few hundred kilobytes of text.
const AHEAD: usize = 4;

/// Parses one block, pushing the resources it holds (a block may hold several instances, or none).
pub(super) type Parse<'a> = dyn Fn(&[u8], &mut Vec<Resource>) -> Result<(), Refused> + Sync + 'a;

/// Blocks copied for the other thread: their text end to end, and each one's number and end.
#[derive(Default)]
struct Batch {
    text: Vec<u8>,
    blocks: Vec<(usize, usize)>,
}

/// Runs `walk`, which gives every block of the state in order, and parses each with `parse`: the
/// first `alone` blocks on this thread (a small state is read before a thread would start), the
/// rest shared with a second when the machine has another core. The resources come back in the
/// order of their blocks; a block either thread refuses makes the whole read [`Refused`].
pub(super) fn parse_in_order(
    walk: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<(), Refused>) -> Result<(), Refused>,
    parse: &Parse,
    alone: usize,
) -> Result<Vec<Resource>, Refused> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let waiting = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let mut mine = Parsed::default();
        let mut helper = None;
        let mut filling: Option<Batch> = None;
        let mut no_thread = false;
        let mut block_no = 0;
        let walked = walk(&mut |block| {
            block_no += 1;
            if helper.is_none() && block_no > alone && cores > 1 && !no_thread {
                let (hand, take) = sync_channel::<Batch>(AHEAD);
                let waiting = &waiting;
                let spawned = std::thread::Builder::new().spawn_scoped(s, move || -> Result<Parsed, Refused> {
                    let mut theirs = Parsed::default();
                    for batch in take {
                        waiting.fetch_sub(1, Ordering::Relaxed);
                        let mut start = 0;
                        for &(no, end) in &batch.blocks {
                            theirs.add(no, &batch.text[start..end], parse)?;
                            start = end;
                        }
                    }
                    Ok(theirs)
                });
                // A machine that will not start a thread (a process limit) reads on this one.
                match spawned {
                    Ok(theirs) => helper = Some((hand, theirs)),
                    Err(_) => no_thread = true,
                }
            }
            if let Some((hand, _)) = &helper {
                // A batch is started only while the other thread has room for it, and counted
                // before it is sent, so the channel never fills and a send never waits.
                if filling.is_none() && waiting.load(Ordering::Relaxed) < AHEAD {
                    waiting.fetch_add(1, Ordering::Relaxed);
                    filling = Some(Batch::default());
                }
                if let Some(batch) = &mut filling {
                    batch.text.extend_from_slice(block);
                    batch.blocks.push((block_no, batch.text.len()));
                    if batch.blocks.len() == BATCH {
                        // The other thread refused a block and stopped: so is the whole read.
                        return hand.send(filling.take().expect("filling")).map_err(|_| Refused);
                    }
                    return Ok(());
                }
            }
            mine.add(block_no, block, parse)
        });
        let theirs = match helper {
            Some((hand, theirs)) => {
                let last = filling.take().map_or(Ok(()), |batch| hand.send(batch));
                drop(hand);
                let theirs = theirs.join().unwrap_or(Err(Refused));
                last.map_err(|_| Refused)?;
                theirs
            }
            None => Ok(Parsed::default()),
        };
        walked?;
        Ok(mine.merge(theirs?))
    })
}

/// What one thread parsed: its resources, and which block each run of them came from.
#[derive(Default)]
struct Parsed {
    resources: Vec<Resource>,
    /// (block number, how many resources it gave), in block order.
    runs: Vec<(usize, usize)>,
}

impl Parsed {
    fn add(&mut self, block_no: usize, block: &[u8], parse: &Parse) -> Result<(), Refused> {
        let before = self.resources.len();
        parse(block, &mut self.resources)?;
        self.runs.push((block_no, self.resources.len() - before));
        Ok(())
    }

    /// Both threads' resources in block order (each thread's runs are already in order).
    fn merge(self, other: Parsed) -> Vec<Resource> {
        if other.runs.is_empty() {
            return self.resources;
        }
        let mut out = Vec::with_capacity(self.resources.len() + other.resources.len());
        let (mut a, mut b) = (self.resources.into_iter(), other.resources.into_iter());
        let (mut runs_a, mut runs_b) = (self.runs.into_iter().peekable(), other.runs.into_iter().peekable());
        loop {
            let from_a = match (runs_a.peek(), runs_b.peek()) {
                (Some(ra), Some(rb)) => ra.0 < rb.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (runs, resources) = if from_a { (&mut runs_a, &mut a) } else { (&mut runs_b, &mut b) };
            let (_, n) = runs.next().expect("peeked");
            out.extend(resources.by_ref().take(n));
        }
        out
    }
}
