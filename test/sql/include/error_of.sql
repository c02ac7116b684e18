-- (test/sql/include/error_of.sql, read by \i into the test's schema)
-- The error of a statement as "SQLSTATE: message", or 'no error'.
CREATE FUNCTION error_of(sql text) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
