# SPDX-License-Identifier: GPL-2.0
# make demo, inside the VM: load obmalloc and the demo client, which
# allocates a realistic mix of objects, with obmalloc's trace events on;
# then print the first events and what debugfs shows.
tr=/sys/kernel/tracing
insmod /modules/obmalloc.ko
echo > "$tr/trace"
echo 1 > "$tr/events/obmalloc/enable"
insmod /modules/obm_demo.ko
echo 0 > "$tr/events/obmalloc/enable"
echo "obm-demo: begin trace"
grep -v '^#' "$tr/trace" | head -5
echo "obm-demo: end trace"
for heap in /sys/kernel/debug/obmalloc/*/; do
	[ -f "$heap/stats" ] || continue
	name=$(basename "$heap")
	for file in stats classes fullness cpu; do
		echo "obm-demo: begin $name/$file"
		cat "$heap/$file"
		echo "obm-demo: end $name/$file"
	done
done
echo "obm-demo: begin reclaim"
cat /sys/kernel/debug/obmalloc/reclaim
echo "obm-demo: end reclaim"
rmmod obm_demo
rmmod obmalloc
