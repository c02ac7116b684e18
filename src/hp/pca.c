/*-------------------------------------------------------------------------
 *
 * pca.c
 *	  The hyperparameters of pca (include/pgml_hyperparams.h):
 *	  scikit-learn's PCA keys and defaults.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "pgml_hyperparams.h"

/*
 * scikit-learn's PCA keys that change nothing here: the decomposition is
 * always the exact one ("full"); scikit-learn's arpack and randomized
 * solvers approximate it, and the other keys tune them.
 */
static const PgmlHpCompat compat[] = {
	{"svd_solver", "\"auto\"|\"full\"|\"arpack\"|\"randomized\"",
	"PCA computes the exact decomposition here, as svd_solver \"full\" does."},
	{"tol", NULL, NULL},
	{"iterated_power", NULL, NULL},
	{"n_oversamples", NULL, NULL},
	{"power_iteration_normalizer", NULL, NULL},
	{"copy", NULL, NULL},
	{NULL, NULL, NULL}
};

/*
 * random_state is for scikit-learn's randomized solvers; the full
 * decomposition used here draws nothing: checked, not used.
 */
static const PgmlHpSpec specs[] = {
	{"n_components", NULL, PGML_HP_COUNT_OR_SHARE, 1, INT_MAX, false, false, 0, NULL, "null",
		"a positive integer, or a number between 0 and 1 (the share of variance to keep)",
	NULL, offsetof(PgmlPcaParams, n_components)},
	{"whiten", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "false",
	"a boolean (true or false)", NULL, offsetof(PgmlPcaParams, whiten)},
	{"random_state", NULL, PGML_HP_UNUSED, 0, 4294967295.0, false, false, 0, NULL, "null",
	"a non-negative integer", NULL, -1},
};

const PgmlHpTable pgml_hp_pca = {
	"PCA", specs, lengthof(specs), compat, "scikit-learn's", false, NULL
};
