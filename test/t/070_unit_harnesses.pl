# The unit harnesses of test/unit, run as part of every test run (CI):
#
#   test/unit/metrics_check.sh   src/train/metrics.c against scikit-learn's
#                                metrics on 438 random cases, 1e-12 relative
#                                (ROC AUC ties count 1/2, log loss clipping,
#                                macro averages, undefined -> null)
#   test/unit/linear_check.sh    src/trainer/linear.c against LinearRegression,
#                                Ridge, Lasso, ElasticNet, LogisticRegression
#                                (both solvers), inside a backend
#   test/unit/cluster_check.sh   src/trainer/cluster.c, decompose.c and
#                                cluster_metrics.c against KMeans, PCA and
#                                silhouette_score, inside a backend
#
# Each script exits non-zero when a check fails; its tolerances are stated
# in the script and its Python half.  They need the oracle (scikit-learn):
# see PgmlOracle.pm for when a missing oracle may be skipped.
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PgmlOracle;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

require_oracle([ 'sklearn', 'numpy', 'scipy' ]);

my $top = dirname(__FILE__) . '/../..';

# run one harness; its whole output goes to the test log, the last lines to
# the test's diagnostics when it fails
sub harness
{
	my ($script, @args) = @_;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ 'bash', "$top/test/unit/$script", @args ],
		'>', \$out, '2>', \$err);
	note("$script stdout:\n$out");
	note("$script stderr:\n$err") if $err ne '';
	ok($ok, "test/unit/$script passes")
	  or diag(join("\n", grep { /FAIL|ERROR|Error/ } split /\n/, "$out\n$err"));
	return $out;
}

# without a server
my $m = harness('metrics_check.sh');
like($m, qr/^\d+ cases, \d+ values checked, 0 failures/m,
	'metrics_check reports its cases and no failure');

# inside a backend: a node with the extension and the toy datasets
my $node = pgml_node('unit');
$node->safe_psql('postgres', 'CREATE EXTENSION pgml_worker');
local $ENV{PGHOST} = $node->host;
local $ENV{PGUSER} = scalar getpwuid($<);
local $ENV{PG_CONFIG} = $ENV{PG_CONFIG} // 'pg_config';

harness('linear_check.sh', $node->port, 'postgres');
harness('cluster_check.sh', $node->port, 'postgres');

$node->stop;
done_testing();
