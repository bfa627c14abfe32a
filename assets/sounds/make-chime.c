/*
 * make-chime — writes chime.wav, the display's two-tone chime ("ding-dong":
 * E5 then C5, a soft bell with two partials and an exponential decay),
 * 22050 Hz, 16-bit mono, 1.6 s. Not part of the build; the WAV is committed.
 *
 *   cc -O2 -o /tmp/make-chime assets/sounds/make-chime.c -lm && /tmp/make-chime assets/sounds/chime.wav
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RATE 22050
#define LEN  (RATE * 16 / 10)

static void le16(FILE *f, unsigned v) { fputc(v & 255, f); fputc((v >> 8) & 255, f); }
static void le32(FILE *f, unsigned long v) { le16(f, v & 0xffff); le16(f, (v >> 16) & 0xffff); }

static double bell(double t, double freq)
{
	if (t < 0)
		return 0;
	double attack = t < 0.008 ? t / 0.008 : 1.0;
	double env = attack * exp(-t * 3.2);
	return env * (sin(2 * M_PI * freq * t) + 0.35 * sin(2 * M_PI * freq * 2.0 * t) * exp(-t * 4) +
		      0.12 * sin(2 * M_PI * freq * 3.01 * t) * exp(-t * 6));
}

int main(int argc, char **argv)
{
	FILE *f = fopen(argc > 1 ? argv[1] : "chime.wav", "wb");
	if (!f)
		return 1;
	fwrite("RIFF", 1, 4, f);
	le32(f, 36 + LEN * 2);
	fwrite("WAVEfmt ", 1, 8, f);
	le32(f, 16);
	le16(f, 1);
	le16(f, 1);
	le32(f, RATE);
	le32(f, RATE * 2);
	le16(f, 2);
	le16(f, 16);
	fwrite("data", 1, 4, f);
	le32(f, LEN * 2);
	for (int i = 0; i < LEN; i++) {
		double t = (double)i / RATE;
		double v = 0.38 * bell(t, 659.25) + 0.38 * bell(t - 0.45, 523.25);
		double fade = i > LEN - 2000 ? (double)(LEN - i) / 2000 : 1.0;
		int s = (int)lrint(v * fade * 32767 * 0.8);
		if (s > 32767) s = 32767;
		if (s < -32768) s = -32768;
		le16(f, (unsigned)(s & 0xffff));
	}
	return fclose(f) != 0;
}
