#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write irqctx's rust-project.json from the kernel tree's.

    rust-analyzer.py KERNEL_RUST_PROJECT_JSON MODULE_DIR [TOOLCHAIN_ROOT]

The kernel's scripts/generate_rust_analyzer.py finds an external module's crate
roots only next to a Kbuild that names them, and its M= target looks for
rust/Makefile in the module; irqctx's root (rust/irqctx.rs) is one directory
below its Kbuild. `make rust-analyzer` runs the kernel tree's target, then
this adds the irqctx crate, with the kernel crate's cfgs, and writes
MODULE_DIR/rust-project.json. With TOOLCHAIN_ROOT (the kernel toolchain's
root, scripts/lib.sh), the standard library's paths, which the kernel tree's
target wrote as the root sees them (/usr/...), are made host paths.
"""
import json
import pathlib
import sys

source = pathlib.Path(sys.argv[1])
root = pathlib.Path(sys.argv[2]).resolve()
project = root / "rust-project.json"
data = json.loads(source.read_text())
if len(sys.argv) > 3 and sys.argv[3]:
    prefix = sys.argv[3].rstrip("/")

    def host_path(path):
        return prefix + path if isinstance(path, str) and path.startswith("/usr/") else path

    if "sysroot_src" in data:
        data["sysroot_src"] = host_path(data["sysroot_src"])
    for crate in data["crates"]:
        crate["root_module"] = host_path(crate["root_module"])
        if "source" in crate:
            crate["source"]["include_dirs"] = [host_path(d) for d in crate["source"]["include_dirs"]]
crates = data["crates"]
index = {c["display_name"]: i for i, c in enumerate(crates)}
kernel = crates[index["kernel"]]
crates[:] = [c for c in crates if c["display_name"] != "irqctx"]
index = {c["display_name"]: i for i, c in enumerate(crates)}
crates.append({
    "display_name": "irqctx",
    "root_module": str(root / "rust" / "irqctx.rs"),
    "is_workspace_member": True,
    "is_proc_macro": False,
    "deps": [{"crate": index[n], "name": n} for n in ("core", "alloc", "kernel", "macros")
             if n in index],
    "cfg": kernel["cfg"],
    "edition": kernel["edition"],
    "env": {"RUST_MODFILE": "This is only for rust-analyzer"},
})
project.write_text(json.dumps(data, sort_keys=True, indent=4) + "\n")
print(f"{project}: {len(crates)} crates, irqctx at {root / 'rust' / 'irqctx.rs'}")
