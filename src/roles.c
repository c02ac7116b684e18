/*-------------------------------------------------------------------------
 *
 * roles.c
 *	  Projects follow PostgreSQL's commands for the objects of a role, as
 *	  tables do (docs/security.md):
 *	  - DROP ROLE fails while the role owns a project, or holds a grant on
 *	    one, in the current database (2BP01, as for a table);
 *	  - REASSIGN OWNED BY old TO new gives old's projects to new;
 *	  - DROP OWNED BY role drops the role's projects and takes back the
 *	    grants made to it.
 *	  A project is a row, not a catalog object, so PostgreSQL cannot see it:
 *	  a ProcessUtility hook acts for it.  Like REASSIGN OWNED and DROP OWNED,
 *	  this concerns the current database; run them in each database, as
 *	  PostgreSQL asks for its own objects.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pgml_acl.h"
#include "pgml_worker.h"

static ProcessUtility_hook_type prev_utility = NULL;

/* The role OIDs a statement names (missing ones skipped if missing_ok). */
static Oid *
roles_of(List *rolespecs, bool missing_ok, int *n)
{
	Oid		   *roles = palloc(sizeof(Oid) * Max(1, list_length(rolespecs)));
	ListCell   *lc;

	*n = 0;
	foreach(lc, rolespecs)
	{
		Oid			r = get_rolespec_oid(lfirst(lc), missing_ok);

		if (OidIsValid(r))
			roles[(*n)++] = r;
	}
	return roles;
}

/* Is role one of roles? */
static bool
role_in(Oid role, const Oid *roles, int n)
{
	for (int i = 0; i < n; i++)
		if (roles[i] == role)
			return true;
	return false;
}

/*
 * Apply fn to every project: fn gets the row's id, owner and ACL (NULL if
 * none).  The rows are read as the catalog identity, then fn runs.
 */
typedef void (*project_fn) (int64 id, Oid owner, Acl *acl, void *arg);

static void
for_each_project(project_fn fn, void *arg)
{
	PgmlCatalogSwitch cs;
	MemoryContext caller = CurrentMemoryContext;
	int64	   *ids;
	Oid		   *owners;
	Acl		  **acls;
	uint64		n;

	pgml_catalog_push(&cs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT id, owner::oid, acl FROM pgml.projects ORDER BY id",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pgml.projects");
	n = SPI_processed;
	ids = MemoryContextAlloc(caller, sizeof(int64) * Max(n, 1));
	owners = MemoryContextAlloc(caller, sizeof(Oid) * Max(n, 1));
	acls = MemoryContextAlloc(caller, sizeof(Acl *) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		Datum		d;
		MemoryContext old;

		ids[i] = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		owners[i] = DatumGetObjectId(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
		d = SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &isnull);
		old = MemoryContextSwitchTo(caller);
		acls[i] = isnull ? NULL : DatumGetAclPCopy(d);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	pgml_catalog_pop(&cs);

	for (uint64 i = 0; i < n; i++)
		fn(ids[i], owners[i], acls[i], arg);
}

/* An ACL without the items granted to, or by, any of roles (NULL if empty). */
static Acl *
acl_without(const Acl *acl, const Oid *roles, int n, bool *changed)
{
	const AclItem *items = ACL_DAT(acl);
	int			kept = 0;
	Acl		   *out = make_empty_acl();

	*changed = false;
	for (int i = 0; i < ACL_NUM(acl); i++)
	{
		if (role_in(items[i].ai_grantee, roles, n) || role_in(items[i].ai_grantor, roles, n))
		{
			*changed = true;
			continue;
		}
		out = aclupdate(out, &items[i], ACL_MODECHG_ADD, items[i].ai_grantor, DROP_RESTRICT);
		kept++;
	}
	return kept > 0 ? out : NULL;
}

/* ---- DROP ROLE ---- */

typedef struct DropCheck
{
	const Oid  *roles;
	int			n;
	int			owned[64];		/* per role (first 64): projects owned */
	int			granted[64];	/* grants held */
} DropCheck;

static void
count_dependents(int64 id, Oid owner, Acl *acl, void *arg)
{
	DropCheck  *c = arg;

	for (int r = 0; r < c->n && r < 64; r++)
	{
		if (owner == c->roles[r])
			c->owned[r]++;
		if (acl != NULL)
		{
			const AclItem *items = ACL_DAT(acl);

			for (int i = 0; i < ACL_NUM(acl); i++)
				if (items[i].ai_grantee == c->roles[r])
				{
					c->granted[r]++;
					break;
				}
		}
	}
}

static void
check_drop_roles(DropRoleStmt *stmt)
{
	DropCheck	c;

	memset(&c, 0, sizeof(c));
	c.roles = roles_of(stmt->roles, true, &c.n);
	if (c.n == 0)
		return;
	for_each_project(count_dependents, &c);
	for (int r = 0; r < c.n && r < 64; r++)
		if (c.owned[r] > 0 || c.granted[r] > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("role \"%s\" cannot be dropped because some objects depend on it",
							GetUserNameFromId(c.roles[r], false)),
					 errdetail("owner of %d pgml_worker project(s) and grantee on %d in database %s",
							   c.owned[r], c.granted[r], get_database_name(MyDatabaseId)),
					 errhint("Give the projects away (REASSIGN OWNED or pgml.alter_project_owner()) or drop them (DROP OWNED or pgml.drop_project()).")));
}

/* ---- REASSIGN OWNED ---- */

typedef struct Reassign
{
	const Oid  *roles;
	int			n;
	Oid			newowner;
} Reassign;

static void
reassign_one(int64 id, Oid owner, Acl *acl, void *arg)
{
	Reassign   *ra = arg;

	if (!role_in(owner, ra->roles, ra->n) || owner == ra->newowner)
		return;
	pgml_project_set_owner(id, owner, acl, ra->newowner);
}

/* ---- DROP OWNED ---- */

static void
drop_owned_one(int64 id, Oid owner, Acl *acl, void *arg)
{
	Reassign   *ra = arg;
	Oid			types[2] = {INT8OID, ACLITEMARRAYOID};
	Datum		values[2];
	bool		changed;
	Acl		   *kept;

	values[0] = Int64GetDatum(id);
	if (role_in(owner, ra->roles, ra->n))
	{
		pgml_catalog_exec("DELETE FROM pgml.projects WHERE id = $1", 1, types, values, NULL);
		return;
	}
	if (acl == NULL)
		return;
	kept = acl_without(acl, ra->roles, ra->n, &changed);
	if (!changed)
		return;
	values[1] = PointerGetDatum(kept);
	pgml_catalog_exec("UPDATE pgml.projects SET acl = $2 WHERE id = $1", 2, types, values,
					  kept ? "  " : " n");
}

/* ---- the hook ---- */

static void
pgml_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	bool		ours = (IsA(parsetree, DropRoleStmt) || IsA(parsetree, ReassignOwnedStmt) ||
						IsA(parsetree, DropOwnedStmt)) &&
		IsTransactionState() && pgml_acl_schema_ready();

	if (ours && IsA(parsetree, DropRoleStmt))
		check_drop_roles((DropRoleStmt *) parsetree);

	if (prev_utility)
		prev_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);

	/* PostgreSQL has checked the caller's right to do it to these roles */
	if (ours && IsA(parsetree, ReassignOwnedStmt))
	{
		ReassignOwnedStmt *stmt = (ReassignOwnedStmt *) parsetree;
		Reassign	ra;

		ra.roles = roles_of(stmt->roles, false, &ra.n);
		ra.newowner = get_rolespec_oid(stmt->newrole, false);
		for_each_project(reassign_one, &ra);
	}
	else if (ours && IsA(parsetree, DropOwnedStmt))
	{
		DropOwnedStmt *stmt = (DropOwnedStmt *) parsetree;
		Reassign	ra;

		ra.roles = roles_of(stmt->roles, false, &ra.n);
		ra.newowner = InvalidOid;
		for_each_project(drop_owned_one, &ra);
	}
}

/* _PG_init: install the hook. */
void
pgml_roles_init(void)
{
	prev_utility = ProcessUtility_hook;
	ProcessUtility_hook = pgml_process_utility;
}
