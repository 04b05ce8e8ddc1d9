# SPDX-License-Identifier: GPL-2.0
# make field, inside a VM running one of Debian's own kernels: load
# obmalloc and the demo client as a user would and read every debugfs
# file; the stress module through debug heaps; on the non-RT 6.12 the
# drop-in scenario (dropin-modules.sh); then the scenarios of
# scenarios.sh; end.sh reads the taint. Lines "obm-vm: FAIL: ..." and
# failed module commands fail the run (tools/vm/results.py --no-kunit).
dbg=/sys/kernel/debug/obmalloc
echo "obm-vm: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"

# The kernels tools/vm/install-test built the DKMS package for: obmalloc
# and a module built apart against it, loaded with modprobe.
if [ -r /install.env ]; then
	# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
	. /guest/install.sh
fi

insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
insmod /modules/obm_demo.ko || echo "obm-vm: insmod obm_demo failed"
for f in "$dbg"/*/stats "$dbg"/*/classes "$dbg"/*/fullness "$dbg"/*/cpu \
	 "$dbg"/magazines "$dbg"/foreign_frees "$dbg"/reclaim; do
	cat "$f" >/dev/null || echo "obm-vm: FAIL: cannot read $f"
done
grep -E '^(arenas_current|blocks_in_use|total_bytes|small_arenas) ' "$dbg/demo/stats"
rmmod obm_demo || echo "obm-vm: rmmod obm_demo failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

# A stray kfree() of an obmalloc block (tools/stress/obm_stray.c): no
# neighbour damaged after the page allocator is churned, the heap goes on.
insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
insmod /modules/obm_stray.ko || echo "obm-vm: insmod obm_stray failed"
grep -q '^obm_stray ' /proc/modules &&
	{ rmmod obm_stray || echo "obm-vm: rmmod obm_stray failed"; }
dmesg | grep -q 'stray: [0-9]* passed, 0 failed' ||
	echo "obm-vm: FAIL: obm_stray did not pass"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"

# Debug heaps on this kernel: every heap with all four flags (debug=FZPU,
# the default heap too), the stress module's workload through them on
# every CPU (GFP_ATOMIC in interrupts, realloc, alignment and every usable
# byte checked). No report may come: the log scan fails on any.
insmod /modules/obmalloc.ko debug=FZPU || echo "obm-vm: insmod obmalloc failed"
insmod /modules/obm_stress.ko seconds=5 ||
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

# The non-RT 6.12 (tools/vm/field gives it /dropin/): Debian's ext4 and
# fat+vfat built unmodified with the drop-in header, on two disks.
if [ -r /dropin/dropin.env ]; then
	# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
	. /guest/dropin-modules.sh
fi

export SOAK_SECONDS=30
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/scenarios.sh
# shellcheck source=/dev/null
. /guest/end.sh
