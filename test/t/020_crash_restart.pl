# Crash recovery and restarts: a worker killed mid-job leaves no job running
# forever; images are rebuilt once per server after a restart or a crash;
# many fresh connections share one image.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
pgml_worker.naptime = 1
pgml_worker.nthread = 2
restart_after_crash = on
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
SELECT * FROM pgml.train('Handwritten Digit Classifier', 'classification', 'pgml.digits', 'target',
                         'xgboost', '{"n_estimators": 20}');
});
my $expected = $node->safe_psql('postgres',
	"SELECT string_agg(pgml.predict('Handwritten Digit Classifier', image)::text, ',' ORDER BY ctid) FROM pgml.digits");

# --- kill -9 of the worker in the middle of a job ---
$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('doomed', 'classification', 'pgml.digits', 'target', 'xgboost', '{"n_estimators": 100000}');
});
ok($node->poll_query_until('postgres',
	"SELECT state = 'training' AND rounds_done > 0 FROM pgml.stat_worker WHERE kind = 'worker'"), 'the job is training');
my $pid = $node->safe_psql('postgres', "SELECT pid FROM pgml.stat_worker WHERE state = 'training'");
ok(kill('KILL', $pid), 'worker killed with SIGKILL');

# the postmaster restarts everything; the new worker marks the job failed
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'doomed'", 'failed'),
	'the interrupted job is marked failed');
like($node->safe_psql('postgres',
	"SELECT error FROM pgml.train_queue WHERE project_name = 'doomed'"),
	qr/worker stopped while this job was running/, 'with the reason');
isnt($node->safe_psql('postgres', "SELECT pid FROM pgml.stat_worker WHERE kind = 'launcher'"), $pid,
	'a new launcher is running');

# later jobs still run
$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('survivor', 'classification', 'pgml.digits', 'target', 'xgboost', '{"n_estimators": 5}');
});
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'survivor'", 'succeeded'),
	'a job queued after the crash succeeds');

# the crash destroyed every segment: predict compiles again, once
is($node->safe_psql('postgres', 'SELECT count(*) FROM pgml.stat_models WHERE project = \'Handwritten Digit Classifier\''),
	'0', 'the registry is empty after the crash');
is($node->safe_psql('postgres',
	"SELECT string_agg(pgml.predict('Handwritten Digit Classifier', image)::text, ',' ORDER BY ctid) FROM pgml.digits"),
	$expected, 'predictions after the crash equal those before');

# --- clean restart ---
$node->restart;
is($node->safe_psql('postgres',
	"SELECT string_agg(pgml.predict('Handwritten Digit Classifier', image)::text, ',' ORDER BY ctid) FROM pgml.digits"),
	$expected, 'predictions after a restart equal those before');

# --- 20 fresh connections, one predict each: one load in all ---
$node->restart;
for my $i (1 .. 20)
{
	$node->safe_psql('postgres',
		"SELECT pgml.predict('Handwritten Digit Classifier', image) FROM pgml.digits LIMIT 1");
}
is($node->safe_psql('postgres',
	"SELECT loads || '/' || predict_calls FROM pgml.stat_models WHERE project = 'Handwritten Digit Classifier'"),
	'1/20', '20 connections predicted through a single load');

# concurrent first predicts still compile once.  The 8 sessions really are
# in the load path at the same time: a ninth session holds an ACCESS
# EXCLUSIVE lock on pgml.models, so each first predict, which misses the
# empty registry and reads the deployed artifact, waits on that lock; once
# all 8 wait (pg_locks says so), the lock is released and they go on
# together, each having missed.  Only one of them may compile and publish.
$node->restart;
my $log_start = -s $node->logfile;
my $barrier = $node->background_psql('postgres');
$barrier->query_safe('BEGIN; LOCK TABLE pgml.models IN ACCESS EXCLUSIVE MODE;');
my @procs;
for my $i (1 .. 8)
{
	my $p = $node->background_psql('postgres');
	# each compilation is logged at DEBUG1 (src/image.c)
	$p->query_safe('SET log_min_messages = debug1');
	# send the predict without waiting for it: it blocks on the lock
	$p->query_until(qr/sent $i/, "\\echo sent $i\n"
		  . "SELECT 'done:' || count(pgml.predict('Handwritten Digit Classifier', image))"
		  . " FROM (SELECT image FROM pgml.digits LIMIT 5) s;\n");
	push @procs, $p;
}
ok($node->poll_query_until('postgres', q{
SELECT count(*) FROM pg_locks
 WHERE NOT granted AND locktype = 'relation' AND relation = 'pgml.models'::regclass}, '8'),
	'8 first predicts wait together inside the load of the model');
$barrier->query_safe('COMMIT');
my $done = 0;
for my $p (@procs)
{
	$done++ if $p->query_until(qr/done:\d+/, '') =~ /done:5/;
}
is($done, 8, 'each of the 8 sessions predicted its 5 rows once released');
# each backend counts its own calls; the view sums them while they are open
is($node->safe_psql('postgres',
	"SELECT loads || '/' || predict_calls || '/' || rows_predicted FROM pgml.stat_models WHERE project = 'Handwritten Digit Classifier'"),
	'1/40/40', '8 sessions loading at the same time compile once; their 8 x 5 calls are all counted');
$_->quit for @procs, $barrier;
my $compiled = () = slurp_file($node->logfile, $log_start) =~ /compiled a classification xgboost model image/g;
is($compiled, 1, 'the model was compiled once, not once per waiting session');

# a redeploy is seen by the next predict of an existing connection
$node->safe_psql('postgres', q{
CREATE TABLE lin AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 100) g;
CREATE TABLE lin2 AS SELECT a, y + 100 AS y FROM lin;
SELECT * FROM pgml.train('lin', 'regression', 'lin', 'y');
});
my $bg = $node->background_psql('postgres');
is($bg->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'30.00', 'an open connection predicts with the first model');
$node->safe_psql('postgres', "SELECT * FROM pgml.train('lin', 'regression', 'lin2', 'y')");
is($bg->query_safe("SELECT round(pgml.predict('lin', ARRAY[10]::real[])::numeric, 2)"),
	'130.00', 'the same connection sees the redeploy at its next predict');
# the new model's counters start over, also for a backend that counted the old one
is($node->safe_psql('postgres', "SELECT model_id || ':' || predict_calls FROM pgml.stat_models WHERE project = 'lin'"),
	$node->safe_psql('postgres', "SELECT max(id) FROM pgml.models") . ':1',
	'the redeployed model counts from zero');
$bg->quit;

$node->stop;
done_testing();
