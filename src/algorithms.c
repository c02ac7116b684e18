/*-------------------------------------------------------------------------
 *
 * algorithms.c
 *	  The table of algorithms (include/pgml_algorithms.h) and
 *	  pgml.algorithms().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pgml_algorithms.h"

#define PGML_ALGORITHM_ENTRY(name, tasks, family, missing) {name, tasks, family, missing},
static const PgmlAlgorithmDef algorithms[] = {
	PGML_ALGORITHM_LIST(PGML_ALGORITHM_ENTRY)
};

/* See pgml_algorithms.h. */
const PgmlAlgorithmDef *
pgml_algorithm_find(const char *name)
{
	for (int i = 0; i < lengthof(algorithms); i++)
		if (strcmp(algorithms[i].name, name) == 0)
			return &algorithms[i];
	return NULL;
}

/*
 * Algorithms PostgresML offers whose library Debian does not ship: what to
 * use here instead, with the hyperparameters that carry over.
 */
static const struct
{
	const char *name;
	const char *hint;
}			unavailable[] = {
	{"lightgbm",
		"Use algorithm \"xgboost\" with tree_method \"hist\", the histogram method LightGBM uses: "
		"n_estimators, learning_rate, max_depth, subsample, colsample_bytree, reg_alpha and reg_lambda "
		"mean the same there; num_leaves is max_leaves with grow_policy \"lossguide\"; "
		"min_child_samples is closest to min_child_weight."},
	{"catboost",
		"Use algorithm \"xgboost\": iterations is n_estimators, depth is max_depth, l2_leaf_reg is "
		"reg_lambda, learning_rate is the same; for text columns CatBoost encodes by target "
		"statistics, as preprocess => '{\"column\": {\"encode\": \"target\"}}' does."},
};

/* See pgml_algorithms.h. */
const PgmlAlgorithmDef *
pgml_algorithm_lookup(const char *name)
{
	const PgmlAlgorithmDef *a = pgml_algorithm_find(name);

	if (a != NULL)
		return a;
	for (int i = 0; i < lengthof(unavailable); i++)
		if (strcmp(unavailable[i].name, name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("algorithm \"%s\" is not available", name),
					 errdetail("Its library is not packaged by Debian, which pgml_worker builds on."),
					 errhint("%s", unavailable[i].hint)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown algorithm \"%s\"", name),
			 errhint("Supported algorithms are %s.", pgml_algorithm_names())));
	return NULL;				/* keep the compiler quiet */
}

/* See pgml_algorithms.h. */
const char *
pgml_algorithm_names(void)
{
	static char *names = NULL;

	if (names == NULL)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (int i = 0; i < lengthof(algorithms); i++)
			appendStringInfo(&buf, "%s%s",
							 i == 0 ? "" : i == lengthof(algorithms) - 1 ? " and " : ", ",
							 algorithms[i].name);
		names = MemoryContextStrdup(TopMemoryContext, buf.data);
		pfree(buf.data);
	}
	return names;
}

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
	for (int i = 0; i < lengthof(algorithms); i++)
	{
		const PgmlAlgorithmDef *a = &algorithms[i];
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
