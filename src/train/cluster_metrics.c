/*-------------------------------------------------------------------------
 *
 * cluster_metrics.c
 *	  Clustering metrics for pgml_train.so, as a JSON object text:
 *		{"silhouette": s, "inertia": i}
 *	  silhouette is scikit-learn's silhouette_score (the mean silhouette
 *	  coefficient, Euclidean distances); inertia is passed through.
 *
 *	  The silhouette needs every pairwise distance: they are computed by
 *	  blocks of rows from dot products (plain C: this runs in a PostgreSQL
 *	  process, which never loads OpenBLAS), as scikit-learn's euclidean_distances
 *	  does (sqrt(max(||a||^2 - 2 a.b + ||b||^2, 0)), 0 on the diagonal), and
 *	  summed per cluster without keeping the n x n matrix.  Above
 *	  CLUSTER_SILHOUETTE_MAX_ROWS rows the silhouette is computed on a fixed
 *	  seeded sample of CLUSTER_SILHOUETTE_SAMPLE rows (as silhouette_score's
 *	  sample_size), and the JSON says so with "silhouette_sample_size".
 *
 *	  Doubles are printed in the shortest form that reads back exactly; a
 *	  value that is not defined (fewer than 2 clusters, or as many clusters
 *	  as rows) is null.
 *
 * src/train/cluster_metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "pgml_job.h"
#include "pgml_train.h"

/* Largest row count whose silhouette is computed on every row. */
#define CLUSTER_SILHOUETTE_MAX_ROWS	20000

/* Rows of the seeded sample above that. */
#define CLUSTER_SILHOUETTE_SAMPLE	10000

/* Seed of the sample (fixed, so the metric is reproducible). */
#define CLUSTER_SILHOUETTE_SEED		UINT64CONST(0x5eed0f5111e77e5)

/* Doubles per block of the distance matrix. */
#define CLUSTER_BLOCK_DOUBLES		(4 * 1024 * 1024)

/* Append "key":value to a JSON object under construction (null if not finite). */
static void
cluster_append_number(StringInfo buf, const char *key, double value)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	appendStringInfo(buf, "%s\"%s\":", buf->len > 1 ? "," : "", key);
	if (isfinite(value))
	{
		double_to_shortest_decimal_buf(value, num);
		appendStringInfoString(buf, num);
	}
	else
		appendStringInfoString(buf, "null");
}

/*
 * Mean silhouette coefficient of rows x (n x p, double, row-major) with
 * cluster ids lab[] in 0 .. k-1, every id present (freq[c] > 0).  Each row:
 * a = mean distance to the other rows of its cluster, b = the lowest mean
 * distance to the rows of another cluster, s = (b - a) / max(a, b), and 0
 * when that is undefined (a cluster of one row, or a = b = 0).
 */
static double
cluster_silhouette(const double *x, int64 n, int p, const int32 *lab,
				   const int64 *freq, int k)
{
	double	   *norm = palloc(sizeof(double) * n);
	int64		rows_per_block = Max(1, Min(n, CLUSTER_BLOCK_DOUBLES / n));
	double	   *block = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(double) * rows_per_block * n);
	double	   *sums = palloc(sizeof(double) * rows_per_block * k);
	double	   *sil = palloc(sizeof(double) * n);
	double		total;

	for (int64 i = 0; i < n; i++)
	{
		double		s = 0.0;

		for (int j = 0; j < p; j++)
			s += x[i * p + j] * x[i * p + j];
		norm[i] = s;
	}

	for (int64 r0 = 0; r0 < n; r0 += rows_per_block)
	{
		int			b = (int) Min(rows_per_block, n - r0);

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < b; i++)
		{
			const double *xi = x + (r0 + i) * p;
			double	   *out = block + (Size) i * n;

			for (int64 j = 0; j < n; j++)
			{
				const double *xj = x + j * p;
				double		dot = 0.0;

				for (int c = 0; c < p; c++)
					dot += xi[c] * xj[c];
				out[j] = dot;
			}
		}
		memset(sums, 0, sizeof(double) * b * k);
		for (int i = 0; i < b; i++)
		{
			double	   *row = block + (Size) i * n;
			double	   *srow = sums + (Size) i * k;
			int64		self = r0 + i;
			int			own = lab[self];
			double		a;
			double		best = INFINITY;
			double		s;

			for (int64 j = 0; j < n; j++)
			{
				double		v = -2.0 * row[j];

				v += norm[self];
				v += norm[j];
				if (j == self)
					v = 0.0;
				srow[lab[j]] += sqrt(v > 0.0 ? v : 0.0);
			}
			a = srow[own] / (double) (freq[own] - 1);
			for (int c = 0; c < k; c++)
			{
				double		mean;

				if (c == own)
					continue;
				mean = srow[c] / (double) freq[c];
				if (mean < best)
					best = mean;
			}
			s = (best - a) / Max(a, best);
			sil[self] = isfinite(s) ? s : 0.0;
		}
	}

	/* pairwise summation, like numpy's mean */
	for (int64 width = 1; width < n; width *= 2)
		for (int64 i = 0; i + width < n; i += 2 * width)
			sil[i] += sil[i + width];
	total = sil[0] / (double) n;

	pfree(norm);
	pfree(block);
	pfree(sums);
	pfree(sil);
	return total;
}

/*
 * Clustering metrics of the rows x (n x n_features) with the cluster
 * indexes labels (as double): {"silhouette": .., "inertia": ..}, plus
 * "silhouette_sample_size" when the silhouette was computed on a sample.
 */
char *
pgml_metrics_clustering(const float *x, int32 n_features,
						const double *labels, int64 n,
						int32 n_clusters, double inertia)
{
	MemoryContext workctx;
	MemoryContext oldctx;
	StringInfoData buf;
	double		silhouette = NAN;
	int64		m = n;
	int64	   *rows = NULL;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');

	workctx = AllocSetContextCreate(CurrentMemoryContext,
									"pgml clustering metrics",
									ALLOCSET_DEFAULT_SIZES);
	oldctx = MemoryContextSwitchTo(workctx);

	if (n > CLUSTER_SILHOUETTE_MAX_ROWS)
	{
		uint64		state = CLUSTER_SILHOUETTE_SEED;

		/* a partial Fisher-Yates shuffle: the first m of a random order */
		m = CLUSTER_SILHOUETTE_SAMPLE;
		rows = MemoryContextAllocHuge(workctx, sizeof(int64) * n);
		for (int64 i = 0; i < n; i++)
			rows[i] = i;
		for (int64 i = 0; i < m; i++)
		{
			int64		j = i + (int64) (pgml_splitmix64(&state) % (uint64) (n - i));
			int64		t = rows[i];

			rows[i] = rows[j];
			rows[j] = t;
		}
	}

	if (n_features > 0 && n_clusters > 0 && m >= 2)
	{
		int32	   *remap = palloc(sizeof(int32) * n_clusters);
		int64	   *freq = palloc0(sizeof(int64) * n_clusters);
		int32	   *lab = palloc(sizeof(int32) * m);
		double	   *xd = MemoryContextAllocHuge(workctx,
												sizeof(double) * m * n_features);
		int			k = 0;
		bool		valid = true;

		for (int64 i = 0; i < m && valid; i++)
		{
			int64		src = rows ? rows[i] : i;
			double		l = labels[src];

			if (!(l >= 0 && l < n_clusters) || l != floor(l))
				valid = false;
			else
			{
				lab[i] = (int32) l;
				freq[lab[i]]++;
			}
			for (int j = 0; j < n_features; j++)
				xd[i * n_features + j] = (double) x[src * n_features + j];
		}

		/* number the clusters present 0 .. k-1, in ascending order */
		if (valid)
		{
			for (int c = 0; c < n_clusters; c++)
			{
				remap[c] = freq[c] > 0 ? k : -1;
				if (freq[c] > 0)
					freq[k++] = freq[c];
			}
			for (int64 i = 0; i < m; i++)
				lab[i] = remap[lab[i]];
		}

		/* defined for 2 <= clusters <= rows - 1, as scikit-learn */
		if (valid && k >= 2 && k <= m - 1)
			silhouette = cluster_silhouette(xd, m, n_features, lab, freq, k);
	}

	MemoryContextSwitchTo(oldctx);
	MemoryContextDelete(workctx);

	cluster_append_number(&buf, "silhouette", silhouette);
	if (m < n)
		appendStringInfo(&buf, ",\"silhouette_sample_size\":%lld", (long long) m);
	cluster_append_number(&buf, "inertia", inertia);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
