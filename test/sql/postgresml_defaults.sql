-- PostgresML's defaults and catalog functions (docs/sql-reference.md).
SET client_min_messages = warning;

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

SELECT pgml.drop_project('pd_clusters'), pgml.drop_project('pd_components');
DROP TABLE pd_blobs;
