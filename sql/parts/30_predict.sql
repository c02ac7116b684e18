-- part 30: predict.  One C function serves every feature type; the overloads
-- exist so that literals such as ARRAY[1, 2.5] resolve without a cast.
-- STRICT, as PostgresML's: a NULL argument gives NULL.

CREATE FUNCTION pgml.predict(project_name text, features real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, real[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, real[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, real[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, real[]) IS 'class probabilities of a classification model by id';

-- pgml.predict_joint: every target of a regression model, in the order of
-- its y_column_name (one for a model of one target).  The same overloads
-- as pgml.predict, for the same reason.
CREATE FUNCTION pgml.predict_joint(project_name text, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, real[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, real[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, double precision[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, double precision[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, integer[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, integer[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, bigint[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, bigint[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, smallint[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, smallint[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, numeric[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, numeric[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, boolean[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, boolean[]) IS 'every target of a regression model by id';

CREATE FUNCTION pgml.predict(project_name text, features double precision[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features double precision[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, double precision[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, double precision[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, double precision[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, double precision[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features integer[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features integer[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, integer[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, integer[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, integer[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, integer[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features bigint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features bigint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, bigint[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, bigint[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, bigint[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, bigint[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features smallint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features smallint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, smallint[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, smallint[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, smallint[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, smallint[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features numeric[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features numeric[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, numeric[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, numeric[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, numeric[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, numeric[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features boolean[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features boolean[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, boolean[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, boolean[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, boolean[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, boolean[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, "row" anyelement) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_row' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, anyelement) IS
    'prediction from a row value: its numeric and text fields and numeric arrays, in order, are the inputs';
CREATE FUNCTION pgml.predict(model_id bigint, "row" anyelement) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(bigint, anyelement) IS
    'prediction of a model by id from a row value (see pgml.predict(text, anyelement))';
CREATE FUNCTION pgml.predict_proba(model_id bigint, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_proba(bigint, anyelement) IS
    'class probabilities of a model by id from a row value';
CREATE FUNCTION pgml.predict_label(model_id bigint, "row" anyelement) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(bigint, anyelement) IS
    'the predicted class label of a model by id, as text, from a row value';
CREATE FUNCTION pgml.decompose(model_id bigint, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(bigint, anyelement) IS
    'the principal components of a row value under a model by id';
CREATE FUNCTION pgml.predict_proba(project_name text, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_proba(text, anyelement) IS
    'class probabilities from a row value (see pgml.predict(text, anyelement))';
CREATE FUNCTION pgml.predict_label(project_name text, "row" anyelement) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, anyelement) IS
    'the predicted class label, as text, from a row value (see pgml.predict(text, anyelement))';
CREATE FUNCTION pgml.decompose(project_name text, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, anyelement) IS
    'the principal components of a row value (see pgml.predict(text, anyelement))';

CREATE FUNCTION pgml.predict_batch(project_name text, features real[]) RETURNS SETOF real
    AS 'MODULE_PATHNAME', 'pgml_predict_batch' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10 ROWS 100;
COMMENT ON FUNCTION pgml.predict_batch(text, real[]) IS
    'one prediction per row of a flat array holding whole rows one after another';

-- pgml.decompose: the components of a row under a PCA model.
CREATE FUNCTION pgml.decompose(project_name text, vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, real[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, real[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, double precision[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, double precision[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, integer[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, integer[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, bigint[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, bigint[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, smallint[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, smallint[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, numeric[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, numeric[]) IS 'the principal components of a row under a decomposition (pca) model, by id';

-- pgml.predict_label: the class label itself, as text (text labels, booleans, numbers).
CREATE FUNCTION pgml.predict_label(project_name text, features real[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features real[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, real[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, real[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features double precision[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features double precision[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, double precision[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, double precision[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features integer[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features integer[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, integer[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, integer[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features bigint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features bigint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, bigint[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, bigint[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features smallint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features smallint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, smallint[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, smallint[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features numeric[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features numeric[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, numeric[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, numeric[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features boolean[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features boolean[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, boolean[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, boolean[]) IS 'the predicted class label of a classification model by id, as text';
