// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc module parameters: verify_free, debug=, fail_arena and
 * arena_trim_ms.
 *
 * verify_free. A double free can only be proved against the pool's free
 * list if no freed block hides in a magazine, so verify_free turns the
 * magazines off (as SLUB's debug flags force its slow path), drains them,
 * and makes every free walk its pool's whole free list.
 *
 * debug=. Heaps get slub_debug's checks (obm_debug.c) by the syntax of the
 * slub_debug= boot option (Documentation/mm/slub.rst):
 *
 *	debug=<flags>                      every heap
 *	debug=<flags>,<heap>[,<heap>...]   the named heaps
 *	debug=<flags>,<heap>;<flags>,...   several groups; the first that
 *	                                   names a heap (or names none) wins
 *
 * with <flags> any of F, Z, P, U, in either case, or "-" for none. A
 * heap's flags are fixed when it is created, as a kmem_cache's are.
 *
 * Both verify_free and debug heaps turn the static key obm_checks_key on
 * (one count each), which moves allocation and free off the magazines'
 * inline fast path; while it is off, that path tests nothing else.
 *
 * fail_arena. /sys/kernel/debug/obmalloc/fail_arena/ is a standard
 * fault_attr (Documentation/fault-injection/fault-injection.rst): while it
 * fires, a new arena fails as if alloc_pages() had. The parameter sets the
 * same attribute in the format of fail_page_alloc=,
 * "<interval>,<probability>,<space>,<times>".
 *
 * arena_trim_ms. How long a shared set keeps its surplus empty arenas
 * (obm_arena.c, "Empty arenas"); read when one empties.
 *
 * Locking: the parameter callbacks run in process context under the
 * kernel's param lock; obm_debug_param_lock guards the debug= string,
 * which heap creation reads.
 */

#define pr_fmt(fmt) "obmalloc: " fmt

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/ctype.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "obm_internal.h"

bool obm_verify_free;
DEFINE_STATIC_KEY_FALSE(obm_checks_key);

static int obm_verify_free_set(const char *val, const struct kernel_param *kp)
{
	bool was = READ_ONCE(obm_verify_free);
	int ret = param_set_bool(val, kp);

	if (ret || was == READ_ONCE(obm_verify_free))
		return ret;
	if (READ_ONCE(obm_verify_free)) {
		static_branch_inc(&obm_checks_key);
		obm_heaps_drain_all();
	} else {
		static_branch_dec(&obm_checks_key);
	}
	return 0;
}

static const struct kernel_param_ops obm_verify_free_ops = {
	.set = obm_verify_free_set,
	.get = param_get_bool,
};
module_param_cb(verify_free, &obm_verify_free_ops, &obm_verify_free, 0644);
MODULE_PARM_DESC(verify_free,
		 "Catch every double free: no per-CPU caches, whole free list walked on each free (slow)");

unsigned int obm_arena_trim_ms = 1000;
module_param_named(arena_trim_ms, obm_arena_trim_ms, uint, 0644);
MODULE_PARM_DESC(arena_trim_ms,
		 "Milliseconds surplus empty arenas are kept for a burst to come back (default 1000)");

#define OBM_DEBUG_PARAM_MAX	256

static DEFINE_MUTEX(obm_debug_param_lock);
static char obm_debug_param[OBM_DEBUG_PARAM_MAX];

static const char obm_debug_letters[] = "FZPU";

/* Flags from one group's letters; -EINVAL for anything else. */
static int obm_debug_parse_flags(const char *s, size_t len)
{
	unsigned int flags = 0;
	const char *letter;
	size_t i;

	if (len == 1 && s[0] == '-')
		return 0;
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		letter = strchr(obm_debug_letters, toupper(s[i]));
		if (!letter || !s[i])
			return -EINVAL;
		flags |= BIT(letter - obm_debug_letters);
	}
	return flags;
}

/*
 * Walk a debug= string. With @heap_name, return the flags of the first
 * group that names it or names no heap (0 if none does); without, only
 * check the syntax. Return -EINVAL for a malformed string.
 */
static int obm_debug_parse(const char *str, const char *heap_name)
{
	const char *group = str;

	while (*group) {
		size_t group_len = strcspn(group, ";");
		size_t flags_len = strcspn(group, ",;");
		const char *name = group + flags_len;
		int flags = obm_debug_parse_flags(group, flags_len);
		bool match = name == group + group_len;	/* no heap named */

		if (flags < 0)
			return flags;
		while (name < group + group_len) {
			size_t name_len;

			name++;				/* the ',' */
			name_len = strcspn(name, ",;");
			if (!name_len || name_len > OBM_HEAP_NAME_MAX)
				return -EINVAL;
			if (heap_name && strlen(heap_name) == name_len &&
			    !strncmp(name, heap_name, name_len))
				match = true;
			name += name_len;
		}
		if (heap_name && match)
			return flags;
		group += group_len;
		if (*group == ';')
			group++;
	}
	return 0;
}

static int obm_debug_set(const char *val, const struct kernel_param *kp)
{
	char buf[OBM_DEBUG_PARAM_MAX];
	int ret;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -ENOSPC;
	strim(buf);
	ret = obm_debug_parse(buf, NULL);
	if (ret < 0)
		return ret;
	mutex_lock(&obm_debug_param_lock);
	strscpy(obm_debug_param, strim(buf), sizeof(obm_debug_param));
	mutex_unlock(&obm_debug_param_lock);
	return 0;
}

static int obm_debug_get(char *buffer, const struct kernel_param *kp)
{
	int len;

	mutex_lock(&obm_debug_param_lock);
	len = sysfs_emit(buffer, "%s\n", obm_debug_param);
	mutex_unlock(&obm_debug_param_lock);
	return len;
}

static const struct kernel_param_ops obm_debug_ops = {
	.set = obm_debug_set,
	.get = obm_debug_get,
};
module_param_cb(debug, &obm_debug_ops, NULL, 0644);
MODULE_PARM_DESC(debug,
		 "Debug heaps, slub_debug syntax: <flags>[,<heap>...][;...], flags F Z P U (applies to heaps created afterwards)");

/**
 * obm_debug_flags_for() - The debug flags a new heap gets from debug=.
 * @heap_name: The heap's name.
 *
 * Context: Process context; takes obm_debug_param_lock.
 * Return: OBM_DEBUG_* flags.
 */
unsigned int obm_debug_flags_for(const char *heap_name)
{
	int flags;

	mutex_lock(&obm_debug_param_lock);
	flags = obm_debug_parse(obm_debug_param, heap_name);
	mutex_unlock(&obm_debug_param_lock);
	return flags < 0 ? 0 : flags;
}

/**
 * obm_debug_flags_format() - A heap's debug flags as debug= letters.
 * @flags: OBM_DEBUG_* flags.
 * @buf: Where to write them, NUL-terminated: "-" for none.
 * @len: Size of @buf, at least 5.
 */
void obm_debug_flags_format(unsigned int flags, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < strlen(obm_debug_letters) && n + 1 < len; i++)
		if (flags & BIT(i))
			buf[n++] = obm_debug_letters[i];
	if (!n && len > 1)
		buf[n++] = '-';
	buf[n] = '\0';
}

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
 * obm_params_init() - Create the fail_arena fault-injection directory.
 * @root: /sys/kernel/debug/obmalloc/.
 */
void obm_params_init(struct dentry *root)
{
	/* Like every debugfs user, carry on without it if it fails. */
	fault_create_debugfs_attr("fail_arena", root, &obm_fail_arena);
}
#else /* !CONFIG_FAULT_INJECTION */
bool obm_should_fail_arena(void)
{
	return false;
}

void obm_params_init(struct dentry *root)
{
}
#endif /* CONFIG_FAULT_INJECTION */
