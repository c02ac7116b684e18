# test/t/PgmlTest.pm: setup shared by the TAP tests (not a test itself).
package PgmlTest;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Test::More;

our @EXPORT = qw(pgml_node pgml_features_expr pgml_parity_datasets);

# A started node named $name with pgml_worker preloaded (the launcher starts
# a worker wherever a job is queued); $extra (optional) is appended to
# postgresql.conf.
sub pgml_node
{
	my ($name, $extra) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
} . ($extra // ''));
	$node->start;
	return $node;
}

# The parity tests' datasets: diabetes, breast_cancer, iris, wine and digits
# loaded, and public.iris_mixed / public.wine_mixed, fixed permutations of
# iris and wine (sorted by class, so their last rows are one class): row i
# (1-based, scan order) goes to position (i * 97) mod n, 97 being prime to
# 150 and 178.  wine_mixed's labels are -1, 9 and 19 (labels that are not
# class indexes; a table rewrite keeps the row order).
sub pgml_parity_datasets
{
	my ($node) = @_;

	for my $d (qw(diabetes breast_cancer iris wine digits))
	{
		$node->safe_psql('postgres', "SELECT * FROM pgml.load_dataset('$d')");
	}
	for my $d (qw(iris wine))
	{
		$node->safe_psql('postgres', qq{
CREATE TABLE public.${d}_mixed (LIKE pgml.$d);
INSERT INTO public.${d}_mixed
  SELECT (s.r).* FROM (SELECT r, row_number() OVER (ORDER BY ctid) AS i FROM pgml.$d r) s
  ORDER BY (s.i * 97) % (SELECT count(*) FROM pgml.$d);
});
	}
	$node->safe_psql('postgres',
		'ALTER TABLE public.wine_mixed ALTER COLUMN target TYPE integer USING target * 10 - 1');
}

# The features of $table as pgml reads them, as one real[] expression:
# every column but $y in column order, arrays flattened in storage order.
# Also the label as float8 (booleans as 0 and 1), as the expression
# 'y::...' of a column named y.
sub pgml_features_expr
{
	my ($node, $table, $y) = @_;
	my $features = $node->safe_psql('postgres', qq{
SELECT string_agg(CASE WHEN t.typcategory = 'A'
                       THEN format('ARRAY(SELECT unnest(%I)::real)', a.attname)
                       ELSE format('ARRAY[%I::real]', a.attname) END,
                  ' || ' ORDER BY a.attnum)
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = '$table'::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND a.attname <> '$y'});
	my $ytype = $node->safe_psql('postgres',
		"SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = '$table'::regclass AND attname = '$y'");
	return ($features, $ytype eq 'boolean' ? 'y::int::float8' : 'y::float8');
}

1;
