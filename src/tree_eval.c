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
 *	  exp.  Trees are evaluated a window at a time: the padded trees of a
 *	  window, PGML_BLOCK_LANES per block, walk their levels without branches
 *	  (AVX2 gathers when the CPU has them), deep trees are walked node by
 *	  node, every leaf value lands in its tree's slot, and the slots are then
 *	  summed in tree order, which keeps the float sums exact.
 */
#include "postgres.h"

#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(PGML_NO_SIMD)
#include <immintrin.h>
#define PGML_HAVE_AVX2_KERNEL 1
#endif

#include "utils/float.h"

#include "pgml_image.h"
#include "pgml_model.h"
#include "image_layout.h"

#define FEATURE_MASK (~PGML_DEFAULT_LEFT_BIT)

/* Walk one block of padded trees, one lane at a time; leaves to leaf[slot]. */
static void
eval_block_scalar(const char *base, const PgmlImageBlock *b, const float *x,
				  float *leaf)
{
	const uint32 *feat = (const uint32 *) (base + b->feat_off);
	const float *cond = (const float *) (base + b->cond_off);
	int			l;

	for (l = 0; l < b->n_lanes; l++)
	{
		uint32		idx = 0;
		int			d;

		for (d = 0; d < b->depth; d++)
		{
			uint32		f = feat[idx * PGML_BLOCK_LANES + l];
			float		v = x[f & FEATURE_MASK];
			uint32		right;

			if (isnan(v))
				right = (f & PGML_DEFAULT_LEFT_BIT) ? 0 : 1;
			else
				right = !(v < cond[idx * PGML_BLOCK_LANES + l]);
			idx = 2 * idx + 1 + right;
		}
		leaf[b->slot[l]] = cond[idx * PGML_BLOCK_LANES + l];
	}
}

#ifdef PGML_HAVE_AVX2_KERNEL
/*
 * Walk one block of padded trees with AVX2, all lanes at once: per level,
 * gather each lane's feature word and condition, gather the features, and
 * step to child 2i+1 (left) or 2i+2 (right).
 */
__attribute__((target("avx2")))
static void
eval_block_avx2(const char *base, const PgmlImageBlock *b, const float *x,
				float *leaf)
{
	const int  *feat = (const int *) (base + b->feat_off);
	const float *cond = (const float *) (base + b->cond_off);
	const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	const __m256i fmask = _mm256_set1_epi32((int) FEATURE_MASK);
	const __m256i one = _mm256_set1_epi32(1);
	__m256i		idx = _mm256_setzero_si256();
	__m256i		pos = lanes;
	float		out[PGML_BLOCK_LANES];
	int			d;
	int			l;

	for (d = 0; d < b->depth; d++)
	{
		__m256i		f;
		__m256		c,
					v,
					right,
					nan,
					dl;

		if (d == 0)
		{
			f = _mm256_loadu_si256((const __m256i *) feat);
			c = _mm256_loadu_ps(cond);
		}
		else
		{
			f = _mm256_i32gather_epi32(feat, pos, 4);
			c = _mm256_i32gather_ps(cond, pos, 4);
		}
		v = _mm256_i32gather_ps(x, _mm256_and_si256(f, fmask), 4);
		/* !(v < c): also true when v is NaN */
		right = _mm256_cmp_ps(v, c, _CMP_NLT_UQ);
		nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
		dl = _mm256_castsi256_ps(_mm256_srai_epi32(f, 31));
		right = _mm256_andnot_ps(_mm256_and_ps(nan, dl), right);
		/* idx = 2 idx + 1 + right; right is 0 or -1 */
		idx = _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(idx, idx), one),
							   _mm256_castps_si256(right));
		pos = _mm256_add_epi32(_mm256_slli_epi32(idx, 3), lanes);
	}
	_mm256_storeu_ps(out, _mm256_i32gather_ps(cond, pos, 4));
	for (l = 0; l < b->n_lanes; l++)
		leaf[b->slot[l]] = out[l];
}

/* Whether the CPU has AVX2: -1 unknown yet. */
static int	have_avx2 = -1;
#endif

/* Walk a deep tree node by node; returns its leaf value. */
static float
eval_deep(const char *base, const PgmlImageDeep *dt, const float *x)
{
	const PgmlImageNode *nodes = (const PgmlImageNode *) (base + dt->nodes_off);
	int32		i = 0;

	while (nodes[i].left >= 0)
	{
		float		v = x[nodes[i].feat & FEATURE_MASK];
		bool		right;

		if (isnan(v))
			right = (nodes[i].feat & PGML_DEFAULT_LEFT_BIT) == 0;
		else
			right = !(v < nodes[i].cond);
		i = right ? nodes[i].right : nodes[i].left;
	}
	return nodes[i].cond;
}

/* Margins of a tree ensemble: base_margin plus leaves, in tree order. */
static void
tree_margins(const PgmlImage *img, const float *x, float *margin)
{
	const char *base = (const char *) img;
	const PgmlImageWindow *windows = PGML_IMAGE_AT(img, img->windows_off,
												   PgmlImageWindow);
	const PgmlImageBlock *blocks = PGML_IMAGE_AT(img, img->blocks_off,
												 PgmlImageBlock);
	const PgmlImageDeep *deep = PGML_IMAGE_AT(img, img->deep_off,
											  PgmlImageDeep);
	const int32 *group = PGML_IMAGE_AT(img, img->group_off, int32);
	int32		n_outputs = img->pub.n_outputs;
	float		leaf[PGML_WINDOW_TREES];
	int32		w,
				g;
	bool		simd = false;

#ifdef PGML_HAVE_AVX2_KERNEL
	if (unlikely(have_avx2 < 0))
		have_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	simd = (have_avx2 == 1);
#endif

	for (g = 0; g < n_outputs; g++)
		margin[g] = img->base_margin;

	for (w = 0; w < img->n_windows; w++)
	{
		const PgmlImageWindow *win = &windows[w];
		const int32 *grp = group + win->first_tree;
		int32		i;

		for (i = 0; i < win->n_blocks; i++)
		{
#ifdef PGML_HAVE_AVX2_KERNEL
			if (simd)
			{
				eval_block_avx2(base, &blocks[win->first_block + i], x, leaf);
				continue;
			}
#endif
			eval_block_scalar(base, &blocks[win->first_block + i], x, leaf);
		}
		for (i = 0; i < win->n_deep; i++)
		{
			const PgmlImageDeep *dt = &deep[win->first_deep + i];

			leaf[dt->slot] = eval_deep(base, dt, x);
		}

		if (n_outputs == 1)
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
	(void) simd;
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

/* Margins of a linear model, in double: dot product, then the intercept. */
static void
linear_margins(const PgmlImage *img, const float *x, double *margin)
{
	const double *coef = PGML_IMAGE_AT(img, img->coef_off, double);
	const double *icpt = PGML_IMAGE_AT(img, img->intercept_off, double);
	int32		nf = img->pub.n_features;
	int32		g;

	for (g = 0; g < img->pub.n_outputs; g++)
	{
		const double *c = coef + (int64) g * nf;
		double		s = 0.0;
		int32		j;

		for (j = 0; j < nf; j++)
			s += c[j] * (double) x[j];
		margin[g] = icpt[g] + s;
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
			break;
	}
}

/* Tree margins of one row followed by XGBoost's output transform. */
static void
tree_outputs(const PgmlImage *img, const float *x, float *out)
{
	int32		n = img->pub.n_outputs;
	int32		i;

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
			break;
	}
}

/* Raw outputs of one row, n_outputs values (see pgml_image.h). */
void
pgml_image_predict_raw(const PgmlImageHeader *image, const float *x,
					   float *out)
{
	const PgmlImage *img = (const PgmlImage *) image;

	if (image->algorithm == PGML_ALGO_XGBOOST)
		tree_outputs(img, x, out);
	else
	{
		double		m[PGML_MAX_CLASSES];
		int32		i;

		linear_margins(img, x, m);
		linear_transform(img, m);
		for (i = 0; i < image->n_outputs; i++)
			out[i] = (float) m[i];
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

/* The prediction of one row: a value, or a class label (see pgml_image.h). */
double
pgml_image_predict(const PgmlImageHeader *image, const float *x)
{
	const PgmlImage *img = (const PgmlImage *) image;
	const double *classes = PGML_IMAGE_AT(img, img->classes_off, double);

	if (image->algorithm == PGML_ALGO_XGBOOST)
	{
		float		out[PGML_MAX_CLASSES];

		tree_outputs(img, x, out);
		if (image->task == PGML_TASK_REGRESSION)
			return (double) out[0];
		/* as XGBClassifier.predict: p > 0.5, or argmax of probabilities */
		if (image->output == PGML_OUTPUT_SIGMOID)
			return classes[out[0] > 0.5f ? 1 : 0];
		return classes[argmax_float(out, image->n_outputs)];
	}
	else
	{
		double		m[PGML_MAX_CLASSES];
		int32		best = 0;
		int32		i;

		linear_margins(img, x, m);
		if (image->task == PGML_TASK_REGRESSION)
		{
			linear_transform(img, m);
			return (double) (float) m[0];
		}
		/* as scikit-learn: decision function > 0, or its argmax */
		if (image->n_outputs == 1)
			return classes[m[0] > 0.0 ? 1 : 0];
		for (i = 1; i < image->n_outputs; i++)
			if (m[i] > m[best])
				best = i;
		return classes[best];
	}
}

/* Class probabilities of one row, n_classes values (see pgml_image.h). */
void
pgml_image_predict_proba(const PgmlImageHeader *image, const float *x,
						 float *out)
{
	const PgmlImage *img = (const PgmlImage *) image;

	if (image->task != PGML_TASK_CLASSIFICATION)
		return;
	if (image->algorithm == PGML_ALGO_XGBOOST)
	{
		tree_outputs(img, x, out);
		if (image->output == PGML_OUTPUT_SIGMOID)
		{
			/* XGBClassifier.predict_proba: [1 - p, p] in float32 */
			out[1] = out[0];
			out[0] = 1.0f - out[1];
		}
	}
	else
	{
		double		m[PGML_MAX_CLASSES];
		int32		i;

		linear_margins(img, x, m);
		linear_transform(img, m);
		if (image->output == PGML_OUTPUT_SIGMOID)
		{
			out[0] = (float) (1.0 - m[0]);
			out[1] = (float) m[0];
		}
		else
			for (i = 0; i < image->n_outputs; i++)
				out[i] = (float) m[i];
	}
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
