/*
 * xlsx — GET /report.xlsx: the report (report_page.c) as a workbook for a
 * coordinator, made with libxlsxwriter: a first sheet naming the period
 * (dates as dates), then one sheet per table of the page, headers and
 * labels in the chosen language (?lang=nl|en), numbers as numbers (waits
 * in minutes and staffed hours rounded to a tenth, as on the page), and a
 * totals row (values, not formulas: every reader shows them, also one
 * that does not calculate). The figures are the page's: both come from
 * tally.c.
 *
 * libxlsxwriter writes to a file: a private temporary file (mkstemp under
 * $TMPDIR or /tmp), read back into the answer and removed at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "clock.h"
#include "log.h"
#include "names.h"
#include "report_page.h"
#include "tally.h"

#define XLSX_MAX (64u << 20)

typedef struct {
	lxw_workbook *wb;
	lxw_format *head, *bold, *date, *num1, *tot, *tot1;
	const report_words *w;
	const names *nm;
	char other[64];
} book;

static void wait_cell(book *b, lxw_worksheet *ws, int r, int c, const hist *v, int p, lxw_format *f)
{
	int64_t ms = tally_pct(v, p);
	if (ms >= 0)
		worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c,
				       (double)(long)((ms + 3000) / 6000) / 10, f ? f : b->num1);
}

static void header(book *b, lxw_worksheet *ws, const char *const *h, int n)
{
	for (int i = 0; i < n; i++) {
		worksheet_write_string(ws, 0, (lxw_col_t)i, h[i], b->head);
		worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, i < 2 ? 28 : 14, NULL);
	}
	worksheet_freeze_panes(ws, 1, 0);
}

static const char *label(book *b, const char *site, const char *kind, const char *key,
			 long grouped)
{
	if (!key) {
		return report_other(b->w, grouped, b->other, sizeof b->other);
	}
	if (!*key)
		return b->w->not_recorded;
	return names_or_id(b->nm, site, kind, key, b->w->lang);
}

static void sheet_sites(book *b, tally *t, const char *name)
{
	const report_words *w = b->w;
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	const char *h[] = {w->site,	 w->visits,  w->served,	  w->no_show, w->expired,
			   w->cancelled, w->staffed, w->wait_med, w->wait_p90};
	header(b, ws, h, 9);
	for (size_t i = 0; i <= t->nsites; i++) {
		int all = i == t->nsites, r = (int)i + 1;
		tally_row *x = all ? &t->total : &t->sites[i].total;
		lxw_format *f = all ? b->tot : NULL;
		worksheet_write_string(ws, (lxw_row_t)r, 0, all ? w->all_sites : t->sites[i].name,
				       f);
		long v[] = {x->visits, x->served, x->no_show, x->expired, x->cancelled};
		for (int c = 0; c < 5; c++)
			worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)(c + 1), (double)v[c], f);
		long m = all ? t->staffed_minutes : t->sites[i].staffed_minutes;
		worksheet_write_number(ws, (lxw_row_t)r, 6, (double)((m * 10 + 30) / 60) / 10,
				       all ? b->tot1 : b->num1);
		wait_cell(b, ws, r, 7, &x->wait, 50, all ? b->tot1 : NULL);
		wait_cell(b, ws, r, 8, &x->wait, 90, all ? b->tot1 : NULL);
	}
}

static void cat_row(book *b, lxw_worksheet *ws, int r, const char *site, const char *cat,
		    tally_row *x, lxw_format *f, lxw_format *f1)
{
	worksheet_write_string(ws, (lxw_row_t)r, 0, site, f);
	worksheet_write_string(ws, (lxw_row_t)r, 1, cat, f);
	long v[] = {x->visits, x->served, x->no_show, x->expired, x->cancelled, x->also};
	for (int c = 0; c < 6; c++)
		worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)(c + 2), (double)v[c], f);
	wait_cell(b, ws, r, 8, &x->wait, 50, f1);
	wait_cell(b, ws, r, 9, &x->wait, 90, f1);
}

static void sheet_cats(book *b, tally *t, const char *name)
{
	const report_words *w = b->w;
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	const char *h[] = {w->site,    w->cat,	     w->visits, w->served,   w->no_show,
			   w->expired, w->cancelled, w->also,	w->wait_med, w->wait_p90};
	header(b, ws, h, 10);
	int r = 1;
	for (size_t i = 0; i < t->nsites; i++) {
		tally_site *s = &t->sites[i];
		if (!s->nrows)
			continue;
		for (size_t j = 0; j < s->nrows; j++)
			cat_row(b, ws, r++, s->name,
				label(b, s->id, "category", s->rows[j].key, s->rows[j].grouped),
				&s->rows[j], NULL, NULL);
		cat_row(b, ws, r++, s->name, w->total, &s->total, b->bold, NULL);
	}
	cat_row(b, ws, r, w->all_sites, w->total, &t->total, b->tot, b->tot1);
}

static void sheet_outcomes(book *b, tally *t, const char *name)
{
	const report_words *w = b->w;
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	const char *h[] = {w->site, w->served, w->solved, w->referred, w->follow_up,
			   w->not_recorded};
	header(b, ws, h, 6);
	for (size_t i = 0; i <= t->nsites; i++) {
		int all = i == t->nsites, r = (int)i + 1;
		tally_row *x = all ? &t->total : &t->sites[i].total;
		lxw_format *f = all ? b->tot : NULL;
		worksheet_write_string(ws, (lxw_row_t)r, 0, all ? w->all_sites : t->sites[i].name,
				       f);
		long v[] = {x->served, x->solved, x->referred, x->follow_up, x->outcome_nr};
		for (int c = 0; c < 5; c++)
			worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)(c + 1), (double)v[c], f);
	}
}

static void sheet_counts(book *b, tally *t, const char *name, int refs)
{
	const report_words *w = b->w;
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	const char *h[] = {w->site, refs ? w->dest : w->language, w->count};
	header(b, ws, h, 3);
	int r = 1;
	long all = 0;
	for (size_t i = 0; i < t->nsites; i++) {
		tally_site *s = &t->sites[i];
		size_t n = refs ? s->nrefs : s->nlangs;
		tally_count *c = refs ? s->refs : s->langs;
		for (size_t j = 0; j < n; j++, r++) {
			worksheet_write_string(ws, (lxw_row_t)r, 0, s->name, NULL);
			const char *l = refs ? label(b, s->id, "referral", c[j].key, c[j].grouped)
				      : c[j].key ? (*c[j].key ? c[j].key : w->not_recorded)
						 : label(b, s->id, "", NULL, c[j].grouped);
			worksheet_write_string(ws, (lxw_row_t)r, 1, l, NULL);
			worksheet_write_number(ws, (lxw_row_t)r, 2, (double)c[j].n, NULL);
			all += c[j].n;
		}
	}
	worksheet_write_string(ws, (lxw_row_t)r, 0, w->all_sites, b->tot);
	worksheet_write_string(ws, (lxw_row_t)r, 1, w->total, b->tot);
	worksheet_write_number(ws, (lxw_row_t)r, 2, (double)all, b->tot);
}

static void sheet_first(book *b, tally *t, const char *name)
{
	const report_words *w = b->w;
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	const char *h[] = {w->site, w->yes, w->no, w->not_recorded};
	header(b, ws, h, 4);
	size_t i = 0;
	for (; i <= t->nsites; i++) {
		int all = i == t->nsites, r = (int)i + 1;
		tally_row *x = all ? &t->total : &t->sites[i].total;
		lxw_format *f = all ? b->tot : NULL;
		worksheet_write_string(ws, (lxw_row_t)r, 0, all ? w->all_sites : t->sites[i].name,
				       f);
		worksheet_write_number(ws, (lxw_row_t)r, 1, (double)x->first_yes, f);
		worksheet_write_number(ws, (lxw_row_t)r, 2, (double)x->first_no, f);
		worksheet_write_number(ws, (lxw_row_t)r, 3, (double)x->first_nr, f);
	}
	worksheet_write_string(ws, (lxw_row_t)(i + 2), 0, w->note_first, NULL);
}

/* The number the n digits at s spell (s is a checked day label). */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static lxw_datetime to_dt(const char *day)
{
	lxw_datetime d = {digits(day, 4), (uint8_t)digits(day + 5, 2), (uint8_t)digits(day + 8, 2), 0, 0, 0};
	return d;
}

static void sheet_period(book *b, tally *t, const char *name, int english)
{
	const report_words *w = b->w;
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	worksheet_set_column(ws, 0, 0, 24, NULL);
	worksheet_set_column(ws, 1, 1, 20, NULL);
	worksheet_write_string(ws, 0, 0, w->title, b->head);
	worksheet_write_string(ws, 1, 0, english ? "From" : "Van", NULL);
	lxw_datetime f = to_dt(t->from), to = to_dt(t->to);
	worksheet_write_datetime(ws, 1, 1, &f, b->date);
	worksheet_write_string(ws, 2, 0, english ? "To" : "Tot en met", NULL);
	worksheet_write_datetime(ws, 2, 1, &to, b->date);
	char now[CLOCK_DAY_LEN];
	clock_local_day(clock_now_ms(), now, sizeof now);
	lxw_datetime g = to_dt(now);
	worksheet_write_string(ws, 3, 0, w->generated, NULL);
	worksheet_write_datetime(ws, 3, 1, &g, b->date);
	worksheet_write_string(ws, 5, 0, w->note_wait, NULL);
	worksheet_write_string(ws, 6, 0, w->note_outcomes, NULL);
	worksheet_write_string(ws, 7, 0, w->note_first, NULL);
}

/* The whole file into rp, or an error there. */
static int read_back(const char *path, reply *rp)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	buf_init(&rp->body, XLSX_MAX);
	char chunk[65536];
	size_t n;
	int bad = 0;
	while (!bad && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		bad = buf_add(&rp->body, chunk, n);
	bad |= ferror(f);
	fclose(f);
	return bad ? -1 : 0;
}

void report_xlsx(request *rq, reply *rp)
{
	char from[DAY_LEN], to[DAY_LEN];
	int english;
	if (report_args(rq, rp, from, to, &english))
		return;
	int st;
	names *nm = names_load(rq->app->st, &st);
	tally t;
	if (nm)
		st = tally_build(rq->app->st, rq->app->cfg, from, to, REPORT_TOP, &t);
	else
		memset(&t, 0, sizeof t);
	if (!nm || st != CSTORE_OK) {
		tally_free(&t);
		names_free(nm);
		if (st == CSTORE_BUSY || t.nomem)
			reply_unavailable(rp, 2, "the database is busy, try again");
		else
			reply_text(rp, 500, "the central office could not read its tickets");
		return;
	}
	const char *tmp = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/loket-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		log_error("report.xlsx: cannot make a temporary file %s: %s", path, strerror(errno));
		reply_text(rp, 500, "the central office could not write the workbook");
		tally_free(&t);
		names_free(nm);
		return;
	}
	close(fd);
	book b = {.w = report_words_of(english), .nm = nm};
	lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
	b.wb = workbook_new_opt(path, &opt);
	lxw_error err = LXW_NO_ERROR;
	if (b.wb) {
		b.head = workbook_add_format(b.wb);
		format_set_bold(b.head);
		format_set_bottom(b.head, LXW_BORDER_THIN);
		format_set_text_wrap(b.head);
		b.bold = workbook_add_format(b.wb);
		format_set_bold(b.bold);
		b.date = workbook_add_format(b.wb);
		format_set_num_format(b.date, "yyyy-mm-dd");
		format_set_align(b.date, LXW_ALIGN_LEFT);
		b.num1 = workbook_add_format(b.wb);
		format_set_num_format(b.num1, "0.0");
		b.tot = workbook_add_format(b.wb);
		format_set_bold(b.tot);
		format_set_top(b.tot, LXW_BORDER_THIN);
		b.tot1 = workbook_add_format(b.wb);
		format_set_bold(b.tot1);
		format_set_top(b.tot1, LXW_BORDER_THIN);
		format_set_num_format(b.tot1, "0.0");
		sheet_period(&b, &t, english ? "Report" : "Rapportage", english);
		sheet_sites(&b, &t, english ? "Locations" : "Locaties");
		sheet_cats(&b, &t, english ? "Kinds of help" : "Soort hulp");
		sheet_outcomes(&b, &t, english ? "Outcomes" : "Afloop");
		sheet_counts(&b, &t, english ? "Referrals" : "Doorverwijzingen", 1);
		sheet_first(&b, &t, english ? "First visits" : "Eerste bezoeken");
		sheet_counts(&b, &t, english ? "Languages" : "Talen", 0);
		err = workbook_close(b.wb);
	}
	if (!b.wb || err != LXW_NO_ERROR || read_back(path, rp)) {
		log_error("report.xlsx: %s", b.wb ? lxw_strerror(err) : "cannot create the workbook");
		buf_free(&rp->body);
		reply_text(rp, 500, "the central office could not write the workbook");
	} else {
		char disp[96];
		snprintf(disp, sizeof disp, "attachment; filename=\"loket-report-%s-%s.xlsx\"", from,
			 to);
		rp->status = 200;
		rp->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
		reply_header(rp, "Content-Disposition", disp);
		reply_note(rp, "%s..%s %ld visits", from, to, t.total.visits);
	}
	unlink(path);
	tally_free(&t);
	names_free(nm);
}
