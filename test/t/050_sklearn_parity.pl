# Quality parity with scikit-learn: pgml.train(algorithm => 'linear') on the
# toy datasets, against scikit-learn fitted on exactly the same training rows
# (test/oracle/parity.py, run with /usr/bin/python3).  docs/quality.md has
# the table this test produces and how to read it.
#
# Split: test_size => 0.25, test_sampling => 'last': the test set is the last
# round(0.25 * n) rows in scan order (as PostgresML rounds), the training set the rows before.  The
# rows reach the oracle through COPY, as float8 of the stored float4 values,
# so both sides train on bit-identical data; the oracle also checks that the
# loaded tables hold scikit-learn's load_*() rows in scikit-learn's order.
#
# Tolerances:
#   - every metric pgml.models.metrics has, within 1% relative of the same
#     metric of scikit-learn's model, computed by scikit-learn on the same
#     test rows ($METRIC_REL_TOL); both null where scikit-learn says the
#     metric is undefined (roc_auc on a one-class test set);
#   - predicted labels equal on at least 99% of the test rows
#     ($LABEL_AGREEMENT), confusion matrices within what those disagreements
#     allow; regression predictions within 1e-4 relative ($PRED_REL_TOL);
#   - pgml's training objective (read from its artifact's coefficients) not
#     above scikit-learn's by more than 1e-9 relative ($OBJECTIVE_REL_TOL);
#   - the stored metrics equal (1e-9) the metrics scikit-learn computes from
#     pgml's own served predictions of the test rows ($SELF_REL_TOL).
#
# The logistic reference is LogisticRegression(solver="newton-cg") solved to
# convergence (tol 1e-6) -- the default settings' objective (C=1, L2,
# multinomial).  The default lbfgs solver stops when an iteration gains less
# than 64 ulp (scipy's ftol), which on unscaled features (wine, breast
# cancer, digits) is short of the optimum even with a huge max_iter; it is
# compared too, under TODO when its objective shows it stopped early.
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlTest;
use PgmlOracle;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our $TODO;

my $METRIC_REL_TOL = 0.01;
my $LABEL_AGREEMENT = 0.99;
my $PRED_REL_TOL = 1e-4;
my $OBJECTIVE_REL_TOL = 1e-9;
my $SELF_REL_TOL = 1e-9;
# sklearn's default fit "stopped early" when its objective is above pgml's by this
my $EARLY_STOP_REL = 1e-6;

my $python = require_oracle([ 'sklearn', 'numpy', 'scipy' ]);
my $oracle = dirname(__FILE__) . '/../oracle/parity.py';

# name => [table, y column, task, sklearn source (undef: derived table)]
my @cases = (
	[ 'diabetes', 'pgml.diabetes', 'target', 'regression', 'diabetes' ],
	[ 'breast_cancer', 'pgml.breast_cancer', 'malignant', 'classification', 'breast_cancer' ],
	[ 'iris', 'pgml.iris', 'target', 'classification', 'iris' ],
	[ 'wine', 'pgml.wine', 'target', 'classification', 'wine' ],
	[ 'digits', 'pgml.digits', 'target', 'classification', 'digits' ],
	# iris and wine are sorted by class, so their last rows are one class:
	# also a fixed permutation of each, whose test set has every class;
	# wine_mixed's labels are -1, 9, 19 (labels that are not class indexes)
	[ 'iris_mixed', 'public.iris_mixed', 'target', 'classification', undef ],
	[ 'wine_mixed', 'public.wine_mixed', 'target', 'classification', undef ],
);

my $node = pgml_node('parity');

$node->safe_psql('postgres', 'CREATE EXTENSION pgml_worker');
pgml_parity_datasets($node);

my $dir = PostgreSQL::Test::Utils::tempdir;
my %model_of;
for my $c (@cases)
{
	my ($name, $table, $y, $task, $source) = @$c;

	is( $node->safe_psql(
			'postgres', qq{
SELECT task, algorithm, deployed FROM pgml.train('parity_$name', '$task', '$table', '$y',
  'linear', test_size => 0.25, test_sampling => 'last')}),
		"$task|linear|t",
		"$name: pgml.train trains and deploys a linear model");
	my $id = $node->safe_psql('postgres', qq{
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = 'parity_$name' ORDER BY m.id DESC LIMIT 1});
	$model_of{$name} = $id;

	my ($features, $yexpr) = pgml_features_expr($node, $table, $y);
	my $proba = $task eq 'classification'
	  ? "pgml.predict_proba(${id}::bigint, f)::float8[]" : 'NULL::float8[]';
	my $rows = $node->safe_psql('postgres', qq{
COPY (SELECT f::float8[], $yexpr, pgml.predict(${id}::bigint, f)::float8, $proba
        FROM (SELECT ctid, $features AS f, $y AS y FROM $table) s
       ORDER BY ctid) TO STDOUT});
	PostgreSQL::Test::Utils::append_to_file("$dir/$name.tsv", "$rows\n");
	PostgreSQL::Test::Utils::append_to_file("$dir/$name.artifact",
		$node->safe_psql('postgres',
			"SELECT encode(artifact, 'hex') FROM pgml.models WHERE id = $id"));
	my $metrics = $node->safe_psql('postgres',
		"SELECT metrics FROM pgml.models WHERE id = $id");
	my $src = defined $source ? "\"$source\"" : 'null';
	PostgreSQL::Test::Utils::append_to_file("$dir/$name.json",
		qq({"source": $src, "task": "$task", "test_size": 0.25, "metrics": $metrics}\n));
}

my ($out, $err);
my $ran = IPC::Run::run([ $python, $oracle, $dir, map { $_->[0] } @cases ],
	'>', \$out, '2>', \$err);
ok($ran, 'the scikit-learn oracle ran') or diag($err);
BAIL_OUT("no oracle output") unless $ran;
PostgreSQL::Test::Utils::append_to_file(
	"$PostgreSQL::Test::Utils::log_path/parity.json", $out);
my $oracle_out = JSON::PP->new->decode($out);
note("scikit-learn $oracle_out->{sklearn_version}, numpy $oracle_out->{numpy_version}; "
	  . "max_iter $oracle_out->{max_iter}, reference tol $oracle_out->{reference_tol}");

# |a - b| / |b|; 0 when both are 0
sub rel_diff
{
	my ($a, $b) = @_;
	return 0 if $a == $b;
	return $b == 0 ? 9**9**9 : abs($a - $b) / abs($b);
}

# L1 distance between two confusion matrices
sub l1
{
	my ($a, $b) = @_;
	my $d = 0;
	for my $i (0 .. $#$a)
	{
		$d += abs($a->[$i][$_] - $b->[$i][$_]) for 0 .. $#{ $a->[$i] };
	}
	return $d;
}

# One metric of pgml against a reference value within a relative tolerance:
# returns an error text, or undef when it agrees.
sub metric_mismatch
{
	my ($key, $got, $want, $tol, $allowed_l1) = @_;
	if ($key eq 'confusion_matrix')
	{
		my $d = l1($got, $want);
		return $d <= $allowed_l1 ? undef
		  : "confusion matrices differ by $d (L1), more than $allowed_l1: "
		  . encode_json($got) . ' vs ' . encode_json($want);
	}
	return undef if !defined $got && !defined $want;
	return "pgml " . ($got // 'null') . ", reference " . ($want // 'null')
	  if !defined $got || !defined $want;
	my $r = rel_diff($got, $want);
	return $r <= $tol ? undef : sprintf("pgml %.17g, reference %.17g, relative difference %.3g",
		$got, $want, $r);
}

my @table;
for my $c (@cases)
{
	my ($name, undef, undef, $task, $source) = @$c;
	my $r = $oracle_out->{cases}{$name};
	my $pgml = $r->{pgml};
	my $n_test = $r->{n_test};

	if (defined $source)
	{
		ok($r->{order_matches_sklearn},
			"$name: the table holds load_$source()'s rows in scikit-learn's order");
	}

	# metrics of the stored model: those of its served predictions of the test rows
	my @self_bad;
	for my $key (sort keys %{ $r->{pgml_recomputed} })
	{
		next unless exists $pgml->{$key};
		my $m = metric_mismatch($key, $pgml->{$key}, $r->{pgml_recomputed}{$key},
			$SELF_REL_TOL, 0);
		push @self_bad, "$key: $m" if defined $m;
	}
	ok(!@self_bad, "$name: stored metrics are those of the last $n_test rows' predictions")
	  or diag(join("\n", @self_bad));

	my @missing = grep { !exists $pgml->{$_} } sort keys %{ $r->{sklearn} };
	note("$name: not in pgml.models.metrics (yet), not compared: @missing") if @missing;

	my @refs = ('sklearn');
	push @refs, 'sklearn_default' if $task eq 'classification';
	for my $ref (@refs)
	{
		my $fit = $r->{"${ref}_fit"};
		my $estimator = $task eq 'regression' ? $r->{estimator} : $r->{estimators}{$ref};
		my $obj_pgml = $r->{objective}{pgml};
		my $obj_ref = $r->{objective}{$ref};
		my $early = $obj_ref > $obj_pgml * (1 + $EARLY_STOP_REL);
		# a comparison with the default lbfgs that fails is a TODO when that
		# fit stopped short of the optimum (its objective is higher than
		# pgml's): the difference is scikit-learn's, reported, not hidden
		my $todo = ($ref eq 'sklearn_default' && $early)
		  ? sprintf("scikit-learn's default lbfgs stopped %.3g%% above the optimum "
			  . "(objective %.10g vs pgml's %.10g)",
			100 * ($obj_ref / $obj_pgml - 1), $obj_ref, $obj_pgml)
		  : undef;

		if ($ref eq 'sklearn')
		{
			ok($obj_pgml <= $obj_ref * (1 + $OBJECTIVE_REL_TOL),
				sprintf("$name: pgml's training objective %.15g is not above %s's %.15g",
					$obj_pgml, $estimator, $obj_ref));
			ok($fit->{converged}, "$name: $estimator converged ($fit->{n_iter} iterations)")
			  if $fit;
		}

		my $allowed = int((1 - $LABEL_AGREEMENT) * $n_test + 1e-9);
		for my $key (sort keys %{ $r->{$ref} })
		{
			next unless exists $pgml->{$key};
			my $m = metric_mismatch($key, $pgml->{$key}, $r->{$ref}{$key},
				$METRIC_REL_TOL, 2 * $allowed);
			local $TODO = defined $m ? $todo : undef;
			ok(!defined $m,
				$key eq 'confusion_matrix'
				? "$name: confusion matrix within what 1% of labels can change of ${estimator}'s"
				: "$name: $key within 1% of $estimator")
			  or diag($m);
			push @table, [ $name, $key, $pgml->{$key}, $r->{$ref}{$key}, $ref ]
			  unless $key eq 'confusion_matrix';
		}
		if ($task eq 'classification')
		{
			local $TODO = $fit->{prediction_agreement} < $LABEL_AGREEMENT ? $todo : undef;
			cmp_ok($fit->{prediction_agreement}, '>=', $LABEL_AGREEMENT,
				"$name: predicted labels agree with $estimator on >= 99% of the test rows "
				  . "($fit->{prediction_disagreements} of $n_test differ)");
		}
		else
		{
			cmp_ok($r->{prediction_max_rel_diff}, '<=', $PRED_REL_TOL,
				"$name: predictions within 1e-4 relative of ${estimator}'s");
		}
	}
}

# The parity table (docs/quality.md), in the log.
my @lines = ('| case | metric | pgml | sklearn (converged) | rel. diff | sklearn default lbfgs | rel. diff |',
	'|---|---|---:|---:|---:|---:|---:|');
my %default;
$default{"$_->[0]/$_->[1]"} = $_->[3] for grep { $_->[4] eq 'sklearn_default' } @table;
for my $t (grep { $_->[4] eq 'sklearn' } @table)
{
	my ($name, $key, $p, $s) = @$t;
	my $d = $default{"$name/$key"};
	my $fmt = sub { defined $_[0] ? sprintf('%.6g', $_[0]) : 'null' };
	my $rd = sub {
		defined $_[0] && defined $_[1] ? sprintf('%.2g', rel_diff($_[0], $_[1])) : '-';
	};
	push @lines, join(' | ', '', $name, $key, $fmt->($p), $fmt->($s), $rd->($p, $s),
		exists $default{"$name/$key"} ? ($fmt->($d), $rd->($p, $d)) : ('', ''), '');
}
s/^ // for @lines;
s/ $// for @lines;
note($_) for @lines;
PostgreSQL::Test::Utils::append_to_file(
	"$PostgreSQL::Test::Utils::log_path/parity_table.md", join("\n", @lines) . "\n");

$node->stop;
done_testing();
