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

/* Strata of the stratified split: rows with equal labels. */
typedef struct Stratum
{
	int64		count;			/* rows */
	int64		first;			/* first position in the shuffled order */
	int64		quota;			/* test rows */
	double		frac;			/* fractional part of its exact share */
} Stratum;

/* qsort: larger remainder first, then the stratum met first (random) */
static int
stratum_cmp(const void *a, const void *b)
{
	const Stratum *x = *(Stratum *const *) a;
	const Stratum *y = *(Stratum *const *) b;

	if (x->frac != y->frac)
		return x->frac > y->frac ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

/* qsort_arg: row indexes by label value */
static int
row_label_cmp(const void *a, const void *b, void *arg)
{
	const double *y = arg;
	double		u = y[*(const int64 *) a];
	double		v = y[*(const int64 *) b];

	return (u > v) - (u < v);
}

/*
 * The stratum of every row: rows with equal labels (PostgresML partitions
 * by the label columns).  Classification labels are class indexes already;
 * other labels are numbered by sorting.  Returns the number of strata.
 */
static int64
split_strata(const PgmlDataset *ds, int32 n_classes, int64 *stratum)
{
	int64		n = ds->n_rows;
	int64	   *by_label;
	int64		k = 0;

	if (n_classes > 0)
	{
		for (int64 i = 0; i < n; i++)
			stratum[i] = (int64) ds->y[i];
		return n_classes;
	}
	by_label = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
	for (int64 i = 0; i < n; i++)
		by_label[i] = i;
	qsort_arg(by_label, n, sizeof(int64), row_label_cmp, ds->y);
	for (int64 i = 0; i < n; i++)
	{
		if (i > 0 && ds->y[by_label[i]] != ds->y[by_label[i - 1]])
			k++;
		stratum[by_label[i]] = k;
	}
	pfree(by_label);
	return n > 0 ? k + 1 : 0;
}

/*
 * Row order for the split: the n_test test rows first, then the training
 * rows.  random: a seeded shuffle.  last: the last rows in scan order are the
 * test set.  stratified (PostgresML's default): every label value (a class,
 * or a distinct target value) contributes to the test set in proportion to
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
		int64	   *stratum = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
		int64		n_strata = split_strata(ds, n_classes, stratum);
		Stratum    *st = MemoryContextAllocExtended(CurrentMemoryContext,
													sizeof(Stratum) * Max(n_strata, 1),
													MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		Stratum   **open = MemoryContextAllocHuge(CurrentMemoryContext,
												  sizeof(Stratum *) * Max(n_strata, 1));
		int64	   *taken = MemoryContextAllocExtended(CurrentMemoryContext,
													   sizeof(int64) * Max(n_strata, 1),
													   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		int64	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
		int64		assigned = 0;
		int64		n_open = 0;
		int64		t = 0,
					r = n_test;

		for (int64 s = 0; s < n_strata; s++)
			st[s].first = -1;
		for (int64 i = 0; i < n; i++)
		{
			Stratum    *x = &st[stratum[order[i]]];

			x->count++;
			if (x->first < 0)
				x->first = i;
		}
		for (int64 s = 0; s < n_strata; s++)
		{
			double		exact = (double) st[s].count * n_test / n;

			st[s].quota = (int64) floor(exact);
			st[s].frac = exact - st[s].quota;
			assigned += st[s].quota;
			if (st[s].quota < st[s].count)
				open[n_open++] = &st[s];
		}
		qsort(open, n_open, sizeof(Stratum *), stratum_cmp);
		for (int64 k = 0; k < n_open && assigned < n_test; k++, assigned++)
			open[k]->quota++;
		/* in shuffled order: the first quota rows of each stratum are test rows */
		for (int64 i = 0; i < n; i++)
		{
			int64		s = stratum[order[i]];

			if (taken[s] < st[s].quota)
			{
				taken[s]++;
				out[t++] = order[i];
			}
			else
				out[r++] = order[i];
		}
		pfree(order);
		pfree(stratum);
		pfree(st);
		pfree(open);
		pfree(taken);
		return out;
	}
	return order;
}
