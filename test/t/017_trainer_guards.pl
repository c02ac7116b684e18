# The trainer's refusals that no SQL reaches: test/unit/trainer_guards.sh
# builds test/unit/trainer_guards.c under AddressSanitizer and UBSan and
# calls the fit code of src/trainer/ on crafted input: guards the parent
# checks first (a task, an algorithm, a class index the job rules out),
# size limits with nothing behind them (2^31 rows, 2^31 nodes, a 1 GB json
# length), failures of LAPACK and XGBoost through link-time test doubles,
# running out of memory (in the runtime shim and in the tree engine), and a
# write-only data descriptor.  Each case must raise the expected SQLSTATE
# and message.  No server runs.  The harness's output is note()d whole:
# PostgreSQL::Test::Utils copies it into tmp_check/log/regress_log_*, where
# scripts/errmsg_coverage.py counts the errmsg sites its "ERROR:" lines
# reach.
use strict;
use warnings;
use File::Basename qw(dirname);
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

# the cases of test/unit/trainer_guards.c
my $cases = 44;

my $top = dirname(__FILE__) . '/../..';
my ($out, $err) = ('', '');
my $ok = IPC::Run::run([ 'bash', "$top/test/unit/trainer_guards.sh" ],
	'>', \$out, '2>', \$err);
note("stdout:\n$out");
note("stderr:\n$err") if $err ne '';
ok($ok, 'the harness builds, and every case gets its error under the sanitizers')
  or diag(substr($err, 0, 2000));
like($out, qr/^1\.\.$cases$/m, "the harness runs $cases cases");
my @passed = ($out =~ /^ok \d+ - .*$/mg);
my @errors = ($out =~ /^ERROR:  [0-9A-Z]{5}:  .+$/mg);
is(scalar(@passed), $cases, 'every case raised the expected error')
  or diag(join("\n", $out =~ /^(not ok .*|#   .*)$/mg));
is(scalar(@errors), $cases, 'each printed its error');
done_testing();
