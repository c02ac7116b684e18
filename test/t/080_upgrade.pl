# Upgrades (docs/upgrading.md): a database on the released 0.1.0 schema,
# holding models of every algorithm, is updated by ALTER EXTENSION
# pgml_worker UPDATE.  Every model predicts exactly as before, new features
# work on the updated schema, and the updated schema is the same as a fresh
# install of the new version.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib dirname(__FILE__);
use PgmlTest;
use PgmlUpgrade;

my $node = pgml_node('upgrade', "pgml_worker.nthread = 2\n");
my $current = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'pgml_worker'");
isnt($current, '0.1.0', "the new version is $current");

# Models of every algorithm, trained in a database on the current version.
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION pgml_worker;' . every_algorithm_sql());
my $n_algorithms = $node->safe_psql('fresh', 'SELECT count(DISTINCT algorithm) FROM pgml.models');
is($n_algorithms, '9', 'models of all nine algorithms');

# What every model predicts, by name and by id, on fixed inputs.
my $predictions = predictions_sql();
my $expected = $node->safe_psql('fresh', $predictions);
is(scalar(split /\n/, $expected), 11, 'eleven deployed models predict');

# The same rows in a database on the released schema, as 0.1.0 stored them.
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', q{
CREATE EXTENSION pgml_worker VERSION '0.1.0';
SELECT * FROM pgml.load_dataset('iris');
CREATE TABLE lin AS SELECT g::real AS a, (g % 7)::real AS b, (3 * g + (g % 7) * 2 - 5)::real AS y
  FROM generate_series(1, 300) g;
});
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'pgml_worker'"),
	'0.1.0', 'the old database is on 0.1.0');
for my $t (
	[ 'projects', 'id, name, task, created_at, updated_at' ],
	[ 'models', 'id, project_id, num_features, algorithm, runtime, hyperparams, status, metrics, '
		  . 'search, search_params, search_args, relation_name, y_column_name, test_size, '
		  . 'test_sampling, seed, artifact, timings, created_at, updated_at' ],
	[ 'deployments', 'id, project_id, model_id, strategy, created_at' ])
{
	my ($table, $cols) = @$t;
	my $rows = $node->safe_psql('fresh', "COPY (SELECT $cols FROM pgml.$table ORDER BY id) TO STDOUT");
	my ($rc, $out, $err) = $node->psql('old', "COPY pgml.$table ($cols) FROM STDIN;\n$rows\n\\.\n"
		  . "SELECT setval('pgml.${table}_id_seq', (SELECT max(id) FROM pgml.$table));");
	is($rc, 0, "pgml.$table copied into the 0.1.0 schema") or diag($err);
}
is($node->safe_psql('old', $predictions), $expected,
	'on the 0.1.0 schema, the new library predicts every model as before');
is($node->safe_psql('old', "SELECT count(*), min(loads), sum(predict_calls) > 0 FROM pgml.stat_models"),
	'21|1|t', "and the 0.1.0 schema's stat_models reads the new library's counters");

# Update.
$node->safe_psql('old', 'ALTER EXTENSION pgml_worker UPDATE');
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'pgml_worker'"),
	$current, "updated to $current");
is($node->safe_psql('old', $predictions), $expected, 'after the update, every model predicts identically');
is($node->safe_psql('old', 'SELECT DISTINCT owner FROM pgml.projects'), 'postgres',
	"existing projects belong to the extension's owner");

# The updated schema is the fresh install's.
my $schema = q{
SELECT 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       concat_ws(' | ', pg_get_function_result(p.oid), l.lanname, p.prosrc, p.probin, p.provolatile,
                 p.proparallel, p.prosecdef, p.proisstrict, p.procost, p.prorows, p.prokind,
                 p.proconfig::text, p.proacl::text, obj_description(p.oid, 'pg_proc'))
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'relation', c.relname,
       concat_ws(' | ', c.relkind, c.reloptions::text, c.relacl::text, c.relrowsecurity,
                 c.relforcerowsecurity, obj_description(c.oid, 'pg_class'),
                 CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END)
  FROM pg_class c WHERE c.relnamespace = 'pgml'::regnamespace
   AND c.relname NOT IN ('iris', 'iris_x', 'lin')
UNION ALL
SELECT 'column', c.relname || '.' || a.attname,
       concat_ws(' | ', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                 pg_get_expr(d.adbin, d.adrelid), a.attacl::text, col_description(c.oid, a.attnum))
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'pgml'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
   AND c.relname NOT IN ('iris', 'iris_x', 'lin')
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)
  FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'pgml'::regnamespace)
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
  FROM pg_trigger WHERE NOT tgisinternal
   AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'pgml'::regnamespace)
UNION ALL
SELECT 'policy', tablename || '.' || policyname,
       concat_ws(' | ', permissive, roles::text, cmd, qual, with_check)
  FROM pg_policies WHERE schemaname = 'pgml'
UNION ALL
SELECT 'dumped', c::regclass::text, coalesce(w, '')
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(c, w)
 WHERE e.extname = 'pgml_worker'
UNION ALL
SELECT 'aggregate', aggfnoid::regprocedure::text,
       concat_ws(' | ', aggtransfn::regproc, aggfinalfn::regproc, aggtranstype::regtype, agginitval)
  FROM pg_aggregate WHERE aggfnoid IN (SELECT oid FROM pg_proc WHERE pronamespace = 'pgml'::regnamespace)
ORDER BY 1, 2, 3};
my $fresh_schema = $node->safe_psql('fresh', $schema);
my $updated_schema = $node->safe_psql('old', $schema);
cmp_ok(scalar(split /\n/, $fresh_schema), '>', 200, 'the schema description is not empty');
{
	# report only the lines that differ
	my %fresh = map { $_ => 1 } split /\n/, $fresh_schema;
	my %updated = map { $_ => 1 } split /\n/, $updated_schema;
	my @missing = grep { !$updated{$_} } sort keys %fresh;
	my @extra = grep { !$fresh{$_} } sort keys %updated;
	ok(!@missing && !@extra && $updated_schema eq $fresh_schema,
		'the updated schema is exactly a fresh install of the new version')
	  or diag(join("\n", (map { "only in a fresh install: $_" } @missing),
			(map { "only after the update: $_" } @extra)));
}

# New features work on the updated schema.
$node->safe_psql('old', q{
CREATE ROLE reader LOGIN;
SELECT * FROM pgml.train('r_new', 'regression', 'lin', 'y', 'ridge');
});
is($node->safe_psql('old', "SELECT count(*) FROM pgml.projects",
	extra_params => [ '-U', 'reader' ]), '0', 'an ordinary role sees no project');
my ($rc, $out, $err) = $node->psql('old', "SELECT pgml.predict('r_lin', ARRAY[10, 3])",
	extra_params => [ '-U', 'reader' ]);
like($err, qr/permission denied for project "r_lin"/, 'nor predicts with one');
$node->safe_psql('old', "SELECT pgml.grant_project('r_lin', 'reader')");
is($node->safe_psql('old', "SELECT pgml.predict('r_lin', ARRAY[10, 3])", extra_params => [ '-U', 'reader' ]),
	$node->safe_psql('fresh', "SELECT pgml.predict('r_lin', ARRAY[10, 3])"),
	'until it is granted, then it predicts as before the update');
is($node->safe_psql('old', "SELECT owner FROM pgml.projects WHERE name = 'r_new'"), 'postgres',
	'a new project after the update has its owner');

# A downgrade path does not exist; the library refuses to train on the old schema.
$node->safe_psql('postgres', 'CREATE DATABASE still_old');
$node->safe_psql('still_old', q{CREATE EXTENSION pgml_worker VERSION '0.1.0';
CREATE TABLE lin AS SELECT g::real AS a, (2 * g)::real AS y FROM generate_series(1, 50) g;});
($rc, $out, $err) = $node->psql('still_old', "SELECT * FROM pgml.train('p', 'regression', 'lin', 'y')");
like($err, qr/schema of this database is older than its library.*\n.*ALTER EXTENSION pgml_worker UPDATE/,
	'training on a 0.1.0 schema asks for the update');

done_testing();
