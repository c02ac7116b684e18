/*
 * limits_harness.c
 *	  Test-only SQL functions for test/t/074_resource_limits.pl: they take
 *	  a server resource away, or hand a guard of src/ a size no test could
 *	  allocate, so that the errors pgml_worker raises at those limits are
 *	  exercised.  Built by that test with the server's headers; never
 *	  installed.
 *
 *	  limits_take_dsm() returns int
 *		creates dynamic shared memory segments until the server has no slot
 *		left (dsm_create with DSM_CREATE_NULL_IF_MAXSEGMENTS), keeps them
 *		mapped for the session, and returns how many it took
 *	  limits_give_dsm() returns int
 *		detaches the segments taken (the slots become free again)
 *	  limits_train_alloc(count int8, elsize int8) returns void
 *		pgml_train_alloc (src/train/resources.c) of count x elsize bytes
 *	  limits_trainer_data(n_rows int8, n_features int, n_y int) returns void
 *		pgml_trainer_data_create (src/train/trainer_client.c): the layout
 *		of the training data shared with the trainer process
 *	  limits_pack_classes(n_classes int) returns void
 *		pgml_artifact_pack (src/artifact.c) of a linear model that
 *		claims n_classes classes; the class array is never read when the
 *		count is over the limit, so a one-element array stands in for it
 *
 *	  limits_preprocess_missing() returns void
 *		pgml_preprocess_apply (src/train/preprocess.c) of a row whose one
 *		feature, column "reading", is missing and has no imputation rule:
 *		the contract says that is an error naming the column (the job
 *		refuses NULL features before, so no SQL reaches this)
 *
 *	  limits_train_alloc, limits_trainer_data and limits_preprocess_missing
 *	  resolve against pgml_train.so, which the test loads into the session
 *	  (LOAD) before it creates them.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/float.h"
#include "storage/dsm.h"
#include "utils/memutils.h"

#include "pgml_kind.h"
#include "pgml_model.h"
#include "pgml_preprocess.h"
#include "pgml_train.h"
#include "pgml_trainer.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(limits_take_dsm);
PG_FUNCTION_INFO_V1(limits_give_dsm);
PG_FUNCTION_INFO_V1(limits_train_alloc);
PG_FUNCTION_INFO_V1(limits_trainer_data);
PG_FUNCTION_INFO_V1(limits_pack_classes);
PG_FUNCTION_INFO_V1(limits_preprocess_missing);

/* the segments taken, kept mapped until limits_give_dsm */
static dsm_segment **taken;
static int	n_taken;
static int	cap_taken;

Datum
limits_take_dsm(PG_FUNCTION_ARGS)
{
	int			before = n_taken;

	for (;;)
	{
		dsm_segment *seg = dsm_create(64, DSM_CREATE_NULL_IF_MAXSEGMENTS);

		if (seg == NULL)
			break;
		dsm_pin_mapping(seg);
		if (n_taken == cap_taken)
		{
			cap_taken = Max(cap_taken * 2, 64);
			taken = taken == NULL
				? MemoryContextAlloc(TopMemoryContext, sizeof(dsm_segment *) * cap_taken)
				: repalloc(taken, sizeof(dsm_segment *) * cap_taken);
		}
		taken[n_taken++] = seg;
	}
	PG_RETURN_INT32(n_taken - before);
}

Datum
limits_give_dsm(PG_FUNCTION_ARGS)
{
	int			n = n_taken;

	while (n_taken > 0)
		dsm_detach(taken[--n_taken]);
	PG_RETURN_INT32(n);
}

Datum
limits_train_alloc(PG_FUNCTION_ARGS)
{
	int64		count = PG_GETARG_INT64(0);
	int64		elsize = PG_GETARG_INT64(1);

	if (count < 0 || elsize < 0)
		elog(ERROR, "negative sizes");
	pfree(pgml_train_alloc((Size) count, (Size) elsize));
	PG_RETURN_VOID();
}

Datum
limits_trainer_data(PG_FUNCTION_ARGS)
{
	PgmlTrainerData *data = pgml_trainer_data_create(PG_GETARG_INT64(0),
													 PG_GETARG_INT32(1),
													 PG_GETARG_INT32(2),
													 false);

	pgml_trainer_data_free(data);
	PG_RETURN_VOID();
}

Datum
limits_pack_classes(PG_FUNCTION_ARGS)
{
	PgmlModel	m;
	double		one_class = 0.0;
	double		coef = 0.0;

	memset(&m, 0, sizeof(m));
	m.task = PGML_TASK_CLASSIFICATION;
	m.algorithm = PGML_ALGO_LOGISTIC;
	m.n_features = 1;
	m.output = PGML_OUTPUT_SOFTMAX;
	m.n_outputs = 1;
	m.n_classes = PG_GETARG_INT32(0);
	m.classes = &one_class;
	m.coef = &coef;
	pfree(pgml_artifact_pack(&m));
	PG_RETURN_VOID();
}

Datum
limits_preprocess_missing(PG_FUNCTION_ARGS)
{
	PgmlPreprocess p;
	PgmlDataset ds;
	uint8		impute = PGML_IMPUTE_ERROR;
	double		zero = 0.0;
	double		one = 1.0;
	char	   *names[] = {"reading"};
	int32		column_of = 0;
	float		row = get_float4_nan();

	memset(&ds, 0, sizeof(ds));
	ds.n_features = 1;
	ds.column_names = names;
	ds.column_of = &column_of;
	p.impute = &impute;
	p.impute_value = &zero;
	p.center = &zero;
	p.scale = &one;
	pgml_preprocess_apply(&p, &ds, &row, 1);
	PG_RETURN_VOID();
}
