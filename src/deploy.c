/*-------------------------------------------------------------------------
 *
 * deploy.c
 *	  pgml.deploy(): choose which model of a project predict serves.
 *
 * Strategies (as PostgresML's): best_score (the highest key metric, r2 for
 * regression, f1 for classification, silhouette for clustering,
 * cumulative_explained_variance for decomposition, compared as numbers),
 * most_recent,
 * rollback (the model deployed before the current one), optionally limited
 * to one algorithm; or a model by id.  A deploy records a row in
 * pgml.deployments and publishes the model's image when the transaction
 * commits (registry.c), so a rolled-back deploy changes nothing.
 *
 * Deploying needs the privileges of the project's owner, checked on an
 * unlocked read before the project's row is locked, so nobody can stall
 * another role's deploys.  Rows are written as the catalog identity
 * (acl.c), as the training job does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgml_acl.h"
#include "pgml_worker.h"

/* The model a strategy picks: SQL returning (model_id, project_id, project, algorithm). */
static const char *
strategy_query(const char *strategy)
{
	if (strcmp(strategy, "best_score") == 0)
		return "SELECT m.id, p.id, p.name, m.algorithm FROM pgml.projects p "
			"JOIN pgml.models m ON m.project_id = p.id "
			"WHERE p.id = $1 AND ($2::text IS NULL OR m.algorithm = $2) "
			"AND m.status = 'successful' "
			"ORDER BY (m.metrics ->> CASE p.task WHEN 'regression' THEN 'r2' "
			"WHEN 'classification' THEN 'f1' WHEN 'clustering' THEN 'silhouette' "
			"ELSE 'cumulative_explained_variance' END)::float8 "
			"DESC NULLS LAST, m.id DESC LIMIT 1";
	if (strcmp(strategy, "most_recent") == 0)
		return "SELECT m.id, p.id, p.name, m.algorithm FROM pgml.projects p "
			"JOIN pgml.models m ON m.project_id = p.id "
			"WHERE p.id = $1 AND ($2::text IS NULL OR m.algorithm = $2) "
			"AND m.status = 'successful' "
			"ORDER BY m.created_at DESC, m.id DESC LIMIT 1";
	if (strcmp(strategy, "rollback") == 0)
		return "WITH cur AS (SELECT d.model_id, d.id FROM pgml.deployments d "
			"  JOIN pgml.projects p ON p.id = d.project_id WHERE p.id = $1 "
			"  ORDER BY d.id DESC LIMIT 1) "
			"SELECT m.id, p.id, p.name, m.algorithm FROM pgml.deployments d "
			"JOIN pgml.projects p ON p.id = d.project_id "
			"JOIN pgml.models m ON m.id = d.model_id, cur "
			"WHERE p.id = $1 AND d.id < cur.id AND d.model_id <> cur.model_id "
			"AND ($2::text IS NULL OR m.algorithm = $2) "
			"ORDER BY d.id DESC LIMIT 1";
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown deploy strategy \"%s\"", strategy),
			 errhint("Supported strategies are best_score, most_recent and rollback.")));
	return NULL;
}

/* See pgml_worker.h. */
void
pgml_deploy_lock_project(int64 project_id, Oid role)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(project_id)};
	bool		isnull;
	Oid			owner;

	if (SPI_execute_with_args("SELECT owner::oid, name FROM pgml.projects WHERE id = $1 "
							  "FOR NO KEY UPDATE",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("project %lld does not exist", (long long) project_id)));
	/* the owner may have changed while we waited for the lock */
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (!has_privs_of_role(role, owner))
	{
		PgmlProject p;

		p.name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		p.owner = owner;
		pgml_acl_check_owner(&p, role);
	}
}

/*
 * Deploy one model: record the deployment and publish its image at commit.
 * Caller is connected to SPI.  Returns false if it already was deployed.
 */
static bool
deploy_model(int64 model_id, int64 project_id, const char *project,
			 const char *algorithm, const char *strategy)
{
	Oid			argtypes[3] = {INT8OID, INT8OID, TEXTOID};
	Datum		args[3];
	bool		isnull;
	Datum		datum;
	bytea	   *artifact;
	PgmlImageHeader *image;
	Size		size;
	TransactionId xmin;
	int			ret;

	args[0] = Int64GetDatum(project_id);
	ret = SPI_execute_with_args("SELECT model_id FROM pgml.deployments WHERE project_id = $1 "
								"ORDER BY id DESC LIMIT 1", 1, argtypes, args, NULL, false, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1 &&
		DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) == model_id)
		return false;

	args[0] = Int64GetDatum(model_id);
	ret = SPI_execute_with_args("SELECT artifact, xmin FROM pgml.models WHERE id = $1",
								1, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read model %lld", (long long) model_id);
	xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	datum = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	/* NOT NULL, unless a superuser changed the table: no crash then */
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model %lld has no artifact", (long long) model_id)));
	artifact = DatumGetByteaPP(datum);
	/* validate before recording anything */
	image = pgml_image_compile(VARDATA_ANY(artifact), VARSIZE_ANY_EXHDR(artifact), &size);

	args[0] = Int64GetDatum(project_id);
	args[1] = Int64GetDatum(model_id);
	args[2] = CStringGetTextDatum(strategy);
	ret = SPI_execute_with_args("INSERT INTO pgml.deployments (project_id, model_id, strategy) "
								"VALUES ($1, $2, $3)", 3, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not record the deployment");
	pgml_registry_deploy(project, model_id, xmin, algorithm, image, size);
	pfree(image);
	return true;
}

/* Build the (project, strategy, algorithm) result row. */
static Datum
deploy_result(FunctionCallInfo fcinfo, const char *project, const char *strategy,
			  const char *algorithm)
{
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(project);
	values[1] = CStringGetTextDatum(strategy);
	values[2] = CStringGetTextDatum(algorithm);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

/* Common body: run as the pgml owner with a safe search_path. */
static Datum
deploy_common(FunctionCallInfo fcinfo, bool by_id)
{
	PgmlCatalogSwitch cs;
	PgmlProject p;
	char	   *project;
	char	   *strategy;
	char	   *algorithm;
	int64		model_id;
	int64		project_id;
	bool		isnull;
	int			ret;
	Datum		result;
	MemoryContext caller = CurrentMemoryContext;

	pgml_require_preload();
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", by_id ? "model_id" : "project_name")));

	pgml_acl_require_schema();

	/* ownership first, on an unlocked read: no lock for a role that may not deploy */
	if (by_id)
	{
		model_id = PG_GETARG_INT64(0);
		if (!pgml_project_read(NULL, model_id, false, &p))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model %lld does not exist", (long long) model_id)));
	}
	else
	{
		project = text_to_cstring(PG_GETARG_TEXT_PP(0));
		if (!pgml_project_read(project, 0, false, &p))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" does not exist", project)));
	}
	pgml_acl_check_owner(&p, GetUserId());

	pgml_catalog_push(&cs);
	SPI_connect();

	if (by_id)
	{
		Oid			argtypes[1] = {INT8OID};
		Datum		args[1];

		args[0] = Int64GetDatum(model_id);
		ret = SPI_execute_with_args("SELECT m.project_id FROM pgml.models m WHERE m.id = $1",
									1, argtypes, args, NULL, false, 1);
		if (ret != SPI_OK_SELECT || SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model %lld does not exist", (long long) model_id)));
		pgml_deploy_lock_project(DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
															 SPI_tuptable->tupdesc, 1, &isnull)),
								 cs.save_userid);
		ret = SPI_execute_with_args("SELECT m.id, p.id, p.name, m.algorithm FROM pgml.models m "
									"JOIN pgml.projects p ON p.id = m.project_id WHERE m.id = $1",
									1, argtypes, args, NULL, false, 1);
		if (ret != SPI_OK_SELECT || SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model %lld does not exist", (long long) model_id)));
		strategy = "specific";
	}
	else
	{
		Oid			argtypes[2] = {INT8OID, TEXTOID};
		Datum		args[2];
		char		nulls[2] = {' ', ' '};
		const char *choose;

		strategy = PG_ARGISNULL(1) ? "best_score" : text_to_cstring(PG_GETARG_TEXT_PP(1));
		choose = strategy_query(strategy);	/* an unknown strategy errors */

		/*
		 * The project the ownership check read, by id: locked (and checked
		 * again) before its models are chosen, so that no project created
		 * or renamed into this name meanwhile is deployed instead.
		 */
		pgml_deploy_lock_project(p.id, cs.save_userid);
		args[0] = Int64GetDatum(p.id);
		if (PG_ARGISNULL(2))
			nulls[1] = 'n';
		else
			args[1] = PG_GETARG_DATUM(2);
		ret = SPI_execute_with_args(choose, 2, argtypes, args, nulls, false, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not choose a model");
		if (SPI_processed == 0)
		{
			if (strcmp(strategy, "rollback") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("project \"%s\" has no earlier deployment to roll back to", project)));
			if (PG_ARGISNULL(2))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("project \"%s\" has no model", project)));
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" has no model trained with algorithm \"%s\"",
							project, text_to_cstring(PG_GETARG_TEXT_PP(2)))));
		}
	}

	model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	project_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	project = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	algorithm = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);

	if (!deploy_model(model_id, project_id, project, algorithm, strategy))
		ereport(NOTICE,
				(errmsg("model %lld is already deployed for project \"%s\"",
						(long long) model_id, project)));

	/* copy out of SPI memory */
	project = MemoryContextStrdup(caller, project);
	algorithm = MemoryContextStrdup(caller, algorithm);
	strategy = MemoryContextStrdup(caller, strategy);
	SPI_finish();
	pgml_catalog_pop(&cs);

	result = deploy_result(fcinfo, project, strategy, algorithm);
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(pgml_deploy);

/* SQL: pgml.deploy(project_name, strategy, algorithm) */
Datum
pgml_deploy(PG_FUNCTION_ARGS)
{
	return deploy_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(pgml_deploy_by_id);

/* SQL: pgml.deploy(model_id) */
Datum
pgml_deploy_by_id(PG_FUNCTION_ARGS)
{
	return deploy_common(fcinfo, true);
}
