# test/t/PgmlOracle.pm: the one rule for tests that need a Python oracle
# (not a test itself).
#
# An oracle test that cannot run its oracle must not look like a pass:
#
#   - by default, and always when CI=true, a missing /usr/bin/python3 or a
#     module it cannot import is a FAILURE of the test file;
#   - a developer may skip the oracle tests on purpose with
#     PGML_SKIP_ORACLES=1 (ignored when CI=true); the skip says why, and
#     test/run.sh then ends with "passed, oracles SKIPPED", not "all test
#     suites passed".
package PgmlOracle;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
use Test::More;

our @EXPORT = qw(require_oracle);

my $PYTHON = '/usr/bin/python3';

# Returns the python to run oracles with, after checking that it imports
# every module of @modules (e.g. 'sklearn', 'numpy').  $check (optional) is
# extra Python code that must exit 0 (a version check); its last line of
# stderr explains a refusal.
sub require_oracle
{
	my ($modules, $check) = @_;
	my $why;

	if (!-x $PYTHON)
	{
		$why = "$PYTHON is not installed";
	}
	else
	{
		my ($out, $err) = ('', '');
		my $code = 'import ' . join(', ', @$modules) . "\n" . ($check // '');
		if (!IPC::Run::run([ $PYTHON, '-c', $code ], '>', \$out, '2>', \$err))
		{
			my ($last) = ($err =~ /([^\n]+)\n*\z/);
			$why = "$PYTHON cannot run the oracle prerequisites ("
			  . join(', ', @$modules) . '): ' . ($last // 'no message');
		}
	}
	return $PYTHON unless defined $why;

	my $ci = ($ENV{CI} // '') =~ /^(1|true|yes)$/i;
	if (!$ci && ($ENV{PGML_SKIP_ORACLES} // '') eq '1')
	{
		plan skip_all => "oracle skipped on request (PGML_SKIP_ORACLES=1): $why";
	}
	# not skippable: one failing test that says what is missing
	plan tests => 1;
	fail("oracle unavailable: $why"
		  . ($ci ? ' (CI=true: an oracle test may not be skipped)'
			  : ' (set PGML_SKIP_ORACLES=1 to skip oracle tests locally)'));
	exit 1;
}

1;
