/*
 * joint.c
 *	  Joint regression models fit one target at a time: see trainer_joint.h.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "trainer_joint.h"

/* Append n elements of size elsize from src to *dst (of *len elements). */
static void *
append(void *dst, int64 len, const void *src, int64 n, Size elsize)
{
	char	   *out = dst == NULL ? palloc(Max(n, 1) * elsize)
		: repalloc(dst, Max(len + n, 1) * elsize);

	if (n > 0)
		memcpy(out + len * elsize, src, n * elsize);
	return out;
}

/* Part k's trees into group k of m. */
static void
add_trees(PgmlModel *m, const PgmlModel *part, int32 k)
{
	int32		base = m->n_nodes;

	if (part->n_nodes > PG_INT32_MAX - m->n_nodes - 1 ||
		part->n_trees > PG_INT32_MAX - m->n_trees - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the joint model has too many trees")));
	m->split_index = append(m->split_index, m->n_nodes, part->split_index, part->n_nodes, sizeof(int32));
	m->split_cond = append(m->split_cond, m->n_nodes, part->split_cond, part->n_nodes, sizeof(float));
	m->left_child = append(m->left_child, m->n_nodes, part->left_child, part->n_nodes, sizeof(int32));
	m->right_child = append(m->right_child, m->n_nodes, part->right_child, part->n_nodes, sizeof(int32));
	m->default_left = append(m->default_left, m->n_nodes, part->default_left, part->n_nodes, sizeof(bool));
	m->tree_group = append(m->tree_group, m->n_trees, part->tree_group, part->n_trees, sizeof(int32));
	m->tree_offset = repalloc(m->tree_offset, sizeof(int32) * (m->n_trees + part->n_trees + 1));
	for (int32 t = 0; t < part->n_trees; t++)
	{
		m->tree_group[m->n_trees + t] = k;
		m->tree_offset[m->n_trees + t + 1] = base + part->tree_offset[t + 1];
	}
	m->n_trees += part->n_trees;
	m->n_nodes += part->n_nodes;
}

/* One leaf tree holding value, in group g. */
static void
add_leaf_tree(PgmlModel *m, float value, int32 g)
{
	int32		zero = 0,
				none = -1,
				offsets[2] = {0, 1};
	bool		no = false;
	PgmlModel	leaf;

	memset(&leaf, 0, sizeof(leaf));
	leaf.n_trees = 1;
	leaf.n_nodes = 1;
	leaf.tree_group = &g;
	leaf.tree_offset = offsets;
	leaf.split_index = &zero;
	leaf.split_cond = &value;
	leaf.left_child = &none;
	leaf.right_child = &none;
	leaf.default_left = &no;
	add_trees(m, &leaf, g);
}

void
pgml_joint_train(const PgmlTrainInput *in, PgmlModel *m, PgmlFitFunction fit)
{
	int32		nt = in->n_targets;
	PgmlModel  *parts = palloc0(sizeof(PgmlModel) * nt);
	double	   *y = MemoryContextAllocHuge(CurrentMemoryContext,
										   sizeof(double) * Max(in->n_rows, 1));
	bool		same_base = true;
	StringInfoData metrics;

	Assert(nt > 1 && in->task == PGML_TASK_REGRESSION);
	for (int32 k = 0; k < nt; k++)
	{
		PgmlTrainInput sub = *in;
		PgmlModel  *part = &parts[k];

		for (int64 i = 0; i < in->n_rows; i++)
			y[i] = in->y[i * nt + k];
		sub.y = y;
		sub.n_targets = 1;
		part->task = m->task;
		part->n_features = m->n_features;
		fit(&sub, part);
		/* margins as they are, or (ada_boost) the median of its trees */
		if (!(part->output == PGML_OUTPUT_IDENTITY ||
			  (part->output == PGML_OUTPUT_MEDIAN && part->base_margin == 0.0f)) ||
			part->output != parts[0].output || part->n_outputs != 1 ||
			(part->algorithm != PGML_ALGO_XGBOOST && part->algorithm != PGML_ALGO_LINEAR))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s cannot be trained as a joint model", in->algorithm),
					 errdetail("Its models neither predict a target as a sum of terms nor as a weighted median of trees."),
					 errhint("Train one model per target with pgml.train().")));
		if (part->base_margin != parts[0].base_margin)
			same_base = false;
	}
	pfree(y);

	m->algorithm = parts[0].algorithm;
	m->output = parts[0].output;
	m->n_outputs = nt;
	m->hyperparams_json = parts[0].hyperparams_json;
	if (m->algorithm == PGML_ALGO_LINEAR)
	{
		int64		nf = m->n_features;

		m->coef = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * nt * nf);
		m->intercept = palloc(sizeof(double) * nt);
		for (int32 k = 0; k < nt; k++)
		{
			memcpy(m->coef + k * nf, parts[k].coef, sizeof(double) * nf);
			m->intercept[k] = parts[k].intercept[0];
		}
	}
	else
	{
		m->base_margin = same_base ? parts[0].base_margin : 0.0f;
		m->tree_offset = palloc0(sizeof(int32));
		for (int32 k = 0; k < nt; k++)
		{
			if (!same_base)
				add_leaf_tree(m, parts[k].base_margin, k);
			if (m->output == PGML_OUTPUT_MEDIAN)
				m->tree_weight = append(m->tree_weight, m->n_trees, parts[k].tree_weight,
										parts[k].n_trees, sizeof(double));
			add_trees(m, &parts[k], k);
		}
	}

	/* the parts' own metrics, per target */
	initStringInfo(&metrics);
	appendStringInfoString(&metrics, "{\"targets\": [");
	for (int32 k = 0; k < nt; k++)
		appendStringInfo(&metrics, "%s%s", k > 0 ? ", " : "",
						 parts[k].metrics_json ? parts[k].metrics_json : "{}");
	appendStringInfoString(&metrics, "]}");
	m->metrics_json = metrics.data;
}
