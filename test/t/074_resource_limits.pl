# Resource limits: what pgml_worker does when the server runs out of
# dynamic shared memory segments, and the size guards no real table can
# reach, exercised through test/unit/limits_harness.c (built here).
#
# Every DSM slot of the server taken by another session:
#   - pgml.deploy still commits the deployment; it warns that the model is
#     not published in shared memory (registry.c), and the project's old
#     image is not served any more;
#   - pgml.predict fails with 53000 (insufficient resources), and the
#     session goes on;
#   - once the slots are free, the same predict loads the new model and
#     predicts what it predicted before.
# The size guards: pgml_train_alloc, the layout of the data shared with the
# trainer process and the artifact packer refuse sizes past PostgreSQL's
# allocation limits with 54000, and the session goes on.
# Catalog damage: a superuser drops NOT NULL from pgml.models.artifact and
# nulls two artifacts: deploy, predict and predict_native fail with XX001
# (deploy crashed the server before 0.2.0), and nothing is recorded.
# A superuser renames pgml.models: predict and deploy fail with 42P01
# naming it; renamed back, predict works.
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $top = dirname(__FILE__) . '/../..';
my $pg_config = $ENV{PG_CONFIG} // 'pg_config';

# build the harness where the server can read it
my $dir = PostgreSQL::Test::Utils::tempdir();
chmod 0755, $dir;
my $incdir = `$pg_config --includedir-server`;
chomp $incdir;
my ($out, $err) = ('', '');
IPC::Run::run(
	[
		'gcc', '-std=gnu11', '-Wall', '-Wextra', '-Wno-unused-parameter',
		'-Wno-missing-field-initializers', '-Werror', '-O1', '-fPIC', '-shared',
		'-I', "$top/include", '-I', $incdir,
		"$top/test/unit/limits_harness.c", '-o', "$dir/limits_harness.so"
	],
	'>', \$out, '2>', \$err) or BAIL_OUT("cannot build limits_harness.c: $err");
chmod 0755, "$dir/limits_harness.so";

my $node = pgml_node('limits');
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
CREATE TABLE lim (x1 real, x2 real, y real);
INSERT INTO lim SELECT i % 7, i % 11, 2 * (i % 7) - (i % 11) + (i % 3) FROM generate_series(1, 200) i;
});
# the harness's functions, in a schema of their own
$node->safe_psql('postgres', qq{
LOAD 'pgml_train';
CREATE SCHEMA limits;
CREATE FUNCTION limits.take_dsm() RETURNS int LANGUAGE c AS '$dir/limits_harness.so', 'limits_take_dsm';
CREATE FUNCTION limits.give_dsm() RETURNS int LANGUAGE c AS '$dir/limits_harness.so', 'limits_give_dsm';
CREATE FUNCTION limits.train_alloc(int8, int8) RETURNS void LANGUAGE c AS '$dir/limits_harness.so', 'limits_train_alloc';
CREATE FUNCTION limits.trainer_data(int8, int, int) RETURNS void LANGUAGE c AS '$dir/limits_harness.so', 'limits_trainer_data';
CREATE FUNCTION limits.pack_classes(int) RETURNS void LANGUAGE c AS '$dir/limits_harness.so', 'limits_pack_classes';
CREATE FUNCTION limits.preprocess_missing() RETURNS void LANGUAGE c AS '$dir/limits_harness.so', 'limits_preprocess_missing';
});

# two models of one project: linear (deployed at first) and ridge
$node->safe_psql('postgres', q{
SELECT * FROM pgml.train('lim', 'regression', 'lim', 'y', 'linear');
SELECT * FROM pgml.train('lim', 'regression', 'lim', 'y', 'ridge', '{"alpha": 1000}', automatic_deploy => false);
});
my ($linear, $ridge) = split /\n/, $node->safe_psql('postgres',
	"SELECT id FROM pgml.models ORDER BY id");
$node->safe_psql('postgres', "SELECT * FROM pgml.deploy($linear)");
my $predict = "SELECT round(pgml.predict('lim', ARRAY[3, 4]::real[])::numeric, 4)";
my $with_linear = $node->safe_psql('postgres', $predict);
isnt($with_linear, '', 'the linear model predicts');
my $direct = $node->safe_psql('postgres', "SELECT round(pgml.predict($ridge, ARRAY[3, 4]::real[])::numeric, 4)");
isnt($direct, $with_linear, 'the ridge model predicts otherwise');

# a restart empties the registry: no image is left to evict for a slot
$node->restart;

# --- every DSM slot taken by another session ---
my $holder = $node->background_psql('postgres');
$holder->query_safe("LOAD 'pgml_train'");
my $n = $holder->query_safe('SELECT limits.take_dsm()');
cmp_ok($n, '>', 0, "a session takes the server's $n free DSM slots");

my ($rc, $stdout, $stderr) = $node->psql('postgres',
	"SELECT * FROM pgml.deploy($ridge)", extra_params => [ '-v', 'VERBOSITY=verbose' ]);
is($rc, 0, 'deploy commits without a DSM slot');
like($stderr,
	qr/WARNING:  53000: model $ridge of project "lim" is deployed but not published in shared memory/,
	'deploy warns that the model is not published');
is($node->safe_psql('postgres',
	"SELECT id FROM pgml.deployed_models WHERE name = 'lim'"),
	$ridge, 'the ridge model is the deployed one');

my $session = $node->background_psql('postgres', on_error_stop => 0);
$session->query_safe('\set VERBOSITY verbose');
my $res = $session->query($predict);
like($session->{stderr},
	qr/ERROR:  53000: no dynamic shared memory segment is free to load the model of project "lim"/,
	'predict fails with 53000 while no slot is free');
$session->{stderr} = '';
is($session->query_safe('SELECT 1'), '1', 'the session goes on after the error');

is($holder->query_safe('SELECT limits.give_dsm()'), $n, 'the slots are given back');
$holder->quit;

my $with_ridge = $session->query_safe($predict);
isnt($with_ridge, $with_linear, 'the same session then predicts with the new model');
$session->quit;
is($node->safe_psql('postgres', $predict), $with_ridge,
	'another session predicts the same');
is($with_ridge, $direct, 'which is the ridge model\'s prediction');

# --- size guards past PostgreSQL's allocation limits ---
sub fails_with
{
	my ($sql, $state, $re, $name) = @_;
	my ($rc, $o, $e) = $node->psql('postgres', "LOAD 'pgml_train'; $sql",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	note($e);
	isnt($rc, 0, "$name fails");
	like($e, qr/ERROR:  $state: $re/, "$name: $state and its message");
}
fails_with('SELECT limits.train_alloc(4611686018427387904, 16)', '54000',
	qr/training data is too large/, 'working memory of 2^66 bytes');
fails_with('SELECT limits.trainer_data(4611686018427387904, 16, 1)', '54000',
	qr/training data is too large/, 'shared training data of 2^62 rows');
fails_with('SELECT limits.pack_classes(200000000)', '54000',
	qr/model artifact is too large\nDETAIL:  Array "classes" has 200000000 elements/,
	'an artifact of 200 million classes');
fails_with('SELECT limits.preprocess_missing()', '22004',
	qr/column "reading" has a missing value/,
	'preprocessing a missing value without an imputation rule');
is($node->safe_psql('postgres', "LOAD 'pgml_train'; SELECT limits.train_alloc(1000, 8)"), '',
	'a size within the limits is allocated');
is($node->safe_psql('postgres', $predict), $with_ridge, 'the server still predicts');

# --- catalog damage: a superuser drops NOT NULL and nulls an artifact ---
$node->safe_psql('postgres', q{
SELECT * FROM pgml.train('limx', 'regression', 'lim', 'y', 'xgboost', '{"n_estimators": 3}');
});
my $xgb = $node->safe_psql('postgres', "SELECT max(id) FROM pgml.models");
my $x_predict = "SELECT round(pgml.predict($xgb, ARRAY[3, 4]::real[])::numeric, 4)";
$node->safe_psql('postgres', qq{
CREATE TABLE saved AS SELECT id, artifact FROM pgml.models WHERE id IN ($xgb, $linear);
ALTER TABLE pgml.models ALTER COLUMN artifact DROP NOT NULL;
UPDATE pgml.models SET artifact = NULL WHERE id IN ($xgb, $linear);
});
fails_with("SELECT * FROM pgml.deploy($linear)", 'XX001',
	qr/model $linear has no artifact/, 'deploying a model without its artifact');
fails_with($x_predict, 'XX001',
	qr/model $xgb has no artifact/, 'predicting with a model without its artifact');
fails_with("SELECT pgml.predict_native($xgb, ARRAY[3, 4]::real[])", 'XX001',
	qr/model $xgb has no artifact/, 'the native predictor of a model without its artifact');
$node->safe_psql('postgres', qq{
UPDATE pgml.models m SET artifact = s.artifact FROM saved s WHERE m.id = s.id;
ALTER TABLE pgml.models ALTER COLUMN artifact SET NOT NULL;
});
isnt($node->safe_psql('postgres', $x_predict), '', 'with its artifact back the model predicts');
is($node->safe_psql('postgres', "SELECT id FROM pgml.deployed_models WHERE name = 'lim'"),
	$ridge, 'the failed deploy recorded nothing');

# --- a superuser renames pgml.models ---
$node->safe_psql('postgres', 'ALTER TABLE pgml.models RENAME TO models_elsewhere');
fails_with($predict, '42P01', qr/table pgml.models does not exist/,
	'predicting without pgml.models');
fails_with("SELECT * FROM pgml.deploy($linear)", '42P01', qr/table pgml.models does not exist/,
	'deploying without pgml.models');
$node->safe_psql('postgres', 'ALTER TABLE pgml.models_elsewhere RENAME TO models');
is($node->safe_psql('postgres', $predict), $with_ridge, 'renamed back, the project predicts');

$node->stop;
done_testing();
