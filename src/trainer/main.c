/*-------------------------------------------------------------------------
 *
 * main.c
 *	  The pgml_trainer executable: serve fit and booster requests of one
 *	  PostgreSQL process over the socket it inherits as descriptor 3.
 *
 * Started by trainer_client.c with fork+exec:
 *	  pgml_trainer <protocol> <parent pid>
 * The parent has already lowered its priority, limited its address space
 * (RLIMIT_AS) and asked for SIGKILL when it dies (PR_SET_PDEATHSIG); here
 * we check that the parent is still the one that started us (it may have
 * died between fork and prctl) and offer ourselves to the OOM killer
 * first.  Requests and replies: include/pgml_trainer.h.
 *
 * Any ERROR ends the process after it is sent: the parent raises it and
 * starts a new trainer for the next request, so nothing a failed fit left
 * behind (XGBoost's state, OpenMP threads, leaked memory) carries over.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/stringinfo.h"
#include "portability/instr_time.h"
#include "utils/memutils.h"

#include "pgml_algorithms.h"
#include "pgml_trainer.h"
#include "trainer_booster.h"
#include "trainer_cart.h"
#include "trainer_joint.h"
#include "trainer_runtime.h"

#ifdef PGML_COVERAGE
extern void __gcov_dump(void);	/* libgcov, in --coverage builds */
#endif

static int	sock = PGML_TRAINER_SOCKET_FD;

/* Write all of buf, or exit: the parent is gone. */
static void
write_all(const char *buf, Size len)
{
	while (len > 0)
	{
		ssize_t		n = write(sock, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		buf += n;
		len -= (Size) n;
	}
}

static void
send_message(PgmlTrainerMsgType type, const char *payload, Size len)
{
	PgmlTrainerMsgHeader h;

	h.type = (uint32) type;
	h.protocol = PGML_TRAINER_PROTOCOL;
	h.length = len;
	write_all((const char *) &h, sizeof(h));
	if (len > 0)
		write_all(payload, len);
}

/*
 * Read exactly len bytes; a descriptor passed along is stored in *fd.
 * false at a clean end of file before the first byte.
 */
static bool
read_all(char *buf, Size len, int *fd)
{
	Size		got = 0;

	while (got < len)
	{
		struct msghdr msg;
		struct iovec iov;
		union
		{
			char		buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		}			control;
		ssize_t		n;

		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf + got;
		iov.iov_len = len - got;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && got == 0)
			return false;
		if (n <= 0)
			_exit(3);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		{
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			{
				int			passed;

				memcpy(&passed, CMSG_DATA(c), sizeof(int));
				if (fd != NULL && *fd < 0)
					*fd = passed;
				else
					close(passed);
			}
		}
		got += (Size) n;
	}
	return true;
}

/* ----------------------------------------------------------------------
 * What runtime.c and the fit code call
 * ---------------------------------------------------------------------- */

static void
send_report(PgmlTrainerMsgType type, const PgmlShimError *e)
{
	StringInfoData s;

	initStringInfo(&s);
	pgml_wire_put_int32(&s, e->elevel);
	pgml_wire_put_int32(&s, e->sqlerrcode);
	pgml_wire_put_string(&s, e->message ? e->message : "unknown error in the trainer process");
	pgml_wire_put_string(&s, e->detail);
	pgml_wire_put_string(&s, e->hint);
	send_message(type, s.data, s.len);
	pfree(s.data);
}

void
pgml_shim_notice(const PgmlShimError *e)
{
	send_report(PGML_TMSG_NOTICE, e);
}

void
pgml_shim_fatal(const PgmlShimError *e)
{
	send_report(PGML_TMSG_ERROR, e);
#ifdef PGML_COVERAGE
	__gcov_dump();
#endif
	_exit(1);
}

/* The parent kills us when it must stop: nothing to check here. */
void
pgml_train_check_cancel(void)
{
}

void
pgml_train_report_progress(int32 done, int32 total)
{
	int32		v[2] = {done, total};

	send_message(PGML_TMSG_PROGRESS, (const char *) v, sizeof(v));
}

/* ----------------------------------------------------------------------
 * Faults on request (tests)
 * ---------------------------------------------------------------------- */

static void
inject_fault(PgmlTrainerFault fault)
{
	switch (fault)
	{
		case PGML_FAULT_NONE:
			return;
		case PGML_FAULT_SEGFAULT:
			{
				volatile int *volatile nowhere = NULL;

				*nowhere = 1;
				break;
			}
		case PGML_FAULT_ABORT:
			abort();
		case PGML_FAULT_EXCEPTION:
			{
				/* what an uncaught C++ exception ends in */
				void		(*terminate) (void) = (void (*) (void))
					dlsym(RTLD_DEFAULT, "_ZSt9terminatev");

				if (terminate)
					terminate();
				abort();
			}
		case PGML_FAULT_MEMORY:
			{
				struct rlimit lim;

				/* address space only: never touch the pages */
				if (getrlimit(RLIMIT_AS, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
					ereport(ERROR,
							(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							 errmsg("trainer fault \"memory\" needs pgml_worker.trainer_memory_limit")));
				for (;;)
					(void) MemoryContextAllocHuge(CurrentMemoryContext, (Size) 64 << 20);
			}
		case PGML_FAULT_OOM_KILL:
			raise(SIGKILL);
			break;
		case PGML_FAULT_HANG:
			{
				volatile uint64 spin = 0;

				/* a boosting round that never ends: busy, deaf */
				for (;;)
					spin++;
			}
	}
}

/* ----------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------- */

/* The fit function of each algorithm, in the list's order (pgml_algorithms.h). */
#define PGML_ALGORITHM_FIT(name, tasks, family, missing, joint, hp, fit) fit,
static void (*const fit_of_algorithm[]) (const PgmlTrainInput *in, PgmlModel *m) = {
	PGML_ALGORITHM_LIST(PGML_ALGORITHM_FIT)
};

/* The training data of the fit being served, while mapped. */
static char *fit_data = NULL;
static Size fit_data_size = 0;
/* a joint fit reads the data once per target: the fits may not unmap it */
static bool keep_input = false;

/*
 * See pgml_train.h: the fit has what it needs of the training data.  Its
 * pages are freed once the parent, which closed its mapping after sending
 * the request, and this process have both let go.
 */
void
pgml_train_input_done(const PgmlTrainInput *in)
{
	if (keep_input)
		return;
	if (fit_data != NULL)
		(void) munmap(fit_data, fit_data_size);
	fit_data = NULL;
	fit_data_size = 0;
}

static void
serve_fit(PgmlWireReader *r, int fd)
{
	instr_time	fit_start,
				fit_end;
	PgmlTrainInput in;
	PgmlModel	m;
	PgmlTrainerLayout layout;
	struct stat st;
	char	   *base;
	int32		n_y,
				has_row_of,
				hp_kind;
	PgmlTrainerFault fault;
	StringInfoData out;
	void		(*fit) (const PgmlTrainInput *in, PgmlModel *m);
	const PgmlAlgorithmDef *algo;

	memset(&in, 0, sizeof(in));
	in.algorithm = pgml_wire_get_string(r);
	in.task = (PgmlTask) pgml_wire_get_int32(r);
	in.n_classes = pgml_wire_get_int32(r);
	in.n_features = pgml_wire_get_int32(r);
	in.n_rows = pgml_wire_get_int64(r);
	in.nthread = pgml_wire_get_int32(r);
	in.seed = (uint64) pgml_wire_get_int64(r);
	n_y = pgml_wire_get_int32(r);
	has_row_of = pgml_wire_get_int32(r);
	fault = (PgmlTrainerFault) pgml_wire_get_int32(r);
	hp_kind = pgml_wire_get_int32(r);
	if (hp_kind >= 0)
	{
		int32		n = pgml_wire_get_int32(r);
		PgmlShimPair *pairs;

		if (n < 0 || n > 100000)
			elog(ERROR, "bad hyperparameter count %d", n);
		pairs = palloc0(sizeof(PgmlShimPair) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			pairs[i].key = pgml_wire_get_string(r);
			pairs[i].type = pgml_wire_get_int32(r);
			pairs[i].text = pgml_wire_get_bytes(r, &pairs[i].text_len);
			if (pairs[i].key == NULL || pairs[i].text == NULL)
				elog(ERROR, "bad hyperparameter %d", i);
		}
		in.hyperparams = pgml_shim_jsonb(hp_kind == 1, n, pairs);
	}
	if (in.algorithm == NULL)
		elog(ERROR, "fit request without an algorithm");

	if (fd < 0 ||
		!pgml_trainer_layout(in.n_rows, in.n_features, n_y, has_row_of, &layout) ||
		fstat(fd, &st) != 0 || (Size) st.st_size < layout.total)
		elog(ERROR, "the training data does not match the fit request");
	base = mmap(NULL, layout.total, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not map the training data: %m")));
	close(fd);
	fit_data = base;
	fit_data_size = layout.total;
	in.x = (const float *) (base + layout.x_offset);
	in.y = n_y > 0 ? (const double *) (base + layout.y_offset) : NULL;
	in.n_targets = Max(n_y, 1);
	in.row_of = has_row_of ? (const int64 *) (base + layout.row_of_offset) : NULL;

	inject_fault(fault);

	INSTR_TIME_SET_CURRENT(fit_start);
	memset(&m, 0, sizeof(m));
	m.task = in.task;
	m.n_features = in.n_features;
	m.n_classes = in.n_classes;
	algo = pgml_algorithm_lookup(in.algorithm);
	fit = fit_of_algorithm[pgml_algorithm_index(algo)];
	if (in.n_targets > 1 && !algo->joint)
	{
		/* one model per target, read from the data while it stays mapped */
		keep_input = true;
		pgml_joint_train(&in, &m, fit);
		keep_input = false;
	}
	else
		fit(&in, &m);
	pgml_train_input_done(&in);
	INSTR_TIME_SET_CURRENT(fit_end);
	INSTR_TIME_SUBTRACT(fit_end, fit_start);

	/* the fit's own time (timings.fit), then the model */
	initStringInfo(&out);
	pgml_wire_put_float8(&out, INSTR_TIME_GET_DOUBLE(fit_end));
	pgml_wire_put_fit(&out, &m);
	send_message(PGML_TMSG_MODEL, out.data, out.len);
}

static void
serve(PgmlTrainerMsgType type, PgmlWireReader *r, int fd)
{
	StringInfoData out;

	initStringInfo(&out);
	switch (type)
	{
		case PGML_TMSG_FIT:
			serve_fit(r, fd);
			fd = -1;
			break;
		case PGML_TMSG_BOOSTER_LOAD:
			pgml_trainer_booster_load(r, &out);
			send_message(PGML_TMSG_OK, out.data, out.len);
			break;
		case PGML_TMSG_BOOSTER_PREDICT:
			pgml_trainer_booster_predict(r, &out);
			send_message(PGML_TMSG_FLOATS, out.data, out.len);
			break;
		case PGML_TMSG_BOOSTER_JSON:
			pgml_trainer_booster_json(r, &out);
			send_message(PGML_TMSG_BYTES, out.data, out.len);
			break;
		default:
			elog(ERROR, "unknown trainer request %u", (unsigned) type);
	}
	if (fd >= 0)
		close(fd);
}

int
main(int argc, char **argv)
{
	pid_t		parent;
	int			deathsig = 0;
	MemoryContext request_context;

	if (argc != 3 || atoi(argv[1]) != PGML_TRAINER_PROTOCOL)
	{
		fprintf(stderr, "pgml_trainer: started by PostgreSQL's pgml_worker, not by hand (protocol %d)\n",
				PGML_TRAINER_PROTOCOL);
		return 2;
	}
	parent = (pid_t) atol(argv[2]);

	/* die with the parent; if it is already gone, do nothing */
	if (prctl(PR_GET_PDEATHSIG, &deathsig) != 0 || deathsig != SIGKILL)
		(void) prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 2;

	/* under memory pressure, the kernel should take us, not the server */
	{
		int			fd = open("/proc/self/oom_score_adj", O_WRONLY);

		if (fd >= 0)
		{
			if (write(fd, "1000", 4) < 0)
			{
				/* not fatal: the default score applies */
			}
			close(fd);
		}
	}
	signal(SIGPIPE, SIG_IGN);

	request_context = AllocSetContextCreate(TopMemoryContext, "request",
											ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		PgmlTrainerMsgHeader h;
		PgmlWireReader r;
		char	   *payload;
		int			fd = -1;

		MemoryContextReset(request_context);
		MemoryContextSwitchTo(request_context);
		if (!read_all((char *) &h, sizeof(h), &fd))
			break;				/* the parent closed the socket */
		if (h.protocol != PGML_TRAINER_PROTOCOL || h.length > PGML_TRAINER_MAX_MESSAGE)
			elog(ERROR, "malformed trainer request (protocol %u, %llu bytes)",
				 (unsigned) h.protocol, (unsigned long long) h.length);
		payload = MemoryContextAllocHuge(request_context, Max(h.length, 1));
		if (h.length > 0 && !read_all(payload, h.length, &fd))
			_exit(3);
		r.data = payload;
		r.len = h.length;
		r.pos = 0;
		serve((PgmlTrainerMsgType) h.type, &r, fd);
	}
#ifdef PGML_COVERAGE
	/* coverage builds: _exit runs no atexit handler, so write the counters */
	__gcov_dump();
#endif
	_exit(0);
}
