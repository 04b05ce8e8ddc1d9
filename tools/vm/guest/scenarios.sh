# SPDX-License-Identifier: GPL-2.0
# Sourced by check.sh and field.sh after their own part: the scenarios
# both run, in order: trace events (trace.sh), the kswapd check and the
# soak (soak.sh, sized by the caller's SOAK_SECONDS), and unloading after a
# client leaked a heap (unload.sh).
# shellcheck source=/dev/null # in the guest, from tools/vm/guest/
. /guest/trace.sh
export SOAK_PRESSURE=100
# shellcheck source=/dev/null
. /guest/soak.sh
# shellcheck source=/dev/null
. /guest/unload.sh
