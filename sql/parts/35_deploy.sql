-- part 35: deploys and the PostgresML-shaped views of projects and models.

CREATE FUNCTION pgml.deploy(project_name text, strategy text DEFAULT 'best_score',
                            algorithm text DEFAULT NULL)
RETURNS TABLE (project text, strategy text, algorithm text)
    AS 'MODULE_PATHNAME', 'pgml_deploy' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.deploy(text, text, text) IS
    'deploy a model of a project: best_score (r2, f1, silhouette or cumulative_explained_variance by task, as numbers), most_recent or rollback, optionally of one algorithm; published when the transaction commits';

CREATE FUNCTION pgml.deploy(model_id bigint)
RETURNS TABLE (project text, strategy text, algorithm text)
    AS 'MODULE_PATHNAME', 'pgml_deploy_by_id' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.deploy(bigint) IS
    'deploy a model by id for its project; published when the transaction commits';

-- PostgresML's views, with its columns in its order (runtime: every model
-- runs in C here; y_column_name of overview as text[], from the snapshot).
CREATE VIEW pgml.deployed_models WITH (security_invoker = true) AS
    SELECT m.id, p.name, p.task, m.algorithm, m.runtime, d.created_at AS deployed_at
      FROM pgml.projects p
      JOIN (SELECT DISTINCT ON (project_id) project_id, model_id, created_at
              FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.project_id = p.id
      JOIN pgml.models m ON m.id = d.model_id
     ORDER BY p.name;
COMMENT ON VIEW pgml.deployed_models IS 'the model each project serves';

CREATE VIEW pgml.trained_models WITH (security_invoker = true) AS
    SELECT m.id, p.name, p.task, m.algorithm, m.runtime, m.created_at, m.test_sampling, m.test_size,
           d.model_id IS NOT NULL AS deployed
      FROM pgml.projects p
      JOIN pgml.models m ON m.project_id = p.id
      LEFT JOIN (SELECT DISTINCT ON (project_id) project_id, model_id
                   FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.model_id = m.id
     ORDER BY m.created_at DESC, m.id DESC;
COMMENT ON VIEW pgml.trained_models IS 'every model, and whether its project serves it';

CREATE VIEW pgml.overview WITH (security_invoker = true) AS
    SELECT p.name, d.created_at AS deployed_at, p.task, m.algorithm, m.runtime, m.relation_name,
           coalesce(s.y_column_name, ARRAY[m.y_column_name]) AS y_column_name,
           m.test_sampling, m.test_size
      FROM pgml.projects p
      JOIN (SELECT DISTINCT ON (project_id) project_id, model_id, created_at
              FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.project_id = p.id
      JOIN pgml.models m ON m.id = d.model_id
      LEFT JOIN pgml.snapshots s ON s.id = m.snapshot_id
     ORDER BY d.created_at DESC;
COMMENT ON VIEW pgml.overview IS 'each project with its deployed model and what it was trained on';

-- security_invoker: each role sees the projects it may use (row security)
GRANT SELECT ON pgml.deployed_models, pgml.trained_models, pgml.overview TO PUBLIC;
