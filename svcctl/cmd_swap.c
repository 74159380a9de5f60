/* cmd_swap.c: --replace-cert, --resume, --rollback (placeholder until lib/swap lands). */
#include "config.h"

#include <stdio.h>

#include "log.h"
#include "svcctl.h"

void
svcctl_report_pending(void)
{
}

int
cmd_swap(struct svcctl_opts *o)
{
	(void)o;
	ck_warnx("--replace-cert is not available yet");
	return SX_FAIL;
}
