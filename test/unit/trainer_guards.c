/*
 * trainer_guards.c
 *	  The refusals of the trainer process (src/trainer/) that no SQL
 *	  reaches, each provoked and checked: the guards whose condition the
 *	  parent (job.c, data.c) rules out first, the size limits no test can
 *	  allocate, and the failures of XGBoost and LAPACK that no real input
 *	  provokes.  Built with AddressSanitizer and UBSan by
 *	  test/unit/trainer_guards.sh; run by test/t/017_trainer_guards.pl.
 *
 *	  Each case calls a trainer entry point (pgml_kmeans_train,
 *	  pgml_xgb_train, ..., and serve_fit of main.c, which this file includes
 *	  with its main() renamed) on crafted input inside PG_TRY, on the
 *	  trainer's own runtime shim (src/trainer/runtime.c: palloc, ereport),
 *	  as the trainer process runs it (the progress reports and notices that
 *	  main.c writes to the parent's socket go to /dev/null).  The case
 *	  passes when an ERROR was raised with the expected SQLSTATE, exactly
 *	  the expected message and, where the case names one, a detail
 *	  containing the given text.  Output:
 *
 *		  1..N
 *		  ERROR:  <SQLSTATE>:  <message>		(scripts/errmsg_coverage.py
 *		  DETAIL:  <detail>						 reads these lines from the
 *		  ok <n> - <case>						 TAP test's log)
 *
 *	  or "not ok <n> - <case>" and what happened instead; the exit status is
 *	  1 if any case failed.
 *
 *	  Size limits: a row, feature or node count beyond the limit, with no
 *	  data behind it (x NULL, arrays absent).  Each guard must come before
 *	  any read of the data: a read would be a NULL dereference, or, behind a
 *	  faked length, a report of AddressSanitizer.  Out of memory: an
 *	  allocation of 2^51 bytes that malloc refuses (ASAN_OPTIONS has
 *	  allocator_may_return_null=1).
 *
 *	  Test doubles.  The script links with -Wl,--wrap=SYMBOL for each
 *	  library function below: the trainer's calls of SYMBOL reach
 *	  __wrap_SYMBOL here, which calls the library's own through
 *	  __real_SYMBOL.  Every double passes its call through unchanged unless
 *	  the running case armed its failure (`armed`):
 *
 *	  LAPACKE_dgesdd_work	DOUBLE_SVD_NO_CONVERGENCE: the factorization
 *							(not the workspace query) returns info 1, as
 *							when dbdsdc does not converge.
 *	  LAPACKE_dsyevd		DOUBLE_EIGH_NO_CONVERGENCE: returns info 1, as
 *							when the eigenvalues do not converge.
 *	  LAPACKE_dgelsd_work	DOUBLE_DGELSD_QUERY: the workspace query returns
 *							info -6; DOUBLE_DGELSD_NO_CONVERGENCE: the solve
 *							returns info 2; DOUBLE_DGELSD_BAD_ARGUMENT: the
 *							solve returns info -10; DOUBLE_DGELSD_INFINITE /
 *							DOUBLE_DGELSD_HUGE: the real solve, then the
 *							first coefficient replaced by infinity / DBL_MAX.
 *	  LAPACKE_dposv_work	DOUBLE_DPOSV_BAD_ARGUMENT: returns info -5.
 *	  XGBoosterSaveModelToBuffer  (JSON form only) the real call, then
 *							DOUBLE_JSON_OTHER_SHAPE: a valid document of a
 *							gblinear model; DOUBLE_JSON_MALFORMED: a
 *							truncated document; DOUBLE_JSON_BEYOND_INT32 /
 *							DOUBLE_JSON_BEYOND_1GB: the real buffer with a
 *							length of 2^31 / 2^30 bytes.
 *	  XGBoosterSetParam		DOUBLE_SETPARAM_FAILS: for key "max_depth",
 *							the real call on a NULL handle, so that XGBoost
 *							fails and sets its own last error.
 *	  XGBoosterPredictFromDense  DOUBLE_PREDICT_FAILS: likewise.
 *	  malloc, calloc, realloc  DOUBLE_ENGINE_OOM: NULL while the calling
 *							thread is inside the tree engine's cart_fit
 *							(also wrapped: it marks the thread), so that the
 *							engine, and only it, runs out of memory.
 *
 *	  Other cases need no double: a fit function passed to
 *	  pgml_joint_train, a write-only descriptor of the data memfd,
 *	  duplicated columns whose Cholesky factorization fails by rounding, or
 *	  an XGBoost model document edited to claim 300,000,000 features.
 *
 *	  Not here: "logistic regression produced a non-finite coefficient".
 *	  Both solvers move only to points whose objective the line search
 *	  found finite, and a finite objective means finite coefficients (the
 *	  penalty) and margins (the intercept); no double of LAPACK changes
 *	  that.
 */
#include "postgres.h"

#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cblas.h>
#include <lapacke.h>
#include <xgboost/c_api.h>

/*
 * The trainer's protocol loop, for serve_fit, its static request handler,
 * and for what the fit code calls back (progress, notices, the end of the
 * training data).
 */
#define main pgml_trainer_main
#include "../../src/trainer/main.c"
#undef main

#include "../../src/trainer/trainer_tree_params.h"

/* ----------------------------------------------------------------------
 * Test doubles (see the header comment)
 * ---------------------------------------------------------------------- */

typedef enum GuardDouble
{
	DOUBLE_NONE = 0,
	DOUBLE_SVD_NO_CONVERGENCE,
	DOUBLE_EIGH_NO_CONVERGENCE,
	DOUBLE_DGELSD_QUERY,
	DOUBLE_DGELSD_NO_CONVERGENCE,
	DOUBLE_DGELSD_BAD_ARGUMENT,
	DOUBLE_DGELSD_INFINITE,
	DOUBLE_DGELSD_HUGE,
	DOUBLE_DPOSV_BAD_ARGUMENT,
	DOUBLE_JSON_OTHER_SHAPE,
	DOUBLE_JSON_MALFORMED,
	DOUBLE_JSON_BEYOND_INT32,
	DOUBLE_JSON_BEYOND_1GB,
	DOUBLE_SETPARAM_FAILS,
	DOUBLE_PREDICT_FAILS,
	DOUBLE_ENGINE_OOM
} GuardDouble;

/* the failure the running case armed; set before worker threads start */
static GuardDouble armed = DOUBLE_NONE;

/* a model document XGBoost 1.7 would not write for a gbtree fit */
static const char json_other_shape[] =
"{\"learner\": {\"gradient_booster\": {\"name\": \"gblinear\", "
"\"model\": {\"weights\": [0.5, 0.25]}}, \"objective\": {\"name\": "
"\"reg:squarederror\"}, \"learner_model_param\": {\"base_score\": "
"\"5E-1\", \"num_class\": \"0\", \"num_feature\": \"2\"}}}";

/* the start of one, cut off */
static const char json_malformed[] =
"{\"learner\": {\"gradient_booster\": {\"name\": \"gbtree\", \"model\": ";

extern lapack_int __real_LAPACKE_dgesdd_work(int layout, char jobz,
											 lapack_int m, lapack_int n,
											 double *a, lapack_int lda,
											 double *s, double *u,
											 lapack_int ldu, double *vt,
											 lapack_int ldvt, double *work,
											 lapack_int lwork,
											 lapack_int *iwork);
extern lapack_int __wrap_LAPACKE_dgesdd_work(int layout, char jobz,
											 lapack_int m, lapack_int n,
											 double *a, lapack_int lda,
											 double *s, double *u,
											 lapack_int ldu, double *vt,
											 lapack_int ldvt, double *work,
											 lapack_int lwork,
											 lapack_int *iwork);

lapack_int
__wrap_LAPACKE_dgesdd_work(int layout, char jobz, lapack_int m, lapack_int n,
						   double *a, lapack_int lda, double *s, double *u,
						   lapack_int ldu, double *vt, lapack_int ldvt,
						   double *work, lapack_int lwork, lapack_int *iwork)
{
	if (armed == DOUBLE_SVD_NO_CONVERGENCE && lwork != -1)
		return 1;
	return __real_LAPACKE_dgesdd_work(layout, jobz, m, n, a, lda, s, u, ldu,
									  vt, ldvt, work, lwork, iwork);
}

extern lapack_int __real_LAPACKE_dsyevd(int layout, char jobz, char uplo,
										lapack_int n, double *a, lapack_int lda,
										double *w);
extern lapack_int __wrap_LAPACKE_dsyevd(int layout, char jobz, char uplo,
										lapack_int n, double *a, lapack_int lda,
										double *w);

lapack_int
__wrap_LAPACKE_dsyevd(int layout, char jobz, char uplo, lapack_int n,
					  double *a, lapack_int lda, double *w)
{
	if (armed == DOUBLE_EIGH_NO_CONVERGENCE)
		return 1;
	return __real_LAPACKE_dsyevd(layout, jobz, uplo, n, a, lda, w);
}

extern lapack_int __real_LAPACKE_dgelsd_work(int layout, lapack_int m,
											 lapack_int n, lapack_int nrhs,
											 double *a, lapack_int lda,
											 double *b, lapack_int ldb,
											 double *s, double rcond,
											 lapack_int *rank, double *work,
											 lapack_int lwork,
											 lapack_int *iwork);
extern lapack_int __wrap_LAPACKE_dgelsd_work(int layout, lapack_int m,
											 lapack_int n, lapack_int nrhs,
											 double *a, lapack_int lda,
											 double *b, lapack_int ldb,
											 double *s, double rcond,
											 lapack_int *rank, double *work,
											 lapack_int lwork,
											 lapack_int *iwork);

lapack_int
__wrap_LAPACKE_dgelsd_work(int layout, lapack_int m, lapack_int n,
						   lapack_int nrhs, double *a, lapack_int lda,
						   double *b, lapack_int ldb, double *s, double rcond,
						   lapack_int *rank, double *work, lapack_int lwork,
						   lapack_int *iwork)
{
	lapack_int	info;

	if (lwork == -1 && armed == DOUBLE_DGELSD_QUERY)
		return -6;
	if (lwork != -1 && armed == DOUBLE_DGELSD_NO_CONVERGENCE)
		return 2;
	if (lwork != -1 && armed == DOUBLE_DGELSD_BAD_ARGUMENT)
		return -10;
	info = __real_LAPACKE_dgelsd_work(layout, m, n, nrhs, a, lda, b, ldb, s,
									  rcond, rank, work, lwork, iwork);
	if (lwork != -1 && info == 0 && armed == DOUBLE_DGELSD_INFINITE)
		b[0] = INFINITY;
	if (lwork != -1 && info == 0 && armed == DOUBLE_DGELSD_HUGE)
		b[0] = DBL_MAX;
	return info;
}

extern lapack_int __real_LAPACKE_dposv_work(int layout, char uplo,
											lapack_int n, lapack_int nrhs,
											double *a, lapack_int lda,
											double *b, lapack_int ldb);
extern lapack_int __wrap_LAPACKE_dposv_work(int layout, char uplo,
											lapack_int n, lapack_int nrhs,
											double *a, lapack_int lda,
											double *b, lapack_int ldb);

lapack_int
__wrap_LAPACKE_dposv_work(int layout, char uplo, lapack_int n,
						  lapack_int nrhs, double *a, lapack_int lda,
						  double *b, lapack_int ldb)
{
	if (armed == DOUBLE_DPOSV_BAD_ARGUMENT)
		return -5;
	return __real_LAPACKE_dposv_work(layout, uplo, n, nrhs, a, lda, b, ldb);
}

extern int	__real_XGBoosterSaveModelToBuffer(BoosterHandle handle,
											  const char *config,
											  bst_ulong *out_len,
											  const char **out_dptr);
extern int	__wrap_XGBoosterSaveModelToBuffer(BoosterHandle handle,
											  const char *config,
											  bst_ulong *out_len,
											  const char **out_dptr);

int
__wrap_XGBoosterSaveModelToBuffer(BoosterHandle handle, const char *config,
								  bst_ulong *out_len, const char **out_dptr)
{
	int			rc = __real_XGBoosterSaveModelToBuffer(handle, config,
													   out_len, out_dptr);

	if (rc != 0 || strstr(config, "\"json\"") == NULL)
		return rc;
	switch (armed)
	{
		case DOUBLE_JSON_OTHER_SHAPE:
			*out_dptr = json_other_shape;
			*out_len = strlen(json_other_shape);
			break;
		case DOUBLE_JSON_MALFORMED:
			*out_dptr = json_malformed;
			*out_len = strlen(json_malformed);
			break;
		case DOUBLE_JSON_BEYOND_INT32:
			*out_len = (bst_ulong) PG_INT32_MAX + 1;
			break;
		case DOUBLE_JSON_BEYOND_1GB:
			*out_len = (bst_ulong) 1 << 30;
			break;
		default:
			break;
	}
	return rc;
}

extern int	__real_XGBoosterSetParam(BoosterHandle handle, const char *name,
									 const char *value);
extern int	__wrap_XGBoosterSetParam(BoosterHandle handle, const char *name,
									 const char *value);

int
__wrap_XGBoosterSetParam(BoosterHandle handle, const char *name,
						 const char *value)
{
	if (armed == DOUBLE_SETPARAM_FAILS && strcmp(name, "max_depth") == 0)
		handle = NULL;
	return __real_XGBoosterSetParam(handle, name, value);
}

extern int	__real_XGBoosterPredictFromDense(BoosterHandle handle,
											 const char *values,
											 const char *config,
											 DMatrixHandle m,
											 const bst_ulong **out_shape,
											 bst_ulong *out_dim,
											 const float **out_result);
extern int	__wrap_XGBoosterPredictFromDense(BoosterHandle handle,
											 const char *values,
											 const char *config,
											 DMatrixHandle m,
											 const bst_ulong **out_shape,
											 bst_ulong *out_dim,
											 const float **out_result);

int
__wrap_XGBoosterPredictFromDense(BoosterHandle handle, const char *values,
								 const char *config, DMatrixHandle m,
								 const bst_ulong **out_shape,
								 bst_ulong *out_dim, const float **out_result)
{
	if (armed == DOUBLE_PREDICT_FAILS)
		handle = NULL;
	return __real_XGBoosterPredictFromDense(handle, values, config, m,
											out_shape, out_dim, out_result);
}

/* Is this thread inside the tree engine (cart_fit)? */
static __thread bool in_engine = false;

extern void *__real_malloc(size_t size);
extern void *__real_calloc(size_t n, size_t size);
extern void *__real_realloc(void *p, size_t size);
extern void *__wrap_malloc(size_t size);
extern void *__wrap_calloc(size_t n, size_t size);
extern void *__wrap_realloc(void *p, size_t size);
extern bool __real_cart_fit(const CartData *d, const double *y,
							const double *w, const CartParams *p, uint32 seed,
							CartTree *tree);
extern bool __wrap_cart_fit(const CartData *d, const double *y,
							const double *w, const CartParams *p, uint32 seed,
							CartTree *tree);

void *
__wrap_malloc(size_t size)
{
	if (in_engine && armed == DOUBLE_ENGINE_OOM)
		return NULL;
	return __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	if (in_engine && armed == DOUBLE_ENGINE_OOM)
		return NULL;
	return __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	if (in_engine && armed == DOUBLE_ENGINE_OOM)
		return NULL;
	return __real_realloc(p, size);
}

bool
__wrap_cart_fit(const CartData *d, const double *y, const double *w,
				const CartParams *p, uint32 seed, CartTree *tree)
{
	bool		ok;

	in_engine = true;
	ok = __real_cart_fit(d, y, w, p, seed, tree);
	in_engine = false;
	return ok;
}

/* ----------------------------------------------------------------------
 * Inputs
 * ---------------------------------------------------------------------- */

/* 8 rows of 2 features, a regression target, and 2 classes */
static const float x8[16] = {
	1, 7, 2, 3, 3, 8, 4, 1, 5, 6, 6, 2, 7, 9, 8, 4
};
static const double y8[8] = {1.5, 2.0, 3.5, 3.0, 5.5, 5.0, 7.5, 8.0};
static const double class8[8] = {0, 0, 1, 0, 1, 1, 0, 1};

/* 4 rows of two identical columns, +-2^60: X'X is singular in rounding */
#define BIG ((float) 1152921504606846976.0)	/* 2^60 */
static const float twin4[8] = {BIG, BIG, BIG, BIG, -BIG, -BIG, -BIG, -BIG};
static const double y4[4] = {1, 1, 0, 0};

static PgmlTrainInput
input(const char *algorithm, PgmlTask task, int32 n_classes, int64 n_rows,
	  int32 n_features, const float *x, const double *y)
{
	PgmlTrainInput in;

	memset(&in, 0, sizeof(in));
	in.algorithm = algorithm;
	in.task = task;
	in.n_classes = n_classes;
	in.n_rows = n_rows;
	in.n_features = n_features;
	in.n_targets = 1;
	in.x = x;
	in.y = y;
	in.nthread = 1;
	in.seed = 42;
	return in;
}

/*
 * Hyperparameters as the trainer receives them: n "key", "value" pairs; a
 * value in double quotes is a string, any other a number.
 */
static Jsonb *
hyperparams(int n, const char *const *kv)
{
	PgmlShimPair *pairs = palloc0(sizeof(PgmlShimPair) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		const char *v = kv[2 * i + 1];

		pairs[i].key = pstrdup(kv[2 * i]);
		if (v[0] == '"')
		{
			pairs[i].type = jbvString;
			pairs[i].text = pnstrdup(v + 1, strlen(v) - 2);
		}
		else
		{
			pairs[i].type = jbvNumeric;
			pairs[i].text = pstrdup(v);
		}
		pairs[i].text_len = strlen(pairs[i].text);
	}
	return pgml_shim_jsonb(true, n, pairs);
}

static const char *const two_rounds[] = {"n_estimators", "2"};

/* A model as the fit functions get it. */
static void
model_for(const PgmlTrainInput *in, PgmlModel *m)
{
	memset(m, 0, sizeof(*m));
	m->task = in->task;
	m->n_features = in->n_features;
	m->n_classes = in->n_classes;
}

static void
fit(void (*fn) (const PgmlTrainInput *, PgmlModel *), const PgmlTrainInput *in)
{
	PgmlModel	m;

	model_for(in, &m);
	fn(in, &m);
}

/*
 * The UBJSON booster of a two-round XGBoost fit of x8, y8, fitted with no
 * double armed.
 */
static char *
small_booster(Size *len)
{
	PgmlTrainInput in = input("xgboost", PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);
	PgmlModel	m;
	GuardDouble saved = armed;

	in.hyperparams = hyperparams(1, two_rounds);
	model_for(&in, &m);
	armed = DOUBLE_NONE;
	pgml_xgb_train(&in, &m);
	armed = saved;
	*len = m.booster_len;
	return m.booster;
}

/* A booster request: model id and bytes, as native.c sends it. */
static PgmlWireReader
booster_request(int64 model_id, const char *bytes, Size len)
{
	StringInfoData s;
	PgmlWireReader r;

	initStringInfo(&s);
	pgml_wire_put_int64(&s, model_id);
	pgml_wire_put_bytes(&s, bytes, (int64) len);
	r.data = s.data;
	r.len = s.len;
	r.pos = 0;
	return r;
}

/* ----------------------------------------------------------------------
 * Cases: k-means (cluster.c, matrix.c) and PCA (decompose.c)
 * ---------------------------------------------------------------------- */

static void
kmeans_regression_task(void)
{
	PgmlTrainInput in = input("kmeans", PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);

	fit(pgml_kmeans_train, &in);
}

static void
kmeans_unknown_algorithm(void)
{
	PgmlTrainInput in = input("kmedoids", PGML_TASK_CLUSTERING, 0, 8, 2, x8, NULL);

	fit(pgml_kmeans_train, &in);
}

static void
kmeans_no_features(void)
{
	PgmlTrainInput in = input("kmeans", PGML_TASK_CLUSTERING, 0, 8, 0, NULL, NULL);

	fit(pgml_kmeans_train, &in);
}

static void
kmeans_too_many_rows(void)
{
	PgmlTrainInput in = input("kmeans", PGML_TASK_CLUSTERING, 0,
							  (int64) PG_UINT32_MAX + 1, 1, NULL, NULL);

	fit(pgml_kmeans_train, &in);
}

/* (2^32 - 1) x 2^16 doubles: 2^51 bytes, which malloc refuses */
static void
kmeans_out_of_memory(void)
{
	PgmlTrainInput in = input("kmeans", PGML_TASK_CLUSTERING, 0,
							  (int64) PG_UINT32_MAX, 1 << 16, NULL, NULL);

	fit(pgml_kmeans_train, &in);
}

static void
kmeans_missing_value(void)
{
	float		x[16];
	PgmlTrainInput in;

	memcpy(x, x8, sizeof(x));
	x[9] = NAN;
	in = input("kmeans", PGML_TASK_CLUSTERING, 0, 8, 2, x, NULL);
	fit(pgml_kmeans_train, &in);
}

static void
pca_clustering_task(void)
{
	PgmlTrainInput in = input("pca", PGML_TASK_CLUSTERING, 0, 8, 2, x8, NULL);

	fit(pgml_pca_train, &in);
}

static void
pca_unknown_algorithm(void)
{
	PgmlTrainInput in = input("svd", PGML_TASK_DECOMPOSITION, 0, 8, 2, x8, NULL);

	fit(pgml_pca_train, &in);
}

static void
pca_no_features(void)
{
	PgmlTrainInput in = input("pca", PGML_TASK_DECOMPOSITION, 0, 8, 0, NULL, NULL);

	fit(pgml_pca_train, &in);
}

static void
pca_too_many_rows(void)
{
	PgmlTrainInput in = input("pca", PGML_TASK_DECOMPOSITION, 0,
							  (int64) INT_MAX / 2 + 1, 1, NULL, NULL);

	fit(pgml_pca_train, &in);
}

static void
pca_infinite_value(void)
{
	float		x[16];
	PgmlTrainInput in;

	memcpy(x, x8, sizeof(x));
	x[4] = INFINITY;
	in = input("pca", PGML_TASK_DECOMPOSITION, 0, 8, 2, x, NULL);
	fit(pgml_pca_train, &in);
}

static void
pca_svd_no_convergence(void)
{
	PgmlTrainInput in = input("pca", PGML_TASK_DECOMPOSITION, 0, 8, 2, x8, NULL);

	fit(pgml_pca_train, &in);
}

/* bayesian_ridge (src/algorithms/bayesian_ridge.c), dgesdd double armed */
static void
bayesian_ridge_svd_no_convergence(void)
{
	PgmlTrainInput in = input("bayesian_ridge", PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);

	fit(pgml_bayesian_ridge_train, &in);
}

/* automatic_relevance_determination, dsyevd double armed */
static void
ard_eigh_no_convergence(void)
{
	PgmlTrainInput in = input("automatic_relevance_determination", PGML_TASK_REGRESSION,
							  0, 8, 2, x8, y8);

	fit(pgml_ard_train, &in);
}

/* ----------------------------------------------------------------------
 * Cases: XGBoost (xgb.c, booster.c)
 * ---------------------------------------------------------------------- */

static void
xgb_no_rows(void)
{
	PgmlTrainInput in = input("xgboost", PGML_TASK_REGRESSION, 0, 0, 2, NULL, NULL);

	fit(pgml_xgb_train, &in);
}

static void
xgb_one_class(void)
{
	static const double one[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	PgmlTrainInput in = input("xgboost", PGML_TASK_CLASSIFICATION, 1, 8, 2, x8, one);

	fit(pgml_xgb_train, &in);
}

/* a double beyond float4: XGBoost's label would be infinite */
static void
xgb_label_beyond_float4(void)
{
	double		y[8];
	PgmlTrainInput in;

	memcpy(y, y8, sizeof(y));
	y[2] = 1e300;
	in = input("xgboost", PGML_TASK_REGRESSION, 0, 8, 2, x8, y);
	in.hyperparams = hyperparams(1, two_rounds);
	fit(pgml_xgb_train, &in);
}

/* a fit with the JSON double armed by the runner */
static void
xgb_fit(void)
{
	PgmlTrainInput in = input("xgboost", PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);

	in.hyperparams = hyperparams(1, two_rounds);
	fit(pgml_xgb_train, &in);
}

static void
xgb_parameter_rejected(void)
{
	static const char *const kv[] = {"n_estimators", "2", "max_depth", "3"};
	PgmlTrainInput in = input("xgboost", PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);

	in.hyperparams = hyperparams(2, kv);
	fit(pgml_xgb_train, &in);
}

/* XGBoost's own JSON form of a real booster, edited to 300,000,000 features */
static void
booster_too_many_features(void)
{
	static const char from[] = "\"num_feature\":\"2\"";
	static const char to[] = "\"num_feature\":\"300000000\"";
	Size		len;
	char	   *ubj = small_booster(&len);
	BoosterHandle h = NULL;
	bst_ulong	json_len;
	const char *json;
	StringInfoData doc;
	const char *p;
	const char *hit;
	int			edits = 0;
	PgmlWireReader r;

	if (XGBoosterCreate(NULL, 0, &h) != 0 ||
		XGBoosterLoadModelFromBuffer(h, ubj, (bst_ulong) len) != 0 ||
		XGBoosterSaveModelToBuffer(h, "{\"format\": \"json\"}", &json_len, &json) != 0)
		elog(ERROR, "harness: cannot turn the booster into json: %s",
			 XGBGetLastError());
	initStringInfo(&doc);
	p = pnstrdup(json, json_len);
	(void) XGBoosterFree(h);
	while ((hit = strstr(p, from)) != NULL)
	{
		appendBinaryStringInfo(&doc, p, hit - p);
		appendStringInfoString(&doc, to);
		p = hit + strlen(from);
		edits++;
	}
	appendStringInfoString(&doc, p);
	if (edits == 0)
		elog(ERROR, "harness: no num_feature in the model json");
	r = booster_request(7, doc.data, doc.len);
	pgml_trainer_booster_load(&r, makeStringInfo());
}

/* a real booster, loaded, then a prediction XGBoost fails */
static void
booster_prediction_fails(void)
{
	Size		len;
	char	   *ubj = small_booster(&len);
	PgmlWireReader r = booster_request(7, ubj, len);
	StringInfoData row;
	float		features[2] = {2.5f, 4.0f};

	pgml_trainer_booster_load(&r, makeStringInfo());
	initStringInfo(&row);
	pgml_wire_put_bytes(&row, features, sizeof(features));
	r.data = row.data;
	r.len = row.len;
	r.pos = 0;
	pgml_trainer_booster_predict(&r, makeStringInfo());
}

/* the first half of a real booster: XGBoost cannot load it */
static void
booster_json_damaged(void)
{
	Size		len;
	char	   *ubj = small_booster(&len);
	PgmlWireReader r = booster_request(7, ubj, len / 2);

	pgml_trainer_booster_json(&r, makeStringInfo());
}

static void
booster_json_too_large(void)
{
	Size		len;
	char	   *ubj = small_booster(&len);
	PgmlWireReader r = booster_request(7, ubj, len);

	pgml_trainer_booster_json(&r, makeStringInfo());
}

/* ----------------------------------------------------------------------
 * Cases: linear models (linear.c)
 * ---------------------------------------------------------------------- */

static void
logistic_class_out_of_range(void)
{
	static const int64 row_of[8] = {40, 41, 42, 43, 44, 45, 46, 47};
	double		y[8];
	PgmlTrainInput in;

	memcpy(y, class8, sizeof(y));
	y[5] = 5;
	in = input("logistic_regression", PGML_TASK_CLASSIFICATION, 2, 8, 2, x8, y);
	in.row_of = row_of;
	fit(pgml_logistic_regression_train, &in);
}

static void
linear_too_many_rows(void)
{
	PgmlTrainInput in = input("linear", PGML_TASK_REGRESSION, 0,
							  (int64) INT_MAX / 2 + 1, 1, NULL, NULL);

	fit(pgml_linear_train, &in);
}

/* 1024 classes x 2^20 features: 8 GB of coefficients */
static void
logistic_too_many_parameters(void)
{
	PgmlTrainInput in = input("logistic_regression", PGML_TASK_CLASSIFICATION,
							  PGML_MAX_CLASSES, 1, 1 << 20, NULL, NULL);

	fit(pgml_logistic_regression_train, &in);
}

/* OLS, with a dgelsd double armed by the runner */
static void
ols_fit(void)
{
	PgmlTrainInput in = input("linear", PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);

	fit(pgml_linear_train, &in);
}

/* ridge, with the dposv double armed by the runner */
static void
ridge_fit(void)
{
	PgmlTrainInput in = input("ridge", PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);

	fit(pgml_ridge_train, &in);
}

/*
 * Two identical columns of +-2^60: X'X = 2^122 in every entry, alpha = 1
 * vanishes in its rounding, and Cholesky meets a zero pivot.
 */
static void
ridge_twin_columns(void)
{
	PgmlTrainInput in = input("ridge", PGML_TASK_REGRESSION, 0, 4, 2, twin4, y4);

	fit(pgml_ridge_train, &in);
}

/*
 * The same for the logistic Hessian (2^120 in every feature entry): the
 * damping, at most 1e12, vanishes too.
 */
static void
logistic_twin_columns(void)
{
	PgmlTrainInput in = input("logistic_regression", PGML_TASK_CLASSIFICATION,
							  2, 4, 2, twin4, y4);

	fit(pgml_logistic_regression_train, &in);
}

/* ----------------------------------------------------------------------
 * Cases: the CART family (forest.c, gbt.c, tree_params.c) and joint models
 * ---------------------------------------------------------------------- */

static void
tree_fit(const char *algorithm, void (*member_fit) (const PgmlTrainInput *, PgmlModel *))
{
	PgmlTrainInput in = input(algorithm, PGML_TASK_REGRESSION, 0, 8, 2, x8, y8);

	/* a decision tree takes no n_estimators */
	if (member_fit != pgml_decision_tree_train)
		in.hyperparams = hyperparams(1, two_rounds);
	fit(member_fit, &in);
}

static void
decision_tree_engine_oom(void)
{
	tree_fit("decision_tree", pgml_decision_tree_train);
}

static void
gradient_boosting_engine_oom(void)
{
	tree_fit("gradient_boosting_trees", pgml_gbt_train);
}

static void
random_forest_missing_value(void)
{
	float		x[16];
	PgmlTrainInput in;

	memcpy(x, x8, sizeof(x));
	x[13] = NAN;
	in = input("random_forest", PGML_TASK_CLASSIFICATION, 2, 8, 2, x, class8);
	in.hyperparams = hyperparams(1, two_rounds);
	fit(pgml_random_forest_train, &in);
}

static void
tree_too_many_rows(void)
{
	PgmlTrainInput in = input("decision_tree", PGML_TASK_REGRESSION, 0,
							  (int64) PG_INT32_MAX + 1, 1, NULL, NULL);

	fit(pgml_decision_tree_train, &in);
}

/* two fitted trees that claim 2^31 nodes together (no nodes behind them) */
static void
trees_too_many_nodes(void)
{
	CartTree	trees[2];
	PgmlModel	m;

	memset(trees, 0, sizeof(trees));
	memset(&m, 0, sizeof(m));
	trees[0].n_nodes = PG_INT32_MAX;
	trees[1].n_nodes = 1;
	pgml_cart_model_trees(&m, trees, 2, 1, 1.0, false);
}

/* two targets of a Poisson XGBoost fit: exp(margin) is not a sum of terms */
static void
joint_exp_output(void)
{
	static const char *const kv[] = {"n_estimators", "2",
	"objective", "\"count:poisson\""};
	double		y[16];
	PgmlTrainInput in;
	PgmlModel	m;

	for (int i = 0; i < 16; i++)
		y[i] = i % 5;
	in = input("xgboost", PGML_TASK_REGRESSION, 0, 8, 2, x8, y);
	in.n_targets = 2;
	in.hyperparams = hyperparams(2, kv);
	model_for(&in, &m);
	pgml_joint_train(&in, &m, pgml_xgb_train);
}

/*
 * A fit function standing for an ensemble too big to keep: one leaf for the
 * first target, a tree claiming 2^31 - 2 nodes (none behind it) for the
 * second.
 */
static int	huge_fit_calls = 0;

static void
huge_fit(const PgmlTrainInput *in, PgmlModel *m)
{
	m->algorithm = PGML_ALGO_XGBOOST;
	m->output = PGML_OUTPUT_IDENTITY;
	m->n_outputs = 1;
	m->n_trees = 1;
	if (huge_fit_calls++ > 0)
	{
		m->n_nodes = PG_INT32_MAX - 1;
		return;
	}
	m->n_nodes = 1;
	m->tree_group = palloc0(sizeof(int32));
	m->tree_offset = palloc0(sizeof(int32) * 2);
	m->tree_offset[1] = 1;
	m->split_index = palloc0(sizeof(int32));
	m->split_cond = palloc0(sizeof(float));
	m->left_child = palloc(sizeof(int32));
	m->left_child[0] = -1;
	m->right_child = palloc(sizeof(int32));
	m->right_child[0] = -1;
	m->default_left = palloc0(sizeof(bool));
}

static void
joint_too_many_trees(void)
{
	double		y[16];
	PgmlTrainInput in;
	PgmlModel	m;

	memset(y, 0, sizeof(y));
	in = input("xgboost", PGML_TASK_REGRESSION, 0, 8, 2, x8, y);
	in.n_targets = 2;
	huge_fit_calls = 0;
	model_for(&in, &m);
	pgml_joint_train(&in, &m, huge_fit);
}

/* ----------------------------------------------------------------------
 * Cases: the protocol loop (main.c)
 * ---------------------------------------------------------------------- */

/*
 * A fit request whose data memfd comes write-only: the trainer cannot map
 * it for reading.
 */
static void
fit_data_not_mappable(void)
{
	StringInfoData req;
	PgmlWireReader r;
	PgmlTrainerLayout layout;
	char		path[64];
	int			memfd;
	int			fd;

	if (!pgml_trainer_layout(8, 2, 1, false, &layout))
		elog(ERROR, "harness: no layout");
	memfd = memfd_create("pgml_guard_data", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, layout.total) != 0)
		elog(ERROR, "harness: memfd: %m");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		elog(ERROR, "harness: reopen write-only: %m");

	initStringInfo(&req);
	pgml_wire_put_string(&req, "linear");
	pgml_wire_put_int32(&req, PGML_TASK_REGRESSION);
	pgml_wire_put_int32(&req, 0);	/* n_classes */
	pgml_wire_put_int32(&req, 2);	/* n_features */
	pgml_wire_put_int64(&req, 8);	/* n_rows */
	pgml_wire_put_int32(&req, 1);	/* nthread */
	pgml_wire_put_int64(&req, 42);	/* seed */
	pgml_wire_put_int32(&req, 1);	/* n_y */
	pgml_wire_put_int32(&req, 0);	/* has_row_of */
	pgml_wire_put_int32(&req, PGML_FAULT_NONE);
	pgml_wire_put_int32(&req, -1);	/* no hyperparameters */
	r.data = req.data;
	r.len = req.len;
	r.pos = 0;
	PG_TRY();
	{
		serve_fit(&r, fd);
	}
	PG_FINALLY();
	{
		close(fd);
		close(memfd);
	}
	PG_END_TRY();
}

/* ----------------------------------------------------------------------
 * The cases and their runner
 * ---------------------------------------------------------------------- */

typedef struct GuardCase
{
	const char *name;
	void		(*run) (void);
	GuardDouble armed;
	const char *sqlstate;
	const char *message;		/* the whole message */
	const char *detail;			/* a part of the detail, or NULL */
} GuardCase;

static const GuardCase cases[] = {
	/* cluster.c, matrix.c */
	{"k-means on a regression task", kmeans_regression_task, DOUBLE_NONE,
	"22023", "algorithm \"kmeans\" needs a clustering task", NULL},
	{"k-means under another name", kmeans_unknown_algorithm, DOUBLE_NONE,
	"22023", "unknown clustering algorithm \"kmedoids\"", NULL},
	{"k-means without features", kmeans_no_features, DOUBLE_NONE,
	"22023", "cannot train k-means without features", NULL},
	{"k-means on 2^32 rows", kmeans_too_many_rows, DOUBLE_NONE,
	"54000", "too many rows for k-means", "4294967295"},
	{"k-means needing 2^51 bytes", kmeans_out_of_memory, DOUBLE_NONE,
	"53200", "out of memory", "in the trainer process"},
	{"k-means on a NaN", kmeans_missing_value, DOUBLE_NONE,
	"22000", "k-means does not accept missing or infinite feature values",
	"Training row 5, feature 2, is NaN."},
	/* decompose.c, matrix.c */
	{"PCA on a clustering task", pca_clustering_task, DOUBLE_NONE,
	"22023", "algorithm \"pca\" needs a decomposition task", NULL},
	{"PCA under another name", pca_unknown_algorithm, DOUBLE_NONE,
	"22023", "unknown decomposition algorithm \"svd\"", NULL},
	{"PCA without features", pca_no_features, DOUBLE_NONE,
	"22023", "cannot train PCA without features", NULL},
	{"PCA on 2^30 rows", pca_too_many_rows, DOUBLE_NONE,
	"54000", "too many rows for PCA", "1073741823"},
	{"PCA on an infinity", pca_infinite_value, DOUBLE_NONE,
	"22000", "PCA does not accept missing or infinite feature values",
	"Training row 3, feature 1, is infinite."},
	{"PCA when dgesdd does not converge", pca_svd_no_convergence,
		DOUBLE_SVD_NO_CONVERGENCE,
	"22000", "the singular value decomposition did not converge",
	"dgesdd returned 1"},
	{"ARD regression when dsyevd does not converge", ard_eigh_no_convergence,
		DOUBLE_EIGH_NO_CONVERGENCE,
		"22000", "the eigendecomposition of the posterior precision did not converge",
	"LAPACK dsyevd returned 1."},
	{"bayesian_ridge when dgesdd does not converge", bayesian_ridge_svd_no_convergence,
		DOUBLE_SVD_NO_CONVERGENCE,
		"22000", "the singular value decomposition of the features did not converge",
	"LAPACK dgesdd returned 1."},
	/* xgb.c */
	{"xgboost on zero rows", xgb_no_rows, DOUBLE_NONE,
	"22023", "xgboost needs at least one row and one feature",
	"Got 0 rows and 2 features."},
	{"xgboost classification of one class", xgb_one_class, DOUBLE_NONE,
	"22023", "classification needs at least two classes", NULL},
	{"xgboost label beyond float4", xgb_label_beyond_float4, DOUBLE_NONE,
	"22003", "label 1e+300 of training row 3 is not a finite real", NULL},
	{"xgboost json of another shape", xgb_fit, DOUBLE_JSON_OTHER_SHAPE,
	"XX000", "unexpected xgboost model json: booster is not the one requested",
	NULL},
	{"xgboost json cut off", xgb_fit, DOUBLE_JSON_MALFORMED,
	"XX000", "cannot parse the xgboost model json", "JSON parse error"},
	{"xgboost json of 2^31 bytes", xgb_fit, DOUBLE_JSON_BEYOND_INT32,
	"54000", "xgboost model is too large (2147483648 bytes of json)", NULL},
	{"xgboost refusing max_depth", xgb_parameter_rejected,
		DOUBLE_SETPARAM_FAILS,
	"22023", "xgboost rejected parameter max_depth = 3", "XGBoost said: "},
	/* booster.c */
	{"booster claiming 300,000,000 features", booster_too_many_features,
		DOUBLE_NONE,
	"XX001", "xgboost booster of model 7 has 300000000 features", NULL},
	{"booster prediction failing", booster_prediction_fails,
		DOUBLE_PREDICT_FAILS,
	"38000", "xgboost prediction failed", "XGBoost said: "},
	{"booster cut in half to json", booster_json_damaged, DOUBLE_NONE,
	"XX001", "cannot convert the xgboost booster of model 7 to json",
	"XGBoost said: "},
	{"booster json of 1 GB", booster_json_too_large, DOUBLE_JSON_BEYOND_1GB,
	"54000", "json form of model 7 is too large (1073741824 bytes)", NULL},
	/* linear.c */
	{"logistic class index out of range, by table row",
		logistic_class_out_of_range, DOUBLE_NONE,
	"22000", "class index 5 of row 46 of the relation is out of range", NULL},
	{"linear model on 2^30 rows", linear_too_many_rows, DOUBLE_NONE,
	"54000", "too many rows or features for a linear model", NULL},
	{"logistic regression of 1024 classes x 2^20 features",
		logistic_too_many_parameters, DOUBLE_NONE,
	"54000", "too many coefficients for algorithm \"logistic_regression\"", NULL},
	{"OLS when the dgelsd workspace query fails", ols_fit, DOUBLE_DGELSD_QUERY,
	"XX000", "LAPACK dgelsd workspace query failed with info -6", NULL},
	{"OLS when dgelsd does not converge", ols_fit, DOUBLE_DGELSD_NO_CONVERGENCE,
	"22000", "least-squares solver did not converge", "LAPACK dgelsd: 2 "},
	{"OLS when dgelsd rejects an argument", ols_fit, DOUBLE_DGELSD_BAD_ARGUMENT,
	"XX000", "LAPACK dgelsd rejected argument 10", NULL},
	{"OLS with an infinite coefficient", ols_fit, DOUBLE_DGELSD_INFINITE,
	"22003", "linear regression produced a non-finite coefficient", NULL},
	{"OLS with an infinite intercept", ols_fit, DOUBLE_DGELSD_HUGE,
	"22003", "linear regression produced a non-finite intercept", NULL},
	{"ridge when dposv rejects an argument", ridge_fit,
		DOUBLE_DPOSV_BAD_ARGUMENT,
	"XX000", "LAPACK dposv rejected argument 5", NULL},
	{"ridge on twin columns of 2^60", ridge_twin_columns, DOUBLE_NONE,
	"22000", "ridge regression system is not positive definite",
	"leading minor 2 of 2"},
	{"logistic regression on twin columns of 2^60", logistic_twin_columns,
		DOUBLE_NONE,
	"22000", "logistic regression Hessian is not positive definite",
	"leading minor 2"},
	/* forest.c, tree_params.c */
	{"decision tree out of memory in the engine", decision_tree_engine_oom,
		DOUBLE_ENGINE_OOM,
	"53200", "out of memory growing the trees of decision_tree", NULL},
	{"gradient boosting out of memory in the engine",
		gradient_boosting_engine_oom, DOUBLE_ENGINE_OOM,
	"53200", "out of memory growing the trees of gradient_boosting_trees", NULL},
	{"random forest on a NaN", random_forest_missing_value, DOUBLE_NONE,
	"22000", "random_forest cannot train on missing or infinite feature values",
	"Row 7 of the relation has one in feature 2."},
	{"trees of 2^31 nodes", trees_too_many_nodes, DOUBLE_NONE,
	"54000", "the trees have more than 2147483647 nodes", NULL},
	{"decision tree on 2^31 rows", tree_too_many_rows, DOUBLE_NONE,
	"54000", "decision_tree trains on at most 2147483647 rows", NULL},
	/* joint.c */
	{"joint model of Poisson xgboost", joint_exp_output, DOUBLE_NONE,
	"0A000", "xgboost cannot be trained as a joint model", NULL},
	{"joint model of 2^31 nodes", joint_too_many_trees, DOUBLE_NONE,
	"54000", "the joint model has too many trees", NULL},
	/* main.c */
	{"fit data passed write-only", fit_data_not_mappable, DOUBLE_NONE,
	"53200", "could not map the training data: Permission denied", NULL},
};

static void
sqlstate_text(int code, char *out)
{
	for (int i = 0; i < 5; i++)
	{
		out[i] = PGUNSIXBIT(code);
		code >>= 6;
	}
	out[5] = '\0';
}

/* Run case number n; true if it raised the expected error. */
static bool
run_case(int n, const GuardCase *c)
{
	MemoryContext cx = AllocSetContextCreate(TopMemoryContext, "case",
											 ALLOCSET_DEFAULT_SIZES);
	volatile bool raised = false;
	const PgmlShimError *e;
	char		sqlstate[6];
	const char *wrong = NULL;

	MemoryContextSwitchTo(cx);
	armed = c->armed;
	PG_TRY();
	{
		c->run();
	}
	PG_CATCH();
	{
		raised = true;
	}
	PG_END_TRY();
	armed = DOUBLE_NONE;
	/* the fit may have left a context of its own current */
	MemoryContextSwitchTo(TopMemoryContext);
	MemoryContextDelete(cx);

	e = pgml_shim_last_error();
	sqlstate_text(e->sqlerrcode, sqlstate);
	if (!raised)
		wrong = "no error";
	else if (e->elevel != ERROR)
		wrong = "not an ERROR";
	else if (strcmp(sqlstate, c->sqlstate) != 0)
		wrong = "another SQLSTATE";
	else if (e->message == NULL || strcmp(e->message, c->message) != 0)
		wrong = "another message";
	else if (c->detail != NULL &&
			 (e->detail == NULL || strstr(e->detail, c->detail) == NULL))
		wrong = "another detail";

	if (wrong == NULL)
	{
		printf("ERROR:  %s:  %s\n", sqlstate, e->message);
		if (e->detail)
			printf("DETAIL:  %s\n", e->detail);
		printf("ok %d - %s\n", n, c->name);
	}
	else
	{
		printf("not ok %d - %s: %s\n", n, c->name, wrong);
		printf("#   expected %s \"%s\"%s%s\n", c->sqlstate, c->message,
			   c->detail ? ", detail with " : "", c->detail ? c->detail : "");
		if (raised)
			printf("#   got %s \"%s\", detail \"%s\"\n", sqlstate,
				   e->message ? e->message : "",
				   e->detail ? e->detail : "");
	}
	fflush(stdout);
	return wrong == NULL;
}

int
main(void)
{
	int			failed = 0;

	/* progress and notices of the fits go nowhere (main.c sends them) */
	sock = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (sock < 0)
	{
		perror("/dev/null");
		return 2;
	}
	printf("1..%d\n", (int) lengthof(cases));
	for (int i = 0; i < lengthof(cases); i++)
		if (!run_case(i + 1, &cases[i]))
			failed++;
	if (failed > 0)
		printf("# %d of %d cases failed\n", failed, (int) lengthof(cases));
	return failed > 0 ? 1 : 0;
}
