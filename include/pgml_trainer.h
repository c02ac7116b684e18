/*
 * pgml_trainer.h
 *	  The trainer process: the one place where XGBoost, OpenMP and
 *	  OpenBLAS/LAPACK run.  No PostgreSQL process loads them.
 *
 *	  pgml_trainer (src/trainer/) is an executable the extension installs
 *	  into PostgreSQL's package library directory.  A database worker, or a
 *	  backend running pgml.train() / pgml.predict_native(), starts one with
 *	  fork+exec (trainer_client.c) and talks to it over a socket pair; the
 *	  training matrix travels in a memfd both processes map, never through
 *	  the socket.  The trainer is a grandchild of the postmaster attached to
 *	  nothing: a crash, abort or OOM kill of it fails one job, never the
 *	  server.  See docs/architecture.md, "The trainer process".
 *
 *	  Wire format: every message is a PgmlTrainerMsgHeader and `length`
 *	  payload bytes, little-endian host order (both ends are the same
 *	  build).  A FIT request carries the data memfd as SCM_RIGHTS.
 *
 *	  parent -> trainer              trainer -> parent
 *	  FIT (request, data fd)         PROGRESS*, NOTICE*, then MODEL (the
 *	                                 fit's seconds, the fitted model) or ERROR
 *	  BOOSTER_LOAD (model bytes)     NOTICE*, then OK (n_features) or ERROR
 *	  BOOSTER_PREDICT (one row)      FLOATS or ERROR
 *	  BOOSTER_JSON (model bytes)     BYTES or ERROR
 *	  (socket closed)                exits
 *
 *	  After ERROR the trainer exits; the next request starts a new one.
 */
#ifndef PGML_TRAINER_H
#define PGML_TRAINER_H

#include "postgres.h"
#include "lib/stringinfo.h"

#include "pgml_model.h"
#include "pgml_train.h"

#define PGML_TRAINER_PROGRAM	"pgml_trainer"
#define PGML_TRAINER_PROTOCOL	2	/* 2: MODEL starts with the fit's time */
/* the trainer's socket: always this descriptor after exec */
#define PGML_TRAINER_SOCKET_FD	3
/*
 * Largest message either end accepts: a fitted model (its trees and
 * booster bytes) must become an artifact of at most 1 GB, so 2 GB bounds
 * what a trainer gone wrong can make its parent allocate.
 */
#define PGML_TRAINER_MAX_MESSAGE	((Size) 1 << 31)

typedef enum PgmlTrainerMsgType
{
	PGML_TMSG_FIT = 1,
	PGML_TMSG_BOOSTER_LOAD,
	PGML_TMSG_BOOSTER_PREDICT,
	PGML_TMSG_BOOSTER_JSON,
	PGML_TMSG_PROGRESS = 16,
	PGML_TMSG_NOTICE,
	PGML_TMSG_ERROR,
	PGML_TMSG_MODEL,
	PGML_TMSG_OK,
	PGML_TMSG_FLOATS,
	PGML_TMSG_BYTES
} PgmlTrainerMsgType;

typedef struct PgmlTrainerMsgHeader
{
	uint32		type;			/* PgmlTrainerMsgType */
	uint32		protocol;		/* PGML_TRAINER_PROTOCOL */
	uint64		length;			/* payload bytes that follow */
} PgmlTrainerMsgHeader;

/*
 * Faults the trainer injects on request (pgml_worker.trainer_fault,
 * superusers only), at the start of a fit, for the tests of the fault
 * handling: what a crash, an abort, an uncaught C++ exception
 * (std::terminate), running out of address space, an OOM kill and a
 * round that never ends look like to the parent.
 */
typedef enum PgmlTrainerFault
{
	PGML_FAULT_NONE = 0,
	PGML_FAULT_SEGFAULT,
	PGML_FAULT_ABORT,
	PGML_FAULT_EXCEPTION,
	PGML_FAULT_MEMORY,
	PGML_FAULT_OOM_KILL,
	PGML_FAULT_HANG
} PgmlTrainerFault;

/*
 * The data of one fit, in one memfd: x (float32, n_rows * n_features,
 * row-major), then y (double, n_rows * n_y, row-major) if present, then row_of (int64,
 * n_rows) if present, each at a 64-byte boundary.
 */
typedef struct PgmlTrainerLayout
{
	Size		x_offset;
	Size		y_offset;		/* 0: no y */
	Size		row_of_offset;	/* 0: no row_of */
	Size		total;
} PgmlTrainerLayout;

/* Offsets of the parts; false if the sizes overflow. */
extern bool pgml_trainer_layout(int64 n_rows, int32 n_features, int32 n_y,
								bool has_row_of, PgmlTrainerLayout *layout);

/*
 * Encoding and decoding (trainer_wire.c, linked into both processes).
 * Readers check every length against what is left: a short or malformed
 * message is an ERRCODE_PROTOCOL_VIOLATION error, never a read past the
 * end.
 */
typedef struct PgmlWireReader
{
	const char *data;
	Size		len;
	Size		pos;
} PgmlWireReader;

extern void pgml_wire_put_int32(StringInfo buf, int32 v);
extern void pgml_wire_put_int64(StringInfo buf, int64 v);
extern void pgml_wire_put_float8(StringInfo buf, double v);
/* NULL is written as length -1 */
extern void pgml_wire_put_bytes(StringInfo buf, const void *data, int64 len);
extern void pgml_wire_put_string(StringInfo buf, const char *s);
extern int32 pgml_wire_get_int32(PgmlWireReader *r);
extern int64 pgml_wire_get_int64(PgmlWireReader *r);
extern double pgml_wire_get_float8(PgmlWireReader *r);
/* a palloc'd copy (NUL-terminated), or NULL; *len gets the length */
extern char *pgml_wire_get_bytes(PgmlWireReader *r, int64 *len);
extern char *pgml_wire_get_string(PgmlWireReader *r);
/* an array of count elements of elsize bytes, exactly, or NULL if absent */
extern void *pgml_wire_get_array(PgmlWireReader *r, Size elsize, int64 count);

/* The fields a fit fills in (pgml_model.h: trainers' outputs). */
extern void pgml_wire_put_fit(StringInfo buf, const PgmlModel *m);
/* Read them into m, whose n_features is set; counts are checked. */
extern void pgml_wire_get_fit(PgmlWireReader *r, PgmlModel *m);

/*
 * The parent's side (trainer_client.c, in pgml_train.so).
 *
 * A PgmlTrainer is one trainer process.  Every wait for it is
 * interruptible: a query cancel, a timeout, pg_terminate_backend, a job
 * cancellation (pgml_train_check_cancel) or a shutdown kills the trainer
 * (SIGKILL) before the error propagates, and it is killed at the end of
 * the transaction and at process exit in any case.  A trainer that dies
 * is an ERROR naming what happened (signal, exit code, memory limit).
 */
typedef struct PgmlTrainer PgmlTrainer;

/* The data of one fit, mapped shared; fill x (and y, row_of). */
typedef struct PgmlTrainerData
{
	float	   *x;
	double	   *y;				/* [n_rows * n_y], NULL if n_y is 0 */
	int64	   *row_of;			/* NULL unless has_row_of */
	int64		n_rows;
	int32		n_features;
	int32		n_y;			/* labels per row: 0, 1, or a joint model's */
	int			fd;
	char	   *base;
	PgmlTrainerLayout layout;
} PgmlTrainerData;

extern PgmlTrainerData *pgml_trainer_data_create(int64 n_rows, int32 n_features,
												 int32 n_y, bool has_row_of);
extern void pgml_trainer_data_free(PgmlTrainerData *data);

/*
 * The trainer of the current job: started at the first fit, reused by the
 * following ones (search folds), stopped by pgml_trainer_end_job() or at
 * transaction end.  data is unmapped and closed once the request is sent
 * (its pages live on in the trainer's mapping until the fit lets go of
 * them): in->x, in->y and in->row_of must not be read after the call.
 */
extern void pgml_trainer_fit(const PgmlTrainInput *in, PgmlTrainerData *data,
							 PgmlModel *m);
extern void pgml_trainer_end_job(void);

/* Bytes to the parent: what predict_native and export_model need. */
extern PgmlTrainer *pgml_trainer_start(void);
/* *t if it is running, else a new trainer stored there */
extern PgmlTrainer *pgml_trainer_ensure(PgmlTrainer **t);
extern void pgml_trainer_stop(PgmlTrainer *t);
extern bool pgml_trainer_alive(PgmlTrainer *t);
/* Send a request, wait for the reply of type expect; its payload. */
extern char *pgml_trainer_call(PgmlTrainer *t, PgmlTrainerMsgType type,
							   const char *payload, Size len,
							   PgmlTrainerMsgType expect, Size *reply_len);

/*
 * For pgml.models.timings: seconds spent writing the data for trainers and
 * handing it over, seconds the trainers' fits took by their own clock (the
 * fit function, from the mapped rows to the fitted model, without the
 * trainer's start and the model's transfer), and the largest peak resident
 * set (kB) of a trainer reaped by this process.  Callers reset them.
 */
extern double pgml_trainer_handoff_seconds;
extern double pgml_trainer_fit_seconds;
extern long pgml_trainer_peak_rss_kb;

#endif							/* PGML_TRAINER_H */
