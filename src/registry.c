/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  The server-wide registry of published models: a fixed array of slots
 *	  in the main shared memory, each pointing at one DSM segment that holds
 *	  a compiled model image (see image.c).
 *
 * A slot is keyed by (database, project) for "the deployed model of a
 * project", or by (database, model id) for predict-by-id.  Backends map the
 * segment once and evaluate the image in place; nothing is deserialized per
 * connection.
 *
 * Locking rules
 * -------------
 * - registry->lock (LWLock) protects the identity of every slot: in_use,
 *   key, model_id, handle, bytes, algorithm, published_at.  Writers hold it
 *   exclusively; readers that map a segment hold it shared *while attaching*,
 *   so the segment cannot be unpinned (and destroyed) in between.
 * - Each slot's generation is an atomic; it changes (under the exclusive
 *   lock) whenever the slot's segment changes.  Generations come from one
 *   server-wide counter, so a reused slot never repeats a value.  The predict
 *   hot path is one atomic read of it.
 * - registry->load_lock (LWLock) serializes compiling an image on a miss, so
 *   that one compile happens per server, not one per racing backend.  It is
 *   taken before registry->lock, never after.
 * - Counters (loads, calls, rows) are atomics, read without a lock.
 *
 * Publication is transactional: pgml_registry_deploy() creates and pins the
 * new segment at once, but the slot swaps to it only in the commit callback;
 * on abort the segment is unpinned and so destroyed.  The old segment is
 * unpinned after the swap; backends still mapping it keep a valid mapping
 * until they notice the new generation and detach.
 *
 * After a crash-restart the registry is zeroed and every segment is gone;
 * the first predict of each project compiles it again from pgml.models.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pgml_acl.h"
#include "pgml_worker.h"

typedef struct PgmlSlot
{
	bool		in_use;
	bool		by_id;			/* keyed by model_id rather than project */
	Oid			dboid;
	char		project[PGML_PROJECT_LEN];
	int64		model_id;
	char		algorithm[32];
	dsm_handle	handle;
	uint64		bytes;
	TimestampTz published_at;
	pg_atomic_uint64 generation;
	pg_atomic_uint64 loads;
	uint64		epoch;			/* changes with the slot's key: the predict
								 * counters of an older key do not count */
	pg_atomic_uint64 last_used; /* registry clock at last resolve, for LRU */
} PgmlSlot;

/*
 * Predict counters of one backend for one slot.  Each backend counts in its
 * own entries (indexed by BackendId), with plain reads and writes: no
 * atomic read-modify-write and no cache line shared with other backends on
 * the prediction path.  pgml.stat_models sums the entries whose epoch is
 * the slot's.
 */
typedef struct PgmlCounter
{
	pg_atomic_uint64 epoch;
	pg_atomic_uint64 calls;
	pg_atomic_uint64 rows;
	uint64		pad;
} PgmlCounter;

typedef struct PgmlRegistry
{
	LWLock	   *lock;
	LWLock	   *load_lock;
	int			nslots;
	pg_atomic_uint64 next_generation;
	pg_atomic_uint64 change_epoch;	/* bumped by every committed deploy or
									 * invalidation, under lock exclusive */
	pg_atomic_uint64 clock;
	pg_atomic_uint64 acl_epoch;	/* see pgml_registry_acl_epoch() */
	int			counter_backends;	/* rows of the counters array */
	Size		counters_off;	/* from the registry's start: PgmlCounter
								 * [counter_backends][nslots] */
	PgmlSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} PgmlRegistry;

/* A backend's mapping of the segment a slot pointed at. */
typedef struct LocalMap
{
	dsm_handle	handle;
	dsm_segment *seg;
} LocalMap;

/* A deploy waiting for the end of its (sub)transaction. */
typedef struct PendingDeploy
{
	struct PendingDeploy *next;
	SubTransactionId subid;
	bool		invalidate_only;	/* drop slots of model_id, project or
									 * database */
	bool		whole_database;
	bool		by_project;		/* invalidate_only: the slot of project */
	Oid			dboid;
	char		project[PGML_PROJECT_LEN];
	int64		model_id;
	char		algorithm[32];
	dsm_handle	handle;
	uint64		bytes;
} PendingDeploy;

static PgmlRegistry *registry = NULL;
static LocalMap *local_maps = NULL;
static PendingDeploy *pending = NULL;
static bool callbacks_registered = false;

#define REGISTRY_TRANCHE "pgml_worker"

/* Bytes of the slot part of the registry, rounded up to a cache line. */
static Size
registry_slots_size(void)
{
	return CACHELINEALIGN(add_size(offsetof(PgmlRegistry, slots),
								   mul_size(sizeof(PgmlSlot), pgml_max_models)));
}

/* Bytes of one backend's row of counters, a whole number of cache lines. */
static Size
counter_row_size(void)
{
	return CACHELINEALIGN(mul_size(sizeof(PgmlCounter), pgml_max_models));
}

/* The registry: slots, then per-backend counters (MaxBackends rows). */
static Size
registry_size(void)
{
	return add_size(registry_slots_size(), mul_size(counter_row_size(), MaxBackends));
}

/* Backend b's (0-based) counter for slot i. */
static inline PgmlCounter *
counter_at(int b, int i)
{
	return (PgmlCounter *) ((char *) registry + registry->counters_off +
							(Size) b * counter_row_size()) + i;
}

/* shmem_request_hook part: reserve the slot array and two LWLocks. */
void
pgml_registry_shmem_request(void)
{
	RequestAddinShmemSpace(registry_size());
	RequestNamedLWLockTranche(REGISTRY_TRANCHE, 2);
}

/* shmem_startup_hook part: create or attach the registry. */
void
pgml_registry_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	registry = ShmemInitStruct("pgml_worker registry", registry_size(), &found);
	if (!found)
	{
		LWLockPadded *locks = GetNamedLWLockTranche(REGISTRY_TRANCHE);

		memset(registry, 0, registry_size());
		registry->lock = &locks[0].lock;
		registry->load_lock = &locks[1].lock;
		registry->nslots = pgml_max_models;
		registry->counter_backends = MaxBackends;
		registry->counters_off = registry_slots_size();
		pg_atomic_init_u64(&registry->next_generation, 1);
		pg_atomic_init_u64(&registry->change_epoch, 0);
		pg_atomic_init_u64(&registry->clock, 1);
		pg_atomic_init_u64(&registry->acl_epoch, 1);
		for (int b = 0; b < registry->counter_backends; b++)
			for (int i = 0; i < registry->nslots; i++)
			{
				PgmlCounter *c = counter_at(b, i);

				pg_atomic_init_u64(&c->epoch, 0);
				pg_atomic_init_u64(&c->calls, 0);
				pg_atomic_init_u64(&c->rows, 0);
			}
		for (int i = 0; i < registry->nslots; i++)
		{
			PgmlSlot   *s = &registry->slots[i];

			pg_atomic_init_u64(&s->generation, 0);
			pg_atomic_init_u64(&s->loads, 0);
			pg_atomic_init_u64(&s->last_used, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Error out unless the registry exists (library preloaded). */
static void
registry_check(void)
{
	pgml_require_preload();
	if (registry == NULL)
		elog(ERROR, "pgml_worker registry is not initialized");
	if (local_maps == NULL)
		local_maps = MemoryContextAllocZero(TopMemoryContext,
											sizeof(LocalMap) * registry->nslots);
}

/* Find the slot of a key; caller holds registry->lock. -1 if none. */
static int
slot_find(Oid dboid, bool by_id, const char *project, int64 model_id)
{
	for (int i = 0; i < registry->nslots; i++)
	{
		PgmlSlot   *s = &registry->slots[i];

		if (!s->in_use || s->dboid != dboid || s->by_id != by_id)
			continue;
		if (by_id ? s->model_id == model_id : strcmp(s->project, project) == 0)
			return i;
	}
	return -1;
}

/*
 * Pick a slot for a new key: a free one, else the least recently used one
 * (its segment is unpinned by the caller).  Caller holds the lock exclusive.
 */
static int
slot_choose(void)
{
	int			victim = -1;
	uint64		oldest = PG_UINT64_MAX;

	for (int i = 0; i < registry->nslots; i++)
	{
		PgmlSlot   *s = &registry->slots[i];
		uint64		used;

		if (!s->in_use)
			return i;
		used = pg_atomic_read_u64(&s->last_used);
		if (used < oldest)
		{
			oldest = used;
			victim = i;
		}
	}
	return victim;
}

/*
 * Point slot i at a new segment (or clear it when handle is
 * DSM_HANDLE_INVALID).  Caller holds the lock exclusive.  Returns the
 * segment to unpin once the lock is released, or DSM_HANDLE_INVALID.
 */
static dsm_handle
slot_set(int i, const PendingDeploy *d, bool by_id, bool count_load)
{
	PgmlSlot   *s = &registry->slots[i];
	dsm_handle	old = s->in_use ? s->handle : DSM_HANDLE_INVALID;
	bool		same_key;

	same_key = s->in_use && s->dboid == d->dboid && s->by_id == by_id &&
		s->model_id == d->model_id &&
		(by_id || strcmp(s->project, d->project) == 0);

	if (!same_key)
	{
		/* another model: its counters start over */
		pg_atomic_write_u64(&s->loads, 0);
		s->epoch = pg_atomic_fetch_add_u64(&registry->next_generation, 1);
	}
	s->in_use = true;
	s->by_id = by_id;
	s->dboid = d->dboid;
	strlcpy(s->project, d->project, PGML_PROJECT_LEN);
	s->model_id = d->model_id;
	strlcpy(s->algorithm, d->algorithm, sizeof(s->algorithm));
	s->handle = d->handle;
	s->bytes = d->bytes;
	s->published_at = GetCurrentTimestamp();
	if (count_load)
		pg_atomic_fetch_add_u64(&s->loads, 1);
	pg_atomic_write_u64(&s->last_used, pg_atomic_fetch_add_u64(&registry->clock, 1));
	pg_atomic_write_u64(&s->generation,
						pg_atomic_fetch_add_u64(&registry->next_generation, 1));
	return old;
}

/* Clear slot i; caller holds the lock exclusive.  Returns the handle to unpin. */
static dsm_handle
slot_clear(int i)
{
	PgmlSlot   *s = &registry->slots[i];
	dsm_handle	old = s->handle;

	s->in_use = false;
	s->handle = DSM_HANDLE_INVALID;
	pg_atomic_write_u64(&s->generation,
						pg_atomic_fetch_add_u64(&registry->next_generation, 1));
	return old;
}

/* Drop the server-wide pin of a segment that no slot points at any more. */
static void
segment_release(dsm_handle h)
{
	if (h != DSM_HANDLE_INVALID)
		dsm_unpin_segment(h);
}

/*
 * Copy an image into a new pinned DSM segment and return its handle.  The
 * creating backend detaches at once; the pin keeps the segment alive.
 */
static dsm_handle
segment_create(const PgmlImageHeader *image, Size size)
{
	dsm_segment *seg;
	dsm_handle	h;

	seg = dsm_create(size, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("too many dynamic shared memory segments to publish a model"),
				 errhint("Lower pgml_worker.max_models or raise max_connections.")));
	memcpy(dsm_segment_address(seg), image, size);
	dsm_pin_segment(seg);
	h = dsm_segment_handle(seg);
	dsm_detach(seg);
	return h;
}

/* Transaction callback: apply pending deploys at commit, drop them at abort. */
static void
registry_xact_callback(XactEvent event, void *arg)
{
	PendingDeploy *list;

	/*
	 * A prepared transaction commits in whichever session runs COMMIT
	 * PREPARED, where these actions are unknown: refuse to prepare (the
	 * transaction then aborts, and the abort below drops them).
	 */
	if (event == XACT_EVENT_PRE_PREPARE && pending != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot prepare a transaction that deploys a model or changes pgml.models"),
				 errdetail("Models are published to shared memory when their transaction commits, which a prepared transaction does in another session."),
				 errhint("Deploy, train or change models in a transaction that is not prepared.")));
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	if (pending == NULL)
		return;

	/* the list is pushed at the head: reverse it to apply in deploy order */
	list = NULL;
	while (pending)
	{
		PendingDeploy *d = pending;

		pending = d->next;
		d->next = list;
		list = d;
	}

	while (list)
	{
		PendingDeploy *d = list;
		dsm_handle	release[2] = {DSM_HANDLE_INVALID, DSM_HANDLE_INVALID};

		list = d->next;
		if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
		{
			LWLockAcquire(registry->lock, LW_EXCLUSIVE);
			/* a load that read the tables before this commit must not publish */
			pg_atomic_fetch_add_u64(&registry->change_epoch, 1);
			if (d->invalidate_only)
			{
				int			n = 0;

				for (int i = 0; i < registry->nslots; i++)
				{
					PgmlSlot   *s = &registry->slots[i];

					if (!s->in_use || s->dboid != d->dboid)
						continue;
					if (d->by_project &&
						(s->by_id || strcmp(s->project, d->project) != 0))
						continue;
					if (!d->whole_database && !d->by_project &&
						s->model_id != d->model_id)
						continue;
					/* unpin outside the lock, a few at a time */
					if (n == 2)
					{
						LWLockRelease(registry->lock);
						segment_release(release[0]);
						segment_release(release[1]);
						release[0] = release[1] = DSM_HANDLE_INVALID;
						n = 0;
						LWLockAcquire(registry->lock, LW_EXCLUSIVE);
						if (!s->in_use)
							continue;
					}
					release[n++] = slot_clear(i);
				}
			}
			else
			{
				int			i = slot_find(d->dboid, false, d->project, 0);

				if (i < 0)
					i = slot_choose();
				if (i >= 0)
					release[0] = slot_set(i, d, false, true);
				else
					release[0] = d->handle; /* no slot at all: drop it */
			}
			LWLockRelease(registry->lock);
		}
		else if (!d->invalidate_only)
			release[0] = d->handle;

		segment_release(release[0]);
		segment_release(release[1]);
		pfree(d);
	}
}

/* Subtransaction callback: forget deploys of an aborted savepoint. */
static void
registry_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	PendingDeploy **link = &pending;

	while (*link)
	{
		PendingDeploy *d = *link;

		if (d->subid == mySubid)
		{
			if (event == SUBXACT_EVENT_COMMIT_SUB)
				d->subid = parentSubid;
			else if (event == SUBXACT_EVENT_ABORT_SUB)
			{
				*link = d->next;
				if (!d->invalidate_only)
					segment_release(d->handle);
				pfree(d);
				continue;
			}
		}
		link = &d->next;
	}
}

/* Queue an action for the end of the transaction. */
static PendingDeploy *
pending_add(void)
{
	PendingDeploy *d;

	if (!callbacks_registered)
	{
		RegisterXactCallback(registry_xact_callback, NULL);
		RegisterSubXactCallback(registry_subxact_callback, NULL);
		callbacks_registered = true;
	}
	d = MemoryContextAllocZero(TopMemoryContext, sizeof(PendingDeploy));
	d->subid = GetCurrentSubTransactionId();
	d->dboid = MyDatabaseId;
	d->handle = DSM_HANDLE_INVALID;
	d->next = pending;
	pending = d;
	return d;
}

/* Publish an image as the deployed model of a project, at commit. */
void
pgml_registry_deploy(const char *project, int64 model_id,
					 const char *algorithm,
					 const PgmlImageHeader *image, Size size)
{
	PendingDeploy *d;
	dsm_handle	h;

	registry_check();
	if (strlen(project) >= PGML_PROJECT_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("project name is too long"),
				 errdetail("Project names are limited to %d bytes.", PGML_PROJECT_LEN - 1)));

	{
		int			n = 0;

		for (PendingDeploy *p = pending; p; p = p->next)
			n += !p->invalidate_only;
		if (n >= pgml_max_pending_images)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many model images pending in this transaction"),
					 errdetail("Each deploy holds a shared memory segment until its transaction ends; this one holds %d.", n),
					 errhint("Commit more often, or raise pgml_worker.max_pending_images.")));
	}
	h = segment_create(image, size);
	d = pending_add();
	strlcpy(d->project, project, PGML_PROJECT_LEN);
	d->model_id = model_id;
	strlcpy(d->algorithm, algorithm, sizeof(d->algorithm));
	d->handle = h;
	d->bytes = size;
}

/*
 * At commit, drop every slot serving model_id (or, when model_id is 0, every
 * slot of the current database): the next predict compiles from pgml.models.
 */
static void
registry_invalidate(int64 model_id)
{
	PendingDeploy *d;

	registry_check();
	d = pending_add();
	d->invalidate_only = true;
	d->whole_database = (model_id == 0);
	d->model_id = model_id;
}

/*
 * At commit, drop the slot that serves project by name (images by model id
 * stay): after a rename the old name must serve nothing.
 */
static void
registry_invalidate_project(const char *project)
{
	PendingDeploy *d;

	registry_check();
	d = pending_add();
	d->invalidate_only = true;
	d->by_project = true;
	strlcpy(d->project, project, PGML_PROJECT_LEN);
}

/* Map the segment of slot i into this backend (lock held shared). */
static const PgmlImageHeader *
slot_map(int i)
{
	PgmlSlot   *s = &registry->slots[i];
	LocalMap   *lm = &local_maps[i];

	if (lm->seg != NULL && lm->handle != s->handle)
	{
		dsm_detach(lm->seg);
		lm->seg = NULL;
	}
	if (lm->seg == NULL)
	{
		dsm_segment *seg = dsm_find_mapping(s->handle);

		if (seg == NULL)
		{
			seg = dsm_attach(s->handle);
			if (seg == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("could not map the shared image of model %lld",
								(long long) s->model_id)));
			dsm_pin_mapping(seg);
		}
		lm->seg = seg;
		lm->handle = s->handle;
	}
	if (!pgml_image_check(dsm_segment_address(lm->seg), s->bytes))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("shared image of model %lld is invalid",
						(long long) s->model_id)));
	return (const PgmlImageHeader *) dsm_segment_address(lm->seg);
}

/* Fill ref from slot i under the shared lock; false if the key moved away. */
static bool
ref_from_slot(int i, bool by_id, const char *project, int64 model_id,
			  PgmlModelRef *ref)
{
	PgmlSlot   *s;
	bool		ok = false;

	LWLockAcquire(registry->lock, LW_SHARED);
	s = &registry->slots[i];
	if (s->in_use && s->dboid == MyDatabaseId && s->by_id == by_id &&
		(by_id ? s->model_id == model_id : strcmp(s->project, project) == 0))
	{
		ref->slot = i;
		ref->generation = pg_atomic_read_u64(&s->generation);
		ref->epoch = s->epoch;
		ref->model_id = s->model_id;
		ref->image = slot_map(i);
		pg_atomic_write_u64(&s->last_used,
							pg_atomic_fetch_add_u64(&registry->clock, 1));
		ok = true;
	}
	LWLockRelease(registry->lock);
	return ok;
}

/* Look a key up under the shared lock and map it; false on a miss. */
static bool
registry_lookup(bool by_id, const char *project, int64 model_id,
				PgmlModelRef *ref)
{
	int			i;

	LWLockAcquire(registry->lock, LW_SHARED);
	i = slot_find(MyDatabaseId, by_id, project, model_id);
	LWLockRelease(registry->lock);
	if (i < 0)
		return false;
	return ref_from_slot(i, by_id, project, model_id, ref);
}

/*
 * Read what a miss needs from pgml.models: the deployed model of a project
 * (by_id false) or a model by id.  Returns the artifact, palloc'd in the
 * caller's context; errors if there is none.
 */
static bytea *
fetch_artifact(bool by_id, const char *project, int64 *model_id,
			   char *algorithm)
{
	MemoryContext caller = CurrentMemoryContext;
	bytea	   *artifact = NULL;
	bool		isnull;
	int			ret;
	PgmlCatalogSwitch cs;

	/* the caller's search_path and row security must not shape what is published */
	pgml_catalog_push(&cs);
	SPI_connect();

	/*
	 * The latest committed state, whatever the caller's snapshot, in a
	 * parallel worker too: what is published serves every session (a
	 * REPEATABLE READ or a long statement's snapshot could still see a
	 * deployment replaced since, and publish the old model for everyone).
	 * Read-only queries use this snapshot.
	 */
	PushActiveSnapshot(pgml_latest_snapshot());
	if (by_id)
	{
		Oid			argtypes[1] = {INT8OID};
		Datum		args[1] = {Int64GetDatum(*model_id)};

		ret = SPI_execute_with_args("SELECT m.id, m.algorithm, m.artifact "
									"FROM pgml.models m WHERE m.id = $1",
									1, argtypes, args, NULL, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read pgml.models: %s", SPI_result_code_string(ret));
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model %lld does not exist", (long long) *model_id)));
	}
	else
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(project)};

		ret = SPI_execute_with_args("SELECT m.id, m.algorithm, m.artifact "
									"FROM pgml.projects p "
									"JOIN pgml.deployments d ON d.project_id = p.id "
									"JOIN pgml.models m ON m.id = d.model_id "
									"WHERE p.name = $1 ORDER BY d.id DESC LIMIT 1",
									1, argtypes, args, NULL, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read pgml.deployments: %s", SPI_result_code_string(ret));
		if (SPI_processed == 0)
		{
			ret = SPI_execute_with_args("SELECT 1 FROM pgml.projects WHERE name = $1",
										1, argtypes, args, NULL, true, 1);
			if (ret == SPI_OK_SELECT && SPI_processed > 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("project \"%s\" has no deployed model", project),
						 errhint("Train a model with pgml.train() or deploy one with pgml.deploy().")));
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" does not exist", project),
					 errhint("Train a model first: SELECT pgml.train('%s', ...).", project)));
		}
	}

	*model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1, &isnull));
	{
		char	   *alg = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		strlcpy(algorithm, alg ? alg : "", 32);
	}
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									  3, &isnull);
		MemoryContext old;

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("model %lld has no artifact", (long long) *model_id)));
		old = MemoryContextSwitchTo(caller);
		artifact = DatumGetByteaPCopy(d);
		MemoryContextSwitchTo(old);
	}
	PopActiveSnapshot();
	SPI_finish();
	pgml_catalog_pop(&cs);
	return artifact;
}

/* Resolve a key to a mapped image, compiling it once per server on a miss. */
static void
registry_resolve(bool by_id, const char *project, int64 model_id,
				 PgmlModelRef *ref, int64 stale_id)
{
	bytea	   *artifact;
	PgmlImageHeader *image;
	Size		size;
	PendingDeploy d;
	int			i;
	dsm_handle	release = DSM_HANDLE_INVALID;
	char		algorithm[32];
	int64		id = model_id;

	registry_check();
	if (!by_id && strlen(project) >= PGML_PROJECT_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("project \"%s\" does not exist", project)));

	/* stale_id: a slot serving that model counts as a miss, to be replaced */
	if (registry_lookup(by_id, project, model_id, ref) &&
		(stale_id == 0 || ref->model_id != stale_id))
		return;

	/*
	 * Miss: read the artifact without holding any LWLock (it may block).  If
	 * a deploy or an invalidation commits between that read and the
	 * publication, what was read may be stale: read again (the epoch is
	 * bumped under the lock that publication takes).
	 */
	for (int attempt = 1;; attempt++)
	{
		uint64		epoch = pg_atomic_read_u64(&registry->change_epoch);
		bool		changed;

		id = model_id;
		artifact = fetch_artifact(by_id, project, &id, algorithm);

		LWLockAcquire(registry->load_lock, LW_EXCLUSIVE);
		/* someone may have published it meanwhile */
		if (registry_lookup(by_id, project, model_id, ref) &&
			(stale_id == 0 || ref->model_id != stale_id))
		{
			LWLockRelease(registry->load_lock);
			pfree(artifact);
			return;
		}

		image = pgml_image_compile(VARDATA_ANY(artifact), VARSIZE_ANY_EXHDR(artifact),
								   &size);
		memset(&d, 0, sizeof(d));
		d.dboid = MyDatabaseId;
		if (!by_id)
			strlcpy(d.project, project, PGML_PROJECT_LEN);
		d.model_id = id;
		strlcpy(d.algorithm, algorithm, sizeof(d.algorithm));
		d.handle = segment_create(image, size);
		d.bytes = size;

		LWLockAcquire(registry->lock, LW_EXCLUSIVE);
		changed = pg_atomic_read_u64(&registry->change_epoch) != epoch;
		i = slot_find(MyDatabaseId, by_id, project, model_id);
		if (changed)
			release = d.handle; /* read again */
		else if (i < 0)
		{
			i = slot_choose();
			release = slot_set(i, &d, by_id, true);
		}
		else if (stale_id != 0 && registry->slots[i].model_id == stale_id)
			release = slot_set(i, &d, by_id, true); /* replace the stale image */
		else
			release = d.handle; /* a deploy won the race: keep its image */
		LWLockRelease(registry->lock);
		LWLockRelease(registry->load_lock);

		segment_release(release);
		pfree(image);
		pfree(artifact);
		if (!changed)
			break;
		if (attempt == 3)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not load the model of %s: models kept changing while it was read",
							by_id ? psprintf("model %lld", (long long) model_id) :
							psprintf("project \"%s\"", project)),
					 errhint("Retry the query.")));
	}

	if (!ref_from_slot(i, by_id, project, model_id, ref))
		registry_resolve(by_id, project, model_id, ref, stale_id);	/* evicted: again */
}

/*
 * The model a project's newest pgml.deployments row names, or 0.  Used on a
 * standby, where deploys arrive through WAL and no commit callback runs.
 */
int64
pgml_registry_deployed_id(const char *project)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(project)};
	int64		id = 0;
	bool		isnull;
	PgmlCatalogSwitch cs;

	pgml_catalog_push(&cs);
	SPI_connect();
	/* what the standby has replayed, not the caller's snapshot (as fetch_artifact) */
	PushActiveSnapshot(pgml_latest_snapshot());
	if (SPI_execute_with_args("SELECT d.model_id FROM pgml.projects p "
							  "JOIN pgml.deployments d ON d.project_id = p.id "
							  "WHERE p.name = $1 ORDER BY d.id DESC LIMIT 1",
							  1, argtypes, args, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										 1, &isnull));
	PopActiveSnapshot();
	SPI_finish();
	pgml_catalog_pop(&cs);
	return id;
}

/* Replace a project's image that serves stale_id with the deployed model's. */
void
pgml_registry_refresh(const char *project, int64 stale_id, PgmlModelRef *ref)
{
	registry_resolve(false, project, 0, ref, stale_id);
}

/* Find and map the deployed model of a project. */
void
pgml_registry_get(const char *project, PgmlModelRef *ref)
{
	registry_resolve(false, project, 0, ref, 0);
}

/* Find and map a model by id. */
void
pgml_registry_get_by_id(int64 model_id, PgmlModelRef *ref)
{
	registry_resolve(true, NULL, model_id, ref, 0);
}

/* See pgml_worker.h. */
uint64
pgml_registry_acl_epoch(void)
{
	registry_check();
	return pg_atomic_read_u64(&registry->acl_epoch);
}

/* See pgml_worker.h. */
void
pgml_registry_acl_bump(void)
{
	if (registry != NULL)
		pg_atomic_fetch_add_u64(&registry->acl_epoch, 1);
}

/* Is ref still the slot's current image?  One atomic read. */
bool
pgml_registry_ref_valid(const PgmlModelRef *ref)
{
	return ref->image != NULL && ref->slot >= 0 &&
		pg_atomic_read_u64(&registry->slots[ref->slot].generation) == ref->generation;
}

/* Count a predict call against ref's slot. */
void
pgml_registry_count(const PgmlModelRef *ref, int64 nrows)
{
	PgmlCounter *c;

	if (MyBackendId == InvalidBackendId || MyBackendId > registry->counter_backends)
		return;
	c = counter_at(MyBackendId - 1, ref->slot);
	if (pg_atomic_read_u64(&c->epoch) != ref->epoch)
	{
		/* first count for this key by this BackendId: start from zero */
		pg_atomic_write_u64(&c->calls, 0);
		pg_atomic_write_u64(&c->rows, 0);
		pg_write_barrier();
		pg_atomic_write_u64(&c->epoch, ref->epoch);
	}
	/* only this backend writes its entries: no read-modify-write needed */
	pg_atomic_write_u64(&c->calls, pg_atomic_read_u64(&c->calls) + 1);
	pg_atomic_write_u64(&c->rows, pg_atomic_read_u64(&c->rows) + nrows);
}

/* Sum of the backends' predict counters of slot i for its current key. */
static void
slot_counts(int i, uint64 *calls, uint64 *rows)
{
	uint64		epoch = registry->slots[i].epoch;

	*calls = 0;
	*rows = 0;
	for (int b = 0; b < registry->counter_backends; b++)
	{
		PgmlCounter *c = counter_at(b, i);

		if (pg_atomic_read_u64(&c->epoch) != epoch)
			continue;
		pg_read_barrier();
		*calls += pg_atomic_read_u64(&c->calls);
		*rows += pg_atomic_read_u64(&c->rows);
	}
}

/* Copy the stats of every used slot. */
int
pgml_registry_stats(PgmlSlotStats **out)
{
	int			n = 0;

	registry_check();
	*out = palloc0(sizeof(PgmlSlotStats) * registry->nslots);
	LWLockAcquire(registry->lock, LW_SHARED);
	for (int i = 0; i < registry->nslots; i++)
	{
		PgmlSlot   *s = &registry->slots[i];
		PgmlSlotStats *st = &(*out)[n];

		if (!s->in_use)
			continue;
		st->dboid = s->dboid;
		if (!s->by_id)
			strlcpy(st->project, s->project, PGML_PROJECT_LEN);
		st->model_id = s->model_id;
		strlcpy(st->algorithm, s->algorithm, sizeof(st->algorithm));
		st->bytes = s->bytes;
		st->generation = pg_atomic_read_u64(&s->generation);
		st->loads = pg_atomic_read_u64(&s->loads);
		slot_counts(i, &st->predict_calls, &st->rows_predicted);
		st->published_at = s->published_at;
		n++;
	}
	LWLockRelease(registry->lock);
	return n;
}

PG_FUNCTION_INFO_V1(pgml_models_changed);

/*
 * Trigger: published images stop being served when the transaction commits.
 * Per row (AFTER UPDATE or DELETE) on pgml.models or pgml.deployments: the
 * images of the model in column tgargs[0] of the old row (the deployment's
 * model, or the model itself); the next predict reads the tables again.
 * Per row AFTER UPDATE OF name on pgml.projects (tgargs[0] is the name):
 * the image found by the old name.  Per statement (AFTER TRUNCATE, which
 * fires no row trigger, on pgml.models, pgml.deployments or pgml.projects;
 * AFTER UPDATE OF name on pgml.projects under a 0.1.0 schema): every image
 * of the database.  A role renaming its own project must not make every
 * other role's model be compiled again.
 */
Datum
pgml_models_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	int			attnum;
	bool		isnull;
	Datum		id;

	static const char *const row_tables[] = {"models", "deployments", "projects", NULL};
	static const char *const stmt_tables[] = {"models", "deployments", "projects", NULL};

	if (CALLED_AS_TRIGGER(fcinfo) && TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		pgml_trigger_check(fcinfo, "pgml_models_changed", stmt_tables, false, false,
						   PGML_TRIGGER_EVENT(UPDATE) | PGML_TRIGGER_EVENT(TRUNCATE));
	else
		pgml_trigger_check(fcinfo, "pgml_models_changed", row_tables, true, false,
						   PGML_TRIGGER_EVENT(UPDATE) | PGML_TRIGGER_EVENT(DELETE));
	if (!pgml_preloaded)
		return PointerGetDatum(NULL);
	/* TRUNCATE triggers are statement triggers too */
	if (TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
	{
		registry_invalidate(0);
		return PointerGetDatum(NULL);
	}
	trigger = trigdata->tg_trigger;
	attnum = trigger->tgnargs == 1 ?
		SPI_fnumber(trigdata->tg_relation->rd_att, trigger->tgargs[0]) : 0;
	if (attnum <= 0)
		elog(ERROR, "pgml_models_changed: a row trigger needs the model id column as its argument");
	id = heap_getattr(trigdata->tg_trigtuple, attnum,
					  trigdata->tg_relation->rd_att, &isnull);
	if (isnull)
		return PointerGetDatum(NULL);
	if (strcmp(RelationGetRelationName(trigdata->tg_relation), "projects") == 0)
	{
		if (TupleDescAttr(trigdata->tg_relation->rd_att, attnum - 1)->atttypid != TEXTOID)
			elog(ERROR, "pgml_models_changed: on pgml.projects the argument must be the name column");
		registry_invalidate_project(TextDatumGetCString(id));
	}
	else
		registry_invalidate(DatumGetInt64(id));
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(pgml_registry_reset_database);

/* SQL: forget every published image of this database, at commit. */
Datum
pgml_registry_reset_database(PG_FUNCTION_ARGS)
{
	registry_invalidate(0);
	PG_RETURN_VOID();
}
