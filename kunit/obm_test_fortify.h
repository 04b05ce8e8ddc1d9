/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included first by obm_test_fortify.c, before any string header: its
 * fortify_panic() stands in for the kernel's, which ends in BUG(), and
 * records what FORTIFY_SOURCE found (lib/fortify_kunit.c does the same).
 */
#ifndef _OBM_TEST_FORTIFY_H
#define _OBM_TEST_FORTIFY_H

#include <linux/types.h>

void obm_test_fortify_report(int func, int write, size_t avail, size_t size,
			     unsigned long retfail);

#define fortify_panic(func, write, avail, size, retfail)	\
	obm_test_fortify_report(func, write, avail, size, (unsigned long)(retfail))

#endif /* _OBM_TEST_FORTIFY_H */
