/*
 * fuzz_registry.c: the services registry (services.conf) and the swap
 * journal, the two INI files svcctl trusts to decide what to run.  The
 * first input byte picks the parser; a parsed registry is also walked the
 * way svcctl walks it (lookups by name and alias, profiles, durations).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "registry.h"
#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_registry *reg = NULL;
	struct ck_journal *j = NULL;
	long ms;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		if (ck_registry_parse("fuzz.conf", (const char *)data + 1, size - 1, &reg) == 0) {
			for (size_t i = 0; i < reg->n; i++) {
				(void)ck_registry_find(reg, reg->svc[i].name);
				(void)ck_registry_in_profile(reg, i, "ALL");
			}
			(void)ck_registry_find(reg, "vmcad");
			ck_registry_free(reg);
		}
	} else if (data[0] & 2) {
		if (ck_journal_parse("fuzz.journal", (const char *)data + 1, size - 1, &j) == 0)
			ck_journal_free(j);
	} else {
		char buf[64];
		size_t n = size - 1 < sizeof(buf) - 1 ? size - 1 : sizeof(buf) - 1;
		memcpy(buf, data + 1, n);
		buf[n] = '\0';
		(void)ck_parse_duration(buf, &ms);
	}
	return 0;
}
