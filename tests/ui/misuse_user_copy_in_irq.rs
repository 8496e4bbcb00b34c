// SPDX-License-Identifier: GPL-2.0

//! `user_copy_in_irq`, written safely: `copy_to_user()` in the hardirq top
//! half, where the user memory is whichever task's was interrupted. User
//! memory comes from the task token only.
//!
//! expect: E0599

use crate::ctx::{HardIrq, SoftIrq};
use crate::device::Hook;
use kernel::uaccess::UserPtr;

struct Case;

impl Hook for Case {
    fn in_hardirq(&self, irq: &mut HardIrq) {
        // error on the next line
        let user = irq.user_slice(UserPtr::from_addr(0), 1);
        let _ = user.writer().write_slice(&[0]);
    }

    fn in_softirq(&self, _bh: &mut SoftIrq) {}
}
