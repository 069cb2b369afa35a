// SPDX-License-Identifier: BSD-3-Clause
/* libvirt wrapper (virt.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "virt.h"

struct agent_virt {
	virConnectPtr conn;
	char *uri;
	bool test_driver; /* test:///: pin with flags 0 only */
	unsigned int max_cpus;
	char err[512];
	/* events */
	int pipe[2];
	int callback_id;
	int timer_id;
	pthread_t thread;
	bool thread_running;
	atomic_bool stop;
};

static void
silent(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e; /* errors are read with virGetLastErrorMessage() where they happen */
}

__attribute__((format(printf, 2, 0))) static int
vfail(struct agent_virt *v, const char *fmt, va_list ap)
{
	virErrorPtr e = virGetLastError();
	int code = e ? e->code : VIR_ERR_INTERNAL_ERROR;
	char what[256];

	vsnprintf(what, sizeof(what), fmt, ap);
	snprintf(v->err, sizeof(v->err), "libvirt %s: %s: %s", v->uri, what,
		 virGetLastErrorMessage());
	switch (code) {
	case VIR_ERR_NO_DOMAIN:
		return -ENOENT;
	case VIR_ERR_XML_ERROR:
	case VIR_ERR_XML_DETAIL:
	case VIR_ERR_INVALID_ARG:
	case VIR_ERR_CONFIG_UNSUPPORTED:
		return -EINVAL;
	case VIR_ERR_OPERATION_INVALID:
		return -EBUSY;
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_OPERATION_UNSUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

int
agent_virt_priv_fail(struct agent_virt *v, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(v, fmt, ap);
	va_end(ap);
	return r;
}

/* An error that is not libvirt's: "libvirt URI: <text>", returns r. */
int
agent_virt_priv_error(struct agent_virt *v, int r, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(v->err, sizeof(v->err), "libvirt %s: %s", v->uri, what);
	return r;
}

static bool event_impl_registered;

static void
on_timeout(int timer, void *opaque)
{
	(void)timer;
	(void)opaque; /* only makes virEventRunDefaultImpl() return so the thread sees 'stop' */
}

static void *
event_thread(void *arg)
{
	struct agent_virt *v = arg;

	while (!atomic_load(&v->stop))
		virEventRunDefaultImpl();
	return NULL;
}

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct agent_virt *v = opaque;
	struct agent_virt_event ev = {.event = event, .detail = detail};
	const char *name = virDomainGetName(dom);

	(void)conn;
	snprintf(ev.domain, sizeof(ev.domain), "%s", name ? name : "");
	/* Atomic (< PIPE_BUF); when the pipe is full the reader is far behind and resyncs. */
	if (write(v->pipe[1], &ev, sizeof(ev)) < 0) {
		/* nothing to do: the periodic resync catches up */
	}
	return 0;
}

static int
events_start(struct agent_virt *v)
{
	if (pipe2(v->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(v->err, sizeof(v->err), "libvirt events: pipe: %s", strerror(errno));
		return -errno;
	}
	v->timer_id = virEventAddTimeout(100, on_timeout, NULL, NULL);
	if (v->timer_id < 0)
		return agent_virt_priv_fail(v, "cannot add the event loop's timer");
	v->callback_id =
		virConnectDomainEventRegisterAny(v->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						 VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), v, NULL);
	if (v->callback_id < 0)
		return agent_virt_priv_fail(v, "cannot subscribe to domain lifecycle events");
	if (pthread_create(&v->thread, NULL, event_thread, v) != 0) {
		snprintf(v->err, sizeof(v->err), "libvirt events: cannot start the event thread");
		return -EAGAIN;
	}
	v->thread_running = true;
	return 0;
}

int
agent_virt_open(const char *uri, bool events, struct agent_virt **ret_v, char *err, size_t errlen)
{
	struct agent_virt *v;
	virNodeInfo info;
	int r;

	if (virInitialize() < 0) {
		snprintf(err, errlen, "libvirt: cannot initialize");
		return -EIO;
	}
	virSetErrorFunc(NULL, silent);
	if (events && !event_impl_registered) {
		if (virEventRegisterDefaultImpl() < 0) {
			snprintf(err, errlen, "libvirt: cannot register the default event loop");
			return -EIO;
		}
		event_impl_registered = true;
	}
	v = calloc(1, sizeof(*v));
	if (!v || !(v->uri = strdup(uri))) {
		free(v);
		return -ENOMEM;
	}
	v->pipe[0] = v->pipe[1] = -1;
	v->callback_id = v->timer_id = -1;
	v->test_driver = strncmp(uri, "test:", 5) == 0;
	v->conn = virConnectOpen(uri);
	if (!v->conn) {
		snprintf(err, errlen,
			 "libvirt '%s': cannot connect: %s (is libvirtd running? check "
			 "libvirt_uri)",
			 uri, virGetLastErrorMessage());
		agent_virt_close(v);
		return -ECONNREFUSED;
	}
	v->max_cpus = 0;
	if (virNodeGetInfo(v->conn, &info) == 0)
		v->max_cpus = VIR_NODEINFO_MAXCPUS(info);
	if (v->max_cpus == 0 || v->max_cpus > VFM_CPUSET_MAX)
		v->max_cpus = VFM_CPUSET_MAX;
	if (events) {
		r = events_start(v);
		if (r < 0) {
			snprintf(err, errlen, "%s", v->err);
			agent_virt_close(v);
			return r;
		}
		/* A libvirtd that stops answering closes the connection after about 15 s (ping
		 * every 5 s, 3 unanswered), so a call on it fails then instead of waiting for ever;
		 * the event thread runs the pings. The in-process test driver has no daemon. */
		if (!v->test_driver)
			virConnectSetKeepAlive(v->conn, 5, 3);
	}
	*ret_v = v;
	return 0;
}

void
agent_virt_close(struct agent_virt *v)
{
	if (!v)
		return;
	if (v->callback_id >= 0)
		virConnectDomainEventDeregisterAny(v->conn, v->callback_id);
	if (v->thread_running) {
		atomic_store(&v->stop, true);
		pthread_join(v->thread, NULL);
	}
	if (v->timer_id >= 0)
		virEventRemoveTimeout(v->timer_id);
	if (v->conn)
		virConnectClose(v->conn);
	if (v->pipe[0] >= 0)
		close(v->pipe[0]);
	if (v->pipe[1] >= 0)
		close(v->pipe[1]);
	free(v->uri);
	free(v);
}

const char *
agent_virt_last_error(const struct agent_virt *v)
{
	return v->err;
}

const char *
agent_virt_uri(const struct agent_virt *v)
{
	return v->uri;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
agent_virt_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int
agent_virt_list_domains(struct agent_virt *v, char ***ret_names, size_t *ret_n)
{
	virDomainPtr *doms = NULL;
	char **names;
	int n, i;

	n = virConnectListAllDomains(v->conn, &doms, 0);
	if (n < 0)
		return agent_virt_priv_fail(v, "cannot list domains");
	names = calloc((size_t)n + 1, sizeof(*names));
	for (i = 0; i < n; i++) {
		if (names)
			names[i] = strdup(virDomainGetName(doms[i]));
		virDomainFree(doms[i]);
	}
	free(doms);
	for (i = 0; names && i < n; i++)
		if (!names[i]) {
			agent_virt_names_free(names, (size_t)n);
			names = NULL;
		}
	if (!names)
		return -ENOMEM;
	qsort(names, (size_t)n, sizeof(*names), cmp_names);
	*ret_names = names;
	*ret_n = (size_t)n;
	return 0;
}

static virDomainPtr
lookup(struct agent_virt *v, const char *name, int *ret_r)
{
	virDomainPtr d = virDomainLookupByName(v->conn, name);

	if (!d)
		*ret_r = agent_virt_priv_fail(v, "domain '%s'", name);
	return d;
}

virDomainPtr
agent_virt_priv_lookup(struct agent_virt *v, const char *name, int *ret_r)
{
	return lookup(v, name, ret_r);
}

int
agent_virt_define_xml(struct agent_virt *v, const char *xml)
{
	virDomainPtr d = virDomainDefineXML(v->conn, xml);

	if (!d)
		return agent_virt_priv_fail(v, "cannot define the domain");
	virDomainFree(d);
	return 0;
}

#define WITH_DOMAIN(v, name, call, what)                                                           \
	do {                                                                                       \
		int r_ = 0;                                                                        \
		virDomainPtr d_ = lookup(v, name, &r_);                                            \
		if (!d_)                                                                           \
			return r_;                                                                 \
		if ((call) < 0)                                                                    \
			r_ = agent_virt_priv_fail(v, "domain '%s': cannot %s", name, what);        \
		virDomainFree(d_);                                                                 \
		return r_;                                                                         \
	} while (0)

int
agent_virt_start(struct agent_virt *v, const char *name)
{
	WITH_DOMAIN(v, name, virDomainCreate(d_), "start it");
}

int
agent_virt_destroy(struct agent_virt *v, const char *name)
{
	WITH_DOMAIN(v, name, virDomainDestroy(d_), "destroy it");
}

int
agent_virt_undefine(struct agent_virt *v, const char *name)
{
	WITH_DOMAIN(v, name, virDomainUndefine(d_), "undefine it");
}

int
agent_virt_is_active(struct agent_virt *v, const char *name)
{
	int r = 0, a;
	virDomainPtr d = lookup(v, name, &r);

	if (!d)
		return r;
	a = virDomainIsActive(d);
	r = a < 0 ? agent_virt_priv_fail(v, "domain '%s': state", name) : a;
	virDomainFree(d);
	return r;
}

int
agent_virt_vcpu_count(struct agent_virt *v, const char *name)
{
	int r = 0, n;
	virDomainPtr d = lookup(v, name, &r);

	if (!d)
		return r;
	n = virDomainGetVcpusFlags(d, VIR_DOMAIN_AFFECT_CURRENT);
	r = n < 0 ? agent_virt_priv_fail(v, "domain '%s': vCPU count", name) : n;
	virDomainFree(d);
	return r;
}

static int
cpuset_to_map(struct agent_virt *v, const struct vfm_cpuset *cpus, unsigned char **ret_map,
	      int *ret_len)
{
	int len = VIR_CPU_MAPLEN(v->max_cpus);
	unsigned char *map = calloc((size_t)len, 1);

	if (!map)
		return -ENOMEM;
	for (unsigned int c = 0; c < VFM_CPUSET_MAX; c++) {
		if (!vfm_cpuset_isset(cpus, c))
			continue;
		if (c >= v->max_cpus) {
			snprintf(v->err, sizeof(v->err),
				 "libvirt %s: CPU %u does not exist on this host (it has %u; check "
				 "the policy's cpus)",
				 v->uri, c, v->max_cpus);
			free(map);
			return -EINVAL;
		}
		VIR_USE_CPU(map, c);
	}
	*ret_map = map;
	*ret_len = len;
	return 0;
}

static void
map_to_cpuset(const unsigned char *map, unsigned int ncpus, struct vfm_cpuset *set)
{
	memset(set, 0, sizeof(*set));
	for (unsigned int c = 0; c < ncpus; c++)
		if (VIR_CPU_USABLE(map, VIR_CPU_MAPLEN(ncpus), 0, c))
			vfm_cpuset_set(set, c);
}

/* Flags for a pin: 0 on the test driver; otherwise the live domain and its persistent config. */
static unsigned int
pin_flags(struct agent_virt *v, virDomainPtr d)
{
	unsigned int f = 0;

	if (v->test_driver)
		return 0;
	if (virDomainIsActive(d) == 1)
		f |= VIR_DOMAIN_AFFECT_LIVE;
	if (virDomainIsPersistent(d) == 1)
		f |= VIR_DOMAIN_AFFECT_CONFIG;
	return f;
}

int
agent_virt_pin_vcpu(struct agent_virt *v, const char *name, unsigned int vcpu,
		    const struct vfm_cpuset *cpus)
{
	unsigned char *map;
	int len, r = cpuset_to_map(v, cpus, &map, &len);
	virDomainPtr d;

	if (r < 0)
		return r;
	d = lookup(v, name, &r);
	if (d) {
		if (virDomainPinVcpuFlags(d, vcpu, map, len, pin_flags(v, d)) < 0)
			r = agent_virt_priv_fail(v, "domain '%s': cannot pin vCPU %u", name, vcpu);
		virDomainFree(d);
	}
	free(map);
	return r;
}

int
agent_virt_pin_emulator(struct agent_virt *v, const char *name, const struct vfm_cpuset *cpus)
{
	unsigned char *map;
	int len, r = cpuset_to_map(v, cpus, &map, &len);
	virDomainPtr d;

	if (r < 0)
		return r;
	d = lookup(v, name, &r);
	if (d) {
		if (virDomainPinEmulator(d, map, len, pin_flags(v, d)) < 0)
			r = agent_virt_priv_fail(v, "domain '%s': cannot pin the emulator threads",
						 name);
		virDomainFree(d);
	}
	free(map);
	return r;
}

int
agent_virt_get_vcpu_pin(struct agent_virt *v, const char *name, unsigned int vcpu,
			struct vfm_cpuset *ret_cpus)
{
	int len = VIR_CPU_MAPLEN(v->max_cpus), r = 0, n;
	unsigned char *maps;
	virDomainPtr d = lookup(v, name, &r);

	if (!d)
		return r;
	n = virDomainGetVcpusFlags(d, VIR_DOMAIN_AFFECT_CURRENT);
	if (n < 0) {
		r = agent_virt_priv_fail(v, "domain '%s': vCPU count", name);
		goto out;
	}
	if (vcpu >= (unsigned int)n) {
		snprintf(v->err, sizeof(v->err), "libvirt %s: domain '%s' has %d vCPUs, not %u",
			 v->uri, name, n, vcpu + 1);
		r = -EINVAL;
		goto out;
	}
	maps = calloc((size_t)n, (size_t)len);
	if (!maps) {
		r = -ENOMEM;
		goto out;
	}
	if (virDomainGetVcpuPinInfo(d, n, maps, len, 0) < 0)
		r = agent_virt_priv_fail(v, "domain '%s': cannot read vCPU pins", name);
	else
		map_to_cpuset(maps + (size_t)vcpu * (size_t)len, v->max_cpus, ret_cpus);
	free(maps);
out:
	virDomainFree(d);
	return r;
}

int
agent_virt_get_emulator_pin(struct agent_virt *v, const char *name, struct vfm_cpuset *ret_cpus)
{
	int len = VIR_CPU_MAPLEN(v->max_cpus), r = 0;
	unsigned char *map = calloc((size_t)len, 1);
	virDomainPtr d;

	if (!map)
		return -ENOMEM;
	d = lookup(v, name, &r);
	if (d) {
		if (virDomainGetEmulatorPinInfo(d, map, len, 0) < 0)
			r = agent_virt_priv_fail(v, "domain '%s': cannot read the emulator pin",
						 name);
		else
			map_to_cpuset(map, v->max_cpus, ret_cpus);
		virDomainFree(d);
	}
	free(map);
	return r;
}

static int
get_xml(struct agent_virt *v, const char *name, unsigned int flags, char **ret_xml)
{
	int r = 0;
	virDomainPtr d = lookup(v, name, &r);
	char *xml;

	if (!d)
		return r;
	xml = virDomainGetXMLDesc(d, flags);
	if (!xml)
		r = agent_virt_priv_fail(v, "domain '%s': cannot read its XML", name);
	else
		*ret_xml = xml;
	virDomainFree(d);
	return r;
}

int
agent_virt_get_xml(struct agent_virt *v, const char *name, char **ret_xml)
{
	return get_xml(v, name, 0, ret_xml);
}

int
agent_virt_get_inactive_xml(struct agent_virt *v, const char *name, char **ret_xml)
{
	return get_xml(v, name, VIR_DOMAIN_XML_INACTIVE, ret_xml);
}

int
agent_virt_event_fd(const struct agent_virt *v)
{
	return v->pipe[0];
}

int
agent_virt_event_read(struct agent_virt *v, struct agent_virt_event *ret_ev)
{
	struct agent_virt_event ev;
	ssize_t n;

	if (v->pipe[0] < 0)
		return 0;
	n = read(v->pipe[0], &ev, sizeof(ev));
	if (n != (ssize_t)sizeof(ev))
		return 0;
	*ret_ev = ev;
	return 1;
}

const char *
agent_virt_event_name(int event)
{
	static const char *const names[] = {"defined",   "undefined",   "started",
					    "suspended", "resumed",     "stopped",
					    "shutdown",  "pmsuspended", "crashed"};

	if (event >= 0 && (size_t)event < sizeof(names) / sizeof(names[0]))
		return names[event];
	return "unknown";
}
