/*
 * metrics_test.c
 *	  Standalone driver for src/train/metrics.c, outside the server, for
 *	  test/unit/metrics_check.sh.  palloc and StringInfo come from the
 *	  frontend libpgcommon; error reporting is stubbed below (an ERROR
 *	  prints its message and exits with status 3).
 *
 * Input on stdin, one case after another:
 *	R n			then n lines "y_true y_pred"	(regression)
 *	C n k		then n lines "y_true y_pred"	(classification, k classes)
 *	P n k		then n lines "y_true p_0 .. p_k-1"	(probabilities, read
 *				as float32 like the model's output)
 * Output: one JSON object line per case.
 */
#include "postgres.h"

#include <stdarg.h>

#include "pgml_train.h"

static char errbuf[1024];
static int	errlevel;

/* Stub of the server's errstart: remember the level, always report. */
bool
errstart(int elevel, const char *domain)
{
	errlevel = elevel;
	errbuf[0] = '\0';
	return true;
}

/* Stub of errstart_cold (used for constant ERROR levels). */
bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

/* Stub of errmsg_internal: format the message into errbuf. */
int
errmsg_internal(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return 0;
}

/* Stub of errfinish: print the message; exit on ERROR and above. */
void
errfinish(const char *filename, int lineno, const char *funcname)
{
	printf("ERROR: %s\n", errbuf);
	fflush(stdout);
	if (errlevel >= ERROR)
		exit(3);
}

/* Read one case and print its metrics; false at end of input. */
static bool
run_case(void)
{
	char		kind;
	long long	n;
	int			k = 0;
	double	   *yt;
	double	   *yp;
	char	   *json;

	if (scanf(" %c %lld", &kind, &n) != 2)
		return false;
	if (kind != 'R' && scanf("%d", &k) != 1)
		return false;
	if (kind == 'P')
	{
		float	   *proba = palloc((n * k + 1) * sizeof(float));

		yt = palloc((n + 1) * sizeof(double));
		for (long long i = 0; i < n; i++)
		{
			if (scanf("%lf", &yt[i]) != 1)
				return false;
			for (int j = 0; j < k; j++)
				if (scanf("%f", &proba[i * k + j]) != 1)
					return false;
		}
		json = pgml_metrics_classification_proba(yt, proba, n, k);
		printf("%s\n", json);
		pfree(json);
		pfree(yt);
		pfree(proba);
		return true;
	}
	yt = palloc((n + 1) * sizeof(double));
	yp = palloc((n + 1) * sizeof(double));
	for (long long i = 0; i < n; i++)
		if (scanf("%lf %lf", &yt[i], &yp[i]) != 2)
			return false;
	if (kind == 'R')
		json = pgml_metrics_regression(yt, yp, n, 1);
	else
		json = pgml_metrics_classification(yt, yp, n, k);
	printf("%s\n", json);
	pfree(json);
	pfree(yt);
	pfree(yp);
	return true;
}

/* Run every case on stdin. */
int
main(void)
{
	while (run_case())
		;
	return 0;
}
