/*
 * audit — see audit.h.
 */
#include "audit.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

void audit_note(cstore *st, const char *actor, const char *action, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (cstore_audit_add(st, clock_now_ms(), actor, action, detail) != CSTORE_OK)
		log_error("audit: cannot record \"%s %s %s\"", actor, action, detail);
}

void audit_cli_actor(char out[AUDIT_ACTOR_LEN])
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) || !res)
		snprintf(out, AUDIT_ACTOR_LEN, "command line (uid %u)", (unsigned)getuid());
	else
		snprintf(out, AUDIT_ACTOR_LEN, "command line (%.64s)", res->pw_name);
}
