# Acceptance (issue 15, docs/postgresml.md): statements in the shapes of
# PostgresML's example scripts (regression, binary and multi-class
# classification, clustering, decomposition, preprocessing, vectors), written
# for this test, run one by one on a fresh database.  Every statement must
# succeed, except those that need an algorithm pgml_worker does not have yet:
# they are listed here by name, and each must fail saying exactly that, so
# that the list shrinks as algorithms land (a statement that starts to pass
# fails the test until it is taken off the list).
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib dirname(__FILE__);
use PgmlTest;

my $node = pgml_node('shapes', "pgml_worker.nthread = 2\n");
$node->safe_psql('postgres', 'CREATE EXTENSION pgml_worker');

# algorithms of PostgresML's examples that pgml_worker does not train yet
my %missing = map { $_ => 1 } qw(
  svm nu_svm
  kernel_ridge mini_batch_kmeans dbscan);

# statements of the examples that need something else not here yet, by
# statement and the error that names it
my %unsupported = ();

my @bc = map { qq{"$_"} } ('mean radius', 'mean texture', 'mean perimeter', 'mean area',
	'mean smoothness', 'mean compactness', 'mean concavity', 'mean concave points',
	'mean symmetry', 'mean fractal dimension', 'radius error', 'texture error',
	'perimeter error', 'area error', 'smoothness error', 'compactness error',
	'concavity error', 'concave points error', 'symmetry error', 'fractal dimension error',
	'worst radius', 'worst texture', 'worst perimeter', 'worst area', 'worst smoothness',
	'worst compactness', 'worst concavity', 'worst concave points', 'worst symmetry',
	'worst fractal dimension');
my $bc = 'ARRAY[' . join(', ', @bc) . ']';
my $db = 'ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]';

my @statements;
# -- regression on diabetes
push @statements,
  "SELECT pgml.load_dataset('diabetes')",
  'SELECT * FROM pgml.diabetes LIMIT 10',
  "SELECT * FROM pgml.train('Diabetes Progression', 'regression', 'pgml.diabetes', 'target')",
  "SELECT target, pgml.predict('Diabetes Progression', $db) AS prediction FROM pgml.diabetes LIMIT 10";
for my $a (qw(ridge lasso elastic_net least_angle lasso_least_angle orthogonal_matching_pursuit
	bayesian_ridge automatic_relevance_determination stochastic_gradient_descent passive_aggressive
	ransac huber svm nu_svm linear_svm ada_boost bagging extra_trees gradient_boosting_trees
	random_forest kernel_ridge xgboost))
{
	my $hp = $a =~ /svm/ ? q{, '{"max_iter": 100}'} : $a =~ /boost|bagging|trees|forest/ && $a ne 'xgboost' ? q{, '{"n_estimators": 5}'} : '';
	push @statements, "SELECT * FROM pgml.train('Diabetes Progression', 'regression', 'pgml.diabetes', 'target', '$a'$hp)";
}
push @statements,
  q{SELECT trained_models.* FROM pgml.trained_models JOIN pgml.models ON models.id = trained_models.id
    ORDER BY models.metrics->>'mean_squared_error' DESC LIMIT 5},
  "SELECT * FROM pgml.deploy('Diabetes Progression', 'most_recent', 'random_forest')",
  'SELECT * FROM pgml.deployed_models ORDER BY deployed_at DESC LIMIT 5',
  "SELECT * FROM pgml.deploy('Diabetes Progression', 'best_score')",
  "SELECT * FROM pgml.deploy('Diabetes Progression', 'most_recent')",
  "SELECT * FROM pgml.deploy('Diabetes Progression', 'rollback')",
  "SELECT * FROM pgml.deploy('Diabetes Progression', 'best_score', 'svm')",
  "SELECT target, pgml.predict('Diabetes Progression', $db) AS prediction FROM pgml.diabetes LIMIT 10";

# -- binary classification on breast cancer, training again on the snapshot
push @statements,
  "SELECT pgml.load_dataset('breast_cancer')",
  "SELECT * FROM pgml.train('Breast Cancer Detection', 'classification', 'pgml.breast_cancer', 'malignant')",
  "SELECT malignant, pgml.predict('Breast Cancer Detection', $bc) AS prediction FROM pgml.breast_cancer ORDER BY random() LIMIT 10",
  "SELECT malignant, pgml.predict_proba('Breast Cancer Detection', $bc) AS prediction FROM pgml.breast_cancer ORDER BY random() LIMIT 10";
for my $a (qw(ridge stochastic_gradient_descent perceptron passive_aggressive svm nu_svm linear_svm
	ada_boost bagging extra_trees gradient_boosting_trees random_forest xgboost))
{
	my $hp = $a =~ /trees|forest|xgboost/ ? q{, hyperparams => '{"n_estimators": 10}'} : '';
	push @statements, "SELECT * FROM pgml.train('Breast Cancer Detection', algorithm => '$a'$hp)";
}
push @statements,
  q{SELECT trained_models.* FROM pgml.trained_models JOIN pgml.models ON models.id = trained_models.id
    ORDER BY models.metrics->>'f1' DESC LIMIT 5},
  "SELECT * FROM pgml.deploy('Breast Cancer Detection', 'most_recent', 'random_forest')",
  q{SELECT pgml.train('Breast Cancer Detection', algorithm => 'xgboost', search => 'grid',
    search_params => '{"n_estimators": [2, 4], "max_depth": [1, 2, 3]}')},
  "SELECT * FROM pgml.deploy('Breast Cancer Detection', 'best_score')",
  "SELECT * FROM pgml.deploy('Breast Cancer Detection', 'rollback')",
  "SELECT malignant, pgml.predict('Breast Cancer Detection', $bc) AS prediction FROM pgml.breast_cancer LIMIT 10";

# -- multi-class classification on iris and digits
push @statements,
  "SELECT pgml.load_dataset('iris')",
  "SELECT * FROM pgml.train('Iris Flower Types', 'classification', 'pgml.iris', 'target')",
  "SELECT target, pgml.predict('Iris Flower Types', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) FROM pgml.iris LIMIT 10",
  "SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'xgboost', hyperparams => '{\"n_estimators\": 10}')",
  "SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'xgboost_random_forest', hyperparams => '{\"n_estimators\": 10}')",
  "SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'random_forest')",
  "SELECT * FROM pgml.deploy('Iris Flower Types', 'best_score')",
  "SELECT target, pgml.predict_proba('Iris Flower Types', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) FROM pgml.iris LIMIT 10",
  "SELECT pgml.load_dataset('digits')",
  "SELECT * FROM pgml.train('Handwritten Digits', 'classification', 'pgml.digits', 'target', 'xgboost', '{\"n_estimators\": 5}')",
  "SELECT target, pgml.predict('Handwritten Digits', image) FROM pgml.digits LIMIT 10";

# -- joint regression on linnerud: several targets at once
push @statements,
  "SELECT pgml.load_dataset('linnerud')",
  'SELECT * FROM pgml.linnerud LIMIT 10',
  "SELECT * FROM pgml.train_joint('Exercise vs Physiology', 'regression', 'pgml.linnerud', ARRAY['weight', 'waist', 'pulse'])",
  "SELECT weight, waist, pulse, pgml.predict_joint('Exercise vs Physiology', ARRAY[chins, situps, jumps]) AS prediction FROM pgml.linnerud LIMIT 10";
for my $a (qw(ridge lasso elastic_net least_angle lasso_least_angle orthogonal_matching_pursuit
	bayesian_ridge automatic_relevance_determination stochastic_gradient_descent passive_aggressive
	ransac theil_sen huber svm nu_svm linear_svm ada_boost bagging extra_trees gradient_boosting_trees
	random_forest xgboost))
{
	my $hp = $a eq 'theil_sen' ? q{, hyperparams => '{"max_iter": 10, "max_subpopulation": 100}'}
	  : $a eq 'nu_svm' ? q{, hyperparams => '{"max_iter": 10}'}
	  : $a =~ /svm/ ? q{, hyperparams => '{"max_iter": 100}'}
	  : $a eq 'xgboost' ? q{, hyperparams => '{"n_estimators": 10}'}
	  : $a =~ /boost|bagging|trees|forest/ ? q{, hyperparams => '{"n_estimators": 5}'} : '';
	push @statements, "SELECT * FROM pgml.train_joint('Exercise vs Physiology', algorithm => '$a'$hp)";
}
push @statements,
  q{SELECT trained_models.* FROM pgml.trained_models JOIN pgml.models ON models.id = trained_models.id
    ORDER BY models.metrics->>'mean_squared_error' DESC LIMIT 5},
  "SELECT * FROM pgml.deploy('Exercise vs Physiology', 'most_recent', 'random_forest')",
  'SELECT * FROM pgml.deployed_models ORDER BY deployed_at DESC LIMIT 5',
  "SELECT * FROM pgml.deploy('Exercise vs Physiology', 'best_score')",
  "SELECT * FROM pgml.deploy('Exercise vs Physiology', 'most_recent')",
  "SELECT * FROM pgml.deploy('Exercise vs Physiology', 'rollback')",
  "SELECT * FROM pgml.deploy('Exercise vs Physiology', 'best_score', 'svm')",
  "SELECT weight, waist, pulse, pgml.predict_joint('Exercise vs Physiology', ARRAY[chins, situps, jumps]) AS prediction FROM pgml.linnerud LIMIT 10";

# -- clustering and decomposition: the default algorithm fits the task
push @statements,
  'CREATE VIEW iris_features AS SELECT sepal_length, sepal_width, petal_length, petal_width FROM pgml.iris',
  "SELECT * FROM pgml.train('Iris Clusters', 'clustering', 'iris_features')",
  "SELECT * FROM pgml.train('Iris Clusters', algorithm => 'kmeans', hyperparams => '{\"n_clusters\": 3}')",
  "SELECT * FROM pgml.train('Iris Clusters', algorithm => 'mini_batch_kmeans')",
  "SELECT * FROM pgml.train('Iris Clusters', algorithm => 'dbscan')",
  "SELECT pgml.predict('Iris Clusters', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) FROM iris_features LIMIT 10",
  "SELECT * FROM pgml.train('Iris Components', 'decomposition', 'iris_features', hyperparams => '{\"n_components\": 2}')",
  "SELECT pgml.decompose('Iris Components', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) FROM iris_features LIMIT 10";

# -- preprocessing: text categories, missing values, scaling
push @statements,
  q{CREATE TABLE diamonds AS SELECT (ARRAY['Fair', 'Good', 'Ideal'])[1 + g % 3] AS cut,
    CASE WHEN g % 10 = 0 THEN NULL ELSE (g % 7)::real END AS depth, (g % 5)::real AS carat,
    (100 + 50 * (g % 3) + 10 * (g % 5))::real AS price FROM generate_series(1, 300) g},
  q{SELECT * FROM pgml.train('Diamond prices', 'regression', 'diamonds', 'price', 'linear',
    preprocess => '{"cut": {"encode": "one_hot"}, "depth": {"impute": "mean", "scale": "standard"}, "carat": {"scale": "min_max"}}')},
  "SELECT price, pgml.predict('Diamond prices', (cut, depth, carat)) FROM diamonds LIMIT 10",
  "SELECT * FROM pgml.train('Diamond prices', algorithm => 'xgboost')";

# -- vectors
push @statements,
  'SELECT pgml.add(ARRAY[1.0, 2.0, 3.0]::real[], 3), pgml.subtract(ARRAY[1.0, 2.0, 3.0]::real[], 3)',
  'SELECT pgml.multiply(ARRAY[1.0, 2.0, 3.0]::real[], 3), pgml.divide(ARRAY[1.0, 2.0, 3.0]::real[], 100)',
  'SELECT pgml.norm_l0(ARRAY[1.0, 2.0, 3.0]::real[]), pgml.norm_l1(ARRAY[1.0, 2.0, 3.0]::real[]), pgml.norm_l2(ARRAY[1.0, 2.0, 3.0]::real[]), pgml.norm_max(ARRAY[1.0, 2.0, 3.0]::real[])',
  'SELECT pgml.normalize_l1(ARRAY[1.0, 2.0, 3.0]::real[]), pgml.normalize_l2(ARRAY[1.0, 2.0, 3.0]::real[]), pgml.normalize_max(ARRAY[1.0, 2.0, 3.0]::real[])',
  'SELECT pgml.distance_l1(ARRAY[1.0, 2.0, 3.0]::real[], ARRAY[4.0, 5.0, 6.0]::real[]), pgml.distance_l2(ARRAY[1.0, 2.0, 3.0]::real[], ARRAY[4.0, 5.0, 6.0]::real[])',
  'SELECT pgml.dot_product(ARRAY[1.0, 2.0, 3.0]::real[], ARRAY[4.0, 5.0, 6.0]::real[]), pgml.cosine_similarity(ARRAY[1.0, 2.0, 3.0]::real[], ARRAY[4.0, 5.0, 6.0]::real[])',
  'SELECT pgml.sum(v), pgml.max_abs(v), pgml.min_abs(v) FROM (VALUES (ARRAY[1.0, -2.0]::real[]), (ARRAY[-3.0, 4.0]::real[])) t(v)',
  'SELECT pgml.version()';

my ($passed, @excepted) = (0);
for my $sql (@statements)
{
	my ($rc, $out, $err) = $node->psql('postgres', $sql);
	my @names = grep { defined && $missing{$_} } ($sql =~ /'(\w+)'/g);
	my $short = substr($sql =~ s/\s+/ /gr, 0, 110);
	if ($unsupported{$sql})
	{
		like($err, $unsupported{$sql}, "needs what is not here yet: $short");
		push @excepted, 'other';
	}
	elsif (@names)
	{
		my $name = $names[0];
		like($err, qr/unknown algorithm "$name"|algorithm "$name" is not available|has no model trained with algorithm "$name"/,
			"needs an algorithm not here yet ($name): $short");
		push @excepted, $name;
	}
	else
	{
		is($rc, 0, "passes: $short") or diag($err);
		$passed++ if $rc == 0;
	}
}
my %seen;
my @names = grep { !$seen{$_}++ } @excepted;
delete $seen{'other'};
note(sprintf('%d of %d statements pass; %d need algorithms not here yet: %s',
	$passed, scalar(@statements), scalar(@excepted), join(', ', @names)));
is(scalar(keys %seen), scalar(keys %missing), 'every listed missing algorithm is met by some statement');
$node->stop;
done_testing();
