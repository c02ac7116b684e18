# Quality parity of ridge (also as RidgeClassifier), lasso, elastic_net, orthogonal_matching_pursuit
# and logistic_regression with
# scikit-learn's estimators with the same settings, on the same train/test
# rows (test_sampling => 'last').  Tolerance: every test metric within 1%
# relative of scikit-learn's; regression predictions within 1e-3 relative
# (coordinate descent stops at a tolerance), labels agreeing on >= 99%.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use JSON::PP;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PgmlOracle;

my $python = require_oracle([ 'sklearn', 'numpy' ]);

my $oracle = dirname(__FILE__) . '/../oracle/regularized.py';
my $node = pgml_node('regularized');
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('diabetes');
SELECT * FROM pgml.load_dataset('breast_cancer');
SELECT * FROM pgml.load_dataset('iris');
});

# name => [algorithm, hyperparams, table, label, sklearn estimator, its params]
my @cases = (
	[ 'ridge', 'ridge', '{}', 'pgml.diabetes', 'target', 'Ridge', {} ],
	[ 'ridge_a01', 'ridge', '{"alpha": 0.1}', 'pgml.diabetes', 'target', 'Ridge', { alpha => 0.1 } ],
	[ 'lasso_a01', 'lasso', '{"alpha": 0.1}', 'pgml.diabetes', 'target', 'Lasso', { alpha => 0.1 } ],
	[ 'lasso_a05', 'lasso', '{"alpha": 0.5}', 'pgml.diabetes', 'target', 'Lasso', { alpha => 0.5 } ],
	[ 'enet', 'elastic_net', '{"alpha": 0.01, "l1_ratio": 0.5}', 'pgml.diabetes', 'target',
		'ElasticNet', { alpha => 0.01, l1_ratio => 0.5 } ],
	[ 'logreg_c05', 'logistic_regression', '{"C": 0.5, "max_iter": 10000}', 'pgml.breast_cancer',
		'malignant', 'LogisticRegression', { C => 0.5, max_iter => 100000, solver => 'newton-cg', tol => 1e-10 } ],
	# ridge for classification is scikit-learn's RidgeClassifier (+-1 targets, one per class)
	[ 'ridge_clf', 'ridge', '{}', 'pgml.breast_cancer', 'malignant', 'RidgeClassifier', {} ],
	[ 'ridge_clf_multi', 'ridge', '{"alpha": 0.5}', 'pgml.iris', 'target', 'RidgeClassifier', { alpha => 0.5 } ],
	# orthogonal_matching_pursuit (src/algorithms/): the default (a tenth of the features: 1 of
	# diabetes's 10, 3 of breast_cancer's 30), a count, no intercept, and a residual tolerance
	[ 'omp', 'orthogonal_matching_pursuit', '{}', 'pgml.diabetes', 'target', 'OrthogonalMatchingPursuit', {} ],
	[ 'omp_5', 'orthogonal_matching_pursuit', '{"n_nonzero_coefs": 5}', 'pgml.diabetes', 'target',
		'OrthogonalMatchingPursuit', { n_nonzero_coefs => 5 } ],
	[ 'omp_3_no_intercept', 'orthogonal_matching_pursuit', '{"n_nonzero_coefs": 3, "fit_intercept": false}',
		'pgml.diabetes', 'target', 'OrthogonalMatchingPursuit', { n_nonzero_coefs => 3, fit_intercept => JSON::PP::false } ],
	[ 'omp_tol', 'orthogonal_matching_pursuit', '{"tol": 1000000}', 'pgml.diabetes', 'target',
		'OrthogonalMatchingPursuit', { tol => 1000000 } ],
	[ 'omp_bc', 'orthogonal_matching_pursuit', '{}', 'pgml.breast_cancer', 'malignant',
		'OrthogonalMatchingPursuit', {} ],
);

my $dir = PostgreSQL::Test::Utils::tempdir;
my %pgml;
for my $c (@cases)
{
	my ($name, $alg, $hp, $table, $y, $est, $params) = @$c;
	my $task = ($alg eq 'logistic_regression' || $est =~ /Classifier/) ? 'classification' : 'regression';
	is($node->safe_psql('postgres', qq{
SELECT algorithm FROM pgml.train('p_$name', '$task', '$table', '$y', '$alg', '$hp',
                                 test_size => 0.25, test_sampling => 'last')}),
		$alg, "$name: trained");
	my $id = $node->safe_psql('postgres', qq{
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'p_$name'});
	$pgml{$name} = decode_json($node->safe_psql('postgres', "SELECT metrics FROM pgml.models WHERE id = $id"));
	my $features = $node->safe_psql('postgres', qq{
SELECT string_agg(format('%I::real', a.attname), ', ' ORDER BY a.attnum)
  FROM pg_attribute a WHERE a.attrelid = '$table'::regclass AND a.attnum > 0
   AND NOT a.attisdropped AND a.attname <> '$y'});
	my $rows = $node->safe_psql('postgres', qq{
COPY (SELECT ARRAY[$features]::float8[], ${y}::int::float8, pgml.predict(${id}::bigint, ARRAY[$features])::float8
        FROM $table ORDER BY ctid) TO STDOUT}) if $task eq 'classification';
	$rows = $node->safe_psql('postgres', qq{
COPY (SELECT ARRAY[$features]::float8[], ${y}::int::float8, pgml.predict(${id}::bigint, ARRAY[$features])::float8
        FROM $table ORDER BY ctid) TO STDOUT}) if $task eq 'regression' && $y eq 'malignant';
	$rows = $node->safe_psql('postgres', qq{
COPY (SELECT ARRAY[$features]::float8[], ${y}::float8, pgml.predict(${id}::bigint, ARRAY[$features])::float8
        FROM $table ORDER BY ctid) TO STDOUT}) if $task eq 'regression' && $y ne 'malignant';
	my $n = $node->safe_psql('postgres', "SELECT count(*) FROM $table");
	append_to_file("$dir/$name.tsv", "$rows\n");
	# the job's split: the last round(0.25 n) rows test (roundf, src/train/job.c);
	# breast_cancer's 569 rows make 142.25: 142 test rows
	append_to_file("$dir/$name.json",
		encode_json({ estimator => $est, params => $params, test_rows => int($n * 0.25 + 0.5) }));
}

my ($out, $err);
ok(IPC::Run::run([ $python, $oracle, $dir ], '>', \$out, '2>', \$err), 'the oracle ran')
  or BAIL_OUT("oracle failed: $err");
my $o = decode_json($out);
note("scikit-learn $o->{sklearn_version}");

for my $c (@cases)
{
	my $name = $c->[0];
	my $sk = $o->{cases}{$name};
	for my $m (sort keys %{ $sk->{sklearn} })
	{
		my ($p, $s) = ($pgml{$name}{$m}, $sk->{sklearn}{$m});
		my $rel = $s == 0 ? abs($p) : abs($p - $s) / abs($s);
		ok($rel <= 0.01, "$name: $m within 1% of $sk->{estimator}")
		  or diag("pgml $p, scikit-learn $s, relative difference $rel");
	}
	if ($c->[1] eq 'logistic_regression' || $c->[5] =~ /Classifier/)
	{
		cmp_ok($sk->{label_agreement}, '>=', 0.99, "$name: predicted labels agree on >= 99% of test rows");
	}
	else
	{
		cmp_ok($sk->{prediction_max_rel_diff}, '<=', 1e-3, "$name: predictions within 1e-3 relative");
	}
}

$node->stop;
done_testing();
