# SPDX-License-Identifier: GPL-2.0
# The drop-in scenario's workload (tools/vm/guest/dropin-modules.sh): a
# file tree built and churned by a fixed recipe, the same on any file
# system, so that tools/vm/field can build the reference tree on the host
# with the same functions and compare it with what the guest left on its
# disk images. Sourced by the guest's busybox sh and by tools/vm/field;
# needs awk, sh, mkdir, ln, mv, rm, truncate.
#
#   dt_build DIR KIND   240 files of 0 bytes to 200 KB in 60 nested
#                       directories, names up to 220 characters, a
#                       directory of 300 entries; for ext4 also symbolic
#                       links (short and long targets) and user xattrs
#                       (in the inode and, above its room, in a block)
#   dt_churn DIR KIND   deletes, renames across directories, appends,
#                       truncations, xattr changes, 60 new files, a
#                       directory renamed, a subtree removed, half the big
#                       directory deleted and 100 entries added, the links
#                       made again
#   dt_xattrs KIND      the user xattrs the tree has after dt_churn: lines
#                       "PATH NAME=VALUE", sorted
#
# KIND is ext4 or vfat (vfat: no links, no xattrs). Xattrs are set with
# $DT_XATTR (the guest's tools/vm/guest/xattr); without it none are set.

# dt_awk MODE KIND DIR: MODE's part of the recipe. Modes that write file
# contents write them; the others print shell commands for dt_sh.
dt_awk() {
	awk -v mode="$1" -v kind="$2" -v root="$3" -v xattr="${DT_XATTR:-}" '
	function rep(s, n,   r) { r = ""; while (n-- > 0) r = r s; return r }
	function dir(i,   d) {
		d = "d" (i % 8) "/e" (i % 5)
		if (i % 11 == 0)
			d = d "/f" (i % 3) "/g" (i % 2)
		return d
	}
	function base(i) {
		if (kind == "vfat")
			return "long-name-" i "-" rep("xyz", i % 40) ".txt"
		return "file-" i "-" rep("abcdefghij", i % 21)
	}
	function path(i) { return dir(i) "/" base(i) }
	function size(i) {
		if (i % 10 == 0) return 0
		if (i % 10 == 1) return i % 97 + 1
		if (i % 23 == 0) return 200000 + i * 13
		return (i * 7919) % 30000 + 10
	}
	# What dt_churn does to file i of dt_build: deletes it, or moves it,
	# or truncates it, or appends to it, or nothing.
	function gone(i) { return i < 240 && i % 7 == 3 }
	function moved(i) { return i < 240 && !gone(i) && i % 5 == 2 }
	function cut(i) { return i < 240 && !gone(i) && !moved(i) && i % 13 == 5 }
	function grown(i) { return i < 240 && !gone(i) && !moved(i) && !cut(i) && i % 4 == 1 }
	function now(i) { return moved(i) ? dir(i + 1) "/moved-" base(i) : path(i) }
	# Where a path of dt_churn is at its end: d3/e1 is renamed, d5/e4 gone.
	function final(p) {
		if (p ~ /^d5\/e4\//) return ""
		sub(/^d3\/e1\//, "d3/e1-renamed/", p)
		return p
	}
	function out(file, s, append) {
		if (append)
			printf "%s", s >> file
		else
			printf "%s", s > file
	}
	# LEFT bytes of numbered lines of file ID into FILE, appended or not.
	function fill(file, id, left, append,   n, line) {
		out(file, "", append)
		for (n = 0; left > 0; n++) {
			line = sprintf("%d.%d the quick brown fox jumps over the lazy dog\n", id, n)
			if (length(line) > left)
				line = substr(line, 1, left)
			out(file, line, append)
			left -= length(line)
		}
		close(file)
	}
	function q(s) { return "\047" s "\047" }
	function xset(p, name, value) {
		if (xattr != "")
			print xattr " set " q(p) " " name " " q(value)
	}
	# Links to every ninth file: a long target, and a short one to that.
	function links(n, churned,   i, p) {
		print "mkdir links"
		for (i = 4; i < n; i += 9) {
			p = churned ? final(now(i)) : path(i)
			if (p == "" || gone(i))
				continue
			print "ln -s " q("../" p) " links/l" i
			print "ln -s l" i " links/f" i
		}
	}
	BEGIN {
		if (mode == "dirs") {
			line = "mkdir -p big"
			for (i = 0; i < 300; i++)
				if (!(dir(i) in seen)) {
					seen[dir(i)] = 1
					line = line " " dir(i)
				}
			print line
		} else if (mode == "files") {
			for (i = 0; i < 240; i++)
				fill(root "/" path(i), i, size(i), 0)
			for (k = 0; k < 300; k++)
				fill(root "/big/entry-" k "-" rep("q", k % 30), 1000 + k, k % 3 * 10, 0)
		} else if (mode == "build") {
			if (kind != "ext4")
				exit
			links(240, 0)
			for (i = 0; i < 240; i += 6) {
				xset(path(i), "user.obm.a", "value-" i "-" rep("v", i % 50))
				if (i % 30 == 0)
					xset(path(i), "user.obm.big", rep("0123456789", 150))
			}
		} else if (mode == "ops") {
			if (kind == "ext4")
				print "rm -r links"
			line = "rm"
			for (i = 0; i < 240; i++) {
				if (gone(i))
					line = line " " q(path(i))
				else if (moved(i))
					print "mv " q(path(i)) " " q(now(i))
				else if (cut(i))
					print "truncate -s " int(size(i) / 2) " " q(path(i))
				if (kind == "ext4" && i % 6 == 0 && !gone(i)) {
					if (i % 12 != 0)
						xset(now(i), "user.obm.a", "changed-" i)
					else if (xattr != "")
						print xattr " rm " q(now(i)) " user.obm.a"
				}
			}
			print line
		} else if (mode == "more") {
			for (i = 0; i < 240; i++)
				if (grown(i))
					fill(root "/" path(i), 100000 + i, (i * 31) % 5000 + 1, 1)
			for (i = 240; i < 300; i++)
				fill(root "/" path(i), i, size(i), 0)
			for (k = 0; k < 100; k++)
				fill(root "/big/new-" k "-" rep("w", k % 40), 2000 + k, k % 5 * 100, 0)
		} else if (mode == "finish") {
			print "mv d3/e1 d3/e1-renamed"
			print "rm -r d5/e4"
			line = "rm"
			for (k = 1; k < 300; k += 2)
				line = line " " q("big/entry-" k "-" rep("q", k % 30))
			print line
			if (kind == "ext4")
				links(300, 1)
		} else if (mode == "xattrs") {
			for (i = 0; i < 240; i += 6) {
				p = final(now(i))
				if (gone(i) || p == "")
					continue
				if (i % 12 != 0)
					print p " user.obm.a=changed-" i
				if (i % 30 == 0)
					print p " user.obm.big=" rep("0123456789", 150)
			}
		}
	}'
}

# dt_sh DIR MODE KIND: run MODE's commands in DIR; stop at the first error.
dt_sh() {
	dt_awk "$2" "$3" "$1" | (cd "$1" && sh -e)
}

dt_build() {
	dt_sh "$1" dirs "$2" &&
	dt_awk files "$2" "$1" &&
	dt_sh "$1" build "$2"
}

dt_churn() {
	dt_sh "$1" ops "$2" &&
	dt_awk more "$2" "$1" &&
	dt_sh "$1" finish "$2"
}

dt_xattrs() {
	dt_awk xattrs "$1" . | sort
}
