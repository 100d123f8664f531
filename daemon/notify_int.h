/*
 * daemon/notify_int.h - tell systemd (Type=notify) what the daemon is doing.
 *
 * SYNOPSIS
 *   void notify_ready(const char *status);
 *   void notify_reloading(void);
 *   void notify_stopping(unsigned in_flight);
 *
 * DESCRIPTION
 *   Each sends one sd_notify(3) datagram (libsystemd) to $NOTIFY_SOCKET,
 *   with a STATUS= line for `systemctl status`; each is a no-op when the
 *   variable is unset (not started by systemd, or not Type=notify), and a
 *   failure to send is logged once per kind and otherwise ignored: the
 *   milter serves mail either way.
 *
 *   notify_ready(): READY=1, once the milter socket is bound, privileges
 *   are dropped and the server's threads run; again after a reload.
 *   notify_reloading(): RELOADING=1 with MONOTONIC_USEC= (the
 *   CLOCK_MONOTONIC time in microseconds, which systemd 253+ wants with
 *   RELOADING=1 for Type=notify-reload; older systemd ignores the field),
 *   before a SIGHUP reload; notify_ready() follows it whatever the reload's
 *   outcome (a failed one keeps the running configuration).
 *   notify_stopping(): STOPPING=1 when the drain starts (SIGTERM, SIGINT,
 *   SIGQUIT).
 *
 *   The unit runs the daemon with -f, so the messages come from its main
 *   pid (systemd's default NotifyAccess=main); a daemon that detaches
 *   sends them from its grandchild, which would need NotifyAccess=all.
 */
#ifndef AUTHMILTER_NOTIFY_INT_H
#define AUTHMILTER_NOTIFY_INT_H

void notify_ready(const char *status);
void notify_reloading(void);
void notify_stopping(unsigned in_flight);

#endif
