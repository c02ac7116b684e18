/*
 * datasets.c
 *	  pgml.load_dataset(): the toy datasets of scikit-learn as tables in
 *	  schema pgml, with PostgresML's table and column names.
 *
 * The data ships as CSV files installed in SHAREDIR/pgml_worker/ (see
 * data/ and docs/datasets.md).  Each file is exactly what COPY ... (FORMAT
 * csv, HEADER match) reads into its table, so the server's own COPY parser
 * and the column types' input functions do all the parsing, and the header
 * line is checked against the table's column names.
 *
 * A load runs in the caller's transaction, as the extension's owner (the
 * catalog identity of acl.c): only the extension's owner and the roles it
 * grants EXECUTE on pgml.load_dataset may call it, and the table belongs to
 * the extension's owner, readable by PUBLIC (the data is public): DROP
 * TABLE when the table exists, CREATE TABLE, then one prepared INSERT per
 * row through SPI.  An error anywhere rolls all of it back, and the old
 * table with its rows is back.  Only the data file is read without a
 * privilege check: its path is fixed by the extension and its content is
 * public.
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/table.h"
#include "catalog/namespace.h"
#include "commands/copy.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pgml_acl.h"
#include "pgml_worker.h"

/* Directory under SHAREDIR where the Makefile installs the data files. */
#ifndef PGML_DATASET_DIR
#define PGML_DATASET_DIR	"pgml_worker"
#endif

/* One dataset: its name (also table and file name) and its columns. */
typedef struct PgmlDatasetDef
{
	const char *name;
	const char *columns;		/* column list of CREATE TABLE */
} PgmlDatasetDef;

/*
 * The schemas follow PostgresML's pgml.load_dataset() (names, types and
 * column order); docs/datasets.md lists them.  Keep in name order: the
 * error hint lists them in this order.
 */
static const PgmlDatasetDef pgml_datasets[] = {
	{
		"breast_cancer",
		"\"mean radius\" real, \"mean texture\" real, "
		"\"mean perimeter\" real, \"mean area\" real, "
		"\"mean smoothness\" real, \"mean compactness\" real, "
		"\"mean concavity\" real, \"mean concave points\" real, "
		"\"mean symmetry\" real, \"mean fractal dimension\" real, "
		"\"radius error\" real, \"texture error\" real, "
		"\"perimeter error\" real, \"area error\" real, "
		"\"smoothness error\" real, \"compactness error\" real, "
		"\"concavity error\" real, \"concave points error\" real, "
		"\"symmetry error\" real, \"fractal dimension error\" real, "
		"\"worst radius\" real, \"worst texture\" real, "
		"\"worst perimeter\" real, \"worst area\" real, "
		"\"worst smoothness\" real, \"worst compactness\" real, "
		"\"worst concavity\" real, \"worst concave points\" real, "
		"\"worst symmetry\" real, \"worst fractal dimension\" real, "
		"malignant boolean"
	},
	{
		"diabetes",
		"age real, sex real, bmi real, bp real, s1 real, s2 real, "
		"s3 real, s4 real, s5 real, s6 real, target real"
	},
	{
		"digits",
		"image smallint[], target smallint"
	},
	{
		"iris",
		"sepal_length real, sepal_width real, petal_length real, "
		"petal_width real, target integer"
	},
	{
		"linnerud",
		"chins real, situps real, jumps real, "
		"weight real, waist real, pulse real"
	},
	{
		"wine",
		"alcohol real, malic_acid real, ash real, alcalinity_of_ash real, "
		"magnesium real, total_phenols real, flavanoids real, "
		"nonflavanoid_phenols real, proanthocyanins real, hue real, "
		"color_intensity real, \"od280/od315_of_diluted_wines\" real, "
		"proline real, target integer"
	},
};

PG_FUNCTION_INFO_V1(pgml_load_dataset);

/* Find a dataset by name; errors with the list of names if unknown. */
static const PgmlDatasetDef *
LookupDataset(const char *name)
{
	StringInfoData names;

	for (size_t i = 0; i < lengthof(pgml_datasets); i++)
	{
		if (strcmp(pgml_datasets[i].name, name) == 0)
			return &pgml_datasets[i];
	}

	initStringInfo(&names);
	for (size_t i = 0; i < lengthof(pgml_datasets); i++)
		appendStringInfo(&names, "%s%s", i > 0 ? ", " : "",
						 pgml_datasets[i].name);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown dataset \"%s\"", name),
			 errhint("Available datasets: %s.", names.data)));
	return NULL;				/* keep compiler quiet */
}

/* Full path of the installed data file of a dataset; errors if missing. */
static char *
DatasetPath(const PgmlDatasetDef *def)
{
	char		sharedir[MAXPGPATH];
	char	   *path;
	struct stat st;

	get_share_path(my_exec_path, sharedir);
	path = psprintf("%s/%s/%s.csv", sharedir, PGML_DATASET_DIR, def->name);

	if (stat(path, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not find data file \"%s\" of dataset \"%s\": %m",
						path, def->name),
				 errhint("The data files are installed by \"make install\" of pgml_worker.")));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("data file \"%s\" of dataset \"%s\" is not a regular file",
						path, def->name)));
	return path;
}

/* Run one utility statement through SPI; errors unless it succeeded. */
static void
ExecUtility(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute failed: %s: %s",
			 SPI_result_code_string(rc), sql);
}

/* Prepare "INSERT INTO rel VALUES ($1, ...)" typed like rel's columns. */
static SPIPlanPtr
PrepareInsert(Relation rel, const char *qualname)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			natts = tupdesc->natts;
	Oid		   *argtypes = palloc(natts * sizeof(Oid));
	StringInfoData sql;
	SPIPlanPtr	plan;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s VALUES (", qualname);
	for (int i = 0; i < natts; i++)
	{
		argtypes[i] = TupleDescAttr(tupdesc, i)->atttypid;
		appendStringInfo(&sql, "%s$%d", i > 0 ? ", " : "", i + 1);
	}
	appendStringInfoChar(&sql, ')');

	plan = SPI_prepare(sql.data, natts, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s: %s",
			 SPI_result_code_string(SPI_result), sql.data);
	return plan;
}

/*
 * Read the CSV file at path into rel (which has no rows yet), at most limit
 * rows (-1: all).  Returns the number of rows inserted.
 */
static int64
FillTable(Relation rel, const char *qualname, const char *path, int64 limit)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			natts = tupdesc->natts;
	Datum	   *values = palloc(natts * sizeof(Datum));
	bool	   *isnull = palloc(natts * sizeof(bool));
	char	   *nulls = palloc(natts * sizeof(char));
	SPIPlanPtr	plan = PrepareInsert(rel, qualname);
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	CopyFromState cstate;
	ErrorContextCallback errcallback;
	List	   *options;
	int64		nrows = 0;

	options = list_make2(makeDefElem("format", (Node *) makeString("csv"), -1),
						 makeDefElem("header", (Node *) makeString("match"), -1));
	cstate = BeginCopyFrom(NULL, rel, NULL, path, false, NULL, NIL, options);

	/* Report the file line of a bad value, as COPY does. */
	errcallback.callback = CopyFromErrorCallback;
	errcallback.arg = (void *) cstate;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "pgml_load_dataset row",
								   ALLOCSET_DEFAULT_SIZES);
	while (limit < 0 || nrows < limit)
	{
		bool		found;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(rowcxt);
		oldcxt = MemoryContextSwitchTo(rowcxt);
		found = NextCopyFrom(cstate, NULL, values, isnull);
		MemoryContextSwitchTo(oldcxt);
		if (!found)
			break;

		for (int i = 0; i < natts; i++)
			nulls[i] = isnull[i] ? 'n' : ' ';
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "SPI_execute_plan failed: %s",
				 SPI_result_code_string(rc));
		nrows++;
	}

	error_context_stack = errcallback.previous;
	EndCopyFrom(cstate);
	MemoryContextDelete(rowcxt);
	SPI_freeplan(plan);
	return nrows;
}

/*
 * pgml.load_dataset(source text, "limit" bigint DEFAULT NULL)
 *		RETURNS TABLE(table_name text, rows bigint)
 *
 * Drops and recreates pgml.<source> and fills it from the installed data
 * file (at most limit rows).  Returns the table's name and its row count.
 */
Datum
pgml_load_dataset(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const PgmlDatasetDef *def;
	char	   *name;
	char	   *qualname;
	char	   *path;
	int64		limit = -1;
	int64		nrows;
	Oid			namespace;
	Oid			relid;
	Relation	rel;
	PgmlCatalogSwitch cs;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	/* PostgresML's signature (source, subset, limit, kwargs); 0.1.0's (source, limit) */
	int			limit_arg = PG_NARGS() == 4 ? 2 : 1;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dataset name must not be null")));
	if (PG_NARGS() == 4 && !PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dataset \"%s\" has no subset \"%s\"",
						text_to_cstring(PG_GETARG_TEXT_PP(0)), text_to_cstring(PG_GETARG_TEXT_PP(1))),
				 errhint("The toy datasets have no subsets: pass subset => NULL.")));
	if (PG_NARGS() == 4 && !PG_ARGISNULL(3) &&
		JsonContainerSize(&PG_GETARG_JSONB_P(3)->root) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the toy datasets take no kwargs"),
				 errhint("Pass kwargs => '{}'.")));
	if (!PG_ARGISNULL(limit_arg))
	{
		limit = PG_GETARG_INT64(limit_arg);
		if (limit < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("limit must not be negative"),
					 errdetail("The limit given was " INT64_FORMAT ".", limit)));
	}

	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	def = LookupDataset(name);
	path = DatasetPath(def);
	qualname = psprintf("pgml.%s", quote_identifier(def->name));

	namespace = get_namespace_oid("pgml", false);

	InitMaterializedSRF(fcinfo, 0);

	/*
	 * The table belongs to the extension's owner, whoever calls: EXECUTE on
	 * this function is what the DBA grants (docs/security.md), never CREATE
	 * on schema pgml, which would let the grantee plant functions there.
	 */
	pgml_catalog_push(&cs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * A re-load empties the table and fills it again, so that views on it
	 * stay; the first load creates it.
	 */
	if (OidIsValid(get_relname_relid(def->name, namespace)))
		ExecUtility(psprintf("TRUNCATE %s", qualname));
	else
	{
		ExecUtility(psprintf("CREATE TABLE %s (%s)", qualname, def->columns));
		ExecUtility(psprintf("GRANT SELECT ON %s TO PUBLIC", qualname));
	}

	/* CREATE TABLE and TRUNCATE hold AccessExclusiveLock on the table. */
	relid = get_relname_relid(def->name, namespace);
	if (!OidIsValid(relid))
		elog(ERROR, "table %s vanished after its creation", qualname);
	rel = table_open(relid, RowExclusiveLock);
	nrows = FillTable(rel, qualname, path, limit);
	table_close(rel, NoLock);

	SPI_finish();
	pgml_catalog_pop(&cs);

	values[0] = CStringGetTextDatum(qualname);
	values[1] = Int64GetDatum(nrows);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
