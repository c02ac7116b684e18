/*-------------------------------------------------------------------------
 *
 * acl.c
 *	  Project privileges: owners, USAGE grants, the checks every entry point
 *	  makes, the SQL functions that manage them, and the catalog identity
 *	  under which the C code touches pgml.* (see include/pgml_acl.h).
 *
 * The use check is cached per backend: an entry (key, user, epoch) is good
 * while the shared ACL epoch (registry.c) is unchanged.  The trigger
 * projects_acl_changed bumps the epoch when a transaction that changed a
 * project's name, owner or ACL, or deleted one, commits.  Membership
 * changes (GRANT role TO role) reach every backend as syscache
 * invalidations of pg_auth_members, which empty the cache.  On a standby no
 * trigger runs, so there nothing is cached: each statement reads the
 * replicated row once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pgml_acl.h"
#include "pgml_worker.h"

/* ---- catalog identity ---- */

/* See pgml_acl.h. */
Oid
pgml_catalog_owner(void)
{
	Oid			nsp = get_namespace_oid("pgml", true);
	Oid			rel = OidIsValid(nsp) ? get_relname_relid("models", nsp) : InvalidOid;
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table pgml.models does not exist"),
				 errhint("Run CREATE EXTENSION pgml_worker in this database.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* See pgml_acl.h. */
void
pgml_pin_search_path(void)
{
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

/*
 * See pgml_acl.h.  In parallel mode a catalog snapshot is the one fresh
 * snapshot a process may take (catalog lookups of parallel workers take
 * them); asked for a relation that is not a catalog, it is taken anew.
 */
Snapshot
pgml_latest_snapshot(void)
{
	if (!IsInParallelMode())
		return GetLatestSnapshot();
	InvalidateCatalogSnapshot();
	return GetCatalogSnapshot(InvalidOid);
}

/* See pgml_acl.h. */
void
pgml_catalog_push(PgmlCatalogSwitch *cs)
{
	Oid			owner = pgml_catalog_owner();

	GetUserIdAndSecContext(&cs->save_userid, &cs->save_sec_context);
	SetUserIdAndSecContext(owner, cs->save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	cs->save_nestlevel = NewGUCNestLevel();
	pgml_pin_search_path();
}

/* See pgml_acl.h. */
void
pgml_catalog_pop(const PgmlCatalogSwitch *cs)
{
	AtEOXact_GUC(false, cs->save_nestlevel);
	SetUserIdAndSecContext(cs->save_userid, cs->save_sec_context);
}

/* ---- reading a project ---- */

/* pgml.projects, or InvalidOid if the extension is absent. */
static Oid
projects_relid(void)
{
	Oid			nsp = get_namespace_oid("pgml", true);

	return OidIsValid(nsp) ? get_relname_relid("projects", nsp) : InvalidOid;
}

/* See pgml_acl.h. */
bool
pgml_acl_schema_ready(void)
{
	Oid			rel = projects_relid();

	return OidIsValid(rel) && get_attnum(rel, "acl") != InvalidAttrNumber &&
		get_attnum(rel, "owner") != InvalidAttrNumber;
}

/* See pgml_acl.h. */
void
pgml_acl_require_schema(void)
{
	if (!pgml_acl_schema_ready())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the pgml_worker schema of this database is older than its library"),
				 errhint("Run ALTER EXTENSION pgml_worker UPDATE.")));
}

/* See pgml_acl.h. */
bool
pgml_project_read(const char *name, int64 model_id, bool lock_row, PgmlProject *out)
{
	MemoryContext caller = CurrentMemoryContext;
	PgmlCatalogSwitch cs;
	Oid			argtypes[1];
	Datum		args[1];
	bool		found = false;
	bool		snap;
	int			ret;
	const char *sql;

	if (name != NULL)
	{
		argtypes[0] = TEXTOID;
		args[0] = CStringGetTextDatum(name);
		sql = lock_row ?
			"SELECT p.id, p.name, p.task, p.owner::oid, p.acl FROM pgml.projects p "
			"WHERE p.name = $1 FOR UPDATE" :
			"SELECT p.id, p.name, p.task, p.owner::oid, p.acl FROM pgml.projects p "
			"WHERE p.name = $1";
	}
	else
	{
		argtypes[0] = INT8OID;
		args[0] = Int64GetDatum(model_id);
		sql = lock_row ?
			"SELECT p.id, p.name, p.task, p.owner::oid, p.acl FROM pgml.projects p "
			"WHERE p.id = (SELECT m.project_id FROM pgml.models m WHERE m.id = $1) FOR UPDATE" :
			"SELECT p.id, p.name, p.task, p.owner::oid, p.acl FROM pgml.projects p "
			"WHERE p.id = (SELECT m.project_id FROM pgml.models m WHERE m.id = $1)";
	}

	pgml_catalog_push(&cs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Privileges are read as PostgreSQL reads its catalogs: the latest
	 * committed state, not the caller's (maybe REPEATABLE READ) snapshot,
	 * in a parallel worker too.
	 */
	snap = !lock_row;
	if (snap)
		PushActiveSnapshot(pgml_latest_snapshot());
	ret = SPI_execute_with_args(sql, 1, argtypes, args, NULL, !lock_row, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read pgml.projects: %s", SPI_result_code_string(ret));
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(caller);
		bool		isnull;
		Datum		d;

		out->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		out->name = SPI_getvalue(tup, desc, 2);
		out->task = SPI_getvalue(tup, desc, 3);
		out->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull));
		d = SPI_getbinval(tup, desc, 5, &isnull);
		out->acl = isnull ? NULL : DatumGetAclPCopy(d);
		MemoryContextSwitchTo(old);
		found = true;
	}
	if (snap)
		PopActiveSnapshot();
	SPI_finish();
	pgml_catalog_pop(&cs);
	return found;
}

/* A role's name for messages; its OID if it was dropped. */
static char *
role_name(Oid role)
{
	char	   *name = GetUserNameFromId(role, true);

	return name ? name : psprintf("with OID %u", role);
}

/* See pgml_acl.h. */
bool
pgml_acl_may_use(const PgmlProject *p, Oid role)
{
	if (has_privs_of_role(role, p->owner))
		return true;
	return p->acl != NULL &&
		aclmask(p->acl, role, p->owner, ACL_USAGE, ACLMASK_ANY) != 0;
}

/* See pgml_acl.h. */
void
pgml_acl_check_owner(const PgmlProject *p, Oid role)
{
	if (!has_privs_of_role(role, p->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of project \"%s\"", p->name),
				 errdetail("Project \"%s\" is owned by role %s; role %s is not a member of it.",
						   p->name, quote_identifier(role_name(p->owner)),
						   quote_identifier(role_name(role))),
				 errhint("Train into a project of your own, or ask the owner to transfer it with pgml.alter_project_owner().")));
}

/* ---- the use check and its cache ---- */

#define USE_CACHE_SIZE 16

typedef struct UseEntry
{
	bool		used;
	bool		by_id;
	int64		model_id;
	Oid			userid;
	uint64		epoch;
	char		project[PGML_PROJECT_LEN];
} UseEntry;

static UseEntry use_cache[USE_CACHE_SIZE];
static int	use_next = 0;
static bool use_callbacks = false;

/* Syscache callback: role memberships or roles changed. */
static void
use_cache_reset(Datum arg, int cacheid, uint32 hashvalue)
{
	memset(use_cache, 0, sizeof(use_cache));
}

/* See pgml_acl.h. */
bool
pgml_acl_check_use(const char *project, int64 model_id)
{
	bool		by_id = (project == NULL);
	Oid			user = GetUserId();
	bool		cacheable = !RecoveryInProgress();
	uint64		epoch = pgml_registry_acl_epoch();
	PgmlProject p;

	if (cacheable)
	{
		for (int i = 0; i < USE_CACHE_SIZE; i++)
		{
			UseEntry   *e = &use_cache[i];

			if (e->used && e->by_id == by_id && e->userid == user && e->epoch == epoch &&
				(by_id ? e->model_id == model_id : strcmp(e->project, project) == 0))
				return true;
		}
	}

	if (!pgml_acl_schema_ready())
		return true;			/* 0.1.0 schema: as before the update */
	if (!pgml_project_read(project, model_id, false, &p))
		return false;			/* the caller says it does not exist */
	/*
	 * By model id, name only the model: ids are easy to enumerate, and the
	 * project and its owner are not the caller's to learn.
	 */
	if (!pgml_acl_may_use(&p, user) && by_id)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for model %lld", (long long) model_id),
				 errhint("The owner of the model's project can grant its use with pgml.grant_project().")));
	if (!pgml_acl_may_use(&p, user))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for project \"%s\"", p.name),
				 errhint("The owner of the project (role %s) can grant its use with pgml.grant_project().",
						 quote_identifier(role_name(p.owner)))));

	if (cacheable)
	{
		UseEntry   *e = &use_cache[use_next];

		if (!use_callbacks)
		{
			CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, use_cache_reset, (Datum) 0);
			CacheRegisterSyscacheCallback(AUTHOID, use_cache_reset, (Datum) 0);
			use_callbacks = true;
		}
		use_next = (use_next + 1) % USE_CACHE_SIZE;
		e->used = true;
		e->by_id = by_id;
		e->model_id = model_id;
		e->userid = user;
		e->epoch = epoch;
		if (!by_id)
			strlcpy(e->project, project, PGML_PROJECT_LEN);
	}
	return true;
}

/* ---- commit-time epoch bump ---- */

static bool acl_changed = false;
static bool acl_callback_registered = false;

static void
acl_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		if (acl_changed)
			pgml_registry_acl_bump();
		acl_changed = false;
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		if (acl_changed)
			use_cache_reset((Datum) 0, 0, 0);
		acl_changed = false;
	}
	else if (event == XACT_EVENT_PRE_PREPARE && acl_changed)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot prepare a transaction that changes the privileges of a project"),
				 errdetail("Other sessions learn of the change when its transaction commits, which a prepared transaction does in another session.")));
}

/* Is rel the table pgml.<name>? */
static bool
is_pgml_table(Relation rel, const char *name)
{
	Oid			nsp = get_namespace_oid("pgml", true);

	return OidIsValid(nsp) && RelationGetNamespace(rel) == nsp &&
		strcmp(RelationGetRelationName(rel), name) == 0;
}

/* See pgml_worker.h. */
void
pgml_trigger_check(FunctionCallInfo fcinfo, const char *funcname,
				   const char *const *tables, bool row, bool before, int events)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	bool		table_ok = false;
	int			event;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager", funcname)));
	for (int i = 0; tables[i] != NULL; i++)
		table_ok |= is_pgml_table(td->tg_relation, tables[i]);
	event = td->tg_event & TRIGGER_EVENT_OPMASK;
	if (!table_ok ||
		(row ? !TRIGGER_FIRED_FOR_ROW(td->tg_event) : !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event)) ||
		(before ? !TRIGGER_FIRED_BEFORE(td->tg_event) : !TRIGGER_FIRED_AFTER(td->tg_event)) ||
		((1 << event) & events) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired by pgml_worker's own trigger on its table", funcname),
				 errdetail("It was fired on table \"%s\".", RelationGetRelationName(td->tg_relation))));
}

PG_FUNCTION_INFO_V1(pgml_projects_acl_changed);

/*
 * Trigger (AFTER UPDATE OF name, owner, acl OR DELETE OR TRUNCATE, per
 * statement, on pgml.projects and on pgml.models): cached use checks of
 * every backend are dropped when this transaction commits.
 */
Datum
pgml_projects_acl_changed(PG_FUNCTION_ARGS)
{
	static const char *const tables[] = {"projects", "models", NULL};

	pgml_trigger_check(fcinfo, "pgml_projects_acl_changed", tables, false, false,
					   PGML_TRIGGER_EVENT(UPDATE) | PGML_TRIGGER_EVENT(DELETE) |
					   PGML_TRIGGER_EVENT(TRUNCATE));
	if (!acl_callback_registered)
	{
		RegisterXactCallback(acl_xact_callback, NULL);
		acl_callback_registered = true;
	}
	acl_changed = true;
	use_cache_reset((Datum) 0, 0, 0);
	return PointerGetDatum(NULL);
}

/* ---- SQL functions that manage a project ---- */

/* A role named by a user, or ACL_ID_PUBLIC for "public" (any case). */
static Oid
grantee_oid(text *t, bool allow_public)
{
	char	   *name = text_to_cstring(t);

	if (allow_public && pg_strcasecmp(name, "public") == 0)
		return ACL_ID_PUBLIC;
	return get_role_oid(name, false);
}

/*
 * Read and lock a project the current user owns, for a change: ownership
 * is checked on an unlocked read first, so that nobody can make another
 * role's project wait by calling these functions, then again under the lock.
 */
static void
project_for_change(text *name, PgmlProject *p)
{
	char	   *n = text_to_cstring(name);

	pgml_require_preload();
	pgml_acl_require_schema();
	for (int pass = 0; pass < 2; pass++)
	{
		if (!pgml_project_read(n, 0, pass == 1, p))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" does not exist", n)));
		pgml_acl_check_owner(p, GetUserId());
	}
}

/* See pgml_acl.h. */
void
pgml_catalog_exec(const char *sql, int nargs, Oid *argtypes, Datum *args, const char *nulls)
{
	PgmlCatalogSwitch cs;
	int			ret;

	pgml_catalog_push(&cs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(sql, nargs, argtypes, args, nulls, false, 0);
	if (ret < 0)
		elog(ERROR, "could not run \"%s\": %s", sql, SPI_result_code_string(ret));
	SPI_finish();
	pgml_catalog_pop(&cs);
}

/* See pgml_acl.h. */
void
pgml_project_set_owner(int64 id, Oid owner, Acl *acl, Oid newowner)
{
	Oid			argtypes[3] = {INT8OID, OIDOID, ACLITEMARRAYOID};
	Datum		args[3];

	args[0] = Int64GetDatum(id);
	args[1] = ObjectIdGetDatum(newowner);
	args[2] = PointerGetDatum(acl ? aclnewowner(acl, owner, newowner) : make_empty_acl());
	pgml_catalog_exec("UPDATE pgml.projects SET owner = $2::regrole, acl = $3, "
					  "updated_at = clock_timestamp() WHERE id = $1", 3, argtypes, args, NULL);
}

/* See pgml_acl.h. */
char *
pgml_qualified_relation(const char *name, bool missing_ok)
{
	Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(name)),
										 NoLock, missing_ok);

	if (!OidIsValid(relid))
		return NULL;
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* Store a new ACL for project p. */
static void
project_set_acl(const PgmlProject *p, Acl *acl)
{
	Oid			argtypes[2] = {INT8OID, ACLITEMARRAYOID};
	Datum		args[2] = {Int64GetDatum(p->id), PointerGetDatum(acl)};

	pgml_catalog_exec("UPDATE pgml.projects SET acl = $2 WHERE id = $1", 2, argtypes, args, NULL);
}

/* GRANT or REVOKE USAGE on a project. */
static void
project_change_usage(FunctionCallInfo fcinfo, bool grant)
{
	PgmlProject p;
	AclItem		item;
	Acl		   *acl;
	Oid			grantee;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("project_name and role must not be NULL")));
	grantee = grantee_oid(PG_GETARG_TEXT_PP(1), true);
	project_for_change(PG_GETARG_TEXT_PP(0), &p);

	item.ai_grantee = grantee;
	item.ai_grantor = p.owner;
	ACLITEM_SET_PRIVS_GOPTIONS(item, ACL_USAGE, ACL_NO_RIGHTS);
	acl = aclupdate(p.acl ? p.acl : make_empty_acl(), &item,
					grant ? ACL_MODECHG_ADD : ACL_MODECHG_DEL, p.owner, DROP_RESTRICT);
	project_set_acl(&p, acl);
}

PG_FUNCTION_INFO_V1(pgml_grant_project);

/* SQL: pgml.grant_project(project_name, role): USAGE to a role or PUBLIC. */
Datum
pgml_grant_project(PG_FUNCTION_ARGS)
{
	project_change_usage(fcinfo, true);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(pgml_revoke_project);

/* SQL: pgml.revoke_project(project_name, role). */
Datum
pgml_revoke_project(PG_FUNCTION_ARGS)
{
	project_change_usage(fcinfo, false);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(pgml_alter_project_owner);

/*
 * SQL: pgml.alter_project_owner(project_name, new_owner).  As ALTER TABLE
 * OWNER: the caller needs the current owner's privileges and membership in
 * the new owner (superusers need neither).  Grants move to the new owner.
 */
Datum
pgml_alter_project_owner(PG_FUNCTION_ARGS)
{
	PgmlProject p;
	Oid			newowner;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("project_name and new_owner must not be NULL")));
	newowner = grantee_oid(PG_GETARG_TEXT_PP(1), false);
	project_for_change(PG_GETARG_TEXT_PP(0), &p);
	if (!superuser())
		check_is_member_of_role(GetUserId(), newowner);

	pgml_project_set_owner(p.id, p.owner, p.acl, newowner);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(pgml_rename_project);

/* SQL: pgml.rename_project(project_name, new_name). */
Datum
pgml_rename_project(PG_FUNCTION_ARGS)
{
	PgmlProject p;
	PgmlProject other;
	char	   *newname;
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		args[2];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("project_name and new_name must not be NULL")));
	newname = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (newname[0] == '\0' || strlen(newname) >= PGML_PROJECT_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid project name \"%s\"", newname),
				 errdetail("Project names are 1 to %d bytes long.", PGML_PROJECT_LEN - 1)));
	project_for_change(PG_GETARG_TEXT_PP(0), &p);
	if (pgml_project_read(newname, 0, false, &other))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("project \"%s\" already exists", newname)));
	args[0] = Int64GetDatum(p.id);
	args[1] = CStringGetTextDatum(newname);
	pgml_catalog_exec("UPDATE pgml.projects SET name = $2, updated_at = clock_timestamp() "
					  "WHERE id = $1", 2, argtypes, args, NULL);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(pgml_drop_project);

/* SQL: pgml.drop_project(project_name): the project, its models and deployments. */
Datum
pgml_drop_project(PG_FUNCTION_ARGS)
{
	PgmlProject p;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("project_name must not be NULL")));
	project_for_change(PG_GETARG_TEXT_PP(0), &p);
	args[0] = Int64GetDatum(p.id);
	pgml_catalog_exec("DELETE FROM pgml.projects WHERE id = $1", 1, argtypes, args, NULL);
	PG_RETURN_VOID();
}
