# SPDX-License-Identifier: GPL-2.0
# Sourced at the end of check.sh and zero.sh: kmemleak's report of what
# is left behind, between markers for tools/vm/results.py. kmemleak
# ignores objects younger than 5 s.
sleep 6
echo scan > /sys/kernel/debug/kmemleak
echo "obm-vm: kmemleak report begin"
cat /sys/kernel/debug/kmemleak
echo "obm-vm: kmemleak report end"
