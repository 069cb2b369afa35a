// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/apply/ (the apply engine), in process and without root, through the
 * struct agent_node it takes: vf-manager's simulated NIC (its file tree only), libvirt's
 * test:///default, and an in-process datapath behind the real client: a SOCK_SEQPACKET server
 * in a thread that speaks nfpath-dp's control protocol and keeps NF slots, ports, flows and
 * chains in memory, as nfpath-dp does.
 *
 * Two policies: A (from nothing: VFs created, two VMs on VFs with hostdev interfaces, an NF on
 * a VF bound to its driver, a VM on vhost-user, an NF slot, a chain and steering, pins, IRQs)
 * and B (a VM and the chain leave, the NF slot goes, the vhost-user VM moves onto the VF that
 * was freed). Every action kind of agent-plan.h is in one of the two plans. Checked: the node
 * after each apply, a second apply changes nothing, the journal holds the target before every
 * change (journal before write), the VM moves make-before-break, and a crash after every step
 * (the step hook of struct agent_node jumps out of the run and drops it, as kill -9 would)
 * followed by a restart from the journal ends exactly as an uninterrupted run, also when the
 * policy changed back while nfpathd was down (the interrupted target becomes an orphan).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "nfpath/agent-plan.h"
#include "nfpath/agent-policy.h"

#include "agent-node.h"
#include "apply.h"
#include "inventory-node.h"
#include "journal.h"

/* ---- the datapath: nfpath-dp's control protocol over a real socket, state in memory ---- */

struct fake_dp {
	char path[108];
	char vhost_dir[256];
	const char *state_dir; /* whose journal must hold the target before any change */
	json_t *target;        /* the allocation being applied (agent_alloc_to_json()) */
	int lfd;
	pthread_t thread;
	pthread_mutex_t lock;
	json_t *nfs, *ports, *flows, *chains; /* arrays, as the list ops return them */
	json_t *log;                          /* every change: "op name" */
	unsigned long unjournalled;           /* changes while the journal lacked the target */
};

static void
dp_reply(int fd, json_int_t id, json_t *result, const char *etype, const char *emsg)
{
	json_t *m = etype ? json_pack("{s:i,s:I,s:b,s:{s:s,s:s}}", "v", 1, "id", id, "ok", 0,
				      "error", "type", etype, "message", emsg)
			  : json_pack("{s:i,s:I,s:b,s:o}", "v", 1, "id", id, "ok", 1, "result",
				      result ? result : json_object());
	char *t = json_dumps(m, JSON_COMPACT);

	send(fd, t, strlen(t), MSG_NOSIGNAL);
	free(t);
	json_decref(m);
}

static ssize_t
dp_find(json_t *arr, const char *key, json_t *value)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (json_equal(json_object_get(v, key), value))
			return (ssize_t)i;
	}
	return -1;
}

static ssize_t
dp_find_flow(json_t *flows, json_t *req)
{
	size_t i;
	json_t *v;

	json_array_foreach(flows, i, v)
	{
		if (strcasecmp(json_string_value(json_object_get(v, "mac")),
			       json_string_value(json_object_get(req, "mac"))) == 0 &&
		    json_integer_value(json_object_get(v, "vlan")) ==
			    json_integer_value(json_object_get(req, "vlan")))
			return (ssize_t)i;
	}
	return -1;
}

static bool
dp_chain_sends_to(json_t *chains, json_t *port)
{
	size_t i, h;
	json_t *c, *hop;

	json_array_foreach(chains, i, c)
	{
		json_array_foreach(json_object_get(c, "hops"), h, hop)
		{
			if (json_equal(json_object_get(hop, "port"), port))
				return true;
		}
	}
	return false;
}

/* Does the journal on disk hold 'target': as 'pending', or as 'applied' with nothing pending
 * (a replay of what is already applied)? Every change must find it there. */
static bool
journal_has_target(const char *state_dir, json_t *target)
{
	struct agent_journal *j = NULL;
	char err[256];
	bool yes;

	if (!target || agent_journal_load(state_dir, &j, NULL, err, sizeof(err)) != 0)
		return false;
	yes = json_equal(j->pending, target) ||
	      (json_is_null(j->pending) && json_equal(j->applied, target));
	agent_journal_free(j);
	return yes;
}

static void
dp_serve(struct fake_dp *dp, int fd, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	json_int_t id = json_integer_value(json_object_get(req, "id"));
	json_t *name = json_object_get(req, "name"), *res = NULL;
	const char *err = NULL, *msg = "";
	ssize_t k;

	if (!op) {
		dp_reply(fd, id, NULL, "bad_request", "no op");
		return;
	}
	pthread_mutex_lock(&dp->lock);
	if (strcmp(op, "hello") == 0) {
		res = json_pack("{s:i,s:s}", "pid", (int)getpid(), "cpus", "0");
	} else if (strcmp(op, "nf_list") == 0) {
		res = json_pack("{s:O}", "nfs", dp->nfs);
	} else if (strcmp(op, "port_list") == 0) {
		res = json_pack("{s:O}", "ports", dp->ports);
	} else if (strcmp(op, "flow_list") == 0) {
		res = json_pack("{s:O}", "flows", dp->flows);
	} else if (strcmp(op, "chain_list") == 0) {
		res = json_pack("{s:O}", "chains", dp->chains);
	} else {
		char line[256];

		snprintf(line, sizeof(line), "%s %s", op,
			 json_string_value(name) ? json_string_value(name)
			 : json_string_value(json_object_get(req, "mac"))
				 ? json_string_value(json_object_get(req, "mac"))
				 : "");
		if (strcmp(op, "chain_set") == 0 || strcmp(op, "chain_del") == 0)
			snprintf(line, sizeof(line), "%s %lld", op,
				 (long long)json_integer_value(json_object_get(req, "chain")));
		json_array_append_new(dp->log, json_string(line));
		if (!journal_has_target(dp->state_dir, dp->target))
			dp->unjournalled++;
		if (strcmp(op, "nf_add") == 0) {
			if (dp_find(dp->nfs, "name", name) >= 0) {
				err = "exists", msg = "NF exists";
			} else {
				res = json_pack("{s:O,s:O,s:s,s:i}", "name", name, "service",
						json_object_get(req, "service"), "state", "waiting",
						"cpu", -1);
				json_array_append(dp->nfs, res);
			}
		} else if (strcmp(op, "nf_del") == 0) {
			k = dp_find(dp->nfs, "name", name);
			if (k < 0)
				err = "not_found", msg = "no such NF";
			else
				json_array_remove(dp->nfs, (size_t)k);
		} else if (strcmp(op, "vhost_add") == 0) {
			json_t *mac = json_object_get(req, "mac"),
			       *sc = json_object_get(req, "spoofchk");
			char port[128], sock[512];

			snprintf(sock, sizeof(sock), "%s/%s.sock", dp->vhost_dir,
				 json_string_value(name));
			/* As nfpath-dp reports it: spoofchk (default true) only with a MAC. */
			snprintf(port, sizeof(port), "net_vhost_%s", json_string_value(name));
			res = json_pack("{s:s,s:s,s:s,s:O*,s:I,s:b}", "name", port, "kind", "vhost",
					"vhost_socket", sock, "workload_mac",
					mac ? mac : json_null(), "vlan",
					json_integer_value(json_object_get(req, "vlan")),
					"spoofchk", mac && (!sc || json_is_true(sc)));
			if (dp_find(dp->ports, "name", json_object_get(res, "name")) >= 0) {
				err = "invalid", msg = "port exists";
			} else {
				json_array_append(dp->ports, res);
			}
		} else if (strcmp(op, "vhost_del") == 0) {
			char port[128];
			json_t *p;

			snprintf(port, sizeof(port), "net_vhost_%s", json_string_value(name));
			p = json_string(port);
			k = dp_find(dp->ports, "name", p);
			if (k < 0)
				err = "not_found", msg = "no such port";
			else if (dp_chain_sends_to(dp->chains, p))
				err = "busy", msg = "a chain sends to the port"; /* as nfpath-dp */
			else
				json_array_remove(dp->ports, (size_t)k);
			json_decref(p);
		} else if (strcmp(op, "chain_set") == 0) {
			json_t *c = json_object_get(req, "chain");

			k = dp_find(dp->chains, "chain", c);
			if (k >= 0)
				json_array_remove(dp->chains, (size_t)k);
			json_array_append_new(dp->chains, json_pack("{s:O,s:O}", "chain", c, "hops",
								    json_object_get(req, "hops")));
		} else if (strcmp(op, "chain_del") == 0) {
			k = dp_find(dp->chains, "chain", json_object_get(req, "chain"));
			if (k < 0)
				err = "not_found", msg = "no such chain";
			else
				json_array_remove(dp->chains, (size_t)k);
		} else if (strcmp(op, "flow_add") == 0) {
			json_t *port = json_object_get(req, "port");

			k = dp_find_flow(dp->flows, req);
			if (k >= 0)
				json_array_remove(dp->flows, (size_t)k);
			res = json_pack(
				"{s:O,s:I,s:O,s:s,s:s,s:s}", "mac", json_object_get(req, "mac"),
				"vlan", json_integer_value(json_object_get(req, "vlan")), "chain",
				json_object_get(req, "chain"), "port",
				port ? json_string_value(port) : "net_ring0", "path", "software",
				"reason", "the test's datapath has no rte_flow");
			json_array_append(dp->flows, res);
		} else if (strcmp(op, "flow_del") == 0) {
			k = dp_find_flow(dp->flows, req);
			if (k < 0)
				err = "not_found", msg = "no such flow";
			else
				json_array_remove(dp->flows, (size_t)k);
		} else {
			err = "unknown_op", msg = "op not implemented";
		}
	}
	pthread_mutex_unlock(&dp->lock);
	if (err) {
		json_decref(res);
		dp_reply(fd, id, NULL, err, msg);
	} else {
		dp_reply(fd, id, res, NULL, NULL);
	}
}

static void *
dp_thread(void *arg)
{
	struct fake_dp *dp = arg;
	char buf[65536];
	int fd;

	while ((fd = accept(dp->lfd, NULL, NULL)) >= 0) {
		ssize_t n;

		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
			json_t *req = json_loadb(buf, (size_t)n, 0, NULL);

			if (req)
				dp_serve(dp, fd, req);
			json_decref(req);
		}
		close(fd);
	}
	return NULL;
}

static void
dp_reset(struct fake_dp *dp)
{
	pthread_mutex_lock(&dp->lock);
	json_decref(dp->nfs);
	json_decref(dp->ports);
	json_decref(dp->flows);
	json_decref(dp->chains);
	json_decref(dp->log);
	dp->nfs = json_array();
	dp->ports = json_pack("[{s:s},{s:s}]", "name", "net_ring0", "name", "net_ring1");
	dp->flows = json_array();
	dp->chains = json_array();
	dp->log = json_array();
	dp->unjournalled = 0;
	pthread_mutex_unlock(&dp->lock);
}

static void
dp_start(struct fake_dp *dp, const char *dir, const char *state_dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(dp->path, sizeof(dp->path), "%s/dp.sock", dir);
	snprintf(dp->vhost_dir, sizeof(dp->vhost_dir), "%s/vhost", dir);
	dp->state_dir = state_dir;
	pthread_mutex_init(&dp->lock, NULL);
	dp_reset(dp);
	memcpy(sa.sun_path, dp->path, strlen(dp->path) + 1);
	dp->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(dp->lfd >= 0);
	assert_int_equal(bind(dp->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(dp->lfd, 8), 0);
	assert_int_equal(pthread_create(&dp->thread, NULL, dp_thread, dp), 0);
}

static void
dp_stop(struct fake_dp *dp)
{
	shutdown(dp->lfd, SHUT_RDWR);
	pthread_join(dp->thread, NULL);
	close(dp->lfd);
	unlink(dp->path);
	json_decref(dp->nfs);
	json_decref(dp->ports);
	json_decref(dp->flows);
	json_decref(dp->chains);
	json_decref(dp->log);
	json_decref(dp->target);
	pthread_mutex_destroy(&dp->lock);
}

/* ---- the world: CPU topology, simulated NIC, libvirt, the datapath, a state directory ---- */

#define NIC_JSON                                                                                   \
	"{\"comment\": \"SIMULATED NIC of the apply engine's unit test\", \"pfs\": [{\"name\": "   \
	"\"simnic0\", \"pci\": \"0000:3b:00.0\", \"total_vfs\": 4, \"num_vfs\": 0, "               \
	"\"numa_node\": 0, \"local_cpus\": \"0-3\", \"mtu\": 1500, \"irqs_per_vf\": 1, "           \
	"\"managed_irqs\": false}]}"

#define DOM_XML                                                                                    \
	"<domain type='test'><name>%s</name><memory>262144</memory><vcpu>2</vcpu>"                 \
	"<os><type>hvm</type></os></domain>"

struct world {
	char dir[64], sys[128], sim[128], nic[128], state[128], banned[128];
	struct fake_dp dp;
	struct agent_virt *virt;
};

static void
put(const char *root, const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* libvirt's test:///default anew (a new connection has the driver's default state) with the
 * test's three domains defined. */
static void
world_libvirt(struct world *w)
{
	char err[512], xml[512];

	agent_virt_close(w->virt);
	w->virt = NULL;
	if (agent_virt_open("test:///default", false, &w->virt, err, sizeof(err)) != 0)
		fail_msg("libvirt: %s", err);
	for (int i = 1; i <= 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "vm%d", i);
		snprintf(xml, sizeof(xml), DOM_XML, name);
		if (agent_virt_define_xml(w->virt, xml) != 0 ||
		    agent_virt_start(w->virt, name) != 0)
			fail_msg("define and start %s: %s", name, agent_virt_last_error(w->virt));
	}
}

/* Everything back to the start: a fresh simulated NIC (no VFs), no journal, an empty
 * datapath, libvirt's default state. */
static void
world_reset(struct world *w)
{
	struct vfm_options o = {.sysfs_root = w->sim, .sim_file = w->nic, .sim_reset = true};
	struct vfm_ctx *ctx = NULL;
	char *msg = NULL, cmd[300];

	if (vfm_ctx_new(&o, &ctx, &msg) != 0)
		fail_msg("simulated NIC: %s", msg ? msg : "?");
	vfm_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", w->state, w->banned);
	assert_int_equal(system(cmd), 0);
	dp_reset(&w->dp);
	world_libvirt(w);
}

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	snprintf(w->dir, sizeof(w->dir), "/tmp/nfpath-test-apply-XXXXXX");
	if (!w || !mkdtemp(w->dir))
		return -1;
	snprintf(w->sys, sizeof(w->sys), "%s/sys", w->dir);
	snprintf(w->sim, sizeof(w->sim), "%s/sim", w->dir);
	snprintf(w->nic, sizeof(w->nic), "%s/nic.json", w->dir);
	snprintf(w->state, sizeof(w->state), "%s/state", w->dir);
	snprintf(w->banned, sizeof(w->banned), "%s/irqbalance-banned", w->dir);
	/* One NUMA node, 4 CPUs, 2 cores of 2 threads; CPU 0 is housekeeping. */
	put(w->sys, "devices/system/node/node0/cpulist", "0-3\n");
	put(w->sys, "devices/system/cpu/online", "0-3\n");
	for (int c = 0; c < 4; c++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/physical_package_id",
			 c);
		put(w->sys, rel, "0\n");
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/thread_siblings_list",
			 c);
		put(w->sys, rel, c < 2 ? "0-1\n" : "2-3\n");
	}
	put(w->dir, "nic.json", NIC_JSON);
	dp_start(&w->dp, w->dir, w->state);
	world_reset(w);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;
	char cmd[128];

	dp_stop(&w->dp);
	agent_virt_close(w->virt);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	if (system(cmd) != 0)
		print_message("cleanup of %s failed\n", w->dir);
	free(w);
	return 0;
}

/* ---- nfpathd's part, as small as it can be: a node, a plan, an apply ---- */

struct run {
	struct agent_node node;
	unsigned long steps;    /* step hook calls */
	unsigned long crash_at; /* 0: never; else the run stops dead at that step */
	unsigned long unjournalled_changes;
	const char *state_dir;
	json_t *steps_log; /* every step's text, in order */
	json_t *target;    /* the allocation being applied */
};

static void
quiet_log(void *opaque, int prio, const char *line)
{
	(void)opaque;
	if (prio <= AGENT_LOG_WARNING && getenv("TEST_APPLY_VERBOSE"))
		print_message("<%d>%s\n", prio, line);
}

static void
step(void *opaque, const char *what)
{
	struct run *r = opaque;

	r->steps++;
	json_array_append_new(r->steps_log, json_string(what));
	if (strcmp(what, "journal written") != 0 && !journal_has_target(r->state_dir, r->target))
		r->unjournalled_changes++;
}

static void
node_open(struct run *r, struct world *w)
{
	struct vfm_options o = {.sysfs_root = w->sim, .sim_file = w->nic};
	char *msg = NULL, err[512];
	int ret;

	memset(r, 0, sizeof(*r));
	r->state_dir = w->state;
	r->steps_log = json_array();
	if (vfm_ctx_new(&o, &r->node.vfm, &msg) != 0)
		fail_msg("simulated NIC: %s", msg ? msg : "?");
	assert_int_equal(vfm_inventory_load(r->node.vfm, &r->node.inv), 0);
	r->node.virt = w->virt;
	r->node.libvirt_uri = "test:///default";
	r->node.dp = agent_dp_client_new(w->dp.path, 2000);
	assert_non_null(r->node.dp);
	r->node.state_dir = w->state;
	snprintf(r->node.journal_path, sizeof(r->node.journal_path), "%s/%s", w->state,
		 AGENT_JOURNAL_FILE);
	ret = agent_journal_load(w->state, &r->node.journal, NULL, err, sizeof(err));
	if (ret == -ENOENT)
		r->node.journal = agent_journal_new();
	else if (ret != 0)
		fail_msg("journal: %s", err);
	assert_non_null(r->node.journal);
	snprintf(r->node.irqbalance_banned, sizeof(r->node.irqbalance_banned), "%s", w->banned);
	r->node.log = quiet_log;
	r->node.step = step;
	r->node.step_opaque = r;
}

static void
node_close(struct run *r)
{
	agent_dp_client_free(r->node.dp);
	agent_journal_free(r->node.journal);
	vfm_inventory_free(r->node.inv);
	vfm_ctx_free(r->node.vfm);
	json_decref(r->steps_log);
	json_decref(r->target);
}

/* One converge of nfpathd: inventory from the node, plan from the journal's allocation,
 * apply. The plan's action kinds are added to *kinds (a bit per enum agent_action_type). */
static int
converge(struct run *r, struct world *w, const char *policy_text, struct agent_apply_result *res,
	 uint32_t *kinds)
{
	struct agent_policy_source ps = {"policy.json", policy_text, strlen(policy_text)};
	struct vfm_cpuset reserved = {0};
	struct agent_node_sources src = {.vfm = r->node.inv,
					 .sysfs_root = w->sys,
					 .reserved = &reserved,
					 .datapath_present = true,
					 .virt = w->virt,
					 .vf_owned = agent_node_vf_owned,
					 .opaque = &r->node};
	struct agent_diags diags = {0};
	struct agent_policy *p = NULL;
	struct agent_inventory *inv = NULL;
	struct agent_alloc *cur;
	struct agent_plan *plan = NULL;
	char err[512];
	int ret;

	vfm_cpuset_set(&reserved, 0);
	if (agent_policy_load_sources(&ps, 1, &p, &diags) != 0) {
		char buf[512];

		for (size_t i = 0; i < diags.n; i++) {
			agent_diag_format(&diags.v[i], buf, sizeof(buf));
			print_message("%s\n", buf);
		}
		fail_msg("the test's policy is rejected");
	}
	agent_diags_clear(&diags);
	if (agent_inventory_from_node(&src, &inv, err, sizeof(err)) != 0)
		fail_msg("inventory: %s", err);
	cur = agent_apply_current(&r->node);
	assert_int_equal(agent_plan(p, inv, cur, &plan), 0);
	agent_alloc_free(cur);
	for (size_t i = 0; kinds && i < plan->n_actions; i++)
		*kinds |= 1u << plan->actions[i].type;
	json_decref(r->target);
	r->target = agent_alloc_to_json(plan->result);
	pthread_mutex_lock(&w->dp.lock);
	json_decref(w->dp.target);
	w->dp.target = json_incref(r->target);
	pthread_mutex_unlock(&w->dp.lock);
	agent_apply_result_init(res);
	ret = agent_apply(&r->node, p, inv, plan, res);
	if (ret != 0) {
		size_t i;
		json_t *e;

		json_array_foreach(res->errors, i, e)
			print_message("apply error: %s\n", json_string_value(e));
	}
	agent_plan_free(plan);
	agent_inventory_free(inv);
	agent_policy_free(p);
	return ret;
}

/* Open a node, converge once, close it. Returns agent_apply()'s value; *ret_changed, the
 * changes made while the journal held no target, the steps' texts (ret_log: a new reference). */
static int
converge_once(struct world *w, const char *policy_text, unsigned long *ret_changed, uint32_t *kinds,
	      unsigned long *ret_unjournalled, json_t **ret_log)
{
	struct agent_apply_result res;
	struct run r;
	int ret;

	node_open(&r, w);
	if (ret_log)
		*ret_log = json_incref(r.steps_log);
	ret = converge(&r, w, policy_text, &res, kinds);
	if (ret_changed)
		*ret_changed = res.changed;
	if (ret_unjournalled)
		*ret_unjournalled = r.unjournalled_changes;
	agent_apply_result_clear(&res);
	node_close(&r);
	return ret;
}

/* ---- what the node has ---- */

static json_t *
sorted_strings(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	char **v = calloc(n + 1, sizeof(*v));
	json_t *out = json_array(), *x;

	json_array_foreach(arr, i, x) v[i] =
		json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	for (i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(v[j], v[i]) < 0) {
				char *t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	for (i = 0; i < n; i++) {
		json_array_append_new(out, json_string(v[i]));
		free(v[i]);
	}
	free(v);
	return out;
}

/* Flows or chains with each chain number replaced by that chain's hops: chain numbers are
 * nfpathd's own names (a restart may keep one that an uninterrupted run gave up and took
 * anew); what a flow steers to, and through what, is what must agree. */
static json_t *
by_hops(json_t *items, json_t *chains)
{
	json_t *out = json_array(), *v, *sorted;
	size_t i;

	json_array_foreach(items, i, v)
	{
		json_t *o = json_deep_copy(v);
		ssize_t c = dp_find(chains, "chain", json_object_get(v, "chain"));

		json_object_set(o, "chain",
				c >= 0 ? json_object_get(json_array_get(chains, (size_t)c), "hops")
				       : json_string("(no such chain)"));
		json_array_append_new(out, o);
	}
	sorted = sorted_strings(out);
	json_decref(out);
	return sorted;
}

/* The node as one JSON value: VFs (driver, MAC, VLAN, trust, spoofchk, IRQ affinity), the
 * datapath's objects, each VM's persistent interfaces and pins, the banned-IRQ list, and the
 * journal's applied allocation and the objects it numbered. Two runs that end alike give equal
 * values. */
static json_t *
snapshot(struct world *w)
{
	struct vfm_options o = {.sysfs_root = w->sim, .sim_file = w->nic};
	struct vfm_inventory *inv = NULL;
	struct agent_journal *j = NULL;
	struct vfm_ctx *ctx = NULL;
	json_t *s = json_object(), *vfs = json_array(), *doms = json_object();
	char *msg = NULL, err[256], buf[256];
	FILE *f;

	assert_int_equal(vfm_ctx_new(&o, &ctx, &msg), 0);
	assert_int_equal(vfm_inventory_load(ctx, &inv), 0);
	for (size_t p = 0; p < inv->n_pfs; p++) {
		for (size_t i = 0; i < inv->pfs[p].n_vfs; i++) {
			const struct vfm_vf *vf = &inv->pfs[p].vfs[i];
			char mac[VFM_MAC_STRLEN];
			json_t *irqs = json_array();

			vfm_mac_format(vf->state.mac, mac, sizeof(mac));
			for (size_t q = 0; q < vf->n_irqs; q++) {
				struct vfm_cpuset c;

				assert_int_equal(vfm_irq_get_affinity(ctx, vf->irqs[q], &c), 0);
				vfm_cpuset_format(&c, buf, sizeof(buf));
				json_array_append_new(irqs, json_string(buf));
			}
			json_array_append_new(vfs, json_pack("{s:i,s:s,s:s,s:i,s:b,s:b,s:o}", "vf",
							     vf->index, "driver", vf->driver, "mac",
							     mac, "vlan", vf->state.vlan, "trust",
							     vf->state.trust, "spoofchk",
							     vf->state.spoofchk, "irqs", irqs));
		}
	}
	json_object_set_new(s, "vfs", vfs);
	vfm_inventory_free(inv);
	vfm_ctx_free(ctx);
	pthread_mutex_lock(&w->dp.lock);
	json_object_set_new(s, "nfs", sorted_strings(w->dp.nfs));
	json_object_set_new(s, "ports", sorted_strings(w->dp.ports));
	json_object_set_new(s, "flows", by_hops(w->dp.flows, w->dp.chains));
	json_object_set_new(s, "chains", by_hops(w->dp.chains, w->dp.chains));
	pthread_mutex_unlock(&w->dp.lock);
	for (int d = 1; d <= 3; d++) {
		struct agent_virt_iface *ifs = NULL;
		struct vfm_cpuset pin;
		char name[8];
		size_t n = 0;
		json_t *ifl = json_array();

		snprintf(name, sizeof(name), "vm%d", d);
		assert_int_equal(agent_virt_get_ifaces(w->virt, name, true, &ifs, &n), 0);
		for (size_t i = 0; i < n; i++) {
			char mac[VFM_MAC_STRLEN];

			vfm_mac_format(ifs[i].mac, mac, sizeof(mac));
			json_array_append_new(ifl, json_pack("{s:s,s:s,s:s}", "type", ifs[i].type,
							     "mac", mac, "socket", ifs[i].socket));
		}
		free(ifs);
		if (agent_virt_get_vcpu_pin(w->virt, name, 0, &pin) == 0) {
			vfm_cpuset_format(&pin, buf, sizeof(buf));
			json_array_append_new(ifl, json_pack("{s:s}", "vcpu0", buf));
		}
		json_object_set_new(doms, name, ifl);
	}
	json_object_set_new(s, "domains", doms);
	f = fopen(w->banned, "r");
	if (f) {
		char text[1024] = "";
		size_t n = fread(text, 1, sizeof(text) - 1, f);

		text[n] = '\0';
		fclose(f);
		json_object_set_new(s, "banned", json_string(text));
	}
	assert_int_equal(agent_journal_load(w->state, &j, NULL, err, sizeof(err)), 0);
	json_object_set(s, "applied", j->applied);
	json_object_set(s, "pending", j->pending);
	{
		json_t *keys = json_array(), *v;
		const char *k;

		json_object_foreach(j->ids, k, v) json_array_append_new(keys, json_string(k));
		json_object_set_new(s, "ids", sorted_strings(keys)); /* numbers: see by_hops() */
		json_decref(keys);
	}
	json_object_set_new(s, "saved_vfs", json_integer((json_int_t)j->n_vfs));
	agent_journal_free(j);
	return s;
}

static void
assert_json_equal(json_t *want, json_t *got, const char *what)
{
	const char *k;
	json_t *v;

	if (json_equal(want, got))
		return;
	json_object_foreach(want, k, v)
	{
		json_t *g = json_object_get(got, k);

		if (!json_equal(v, g)) {
			char *a = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			char *b = g ? json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
				    : NULL;

			printf("%s: '%s' differs:\n want %s\n got  %s\n", what, k, a, b ? b : "-");
			free(a);
			free(b);
		}
	}
	fflush(stdout);
	fail_msg("%s differs", what);
}

/* ---- the policies ---- */

#define VM(n, path, move)                                                                          \
	"{\"name\": \"vm" #n "\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": "                    \
	"\"52:54:00:00:00:0" #n "\", \"path\": \"" path "\", \"allow_path_move\": " move "}"
#define NIC                                                                                        \
	"{\"name\": \"n0\", \"pf\": \"simnic0\", \"max_vfs\": 3, \"vf_driver\": \"vfio-pci\", "    \
	"\"uplink\": \"net_ring0\"}"

#define VM1    VM(1, "vf", "false")
#define VM2    VM(2, "auto", "false")
#define VM3    VM(3, "auto", "true")
#define NF_DPI "{\"name\": \"dpi\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"vf\"}"
#define NF_FW  "{\"name\": \"fw\", \"type\": \"nf\", \"nic\": \"n0\", \"path\": \"software\"}"
#define CHAIN_WEB                                                                                  \
	"{\"name\": \"web\", \"match\": {\"dst_mac\": \"02:00:00:00:5e:01\"}, \"hops\": "          \
	"[\"fw\"], \"egress\": \"n0\"}"

/* A: vm1 and vm2 on VFs, the NF 'dpi' on a VF (bound to vfio-pci), vm3 on vhost-user (no VF
 * left: max_vfs 3), the NF 'fw' in a slot, a chain through it. */
static const char POLICY_A[] = "{\"version\": 1, \"nics\": [" NIC "], \"workloads\": [" VM1 "," VM2
			       "," VM3 "," NF_DPI "," NF_FW "], \"chains\": [" CHAIN_WEB "]}";
/* B: vm1, fw and the chain leave; vm3 moves onto vm1's VF. */
static const char POLICY_B[] =
	"{\"version\": 1, \"nics\": [" NIC "], \"workloads\": [" VM2 "," VM3 "," NF_DPI "]}";

/* ---- tests ---- */

static bool
has_iface(json_t *snap, const char *dom, const char *type)
{
	json_t *o = json_object_get(json_object_get(snap, "domains"), dom), *v;
	size_t i;

	json_array_foreach(o, i, v)
	{
		if (json_string_value(json_object_get(v, "type")) &&
		    strcmp(json_string_value(json_object_get(v, "type")), type) == 0)
			return true;
	}
	return false;
}

static void
test_every_action_kind_and_idempotence(void **state)
{
	struct world *w = *state;
	unsigned long changed = 0, unjournalled = 0;
	uint32_t kinds = 0;
	json_t *s, *s2, *vfs;

	/* A from nothing. */
	assert_int_equal(converge_once(w, POLICY_A, &changed, &kinds, &unjournalled, NULL), 0);
	assert_true(changed > 0);
	assert_int_equal(unjournalled, 0);
	assert_int_equal(w->dp.unjournalled, 0);
	s = snapshot(w);
	vfs = json_object_get(s, "vfs");
	assert_int_equal(json_array_size(vfs), 3); /* created: max_vfs */
	assert_true(has_iface(s, "vm1", "hostdev"));
	assert_true(has_iface(s, "vm2", "hostdev"));
	assert_true(has_iface(s, "vm3", "vhostuser"));
	assert_false(has_iface(s, "vm3", "hostdev"));
	{
		int macs = 0, vfio = 0;
		size_t i, pinned = 0;
		json_t *v;

		json_array_foreach(vfs, i, v)
		{
			const char *m = json_string_value(json_object_get(v, "mac"));

			macs += strcmp(m, "52:54:00:00:00:01") == 0 ||
				strcmp(m, "52:54:00:00:00:02") == 0;
			vfio += strcmp(json_string_value(json_object_get(v, "driver")),
				       "vfio-pci") == 0;
			/* A VM's VF IRQs on its vCPUs' CPUs, never on every CPU (the
			 * simulator's start) nor on the housekeeping CPU 0; vfio-pci (dpi's
			 * VF) has none until the NF opens the device. */
			{
				size_t q;
				json_t *irq;

				json_array_foreach(json_object_get(v, "irqs"), q, irq)
				{
					assert_string_not_equal(json_string_value(irq), "0-3");
					assert_false(json_string_value(irq)[0] == '0');
				}
				pinned += json_array_size(json_object_get(v, "irqs"));
			}
		}
		assert_int_equal(macs, 2);
		assert_int_equal(vfio, 1);   /* dpi's VF */
		assert_int_equal(pinned, 2); /* vm1's and vm2's VF: one IRQ each */
	}
	assert_int_equal(json_array_size(json_object_get(s, "nfs")), 1);
	assert_int_equal(json_array_size(json_object_get(s, "chains")), 2); /* web, vm3's */
	assert_int_equal(json_array_size(json_object_get(s, "flows")), 2);  /* web, vm3 */
	assert_int_equal(json_integer_value(json_object_get(s, "saved_vfs")), 3);
	assert_true(json_is_null(json_object_get(s, "pending")));
	assert_non_null(json_object_get(s, "banned"));

	/* Again: nothing to change, the node exactly as it was. */
	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	assert_int_equal(changed, 0);
	s2 = snapshot(w);
	assert_json_equal(s, s2, "the node after a second apply");
	json_decref(s2);

	/* The datapath restarts (it keeps nothing durable): the next apply replays it. */
	dp_reset(&w->dp);
	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	assert_true(changed > 0);
	s2 = snapshot(w);
	assert_json_equal(s, s2, "the node after the datapath's replay");
	json_decref(s2);

	/* B: vm1 leaves, the chain and fw go, vm3 moves onto the VF vm1 had. */
	assert_int_equal(converge_once(w, POLICY_B, &changed, &kinds, &unjournalled, NULL), 0);
	assert_int_equal(unjournalled, 0);
	assert_int_equal(w->dp.unjournalled, 0);
	s2 = snapshot(w);
	assert_false(has_iface(s2, "vm1", "hostdev"));
	assert_true(has_iface(s2, "vm3", "hostdev"));
	assert_false(has_iface(s2, "vm3", "vhostuser"));
	assert_int_equal(json_array_size(json_object_get(s2, "nfs")), 0);
	assert_int_equal(json_array_size(json_object_get(s2, "chains")), 0);
	assert_int_equal(json_array_size(json_object_get(s2, "flows")), 0);
	assert_int_equal(json_integer_value(json_object_get(s2, "saved_vfs")), 3);
	json_decref(s2);

	/* Every action kind the planner has was in plan A or plan B, and both applies converged. */
	for (int k = AGENT_ACT_REMOVE_CHAIN; k <= AGENT_ACT_PIN_VF_IRQS; k++) {
		if (!(kinds & (1u << k)))
			fail_msg("no plan had action kind %d", k);
	}
	json_decref(s);
}

/* The fake datapath's port 'name' as port_list reports it (a new reference; NULL: none). */
static json_t *
dp_port(struct world *w, const char *name)
{
	json_t *n = json_string(name), *p = NULL;
	ssize_t k;

	pthread_mutex_lock(&w->dp.lock);
	k = dp_find(w->dp.ports, "name", n);
	if (k >= 0)
		p = json_deep_copy(json_array_get(w->dp.ports, (size_t)k));
	pthread_mutex_unlock(&w->dp.lock);
	json_decref(n);
	return p;
}

static void
assert_vm_port(struct world *w, const char *name, const char *mac, json_int_t vlan, bool spoofchk)
{
	json_t *p = dp_port(w, name);

	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "workload_mac")), mac);
	assert_int_equal(json_integer_value(json_object_get(p, "vlan")), vlan);
	assert_int_equal(json_is_true(json_object_get(p, "spoofchk")), spoofchk);
	json_decref(p);
}

static size_t
dp_log_count(struct world *w, const char *line)
{
	size_t i, n = 0;
	json_t *v;

	pthread_mutex_lock(&w->dp.lock);
	json_array_foreach(w->dp.log, i, v) n += strcmp(json_string_value(v), line) == 0;
	pthread_mutex_unlock(&w->dp.lock);
	return n;
}

/* A: vm3 on vhost-user, on VLAN 10 without the spoof check. */
static const char POLICY_A_VLAN[] =
	"{\"version\": 1, \"nics\": [" NIC "], \"workloads\": [" VM1 "," VM2
	",{\"name\": \"vm3\", \"type\": \"vm\", \"nic\": \"n0\", \"mac\": "
	"\"52:54:00:00:00:03\", \"vlan\": 10, \"spoofchk\": false, \"path\": \"auto\", "
	"\"allow_path_move\": true}," NF_DPI "," NF_FW "], \"chains\": [" CHAIN_WEB "]}";

/* A software-path VM's port carries its MAC, VLAN and spoof check (what broadcast flooding and
 * the anti-spoof check need), after a datapath restart too; a port whose workload differs from
 * the plan (changed by hand, or by the policy) is recreated, its chain and flow set again. */
static void
test_vm_port_carries_workload(void **state)
{
	struct world *w = *state;
	unsigned long changed = 0;
	json_t *s, *s2;

	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	assert_vm_port(w, "net_vhost_vm3", "52:54:00:00:00:03", 0, true);
	s = snapshot(w);

	/* The datapath restarts: the replay sends the same. */
	dp_reset(&w->dp);
	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	assert_vm_port(w, "net_vhost_vm3", "52:54:00:00:00:03", 0, true);

	/* Someone re-added the port without MAC or spoof check: the next apply recreates it
	 * (the VM's chain first, as the datapath refuses to drop a port a chain sends to). */
	pthread_mutex_lock(&w->dp.lock);
	{
		json_t *n = json_string("net_vhost_vm3");
		json_t *p = json_array_get(w->dp.ports, (size_t)dp_find(w->dp.ports, "name", n));

		json_object_set_new(p, "workload_mac", json_null());
		json_object_set_new(p, "spoofchk", json_false());
		json_decref(n);
		json_array_clear(w->dp.log);
	}
	pthread_mutex_unlock(&w->dp.lock);
	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	assert_true(changed > 0);
	assert_int_equal(dp_log_count(w, "vhost_del vm3"), 1);
	assert_int_equal(dp_log_count(w, "vhost_add vm3"), 1);
	assert_vm_port(w, "net_vhost_vm3", "52:54:00:00:00:03", 0, true);
	s2 = snapshot(w);
	assert_json_equal(s, s2, "the node after vm3's port was recreated");
	json_decref(s2);
	json_decref(s);
	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	assert_int_equal(changed, 0);

	/* The policy puts vm3 on VLAN 10 without the spoof check: recreated with both, its
	 * steering on VLAN 10, its vhost-user interface kept; then nothing to change. */
	assert_int_equal(converge_once(w, POLICY_A_VLAN, &changed, NULL, NULL, NULL), 0);
	assert_true(changed > 0);
	assert_vm_port(w, "net_vhost_vm3", "52:54:00:00:00:03", 10, false);
	pthread_mutex_lock(&w->dp.lock);
	{
		json_t *req = json_pack("{s:s,s:i}", "mac", "52:54:00:00:00:03", "vlan", 10);

		assert_true(dp_find_flow(w->dp.flows, req) >= 0);
		json_decref(req);
	}
	pthread_mutex_unlock(&w->dp.lock);
	assert_true(has_iface(s2 = snapshot(w), "vm3", "vhostuser"));
	json_decref(s2);
	assert_int_equal(converge_once(w, POLICY_A_VLAN, &changed, NULL, NULL, NULL), 0);
	assert_int_equal(changed, 0);
}

/* First index of a step whose text starts with 'prefix' (-1: none). */
static ssize_t
step_index(json_t *log, const char *prefix)
{
	size_t i;
	json_t *v;

	json_array_foreach(log, i, v)
	{
		if (strncmp(json_string_value(v), prefix, strlen(prefix)) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/* vm3 moves from vhost-user to a VF: its VF is configured and its hostdev interface added
 * before the vhost-user port and its steering go (make before break); vm1 gives the VF up
 * before vm3 takes it (break first, where it must). */
static void
test_make_before_break(void **state)
{
	struct world *w = *state;
	unsigned long changed = 0;
	json_t *log = NULL;
	ssize_t cfg, hostdev, vhost_del, flow_del, released;
	char *text;

	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	assert_int_equal(converge_once(w, POLICY_B, &changed, NULL, NULL, &log), 0);
	text = json_dumps(log, JSON_INDENT(1));
	print_message("steps of B: %s\n", text);
	free(text);
	/* vm3 takes the VF vm1 had: vm1's interface goes first (a VF has one user). */
	released = step_index(log, "domain 'vm1': removed the hostdev VF interface");
	cfg = step_index(log, "configured VF simnic0#");
	hostdev = step_index(log, "domain 'vm3': hostdev VF interface");
	vhost_del = step_index(log, "datapath: vhost-user port net_vhost_vm3 removed");
	flow_del = step_index(log, "datapath: steering of 52:54:00:00:00:03");
	assert_true(released >= 0 && cfg >= 0 && hostdev >= 0 && vhost_del >= 0 && flow_del >= 0);
	assert_true(released < cfg);
	/* vm3's new path is complete before its old one is taken apart (libvirt replaces the
	 * vhost-user interface with the hostdev one in one define: one MAC, one interface). */
	assert_true(cfg < hostdev);
	assert_true(hostdev < vhost_del);
	assert_true(hostdev < flow_del);
	json_decref(log);
}

/* The steps of an uninterrupted apply of 'to' (after 'from', NULL: from nothing), and the
 * node it leaves. */
static json_t *
reference(struct world *w, const char *from, const char *to, unsigned long *ret_steps)
{
	unsigned long changed;
	json_t *log = NULL, *s;

	world_reset(w);
	if (from)
		assert_int_equal(converge_once(w, from, &changed, NULL, NULL, NULL), 0);
	assert_int_equal(converge_once(w, to, &changed, NULL, NULL, &log), 0);
	*ret_steps = json_array_size(log);
	json_decref(log);
	s = snapshot(w);
	return s;
}

/* LeakSanitizer's switch (weak: absent without -fsanitize=address). What a crashed run had
 * allocated is abandoned, as a killed process's memory is: not a leak of the code under test. */
void __lsan_disable(void) __attribute__((weak));
void __lsan_enable(void) __attribute__((weak));

static jmp_buf crash_jmp;
static struct run crash_run;

static void
crash_step(void *opaque, const char *what)
{
	struct run *r = opaque;

	step(opaque, what);
	if (r->steps == r->crash_at)
		longjmp(crash_jmp, 1); /* the crash: nothing after this step happens */
}

/* Apply 'to' and stop dead after step k: the node keeps what was done (the simulated NIC's
 * tree, the datapath thread, libvirt's connection, the files), the run's memory is dropped. */
static void
crash(struct world *w, const char *to, unsigned long k, const char *what)
{
	struct agent_apply_result res;

	if (__lsan_disable)
		__lsan_disable();
	node_open(&crash_run, w);
	crash_run.node.step = crash_step;
	crash_run.crash_at = k;
	if (setjmp(crash_jmp) == 0) {
		converge(&crash_run, w, to, &res, NULL);
		fail_msg("%s: the run ended before step %lu", what, k);
	}
	if (crash_run.unjournalled_changes)
		fail_msg("%s: %lu changes before the target was journalled", what,
			 crash_run.unjournalled_changes);
	node_close(&crash_run);
	if (__lsan_enable)
		__lsan_enable();
}

/* Crash after step k of applying 'to', restart from the journal, converge: the node must be
 * the uninterrupted run's, and a further apply a no-op. */
static void
crash_at_every_step(struct world *w, const char *from, const char *to, const char *what)
{
	unsigned long n = 0, changed;
	json_t *want = reference(w, from, to, &n);

	print_message("%s: %lu steps, a crash after each\n", what, n);
	assert_true(n > 3);
	for (unsigned long k = 1; k <= n; k++) {
		char label[128];
		json_t *got;

		world_reset(w);
		if (from)
			assert_int_equal(converge_once(w, from, &changed, NULL, NULL, NULL), 0);
		crash(w, to, k, what);
		/* nfpathd starts again: the journal says where it was. */
		assert_int_equal(converge_once(w, to, &changed, NULL, NULL, NULL), 0);
		got = snapshot(w);
		snprintf(label, sizeof(label), "%s: the node after a crash at step %lu/%lu", what,
			 k, n);
		assert_json_equal(want, got, label);
		json_decref(got);
		assert_int_equal(converge_once(w, to, &changed, NULL, NULL, NULL), 0);
		if (changed)
			fail_msg("%s: crash at step %lu: %lu changes after converging", what, k,
				 changed);
	}
	json_decref(want);
}

static void
test_crash_after_every_step_from_nothing(void **state)
{
	crash_at_every_step(*state, NULL, POLICY_A, "A from nothing");
}

static void
test_crash_after_every_step_a_to_b(void **state)
{
	crash_at_every_step(*state, POLICY_A, POLICY_B, "A to B");
}

/* The policy changes while nfpathd is down: a crash after step k of A -> B, and the restart
 * finds A again. The interrupted target B is kept as an orphan and what only it had is taken
 * down: the node must be that of an uninterrupted A, B, A. */
static void
test_crash_then_the_policy_changes_back(void **state)
{
	struct world *w = *state;
	unsigned long n = 0, changed;
	json_t *want;

	world_reset(w);
	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	want = reference(w, POLICY_A, POLICY_B, &n); /* counts B's steps */
	json_decref(want);
	assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
	want = snapshot(w);
	for (unsigned long k = 1; k <= n; k++) {
		char label[128];
		json_t *got;

		world_reset(w);
		assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
		crash(w, POLICY_B, k, "A to B, then A");
		assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
		got = snapshot(w);
		snprintf(label, sizeof(label), "A to B crashed at step %lu/%lu, restarted with A",
			 k, n);
		assert_json_equal(want, got, label);
		json_decref(got);
		assert_int_equal(converge_once(w, POLICY_A, &changed, NULL, NULL, NULL), 0);
		assert_int_equal(changed, 0);
	}
	json_decref(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_action_kind_and_idempotence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_make_before_break, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_port_carries_workload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_after_every_step_from_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_after_every_step_a_to_b, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_then_the_policy_changes_back, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
