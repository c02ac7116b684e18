/*
 * pgml_worker.h
 *	  Shared declarations of the preloaded library (pgml_worker.so): GUCs,
 *	  the model registry in shared memory, the queue's wake-up and cancel
 *	  signals, and the per-module init functions _PG_init calls.
 *
 *	  pgml_worker.c	_PG_init, GUCs
 *	  registry.c	shared registry of published models (DSM segments)
 *	  queue.c		the job service's shared state: wake-ups, job cancellation
 *	  launcher.c	the launcher: starts database workers where jobs are queued
 *	  queue_fair.c	a role that holds no worker takes one back from a role
 *					that holds two more than it (a job put back in the queue)
 *	  predict.c		SQL predict functions (registry -> image -> tree_eval)
 *	  stat.c		pgml.stat_* views
 *	  vector.c		vector functions
 *	  datasets.c	pgml.load_dataset
 */
#ifndef PGML_WORKER_H
#define PGML_WORKER_H

#include "postgres.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "storage/latch.h"
#include "port/atomics.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "pgml_image.h"

/* GUCs */
extern char *pgml_database;
extern int	pgml_max_models;
extern int	pgml_nthread;
extern int	pgml_naptime;
extern int	pgml_max_pending_images;
extern int	pgml_job_timeout;
extern int	pgml_lock_timeout;
/* the trainer process (trainer_client.c): MB (-1 automatic, 0 none), nice, fault */
extern int	pgml_trainer_memory_limit;
extern int	pgml_trainer_nice;
extern int	pgml_trainer_fault;
/* queue_fair.c: take a worker back for a role that has none */
extern bool pgml_take_back_workers;

/*
 * acl.c: error unless a C trigger function fires as its install script
 * declares it: on one of the pgml tables named (NULL-terminated list), per
 * row or per statement, before or after, for one of the events (a mask of
 * PGML_TRIGGER_EVENT bits).  As PostgreSQL's own trigger functions check.
 */
#define PGML_TRIGGER_EVENT(e) (1 << TRIGGER_EVENT_##e)
extern void pgml_trigger_check(FunctionCallInfo fcinfo, const char *funcname,
							   const char *const *tables, bool row, bool before,
							   int events);

/* roles.c: projects follow DROP ROLE, REASSIGN OWNED and DROP OWNED. */
extern void pgml_roles_init(void);

/* true when loaded through shared_preload_libraries */
extern bool pgml_preloaded;

/* Raise an error with a hint unless pgml_worker was preloaded. */
extern void pgml_require_preload(void);

/*
 * predict.c: which types are text (features, labels, row fields) and the
 * text of a value; training (data.c) uses the same two, so that a value
 * predicts as it was trained.
 */
extern bool pgml_text_type(Oid t);
extern const char *pgml_text_value(Datum d, Oid t, int32 *len);

/* ---- registry.c ---- */

/* Size of a project name, including the terminating NUL. */
#define PGML_PROJECT_LEN	128

extern void pgml_registry_shmem_request(void);
extern void pgml_registry_shmem_startup(void);

/*
 * A backend's mapping of one published model.  Lives in a per-call cache
 * (fn_extra) or in the backend-local table in registry.c.
 */
typedef struct PgmlModelRef
{
	int			slot;			/* registry slot, -1 if none */
	uint64		generation;		/* slot generation this mapping is for */
	uint64		epoch;			/* the slot's key, for the predict counters */
	int64		model_id;
	TransactionId model_xmin;	/* version of the model row compiled */
	uint32		handle;			/* the DSM segment image is in */
	const PgmlImageHeader *image;
} PgmlModelRef;

/*
 * A holder of a ref that may be used after the slot moves on (for the rest
 * of the statement) holds its mapping, and releases it when it lets go of
 * the ref.  Holds last at most until the end of the transaction; a mapping
 * no ref holds is unmapped as soon as its slot moves on.
 */
extern void pgml_registry_hold(const PgmlModelRef *ref);
extern void pgml_registry_release(const PgmlModelRef *ref);

/* A version of a model: its id and the xmin of its pgml.models row. */
typedef struct PgmlModelVersion
{
	int64		model_id;		/* 0: none */
	TransactionId xmin;
} PgmlModelVersion;

/*
 * Find the deployed model of a project in the current database and map it:
 * the fast path compares one atomic generation; on a miss the image is
 * compiled from pgml.models once per server.  Errors if the project has no
 * deployed model.
 */
extern void pgml_registry_get(const char *project, PgmlModelRef *ref);

/* Same, by model id (published in a slot of its own, keyed by the id). */
extern void pgml_registry_get_by_id(int64 model_id, PgmlModelRef *ref);

/*
 * Standbys: deploys and changed model rows arrive through WAL, with no
 * commit callback or trigger to swap the registry.  pgml_registry_current()
 * reads the version a project deploys (or of model model_id when by_id)
 * from the replicated tables; pgml_registry_refresh() replaces an image
 * serving the stale version with the current one, compiled once.
 */
extern PgmlModelVersion pgml_registry_current(bool by_id, const char *project,
											  int64 model_id);
extern void pgml_registry_refresh(bool by_id, const char *project, int64 model_id,
								  const PgmlModelVersion *stale, PgmlModelRef *ref);

/*
 * The ACL epoch: changes when a transaction that changed a project's
 * privileges commits (acl.c caches use checks against it).
 */
extern uint64 pgml_registry_acl_epoch(void);
extern void pgml_registry_acl_bump(void);

/* Is ref still current?  One atomic read. */
extern bool pgml_registry_ref_valid(const PgmlModelRef *ref);

/* Count a predict call of nrows rows against the slot of ref. */
extern void pgml_registry_count(const PgmlModelRef *ref, int64 nrows);

/*
 * Publish an image as the deployed model of a project, transactionally:
 * the image is copied into a new pinned DSM segment now; the registry slot
 * swaps to it when the current transaction commits, and the segment is
 * destroyed if it aborts.
 */
/*
 * Serialize the deploys of a project until the end of the transaction: a
 * FOR NO KEY UPDATE lock on its pgml.projects row (inserting models, whose
 * foreign key takes FOR KEY SHARE, does not wait for it).  Every deploy
 * takes it before it reads the current deployment, so deploys of a project
 * commit in the order of their pgml.deployments rows and the registry ends
 * on the newest row.  Under the lock, errors unless role (the deploying
 * user) has the privileges of the project's owner.  Caller is connected to
 * SPI as the catalog identity.  deploy.c.
 */
extern void pgml_deploy_lock_project(int64 project_id, Oid role);

extern void pgml_registry_deploy(const char *project, int64 model_id,
								 TransactionId model_xmin, const char *algorithm,
								 const PgmlImageHeader *image, Size size);

/* One row per published slot, for pgml.stat_models. */
typedef struct PgmlSlotStats
{
	Oid			dboid;
	char		project[PGML_PROJECT_LEN];
	int64		model_id;
	char		algorithm[32];
	uint64		bytes;
	uint64		generation;
	uint64		loads;			/* compilations, across evictions */
	uint64		hits;			/* resolutions served by the published image */
	uint64		evictions;
	double		compile_ms;
	uint64		predict_calls;	/* across evictions too */
	uint64		rows_predicted;
	TimestampTz published_at;
} PgmlSlotStats;

/* The registry as a whole, for pgml.stat_registry. */
typedef struct PgmlRegistrySummary
{
	int			slots;			/* images kept at once */
	int			max_models;		/* the setting (slots is less if the DSM
								 * segment limit is) */
	int			max_segments;	/* the server's DSM segment limit */
	int			slots_used;
	uint64		hits;			/* resolutions served from a published image */
	uint64		loads;			/* compilations and publications */
	uint64		evictions;		/* images evicted for others */
	uint64		unpublished;	/* deploys left to load on demand for want
								 * of a segment */
} PgmlRegistrySummary;

extern void pgml_registry_summary(PgmlRegistrySummary *out);

/* Copies the stats of every used slot; returns the count (palloc'd array). */
extern int	pgml_registry_stats(PgmlSlotStats **out);

/* ---- queue.c: the job service's shared state ---- */

/*
 * What a database worker is doing, for pgml.stat_worker and the scheduling
 * in launcher.c: a reserved slot is STARTING until its worker has connected.
 */
typedef enum PgmlWorkerPhase
{
	PGML_PHASE_FREE = 0,		/* slot unused */
	PGML_PHASE_STARTING,		/* reserved by the launcher, not yet connected */
	PGML_PHASE_RECOVERING,		/* failing jobs whose worker died */
	PGML_PHASE_CLAIMING,		/* looking for a job */
	PGML_PHASE_TRAINING,		/* running a job */
	PGML_PHASE_IDLE,			/* waiting for a job, exits after naptime */
	PGML_PHASE_EXITING			/* will take no more jobs */
} PgmlWorkerPhase;

/*
 * One database worker (a slot of PgmlQueueShared).  In a database worker,
 * pgml_worker_state points to its own slot; elsewhere it is NULL.
 */
typedef struct PgmlWorkerState
{
	PgmlWorkerPhase phase;
	uint32		generation;		/* bumped at each reservation */
	pid_t		pid;			/* 0 until the worker runs */
	Oid			dboid;			/* the database it serves */
	Latch	   *latch;			/* the worker's procLatch, or NULL */
	bool		poked;			/* a committed INSERT chose this worker */
	bool		exit_requested; /* the launcher wants the slot back */
	pg_atomic_uint64 cancel_job;	/* job id whose cancel was committed */
	pg_atomic_uint64 yield_job; /* job id to put back in the queue */
	Oid			yield_for_db;	/* ... to free a worker for this database */
	Oid			yield_for_role; /* ... and role (set with yield_job) */
	bool		yielded_before; /* the current job was put back once already */
	int64		current_job;	/* job claimed or being trained, 0 if none */
	Oid			current_role;	/* the role that queued it */
	int32		rounds_done;
	int32		rounds_total;
	uint64		jobs_succeeded;
	uint64		jobs_failed;
	uint64		jobs_cancelled;
	TimestampTz started_at;
	TimestampTz job_started_at;
	TimestampTz last_job_at;
	slock_t		mutex;			/* protects the plain fields above */
} PgmlWorkerState;

/* Databases waiting for a worker, in the order they asked (no repeats). */
#define PGML_PENDING_MAX	128

/*
 * A role whose job was queued (committed) in a database while no worker
 * there was idle: queue_fair.c may take a worker back for it.  Forgotten
 * when a worker claims a job of the role there, when decided, or after
 * PGML_WAITING_TTL_MS.
 */
#define PGML_WAITING_MAX	64
#define PGML_WAITING_TTL_MS	5000

typedef struct PgmlWaitingRole
{
	Oid			dboid;
	Oid			role;
	TimestampTz since;
} PgmlWaitingRole;

/*
 * First field of the shared state: a library built for another layout
 * (installed over a running server) refuses to use it.  Bump the last
 * digits at every change of PgmlQueueShared or PgmlWorkerState.
 */
#define PGML_QUEUE_MAGIC	0x504d4c03

typedef struct PgmlQueueShared
{
	uint32		magic;			/* PGML_QUEUE_MAGIC */
	slock_t		mutex;			/* protects every field but the slots' */
	pid_t		launcher_pid;	/* 0 when not running */
	Latch	   *launcher_latch;
	TimestampTz launcher_started_at;
	int			npending;
	Oid			pending[PGML_PENDING_MAX];
	bool		pending_overflow;	/* some request did not fit: rescan */
	int			nprepared;
	Oid			prepared[PGML_PENDING_MAX]; /* databases with a prepared
											 * INSERT into the queue */
	uint64		start_failures; /* registrations refused (no bgworker slot) */
	TimestampTz last_start_failure;
	bool		start_failing;	/* the last registration was refused */
	uint64		jobs_succeeded; /* server-wide, since start */
	uint64		jobs_failed;
	uint64		jobs_cancelled;
	int			nwaiting;
	PgmlWaitingRole waiting[PGML_WAITING_MAX];
	Oid			priority_db;	/* a worker was freed for it: served first */
	Oid			prefer_db;		/* ... and its next claim there prefers */
	Oid			prefer_role;	/* ... the jobs of this role */
	int			nslots;			/* max_worker_processes */
	PgmlWorkerState slots[FLEXIBLE_ARRAY_MEMBER];
} PgmlQueueShared;

extern PgmlQueueShared *pgml_queue_shared;

/* This process's slot if it is a database worker, else NULL. */
extern PgmlWorkerState *pgml_worker_state;

/* GUC pgml_worker.max_workers */
extern int	pgml_max_workers;

extern Size pgml_queue_shmem_size(void);
extern void pgml_queue_shmem_startup(void);

/*
 * Ask for a worker in database dboid: appended to the pending list (once)
 * and the launcher's latch set.  Safe in a commit callback.
 */
extern void pgml_queue_request(Oid dboid);

/*
 * A worker of dboid gives its slot up for other databases: dboid waits
 * behind them if it asked for a worker, or if more (jobs are left there).
 */
extern void pgml_queue_give_way(Oid dboid, bool more);

/* The launcher started or woke a worker for dboid: off the pending list. */
extern void pgml_queue_served(Oid dboid);

/*
 * A worker was freed for role in dboid (queue_fair.c): ask for a worker
 * there before any other database, whose next claim prefers that role's
 * jobs (pgml_queue_take_preference).
 */
extern void pgml_queue_request_first(Oid dboid, Oid role);

/* The role a claim in dboid should prefer, once; InvalidOid if none. */
extern Oid	pgml_queue_take_preference(Oid dboid);

/*
 * FATAL unless the shared state has the layout this code was built for:
 * inline, so that pgml_train.so checks with its own idea of the layout
 * even when the preloaded pgml_worker.so in memory is an older build.
 */
static inline void
pgml_queue_check_layout(void)
{
	if (pgml_queue_shared == NULL || pgml_queue_shared->magic != PGML_QUEUE_MAGIC)
		ereport(FATAL,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pgml_worker's shared memory was laid out by another build of the extension"),
				 errdetail("The server loaded pgml_worker.so before the installed version changed."),
				 errhint("Restart the server after installing a new version of pgml_worker.")));
}

/*
 * A job was queued in this database and committed: wake a live worker of
 * the database, else ask the launcher for one.  True if an idle worker
 * will take it.
 */
extern bool pgml_queue_wake_worker(void);

/*
 * A transaction that queued a job was prepared in dboid: its job becomes
 * visible at COMMIT PREPARED, which no callback sees, so the launcher asks
 * for a worker there every naptime until a worker of the database finds no
 * prepared transaction left in it (pgml_queue_prepared_done).
 */
extern void pgml_queue_prepared(Oid dboid);
extern void pgml_queue_prepared_done(Oid dboid);

/* Free a worker's slot (if still of that generation); see queue.c. */
extern void pgml_queue_release_slot(PgmlWorkerState *w, uint32 generation);

/* Workers in use (reserved slots) and how many may be: launcher.c, worker.c. */
extern int	pgml_queue_workers_in_use(void);
extern int	pgml_queue_workers_allowed(void);

/* Is a database other than dboid waiting for a worker? */
extern bool pgml_queue_others_waiting(Oid dboid);

/* ---- queue_fair.c: workers taken back for roles that hold none ---- */

/*
 * At the commit of an INSERT into the queue that no idle worker of the
 * database took: the roles that queued (their count) wait for a worker.
 * Sets the launcher's latch.
 */
extern void pgml_queue_roles_wait(Oid dboid, const Oid *roles, int nroles);

/* A worker of dboid claimed a job of role: that role waits no more there. */
extern void pgml_queue_role_served(Oid dboid, Oid role);

/*
 * The launcher, at each wake-up: for each waiting role, if every worker
 * slot is busy with a job and some other role holds at least two more
 * workers than it, ask the worker running that role's newest job to put it
 * back in the queue (SIGUSR2 with the slot's yield_job set).  Returns true
 * while some entry cannot be decided yet (a worker is starting or
 * claiming): call again soon.
 */
extern bool pgml_queue_rebalance(void);

/* ---- launcher.c ---- */

/* What the launcher passes a database worker in bgw_extra. */
typedef struct PgmlWorkerArgs
{
	Oid			dboid;
	uint32		generation;		/* of the slot it was given */
} PgmlWorkerArgs;

/* Register the launcher (at preload). */
extern void pgml_launcher_register(void);

#endif							/* PGML_WORKER_H */
