# pgml.hyperparameters() against Debian's scikit-learn, the reference of
# issue 16 for the names and defaults of the hyperparameters: for every
# algorithm that mirrors a scikit-learn estimator (the CART family, the
# linear models, k-means, PCA), each listed key, for each task, must be a
# parameter of the estimator of that task (or its alias must be), except
# pgml's own (kmeans' refine); and each default written as JSON must equal
# the estimator's get_params() default, except the documented deviations
# the oracle lists with their reason (test/oracle/hyperparameter_names.py).
# XGBoost is not compared: its scikit-learn wrapper leaves most defaults to
# the C++ library (None), and test/sql/hyperparameter_table.sql holds its
# listed defaults to the trainer by training with them.
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PgmlOracle;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $python = require_oracle([ 'sklearn' ]);
my $oracle = dirname(__FILE__) . '/../oracle/hyperparameter_names.py';

my $node = pgml_node('hyperparameter_names');
$node->safe_psql('postgres', 'CREATE EXTENSION pgml_worker');
my $rows = $node->safe_psql('postgres', q{
SELECT json_agg(json_build_object('algorithm', algorithm, 'tasks', tasks, 'name', name,
                                  'alias', alias, 'type', type, 'default_value', default_value))
  FROM pgml.hyperparameters()});

my ($out, $err) = ('', '');
ok(IPC::Run::run([ $python, $oracle ], '<', \$rows, '>', \$out, '2>', \$err), 'the oracle ran')
  or diag($err);
my $checks = decode_json($out);

my %algorithms;
my %defaults;
for my $c (@$checks)
{
	my $what = "$c->{algorithm} ($c->{task}): $c->{name}";
	$algorithms{"$c->{algorithm} $c->{task}"} = 1;
	ok($c->{known}, "$what is a parameter of scikit-learn's estimator"
		  . ($c->{why} ? " ($c->{why})" : ''));
	$defaults{ $c->{default} }++;
	next if $c->{default} ne 'equal' && $c->{default} ne 'differs';
	is($c->{default}, 'equal', "$what: default equals scikit-learn's")
	  or diag("pgml $c->{name} = " . encode_json([ $c->{ours} ])
		  . ", scikit-learn " . encode_json([ $c->{theirs} ]));
}
note("defaults: " . join(', ', map { "$_ $defaults{$_}" } sort keys %defaults));
note("documented deviations: " . join('; ',
	map { "$_->{algorithm} $_->{task} $_->{name}: $_->{why}" }
	  grep { $_->{default} eq 'documented deviation' } @$checks));
# every estimator was compared, and most defaults are JSON (a check that
# cannot pass vacuously)
is(scalar(keys %algorithms), 38, 'the keys of 38 algorithm x task pairs were compared');
cmp_ok($defaults{equal} // 0, '>=', 150, 'at least 150 defaults compared equal');

$node->stop;
done_testing();
