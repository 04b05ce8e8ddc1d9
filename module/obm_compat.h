/* SPDX-License-Identifier: GPL-2.0 */
/*
 * obmalloc compatibility with older kernels. Every difference between the
 * kernel versions obmalloc builds on (6.1 and 6.12) lives here, nowhere
 * else.
 */
#ifndef _OBM_COMPAT_H
#define _OBM_COMPAT_H

/*
 * Differences are detected when the module is built, from the headers of
 * the kernel it is built against (module/Kbuild defines OBM_HAVE_*), not
 * from LINUX_VERSION_CODE, so a backported API is picked up too.
 */

#endif /* _OBM_COMPAT_H */
