-- pgml_worker install script, part 40: vector functions (src/vector.c).
--
-- Every function exists for real[] and for double precision[]; real[] input
-- gives real results.  A vector is a one-dimensional array without NULL
-- elements; vectors of different lengths are an error (PostgresML silently
-- truncates).  docs/vector.md documents the semantics and the accuracy.
-- Integer or numeric arrays need a cast (::real[] or ::float8[]): with both
-- overloads candidates, PostgreSQL cannot choose one and says so.

-- Element-wise arithmetic of two vectors of the same length.

CREATE FUNCTION pgml.add(vector real[], addend real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(real[], real[]) IS
    'element-wise sum of two vectors of the same length';

CREATE FUNCTION pgml.add(vector double precision[], addend double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(double precision[], double precision[]) IS
    'element-wise sum of two vectors of the same length';

CREATE FUNCTION pgml.subtract(minuend real[], subtrahend real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(real[], real[]) IS
    'element-wise difference of two vectors of the same length';

CREATE FUNCTION pgml.subtract(minuend double precision[], subtrahend double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(double precision[], double precision[]) IS
    'element-wise difference of two vectors of the same length';

CREATE FUNCTION pgml.multiply(vector real[], multiplicand real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(real[], real[]) IS
    'element-wise product of two vectors of the same length';

CREATE FUNCTION pgml.multiply(vector double precision[], multiplicand double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(double precision[], double precision[]) IS
    'element-wise product of two vectors of the same length';

CREATE FUNCTION pgml.divide(dividend real[], divisor real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(real[], real[]) IS
    'element-wise quotient of two vectors of the same length (IEEE: x/0 is Infinity)';

CREATE FUNCTION pgml.divide(dividend double precision[], divisor double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(double precision[], double precision[]) IS
    'element-wise quotient of two vectors of the same length (IEEE: x/0 is Infinity)';

-- Arithmetic of a vector and a scalar.

CREATE FUNCTION pgml.add(vector real[], addend real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(real[], real) IS
    'adds a scalar to every element of a vector';

CREATE FUNCTION pgml.add(vector double precision[], addend double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(double precision[], double precision) IS
    'adds a scalar to every element of a vector';

CREATE FUNCTION pgml.subtract(minuend real[], subtrahend real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(real[], real) IS
    'subtracts a scalar from every element of a vector';

CREATE FUNCTION pgml.subtract(minuend double precision[], subtrahend double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(double precision[], double precision) IS
    'subtracts a scalar from every element of a vector';

CREATE FUNCTION pgml.multiply(vector real[], multiplicand real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(real[], real) IS
    'multiplies every element of a vector by a scalar';

CREATE FUNCTION pgml.multiply(vector double precision[], multiplicand double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(double precision[], double precision) IS
    'multiplies every element of a vector by a scalar';

CREATE FUNCTION pgml.divide(dividend real[], divisor real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(real[], real) IS
    'divides every element of a vector by a scalar (IEEE: x/0 is Infinity)';

CREATE FUNCTION pgml.divide(dividend double precision[], divisor double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(double precision[], double precision) IS
    'divides every element of a vector by a scalar (IEEE: x/0 is Infinity)';

-- Norms (accumulated in double precision).

CREATE FUNCTION pgml.norm_l0(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l0'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l0(real[]) IS
    'number of non-zero elements of a vector';

CREATE FUNCTION pgml.norm_l0(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l0'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l0(double precision[]) IS
    'number of non-zero elements of a vector';

CREATE FUNCTION pgml.norm_l1(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l1(real[]) IS
    'L1 norm of a vector: the sum of absolute values';

CREATE FUNCTION pgml.norm_l1(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l1(double precision[]) IS
    'L1 norm of a vector: the sum of absolute values';

CREATE FUNCTION pgml.norm_l2(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l2(real[]) IS
    'L2 norm of a vector: its Euclidean length';

CREATE FUNCTION pgml.norm_l2(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l2(double precision[]) IS
    'L2 norm of a vector: its Euclidean length';

CREATE FUNCTION pgml.norm_max(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_max(real[]) IS
    'max norm of a vector: the largest absolute value (NaN if any element is NaN)';

CREATE FUNCTION pgml.norm_max(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_max(double precision[]) IS
    'max norm of a vector: the largest absolute value (NaN if any element is NaN)';

-- Normalization: the vector divided by its norm; an all-zero vector is returned unchanged.

CREATE FUNCTION pgml.normalize_l1(vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l1(real[]) IS
    'the vector divided by its L1 norm (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_l1(vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l1(double precision[]) IS
    'the vector divided by its L1 norm (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_l2(vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l2(real[]) IS
    'the vector divided by its L2 norm, a unit vector (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_l2(vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l2(double precision[]) IS
    'the vector divided by its L2 norm, a unit vector (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_max(vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_max(real[]) IS
    'the vector divided by its largest absolute value (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_max(vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_max(double precision[]) IS
    'the vector divided by its largest absolute value (an all-zero vector is returned unchanged)';

-- Distances and similarities of two vectors of the same length.

CREATE FUNCTION pgml.distance_l1(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l1(real[], real[]) IS
    'L1 (Manhattan) distance between two vectors of the same length';

CREATE FUNCTION pgml.distance_l1(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l1(double precision[], double precision[]) IS
    'L1 (Manhattan) distance between two vectors of the same length';

CREATE FUNCTION pgml.distance_l2(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l2(real[], real[]) IS
    'L2 (Euclidean) distance between two vectors of the same length';

CREATE FUNCTION pgml.distance_l2(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l2(double precision[], double precision[]) IS
    'L2 (Euclidean) distance between two vectors of the same length';

CREATE FUNCTION pgml.dot_product(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_dot_product'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.dot_product(real[], real[]) IS
    'dot product of two vectors of the same length (0 for two empty vectors)';

CREATE FUNCTION pgml.dot_product(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_dot_product'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.dot_product(double precision[], double precision[]) IS
    'dot product of two vectors of the same length (0 for two empty vectors)';

CREATE FUNCTION pgml.cosine_similarity(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_cosine_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.cosine_similarity(real[], real[]) IS
    'cosine of the angle between two vectors of the same length, in [-1, 1]; NaN if either is all zeros';

CREATE FUNCTION pgml.cosine_similarity(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_cosine_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.cosine_similarity(double precision[], double precision[]) IS
    'cosine of the angle between two vectors of the same length, in [-1, 1]; NaN if either is all zeros';

-- Element-wise aggregates over rows of vectors of the same length.  NULL rows
-- are skipped; no row gives NULL.  Each transition function is also the
-- combine function, so the aggregates run in parallel plans.  pgml.sum
-- accumulates in double precision for both types.

CREATE FUNCTION pgml._vector_sum_step(state double precision[], vector real[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_sum_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_sum_step(double precision[], real[]) IS
    'transition function of pgml.sum(real[])';

CREATE FUNCTION pgml._vector_sum_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_sum_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_sum_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.sum';

CREATE FUNCTION pgml._vector_sum_final(state double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_sum_final_real'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_sum_final(double precision[]) IS
    'final function of pgml.sum(real[]): rounds the double precision sums to real';

CREATE AGGREGATE pgml.sum(real[]) (
    SFUNC = pgml._vector_sum_step,
    STYPE = double precision[],
    FINALFUNC = pgml._vector_sum_final,
    COMBINEFUNC = pgml._vector_sum_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.sum(real[]) IS
    'element-wise sum of vectors, accumulated in double precision';

CREATE AGGREGATE pgml.sum(double precision[]) (
    SFUNC = pgml._vector_sum_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_sum_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.sum(double precision[]) IS
    'element-wise sum of vectors';

CREATE FUNCTION pgml._vector_min_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_step(real[], real[]) IS
    'transition and combine function of pgml.min(real[])';

CREATE FUNCTION pgml._vector_min_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.min(double precision[])';

CREATE AGGREGATE pgml.min(real[]) (
    SFUNC = pgml._vector_min_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_min_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min(real[]) IS
    'element-wise minimum of vectors (NaN only where every row is NaN)';

CREATE AGGREGATE pgml.min(double precision[]) (
    SFUNC = pgml._vector_min_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_min_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min(double precision[]) IS
    'element-wise minimum of vectors (NaN only where every row is NaN)';

CREATE FUNCTION pgml._vector_max_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_step(real[], real[]) IS
    'transition and combine function of pgml.max(real[])';

CREATE FUNCTION pgml._vector_max_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.max(double precision[])';

CREATE AGGREGATE pgml.max(real[]) (
    SFUNC = pgml._vector_max_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_max_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max(real[]) IS
    'element-wise maximum of vectors (NaN is larger than any number)';

CREATE AGGREGATE pgml.max(double precision[]) (
    SFUNC = pgml._vector_max_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_max_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max(double precision[]) IS
    'element-wise maximum of vectors (NaN is larger than any number)';

CREATE FUNCTION pgml._vector_min_abs_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_abs_step(real[], real[]) IS
    'transition and combine function of pgml.min_abs(real[])';

CREATE FUNCTION pgml._vector_min_abs_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_abs_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.min_abs(double precision[])';

CREATE AGGREGATE pgml.min_abs(real[]) (
    SFUNC = pgml._vector_min_abs_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_min_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min_abs(real[]) IS
    'element-wise minimum of the absolute values of vectors';

CREATE AGGREGATE pgml.min_abs(double precision[]) (
    SFUNC = pgml._vector_min_abs_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_min_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min_abs(double precision[]) IS
    'element-wise minimum of the absolute values of vectors';

CREATE FUNCTION pgml._vector_max_abs_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_abs_step(real[], real[]) IS
    'transition and combine function of pgml.max_abs(real[])';

CREATE FUNCTION pgml._vector_max_abs_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_abs_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.max_abs(double precision[])';

CREATE AGGREGATE pgml.max_abs(real[]) (
    SFUNC = pgml._vector_max_abs_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_max_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max_abs(real[]) IS
    'element-wise maximum of the absolute values of vectors';

CREATE AGGREGATE pgml.max_abs(double precision[]) (
    SFUNC = pgml._vector_max_abs_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_max_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max_abs(double precision[]) IS
    'element-wise maximum of the absolute values of vectors';
