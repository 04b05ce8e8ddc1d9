// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc debug switches: verify_free and fault injection. The pointer
 * checks and reports themselves live in obm_ptr.c.
 *
 * verify_free. A double free can only be proved against the pool's free
 * list if no freed block hides in another CPU's magazine, so the
 * verify_free module parameter turns the per-CPU caches off (as SLUB's
 * debug flags force its slow path), drains them, and makes every free walk
 * its pool's whole free list.
 *
 * Fault injection. /sys/kernel/debug/obmalloc/fail_arena/ is a standard
 * fault_attr (Documentation/fault-injection/fault-injection.rst): while it
 * fires, obm_arena_new() fails as if alloc_pages() had. The fail_arena
 * module parameter sets the same attribute in the format of the kernel's
 * fail_page_alloc= boot option, "<interval>,<probability>,<space>,<times>",
 * at load time or later through /sys/module/obmalloc/parameters/.
 *
 * Locking: the parameter callbacks run in process context under the
 * kernel's param lock; draining takes the locks obm_heaps_drain_all()
 * documents.
 */

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "obm_internal.h"

static bool verify_free;
DEFINE_STATIC_KEY_FALSE(obm_verify_free_key);

static int obm_verify_free_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret)
		return ret;
	if (READ_ONCE(verify_free)) {
		static_branch_enable(&obm_verify_free_key);
		obm_heaps_drain_all();
	} else {
		static_branch_disable(&obm_verify_free_key);
	}
	return 0;
}

static const struct kernel_param_ops obm_verify_free_ops = {
	.set = obm_verify_free_set,
	.get = param_get_bool,
};
module_param_cb(verify_free, &obm_verify_free_ops, &verify_free, 0644);
MODULE_PARM_DESC(verify_free,
		 "Catch every double free: no per-CPU caches, whole free list walked on each free (slow)");

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(obm_fail_arena);

static int obm_fail_arena_set(const char *val, const struct kernel_param *kp)
{
	char buf[64];

	strscpy(buf, val, sizeof(buf));
	return setup_fault_attr(&obm_fail_arena, strim(buf)) ? 0 : -EINVAL;
}

static int obm_fail_arena_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%lu,%lu,%d,%d\n", obm_fail_arena.interval,
			  obm_fail_arena.probability,
			  atomic_read(&obm_fail_arena.space),
			  atomic_read(&obm_fail_arena.times));
}

static const struct kernel_param_ops obm_fail_arena_ops = {
	.set = obm_fail_arena_set,
	.get = obm_fail_arena_get,
};
module_param_cb(fail_arena, &obm_fail_arena_ops, NULL, 0600);
MODULE_PARM_DESC(fail_arena,
		 "Fail arena allocations: <interval>,<probability>,<space>,<times>");

/**
 * obm_should_fail_arena() - Whether fault injection fails this arena.
 *
 * Return: true to fail the arena allocation.
 */
bool obm_should_fail_arena(void)
{
	return should_fail(&obm_fail_arena, OBM_ARENA_SIZE);
}

/**
 * obm_debug_init() - Create the fail_arena fault-injection directory.
 * @root: /sys/kernel/debug/obmalloc/.
 */
void obm_debug_init(struct dentry *root)
{
	/* Like every debugfs user, carry on without it if it fails. */
	fault_create_debugfs_attr("fail_arena", root, &obm_fail_arena);
}
#else /* !CONFIG_FAULT_INJECTION */
bool obm_should_fail_arena(void)
{
	return false;
}

void obm_debug_init(struct dentry *root)
{
}
#endif /* CONFIG_FAULT_INJECTION */
