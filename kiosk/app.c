/*
 * app — the state helpers and the model: the app's clock, its language and
 * view, the site database (opened, or retried while it cannot be) and the
 * model the views show, reloaded when another process committed. Calls the
 * store and the announcement queue (announce.h); never a view or the loop.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "announce.h"
#include "clock.h"
#include "i18n.h"
#include "kiosk.h"
#include "log.h"
#include "printer.h"

/* --- small shared helpers ---------------------------------------------- */

int64_t app_now(const app *a)
{
	return a->replay ? a->vnow : clock_mono_ms();
}

const char *T(const app *a, const char *msgid)
{
	return i18n_tr(a->lang, msgid);
}

int app_rtl(const app *a)
{
	return i18n_is_rtl(a->cfg->langs[a->lang]);
}

const char *app_cat_label(const app *a, const char *id)
{
	int ci = config_category_index(a->cfg, id);
	if (ci < 0)
		return id;
	const config_category *c = &a->cfg->categories[ci];
	return c->label[a->lang][0] ? c->label[a->lang] : c->label[0];
}

void app_say(app *a, const char *msgid, const char *code)
{
	if (code)
		i18n_subst(a->counter_msg, sizeof a->counter_msg, T(a, msgid), "code", code);
	else
		snprintf(a->counter_msg, sizeof a->counter_msg, "%s", T(a, msgid));
}

void app_say_failed(app *a, store_status s, const char *what)
{
	if (s == STORE_EMPTY) {
		app_say(a, "Nobody is waiting.", NULL);
	} else if (s == STORE_CONFLICT && strcmp(what, "call-next") == 0) {
		app_say(a, "Finish the ticket at your desk first.", NULL);
	} else if (s == STORE_NOTFOUND) {
		app_say(a, "There is no ticket at your desk.", NULL);
	} else {
		log_error("%s at desk %d: %s (%s)", what, a->desk, store_status_str(s),
			  a->st ? store_errmsg(a->st) : "no database");
		snprintf(a->counter_msg, sizeof a->counter_msg, "%s %s",
			 T(a, "That did not work:"), a->st ? store_errmsg(a->st) : a->problem);
	}
}

void app_set_lang(app *a, int lang)
{
	if (lang < 0 || lang >= a->cfg->nlangs || lang == a->lang)
		return;
	a->lang = lang;
	a->counter_msg[0] = '\0';
	a->dirty = 1;
}

void app_alive(app *a, int running)
{
	static const char *const names[] = {[VIEW_TICKET] = "ticket", [VIEW_COUNTER] = "counter",
					    [VIEW_DISPLAY] = "display", [VIEW_COMBINED] = "combined"};
	a->alive_at = app_now(a);
	if (!a->st)
		return;
	a->alive_written = 1;
	char name[STORE_VIEW_NAME];
	if (a->view == VIEW_COUNTER)
		snprintf(name, sizeof name, "counter:%d", a->desk);
	else
		snprintf(name, sizeof name, "%s", names[a->view]);
	int64_t every = (int64_t)a->cfg->sync.heartbeat_s * 1000;
	if (store_view_alive(a->st, name, clock_now_ms(), running ? every : 0, (int)getpid()) !=
	    STORE_OK)
		log_warn("cannot write the view's sign of life: %s", store_errmsg(a->st));
}

void app_reload(app *a)
{
	char err[4096];
	log_info("SIGHUP: reloading %s", a->cfg->path);
	config *nc = config_load(a->cfg->path, err, sizeof err);
	const char *why = NULL;
	if (!nc)
		why = "it has errors";
	else if (strcmp(nc->site_id, a->cfg->site_id) || strcmp(nc->database, a->cfg->database))
		why = "a reload cannot change the site or its database (restart for that)";
	if (why) {
		for (char *line = err, *nl; !nc && *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			log_error("reload: %s", line);
			if (!nl)
				break;
		}
		log_error("reload failed (%s): keeping the old configuration", why);
		config_free(nc);
		if (a->view == VIEW_COUNTER)
			app_say(a, "The new configuration was refused; the old one stays.", NULL);
		a->dirty = 1;
		return;
	}
	config *old = a->cfg;
	/* what a person is doing, carried over by name, not by index */
	int lang = config_lang_index(nc, old->langs[a->lang]);
	int handles[CONFIG_MAX_CATEGORIES], topics[CONFIG_MAX_CATEGORIES];
	for (int i = 0; i < nc->ncategories; i++) {
		int k = config_category_index(old, nc->categories[i].id);
		handles[i] = k < 0 ? 1 : a->handles[k];
		topics[i] = k < 0 ? 0 : a->oc_topics[k];
	}
	int any = 0;
	for (int i = 0; i < nc->ncategories; i++)
		any |= handles[i];
	for (int i = 0; !any && i < nc->ncategories; i++)
		handles[i] = 1; /* the kinds it took are gone: it takes every kind */
	memcpy(a->handles, handles, sizeof handles);
	memcpy(a->oc_topics, topics, sizeof topics);
	a->lang = lang < 0 ? 0 : lang;
	if (a->desk > nc->desks)
		log_warn("reload: desk %d is beyond the site's %d desks; it stays this desk", a->desk,
			 nc->desks);
	if (a->overlay == CO_DESK || a->overlay == CO_CATEGORIES || a->overlay == CO_TRANSFER)
		a->overlay = CO_NONE; /* their buttons were the old ones */
	i18n_free();
	int nmo = i18n_load(a->locale, (const char(*)[8])nc->langs, nc->nlangs);
	if (a->st)
		store_set_config(a->st, nc);
	a->cfg = nc;
	config_free(old);
	a->open = config_is_open(nc, clock_now_ms(), &a->next_open_ms);
	app_printer(a); /* a printer added, changed or removed */
	if (a->view == VIEW_COUNTER)
		app_say(a, "The configuration was updated.", NULL);
	log_info("reloaded %s: %d kinds of help, %d languages (%d translations)", nc->path,
		 nc->ncategories, nc->nlangs, nmo);
	app_refresh(a, 1);
	a->dirty = 1;
}

void app_printer(app *a)
{
	int want = (a->view == VIEW_TICKET || a->view == VIEW_COMBINED) && a->cfg->printer.device[0];
	if (want && printer_serves(a->cfg))
		return;
	printer_stop(1000);
	a->printer_seen = -1; /* the store hears the state anew (or that there is none) */
	if (want)
		printer_start(a->cfg, a->font_dir);
}

void app_set_view(app *a, view_kind v)
{
	if (v != VIEW_DISPLAY && v != VIEW_COMBINED)
		announce_reset(a);
	app_alive(a, 0);
	a->view = v;
	a->staff = STAFF_NONE;
	a->overlay = CO_NONE;
	a->tscreen = TK_START;
	a->counter_msg[0] = '\0';
	app_alive(a, 1);
	app_printer(a);
	app_refresh(a, 1);
	a->dirty = 1;
}

/* --- model ------------------------------------------------------------- */

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* The counter view works at its desk while it runs: desk.opened at start
 * (with the kinds of help it takes), desk.closed at the end. */
static void counter_desk_open(app *a)
{
	const char *cats[CONFIG_MAX_CATEGORIES];
	int nc = 0;
	for (int i = 0; i < a->cfg->ncategories; i++)
		if (a->handles[i])
			cats[nc++] = a->cfg->categories[i].id;
	if (nc == a->cfg->ncategories)
		nc = 0; /* every kind */
	if (store_desk_open(a->st, a->desk, cats, nc) != STORE_OK)
		log_warn("cannot open desk %d: %s", a->desk, store_errmsg(a->st));
}

void try_open_store(app *a)
{
	char err[512];
	store *st = NULL;
	store_status s = store_open(a->cfg->database, a->cfg, &st, err, sizeof err);
	if (s != STORE_OK) {
		snprintf(a->problem, sizeof a->problem, "%s", err);
		log_error("cannot open the site database %s: %s", a->cfg->database, err);
		a->st = NULL;
		return;
	}
	a->st = st;
	a->problem[0] = '\0';
	a->data_version = -1;
	log_info("site database %s", a->cfg->database);
	if (a->view == VIEW_COUNTER)
		counter_desk_open(a);
}

void app_refresh(app *a, int force)
{
	if (!a->st)
		return;
	int64_t v = store_data_version(a->st);
	if (!force && v == a->data_version)
		return;
	a->data_version = v;
	uint64_t h = 0xcbf29ce484222325ULL;
	store_status s = store_status_get(a->st, &a->status);
	if (s != STORE_OK)
		log_warn("status: %s", store_errmsg(a->st));
	if (a->view == VIEW_COUNTER) {
		const char *cats[CONFIG_MAX_CATEGORIES];
		int nc = 0;
		for (int i = 0; i < a->cfg->ncategories; i++)
			if (a->handles[i])
				cats[nc++] = a->cfg->categories[i].id;
		if (store_list_waiting(a->st, cats, nc, a->waiting, KIOSK_MAX_WAITING,
				       &a->nwaiting) != STORE_OK)
			a->nwaiting = 0;
		a->have_at_desk = store_find(a->st, (store_ref){NULL, a->desk}, &a->at_desk) ==
				  STORE_OK;
		/* the ticket printer, as the ticket screen found it (printer.h) */
		if (store_printer_state_get(a->st, a->printer_state, sizeof a->printer_state,
					    &a->printer_at) != STORE_OK)
			a->printer_state[0] = '\0';
		h = mix(h, a->printer_state, sizeof a->printer_state);
		h = mix(h, &a->status, sizeof a->status);
		for (int i = 0; i < a->nwaiting; i++)
			h = mix(h, a->waiting[i].code, sizeof a->waiting[i].code);
		h = mix(h, &a->nwaiting, sizeof a->nwaiting);
		if (a->have_at_desk)
			h = mix(h, &a->at_desk, sizeof a->at_desk);
		h = mix(h, &a->have_at_desk, sizeof a->have_at_desk);
	}
	if (a->view == VIEW_DISPLAY || a->view == VIEW_COMBINED) {
		if (store_recent_calls(a->st, a->calls, KIOSK_MAX_CALLS, &a->ncalls) != STORE_OK)
			a->ncalls = 0;
		h = mix(h, a->calls, sizeof a->calls[0] * (size_t)a->ncalls);
		for (int i = 0; i < a->status.ncategories; i++)
			h = mix(h, &a->status.categories[i].waiting, sizeof(int));
		announce_fetch(a, app_now(a));
	}
	if (force || h != a->model_hash)
		a->dirty = 1;
	a->model_hash = h;
}
