# SPDX-License-Identifier: GPL-2.0
# Sourced by the scenarios: a client leaks a heap on purpose and is
# unloaded; rmmod obmalloc must report the heap once, keep exactly its
# pools' pages and leave nothing of its own behind. Reclaim (every registered shrinker) and a CPU hotplug
# round (every registered hotplug callback) then run: an Oops here means
# obmalloc left a callback registered into its freed module text.
dbg=/sys/kernel/debug/obmalloc
echo "obm-vm: unload scenario begin"
insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
insmod /modules/obm_leaker.ko || echo "obm-vm: insmod obm_leaker failed"
[ -d $dbg/leaked ] || echo "obm-vm: FAIL: no debugfs directory for heap leaked"
rmmod obm_leaker || echo "obm-vm: rmmod obm_leaker failed"
# The report names no block: "at any" (tools/vm/results.py). The leaker
# keeps one block in each of the 64 classes: 64 pools, each a page, are
# all obmalloc may leave allocated (results.py checks its "unloaded:").
echo "obmalloc-test: expect report: destroy with live blocks from heap leaked at any"
echo "obm-vm: expect 64 pages left allocated"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"
[ -e $dbg ] && echo "obm-vm: FAIL: $dbg left behind after rmmod"
echo 2 > /proc/sys/vm/drop_caches
echo 3 > /proc/sys/vm/drop_caches
for cpu in /sys/devices/system/cpu/cpu[1-9]*; do
	[ -w "$cpu/online" ] || continue
	{ echo 0 > "$cpu/online" && echo 1 > "$cpu/online"; } ||
		echo "obm-vm: FAIL: $cpu hotplug after rmmod"
done
echo "obm-vm: unload scenario end"
