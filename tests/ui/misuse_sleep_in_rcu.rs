// SPDX-License-Identifier: GPL-2.0

//! `sleep_in_rcu`, written safely: a sleep inside an RCU read-side critical
//! section. The section borrows the task token until it ends.
//!
//! expect: E0502

use crate::ctx::Task;

fn write(task: &mut Task) {
    let reader = task.rcu_read_lock();
    // error on the next line
    task.sleep_ms(10);
    drop(reader);
}
