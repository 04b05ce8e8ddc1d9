# SPDX-License-Identifier: GPL-2.0
# Sourced last by every scenario judged by tools/vm/results.py (check.sh,
# field.sh, zero.sh): the kernel's own record of the run. The taint
# (/proc/sys/kernel/tainted), decoded with kernel/panic.c's letters: D (a
# task died in an oops), B (bad page), L (soft lockup) or M (machine
# check) fail the run. W (obmalloc's reports are WARNs), O and E (an
# out-of-tree, unsigned module) and N (KUnit ran) are expected. On a
# kernel with lockdep (/proc/lockdep_stats), lockdep must still be on:
# it turns itself off (debug_locks 0) after its first report or an oops,
# and would then miss everything after.
end_taint=$(cat /proc/sys/kernel/tainted)
end_letters=""
end_bit=0
for end_c in P F S R M B U D A W C I O E L K X T N; do
	[ $(( (end_taint >> end_bit) & 1 )) -eq 1 ] && end_letters="$end_letters$end_c"
	end_bit=$((end_bit + 1))
done
[ $(( end_taint >> end_bit )) -eq 0 ] || end_letters="$end_letters?"
echo "obm-vm: tainted: $end_taint ${end_letters:--}"
for end_c in D B L M; do
	case "$end_letters" in
	*"$end_c"*)
		echo "obm-vm: FAIL: the kernel is tainted $end_c (D: died, B: bad page, L: soft lockup, M: machine check)" ;;
	esac
done
if [ -r /proc/lockdep_stats ]; then
	end_locks=$(awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats)
	echo "obm-vm: lockdep: debug_locks ${end_locks:-?}"
	[ "$end_locks" = 1 ] ||
		echo "obm-vm: FAIL: lockdep turned itself off (debug_locks ${end_locks:-?})"
fi
echo "obm-vm: end checks done"
