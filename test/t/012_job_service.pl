# The job service: with no configuration, a job queued in any database where
# the extension is installed runs there; pgml_worker.max_workers jobs run at
# once across databases (their running intervals overlap with 2, never with
# 1); databases take turns; a role's many jobs do not hold back another
# role's job; a cancel names
# its database; a worker that dies mid-job has its job failed, not its
# neighbour's; stranded jobs of every database are failed at restart; an
# idle worker exits, so DROP DATABASE needs no FORCE; a job queued by a
# prepared transaction runs after COMMIT PREPARED; a job on a locked table
# fails at its lock timeout while another runs; a role's statement_timeout
# stops its job; a worker start refused for want of a bgworker slot is
# logged, shown and retried, and the job still runs.
#
# Jobs are held "running" deterministically by an ACCESS EXCLUSIVE lock on
# their table taken from another session, or by many boosting rounds; no
# assertion depends on timings.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib dirname(__FILE__);
use PgmlTest;

# pgml_worker.database is accepted and ignored
my $node = pgml_node('service',
	"pgml_worker.naptime = 1\npgml_worker.nthread = 1\npgml_worker.database = 'postgres'\n"
	  . "max_prepared_transactions = 2\n");

for my $db ('db1', 'db2')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
GRANT SELECT ON pgml.digits TO PUBLIC;
CREATE TABLE lin AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 200) g;
CREATE TABLE a_t1 AS SELECT * FROM lin;
CREATE TABLE a_t2 AS SELECT * FROM lin;
CREATE TABLE b_t AS SELECT * FROM lin;
GRANT SELECT ON lin, a_t1, a_t2, b_t TO PUBLIC;
});
}
$node->safe_psql('postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE locky LOGIN;
CREATE ROLE slow LOGIN;
CREATE ROLE mallory LOGIN;
ALTER ROLE locky SET lock_timeout = '1s';
ALTER ROLE slow IN DATABASE db2 SET statement_timeout = '1s';
});
my %dboid = map { $_ => $node->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = '$_'") }
  ('db1', 'db2');

# Queue a job in $db as $role; returns its id.
sub queue
{
	my ($db, $role, $project, $table, $algorithm, $hp) = @_;
	$algorithm //= 'linear';
	$hp //= '{}';
	my $task = $table eq 'pgml.digits' ? 'classification' : 'regression';
	my $y = $table eq 'pgml.digits' ? 'target' : 'y';
	return $node->safe_psql($db, qq{SET ROLE $role;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('$project', '$task', '$table', '$y', '$algorithm', '$hp') RETURNING id});
}

# Wait for a job to end; returns "status: error".
sub wait_end
{
	my ($db, $id) = @_;
	$node->poll_query_until($db,
		"SELECT status IN ('succeeded', 'failed', 'cancelled') FROM pgml.train_queue WHERE id = $id")
	  or die "job $id of $db did not end";
	return $node->safe_psql($db,
		"SELECT status || ': ' || coalesce(error, '') FROM pgml.train_queue WHERE id = $id");
}

sub status
{
	my ($db, $id) = @_;
	return $node->safe_psql($db, "SELECT status FROM pgml.train_queue WHERE id = $id");
}

# A session of $db holding ACCESS EXCLUSIVE locks on @tables until released.
sub lock_tables
{
	my ($db, @tables) = @_;
	my $s = $node->background_psql($db);
	$s->query_safe('BEGIN; LOCK TABLE ' . join(', ', @tables) . ' IN ACCESS EXCLUSIVE MODE');
	return $s;
}

sub release
{
	my ($s) = @_;
	$s->query_safe('ROLLBACK');
	$s->quit;
}

# [started_at, finished_at] of two jobs (db, id): do they overlap?
sub overlap
{
	my ($db_a, $a, $db_b, $b) = @_;
	my $ta = $node->safe_psql($db_a, "SELECT started_at || '|' || finished_at FROM pgml.train_queue WHERE id = $a");
	my $tb = $node->safe_psql($db_b, "SELECT started_at || '|' || finished_at FROM pgml.train_queue WHERE id = $b");
	my ($sa, $fa) = split /\|/, $ta;
	my ($sb, $fb) = split /\|/, $tb;
	return $node->safe_psql('db1',
		"SELECT '$sa'::timestamptz < '$fb'::timestamptz AND '$sb'::timestamptz < '$fa'::timestamptz");
}

# --- no configuration: a job in each database runs there ---
my $j1 = queue('db1', 'alice', 'p1', 'lin');
my $j2 = queue('db2', 'alice', 'p2', 'lin');
like(wait_end('db1', $j1), qr/^succeeded/, 'a job queued in db1 succeeds');
like(wait_end('db2', $j2), qr/^succeeded/, 'a job queued in db2 succeeds');
is($node->safe_psql('db2', "SELECT round(pgml.predict('p2', ARRAY[10]::real[])::numeric)"),
	'30', "db2's model serves predictions in db2");
like(slurp_file($node->logfile), qr/WARNING:  pgml_worker.database is ignored/,
	'pgml_worker.database is ignored with a warning');

# A job queued by a prepared transaction: no commit callback sees COMMIT
# PREPARED, the launcher looks at the database every naptime until then.
$node->safe_psql('db1', q{BEGIN;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('prep', 'regression', 'lin', 'y');
PREPARE TRANSACTION 'queue_prep';});
$node->safe_psql('db1', "COMMIT PREPARED 'queue_prep'");
ok($node->poll_query_until('db1', "SELECT status FROM pgml.train_queue WHERE project_name = 'prep'", 'succeeded'),
	'a job queued by a prepared transaction runs after COMMIT PREPARED');

# --- max_workers = 2: two jobs run at once ---
my $l1 = lock_tables('db1', 'lin');
my $l2 = lock_tables('db2', 'lin');
my $o1 = queue('db1', 'alice', 'o1', 'lin');
my $o2 = queue('db2', 'alice', 'o2', 'lin');
ok($node->poll_query_until('db1',
	"SELECT count(*) FROM pgml.stat_worker WHERE state = 'training' AND dbid IN ($dboid{db1}, $dboid{db2})", '2'),
	'a worker in each database is training');
is(status('db1', $o1) . ' ' . status('db2', $o2), 'running running', 'both jobs are running');
is($node->safe_psql('db1', q{
SELECT string_agg(datname || ': ' || query, ', ' ORDER BY datname) FROM pg_stat_activity
 WHERE backend_type = 'pgml_worker' AND state = 'active'}),
	qq{db1: pgml_worker: training job $o1 (project "o1"), db2: pgml_worker: training job $o2 (project "o2")},
	'pg_stat_activity shows each worker in its database with its job');
release($l1);
release($l2);
like(wait_end('db1', $o1), qr/^succeeded/, 'the job of db1 succeeds');
like(wait_end('db2', $o2), qr/^succeeded/, 'the job of db2 succeeds');
is(overlap('db1', $o1, 'db2', $o2), 't', 'with max_workers = 2 their running intervals overlap');

# --- fairness: alice's many jobs do not hold back bob's ---
# alice's jobs hold both workers (waiting on locked tables, as long jobs
# would); bob's job, queued after, gets a worker at once: alice's newest
# job goes back to the queue (queue_fair.c).  No lock is released before
# bob's job has succeeded.
my $la1 = lock_tables('db1', 'a_t1');
my $la2 = lock_tables('db1', 'a_t2');
my @a = (queue('db1', 'alice', 'a1', 'a_t1'));
push @a, queue('db1', 'alice', "a$_", 'a_t2') for 2 .. 6;
ok($node->poll_query_until('db1',
	"SELECT count(*) FROM pgml.train_queue WHERE id IN ($a[0], $a[1]) AND status = 'running'", '2'),
	"alice's first two jobs take both workers");
my $b = queue('db1', 'bob', 'b', 'b_t');
like(wait_end('db1', $b), qr/^succeeded/, "bob's job runs while alice's jobs hold both workers");
like(slurp_file($node->logfile),
	qr/training job $a[1] of database "db1" goes back to the queue to free a worker for role "bob" in database "db1"/,
	"alice's newest running job went back to the queue (logged)");
is($node->safe_psql('db1', qq{
SELECT CASE status WHEN 'queued' THEN error LIKE 'put back in the queue to free a worker for role bob;%'
                   WHEN 'running' THEN error IS NULL END
  FROM pgml.train_queue WHERE id = $a[1]}),
	't', 'queued with the reason in its error column, or running again with none');
my $a_rest = join(', ', @a[2 .. 5]);
is($node->safe_psql('db1', qq{
SELECT (SELECT started_at FROM pgml.train_queue WHERE id = $b)
       < coalesce(min(started_at), 'infinity') FROM pgml.train_queue WHERE id IN ($a_rest)}),
	't', "bob's job, queued after alice's six, started before her last four");
ok($node->poll_query_until('db1',
	"SELECT count(*) FROM pgml.train_queue WHERE id IN ($a[0], $a[1]) AND status = 'running'", '2'),
	"then alice's two jobs hold both workers again");

# The same across databases: bob's job in db2 takes a worker from db1.
my $b2 = queue('db2', 'bob', 'b2', 'b_t');
like(wait_end('db2', $b2), qr/^succeeded/, "bob's job in db2 runs while alice's jobs in db1 hold both workers");
like(slurp_file($node->logfile), qr/of database "db1" goes back to the queue to free a worker for role "bob" in database "db2"/,
	'by taking a worker from db1');

# A role that holds one worker does not take one from a role that holds two.
my $lb = lock_tables('db1', 'b_t');
my $b3 = queue('db1', 'bob', 'b3', 'b_t');
ok($node->poll_query_until('db1', "SELECT status FROM pgml.train_queue WHERE id = $b3", 'running'),
	"bob's next job takes a worker back, and waits on its locked table");
my $b4 = queue('db1', 'bob', 'b4', 'b_t');
ok($node->poll_query_until('db1',
	"SELECT count(*) FROM pgml.train_queue WHERE queued_by = 'alice'::regrole AND status = 'running'", '1'),
	'alice holds one worker');
is(status('db1', $b4), 'queued', "bob's second job waits: he holds as many workers as alice");
release($la1);
release($la2);
release($lb);
like(wait_end('db1', $_), qr/^succeeded/, "alice's job $_ succeeds") for @a;
like(wait_end('db1', $_), qr/^succeeded/, "bob's job $_ succeeds") for ($b3, $b4);

# A worker freed in another database: alice holds one worker in db1 and one
# in db2, each job alone in its database.  An INSERT that queues nothing
# (no row; a row of a rolled-back savepoint) takes no worker back.  bob's
# job in db1 takes back the newest, db2's; that job is put back, and db2
# gets a worker again later (it is not left queued with none).  A job put
# back once is not put back again: bob's next job takes db1's.
sub yields { my @n = (slurp_file($node->logfile) =~ /goes back to the queue/g); return scalar @n; }
my $ld1 = lock_tables('db1', 'a_t1');
my $ld2 = lock_tables('db2', 'a_t1');
my $x1 = queue('db1', 'alice', 'x1', 'a_t1');
ok($node->poll_query_until('db1', "SELECT status FROM pgml.train_queue WHERE id = $x1", 'running'),
	"alice's job in db1 runs");
my $x2 = queue('db2', 'alice', 'x2', 'a_t1');
ok($node->poll_query_until('db2', "SELECT status FROM pgml.train_queue WHERE id = $x2", 'running'),
	"alice's job in db2 runs");
my $before = yields();
$node->safe_psql('db1', q{SET ROLE mallory;
INSERT INTO pgml.train_queue (project_name, relation_name, y_column_name) SELECT 'm', 'lin', 'y' WHERE false;
BEGIN;
SAVEPOINT s;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name) VALUES ('m', 'regression', 'lin', 'y');
ROLLBACK TO s;
COMMIT;});
sleep(1);	# the launcher looks within 50 ms; nothing must happen
is(yields(), $before, 'an INSERT that queues no job takes no worker back');
is(status('db1', $x1) . ' ' . status('db2', $x2), 'running running', "alice's jobs run on");
my $b5 = queue('db1', 'bob', 'b5', 'b_t');
like(wait_end('db1', $b5), qr/^succeeded/, "bob's job in db1 runs");
like(slurp_file($node->logfile), qr/training job $x2 of database "db2" goes back to the queue to free a worker for role "bob" in database "db1"/,
	"taking back alice's newest job, in db2");
ok($node->poll_query_until('db2', "SELECT status FROM pgml.train_queue WHERE id = $x2", 'running'),
	'which db2 runs again: it got a worker back');
my $b6 = queue('db1', 'bob', 'b6', 'b_t');
like(wait_end('db1', $b6), qr/^succeeded/, "bob's next job runs too");
like(slurp_file($node->logfile), qr/training job $x1 of database "db1" goes back to the queue to free a worker for role "bob" in database "db1"/,
	"taking back alice's job in db1, not the one put back once already");
release($ld1);
release($ld2);
like(wait_end('db1', $x1), qr/^succeeded/, "alice's job in db1 succeeds");
like(wait_end('db2', $x2), qr/^succeeded/, "alice's job in db2 succeeds");

# The switch: with pgml_worker.take_back_workers off, bob's job waits for one
# of alice's to end, in turn order, as before this existed.
$node->safe_psql('postgres', 'ALTER SYSTEM SET pgml_worker.take_back_workers = off');
$node->reload;
my $lo1 = lock_tables('db1', 'a_t1');
my $lo2 = lock_tables('db1', 'a_t2');
my $y1 = queue('db1', 'alice', 'y1', 'a_t1');
my $y2 = queue('db1', 'alice', 'y2', 'a_t2');
ok($node->poll_query_until('db1',
	"SELECT count(*) FROM pgml.train_queue WHERE id IN ($y1, $y2) AND status = 'running'", '2'),
	"alice's two jobs hold both workers");
$before = yields();
my $b7 = queue('db1', 'bob', 'b7', 'b_t');
sleep(1);	# the launcher looks within 50 ms; nothing must happen
is(status('db1', $b7), 'queued', "with take_back_workers off, bob's job waits");
is(yields(), $before, 'and no worker is taken back');
release($lo1);
like(wait_end('db1', $b7), qr/^succeeded/, 'it runs once one of her jobs ends');
release($lo2);
like(wait_end('db1', $_), qr/^succeeded/, "alice's job $_ succeeds") for ($y1, $y2);
$node->safe_psql('postgres', 'ALTER SYSTEM RESET pgml_worker.take_back_workers');
$node->reload;

# --- a cancel names its database: same job id in db1 and db2 ---
my $next = 1000;
$node->safe_psql($_, "SELECT setval('pgml.train_queue_id_seq', $next)") for ('db1', 'db2');
my $c1 = queue('db1', 'alice', 'c', 'pgml.digits', 'xgboost', '{"n_estimators": 100000}');
my $c2 = queue('db2', 'alice', 'c', 'pgml.digits', 'xgboost', '{"n_estimators": 100000}');
is("$c1 $c2", ($next + 1) . ' ' . ($next + 1), 'the two jobs have the same id');
ok($node->poll_query_until('db1',
	"SELECT count(*) FROM pgml.stat_worker WHERE job_id = $c1 AND rounds_done > 0", '2'),
	'both are training');
is($node->safe_psql('db1', "SELECT pgml.cancel_job($c1)"), 'cancelled', 'cancel_job in db1');
like(wait_end('db1', $c1), qr/^cancelled/, 'the job of db1 stops');
my $done = $node->safe_psql('db1', "SELECT rounds_done FROM pgml.stat_worker WHERE dbid = $dboid{db2} AND job_id = $c2");
ok($node->poll_query_until('db1',
	"SELECT rounds_done > $done + 5 FROM pgml.stat_worker WHERE dbid = $dboid{db2} AND job_id = $c2"),
	'the job with the same id in db2 goes on training');
is(status('db2', $c2), 'running', 'and is still running');

# --- a job on a locked table fails at its lock timeout while another runs ---
my $l3 = lock_tables('db1', 'lin');
my $stuck = queue('db1', 'locky', 'stuck', 'public.lin');
like(wait_end('db1', $stuck), qr/^failed: canceling statement due to lock timeout/,
	"locky's job fails at her lock_timeout");
is(status('db2', $c2), 'running', 'while the job of db2 runs on');
release($l3);
$node->safe_psql('db2', "SELECT pgml.cancel_job($c2)");
like(wait_end('db2', $c2), qr/^cancelled/, 'until it is cancelled in its own database');

# --- a role's statement_timeout in the job's database stops its job ---
my $long = queue('db2', 'slow', 'slow', 'pgml.digits', 'xgboost', '{"n_estimators": 100000}');
like(wait_end('db2', $long), qr/^failed: training job $long ran longer than its time limit of 1000 ms/,
	"slow's job stops at his statement_timeout in db2");

# --- a worker that dies mid-job: its job is failed, its neighbour's is not ---
my $k1 = queue('db1', 'alice', 'k1', 'pgml.digits', 'xgboost', '{"n_estimators": 100000}');
my $k2 = queue('db1', 'alice', 'k2', 'pgml.digits', 'xgboost', '{"n_estimators": 100000}');
ok($node->poll_query_until('db1',
	"SELECT count(*) FROM pgml.stat_worker WHERE job_id IN ($k1, $k2) AND rounds_done > 0", '2'),
	'two jobs of db1 are training');
$node->safe_psql('db1', "SELECT pg_terminate_backend(pid) FROM pgml.stat_worker WHERE job_id = $k1");
like(wait_end('db1', $k1), qr/^failed: the training worker stopped while this job was running/,
	'the job of a terminated worker is failed by the next worker of its database');
$done = $node->safe_psql('db1', "SELECT rounds_done FROM pgml.stat_worker WHERE job_id = $k2");
ok($node->poll_query_until('db1', "SELECT rounds_done > $done + 5 FROM pgml.stat_worker WHERE job_id = $k2"),
	'the job a live worker of the same database runs goes on training');
is(status('db1', $k2), 'running', 'and is not marked');
$node->safe_psql('db1', "SELECT pgml.cancel_job($k2)");
like(wait_end('db1', $k2), qr/^cancelled/, 'until it is cancelled');

# --- the launcher is restarted if it exits; a job queued meanwhile runs ---
my $launcher = $node->safe_psql('db1', "SELECT pid FROM pgml.stat_worker WHERE kind = 'launcher'");
$node->safe_psql('db1', "SELECT pg_terminate_backend($launcher)");
my $orphan = queue('db2', 'alice', 'while_down', 'lin');
like(wait_end('db2', $orphan), qr/^succeeded/, 'a job queued while the launcher was down runs');
isnt($node->safe_psql('db1', "SELECT pid FROM pgml.stat_worker WHERE kind = 'launcher'"), $launcher,
	'under a new launcher');

# --- an idle worker exits: DROP DATABASE needs no FORCE ---
$node->safe_psql('postgres', 'CREATE DATABASE db3');
$node->safe_psql('db3', q{CREATE EXTENSION pgml_worker;
CREATE TABLE lin AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 50) g;});
my $j3 = queue('db3', 'postgres', 'p3', 'lin');
like(wait_end('db3', $j3), qr/^succeeded/, 'a job of db3 succeeds');
ok($node->poll_query_until('db1', "SELECT count(*) FROM pgml.stat_worker WHERE database = 'db3'", '0'),
	'the worker of db3 exits when idle');
my ($drop_rc, $drop_out, $drop_err) = $node->psql('postgres', 'DROP DATABASE db3');
is($drop_rc, 0, 'DROP DATABASE db3 succeeds without FORCE') or diag($drop_err);

# --- restart with max_workers = 1: stranded jobs of db2 fail, jobs take turns ---
$node->safe_psql('db2', q{
SET session_replication_role = replica;  -- no trigger: as a worker that died would leave it
INSERT INTO pgml.train_queue (id, project_name, task, relation_name, y_column_name, status, started_at)
VALUES (5000, 'stranded', 'regression', 'public.lin', 'y', 'running', now());
});
$node->append_conf('postgresql.conf', "pgml_worker.max_workers = 1\n");
$node->restart;
like(wait_end('db2', 5000),
	qr/^failed: the training worker stopped while this job was running/,
	'a job left running in db2 is failed at restart, with the reason');

my $l4 = lock_tables('db1', 'lin');
my $s1 = queue('db1', 'alice', 's1', 'lin');
my $s2 = queue('db2', 'alice', 's2', 'lin');
ok($node->poll_query_until('db1', "SELECT status FROM pgml.train_queue WHERE id = $s1", 'running'),
	'the job of db1 runs');
is($node->safe_psql('db1', "SELECT count(*) FROM pgml.stat_worker WHERE kind = 'worker' AND state <> 'exiting'"),
	'1', 'one worker only');
is(status('db2', $s2), 'queued', 'the job of db2 waits');
release($l4);
like(wait_end('db1', $s1), qr/^succeeded/, 'the job of db1 succeeds');
like(wait_end('db2', $s2), qr/^succeeded/, 'then the job of db2');
is(overlap('db1', $s1, 'db2', $s2), 'f', 'with max_workers = 1 their running intervals do not overlap');

# databases take turns: db2's job, queued after four of db1's, runs second
my $l6 = lock_tables('db1', 'a_t1');
my @d1 = (queue('db1', 'alice', 'r1', 'a_t1'));
push @d1, queue('db1', 'alice', "r$_", 'lin') for 2 .. 4;
ok($node->poll_query_until('db1', "SELECT status FROM pgml.train_queue WHERE id = $d1[0]", 'running'),
	"db1's first job runs");
my $r2 = queue('db2', 'bob', 'r', 'lin');
release($l6);
like(wait_end('db1', $_), qr/^succeeded/, "db1's job $_ succeeds") for @d1;
like(wait_end('db2', $r2), qr/^succeeded/, "db2's job succeeds");
my $r2_start = $node->safe_psql('db2', "SELECT started_at FROM pgml.train_queue WHERE id = $r2");
is($node->safe_psql('db1', "SELECT count(*) FROM pgml.train_queue WHERE id IN ($d1[1], $d1[2], $d1[3]) AND started_at < '$r2_start'"),
	'0', "db2's job started before db1's other three: the worker of db1 gave its slot up after one job");

# roles take turns with one worker too: bob's job, queued after alice's
# four, runs second
my $l7 = lock_tables('db1', 'a_t1');
my @t1 = (queue('db1', 'alice', 't1', 'a_t1'));
push @t1, queue('db1', 'alice', "t$_", 'lin') for 2 .. 4;
ok($node->poll_query_until('db1', "SELECT status FROM pgml.train_queue WHERE id = $t1[0]", 'running'),
	"alice's first job runs");
my $tb = queue('db1', 'bob', 'tb', 'b_t');
release($l7);
like(wait_end('db1', $_), qr/^succeeded/, "alice's job $_ succeeds") for @t1;
like(wait_end('db1', $tb), qr/^succeeded/, "bob's job succeeds");
my $tb_start = $node->safe_psql('db1', "SELECT started_at FROM pgml.train_queue WHERE id = $tb");
is($node->safe_psql('db1', "SELECT count(*) FROM pgml.train_queue WHERE id IN ($t1[1], $t1[2], $t1[3]) AND started_at < '$tb_start'"),
	'0', "with max_workers = 1, bob's job started before alice's other three: roles take turns");

# --- no bgworker slot for a second worker: logged, shown, retried ---
# max_worker_processes 3: the launcher, the logical replication launcher,
# one database worker
$node->append_conf('postgresql.conf', "pgml_worker.max_workers = 2\nmax_worker_processes = 3\n");
$node->restart;
my $l5 = lock_tables('db1', 'lin');
my $n1 = queue('db1', 'alice', 'n1', 'lin');
ok($node->poll_query_until('db1', "SELECT status FROM pgml.train_queue WHERE id = $n1", 'running'),
	'the job of db1 takes the only free bgworker slot');
my $n2 = queue('db2', 'alice', 'n2', 'lin');
ok($node->poll_query_until('db1',
	"SELECT state || ' ' || (start_failures > 0) FROM pgml.stat_worker WHERE kind = 'launcher'",
	'waiting for a worker slot true'),
	'stat_worker shows the launcher waiting for a bgworker slot');
like(slurp_file($node->logfile),
	qr/LOG:  pgml_worker could not start a worker for database \d+: no background worker slot is free/,
	'the refused start is logged');
is(status('db2', $n2), 'queued', 'the job of db2 stays queued');
release($l5);
like(wait_end('db1', $n1), qr/^succeeded/, 'the job of db1 succeeds');
like(wait_end('db2', $n2), qr/^succeeded/, 'and the job of db2 runs once a slot is free');

$node->stop;
done_testing();
