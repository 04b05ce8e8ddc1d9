# SPDX-License-Identifier: GPL-2.0
# make check, inside the VM: load obmalloc and its KUnit suites (they run
# at load), unload both; the scenarios of scenarios.sh; then kmemleak looks
# for anything left behind; end.sh reads the taint and lockdep's state.
# Lines "obm-vm: FAIL: ..." and failed module commands fail the run
# (tools/vm/results.py).
kmemleak=/sys/kernel/debug/kmemleak

# Suspects from boot are the kernel's, not ours: report and forget them.
echo scan > $kmemleak
echo clear > $kmemleak

# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/kunit-setup.sh

insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
echo "obm-vm: tests begin"
insmod /modules/obmalloc_kunit.ko || echo "obm-vm: insmod obmalloc_kunit failed"
rmmod obmalloc_kunit || echo "obm-vm: rmmod obmalloc_kunit failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

export SOAK_SECONDS=10
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/scenarios.sh

# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/kmemleak.sh
# shellcheck source=/dev/null
. /guest/end.sh
