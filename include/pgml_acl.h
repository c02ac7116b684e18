/*
 * pgml_acl.h
 *	  Who may do what with a project (docs/security.md), and the identity
 *	  under which the extension's C code reads and writes its own tables.
 *
 *	  A project has an owner (pgml.projects.owner) and an ACL
 *	  (pgml.projects.acl, aclitem[] holding USAGE grants, PUBLIC included).
 *	  - Managing a project (train into it, deploy, roll back, rename, drop,
 *	    grant, transfer) needs the privileges of the owner role
 *	    (has_privs_of_role, as PostgreSQL's ownership checks), or superuser.
 *	  - Using it (every predict form, decompose, export, its rows in the
 *	    tables and views) needs the owner's privileges or a USAGE grant.
 *
 *	  The use check of a call site is cached per backend and keyed by the
 *	  current user; the cache is dropped when a transaction that changed a
 *	  project's owner, ACL or name, or dropped one, commits anywhere (a
 *	  shared epoch), and when role memberships change (syscache callback).
 *	  So a REVOKE takes effect at the next statement of every session, and a
 *	  row never costs a check.
 *
 *	  Catalog identity: the SQL the C code runs on pgml.* runs as the owner
 *	  of pgml.models (the extension's owner) with search_path pg_catalog,
 *	  pg_temp, whatever the caller's settings: no user object can be called
 *	  by it, and row-level security does not hide rows from it.
 */
#ifndef PGML_ACL_H
#define PGML_ACL_H

#include "postgres.h"
#include "utils/acl.h"
#include "utils/snapshot.h"

/* Saved state of a switch to the catalog identity. */
typedef struct PgmlCatalogSwitch
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} PgmlCatalogSwitch;

/* The owner of pgml.models: the identity that reads and writes pgml.*. */
extern Oid	pgml_catalog_owner(void);

/* Become the catalog identity, with a safe search_path, until pgml_catalog_pop. */
extern void pgml_catalog_push(PgmlCatalogSwitch *cs);
extern void pgml_catalog_pop(const PgmlCatalogSwitch *cs);

/*
 * Pin search_path to pg_catalog, pg_temp for the current transaction's
 * remaining life (the training worker's session).
 */
extern void pgml_pin_search_path(void);

/*
 * A snapshot of the latest committed state, for reading pgml.* as PostgreSQL
 * reads its catalogs, whatever the caller's snapshot: push it with
 * PushActiveSnapshot.  Also in parallel mode, where GetLatestSnapshot() is
 * refused: what a read decides (a privilege, the image published for every
 * session) must never come from an old REPEATABLE READ or statement
 * snapshot.
 */
extern Snapshot pgml_latest_snapshot(void);

/* A project's identity and privileges, as pgml.projects stores them. */
typedef struct PgmlProject
{
	int64		id;
	char	   *name;
	char	   *task;
	Oid			owner;
	Acl		   *acl;			/* NULL: no grants */
} PgmlProject;

/*
 * Has pgml.projects the owner and acl columns?  False only between
 * installing a new library and ALTER EXTENSION pgml_worker UPDATE from
 * 0.1.0: predictions then keep working as they did, management errors.
 */
extern bool pgml_acl_schema_ready(void);

/*
 * Read a project by name (model_id 0) or by one of its models; false if it
 * does not exist.  No lock is taken; lock_row takes FOR UPDATE on the row.
 * Reads the latest committed state (own changes included).
 */
extern bool pgml_project_read(const char *name, int64 model_id, bool lock_row,
							  PgmlProject *out);

/* May role use (predict with, export, read) the project? */
extern bool pgml_acl_may_use(const PgmlProject *p, Oid role);

/* Error 42501 unless role has the privileges of the project's owner. */
extern void pgml_acl_check_owner(const PgmlProject *p, Oid role);

/*
 * Error 42501 unless the current user may use the project named (or the
 * project of model_id, when project is NULL).  Cached: see above.  A
 * project that does not exist passes, and false is returned: the caller
 * reports that, and must not serve anything under that key (a standby's
 * image of a project dropped or renamed on the primary, say).
 */
extern bool pgml_acl_check_use(const char *project, int64 model_id);

/*
 * Run one statement on pgml.* as the catalog identity (its own SPI
 * connection); nulls as SPI_execute_with_args takes them, or NULL.
 */
extern void pgml_catalog_exec(const char *sql, int nargs, Oid *argtypes, Datum *args,
							  const char *nulls);

/* Give project id (owned by owner, with acl, maybe NULL) to newowner; grants move with it. */
extern void pgml_project_set_owner(int64 id, Oid owner, Acl *acl, Oid newowner);

/*
 * The qualified name of the relation name designates under the current
 * search_path (the one place a user's name is resolved); NULL if there is
 * none and missing_ok.
 */
extern char *pgml_qualified_relation(const char *name, bool missing_ok);

/* Error 55000 unless the schema has been updated (pgml_acl_schema_ready). */
extern void pgml_acl_require_schema(void);

#endif							/* PGML_ACL_H */
