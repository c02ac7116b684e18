# test/t/PgmlTest.pm: setup shared by the TAP tests (not a test itself).
package PgmlTest;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Test::More;

our @EXPORT = qw(pgml_node pgml_features_expr);

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
