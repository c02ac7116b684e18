/*
 * metrics.c
 *	  Held-out metrics of a trained model, as a JSON object text.
 *
 * The definitions are scikit-learn's (1.2), so that numbers can be compared
 * with PostgresML's and with a Python notebook:
 *
 *	regression		r2_score (force_finite: 1.0 for a perfect fit of a
 *					constant target, 0.0 for an imperfect one, null for
 *					fewer than two rows), mean_absolute_error,
 *					mean_squared_error.
 *	classification	accuracy_score; precision, recall and f1 with
 *					average='macro', zero_division=0, over the classes that
 *					occur in y_true or y_pred (sklearn's default labels);
 *					matthews_corrcoef (multiclass form).
 *	probabilities	roc_auc_score: of classes[1] for two classes, the
 *					unweighted mean of one-vs-rest AUCs for more (as
 *					multi_class="ovr", average="macro"); trapezoidal, so a
 *					tie between a positive and a negative row counts one
 *					half.  Undefined (null) when a class has no row or
 *					every row, when there is one class, or on a NaN.
 *					log_loss with labels 0 .. n_classes - 1 and eps="auto",
 *					which for float32 probabilities is FLT_EPSILON: each
 *					probability is clipped to [eps, 1 - eps], the row is
 *					renormalised to sum 1, then the mean of -log(p[true]).
 *					The arithmetic is double (sklearn given float32 would
 *					work in float32, about 1e-7 off).  confusion_matrix
 *					with predictions the argmax of each row (the first of
 *					equal maxima, or the first NaN, as numpy.argmax).
 *
 * Sums are compensated (Neumaier), so results agree with numpy's pairwise
 * sums to about one unit in the last place.  Numbers are printed in the
 * shortest form that reads back as the same double; JSON has no NaN or
 * infinity, so a non-finite value is printed as null.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"

#include "pgml_train.h"

/* A running sum with Neumaier's compensation term. */
typedef struct CompensatedSum
{
	double		sum;
	double		comp;
} CompensatedSum;

/* Add x to a compensated sum. */
static inline void
SumAdd(CompensatedSum *s, double x)
{
	double		t = s->sum + x;

	if (fabs(s->sum) >= fabs(x))
		s->comp += (s->sum - t) + x;
	else
		s->comp += (x - t) + s->sum;
	s->sum = t;
}

/* The value of a compensated sum. */
static inline double
SumValue(const CompensatedSum *s)
{
	return s->sum + s->comp;
}

/* Append "key":value to a JSON object under construction. */
static void
AppendJsonNumber(StringInfo buf, const char *key, double value)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (key != NULL)
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
 * Regression metrics of target k of rows of nt values (y[i * nt + k]):
 * *r2, *mae, *mse (NaN where undefined).
 */
static void
regression_numbers(const double *y_true, const double *y_pred, int64 n, int32 nt,
				   int32 k, double *r2, double *mae, double *mse)
{
	CompensatedSum abs_err = {0, 0};
	CompensatedSum sq_err = {0, 0};
	CompensatedSum total = {0, 0};
	CompensatedSum sq_dev = {0, 0};
	bool		constant = true;

	*mae = *mse = *r2 = NAN;
	for (int64 i = 0; i < n; i++)
	{
		double		t = y_true[i * nt + k];
		double		e = t - y_pred[i * nt + k];

		SumAdd(&abs_err, fabs(e));
		SumAdd(&sq_err, e * e);
		SumAdd(&total, t);
		if (t != y_true[k])
			constant = false;
	}

	if (n > 0)
	{
		*mae = SumValue(&abs_err) / n;
		*mse = SumValue(&sq_err) / n;
	}

	if (n >= 2)
	{
		double		mean = SumValue(&total) / n;
		double		numerator = SumValue(&sq_err);
		double		denominator;

		/*
		 * A constant target has no variance, whatever rounding the mean
		 * suffered: test it exactly.
		 */
		if (!constant)
			for (int64 i = 0; i < n; i++)
			{
				double		d = y_true[i * nt + k] - mean;

				SumAdd(&sq_dev, d * d);
			}
		denominator = SumValue(&sq_dev);

		if (numerator == 0.0)
			*r2 = 1.0;
		else if (denominator == 0.0)
			*r2 = 0.0;
		else
			*r2 = 1.0 - numerator / denominator;
	}
}

/*
 * Regression metrics of y_pred against y_true, rows of n_targets values, as
 * a JSON object text.  Several targets: each metric is the mean of the
 * targets' (scikit-learn's multioutput="uniform_average"), and
 * "r2_per_target" lists the targets' r2.
 */
char *
pgml_metrics_regression(const double *y_true, const double *y_pred, int64 n,
						int32 n_targets)
{
	double		r2 = 0,
				mae = 0,
				mse = 0;
	StringInfoData buf;
	StringInfoData per;

	initStringInfo(&per);
	for (int32 k = 0; k < n_targets; k++)
	{
		double		r2k,
					maek,
					msek;

		regression_numbers(y_true, y_pred, n, n_targets, k, &r2k, &maek, &msek);
		r2 += r2k;
		mae += maek;
		mse += msek;
		appendStringInfoString(&per, k > 0 ? ", " : "[");
		AppendJsonNumber(&per, NULL, r2k);
	}
	appendStringInfoChar(&per, ']');

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	AppendJsonNumber(&buf, "r2", r2 / n_targets);
	AppendJsonNumber(&buf, "mean_absolute_error", mae / n_targets);
	AppendJsonNumber(&buf, "mean_squared_error", mse / n_targets);
	if (n_targets > 1)
		appendStringInfo(&buf, ", \"r2_per_target\": %s", per.data);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* The class index a double holds; errors unless it is in [0, n_classes). */
static inline int32
ClassIndex(double v, int32 n_classes)
{
	if (!(v >= 0 && v < n_classes) || v != floor(v))
		elog(ERROR, "class index %g is out of range 0 .. %d", v, n_classes - 1);
	return (int32) v;
}

/* Classification metrics of y_pred against y_true, as a JSON object text. */
char *
pgml_metrics_classification(const double *y_true, const double *y_pred,
							int64 n, int32 n_classes)
{
	int64	   *tp;
	int64	   *true_count;
	int64	   *pred_count;
	int64		correct = 0;
	int32		n_labels = 0;
	double		precision_sum = 0;
	double		recall_sum = 0;
	double		f1_sum = 0;
	double		dot_tp = 0;
	double		dot_pp = 0;
	double		dot_tt = 0;
	double		accuracy = NAN;
	double		precision = NAN;
	double		recall = NAN;
	double		f1 = NAN;
	double		mcc = NAN;
	StringInfoData buf;

	if (n_classes < 1)
		elog(ERROR, "classification metrics need at least one class, got %d",
			 n_classes);

	tp = palloc0(n_classes * sizeof(int64));
	true_count = palloc0(n_classes * sizeof(int64));
	pred_count = palloc0(n_classes * sizeof(int64));

	for (int64 i = 0; i < n; i++)
	{
		int32		t = ClassIndex(y_true[i], n_classes);
		int32		p = ClassIndex(y_pred[i], n_classes);

		true_count[t]++;
		pred_count[p]++;
		if (t == p)
		{
			tp[t]++;
			correct++;
		}
	}

	/*
	 * Per-class scores, averaged over the classes seen in y_true or y_pred.
	 * An undefined ratio (0/0) counts as 0, as zero_division=0 does.
	 */
	for (int32 k = 0; k < n_classes; k++)
	{
		double		p;
		double		r;

		if (true_count[k] == 0 && pred_count[k] == 0)
			continue;
		n_labels++;
		p = pred_count[k] > 0 ? (double) tp[k] / pred_count[k] : 0.0;
		r = true_count[k] > 0 ? (double) tp[k] / true_count[k] : 0.0;
		precision_sum += p;
		recall_sum += r;
		f1_sum += (p + r) > 0 ? 2.0 * p * r / (p + r) : 0.0;

		dot_tp += (double) true_count[k] * pred_count[k];
		dot_pp += (double) pred_count[k] * pred_count[k];
		dot_tt += (double) true_count[k] * true_count[k];
	}

	if (n > 0)
	{
		double		ns = (double) n;
		double		cov_tp = (double) correct * ns - dot_tp;
		double		cov_pp = ns * ns - dot_pp;
		double		cov_tt = ns * ns - dot_tt;

		accuracy = (double) correct / n;
		precision = precision_sum / n_labels;
		recall = recall_sum / n_labels;
		f1 = f1_sum / n_labels;
		/* Matthews: 0 when either side puts every row in one class. */
		mcc = (cov_pp * cov_tt == 0) ? 0.0 : cov_tp / sqrt(cov_tt * cov_pp);
	}

	pfree(tp);
	pfree(true_count);
	pfree(pred_count);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	AppendJsonNumber(&buf, "accuracy", accuracy);
	AppendJsonNumber(&buf, "f1", f1);
	AppendJsonNumber(&buf, "precision", precision);
	AppendJsonNumber(&buf, "recall", recall);
	AppendJsonNumber(&buf, "mcc", mcc);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* One row as the ROC curve of one class sees it. */
typedef struct RocPoint
{
	float		score;
	bool		positive;
} RocPoint;

/* qsort comparator: decreasing score. */
static int
RocPointCompare(const void *a, const void *b)
{
	float		sa = ((const RocPoint *) a)->score;
	float		sb = ((const RocPoint *) b)->score;

	return (sa < sb) - (sa > sb);
}

/*
 * Area under the ROC curve of one class, with points[] scored by its
 * probability column (sorted here).  Walking the scores downwards, each
 * group of equal scores adds a trapezoid: its negatives times the positives
 * above it, plus half its own positives.  Integer counts keep the area
 * exact; NaN if either side is empty.
 */
static double
RocAuc(RocPoint *points, int64 n)
{
	uint64		pos = 0;
	uint64		neg = 0;
	uint64		area2 = 0;		/* twice the area, in pairs */

	qsort(points, n, sizeof(RocPoint), RocPointCompare);
	for (int64 i = 0; i < n;)
	{
		uint64		gpos = 0;
		uint64		gneg = 0;
		int64		j = i;

		for (; j < n && points[j].score == points[i].score; j++)
		{
			if (points[j].positive)
				gpos++;
			else
				gneg++;
		}
		area2 += gneg * (2 * pos + gpos);
		pos += gpos;
		neg += gneg;
		i = j;
	}
	if (pos == 0 || neg == 0)
		return NAN;
	return (double) area2 / (2.0 * (double) pos * (double) neg);
}

/*
 * Metrics from class probabilities (proba: n rows of n_classes), as a JSON
 * object text: roc_auc, log_loss, confusion_matrix.
 */
char *
pgml_metrics_classification_proba(const double *y_true, const float *proba,
								  int64 n, int32 n_classes)
{
	int32	   *label;
	int64	   *confusion;
	bool		has_nan = false;
	double		roc_auc = NAN;
	double		log_loss = NAN;
	StringInfoData buf;

	if (n_classes < 1)
		elog(ERROR, "classification metrics need at least one class, got %d",
			 n_classes);

	label = palloc_extended(Max(n, 1) * sizeof(int32), MCXT_ALLOC_HUGE);
	confusion = palloc0((Size) n_classes * n_classes * sizeof(int64));

	for (int64 i = 0; i < n; i++)
	{
		const float *row = proba + i * n_classes;
		int32		best = 0;

		label[i] = ClassIndex(y_true[i], n_classes);
		for (int32 k = 0; k < n_classes; k++)
		{
			if (isnan(row[k]))
				has_nan = true;
			if (!isnan(row[best]) && (isnan(row[k]) || row[k] > row[best]))
				best = k;
		}
		confusion[(int64) label[i] * n_classes + best]++;
	}

	if (n > 0 && n_classes >= 2 && !has_nan)
	{
		RocPoint   *points = palloc_extended(sizeof(RocPoint) * n,
											 MCXT_ALLOC_HUGE);
		const double eps = FLT_EPSILON;
		CompensatedSum loss = {0, 0};

		/* ROC AUC: classes[1] alone for binary, else each class in turn. */
		roc_auc = 0;
		for (int32 c = (n_classes == 2 ? 1 : 0); c < n_classes; c++)
		{
			for (int64 i = 0; i < n; i++)
			{
				points[i].score = proba[i * n_classes + c];
				points[i].positive = (label[i] == c);
			}
			roc_auc += RocAuc(points, n);
		}
		if (n_classes > 2)
			roc_auc /= n_classes;
		pfree(points);

		/* Log loss: clip, renormalise, mean of -log(p[true]). */
		for (int64 i = 0; i < n; i++)
		{
			const float *row = proba + i * n_classes;
			double		sum = 0;
			double		p = 0;

			for (int32 k = 0; k < n_classes; k++)
			{
				double		v = Min(Max((double) row[k], eps), 1.0 - eps);

				sum += v;
				if (k == label[i])
					p = v;
			}
			SumAdd(&loss, -log(p / sum));
		}
		log_loss = SumValue(&loss) / n;
	}

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	AppendJsonNumber(&buf, "roc_auc", roc_auc);
	AppendJsonNumber(&buf, "log_loss", log_loss);
	appendStringInfoString(&buf, ",\"confusion_matrix\":[");
	for (int32 t = 0; t < n_classes; t++)
	{
		appendStringInfoString(&buf, t > 0 ? ",[" : "[");
		for (int32 p = 0; p < n_classes; p++)
			appendStringInfo(&buf, "%s" INT64_FORMAT, p > 0 ? "," : "",
							 confusion[(int64) t * n_classes + p]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");

	pfree(label);
	pfree(confusion);
	return buf.data;
}
