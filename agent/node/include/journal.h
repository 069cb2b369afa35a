/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The apply journal: what nfpathd meant to do (its intent) and each VF's original state, kept in
 * the state directory as one JSON file (STATE_DIR/journal.json). Written before hardware is
 * touched, atomically (temp file, fsync, rename, fsync of the directory), so that after a crash
 * nfpathd finds either the old or the new journal, never half of one; read back at start.
 */
#ifndef AGENT_JOURNAL_H
#define AGENT_JOURNAL_H

#include <stddef.h>

#include <jansson.h>

#include "nfpath/vfm.h"

#define AGENT_JOURNAL_FILE    "journal.json"
#define AGENT_JOURNAL_TMPFILE "journal.json.tmp"

struct agent_journal {
	unsigned long generation; /* incremented by every write */
	char *intent;             /* free text: the policy and plan being applied ("" none) */
	struct vfm_vf_saved *vfs; /* original state of every VF nfpathd has changed */
	size_t n_vfs;
	/* The allocations (agent-plan.h, as JSON): 'applied' is the last one fully applied,
	 * 'pending' the one being applied (null when none: a crash in between leaves it, and the
	 * next start finishes or undoes it). 'ids' maps datapath objects nfpathd created to their
	 * numbers ("chain:web" -> 3). Owned references; never NULL once loaded or created. */
	json_t *applied;
	json_t *pending;
	json_t *ids;
	/* Targets of interrupted applies that a newer target replaced before they were finished
	 * (the policy changed between a crash and the restart): an array of allocations whose
	 * entries may still exist on the node, taken down by the next apply. */
	json_t *orphans;
};

/* At most this many orphaned targets are kept (older ones are dropped, with a warning). */
#define AGENT_JOURNAL_ORPHANS_MAX 8

/* An empty journal (generation 0, intent ""). NULL without memory. */
struct agent_journal *agent_journal_new(void);
void agent_journal_free(struct agent_journal *j);

/* Replace the intent. Returns 0 or -ENOMEM. */
int agent_journal_set_intent(struct agent_journal *j, const char *intent);

/*
 * Record a VF's original state. The first record of a VF wins (later calls for the same PF and
 * VF return 0 and change nothing: the original is what the VF looked like before nfpathd).
 * Returns 1 when added, 0 when already there, -ENOMEM.
 */
int agent_journal_add_vf(struct agent_journal *j, const struct vfm_vf_saved *saved);
/* The saved state of one VF, NULL when the journal has none. */
const struct vfm_vf_saved *agent_journal_find_vf(const struct agent_journal *j, const char *pf,
						 unsigned int vf);
/* Forget a VF (after it was restored). Returns 1 when removed, 0 when absent. */
int agent_journal_remove_vf(struct agent_journal *j, const char *pf, unsigned int vf);

/*
 * Write the journal to STATE_DIR/journal.json atomically (increments j->generation first).
 * Creates the directory (0700) when missing. Returns 0 or -errno with a message in err.
 */
int agent_journal_write(const char *state_dir, struct agent_journal *j, char *err, size_t errlen);

/*
 * Read STATE_DIR/journal.json. A leftover temporary journal (a crash between write and rename)
 * is removed and *ret_stale_tmp set to 1 (when not NULL): the journal before it is the valid one.
 * Returns 0 and *ret_j, -ENOENT (no journal: a first start), -EINVAL (corrupt: err says where
 * and what to do), or another -errno.
 */
int agent_journal_load(const char *state_dir, struct agent_journal **ret_j, int *ret_stale_tmp,
		       char *err, size_t errlen);

#endif /* AGENT_JOURNAL_H */
