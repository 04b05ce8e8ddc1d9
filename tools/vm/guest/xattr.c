// SPDX-License-Identifier: GPL-2.0
/*
 * xattr - the guest's setfattr and getfattr (its busybox has neither), for
 * the drop-in scenario of make field (tools/vm/guest/dropin-modules.sh).
 * tools/vm/field builds it with gcc -static.
 *
 *	xattr set FILE NAME VALUE
 *	xattr rm FILE NAME
 *	xattr dump FILE...	one line "FILE NAME=VALUE" per attribute, in
 *				the order the file system lists them
 *
 * Symbolic links are not followed. Exits 1 on an error, after a message.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>

static char names[65536];
static char value[65536];

static int dump(const char *path)
{
	ssize_t len, n;
	char *name;

	len = llistxattr(path, names, sizeof(names));
	if (len < 0)
		return -1;
	for (name = names; name < names + len; name += strlen(name) + 1) {
		n = lgetxattr(path, name, value, sizeof(value) - 1);
		if (n < 0)
			return -1;
		value[n] = '\0';
		printf("%s %s=%s\n", path, name, value);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, err = 0;

	if (argc == 5 && !strcmp(argv[1], "set")) {
		err = lsetxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0);
	} else if (argc == 4 && !strcmp(argv[1], "rm")) {
		err = lremovexattr(argv[2], argv[3]);
	} else if (argc >= 3 && !strcmp(argv[1], "dump")) {
		for (i = 2; i < argc && !err; i++)
			err = dump(argv[i]);
	} else {
		fprintf(stderr, "usage: xattr set FILE NAME VALUE | rm FILE NAME | dump FILE...\n");
		return 2;
	}
	if (err) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
