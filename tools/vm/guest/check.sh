# SPDX-License-Identifier: GPL-2.0
# make check, inside the VM: load obmalloc and its KUnit suites (they run
# at load), unload both, then let kmemleak look for anything left behind.
kmemleak=/sys/kernel/debug/kmemleak

# Suspects from boot are the kernel's, not ours: report and forget them.
echo scan > $kmemleak
echo clear > $kmemleak

insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
echo "obm-vm: tests begin"
insmod /modules/obmalloc_test.ko || echo "obm-vm: insmod obmalloc_test failed"
rmmod obmalloc_test
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

# kmemleak ignores objects younger than 5 s.
sleep 6
echo scan > $kmemleak
echo "obm-vm: kmemleak report begin"
cat $kmemleak
echo "obm-vm: kmemleak report end"
