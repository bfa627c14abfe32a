#!/bin/bash
# A 100 KB path: beyond the connection's memory limit.
printf 'GET /api/v1/sites/%s/events\n' "$(head -c 100000 /dev/zero | tr '\0' a)"
