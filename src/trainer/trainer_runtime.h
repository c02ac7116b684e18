/*
 * trainer_runtime.h
 *	  Private to the pgml_trainer executable: the backend API shim
 *	  (runtime.c) and what it needs from the protocol loop (main.c).
 */
#ifndef PGML_TRAINER_RUNTIME_H
#define PGML_TRAINER_RUNTIME_H

#include "postgres.h"
#include "utils/jsonb.h"

/* One ereport, as collected; strings are malloc'd. */
typedef struct PgmlShimError
{
	int			elevel;
	int			sqlerrcode;
	char	   *message;
	char	   *detail;
	char	   *hint;
} PgmlShimError;

/* One key of the hyperparameters object, as the parent sent it. */
typedef struct PgmlShimPair
{
	char	   *key;
	int			type;			/* enum jbvType: Null, String, Numeric, Bool,
								 * or Binary for a nested container */
	char	   *text;			/* string bytes, number text, "t"/"f" */
	int64		text_len;
	void	   *numeric;		/* set by pgml_shim_jsonb */
} PgmlShimPair;

/* A read-only jsonb over the pairs (an array, empty, if !is_object). */
extern Jsonb *pgml_shim_jsonb(bool is_object, int n_pairs, PgmlShimPair *pairs);

/* The error being propagated (valid in a PG_CATCH and at the top). */
extern const PgmlShimError *pgml_shim_last_error(void);

/* main.c: forward a NOTICE/WARNING; report an uncaught ERROR and exit. */
extern void pgml_shim_notice(const PgmlShimError *e);
extern void pgml_shim_fatal(const PgmlShimError *e) pg_attribute_noreturn();

#endif							/* PGML_TRAINER_RUNTIME_H */
