// SPDX-License-Identifier: GPL-2.0

//! A PCI driver whose shared data borrows a local. A leaked registration
//! keeps the driver bound to the bus, and a later probe would get the dead
//! borrow: the data must be `'static`.
//!
//! expect: E0477

use crate::compat::pci::{Device, Driver, IdTable, IdTableRef};
use kernel::prelude::*;

struct Borrowing<'a>(&'a u32);

static IDS: IdTable<0> = IdTable::new([]);

impl<'a> Driver for Borrowing<'a> {
    // error on the next line
    type RegistrationData = &'a u32;
    type Data = ();
    const ID_TABLE: IdTableRef = IDS.as_ref();

    fn probe(_shared: &&'a u32, _dev: Device) -> Result<Pin<KBox<()>>> {
        Err(ENODEV)
    }
}
