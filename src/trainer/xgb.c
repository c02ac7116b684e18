/*
 * xgb.c
 *	  XGBoost training: hyperparameters from Jsonb, a boosting loop that can be
 *	  cancelled between rounds, and the trained ensemble turned into the tree
 *	  arrays of a PgmlModel (plus XGBoost's own UBJSON bytes for export).
 *	  Algorithm xgboost_random_forest is the same loop run for one round of
 *	  n_estimators parallel trees, with the defaults of XGBoost's Python
 *	  XGBRFRegressor / XGBRFClassifier.
 *
 *	  Every XGBoost handle is freed on every path, errors included: the
 *	  handles live in a small struct released in PG_FINALLY.  XGBoost reports
 *	  failure by returning -1; we copy XGBGetLastError() at once and raise a
 *	  PostgreSQL error from the main thread, never from inside XGBoost.
 *
 *	  The trees are read from the model's JSON form with PostgreSQL's own JSON
 *	  parser (common/jsonapi.h) and a small state machine: no tree text dump,
 *	  no second copy of the document.  See docs/xgboost.md.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "common/jsonapi.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pgml_train.h"

/* ----------------------------------------------------------------------
 * Hyperparameters: the table of src/hp/xgboost.c, into PgmlXgbParams
 * ---------------------------------------------------------------------- */

/* The validated hyperparameters of one training run. */
typedef struct XgbConfig
{
	PgmlXgbParams p;			/* numbers NaN, choices NULL: not given */
	const char *algorithm;
	int			rounds;
	int			parallel_trees; /* num_parallel_tree, 0: leave it to the user */
	bool		random_forest;	/* algorithm xgboost_random_forest */
	bool		dart;			/* booster dart: leaves weighted per tree */
	PgmlOutput	output;
	int32		n_outputs;
} XgbConfig;

/* XGBoost's last error without time stamp, source location and stack trace. */
char *
pgml_xgb_last_error(void)
{
	const char *err = XGBGetLastError();
	char	   *copy;
	char	   *trace;
	const char *space;

	if (err == NULL)
		err = "unknown error";
	/* drop the "[hh:mm:ss] " time stamp ... */
	if (err[0] == '[' && (space = strstr(err, "] ")) != NULL)
		err = space + 2;
	/* ... and the "src/file.cc:123: " source location */
	space = strchr(err, ' ');
	if (space != NULL && space - err > 2 && space[-1] == ':' &&
		isdigit((unsigned char) space[-2]))
	{
		const char *p = space - 2;

		while (p > err && isdigit((unsigned char) *p))
			p--;
		if (*p == ':')
			err = space + 1;
	}
	copy = pstrdup(err);
	trace = strstr(copy, "\nStack trace:");
	if (trace)
		*trace = '\0';
	return copy;
}

/* Raise the error of a failed XGBoost call (main thread only). */
static void
xgb_fail(const char *call)
{
	char	   *detail = pgml_xgb_last_error();

	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("xgboost call %s failed", call),
			 errdetail("XGBoost said: %s", detail)));
}

/* Run an XGBoost C API call; on failure raise its error, naming fn. */
#define XGB_CHECK(fn, args) \
	do { \
		if (fn args != 0) \
			xgb_fail(#fn); \
	} while (0)

/*
 * What the table cannot say: the GPU tree methods and the linear booster
 * refused with what to use instead; one_drop given as a JSON boolean, as
 * the Rust crate writes it.
 */
static bool
xgb_hook(const char *algorithm, const char *key, const JsonbValue *v, void *opts)
{
	PgmlXgbParams *p = opts;
	char	   *s;

	if (strcmp(key, "one_drop") == 0 && v->type == jbvBool)
	{
		p->one_drop = v->val.boolean ? 1 : 0;
		return true;
	}
	if (v->type != jbvString)
		return false;
	s = pnstrdup(v->val.string.val, v->val.string.len);
	if (strcmp(key, "tree_method") == 0 && strncmp(s, "gpu_", 4) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("xgboost tree_method \"%s\" is not supported", s),
				 errdetail("Training runs on the CPU; there is no GPU."),
				 errhint("Use tree_method \"%s\", the same algorithm on the CPU.", s + 4)));
	/* "linear": the Rust crate's name of gblinear */
	if (strcmp(key, "booster") == 0 &&
		(strcmp(s, "gblinear") == 0 || strcmp(s, "linear") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("xgboost booster \"%s\" is not supported", s),
				 errdetail("XGBoost sums a gblinear model in float4; served from shared memory, linear models are computed in double, which would not give XGBoost's predictions bit for bit."),
				 errhint("For a linear model use algorithm 'linear', 'ridge' (reg_lambda is its alpha), 'lasso' (reg_alpha) or 'elastic_net'; for boosting, booster 'gbtree' or 'dart'.")));
	return false;
}

/*
 * The value of a key of the table as XGBoost's SetParam takes it, or NULL
 * when not given; *is_string: quote it in the JSON.
 */
static char *
xgb_param_text(const XgbConfig *cfg, const PgmlHpSpec *spec, bool *is_string)
{
	const char *field = (const char *) &cfg->p + spec->offset;
	double		d;
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	*is_string = spec->type == PGML_HP_CHOICE;
	if (*is_string)
	{
		const char *s = *(const char *const *) field;

		return s ? pstrdup(s) : NULL;
	}
	d = *(const double *) field;
	if (isnan(d))
		return NULL;
	if (spec->type == PGML_HP_INT)
		return psprintf("%.0f", d);
	double_to_shortest_decimal_buf(d, num);
	return pstrdup(num);
}

/* Does spec name a parameter of XGBoost (not the rounds, not refused)? */
static bool
xgb_is_param(const XgbConfig *cfg, const PgmlHpSpec *spec)
{
	return spec->offset >= 0 && spec->offset != offsetof(PgmlXgbParams, n_estimators) &&
		pgml_hp_spec_applies(spec, cfg->algorithm);
}

/*
 * Validate in->hyperparams and fill in the defaults; random_forest: the
 * member xgboost_random_forest (a forest per round).
 */
static void
xgb_parse_config(const PgmlTrainInput *in, bool random_forest, XgbConfig *cfg)
{
	const PgmlHpTable *t = &pgml_hp_xgboost;
	PgmlXgbParams *p = &cfg->p;
	const char *obj;
	bool		after_dart = false;

	memset(cfg, 0, sizeof(*cfg));
	cfg->algorithm = in->algorithm;
	cfg->random_forest = random_forest;
	for (int i = 0; i < t->n_specs; i++)
		if (t->specs[i].offset >= 0 && t->specs[i].type != PGML_HP_CHOICE)
			*(double *) ((char *) p + t->specs[i].offset) = NAN;
	pgml_hp_parse(in->algorithm, in->task, in->hyperparams, t, p, xgb_hook);

	/* dart's own parameters (from rate_drop on) mean nothing to gbtree */
	cfg->dart = p->booster != NULL && strcmp(p->booster, "dart") == 0;
	for (int i = 0; i < t->n_specs && !cfg->dart; i++)
	{
		bool		is_string;

		after_dart |= strcmp(t->specs[i].name, "rate_drop") == 0;
		if (after_dart && t->specs[i].offset >= 0 &&
			xgb_param_text(cfg, &t->specs[i], &is_string) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hyperparameter \"%s\" of algorithm \"%s\" needs booster \"dart\"",
							t->specs[i].name, in->algorithm),
					 errhint("Add \"booster\": \"dart\" to the hyperparameters, or leave \"%s\" out.",
							 t->specs[i].name)));
	}

	/* Defaults that are ours rather than XGBoost's, then the derived bits. */
	if (isnan(p->n_estimators))
		p->n_estimators = 100;
	cfg->rounds = (int) p->n_estimators;

	/*
	 * A random forest is XGBRFRegressor / XGBRFClassifier of xgboost 1.7: one
	 * round of n_estimators parallel trees, with their defaults for the
	 * learning rate, row and column subsampling and L2 penalty.
	 */
	if (cfg->random_forest)
	{
		if (isnan(p->learning_rate))
			p->learning_rate = 1;
		if (isnan(p->subsample))
			p->subsample = 0.8;
		if (isnan(p->colsample_bynode))
			p->colsample_bynode = 0.8;
		if (isnan(p->reg_lambda))
			p->reg_lambda = 0.00001;
		cfg->parallel_trees = cfg->rounds;
		cfg->rounds = 1;
	}
	if (p->tree_method == NULL)
		p->tree_method = "hist";

	/*
	 * The table took the task's objectives; of classification's, the number
	 * of classes decides
	 */
	if (in->task == PGML_TASK_REGRESSION)
		obj = "reg:squarederror";
	else
		obj = in->n_classes == 2 ? "binary:logistic" : "multi:softprob";
	if (p->objective != NULL && in->task != PGML_TASK_REGRESSION &&
		strcmp(p->objective, obj) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("xgboost objective \"%s\" does not fit the %s task", p->objective,
						in->n_classes == 2 ? "binary classification" :
						"multiclass classification"),
				 errhint("Accepted values are: %s.", obj)));
	if (p->objective == NULL)
		p->objective = obj;
	obj = p->objective;

	if (strcmp(obj, "binary:logistic") == 0)
	{
		cfg->output = PGML_OUTPUT_SIGMOID;
		cfg->n_outputs = 1;
	}
	else if (strcmp(obj, "multi:softprob") == 0)
	{
		cfg->output = PGML_OUTPUT_SOFTMAX;
		cfg->n_outputs = in->n_classes;
	}
	else if (strcmp(obj, "count:poisson") == 0 || strcmp(obj, "reg:gamma") == 0 ||
			 strcmp(obj, "reg:tweedie") == 0)
	{
		cfg->output = PGML_OUTPUT_EXP;
		cfg->n_outputs = 1;
	}
	else
	{
		cfg->output = PGML_OUTPUT_IDENTITY;
		cfg->n_outputs = 1;
	}
	if (in->n_targets > 1)
	{
		/* a joint model: one tree per target and round, margins as they are */
		if (cfg->output != PGML_OUTPUT_IDENTITY)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("xgboost objective \"%s\" cannot train a joint model", obj),
					 errhint("Use an objective whose prediction is its margin, such as reg:squarederror.")));
		cfg->n_outputs = in->n_targets;
	}

	/* base_score must lie where the objective's link function is defined. */
	if (!isnan(p->base_score))
	{
		double		bs = p->base_score;

		if (cfg->output == PGML_OUTPUT_SIGMOID && !(bs > 0.0 && bs < 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("xgboost hyperparameter \"base_score\" is out of range"),
					 errdetail("With objective %s the value must be in (0, 1).", obj)));
		if (cfg->output == PGML_OUTPUT_EXP && !(bs > 0.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("xgboost hyperparameter \"base_score\" is out of range"),
					 errdetail("With objective %s the value must be positive.", obj)));
	}
}

/* The effective hyperparameters as a JSON object text, in the table's order. */
static char *
xgb_config_json(const XgbConfig *cfg)
{
	const PgmlHpTable *t = &pgml_hp_xgboost;
	StringInfoData s;
	bool		first = true;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];
		bool		is_string;
		char	   *text;

		if (spec->offset < 0 || !pgml_hp_spec_applies(spec, cfg->algorithm) ||
			(text = xgb_param_text(cfg, spec, &is_string)) == NULL)
			continue;
		if (!first)
			appendStringInfoString(&s, ", ");
		first = false;
		escape_json(&s, spec->name);
		appendStringInfoString(&s, ": ");
		if (is_string)
			escape_json(&s, text);
		else
			appendStringInfoString(&s, text);
	}
	appendStringInfoChar(&s, '}');
	return s.data;
}

/* ----------------------------------------------------------------------
 * Reading the trees from the model JSON
 * ---------------------------------------------------------------------- */

/* What an open object or array of the model document is. */
typedef enum XgbCtx
{
	XC_OTHER,					/* anything we skip */
	XC_ROOT,
	XC_LEARNER,
	XC_LEARNER_PARAM,			/* learner.learner_model_param */
	XC_OBJECTIVE,				/* learner.objective */
	XC_BOOSTER,					/* learner.gradient_booster */
	XC_MODEL,					/* ...gradient_booster.model */
	XC_MODEL_PARAM,				/* ...model.gbtree_model_param */
	XC_TREE_INFO,				/* ...model.tree_info (array) */
	XC_TREES,					/* ...model.trees (array) */
	XC_TREE,					/* one tree (object) */
	XC_TREE_PARAM,				/* tree.tree_param */
	XC_TREE_ARRAY,				/* tree.<field> (array), see array_field */
	XC_DART_GBTREE,				/* dart: gradient_booster.gbtree */
	XC_WEIGHT_DROP				/* dart: gradient_booster.weight_drop (array) */
} XgbCtx;

/* The fields whose values we read. */
typedef enum XgbField
{
	XF_NONE,
	XF_LEFT,					/* tree arrays first: they index fill[] */
	XF_RIGHT,
	XF_SPLIT_INDEX,
	XF_SPLIT_COND,
	XF_DEFAULT_LEFT,
	XF_CATEGORIES_NODES,
	XF_ID,
	XF_NUM_NODES,
	XF_BASE_SCORE,
	XF_NUM_CLASS,
	XF_NAME,
	XF_NUM_TREES,
	XF_COUNT
} XgbField;

#define XGB_MAX_NESTING 16

typedef struct XgbParse
{
	MemoryContext result_cxt;	/* where the node arrays live */
	XgbCtx		stack[XGB_MAX_NESTING];
	int			depth;			/* stack[depth - 1] is the open container */
	XgbField	field;			/* scalar field whose value comes next */
	XgbCtx		field_ctx;		/* container the next value opens */
	XgbField	array_field;	/* field of the open XC_TREE_ARRAY */

	/* node arrays of all trees, grown by doubling */
	int32		cap_nodes;
	int32		n_nodes;		/* nodes of finished trees */
	int32		fill[XF_CATEGORIES_NODES + 1];	/* per tree array, this tree */
	int32	   *left;
	int32	   *right;
	int32	   *split_index;
	float	   *split_cond;
	bool	   *default_left;

	/* trees */
	int32		cap_trees;
	int32		n_trees;		/* finished trees */
	int32	   *tree_offset;
	int32		tree_id;
	int32		tree_num_nodes;
	int32		cap_tree_info;
	int32		n_tree_info;
	int32	   *tree_info;

	/* dart: the weight of each tree */
	int32		cap_weights;
	int32		n_weights;
	float	   *weight_drop;

	/* learner */
	char	   *base_score;
	char	   *objective;
	char	   *booster_name;
	int32		num_class;
	int32		num_trees;
	bool		has_categories;
} XgbParse;

/* Raise an error about a model document we cannot use. */
static void
xgb_bad_model(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("unexpected xgboost model json: %s", what)));
}

/* Parse an integer token, or fail with what. */
static int32
xp_int(const char *token, JsonTokenType type, const char *what)
{
	char	   *end;
	long		v;

	if (type != JSON_TOKEN_NUMBER && type != JSON_TOKEN_STRING)
		xgb_bad_model(what);
	errno = 0;
	v = strtol(token, &end, 10);
	if (errno != 0 || end == token || *end != '\0' || v < PG_INT32_MIN || v > PG_INT32_MAX)
		xgb_bad_model(what);
	return (int32) v;
}

/* Make room for need nodes in every node array. */
static void
xp_grow_nodes(XgbParse *p, int32 need)
{
	Size		cap;

	if (need <= p->cap_nodes)
		return;
	cap = Max((Size) need, (Size) p->cap_nodes * 2);
	cap = Max(cap, 1024);
	if (cap > PG_INT32_MAX)
		xgb_bad_model("too many nodes");
	if (p->cap_nodes == 0)
	{
		p->left = MemoryContextAllocHuge(p->result_cxt, sizeof(int32) * cap);
		p->right = MemoryContextAllocHuge(p->result_cxt, sizeof(int32) * cap);
		p->split_index = MemoryContextAllocHuge(p->result_cxt, sizeof(int32) * cap);
		p->split_cond = MemoryContextAllocHuge(p->result_cxt, sizeof(float) * cap);
		p->default_left = MemoryContextAllocHuge(p->result_cxt, sizeof(bool) * cap);
	}
	else
	{
		p->left = repalloc_huge(p->left, sizeof(int32) * cap);
		p->right = repalloc_huge(p->right, sizeof(int32) * cap);
		p->split_index = repalloc_huge(p->split_index, sizeof(int32) * cap);
		p->split_cond = repalloc_huge(p->split_cond, sizeof(float) * cap);
		p->default_left = repalloc_huge(p->default_left, sizeof(bool) * cap);
	}
	p->cap_nodes = (int32) cap;
}

/* Grow an int32 array kept in the result context to hold need entries. */
static int32 *
xp_grow_ints(XgbParse *p, int32 *arr, int32 *cap, int32 need)
{
	if (need <= *cap)
		return arr;
	*cap = Max(need, Max(64, *cap * 2));
	if (arr == NULL)
		return MemoryContextAllocHuge(p->result_cxt, sizeof(int32) * (Size) *cap);
	return repalloc_huge(arr, sizeof(int32) * (Size) *cap);
}

/* Push the context of a newly opened object or array. */
static void
xp_push(XgbParse *p, bool is_array)
{
	XgbCtx		parent = p->depth > 0 ? p->stack[p->depth - 1] : XC_OTHER;
	XgbCtx		ctx;

	if (p->depth >= XGB_MAX_NESTING)
		xgb_bad_model("nesting too deep");

	if (p->depth == 0)
		ctx = is_array ? XC_OTHER : XC_ROOT;
	else if (parent == XC_TREES)
		ctx = is_array ? XC_OTHER : XC_TREE;
	else if (parent == XC_TREE && is_array && p->field != XF_NONE &&
			 p->field <= XF_CATEGORIES_NODES)
	{
		ctx = XC_TREE_ARRAY;
		p->array_field = p->field;
	}
	else if (parent == XC_OTHER || parent == XC_TREE_ARRAY ||
			 parent == XC_TREE_INFO || parent == XC_WEIGHT_DROP)
		ctx = XC_OTHER;
	else
	{
		ctx = p->field_ctx;
		if (ctx != XC_OTHER &&
			is_array != (ctx == XC_TREE_INFO || ctx == XC_TREES || ctx == XC_WEIGHT_DROP))
			xgb_bad_model("unexpected container type");
	}
	p->field_ctx = XC_OTHER;
	p->field = XF_NONE;
	p->stack[p->depth++] = ctx;
}

/* object_start: open an object; a tree starts with empty arrays. */
static void
xp_object_start(void *state)
{
	XgbParse   *p = state;

	xp_push(p, false);
	if (p->stack[p->depth - 1] == XC_TREE)
	{
		p->tree_id = -1;
		p->tree_num_nodes = -1;
		memset(p->fill, 0, sizeof(p->fill));
	}
}

/* object_end: close an object; a finished tree is checked and counted. */
static void
xp_object_end(void *state)
{
	XgbParse   *p = state;
	int32		n;

	if (p->stack[--p->depth] != XC_TREE)
		return;

	n = p->tree_num_nodes;
	if (n <= 0)
		xgb_bad_model("tree without tree_param.num_nodes");
	if (p->fill[XF_LEFT] != n || p->fill[XF_RIGHT] != n ||
		p->fill[XF_SPLIT_INDEX] != n || p->fill[XF_SPLIT_COND] != n ||
		p->fill[XF_DEFAULT_LEFT] != n)
		xgb_bad_model("tree arrays disagree with num_nodes");
	if (p->tree_id != p->n_trees)
		xgb_bad_model("trees out of order");

	p->tree_offset = xp_grow_ints(p, p->tree_offset, &p->cap_trees, p->n_trees + 2);
	p->tree_offset[p->n_trees] = p->n_nodes;
	p->n_nodes += n;
	p->n_trees++;
	p->tree_offset[p->n_trees] = p->n_nodes;
}

/* array_start: open an array. */
static void
xp_array_start(void *state)
{
	xp_push((XgbParse *) state, true);
}

/* array_end: close an array. */
static void
xp_array_end(void *state)
{
	((XgbParse *) state)->depth--;
}

/* object_field_start: classify the field whose value comes next. */
static void
xp_field_start(void *state, char *fname, bool isnull)
{
	XgbParse   *p = state;
	XgbField	f = XF_NONE;
	XgbCtx		c = XC_OTHER;

	switch (p->stack[p->depth - 1])
	{
		case XC_ROOT:
			if (strcmp(fname, "learner") == 0)
				c = XC_LEARNER;
			break;
		case XC_LEARNER:
			if (strcmp(fname, "learner_model_param") == 0)
				c = XC_LEARNER_PARAM;
			else if (strcmp(fname, "objective") == 0)
				c = XC_OBJECTIVE;
			else if (strcmp(fname, "gradient_booster") == 0)
				c = XC_BOOSTER;
			break;
		case XC_BOOSTER:
			if (strcmp(fname, "model") == 0)
				c = XC_MODEL;
			else if (strcmp(fname, "name") == 0)
				f = XF_NAME;
			else if (strcmp(fname, "gbtree") == 0)
				c = XC_DART_GBTREE;
			else if (strcmp(fname, "weight_drop") == 0)
				c = XC_WEIGHT_DROP;
			break;
		case XC_DART_GBTREE:
			/* its "name" is gbtree: the booster stays dart */
			if (strcmp(fname, "model") == 0)
				c = XC_MODEL;
			break;
		case XC_MODEL:
			if (strcmp(fname, "gbtree_model_param") == 0)
				c = XC_MODEL_PARAM;
			else if (strcmp(fname, "tree_info") == 0)
				c = XC_TREE_INFO;
			else if (strcmp(fname, "trees") == 0)
				c = XC_TREES;
			break;
		case XC_TREE:
			if (strcmp(fname, "left_children") == 0)
				f = XF_LEFT;
			else if (strcmp(fname, "right_children") == 0)
				f = XF_RIGHT;
			else if (strcmp(fname, "split_indices") == 0)
				f = XF_SPLIT_INDEX;
			else if (strcmp(fname, "split_conditions") == 0)
				f = XF_SPLIT_COND;
			else if (strcmp(fname, "default_left") == 0)
				f = XF_DEFAULT_LEFT;
			else if (strcmp(fname, "categories_nodes") == 0)
				f = XF_CATEGORIES_NODES;
			else if (strcmp(fname, "id") == 0)
				f = XF_ID;
			else if (strcmp(fname, "tree_param") == 0)
				c = XC_TREE_PARAM;
			break;
		case XC_TREE_PARAM:
			if (strcmp(fname, "num_nodes") == 0)
				f = XF_NUM_NODES;
			break;
		case XC_LEARNER_PARAM:
			if (strcmp(fname, "base_score") == 0)
				f = XF_BASE_SCORE;
			else if (strcmp(fname, "num_class") == 0)
				f = XF_NUM_CLASS;
			break;
		case XC_OBJECTIVE:
			if (strcmp(fname, "name") == 0)
				f = XF_NAME;
			break;
		case XC_MODEL_PARAM:
			if (strcmp(fname, "num_trees") == 0)
				f = XF_NUM_TREES;
			break;
		default:
			break;
	}
	p->field = f;
	p->field_ctx = c;
	pfree(fname);
}

/* Store one element of a tree array. */
static void
xp_tree_element(XgbParse *p, const char *token, JsonTokenType type)
{
	XgbField	f = p->array_field;
	int32		at = p->n_nodes + p->fill[f];
	char	   *end;

	if (f == XF_CATEGORIES_NODES)
	{
		p->has_categories = true;
		return;
	}
	if (p->fill[f] >= PG_INT32_MAX - p->n_nodes)
		xgb_bad_model("too many nodes");
	xp_grow_nodes(p, at + 1);
	switch (f)
	{
		case XF_SPLIT_COND:
			if (type != JSON_TOKEN_NUMBER)
				xgb_bad_model("split condition is not a number");
			p->split_cond[at] = strtof(token, &end);
			if (*end != '\0')
				xgb_bad_model("split condition is not a number");
			break;
		case XF_DEFAULT_LEFT:
			if (type == JSON_TOKEN_TRUE || type == JSON_TOKEN_FALSE)
				p->default_left[at] = (type == JSON_TOKEN_TRUE);
			else
				p->default_left[at] = xp_int(token, type, "bad default_left") != 0;
			break;
		case XF_LEFT:
			p->left[at] = xp_int(token, type, "bad left_children");
			break;
		case XF_RIGHT:
			p->right[at] = xp_int(token, type, "bad right_children");
			break;
		case XF_SPLIT_INDEX:
			/* pruned ("deleted") nodes are leaves holding INT32_MAX here */
			p->split_index[at] = xp_int(token, type, "bad split_indices");
			break;
		default:
			return;
	}
	p->fill[f]++;
}

/* scalar: a number, string, bool or null, in an object or an array. */
static void
xp_scalar(void *state, char *token, JsonTokenType type)
{
	XgbParse   *p = state;

	switch (p->stack[p->depth - 1])
	{
		case XC_TREE_ARRAY:
			xp_tree_element(p, token, type);
			break;
		case XC_TREE_INFO:
			p->tree_info = xp_grow_ints(p, p->tree_info, &p->cap_tree_info,
										p->n_tree_info + 1);
			p->tree_info[p->n_tree_info++] = xp_int(token, type, "bad tree_info");
			break;
		case XC_WEIGHT_DROP:
			{
				char	   *end;

				if (type != JSON_TOKEN_NUMBER)
					xgb_bad_model("bad weight_drop");
				/* float4 bits, as XGBoost wrote them */
				p->weight_drop = (float *) xp_grow_ints(p, (int32 *) p->weight_drop,
														&p->cap_weights, p->n_weights + 1);
				p->weight_drop[p->n_weights] = strtof(token, &end);
				if (*end != '\0' || !isfinite(p->weight_drop[p->n_weights]))
					xgb_bad_model("bad weight_drop");
				p->n_weights++;
				break;
			}
		case XC_TREE:
			if (p->field == XF_ID)
				p->tree_id = xp_int(token, type, "bad tree id");
			break;
		case XC_TREE_PARAM:
			if (p->field == XF_NUM_NODES)
				p->tree_num_nodes = xp_int(token, type, "bad num_nodes");
			break;
		case XC_LEARNER_PARAM:
			if (p->field == XF_BASE_SCORE && type == JSON_TOKEN_STRING)
				p->base_score = pstrdup(token);
			else if (p->field == XF_NUM_CLASS)
				p->num_class = xp_int(token, type, "bad num_class");
			break;
		case XC_OBJECTIVE:
			if (p->field == XF_NAME && type == JSON_TOKEN_STRING)
				p->objective = pstrdup(token);
			break;
		case XC_BOOSTER:
			if (p->field == XF_NAME && type == JSON_TOKEN_STRING)
				p->booster_name = pstrdup(token);
			break;
		case XC_MODEL_PARAM:
			if (p->field == XF_NUM_TREES)
				p->num_trees = xp_int(token, type, "bad num_trees");
			break;
		default:
			break;
	}
	if (token)
		pfree(token);
}

/*
 * Is the token the JSON lexer stopped at one of the bare NaN / Infinity that
 * XGBoost writes for non-finite floats (which JSON does not have)?
 */
static bool
xgb_nonfinite_token(const JsonLexContext *lex)
{
	static const char *const words[] = {"NaN", "Infinity", "-Infinity", "inf", "-inf", "nan"};
	size_t		len = lex->token_terminator - lex->token_start;

	for (int i = 0; i < lengthof(words); i++)
		if (len == strlen(words[i]) && strncmp(lex->token_start, words[i], len) == 0)
			return true;
	return false;
}

/*
 * Parse XGBoost's JSON model (len bytes at json, not NUL terminated) into the
 * tree fields of m.  cfg and n_features say what the model should be.
 */
static void
xgb_read_trees(const char *json, Size len, const XgbConfig *cfg,
			   int32 n_features, PgmlModel *m)
{
	MemoryContext result_cxt = CurrentMemoryContext;
	MemoryContext parse_cxt;
	MemoryContext old;
	XgbParse   *p;
	JsonLexContext *lex;
	JsonSemAction sem;
	JsonParseErrorType rc;
	float		bs;
	char	   *end;

	if (len > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("xgboost model is too large (%zu bytes of json)", (size_t) len)));

	parse_cxt = AllocSetContextCreate(CurrentMemoryContext, "xgboost model json",
									  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(parse_cxt);

	p = palloc0(sizeof(XgbParse));
	p->result_cxt = result_cxt;
	p->num_class = -1;
	p->num_trees = -1;
	p->tree_id = -1;

	memset(&sem, 0, sizeof(sem));
	sem.semstate = p;
	sem.object_start = xp_object_start;
	sem.object_end = xp_object_end;
	sem.array_start = xp_array_start;
	sem.array_end = xp_array_end;
	sem.object_field_start = xp_field_start;
	sem.scalar = xp_scalar;

	lex = makeJsonLexContextCstringLen(unconstify(char *, json), (int) len, PG_UTF8, true);
	rc = pg_parse_json(lex, &sem);
	if (rc == JSON_INVALID_TOKEN && xgb_nonfinite_token(lex))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("xgboost training diverged: the model has non-finite values"),
				 errdetail("The trained booster holds %.*s among its values (leaf values or base score).",
						   (int) (lex->token_terminator - lex->token_start), lex->token_start),
				 errhint("Lower learning_rate, check that the labels suit the objective, or choose another objective.")));
	if (rc != JSON_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("cannot parse the xgboost model json"),
				 errdetail("%s", json_errdetail(rc, lex))));
	MemoryContextSwitchTo(old);

	if (p->booster_name == NULL ||
		strcmp(p->booster_name, cfg->dart ? "dart" : "gbtree") != 0)
		xgb_bad_model("booster is not the one requested");
	if (cfg->dart && p->n_weights != p->n_trees)
		xgb_bad_model("weight_drop count differs from the tree count");
	if (p->objective == NULL || strcmp(p->objective, cfg->p.objective) != 0)
		xgb_bad_model("objective differs from the one requested");
	if (p->has_categories)
		xgb_bad_model("categorical splits are not supported");
	if (p->n_trees == 0 || p->num_trees != p->n_trees || p->n_tree_info != p->n_trees)
		xgb_bad_model("tree count mismatch");
	if (p->base_score == NULL)
		xgb_bad_model("no base_score");
	if (cfg->output == PGML_OUTPUT_SOFTMAX ? p->num_class != cfg->n_outputs : p->num_class > 1)
		xgb_bad_model("num_class differs from the number of classes");

	/* Check every index before anyone walks these trees. */
	for (int32 t = 0; t < p->n_trees; t++)
	{
		int32		first = p->tree_offset[t];
		int32		n = p->tree_offset[t + 1] - first;

		if (p->tree_info[t] < 0 || p->tree_info[t] >= cfg->n_outputs)
			xgb_bad_model("tree_info out of range");
		for (int32 i = first; i < first + n; i++)
		{
			if (p->left[i] == -1)
			{
				if (p->right[i] != -1)
					xgb_bad_model("half leaf");
				p->split_index[i] = 0;
				p->default_left[i] = false;
			}
			else if (p->left[i] <= i - first || p->left[i] >= n ||
					 p->right[i] <= i - first || p->right[i] >= n)
				xgb_bad_model("child index out of range");
			else if (p->split_index[i] < 0 || p->split_index[i] >= n_features)
				xgb_bad_model("split feature out of range");
		}
	}

	bs = strtof(p->base_score, &end);
	if (end == p->base_score || isnan(bs) || isinf(bs))
		xgb_bad_model("bad base_score");

	/* The same float arithmetic as XGBoost's ProbToMargin in 1.7. */
	if (cfg->output == PGML_OUTPUT_SIGMOID)
		m->base_margin = -logf(1.0f / bs - 1.0f);
	else if (cfg->output == PGML_OUTPUT_EXP)
		m->base_margin = logf(bs);
	else
		m->base_margin = bs;

	/*
	 * dart: XGBoost predicts tree by tree from the base margin and adds
	 * ((base + leaf) - base) * weight_drop, each step in float4.  Fold that
	 * into the leaves; summed from the base margin in tree order, they give
	 * XGBoost's margins bit for bit.
	 */
	if (cfg->dart)
	{
		for (int32 t = 0; t < p->n_trees; t++)
		{
			float		w = p->weight_drop[t];

			for (int32 i = p->tree_offset[t]; i < p->tree_offset[t + 1]; i++)
			{
				if (p->left[i] == -1)
				{
					volatile float with_base = m->base_margin + p->split_cond[i];
					volatile float alone = with_base - m->base_margin;

					p->split_cond[i] = alone * w;
				}
			}
		}
	}

	m->n_trees = p->n_trees;
	m->n_nodes = p->n_nodes;
	m->tree_group = p->tree_info;
	m->tree_offset = p->tree_offset;
	m->split_index = p->split_index;
	m->split_cond = p->split_cond;
	m->left_child = p->left;
	m->right_child = p->right;
	m->default_left = p->default_left;

	MemoryContextDelete(parse_cxt);
}

/* ----------------------------------------------------------------------
 * Training
 * ---------------------------------------------------------------------- */

/* XGBoost handles of one training run, freed in PG_FINALLY. */
typedef struct XgbHandles
{
	DMatrixHandle dtrain;
	DMatrixHandle proxy;		/* QuantileDMatrix input, hist only */
	BoosterHandle booster;
} XgbHandles;

/*
 * The one batch a QuantileDMatrix is built from: the training matrix as it
 * lies in memory (no copy), and its labels.  Called from inside XGBoost:
 * no ereport here; a failure is remembered and raised after the call.
 */
typedef struct XgbBatch
{
	DMatrixHandle proxy;
	const float *labels;
	bst_ulong	n_rows;
	char		iface[192];
	char		label_iface[192];	/* several targets: their matrix */
	bool		given;
	bool		failed;
} XgbBatch;

static void
xgb_batch_reset(DataIterHandle handle)
{
	((XgbBatch *) handle)->given = false;
}

static int
xgb_batch_next(DataIterHandle handle)
{
	XgbBatch   *b = (XgbBatch *) handle;

	if (b->given)
		return 0;
	b->given = true;
	if (XGProxyDMatrixSetDataDense(b->proxy, b->iface) != 0 ||
		(b->label_iface[0] != '\0' ?
		 XGDMatrixSetInfoFromInterface(b->proxy, "label", b->label_iface) :
		 XGDMatrixSetFloatInfo(b->proxy, "label", b->labels, b->n_rows)) != 0)
	{
		b->failed = true;
		return 0;
	}
	return 1;
}

/* Set one booster parameter. */
static void
xgb_set(BoosterHandle bst, const char *name, const char *value)
{
	if (XGBoosterSetParam(bst, name, value) != 0)
	{
		char	   *detail = pgml_xgb_last_error();

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("xgboost rejected parameter %s = %s", name, value),
				 errdetail("XGBoost said: %s", detail)));
	}
}

/* The body of pgml_xgb_train, with the handles owned by the caller. */
static void
xgb_train_body(const PgmlTrainInput *in, PgmlModel *m, const XgbConfig *cfg,
			   XgbHandles *h)
{
	int			nthread = in->nthread;
	float	   *labels;
	bst_ulong	len;
	const char *buf;
	int32		nt = Max(in->n_targets, 1);
	char		label_iface[192] = "";

	if (nthread <= 0)
		nthread = pgml_train_cpus();

	/* Labels as float, as XGBoost wants them (a matrix for several targets). */
	labels = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * in->n_rows * nt);
	for (int64 i = 0; i < in->n_rows * nt; i++)
	{
		labels[i] = (float) in->y[i];
		/* the worker checked them, naming the relation's row (job.c) */
		if (isnan(labels[i]) || isinf(labels[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("label %g of training row %lld is not a finite real",
							in->y[i], (long long) (i / nt) + 1),
					 errdetail("XGBoost trains on float4 labels.")));
	}
	if (nt > 1)
		snprintf(label_iface, sizeof(label_iface),
				 "{\"data\": [%zu, true], \"shape\": [%lld, %d], \"typestr\": \"<f4\", \"version\": 3}",
				 (size_t) labels, (long long) in->n_rows, nt);

	if (strcmp(cfg->p.tree_method, "hist") == 0)
	{
		/*
		 * hist: build the histogram index straight from the shared matrix
		 * (XGBoost's QuantileDMatrix, as its Python wrappers do for hist),
		 * one byte or two per value, instead of a copy of the matrix in
		 * XGBoost's sparse format (eight bytes per value) that the
		 * index is then built from.  The trees are the same.
		 */
		XgbBatch   *b = palloc0(sizeof(XgbBatch));
		char	   *config;

		XGB_CHECK(XGProxyDMatrixCreate, (&h->proxy));
		b->proxy = h->proxy;
		b->labels = labels;
		b->n_rows = (bst_ulong) in->n_rows;
		strlcpy(b->label_iface, label_iface, sizeof(b->label_iface));
		snprintf(b->iface, sizeof(b->iface),
				 "{\"data\": [%zu, true], \"shape\": [%lld, %d], \"typestr\": \"<f4\", \"version\": 3}",
				 (size_t) in->x, (long long) in->n_rows, in->n_features);
		config = psprintf("{\"missing\": NaN, \"nthread\": %d, \"max_bin\": %.0f}",
						  nthread, isnan(cfg->p.max_bin) ? 256.0 : cfg->p.max_bin);
		XGB_CHECK(XGQuantileDMatrixCreateFromCallback,
				  ((DataIterHandle) b, h->proxy, NULL, xgb_batch_reset, xgb_batch_next,
				   config, &h->dtrain));
		if (b->failed)
			xgb_fail("XGProxyDMatrixSetDataDense");
		(void) XGDMatrixFree(h->proxy);
		h->proxy = NULL;
	}
	else
	{
		XGB_CHECK(XGDMatrixCreateFromMat_omp, (in->x, (bst_ulong) in->n_rows,
											 (bst_ulong) in->n_features, NAN,
											 &h->dtrain, nthread));
		if (nt > 1)
			XGB_CHECK(XGDMatrixSetInfoFromInterface, (h->dtrain, "label", label_iface));
		else
			XGB_CHECK(XGDMatrixSetFloatInfo, (h->dtrain, "label", labels, (bst_ulong) in->n_rows));
	}
	pfree(labels);
	/* XGBoost has its own copy, or its histogram index, now */
	pgml_train_input_done(in);

	XGB_CHECK(XGBoosterCreate, (&h->dtrain, 1, &h->booster));

	xgb_set(h->booster, "nthread", psprintf("%d", nthread));
	xgb_set(h->booster, "seed", psprintf("%llu",
										 (unsigned long long) (in->seed & 0x7fffffff)));
	xgb_set(h->booster, "disable_default_eval_metric", "1");
	for (int i = 0; i < pgml_hp_xgboost.n_specs; i++)
	{
		const PgmlHpSpec *spec = &pgml_hp_xgboost.specs[i];
		bool		is_string;
		char	   *text;

		if (xgb_is_param(cfg, spec) &&
			(text = xgb_param_text(cfg, spec, &is_string)) != NULL)
			xgb_set(h->booster, spec->native ? spec->native : spec->name, text);
	}
	if (cfg->output == PGML_OUTPUT_SOFTMAX)
		xgb_set(h->booster, "num_class", psprintf("%d", cfg->n_outputs));
	if (cfg->parallel_trees > 0)
		xgb_set(h->booster, "num_parallel_tree", psprintf("%d", cfg->parallel_trees));

	for (int iter = 0; iter < cfg->rounds; iter++)
	{
		pgml_train_check_cancel();
		XGB_CHECK(XGBoosterUpdateOneIter, (h->booster, iter, h->dtrain));
		pgml_train_report_progress(iter + 1, cfg->rounds);
	}
	pgml_train_check_cancel();

	/* XGBoost's own bytes, for export; the buffer is reused by the next call. */
	XGB_CHECK(XGBoosterSaveModelToBuffer, (h->booster, "{\"format\": \"ubj\"}", &len, &buf));
	m->booster = MemoryContextAllocHuge(CurrentMemoryContext, len);
	memcpy(m->booster, buf, len);
	m->booster_len = (Size) len;

	/* The JSON form, read in place (no XGBoost call until we are done). */
	XGB_CHECK(XGBoosterSaveModelToBuffer, (h->booster, "{\"format\": \"json\"}", &len, &buf));
	xgb_read_trees(buf, (Size) len, cfg, in->n_features, m);
}

/*
 * Train an XGBoost ensemble on in (random_forest: a forest per round); fill
 * the tree fields, base margin, output, booster bytes and effective
 * hyperparameters of m.
 */
static void
xgb_train(const PgmlTrainInput *in, PgmlModel *m, bool random_forest)
{
	XgbConfig	cfg;
	XgbHandles *h;

	if (in->n_rows < 1 || in->n_features < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("xgboost needs at least one row and one feature"),
				 errdetail("Got %lld rows and %d features.",
						   (long long) in->n_rows, in->n_features)));
	if (in->task == PGML_TASK_CLASSIFICATION && in->n_classes < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("classification needs at least two classes"),
				 errdetail("The training data has %d distinct label(s).", in->n_classes)));

	xgb_parse_config(in, random_forest, &cfg);

	h = palloc0(sizeof(XgbHandles));
	PG_TRY();
	{
		xgb_train_body(in, m, &cfg, h);
	}
	PG_FINALLY();
	{
		/* Return codes ignored: there is nothing more to do on failure. */
		if (h->booster)
			(void) XGBoosterFree(h->booster);
		if (h->dtrain)
			(void) XGDMatrixFree(h->dtrain);
		if (h->proxy)
			(void) XGDMatrixFree(h->proxy);
		h->booster = NULL;
		h->dtrain = NULL;
		h->proxy = NULL;
	}
	PG_END_TRY();

	m->algorithm = PGML_ALGO_XGBOOST;
	m->output = cfg.output;
	m->n_outputs = cfg.n_outputs;
	m->hyperparams_json = xgb_config_json(&cfg);
}

/* The fits of the list's two members (include/pgml_algorithms.h). */
void
pgml_xgb_train(const PgmlTrainInput *in, PgmlModel *m)
{
	xgb_train(in, m, false);
}

void
pgml_xgb_random_forest_train(const PgmlTrainInput *in, PgmlModel *m)
{
	xgb_train(in, m, true);
}
