// SPDX-License-Identifier: GPL-2.0

//! Latency histograms: log-linear buckets in ns, recorded lock-free.
//!
//! The buckets are those of an HDR histogram with five significant bits:
//! values below 32 ns have a bucket each, and every power of two above is
//! split into 32 equal buckets, so a bucket is never wider than 1/32 of its
//! lower bound (3.1%). Values from 2^[`MAX_EXP`] ns (about 137 s) on share
//! the last bucket; the exact maximum is kept beside the buckets.
//!
//! Recording is a relaxed atomic increment and an atomic maximum: safe in any
//! context, hardirq included, and never waiting. A summary taken while values
//! are recorded reads the buckets twice (for the count, then for the
//! percentiles), so a value recorded in between may be in one and not the
//! other.

use crate::ctx::Task;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;

/// Buckets per power of two, as a shift.
const SUB_BITS: u32 = 5;
/// Buckets per power of two.
const SUB: u64 = 1 << SUB_BITS;
/// Values of 2^`MAX_EXP` ns and more land in the last bucket.
const MAX_EXP: u32 = 37;
/// Number of buckets.
pub(crate) const BUCKETS: usize = ((MAX_EXP - SUB_BITS + 1) as usize) * SUB as usize;

/// The bucket of `ns`.
fn index(ns: u64) -> usize {
    if ns < SUB {
        return ns as usize;
    }
    let exp = (63 - ns.leading_zeros()).min(MAX_EXP - 1);
    let mantissa = (ns >> (exp - SUB_BITS)).min(2 * SUB - 1);
    (u64::from(exp - SUB_BITS + 1) * SUB + mantissa - SUB) as usize
}

/// The smallest value of bucket `i` and the smallest of the next one.
pub(crate) fn bounds(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < SUB {
        return (i, i + 1);
    }
    let shift = (i / SUB - 1) as u32;
    let lo = (SUB + i % SUB) << shift;
    (lo, lo + (1 << shift))
}

/// Percentiles reported, in parts per 100000, with their names.
pub(crate) const PERCENTILES: [(u64, &str); 4] = [
    (50_000, "p50"),
    (90_000, "p90"),
    (99_000, "p99"),
    (99_900, "p999"),
];

/// One latency distribution.
pub(crate) struct Histogram {
    buckets: KVec<AtomicU64>,
    max_ns: AtomicU64,
}

impl Histogram {
    /// An empty histogram.
    pub(crate) fn new(task: &Task) -> Result<Self> {
        let mut buckets = KVec::with_capacity(BUCKETS, task.gfp_kernel())?;
        for _ in 0..BUCKETS {
            buckets.push(AtomicU64::new(0), task.gfp_kernel())?;
        }
        Ok(Self {
            buckets,
            max_ns: AtomicU64::new(0),
        })
    }

    /// Adds one value; negative values count as 0. Any context.
    pub(crate) fn record(&self, ns: i64) {
        let ns = ns.max(0) as u64;
        self.buckets[index(ns)].fetch_add(1, Ordering::Relaxed);
        // Written only when it grows: `fetch_max()` is a compare-and-exchange
        // loop that writes every time, a second locked instruction per value
        // on the top halves' path (the C twin's `atomic64_try_cmpxchg()` loop
        // runs only past a plain read).
        let mut max = self.max_ns.load(Ordering::Relaxed);
        while ns > max {
            match self
                .max_ns
                .compare_exchange_weak(max, ns, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => max = now,
            }
        }
    }

    /// Empties the histogram. Values recorded meanwhile may survive it.
    pub(crate) fn reset(&self) {
        for b in self.buckets.iter() {
            b.store(0, Ordering::Relaxed);
        }
        self.max_ns.store(0, Ordering::Relaxed);
    }

    /// The count of each bucket, in order.
    pub(crate) fn counts(&self) -> impl Iterator<Item = u64> + '_ {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed))
    }

    /// Count, [`PERCENTILES`] and maximum. A percentile is the upper end of
    /// the bucket it falls in, never more than the maximum.
    pub(crate) fn summary(&self) -> Summary {
        let count: u64 = self.counts().sum();
        let max_ns = self.max_ns.load(Ordering::Relaxed);
        let mut pct = [0u64; PERCENTILES.len()];
        // The 1-based rank of a percentile, rounded up. The percentiles are
        // in increasing order: one walk over the buckets finds them all.
        let rank = |per_100k: u64| (count * per_100k).div_ceil(100_000).max(1);
        let mut next = 0;
        let mut seen = 0;
        for (i, c) in self.counts().enumerate() {
            seen += c;
            while next < pct.len() && seen >= rank(PERCENTILES[next].0) {
                pct[next] = (bounds(i).1 - 1).min(max_ns);
                next += 1;
            }
        }
        Summary { count, pct, max_ns }
    }
}

/// What [`Histogram::summary`] returns.
pub(crate) struct Summary {
    /// Values recorded.
    pub(crate) count: u64,
    /// The [`PERCENTILES`], in ns.
    pub(crate) pct: [u64; PERCENTILES.len()],
    /// The largest value, ns.
    pub(crate) max_ns: u64,
}

impl core::fmt::Display for Summary {
    /// `count=N p50_ns=N p90_ns=N p99_ns=N p999_ns=N max_ns=N`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "count={}", self.count)?;
        for (v, (_, name)) in self.pct.iter().zip(PERCENTILES) {
            write!(f, " {name}_ns={v}")?;
        }
        write!(f, " max_ns={}", self.max_ns)
    }
}
