/*-------------------------------------------------------------------------
 *
 * hyperparams.c
 *	  Checking hyperparameter values, shared by the trainers that read
 *	  pgml.train's hyperparams jsonb (linear.c, cluster.c, decompose.c): one
 *	  error shape for every bad value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

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

/* See pgml_train.h. */
bool
pgml_hp_compat(const char *algorithm, const char *key, const JsonbValue *v,
			   const PgmlHpCompat *table)
{
	for (; table->key != NULL; table++)
	{
		char	   *text;
		const char *p;
		Size		len;

		if (strcmp(table->key, key) != 0)
			continue;
		if (table->values == NULL)
			return true;
		text = hp_value_text(v);
		len = strlen(text);
		for (p = table->values; *p != '\0';)
		{
			const char *bar = strchr(p, '|');
			Size		n = bar ? (Size) (bar - p) : strlen(p);

			if (n == len && strncmp(p, text, n) == 0)
				return true;
			p += n + (bar ? 1 : 0);
		}
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
