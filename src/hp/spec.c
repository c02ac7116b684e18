/*-------------------------------------------------------------------------
 *
 * spec.c
 *	  What the server (pgml.hyperparameters()) and the trainer
 *	  (pgml_hp_parse) both read off a hyperparameter's spec: whether it
 *	  applies to an algorithm, and what a bad value must be.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "pgml_hyperparams.h"

/* See pgml_hyperparams.h. */
int
pgml_hp_list_index(const char *list, const char *word, Size len)
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

/* See pgml_hyperparams.h. */
bool
pgml_hp_spec_applies(const PgmlHpSpec *spec, const char *algorithm)
{
	return spec->algorithms == NULL ||
		pgml_hp_list_index(spec->algorithms, algorithm, strlen(algorithm)) >= 0;
}

/* a bound as text: "infinity", or the shortest form %g gives exactly */
static void
append_bound(StringInfo buf, double d)
{
	if (isinf(d))
		appendStringInfoString(buf, d > 0 ? "infinity" : "-infinity");
	else
		appendStringInfo(buf, "%.15g", d);
}

/* See pgml_hyperparams.h. */
const char *
pgml_hp_expected(const PgmlHpSpec *spec)
{
	StringInfoData buf;

	if (spec->expected != NULL)
		return spec->expected;
	initStringInfo(&buf);
	switch (spec->type)
	{
		case PGML_HP_BOOL:
			appendStringInfoString(&buf, "true or false");
			break;
		case PGML_HP_CHOICE:
			{
				/* "a", "b" or "c": the choices, without the other spellings */
				const char *p = spec->choices;
				int			n = 0;
				int			total = 0;

				for (const char *q = p; *q != '\0'; q += strcspn(q, "|") + (q[strcspn(q, "|")] == '|'))
					total += memchr(q, '=', strcspn(q, "|")) == NULL;
				while (*p != '\0')
				{
					Size		len = strcspn(p, "|");

					if (memchr(p, '=', len) == NULL)
					{
						appendStringInfo(&buf, "%s\"%.*s\"",
										 n == 0 ? "" : n == total - 1 ? " or " : ", ",
										 (int) len, p);
						n++;
					}
					p += len + (p[len] == '|');
				}
				break;
			}
		case PGML_HP_INT:
		case PGML_HP_UNUSED:
			appendStringInfoString(&buf, "an integer from ");
			append_bound(&buf, spec->min);
			appendStringInfoString(&buf, " to ");
			append_bound(&buf, spec->max);
			break;
		default:
			if (isinf(spec->min) && isinf(spec->max))
				appendStringInfoString(&buf, "a finite number");
			else if (isinf(spec->max))
			{
				appendStringInfoString(&buf, spec->min_open ? "a number > " : "a number >= ");
				append_bound(&buf, spec->min);
			}
			else
			{
				appendStringInfo(&buf, "a number in %c", spec->min_open ? '(' : '[');
				append_bound(&buf, spec->min);
				appendStringInfoString(&buf, ", ");
				append_bound(&buf, spec->max);
				appendStringInfoChar(&buf, spec->max_open ? ')' : ']');
			}
			break;
	}
	return buf.data;
}
