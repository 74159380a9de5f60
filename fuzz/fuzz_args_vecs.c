/*
 * fuzz_args_vecs.c: vecs's command lookup and option parser (vecs/opts.c,
 * vecs-cli's grammar), argv split from the input on NUL bytes.  Only
 * parsing runs: the command found is not executed.
 */
/* linked with vecs/main.c vecs/opts.c vecs/store_cmds.c vecs/entry_cmds.c vecs/bundle.c vecs/refresh.c (fuzz/Makefile.inc) */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../vecs/vecs.h"
#include "argv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAXARGS + 2], *buf = NULL;
	const struct vcmd *c;
	struct vctx ctx;
	int argc, known, skip;

	if ((argc = split_argv("vecs", data, size, &buf, argv)) < 0)
		return 0;
	if (argc >= 2 && (c = vecs_find(argv[1], argc > 2 ? argv[2] : NULL, &known)) != NULL) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.cmd = c;
		skip = c->verb != NULL ? 3 : 2;
		if (skip <= argc && vecs_parse(c, argc - skip, argv + skip, &ctx) == 0) {
			for (int i = 0; i < O_MAX; i++)
				if (ctx.val[i] != NULL)
					(void)strlen(ctx.val[i]);
		}
	}
	free(buf);
	return 0;
}
