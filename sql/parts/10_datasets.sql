-- pgml_worker install script, part 10: the toy datasets (src/datasets.c).

CREATE FUNCTION pgml.load_dataset(source text, "limit" bigint DEFAULT NULL)
    RETURNS TABLE (table_name text, rows bigint)
    AS 'MODULE_PATHNAME', 'pgml_load_dataset'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.load_dataset(text, bigint) IS
    'drop, recreate and fill pgml.<source> with a scikit-learn toy dataset (breast_cancer, diabetes, digits, iris, wine); at most "limit" rows';
-- Loading replaces a table of schema pgml, owned by the extension's owner:
-- the DBA grants EXECUTE to the roles that may (docs/security.md).
REVOKE EXECUTE ON FUNCTION pgml.load_dataset(text, bigint) FROM PUBLIC;
