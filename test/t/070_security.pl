# Least privilege (docs/security.md): three ordinary roles and an attacker
# try every attack of issue 11 and its variants.  Each must be refused with
# the right SQLSTATE, the owner's predictions must not change, and the
# server must never restart.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use lib dirname(__FILE__);
use PgmlTest;

my $node = pgml_node('security', qq{
pgml_worker.naptime = 3600
pgml_worker.nthread = 2
max_prepared_transactions = 2
});

$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('iris');
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN;
CREATE ROLE mallory LOGIN;
CREATE ROLE team NOLOGIN;
CREATE ROLE watcher LOGIN;
GRANT pg_read_all_stats TO watcher;
GRANT team TO alice;
CREATE SCHEMA alice AUTHORIZATION alice;
CREATE SCHEMA bob AUTHORIZATION bob;
CREATE SCHEMA carol AUTHORIZATION carol;
CREATE TABLE public.lin AS SELECT g::real AS a, (g % 3)::real AS b, (3 * g + (g % 3))::real AS y
  FROM generate_series(1, 200) g;
GRANT SELECT ON public.lin TO PUBLIC;
});

my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# Run SQL as a role on its own connection; errors are reported with their SQLSTATE.
sub run_as
{
	my ($role, $sql, $db) = @_;
	my ($rc, $out, $err) = $node->psql($db // 'postgres', "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', $role ]);
	return ($rc, $out, $err);
}

sub ok_as
{
	my ($role, $sql, $db) = @_;
	my ($rc, $out, $err) = run_as($role, $sql, $db);
	die "as $role: $sql\n$err" if $rc != 0;
	return $out;
}

sub refused
{
	my ($role, $sql, $state, $name) = @_;
	my ($rc, $out, $err) = run_as($role, $sql);
	like($err, qr/ERROR:  $state:/, "$name: refused with $state");
	return $err;
}

# alice's project and the prediction that must never change
ok_as('alice', q{
CREATE TABLE alice.data AS SELECT * FROM public.lin;
SELECT * FROM pgml.train('alice_p', 'regression', 'alice.data', 'y', 'linear');
SELECT * FROM pgml.train('alice_p', relation_name => 'alice.data', y_column_name => 'y',
                         algorithm => 'ridge', hyperparams => '{"alpha": 1000}',
                         automatic_deploy => false);
SELECT * FROM pgml.train('alice_c', 'classification', 'pgml.iris', 'target', 'xgboost',
                         hyperparams => '{"n_estimators": 5}');
SELECT * FROM pgml.train('alice_pca', 'decomposition', 'pgml.iris', NULL, 'pca',
                         hyperparams => '{"n_components": 2}');
});
my $alice_pred = "SELECT round(pgml.predict('alice_p', ARRAY[10, 1]::real[])::numeric, 3)";
my $expected = ok_as('alice', $alice_pred);
is($expected, '31.000', 'alice predicts with her project');
my ($alice_model, $alice_ridge) = split /\n/, ok_as('alice',
	"SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id "
	  . "WHERE p.name = 'alice_p' ORDER BY m.id");
my $alice_c_model = ok_as('alice', "SELECT id FROM pgml.deployed_models WHERE name = 'alice_c'");
is(ok_as('alice', "SELECT owner FROM pgml.projects WHERE name = 'alice_p'"), 'alice',
	'a project belongs to the role that created it');

sub owner_intact
{
	my ($what) = @_;
	is(ok_as('alice', $alice_pred), $expected, "alice's prediction unchanged after $what");
	is(ok_as('alice', "SELECT id FROM pgml.deployed_models WHERE name = 'alice_p'"),
		$alice_model, "alice's deployed model unchanged after $what");
}

# A session that lives through the whole test: a restart would end it.
my $watch = $node->background_psql('postgres');
$watch->query_safe('SELECT 1');

# ---- 1. internal functions and trigger functions ----
my $internal = $node->safe_psql('postgres', q{
SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgml'::regnamespace AND proname LIKE '\_%'});
cmp_ok($internal, '>=', 15, 'there are internal functions to check');
is($node->safe_psql('postgres', q{
SELECT string_agg(oid::regprocedure::text, ', ') FROM pg_proc
 WHERE pronamespace = 'pgml'::regnamespace AND proname LIKE '\_%'
   AND (has_function_privilege('bob', oid, 'EXECUTE')
        OR has_function_privilege('public', oid, 'EXECUTE'))}),
	'', 'no pgml._* function is executable by an ordinary role or PUBLIC');

# the three statements that crashed the server
refused('bob', q{
CREATE TEMP TABLE t (id bigint);
CREATE TRIGGER t AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION pgml._queue_cancelled();
INSERT INTO t VALUES (1);}, '42501', 'crash trigger on a temp table');

my @trigger_functions = split /\n/, $node->safe_psql('postgres', q{
SELECT proname FROM pg_proc WHERE pronamespace = 'pgml'::regnamespace
   AND prorettype = 'trigger'::regtype ORDER BY 1});
cmp_ok(scalar(@trigger_functions), '>=', 6, 'the C trigger functions are listed');
for my $f (@trigger_functions)
{
	refused('bob', "CREATE TEMP TABLE t (id bigint); CREATE TRIGGER t AFTER UPDATE ON t "
		  . "FOR EACH ROW EXECUTE FUNCTION pgml.$f('id');",
		'42501', "bob attaches pgml.$f");
	# even a superuser's misuse is an error, never a crash
	for my $how ('BEFORE INSERT OR UPDATE OR DELETE ON t FOR EACH ROW',
		'AFTER INSERT OR UPDATE OR DELETE ON t FOR EACH ROW',
		'AFTER INSERT OR UPDATE OR DELETE ON t FOR EACH STATEMENT')
	{
		my ($rc, $out, $err) = $node->psql('postgres', qq{
\\set VERBOSITY verbose
CREATE TEMP TABLE t (id bigint, status text);
CREATE TRIGGER t $how EXECUTE FUNCTION pgml.$f('id');
INSERT INTO t VALUES (1, 'running');
UPDATE t SET status = 'cancelled';
DELETE FROM t;});
		like($err, qr/ERROR:  39P01: function "pgml_\w+" must be fired by pgml_worker's own trigger/,
			"pgml.$f fired $how on a temp table: 39P01");
	}
}
# the right table, the wrong firing
my ($wrong_rc, $wrong_out, $wrong_err) = $node->psql('postgres', q{
\set VERBOSITY verbose
BEGIN;
CREATE TRIGGER wrong AFTER INSERT ON pgml.train_queue FOR EACH ROW EXECUTE FUNCTION pgml._queue_notify();
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('wrong', 'regression', 'public.lin', 'y');
ROLLBACK;});
like($wrong_err, qr/ERROR:  39P01:/, 'a statement trigger function fired per row on its own table: 39P01');
refused('bob', 'SELECT pgml._models_changed()', '42501', 'bob calls a trigger function');

# ---- 2. poisoning: nobody trains into, deploys or changes another role's project ----
refused('bob', q{CREATE TABLE bob.sep AS SELECT a, b, (a > 100)::int::real AS y FROM public.lin;
SELECT * FROM pgml.train('alice_p', 'regression', 'bob.sep', 'y', 'linear');},
	'42501', 'bob trains into alice_p');
my $err = refused('bob', q{SELECT * FROM pgml.train('alice_p', 'regression', 'public.lin', 'y', 'ridge',
  search => 'grid', search_params => '{"alpha": [0.1, 1]}');}, '42501', 'bob searches into alice_p');
like($err, qr/must be owner of project "alice_p"/, 'the error names the project');
like($err, qr/owned by role alice/, 'and its owner');
for my $strategy ('best_score', 'most_recent', 'rollback')
{
	refused('bob', "SELECT * FROM pgml.deploy('alice_p', '$strategy')", '42501',
		"bob deploys alice_p ($strategy)");
}
refused('bob', "SELECT * FROM pgml.deploy($alice_ridge)", '42501', "bob deploys alice's model by id");
refused('bob', q{INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_p', 'regression', 'public.lin', 'y')}, '42501', 'bob queues a job into alice_p');
refused('bob', "SELECT pgml.rename_project('alice_p', 'bobs')", '42501', 'bob renames alice_p');
refused('bob', "SELECT pgml.drop_project('alice_p')", '42501', 'bob drops alice_p');
refused('bob', "SELECT pgml.grant_project('alice_p', 'bob')", '42501', 'bob grants himself alice_p');
refused('bob', "SELECT pgml.alter_project_owner('alice_p', 'bob')", '42501', 'bob takes alice_p');
refused('bob', "UPDATE pgml.projects SET owner = 'bob' WHERE name = 'alice_p'", '42501',
	'bob updates pgml.projects');
refused('bob', "DELETE FROM pgml.deployments", '42501', 'bob deletes deployments');
owner_intact('the poisoning attempts');

# queue path: a project created by another role between queueing and running
my $bob_session = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'bob' ]);
$bob_session->query_safe(q{BEGIN;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('late_p', 'regression', 'public.lin', 'y');});
ok_as('alice', "SELECT * FROM pgml.train('late_p', 'regression', 'alice.data', 'y', 'linear')");
$bob_session->query_safe('COMMIT');
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'late_p'", 'failed'),
	"bob's queued job into a project alice created meanwhile fails");
like($node->safe_psql('postgres', "SELECT error FROM pgml.train_queue WHERE project_name = 'late_p'"),
	qr/must be owner of project "late_p"/, 'with the ownership error');
is(ok_as('alice', "SELECT count(*) FROM pgml.trained_models WHERE name = 'late_p'"), '1',
	"late_p has only alice's model");

# ---- 3. leaks: what bob may not use, he cannot read or predict with ----
for my $t ('pgml.projects', 'pgml.models', 'pgml.deployments', 'pgml.snapshots', 'pgml.deployed_models',
	'pgml.trained_models', 'pgml.overview')
{
	is(ok_as('bob', "SELECT count(*) FROM $t"), '0', "bob sees no rows of $t");
}
for my $q (
	"SELECT pgml.predict('alice_p', ARRAY[10, 1]::real[])",
	"SELECT pgml.predict($alice_model, ARRAY[10, 1]::real[])",
	"SELECT pgml.predict('alice_p', ROW(10::real, 1::real))",
	"SELECT pgml.predict_proba('alice_c', ARRAY[5.1, 3.5, 1.4, 0.2])",
	"SELECT pgml.predict_label('alice_c', ARRAY[5.1, 3.5, 1.4, 0.2])",
	"SELECT pgml.predict_proba($alice_c_model, ARRAY[5.1, 3.5, 1.4, 0.2])",
	"SELECT pgml.decompose('alice_pca', ARRAY[5.1, 3.5, 1.4, 0.2])",
	"SELECT pgml.predict_batch('alice_p', ARRAY[10, 1, 20, 2]::real[])",
	"SELECT pgml.export_model('alice_c')",
	"SELECT pgml.export_model($alice_c_model)",
	"SELECT pgml.predict_native($alice_c_model, ARRAY[5.1, 3.5, 1.4, 0.2]::real[])")
{
	my $e = refused('bob', $q, '42501', "bob: $q");
	if ($q =~ /\(\d+[,)]/)
	{
		# by model id: the message names the model, not its project or owner
		like($e, qr/permission denied for model \d+/, "... naming the model");
		unlike($e, qr/alice/, '... and neither its project nor its owner');
	}
	else
	{
		like($e, qr/permission denied for project "alice_\w+"/, "... naming the project");
	}
}
is(ok_as('bob', 'SELECT count(*) FROM pgml.stat_models'), '0', 'bob sees no model images');
cmp_ok(ok_as('alice', 'SELECT count(*) FROM pgml.stat_models'), '>=', 1, 'alice sees hers');

# a grant, then a revoke that reaches an open session at its next statement
ok_as('alice', "SELECT pgml.grant_project('alice_p', 'bob')");
is(ok_as('bob', $alice_pred), $expected, 'bob predicts once granted, the same value');
is(ok_as('bob', "SELECT count(*) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id "
	  . "WHERE p.name = 'alice_p'"), '2', 'and sees the models of alice_p');
$bob_session->query_safe('\\set VERBOSITY verbose');
is($bob_session->query_safe($alice_pred), $expected, "bob's open session predicts");
refused('bob', "SELECT * FROM pgml.deploy('alice_p', 'most_recent')", '42501',
	'a grant to use is not a grant to deploy');
ok_as('alice', "SELECT pgml.revoke_project('alice_p', 'bob')");
my $rev = $bob_session->query($alice_pred);
like($bob_session->{stderr}, qr/42501: permission denied for project "alice_p"/,
	"the revoke reaches bob's open session at its next statement");
$bob_session->{stderr} = '';
refused('bob', $alice_pred, '42501', 'and new sessions');

# PUBLIC
ok_as('alice', "SELECT pgml.grant_project('alice_p', 'public')");
is(ok_as('mallory', $alice_pred), $expected, 'a grant to PUBLIC lets any role predict');
ok_as('alice', "SELECT pgml.revoke_project('alice_p', 'PUBLIC')");
refused('mallory', $alice_pred, '42501', 'until it is revoked');

# a group role as owner: membership is what counts, and it is followed live
ok_as('alice', q{SELECT * FROM pgml.train('team_p', 'regression', 'public.lin', 'y', 'linear');
SELECT pgml.alter_project_owner('team_p', 'team');});
is(ok_as('alice', "SELECT owner FROM pgml.projects WHERE name = 'team_p'"), 'team', 'team_p belongs to team');
refused('carol', "SELECT pgml.predict('team_p', ARRAY[10, 1]::real[])", '42501', 'carol is not in team yet');
$node->safe_psql('postgres', 'GRANT team TO carol');
my $carol_session = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'carol' ]);
$carol_session->query_safe('\\set VERBOSITY verbose');
$carol_session->query_safe('SET client_min_messages = warning');
is($carol_session->query_safe("SELECT round(pgml.predict('team_p', ARRAY[10, 1]::real[])::numeric, 3)"),
	$expected, 'a member of the owner role predicts');
is($carol_session->query_safe(
	"SELECT project FROM pgml.deploy('team_p', 'most_recent')"), 'team_p',
	'and deploys');
$node->safe_psql('postgres', 'REVOKE team FROM carol');
$carol_session->query("SELECT round(pgml.predict('team_p', ARRAY[10, 1]::real[])::numeric, 3)");
like($carol_session->{stderr}, qr/42501: permission denied for project "team_p"/,
	"leaving the owner role reaches carol's open session at its next statement");
$carol_session->quit;
refused('alice', "SELECT pgml.alter_project_owner('alice_p', 'carol')", '42501',
	'alice cannot give a project to a role she is not a member of');

# ---- 4. escalation: trojans on the path never run ----
$node->safe_psql('postgres', q{
GRANT CREATE ON SCHEMA public TO mallory;
CREATE SCHEMA evil AUTHORIZATION mallory;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
});
my $trojans = q{
CREATE TABLE evil.log (who name, what text);
GRANT INSERT, SELECT ON evil.log TO PUBLIC;
CREATE FUNCTION evil.trap(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO evil.log VALUES (current_user, what);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        ALTER ROLE mallory SUPERUSER;
    END IF;
END $$;
};
my @types = ('text', 'bigint', 'integer', 'oid', 'real', 'double precision', 'numeric',
	'timestamptz', 'boolean', 'jsonb', 'regrole', 'name');
my %ops = ('=' => 'eq', '<>' => 'ne', '<' => 'lt', '>' => 'gt', '<=' => 'le', '>=' => 'ge');
my $n = 0;
for my $schema ('evil', 'public')
{
	for my $l (@types)
	{
		for my $r (@types)
		{
			next unless $l eq $r || ($l eq 'real' && $r =~ /integer|bigint|numeric/)
			  || ($l eq 'text' && $r eq 'name') || ($l eq 'name' && $r eq 'text');
			for my $op (sort keys %ops)
			{
				$n++;
				# a real operator's result, so that nothing breaks while it spies
				my $real = ($l eq $r) ? "\$1 OPERATOR(pg_catalog.$op) \$2"
				  : "\$1::$l OPERATOR(pg_catalog.$op) \$2::$l";
				$real = "\$1::text OPERATOR(pg_catalog.$op) \$2::text" if $l ne $r && ($l eq 'name' || $r eq 'name');
				$trojans .= qq{
CREATE FUNCTION $schema.f$n(a $l, b $r) RETURNS boolean LANGUAGE plpgsql AS \$x\$
BEGIN PERFORM evil.trap('$schema.$op($l,$r)'); RETURN $real; END \$x\$;
CREATE OPERATOR $schema.$op (LEFTARG = $l, RIGHTARG = $r, FUNCTION = $schema.f$n);
};
			}
		}
	}
	for my $f ('floor(real)', 'floor(double precision)', 'lower(text)', 'upper(text)',
		'to_regclass(text)', 'clock_timestamp()', 'now()', 'format(text, text)',
		'format(text, bigint)', 'pg_has_role(oid, text)', 'pg_has_role(name, oid, text)',
		'quote_ident(text)', 'length(text)', 'nextval(regclass)', 'coalesce(text, text)',
		'abs(real)', 'sqrt(double precision)', 'random()', 'current_database()',
		'array_length(real[], integer)', 'jsonb_typeof(jsonb)', 'aclexplode(aclitem[])')
	{
		my ($name, $args) = $f =~ /^(\w+)\((.*)\)$/;
		next if $name eq 'coalesce' || $name eq 'aclexplode';
		my $i = 0;
		my $params = join(', ', map { 'p' . $i++ . " $_" } grep { $_ ne '' } split(/, /, $args));
		$trojans .= qq{
CREATE FUNCTION $schema.$name($params) RETURNS text LANGUAGE plpgsql AS \$x\$
BEGIN PERFORM evil.trap('$schema.$f'); RETURN NULL; END \$x\$;
};
	}
}
ok_as('mallory', $trojans);
cmp_ok($n, '>=', 100, "$n trojan operators planted in evil and public");

# a superuser runs every documented entry point, with evil first on the path
# and with the default path (trojans in public)
my $entry_points = qq{
SELECT * FROM pgml.load_dataset('iris');
SELECT * FROM pgml.train('su_p', 'regression', 'public.lin', 'y', 'linear',
                         preprocess => '{"a": {"impute": "mean", "scale": "standard"}}');
SELECT * FROM pgml.train('su_p', relation_name => 'public.lin', y_column_name => 'y',
                         algorithm => 'ridge', search => 'grid', search_params => '{"alpha": [0.1, 1.0]}',
                         test_sampling => 'last', test_size => 0.3);
SELECT * FROM pgml.train('su_c', 'classification', 'pgml.iris', 'target', 'xgboost',
                         hyperparams => '{"n_estimators": 3}', test_sampling => 'stratified');
SELECT * FROM pgml.train('su_k', 'clustering', 'public.lin', NULL, 'kmeans', hyperparams => '{"n_clusters": 3}');
SELECT * FROM pgml.deploy('su_p', 'best_score');
SELECT * FROM pgml.deploy('su_p', 'most_recent');
SELECT * FROM pgml.deploy('su_p', 'rollback');
SELECT * FROM pgml.deploy((SELECT max(id) FROM pgml.models WHERE algorithm OPERATOR(pg_catalog.=) 'ridge'));
SELECT pgml.predict('su_p', ARRAY[10, 1]::real[]), pgml.predict('su_p', ROW(10::real, 1::real)),
       pgml.predict_proba('su_c', ARRAY[5.1, 3.5, 1.4, 0.2]), pgml.predict_label('su_c', ARRAY[5.1, 3.5, 1.4, 0.2]),
       pgml.predict('su_k', ARRAY[10, 1, 31]::real[]);
SELECT pgml.predict_batch('su_p', ARRAY[10, 1, 20, 2]::real[]);
SELECT length(pgml.export_model('su_c')), pgml.predict_native((SELECT id FROM pgml.deployed_models WHERE name OPERATOR(pg_catalog.=) 'su_c'), ARRAY[5.1, 3.5, 1.4, 0.2]::real[]);
SELECT pgml.predict($alice_model, ARRAY[10, 1]::real[]);
SELECT pgml.grant_project('su_p', 'bob'), pgml.revoke_project('su_p', 'bob');
SELECT pgml.rename_project('su_k', 'su_k2'), pgml.alter_project_owner('su_k2', 'carol'), pgml.drop_project('su_k2');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, test_size)
VALUES ('su_q', 'regression', 'lin', 'y', 0.5) RETURNING id \\gset
SELECT pgml.wait_job(:id);
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm, hyperparams)
VALUES ('su_q2', 'classification', 'pgml.iris', 'target', 'xgboost', '{"n_estimators": 100000}') RETURNING id \\gset
SELECT pgml.cancel_job(:id);
SELECT pgml.wait_job(:id);
SELECT * FROM pgml.stat_models; SELECT * FROM pgml.stat_worker; SELECT * FROM pgml.stat_queue;
SELECT * FROM pgml.overview; SELECT * FROM pgml.trained_models; SELECT * FROM pgml.deployed_models;
SELECT pgml.dot_product(ARRAY[1, 2]::real[], ARRAY[3, 4]::real[]), pgml.norm_l2(ARRAY[3, 4]::real[]),
       pgml.cosine_similarity(ARRAY[1, 0]::real[], ARRAY[0, 1]::real[]);
SELECT pgml.sum(v) FROM (VALUES (ARRAY[1, 2]::real[]), (ARRAY[3, 4]::real[])) t(v);
SELECT pgml.drop_project('su_p'), pgml.drop_project('su_c'), pgml.drop_project('su_q');
};
for my $path ('evil, pg_catalog, public', '"$user", public')
{
	my ($rc, $out, $err) = $node->psql('postgres', "SET search_path = $path;\n$entry_points",
		on_error_stop => 1);
	is($rc, 0, "a superuser runs every entry point with search_path $path") or diag($err);
}
is($node->safe_psql('postgres', "SELECT string_agg(DISTINCT what, ', ') FROM evil.log"), '',
	'no trojan ran');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'"), 'f',
	'mallory is not a superuser');

# ---- 5. interference ----
# cancelling another role's job through a trigger of one's own: refused above
# (pgml._queue_cancelled is not executable); through the queue: invisible
my $alice_job = ok_as('alice', q{INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_q', 'regression', 'alice.data', 'y') RETURNING id});
refused('bob', "SELECT pgml.cancel_job($alice_job)", '42704', "bob cancels alice's job");
refused('bob', "UPDATE pgml.train_queue SET status = 'cancelled' WHERE id = $alice_job RETURNING id", '42501',
	"bob's UPDATE of the queue");
# nor can alice lock her own job's row and make its worker wait at the end
refused('alice', "SELECT id FROM pgml.train_queue WHERE id = $alice_job FOR UPDATE", '42501',
	'a row lock on the queue');
refused('alice', "SELECT id FROM pgml.train_queue WHERE id = $alice_job FOR KEY SHARE", '42501',
	'a key-share lock on the queue');
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE id = $alice_job", 'succeeded'), "alice's job ran");
like(refused('alice', "SELECT pgml.cancel_job($alice_job)", '55000', 'cancelling a job that has ended'),
	qr/training job $alice_job has already ended with status succeeded/, 'with its status');

# the queue's id (and its other own columns) cannot be chosen
for my $col ('id', 'status', 'queued_by', 'model_id', 'queued_at', 'error')
{
	my $value = $col eq 'queued_by' ? "'alice'" : $col eq 'status' ? "'succeeded'"
	  : $col eq 'queued_at' ? 'now()' : $col eq 'error' ? "'x'" : '1000000';
	refused('bob', "INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, $col) "
		  . "VALUES ('bob_q', 'regression', 'public.lin', 'y', $value)", '42501', "bob sets $col");
}

# the queue's sequence is not the users': its position would tell how many
# jobs every role has queued
refused('bob', "SELECT nextval('pgml.train_queue_id_seq')", '42501', 'bob reads the queue\'s sequence');
like(ok_as('bob', q{INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('bob_seq', 'regression', 'public.lin', 'y') RETURNING id}), qr/^\d+$/, 'yet his job gets an id');

# a job's own code (a function of the view it reads) is not the worker: it
# cannot rewrite the queue's history
ok_as('alice', q{INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_bad', 'regression', 'pgml.iris', 'no_such_column')});
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'alice_bad'", 'failed'), 'a job of alice failed');
ok_as('alice', q{
CREATE FUNCTION alice.requeue(x real) RETURNS real LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pgml.train_queue SET status = 'queued' WHERE project_name = 'alice_bad';
    RETURN x;
END $$;
CREATE VIEW alice.rq AS SELECT alice.requeue(a) AS a, b, y FROM alice.data;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_rq', 'regression', 'alice.rq', 'y');});
ok($node->poll_query_until('postgres',
	"SELECT status FROM pgml.train_queue WHERE project_name = 'alice_rq'", 'failed'),
	'a job whose view rewrites the queue fails');
like($node->safe_psql('postgres', "SELECT error FROM pgml.train_queue WHERE project_name = 'alice_rq'"),
	qr/permission denied for table train_queue/, 'refused: roles have no UPDATE on the queue');
is($node->safe_psql('postgres', "SELECT status FROM pgml.train_queue WHERE project_name = 'alice_bad'"),
	'failed', 'and the failed job stays failed');

# images pending in one transaction are bounded
my $pending_err = refused('alice', qq{
BEGIN;
DO \$\$
BEGIN
    FOR i IN 1..40 LOOP
        PERFORM pgml.deploy(CASE WHEN i % 2 = 0 THEN $alice_model ELSE $alice_ridge END);
    END LOOP;
END \$\$;
COMMIT;}, '54000', 'one transaction deploying again and again');
like($pending_err, qr/too many model images pending in this transaction/, '... says so');
owner_intact('the pending-images attempt');

# deploy checks ownership before it takes the project's lock
my $alice_session = $node->background_psql('postgres', extra_params => [ '-U', 'alice' ]);
$alice_session->query_safe("BEGIN; SELECT * FROM pgml.deploy($alice_ridge);");
refused('bob', "SET lock_timeout = '2s'; SELECT * FROM pgml.deploy('alice_p', 'most_recent')",
	'42501', "bob's deploy while alice holds the project's lock (not a lock wait)");
$alice_session->query_safe('ROLLBACK');

# ---- 6. views ----
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', q{CREATE EXTENSION pgml_worker;
CREATE TABLE lin AS SELECT g::real AS a, (3 * g)::real AS y FROM generate_series(1, 50) g;
SELECT * FROM pgml.train('other_p', 'regression', 'lin', 'y', 'linear');
SELECT pgml.predict('other_p', ARRAY[1]::real[]);});
is($node->safe_psql('postgres',
	"SELECT count(*) FROM pgml.stat_models WHERE dbid <> (SELECT oid FROM pg_database WHERE datname = current_database())"),
	'0', 'stat_models shows only the current database');
cmp_ok(ok_as('watcher', 'SELECT count(*) FROM pgml.stat_models'), '>=', 2,
	'a pg_read_all_stats member sees every image of the database');
is(ok_as('watcher', "SELECT count(*) FROM pgml.stat_models WHERE project = 'other_p'"), '0',
	'but not those of another database');

# stat_worker: a running job's id only for its role
my $lock = $node->background_psql('postgres');
$lock->query_safe('BEGIN; LOCK TABLE alice.data IN ACCESS EXCLUSIVE MODE;');
my $held_job = ok_as('alice', q{INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_q', 'regression', 'alice.data', 'y') RETURNING id});
ok($node->poll_query_until('postgres', "SELECT job_id FROM pgml.stat_worker WHERE job_id IS NOT NULL", $held_job),
	"the worker is on alice's job");
is(ok_as('bob', q{SELECT coalesce(job_id::text, 'hidden') || ' ' || coalesce(queued_by::text, 'hidden') FROM pgml.stat_worker WHERE kind = 'worker' AND state = 'training'}),
	'hidden hidden', "bob does not see alice's job id nor her name");
is(ok_as('alice', "SELECT job_id || ' ' || queued_by FROM pgml.stat_worker WHERE job_id IS NOT NULL"), "$held_job alice", 'alice does');
is(ok_as('watcher', 'SELECT job_id FROM pgml.stat_worker WHERE job_id IS NOT NULL'), $held_job, 'and pg_read_all_stats does');
$lock->query_safe('COMMIT');
ok($node->poll_query_until('postgres', "SELECT status FROM pgml.train_queue WHERE id = $held_job", 'succeeded'),
	'the job then runs');
is(ok_as('bob', 'SELECT sum(jobs) FROM pgml.stat_queue'), ok_as('bob', 'SELECT count(*) FROM pgml.train_queue'), 'stat_queue counts only his own jobs');
is(ok_as('bob', "SELECT count(*) FROM pgml.train_queue WHERE queued_by::text <> 'bob'"), '0', 'which are all he sees');

# ---- 7. datasets ----
$err = refused('bob', "SELECT * FROM pgml.load_dataset('iris')", '42501', 'bob loads a dataset');
unlike($err, qr/GRANT CREATE/, 'no hint to grant CREATE on schema pgml');
$node->safe_psql('postgres', 'GRANT EXECUTE ON FUNCTION pgml.load_dataset(text, text, bigint, jsonb) TO bob');
ok_as('bob', "SELECT * FROM pgml.load_dataset('wine')");
is($node->safe_psql('postgres', "SELECT tableowner FROM pg_tables WHERE schemaname = 'pgml' AND tablename = 'wine'"),
	'postgres', "a granted role's dataset belongs to the extension's owner");
refused('bob', 'CREATE FUNCTION pgml.predict(integer, integer[]) RETURNS real LANGUAGE sql AS $$ SELECT 1::real $$',
	'42501', 'bob cannot plant an overload in schema pgml');

# ---- 8. job sandbox ----
ok_as('alice', q{
CREATE FUNCTION alice.grab(x real) RETURNS real LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_lock(4242);
    PERFORM set_config('search_path', 'alice', false);
    RETURN x;
END $$;
CREATE VIEW alice.v AS SELECT alice.grab(a) AS a, b, y FROM alice.data;
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('alice_v', 'regression', 'alice.v', 'y');});
ok($node->poll_query_until('postgres', "SELECT status FROM pgml.train_queue WHERE project_name = 'alice_v'",
	'succeeded'), 'a job whose view takes an advisory lock ran');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND a.backend_type LIKE 'pgml%'}), '0',
	'the worker holds no advisory lock after the job');
is($node->safe_psql('postgres', 'SELECT pg_try_advisory_lock(4242)'), 't', 'another session can take it');

# ---- 9. projects follow DROP ROLE, REASSIGN OWNED and DROP OWNED ----
$node->safe_psql('postgres', 'CREATE ROLE dave LOGIN; GRANT CREATE ON SCHEMA public TO dave');
ok_as('dave', q{SELECT * FROM pgml.train('dave_p', 'regression', 'public.lin', 'y', 'linear');
SELECT pgml.grant_project('dave_p', 'carol');});
ok_as('alice', "SELECT pgml.grant_project('alice_p', 'dave')");
my ($drop_rc, $drop_out, $drop_err) = $node->psql('postgres', "\\set VERBOSITY verbose\nDROP ROLE dave");
like($drop_err, qr/ERROR:  2BP01: role "dave" cannot be dropped because some objects depend on it/,
	'DROP ROLE of a project owner fails, as for a table owner');
like($drop_err, qr/owner of 1 pgml_worker project\(s\) and grantee on 1/, 'saying what depends on it');
$node->safe_psql('postgres', 'REASSIGN OWNED BY dave TO bob');
is($node->safe_psql('postgres', "SELECT owner FROM pgml.projects WHERE name = 'dave_p'"), 'bob',
	'REASSIGN OWNED gives the project to the new owner');
is($node->safe_psql('postgres', "SELECT acl::text FROM pgml.projects WHERE name = 'dave_p'"), '{carol=U/bob}',
	'with its grants, now made by the new owner');
is(ok_as('bob', "SELECT round(pgml.predict('dave_p', ARRAY[10, 1]::real[])::numeric, 3)"), $expected,
	'the new owner uses it');
$node->safe_psql('postgres', 'REVOKE CREATE ON SCHEMA public FROM dave; DROP OWNED BY dave');
is($node->safe_psql('postgres', "SELECT acl::text FROM pgml.projects WHERE name = 'alice_p'"), '',
	'DROP OWNED takes back the grants made to the role');
$node->safe_psql('postgres', 'DROP ROLE dave');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_roles WHERE rolname = 'dave'"), '0',
	'then the role can be dropped');
ok_as('carol', q{SELECT * FROM pgml.train('carol_p', 'regression', 'public.lin', 'y', 'linear')});
$node->safe_psql('postgres', 'DROP OWNED BY carol');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgml.projects WHERE name = 'carol_p'"), '0',
	"DROP OWNED drops the role's projects");
refused('carol', "SELECT pgml.predict('dave_p', ARRAY[10, 1]::real[])", '42501',
	'and its grants (carol on dave_p)');

# ---- 9. snapshots: what decides a privilege or a published image is the latest state ----
# A reader's old snapshot (REPEATABLE READ, or a long statement's) in a
# parallel worker must not publish a model the owner has replaced since:
# the image serves every session.
my $ridge_pred = ok_as('alice', "SELECT round(pgml.predict($alice_ridge, ARRAY[10, 1]::real[])::numeric, 3)");
isnt($ridge_pred, $expected, 'the ridge model predicts differently');
ok_as('alice', "SELECT pgml.grant_project('alice_p', 'public')");
my $old_snap = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'mallory' ]);
$old_snap->query_safe('\\set VERBOSITY verbose');
$old_snap->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
is($old_snap->query_safe($alice_pred), $expected, 'mallory predicts in a REPEATABLE READ transaction');
ok_as('alice', "SELECT * FROM pgml.deploy($alice_ridge)");
is(ok_as('alice', $alice_pred), $ridge_pred, 'alice deploys her ridge model');
# the image is dropped (any later miss does as much: eviction, a restart)
$node->safe_psql('postgres', 'SELECT pgml._registry_reset_database()');
like($old_snap->query_safe("SET force_parallel_mode = on;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $alice_pred"),
	qr/Workers Launched: 1/, "mallory's old snapshot loads the image in a parallel worker");
$old_snap->query_safe('COMMIT');
is(ok_as('alice', $alice_pred), $ridge_pred, 'alice is still served the model she deployed');
is(ok_as('bob', "SELECT id FROM pgml.deployed_models WHERE name = 'alice_p'"), $alice_ridge,
	'which is the deployed one');

# nor pass a privilege check with a grant revoked since
$old_snap->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old_snap->query_safe($alice_pred);
ok_as('alice', "SELECT pgml.revoke_project('alice_p', 'public')");
$old_snap->query("SET force_parallel_mode = on; $alice_pred");
like($old_snap->{stderr}, qr/42501: permission denied for project "alice_p"/,
	'a revoke reaches a parallel worker of an old snapshot');
$old_snap->{stderr} = '';
$old_snap->query_safe('ROLLBACK');
ok_as('alice', "SELECT * FROM pgml.deploy($alice_model)");

# a project dropped since an old snapshot was taken: its models are gone,
# not readable by anyone who never had a grant
for my $form ('export_model($id)', 'predict_native($id, ARRAY[5.1, 3.5, 1.4, 0.2]::real[])')
{
	my $read = $form;
	ok_as('alice', q{SELECT * FROM pgml.train('alice_gone', 'classification', 'pgml.iris', 'target', 'xgboost',
                                              hyperparams => '{"n_estimators": 2}')});
	my $id = ok_as('alice', "SELECT id FROM pgml.deployed_models WHERE name = 'alice_gone'");
	$read =~ s/\$id/$id/;
	$old_snap->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
	$old_snap->query_safe('SELECT 1');
	ok_as('alice', "SELECT pgml.drop_project('alice_gone')");
	$old_snap->query("SELECT pgml.$read IS NOT NULL");
	like($old_snap->{stderr}, qr/42704: model $id does not exist/,
		"a dropped project's model cannot be read from an old snapshot: $read");
	$old_snap->{stderr} = '';
	$old_snap->query_safe('ROLLBACK');
}
$old_snap->quit;

# a call site that outlives its statement (a PL/pgSQL simple expression keeps
# its state for the transaction) is checked again at the next statement
ok_as('alice', "SELECT pgml.grant_project('alice_p', 'public')");
ok_as('mallory', "CREATE FUNCTION evil.keep() RETURNS numeric LANGUAGE plpgsql AS \$\$
BEGIN RETURN round(pgml.predict('alice_p', ARRAY[10, 1]::real[])::numeric, 3); END \$\$");
my $keeper = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'mallory' ]);
$keeper->query_safe('\\set VERBOSITY verbose');
$keeper->query_safe('BEGIN');
is($keeper->query_safe('SELECT evil.keep()'), $expected, 'a PL/pgSQL function predicts while granted');
ok_as('alice', "SELECT pgml.revoke_project('alice_p', 'public')");
$keeper->query('SELECT evil.keep()');
like($keeper->{stderr}, qr/42501: permission denied for project "alice_p"/,
	'the revoke reaches its cached call site at the next statement of the transaction');
$keeper->quit;

# ---- 10. a rename drops the renamed project's image only ----
is(ok_as('alice', $alice_pred), $expected, "alice's image is published");
my $gen = ok_as('alice', "SELECT generation FROM pgml.stat_models WHERE project = 'alice_p'");
ok_as('mallory', q{SELECT * FROM pgml.train('mallory_p', 'regression', 'public.lin', 'y', 'linear');
SELECT pgml.predict('mallory_p', ARRAY[10, 1]::real[]);
SELECT pgml.rename_project('mallory_p', 'mallory_p2');
SELECT pgml.rename_project('mallory_p2', 'mallory_p3');});
is(ok_as('alice', "SELECT generation FROM pgml.stat_models WHERE project = 'alice_p'"), $gen,
	"another role's renames leave alice's image in place");
is(ok_as('mallory', "SELECT count(*) FROM pgml.stat_models WHERE project LIKE 'mallory%'"), '0',
	"while the renamed project's image is gone");
is(ok_as('mallory', "SELECT round(pgml.predict('mallory_p3', ARRAY[10, 1]::real[])::numeric, 3)"),
	$expected, 'and is served under the new name');
refused('mallory', "SELECT pgml.predict('mallory_p', ARRAY[10, 1]::real[])", '42704',
	'not under the old one');

# ---- the server never restarted ----
owner_intact('everything');
is($watch->query_safe('SELECT 1'), '1', 'a session opened at the start is still connected');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the server never restarted');
$watch->quit;
$bob_session->quit;
$alice_session->quit;
$lock->quit;
done_testing();
