# A damaged installation and refused resources, on a private copy of the
# installed PostgreSQL and pgml_worker (the installation itself is never
# touched): a dataset's CSV missing or replaced by a directory; the trainer
# program (pgml_trainer, next to the library) missing, not executable, not
# executable by the kernel, exiting without an answer, hanging, or
# answering garbage (a bad header, an unexpected message, fitted models the
# parent's decoder of src/train/trainer_wire.c must refuse); and a backend
# whose fork, descriptors or address space run out (limits lowered with
# prlimit on the running backend).  Each fails the call with its SQLSTATE
# and message, leaves no process or descriptor behind, rolls back, and the
# session, the server and (repaired) the installation keep working.
use strict;
use warnings;
use Cwd qw(realpath);
use File::Basename qw(dirname);
use File::Path qw(make_path rmtree);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# --- a private copy of the installation, same layout under $root ---
sub pg_config
{
	my ($bin, $opt) = @_;
	my $v = `$bin $opt`;
	die "$bin $opt failed" if $? != 0;
	chomp $v;
	return $v;
}

my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
my $inst = realpath(dirname(pg_config($pg_config, '--bindir')));
my $share = realpath(pg_config($pg_config, '--sharedir'));
my $pkglib = realpath(pg_config($pg_config, '--pkglibdir'));
plan skip_all => "pkglibdir $pkglib is not under $inst: cannot copy the installation"
  unless index($pkglib, "$inst/") == 0;
ok(-x "$pkglib/pgml_trainer" && -f "$share/pgml_worker/wine.csv",
	'pgml_worker is installed in the PostgreSQL of pg_config');

my $root = "$PostgreSQL::Test::Utils::tmp_check/install_damage";
rmtree($root);
for my $dir ($inst, $share)
{
	make_path($root . dirname($dir));
	system('cp', '-a', $dir, $root . $dir) == 0 or die "cp -a $dir failed";
}
my $copy_bin = "$root$inst/bin";
my $copy_share = "$root$share";
my $copy_lib = "$root$pkglib";
my $datasets = "$copy_share/pgml_worker";
my $trainer = "$copy_lib/pgml_trainer";
is(pg_config("$copy_bin/pg_config", '--sharedir'), $copy_share,
	'the copy is relocated: its pg_config names its own share directory');

my $node = PostgreSQL::Test::Cluster->new('damaged', install_path => "$root$inst");
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
pgml_worker.naptime = 1
pgml_worker.nthread = 1
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
CREATE TABLE lin AS SELECT g::real AS a, (g % 7)::real AS b, (3 * g + 1)::real AS y
  FROM generate_series(1, 200) g;
});
my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

my $train = q{SELECT * FROM pgml.train('lin', 'regression', 'lin', 'y', 'linear')};

# the processes whose parent is $pid
sub children_of
{
	my ($pid) = @_;
	my @found;
	opendir(my $dh, '/proc') or die;
	for my $p (grep { /^\d+$/ } readdir($dh))
	{
		my $stat = eval { slurp_file("/proc/$p/stat") } // next;
		push @found, $p if $stat =~ /^\d+ \(.*\) \S+ (\d+) / && $1 == $pid;
	}
	closedir($dh);
	return @found;
}

# the open descriptors of $pid, as numbers
sub fds_of
{
	my ($pid) = @_;
	opendir(my $dh, "/proc/$pid/fd") or die "/proc/$pid/fd: $!";
	my @fds = sort { $a <=> $b } grep { /^\d+$/ } readdir($dh);
	closedir($dh);
	return @fds;
}

# psql's stderr of $sql in a new session, with SQLSTATE and location
sub fails
{
	my ($sql) = @_;
	my ($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	return $err;
}

my $models = sub { $node->safe_psql('postgres', 'SELECT count(*) FROM pgml.models') };

# --- datasets ---
is($node->safe_psql('postgres', "SELECT table_name FROM pgml.load_dataset('iris')"),
	'pgml.iris', 'the copy loads a dataset');

unlink("$datasets/wine.csv") or die;
like(fails("SELECT * FROM pgml.load_dataset('wine')"),
	qr/\bERROR:  58P01: could not find data file "\Q$datasets\E\/wine\.csv" of dataset "wine": No such file or directory$/m,
	'a missing data file: 58P01, naming the file of the copy');
is($node->safe_psql('postgres', "SELECT to_regclass('pgml.wine') IS NULL"), 't',
	'and no table is left');

rename("$datasets/linnerud.csv", "$datasets/linnerud.saved") or die;
mkdir("$datasets/linnerud.csv") or die;
like(fails("SELECT * FROM pgml.load_dataset('linnerud')"),
	qr/\bERROR:  42809: data file "\Q$datasets\E\/linnerud\.csv" of dataset "linnerud" is not a regular file$/m,
	'a directory in place of a data file: 42809');
rmdir("$datasets/linnerud.csv") or die;
rename("$datasets/linnerud.saved", "$datasets/linnerud.csv") or die;
is($node->safe_psql('postgres', "SELECT table_name FROM pgml.load_dataset('linnerud')"),
	'pgml.linnerud', 'repaired, the dataset loads');

# --- the trainer program ---
# One session for every case: it must go on after each failure.
my $bg = $node->background_psql('postgres', on_error_stop => 0);
my $backend = $bg->query_safe('SELECT pg_backend_pid()');
$bg->query_safe('\set VERBOSITY verbose');

# the stderr of $sql in the session ('' if it succeeded)
sub bg_run
{
	my ($sql) = @_;
	$bg->{stderr} = '';
	$bg->query($sql);
	my $err = $bg->{stderr};
	$bg->{stderr} = '';
	return $err;
}

# $sql fails in the session with $re; then no process of the session is
# left, nothing was stored, and the session goes on
sub trainer_fails
{
	my ($sql, $re, $what) = @_;
	my $before = $models->();
	like(bg_run($sql), $re, $what);
	is(join(',', children_of($backend)), '', "$what: no process left");
	is($models->(), $before, "$what: no model stored");
	is($bg->query_safe('SELECT 1'), '1', "$what: the session goes on");
}

is(bg_run($train), '', 'the copy trains with its trainer');
my $fds_before = join(',', fds_of($backend));

rename($trainer, "$trainer.real") or die;
my $trainer_re = qr/"\Q$trainer\E"/;

trainer_fails($train,
	qr/\bERROR:  58P01: could not execute the trainer program $trainer_re: No such file or directory$/m,
	'trainer missing');

# a file of ours, mode $mode, in place of the trainer
sub put_trainer
{
	my ($mode, $text) = @_;
	unlink($trainer);
	open(my $fh, '>', $trainer) or die;
	print $fh $text;
	close($fh);
	chmod($mode, $trainer) or die;
}

put_trainer(0644, "#!/bin/sh\nexit 0\n");
trainer_fails($train,
	qr/\bERROR:  42501: could not execute the trainer program $trainer_re: Permission denied$/m,
	'trainer not executable');

# A fake trainer: reads the request on descriptor 3, then, by $how: exits
# with status $arg ('exit'), sleeps ('sleep'), or answers the bytes $arg
# ('reply') and waits for its parent to close the socket.  Reading the
# request first makes the exits happen after the hand-off (the exec
# failure below covers a trainer gone before it).
# Its pid goes to $pidfile.
my $pidfile = "$PostgreSQL::Test::Utils::tmp_check/fake_trainer.pid";

sub fake_trainer
{
	my ($how, $arg) = @_;
	my $hex = $how eq 'reply' ? unpack('H*', $arg) : '';
	my $status = $how eq 'exit' ? $arg : 0;
	unlink($pidfile);
	put_trainer(0755, qq{#!$^X
use strict;
use warnings;
open(my \$pf, '>', '$pidfile') or exit 9;
print \$pf \$\$;
close(\$pf);
open(my \$s, '+<&=', 3) or exit 9;
sub take
{
	my (\$n) = \@_;
	my \$buf = '';
	while (length(\$buf) < \$n)
	{
		my \$got = sysread(\$s, \$buf, \$n - length(\$buf), length(\$buf));
		exit 4 unless \$got;
	}
	return \$buf;
}
my (\$type, \$protocol, \$len) = unpack('L L Q', take(16));
exit 6 unless \$type == 1 && \$protocol == 2;
take(\$len) if \$len > 0;
my \$how = '$how';
exit $status if \$how eq 'exit';
if (\$how eq 'sleep')
{
	sleep 600;
	exit 0;
}
my \$reply = pack('H*', '$hex');
syswrite(\$s, \$reply) == length(\$reply) or exit 5;
1 while sysread(\$s, my \$rest, 4096);
exit 0;
});
}

# 127: what the child of trainer_client.c exits with when exec fails
fake_trainer(exit => 127);
trainer_fails($train,
	qr/\bERROR:  53000: could not start the trainer process\nDETAIL:  Setting its limits or executing "\Q$copy_lib\E\/pgml_trainer" failed\.$/m,
	'trainer exiting with the status of a failed exec (127)');

fake_trainer(exit => 3);
trainer_fails($train,
	qr/\bERROR:  38000: the trainer process exited with status 3 without an answer$/m,
	'trainer exiting without an answer');

# the same from a real exec failure: whether the child is gone before the
# request is sent or after, the parent reports its exit status (before
# 0.2.0 it said "the trainer process is not running" when the child was
# gone first; which of the two happens is not under the test's control)
put_trainer(0755, "#!/nonexistent/pgml/interpreter\n");
my $exec_err = bg_run($train);
like($exec_err,
	qr/\bERROR:  53000: could not start the trainer process\nDETAIL:  Setting its limits or executing "\Q$copy_lib\E\/pgml_trainer" failed\.$/m,
	'trainer the kernel cannot execute');
is(join(',', children_of($backend)), '', 'trainer the kernel cannot execute: no process left');
is($bg->query_safe('SELECT 1'), '1', 'trainer the kernel cannot execute: the session goes on');

# a message: type, protocol (PGML_TRAINER_PROTOCOL, 2), payload
sub msg
{
	my ($type, $payload, $protocol) = @_;
	return pack('L L Q', $type, $protocol // 2, length($payload)) . $payload;
}
my $MODEL = 19;
my $fit = pack('d', 0.25);    # a MODEL starts with the fit's seconds
my $absent = pack('q', -1);

# a fitted model: algorithm, n_outputs, n_trees; the arrays as given
# (default absent), then the rest absent and empty
sub model
{
	my ($algorithm, $n_outputs, $n_trees, @arrays) = @_;
	my $body = pack('l l l d l l', $algorithm, 0, $n_outputs, 0.0, $n_trees, 0);
	for my $i (0 .. 9)    # tree arrays (8), coef, intercept
	{
		$body .= $arrays[$i] // $absent;
	}
	$body .= pack('l', 0) . $absent;          # n_clusters, centroids
	$body .= pack('l', 0) . $absent x 2;      # n_components, pca_mean, components
	$body .= $absent x 3;                     # booster, hyperparams, metrics
	return $body;
}

# the trainer sends $reply; the call fails with $re raised in $where
sub garbage
{
	my ($reply, $re, $where, $what) = @_;
	fake_trainer(reply => $reply);
	trainer_fails($train,
		qr/\bERROR:  08P01: malformed message from the trainer process\nDETAIL:  $re\n(?:CONTEXT:  .*\n)*LOCATION:  \w+, $where:\d+$/m,
		$what);
	my $pid = slurp_file($pidfile);
	ok(!-e "/proc/$pid", "$what: the trainer $pid was killed and reaped");
}

garbage(msg($MODEL, '', 7), qr/Protocol 7, 0 bytes\./, 'trainer_client\.c',
	'a header of another protocol');
garbage(pack('L L Q', $MODEL, 2, 1 << 33), qr/Protocol 2, 8589934592 bytes\./, 'trainer_client\.c',
	'a header announcing 8 GB');
garbage(msg(21, ''), qr/Message type 21 where 19 was expected\./, 'trainer_client\.c',
	'a reply of another type');
garbage(msg($MODEL, $fit . pack('l', 2)),
	qr/4 bytes needed at offset 12 of a 12-byte message\./, 'trainer_wire\.c',
	'a fitted model cut short');
garbage(msg($MODEL, $fit . model(2, -1, 0)), qr/Negative counts in a fitted model\./, 'trainer_wire\.c',
	'a fitted model with a negative count');
garbage(msg($MODEL, $fit . model(1, 0, 1, pack('q', 3) . 'abc')),
	qr/An array of 3 bytes where 1 elements of 4 bytes were expected\./, 'trainer_wire\.c',
	'a fitted model with an array of the wrong size');
garbage(msg($MODEL, $fit . model(2, 0, 0) . 'xyz'), qr/3 bytes left over after a fitted model\./,
	'trainer_wire\.c', 'a fitted model with bytes left over');
garbage(msg($MODEL, $fit . model(2, 1, 0)), qr/The fitted model lacks its coefficients\./,
	'trainer_wire\.c', 'a linear model without coefficients');
garbage(msg($MODEL, $fit . model(99, 0, 0)), qr/Unknown algorithm 99 in a fitted model\./,
	'trainer_wire\.c', 'a fitted model of an unknown algorithm');

# a trainer that never answers: statement_timeout stops it
fake_trainer(sleep => 0);
$bg->query_safe("SET statement_timeout = '1s'");
trainer_fails($train, qr/\bERROR:  57014: canceling statement due to statement timeout$/m,
	'a trainer that never answers, under statement_timeout');
$bg->query_safe('RESET statement_timeout');
ok(!-e '/proc/' . slurp_file($pidfile), 'the silent trainer was killed and reaped');

# the queue: the job fails with the reason, nothing stays running
fake_trainer(exit => 3);
my $job = $node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('queued', 'regression', 'lin', 'y') RETURNING id});
is($node->safe_psql('postgres', "SELECT pgml.wait_job($job, '60 s')"), 'failed',
	'a queued job with a broken trainer fails');
is($node->safe_psql('postgres', "SELECT error FROM pgml.train_queue WHERE id = $job"),
	'the trainer process exited with status 3 without an answer',
	'with the reason');
is($node->safe_psql('postgres', "SELECT count(*) FROM pgml.train_queue WHERE status = 'running'"),
	'0', 'no job is left running');

# repaired, everything trains again
unlink($trainer);
rename("$trainer.real", $trainer) or die;
is(bg_run($train), '', 'repaired, the session trains again');
is(join(',', fds_of($backend)), $fds_before, 'the failures left no descriptor open');
my $job2 = $node->safe_psql('postgres', q{
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('queued', 'regression', 'lin', 'y') RETURNING id});
is($node->safe_psql('postgres', "SELECT pgml.wait_job($job2, '60 s')"), 'succeeded',
	'and so does the queue');

# --- resources refused to the backend ---
# prlimit lowers a limit of the running backend (same user: allowed)
sub limit
{
	my ($resource, $soft) = @_;
	system('prlimit', '--pid', $backend, "--$resource=$soft:") == 0
	  or die "prlimit --$resource failed";
}

sub soft_limit
{
	my ($resource) = @_;
	my $v = `prlimit --pid $backend --$resource --raw --noheadings --output SOFT`;
	die "prlimit failed" if $? != 0;
	$v =~ s/\s+//g;
	return $v;
}

# no fork: RLIMIT_NPROC below this user's processes
my $nproc = soft_limit('nproc');
limit('nproc', 1);
trainer_fails($train,
	qr/\bERROR:  53000: could not start the trainer process: Resource temporarily unavailable$/m,
	'fork refused');
limit('nproc', $nproc);
is(bg_run($train), '', 'with its limit back, the session trains again');

# descriptors: with room for $free more, the next fit fails (the training
# data's memfd needs 1, the trainer's socket pair 2 more)
my $nofile = soft_limit('nofile');
sub room_for
{
	my ($free) = @_;
	my %open = map { $_ => 1 } fds_of($backend);
	my $fd = 0;
	for (;; $fd++)
	{
		next if $open{$fd};
		last if $free-- == 0;
	}
	limit('nofile', $fd);
}
room_for(0);
trainer_fails($train,
	qr/\bERROR:  53200: could not create shared memory for the training data: Too many open files$/m,
	'no descriptor for the training data');
limit('nofile', $nofile);
is(join(',', fds_of($backend)), $fds_before, 'no descriptor left open');
room_for(1);
trainer_fails($train,
	qr/\bERROR:  53000: could not create a socket for the trainer process: Too many open files$/m,
	'no descriptors for the trainer\'s socket');
limit('nofile', $nofile);
is(join(',', fds_of($backend)), $fds_before, 'no descriptor left open');
is(bg_run($train), '', 'with its limit back, the session trains again');

# address space: room for the rows read (x: n * 128 float4; labels and the
# split's row arrays: about 6 * 8 bytes a row) and about half the training
# data's mapping (0.75 n rows of x, label and row number), not all of it
# (measured: the mapping fails from 0.15 to 0.95 of it)
my ($n, $nf) = (60000, 128);
$bg->query_safe(qq{
CREATE TABLE wide AS
  SELECT ARRAY(SELECT ((g * 7 + k * 13) % 101)::real FROM generate_series(1, $nf) k) AS x,
         (g % 11)::real AS y
  FROM generate_series(1, $n) g;
ANALYZE wide});
my $train_wide = q{SELECT * FROM pgml.train('wide', 'regression', 'wide', 'y', 'linear')};
is(bg_run($train_wide), '', 'the wide table trains');
my $fds_wide = join(',', fds_of($backend));
my ($vm) = slurp_file("/proc/$backend/status") =~ /^VmSize:\s+(\d+) kB$/m;
my $rows_bytes = $n * ($nf * 4 + 6 * 8);
my $map_bytes = int(0.75 * $n) * ($nf * 4 + 16);
my $as = soft_limit('as');
# the backend's own allocations vary a little from run to run: the first of
# these fractions that makes the mapping fail is the case (too high, the
# fit succeeds; too low, an earlier allocation fails instead)
my $map_re = qr/\bERROR:  53200: could not map shared memory for the training data: Cannot allocate memory$/m;
my @outcomes;
my $fraction;
for my $f (0.55, 0.35, 0.75, 0.2, 0.9)
{
	limit('as', $vm * 1024 + $rows_bytes + int($map_bytes * $f));
	my $before = $models->();
	my $err = bg_run($train_wide);
	limit('as', $as);
	if ($err =~ $map_re)
	{
		is($models->(), $before, 'no address space to map the training data: no model stored');
		$fraction = $f;
		last;
	}
	push @outcomes, "$f: " . ($err eq '' ? 'trained' : (split /\n/, $err)[0]);
}
ok(defined $fraction, 'no address space to map the training data: 53200 naming the mapping')
  or diag(join("\n", @outcomes));
is(join(',', children_of($backend)), '', 'no address space: no process left');
is($bg->query_safe('SELECT 1'), '1', 'no address space: the session goes on');
is(join(',', fds_of($backend)), $fds_wide, 'no descriptor left open');
is(bg_run($train_wide), '', 'with its limit back, the session trains again');

$bg->quit;

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the server never restarted');
$node->stop;
rmtree($root);
unlink($pidfile);
done_testing();
