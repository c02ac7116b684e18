-- The held-out evaluation of a training job (src/train/job.c, eval_parallel)
-- shares the test rows among pgml_worker.nthread threads, at least 4,096
-- rows per thread, in rounds of at most 65,536 rows per thread.  Whatever the thread count, the stored metrics must be
-- those of the served model on the test rows: they are computed again here,
-- in SQL, from pgml.predict and pgml.predict_proba over the same rows
-- (test_sampling 'last': the last 25% of the rows in scan order, which for
-- these freshly written tables is ctid order).  Tolerance: 1e-9 relative,
-- the order in which the sums are taken.
SET client_min_messages = warning;

-- 280,000 rows, so 70,000 test rows: with nthread = 3, three unequal
-- shares (23,333 or 23,334 rows) in one round.
CREATE TABLE eval_reg AS
    SELECT ((i * 7919) % 1000) / 1000.0::real AS a,
           ((i * 104729) % 997) / 997.0::real AS b,
           ((i * 15485) % 991) / 991.0::real AS c,
           (((i * 7919) % 1000) / 500.0 + sin(((i * 104729) % 997) / 160.0)
            + ((i * 31) % 17) / 100.0)::real AS y
      FROM generate_series(1::bigint, 280000) i;

SET pgml_worker.nthread = 3;
SELECT project, task, algorithm, deployed FROM pgml.train('eval_reg', 'regression', 'eval_reg', 'y',
    'xgboost', '{"n_estimators": 20, "max_depth": 5}', test_size => 0.25, test_sampling => 'last');

WITH test_rows AS (
    SELECT y::float8 AS y, pgml.predict('eval_reg', ARRAY[a, b, c])::float8 AS p
      FROM eval_reg ORDER BY ctid OFFSET 210000
), recomputed AS (
    SELECT count(*) AS n, avg((y - p) ^ 2) AS mse, avg(abs(y - p)) AS mae,
           1 - sum((y - p) ^ 2) / sum((y - (SELECT avg(y) FROM test_rows)) ^ 2) AS r2
      FROM test_rows
), stored AS (
    SELECT (m.metrics->>'mean_squared_error')::float8 AS mse,
           (m.metrics->>'mean_absolute_error')::float8 AS mae,
           (m.metrics->>'r2')::float8 AS r2
      FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = 'eval_reg'
)
SELECT r.n,
       abs(s.mse - r.mse) <= 1e-9 * r.mse AS mse_equal,
       abs(s.mae - r.mae) <= 1e-9 * r.mae AS mae_equal,
       abs(s.r2 - r.r2) <= 1e-9 * abs(r.r2) AS r2_equal,
       r.r2 > 0.9 AS model_learned
  FROM recomputed r, stored s;

-- Three classes, the same rows: accuracy from pgml.predict, log loss (clipped
-- to [FLT_EPSILON, 1 - FLT_EPSILON] and renormalised, as metrics.c does)
-- from pgml.predict_proba, on 70,000 test rows evaluated by one thread in
-- two rounds (65,536 and 4,464 rows).
SET pgml_worker.nthread = 1;
CREATE TABLE eval_cls AS
    SELECT a, b, c, (CASE WHEN y < 1.2 THEN 0 WHEN y < 2.0 THEN 1 ELSE 2 END) AS label
      FROM eval_reg;
SELECT project, task, algorithm, deployed FROM pgml.train('eval_cls', 'classification', 'eval_cls', 'label',
    'xgboost', '{"n_estimators": 10, "max_depth": 4}', test_size => 0.25, test_sampling => 'last');

WITH test_rows AS (
    SELECT label, pgml.predict('eval_cls', ARRAY[a, b, c]) AS p,
           pgml.predict_proba('eval_cls', ARRAY[a, b, c]) AS proba
      FROM eval_cls ORDER BY ctid OFFSET 210000
), clipped AS (
    SELECT label, p, ARRAY(SELECT least(greatest(v::float8, 1.1920928955078125e-07),
                                        1 - 1.1920928955078125e-07)
                             FROM unnest(proba) WITH ORDINALITY u(v, k) ORDER BY k) AS q
      FROM test_rows
), recomputed AS (
    SELECT count(*) AS n, avg((p = label)::int) AS accuracy,
           avg(-ln(q[label + 1] / (q[1] + q[2] + q[3]))) AS log_loss
      FROM clipped
), stored AS (
    SELECT (m.metrics->>'accuracy')::float8 AS accuracy,
           (m.metrics->>'log_loss')::float8 AS log_loss
      FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = 'eval_cls'
)
SELECT r.n,
       abs(s.accuracy - r.accuracy) <= 1e-9 AS accuracy_equal,
       abs(s.log_loss - r.log_loss) <= 1e-9 * r.log_loss AS log_loss_equal,
       r.accuracy > 0.9 AS model_learned
  FROM recomputed r, stored s;

RESET pgml_worker.nthread;

DROP TABLE eval_reg, eval_cls;
