# SPDX-License-Identifier: GPL-2.0
# make demo, inside the VM: load obmalloc and the demo client, which
# allocates a realistic mix of objects, then print what debugfs shows.
insmod /modules/obmalloc.ko
insmod /modules/obm_demo.ko
for heap in /sys/kernel/debug/obmalloc/*/; do
	[ -f "$heap/stats" ] || continue
	name=$(basename "$heap")
	echo "obm-demo: begin $name/stats"
	cat "$heap/stats"
	echo "obm-demo: end $name/stats"
	echo "obm-demo: begin $name/classes"
	cat "$heap/classes"
	echo "obm-demo: end $name/classes"
	echo "obm-demo: begin $name/cpu"
	cat "$heap/cpu"
	echo "obm-demo: end $name/cpu"
done
rmmod obm_demo
rmmod obmalloc
