# SPDX-License-Identifier: GPL-2.0
# Sourced by the scenarios: obm_snapshot NAME copies obmalloc's debugfs
# tree out of the guest through the console, for tools/vm/snapshot to
# recreate on the host (tools/obmstat --root then reads the copy). Every
# readable file is sent line by line, each line prefixed with
# "obm-snap: NAME/PATH| " so that kernel messages printed meanwhile can be
# told apart, then "obm-snap: end NAME/PATH LINES", so that a line lost or
# cut on the way is noticed on the host.
obm_snapshot() {
	snap_root=/sys/kernel/debug/obmalloc
	echo "obm-snap: begin $1"
	for snap_file in $(find "$snap_root" -type f -perm -0400 | sort); do
		snap_rel=${snap_file#"$snap_root"/}
		case "$snap_rel" in
		fail_arena/*|*/drain|drain) continue ;;
		esac
		sed "s#^#obm-snap: $1/$snap_rel| #" "$snap_file"
		echo "obm-snap: end $1/$snap_rel $(wc -l < "$snap_file")"
	done
	echo "obm-snap: done $1"
}
