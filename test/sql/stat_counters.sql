-- pgml.stat_models counts calls and rows separately: a batch is one call of
-- many rows, a single-row predict one of each, and a deploy of another
-- model starts the counts over.  (Other tests only ever predict one row per
-- call, where the two counts are equal.)
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE TABLE sc AS SELECT g::real AS a, (3 * g + 1)::real AS y FROM generate_series(1, 30) g;
SELECT project, algorithm FROM pgml.train('sc_lin', 'regression', 'sc', 'y');
SELECT loads, predict_calls, rows_predicted FROM pgml.stat_models WHERE project = 'sc_lin';
-- 4 single-row calls
SELECT count(pgml.predict('sc_lin', ARRAY[a])) FROM sc WHERE a <= 4;
SELECT loads, predict_calls, rows_predicted FROM pgml.stat_models WHERE project = 'sc_lin';
-- one batch of 7 rows: 1 call, 7 rows
SELECT count(*) FROM pgml.predict_batch('sc_lin', ARRAY[1, 2, 3, 4, 5, 6, 7]::real[]);
SELECT loads, predict_calls, rows_predicted FROM pgml.stat_models WHERE project = 'sc_lin';
-- and a batch of 0 rows
SELECT count(*) FROM pgml.predict_batch('sc_lin', ARRAY[]::real[]);
SELECT loads, predict_calls, rows_predicted FROM pgml.stat_models WHERE project = 'sc_lin';

DELETE FROM pgml.projects WHERE name = 'sc_lin';
DROP TABLE sc;
