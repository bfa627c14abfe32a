/*
 * libFuzzer target: the site profile's check (central/profile_check.c), the
 * code that meets a PUT .../profile body after JSON parsing. Every profile
 * accepted must give labels whose strings are within the bounds promised,
 * and every refusal a message naming a field. Built with `make test` (clang,
 * ASan + UBSan) when clang is there; tests/central/test-report.sh runs it
 * briefly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return 0;
	cstore_label *lv = NULL;
	size_t ln = 0;
	char *langs = NULL, err[300] = "";
	int rc = profile_check(root, &lv, &ln, &langs, err, sizeof err);
	if (rc == 0) {
		if (!langs)
			__builtin_trap();
		for (size_t i = 0; i < ln; i++) {
			size_t n = strlen(lv[i].id);
			if (n < 1 || n > PROFILE_ID_MAX || strcmp(lv[i].kind, "category") * strcmp(lv[i].kind, "referral"))
				__builtin_trap();
			if (lv[i].lang && (strlen(lv[i].label) < 1 || strlen(lv[i].label) > PROFILE_LABEL_MAX))
				__builtin_trap();
		}
	} else if (rc == -1 && !err[0]) {
		__builtin_trap();
	}
	free(lv);
	free(langs);
	json_decref(root);
	return 0;
}
