/*
 * dot_bench.c
 *	  Standalone microbenchmark: the dot-product kernels of src/vector.c
 *	  against OpenBLAS cblas_sdot / cblas_ddot on short vectors.
 *
 * src/vector.c is included with PGML_VECTOR_KERNELS_ONLY defined, so the
 * code timed here is the code pgml.dot_product runs (including its
 * target_clones dispatch).  Usage: dot_bench [dims] [pairs] [reps]
 * Prints CSV on stdout: kernel,dims,ns_per_dot,checksum.
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

/* A uniform random float in [-1, 1) from a 64-bit LCG (fixed seed). */
static float
rnd(unsigned long long *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float) ((*s >> 40) / (double) (1ULL << 24) * 2.0 - 1.0);
}

/* Which kernel a timing run calls. */
enum kernel
{
	K_PGML_F4,
	K_SDOT,
	K_PGML_F8,
	K_DDOT
};

/* Median of n doubles (sorts them). */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Time one kernel over every pair, reps times; return the median ns per dot. */
static double
time_kernel(enum kernel k, const float *a4, const float *b4, const double *a8,
			const double *b8, int dims, int pairs, int reps, double *check)
{
	double	   *t = malloc(reps * sizeof(double));
	double		med;
	int			r;
	int			p;

	*check = 0.0;
	for (r = 0; r < reps; r++)
	{
		double		sum = 0.0;
		double		t0 = now_ns();

		for (p = 0; p < pairs; p++)
		{
			size_t		off = (size_t) p * dims;

			switch (k)
			{
				case K_PGML_F4:
					sum += (float) dot_f4(a4 + off, b4, dims);
					break;
				case K_SDOT:
					sum += cblas_sdot(dims, a4 + off, 1, b4, 1);
					break;
				case K_PGML_F8:
					sum += dot_f8(a8 + off, b8, dims);
					break;
				case K_DDOT:
					sum += cblas_ddot(dims, a8 + off, 1, b8, 1);
					break;
			}
		}
		t[r] = (now_ns() - t0) / pairs;
		*check = sum;
	}
	qsort(t, reps, sizeof(double), cmp_double);
	med = t[reps / 2];
	free(t);
	return med;
}

/* Fill random vectors, time the four kernels, print CSV rows. */
int
main(int argc, char **argv)
{
	int			dims = argc > 1 ? atoi(argv[1]) : 128;
	int			pairs = argc > 2 ? atoi(argv[2]) : 10000;
	int			reps = argc > 3 ? atoi(argv[3]) : 201;
	unsigned long long seed = 42;
	float	   *a4 = malloc((size_t) pairs * dims * sizeof(float));
	float	   *b4 = malloc(dims * sizeof(float));
	double	   *a8 = malloc((size_t) pairs * dims * sizeof(double));
	double	   *b8 = malloc(dims * sizeof(double));
	static const char *names[] = {"pgml_dot_f4", "cblas_sdot", "pgml_dot_f8", "cblas_ddot"};
	size_t		i;
	int			k;

	openblas_set_num_threads(1);
	for (i = 0; i < (size_t) pairs * dims; i++)
		a8[i] = a4[i] = rnd(&seed);
	for (i = 0; i < (size_t) dims; i++)
		b8[i] = b4[i] = rnd(&seed);

	printf("kernel,dims,ns_per_dot,checksum\n");
	for (k = 0; k < 4; k++)
	{
		double		check;
		double		ns = time_kernel((enum kernel) k, a4, b4, a8, b8, dims, pairs,
									 reps, &check);

		printf("%s,%d,%.2f,%.6f\n", names[k], dims, ns, check);
	}
	return 0;
}
