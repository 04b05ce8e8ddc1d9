# SPDX-License-Identifier: GPL-2.0
# make check's third boot, inside the VM: the standard kernel booted with
# init_on_alloc=0 init_on_free=0, where nothing but __GFP_ZERO clears a
# block, and kunit.filter_glob=obmalloc_zero, so loading the tests runs
# that suite alone (kunit/obm_test_zero.c: every test that can only fail
# here). Then kmemleak; no scenarios (the other boots run them).
kmemleak=/sys/kernel/debug/kmemleak
echo "obm-vm: command line: $(cat /proc/cmdline)"

echo scan > $kmemleak
echo clear > $kmemleak

insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
echo "obm-vm: tests begin"
insmod /modules/obmalloc_kunit.ko || echo "obm-vm: insmod obmalloc_kunit failed"
rmmod obmalloc_kunit || echo "obm-vm: rmmod obmalloc_kunit failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/kmemleak.sh
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/end.sh
