# SPDX-License-Identifier: GPL-2.0
# The install scenario, inside a VM booted from one of Debian's kernels
# with the tree tools/vm/install-test assembled for that kernel,
# OUT/<release>/, merged into its root: /lib/modules/<release>/ holds
# obmalloc.ko as DKMS built and installed it (updates/dkms/), obm_example.ko
# as its own Makefile built and installed it against obmalloc's installed
# header and Module.symvers (updates/), and depmod's output;
# /install.env says which release and obmalloc version they are for.
#
# modprobe obm_example must load obmalloc first (depmod's dependency),
# obmalloc must say the version of VERSION (modinfo, /sys/module, debugfs),
# the example must print "0 failed", and both must unload. Failures are
# "obm-vm: FAIL: ..." lines; the last line is "obm-vm: install scenario
# end". Sourced by a scenario (or run as one, before /guest/end.sh).
echo "obm-vm: install scenario begin"
OBM_VERSION=
OBM_KERNEL=
# shellcheck source=/dev/null # written by tools/vm/install-test
[ -r /install.env ] && . /install.env
inst_rel=$(uname -r)
inst_dir=/lib/modules/$inst_rel
if [ -z "$OBM_VERSION" ]; then
	echo "obm-vm: FAIL: no /install.env: the install-test tree is not merged into the root"
elif [ "$OBM_KERNEL" != "$inst_rel" ]; then
	echo "obm-vm: FAIL: booted $inst_rel, the install-test tree is for $OBM_KERNEL"
fi
echo "obm-vm: install: $inst_rel, obmalloc $OBM_VERSION"
if ! grep -q '^updates/obm_example\.ko[^:]*:.*updates/dkms/obmalloc\.ko' \
	"$inst_dir/modules.dep" 2>/dev/null; then
	echo "obm-vm: FAIL: $inst_dir/modules.dep has no obm_example -> obmalloc dependency"
fi
grep -q '^obmalloc ' /proc/modules &&
	echo "obm-vm: FAIL: obmalloc is loaded before modprobe obm_example"

inst_version=$(modinfo -F version obmalloc 2>/dev/null)
[ "$inst_version" = "$OBM_VERSION" ] ||
	echo "obm-vm: FAIL: modinfo -F version obmalloc says '$inst_version', not '$OBM_VERSION'"

if modprobe obm_example; then
	grep -q '^obm_example ' /proc/modules ||
		echo "obm-vm: FAIL: modprobe obm_example succeeded but it is not loaded"
else
	echo "obm-vm: FAIL: modprobe obm_example"
fi
grep -q '^obmalloc ' /proc/modules ||
	echo "obm-vm: FAIL: modprobe obm_example did not load obmalloc"

inst_version=$(cat /sys/module/obmalloc/version 2>/dev/null)
[ "$inst_version" = "$OBM_VERSION" ] ||
	echo "obm-vm: FAIL: /sys/module/obmalloc/version says '$inst_version', not '$OBM_VERSION'"
inst_version=$(cat /sys/kernel/debug/obmalloc/version 2>/dev/null)
[ "$inst_version" = "$OBM_VERSION" ] ||
	echo "obm-vm: FAIL: /sys/kernel/debug/obmalloc/version says '$inst_version', not '$OBM_VERSION'"

inst_result=$(dmesg | grep -o 'obm_example: [0-9]* passed, [0-9]* failed' | tail -n 1)
echo "obm-vm: install: ${inst_result:-no result from obm_example}"
case "$inst_result" in
*" passed, 0 failed")
	;;
"")
	echo "obm-vm: FAIL: obm_example printed no result" ;;
*)
	echo "obm-vm: FAIL: $inst_result" ;;
esac

modprobe -r obm_example obmalloc || echo "obm-vm: FAIL: modprobe -r obm_example obmalloc"
grep -qE '^(obm_example|obmalloc) ' /proc/modules &&
	echo "obm-vm: FAIL: still loaded after modprobe -r: $(grep -oE '^(obm_example|obmalloc) ' /proc/modules | tr '\n' ' ')"
echo "obm-vm: install scenario end"
