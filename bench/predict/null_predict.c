/*-------------------------------------------------------------------------
 *
 * null_predict.c
 *	  The floor of the concurrency benchmark (bench/70_concurrency.sh): a C
 *	  function with pgml.predict's signature, (text, real[]) -> real, that
 *	  does what any prediction must do with its argument and nothing else.
 *	  It reads the project name and the feature array (detoasted; checked
 *	  for one dimension and no NULLs, as pgml.predict checks them) and
 *	  returns the sum of the features.  No model, no shared memory.
 *
 *	  What it costs over "SELECT 1" is what PostgreSQL and pgbench spend on
 *	  the query shape and on calling a function from a loaded library
 *	  (fmgr_info's catalog lookup of a non-built-in function at every
 *	  execution of a prepared statement, the array parameter's input, the
 *	  real result's output).  No implementation of pgml.predict can be
 *	  faster than this function in that benchmark.
 *
 *	  Built and installed by bench/70_concurrency.sh as pgml_bench_null.so
 *	  (not part of the extension).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(bench_null_predict);

Datum
bench_null_predict(PG_FUNCTION_ARGS)
{
	text	   *project;
	ArrayType  *a;
	const float *x;
	int			n;
	float		sum = 0;

	/* declared like pgml.predict: not STRICT, it checks its arguments */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	project = PG_GETARG_TEXT_PP(0);
	a = PG_GETARG_ARRAYTYPE_P(1);
	if (VARSIZE_ANY_EXHDR(project) == 0 || ARR_NDIM(a) != 1 || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bench_null_predict wants a project name and a one-dimensional array without NULLs")));
	x = (const float *) ARR_DATA_PTR(a);
	n = ARR_DIMS(a)[0];
	for (int i = 0; i < n; i++)
		sum += x[i];
	PG_RETURN_FLOAT4(sum);
}
