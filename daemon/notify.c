/*
 * daemon/notify.c - systemd readiness notification (daemon/notify_int.h):
 * sd_notify(3) from libsystemd, so the unit can be Type=notify and
 * `systemctl start` returns once the milter really accepts connections.
 * Never fails the daemon: without $NOTIFY_SOCKET sd_notify() returns 0
 * and nothing is sent.
 */
#include "daemon/notify_int.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "daemon/log_int.h"

/* a failed send is logged once per kind (ready, reloading, stopping) */
static atomic_int notify_failed[3];

static void
notify_result(int kind, int rc, const char *what)
{
	if (rc < 0 && atomic_exchange(&notify_failed[kind], 1) == 0)
		log_msg(LOG_WARNING, NULL, "cannot tell systemd %s "
		    "($NOTIFY_SOCKET): %s", what, strerror(-rc));
}

void
notify_ready(const char *status)
{
	notify_result(0, sd_notifyf(0, "READY=1\nSTATUS=%s", status),
	    "READY=1");
}

void
notify_reloading(void)
{
	struct timespec ts;
	unsigned long long usec = 0;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		usec = (unsigned long long)ts.tv_sec * 1000000ULL +
		    (unsigned long long)ts.tv_nsec / 1000ULL;
	notify_result(1, sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\n"
	    "STATUS=reloading the configuration (SIGHUP)", usec),
	    "RELOADING=1");
}

void
notify_stopping(unsigned in_flight)
{
	notify_result(2, sd_notifyf(0, "STOPPING=1\nSTATUS=stopping: "
	    "finishing %u message(s) in flight", in_flight), "STOPPING=1");
}
