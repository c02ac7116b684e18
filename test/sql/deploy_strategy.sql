-- pgml.deploy(project, 'best_score') orders by the key metric as a NUMBER.
-- The models' metrics are set by hand to values whose text order differs
-- from their numeric order (negative r2: as text '-0.75' > '-0.5' > '-0.25'),
-- and each model predicts something different, so the served prediction
-- says which model best_score picked.  (test/sql/deploy.sql covers the other
-- strategies; this file is separate so the two can change independently.)
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

-- three regression models: y = 2x, 3x, 4x, so predict(10) is 20, 30 or 40
CREATE TABLE ds_2 AS SELECT g::real AS x, (2 * g)::real AS y FROM generate_series(1, 40) g;
CREATE TABLE ds_3 AS SELECT x, 1.5 * y AS y FROM ds_2;
CREATE TABLE ds_4 AS SELECT x, 2 * y AS y FROM ds_2;
SELECT deployed IS NOT NULL AS trained FROM pgml.train('ds_reg', 'regression', 'ds_2', 'y');
SELECT deployed IS NOT NULL AS trained FROM pgml.train('ds_reg', 'regression', 'ds_3', 'y');
SELECT deployed IS NOT NULL AS trained FROM pgml.train('ds_reg', 'regression', 'ds_4', 'y');
CREATE TABLE ds_models AS
    SELECT m.id, round(pgml.predict(m.id, ARRAY[10]::real[])::numeric) AS slope10
      FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = 'ds_reg';
SELECT slope10 FROM ds_models ORDER BY slope10;

-- r2: -0.5 (2x), -0.25 (3x), -0.75 (4x): the best is -0.25, the 3x model
UPDATE pgml.models m SET metrics = m.metrics ||
       jsonb_build_object('r2', CASE d.slope10 WHEN 20 THEN -0.5 WHEN 30 THEN -0.25 ELSE -0.75 END)
  FROM ds_models d WHERE d.id = m.id;
SELECT d.slope10, m.metrics -> 'r2' AS r2
  FROM pgml.models m JOIN ds_models d ON d.id = m.id ORDER BY d.slope10;
SELECT project, strategy, algorithm FROM pgml.deploy('ds_reg', 'best_score');
SELECT round(pgml.predict('ds_reg', ARRAY[10]::real[])::numeric) AS served;
SELECT d.slope10 AS deployed_slope10
  FROM pgml.deployed_models dm JOIN ds_models d ON d.id = dm.id WHERE dm.name = 'ds_reg';

-- a model without the metric never wins (NULLS LAST), even over negatives;
-- then r2 0.1 (the 4x model) beats 0.09 and -0.00001
UPDATE pgml.models m SET metrics = m.metrics - 'r2'
  FROM ds_models d WHERE d.id = m.id AND d.slope10 = 30;
SELECT project, strategy FROM pgml.deploy('ds_reg', 'best_score');
SELECT round(pgml.predict('ds_reg', ARRAY[10]::real[])::numeric) AS served_without_r2;
UPDATE pgml.models m SET metrics = m.metrics ||
       jsonb_build_object('r2', CASE d.slope10 WHEN 20 THEN 0.09 WHEN 30 THEN -0.00001 ELSE 0.1 END)
  FROM ds_models d WHERE d.id = m.id;
SELECT project, strategy FROM pgml.deploy('ds_reg', 'best_score');
SELECT round(pgml.predict('ds_reg', ARRAY[10]::real[])::numeric) AS served_0_1;
-- equal scores: the newest of them (the highest id)
UPDATE pgml.models m SET metrics = m.metrics || '{"r2": 0.5}'
  FROM ds_models d WHERE d.id = m.id AND d.slope10 IN (20, 30);
SELECT project, strategy FROM pgml.deploy('ds_reg', 'best_score');
SELECT round(pgml.predict('ds_reg', ARRAY[10]::real[])::numeric) AS served_tie;

-- classification: f1 is the key metric, whatever else the models say
-- (accuracy would pick the second model, f1 picks the third)
CREATE TABLE ds_cls AS
    SELECT g::real AS x, (g > 20) AS y FROM generate_series(1, 40) g;
SELECT deployed IS NOT NULL AS trained FROM pgml.train('ds_cls', 'classification', 'ds_cls', 'y');
SELECT deployed IS NOT NULL AS trained FROM pgml.train('ds_cls', 'classification', 'ds_cls', 'y',
                                     hyperparams => '{"C": 0.001}');
SELECT deployed IS NOT NULL AS trained FROM pgml.train('ds_cls', 'classification', 'ds_cls', 'y',
                                     hyperparams => '{"C": 1000}');
CREATE TABLE ds_cls_models AS
    SELECT m.id, row_number() OVER (ORDER BY m.id) AS n
      FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = 'ds_cls';
UPDATE pgml.models m SET metrics = m.metrics ||
       jsonb_build_object('f1', (ARRAY[0.5, 0.25, 0.75])[c.n],
                          'accuracy', (ARRAY[0.9, 0.95, 0.1])[c.n])
  FROM ds_cls_models c WHERE c.id = m.id;
SELECT project, strategy FROM pgml.deploy('ds_cls', 'best_score');
SELECT c.n AS deployed_model_number
  FROM pgml.deployed_models dm JOIN ds_cls_models c ON c.id = dm.id WHERE dm.name = 'ds_cls';

-- most_recent: of models created at the same time, the one with the
-- higher id (the later one) is the most recent
SELECT project, algorithm FROM pgml.train('ds_recent', 'regression', 'ds_2', 'y');
SELECT project, algorithm FROM pgml.train('ds_recent', 'regression', 'ds_3', 'y');
UPDATE pgml.models m SET created_at = '2026-01-01 00:00:00+00'
  FROM pgml.projects p WHERE p.id = m.project_id AND p.name = 'ds_recent';
SELECT project, strategy FROM pgml.deploy('ds_recent', 'most_recent');
SELECT round(pgml.predict('ds_recent', ARRAY[10]::real[])::numeric) AS served_most_recent;
-- and the older model wins when it is the newer by created_at
UPDATE pgml.models m SET created_at = '2026-01-02 00:00:00+00'
  FROM pgml.projects p WHERE p.id = m.project_id AND p.name = 'ds_recent'
   AND m.id = (SELECT min(m2.id) FROM pgml.models m2 WHERE m2.project_id = p.id);
SELECT project, strategy FROM pgml.deploy('ds_recent', 'most_recent');
SELECT round(pgml.predict('ds_recent', ARRAY[10]::real[])::numeric) AS served_most_recent;

DELETE FROM pgml.projects WHERE name IN ('ds_reg', 'ds_cls', 'ds_recent');
DROP TABLE ds_2, ds_3, ds_4, ds_models, ds_cls, ds_cls_models;
