#!/usr/bin/env bash
# The trainer's refusals that no SQL reaches (test/unit/trainer_guards.c),
# under AddressSanitizer and UndefinedBehaviorSanitizer: builds the harness
# with the trainer's fit code, the test doubles linked in with --wrap, and
# runs it.  Prints one "ERROR:  SQLSTATE:  message" and one "ok N - case" line
# per case; exits non-zero if a case failed.
# Usage: test/unit/trainer_guards.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pgc=${PG_CONFIG:-pg_config}

# the library functions the harness replaces by test doubles
wraps=
for sym in LAPACKE_dgesdd_work LAPACKE_dsyevd LAPACKE_dgelsd_work LAPACKE_dposv_work \
	XGBoosterSaveModelToBuffer XGBoosterSetParam XGBoosterPredictFromDense \
	malloc calloc realloc cart_fit; do
	wraps="$wraps,--wrap=$sym"
done

# the trainer's sources but main.c, which the harness includes (the files of
# src/algorithms/ with their fits: PGML_TRAINER, as the Makefile builds them
# for the trainer; gcc applies -D to every file of the command, and only
# those files test it)
gcc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Werror -O1 -g -fopenmp \
	-fno-strict-aliasing -fwrapv -fexcess-precision=standard \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I include -I "$("$pgc" --includedir-server)" \
	test/unit/trainer_guards.c \
	src/trainer/runtime.c src/trainer/booster.c src/trainer/hyperparams.c \
	src/trainer/linear.c \
	src/trainer/xgb.c src/trainer/cluster.c src/trainer/matrix.c \
	src/trainer/decompose.c src/trainer/sk_random.c src/trainer/cart.c \
	src/trainer/tree_params.c src/trainer/forest.c src/trainer/gbt.c \
	src/trainer/adaboost.c src/trainer/hist_gbt.c src/trainer/joint.c \
	src/algorithms.c src/hp/*.c src/train/resources.c src/train/trainer_wire.c \
	-DPGML_TRAINER src/algorithms/*.c \
	-o "$work/trainer_guards" -Wl${wraps} \
	-L "$("$pgc" --pkglibdir)" -lpgcommon -lpgport \
	-lxgboost -lopenblas -llapacke -lgomp -lpthread -lm

# a 2^51-byte request is refused (NULL), not reported
ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$work/trainer_guards"
