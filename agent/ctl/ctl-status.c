// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpathctl status | vfs | stats | reload: ask the running nfpathd over its control socket
 * (ctl-sock.h). Common options: --json (print the daemon's result as JSON), --socket PATH,
 * --settings FILE (take control_socket from the node settings).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfpath/agent-settings.h"

#include "ctl-plan.h"
#include "ctl-sock.h"
#include "ctl.h"

#define DEFAULT_CONTROL_SOCKET "/run/nfpath/nfpathd.sock"

struct call_opts {
	bool json;
	const char *socket;
	const char *settings;
	/* Only for commands that take them (domain-xml): set before parse_common(). */
	bool want_domain;
	const char *domain; /* the one operand */
	bool inactive;      /* --inactive */
};

static int
parse_common(int argc, char **argv, struct call_opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"socket", required_argument, NULL, 's'},
		{"settings", required_argument, NULL, 'c'},
		{"inactive", no_argument, NULL, 'i'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "js:c:", longopts, NULL)) != -1) {
		if (c == 'i' && o->want_domain) {
			o->inactive = true;
			continue;
		}
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'c':
			o->settings = optarg;
			break;
		default:
			return -1;
		}
	}
	if (o->want_domain && optind < argc)
		o->domain = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "nfpathctl %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return -1;
	}
	return o->want_domain && !o->domain ? -1 : 0;
}

/* Call 'op'; on success *ret_result is the daemon's result. Prints failures. */
static int
call_args(const char *cmd, const struct call_opts *o, const char *op, json_t *args,
	  json_t **ret_result)
{
	struct agent_settings *s = NULL;
	char path[4096], err[1024];
	json_t *reply = NULL;
	int r;

	snprintf(path, sizeof(path), "%s", o->socket ? o->socket : DEFAULT_CONTROL_SOCKET);
	if (!o->socket && o->settings) {
		struct agent_diags diags = {0};

		if (agent_settings_load(o->settings, false, &s, &diags) < 0) {
			agent_diags_print(&diags, stderr);
			agent_diags_clear(&diags);
			return CTL_EXIT_FAIL;
		}
		agent_diags_clear(&diags);
		snprintf(path, sizeof(path), "%s", s->control_socket);
		agent_settings_free(s);
	}
	r = agent_ctl_call(path, op, args, 30000, &reply, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "nfpathctl %s: %s\n", cmd, err);
		return CTL_EXIT_FAIL;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		json_t *e = json_object_get(reply, "error");

		fprintf(stderr, "nfpathctl %s: nfpathd refused: %s: %s\n", cmd,
			json_string_value(json_object_get(e, "type")),
			json_string_value(json_object_get(e, "message")));
		json_decref(reply);
		return CTL_EXIT_FAIL;
	}
	*ret_result = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	return CTL_EXIT_OK;
}

static int
call(const char *cmd, const struct call_opts *o, const char *op, json_t **ret_result)
{
	return call_args(cmd, o, op, NULL, ret_result);
}

static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

static const char *
s_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static long long
i_of(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void
print_apply_status(json_t *st)
{
	json_t *ap = json_object_get(st, "apply"), *v, *pl;
	size_t i;

	if (!json_is_object(ap))
		return;
	printf("apply:     %s, %lld steps checked, %lld changed (%lld applies, %lld not "
	       "converged)\n",
	       json_is_true(json_object_get(ap, "converged")) ? "converged" : "NOT converged",
	       i_of(ap, "checked"), i_of(ap, "changed"), i_of(ap, "applies"),
	       i_of(ap, "failed_applies"));
	json_array_foreach(json_object_get(ap, "errors"), i, v)
		printf("  error:   %s\n", json_string_value(v));
	if (json_array_size(json_object_get(st, "placements")))
		printf("%-12s %-3s %-9s %-22s %-5s %-8s %s\n", "WORKLOAD", "", "PATH", "WHERE",
		       "NODE", "CPUS", "STEERING / IRQS");
	json_array_foreach(json_object_get(st, "placements"), i, pl)
	{
		char where[64] = "-", extra[160] = "", node[16] = "-";
		json_t *steer = json_object_get(pl, "steering");

		if (json_is_string(json_object_get(pl, "pf")))
			snprintf(where, sizeof(where), "%s#%lld %s", s_or(pl, "pf", "?"),
				 i_of(pl, "vf"), s_or(pl, "pci", ""));
		else if (json_is_string(json_object_get(pl, "vhost")))
			snprintf(where, sizeof(where), "%s", s_or(pl, "vhost", ""));
		else if (json_is_string(json_object_get(pl, "nf_slot")))
			snprintf(where, sizeof(where), "slot %s", s_or(pl, "nf_slot", ""));
		if (json_is_object(steer))
			snprintf(extra, sizeof(extra), "%s: %s", s_or(steer, "mac", "?"),
				 s_or(steer, "path", "?"));
		else if (json_array_size(json_object_get(pl, "irqs")))
			snprintf(extra, sizeof(extra), "%zu IRQs pinned",
				 json_array_size(json_object_get(pl, "irqs")));
		if (json_is_integer(json_object_get(pl, "numa_node")))
			snprintf(node, sizeof(node), "%lld", i_of(pl, "numa_node"));
		printf("%-12s %-3s %-9s %-22s %-5s %-8s %s\n", s_or(pl, "workload", "?"),
		       s_or(pl, "type", "?"), s_or(pl, "place", "?"), where, node,
		       s_or(pl, "cpus", "-"), extra);
		if (!strcmp(s_or(pl, "place", ""), "none"))
			printf("  why:     %s\n", s_or(pl, "reason", ""));
	}
}

/* The NF processes nfpathd runs: one line each, and why one is not running. */
static void
print_nfs(json_t *st)
{
	json_t *nf;
	size_t i;

	if (!json_array_size(json_object_get(st, "nfs")))
		return;
	printf("%-12s %-20s %-8s %-8s %-8s %s\n", "NF", "STATE", "PID", "RESTARTS", "CPUS",
	       "LAST EXIT");
	json_array_foreach(json_object_get(st, "nfs"), i, nf)
	{
		char pid[16] = "-";

		if (i_of(nf, "pid") > 0)
			snprintf(pid, sizeof(pid), "%lld", i_of(nf, "pid"));
		printf("%-12s %-20s %-8s %-8lld %-8s %s%s\n", s_or(nf, "name", "?"),
		       s_or(nf, "state", "?"), pid, i_of(nf, "restarts"),
		       s_or(nf, "cpus", "")[0] ? s_or(nf, "cpus", "") : "-",
		       s_or(nf, "last_exit", "-"),
		       json_is_true(json_object_get(nf, "adopted")) ? " (adopted)" : "");
		if (json_is_string(json_object_get(nf, "error")))
			printf("  why:     %s\n", s_or(nf, "error", ""));
	}
}

static void
print_status(json_t *st)
{
	json_t *pol = json_object_get(st, "policy"), *rej = json_object_get(st, "policy_rejected");
	json_t *inv = json_object_get(st, "inventory"), *dp = json_object_get(st, "datapath");
	json_t *lv = json_object_get(st, "libvirt"), *jr = json_object_get(st, "journal");
	json_t *p;
	size_t i;

	printf("nfpathd pid %lld, %s, %lld convergences\n", i_of(st, "pid"),
	       json_is_true(json_object_get(st, "ready")) ? "ready" : "starting",
	       i_of(st, "converges"));
	printf("summary:   %s\n", s_or(st, "summary", ""));
	if (json_is_true(json_object_get(pol, "in_force")))
		printf("policy:    generation %lld from %s: %lld NICs, %lld workloads, %lld "
		       "chains\n",
		       i_of(pol, "generation"), s_or(pol, "dir", "?"), i_of(pol, "nics"),
		       i_of(pol, "workloads"), i_of(pol, "chains"));
	else
		printf("policy:    none in force (%s)\n", s_or(pol, "dir", "?"));
	if (json_is_object(rej)) {
		printf("rejected:  the last policy edit was rejected; the policy above stays in "
		       "force:\n");
		json_array_foreach(json_object_get(rej, "problems"), i, p)
			printf("           %s\n", json_string_value(p));
	}
	printf("reloads:   %lld (%lld rejected)\n", i_of(st, "reloads"),
	       i_of(st, "rejected_reloads"));
	printf("vfs:       %lld PFs, %lld VFs (backend %s)%s%s\n", i_of(inv, "pfs"),
	       i_of(inv, "vfs"), s_or(inv, "backend", "?"),
	       json_is_string(json_object_get(inv, "error")) ? ": " : "", s_or(inv, "error", ""));
	if (json_is_string(json_object_get(dp, "socket")))
		printf("datapath:  %s at %s%s%s\n",
		       json_is_true(json_object_get(dp, "connected")) ? "connected" : "unreachable",
		       s_or(dp, "socket", ""),
		       json_is_string(json_object_get(dp, "error")) ? ": " : "",
		       s_or(dp, "error", ""));
	else
		printf("datapath:  off\n");
	if (json_is_string(json_object_get(lv, "uri")))
		printf("libvirt:   %s %s, %lld domains, %lld events%s%s\n",
		       json_is_true(json_object_get(lv, "connected")) ? "connected to"
								      : "cannot reach",
		       s_or(lv, "uri", ""), i_of(lv, "domains"), i_of(lv, "events"),
		       json_is_string(json_object_get(lv, "error")) ? ": " : "",
		       s_or(lv, "error", ""));
	else
		printf("libvirt:   off\n");
	printf("journal:   %s, generation %lld, %lld saved VFs%s%s\n", s_or(jr, "path", "?"),
	       i_of(jr, "generation"), i_of(jr, "vfs"),
	       json_is_string(json_object_get(jr, "error")) ? ": " : "", s_or(jr, "error", ""));
	print_apply_status(st);
	print_nfs(st);
}

static void
print_vfs(json_t *res)
{
	json_t *pf, *vf;
	size_t i, k;

	json_array_foreach(json_object_get(res, "pfs"), i, pf)
	{
		printf("%s %s (%s) NUMA %lld: %lld of %lld VFs%s\n", s_or(pf, "pf", "?"),
		       s_or(pf, "netdev", ""), s_or(pf, "driver", ""), i_of(pf, "numa_node"),
		       i_of(pf, "num_vfs"), i_of(pf, "total_vfs"),
		       json_is_true(json_object_get(pf, "simulated")) ? " [simulated]" : "");
		printf("  %-4s %-14s %-16s %-10s %-17s %-5s %s\n", "VF", "PCI", "DRIVER", "NETDEV",
		       "MAC", "VLAN", "IRQS");
		json_array_foreach(json_object_get(pf, "vfs"), k, vf) printf(
			"  %-4lld %-14s %-16s %-10s %-17s %-5lld %lld\n", i_of(vf, "index"),
			s_or(vf, "pci", "-"), s_or(vf, "driver", "-"), s_or(vf, "netdev", "-"),
			s_or(vf, "mac", "-"), i_of(vf, "vlan"), i_of(vf, "irqs"));
	}
}

static int
run(int argc, char **argv, const char *op, void (*print)(json_t *))
{
	struct call_opts o = {0};
	json_t *res = NULL;
	int r;

	if (parse_common(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: nfpathctl %s [--json] [--socket PATH | --settings FILE]\n",
			argv[0]);
		return CTL_EXIT_USAGE;
	}
	r = call(argv[0], &o, op, &res);
	if (r != CTL_EXIT_OK)
		return r;
	if (o.json || !print)
		print_json(res);
	else
		print(res);
	json_decref(res);
	return CTL_EXIT_OK;
}

static void
print_reload(json_t *res)
{
	json_t *rej = json_object_get(res, "policy_rejected"), *p;
	size_t i;

	if (json_is_true(json_object_get(res, "accepted"))) {
		printf("policy generation %lld in force\n", i_of(res, "generation"));
		return;
	}
	printf("the new policy was REJECTED; generation %lld stays in force:\n",
	       i_of(res, "generation"));
	json_array_foreach(json_object_get(rej, "problems"), i, p)
		printf("  %s\n", json_string_value(p));
}

int
ctl_status(int argc, char **argv)
{
	return run(argc, argv, "status", print_status);
}

int
ctl_vfs(int argc, char **argv)
{
	return run(argc, argv, "vfs", print_vfs);
}

int
ctl_stats(int argc, char **argv)
{
	return run(argc, argv, "stats", NULL);
}

int
ctl_reload(int argc, char **argv)
{
	struct call_opts o = {0};
	json_t *res = NULL;
	int r;

	if (parse_common(argc, argv, &o) < 0) {
		fprintf(stderr,
			"usage: nfpathctl reload [--json] [--socket PATH | --settings FILE]\n");
		return CTL_EXIT_USAGE;
	}
	r = call(argv[0], &o, "reload", &res);
	if (r != CTL_EXIT_OK)
		return r;
	if (o.json)
		print_json(res);
	else
		print_reload(res);
	r = json_is_true(json_object_get(res, "accepted")) ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	json_decref(res);
	return r;
}

int
ctl_plan_daemon(const char *cmd, const struct ctl_plan_opts *po, const char *op, const char *name,
		char *const *paths, size_t n)
{
	struct call_opts o = {.json = po->json, .socket = po->socket, .settings = po->settings};
	json_t *args = json_object(), *arr = json_array(), *res = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		char *abs = realpath(paths[i], NULL);

		if (!abs) {
			fprintf(stderr, "nfpathctl %s: %s: %s\n", cmd, paths[i], strerror(errno));
			json_decref(arr);
			json_decref(args);
			return CTL_EXIT_FAIL;
		}
		json_array_append_new(arr, json_string(abs));
		free(abs);
	}
	json_object_set_new(args, "paths", arr);
	if (name)
		json_object_set_new(args, "name", json_string(name));
	r = call_args(cmd, &o, op, args, &res);
	json_decref(args);
	if (r != CTL_EXIT_OK)
		return r;
	if (o.json)
		print_json(json_object_get(res, "json"));
	else
		fputs(s_or(res, "text", ""), stdout);
	json_decref(res);
	return CTL_EXIT_OK;
}

static void
print_apply(json_t *res)
{
	json_t *v;
	size_t i;

	printf("%s: %lld steps checked, %lld changed\n",
	       json_is_true(json_object_get(res, "converged")) ? "converged" : "NOT converged",
	       i_of(res, "checked"), i_of(res, "changed"));
	json_array_foreach(json_object_get(res, "errors"), i, v)
		printf("  error: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(res, "notes"), i, v)
		printf("  note:  %s\n", json_string_value(v));
}

int
ctl_apply(int argc, char **argv)
{
	struct call_opts o = {0};
	json_t *res = NULL;
	int r;

	if (parse_common(argc, argv, &o) < 0) {
		fprintf(stderr,
			"usage: nfpathctl apply [--json] [--socket PATH | --settings FILE]\n");
		return CTL_EXIT_USAGE;
	}
	r = call(argv[0], &o, "apply", &res);
	if (r != CTL_EXIT_OK)
		return r;
	if (o.json)
		print_json(res);
	else
		print_apply(res);
	r = json_is_true(json_object_get(res, "converged")) ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	json_decref(res);
	return r;
}

int
ctl_domain_xml(int argc, char **argv)
{
	struct call_opts o = {.want_domain = true};
	json_t *res = NULL, *args;
	int r;

	if (parse_common(argc, argv, &o) < 0) {
		fprintf(stderr,
			"usage: nfpathctl domain-xml DOMAIN [--inactive] [--json] [--socket "
			"PATH | --settings FILE]\n");
		return CTL_EXIT_USAGE;
	}
	args = json_pack("{s:s,s:b}", "name", o.domain, "inactive", o.inactive);
	r = call_args(argv[0], &o, "domain_xml", args, &res);
	json_decref(args);
	if (r != CTL_EXIT_OK)
		return r;
	if (o.json)
		print_json(res);
	else
		fputs(s_or(res, "xml", ""), stdout);
	json_decref(res);
	return CTL_EXIT_OK;
}
