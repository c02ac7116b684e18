/*-------------------------------------------------------------------------
 *
 * trainer_client.c
 *	  The PostgreSQL side of the trainer process (include/pgml_trainer.h):
 *	  start it with fork+exec, hand it the training data in a memfd, wait
 *	  for its replies while staying interruptible, and kill it whenever this
 *	  process stops waiting for it.
 *
 * Why a process (docs/architecture.md): a crash, an abort or an OOM kill of
 * a postmaster child restarts the whole cluster, and nothing interrupts a
 * process inside an XGBoost round.  The trainer is our child, not the
 * postmaster's: when it dies the postmaster never hears of it, and the job
 * fails with the reason.  We wait for it on a WaitEventSet (latch, its
 * socket, postmaster death), so a query cancel, statement_timeout, a job
 * cancellation, pg_terminate_backend and a fast shutdown are seen at once;
 * the error or exit path kills the trainer with SIGKILL and reaps it.  It
 * also dies with us (PR_SET_PDEATHSIG), is limited in address space
 * (pgml_worker.trainer_memory_limit) and runs at a lower priority
 * (pgml_worker.trainer_nice).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "pgml_trainer.h"
#include "pgml_worker.h"

struct PgmlTrainer
{
	pid_t		pid;			/* 0 once reaped */
	int			sock;
	WaitEventSet *events;
	int			status;			/* waitpid status, once reaped */
	long		max_rss_kb;		/* its peak resident set, once reaped */
};

/* Every trainer of this process, for the exit callback. */
#define MAX_TRAINERS	4
static PgmlTrainer *trainers[MAX_TRAINERS];

/* The trainer of the current job (fits). */
static PgmlTrainer *job_trainer = NULL;

static bool callbacks_registered = false;

double		pgml_trainer_handoff_seconds = 0;
double		pgml_trainer_fit_seconds = 0;
long		pgml_trainer_peak_rss_kb = 0;

/* ----------------------------------------------------------------------
 * Life cycle
 * ---------------------------------------------------------------------- */

/* Kill (if alive) and reap t; its descriptors are closed. */
static void
trainer_reap(PgmlTrainer *t, bool kill_it)
{
#ifdef PGML_COVERAGE

	/*
	 * Coverage builds only: an idle trainer whose socket closes exits by
	 * itself and writes its gcov counters, which SIGKILL would lose.  Give
	 * it a second.
	 */
	if (kill_it && t->pid > 0 && t->sock >= 0)
	{
		close(t->sock);
		t->sock = -1;
		for (int i = 0; i < 100; i++)
		{
			if (waitpid(t->pid, &t->status, WNOHANG) == t->pid)
			{
				t->pid = 0;
				break;
			}
			pg_usleep(10000);
		}
	}
#endif
	if (t->pid > 0)
	{
		struct rusage usage;

		if (kill_it)
			(void) kill(t->pid, SIGKILL);
		memset(&usage, 0, sizeof(usage));
		while (wait4(t->pid, &t->status, 0, &usage) < 0)
		{
			if (errno != EINTR)
			{
				t->status = 0;
				break;
			}
		}
		t->max_rss_kb = usage.ru_maxrss;
		pgml_trainer_peak_rss_kb = Max(pgml_trainer_peak_rss_kb, usage.ru_maxrss);
		t->pid = 0;
	}
	if (t->events != NULL)
	{
		FreeWaitEventSet(t->events);
		t->events = NULL;
	}
	if (t->sock >= 0)
	{
		close(t->sock);
		t->sock = -1;
	}
}

void
pgml_trainer_stop(PgmlTrainer *t)
{
	if (t == NULL)
		return;
	trainer_reap(t, true);
	for (int i = 0; i < MAX_TRAINERS; i++)
	{
		if (trainers[i] == t)
			trainers[i] = NULL;
	}
	if (t == job_trainer)
		job_trainer = NULL;
	pfree(t);
}

/* *t if it runs, else a new trainer in its place (a dead one is stopped). */
PgmlTrainer *
pgml_trainer_ensure(PgmlTrainer **t)
{
	if (!pgml_trainer_alive(*t))
	{
		if (*t != NULL)
			pgml_trainer_stop(*t);
		*t = NULL;
		*t = pgml_trainer_start();
	}
	return *t;
}

/* Running, and not a zombie: a trainer that died is reaped here. */
bool
pgml_trainer_alive(PgmlTrainer *t)
{
	if (t == NULL || t->pid <= 0)
		return false;
	if (waitpid(t->pid, &t->status, WNOHANG) == t->pid)
	{
		t->pid = 0;
		trainer_reap(t, false);
		return false;
	}
	return true;
}

/* before_shmem_exit: no trainer outlives this process, FATAL included. */
static void
trainer_exit_callback(int code, Datum arg)
{
	for (int i = 0; i < MAX_TRAINERS; i++)
	{
		if (trainers[i] != NULL)
			trainer_reap(trainers[i], true);
	}
}

/* A job's trainer ends with its transaction (or savepoint), whatever the outcome. */
static void
trainer_xact_callback(XactEvent event, void *arg)
{
	if (job_trainer != NULL &&
		(event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		 event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		 event == XACT_EVENT_PREPARE))
		pgml_trainer_stop(job_trainer);
}

static void
trainer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	if (job_trainer != NULL && event == SUBXACT_EVENT_ABORT_SUB)
		pgml_trainer_stop(job_trainer);
}

/* The address space limit in bytes, 0 for none. */
static rlim_t
trainer_memory_bytes(void)
{
	long		pages,
				page_size;

	if (pgml_trainer_memory_limit > 0)
		return (rlim_t) pgml_trainer_memory_limit * 1024 * 1024;
	if (pgml_trainer_memory_limit == 0)
		return 0;
	/* -1: half of the machine's memory, at least 1 GB */
	pages = sysconf(_SC_PHYS_PAGES);
	page_size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || page_size <= 0)
		return 0;
	return Max((rlim_t) pages * page_size / 2, (rlim_t) 1 << 30);
}

/* The limit as users set it, for messages. */
static char *
trainer_memory_text(void)
{
	rlim_t		bytes = trainer_memory_bytes();

	if (bytes == 0)
		return pstrdup("no limit");
	return psprintf("%lluMB%s", (unsigned long long) (bytes >> 20),
					pgml_trainer_memory_limit < 0 ? ", half of the machine's memory" : "");
}

/*
 * In the child between fork and exec: only plain system calls, no palloc,
 * no ereport, no shared memory.  Failure is exit status 127.
 */
static void
trainer_child(int sock, const char *path, pid_t parent, rlim_t memory,
			  int niceness)
{
	char		protocol[16];
	char		parent_text[16];
	char	   *argv[4];
	sigset_t	none;

	/* dup2 onto itself would keep FD_CLOEXEC: clear it instead */
	if (sock == PGML_TRAINER_SOCKET_FD)
	{
		if (fcntl(sock, F_SETFD, 0) != 0)
			_exit(127);
	}
	else if (dup2(sock, PGML_TRAINER_SOCKET_FD) != PGML_TRAINER_SOCKET_FD)
		_exit(127);
	/* nothing of the server: client socket, postmaster pipe, files */
	if (close_range(PGML_TRAINER_SOCKET_FD + 1, ~0U, 0) != 0)
	{
		for (int fd = PGML_TRAINER_SOCKET_FD + 1; fd < 65536; fd++)
		{
			if (close(fd) != 0 && errno == EBADF && fd > 1024)
				break;
		}
	}
	/*
	 * A session of its own: the postmaster signals a backend's whole
	 * process group (a client's cancel request, SIGHUP at a reload), which
	 * must not reach the trainer; its parent kills it when it must stop,
	 * and PR_SET_PDEATHSIG covers a parent that dies.
	 */
	if (setsid() < 0)
		_exit(127);
	/* the parent blocked every signal around fork: restore the defaults */
	for (int sig = 1; sig < NSIG; sig++)
		(void) signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	if (niceness > 0)
	{
		errno = 0;
		(void) setpriority(PRIO_PROCESS, 0,
						   Min(getpriority(PRIO_PROCESS, 0) + niceness, 19));
	}
	if (memory > 0)
	{
		struct rlimit lim = {memory, memory};

		if (setrlimit(RLIMIT_AS, &lim) != 0)
			_exit(127);
	}
	/*
	 * The postmaster asks for passive OpenMP waiting (pgml_worker.c) for
	 * server processes.  A trainer runs niced: give it libgomp's default
	 * (spin briefly, then sleep), as bare XGBoost has, not passive waiting
	 * (measured 9% slower) nor active (idle threads spinning forever),
	 * unless the administrator chose a policy for trainers
	 * (PGML_TRAINER_OMP_WAIT_POLICY).
	 */
	/*
	 * OpenBLAS starts its thread pool when it loads, and the idle threads
	 * spin for a while, on the CPUs an XGBoost fit needs (measured: 0.2 s of
	 * a 5 s fit on two CPUs).  Start with none; the linear models ask for
	 * theirs with openblas_set_num_threads(), which creates them then.
	 */
	(void) setenv("OPENBLAS_NUM_THREADS", "1", 1);
	if (getenv("PGML_TRAINER_OMP_WAIT_POLICY") != NULL)
		(void) setenv("OMP_WAIT_POLICY", getenv("PGML_TRAINER_OMP_WAIT_POLICY"), 1);
	else
		(void) unsetenv("OMP_WAIT_POLICY");
	snprintf(protocol, sizeof(protocol), "%d", PGML_TRAINER_PROTOCOL);
	snprintf(parent_text, sizeof(parent_text), "%d", (int) parent);
	argv[0] = (char *) PGML_TRAINER_PROGRAM;
	argv[1] = protocol;
	argv[2] = parent_text;
	argv[3] = NULL;
	execv(path, argv);
	_exit(127);
}

PgmlTrainer *
pgml_trainer_start(void)
{
	char		path[MAXPGPATH];
	int			sv[2];
	int			slot = -1;
	pid_t		pid;
	PgmlTrainer *t;

	if (!callbacks_registered)
	{
		before_shmem_exit(trainer_exit_callback, (Datum) 0);
		RegisterXactCallback(trainer_xact_callback, NULL);
		RegisterSubXactCallback(trainer_subxact_callback, NULL);
		callbacks_registered = true;
	}
	for (int i = 0; i < MAX_TRAINERS; i++)
	{
		if (trainers[i] == NULL)
		{
			slot = i;
			break;
		}
	}
	if (slot < 0)
		elog(ERROR, "too many trainer processes in one backend");

	snprintf(path, sizeof(path), "%s/%s", pkglib_path, PGML_TRAINER_PROGRAM);
	if (access(path, X_OK) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not execute the trainer program \"%s\": %m", path),
				 errhint("Install pgml_worker again: make install puts it next to the library.")));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create a socket for the trainer process: %m")));

	t = MemoryContextAllocZero(TopMemoryContext, sizeof(PgmlTrainer));
	t->sock = sv[0];
	t->pid = 0;
	{
		rlim_t		memory = trainer_memory_bytes();
		int			niceness = pgml_trainer_nice;
		pid_t		parent = getpid();
		sigset_t	all,
					old;

		/*
		 * No handler of this process may run in the child before exec (it
		 * would act on the parent's shared state): block everything across
		 * fork; the child resets the handlers, then unblocks.
		 */
		fflush(NULL);
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, &old);
		pid = fork();
		if (pid == 0)
			trainer_child(sv[1], path, parent, memory, niceness);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	close(sv[1]);
	if (pid < 0)
	{
		int			save_errno = errno;

		close(sv[0]);
		pfree(t);
		errno = save_errno;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start the trainer process: %m")));
	}
	t->pid = pid;
	trainers[slot] = t;
	if (fcntl(t->sock, F_SETFL, O_NONBLOCK) != 0)
	{
		pgml_trainer_stop(t);
		ereport(ERROR,
				(errcode_for_socket_access(),
				 errmsg("could not set up the socket of the trainer process: %m")));
	}
	elog(DEBUG1, "started trainer process %d", (int) pid);
	PG_TRY();
	{
		t->events = CreateWaitEventSet(TopMemoryContext, 3);
		AddWaitEventToSet(t->events, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
		AddWaitEventToSet(t->events, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
		AddWaitEventToSet(t->events, WL_SOCKET_READABLE, t->sock, NULL, NULL);
	}
	PG_CATCH();
	{
		/* no trainer without a way to wait for it */
		pgml_trainer_stop(t);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return t;
}

/* ----------------------------------------------------------------------
 * Talking
 * ---------------------------------------------------------------------- */

/* Wait until the socket may be read (or written), honouring interrupts. */
static void
trainer_wait_socket(PgmlTrainer *t, bool write)
{
	WaitEvent	event;

	ModifyWaitEvent(t->events, 2, write ? WL_SOCKET_WRITEABLE : WL_SOCKET_READABLE, NULL);
	(void) WaitEventSetWait(t->events, -1, &event, 1, PG_WAIT_EXTENSION);
	if (event.events & WL_LATCH_SET)
		ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	pgml_train_check_cancel();
}

/* Why the trainer stopped talking: reap it and raise the error. */
static void
trainer_died(PgmlTrainer *t)
{
	int			status;

	/*
	 * It closed its socket: it is exiting.  Give it a moment to finish
	 * (its exit status says why), then kill it rather than wait unboundedly.
	 */
	for (int i = 0; i < 100 && t->pid > 0; i++)
	{
		struct rusage usage;

		if (wait4(t->pid, &t->status, WNOHANG, &usage) == t->pid)
		{
			pgml_trainer_peak_rss_kb = Max(pgml_trainer_peak_rss_kb, usage.ru_maxrss);
			t->pid = 0;
			break;
		}
		pg_usleep(10000L);
	}
	trainer_reap(t, true);
	status = t->status;
	if (WIFSIGNALED(status))
	{
		int			sig = WTERMSIG(status);

		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("the trainer process was terminated by signal %d: %s",
						sig, pg_strsignal(sig)),
				 sig == SIGKILL ?
				 errdetail("The kernel's out-of-memory killer sends this signal when memory runs out; the trainer's address space limit is %s (pgml_worker.trainer_memory_limit).",
						   trainer_memory_text()) :
				 errdetail("The training library crashed or called abort(), as an uncaught C++ exception does.  Only the trainer process stopped; the server did not restart."),
				 errhint("The trainer runs apart from the server, so the job failed instead of the server.")));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start the trainer process"),
				 errdetail("Setting its limits or executing \"%s/%s\" failed.",
						   pkglib_path, PGML_TRAINER_PROGRAM)));
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("the trainer process exited with status %d without an answer",
					WIFEXITED(status) ? WEXITSTATUS(status) : status)));
}

/* Write all of buf (with fd passed along the first byte, if >= 0). */
static void
trainer_send_all(PgmlTrainer *t, const char *buf, Size len, int fd)
{
	while (len > 0)
	{
		ssize_t		n;

		if (fd >= 0)
		{
			struct msghdr msg;
			struct iovec iov;
			union
			{
				char		buf[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			}			control;
			struct cmsghdr *c;

			memset(&msg, 0, sizeof(msg));
			memset(&control, 0, sizeof(control));
			iov.iov_base = (char *) buf;
			iov.iov_len = len;
			msg.msg_iov = &iov;
			msg.msg_iovlen = 1;
			msg.msg_control = control.buf;
			msg.msg_controllen = sizeof(control.buf);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
			n = sendmsg(t->sock, &msg, MSG_NOSIGNAL);
		}
		else
			n = send(t->sock, buf, len, MSG_NOSIGNAL);
		if (n > 0)
		{
			buf += n;
			len -= (Size) n;
			fd = -1;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			trainer_wait_socket(t, true);
		else if (n < 0 && errno == EINTR)
			continue;
		else
			trainer_died(t);
	}
}

static void
trainer_send(PgmlTrainer *t, PgmlTrainerMsgType type, const char *payload,
			 Size len, int fd)
{
	PgmlTrainerMsgHeader h;

	h.type = (uint32) type;
	h.protocol = PGML_TRAINER_PROTOCOL;
	h.length = len;
	trainer_send_all(t, (const char *) &h, sizeof(h), fd);
	if (len > 0)
		trainer_send_all(t, payload, len, -1);
}

static void
trainer_recv_all(PgmlTrainer *t, char *buf, Size len)
{
	while (len > 0)
	{
		ssize_t		n = recv(t->sock, buf, len, 0);

		if (n > 0)
		{
			buf += n;
			len -= (Size) n;
		}
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			trainer_wait_socket(t, false);
		else if (n < 0 && errno == EINTR)
			continue;
		else
			trainer_died(t);
	}
}

/* A report (NOTICE or ERROR) from the trainer. */
typedef struct TrainerReport
{
	int			elevel;
	int			sqlerrcode;
	char	   *message;
	char	   *detail;
	char	   *hint;
} TrainerReport;

static void
trainer_read_report(const char *payload, Size len, TrainerReport *rep)
{
	PgmlWireReader r = {payload, len, 0};

	rep->elevel = pgml_wire_get_int32(&r);
	rep->sqlerrcode = pgml_wire_get_int32(&r);
	rep->message = pgml_wire_get_string(&r);
	rep->detail = pgml_wire_get_string(&r);
	rep->hint = pgml_wire_get_string(&r);
	if (rep->message == NULL)
		rep->message = pstrdup("unknown error in the trainer process");
}

/* The trainer's ERROR, raised here; running out of memory names the limit. */
static void
trainer_raise(PgmlTrainer *t, const TrainerReport *rep)
{
	bool		oom = rep->sqlerrcode == ERRCODE_OUT_OF_MEMORY ||
		(rep->detail != NULL && strstr(rep->detail, "bad_alloc") != NULL);

	trainer_reap(t, true);
	if (oom)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("the trainer process ran out of memory"),
				 errdetail_internal("%s%s%s", rep->message,
									rep->detail ? ": " : "",
									rep->detail ? rep->detail : ""),
				 errhint("Its address space limit is %s; raise pgml_worker.trainer_memory_limit or train on fewer rows.",
						 trainer_memory_text())));
	ereport(ERROR,
			(errcode(rep->sqlerrcode),
			 errmsg_internal("%s", rep->message),
			 rep->detail ? errdetail_internal("%s", rep->detail) : 0,
			 rep->hint ? errhint("%s", rep->hint) : 0));
}

/* Wait for the reply of type expect, handling progress and notices. */
static char *
trainer_receive(PgmlTrainer *t, PgmlTrainerMsgType expect, Size *len)
{
	for (;;)
	{
		PgmlTrainerMsgHeader h;
		char	   *payload;

		trainer_recv_all(t, (char *) &h, sizeof(h));
		if (h.protocol != PGML_TRAINER_PROTOCOL || h.length > PGML_TRAINER_MAX_MESSAGE)
		{
			trainer_reap(t, true);
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("malformed message from the trainer process"),
					 errdetail("Protocol %u, %llu bytes.", (unsigned) h.protocol,
							   (unsigned long long) h.length)));
		}
		payload = MemoryContextAllocHuge(CurrentMemoryContext, h.length + 1);
		trainer_recv_all(t, payload, h.length);
		payload[h.length] = '\0';

		if (h.type == PGML_TMSG_PROGRESS && h.length == 2 * sizeof(int32))
		{
			int32		v[2];

			memcpy(v, payload, sizeof(v));
			pgml_train_report_progress(v[0], v[1]);
		}
		else if (h.type == PGML_TMSG_NOTICE || h.type == PGML_TMSG_ERROR)
		{
			TrainerReport rep;

			trainer_read_report(payload, h.length, &rep);
			if (h.type == PGML_TMSG_ERROR)
				trainer_raise(t, &rep);
			ereport(Min(Max(rep.elevel, LOG), WARNING),
					(errcode(rep.sqlerrcode),
					 errmsg_internal("%s", rep.message),
					 rep.detail ? errdetail_internal("%s", rep.detail) : 0,
					 rep.hint ? errhint("%s", rep.hint) : 0));
		}
		else if (h.type == (uint32) expect)
		{
			*len = h.length;
			return payload;
		}
		else
		{
			trainer_reap(t, true);
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("malformed message from the trainer process"),
					 errdetail("Message type %u where %u was expected.",
							   (unsigned) h.type, (unsigned) expect)));
		}
		pfree(payload);
	}
}

static void trainer_data_release(void *arg);

/*
 * One request and its reply.  Any error on the way (the trainer's, a
 * cancel, a timeout) kills the trainer first: it never runs on unattended.
 * data, if not NULL, is the training data whose memfd goes with the
 * request: once sent, this process lets go of it (the trainer has it).
 */
static char *
trainer_exchange(PgmlTrainer *t, PgmlTrainerMsgType type, const char *payload,
				 Size len, PgmlTrainerData *data, PgmlTrainerMsgType expect,
				 Size *reply_len)
{
	char	   *volatile reply = NULL;

	/*
	 * A trainer that exited since it started (it could not set its limits
	 * or be executed, or it failed at once) was just reaped: say why, as
	 * when a trainer stops answering.
	 */
	if (t == NULL)
		elog(ERROR, "the trainer process is not running");
	if (!pgml_trainer_alive(t))
		trainer_died(t);
	PG_TRY();
	{
		trainer_send(t, type, payload, len, data ? data->fd : -1);
		if (data)
			trainer_data_release(data);
		reply = trainer_receive(t, expect, reply_len);
	}
	PG_CATCH();
	{
		trainer_reap(t, true);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return reply;
}

char *
pgml_trainer_call(PgmlTrainer *t, PgmlTrainerMsgType type, const char *payload,
				  Size len, PgmlTrainerMsgType expect, Size *reply_len)
{
	return trainer_exchange(t, type, payload, len, NULL, expect, reply_len);
}

/* ----------------------------------------------------------------------
 * Fits
 * ---------------------------------------------------------------------- */

/* unmap the data when its memory context goes, errors included */
static void
trainer_data_release(void *arg)
{
	PgmlTrainerData *data = arg;

	if (data->base != NULL)
		munmap(data->base, data->layout.total);
	if (data->fd >= 0)
		close(data->fd);
	data->base = NULL;
	data->fd = -1;
}

PgmlTrainerData *
pgml_trainer_data_create(int64 n_rows, int32 n_features, int32 n_y,
						 bool has_row_of)
{
	PgmlTrainerData *data = palloc0(sizeof(PgmlTrainerData));
	MemoryContextCallback *cb = palloc0(sizeof(MemoryContextCallback));

	data->fd = -1;
	data->n_rows = n_rows;
	data->n_features = n_features;
	data->n_y = n_y;
	if (!pgml_trainer_layout(n_rows, n_features, n_y, has_row_of, &data->layout))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("training data is too large"),
				 errdetail("%lld rows of %d features.", (long long) n_rows, n_features)));
	cb->func = trainer_data_release;
	cb->arg = data;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	data->fd = memfd_create("pgml_training_data", MFD_CLOEXEC);
	if (data->fd < 0 || ftruncate(data->fd, (off_t) data->layout.total) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create shared memory for the training data: %m")));
	data->base = mmap(NULL, data->layout.total, PROT_READ | PROT_WRITE, MAP_SHARED,
					  data->fd, 0);
	if (data->base == MAP_FAILED)
	{
		data->base = NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not map shared memory for the training data: %m")));
	}
	data->x = (float *) (data->base + data->layout.x_offset);
	data->y = n_y > 0 ? (double *) (data->base + data->layout.y_offset) : NULL;
	data->row_of = has_row_of ? (int64 *) (data->base + data->layout.row_of_offset) : NULL;
	return data;
}

void
pgml_trainer_data_free(PgmlTrainerData *data)
{
	trainer_data_release(data);
}

/* The hyperparameters as (key, type, text) triples; see runtime.c. */
static void
put_hyperparams(StringInfo buf, Jsonb *jb)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	StringInfoData pairs;
	int32		n = 0;

	if (jb == NULL)
	{
		pgml_wire_put_int32(buf, -1);
		return;
	}
	if (!JB_ROOT_IS_OBJECT(jb))
	{
		pgml_wire_put_int32(buf, 0);
		pgml_wire_put_int32(buf, 0);
		return;
	}
	initStringInfo(&pairs);
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *text;
		int64		text_len;

		if (tok == WJB_KEY)
		{
			pgml_wire_put_bytes(&pairs, v.val.string.val, v.val.string.len);
			n++;
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		switch (v.type)
		{
			case jbvString:
				text = v.val.string.val;
				text_len = v.val.string.len;
				break;
			case jbvNumeric:
				text = DatumGetCString(DirectFunctionCall1(numeric_out,
														   NumericGetDatum(v.val.numeric)));
				text_len = strlen(text);
				break;
			case jbvBool:
				text = v.val.boolean ? "t" : "f";
				text_len = 1;
				break;
			case jbvNull:
				text = "";
				text_len = 0;
				break;
			default:
				v.type = jbvBinary;
				text = "";
				text_len = 0;
				break;
		}
		pgml_wire_put_int32(&pairs, (int32) v.type);
		pgml_wire_put_bytes(&pairs, text, text_len);
	}
	pgml_wire_put_int32(buf, 1);
	pgml_wire_put_int32(buf, n);
	appendBinaryStringInfo(buf, pairs.data, pairs.len);
	pfree(pairs.data);
}

void
pgml_trainer_fit(const PgmlTrainInput *in, PgmlTrainerData *data, PgmlModel *m)
{
	StringInfoData req;
	char	   *reply;
	Size		reply_len;
	PgmlWireReader r;
	instr_time	start,
				ready;
	double		fit_seconds;

	INSTR_TIME_SET_CURRENT(start);
	pgml_trainer_ensure(&job_trainer);

	initStringInfo(&req);
	pgml_wire_put_string(&req, in->algorithm);
	pgml_wire_put_int32(&req, (int32) in->task);
	pgml_wire_put_int32(&req, in->n_classes);
	pgml_wire_put_int32(&req, in->n_features);
	pgml_wire_put_int64(&req, in->n_rows);
	pgml_wire_put_int32(&req, in->nthread);
	pgml_wire_put_int64(&req, (int64) in->seed);
	pgml_wire_put_int32(&req, data->n_y);
	pgml_wire_put_int32(&req, data->row_of != NULL);
	pgml_wire_put_int32(&req, pgml_trainer_fault);
	put_hyperparams(&req, in->hyperparams);
	INSTR_TIME_SET_CURRENT(ready);
	INSTR_TIME_SUBTRACT(ready, start);
	pgml_trainer_handoff_seconds += INSTR_TIME_GET_DOUBLE(ready);

	/* the rows are the trainer's from here: data is unmapped once sent */
	reply = trainer_exchange(job_trainer, PGML_TMSG_FIT, req.data, req.len, data,
							 PGML_TMSG_MODEL, &reply_len);
	pfree(req.data);

	r.data = reply;
	r.len = reply_len;
	r.pos = 0;
	/* the trainer's clock around the fit (a nonsense value counts as 0) */
	fit_seconds = pgml_wire_get_float8(&r);
	if (isfinite(fit_seconds) && fit_seconds >= 0)
		pgml_trainer_fit_seconds += fit_seconds;
	pgml_wire_get_fit(&r, m);
	pfree(reply);
}

void
pgml_trainer_end_job(void)
{
	if (job_trainer != NULL)
		pgml_trainer_stop(job_trainer);
}
