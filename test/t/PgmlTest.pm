# test/t/PgmlTest.pm: setup shared by the TAP tests (not a test itself).
package PgmlTest;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use Test::More;

our @EXPORT = qw(pgml_node oracle_python);

# A started node named $name with pgml_worker preloaded and its worker on
# database postgres; $extra (optional) is appended to postgresql.conf.
sub pgml_node
{
	my ($name, $extra) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
pgml_worker.database = 'postgres'
} . ($extra // ''));
	$node->start;
	return $node;
}

# Debian's /usr/bin/python3, which the oracles need with scikit-learn and
# numpy; skips the whole test file, saying why, when it cannot.
sub oracle_python
{
	my $python = '/usr/bin/python3';
	my ($out, $err);

	plan skip_all => "$python is not installed" unless -x $python;
	IPC::Run::run([ $python, '-c', 'import sklearn, numpy' ], '>', \$out, '2>', \$err)
	  or plan skip_all => "$python cannot import scikit-learn and numpy";
	return $python;
}

1;
