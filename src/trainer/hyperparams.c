/*-------------------------------------------------------------------------
 *
 * hyperparams.c
 *	  Checking hyperparameter values: one error shape for every bad value;
 *	  and pgml_hp_parse, which validates an algorithm's hyperparameters
 *	  against its table (include/pgml_hyperparams.h, src/hp/) for every
 *	  trainer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pgml_algorithms.h"
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
	/* beyond double's range: PostgreSQL's own error (22003), for every key */
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
				char	   *buf = palloc(DOUBLE_SHORTEST_DECIMAL_LEN);

				/* the shortest text that reads back as d: 0.1, 1, 1e-05 */
				double_to_shortest_decimal_buf(d, buf);
				return buf;
			}
		default:
			return pstrdup("an array or object");
	}
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
		if (pgml_hp_list_index(table->values, text, strlen(text)) >= 0)
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


/* "a, b and c" of names[0 .. n), into buf */
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

/* Does the spec name a key the algorithm accepts (not refused)? */
static bool
hp_accepts(const PgmlHpSpec *spec, const char *algorithm)
{
	return spec->type != PGML_HP_ELSEWHERE && spec->type != PGML_HP_REFUSED &&
		pgml_hp_spec_applies(spec, algorithm);
}

/*
 * The hint of an unknown key: what the algorithm accepts ("k-means accepts
 * n_clusters, ... and random_state (or seed), and scikit-learn's algorithm,
 * copy_x and verbose."); a compatibility key accepted with one value only
 * is shown with it ("positive false").
 */
static char *
hp_accepted(const PgmlHpTable *t, const char *algorithm, PgmlTask task)
{
	StringInfoData buf;
	const char **names = palloc(sizeof(char *) * Max(t->n_specs, 1));
	int			n = 0;

	initStringInfo(&buf);
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];

		if (!hp_accepts(spec, algorithm) || !pgml_hp_spec_for_task(spec, task))
			continue;
		names[n++] = spec->alias == NULL ? spec->name :
			psprintf("%s (or %s)", spec->name, spec->alias);
	}
	appendStringInfo(&buf, "%s accepts ", t->label ? t->label : algorithm);
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
		appendStringInfo(&buf, ", and %s ", t->compat_source);
		hp_append_list(&buf, names, n);
	}
	appendStringInfoChar(&buf, '.');
	return buf.data;
}

/* Is key the spec's name or its alias? */
static inline bool
hp_spec_named(const PgmlHpSpec *spec, const char *key)
{
	return strcmp(spec->name, key) == 0 ||
		(spec->alias != NULL && strcmp(spec->alias, key) == 0);
}

/* Does the table accept key for algorithm? */
static bool
hp_table_accepts(const PgmlHpTable *t, const char *algorithm, const char *key)
{
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];

		if (hp_spec_named(spec, key) && hp_accepts(spec, algorithm))
			return true;
	}
	return false;
}

/*
 * The algorithms other than algorithm that accept key, as "a, b and c"
 * (NULL: none): for the detail of an unknown key.
 */
static char *
hp_owners(const char *algorithm, const char *key)
{
	const char **names = palloc(sizeof(char *) * pgml_algorithm_count());
	int			n = 0;
	StringInfoData buf;

	for (int i = 0; i < pgml_algorithm_count(); i++)
	{
		const PgmlAlgorithmDef *a = pgml_algorithm_at(i);
		const PgmlHpTable *t = a->hyperparams;

		if (strcmp(a->name, algorithm) == 0)
			continue;
		if (hp_table_accepts(t, a->name, key) ||
			(t->classification != NULL &&
			 hp_table_accepts(t->classification, a->name, key)))
			names[n++] = a->name;
	}
	if (n == 0)
		return NULL;
	initStringInfo(&buf);
	hp_append_list(&buf, names, n);
	return buf.data;
}

/*
 * The index of the spec of key in t that applies to algorithm and task,
 * else -1; a key the algorithm takes for another task only is an error,
 * unless its value is null (-2: nothing to do).
 */
static int
hp_find(const PgmlHpTable *t, const char *algorithm, PgmlTask task,
		const char *key, const JsonbValue *v)
{
	const PgmlHpSpec *other_task = NULL;

	for (int s = 0; s < t->n_specs; s++)
	{
		const PgmlHpSpec *spec = &t->specs[s];

		if (hp_spec_named(spec, key) && pgml_hp_spec_applies(spec, algorithm))
		{
			if (pgml_hp_spec_for_task(spec, task))
				return s;
			other_task = spec;
		}
	}
	/* null is the default, whatever the task */
	if (other_task != NULL && v->type == jbvNull)
		return -2;
	if (other_task != NULL)
	{
		StringInfoData tasks;

		initStringInfo(&tasks);
		for (int k = PGML_TASK_REGRESSION; k <= PGML_TASK_DECOMPOSITION; k++)
			if (other_task->tasks & (1u << k))
				appendStringInfo(&tasks, "%s%s", tasks.len ? " and " : "",
								 pgml_task_name((PgmlTask) k));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameter \"%s\" of algorithm \"%s\" applies to %s only",
						key, algorithm, tasks.data),
				 other_task->hint ? errdetail("%s", other_task->hint) : 0));
	}
	return -1;
}

/* An unknown key (or one of another model): the error. */
static void
hp_unknown(const PgmlHpTable *t, const char *algorithm, PgmlTask task,
		   const char *key, const PgmlHpSpec *elsewhere)
{
	char	   *owners = elsewhere ? NULL : hp_owners(algorithm, key);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown hyperparameter \"%s\" for algorithm \"%s\"",
					key, algorithm),
			 elsewhere != NULL ? errdetail("%s", elsewhere->expected) :
			 owners != NULL ? errdetail("\"%s\" is a hyperparameter of %s.", key, owners) : 0,
			 errhint("%s", hp_accepted(t, algorithm, task))));
}

/*
 * The index of a JSON string (or true, false) among choices ("a|old=a|b"),
 * or -1; *canonical: the choice it means (palloc'd).
 */
static int
hp_choice(const JsonbValue *v, const char *choices, char **canonical)
{
	const char *word;
	Size		len;
	const char *p = choices;

	if (v->type == jbvString)
	{
		word = v->val.string.val;
		len = v->val.string.len;
	}
	else if (v->type == jbvBool)
	{
		word = v->val.boolean ? "true" : "false";
		len = strlen(word);
	}
	else
		return -1;
	for (int i = 0; *p != '\0'; i++)
	{
		Size		n = strcspn(p, "|");
		const char *eq = memchr(p, '=', n);
		Size		name_len = eq ? (Size) (eq - p) : n;
		bool		bool_word = (name_len == 4 && strncmp(p, "true", 4) == 0) ||
			(name_len == 5 && strncmp(p, "false", 5) == 0);

		/* the words true and false are the JSON booleans, not strings */
		if (name_len == len && strncmp(p, word, len) == 0 &&
			bool_word == (v->type == jbvBool))
		{
			if (canonical != NULL)
				*canonical = eq ? pnstrdup(eq + 1, n - name_len - 1) : pnstrdup(word, len);
			return i;
		}
		p += n + (p[n] == '|');
	}
	return -1;
}

/*
 * A value not among the choices: when it is a choice of the same key for
 * another task, say that it does not fit this one.
 */
static void
hp_bad_choice(const PgmlHpTable *t, const char *algorithm, PgmlTask task,
			  const PgmlHpSpec *spec, const char *key, const JsonbValue *v)
{
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *other = &t->specs[i];

		if (other == spec || other->type != PGML_HP_CHOICE ||
			strcmp(other->name, spec->name) != 0 ||
			!pgml_hp_spec_applies(other, algorithm) ||
			hp_choice(v, other->choices, NULL) < 0)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %s does not fit task \"%s\"", key, hp_value_text(v),
						pgml_task_name(task)),
				 errhint("Use %s.", pgml_hp_expected(spec))));
	}
	pgml_hp_bad_value(algorithm, key, pgml_hp_expected(spec));
}

/* Is the JSON number written as a whole number (2, not 2.0)? */
static bool
hp_written_whole(const JsonbValue *v)
{
	double		d;

	if (v->type != jbvNumeric)
		return false;
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
										   NumericGetDatum(v->val.numeric)));
	return isfinite(d) && d == floor(d) &&
		strchr(DatumGetCString(DirectFunctionCall1(numeric_out,
												   NumericGetDatum(v->val.numeric))), '.') == NULL;
}

static void hp_store_none(const PgmlHpSpec *spec, char *field);

/*
 * The defaults of the table that are written as JSON (a number, true,
 * false, a quoted choice, null: none), into opts; a default in words is the
 * trainer's to set.
 */
static void
hp_defaults(const PgmlHpTable *t, const char *algorithm, PgmlTask task,
			void *opts)
{
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];
		const char *dv = spec->default_value;
		char	   *field = (char *) opts + spec->offset;
		char	   *end;
		double		d;

		if (spec->offset < 0 || dv == NULL || !pgml_hp_spec_applies(spec, algorithm) ||
			!pgml_hp_spec_for_task(spec, task))
			continue;
		/* their fields are not doubles: such tables set trainer_defaults */
		if (spec->type == PGML_HP_COUNT_OR_FRACTION || (spec->flags & PGML_HP_TEXT))
			elog(ERROR, "the default of \"%s\" is the trainer's to set", spec->name);
		if (spec->type == PGML_HP_BOOL)
		{
			if (strcmp(dv, "true") == 0 || strcmp(dv, "false") == 0)
				*(bool *) field = (dv[0] == 't');
			continue;
		}
		if (strcmp(dv, "null") == 0 && (spec->flags & PGML_HP_NULLABLE))
		{
			hp_store_none(spec, field);
			continue;
		}
		if (strcmp(dv, "null") == 0)
			d = 0.0;
		else if (dv[0] == '"' && spec->choices != NULL)
		{
			d = pgml_hp_list_index(spec->choices, dv + 1, strlen(dv) - 2);
			if (d < 0)
				elog(ERROR, "default %s of \"%s\" is not one of its choices",
					 dv, spec->name);
		}
		else if (spec->type == PGML_HP_INT_OR_CHOICE &&
				 pgml_hp_list_index(spec->choices, dv, strlen(dv)) >= 0)
			d = -1.0 - pgml_hp_list_index(spec->choices, dv, strlen(dv));	/* false, true */
		else
		{
			d = strtod(dv, &end);
			if (end == dv || *end != '\0')
			{
				/*
				 * in words ("the job's seed"): the trainer's own when none
				 * is given, so a nullable key stores none; else the trainer
				 * sets it
				 */
				if (spec->flags & PGML_HP_NULLABLE)
					hp_store_none(spec, field);
				continue;
			}
		}
		*(double *) field = d;
	}
}

/* Store null, "none", for a PGML_HP_NULLABLE spec. */
static void
hp_store_none(const PgmlHpSpec *spec, char *field)
{
	Assert(spec->type != PGML_HP_BOOL);
	switch (spec->type)
	{
		case PGML_HP_CHOICE:
			if (spec->flags & PGML_HP_TEXT)
				*(const char **) field = NULL;
			else
				*(double *) field = -1.0;
			break;
		case PGML_HP_COUNT_OR_FRACTION:
			((PgmlHpCount *) field)->kind = PGML_HP_COUNT_NONE;
			break;
		default:
			*(double *) field = -1.0;
			break;
	}
}

/* A PGML_HP_COUNT_OR_FRACTION value. */
static PgmlHpCount
hp_count(const char *algorithm, const char *key, const PgmlHpSpec *spec,
		 const JsonbValue *v)
{
	PgmlHpCount c;
	const char *expected = pgml_hp_expected(spec);
	double		d;

	if (v->type == jbvString)
	{
		int			i = spec->choices ? hp_choice(v, spec->choices, NULL) : -1;

		if (i < 0)
			pgml_hp_bad_value(algorithm, key, expected);
		c.kind = PGML_HP_COUNT_CHOICE + i;
		c.value = 0.0;
		return c;
	}
	if (hp_written_whole(v))
	{
		c.value = pgml_hp_integer(algorithm, v, key, spec->min, spec->max, expected);
		c.kind = PGML_HP_COUNT_NUMBER;
		return c;
	}
	d = pgml_hp_number(algorithm, v, key, expected);
	if (!(d > 0.0 && (spec->max_open ? d < 1.0 : d <= 1.0)))
		pgml_hp_bad_value(algorithm, key, expected);
	c.kind = PGML_HP_COUNT_FRACTION;
	c.value = d;
	return c;
}

/* See pgml_train.h. */
const char *
pgml_hp_choice_name(const char *choices, int index)
{
	const char *s = choices;

	for (int i = 0; i < index && s != NULL; i++)
	{
		s = strchr(s, '|');
		if (s != NULL)
			s++;
	}
	if (s == NULL)
		elog(ERROR, "choice %d is not in \"%s\"", index, choices);
	return pnstrdup(s, strcspn(s, "|"));
}

/* See pgml_train.h. */
char *
pgml_hp_json(const PgmlHpTable *t, const char *algorithm, PgmlTask task, const void *opts)
{
	StringInfoData buf;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int s = 0; s < t->n_specs; s++)
	{
		const PgmlHpSpec *spec = &t->specs[s];
		const char *field = (const char *) opts + spec->offset;
		double		v;

		if (spec->offset < 0 || !pgml_hp_spec_applies(spec, algorithm) ||
			!pgml_hp_spec_for_task(spec, task) ||
			(spec->type != PGML_HP_BOOL && spec->type != PGML_HP_INT &&
			 spec->type != PGML_HP_NUMBER && spec->type != PGML_HP_CHOICE &&
			 spec->type != PGML_HP_INT_OR_CHOICE) ||
			(spec->flags & PGML_HP_TEXT))
			continue;
		appendStringInfo(&buf, "%s\"%s\": ", first ? "" : ", ", spec->name);
		first = false;
		if (spec->type == PGML_HP_BOOL)
		{
			appendStringInfoString(&buf, *(const bool *) field ? "true" : "false");
			continue;
		}
		v = *(const double *) field;
		if ((spec->flags & PGML_HP_NULLABLE) && v < 0)
			appendStringInfoString(&buf, "null");
		else if (spec->type == PGML_HP_INT_OR_CHOICE && v < 0)
		{
			/* a choice, -1 - its index; the words true and false as JSON */
			const char *c = pgml_hp_choice_name(spec->choices, (int) (-1 - v));

			if (strcmp(c, "true") == 0 || strcmp(c, "false") == 0)
				appendStringInfoString(&buf, c);
			else
				appendStringInfo(&buf, "\"%s\"", c);
		}
		else if (spec->type == PGML_HP_CHOICE)
			appendStringInfo(&buf, "\"%s\"", pgml_hp_choice_name(spec->choices, (int) v));
		else if (spec->type == PGML_HP_INT || spec->type == PGML_HP_INT_OR_CHOICE)
			appendStringInfo(&buf, "%.0f", v);
		else
		{
			char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

			double_to_shortest_decimal_buf(v, num);
			appendStringInfoString(&buf, num);
		}
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* See pgml_train.h. */
void
pgml_hp_parse(const char *algorithm, PgmlTask task, Jsonb *jb,
			  const PgmlHpTable *t, void *opts, PgmlHpHook hook)
{
	PgmlHpPair *pairs;
	int			n_pairs;
	const char **given;

	if (!t->trainer_defaults)
		hp_defaults(t, algorithm, task, opts);
	if (jb == NULL)
		return;
	given = palloc0(sizeof(char *) * Max(t->n_specs, 1));
	n_pairs = pgml_hp_pairs(jb, algorithm, &pairs);
	for (int i = 0; i < n_pairs; i++)
	{
		const char *key = pairs[i].key;
		const JsonbValue *v = &pairs[i].value;
		const PgmlHpSpec *spec;
		const char *expected;
		char	   *field;
		char	   *text;
		int			s;
		double		d = 0.0;

		if (hook != NULL && hook(algorithm, key, v, opts))
			continue;
		if (t->compat != NULL && pgml_hp_compat(algorithm, key, v, t->compat))
			continue;
		s = hp_find(t, algorithm, task, key, v);
		if (s == -2)
			continue;
		spec = s >= 0 ? &t->specs[s] : NULL;
		if (spec == NULL || spec->type == PGML_HP_ELSEWHERE)
			hp_unknown(t, algorithm, task, key, spec);
		if (spec->type == PGML_HP_REFUSED)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hyperparameter \"%s\" of algorithm \"%s\" is not supported",
							key, algorithm),
					 spec->expected ? errdetail("%s", spec->expected) : 0,
					 errhint("%s", spec->hint)));
		field = (char *) opts + spec->offset;
		expected = pgml_hp_expected(spec);

		if (v->type == jbvNull)
		{
			/* null is "none" where scikit-learn's None is a value ... */
			if ((spec->flags & PGML_HP_NULLABLE) && spec->offset >= 0)
				hp_store_none(spec, field);
			/* ... and otherwise means the default, as None does */
			continue;
		}

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
									expected);
				break;
			case PGML_HP_NUMBER:
				d = pgml_hp_number(algorithm, v, key, expected);
				if (!((spec->min_open ? d > spec->min : d >= spec->min) &&
					  (spec->max_open ? d < spec->max : d <= spec->max)))
					pgml_hp_bad_value(algorithm, key, expected);
				break;
			case PGML_HP_BOOL:
				if (v->type != jbvBool)
					pgml_hp_bad_value(algorithm, key, expected);
				if (spec->offset >= 0)
					*(bool *) field = v->val.boolean;
				continue;
			case PGML_HP_CHOICE:
				d = hp_choice(v, spec->choices, &text);
				if (d < 0)
					hp_bad_choice(t, algorithm, task, spec, key, v);
				if (spec->flags & PGML_HP_TEXT)
				{
					if (spec->offset >= 0)
						*(const char **) field = text;
					continue;
				}
				/* another spelling ("old=new") stores the index of new */
				d = pgml_hp_list_index(spec->choices, text, strlen(text));
				break;
			case PGML_HP_INT_OR_CHOICE:
				d = hp_choice(v, spec->choices, NULL);
				if (d >= 0)
					d = -1.0 - d;
				else
					d = pgml_hp_integer(algorithm, v, key, spec->min, spec->max,
										expected);
				break;
			case PGML_HP_COUNT_OR_SHARE:
				d = pgml_hp_number(algorithm, v, key, expected);
				if (!((d > 0.0 && d < 1.0) ||
					  (d >= 1.0 && d <= spec->max && d == floor(d))))
					pgml_hp_bad_value(algorithm, key, expected);
				break;
			case PGML_HP_COUNT_OR_FRACTION:
				{
					PgmlHpCount c = hp_count(algorithm, key, spec, v);

					if (spec->offset >= 0)
						*(PgmlHpCount *) field = c;
					continue;
				}
			case PGML_HP_NEUTRAL:
				if ((v->type == jbvBool && !v->val.boolean) ||
					(v->type == jbvNumeric &&
					 pgml_hp_number(algorithm, v, key, expected) == 0.0))
					continue;
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("hyperparameter \"%s\" of algorithm \"%s\" is not supported",
								key, algorithm),
						 errdetail("\"%s\" must be %s.", key, expected)));
				break;
			case PGML_HP_REFUSED:
			case PGML_HP_ELSEWHERE:
				pg_unreachable();
		}
		if (spec->type != PGML_HP_UNUSED && spec->offset >= 0)
			*(double *) field = d;
	}
}
