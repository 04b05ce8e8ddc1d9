# SPDX-License-Identifier: GPL-2.0
# Sourced by the scenarios: obmalloc's trace events as a user reads them.
# With obmalloc:obm_alloc and obmalloc:obm_free enabled through tracefs,
# load the demo client (tools/demo: 16,700 allocations, 3,000 of them 260
# bytes and 200 above 512 bytes, then every third block freed: 5,567
# frees) and check every event line against the documented format
# (README, Trace events) and the counts the demo's code implies; then
# unload it (the other 11,133 frees). The trace is read before rmmod
# obmalloc, which clears the buffer of a module's events, and while the
# demo is loaded, so its call sites have names: after rmmod they print as
# addresses. Nothing may be lost: the written and kept counts must agree.
tr=/sys/kernel/tracing
echo "obm-vm: trace begin"
echo 16384 > "$tr/buffer_size_kb"
# The events exist once the module is loaded.
insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
echo > "$tr/trace"
echo 1 > "$tr/events/obmalloc/enable" ||
	echo "obm-vm: FAIL: cannot enable the obmalloc trace events"

# trace_check FILE ALLOCS FREES FREES_OF_KMALLOC_BLOCKS
trace_check() {
	# "# entries-in-buffer/entries-written: 22267/22267   #P:4"
	grep -m1 'entries-in-buffer' "$1" | sed 's/^# */obm-vm: trace: /'
	grep -m1 'entries-in-buffer' "$1" |
		awk -F'[ /]+' '{ if ($4 != $5) print "obm-vm: FAIL: trace events were lost" }'
	awk -v want_alloc="$2" -v want_free="$3" -v want_kmalloc="$4" '
	# Literal patterns: busybox awk compiles a regex built from strings
	# again for every line, 20 times slower on 22,000 lines.
	/ obm_alloc: / {
		alloc++
		if ($0 ~ / obm_alloc: call_site=(obm_demo_build\+0x[0-9a-f]+\/0x[0-9a-f]+ \[obm_demo\]|0x[0-9a-f]+) ptr=([0-9a-f]+|\(____ptrval____\)) heap=demo bytes_req=[0-9]+ bytes_alloc=[0-9]+ gfp_flags=GFP_KERNEL$/)
			alloc_ok++
		if ($0 ~ / bytes_req=260 bytes_alloc=264 /)
			records++
		if ($0 ~ / bytes_req=(51[3-9]|5[2-9][0-9]|[6-9][0-9][0-9]|1[0-9][0-9][0-9]|20[0-4][0-9]) /)
			large++
		named += $0 ~ / call_site=obm_demo_build\+/
	}
	/ obm_free: / {
		free++
		if ($0 ~ / obm_free: call_site=(obm_demo_build\+0x[0-9a-f]+\/0x[0-9a-f]+ \[obm_demo\]|0x[0-9a-f]+) ptr=([0-9a-f]+|\(____ptrval____\)) heap=(demo|\(kmalloc\))$/)
			free_ok++
		if ($0 ~ / heap=\(kmalloc\)$/)
			free_kmalloc++
	}
	END {
		printf "obm-vm: trace: %d obm_alloc (%d well-formed, %d with a named call site, %d of 260 bytes, %d above 512), %d obm_free (%d well-formed, %d of kmalloc blocks)\n",
			alloc, alloc_ok, named, records, large, free, free_ok, free_kmalloc
		if (alloc != want_alloc || alloc_ok != alloc || named != alloc ||
		    records != 3000 || large != 200 || free != want_free ||
		    free_ok != free || free_kmalloc != want_kmalloc)
			print "obm-vm: FAIL: the trace events do not match the demo"
	}' "$1"
}

insmod /modules/obm_demo.ko || echo "obm-vm: insmod obm_demo failed"
cat "$tr/trace" > /tmp/trace.txt
# Frees at load: blocks 0, 3, 6, ...; the last 200 are the kmalloc ones,
# of which those at indexes 16500 + 3k, k = 0..66, are freed: 67.
trace_check /tmp/trace.txt 16700 5567 67
# The demo's heap as obmstat's host tests read it (tools/vm/check).
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/snapshot.sh
obm_snapshot demo
grep -m2 ' obm_alloc: \| obm_free: ' /tmp/trace.txt |
	sed 's/^ */obm-vm: trace example: /'
rmmod obm_demo || echo "obm-vm: rmmod obm_demo failed"
echo 0 > "$tr/events/obmalloc/enable"
cat "$tr/trace" > /tmp/trace.txt
grep -c ' obm_free: ' /tmp/trace.txt | sed 's/^/obm-vm: trace: obm_free events after rmmod obm_demo: /'
[ "$(grep -c ' obm_free: ' /tmp/trace.txt)" = 16700 ] ||
	echo "obm-vm: FAIL: not every block of the demo was freed once in the trace"
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"
echo 1408 > "$tr/buffer_size_kb"
rm -f /tmp/trace.txt
echo "obm-vm: trace end"
