/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfpathd's NF runner: starts the NF processes the policy declares (exec) once their slots
 * exist, supervises them (nf-supervise.h) through pidfds in nfpathd's poll loop, logs their
 * stdout and stderr line by line, stops the ones the policy dropped, and after nfpathd's own
 * restart finds its NFs again (STATE_DIR/nfs.json: pid + start time) instead of starting
 * duplicates.
 *
 * How an NF is run: PROGRAM EAL-ARGS -- --name SLOT ARGS..., where PROGRAM and ARGS are the
 * policy's exec, EAL-ARGS are --proc-type=secondary --file-prefix PREFIX (the datapath's)
 * --no-pci --lcores L@(CPUS) (L: a lcore id of its own, 64 + n, so that no two processes share a
 * mempool cache), with the CPU affinity set to CPUS before exec, as the policy's user and group,
 * in a session of its own, stdin /dev/null, stdout and stderr into RUN_DIR/nf/NAME.log (a FIFO:
 * a new nfpathd reopens it; the NF keeps a reader open itself so that it never gets SIGPIPE, and
 * writes without blocking). Environment: the policy's env, then PATH, NFPATH_NF (the slot) and
 * NFPATH_FILE_PREFIX, and nfpathd's own ASAN_OPTIONS/UBSAN_OPTIONS/LSAN_OPTIONS when set.
 */
#ifndef AGENT_NF_RUN_H
#define AGENT_NF_RUN_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "nfpath/agent-nf-run.h"
#include "nfpath/vfm-parse.h"

#include "nf-supervise.h"

/* The exit status with which the example NFs say that their datapath went away (nfp_run()
 * returned -EOWNERDEAD): guest-lib/examples/nf-common.h, NF_EXIT_DATAPATH_GONE. Believed only
 * when the datapath nfpathd knows is gone too (or unknown): an NF cannot claim it to skip its
 * backoff while nfpath-dp runs. */
#define NF_EXIT_DATAPATH_GONE 3

/* The file under STATE_DIR naming the NFs nfpathd runs. */
#define NF_RUN_JOURNAL "nfs.json"
/* The NF user when the policy names none and the node has it. */
#define NF_RUN_DEFAULT_USER "nfpath-nf"
/* First lcore id given to NFs (RTE_MAX_LCORE is 128; the datapath's lcores are below). */
#define NF_RUN_LCORE_BASE 64

struct nf_run_conf {
	const char *state_dir;    /* NF_RUN_JOURNAL lives here */
	const char *run_dir;      /* log FIFOs in RUN_DIR/nf/ */
	const char *procfs;       /* "/proc" */
	const char *default_user; /* NULL: NF_RUN_DEFAULT_USER */
	struct nf_sup_conf sup;
	void (*log)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

/* What the policy and the node say about one NF, at each sync. */
struct nf_run_want {
	const char *name;               /* the workload, and its slot */
	const struct agent_nf_run *run; /* exec etc.; argc > 0 */
	const char *policy_file;        /* where it was declared (trust check) */
	struct vfm_cpuset cpus;         /* its planned CPUs */
	bool slot_ready;                /* the datapath has its slot */
	bool attached;                  /* a process is attached to the slot */
	pid_t attached_pid;             /* which (0: unknown) */
};

struct nf_run_dp {
	bool up;
	const char *file_prefix; /* NULL: "nfpath" */
	pid_t pid;               /* nfpath-dp's pid (0: unknown) */
};

struct nf_runner;

int nf_runner_new(const struct nf_run_conf *conf, struct nf_runner **ret);
/* Forget everything; the NFs keep running (nfpathd's stop or crash never stops an NF). */
void nf_runner_free(struct nf_runner *nr);

/* Read the NF journal and adopt every NF still alive (same pid and start time). Returns the
 * number adopted, or -errno (a corrupt journal is logged and set aside; nothing adopted). */
int nf_runner_load(struct nf_runner *nr);

/*
 * Make the running NFs match 'wants' (now = CLOCK_MONOTONIC ms): start what is due, stop what is
 * no longer wanted (SIGTERM, SIGKILL after stop_timeout), restart one whose exec, env, user,
 * group or CPUs changed. Errors (a program that cannot be run, a policy file or program others
 * can write) are appended to 'errors' (strings) when not NULL. Returns how many started.
 */
int nf_runner_sync(struct nf_runner *nr, const struct nf_run_want *wants, size_t n,
		   const struct nf_run_dp *dp, uint64_t now, json_t *errors);

/* Is a process of ours still running for slot 'name' (so its slot must not be removed yet)? */
bool nf_runner_busy(const struct nf_runner *nr, const char *name);

/* The pidfds and log FIFOs to poll; returns how many were filled (at most max). */
size_t nf_runner_pollfds(struct nf_runner *nr, struct pollfd *fds, size_t max);
/*
 * Handle what poll() said for the fds nf_runner_pollfds() filled, and the timers. Returns true
 * when an NF the policy dropped has stopped (its slot can go: converge) or one waits for a
 * converge.
 */
bool nf_runner_dispatch(struct nf_runner *nr, const struct pollfd *fds, size_t n, uint64_t now);
/* Wait up to timeout_ms for the NFs being stopped to be gone (their pidfds only). */
void nf_runner_wait_stopped(struct nf_runner *nr, int timeout_ms);
/* Milliseconds until nf_runner_dispatch() has a timer to serve (-1: none). */
int nf_runner_timeout(const struct nf_runner *nr, uint64_t now);

/* [{"name","state","pid","restarts","last_exit","cpus","lcore","error","since"...}] */
json_t *nf_runner_status(const struct nf_runner *nr, uint64_t now);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t nf_run_now_ms(void);

#endif /* AGENT_NF_RUN_H */
