/*-------------------------------------------------------------------------
 *
 * adaboost.c
 *	  ada_boost: scikit-learn's AdaBoostClassifier with algorithm "SAMME"
 *	  (Zhu, Zou, Rosset and Hastie, "Multi-class AdaBoost", 2009) on
 *	  decision stumps grown by the CART engine (trainer_cart.h).
 *
 *	  Each round fits a stump (a depth-1 gini tree) to the weighted rows,
 *	  measures its weighted error e, weighs it
 *	  learning_rate * (log((1 - e) / e) + log(K - 1)) and multiplies the
 *	  weight of every row it got wrong by exp(that weight); the weights are
 *	  then renormalized.  A perfect stump ends the boosting (weight 1); one
 *	  no better than chance (e >= 1 - 1/K) is dropped and ends it.  Stumps
 *	  draw their seeds from RandomState(random_state) as scikit-learn does.
 *
 *	  The model: the decision of class k is the sum of the weights of the
 *	  stumps voting k over the sum of all weights; scikit-learn's
 *	  predict_proba is the softmax of decision / (K - 1), and for two classes
 *	  the sigmoid of decision(1) - decision(0).  Each stump becomes one tree
 *	  per class whose leaves hold weight / (W (K - 1)) where the stump votes
 *	  for that class and 0 elsewhere (softmax); for two classes one tree with
 *	  +weight / W or -weight / W (sigmoid).
 *
 *	  Regression is scikit-learn's AdaBoostRegressor (AdaBoost.R2, Drucker
 *	  1997) on depth-3 regression trees: each round draws a bootstrap
 *	  sample of the rows with the current weights as probabilities (NumPy's
 *	  RandomState.choice: a cumulative sum, then searchsorted of uniform
 *	  draws), grows a tree on it, scales each row's absolute error by the
 *	  largest (squared or 1 - exp(-e) for the losses "square" and
 *	  "exponential"), and with the weighted mean error e (stop at e >= 0.5;
 *	  a perfect tree weighs 1 and ends it) weighs the tree
 *	  learning_rate * log(1 / beta), beta = e / (1 - e), and multiplies each
 *	  row's weight by beta^((1 - error) * learning_rate).  The model
 *	  predicts the weighted median of its trees: output "median",
 *	  tree_weight the weights (pgml_model.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "trainer_cart.h"
#include "trainer_tree_params.h"

#define SK_MAX_INT 2147483647

/* The class a stump's leaf votes for: its first most weighted class. */
static int32
leaf_class(const CartTree *t, int32 leaf)
{
	const double *v = t->values + (int64) leaf * t->n_values;
	int32		best = 0;

	for (int32 k = 1; k < t->n_values; k++)
		if (v[k] > v[best])
			best = k;
	return best;
}

/* ada_boost importances: the weighted mean of its trees', as scikit-learn's. */
static char *
weighted_importances(const CartTree *trees, const double *weight, int32 n_trees,
					 double total, int32 n_features)
{
	double	   *imp = palloc0(sizeof(double) * n_features);
	double	   *one = palloc(sizeof(double) * n_features);

	for (int32 s = 0; s < n_trees; s++)
	{
		memset(one, 0, sizeof(double) * n_features);
		cart_importances(&trees[s], n_features, true, one);
		for (int32 j = 0; j < n_features; j++)
			imp[j] += weight[s] * one[j] / total;
	}
	return pgml_cart_format_importances(imp, n_features);
}

/*
 * The end of a boosting round: the row weights divided by their sum (false,
 * to stop, when the sum is not a positive number), progress, cancellation.
 */
static bool
next_round(double *sw, int64 n, int32 r, int32 n_rounds)
{
	double		total = cart_pairwise_sum(sw, n);

	if (!isfinite(total) || total <= 0.0)
		return false;
	for (int64 i = 0; i < n; i++)
		sw[i] /= total;
	pgml_train_report_progress(r + 1, n_rounds);
	pgml_train_check_cancel();
	return true;
}

/* The first index of cdf[0..n) whose value is above u (searchsorted "right"). */
static int64
search_right(const double *cdf, int64 n, double u)
{
	int64		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (cdf[mid] <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* AdaBoost.R2: see the top of the file. */
static void
adaboost_r2(const PgmlTrainInput *in, PgmlModel *m, const TreeOptions *opt,
			const CartParams *p)
{
	int64		n = in->n_rows;
	int32		nf = in->n_features;
	int32		n_rounds = (int32) opt->n_estimators;
	const char *loss = opt->ada_loss_name ? opt->ada_loss_name : "linear";
	bool		square = strcmp(loss, "square") == 0;
	bool		exponential = strcmp(loss, "exponential") == 0;
	CartData	d,
				bd;
	double	   *y,
			   *sw,
			   *cdf,
			   *err,
			   *tmp,
			   *yb,
			   *weight;
	float	   *xb;
	CartTree   *trees;
	int32		n_kept = 0;
	SkRandomState rs;
	double		eps = DBL_EPSILON;

	/* the image takes the median of at most this many trees */
	if (n_rounds > PGML_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ada_boost regression takes at most %d estimators", PGML_MAX_CLASSES),
				 errdetail("Its prediction is the weighted median of its trees, computed over at most %d.",
						   PGML_MAX_CLASSES)));
	y = pgml_cart_data(in, 0, &d);
	sw = pgml_train_alloc(n, sizeof(double));
	cdf = pgml_train_alloc(n, sizeof(double));
	err = pgml_train_alloc(n, sizeof(double));
	tmp = pgml_train_alloc(n, sizeof(double));
	yb = pgml_train_alloc(n, sizeof(double));
	xb = pgml_train_alloc((Size) n * nf, sizeof(float));
	weight = palloc0(sizeof(double) * n_rounds);
	trees = palloc0(sizeof(CartTree) * n_rounds);
	bd = d;
	bd.xcol = xb;

	for (int64 i = 0; i < n; i++)
		sw[i] = 1.0 / (double) n;
	sk_rs_seed(&rs, opt->random_state >= 0 ? (uint32) opt->random_state : (uint32) in->seed);

	for (int32 r = 0; r < n_rounds; r++)
	{
		SkRandomState tree_rs;
		CartTree   *t = &trees[n_kept];
		uint32		split_seed;
		double		emax = 0.0,
					e,
					beta,
					total;

		for (int64 i = 0; i < n; i++)
			sw[i] = Max(sw[i], eps);

		/* the tree's random_state first, then the weighted bootstrap */
		sk_rs_seed(&tree_rs, (uint32) sk_rs_randint(&rs, 0, SK_MAX_INT));
		split_seed = (uint32) sk_rs_randint(&tree_rs, 0, SK_MAX_INT);
		cdf[0] = sw[0];
		for (int64 i = 1; i < n; i++)
			cdf[i] = cdf[i - 1] + sw[i];
		total = cdf[n - 1];
		for (int64 i = 0; i < n; i++)
			cdf[i] /= total;
		for (int64 j = 0; j < n; j++)
		{
			/* one draw per row (Min would evaluate its argument twice) */
			int64		row = search_right(cdf, n, sk_rs_random(&rs));

			row = Min(row, n - 1);

			yb[j] = y[row];
			for (int32 f = 0; f < nf; f++)
				xb[(int64) f * n + j] = d.xcol[(int64) f * n + row];
		}
		pgml_cart_grow(in, &bd, yb, NULL, p, split_seed, t);

		/* each row's error, scaled by the largest */
		for (int64 i = 0; i < n; i++)
		{
			err[i] = fabs(t->values[cart_apply(t, &d, i)] - y[i]);
			emax = Max(emax, err[i]);
		}
		for (int64 i = 0; i < n; i++)
		{
			if (emax != 0.0)
				err[i] /= emax;
			if (square)
				err[i] *= err[i];
			else if (exponential)
				err[i] = 1.0 - exp(-err[i]);
			tmp[i] = sw[i] * err[i];
		}
		e = cart_pairwise_sum(tmp, n);
		if (e <= 0.0)
		{
			/* a perfect tree: weight 1, and the boosting ends */
			weight[n_kept++] = 1.0;
			break;
		}
		if (e >= 0.5)
		{
			/* no better than chance: dropped, unless it is the only one */
			if (n_kept > 0)
				cart_tree_free(t);
			else
				weight[n_kept++] = 0.0;
			break;
		}
		beta = e / (1.0 - e);
		weight[n_kept++] = opt->learning_rate * log(1.0 / beta);
		if (r == n_rounds - 1)
			break;
		for (int64 i = 0; i < n; i++)
			sw[i] *= pow(beta, (1.0 - err[i]) * opt->learning_rate);
		if (!next_round(sw, n, r, n_rounds))
			break;
	}

	/* the model: the weighted median of the trees (all of target 0) */
	m->algorithm = PGML_ALGO_XGBOOST;
	m->base_margin = 0.0f;
	m->n_outputs = 1;
	m->output = PGML_OUTPUT_MEDIAN;
	pgml_cart_model_trees(m, trees, n_kept, 1, 1.0, false);
	m->tree_weight = palloc(sizeof(double) * n_kept);
	memcpy(m->tree_weight, weight, sizeof(double) * n_kept);
	m->metrics_json = weighted_importances(trees, weight, n_kept,
										   cart_pairwise_sum(weight, n_rounds), nf);
	m->hyperparams_json = tree_options_json(opt, p, false);
	for (int32 s = 0; s < n_kept; s++)
		cart_tree_free(&trees[s]);
}

/* See trainer_cart.h. */
void
pgml_adaboost_train(const PgmlTrainInput *in, PgmlModel *m)
{
	TreeOptions opt;
	CartParams	p;
	CartData	d;
	int64		n = in->n_rows;
	int32		K = in->n_classes;
	int32		n_rounds;
	int32		n_kept = 0;
	double	   *y;
	double	   *sw;
	double	   *tmp;
	bool	   *wrong;
	double	   *weight;
	CartTree   *stumps;
	CartTree   *out;
	SkRandomState rs;
	double		total;
	double		eps = DBL_EPSILON;

	tree_parse_options(in, TREE_ADA_BOOST, &opt);
	tree_cart_params(&opt, in, 1.0, &p);
	if (in->task == PGML_TASK_REGRESSION)
	{
		adaboost_r2(in, m, &opt, &p);
		return;
	}
	n_rounds = (int32) opt.n_estimators;

	y = pgml_cart_data(in, K, &d);

	sw = pgml_train_alloc(n, sizeof(double));
	tmp = pgml_train_alloc(n, sizeof(double));
	wrong = pgml_train_alloc(n, sizeof(bool));
	weight = palloc0(sizeof(double) * n_rounds);
	stumps = palloc0(sizeof(CartTree) * n_rounds);

	/* weights 1 / n (ones divided by their sum, which is n exactly) */
	for (int64 i = 0; i < n; i++)
		sw[i] = 1.0 / (double) n;
	sk_rs_seed(&rs, opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed);

	for (int32 r = 0; r < n_rounds; r++)
	{
		SkRandomState tree_rs;
		CartTree   *t = &stumps[n_kept];
		double		err,
					w;

		for (int64 i = 0; i < n; i++)
			sw[i] = Max(sw[i], eps);

		/* the stump's random_state, then its splitter's seed */
		sk_rs_seed(&tree_rs, (uint32) sk_rs_randint(&rs, 0, SK_MAX_INT));
		total = cart_pairwise_sum(sw, n);
		pgml_cart_grow(in, &d, y, sw, &p, (uint32) sk_rs_randint(&tree_rs, 0, SK_MAX_INT), t);

		/* the weighted error */
		for (int64 i = 0; i < n; i++)
		{
			wrong[i] = leaf_class(t, cart_apply(t, &d, i)) != (int32) y[i];
			tmp[i] = wrong[i] ? sw[i] : 0.0;
		}
		err = cart_pairwise_sum(tmp, n) / total;
		if (err <= 0.0)
		{
			/* a perfect stump: weight 1, and the boosting ends */
			weight[n_kept++] = 1.0;
			break;
		}
		if (err >= 1.0 - 1.0 / K)
		{
			cart_tree_free(t);
			if (n_kept == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("the first stump of ada_boost is no better than chance"),
						 errdetail("Its weighted error is %g with %d classes.", err, K),
						 errhint("The features do not separate the classes with one split; try another algorithm.")));
			break;
		}
		w = opt.learning_rate * (log((1.0 - err) / err) + log(K - 1.0));
		weight[n_kept++] = w;
		if (r == n_rounds - 1)
			break;
		for (int64 i = 0; i < n; i++)
			sw[i] = exp(log(sw[i]) + w * (wrong[i] ? 1.0 : 0.0) * (sw[i] > 0.0 ? 1.0 : 0.0));
		if (!next_round(sw, n, r, n_rounds))
			break;
	}

	/* the model: per stump, the vote of each leaf as margins */
	total = cart_pairwise_sum(weight, n_rounds);
	out = palloc0(sizeof(CartTree) * n_kept);
	for (int32 s = 0; s < n_kept; s++)
	{
		const CartTree *t = &stumps[s];
		int32		nv = K == 2 ? 1 : K;

		out[s].n_nodes = t->n_nodes;
		out[s].nodes = t->nodes;
		out[s].n_values = nv;
		out[s].values = palloc0(sizeof(double) * t->n_nodes * nv);
		for (int32 j = 0; j < t->n_nodes; j++)
		{
			int32		c;

			if (t->nodes[j].left >= 0)
				continue;
			c = leaf_class(t, j);
			if (K == 2)
				out[s].values[j] = (c == 1 ? 1.0 : -1.0) * weight[s] / total;
			else
				out[s].values[(int64) j * nv + c] = weight[s] / (total * (K - 1));
		}
	}
	m->algorithm = PGML_ALGO_XGBOOST;
	m->base_margin = 0.0f;
	m->n_outputs = K == 2 ? 1 : K;
	m->output = K == 2 ? PGML_OUTPUT_SIGMOID : PGML_OUTPUT_SOFTMAX;
	pgml_cart_model_trees(m, out, n_kept, m->n_outputs, 1.0, false);

	/* importances: the weighted mean of the stumps' */
	m->metrics_json = weighted_importances(stumps, weight, n_kept, total, in->n_features);
	m->hyperparams_json = tree_options_json(&opt, &p, true);
	for (int32 s = 0; s < n_kept; s++)
		cart_tree_free(&stumps[s]);
}
