#!/bin/bash
# 50 MB of spaces (valid JSON whitespace) in ~50 KB of gzip: refused while inflating.
{ printf '{"events":['; head -c 50000000 /dev/zero | tr '\0' ' '; printf ']}'; } | gzip -9
