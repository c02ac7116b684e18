/*-------------------------------------------------------------------------
 *
 * runtime.c
 *	  The small part of the backend's C API that the fitting code uses,
 *	  for the pgml_trainer executable, which is not a PostgreSQL process.
 *
 * The fit modules (xgb.c, linear.c, cluster.c, decompose.c, hyperparams.c,
 * matrix.c) are written against PostgreSQL's API: palloc and memory
 * contexts, ereport and PG_TRY, StringInfo, the JSON lexer, jsonb
 * iteration of the hyperparameters.  Rather than fork them into a second
 * dialect, the trainer links them unchanged against this file and the
 * frontend builds of libpgcommon/libpgport (StringInfo, psprintf, the JSON
 * parser, shortest-decimal output):
 *
 *	- memory contexts: each chunk is malloc'd with a header linking it into
 *	  its context; deleting a context frees its chunks and its children.
 *	- ereport: the error is collected; at ERROR it unwinds to the innermost
 *	  PG_TRY (sigsetjmp) like the backend, and at the top the trainer sends
 *	  it to the parent (main.c), which raises it with the same SQLSTATE,
 *	  message, detail and hint.  NOTICE and WARNING are forwarded too.
 *	- the hyperparameters arrive as (key, type, text) triples (main.c);
 *	  here they become a read-only jsonb object whose iterator yields the
 *	  same tokens and values as the backend's, and whose numbers convert
 *	  through their text exactly as numeric_float8 does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "fmgr.h"
#include "common/jsonapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "trainer_runtime.h"

/* ----------------------------------------------------------------------
 * Memory contexts
 * ---------------------------------------------------------------------- */

typedef struct ShimChunk ShimChunk;

typedef struct ShimContext
{
	NodeTag		type;			/* first, as in MemoryContextData */
	struct ShimContext *parent;
	struct ShimContext *first_child;
	struct ShimContext *next_sibling;
	ShimChunk  *chunks;
	const char *name;
} ShimContext;

struct ShimChunk
{
	ShimChunk  *prev;
	ShimChunk  *next;
	ShimContext *context;
	Size		size;
};

static ShimContext top_context = {T_Invalid, NULL, NULL, NULL, NULL, "TopMemoryContext"};

MemoryContext TopMemoryContext = (MemoryContext) &top_context;
MemoryContext CurrentMemoryContext = (MemoryContext) &top_context;
MemoryContext ErrorContext = (MemoryContext) &top_context;

static void
shim_out_of_memory(Size size)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory"),
			 errdetail("Failed on request of size %zu in the trainer process.", size)));
}

static void *
shim_alloc(MemoryContext context, Size size, bool zero, bool huge, bool no_oom)
{
	ShimContext *cx = (ShimContext *) context;
	ShimChunk  *c;

	if (!(huge ? AllocHugeSizeIsValid(size) : AllocSizeIsValid(size)))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	c = zero ? calloc(1, sizeof(ShimChunk) + size) : malloc(sizeof(ShimChunk) + size);
	if (c == NULL)
	{
		if (no_oom)
			return NULL;
		shim_out_of_memory(size);
	}
	c->context = cx;
	c->size = size;
	c->prev = NULL;
	c->next = cx->chunks;
	if (cx->chunks)
		cx->chunks->prev = c;
	cx->chunks = c;
	return c + 1;
}

static void
shim_unlink(ShimChunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->context->chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return shim_alloc(context, size, false, false, false);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return shim_alloc(context, size, true, false, false);
}

void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return shim_alloc(context, size, false, true, false);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return shim_alloc(context, size, (flags & MCXT_ALLOC_ZERO) != 0,
					  (flags & MCXT_ALLOC_HUGE) != 0,
					  (flags & MCXT_ALLOC_NO_OOM) != 0);
}

void *
palloc(Size size)
{
	return shim_alloc(CurrentMemoryContext, size, false, false, false);
}

void *
palloc0(Size size)
{
	return shim_alloc(CurrentMemoryContext, size, true, false, false);
}

void
pfree(void *pointer)
{
	ShimChunk  *c = ((ShimChunk *) pointer) - 1;

	shim_unlink(c);
	free(c);
}

static void *
shim_realloc(void *pointer, Size size, bool huge)
{
	ShimChunk  *c = ((ShimChunk *) pointer) - 1;
	ShimChunk  *n;
	bool		failed;

	if (!(huge ? AllocHugeSizeIsValid(size) : AllocSizeIsValid(size)))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	shim_unlink(c);
	n = realloc(c, sizeof(ShimChunk) + size);
	failed = (n == NULL);
	if (failed)
		n = c;					/* still valid: relink it, then fail */
	n->prev = NULL;
	n->next = n->context->chunks;
	if (n->next)
		n->next->prev = n;
	n->context->chunks = n;
	if (failed)
		shim_out_of_memory(size);
	n->size = size;
	return n + 1;
}

void *
repalloc(void *pointer, Size size)
{
	return shim_realloc(pointer, size, false);
}

void *
repalloc_huge(void *pointer, Size size)
{
	return shim_realloc(pointer, size, true);
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	Size		len = strlen(string) + 1;
	char	   *copy = MemoryContextAlloc(context, len);

	memcpy(copy, string, len);
	return copy;
}

char *
pstrdup(const char *in)
{
	return MemoryContextStrdup(CurrentMemoryContext, in);
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

MemoryContext
AllocSetContextCreateInternal(MemoryContext parent, const char *name,
							  Size minContextSize, Size initBlockSize,
							  Size maxBlockSize)
{
	ShimContext *p = (ShimContext *) (parent ? parent : TopMemoryContext);
	ShimContext *cx = calloc(1, sizeof(ShimContext));

	if (cx == NULL)
		shim_out_of_memory(sizeof(ShimContext));
	cx->type = T_Invalid;
	cx->name = name;
	cx->parent = p;
	cx->next_sibling = p->first_child;
	p->first_child = cx;
	return (MemoryContext) cx;
}

/* Free the chunks and the children of cx; keep cx itself. */
static void
shim_reset(ShimContext *cx)
{
	while (cx->first_child)
		MemoryContextDelete((MemoryContext) cx->first_child);
	while (cx->chunks)
	{
		ShimChunk  *c = cx->chunks;

		cx->chunks = c->next;
		free(c);
	}
}

void
MemoryContextReset(MemoryContext context)
{
	shim_reset((ShimContext *) context);
}

void
MemoryContextDelete(MemoryContext context)
{
	ShimContext *cx = (ShimContext *) context;
	ShimContext **link;

	Assert(cx != &top_context);
	if (CurrentMemoryContext == context)
		CurrentMemoryContext = (MemoryContext) cx->parent;
	shim_reset(cx);
	for (link = &cx->parent->first_child; *link; link = &(*link)->next_sibling)
	{
		if (*link == cx)
		{
			*link = cx->next_sibling;
			break;
		}
	}
	free(cx);
}

/* ----------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

/* The report being built, and the last error raised. */
static PgmlShimError building;
static PgmlShimError raised;

/* formats into a malloc'd string, so that it survives context resets */
static char *shim_vformat(const char *fmt, va_list args) pg_attribute_printf(1, 0);

static char *
shim_vformat(const char *fmt, va_list args)
{
	StringInfoData s;
	char	   *copy;
	int			save_errno = errno;

	initStringInfo(&s);
	for (;;)
	{
		va_list		copy_args;
		int			needed;

		errno = save_errno;
		va_copy(copy_args, args);
		needed = appendStringInfoVA(&s, fmt, copy_args);
		va_end(copy_args);
		if (needed == 0)
			break;
		enlargeStringInfo(&s, needed);
	}
	copy = strdup(s.data);
	pfree(s.data);
	return copy;
}

#define SHIM_FORMAT(field, fmt) \
	do { \
		va_list		args; \
		free(building.field); \
		va_start(args, fmt); \
		building.field = shim_vformat(fmt, args); \
		va_end(args); \
	} while (0)

bool
errstart(int elevel, const char *domain)
{
	if (elevel < NOTICE && elevel != INFO && elevel != LOG && elevel != WARNING)
		return false;			/* DEBUG: nobody listens */
	free(building.message);
	free(building.detail);
	free(building.hint);
	memset(&building, 0, sizeof(building));
	building.elevel = elevel;
	building.sqlerrcode = elevel >= ERROR ? ERRCODE_INTERNAL_ERROR :
		elevel == WARNING ? ERRCODE_WARNING : ERRCODE_SUCCESSFUL_COMPLETION;
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	building.sqlerrcode = sqlerrcode;
	return 0;
}

int
errmsg(const char *fmt,...)
{
	SHIM_FORMAT(message, fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	SHIM_FORMAT(message, fmt);
	return 0;
}

int
errmsg_plural(const char *fmt_singular, const char *fmt_plural,
			  unsigned long n,...)
{
	va_list		args;

	free(building.message);
	va_start(args, n);
	building.message = shim_vformat(n == 1 ? fmt_singular : fmt_plural, args);
	va_end(args);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	SHIM_FORMAT(detail, fmt);
	return 0;
}

int
errdetail_plural(const char *fmt_singular, const char *fmt_plural,
				 unsigned long n,...)
{
	va_list		args;

	free(building.detail);
	va_start(args, n);
	building.detail = shim_vformat(n == 1 ? fmt_singular : fmt_plural, args);
	va_end(args);
	return 0;
}

int
errhint(const char *fmt,...)
{
	SHIM_FORMAT(hint, fmt);
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	PgmlShimError e = building;

	memset(&building, 0, sizeof(building));
	if (e.elevel < ERROR)
	{
		pgml_shim_notice(&e);
		free(e.message);
		free(e.detail);
		free(e.hint);
		return;
	}
	free(raised.message);
	free(raised.detail);
	free(raised.hint);
	raised = e;
	pg_re_throw();
}

void
pg_re_throw(void)
{
	if (PG_exception_stack != NULL)
		siglongjmp(*PG_exception_stack, 1);
	pgml_shim_fatal(&raised);
}

const PgmlShimError *
pgml_shim_last_error(void)
{
	return &raised;
}

/* ----------------------------------------------------------------------
 * Backend functions the fit code calls
 * ---------------------------------------------------------------------- */

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, collation, NULL, NULL);
	fcinfo->args[0].value = arg1;
	fcinfo->args[0].isnull = false;
	result = (*func) (fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function %p returned NULL", (void *) func);
	return result;
}

/* PostgreSQL's JSON string escaping (utils/json.h), same output. */
void
escape_json(StringInfo buf, const char *str)
{
	appendStringInfoCharMacro(buf, '"');
	for (const char *p = str; *p; p++)
	{
		switch (*p)
		{
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			default:
				if ((unsigned char) *p < ' ')
					appendStringInfo(buf, "\\u%04x", (int) *p);
				else
					appendStringInfoCharMacro(buf, *p);
				break;
		}
	}
	appendStringInfoCharMacro(buf, '"');
}

/*
 * The backend's JSON parser describes its errors with json_errdetail(); the
 * frontend build of libpgcommon leaves it out.  The only JSON parsed here is
 * XGBoost's own model document.
 */
char *
json_errdetail(JsonParseErrorType error, JsonLexContext *lex)
{
	return psprintf("JSON parse error %d at byte %d of the model document.",
					(int) error,
					lex->token_start ? (int) (lex->token_start - lex->input) : 0);
}

/* ----------------------------------------------------------------------
 * The hyperparameters object
 * ---------------------------------------------------------------------- */

/* A number of the object: its text as numeric_out wrote it. */
typedef struct ShimNumeric
{
	char	   *text;
} ShimNumeric;

/* The fake jsonb: a varlena header and the root container's header. */
typedef struct ShimJsonb
{
	int32		vl_len_;
	uint32		header;
	int			n_pairs;
	PgmlShimPair *pairs;
} ShimJsonb;

typedef struct ShimIterator
{
	const ShimJsonb *jb;
	int			next;			/* -1 before BEGIN_OBJECT; then 2 * pair (+1
								 * for the value) */
} ShimIterator;

Jsonb *
pgml_shim_jsonb(bool is_object, int n_pairs, PgmlShimPair *pairs)
{
	ShimJsonb  *jb = palloc0(sizeof(ShimJsonb));

	SET_VARSIZE(jb, sizeof(ShimJsonb));
	jb->header = is_object ? (JB_FOBJECT | (uint32) n_pairs) : (JB_FARRAY | 0);
	jb->n_pairs = is_object ? n_pairs : 0;
	jb->pairs = pairs;
	for (int i = 0; i < jb->n_pairs; i++)
	{
		if (pairs[i].type == jbvNumeric)
		{
			ShimNumeric *num = palloc(sizeof(ShimNumeric));

			num->text = pairs[i].text;
			pairs[i].numeric = num;
		}
	}
	return (Jsonb *) jb;
}

JsonbIterator *
JsonbIteratorInit(JsonbContainer *container)
{
	ShimIterator *it = palloc(sizeof(ShimIterator));

	it->jb = (const ShimJsonb *) ((char *) container - offsetof(ShimJsonb, header));
	it->next = -1;
	return (JsonbIterator *) it;
}

JsonbIteratorToken
JsonbIteratorNext(JsonbIterator **itp, JsonbValue *val, bool skipNested)
{
	ShimIterator *it = (ShimIterator *) *itp;
	const PgmlShimPair *p;

	if (it == NULL)
		return WJB_DONE;
	if (it->next == -1)
	{
		it->next = 0;
		val->type = jbvObject;
		val->val.object.nPairs = it->jb->n_pairs;
		return (it->jb->header & JB_FOBJECT) ? WJB_BEGIN_OBJECT : WJB_BEGIN_ARRAY;
	}
	if (it->next >= 2 * it->jb->n_pairs)
	{
		bool		object = (it->jb->header & JB_FOBJECT) != 0;

		pfree(it);
		*itp = NULL;
		return object ? WJB_END_OBJECT : WJB_END_ARRAY;
	}
	p = &it->jb->pairs[it->next / 2];
	if (it->next++ % 2 == 0)
	{
		val->type = jbvString;
		val->val.string.val = p->key;
		val->val.string.len = (int) strlen(p->key);
		return WJB_KEY;
	}
	val->type = (enum jbvType) p->type;
	switch (p->type)
	{
		case jbvString:
			val->val.string.val = p->text;
			val->val.string.len = (int) p->text_len;
			break;
		case jbvNumeric:
			val->val.numeric = (Numeric) p->numeric;
			break;
		case jbvBool:
			val->val.boolean = p->text[0] == 't';
			break;
		case jbvBinary:
			val->val.binary.data = NULL;
			val->val.binary.len = 0;
			break;
		default:
			break;
	}
	return WJB_VALUE;
}

/* A number's text to double as float8in does; overflow is an error or not. */
static double
shim_numeric_double(Datum d, bool overflow_error)
{
	const ShimNumeric *num = (const ShimNumeric *) DatumGetPointer(d);
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(num->text, &end);
	if (errno == ERANGE && overflow_error && (v == 0.0 || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%s\" is out of range for type double precision",
						num->text)));
	return v;
}

Datum
numeric_float8(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(shim_numeric_double(PG_GETARG_DATUM(0), true));
}

Datum
numeric_float8_no_overflow(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(shim_numeric_double(PG_GETARG_DATUM(0), false));
}

Datum
numeric_out(PG_FUNCTION_ARGS)
{
	const ShimNumeric *num = (const ShimNumeric *) PG_GETARG_POINTER(0);

	PG_RETURN_CSTRING(pstrdup(num->text));
}
