// SPDX-License-Identifier: BSD-3-Clause
/*
 * dp-steer-check: nfpath-dp's rte_flow MAC steering on a real kernel, run inside the kernel-lab
 * guest (Debian's 6.1 kernel), where DPDK's net_tap really creates `ETH dst -> QUEUE` as a TC
 * flower rule with skbedit on the tap's multiq qdisc. It starts nfpath-dp itself (--no-huge,
 * one forwarding lcore) on a net_tap uplink with 4 RX queues and a second net_tap as the chains'
 * egress port, drives the control socket (SOCK_SEQPACKET, one JSON object per message, the
 * protocol of ../../../datapath/README.md), sends frames into the uplink from the kernel side
 * (AF_PACKET on the tap, which the tap hands to nfpath-dp's RX queues) and checks both the
 * kernel (`tc -s filter show`: the rules, their queue and hit counters) and nfpath-dp's
 * counters. TAP output; exit 0 when every check passed, 1 otherwise, 2 on a usage error.
 *
 *   dp-steer-check [--dp PATH] [--phases LIST] [--netdevsim-pf X --nvme-pf Y (ignored)]
 *
 * Phases (default all, in this order; "nomultiq" must run before sch_multiq is loaded):
 *   nomultiq  kernel without sch_multiq (module autoloading off): every MAC falls back to the
 *             software classifier with a reason naming sch_multiq, and traffic still flows
 *   steer     N MACs -> N flower rules on N queues, 100% of each MAC's frames on its queue,
 *             hardware_steered, no software lookup; delivered byte for byte; the surplus MACs
 *             fall back with "no free RX queue"
 *   foreign   frames of other MACs (known to the classifier, and unknown) put on every queue
 *             by test-owned TC rules: never taken for the queue's chain
 *   life      flow_del, re-pointing a MAC, a new MAC taking the freed queue, port removal
 *             (vhost_add/vhost_del) and SIGTERM each remove exactly their rules
 *   remote    net_tap remote=: rules that outlive a kill -9 are flushed by the restart
 *
 * Built twice (meson.build): dp-steer-check runs nfpath-dp; dp-steer-check-wrong-queue runs the
 * nfpath-dp built with DP_FAULT_WRONG_QUEUE (its rules steer to the next queue) through the
 * steer phase and passes only if that phase FAILS on the queue checks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#ifndef STEER_DP_PATH
#define STEER_DP_PATH ""
#endif

#define TC       "/usr/sbin/tc"
#define IP       "/usr/bin/ip"
#define UPLINK   "steer0"
#define EGRESS   "steerout"
#define REMOTE   "steerr0"
#define REMOTE_P "steerr1"
#define SOCK     "/tmp/steer-dp.sock"
#define NQ       4 /* RX queues of the uplink: 0 default, 1-3 for rules */
#define FRAME    128
#define MAXF     1024

static unsigned int n_tests, n_failed, n_queue_failed;
static const char *dp_path = STEER_DP_PATH;
static pid_t dp_pid = -1;
static unsigned int dp_runs;

static bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond) {
		n_failed++;
	}
	printf("%sok %u - ", cond ? "" : "not ", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* A queue check: the wrong-queue build must fail at least one of these. */
static bool ok_q(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
ok_q(bool cond, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!cond) {
		n_queue_failed++;
	}
	return ok(cond, "%s", buf);
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Runs a shell command; returns its exit code (-1 when it did not exit). */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The output of a shell command (stdout and stderr), NUL-terminated, in a static buffer. */
static const char *capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
capture(const char *fmt, ...)
{
	static char out[65536];
	char cmd[1024];
	size_t n = 0;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p) {
		return out;
	}
	while (n < sizeof(out) - 1) {
		size_t r = fread(out + n, 1, sizeof(out) - 1 - n, p);

		if (r == 0) {
			break;
		}
		n += r;
	}
	out[n] = '\0';
	pclose(p);
	return out;
}

static bool
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool r;

	if (!f) {
		return false;
	}
	r = fputs(text, f) >= 0;
	return fclose(f) == 0 && r;
}

/* Shows a command's output as TAP comments. */
static void
dump(const char *cmd)
{
	const char *out = capture("%s", cmd);
	char *copy = strdup(out), *save = NULL;

	diag("$ %s", cmd);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		diag("  %s", l);
	}
	free(copy);
}

/* --- TC rules as the kernel shows them ------------------------------------------------------ */

struct tc_rule {
	char mac[18];  /* dst_mac, lower case */
	int queue;     /* skbedit queue_mapping, -1 when none */
	long pkts;     /* the first action's "Sent ... pkt" */
	char pref[16]; /* the filter's pref */
};

/*
 * Parses `tc -s filter show dev DEV WHERE` into flower rules with a dst_mac. A filter starts at
 * a line "filter ... handle ..."; its dst_mac, skbedit queue_mapping and first "Sent X bytes Y
 * pkt" follow on its own lines.
 */
static int
tc_rules(const char *dev, const char *where, struct tc_rule *rules, int max)
{
	const char *out = capture(TC " -s filter show dev %s %s", dev, where);
	char *copy = strdup(out), *save = NULL, *line;
	int n = 0;
	struct tc_rule *cur = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *s;

		if (strncmp(line, "filter ", 7) == 0) {
			cur = NULL;
			if (strstr(line, " handle ") && n < max) {
				cur = &rules[n++];
				memset(cur, 0, sizeof(*cur));
				cur->queue = -1;
				cur->pkts = -1;
				s = strstr(line, " pref ");
				if (s) {
					sscanf(s, " pref %15s", cur->pref);
				}
			}
			continue;
		}
		if (!cur) {
			continue;
		}
		if ((s = strstr(line, "dst_mac ")) != NULL) {
			sscanf(s, "dst_mac %17s", cur->mac);
			for (char *c = cur->mac; *c; c++) {
				if (*c >= 'A' && *c <= 'F') {
					*c = (char)(*c - 'A' + 'a');
				}
			}
		} else if ((s = strstr(line, "queue_mapping ")) != NULL) {
			sscanf(s, "queue_mapping %d", &cur->queue);
		} else if ((s = strstr(line, "Sent ")) != NULL && cur->pkts < 0) {
			long bytes;

			sscanf(s, "Sent %ld bytes %ld pkt", &bytes, &cur->pkts);
		}
	}
	free(copy);
	/* Keep only rules with a MAC. */
	int k = 0;

	for (int i = 0; i < n; i++) {
		if (rules[i].mac[0]) {
			rules[k++] = rules[i];
		}
	}
	return k;
}

static const struct tc_rule *
rule_of(const struct tc_rule *r, int n, const char *mac)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(r[i].mac, mac) == 0) {
			return &r[i];
		}
	}
	return NULL;
}

static int
rules_matching(const struct tc_rule *r, int n, const char *mac)
{
	int c = 0;

	for (int i = 0; i < n; i++) {
		c += strcmp(r[i].mac, mac) == 0;
	}
	return c;
}

/* --- nfpath-dp and its control socket -------------------------------------------------------- */

static int ctl_fd = -1;
static int next_id = 1;

static void
ctl_close(void)
{
	if (ctl_fd >= 0) {
		close(ctl_fd);
	}
	ctl_fd = -1;
}

static bool
ctl_connect(double timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	double end = now_s() + timeout_s;

	memcpy(sa.sun_path, SOCK, sizeof(SOCK));
	while (now_s() < end) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			ctl_fd = fd;
			return true;
		}
		if (fd >= 0) {
			close(fd);
		}
		if (dp_pid > 0 && waitpid(dp_pid, NULL, WNOHANG) == dp_pid) {
			dp_pid = -1;
			return false;
		}
		sleep_ms(100);
	}
	return false;
}

/* One request; returns the whole reply (caller decrefs) or NULL on a transport failure. */
static json_t *
ctl_req(const char *op, const char *fmt, ...)
{
	static char buf[65537];
	json_t *req, *args = NULL, *reply;
	char *text;
	ssize_t n;
	struct pollfd p;
	va_list ap;

	if (ctl_fd < 0) {
		return NULL;
	}
	if (fmt) {
		json_error_t je;

		va_start(ap, fmt);
		args = json_vpack_ex(&je, 0, fmt, ap);
		va_end(ap);
		if (!args) {
			diag("bad request arguments for %s: %s", op, je.text);
			return NULL;
		}
	}
	req = json_pack("{s:i, s:i, s:s}", "v", 1, "id", next_id++, "op", op);
	if (args) {
		json_object_update(req, args);
		json_decref(args);
	}
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	n = send(ctl_fd, text, strlen(text), MSG_NOSIGNAL);
	free(text);
	if (n < 0) {
		return NULL;
	}
	p.fd = ctl_fd;
	p.events = POLLIN;
	if (poll(&p, 1, 30000) != 1) {
		diag("no reply to %s within 30 s", op);
		return NULL;
	}
	n = recv(ctl_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		return NULL;
	}
	buf[n] = '\0';
	reply = json_loads(buf, 0, NULL);
	return reply;
}

/* The result of a request that must succeed (NULL otherwise, with a diagnostic). */
static json_t *
ctl_ok(json_t *reply, const char *what)
{
	json_t *r;

	if (!reply) {
		diag("%s: no reply", what);
		return NULL;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		char *t = json_dumps(reply, JSON_COMPACT);

		diag("%s: %s", what, t);
		free(t);
		json_decref(reply);
		return NULL;
	}
	r = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	return r;
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long
jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Starts nfpath-dp on the uplink (with 'uplink_extra' devargs) and the egress tap. */
static bool
dp_start(const char *uplink_extra)
{
	char uplink[256], log[64];
	pid_t pid;

	snprintf(uplink, sizeof(uplink), "net_tap0,iface=" UPLINK "%s", uplink_extra);
	snprintf(log, sizeof(log), "/tmp/steer-dp-%u.log", ++dp_runs);
	unlink(SOCK);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(dp_path, dp_path, "--no-huge", "--file-prefix", "steer", "--lcores",
		      "0@0,1@1", "-p", uplink, "-p", "net_tap1,iface=" EGRESS, "-q", "4", "--rxd",
		      "256", "--mbufs", "8192", "--idle-sleep", "50", "-s", SOCK, "--", "-m", "256",
		      (char *)NULL);
		_exit(127);
	}
	dp_pid = pid;
	if (!ctl_connect(90)) {
		diag("nfpath-dp (%s) did not open its socket; its log %s:", dp_path, log);
		sh("cat %s", log);
		return false;
	}
	/* Both taps up (net_tap brings them up at start). */
	sh(IP " link set " UPLINK " up 2>/dev/null; " IP " link set " EGRESS " up 2>/dev/null");
	return true;
}

/* Sends 'sig' and waits for the exit; returns the exit status as waitpid gives it, or -1. */
static int
dp_stop(int sig)
{
	double end = now_s() + 30;
	int st = -1;

	ctl_close();
	if (dp_pid <= 0) {
		return -1;
	}
	kill(dp_pid, sig);
	while (now_s() < end) {
		if (waitpid(dp_pid, &st, WNOHANG) == dp_pid) {
			dp_pid = -1;
			return st;
		}
		sleep_ms(50);
	}
	kill(dp_pid, SIGKILL);
	waitpid(dp_pid, &st, 0);
	dp_pid = -1;
	return -1;
}

static json_t *
flow_add(const char *mac, int chain)
{
	return ctl_ok(ctl_req("flow_add", "{s:s, s:i}", "mac", mac, "chain", chain), "flow_add");
}

static bool
chains_to_egress(int from, int to)
{
	bool good = true;

	for (int c = from; c <= to; c++) {
		json_t *r = ctl_ok(ctl_req("chain_set", "{s:i, s:[{s:s}]}", "chain", c, "hops",
					   "port", "net_tap1"),
				   "chain_set");

		good &= r != NULL;
		json_decref(r);
	}
	return good;
}

struct dp_counters {
	long long q[NQ];           /* uplink RX per queue */
	long long chain[16];       /* packets per chain */
	long long hw, foreign, sw; /* hardware_steered, hardware_foreign, software_lookups */
	long long unknown;         /* drops.unknown_dst */
	long long egress_tx;       /* tx_pkts of the egress port */
};

static bool
dp_counters(struct dp_counters *c)
{
	json_t *s = ctl_ok(ctl_req("stats", NULL), "stats"), *ports, *chains, *cl;
	size_t i;
	json_t *v;

	memset(c, 0, sizeof(*c));
	if (!s) {
		return false;
	}
	ports = json_object_get(s, "ports");
	json_array_foreach(ports, i, v)
	{
		size_t j;
		json_t *q;

		if (strcmp(jstr(v, "name"), "net_tap0") == 0) {
			json_array_foreach(json_object_get(v, "queues"), j, q)
			{
				if (jint(q, "queue") < NQ) {
					c->q[jint(q, "queue")] = jint(q, "rx_pkts");
				}
			}
		} else if (strcmp(jstr(v, "name"), "net_tap1") == 0) {
			c->egress_tx = jint(v, "tx_pkts");
		}
	}
	chains = json_object_get(s, "chains");
	json_array_foreach(chains, i, v)
	{
		if (jint(v, "chain") < 16) {
			c->chain[jint(v, "chain")] = jint(v, "pkts");
		}
	}
	cl = json_object_get(s, "classifier");
	c->hw = jint(cl, "hardware_steered");
	c->foreign = jint(cl, "hardware_foreign");
	c->sw = jint(cl, "software_lookups");
	c->unknown = jint(json_object_get(s, "drops"), "unknown_dst");
	json_decref(s);
	return true;
}

/* --- frames ------------------------------------------------------------------------------------
 */

static int
parse_mac(const char *s, uint8_t m[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
		return -1;
	}
	for (int i = 0; i < 6; i++) {
		m[i] = (uint8_t)b[i];
	}
	return 0;
}

/* An IPv4/UDP frame to 'dst' carrying (tag, seq); the UDP ports vary with seq so that the
 * kernel's TX hash spreads frames no rule matches over every queue. */
static void
build_frame(uint8_t *f, const char *dst, unsigned int tag, unsigned int seq)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint32_t sum = 0;

	memset(f, 0, FRAME);
	parse_mac(dst, f);
	memcpy(f + 6, (const uint8_t[]){0x02, 0xee, 0, 0, 0, 0x01}, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = (FRAME - 14) >> 8;
	ip[3] = (FRAME - 14) & 0xff;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (const uint8_t[]){10, 99, 0, 1}, 4);
	memcpy(ip + 16, (const uint8_t[]){10, 99, 1, (uint8_t)tag}, 4);
	for (int i = 0; i < 20; i += 2) {
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)(~sum & 0xff);
	udp[0] = (uint8_t)((1024 + seq * 7) >> 8);
	udp[1] = (uint8_t)((1024 + seq * 7) & 0xff);
	udp[2] = 0x4e;
	udp[3] = (uint8_t)(0x20 + (tag & 0x3f));
	udp[4] = (FRAME - 34) >> 8;
	udp[5] = (FRAME - 34) & 0xff;
	/* Payload: magic, tag, seq, then a pattern of both. */
	memcpy(udp + 8, "NFPS", 4);
	udp[12] = (uint8_t)tag;
	udp[13] = (uint8_t)(seq >> 8);
	udp[14] = (uint8_t)seq;
	for (int i = 15 + 42; i < FRAME; i++) {
		f[i] = (uint8_t)(tag * 31 + seq * 7 + i);
	}
}

static int
raw_socket(const char *ifname)
{
	struct sockaddr_ll sa = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), bufsz = 4 << 20;

	if (fd < 0) {
		return -1;
	}
	sa.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sa.sll_ifindex || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));
	return fd;
}

/* What one batch sends and where it must come out. */
struct batch {
	struct {
		const char *mac;
		unsigned int tag;
		unsigned int count;
		bool delivered; /* must come out of the egress tap */
	} m[16];
	int n;
};

static unsigned int
batch_total(const struct batch *b, bool delivered_only)
{
	unsigned int t = 0;

	for (int i = 0; i < b->n; i++) {
		t += !delivered_only || b->m[i].delivered ? b->m[i].count : 0;
	}
	return t;
}

/*
 * Sends the batch into the uplink from the kernel side (paced: 8 frames, then 1 ms) and
 * captures what leaves the egress tap. Returns the number of delivered frames that came out
 * byte for byte; '*bad' counts frames that came out but were not expected (or twice, or
 * changed).
 */
static unsigned int
send_and_capture(const struct batch *b, unsigned int *bad)
{
	static uint8_t seen[16][MAXF];
	uint8_t f[FRAME], rx[2048];
	int tx = raw_socket(UPLINK), cap = raw_socket(EGRESS);
	unsigned int want = batch_total(b, true), got = 0, sent = 0;
	double end;

	*bad = 0;
	memset(seen, 0, sizeof(seen));
	if (tx < 0 || cap < 0) {
		diag("AF_PACKET sockets on %s/%s: %s", UPLINK, EGRESS, strerror(errno));
		if (tx >= 0) {
			close(tx);
		}
		if (cap >= 0) {
			close(cap);
		}
		return 0;
	}
	/* Interleave the MACs so that every queue sees traffic at once. */
	for (unsigned int seq = 0;; seq++) {
		bool any = false;

		for (int i = 0; i < b->n; i++) {
			if (seq >= b->m[i].count) {
				continue;
			}
			any = true;
			build_frame(f, b->m[i].mac, b->m[i].tag, seq);
			if (send(tx, f, FRAME, 0) != FRAME) {
				diag("send on %s: %s", UPLINK, strerror(errno));
			}
			if (++sent % 8 == 0) {
				sleep_ms(1);
			}
		}
		if (!any) {
			break;
		}
	}
	end = now_s() + 10;
	while (got + *bad < want && now_s() < end) {
		struct pollfd p = {.fd = cap, .events = POLLIN};
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;
		unsigned int tag, seq;
		int idx = -1;

		if (poll(&p, 1, 200) != 1) {
			continue;
		}
		n = recvfrom(cap, rx, sizeof(rx), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) {
			continue;
		}
		if (n != FRAME || memcmp(rx + 42, "NFPS", 4) != 0) {
			(*bad)++;
			continue;
		}
		tag = rx[46];
		seq = (unsigned int)(rx[47] << 8 | rx[48]);
		for (int i = 0; i < b->n; i++) {
			if (b->m[i].tag == tag && b->m[i].delivered && seq < b->m[i].count) {
				idx = i;
			}
		}
		build_frame(f, idx >= 0 ? b->m[idx].mac : "00:00:00:00:00:00", tag, seq);
		if (idx < 0 || seq >= MAXF || seen[idx][seq] || memcmp(rx, f, FRAME) != 0) {
			(*bad)++;
			continue;
		}
		seen[idx][seq] = 1;
		got++;
	}
	/* Anything late or extra. */
	sleep_ms(300);
	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n =
			recvfrom(cap, rx, sizeof(rx), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

		if (n <= 0) {
			break;
		}
		if (from.sll_pkttype != PACKET_OUTGOING) {
			(*bad)++;
		}
	}
	close(tx);
	close(cap);
	return got;
}

/* Waits until nfpath-dp has counted 'n' more RX frames on the uplink than in 'before'. */
static void
wait_rx(const struct dp_counters *before, long long n, struct dp_counters *after)
{
	double end = now_s() + 10;

	for (;;) {
		long long d = 0;

		dp_counters(after);
		for (int q = 0; q < NQ; q++) {
			d += after->q[q] - before->q[q];
		}
		if (d >= n || now_s() >= end) {
			return;
		}
		sleep_ms(100);
	}
}

/* --- the phases ----------------------------------------------------------------------------------
 */

static const char *const MACS[] = {
	"02:5a:00:00:00:01", "02:5a:00:00:00:02", "02:5a:00:00:00:03",
	"02:5a:00:00:00:04", "02:5a:00:00:00:05", "02:5a:00:00:00:06",
	"02:5a:00:00:00:07", "02:5a:00:00:00:08", "02:5a:00:00:00:09",
};
static const char *const UNKNOWN[] = {"02:5b:00:00:00:00", "02:5b:00:00:00:01", "02:5b:00:00:00:02",
				      "02:5b:00:00:00:03"};

static void
phase_nomultiq(void)
{
	char saved[256] = "/sbin/modprobe\n";
	const char *out;
	struct dp_counters c0, c1;
	struct batch b = {.n = 1};
	unsigned int bad, got;
	FILE *f;

	diag("phase nomultiq: a kernel without sch_multiq (autoloading off, the module not loaded)");
	if (access("/sys/module/sch_multiq", F_OK) == 0) {
		ok(false, "nomultiq: sch_multiq is already loaded: this phase must run first");
		return;
	}
	f = fopen("/proc/sys/kernel/modprobe", "r");
	if (f) {
		if (!fgets(saved, sizeof(saved), f)) {
			snprintf(saved, sizeof(saved), "/sbin/modprobe\n");
		}
		fclose(f);
	}
	ok(write_file("/proc/sys/kernel/modprobe", "/bin/false\n"),
	   "nomultiq: module autoloading off (kernel.modprobe = /bin/false)");
	if (!dp_start("")) {
		ok(false, "nomultiq: nfpath-dp starts on net_tap without sch_multiq");
		goto out;
	}
	ok(true, "nomultiq: nfpath-dp starts on net_tap without sch_multiq");
	out = capture(TC " qdisc show dev " UPLINK);
	ok(strstr(out, "multiq") == NULL, "nomultiq: the tap has no multiq qdisc (tc: %.80s)", out);
	chains_to_egress(1, 2);
	for (int i = 0; i < 2; i++) {
		json_t *r = flow_add(MACS[i], i + 1);
		const char *reason = jstr(r, "reason");

		ok(r && strcmp(jstr(r, "path"), "software") == 0 && strstr(reason, "sch_multiq"),
		   "nomultiq: flow_add %s falls back to software, the reason names sch_multiq: %s",
		   MACS[i], reason);
		json_decref(r);
	}
	ok(tc_rules(UPLINK, "parent 1:", (struct tc_rule[8]){0}, 8) == 0,
	   "nomultiq: no flower rule on the tap");
	dp_counters(&c0);
	b.m[0].mac = MACS[0];
	b.m[0].tag = 1;
	b.m[0].count = 64;
	b.m[0].delivered = true;
	got = send_and_capture(&b, &bad);
	wait_rx(&c0, 64, &c1);
	ok(got == 64 && bad == 0,
	   "nomultiq: traffic still flows: %u/64 frames out of the egress tap byte for byte, %u "
	   "unexpected",
	   got, bad);
	ok(c1.sw - c0.sw == 64 && c1.hw - c0.hw == 0 && c1.chain[1] - c0.chain[1] == 64,
	   "nomultiq: all 64 looked up in software (%lld), none hardware-steered (%lld), chain 1 "
	   "counted %lld",
	   c1.sw - c0.sw, c1.hw - c0.hw, c1.chain[1] - c0.chain[1]);
	ok(dp_stop(SIGTERM) == 0, "nomultiq: nfpath-dp exits 0 on SIGTERM");
out:
	write_file("/proc/sys/kernel/modprobe", saved);
	ok(sh("modprobe sch_multiq") == 0 && access("/sys/module/sch_multiq", F_OK) == 0,
	   "nomultiq: autoloading restored, sch_multiq loaded for the other phases");
}

/* The queues flow_add gave MACS[0..2] in the steer phase (the life phase uses them). */
static int steer_queue[3];

static void
phase_steer(void)
{
	struct tc_rule rules[32];
	struct dp_counters c0, c1;
	struct batch b = {.n = 3};
	unsigned int bad, got;
	bool distinct;
	int n;

	diag("phase steer: 3 MACs -> 3 flower rules on queues 1-3, the surplus in software");
	if (!dp_start("")) {
		ok(false, "steer: nfpath-dp starts on a 4-queue net_tap");
		return;
	}
	chains_to_egress(1, 9);
	for (int i = 0; i < 3; i++) {
		json_t *r = flow_add(MACS[i], i + 1);

		steer_queue[i] = r ? (int)jint(r, "queue") : -1;
		ok(r && strcmp(jstr(r, "path"), "hardware") == 0 && steer_queue[i] >= 1 &&
			   steer_queue[i] < NQ,
		   "steer: flow_add %s chain %d -> hardware, queue %d", MACS[i], i + 1,
		   steer_queue[i]);
		json_decref(r);
	}
	distinct = steer_queue[0] != steer_queue[1] && steer_queue[1] != steer_queue[2] &&
		   steer_queue[0] != steer_queue[2];
	ok(distinct, "steer: each MAC has a queue of its own (%d, %d, %d)", steer_queue[0],
	   steer_queue[1], steer_queue[2]);
	/* More MACs than queues: the surplus falls back, each with its reason. */
	for (int i = 3; i < 7; i++) {
		json_t *r = flow_add(MACS[i], i + 1);

		ok(r && strcmp(jstr(r, "path"), "software") == 0 &&
			   strstr(jstr(r, "reason"), "no free RX queue"),
		   "steer: surplus flow_add %s -> software: %s", MACS[i], jstr(r, "reason"));
		json_decref(r);
	}
	dump(TC " -s filter show dev " UPLINK " parent 1:");
	n = tc_rules(UPLINK, "parent 1:", rules, 32);
	ok(n == 3, "steer: the kernel shows exactly 3 flower rules on %s (found %d)", UPLINK, n);
	for (int i = 0; i < 3; i++) {
		const struct tc_rule *r = rule_of(rules, n, MACS[i]);

		ok_q(r && r->queue == steer_queue[i],
		     "steer: the kernel's rule for %s steers to queue %d (skbedit queue_mapping %d)",
		     MACS[i], steer_queue[i], r ? r->queue : -1);
	}
	/* Each MAC's frames, alone (no other traffic), must land 100% on its queue. */
	dp_counters(&c0);
	for (int i = 0; i < 3; i++) {
		b.m[i].mac = MACS[i];
		b.m[i].tag = (unsigned int)i + 1;
		b.m[i].count = 100;
		b.m[i].delivered = true;
	}
	got = send_and_capture(&b, &bad);
	wait_rx(&c0, 300, &c1);
	for (int i = 0; i < 3; i++) {
		int q = steer_queue[i];

		ok_q(q >= 1 && q < NQ && c1.q[q] - c0.q[q] == 100,
		     "steer: queue %d received %lld of %s's 100 frames", q,
		     q >= 1 && q < NQ ? c1.q[q] - c0.q[q] : -1, MACS[i]);
		ok(c1.chain[i + 1] - c0.chain[i + 1] == 100, "steer: chain %d counted %lld of 100",
		   i + 1, c1.chain[i + 1] - c0.chain[i + 1]);
	}
	ok_q(c1.q[0] - c0.q[0] == 0, "steer: queue 0 received none of them (%lld)",
	     c1.q[0] - c0.q[0]);
	ok_q(c1.hw - c0.hw == 300 && c1.sw - c0.sw == 0 && c1.foreign - c0.foreign == 0,
	     "steer: 300 counted hardware_steered (%lld), no software lookup (%lld), none "
	     "foreign (%lld)",
	     c1.hw - c0.hw, c1.sw - c0.sw, c1.foreign - c0.foreign);
	ok(got == 300 && bad == 0,
	   "steer: %u/300 frames out of the egress tap byte for byte, %u unexpected", got, bad);
	n = tc_rules(UPLINK, "parent 1:", rules, 32);
	for (int i = 0; i < 3; i++) {
		const struct tc_rule *r = rule_of(rules, n, MACS[i]);

		ok(r && r->pkts == 100,
		   "steer: the kernel counted %ld hits on %s's rule (100 sent)", r ? r->pkts : -1,
		   MACS[i]);
	}
}

static void
phase_foreign(void)
{
	struct tc_rule rules[32];
	struct dp_counters c0, c1;
	struct batch b = {.n = 0};
	unsigned int bad, got;
	long long foreign_q = 0;
	bool rules_ok = true;
	int n;

	diag("phase foreign: frames of other MACs put on every queue by test-owned TC rules");
	if (dp_pid <= 0) {
		ok(false, "foreign: needs the steer phase's nfpath-dp");
		return;
	}
	/* On queue q: MACS[3 + q] (a software flow of chain 4 + q) and UNKNOWN[q] (no flow). */
	for (int q = 0; q < NQ; q++) {
		rules_ok &=
			sh(TC " filter add dev " UPLINK " parent 1: pref 900 protocol all flower "
			      "dst_mac %s action skbedit queue_mapping %d",
			   MACS[3 + q], q) == 0;
		rules_ok &=
			sh(TC " filter add dev " UPLINK " parent 1: pref 900 protocol all flower "
			      "dst_mac %s action skbedit queue_mapping %d",
			   UNKNOWN[q], q) == 0;
		b.m[b.n].mac = MACS[3 + q];
		b.m[b.n].tag = 4 + (unsigned int)q;
		b.m[b.n].count = 32;
		b.m[b.n++].delivered = true;
		b.m[b.n].mac = UNKNOWN[q];
		b.m[b.n].tag = 20 + (unsigned int)q;
		b.m[b.n].count = 32;
		b.m[b.n++].delivered = false;
	}
	ok(rules_ok,
	   "foreign: 8 test rules (pref 900) put a known and an unknown MAC on each queue");
	dp_counters(&c0);
	got = send_and_capture(&b, &bad);
	wait_rx(&c0, 256, &c1);
	for (int q = 0; q < NQ; q++) {
		ok(c1.q[q] - c0.q[q] == 64, "foreign: queue %d received its 64 frames (%lld)", q,
		   c1.q[q] - c0.q[q]);
		ok(c1.chain[4 + q] - c0.chain[4 + q] == 32,
		   "foreign: the 32 frames of %s that arrived on queue %d reached their own chain %d "
		   "(%lld)",
		   MACS[3 + q], q, 4 + q, c1.chain[4 + q] - c0.chain[4 + q]);
		if (q > 0) {
			foreign_q += 64;
		}
	}
	for (int i = 0; i < 3; i++) {
		ok(c1.chain[i + 1] - c0.chain[i + 1] == 0,
		   "foreign: chain %d (owner of queue %d) took none of them (%lld)", i + 1,
		   steer_queue[i], c1.chain[i + 1] - c0.chain[i + 1]);
	}
	ok(c1.foreign - c0.foreign == foreign_q && c1.hw - c0.hw == 0,
	   "foreign: %lld counted hardware_foreign (want %lld: both kinds on queues 1-3), none "
	   "hardware_steered (%lld)",
	   c1.foreign - c0.foreign, foreign_q, c1.hw - c0.hw);
	ok(c1.sw - c0.sw == 256 && c1.unknown - c0.unknown == 128,
	   "foreign: all 256 looked up in software (%lld), the 128 unknown dropped as unknown_dst "
	   "(%lld)",
	   c1.sw - c0.sw, c1.unknown - c0.unknown);
	ok(got == 128 && bad == 0,
	   "foreign: the 128 known frames out of the egress tap byte for byte (%u), nothing else "
	   "(%u unexpected)",
	   got, bad);
	n = tc_rules(UPLINK, "parent 1:", rules, 32);
	for (int q = 0; q < NQ; q++) {
		const struct tc_rule *k = rule_of(rules, n, MACS[3 + q]);
		const struct tc_rule *u = rule_of(rules, n, UNKNOWN[q]);

		ok(k && u && k->pkts == 32 && u->pkts == 32 && k->queue == q && u->queue == q,
		   "foreign: the kernel put both kinds on queue %d (hits %ld and %ld)", q,
		   k ? k->pkts : -1, u ? u->pkts : -1);
	}
	ok(sh(TC " filter del dev " UPLINK " parent 1: pref 900") == 0 &&
		   tc_rules(UPLINK, "parent 1:", rules, 32) == 3,
	   "foreign: the test rules removed, nfpath-dp's 3 remain");
}

/* The set of nfpath-dp's rules on the uplink is exactly 'want' (n_want MACs, one rule each). */
static bool
rules_are(const char *where, const char *const *want, int n_want, const char *what)
{
	struct tc_rule rules[32];
	int n = tc_rules(UPLINK, where, rules, 32);
	bool good = n == n_want;
	char list[256] = "";

	for (int i = 0; i < n; i++) {
		strncat(list, rules[i].mac, sizeof(list) - strlen(list) - 2);
		strncat(list, " ", sizeof(list) - strlen(list) - 1);
	}
	for (int i = 0; i < n_want; i++) {
		good &= rules_matching(rules, n, want[i]) == 1;
	}
	return ok(good, "%s: the kernel shows exactly %d rule(s): %s", what, n_want,
		  n ? list : "(none)");
}

static void
phase_life(void)
{
	struct tc_rule rules[32], before[32];
	struct dp_counters c0, c1;
	struct batch b = {.n = 1};
	unsigned int bad, got;
	json_t *r;
	int n, nb;

	diag("phase life: flow_del, re-pointing, a new MAC, port removal, SIGTERM");
	if (dp_pid <= 0) {
		ok(false, "life: needs the steer phase's nfpath-dp");
		return;
	}
	r = ctl_ok(ctl_req("flow_del", "{s:s}", "mac", MACS[0]), "flow_del");
	ok(r != NULL, "life: flow_del %s", MACS[0]);
	json_decref(r);
	rules_are("parent 1:", (const char *const[]){MACS[1], MACS[2]}, 2,
		  "life: after flow_del of the first MAC");

	/* Re-pointing MACS[1] to chain 9: same rule, same queue, the new chain gets its frames. */
	nb = tc_rules(UPLINK, "parent 1:", before, 32);
	r = flow_add(MACS[1], 9);
	ok(r && strcmp(jstr(r, "path"), "hardware") == 0 && jint(r, "queue") == steer_queue[1],
	   "life: flow_add %s chain 9 re-points it: hardware, still queue %lld", MACS[1],
	   r ? jint(r, "queue") : -1);
	json_decref(r);
	n = tc_rules(UPLINK, "parent 1:", rules, 32);
	ok(n == nb && rule_of(rules, n, MACS[1]) && rule_of(before, nb, MACS[1]) &&
		   strcmp(rule_of(rules, n, MACS[1])->pref, rule_of(before, nb, MACS[1])->pref) ==
			   0,
	   "life: re-pointing kept the kernel's rule as it was (%d rules)", n);
	dp_counters(&c0);
	b.m[0].mac = MACS[1];
	b.m[0].tag = 2;
	b.m[0].count = 40;
	b.m[0].delivered = true;
	got = send_and_capture(&b, &bad);
	wait_rx(&c0, 40, &c1);
	ok_q(got == 40 && bad == 0 && c1.chain[9] - c0.chain[9] == 40 &&
		     c1.chain[2] - c0.chain[2] == 0 &&
		     c1.q[steer_queue[1]] - c0.q[steer_queue[1]] == 40,
	     "life: after re-pointing, queue %d's 40 frames went to chain 9 (%lld), not chain 2 "
	     "(%lld), %u out byte for byte",
	     steer_queue[1], c1.chain[9] - c0.chain[9], c1.chain[2] - c0.chain[2], got);

	/* A new MAC takes the queue flow_del freed. */
	r = flow_add(MACS[7], 8);
	ok(r && strcmp(jstr(r, "path"), "hardware") == 0 && jint(r, "queue") == steer_queue[0],
	   "life: a new MAC %s takes the freed queue %d (got %lld)", MACS[7], steer_queue[0],
	   r ? jint(r, "queue") : -1);
	json_decref(r);
	rules_are("parent 1:", (const char *const[]){MACS[1], MACS[2], MACS[7]}, 3,
		  "life: after adding the new MAC");
	dp_counters(&c0);
	b.m[0].mac = MACS[7];
	b.m[0].tag = 8;
	got = send_and_capture(&b, &bad);
	wait_rx(&c0, 40, &c1);
	ok_q(got == 40 && bad == 0 && c1.q[steer_queue[0]] - c0.q[steer_queue[0]] == 40 &&
		     c1.chain[8] - c0.chain[8] == 40 && c1.hw - c0.hw == 40,
	     "life: its 40 frames arrived on queue %d (%lld), hardware-steered to chain 8 (%lld), "
	     "%u out byte for byte",
	     steer_queue[0], c1.q[steer_queue[0]] - c0.q[steer_queue[0]], c1.chain[8] - c0.chain[8],
	     got);

	/* Port removal: a vhost-user port with a flow on it is busy; once free, removing it
	 * leaves the uplink's rules as they are. */
	r = ctl_ok(ctl_req("vhost_add", "{s:s}", "name", "steerv"), "vhost_add");
	ok(r != NULL, "life: vhost_add steerv");
	json_decref(r);
	r = ctl_ok(ctl_req("flow_add", "{s:s, s:i, s:s}", "mac", MACS[8], "chain", 1, "port",
			   "net_vhost_steerv"),
		   "flow_add on the vhost port");
	ok(r && strcmp(jstr(r, "path"), "software") == 0,
	   "life: a flow on the 1-queue vhost port is software: %s", jstr(r, "reason"));
	json_decref(r);
	r = ctl_req("vhost_del", "{s:s}", "name", "steerv");
	ok(r && !json_is_true(json_object_get(r, "ok")) &&
		   strcmp(jstr(json_object_get(r, "error"), "type"), "busy") == 0,
	   "life: vhost_del while a flow uses the port: busy");
	json_decref(r);
	r = ctl_ok(ctl_req("flow_del", "{s:s}", "mac", MACS[8]), "flow_del");
	json_decref(r);
	r = ctl_ok(ctl_req("vhost_del", "{s:s}", "name", "steerv"), "vhost_del");
	ok(r != NULL, "life: vhost_del once the flow is gone");
	json_decref(r);
	rules_are("parent 1:", (const char *const[]){MACS[1], MACS[2], MACS[7]}, 3,
		  "life: after the port's removal");

	/* SIGTERM: a clean exit removes every rule (the tap goes too: check before it does by
	 * looking at the exit status and that no rule of ours is left anywhere). */
	ok(dp_stop(SIGTERM) == 0, "life: nfpath-dp exits 0 on SIGTERM");
	ok(sh(IP " link show " UPLINK " >/dev/null 2>&1") != 0 &&
		   tc_rules(UPLINK, "parent 1:", rules, 32) == 0,
	   "life: after SIGTERM the tap and its rules are gone");
}

/* Rules of ours on the remote interface's ingress. */
static int
remote_rules(const char *const *macs, int n_macs, int *n_ours)
{
	struct tc_rule rules[32];
	int n = tc_rules(REMOTE, "ingress", rules, 32);

	*n_ours = 0;
	for (int i = 0; i < n_macs; i++) {
		*n_ours += rules_matching(rules, n, macs[i]);
	}
	return n;
}

static void
phase_remote(void)
{
	const char *const ours[] = {MACS[0], MACS[1]};
	int n, mine;
	json_t *r;

	diag("phase remote: net_tap remote=" REMOTE ", whose TC rules outlive the process");
	sh(IP " link del " REMOTE " 2>/dev/null");
	if (!ok(sh(IP " link add " REMOTE " type veth peer name " REMOTE_P " && " IP
		      " link set " REMOTE " up && " IP " link set " REMOTE_P " up") == 0,
		"remote: veth " REMOTE "/" REMOTE_P " created")) {
		return;
	}
	if (!ok(dp_start(",remote=" REMOTE), "remote: nfpath-dp starts with remote=" REMOTE)) {
		goto out;
	}
	chains_to_egress(1, 2);
	for (int i = 0; i < 2; i++) {
		r = flow_add(MACS[i], i + 1);
		ok(r && strcmp(jstr(r, "path"), "hardware") == 0, "remote: flow_add %s -> hardware",
		   MACS[i]);
		json_decref(r);
	}
	dump(TC " -s filter show dev " REMOTE " ingress");
	n = remote_rules(ours, 2, &mine);
	ok(mine == 2, "remote: %s's ingress holds a rule for each of the 2 MACs (%d of %d rules)",
	   REMOTE, mine, n);
	/* kill -9: nothing runs nfpath-dp's teardown. */
	dp_stop(SIGKILL);
	n = remote_rules(ours, 2, &mine);
	ok(sh(IP " link show " UPLINK " >/dev/null 2>&1") != 0 && mine == 2,
	   "remote: after kill -9 the tap is gone but its 2 rules stay on %s (stale: %d)", REMOTE,
	   mine);
	/* The restart flushes them (the datapath holds no durable state: the agent replays). */
	if (!ok(dp_start(",remote=" REMOTE), "remote: nfpath-dp restarts")) {
		goto out;
	}
	n = remote_rules(ours, 2, &mine);
	ok(mine == 0, "remote: the restart flushed the stale rules (%d of ours left, %d rules)",
	   mine, n);
	r = ctl_ok(ctl_req("flow_list", NULL), "flow_list");
	ok(r && json_array_size(json_object_get(r, "flows")) == 0,
	   "remote: the restarted nfpath-dp has no flow until told");
	json_decref(r);
	chains_to_egress(1, 1);
	r = flow_add(MACS[0], 1);
	json_decref(r);
	n = remote_rules(ours, 2, &mine);
	ok(mine == 1, "remote: flow_add after the restart makes exactly one rule (%d)", mine);
	ok(dp_stop(SIGTERM) == 0, "remote: nfpath-dp exits 0 on SIGTERM");
	n = remote_rules(ours, 2, &mine);
	ok(mine == 0, "remote: after SIGTERM no rule of ours is left on %s (%d, %d rules)", REMOTE,
	   mine, n);
out:
	dp_stop(SIGKILL);
	sh(IP " link del " REMOTE " 2>/dev/null");
}

static bool
want_phase(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = list; (s = strstr(s, name)) != NULL; s += n) {
		if ((s == list || s[-1] == ',') && (s[n] == '\0' || s[n] == ',')) {
			return true;
		}
	}
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"dp", required_argument, NULL, 'd'},
		{"phases", required_argument, NULL, 'P'},
		{"netdevsim-pf", required_argument, NULL, 'n'},
		{"nvme-pf", required_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
#ifdef STEER_EXPECT_FAULT
	const char *phases = "steer";
#else
	const char *phases = "nomultiq,steer,foreign,life,remote";
#endif
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			dp_path = optarg;
			break;
		case 'P':
			phases = optarg;
			break;
		case 'n':
		case 'v':
			break;
		default:
			fprintf(stderr, "usage: dp-steer-check [--dp PATH] [--phases LIST]\n");
			return 2;
		}
	}
	if (!dp_path[0] || access(dp_path, X_OK) != 0) {
		fprintf(stderr, "dp-steer-check: no nfpath-dp at '%s' (--dp PATH)\n", dp_path);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* EAL's runtime directory; the lab's initramfs has no /var. */
	mkdir("/var", 0755);
	mkdir("/var/run", 0755);
	signal(SIGPIPE, SIG_IGN);
	diag("nfpath-dp: %s; phases: %s", dp_path, phases);
	/* No IPv6 on the taps: the kernel would send its own frames (MLD, router solicitations)
	 * into the uplink and they would land on the queues being counted. */
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1\n");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1\n");
	if (!ok(sh("for m in tun sch_ingress cls_flower act_skbedit act_gact act_mirred veth; do "
		   "modprobe $m || exit 1; done") == 0,
		"TC modules loaded: tun sch_ingress cls_flower act_skbedit act_gact act_mirred veth")) {
		return 1;
	}
	if (want_phase(phases, "nomultiq")) {
		phase_nomultiq();
	} else if (access("/sys/module/sch_multiq", F_OK) != 0) {
		ok(sh("modprobe sch_multiq") == 0, "sch_multiq loaded");
	}
	if (want_phase(phases, "steer")) {
		phase_steer();
	}
	if (want_phase(phases, "foreign")) {
		phase_foreign();
	}
	if (want_phase(phases, "life")) {
		phase_life();
	}
	dp_stop(SIGTERM);
	if (want_phase(phases, "remote")) {
		phase_remote();
	}
	dp_stop(SIGKILL);
	unlink(SOCK);
	printf("1..%u\n", n_tests);
#ifdef STEER_EXPECT_FAULT
	/* The wrong-queue build: the run above must have failed, and on the queue checks. */
	printf("# the wrong-queue nfpath-dp failed %u of %u checks, %u of them queue checks\n",
	       n_failed, n_tests, n_queue_failed);
	if (n_queue_failed == 0) {
		printf("# FAIL: a datapath whose rules steer to the wrong queue passed the queue "
		       "checks: they cannot fail\n");
		return 1;
	}
	printf("# ok: the steering checks catch a rule with the wrong queue index\n");
	return 0;
#else
	return n_failed ? 1 : 0;
#endif
}
