-- part 36: project ownership and grants (src/acl.c, docs/security.md).
-- A project belongs to the role that created it.  Its owner's members may
-- train into it, deploy, rename, drop and grant it; others may use it
-- (predict, export, read its models) once granted USAGE.

CREATE FUNCTION pgml.grant_project(project_name text, role text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_grant_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.grant_project(text, text) IS
    'let a role (or PUBLIC) use a project: predict, export, read its models; needs the privileges of the project''s owner';

CREATE FUNCTION pgml.revoke_project(project_name text, role text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_revoke_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.revoke_project(text, text) IS
    'take back a grant of pgml.grant_project(); every session sees it from its next statement';

CREATE FUNCTION pgml.alter_project_owner(project_name text, new_owner text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_alter_project_owner' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.alter_project_owner(text, text) IS
    'transfer a project, as ALTER TABLE OWNER: the caller needs the current owner''s privileges and membership in the new owner';

CREATE FUNCTION pgml.rename_project(project_name text, new_name text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_rename_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.rename_project(text, text) IS
    'rename a project; predictions follow the new name';

CREATE FUNCTION pgml.drop_project(project_name text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_drop_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.drop_project(text) IS
    'drop a project with its models and deployments';

CREATE FUNCTION pgml.version() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'pgml_worker'
$$;
COMMENT ON FUNCTION pgml.version() IS 'the installed version of pgml_worker, as PostgresML''s pgml.version()';
