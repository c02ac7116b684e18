# A queued job obeys the statement_timeout and lock_timeout of the role
# that queued it, as its own session would (role, database and
# role-in-database settings), else pgml_worker.job_timeout and
# pgml_worker.lock_timeout; a job stuck on a lock fails at the limit and the
# queue moves on.  A cancellation names its database: cancelling job N in
# one database leaves job N of another running.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib dirname(__FILE__);
use PgmlTest;

my $node = pgml_node('limits', "pgml_worker.naptime = 3600\npgml_worker.nthread = 2\n");
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
CREATE TABLE lin AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 200) g;
GRANT SELECT ON lin TO PUBLIC;
GRANT SELECT ON pgml.digits TO PUBLIC;
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN;
ALTER ROLE alice SET lock_timeout = '1s';
ALTER ROLE bob IN DATABASE postgres SET statement_timeout = '2s';
});

sub queue_as
{
	my ($role, $values) = @_;
	return $node->safe_psql('postgres', qq{SET ROLE $role;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES $values RETURNING id});
}
sub wait_end
{
	my ($id) = @_;
	$node->poll_query_until('postgres',
		"SELECT status IN ('succeeded', 'failed', 'cancelled') FROM pgml.train_queue WHERE id = $id")
	  or die "job $id did not end";
	return $node->safe_psql('postgres', "SELECT status || ': ' || coalesce(error, '') FROM pgml.train_queue WHERE id = $id");
}

# lock_timeout of the role: a job on a locked table fails at the limit,
# and the job queued behind it runs
my $lock = $node->background_psql('postgres');
$lock->query_safe('BEGIN; LOCK TABLE lin IN ACCESS EXCLUSIVE MODE;');
my $stuck = queue_as('alice', "('alice_stuck', 'regression', 'public.lin', 'y', 'linear', '{}')");
my $next = queue_as('carol', "('carol_next', 'classification', 'pgml.digits', 'target', 'linear', '{}')");
like(wait_end($stuck), qr/^failed: canceling statement due to lock timeout/,
	"alice's job fails at her lock_timeout");
like(wait_end($next), qr/^succeeded/, 'the job queued behind it runs');
$lock->query_safe('ROLLBACK');
$lock->quit;

# statement_timeout of the role in this database: a long job stops
my $long = queue_as('bob', "('bob_long', 'classification', 'pgml.digits', 'target', 'xgboost', '{\"n_estimators\": 100000}')");
like(wait_end($long), qr/^failed: training job $long ran longer than its time limit of 2000 ms/,
	"bob's long job stops at his statement_timeout");
is($node->safe_psql('postgres', "SELECT count(*) FROM pgml.projects WHERE name = 'bob_long'"), '0',
	'and stores nothing');

# without a setting of the role: the server's defaults
$node->append_conf('postgresql.conf', "pgml_worker.job_timeout = '1500ms'\n");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('pgml_worker.job_timeout') = '1500ms'") or die;
my $carol_long = queue_as('carol', "('carol_long', 'classification', 'pgml.digits', 'target', 'xgboost', '{\"n_estimators\": 100000}')");
like(wait_end($carol_long), qr/^failed: training job $carol_long ran longer than its time limit of 1500 ms/,
	'a role without a statement_timeout gets pgml_worker.job_timeout');
my $bob_short = queue_as('bob', "('bob_short', 'regression', 'public.lin', 'y', 'linear', '{}')");
like(wait_end($bob_short), qr/^succeeded/, 'a job within the limit succeeds');
# the job service keeps to pgml_worker.max_workers (2)
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pgml_worker'}),
	'<=', 2, 'at most max_workers database workers');

# a role's lock_timeout of 0 is no setting, as its statement_timeout of 0
# is: the server's default applies, the role cannot lift it
$node->safe_psql('postgres', q{ALTER ROLE carol SET lock_timeout = 0});
$node->append_conf('postgresql.conf', "pgml_worker.lock_timeout = '1s'\n");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('pgml_worker.lock_timeout') = '1s'") or die;
my $lock2 = $node->background_psql('postgres');
$lock2->query_safe('BEGIN; LOCK TABLE lin IN ACCESS EXCLUSIVE MODE;');
my $carol_stuck = queue_as('carol', "('carol_stuck', 'regression', 'public.lin', 'y', 'linear', '{}')");
like(wait_end($carol_stuck), qr/^failed: canceling statement due to lock timeout/,
	"carol's lock_timeout of 0 does not lift pgml_worker.lock_timeout");
$lock2->query_safe('ROLLBACK');
$lock2->quit;
$node->append_conf('postgresql.conf', "pgml_worker.lock_timeout = 0\n");

# a cancellation names its database
$node->append_conf('postgresql.conf', "pgml_worker.job_timeout = 0\n");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('pgml_worker.job_timeout') = '0'") or die;
my $run = $node->safe_psql('postgres', q{INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('long', 'classification', 'pgml.digits', 'target', 'xgboost', '{"n_estimators": 100000}') RETURNING id});
ok($node->poll_query_until('postgres', "SELECT rounds_done > 0 FROM pgml.stat_worker WHERE job_id = $run"),
	"job $run is training in postgres");
# pg_stat_activity shows the worker and its job
like($node->safe_psql('postgres',
	q{SELECT backend_type || ': ' || query FROM pg_stat_activity WHERE backend_type = 'pgml_worker' AND state = 'active'}),
	qr/^pgml_worker: pgml_worker: training job $run \(project "long"\)$/,
	'pg_stat_activity shows the worker with its job');
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', qq{CREATE EXTENSION pgml_worker;
CREATE TABLE lin AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 20) g;
SET session_replication_role = replica;  -- no trigger: as if a worker of app ran it
INSERT INTO pgml.train_queue (id, project_name, task, relation_name, y_column_name, status)
VALUES ($run, 'app_p', 'regression', 'public.lin', 'y', 'running');
});
is($node->safe_psql('app', "SELECT pgml.cancel_job($run)"), 'cancelled', "job $run of database app is cancelled");
my $done = $node->safe_psql('postgres', "SELECT rounds_done FROM pgml.stat_worker WHERE job_id = $run");
ok($node->poll_query_until('postgres',
	"SELECT rounds_done > $done + 5 FROM pgml.stat_worker WHERE job_id = $run"),
	"job $run of database postgres goes on training");
$node->safe_psql('postgres', "SELECT pgml.cancel_job($run)");
like(wait_end($run), qr/^cancelled/, 'until it is cancelled in its own database');
done_testing();
