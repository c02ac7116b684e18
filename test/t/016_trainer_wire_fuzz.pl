# The parent's decoder of the trainer's fitted models (src/train/
# trainer_wire.c) under AddressSanitizer and UBSan: test/unit/wire_fuzz.sh
# decodes 200,000 mutated and generated messages (each of the five model
# kinds, counts and lengths overwritten, arrays missing or one element off,
# truncations) and reads every decoded model as artifact.c would.  Any
# out-of-bounds read, NULL use or an error other than 08P01 fails it.
use strict;
use warnings;
use File::Basename qw(dirname);
use IPC::Run;
use Test::More;

my $top = dirname(__FILE__) . '/../..';
my ($out, $err) = ('', '');
my $ok = IPC::Run::run([ 'bash', "$top/test/unit/wire_fuzz.sh", 200000, 20261203 ],
	'>', \$out, '2>', \$err);
note("stdout:\n$out");
note("stderr:\n$err") if $err ne '';
ok($ok, 'the decoder survives every case under the sanitizers')
  or diag(substr($err, 0, 2000));
like($out, qr/^200000 cases, [1-9]\d* decoded, [1-9]\d* rejected$/m,
	'some cases decode and some are rejected');
done_testing();
