/*
 * fuzz_store.c: the store's record decoders.  A damaged or hostile data.mdb
 * reaches store_decode() and store_entry_decode() before anything else looks
 * at a value, so they must refuse every malformed record without reading
 * past it.  store_decode is static: lib/store_acl.c is compiled into this
 * target to reach it; store_entry_decode is store_int.h's.
 */
#include "../lib/store_acl.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_store_info info;
	struct ck_entry e;
	unsigned char *copy;
	MDB_val v;

	/* an exact-size heap copy so ASan sees any read past the record */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	v.mv_data = copy;
	v.mv_size = size;
	if (store_decode(&v, &info) == 0) {
		/* what callers do with a decoded store record */
		(void)strlen(info.name);
		(void)ck_store_access(&info, 1000, CK_ACCESS_READ);
	}
	if (store_entry_decode(&v, &e) == 0) {
		(void)strlen(e.alias);
		if (e.cert_len > 0)
			(void)memchr(e.cert_pem, '\0', e.cert_len);
		if (e.key_len > 0)
			(void)memchr(e.key, '\0', e.key_len);
		(void)ck_entry_type_name(e.type);
	}
	free(copy);
	return 0;
}
