// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpathd's libvirt connection, opened in the background (virt-connect.h).
 *
 * virConnectOpen() of qemu:///system connects to libvirtd's socket and waits for its answer. At
 * boot that socket belongs to systemd (socket activation) and libvirtd.service is ordered after
 * nfpathd.service, which is Type=notify: libvirtd starts only once nfpathd has sent READY=1. A
 * connection made on the main loop before READY therefore waited for the time-out of the start
 * job (180 s) and ignored SIGTERM meanwhile. A short-lived thread opens the connection instead;
 * the main loop goes on converging (VFs, IRQs, the datapath), answers signals, the watchdog and
 * the control socket, and takes the connection when the thread is done.
 *
 * The thread and the main loop share one heap object with a reference count: a daemon that stops
 * while the thread still waits for libvirtd leaves the object to the thread, which closes its
 * connection (if it gets one) and frees it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "virt-connect.h"

struct agent_virt_connect {
	pthread_mutex_t lock;
	int refs;       /* the main loop's and the thread's */
	bool done;      /* the thread has finished agent_virt_open() */
	bool abandoned; /* the main loop no longer wants the result */
	int efd;        /* eventfd, readable once done */
	char *uri;
	struct agent_virt *v;
	int r;
	char err[512];
};

static void
unref(struct agent_virt_connect *c)
{
	bool last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	agent_virt_close(c->v);
	if (c->efd >= 0)
		close(c->efd);
	pthread_mutex_destroy(&c->lock);
	free(c->uri);
	free(c);
}

static void *
connect_thread(void *arg)
{
	struct agent_virt_connect *c = arg;
	struct agent_virt *v = NULL;
	char err[sizeof(c->err)] = "";
	uint64_t one = 1;
	int r;

	r = agent_virt_open(c->uri, true, &v, err, sizeof(err));
	pthread_mutex_lock(&c->lock);
	c->r = r;
	c->v = r == 0 ? v : NULL;
	snprintf(c->err, sizeof(c->err), "%s", err);
	c->done = true;
	if (!c->abandoned && write(c->efd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow: it is readable anyway */
	}
	pthread_mutex_unlock(&c->lock);
	unref(c);
	return NULL;
}

int
agent_virt_connect_start(const char *uri, struct agent_virt_connect **ret)
{
	struct agent_virt_connect *c = calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t th;
	int r;

	if (!c)
		return -ENOMEM;
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->uri = strdup(uri);
	if (c->efd < 0 || !c->uri) {
		r = c->efd < 0 ? -errno : -ENOMEM;
		if (c->efd >= 0)
			close(c->efd);
		free(c->uri);
		free(c);
		return r;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&th, &attr, connect_thread, c);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		c->refs = 1;
		unref(c);
		return -r;
	}
	*ret = c;
	return 0;
}

int
agent_virt_connect_fd(const struct agent_virt_connect *c)
{
	return c ? c->efd : -1;
}

int
agent_virt_connect_take(struct agent_virt_connect *c, struct agent_virt **ret_v, char *err,
			size_t errlen)
{
	int r;

	pthread_mutex_lock(&c->lock);
	if (!c->done) {
		pthread_mutex_unlock(&c->lock);
		return -EINPROGRESS;
	}
	r = c->r;
	*ret_v = c->v;
	c->v = NULL;
	snprintf(err, errlen, "%s", c->err);
	pthread_mutex_unlock(&c->lock);
	return r;
}

void
agent_virt_connect_free(struct agent_virt_connect *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->abandoned = true;
	pthread_mutex_unlock(&c->lock);
	unref(c);
}
