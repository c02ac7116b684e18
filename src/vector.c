/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  Vector functions on real[] and double precision[]: element-wise
 *	  arithmetic, norms, normalization, distances, dot product, cosine
 *	  similarity, and the element-wise aggregates pgml.sum, pgml.min,
 *	  pgml.max, pgml.min_abs and pgml.max_abs.
 *
 * Semantics (docs/vector.md is the user-facing version):
 *	- A vector is a one-dimensional array without NULL elements; its lower
 *	  bound is ignored and results have lower bound 1.  An empty array is the
 *	  vector of length 0.  Two vectors of different lengths are an error: we
 *	  never truncate.
 *	- Element-wise arithmetic is done in the element type (real + real is
 *	  computed in float, as PostgreSQL's own real operators do) with IEEE
 *	  semantics: dividing by zero gives Infinity or NaN, never an error.
 *	- dot_product, distance_l1, distance_l2 and cosine_similarity accumulate
 *	  in the element type (float for real[], as BLAS sdot does): blocks of
 *	  32 elements (16 for double) go to as many lanes, element i to lane
 *	  i mod 32, each lane summed in order; the last n mod 8 (mod 4) elements
 *	  are summed in order into one scalar; the lanes are added in a fixed
 *	  pairwise tree and the scalar last.  The order depends on n alone.  The
 *	  rounding error of a real[] dot product is at most about
 *	  (max(ceil(n/32), 7) + 7) * 2^-24 * sum(|a[i] * b[i]|).
 *	- Norms, normalization and pgml.sum accumulate in double for both types.
 *	- No addition is ever reordered by the compiler and no clone enables
 *	  fused multiply-add, so every x86-64 CPU returns the same bits (as long
 *	  as the extension is not built with -march flags that enable FMA).
 *	- min/max follow PostgreSQL's ordering of floats: NaN is larger than any
 *	  number.
 *
 * The fast kernels use GCC/Clang vector extensions (plain C arithmetic on
 * vector types, no intrinsics): the compiler emits SSE2 or AVX2 for them,
 * and target_clones picks the AVX2 copy at load time where the CPU has it.
 * Plain loops did not do as well here: -O2 keeps a lane array in memory.
 *
 * The kernel section needs no PostgreSQL header: bench/vector/ compiles it
 * alone (with PGML_VECTOR_KERNELS_ONLY defined) to time it against BLAS.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGML_VECTOR_KERNELS_ONLY
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#endif

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * Runtime dispatch: an AVX2 clone beside the baseline x86-64 one, chosen
 * once by the dynamic loader.  FMA is deliberately left out (see above).
 */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define PGML_CLONES __attribute__((target_clones("default", "avx2")))
#endif
#endif
#ifndef PGML_CLONES
#define PGML_CLONES
#endif

/* ---------------------------------------------------------------------
 * Kernels
 * ---------------------------------------------------------------------
 */

/* 8 floats and 4 doubles: one AVX2 register, two SSE2 registers. */
typedef float pgml_v8sf __attribute__((vector_size(32)));
typedef double pgml_v4df __attribute__((vector_size(32)));
typedef int32_t pgml_v8si __attribute__((vector_size(32)));
typedef int64_t pgml_v4di __attribute__((vector_size(32)));

/* The same, loadable from any address of an element. */
typedef float pgml_v8sf_u __attribute__((vector_size(32), aligned(4), may_alias));
typedef double pgml_v4df_u __attribute__((vector_size(32), aligned(8), may_alias));

/* |x| of every element, by clearing the sign bits. */
#define PGML_ABS_V8SF(x) \
	((pgml_v8sf) ((pgml_v8si) (x) & (pgml_v8si) {0x7fffffff, 0x7fffffff, 0x7fffffff, \
	0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff}))
#define PGML_ABS_V4DF(x) \
	((pgml_v4df) ((pgml_v4di) (x) & (pgml_v4di) {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}))

/* Sum the 8 lanes of a vector in the fixed tree (j += j+4, j += j+2, j += j+1). */
static inline double
hsum_v8sf(const pgml_v8sf *v)
{
	float		t[8];

	memcpy(t, v, sizeof(t));
	return ((t[0] + t[4]) + (t[2] + t[6])) + ((t[1] + t[5]) + (t[3] + t[7]));
}

/* Sum the 4 lanes of a vector in the fixed tree (j += j+2, j += j+1). */
static inline double
hsum_v4df(const pgml_v4df *v)
{
	double		t[4];

	memcpy(t, v, sizeof(t));
	return (t[0] + t[2]) + (t[1] + t[3]);
}

/*
 * Define NAME(a, b, n): the sum over i of TERM (STERM for scalars), an
 * expression of x = a[i] and y = b[i], for arrays of T.  Blocks of 4W
 * elements go to 4 accumulators of the vector type V (W elements each):
 * element i to lane i mod 4W.  Of the last partial block, whole vectors go
 * to the same lanes, and the last n mod W elements to a scalar added in
 * order.  At the end: lanes j += j + 2W, j += j + W, HSUM, plus the scalar.
 * The order depends on n alone.
 */
#define PGML_DEFINE_REDUCE2(NAME, T, V, VU, W, HSUM, TERM, STERM) \
static PGML_CLONES double \
NAME(const T *a, const T *b, int n) \
{ \
	V			s0 = {0}; \
	V			s1 = {0}; \
	V			s2 = {0}; \
	V			s3 = {0}; \
	T			r = 0; \
	int			i; \
\
	for (i = 0; i + 4 * W <= n; i += 4 * W, a += 4 * W, b += 4 * W) \
	{ \
		V			x; \
		V			y; \
\
		x = *(const VU *) (a); \
		y = *(const VU *) (b); \
		s0 += (TERM); \
		x = *(const VU *) (a + W); \
		y = *(const VU *) (b + W); \
		s1 += (TERM); \
		x = *(const VU *) (a + 2 * W); \
		y = *(const VU *) (b + 2 * W); \
		s2 += (TERM); \
		x = *(const VU *) (a + 3 * W); \
		y = *(const VU *) (b + 3 * W); \
		s3 += (TERM); \
	} \
	if (i + W <= n) \
	{ \
		V			x = *(const VU *) (a); \
		V			y = *(const VU *) (b); \
\
		s0 += (TERM); \
		i += W, a += W, b += W; \
		if (i + W <= n) \
		{ \
			x = *(const VU *) (a); \
			y = *(const VU *) (b); \
			s1 += (TERM); \
			i += W, a += W, b += W; \
			if (i + W <= n) \
			{ \
				x = *(const VU *) (a); \
				y = *(const VU *) (b); \
				s2 += (TERM); \
				i += W, a += W, b += W; \
			} \
		} \
	} \
	for (; i < n; i++, a++, b++) \
	{ \
		T			x = *a; \
		T			y = *b; \
\
		r += (STERM); \
	} \
	s0 += s2; \
	s1 += s3; \
	s0 += s1; \
	return HSUM(&s0) + r; \
}

/* dot_f4: sum of a[i] * b[i] over real arrays, in float. */
PGML_DEFINE_REDUCE2(dot_f4, float, pgml_v8sf, pgml_v8sf_u, 8, hsum_v8sf, x * y, x * y)
/* dot_f8: sum of a[i] * b[i] over double arrays. */
PGML_DEFINE_REDUCE2(dot_f8, double, pgml_v4df, pgml_v4df_u, 4, hsum_v4df, x * y, x * y)
/* sqdist_f4: sum of (a[i] - b[i])^2 over real arrays, in float. */
PGML_DEFINE_REDUCE2(sqdist_f4, float, pgml_v8sf, pgml_v8sf_u, 8, hsum_v8sf, (x - y) * (x - y), (x - y) * (x - y))
/* sqdist_f8: sum of (a[i] - b[i])^2 over double arrays. */
PGML_DEFINE_REDUCE2(sqdist_f8, double, pgml_v4df, pgml_v4df_u, 4, hsum_v4df, (x - y) * (x - y), (x - y) * (x - y))
/* absdist_f4: sum of |a[i] - b[i]| over real arrays, in float. */
PGML_DEFINE_REDUCE2(absdist_f4, float, pgml_v8sf, pgml_v8sf_u, 8, hsum_v8sf, PGML_ABS_V8SF(x - y), fabsf(x - y))
/* absdist_f8: sum of |a[i] - b[i]| over double arrays. */
PGML_DEFINE_REDUCE2(absdist_f8, double, pgml_v4df, pgml_v4df_u, 4, hsum_v4df, PGML_ABS_V4DF(x - y), fabs(x - y))

/*
 * Define NAME(a, b, n, &dot, &aa, &bb): the three sums of cosine
 * similarity (a.b, a.a, b.b) in one pass, in the lanes and the order of
 * PGML_DEFINE_REDUCE2, so dot equals dot_product(a, b) bit for bit.
 */
#define PGML_COSINE_STEP(V, VU, K, OFF) \
do { \
	V			x_ = *(const VU *) (a + (OFF)); \
	V			y_ = *(const VU *) (b + (OFF)); \
\
	d##K += x_ * y_; \
	p##K += x_ * x_; \
	q##K += y_ * y_; \
} while (0)

#define PGML_DEFINE_COSINE(NAME, T, V, VU, W, HSUM) \
static PGML_CLONES void \
NAME(const T *a, const T *b, int n, double *dot, double *aa, double *bb) \
{ \
	V			d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0}; \
	V			p0 = {0}, p1 = {0}, p2 = {0}, p3 = {0}; \
	V			q0 = {0}, q1 = {0}, q2 = {0}, q3 = {0}; \
	T			rd = 0; \
	T			rp = 0; \
	T			rq = 0; \
	int			i; \
\
	for (i = 0; i + 4 * W <= n; i += 4 * W, a += 4 * W, b += 4 * W) \
	{ \
		PGML_COSINE_STEP(V, VU, 0, 0); \
		PGML_COSINE_STEP(V, VU, 1, W); \
		PGML_COSINE_STEP(V, VU, 2, 2 * W); \
		PGML_COSINE_STEP(V, VU, 3, 3 * W); \
	} \
	if (i + W <= n) \
	{ \
		PGML_COSINE_STEP(V, VU, 0, 0); \
		i += W, a += W, b += W; \
		if (i + W <= n) \
		{ \
			PGML_COSINE_STEP(V, VU, 1, 0); \
			i += W, a += W, b += W; \
			if (i + W <= n) \
			{ \
				PGML_COSINE_STEP(V, VU, 2, 0); \
				i += W, a += W, b += W; \
			} \
		} \
	} \
	for (; i < n; i++, a++, b++) \
	{ \
		rd += *a * *b; \
		rp += *a * *a; \
		rq += *b * *b; \
	} \
	d0 += d2; \
	d1 += d3; \
	d0 += d1; \
	p0 += p2; \
	p1 += p3; \
	p0 += p1; \
	q0 += q2; \
	q1 += q3; \
	q0 += q1; \
	*dot = HSUM(&d0) + rd; \
	*aa = HSUM(&p0) + rp; \
	*bb = HSUM(&q0) + rq; \
}

/* cosine_f4: a.b, a.a and b.b of real arrays, in float. */
PGML_DEFINE_COSINE(cosine_f4, float, pgml_v8sf, pgml_v8sf_u, 8, hsum_v8sf)
/* cosine_f8: a.b, a.a and b.b of double arrays. */
PGML_DEFINE_COSINE(cosine_f8, double, pgml_v4df, pgml_v4df_u, 4, hsum_v4df)

/*
 * Define NAME(a, n): the sum over i of TERM, an expression of double
 * x = a[i], in double.  Norms are not on anyone's hot path: a plain loop.
 */
#define PGML_DEFINE_REDUCE1(NAME, T, TERM) \
static double \
NAME(const T *a, int n) \
{ \
	double		s = 0.0; \
	int			i; \
\
	for (i = 0; i < n; i++) \
	{ \
		double		x = a[i]; \
\
		s += (TERM); \
	} \
	return s; \
}

/* sumsq_f4: sum of a[i]^2 over a real array, in double. */
PGML_DEFINE_REDUCE1(sumsq_f4, float, x * x)
/* sumsq_f8: sum of a[i]^2 over a double array. */
PGML_DEFINE_REDUCE1(sumsq_f8, double, x * x)
/* sumabs_f4: sum of |a[i]| over a real array, in double. */
PGML_DEFINE_REDUCE1(sumabs_f4, float, fabs(x))
/* sumabs_f8: sum of |a[i]| over a double array. */
PGML_DEFINE_REDUCE1(sumabs_f8, double, fabs(x))
/* nonzero_f4: number of elements of a real array that are not 0 (NaN counts). */
PGML_DEFINE_REDUCE1(nonzero_f4, float, x != 0.0 ? 1.0 : 0.0)
/* nonzero_f8: number of elements of a double array that are not 0 (NaN counts). */
PGML_DEFINE_REDUCE1(nonzero_f8, double, x != 0.0 ? 1.0 : 0.0)

/* The larger of two values in PostgreSQL's order (NaN is largest). */
static inline double
vec_fmax(double m, double v)
{
	return (v > m || isnan(v)) ? v : m;
}

/* The smaller of two values in PostgreSQL's order (NaN only if both are). */
static inline double
vec_fmin(double m, double v)
{
	return (v < m || isnan(m)) ? v : m;
}

/* Largest |a[i]| of a real array, NaN if any element is NaN, 0 if empty. */
static double
maxabs_f4(const float *a, int n)
{
	double		m = 0.0;
	int			i;

	for (i = 0; i < n; i++)
		m = vec_fmax(m, fabs((double) a[i]));
	return m;
}

/* Largest |a[i]| of a double array, NaN if any element is NaN, 0 if empty. */
static double
maxabs_f8(const double *a, int n)
{
	double		m = 0.0;
	int			i;

	for (i = 0; i < n; i++)
		m = vec_fmax(m, fabs(a[i]));
	return m;
}

#ifndef PGML_VECTOR_KERNELS_ONLY

/* ---------------------------------------------------------------------
 * Arrays as vectors
 * ---------------------------------------------------------------------
 */

/* Element-wise operations, for the arithmetic functions and the aggregates. */
typedef enum PgmlVecOp
{
	VOP_ADD,
	VOP_SUB,
	VOP_MUL,
	VOP_DIV,
	VOP_MIN,
	VOP_MAX,
	VOP_MIN_ABS,
	VOP_MAX_ABS
} PgmlVecOp;

/* Raise the error for an array that contains a NULL element. */
static void
report_null_element(ArrayType *a)
{
	bits8	   *bitmap = ARR_NULLBITMAP(a);
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	int			i;

	for (i = 0; i < n; i++)
		if (bitmap != NULL && (bitmap[i / 8] & (1 << (i % 8))) == 0)
			break;
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("vector must not contain null elements"),
			 errdetail("Element %d of the array is null.", i + 1)));
}

/* Check that an array is a vector (one dimension, no NULL) and return its length. */
static int
vector_length(ArrayType *a)
{
	int			ndim = ARR_NDIM(a);

	if (ndim == 0)
		return 0;
	if (ndim != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("vector must be a one-dimensional array"),
				 errdetail("The array has %d dimensions.", ndim)));
	if (array_contains_nulls(a))
		report_null_element(a);
	return ARR_DIMS(a)[0];
}

/* Raise an error unless two vectors have the same length. */
static void
check_same_length(int na, int nb)
{
	if (na != nb)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("vectors must have the same length"),
				 errdetail("The vectors have lengths %d and %d.", na, nb)));
}

/* Allocate a one-dimensional real[] or double precision[] of n elements. */
static ArrayType *
new_vector(int n, Oid elemtype)
{
	Size		elemsize = (elemtype == FLOAT4OID) ? sizeof(float4) : sizeof(float8);
	Size		nbytes;
	ArrayType  *r;

	if (n == 0)
		return construct_empty_array(elemtype);
	nbytes = ARR_OVERHEAD_NONULLS(1) + (Size) n * elemsize;
	r = (ArrayType *) palloc(nbytes);
	SET_VARSIZE(r, nbytes);
	r->ndim = 1;
	r->dataoffset = 0;
	r->elemtype = elemtype;
	ARR_DIMS(r)[0] = n;
	ARR_LBOUND(r)[0] = 1;
	return r;
}

/* Fetch two vector arguments of a function and check they have equal length. */
static int
get_two_vectors(FunctionCallInfo fcinfo, ArrayType **a, ArrayType **b)
{
	int			na;
	int			nb;

	*a = PG_GETARG_ARRAYTYPE_P(0);
	*b = PG_GETARG_ARRAYTYPE_P(1);
	na = vector_length(*a);
	nb = vector_length(*b);
	check_same_length(na, nb);
	return na;
}

/* Return a double as the function's result type: real for real[] input. */
static Datum
reduction_result(ArrayType *a, double value)
{
	if (ARR_ELEMTYPE(a) == FLOAT4OID)
		return Float4GetDatum((float4) value);
	return Float8GetDatum(value);
}

/*
 * Define the loop out[i] = EXPR (of x = a[i], y = b[i]) for one element
 * type, one case per element-wise operation.
 */
#define PGML_ELEMENTWISE(TYPE, out, a, b, n, op) \
do { \
	TYPE	   *o_ = (TYPE *) (out); \
	const TYPE *a_ = (const TYPE *) (a); \
	const TYPE *b_ = (const TYPE *) (b); \
	int			i_; \
\
	switch (op) \
	{ \
		case VOP_ADD: \
			for (i_ = 0; i_ < (n); i_++) o_[i_] = a_[i_] + b_[i_]; \
			break; \
		case VOP_SUB: \
			for (i_ = 0; i_ < (n); i_++) o_[i_] = a_[i_] - b_[i_]; \
			break; \
		case VOP_MUL: \
			for (i_ = 0; i_ < (n); i_++) o_[i_] = a_[i_] * b_[i_]; \
			break; \
		case VOP_DIV: \
			for (i_ = 0; i_ < (n); i_++) o_[i_] = a_[i_] / b_[i_]; \
			break; \
		case VOP_MIN: \
			for (i_ = 0; i_ < (n); i_++) \
				o_[i_] = (b_[i_] < a_[i_] || isnan(a_[i_])) ? b_[i_] : a_[i_]; \
			break; \
		case VOP_MAX: \
			for (i_ = 0; i_ < (n); i_++) \
				o_[i_] = (b_[i_] > a_[i_] || isnan(b_[i_])) ? b_[i_] : a_[i_]; \
			break; \
		case VOP_MIN_ABS: \
			for (i_ = 0; i_ < (n); i_++) \
				o_[i_] = vec_fmin(a_[i_], fabs(b_[i_])); \
			break; \
		case VOP_MAX_ABS: \
			for (i_ = 0; i_ < (n); i_++) \
				o_[i_] = vec_fmax(a_[i_], fabs(b_[i_])); \
			break; \
	} \
} while (0)

/* out = a OP b element by element; out may be a (the aggregates do so). */
static void
elementwise(void *out, const void *a, const void *b, int n, Oid elemtype,
			PgmlVecOp op)
{
	if (elemtype == FLOAT4OID)
		PGML_ELEMENTWISE(float4, out, a, b, n, op);
	else
		PGML_ELEMENTWISE(float8, out, a, b, n, op);
}

/* The body of pgml.add/subtract/multiply/divide(vector, vector). */
static Datum
vector_vector_op(FunctionCallInfo fcinfo, PgmlVecOp op)
{
	ArrayType  *a;
	ArrayType  *b;
	int			n = get_two_vectors(fcinfo, &a, &b);
	ArrayType  *r = new_vector(n, ARR_ELEMTYPE(a));

	if (n > 0)
		elementwise(ARR_DATA_PTR(r), ARR_DATA_PTR(a), ARR_DATA_PTR(b), n,
					ARR_ELEMTYPE(a), op);
	PG_RETURN_ARRAYTYPE_P(r);
}

/* The body of pgml.add/subtract/multiply/divide(vector, scalar). */
static Datum
vector_scalar_op(FunctionCallInfo fcinfo, PgmlVecOp op)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	int			n = vector_length(a);
	Oid			elemtype = ARR_ELEMTYPE(a);
	ArrayType  *r = new_vector(n, elemtype);
	int			i;

	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(r);
	if (elemtype == FLOAT4OID)
	{
		float4		s = PG_GETARG_FLOAT4(1);
		float4	   *b = palloc(n * sizeof(float4));

		for (i = 0; i < n; i++)
			b[i] = s;
		elementwise(ARR_DATA_PTR(r), ARR_DATA_PTR(a), b, n, elemtype, op);
		pfree(b);
	}
	else
	{
		float8		s = PG_GETARG_FLOAT8(1);
		float8	   *b = palloc(n * sizeof(float8));

		for (i = 0; i < n; i++)
			b[i] = s;
		elementwise(ARR_DATA_PTR(r), ARR_DATA_PTR(a), b, n, elemtype, op);
		pfree(b);
	}
	PG_RETURN_ARRAYTYPE_P(r);
}

/* ---------------------------------------------------------------------
 * SQL functions: arithmetic
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(pgml_vector_add);
PG_FUNCTION_INFO_V1(pgml_vector_subtract);
PG_FUNCTION_INFO_V1(pgml_vector_multiply);
PG_FUNCTION_INFO_V1(pgml_vector_divide);
PG_FUNCTION_INFO_V1(pgml_vector_add_scalar);
PG_FUNCTION_INFO_V1(pgml_vector_subtract_scalar);
PG_FUNCTION_INFO_V1(pgml_vector_multiply_scalar);
PG_FUNCTION_INFO_V1(pgml_vector_divide_scalar);

/* pgml.add(vector, vector): element-wise sum. */
Datum
pgml_vector_add(PG_FUNCTION_ARGS)
{
	return vector_vector_op(fcinfo, VOP_ADD);
}

/* pgml.subtract(vector, vector): element-wise difference. */
Datum
pgml_vector_subtract(PG_FUNCTION_ARGS)
{
	return vector_vector_op(fcinfo, VOP_SUB);
}

/* pgml.multiply(vector, vector): element-wise product. */
Datum
pgml_vector_multiply(PG_FUNCTION_ARGS)
{
	return vector_vector_op(fcinfo, VOP_MUL);
}

/* pgml.divide(vector, vector): element-wise quotient (IEEE: x/0 is +-Infinity). */
Datum
pgml_vector_divide(PG_FUNCTION_ARGS)
{
	return vector_vector_op(fcinfo, VOP_DIV);
}

/* pgml.add(vector, scalar): adds the scalar to every element. */
Datum
pgml_vector_add_scalar(PG_FUNCTION_ARGS)
{
	return vector_scalar_op(fcinfo, VOP_ADD);
}

/* pgml.subtract(vector, scalar): subtracts the scalar from every element. */
Datum
pgml_vector_subtract_scalar(PG_FUNCTION_ARGS)
{
	return vector_scalar_op(fcinfo, VOP_SUB);
}

/* pgml.multiply(vector, scalar): multiplies every element by the scalar. */
Datum
pgml_vector_multiply_scalar(PG_FUNCTION_ARGS)
{
	return vector_scalar_op(fcinfo, VOP_MUL);
}

/* pgml.divide(vector, scalar): divides every element by the scalar. */
Datum
pgml_vector_divide_scalar(PG_FUNCTION_ARGS)
{
	return vector_scalar_op(fcinfo, VOP_DIV);
}

/* ---------------------------------------------------------------------
 * SQL functions: norms and normalization
 * ---------------------------------------------------------------------
 */

/* Which norm a function computes. */
typedef enum PgmlNorm
{
	NORM_L0,
	NORM_L1,
	NORM_L2,
	NORM_MAX
} PgmlNorm;

/* A norm of a real[] or double precision[] vector of n elements, in double. */
static double
vector_norm(ArrayType *a, int n, PgmlNorm norm)
{
	bool		f4 = (ARR_ELEMTYPE(a) == FLOAT4OID);
	const void *x = (n > 0) ? ARR_DATA_PTR(a) : NULL;

	if (n == 0)
		return 0.0;
	switch (norm)
	{
		case NORM_L0:
			return f4 ? nonzero_f4(x, n) : nonzero_f8(x, n);
		case NORM_L1:
			return f4 ? sumabs_f4(x, n) : sumabs_f8(x, n);
		case NORM_L2:
			return sqrt(f4 ? sumsq_f4(x, n) : sumsq_f8(x, n));
		case NORM_MAX:
			return f4 ? maxabs_f4(x, n) : maxabs_f8(x, n);
	}
	return 0.0;					/* keep the compiler quiet */
}

/* The body of pgml.norm_*(vector). */
static Datum
norm_function(FunctionCallInfo fcinfo, PgmlNorm norm)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	int			n = vector_length(a);

	return reduction_result(a, vector_norm(a, n, norm));
}

/*
 * The body of pgml.normalize_*(vector): every element divided by the norm,
 * in double.  A vector whose norm is 0 is returned unchanged.
 */
static Datum
normalize_function(FunctionCallInfo fcinfo, PgmlNorm norm)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	int			n = vector_length(a);
	double		d = vector_norm(a, n, norm);
	ArrayType  *r = new_vector(n, ARR_ELEMTYPE(a));
	int			i;

	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(r);
	if (d == 0.0)
		d = 1.0;
	if (ARR_ELEMTYPE(a) == FLOAT4OID)
	{
		const float4 *x = (const float4 *) ARR_DATA_PTR(a);
		float4	   *o = (float4 *) ARR_DATA_PTR(r);

		for (i = 0; i < n; i++)
			o[i] = (float4) ((double) x[i] / d);
	}
	else
	{
		const float8 *x = (const float8 *) ARR_DATA_PTR(a);
		float8	   *o = (float8 *) ARR_DATA_PTR(r);

		for (i = 0; i < n; i++)
			o[i] = x[i] / d;
	}
	PG_RETURN_ARRAYTYPE_P(r);
}

PG_FUNCTION_INFO_V1(pgml_vector_norm_l0);
PG_FUNCTION_INFO_V1(pgml_vector_norm_l1);
PG_FUNCTION_INFO_V1(pgml_vector_norm_l2);
PG_FUNCTION_INFO_V1(pgml_vector_norm_max);
PG_FUNCTION_INFO_V1(pgml_vector_normalize_l1);
PG_FUNCTION_INFO_V1(pgml_vector_normalize_l2);
PG_FUNCTION_INFO_V1(pgml_vector_normalize_max);

/* pgml.norm_l0(vector): number of non-zero elements. */
Datum
pgml_vector_norm_l0(PG_FUNCTION_ARGS)
{
	return norm_function(fcinfo, NORM_L0);
}

/* pgml.norm_l1(vector): sum of absolute values. */
Datum
pgml_vector_norm_l1(PG_FUNCTION_ARGS)
{
	return norm_function(fcinfo, NORM_L1);
}

/* pgml.norm_l2(vector): Euclidean length. */
Datum
pgml_vector_norm_l2(PG_FUNCTION_ARGS)
{
	return norm_function(fcinfo, NORM_L2);
}

/* pgml.norm_max(vector): largest absolute value. */
Datum
pgml_vector_norm_max(PG_FUNCTION_ARGS)
{
	return norm_function(fcinfo, NORM_MAX);
}

/* pgml.normalize_l1(vector): the vector divided by its L1 norm. */
Datum
pgml_vector_normalize_l1(PG_FUNCTION_ARGS)
{
	return normalize_function(fcinfo, NORM_L1);
}

/* pgml.normalize_l2(vector): the vector divided by its L2 norm. */
Datum
pgml_vector_normalize_l2(PG_FUNCTION_ARGS)
{
	return normalize_function(fcinfo, NORM_L2);
}

/* pgml.normalize_max(vector): the vector divided by its largest absolute value. */
Datum
pgml_vector_normalize_max(PG_FUNCTION_ARGS)
{
	return normalize_function(fcinfo, NORM_MAX);
}

/* ---------------------------------------------------------------------
 * SQL functions: distances and similarities
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(pgml_vector_dot_product);
PG_FUNCTION_INFO_V1(pgml_vector_distance_l1);
PG_FUNCTION_INFO_V1(pgml_vector_distance_l2);
PG_FUNCTION_INFO_V1(pgml_vector_cosine_similarity);

/* pgml.dot_product(vector, vector): sum of the element-wise products. */
Datum
pgml_vector_dot_product(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	ArrayType  *b;
	int			n = get_two_vectors(fcinfo, &a, &b);
	double		d = 0.0;

	if (n > 0)
		d = (ARR_ELEMTYPE(a) == FLOAT4OID)
			? dot_f4((const float *) ARR_DATA_PTR(a), (const float *) ARR_DATA_PTR(b), n)
			: dot_f8((const double *) ARR_DATA_PTR(a), (const double *) ARR_DATA_PTR(b), n);
	return reduction_result(a, d);
}

/* pgml.distance_l1(vector, vector): sum of absolute differences. */
Datum
pgml_vector_distance_l1(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	ArrayType  *b;
	int			n = get_two_vectors(fcinfo, &a, &b);
	double		d = 0.0;

	if (n > 0)
		d = (ARR_ELEMTYPE(a) == FLOAT4OID)
			? absdist_f4((const float *) ARR_DATA_PTR(a), (const float *) ARR_DATA_PTR(b), n)
			: absdist_f8((const double *) ARR_DATA_PTR(a), (const double *) ARR_DATA_PTR(b), n);
	return reduction_result(a, d);
}

/* pgml.distance_l2(vector, vector): Euclidean distance. */
Datum
pgml_vector_distance_l2(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	ArrayType  *b;
	int			n = get_two_vectors(fcinfo, &a, &b);
	double		d = 0.0;

	if (n > 0)
		d = (ARR_ELEMTYPE(a) == FLOAT4OID)
			? sqdist_f4((const float *) ARR_DATA_PTR(a), (const float *) ARR_DATA_PTR(b), n)
			: sqdist_f8((const double *) ARR_DATA_PTR(a), (const double *) ARR_DATA_PTR(b), n);
	return reduction_result(a, sqrt(d));
}

/*
 * pgml.cosine_similarity(vector, vector): dot product over the product of
 * the L2 norms, clamped to [-1, 1]; NaN when either vector is all zeros
 * (or empty), as in PostgresML.
 */
Datum
pgml_vector_cosine_similarity(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	ArrayType  *b;
	int			n = get_two_vectors(fcinfo, &a, &b);
	double		dot = 0.0;
	double		na = 0.0;
	double		nb = 0.0;
	double		c;

	if (n > 0 && ARR_ELEMTYPE(a) == FLOAT4OID)
		cosine_f4((const float *) ARR_DATA_PTR(a), (const float *) ARR_DATA_PTR(b), n,
				  &dot, &na, &nb);
	else if (n > 0)
		cosine_f8((const double *) ARR_DATA_PTR(a), (const double *) ARR_DATA_PTR(b), n,
				  &dot, &na, &nb);
	if (na == 0.0 || nb == 0.0)
		c = NAN;
	else
	{
		/*
		 * sqrt(na * nb) rather than sqrt(na) * sqrt(nb): sqrt(x * x) is
		 * exactly x, so a vector's cosine with itself is exactly 1.  The
		 * product can overflow or underflow only for extreme double inputs.
		 */
		double		denom = na * nb;

		if (isfinite(denom) && denom >= DBL_MIN)
			c = dot / sqrt(denom);
		else
			c = dot / (sqrt(na) * sqrt(nb));
		if (c > 1.0)
			c = 1.0;
		else if (c < -1.0)
			c = -1.0;
	}
	return reduction_result(a, c);
}

/* ---------------------------------------------------------------------
 * Aggregates
 *
 * The state is an array: double precision[] for pgml.sum (also of real[]),
 * the input's type for the others.  It is updated in place when called as
 * an aggregate (the state then lives in the aggregate's memory context).
 * The transition function of each aggregate is also its combine function:
 * sum states add; min/max states compare; the abs states hold absolute
 * values already, so taking |x| again changes nothing.
 * ---------------------------------------------------------------------
 */

/* Copy a vector into a new double precision[] state (real is widened). */
static ArrayType *
sum_state_from(ArrayType *in, int n)
{
	ArrayType  *s = new_vector(n, FLOAT8OID);
	int			i;

	if (n == 0)
		return s;
	if (ARR_ELEMTYPE(in) == FLOAT4OID)
	{
		const float4 *x = (const float4 *) ARR_DATA_PTR(in);
		float8	   *o = (float8 *) ARR_DATA_PTR(s);

		for (i = 0; i < n; i++)
			o[i] = x[i];
	}
	else
		memcpy(ARR_DATA_PTR(s), ARR_DATA_PTR(in), n * sizeof(float8));
	return s;
}

/* Copy a vector into a new state for min/max (|x| for the abs variants). */
static ArrayType *
minmax_state_from(ArrayType *in, int n, PgmlVecOp op)
{
	Oid			elemtype = ARR_ELEMTYPE(in);
	ArrayType  *s = new_vector(n, elemtype);
	int			i;

	if (n == 0)
		return s;
	if (op == VOP_MIN_ABS || op == VOP_MAX_ABS)
	{
		if (elemtype == FLOAT4OID)
			for (i = 0; i < n; i++)
				((float4 *) ARR_DATA_PTR(s))[i] = fabsf(((float4 *) ARR_DATA_PTR(in))[i]);
		else
			for (i = 0; i < n; i++)
				((float8 *) ARR_DATA_PTR(s))[i] = fabs(((float8 *) ARR_DATA_PTR(in))[i]);
	}
	else
		memcpy(ARR_DATA_PTR(s), ARR_DATA_PTR(in),
			   n * (elemtype == FLOAT4OID ? sizeof(float4) : sizeof(float8)));
	return s;
}

/* Transition (and combine) step of an element-wise aggregate. */
static Datum
vector_agg_step(FunctionCallInfo fcinfo, PgmlVecOp op)
{
	ArrayType  *state;
	ArrayType  *in;
	int			n;
	int			ns;

	if (PG_ARGISNULL(1))
	{
		/* NULL rows are skipped, as by SQL's sum, min and max */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	in = PG_GETARG_ARRAYTYPE_P(1);
	n = vector_length(in);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(op == VOP_ADD ? sum_state_from(in, n)
							  : minmax_state_from(in, n, op));

	state = PG_GETARG_ARRAYTYPE_P(0);
	if (!AggCheckCallContext(fcinfo, NULL))
		state = DatumGetArrayTypePCopy(PG_GETARG_DATUM(0));
	ns = vector_length(state);
	if (ns != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("vectors must have the same length"),
				 errdetail("The rows aggregated so far have length %d and this row has length %d.",
						   ns, n)));
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(state);

	if (op == VOP_ADD && ARR_ELEMTYPE(in) == FLOAT4OID)
	{
		float8	   *s = (float8 *) ARR_DATA_PTR(state);
		const float4 *x = (const float4 *) ARR_DATA_PTR(in);
		int			i;

		for (i = 0; i < n; i++)
			s[i] += x[i];
	}
	else
		elementwise(ARR_DATA_PTR(state), ARR_DATA_PTR(state), ARR_DATA_PTR(in),
					n, ARR_ELEMTYPE(state), op);
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(pgml_vector_sum_step);
PG_FUNCTION_INFO_V1(pgml_vector_sum_final_real);
PG_FUNCTION_INFO_V1(pgml_vector_min_step);
PG_FUNCTION_INFO_V1(pgml_vector_max_step);
PG_FUNCTION_INFO_V1(pgml_vector_min_abs_step);
PG_FUNCTION_INFO_V1(pgml_vector_max_abs_step);

/* Transition and combine function of pgml.sum: adds a vector to the state. */
Datum
pgml_vector_sum_step(PG_FUNCTION_ARGS)
{
	return vector_agg_step(fcinfo, VOP_ADD);
}

/* Final function of pgml.sum(real[]): rounds the double state to real[]. */
Datum
pgml_vector_sum_final_real(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	ArrayType  *r;
	int			n;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = PG_GETARG_ARRAYTYPE_P(0);
	n = vector_length(state);
	r = new_vector(n, FLOAT4OID);
	for (i = 0; i < n; i++)
		((float4 *) ARR_DATA_PTR(r))[i] = (float4) ((float8 *) ARR_DATA_PTR(state))[i];
	PG_RETURN_ARRAYTYPE_P(r);
}

/* Transition and combine function of pgml.min: element-wise minimum. */
Datum
pgml_vector_min_step(PG_FUNCTION_ARGS)
{
	return vector_agg_step(fcinfo, VOP_MIN);
}

/* Transition and combine function of pgml.max: element-wise maximum. */
Datum
pgml_vector_max_step(PG_FUNCTION_ARGS)
{
	return vector_agg_step(fcinfo, VOP_MAX);
}

/* Transition and combine function of pgml.min_abs: element-wise minimum of |x|. */
Datum
pgml_vector_min_abs_step(PG_FUNCTION_ARGS)
{
	return vector_agg_step(fcinfo, VOP_MIN_ABS);
}

/* Transition and combine function of pgml.max_abs: element-wise maximum of |x|. */
Datum
pgml_vector_max_abs_step(PG_FUNCTION_ARGS)
{
	return vector_agg_step(fcinfo, VOP_MAX_ABS);
}

#endif							/* !PGML_VECTOR_KERNELS_ONLY */
