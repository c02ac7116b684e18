-- (test/sql/include/hyperparams_of.sql, read by \i into the test's schema)
-- The effective hyperparameters of a project's newest model.
CREATE FUNCTION hyperparams_of(project text) RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT m.hyperparams FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = project ORDER BY m.id DESC LIMIT 1
$$;
