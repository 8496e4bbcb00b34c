// SPDX-License-Identifier: GPL-2.0

//! Bottom halves: the work a top half defers to a context that may do more.

pub(crate) mod workqueue;
