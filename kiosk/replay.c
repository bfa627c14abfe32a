/*
 * replay — parse a script into commands, then feed them to the loop as SDL
 * events (so a replayed tap takes the same path as a finger). See replay.h.
 */
#include "replay.h"

#include <SDL.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "kiosk.h"
#include "log.h"

#define REPLAY_MAX_LINES 200000
#define REPLAY_LINE	 1024

typedef enum {
	R_TAP,
	R_TAP_ID,
	R_LONG,
	R_WAIT,
	R_WAIT_FILE,
	R_KEY,
	R_TEXT,
	R_SHOT,
	R_DUMP,
	R_QUIT
} rcmd;

#define REPLAY_WAIT_FILE_MS 30000 /* wait-file gives up after this */

typedef struct {
	rcmd cmd;
	int line;
	int x, y, ms;
	char *arg;
} rstep;

struct replay {
	rstep *steps;
	int n;
	char path[1024];
};

void replay_free(replay *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		free(r->steps[i].arg);
	free(r->steps);
	free(r);
}

static int num(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno || v < -100000 || v > 10000000)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end)
		return -1;
	*out = (int)v;
	return 0;
}

/* Splits "a b c" into up to 3 words; returns their count. */
static int words(char *s, char **w, int max)
{
	int n = 0;
	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

replay *replay_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	replay *r = calloc(1, sizeof *r);
	int cap = 0, lineno = 0;
	char line[REPLAY_LINE];
	if (!r)
		goto oom;
	snprintf(r->path, sizeof r->path, "%s", path);
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%d: line longer than %d bytes", path, lineno,
				 REPLAY_LINE - 2);
			goto fail;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (r->n >= REPLAY_MAX_LINES) {
			snprintf(err, errlen, "%s:%d: more than %d commands", path, lineno,
				 REPLAY_MAX_LINES);
			goto fail;
		}
		if (r->n == cap) {
			cap = cap ? cap * 2 : 64;
			rstep *ns = realloc(r->steps, (size_t)cap * sizeof *ns);
			if (!ns)
				goto oom;
			r->steps = ns;
		}
		rstep st = {0};
		st.line = lineno;
		char *cmd = s;
		char *rest = s;
		while (*rest && *rest != ' ' && *rest != '\t')
			rest++;
		if (*rest)
			*rest++ = '\0';
		while (*rest == ' ' || *rest == '\t')
			rest++;
		char *w[4];
		int nw;
		if (strcmp(cmd, "tap") == 0 || strcmp(cmd, "long-press") == 0) {
			int want = cmd[0] == 't' ? 2 : 3;
			nw = words(rest, w, 4);
			if (nw != want || num(w[0], &st.x) || num(w[1], &st.y) ||
			    (want == 3 && (num(w[2], &st.ms) || st.ms < 0))) {
				snprintf(err, errlen, "%s:%d: usage: %s", path, lineno,
					 want == 2 ? "tap X Y" : "long-press X Y MS");
				goto fail;
			}
			st.cmd = want == 2 ? R_TAP : R_LONG;
		} else if (strcmp(cmd, "wait") == 0) {
			if (num(rest, &st.ms) || st.ms < 0) {
				snprintf(err, errlen, "%s:%d: usage: wait MS", path, lineno);
				goto fail;
			}
			st.cmd = R_WAIT;
		} else if (strcmp(cmd, "quit") == 0) {
			st.cmd = R_QUIT;
		} else {
			static const struct {
				const char *name;
				rcmd cmd;
			} withArg[] = {{"tap-id", R_TAP_ID}, {"key", R_KEY},   {"text", R_TEXT},
				       {"shot", R_SHOT},     {"dump", R_DUMP}, {"wait-file", R_WAIT_FILE}};
			size_t k;
			for (k = 0; k < sizeof withArg / sizeof *withArg; k++)
				if (strcmp(cmd, withArg[k].name) == 0)
					break;
			if (k == sizeof withArg / sizeof *withArg) {
				snprintf(err, errlen, "%s:%d: unknown command \"%s\"", path, lineno,
					 cmd);
				goto fail;
			}
			if (!*rest) {
				snprintf(err, errlen, "%s:%d: %s needs an argument", path, lineno,
					 cmd);
				goto fail;
			}
			st.cmd = withArg[k].cmd;
			st.arg = strdup(rest);
			if (!st.arg)
				goto oom;
		}
		r->steps[r->n++] = st;
	}
	fclose(f);
	return r;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	fclose(f);
	replay_free(r);
	return NULL;
}

static void push_button(int type, int x, int y)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = (Uint32)type;
	ev.button.button = SDL_BUTTON_LEFT;
	ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
	ev.button.clicks = 1;
	ev.button.x = x;
	ev.button.y = y;
	ev.button.timestamp = SDL_GetTicks();
	SDL_PushEvent(&ev);
}

static void tap_at(app *a, int x, int y)
{
	push_button(SDL_MOUSEBUTTONDOWN, x, y);
	push_button(SDL_MOUSEBUTTONUP, x, y);
	app_pump(a, app_now(a));
}

int replay_run(replay *r, app *a)
{
	int failed = 0;
	for (int i = 0; i < r->n && !a->quit; i++) {
		rstep *s = &r->steps[i];
		const char *what = NULL;
		switch (s->cmd) {
		case R_TAP:
			tap_at(a, s->x, s->y);
			break;
		case R_TAP_ID: {
			if (a->dirty)
				app_draw(a, 1);
			const ui_control *c = ui_find(&a->ui, s->arg);
			if (!c || !c->tap) {
				what = c ? "is not a target" : "is not visible";
				log_error("%s:%d: tap-id %s: %s", r->path, s->line, s->arg, what);
				failed = 1;
				break;
			}
			tap_at(a, c->rect.x + c->rect.w / 2, c->rect.y + c->rect.h / 2);
			break;
		}
		case R_LONG:
			push_button(SDL_MOUSEBUTTONDOWN, s->x, s->y);
			app_pump(a, app_now(a) + s->ms);
			push_button(SDL_MOUSEBUTTONUP, s->x, s->y);
			app_pump(a, app_now(a));
			break;
		case R_WAIT:
			app_pump(a, app_now(a) + s->ms);
			break;
		case R_WAIT_FILE: {
			/* the loop keeps running (timers, signals) while the test
			 * does what it must; bounded */
			int64_t t0 = clock_mono_ms();
			while (access(s->arg, F_OK) != 0 && !a->quit &&
			       clock_mono_ms() - t0 < REPLAY_WAIT_FILE_MS)
				app_pump(a, app_now(a) + 20);
			if (access(s->arg, F_OK) != 0) {
				log_error("%s:%d: wait-file %s: not there after %d s", r->path,
					  s->line, s->arg, REPLAY_WAIT_FILE_MS / 1000);
				failed = 1;
			}
			app_pump(a, app_now(a)); /* what came with it (a signal) */
			break;
		}
		case R_KEY: {
			SDL_Keycode k = SDL_GetKeyFromName(s->arg);
			if (k == SDLK_UNKNOWN) {
				log_error("%s:%d: key %s: no such key name", r->path, s->line,
					  s->arg);
				failed = 1;
				break;
			}
			SDL_Event ev;
			memset(&ev, 0, sizeof ev);
			ev.type = SDL_KEYDOWN;
			ev.key.state = SDL_PRESSED;
			ev.key.keysym.sym = k;
			ev.key.keysym.scancode = SDL_GetScancodeFromKey(k);
			SDL_PushEvent(&ev);
			ev.type = SDL_KEYUP;
			ev.key.state = SDL_RELEASED;
			SDL_PushEvent(&ev);
			app_pump(a, app_now(a));
			break;
		}
		case R_TEXT: {
			size_t len = strlen(s->arg);
			for (size_t off = 0; off < len;) {
				SDL_Event ev;
				memset(&ev, 0, sizeof ev);
				ev.type = SDL_TEXTINPUT;
				size_t c = len - off;
				if (c > sizeof ev.text.text - 1)
					c = sizeof ev.text.text - 1;
				while (c > 0 && off + c < len &&
				       ((unsigned char)s->arg[off + c] & 0xc0) == 0x80)
					c--;
				memcpy(ev.text.text, s->arg + off, c);
				SDL_PushEvent(&ev);
				off += c;
			}
			app_pump(a, app_now(a));
			break;
		}
		case R_SHOT:
			if (app_shot(a, s->arg) != 0) {
				log_error("%s:%d: shot %s failed", r->path, s->line, s->arg);
				failed = 1;
			}
			break;
		case R_DUMP:
			if (app_dump(a, s->arg) != 0) {
				log_error("%s:%d: dump %s failed", r->path, s->line, s->arg);
				failed = 1;
			}
			break;
		case R_QUIT:
			a->quit = 1;
			break;
		}
	}
	return failed;
}
