// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc_fortify: FORTIFY_SOURCE catches an overflow of an obmalloc
 * block at run time, as it catches one of a kmalloc() block, because the
 * API carries kmalloc()'s size attributes. As lib/fortify_kunit.c does,
 * this file alone redefines fortify_panic() (obm_test_fortify.h) to record
 * what FORTIFY found instead of BUG(); the write then goes ahead.
 *
 * Each overflow stays inside the block's size class (a 17-byte request
 * has 24 bytes), so nothing is really damaged; only FORTIFY, which knows
 * the 17 asked for, objects.
 */

#include "obm_test_fortify.h"

#include <linux/string.h>

#include "obm_test.h"

#define OBM_TEST_FORTIFY_ASKED	17
#define OBM_TEST_FORTIFY_WRITE	20

static unsigned int obm_test_fortify_caught;
static size_t obm_test_fortify_avail, obm_test_fortify_size;

void obm_test_fortify_report(int func, int write, size_t avail, size_t size,
			     unsigned long retfail)
{
	obm_test_fortify_caught++;
	obm_test_fortify_avail = avail;
	obm_test_fortify_size = size;
}

/* FORTIFY caught one write of OBM_TEST_FORTIFY_WRITE into 17 bytes. */
static void obm_test_fortify_expect_caught(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, obm_test_fortify_caught, 1);
	KUNIT_EXPECT_EQ(test, obm_test_fortify_avail, OBM_TEST_FORTIFY_ASKED);
	KUNIT_EXPECT_EQ(test, obm_test_fortify_size, OBM_TEST_FORTIFY_WRITE);
}

static void obm_test_fortify_needed(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_FORTIFY_SOURCE))
		kunit_skip(test, "no CONFIG_FORTIFY_SOURCE");
	obm_test_fortify_caught = 0;
}

/* A size the compiler cannot see: only the run-time check can catch it. */
static size_t obm_test_fortify_len(size_t len)
{
	OPTIMIZER_HIDE_VAR(len);
	return len;
}

static void obm_test_fortify_alloc(struct kunit *test)
{
	size_t asked = obm_test_fortify_len(OBM_TEST_FORTIFY_ASKED);
	u8 *p;

	obm_test_fortify_needed(test);
	p = obm_alloc(asked, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x11, obm_test_fortify_len(asked));
	KUNIT_EXPECT_EQ(test, obm_test_fortify_caught, 0);
	memset(p, 0x22, obm_test_fortify_len(OBM_TEST_FORTIFY_WRITE));
	obm_test_fortify_expect_caught(test);
	obm_free(p);
}

static void obm_test_fortify_array(struct kunit *test)
{
	size_t n = obm_test_fortify_len(OBM_TEST_FORTIFY_ASKED);
	u8 *p;

	obm_test_fortify_needed(test);
	p = obm_alloc_array(n, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x33, obm_test_fortify_len(OBM_TEST_FORTIFY_WRITE));
	obm_test_fortify_expect_caught(test);
	obm_free(p);
}

static void obm_test_fortify_realloc(struct kunit *test)
{
	u8 *p = obm_alloc(8, GFP_KERNEL), *q;

	obm_test_fortify_needed(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	q = obm_realloc(p, obm_test_fortify_len(OBM_TEST_FORTIFY_ASKED),
			GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	memset(q, 0x44, obm_test_fortify_len(OBM_TEST_FORTIFY_WRITE));
	obm_test_fortify_expect_caught(test);
	obm_free(q);
}

static struct kunit_case obm_test_fortify_cases[] = {
	KUNIT_CASE(obm_test_fortify_alloc),
	KUNIT_CASE(obm_test_fortify_array),
	KUNIT_CASE(obm_test_fortify_realloc),
	{}
};

static struct kunit_suite obm_test_fortify_suite = {
	.name = "obmalloc_fortify",
	.test_cases = obm_test_fortify_cases,
};

kunit_test_suite(obm_test_fortify_suite);
