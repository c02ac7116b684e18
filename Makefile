# pgml_worker: machine learning inside PostgreSQL, served from shared memory.
#
# Two shared objects (see docs/architecture.md):
#   pgml_worker.so  preloaded into the postmaster: registry, predict, vectors,
#                   stat views, the model kinds (artifact packing, image,
#                   evaluation).  Links msgpack-c only.  Never XGBoost/OpenBLAS.
#   pgml_train.so   loaded only by the training worker and by backends that
#                   call pgml.train(): the job, the data, metrics, the
#                   trainer client.  Links msgpack-c only; the fits run in
#                   the pgml_trainer program (XGBoost, OpenBLAS/LAPACK).

EXTENSION = pgml_worker
EXTVERSION = 0.2.0

MODULE_big = pgml_worker
# the hyperparameter tables (include/pgml_hyperparams.h): data, in both the
# server (pgml.hyperparameters()) and the trainer (validation)
HP_OBJS = \
	src/hp/spec.o \
	src/hp/xgboost.o \
	src/hp/linear.o \
	src/hp/kmeans.o \
	src/hp/pca.o \
	src/hp/cart.o
# An algorithm of an existing kind in a file of its own (docs/algorithms.md,
# "Adding an algorithm"): its table in the server, table and fit in the
# trainer (compiled again with PGML_TRAINER); no line here names it.
ALGORITHM_SRCS = $(sort $(wildcard src/algorithms/*.c))
OBJS = \
	src/pgml_worker.o \
	src/acl.o \
	src/roles.o \
	src/algorithms.o \
	src/algorithms_sql.o \
	$(HP_OBJS) \
	$(ALGORITHM_SRCS:.c=.o) \
	src/registry.o \
	src/deploy.o \
	src/image.o \
	src/artifact.o \
	src/kinds.o \
	src/tree_eval.o \
	src/image_encode.o \
	src/predict.o \
	src/queue.o \
	src/queue_fair.o \
	src/launcher.o \
	src/stat.o \
	src/vector.o \
	src/datasets.o

TRAIN_LIB = pgml_train
TRAIN_OBJS = \
	src/train/worker.o \
	src/train/job.o \
	src/train/split.o \
	src/train/search.o \
	src/train/evaluate.o \
	src/train/data.o \
	src/train/preprocess.o \
	src/train/encode.o \
	src/train/native.o \
	src/train/metrics.o \
	src/train/cluster_metrics.o \
	src/train/resources.o \
	src/train/trainer_wire.o \
	src/train/trainer_client.o

# The trainer process (include/pgml_trainer.h): the only program that links
# XGBoost, OpenMP and OpenBLAS/LAPACK.  Its fit modules use PostgreSQL's C
# API, provided by src/trainer/runtime.c and the frontend libpgcommon.
TRAINER = pgml_trainer
TRAINER_OBJS = \
	src/trainer/main.o \
	src/trainer/joint.o \
	src/trainer/runtime.o \
	src/trainer/booster.o \
	src/trainer/hyperparams.o \
	src/trainer/xgb.o \
	src/trainer/linear.o \
	src/trainer/cluster.o \
	src/trainer/matrix.o \
	src/trainer/decompose.o \
	src/trainer/sk_random.o \
	src/trainer/cart.o \
	src/trainer/tree_params.o \
	src/trainer/forest.o \
	src/trainer/gbt.o \
	src/trainer/adaboost.o \
	src/trainer/hist_gbt.o \
	src/algorithms.o \
	$(HP_OBJS) \
	$(ALGORITHM_SRCS:.c=.trainer.o) \
	src/train/resources.o \
	src/train/trainer_wire.o

SQL_PARTS = $(sort $(wildcard sql/parts/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# Released install scripts (frozen) and the upgrade path between versions:
# docs/upgrading.md.
DATA = $(wildcard sql/versions/*.sql)
DATASETS = $(wildcard data/*.csv)

SHLIB_LINK = $(shell pkg-config --libs msgpack 2>/dev/null || echo -lmsgpackc)
TRAIN_LINK = $(SHLIB_LINK) -lm
TRAINER_LINK = -lxgboost -lopenblas -llapacke -lgomp -lpthread -lm

PG_CPPFLAGS = -I$(srcdir)/include
PG_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare \
	$(if $(PGML_WERROR),-Werror)

# make coverage (test/coverage.sh) builds with gcov instrumentation
ifdef PGML_COVERAGE
PG_CFLAGS += --coverage -O0 -DPGML_COVERAGE
SHLIB_LINK += --coverage
TRAIN_LINK += --coverage
endif

REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --outputdir=test/results_dir \
	--temp-instance=test/tmp_check --temp-config=test/regress.conf \
	--load-extension=$(EXTENSION)
ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation_output \
	--temp-instance=test/tmp_check_iso --temp-config=test/regress.conf \
	--load-extension=$(EXTENSION)
TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

EXTRA_CLEAN = $(TRAIN_LIB)$(DLSUFFIX) $(TRAIN_OBJS) $(TRAINER) $(TRAINER_OBJS) \
	test/results_dir test/tmp_check \
	test/isolation_output test/tmp_check_iso output_iso \
	src/*.gcno src/*.gcda src/hp/*.gcno src/hp/*.gcda src/train/*.gcno src/train/*.gcda \
	src/trainer/*.gcno src/trainer/*.gcda src/algorithms/*.gcno src/algorithms/*.gcda \
	src/algorithms/*.o

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
# No JIT bitcode: predict is a C function call, there is nothing to inline.
override with_llvm = no
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

all: $(TRAIN_LIB)$(DLSUFFIX) $(TRAINER)

$(TRAIN_OBJS) $(TRAINER_OBJS): CFLAGS += $(CFLAGS_SL)

# Every object depends on the contracts: a changed struct must rebuild all.
$(OBJS) $(TRAIN_OBJS) $(TRAINER_OBJS): $(wildcard include/*.h) src/image_layout.h
$(TRAINER_OBJS): $(wildcard src/trainer/*.h)
# the trainer's compilation of an algorithm's file: table and fit
src/algorithms/%.trainer.o: src/algorithms/%.c
	$(CC) $(CFLAGS) $(CPPFLAGS) -DPGML_TRAINER -c -o $@ $<

# hist_gradient_boosting builds histograms and searches splits with OpenMP
# threads (the trainer is the one process that may run OpenMP)
src/trainer/hist_gbt.o: CFLAGS += -fopenmp

$(TRAIN_LIB)$(DLSUFFIX): $(TRAIN_OBJS)
	$(CC) $(CFLAGS) -shared -o $@ $(TRAIN_OBJS) $(LDFLAGS) $(LDFLAGS_SL) $(TRAIN_LINK)

# libpgcommon/libpgport: the frontend builds, from PostgreSQL's libdir
$(TRAINER): $(TRAINER_OBJS)
	$(CC) $(CFLAGS) -o $@ $(TRAINER_OBJS) $(LDFLAGS) -L$(pkglibdir) -lpgcommon -lpgport $(TRAINER_LINK)

install: install-pgml-extra
install-pgml-extra: $(TRAIN_LIB)$(DLSUFFIX) $(TRAINER)
	$(INSTALL_SHLIB) $(TRAIN_LIB)$(DLSUFFIX) '$(DESTDIR)$(pkglibdir)/'
	$(INSTALL_PROGRAM) $(TRAINER) '$(DESTDIR)$(pkglibdir)/'
	$(MKDIR_P) '$(DESTDIR)$(datadir)/$(EXTENSION)'
	$(if $(DATASETS),$(INSTALL_DATA) $(DATASETS) '$(DESTDIR)$(datadir)/$(EXTENSION)/')

uninstall: uninstall-pgml-extra
uninstall-pgml-extra:
	rm -f '$(DESTDIR)$(pkglibdir)/$(TRAIN_LIB)$(DLSUFFIX)' '$(DESTDIR)$(pkglibdir)/$(TRAINER)'
	rm -rf '$(DESTDIR)$(datadir)/$(EXTENSION)'

.PHONY: install-pgml-extra uninstall-pgml-extra bench coverage mutation errmsg-coverage
bench:
	bash bench/run.sh

# line and branch coverage of src/ by every suite (gcov + Debian's lcov);
# as root, like test/run.sh.  Report: coverage/summary.txt, coverage/html.
coverage:
	bash test/coverage.sh

# one-line mutants of test/mutants.txt, each run against the tests of its
# module; reports the mutation score (not part of CI: it takes long)
mutation:
	bash test/mutation.sh $(MUTANTS)
