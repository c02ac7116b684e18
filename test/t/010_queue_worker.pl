# The training worker: commit-time wake-up, privileges of the queueing role,
# row-level security on the queue, cancellation between boosting rounds.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('worker');
$node->init;
# naptime of an hour: a job that runs promptly was woken by its commit
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
pgml_worker.naptime = 3600
pgml_worker.nthread = 2
max_prepared_transactions = 2
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
CREATE TABLE lin AS SELECT g::real AS a, (g % 3)::real AS b, (3 * g + (g % 3))::real AS y
  FROM generate_series(1, 200) g;
GRANT SELECT ON lin TO PUBLIC;
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE TABLE secret AS SELECT * FROM lin;
CREATE TABLE alice_data AS SELECT * FROM lin;
ALTER TABLE alice_data OWNER TO alice;
});

# The launcher is running (database workers start when a job is queued).
ok($node->poll_query_until('postgres',
	"SELECT state FROM pgml.stat_worker WHERE kind = 'launcher'", 'running'), 'the launcher runs');

# --- wake-up at commit ---
# The insert commits 2 s after it is made; the job must start after the
# commit (not before: it is invisible) and long before the naptime.
$node->safe_psql('postgres', q{
BEGIN;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('wake', 'regression', 'lin', 'y');
SELECT pg_sleep(2);
COMMIT;
});
my $t0 = time();
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'wake'", 'succeeded'),
	'a committed job runs without waiting for the naptime');
ok(time() - $t0 < 60, 'and promptly');
is($node->safe_psql('postgres',
	"SELECT started_at >= queued_at + interval '2 seconds' FROM pgml.train_queue WHERE project_name = 'wake'"),
	't', 'the job started only after its transaction committed');
is($node->safe_psql('postgres',
	"SELECT round(pgml.predict('wake', ARRAY[10, 1]::real[])::numeric, 2)"),
	'31.00', 'the queued model serves predictions (3*10 + 1)');

# A rolled-back insert never runs.
$node->safe_psql('postgres', q{
BEGIN;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('rolled_back', 'regression', 'lin', 'y');
ROLLBACK;
});

# --- privileges of the queueing role ---
$node->safe_psql('postgres', q{
SET ROLE alice;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_secret', 'regression', 'public.secret', 'y');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_own', 'regression', 'public.alice_data', 'y');
});
ok($node->poll_query_until('postgres',
	"SELECT string_agg(status, ',' ORDER BY id) FROM pgml.train_queue WHERE project_name LIKE 'alice%'",
	'failed,succeeded'), 'alice: job on a table she cannot read fails, her own succeeds');
like($node->safe_psql('postgres',
	"SELECT error FROM pgml.train_queue WHERE project_name = 'alice_secret'"),
	qr/permission denied for table secret/, 'the failure is a permission error');
is($node->safe_psql('postgres',
	"SELECT count(*) FROM pgml.projects p JOIN pgml.models m ON m.project_id = p.id WHERE p.name = 'alice_secret'"),
	'0', 'no model was made from the secret table');
is($node->safe_psql('postgres',
	"SELECT queued_by::text FROM pgml.train_queue WHERE project_name = 'alice_own'"),
	'alice', 'queued_by is the inserting role');

# queued_by (like id and status) is the queue's: naming it is refused.
my ($spoof_rc, $spoof_out, $spoof_err) = $node->psql('postgres', q{
SET ROLE alice;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, queued_by)
VALUES ('spoof', 'regression', 'public.secret', 'y', 'postgres');
});
like($spoof_err, qr/permission denied for table train_queue/, 'a job cannot claim another role');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgml.train_queue WHERE project_name = 'spoof'"),
	'0', 'and nothing was queued');

# Row-level security: bob sees none of alice's jobs and cannot cancel them.
is($node->safe_psql('postgres',
	"SET ROLE bob; SELECT count(*) FROM pgml.train_queue"), '0', 'bob sees no jobs of others');
is($node->safe_psql('postgres',
	"SET ROLE alice; SELECT count(*) FROM pgml.train_queue"), '2', 'alice sees her two jobs');

# --- cancellation between boosting rounds ---
$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('long', 'classification', 'pgml.digits', 'target', 'xgboost', '{"n_estimators": 100000}');
});
my $long_id = $node->safe_psql('postgres', "SELECT id FROM pgml.train_queue WHERE project_name = 'long'");
ok($node->poll_query_until('postgres',
	"SELECT state = 'training' AND rounds_done > 0 FROM pgml.stat_worker WHERE job_id = $long_id"),
	'the long job is training');
# a cancellation reaches the worker at commit: it cannot be prepared, and
# the refused one is not posted by the session's next commit either
my ($prep_rc, $prep_out, $prep_err) = $node->psql('postgres', q{
BEGIN;
SELECT pgml.cancel_job(id) FROM pgml.train_queue WHERE project_name = 'long';
PREPARE TRANSACTION 'pgml_cancel';
BEGIN;
SELECT 1;
COMMIT;
});
like($prep_err, qr/cannot prepare a transaction that cancels a training job/,
	'cancel_job cannot be prepared');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0',
	'nothing was prepared');
my $done = $node->safe_psql('postgres', "SELECT rounds_done FROM pgml.stat_worker WHERE job_id = $long_id");
ok($node->poll_query_until('postgres',
	"SELECT state = 'training' AND rounds_done > $done FROM pgml.stat_worker WHERE job_id = $long_id"),
	'the job goes on training');
# a cancellation rolled back with its savepoint is not posted at commit
$node->safe_psql('postgres', q{
BEGIN;
SAVEPOINT s;
SELECT pgml.cancel_job(id) FROM pgml.train_queue WHERE project_name = 'long';
ROLLBACK TO s;
COMMIT;
});
$done = $node->safe_psql('postgres', "SELECT rounds_done FROM pgml.stat_worker WHERE job_id = $long_id");
ok($node->poll_query_until('postgres',
	"SELECT state = 'training' AND rounds_done > $done FROM pgml.stat_worker WHERE job_id = $long_id"),
	'the job goes on training after a cancel rolled back to a savepoint');
is($node->safe_psql('postgres', q{
SELECT status FROM pgml.train_queue WHERE project_name = 'long'}), 'running',
	'and it is still running');
is($node->safe_psql('postgres', q{
SELECT pgml.cancel_job(id) FROM pgml.train_queue WHERE project_name = 'long'}),
	'cancelled', 'cancel_job marks it cancelled');
ok($node->poll_query_until('postgres',
	"SELECT count(*) FROM pgml.stat_worker WHERE state = 'training'", '0'),
	'the worker stops training');
my $rounds = $node->safe_psql('postgres', "SELECT jobs_cancelled FROM pgml.stat_worker WHERE kind = 'launcher'");
is($rounds, '1', 'the job service counted one cancelled job');
is($node->safe_psql('postgres', q{
SELECT status FROM pgml.train_queue WHERE project_name = 'long'}), 'cancelled',
	'the job stays cancelled');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'long'}),
	'0', 'a cancelled job stores no model');

# A job waiting for a lock on its table stops as soon as its cancel commits
# (the worker is signalled), not when the lock is released.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK lin IN ACCESS EXCLUSIVE MODE');
$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('blocked', 'regression', 'lin', 'y');
});
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_locks WHERE relation = 'lin'::regclass AND NOT granted"),
	'the job waits for the lock');
is($node->safe_psql('postgres', q{
SELECT pgml.cancel_job(id) FROM pgml.train_queue WHERE project_name = 'blocked'}),
	'cancelled', 'cancel_job of the blocked job');
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pgml.stat_worker WHERE job_id IS NOT NULL"),
	'the worker gives up the job while the lock is still held');
is($node->safe_psql('postgres',
	"SELECT count(*) FROM pg_locks WHERE relation = 'lin'::regclass AND NOT granted"),
	'0', 'nothing waits for the lock any more');
is($node->safe_psql('postgres', q{
SELECT status || ': ' || error FROM pgml.train_queue WHERE project_name = 'blocked'}),
	'cancelled: cancelled by postgres', 'the job is recorded as cancelled');
my $blocked = $node->safe_psql('postgres',
	"SELECT id FROM pgml.train_queue WHERE project_name = 'blocked'");
like(slurp_file($node->logfile),
	qr/training job $blocked cancelled: training job $blocked was cancelled/,
	'the worker logs the cancellation as such');
$locker->query_safe('COMMIT');
$locker->quit;

# Job ids can come round again: the cancellation posted for job $blocked
# does not cancel a later job with the same id.
$node->safe_psql('postgres', 'TRUNCATE pgml.train_queue RESTART IDENTITY');
$node->safe_psql('postgres', qq{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
SELECT 'again', 'regression', 'lin', 'y' FROM generate_series(1, $blocked);
});
ok($node->poll_query_until('postgres',
	"SELECT count(*) = $blocked FROM pgml.train_queue WHERE status IN ('succeeded', 'failed', 'cancelled')"),
	'the jobs with the same ids ran');
is($node->safe_psql('postgres',
	"SELECT string_agg(DISTINCT status, ',') FROM pgml.train_queue"),
	'succeeded', "job $blocked, whose id was cancelled before, succeeds too");

# Cancelling by UPDATE works too, for a job still queued.
$node->safe_psql('postgres', q{
BEGIN;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('never', 'regression', 'lin', 'y');
UPDATE pgml.train_queue SET status = 'cancelled' WHERE project_name = 'never';
COMMIT;
});
# an invalid status change is refused
my ($ret, $out, $err) = $node->psql('postgres',
	"UPDATE pgml.train_queue SET status = 'queued' WHERE project_name = 'never'");
like($err, qr/cannot change the status of job \d+ from cancelled to queued/, 'status changes are checked');

# and the worker goes on with later jobs
$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('after', 'classification', 'pgml.digits', 'target', 'xgboost', '{"n_estimators": 5}');
});
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'after'", 'succeeded'),
	'a later job succeeds');
is($node->safe_psql('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'never'"), 'cancelled',
	'the cancelled queued job never ran');
is($node->safe_psql('postgres',
	"SELECT count(*) FROM pgml.train_queue WHERE project_name = 'rolled_back'"), '0',
	'the rolled-back job does not exist');

# A bad hyperparameter fails the job with a message naming it.
$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('bad', 'classification', 'pgml.digits', 'target', 'xgboost', '{"n_estimatorz": 5}');
});
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'bad'", 'failed'),
	'a job with an unknown hyperparameter fails');
like($node->safe_psql('postgres',
	"SELECT error FROM pgml.train_queue WHERE project_name = 'bad'"),
	qr/n_estimatorz/, 'the error names the hyperparameter');

# Text columns through the queue: the job's preprocess encodes them, and a
# row with text predicts from the shared image in another session.
$node->safe_psql('postgres', q{
CREATE TABLE paint AS
SELECT (ARRAY['red', 'green', 'blue'])[1 + g % 3] AS color, (g % 5)::real AS size,
       ((ARRAY[1, 3, -2])[1 + g % 3] + 0.5 * (g % 5))::real AS y
  FROM generate_series(1, 90) g;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, preprocess)
VALUES ('paint', 'regression', 'paint', 'y', 'linear', '{"color": {"encode": "one_hot"}}');
});
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'paint'", 'succeeded'),
	'a queued job with one-hot encoded text succeeds');
is($node->safe_psql('postgres',
	"SELECT round(pgml.predict('paint', ROW('green', 2))::numeric, 3)"),
	'4.000', 'its model predicts from a row with text (3 + 0.5 * 2)');

$node->stop;
done_testing();
