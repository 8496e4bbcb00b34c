// SPDX-License-Identifier: GPL-2.0

//! A BAR mapping kept where code that runs after unbind finds it (the edu
//! table the commands read, a work item): its accesses would hit an
//! unmapped window. The mapping borrows the bound device (`Bar<'bound>`), so
//! it cannot go there; what does go is a `DevresBar`, which unbinding
//! revokes (`Edu::regs()` then fails with `ENODEV`).
//!
//! expect: E0521

use kernel::{device::Core, pci, prelude::*};

fn publish(_bar: pci::Bar<'static, 0x100>) {}

fn probe(pdev: &pci::Device<Core<'_>>) -> Result {
    // rustc names the borrow of the device that `publish()` would need to
    // outlive the function:
    // error on the next line
    let bar = pdev.iomap_region_sized::<0x100>(0, c"ui")?;
    publish(bar);
    Ok(())
}
