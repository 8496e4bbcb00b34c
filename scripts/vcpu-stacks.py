#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where each vCPU of a wedged guest is, read through QEMU's monitor.

    vcpu-stacks.py MONITOR_SOCKET SYSTEM_MAP [MODULE_KO MODULE_TEXT_ADDR]

A guest wedged with interrupts off prints nothing more of its own; the NMI
the harness sends then makes it panic and print its CPUs' backtraces, if
the guest can still do that much. QEMU can read every vCPU's registers and
memory whatever the guest's state: this prints, per vCPU,
whether it is halted, the function its RIP is in and the kernel text
addresses found on the top of its stack (a scan, like the kernel's "?"
frames: return addresses, possibly stale ones), resolved against the
kernel's System.map and, given the module and the address of its .text,
the module's symbols.

The last line names the stuck vCPU: the first one running (not halted,
not in an idle function) with a module frame on its stack, else the first
one running at all:

    stuck: cpu1 mutex_spin_on_owner

or "stuck: none, every vCPU idle" (a guest whose tasks all sleep on
something nobody will do: a sleeping deadlock, not a spinning one).
"""
import bisect
import re
import socket
import subprocess
import sys

STACK_WORDS = 64
SHOWN_FRAMES = 8
IDLE = re.compile(r"(default_idle|native_safe_halt|pv_native_safe_halt|"
                  r"cpu_idle|do_idle|acpi_idle|mwait_idle|poll_idle)")


class Monitor:
    """QEMU's human monitor on a Unix socket, one command at a time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self._until_prompt()

    def _until_prompt(self):
        out = b""
        while not out.endswith(b"(qemu) "):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            out += chunk
        return out.decode(errors="replace")

    def run(self, command):
        self.sock.sendall(command.encode() + b"\n")
        out = self._until_prompt()
        # The monitor echoes the command (with terminal escapes): drop it.
        return out.split("\n", 1)[1] if "\n" in out else ""


class Symbols:
    """Sorted text symbols: address -> name+offset."""

    def __init__(self):
        self.addrs, self.names = [], []

    def add(self, addr, name):
        self.addrs.append(addr)
        self.names.append(name)

    def finish(self):
        order = sorted(range(len(self.addrs)), key=self.addrs.__getitem__)
        self.addrs = [self.addrs[i] for i in order]
        self.names = [self.names[i] for i in order]

    def lookup(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return None
        return self.names[i], addr - self.addrs[i]


def kernel_symbols(system_map):
    syms, text = Symbols(), [None, None]
    with open(system_map) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if name == "_stext":
                text[0] = int(addr, 16)
            elif name == "_etext":
                text[1] = int(addr, 16)
            if kind in "tTwW":
                syms.add(int(addr, 16), name)
    syms.finish()
    return syms, text


def module_symbols(ko, base):
    """The module's .text symbols (demangled), and the end of its .text."""
    syms = Symbols()
    out = subprocess.run(["nm", "-C", "--defined-only", ko], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tT":
            syms.add(base + int(parts[0], 16), "[irqctx] " + parts[2])
    size = 0
    head = subprocess.run(["objdump", "-h", ko], capture_output=True, text=True).stdout
    m = re.search(r"^\s*\d+\s+\.text\s+([0-9a-f]+)", head, re.M)
    if m:
        size = int(m.group(1), 16)
    syms.finish()
    return syms, base + size


def short(name):
    """A Rust path without its crate hashes and generic noise."""
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    # <irqctx::device::IrqCtx as ...::IrqWorkCallback>::run -> irqctx::device::IrqCtx::run
    name = re.sub(r"<([^<>]*) as [^<>]*>", r"\1", name)
    name = re.sub(r"<[^<>]*>", "", name)
    return name


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    mon = Monitor(sys.argv[1])
    ksyms, (stext, etext) = kernel_symbols(sys.argv[2])
    msyms, mod = None, (0, 0)
    if len(sys.argv) == 5:
        base = int(sys.argv[4], 16)
        msyms, end = module_symbols(sys.argv[3], base)
        mod = (base, end)

    def resolve(addr):
        if stext is not None and stext <= addr < etext:
            hit = ksyms.lookup(addr)
            return hit and f"{hit[0]}+0x{hit[1]:x}"
        if mod[0] <= addr < mod[1]:
            hit = msyms.lookup(addr)
            return short(hit[0]) + f"+0x{hit[1]:x}" if hit else f"[irqctx]+0x{addr - mod[0]:x}"
        return None

    regs = mon.run("info registers -a")
    cpus = []
    for block in re.split(r"^CPU#", regs, flags=re.M)[1:]:
        num = int(block.split("\n", 1)[0].strip())
        rip = int(re.search(r"RIP=([0-9a-f]+)", block).group(1), 16)
        rsp = int(re.search(r"RSP=([0-9a-f]+)", block).group(1), 16)
        halted = re.search(r"HLT=1", block) is not None
        cpus.append((num, rip, rsp, halted))

    stuck = None
    for num, rip, rsp, halted in cpus:
        at = resolve(rip) or f"0x{rip:x} (user space or unknown)"
        mon.run(f"cpu {num}")
        words = re.findall(r"0x([0-9a-f]{16})", mon.run(f"x/{STACK_WORDS}gx 0x{rsp:x}"))
        frames = []
        for w in words:
            name = resolve(int(w, 16))
            if name and name not in frames:
                frames.append(name)
        idle = halted or IDLE.search(at) is not None
        in_module = any(f.startswith("[irqctx]") or "irqctx" in f for f in [at] + frames)
        state = "halted" if halted else ("idle" if idle else "running")
        print(f"cpu{num}: {state} at {at}")
        print(f"cpu{num}: stack ? " + " ? ".join(frames[:SHOWN_FRAMES]))
        function = at.split("+")[0]
        if not idle and (stuck is None or (in_module and not stuck[2])):
            stuck = (num, function, in_module)
    print(f"stuck: cpu{stuck[0]} {stuck[1]}" if stuck else "stuck: none, every vCPU idle")


if __name__ == "__main__":
    main()
