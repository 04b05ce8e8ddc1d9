# SPDX-License-Identifier: GPL-2.0
# Guest scenario of tools/bench/traces/record, on Debian's own 6.12: each
# workload runs with the kmem:kmalloc and kmem:kfree tracepoints on, and
# its events are printed on the console, compacted to
# "obm-trace: <workload> a <ptr> <bytes_req>" and "... f <ptr>" lines
# (no_hash_pointers: the real addresses), between "obm-trace: begin" and
# "obm-trace: end <workload> <events> <lost>" lines.
t=/sys/kernel/tracing
echo 0 > $t/tracing_on
echo 65536 > $t/buffer_size_kb
echo 1 > $t/events/kmem/kmalloc/enable
echo 1 > $t/events/kmem/kfree/enable
mkdir -p /mnt/tmp /www
mount -t tmpfs tmpfs /mnt/tmp
ip link set lo up
head -c 65536 /dev/urandom > /www/file
httpd -p 127.0.0.1:8080 -h /www

wl_tar() {
	tar -C /mnt/tmp -xf /modules/src.tar
	rm -rf /mnt/tmp/*
}

wl_http() {
	i=0
	while [ $i -lt 300 ]; do
		wget -q -O /dev/null http://127.0.0.1:8080/file
		i=$((i + 1))
	done
}

wl_procfs() {
	find /proc/sys /proc/1 /sys/class >/dev/null 2>&1
	find /proc/sys -type f 2>/dev/null | head -200 |
		xargs grep -s -l obm >/dev/null 2>&1
	find /sys/devices -maxdepth 3 -name uevent \
		-exec grep -s -h DRIVER {} + >/dev/null
}

wl_files() {
	i=0
	while [ $i -lt 1000 ]; do
		echo $i > /mnt/tmp/f$i
		echo $i | cat | wc -c >/dev/null
		i=$((i + 1))
	done
	rm -f /mnt/tmp/f*
}

read -r workloads </modules/workloads
for w in $workloads; do
	echo > $t/trace
	echo 1 > $t/tracing_on
	"wl_$w"
	echo 0 > $t/tracing_on
	echo "obm-trace: begin $w"
	lost=$(grep -h 'overrun' $t/per_cpu/cpu*/stats | awk '{ s += $2 } END { print s }')
	awk -v w="$w" '
		/ kmalloc: / {
			p = ""; n = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^ptr=/) p = substr($i, 5)
				if ($i ~ /^bytes_req=/) n = substr($i, 11)
			}
			if (p != "" && n != "") { print "obm-trace: " w " a " p " " n; c++ }
			next
		}
		/ kfree: / {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^ptr=/) { print "obm-trace: " w " f " substr($i, 5); c++ }
		}
		END { printf "obm-trace: end %s %d ", w, c }' $t/trace
	echo "$lost"
done
killall httpd
