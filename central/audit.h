/*
 * audit — the record of every change an admin makes (sites, people,
 * configuration): who, what, a detail, when, appended to the database's
 * audit log (cstore_audit_add) after the change succeeded. Who is an
 * account's name, "admin token", or "command line (USER)" for the
 * `loket-central ... site|user` commands (USER: the system user running
 * them). A line that cannot be written is logged as an error; the change
 * it records stands.
 *
 * Actions are short fixed words: "site.add", "site.rotate-token",
 * "site.disable", "site.enable", "user.add", "user.passwd",
 * "user.disable", "user.enable", "user.token", "user.revoke-token",
 * "site.enrol-code", "config.save", "config.rollback", "config.template",
 * "template.save", and
 * "sign-in.locked" by "sign-in" (a name or an address refused for a while
 * after repeated failures; people.c).
 */
#ifndef CENTRAL_AUDIT_H
#define CENTRAL_AUDIT_H

#include <stddef.h>

#include "cstore.h"

#define AUDIT_ACTOR_LEN 96

/* Appends a line: actor did action; detail from fmt. */
void audit_note(cstore *st, const char *actor, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "command line (USER)" for this process, into out. */
void audit_cli_actor(char out[AUDIT_ACTOR_LEN]);

#endif
