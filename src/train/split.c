/*-------------------------------------------------------------------------
 *
 * split.c
 *	  The train/test split of a job: a seeded shuffle (splitmix64 and
 *	  Fisher-Yates), the last rows, or stratified as PostgresML's code
 *	  (include/pgml_job.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "pgml_job.h"

/* splitmix64: a small, well-mixed generator for the seeded shuffle. */
uint64
pgml_splitmix64(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Shuffle idx[0..n) in place with a seeded Fisher-Yates. */
static void
shuffle(int64 *idx, int64 n, uint64 *state)
{
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = (int64) (pgml_splitmix64(state) % (uint64) (i + 1));
		int64		t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
}

/* What a stratum's share of the test rows is computed from. */
typedef struct SplitShare
{
	int64		n_test;
	int64		n;
} SplitShare;

/* The fractional part of a stratum's exact share of the test rows. */
static double
count_remainder(int64 count, const SplitShare *share)
{
	double		exact = (double) count * share->n_test / share->n;

	return exact - floor(exact);
}

/* qsort_arg: counts by remainder, largest first */
static int
count_remainder_cmp(const void *a, const void *b, void *arg)
{
	double		x = count_remainder(*(const int64 *) a, arg);
	double		y = count_remainder(*(const int64 *) b, arg);

	return (x < y) - (x > y);
}

/*
 * The stratum of every row of the shuffled order: rows with equal labels
 * (PostgresML partitions by the label columns), numbered in the order they
 * are first met in order[], which makes the numbering itself random.  A
 * hash table over the label values, so a million distinct regression
 * targets cost one pass.  Returns the number of strata; first_row[k] is the
 * first row of stratum k.
 */
static int64
split_strata(const PgmlDataset *ds, const int64 *order, int64 *stratum_of,
			 int64 *first_row)
{
	int64		n = ds->n_rows;
	uint64		cap = 16;
	int64	   *slot;				/* stratum + 1, 0 for an empty slot */
	int64		n_strata = 0;
	int64		nt = Max(ds->n_targets, 1);	/* a joint model: by its first target */

	while (cap < (uint64) n * 2)
		cap <<= 1;
	slot = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(int64) * cap,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int64 i = 0; i < n; i++)
	{
		int64		row = order[i];
		double		v = ds->y[row * nt] == 0.0 ? 0.0 : ds->y[row * nt];	/* -0 is 0 */
		uint64		h;

		memcpy(&h, &v, sizeof(h));
		h = (h ^ (h >> 33)) * UINT64CONST(0xff51afd7ed558ccd);
		h = (h ^ (h >> 33)) * UINT64CONST(0xc4ceb9fe1a85ec53);
		h ^= h >> 33;
		for (h &= cap - 1;; h = (h + 1) & (cap - 1))
		{
			if (slot[h] == 0)
			{
				slot[h] = n_strata + 1;
				first_row[n_strata] = row;
				stratum_of[row] = n_strata++;
				break;
			}
			if (ds->y[first_row[slot[h] - 1] * nt] == v)
			{
				stratum_of[row] = slot[h] - 1;
				break;
			}
		}
	}
	pfree(slot);
	return n_strata;
}

/*
 * Row order for the split: the n_test test rows first, then the training
 * rows.  random: a seeded shuffle.  last: the last rows in scan order are the
 * test set.  stratified (PostgresML's default): every label value (a class,
 * or a distinct target value; a joint model's first target) contributes to the test set in proportion to
 * its rows, the largest remainders taking the rows left over (ties to the
 * value met first in the shuffled order, so at random); rows are chosen at
 * random within a value.  Without a label (clustering, decomposition)
 * stratified is random.
 */
int64 *
pgml_split_order(const PgmlDataset *ds, int64 n_test, const char *sampling,
				 int32 n_classes, uint64 seed)
{
	int64		n = ds->n_rows;
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);

	if (strcmp(sampling, "last") == 0)
	{
		for (int64 i = 0; i < n; i++)
			order[i] = (i < n_test) ? n - n_test + i : i - n_test;
		return order;
	}
	for (int64 i = 0; i < n; i++)
		order[i] = i;
	shuffle(order, n, &seed);
	if (strcmp(sampling, "stratified") == 0 && ds->y != NULL)
	{
		int64	   *stratum_of = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
		int64	   *first_row = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
		int64		n_strata = split_strata(ds, order, stratum_of, first_row);
		int64	   *count = MemoryContextAllocExtended(CurrentMemoryContext,
													   sizeof(int64) * Max(n_strata, 1),
													   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		int64	   *quota = first_row;	/* reused: first_row is done */
		int64	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
		int64		assigned = 0;
		int64		t = 0,
					r = n_test;

		for (int64 i = 0; i < n; i++)
			count[stratum_of[i]]++;
		for (int64 k = 0; k < n_strata; k++)
		{
			quota[k] = (int64) floor((double) count[k] * n_test / n);
			assigned += quota[k];
		}

		/*
		 * The rows left over go one each to the strata with the largest
		 * remainder of their exact share, ties to the stratum met first.  A
		 * remainder depends only on the stratum's row count, so the
		 * distinct counts are ranked (few: at most about sqrt(2n)) and the
		 * strata walked rank by rank in the order they were met.
		 */
		if (assigned < n_test)
		{
			int64	   *rank_of = MemoryContextAllocExtended(CurrentMemoryContext,
															 sizeof(int64) * (n + 1),
															 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			int64	   *counts = MemoryContextAllocHuge(CurrentMemoryContext,
														sizeof(int64) * Max(n_strata, 1));
			int64	   *start;
			int64	   *walk;
			int64		n_counts = 0;
			int64		n_ranks = 0;
			SplitShare	share = {n_test, n};

			/* the distinct counts of strata that can take a row, by remainder */
			for (int64 k = 0; k < n_strata; k++)
				if (quota[k] < count[k] && rank_of[count[k]]++ == 0)
					counts[n_counts++] = count[k];
			qsort_arg(counts, n_counts, sizeof(int64), count_remainder_cmp, &share);
			for (int64 c = 0; c < n_counts; c++)
			{
				if (c > 0 && count_remainder(counts[c], &share) !=
					count_remainder(counts[c - 1], &share))
					n_ranks++;
				rank_of[counts[c]] = n_ranks;
			}
			n_ranks++;

			/* the strata by rank, in the order met (a counting sort) */
			start = MemoryContextAllocExtended(CurrentMemoryContext,
											   sizeof(int64) * (n_ranks + 1),
											   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			walk = MemoryContextAllocHuge(CurrentMemoryContext,
										  sizeof(int64) * Max(n_strata, 1));
			for (int64 k = 0; k < n_strata; k++)
				if (quota[k] < count[k])
					start[rank_of[count[k]] + 1]++;
			for (int64 g = 0; g < n_ranks; g++)
				start[g + 1] += start[g];
			for (int64 k = 0; k < n_strata; k++)
				if (quota[k] < count[k])
					walk[start[rank_of[count[k]]]++] = k;
			for (int64 w = 0; w < n_strata && assigned < n_test && w < start[n_ranks - 1]; w++)
			{
				quota[walk[w]]++;
				assigned++;
			}
			pfree(rank_of);
			pfree(counts);
			pfree(start);
			pfree(walk);
		}

		/* in shuffled order: the first quota rows of each stratum are test rows */
		for (int64 i = 0; i < n; i++)
		{
			int64		k = stratum_of[order[i]];

			if (quota[k] > 0)
			{
				quota[k]--;
				out[t++] = order[i];
			}
			else
				out[r++] = order[i];
		}
		pfree(order);
		pfree(stratum_of);
		pfree(first_row);
		pfree(count);
		return out;
	}
	return order;
}

/* qsort comparator of int64 */
static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * See pgml_job.h.  The test rows, in ascending row order, move to the front
 * in place: the k-th smallest test row goes to row k, and k never exceeds
 * it, so no row is overwritten before it has moved.
 */
int64 *
pgml_split_keep_test_labels(PgmlDataset *ds, const int64 *order, int64 n_test)
{
	int64	   *sorted = MemoryContextAllocHuge(CurrentMemoryContext,
												sizeof(int64) * Max(n_test, 1));

	memcpy(sorted, order, sizeof(int64) * n_test);
	qsort(sorted, n_test, sizeof(int64), cmp_int64);
	if (ds->y)
	{
		int64		nt = Max(ds->n_targets, 1);

		for (int64 k = 0; k < n_test; k++)
			memmove(ds->y + k * nt, ds->y + sorted[k] * nt, sizeof(double) * nt);
		ds->y = repalloc_huge(ds->y, sizeof(double) * nt * Max(n_test, 1));
	}
	return sorted;
}

/*
 * See pgml_job.h.  Then each order[i] becomes the new row of its row:
 * evaluation reads the same rows in the same order as before.
 */
void
pgml_split_keep_test_features(PgmlDataset *ds, int64 *order, int64 n_test, int64 *sorted)
{
	int32		f = ds->n_features;
	int32		nt = ds->n_target_inputs;

	for (int64 k = 0; k < n_test; k++)
	{
		int64		from = sorted[k];

		Assert(from >= k);
		if (from == k)
			continue;
		memcpy(ds->x + k * f, ds->x + from * f, sizeof(float) * f);
		if (ds->target_codes && nt > 0)
			memcpy(ds->target_codes + k * nt, ds->target_codes + from * nt,
				   sizeof(float) * nt);
	}
	for (int64 i = 0; i < n_test; i++)
	{
		int64	   *at = bsearch(&order[i], sorted, n_test, sizeof(int64), cmp_int64);

		Assert(at != NULL);
		order[i] = at - sorted;
	}
	pfree(sorted);

	/* give the rest back */
	ds->x = repalloc_huge(ds->x, sizeof(float) * Max(n_test * f, 1));
	if (ds->target_codes && nt > 0)
		ds->target_codes = repalloc_huge(ds->target_codes, sizeof(float) * Max(n_test * nt, 1));
	ds->n_rows = n_test;
}
