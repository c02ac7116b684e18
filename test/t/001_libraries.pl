# The fork and thread rules: neither library links a thread pool (only the
# pgml_trainer program does), the postmaster stays single-threaded, and CREATE EXTENSION without preloading
# fails with a hint that says what to set.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pkglibdir = `pg_config --pkglibdir`;
chomp $pkglibdir;

my $ldd_worker = `ldd $pkglibdir/pgml_worker.so`;
is($?, 0, 'ldd runs on pgml_worker.so');
unlike($ldd_worker, qr/xgboost|gomp|openblas|lapack|blas/i,
	'pgml_worker.so links none of XGBoost, libgomp, OpenBLAS, LAPACK');
like($ldd_worker, qr/msgpackc/, 'pgml_worker.so links msgpack-c');

# the job code, loaded by workers and by backends calling pgml.train()
my $ldd_train = `ldd $pkglibdir/pgml_train.so`;
is($?, 0, 'ldd runs on pgml_train.so');
unlike($ldd_train, qr/xgboost|gomp|openblas|lapack|blas/i,
	'pgml_train.so links none of XGBoost, libgomp, OpenBLAS, LAPACK');

# the trainer process is the one place they run (015_trainer.pl)
my $ldd_trainer = `ldd $pkglibdir/pgml_trainer`;
like($ldd_trainer, qr/libxgboost/, 'the pgml_trainer program links XGBoost');
like($ldd_trainer, qr/openblas/i, 'the pgml_trainer program links OpenBLAS');

# A preloaded server: the postmaster must stay single-threaded.
my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pgml_worker');
my $pm_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
# the postmaster is the parent of every process; read its thread count
my $ppid = `ps -o ppid= -p $pm_pid`;
$ppid =~ s/\s+//g;
my $status = slurp_file("/proc/$ppid/status");
my ($threads) = $status =~ /^Threads:\s+(\d+)/m;
is($threads, 1, 'the postmaster has exactly one thread');
my $maps = slurp_file("/proc/$ppid/maps");
unlike($maps, qr/libxgboost|libgomp|libopenblas/,
	'the postmaster has not mapped XGBoost, libgomp or OpenBLAS');
# the launcher (connected to no database) does not load pgml_train.so
my $launcher = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pgml_worker launcher' AND datid IS NULL");
like($launcher, qr/^\d+$/, 'the launcher runs, connected to no database');
unlike(slurp_file("/proc/$launcher/maps"), qr/pgml_train|libxgboost|libgomp|libopenblas/,
	'the launcher has not mapped pgml_train.so, XGBoost, libgomp or OpenBLAS');
$node->stop;

# Without shared_preload_libraries: a clear error with a hint.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
my ($ret, $out, $err) = $plain->psql('postgres', 'CREATE EXTENSION pgml_worker');
isnt($ret, 0, 'CREATE EXTENSION fails without preloading');
like($err, qr/ERROR:  pgml_worker must be loaded via shared_preload_libraries/,
	'the error says why');
like($err, qr/HINT:  Add pgml_worker to shared_preload_libraries in postgresql.conf and restart the server./,
	'the hint says what to set');
$plain->stop;

done_testing();
