// SPDX-License-Identifier: GPL-2.0

//! `sleep_irqs_off`, written safely: a sleep with local interrupts off. The
//! section borrows the task token until interrupts are on again.
//!
//! expect: E0502

use crate::ctx::Task;

fn write(task: &mut Task) {
    let off = task.irqs_off();
    // error on the next line
    task.sleep_ms(10);
    drop(off);
}
