/*-------------------------------------------------------------------------
 *
 * hyperparams.c
 *	  Checking hyperparameter values, shared by the trainers that read
 *	  pgml.train's hyperparams jsonb (linear.c, cluster.c, decompose.c): one
 *	  error shape for every bad value; and pgml_hp_parse, which validates a
 *	  model's hyperparameters against its table (the linear models, k-means,
 *	  PCA).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pgml_train.h"

/*
 * The (key, value) pairs of a hyperparameters object, in jsonb's key order;
 * anything but an object is an error naming the algorithm.  Values of nested
 * containers point into jb.
 */
int
pgml_hp_pairs(Jsonb *jb, const char *algorithm, PgmlHpPair **pairs)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	int			n = 0;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameters of algorithm \"%s\" must be a JSON object",
						algorithm)));
	*pairs = palloc(sizeof(PgmlHpPair) * Max(JB_ROOT_COUNT(jb), 1));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		(*pairs)[n].key = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		if (tok != WJB_VALUE)
			elog(ERROR, "unexpected jsonb token %d for key \"%s\"", (int) tok,
				 (*pairs)[n].key);
		(*pairs)[n++].value = v;
	}
	return n;
}

/* Raise an error naming a hyperparameter and the value it expects. */
void
pgml_hp_bad_value(const char *algorithm, const char *key, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for hyperparameter \"%s\" of algorithm \"%s\"",
					key, algorithm),
			 errdetail("\"%s\" must be %s.", key, expected)));
	pg_unreachable();
}

/* A finite JSON number as a double, or an error naming the key. */
double
pgml_hp_number(const char *algorithm, const JsonbValue *v, const char *key,
			   const char *expected)
{
	double		d;

	if (v->type != jbvNumeric)
		pgml_hp_bad_value(algorithm, key, expected);
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
										   NumericGetDatum(v->val.numeric)));
	if (!isfinite(d))
		pgml_hp_bad_value(algorithm, key, expected);
	return d;
}

/* A JSON number that must be a whole number in [lo, hi]. */
double
pgml_hp_integer(const char *algorithm, const JsonbValue *v, const char *key,
				double lo, double hi, const char *expected)
{
	double		d = pgml_hp_number(algorithm, v, key, expected);

	if (d < lo || d > hi || d != floor(d))
		pgml_hp_bad_value(algorithm, key, expected);
	return d;
}

/* A scalar JSON value as JSON text; numbers in their shortest exact form. */
static char *
hp_value_text(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return pstrdup("null");
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvString:
			return psprintf("\"%.*s\"", v->val.string.len, v->val.string.val);
		case jbvNumeric:
			{
				double		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
																   NumericGetDatum(v->val.numeric)));

				return psprintf("%.17g", d);
			}
		default:
			return pstrdup("an array or object");
	}
}

/* The index of word (len bytes) in a '|'-separated list, or -1. */
static int
hp_list_index(const char *list, const char *word, Size len)
{
	const char *p = list;

	for (int i = 0; *p != '\0'; i++)
	{
		const char *bar = strchr(p, '|');
		Size		n = bar ? (Size) (bar - p) : strlen(p);

		if (n == len && strncmp(p, word, n) == 0)
			return i;
		p += n + (bar ? 1 : 0);
	}
	return -1;
}

/* See pgml_train.h. */
bool
pgml_hp_compat(const char *algorithm, const char *key, const JsonbValue *v,
			   const PgmlHpCompat *table)
{
	for (; table->key != NULL; table++)
	{
		char	   *text;

		if (strcmp(table->key, key) != 0)
			continue;
		if (table->values == NULL)
			return true;
		text = hp_value_text(v);
		if (hp_list_index(table->values, text, strlen(text)) >= 0)
			return true;
		{
			char	   *list = pstrdup(table->values);

			for (char *c = list; *c != '\0'; c++)
				if (*c == '|')
					*c = ',';
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hyperparameter \"%s\" of algorithm \"%s\" cannot be %s",
							key, algorithm, text),
					 errdetail("%s", table->refusal),
					 errhint("Accepted values of \"%s\": %s.", key, list)));
		}
	}
	return false;
}

/* "a, b and c" of the names of a '|'-free list, into buf */
static void
hp_append_list(StringInfo buf, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, i == n - 1 ? " and " : ", ");
		appendStringInfoString(buf, names[i]);
	}
}

/*
 * The hint of an unknown key: what the model accepts ("k-means accepts
 * n_clusters, ... and random_state (or seed), and scikit-learn's algorithm,
 * copy_x and verbose."); a scikit-learn key accepted with one value only is
 * shown with it ("positive false").
 */
static char *
hp_accepted(const PgmlHpTable *t)
{
	StringInfoData buf;
	const char **names = palloc(sizeof(char *) * Max(t->n_specs, 1));
	int			n = 0;

	initStringInfo(&buf);
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];

		if (spec->type == PGML_HP_ELSEWHERE)
			continue;
		names[n++] = spec->alias == NULL ? spec->name :
			psprintf("%s (or %s)", spec->name, spec->alias);
	}
	appendStringInfo(&buf, "%s accepts ", t->label);
	hp_append_list(&buf, names, n);
	if (t->compat != NULL)
	{
		n = 0;
		for (const PgmlHpCompat *c = t->compat; c->key != NULL; c++)
			n++;
		names = repalloc(names, sizeof(char *) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			const char *values = t->compat[i].values;

			if (values == NULL || strchr(values, '|') != NULL)
				names[i] = t->compat[i].key;
			else if (values[0] == '"')
				names[i] = psprintf("%s %.*s", t->compat[i].key,
									(int) strlen(values) - 2, values + 1);
			else
				names[i] = psprintf("%s %s", t->compat[i].key, values);
		}
		appendStringInfoString(&buf, ", and scikit-learn's ");
		hp_append_list(&buf, names, n);
	}
	appendStringInfoChar(&buf, '.');
	return buf.data;
}

/* The index of a JSON string among choices ("a|b"), or -1. */
static int
hp_choice(const JsonbValue *v, const char *choices)
{
	if (v->type != jbvString)
		return -1;
	return hp_list_index(choices, v->val.string.val, v->val.string.len);
}

/*
 * The defaults of the table that are written as JSON (a number, true,
 * false, a quoted choice, null: none), into opts; a default in words is the
 * trainer's to set.
 */
static void
hp_defaults(const PgmlHpTable *t, void *opts)
{
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];
		const char *dv = spec->default_value;
		char	   *field = (char *) opts + spec->offset;
		char	   *end;
		double		d;

		if (spec->offset < 0 || dv == NULL)
			continue;
		if (spec->type == PGML_HP_BOOL)
		{
			if (strcmp(dv, "true") == 0 || strcmp(dv, "false") == 0)
				*(bool *) field = (dv[0] == 't');
			continue;
		}
		if (strcmp(dv, "null") == 0)
			d = 0.0;
		else if (dv[0] == '"' && spec->choices != NULL)
		{
			d = hp_list_index(spec->choices, dv + 1, strlen(dv) - 2);
			if (d < 0)
				elog(ERROR, "default %s of \"%s\" is not one of its choices",
					 dv, spec->name);
		}
		else
		{
			d = strtod(dv, &end);
			if (end == dv || *end != '\0')
				continue;		/* in words: the trainer sets it */
		}
		*(double *) field = d;
	}
}

/* See pgml_train.h. */
void
pgml_hp_parse(const char *algorithm, Jsonb *jb, const PgmlHpTable *t, void *opts)
{
	PgmlHpPair *pairs;
	int			n_pairs;
	const char **given;

	hp_defaults(t, opts);
	if (jb == NULL)
		return;
	given = palloc0(sizeof(char *) * Max(t->n_specs, 1));
	n_pairs = pgml_hp_pairs(jb, algorithm, &pairs);
	for (int i = 0; i < n_pairs; i++)
	{
		const char *key = pairs[i].key;
		const JsonbValue *v = &pairs[i].value;
		const PgmlHpSpec *spec = NULL;
		int			s;
		double		d = 0.0;

		if (t->custom != NULL && t->custom(algorithm, key, v, opts))
			continue;
		if (t->compat != NULL && pgml_hp_compat(algorithm, key, v, t->compat))
			continue;
		for (s = 0; s < t->n_specs; s++)
			if (strcmp(key, t->specs[s].name) == 0 ||
				(t->specs[s].alias != NULL && strcmp(key, t->specs[s].alias) == 0))
			{
				spec = &t->specs[s];
				break;
			}
		if (spec == NULL || spec->type == PGML_HP_ELSEWHERE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown hyperparameter \"%s\" for algorithm \"%s\"",
							key, algorithm),
					 spec != NULL ? errdetail("%s", spec->expected) : 0,
					 errhint("%s", hp_accepted(t))));

		/* null means the default, as None does in scikit-learn */
		if (v->type == jbvNull)
			continue;

		if (given[s] != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hyperparameters \"%s\" and \"%s\" of algorithm \"%s\" are the same setting",
							spec->name, spec->alias, algorithm),
					 errhint("Give only one of them.")));
		given[s] = key;

		switch (spec->type)
		{
			case PGML_HP_INT:
			case PGML_HP_UNUSED:
				d = pgml_hp_integer(algorithm, v, key, spec->min, spec->max,
									spec->expected);
				break;
			case PGML_HP_NUMBER:
				d = pgml_hp_number(algorithm, v, key, spec->expected);
				if (!((spec->min_open ? d > spec->min : d >= spec->min) &&
					  d <= spec->max))
					pgml_hp_bad_value(algorithm, key, spec->expected);
				break;
			case PGML_HP_BOOL:
				if (v->type != jbvBool)
					pgml_hp_bad_value(algorithm, key, spec->expected);
				if (spec->offset >= 0)
					*(bool *) ((char *) opts + spec->offset) = v->val.boolean;
				continue;
			case PGML_HP_CHOICE:
				d = hp_choice(v, spec->choices);
				if (d < 0)
					pgml_hp_bad_value(algorithm, key, spec->expected);
				break;
			case PGML_HP_INT_OR_CHOICE:
				d = hp_choice(v, spec->choices);
				if (d >= 0)
					d = -1.0 - d;
				else
					d = pgml_hp_integer(algorithm, v, key, spec->min, spec->max,
										spec->expected);
				break;
			case PGML_HP_COUNT_OR_SHARE:
				d = pgml_hp_number(algorithm, v, key, spec->expected);
				if (!((d > 0.0 && d < 1.0) ||
					  (d >= 1.0 && d <= spec->max && d == floor(d))))
					pgml_hp_bad_value(algorithm, key, spec->expected);
				break;
			case PGML_HP_ELSEWHERE:
				pg_unreachable();
		}
		if (spec->type != PGML_HP_UNUSED && spec->offset >= 0)
			*(double *) ((char *) opts + spec->offset) = d;
	}
}
