// SPDX-License-Identifier: GPL-2.0

//! Read-only debugfs files whose text is generated on each read.
//!
//! A [`Dir`] owns an `Arc<T>`; each file created in it shows `T` through a
//! [`Show`] implementation chosen by `ID`. Dropping the directory removes it
//! with `debugfs_remove()`, which waits for readers in progress, before the
//! `Arc` is released.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h)

use crate::bindings;
use core::marker::PhantomData;
use kernel::{prelude::*, sync::Arc};

/// Generates the text of file number `ID` of a [`Dir`].
pub(crate) trait Show<const ID: u64>: Send + Sync + 'static {
    /// Appends the file's contents to `out`.
    fn show(&self, out: &mut KVec<u8>) -> Result;
}

/// A debugfs directory owning the data its files show.
///
/// # Invariants
///
/// `dentry` is the directory (or an error pointer, which debugfs accepts
/// and ignores), holding files whose `i_private` points into `data`.
pub(crate) struct Dir<T: Send + Sync + 'static> {
    dentry: *mut bindings::dentry,
    data: Arc<T>,
}

// SAFETY: debugfs calls may be made from any thread.
unsafe impl<T: Send + Sync> Send for Dir<T> {}
// SAFETY: `&Dir` allows no mutation.
unsafe impl<T: Send + Sync> Sync for Dir<T> {}

struct Fops<T, const ID: u64>(PhantomData<T>);

impl<T: Show<ID>, const ID: u64> Fops<T, ID> {
    const FOPS: bindings::file_operations = bindings::file_operations {
        open: Some(bindings::simple_open),
        read: Some(Self::read),
        llseek: Some(bindings::default_llseek),
        // SAFETY: All-zero is a valid `file_operations` (no callbacks).
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// `f_op->read`.
    ///
    /// # Safety
    ///
    /// Called by the VFS on a file of a [`Dir<T>`] opened by `simple_open()`.
    unsafe extern "C" fn read(
        file: *mut bindings::file,
        buf: *mut kernel::ffi::c_char,
        count: usize,
        ppos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: `simple_open()` copied `i_private`, a `&T` kept alive by
        // the `Dir` until `debugfs_remove()` has waited for this call.
        let data = unsafe { &*(*file).private_data.cast::<T>() };
        let mut text = KVec::new();
        if let Err(e) = data.show(&mut text) {
            return e.to_errno() as isize;
        }
        // SAFETY: `buf`/`count`/`ppos` are this call's; `text` is valid.
        unsafe {
            bindings::simple_read_from_buffer(
                buf.cast(),
                count,
                ppos,
                text.as_ptr().cast(),
                text.len(),
            )
        }
    }
}

impl<T: Send + Sync + 'static> Dir<T> {
    /// Creates `/sys/kernel/debug/NAME`. Failure is not an error: debugfs
    /// is optional, the files are then simply absent.
    pub(crate) fn new(name: &'static CStr, data: Arc<T>) -> Self {
        // SAFETY: `name` is a valid string; NULL parent is the debugfs root.
        let dentry =
            unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), core::ptr::null_mut()) };
        // INVARIANT: No files yet.
        Self { dentry, data }
    }

    /// Creates a root-only file `name` showing the data through `Show<ID>`.
    pub(crate) fn create_file<const ID: u64>(&self, name: &'static CStr)
    where
        T: Show<ID>,
    {
        let private = core::ptr::from_ref::<T>(&self.data).cast_mut().cast();
        // SAFETY: `dentry` is ours (or an error pointer, which debugfs
        // ignores); `private` lives as long as the directory (type invariant).
        unsafe {
            bindings::debugfs_create_file(
                name.as_char_ptr(),
                0o400,
                self.dentry,
                private,
                &Fops::<T, ID>::FOPS,
            )
        };
    }
}

impl<T: Send + Sync + 'static> Drop for Dir<T> {
    fn drop(&mut self) {
        // SAFETY: `dentry` is ours; removal waits for file operations in
        // progress, after which nothing uses `data`.
        unsafe { bindings::debugfs_remove(self.dentry) };
    }
}
