/*
 * xgb_predict.c
 *	  The "XGBoost C API per row" baseline of bench/20_predict.sh, outside
 *	  the database: since 0.2.0 no PostgreSQL process loads XGBoost, so
 *	  pgml.predict_native pays a round trip to a trainer process per row and
 *	  no longer measures XGBoost's own per-row cost.
 *
 *	  xgb_predict MODEL_ID MIN_SECONDS
 *
 *	  Connects with libpq's defaults (PGHOST, PGPORT, PGDATABASE, ...),
 *	  reads the booster bytes of MODEL_ID from bench_boosters and the rows of
 *	  bench_digits (untimed), then predicts every row one at a time with
 *	  XGBoosterPredictFromDense (nthread 1, as pgml.predict), over and over
 *	  until MIN_SECONDS have passed.  Prints: rows,passes,us_per_row,cpu_us_per_row
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <xgboost/c_api.h>

#define XGB(call) \
	do { \
		if ((call) != 0) \
		{ \
			fprintf(stderr, "xgb_predict: %s: %s\n", #call, XGBGetLastError()); \
			exit(1); \
		} \
	} while (0)

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static PGresult *
query(PGconn *conn, const char *sql, int binary)
{
	PGresult   *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, binary);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		fprintf(stderr, "xgb_predict: %s", PQerrorMessage(conn));
		exit(1);
	}
	return res;
}

int
main(int argc, char **argv)
{
	PGconn	   *conn;
	PGresult   *res;
	char		sql[256];
	BoosterHandle booster;
	bst_ulong	n_features;
	int			n_rows;
	float	   *x;
	double		min_seconds;
	double		t0,
				c0,
				elapsed,
				cpu;
	long		passes = 0;
	volatile float sink = 0;

	if (argc != 3)
	{
		fprintf(stderr, "usage: xgb_predict MODEL_ID MIN_SECONDS\n");
		return 2;
	}
	min_seconds = atof(argv[2]);
	conn = PQconnectdb("");
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "xgb_predict: %s", PQerrorMessage(conn));
		return 1;
	}

	snprintf(sql, sizeof(sql), "SELECT booster FROM bench_boosters WHERE model_id = %lld",
			 atoll(argv[1]));
	res = query(conn, sql, 1);
	if (PQntuples(res) != 1)
	{
		fprintf(stderr, "xgb_predict: no booster for model %s\n", argv[1]);
		return 1;
	}
	XGB(XGBoosterCreate(NULL, 0, &booster));
	XGB(XGBoosterLoadModelFromBuffer(booster, PQgetvalue(res, 0, 0),
									 (bst_ulong) PQgetlength(res, 0, 0)));
	XGB(XGBoosterSetParam(booster, "nthread", "1"));
	XGB(XGBoosterGetNumFeature(booster, &n_features));
	PQclear(res);

	res = query(conn, "SELECT array_to_string(image, ' ') FROM bench_digits", 0);
	n_rows = PQntuples(res);
	x = malloc(sizeof(float) * n_rows * n_features);
	for (int r = 0; r < n_rows; r++)
	{
		char	   *p = PQgetvalue(res, r, 0);

		for (bst_ulong j = 0; j < n_features; j++)
			x[r * n_features + j] = strtof(p, &p);
	}
	PQclear(res);
	PQfinish(conn);

	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	do
	{
		for (int r = 0; r < n_rows; r++)
		{
			char		iface[160];
			bst_ulong const *shape;
			bst_ulong	dim;
			const float *out;

			snprintf(iface, sizeof(iface),
					 "{\"data\": [%zu, true], \"shape\": [1, %d], \"typestr\": \"<f4\", \"version\": 3}",
					 (size_t) (x + (size_t) r * n_features), (int) n_features);
			XGB(XGBoosterPredictFromDense(booster, iface,
										  "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
										  "\"iteration_end\": 0, \"strict_shape\": false, "
										  "\"cache_id\": 0, \"missing\": NaN}",
										  NULL, &shape, &dim, &out));
			sink += out[0];
		}
		passes++;
		elapsed = clock_s(CLOCK_MONOTONIC) - t0;
	} while (elapsed < min_seconds);
	cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("%d,%ld,%.4f,%.4f\n", n_rows, passes, elapsed * 1e6 / ((double) passes * n_rows),
		   cpu * 1e6 / ((double) passes * n_rows));
	XGB(XGBoosterFree(booster));
	free(x);
	return 0;
}
