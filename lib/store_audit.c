/*
 * store_audit.c: the store's audit records (audit.h), held in the store's
 * queue until the transaction that makes the change commits.
 */
#include "config.h"

#include <stdio.h>

#include "audit.h"
#include "err.h"
#include "expiry.h"
#include "store_int.h"

void
store_audit_entry(struct ck_store *st, const char *event, const char *store,
    const struct ck_entry *old, const struct ck_entry *new)
{
	char o1[CK_AUDIT_SHA1_HEX] = "-", o256[CK_AUDIT_SHA256_HEX] = "-";
	char n1[CK_AUDIT_SHA1_HEX] = "-", n256[CK_AUDIT_SHA256_HEX] = "-";
	const struct ck_entry *e = new != NULL ? new : old;

	if (old != NULL)
		ck_audit_thumbs_pem(old->cert_pem, old->cert_len, o1, o256);
	if (new != NULL)
		ck_audit_thumbs_pem(new->cert_pem, new->cert_len, n1, n256);
	ck_audit_defer(&st->audit, event, "store=\"%s\" alias=\"%s\" type=\"%s\" old_sha1=%s "
	    "old_sha256=%s new_sha1=%s new_sha256=%s", store, e->alias,
	    ck_entry_type_name(e->type), o1, o256, n1, n256);
}

/* The access list as "uid:rw,uid:r" (EVERYONE for everyone). */
void
store_audit_store(struct ck_store *st, const char *event, const struct ck_store_info *info)
{
	char acl[64 * 24] = "", *p = acl;

	for (size_t i = 0; i < info->nace; i++) {
		const struct ck_ace *a = &info->ace[i];
		char who[16];
		if (a->uid == CK_UID_EVERYONE)
			snprintf(who, sizeof(who), "EVERYONE");
		else
			snprintf(who, sizeof(who), "%u", (unsigned int)a->uid);
		p += snprintf(p, sizeof(acl) - (size_t)(p - acl), "%s%s:%s%s", i ? "," : "", who,
		    (a->mask & CK_ACCESS_READ) ? "r" : "", (a->mask & CK_ACCESS_WRITE) ? "w" : "");
	}
	ck_audit_defer(&st->audit, event, "store=\"%s\" owner=%u acl=\"%s\"", info->name,
	    (unsigned int)info->owner, acl);
}

/* Called by store_op_end and the group commit/abort: a commit that
 * changed something is recorded, and the expiry summary republished. */
void
store_audit_end(struct ck_store *st, int committed)
{
	if (!committed || st->audit.len == 0) {
		ck_audit_drop(&st->audit);
		return;
	}
	ck_audit_flush(&st->audit);
	if (ck_expiry_publish(st) != 0)
		ck_err_clear();	/* best effort: see expiry.h */
}
