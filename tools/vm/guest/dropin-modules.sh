# SPDX-License-Identifier: GPL-2.0
# The drop-in scenario: unmodified in-tree modules, ext4 and fat+vfat from
# Debian's linux-source-6.12, built by tools/vm/field with
# include/obmalloc_kmalloc.h (heaps "ext4" and "fat"), loaded into Debian's
# own 6.12 next to obmalloc and Debian's own jbd2, mbcache, crc16,
# virtio_blk, nls modules (/dropin/, described by /dropin/dropin.env).
#
# DROPIN_MODE=field (sourced by field.sh): on each disk tools/vm/field made
# (/dev/vda ext4, /dev/vdb vfat) the workload of dropin-tree.sh: build,
# sync, umount, mount, churn, umount, mount. After each remount the tree's
# manifest (names, sha256sum, link targets, xattrs) must equal the one
# before, and diff -r must find it equal to the same recipe run on tmpfs.
# Prints the heaps' stats, classes and, from a hist trigger on
# obmalloc:obm_alloc, the requests per class and call site; after umount,
# rmmod and a drain, each heap must have blocks_in_use 0, blocks_cached 0,
# stray_frees 0. The host judges the images afterwards (fsck, and the tree
# against its own run of the recipe).
#
# DROPIN_MODE=compare (the scenario of an extra boot under QEMU -icount,
# where guest ns are instructions): the workload on brd RAM disks loaded
# from the pristine images on vda and vdb, with Debian's stock ext4, fat,
# vfat and with the drop-in builds, twice each, alternating: per run the
# guest ns of the workload and, before the last umount, the growth of
# kmalloc's caches (/proc/slabinfo) and the heap's pages_held (the peak
# of two samples, and after a drain of the magazines).
#
# Failed checks print "obm-vm: FAIL: dropin: ..."; the last line is "obm-vm:
# dropin modules end".
dm_dbg=/sys/kernel/debug/obmalloc
dm_tr=/sys/kernel/tracing/events/obmalloc/obm_alloc/trigger
dm_hist_class='hist:keys=heap,bytes_alloc:sort=heap,bytes_alloc'
dm_hist_site='hist:keys=heap,call_site.sym:sort=hitcount.descending'
DROPIN_MODE=
# shellcheck source=/dev/null # written by tools/vm/field
. /dropin/dropin.env
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/dropin-tree.sh
DT_XATTR=/dropin/bin/xattr
echo "obm-vm: dropin modules begin ($DROPIN_MODE)"

dm_fail() { echo "obm-vm: FAIL: dropin: $*"; }
dm_insmod() { insmod "$@" || dm_fail "insmod $*"; }
dm_rmmod() { rmmod "$@" || dm_fail "rmmod $*"; }
# dm_stat HEAP NAME: one figure of the heap's stats.
dm_stat() { awk -v n="$2" '$1 == n { print $2 }' "$dm_dbg/$1/stats"; }
# The guest clock in ns: instructions under -icount shift=0.
dm_now() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }
# Idle and iowait time of all CPUs, in jiffies.
dm_idle() { awk '/^cpu / { print $5 + $6; exit }' /proc/stat; }
# kmalloc's caches: bytes in active objects and pages in slabs.
dm_kmalloc() {
	awk '/^kmalloc-/ { b += $2 * $4; p += $15 * $6 } END { print b, p }' /proc/slabinfo
}
# dm_manifest KIND: every name, file checksum, link target and xattr of
# the tree on /mnt/KIND.
dm_manifest() {
	(cd "/mnt/$1" && find . | sort &&
	 find . -type f -exec sha256sum {} + | sort -k 2 &&
	 find . -type l -exec stat -c %N {} + | sort &&
	 if [ "$1" = ext4 ]; then
		find . -type f -exec "$DT_XATTR" dump {} + | sort
	 fi)
}
# dm_disks: wait for the virtio disks.
dm_disks() {
	for dm_d in vda vdb; do
		dm_i=0
		while [ ! -b /dev/$dm_d ] && [ $dm_i -lt 20 ]; do
			usleep 100000
			dm_i=$((dm_i + 1))
		done
		[ -b /dev/$dm_d ] || dm_fail "no /dev/$dm_d"
	done
}
dm_heap_line() {
	echo "obm-vm: dropin: $1 heap $2: $(grep -E '^(pages_held|blocks_in_use|bytes_in_allocated_blocks|blocks_cached|kmalloc_allocs|kmalloc_for_flags|stray_frees) ' \
		"$dm_dbg/$1/stats" | tr '\n' ' ')"
}
dm_peak=0
dm_sample() {
	dm_p=$(dm_stat "$1" pages_held)
	[ "${dm_p:-0}" -gt "$dm_peak" ] && dm_peak=$dm_p
}
# dm_remount KIND DEV: umount, mount again.
dm_remount() {
	umount "/mnt/$1" || dm_fail "umount $1"
	mount -t "$1" "$2" "/mnt/$1" || dm_fail "mount -t $1 $2"
}
# dm_verify KIND STEP: the tree after a remount against its manifest from
# before, and against the reference on tmpfs.
dm_verify() {
	dm_manifest "$1" >"/tmp/dm-$1-after"
	cmp -s "/tmp/dm-$1-before" "/tmp/dm-$1-after" ||
		dm_fail "$1 $2: the tree changed across umount and mount"
	if ! diff -r "/mnt/$1" "/tmp/dm-ref/$1" >/tmp/dm-diff 2>&1; then
		dm_fail "$1 $2: diff -r against the tmpfs reference: $(head -5 /tmp/dm-diff | tr '\n' ' ')"
	fi
	echo "obm-vm: dropin: $1 $2: $(grep -c . "/tmp/dm-$1-after") manifest lines, $(find "/mnt/$1" -type f | wc -l) files, $(du -s "/mnt/$1" | cut -f1) KiB"
}
# dm_heap_clean HEAP: after rmmod of its module, nothing left in the heap.
dm_heap_clean() {
	echo 1 >"$dm_dbg/$1/drain"
	dm_heap_line "$1" "after rmmod and drain"
	for dm_f in blocks_in_use blocks_cached stray_frees; do
		[ "$(dm_stat "$1" $dm_f)" = 0 ] ||
			dm_fail "heap $1: $dm_f $(dm_stat "$1" $dm_f) after rmmod"
	done
}

# dm_field KIND DEV HEAP
dm_field() {
	dm_peak=0
	mkdir -p "/mnt/$1" "/tmp/dm-ref/$1"
	mount -t "$1" "$2" "/mnt/$1" || { dm_fail "mount -t $1 $2"; return; }
	dt_build "/mnt/$1" "$1" || dm_fail "$1: building the tree"
	sync
	dm_sample "$3"
	dm_manifest "$1" >"/tmp/dm-$1-before"
	# The reference has no xattrs (diff -r does not compare them).
	[ "$1" = ext4 ] && mkdir "/tmp/dm-ref/$1/lost+found"
	(DT_XATTR=; dt_build "/tmp/dm-ref/$1" "$1") ||
		dm_fail "$1: building the reference"
	dm_remount "$1" "$2"
	dm_verify "$1" built
	dt_churn "/mnt/$1" "$1" || dm_fail "$1: churning the tree"
	sync
	dm_sample "$3"
	dm_manifest "$1" >"/tmp/dm-$1-before"
	(DT_XATTR=; dt_churn "/tmp/dm-ref/$1" "$1") ||
		dm_fail "$1: churning the reference"
	dm_sample "$3"
	dm_heap_line "$3" "before umount (pages_held peak $dm_peak)"
	sed "s/^/obm-vm: dropin: $3 classes: /" "$dm_dbg/$3/classes"
	awk '$1 != "cpu" { a += $3; f += $4 } END {
		print "obm-vm: dropin: '"$3"' magazines: " a " allocations, " f " frees" }' \
		"$dm_dbg/$3/cpu"
	dm_remount "$1" "$2"
	dm_verify "$1" churned
	umount "/mnt/$1" || dm_fail "umount $1"
	rm -rf "/tmp/dm-ref/$1"
}

# dm_run KIND VARIANT RUN DEV RAMDISK HEAP: one timed run of compare mode.
dm_run() {
	if [ "$1" = ext4 ]; then
		dm_insmod "/dropin/$2/ext4.ko"
	else
		dm_insmod "/dropin/$2/fat.ko"
		dm_insmod "/dropin/$2/vfat.ko"
	fi
	dd if="$4" of="$5" bs=1M 2>/dev/null || dm_fail "dd $4 to $5"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	mkdir -p "/mnt/$1"
	dm_peak=0
	dm_k0=$(dm_kmalloc)
	dm_i0=$(dm_idle)
	dm_t0=$(dm_now)
	mount -t "$1" "$5" "/mnt/$1" || dm_fail "mount -t $1 $5"
	dt_build "/mnt/$1" "$1" || dm_fail "$1: building the tree"
	sync
	dm_t1=$(dm_now)
	[ "$2" = obm ] && dm_sample "$6"
	dm_manifest "$1" >"/tmp/dm-$1-before"
	dm_t2=$(dm_now)
	dm_remount "$1" "$5"
	dm_t3=$(dm_now)
	dm_manifest "$1" >"/tmp/dm-$1-after"
	cmp -s "/tmp/dm-$1-before" "/tmp/dm-$1-after" ||
		dm_fail "$1 $2 $3: the tree changed across umount and mount"
	dm_t4=$(dm_now)
	dt_churn "/mnt/$1" "$1" || dm_fail "$1: churning the tree"
	sync
	dm_t5=$(dm_now)
	dm_k1=$(dm_kmalloc)
	dm_pages="- peak - drained - blocks - bytes -"
	if [ "$2" = obm ]; then
		dm_sample "$6"
		dm_pages="$(dm_stat "$6" pages_held) peak $dm_peak"
		dm_pages="$dm_pages blocks $(dm_stat "$6" blocks_in_use) bytes $(dm_stat "$6" bytes_in_allocated_blocks)"
		# What the live blocks need without the magazines' spares.
		echo 1 >"$dm_dbg/$6/drain"
		dm_pages="$dm_pages drained $(dm_stat "$6" pages_held)"
	fi
	dm_t6=$(dm_now)
	umount "/mnt/$1" || dm_fail "umount $1"
	dm_t7=$(dm_now)
	dm_i1=$(dm_idle)
	# shellcheck disable=SC2086 # two numbers each
	set -- "$@" $dm_k0 $dm_k1
	echo "obm-vm: dropin compare: $1 $2 run $3: ns $((dm_t1 - dm_t0 + dm_t3 - dm_t2 + dm_t5 - dm_t4 + dm_t7 - dm_t6)) idle_jiffies $((dm_i1 - dm_i0)) kmalloc_bytes $(($9 - $7)) kmalloc_pages $((${10} - $8)) heap_pages $dm_pages"
	if [ "$1" = ext4 ]; then
		dm_rmmod ext4
	else
		dm_rmmod vfat fat
	fi
	[ "$2" = obm ] && dm_heap_clean "$6"
}

for dm_m in $DROPIN_STOCK; do
	dm_insmod "/dropin/stock/$dm_m.ko"
done
if [ "$DROPIN_MODE" = field ]; then
	dm_insmod /modules/obmalloc.ko
	echo "$dm_hist_class" >>"$dm_tr" || dm_fail "cannot set a hist trigger on obm_alloc"
	echo "$dm_hist_site" >>"$dm_tr" || dm_fail "cannot set a hist trigger on obm_alloc"
	dm_insmod /dropin/obm/ext4.ko
	dm_insmod /dropin/obm/fat.ko
	dm_insmod /dropin/obm/vfat.ko
	dm_disks
	mount -t tmpfs tmpfs /tmp/dm-ref 2>/dev/null || { mkdir -p /tmp/dm-ref &&
		mount -t tmpfs tmpfs /tmp/dm-ref; } || dm_fail "mount tmpfs"
	dm_field ext4 /dev/vda ext4
	dm_field vfat /dev/vdb fat
	umount /tmp/dm-ref
	# Requests per class, and the busiest call sites, named while the
	# modules are loaded.
	dm_h=/sys/kernel/tracing/events/obmalloc/obm_alloc/hist
	grep -E '^ *\{ heap: .*bytes_alloc' "$dm_h" |
		sed 's/^ */obm-vm: dropin: requests /; s/  */ /g'
	grep -E '^ *\{ heap: .*call_site' "$dm_h" | head -n 12 |
		sed 's/^ */obm-vm: dropin: call site /; s/  */ /g'
	echo "!$dm_hist_class" >>"$dm_tr"
	echo "!$dm_hist_site" >>"$dm_tr"
	dm_rmmod ext4
	dm_rmmod vfat fat
	dm_heap_clean ext4
	dm_heap_clean fat
	dm_rmmod obmalloc
else
	# Boot work settles first; sleep costs no host time under -icount.
	sleep 10
	dm_insmod /modules/obmalloc.ko
	dm_insmod /dropin/stock/brd.ko rd_nr=2 rd_size=65536
	dm_disks
	for dm_r in 1 2; do
		for dm_v in stock obm; do
			dm_run ext4 $dm_v $dm_r /dev/vda /dev/ram0 ext4
		done
	done
	for dm_r in 1 2; do
		for dm_v in stock obm; do
			dm_run vfat $dm_v $dm_r /dev/vdb /dev/ram1 fat
		done
	done
	dm_rmmod brd
	dm_rmmod obmalloc
fi
for dm_m in $DROPIN_UNLOAD; do
	dm_rmmod "$dm_m"
done
echo "obm-vm: dropin modules end"
if [ "$DROPIN_MODE" = compare ]; then
	# shellcheck source=/dev/null
	. /guest/end.sh
fi
