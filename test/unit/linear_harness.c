/*
 * linear_harness.c
 *	  Test-only wrapper that exposes the fits of the linear family
 *	  (src/trainer/linear.c, compiled into this module: pgml_linear_train,
 *	  pgml_ridge_train ...) as a SQL function, so that
 *	  test/unit/linear_check.sh can compare it with scikit-learn inside a
 *	  real backend (real palloc, ereport and jsonb).  Never installed.
 *
 *	  linear_harness_fit(x float8[], y float8[], n_classes int,
 *						 hyperparams jsonb, nthread int, algorithm text)
 *		returns float8[]
 *
 *	  x is the n x p matrix flattened row-major (converted to float32 like
 *	  the training reader does), y has n entries (class indexes when
 *	  n_classes > 0, else the regression target); algorithm is the name
 *	  the user would give pgml.train ("linear" when NULL), which picks the
 *	  member's fit as the list of include/pgml_algorithms.h does.  The result is
 *	  {algorithm, output, n_outputs, n_features, intercept[n_outputs],
 *	  coef[n_outputs * n_features]}.  Solver statistics, the effective
 *	  hyperparameters and the solve time are reported at DEBUG1.
 */
#include "../../src/trainer/linear.c"
#include "../../src/trainer/hyperparams.c"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(linear_harness_fit);

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

/* Train a linear model on the given arrays and return its parameters. */
Datum
linear_harness_fit(PG_FUNCTION_ARGS)
{
	ArrayType  *xa = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ya = PG_GETARG_ARRAYTYPE_P(1);
	PgmlTrainInput in;
	PgmlModel	m;
	void		(*member_fit) (const PgmlTrainInput *, PgmlModel *) = NULL;
	Datum	   *xd;
	Datum	   *yd;
	bool	   *xn;
	bool	   *yn;
	int			nx;
	int			ny;
	float	   *x;
	double	   *y;
	Datum	   *out;
	int			nout;
	instr_time	t0;
	instr_time	t1;

	deconstruct_array(xa, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &xd, &xn, &nx);
	deconstruct_array(ya, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &yd, &yn, &ny);
	x = palloc(sizeof(float) * Max(nx, 1));
	y = palloc(sizeof(double) * Max(ny, 1));
	for (int i = 0; i < nx; i++)
		x[i] = (float) DatumGetFloat8(xd[i]);
	for (int i = 0; i < ny; i++)
		y[i] = DatumGetFloat8(yd[i]);

	memset(&in, 0, sizeof(in));
	memset(&m, 0, sizeof(m));
	in.x = x;
	in.y = y;
	in.n_rows = ny;
	in.n_features = ny > 0 ? nx / ny : 0;
	in.n_classes = PG_GETARG_INT32(2);
	in.task = in.n_classes > 0 ? PGML_TASK_CLASSIFICATION : PGML_TASK_REGRESSION;
	in.algorithm = PG_ARGISNULL(5) ? "linear" : text_to_cstring(PG_GETARG_TEXT_PP(5));
	in.hyperparams = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	in.nthread = PG_GETARG_INT32(4);

	{
		static const struct
		{
			const char *name;
			void		(*fit) (const PgmlTrainInput *, PgmlModel *);
		}			members[] = {
			{"linear", pgml_linear_train},
			{"logistic_regression", pgml_logistic_regression_train},
			{"ridge", pgml_ridge_train},
			{"lasso", pgml_lasso_train},
			{"elastic_net", pgml_elastic_net_train},
		};

		for (int i = 0; i < lengthof(members); i++)
			if (strcmp(members[i].name, in.algorithm) == 0)
				member_fit = members[i].fit;
		if (member_fit == NULL)
			elog(ERROR, "linear harness: no linear algorithm \"%s\"", in.algorithm);
	}
	INSTR_TIME_SET_CURRENT(t0);
	member_fit(&in, &m);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	elog(DEBUG1, "linear harness: solve time %.3f s, hyperparams %s",
		 INSTR_TIME_GET_DOUBLE(t1), m.hyperparams_json);

	nout = 4 + m.n_outputs * (in.n_features + 1);
	out = palloc(sizeof(Datum) * nout);
	out[0] = Float8GetDatum((double) m.algorithm);
	out[1] = Float8GetDatum((double) m.output);
	out[2] = Float8GetDatum((double) m.n_outputs);
	out[3] = Float8GetDatum((double) in.n_features);
	for (int c = 0; c < m.n_outputs; c++)
		out[4 + c] = Float8GetDatum(m.intercept[c]);
	for (int q = 0; q < m.n_outputs * in.n_features; q++)
		out[4 + m.n_outputs + q] = Float8GetDatum(m.coef[q]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, nout, FLOAT8OID, 8,
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
