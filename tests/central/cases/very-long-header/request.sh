#!/bin/bash
# One 100 KB header value.
printf 'POST /api/v1/sites/paddepoel/events\nAuthorization: Bearer @paddepoel\nContent-Type: application/json\nX-Padding: %s\n' "$(head -c 100000 /dev/zero | tr '\0' b)"
