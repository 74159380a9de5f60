/*
 * store_cmds.c: `vecs store create|list|delete|permission|get-permissions`.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"
#include "vecs.h"

int
cmd_store_create(struct vctx *ctx)
{
	const char *name = ctx->val[O_NAME];
	int r;

	if (name == NULL || *name == '\0') {
		fprintf(stderr, "Error : An invalid store name [%s] was specified \n",
		    name ? name : "");
		return vsyntax(ctx->cmd, NULL);
	}
	if (strlen(name) > CK_STORE_NAME_MAX) {
		fprintf(stderr, "Error: The store name is %zu characters long; at most %d are allowed \n",
		    strlen(name), CK_STORE_NAME_MAX);
		return vfail(W_LABEL_TOO_LONG);
	}
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = ck_store_create(ctx->st, name, (uint32_t)ctx->uid)) != 0) {
		if (r == CK_E_EXIST) {
			fprintf(stderr, "Error: A store named [%s] already exists (names are "
			    "case-insensitive) \n", name);
			return vfail(W_ALREADY_EXISTS);
		}
		return vfail_ck(vecs_code(r), r);
	}
	printf("Successfully created store [%s]\n", name);
	return 0;
}

static const char *
user_name(uint32_t uid, char *buf, size_t n)
{
	struct passwd *pw;

	if (uid == CK_UID_EVERYONE)
		return "EVERYONE";
	if ((pw = getpwuid((uid_t)uid)) != NULL)
		return pw->pw_name;
	/* vecs-cli fails with 1317 here; showing the number is more useful */
	snprintf(buf, n, "%u", uid);
	return buf;
}

struct slist {
	int json;
	int n;
};

static int
print_store(const struct ck_store_info *info, void *arg)
{
	struct slist *sl = arg;
	char ub[16];

	if (!sl->json) {
		printf("%s\n", info->name);
	} else {
		printf("%s\n  {\"name\": ", sl->n ? "," : "");
		json_str(stdout, info->name, strlen(info->name));
		printf(", \"id\": %u, \"owner\": ", info->id);
		json_str(stdout, user_name(info->owner, ub, sizeof(ub)),
		    strlen(user_name(info->owner, ub, sizeof(ub))));
		printf(", \"builtin\": %s}", ck_store_is_builtin(info->name) ? "true" : "false");
	}
	sl->n++;
	return 0;
}

int
cmd_store_list(struct vctx *ctx)
{
	struct slist sl = { ctx->set[O_JSON] != 0, 0 };
	int r;

	if ((r = vecs_open(ctx)) != 0)
		return r;
	if (sl.json)
		fputs("[", stdout);
	if ((r = ck_store_list(ctx->st, print_store, &sl)) != 0)
		return vfail_ck(vecs_code(r), r);
	if (sl.json)
		fputs(sl.n ? "\n]\n" : "]\n", stdout);
	else if (sl.n == 0)
		fputs("No stores found\n", stderr);
	return 0;
}

/* Only the owner or root may delete a store or manage its ACL. */
static int
owner_or_root(const struct vctx *ctx, const struct ck_store_info *info)
{
	return ctx->uid == 0 || (uint32_t)ctx->uid == info->owner;
}

int
cmd_store_delete(struct vctx *ctx)
{
	const char *name = ctx->val[O_NAME];
	struct ck_store_info info;
	int r;

	if (!ctx->set[O_YES]) {
		printf("Warning: This operation will delete store [%s]\n"
		    "Do you wish to continue? Y/N [N] \n", name ? name : "(null)");
		if (!vecs_confirm())
			return 0;
	}
	if (name == NULL || *name == '\0') {
		fprintf(stderr, "Error : An invalid store name [%s] was specified \n",
		    name ? name : "");
		return vsyntax(ctx->cmd, NULL);
	}
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = ck_store_info(ctx->st, name, &info)) != 0) {
		if (r == CK_E_NOENT) {
			fprintf(stderr, "Error : Store [%s] does not exist\n", name);
			return vfail(W_OBJECT_NOT_FOUND);
		}
		return vfail_ck(vecs_code(r), r);
	}
	/* 4.7: deleting is the owner's (or root's), not a writer's */
	if ((r = owner_or_root(ctx, &info) ? 0 : CK_E_ACCESS) != 0 || ck_store_is_builtin(name)) {
		fprintf(stderr, "Error: Store [%s] %s \n", info.name, r != 0 ?
		    "may only be deleted by its owner or root" :
		    "is a built-in store and cannot be deleted");
		return vfail(W_ACCESS_DENIED);
	}
	if ((r = ck_store_delete(ctx->st, name)) != 0)
		return vfail_ck(vecs_code(r), r);
	printf("Successfully deleted store [%s]\n", name);
	return 0;
}

/* "read", "write", "read,write" / "write,read" -> mask; 0 if invalid. */
static uint32_t
parse_access(const char *s, int allow_both)
{
	if (s == NULL)
		return 0;
	if (strcmp(s, "read") == 0)
		return CK_ACCESS_READ;
	if (strcmp(s, "write") == 0)
		return CK_ACCESS_WRITE;
	if (allow_both && (strcmp(s, "read,write") == 0 || strcmp(s, "write,read") == 0))
		return CK_ACCESS_READ | CK_ACCESS_WRITE;
	return 0;
}

int
cmd_store_permission(struct vctx *ctx)
{
	const char *name = ctx->val[O_NAME], *user = ctx->val[O_USER];
	struct ck_store_info info;
	struct passwd *pw;
	uint32_t uid, mask;
	int grant = ctx->set[O_GRANT] != 0, r, mode;

	if (name == NULL || *name == '\0' || user == NULL || *user == '\0')
		return vsyntax(ctx->cmd, NULL);
	if (ctx->set[O_GRANT] + ctx->set[O_REVOKE] != 1)
		return vsyntax(ctx->cmd, "Error: Give exactly one of --grant or --revoke \n");
	mask = parse_access(ctx->val[grant ? O_GRANT : O_REVOKE], grant);
	if (mask == 0)
		return vsyntax(ctx->cmd, "Error: The access [%s] is invalid: use read, write%s \n",
		    ctx->val[grant ? O_GRANT : O_REVOKE], grant ? " or read,write" : "");
	if (ck_strcaseeq(user, "EVERYONE")) {
		uid = CK_UID_EVERYONE;
	} else if ((pw = getpwnam(user)) != NULL) {
		uid = (uint32_t)pw->pw_uid;
	} else {
		fprintf(stderr, "Error: The user [%s] does not exist \n", user);
		return vfail(W_NO_SUCH_USER);
	}
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = ck_store_info(ctx->st, name, &info)) != 0) {
		if (r == CK_E_NOENT)
			fprintf(stderr, "Error : Store [%s] does not exist\n", name);
		return vfail_ck(vecs_code(r), r == CK_E_NOENT ? 0 : r);
	}
	if (!owner_or_root(ctx, &info)) {
		fprintf(stderr, "Error: Only the owner of store [%s] or root may change its "
		    "permissions \n", info.name);
		return vfail(W_ACCESS_DENIED);
	}
	/* grant read or write replaces (vecs-cli); read,write adds both */
	mode = !grant ? CK_ACE_CLEAR : mask == (CK_ACCESS_READ | CK_ACCESS_WRITE) ?
	    CK_ACE_ADD : CK_ACE_SET;
	if ((r = ck_store_ace(ctx->st, name, uid, mask, mode)) != 0)
		return vfail_ck(vecs_code(r), r);
	printf("Permissions for store [%s] set  successfully\n ", name);
	return 0;
}

int
cmd_store_getperm(struct vctx *ctx)
{
	const char *name = ctx->val[O_NAME];
	struct ck_store_info info;
	char ub[16];
	const char *u;
	int r;

	if (name == NULL || *name == '\0')
		return vsyntax(ctx->cmd, NULL);
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = ck_store_info(ctx->st, name, &info)) != 0) {
		if (r == CK_E_NOENT)
			fprintf(stderr, "Error : Store [%s] does not exist\n", name);
		return vfail_ck(vecs_code(r), r == CK_E_NOENT ? 0 : r);
	}
	if (!owner_or_root(ctx, &info)) {
		fprintf(stderr, "Error: Only the owner of store [%s] or root may see its "
		    "permissions \n", info.name);
		return vfail(W_ACCESS_DENIED);
	}
	if (ctx->set[O_JSON]) {
		fputs("{\"store\": ", stdout);
		json_str(stdout, info.name, strlen(info.name));
		fputs(", \"owner\": ", stdout);
		u = user_name(info.owner, ub, sizeof(ub));
		json_str(stdout, u, strlen(u));
		fputs(", \"acl\": [", stdout);
		for (size_t i = 0; i < info.nace; i++) {
			uint32_t m = info.ace[i].mask;
			fputs(i ? ", {\"user\": " : "{\"user\": ", stdout);
			u = user_name(info.ace[i].uid, ub, sizeof(ub));
			json_str(stdout, u, strlen(u));
			printf(", \"access\": \"%s\"}", m >= (CK_ACCESS_READ | CK_ACCESS_WRITE) ?
			    "read,write" : m == CK_ACCESS_WRITE ? "write" : "read");
		}
		fputs("]}\n", stdout);
		return 0;
	}
	printf("PERMISSIONS FOR STORE: [%s]\n", name);
	printf("OWNER : %s\n", user_name(info.owner, ub, sizeof(ub)));
	printf("USER\t\tACCESS\n");
	for (size_t i = 0; i < info.nace; i++) {
		uint32_t m = info.ace[i].mask;
		printf("%s\t%s\n", user_name(info.ace[i].uid, ub, sizeof(ub)),
		    m >= (CK_ACCESS_READ | CK_ACCESS_WRITE) ? "read,write" :
		    m == CK_ACCESS_WRITE ? "write" : "read");
	}
	return 0;
}

void
json_str(FILE *f, const char *s, size_t n)
{
	char *q = ck_json_quote(s, n);

	/* out of memory: an empty string keeps the document valid */
	fputs(q != NULL ? q : "\"\"", f);
	free(q);
}
