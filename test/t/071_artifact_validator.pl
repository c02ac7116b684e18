# Every check of the artifact validator (src/image.c) has a corruption case.
#
# The test trains one model of each kind the image compiler reads (XGBoost
# binary with class names, a one_hot text column and preprocessing; XGBoost
# softmax; XGBoost regression with target and ordinal text columns; linear
# regression with preprocessing; logistic; k-means; PCA), takes their
# artifacts, and test/oracle/corrupt_artifacts.py (with its own msgpack
# reader and writer, test/oracle/msgpack_min.py) derives from them:
#
#   - positive controls: each artifact re-encoded, a hand-made forest, a
#     tree exactly 1024 levels deep: they must predict;
#   - one case per way of being wrong, each changing one thing so that every
#     check before the one aimed at still passes, with the exact detail the
#     compiler must report (SQLSTATE XX001, or 54000 for a too deep tree).
#
# Each case is written into the model's pgml.models row (the UPDATE
# invalidates the image) and the next predict of the model must fail with
# that SQLSTATE and detail.  Finally every CORRUPT() call site of
# src/image.c is matched against the details the cases produced: a check
# without a case fails the test, so a new check needs a new case.
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PgmlOracle;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# the generator needs only the standard library
my $python = require_oracle([ 'struct', 'json' ]);
my $top = dirname(__FILE__) . '/../..';

my $node = pgml_node('validator');
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
CREATE TABLE t AS
    SELECT g::real AS a, (g % 7)::real AS b,
           (ARRAY['red', 'green', 'blue'])[1 + g % 3] AS color,
           (ARRAY['round', 'square', 'flat', 'tall'])[1 + g % 4] AS shape,
           CASE WHEN (g % 7) + 2 * (g % 3) > 5 THEN 'yes' ELSE 'no' END AS label,
           (g % 3) AS cls,
           (g + 3 * (g % 7) + 10 * (g % 3))::real AS y
      FROM generate_series(1, 300) g;
CREATE VIEW v_bin AS SELECT a, b, color, label FROM t;
CREATE VIEW v_multi AS SELECT a, b, cls FROM t;
CREATE VIEW v_reg AS SELECT a, b, color, shape, y FROM t;
CREATE VIEW v_lin AS SELECT a, b, y FROM t;
CREATE VIEW v_logit AS SELECT a, b, label FROM t;
CREATE VIEW v_num AS SELECT a, b FROM t;
-- the rows each kind of model predicts on
CREATE VIEW f_bin AS SELECT a, b, color FROM t;
CREATE VIEW f_reg AS SELECT a, b, color, shape FROM t;
CREATE VIEW f_num AS SELECT a, b FROM t;

SELECT count(*) FROM pgml.train('xgb_bin', 'classification', 'v_bin', 'label', 'xgboost',
    '{"n_estimators": 2, "max_depth": 2}',
    preprocess => '{"a": {"impute": "mean", "scale": "standard"}, "color": {"encode": "one_hot"}}');
SELECT count(*) FROM pgml.train('xgb_multi', 'classification', 'v_multi', 'cls', 'xgboost',
    '{"n_estimators": 2, "max_depth": 2}');
SELECT count(*) FROM pgml.train('xgb_reg', 'regression', 'v_reg', 'y', 'xgboost',
    '{"n_estimators": 2, "max_depth": 2}',
    preprocess => '{"color": {"encode": "target"}, "shape": {"encode": "ordinal"}}');
SELECT count(*) FROM pgml.train('lin', 'regression', 'v_lin', 'y', 'linear',
    preprocess => '{"a": {"impute": "mean", "scale": "standard"}, "b": {"scale": "standard"}}');
SELECT count(*) FROM pgml.train('logit', 'classification', 'v_logit', 'label', 'linear');
SELECT count(*) FROM pgml.train('km', 'clustering', 'v_num', NULL, 'kmeans', '{"n_clusters": 2}');
SELECT count(*) FROM pgml.train('pca', 'decomposition', 'v_num', NULL, 'pca', '{"n_components": 2}');

-- the predict call of a model: its SQLSTATE and detail (then a tab and
-- the message), or 'ok'
CREATE FUNCTION try_model(id bigint, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
    r text;
BEGIN
    EXECUTE format(call, id) INTO r;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ' ' || coalesce(det, '') || E'\t' || msg;
END $$;
CREATE TABLE cases (name text PRIMARY KEY, base text, sqlstate text, detail text, artifact bytea);
});

# base name => predict call (%s: the model id)
my %call = (
	xgb_bin => 'SELECT pgml.predict(%s, f)::text FROM f_bin f LIMIT 1',
	xgb_multi => 'SELECT pgml.predict(%s, ARRAY[a, b])::text FROM f_num LIMIT 1',
	xgb_reg => 'SELECT pgml.predict(%s, f)::text FROM f_reg f LIMIT 1',
	lin => 'SELECT pgml.predict(%s, ARRAY[a, b])::text FROM f_num LIMIT 1',
	logit => 'SELECT pgml.predict(%s, ARRAY[a, b])::text FROM f_num LIMIT 1',
	km => 'SELECT pgml.predict(%s, ARRAY[a, b])::text FROM f_num LIMIT 1',
	pca => 'SELECT pgml.decompose(%s, ARRAY[a, b])::text FROM f_num LIMIT 1',
);
# cases whose model pgml.predict refuses: a joint model's targets
my %call_of_case = (
	valid_median_joint => 'SELECT pgml.predict_joint(%s, ARRAY[a, b])::text FROM f_num LIMIT 1',
);

my $dir = PostgreSQL::Test::Utils::tempdir;
my %id;
for my $b (sort keys %call)
{
	$id{$b} = $node->safe_psql('postgres',
		"SELECT id FROM pgml.deployed_models WHERE name = '$b'");
	ok($id{$b} =~ /^\d+$/, "$b: trained and deployed");
	my $hex = $node->safe_psql('postgres',
		"SELECT encode(artifact, 'hex') FROM pgml.models WHERE id = $id{$b}");
	append_to_file("$dir/base_$b.hex", $hex);
	is($node->safe_psql('postgres',
		"SELECT try_model($id{$b}, \$q\$$call{$b}\$q\$)"),
		'ok', "$b: the trained model predicts");
}

my ($out, $err) = ('', '');
ok(IPC::Run::run([ $python, "$top/test/oracle/corrupt_artifacts.py", $dir ], '>', \$out, '2>', \$err),
	'the case generator ran')
  or BAIL_OUT("generator failed: $err");
chomp $out;
note("$out cases generated");

# load the cases, then one statement per case: the UPDATE commits (and
# invalidates the image) before the predict
$node->safe_psql('postgres', q{
CREATE TEMP TABLE raw (name text, base text, sqlstate text, detail text, hex text);
} . "COPY raw FROM '$dir/cases.tsv';" . q{
INSERT INTO cases SELECT name, base, sqlstate, detail, decode(hex, 'hex') FROM raw;
});
my @cases = map { [ split /\|/, $_, 4 ] } split /\n/,
  $node->safe_psql('postgres', 'SELECT name, base, sqlstate, detail FROM cases ORDER BY name');
my $script = '';
for my $c (@cases)
{
	my ($name, $base) = @$c;
	my $call = $call_of_case{$name} // $call{$base} or die "no predict call for base $base";
	$script .= "UPDATE pgml.models SET artifact = (SELECT artifact FROM cases WHERE name = '$name') WHERE id = $id{$base};\n";
	$script .= "SELECT '$name' || '|' || try_model($id{$base}, \$q\$$call\$q\$);\n";
}
my $result = $node->safe_psql('postgres', $script);
my %got = map { split /\|/, $_, 2 } grep { /\|/ } split /\n/, $result;

my @details;
for my $c (@cases)
{
	my ($name, $base, $sqlstate, $detail) = @$c;
	my ($g, $msg) = split /\t/, $got{$name} // '(no result)';
	# the message, for scripts/errmsg_coverage.py (caught errors are not logged)
	note("$name: ERROR:  $msg") if defined $msg;
	if ($sqlstate eq 'ok')
	{
		is($g, 'ok', "$name: predicts");
	}
	else
	{
		is($g, "$sqlstate $detail", "$name: $sqlstate \"$detail\"");
		push @details, $1 if $g =~ /^\w{5} (.*)$/;
	}
}

# every CORRUPT() site of image.c (and the depth limit's errdetail) must be
# matched by the detail of some case; a format used at k sites needs k
# distinct cases matching it
my $src = slurp_file("$top/src/image.c");
my @formats;
while ($src =~ /(?:CORRUPT|errdetail)\(\s*"((?:[^"\\]|\\.)*)"/g)
{
	my $f = $1;
	next if $f eq '__VA_ARGS__';
	push @formats, $f;
}
# each detail counts for the most specific format it matches (the one with
# the most literal text), so a generic format ("A %s model has ...") is not
# satisfied by a case aimed at a more specific one
my (%sites, %order, %regex, %literal, %hits);
for my $f (@formats)
{
	$order{$f} //= scalar keys %order;
	$sites{$f}++;
	next if defined $regex{$f};
	my $re = '';
	for my $piece (split /(%(?:\.\*s|ll[du]|z[du]|[dusg]))/, $f)
	{
		if ($piece =~ /^%/)
		{
			$re .= $piece =~ /s$/ ? '.*' : $piece =~ /g$/ ? '\S+' : '-?\d+';
		}
		else
		{
			(my $lit = $piece) =~ s/\\"/"/g;
			$re .= quotemeta($lit);
			$literal{$f} += length $lit;
		}
	}
	$regex{$f} = qr/^$re$/;
}
for my $d (@details)
{
	my ($best) = sort { $literal{$b} <=> $literal{$a} } grep { $d =~ $regex{$_} } keys %regex;
	$hits{$best}++ if defined $best;
}
my ($covered, $total) = (0, 0);
for my $f (sort { $order{$a} <=> $order{$b} } keys %sites)
{
	my $h = $hits{$f} // 0;
	$total += $sites{$f};
	$covered += $h >= $sites{$f} ? $sites{$f} : $h;
	ok($h >= $sites{$f}, "validator check \"$f\" ($sites{$f} site(s)) has a case")
	  or diag("$h case(s) aimed at it");
}
note("validator checks with a case: $covered of $total");
cmp_ok($total, '>=', 68, 'found every check of src/image.c');

$node->stop;
done_testing();
