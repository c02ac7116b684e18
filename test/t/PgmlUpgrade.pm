# test/t/PgmlUpgrade.pm: what the upgrade tests (080, 081) train and compare
# (not a test itself).
package PgmlUpgrade;

use strict;
use warnings;
use Exporter 'import';

our @EXPORT = qw(every_algorithm_sql predictions_sql);

# Data and one project per algorithm (and a preprocessed one): 11 deployed
# models, all nine algorithms.  Runs on 0.1.0 and on later versions.
sub every_algorithm_sql
{
	return q{
SELECT * FROM pgml.load_dataset('iris');
CREATE TABLE lin AS SELECT g::real AS a, (g % 7)::real AS b, (3 * g + (g % 7) * 2 - 5)::real AS y
  FROM generate_series(1, 300) g;
CREATE VIEW iris_x AS SELECT sepal_length, sepal_width, petal_length, petal_width FROM pgml.iris;
SELECT * FROM pgml.train('c_xgb', 'classification', 'pgml.iris', 'target', 'xgboost', '{"n_estimators": 10}');
SELECT * FROM pgml.train('c_rf', 'classification', 'pgml.iris', 'target', 'xgboost_random_forest', '{"n_estimators": 5}');
SELECT * FROM pgml.train('c_log', 'classification', 'pgml.iris', 'target', 'logistic_regression');
SELECT * FROM pgml.train('r_xgb', 'regression', 'lin', 'y', 'xgboost', '{"n_estimators": 10}');
SELECT * FROM pgml.train('r_lin', 'regression', 'lin', 'y', 'linear');
SELECT * FROM pgml.train('r_ridge', 'regression', 'lin', 'y', 'ridge', '{"alpha": 10}');
SELECT * FROM pgml.train('r_lasso', 'regression', 'lin', 'y', 'lasso', '{"alpha": 0.5}');
SELECT * FROM pgml.train('r_en', 'regression', 'lin', 'y', 'elastic_net', '{"alpha": 0.5}');
SELECT * FROM pgml.train('r_pre', 'regression', 'lin', 'y', 'ridge',
                         preprocess => '{"a": {"scale": "standard"}, "b": {"scale": "min_max"}}');
SELECT * FROM pgml.train('k_means', 'clustering', 'iris_x', NULL, 'kmeans', '{"n_clusters": 3}');
SELECT * FROM pgml.train('d_pca', 'decomposition', 'iris_x', NULL, 'pca', '{"n_components": 2}');
};
}

# What every deployed model predicts, by name and by id, on fixed inputs.
sub predictions_sql
{
	return q{
SELECT p.name, m.id,
       CASE p.task
       WHEN 'decomposition' THEN pgml.decompose(p.name, ARRAY[5.1, 3.5, 1.4, 0.2])::text
       WHEN 'clustering' THEN pgml.predict(p.name, ARRAY[5.1, 3.5, 1.4, 0.2])::text || ' ' ||
                              pgml.predict(m.id, ARRAY[6.7, 3.0, 5.2, 2.3])::text
       WHEN 'classification' THEN pgml.predict(p.name, ARRAY[5.1, 3.5, 1.4, 0.2])::text || ' ' ||
                                  pgml.predict(m.id, ARRAY[6.7, 3.0, 5.2, 2.3])::text || ' ' ||
                                  pgml.predict_proba(p.name, ARRAY[5.9, 3.0, 4.2, 1.5])::text
       ELSE pgml.predict(p.name, ARRAY[10, 3])::text || ' ' || pgml.predict(m.id, ARRAY[123.5, 6])::text
       END
  FROM pgml.projects p JOIN pgml.deployed_models m ON m.name = p.name
 ORDER BY p.name};
}

1;
