# Logical backups (docs/operations.md): pg_dump in plain and custom formats,
# and pg_dumpall into a new cluster, keep projects (owners and grants),
# models, deployments, the queue's history and the sequence positions.
# After a restore every deployed model predicts exactly as before, with no
# retraining, no restored job runs again, and new models get new ids.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib dirname(__FILE__);
use PgmlTest;

my $node = pgml_node('dump', "pgml_worker.nthread = 2\npgml_worker.naptime = 1\n");
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
CREATE ROLE alice LOGIN;
CREATE ROLE reader LOGIN;
SELECT * FROM pgml.load_dataset('iris');
CREATE TABLE lin AS SELECT g::real AS a, (g % 5)::real AS b, (3 * g + (g % 5))::real AS y
  FROM generate_series(1, 200) g;
GRANT SELECT ON lin TO PUBLIC;
CREATE TABLE bad AS SELECT g::real AS a, 'x'::text AS y FROM generate_series(1, 20) g;
SELECT * FROM pgml.train('iris', 'classification', 'pgml.iris', 'target', 'xgboost', '{"n_estimators": 10}');
SELECT * FROM pgml.train('lin', 'regression', 'lin', 'y', 'linear');
SELECT * FROM pgml.train('lin', 'regression', 'lin', 'y', 'ridge', '{"alpha": 100}', automatic_deploy => false);
SET ROLE alice;
SELECT * FROM pgml.train('alice_p', 'regression', 'public.lin', 'y', 'xgboost', '{"n_estimators": 5}');
SELECT pgml.grant_project('alice_p', 'reader');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_q', 'regression', 'public.lin', 'y');
RESET ROLE;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('bad', 'regression', 'bad', 'y');
});
ok($node->poll_query_until('postgres',
	"SELECT string_agg(status, ',' ORDER BY id) FROM pgml.train_queue", 'succeeded,failed'),
	'one queued job succeeded, one failed');
# a cancelled job too
$node->safe_psql('postgres', q{
BEGIN;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('cancelled', 'regression', 'lin', 'y') RETURNING id \gset
SELECT pgml.cancel_job(:id);
COMMIT;
});

my $predictions = q{
SELECT p.name, m.id, p.owner, p.acl,
       CASE WHEN p.task = 'classification'
            THEN pgml.predict(p.name, ARRAY[5.1, 3.5, 1.4, 0.2])::text || ' ' ||
                 pgml.predict_proba(m.id, ARRAY[6.7, 3.0, 5.2, 2.3])::text
            ELSE pgml.predict(p.name, ARRAY[10, 3])::text || ' ' || pgml.predict(m.id, ARRAY[77.5, 1])::text
       END
  FROM pgml.projects p JOIN pgml.deployed_models m ON m.name = p.name ORDER BY p.name};
my $state = q{
SELECT (SELECT count(*) FROM pgml.projects), (SELECT count(*) FROM pgml.models),
       (SELECT count(*) FROM pgml.deployments),
       (SELECT string_agg(id || ':' || project_name || ':' || status || ':' || queued_by, ',' ORDER BY id)
          FROM pgml.train_queue),
       (SELECT last_value FROM pgml.models_id_seq), (SELECT last_value FROM pgml.projects_id_seq),
       (SELECT last_value FROM pgml.deployments_id_seq), (SELECT last_value FROM pgml.train_queue_id_seq),
       (SELECT md5(string_agg(artifact::text, ',' ORDER BY id)) FROM pgml.models)};
my $want_pred = $node->safe_psql('postgres', $predictions);
my $want_state = $node->safe_psql('postgres', $state);
is(scalar(split /\n/, $want_pred), 4, 'four projects predict before the dump');
like($want_state, qr/succeeded.*failed.*cancelled/, 'the queue has a history');

my $dir = PostgreSQL::Test::Utils::tempdir;
my $connstr = $node->connstr('postgres');

# check a restored database
sub check_restored
{
	my ($n, $db, $what) = @_;
	is($n->safe_psql($db, $state), $want_state,
		"$what: projects, models, deployments, the queue and the sequences are back");
	is($n->safe_psql($db, $predictions), $want_pred,
		"$what: every deployed model predicts exactly as before");
	is($n->safe_psql($db, 'SELECT count(*) FROM pgml.train_queue WHERE status IN (\'queued\', \'running\')'),
		'0', "$what: no restored job is waiting to run");
	is($n->safe_psql($db, "SELECT pgml.predict('alice_p', ARRAY[10, 3])", extra_params => [ '-U', 'reader' ]),
		$n->safe_psql($db, "SELECT pgml.predict('alice_p', ARRAY[10, 3])"),
		"$what: grants are restored");
	my ($rc, $out, $err) = $n->psql($db, "SELECT pgml.predict('iris', ARRAY[5.1, 3.5, 1.4, 0.2])",
		extra_params => [ '-U', 'reader' ]);
	like($err, qr/permission denied for project "iris"/, "$what: and only the grants");
	$n->safe_psql($db, "SELECT * FROM pgml.train('lin', 'regression', 'lin', 'y', 'lasso')");
	is($n->safe_psql($db, "SELECT max(id) > (SELECT max(id) FROM pgml.deployments) - 100 AND count(*) = count(DISTINCT id) FROM pgml.models"),
		't', "$what: a new model gets a new id");
}

# plain format
command_ok([ 'pg_dump', '-Fp', '-f', "$dir/plain.sql", '-d', $connstr ], 'pg_dump -Fp');
$node->safe_psql('postgres', 'CREATE DATABASE r_plain');
command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', "$dir/plain.sql", '-d', $node->connstr('r_plain') ],
	'restore the plain dump with psql');
check_restored($node, 'r_plain', 'plain');

# custom format
command_ok([ 'pg_dump', '-Fc', '-f', "$dir/custom.dump", '-d', $connstr ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE r_custom');
command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('r_custom'), "$dir/custom.dump" ],
	'pg_restore');
check_restored($node, 'r_custom', 'custom');

# pg_dumpall into a new cluster, whose launcher looks at every database:
# nothing restored runs again
command_ok([ 'pg_dumpall', '-f', "$dir/all.sql", '-d', $node->connstr('postgres') ], 'pg_dumpall');
my $new = pgml_node('dump_new', "pgml_worker.nthread = 2\npgml_worker.naptime = 1\n");
$new->safe_psql('postgres', 'DROP EXTENSION IF EXISTS pgml_worker');
command_ok([ 'psql', '-X', '-q', '-f', "$dir/all.sql", '-d', $new->connstr('postgres') ],
	'restore pg_dumpall into a new cluster');
# a restart: the launcher starts a worker in every database, which looks
# at the queue of the restored one
$new->restart;
ok($new->poll_query_until('postgres', "SELECT state FROM pgml.stat_worker WHERE kind = 'launcher'", 'running'),
	'the new cluster\'s launcher is up');
# its workers have looked at every database (they exit at once when idle)
$new->safe_psql('postgres', 'SELECT pg_sleep(2)');
ok($new->poll_query_until('postgres', "SELECT count(*) FROM pgml.stat_worker WHERE kind = 'worker'", '0'),
	'and no worker is left');
check_restored($new, 'postgres', 'pg_dumpall');
is($new->safe_psql('postgres', "SELECT jobs_succeeded + jobs_failed + jobs_cancelled FROM pgml.stat_worker WHERE kind = 'launcher'"),
	'0', 'pg_dumpall: the worker ran no restored job');

# a restored 'running' job (dumped mid-training) is failed, not run
$node->safe_psql('postgres', q{
SET session_replication_role = replica;
UPDATE pgml.train_queue SET status = 'running' WHERE project_name = 'bad'});
command_ok([ 'pg_dump', '-Fc', '-f', "$dir/running.dump", '-d', $connstr ], 'pg_dump with a running job');
$node->safe_psql('postgres', 'CREATE DATABASE r_running');
command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('r_running'), "$dir/running.dump" ],
	'pg_restore');
like($node->safe_psql('r_running', "SELECT status || ': ' || error FROM pgml.train_queue WHERE project_name = 'bad'"),
	qr/^failed: the job was running when the database was dumped/, 'a job restored as running is failed');

$new->stop;
done_testing();
