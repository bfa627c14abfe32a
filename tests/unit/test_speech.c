/*
 * Unit tests of the kiosk's spoken announcement (kiosk/speech.c): the SSML
 * a call becomes, and real synthesis through the worker thread in each of
 * the six languages, converted to a device format that is not espeak-ng's
 * own (48 kHz stereo float). Needs espeak-ng-data (scripts/deps.sh).
 * tests/kiosk/run.sh checks the same through the kiosk, with the catalogs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../kiosk/speech.h"

#define SAY(x) "<say-as interpret-as=\"characters\">" x "</say-as>"

static void test_compose(void **state)
{
	(void)state;
	char out[SPEECH_MAX_TEXT];
	static const struct {
		const char *sentence, *code, *want;
		int desk;
	} cases[] = {
	    {"Number {code}, desk {desk}", "A012", "Number " SAY("A") " 12, desk 3", 3},
	    {"Nummer {code}, balie {desk}", "A001", "Nummer " SAY("A") " 1, balie 3", 3},
	    {"{code}", "A000", SAY("A") " 0", 1},
	    {"{code}", "B100", SAY("B") " 100", 1},
	    {"{code}", "ABC105", SAY("ABC") " 105", 1},
	    {"{code} numaralı bilet, {desk} numaralı masaya.", "C007",
	     SAY("C") " 7 numaralı bilet, 12 numaralı masaya.", 12},
	    /* not LETTERS+DIGITS: spelled out whole, escaped */
	    {"{code}", "12", SAY("12"), 1},
	    {"{code}", "A1B", SAY("A1B"), 1},
	    {"{code}", "<A1", SAY("&lt;A1"), 1},
	    /* the translator's text is text, not markup */
	    {"Tom & <b>{code}</b> \"{desk}\"", "A1",
	     "Tom &amp; &lt;b&gt;" SAY("A") " 1&lt;/b&gt; &quot;2&quot;", 2},
	    {"no placeholders {n}", "A1", "no placeholders {n}", 2},
	    {"رقم {code}، المكتب {desk}", "A012", "رقم " SAY("A") " 12، المكتب 3", 3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		assert_int_equal(speech_compose(out, sizeof out, cases[i].sentence, cases[i].code,
						cases[i].desk),
				 0);
		assert_string_equal(out, cases[i].want);
	}
	/* too small: -1 and an empty string, never a cut tag */
	const char *want = "Number " SAY("A") " 12, desk 3";
	size_t need = strlen(want) + 1;
	assert_int_equal(speech_compose(out, need, "Number {code}, desk {desk}", "A012", 3), 0);
	assert_string_equal(out, want);
	for (size_t n = 1; n < need; n++) {
		memset(out, 'x', sizeof out);
		assert_int_equal(speech_compose(out, n, "Number {code}, desk {desk}", "A012", 3),
				 -1);
		assert_string_equal(out, "");
	}
	assert_int_equal(speech_compose(out, 0, "x", "A1", 1), -1);
}

/* Waits (at most 20 s) until the newest request is done; returns its PCM
 * length in bytes, 0 if it produced nothing. */
static Uint32 wait_result(void)
{
	for (int i = 0; i < 4000 && speech_busy(); i++) {
		Uint8 *pcm;
		Uint32 len;
		if (speech_take(&pcm, &len)) {
			SDL_free(pcm);
			assert_false(speech_take(&pcm, &len)); /* handed over once */
			return len;
		}
		SDL_Delay(5);
	}
	assert_false(speech_busy());
	return 0;
}

#define BYTES_PER_S (48000 * 2 * 4) /* the test's device: 48 kHz stereo float */

/* Asks for one sentence in one voice. */
static void say1(const char *ssml, const char *voice)
{
	static speech_part p;
	snprintf(p.text, sizeof p.text, "%s", ssml);
	snprintf(p.voice, sizeof p.voice, "%s", voice);
	speech_say(&p, 1);
}

static void test_six_languages(void **state)
{
	(void)state;
	static const struct {
		const char *voice, *sentence;
	} langs[] = {
	    {"nl", "Nummer {code}, balie {desk}"},
	    {"en", "Number {code}, desk {desk}"},
	    {"ar", "رقم {code}، المكتب {desk}"},
	    {"tr", "{code} numaralı bilet, {desk} numaralı masaya."},
	    {"pl", "Numer {code}, stanowisko {desk}"},
	    {"uk", "Номер {code}, стійка {desk}"},
	};
	for (size_t i = 0; i < sizeof langs / sizeof *langs; i++) {
		char ssml[SPEECH_MAX_TEXT];
		assert_int_equal(speech_compose(ssml, sizeof ssml, langs[i].sentence, "A012", 3),
				 0);
		say1(ssml, langs[i].voice);
		Uint32 len = wait_result();
		double s = (double)len / BYTES_PER_S;
		print_message("%s: %.2f s\n", langs[i].voice, s);
		/* 0.2 s of lead-in silence and at least 0.3 s of voice; and
		 * whole frames of the device's format */
		assert_true(s > 0.5);
		assert_true(s < SPEECH_MAX_SECONDS);
		assert_int_equal(len % 8, 0);
	}
}

static void test_missing_voice(void **state)
{
	(void)state;
	char ssml[SPEECH_MAX_TEXT];
	speech_compose(ssml, sizeof ssml, "Number {code}, desk {desk}", "A1", 1);
	say1(ssml, "xx-none");
	assert_int_equal(wait_result(), 0);
	say1(ssml, "xx-none"); /* known bad: skipped at once */
	assert_int_equal(wait_result(), 0);
	say1(ssml, "en"); /* and the others still speak */
	assert_true(wait_result() > BYTES_PER_S / 2);
}

static void test_newest_wins(void **state)
{
	(void)state;
	char a[SPEECH_MAX_TEXT], b[SPEECH_MAX_TEXT];
	speech_compose(a, sizeof a,
		       "Nummer {code}, balie {desk}. Nummer {code}, balie {desk}. Nummer {code}, "
		       "balie {desk}.",
		       "A123", 4);
	speech_compose(b, sizeof b, "Nummer {code}", "B2", 1);
	say1(a, "nl");
	Uint32 la = wait_result();
	say1(a, "nl");
	say1(b, "nl"); /* before a is done: a is dropped */
	Uint32 lb = wait_result();
	assert_true(lb > 0);
	assert_true(lb < la / 2);
	/* not a string (no end within the request): refused, nothing to
	 * wait for */
	static speech_part huge = {.voice = "nl"};
	memset(huge.text, 'a', sizeof huge.text);
	speech_say(&huge, 1);
	assert_false(speech_busy());
}

/* A call in the site's language and then in the resident's: one result,
 * longer than either alone (with the pause between); a part whose voice
 * does not work is left out and the other still plays. */
static void test_two_languages(void **state)
{
	(void)state;
	speech_part p[2];
	speech_compose(p[0].text, sizeof p[0].text, "Nummer {code}, balie {desk}", "A12", 3);
	snprintf(p[0].voice, sizeof p[0].voice, "nl");
	speech_compose(p[1].text, sizeof p[1].text, "رقم {code}، المكتب {desk}", "A12", 3);
	snprintf(p[1].voice, sizeof p[1].voice, "ar");
	speech_say(&p[0], 1);
	Uint32 nl = wait_result();
	speech_say(&p[1], 1);
	Uint32 ar = wait_result();
	speech_say(p, 2);
	Uint32 both = wait_result();
	print_message("nl %.2f s, ar %.2f s, both %.2f s\n", (double)nl / BYTES_PER_S,
		      (double)ar / BYTES_PER_S, (double)both / BYTES_PER_S);
	assert_true(nl > 0 && ar > 0);
	assert_true(both > nl + ar - BYTES_PER_S / 5); /* one lead-in, plus the pause */
	snprintf(p[1].voice, sizeof p[1].voice, "xx-none");
	speech_say(p, 2);
	Uint32 one = wait_result();
	assert_true(one > nl - BYTES_PER_S / 20 && one < nl + BYTES_PER_S / 20);
}

static int setup(void **state)
{
	(void)state;
	SDL_AudioSpec out;
	SDL_zero(out);
	out.freq = 48000;
	out.format = AUDIO_F32SYS;
	out.channels = 2;
	out.samples = 1024;
	return speech_init(&out) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	speech_quit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compose),
	    cmocka_unit_test(test_six_languages),
	    cmocka_unit_test(test_missing_voice),
	    cmocka_unit_test(test_newest_wins),
	    cmocka_unit_test(test_two_languages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
