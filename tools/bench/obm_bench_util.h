/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's modules share: obmalloc's figures read from its
 * debugfs files as a tool reads them (a heap's stats line by name, the
 * arena sets' pages), the slab pages the kernel counts, and the teardown
 * of a kmem_buckets set. Process context only: they open files.
 */
#ifndef OBM_BENCH_UTIL_H
#define OBM_BENCH_UTIL_H

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#define OBM_BENCH_DEBUGFS	"/sys/kernel/debug/obmalloc/"
/* A heap's stats file is about 2 KB; the sets file 130 bytes a node. */
#define OBM_BENCH_FILE_MAX	PAGE_SIZE

/**
 * obm_bench_read_debugfs() - Read one of obmalloc's debugfs files.
 * @name: Its path under /sys/kernel/debug/obmalloc/, e.g. "sets".
 *
 * Return: Its text, NUL-terminated and cut at OBM_BENCH_FILE_MAX - 1
 * bytes, to be kfree()d; or an error pointer.
 */
static inline char *obm_bench_read_debugfs(const char *name)
{
	char *path, *buf;
	struct file *f;
	loff_t pos = 0;
	ssize_t n = 0;
	size_t len = 0;

	path = kasprintf(GFP_KERNEL, OBM_BENCH_DEBUGFS "%s", name);
	if (!path)
		return ERR_PTR(-ENOMEM);
	f = filp_open(path, O_RDONLY, 0);
	kfree(path);
	if (IS_ERR(f))
		return ERR_CAST(f);
	buf = kmalloc(OBM_BENCH_FILE_MAX, GFP_KERNEL);
	while (buf && len < OBM_BENCH_FILE_MAX - 1) {
		n = kernel_read(f, buf + len, OBM_BENCH_FILE_MAX - 1 - len, &pos);
		if (n <= 0)
			break;
		len += n;
	}
	filp_close(f, NULL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (n < 0) {
		kfree(buf);
		return ERR_PTR(n);
	}
	buf[len] = '\0';
	return buf;
}

/**
 * obm_bench_stat_find() - The value of one "name value" line.
 * @text: A stats file's text.
 * @name: The line's name, e.g. "pages_held".
 *
 * Return: The value, or -ENOENT if no line has that name.
 */
static inline long obm_bench_stat_find(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *line = text;
	unsigned long value;

	while (line && *line) {
		if (!strncmp(line, name, len) && line[len] == ' ' &&
		    sscanf(line + len, "%lu", &value) == 1)
			return value;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

/**
 * obm_bench_heap_stats() - A heap's stats file.
 * @heap: The heap's name.
 *
 * Return: Its text, to be kfree()d, or an error pointer.
 */
static inline char *obm_bench_heap_stats(const char *heap)
{
	char *name = kasprintf(GFP_KERNEL, "%s/stats", heap);
	char *text;

	if (!name)
		return ERR_PTR(-ENOMEM);
	text = obm_bench_read_debugfs(name);
	kfree(name);
	return text;
}

/**
 * obm_bench_heap_stat() - One line of a heap's stats file, by name.
 * @heap: The heap's name.
 * @name: The line's name, e.g. "pages_held" (the pages the heap holds).
 *
 * Return: The value, or a negative errno.
 */
static inline long obm_bench_heap_stat(const char *heap, const char *name)
{
	char *text = obm_bench_heap_stats(heap);
	long value;

	if (IS_ERR(text))
		return PTR_ERR(text);
	value = obm_bench_stat_find(text, name);
	kfree(text);
	return value;
}

/* The next word of *@s, whose words are separated by spaces; or NULL. */
static inline char *obm_bench_next_word(char **s)
{
	char *word;

	do {
		word = strsep(s, " ");
	} while (word && !*word);
	return word;
}

/**
 * obm_bench_sets_arena_pages() - The pages of every node's arena set.
 *
 * The sum of the sets file's arena_pages column: every page obmalloc's
 * shared arenas hold, the free pools in them included (a debug heap's
 * private arenas are not in it).
 *
 * Return: The pages, or a negative errno.
 */
static inline long obm_bench_sets_arena_pages(void)
{
	char *text = obm_bench_read_debugfs("sets");
	char *line, *rest, *word;
	unsigned int col = 0, i;
	unsigned long value;
	long pages = 0;

	if (IS_ERR(text))
		return PTR_ERR(text);
	rest = text;
	/* The header names the columns: find arena_pages by its name. */
	line = strsep(&rest, "\n");
	while ((word = obm_bench_next_word(&line)) &&
	       strcmp(word, "arena_pages"))
		col++;
	if (!word)
		pages = -EINVAL;
	while (pages >= 0 && (line = strsep(&rest, "\n")) && *line) {
		for (i = 0; i <= col; i++) {
			word = obm_bench_next_word(&line);
			if (!word)
				break;
		}
		if (!word || kstrtoul(word, 10, &value)) {
			pages = -EINVAL;
			break;
		}
		pages += value;
	}
	kfree(text);
	return pages;
}

/**
 * obm_bench_slab_pages() - The pages the kernel's slab caches hold.
 *
 * NR_SLAB_UNRECLAIMABLE_B over the nodes, after /proc/sys/vm/stat_refresh
 * has folded the per-CPU counts in.
 *
 * Return: The pages.
 */
static inline long obm_bench_slab_pages(void)
{
	struct file *f = filp_open("/proc/sys/vm/stat_refresh", O_WRONLY, 0);
	loff_t pos = 0;

	if (!IS_ERR(f)) {
		kernel_write(f, "1", 1, &pos);
		filp_close(f, NULL);
	}
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
}

#ifdef OBM_HAVE_KMEM_BUCKETS
/**
 * obm_bench_buckets_destroy() - Release a set from kmem_buckets_create().
 * @b: The set, none of whose objects is still allocated; NULL or
 *     ZERO_SIZE_PTR (CONFIG_SLAB_BUCKETS off) does nothing.
 *
 * The kernel has no kmem_buckets_destroy(): destroys each of the set's
 * caches once (several sizes may share one), then frees the set itself,
 * a slab object, which kfree() takes.
 */
static inline void obm_bench_buckets_destroy(kmem_buckets *b)
{
	unsigned int i, j;

	if (ZERO_OR_NULL_PTR(b))
		return;
	for (i = 0; i < ARRAY_SIZE(*b); i++) {
		if (!(*b)[i])
			continue;
		for (j = 0; j < i; j++)
			if ((*b)[j] == (*b)[i])
				break;
		if (j == i)
			kmem_cache_destroy((*b)[i]);
	}
	kfree(b);
}
#endif

#endif /* OBM_BENCH_UTIL_H */
