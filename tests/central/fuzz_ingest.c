/*
 * libFuzzer target: the ingest decoder (central/ingest.c), the code that
 * meets a site's request body first. A body that starts with the gzip
 * magic is inflated first, as with Content-Encoding: gzip; any other is
 * plain JSON. Built by `make fuzz` (clang, ASan + UBSan); tests/central/run.sh
 * runs it briefly when it is there.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	ingest_limits lim = {1u << 20, 1000};
	ingest_batch b;
	char err[300];
	int rc = ingest_decode((const char *)data, size, gzip, &lim, &b, err, sizeof err);
	if (rc == INGEST_OK) {
		/* Every event's text must parse back to the same event. */
		for (size_t i = 0; i < b.n; i++)
			if (!ingest_same_event(&b, i, b.ev[i].text, b.ev[i].len))
				__builtin_trap();
		ingest_batch_free(&b);
	} else if (rc != INGEST_BAD && rc != INGEST_TOO_LARGE) {
		__builtin_trap();
	}
	return 0;
}
