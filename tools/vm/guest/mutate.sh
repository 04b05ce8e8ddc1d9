# SPDX-License-Identifier: GPL-2.0
# tools/mutate/mutate, inside the VM: run only the KUnit suites named in
# /mutate.env (MUTATE_SUITES, one load of the tests per suite through
# kunit's filter_glob) and, with MUTATE_STRESS=1, the stress module for a
# few seconds; then end.sh. The host judges the log.
# shellcheck source=/dev/null # written by tools/mutate/mutate
. /mutate.env
echo "obm-vm: mutate: suites $MUTATE_SUITES, stress $MUTATE_STRESS"
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/kunit-setup.sh

insmod /modules/obmalloc.ko || echo "obm-vm: insmod obmalloc failed"
for suite in $MUTATE_SUITES; do
	# No newline: a charp parameter keeps it, and no suite would match.
	printf '%s' "$suite" > /sys/module/kunit/parameters/filter_glob
	insmod /modules/obmalloc_kunit.ko ||
		echo "obm-vm: insmod obmalloc_kunit failed"
	rmmod obmalloc_kunit || echo "obm-vm: rmmod obmalloc_kunit failed"
done
if [ "$MUTATE_STRESS" = 1 ]; then
	insmod /modules/obm_stress.ko seconds=5 ||
		echo "obm-vm: insmod obm_stress failed"
	rmmod obm_stress || echo "obm-vm: rmmod obm_stress failed"
fi
rmmod obmalloc || echo "obm-vm: rmmod obmalloc failed"
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/end.sh
