#!/usr/bin/env python3
"""Writes the layout fixtures of tests/fixtures/layouts/.

The device-tree properties are binary (big-endian cells), so they are made
here rather than by hand; the sysfs and iomem copies are made here too so
that every fixture of one machine tells the same story.  Run it from the
repository root after changing a machine below; the output is committed.

  x86-pci-hole   an x86-64 machine with 8 GiB of RAM: 3 GiB below the PCI
                 hole at 3-4 GiB, 5 GiB above it; two blocks offline
                 (sysfs copy and the matching /proc/iomem).
  power-dlpar    a POWER partition of 32 LMBs (256 MiB) where DLPAR took
                 LMBs 12-15 from the middle and the last LMB is reserved
                 (ibm,dynamic-memory v1, and the same partition in v2).
  numa-far       a POWER partition with two NUMA nodes of 4 GiB, at 0 and at
                 32 TiB (ibm,dynamic-memory-v2, associativity 0 and 1).
"""
import os
import shutil
import struct
import sys

ROOT = os.path.join("tests", "fixtures", "layouts")
MiB, GiB, TiB = 1 << 20, 1 << 30, 1 << 40
ASSIGNED, RESERVED = 0x8, 0x80
LMB = 256 * MiB


def fresh(name):
    path = os.path.join(ROOT, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def x86_pci_hole():
    path = fresh("x86-pci-hole")
    block = 128 * MiB
    sysfs = os.path.join(path, "sysfs")
    write(os.path.join(sysfs, "block_size_bytes"), "%x\n" % block)
    offline = {40, 41}
    present = list(range(0, 3 * GiB // block)) + list(range(4 * GiB // block, 9 * GiB // block))
    for n in present:
        write(os.path.join(sysfs, "memory%d" % n, "phys_index"), "%08x\n" % n)
        write(os.path.join(sysfs, "memory%d" % n, "state"),
              "offline\n" if n in offline else "online\n")
    write(os.path.join(path, "iomem"), "".join([
        "00000000-00000fff : Reserved\n",
        "00001000-0009fbff : System RAM\n",
        "0009fc00-0009ffff : Reserved\n",
        "000a0000-000bffff : PCI Bus 0000:00\n",
        "000f0000-000fffff : System ROM\n",
        "00100000-bffdffff : System RAM\n",
        "  01000000-01ffffff : Kernel code\n",
        "  02000000-0255ffff : Kernel rodata\n",
        "bffe0000-bfffffff : Reserved\n",
        "c0000000-febfffff : PCI Bus 0000:00\n",
        "  fd000000-fdffffff : 0000:00:02.0\n",
        "fec00000-fec003ff : IOAPIC 0\n",
        "fee00000-fee00fff : Local APIC\n",
        "fffc0000-ffffffff : Reserved\n",
        "100000000-1ffffffff : System RAM\n",
        "200000000-23fffffff : System RAM\n",
    ]))


def drconf(path, lmbs_v1=None, sets_v2=None):
    node = os.path.join(path, "ibm,dynamic-reconfiguration-memory")
    write(os.path.join(node, "ibm,lmb-size"), struct.pack(">Q", LMB))
    if lmbs_v1 is not None:
        data = struct.pack(">I", len(lmbs_v1))
        for drc, (base, aa, flags) in enumerate(lmbs_v1):
            data += struct.pack(">QIIII", base, 0x80000000 + drc, 0, aa, flags)
        write(os.path.join(node, "ibm,dynamic-memory"), data)
    if sets_v2 is not None:
        data = struct.pack(">I", len(sets_v2))
        for seq, base, drc, aa, flags in sets_v2:
            data += struct.pack(">IQIII", seq, base, drc, aa, flags)
        write(os.path.join(node, "ibm,dynamic-memory-v2"), data)


def power_dlpar():
    def flags(i):
        if 12 <= i <= 15:
            return 0  # removed by DLPAR: back with the hypervisor
        return RESERVED | ASSIGNED if i == 31 else ASSIGNED
    lmbs = [(i * LMB, 0, flags(i)) for i in range(32)]
    drconf(fresh("power-dlpar"), lmbs_v1=lmbs)
    drconf(fresh("power-dlpar-v2"), sets_v2=[
        (12, 0, 0x80000000, 0, ASSIGNED),
        (4, 12 * LMB, 0x8000000c, 0, 0),
        (15, 16 * LMB, 0x80000010, 0, ASSIGNED),
        (1, 31 * LMB, 0x8000001f, 0, ASSIGNED | RESERVED),
    ])


def numa_far():
    drconf(fresh("numa-far"), sets_v2=[
        (16, 0, 0x80000000, 0, ASSIGNED),
        (16, 32 * TiB, 0x80000010, 1, ASSIGNED),
    ])


def main():
    if not os.path.isdir(os.path.join("tests")):
        sys.exit("run from the repository root")
    x86_pci_hole()
    power_dlpar()
    numa_far()


if __name__ == "__main__":
    main()
