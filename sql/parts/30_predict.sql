-- part 30: predict.  One C function serves every feature type; the overloads
-- exist so that literals such as ARRAY[1, 2.5] resolve without a cast.

CREATE FUNCTION pgml.predict(project_name text, features real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, real[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, real[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, real[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, real[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features double precision[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features double precision[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, double precision[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, double precision[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, double precision[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, double precision[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features integer[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features integer[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, integer[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, integer[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, integer[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, integer[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features bigint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features bigint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, bigint[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, bigint[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, bigint[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, bigint[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features smallint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features smallint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, smallint[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, smallint[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, smallint[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, smallint[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features numeric[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features numeric[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, numeric[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, numeric[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, numeric[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, numeric[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features boolean[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features boolean[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, boolean[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, boolean[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, boolean[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, boolean[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, "row" anyelement) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_row' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, anyelement) IS
    'prediction from a row value: its numeric fields and arrays, in order, are the features';

CREATE FUNCTION pgml.predict_batch(project_name text, features real[]) RETURNS SETOF real
    AS 'MODULE_PATHNAME', 'pgml_predict_batch' LANGUAGE C STABLE PARALLEL SAFE COST 10 ROWS 100;
COMMENT ON FUNCTION pgml.predict_batch(text, real[]) IS
    'one prediction per row of a flat array holding whole rows one after another';

-- pgml.decompose: the components of a row under a PCA model.
CREATE FUNCTION pgml.decompose(project_name text, vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, real[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, real[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, double precision[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, double precision[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, integer[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, integer[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, bigint[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, bigint[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, smallint[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, smallint[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, numeric[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, numeric[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
