#!/bin/sh
# Bans the C library calls that have bitten every C project: unbounded
# copies and formats, a tokenizer with hidden state, conversions that cannot
# report failure. Use snprintf, memcpy with a checked length, strtol/strtoll.
set -eu
cd "$(dirname "$0")/.."
banned='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gets)[[:space:]]*\('
hits=$(git ls-files -co --exclude-standard '*.c' '*.h' | xargs -r grep -nE "$banned" | grep -v 'style-check: allow' || true)
if [ -n "$hits" ]; then
	echo "style: banned calls found:" >&2
	echo "$hits" >&2
	exit 1
fi
echo "style: ok (no sprintf, strcpy, strcat, strtok, atoi, gets)"
