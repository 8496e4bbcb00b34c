// SPDX-License-Identifier: GPL-2.0

//! The positive control for task context: everything that may sleep, and
//! each atomic section with the sleeping done before and after it.
//!
//! expect: ok

use crate::ctx::{Mutex, SeqLock, SpinLock, Task};
use crate::device::IrqCtx;
use kernel::prelude::*;

fn task_work(
    dev: &IrqCtx,
    mutex: &Mutex<u32>,
    lock: &SpinLock<u32, Task>,
    seq: &SeqLock,
    task: &mut Task,
) -> Result {
    let mut count = mutex.lock(task);
    *count += 1;
    let buf = KVec::<u8>::with_capacity(4096, task.gfp_kernel())?;
    task.sleep_ms(1);
    drop(count);
    let lost = dev.state.lock(task).stats.lost;
    *lock.lock(task) += 1;
    {
        let _off = task.irqs_off();
    }
    {
        let _reader = task.rcu_read_lock();
    }
    drop(seq.write(task));
    task.sleep_ms(1);
    drop((buf, lost));
    Ok(())
}
