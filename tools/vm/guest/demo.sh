# SPDX-License-Identifier: GPL-2.0
# make demo, inside the VM: load obmalloc and the demo client, which
# allocates a realistic mix of objects, with obmalloc's trace events on;
# then print the first events and copy the debugfs tree out
# (snapshot.sh) for tools/vm/demo to show and plot.
tr=/sys/kernel/tracing
insmod /modules/obmalloc.ko
echo > "$tr/trace"
echo 1 > "$tr/events/obmalloc/enable"
insmod /modules/obm_demo.ko
echo 0 > "$tr/events/obmalloc/enable"
echo "obm-demo: begin trace"
grep -v '^#' "$tr/trace" | head -5
echo "obm-demo: end trace"
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/snapshot.sh
obm_snapshot demo
rmmod obm_demo
rmmod obmalloc
