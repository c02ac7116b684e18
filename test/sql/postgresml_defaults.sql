-- PostgresML's defaults and catalog functions (docs/sql-reference.md).
SET client_min_messages = warning;

-- pgml.algorithms(): the one list of algorithms (include/pgml_algorithms.h).
SELECT * FROM pgml.algorithms() ORDER BY name;

-- pgml.version() is the installed version.
SELECT pgml.version() = (SELECT extversion FROM pg_extension WHERE extname = 'pgml_worker') AS version_ok;

-- The default algorithm, linear, means k-means for clustering and PCA for decomposition.
CREATE TABLE pd_blobs AS
    SELECT (g % 3) * 10 + (g % 7) * 0.1 AS a, (g % 3) * -5 + (g % 5) * 0.1 AS b
      FROM generate_series(1, 90) g;
SELECT project, task, algorithm FROM pgml.train('pd_clusters', 'clustering', 'pd_blobs');
SELECT project, task, algorithm FROM pgml.train('pd_components', 'decomposition', 'pd_blobs');
SELECT algorithm FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name IN ('pd_clusters', 'pd_components') ORDER BY m.id;
-- an explicit algorithm that does not fit is still refused
SELECT * FROM pgml.train('pd_clusters', algorithm => 'ridge', relation_name => 'pd_blobs');

-- best_score ranks a clustering project by silhouette (higher is better):
-- three well-separated blobs are best told apart by three clusters, which
-- is neither the newest model nor the deployed one here
SELECT deployed FROM pgml.train('pd_clusters', relation_name => 'pd_blobs', algorithm => 'kmeans',
                                hyperparams => '{"n_clusters": 3}', automatic_deploy => false);
SELECT deployed FROM pgml.train('pd_clusters', relation_name => 'pd_blobs', algorithm => 'kmeans',
                                hyperparams => '{"n_clusters": 5}', automatic_deploy => false);
SELECT * FROM pgml.deploy('pd_clusters', 'most_recent');
SELECT hyperparams ->> 'n_clusters' AS k_most_recent
  FROM pgml.models WHERE id = (SELECT id FROM pgml.deployed_models WHERE name = 'pd_clusters');
SELECT * FROM pgml.deploy('pd_clusters', 'best_score');
SELECT m.hyperparams ->> 'n_clusters' AS k_best,
       (SELECT max((metrics ->> 'silhouette')::float8) FROM pgml.models x WHERE x.project_id = m.project_id)
         = (m.metrics ->> 'silhouette')::float8 AS has_the_best_silhouette
  FROM pgml.models m WHERE m.id = (SELECT id FROM pgml.deployed_models WHERE name = 'pd_clusters');

-- a decomposition stores PostgresML's cumulative_explained_variance, and
-- best_score ranks by it: two components explain more than one
SELECT deployed FROM pgml.train('pd_components', relation_name => 'pd_blobs',
                                hyperparams => '{"n_components": 1}');
SELECT abs((metrics ->> 'cumulative_explained_variance')::float8
           - (SELECT sum(r::float8) FROM jsonb_array_elements_text(metrics -> 'explained_variance_ratio') r)) < 1e-12
         AS cumulative_is_the_sum_of_ratios
  FROM pgml.models WHERE id = (SELECT id FROM pgml.deployed_models WHERE name = 'pd_components');
SELECT * FROM pgml.deploy('pd_components', 'best_score');
SELECT hyperparams ->> 'n_components' AS components_deployed
  FROM pgml.models WHERE id = (SELECT id FROM pgml.deployed_models WHERE name = 'pd_components');

SELECT pgml.drop_project('pd_clusters'), pgml.drop_project('pd_components');
DROP TABLE pd_blobs;

-- Training again without a relation uses the project's last snapshot: the
-- same relation, label, split and preprocessing (PostgresML's way to try
-- another algorithm).
CREATE TABLE pd_lin AS SELECT g::real AS a, (g % 4)::real AS b, (2 * g + 1)::real AS y
  FROM generate_series(1, 100) g;
SELECT project, algorithm FROM pgml.train('pd_lin', 'regression', 'pd_lin', 'y', test_size => 0.2,
                                         test_sampling => 'last', preprocess => '{"a": {"scale": "standard"}}');
SELECT project, task, algorithm FROM pgml.train('pd_lin', algorithm => 'ridge');
SELECT m.algorithm, m.relation_name, m.y_column_name, m.test_size, m.test_sampling
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'pd_lin' ORDER BY m.id;
SELECT count(*) AS models, count(DISTINCT m.snapshot_id) AS snapshots
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'pd_lin';
SELECT s.relation_name, s.y_column_name, s.test_size, s.test_sampling, s.preprocess, s.columns, s.seed
  FROM pgml.snapshots s WHERE s.id = (SELECT max(snapshot_id) FROM pgml.models);
-- the queue accepts the same omission
INSERT INTO pgml.train_queue (project_name, algorithm) VALUES ('pd_lin', 'elastic_net') RETURNING id \gset
SELECT pgml.wait_job(:id);
SELECT relation_name IS NULL AS queued_without_relation, error FROM pgml.train_queue WHERE id = :id;
SELECT m.algorithm, m.relation_name FROM pgml.models m WHERE m.id = (SELECT model_id FROM pgml.train_queue WHERE id = :id);
-- a project to create needs its relation
SELECT * FROM pgml.train('pd_none', algorithm => 'ridge');
INSERT INTO pgml.train_queue (project_name, algorithm) VALUES ('pd_none', 'ridge');

-- PostgresML's runtime and materialize_snapshot parameters, by name and by position
SELECT project, algorithm FROM pgml.train('pd_lin', algorithm => 'lasso', runtime => 'python');
SELECT project, algorithm FROM pgml.train('pd_lin', 'regression', 'pd_lin', 'y', 'linear', '{}', NULL, '{}', '{}',
                                          0.25, 'random', 'rust', false, false, '{}');
SELECT * FROM pgml.train('pd_lin', algorithm => 'lasso', runtime => 'java');

-- materialize_snapshot copies the rows into pgml.snapshot_<id>; training
-- reads the copy, and training again too, whatever becomes of the original
CREATE TABLE pd_mat AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 50) g;
SELECT project, algorithm FROM pgml.train('pd_mat', 'regression', 'pd_mat', 'y', materialize_snapshot => true);
SELECT s.id AS snap, s.relation_name, s.y_column_name, s.materialized, s.columns
  FROM pgml.snapshots s WHERE s.id = (SELECT max(snapshot_id) FROM pgml.models) \gset
SELECT :'relation_name' AS relation_name, :'y_column_name' AS y_column_name, :'materialized' AS materialized,
       :'columns' AS columns;
SELECT count(*) AS copied_rows, sum(y) AS sum_y FROM pgml.snapshot_:snap;
SELECT tableowner = (SELECT extowner::regrole::name FROM pg_extension WHERE extname = 'pgml_worker') AS owned_by_extension
  FROM pg_tables WHERE schemaname = 'pgml' AND tablename = 'snapshot_' || :snap;
UPDATE pd_mat SET y = 0;
SELECT project, algorithm FROM pgml.train('pd_mat', algorithm => 'ridge');
SELECT m.algorithm, m.relation_name = 'pgml.snapshot_' || :snap AS read_the_copy,
       round(pgml.predict(m.id, ARRAY[10]::real[])) AS predicts_3x
  FROM pgml.models m WHERE m.id = (SELECT max(id) FROM pgml.models);
SELECT pgml.drop_project('pd_mat');
DROP TABLE pd_mat;
DROP TABLE pgml.snapshot_:snap;

SELECT pgml.drop_project('pd_lin');
DROP TABLE pd_lin;

-- pgml.snapshot(): a materialized snapshot for no project yet, read as the
-- caller, whom the copy and its row in pgml.snapshots are visible to
CREATE TABLE pd_src AS SELECT g::real AS a, (g % 2)::int AS y FROM generate_series(1, 40) g;
CREATE ROLE regress_pd_snapper;
GRANT SELECT ON pd_src TO regress_pd_snapper;
SET ROLE regress_pd_snapper;
SELECT relation AS snap_table, y_column_name FROM pgml.snapshot('pd_src', 'y', 0.5) \gset
SELECT :'snap_table' LIKE 'pgml.snapshot\_%' AS named_by_id, :'y_column_name' AS y_column_name;
SELECT count(*) AS rows, sum(y) AS sum_y FROM :snap_table;
SELECT relation_name, y_column_name, test_size, materialized FROM pgml.snapshots;
RESET ROLE;
CREATE ROLE regress_pd_other;
SET ROLE regress_pd_other;
SELECT count(*) AS others_see FROM pgml.snapshots;
SELECT has_table_privilege(:'snap_table', 'SELECT') AS others_may_read;
RESET ROLE;
SELECT * FROM pgml.snapshot('pd_src_missing', 'y');
SELECT * FROM pgml.snapshot(NULL, 'y');
DROP TABLE :snap_table;
DROP TABLE pd_src;
DROP ROLE regress_pd_snapper, regress_pd_other;
