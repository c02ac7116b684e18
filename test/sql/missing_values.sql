-- A NaN feature is a missing value, as a NULL is.  Only XGBoost models and
-- features imputed by preprocess can take one; every other model must refuse
-- it with an error, in every predict form, also when it was trained WITHOUT
-- preprocess (no "impute" rules in its image at all).  A wrong answer here
-- is silent: a linear model would return NaN, k-means cluster 0, PCA NaNs.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE TABLE mv AS
    SELECT g::real AS a, (g % 7)::real AS b, (2 * g + (g % 7))::real AS y,
           (g % 2 = 0) AS c
      FROM generate_series(1, 60) g;
CREATE VIEW mv_features AS SELECT a, b FROM mv;
-- no preprocess at all: linear regression, logistic regression, k-means, PCA
CREATE VIEW mv_reg AS SELECT a, b, y FROM mv;
CREATE VIEW mv_cls AS SELECT a, b, c FROM mv;
SELECT project, algorithm FROM pgml.train('mv_lin', 'regression', 'mv_reg', 'y');
SELECT project, algorithm FROM pgml.train('mv_log', 'classification', 'mv_cls', 'c');
SELECT project, algorithm FROM pgml.train('mv_km', 'clustering', 'mv_features', NULL, 'kmeans',
                                          '{"n_clusters": 2}');
SELECT project, algorithm FROM pgml.train('mv_pca', 'decomposition', 'mv_features', NULL, 'pca',
                                          '{"n_components": 2}');
SELECT project, algorithm FROM pgml.train('mv_xgb', 'regression', 'mv_reg', 'y', 'xgboost',
                                          '{"n_estimators": 3}');
-- none of them has preprocessing in its artifact
SELECT p.name, m.artifact IS NOT NULL AND position(convert_to('impute', 'UTF8') IN m.artifact) = 0
           AS no_preprocess
  FROM pgml.deployed_models dm JOIN pgml.models m ON m.id = dm.id
  JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name LIKE 'mv\_%' ORDER BY p.name;

-- the finite row works everywhere
SELECT round(pgml.predict('mv_lin', ARRAY[1, 2]::real[])::numeric, 3) IS NOT NULL AS lin_ok,
       pgml.predict('mv_log', ARRAY[1, 2]::real[]) IN (0, 1) AS log_ok,
       pgml.predict('mv_km', ARRAY[1, 2]::real[]) IN (0, 1) AS km_ok,
       array_length(pgml.decompose('mv_pca', ARRAY[1, 2]::real[]), 1) AS pca_len;

-- NaN, as real[], float8[] and numeric[] arrays: an error for each model
SELECT pgml.predict('mv_lin', ARRAY['NaN', 2]::real[]);
SELECT pgml.predict('mv_lin', ARRAY[1, 'NaN']::float8[]);
SELECT pgml.predict('mv_lin', ARRAY[1, 'NaN']::numeric[]);
SELECT pgml.predict('mv_log', ARRAY['NaN', 2]::real[]);
SELECT pgml.predict_proba('mv_log', ARRAY['NaN', 2]::real[]);
SELECT pgml.predict_label('mv_log', ARRAY['NaN', 2]::real[]);
SELECT pgml.predict('mv_km', ARRAY[1, 'NaN']::real[]);
SELECT pgml.decompose('mv_pca', ARRAY['NaN', 2]::real[]);
SELECT pgml.decompose('mv_pca', ARRAY[1, 'NaN']::float8[]);
-- by model id
SELECT pgml.predict((SELECT id FROM pgml.deployed_models WHERE name = 'mv_lin'),
                    ARRAY['NaN', 2]::real[]);
SELECT pgml.decompose((SELECT id FROM pgml.deployed_models WHERE name = 'mv_pca'),
                      ARRAY['NaN', 2]::real[]);
-- row forms
SELECT pgml.predict('mv_lin', ROW('NaN'::real, 2::real));
SELECT pgml.predict('mv_km', ROW(1::real, 'NaN'::float8));
SELECT pgml.decompose('mv_pca', ROW('NaN'::real, 2::real));
-- batches: the second row holds the NaN
SELECT pgml.predict_batch('mv_lin', ARRAY[1, 2, 'NaN', 4]::real[]);
SELECT pgml.predict_batch('mv_km', ARRAY[1, 2, 3, 'NaN']::real[]);
-- and from a table, on many rows: the error, not NaN or a cluster
SELECT count(pgml.predict('mv_lin', ARRAY[a, CASE WHEN a = 30 THEN 'NaN' ELSE b END]))
  FROM mv;
-- NULL is missing too
SELECT pgml.predict('mv_lin', ARRAY[NULL, 2]::real[]);
SELECT pgml.predict('mv_km', ARRAY[NULL, 2]::real[]);
SELECT pgml.decompose('mv_pca', ARRAY[1, NULL]::real[]);

-- XGBoost takes a NaN as missing (the default direction): a finite answer,
-- the same as for NULL
SELECT pgml.predict('mv_xgb', ARRAY['NaN', 2]::real[]) = pgml.predict('mv_xgb', ARRAY[NULL, 2]::real[])
       AS nan_is_null,
       pgml.predict('mv_xgb', ARRAY['NaN', 2]::real[]) <> 'NaN'::real AS finite;

DELETE FROM pgml.projects WHERE name LIKE 'mv\_%';
DROP VIEW mv_features, mv_reg, mv_cls;
DROP TABLE mv;
