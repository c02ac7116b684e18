-- pgml.deploy: strategies, by id, rollback, history, views, errors.
-- start from a fresh extension: no models, ids from 1
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = notice;

-- three models of one project: y = 2x exactly (r2 = 1), then noisier ones
CREATE TABLE d1 AS SELECT g::real AS x, (2 * g)::real AS y FROM generate_series(1, 60) g;
CREATE TABLE d2 AS SELECT x, y + CASE WHEN x::int % 2 = 0 THEN 3 ELSE -3 END AS y FROM d1;
CREATE TABLE d3 AS SELECT x, y + CASE WHEN x::int % 2 = 0 THEN 30 ELSE -30 END AS y FROM d1;
SELECT deployed FROM pgml.train('dep', 'regression', 'd1', 'y');
SELECT deployed FROM pgml.train('dep', 'regression', 'd2', 'y');
SELECT deployed FROM pgml.train('dep', 'regression', 'd3', 'y');
-- the held-out r2 depends on the split; the order does not: exact first,
-- then lower as the noise grows
SELECT (array_agg(r2 ORDER BY id))[1] > 0.999999 AS exact,
       (array_agg(r2 ORDER BY id))[1] > (array_agg(r2 ORDER BY id))[2]
       AND (array_agg(r2 ORDER BY id))[2] > (array_agg(r2 ORDER BY id))[3] AS noisier_scores_lower,
       array_agg(deployed ORDER BY id) AS deployed
  FROM (SELECT m.id, (m.metrics ->> 'r2')::float8 AS r2, t.deployed
          FROM pgml.models m JOIN pgml.trained_models t ON t.id = m.id
         WHERE t.name = 'dep') s;

-- most_recent: the noisiest (model 3) serves (its prediction depends on the
-- rows it trained on: compared with the model's own)
SELECT * FROM pgml.deploy('dep', 'most_recent');
SELECT pgml.predict('dep', ARRAY[10]) = pgml.predict(3, ARRAY[10]) AS serves_model_3,
       (SELECT model_id FROM pgml.stat_models WHERE project = 'dep') AS served_id;
SELECT id, name, algorithm FROM pgml.deployed_models WHERE name = 'dep';
-- best_score compares r2 as numbers: model 1
SELECT * FROM pgml.deploy('dep', 'best_score');
SELECT round(pgml.predict('dep', ARRAY[10])::numeric, 1) AS served;
-- deploying what is already deployed changes nothing
SELECT * FROM pgml.deploy('dep', 'best_score');
-- rollback: back to the model deployed before (model 3)
SELECT * FROM pgml.deploy('dep', 'rollback');
SELECT model_id FROM pgml.stat_models WHERE project = 'dep';
-- by id
SELECT * FROM pgml.deploy(2);
SELECT pgml.predict('dep', ARRAY[10]) = pgml.predict(2, ARRAY[10]) AS serves_model_2,
       (SELECT model_id FROM pgml.stat_models WHERE project = 'dep') AS served_id;
-- a deploy that rolls back changes nothing
BEGIN;
SELECT * FROM pgml.deploy(1);
ROLLBACK;
SELECT model_id FROM pgml.stat_models WHERE project = 'dep';
-- the history
SELECT model_id, strategy FROM pgml.deployments
 WHERE project_id = (SELECT id FROM pgml.projects WHERE name = 'dep') ORDER BY id;
SELECT name, task, algorithm, relation_name, y_column_name, test_sampling, test_size
  FROM pgml.overview WHERE name = 'dep';
-- algorithm filter
SELECT deployed FROM pgml.train('dep', 'regression', 'd1', 'y', algorithm => 'xgboost',
                                hyperparams => '{"n_estimators": 5}');
SELECT * FROM pgml.deploy('dep', 'best_score', 'linear');
SELECT * FROM pgml.deploy('dep', 'most_recent', 'xgboost');

-- errors
SELECT * FROM pgml.deploy('dep', 'sideways');
SELECT * FROM pgml.deploy('no such project', 'best_score');
SELECT * FROM pgml.deploy('dep', 'best_score', 'deep_magic');
SELECT * FROM pgml.deploy(99999);
SELECT * FROM pgml.deploy(NULL::text);
CREATE TABLE d4 AS SELECT * FROM d1;
SELECT deployed FROM pgml.train('fresh', 'regression', 'd4', 'y');
SELECT * FROM pgml.deploy('fresh', 'rollback');

-- prepared transactions: a deploy (or a change of pgml.models) is published
-- at commit, which COMMIT PREPARED runs in another session: refused
SELECT model_id AS served_before FROM pgml.stat_models WHERE project = 'dep' \gset
SELECT :served_before <> 1 AS another_model_serves;
BEGIN;
SELECT * FROM pgml.deploy(1);
PREPARE TRANSACTION 'pgml_deploy';
BEGIN;
UPDATE pgml.models SET artifact = artifact WHERE id = 1;
PREPARE TRANSACTION 'pgml_models';
SELECT count(*) AS prepared FROM pg_prepared_xacts;
-- nothing was published then, or at the next commit of this session
SELECT 1 AS next_transaction;
SELECT model_id = :served_before AS unchanged FROM pgml.stat_models WHERE project = 'dep';
SELECT d.model_id = :served_before AS table_agrees FROM pgml.deployments d
  JOIN pgml.projects p ON p.id = d.project_id WHERE p.name = 'dep' ORDER BY d.id DESC LIMIT 1;
-- queueing a job can be prepared; rolled back, it leaves no job
BEGIN;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('prepared job', 'regression', 'd1', 'y');
PREPARE TRANSACTION 'pgml_queue';
ROLLBACK PREPARED 'pgml_queue';
SELECT count(*) AS jobs FROM pgml.train_queue WHERE project_name = 'prepared job';
-- the registry reset is for the install script only
CREATE ROLE regress_pgml_deploy;
SET ROLE regress_pgml_deploy;
SELECT pgml._registry_reset_database();
RESET ROLE;
DROP ROLE regress_pgml_deploy;
SELECT count(*) > 0 AS still_served FROM pgml.stat_models WHERE project = 'dep';

-- the tables changed by hand: predict follows what they say
SELECT model_id AS served FROM pgml.stat_models WHERE project = 'dep' \gset
DELETE FROM pgml.deployments
 WHERE id = (SELECT max(d.id) FROM pgml.deployments d JOIN pgml.projects p ON p.id = d.project_id
              WHERE p.name = 'dep');
SELECT count(*) AS dropped FROM pgml.stat_models WHERE project = 'dep';
SELECT pgml.predict('dep', ARRAY[10]) IS NOT NULL AS predicts;
SELECT s.model_id = d.id AS serves_the_newest_row, s.model_id <> :served AS another_model
  FROM pgml.stat_models s, pgml.deployed_models d WHERE s.project = 'dep' AND d.name = 'dep';
-- TRUNCATE fires no row trigger; every image of the database is dropped
TRUNCATE pgml.deployments;
SELECT count(*) AS served_after_truncate FROM pgml.stat_models WHERE datname = current_database();
SELECT pgml.predict('dep', ARRAY[10]);
-- a renamed project is served under its new name only
SELECT deployed FROM pgml.train('ren', 'regression', 'd1', 'y');
SELECT pgml.predict('ren', ARRAY[10]) IS NOT NULL AS served;
UPDATE pgml.projects SET name = 'ren2' WHERE name = 'ren';
SELECT pgml.predict('ren', ARRAY[10]);
SELECT pgml.predict('ren2', ARRAY[10]) IS NOT NULL AS served_as_ren2;
SELECT * FROM pgml.deploy('ren2', 'best_score', NULL);
DELETE FROM pgml.models WHERE project_id = (SELECT id FROM pgml.projects WHERE name = 'ren2');
SELECT * FROM pgml.deploy('ren2');
