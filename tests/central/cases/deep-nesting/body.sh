#!/bin/bash
# 30,000 nested arrays: the parser must refuse, not recurse off the stack.
printf '{"events":'; head -c 30000 /dev/zero | tr "\0" "["; head -c 30000 /dev/zero | tr "\0" "]"; printf '}'
