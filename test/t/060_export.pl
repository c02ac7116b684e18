# pgml.export_model: the booster bytes it returns are a model stock XGBoost
# (/usr/bin/python3's xgboost, 1.7) loads and predicts with exactly as
# pgml.predict / pgml.predict_proba serve it: every row of each table, bit
# for bit (max |difference| == 0, no differing element), in both export
# formats (ubj as stored, json converted by XGBoost).
#
# Models: xgboost and xgboost_random_forest on digits (10 classes),
# breast_cancer with NULLs (binary; trained and predicted with missing
# values) and diabetes (regression; the forest on a copy with NULLs).
#
# Each model is also trained by Python's own scikit-learn wrapper
# (XGBClassifier, XGBRegressor, XGBRFClassifier, XGBRFRegressor) on the
# same training rows (test_size => 50, test_sampling => 'last': every row
# but the last 50, in scan order), with the same hyperparameters, seed and
# tree_method: its predict_proba / predict must equal pgml's bit for bit too,
# which shows that pgml.train trains what XGBoost's wrappers train, random
# forest defaults included.
#
# Rows reach Python through COPY, as float8 of the stored float4 values, so
# both sides see bit-identical features.
use strict;
use warnings;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use PgmlOracle;

my $python = require_oracle([ 'numpy', 'xgboost' ],
	"v = tuple(int(x) for x in xgboost.__version__.split('.')[:2])\n"
	  . "assert v >= (1, 6), 'xgboost ' + xgboost.__version__ + ': loading UBJSON needs 1.6 or later'\n");

# The oracle.  argv[1]: a JSON object with the file names and the case.
# Data file: one row per line, COPY text format: features (float8[], NULL
# for missing), label (text), pgml's output (float8[]: predict_proba, or
# ARRAY[predict]).  Prints a JSON object of comparison results.
my $oracle = <<'PY';
import json, sys
import numpy as np
import xgboost as xgb

arg = json.loads(sys.argv[1])
X, labels, P = [], [], []
with open(arg["data"]) as f:
    for line in f:
        feats, label, out = line.rstrip("\n").split("\t")
        X.append([np.nan if v == "NULL" else float(v) for v in feats.replace("{", "").replace("}", "").split(",")])
        labels.append(label)
        P.append([float(v) for v in out.strip("{}").split(",")])
X = np.array(X, dtype=np.float32)
P = np.array(P, dtype=np.float32)
classification = arg["task"] == "classification"
if classification:
    classes = sorted(set(labels), key=lambda s: (float(s) if s not in ("t", "f") else s == "t"))
    y = np.array([classes.index(s) for s in labels], dtype=np.float32)
else:
    y = np.array([float(s) for s in labels], dtype=np.float32)
    P = P[:, 0]

def compare(got):
    got = np.asarray(got, dtype=np.float32)
    if got.shape != P.shape:
        return {"shape": [list(got.shape), list(P.shape)]}
    return {"rows": int(got.shape[0]),
            "max_diff": float(np.max(np.abs(got.astype(np.float64) - P.astype(np.float64)))),
            "n_diff": int(np.count_nonzero(got != P)),
            "nan": int(np.count_nonzero(np.isnan(got)))}

def proba(raw):
    # what XGBClassifier.predict_proba makes of the booster's output
    if classification and raw.ndim == 1:
        return np.vstack((1 - raw, raw)).transpose()
    return raw

result = {"rows_with_nan": int(np.count_nonzero(np.isnan(X).any(axis=1)))}
dm = xgb.DMatrix(X, missing=np.nan)
for fmt in ("ubj", "json"):
    with open(arg[fmt]) as f:
        raw = bytearray(bytes.fromhex(f.read().strip()))
    bst = xgb.Booster(model_file=raw)
    result[fmt] = compare(proba(bst.predict(dm)))

params = dict(arg["hyperparams"])
params["random_state"] = params.pop("seed")
est = getattr(xgb, arg["estimator"])(tree_method="hist", n_jobs=2, **params)
n_train = len(y) - arg["n_test"]
est.fit(X[:n_train], y[:n_train])
result["train"] = compare(est.predict_proba(X) if classification else est.predict(X))
result["train"]["n_train"] = n_train
print(json.dumps(result))
PY

my $node = PostgreSQL::Test::Cluster->new('export');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pgml_worker'
pgml_worker.nthread = 2
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
SELECT * FROM pgml.load_dataset('breast_cancer');
SELECT * FROM pgml.load_dataset('diabetes');
CREATE TABLE bc_nulls AS SELECT * FROM pgml.breast_cancer;
UPDATE bc_nulls SET "worst radius" = NULL, "mean concave points" = NULL
 WHERE "mean area"::int % 3 = 0;
UPDATE bc_nulls SET "worst perimeter" = NULL, "worst concave points" = NULL, "worst area" = NULL
 WHERE "mean area"::int % 5 = 1;
CREATE TABLE diabetes_nulls AS SELECT * FROM pgml.diabetes;
UPDATE diabetes_nulls SET bmi = NULL, s5 = NULL WHERE target::int % 4 = 0;
UPDATE diabetes_nulls SET bp = NULL, s1 = NULL, s3 = NULL WHERE target::int % 7 = 0;
});

# The features of a table as a real[] expression: every column but the
# label, in column order (digits' one column is an 8x8 array, flattened).
sub features_of
{
	my ($table, $label) = @_;
	my $cols = $node->safe_psql('postgres', qq{
SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
  FROM pg_attribute
 WHERE attrelid = '$table'::regclass AND attnum > 0 AND NOT attisdropped
   AND attname <> '$label'});
	return $table eq 'pgml.digits'
	  ? "ARRAY(SELECT unnest($cols))::real[]"
	  : "ARRAY[$cols]::real[]";
}

# name, task, table, label, algorithm, hyperparams, Python estimator
my @cases = (
	[ 'digits_xgb', 'classification', 'pgml.digits', 'target', 'xgboost',
		'{"n_estimators": 30, "max_depth": 4, "seed": 7}', 'XGBClassifier' ],
	[ 'bc_xgb', 'classification', 'bc_nulls', 'malignant', 'xgboost',
		'{"n_estimators": 40, "learning_rate": 0.2, "seed": 7}', 'XGBClassifier' ],
	[ 'diabetes_xgb', 'regression', 'pgml.diabetes', 'target', 'xgboost',
		'{"n_estimators": 50, "seed": 7}', 'XGBRegressor' ],
	[ 'digits_rf', 'classification', 'pgml.digits', 'target', 'xgboost_random_forest',
		'{"n_estimators": 20, "max_depth": 5, "seed": 7}', 'XGBRFClassifier' ],
	[ 'bc_rf', 'classification', 'bc_nulls', 'malignant', 'xgboost_random_forest',
		'{"seed": 7}', 'XGBRFClassifier' ],
	[ 'diabetes_rf', 'regression', 'diabetes_nulls', 'target', 'xgboost_random_forest',
		'{"seed": 7}', 'XGBRFRegressor' ],
);

my $n_test = 50;
my $dir = PostgreSQL::Test::Utils::tempdir;

foreach my $case (@cases)
{
	my ($name, $task, $table, $label, $algorithm, $hyperparams, $estimator) = @$case;

	my $deployed = $node->safe_psql('postgres', qq{
SELECT deployed FROM pgml.train('$name', '$task', '$table', '$label', '$algorithm',
                                '$hyperparams', test_size => $n_test,
                                test_sampling => 'last')});
	is($deployed, 't', "$name: trained and deployed");
	my $model = $node->safe_psql('postgres', qq{
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = '$name'});

	# the project's deployed model is that model
	is($node->safe_psql('postgres', qq{
SELECT pgml.export_model('$name') = pgml.export_model(${model}::bigint)}),
		't', "$name: export by project = export by id");

	my $f = features_of($table, $label);
	my $out = $task eq 'classification'
	  ? "pgml.predict_proba(${model}::bigint, $f)::float8[]"
	  : "ARRAY[pgml.predict(${model}::bigint, $f)]::float8[]";
	my %files = map { $_ => "$dir/$name.$_" } qw(data ubj json);
	$node->safe_psql('postgres', qq{
COPY (SELECT encode(pgml.export_model('$name'), 'hex')) TO '$files{ubj}';
COPY (SELECT encode(pgml.export_model(${model}::bigint, 'json'), 'hex')) TO '$files{json}';
COPY (SELECT ${f}::float8[], $label, $out FROM $table) TO '$files{data}';
});
	my $rows = $node->safe_psql('postgres', "SELECT count(*) FROM $table");

	my $arg = encode_json({
		%files,
		task => $task,
		estimator => $estimator,
		hyperparams => decode_json($hyperparams),
		n_test => $n_test });
	my ($stdout, $stderr) = ('', '');
	my $ran = IPC::Run::run([ $python, '-c', $oracle, $arg ],
		'>', \$stdout, '2>', \$stderr);
	ok($ran, "$name: oracle ran") or diag($stderr);
	next unless $ran;
	my $r = decode_json($stdout);
	note("$name: $stdout");

	foreach my $what (qw(ubj json train))
	{
		my $c = $r->{$what};
		my $label_of = $what eq 'train'
		  ? "Python $estimator trained on the same $c->{n_train} rows"
		  : "stock XGBoost on the $what export";
		is($c->{rows}, $rows, "$name: $label_of: every row predicted")
		  or diag(encode_json($c));
		is($c->{nan}, 0, "$name: $label_of: no NaN");
		is($c->{max_diff}, 0, "$name: $label_of: max |difference| is 0");
		is($c->{n_diff}, 0, "$name: $label_of: no element differs");
	}
	if ($table eq 'bc_nulls' || $table eq 'diabetes_nulls')
	{
		cmp_ok($r->{rows_with_nan}, '>', 100, "$name: rows with missing values were compared");
	}
}

$node->stop;
done_testing();
