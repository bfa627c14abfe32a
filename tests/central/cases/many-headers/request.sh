#!/bin/bash
# 3,000 small headers: together beyond the memory limit.
printf 'POST /api/v1/sites/paddepoel/events\nAuthorization: Bearer @paddepoel\nContent-Type: application/json\n'
for i in $(seq 1 3000); do printf 'X-H%d: value-%d\n' "$i" "$i"; done
