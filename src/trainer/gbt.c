/*-------------------------------------------------------------------------
 *
 * gbt.c
 *	  gradient_boosting_trees: scikit-learn 1.2's GradientBoostingRegressor
 *	  (squared error) and GradientBoostingClassifier (log loss: binomial
 *	  for two classes, multinomial with one tree per class and stage
 *	  otherwise) on the CART engine (trainer_cart.h).
 *
 *	  Each stage fits regression trees (friedman_mse by default) to the
 *	  negative gradient; for log loss each leaf then takes one Newton step
 *	  (sum of residuals over sum of p(1 - p), times (K - 1) / K for K
 *	  classes), summed as NumPy sums (pairwise) over the leaf's in-bag rows
 *	  in row order.  The initial prediction is the mean, or the log odds /
 *	  log of the class prior.  With subsample < 1 each stage draws its rows
 *	  as scikit-learn's _random_sample_mask; trees draw their splitter seeds
 *	  from the same RandomState, in the same order.
 *
 *	  The model: leaves hold learning_rate * value; the initial prediction
 *	  is the base margin (one output), or a one-leaf tree per class.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "trainer_cart.h"
#include "trainer_tree_params.h"

#define SK_MAX_INT 2147483647

/* scipy.special.expit */
static inline double
expit(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

/* The initial raw predictions, [K]. */
static void
initial_raw(const double *y, int64 n, int32 n_classes, bool cls, int32 K, double *init)
{
	double		eps = FLT_EPSILON;

	if (!cls)
	{
		/* numpy.average with weights 1: the pairwise sum of y over n */
		init[0] = cart_pairwise_sum(y, n) / (double) n;
		return;
	}
	{
		double	   *prior = palloc0(sizeof(double) * n_classes);
		double		total = 0.0;

		for (int64 i = 0; i < n; i++)
			prior[(int32) y[i]] += 1.0;
		for (int32 k = 0; k < n_classes; k++)
			total += prior[k];
		for (int32 k = 0; k < n_classes; k++)
		{
			prior[k] /= total;
			prior[k] = Min(Max(prior[k], eps), 1.0 - eps);
		}
		if (K == 1)
			init[0] = log(prior[1] / (1.0 - prior[1]));
		else
			for (int32 k = 0; k < K; k++)
				init[k] = log(prior[k]);
		pfree(prior);
	}
}

/* See trainer_cart.h. */
void
pgml_gbt_train(const PgmlTrainInput *in, PgmlModel *m)
{
	TreeOptions opt;
	CartParams	p;
	CartData	d;
	bool		cls = in->task == PGML_TASK_CLASSIFICATION;
	int64		n = in->n_rows;
	int32		K = cls && in->n_classes > 2 ? in->n_classes : 1;
	int32		n_stages;
	double	   *y;
	double	   *raw;			/* [n * K] */
	double	   *raw_start;		/* [n * K] a stage's start (multinomial) */
	double	   *residual;
	double	   *target;			/* multinomial: y == k */
	double	   *w;
	double	   *num,
			   *den;
	int32	   *leaf_of;
	int64	   *order;
	double		init[PGML_MAX_CLASSES];
	CartTree   *trees;
	SkRandomState rs;
	int64		n_inbag;
	double		total_w;

	tree_parse_options(in, TREE_GRADIENT_BOOSTING, &opt);
	tree_cart_params(&opt, in, (double) n, &p);
	n_stages = (int32) opt.n_estimators;

	y = pgml_cart_data(in, 0, &d);	/* the trees are regression trees */

	raw = pgml_train_alloc((Size) n * K, sizeof(double));
	raw_start = K > 1 ? pgml_train_alloc((Size) n * K, sizeof(double)) : NULL;
	residual = pgml_train_alloc(n, sizeof(double));
	target = K > 1 ? pgml_train_alloc(n, sizeof(double)) : NULL;
	w = pgml_train_alloc(n, sizeof(double));
	num = pgml_train_alloc(n, sizeof(double));
	den = pgml_train_alloc(n, sizeof(double));
	leaf_of = pgml_train_alloc(n, sizeof(int32));
	order = pgml_train_alloc(n, sizeof(int64));
	trees = palloc0(sizeof(CartTree) * (Size) n_stages * K);

	initial_raw(y, n, in->n_classes, cls, K, init);
	for (int64 i = 0; i < n; i++)
		for (int32 k = 0; k < K; k++)
			raw[i * K + k] = init[k];

	sk_rs_seed(&rs, opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed);
	n_inbag = (int64) (opt.subsample * (double) n);
	for (int64 i = 0; i < n; i++)
		w[i] = 1.0;
	total_w = (double) n;

	for (int32 s = 0; s < n_stages; s++)
	{
		if (opt.subsample < 1.0)
		{
			/* _random_sample_mask: n uniform draws, then a selection pass */
			int64		bagged = 0;

			for (int64 i = 0; i < n; i++)
				num[i] = sk_rs_random(&rs);
			total_w = 0.0;
			for (int64 i = 0; i < n; i++)
			{
				bool		in_bag = num[i] * (double) (n - i) < (double) (n_inbag - bagged);

				w[i] = in_bag ? 1.0 : 0.0;
				bagged += in_bag;
				total_w += w[i];
			}
		}
		if (K > 1)
			memcpy(raw_start, raw, sizeof(double) * n * K);
		for (int32 k = 0; k < K; k++)
		{
			CartTree   *tree = &trees[(int64) s * K + k];
			const double *yk = y;
			uint32		seed;
			int32		nl;
			int64	   *start;

			/* the negative gradient */
			for (int64 i = 0; i < n; i++)
			{
				if (!cls)
					residual[i] = y[i] - raw[i];
				else if (K == 1)
					residual[i] = y[i] - expit(raw[i]);
				else
				{
					const double *r = raw_start + i * K;
					double		mx = r[0];
					double		sum;
					double		ex[PGML_MAX_CLASSES];

					/* scipy's logsumexp: NumPy's (pairwise) sum of the exps */
					for (int32 j = 1; j < K; j++)
						mx = Max(mx, r[j]);
					for (int32 j = 0; j < K; j++)
						ex[j] = exp(r[j] - mx);
					sum = cart_pairwise_sum(ex, K);
					target[i] = (int32) y[i] == k ? 1.0 : 0.0;
					residual[i] = target[i] - exp(r[k] - (log(sum) + mx));
				}
			}
			if (K > 1)
				yk = target;

			seed = (uint32) sk_rs_randint(&rs, 0, SK_MAX_INT);
			p.min_weight_leaf = opt.min_weight_fraction_leaf * total_w;
			pgml_cart_grow(in, &d, residual, opt.subsample < 1.0 ? w : NULL, &p, seed, tree);

			for (int64 i = 0; i < n; i++)
				leaf_of[i] = cart_apply(tree, &d, i);

			if (cls)
			{
				/*
				 * A Newton step per leaf over its in-bag rows, in row order:
				 * group the rows by leaf (a counting sort keeps row order).
				 */
				nl = tree->n_nodes;
				start = palloc0(sizeof(int64) * (nl + 1));
				for (int64 i = 0; i < n; i++)
					if (w[i] != 0.0)
						start[leaf_of[i] + 1]++;
				for (int32 j = 0; j < nl; j++)
					start[j + 1] += start[j];
				{
					int64	   *fill = palloc(sizeof(int64) * (nl + 1));

					memcpy(fill, start, sizeof(int64) * (nl + 1));
					for (int64 i = 0; i < n; i++)
						if (w[i] != 0.0)
							order[fill[leaf_of[i]]++] = i;
					pfree(fill);
				}
				for (int32 j = 0; j < nl; j++)
				{
					int64		c = start[j + 1] - start[j];
					double		nsum,
								dsum;

					if (tree->nodes[j].left >= 0)
						continue;
					for (int64 q = 0; q < c; q++)
					{
						int64		i = order[start[j] + q];
						double		r = residual[i];

						num[q] = w[i] * r;
						den[q] = w[i] * (yk[i] - r) * (1.0 - yk[i] + r);
					}
					nsum = cart_pairwise_sum(num, c);
					if (K > 1)
						nsum *= (double) (K - 1) / (double) K;
					dsum = cart_pairwise_sum(den, c);
					tree->values[j] = fabs(dsum) < 1e-150 ? 0.0 : nsum / dsum;
				}
				pfree(start);
			}
			for (int64 i = 0; i < n; i++)
				raw[i * K + k] += opt.learning_rate * tree->values[leaf_of[i]];
		}
		pgml_train_report_progress(s + 1, n_stages);
		pgml_train_check_cancel();
	}

	/* the model: the initial prediction, then every tree (leaves scaled) */
	for (int64 t = 0; t < (int64) n_stages * K; t++)
		for (int32 j = 0; j < trees[t].n_nodes; j++)
			trees[t].values[j] *= opt.learning_rate;
	m->algorithm = PGML_ALGO_XGBOOST;
	m->output = !cls ? PGML_OUTPUT_IDENTITY : K == 1 ? PGML_OUTPUT_SIGMOID : PGML_OUTPUT_SOFTMAX;
	pgml_cart_model_boosted(m, trees, n_stages * K, K, init);

	/* importances: the mean of the unnormalized ones of trees that split */
	m->metrics_json = pgml_cart_importances_json(trees, (int64) n_stages * K,
												 in->n_features, false);
	m->hyperparams_json = tree_options_json(&opt, &p, cls);
	for (int64 t = 0; t < (int64) n_stages * K; t++)
		cart_tree_free(&trees[t]);
}
