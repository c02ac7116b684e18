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
 *	  AdaBoost.R2 (regression) predicts a weighted median of the stumps,
 *	  which is not a sum of trees: not implemented (the algorithm table says
 *	  classification only).
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

	tree_parse_options(in, &opt);
	tree_cart_params(&opt, in, 1.0, &p);
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
		total = cart_pairwise_sum(sw, n);
		if (!isfinite(total) || total <= 0.0)
			break;
		for (int64 i = 0; i < n; i++)
			sw[i] /= total;
		pgml_train_report_progress(r + 1, n_rounds);
		pgml_train_check_cancel();
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
	{
		double	   *imp = palloc0(sizeof(double) * in->n_features);
		double	   *one = palloc(sizeof(double) * in->n_features);

		for (int32 s = 0; s < n_kept; s++)
		{
			memset(one, 0, sizeof(double) * in->n_features);
			cart_importances(&stumps[s], in->n_features, true, one);
			for (int32 j = 0; j < in->n_features; j++)
				imp[j] += weight[s] * one[j] / total;
		}
		m->metrics_json = pgml_cart_format_importances(imp, in->n_features);
	}
	m->hyperparams_json = tree_options_json(&opt, &p, true);
	for (int32 s = 0; s < n_kept; s++)
		cart_tree_free(&stumps[s]);
}
