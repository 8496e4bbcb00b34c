// SPDX-License-Identifier: GPL-2.0

//! C bindings: `kernel::bindings` plus the module's own C helpers.
//!
//! `bindings_generated.rs` is made by the `bindgen` rule in `Kbuild` from
//! `bindings_helper.h`, restricted to the items in `bindgen_parameters`.
//! Everything else, and every type those items mention, is the kernel crate's,
//! so a `*mut file` here is the same type as in `kernel::bindings`.

#![allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    unused_imports,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]

pub(crate) use kernel::bindings::*;

include!("bindings_generated.rs");
