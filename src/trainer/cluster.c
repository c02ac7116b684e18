/*-------------------------------------------------------------------------
 *
 * cluster.c
 *	  k-means clustering for pgml_train.so, as scikit-learn 1.2's KMeans
 *	  (algorithm "lloyd"): the data are centered, each of n_init runs starts
 *	  from greedy k-means++ (or random rows) and iterates Lloyd's algorithm
 *	  until the labels stop changing or the centers move less than tol, and
 *	  the run with the lowest inertia is kept.  Each run then ends with
 *	  Hartigan's single-point moves (kmeans_hartigan), which only lower the
 *	  inertia: where a floating-point tie sends Lloyd's algorithm to another
 *	  fixed point than scikit-learn's, this usually recovers the difference.
 *
 *	  The random choices use the same generator as numpy's legacy
 *	  RandomState (MT19937) drawn in the same order as scikit-learn, so
 *	  random_state = s gives the clustering KMeans(random_state=s) gives on
 *	  the same rows, up to floating-point rounding (docs/clustering.md).
 *
 *	  Distances go through OpenBLAS (cblas_dgemm: ||x||^2 - 2 x.c + ||c||^2)
 *	  on palloc'd buffers, so an error cannot leak library memory.
 *
 * src/trainer/cluster.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pgml_train.h"

#include <cblas.h>

/* Rows per block of a distance computation. */
#define KMEANS_ROW_BLOCK		4096

/* The largest n_clusters accepted (the image loader's output limit). */

/* State of the MT19937 generator (numpy's legacy RandomState). */
#define MT_N	624
#define MT_M	397

typedef struct KmeansRng
{
	uint32		mt[MT_N];
	int			pos;
} KmeansRng;

/* Hyperparameters after validation. */
typedef struct KmeansOptions
{
	const char *algorithm;		/* the name the user chose, for messages */
	int			n_clusters;
	int			n_init;
	bool		n_init_auto;	/* "auto": 1 for k-means++, 10 for random */
	int			max_iter;
	double		tol;
	bool		init_random;	/* init "random" rather than "k-means++" */
	bool		refine;			/* end each run with Hartigan's moves */
	uint32		random_state;
} KmeansOptions;

/* Relative width of a near-tie of the E-step (see kmeans_break_tie). */
#define KMEANS_TIE_MARGIN		1e-12

/* The data every run shares: centered rows and their squared norms. */
typedef struct KmeansData
{
	int64		n;
	int			p;
	int			k;
	const double *x;			/* [n * p] row-major, centered */
	const double *xnorm;		/* [n] squared norms of the centered rows */
} KmeansData;

/* Seed the generator as numpy's RandomState(seed) does (init_genrand). */
static void
kmeans_rng_seed(KmeansRng *rng, uint32 seed)
{
	rng->mt[0] = seed;
	for (int i = 1; i < MT_N; i++)
		rng->mt[i] = 1812433253U * (rng->mt[i - 1] ^ (rng->mt[i - 1] >> 30)) +
			(uint32) i;
	rng->pos = MT_N;
}

/* The next 32-bit output of MT19937. */
static uint32
kmeans_rng_next32(KmeansRng *rng)
{
	uint32		y;

	if (rng->pos >= MT_N)
	{
		int			i;

		for (i = 0; i < MT_N; i++)
		{
			y = (rng->mt[i] & 0x80000000U) | (rng->mt[(i + 1) % MT_N] & 0x7fffffffU);
			rng->mt[i] = rng->mt[(i + MT_M) % MT_N] ^ (y >> 1) ^
				((y & 1U) ? 0x9908b0dfU : 0U);
		}
		rng->pos = 0;
	}
	y = rng->mt[rng->pos++];
	y ^= (y >> 11);
	y ^= (y << 7) & 0x9d2c5680U;
	y ^= (y << 15) & 0xefc60000U;
	y ^= (y >> 18);
	return y;
}

/* A double in [0, 1) with 53 random bits, as numpy's random_sample. */
static double
kmeans_rng_double(KmeansRng *rng)
{
	uint32		a = kmeans_rng_next32(rng) >> 5;
	uint32		b = kmeans_rng_next32(rng) >> 6;

	return (a * 67108864.0 + b) / 9007199254740992.0;
}

/*
 * An integer in [0, max] by masked rejection, as numpy's legacy bounded
 * integers (randint(max + 1), and the swaps of shuffle) for max < 2^32.
 */
static uint32
kmeans_rng_bounded(KmeansRng *rng, uint32 max)
{
	uint32		mask = max;
	uint32		v;

	if (max == 0)
		return 0;
	mask |= mask >> 1;
	mask |= mask >> 2;
	mask |= mask >> 4;
	mask |= mask >> 8;
	mask |= mask >> 16;
	while ((v = (kmeans_rng_next32(rng) & mask)) > max)
		;
	return v;
}

/* Validate the hyperparameters into opt; an unknown key or bad value is an error. */
static void
kmeans_parse_hyperparams(Jsonb *jb, uint64 seed, KmeansOptions *opt)
{
	/* the table sets the other defaults */
	PgmlKmeansParams kp = {.random_state = (double) (seed & 0xffffffffU)};

	pgml_hp_parse(opt->algorithm, PGML_TASK_CLUSTERING, jb, &pgml_hp_kmeans, &kp, NULL);
	opt->n_clusters = (int) kp.n_clusters;
	opt->n_init_auto = (kp.n_init == -1.0);
	opt->n_init = kp.n_init < 0 ? 10 : (int) kp.n_init;
	opt->max_iter = (int) kp.max_iter;
	opt->tol = kp.tol;
	opt->init_random = (kp.init == 1.0);
	opt->refine = kp.refine;
	opt->random_state = (uint32) kp.random_state;
	if (opt->n_init_auto)
		opt->n_init = opt->init_random ? 10 : 1;
}

/* Squared Euclidean distance of two p-vectors, by differences. */
static inline double
kmeans_sqdist(const double *a, const double *b, int p)
{
	double		s = 0.0;

	for (int j = 0; j < p; j++)
	{
		double		t = a[j] - b[j];

		s += t * t;
	}
	return s;
}

/*
 * Squared Euclidean distances of the rows cand[0 .. t) (t x p, squared
 * norms cnorm) to the data rows [r0, r0 + b): out is t x b, computed as
 * scikit-learn's euclidean_distances does: -2 c.x + ||c||^2 + ||x||^2,
 * clipped at 0.
 */
static void
kmeans_cand_dist(const KmeansData *d, const double *cand, const double *cnorm,
				 int t, int64 r0, int b, double *out)
{
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, b, d->p,
				1.0, cand, d->p, d->x + r0 * d->p, d->p, 0.0, out, b);
	for (int c = 0; c < t; c++)
	{
		double	   *row = out + (Size) c * b;

		for (int i = 0; i < b; i++)
		{
			double		v = -2.0 * row[i];

			v += cnorm[c];
			v += d->xnorm[r0 + i];
			row[i] = v > 0.0 ? v : 0.0;
		}
	}
}

/*
 * Greedy k-means++ (scikit-learn's _kmeans_plusplus): the first center is a
 * uniformly random row; each further center is the best, by the resulting
 * potential, of 2 + floor(log k) rows drawn with probability proportional to
 * their squared distance to the nearest chosen center.  Fills centers (k x p).
 */
static void
kmeans_plusplus(const KmeansData *d, KmeansRng *rng, double *centers)
{
	int64		n = d->n;
	int			p = d->p;
	int			k = d->k;
	int			trials = 2 + (int) log((double) k);
	double	   *closest = pgml_train_alloc(n, sizeof(double));
	double	   *cumsum = pgml_train_alloc(n, sizeof(double));
	double	   *cand_dist = pgml_train_alloc((Size) trials * n, sizeof(double));
	double	   *cand = pgml_train_alloc((Size) trials * p, sizeof(double));
	double	   *cnorm = pgml_train_alloc(trials, sizeof(double));
	double	   *block = pgml_train_alloc((Size) trials * KMEANS_ROW_BLOCK, sizeof(double));
	int64	   *cand_id = pgml_train_alloc(trials, sizeof(int64));
	double	   *pot = pgml_train_alloc(trials, sizeof(double));
	double		current_pot = 0.0;
	int64		first;

	first = (int64) kmeans_rng_bounded(rng, (uint32) (n - 1));
	memcpy(centers, d->x + first * p, sizeof(double) * p);
	cnorm[0] = d->xnorm[first];
	for (int64 r0 = 0; r0 < n; r0 += KMEANS_ROW_BLOCK)
	{
		int			b = (int) Min((int64) KMEANS_ROW_BLOCK, n - r0);

		kmeans_cand_dist(d, centers, cnorm, 1, r0, b, closest + r0);
	}
	for (int64 i = 0; i < n; i++)
		current_pot += closest[i];

	for (int c = 1; c < k; c++)
	{
		int			best = 0;
		double		acc = 0.0;

		pgml_train_check_cancel();
		for (int64 i = 0; i < n; i++)
		{
			acc += closest[i];
			cumsum[i] = acc;
		}
		for (int t = 0; t < trials; t++)
		{
			double		v = kmeans_rng_double(rng) * current_pot;
			int64		lo = 0;
			int64		hi = n;

			/* the first index whose cumulative sum is >= v (searchsorted) */
			while (lo < hi)
			{
				int64		mid = lo + (hi - lo) / 2;

				if (cumsum[mid] < v)
					lo = mid + 1;
				else
					hi = mid;
			}
			cand_id[t] = Min(lo, n - 1);
			memcpy(cand + (Size) t * p, d->x + cand_id[t] * p, sizeof(double) * p);
			cnorm[t] = d->xnorm[cand_id[t]];
		}
		for (int64 r0 = 0; r0 < n; r0 += KMEANS_ROW_BLOCK)
		{
			int			b = (int) Min((int64) KMEANS_ROW_BLOCK, n - r0);

			kmeans_cand_dist(d, cand, cnorm, trials, r0, b, block);
			for (int t = 0; t < trials; t++)
				for (int i = 0; i < b; i++)
					cand_dist[(Size) t * n + r0 + i] =
						Min(closest[r0 + i], block[(Size) t * b + i]);
		}
		for (int t = 0; t < trials; t++)
		{
			double		s = 0.0;

			for (int64 i = 0; i < n; i++)
				s += cand_dist[(Size) t * n + i];
			pot[t] = s;
			if (s < pot[best])
				best = t;
		}
		current_pot = pot[best];
		memcpy(closest, cand_dist + (Size) best * n, sizeof(double) * n);
		memcpy(centers + (Size) c * p, d->x + cand_id[best] * p,
			   sizeof(double) * p);
	}
	pfree(closest);
	pfree(cumsum);
	pfree(cand_dist);
	pfree(cand);
	pfree(cnorm);
	pfree(block);
	pfree(cand_id);
	pfree(pot);
}

/*
 * Random init (scikit-learn's init="random"): the first k rows of a random
 * permutation, drawn as numpy's legacy permutation (a Fisher-Yates shuffle
 * from the end).
 */
static void
kmeans_random_init(const KmeansData *d, KmeansRng *rng, double *centers)
{
	int64	   *perm = pgml_train_alloc(d->n, sizeof(int64));

	if (d->n > (int64) PG_UINT32_MAX)
		elog(ERROR, "too many rows for random k-means init");
	for (int64 i = 0; i < d->n; i++)
		perm[i] = i;
	for (int64 i = d->n - 1; i >= 1; i--)
	{
		int64		j = (int64) kmeans_rng_bounded(rng, (uint32) i);
		int64		tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (int c = 0; c < d->k; c++)
		memcpy(centers + (Size) c * d->p, d->x + perm[c] * d->p,
			   sizeof(double) * d->p);
	pfree(perm);
}

/*
 * Settle a near-tie of the E-step.  The dot-product form of the distance
 * carries a rounding error of a few ulps of ||x||^2 + ||c||^2, so when other
 * centers come within margin of the best one, their distances are
 * recomputed from the differences, and a tie that remains (within 1e-13
 * relative) goes to the lowest index, the rule prediction follows.  Returns
 * the label.
 */
static int
kmeans_break_tie(const KmeansData *d, const double *centers, int64 i,
				 const double *row, int best, double margin)
{
	const double *x = d->x + i * d->p;
	int			winner = -1;
	double		wdist = 0.0;

	for (int c = 0; c < d->k; c++)
	{
		double		dist;

		if (row[c] - row[best] > margin)
			continue;
		dist = kmeans_sqdist(x, centers + (Size) c * d->p, d->p);
		if (winner < 0 || dist < wdist - 1e-13 * wdist)
		{
			winner = c;
			wdist = dist;
		}
	}
	return winner;
}

/*
 * The E-step: label every row with its nearest center (the lowest index on
 * a tie), by ||c||^2 - 2 x.c as scikit-learn does.  When sums is not NULL,
 * also accumulate the rows of each label into sums (k x p) and counts.
 */
static void
kmeans_assign(const KmeansData *d, const double *centers, int32 *labels,
			  double *sums, double *counts, double *block, double *cnorm)
{
	int			k = d->k;
	int			p = d->p;

	double		cmax = 0.0;

	for (int c = 0; c < k; c++)
	{
		double		s = 0.0;

		for (int j = 0; j < p; j++)
			s += centers[(Size) c * p + j] * centers[(Size) c * p + j];
		cnorm[c] = s;
		cmax = Max(cmax, s);
	}
	for (int64 r0 = 0; r0 < d->n; r0 += KMEANS_ROW_BLOCK)
	{
		int			b = (int) Min((int64) KMEANS_ROW_BLOCK, d->n - r0);

		for (int i = 0; i < b; i++)
			memcpy(block + (Size) i * k, cnorm, sizeof(double) * k);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, k, p,
					-2.0, d->x + r0 * p, p, centers, p, 1.0, block, k);
		for (int i = 0; i < b; i++)
		{
			const double *row = block + (Size) i * k;
			int			best = 0;
			double		second = INFINITY;
			double		margin;

			for (int c = 1; c < k; c++)
			{
				if (row[c] < row[best])
				{
					second = row[best];
					best = c;
				}
				else if (row[c] < second)
					second = row[c];
			}
			margin = KMEANS_TIE_MARGIN * (d->xnorm[r0 + i] + 2.0 * cmax);
			if (second - row[best] <= margin)
				best = kmeans_break_tie(d, centers, r0 + i, row, best, margin);
			labels[r0 + i] = best;
			if (sums != NULL)
			{
				const double *x = d->x + (r0 + i) * p;
				double	   *s = sums + (Size) best * p;

				for (int j = 0; j < p; j++)
					s[j] += x[j];
				counts[best] += 1.0;
			}
		}
	}
}

/*
 * Give each empty cluster one of the rows farthest from their (old) centers,
 * as scikit-learn's _relocate_empty_clusters_dense: the row moves out of its
 * cluster's sum into the empty cluster.  sums/counts are before averaging.
 */
static void
kmeans_relocate_empty(const KmeansData *d, const double *old_centers,
					  const int32 *labels, double *sums, double *counts)
{
	int			k = d->k;
	int			p = d->p;
	int			n_empty = 0;
	int64	   *far;
	double	   *far_dist;

	for (int c = 0; c < k; c++)
		if (counts[c] == 0.0)
			n_empty++;
	if (n_empty == 0)
		return;

	/* the n_empty farthest rows, farthest first (ties: lowest row first) */
	far = pgml_train_alloc(n_empty, sizeof(int64));
	far_dist = pgml_train_alloc(n_empty, sizeof(double));
	for (int e = 0; e < n_empty; e++)
	{
		far[e] = -1;
		far_dist[e] = -1.0;
	}
	for (int64 i = 0; i < d->n; i++)
	{
		double		dist = kmeans_sqdist(d->x + i * p,
										 old_centers + (Size) labels[i] * p, p);
		int			pos;

		if (dist <= far_dist[n_empty - 1])
			continue;
		pos = n_empty - 1;
		while (pos > 0 && dist > far_dist[pos - 1])
		{
			far[pos] = far[pos - 1];
			far_dist[pos] = far_dist[pos - 1];
			pos--;
		}
		far[pos] = i;
		far_dist[pos] = dist;
	}

	for (int c = 0, e = 0; c < k && e < n_empty; c++)
	{
		int64		i;
		int			old;

		if (counts[c] != 0.0)
			continue;
		i = far[e++];
		if (i < 0)
			break;
		old = labels[i];
		for (int j = 0; j < p; j++)
		{
			sums[(Size) old * p + j] -= d->x[i * p + j];
			sums[(Size) c * p + j] = d->x[i * p + j];
		}
		counts[c] = 1.0;
		counts[old] -= 1.0;
	}
	pfree(far);
	pfree(far_dist);
}

/* Sum of squared distances of the rows to their centers. */
static double
kmeans_inertia(const KmeansData *d, const double *centers, const int32 *labels)
{
	double		s = 0.0;

	for (int64 i = 0; i < d->n; i++)
		s += kmeans_sqdist(d->x + i * d->p, centers + (Size) labels[i] * d->p,
						   d->p);
	return s;
}

/*
 * One run of Lloyd's algorithm from centers (k x p, replaced by the result),
 * as scikit-learn's _kmeans_single_lloyd.  Returns the inertia; labels gets
 * the final labels and *n_iter the iterations done.
 */
static double
kmeans_lloyd(const KmeansData *d, const KmeansOptions *opt, double tol,
			 double *centers, int32 *labels, int *n_iter)
{
	int			k = d->k;
	int			p = d->p;
	double	   *sums = pgml_train_alloc((Size) k * p, sizeof(double));
	double	   *counts = pgml_train_alloc(k, sizeof(double));
	double	   *cnorm = pgml_train_alloc(k, sizeof(double));
	double	   *block = pgml_train_alloc((Size) KMEANS_ROW_BLOCK * k, sizeof(double));
	int32	   *labels_old = pgml_train_alloc(d->n, sizeof(int32));
	bool		strict = false;
	int			it;
	double		inertia;

	for (int64 i = 0; i < d->n; i++)
		labels_old[i] = -1;
	for (it = 0; it < opt->max_iter; it++)
	{
		double		shift = 0.0;
		bool		same = true;

		pgml_train_check_cancel();
		memset(sums, 0, sizeof(double) * k * p);
		memset(counts, 0, sizeof(double) * k);
		kmeans_assign(d, centers, labels, sums, counts, block, cnorm);
		kmeans_relocate_empty(d, centers, labels, sums, counts);
		for (int c = 0; c < k; c++)
		{
			double	   *s = sums + (Size) c * p;

			if (counts[c] > 0.0)
			{
				double		alpha = 1.0 / counts[c];

				for (int j = 0; j < p; j++)
					s[j] *= alpha;
			}
			shift += kmeans_sqdist(s, centers + (Size) c * p, p);
		}
		memcpy(centers, sums, sizeof(double) * k * p);

		for (int64 i = 0; i < d->n; i++)
			if (labels[i] != labels_old[i])
			{
				same = false;
				break;
			}
		if (same)
		{
			strict = true;
			it++;
			break;
		}
		if (shift <= tol)
		{
			it++;
			break;
		}
		memcpy(labels_old, labels, sizeof(int32) * d->n);
	}
	/* make the labels those of the final centers */
	if (!strict)
		kmeans_assign(d, centers, labels, NULL, NULL, block, cnorm);
	inertia = kmeans_inertia(d, centers, labels);
	*n_iter = it;

	pfree(sums);
	pfree(counts);
	pfree(cnorm);
	pfree(block);
	pfree(labels_old);
	return inertia;
}

/*
 * Hartigan's refinement of a Lloyd fixed point: move row x from its cluster
 * A to cluster B whenever that lowers the inertia, that is when
 *	 nB / (nB + 1) ||x - cB||^2 < nA / (nA - 1) ||x - cA||^2,
 * updating both means at once, until a pass moves nothing (at most
 * KMEANS_HARTIGAN_PASSES passes).  A Hartigan-stable partition is also
 * Lloyd-stable (every row is nearest its own center), so predicting by the
 * nearest centroid still gives the training labels.  The centers are then
 * recomputed as plain means.  Returns the new inertia.
 */
#define KMEANS_HARTIGAN_PASSES 100
static double
kmeans_hartigan(const KmeansData *d, double *centers, int32 *labels,
				double inertia)
{
	int			k = d->k;
	int			p = d->p;
	int64	   *count = pgml_train_alloc(k, sizeof(int64));
	bool		moved_any = false;

	for (int64 i = 0; i < d->n; i++)
		count[labels[i]]++;
	for (int pass = 0; pass < KMEANS_HARTIGAN_PASSES; pass++)
	{
		bool		moved = false;

		pgml_train_check_cancel();
		for (int64 i = 0; i < d->n; i++)
		{
			const double *x = d->x + i * p;
			int			a = labels[i];
			double		cost_a,
						best = 0.0;
			int			b = -1;

			if (count[a] <= 1)
				continue;
			cost_a = kmeans_sqdist(x, centers + (Size) a * p, p) *
				count[a] / (count[a] - 1);
			for (int c = 0; c < k; c++)
			{
				double		gain;

				if (c == a)
					continue;
				gain = cost_a - kmeans_sqdist(x, centers + (Size) c * p, p) *
					count[c] / (count[c] + 1);
				/* a clear gain only: rounding must not make rows cycle */
				if (gain > best && gain > 1e-9 * cost_a)
				{
					best = gain;
					b = c;
				}
			}
			if (b < 0)
				continue;
			for (int j = 0; j < p; j++)
			{
				double	   *ca = centers + (Size) a * p;
				double	   *cb = centers + (Size) b * p;

				ca[j] = (ca[j] * count[a] - x[j]) / (count[a] - 1);
				cb[j] = (cb[j] * count[b] + x[j]) / (count[b] + 1);
			}
			count[a]--;
			count[b]++;
			labels[i] = b;
			moved = true;
		}
		if (!moved)
			break;
		moved_any = true;
	}
	if (moved_any)
	{
		/* exact means of the final partition, and its inertia */
		memset(centers, 0, sizeof(double) * k * p);
		for (int64 i = 0; i < d->n; i++)
			for (int j = 0; j < p; j++)
				centers[(Size) labels[i] * p + j] += d->x[i * p + j];
		for (int c = 0; c < k; c++)
			for (int j = 0; j < p; j++)
				centers[(Size) c * p + j] /= count[c];
		inertia = kmeans_inertia(d, centers, labels);
	}
	pfree(count);
	return inertia;
}

/*
 * Whether two labelings are the same partition up to a renaming of the
 * clusters (scikit-learn's _is_same_clustering, mapping labels1 -> labels2).
 */
static bool
kmeans_same_clustering(const int32 *labels1, const int32 *labels2, int64 n,
					   int k)
{
	int32	   *map = palloc(sizeof(int32) * k);
	bool		same = true;

	for (int c = 0; c < k; c++)
		map[c] = -1;
	for (int64 i = 0; i < n; i++)
	{
		if (map[labels1[i]] == -1)
			map[labels1[i]] = labels2[i];
		else if (map[labels1[i]] != labels2[i])
		{
			same = false;
			break;
		}
	}
	pfree(map);
	return same;
}

/* Append ", "key": value" with a double in the shortest exact form (or null). */
static void
kmeans_append_double(StringInfo buf, const char *key, double value)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!isfinite(value))
	{
		appendStringInfo(buf, ", \"%s\": null", key);
		return;
	}
	double_to_shortest_decimal_buf(value, num);
	appendStringInfo(buf, ", \"%s\": %s", key, num);
}

/*
 * Train k-means: n_init runs of Lloyd's algorithm from k-means++ (or
 * random) centers on the centered rows, keeping the lowest inertia.  Fills
 * m->algorithm, n_clusters, centroids, n_outputs, output, hyperparams_json
 * (effective hyperparameters) and metrics_json ({"inertia", "n_iter"} of
 * the kept run, on the training rows).
 */
void
pgml_kmeans_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	MemoryContext oldctx;
	KmeansOptions opt;
	KmeansData	d;
	KmeansRng	rng;
	int64		n = in->n_rows;
	int			p = in->n_features;
	int			k;
	double	   *x;
	double	   *xnorm;
	double	   *mean;
	double	   *centers;
	double	   *best_centers;
	int32	   *labels;
	int32	   *best_labels;
	double		best_inertia = 0.0;
	int			best_iter = 0;
	double		tol;
	double	   *centroids;
	StringInfoData buf;

	if (in->task != PGML_TASK_CLUSTERING)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("algorithm \"%s\" needs a clustering task",
						in->algorithm ? in->algorithm : "kmeans")));
	memset(&opt, 0, sizeof(opt));
	opt.algorithm = in->algorithm ? in->algorithm : "kmeans";
	if (strcmp(opt.algorithm, "kmeans") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown clustering algorithm \"%s\"", opt.algorithm),
				 errhint("The clustering algorithm is kmeans.")));
	kmeans_parse_hyperparams(in->hyperparams, in->seed, &opt);
	k = opt.n_clusters;

	if (p <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot train k-means without features")));
	if (n < k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means needs at least as many rows as clusters"),
				 errdetail_plural("There is %lld training row and n_clusters is %d.",
								  "There are %lld training rows and n_clusters is %d.",
								  (unsigned long) n, (long long) n, k)));
	if (n > (int64) PG_UINT32_MAX || n > (int64) (MaxAllocHugeSize / sizeof(double)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for k-means"),
				 errdetail("The limit is %lld rows.", (long long) PG_UINT32_MAX)));

	if (in->nthread > 0)
		openblas_set_num_threads(in->nthread);

	centroids = MemoryContextAllocZero(callerctx, sizeof(double) * (Size) k * p);
	workctx = AllocSetContextCreate(callerctx, "pgml k-means training",
									ALLOCSET_DEFAULT_SIZES);
	oldctx = MemoryContextSwitchTo(workctx);

	/* center the data in double, as KMeans does */
	x = pgml_train_alloc((Size) n * p, sizeof(double));
	mean = pgml_train_alloc(p, sizeof(double));
	xnorm = pgml_train_alloc(n, sizeof(double));
	pgml_train_doubles(in, "k-means", x, mean);
	tol = 0.0;
	for (int64 i = 0; i < n; i++)
	{
		double		s = 0.0;

		for (int j = 0; j < p; j++)
		{
			double		v = x[i * p + j] - mean[j];

			x[i * p + j] = v;
			s += v * v;
		}
		xnorm[i] = s;
	}
	/* tolerance: tol times the mean of the feature variances */
	for (int j = 0; j < p; j++)
	{
		double		s = 0.0;

		for (int64 i = 0; i < n; i++)
			s += x[i * p + j] * x[i * p + j];
		tol += s / (double) n;
	}
	tol = tol / p * opt.tol;

	d.n = n;
	d.p = p;
	d.k = k;
	d.x = x;
	d.xnorm = xnorm;

	centers = pgml_train_alloc((Size) k * p, sizeof(double));
	best_centers = pgml_train_alloc((Size) k * p, sizeof(double));
	labels = pgml_train_alloc(n, sizeof(int32));
	best_labels = pgml_train_alloc(n, sizeof(int32));
	kmeans_rng_seed(&rng, opt.random_state);
	for (int run = 0; run < opt.n_init; run++)
	{
		double		inertia;
		int			n_iter;

		pgml_train_check_cancel();
		if (opt.init_random)
			kmeans_random_init(&d, &rng, centers);
		else
			kmeans_plusplus(&d, &rng, centers);
		inertia = kmeans_lloyd(&d, &opt, tol, centers, labels, &n_iter);
		if (opt.refine)
			inertia = kmeans_hartigan(&d, centers, labels, inertia);
		elog(DEBUG1, "k-means run %d of %d: inertia %.17g after %d iterations",
			 run + 1, opt.n_init, inertia, n_iter);
		if (run == 0 ||
			(inertia < best_inertia &&
			 !kmeans_same_clustering(labels, best_labels, n, k)))
		{
			int32	   *tmp = best_labels;

			best_labels = labels;
			labels = tmp;
			memcpy(best_centers, centers, sizeof(double) * k * p);
			best_inertia = inertia;
			best_iter = n_iter;
		}
		pgml_train_report_progress(run + 1, opt.n_init);
	}
	for (int c = 0; c < k; c++)
		for (int j = 0; j < p; j++)
			centroids[(Size) c * p + j] = best_centers[(Size) c * p + j] + mean[j];

	MemoryContextSwitchTo(oldctx);
	MemoryContextDelete(workctx);

	m->algorithm = PGML_ALGO_KMEANS;
	m->output = PGML_OUTPUT_IDENTITY;
	m->n_clusters = k;
	m->n_outputs = k;
	m->centroids = centroids;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"n_clusters\": %d, \"init\": \"%s\", \"n_init\": %d, \"max_iter\": %d",
					 k, opt.init_random ? "random" : "k-means++", opt.n_init,
					 opt.max_iter);
	kmeans_append_double(&buf, "tol", opt.tol);
	appendStringInfo(&buf, ", \"refine\": %s, \"random_state\": %u}",
					 opt.refine ? "true" : "false", opt.random_state);
	m->hyperparams_json = buf.data;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"n_iter\": ");
	appendStringInfo(&buf, "%d", best_iter);
	kmeans_append_double(&buf, "inertia", best_inertia);
	appendStringInfoChar(&buf, '}');
	m->metrics_json = buf.data;
}
