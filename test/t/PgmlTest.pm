# test/t/PgmlTest.pm: setup shared by the TAP tests (not a test itself).
package PgmlTest;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Test::More;

our @EXPORT = qw(pgml_node);

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

1;
