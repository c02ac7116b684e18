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
	TransactionId model_xmin;	/* xmin of the pgml.models row compiled */
	char		algorithm[32];
	dsm_handle	handle;
	uint64		bytes;
	TimestampTz published_at;
	pg_atomic_uint64 generation;
	int			stats;			/* index of its PgmlModelStats, -1 if none */
	uint64		epoch;			/* changes with the slot's key: the predict
								 * counters of an older key do not count */
	pg_atomic_uint64 last_used; /* registry clock at last resolve, for LRU */
} PgmlSlot;

/*
 * What pgml.stat_models shows of a model under one key (database, project
 * or model id, model id), kept across evictions: an evicted model that is
 * loaded again goes on counting.  nstats = 4 x nslots entries; when they are
 * all taken, the least recently used one that no slot points at is reused.
 * Plain fields change under registry->lock exclusive; hits is an atomic
 * bumped under the shared lock.
 */
typedef struct PgmlModelStats
{
	bool		used;
	bool		by_id;
	Oid			dboid;
	int64		model_id;
	TransactionId model_xmin;	/* a reused id, or a changed row, is another model */
	char		project[PGML_PROJECT_LEN];
	int			refs;			/* slots pointing here */
	uint64		loads;			/* compilations from pgml.models */
	uint64		evictions;
	uint64		compile_us;		/* time spent compiling, microseconds */
	uint64		calls_base;		/* predict counters of earlier slots */
	uint64		rows_base;
	uint64		last_used;
	pg_atomic_uint64 hits;		/* resolutions served by a published image */
} PgmlModelStats;

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
	pg_atomic_uint64 hits;		/* registry-wide: see PgmlRegistrySummary */
	pg_atomic_uint64 loads;
	pg_atomic_uint64 evictions;
	pg_atomic_uint64 unpublished;
	int			max_segments;	/* the server's DSM segment limit */
	int			nstats;
	Size		stats_off;		/* from the registry's start */
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
	uint64		generation;		/* the slot's generation when mapped */
	int			holds;			/* refs held on it in this transaction */
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
	TransactionId model_xmin;
	char		algorithm[32];
	dsm_handle	handle;
	uint64		bytes;
	uint64		compile_us;		/* loads: time spent compiling */
} PendingDeploy;

static PgmlRegistry *registry = NULL;
static LocalMap *local_maps = NULL;

/* the slots this backend maps (indexes into local_maps), for cleanup */
static int *mapped_slots = NULL;
static int	n_mapped = 0;

/*
 * Mappings of segments a slot no longer points at.  A call site keeps the
 * image it resolved for the rest of its statement (one statement, one
 * model), so an old segment that a ref of this transaction still holds
 * stays mapped until the last hold is released or the transaction ends.
 * Holds are counted by the holders of refs (predict.c's call sites and
 * recent resolutions) with pgml_registry_hold() and pgml_registry_release().
 */
static LocalMap *retired = NULL;
static int	n_retired = 0;
static int	max_retired = 0;
static bool retired_callback_registered = false;
static PendingDeploy *pending = NULL;
static bool callbacks_registered = false;

#define REGISTRY_TRANCHE "pgml_worker"

/*
 * The server's limit on DSM segments, as dsm.c computes it (64 fixed slots
 * and 5 per backend in PostgreSQL 15), and the model images the registry
 * keeps within it: one segment per backend is left for parallel queries and
 * the like, and the fixed slots for everything else.
 */
#define PGML_DSM_FIXED_SLOTS 64
#define PGML_DSM_SLOTS_PER_BACKEND 5

static int
dsm_segment_limit(void)
{
	return PGML_DSM_FIXED_SLOTS + PGML_DSM_SLOTS_PER_BACKEND * MaxBackends;
}

static int
registry_capacity(void)
{
	int			usable = dsm_segment_limit() - PGML_DSM_FIXED_SLOTS - MaxBackends;

	return Max(1, Min(pgml_max_models, usable));
}

/* Bytes of the slot part of the registry, rounded up to a cache line. */
static Size
registry_slots_size(void)
{
	return CACHELINEALIGN(add_size(offsetof(PgmlRegistry, slots),
								   mul_size(sizeof(PgmlSlot), registry_capacity())));
}

/* Bytes of the per-model statistics. */
static Size
registry_stats_size(void)
{
	return CACHELINEALIGN(mul_size(sizeof(PgmlModelStats),
								   mul_size(registry_capacity(), 4)));
}

/* Bytes of one backend's row of counters, a whole number of cache lines. */
static Size
counter_row_size(void)
{
	return CACHELINEALIGN(mul_size(sizeof(PgmlCounter), registry_capacity()));
}

/* The registry: slots, model statistics, then per-backend counters. */
static Size
registry_size(void)
{
	return add_size(add_size(registry_slots_size(), registry_stats_size()),
					mul_size(counter_row_size(), MaxBackends));
}

/* Backend b's (0-based) counter for slot i. */
static inline PgmlCounter *
counter_at(int b, int i)
{
	return (PgmlCounter *) ((char *) registry + registry->counters_off +
							(Size) b * counter_row_size()) + i;
}

/* Statistics entry k. */
static inline PgmlModelStats *
stats_at(int k)
{
	return (PgmlModelStats *) ((char *) registry + registry->stats_off) + k;
}

/*
 * shmem_request_hook part: reserve the slot array and two LWLocks, and say
 * so if pgml_worker.max_models is more than the server's DSM segments allow.
 */
void
pgml_registry_shmem_request(void)
{
	if (registry_capacity() < pgml_max_models)
		ereport(WARNING,
				(errmsg("pgml_worker.max_models is %d, but this server's dynamic shared memory segments allow %d model images",
						pgml_max_models, registry_capacity()),
				 errdetail("The server has %d segments (64 and 5 per backend, with %d backends); pgml_worker leaves one per backend and 64 for other uses.",
						   dsm_segment_limit(), MaxBackends),
				 errhint("Raise max_connections or lower pgml_worker.max_models; until then at most %d images are kept, the least recently used evicted.",
						 registry_capacity())));
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
		registry->nslots = registry_capacity();
		registry->max_segments = dsm_segment_limit();
		registry->nstats = registry->nslots * 4;
		registry->stats_off = registry_slots_size();
		registry->counter_backends = MaxBackends;
		registry->counters_off = registry_slots_size() + registry_stats_size();
		pg_atomic_init_u64(&registry->next_generation, 1);
		pg_atomic_init_u64(&registry->change_epoch, 0);
		pg_atomic_init_u64(&registry->clock, 1);
		pg_atomic_init_u64(&registry->acl_epoch, 1);
		pg_atomic_init_u64(&registry->hits, 0);
		pg_atomic_init_u64(&registry->loads, 0);
		pg_atomic_init_u64(&registry->evictions, 0);
		pg_atomic_init_u64(&registry->unpublished, 0);
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
			pg_atomic_init_u64(&s->last_used, 0);
			s->stats = -1;
		}
		for (int k = 0; k < registry->nstats; k++)
			pg_atomic_init_u64(&stats_at(k)->hits, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* At the end of a transaction, unmap the segments retired during it. */
static void
retired_xact_callback(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	for (int i = 0; i < n_retired; i++)
		dsm_detach(retired[i].seg);
	n_retired = 0;
	/* holds are per transaction */
	for (int j = 0; j < n_mapped; j++)
		local_maps[mapped_slots[j]].holds = 0;

	/*
	 * Unmap images whose slot has moved on (redeployed, invalidated or
	 * evicted): a segment is destroyed only when no backend maps it, so a
	 * backend must not keep one it will never use again.  One atomic read
	 * per mapped slot; no lock.
	 */
	for (int j = 0; j < n_mapped;)
	{
		int			i = mapped_slots[j];
		LocalMap   *lm = &local_maps[i];

		if (lm->seg != NULL &&
			pg_atomic_read_u64(&registry->slots[i].generation) != lm->generation)
		{
			dsm_detach(lm->seg);
			lm->seg = NULL;
		}
		if (lm->seg == NULL)
			mapped_slots[j] = mapped_slots[--n_mapped];
		else
			j++;
	}
}

/* An old mapping: keep it while a ref of this transaction holds it. */
static void
retire_mapping(const LocalMap *lm)
{
	if (lm->holds <= 0)
	{
		dsm_detach(lm->seg);
		return;
	}
	if (n_retired == max_retired)
	{
		int			newmax = Max(8, max_retired * 2);

		retired = retired == NULL ?
			MemoryContextAlloc(TopMemoryContext, sizeof(LocalMap) * newmax) :
			repalloc(retired, sizeof(LocalMap) * newmax);
		max_retired = newmax;
	}
	retired[n_retired++] = *lm;
}

/* The mapping a ref points into: current (local_maps) or retired; NULL if gone. */
static LocalMap *
ref_mapping(const PgmlModelRef *ref, int *retired_index)
{
	*retired_index = -1;
	if (local_maps == NULL || ref->slot < 0 || ref->image == NULL)
		return NULL;
	if (local_maps[ref->slot].seg != NULL && local_maps[ref->slot].handle == ref->handle)
		return &local_maps[ref->slot];
	for (int i = 0; i < n_retired; i++)
		if (retired[i].handle == ref->handle)
		{
			*retired_index = i;
			return &retired[i];
		}
	return NULL;
}

/* See pgml_worker.h. */
void
pgml_registry_hold(const PgmlModelRef *ref)
{
	int			r;
	LocalMap   *lm = ref_mapping(ref, &r);

	if (lm != NULL)
		lm->holds++;
}

/* See pgml_worker.h. */
void
pgml_registry_release(const PgmlModelRef *ref)
{
	int			r;
	LocalMap   *lm = ref_mapping(ref, &r);

	if (lm == NULL || lm->holds <= 0)
		return;
	if (--lm->holds == 0 && r >= 0)
	{
		dsm_detach(lm->seg);
		retired[r] = retired[--n_retired];
	}
}

/* Error out unless the registry exists (library preloaded). */
static void
registry_check(void)
{
	pgml_require_preload();
	if (registry == NULL)
		elog(ERROR, "pgml_worker registry is not initialized");
	if (local_maps == NULL)
	{
		local_maps = MemoryContextAllocZero(TopMemoryContext,
											sizeof(LocalMap) * registry->nslots);
		mapped_slots = MemoryContextAlloc(TopMemoryContext, sizeof(int) * registry->nslots);
	}
	if (!retired_callback_registered)
	{
		RegisterXactCallback(retired_xact_callback, NULL);
		retired_callback_registered = true;
	}
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

static void slot_counts(int i, uint64 *calls, uint64 *rows);

/*
 * The statistics entry of a key, found or made; -1 if every entry is held
 * by a slot.  Caller holds registry->lock exclusive.
 */
static int
stats_for(Oid dboid, bool by_id, const char *project, int64 model_id,
		  TransactionId model_xmin)
{
	int			free_k = -1;
	int			lru_k = -1;
	uint64		oldest = PG_UINT64_MAX;

	for (int k = 0; k < registry->nstats; k++)
	{
		PgmlModelStats *e = stats_at(k);

		if (!e->used)
		{
			if (free_k < 0)
				free_k = k;
			continue;
		}
		if (e->dboid == dboid && e->by_id == by_id && e->model_id == model_id &&
			e->model_xmin == model_xmin && (by_id || strcmp(e->project, project) == 0))
			return k;
		if (e->refs == 0 && e->last_used < oldest)
		{
			oldest = e->last_used;
			lru_k = k;
		}
	}
	if (free_k < 0)
		free_k = lru_k;
	if (free_k >= 0)
	{
		PgmlModelStats *e = stats_at(free_k);

		e->used = true;
		e->by_id = by_id;
		e->dboid = dboid;
		e->model_id = model_id;
		e->model_xmin = model_xmin;
		strlcpy(e->project, by_id ? "" : project, PGML_PROJECT_LEN);
		e->refs = 0;
		e->loads = e->evictions = e->compile_us = 0;
		e->calls_base = e->rows_base = 0;
		pg_atomic_write_u64(&e->hits, 0);
	}
	return free_k;
}

/*
 * Slot i lets go of its statistics entry, which keeps the predict counts
 * counted so far.  Caller holds registry->lock exclusive.
 */
static void
stats_release(int i)
{
	PgmlSlot   *s = &registry->slots[i];
	PgmlModelStats *e;
	uint64		calls;
	uint64		rows;

	if (s->stats < 0)
		return;
	e = stats_at(s->stats);
	slot_counts(i, &calls, &rows);
	e->calls_base += calls;
	e->rows_base += rows;
	e->refs--;
	e->last_used = pg_atomic_read_u64(&registry->clock);
	s->stats = -1;
}

/*
 * Pick a slot for a new key: a free one, else the least recently used one,
 * which is evicted (its segment is unpinned by the caller).  Caller holds
 * the lock exclusive.
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
	if (victim >= 0)
	{
		if (registry->slots[victim].stats >= 0)
			stats_at(registry->slots[victim].stats)->evictions++;
		pg_atomic_fetch_add_u64(&registry->evictions, 1);
	}
	return victim;
}

/*
 * Point slot i at a new segment.  Caller holds the lock exclusive.  Returns
 * the segment to unpin once the lock is released, or DSM_HANDLE_INVALID.
 */
static dsm_handle
slot_set(int i, const PendingDeploy *d, bool by_id, bool count_load)
{
	PgmlSlot   *s = &registry->slots[i];
	dsm_handle	old = s->in_use ? s->handle : DSM_HANDLE_INVALID;
	bool		same_key;

	same_key = s->in_use && s->dboid == d->dboid && s->by_id == by_id &&
		s->model_id == d->model_id && s->model_xmin == d->model_xmin &&
		(by_id || strcmp(s->project, d->project) == 0);

	if (!same_key)
	{
		/* another model: its counters are its own */
		stats_release(i);
		s->epoch = pg_atomic_fetch_add_u64(&registry->next_generation, 1);
		s->stats = stats_for(d->dboid, by_id, d->project, d->model_id, d->model_xmin);
		if (s->stats >= 0)
			stats_at(s->stats)->refs++;
	}
	s->in_use = true;
	s->by_id = by_id;
	s->dboid = d->dboid;
	strlcpy(s->project, d->project, PGML_PROJECT_LEN);
	s->model_id = d->model_id;
	s->model_xmin = d->model_xmin;
	strlcpy(s->algorithm, d->algorithm, sizeof(s->algorithm));
	s->handle = d->handle;
	s->bytes = d->bytes;
	s->published_at = GetCurrentTimestamp();
	if (count_load)
	{
		if (s->stats >= 0)
		{
			stats_at(s->stats)->loads++;
			stats_at(s->stats)->compile_us += d->compile_us;
		}
		pg_atomic_fetch_add_u64(&registry->loads, 1);
	}
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

	stats_release(i);
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
 * Evict the least recently used image to free a DSM segment; false if no
 * slot is in use.  Its segment goes once no backend maps it any more (each
 * backend lets go of stale images at the end of its transaction).
 */
static bool
evict_one(void)
{
	int			victim = -1;
	uint64		oldest = PG_UINT64_MAX;
	dsm_handle	h = DSM_HANDLE_INVALID;

	LWLockAcquire(registry->lock, LW_EXCLUSIVE);
	for (int i = 0; i < registry->nslots; i++)
	{
		PgmlSlot   *s = &registry->slots[i];

		if (s->in_use && pg_atomic_read_u64(&s->last_used) < oldest)
		{
			oldest = pg_atomic_read_u64(&s->last_used);
			victim = i;
		}
	}
	if (victim >= 0)
	{
		if (registry->slots[victim].stats >= 0)
			stats_at(registry->slots[victim].stats)->evictions++;
		pg_atomic_fetch_add_u64(&registry->evictions, 1);
		h = slot_clear(victim);
		/* a load that read the tables before this must not publish */
		pg_atomic_fetch_add_u64(&registry->change_epoch, 1);
	}
	LWLockRelease(registry->lock);
	segment_release(h);
	return h != DSM_HANDLE_INVALID;
}

/*
 * Copy an image into a new pinned DSM segment and return its handle.  The
 * creating backend detaches at once; the pin keeps the segment alive.  When
 * the server has no segment left, the least recently used images are
 * evicted, a few at most; DSM_HANDLE_INVALID if that did not free one.
 */
static dsm_handle
segment_create(const PgmlImageHeader *image, Size size)
{
	dsm_segment *seg;
	dsm_handle	h;

	for (int tries = 0;; tries++)
	{
		seg = dsm_create(size, DSM_CREATE_NULL_IF_MAXSEGMENTS);
		if (seg != NULL)
			break;
		if (tries == 8 || !evict_one())
			return DSM_HANDLE_INVALID;
	}
	memcpy(dsm_segment_address(seg), image, size);
	dsm_pin_segment(seg);
	h = dsm_segment_handle(seg);
	dsm_detach(seg);
	return h;
}

/* Does invalidation d drop slot s?  Caller holds registry->lock. */
static bool
invalidation_matches(const PendingDeploy *d, const PgmlSlot *s)
{
	if (!s->in_use || s->dboid != d->dboid)
		return false;
	if (d->by_project)
		return !s->by_id && strcmp(s->project, d->project) == 0;
	return d->whole_database || s->model_id == d->model_id;
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
					if (!invalidation_matches(d, &registry->slots[i]))
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
						/* the slot may have been reused meanwhile */
						if (!invalidation_matches(d, &registry->slots[i]))
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
pgml_registry_deploy(const char *project, int64 model_id, TransactionId model_xmin,
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
	if (h == DSM_HANDLE_INVALID)
	{
		/*
		 * No segment to be had: the deploy still commits, and the project's
		 * image is dropped then, so its next predict loads the new model
		 * from the table (or says why it cannot).  A training job does not
		 * fail for want of shared memory.
		 */
		pg_atomic_fetch_add_u64(&registry->unpublished, 1);
		ereport(WARNING,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("model %lld of project \"%s\" is deployed but not published in shared memory",
						(long long) model_id, project),
				 errdetail("The server has no dynamic shared memory segment left, even after evicting the least recently used models."),
				 errhint("Its first prediction loads it.  Raise max_connections or lower pgml_worker.max_models.")));
		d = pending_add();
		d->invalidate_only = true;
		d->by_project = true;
		strlcpy(d->project, project, PGML_PROJECT_LEN);
		return;
	}
	d = pending_add();
	strlcpy(d->project, project, PGML_PROJECT_LEN);
	d->model_id = model_id;
	d->model_xmin = model_xmin;
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
		/* a call site of this statement may still evaluate the old image */
		retire_mapping(lm);
		lm->seg = NULL;
		lm->holds = 0;
	}
	lm->generation = pg_atomic_read_u64(&s->generation);
	if (lm->seg == NULL)
	{
		dsm_segment *seg = dsm_find_mapping(s->handle);
		bool		listed = false;

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
		for (int j = 0; j < n_mapped && !listed; j++)
			listed = (mapped_slots[j] == i);
		if (!listed)
			mapped_slots[n_mapped++] = i;
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
		ref->model_xmin = s->model_xmin;
		ref->image = slot_map(i);
		ref->handle = s->handle;
		pg_atomic_write_u64(&s->last_used,
							pg_atomic_fetch_add_u64(&registry->clock, 1));
		if (s->stats >= 0)
			pg_atomic_fetch_add_u64(&stats_at(s->stats)->hits, 1);
		pg_atomic_fetch_add_u64(&registry->hits, 1);
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
			   TransactionId *xmin, char *algorithm)
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

		ret = SPI_execute_with_args("SELECT m.id, m.algorithm, m.artifact, m.xmin "
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

		ret = SPI_execute_with_args("SELECT m.id, m.algorithm, m.artifact, m.xmin "
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
	*xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 4, &isnull));
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

/*
 * Does a slot serve exactly this version of a model?  stale is the version
 * a standby found outdated (NULL: none), which counts as a miss.
 */
static bool
serves_stale(const PgmlModelRef *ref, const PgmlModelVersion *stale)
{
	return stale != NULL && ref->model_id == stale->model_id &&
		ref->model_xmin == stale->xmin;
}

/* Resolve a key to a mapped image, compiling it once per server on a miss. */
static void
registry_resolve(bool by_id, const char *project, int64 model_id,
				 PgmlModelRef *ref, const PgmlModelVersion *stale)
{
	bytea	   *artifact;
	PgmlImageHeader *image;
	Size		size;
	PendingDeploy d;
	int			i;
	dsm_handle	release = DSM_HANDLE_INVALID;
	char		algorithm[32];
	int64		id = model_id;
	TransactionId xmin;
	TimestampTz t0;

	registry_check();
	if (!by_id && strlen(project) >= PGML_PROJECT_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("project \"%s\" does not exist", project)));

	if (registry_lookup(by_id, project, model_id, ref) && !serves_stale(ref, stale))
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
		artifact = fetch_artifact(by_id, project, &id, &xmin, algorithm);

		LWLockAcquire(registry->load_lock, LW_EXCLUSIVE);
		/* someone may have published it meanwhile */
		if (registry_lookup(by_id, project, model_id, ref) && !serves_stale(ref, stale))
		{
			LWLockRelease(registry->load_lock);
			pfree(artifact);
			return;
		}

		t0 = GetCurrentTimestamp();
		image = pgml_image_compile(VARDATA_ANY(artifact), VARSIZE_ANY_EXHDR(artifact),
								   &size);
		memset(&d, 0, sizeof(d));
		d.compile_us = (uint64) Max(0, GetCurrentTimestamp() - t0);
		d.dboid = MyDatabaseId;
		if (!by_id)
			strlcpy(d.project, project, PGML_PROJECT_LEN);
		d.model_id = id;
		d.model_xmin = xmin;
		strlcpy(d.algorithm, algorithm, sizeof(d.algorithm));
		d.handle = segment_create(image, size);
		if (d.handle == DSM_HANDLE_INVALID)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("no dynamic shared memory segment is free to load %s",
							by_id ? psprintf("model %lld", (long long) id) :
							psprintf("the model of project \"%s\"", project)),
					 errdetail("Evicting the least recently used models did not free one: other sessions still map them, or other uses hold the server's segments."),
					 errhint("Retry, raise max_connections, or lower pgml_worker.max_models.")));
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
		else if (stale != NULL && registry->slots[i].model_id == stale->model_id &&
				 registry->slots[i].model_xmin == stale->xmin)
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
		registry_resolve(by_id, project, model_id, ref, stale); /* evicted: again */
}

/*
 * The version of the model a project deploys now (by_id false: its newest
 * pgml.deployments row), or of model model_id, as the replicated tables
 * say; model_id 0 when there is none.  Used on a standby, where deploys and
 * changed rows arrive through WAL and no commit callback or trigger runs.
 */
PgmlModelVersion
pgml_registry_current(bool by_id, const char *project, int64 model_id)
{
	Oid			argtypes[1];
	Datum		args[1];
	PgmlModelVersion v = {0, InvalidTransactionId};
	bool		isnull;
	PgmlCatalogSwitch cs;
	int			ret;

	pgml_catalog_push(&cs);
	SPI_connect();
	/* what the standby has replayed, not the caller's snapshot (as fetch_artifact) */
	PushActiveSnapshot(pgml_latest_snapshot());
	if (by_id)
	{
		argtypes[0] = INT8OID;
		args[0] = Int64GetDatum(model_id);
		ret = SPI_execute_with_args("SELECT m.id, m.xmin FROM pgml.models m WHERE m.id = $1",
									1, argtypes, args, NULL, true, 1);
	}
	else
	{
		argtypes[0] = TEXTOID;
		args[0] = CStringGetTextDatum(project);
		ret = SPI_execute_with_args("SELECT m.id, m.xmin FROM pgml.projects p "
									"JOIN pgml.deployments d ON d.project_id = p.id "
									"JOIN pgml.models m ON m.id = d.model_id "
									"WHERE p.name = $1 ORDER BY d.id DESC LIMIT 1",
									1, argtypes, args, NULL, true, 1);
	}
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
	{
		v.model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull));
		v.xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc, 2, &isnull));
	}
	PopActiveSnapshot();
	SPI_finish();
	pgml_catalog_pop(&cs);
	return v;
}

/* See pgml_worker.h. */
void
pgml_registry_refresh(bool by_id, const char *project, int64 model_id,
					  const PgmlModelVersion *stale, PgmlModelRef *ref)
{
	registry_resolve(by_id, project, model_id, ref, stale);
}

/* Find and map the deployed model of a project. */
void
pgml_registry_get(const char *project, PgmlModelRef *ref)
{
	registry_resolve(false, project, 0, ref, NULL);
}

/* Find and map a model by id. */
void
pgml_registry_get_by_id(int64 model_id, PgmlModelRef *ref)
{
	registry_resolve(true, NULL, model_id, ref, NULL);
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
		slot_counts(i, &st->predict_calls, &st->rows_predicted);
		if (s->stats >= 0)
		{
			PgmlModelStats *e = stats_at(s->stats);

			st->loads = e->loads;
			st->evictions = e->evictions;
			st->hits = pg_atomic_read_u64(&e->hits);
			st->compile_ms = e->compile_us / 1000.0;
			st->predict_calls += e->calls_base;
			st->rows_predicted += e->rows_base;
		}
		st->published_at = s->published_at;
		n++;
	}
	LWLockRelease(registry->lock);
	return n;
}

/* See pgml_worker.h. */
void
pgml_registry_summary(PgmlRegistrySummary *out)
{
	registry_check();
	memset(out, 0, sizeof(*out));
	out->slots = registry->nslots;
	out->max_models = pgml_max_models;
	out->max_segments = registry->max_segments;
	LWLockAcquire(registry->lock, LW_SHARED);
	for (int i = 0; i < registry->nslots; i++)
		out->slots_used += registry->slots[i].in_use;
	LWLockRelease(registry->lock);
	out->hits = pg_atomic_read_u64(&registry->hits);
	out->loads = pg_atomic_read_u64(&registry->loads);
	out->evictions = pg_atomic_read_u64(&registry->evictions);
	out->unpublished = pg_atomic_read_u64(&registry->unpublished);
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
