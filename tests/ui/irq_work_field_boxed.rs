// SPDX-License-Identifier: GPL-2.0

//! An irq_work behind a pointer in its container: `impl_has_irq_work!`
//! takes only a field of type `IrqWork` itself, as `impl_has_work!` does
//! (tests/ui/work_field_boxed.rs).
//!
//! expect: E0308

use crate::compat::irq_work::{impl_has_irq_work, IrqWork};
use kernel::{prelude::*, sync::Arc};

struct Holder {
    work: Arc<IrqWork<Holder>>,
    value: [u64; 4],
}

// error on the next line
impl_has_irq_work!(Holder, work);
