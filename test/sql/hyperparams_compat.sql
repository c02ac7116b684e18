-- Hyperparameters as PostgresML's users pass them (issue 15, item 7): the
-- spellings of PostgresML's default XGBoost runtime (boost_rounds,
-- loss_guide, reg:linear, tree_method auto, one_drop as a boolean) are
-- honoured; keys and values that cannot apply here (GPU, threads, updaters,
-- early stopping, XGBoost's missing value and categorical data) are refused
-- by name with what to do instead; scikit-learn's random_state is accepted
-- by the linear models and PCA, whose solvers draw nothing, and changes
-- nothing; a linear key given to the wrong linear model names the model
-- that takes it; a key in both hyperparams and search_params is refused.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA hp_compat;
SET search_path = hp_compat, public;

SELECT * FROM pgml.load_dataset('diabetes');
SELECT * FROM pgml.load_dataset('iris');
CREATE TABLE dia AS
    SELECT ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]::real[] AS f, target FROM pgml.diabetes;

-- the stored hyperparameters and tree count of a project's newest model
CREATE FUNCTION hp_of(project text) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT m.hyperparams FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = project ORDER BY m.id DESC LIMIT 1
$$;
-- do two projects predict the same on every row?
CREATE FUNCTION same_predictions(a text, b text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT bool_and(pgml.predict(a, f) = pgml.predict(b, f)) FROM dia
$$;

--
-- XGBoost: spellings of PostgresML's Rust runtime.
--
SELECT algorithm FROM pgml.train('hc_rounds', 'regression', 'dia', 'target', 'xgboost',
                              '{"boost_rounds": 7, "max_depth": 2}');
SELECT hp_of('hc_rounds')->'n_estimators' AS n_estimators;
SELECT algorithm FROM pgml.train('hc_rounds_ref', 'regression', 'dia', 'target', 'xgboost',
                              '{"n_estimators": 7, "max_depth": 2}');
SELECT same_predictions('hc_rounds', 'hc_rounds_ref') AS boost_rounds_is_n_estimators;
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost',
                         '{"boost_rounds": 7, "n_estimators": 7}');

SELECT algorithm FROM pgml.train('hc_auto', 'regression', 'dia', 'target', 'xgboost',
                              '{"tree_method": "auto", "n_estimators": 5, "grow_policy": "loss_guide", "max_leaves": 4}');
SELECT hp_of('hc_auto')->'tree_method' AS tree_method, hp_of('hc_auto')->'grow_policy' AS grow_policy;
SELECT algorithm FROM pgml.train('hc_auto_ref', 'regression', 'dia', 'target', 'xgboost',
                              '{"tree_method": "hist", "n_estimators": 5, "grow_policy": "lossguide", "max_leaves": 4}');
SELECT same_predictions('hc_auto', 'hc_auto_ref') AS auto_is_hist_and_loss_guide_is_lossguide;

SELECT algorithm FROM pgml.train('hc_reglinear', 'regression', 'dia', 'target', 'xgboost',
                              '{"objective": "reg:linear", "n_estimators": 5}');
SELECT hp_of('hc_reglinear')->'objective' AS objective;
SELECT algorithm FROM pgml.train('hc_reglinear_ref', 'regression', 'dia', 'target', 'xgboost',
                              '{"objective": "reg:squarederror", "n_estimators": 5}');
SELECT same_predictions('hc_reglinear', 'hc_reglinear_ref') AS reg_linear_is_squarederror;

SELECT algorithm FROM pgml.train('hc_onedrop', 'regression', 'dia', 'target', 'xgboost',
                              '{"booster": "dart", "one_drop": true, "rate_drop": 0.1, "n_estimators": 5}');
SELECT hp_of('hc_onedrop')->'one_drop' AS one_drop;
SELECT algorithm FROM pgml.train('hc_onedrop_ref', 'regression', 'dia', 'target', 'xgboost',
                              '{"booster": "dart", "one_drop": 1, "rate_drop": 0.1, "n_estimators": 5}');
SELECT same_predictions('hc_onedrop', 'hc_onedrop_ref') AS one_drop_true_is_1;

--
-- XGBoost: refused by name, with what to do instead.
--
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"tree_method": "gpu_hist"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"tree_method": "gpu_exact"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"booster": "linear"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"nthread": 4}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"n_jobs": 4}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"predictor": "gpu"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"device": "cuda"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"gpu_id": 0}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"sketch_eps": 0.03}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"updater": "grow_colmaker"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"refresh_leaf": 1}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"process_type": "update"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"early_stopping_rounds": 10}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"missing": -1}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"enable_categorical": true}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost', '{"one_drop": true}');

--
-- Linear models: random_state accepted, changing nothing; keys of another
-- linear model name it.
--
SELECT algorithm FROM pgml.train('hc_ridge_rs', 'regression', 'dia', 'target', 'ridge', '{"random_state": 7}');
SELECT algorithm FROM pgml.train('hc_ridge', 'regression', 'dia', 'target', 'ridge');
SELECT same_predictions('hc_ridge_rs', 'hc_ridge') AS ridge_random_state_changes_nothing;
SELECT algorithm FROM pgml.train('hc_lasso_rs', 'regression', 'dia', 'target', 'lasso', '{"random_state": 7, "alpha": 0.1}');
SELECT algorithm FROM pgml.train('hc_lasso', 'regression', 'dia', 'target', 'lasso', '{"alpha": 0.1}');
SELECT same_predictions('hc_lasso_rs', 'hc_lasso') AS lasso_random_state_changes_nothing;
SELECT algorithm FROM pgml.train('hc_enet_rs', 'regression', 'dia', 'target', 'elastic_net', '{"random_state": null}');
SELECT algorithm FROM pgml.train('hc_logit_rs', 'classification', 'pgml.iris', 'target', 'logistic_regression',
                              '{"random_state": 0}');
SELECT algorithm FROM pgml.train('hc_logit', 'classification', 'pgml.iris', 'target', 'logistic_regression');
SELECT bool_and(pgml.predict('hc_logit_rs', ARRAY[sepal_length, sepal_width, petal_length, petal_width])
              = pgml.predict('hc_logit', ARRAY[sepal_length, sepal_width, petal_length, petal_width]))
       AS logistic_random_state_changes_nothing
  FROM pgml.iris;
SELECT algorithm FROM pgml.train('hc_pca_rs', 'decomposition', 'pgml.iris', NULL, 'pca',
                              '{"n_components": 2, "random_state": 3}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'ridge', '{"random_state": -1}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'linear', '{"random_state": 0}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'linear', '{"alpha": 0.5}');
SELECT * FROM pgml.train('hc_bad', 'classification', 'pgml.iris', 'target', 'linear', '{"alpha": 0.5}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'ridge', '{"C": 2}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'linear', '{"C": 2}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'lasso', '{"l1_ratio": 0.3}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'ridge', '{"max_iter": 50}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'ridge', '{"solver": "newton"}');

--
-- scikit-learn's own keys of these estimators (PostgresML's docs send users
-- to scikit-learn's parameter lists): accepted where the value changes
-- nothing here, with the same predictions as without them; refused by name
-- with the reason otherwise.
--
SELECT algorithm FROM pgml.train('hc_ridge_sk', 'regression', 'dia', 'target', 'ridge',
                              '{"solver": "svd", "copy_X": true, "positive": false}');
SELECT same_predictions('hc_ridge_sk', 'hc_ridge') AS ridge_sklearn_keys_change_nothing;
-- class_weight is RidgeClassifier's (null accepted), not Ridge's
SELECT algorithm FROM pgml.train('hc_ridge_cls_sk', 'classification', 'pgml.iris', 'target', 'ridge',
                              '{"class_weight": null, "solver": "auto"}');
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'ridge', '{"class_weight": null}');
SELECT algorithm FROM pgml.train('hc_lasso_sk', 'regression', 'dia', 'target', 'lasso',
                              '{"alpha": 0.1, "selection": "cyclic", "precompute": false, "warm_start": false}');
SELECT same_predictions('hc_lasso_sk', 'hc_lasso') AS lasso_sklearn_keys_change_nothing;
SELECT algorithm FROM pgml.train('hc_ols', 'regression', 'dia', 'target', 'linear');
SELECT algorithm FROM pgml.train('hc_ols_sk', 'regression', 'dia', 'target', 'linear',
                              '{"copy_X": false, "n_jobs": null, "positive": false}');
SELECT same_predictions('hc_ols_sk', 'hc_ols') AS ols_sklearn_keys_change_nothing;
SELECT algorithm FROM pgml.train('hc_logit_sk', 'classification', 'pgml.iris', 'target', 'logistic_regression',
                              '{"penalty": "l2", "solver": "lbfgs", "dual": false, "class_weight": null,
                                "intercept_scaling": 1, "multi_class": "multinomial", "verbose": 0,
                                "n_jobs": null, "warm_start": false}');
SELECT bool_and(pgml.predict('hc_logit_sk', ARRAY[sepal_length, sepal_width, petal_length, petal_width])
              = pgml.predict('hc_logit', ARRAY[sepal_length, sepal_width, petal_length, petal_width]))
       AND bool_and(pgml.predict_proba('hc_logit_sk', ARRAY[sepal_length, sepal_width, petal_length, petal_width])
              = pgml.predict_proba('hc_logit', ARRAY[sepal_length, sepal_width, petal_length, petal_width]))
       AS logistic_sklearn_keys_change_nothing
  FROM pgml.iris;
CREATE VIEW iris_features AS SELECT sepal_length, sepal_width, petal_length, petal_width FROM pgml.iris;
SELECT algorithm FROM pgml.train('hc_km', 'clustering', 'iris_features', NULL, 'kmeans',
                              '{"n_clusters": 3, "random_state": 1}');
SELECT algorithm FROM pgml.train('hc_km_sk', 'clustering', 'iris_features', NULL, 'kmeans',
                              '{"n_clusters": 3, "random_state": 1, "algorithm": "elkan", "copy_x": true, "verbose": 0}');
SELECT bool_and(pgml.predict('hc_km_sk', ARRAY[sepal_length, sepal_width, petal_length, petal_width])
              = pgml.predict('hc_km', ARRAY[sepal_length, sepal_width, petal_length, petal_width]))
       AS kmeans_sklearn_keys_change_nothing
  FROM iris_features;
SELECT algorithm FROM pgml.train('hc_pca', 'decomposition', 'iris_features', NULL, 'pca', '{"n_components": 2}');
SELECT algorithm FROM pgml.train('hc_pca_sk', 'decomposition', 'iris_features', NULL, 'pca',
                              '{"n_components": 2, "svd_solver": "randomized", "iterated_power": 3,
                                "n_oversamples": 5, "power_iteration_normalizer": "QR", "tol": 0.0, "copy": true}');
SELECT bool_and(pgml.decompose('hc_pca_sk', ARRAY[sepal_length, sepal_width, petal_length, petal_width])
              = pgml.decompose('hc_pca', ARRAY[sepal_length, sepal_width, petal_length, petal_width]))
       AS pca_sklearn_keys_change_nothing
  FROM iris_features;
CREATE VIEW iris2 AS SELECT * FROM pgml.iris WHERE target < 2;
SELECT * FROM pgml.train('hc_bad', 'classification', 'pgml.iris', 'target', 'logistic_regression', '{"penalty": "l1"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'classification', 'pgml.iris', 'target', 'logistic_regression', '{"solver": "liblinear"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'classification', 'pgml.iris', 'target', 'logistic_regression', '{"class_weight": "balanced"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'classification', 'pgml.iris', 'target', 'logistic_regression', '{"dual": true}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'classification', 'pgml.iris', 'target', 'logistic_regression', '{"multi_class": "ovr"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'classification', 'iris2', 'target', 'logistic_regression', '{"multi_class": "multinomial"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'ridge', '{"positive": true}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'lasso', '{"selection": "random"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'linear', '{"n_jobs": 4}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'clustering', 'iris_features', NULL, 'kmeans', '{"algorithm": "bisecting"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('hc_bad', 'decomposition', 'iris_features', NULL, 'pca', '{"svd_solver": "covariance_eigh"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

--
-- Search: a key is searched over or fixed, not both (as PostgresML).
--
SELECT * FROM pgml.train('hc_bad', 'regression', 'dia', 'target', 'xgboost',
                         hyperparams => '{"max_depth": 3}',
                         search => 'grid', search_params => '{"max_depth": [2, 4]}');
SELECT count(*) AS models_of_refused_trainings
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'hc_bad';

RESET search_path;
DROP SCHEMA hp_compat CASCADE;
