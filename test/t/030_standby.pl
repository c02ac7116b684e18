# Read replicas: models arrive as pgml.models rows through streaming
# replication; a standby's backends compile them into shared memory once,
# predict exactly as the primary does, and see a redeploy made on the
# primary at their next query.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $conf = qq{
shared_preload_libraries = 'pgml_worker'
};
my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', $conf);
$primary->start;
$primary->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
SELECT * FROM pgml.train('digits', 'classification', 'pgml.digits', 'target', 'xgboost',
                         '{"n_estimators": 10}');
CREATE TABLE lin AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 100) g;
CREATE TABLE lin2 AS SELECT a, y + 100 AS y FROM lin;
SELECT * FROM pgml.train('lin', 'regression', 'lin', 'y');
});

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM pgml.stat_worker WHERE pid IS NOT NULL'),
	'0', 'no launcher nor worker runs on the standby');

my $q = "SELECT string_agg(pgml.predict('digits', image)::text, ',' ORDER BY ctid) FROM pgml.digits";
my $on_primary = $primary->safe_psql('postgres', $q);
is($standby->safe_psql('postgres', $q), $on_primary,
	'the standby predicts every row exactly as the primary');

# several fresh connections: compiled once
$standby->safe_psql('postgres', "SELECT pgml.predict('digits', image) FROM pgml.digits LIMIT 1") for 1 .. 5;
is($standby->safe_psql('postgres', "SELECT loads FROM pgml.stat_models WHERE project = 'digits'"),
	'1', 'the standby compiled the model once for all its connections');

# a redeploy on the primary reaches an open standby connection
my $bg = $standby->background_psql('postgres');
is($bg->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'30.00', 'an open standby connection serves the first model');
$primary->safe_psql('postgres', "SELECT * FROM pgml.train('lin', 'regression', 'lin2', 'y')");
$primary->wait_for_catchup($standby);
is($bg->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'130.00', 'and the redeployed one at its next query');
$bg->quit;
is($standby->safe_psql('postgres', "SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'130.00', 'as does a new standby connection');

# training is refused on a standby, with a clear error
my ($ret, $out, $err) = $standby->psql('postgres',
	"SELECT * FROM pgml.train('x', 'regression', 'lin', 'y')");
isnt($ret, 0, 'pgml.train fails on a standby');
like($err, qr/read-only transaction/, 'because the standby is read-only');

# a model row that changes but keeps its id (its artifact replaced by hand)
# is noticed, in an open session and in new ones
my $open = $standby->background_psql('postgres');
is($open->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'130.00', 'an open standby session serves the deployed model');
$primary->safe_psql('postgres', q{
UPDATE pgml.models SET artifact = (SELECT artifact FROM pgml.models m
                                    JOIN pgml.projects p ON p.id = m.project_id
                                   WHERE p.name = 'lin' ORDER BY m.id LIMIT 1)
 WHERE id = (SELECT id FROM pgml.deployed_models WHERE name = 'lin');
});
$primary->wait_for_catchup($standby);
is($primary->safe_psql('postgres', "SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'30.00', 'the primary serves the replaced artifact');
is($open->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'30.00', 'so does the open standby session, at its next statement');
is($standby->safe_psql('postgres', "SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'30.00', 'and a new standby session');
my $lin_id = $primary->safe_psql('postgres', "SELECT id FROM pgml.deployed_models WHERE name = 'lin'");
is($open->query_safe("SELECT round(pgml.predict($lin_id, ARRAY[10]::real[])::numeric, 2)"),
	'30.00', 'by model id too');

# the extension dropped and created again: the same ids name new models
$primary->safe_psql('postgres', q{
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
CREATE TABLE lin3 AS SELECT a, y + 1000 AS y FROM lin;
SELECT * FROM pgml.train('digits', 'regression', 'lin3', 'y');
SELECT * FROM pgml.train('other', 'regression', 'lin', 'y');
SELECT * FROM pgml.train('lin', 'regression', 'lin3', 'y');
});
$primary->wait_for_catchup($standby);
is($open->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'1030.00', 'after the extension is re-created, the open standby session serves the new model');
is($open->query_safe("SELECT round(pgml.predict($lin_id, ARRAY[10]::real[])::numeric, 2)"),
	$primary->safe_psql('postgres', "SELECT round(pgml.predict($lin_id, ARRAY[10]::real[])::numeric, 2)"),
	'and the model now holding the same id, as the primary does');
is($primary->safe_psql('postgres', "SELECT id FROM pgml.deployed_models WHERE name = 'lin'"), $lin_id,
	'(which is the new lin model)');
$open->quit;

# privileges replicate too: a grant or revoke on the primary reaches an
# open standby session at its next statement (no cache on a standby)
$primary->safe_psql('postgres', 'CREATE ROLE reader LOGIN; GRANT SELECT ON lin TO reader');
$primary->wait_for_catchup($standby);
my $reader = $standby->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'reader' ]);
$reader->query("SELECT pgml.predict('lin', ARRAY[10]::real[])");
like($reader->{stderr}, qr/permission denied for project "lin"/,
	'on the standby, a role without a grant cannot predict');
$reader->{stderr} = '';
$primary->safe_psql('postgres', "SELECT pgml.grant_project('lin', 'reader')");
$primary->wait_for_catchup($standby);
is($reader->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'1030.00', 'the grant reaches the open standby session');
$primary->safe_psql('postgres', "SELECT pgml.revoke_project('lin', 'reader')");
$primary->wait_for_catchup($standby);
$reader->query("SELECT pgml.predict('lin', ARRAY[10]::real[])");
like($reader->{stderr}, qr/permission denied for project "lin"/, 'and so does the revoke');
$reader->{stderr} = '';

# a project renamed or dropped on the primary: no commit callback drops the
# standby's images, and a project that does not exist is nobody's to refuse,
# so the images of the old name and of the dropped models must not be served
$reader->query_safe('\\set VERBOSITY verbose');
my $lin_model = $primary->safe_psql('postgres', "SELECT id FROM pgml.deployed_models WHERE name = 'lin'");
$standby->safe_psql('postgres', "SELECT pgml.predict('lin', ARRAY[10]::real[]), pgml.predict($lin_model, ARRAY[10]::real[])");
$primary->safe_psql('postgres', "SELECT pgml.rename_project('lin', 'lin_renamed')");
$primary->wait_for_catchup($standby);
$reader->query("SELECT pgml.predict('lin', ARRAY[10]::real[])");
like($reader->{stderr}, qr/42704: project "lin" does not exist/,
	"the standby's image of a renamed project is not served under its old name");
$reader->{stderr} = '';
$primary->safe_psql('postgres', "SELECT pgml.drop_project('lin_renamed')");
$primary->wait_for_catchup($standby);
$reader->query("SELECT pgml.predict($lin_model, ARRAY[10]::real[])");
like($reader->{stderr}, qr/42704: model $lin_model does not exist/,
	"nor the standby's image of a dropped model");
$reader->quit;

$standby->stop;
$primary->stop;
done_testing();
