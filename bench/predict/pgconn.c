/*
 * pgconn.c
 *	  A tiny libpq client for the connection benchmarks (bench/30_cold.sh,
 *	  bench/40_memory.sh).  It connects with the PG* environment variables.
 *
 *	  pgconn cold N LABEL SQL [LABEL SQL ...]
 *		  N rounds; each round, for every case in turn: open a new connection,
 *		  run SQL once, close.  The time from before PQconnectdb to the end of
 *		  PQexec is one sample.  The backend's CPU time (from
 *		  /proc/PID/schedstat, so it must run on the server's machine as a user
 *		  who may read it) is taken after the query, before closing.  Prints
 *		  case,runs,median_ms,min_ms,p90_ms,cpu_ms (cpu_ms: median backend CPU
 *		  time of a connection, fork to result).  With PGCONN_PAIRED=FILE,
 *		  also writes to FILE, for every case but the first, the median over
 *		  the rounds of its time minus the first case's time in the same
 *		  round (wall ms, CPU ms): paired differences, steadier than a
 *		  difference of medians when the machine's load drifts.
 *
 *	  pgconn memory N LABEL SQL
 *		  Opens N connections, runs SQL once in each, keeps them all open and
 *		  reads /proc/PID/smaps_rollup of every backend; prints one line
 *		  (no header) of case,runs,median_kB,min_kB,p90_kB (of the backends'
 *		  PSS, runs = N),mean_pss_kB,median_rss_kB,median_pss_anon_kB,
 *		  median_pss_shmem_kB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* qsort comparator for doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Median of v[0..n-1] (sorts v). */
static double
median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* 90th percentile of sorted v[0..n-1], nearest rank. */
static double
p90(const double *v, int n)
{
	int			i = (int) (0.9 * n + 0.999);

	if (i < 1)
		i = 1;
	return v[i - 1];
}

/* Open a connection from the environment, or exit with the error. */
static PGconn *
connect_or_die(void)
{
	PGconn	   *c = PQconnectdb("");

	if (PQstatus(c) != CONNECTION_OK)
	{
		fprintf(stderr, "pgconn: %s", PQerrorMessage(c));
		exit(1);
	}
	return c;
}

/* Run sql on c, or exit with the error. */
static void
exec_or_die(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "pgconn: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

/* CPU time (ms) a process has run so far, from /proc/PID/schedstat; -1 if unknown. */
static double
proc_cpu_ms(int pid)
{
	char		path[64];
	FILE	   *f;
	unsigned long long ns;
	int			ok;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	ok = fscanf(f, "%llu", &ns) == 1;
	fclose(f);
	return ok ? ns / 1e6 : -1;
}

/* One field (kB) of /proc/PID/smaps_rollup; -1 if unknown. */
static long
rollup_kb(int pid, const char *field)
{
	char		path[64];
	char		line[256];
	size_t		len = strlen(field);
	long		kb = -1;
	FILE	   *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		if (strncmp(line, field, len) == 0 && line[len] == ':')
		{
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* The cold mode: new connection + first query, interleaved over the cases. */
static int
run_cold(int rounds, int ncases, char **args)
{
	double	   *t = malloc(sizeof(double) * rounds * ncases);
	double	   *cpu = malloc(sizeof(double) * rounds * ncases);

	for (int r = 0; r < rounds; r++)
	{
		for (int c = 0; c < ncases; c++)
		{
			double		t0 = now();
			PGconn	   *conn = connect_or_die();

			exec_or_die(conn, args[2 * c + 1]);
			t[c * rounds + r] = (now() - t0) * 1e3;
			cpu[c * rounds + r] = proc_cpu_ms(PQbackendPID(conn));
			PQfinish(conn);
		}
	}
	/* paired differences to the first case, round by round, if asked */
	if (getenv("PGCONN_PAIRED") != NULL)
	{
		FILE	   *f = fopen(getenv("PGCONN_PAIRED"), "w");
		double	   *d = malloc(sizeof(double) * rounds);
		double	   *dc = malloc(sizeof(double) * rounds);

		if (f == NULL)
		{
			perror(getenv("PGCONN_PAIRED"));
			exit(1);
		}
		for (int c = 1; c < ncases; c++)
		{
			for (int r = 0; r < rounds; r++)
			{
				d[r] = t[c * rounds + r] - t[r];
				dc[r] = cpu[c * rounds + r] - cpu[r];
			}
			fprintf(f, "\"%s\",%.3f,%.3f\n", args[2 * c], median(d, rounds), median(dc, rounds));
		}
		fclose(f);
		free(d);
		free(dc);
	}
	printf("case,runs,median_ms,min_ms,p90_ms,cpu_ms\n");
	for (int c = 0; c < ncases; c++)
	{
		double	   *v = t + c * rounds;
		double		med = median(v, rounds);

		printf("\"%s\",%d,%.3f,%.3f,%.3f,%.3f\n", args[2 * c], rounds, med, v[0],
			   p90(v, rounds), median(cpu + c * rounds, rounds));
	}
	free(t);
	free(cpu);
	return 0;
}

/* The memory mode: N connections open at once, PSS of each backend. */
static int
run_memory(int n, const char *label, const char *sql)
{
	PGconn	  **conns = malloc(sizeof(PGconn *) * n);
	double	   *pss = malloc(sizeof(double) * n);
	double	   *rss = malloc(sizeof(double) * n);
	double	   *anon = malloc(sizeof(double) * n);
	double	   *shm = malloc(sizeof(double) * n);
	double		total = 0;

	for (int i = 0; i < n; i++)
	{
		conns[i] = connect_or_die();
		exec_or_die(conns[i], sql);
	}
	/* all open now: PSS shares every page among all the mappers */
	for (int i = 0; i < n; i++)
	{
		int			pid = PQbackendPID(conns[i]);

		pss[i] = rollup_kb(pid, "Pss");
		rss[i] = rollup_kb(pid, "Rss");
		anon[i] = rollup_kb(pid, "Pss_Anon");
		shm[i] = rollup_kb(pid, "Pss_Shmem");
		total += pss[i];
	}
	for (int i = 0; i < n; i++)
		PQfinish(conns[i]);
	printf("\"%s\",%d,%.0f,", label, n, median(pss, n));
	printf("%.0f,%.0f,%.0f,%.0f,%.0f,%.0f\n", pss[0], p90(pss, n), total / n,
		   median(rss, n), median(anon, n), median(shm, n));
	return 0;
}

/* Entry point: see the file header. */
int
main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "cold") == 0 && (argc - 3) % 2 == 0)
		return run_cold(atoi(argv[2]), (argc - 3) / 2, argv + 3);
	if (argc == 5 && strcmp(argv[1], "memory") == 0)
		return run_memory(atoi(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: pgconn cold N LABEL SQL [LABEL SQL ...]\n"
			"       pgconn memory N LABEL SQL\n");
	return 2;
}
