#!/bin/bash
# 200 KB of valid-looking JSON: over the test configuration's 64 KiB cap.
printf '{"events":[],"pad":"'; head -c 200000 /dev/zero | tr '\0' x; printf '"}'
