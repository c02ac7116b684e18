-- bench/trees/plpython.sql: the PL/Python per-row baseline of bench/80_trees.sh.
--
-- What one writes without the extension: a PL/Python function that keeps a
-- fitted scikit-learn estimator per connection (in GD), loaded on its first
-- call, and predicts one row per call, as bench/predict/plpython.sql does for
-- XGBoost.  The estimator is the one bench/trees/sklearn_side.py fitted on the
-- same training rows, pickled with n_jobs 1 (one row is one core's work, as
-- for pgml.predict), in a file the postgres user can read; a table would
-- only add the copy of a bytea of up to a few hundred MB to the first call,
-- which is not timed.  Debian's python3 (scikit-learn 1.2.1, NumPy).
--
-- OpenMP: HistGradientBoosting*'s predict (the only one of the family that
-- uses OpenMP) runs as many threads as the setting bench_trees.omp_threads
-- says, applied with threadpoolctl when an estimator is loaded (80_trees.sh
-- sets it to 1 through PGOPTIONS, BENCH_TREES_PLPYTHON_OMP_THREADS); unset or
-- empty, OpenMP keeps its default (every CPU).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS plpython3u;

-- The prediction of one row: the regression value, or the class label.
CREATE OR REPLACE FUNCTION bench_sk_predict(model_file text, features real[]) RETURNS real
LANGUAGE plpython3u STABLE STRICT AS $$
est = GD.get(("sklearn", model_file))
if est is None:
    import pickle
    import numpy
    with open(model_file, "rb") as f:
        est = pickle.load(f)
    # after the load, which has loaded the estimator's OpenMP runtime
    n = plpy.execute("SELECT current_setting('bench_trees.omp_threads', true) AS n")[0]["n"]
    if n:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=int(n), user_api="openmp")
    GD[("sklearn", model_file)] = est
    GD["numpy"] = numpy
np = GD["numpy"]
return float(est.predict(np.asarray(features, dtype=np.float32).reshape(1, -1))[0])
$$;
