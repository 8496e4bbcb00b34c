// SPDX-License-Identifier: GPL-2.0

//! Bottom halves: the work a top half defers to a context that may do more.
//!
//! | stage       | runs in                | may sleep |
//! |-------------|------------------------|-----------|
//! | `workqueue` | a kworker (task)       | yes       |
//! | `bh`        | softirq (`WQ_BH`)      | no        |
//! | `thread`    | `irq/N-irqctx` (task)  | yes       |
//!
//! The `thread` stage is the edu interrupt's handler thread; see
//! `sources::edu`.

pub(crate) mod bh;
pub(crate) mod workqueue;
