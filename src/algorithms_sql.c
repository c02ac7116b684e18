/*-------------------------------------------------------------------------
 *
 * algorithms_sql.c
 *	  pgml.algorithms(): the table of algorithms (include/pgml_algorithms.h)
 *	  as SQL sees it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pgml_algorithms.h"

static const char *const task_names[] = {
	[PGML_TASK_REGRESSION] = "regression",
	[PGML_TASK_CLASSIFICATION] = "classification",
	[PGML_TASK_CLUSTERING] = "clustering",
	[PGML_TASK_DECOMPOSITION] = "decomposition",
};

static const char *const family_names[] = {
	[PGML_FAMILY_TREES] = "trees",
	[PGML_FAMILY_LINEAR] = "linear",
	[PGML_FAMILY_CENTROIDS] = "centroids",
	[PGML_FAMILY_PROJECTION] = "projection",
	[PGML_FAMILY_CART] = "cart",
};

PG_FUNCTION_INFO_V1(pgml_algorithms);

/*
 * SQL: pgml.algorithms() RETURNS TABLE (name text, tasks text[], family
 * text, missing_values boolean): the algorithms pgml.train accepts.
 */
Datum
pgml_algorithms(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < pgml_algorithm_count(); i++)
	{
		const PgmlAlgorithmDef *a = pgml_algorithm_at(i);
		Datum		tasks[lengthof(task_names)];
		int			n = 0;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		for (int t = 0; t < lengthof(task_names); t++)
			if (task_names[t] != NULL && (a->tasks & (1u << t)))
				tasks[n++] = CStringGetTextDatum(task_names[t]);
		values[0] = CStringGetTextDatum(a->name);
		values[1] = PointerGetDatum(construct_array(tasks, n, TEXTOID, -1, false, TYPALIGN_INT));
		values[2] = CStringGetTextDatum(family_names[a->family]);
		values[3] = BoolGetDatum(a->missing_values);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
