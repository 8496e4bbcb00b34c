// SPDX-License-Identifier: GPL-2.0

//! Interrupt sources: whatever runs a top half in hardirq context.
//!
//! | source     | hardirq because                   | triggered by             |
//! |------------|-----------------------------------|--------------------------|
//! | `hrtimer`  | `HRTIMER_MODE_REL` expiry         | `start`, periodic        |
//! | `irq_work` | self-IPI from `irq_work_queue()`  | `irq_work=N`             |
//! | `edu`      | the PCI device's MSI or INTx line | `raise=N`, `factorial=N` |
//!
//! On PREEMPT_RT all three run in threads instead (the timer softirq in
//! `ksoftirqd/N`, `irq_work/N`, the forced-threaded `irq/N-irqctx`), which
//! is what lets their shared
//! `spinlock_t` be a sleeping lock there; their records say so.

pub(crate) mod edu;
pub(crate) mod hrtimer;
pub(crate) mod irq_work;
