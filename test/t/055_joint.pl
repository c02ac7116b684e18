# Joint (multi-output) regression models (issue 15, item 3):
# pgml.train_joint / pgml.predict_joint on PostgresML's linnerud dataset,
# against scikit-learn 1.2 and XGBoost 1.7 fitted on the same rows with a
# 2-D target (test/oracle/joint_parity.py, /usr/bin/python3).
#
# Split: test_size => 5, test_sampling => 'last': the first 15 rows of
# pgml.linnerud in scan order train, the last 5 test, on both sides.
#
# What is asserted, with which tolerance:
#   1. every target of every test row served by pgml.predict_joint equals
#      the oracle's prediction: the linear family (linear, ridge, lasso,
#      elastic_net, which scikit-learn fits target by target) within
#      $LINEAR_REL_TOL relative (scaled by the target's spread; the
#      coordinate-descent solvers stop at a tolerance), the tree models
#      within $TREE_REL_TOL (float32 leaves and sums): XGBoost's
#      one-tree-per-target boosting; gradient_boosting_trees,
#      hist_gradient_boosting and ada_boost (AdaBoost.R2: a weighted median
#      per target) as MultiOutputRegressor clones (PostgresML's way); decision_tree, random_forest, extra_trees and bagging as
#      scikit-learn's multi-output trees fitted on the 2-D target;
#   2. the stored metrics r2, mean_squared_error and mean_absolute_error
#      equal scikit-learn's uniform_average of the oracle's predictions
#      within $METRIC_REL_TOL, and r2_per_target has one value per target
#      whose mean is r2; the multi-output trees' feature_importances equal
#      scikit-learn's within $IMPORTANCE_ABS_TOL;
#   3. pgml.predict refuses a joint model (42809, naming predict_joint);
#      predict_joint of a one-target model is that model's pgml.predict;
#      NULL features give NULL;
#   4. bad input is refused with its SQLSTATE: a classification joint
#      model (0A000), a label named twice (42701), a text target (42804),
#      target encoding (0A000), a missing column (42703), an empty
#      y_column_name (22023), over 1024 targets (54000), a NULL
#      target name (22004), a non-identity XGBoost objective (0A000);
#   5. training again without a relation (pgml.train, pgml.train_joint and
#      the queue) reuses the snapshot's every target; the snapshot and the
#      model record them.
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

my $LINEAR_REL_TOL = 1e-4;
my $TREE_REL_TOL = 1e-5;
my $METRIC_REL_TOL = 1e-4;
my $IMPORTANCE_ABS_TOL = 1e-6;

my $python = require_oracle([ 'sklearn', 'numpy', 'xgboost' ]);
my $oracle = dirname(__FILE__) . '/../oracle/joint_parity.py';

my $node = pgml_node('joint', "pgml_worker.nthread = 1\n");
$node->safe_psql('postgres', 'CREATE EXTENSION pgml_worker');
$node->safe_psql('postgres', "SELECT * FROM pgml.load_dataset('linnerud')");

sub rows_json
{
	my ($cols, $where) = @_;
	return $node->safe_psql('postgres', qq{
SELECT coalesce(json_agg(json_build_array($cols) ORDER BY n), '[]')
  FROM (SELECT *, row_number() OVER (ORDER BY ctid) AS n FROM pgml.linnerud) s WHERE $where});
}
my $json = JSON::PP->new->canonical;
my %input = (
	x_train => $json->decode(rows_json('chins::float8, situps::float8, jumps::float8', 'n <= 15')),
	y_train => $json->decode(rows_json('weight::float8, waist::float8, pulse::float8', 'n <= 15')),
	x_test => $json->decode(rows_json('chins::float8, situps::float8, jumps::float8', 'n > 15')),
	y_test => $json->decode(rows_json('weight::float8, waist::float8, pulse::float8', 'n > 15')));
is(scalar(@{ $input{x_test} }), 5, 'five test rows');
my $dir = PostgreSQL::Test::Utils::tempdir;
PostgreSQL::Test::Utils::append_to_file("$dir/input.json", $json->encode(\%input));
my ($out, $err);
my $ran = IPC::Run::run([ $python, $oracle, "$dir/input.json" ], '>', \$out, '2>', \$err);
ok($ran, 'the oracle ran') or diag($err);
BAIL_OUT('no oracle output') unless $ran;
my $want = $json->decode($out);

# oracle name => [algorithm, hyperparams, tolerance]
my @fits = (
	[ 'linear', 'linear', '{}', $LINEAR_REL_TOL ],
	[ 'ridge', 'ridge', '{}', $LINEAR_REL_TOL ],
	[ 'lasso', 'lasso', '{}', $LINEAR_REL_TOL ],
	[ 'elastic_net', 'elastic_net', '{}', $LINEAR_REL_TOL ],
	[ 'gradient_boosting_trees', 'gradient_boosting_trees',
		'{"n_estimators": 5, "random_state": 0}', $TREE_REL_TOL ],
	[ 'hist_gradient_boosting', 'hist_gradient_boosting',
		'{"max_iter": 10, "random_state": 0}', $TREE_REL_TOL ],
	[ 'ada_boost', 'ada_boost', '{"n_estimators": 5, "random_state": 0}', $TREE_REL_TOL ],
	[ 'decision_tree', 'decision_tree', '{"random_state": 0}', $TREE_REL_TOL ],
	[ 'random_forest', 'random_forest', '{"n_estimators": 5, "random_state": 0}', $TREE_REL_TOL ],
	[ 'extra_trees', 'extra_trees', '{"n_estimators": 5, "random_state": 0}', $TREE_REL_TOL ],
	[ 'bagging', 'bagging', '{"n_estimators": 5, "random_state": 0}', $TREE_REL_TOL ],
	[ 'xgboost', 'xgboost', '{"n_estimators": 10, "tree_method": "hist"}', $TREE_REL_TOL ],
);

# the spread of each target over the test rows scales the tolerances
my @spread;
for my $k (0 .. 2)
{
	my @v = map { $_->[$k] } @{ $input{y_train} }, @{ $input{y_test} };
	my ($lo, $hi) = (sort { $a <=> $b } @v)[ 0, -1 ];
	$spread[$k] = $hi - $lo;
}

for my $fit (@fits)
{
	my ($name, $alg, $hp, $tol) = @$fit;
	my $ret = $node->safe_psql('postgres', qq{
SELECT task, algorithm FROM pgml.train_joint('joint', 'regression', 'pgml.linnerud',
  ARRAY['weight', 'waist', 'pulse'], '$alg', '$hp', test_size => 5, test_sampling => 'last')});
	is($ret, "regression|$alg", "train_joint $alg $hp");
	my $id = $node->safe_psql('postgres', 'SELECT max(id) FROM pgml.models');
	my $got = $json->decode($node->safe_psql('postgres', qq{
SELECT json_agg(pgml.predict_joint(${id}::bigint, ARRAY[chins, situps, jumps])::float8[] ORDER BY n)
  FROM (SELECT *, row_number() OVER (ORDER BY ctid) AS n FROM pgml.linnerud) s WHERE n > 15}));
	my ($worst, $where) = (0, '');
	for my $i (0 .. 4)
	{
		for my $k (0 .. 2)
		{
			my $d = abs($got->[$i][$k] - $want->{$name}[$i][$k]) / $spread[$k];
			($worst, $where) = ($d, "row $i target $k: $got->[$i][$k] vs $want->{$name}[$i][$k]")
			  if $d > $worst;
		}
	}
	ok($worst <= $tol, "$alg: predict_joint equals the oracle's $name (worst $worst of the spread)")
	  or diag($where);

	my $m = $json->decode($node->safe_psql('postgres', "SELECT metrics FROM pgml.models WHERE id = $id"));
	for my $key (qw(r2 mean_squared_error mean_absolute_error))
	{
		my ($g, $w) = ($m->{$key}, $want->{"${name}_metrics"}{$key});
		ok(abs($g - $w) <= $METRIC_REL_TOL * (abs($w) + 1e-12),
			"$alg: stored $key $g is scikit-learn's uniform average $w");
	}
	if (my $imp = $want->{"${name}_importances"})
	{
		my $got_imp = $m->{feature_importances} // [];
		my $worst_imp = @$got_imp == @$imp ? 0 : 1;
		for my $j (0 .. $#$imp)
		{
			my $d = abs(($got_imp->[$j] // 99) - $imp->[$j]);
			$worst_imp = $d if $d > $worst_imp;
		}
		ok($worst_imp <= $IMPORTANCE_ABS_TOL,
			"$alg: feature_importances equal scikit-learn's multi-output tree's (worst $worst_imp)");
	}
	my $per = $m->{r2_per_target};
	is(scalar(@$per), 3, "$alg: r2_per_target has three targets");
	my $mean = ($per->[0] + $per->[1] + $per->[2]) / 3;
	ok(abs($mean - $m->{r2}) <= 1e-12 * (abs($mean) + 1), "$alg: r2 is the mean of r2_per_target");
}

# the snapshot and the model record every target
is($node->safe_psql('postgres', 'SELECT y_column_name FROM pgml.snapshots ORDER BY id DESC LIMIT 1'),
	'{weight,waist,pulse}', 'the snapshot records the three targets');
is($node->safe_psql('postgres', 'SELECT y_column_name FROM pgml.models ORDER BY id DESC LIMIT 1'),
	'{weight,waist,pulse}', 'the model records the three targets');

# predict refuses a joint model; NULL gives NULL
my ($rc, $o, $e) = $node->psql('postgres', qq{\\set VERBOSITY verbose
SELECT pgml.predict('joint', ARRAY[1, 2, 3])});
like($e, qr/ERROR:  42809: project "joint" is a joint model of 3 targets.*HINT:  Use pgml.predict_joint/s,
	'pgml.predict refuses a joint model, naming predict_joint');
is($node->safe_psql('postgres', "SELECT pgml.predict_joint('joint', NULL::real[]) IS NULL"),
	't', 'predict_joint of NULL features is NULL');
is($node->safe_psql('postgres', "SELECT array_length(pgml.predict_joint('joint', ARRAY[5, 162, 60]::float8[]), 1)"),
	'3', 'predict_joint takes double precision[] too');

# training again without a relation keeps the three targets: pgml.train,
# pgml.train_joint and the queue
for my $sql (
	q{SELECT algorithm FROM pgml.train_joint('joint', algorithm => 'ridge')},
	q{SELECT algorithm FROM pgml.train('joint', algorithm => 'extra_trees', hyperparams => '{"n_estimators": 3}')})
{
	$node->safe_psql('postgres', $sql);
	my $id = $node->safe_psql('postgres', 'SELECT max(id) FROM pgml.models');
	is($node->safe_psql('postgres', qq{
SELECT y_column_name || ' ' || test_sampling || ' ' || array_length(pgml.predict_joint(${id}::bigint, ARRAY[1, 2, 3]), 1)
  FROM pgml.models WHERE id = $id}), '{weight,waist,pulse} last 3',
		"without a relation, the snapshot's three targets: $sql");
}
$node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, algorithm) VALUES ('joint', 'lasso')});
is($node->safe_psql('postgres', q{
SELECT pgml.wait_job((SELECT max(id) FROM pgml.train_queue), '120 s')}), 'succeeded',
	'a queued job without a relation trains the joint project again');
is($node->safe_psql('postgres', q{
SELECT m.algorithm || ' ' || array_length(pgml.predict_joint(m.id, ARRAY[1, 2, 3]), 1)
  FROM pgml.train_queue q JOIN pgml.models m ON m.id = q.model_id ORDER BY q.id DESC LIMIT 1}),
	'lasso 3', 'the queued model predicts the three targets');

# a model of one target: predict_joint is its predict
$node->safe_psql('postgres', q{
SELECT * FROM pgml.train('single', 'regression', 'pgml.linnerud', 'weight', 'ridge')});
is($node->safe_psql('postgres', q{
SELECT count(*) FROM pgml.linnerud
 WHERE pgml.predict_joint('single', ARRAY[chins, situps, jumps, waist, pulse])
       IS DISTINCT FROM ARRAY[pgml.predict('single', ARRAY[chins, situps, jumps, waist, pulse])]}),
	'0', 'predict_joint of a one-target model is its pgml.predict, as an array');

# bad input
$node->safe_psql('postgres', q{
CREATE TABLE lin_text AS SELECT *, (ARRAY['a', 'b'])[1 + (chins::int % 2)] AS kind FROM pgml.linnerud});
for my $bad (
	[ '0A000', qr/joint models are regression models/,
		q{SELECT * FROM pgml.train_joint('j_cls', 'classification', 'pgml.linnerud', ARRAY['weight', 'waist'])} ],
	[ '42701', qr/label column "waist" is named twice/,
		q{SELECT * FROM pgml.train_joint('j_dup', 'regression', 'pgml.linnerud', ARRAY['waist', 'waist'])} ],
	[ '42804', qr/label column "kind" has type text/,
		q{SELECT * FROM pgml.train_joint('j_text', 'regression', 'lin_text', ARRAY['weight', 'kind'])} ],
	[ '0A000', qr/target encoding of column "kind" needs a single label/,
		q{SELECT * FROM pgml.train_joint('j_enc', 'regression', 'lin_text', ARRAY['weight', 'waist'],
		  preprocess => '{"kind": {"encode": "target"}}')} ],
	[ '42703', qr/column "nope" does not exist/,
		q{SELECT * FROM pgml.train_joint('j_col', 'regression', 'pgml.linnerud', ARRAY['weight', 'nope'])} ],
	[ '22023', qr/y_column_name must name at least one column/,
		q{SELECT * FROM pgml.train_joint('j_empty', 'regression', 'pgml.linnerud', ARRAY[]::text[])} ],
	[ '54000', qr/a joint model has at most 1024 targets/,
		q{SELECT * FROM pgml.train_joint('j_many', 'regression', 'pgml.linnerud', array_fill('weight'::text, ARRAY[1025]))} ],
	[ '22004', qr/y_column_name must not contain NULL/,
		q{SELECT * FROM pgml.train_joint('j_null', 'regression', 'pgml.linnerud', ARRAY['weight', NULL])} ],
	[ '0A000', qr/xgboost objective "count:poisson" cannot train a joint model/,
		q{SELECT * FROM pgml.train_joint('j_obj', 'regression', 'pgml.linnerud', ARRAY['weight', 'waist'],
		  'xgboost', '{"objective": "count:poisson"}')} ],
	[ '42809', qr/is not a regression model/,
		q{SELECT pgml.train('j_c2', 'classification', 'lin_text', 'kind'); SELECT pgml.predict_joint('j_c2', ARRAY[1, 2, 3, 4, 5, 6])} ])
{
	my ($state, $re, $sql) = @$bad;
	my ($rc, $o, $e) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	like($e, qr/ERROR:  $state: /, "SQLSTATE $state: $sql");
	like($e, $re, "message: $sql");
}

$node->stop;
done_testing();
