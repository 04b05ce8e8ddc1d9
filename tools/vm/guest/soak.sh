# SPDX-License-Identifier: GPL-2.0
# Sourced by the scenarios. First, kswapd under memory pressure
# (tools/stress/obm_kswapd.c): every CPU's magazines filled, free memory
# squeezed below kswapd's low watermark, and obmalloc's "reclaim" file
# must show kswapd's scans freeing objects. Then the soak: the stress
# module (tools/stress/obm_torture.h) on every CPU and from interrupts,
# with heaps drained, shrinkers scanned, a CPU cycled offline and back, a
# heap churned and memory squeezed from inside it, while this script drops
# caches, reads every debugfs file and drains through debugfs, each in a
# loop, until the module is done. Its ledger of live blocks must then be
# each heap's blocks_in_use (and bytes, outside debug heaps); unloading
# must leave no page allocated; MemFree afterwards must be within
# SOAK_MEMFREE_KB of before loading (page cache dropped and slab caches
# shrunk both times).
# SOAK_SECONDS and SOAK_PRESSURE (percent of RAM; 100: all but 64 MiB)
# size it.
dbg=/sys/kernel/debug/obmalloc
echo "obm-vm: soak begin"
# kswapd's watermarks far above the minimum, so a squeeze to 64 MiB falls
# below the low watermark (waking kswapd) and stays short of the OOM
# killer. Watermark boosting off: after fragmenting allocations it raises
# every watermark, the minimum too, by up to 150% of the high one, which
# would put the minimum above the squeeze's 64 MiB and let a shell's page
# fault OOM-kill the scenario.
echo 1000 > /proc/sys/vm/watermark_scale_factor
echo 0 > /proc/sys/vm/watermark_boost_factor
# Free memory in kB with the page cache dropped and every slab cache
# shrunk (which empties KASAN's quarantine of it too, on the debug
# kernels): MemFree plus the free pages on the per-CPU lists, which
# MemFree leaves out (their "count" in /proc/zoneinfo) and which the
# raised watermarks let grow to tens of MiB.
soak_memfree() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	for soak_shrink in /sys/kernel/slab/*/shrink; do
		echo 1 > "$soak_shrink" 2>/dev/null
	done
	soak_pcp=$(awk '$1 == "count:" { n += $2 } END { print n + 0 }' /proc/zoneinfo)
	awk -v pcp="$soak_pcp" '$1 == "MemFree:" { print $2 + pcp * 4 }' /proc/meminfo
}
soak_before=$(soak_memfree)
insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"

# Before the soak: kswapd gives up on a node after 16 runs that reclaim
# nothing, which the soak's squeezes, with little cached, can cause.
insmod /modules/obm_kswapd.ko || echo "obm-vm: insmod obm_kswapd failed"
rmmod obm_kswapd || echo "obm-vm: rmmod obm_kswapd failed"
sed 's/^/obm-vm: reclaim: /' "$dbg/reclaim"
kswapd_freed=$(awk '$1 == "kswapd" { print $4 }' "$dbg/reclaim")
if [ "${kswapd_freed:-0}" -eq 0 ]; then
	echo "obm-vm: FAIL: kswapd freed nothing of obmalloc's under the squeeze"
	awk '$1 == "Node" && $3 == "zone" { node = $2; sub(/,/, "", node) }
	     $1 == "node_unreclaimable:" && !seen[node]++ {
		print "obm-vm: node " node ": node_unreclaimable " $2 }' /proc/zoneinfo
fi

soak_loops=""
while :; do echo 3 > /proc/sys/vm/drop_caches; sleep 1; done &
soak_loops="$soak_loops $!"
while :; do
	for f in "$dbg"/*/stats "$dbg"/*/classes "$dbg"/*/fullness \
		 "$dbg"/*/cpu "$dbg"/magazines "$dbg"/reclaim; do
		cat "$f" >/dev/null 2>&1
	done
	echo 1 > "$dbg/drain" 2>/dev/null
done &
soak_loops="$soak_loops $!"
insmod /modules/obm_stress.ko seconds="${SOAK_SECONDS:-10}" \
	pressure="${SOAK_PRESSURE:-100}" || echo "obm-vm: insmod obm_stress failed"
# shellcheck disable=SC2086 # a list of PIDs
kill $soak_loops
wait 2>/dev/null
for cpu in /sys/devices/system/cpu/cpu[1-9]*; do
	[ -w "$cpu/online" ] && echo 1 > "$cpu/online"
done
sed 's/^/obm-vm: reclaim after the soak: /' "$dbg/reclaim"

# The ledger: "obm_stress: ledger NAME blocks N bytes B", the last of each.
echo 1 > "$dbg/drain"
dmesg | sed -n 's/.*obm_stress: ledger \([^ ]*\) blocks \([0-9]*\) bytes \([0-9]*\)$/\1 \2 \3/p' |
	tail -n 4 >/tmp/soak-ledger
[ "$(wc -l </tmp/soak-ledger)" -eq 4 ] ||
	echo "obm-vm: FAIL: obm_stress printed no ledger"
while read -r heap blocks bytes; do
	stats="$dbg/$heap/stats"
	used=$(awk '$1 == "blocks_in_use" { print $2 }' "$stats")
	used_bytes=$(awk '$1 == "bytes_in_allocated_blocks" { print $2 }' "$stats")
	echo "obm-vm: ledger $heap: $blocks blocks, $bytes bytes; stats $used, $used_bytes"
	[ "$used" = "$blocks" ] ||
		echo "obm-vm: FAIL: heap $heap has $used blocks in use, the ledger $blocks"
	# A debug heap's bytes are its classes', the ledger's the requests.
	[ "$(cat "$dbg/$heap/debug")" != - ] || [ "$used_bytes" = "$bytes" ] ||
		echo "obm-vm: FAIL: heap $heap has $used_bytes bytes in use, the ledger $bytes"
done </tmp/soak-ledger
rmmod obm_stress || echo "obm-vm: rmmod obm_stress failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"
soak_after=$(soak_memfree)
echo "obm-vm: free memory before the soak ${soak_before} kB, after unloading ${soak_after} kB"
[ $((soak_before - soak_after)) -le "${SOAK_MEMFREE_KB:-8192}" ] ||
	echo "obm-vm: FAIL: free memory after unloading is $((soak_before - soak_after)) kB below before loading (bound ${SOAK_MEMFREE_KB:-8192} kB)"
echo "obm-vm: soak end"
