// SPDX-License-Identifier: GPL-2.0

//! Interrupt sources: whatever runs a top half in hardirq context.
//!
//! | source     | hardirq because                      | triggered by         |
//! |------------|--------------------------------------|----------------------|
//! | `hrtimer`  | `HRTIMER_MODE_REL_HARD` expiry        | `start`, periodic    |
//! | `irq_work` | self-IPI from `irq_work_queue()`      | `irq_work=N`         |
//! | `edu`      | the PCI device's MSI or INTx line     | `raise=N`, `factorial=N` |

pub(crate) mod edu;
pub(crate) mod hrtimer;
pub(crate) mod irq_work;
