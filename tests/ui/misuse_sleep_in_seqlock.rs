// SPDX-License-Identifier: GPL-2.0

//! `sleep_in_seqlock`, written safely: a sleep between `write_seqlock()`
//! and `write_sequnlock()`. The write section borrows the task token.
//!
//! expect: E0502

use crate::ctx::{SeqLock, Task};

fn write(lock: &SeqLock, task: &mut Task) {
    let writing = lock.write(task);
    // error on the next line
    task.sleep_ms(10);
    drop(writing);
}
