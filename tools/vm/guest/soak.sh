# SPDX-License-Identifier: GPL-2.0
# Sourced by the scenarios. First, kswapd under memory pressure
# (tools/stress/obm_kswapd.c): every CPU's magazines filled, free memory
# squeezed below kswapd's low watermark, and obmalloc's "reclaim" file
# must show kswapd's scans freeing objects. Then the soak: the stress
# module (tools/stress) on every CPU, with a heap churned and memory
# squeezed from inside it, while this script drops caches, takes CPUs
# offline and back, reads every debugfs file and drains the magazines,
# each in a loop, until the module is done.
# SOAK_OPS and SOAK_PRESSURE (percent of RAM; 100: all but 64 MiB) size it.
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
insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"

# Before the soak: kswapd gives up on a node after 16 runs that reclaim
# nothing, which the soak's squeezes, with little cached, can cause.
insmod /modules/obm_kswapd.ko || echo "obm-vm: insmod obm_kswapd failed"
rmmod obm_kswapd || echo "obm-vm: rmmod obm_kswapd failed"
sed 's/^/obm-vm: reclaim: /' "$dbg/reclaim"
kswapd_freed=$(awk '$1 == "kswapd" { print $4 }' "$dbg/reclaim")
[ "${kswapd_freed:-0}" -gt 0 ] ||
	echo "obm-vm: FAIL: kswapd freed nothing of obmalloc's under the squeeze"

soak_loops=""
while :; do echo 3 > /proc/sys/vm/drop_caches; sleep 1; done &
soak_loops="$soak_loops $!"
while :; do
	for cpu in /sys/devices/system/cpu/cpu[1-9]*; do
		[ -w "$cpu/online" ] || continue
		echo 0 > "$cpu/online" 2>/dev/null
		sleep 1
		echo 1 > "$cpu/online" 2>/dev/null
	done
done &
soak_loops="$soak_loops $!"
while :; do
	for f in "$dbg"/*/stats "$dbg"/*/classes "$dbg"/*/fullness \
		 "$dbg"/*/cpu "$dbg"/magazines "$dbg"/reclaim; do
		cat "$f" >/dev/null 2>&1
	done
	echo 1 > "$dbg/drain" 2>/dev/null
done &
soak_loops="$soak_loops $!"
insmod /modules/obm_stress.ko ops="${SOAK_OPS:-20000}" \
	pressure="${SOAK_PRESSURE:-100}" || echo "obm-vm: insmod obm_stress failed"
# shellcheck disable=SC2086 # a list of PIDs
kill $soak_loops
wait 2>/dev/null
for cpu in /sys/devices/system/cpu/cpu[1-9]*; do
	[ -w "$cpu/online" ] && echo 1 > "$cpu/online"
done
sed 's/^/obm-vm: reclaim after the soak: /' "$dbg/reclaim"
rmmod obm_stress || echo "obm-vm: rmmod obm_stress failed"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"
echo "obm-vm: soak end"
