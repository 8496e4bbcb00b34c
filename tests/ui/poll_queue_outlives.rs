// SPDX-License-Identifier: GPL-2.0

//! A wait queue looked up during `poll()` and registered there: the value
//! holding it may go (an unbind drops the last reference) while `select()`
//! still sleeps on the queue, and `poll_freewait()` then unlinks its entry
//! from freed memory. `PollTable<'a>` takes only queues that live as long as
//! the polled file's own data (`'a`).
//!
//! expect: E0597

use crate::compat::poll::{PollCondVar, PollTable};
use kernel::sync::Arc;

struct Looked {
    cv: PollCondVar,
}

fn poll<'a>(looked_up: Arc<Looked>, table: PollTable<'a>) {
    // error on the next line
    table.register_wait(&looked_up.cv);
}
