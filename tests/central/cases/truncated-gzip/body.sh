#!/bin/bash
# A valid batch, gzipped, with its last 12 bytes cut off.
f=$(mktemp); trap 'rm -f "$f"' EXIT
printf '{"events":[{"seq":1,"uuid":"01937000-0000-7000-8000-00000000aaa1","type":"ticket.issued","at":"2026-11-22T10:15:03.123+01:00","ticket":"01937000-0000-7000-9000-00000000aaa1","code":"A001","category":"digital","lang":"nl","desk":null}]}' | gzip -9 >"$f"
head -c $(( $(stat -c %s "$f") - 12 )) "$f"
