/*
 * xgb_train.c
 *	  The "bare XGBoost" baseline of bench/50_train.sh: train with XGBoost's C
 *	  API on a matrix already in memory, nothing else.
 *
 *	  xgb_train SQL NTHREAD ROUNDS MAX_DEPTH
 *
 *	  SQL is a query whose columns are all real (or double precision): the
 *	  features, then the label last.  Its rows are fetched with libpq (COPY
 *	  ... TO STDOUT, binary) into a row-major float matrix: untimed.  Then,
 *	  timed: XGDMatrixCreateFromMat_omp, the label, XGBoosterCreate, the
 *	  parameters (tree_method hist, max_depth, objective reg:squarederror,
 *	  nthread) and ROUNDS calls of XGBoosterUpdateOneIter.  Prints one CSV
 *	  line: rows,features,load_s,dmatrix_s,train_s,total_s,cpu_s (total_s =
 *	  dmatrix_s + train_s, what the bare baseline costs; cpu_s: the CPU
 *	  time of all threads over the same span).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <xgboost/c_api.h>

/* Exit with XGBoost's last error if an XGBoost call failed. */
#define XGB(call) \
	do { \
		if ((call) != 0) \
		{ \
			fprintf(stderr, "xgb_train: %s: %s\n", #call, XGBGetLastError()); \
			exit(1); \
		} \
	} while (0)

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process, all threads. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A big-endian 16-bit integer. */
static int
be16(const unsigned char *p)
{
	return (int16_t) ((p[0] << 8) | p[1]);
}

/* A big-endian 32-bit integer. */
static int32_t
be32(const unsigned char *p)
{
	return (int32_t) (((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
					  ((uint32_t) p[2] << 8) | p[3]);
}

/* A big-endian float4 or float8 field of len bytes, as float; NaN for NULL. */
static float
field_value(const unsigned char *p, int32_t len)
{
	if (len == 4)
	{
		uint32_t	u = (uint32_t) be32(p);
		float		f;

		memcpy(&f, &u, 4);
		return f;
	}
	if (len == 8)
	{
		uint64_t	u = ((uint64_t) (uint32_t) be32(p) << 32) | (uint32_t) be32(p + 4);
		double		d;

		memcpy(&d, &u, 8);
		return (float) d;
	}
	return NAN;
}

/* Entry point: see the file header. */
int
main(int argc, char **argv)
{
	PGconn	   *conn;
	PGresult   *res;
	char	   *sql;
	char	   *buf = NULL;
	size_t		len = 0,
				cap = 0;
	char	   *chunk;
	int			n;
	int			ncols = -1;
	size_t		rows = 0,
				rcap = 1 << 16;
	float	   *x,
			   *y;
	const unsigned char *p,
			   *end;
	double		t0,
				t1,
				t2,
				t3,
				c1,
				c3;
	DMatrixHandle dm;
	BoosterHandle bst;
	int			nthread,
				rounds;

	if (argc != 5)
	{
		fprintf(stderr, "usage: xgb_train SQL NTHREAD ROUNDS MAX_DEPTH\n");
		return 2;
	}
	nthread = atoi(argv[2]);
	rounds = atoi(argv[3]);

	/* load: COPY (SQL) TO STDOUT binary, all into one buffer, then parse */
	t0 = now();
	conn = PQconnectdb("");
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "xgb_train: %s", PQerrorMessage(conn));
		return 1;
	}
	sql = malloc(strlen(argv[1]) + 64);
	sprintf(sql, "COPY (%s) TO STDOUT (FORMAT binary)", argv[1]);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT)
	{
		fprintf(stderr, "xgb_train: %s", PQerrorMessage(conn));
		return 1;
	}
	PQclear(res);
	while ((n = PQgetCopyData(conn, &chunk, 0)) > 0)
	{
		if (len + n > cap)
		{
			cap = (cap + n) * 2;
			buf = realloc(buf, cap);
		}
		memcpy(buf + len, chunk, n);
		len += n;
		PQfreemem(chunk);
	}
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "xgb_train: %s", PQerrorMessage(conn));
		return 1;
	}
	PQclear(res);
	PQfinish(conn);

	/* header: 11-byte signature, flags, extension length and area */
	p = (const unsigned char *) buf + 11 + 4;
	p += 4 + be32(p);
	end = (const unsigned char *) buf + len;
	x = NULL;
	y = malloc(sizeof(float) * rcap);
	while (p + 2 <= end)
	{
		int			nf = be16(p);

		p += 2;
		if (nf < 0)
			break;				/* trailer */
		if (ncols < 0)
		{
			ncols = nf;
			x = malloc(sizeof(float) * rcap * (ncols - 1));
		}
		if (rows == rcap)
		{
			rcap *= 2;
			x = realloc(x, sizeof(float) * rcap * (ncols - 1));
			y = realloc(y, sizeof(float) * rcap);
		}
		for (int c = 0; c < nf; c++)
		{
			int32_t		flen = be32(p);
			float		v;

			p += 4;
			v = flen < 0 ? NAN : field_value(p, flen);
			if (flen > 0)
				p += flen;
			if (c < ncols - 1)
				x[rows * (ncols - 1) + c] = v;
			else
				y[rows] = v;
		}
		rows++;
	}
	free(buf);
	t1 = now();
	c1 = cpu_now();

	/* timed: what XGBoost itself needs */
	XGB(XGDMatrixCreateFromMat_omp(x, rows, ncols - 1, NAN, &dm, nthread));
	XGB(XGDMatrixSetFloatInfo(dm, "label", y, rows));
	t2 = now();
	XGB(XGBoosterCreate(&dm, 1, &bst));
	XGB(XGBoosterSetParam(bst, "nthread", argv[2]));
	XGB(XGBoosterSetParam(bst, "tree_method", "hist"));
	XGB(XGBoosterSetParam(bst, "max_depth", argv[4]));
	XGB(XGBoosterSetParam(bst, "objective", "reg:squarederror"));
	XGB(XGBoosterSetParam(bst, "disable_default_eval_metric", "1"));
	for (int i = 0; i < rounds; i++)
		XGB(XGBoosterUpdateOneIter(bst, i, dm));
	t3 = now();
	c3 = cpu_now();

	printf("%zu,%d,%.3f,%.3f,%.3f,%.3f,%.3f\n", rows, ncols - 1, t1 - t0, t2 - t1, t3 - t2,
		   t3 - t1, c3 - c1);
	XGB(XGBoosterFree(bst));
	XGB(XGDMatrixFree(dm));
	free(x);
	free(y);
	return 0;
}
