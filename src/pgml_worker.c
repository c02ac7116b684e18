/*-------------------------------------------------------------------------
 *
 * pgml_worker.c
 *	  Library entry point: GUCs, shared memory hooks, and registration of the
 *	  job service's launcher.
 *
 * This library is loaded into the postmaster through shared_preload_libraries.
 * Nothing here (nor anything it links) may start a thread: the postmaster
 * forks every backend, and a forked copy of a thread pool hangs.  XGBoost and
 * OpenBLAS live in pgml_train.so, which only the database workers and backends
 * calling pgml.train() load.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"

#include "pgml_worker.h"

PG_MODULE_MAGIC;

char	   *pgml_database = NULL;
int			pgml_max_models = 64;
int			pgml_nthread = 0;
int			pgml_naptime = 1;
int			pgml_max_workers = 2;
int			pgml_max_pending_images = 16;
int			pgml_job_timeout = 0;
int			pgml_lock_timeout = 0;
int			pgml_trainer_memory_limit = -1;
int			pgml_trainer_nice = 10;
int			pgml_trainer_fault = 0;
bool		pgml_take_back_workers = true;
bool		pgml_preloaded = false;

/* pgml_worker.trainer_fault: PgmlTrainerFault (pgml_trainer.h), for tests */
static const struct config_enum_entry trainer_fault_options[] = {
	{"none", 0, false},
	{"segfault", 1, false},
	{"abort", 2, false},
	{"exception", 3, false},
	{"memory", 4, false},
	{"oom_kill", 5, false},
	{"hang", 6, false},
	{NULL, 0, false}
};

/*
 * The integer settings.  Each is declared in pgml_worker.h and documented
 * in the README's settings table.
 */
typedef struct PgmlIntGuc
{
	const char *name;
	const char *short_desc;
	const char *long_desc;
	int		   *var;
	int			boot;
	int			min;
	int			max;
	GucContext	context;
	int			flags;
} PgmlIntGuc;

static const PgmlIntGuc int_gucs[] = {
	{"pgml_worker.max_models",
		"Maximum number of models published in shared memory at once.", NULL,
	&pgml_max_models, 64, 1, 100000, PGC_POSTMASTER, 0},
	{"pgml_worker.nthread",
		"Threads XGBoost uses to train and training uses to evaluate held-out rows (0: one per CPU).", NULL,
	&pgml_nthread, 0, 0, 1024, PGC_USERSET, 0},
	{"pgml_worker.max_pending_images",
		"Most model images one transaction may hold for publication at its commit.",
		"Each deploy or training with a deploy holds a shared memory segment until its transaction ends.",
	&pgml_max_pending_images, 16, 1, 10000, PGC_SUSET, 0},
	{"pgml_worker.job_timeout",
		"Longest time a queued job may run, for roles without a statement_timeout of their own (0: no limit).",
		"A job obeys the statement_timeout of the role that queued it (its role, database and role-in-database settings); this is the default when that is 0.",
	&pgml_job_timeout, 0, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS},
	{"pgml_worker.lock_timeout",
		"Longest time a queued job may wait for a lock, for roles without a lock_timeout of their own (0: no limit).", NULL,
	&pgml_lock_timeout, 0, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS},
	{"pgml_worker.naptime",
		"How long an idle database worker waits for a job before it exits.",
		"Also how often the launcher looks for jobs queued by prepared transactions.",
	&pgml_naptime, 1, 1, 3600, PGC_SIGHUP, GUC_UNIT_S},
	{"pgml_worker.trainer_memory_limit",
		"Address space limit of a trainer process (-1: half of the machine's memory; 0: no limit).",
		"Training that needs more fails with an out-of-memory error naming this setting; the server is not affected.",
	&pgml_trainer_memory_limit, -1, -1, INT_MAX, PGC_SIGHUP, GUC_UNIT_MB},
	{"pgml_worker.trainer_nice",
		"How much a trainer process lowers its CPU priority below its parent's (nice increment).", NULL,
	&pgml_trainer_nice, 10, 0, 19, PGC_SIGHUP, 0},
	{"pgml_worker.max_workers",
		"Most training jobs run at once, across all databases.",
		"Database workers are background workers: max_worker_processes bounds them too.",
	&pgml_max_workers, 2, 1, 1024, PGC_SIGHUP, 0},
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);
static void pgml_shmem_request(void);
static void pgml_shmem_startup(void);

/* Define GUCs; when preloaded, also hook shared memory and register the launcher. */
void
_PG_init(void)
{
	/*
	 * Loaded into a backend without preloading (CREATE EXTENSION on a server
	 * that lacks shared_preload_libraries): define nothing, so the install
	 * script's check can report the problem with a hint.  PGC_POSTMASTER
	 * variables cannot be defined after startup.
	 */
	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomStringVariable("pgml_worker.database",
							   "Ignored: jobs run in the database where they are queued.",
							   "Accepted for configurations of version 0.1.0; the launcher warns when it is set.",
							   &pgml_database,
							   "",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	for (int i = 0; i < lengthof(int_gucs); i++)
	{
		const PgmlIntGuc *g = &int_gucs[i];

		DefineCustomIntVariable(g->name, g->short_desc, g->long_desc, g->var,
								g->boot, g->min, g->max, g->context, g->flags,
								NULL, NULL, NULL);
	}
	DefineCustomBoolVariable("pgml_worker.take_back_workers",
							 "Whether a role with no worker takes one back from a role holding two more (its newest job goes back to the queue).",
							 "Off: jobs wait for a worker to finish, in turn order.",
							 &pgml_take_back_workers,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomEnumVariable("pgml_worker.trainer_fault",
							 "Makes trainer processes fail on purpose at the start of each fit (tests only).",
							 NULL,
							 &pgml_trainer_fault,
							 0, trainer_fault_options,
							 PGC_SUSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("pgml_worker");

	pgml_preloaded = true;

	/*
	 * libgomp's default wait policy spins idle threads, which on a database
	 * server steals CPU from queries (measured: 55% of training samples in
	 * the spin loop on a loaded 2-core machine).  Ask for passive waiting,
	 * unless the administrator chose otherwise.  libgomp reads the variable
	 * when it loads, which happens only in processes forked after this, and
	 * setenv is safe here: the postmaster has a single thread.
	 */
	if (getenv("OMP_WAIT_POLICY") == NULL)
		setenv("OMP_WAIT_POLICY", "PASSIVE", 0);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pgml_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pgml_shmem_startup;
	pgml_roles_init();

	/* the job service: the launcher starts workers (in pgml_train.so) */
	pgml_launcher_register();
}

/* Reserve the registry and the job service's state. */
static void
pgml_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	pgml_registry_shmem_request();
	RequestAddinShmemSpace(pgml_queue_shmem_size());
}

/* Attach to (or create) the registry and the job service's state. */
static void
pgml_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	pgml_registry_shmem_startup();
	pgml_queue_shmem_startup();
}

/* Raise an error with a hint unless pgml_worker was preloaded. */
void
pgml_require_preload(void)
{
	if (!pgml_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pgml_worker must be loaded via shared_preload_libraries"),
				 errhint("Add pgml_worker to shared_preload_libraries in postgresql.conf and restart the server.")));
}

PG_FUNCTION_INFO_V1(pgml_assert_preloaded);

/* SQL: called first by the install script. */
Datum
pgml_assert_preloaded(PG_FUNCTION_ARGS)
{
	pgml_require_preload();
	PG_RETURN_VOID();
}
