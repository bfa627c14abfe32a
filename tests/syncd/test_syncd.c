/*
 * Unit tests of loket-syncd's pure parts: the retry table and backoff
 * (policy.c), the token file rules (token.c), and batch building with gzip
 * (batch.c) on a real site store in a temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "batch.h"
#include "config.h"
#include "policy.h"
#include "store.h"
#include "token.h"

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(sync_classify(200), SYNC_OK);
	assert_int_equal(sync_classify(409), SYNC_GAP);
	assert_int_equal(sync_classify(413), SYNC_SHRINK);
	assert_int_equal(sync_classify(429), SYNC_RETRY_AFTER);
	assert_int_equal(sync_classify(503), SYNC_RETRY_AFTER);
	assert_int_equal(sync_classify(0), SYNC_RETRY);
	assert_int_equal(sync_classify(408), SYNC_RETRY);
	assert_int_equal(sync_classify(500), SYNC_RETRY);
	assert_int_equal(sync_classify(502), SYNC_RETRY);
	assert_int_equal(sync_classify(504), SYNC_RETRY);
	/* Not retried blindly: */
	long refused[] = {400, 401, 403, 404, 405, 415, 422, 201, 204, 301, 302, 100};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		assert_int_equal(sync_classify(refused[i]), SYNC_REFUSED);
	assert_non_null(strstr(sync_status_words(401), "token"));
	assert_non_null(sync_status_words(599));
	assert_non_null(sync_status_words(418));
}

static void test_backoff(void **state)
{
	(void)state;
	uint64_t rng = 42;
	/* Within [floor, min(cap, base * 2^(n-1))], and spread out (jitter). */
	for (int n = 1; n <= 40; n++) {
		int64_t ceil = SYNC_BACKOFF_BASE_MS;
		for (int i = 1; i < n && ceil < 300000; i++)
			ceil *= 2;
		if (ceil > 300000)
			ceil = 300000;
		int64_t lo = INT64_MAX, hi = 0;
		for (int k = 0; k < 2000; k++) {
			int64_t d = sync_backoff_ms(n, 300000, &rng);
			assert_true(d >= SYNC_BACKOFF_FLOOR_MS);
			assert_true(d <= ceil);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		assert_true(hi - lo > (ceil - SYNC_BACKOFF_FLOOR_MS) / 2);
	}
	/* A tiny cap is respected. */
	for (int k = 0; k < 100; k++)
		assert_true(sync_backoff_ms(30, 1000, &rng) <= 1000);
	assert_int_equal(sync_backoff_ms(5, 10, &rng), SYNC_BACKOFF_FLOOR_MS);
	/* The same seed gives the same delays. */
	uint64_t a = 7, b = 7;
	for (int k = 0; k < 10; k++)
		assert_int_equal(sync_backoff_ms(k + 1, 60000, &a),
				 sync_backoff_ms(k + 1, 60000, &b));
}

static void test_retry_after(void **state)
{
	(void)state;
	uint64_t rng = 1;
	/* Retry-After is a lower bound ... */
	for (int k = 0; k < 100; k++)
		assert_true(sync_retry_after_ms(7, 1, 300000, &rng) >= 7000);
	/* ... absent, the backoff alone ... */
	for (int k = 0; k < 100; k++)
		assert_true(sync_retry_after_ms(-1, 1, 300000, &rng) <= SYNC_BACKOFF_BASE_MS);
	/* ... 0 means "now", but never faster than the backoff floor ... */
	assert_true(sync_retry_after_ms(0, 1, 300000, &rng) >= SYNC_BACKOFF_FLOOR_MS);
	/* ... and an absurd one is capped at an hour. */
	assert_int_equal(sync_retry_after_ms(999999, 1, 1000, &rng),
			 (int64_t)SYNC_RETRY_AFTER_MAX_S * 1000);
}

static void test_answer_parse(void **state)
{
	(void)state;
	int64_t n = -1;
	const char *ok = "{\"acked_through\": 42, \"stored\": 3}";
	assert_int_equal(sync_answer_parse(ok, strlen(ok), &n), 0);
	assert_int_equal(n, 42);
	const char *zero = "{\"acked_through\":0}";
	assert_int_equal(sync_answer_parse(zero, strlen(zero), &n), 0);
	assert_int_equal(n, 0);
	const char *bad[] = {"",
			     "{",
			     "[]",
			     "{\"acked_through\": -1}",
			     "{\"acked_through\": \"5\"}",
			     "{\"acked_through\": 1.5}",
			     "{\"acked\": 5}",
			     "{\"acked_through\": 1, \"acked_through\": 2}",
			     "<html>502 Bad Gateway</html>"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(sync_answer_parse(bad[i], strlen(bad[i]), &n), -1);
}

static char tmpdir[64];

static void write_file(const char *path, const char *text, mode_t mode)
{
	unlink(path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_token(void **state)
{
	(void)state;
	char path[128], buf[SYNC_TOKEN_MAX], err[512];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/loket-syncd-unit.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof path, "%s/token", tmpdir);

	write_file(path, "s3cret-Token_1\n", 0600);
	assert_int_equal(sync_token_read(path, buf, err, sizeof err), 0);
	assert_string_equal(buf, "s3cret-Token_1");
	write_file(path, "s3cret-Token_1", 0400);
	assert_int_equal(sync_token_read(path, buf, err, sizeof err), 0);

	/* Readable by others: refused, with the mode and the fix, never the token. */
	write_file(path, "s3cret-Token_1\n", 0644);
	assert_int_equal(sync_token_read(path, buf, err, sizeof err), 77);
	assert_non_null(strstr(err, "0644"));
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, "s3cret"));
	assert_string_equal(buf, "");
	write_file(path, "s3cret-Token_1\n", 0640);
	assert_int_equal(sync_token_read(path, buf, err, sizeof err), 77);
	write_file(path, "s3cret-Token_1\n", 0602);
	assert_int_equal(sync_token_read(path, buf, err, sizeof err), 77);

	write_file(path, "\n", 0600);
	assert_int_equal(sync_token_read(path, buf, err, sizeof err), 78);
	assert_non_null(strstr(err, "empty"));
	write_file(path, "two\nlines\n", 0600);
	assert_int_equal(sync_token_read(path, buf, err, sizeof err), 78);
	assert_null(strstr(err, "lines"));

	char missing[160];
	snprintf(missing, sizeof missing, "%s/nope", tmpdir);
	assert_int_equal(sync_token_read(missing, buf, err, sizeof err), 78);
	assert_non_null(strstr(err, "No such file"));

	/* A FIFO is refused at once, not waited on for a writer. The read
	 * runs in a child, so a hang fails the test instead of stalling it. */
	char fifo[160];
	snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		int rc = sync_token_read(fifo, buf, err, sizeof err);
		_exit(rc == 78 && strstr(err, "not a regular file") ? 0 : 1);
	}
	int status = -1;
	for (int i = 0; i < 100 && waitpid(kid, &status, WNOHANG) == 0; i++)
		usleep(20 * 1000);
	if (status == -1) {
		kill(kid, SIGKILL);
		waitpid(kid, &status, 0);
		fail_msg("sync_token_read on a FIFO still blocks after 2 s");
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(fifo);

	char link[160];
	snprintf(link, sizeof link, "%s/link", tmpdir);
	write_file(path, "tok\n", 0600);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(sync_token_read(link, buf, err, sizeof err), 78);
	assert_non_null(strstr(err, "symbolic link"));
	unlink(link);
	unlink(path);
	rmdir(tmpdir);
}

static const char site_json[] =
    "{\"site\": {\"id\": \"test\", \"name\": \"Test\"}, \"database\": \"t.db\","
    " \"languages\": [\"nl\", \"en\"], \"desks\": 3,"
    " \"categories\": ["
    "  {\"id\": \"digital\", \"prefix\": \"A\", \"label\": {\"nl\": \"D\", \"en\": \"D\"}}],"
    " \"sync\": {\"url\": \"http://127.0.0.1:1\", \"token_file\": \"token\"}}";

typedef struct {
	char *text;
	size_t len;
} collected;

static int collect(void *arg, int64_t seq, const char *json, size_t len)
{
	(void)seq;
	collected *c = arg;
	c->text = realloc(c->text, c->len + len + 1);
	if (c->len)
		c->text[c->len++] = ',';
	memcpy(c->text + c->len, json, len);
	c->len += len;
	return 0;
}

static void test_batch(void **state)
{
	(void)state;
	char cfgpath[128], err[4096];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/loket-syncd-unit.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(cfgpath, sizeof cfgpath, "%s/site.json", tmpdir);
	write_file(cfgpath, site_json, 0644);
	config *cfg = config_load(cfgpath, err, sizeof err);
	assert_non_null(cfg);
	store *st;
	assert_int_equal(store_open(cfg->database, cfg, &st, err, sizeof err), STORE_OK);
	sync_batch b;
	memset(&b, 0, sizeof b);

	/* Empty outbox: nothing to send, a valid (empty) envelope. */
	assert_int_equal(sync_batch_fill(&b, st, 0, 500, 1 << 20), STORE_OK);
	assert_int_equal(b.n, 0);

	store_ticket t;
	for (int i = 0; i < 25; i++)
		assert_int_equal(store_take(st, "digital", "nl", &t), STORE_OK);

	/* Count limit. */
	assert_int_equal(sync_batch_fill(&b, st, 0, 10, 1 << 20), STORE_OK);
	assert_int_equal(b.n, 10);
	assert_int_equal(b.first, 1);
	assert_int_equal(b.last, 10);
	assert_int_equal(b.gap, 0);
	/* The body is the envelope around the committed bytes, verbatim. */
	collected c = {NULL, 0};
	int64_t last;
	assert_int_equal(store_events_after(st, 0, 10, 0, collect, &c, &last), STORE_OK);
	assert_int_equal(b.json_len, strlen("{\"events\":[]}") + c.len);
	assert_memory_equal(b.json, "{\"events\":[", 11);
	assert_memory_equal(b.json + 11, c.text, c.len);
	assert_memory_equal(b.json + 11 + c.len, "]}", 2);
	free(c.text);

	/* After a seq, and a byte limit (at least one event). */
	assert_int_equal(sync_batch_fill(&b, st, 20, 500, 1 << 20), STORE_OK);
	assert_int_equal(b.n, 5);
	assert_int_equal(b.first, 21);
	assert_int_equal(sync_batch_fill(&b, st, 0, 500, 1), STORE_OK);
	assert_int_equal(b.n, 1);

	/* gzip round trip. */
	assert_int_equal(sync_batch_fill(&b, st, 0, 500, 1 << 20), STORE_OK);
	assert_int_equal(b.n, 25);
	assert_int_equal(sync_batch_gzip(&b, 6), 0);
	assert_true(b.gz_len > 18 && b.gz_len < b.json_len);
	assert_int_equal(b.gz[0], 0x1f);
	assert_int_equal(b.gz[1], 0x8b);
	char *back = malloc(b.json_len + 16);
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = b.gz;
	z.avail_in = (uInt)b.gz_len;
	z.next_out = (Bytef *)back;
	z.avail_out = (uInt)b.json_len + 16;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, b.json_len);
	assert_memory_equal(back, b.json, b.json_len);
	inflateEnd(&z);
	free(back);

	sync_batch_free(&b);
	store_close(st);
	config_free(cfg);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),	cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_retry_after), cmocka_unit_test(test_answer_parse),
	    cmocka_unit_test(test_token),	cmocka_unit_test(test_batch),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
