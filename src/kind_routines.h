/*
 * kind_routines.h
 *	  Private to pgml_worker.so: the routines of each model kind, by the
 *	  file that defines them, which src/kinds.c gathers into one table per
 *	  kind (include/pgml_kind.h states what each does).  Nothing but
 *	  kinds.c and the files below may include this header.
 */
#ifndef PGML_KIND_ROUTINES_H
#define PGML_KIND_ROUTINES_H

#include "pgml_kind.h"

typedef struct PgmlArtifactWriter PgmlArtifactWriter;
typedef struct PgmlImageFields PgmlImageFields;

/* src/artifact.c: the artifact section */
extern int	pgml_trees_pack_fields(const PgmlModel *m);
extern void pgml_trees_pack(PgmlArtifactWriter *w, const PgmlModel *m);
extern int	pgml_linear_pack_fields(const PgmlModel *m);
extern void pgml_linear_pack(PgmlArtifactWriter *w, const PgmlModel *m);
extern int	pgml_centroids_pack_fields(const PgmlModel *m);
extern void pgml_centroids_pack(PgmlArtifactWriter *w, const PgmlModel *m);
extern int	pgml_projection_pack_fields(const PgmlModel *m);
extern void pgml_projection_pack(PgmlArtifactWriter *w, const PgmlModel *m);

/* src/image.c: validation and layout (centroids and projection share one) */
extern void *pgml_trees_plan(const PgmlImageFields *f, struct PgmlImage *hdr,
							 uint64 *pos);
extern void pgml_trees_write(const PgmlImageFields *f, const struct PgmlImage *hdr,
							 char *base, void *plan);
extern void *pgml_linear_plan(const PgmlImageFields *f, struct PgmlImage *hdr,
							  uint64 *pos);
extern void pgml_linear_write(const PgmlImageFields *f, const struct PgmlImage *hdr,
							  char *base, void *plan);
extern void *pgml_matrix_plan(const PgmlImageFields *f, struct PgmlImage *hdr,
							  uint64 *pos);
extern void pgml_matrix_write(const PgmlImageFields *f, const struct PgmlImage *hdr,
							  char *base, void *plan);

/* src/tree_eval.c: evaluation of one row */
extern void pgml_trees_outputs(const struct PgmlImage *img, const float *x,
							   float *out);
extern double pgml_trees_value(const struct PgmlImage *img, const float *x);
extern int32 pgml_trees_classify(const struct PgmlImage *img, const float *x);
extern void pgml_trees_proba(const struct PgmlImage *img, const float *x,
							 float *out);
extern int32 pgml_trees_class_proba(const struct PgmlImage *img, const float *x,
									float *proba);
extern void pgml_linear_outputs(const struct PgmlImage *img, const float *x,
								float *out);
extern double pgml_linear_value(const struct PgmlImage *img, const float *x);
extern int32 pgml_linear_classify(const struct PgmlImage *img, const float *x);
extern void pgml_linear_proba(const struct PgmlImage *img, const float *x,
							  float *out);
extern int32 pgml_linear_class_proba(const struct PgmlImage *img, const float *x,
									 float *proba);
extern void pgml_centroids_outputs(const struct PgmlImage *img, const float *x,
								   float *out);
extern double pgml_centroids_value(const struct PgmlImage *img, const float *x);
extern void pgml_projection_outputs(const struct PgmlImage *img, const float *x,
									float *out);
extern double pgml_projection_value(const struct PgmlImage *img, const float *x);

#endif							/* PGML_KIND_ROUTINES_H */
