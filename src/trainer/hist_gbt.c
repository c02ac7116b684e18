/*-------------------------------------------------------------------------
 *
 * hist_gbt.c
 *	  hist_gradient_boosting: scikit-learn 1.2's
 *	  HistGradientBoostingRegressor (squared error) and
 *	  HistGradientBoostingClassifier (log loss) on binned features.
 *
 *	  Binning: each feature's non-missing training values get at most
 *	  max_bins bins: midpoints between consecutive distinct values when there
 *	  are few enough, else NumPy's "midpoint" percentiles; a value goes to
 *	  the first bin whose threshold is >= it; NaN has a bin of its own.
 *	  Trees grow best first (the leaf of highest gain is split next) from
 *	  histograms of float32 gradients and hessians summed in double: a
 *	  node's histogram is summed over its rows, its larger child's is the
 *	  parent's minus the smaller child's.  A split scans the bins left to
 *	  right with missing values going right, and, for a feature that had
 *	  missing values, right to left with them going left; a feature without
 *	  missing values in training sends them, at predict time, to the child
 *	  that had more rows.  Leaves hold -G / (H + l2) times the learning rate.
 *	  Early stopping ("auto": on above 10,000 rows) holds out
 *	  validation_fraction of the rows and stops when the validation loss has
 *	  not improved by tol in n_iter_no_change iterations.
 *
 *	  A tree of the model splits on the bin's threshold, so the image needs
 *	  nothing new (missing values go left or right per node, as in XGBoost's
 *	  trees).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "lib/stringinfo.h"

#include "trainer_cart.h"
#include "trainer_tree_params.h"

#define HGB_MISSING_BIN 255		/* max_bins is at most 255 */
#define MIN_HESSIAN 1e-3

/*
 * Nodes of fewer rows build their histograms in one thread: an OpenMP
 * region per small node costs more than it saves, and on a busy server
 * (the trainer runs niced) every region waits for a thread that may not
 * be scheduled; measured 34 s instead of 2 s with all nodes parallel
 * while another process kept both CPUs busy.
 */
#define HGB_PARALLEL_ROWS 65536

typedef struct HistBin
{
	double		g;
	double		h;
	int64		count;
} HistBin;

/* A node of the tree being grown. */
typedef struct HNode
{
	int32		start;			/* its rows: rows[start, stop) */
	int32		stop;
	int32		depth;
	double		sum_g;
	double		sum_h;
	double		value;
	HistBin    *hist;			/* [n_features * 256], or NULL */
	/* best split */
	double		gain;
	int32		feature;
	int32		bin;
	bool		missing_left;
	double		gl,
				hl,
				gr,
				hr;
	/* the tree */
	bool		is_leaf;
	int32		left;
	int32		right;
} HNode;

typedef struct Grower
{
	const uint8 *bins;			/* [n_features * n_rows], column-major */
	int32		n_rows;
	int32		n_features;
	const uint8 *n_bins;		/* non-missing bins per feature */
	const bool *has_missing;
	const float *g;
	const float *h;				/* NULL: constant hessian 1 */
	int32	   *rows;			/* node rows, partitioned stably */
	int32	   *buf;
	HNode	   *nodes;
	int32		n_nodes;
	int32	  **heap;			/* splittable nodes (indexes) */
	int32		heap_len;
	int32		n_leaves;
	int32		min_samples_leaf;
	int32		max_depth;		/* 0: none */
	int32		max_leaf_nodes;	/* 0: none */
	double		l2;
	int			nthread;
	struct SplitCand *cands;	/* [n_features] */
	float	   *ordered_g;		/* [n_rows] a node's gradients, in order */
	float	   *ordered_h;
} Grower;

static inline double
node_value(double g, double h, double l2)
{
	return -g / (h + l2 + 1e-15);
}

/* The gain of a split: children's loss reduction, relative to the node's value. */
static inline double
split_gain(double gl, double hl, double gr, double hr, double g, double value, double l2)
{
	double		vl = node_value(gl, hl, l2);
	double		vr = node_value(gr, hr, l2);
	double		gain = g * value;

	/* in scikit-learn's order: a gain of noise (a pure node) keeps its sign */
	gain -= gl * vl;
	gain -= gr * vr;
	return gain;
}

static void
build_histogram(Grower *gw, HNode *n)
{
	int32		cnt = n->stop - n->start;
	const int32 *rows = gw->rows + n->start;
	float	   *og = gw->ordered_g;
	float	   *oh = gw->ordered_h;

	n->hist = palloc0(sizeof(HistBin) * gw->n_features * 256);
	/* the node's gradients in its rows' order, gathered once */
	for (int32 q = 0; q < cnt; q++)
	{
		og[q] = gw->g[rows[q]];
		if (gw->h)
			oh[q] = gw->h[rows[q]];
	}
#pragma omp parallel for if (cnt >= HGB_PARALLEL_ROWS) num_threads(gw->nthread) schedule(static)
	for (int32 f = 0; f < gw->n_features; f++)
	{
		const uint8 *col = gw->bins + (int64) f * gw->n_rows;
		HistBin    *hb = n->hist + f * 256;

		for (int32 q = 0; q < cnt; q++)
		{
			HistBin    *b = &hb[col[rows[q]]];

			b->g += og[q];
			b->count++;
		}
		if (gw->h)
			for (int32 q = 0; q < cnt; q++)
				hb[col[rows[q]]].h += oh[q];
		else
			for (int32 b = 0; b < 256; b++)
				hb[b].h = (double) hb[b].count;	/* hessian 1 each */
	}
}

/* The best split of one feature of a node. */
typedef struct SplitCand
{
	double		gain;
	int32		bin;
	bool		missing_left;
	double		gl;
	double		hl;
} SplitCand;

static inline void
take_split(SplitCand *c, double gain, int32 bin, bool missing_left,
		   double gl, double hl)
{
	c->gain = gain;
	c->bin = bin;
	c->missing_left = missing_left;
	c->gl = gl;
	c->hl = hl;
}

/*
 * The best split of n on feature f into *c (gain -1: none): bins scanned
 * left to right with missing values going right, then, for a feature that
 * had missing values, right to left with them going left; the first of
 * equal gains wins.
 */
static void
find_split_feature(const Grower *gw, const HNode *n, int32 f, SplitCand *c)
{
	const HistBin *hb = n->hist + f * 256;
	int64		count = n->stop - n->start;
	int32		nb = gw->n_bins[f];
	double		gl = 0,
				hl = 0;
	int64		cl = 0;
	int32		end = nb - 1 + (gw->has_missing[f] ? 1 : 0);

	c->gain = -1.0;
	for (int32 b = 0; b < end; b++)
	{
		double		gain;

		cl += hb[b].count;
		gl += hb[b].g;
		hl += hb[b].h;
		if (cl < gw->min_samples_leaf)
			continue;
		if (count - cl < gw->min_samples_leaf)
			break;
		if (hl < MIN_HESSIAN)
			continue;
		if (n->sum_h - hl < MIN_HESSIAN)
			break;
		gain = split_gain(gl, hl, n->sum_g - gl, n->sum_h - hl, n->sum_g, n->value, gw->l2);
		if (gain > c->gain && gain > 0.0)
			take_split(c, gain, b, false, gl, hl);
	}
	if (gw->has_missing[f])
	{
		double		gr = 0,
					hr = 0;
		int64		cr = 0;

		for (int32 b = nb - 1; b > 0; b--)
		{
			double		gain;

			cr += hb[b].count;
			gr += hb[b].g;
			hr += hb[b].h;
			if (cr < gw->min_samples_leaf)
				continue;
			if (count - cr < gw->min_samples_leaf)
				break;
			if (hr < MIN_HESSIAN)
				continue;
			if (n->sum_h - hr < MIN_HESSIAN)
				break;
			gain = split_gain(n->sum_g - gr, n->sum_h - hr, gr, hr, n->sum_g, n->value, gw->l2);
			if (gain > c->gain && gain > 0.0)
				take_split(c, gain, b - 1, true, n->sum_g - gr, n->sum_h - hr);
		}
	}
}

/*
 * The best split of n (gain <= 0: none): each feature's best, then the
 * first of the best in feature order, which is what one scan over the
 * features in order finds.  (A few thousand additions per node: not worth
 * threads.)
 */
static void
find_split(Grower *gw, HNode *n)
{
	SplitCand  *c = gw->cands;

	for (int32 f = 0; f < gw->n_features; f++)
		find_split_feature(gw, n, f, &c[f]);
	n->gain = -1.0;
	for (int32 f = 0; f < gw->n_features; f++)
		if (c[f].gain > n->gain && c[f].gain > 0.0)
		{
			n->gain = c[f].gain;
			n->feature = f;
			n->bin = c[f].bin;
			n->missing_left = c[f].missing_left;
			n->gl = c[f].gl;
			n->hl = c[f].hl;
			n->gr = n->sum_g - c[f].gl;
			n->hr = n->sum_h - c[f].hl;
		}
}

/* Python's heapq, ordered by gain (highest first), for the same ties. */
static inline bool
h_less(Grower *gw, int32 a, int32 b)
{
	return gw->nodes[a].gain > gw->nodes[b].gain;
}

static void
heap_siftdown(Grower *gw, int32 start, int32 pos)
{
	int32	   *h = *gw->heap;
	int32		item = h[pos];

	while (pos > start)
	{
		int32		parent = (pos - 1) >> 1;

		if (!h_less(gw, item, h[parent]))
			break;
		h[pos] = h[parent];
		pos = parent;
	}
	h[pos] = item;
}

static void
heap_push(Grower *gw, int32 node)
{
	(*gw->heap)[gw->heap_len++] = node;
	heap_siftdown(gw, 0, gw->heap_len - 1);
}

static int32
heap_pop(Grower *gw)
{
	int32	   *h = *gw->heap;
	int32		last = h[--gw->heap_len];
	int32		top;
	int32		pos = 0,
				child;

	if (gw->heap_len == 0)
		return last;
	top = h[0];
	h[0] = last;
	child = 1;
	while (child < gw->heap_len)
	{
		if (child + 1 < gw->heap_len && !h_less(gw, h[child], h[child + 1]))
			child++;
		h[pos] = h[child];
		pos = child;
		child = 2 * pos + 1;
	}
	h[pos] = last;
	heap_siftdown(gw, 0, pos);
	return top;
}

static int32
new_node(Grower *gw, int32 start, int32 stop, int32 depth, double g, double h, double value)
{
	HNode	   *n = &gw->nodes[gw->n_nodes];

	memset(n, 0, sizeof(*n));
	n->start = start;
	n->stop = stop;
	n->depth = depth;
	n->sum_g = g;
	n->sum_h = h;
	n->value = value;
	n->left = n->right = -1;
	return gw->n_nodes++;
}

static void
finalize_leaf(Grower *gw, int32 k)
{
	gw->nodes[k].is_leaf = true;
	gw->n_leaves++;
}

static void
compute_and_push(Grower *gw, int32 k)
{
	find_split(gw, &gw->nodes[k]);
	if (gw->nodes[k].gain <= 0.0)
		finalize_leaf(gw, k);
	else
		heap_push(gw, k);
}

/* Grow one tree; its nodes are gw->nodes[0 .. n_nodes). */
static void
grow(Grower *gw, double sum_g, double sum_h)
{
	int32		root;

	gw->n_nodes = 0;
	gw->heap_len = 0;
	gw->n_leaves = 0;
	for (int32 i = 0; i < gw->n_rows; i++)
		gw->rows[i] = i;
	root = new_node(gw, 0, gw->n_rows, 0, sum_g, sum_h, 0.0);
	if (gw->n_rows < 2 * gw->min_samples_leaf || sum_h < MIN_HESSIAN)
	{
		finalize_leaf(gw, root);
		return;
	}
	build_histogram(gw, &gw->nodes[root]);
	compute_and_push(gw, root);
	while (gw->heap_len > 0)
	{
		int32		k = heap_pop(gw);
		HNode	   *n = &gw->nodes[k];
		const uint8 *col = gw->bins + (int64) n->feature * gw->n_rows;
		int32		nl = 0,
					nr = 0;
		int32		l,
					r;
		int32		depth = n->depth + 1;
		int32		n_leaf_nodes = gw->n_leaves + gw->heap_len + 2;

		/* stable partition of the node's rows */
		for (int32 p = n->start; p < n->stop; p++)
		{
			int32		i = gw->rows[p];
			uint8		b = col[i];
			bool		go_left = b == HGB_MISSING_BIN ? n->missing_left : b <= n->bin;

			if (go_left)
				gw->rows[n->start + nl++] = i;
			else
				gw->buf[nr++] = i;
		}
		memcpy(gw->rows + n->start + nl, gw->buf, sizeof(int32) * nr);
		l = new_node(gw, n->start, n->start + nl, depth, n->gl, n->hl,
					 node_value(n->gl, n->hl, gw->l2));
		n = &gw->nodes[k];
		r = new_node(gw, n->start + nl, n->stop, depth, n->gr, n->hr,
					 node_value(n->gr, n->hr, gw->l2));
		n = &gw->nodes[k];
		n->left = l;
		n->right = r;
		if (!gw->has_missing[n->feature])
			n->missing_left = nl > nr;

		if (gw->max_leaf_nodes > 0 && n_leaf_nodes == gw->max_leaf_nodes)
		{
			finalize_leaf(gw, l);
			finalize_leaf(gw, r);
			while (gw->heap_len > 0)
				finalize_leaf(gw, (*gw->heap)[--gw->heap_len]);
			break;
		}
		if (gw->max_depth > 0 && depth == gw->max_depth)
		{
			finalize_leaf(gw, l);
			finalize_leaf(gw, r);
			continue;
		}
		if (nl < 2 * gw->min_samples_leaf)
			finalize_leaf(gw, l);
		if (nr < 2 * gw->min_samples_leaf)
			finalize_leaf(gw, r);
		if (!gw->nodes[l].is_leaf || !gw->nodes[r].is_leaf)
		{
			int32		small = nl < nr ? l : r;
			int32		large = small == l ? r : l;
			HNode	   *ps = &gw->nodes[small];
			HNode	   *pl = &gw->nodes[large];

			build_histogram(gw, ps);
			pl->hist = palloc(sizeof(HistBin) * gw->n_features * 256);
			for (int32 j = 0; j < gw->n_features * 256; j++)
			{
				pl->hist[j].g = n->hist[j].g - ps->hist[j].g;
				pl->hist[j].h = n->hist[j].h - ps->hist[j].h;
				pl->hist[j].count = n->hist[j].count - ps->hist[j].count;
			}
			if (!gw->nodes[l].is_leaf)
				compute_and_push(gw, l);
			if (!gw->nodes[r].is_leaf)
				compute_and_push(gw, r);
		}
		pfree(n->hist);
		n->hist = NULL;
	}
	for (int32 k = 0; k < gw->n_nodes; k++)
		if (gw->nodes[k].hist != NULL)
		{
			pfree(gw->nodes[k].hist);
			gw->nodes[k].hist = NULL;
		}
}

/* The numbers of numpy.percentile(v, q, method="midpoint") on sorted v. */
static double
percentile_midpoint(const double *v, int64 n, double q)
{
	double		idx = q / 100.0 * (double) (n - 1);
	int64		lo = (int64) floor(idx);

	if (idx == (double) lo || lo + 1 >= n)
		return v[lo];
	return v[lo + 1] - (v[lo + 1] - v[lo]) * 0.5;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Bin thresholds of one feature's values (NaN skipped): at most
 * max_bins - 1 of them, into thr; their number.
 */
static int32
bin_thresholds(const float *x, int64 n, int32 max_bins, double *thr,
			   double *work)
{
	int64		m = 0,
				u = 0;
	int32		nt = 0;

	for (int64 i = 0; i < n; i++)
	{
		float		v = x[i];

		if (!isnan(v))
			work[m++] = (double) v;
	}
	if (m == 0)
		return 0;
	qsort(work, m, sizeof(double), cmp_double);
	for (int64 i = 0; i < m; i++)
		if (i == 0 || work[i] != work[i - 1])
			u++;
	if (u <= max_bins)
	{
		double		prev = work[0];

		for (int64 i = 1; i < m; i++)
			if (work[i] != prev)
			{
				double		mid = prev + work[i];

				thr[nt++] = Min(mid * 0.5, DBL_MAX);
				prev = work[i];
			}
		return nt;
	}
	for (int32 k = 1; k < max_bins; k++)
	{
		double		q = 100.0 * (double) k / (double) max_bins;

		thr[nt++] = Min(percentile_midpoint(work, m, q), DBL_MAX);
	}
	return nt;
}

/* The bin of v: the first threshold >= v; NaN: the missing bin. */
static inline uint8
bin_of(float v, const double *thr, int32 nt)
{
	int32		lo = 0,
				hi = nt;

	if (isnan(v))
		return HGB_MISSING_BIN;
	while (lo < hi)
	{
		int32		mid = lo + (hi - lo - 1) / 2;

		if ((double) v <= thr[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return (uint8) lo;
}

/* The loss of raw predictions (mean over rows): what early stopping watches. */
static double
mean_loss(const double *y, const double *raw, const int32 *rows, int32 n, int32 K, bool cls)
{
	double		s = 0.0;

	for (int32 p = 0; p < n; p++)
	{
		int32		i = rows[p];
		const double *r = raw + (int64) i * K;

		if (!cls)
			s += 0.5 * (y[i] - r[0]) * (y[i] - r[0]);
		else if (K == 1)
			s += (r[0] > 0 ? r[0] + log1p(exp(-r[0])) : log1p(exp(r[0]))) - y[i] * r[0];
		else
		{
			double		mx = r[0],
						e = 0.0;

			for (int32 k = 1; k < K; k++)
				mx = Max(mx, r[k]);
			for (int32 k = 0; k < K; k++)
				e += exp(r[k] - mx);
			s += log(e) + mx - r[(int32) y[i]];
		}
	}
	return s / n;
}

/* See trainer_cart.h. */
void
pgml_hist_gbt_train(const PgmlTrainInput *in, PgmlModel *m)
{
	TreeOptions opt;
	bool		cls = in->task == PGML_TASK_CLASSIFICATION;
	int64		n_all = in->n_rows;
	int32		nf = in->n_features;
	int32		K = cls && in->n_classes > 2 ? in->n_classes : 1;
	int32		max_bins;
	double	   *y;
	uint8	   *bins;
	uint8	   *n_bins;
	bool	   *has_missing;
	double	  **thr;
	int32		n_train,
				n_val = 0;
	int32	   *train_rows,
			   *val_rows = NULL;
	bool		early;
	double	   *raw;
	float	   *g,
			   *h;
	double		init[PGML_MAX_CLASSES];
	Grower		gw;
	int32	   *heap;
	SkRandomState rs;
	CartTree   *trees;
	int32		n_trees = 0;
	double	   *scores;
	int32		n_iter = 0;
	double	   *imp = palloc0(sizeof(double) * in->n_features);

	tree_parse_options(in, TREE_HIST_GRADIENT_BOOSTING, &opt);
	max_bins = (int32) opt.max_bins;
	y = pgml_train_alloc(n_all, sizeof(double));
	memcpy(y, in->y, sizeof(double) * n_all);

	/* the validation rows, when early stopping is on */
	early = strcmp(opt.early_stopping_name, "auto") == 0 ? n_all > 10000 :
		strcmp(opt.early_stopping_name, "true") == 0;
	sk_rs_seed(&rs, opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed);
	train_rows = pgml_train_alloc(n_all, sizeof(int32));
	if (early)
	{
		/* a shuffled permutation: the first ceil(f * n) rows validate */
		int32	   *perm = pgml_train_alloc(n_all, sizeof(int32));
		SkRandomState split_rs;

		sk_rs_seed(&split_rs, (uint32) sk_rs_randint(&rs, 0, PG_UINT32_MAX));
		for (int32 i = 0; i < n_all; i++)
			perm[i] = i;
		for (int32 i = (int32) n_all - 1; i > 0; i--)
		{
			int32		j = (int32) sk_rs_randint(&split_rs, 0, (int64) i + 1);
			int32		t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		n_val = (int32) ceil(opt.validation_fraction * (double) n_all);
		if (n_val < 1 || n_val >= n_all)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("validation_fraction %g leaves no rows to %s",
							opt.validation_fraction, n_val < 1 ? "validate on" : "train on"),
					 errdetail("The training set has %lld rows.", (long long) n_all),
					 errhint("Give a smaller validation_fraction, or \"early_stopping\": false.")));
		val_rows = perm;
		n_train = (int32) n_all - n_val;
		memcpy(train_rows, perm + n_val, sizeof(int32) * n_train);
	}
	else
	{
		n_train = (int32) n_all;
		for (int32 i = 0; i < n_train; i++)
			train_rows[i] = i;
	}

	/* bins from the training rows; every row binned */
	bins = pgml_train_alloc((Size) n_all * nf, sizeof(uint8));
	n_bins = palloc(nf);
	has_missing = palloc0(nf);
	thr = palloc(sizeof(double *) * nf);
	{
		float	   *colbuf = pgml_train_alloc(n_train, sizeof(float));
		double	   *work = pgml_train_alloc(n_train, sizeof(double));

		for (int32 f = 0; f < nf; f++)
		{
			int32		nt;

			thr[f] = palloc(sizeof(double) * max_bins);
			for (int32 p = 0; p < n_train; p++)
				colbuf[p] = in->x[(int64) train_rows[p] * nf + f];
			nt = bin_thresholds(colbuf, n_train, max_bins, thr[f], work);
			n_bins[f] = (uint8) (nt + 1);
			for (int64 i = 0; i < n_all; i++)
			{
				uint8		b = bin_of(in->x[i * nf + f], thr[f], nt);

				bins[(int64) f * n_all + i] = b;
			}
			for (int32 p = 0; p < n_train; p++)
				if (bins[(int64) f * n_all + train_rows[p]] == HGB_MISSING_BIN)
					has_missing[f] = true;
		}
		pfree(colbuf);
		pfree(work);
	}
	pgml_train_input_done(in);

	/* the training rows' bins, contiguous, for the grower */
	{
		uint8	   *tb = pgml_train_alloc((Size) n_train * nf, sizeof(uint8));

		for (int32 f = 0; f < nf; f++)
			for (int32 p = 0; p < n_train; p++)
				tb[(int64) f * n_train + p] = bins[(int64) f * n_all + train_rows[p]];
		memset(&gw, 0, sizeof(gw));
		gw.bins = tb;
	}
	gw.n_rows = n_train;
	gw.n_features = nf;
	gw.n_bins = n_bins;
	gw.has_missing = has_missing;
	gw.rows = pgml_train_alloc(n_train, sizeof(int32));
	gw.buf = pgml_train_alloc(n_train, sizeof(int32));
	gw.min_samples_leaf = (int32) opt.min_samples_leaf_hg;
	gw.max_depth = opt.max_depth < 0 ? 0 : (int32) opt.max_depth;
	gw.max_leaf_nodes = opt.max_leaf_nodes < 0 ? 0 : (int32) opt.max_leaf_nodes;
	gw.l2 = opt.l2_regularization;
	gw.nthread = Max(in->nthread, 1);
	gw.cands = palloc(sizeof(SplitCand) * nf);
	gw.ordered_g = pgml_train_alloc(n_train, sizeof(float));
	gw.ordered_h = pgml_train_alloc(n_train, sizeof(float));
	gw.nodes = palloc(sizeof(HNode) * (2 * (Size) Max(n_train, 1) + 1));
	heap = palloc(sizeof(int32) * (2 * (Size) Max(n_train, 1) + 1));
	gw.heap = &heap;

	/* the baseline: mean, log odds, or centred log priors */
	{
		double		prior[PGML_MAX_CLASSES] = {0};
		double		eps = DBL_EPSILON;

		if (!cls)
		{
			double		s = 0.0;

			for (int32 p = 0; p < n_train; p++)
				s += y[train_rows[p]];
			init[0] = s / n_train;
		}
		else
		{
			for (int32 p = 0; p < n_train; p++)
				prior[(int32) y[train_rows[p]]] += 1.0;
			for (int32 k = 0; k < in->n_classes; k++)
				prior[k] = Min(Max(prior[k] / n_train, eps), 1.0 - eps);
			if (K == 1)
				init[0] = log(prior[1] / (1.0 - prior[1]));
			else
			{
				double		mean = 0.0;

				for (int32 k = 0; k < K; k++)
					mean += log(prior[k]);
				mean /= K;
				for (int32 k = 0; k < K; k++)
					init[k] = log(prior[k]) - mean;
			}
		}
	}
	raw = pgml_train_alloc((Size) n_all * K, sizeof(double));
	for (int64 i = 0; i < n_all; i++)
		for (int32 k = 0; k < K; k++)
			raw[i * K + k] = init[k];
	g = pgml_train_alloc((Size) n_train * K, sizeof(float));
	h = cls ? pgml_train_alloc((Size) n_train * K, sizeof(float)) : NULL;
	scores = palloc(sizeof(double) * ((int32) opt.n_estimators + 1));
	/* the iterations' trees; tree t is of class t mod K */
	trees = palloc0(sizeof(CartTree) * ((Size) opt.n_estimators * K));
	if (early)
		scores[0] = -mean_loss(y, raw, val_rows, n_val, K, cls);

	for (int32 it = 0; it < (int32) opt.n_estimators; it++)
	{
		/* gradients and hessians of the training rows, float32 */
#pragma omp parallel for num_threads(gw.nthread) schedule(static)
		for (int32 p = 0; p < n_train; p++)
		{
			int32		i = train_rows[p];
			const double *r = raw + (int64) i * K;

			if (!cls)
				g[p] = (float) (r[0] - y[i]);
			else if (K == 1)
			{
				double		pr = 1.0 / (1.0 + exp(-r[0]));

				g[(int64) p] = (float) (pr - y[i]);
				h[(int64) p] = (float) (pr * (1.0 - pr));
			}
			else
			{
				double		mx = r[0],
							sum = 0.0;

				for (int32 k = 1; k < K; k++)
					mx = Max(mx, r[k]);
				for (int32 k = 0; k < K; k++)
					sum += exp(r[k] - mx);
				for (int32 k = 0; k < K; k++)
				{
					double		pr = exp(r[k] - mx) / sum;

					g[(int64) k * n_train + p] = (float) (pr - ((int32) y[i] == k ? 1.0 : 0.0));
					h[(int64) k * n_train + p] = (float) (pr * (1.0 - pr));
				}
			}
		}
		for (int32 k = 0; k < K; k++)
		{
			double		sg = 0.0,
						sh = 0.0;
			CartTree   *t = &trees[n_trees++];

			gw.g = g + (int64) k * n_train;
			gw.h = h ? h + (int64) k * n_train : NULL;
			for (int32 p = 0; p < n_train; p++)
			{
				sg += gw.g[p];
				sh += gw.h ? gw.h[p] : 1.0;
			}
			grow(&gw, sg, sh);

			/* the tree, as the CART engine's: thresholds in the feature's units */
			t->n_nodes = gw.n_nodes;
			t->n_values = 1;
			t->nodes = palloc0(sizeof(CartNode) * gw.n_nodes);
			t->values = palloc0(sizeof(double) * gw.n_nodes);
			for (int32 j = 0; j < gw.n_nodes; j++)
			{
				HNode	   *hn = &gw.nodes[j];
				CartNode   *cn = &t->nodes[j];

				cn->n_samples = hn->stop - hn->start;
				if (hn->is_leaf || hn->left < 0)
				{
					cn->left = cn->right = -1;
					t->values[j] = hn->value * opt.learning_rate;
					/* the training rows of the leaf move by its value */
					for (int32 p = hn->start; p < hn->stop; p++)
						raw[(int64) train_rows[gw.rows[p]] * K + k] += t->values[j];
					continue;
				}
				cn->left = hn->left;
				cn->right = hn->right;
				cn->feature = hn->feature;
				imp[hn->feature] += hn->gain;
				cn->threshold = hn->bin == n_bins[hn->feature] - 1 ? INFINITY :
					thr[hn->feature][hn->bin];
				/* where missing values go: the engine's rule is "the bigger child" */
				cn->weighted_n = hn->missing_left ? 1.0 : -1.0;
			}
			/* the validation rows walk the new tree */
			for (int32 p = 0; p < n_val; p++)
			{
				int32		i = val_rows[p];
				int32		j = 0;

				while (t->nodes[j].left >= 0)
				{
					uint8		b = bins[(int64) t->nodes[j].feature * n_all + i];
					bool		go_left = b == HGB_MISSING_BIN ? t->nodes[j].weighted_n > 0 :
						b <= gw.nodes[j].bin;

					j = go_left ? t->nodes[j].left : t->nodes[j].right;
				}
				raw[(int64) i * K + k] += t->values[j];
			}
		}
		n_iter = it + 1;
		pgml_train_report_progress(n_iter, (int32) opt.n_estimators);
		pgml_train_check_cancel();
		if (early)
		{
			int32		ref = (int32) opt.n_iter_no_change + 1;
			bool		better = false;

			scores[n_iter] = -mean_loss(y, raw, val_rows, n_val, K, cls);
			if (n_iter + 1 >= ref)
			{
				double		reference = scores[n_iter + 1 - ref] + opt.tol;

				for (int32 s = n_iter + 2 - ref; s <= n_iter; s++)
					better |= scores[s] > reference;
				if (!better)
					break;
			}
		}
	}

	/* the model */
	m->algorithm = PGML_ALGO_XGBOOST;
	m->output = !cls ? PGML_OUTPUT_IDENTITY : K == 1 ? PGML_OUTPUT_SIGMOID : PGML_OUTPUT_SOFTMAX;
	pgml_cart_model_boosted(m, trees, n_trees, K, init);
	/* missing values: as each split decided, not by the bigger child */
	for (int32 j = 0; j < n_trees; j++)
	{
		int32		t = j + (K > 1 ? K : 0);	/* after the baselines */

		for (int32 q = 0; q < trees[j].n_nodes; q++)
			if (trees[j].nodes[q].left >= 0)
				m->default_left[m->tree_offset[t] + q] = trees[j].nodes[q].weighted_n > 0;
	}
	{
		/* importances: each feature's share of the gain of all splits */
		double		sum = 0.0;
		char	   *json;

		for (int32 j = 0; j < nf; j++)
			sum += imp[j];
		for (int32 j = 0; j < nf && sum > 0.0; j++)
			imp[j] /= sum;
		json = pgml_cart_format_importances(imp, nf);
		/* ... and the iterations done (fewer than max_iter: stopped early) */
		json[strlen(json) - 1] = '\0';
		m->metrics_json = psprintf("%s, \"n_iter\": %d}", json, n_iter);
	}
	m->hyperparams_json = tree_options_json(&opt, NULL, cls);
}
