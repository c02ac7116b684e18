/*-------------------------------------------------------------------------
 *
 * linear_svm.c
 *	  Algorithm "linear_svm" (regression, classification), as scikit-learn
 *	  1.2's LinearSVR and LinearSVC (liblinear): the linear model minimizing
 *
 *		1/2 |w|^2 + C sum of loss_i,	w with the intercept's weight
 *
 *	  where the intercept is a feature of value intercept_scaling, penalized
 *	  with the others (liblinear's bias), and the loss is the hinge or the
 *	  squared hinge of the margin y_i (w x_i) (classification: one class
 *	  against the rest when there are more than two), or the
 *	  epsilon-insensitive or its square of the residual (regression).
 *	  Served as the linear kind (a classifier's margins through a sigmoid or
 *	  a softmax, as ridge's classifier).
 *
 *	  The objective is strictly convex (the penalty is), so its minimum is
 *	  unique: reached here, as liblinear reaches it, by coordinate descent
 *	  on the dual (Hsieh et al. 2008; Ho and Lin 2012) over the rows in a
 *	  random order, until liblinear's stopping rule holds at tol (the spread
 *	  of the projected gradient, classification; the sum of the violations
 *	  against the first sweep's, regression) or max_iter sweeps.  The row
 *	  order is not liblinear's, so at a loose tol the models differ within
 *	  it; at a tight one both are the minimum (051).
 *
 * src/algorithms/linear_svm.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

typedef struct LinearSvmParams
{
	double		C;
	double		loss;			/* 0: hinge / epsilon_insensitive (L1), 1:
								 * their squares (L2) */
	double		penalty;		/* "l2" only */
	double		multi_class;	/* "ovr" only */
	bool		dual;
	double		tol;
	bool		fit_intercept;
	double		intercept_scaling;
	double		class_weight;	/* -1 none, 0 balanced */
	double		max_iter;
	double		epsilon;
	double		random_state;	/* -1: the job's seed */
} LinearSvmParams;

#define OFF(f) offsetof(LinearSvmParams, f)
#define N PGML_HP_NULLABLE
#define CLS PGML_TASK_BIT(CLASSIFICATION)
#define REG PGML_TASK_BIT(REGRESSION)
#define SPEC(name, type, lo, hi, lo_open, flags, choices, def, expected, field, tasks) \
	{name, NULL, type, lo, hi, lo_open, false, flags, choices, def, expected, NULL, OFF(field), NULL, NULL, tasks}

static const PgmlHpSpec linear_svm_specs[] = {
	SPEC("C", PGML_HP_NUMBER, 0, HUGE_VAL, true, 0, NULL, "1.0",
		 "a number > 0 (the weight of the loss against the penalty)", C, 0),
	SPEC("loss", PGML_HP_CHOICE, 0, 0, false, 0, "hinge|squared_hinge", "\"squared_hinge\"",
		 NULL, loss, CLS),
	SPEC("loss", PGML_HP_CHOICE, 0, 0, false, 0, "epsilon_insensitive|squared_epsilon_insensitive",
		 "\"epsilon_insensitive\"", NULL, loss, REG),
	SPEC("penalty", PGML_HP_CHOICE, 0, 0, false, 0, "l2", "\"l2\"",
		 "\"l2\" (the L1 penalty is not implemented)", penalty, CLS),
	SPEC("multi_class", PGML_HP_CHOICE, 0, 0, false, 0, "ovr", "\"ovr\"",
		 "\"ovr\" (crammer_singer is not implemented)", multi_class, CLS),
	SPEC("dual", PGML_HP_BOOL, 0, 0, false, 0, NULL, "true",
		 "true or false (the same minimum either way)", dual, 0),
	SPEC("tol", PGML_HP_NUMBER, 0, HUGE_VAL, true, 0, NULL, "0.0001",
		 "a number > 0 (liblinear's stopping tolerance)", tol, 0),
	SPEC("fit_intercept", PGML_HP_BOOL, 0, 0, false, 0, NULL, "true", "true or false",
		 fit_intercept, 0),
	SPEC("intercept_scaling", PGML_HP_NUMBER, 0, HUGE_VAL, true, 0, NULL, "1",
		 "a number > 0 (the value of the intercept's feature)", intercept_scaling, 0),
	SPEC("class_weight", PGML_HP_CHOICE, 0, 0, false, N, "balanced", "null",
		 "null or \"balanced\"", class_weight, CLS),
	SPEC("max_iter", PGML_HP_INT, 0, INT_MAX, false, 0, NULL, "1000",
		 "an integer >= 0 (the most sweeps over the rows)", max_iter, 0),
	SPEC("epsilon", PGML_HP_NUMBER, 0, HUGE_VAL, false, 0, NULL, "0.0",
		 "a number >= 0 (the margin of the epsilon-insensitive loss)", epsilon, REG),
	SPEC("random_state", PGML_HP_INT, 0, 4294967295.0, false, N, NULL, "the job's seed",
		 "null or an integer between 0 and 4294967295 (the order of the rows)", random_state, 0),
};

static const PgmlHpCompat linear_svm_compat[] = {
	{"verbose", NULL, NULL},	/* progress is in pgml.stat_workers */
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_linear_svm = {
	"Linear support vector machine", linear_svm_specs, lengthof(linear_svm_specs),
	linear_svm_compat, "scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_cart.h"
#include "../trainer/trainer_linear.h"

/* One problem: rows, targets (+1/-1, or values) and settings. */
typedef struct SvmProblem
{
	const float *x;				/* [n * p] row-major */
	const double *y;
	int64		n;
	int			p;
	double		bias;			/* the intercept's feature, 0: none */
	bool		l2_loss;
	double		epsilon;
	double		tol;
	int			max_iter;
	uint32		seed;
} SvmProblem;

/* w . x_i, the intercept's weight w[p] times the bias included */
static inline double
svm_dot(const SvmProblem *pb, const double *w, int64 i)
{
	const float *x = pb->x + i * pb->p;
	double		s = 0.0;

	for (int j = 0; j < pb->p; j++)
		s += w[j] * (double) x[j];
	return s + w[pb->p] * pb->bias;
}

/* w += d x_i */
static inline void
svm_axpy(const SvmProblem *pb, double *w, int64 i, double d)
{
	const float *x = pb->x + i * pb->p;

	for (int j = 0; j < pb->p; j++)
		w[j] += d * (double) x[j];
	w[pb->p] += d * pb->bias;
}

/* |x_i|^2 with the bias */
static double
svm_sqnorm(const SvmProblem *pb, int64 i)
{
	const float *x = pb->x + i * pb->p;
	double		s = pb->bias * pb->bias;

	for (int j = 0; j < pb->p; j++)
		s += (double) x[j] * (double) x[j];
	return s;
}

/* A new random order of the rows (Fisher-Yates, scikit-learn's xorshift). */
static void
svm_shuffle(int64 *order, int64 n, uint32 *seed)
{
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = sk_rand_r(seed) % (uint32) (i + 1);
		int64		t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

/*
 * Classification, y +1/-1, C_pos and C_neg the weights of the two sides'
 * losses: liblinear's dual coordinate descent for the hinge (alpha in
 * [0, C]) or the squared hinge (alpha >= 0, a diagonal 1 / (2 C)).  w[p + 1]
 * out; true if it stopped by tol.
 */
static bool
svm_classify(const SvmProblem *pb, double c_pos, double c_neg, double *w)
{
	int64		n = pb->n;
	double	   *alpha = pgml_train_alloc(Max(n, 1), sizeof(double));
	double	   *qd = pgml_train_alloc(Max(n, 1), sizeof(double));
	int64	   *order = pgml_train_alloc(Max(n, 1), sizeof(int64));
	uint32		seed = pb->seed;

	memset(w, 0, sizeof(double) * (pb->p + 1));
	for (int64 i = 0; i < n; i++)
	{
		double		c = pb->y[i] > 0 ? c_pos : c_neg;

		qd[i] = svm_sqnorm(pb, i) + (pb->l2_loss ? 0.5 / c : 0.0);
		order[i] = i;
	}
	for (int iter = 0; iter < pb->max_iter; iter++)
	{
		double		pg_max = -INFINITY,
					pg_min = INFINITY;

		pgml_train_check_cancel();
		svm_shuffle(order, n, &seed);
		for (int64 k = 0; k < n; k++)
		{
			int64		i = order[k];
			double		yi = pb->y[i];
			double		c = yi > 0 ? c_pos : c_neg;
			double		upper = pb->l2_loss ? INFINITY : c;
			double		diag = pb->l2_loss ? 0.5 / c : 0.0;
			double		g = yi * svm_dot(pb, w, i) - 1 + diag * alpha[i];
			double		pg = g;

			if (alpha[i] == 0)
				pg = Min(g, 0);
			else if (alpha[i] == upper)
				pg = Max(g, 0);
			pg_max = Max(pg_max, pg);
			pg_min = Min(pg_min, pg);
			if (fabs(pg) > 1e-12 && qd[i] > 0)
			{
				double		old = alpha[i];

				alpha[i] = Min(Max(old - g / qd[i], 0.0), upper);
				svm_axpy(pb, w, i, (alpha[i] - old) * yi);
			}
		}
		if (pg_max - pg_min <= pb->tol)
			return true;
	}
	return false;
}

/*
 * Regression: coordinate descent on the dual of the epsilon-insensitive
 * loss (beta in [-C, C]) or its square (a diagonal 1 / (2 C)), each step
 * the exact minimum along beta_i (a soft threshold at epsilon), until the
 * sum of the violations of optimality is within tol of the first sweep's.
 */
static bool
svm_regress(const SvmProblem *pb, double c, double *w)
{
	int64		n = pb->n;
	double	   *beta = pgml_train_alloc(Max(n, 1), sizeof(double));
	double	   *h = pgml_train_alloc(Max(n, 1), sizeof(double));
	int64	   *order = pgml_train_alloc(Max(n, 1), sizeof(int64));
	double		lambda = pb->l2_loss ? 0.5 / c : 0.0;
	double		upper = pb->l2_loss ? INFINITY : c;
	double		eps = pb->epsilon;
	double		first = 0.0;
	uint32		seed = pb->seed;

	memset(w, 0, sizeof(double) * (pb->p + 1));
	for (int64 i = 0; i < n; i++)
	{
		h[i] = svm_sqnorm(pb, i) + lambda;
		order[i] = i;
	}
	for (int iter = 0; iter < pb->max_iter; iter++)
	{
		double		violation = 0.0;

		pgml_train_check_cancel();
		svm_shuffle(order, n, &seed);
		for (int64 k = 0; k < n; k++)
		{
			int64		i = order[k];
			double		b0 = beta[i];
			double		g = svm_dot(pb, w, i) - pb->y[i] + lambda * b0;
			double		gp = g + eps,
						gn = g - eps;
			double		z,
						t,
						b;

			/* how far beta_i is from optimal, for the stopping rule */
			if (b0 == 0)
				violation += gp < 0 ? -gp : (gn > 0 ? gn : 0);
			else if (b0 >= upper)
				violation += gp > 0 ? gp : 0;
			else if (b0 <= -upper)
				violation += gn < 0 ? -gn : 0;
			else
				violation += fabs(b0 > 0 ? gp : gn);
			if (h[i] <= 0)
				continue;
			z = b0 - g / h[i];
			t = eps / h[i];
			b = z > t ? z - t : (z < -t ? z + t : 0.0);
			b = Min(Max(b, -upper), upper);
			if (b != b0)
			{
				svm_axpy(pb, w, i, b - b0);
				beta[i] = b;
			}
		}
		if (iter == 0)
			first = violation;
		if (violation <= pb->tol * first)
			return true;
	}
	return false;
}

void
pgml_linear_svm_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	LinearSvmParams opt;
	SvmProblem	pb;
	bool		classification = in->task == PGML_TASK_CLASSIFICATION;
	int			n_outputs = (classification && in->n_classes > 2) ? in->n_classes : 1;
	int			p = in->n_features;
	double	   *coef;
	double	   *intercept;
	double	   *w;
	double	   *y;
	bool		converged = true;

	workctx = linear_regression_begin(in, &pgml_hp_linear_svm, &opt, sizeof(opt));
	if (in->task != PGML_TASK_REGRESSION && !classification)
		elog(ERROR, "unexpected task %d for a linear support vector machine", (int) in->task);
	/* liblinear has no primal solver for the first-power losses */
	if (!opt.dual && opt.loss == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loss \"%s\" of algorithm \"%s\" needs \"dual\": true",
						classification ? "hinge" : "epsilon_insensitive", in->algorithm),
				 errhint("Use loss \"%s\", or leave dual at true.",
						 classification ? "squared_hinge" : "squared_epsilon_insensitive")));
	linear_check_coefficient_count(in->algorithm, n_outputs, p);
	if (!classification)
		linear_check_target(in);

	memset(&pb, 0, sizeof(pb));
	pb.x = in->x;
	pb.n = in->n_rows;
	pb.p = p;
	pb.bias = opt.fit_intercept ? opt.intercept_scaling : 0.0;
	pb.l2_loss = opt.loss == 1;
	pb.epsilon = opt.epsilon;
	pb.tol = opt.tol;
	pb.max_iter = (int) opt.max_iter;
	pb.seed = opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed;
	if (pb.seed == 0)
		pb.seed = 1;			/* the xorshift's state must not be 0 */

	coef = MemoryContextAllocZero(callerctx, sizeof(double) * (Size) n_outputs * p);
	intercept = MemoryContextAllocZero(callerctx, sizeof(double) * n_outputs);
	w = pgml_train_alloc(p + 1, sizeof(double));
	y = pgml_train_alloc(Max(in->n_rows, 1), sizeof(double));
	pb.y = y;
	if (!classification)
	{
		memcpy(y, in->y, sizeof(double) * in->n_rows);
		converged = svm_regress(&pb, opt.C, w);
		memcpy(coef, w, sizeof(double) * p);
		intercept[0] = w[p] * pb.bias;
	}
	else
	{
		double	   *cw = linear_class_weights(in, opt.class_weight == 0);

		for (int o = 0; o < n_outputs; o++)
		{
			int			cls = n_outputs == 1 ? 1 : o;

			for (int64 i = 0; i < in->n_rows; i++)
				y[i] = (int) in->y[i] == cls ? 1.0 : -1.0;
			/* liblinear: one against the rest weighs the rest with C alone */
			if (!svm_classify(&pb, opt.C * cw[cls], opt.C * (n_outputs == 1 ? cw[0] : 1.0), w))
				converged = false;
			memcpy(coef + (Size) o * p, w, sizeof(double) * p);
			intercept[o] = w[p] * pb.bias;
		}
	}
	if (!converged)
		ereport(WARNING,
				(errmsg_plural("linear_svm did not converge in %d iteration",
							   "linear_svm did not converge in %d iterations",
							   pb.max_iter, pb.max_iter),
				 errhint("Raise \"max_iter\", or scale the features.")));
	for (int i = 0; i < n_outputs * p; i++)
		if (!isfinite(coef[i]))
			elog(ERROR, "linear SVM produced a non-finite coefficient");

	MemoryContextSwitchTo(callerctx);
	MemoryContextDelete(workctx);
	linear_model_set(m, classification, n_outputs, coef, intercept);
	m->hyperparams_json = pgml_hp_json(&pgml_hp_linear_svm, in->algorithm, in->task, &opt);
}

#endif							/* PGML_TRAINER */
