# SPDX-License-Identifier: GPL-2.0
# make field, inside a VM running one of Debian's own kernels: load
# obmalloc and the demo client as a user would and read every debugfs
# file; the stress module through debug heaps; then the scenarios of
# scenarios.sh. Lines "obm-vm: FAIL: ..." and
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

# Debug heaps on this kernel: every heap with all four flags (debug=FZPU,
# the default heap too), the stress module's workload through them on
# every CPU (GFP_ATOMIC in interrupts, realloc, alignment and every usable
# byte checked). No report may come: the log scan fails on any.
insmod /modules/obmalloc.ko debug=FZPU || echo "obm-vm: insmod obmalloc failed"
insmod /modules/obm_stress.ko ops=20000 ||
	echo "obm-vm: insmod obm_stress failed"
for heap in "$dbg"/*/debug; do
	[ "$(cat "$heap")" = FZPU ] ||
		echo "obm-vm: FAIL: $heap is $(cat "$heap"), not FZPU"
	cat "${heap%/debug}/objects" >/dev/null ||
		echo "obm-vm: FAIL: cannot read ${heap%/debug}/objects"
done
grep -E '^(requests_tracked|bytes_requested|bytes_lost_to_rounding|bytes_in_debug_records) ' \
	"$dbg/default/stats"
rmmod obm_stress || echo "obm-vm: rmmod obm_stress failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

export SOAK_OPS=200000
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/scenarios.sh
