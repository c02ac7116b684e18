# The model cache (docs/operations.md): max_models is checked against the
# server's DSM segment limit at start; images beyond the slots evict the
# least recently used one; stat_models keeps each model's counters across
# evictions and shows evictions, compilations, compile time and hits;
# stat_registry shows the whole registry.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib dirname(__FILE__);
use PgmlTest;

# 22 backends (10 connections, 3 autovacuum workers and their launcher, 8
# worker processes, no WAL sender): 64 + 5 x 22 = 174 segments, of which
# the registry keeps 174 - 64 - 22 = 88 for model images
my $backends = "max_connections = 10\nautovacuum_max_workers = 3\nmax_worker_processes = 8\nmax_wal_senders = 0\n";
my $big = pgml_node('cache_big', "pgml_worker.max_models = 1000\n$backends");
ok($big->log_contains(qr/pgml_worker.max_models is 1000, but this server's dynamic shared memory segments allow 88 model images/),
	'an impossible max_models is reported at start');
$big->safe_psql('postgres', 'CREATE EXTENSION pgml_worker');
is($big->safe_psql('postgres', 'SELECT slots, max_models, max_segments FROM pgml.stat_registry'),
	'88|1000|174', 'stat_registry shows the slots the server allows');

# more models than slots: every training succeeds and every model predicts
$big->safe_psql('postgres', q{
CREATE TABLE lin AS SELECT g::real AS a, (2 * g)::real AS y FROM generate_series(1, 30) g;});
my $script = join('', map { "SELECT project FROM pgml.train('m$_', 'regression', 'lin', 'y');\n" } 1 .. 200);
my ($rc, $out, $err) = $big->psql('postgres', $script);
is($rc, 0, '200 models trained and published with 88 slots') or diag($err);
unlike($err, qr/segments/, 'no segment error');
is($big->safe_psql('postgres', q{
SELECT count(*) FROM generate_series(1, 200) i
 WHERE round(pgml.predict('m' || i, ARRAY[10]::real[])) = 20}), '200', 'every one predicts');
my ($slots_used, $evictions) = split /\|/, $big->safe_psql('postgres',
	'SELECT slots_used, evictions FROM pgml.stat_registry');
is($slots_used, '88', 'all the slots are in use');
cmp_ok($evictions, '>=', 200 - 88, 'the least recently used images were evicted');
$big->stop;

# two slots, three models: counters survive an eviction
my $node = pgml_node('cache', "pgml_worker.max_models = 2\n$backends");
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
CREATE TABLE lin AS SELECT g::real AS a, (2 * g)::real AS y FROM generate_series(1, 30) g;
SELECT project FROM pgml.train('p1', 'regression', 'lin', 'y');
SELECT project FROM pgml.train('p2', 'regression', 'lin', 'y');
});
$node->safe_psql('postgres', "SELECT pgml.predict('p1', ARRAY[1]::real[]) FROM generate_series(1, 7)");
is($node->safe_psql('postgres', "SELECT loads, evictions, predict_calls FROM pgml.stat_models WHERE project = 'p1'"),
	'1|0|7', 'p1: published once, 7 predictions');
$node->safe_psql('postgres', q{
SELECT project FROM pgml.train('p3', 'regression', 'lin', 'y');
SELECT pgml.predict('p2', ARRAY[1]::real[]);});
is($node->safe_psql('postgres', "SELECT count(*) FROM pgml.stat_models WHERE project = 'p1'"), '0',
	'p1, the least recently used, was evicted for p3');
$node->safe_psql('postgres', "SELECT pgml.predict('p1', ARRAY[1]::real[]) FROM generate_series(1, 5)");
my ($loads, $evict, $calls, $hits, $compile) = split /\|/, $node->safe_psql('postgres',
	"SELECT loads, evictions, predict_calls, hits, compile_time FROM pgml.stat_models WHERE project = 'p1'");
is("$loads|$evict|$calls", '2|1|12', 'back in a slot, p1 counts on: 2 loads, 1 eviction, 12 predictions');
cmp_ok($hits, '>=', 2, 'hits are counted');
cmp_ok($compile, '>', 0, 'and the time spent compiling');
is($node->safe_psql('postgres', 'SELECT slots, slots_used, evictions >= 2, loads >= 4 FROM pgml.stat_registry'),
	'2|2|t|t', 'stat_registry');

# the smallest cache, one model image: the server starts, and two projects
# take turns in the one slot, each predicting right
$node->append_conf('postgresql.conf', "pgml_worker.max_models = 1\n");
$node->restart;
is($node->safe_psql('postgres', 'SELECT slots FROM pgml.stat_registry'), '1', 'max_models = 1 gives one slot');
is($node->safe_psql('postgres', q{
SELECT round(pgml.predict('p1', ARRAY[3]::real[])::numeric) || ' ' ||
       round(pgml.predict('p2', ARRAY[4]::real[])::numeric) || ' ' ||
       round(pgml.predict('p1', ARRAY[5]::real[])::numeric)}),
	'6 8 10', 'two projects take turns in it');
$node->stop;
done_testing();
