-- pgml_worker install script, part 10: the toy datasets (src/datasets.c).

-- PostgresML's signature; the toy datasets have no subset and take no kwargs.
CREATE FUNCTION pgml.load_dataset(source text, subset text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                                  kwargs jsonb DEFAULT '{}')
    RETURNS TABLE (table_name text, rows bigint)
    AS 'MODULE_PATHNAME', 'pgml_load_dataset'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.load_dataset(text, text, bigint, jsonb) IS
    'fill pgml.<source> (created on the first load, emptied on the next, so views on it stay) with a scikit-learn toy dataset (breast_cancer, diabetes, digits, iris, linnerud, wine); at most "limit" rows';
-- Loading replaces a table of schema pgml, owned by the extension's owner:
-- the DBA grants EXECUTE to the roles that may (docs/security.md).
REVOKE EXECUTE ON FUNCTION pgml.load_dataset(text, text, bigint, jsonb) FROM PUBLIC;
