#!/usr/bin/env bash
# Fuzz the decoder of the trainer's replies (test/unit/wire_fuzz.c) under
# AddressSanitizer and UndefinedBehaviorSanitizer.
# Usage: test/unit/wire_fuzz.sh [CASES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
cases=${1:-200000}
seed=${2:-20261203}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pgc=${PG_CONFIG:-pg_config}
gcc -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Werror -O1 -g \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I include -I "$("$pgc" --includedir-server)" \
	test/unit/wire_fuzz.c src/train/trainer_wire.c src/trainer/runtime.c \
	-o "$work/wire_fuzz" -L "$("$pgc" --pkglibdir)" -lpgcommon -lpgport -lm
ASAN_OPTIONS=detect_leaks=0 "$work/wire_fuzz" "$cases" "$seed"
