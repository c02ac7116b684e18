-- XGBoost's dart booster: trees dropped during training and weighted per
-- tree (weight_drop).  XGBoost predicts tree by tree from the base margin
-- and adds ((base + leaf) - base) * weight in float4; the trainer folds that
-- into the leaves, so pgml.predict / predict_proba equal XGBoost's own
-- prediction (pgml.predict_native) bit for bit, for regression (base score
-- 0.5), binary and multiclass.  gblinear is refused at training time, and
-- dart's own hyperparameters need booster dart.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA xgb_dart;
SET search_path = xgb_dart, public;

SELECT * FROM pgml.load_dataset('digits');
SELECT * FROM pgml.load_dataset('breast_cancer');
SELECT * FROM pgml.load_dataset('diabetes');

CREATE TABLE dia AS
    SELECT ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]::real[] AS f, target FROM pgml.diabetes;
CREATE TABLE dig AS SELECT ARRAY(SELECT unnest(image))::real[] AS f, target FROM pgml.digits;
CREATE TABLE bc AS SELECT ARRAY["mean radius", "mean texture", "mean perimeter", "mean area",
                                "mean smoothness", "mean compactness", "mean concavity"]::real[] AS f,
                          malignant FROM pgml.breast_cancer;

CREATE FUNCTION model_of(project text) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT max(m.id) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = project
$$;

-- the weights XGBoost gave the trees: not all 1, or nothing was dropped
CREATE FUNCTION weights_vary(model bigint) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT count(DISTINCT w) > 1
      FROM jsonb_array_elements_text(convert_from(pgml.export_model(model, 'json'), 'UTF8')::jsonb
                                     -> 'learner' -> 'gradient_booster' -> 'weight_drop') w
$$;

SELECT project, task FROM pgml.train('dart_dia', 'regression', 'dia', 'target', 'xgboost',
    '{"booster": "dart", "rate_drop": 0.1, "n_estimators": 30, "max_depth": 4}');
SELECT weights_vary(model_of('dart_dia')) AS weighted,
       count(*) AS rows,
       count(*) FILTER (WHERE pgml.predict('dart_dia', f)
                              <> (pgml.predict_native(model_of('dart_dia'), f))[1]) AS differing
  FROM dia;

SELECT project, task FROM pgml.train('dart_bc', 'classification', 'bc', 'malignant', 'xgboost',
    '{"booster": "dart", "rate_drop": 0.3, "skip_drop": 0.2, "one_drop": 1, "n_estimators": 20}');
SELECT weights_vary(model_of('dart_bc')) AS weighted,
       count(*) AS rows,
       count(*) FILTER (WHERE (pgml.predict_proba('dart_bc', f))[2]
                              <> (pgml.predict_native(model_of('dart_bc'), f))[1]) AS differing
  FROM bc;

SELECT project, task FROM pgml.train('dart_dig', 'classification', 'dig', 'target', 'xgboost',
    '{"booster": "dart", "rate_drop": 0.2, "sample_type": "weighted", "normalize_type": "forest",
      "n_estimators": 15}');
SELECT weights_vary(model_of('dart_dig')) AS weighted,
       count(*) AS rows,
       count(*) FILTER (WHERE pgml.predict_proba('dart_dig', f)
                              <> pgml.predict_native(model_of('dart_dig'), f)) AS differing
  FROM dig;
SELECT hyperparams ->> 'booster' AS booster, hyperparams ->> 'normalize_type' AS normalize_type
  FROM pgml.models WHERE id = model_of('dart_dig');

-- refused: gblinear, dart's hyperparameters without dart, a bad choice
SELECT * FROM pgml.train('dart_e', 'regression', 'dia', 'target', 'xgboost', '{"booster": "gblinear"}');
SELECT * FROM pgml.train('dart_e', 'regression', 'dia', 'target', 'xgboost', '{"rate_drop": 0.1}');
SELECT * FROM pgml.train('dart_e', 'regression', 'dia', 'target', 'xgboost',
    '{"booster": "dart", "sample_type": "sometimes"}');

RESET search_path;
DROP SCHEMA xgb_dart CASCADE;
