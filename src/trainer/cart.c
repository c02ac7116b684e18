/*-------------------------------------------------------------------------
 *
 * cart.c
 *	  The CART engine of the tree family (trainer_cart.h): grow one decision
 *	  tree as scikit-learn 1.2 grows it.
 *
 *	  A tree is grown over `samples`, the rows of nonzero weight; a node is
 *	  a range [start, end) of it.  Splitting a node draws features in
 *	  scikit-learn's order (a Fisher-Yates draw over an array of feature
 *	  numbers that persists from node to node, constant features set
 *	  aside), and for each drawn feature either sorts the node's values and
 *	  scans every boundary between two distinct values ("best"), or draws
 *	  one threshold between the node's minimum and maximum ("random").  The
 *	  best proxy improvement wins; equal ones keep the first.  The node's
 *	  samples are then partitioned around the winner.  Criteria keep
 *	  weighted sums and update them from whichever end is nearer, as
 *	  scikit-learn does, so that its sums and ours add the same numbers in
 *	  the same order.
 *
 *	  Everything here is malloc'd and thread-safe (forest.c grows trees in
 *	  parallel); failure to allocate is a false return, never an error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "trainer_cart.h"

/* scikit-learn's constants */
#define CART_EPSILON DBL_EPSILON
#define FEATURE_THRESHOLD 1e-7

/* ----------------------------------------------------------------------
 * Criteria
 * ---------------------------------------------------------------------- */

typedef struct Criterion
{
	CartCriterion kind;
	int32		nv;				/* classes, or the regression targets
								 * (y[i * nv + k]: scikit-learn's
								 * multi-output trees) */
	const double *y;
	const double *w;			/* NULL: 1 */
	const int32 *samples;
	int64		start;
	int64		end;
	int64		pos;
	double		weighted_n_samples; /* the whole tree's */
	double		weighted_n_node;
	double		weighted_n_left;
	double		weighted_n_right;
	double		sq_sum_total;
	double	   *sum_total;
	double	   *sum_left;
	double	   *sum_right;
} Criterion;

static inline bool
crit_classification(const Criterion *c)
{
	return c->kind == CART_GINI || c->kind == CART_ENTROPY;
}

static inline double
weight_of(const Criterion *c, int32 i)
{
	return c->w != NULL ? c->w[i] : 1.0;
}

static void
crit_reset(Criterion *c)
{
	c->pos = c->start;
	c->weighted_n_left = 0.0;
	c->weighted_n_right = c->weighted_n_node;
	memset(c->sum_left, 0, sizeof(double) * c->nv);
	memcpy(c->sum_right, c->sum_total, sizeof(double) * c->nv);
}

static void
crit_reverse_reset(Criterion *c)
{
	c->pos = c->end;
	c->weighted_n_left = c->weighted_n_node;
	c->weighted_n_right = 0.0;
	memset(c->sum_right, 0, sizeof(double) * c->nv);
	memcpy(c->sum_left, c->sum_total, sizeof(double) * c->nv);
}

/* The node [start, end): its sums. */
static void
crit_init(Criterion *c, int64 start, int64 end)
{
	c->start = start;
	c->end = end;
	c->weighted_n_node = 0.0;
	c->sq_sum_total = 0.0;
	memset(c->sum_total, 0, sizeof(double) * c->nv);
	for (int64 p = start; p < end; p++)
	{
		int32		i = c->samples[p];
		double		w = weight_of(c, i);

		if (crit_classification(c))
			c->sum_total[(int32) c->y[i]] += w;
		else
			for (int32 k = 0; k < c->nv; k++)
			{
				double		y = c->y[(int64) i * c->nv + k];
				double		wy = w * y;

				c->sum_total[k] += wy;
				c->sq_sum_total += wy * y;
			}
		c->weighted_n_node += w;
	}
	crit_reset(c);
}

/*
 * Sample i's weighted targets into sum_left (sign 1) or out of it (-1): the
 * inner loop of the split search, with one target (the usual case) on its
 * own path.
 */
static inline void
move_sample(Criterion *c, int32 i, double w, double sign)
{
	if (crit_classification(c))
		c->sum_left[(int32) c->y[i]] += sign * w;
	else if (c->nv == 1)
		c->sum_left[0] += sign * (w * c->y[i]);
	else
		for (int32 k = 0; k < c->nv; k++)
			c->sum_left[k] += sign * (w * c->y[(int64) i * c->nv + k]);
	c->weighted_n_left += sign * w;
}

/* Move the boundary to new_pos, from whichever end is nearer. */
static void
crit_update(Criterion *c, int64 new_pos)
{
	if (new_pos - c->pos <= c->end - new_pos)
	{
		for (int64 p = c->pos; p < new_pos; p++)
			move_sample(c, c->samples[p], weight_of(c, c->samples[p]), 1.0);
	}
	else
	{
		crit_reverse_reset(c);
		for (int64 p = c->end - 1; p >= new_pos; p--)
			move_sample(c, c->samples[p], weight_of(c, c->samples[p]), -1.0);
	}
	c->weighted_n_right = c->weighted_n_node - c->weighted_n_left;
	for (int32 k = 0; k < c->nv; k++)
		c->sum_right[k] = c->sum_total[k] - c->sum_left[k];
	c->pos = new_pos;
}

/* log base 2, as scikit-learn's entropy */
static inline double
log2_of(double x)
{
	return log(x) / log(2.0);
}

/* Impurity of class counts sum[nv] of total weight wn. */
static double
class_impurity(const Criterion *c, const double *sum, double wn)
{
	double		v = 0.0;

	if (c->kind == CART_GINI)
	{
		double		sq = 0.0;

		for (int32 k = 0; k < c->nv; k++)
			sq += sum[k] * sum[k];
		return 1.0 - sq / (wn * wn);
	}
	for (int32 k = 0; k < c->nv; k++)
	{
		double		p = sum[k];

		if (p > 0.0)
		{
			p /= wn;
			v -= p * log2_of(p);
		}
	}
	return v;
}

static double
crit_node_impurity(const Criterion *c)
{
	double		v;

	if (crit_classification(c))
		return class_impurity(c, c->sum_total, c->weighted_n_node);
	v = c->sq_sum_total / c->weighted_n_node;
	for (int32 k = 0; k < c->nv; k++)
		v -= pow(c->sum_total[k] / c->weighted_n_node, 2.0);
	return v / c->nv;
}

static void
crit_children_impurity(const Criterion *c, double *left, double *right)
{
	double		sq_left = 0.0;

	if (crit_classification(c))
	{
		*left = class_impurity(c, c->sum_left, c->weighted_n_left);
		*right = class_impurity(c, c->sum_right, c->weighted_n_right);
		return;
	}
	for (int64 p = c->start; p < c->pos; p++)
	{
		int32		i = c->samples[p];
		double		w = weight_of(c, i);

		for (int32 k = 0; k < c->nv; k++)
		{
			double		y = c->y[(int64) i * c->nv + k];

			sq_left += w * y * y;
		}
	}
	*left = sq_left / c->weighted_n_left;
	*right = (c->sq_sum_total - sq_left) / c->weighted_n_right;
	for (int32 k = 0; k < c->nv; k++)
	{
		*left -= pow(c->sum_left[k] / c->weighted_n_left, 2.0);
		*right -= pow(c->sum_right[k] / c->weighted_n_right, 2.0);
	}
	*left /= c->nv;
	*right /= c->nv;
}

/* What the split search maximizes: an affine function of the decrease. */
static double
crit_proxy(const Criterion *c)
{
	double		l = 0.0,
				r = 0.0;

	switch (c->kind)
	{
		case CART_SQUARED_ERROR:
			for (int32 k = 0; k < c->nv; k++)
			{
				l += c->sum_left[k] * c->sum_left[k];
				r += c->sum_right[k] * c->sum_right[k];
			}
			return l / c->weighted_n_left + r / c->weighted_n_right;
		case CART_FRIEDMAN_MSE:
			for (int32 k = 0; k < c->nv; k++)
			{
				l += c->sum_left[k];
				r += c->sum_right[k];
			}
			l = c->weighted_n_right * l - c->weighted_n_left * r;
			return l * l / (c->weighted_n_left * c->weighted_n_right);
		case CART_GINI:
		case CART_ENTROPY:
			crit_children_impurity(c, &l, &r);
			return -c->weighted_n_right * r - c->weighted_n_left * l;
	}
	return 0.0;
}

/* The weighted impurity decrease of the split at pos. */
static double
crit_improvement(const Criterion *c, double parent, double left, double right)
{
	if (c->kind == CART_FRIEDMAN_MSE)
	{
		double		l = 0.0,
					r = 0.0,
					d;

		for (int32 k = 0; k < c->nv; k++)
		{
			l += c->sum_left[k];
			r += c->sum_right[k];
		}
		d = c->weighted_n_right * l - c->weighted_n_left * r;

		return d * d / (c->weighted_n_left * c->weighted_n_right * c->weighted_n_node);
	}
	return (c->weighted_n_node / c->weighted_n_samples) *
		(parent - c->weighted_n_right / c->weighted_n_node * right -
		 c->weighted_n_left / c->weighted_n_node * left);
}

/* ----------------------------------------------------------------------
 * Sorting a node's values, with their samples (introsort, three-way)
 *
 * The algorithm is scikit-learn's (median of three, three-way partition,
 * heapsort past 2 log2 n levels: its tree code's log is base 2), so that samples of equal values end in
 * the same order and later sums add in the same order.  Values and
 * samples travel together in one 8-byte item: one swap instead of two.
 * ---------------------------------------------------------------------- */

typedef struct SortItem
{
	float		v;
	int32		s;
} SortItem;

static inline void
swap_items(SortItem *a, int64 i, int64 j)
{
	SortItem	t = a[i];

	a[i] = a[j];
	a[j] = t;
}

static inline float
median3(const SortItem *a, int64 n)
{
	float		x = a[0].v,
				y = a[n / 2].v,
				z = a[n - 1].v;

	if (x < y)
	{
		if (y < z)
			return y;
		return x < z ? z : x;
	}
	if (y < z)
		return x < z ? x : z;
	return y;
}

static void
sift_down(SortItem *a, int64 start, int64 end)
{
	int64		root = start;

	for (;;)
	{
		int64		child = root * 2 + 1;
		int64		mx = root;

		if (child < end && a[mx].v < a[child].v)
			mx = child;
		if (child + 1 < end && a[mx].v < a[child + 1].v)
			mx = child + 1;
		if (mx == root)
			return;
		swap_items(a, root, mx);
		root = mx;
	}
}

static void
heap_sort(SortItem *a, int64 n)
{
	int64		start = (n - 2) / 2;

	for (;;)
	{
		sift_down(a, start, n);
		if (start == 0)
			break;
		start--;
	}
	for (int64 end = n - 1; end > 0; end--)
	{
		swap_items(a, 0, end);
		sift_down(a, 0, end);
	}
}

/*
 * Sort a[n] (n <= SMALL_SORT) by insertion if its values are distinct, and
 * say so; else leave it as it was and return false.  Distinct values have
 * one sorted order, so that whatever the introsort would do (partitions,
 * heapsort past its depth) ends in the same permutation: only equal values
 * can end in an order of the algorithm's own.
 */
#define SMALL_SORT 16

static bool
sort_distinct_small(SortItem *a, int64 n)
{
	SortItem	orig[SMALL_SORT];

	memcpy(orig, a, sizeof(SortItem) * n);
	for (int64 i = 1; i < n; i++)
	{
		SortItem	t = a[i];
		int64		j = i;

		while (j > 0 && a[j - 1].v > t.v)
		{
			a[j] = a[j - 1];
			j--;
		}
		a[j] = t;
	}
	for (int64 i = 1; i < n; i++)
		if (a[i].v == a[i - 1].v)
		{
			memcpy(a, orig, sizeof(SortItem) * n);
			return false;
		}
	return true;
}

static void
intro_sort(SortItem *a, int64 n, int maxd)
{
	while (n > 1)
	{
		float		pivot;
		int64		i = 0,
					l = 0,
					r = n;

		if (n > 2 && n <= SMALL_SORT && sort_distinct_small(a, n))
			return;
		if (maxd <= 0)
		{
			heap_sort(a, n);
			return;
		}

		/*
		 * Two values: the median of three is the second, and the partition
		 * swaps them only if the first is greater (equal ones keep their
		 * order), at no cost of a call.  (Past the depth limit the heapsort
		 * above would swap equal ones: hence after it.)
		 */
		if (n == 2)
		{
			if (a[0].v > a[1].v)
				swap_items(a, 0, 1);
			return;
		}
		maxd--;
		pivot = median3(a, n);
		while (i < r)
		{
			if (a[i].v < pivot)
				swap_items(a, i++, l++);
			else if (a[i].v > pivot)
				swap_items(a, i, --r);
			else
				i++;
		}
		intro_sort(a, l, maxd);
		a += r;
		n -= r;
	}
}

static void
sort_items(SortItem *a, int64 n)
{
	if (n > 0)
		intro_sort(a, n, 2 * (int) log2_of((double) n));
}

/*
 * Sorting when the order of equal values does not matter (see
 * Builder.any_order): a least-significant-digit radix sort, four passes of
 * eight bits over the values' bits mapped to unsigned integers of the same
 * order (negative values' bits flipped, positive values' sign bit set;
 * -0 sorts before +0, which the split search takes as equal).  Passes in
 * which every value has the same digit are skipped.  Below RADIX_MIN
 * values the introsort is faster.
 */
#define RADIX_MIN 256

static inline uint32
radix_key(float v)
{
	uint32		u;

	memcpy(&u, &v, sizeof(u));
	return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

/* Sort a[n] (n < 2^32); tmp[n] is scratch.  Returns a or tmp, sorted. */
static SortItem *
radix_sort_items(SortItem *a, SortItem *tmp, int64 n)
{
	uint32		count[4][256];
	SortItem   *src = a,
			   *dst = tmp;

	memset(count, 0, sizeof(count));
	for (int64 i = 0; i < n; i++)
	{
		uint32		k = radix_key(a[i].v);

		count[0][k & 0xff]++;
		count[1][(k >> 8) & 0xff]++;
		count[2][(k >> 16) & 0xff]++;
		count[3][k >> 24]++;
	}
	for (int pass = 0; pass < 4; pass++)
	{
		int			shift = 8 * pass;
		uint32		offset[256];
		uint32		sum = 0;
		SortItem   *t;

		if (count[pass][(radix_key(src[0].v) >> shift) & 0xff] == (uint32) n)
			continue;
		for (int d = 0; d < 256; d++)
		{
			offset[d] = sum;
			sum += count[pass][d];
		}
		for (int64 i = 0; i < n; i++)
			dst[offset[(radix_key(src[i].v) >> shift) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	return src;
}

/* ----------------------------------------------------------------------
 * The splitter
 * ---------------------------------------------------------------------- */

static inline void
swap2(float *xf, int32 *s, int64 i, int64 j)
{
	float		t = xf[i];
	int32		u = s[i];

	xf[i] = xf[j];
	xf[j] = t;
	s[i] = s[j];
	s[j] = u;
}

typedef struct Split
{
	int32		feature;
	int64		pos;
	double		threshold;
	double		improvement;
	double		impurity_left;
	double		impurity_right;
} Split;

typedef struct Builder
{
	const CartData *d;
	const CartParams *p;
	Criterion	crit;
	int32	   *samples;
	int64		n_samples;
	float	   *xf;
	SortItem   *items;
	SortItem   *items_tmp;		/* radix_sort_items' scratch, or NULL */

	/*
	 * May samples of equal values end in any order?  Yes when the
	 * criterion's sums are exact whatever the order: class counts of
	 * integral weights (no weights, or a bootstrap's counts).  Then the
	 * tree is scikit-learn's whatever order its sort leaves equal values
	 * in, and a radix sort serves large nodes.
	 */
	bool		any_order;
	int32	   *features;
	int32	   *constant_features;
	uint32		rand_state;
	CartTree   *tree;
} Builder;

/*
 * Feature f's column.  The loops over a node read it through a local
 * pointer: with -fno-strict-aliasing (PostgreSQL's flags) a store to xf or
 * samples could change b->d as far as the compiler knows, and x_at's loads
 * of b->d, xcol and n_rows would be repeated for every sample.
 */
static inline const float *
column_of(const Builder *b, int32 f)
{
	return b->d->xcol + (int64) f * b->d->n_rows;
}

/* scikit-learn's rand_int and rand_uniform */
static inline int32
rand_int(int32 low, int32 high, uint32 *state)
{
	return low + (int32) (sk_rand_r(state) % (uint32) (high - low));
}

static inline double
rand_uniform(double low, double high, uint32 *state)
{
	return (high - low) * (double) sk_rand_r(state) / (double) SK_RAND_R_MAX + low;
}

/*
 * The drawn feature features[f_j] is constant in the node: it joins the
 * constants at the front, which later draws skip.
 */
static inline void
set_aside_constant(int32 *features, int32 f_j, int32 *n_found, int32 *n_total)
{
	int32		f = features[f_j];

	features[f_j] = features[*n_total];
	features[*n_total] = f;
	(*n_found)++;
	(*n_total)++;
}

/* The drawn feature features[f_j] was searched: it moves behind f_i. */
static inline void
mark_visited(int32 *features, int32 f_j, int32 *f_i)
{
	int32		f = features[f_j];

	(*f_i)--;
	features[f_j] = features[*f_i];
	features[*f_i] = f;
}

/* Move the samples of [start, end) with x <= threshold of f to the front. */
static void
partition(Builder *b, int64 start, int64 end, int32 f, double threshold)
{
	const float *col = column_of(b, f);
	int32	   *samples = b->samples;
	int64		p = start,
				pe = end;

	while (p < pe)
	{
		if ((double) col[samples[p]] <= threshold)
			p++;
		else
		{
			int32		t = samples[--pe];

			samples[pe] = samples[p];
			samples[p] = t;
		}
	}
}

/*
 * Search the best split of [start, end) whose impurity is `impurity`;
 * *n_constant is the number of features known constant (in, out).
 * split->pos == end: no split.
 */
static void
node_split(Builder *b, int64 start, int64 end, double impurity, Split *best,
		   int32 *n_constant)
{
	const CartParams *p = b->p;
	Criterion  *c = &b->crit;
	int32	   *features = b->features;
	float	   *xf = b->xf;
	int32	   *samples = b->samples;
	double		best_proxy = -INFINITY;
	int32		f_i = b->d->n_features;
	int32		n_visited = 0,
				n_found_constants = 0,
				n_drawn_constants = 0,
				n_known_constants = *n_constant,
				n_total_constants = *n_constant;
	int32		cur_feature = -1;

	best->feature = 0;
	best->pos = end;
	best->threshold = 0.0;
	best->improvement = -INFINITY;
	best->impurity_left = best->impurity_right = INFINITY;

	while (f_i > n_total_constants &&
		   (n_visited < p->max_features ||
			n_visited <= n_found_constants + n_drawn_constants))
	{
		int32		f_j;
		int32		t;

		n_visited++;
		f_j = rand_int(n_drawn_constants, f_i - n_found_constants, &b->rand_state);
		if (f_j < n_known_constants)
		{
			t = features[n_drawn_constants];
			features[n_drawn_constants] = features[f_j];
			features[f_j] = t;
			n_drawn_constants++;
			continue;
		}
		f_j += n_found_constants;
		cur_feature = features[f_j];

		if (!p->random_splits)
		{
			SortItem   *items = b->items;
			const SortItem *sorted;
			const float *col = column_of(b, cur_feature);

			for (int64 q = start; q < end; q++)
			{
				items[q].v = col[samples[q]];
				items[q].s = samples[q];
			}
			if (b->any_order && end - start >= RADIX_MIN)
				sorted = radix_sort_items(items + start, b->items_tmp + start,
										  end - start) - start;
			else
			{
				sort_items(items + start, end - start);
				sorted = items;
			}
			for (int64 q = start; q < end; q++)
			{
				xf[q] = sorted[q].v;
				samples[q] = sorted[q].s;
			}
			if ((double) xf[end - 1] <= (double) xf[start] + FEATURE_THRESHOLD)
			{
				set_aside_constant(features, f_j, &n_found_constants, &n_total_constants);
				continue;
			}
			mark_visited(features, f_j, &f_i);

			crit_reset(c);
			for (int64 q = start; q < end;)
			{
				double		proxy;

				while (q + 1 < end && (double) xf[q + 1] <= (double) xf[q] + FEATURE_THRESHOLD)
					q++;
				q++;
				if (q >= end)
					break;
				if (q - start < p->min_samples_leaf || end - q < p->min_samples_leaf)
					continue;
				crit_update(c, q);
				if (c->weighted_n_left < p->min_weight_leaf ||
					c->weighted_n_right < p->min_weight_leaf)
					continue;
				proxy = crit_proxy(c);
				if (proxy > best_proxy)
				{
					double		thr = (double) xf[q - 1] / 2.0 + (double) xf[q] / 2.0;

					if (thr == (double) xf[q] || isinf(thr))
						thr = (double) xf[q - 1];
					best_proxy = proxy;
					best->feature = cur_feature;
					best->pos = q;
					best->threshold = thr;
				}
			}
		}
		else
		{
			const float *col = column_of(b, cur_feature);
			float		mn,
						mx;
			double		thr;
			int64		q,
						pe;

			mn = mx = col[samples[start]];
			xf[start] = mn;
			for (q = start + 1; q < end; q++)
			{
				float		v = col[samples[q]];

				xf[q] = v;
				if (v < mn)
					mn = v;
				else if (v > mx)
					mx = v;
			}
			if ((double) mx <= (double) mn + FEATURE_THRESHOLD)
			{
				set_aside_constant(features, f_j, &n_found_constants, &n_total_constants);
				continue;
			}
			mark_visited(features, f_j, &f_i);

			thr = rand_uniform((double) mn, (double) mx, &b->rand_state);
			if (thr == (double) mx)
				thr = (double) mn;
			q = start;
			pe = end;
			while (q < pe)
			{
				if ((double) xf[q] <= thr)
					q++;
				else
					swap2(xf, samples, q, --pe);
			}
			if (pe - start < p->min_samples_leaf || end - pe < p->min_samples_leaf)
				continue;
			crit_reset(c);
			crit_update(c, pe);
			if (c->weighted_n_left < p->min_weight_leaf ||
				c->weighted_n_right < p->min_weight_leaf)
				continue;
			{
				double		proxy = crit_proxy(c);

				if (proxy > best_proxy)
				{
					best_proxy = proxy;
					best->feature = cur_feature;
					best->pos = pe;
					best->threshold = thr;
				}
			}
		}
	}

	if (best->pos < end)
	{
		/* the random splitter's last partition may be the winner's */
		if (!p->random_splits || cur_feature != best->feature)
			partition(b, start, end, best->feature, best->threshold);
		crit_reset(c);
		crit_update(c, best->pos);
		crit_children_impurity(c, &best->impurity_left, &best->impurity_right);
		best->improvement = crit_improvement(c, impurity, best->impurity_left,
											 best->impurity_right);
	}

	/* constant features keep their order for the children and siblings */
	memcpy(features, b->constant_features, sizeof(int32) * n_known_constants);
	memcpy(b->constant_features + n_known_constants, features + n_known_constants,
		   sizeof(int32) * n_found_constants);
	*n_constant = n_total_constants;
}

/* ----------------------------------------------------------------------
 * The tree
 * ---------------------------------------------------------------------- */

/* Append a node; -1 when out of memory. */
static int32
add_node(Builder *b, int32 parent, bool is_left, bool is_leaf, const Split *s,
		 double impurity, int64 n, double wn)
{
	CartTree   *t = b->tree;
	CartNode   *node;
	int32		id;

	if (t->n_nodes == t->capacity)
	{
		int32		cap = t->capacity < 64 ? 64 : t->capacity * 2;
		CartNode   *nodes = realloc(t->nodes, sizeof(CartNode) * cap);
		double	   *values;

		if (nodes == NULL)
			return -1;
		t->nodes = nodes;
		values = realloc(t->values, sizeof(double) * cap * t->n_values);
		if (values == NULL)
			return -1;
		t->values = values;
		t->capacity = cap;
	}
	id = t->n_nodes++;
	node = &t->nodes[id];
	node->left = node->right = -1;
	node->feature = is_leaf ? -1 : s->feature;
	node->threshold = is_leaf ? 0.0 : s->threshold;
	node->impurity = impurity;
	node->n_samples = n;
	node->weighted_n = wn;
	if (parent >= 0)
	{
		if (is_left)
			t->nodes[parent].left = id;
		else
			t->nodes[parent].right = id;
	}
	/* the node's value: class counts, or the mean of each target */
	if (crit_classification(&b->crit))
		memcpy(t->values + (int64) id * t->n_values, b->crit.sum_total,
			   sizeof(double) * t->n_values);
	else
		for (int32 k = 0; k < t->n_values; k++)
			t->values[(int64) id * t->n_values + k] =
				b->crit.sum_total[k] / b->crit.weighted_n_node;
	return id;
}

/* Make room for need elements of elsize bytes in *arr (doubling); false when out of memory. */
static bool
ensure_room(void **arr, int64 *cap, int64 need, Size elsize)
{
	void	   *grown;

	if (need <= *cap)
		return true;
	grown = realloc(*arr, elsize * (Size) (*cap * 2));
	if (grown == NULL)
		return false;
	*arr = grown;
	*cap *= 2;
	return true;
}

typedef struct StackRecord
{
	int64		start;
	int64		end;
	int32		depth;
	int32		parent;
	bool		is_left;
	double		impurity;
	int32		n_constant;
} StackRecord;

static bool
build_depth_first(Builder *b)
{
	const CartParams *p = b->p;
	StackRecord *stack;
	int64		top = 0;
	int64		cap = 64;
	bool		first = true;
	bool		ok = true;

	stack = malloc(sizeof(StackRecord) * cap);
	if (stack == NULL)
		return false;
	stack[top++] = (StackRecord)
	{
		0, b->n_samples, 0, -1, false, INFINITY, 0
	};
	while (top > 0)
	{
		StackRecord r = stack[--top];
		int64		n = r.end - r.start;
		double		impurity = r.impurity;
		Split		split;
		bool		is_leaf;
		int32		id;
		int32		n_constant = r.n_constant;

		crit_init(&b->crit, r.start, r.end);
		is_leaf = r.depth >= p->max_depth || n < p->min_samples_split ||
			n < 2 * p->min_samples_leaf ||
			b->crit.weighted_n_node < 2 * p->min_weight_leaf;
		if (first)
		{
			impurity = crit_node_impurity(&b->crit);
			first = false;
		}
		is_leaf = is_leaf || impurity <= CART_EPSILON;
		split.pos = r.end;
		if (!is_leaf)
		{
			node_split(b, r.start, r.end, impurity, &split, &n_constant);
			is_leaf = split.pos >= r.end ||
				split.improvement + CART_EPSILON < p->min_impurity_decrease;
		}
		id = add_node(b, r.parent, r.is_left, is_leaf, &split, impurity, n,
					  b->crit.weighted_n_node);
		if (id < 0)
		{
			ok = false;
			break;
		}
		if (is_leaf)
			continue;
		if (!ensure_room((void **) &stack, &cap, top + 2, sizeof(StackRecord)))
		{
			ok = false;
			break;
		}
		stack[top++] = (StackRecord)
		{
			split.pos, r.end, r.depth + 1, id, false, split.impurity_right, n_constant
		};
		stack[top++] = (StackRecord)
		{
			r.start, split.pos, r.depth + 1, id, true, split.impurity_left, n_constant
		};
	}
	free(stack);
	return ok;
}

/* A node of the best-first frontier. */
typedef struct Frontier
{
	int32		node;
	int64		start;
	int64		end;
	int64		pos;
	int32		depth;
	bool		is_leaf;
	double		impurity_left;
	double		impurity_right;
	double		improvement;
} Frontier;

/*
 * A max-heap by improvement with the exact moves of the C++ standard
 * library's push_heap and pop_heap (scikit-learn's frontier), so that
 * equal improvements come out in the same order.
 */
static inline bool
fr_less(const Frontier *a, const Frontier *b)
{
	return a->improvement < b->improvement;
}

static void
heap_push_up(Frontier *h, int64 hole, int64 top, Frontier v)
{
	int64		parent = (hole - 1) / 2;

	while (hole > top && fr_less(&h[parent], &v))
	{
		h[hole] = h[parent];
		hole = parent;
		parent = (hole - 1) / 2;
	}
	h[hole] = v;
}

static void
heap_push(Frontier *h, int64 len)
{
	heap_push_up(h, len - 1, 0, h[len - 1]);
}

/* Move the largest to h[len - 1]. */
static void
heap_pop(Frontier *h, int64 len)
{
	Frontier	v;
	int64		hole = 0,
				child = 0,
				n;

	if (len <= 1)
		return;
	n = len - 1;
	v = h[n];
	h[n] = h[0];
	while (child < (n - 1) / 2)
	{
		child = 2 * (child + 1);
		if (fr_less(&h[child], &h[child - 1]))
			child--;
		h[hole] = h[child];
		hole = child;
	}
	if ((n & 1) == 0 && child == (n - 2) / 2)
	{
		child = 2 * (child + 1);
		h[hole] = h[child - 1];
		hole = child - 1;
	}
	heap_push_up(h, hole, 0, v);
}

/* Make node [start, end) and its best split; -1 when out of memory. */
static int32
add_split_node(Builder *b, int64 start, int64 end, double impurity, bool first,
			   bool is_left, int32 parent, int32 depth, Frontier *res)
{
	const CartParams *p = b->p;
	int64		n = end - start;
	Split		split;
	bool		is_leaf;
	int32		n_constant = 0;
	int32		id;

	crit_init(&b->crit, start, end);
	if (first)
		impurity = crit_node_impurity(&b->crit);
	is_leaf = depth >= p->max_depth || n < p->min_samples_split ||
		n < 2 * p->min_samples_leaf ||
		b->crit.weighted_n_node < 2 * p->min_weight_leaf ||
		impurity <= CART_EPSILON;
	split.pos = end;
	if (!is_leaf)
	{
		node_split(b, start, end, impurity, &split, &n_constant);
		is_leaf = split.pos >= end ||
			split.improvement + CART_EPSILON < p->min_impurity_decrease;
	}
	id = add_node(b, parent, is_left, is_leaf, &split, impurity, n,
				  b->crit.weighted_n_node);
	if (id < 0)
		return -1;
	res->node = id;
	res->start = start;
	res->end = end;
	res->depth = depth;
	res->is_leaf = is_leaf;
	if (is_leaf)
	{
		res->pos = end;
		res->improvement = 0.0;
		res->impurity_left = res->impurity_right = impurity;
	}
	else
	{
		res->pos = split.pos;
		res->improvement = split.improvement;
		res->impurity_left = split.impurity_left;
		res->impurity_right = split.impurity_right;
	}
	return id;
}

static bool
build_best_first(Builder *b)
{
	int32		max_split_nodes = b->p->max_leaf_nodes - 1;
	int64		len = 0,
				cap = 64;
	Frontier   *h = malloc(sizeof(Frontier) * cap);
	bool		ok = true;

	if (h == NULL)
		return false;
	if (add_split_node(b, 0, b->n_samples, INFINITY, true, true, -1, 0, &h[0]) < 0)
	{
		free(h);
		return false;
	}
	heap_push(h, ++len);
	while (len > 0)
	{
		Frontier	r;
		CartNode   *node;

		heap_pop(h, len);
		r = h[--len];
		node = &b->tree->nodes[r.node];
		if (r.is_leaf || max_split_nodes <= 0)
		{
			node->left = node->right = -1;
			node->feature = -1;
			node->threshold = 0.0;
			continue;
		}
		max_split_nodes--;
		if (!ensure_room((void **) &h, &cap, len + 2, sizeof(Frontier)))
		{
			ok = false;
			break;
		}
		if (add_split_node(b, r.start, r.pos, r.impurity_left, false, true,
						   r.node, r.depth + 1, &h[len]) < 0 ||
			add_split_node(b, r.pos, r.end, r.impurity_right, false, false,
						   r.node, r.depth + 1, &h[len + 1]) < 0)
		{
			ok = false;
			break;
		}
		heap_push(h, ++len);
		heap_push(h, ++len);
	}
	free(h);
	return ok;
}

/* See trainer_cart.h. */
bool
cart_fit(const CartData *d, const double *y, const double *w,
		 const CartParams *p, uint32 seed, CartTree *tree)
{
	Builder		b;
	int32		nv = d->n_classes > 0 ? d->n_classes : Max(d->n_outputs, 1);
	bool		ok;

	memset(tree, 0, sizeof(*tree));
	tree->n_values = nv;
	memset(&b, 0, sizeof(b));
	b.d = d;
	b.p = p;
	b.tree = tree;
	b.rand_state = seed;
	b.samples = malloc(sizeof(int32) * Max(d->n_rows, 1));
	b.xf = malloc(sizeof(float) * Max(d->n_rows, 1));
	b.items = malloc(sizeof(SortItem) * Max(d->n_rows, 1));
	b.features = malloc(sizeof(int32) * d->n_features);
	b.constant_features = malloc(sizeof(int32) * d->n_features);
	b.crit.sum_total = malloc(sizeof(double) * nv * 3);
	ok = b.samples && b.xf && b.items && b.features && b.constant_features && b.crit.sum_total;
	if (ok && (p->criterion == CART_GINI || p->criterion == CART_ENTROPY) &&
		!p->random_splits && d->n_rows >= RADIX_MIN)
	{
		double		total = 0.0;

		b.any_order = true;
		for (int64 i = 0; w != NULL && i < d->n_rows && b.any_order; i++)
		{
			total += w[i];
			b.any_order = w[i] >= 0.0 && w[i] == floor(w[i]);
		}
		b.any_order = b.any_order && total <= 9007199254740992.0;	/* 2^53 */
		if (b.any_order)
		{
			b.items_tmp = malloc(sizeof(SortItem) * d->n_rows);
			ok = b.items_tmp != NULL;
		}
	}
	if (ok)
	{
		b.crit.sum_left = b.crit.sum_total + nv;
		b.crit.sum_right = b.crit.sum_total + 2 * nv;
		b.crit.kind = p->criterion;
		b.crit.nv = nv;
		b.crit.y = y;
		b.crit.w = w;
		b.crit.samples = b.samples;
		b.crit.weighted_n_samples = 0.0;
		for (int64 i = 0; i < d->n_rows; i++)
		{
			if (w != NULL && w[i] == 0.0)
				continue;
			b.samples[b.n_samples++] = (int32) i;
			b.crit.weighted_n_samples += w != NULL ? w[i] : 1.0;
		}
		for (int32 f = 0; f < d->n_features; f++)
			b.features[f] = f;
		if (b.n_samples == 0)
			ok = false;
		else if (p->max_leaf_nodes > 0)
			ok = build_best_first(&b);
		else
			ok = build_depth_first(&b);
	}
	free(b.samples);
	free(b.xf);
	free(b.items);
	free(b.items_tmp);
	free(b.features);
	free(b.constant_features);
	free(b.crit.sum_total);
	if (!ok)
		cart_tree_free(tree);
	return ok;
}

/* See trainer_cart.h. */
void
cart_tree_free(CartTree *tree)
{
	free(tree->nodes);
	free(tree->values);
	tree->nodes = NULL;
	tree->values = NULL;
	tree->n_nodes = tree->capacity = 0;
}

/* See trainer_cart.h. */
int32
cart_apply(const CartTree *tree, const CartData *d, int64 row)
{
	int32		k = 0;

	while (tree->nodes[k].left >= 0)
	{
		const CartNode *n = &tree->nodes[k];

		k = (double) d->xcol[(int64) n->feature * d->n_rows + row] <= n->threshold ?
			n->left : n->right;
	}
	return k;
}

/* See trainer_cart.h. */
void
cart_importances(const CartTree *tree, int32 n_features, bool normalize,
				 double *imp)
{
	double	   *v = calloc(n_features, sizeof(double));
	double		sum = 0.0;

	if (v == NULL || tree->n_nodes == 0)
	{
		free(v);
		return;
	}
	for (int32 k = 0; k < tree->n_nodes; k++)
	{
		const CartNode *n = &tree->nodes[k];
		const CartNode *l,
				   *r;

		if (n->left < 0)
			continue;
		l = &tree->nodes[n->left];
		r = &tree->nodes[n->right];
		v[n->feature] += n->weighted_n * n->impurity -
			l->weighted_n * l->impurity - r->weighted_n * r->impurity;
	}
	for (int32 f = 0; f < n_features; f++)
	{
		v[f] /= tree->nodes[0].weighted_n;
		sum += v[f];
	}
	for (int32 f = 0; f < n_features; f++)
		imp[f] += (normalize && sum > 0.0) ? v[f] / sum : v[f];
	free(v);
}

/* See trainer_cart.h. */
double
cart_pairwise_sum(const double *a, int64 n)
{
	if (n < 8)
	{
		double		s = 0.0;

		for (int64 i = 0; i < n; i++)
			s += a[i];
		return s;
	}
	if (n <= 128)
	{
		double		r[8];
		double		s;
		int64		i;

		for (int j = 0; j < 8; j++)
			r[j] = a[j];
		for (i = 8; i < n - (n % 8); i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			s += a[i];
		return s;
	}
	{
		int64		n2 = n / 2;

		n2 -= n2 % 8;
		return cart_pairwise_sum(a, n2) + cart_pairwise_sum(a + n2, n - n2);
	}
}

/* See trainer_cart.h. */
float
cart_float_threshold(double threshold)
{
	float		f = (float) threshold;

	/* the largest float32 not above the threshold, then the next one up */
	if ((double) f > threshold)
		f = nextafterf(f, -INFINITY);
	return nextafterf(f, INFINITY);
}
