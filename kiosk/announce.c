/*
 * announce — the announcement queue of the display views (display and
 * combined): each call is chimed and then said, in the display's language
 * and in the resident's.
 *
 * Every call and recall is announced once, in the order the store committed
 * them (the calls table's id), however many desks call at once: the display
 * keeps the id of the newest call it took, reads the calls after it
 * (store_calls_after) into a ring of KIOSK_ANNOUNCE_QUEUE, and plays them
 * one after the other: chime and voice of one call, then the next
 * (announce_step, a timer; audio_playing says when one is done). At start
 * it takes the newest id as it is, so nothing already called is said. A
 * call that waited longer than KIOSK_ANNOUNCE_MAX_AGE_MS since the display
 * first saw it (its monotonic clock, so a wrong wall clock cannot make a
 * call old or new) is only shown, and logged. When more calls wait in the
 * store than fit, the rest are read as the ring empties.
 *
 * Test hook LOKET_ANNOUNCE_LOG=FILE: one line per call when it was played
 * or skipped, "ID CODE DESK spoken|chime|silent" (ID is the call's id in
 * the calls table; spoken: the voice played, chime: the chime alone,
 * silent: too old, or no sound).
 */
#include "announce.h"

#include <stdio.h>
#include <string.h>

#include "audio.h"
#include "i18n.h"
#include "kiosk.h"
#include "log.h"
#include "speech.h"

/* Composes the call's sentence in language index lang into *p: the
 * catalog's sentence with that language's voice, or the English msgid with
 * the English voice where the catalog lacks it (espeak-ng's voices are
 * named by language code). Returns 0, or -1 (logged) if it is too long. */
static int announce_part(app *a, int lang, const store_call *c, speech_part *p)
{
	const char *msgid = N_("Number {code}, desk {desk}");
	const char *sentence = i18n_tr(lang, msgid);
	snprintf(p->voice, sizeof p->voice, "%s", sentence == msgid ? "en" : a->cfg->langs[lang]);
	if (speech_compose(p->text, sizeof p->text, sentence, c->code, c->desk) != 0) {
		log_warn("the announcement of %s in \"%s\" is too long: not spoken", c->code,
			 a->cfg->langs[lang]);
		return -1;
	}
	return 0;
}

/* Speaks a call after the chime (docs/kiosk.md, "Spoken announcement"):
 * in the display's language, and then, where the ticket was taken in
 * another of the site's languages, in the resident's, so someone who took
 * a ticket in Arabic hears the number in Arabic too. The combined view's
 * language is the resident's at the buttons below, so there the hall
 * hears the site's own language (the first configured) first. */
static void announce(app *a, const store_call *c)
{
	int hall = a->view == VIEW_COMBINED ? 0 : a->lang;
	speech_part parts[SPEECH_MAX_PARTS];
	int n = 0;
	if (announce_part(a, hall, c, &parts[n]) == 0)
		n++;
	int res = -1;
	for (int i = 0; i < a->cfg->nlangs; i++)
		if (strcmp(a->cfg->langs[i], c->lang) == 0)
			res = i;
	if (res >= 0 && res != hall && announce_part(a, res, c, &parts[n]) == 0 &&
	    (n == 0 || strcmp(parts[0].voice, parts[n].voice) != 0))
		n++;
	if (n > 0)
		audio_announce(parts, n);
}

static void announce_logline(app *a, const store_call *c, const char *how)
{
	if (!a->announce_log)
		return;
	fprintf(a->announce_log, "%lld %s %d %s\n", (long long)c->id, c->code, c->desk, how);
	fflush(a->announce_log);
}

/* Takes the calls after announced_id into the ring, as many as fit. */
void announce_fetch(app *a, int64_t now)
{
	if (!a->st)
		return;
	if (!a->announce_ready) {
		if (store_last_call_id(a->st, &a->announced_id) != STORE_OK) {
			log_warn("calls: %s", store_errmsg(a->st));
			return;
		}
		a->announce_ready = 1;
		a->aq_more = 0;
		return;
	}
	int room = KIOSK_ANNOUNCE_QUEUE - a->aq_n;
	a->aq_more = room == 0;
	if (room == 0)
		return;
	store_call got[KIOSK_ANNOUNCE_QUEUE];
	int n = 0;
	if (store_calls_after(a->st, a->announced_id, got, room, &n) != STORE_OK) {
		log_warn("calls: %s", store_errmsg(a->st));
		return;
	}
	for (int i = 0; i < n; i++) {
		int k = (a->aq_head + a->aq_n++) % KIOSK_ANNOUNCE_QUEUE;
		a->aq[k] = got[i];
		a->aq_seen[k] = now;
		a->announced_id = got[i].id;
	}
	a->aq_more = n == room;
}

static void announce_pop(app *a, const char *how)
{
	announce_logline(a, &a->aq[a->aq_head], how);
	a->aq_head = (a->aq_head + 1) % KIOSK_ANNOUNCE_QUEUE;
	a->aq_n--;
	a->announcing = 0;
}

/* Plays the queue: finishes the call playing, starts the next. Returns ms
 * until it wants to look again, or -1 if there is nothing to do. */
int64_t announce_step(app *a, int64_t now)
{
	for (;;) {
		if (a->announcing) {
			if (audio_playing())
				return 50;
			announce_pop(a, audio_spoke()	     ? "spoken"
					: a->announce_chimed ? "chime"
							     : "silent");
		}
		if (a->aq_more)
			announce_fetch(a, now);
		if (a->aq_n == 0)
			return -1;
		const store_call *c = &a->aq[a->aq_head];
		int64_t age = now - a->aq_seen[a->aq_head];
		if (age > KIOSK_ANNOUNCE_MAX_AGE_MS) {
			log_info("call %s to desk %d waited %lld s to be announced: shown, not "
				 "said",
				 c->code, c->desk, (long long)(age / 1000));
			announce_pop(a, "silent");
			continue;
		}
		log_info("call %s to desk %d", c->code, c->desk);
		a->announce_chimed = audio_chime(now);
		announce(a, c);
		a->announcing = 1;
	}
}

/* Forgets the queue (the view stops being a display). */
void announce_reset(app *a)
{
	a->announce_ready = 0;
	a->aq_n = 0;
	a->aq_head = 0;
	a->aq_more = 0;
	a->announcing = 0;
}
