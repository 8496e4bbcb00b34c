// SPDX-License-Identifier: GPL-2.0

//! A bounded ring of records that every reader walks at its own pace.
//!
//! Writers (top halves in hardirq, stages in other contexts) never wait for
//! readers: when the ring is full the oldest record is overwritten. Each
//! reader keeps the sequence number it wants next; if that record has been
//! overwritten, the reader is told how many it lost ([`Record::Lost`]) and
//! resumes at the oldest record still held. Nothing is dropped silently.

use crate::ctx::Task;
use crate::event::{Event, Record};
use kernel::prelude::*;

/// Number of records the ring holds.
pub(crate) const RING_SIZE: usize = 256;

/// The ring. Callers serialise access (it lives under the device lock).
pub(crate) struct Ring {
    slots: KVec<Event>,
    /// Sequence number of the next record; the first record is 1.
    next_seq: u64,
}

impl Ring {
    /// Allocates an empty ring.
    pub(crate) fn new(task: &Task) -> Result<Self> {
        let mut slots = KVec::with_capacity(RING_SIZE, task.gfp_kernel())?;
        for _ in 0..RING_SIZE {
            slots.push(Event::default(), task.gfp_kernel())?;
        }
        Ok(Self { slots, next_seq: 1 })
    }

    /// Sequence number the next record will get: where a new reader starts.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    fn oldest_seq(&self) -> u64 {
        self.next_seq.saturating_sub(RING_SIZE as u64).max(1)
    }

    fn slot(seq: u64) -> usize {
        (seq % RING_SIZE as u64) as usize
    }

    /// Appends `ev`, assigning its sequence number, which is returned.
    pub(crate) fn push(&mut self, mut ev: Event) -> u64 {
        let seq = self.next_seq;
        ev.seq = seq;
        self.slots[Self::slot(seq)] = ev;
        self.next_seq += 1;
        seq
    }

    /// The record for a reader at `pos` and the reader's next position.
    pub(crate) fn get(&self, pos: u64) -> Option<(Record, u64)> {
        if pos >= self.next_seq {
            None
        } else if pos < self.oldest_seq() {
            let oldest = self.oldest_seq();
            Some((
                Record::Lost {
                    count: oldest - pos,
                },
                oldest,
            ))
        } else {
            Some((Record::Event(self.slots[Self::slot(pos)]), pos + 1))
        }
    }
}
