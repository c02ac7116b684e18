# An error about one row names the row of the TABLE (in the order the
# relation is read), not the row's place in the shuffled training set.
#
# Each table has exactly one bad value, at table row 50 of 80, and trains
# with a random split, so its place among the training rows is something
# else.  (With two test rows, test_size => 2, row 50 is a training row; the
# test checks it did reach training.)
#
# The trainers (src/trainer/linear.c, xgb.c, matrix.c) name
# pgml_train_row_number(in, i), which maps through PgmlTrainInput.row_of,
# the map the job (src/train/job.c, train_rows) gives them.
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = pgml_node('rows');
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
-- y = 2x, except table row 50, whose target is beyond real's range
CREATE TABLE big_y AS
    SELECT g::real AS x, CASE WHEN g = 50 THEN 1e39 ELSE 2.0 * g END::float8 AS y
      FROM generate_series(1, 80) g ORDER BY g;
-- x NaN at table row 50
CREATE TABLE nan_x AS
    SELECT CASE WHEN g = 50 THEN 'NaN'::real ELSE g END AS x, (2.0 * g)::float8 AS y
      FROM generate_series(1, 80) g ORDER BY g;
});

# the table rows are read in this order: row n holds x = n
is($node->safe_psql('postgres',
	q{SELECT string_agg(x::int::text, ',' ORDER BY ctid) = string_agg(g::text, ',' ORDER BY g)
	    FROM (SELECT x, ctid, row_number() OVER (ORDER BY ctid) AS g FROM big_y) s}),
	't', 'big_y is stored in row order');

sub train_error
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	note($err);
	return $err;
}

# A row that is not in the training set cannot be reported at all: the
# one held-out row must not be row 50 (it is not: the error comes)
my $linear = train_error(q{
SELECT * FROM pgml.train('rn_lin', 'regression', 'big_y', 'y', 'linear', test_size => 2, test_sampling => 'random')});
like($linear, qr/linear regression target is out of range for type real/,
	'linear: a target beyond real is an error');
my $xgb = train_error(q{
SELECT * FROM pgml.train('rn_xgb', 'regression', 'big_y', 'y', 'xgboost',
                         '{"n_estimators": 2}', test_size => 2, test_sampling => 'random')});
like($xgb, qr/is not a finite real/, 'xgboost: a label beyond real is an error');
like($linear, qr/DETAIL:  Row 50 of the relation has target 1e\+39; pgml\.predict returns real\./,
	'linear: the detail names table row 50');
like($xgb, qr/ERROR:  \w+: label 1e\+39 of row 50 of the relation is not a finite real/,
	'xgboost: the message names table row 50');

# the missing-value check of the job names the table's row
my $nan = train_error(q{
SELECT * FROM pgml.train('rn_nan', 'regression', 'nan_x', 'y', 'linear', test_size => 2, test_sampling => 'random')});
like($nan, qr/DETAIL:  Row 50 of the relation has a NULL \(or NaN, a missing value too\) in column "x"\./,
	'a NaN feature: the detail names table row 50');

$node->stop;
done_testing();
