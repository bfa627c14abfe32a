/*
 * store_estimate — who is ahead of a waiting ticket, and how long it waits.
 *
 * The estimate follows how this site's desks really call (store_call_next):
 * an open desk, when it is free, calls the ticket waiting longest among
 * the kinds of help it takes (all kinds when it names none). So the
 * estimate plays that forward:
 *
 *   - each open desk (store_day.c) is free now, or, with a ticket at it,
 *     when that ticket's expected desk time has passed (at least a fifth
 *     of it from now: a long visit is not about to end just because the
 *     mean says so);
 *   - over and over, the desk that is free first takes the oldest waiting
 *     ticket it may call; its start is that desk's free time, and the desk
 *     is busy for the expected desk time of the ticket's kind of help;
 *   - a ticket's `ahead` is how many tickets are called before it in this
 *     play, its wait the start minus now. A ticket no open desk takes
 *     gets STORE_WAIT_UNKNOWN: the screens say no desk is open for it.
 *
 * The expected desk time of a kind of help is the mean desk time of its
 * last 25 tickets finished at a desk (served or no-show: a no-show also
 * takes a desk's time): from the call to the desk's next call when that
 * came within five minutes of the finish (the pause between residents is
 * part of a desk's pace: without it the estimate ran 10% short in
 * tests/sim), else to the finish; outliers above four times the median
 * left out (a forgotten "served" button); with fewer than three,
 * the same over all kinds; without history, kiosk.service_minutes. These
 * are re-read at most every STORE_ESTIMATE_TTL_MS (a monotonic clock).
 * A mean, not a median: the time to serve k people is k times the mean.
 *
 * Cost: one pass over the waiting tickets per estimate, times the kinds of
 * help it scans per call; a few hundred waiting residents take well under
 * a millisecond. Never used for ordering: a guess for residents.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_int.h"

#define EST_MAX_DESKS	100
#define EST_MIN_SERVICE 30000
#define EST_OUTLIER	4
#define EST_MIN_SAMPLES 3
#define EST_MAX_WAIT_MS (7 * 86400000LL)

typedef struct {
	int desk;
	int64_t free_at;
	uint32_t mask; /* bit per category index */
	int done;      /* nothing left it may call */
} sim_desk;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_est_id(const void *a, const void *b)
{
	int64_t x = ((const store_est *)a)->id, y = ((const store_est *)b)->id;
	return (x > y) - (x < y);
}

/* Mean desk time over the statement's rows, outliers left out; 0 when
 * there are too few. */
static int64_t mean_ms(store *st, int which, const char *category)
{
	int64_t v[50];
	int n = 0;
	sqlite3_stmt *s = store_q(st, which);
	if (!s)
		return 0;
	if (category)
		sqlite3_bind_text(s, 1, category, -1, SQLITE_STATIC);
	while (n < 50 && sqlite3_step(s) == SQLITE_ROW)
		v[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (n < EST_MIN_SAMPLES)
		return 0;
	qsort(v, (size_t)n, sizeof v[0], cmp_i64);
	int64_t cap = v[n / 2] * EST_OUTLIER, sum = 0;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (v[i] <= cap) {
			sum += v[i];
			k++;
		}
	return k ? sum / k : 0;
}

static void refresh_service(store *st)
{
	int64_t mono = clock_mono_ms();
	if (st->est.valid && mono - st->est.at_mono_ms <= STORE_ESTIMATE_TTL_MS)
		return;
	int64_t all = mean_ms(st, Q_SERVICE_TIMES_ALL, NULL);
	if (!all)
		all = (int64_t)st->cfg->kiosk.service_minutes * 60000;
	for (int i = 0; i < st->cfg->ncategories; i++) {
		int64_t m = mean_ms(st, Q_SERVICE_TIMES, st->cfg->categories[i].id);
		m = m ? m : all;
		st->est.service_ms[i] = m < EST_MIN_SERVICE ? EST_MIN_SERVICE : m;
	}
	st->est.at_mono_ms = mono;
	st->est.valid = 1;
}

static int64_t service_of(const store *st, int ci)
{
	return ci >= 0 ? st->est.service_ms[ci] : (int64_t)st->cfg->kiosk.service_minutes * 60000;
}

/* The kinds of help a desk takes as a mask of category indexes, from the
 * JSON array the desks table keeps (NULL: every kind). */
static uint32_t desk_mask(const store *st, const char *cats)
{
	uint32_t all = st->cfg->ncategories >= 32 ? ~0u : (1u << st->cfg->ncategories) - 1;
	json_t *arr = cats ? json_loads(cats, 0, NULL) : NULL;
	uint32_t mask = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		int ci =
		    json_is_string(v) ? config_category_index(st->cfg, json_string_value(v)) : -1;
		if (ci >= 0)
			mask |= 1u << ci;
	}
	json_decref(arr);
	return mask ? mask : all;
}

/* The open desks and when each is free. */
static store_status read_desks(store *st, int64_t now, sim_desk *d, int *nd)
{
	*nd = 0;
	sqlite3_stmt *s = store_q(st, Q_DESKS);
	if (!s)
		return STORE_IO;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*nd >= EST_MAX_DESKS)
			continue;
		sim_desk *k = &d[(*nd)++];
		memset(k, 0, sizeof *k);
		k->desk = sqlite3_column_int(s, 0);
		k->free_at = now;
		k->mask = desk_mask(st, (const char *)sqlite3_column_text(s, 4));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the desks");
	/* A desk with a ticket at it is free when that ticket's desk time has
	 * passed (one statement for all desks; few tickets are at desks). */
	s = store_q(st, Q_AT_DESKS);
	if (!s)
		return STORE_IO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int desk = sqlite3_column_int(s, 0);
		int64_t svc = service_of(
		    st, config_category_index(st->cfg, (const char *)sqlite3_column_text(s, 1)));
		int64_t end = sqlite3_column_int64(s, 2) + svc, least = now + svc / 5;
		for (int i = 0; i < *nd; i++)
			if (d[i].desk == desk)
				d[i].free_at = end > least ? end : least;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the desks");
	return STORE_OK;
}

/* Plays the desks' calls over the n tickets (category index per ticket,
 * in order of issue) and fills each one's ahead and est_s. */
static void simulate(const store *st, const sim_desk *desks, int nd, const int *cat, int n,
		     int64_t now, store_est *out)
{
	sim_desk d[EST_MAX_DESKS];
	memcpy(d, desks, (size_t)nd * sizeof d[0]);
	int ncat = st->cfg->ncategories;
	/* next[c]: the first ticket of category c not yet called. */
	int next[CONFIG_MAX_CATEGORIES];
	for (int c = 0; c < ncat; c++) {
		next[c] = 0;
		while (next[c] < n && cat[next[c]] != c)
			next[c]++;
	}
	for (int i = 0; i < n; i++) {
		out[i].ahead = -1;
		out[i].est_s = STORE_WAIT_UNKNOWN;
	}
	for (int called = 0; called < n;) {
		int k = -1;
		for (int j = 0; j < nd; j++)
			if (!d[j].done && (k < 0 || d[j].free_at < d[k].free_at))
				k = j;
		if (k < 0)
			break;
		int pick = -1;
		for (int c = 0; c < ncat; c++)
			if ((d[k].mask >> c & 1u) && next[c] < n && (pick < 0 || next[c] < pick))
				pick = next[c];
		if (pick < 0) {
			d[k].done = 1;
			continue;
		}
		int c = cat[pick];
		do
			next[c]++;
		while (next[c] < n && cat[next[c]] != c);
		int64_t wait = d[k].free_at - now;
		out[pick].ahead = called++;
		/* At most a week: an int, and never STORE_WAIT_UNKNOWN. */
		wait = wait < 0 ? 0 : wait > EST_MAX_WAIT_MS ? EST_MAX_WAIT_MS : wait;
		out[pick].est_s = (int)(wait / 1000);
		d[k].free_at += service_of(st, c);
	}
	/* Not called by any open desk: the wait is unknown; ahead counts
	 * everyone issued before. */
	for (int i = 0; i < n; i++)
		if (out[i].ahead < 0)
			out[i].ahead = i;
}

store_status store_estimate_run(store *st, int64_t now, store_est **out, int *n, store_est *per_cat)
{
	*out = NULL;
	*n = 0;
	refresh_service(st);
	sim_desk desks[EST_MAX_DESKS];
	int nd = 0;
	store_status ss = read_desks(st, now, desks, &nd);
	if (ss != STORE_OK)
		return ss;
	/* The waiting tickets come in the index's order (kind, then issue);
	 * sorted here by issue, which is cheaper than SQLite's sorter. */
	int cap = 64, len = 0;
	store_est *rows = malloc((size_t)(cap + 1) * sizeof *rows);
	sqlite3_stmt *s = store_q(st, Q_WAITING);
	int rc = SQLITE_NOMEM;
	if (rows && s) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (len == cap) {
				store_est *r2 = realloc(rows, (size_t)(cap * 2 + 1) * sizeof *rows);
				if (!r2) {
					rc = SQLITE_NOMEM;
					break;
				}
				rows = r2;
				cap *= 2;
			}
			rows[len].id = sqlite3_column_int64(s, 0);
			/* The category index rides in ahead until the play. */
			rows[len++].ahead =
			    config_category_index(st->cfg, (const char *)sqlite3_column_text(s, 1));
		}
		sqlite3_reset(s);
	}
	int *cat = rc == SQLITE_DONE ? malloc((size_t)(len + 1) * sizeof *cat) : NULL;
	if (!cat) {
		free(rows);
		if (!s)
			return STORE_IO;
		return rc == SQLITE_DONE || rc == SQLITE_NOMEM
			   ? store_fail(st, STORE_IO, "out of memory")
			   : store_db_fail(st, rc, "reading the waiting tickets");
	}
	qsort(rows, (size_t)len, sizeof rows[0], cmp_est_id);
	for (int i = 0; i < len; i++)
		cat[i] = rows[i].ahead;
	simulate(st, desks, nd, cat, len, now, rows);
	/* A ticket taken now comes after everyone: one more play per kind of
	 * help, with it at the end (the arrays have room for one more). */
	for (int c = 0; per_cat && c < st->cfg->ncategories; c++) {
		store_est *tmp = malloc((size_t)(len + 1) * sizeof *tmp);
		if (!tmp) {
			per_cat[c] = (store_est){0, 0, STORE_WAIT_UNKNOWN};
			continue;
		}
		cat[len] = c;
		simulate(st, desks, nd, cat, len + 1, now, tmp);
		per_cat[c] = tmp[len];
		free(tmp);
	}
	free(cat);
	*out = rows;
	*n = len;
	return STORE_OK;
}

store_status store_estimate_ticket(store *st, int64_t id, int64_t now, store_ticket *t)
{
	store_est *rows;
	int n;
	t->ahead = 0;
	t->est_wait_s = STORE_WAIT_UNKNOWN;
	store_status ss = store_estimate_run(st, now, &rows, &n, NULL);
	if (ss != STORE_OK)
		return ss;
	for (int i = 0; i < n; i++)
		if (rows[i].id == id) {
			t->ahead = rows[i].ahead;
			t->est_wait_s = rows[i].est_s;
		}
	free(rows);
	return STORE_OK;
}
