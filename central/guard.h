/*
 * guard — a deadline for the request headers, which libmicrohttpd lacks.
 *
 * MHD's connection timeout is an idle timeout: a client sending one header
 * byte every few seconds keeps a connection (and, one thread per
 * connection, a thread) forever, and a few hundred of them lock everyone
 * out. The guard knows every open connection (MHD_OPTION_NOTIFY_CONNECTION)
 * and whether it is waiting for a request's headers: from its opening, and
 * again after each answer (keep-alive). A watchdog thread shuts down the
 * socket of any connection that has waited longer than the header timeout;
 * MHD then sees the end of the stream and closes the connection itself.
 *
 * The reserve: when more than GUARD_PRESSURE_PCT % of max_connections are
 * open, the header deadline drops to GUARD_PRESSURE_MS, so slow senders
 * make room within seconds for /healthz and signed-in requests (whose
 * headers arrive in one packet). Together with MHD's per-address cap
 * (limits.per_ip_connections) this keeps the server answering: a few
 * addresses cannot fill it, and many addresses are cut quickly.
 *
 * Thread-safe; the callbacks run on MHD's threads.
 */
#ifndef CENTRAL_GUARD_H
#define CENTRAL_GUARD_H

#define GUARD_PRESSURE_PCT 75
#define GUARD_PRESSURE_MS  2000
#define GUARD_TICK_MS	   250

typedef struct guard guard;
typedef struct guard_conn guard_conn;

/* Starts the watchdog. NULL if out of memory or no thread. */
guard *guard_new(int header_timeout_s, int max_connections);
/* Stops the watchdog and frees (after MHD has stopped). */
void guard_free(guard *g);

/* A connection opened on socket fd: waiting for headers from now. NULL if
 * out of memory (the connection is then not guarded). */
guard_conn *guard_open(guard *g, int fd);
/* Its request's headers are in: no deadline until the answer is sent. */
void guard_headers(guard *g, guard_conn *c);
/* Its answer is sent: waiting for the next request's headers from now. */
void guard_idle(guard *g, guard_conn *c);
/* It closed: forgets it (before MHD closes the socket). */
void guard_close(guard *g, guard_conn *c);

#endif
