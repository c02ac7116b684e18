# Parity of k-means (task clustering) and PCA (task decomposition) with
# scikit-learn 1.2's KMeans and PCA(svd_solver="full"), trained through
# pgml.train on the same rows (test_sampling => 'last': the first 75% of the
# table) and compared with what the deployed models serve
# (test/oracle/cluster_parity.py, run with /usr/bin/python3).
#
# k-means (iris, wine, digits; random_state 0, n_init 10, and the default
# random_state): the inertia of pgml's partition of the training rows is at
# most scikit-learn's * (1 + 1e-6); the stored inertia equals the oracle's
# inertia of the test rows around the artifact's centroids (1e-9 relative);
# the served cluster is the nearest centroid; the stored silhouette equals
# silhouette_score of the test rows under the served labels (1e-10).
# PCA (iris, wine, digits): pgml.decompose equals transform() to 1e-9 of the
# largest projection (1e-6 if pgml.decompose returns real[], float32); the
# stored explained variances (and ratios) equal scikit-learn's (1e-9 relative).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use JSON::PP;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PgmlOracle;

my $python = require_oracle([ 'sklearn', 'numpy' ]);

# stored inertia against the oracle's, relative
my $INERTIA_REL_TOL = 1e-9;
# stored PCA explained variances against PCA.explained_variance(_ratio)_
my $EV_REL_TOL = 1e-9;

my $oracle = dirname(__FILE__) . '/../oracle/cluster_parity.py';
my $node = pgml_node('cluster_parity');
# feature-only copies of the toy datasets, in the same row order
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('iris');
SELECT * FROM pgml.load_dataset('wine');
SELECT * FROM pgml.load_dataset('digits');
CREATE TABLE iris_x AS SELECT * FROM pgml.iris ORDER BY ctid;
ALTER TABLE iris_x DROP COLUMN target;
CREATE TABLE wine_x AS SELECT * FROM pgml.wine ORDER BY ctid;
ALTER TABLE wine_x DROP COLUMN target;
CREATE TABLE digits_x AS SELECT image FROM pgml.digits ORDER BY ctid;
});

my $has_decompose = $node->safe_psql('postgres',
	"SELECT count(*) FROM pg_proc WHERE proname = 'decompose' AND pronamespace = 'pgml'::regnamespace");
my $decompose_float8 = $node->safe_psql('postgres', q{
SELECT count(*) FROM pg_proc WHERE proname = 'decompose' AND pronamespace = 'pgml'::regnamespace
   AND prorettype = 'float8[]'::regtype});

# name => [algorithm, hyperparams, table, sklearn params]
my @cases = (
	[ 'km_iris', 'kmeans', '{"n_clusters": 3, "random_state": 0}', 'iris_x',
		{ n_clusters => 3, n_init => 10, random_state => 0 } ],
	[ 'km_iris_default', 'kmeans', '{"n_clusters": 3}', 'iris_x',
		{ n_clusters => 3, n_init => 10, random_state => 42 } ],
	[ 'km_wine', 'kmeans', '{"n_clusters": 3, "random_state": 0}', 'wine_x',
		{ n_clusters => 3, n_init => 10, random_state => 0 } ],
	[ 'km_digits', 'kmeans', '{"n_clusters": 10, "random_state": 0}', 'digits_x',
		{ n_clusters => 10, n_init => 10, random_state => 0 } ],
	[ 'km_digits_random', 'kmeans', '{"n_clusters": 10, "init": "random", "n_init": 3, "random_state": 1}',
		'digits_x', { n_clusters => 10, n_init => 3, init => 'random', random_state => 1 } ],
	[ 'pca_iris', 'pca', '{}', 'iris_x', {} ],
	[ 'pca_wine', 'pca', '{"n_components": 5}', 'wine_x', { n_components => 5 } ],
	[ 'pca_digits', 'pca', '{"n_components": 10}', 'digits_x', { n_components => 10 } ],
);

my $dir = PostgreSQL::Test::Utils::tempdir;
my %metrics;
for my $c (@cases)
{
	my ($name, $alg, $hp, $table, $params) = @$c;
	my $task = $alg eq 'kmeans' ? 'clustering' : 'decomposition';
	if ($alg eq 'pca' && !$has_decompose)
	{
		note("$name: pgml.decompose does not exist, PCA not compared");
		next;
	}
	is($node->safe_psql('postgres', qq{
SELECT algorithm FROM pgml.train('p_$name', '$task', '$table', NULL, '$alg', '$hp',
                                 test_size => 0.25, test_sampling => 'last')}),
		$alg, "$name: trained");
	my $id = $node->safe_psql('postgres', qq{
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'p_$name'});
	$metrics{$name} = decode_json($node->safe_psql('postgres', "SELECT metrics FROM pgml.models WHERE id = $id"));
	my $features = $table eq 'digits_x'
	  ? 'ARRAY(SELECT unnest(image))::float8[]'
	  : 'ARRAY[' . $node->safe_psql('postgres', qq{
SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum)
  FROM pg_attribute a WHERE a.attrelid = '$table'::regclass AND a.attnum > 0
   AND NOT a.attisdropped}) . ']::float8[]';
	my $serve = $alg eq 'kmeans'
	  ? "pgml.predict('p_$name', ($features)::real[])::float8"
	  : "pgml.decompose('p_$name', ($features)::real[])::float8[]";
	my $rows = $node->safe_psql('postgres', qq{
COPY (SELECT $features, $serve FROM $table ORDER BY ctid) TO STDOUT});
	my $n = $node->safe_psql('postgres', "SELECT count(*) FROM $table");
	append_to_file("$dir/$name.tsv", "$rows\n");
	append_to_file("$dir/$name.artifact",
		$node->safe_psql('postgres', "SELECT encode(artifact, 'hex') FROM pgml.models WHERE id = $id"));
	append_to_file("$dir/$name.json",
		encode_json({ kind => $alg, params => $params, train_rows => $n - int($n * 0.25 + 0.5) }));
}

my ($out, $err);
ok(IPC::Run::run([ $python, $oracle, $dir ], '>', \$out, '2>', \$err), 'the oracle ran')
  or BAIL_OUT("oracle failed: $err");
my $o = decode_json($out);
note("scikit-learn $o->{sklearn_version}");

for my $c (@cases)
{
	my $name = $c->[0];
	my $r = $o->{cases}{$name} or next;
	if ($r->{kind} eq 'kmeans')
	{
		note(sprintf("%s: inertia pgml %.10g, scikit-learn %.10g (its inertia_ %.10g), labels agree on %.4f",
				$name, $r->{pgml_inertia}, $r->{sklearn_inertia}, $r->{sklearn_inertia_}, $r->{label_agreement}));
		cmp_ok($r->{pgml_inertia}, '<=', $r->{sklearn_inertia} * (1 + 1e-6),
			"$name: inertia no worse than KMeans(" . encode_json($c->[4]) . ")");
		my ($p, $s) = ($metrics{$name}{silhouette}, $r->{test_silhouette});
		if (defined $s)
		{
			ok(defined $p && abs($p - $s) <= 1e-10, "$name: stored silhouette equals silhouette_score of the test rows")
			  or diag("pgml " . ($p // 'null') . ", scikit-learn $s");
		}
		else
		{
			ok(!defined $p, "$name: silhouette undefined on the test rows, stored as null");
		}
		# the stored inertia is that of the held-out rows around the model's
		# centroids (read by the oracle from the artifact), each row with the
		# cluster pgml.predict serves for it: within $INERTIA_REL_TOL relative
		my $stored = $metrics{$name}{inertia};
		ok(defined $stored && defined $r->{test_inertia}
			  && abs($stored - $r->{test_inertia}) <= $INERTIA_REL_TOL * $r->{test_inertia},
			"$name: stored inertia equals the oracle's inertia of the test rows")
		  or diag(sprintf("stored %s, oracle %s, tolerance %g relative",
				$stored // 'null', $r->{test_inertia} // 'null', $INERTIA_REL_TOL));
		is($r->{nearest_mismatches}, 0, "$name: every served cluster is the nearest centroid");
	}
	else
	{
		note(sprintf("%s: max |pgml.decompose - transform()| %.3g, largest |projection| %.6g",
				$name, $r->{max_abs_diff} // -1, $r->{max_abs_projection}));
		is($r->{pgml_n_components}, $r->{n_components}, "$name: number of components");
		my $tol = ($decompose_float8 ? 1e-9 : 1e-6) * ($r->{max_abs_projection} > 1 ? $r->{max_abs_projection} : 1);
		ok(defined $r->{max_abs_diff} && $r->{max_abs_diff} <= $tol, "$name: pgml.decompose equals PCA.transform")
		  or diag("max |difference| " . ($r->{max_abs_diff} // 'n/a') . ", tolerance $tol");
		# the stored metrics of a PCA model are its explained variances
		for my $k ('explained_variance', 'explained_variance_ratio')
		{
			my ($p, $o) = ($metrics{$name}{$k}, $r->{$k});
			my @bad = defined $p && ref $p eq 'ARRAY' && @$p == @$o
			  ? grep { abs($p->[$_] - $o->[$_]) > $EV_REL_TOL * abs($o->[$_]) } 0 .. $#$o
			  : ('shape');
			ok(!@bad, "$name: stored $k equals PCA.${k}_ within $EV_REL_TOL relative")
			  or diag('pgml ' . encode_json($p // []) . ', scikit-learn ' . encode_json($o));
		}
	}
}

# A k-means++ tie (test/oracle/kmeans_tie.py): the training rows are -1, 0
# and 1, four of each; at the seed the oracle finds, the first center is a 0
# and the two candidates for the second, a -1 and a 1, have the same
# potential.  scikit-learn keeps the first drawn, and so must pgml: the other
# choice ends in another clustering, which serves other labels.
my $tie_oracle = dirname(__FILE__) . '/../oracle/kmeans_tie.py';
my ($tie_out, $tie_err) = ('', '');
ok(IPC::Run::run([ $python, $tie_oracle ], '>', \$tie_out, '2>', \$tie_err), 'the tie oracle ran')
  or diag($tie_err);
my $tie = decode_json($tie_out);
$node->safe_psql('postgres', qq{
CREATE TABLE tie_x AS
    SELECT v::real AS x FROM unnest(ARRAY[-1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0])
           WITH ORDINALITY AS t(v, o) ORDER BY o;
SELECT * FROM pgml.train('km_tie', 'clustering', 'tie_x', NULL, 'kmeans',
                         '{"n_clusters": 2, "n_init": 1, "random_state": $tie->{seed}}',
                         test_size => 0.25, test_sampling => 'last');});
isnt(join(',', @{ $tie->{labels} }), join(',', @{ $tie->{other_labels} }),
	'k-means++ tie: the two choices serve different labels');
is($node->safe_psql('postgres', q{
SELECT string_agg(pgml.predict('km_tie', ARRAY[v]::real[])::int::text, ',' ORDER BY v)
  FROM unnest(ARRAY[-1, 0, 1]) v}),
	join(',', @{ $tie->{labels} }),
	"k-means++ tie (random_state $tie->{seed}): pgml keeps the first candidate, as scikit-learn");

$node->stop;
done_testing();
