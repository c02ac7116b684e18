/*
 * cluster_harness.c
 *	  Test-only wrapper that exposes pgml_kmeans_train() (src/trainer/cluster.c),
 *	  pgml_pca_train() (src/trainer/decompose.c) and pgml_metrics_clustering()
 *	  (src/train/cluster_metrics.c), compiled into this module, as SQL
 *	  functions, so that test/unit/cluster_check.sh can compare them with
 *	  scikit-learn inside a real backend (real palloc, ereport and jsonb).
 *	  Never installed.
 *
 *	  cluster_harness_kmeans(x float8[], n_features int, hyperparams jsonb,
 *							 seed int8, nthread int) returns text
 *		{"centroids": [k * p], "hyperparams": {..}, "metrics": {..},
 *		 "seconds": t}
 *	  cluster_harness_pca(x float8[], n_features int, hyperparams jsonb,
 *						  nthread int) returns text
 *		{"mean": [p], "components": [c * p], "hyperparams": {..},
 *		 "metrics": {..}, "seconds": t}
 *	  cluster_harness_metrics(x float8[], n_features int, labels float8[],
 *							  n_clusters int, inertia float8) returns text
 *		what pgml_metrics_clustering returns
 *
 *	  x is the n x p matrix flattened row-major, converted to float32 like
 *	  the training reader does.
 */
#include "../../src/trainer/cluster.c"
#include "../../src/trainer/decompose.c"
#include "../../src/train/cluster_metrics.c"
#include "../../src/train/split.c"
#include "../../src/trainer/hyperparams.c"
#include "../../src/trainer/matrix.c"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(cluster_harness_kmeans);
PG_FUNCTION_INFO_V1(cluster_harness_pca);
PG_FUNCTION_INFO_V1(cluster_harness_metrics);

/* Stub of job.c's cancel check: interrupts only. */
void
pgml_train_check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* Stub of job.c's progress report: nothing to report to. */
void
pgml_train_report_progress(int32 done, int32 total)
{
}

/* Stand-in for job.c's working-memory allocator (same contract). */
void *
pgml_train_alloc(Size count, Size elsize)
{
	if (count != 0 && elsize > MaxAllocHugeSize / count)
		elog(ERROR, "training data is too large");
	return MemoryContextAllocExtended(CurrentMemoryContext, Max(count * elsize, 1),
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* A float8[] argument as a palloc'd double array; *count gets its length. */
static double *
harness_doubles(ArrayType *arr, int *count)
{
	Datum	   *d;
	bool	   *nulls;
	int			nd;
	double	   *out;

	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &d, &nulls, &nd);
	out = palloc(sizeof(double) * Max(nd, 1));
	for (int i = 0; i < nd; i++)
		out[i] = DatumGetFloat8(d[i]);
	*count = nd;
	return out;
}

/* A float8[] argument rounded to float32, as the training reader gives it. */
static float *
harness_floats(ArrayType *arr, int *count)
{
	double	   *d = harness_doubles(arr, count);
	float	   *out = palloc(sizeof(float) * Max(*count, 1));

	for (int i = 0; i < *count; i++)
		out[i] = (float) d[i];
	return out;
}

/* Append "key": [values] to buf (shortest exact doubles). */
static void
harness_append_array(StringInfo buf, const char *key, const double *v, int count)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	appendStringInfo(buf, "\"%s\": [", key);
	for (int i = 0; i < count; i++)
	{
		double_to_shortest_decimal_buf(v[i], num);
		appendStringInfo(buf, "%s%s", i > 0 ? "," : "", num);
	}
	appendStringInfoString(buf, "], ");
}

/* Train k-means on the given rows and return the model as JSON text. */
Datum
cluster_harness_kmeans(PG_FUNCTION_ARGS)
{
	PgmlTrainInput in;
	PgmlModel	m;
	int			nx;
	int			p = PG_GETARG_INT32(1);
	float	   *x = harness_floats(PG_GETARG_ARRAYTYPE_P(0), &nx);
	instr_time	t0;
	instr_time	t1;
	StringInfoData buf;

	memset(&in, 0, sizeof(in));
	memset(&m, 0, sizeof(m));
	in.x = x;
	in.y = NULL;
	in.n_features = p;
	in.n_rows = p > 0 ? nx / p : 0;
	in.task = PGML_TASK_CLUSTERING;
	in.algorithm = "kmeans";
	in.hyperparams = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	in.seed = (uint64) PG_GETARG_INT64(3);
	in.nthread = PG_GETARG_INT32(4);
	m.task = PGML_TASK_CLUSTERING;
	m.n_features = p;

	INSTR_TIME_SET_CURRENT(t0);
	pgml_kmeans_train(&in, &m);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	harness_append_array(&buf, "centroids", m.centroids, m.n_clusters * p);
	appendStringInfo(&buf, "\"n_outputs\": %d, \"algorithm\": %d, \"hyperparams\": %s, \"metrics\": %s, \"seconds\": %.6f}",
					 m.n_outputs, (int) m.algorithm, m.hyperparams_json,
					 m.metrics_json, INSTR_TIME_GET_DOUBLE(t1));
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}

/* Train PCA on the given rows and return the model as JSON text. */
Datum
cluster_harness_pca(PG_FUNCTION_ARGS)
{
	PgmlTrainInput in;
	PgmlModel	m;
	int			nx;
	int			p = PG_GETARG_INT32(1);
	float	   *x = harness_floats(PG_GETARG_ARRAYTYPE_P(0), &nx);
	instr_time	t0;
	instr_time	t1;
	StringInfoData buf;

	memset(&in, 0, sizeof(in));
	memset(&m, 0, sizeof(m));
	in.x = x;
	in.y = NULL;
	in.n_features = p;
	in.n_rows = p > 0 ? nx / p : 0;
	in.task = PGML_TASK_DECOMPOSITION;
	in.algorithm = "pca";
	in.hyperparams = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	in.nthread = PG_GETARG_INT32(3);
	m.task = PGML_TASK_DECOMPOSITION;
	m.n_features = p;

	INSTR_TIME_SET_CURRENT(t0);
	pgml_pca_train(&in, &m);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	harness_append_array(&buf, "mean", m.pca_mean, p);
	harness_append_array(&buf, "components", m.components, m.n_components * p);
	appendStringInfo(&buf, "\"n_outputs\": %d, \"algorithm\": %d, \"hyperparams\": %s, \"metrics\": %s, \"seconds\": %.6f}",
					 m.n_outputs, (int) m.algorithm, m.hyperparams_json,
					 m.metrics_json, INSTR_TIME_GET_DOUBLE(t1));
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}

/* Clustering metrics of the given rows and labels, as JSON text. */
Datum
cluster_harness_metrics(PG_FUNCTION_ARGS)
{
	int			nx;
	int			nl;
	int			p = PG_GETARG_INT32(1);
	float	   *x = harness_floats(PG_GETARG_ARRAYTYPE_P(0), &nx);
	double	   *labels = harness_doubles(PG_GETARG_ARRAYTYPE_P(2), &nl);

	if (p <= 0 || nx != nl * p)
		elog(ERROR, "x has %d values, labels %d, n_features %d", nx, nl, p);
	PG_RETURN_TEXT_P(cstring_to_text(pgml_metrics_clustering(x, p, labels, nl,
															 PG_GETARG_INT32(3),
															 PG_GETARG_FLOAT8(4))));
}
