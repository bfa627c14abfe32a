/*
 * check — the simulator's invariant checker (see check.h).
 *
 * The events are the truth it keeps: a table of every ticket by uuid (its
 * state, code, category and desk as the events left them), the open ones
 * in a list, and the desks. Everything the store later lists must agree
 * with that table.
 */
#include "check.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHK_MAX_DESK 999
/* The store's own notion of an unset clock (2026-01-01T00:00Z): keep it
 * equal to STORE_CLOCK_FLOOR_MS (shared/store_int.h, raised with
 * releases), and the sim's dates after it. */
#define CHK_CLOCK_FLOOR 1767225600000LL

typedef struct {
	char uuid[37];
	char code[16];
	char category[EVENT_CAT_LEN];
	int state;
	int desk;
	int open_pos; /* index in the open list, -1 when finished */
	int tag;
	unsigned seen; /* generation of the last list compare that named it */
} chk_ticket;

typedef struct {
	int open;
	int ticket; /* index of the ticket at the desk, -1 */
	int unset;  /* an event on an unset clock came while it was open */
} chk_desk;

struct chk {
	chk_ticket *t;
	int nt, capt;
	int *slots; /* hash of uuid -> index + 1 (0 empty) */
	int nslots;
	int *open; /* indices of open tickets */
	int nopen, capopen;
	chk_desk desks[CHK_MAX_DESK + 1];
	int64_t last_seq;
	unsigned gen;
	event last;
	chk_stats st;
	char what[64];
	char detail[1024];
};

static const char *const state_names[] = {"unknown", "waiting",	  "at a desk", "served",
					  "no_show", "cancelled", "expired"};

static int fail(chk *c, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(chk *c, const char *what, const char *fmt, ...)
{
	snprintf(c->what, sizeof c->what, "%s", what);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
	return -1;
}

chk *chk_new(void)
{
	chk *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->nslots = 1024;
	c->slots = calloc((size_t)c->nslots, sizeof *c->slots);
	if (!c->slots) {
		free(c);
		return NULL;
	}
	for (int d = 0; d <= CHK_MAX_DESK; d++)
		c->desks[d].ticket = -1;
	return c;
}

void chk_free(chk *c)
{
	if (!c)
		return;
	free(c->t);
	free(c->slots);
	free(c->open);
	free(c);
}

const char *chk_what(const chk *c)
{
	return c->what;
}

const char *chk_detail(const chk *c)
{
	return c->detail;
}

const chk_stats *chk_get_stats(const chk *c)
{
	return &c->st;
}

const event *chk_last_event(const chk *c)
{
	return &c->last;
}

/* --- the ticket table ---------------------------------------------------- */

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	for (int i = 0; s[i] && i < 64; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int find(const chk *c, const char *uuid)
{
	unsigned mask = (unsigned)c->nslots - 1;
	for (unsigned i = hash(uuid) & mask, n = 0; n < (unsigned)c->nslots;
	     i = (i + 1) & mask, n++) {
		int v = c->slots[i];
		if (v == 0)
			return -1;
		if (!strcmp(c->t[v - 1].uuid, uuid))
			return v - 1;
	}
	return -1;
}

static void slot_put(int *slots, int nslots, const char *uuid, int idx)
{
	unsigned mask = (unsigned)nslots - 1;
	unsigned i = hash(uuid) & mask;
	for (int n = 0; n < nslots && slots[i]; n++)
		i = (i + 1) & mask;
	slots[i] = idx + 1;
}

/* Adds a ticket (not yet in the table); -1 when out of memory. */
static int add(chk *c, const char *uuid)
{
	if (c->nt == c->capt) {
		int cap = c->capt ? c->capt * 2 : 256;
		chk_ticket *n = realloc(c->t, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		c->t = n;
		c->capt = cap;
	}
	if ((c->nt + 1) * 2 > c->nslots) {
		int ns = c->nslots * 2;
		int *s = calloc((size_t)ns, sizeof *s);
		if (!s)
			return -1;
		for (int i = 0; i < c->nt; i++)
			slot_put(s, ns, c->t[i].uuid, i);
		free(c->slots);
		c->slots = s;
		c->nslots = ns;
	}
	chk_ticket *t = &c->t[c->nt];
	memset(t, 0, sizeof *t);
	snprintf(t->uuid, sizeof t->uuid, "%s", uuid);
	t->open_pos = -1;
	t->tag = -1;
	slot_put(c->slots, c->nslots, uuid, c->nt);
	return c->nt++;
}

static int open_add(chk *c, int idx)
{
	if (c->nopen == c->capopen) {
		int cap = c->capopen ? c->capopen * 2 : 64;
		int *n = realloc(c->open, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		c->open = n;
		c->capopen = cap;
	}
	c->t[idx].open_pos = c->nopen;
	c->open[c->nopen++] = idx;
	return 0;
}

static void open_remove(chk *c, int idx)
{
	int pos = c->t[idx].open_pos;
	if (pos < 0)
		return;
	int last = c->open[--c->nopen];
	c->open[pos] = last;
	c->t[last].open_pos = pos;
	c->t[idx].open_pos = -1;
}

int chk_ticket_state(const chk *c, const char *uuid, int *desk)
{
	int i = find(c, uuid);
	if (desk)
		*desk = i >= 0 ? c->t[i].desk : 0;
	return i >= 0 ? c->t[i].state : CT_NONE;
}

void chk_set_tag(chk *c, const char *uuid, int tag)
{
	int i = find(c, uuid);
	if (i >= 0)
		c->t[i].tag = tag;
}

int chk_desk_open(const chk *c, int desk)
{
	return desk >= 1 && desk <= CHK_MAX_DESK && c->desks[desk].open;
}

int chk_tag(const chk *c, const char *uuid)
{
	int i = find(c, uuid);
	return i >= 0 ? c->t[i].tag : -1;
}

/* --- events (checks 2 and 4) --------------------------------------------- */

static int desk_event(chk *c, const event *e)
{
	chk_desk *d = &c->desks[e->desk];
	if (e->kind == EV_DESK_OPENED) {
		if (d->open)
			return fail(c, "4 legal order",
				    "seq %lld: desk.opened for desk %d, already open",
				    (long long)e->seq, e->desk);
		d->open = 1;
		d->unset = e->at_ms < CHK_CLOCK_FLOOR;
		c->st.desk_opened++;
	} else {
		if (!d->open)
			return fail(c, "4 legal order",
				    "seq %lld: desk.closed for desk %d, not open",
				    (long long)e->seq, e->desk);
		if (d->ticket >= 0)
			return fail(
			    c, "4 legal order",
			    "seq %lld: desk.closed for desk %d while ticket %s (%s) is at it",
			    (long long)e->seq, e->desk, c->t[d->ticket].code, c->t[d->ticket].uuid);
		d->open = 0;
		d->unset = 0;
		c->st.desk_closed++;
	}
	c->st.checks++;
	return 0;
}

/* Leaves the ticket's desk, if any. */
static void leave_desk(chk *c, int idx)
{
	chk_ticket *t = &c->t[idx];
	if (t->state == CT_AT_DESK && t->desk > 0 && t->desk <= CHK_MAX_DESK &&
	    c->desks[t->desk].ticket == idx)
		c->desks[t->desk].ticket = -1;
	t->desk = 0;
}

static int finish(chk *c, int idx, int state)
{
	leave_desk(c, idx);
	c->t[idx].state = state;
	open_remove(c, idx);
	c->st.open--;
	return 0;
}

static int ticket_event(chk *c, const event *e)
{
	int idx = find(c, e->ticket);
	long long seq = (long long)e->seq;
	if (e->kind == EV_TICKET_ISSUED) {
		if (idx >= 0)
			return fail(c, "4 legal order", "seq %lld: ticket %s (%s) issued again",
				    seq, e->code, e->ticket);
		for (int i = 0; i < c->nopen; i++)
			if (!strcmp(c->t[c->open[i]].code, e->code))
				return fail(c, "1 codes unique",
					    "seq %lld: ticket %s issued while ticket %s with that "
					    "code is still %s",
					    seq, e->code, c->t[c->open[i]].uuid,
					    state_names[c->t[c->open[i]].state]);
		idx = add(c, e->ticket);
		if (idx < 0 || open_add(c, idx))
			return fail(c, "memory", "out of memory");
		chk_ticket *t = &c->t[idx];
		snprintf(t->code, sizeof t->code, "%s", e->code);
		snprintf(t->category, sizeof t->category, "%s", e->category);
		t->state = CT_WAITING;
		c->st.issued++;
		c->st.open++;
		c->st.checks += 2;
		return 0;
	}
	if (idx < 0)
		return fail(c, "4 legal order", "seq %lld: %s for ticket %s (%s) before its issue",
			    seq, e->type, e->code, e->ticket);
	chk_ticket *t = &c->t[idx];
	if (strcmp(t->code, e->code) != 0)
		return fail(c, "4 legal order", "seq %lld: %s for ticket %s says code %s, was %s",
			    seq, e->type, e->ticket, e->code, t->code);
	int from = t->state;
	int waiting = from == CT_WAITING, at_desk = from == CT_AT_DESK;
	if (!waiting && !at_desk)
		return fail(c, "4 legal order", "seq %lld: %s for ticket %s after it was %s", seq,
			    e->type, e->code, state_names[from]);
	/* Ticket events other than a transfer keep the category. */
	if (e->kind != EV_TICKET_TRANSFERRED && strcmp(t->category, e->category) != 0)
		return fail(c, "4 legal order", "seq %lld: %s for ticket %s in %s, it is in %s",
			    seq, e->type, e->code, e->category, t->category);
	switch (e->kind) {
	case EV_TICKET_CALLED:
		if (!waiting)
			return fail(c, "4 legal order", "seq %lld: ticket %s called while %s", seq,
				    e->code, state_names[from]);
		if (e->desk < 1 || e->desk > CHK_MAX_DESK)
			return fail(c, "4 legal order", "seq %lld: ticket %s called to desk %d",
				    seq, e->code, e->desk);
		if (!c->desks[e->desk].open)
			return fail(c, "4 legal order",
				    "seq %lld: ticket %s called at desk %d, which is not open", seq,
				    e->code, e->desk);
		if (c->desks[e->desk].ticket >= 0)
			return fail(c, "4 legal order",
				    "seq %lld: ticket %s called at desk %d, where %s still is", seq,
				    e->code, e->desk, c->t[c->desks[e->desk].ticket].code);
		t->state = CT_AT_DESK;
		t->desk = e->desk;
		c->desks[e->desk].ticket = idx;
		c->st.called++;
		break;
	case EV_TICKET_RECALLED:
		if (!at_desk || e->desk != t->desk)
			return fail(c, "4 legal order",
				    "seq %lld: ticket %s recalled at desk %d while %s (desk %d)",
				    seq, e->code, e->desk, state_names[from], t->desk);
		c->st.recalled++;
		break;
	case EV_TICKET_SERVED:
	case EV_TICKET_NO_SHOW:
		if (!at_desk)
			return fail(c, "4 legal order", "seq %lld: ticket %s %s while %s", seq,
				    e->code, e->type, state_names[from]);
		if (e->desk != t->desk)
			return fail(c, "4 legal order",
				    "seq %lld: ticket %s %s at desk %d, it is at %d", seq, e->code,
				    e->type, e->desk, t->desk);
		finish(c, idx, e->kind == EV_TICKET_SERVED ? CT_SERVED : CT_NO_SHOW);
		if (e->kind == EV_TICKET_SERVED)
			c->st.served++;
		else
			c->st.no_show++;
		break;
	case EV_TICKET_CANCELLED:
		finish(c, idx, CT_CANCELLED);
		c->st.cancelled++;
		break;
	case EV_TICKET_EXPIRED:
		finish(c, idx, CT_EXPIRED);
		c->st.expired++;
		break;
	case EV_TICKET_TRANSFERRED:
		if (strcmp(e->from, t->category) != 0)
			return fail(c, "4 legal order",
				    "seq %lld: ticket %s transferred from %s, it was in %s", seq,
				    e->code, e->from, t->category);
		leave_desk(c, idx);
		t->state = CT_WAITING;
		snprintf(t->category, sizeof t->category, "%s", e->category);
		c->st.transferred++;
		break;
	default: return fail(c, "4 legal order", "seq %lld: unexpected type %s", seq, e->type);
	}
	c->st.checks++;
	return 0;
}

int chk_event(chk *c, int64_t seq, const char *json, size_t len)
{
	json_error_t je;
	json_t *obj = json_loadb(json, len, 0, &je);
	char err[256];
	if (!obj)
		return fail(c, "event", "seq %lld: not JSON: %s", (long long)seq, je.text);
	int rc = event_decode(obj, &c->last, err, sizeof err);
	json_decref(obj);
	if (rc != 0)
		return fail(c, "event", "seq %lld: %s: %.*s", (long long)seq, err, (int)len, json);
	c->st.events++;
	if (c->last.seq != seq)
		return fail(c, "2 seq contiguous", "row seq %lld holds an event with seq %lld",
			    (long long)seq, (long long)c->last.seq);
	if (seq != c->last_seq + 1)
		return fail(c, "2 seq contiguous", "seq %lld follows seq %lld", (long long)seq,
			    (long long)c->last_seq);
	c->last_seq = seq;
	c->st.checks++;
	/* A desk open while the clock was unset may be moved to the day the
	 * clock comes back to (check 3 then lets it stay). */
	if (c->last.at_ms < CHK_CLOCK_FLOOR)
		for (int d = 1; d <= CHK_MAX_DESK; d++)
			if (c->desks[d].open)
				c->desks[d].unset = 1;
	if (event_type_is_desk(c->last.kind)) {
		if (c->last.desk < 1 || c->last.desk > CHK_MAX_DESK)
			return fail(c, "event", "seq %lld: desk %d", (long long)seq, c->last.desk);
		return desk_event(c, &c->last);
	}
	return ticket_event(c, &c->last);
}

/* --- what the store lists (checks 1, 3 and 5) ---------------------------- */

int chk_open_list(chk *c, const store_ticket *t, int n)
{
	/* 1: codes unique among the open tickets. A day has a few hundred
	 * tickets at most; the square is cheap. */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (!strcmp(t[i].code, t[j].code))
				return fail(c, "1 codes unique",
					    "open tickets %s (%s, %s) and %s (%s, %s) share a code",
					    t[i].code, t[i].uuid, t[i].day, t[j].code, t[j].uuid,
					    t[j].day);
	c->st.checks++;
	/* 5: the count adds up, and the store's open tickets are the events'. */
	int64_t finished = c->st.served + c->st.no_show + c->st.cancelled + c->st.expired;
	if (c->st.issued != finished + c->st.open || c->st.open != c->nopen)
		return fail(c, "5 count",
			    "issued %lld != served %lld + no_show %lld + cancelled %lld + expired "
			    "%lld + open %lld",
			    (long long)c->st.issued, (long long)c->st.served,
			    (long long)c->st.no_show, (long long)c->st.cancelled,
			    (long long)c->st.expired, (long long)c->st.open);
	if (n != c->nopen)
		return fail(
		    c, "5 count",
		    "store_list_open lists %d open tickets, the events leave %d open "
		    "(issued %lld, served %lld, no_show %lld, cancelled %lld, expired %lld)",
		    n, c->nopen, (long long)c->st.issued, (long long)c->st.served,
		    (long long)c->st.no_show, (long long)c->st.cancelled, (long long)c->st.expired);
	c->gen++;
	for (int i = 0; i < n; i++) {
		int idx = find(c, t[i].uuid);
		if (idx < 0 || c->t[idx].open_pos < 0)
			return fail(c, "5 count",
				    "store_list_open lists %s (%s), which the events %s", t[i].code,
				    t[i].uuid, idx < 0 ? "never issued" : "finished");
		chk_ticket *k = &c->t[idx];
		if (k->seen == c->gen)
			return fail(c, "5 count", "store_list_open lists %s (%s) twice", t[i].code,
				    t[i].uuid);
		k->seen = c->gen;
		int st = t[i].state == TICKET_WAITING  ? CT_WAITING
			 : t[i].state == TICKET_CALLED ? CT_AT_DESK
						       : -1;
		if (st != k->state || strcmp(k->code, t[i].code) != 0 ||
		    strcmp(k->category, t[i].category) != 0 ||
		    (st == CT_AT_DESK && k->desk != t[i].desk))
			return fail(c, "5 count",
				    "store_list_open has %s %s in %s at desk %d, the events say %s "
				    "%s in %s at desk %d",
				    t[i].code, store_ticket_state_name(t[i].state), t[i].category,
				    t[i].desk, k->code, state_names[k->state], k->category,
				    k->desk);
	}
	c->st.checks += 2;
	return 0;
}

int chk_desks(chk *c, const store_desk *d, int n)
{
	int nopen = 0;
	for (int k = 1; k <= CHK_MAX_DESK; k++)
		nopen += c->desks[k].open;
	for (int i = 0; i < n; i++)
		if (d[i].desk < 1 || d[i].desk > CHK_MAX_DESK || !c->desks[d[i].desk].open)
			return fail(c, "4 legal order",
				    "store_desks_open lists desk %d, which the events left closed",
				    d[i].desk);
	if (n != nopen)
		return fail(c, "4 legal order",
			    "store_desks_open lists %d desks, the events leave %d open", n, nopen);
	c->st.checks++;
	return 0;
}

int chk_day(chk *c, const config *cfg, int64_t now, const store_ticket *t, int n,
	    const store_desk *d, int nd)
{
	if (now < CHK_CLOCK_FLOOR) {
		c->st.day_skipped++;
		return 0;
	}
	char today[11];
	config_day_of(cfg, now, today, sizeof today);
	int64_t close_ms, change_ms;
	if (config_day_bounds(cfg, today, &close_ms, &change_ms) != 0)
		return fail(c, "3 day", "config_day_bounds refuses %s", today);
	for (int i = 0; i < n; i++) {
		if (strcmp(t[i].day, today) != 0)
			return fail(c, "3 day", "ticket %s (%s, %s) of day %s is open on %s",
				    t[i].code, t[i].uuid, store_ticket_state_name(t[i].state),
				    t[i].day, today);
		/* A resident at a desk at closing time is being helped: that
		 * ticket (and its desk) lasts until the day changes. */
		if (now >= close_ms && t[i].issued_ms < close_ms && t[i].state != TICKET_CALLED)
			return fail(c, "3 day",
				    "ticket %s (%s, issued %lld) still open after the closing at "
				    "%lld",
				    t[i].code, store_ticket_state_name(t[i].state),
				    (long long)t[i].issued_ms, (long long)close_ms);
	}
	for (int i = 0; i < nd; i++) {
		int helping = 0;
		for (int k = 0; k < n; k++)
			helping |= t[k].state == TICKET_CALLED && t[k].desk == d[i].desk;
		if (now >= close_ms && d[i].opened_ms < close_ms && !helping)
			return fail(c, "3 day",
				    "desk %d (opened %lld) still open after the closing at %lld",
				    d[i].desk, (long long)d[i].opened_ms, (long long)close_ms);
		/* A desk of an earlier day is closed, unless it was open on an
		 * unset clock: the store may move it to today then. */
		char day[11];
		config_day_of(cfg, d[i].opened_ms, day, sizeof day);
		int moved =
		    d[i].desk >= 1 && d[i].desk <= CHK_MAX_DESK && c->desks[d[i].desk].unset;
		if (d[i].opened_ms >= CHK_CLOCK_FLOOR && strcmp(day, today) != 0 && !moved)
			return fail(c, "3 day", "desk %d opened on day %s is open on %s", d[i].desk,
				    day, today);
	}
	c->st.checks += 2;
	return 0;
}

/* --- self-test: the checker must be able to fail ------------------------- */

/* A broken (or good) history: events as "type ticket code category desk"
 * words, then optionally the store's open list and day check. */
typedef struct {
	const char *name;
	const char *want; /* the check that must fail ("2 seq"), NULL: none */
	const char *events[16];
	int64_t seq_skip_at; /* this event gets seq + 1 (0: none) */
	/* store_list_open's answer: "code ticket state desk category day"
	 * (state w or c); when nlist < 0 the list is not checked. */
	int nlist;
	const char *list[4];
	const char *day_now; /* "2026-03-23 18:00": check 3 at this local time */
	const char *issued;  /* local issue time of every listed ticket */
} selfcase;

static int64_t local_ms(const char *s)
{
	struct tm tm = {0};
	if (sscanf(s, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min) != 5)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static void ticket_uuid(int n, char out[37])
{
	snprintf(out, 37, "01937000-0000-7000-9000-%012d", n);
}

/* "called 3 A003 digital 2" -> the JSON of that event with seq. */
static int make_event(const char *words, int64_t seq, char *buf, size_t cap)
{
	char type[32], code[16], cat[32], extra[32] = "";
	int n = 0, desk = 0;
	int k = sscanf(words, "%31s %d %15s %31s %d %31s", type, &n, code, cat, &desk, extra);
	char uuid[37];
	snprintf(uuid, sizeof uuid, "01937000-0000-7000-8000-%012lld", (long long)seq);
	const char *at = "2026-03-23T10:00:00.000+01:00";
	if (!strncmp(type, "desk.", 5)) {
		if (sscanf(words, "%31s %d", type, &desk) != 2)
			return -1;
		snprintf(
		    buf, cap,
		    "{\"seq\":%lld,\"uuid\":\"%s\",\"type\":\"%s\",\"at\":\"%s\",\"desk\":%d%s}",
		    (long long)seq, uuid, type, at, desk,
		    !strcmp(type, "desk.opened") ? ",\"categories\":null" : "");
		return 0;
	}
	if (k < 4)
		return -1;
	char tu[37], d[16] = "null";
	ticket_uuid(n, tu);
	if (desk > 0)
		snprintf(d, sizeof d, "%d", desk);
	char from[64] = "";
	if (k >= 6)
		snprintf(from, sizeof from, ",\"from\":\"%s\"", extra);
	snprintf(buf, cap,
		 "{\"seq\":%lld,\"uuid\":\"%s\",\"type\":\"ticket.%s\",\"at\":\"%s\","
		 "\"ticket\":\"%s\",\"code\":\"%s\",\"category\":\"%s\",\"lang\":\"nl\","
		 "\"desk\":%s%s}",
		 (long long)seq, uuid, type, at, tu, code, cat, d, from);
	return 0;
}

static const selfcase cases[] = {
    {"a good day",
     NULL,
     {"desk.opened 1", "issued 1 A001 digital", "issued 2 A002 digital", "issued 3 B001 tax",
      "called 1 A001 digital 1", "recalled 1 A001 digital 1", "served 1 A001 digital 1",
      "called 2 A002 digital 1", "transferred 2 A002 tax 0 digital", "called 2 A002 tax 1",
      "no_show 2 A002 tax 1", "cancelled 3 B001 tax", "issued 4 A003 digital", NULL},
     0,
     1,
     {"A003 4 w 0 digital 2026-03-23"},
     "2026-03-23 18:00",
     "2026-03-23 17:10"},
    {"a seq gap",
     "2 seq contiguous",
     {"issued 1 A001 digital", "issued 2 A002 digital", "issued 3 A003 digital", NULL},
     3,
     -1,
     {NULL},
     NULL,
     NULL},
    {"a call after served",
     "4 legal order",
     {"desk.opened 1", "issued 1 A001 digital", "called 1 A001 digital 1",
      "served 1 A001 digital 1", "called 1 A001 digital 1", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"issued twice",
     "4 legal order",
     {"issued 1 A001 digital", "issued 1 A001 digital", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"a recall of a waiting ticket",
     "4 legal order",
     {"desk.opened 1", "issued 1 A001 digital", "recalled 1 A001 digital 1", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"an event after expiry",
     "4 legal order",
     {"issued 1 A001 digital", "expired 1 A001 digital", "cancelled 1 A001 digital", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"a call at a closed desk",
     "4 legal order",
     {"issued 1 A001 digital", "called 1 A001 digital 2", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"a desk opened twice",
     "4 legal order",
     {"desk.opened 2", "desk.opened 2", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"a desk closed with a ticket at it",
     "4 legal order",
     {"desk.opened 2", "issued 1 A001 digital", "called 1 A001 digital 2", "desk.closed 2", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"two open tickets with one code (events)",
     "1 codes unique",
     {"issued 1 A001 digital", "issued 2 A001 digital", NULL},
     0,
     -1,
     {NULL},
     NULL,
     NULL},
    {"two open tickets with one code (list)",
     "1 codes unique",
     {"issued 1 A001 digital", "issued 2 A002 digital", NULL},
     0,
     2,
     {"A001 1 w 0 digital 2026-03-23", "A001 2 w 0 digital 2026-03-23"},
     NULL,
     NULL},
    {"a count that does not add up",
     "5 count",
     {"desk.opened 1", "issued 1 A001 digital", "issued 2 A002 digital", "issued 3 A003 digital",
      "called 1 A001 digital 1", "served 1 A001 digital 1", NULL},
     0,
     1,
     {"A002 2 w 0 digital 2026-03-23"},
     NULL,
     NULL},
    {"a list that disagrees with the events",
     "5 count",
     {"desk.opened 1", "issued 1 A001 digital", "called 1 A001 digital 1", NULL},
     0,
     1,
     {"A001 1 w 0 digital 2026-03-23"},
     NULL,
     NULL},
    {"yesterday's ticket still open",
     "3 day",
     {"issued 1 A001 digital", NULL},
     0,
     1,
     {"A001 1 w 0 digital 2026-03-22"},
     "2026-03-23 10:00",
     "2026-03-22 16:00"},
    {"a ticket open after the closing",
     "3 day",
     {"issued 1 A001 digital", NULL},
     0,
     1,
     {"A001 1 w 0 digital 2026-03-23"},
     "2026-03-23 17:30",
     "2026-03-23 16:50"},
};

static int run_case(const config *cfg, const selfcase *sc, chk *c)
{
	char json[1024];
	int64_t seq = 0;
	for (int i = 0; i < 16 && sc->events[i]; i++) {
		seq++;
		if (sc->seq_skip_at && i + 1 == sc->seq_skip_at)
			seq++;
		if (make_event(sc->events[i], seq, json, sizeof json))
			return fail(c, "selftest", "bad case line \"%s\"", sc->events[i]);
		if (chk_event(c, seq, json, strlen(json)))
			return -1;
	}
	if (sc->nlist < 0)
		return 0;
	store_ticket t[4];
	memset(t, 0, sizeof t);
	for (int i = 0; i < sc->nlist; i++) {
		int n = 0, desk = 0;
		char st = 'w';
		if (sscanf(sc->list[i], "%15s %d %c %d %31s %10s", t[i].code, &n, &st, &desk,
			   t[i].category, t[i].day) != 6)
			return fail(c, "selftest", "bad list line \"%s\"", sc->list[i]);
		ticket_uuid(n, t[i].uuid);
		t[i].state = st == 'c' ? TICKET_CALLED : TICKET_WAITING;
		t[i].desk = desk;
		t[i].issued_ms = sc->issued ? local_ms(sc->issued) : 0;
	}
	if (chk_open_list(c, t, sc->nlist))
		return -1;
	if (sc->day_now && chk_day(c, cfg, local_ms(sc->day_now), t, sc->nlist, NULL, 0))
		return -1;
	return 0;
}

int chk_selftest(const config *cfg, int verbose)
{
	int wrong = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		chk *c = chk_new();
		if (!c)
			return 1;
		int rc = run_case(cfg, &cases[i], c);
		const char *want = cases[i].want;
		int ok = want ? rc != 0 && !strncmp(c->what, want, strlen(want)) : rc == 0;
		if (!ok) {
			wrong++;
			fprintf(stderr, "selftest: %s: want %s, got %s%s%s\n", cases[i].name,
				want ? want : "no failure", rc ? c->what : "no failure",
				rc ? ": " : "", rc ? c->detail : "");
		} else if (verbose) {
			fprintf(stderr, "selftest: %s: %s%s%s\n", cases[i].name,
				rc ? "caught: " : "passed", rc ? c->what : "", rc ? "" : "");
			if (rc)
				fprintf(stderr, "          %s\n", c->detail);
		}
		chk_free(c);
	}
	return wrong;
}
