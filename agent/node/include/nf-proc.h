/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NF processes as nfpathd runs them: the trust checks on what a policy may start, spawning (CPU
 * affinity, user and group set before exec; stdout and stderr to a FIFO nfpathd reads), and
 * finding a process again after nfpathd restarted (pid plus its start time in /proc/PID/stat, so
 * a reused pid is never taken for the NF). Processes are watched through pidfds.
 *
 * Nothing here keeps state: nf-supervise.c decides when to start, stop and restart.
 */
#ifndef AGENT_NF_PROC_H
#define AGENT_NF_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "nfpath/vfm-parse.h"

/*
 * May a policy file name programs nfpathd runs? Yes (0) when it and its directory are owned by
 * root and not writable by anyone else. -EPERM (err says which file and why), or -errno when it
 * cannot be read.
 */
int nf_proc_trust_policy_file(const char *path, char *err, size_t errlen);

/*
 * May nfpathd run 'program'? Yes (0) when it is a regular executable file, owned by root and
 * writable by nobody else, in directories (every one from /) owned by root and writable by
 * nobody else; a world-writable directory with the sticky bit (/tmp) is accepted when the entry
 * in it is root's (others cannot replace it). Symbolic links are followed and their targets
 * checked. -ENOENT, -EACCES (not executable), -EPERM (a file or directory others can write:
 * err names it), -ENOTDIR.
 */
int nf_proc_trust_program(const char *program, char *err, size_t errlen);

struct nf_spawn {
	char *const *argv; /* argv[0] is the program */
	char *const *envp; /* the whole environment */
	bool set_ids;      /* change to uid/gid/groups before exec */
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups (n_groups, may be 0) */
	size_t n_groups;
	const struct vfm_cpuset *cpus; /* affinity before exec; NULL or empty: inherit */
	int out_fd;                    /* stdout and stderr; -1: /dev/null */
	int keep_fd;                   /* kept open in the child as fd 3 (-1: none) */
};

/*
 * Fork and exec. The child gets its own session, default signal dispositions and an empty signal
 * mask, stdin from /dev/null, only fds 0-2 (and 3 = keep_fd). Returns 0 with the pid and a pidfd
 * once the exec succeeded, or -errno when fork, affinity, the ids or the exec failed (err says
 * which step).
 */
int nf_proc_spawn(const struct nf_spawn *s, pid_t *ret_pid, int *ret_pidfd, char *err,
		  size_t errlen);

/* Field 22 of PROCFS/PID/stat (clock ticks since boot). 0, -ENOENT (no such process), -EIO. */
int nf_proc_starttime(const char *procfs, pid_t pid, unsigned long long *ret);

/* Does 'pid' run (exists and is not a zombie)? */
bool nf_proc_alive(const char *procfs, pid_t pid);

/*
 * A pidfd for 'pid' if it is still the process that started at 'starttime' and has not exited.
 * 0, -ESRCH (gone, a zombie, or another process with the same pid now).
 */
int nf_proc_adopt(const char *procfs, pid_t pid, unsigned long long starttime, int *ret_pidfd);

/*
 * After the pidfd polled readable: reap a child of ours. 1 and *ret_status (a wait(2) status),
 * 0 when it has not exited yet, -ECHILD when it is not our child (an adopted NF: its status is
 * lost).
 */
int nf_proc_reap(int pidfd, int *ret_status);

/* pidfd_send_signal(); 0 or -errno (-ESRCH: already gone). */
int nf_proc_signal(int pidfd, int sig);

/* "exited with status 3", "killed by signal 9 (Killed)", "status unknown" (status < 0). */
void nf_proc_status_str(int status, char *buf, size_t len);

#endif /* AGENT_NF_PROC_H */
