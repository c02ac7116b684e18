/*
 * image_layout.h
 *	  Private layout of the shared image, shared by image.c (which writes it)
 *	  and tree_eval.c and image_encode.c (which read it).  Nothing outside
 *	  those files may include this header; see docs/image.md.
 *
 *	  Every section starts at an 8-byte aligned offset from the start of the
 *	  image; there are no pointers, so the image is valid at any address.
 *	  All values are native-endian (the image is never stored on disk).
 */
#ifndef PGML_IMAGE_LAYOUT_H
#define PGML_IMAGE_LAYOUT_H

#include "pgml_image.h"
#include "pgml_model.h"				/* PGML_MAX_CLASSES: also n_outputs' limit */

/* Trees of one window are evaluated together; leaf values buffered. */
#define PGML_WINDOW_TREES	1024
/* Trees per block: one SIMD lane each. */
#define PGML_BLOCK_LANES	16
/* Trees deeper than this are walked node by node instead of padded. */
#define PGML_MAX_PADDED_DEPTH	10

/* The full image header; its first member is the public header. */
typedef struct PgmlImage
{
	PgmlImageHeader pub;
	float		base_margin;
	int32		n_trees;
	int32		n_windows;
	int32		n_blocks;
	int32		n_deep;
	int32		round_robin;	/* tree t is in group t % n_outputs (see below) */
	int32		has_preprocess; /* the four preprocessing arrays are set */
	int32		n_groups;		/* margins the trees add into: n_outputs,
								 * or n_trees (output median) */
	uint64		classes_off;	/* double[n_classes] */
	uint64		coef_off;		/* double[n_outputs * n_features] */
	uint64		intercept_off;	/* double[n_outputs] */
	uint64		group_off;		/* int32[n_trees], output group per tree */
	uint64		tree_weight_off;	/* double[n_trees] (output median) */
	uint64		median_off;		/* int32[n_outputs + 1] (output median):
								 * target k's trees are [median[k],
								 * median[k + 1]) */
	uint64		windows_off;	/* PgmlImageWindow[n_windows] */
	uint64		blocks_off;		/* PgmlImageBlock[n_blocks] */
	uint64		deep_off;		/* PgmlImageDeep[n_deep] */
	uint64		impute_off;		/* uint8[n_features], PgmlImpute */
	uint64		impute_value_off;	/* double[n_features] */
	uint64		center_off;		/* double[n_features] */
	uint64		scale_off;		/* double[n_features], never 0 */
	uint64		centroids_off;	/* double[n_outputs * n_features] (k-means) */
	uint64		pca_mean_off;	/* double[n_features] (PCA) */
	uint64		components_off; /* double[n_outputs * n_features] (PCA) */
	uint64		names_off;		/* PgmlImageName[n_classes], 0 if no names */
	uint64		encoders_off;	/* PgmlImageEncoder[pub.n_encoders] */
	uint64		categories_off; /* PgmlImageName[all categories], by encoder */
	uint64		target_off;		/* double[all categories] (target encoders) */
} PgmlImage;

/*
 * A text input's encoder (see PgmlEncoder in pgml_model.h).  Its categories
 * are entries [first, first + n_categories) of the categories and target
 * arrays, names in ascending byte order; the name bytes follow the arrays.
 */
typedef struct PgmlImageEncoder
{
	int32		input;
	int32		feature;
	int32		kind;			/* PgmlEncode */
	int32		n_categories;
	int32		first;
	int32		reserved;
	double		unknown_value;	/* target encoders */
} PgmlImageEncoder;

/*
 * Class name k: len bytes (no NUL terminator, none inside) at offset off
 * from the start of the image.  The bytes of all names follow the
 * PgmlImageName array, in class order, unaligned.
 */
typedef struct PgmlImageName
{
	uint64		off;
	int32		len;
	int32		reserved;
} PgmlImageName;

/* Largest n_outputs summed with vector adds (round-robin groups). */
#define PGML_RR_MAX_GROUPS	16

/*
 * A window: up to PGML_WINDOW_TREES consecutive trees (a whole number of
 * rounds when round_robin is set: every window then starts with group 0).
 * Its padded trees are in blocks [first_block, first_block + n_blocks), its
 * deep trees in
 * [first_deep, first_deep + n_deep).  Each tree's leaf value is stored at
 * its slot (tree index - first_tree), then the slots are summed in order.
 */
typedef struct PgmlImageWindow
{
	int32		first_tree;
	int32		n_trees;
	int32		first_block;
	int32		n_blocks;
	int32		first_deep;
	int32		n_deep;
} PgmlImageWindow;

/*
 * A block: up to PGML_BLOCK_LANES trees padded to a complete binary tree of
 * the same depth D, breadth-first (the children of node i are 2i+1 and
 * 2i+2).  Two layouts, chosen by depth:
 *
 * Interleaved (records = 0; D < PGML_RECORD_MIN_DEPTH or D >
 * PGML_RECORD_MAX_DEPTH): split i of lane l is at tree_off + (i * LANES + l)
 * * 8, leaf j of lane l at leaf_off + (j * LANES + l) * 4.  The lanes share
 * the lines of every level, which is dense for shallow trees.  Unused lanes
 * (l >= n_lanes) walk their own column: splits with cond NaN, leaves 0.
 *
 * Records (records = 1; depths PGML_RECORD_MIN_DEPTH to
 * PGML_RECORD_MAX_DEPTH): each used lane's tree on its own, lane l's at
 * tree_off + l * tree_size (64-byte multiples from the start of the image),
 * as a top and one-line records:
 *   b = PGML_RECORD_LEVELS record levels, T = D - b top levels;
 *   top: the 2^T - 1 splits of levels 0..T-1, breadth-first, padded to a
 *        multiple of 64 bytes;
 *   then 2^T records of PGML_RECORD_BYTES (one cache line), record j for
 *        the j-th node of level T: that subtree's 2^b - 1 splits,
 *        breadth-first, at byte 0, and its 2^b leaf values (float) at byte
 *        PGML_RECORD_LEAVES_AT.
 * A depth-6 tree is two top lines, whose addresses do not depend on the row,
 * and one record line, found by the top walk: on the cold path (see
 * tree_eval.c) the first are prefetched before the walk and the second as
 * soon as it is known, so a tree costs one dependent cache miss instead of
 * one per level.  Unused lanes walk lane 0's tree.  Lines are aligned only
 * if the image is (it is in a DSM segment, which is page-aligned).
 *
 * Either way, unused lanes store their leaf in slot PGML_WINDOW_TREES, a
 * scratch slot, and padding splits (below a leaf reached early) have word 0
 * and cond NaN, so they always go left.
 */
#define PGML_RECORD_MIN_DEPTH	5
#define PGML_RECORD_MAX_DEPTH	8
#define PGML_RECORD_LEVELS		2
#define PGML_RECORD_BYTES		64
#define PGML_RECORD_LEAVES_AT	32

typedef struct PgmlImageSplit
{
	uint32		word;			/* region * n_features + feature index */
	float		cond;			/* go left iff x[feature] < cond */
} PgmlImageSplit;

/*
 * Regions of a split's feature word: the evaluator builds, per row, the
 * feature vector three times over, with NaN replaced by -INFINITY (region
 * 0, nodes whose missing values go left), by +INFINITY (region 1, missing
 * values go right) and kept as NaN (region 2, used by default-left nodes
 * whose cond is -INFINITY); then "go right iff xx[word] >= cond" reproduces
 * XGBoost's "left iff x < cond, NaN follows default_left" without a branch.
 */
#define PGML_REGION_NAN_LEFT	0
#define PGML_REGION_NAN_RIGHT	1
#define PGML_REGION_NAN_RAW		2
/* Feature counts up to this use the three-region vector on the stack. */
#define PGML_FAST_FEATURES		2048

typedef struct PgmlImageBlock
{
	int32		depth;
	int32		n_lanes;
	int16		slot[PGML_BLOCK_LANES];
	int32		records;		/* layout: 1 records, 0 interleaved */
	int32		reserved;
	uint64		tree_off;		/* records: lane 0's tree; else the splits */
	uint64		tree_size;		/* records: bytes per lane */
	uint64		leaf_off;		/* interleaved: the leaves */
} PgmlImageBlock;

/* Levels above the records of a padded tree of depth d (records layout). */
static inline int
pgml_top_levels(int d)
{
	return d - PGML_RECORD_LEVELS;
}

/* Bytes of the top of a padded tree with t top levels (64-byte multiple). */
static inline uint64
pgml_top_bytes(int t)
{
	return ((((uint64) 1 << t) - 1) * sizeof(PgmlImageSplit) + 63) & ~(uint64) 63;
}

/* A tree too deep to pad: walked node by node. */
typedef struct PgmlImageDeep
{
	int32		slot;
	int32		n_nodes;
	uint64		nodes_off;		/* PgmlImageNode[n_nodes] */
} PgmlImageDeep;

/*
 * A node of a deep tree.  left < 0 marks a leaf (value in cond); otherwise
 * left and right are tree-local and greater than the node's own index.
 */
typedef struct PgmlImageNode
{
	float		cond;
	uint32		word;			/* region * n_features + feature, as splits */
	int32		left;
	int32		right;
} PgmlImageNode;

/* Address of a section of the image. */
#define PGML_IMAGE_AT(img, off, type) \
	((const type *) ((const char *) (img) + (off)))

#endif							/* PGML_IMAGE_LAYOUT_H */
