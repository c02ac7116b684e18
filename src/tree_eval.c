/*
 * tree_eval.c
 *	  Evaluation of a shared image (see image_layout.h, docs/image.md) on one
 *	  row of float32 features.  Nothing here allocates or raises an error:
 *	  the image was validated when it was compiled and the caller has checked
 *	  the feature count.
 *
 *	  Tree ensembles reproduce XGBoost 1.7.4's CPU predictor bit for bit:
 *	  go left iff x < cond in float32 (NaN follows default_left), the margin
 *	  of each output group is base_margin plus the leaf values of its trees
 *	  added in float32 in tree order, then XGBoost's own sigmoid / softmax /
 *	  exp.  Trees are evaluated a window at a time.  Padded trees,
 *	  PGML_BLOCK_LANES per block, walk their levels without branches, the
 *	  lanes interleaved so their loads overlap, in two halves (block_start,
 *	  block_finish).  On the first row of a call site (pgml_image_expect_cold)
 *	  the halves of 8 blocks are taken together so that the cache misses of
 *	  many trees overlap too: the row-independent lines are prefetched, the
 *	  top levels walked (each tree's record or leaf line prefetched as soon
 *	  as it is found), then the records walked; later rows walk block after
 *	  block without prefetching.  Deep trees are walked node by node, 16 at
 *	  a time, a step of each in turn (their loads overlap); a lone one (a
 *	  decision tree, or the last deep tree of a window whose count of them
 *	  is 1 more than a multiple of 16) with a branch per node instead.
 *	  Every leaf value lands in its tree's slot, and the slots are then
 *	  summed in tree order, which keeps the float sums exact.  (AVX2 gathers were tried for the
 *	  block walk and were slower on the development machine than the
 *	  interleaved scalar walk.)
 */
#include "postgres.h"

#include <math.h>

#include "utils/float.h"

#include "pgml_image.h"
#include "pgml_kind.h"
#include "pgml_model.h"
#include "image_layout.h"
#include "kind_routines.h"

/*
 * Feature j of a row as the model sees it: the raw value, or with the
 * model's preprocessing applied (a missing value is imputed when the rule
 * says so, else stays NaN; then centered and scaled in double, rounded to
 * float once, by pgml_preprocess_value as in training).
 */
static inline float
feature_value(const PgmlImage *img, const float *x, int32 j)
{
	float		v = x[j];
	double		raw;

	if (!img->has_preprocess)
		return v;
	raw = v;
	if (isnan(v))
	{
		if (PGML_IMAGE_AT(img, img->impute_off, uint8)[j] != PGML_IMPUTE_VALUE)
			return v;
		raw = PGML_IMAGE_AT(img, img->impute_value_off, double)[j];
	}
	return pgml_preprocess_value(raw,
								 PGML_IMAGE_AT(img, img->center_off, double)[j],
								 PGML_IMAGE_AT(img, img->scale_off, double)[j]);
}

/* Lane l's tree in a records block; unused lanes walk lane 0's. */
static inline const char *
lane_tree(const char *base, const PgmlImageBlock *b, int l)
{
	return base + b->tree_off + (l < b->n_lanes ? (uint64) l * b->tree_size : 0);
}

/* Bytes prefetched per tree before the walk: levels 0-4 at most. */
#define PGML_PREFETCH_TOP	256

/*
 * Prefetch the lines of blocks [first, first + n) whose addresses do not
 * depend on the row: the splits of levels 0-3 of an interleaved block (all
 * of them up to depth 4), the top of each used lane of a records block (up
 * to PGML_PREFETCH_TOP bytes: two lines at depth 6).
 */
static void
prefetch_tops(const char *base, const PgmlImageBlock *blocks, int first, int n)
{
	for (int i = first; i < first + n; i++)
	{
		const PgmlImageBlock *b = &blocks[i];
		uint64		bytes;

		if (!b->records)
		{
			bytes = (((uint64) 1 << Min(b->depth, 4)) - 1) *
				PGML_BLOCK_LANES * sizeof(PgmlImageSplit);
			for (uint64 o = 0; o < bytes; o += 64)
				__builtin_prefetch(base + b->tree_off + o, 0, 3);
			continue;
		}
		bytes = Min(pgml_top_bytes(pgml_top_levels(b->depth)), PGML_PREFETCH_TOP);
		for (int l = 0; l < b->n_lanes; l++)
		{
			const char *t = lane_tree(base, b, l);

			for (uint64 o = 0; o < bytes; o += 64)
				__builtin_prefetch(t + o, 0, 3);
		}
	}
}

/*
 * Walk `levels` levels of a breadth-first split array per lane, lane l's at
 * at[l], from node idx[l], all lanes interleaved and without branches: the
 * children of node i are 2i+1 and 2i+2 (right when xx[word] >= cond).
 */
static inline void
walk_lanes(const char *const *at, size_t *idx, int levels, const float *xx)
{
	for (int d = 0; d < levels; d++)
	{
#pragma GCC unroll 16
		for (int l = 0; l < PGML_BLOCK_LANES; l++)
		{
			const PgmlImageSplit *s = (const PgmlImageSplit *) at[l] + idx[l];

			idx[l] = 2 * idx[l] + 1 + (size_t) (xx[s->word] >= s->cond);
		}
	}
}

/*
 * First half of a block's walk, with the three-region vector xx (see
 * image_layout.h): all lanes advance one level at a time, interleaved (they
 * are independent, so their loads overlap) and without branches (go to
 * child 2i+2 instead of 2i+1 when xx[word] >= cond).  An interleaved block
 * walks all its levels and finds each lane's leaf; a records block walks the
 * top levels and finds each lane's record.  That address is stored in
 * next[lane] and prefetched: block_finish reads it once the other blocks'
 * walks have been issued.
 */
static inline void
block_start(const char *base, const PgmlImageBlock *b, const float *xx,
			const char **next, bool prefetch)
{
	int			d;
	int			l;

	if (!b->records)
	{
		const PgmlImageSplit *split = (const PgmlImageSplit *) (base + b->tree_off);
		const float *leaves = (const float *) (base + b->leaf_off);
		size_t		pos[PGML_BLOCK_LANES];	/* node * LANES + lane */
		size_t		first_leaf = (((size_t) 1 << b->depth) - 1) * PGML_BLOCK_LANES;

#pragma GCC unroll 16
		for (l = 0; l < PGML_BLOCK_LANES; l++)
			pos[l] = l;
		/* node i -> 2i+1+right, i.e. pos -> 2 pos - lane + LANES (1 + right) */
		for (d = 0; d < b->depth; d++)
		{
#pragma GCC unroll 16
			for (l = 0; l < PGML_BLOCK_LANES; l++)
			{
				const PgmlImageSplit *s = &split[pos[l]];

				pos[l] = 2 * pos[l] - l + PGML_BLOCK_LANES +
					PGML_BLOCK_LANES * (size_t) (xx[s->word] >= s->cond);
			}
		}
#pragma GCC unroll 16
		for (l = 0; l < PGML_BLOCK_LANES; l++)
		{
			next[l] = (const char *) &leaves[pos[l] - first_leaf];
			if (prefetch)
				__builtin_prefetch(next[l], 0, 3);
		}
	}
	else
	{
		int			T = pgml_top_levels(b->depth);
		uint64		top = pgml_top_bytes(T);
		const char *tree[PGML_BLOCK_LANES];
		size_t		idx[PGML_BLOCK_LANES];

#pragma GCC unroll 16
		for (l = 0; l < PGML_BLOCK_LANES; l++)
		{
			tree[l] = lane_tree(base, b, l);
			idx[l] = 0;
		}
		walk_lanes(tree, idx, T, xx);
		/* idx is now 2^T - 1 + j for record j */
#pragma GCC unroll 16
		for (l = 0; l < PGML_BLOCK_LANES; l++)
		{
			next[l] = tree[l] + top +
				(idx[l] - (((size_t) 1 << T) - 1)) * PGML_RECORD_BYTES;
			if (prefetch)
				__builtin_prefetch(next[l], 0, 3);
		}
	}
}

/*
 * Second half: an interleaved block reads its leaves; a records block walks
 * the records found by block_start the same way.  Each tree's leaf value is
 * stored at leaf[its slot].
 */
static inline void
block_finish(const PgmlImageBlock *b, const float *xx, const char **next,
			 float *leaf)
{
	size_t		q[PGML_BLOCK_LANES];
	int			l;

	if (!b->records)
	{
#pragma GCC unroll 16
		for (l = 0; l < PGML_BLOCK_LANES; l++)
			leaf[b->slot[l]] = *(const float *) next[l];
		return;
	}
#pragma GCC unroll 16
	for (l = 0; l < PGML_BLOCK_LANES; l++)
		q[l] = 0;
	walk_lanes(next, q, PGML_RECORD_LEVELS, xx);
#pragma GCC unroll 16
	for (l = 0; l < PGML_BLOCK_LANES; l++)
		leaf[b->slot[l]] = ((const float *) (next[l] + PGML_RECORD_LEAVES_AT))
			[q[l] - ((1 << PGML_RECORD_LEVELS) - 1)];
}

/* Blocks walked together: their prefetched lines fit in L1 at once. */
#define PGML_BLOCKS_IN_FLIGHT	8

/*
 * Walk the blocks [first, first + n) of a window with the three-region
 * vector.
 *
 * cold (the model is probably not in the CPU caches: the first row of a
 * call site): PGML_BLOCKS_IN_FLIGHT blocks at a time, prefetch what does not
 * depend on the row, start every block's walk (each lane's last line is
 * prefetched as soon as it is known), then finish them, so that the cache
 * misses of all these trees overlap instead of following one another level
 * by level.  Otherwise block after block, without prefetches, which costs
 * fewer instructions when the model is in cache.
 */
static void
eval_blocks_fast(const char *base, const PgmlImageBlock *blocks, int first,
				 int n, const float *xx, float *leaf, bool cold)
{
	const char *next[PGML_BLOCKS_IN_FLIGHT][PGML_BLOCK_LANES];

	if (!cold)
	{
		for (int i = first; i < first + n; i++)
		{
			block_start(base, &blocks[i], xx, next[0], false);
			block_finish(&blocks[i], xx, next[0], leaf);
		}
		return;
	}
	for (int g = first; g < first + n; g += PGML_BLOCKS_IN_FLIGHT)
	{
		int			m = Min(PGML_BLOCKS_IN_FLIGHT, first + n - g);

		prefetch_tops(base, blocks, g, m);
		for (int i = 0; i < m; i++)
			block_start(base, &blocks[g + i], xx, next[i], true);
		for (int i = 0; i < m; i++)
			block_finish(&blocks[g + i], xx, next[i], leaf);
	}
}

/* Which way split s sends row x, without the three-region vector. */
static inline uint32
split_right(const PgmlImage *img, const PgmlImageSplit *s, const float *x)
{
	uint32		nf = (uint32) img->pub.n_features;
	uint32		region = s->word / nf;
	float		v = feature_value(img, x, (int32) (s->word - region * nf));

	if (isnan(v))
		return (region == PGML_REGION_NAN_RIGHT);
	return (v >= s->cond);
}

/*
 * The same walk for models with too many features for the three-region
 * vector, tree by tree: the region is decoded from the word and NaN tested
 * per split.
 */
static void
eval_block_slow(const PgmlImage *img, const PgmlImageBlock *b, const float *x,
				float *leaf)
{
	const char *base = (const char *) img;

	for (int l = 0; l < b->n_lanes; l++)
	{
		uint32		idx = 0;

		if (!b->records)
		{
			const PgmlImageSplit *split = (const PgmlImageSplit *) (base + b->tree_off);
			const float *leaves = (const float *) (base + b->leaf_off);

			for (int d = 0; d < b->depth; d++)
				idx = 2 * idx + 1 +
					split_right(img, &split[idx * PGML_BLOCK_LANES + l], x);
			leaf[b->slot[l]] =
				leaves[(idx - ((1U << b->depth) - 1)) * PGML_BLOCK_LANES + l];
		}
		else
		{
			int			T = pgml_top_levels(b->depth);
			const char *tree = lane_tree(base, b, l);
			const PgmlImageSplit *rec;
			const float *leaves;

			for (int d = 0; d < T; d++)
				idx = 2 * idx + 1 +
					split_right(img, (const PgmlImageSplit *) tree + idx, x);
			rec = (const PgmlImageSplit *)
				(tree + pgml_top_bytes(T) +
				 (idx - ((1U << T) - 1)) * PGML_RECORD_BYTES);
			idx = 0;
			for (int d = 0; d < PGML_RECORD_LEVELS; d++)
				idx = 2 * idx + 1 + split_right(img, &rec[idx], x);
			leaves = (const float *) ((const char *) rec + PGML_RECORD_LEAVES_AT);
			leaf[b->slot[l]] = leaves[idx - ((1U << PGML_RECORD_LEVELS) - 1)];
		}
	}
}

/*
 * Walk a deep tree node by node, reading x and testing NaN per node (models
 * of more features than the three-region vector holds); returns its leaf
 * value.
 */
static float
eval_deep(const PgmlImage *img, const PgmlImageDeep *dt, const float *x)
{
	const char *base = (const char *) img;
	uint32		nf = (uint32) img->pub.n_features;
	const PgmlImageNode *nodes = (const PgmlImageNode *) (base + dt->nodes_off);
	int32		i = 0;

	while (nodes[i].left >= 0)
	{
		const PgmlImageNode *n = &nodes[i];
		uint32		region = n->word / nf;
		float		v = feature_value(img, x, (int32) (n->word - region * nf));
		bool		right;

		if (isnan(v))
			right = (region == PGML_REGION_NAN_RIGHT);
		else
			right = (v >= n->cond);
		i = right ? n->right : n->left;
	}
	return nodes[i].cond;
}

/*
 * Deep trees walked together, a step of each in turn: the walks are
 * independent chains of loads, so their cache misses overlap (a forest of
 * deep trees is memory-bound one tree at a time).  Each leaf value lands
 * in its tree's slot as eval_deep would put it.  16 lanes: on a forest of
 * 30 deep trees (extra_trees, 180,000 rows) 8 lanes took 1.25x the time of
 * 16, and 32 no less than 16.
 */
#define PGML_DEEP_LANES 16

static void
eval_deep_lanes(const char *base, const PgmlImageDeep *dt, int n,
				const float *xx, float *leaf)
{
	const PgmlImageNode *nodes[PGML_DEEP_LANES];
	int32		at[PGML_DEEP_LANES];
	int			l;
	bool		walking = true;

	for (l = 0; l < n; l++)
	{
		nodes[l] = (const PgmlImageNode *) (base + dt[l].nodes_off);
		at[l] = 0;
	}
	while (walking)
	{
		walking = false;
		for (l = 0; l < n; l++)
		{
			const PgmlImageNode *nd = &nodes[l][at[l]];

			if (nd->left >= 0)
			{
				int32		right = (xx[nd->word] >= nd->cond);

				at[l] = nd->left + ((nd->right - nd->left) & -right);
				walking = true;
			}
		}
	}
	for (l = 0; l < n; l++)
		leaf[dt[l].slot] = nodes[l][at[l]].cond;
}

/*
 * A deep tree walked alone (the only one of its window, or the last of a
 * window's lanes): a branch per node lets the CPU run ahead on the side it
 * predicts, and the right child's line is prefetched for when it predicts
 * wrong.  The branch-free walk of eval_deep_lanes makes every step wait
 * for the previous one's compare: on bench/80_trees' decision trees (depth
 * 28, 13,575 nodes; and 359,997 nodes) pgml.predict per row took 0.33 and
 * 0.74 us with it, 0.25 and 0.57 us walking alone (1,000,000 rows, fastest
 * of 7 runs, on the development machine).  Forests keep the lanes: 10
 * deep trees walked alone took 1.5x to 2x their time.
 *
 * A tree too large for the CPU's private caches (more than
 * PGML_DEEP_LOOKAHEAD_NODES nodes) also has the right child of the left
 * child prefetched, a level ahead: in a CART tree (depth-first order) the
 * left child is the next node, so reading its right index costs little,
 * and the walk's next miss starts a step earlier.  (XGBoost numbers its
 * nodes otherwise: the read may miss, but it only feeds a prefetch.)  On
 * the 359,997-node tree that took 0.92x to 0.97x the time (median of 30
 * scans of the 20,000 held-out rows, builds alternated three times); on
 * the 13,575-node one (217 kB, in cache) 1.07x, so small trees do
 * without.
 */
#define PGML_DEEP_LOOKAHEAD_NODES	16384

static inline float
eval_deep_alone(const char *base, const PgmlImageDeep *dt, const float *xx)
{
	const PgmlImageNode *nodes = (const PgmlImageNode *) (base + dt->nodes_off);
	const PgmlImageNode *nd = nodes;

	if (dt->n_nodes > PGML_DEEP_LOOKAHEAD_NODES)
	{
		while (nd->left >= 0)
		{
			const PgmlImageNode *l = &nodes[nd->left];
			int32		lr = l->right;

			__builtin_prefetch(&nodes[nd->right], 0, 3);
			if (lr > 0)
				__builtin_prefetch(&nodes[lr], 0, 3);
			nd = xx[nd->word] >= nd->cond ? &nodes[nd->right] : l;
		}
		return nd->cond;
	}
	while (nd->left >= 0)
	{
		__builtin_prefetch(&nodes[nd->right], 0, 3);
		nd = &nodes[xx[nd->word] >= nd->cond ? nd->right : nd->left];
	}
	return nd->cond;
}

/* Four floats, added lane by lane (GCC vector extension; SSE on x86-64). */
typedef float pgml_v4sf __attribute__((vector_size(16)));

/*
 * Add the leaves of a window of whole rounds (tree i in group i % G, G <= 16)
 * to the margins: lane g of the accumulators adds group g's leaves in tree
 * order, exactly as the scalar loop would, all groups at once.
 */
static void
sum_round_robin(float *leaf, int32 n, int32 G, float *margin)
{
	float		buf[PGML_RR_MAX_GROUPS];
	pgml_v4sf	a0,
				a1,
				a2,
				a3;
	int32		r;

	/* lanes >= G read past the window: make them zeros, not garbage */
	memset(leaf + n, 0, sizeof(float) * PGML_RR_MAX_GROUPS);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, margin, sizeof(float) * G);
	memcpy(&a0, buf, 16);
	memcpy(&a1, buf + 4, 16);
	memcpy(&a2, buf + 8, 16);
	memcpy(&a3, buf + 12, 16);
	for (r = 0; r < n; r += G)
	{
		pgml_v4sf	v0,
					v1,
					v2,
					v3;

		memcpy(&v0, leaf + r, 16);
		memcpy(&v1, leaf + r + 4, 16);
		memcpy(&v2, leaf + r + 8, 16);
		memcpy(&v3, leaf + r + 12, 16);
		a0 += v0;
		a1 += v1;
		a2 += v2;
		a3 += v3;
	}
	memcpy(buf, &a0, 16);
	memcpy(buf + 4, &a1, 16);
	memcpy(buf + 8, &a2, 16);
	memcpy(buf + 12, &a3, 16);
	memcpy(margin, buf, sizeof(float) * G);
}

/*
 * Set by pgml_image_expect_cold, cleared by the next tree evaluation.  Per
 * thread: training evaluates its held-out rows on several threads
 * (src/train/job.c), and nothing else here is written outside the stack.
 */
static __thread bool pgml_tree_cold = false;

void
pgml_image_expect_cold(void)
{
	pgml_tree_cold = true;
}

/*
 * The three-region vector (xbuf: 3 * n_features floats) is a small array in
 * tree_margins' frame up to PGML_STACK_FEATURES features, so that the usual
 * small models do not spread their stack frame over pages; wider models
 * (up to PGML_FAST_FEATURES) get a 24 kB array in tree_margins_wide's frame.
 * (A static buffer would not be thread-safe; a thread-local one would be
 * zeroed in every backend that predicts, 24 kB of private memory each.)
 */
#define PGML_STACK_FEATURES		64

/* Margins of a tree ensemble: base_margin plus leaves, in tree order. */
static pg_noinline void
tree_margins_buf(const PgmlImage *img, const float *x, float *margin,
				 float *xbuf)
{
	const char *base = (const char *) img;
	const PgmlImageWindow *windows = PGML_IMAGE_AT(img, img->windows_off,
												   PgmlImageWindow);
	const PgmlImageBlock *blocks = PGML_IMAGE_AT(img, img->blocks_off,
												 PgmlImageBlock);
	const PgmlImageDeep *deep = PGML_IMAGE_AT(img, img->deep_off,
											  PgmlImageDeep);
	const int32 *group = PGML_IMAGE_AT(img, img->group_off, int32);
	int32		n_outputs = img->n_groups;
	/* leaf values by slot; slot PGML_WINDOW_TREES is the unused lanes' */
	float		leaf[PGML_WINDOW_TREES + PGML_RR_MAX_GROUPS];
	int32		w,
				g;

	const float *xx = NULL;
	bool		cold = pgml_tree_cold;

	pgml_tree_cold = false;

	if (img->pub.n_features <= PGML_FAST_FEATURES)
	{
		int32		nf = img->pub.n_features;
		int32		j;

		for (j = 0; j < nf; j++)
		{
			float		v = feature_value(img, x, j);
			bool		nan = isnan(v);

			xbuf[PGML_REGION_NAN_LEFT * nf + j] = nan ? -INFINITY : v;
			xbuf[PGML_REGION_NAN_RIGHT * nf + j] = nan ? INFINITY : v;
			xbuf[PGML_REGION_NAN_RAW * nf + j] = v;
		}
		xx = xbuf;
	}

	for (g = 0; g < n_outputs; g++)
		margin[g] = img->base_margin;

	for (w = 0; w < img->n_windows; w++)
	{
		const PgmlImageWindow *win = &windows[w];
		const int32 *grp = group + win->first_tree;
		int32		i;

		if (xx != NULL)
			eval_blocks_fast(base, blocks, win->first_block, win->n_blocks,
							 xx, leaf, cold);
		else
			for (i = 0; i < win->n_blocks; i++)
				eval_block_slow(img, &blocks[win->first_block + i], x, leaf);
		if (xx != NULL)
			for (i = 0; i < win->n_deep; i += PGML_DEEP_LANES)
			{
				const PgmlImageDeep *dt = &deep[win->first_deep + i];

				if (win->n_deep - i == 1)
					leaf[dt->slot] = eval_deep_alone(base, dt, xx);
				else
					eval_deep_lanes(base, dt, Min(PGML_DEEP_LANES, win->n_deep - i),
									xx, leaf);
			}
		else
			for (i = 0; i < win->n_deep; i++)
			{
				const PgmlImageDeep *dt = &deep[win->first_deep + i];

				leaf[dt->slot] = eval_deep(img, dt, x);
			}

		if (img->round_robin)
			sum_round_robin(leaf, win->n_trees, n_outputs, margin);
		else if (n_outputs == 1)
		{
			float		m = margin[0];

			for (i = 0; i < win->n_trees; i++)
				m += leaf[i];
			margin[0] = m;
		}
		else
		{
			for (i = 0; i < win->n_trees; i++)
				margin[grp[i]] += leaf[i];
		}
	}
}

/* tree_margins for models of more than PGML_STACK_FEATURES features. */
static pg_noinline void
tree_margins_wide(const PgmlImage *img, const float *x, float *margin)
{
	float		wide[3 * PGML_FAST_FEATURES];

	tree_margins_buf(img, x, margin, wide);
}

/* Margins of a tree ensemble, with the three-region vector's buffer. */
static void
tree_margins(const PgmlImage *img, const float *x, float *margin)
{
	float		small[3 * PGML_STACK_FEATURES];

	if (img->pub.n_features > PGML_STACK_FEATURES)
		tree_margins_wide(img, x, margin);
	else
		tree_margins_buf(img, x, margin, small);
}

/* XGBoost's sigmoid (common/math.h), in float. */
static inline float
xgb_sigmoid(float m)
{
	float		e = fminf(-m, 88.7f);

	return 1.0f / (expf(e) + 1.0f + 1e-16f);
}

/* XGBoost's softmax (common/math.h): float exps, double sum, float divide. */
static void
xgb_softmax(float *v, int32 n)
{
	float		wmax = v[0];
	double		wsum = 0.0;
	int32		i;

	for (i = 1; i < n; i++)
		wmax = fmaxf(v[i], wmax);
	for (i = 0; i < n; i++)
	{
		v[i] = expf(v[i] - wmax);
		wsum += v[i];
	}
	for (i = 0; i < n; i++)
		v[i] /= (float) wsum;
}

/* Rows up to this many features are preprocessed once into a stack buffer. */
#define PREPARED_ROW_MAX 2048

/*
 * The row as the model sees it, for the linear, k-means and PCA kernels,
 * which read every feature once per output: x itself without preprocessing,
 * else the row transformed once into buf, or NULL for a row too wide for
 * buf (the caller then transforms element by element with feature_value).
 */
static const float *
prepared_row(const PgmlImage *img, const float *x, float *buf)
{
	int32		nf = img->pub.n_features;

	if (!img->has_preprocess)
		return x;
	if (nf > PREPARED_ROW_MAX)
		return NULL;
	for (int32 j = 0; j < nf; j++)
		buf[j] = feature_value(img, x, j);
	return buf;
}

/* Feature j of a row that prepared_row gave (or NULL: transform it now). */
#define PREPARED(xr, img, x, j) ((xr) ? (xr)[j] : feature_value(img, x, j))

/* Margins of a linear model, in double: dot product, then the intercept. */
static void
linear_margins(const PgmlImage *img, const float *x, double *margin)
{
	const double *coef = PGML_IMAGE_AT(img, img->coef_off, double);
	const double *icpt = PGML_IMAGE_AT(img, img->intercept_off, double);
	int32		nf = img->pub.n_features;
	int32		g;
	float		buf[PREPARED_ROW_MAX];
	const float *xr = prepared_row(img, x, buf);

	for (g = 0; g < img->pub.n_outputs; g++)
	{
		const double *c = coef + (int64) g * nf;
		double		s = 0.0;
		int32		j;

		for (j = 0; j < nf; j++)
			s += c[j] * (double) PREPARED(xr, img, x, j);
		margin[g] = icpt[g] + s;
	}
}

/*
 * k-means: squared Euclidean distance of the row to each centroid, in
 * double, features in order.
 */
static void
kmeans_distances(const PgmlImage *img, const float *x, double *d)
{
	const double *c = PGML_IMAGE_AT(img, img->centroids_off, double);
	int32		nf = img->pub.n_features;
	int32		k;
	float		buf[PREPARED_ROW_MAX];
	const float *xr = prepared_row(img, x, buf);

	for (k = 0; k < img->pub.n_outputs; k++)
	{
		const double *ck = c + (int64) k * nf;
		double		s = 0.0;
		int32		j;

		for (j = 0; j < nf; j++)
		{
			double		diff = (double) PREPARED(xr, img, x, j) - ck[j];

			s += diff * diff;
		}
		d[k] = s;
	}
}

/* PCA: the components of a row, in double. */
static void
pca_components(const PgmlImage *img, const float *x, double *out)
{
	const double *comp = PGML_IMAGE_AT(img, img->components_off, double);
	const double *mean = PGML_IMAGE_AT(img, img->pca_mean_off, double);
	int32		nf = img->pub.n_features;
	int32		c;
	float		buf[PREPARED_ROW_MAX];
	const float *xr = prepared_row(img, x, buf);

	for (c = 0; c < img->pub.n_outputs; c++)
	{
		const double *cc = comp + (int64) c * nf;
		double		s = 0.0;
		int32		j;

		for (j = 0; j < nf; j++)
			s += cc[j] * ((double) PREPARED(xr, img, x, j) - mean[j]);
		out[c] = s;
	}
}

/* Apply a linear model's output transform in double, in place. */
static void
linear_transform(const PgmlImage *img, double *v)
{
	int32		n = img->pub.n_outputs;
	int32		i;

	switch ((PgmlOutput) img->pub.output)
	{
		case PGML_OUTPUT_SIGMOID:
			v[0] = 1.0 / (1.0 + exp(-v[0]));
			break;
		case PGML_OUTPUT_SOFTMAX:
			{
				double		mx = v[0];
				double		sum = 0.0;

				for (i = 1; i < n; i++)
					mx = Max(mx, v[i]);
				for (i = 0; i < n; i++)
				{
					v[i] = exp(v[i] - mx);
					sum += v[i];
				}
				for (i = 0; i < n; i++)
					v[i] /= sum;
			}
			break;
		case PGML_OUTPUT_EXP:
			for (i = 0; i < n; i++)
				v[i] = exp(v[i]);
			break;
		case PGML_OUTPUT_IDENTITY:
		case PGML_OUTPUT_PROBA:
		case PGML_OUTPUT_MEDIAN:
			break;
	}
}

/*
 * AdaBoost.R2's prediction from its trees' values v[n] and weights w[n]:
 * sort them, add the weights in that order (in double), and take the first
 * value whose
 * cumulated weight reaches half the total (scikit-learn's
 * _get_median_predict).  Equal values may come in any order: the value
 * chosen is the same.  Heapsort of an index array on the stack: no
 * allocation (n <= PGML_MAX_CLASSES).
 */
static float
weighted_median(const float *v, const double *w, int32 n)
{
	int16		idx[PGML_MAX_CLASSES];
	double		total = 0.0,
				half,
				cum = 0.0;
	int32		i;

	for (i = 0; i < n; i++)
		idx[i] = (int16) i;
	/* heapsort idx by v, ascending */
	for (int32 end = n, start = n / 2 - 1;;)
	{
		int32		root,
					child;
		int16		t;

		if (start >= 0)
			root = start--;
		else
		{
			if (--end <= 0)
				break;
			t = idx[0];
			idx[0] = idx[end];
			idx[end] = t;
			root = 0;
		}
		while ((child = 2 * root + 1) < end)
		{
			if (child + 1 < end && v[idx[child + 1]] > v[idx[child]])
				child++;
			if (!(v[idx[child]] > v[idx[root]]))
				break;
			t = idx[root];
			idx[root] = idx[child];
			idx[child] = t;
			root = child;
		}
	}
	for (i = 0; i < n; i++)
		total += w[idx[i]];
	half = 0.5 * total;
	for (i = 0; i < n - 1; i++)
	{
		cum += w[idx[i]];
		if (cum >= half)
			break;
	}
	return v[idx[i]];
}

/* Tree margins of one row followed by XGBoost's output transform. */
static void
tree_outputs(const PgmlImage *img, const float *x, float *out)
{
	int32		n = img->pub.n_outputs;
	int32		i;

	if (img->pub.output == PGML_OUTPUT_MEDIAN)
	{
		float		m[PGML_MAX_CLASSES];

		const double *w = PGML_IMAGE_AT(img, img->tree_weight_off, double);
		const int32 *first = PGML_IMAGE_AT(img, img->median_off, int32);

		tree_margins(img, x, m);
		for (i = 0; i < n; i++)
			out[i] = weighted_median(m + first[i], w + first[i],
									 first[i + 1] - first[i]);
		return;
	}
	tree_margins(img, x, out);
	switch ((PgmlOutput) img->pub.output)
	{
		case PGML_OUTPUT_SIGMOID:
			out[0] = xgb_sigmoid(out[0]);
			break;
		case PGML_OUTPUT_SOFTMAX:
			xgb_softmax(out, n);
			break;
		case PGML_OUTPUT_EXP:
			for (i = 0; i < n; i++)
				out[i] = expf(out[i]);
			break;
		case PGML_OUTPUT_IDENTITY:
		case PGML_OUTPUT_PROBA:
		case PGML_OUTPUT_MEDIAN:
			break;
	}
}

/* Index of the first largest of n floats. */
static int32
argmax_float(const float *v, int32 n)
{
	int32		best = 0;
	int32		i;

	for (i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

/* ----------------------------------------------------------------------
 * Each kind's evaluation routines (include/pgml_kind.h; the table is
 * src/kinds.c).  For a classification image, the class index is decided
 * for trees as XGBClassifier.predict (p > 0.5, or the argmax of the
 * probabilities), for logistic models as scikit-learn (decision function
 * > 0, or its argmax).
 * ---------------------------------------------------------------------- */

/* trees: float32 outputs after XGBoost's output transform */
void
pgml_trees_outputs(const PgmlImage *img, const float *x, float *out)
{
	tree_outputs(img, x, out);
}

double
pgml_trees_value(const PgmlImage *img, const float *x)
{
	float		out[PGML_MAX_CLASSES];

	tree_outputs(img, x, out);
	return (double) out[0];
}

int32
pgml_trees_classify(const PgmlImage *img, const float *x)
{
	float		out[PGML_MAX_CLASSES];
	int32		n = img->pub.n_outputs;

	tree_outputs(img, x, out);
	if (n == 1)					/* sigmoid, or proba of two classes */
		return out[0] > 0.5f ? 1 : 0;
	return argmax_float(out, n);
}

void
pgml_trees_proba(const PgmlImage *img, const float *x, float *out)
{
	tree_outputs(img, x, out);
	if (img->pub.n_outputs == 1)
	{
		/* XGBClassifier.predict_proba: [1 - p, p] in float32 */
		out[1] = out[0];
		out[0] = 1.0f - out[1];
	}
}

/* one walk: the class is decided from the same float outputs */
int32
pgml_trees_class_proba(const PgmlImage *img, const float *x, float *proba)
{
	pgml_trees_proba(img, x, proba);
	if (img->pub.n_outputs == 1)
		return proba[1] > 0.5f ? 1 : 0;
	return argmax_float(proba, img->pub.n_outputs);
}

/* linear: margins in double, transformed, rounded to float once */
void
pgml_linear_outputs(const PgmlImage *img, const float *x, float *out)
{
	double		m[PGML_MAX_CLASSES];

	linear_margins(img, x, m);
	linear_transform(img, m);
	for (int32 i = 0; i < img->pub.n_outputs; i++)
		out[i] = (float) m[i];
}

double
pgml_linear_value(const PgmlImage *img, const float *x)
{
	double		m[PGML_MAX_CLASSES];

	linear_margins(img, x, m);
	linear_transform(img, m);
	return (double) (float) m[0];
}

/* The class of margins m: decision function > 0, or its argmax. */
static int32
linear_class_of(const PgmlImage *img, const double *m)
{
	int32		n = img->pub.n_outputs;
	int32		best = 0;

	if (n == 1)
		return m[0] > 0.0 ? 1 : 0;
	for (int32 i = 1; i < n; i++)
		if (m[i] > m[best])
			best = i;
	return best;
}

/* Class probabilities from transformed margins m ([1 - p, p] if binary). */
static void
linear_proba_of(const PgmlImage *img, const double *m, float *out)
{
	if (img->pub.output == PGML_OUTPUT_SIGMOID)
	{
		out[0] = (float) (1.0 - m[0]);
		out[1] = (float) m[0];
	}
	else
		for (int32 i = 0; i < img->pub.n_outputs; i++)
			out[i] = (float) m[i];
}

int32
pgml_linear_classify(const PgmlImage *img, const float *x)
{
	double		m[PGML_MAX_CLASSES];

	linear_margins(img, x, m);
	return linear_class_of(img, m);
}

void
pgml_linear_proba(const PgmlImage *img, const float *x, float *out)
{
	double		m[PGML_MAX_CLASSES];

	linear_margins(img, x, m);
	linear_transform(img, m);
	linear_proba_of(img, m, out);
}

/* one evaluation of the margins: the class from them, then the proba */
int32
pgml_linear_class_proba(const PgmlImage *img, const float *x, float *proba)
{
	double		m[PGML_MAX_CLASSES];
	int32		k;

	linear_margins(img, x, m);
	k = linear_class_of(img, m);
	linear_transform(img, m);
	linear_proba_of(img, m, proba);
	return k;
}

/* centroids: distances to the centroids, as KMeans.transform */
void
pgml_centroids_outputs(const PgmlImage *img, const float *x, float *out)
{
	double		d[PGML_MAX_CLASSES];

	kmeans_distances(img, x, d);
	for (int32 i = 0; i < img->pub.n_outputs; i++)
		out[i] = (float) sqrt(d[i]);
}

/* the nearest centroid, ties to the lowest index */
double
pgml_centroids_value(const PgmlImage *img, const float *x)
{
	double		d[PGML_MAX_CLASSES];
	int32		best = 0;

	kmeans_distances(img, x, d);
	for (int32 k = 1; k < img->pub.n_outputs; k++)
		if (d[k] < d[best])
			best = k;
	return (double) best;
}

/* projection: the components */
void
pgml_projection_outputs(const PgmlImage *img, const float *x, float *out)
{
	double		c[PGML_MAX_CLASSES];

	pca_components(img, x, c);
	for (int32 i = 0; i < img->pub.n_outputs; i++)
		out[i] = (float) c[i];
}

/* not a prediction: the first component, as the outputs give it */
double
pgml_projection_value(const PgmlImage *img, const float *x)
{
	double		c[PGML_MAX_CLASSES];

	pca_components(img, x, c);
	return (double) (float) c[0];
}

/* ----------------------------------------------------------------------
 * The public functions (pgml_image.h), through the kind's routines
 * ---------------------------------------------------------------------- */

static inline const PgmlKindRoutine *
kind_of(const PgmlImageHeader *image)
{
	/* a compiled image has a kind (pgml_image_compile checked it) */
	return pgml_kind_of(image->algorithm);
}

/* Raw outputs of one row, n_outputs values (see pgml_image.h). */
void
pgml_image_predict_raw(const PgmlImageHeader *image, const float *x,
					   float *out)
{
	kind_of(image)->outputs((const PgmlImage *) image, x, out);
}

/* The prediction of one row: a value, or a class label (see pgml_image.h). */
double
pgml_image_predict(const PgmlImageHeader *image, const float *x)
{
	const PgmlImage *img = (const PgmlImage *) image;
	const PgmlKindRoutine *kind = kind_of(image);

	if (image->task == PGML_TASK_CLASSIFICATION)
		return PGML_IMAGE_AT(img, img->classes_off, double)[kind->classify(img, x)];
	return kind->value(img, x);
}

/*
 * Index of the class a row is predicted to be (see pgml_image.h); -1 for an
 * image that is not a classification model.
 */
int32
pgml_image_predict_class(const PgmlImageHeader *image, const float *x)
{
	if (image->task != PGML_TASK_CLASSIFICATION)
		return -1;
	return kind_of(image)->classify((const PgmlImage *) image, x);
}

/* Class probabilities of one row, n_classes values (see pgml_image.h). */
void
pgml_image_predict_proba(const PgmlImageHeader *image, const float *x,
						 float *out)
{
	if (image->task != PGML_TASK_CLASSIFICATION)
		return;
	kind_of(image)->proba((const PgmlImage *) image, x, out);
}

/*
 * Class index and probabilities of one row, as pgml_image_predict_class and
 * pgml_image_predict_proba give them (a tree ensemble is walked once).
 */
int32
pgml_image_predict_class_proba(const PgmlImageHeader *image, const float *x,
							   float *proba)
{
	if (image->task != PGML_TASK_CLASSIFICATION)
		return -1;
	return kind_of(image)->class_proba((const PgmlImage *) image, x, proba);
}

/* Label value of class k. */
double
pgml_image_class_label(const PgmlImageHeader *image, int32 k)
{
	const PgmlImage *img = (const PgmlImage *) image;

	if (k < 0 || k >= image->n_classes)
		return get_float8_nan();
	return PGML_IMAGE_AT(img, img->classes_off, double)[k];
}

/*
 * Name of class k, *len bytes, not NUL-terminated; NULL (and *len 0) when
 * the image has no class names or k is out of range.
 */
const char *
pgml_image_class_name(const PgmlImageHeader *image, int32 k, int32 *len)
{
	const PgmlImage *img = (const PgmlImage *) image;
	const PgmlImageName *name;

	if (img->names_off == 0 || k < 0 || k >= image->n_classes)
	{
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	name = PGML_IMAGE_AT(img, img->names_off, PgmlImageName) + k;
	if (len != NULL)
		*len = name->len;
	return (const char *) img + name->off;
}

/* May feature j be missing in a row given to this image? */
bool
pgml_image_missing_ok(const PgmlImageHeader *image, int32 j)
{
	const PgmlImage *img = (const PgmlImage *) image;

	if (j < 0 || j >= image->n_features)
		return false;
	if (img->has_preprocess)
	{
		uint8		rule = PGML_IMAGE_AT(img, img->impute_off, uint8)[j];

		if (rule == PGML_IMPUTE_VALUE)
			return true;
		if (rule == PGML_IMPUTE_ERROR)
			return false;
	}
	return kind_of(image)->missing_values;
}

/* First NaN feature of x that image cannot take as missing, or -1. */
int32
pgml_image_first_bad_nan(const PgmlImageHeader *image, const float *x)
{
	const PgmlImage *img = (const PgmlImage *) image;

	if (kind_of(image)->missing_values && !img->has_preprocess)
		return -1;
	for (int32 j = 0; j < image->n_features; j++)
		if (isnan(x[j]) && !pgml_image_missing_ok(image, j))
			return j;
	return -1;
}

/* PCA images: the n_outputs components of one row (see pgml_image.h). */
void
pgml_image_decompose(const PgmlImageHeader *image, const float *x, float *out)
{
	pgml_image_predict_raw(image, x, out);
}
