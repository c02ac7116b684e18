# The trainer process (include/pgml_trainer.h): no PostgreSQL process maps
# XGBoost, libgomp or OpenBLAS; a crash, an abort, an uncaught C++
# exception, running out of memory or an OOM kill of the trainer fails the
# job (through the queue and through pgml.train()) and never the server;
# cancel, timeouts, pg_cancel_backend, pg_terminate_backend and a fast
# shutdown stop a trainer stuck in a round at once; the trainer runs niced,
# limited and never outlives its parent; only superusers inject faults.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use PgmlTest;

my $node = pgml_node('trainer', qq{
pgml_worker.naptime = 1
pgml_worker.nthread = 2
pgml_worker.trainer_memory_limit = '1GB'
restart_after_crash = on
});
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
CREATE TABLE lin AS SELECT g::real AS a, (g % 7)::real AS b, (3 * g + 1)::real AS y
  FROM generate_series(1, 200) g;
CREATE TABLE dflat AS SELECT ARRAY(SELECT unnest(image))::real[] AS image, target FROM pgml.digits;
CREATE ROLE alice LOGIN;
GRANT SELECT ON lin TO alice;
GRANT SELECT ON pgml.digits, dflat TO alice;
GRANT INSERT ON pgml.train_queue TO alice;
CREATE DATABASE other;
});

my $libs = qr/libxgboost|libgomp|libopenblas/;

# the processes whose parent is $pid and whose name is pgml_trainer
sub trainers_of
{
	my ($pid) = @_;
	my @found;
	opendir(my $dh, '/proc') or die;
	for my $p (grep { /^\d+$/ } readdir($dh))
	{
		my $stat = eval { slurp_file("/proc/$p/stat") } // next;
		# pid (comm) state ppid ...
		next unless $stat =~ /^\d+ \((.*)\) \S+ (\d+)/;
		push @found, $p if $1 eq 'pgml_trainer' && $2 == $pid;
	}
	closedir($dh);
	return @found;
}

sub wait_trainer
{
	my ($parent) = @_;
	for (1 .. 600)
	{
		my @t = trainers_of($parent);
		return $t[0] if @t;
		select(undef, undef, undef, 0.05);
	}
	die "no trainer process of $parent appeared";
}

# a database worker's trainer: (worker pid, trainer pid), once one runs
sub worker_trainer
{
	for (1 .. 600)
	{
		for my $w (split /\n/, $node->safe_psql('postgres',
			"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pgml_worker'"))
		{
			my @t = trainers_of($w);
			return ($w, $t[0]) if @t;
		}
		select(undef, undef, undef, 0.05);
	}
	die "no worker's trainer appeared";
}

# dead or a zombie right now
sub gone_now
{
	my ($pid) = @_;
	my $stat = eval { slurp_file("/proc/$pid/stat") } // return 1;
	return $stat =~ /^\d+ \(.*\) Z /;
}

sub gone
{
	my ($pid) = @_;
	for (1 .. 200)
	{
		return 1 unless -e "/proc/$pid";
		my $stat = eval { slurp_file("/proc/$pid/stat") } // return 1;
		return 1 if $stat =~ /^\d+ \(.*\) Z /;    # a zombie is dead
		select(undef, undef, undef, 0.05);
	}
	return 0;
}

my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
my $postmaster = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
$postmaster = `ps -o ppid= -p $postmaster`;
$postmaster =~ s/\s+//g;

# --- what maps the libraries: trainers only ---
my $bg = $node->background_psql('postgres');
my $backend = $bg->query_safe('SELECT pg_backend_pid()');
$bg->query_safe(q{SELECT * FROM pgml.train('maps', 'classification', 'dflat', 'target', 'xgboost', '{"n_estimators": 3}')});
$bg->query_safe(q{SELECT pgml.predict_native((SELECT max(id) FROM pgml.models), image) FROM dflat LIMIT 2});
unlike(slurp_file("/proc/$backend/maps"), $libs,
	'a backend that ran pgml.train() and predict_native maps none of XGBoost, libgomp, OpenBLAS');
my ($native) = trainers_of($backend);
ok(defined $native, 'its predict_native trainer is running');
like(slurp_file("/proc/$native/maps"), qr/libxgboost/, 'the trainer maps XGBoost');
like(slurp_file("/proc/$native/status"), qr/^PPid:\s+$backend$/m, 'and is the backend\'s child');
unlike(slurp_file("/proc/$postmaster/maps"), $libs, 'the postmaster maps none of them');
# a cancel of the idle session (signalled to its process group) leaves its
# trainer alone: the next predict_native works
$node->safe_psql('postgres', "SELECT pg_cancel_backend($backend)");
select(undef, undef, undef, 0.3);
ok(!gone_now($native), 'a cancel of the idle backend does not stop its trainer');
is($bg->query_safe(q{SELECT count(pgml.predict_native((SELECT max(id) FROM pgml.models WHERE algorithm = 'xgboost'), image)) FROM dflat LIMIT 1}),
	'1797', 'and predict_native goes on with it');

$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('queued_maps', 'classification', 'public.dflat', 'target', 'xgboost', '{"n_estimators": 3}')});
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'queued_maps'", 'succeeded'),
	'a queued xgboost job succeeds');
my $worker;

# the model trained in a trainer predicts as XGBoost does, bit for bit
is($node->safe_psql('postgres', q{
SELECT count(*) FROM dflat
 WHERE pgml.predict_proba('queued_maps', image) <> pgml.predict_native(
       (SELECT id FROM pgml.deployed_models WHERE name = 'queued_maps'), image)}),
	'0', 'predict_proba equals XGBoost\'s own prediction on every row');

# a search's folds and the final fit share one trainer: 3 folds x 2
# candidates + 1 fits, one process started
my (undef, undef, $debug) = $node->psql('postgres', q{
SET client_min_messages = debug1;
SELECT * FROM pgml.train('search', 'regression', 'lin', 'y', 'ridge',
    search => 'grid', search_params => '{"alpha": [0.1, 1.0]}', search_args => '{"cv": 3}');
});
is(scalar(() = $debug =~ /DEBUG:  started trainer process \d+/g), 1,
	'a search job starts one trainer for its seven fits');

# --- faults through pgml.train(): the session gets an ERROR and goes on ---
my $other = $node->background_psql('other');
is($other->query_safe('SELECT 1'), '1', 'a session in another database is open');

my %faults = (
	segfault => qr/ERROR:  the trainer process was terminated by signal 11: Segmentation fault/,
	abort => qr/ERROR:  the trainer process was terminated by signal 6: Aborted/,
	exception => qr/ERROR:  the trainer process was terminated by signal 6: Aborted/,
	memory => qr/ERROR:  the trainer process ran out of memory.*HINT:  Its address space limit is 1024MB; raise pgml_worker.trainer_memory_limit/s,
	oom_kill => qr/ERROR:  the trainer process was terminated by signal 9: Killed\nDETAIL:  The kernel's out-of-memory killer sends this signal when memory runs out; the trainer's address space limit is 1024MB \(pgml_worker.trainer_memory_limit\)/,
);
for my $fault (sort keys %faults)
{
	my ($ret, $out, $err) = $node->psql('postgres', qq{
SET pgml_worker.trainer_fault = '$fault';
SELECT * FROM pgml.train('fault_$fault', 'regression', 'lin', 'y', 'linear');
}, extra_params => [ '-v', 'VERBOSITY=default' ]);
	like($err, $faults{$fault}, "pgml.train() with a trainer $fault: the error says what happened");
}
# the memory fault needs a limit to run into
$node->safe_psql('postgres', q{ALTER SYSTEM SET pgml_worker.trainer_memory_limit = 0; SELECT pg_reload_conf()});
$node->poll_query_until('postgres', q{SELECT current_setting('pgml_worker.trainer_memory_limit') = '0'}) or die;
like(($node->psql('postgres', q{SET pgml_worker.trainer_fault = 'memory';
SELECT * FROM pgml.train('fault_memory', 'regression', 'lin', 'y', 'linear')}))[2],
	qr/ERROR:  trainer fault "memory" needs pgml_worker.trainer_memory_limit/,
	'the memory fault refuses to run without a limit');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET pgml_worker.trainer_memory_limit; SELECT pg_reload_conf()});
$node->poll_query_until('postgres', q{SELECT current_setting('pgml_worker.trainer_memory_limit') = '1GB'}) or die;

# an error of the fit code reads as it did in the backend
like(($node->psql('postgres', q{SELECT * FROM pgml.train('huge', 'regression', 'lin', 'y', 'ridge', '{"alpha": 1e400}')}))[2],
	qr/ERROR:  "10{400}" is out of range for type double precision/,
	'a hyperparameter beyond double precision: the backend\'s own message');

like(($node->psql('postgres', q{SET pgml_worker.trainer_fault = 'exception';
SELECT * FROM pgml.train('exc', 'regression', 'lin', 'y', 'linear'); SELECT 'still here'}, on_error_stop => 0))[1],
	qr/still here/, 'the session that got the error stays usable');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the server never restarted');
is($other->query_safe('SELECT 2'), '2', 'the session in another database kept its connection');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgml.projects WHERE name LIKE 'fault_%'"), '0',
	'no failed training left a project behind');

# --- faults through the queue: the job fails with the reason ---
sub queue_job
{
	my ($name, $algorithm, $hp) = @_;
	return $node->safe_psql('postgres', qq{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('$name', 'classification', 'pgml.digits', 'target', '$algorithm', '$hp') RETURNING id});
}

sub wait_end
{
	my ($id) = @_;
	$node->poll_query_until('postgres',
		"SELECT status IN ('succeeded', 'failed', 'cancelled') FROM pgml.train_queue WHERE id = $id")
	  or die "job $id did not end";
	return $node->safe_psql('postgres',
		"SELECT status || ': ' || coalesce(error, '') FROM pgml.train_queue WHERE id = $id");
}

sub set_fault
{
	my ($fault) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET pgml_worker.trainer_fault = '$fault'; SELECT pg_reload_conf()");
	# the worker reads the file at its next wake-up; a plain session now
	$node->poll_query_until('postgres', "SELECT current_setting('pgml_worker.trainer_fault') = '$fault'")
	  or die;
}

set_fault('segfault');
like(wait_end(queue_job('q_segfault', 'xgboost', '{"n_estimators": 5}')),
	qr/^failed: the trainer process was terminated by signal 11: Segmentation fault/,
	'a queued job whose trainer crashes fails with the signal');
set_fault('abort');
like(wait_end(queue_job('q_abort', 'linear', '{}')),
	qr/^failed: the trainer process was terminated by signal 6: Aborted/,
	'a queued job whose trainer aborts fails with the signal');
set_fault('exception');
like(wait_end(queue_job('q_exception', 'xgboost', '{"n_estimators": 5}')),
	qr/^failed: the trainer process was terminated by signal 6: Aborted/,
	'a queued job whose trainer ends in std::terminate (an uncaught C++ exception) fails with the signal');
set_fault('oom_kill');
like(wait_end(queue_job('q_oom', 'linear', '{}')),
	qr/^failed: the trainer process was terminated by signal 9: Killed/,
	'a queued job whose trainer is OOM-killed fails with the signal');
set_fault('memory');
like(wait_end(queue_job('q_memory', 'xgboost', '{"n_estimators": 5}')),
	qr/^failed: the trainer process ran out of memory/,
	'a queued job whose trainer exceeds its memory limit fails cleanly');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the server never restarted');

# --- a round that never ends: every way to stop it works at once ---
set_fault('hang');
my $hung = queue_job('q_hang_cancel', 'xgboost', '{"n_estimators": 5}');
my $trainer;
($worker, $trainer) = worker_trainer();
my $limits = slurp_file("/proc/$trainer/limits");
like($limits, qr/^Max address space\s+1073741824\s+1073741824\s+bytes/m,
	'the trainer\'s address space is limited to pgml_worker.trainer_memory_limit');
my @stat = split / /, (slurp_file("/proc/$trainer/stat") =~ s/^.*\) //r);
is($stat[16], 10, 'the trainer runs at nice 10 (pgml_worker.trainer_nice)');
like(slurp_file("/proc/$trainer/status"), qr/^PPid:\s+$worker$/m, 'the trainer is the worker\'s child');
unlike(slurp_file("/proc/$worker/maps"), $libs,
	'the worker whose trainer is in a round maps none of XGBoost, libgomp, OpenBLAS');
# signals the postmaster sends a worker's process group do not reach its
# trainer: a reload during training leaves it running
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
select(undef, undef, undef, 0.5);
ok(-e "/proc/$trainer" && !gone_now($trainer), 'a configuration reload does not stop the trainer');
is($node->safe_psql('postgres', "SELECT status FROM pgml.train_queue WHERE id = $hung"), 'running',
	'and the job is still running');
$node->safe_psql('postgres', "SELECT pgml.cancel_job($hung)");
like(wait_end($hung), qr/^cancelled/, 'cancel_job stops a job stuck in a round');
ok(gone($trainer), 'and its trainer is gone');

$node->safe_psql('postgres', q{ALTER ROLE alice SET statement_timeout = '1s'});
my $alice = $node->safe_psql('postgres', q{
SET ROLE alice;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('q_hang_timeout', 'regression', 'public.lin', 'y', 'linear', '{}') RETURNING id});
(undef, $trainer) = worker_trainer();
like(wait_end($alice), qr/^failed: training job $alice ran longer than its time limit of 1000 ms/,
	'the role\'s statement_timeout stops a job stuck in a round');
ok(gone($trainer), 'and its trainer is gone');

# pgml.train(): statement_timeout, pg_cancel_backend, pg_terminate_backend
my ($ret, $out, $err) = $node->psql('postgres', q{
SET statement_timeout = '1s';
SELECT * FROM pgml.train('t_hang', 'regression', 'lin', 'y', 'linear');
});
like($err, qr/ERROR:  canceling statement due to statement timeout/,
	'statement_timeout stops pgml.train() stuck in a round');

my $session = $node->background_psql('postgres', on_error_stop => 0);
my $spid = $session->query_safe('SELECT pg_backend_pid()');
$session->query_until(qr/started/, q{\echo started
SELECT * FROM pgml.train('t_hang', 'regression', 'lin', 'y', 'linear');
});
$trainer = wait_trainer($spid);
$node->safe_psql('postgres', "SELECT pg_cancel_backend($spid)");
ok(gone($trainer), 'pg_cancel_backend kills the trainer of pgml.train()');
like($session->query('SELECT 1'), qr/^1$/m, 'and the session goes on');
$session->query_until(qr/started/, q{\echo started
SELECT * FROM pgml.train('t_hang', 'regression', 'lin', 'y', 'linear');
});
$trainer = wait_trainer($spid);
$node->safe_psql('postgres', "SELECT pg_terminate_backend($spid)");
ok(gone($trainer), 'pg_terminate_backend kills it too');
ok(gone($spid), 'with the backend');
eval { $session->quit };

# a trainer never outlives its parent, even one killed with SIGKILL
$session = $node->background_psql('postgres', on_error_stop => 0);
$spid = $session->query_safe('SELECT pg_backend_pid()');
$session->query_until(qr/started/, q{\echo started
SELECT * FROM pgml.train('t_hang', 'regression', 'lin', 'y', 'linear');
});
$trainer = wait_trainer($spid);
my $pdeathsig = slurp_file("/proc/$trainer/status");
# fast shutdown with a trainer in a round of the worker and of a backend
my $queued = queue_job('q_hang_shutdown', 'xgboost', '{"n_estimators": 5}');
my (undef, $wtrainer) = worker_trainer();
$bg->quit;
$other->quit;
$node->stop('fast');
pass('pg_ctl stop -m fast returns while trainers are stuck in a round');
ok(gone($trainer) && gone($wtrainer), 'and no trainer survives the server');
eval { $session->quit };

# the job the shutdown interrupted is failed at the next start
$node->start;
set_fault('none');
like(wait_end($queued), qr/^failed: /, 'the job interrupted by the shutdown is not left running');

$spid = $node->safe_psql('postgres', q{SELECT pg_backend_pid()});
$session = $node->background_psql('postgres', on_error_stop => 0);
$spid = $session->query_safe('SELECT pg_backend_pid()');
$session->query_safe(q{SET pgml_worker.trainer_fault = 'hang'});
$session->query_until(qr/started/, q{\echo started
SELECT * FROM pgml.train('t_hang', 'regression', 'lin', 'y', 'linear');
});
$trainer = wait_trainer($spid);
kill('KILL', $spid);
ok(gone($trainer), 'a trainer dies with a parent killed by SIGKILL (PR_SET_PDEATHSIG)');
eval { $session->quit };
$node->poll_query_until('postgres', 'SELECT true') or die;

# --- only superusers inject faults ---
($ret, $out, $err) = $node->psql('postgres', q{SET ROLE alice; SET pgml_worker.trainer_fault = 'segfault'});
like($err, qr/permission denied to set parameter "pgml_worker.trainer_fault"/,
	'an ordinary role cannot set pgml_worker.trainer_fault');

# training still works after all that
is($node->safe_psql('postgres', q{
SELECT deployed FROM pgml.train('after', 'regression', 'lin', 'y', 'xgboost', '{"n_estimators": 3}')}),
	't', 'training works afterwards');

$node->stop;
done_testing();
