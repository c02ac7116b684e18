/*-------------------------------------------------------------------------
 *
 * ransac.c
 *	  Algorithm "ransac" (regression), as scikit-learn 1.2's RANSACRegressor
 *	  around its default LinearRegression: least squares fitted to random
 *	  subsets of min_samples rows; the subset whose line has the most rows
 *	  within residual_threshold (ties: the better r2 on those rows) wins,
 *	  and the model is least squares on its inliers.  Served as the linear
 *	  kind.
 *
 *	  An algorithm of an existing kind in one file (docs/algorithms.md,
 *	  "Adding an algorithm"): its hyperparameter table, compiled into both
 *	  pgml_worker.so and pgml_trainer, and, in the trainer only
 *	  (PGML_TRAINER), its fit.
 *
 *	  The subsets are scikit-learn's: drawn from NumPy's RandomState of
 *	  random_state by sample_without_replacement's "auto" method (a
 *	  permutation's first rows, or, below 1 % or above 99 % of the rows,
 *	  tracking selection or reservoir sampling), one generator for all
 *	  trials; the trials stop as scikit-learn's do (max_trials, lowered by
 *	  the dynamic bound of stop_probability; stop_n_inliers, stop_score,
 *	  max_skips).  So the same random_state gives scikit-learn's model.
 *
 * src/algorithms/ransac.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

typedef struct RansacParams
{
	double		min_samples;	/* -1: features + 1; < 1: a share */
	double		residual_threshold; /* -1: the target's median absolute
									 * deviation */
	double		max_trials;
	double		max_skips;		/* preset: no limit */
	double		stop_n_inliers; /* preset: no limit */
	double		stop_score;		/* preset: no limit */
	double		stop_probability;
	double		loss;			/* 0 absolute_error, 1 squared_error */
	double		random_state;	/* -1: the job's seed */
} RansacParams;

#define OFF(f) offsetof(RansacParams, f)
#define N PGML_HP_NULLABLE
#define NO_LIMIT "no limit (scikit-learn's inf)"

static const PgmlHpSpec ransac_specs[] = {
	{"min_samples", NULL, PGML_HP_COUNT_OR_SHARE, 1, INT_MAX, false, false, N, NULL, "null",
		"null (the features + 1), an integer >= 1 or a share in (0, 1) of the rows",
		NULL, OFF(min_samples)},
	{"residual_threshold", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, N, NULL, "null",
		"null (the median absolute deviation of the target) or a number >= 0", NULL,
		OFF(residual_threshold)},
	{"max_trials", NULL, PGML_HP_INT, 0, INT_MAX, false, false, 0, NULL, "100",
		"an integer >= 0 (the most subsets tried)", NULL, OFF(max_trials)},
	{"max_skips", NULL, PGML_HP_INT, 0, INT_MAX, false, false, 0, NULL, NO_LIMIT,
		"an integer >= 0 (the most subsets without inliers)", NULL, OFF(max_skips)},
	{"stop_n_inliers", NULL, PGML_HP_INT, 0, INT_MAX, false, false, 0, NULL, NO_LIMIT,
		"an integer >= 0 (stop once a subset has this many inliers)", NULL, OFF(stop_n_inliers)},
	{"stop_score", NULL, PGML_HP_NUMBER, -HUGE_VAL, HUGE_VAL, false, false, 0, NULL, NO_LIMIT,
		"a number (stop once a subset's r2 on its inliers reaches it)", NULL, OFF(stop_score)},
	{"stop_probability", NULL, PGML_HP_NUMBER, 0, 1, false, false, 0, NULL, "0.99",
		"a number in [0, 1] (the confidence that a subset free of outliers was drawn)", NULL,
		OFF(stop_probability)},
	{"loss", NULL, PGML_HP_CHOICE, 0, 0, false, false, 0, "absolute_error|squared_error",
		"\"absolute_error\"", NULL, NULL, OFF(loss)},
	{"random_state", NULL, PGML_HP_INT, 0, 4294967295.0, false, false, N, NULL, "the job's seed",
		"null or an integer between 0 and 4294967295", NULL, OFF(random_state)},
	{"estimator", NULL, PGML_HP_NEUTRAL, 0, 0, false, false, 0, NULL, "null",
		"null (the estimator is least squares, scikit-learn's LinearRegression)", NULL, -1},
	{"is_data_valid", NULL, PGML_HP_NEUTRAL, 0, 0, false, false, 0, NULL, "null",
		"null (a callable cannot be given)", NULL, -1},
	{"is_model_valid", NULL, PGML_HP_NEUTRAL, 0, 0, false, false, 0, NULL, "null",
		"null (a callable cannot be given)", NULL, -1},
};

static const PgmlHpCompat ransac_compat[] = {
	/* scikit-learn 1.2's old name of estimator */
	{"base_estimator", "\"deprecated\"|null",
	"Only least squares (scikit-learn's LinearRegression) is the estimator here."},
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_ransac = {
	"RANSAC regression", ransac_specs, lengthof(ransac_specs), ransac_compat, "scikit-learn's",
	false, NULL
};

#ifdef PGML_TRAINER

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_cart.h"
#include "../trainer/trainer_linear.h"

/* NumPy's spacing(1), the floor of _dynamic_max_trials' logarithms */
#define RANSAC_EPSILON DBL_EPSILON

/*
 * scikit-learn's sample_without_replacement(n, k, "auto") from rs: k row
 * numbers into out; seen[n] is scratch, all false on entry and exit.
 */
static void
ransac_sample(SkRandomState *rs, int64 n, int64 k, int64 *out, int64 *perm, bool *seen)
{
	double		ratio = (double) k / (double) n;

	if (ratio > 0.01 && ratio < 0.99)
	{
		/* RandomState.permutation(n)[:k] */
		sk_rs_permutation(rs, perm, n);
		memcpy(out, perm, sizeof(int64) * k);
	}
	else if (ratio < 0.2)
	{
		/* tracking selection: draw again what was drawn */
		for (int64 i = 0; i < k; i++)
		{
			int64		j = sk_rs_randint(rs, 0, n);

			while (seen[j])
				j = sk_rs_randint(rs, 0, n);
			seen[j] = true;
			out[i] = j;
		}
		for (int64 i = 0; i < k; i++)
			seen[out[i]] = false;
	}
	else
	{
		/* reservoir sampling */
		for (int64 i = 0; i < k; i++)
			out[i] = i;
		for (int64 i = k; i < n; i++)
		{
			int64		slot = sk_rs_randint(rs, 0, i + 1);

			if (slot < k)
				out[slot] = i;
		}
	}
}

/* The rows rows[k] of in as a training input of their own (x, y copied). */
static void
ransac_rows(const PgmlTrainInput *in, const int64 *rows, int64 k, float *x, double *y,
			PgmlTrainInput *sub)
{
	int			p = in->n_features;

	for (int64 i = 0; i < k; i++)
	{
		memcpy(x + i * p, in->x + rows[i] * p, sizeof(float) * p);
		y[i] = in->y[rows[i]];
	}
	*sub = *in;
	sub->x = x;
	sub->y = y;
	sub->n_rows = k;
	sub->row_of = NULL;
}

/* scikit-learn's _dynamic_max_trials */
static double
ransac_dynamic_max_trials(int64 n_inliers, int64 n, int64 min_samples, double probability)
{
	double		inlier_ratio = (double) n_inliers / (double) n;
	double		nom = Max(RANSAC_EPSILON, 1 - probability);
	double		denom = Max(RANSAC_EPSILON, 1 - pow(inlier_ratio, (double) min_samples));

	if (nom == 1)
		return 0;
	if (denom == 1)
		return INFINITY;
	return fabs(ceil(log(nom) / log(denom)));
}

void
pgml_ransac_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	MemoryContext trialctx;
	RansacParams opt;
	SkRandomState rs;
	int64		n = in->n_rows;
	int			p = in->n_features;
	int64		min_samples;
	double		threshold;
	double		max_trials;
	int64		n_trials = 0,
				n_skips = 0,
				n_inliers_best = 1;
	double		score_best = -INFINITY;
	bool		found = false;
	int64	   *subset;
	int64	   *perm;
	bool	   *seen;
	bool	   *inlier;
	bool	   *inlier_best;
	double	   *r;
	double	   *coef;
	double	   *intercept;
	float	   *sub_x;
	double	   *sub_y;
	int64	   *rows;
	PgmlTrainInput sub;
	StringInfoData buf;
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	/* scikit-learn's inf: no limit (null or left out) */
	memset(&opt, 0, sizeof(opt));
	opt.max_skips = INFINITY;
	opt.stop_n_inliers = INFINITY;
	opt.stop_score = INFINITY;
	pgml_hp_parse(in->algorithm, in->task, in->hyperparams, &pgml_hp_ransac, &opt, NULL);
	if (in->task != PGML_TASK_REGRESSION)
		elog(ERROR, "unexpected task %d for RANSAC", (int) in->task);
	linear_check_input(in);
	linear_check_finite(in);
	linear_check_target(in);
	workctx = AllocSetContextCreate(callerctx, "pgml RANSAC", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(workctx);

	if (opt.min_samples < 0)
		min_samples = (int64) p + 1;
	else if (opt.min_samples < 1)
		min_samples = (int64) ceil(opt.min_samples * (double) n);
	else
		min_samples = (int64) opt.min_samples;
	if (min_samples > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_samples of algorithm \"ransac\" is %lld, more than the %lld training rows",
						(long long) min_samples, (long long) n),
				 opt.min_samples < 0 ?
				 errdetail("Its default is the features + 1.") : 0,
				 errhint("Lower min_samples, or train on more rows.")));

	r = pgml_train_alloc(n, sizeof(double));
	if (opt.residual_threshold >= 0)
		threshold = opt.residual_threshold;
	else
	{
		/* the median absolute deviation of the target */
		double		med;

		memcpy(r, in->y, sizeof(double) * n);
		med = linear_median(r, n);
		for (int64 i = 0; i < n; i++)
			r[i] = fabs(in->y[i] - med);
		threshold = linear_median(r, n);
	}

	subset = pgml_train_alloc(min_samples, sizeof(int64));
	perm = pgml_train_alloc(n, sizeof(int64));
	seen = pgml_train_alloc(n, sizeof(bool));
	inlier = pgml_train_alloc(n, sizeof(bool));
	inlier_best = pgml_train_alloc(n, sizeof(bool));
	rows = pgml_train_alloc(n, sizeof(int64));
	sub_x = pgml_train_alloc((Size) n * p, sizeof(float));
	sub_y = pgml_train_alloc(n, sizeof(double));
	coef = pgml_train_alloc(p, sizeof(double));
	intercept = pgml_train_alloc(1, sizeof(double));
	trialctx = AllocSetContextCreate(workctx, "pgml RANSAC trial", ALLOCSET_DEFAULT_SIZES);

	sk_rs_seed(&rs, opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed);
	max_trials = opt.max_trials;
	while (n_trials < max_trials)
	{
		int64		n_inliers = 0;
		double		score;

		n_trials++;
		if (n_skips > opt.max_skips)
			break;
		pgml_train_check_cancel();
		ransac_sample(&rs, n, min_samples, subset, perm, seen);
		ransac_rows(in, subset, min_samples, sub_x, sub_y, &sub);
		MemoryContextReset(trialctx);
		MemoryContextSwitchTo(trialctx);
		linear_least_squares(&sub, true, coef, intercept);
		MemoryContextSwitchTo(workctx);

		for (int64 i = 0; i < n; i++)
		{
			const float *x = in->x + i * p;
			double		pred = 0.0;
			double		res;

			for (int j = 0; j < p; j++)
				pred += (double) x[j] * coef[j];
			pred += *intercept;
			res = in->y[i] - pred;
			res = opt.loss == 0 ? fabs(res) : res * res;
			inlier[i] = res <= threshold;
			if (inlier[i])
			{
				/* the squared error, for r2 below */
				r[n_inliers] = (in->y[i] - pred) * (in->y[i] - pred);
				rows[n_inliers++] = i;
			}
		}
		if (n_inliers < n_inliers_best)
		{
			n_skips++;
			continue;
		}

		/* r2 of the subset's line on its inliers (sklearn's r2_score) */
		{
			double		ss_res = cart_pairwise_sum(r, n_inliers);
			double		mean = 0.0,
						ss_tot;

			for (int64 i = 0; i < n_inliers; i++)
				sub_y[i] = in->y[rows[i]];
			mean = cart_pairwise_sum(sub_y, n_inliers) / (double) n_inliers;
			for (int64 i = 0; i < n_inliers; i++)
				r[i] = (sub_y[i] - mean) * (sub_y[i] - mean);
			ss_tot = cart_pairwise_sum(r, n_inliers);
			if (n_inliers < 2)
				score = NAN;	/* undefined: NaN, and a tie then always wins */
			else if (ss_tot != 0)
				score = 1.0 - ss_res / ss_tot;
			else
				score = ss_res == 0 ? 1.0 : 0.0;
		}
		if (n_inliers == n_inliers_best && score < score_best)
			continue;
		found = true;
		n_inliers_best = n_inliers;
		score_best = score;
		memcpy(inlier_best, inlier, sizeof(bool) * n);
		max_trials = Min(max_trials, ransac_dynamic_max_trials(n_inliers_best, n, min_samples,
															   opt.stop_probability));
		if (n_inliers_best >= opt.stop_n_inliers || score_best >= opt.stop_score)
			break;
	}
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg_plural("RANSAC found no consensus set in %lld trial",
							   "RANSAC found no consensus set in %lld trials",
							   (unsigned long) n_trials, (long long) n_trials),
				 n_trials > 0 ?
				 errdetail("No line through a subset of %lld rows had a row within the residual threshold %g.",
						   (long long) min_samples, threshold) :
				 errdetail("max_trials is 0."),
				 errhint("Raise residual_threshold, max_trials or max_skips.")));
	if (n_skips > opt.max_skips)
		ereport(WARNING,
				(errmsg_plural("RANSAC stopped after %lld subset with fewer inliers than the best",
							   "RANSAC stopped after %lld subsets with fewer inliers than the best",
							   (unsigned long) n_skips, (long long) n_skips),
				 errdetail("max_skips is %.0f; the model is least squares on the best consensus set found.",
						   opt.max_skips)));

	/* least squares on the best subset's inliers */
	{
		int64		k = 0;

		for (int64 i = 0; i < n; i++)
			if (inlier_best[i])
				rows[k++] = i;
		ransac_rows(in, rows, k, sub_x, sub_y, &sub);
		MemoryContextSwitchTo(callerctx);
		coef = MemoryContextAllocZero(callerctx, sizeof(double) * p);
		intercept = MemoryContextAllocZero(callerctx, sizeof(double));
		MemoryContextSwitchTo(workctx);
		linear_least_squares(&sub, true, coef, intercept);
		elog(DEBUG1, "RANSAC: %lld trials, %lld of %lld rows inliers, r2 on them %g",
			 (long long) n_trials, (long long) k, (long long) n, score_best);
		/* scikit-learn's n_trials_ and the size of its inlier_mask_ */
		m->metrics_json = MemoryContextStrdup(callerctx,
											  psprintf("{\"n_trials\": %lld, \"n_inliers\": %lld}",
													   (long long) n_trials, (long long) k));
	}
	MemoryContextSwitchTo(callerctx);
	MemoryContextDelete(workctx);
	linear_model_set(m, false, 1, coef, intercept);

	/* the effective hyperparameters: the limits scikit-learn's inf as null */
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"min_samples\": %lld", (long long) min_samples);
	double_to_shortest_decimal_buf(threshold, num);
	appendStringInfo(&buf, ", \"residual_threshold\": %s", num);
	appendStringInfo(&buf, ", \"max_trials\": %.0f", opt.max_trials);
	if (isinf(opt.max_skips))
		appendStringInfoString(&buf, ", \"max_skips\": null");
	else
		appendStringInfo(&buf, ", \"max_skips\": %.0f", opt.max_skips);
	if (isinf(opt.stop_n_inliers))
		appendStringInfoString(&buf, ", \"stop_n_inliers\": null");
	else
		appendStringInfo(&buf, ", \"stop_n_inliers\": %.0f", opt.stop_n_inliers);
	if (isinf(opt.stop_score))
		appendStringInfoString(&buf, ", \"stop_score\": null");
	else
		linear_append_number(&buf, "stop_score", opt.stop_score);
	linear_append_number(&buf, "stop_probability", opt.stop_probability);
	appendStringInfo(&buf, ", \"loss\": \"%s\"", opt.loss == 0 ? "absolute_error" : "squared_error");
	if (opt.random_state >= 0)
		appendStringInfo(&buf, ", \"random_state\": %.0f", opt.random_state);
	appendStringInfoChar(&buf, '}');
	m->hyperparams_json = buf.data;
}

#endif							/* PGML_TRAINER */
