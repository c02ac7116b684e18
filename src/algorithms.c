/*-------------------------------------------------------------------------
 *
 * algorithms.c
 *	  The table of algorithms (include/pgml_algorithms.h): lookups and the
 *	  errors that list the choices.  Linked into pgml_worker.so and into the
 *	  pgml_trainer program (which expands the list's fit functions itself);
 *	  pgml.algorithms() is in algorithms_sql.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_algorithms.h"

#define PGML_ALGORITHM_ENTRY(name, tasks, family, missing, joint, hp, fit) {name, tasks, family, missing, joint, &hp},
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
		"Use algorithm \"hist_gradient_boosting\", scikit-learn's version of LightGBM's histogram method: "
		"num_iterations (n_estimators) is max_iter, num_leaves is max_leaf_nodes, min_child_samples is "
		"min_samples_leaf, reg_lambda is l2_regularization, max_bin is max_bins, learning_rate is the same; "
		"or \"xgboost\" with tree_method \"hist\", where n_estimators, learning_rate, max_depth, subsample, "
		"colsample_bytree, reg_alpha and reg_lambda mean what they mean in LightGBM."},
	{"catboost",
		"Use algorithm \"hist_gradient_boosting\" (iterations is max_iter, depth is max_depth, l2_leaf_reg is "
		"l2_regularization) or \"xgboost\" (iterations is n_estimators, depth is max_depth, l2_leaf_reg is "
		"reg_lambda); learning_rate is the same; for text columns CatBoost encodes by target statistics, as "
		"preprocess => '{\"column\": {\"encode\": \"target\"}}' does."},
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
pgml_task_name(PgmlTask task)
{
	switch (task)
	{
		case PGML_TASK_REGRESSION:
			return "regression";
		case PGML_TASK_CLASSIFICATION:
			return "classification";
		case PGML_TASK_CLUSTERING:
			return "clustering";
		case PGML_TASK_DECOMPOSITION:
			return "decomposition";
	}
	return "unknown";
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

/* See pgml_algorithms.h. */
int
pgml_algorithm_count(void)
{
	return lengthof(algorithms);
}

/* See pgml_algorithms.h. */
int
pgml_algorithm_index(const PgmlAlgorithmDef *a)
{
	Assert(a >= algorithms && a < algorithms + lengthof(algorithms));
	return (int) (a - algorithms);
}

/* See pgml_algorithms.h. */
const PgmlAlgorithmDef *
pgml_algorithm_at(int i)
{
	Assert(i >= 0 && i < lengthof(algorithms));
	return &algorithms[i];
}
