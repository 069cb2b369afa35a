// SPDX-License-Identifier: BSD-3-Clause
/*
 * nfpath-cni: the CNI plugin (spec 1.0.0; results also in 0.3.x/0.4.0) that gives a container
 * an interface on an nfpath NIC: a VF when one is free, a software-path port when not. It keeps
 * no state: ADD, DEL and CHECK are requests to nfpathd over its control socket (a workload of
 * type 'container' named by the container ID and interface name); nfpathd plans, journals and
 * does the namespace work. Addresses come from the IPAM plugin the network config names
 * (host-local, say), called here as the spec says, and handed to nfpathd with the request.
 *
 * Errors are CNI error objects on stdout ({"cniVersion","code","msg","details"}) and exit 1;
 * nothing is asked of nfpathd before the environment and the config are valid.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl-sock.h"
#include "nfpath/base-file.h"

#define CNI_CONFIG_MAX   (1u << 20)
#define CNI_IPAM_OUT_MAX (1u << 20)
#define CNI_TIMEOUT_MS   30000u
#define CNI_DEFAULT_SOCK "/run/nfpath/nfpathd.sock"

/* CNI's well-known error codes (spec 1.0.0, "Error"). */
enum cni_code {
	CNI_ERR_VERSION = 1,  /* incompatible CNI version */
	CNI_ERR_FIELD = 2,    /* unsupported field in the network configuration */
	CNI_ERR_UNKNOWN = 3,  /* container unknown or does not exist */
	CNI_ERR_ENV = 4,      /* invalid necessary environment variables */
	CNI_ERR_IO = 5,       /* I/O failure */
	CNI_ERR_DECODE = 6,   /* failed to decode content */
	CNI_ERR_CONFIG = 7,   /* invalid network config */
	CNI_ERR_AGAIN = 11,   /* try again later */
	CNI_ERR_PLUGIN = 100, /* plugin-specific: nfpathd refused or failed */
};

static const char *const supported_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"};
#define N_VERSIONS (sizeof(supported_versions) / sizeof(supported_versions[0]))

/* Where errors report their version: the config's once it is known and supported. */
static const char *out_version = "1.0.0";

static int cni_error(int code, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print a CNI error object on stdout; returns the exit status (1). */
static int
cni_error(int code, const char *details, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *o;
	char *text;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s,s:i,s:s}", "cniVersion", out_version, "code", code, "msg", msg);
	if (o && details && *details)
		json_object_set_new(o, "details", json_string(details));
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text)
		printf("%s\n", text);
	else
		printf("{\"cniVersion\":\"%s\",\"code\":%d,\"msg\":\"out of memory\"}\n",
		       out_version, code);
	free(text);
	json_decref(o);
	return 1;
}

static int
version_index(const char *v)
{
	for (size_t i = 0; i < N_VERSIONS; i++)
		if (strcmp(v, supported_versions[i]) == 0)
			return (int)i;
	return -1;
}

/* Results before 0.4.0... are the same shape here except for 'version' in ips (gone in 1.0.0). */
static bool
is_v1(const char *v)
{
	return strcmp(v, "1.0.0") == 0;
}

static int
print_json(json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	if (!text)
		return cni_error(CNI_ERR_IO, NULL, "out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}

static int
cmd_version(void)
{
	json_t *o = json_pack("{s:s,s:[]}", "cniVersion", "1.0.0", "supportedVersions");
	json_t *a = o ? json_object_get(o, "supportedVersions") : NULL;
	int r;

	for (size_t i = 0; a && i < N_VERSIONS; i++)
		json_array_append_new(a, json_string(supported_versions[i]));
	r = o ? print_json(o) : cni_error(CNI_ERR_IO, NULL, "out of memory");
	json_decref(o);
	return r;
}

/* ---- the environment --------------------------------------------------------------------- */

struct cni_env {
	const char *command;
	const char *container_id;
	const char *netns;
	const char *ifname;
	const char *path; /* CNI_PATH: where IPAM plugins are found */
};

/* Container IDs: alphanumerics, '_', '.', '-' (spec: "Parameters"). */
static bool
valid_container_id(const char *s)
{
	if (!*s || strlen(s) > 1024)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

/* Linux interface names: 1-15 bytes, not '.' or '..', no '/', ':' or whitespace. */
static bool
valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    !isprint((unsigned char)*p))
			return false;
	return true;
}

static int
read_env(struct cni_env *env, bool need_netns)
{
	env->container_id = getenv("CNI_CONTAINERID");
	env->netns = getenv("CNI_NETNS");
	env->ifname = getenv("CNI_IFNAME");
	env->path = getenv("CNI_PATH");
	if (!env->container_id || !*env->container_id)
		return cni_error(CNI_ERR_ENV, NULL,
				 "CNI_CONTAINERID is not set (the runtime sets it)");
	if (!valid_container_id(env->container_id))
		return cni_error(
			CNI_ERR_ENV, env->container_id,
			"CNI_CONTAINERID: only letters, digits, '_', '.' and '-' are allowed");
	if (!env->ifname || !*env->ifname)
		return cni_error(CNI_ERR_ENV, NULL, "CNI_IFNAME is not set (the runtime sets it)");
	if (!valid_ifname(env->ifname))
		return cni_error(CNI_ERR_ENV, env->ifname,
				 "CNI_IFNAME: not a valid interface name (1-15 characters, no '/', "
				 "':' or spaces)");
	if (need_netns && (!env->netns || !*env->netns))
		return cni_error(CNI_ERR_ENV, NULL, "CNI_NETNS is not set (%s needs it)",
				 env->command);
	if (env->netns && *env->netns && env->netns[0] != '/')
		return cni_error(CNI_ERR_ENV, env->netns, "CNI_NETNS must be an absolute path");
	return 0;
}

/* ---- the network configuration ----------------------------------------------------------- */

struct cni_conf {
	json_t *root; /* the whole config, as read */
	const char *version;
	const char *name;
	const char *nic;
	const char *socket;
	json_t *ipam; /* borrowed; NULL without IPAM */
};

static const char *const std_fields[] = {
	"cniVersion", "name",          "type",       "args",         "ipMasq",       "ipam",
	"dns",        "runtimeConfig", "prevResult", "capabilities", "disableCheck",
};
static const char *const own_fields[] = {
	"nic", "path", "vlan", "spoofchk", "trust", "min_tx_rate", "max_tx_rate", "socket",
};

static bool
in_list(const char *k, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(k, list[i]) == 0)
			return true;
	return false;
}

static int
conf_check(struct cni_conf *c)
{
	json_t *root = c->root, *v;
	const char *key, *s;
	json_int_t lo = 0, hi = -1;

	if (!json_is_object(root))
		return cni_error(CNI_ERR_DECODE, NULL, "the network config is not a JSON object");
	v = json_object_get(root, "cniVersion");
	if (!json_is_string(v))
		return cni_error(CNI_ERR_CONFIG, NULL, "cniVersion: missing or not a string");
	c->version = json_string_value(v);
	if (version_index(c->version) < 0)
		return cni_error(
			CNI_ERR_VERSION, c->version,
			"cniVersion '%s' is not supported (supported: 0.3.0, 0.3.1, 0.4.0, "
			"1.0.0)",
			c->version);
	out_version = c->version;
	json_object_foreach(root, key, v)
	{
		if (!in_list(key, std_fields, sizeof(std_fields) / sizeof(std_fields[0])) &&
		    !in_list(key, own_fields, sizeof(own_fields) / sizeof(own_fields[0])))
			return cni_error(
				CNI_ERR_FIELD, key,
				"'%s': unknown field in the nfpath network config (fields: "
				"nic, path, vlan, spoofchk, trust, min_tx_rate, max_tx_rate, "
				"socket, ipam)",
				key);
	}
	v = json_object_get(root, "name");
	if (!json_is_string(v) || !*json_string_value(v))
		return cni_error(CNI_ERR_CONFIG, NULL, "name: missing or not a string");
	c->name = json_string_value(v);
	v = json_object_get(root, "type");
	if (!json_is_string(v) || strcmp(json_string_value(v), "nfpath") != 0)
		return cni_error(CNI_ERR_CONFIG, NULL, "type: must be \"nfpath\" for this plugin");
	v = json_object_get(root, "nic");
	if (!json_is_string(v) || !*json_string_value(v))
		return cni_error(CNI_ERR_CONFIG, NULL,
				 "nic: missing (name the nfpath NIC of the node's policy, as in "
				 "\"nic\": \"uplink0\")");
	c->nic = json_string_value(v);
	v = json_object_get(root, "path");
	if (v) {
		s = json_string_value(v);
		if (!s || (strcmp(s, "auto") && strcmp(s, "vf") && strcmp(s, "software")))
			return cni_error(CNI_ERR_CONFIG, NULL,
					 "path: must be \"auto\", \"vf\" or \"software\"");
	}
	v = json_object_get(root, "vlan");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4094))
		return cni_error(CNI_ERR_CONFIG, NULL,
				 "vlan: must be an integer 0-4094 (0: untagged)");
	for (int i = 0; i < 2; i++) {
		const char *f = i ? "trust" : "spoofchk";

		v = json_object_get(root, f);
		if (v && !json_is_boolean(v))
			return cni_error(CNI_ERR_CONFIG, NULL, "%s: must be true or false", f);
	}
	for (int i = 0; i < 2; i++) {
		const char *f = i ? "max_tx_rate" : "min_tx_rate";

		v = json_object_get(root, f);
		if (!v)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 4000000)
			return cni_error(CNI_ERR_CONFIG, NULL,
					 "%s: must be an integer number of Mbit/s, 0-4000000", f);
		if (i)
			hi = json_integer_value(v);
		else
			lo = json_integer_value(v);
	}
	if (hi > 0 && lo > hi)
		return cni_error(CNI_ERR_CONFIG, NULL,
				 "min_tx_rate (%lld) is above max_tx_rate (%lld)", (long long)lo,
				 (long long)hi);
	v = json_object_get(root, "socket");
	c->socket = CNI_DEFAULT_SOCK;
	if (v) {
		if (!json_is_string(v) || json_string_value(v)[0] != '/')
			return cni_error(CNI_ERR_CONFIG, NULL,
					 "socket: must be an absolute path to nfpathd's control "
					 "socket");
		c->socket = json_string_value(v);
	}
	c->ipam = json_object_get(root, "ipam");
	if (c->ipam) {
		v = json_object_get(c->ipam, "type");
		if (!json_is_object(c->ipam) || !json_is_string(v) || !*json_string_value(v) ||
		    strchr(json_string_value(v), '/'))
			return cni_error(CNI_ERR_CONFIG, NULL,
					 "ipam.type: must name an IPAM plugin in CNI_PATH, as in "
					 "\"host-local\"");
	}
	return 0;
}

/* ---- the IPAM plugin ----------------------------------------------------------------------- */

/* Find 'type' in the ':'-separated CNI_PATH. */
static int
find_plugin(const char *cni_path, const char *type, char *out, size_t size)
{
	const char *p = cni_path;

	while (p && *p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		int k = snprintf(out, size, "%.*s/%s", (int)n, p, type);

		if (k > 0 && (size_t)k < size && access(out, X_OK) == 0)
			return 0;
		p = colon ? colon + 1 : NULL;
	}
	return -ENOENT;
}

/*
 * Run the IPAM plugin with our environment (CNI_COMMAND=cmd) and the config on stdin; on success
 * (exit 0) *ret_out is its stdout parsed (NULL when it printed nothing, as DEL may). On failure
 * its own CNI error is passed on.
 */
static int
run_ipam(const struct cni_conf *c, const struct cni_env *env, const char *cmd, json_t **ret_out)
{
	char plugin[4096], *conf = NULL, *out = NULL;
	int in[2] = {-1, -1}, op[2] = {-1, -1}, status, r = 0;
	size_t len = 0, cap = 0;
	const char *type = json_string_value(json_object_get(c->ipam, "type"));
	json_error_t jerr;
	pid_t pid;

	*ret_out = NULL;
	if (!env->path || !*env->path)
		return cni_error(CNI_ERR_ENV, NULL,
				 "CNI_PATH is not set, so the IPAM plugin '%s' cannot be found",
				 type);
	if (find_plugin(env->path, type, plugin, sizeof(plugin)) < 0)
		return cni_error(CNI_ERR_CONFIG, env->path,
				 "ipam.type: no executable '%s' in CNI_PATH (install it, e.g. "
				 "containernetworking-plugins for host-local)",
				 type);
	conf = json_dumps(c->root, JSON_COMPACT);
	if (!conf || pipe2(in, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0) {
		r = cni_error(CNI_ERR_IO, NULL, "cannot run the IPAM plugin: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = cni_error(CNI_ERR_IO, NULL, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(op[1], 1);
		setenv("CNI_COMMAND", cmd, 1);
		execl(plugin, plugin, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(op[1]);
	in[0] = op[1] = -1;
	/* A config is small (capped at 1 MiB) and the plugin reads it before it writes: write all,
	 * then read. SIGPIPE is ignored in main(), so a plugin that exits early gives EPIPE. */
	(void)base_write_all(in[1], conf, strlen(conf));
	close(in[1]);
	in[1] = -1;
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *nb;

			if (cap >= CNI_IPAM_OUT_MAX)
				break;
			nb = realloc(out, cap ? cap * 2 : 8192);
			if (!nb)
				break;
			out = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = read(op[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (out)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* Its error object is already CNI's: pass it on when it is one. */
		json_t *e = out ? json_loads(out, 0, NULL) : NULL;

		if (json_is_object(e) && json_is_integer(json_object_get(e, "code"))) {
			print_json(e);
			r = 1;
		} else {
			r = cni_error(CNI_ERR_IO, out, "IPAM plugin '%s' %s failed (status %d)",
				      type, cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		json_decref(e);
		goto out;
	}
	if (len > 0) {
		*ret_out = json_loads(out, 0, &jerr);
		if (!json_is_object(*ret_out)) {
			json_decref(*ret_out);
			*ret_out = NULL;
			r = cni_error(CNI_ERR_DECODE, jerr.text,
				      "IPAM plugin '%s' printed something that is not a CNI result",
				      type);
		}
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	free(conf);
	free(out);
	return r;
}

/* ---- nfpathd --------------------------------------------------------------------------------- */

/* The container's identity and the network's wishes, as nfpathd's container ops take them. */
static json_t *
container_args(const struct cni_conf *c, const struct cni_env *env, json_t *ipam_result)
{
	static const char *const copy[] = {"path",  "vlan",        "spoofchk",
					   "trust", "min_tx_rate", "max_tx_rate"};
	json_t *ct = json_pack("{s:s,s:s,s:s,s:s}", "id", env->container_id, "ifname", env->ifname,
			       "network", c->name, "nic", c->nic);

	if (!ct)
		return NULL;
	if (env->netns && *env->netns)
		json_object_set_new(ct, "netns", json_string(env->netns));
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		json_t *v = json_object_get(c->root, copy[i]);

		if (v)
			json_object_set(ct, copy[i], v);
	}
	if (ipam_result) {
		const char *keys[] = {"ips", "routes", "dns"};

		for (size_t i = 0; i < 3; i++) {
			json_t *v = json_object_get(ipam_result, keys[i]);

			if (v)
				json_object_set(ct, keys[i], v);
		}
	}
	return json_pack("{s:o}", "container", ct);
}

/*
 * One request to nfpathd. Returns 0 with *ret_result, or the exit status after printing the
 * CNI error (try again later when nfpathd is not there: the runtime retries DEL).
 */
static int
ask_nfpathd(const struct cni_conf *c, const char *op, json_t *args, json_t **ret_result)
{
	json_t *reply = NULL, *e;
	char err[512];
	int r;

	*ret_result = NULL;
	r = agent_ctl_call(c->socket, op, args, CNI_TIMEOUT_MS, &reply, err, sizeof(err));
	if (r < 0)
		return cni_error(CNI_ERR_AGAIN, err,
				 "nfpathd is not answering on '%s'; try again later (is nfpathd "
				 "running? systemctl status nfpathd)",
				 c->socket);
	if (json_is_true(json_object_get(reply, "ok"))) {
		*ret_result = json_incref(json_object_get(reply, "result"));
		json_decref(reply);
		return 0;
	}
	e = json_object_get(reply, "error");
	{
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		int code = CNI_ERR_PLUGIN;

		if (type && strcmp(type, "unknown_op") == 0)
			r = cni_error(CNI_ERR_PLUGIN, msg,
				      "this nfpathd does not serve containers (op '%s' unknown): "
				      "upgrade nfpathd to the version of nfpath-cni",
				      op);
		else if (type && strcmp(type, "unknown_container") == 0)
			r = cni_error(CNI_ERR_UNKNOWN, msg, "nfpathd: %s", msg ? msg : "unknown");
		else {
			if (type && strcmp(type, "permission_denied") == 0)
				code = CNI_ERR_IO;
			else if (type && strcmp(type, "bad_request") == 0)
				code = CNI_ERR_CONFIG;
			r = cni_error(code, type, "nfpathd: %s", msg ? msg : "request failed");
		}
	}
	json_decref(reply);
	return r;
}

/* ---- the result ------------------------------------------------------------------------------ */

/*
 * The ADD result: the interface nfpathd placed (which path and why under "nfpath"), the
 * addresses IPAM gave it, in the config's result version.
 */
static json_t *
make_result(const struct cni_conf *c, const struct cni_env *env, json_t *placed, json_t *ipam)
{
	json_t *res = json_pack("{s:s,s:[],s:[]}", "cniVersion", c->version, "interfaces", "ips");
	json_t *itf, *ips, *v;
	json_t *got = json_object_get(placed, "interface");
	size_t i;

	if (!res)
		return NULL;
	itf = json_pack("{s:s,s:s}", "name", env->ifname, "sandbox", env->netns ? env->netns : "");
	v = json_object_get(got, "mac");
	if (json_is_string(v))
		json_object_set(itf, "mac", v);
	v = json_object_get(placed, "pci");
	if (json_is_string(v) && is_v1(c->version))
		json_object_set(itf, "pciID", v);
	json_object_set_new(itf, "nfpath",
			    json_pack("{s:O?,s:O?,s:O?}", "path", json_object_get(placed, "place"),
				      "reason", json_object_get(placed, "reason"), "workload",
				      json_object_get(placed, "workload")));
	json_array_append_new(json_object_get(res, "interfaces"), itf);
	ips = json_object_get(ipam, "ips");
	json_array_foreach(ips, i, v)
	{
		json_t *ip = json_deep_copy(v);
		const char *addr = json_string_value(json_object_get(ip, "address"));

		if (!ip)
			continue;
		json_object_set_new(ip, "interface", json_integer(0));
		if (is_v1(c->version))
			json_object_del(ip, "version");
		else if (addr)
			json_object_set_new(ip, "version",
					    json_string(strchr(addr, ':') ? "6" : "4"));
		json_array_append_new(json_object_get(res, "ips"), ip);
	}
	v = json_object_get(ipam, "routes");
	if (v)
		json_object_set(res, "routes", v);
	v = json_object_get(ipam, "dns");
	if (v)
		json_object_set(res, "dns", v);
	return res;
}

/* ---- the commands ---------------------------------------------------------------------------- */

static int
cmd_add(const struct cni_conf *c, const struct cni_env *env)
{
	json_t *ipam = NULL, *args = NULL, *placed = NULL, *res = NULL, *ignored = NULL;
	int r;

	if (c->ipam) {
		r = run_ipam(c, env, "ADD", &ipam);
		if (r)
			return r;
	}
	args = container_args(c, env, ipam);
	r = args ? ask_nfpathd(c, "container_add", args, &placed)
		 : cni_error(CNI_ERR_IO, NULL, "out of memory");
	if (r) {
		/* Give the address back: nothing of a failed ADD is left behind. */
		if (c->ipam) {
			int saved = dup(1), devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

			/* Its own output would be a second JSON object on stdout. */
			fflush(stdout);
			if (devnull >= 0)
				dup2(devnull, 1);
			run_ipam(c, env, "DEL", &ignored);
			fflush(stdout);
			if (saved >= 0) {
				dup2(saved, 1);
				close(saved);
			}
			if (devnull >= 0)
				close(devnull);
			json_decref(ignored);
		}
		goto out;
	}
	res = make_result(c, env, placed, ipam);
	r = res ? print_json(res) : cni_error(CNI_ERR_IO, NULL, "out of memory");
out:
	json_decref(ipam);
	json_decref(args);
	json_decref(placed);
	json_decref(res);
	return r;
}

static int
cmd_del(const struct cni_conf *c, const struct cni_env *env)
{
	json_t *args = container_args(c, env, NULL), *done = NULL, *ipam = NULL;
	int r;

	/* nfpathd first: if it is down, DEL fails with 'try again later' and the runtime retries;
	 * the address stays reserved until then, so it is never given to two containers. */
	r = args ? ask_nfpathd(c, "container_del", args, &done)
		 : cni_error(CNI_ERR_IO, NULL, "out of memory");
	if (r == 0 && c->ipam)
		r = run_ipam(c, env, "DEL", &ipam);
	json_decref(args);
	json_decref(done);
	json_decref(ipam);
	return r;
}

static int
cmd_check(const struct cni_conf *c, const struct cni_env *env)
{
	json_t *args = container_args(c, env, NULL), *ok = NULL, *ipam = NULL;
	int r;

	if (version_index(c->version) < version_index("0.4.0")) {
		r = cni_error(CNI_ERR_VERSION, c->version, "CHECK needs cniVersion 0.4.0 or later");
		goto out;
	}
	if (!json_is_object(json_object_get(c->root, "prevResult"))) {
		r = cni_error(
			CNI_ERR_CONFIG, NULL,
			"prevResult: CHECK needs the result of the ADD (the runtime passes it)");
		goto out;
	}
	r = args ? ask_nfpathd(c, "container_check", args, &ok)
		 : cni_error(CNI_ERR_IO, NULL, "out of memory");
	if (r == 0 && c->ipam)
		r = run_ipam(c, env, "CHECK", &ipam);
out:
	json_decref(args);
	json_decref(ok);
	json_decref(ipam);
	return r;
}

static int
read_config(struct cni_conf *c)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	json_error_t jerr;

	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *nb;

			if (cap >= CNI_CONFIG_MAX) {
				free(text);
				return cni_error(CNI_ERR_DECODE, NULL,
						 "the network config on stdin is over 1 MiB");
			}
			nb = realloc(text, cap ? cap * 2 : 8192);
			if (!nb) {
				free(text);
				return cni_error(CNI_ERR_IO, NULL, "out of memory");
			}
			text = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = read(0, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(text);
			return cni_error(CNI_ERR_IO, NULL, "reading stdin: %s", strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!c->root) {
		char where[64];

		snprintf(where, sizeof(where), "line %d, column %d", jerr.line, jerr.column);
		return cni_error(CNI_ERR_DECODE, where, "the network config is not valid JSON: %s",
				 jerr.text);
	}
	return conf_check(c);
}

int
main(int argc, char **argv)
{
	struct cni_env env = {0};
	struct cni_conf conf = {0};
	int r;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("nfpath-cni: a CNI plugin, run by a container runtime with CNI_COMMAND=ADD, "
		       "DEL, CHECK or VERSION and the network config on stdin (see nfpath-cni(8))\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	env.command = getenv("CNI_COMMAND");
	if (!env.command || !*env.command)
		return cni_error(CNI_ERR_ENV, NULL,
				 "CNI_COMMAND is not set: this is a CNI plugin, run by a container "
				 "runtime (see nfpath-cni(8))");
	if (strcmp(env.command, "VERSION") == 0)
		return cmd_version();
	if (strcmp(env.command, "ADD") && strcmp(env.command, "DEL") &&
	    strcmp(env.command, "CHECK"))
		return cni_error(CNI_ERR_ENV, env.command,
				 "CNI_COMMAND must be ADD, DEL, CHECK or VERSION");
	r = read_config(&conf);
	if (r == 0)
		r = read_env(&env, strcmp(env.command, "DEL") != 0);
	if (r == 0) {
		if (strcmp(env.command, "ADD") == 0)
			r = cmd_add(&conf, &env);
		else if (strcmp(env.command, "DEL") == 0)
			r = cmd_del(&conf, &env);
		else
			r = cmd_check(&conf, &env);
	}
	json_decref(conf.root);
	fflush(stdout);
	return r ? 1 : 0;
}
