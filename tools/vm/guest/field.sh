# SPDX-License-Identifier: GPL-2.0
# make field, inside a VM running one of Debian's own kernels: load
# obmalloc and the demo client as a user would and read every debugfs
# file; then the scenarios of scenarios.sh. Lines "obm-vm: FAIL: ..." and
# failed module commands fail the run (tools/vm/results.py --no-kunit).
dbg=/sys/kernel/debug/obmalloc
echo "obm-vm: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"

insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
insmod /modules/obm_demo.ko || echo "obm-vm: insmod obm_demo failed"
for f in "$dbg"/*/stats "$dbg"/*/classes "$dbg"/*/fullness "$dbg"/*/cpu \
	 "$dbg"/magazines "$dbg"/foreign_frees "$dbg"/reclaim; do
	cat "$f" >/dev/null || echo "obm-vm: FAIL: cannot read $f"
done
grep -E '^(arenas_current|blocks_in_use|total_bytes|small_arenas) ' "$dbg/demo/stats"
rmmod obm_demo || echo "obm-vm: rmmod obm_demo failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

export SOAK_OPS=200000
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/scenarios.sh
