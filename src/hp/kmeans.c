/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  The hyperparameters of kmeans (include/pgml_hyperparams.h):
 *	  scikit-learn's KMeans keys and defaults, and refine, pgml_worker's own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "pgml_hyperparams.h"
#include "pgml_model.h"

/*
 * scikit-learn's KMeans keys that change nothing here with the values
 * accepted: Elkan's algorithm makes Lloyd's iterations with fewer distance
 * computations; "auto" and "full" are scikit-learn 1.2's names of "lloyd".
 */
static const PgmlHpCompat compat[] = {
	{"algorithm", "\"lloyd\"|\"elkan\"|\"auto\"|\"full\"",
	"k-means runs Lloyd's iterations here (Elkan's algorithm makes the same ones)."},
	{"copy_x", NULL, NULL},
	{"verbose", NULL, NULL},
	{NULL, NULL, NULL}
};

#define KP(f) offsetof(PgmlKmeansParams, f)

static const PgmlHpSpec specs[] = {
	{"n_clusters", NULL, PGML_HP_INT, 1, PGML_MAX_CLASSES, false, false, 0, NULL, "8",
	"an integer from 1 to 1024", NULL, KP(n_clusters)},
	{"n_init", NULL, PGML_HP_INT_OR_CHOICE, 1, 100000, false, false, 0, "auto|warn", "10",
	"a positive integer (at most 100000) or \"auto\"", NULL, KP(n_init)},
	{"max_iter", NULL, PGML_HP_INT, 1, INT_MAX, false, false, 0, NULL, "300",
	"a positive integer", NULL, KP(max_iter)},
	{"tol", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "0.0001",
	"a non-negative number", NULL, KP(tol)},
	{"init", NULL, PGML_HP_CHOICE, 0, 0, false, false, 0, "k-means++|random", "\"k-means++\"",
	"\"k-means++\" or \"random\"", NULL, KP(init)},
	{"refine", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true",
	"a boolean (true or false)", NULL, KP(refine)},
	{"random_state", "seed", PGML_HP_INT, 0, 4294967295.0, false, false, 0, NULL, "the job's seed",
	"an integer from 0 to 4294967295", NULL, KP(random_state)},
};

const PgmlHpTable pgml_hp_kmeans = {
	"k-means", specs, lengthof(specs), compat, "scikit-learn's", false, NULL
};
