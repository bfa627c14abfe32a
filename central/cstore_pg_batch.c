/*
 * cstore_pg_batch — the set-based writes of a batch for the PostgreSQL
 * back end (cstore_pg.c's put_batch): the batch's new events in one
 * INSERT … SELECT FROM unnest(arrays), and the facts of its ticket events
 * in a few INSERT … ON CONFLICT DO UPDATE statements over arrays, instead
 * of two statements per event. A profile of the per-event statements
 * (perf, PostgreSQL 15) found most of the server's time in starting and
 * ending each statement's executor (ExecutorStart, ExecInitModifyTable,
 * the portal), not in the rows: one statement for 500 rows pays it once.
 *
 * Arrays go as parameters in PostgreSQL's binary array format (array_recv:
 * one dimension, a NULL flag, the element type, then each element as a
 * length, -1 for NULL, and its bytes; integers big-endian), so no text is
 * quoted or escaped. Text elements are the bytes of the event, checked by
 * the server as UTF-8 as any text parameter.
 *
 * The facts keep the meaning of fact_sql (cstore_pg.c) event by event:
 * an ON CONFLICT DO UPDATE may touch a row once per statement, so the
 * ticket events of a batch are put in rounds: round k holds each ticket's
 * k-th event of the batch (in seq order), and a round is sent as one
 * statement per event type (and per "names its day or not", which decides
 * whether the day is overwritten). Rounds go in order, so each ticket
 * sees its events in seq order; tickets are rows of their own, so the
 * order between tickets does not matter. A usual batch (tickets issued,
 * called, served) is a handful of statements. The values a per-event
 * statement took as parameters in DO UPDATE are EXCLUDED's columns here:
 * every one of them is also a column that type inserts. Desk events stay
 * one statement each (cstore_pg.c): few, and a span's order matters.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cstore_pg.h"
#include "strmap.h"

/* Type OIDs of the arrays' elements (catalog/pg_type.h). */
#define OID_INT8 20
#define OID_INT4 23
#define OID_TEXT 25

/* --- arrays in binary format ---------------------------------------------- */

typedef struct {
	buf b;
	uint32_t n;
	int nulls;
	int oid;
} pgarr;

static void put32(unsigned char *p, uint32_t x)
{
	p[0] = (unsigned char)(x >> 24);
	p[1] = (unsigned char)(x >> 16);
	p[2] = (unsigned char)(x >> 8);
	p[3] = (unsigned char)x;
}

/* The header is written when the array is sent (arr_param): its NULL
 * flag and count are known then. 20 bytes are kept for it. */
#define ARR_HEAD 20

static int arr_init(pgarr *a, int oid)
{
	memset(a, 0, sizeof *a);
	buf_init(&a->b, SIZE_MAX / 2);
	a->oid = oid;
	static const unsigned char zero[ARR_HEAD];
	return buf_add(&a->b, zero, sizeof zero);
}

static int arr_elem(pgarr *a, const void *v, int32_t len)
{
	unsigned char l[4];
	put32(l, (uint32_t)len);
	a->n++;
	if (len < 0) {
		a->nulls = 1;
		return buf_add(&a->b, l, 4);
	}
	return buf_add(&a->b, l, 4) || buf_add(&a->b, v, (size_t)len) ? -1 : 0;
}

static int arr_null(pgarr *a)
{
	return arr_elem(a, NULL, -1);
}

static int arr_bytes(pgarr *a, const char *s, size_t len)
{
	assert(len <= INT32_MAX);
	return arr_elem(a, s, (int32_t)len);
}

static int arr_text(pgarr *a, const char *s)
{
	return arr_bytes(a, s, strlen(s));
}

static int arr_text_or_null(pgarr *a, const char *s)
{
	return s[0] ? arr_text(a, s) : arr_null(a);
}

static int arr_int(pgarr *a, int64_t x)
{
	unsigned char v[8];
	int len = a->oid == OID_INT4 ? 4 : 8;
	if (len == 8) {
		put32(v, (uint32_t)((uint64_t)x >> 32));
		put32(v + 4, (uint32_t)x);
	} else {
		put32(v, (uint32_t)(int32_t)x);
	}
	return arr_elem(a, v, len);
}

/* a as the next parameter of p (binary): valid while a lives. */
static void arr_param(pgarr *a, pgparams *p)
{
	unsigned char *h = (unsigned char *)a->b.data;
	put32(h, 1);
	put32(h + 4, (uint32_t)a->nulls);
	put32(h + 8, (uint32_t)a->oid);
	put32(h + 12, a->n);
	put32(h + 16, 1);
	pg_p_bytes(p, a->b.data, a->b.len);
}

static void arr_free(pgarr *a)
{
	buf_free(&a->b);
}

/* --- the events ------------------------------------------------------------- */

/* $1 site, $2..$14 the arrays, $15 received_ms. The plain insert is the
 * usual one: a held UUID (or seq) is an error (23505) that ends it, and
 * the caller sends the batch again as the one that skips them (ON CONFLICT
 * DO NOTHING) to learn which. The plain one is the cheaper: ON CONFLICT
 * checks each unique index before the insert and again when it inserts. */
#define EV_PUT_SET(name, tail)                                                                     \
	{                                                                                          \
		name, "iITTTITTTTTNTTi",                                                           \
		    "INSERT INTO events(site, seq, uuid, type, at, at_ms, ticket, code,"           \
		    " category, from_category, lang, desk, body, received_ms, unread)"             \
		    " SELECT $1, v.seq, v.uuid, v.type, v.at, v.at_ms, v.ticket, v.code, "         \
		    "v.category,"                                                                  \
		    " v.from_category, v.lang, v.desk, v.body, $15, v.unread"                      \
		    " FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"        \
		    " AS v(seq, uuid, type, at, at_ms, ticket, code, category, from_category, "    \
		    "lang, desk,"                                                                  \
		    " body, unread)" tail                                                          \
	}
static const pgsql ev_put_set[2] = {EV_PUT_SET("ev_put_set", ""),
				    EV_PUT_SET("ev_put_set_skip", " ON CONFLICT DO NOTHING")};

/* The first seq of $2 that has no event of site $1: the one not inserted. */
const pgsql pg_ev_missing = {"ev_missing", "iI",
			     "SELECT s FROM unnest($2) AS s WHERE NOT EXISTS(SELECT 1 FROM events"
			     " WHERE site = $1 AND seq = s) ORDER BY s LIMIT 1"};

int pg_events_put(pg_send_fn send, void *ctx, int64_t sid, const cstore_batch *b, size_t from,
		  int64_t now_ms, int skip_held)
{
	enum { SEQ, UUID, TYPE, AT, AT_MS, TICKET, CODE, CAT, FROM, LANG, DESK, BODY, UNREAD, N };
	static const int oid[N] = {OID_INT8, OID_TEXT, OID_TEXT, OID_TEXT, OID_INT8,
				   OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT,
				   OID_INT4, OID_TEXT, OID_TEXT};
	pgarr a[N];
	int bad = 0;
	for (int k = 0; k < N; k++)
		bad |= arr_init(&a[k], oid[k]);
	for (size_t i = from; !bad && i < b->n; i++) {
		const cstore_event *ev = &b->ev[i];
		const event *e = &ev->e;
		bad |= arr_int(&a[SEQ], e->seq);
		bad |= arr_text(&a[UUID], e->uuid);
		bad |= arr_text(&a[TYPE], e->type);
		bad |= arr_text_or_null(&a[AT], e->at);
		bad |= e->at[0] ? arr_int(&a[AT_MS], e->at_ms) : arr_null(&a[AT_MS]);
		bad |= arr_text_or_null(&a[TICKET], e->ticket);
		bad |= arr_text_or_null(&a[CODE], e->code);
		bad |= arr_text_or_null(&a[CAT], e->category);
		bad |= arr_text_or_null(&a[FROM], e->from);
		bad |= arr_text_or_null(&a[LANG], e->lang);
		bad |= e->desk > 0 ? arr_int(&a[DESK], e->desk) : arr_null(&a[DESK]);
		bad |= arr_bytes(&a[BODY], ev->text, ev->len);
		bad |= arr_text_or_null(&a[UNREAD], ev->unread);
	}
	if (!bad) {
		pgparams p = {0};
		pg_p_int(&p, sid);
		for (int k = 0; k < N; k++)
			arr_param(&a[k], &p);
		pg_p_int(&p, now_ms);
		send(ctx, &ev_put_set[skip_held != 0], &p, (long)(b->n - from));
	}
	for (int k = 0; k < N; k++)
		arr_free(&a[k]);
	return bad ? CSTORE_ERROR : CSTORE_OK;
}

/* --- the tickets' facts ------------------------------------------------------- */

/* $1 site; the arrays $2 ticket $3 code $4 day (the event's "day", else
 * the date of "at") $5 category $6 lang $7 at $8 at_ms $9 desk (NULL if
 * none), served: $10 served_outcome $11 referred_to $12 topics $13
 * first_visit. Each statement in two forms: [0] the events name no day
 * (the ticket's day is kept), [1] they do (it becomes theirs). */
#define TS_TYPES  "iTTTTTTINTTTN"
#define TS_INSERT "INSERT INTO tickets AS t(site, ticket, code, day, category, first_category, lang"
#define TS_SELECT ") SELECT $1, v.ticket, v.code, v.day, v.category, v.category, v.lang"
#define TS_FROM                                                                                    \
	" FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS v(ticket, code,"      \
	" day, category, lang, at, at_ms, desk, served_outcome, referred_to, topics,"              \
	" first_visit) ON CONFLICT(site, ticket) DO UPDATE SET "
#define TS_DAY ", day = EXCLUDED.day"
#define TS(name, cols, vals, set)                                                                  \
	{                                                                                          \
		{name "0", TS_TYPES, TS_INSERT cols TS_SELECT vals TS_FROM set},                   \
		{                                                                                  \
			name "1", TS_TYPES, TS_INSERT cols TS_SELECT vals TS_FROM set TS_DAY       \
		}                                                                                  \
	}
#define TS_FINISH(name, outcome)                                                                   \
	TS(name, ", finished_at, finished_ms, outcome, desk",                                      \
	   ", v.at, v.at_ms, '" outcome "', v.desk",                                               \
	   "finished_at = EXCLUDED.finished_at, finished_ms = EXCLUDED.finished_ms,"               \
	   " outcome = '" outcome "', desk = coalesce(EXCLUDED.desk, t.desk)")

const pgsql pg_fact_set[EV_TYPE_COUNT][2] = {
    /* Issued sets the day whether the event names it or not: form [1]
     * only (pg_ticket_facts_put). */
    [EV_TICKET_ISSUED] = TS("fs_issued", ", issued_at, issued_ms", ", v.at, v.at_ms",
			    "code = EXCLUDED.code,"
			    " category = EXCLUDED.category, first_category = EXCLUDED.category,"
			    " lang = EXCLUDED.lang, issued_at = EXCLUDED.issued_at,"
			    " issued_ms = EXCLUDED.issued_ms"),
    [EV_TICKET_CALLED] = TS("fs_called", ", called_at, called_ms, last_called_ms, desk, calls",
			    ", v.at, v.at_ms, v.at_ms, v.desk, 1",
			    "called_at = coalesce(t.called_at, EXCLUDED.called_at),"
			    " called_ms = coalesce(t.called_ms, EXCLUDED.called_ms),"
			    " last_called_ms = EXCLUDED.last_called_ms, desk = EXCLUDED.desk,"
			    " calls = t.calls + 1, category = EXCLUDED.category"),
    [EV_TICKET_RECALLED] = TS("fs_recalled", ", desk", ", v.desk", "desk = EXCLUDED.desk"),
    [EV_TICKET_SERVED] =
	TS("fs_served",
	   ", finished_at, finished_ms, outcome, desk, served_outcome,"
	   " referred_to, topics, first_visit",
	   ", v.at, v.at_ms, 'served', v.desk, v.served_outcome, v.referred_to,"
	   " v.topics, v.first_visit",
	   "finished_at = EXCLUDED.finished_at, finished_ms = EXCLUDED.finished_ms,"
	   " outcome = 'served', desk = EXCLUDED.desk,"
	   " served_outcome = EXCLUDED.served_outcome,"
	   " referred_to = EXCLUDED.referred_to, topics = EXCLUDED.topics,"
	   " first_visit = EXCLUDED.first_visit"),
    [EV_TICKET_NO_SHOW] = TS("fs_no_show", ", finished_at, finished_ms, outcome, desk",
			     ", v.at, v.at_ms, 'no_show', v.desk",
			     "finished_at = EXCLUDED.finished_at,"
			     " finished_ms = EXCLUDED.finished_ms, outcome = 'no_show',"
			     " desk = EXCLUDED.desk"),
    [EV_TICKET_CANCELLED] = TS_FINISH("fs_cancelled", "cancelled"),
    [EV_TICKET_TRANSFERRED] = TS("fs_transferred", ", transfers", ", 1",
				 "category = EXCLUDED.category, transfers = t.transfers + 1,"
				 " desk = NULL"),
    [EV_TICKET_EXPIRED] = TS_FINISH("fs_expired", "expired"),
};

/* A ticket event of the batch: its index, round and statement. */
typedef struct {
	size_t i;
	size_t round;
	int kind, named_day;
} fact_ref;

static int fact_ref_cmp(const void *a_, const void *b_)
{
	const fact_ref *a = a_, *b = b_;
	if (a->round != b->round)
		return a->round < b->round ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind - b->kind;
	if (a->named_day != b->named_day)
		return a->named_day - b->named_day;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* The statement of refs[0..n) (one round, one type and form). */
static int send_facts(const cstore_codec *codec, pg_send_fn send, void *ctx, int64_t sid,
		      const cstore_batch *b, const fact_ref *refs, size_t n)
{
	enum { TICKET, CODE, DAY, CAT, LANG, AT, AT_MS, DESK, OUTCOME, REF, TOPICS, FIRST, N };
	static const int oid[N] = {OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT,
				   OID_INT8, OID_INT4, OID_TEXT, OID_TEXT, OID_TEXT, OID_INT4};
	pgarr a[N];
	int bad = 0;
	for (int k = 0; k < N; k++)
		bad |= arr_init(&a[k], oid[k]);
	for (size_t j = 0; !bad && j < n; j++) {
		const event *e = &b->ev[refs[j].i].e;
		bad |= arr_text(&a[TICKET], e->ticket);
		bad |= arr_text(&a[CODE], e->code);
		bad |= e->day[0] ? arr_text(&a[DAY], e->day)
				 : arr_bytes(&a[DAY], e->at, strnlen(e->at, 10));
		bad |= arr_text(&a[CAT], e->category);
		bad |= arr_text(&a[LANG], e->lang);
		bad |= arr_text(&a[AT], e->at);
		bad |= arr_int(&a[AT_MS], e->at_ms);
		bad |= e->desk > 0 ? arr_int(&a[DESK], e->desk) : arr_null(&a[DESK]);
		if (e->kind != EV_TICKET_SERVED) {
			for (int k = OUTCOME; k <= FIRST; k++)
				bad |= arr_null(&a[k]);
			continue;
		}
		bad |= arr_text_or_null(&a[OUTCOME], e->outcome);
		bad |= arr_text_or_null(&a[REF], e->referred_to);
		if (e->has_topics) {
			char *topics = codec->topics_json(e);
			bad |= !topics || arr_text(&a[TOPICS], topics);
			free(topics);
		} else {
			bad |= arr_null(&a[TOPICS]);
		}
		bad |= e->first_visit == EV_ANSWER_NULL
			   ? arr_null(&a[FIRST])
			   : arr_int(&a[FIRST], e->first_visit == EV_ANSWER_YES);
	}
	if (!bad) {
		pgparams p = {0};
		pg_p_int(&p, sid);
		for (int k = 0; k < N; k++)
			arr_param(&a[k], &p);
		send(ctx, &pg_fact_set[refs[0].kind][refs[0].named_day], &p, -1);
	}
	for (int k = 0; k < N; k++)
		arr_free(&a[k]);
	return bad ? CSTORE_ERROR : CSTORE_OK;
}

int pg_ticket_facts_put(const cstore_codec *codec, pg_send_fn send, void *ctx, int64_t sid,
			const cstore_batch *b, size_t from)
{
	fact_ref *refs = malloc((b->n - from + 1) * sizeof *refs);
	strmap rounds = {0};
	size_t n = 0;
	int status = refs ? CSTORE_OK : CSTORE_ERROR;
	for (size_t i = from; status == CSTORE_OK && i < b->n; i++) {
		const event *e = &b->ev[i].e;
		if (b->ev[i].unread[0] || event_type_is_desk(e->kind) ||
		    !pg_fact_set[e->kind][0].sql)
			continue; /* an unread event derives nothing until read */
		size_t r = strmap_get(&rounds, e->ticket);
		r = r == (size_t)-1 ? 0 : r + 1;
		if (strmap_put(&rounds, e->ticket, r)) {
			status = CSTORE_ERROR;
			break;
		}
		int named = e->day[0] != '\0' || e->kind == EV_TICKET_ISSUED;
		refs[n++] = (fact_ref){i, r, (int)e->kind, named};
	}
	strmap_free(&rounds);
	if (status == CSTORE_OK)
		qsort(refs, n, sizeof *refs, fact_ref_cmp);
	for (size_t j = 0; status == CSTORE_OK && j < n;) {
		size_t k = j + 1;
		while (k < n && refs[k].round == refs[j].round && refs[k].kind == refs[j].kind &&
		       refs[k].named_day == refs[j].named_day)
			k++;
		status = send_facts(codec, send, ctx, sid, b, refs + j, k - j);
		j = k;
	}
	free(refs);
	return status;
}

const pgsql *pg_batch_statement(size_t i)
{
	static const size_t nfacts = sizeof pg_fact_set / sizeof pg_fact_set[0][0];
	if (i < 2)
		return &ev_put_set[i];
	if (i == 2)
		return &pg_ev_missing;
	if (i - 3 < nfacts)
		return &pg_fact_set[(i - 3) / 2][(i - 3) % 2];
	return NULL;
}
