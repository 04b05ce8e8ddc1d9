# SPDX-License-Identifier: GPL-2.0
# Sourced before the KUnit suites load (check.sh, mutate.sh): what some
# cases need of the machine.
# failslab may fail GFP_KERNEL kmalloc()s too, for obmalloc_fault's
# fail-nth cases (only tasks that set fail-nth see failures).
echo N > /sys/kernel/debug/failslab/ignore-gfp-wait ||
	echo "obm-vm: FAIL: cannot set failslab's ignore-gfp-wait"
# A memory cgroup for obmalloc_contracts' __GFP_ACCOUNT case.
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/obmtest ||
	echo "obm-vm: FAIL: cannot make the memory cgroup /obmtest"
