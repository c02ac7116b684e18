# The real upgrade path (docs/upgrading.md): the released 0.1.0 is built
# from its commit and installed into a private copy of the PostgreSQL
# installation; a cluster on it trains and deploys models of every
# algorithm with the 0.1.0 library.  Then the current build is installed
# over it, the server restarted, and ALTER EXTENSION UPDATE run: every model
# predicts identically before and after the update, and the new features
# work.  (080_upgrade.pl compares the updated schema with a fresh install.)
use strict;
use warnings;
use Cwd;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib dirname(__FILE__);
use PgmlUpgrade;

# the commit 0.1.0 was released from (its install script is
# sql/versions/pgml_worker--0.1.0.sql)
my $released = '901c731';
my $top = getcwd();

# the released source comes from the repository's history, read with git
# (test/install-deps.sh installs it); a shallow clone has none (say so,
# rather than fail for want of history)
plan skip_all => "git is not installed: 0.1.0 cannot be built from the history"
  if system("git --version >/dev/null 2>&1") != 0;
plan skip_all => "the repository's history is not here (shallow clone): 0.1.0 cannot be built"
  if system("git -C '$top' cat-file -e $released^{commit} 2>/dev/null") != 0;

my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
sub pgc { my $v = `$pg_config --$_[0]`; chomp $v; die "pg_config --$_[0] failed" if $? != 0; return $v; }

my ($bindir, $sharedir, $includedir) = (pgc('bindir'), pgc('sharedir'), pgc('includedir'));
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $inst = "$tmp/pg";
my $home = dirname($bindir);	# bin and lib of the installation

# a relocatable copy: same layout under $inst
system('mkdir', '-p', "$inst" . dirname($home), "$inst" . dirname($sharedir),
	"$inst" . dirname($includedir)) == 0 or die;
system('cp', '-a', $home, "$inst" . dirname($home)) == 0 or die "copy $home";
system('cp', '-a', $sharedir, "$inst" . dirname($sharedir)) == 0 or die "copy $sharedir";
symlink($includedir, "$inst$includedir") or die "symlink $includedir";
system("rm -rf $inst$home/lib/pgml_*.so $inst$sharedir/extension/pgml_worker* $inst$sharedir/pgml_worker");
my $copy_config = "$inst$bindir/pg_config";
like(`$copy_config --pkglibdir`, qr/^\Q$inst\E/, 'a private copy of the installation');

# build and install the released version
my $src = "$tmp/src";
mkdir $src or die;
is(system("git -C '$top' archive $released | tar -x -C '$src'"), 0, "git archive $released");
my $log = "$tmp/build.log";
is(system("make -C '$src' -s -j2 PG_CONFIG='$copy_config' >'$log' 2>&1 && "
	  . "make -C '$src' -s install PG_CONFIG='$copy_config' >>'$log' 2>&1"), 0,
	'the released version builds and installs') or diag(`tail -20 '$log'`);

my $node = PostgreSQL::Test::Cluster->new('release', install_path => "$inst$home");
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
pgml_worker.nthread = 2
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pgml_worker;' . every_algorithm_sql() . q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm)
VALUES ('q_ridge', 'regression', 'lin', 'y', 'ridge');
});
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'pgml_worker'"),
	'0.1.0', 'the cluster runs the released 0.1.0');
ok($node->poll_query_until('postgres', "SELECT status FROM pgml.train_queue", 'succeeded'),
	'its worker trained a queued job');
is($node->safe_psql('postgres', 'SELECT count(DISTINCT algorithm) FROM pgml.models'), '9',
	'models of all nine algorithms, trained by 0.1.0');

my $predictions = predictions_sql();
my $expected = $node->safe_psql('postgres', $predictions);
is(scalar(split /\n/, $expected), 12, 'twelve deployed models predict on 0.1.0');
$node->stop;

# install the current build over it and restart: the documented procedure
is(system("make -C '$top' -s install PG_CONFIG='$copy_config' >>'$log' 2>&1"), 0,
	'the current build installs over 0.1.0') or diag(`tail -20 '$log'`);
$node->start;
is($node->safe_psql('postgres', $predictions), $expected,
	'after the restart, before the update, every model predicts as on 0.1.0');
my ($rc, $out, $err) = $node->psql('postgres', "SELECT * FROM pgml.train('x', 'regression', 'lin', 'y')");
like($err, qr/older than its library/, 'training waits for the update, saying so');
($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT pgml.predict('r_lin', NULL::real[])");
like($err, qr/ERROR:  22004: features must not be NULL/,
	'the 0.1.0 schema calls predict with NULL features (not STRICT): the new library refuses them');

$node->safe_psql('postgres', 'ALTER EXTENSION pgml_worker UPDATE');
isnt($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'pgml_worker'"),
	'0.1.0', 'updated');
is($node->safe_psql('postgres', $predictions), $expected, 'after the update, every model predicts identically');

# new features on the updated schema
$node->safe_psql('postgres', q{
CREATE ROLE reader LOGIN;
SELECT * FROM pgml.train('r_new', 'regression', 'lin', 'y', 'lasso');
SELECT pgml.grant_project('r_lin', 'reader');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('q_new', 'regression', 'lin', 'y');
});
ok($node->poll_query_until('postgres', "SELECT status FROM pgml.train_queue WHERE project_name = 'q_new'",
	'succeeded'), 'the worker runs a new job on the updated schema');
is($node->safe_psql('postgres', "SELECT pgml.predict('r_lin', ARRAY[10, 3])", extra_params => [ '-U', 'reader' ]),
	$node->safe_psql('postgres', "SELECT pgml.predict('r_lin', ARRAY[10, 3])"),
	'a granted role predicts with an upgraded project');
($rc, $out, $err) = $node->psql('postgres', "SELECT pgml.predict('c_xgb', ARRAY[5.1, 3.5, 1.4, 0.2])",
	extra_params => [ '-U', 'reader' ]);
like($err, qr/permission denied for project "c_xgb"/, 'and only that one');
$node->stop;
done_testing();
