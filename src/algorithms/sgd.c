/*-------------------------------------------------------------------------
 *
 * sgd.c
 *	  Algorithms "stochastic_gradient_descent" (regression, classification),
 *	  "perceptron" (classification) and "passive_aggressive" (regression,
 *	  classification), as scikit-learn 1.2's SGDRegressor / SGDClassifier,
 *	  Perceptron and PassiveAggressiveRegressor / PassiveAggressiveClassifier:
 *	  linear models fitted by one pass over the shuffled rows per epoch, the
 *	  weights updated after every row.  Served as the linear kind (a
 *	  classifier's margins through a sigmoid or a softmax, as ridge's
 *	  classifier).
 *
 *	  An algorithm of an existing kind in one file (docs/algorithms.md,
 *	  "Adding an algorithm"): one hyperparameter table for the three (each
 *	  key names the algorithms and tasks it applies to), compiled into both
 *	  pgml_worker.so and pgml_trainer, and, in the trainer only
 *	  (PGML_TRAINER), the three fits around one engine.
 *
 *	  The engine is scikit-learn's plain SGD step for step, so that a
 *	  random_state gives scikit-learn's model: the rows visited in the order
 *	  of its shuffle (each epoch permutes the previous order again with the
 *	  same xorshift seed, drawn from NumPy's RandomState as scikit-learn
 *	  draws it), the weights kept as a vector times a scale (L2 decay scales,
 *	  an update adds), the same learning-rate schedules, the L1 penalty by
 *	  truncated gradient, and the same stopping rule (no decrease of the
 *	  epoch's summed loss by tol * n for n_iter_no_change epochs).  Several
 *	  classes are fitted one against the rest, each with its own seed.
 *
 * src/algorithms/sgd.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

/* What the table's keys are stored into (choices as their index). */
typedef struct SgdParams
{
	double		loss;			/* SGD_LOSSES */
	double		pa_loss;		/* passive_aggressive: 0 PA-I, 1 PA-II */
	double		penalty;		/* -1 none, 0 l2, 1 l1, 2 elasticnet */
	double		alpha;
	double		l1_ratio;
	double		C;
	bool		fit_intercept;
	bool		shuffle;
	double		max_iter;
	double		tol;			/* -1: none */
	double		epsilon;
	double		random_state;	/* -1: the job's seed */
	double		learning_rate;	/* SGD_RATES */
	double		eta0;
	double		power_t;
	double		n_iter_no_change;
	double		class_weight;	/* -1 none, 0 balanced */
	double		average;		/* the step averaging starts at; -1 false,
								 * -2 true (1) */
} SgdParams;

/*
 * The losses, in the order of the choices below: the regression losses
 * first, so that both tasks' lists give a loss the same index.
 */
typedef enum SgdLoss
{
	SGD_SQUARED_ERROR,
	SGD_HUBER,
	SGD_EPSILON_INSENSITIVE,
	SGD_SQUARED_EPSILON_INSENSITIVE,
	SGD_HINGE,
	SGD_LOG_LOSS,
	SGD_MODIFIED_HUBER,
	SGD_SQUARED_HINGE,
	SGD_PERCEPTRON
} SgdLoss;

#define REG_LOSSES "squared_error|huber|epsilon_insensitive|squared_epsilon_insensitive"
/* "log": scikit-learn 1.1's old name of log_loss */
#define CLS_LOSSES REG_LOSSES "|hinge|log_loss|modified_huber|squared_hinge|perceptron|log=log_loss"

typedef enum SgdRate
{
	SGD_CONSTANT,
	SGD_OPTIMAL,
	SGD_INVSCALING,
	SGD_ADAPTIVE,
	SGD_PA1,
	SGD_PA2
} SgdRate;

#define RATES "constant|optimal|invscaling|adaptive"

#define SG "stochastic_gradient_descent"
#define PC "perceptron"
#define PA "passive_aggressive"
#define CLS PGML_TASK_BIT(CLASSIFICATION)
#define REG PGML_TASK_BIT(REGRESSION)
#define N PGML_HP_NULLABLE
#define OFF(f) offsetof(SgdParams, f)

#define SPEC(name, type, lo, hi, lo_open, flags, choices, def, expected, field, algs, tasks) \
	{name, NULL, type, lo, hi, lo_open, false, flags, choices, def, expected, NULL, OFF(field), algs, NULL, tasks}
#define NEUTRAL(name, expected, algs) \
	{name, NULL, PGML_HP_NEUTRAL, 0, 0, false, false, 0, NULL, "false", expected, NULL, -1, algs, NULL, 0}
#define NO_EARLY_STOPPING " (accepted, used only with early stopping, which is not implemented)"

static const PgmlHpSpec sgd_specs[] = {
	SPEC("loss", PGML_HP_CHOICE, 0, 0, false, 0, REG_LOSSES, "\"squared_error\"",
		 NULL, loss, SG, REG),
	SPEC("loss", PGML_HP_CHOICE, 0, 0, false, 0, CLS_LOSSES, "\"hinge\"", NULL, loss, SG, CLS),
	SPEC("loss", PGML_HP_CHOICE, 0, 0, false, 0, "hinge|squared_hinge", "\"hinge\"",
		 "\"hinge\" (PA-I) or \"squared_hinge\" (PA-II)", pa_loss, PA, CLS),
	SPEC("loss", PGML_HP_CHOICE, 0, 0, false, 0, "epsilon_insensitive|squared_epsilon_insensitive",
		 "\"epsilon_insensitive\"",
		 "\"epsilon_insensitive\" (PA-I) or \"squared_epsilon_insensitive\" (PA-II)", pa_loss, PA, REG),
	SPEC("penalty", PGML_HP_CHOICE, 0, 0, false, N, "l2|l1|elasticnet", "\"l2\"",
		 "\"l2\", \"l1\", \"elasticnet\" or null", penalty, SG, 0),
	SPEC("penalty", PGML_HP_CHOICE, 0, 0, false, N, "l2|l1|elasticnet", "null",
		 "\"l2\", \"l1\", \"elasticnet\" or null", penalty, PC, 0),
	SPEC("alpha", PGML_HP_NUMBER, 0, HUGE_VAL, false, 0, NULL, "0.0001",
		 "a number >= 0 (the penalty's weight)", alpha, SG "|" PC, 0),
	SPEC("l1_ratio", PGML_HP_NUMBER, 0, 1, false, 0, NULL, "0.15",
		 "a number in [0, 1] (the L1 share of elasticnet)", l1_ratio, SG "|" PC, 0),
	SPEC("C", PGML_HP_NUMBER, 0, HUGE_VAL, true, 0, NULL, "1.0",
		 "a number > 0 (the largest step)", C, PA, 0),
	SPEC("fit_intercept", PGML_HP_BOOL, 0, 0, false, 0, NULL, "true", "true or false",
		 fit_intercept, NULL, 0),
	SPEC("max_iter", PGML_HP_INT, 1, INT_MAX, false, 0, NULL, "1000",
		 "an integer >= 1 (the most epochs)", max_iter, NULL, 0),
	SPEC("tol", PGML_HP_NUMBER, 0, HUGE_VAL, false, N, NULL, "0.001",
		 "null or a number >= 0 (the least decrease of the loss per epoch)", tol, NULL, 0),
	SPEC("shuffle", PGML_HP_BOOL, 0, 0, false, 0, NULL, "true", "true or false", shuffle, NULL, 0),
	SPEC("epsilon", PGML_HP_NUMBER, 0, HUGE_VAL, false, 0, NULL, "0.1",
		 "a number >= 0 (the margin of the huber and epsilon-insensitive losses)", epsilon, SG, 0),
	SPEC("epsilon", PGML_HP_NUMBER, 0, HUGE_VAL, false, 0, NULL, "0.1",
		 "a number >= 0 (the margin of the epsilon-insensitive losses)", epsilon, PA, REG),
	SPEC("random_state", PGML_HP_INT, 0, 4294967295.0, false, N, NULL, "the job's seed",
		 "null or an integer between 0 and 4294967295", random_state, SG "|" PA, 0),
	SPEC("random_state", PGML_HP_INT, 0, 4294967295.0, false, N, NULL, "0",
		 "null or an integer between 0 and 4294967295", random_state, PC, 0),
	SPEC("learning_rate", PGML_HP_CHOICE, 0, 0, false, 0, RATES, "\"invscaling\"", NULL,
		 learning_rate, SG, REG),
	SPEC("learning_rate", PGML_HP_CHOICE, 0, 0, false, 0, RATES, "\"optimal\"", NULL,
		 learning_rate, SG, CLS),
	SPEC("eta0", PGML_HP_NUMBER, 0, HUGE_VAL, false, 0, NULL, "0.01",
		 "a number >= 0 (the first learning rate)", eta0, SG, REG),
	SPEC("eta0", PGML_HP_NUMBER, 0, HUGE_VAL, false, 0, NULL, "0.0",
		 "a number >= 0 (the first learning rate)", eta0, SG, CLS),
	SPEC("eta0", PGML_HP_NUMBER, 0, HUGE_VAL, false, 0, NULL, "1.0",
		 "a number >= 0 (the learning rate)", eta0, PC, 0),
	SPEC("power_t", PGML_HP_NUMBER, -HUGE_VAL, HUGE_VAL, false, 0, NULL, "0.25",
		 "a number (the exponent of invscaling)", power_t, SG, REG),
	SPEC("power_t", PGML_HP_NUMBER, -HUGE_VAL, HUGE_VAL, false, 0, NULL, "0.5",
		 "a number (the exponent of invscaling)", power_t, SG, CLS),
	SPEC("n_iter_no_change", PGML_HP_INT, 1, INT_MAX, false, 0, NULL, "5",
		 "an integer >= 1 (epochs without improvement before stopping)", n_iter_no_change, NULL, 0),
	SPEC("class_weight", PGML_HP_CHOICE, 0, 0, false, N, "balanced", "null",
		 "null or \"balanced\"", class_weight, NULL, CLS),
	{"validation_fraction", NULL, PGML_HP_NUMBER, 0, 1, true, true, 0, NULL, "0.1",
	 "a number in (0, 1)" NO_EARLY_STOPPING, NULL, -1, NULL, NULL, 0},
	/* the classifiers' key: their classes one after another here */
	{"n_jobs", NULL, PGML_HP_UNUSED, INT_MIN, INT_MAX, false, false, 0, NULL, "null",
	 "null or an integer (accepted, no effect: the classes are fitted one after another)",
	 NULL, -1, NULL, NULL, CLS},
	NEUTRAL("early_stopping", "false (early stopping on a validation split is not implemented)", NULL),
	{"average", NULL, PGML_HP_INT_OR_CHOICE, 0, INT_MAX, false, false, 0, "false|true", "false",
		"false, true (1), or the step from which the weights are averaged (an integer >= 0; 0: false)",
	NULL, OFF(average), SG "|" PA, NULL, 0},
};

static const PgmlHpCompat sgd_compat[] = {
	{"verbose", NULL, NULL},	/* progress is in pgml.stat_workers */
	{"warm_start", NULL, NULL}, /* a new model starts from zero either way */
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_sgd = {
	NULL, sgd_specs, lengthof(sgd_specs), sgd_compat, "scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_cart.h"
#include "../trainer/trainer_linear.h"

/* scikit-learn's constants: MAX_INT, the weight scale's floor, the clip */
#define SGD_MAX_INT		2147483647
#define SGD_WSCALE_MIN	1e-9
#define SGD_MAX_DLOSS	1e12

/* One binary (or regression) problem and its settings. */
typedef struct SgdProblem
{
	const float *x;				/* [n * p] row-major */
	const double *y;			/* [n]: +1 / -1, or the target */
	int64		n;
	int			p;
	SgdLoss		loss;
	double		loss_param;		/* hinge threshold, huber / epsilon margin */
	int			penalty;		/* -1 none, 0 l2, 1 l1, 2 elasticnet */
	double		alpha;
	double		C;
	double		l1_ratio;
	bool		fit_intercept;
	bool		shuffle;
	int			max_iter;
	double		tol;			/* -INFINITY: none */
	int			n_iter_no_change;
	double		average;		/* the step averaging starts at; 0: none */
	SgdRate		rate;
	double		eta0;
	double		power_t;
	double		pos_weight;
	double		neg_weight;
} SgdProblem;

static double
sgd_loss(const SgdProblem *pb, double p, double y)
{
	double		z,
				r;

	switch (pb->loss)
	{
		case SGD_SQUARED_ERROR:
			return 0.5 * (p - y) * (p - y);
		case SGD_HUBER:
			r = p - y;
			if (fabs(r) <= pb->loss_param)
				return 0.5 * r * r;
			return pb->loss_param * fabs(r) - 0.5 * pb->loss_param * pb->loss_param;
		case SGD_EPSILON_INSENSITIVE:
			r = fabs(y - p) - pb->loss_param;
			return r > 0 ? r : 0;
		case SGD_SQUARED_EPSILON_INSENSITIVE:
			r = fabs(y - p) - pb->loss_param;
			return r > 0 ? r * r : 0;
		case SGD_HINGE:
		case SGD_PERCEPTRON:
			z = p * y;
			return z <= pb->loss_param ? pb->loss_param - z : 0.0;
		case SGD_LOG_LOSS:
			z = p * y;
			if (z > 18)
				return exp(-z);
			if (z < -18)
				return -z;
			return log(1.0 + exp(-z));
		case SGD_MODIFIED_HUBER:
			z = p * y;
			if (z >= 1.0)
				return 0.0;
			if (z >= -1.0)
				return (1.0 - z) * (1.0 - z);
			return -4.0 * z;
		case SGD_SQUARED_HINGE:
			z = pb->loss_param - p * y;
			return z > 0 ? z * z : 0.0;
	}
	return 0.0;
}

/* The loss's derivative in p. */
static double
sgd_dloss(const SgdProblem *pb, double p, double y)
{
	double		z,
				r;

	switch (pb->loss)
	{
		case SGD_SQUARED_ERROR:
			return p - y;
		case SGD_HUBER:
			r = p - y;
			if (fabs(r) <= pb->loss_param)
				return r;
			return r > 0.0 ? pb->loss_param : -pb->loss_param;
		case SGD_EPSILON_INSENSITIVE:
			if (y - p > pb->loss_param)
				return -1;
			if (p - y > pb->loss_param)
				return 1;
			return 0;
		case SGD_SQUARED_EPSILON_INSENSITIVE:
			z = y - p;
			if (z > pb->loss_param)
				return -2 * (z - pb->loss_param);
			if (z < -pb->loss_param)
				return 2 * (-z - pb->loss_param);
			return 0;
		case SGD_HINGE:
		case SGD_PERCEPTRON:
			return p * y <= pb->loss_param ? -y : 0.0;
		case SGD_LOG_LOSS:
			z = p * y;
			if (z > 18.0)
				return exp(-z) * -y;
			if (z < -18.0)
				return -y;
			return -y / (exp(z) + 1.0);
		case SGD_MODIFIED_HUBER:
			z = p * y;
			if (z >= 1.0)
				return 0.0;
			if (z >= -1.0)
				return 2.0 * (1.0 - z) * -y;
			return -4.0 * y;
		case SGD_SQUARED_HINGE:
			z = pb->loss_param - p * y;
			return z > 0 ? -2 * y * z : 0.0;
	}
	return 0.0;
}

/* scikit-learn's sequential dataset shuffle: the same seed every epoch */
static void
sgd_shuffle(int32 *ind, int64 n, uint32 seed)
{
	for (uint32 i = 0; (int64) i < n - 1; i++)
	{
		uint32		j = i + sk_rand_r(&seed) % (uint32) (n - i);
		int32		t = ind[i];

		ind[i] = ind[j];
		ind[j] = t;
	}
}

/*
 * The averaged weights (ASGD, scikit-learn's WeightVector): aw and a, b as
 * Xu's lazy form keeps them, the true average aw + a w over b.
 */
typedef struct SgdAverage
{
	double	   *aw;				/* NULL: no averaging */
	double		a;
	double		b;
	double		intercept;
} SgdAverage;

/* Fold the scale into w (and the lazy terms into the average). */
static void
sgd_reset_scale(double *w, int p, double *wscale, SgdAverage *avg)
{
	if (avg->aw != NULL)
	{
		for (int j = 0; j < p; j++)
			avg->aw[j] += avg->a * w[j];
		for (int j = 0; j < p; j++)
			avg->aw[j] *= 1.0 / avg->b;
		avg->a = 0.0;
		avg->b = 1.0;
	}
	for (int j = 0; j < p; j++)
		w[j] *= *wscale;
	*wscale = 1.0;
}

/*
 * Fit one problem from zero weights: w[p] and *intercept out, and with
 * pb->average the averaged ones into avg (aw[p] allocated by the caller);
 * returns the epochs run.
 */
static int
sgd_plain(const SgdProblem *pb, uint32 seed, double *w, double *intercept, SgdAverage *avg)
{
	int64		n = pb->n;
	int			p = pb->p;
	int32	   *ind = pgml_train_alloc(Max(n, 1), sizeof(int32));
	double	   *q = NULL;
	double		wscale = 1.0;
	double		b = 0.0;
	double		l1_ratio = pb->l1_ratio;
	double		eta = pb->eta0;
	double		optimal_init = 0.0;
	double		t = 1.0;
	double		u = 0.0;
	double		best_loss = INFINITY;
	int			no_improvement = 0;
	int			epoch;

	for (int64 i = 0; i < n; i++)
		ind[i] = (int32) i;
	memset(w, 0, sizeof(double) * p);
	if (avg->aw != NULL)
		memset(avg->aw, 0, sizeof(double) * p);
	avg->a = 0.0;
	avg->b = 1.0;
	avg->intercept = 0.0;
	if (pb->penalty == 1 || pb->penalty == 2)
		q = pgml_train_alloc(Max(p, 1), sizeof(double));
	if (pb->penalty == 0)
		l1_ratio = 0.0;
	else if (pb->penalty == 1)
		l1_ratio = 1.0;
	if (pb->rate == SGD_OPTIMAL)
	{
		double		typw = sqrt(1.0 / sqrt(pb->alpha));
		double		initial_eta0 = typw / Max(1.0, sgd_dloss(pb, -typw, 1.0));

		optimal_init = 1.0 / (initial_eta0 * pb->alpha);
	}

	for (epoch = 0; epoch < pb->max_iter; epoch++)
	{
		double		sumloss = 0.0;
		bool		finite = true;

		pgml_train_check_cancel();
		if (pb->shuffle)
			sgd_shuffle(ind, n, seed);
		for (int64 k = 0; k < n; k++)
		{
			int64		i = ind[k];
			const float *x = pb->x + i * p;
			double		y = pb->y[i];
			double		dot = 0.0;
			double		pred,
						update;

			for (int j = 0; j < p; j++)
				dot += w[j] * (double) x[j];
			pred = dot * wscale + b;
			if (pb->rate == SGD_OPTIMAL)
				eta = 1.0 / (pb->alpha * (optimal_init + t - 1));
			else if (pb->rate == SGD_INVSCALING)
				eta = pb->eta0 / pow(t, pb->power_t);
			sumloss += sgd_loss(pb, pred, y);

			if (pb->rate == SGD_PA1 || pb->rate == SGD_PA2)
			{
				double		sq = 0.0;

				for (int j = 0; j < p; j++)
					sq += (double) x[j] * (double) x[j];
				if (pb->rate == SGD_PA1)
				{
					if (sq == 0)
						continue;
					update = Min(pb->C, sgd_loss(pb, pred, y) / sq);
				}
				else
					update = sgd_loss(pb, pred, y) / (sq + 0.5 / pb->C);
				if (pb->loss == SGD_HINGE)
					update *= y;
				else if (y - pred < 0)
					update *= -1;
			}
			else
			{
				double		dloss = sgd_dloss(pb, pred, y);

				if (dloss < -SGD_MAX_DLOSS)
					dloss = -SGD_MAX_DLOSS;
				else if (dloss > SGD_MAX_DLOSS)
					dloss = SGD_MAX_DLOSS;
				update = -eta * dloss;
			}
			update *= y > 0.0 ? pb->pos_weight : pb->neg_weight;

			if (pb->penalty == 0 || pb->penalty == 2)
			{
				/* L2's decay scales the weights, never below zero */
				wscale *= Max(0, 1.0 - ((1.0 - l1_ratio) * eta * pb->alpha));
				if (wscale < SGD_WSCALE_MIN)
					sgd_reset_scale(w, p, &wscale, avg);
			}
			if (update != 0.0)
			{
				for (int j = 0; j < p; j++)
					w[j] += (double) x[j] * (update / wscale);
				if (pb->fit_intercept)
					b += update;
			}
			if (avg->aw != NULL && pb->average <= t)
			{
				/* this step's weights into the average, whatever the update */
				double		num_iter = t - pb->average + 1;
				double		mu = 1.0 / num_iter;

				for (int j = 0; j < p; j++)
					avg->aw[j] += avg->a * (double) x[j] * (-update / wscale);
				if (num_iter > 1)
					avg->b /= (1.0 - mu);
				avg->a += mu * avg->b * wscale;
				avg->intercept += (b - avg->intercept) / num_iter;
			}
			if (q != NULL)
			{
				/* truncated gradient (Tsuruoka et al. 2009) */
				u += l1_ratio * eta * pb->alpha;
				for (int j = 0; j < p; j++)
				{
					double		z = w[j];

					if (wscale * z > 0.0)
						w[j] = Max(0.0, w[j] - ((u + q[j]) / wscale));
					else if (wscale * z < 0.0)
						w[j] = Min(0.0, w[j] + ((u - q[j]) / wscale));
					q[j] += wscale * (w[j] - z);
				}
			}
			t += 1;
		}

		for (int j = 0; j < p && finite; j++)
			finite = isfinite(w[j]);
		if (!finite || !isfinite(b))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("stochastic gradient descent overflowed at epoch %d", epoch + 1),
					 errhint("Scale the features (preprocess => '{\"column\": {\"scale\": \"standard\"}}'), or lower the learning rate.")));

		if (pb->tol > -INFINITY && sumloss > best_loss - pb->tol * n)
			no_improvement++;
		else
			no_improvement = 0;
		if (sumloss < best_loss)
			best_loss = sumloss;
		if (no_improvement >= pb->n_iter_no_change)
		{
			if (pb->rate == SGD_ADAPTIVE && eta > 1e-6)
			{
				eta /= 5;
				no_improvement = 0;
			}
			else
				break;
		}
	}
	sgd_reset_scale(w, p, &wscale, avg);
	*intercept = b;
	pfree(ind);
	if (q != NULL)
		pfree(q);
	return epoch < pb->max_iter ? epoch + 1 : pb->max_iter;
}

/*
 * Train an algorithm of the engine; rate_of_loss: passive_aggressive's
 * PA-I / PA-II by its loss; perceptron: the perceptron loss at a constant
 * rate.
 */
static void
sgd_train(const PgmlTrainInput *in, PgmlModel *m, bool passive_aggressive, bool perceptron)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	SgdParams	opt;
	SgdProblem	pb;
	bool		classification = in->task == PGML_TASK_CLASSIFICATION;
	int			n_outputs = (classification && in->n_classes > 2) ? in->n_classes : 1;
	int			p = in->n_features;
	double	   *coef;
	double	   *intercept;
	double	   *y;
	double	   *class_weight = NULL;
	double	   *avg_coef;
	double	   *avg_intercept;
	SgdAverage	avg;
	uint32		rstate;
	int			n_iter = 0;

	workctx = linear_regression_begin(in, &pgml_hp_sgd, &opt, sizeof(opt));
	if (in->task != PGML_TASK_REGRESSION && !classification)
		elog(ERROR, "unexpected task %d for stochastic gradient descent", (int) in->task);
	linear_check_coefficient_count(in->algorithm, n_outputs, p);

	memset(&pb, 0, sizeof(pb));
	pb.x = in->x;
	pb.n = in->n_rows;
	pb.p = p;
	pb.penalty = (int) opt.penalty;
	pb.alpha = opt.alpha;
	pb.C = opt.C;
	pb.l1_ratio = opt.l1_ratio;
	pb.fit_intercept = opt.fit_intercept;
	pb.shuffle = opt.shuffle;
	pb.max_iter = (int) opt.max_iter;
	pb.tol = opt.tol < 0 ? -INFINITY : opt.tol;
	pb.n_iter_no_change = (int) opt.n_iter_no_change;
	pb.eta0 = opt.eta0;
	pb.power_t = opt.power_t;
	pb.pos_weight = pb.neg_weight = 1.0;
	if (passive_aggressive)
	{
		/* scikit-learn: no penalty, alpha 1, the hinge (margin 1) or epsilon loss */
		pb.penalty = -1;
		pb.alpha = 1.0;
		pb.eta0 = 1.0;
		pb.loss = classification ? SGD_HINGE : SGD_EPSILON_INSENSITIVE;
		pb.rate = opt.pa_loss == 0 ? SGD_PA1 : SGD_PA2;
	}
	else if (perceptron)
	{
		pb.loss = SGD_PERCEPTRON;
		pb.rate = SGD_CONSTANT;
	}
	else
	{
		pb.loss = (SgdLoss) (int) opt.loss;
		pb.rate = (SgdRate) (int) opt.learning_rate;
	}
	switch (pb.loss)
	{
		case SGD_HINGE:
		case SGD_SQUARED_HINGE:
			pb.loss_param = 1.0;
			break;
		case SGD_PERCEPTRON:
			pb.loss_param = 0.0;
			break;
		default:
			pb.loss_param = opt.epsilon;
			break;
	}
	if (pb.rate == SGD_OPTIMAL && pb.alpha == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameter \"alpha\" of algorithm \"%s\" must be > 0 with learning_rate \"optimal\"",
						in->algorithm),
				 errhint("Set alpha above 0, or choose another learning_rate.")));
	if ((pb.rate == SGD_CONSTANT || pb.rate == SGD_INVSCALING || pb.rate == SGD_ADAPTIVE) &&
		pb.eta0 <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameter \"eta0\" of algorithm \"%s\" must be > 0 with learning_rate \"%s\"",
						in->algorithm, pgml_hp_choice_name(RATES, pb.rate)),
				 errhint("Set eta0 above 0, or use learning_rate \"optimal\".")));
	rstate = opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed;

	coef = MemoryContextAllocZero(callerctx, sizeof(double) * (Size) n_outputs * p);
	intercept = MemoryContextAllocZero(callerctx, sizeof(double) * n_outputs);
	y = pgml_train_alloc(Max(in->n_rows, 1), sizeof(double));
	pb.y = y;
	/* average: false is 0, true 1 */
	pb.average = opt.average == -1 ? 0 : (opt.average == -2 ? 1 : opt.average);
	avg_coef = pgml_train_alloc((Size) n_outputs * p, sizeof(double));
	avg_intercept = pgml_train_alloc(n_outputs, sizeof(double));
	memset(&avg, 0, sizeof(avg));

	if (!classification)
	{
		SkRandomState rs;
		uint32		seed;

		/* SGDRegressor draws the epoch seed, then the dataset's */
		sk_rs_seed(&rs, rstate);
		seed = (uint32) sk_rs_randint(&rs, 0, SGD_MAX_INT);
		linear_check_target(in);
		memcpy(y, in->y, sizeof(double) * in->n_rows);
		avg.aw = pb.average > 0 ? avg_coef : NULL;
		n_iter = sgd_plain(&pb, seed, coef, intercept, &avg);
		avg_intercept[0] = avg.intercept;
	}
	else
	{
		uint32	   *seeds = pgml_train_alloc(n_outputs, sizeof(uint32));

		class_weight = linear_class_weights(in, opt.class_weight == 0);
		if (n_outputs == 1)
			seeds[0] = rstate;
		else
		{
			/* one seed per class, then a generator per class */
			SkRandomState rs;

			sk_rs_seed(&rs, rstate);
			for (int k = 0; k < n_outputs; k++)
				seeds[k] = (uint32) sk_rs_randint(&rs, 0, SGD_MAX_INT);
		}
		for (int o = 0; o < n_outputs; o++)
		{
			int			cls = n_outputs == 1 ? 1 : o;
			SkRandomState rs;
			uint32		seed;

			/* fit_binary: the dataset's seed is drawn first, then the epochs' */
			sk_rs_seed(&rs, seeds[o]);
			(void) sk_rs_randint(&rs, 1, SGD_MAX_INT);
			seed = (uint32) sk_rs_randint(&rs, 0, SGD_MAX_INT);
			for (int64 i = 0; i < in->n_rows; i++)
				y[i] = (int) in->y[i] == cls ? 1.0 : -1.0;
			pb.pos_weight = class_weight[cls];
			pb.neg_weight = n_outputs == 1 ? class_weight[0] : 1.0;
			avg.aw = pb.average > 0 ? avg_coef + (Size) o * p : NULL;
			n_iter = Max(n_iter, sgd_plain(&pb, seed, coef + (Size) o * p, intercept + o, &avg));
			avg_intercept[o] = avg.intercept;
		}
	}

	/*
	 * scikit-learn keeps the averaged model once averaging has run for a
	 * step (average <= the steps of the longest fit: t_ - 1)
	 */
	if (pb.average > 0 && pb.average <= (double) n_iter * (double) in->n_rows)
	{
		memcpy(coef, avg_coef, sizeof(double) * n_outputs * p);
		memcpy(intercept, avg_intercept, sizeof(double) * n_outputs);
	}
	if (opt.tol >= 0 && n_iter == pb.max_iter)
		ereport(WARNING,
				(errmsg_plural("%s did not converge in %d epoch",
							   "%s did not converge in %d epochs",
							   n_iter, in->algorithm, n_iter),
				 errhint("Raise \"max_iter\", or scale the features.")));
	for (int i = 0; i < n_outputs * p; i++)
		if (!isfinite(coef[i]))
			elog(ERROR, "stochastic gradient descent produced a non-finite coefficient");

	MemoryContextSwitchTo(callerctx);
	MemoryContextDelete(workctx);
	linear_model_set(m, classification, n_outputs, coef, intercept);
	/* scikit-learn's n_iter_: the epochs run (the most of any class) */
	m->metrics_json = psprintf("{\"n_iter\": %d}", n_iter);
	m->hyperparams_json = pgml_hp_json(&pgml_hp_sgd, in->algorithm, in->task, &opt);
}

void
pgml_sgd_train(const PgmlTrainInput *in, PgmlModel *m)
{
	sgd_train(in, m, false, false);
}

void
pgml_perceptron_train(const PgmlTrainInput *in, PgmlModel *m)
{
	sgd_train(in, m, false, true);
}

void
pgml_passive_aggressive_train(const PgmlTrainInput *in, PgmlModel *m)
{
	sgd_train(in, m, true, false);
}

#endif							/* PGML_TRAINER */
