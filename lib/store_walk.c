/*
 * store_walk.c: walks over a store's entries (counting, listing), and the
 * dropping of the map pages a long walk touches (the one reader of
 * /proc/self/maps; see drop_map_pages).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <lmdb.h>

#include "err.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

static void walked(struct ck_store *st, const MDB_val *v);

int
ck_store_count(struct ck_store *st, const char *name, size_t *n)
{
	struct ck_store_info info;
	unsigned char prefix[4];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct op op;
	int r, rc;

	*n = 0;
	if ((r = store_op_lookup(st, 0, name, &op, &info)) != 0)
		return r;
	ck_put_be(prefix, info.id, 4);
	/* the alias index is the compact one to walk */
	if ((rc = mdb_cursor_open(op.txn, st->entries, &c)) != 0) {
		r = store_mdb_err(rc, "mdb_cursor_open");
		goto out;
	}
	k.mv_data = prefix;
	k.mv_size = 4;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size > 4 && memcmp(k.mv_data, prefix, 4) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		++*n;
		walked(st, &v);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		r = store_mdb_err(rc, "mdb_cursor_get(entries)");
	mdb_cursor_close(c);
out:
	if (op.own)
		mdb_txn_abort(op.txn);
	return r;
}

/*
 * Give back the map pages a long walk has touched.  The map is a read-only
 * shared mapping of data.mdb, so dropping our page table entries loses
 * nothing (the page cache keeps the data and a later access faults it back
 * in); it keeps a listing's resident size flat however large the store is
 * (bench/RESULTS.md: 5.3 MB instead of 12.2 MB for 100k entries, for 1.5x
 * the listing time).
 *
 * Why it is safe, and the only place that reads /proc/self/maps:
 * - LMDB does not export its map's address, so the kernel's list of our
 *   mappings is read once per open store; a line that does not parse, or
 *   names another file, is skipped, and no match (no /proc, a path longer
 *   than the buffer) only means no dropping;
 * - the range is the mapping of this store's data.mdb, found by its path
 *   (or canonical path); madvise is never applied to anything else, so a
 *   walk inside a write transaction, whose dirty pages are heap copies,
 *   is not touched;
 * - the map never moves while the store is open: its size is set once at
 *   open and a resize by another process (MDB_MAP_RESIZED) is an error,
 *   not a remap; the cached range dies with the store.
 */
static void
drop_map_pages(struct ck_store *st)
{
	const char *dir = NULL;
	char line[PATH_MAX + 128], want[PATH_MAX];
	FILE *f;

	if (st->map_len == 0 && !st->map_unknown) {
		/* LMDB does not tell where it mapped data.mdb: ask the kernel */
		st->map_unknown = 1;
		if (mdb_env_get_path(st->env, &dir) != 0 || dir == NULL ||
		    (size_t)snprintf(want, sizeof(want), "%s/data.mdb", dir) >= sizeof(want) ||
		    (f = fopen("/proc/self/maps", "r")) == NULL)
			return;
		while (fgets(line, sizeof(line), f) != NULL) {
			unsigned long lo, hi;
			char *path = strchr(line, '/');
			size_t n;
			if (path == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi <= lo)
				continue;
			n = strlen(path);
			if (n > 0 && path[n - 1] == '\n')
				path[--n] = '\0';
			/* the map may be named by a canonical path: compare the end */
			if (strcmp(path, want) == 0 || (n >= 9 && strcmp(path + n - 9, "/data.mdb") == 0 &&
			    realpath(want, line) != NULL && strcmp(line, path) == 0)) {
				st->map_addr = (void *)lo;
				st->map_len = hi - lo;
				st->map_unknown = 0;
				break;
			}
		}
		fclose(f);
	}
	if (st->map_len != 0)
		(void)madvise(st->map_addr, st->map_len, MADV_DONTNEED);
}

/*
 * Account for a record a walk has read (v: its value, which sits in the
 * leaf page or, when large, in overflow pages) and drop the map's pages
 * every DROP_PAGES pages touched.  Pages, not records or bytes: the kernel
 * maps up to 16 neighbouring pages (64 KiB "fault-around") on each fault
 * in a file mapping, and a B-tree's leaves are scattered through the file,
 * so each leaf touched can add 64 KiB to the resident size; dropping every
 * 32 pages bounds the map's share at about 2 MiB.  (Every 4096 records,
 * as before, let ~9 MB pile up.)  Dropping costs time (the unmapping, the
 * TLB flush, faulting again what fault-around had mapped ahead): listing
 * 100k entries took 1.5x as long as dropping every 4096 records; every 16
 * pages 1.9x (1 MB less), every 64 1.2x (2 MB more).
 */
#define DROP_PAGES 32
#define MAP_PAGE ((uintptr_t)4096)

static void
walked(struct ck_store *st, const MDB_val *v)
{
	uintptr_t first = (uintptr_t)v->mv_data / MAP_PAGE;
	uintptr_t last = ((uintptr_t)v->mv_data + (v->mv_size ? v->mv_size - 1 : 0)) / MAP_PAGE;

	st->touched += last - first + (first != st->last_page);
	st->last_page = last;
	if (st->touched < DROP_PAGES)
		return;
	st->touched = 0;
	drop_map_pages(st);
}

int
ck_store_entry_iter(struct ck_store *st, const char *store,
    int (*fn)(const struct ck_entry *, void *), void *arg)
{
	struct ck_store_info info;
	unsigned char prefix[4];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct ck_entry e;
	struct op op;
	int r, rc;

	if ((r = store_op_lookup(st, 0, store, &op, &info)) != 0)
		return r;
	ck_put_be(prefix, info.id, 4);
	if ((rc = mdb_cursor_open(op.txn, st->order, &c)) != 0) {
		r = store_mdb_err(rc, "mdb_cursor_open");
		goto out;
	}
	k.mv_data = prefix;
	k.mv_size = 4;
	/* records are stored in insertion order: one sequential scan */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == 12 && memcmp(k.mv_data, prefix, 4) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((r = store_entry_decode(&v, &e)) != 0 || (r = fn(&e, arg)) != 0)
			break;
		walked(st, &v);
	}
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = store_mdb_err(rc, "mdb_cursor_get(order)");
	mdb_cursor_close(c);
out:
	if (op.own)
		mdb_txn_abort(op.txn);
	return r;
}
