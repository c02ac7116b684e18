/*-------------------------------------------------------------------------
 *
 * algorithms_sql.c
 *	  pgml.algorithms() and pgml.hyperparameters(): the table of algorithms
 *	  (include/pgml_algorithms.h) and their hyperparameter tables
 *	  (include/pgml_hyperparams.h) as SQL sees them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pgml_algorithms.h"

static const char *const family_names[] = {
	[PGML_FAMILY_TREES] = "trees",
	[PGML_FAMILY_LINEAR] = "linear",
	[PGML_FAMILY_CENTROIDS] = "centroids",
	[PGML_FAMILY_PROJECTION] = "projection",
	[PGML_FAMILY_CART] = "cart",
};

/* the model kind (include/pgml_kind.h) each family's fits produce */
static const char *const family_kinds[] = {
	[PGML_FAMILY_TREES] = "trees",
	[PGML_FAMILY_LINEAR] = "linear",
	[PGML_FAMILY_CENTROIDS] = "centroids",
	[PGML_FAMILY_PROJECTION] = "projection",
	[PGML_FAMILY_CART] = "trees",
};

/* The tasks of a mask of PGML_TASK_BIT as a text[]. */
static Datum
tasks_array(uint32 tasks)
{
	Datum		datums[PGML_TASK_DECOMPOSITION + 1];
	int			n = 0;

	for (int t = PGML_TASK_REGRESSION; t <= PGML_TASK_DECOMPOSITION; t++)
		if (tasks & (1u << t))
			datums[n++] = CStringGetTextDatum(pgml_task_name((PgmlTask) t));
	return PointerGetDatum(construct_array(datums, n, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(pgml_algorithms);

/*
 * SQL: pgml.algorithms() RETURNS TABLE (name text, tasks text[], family
 * text, kind text, missing_values boolean): the algorithms pgml.train
 * accepts.
 */
Datum
pgml_algorithms(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < pgml_algorithm_count(); i++)
	{
		const PgmlAlgorithmDef *a = pgml_algorithm_at(i);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(a->name);
		values[1] = tasks_array(a->tasks);
		values[2] = CStringGetTextDatum(family_names[a->family]);
		values[3] = CStringGetTextDatum(family_kinds[a->family]);
		values[4] = BoolGetDatum(a->missing_values);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static const char *const hp_type_names[] = {
	[PGML_HP_INT] = "integer",
	[PGML_HP_NUMBER] = "number",
	[PGML_HP_BOOL] = "boolean",
	[PGML_HP_CHOICE] = "choice",
	[PGML_HP_INT_OR_CHOICE] = "integer or choice",
	[PGML_HP_COUNT_OR_SHARE] = "count or share",
	[PGML_HP_COUNT_OR_FRACTION] = "count or fraction",
	[PGML_HP_UNUSED] = "integer, no effect",
	[PGML_HP_NEUTRAL] = "not implemented",
};

/* The words of a '|'-separated list as a text[]; NULL for none. */
static Datum
hp_words(const char *list, bool drop_spellings, bool *isnull)
{
	Datum	   *words;
	int			n = 0;
	const char *p = list;

	*isnull = list == NULL;
	if (list == NULL)
		return (Datum) 0;
	words = palloc(sizeof(Datum) * (strlen(list) + 1));
	while (*p != '\0')
	{
		Size		len = strcspn(p, "|");

		/* "old=new": another spelling of new */
		if (!drop_spellings || memchr(p, '=', len) == NULL)
			words[n++] = PointerGetDatum(cstring_to_text_with_len(p, len));
		p += len + (p[len] == '|');
	}
	return PointerGetDatum(construct_array(words, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* A bound of the range, or NULL when it is infinite or not a number's. */
static Datum
hp_bound(const PgmlHpSpec *spec, double d, bool *isnull)
{
	*isnull = isinf(d) || spec->type == PGML_HP_BOOL || spec->type == PGML_HP_CHOICE ||
		spec->type == PGML_HP_NEUTRAL;
	return Float8GetDatum(d);
}

/*
 * The rows of one table: those of its keys that apply to algorithm a, for
 * those of tasks they apply to.
 */
static void
hp_rows(ReturnSetInfo *rsinfo, const PgmlAlgorithmDef *a, const PgmlHpTable *t,
		uint32 tasks)
{
	Datum		values[10];
	bool		nulls[10];

	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];
		uint32		spec_tasks = tasks & (spec->tasks ? spec->tasks : ~0u);

		if (spec->type == PGML_HP_ELSEWHERE || spec->type == PGML_HP_REFUSED ||
			!pgml_hp_spec_applies(spec, a->name) || spec_tasks == 0)
			continue;
		memset(nulls, false, sizeof(nulls));
		values[0] = CStringGetTextDatum(a->name);
		values[1] = tasks_array(spec_tasks);
		values[2] = CStringGetTextDatum(spec->name);
		nulls[3] = spec->alias == NULL;
		values[3] = nulls[3] ? (Datum) 0 : CStringGetTextDatum(spec->alias);
		values[4] = CStringGetTextDatum(hp_type_names[spec->type]);
		nulls[5] = spec->default_value == NULL;
		values[5] = nulls[5] ? (Datum) 0 : CStringGetTextDatum(spec->default_value);
		values[6] = hp_bound(spec, spec->min, &nulls[6]);
		values[7] = hp_bound(spec, spec->max, &nulls[7]);
		values[8] = hp_words(spec->choices, true, &nulls[8]);
		values[9] = CStringGetTextDatum(pgml_hp_expected(spec));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	for (const PgmlHpCompat *c = t->compat; c != NULL && c->key != NULL; c++)
	{
		memset(nulls, true, sizeof(nulls));
		nulls[0] = nulls[1] = nulls[2] = nulls[4] = nulls[9] = false;
		values[0] = CStringGetTextDatum(a->name);
		values[1] = tasks_array(tasks);
		values[2] = CStringGetTextDatum(c->key);
		values[4] = CStringGetTextDatum("compatible");
		values[8] = hp_words(c->values, false, &nulls[8]);
		values[9] = CStringGetTextDatum(psprintf("%s key, accepted %s without effect here",
												 t->compat_source,
												 c->values ? "with the values listed" : "with any value"));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

PG_FUNCTION_INFO_V1(pgml_hyperparameters);

/*
 * SQL: pgml.hyperparameters(): the hyperparameter tables of the algorithms
 * (include/pgml_hyperparams.h), a row per key an algorithm accepts.
 */
Datum
pgml_hyperparameters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < pgml_algorithm_count(); i++)
	{
		const PgmlAlgorithmDef *a = pgml_algorithm_at(i);
		const PgmlHpTable *cls = a->hyperparams->classification;
		uint32		cls_bit = PGML_TASK_BIT(CLASSIFICATION);

		if (cls != NULL && (a->tasks & cls_bit))
		{
			hp_rows(rsinfo, a, a->hyperparams, a->tasks & ~cls_bit);
			hp_rows(rsinfo, a, cls, cls_bit);
		}
		else
			hp_rows(rsinfo, a, a->hyperparams, a->tasks);
	}
	return (Datum) 0;
}
