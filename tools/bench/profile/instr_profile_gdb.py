# SPDX-License-Identifier: GPL-2.0
"""Single-step obm_step.ko's pairs and single operations through QEMU's gdb stub.

Run by tools/bench/profile/run as `gdb -batch -x instr_profile_gdb.py`,
with the handshake values of obm_step.ko's "ready" line in the environment
(OBM_STEP_PORT, OBM_STEP_CASES, OBM_STEP_REPEATS, OBM_STEP_PAIR, OBM_STEP_ARMED,
OBM_STEP_DONE, OBM_STEP_PCS, OBM_STEP_NR, OBM_STEP_MAX, and OBM_STEP_OP)
and the output file in OBM_STEP_OUT. Sets a hardware breakpoint on
obm_step_pair() and one on obm_step_op() (the single operations, OBM_STEP_OP
if set), arms the module, and for each case steps each of its calls from
the breakpoint it stops at to the return, writing one line per case: the
addresses the shortest call executed, in hex, in order.
Then writes the distinct addresses into the module for it to name, and
lets it go. QEMU keeps interrupts and timers off while it single-steps,
and under -icount the guest clock moves one nanosecond per instruction,
so no timer should expire within a pair; the shortest of the calls
guards against the rest.
"""

import os

import gdb  # pylint: disable=import-error

MAX_STEPS = int(os.environ.get("OBM_STEP_MAX_STEPS", 50000))


def value(expr):
    """An expression's value as a Python int."""
    return int(gdb.parse_and_eval(expr))


def packet(text):
    """Send one remote-protocol packet to QEMU's stub; its reply."""
    out = gdb.execute(f"maint packet {text}", to_string=True)
    return out.rsplit('received: "', 1)[1].rsplit('"', 1)[0]


def register(num):
    """A register read straight from the stub (x86-64: 7 rsp, 16 rip)."""
    return int.from_bytes(bytes.fromhex(packet(f"p{num:x}")), "little")


def step_case():
    """Step one obm_step_pair() or obm_step_op() call from its entry to its return.

    Each step is two raw packets, "s" and a read of rip: gdb's own stepi
    also reads every register and redraws the frame, four times slower
    (1.4 ms against 0.33 ms a step). gdb's register cache is stale
    meanwhile and is flushed before gdb resumes the guest.
    """
    entry_sp = value("$rsp")
    ret = value(f"*(unsigned long *){entry_sp}")
    pc = value("$pc")
    pcs = []
    while not (pc == ret and register(7) > entry_sp):
        pcs.append(pc)
        if len(pcs) > MAX_STEPS:
            raise gdb.GdbError("the stepped call did not return: "
                               + " ".join(f"{pc:x}" for pc in pcs[:400]))
        reply = packet("s")
        if not reply.startswith("T05"):
            raise gdb.GdbError(f"single step stopped with {reply!r}")
        pc = register(16)
    gdb.execute("maint flush register-cache")
    return pcs


def main():
    env = os.environ
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set architecture i386:x86-64")
    gdb.execute(f"target remote 127.0.0.1:{env['OBM_STEP_PORT']}")
    gdb.execute(f"hbreak *{env['OBM_STEP_PAIR']}")
    if env.get("OBM_STEP_OP"):
        gdb.execute(f"hbreak *{env['OBM_STEP_OP']}")
    gdb.execute(f"set var *(int *){env['OBM_STEP_ARMED']} = 1")
    seen = {}
    with open(env["OBM_STEP_OUT"], "w", encoding="ascii") as out:
        for _ in range(int(env["OBM_STEP_CASES"])):
            runs = []
            for _ in range(int(env["OBM_STEP_REPEATS"])):
                gdb.execute("continue", to_string=True)
                runs.append(step_case())
            pcs = min(runs, key=len)
            for pc in pcs:
                seen.setdefault(pc, None)
            out.write(" ".join(f"{pc:x}" for pc in pcs) + "\n")
    gdb.execute("delete")
    pcs = list(seen)[:int(env["OBM_STEP_MAX"])]
    base = int(env["OBM_STEP_PCS"], 16)
    for i, pc in enumerate(pcs):
        gdb.execute(f"set var *(unsigned long *){base + 8 * i:#x} = {pc:#x}")
    gdb.execute(f"set var *(unsigned int *){env['OBM_STEP_NR']} = {len(pcs)}")
    gdb.execute(f"set var *(int *){env['OBM_STEP_DONE']} = 1")
    gdb.execute("detach")


main()
