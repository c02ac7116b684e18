/*
 * dot_bench.c
 *	  Standalone microbenchmark: the dot-product kernels of src/vector.c
 *	  against OpenBLAS cblas_sdot / cblas_ddot and a naive C loop.
 *
 * src/vector.c is included with PGML_VECTOR_KERNELS_ONLY defined, so the
 * code timed here is the code pgml.dot_product runs, target_clones dispatch
 * included.  Each repetition computes the dot product of one fixed query
 * vector with every row of a ~1 MB matrix (as a scan does), for every
 * kernel in turn, so noise from the machine falls on all kernels alike; an
 * untimed pass before each timed one puts the kernel's rows in cache (the
 * real[] and double copies together do not fit in L2).
 *
 * Usage: dot_bench [dims] [reps]
 * Prints CSV on stdout (case,runs,median_ns,min_ns,p90_ns, per dot product)
 * and checks every kernel's result against a double-precision reference.
 */
#define PGML_VECTOR_KERNELS_ONLY
#include "../../src/vector.c"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Nanoseconds of CLOCK_MONOTONIC. */
static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* A uniform random number in [-1, 1) from a 64-bit LCG (fixed seed). */
static double
rnd(unsigned long long *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (*s >> 11) / (double) (1ULL << 53) * 2.0 - 1.0;
}

/* A naive float loop, as one would write it first (not vectorized at -O2). */
static __attribute__((noinline)) double
naive_f4(const float *a, const float *b, int n)
{
	float		s = 0.0f;
	int			i;

	for (i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* The kernels compared; each returns one dot product as a double. */
static double
k_pgml_f4(const void *a, const void *b, int n)
{
	return (float) dot_f4(a, b, n);
}

/* OpenBLAS single precision. */
static double
k_sdot(const void *a, const void *b, int n)
{
	return cblas_sdot(n, a, 1, b, 1);
}

/* The naive loop. */
static double
k_naive(const void *a, const void *b, int n)
{
	return naive_f4(a, b, n);
}

/* pgml double precision. */
static double
k_pgml_f8(const void *a, const void *b, int n)
{
	return dot_f8(a, b, n);
}

/* OpenBLAS double precision. */
static double
k_ddot(const void *a, const void *b, int n)
{
	return cblas_ddot(n, a, 1, b, 1);
}

typedef double (*kernel_fn) (const void *a, const void *b, int n);

static const struct
{
	const char *name;
	kernel_fn	fn;
	int			f8;				/* works on the double copy of the data */
}			kernels[] =
{
	{"pgml dot_f4 (real[])", k_pgml_f4, 0},
	{"OpenBLAS cblas_sdot", k_sdot, 0},
	{"naive C loop (float)", k_naive, 0},
	{"pgml dot_f8 (double precision[])", k_pgml_f8, 1},
	{"OpenBLAS cblas_ddot", k_ddot, 1},
};
#define NKERNELS ((int) (sizeof(kernels) / sizeof(kernels[0])))

/* qsort comparator for doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Fill the data, time every kernel reps times (interleaved), print CSV. */
int
main(int argc, char **argv)
{
	int			dims = argc > 1 ? atoi(argv[1]) : 128;
	int			reps = argc > 2 ? atoi(argv[2]) : 301;
	int			rows = (1 << 18) / dims;	/* about 1 MB of real[] */
	unsigned long long seed = 42;
	float	   *m4 = malloc((size_t) rows * dims * sizeof(float));
	double	   *m8 = malloc((size_t) rows * dims * sizeof(double));
	float	   *q4 = malloc(dims * sizeof(float));
	double	   *q8 = malloc(dims * sizeof(double));
	double	   *t = malloc((size_t) NKERNELS * reps * sizeof(double));
	double		worst[NKERNELS] = {0};
	size_t		i;
	int			k;
	int			r;
	int			bad = 0;

	if (rows < 1 || reps < 1 || !m4 || !m8 || !q4 || !q8 || !t)
		return 2;
	openblas_set_num_threads(1);
	for (i = 0; i < (size_t) rows * dims; i++)
		m8[i] = m4[i] = (float) rnd(&seed);
	for (i = 0; i < (size_t) dims; i++)
		q8[i] = q4[i] = (float) rnd(&seed);

	/* correctness: |error| against a double reference, over sum |a*b| */
	for (r = 0; r < rows; r++)
	{
		double		ref = 0.0;
		double		mag = 0.0;
		int			j;

		for (j = 0; j < dims; j++)
		{
			ref += m8[(size_t) r * dims + j] * q8[j];
			mag += fabs(m8[(size_t) r * dims + j] * q8[j]);
		}
		for (k = 0; k < NKERNELS; k++)
		{
			const void *a = kernels[k].f8 ? (const void *) (m8 + (size_t) r * dims) : (const void *) (m4 + (size_t) r * dims);
			const void *b = kernels[k].f8 ? (const void *) q8 : (const void *) q4;
			double		err = fabs(kernels[k].fn(a, b, dims) - ref) / mag;

			if (err > worst[k])
				worst[k] = err;
		}
	}

	for (r = 0; r < reps; r++)
		for (k = 0; k < NKERNELS; k++)
		{
			const char *a = kernels[k].f8 ? (const char *) m8 : (const char *) m4;
			const void *b = kernels[k].f8 ? (const void *) q8 : (const void *) q4;
			size_t		stride = dims * (kernels[k].f8 ? sizeof(double) : sizeof(float));
			volatile double sink = 0.0;
			double		sum = 0.0;
			double		t0;
			int			p;

			/* an untimed pass first, so every kernel finds its rows in cache */
			for (p = 0; p < rows; p++)
				sum += kernels[k].fn(a + p * stride, b, dims);
			t0 = now_ns();
			for (p = 0; p < rows; p++)
				sum += kernels[k].fn(a + p * stride, b, dims);
			t[k * reps + r] = (now_ns() - t0) / rows;
			sink = sum;
			(void) sink;
		}

	printf("case,runs,median_ns,min_ns,p90_ns\n");
	for (k = 0; k < NKERNELS; k++)
	{
		double	   *tk = t + k * reps;

		qsort(tk, reps, sizeof(double), cmp_double);
		printf("\"%s\",%d,%.2f,%.2f,%.2f\n", kernels[k].name, reps, tk[reps / 2], tk[0], tk[(reps - 1) * 9 / 10]);
	}
	/* the documented bound for real[]: (ceil(n/32) + 5) * 2^-24 */
	for (k = 0; k < NKERNELS; k++)
	{
		fprintf(stderr, "   %s: largest error / sum|a*b| = %.3g\n", kernels[k].name, worst[k]);
		if (k == 0 && worst[k] > ((dims + 31) / 32 + 5) * ldexp(1.0, -24))
			bad = 1;
	}
	if (bad)
		fprintf(stderr, "error: pgml dot_f4 exceeds its documented error bound\n");
	return bad;
}
