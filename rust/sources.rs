// SPDX-License-Identifier: GPL-2.0

//! Interrupt sources: whatever runs a top half in hardirq context.

pub(crate) mod hrtimer;
