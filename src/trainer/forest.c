/*-------------------------------------------------------------------------
 *
 * forest.c
 *	  decision_tree, random_forest, extra_trees and bagging: averaged CART
 *	  trees (trainer_cart.h), as scikit-learn 1.2's DecisionTree*,
 *	  RandomForest*, ExtraTrees* and Bagging* with a decision tree.
 *
 *	  Seeds follow scikit-learn: a forest draws each tree's random_state
 *	  from RandomState(random_state); a tree's splitter seed is the first
 *	  draw of RandomState(its random_state), and its bootstrap sample the
 *	  draws of a fresh RandomState(its random_state).  Bagging draws one
 *	  seed per estimator first and derives the tree's random_state and the
 *	  bootstrap sample from it.  A bootstrap sample becomes sample weights
 *	  (how often each row was drawn), as scikit-learn does.  Without
 *	  random_state the job's seed stands in for it.
 *
 *	  Trees are grown in parallel (pgml_worker.nthread threads); each tree
 *	  only depends on its own seeds, so the model does not depend on the
 *	  thread count.
 *
 *	  The model: each tree becomes one tree of the image per output.  A
 *	  regression leaf holds mean / n_trees; a classification leaf the class
 *	  probability / n_trees (one output, the second class's, for two
 *	  classes; one per class otherwise), with output PGML_OUTPUT_PROBA: the
 *	  summed margins are the averaged probabilities scikit-learn's
 *	  predict_proba gives.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <pthread.h>

#include "lib/stringinfo.h"

#include "trainer_cart.h"
#include "trainer_tree_params.h"

/* numpy.iinfo(numpy.int32).max: the bound of every seed scikit-learn draws */
#define SK_MAX_INT 2147483647

typedef struct ForestFit
{
	const PgmlTrainInput *in;
	const TreeOptions *opt;
	const CartData *d;
	const double *y;
	const double *class_weight; /* [n_rows] expanded, or NULL */
	int32		n_trees;
	uint32	   *tree_state;		/* [n_trees] each tree's random_state */
	uint32	   *outer_seed;		/* bagging: the estimator's seed */
	int64		n_bootstrap;
	CartTree   *trees;
	CartParams	params;			/* min_weight_leaf set per tree */

	pthread_mutex_t lock;
	int32		next;
	int32		done;
	bool		failed;
} ForestFit;

/* compute_class_weight("balanced") over rows idx (NULL: all), expanded. */
static void
balanced_weights(const double *y, int64 n_rows, int32 n_classes,
				 const int64 *idx, int64 n_idx, double *w)
{
	double	   *count = calloc(n_classes, sizeof(double));
	int32		present = 0;

	if (count == NULL)
		return;
	for (int64 i = 0; i < n_idx; i++)
		count[(int32) y[idx ? idx[i] : i]] += 1.0;
	for (int32 k = 0; k < n_classes; k++)
		present += count[k] > 0.0;
	for (int64 i = 0; i < n_rows; i++)
	{
		double		c = count[(int32) y[i]];

		w[i] *= c > 0.0 ? (double) n_idx / (present * c) : 0.0;
	}
	free(count);
}

/* Grow tree t; false when out of memory. */
static bool
grow_one(ForestFit *f, int32 t)
{
	const CartData *d = f->d;
	int64		n = d->n_rows;
	double	   *w = NULL;
	uint32		split_seed;
	SkRandomState *rs = malloc(sizeof(SkRandomState));
	CartParams	p = f->params;
	double		total = (double) n;
	bool		ok;

	if (rs == NULL)
		return false;
	sk_rs_seed(rs, f->tree_state[t]);
	split_seed = (uint32) sk_rs_randint(rs, 0, SK_MAX_INT);
	if (f->opt->bootstrap)
	{
		int64	   *idx = malloc(sizeof(int64) * Max(f->n_bootstrap, 1));

		w = malloc(sizeof(double) * n);
		if (w == NULL || idx == NULL)
		{
			free(idx);
			free(w);
			free(rs);
			return false;
		}
		/* a fresh generator from the tree's (bagging: the estimator's) seed */
		sk_rs_seed(rs, f->outer_seed != NULL ? f->outer_seed[t] : f->tree_state[t]);
		for (int64 i = 0; i < n; i++)
			w[i] = 0.0;
		for (int64 i = 0; i < f->n_bootstrap; i++)
		{
			idx[i] = sk_rs_randint(rs, 0, n);
			w[idx[i]] += 1.0;
		}
		if (f->class_weight != NULL)
			for (int64 i = 0; i < n; i++)
				w[i] *= f->class_weight[i];
		if (f->opt->class_weight_name != NULL &&
			strcmp(f->opt->class_weight_name, "balanced_subsample") == 0)
			balanced_weights(f->y, n, d->n_classes, idx, f->n_bootstrap, w);
		free(idx);
	}
	else if (f->class_weight != NULL)
		w = (double *) f->class_weight;
	free(rs);
	if (w != NULL)
	{
		total = 0.0;
		for (int64 i = 0; i < n; i++)
			total += w[i];
	}
	p.min_weight_leaf = f->opt->min_weight_fraction_leaf * total;
	ok = cart_fit(d, f->y, w, &p, split_seed, &f->trees[t]);
	if (w != f->class_weight)
		free(w);
	return ok;
}

/*
 * Take the next tree and grow it: the trees done so far, or -1 when none
 * is left (or one failed).
 */
static int32
grow_next(ForestFit *f)
{
	int32		t;
	int32		done;
	bool		ok;

	pthread_mutex_lock(&f->lock);
	t = f->failed ? f->n_trees : f->next++;
	pthread_mutex_unlock(&f->lock);
	if (t >= f->n_trees)
		return -1;
	ok = grow_one(f, t);
	pthread_mutex_lock(&f->lock);
	if (!ok)
		f->failed = true;
	done = ++f->done;
	pthread_mutex_unlock(&f->lock);
	return done;
}

static void *
grow_trees(void *arg)
{
	while (grow_next((ForestFit *) arg) >= 0)
		;
	return NULL;
}

/* Grow every tree with nthread threads, this one included. */
static void
grow_all(ForestFit *f, int nthread)
{
	pthread_t  *th = palloc0(sizeof(pthread_t) * Max(nthread, 1));
	int			started = 0;

	pthread_mutex_init(&f->lock, NULL);
	for (int i = 1; i < nthread && i < f->n_trees; i++)
	{
		if (pthread_create(&th[i], NULL, grow_trees, f) != 0)
			break;
		started = i;
	}
	/* this thread grows trees too, and reports progress between them */
	for (;;)
	{
		int32		done = grow_next(f);

		if (done < 0)
			break;
		pgml_train_report_progress(done, f->n_trees);
	}
	for (int i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&f->lock);
	if (f->failed)
	{
		for (int32 t = 0; t < f->n_trees; t++)
			cart_tree_free(&f->trees[t]);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory growing the trees of %s", f->in->algorithm)));
	}
}

/* See trainer_cart.h. */
double *
pgml_cart_data(const PgmlTrainInput *in, int32 n_classes, CartData *d)
{
	double	   *y;

	d->xcol = pgml_cart_columns(in);
	d->n_rows = in->n_rows;
	d->n_features = in->n_features;
	d->n_classes = n_classes;
	d->n_outputs = 1;
	y = pgml_train_alloc(in->n_rows * Max(in->n_targets, 1), sizeof(double));
	memcpy(y, in->y, sizeof(double) * in->n_rows * Max(in->n_targets, 1));
	pgml_train_input_done(in);
	return y;
}

/* See trainer_cart.h. */
void
pgml_cart_grow(const PgmlTrainInput *in, const CartData *d, const double *y,
			   const double *w, const CartParams *p, uint32 seed, CartTree *tree)
{
	if (!cart_fit(d, y, w, p, seed, tree))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory growing the trees of %s", in->algorithm)));
}

/* See trainer_cart.h: the data of a fit, column-major. */
float *
pgml_cart_columns(const PgmlTrainInput *in)
{
	int64		n = in->n_rows;
	int32		nf = in->n_features;
	float	   *xcol = pgml_train_alloc((Size) n * nf, sizeof(float));

	for (int64 i = 0; i < n; i++)
	{
		const float *row = in->x + i * nf;

		for (int32 j = 0; j < nf; j++)
		{
			if (isnan(row[j]) || isinf(row[j]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("%s cannot train on missing or infinite feature values",
								in->algorithm),
						 errdetail("Row %lld of the relation has one in feature %d.",
								   (long long) pgml_train_row_number(in, i), j + 1),
						 errhint("Impute them with preprocess, or use algorithm xgboost, which takes missing values.")));
			xcol[(int64) j * n + i] = row[j];
		}
	}
	return xcol;
}

/* See trainer_cart.h. */
void
pgml_cart_model_trees(PgmlModel *m, CartTree *trees, int32 n_trees,
					  int32 n_groups, double scale, bool proba)
{
	int64		total = 0;
	int32		k = 0;
	int64		off = 0;

	for (int32 t = 0; t < n_trees; t++)
		total += trees[t].n_nodes;
	if (total * n_groups > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the trees have more than %d nodes", PG_INT32_MAX)));
	m->n_trees = n_trees * n_groups;
	m->n_nodes = (int32) (total * n_groups);
	m->tree_group = palloc(sizeof(int32) * m->n_trees);
	m->tree_offset = palloc(sizeof(int32) * (m->n_trees + 1));
	m->split_index = palloc(sizeof(int32) * m->n_nodes);
	m->split_cond = palloc(sizeof(float) * m->n_nodes);
	m->left_child = palloc(sizeof(int32) * m->n_nodes);
	m->right_child = palloc(sizeof(int32) * m->n_nodes);
	m->default_left = palloc(sizeof(bool) * m->n_nodes);
	for (int32 t = 0; t < n_trees; t++)
	{
		const CartTree *tr = &trees[t];

		for (int32 g = 0; g < n_groups; g++)
		{
			/* two classes: one output, the second class's probability */
			int32		c = n_groups == 1 && tr->n_values == 2 ? 1 : g;

			m->tree_group[k] = g;
			m->tree_offset[k++] = (int32) off;
			for (int32 i = 0; i < tr->n_nodes; i++)
			{
				const CartNode *nd = &tr->nodes[i];
				int64		at = off + i;

				m->left_child[at] = nd->left;
				m->right_child[at] = nd->right;
				if (nd->left >= 0)
				{
					m->split_index[at] = nd->feature;
					m->split_cond[at] = cart_float_threshold(nd->threshold);
					/* a missing value goes where most training rows went */
					m->default_left[at] = tr->nodes[nd->left].n_samples >=
						tr->nodes[nd->right].n_samples;
				}
				else
				{
					const double *v = tr->values + (int64) i * tr->n_values;
					double		leaf;

					if (proba)
					{
						double		sum = 0.0;

						for (int32 j = 0; j < tr->n_values; j++)
							sum += v[j];
						leaf = v[c] / (sum == 0.0 ? 1.0 : sum);
					}
					else
						leaf = v[tr->n_values > 1 ? c : 0];
					m->split_index[at] = 0;
					m->split_cond[at] = (float) (leaf * scale);
					m->default_left[at] = false;
				}
			}
			off += tr->n_nodes;
		}
	}
	m->tree_offset[k] = (int32) off;
}

/* See trainer_cart.h. */
void
pgml_cart_model_boosted(PgmlModel *m, const CartTree *trees, int32 n_trees, int32 K,
						const double *init)
{
	int32		n_base = K > 1 ? K : 0;
	CartTree   *all = palloc0(sizeof(CartTree) * (n_trees + n_base));

	for (int32 k = 0; k < n_base; k++)
	{
		all[k].n_nodes = 1;
		all[k].n_values = 1;
		all[k].nodes = palloc0(sizeof(CartNode));
		all[k].nodes[0].left = all[k].nodes[0].right = -1;
		all[k].values = palloc(sizeof(double));
		all[k].values[0] = init[k];
	}
	memcpy(all + n_base, trees, sizeof(CartTree) * n_trees);
	m->n_outputs = K;
	m->base_margin = K == 1 ? (float) init[0] : 0.0f;
	pgml_cart_model_trees(m, all, n_trees + n_base, 1, 1.0, false);
	for (int32 j = 0; j < n_trees + n_base; j++)
		m->tree_group[j] = j % K;
}

/* See trainer_cart.h. */
char *
pgml_cart_importances_json(const CartTree *trees, int64 n_trees, int32 n_features,
						   bool normalize_each)
{
	double	   *imp = palloc0(sizeof(double) * n_features);
	int64		n_used = 0;
	double		sum = 0.0;

	for (int64 t = 0; t < n_trees; t++)
		if (trees[t].n_nodes > 1)
		{
			cart_importances(&trees[t], n_features, normalize_each, imp);
			n_used++;
		}
	for (int32 j = 0; j < n_features; j++)
		sum += (imp[j] /= Max(n_used, 1));
	for (int32 j = 0; j < n_features && sum > 0.0; j++)
		imp[j] /= sum;
	return pgml_cart_format_importances(imp, n_features);
}

/* See trainer_cart.h. */
char *
pgml_cart_format_importances(const double *imp, int32 n_features)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"feature_importances\": [");
	for (int32 j = 0; j < n_features; j++)
		appendStringInfo(&buf, "%s%.17g", j ? ", " : "", imp[j]);
	appendStringInfoString(&buf, "]}");
	return buf.data;
}

/*
 * decision_tree, random_forest, extra_trees and bagging (algo); several
 * targets: one forest of multi-output trees.
 */
static void
forest_train(const PgmlTrainInput *in, PgmlModel *m, TreeAlgorithm algo)
{
	TreeOptions opt;
	ForestFit	f;
	CartData	d;
	bool		cls = in->task == PGML_TASK_CLASSIFICATION;
	double	   *y;
	double	   *cw = NULL;
	SkRandomState rs;
	uint32		seed;

	tree_parse_options(in, algo, &opt);

	memset(&f, 0, sizeof(f));
	f.in = in;
	f.opt = &opt;
	tree_cart_params(&opt, in, (double) in->n_rows, &f.params);
	if (opt.algorithm == TREE_BAGGING && f.params.max_features < in->n_features)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bagging on a subset of the features is not supported"),
				 errdetail("Each estimator of bagging sees every feature here."),
				 errhint("Use random_forest, which draws max_features features at each split.")));

	/* the data, column-major; the labels */
	y = pgml_cart_data(in, cls ? in->n_classes : 0, &d);
	/* several targets: scikit-learn's multi-output trees */
	if (!cls)
		d.n_outputs = Max(in->n_targets, 1);
	f.d = &d;
	f.y = y;

	if (cls && opt.class_weight_name != NULL &&
		strcmp(opt.class_weight_name, "balanced") == 0)
	{
		cw = pgml_train_alloc(in->n_rows, sizeof(double));
		for (int64 i = 0; i < in->n_rows; i++)
			cw[i] = 1.0;
		balanced_weights(y, in->n_rows, d.n_classes, NULL, in->n_rows, cw);
	}
	f.class_weight = cw;

	/* seeds, as scikit-learn draws them */
	seed = opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed;
	sk_rs_seed(&rs, seed);
	f.n_trees = opt.algorithm == TREE_DECISION_TREE ? 1 : (int32) opt.n_estimators;
	f.tree_state = palloc(sizeof(uint32) * f.n_trees);
	f.trees = palloc0(sizeof(CartTree) * f.n_trees);
	if (opt.algorithm == TREE_DECISION_TREE)
	{
		opt.bootstrap = false;
		f.tree_state[0] = seed;
	}
	else if (opt.algorithm == TREE_BAGGING)
	{
		SkRandomState est;

		f.outer_seed = palloc(sizeof(uint32) * f.n_trees);
		for (int32 t = 0; t < f.n_trees; t++)
			f.outer_seed[t] = (uint32) sk_rs_randint(&rs, 0, SK_MAX_INT);
		for (int32 t = 0; t < f.n_trees; t++)
		{
			sk_rs_seed(&est, f.outer_seed[t]);
			f.tree_state[t] = (uint32) sk_rs_randint(&est, 0, SK_MAX_INT);
		}
	}
	else
		for (int32 t = 0; t < f.n_trees; t++)
			f.tree_state[t] = (uint32) sk_rs_randint(&rs, 0, SK_MAX_INT);
	/* forests round a fraction of the rows, bagging truncates it */
	if (opt.max_samples.kind == TREE_COUNT_FRACTION && opt.algorithm == TREE_BAGGING)
		f.n_bootstrap = Max((int64) ((double) in->n_rows * opt.max_samples.value), 1);
	else if (opt.max_samples.kind == TREE_COUNT_FRACTION)
		f.n_bootstrap = Max((int64) round((double) in->n_rows * opt.max_samples.value), 1);
	else if (opt.max_samples.kind == TREE_COUNT_NUMBER)
	{
		if (opt.max_samples.value > in->n_rows)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_samples %.0f is more than the %lld training rows",
							opt.max_samples.value, (long long) in->n_rows),
					 errhint("Give at most %lld, or a fraction of the rows.", (long long) in->n_rows)));
		f.n_bootstrap = (int64) opt.max_samples.value;
	}
	else
		f.n_bootstrap = in->n_rows;

	grow_all(&f, Max(in->nthread, 1));

	/* the image's trees, and the importances */
	m->algorithm = PGML_ALGO_XGBOOST;
	m->base_margin = 0.0f;
	if (cls)
	{
		m->output = PGML_OUTPUT_PROBA;
		m->n_outputs = in->n_classes == 2 ? 1 : in->n_classes;
	}
	else
	{
		m->output = PGML_OUTPUT_IDENTITY;
		m->n_outputs = d.n_outputs;
	}
	pgml_cart_model_trees(m, f.trees, f.n_trees, m->n_outputs, 1.0 / f.n_trees, cls);

	/* importances: the mean of the normalized ones of trees that split */
	m->metrics_json = pgml_cart_importances_json(f.trees, f.n_trees, in->n_features, true);
	m->hyperparams_json = tree_options_json(&opt, &f.params, cls);
	for (int32 t = 0; t < f.n_trees; t++)
		cart_tree_free(&f.trees[t]);
}

/* See trainer_cart.h: the members of the forest family. */
void
pgml_decision_tree_train(const PgmlTrainInput *in, PgmlModel *m)
{
	forest_train(in, m, TREE_DECISION_TREE);
}

void
pgml_random_forest_train(const PgmlTrainInput *in, PgmlModel *m)
{
	forest_train(in, m, TREE_RANDOM_FOREST);
}

void
pgml_extra_trees_train(const PgmlTrainInput *in, PgmlModel *m)
{
	forest_train(in, m, TREE_EXTRA_TREES);
}

void
pgml_bagging_train(const PgmlTrainInput *in, PgmlModel *m)
{
	forest_train(in, m, TREE_BAGGING);
}
