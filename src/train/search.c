/*-------------------------------------------------------------------------
 *
 * search.c
 *	  Hyperparameter search of a job (search => 'grid' | 'random'): k-fold
 *	  cross-validation over the training rows, each fold fitting its own
 *	  preprocessing and encoders, every fit in the job's trainer process
 *	  (include/pgml_job.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pgml_job.h"
#include "pgml_preprocess.h"
#include "pgml_train.h"

/* The JSON text of a scalar jsonb value (a search candidate value). */
static char *
jsonb_scalar_text(JsonbValue *v, const char *key)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvString:
			{
				StringInfoData buf;

				initStringInfo(&buf);
				escape_json(&buf, pnstrdup(v->val.string.val, v->val.string.len));
				return buf.data;
			}
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("search_params \"%s\" must list scalar values", key)));
	}
	return NULL;
}

/* search_args is NULL or an object of the keys search_arg reads. */
static void
search_args_check(Jsonb *args)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (args == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(args) || JB_ROOT_IS_SCALAR(args))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search_args must be a JSON object"),
				 errhint("For example '{\"cv\": 5, \"n_iter\": 20}'.")));
	it = JsonbIteratorInit(&args->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		if ((v.val.string.len == 2 && strncmp(v.val.string.val, "cv", 2) == 0) ||
			(v.val.string.len == 6 && strncmp(v.val.string.val, "n_iter", 6) == 0))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown search_args key \"%.*s\"",
						Min(v.val.string.len, 64), v.val.string.val),
				 errhint("search_args takes \"cv\" (folds) and \"n_iter\" (random search draws).")));
	}
}

/* An integer argument of search_args, or def if absent. */
static int
search_arg(Jsonb *args, const char *key, int def, int min, int max)
{
	JsonbValue	k;
	JsonbValue *v;
	double		d;

	if (args == NULL)
		return def;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&args->root, JB_FOBJECT, &k);
	if (v == NULL)
		return def;
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search_args \"%s\" must be a number", key)));
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	if (d != floor(d) || d < min || d > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search_args \"%s\" must be a whole number between %d and %d", key, min, max),
				 errdetail("Got %g.", d)));
	return (int) d;
}

/*
 * Hyperparameter search: every candidate of search_params (grid: all
 * combinations; random: n_iter draws, seeded) is scored by k-fold
 * cross-validation on the training rows with the project's key metric; the
 * best mean wins (the first one on ties).  Returns the winning
 * hyperparameters merged over the base ones; *report gets a JSON object
 * {"search": {...}} with every candidate's fold scores and mean.
 */
Jsonb *
pgml_run_search(const PgmlJob *job, const char *algorithm, const PgmlDataset *ds,
				const PgmlModel *tmpl, const int64 *idx, int64 n, Jsonb *base,
				char **report)
{
	const char *metric = pgml_key_metric(tmpl->task);
	int			cv;
	int			n_iter;
	int			n_keys = 0;
	char	  **keys;
	char	 ***values;
	int		   *n_values;
	int64		n_candidates;
	int			chosen_n;
	int		   *pick;
	uint64		seed = PGML_SPLIT_SEED;
	StringInfoData rep;
	double		best_score = -INFINITY;
	char	   *best_json = NULL;
	MemoryContext fold_ctx;
	MemoryContext old;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	search_args_check(job->search_args);
	cv = search_arg(job->search_args, "cv", 3, 2, 100);
	n_iter = search_arg(job->search_args, "n_iter", 10, 1, 100000);
	if (job->search_params == NULL || !JB_ROOT_IS_OBJECT(job->search_params) ||
		JB_ROOT_COUNT(job->search_params) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search needs search_params"),
				 errhint("Pass search_params => '{\"max_depth\": [2, 4, 6]}', an object of candidate lists.")));
	if (n < cv)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot run %d-fold cross-validation on %lld training rows", cv, (long long) n)));

	/* collect the candidate lists */
	keys = palloc0(sizeof(char *) * JB_ROOT_COUNT(job->search_params));
	values = palloc0(sizeof(char **) * JB_ROOT_COUNT(job->search_params));
	n_values = palloc0(sizeof(int) * JB_ROOT_COUNT(job->search_params));
	it = JsonbIteratorInit(&job->search_params->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			keys[n_keys] = pnstrdup(v.val.string.val, v.val.string.len);
			/* as PostgresML: a key is searched over or fixed, not both */
			if (base != NULL && JB_ROOT_IS_OBJECT(base) &&
				findJsonbValueFromContainer(&base->root, JB_FOBJECT, &v) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("hyperparameter \"%s\" is given in both hyperparams and search_params",
								keys[n_keys]),
						 errhint("Give it in search_params to search over its values, or in hyperparams to fix it.")));
			tok = JsonbIteratorNext(&it, &v, true);
			if (tok != WJB_VALUE || v.type != jbvBinary ||
				!JsonContainerIsArray(v.val.binary.data) ||
				JsonContainerSize(v.val.binary.data) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("search_params \"%s\" must be a non-empty array of candidate values",
								keys[n_keys])));
			{
				JsonbIterator *ait = JsonbIteratorInit(v.val.binary.data);
				JsonbValue	e;
				int			cap = JsonContainerSize(v.val.binary.data);

				values[n_keys] = palloc(sizeof(char *) * cap);
				while ((tok = JsonbIteratorNext(&ait, &e, true)) != WJB_DONE)
					if (tok == WJB_ELEM)
						values[n_keys][n_values[n_keys]++] = jsonb_scalar_text(&e, keys[n_keys]);
			}
			n_keys++;
		}
	}

	n_candidates = 1;
	for (int k = 0; k < n_keys; k++)
	{
		n_candidates *= n_values[k];
		if (n_candidates > 100000)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("search_params describe more than 100000 candidates")));
	}
	chosen_n = strcmp(job->search, "grid") == 0 ? (int) n_candidates : n_iter;
	pick = palloc(sizeof(int) * n_keys);

	initStringInfo(&rep);
	appendStringInfo(&rep, "{\"search\": {\"method\": \"%s\", \"metric\": \"%s\", \"cv\": %d, \"candidates\": [",
					 job->search, metric, cv);

	fold_ctx = AllocSetContextCreate(CurrentMemoryContext, "pgml search fold",
									 ALLOCSET_DEFAULT_SIZES);
	for (int c = 0; c < chosen_n; c++)
	{
		StringInfoData cand;
		Jsonb	   *hp;
		double		sum = 0;
		double		fold_scores[100];

		/* which value of each key */
		if (strcmp(job->search, "grid") == 0)
		{
			int64		rest = c;

			for (int k = n_keys - 1; k >= 0; k--)
			{
				pick[k] = (int) (rest % n_values[k]);
				rest /= n_values[k];
			}
		}
		else
			for (int k = 0; k < n_keys; k++)
				pick[k] = (int) (pgml_splitmix64(&seed) % (uint64) n_values[k]);

		initStringInfo(&cand);
		appendStringInfoChar(&cand, '{');
		for (int k = 0; k < n_keys; k++)
		{
			if (k > 0)
				appendStringInfoString(&cand, ", ");
			escape_json(&cand, keys[k]);
			appendStringInfo(&cand, ": %s", values[k][pick[k]]);
		}
		appendStringInfoChar(&cand, '}');
		hp = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(cand.data)));
		if (base != NULL)
			hp = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(base),
													JsonbPGetDatum(hp)));

		for (int f = 0; f < cv; f++)
		{
			int64		lo = n * f / cv;
			int64		hi = n * (f + 1) / cv;
			int64	   *train_idx;
			int64		n_fit = 0;
			PgmlModel	m = *tmpl;
			char	   *metrics;
			double		score;

			PgmlDataset fold_ds = *ds;
			float	   *fold_x;

			old = MemoryContextSwitchTo(fold_ctx);
			train_idx = palloc(sizeof(int64) * (n - (hi - lo)));
			for (int64 i = 0; i < n; i++)
				if (i < lo || i >= hi)
					train_idx[n_fit++] = idx[i];

			/*
			 * What is learnt from the training rows is learnt from the
			 * fold's: target means and preprocessing statistics, so that the
			 * held-out fold does not leak into its own score.
			 */
			fold_x = pgml_encode_refit_target(ds, tmpl, train_idx, n_fit, &m.encoders);
			if (fold_x != NULL)
				fold_ds.x = fold_x;
			if (tmpl->preprocess != NULL)
				m.preprocess = pgml_preprocess_fit(job->preprocess, &fold_ds, train_idx,
												   n_fit, pgml_algorithm_takes_missing(algorithm));
			pgml_train_rows(algorithm, &fold_ds, train_idx, n_fit, hp, &m, NULL, NULL);
			metrics = pgml_evaluate_rows(&m, &fold_ds, idx + lo, hi - lo, NULL, NULL, NULL);
			score = pgml_metrics_number(metrics, metric);
			MemoryContextSwitchTo(old);
			MemoryContextReset(fold_ctx);

			fold_scores[f] = score;
			sum += score;
			pgml_train_check_cancel();
		}

		appendStringInfo(&rep, "%s{\"hyperparams\": %s, \"mean_score\": %.17g, \"fold_scores\": [",
						 c > 0 ? ", " : "", cand.data, sum / cv);
		for (int f = 0; f < cv; f++)
			appendStringInfo(&rep, "%s%.17g", f > 0 ? ", " : "", fold_scores[f]);
		appendStringInfoString(&rep, "]}");

		if (sum / cv > best_score)
		{
			best_score = sum / cv;
			best_json = cand.data;
		}
	}
	MemoryContextDelete(fold_ctx);

	if (best_json == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no search candidate produced a score")));
	appendStringInfo(&rep, "], \"best_hyperparams\": %s, \"best_mean_score\": %.17g}}",
					 best_json, best_score);
	*report = rep.data;

	{
		Jsonb	   *best = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(best_json)));

		if (base != NULL)
			best = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(base),
													  JsonbPGetDatum(best)));
		return best;
	}
}
