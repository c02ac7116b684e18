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
