# Cancelling a running job inside nested savepoints (src/queue.c): a
# cancellation made in an inner savepoint that is released belongs to the
# enclosing one from then on, so rolling back the enclosing savepoint
# discards it, and releasing it keeps it.  (test/t/010_queue_worker.pl
# covers one level; a released inner savepoint that kept its own id would
# still post the cancel after the outer rollback.)
#
# The job is a long XGBoost training; "goes on training" is seen through
# pgml.stat_worker.rounds_done increasing (polled, no sleeps).
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = pgml_node('cancel');
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('long', 'classification', 'pgml.digits', 'target', 'xgboost', '{"n_estimators": 100000}');
});
ok($node->poll_query_until('postgres',
	"SELECT state = 'training' AND rounds_done > 0 FROM pgml.stat_worker WHERE kind = 'worker' AND job_id IS NOT NULL"),
	'the long job is training');

sub goes_on
{
	my ($what) = @_;
	my $done = $node->safe_psql('postgres', 'SELECT rounds_done FROM pgml.stat_worker WHERE job_id IS NOT NULL');
	ok($node->poll_query_until('postgres',
		"SELECT state = 'training' AND rounds_done > $done FROM pgml.stat_worker WHERE job_id IS NOT NULL"),
		"the job goes on training $what");
	is($node->safe_psql('postgres',
		"SELECT status FROM pgml.train_queue WHERE project_name = 'long'"),
		'running', "and its status is running $what");
}

# cancel in b, release b, roll back a: discarded
$node->safe_psql('postgres', q{
BEGIN;
SAVEPOINT a;
SAVEPOINT b;
SELECT pgml.cancel_job(id) FROM pgml.train_queue WHERE project_name = 'long';
RELEASE SAVEPOINT b;
ROLLBACK TO SAVEPOINT a;
COMMIT;
});
goes_on('after a cancel released into a savepoint that rolled back');

# three levels, the cancel in the innermost, the middle one rolled back
$node->safe_psql('postgres', q{
BEGIN;
SAVEPOINT a;
SAVEPOINT b;
SAVEPOINT c;
SELECT pgml.cancel_job(id) FROM pgml.train_queue WHERE project_name = 'long';
RELEASE SAVEPOINT c;
ROLLBACK TO SAVEPOINT b;
RELEASE SAVEPOINT a;
COMMIT;
});
goes_on('after a cancel released into a middle savepoint that rolled back');

# cancel in b, release b, release a: posted at commit
$node->safe_psql('postgres', q{
BEGIN;
SAVEPOINT a;
SAVEPOINT b;
SELECT pgml.cancel_job(id) FROM pgml.train_queue WHERE project_name = 'long';
RELEASE SAVEPOINT b;
RELEASE SAVEPOINT a;
COMMIT;
});
ok($node->poll_query_until('postgres', "SELECT count(*) FROM pgml.stat_worker WHERE state = 'training'", '0'),
	'a cancel released through every savepoint stops the job');
is($node->safe_psql('postgres',
	"SELECT status || '/' || jobs_cancelled FROM pgml.train_queue, pgml.stat_worker WHERE project_name = 'long' AND kind = 'launcher'"),
	'cancelled/1', 'the job is cancelled, once');

$node->stop;
done_testing();
