# Images in PostgreSQL's preallocated DSM space (min_dynamic_shared_memory):
# dsm_create carves a segment out of the main shared memory when it fits
# there and falls back to a POSIX segment when it does not.  Both kinds must
# serve predictions, be freed when a model is replaced, and have their space
# reused, without a backend ever reading a freed or reused image.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;

my $node = pgml_node('main_dsm', qq{
min_dynamic_shared_memory = 1MB
pgml_worker.naptime = 1
pgml_worker.nthread = 2
});

$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
});

# id of the newest model of a project
sub newest
{
	my ($project) = @_;
	return $node->safe_psql('postgres', qq{
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = '$project' ORDER BY m.id DESC LIMIT 1});
}

# all the digits' predictions of a project (or of a model id), in one string,
# from a new connection
sub predictions
{
	my ($what) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(pgml.predict($what, image)::text, ',' ORDER BY ctid) FROM pgml.digits");
}

# In a new connection: run $query (a prediction, or nothing: undef), then the
# POSIX DSM segments (/dev/shm/PostgreSQL.*) the backend has mapped, as a
# hash of name => mapped bytes.
sub posix_segments
{
	my ($query) = @_;
	my $sql = defined($query) ? "$query \\g /dev/null\n" : '';
	my $out = $node->safe_psql('postgres', $sql . "SELECT pg_read_file('/proc/self/maps')");
	my %seg;
	for my $line (split /\n/, $out)
	{
		next unless $line =~ m{^([0-9a-f]+)-([0-9a-f]+) .*/dev/shm/(PostgreSQL\.\d+)};
		$seg{$3} += hex($2) - hex($1);
	}
	return %seg;
}

# The POSIX segments mapped by a backend that ran $query but not by one that
# ran nothing: the sizes of those at least $bytes large.
sub new_segments
{
	my ($query, $bytes) = @_;
	my %base = posix_segments(undef);
	my %with = posix_segments($query);
	return grep { $_ >= $bytes } map { $with{$_} } grep { !exists $base{$_} } keys %with;
}

# Two small models (10 classes x 4 and x 6 trees of depth 3: some kB each).
$node->safe_psql('postgres', q{
SELECT * FROM pgml.train('small', 'classification', 'pgml.digits', 'target',
                         'xgboost', '{"n_estimators": 4, "max_depth": 3}');
});
my $m1 = newest('small');
my $p1 = predictions("'small'");
$node->safe_psql('postgres', q{
SELECT * FROM pgml.train('small', 'classification', 'pgml.digits', 'target',
                         'xgboost', '{"n_estimators": 6, "max_depth": 3}');
});
my $m2 = newest('small');
$node->safe_psql('postgres', "SELECT * FROM pgml.deploy($m2)");
my $p2 = predictions("'small'");
isnt($p2, $p1, 'the two small models predict differently');
is(predictions($m1), $p1, 'model 1 by id, beside the deployed model 2');

my $small_bytes = $node->safe_psql('postgres',
	"SELECT bytes FROM pgml.stat_models WHERE project = 'small'");
cmp_ok($small_bytes, '<', 512 * 1024, "a small image ($small_bytes bytes) fits the 1 MB space");
is(scalar(new_segments("SELECT pgml.predict('small', image) FROM pgml.digits LIMIT 1", $small_bytes)), 0,
	'the small image is in the main shared memory: no POSIX segment as large is mapped');

# Redeploy back and forth: each deploy replaces the project's image, which
# frees the old one's pages in the preallocated space for the next.
my $ok = 1;
for my $i (1 .. 12)
{
	my ($id, $want) = ($i % 2) ? ($m1, $p1) : ($m2, $p2);

	$node->safe_psql('postgres', "SELECT * FROM pgml.deploy($id)");
	if (predictions("'small'") ne $want)
	{
		$ok = 0;
		diag("deploy $i (model $id): wrong predictions");
		last;
	}
}
ok($ok, '12 redeploys through the preallocated space: each model predicts as it did');

# An open connection that mapped the old image sees the new one after a
# redeploy, while other connections keep replacing images.
my $bg = $node->background_psql('postgres');
my $first_row = "SELECT pgml.predict('small', image) FROM pgml.digits ORDER BY ctid LIMIT 1";
my ($w1) = split /,/, $p1;
my ($w2) = split /,/, $p2;
$node->safe_psql('postgres', "SELECT * FROM pgml.deploy($m1)");
is($bg->query_safe($first_row), $w1, 'an open connection predicts with model 1');
$node->safe_psql('postgres', "SELECT * FROM pgml.deploy($m2)");
$node->safe_psql('postgres', "SELECT * FROM pgml.deploy($m1)");
$node->safe_psql('postgres', "SELECT * FROM pgml.deploy($m2)");
is($bg->query_safe($first_row), $w2, 'after three redeploys it predicts with model 2');
$bg->quit;

# A model larger than the space (300 trees of depth 8 on 20 features, a few
# kB each): dsm_create falls back to a POSIX segment.
$node->safe_psql('postgres', q{
SELECT setseed(0.25);
CREATE TABLE wide AS
  SELECT x, (SELECT sum(v * k) FROM unnest(x) WITH ORDINALITY u(v, k)) + random() AS y
    FROM (SELECT ARRAY(SELECT random()::real FROM generate_series(1, 20) WHERE g > 0) AS x
            FROM generate_series(1, 20000) g) s;
SELECT * FROM pgml.train('big', 'regression', 'wide', 'y',
                         'xgboost', '{"n_estimators": 300, "max_depth": 8}');
});
my $big_query = "SELECT string_agg(pgml.predict('big', x)::text, ',' ORDER BY ctid) FROM wide";
my $pbig = $node->safe_psql('postgres', $big_query);
my $big_bytes = $node->safe_psql('postgres',
	"SELECT bytes FROM pgml.stat_models WHERE project = 'big'");
cmp_ok($big_bytes, '>', 1024 * 1024, "the big image ($big_bytes bytes) exceeds the 1 MB space");
is(scalar(new_segments("SELECT pgml.predict('big', x) FROM wide LIMIT 1", $big_bytes)), 1,
	'the big image is in a POSIX segment');
is(predictions("'small'"), $p2, 'the small model still predicts beside it');

# After a restart every image is rebuilt, in whichever kind of segment.
$node->restart;
is(predictions("'small'"), $p2, 'small model after a restart');
is($node->safe_psql('postgres', $big_query), $pbig, 'big model after a restart');
is(predictions($m1), $p1, 'model 1 by id after a restart');

$node->stop;
done_testing();
