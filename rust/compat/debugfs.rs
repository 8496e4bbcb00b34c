// SPDX-License-Identifier: GPL-2.0

//! Read-only debugfs files whose text is a snapshot taken at `open()`.
//!
//! A [`Dir`] owns an `Arc<T>`; each file created in it shows `T` through a
//! [`Writer`] implementation chosen by `ID`. The text is generated once per
//! open, like `single_open()`, so reads in small pieces never mix two states.
//! The constant `file_operations` name the module as owner: an open file pins
//! the module, so `rmmod` fails with "in use" until it is closed. Dropping the
//! directory removes it with `debugfs_remove()`, which waits for opens in
//! progress (the only calls that touch `T`), before the `Arc` is released.
//!
//! Waits for: `kernel::debugfs` setting `owner` in its `file_operations`
//! (`this_module()`, as 7.3's `miscdevice` does); the trait is named after
//! 7.3's `Writer`, and [`Dir::read_only_file`] after its `read_only_file()`.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h)

use crate::bindings;
use crate::compat::kcov::Remote;
use crate::ctx::Task;
use core::marker::PhantomData;
use kernel::{prelude::*, sync::Arc, types::ForeignOwnable};

/// Generates the text of file number `ID` of a [`Dir`]: 7.3's
/// `kernel::debugfs::Writer`, but into a buffer, with the task token (the
/// text is made under the module's mutexes), and one per file `ID` of a
/// type.
pub(crate) trait Writer<const ID: u64>: Send + Sync + 'static {
    /// Appends the file's contents to `out`, in the task that opens it.
    fn write(&self, out: &mut KVec<u8>, task: &mut Task) -> Result;
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

impl<T: Writer<ID>, const ID: u64> Fops<T, ID> {
    const FOPS: bindings::file_operations = bindings::file_operations {
        owner: crate::compat::THIS_MODULE,
        open: Some(Self::open),
        read: Some(Self::read),
        release: Some(Self::release),
        llseek: Some(bindings::default_llseek),
        // SAFETY: All-zero is a valid `file_operations` (no callbacks).
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// `f_op->open`: takes the snapshot into `private_data`.
    ///
    /// # Safety
    ///
    /// Called by the debugfs proxy with a file of a [`Dir<T>`], whose
    /// `i_private` is set by [`Dir::read_only_file`].
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> i32 {
        // SAFETY: `i_private` is a `&T` kept alive by the `Dir` until
        // `debugfs_remove()`, which waits for this call (the proxy holds the
        // file's active reference meanwhile).
        let data = unsafe { &*(*inode).i_private.cast::<T>() };
        // SAFETY: File operations run in the calling task.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        let mut text = KVec::new();
        if let Err(e) = data.write(&mut text, &mut task) {
            return e.to_errno();
        }
        match KBox::new(text, task.gfp_kernel()) {
            Ok(text) => {
                // SAFETY: `file` is valid; `private_data` is ours until
                // `release`.
                unsafe { (*file).private_data = text.into_foreign() };
                0
            }
            Err(e) => Error::from(e).to_errno(),
        }
    }

    /// `f_op->read`.
    ///
    /// # Safety
    ///
    /// Called by the VFS on a file `open` succeeded on.
    unsafe extern "C" fn read(
        file: *mut bindings::file,
        buf: *mut kernel::ffi::c_char,
        count: usize,
        ppos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: `private_data` came from `open` and lives until `release`,
        // which cannot run while this call is in progress.
        let text = unsafe { <KBox<KVec<u8>> as ForeignOwnable>::borrow((*file).private_data) };
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

    /// `f_op->release`: frees the snapshot.
    ///
    /// # Safety
    ///
    /// Called by the VFS on the last close of a file `open` succeeded on.
    unsafe extern "C" fn release(_inode: *mut bindings::inode, file: *mut bindings::file) -> i32 {
        // SAFETY: `private_data` came from `into_foreign()` in `open`; this is
        // its last use.
        drop(unsafe { KBox::<KVec<u8>>::from_foreign((*file).private_data) });
        0
    }
}

impl<T: Send + Sync + 'static> Dir<T> {
    /// Creates `/sys/kernel/debug/NAME`. Failure is not an error: debugfs
    /// is optional, the files are then simply absent. Task context.
    pub(crate) fn new(name: &'static CStr, data: Arc<T>, _task: &Task) -> Self {
        // SAFETY: `name` is a valid string; NULL parent is the debugfs root.
        let dentry =
            unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), core::ptr::null_mut()) };
        // INVARIANT: No files yet.
        Self { dentry, data }
    }

    /// Creates a root-only file `name` showing the data through `Writer<ID>`.
    /// Task context.
    pub(crate) fn read_only_file<const ID: u64>(&self, name: &'static CStr, _task: &Task)
    where
        T: Writer<ID>,
    {
        let private = core::ptr::from_ref::<T>(&self.data).cast_mut().cast();
        // SAFETY: `dentry` is ours (or an error pointer, which debugfs
        // ignores); `private` lives as long as the directory (type invariant).
        // `debugfs_create_file()` is a C `_Generic` macro in 7.3; for a full
        // `file_operations` it is `debugfs_create_file_full()` with no `aux`.
        unsafe {
            bindings::debugfs_create_file_full(
                name.as_char_ptr(),
                0o400,
                self.dentry,
                private,
                core::ptr::null(),
                &Fops::<T, ID>::FOPS,
            )
        };
    }
}

impl<T: Send + Sync + 'static> Drop for Dir<T> {
    fn drop(&mut self) {
        // SAFETY: `dentry` is ours; removal waits for opens in progress,
        // after which nothing uses `data` (open files use their snapshot).
        unsafe { bindings::debugfs_remove(self.dentry) };
    }
}
