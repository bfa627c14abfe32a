#!/bin/bash
# 101 events: over the test configuration's max_batch_events (100).
printf '{"events":['
for i in $(seq 1 101); do
	[ "$i" -gt 1 ] && printf ','
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%012d","type":"ticket.issued","at":"2026-11-22T10:15:03.123+01:00","ticket":"01937000-0000-7000-9000-%012d","code":"A%03d","category":"digital","lang":"nl","desk":null}' "$i" "$i" "$i" "$i"
done
printf ']}'
