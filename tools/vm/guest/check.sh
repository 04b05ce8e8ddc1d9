# SPDX-License-Identifier: GPL-2.0
# make check, inside the VM: load obmalloc and its KUnit suites (they run
# at load), unload both; the scenarios of scenarios.sh; then kmemleak looks
# for anything left behind. Lines "obm-vm: FAIL: ..." and failed module
# commands fail the run (tools/vm/results.py).
kmemleak=/sys/kernel/debug/kmemleak

# Suspects from boot are the kernel's, not ours: report and forget them.
echo scan > $kmemleak
echo clear > $kmemleak

insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
echo "obm-vm: tests begin"
insmod /modules/obmalloc_test.ko || echo "obm-vm: insmod obmalloc_test failed"
rmmod obmalloc_test || echo "obm-vm: rmmod obmalloc_test failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

export SOAK_OPS=20000
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/scenarios.sh

# kmemleak ignores objects younger than 5 s.
sleep 6
echo scan > $kmemleak
echo "obm-vm: kmemleak report begin"
cat $kmemleak
echo "obm-vm: kmemleak report end"
