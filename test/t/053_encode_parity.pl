# Quality parity of text encoding (preprocess => encode one_hot) with
# scikit-learn: OneHotEncoder(handle_unknown="ignore") on the text columns,
# then LinearRegression or Ridge, fitted on the same training rows
# (test_sampling => 'last').  The test rows hold a color never seen in
# training, which both sides encode as all zeros.  Tolerance: predictions
# within 1e-4 relative (float32 features and outputs), and the stored test
# r2 within 1% of scikit-learn's.
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

my $oracle = dirname(__FILE__) . '/../oracle/encode_parity.py';
my $node = pgml_node('encode');
# 400 rows; 'purple' appears only in the last 100 (the test rows)
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT setseed(0.25);
CREATE TABLE sales AS
SELECT CASE WHEN i > 300 AND i % 5 = 0 THEN 'purple'
            ELSE (ARRAY['red', 'green', 'blue', 'yellow'])[1 + i % 4] END AS color,
       (ARRAY['Lyon', 'Oslo', 'Lima'])[1 + (i * 7) % 3] AS city,
       (random() * 10)::real AS size,
       0::real AS y
  FROM generate_series(1, 400) i;
UPDATE sales SET y = (CASE color WHEN 'red' THEN 1 WHEN 'green' THEN 3 WHEN 'blue' THEN -2
                                 WHEN 'yellow' THEN 0.5 ELSE 2 END
                      + CASE city WHEN 'Lyon' THEN 10 WHEN 'Oslo' THEN 12 ELSE 9 END
                      + 0.7 * size + random() - 0.5)::real;
VACUUM FULL sales;
});

# name => [algorithm, hyperparams, sklearn estimator, its params]
my @cases = (
	[ 'ols', 'linear', '{}', 'LinearRegression', {} ],
	[ 'ridge', 'ridge', '{"alpha": 1.0}', 'Ridge', { alpha => 1.0 } ],
);
my $dir = PostgreSQL::Test::Utils::tempdir;
my %pgml;
for my $c (@cases)
{
	my ($name, $alg, $hp, $est, $params) = @$c;
	is($node->safe_psql('postgres', qq{
SELECT algorithm FROM pgml.train('p_$name', 'regression', 'sales', 'y', '$alg', '$hp',
    test_size => 0.25, test_sampling => 'last',
    preprocess => '{"color": {"encode": "one_hot"}, "city": {"encode": "one_hot"}}')}),
		$alg, "$name: trained");
	my $id = $node->safe_psql('postgres', qq{
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'p_$name'});
	$pgml{$name} = decode_json($node->safe_psql('postgres', "SELECT metrics FROM pgml.models WHERE id = $id"));
	is($node->safe_psql('postgres', "SELECT num_features FROM pgml.models WHERE id = $id"),
		'9', "$name: 5 colors + 3 cities + size = 9 features");
	my $rows = $node->safe_psql('postgres', qq{
COPY (SELECT color, city, size, y, pgml.predict('p_$name', (color, city, size))::float8
        FROM sales ORDER BY ctid) TO STDOUT});
	append_to_file("$dir/$name.tsv", "$rows\n");
	append_to_file("$dir/$name.json", encode_json({ estimator => $est, params => $params, test_rows => 100 }));
}

my ($out, $err);
ok(IPC::Run::run([ $python, $oracle, $dir ], '>', \$out, '2>', \$err), 'the oracle ran')
  or BAIL_OUT("oracle failed: $err");
my $o = decode_json($out);
note("scikit-learn $o->{sklearn_version}");
for my $c (@cases)
{
	my $name = $c->[0];
	my $r = $o->{cases}{$name};
	note(sprintf("%s: r2 pgml %.6f (recomputed %.6f), scikit-learn %.6f; max relative prediction difference %.2e; %d test rows of an unseen color",
			$name, $pgml{$name}{r2}, $r->{pgml_r2_here}, $r->{sklearn_r2}, $r->{max_rel_diff}, $r->{unknown_rows}));
	ok($r->{unknown_rows} > 0, "$name: the test rows hold a color unseen in training");
	cmp_ok($r->{max_rel_diff}, '<=', 1e-4, "$name: predictions equal scikit-learn's pipeline");
	cmp_ok(abs($pgml{$name}{r2} - $r->{sklearn_r2}), '<=', 0.01 * abs($r->{sklearn_r2}),
		"$name: test r2 within 1% of scikit-learn's");
}
done_testing();
