-- Project management functions (src/acl.c, docs/security.md): the errors a
-- caller can make.  Who may call them is tested by test/t/070_security.pl.
SET client_min_messages = warning;
CREATE TABLE pj_lin AS SELECT g::real AS a, (2 * g)::real AS y FROM generate_series(1, 30) g;
SELECT project FROM pgml.train('pj_a', 'regression', 'pj_lin', 'y');
SELECT project FROM pgml.train('pj_b', 'regression', 'pj_lin', 'y');

-- NULL arguments
SELECT pgml.grant_project(NULL, 'public');
SELECT pgml.revoke_project('pj_a', NULL);
SELECT pgml.alter_project_owner(NULL, 'postgres');
SELECT pgml.rename_project('pj_a', NULL);
SELECT pgml.drop_project(NULL);

-- names
SELECT pgml.rename_project('pj_a', '');
SELECT pgml.rename_project('pj_a', repeat('x', 128));
SELECT pgml.rename_project('pj_a', 'pj_b');
SELECT pgml.rename_project('pj_none', 'pj_c');
SELECT pgml.grant_project('pj_a', 'no_such_role');

-- a rename is served under the new name only
SELECT pgml.rename_project('pj_a', 'pj_c');
SELECT round(pgml.predict('pj_c', ARRAY[10]::real[])) AS renamed;
SELECT pgml.predict('pj_a', ARRAY[10]::real[]);

-- grants show in the acl column as relacl does; granting twice is one grant
CREATE ROLE regress_pj_reader;
SELECT pgml.grant_project('pj_c', 'regress_pj_reader'), pgml.grant_project('pj_c', 'regress_pj_reader'),
       pgml.grant_project('pj_c', 'PUBLIC');
SELECT acl FROM pgml.projects WHERE name = 'pj_c';
SELECT pgml.revoke_project('pj_c', 'regress_pj_reader'), pgml.revoke_project('pj_c', 'public');
SELECT acl FROM pgml.projects WHERE name = 'pj_c';

-- privileges change at commit, which a prepared transaction does elsewhere
BEGIN;
SELECT pgml.grant_project('pj_c', 'regress_pj_reader');
PREPARE TRANSACTION 'pj_grant';
SELECT count(*) AS prepared FROM pg_prepared_xacts;
SELECT acl FROM pgml.projects WHERE name = 'pj_c';

SELECT pgml.drop_project('pj_c'), pgml.drop_project('pj_b');
SELECT count(*) AS left_behind FROM pgml.projects WHERE name LIKE 'pj%';
DROP ROLE regress_pj_reader;
DROP TABLE pj_lin;
