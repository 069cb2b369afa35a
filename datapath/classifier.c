// SPDX-License-Identifier: BSD-3-Clause
/*
 * Software classifier and chain table (classifier.h). Writers are serialised by dp->ctl_lock;
 * readers are the forwarding lcores, which report a quiescent state after every poll round
 * (fwd.c), so a writer that waits on dp->rcu knows no burst still holds what it frees.
 */
#include "classifier.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

int
dp_classifier_create(struct dp *dp, unsigned int entries, unsigned int n_threads)
{
	struct rte_hash_parameters hp = {
		.name = "nfpath_cls",
		.entries = entries,
		.key_len = sizeof(struct dp_cls_key),
		.hash_func = rte_jhash,
		.hash_func_init_val = 0,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = {0};
	size_t sz = rte_rcu_qsbr_get_memsize(n_threads);

	dp->rcu = rte_zmalloc("nfpath_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp->rcu) {
		return -ENOMEM;
	}
	if (rte_rcu_qsbr_init(dp->rcu, n_threads) != 0) {
		return -rte_errno;
	}
	dp->classifier = rte_hash_create(&hp);
	if (!dp->classifier) {
		dp_log(RTE_LOG_ERR, "classifier hash of %u entries: %s", entries,
		       rte_strerror(rte_errno));
		return -rte_errno ? -rte_errno : -ENOMEM;
	}
	rc.v = dp->rcu;
	/* Synchronous: a delete returns once no forwarder can still see the key. */
	rc.mode = RTE_HASH_QSBR_MODE_SYNC;
	if (rte_hash_rcu_qsbr_add(dp->classifier, &rc) != 0) {
		return -rte_errno;
	}
	return 0;
}

void
dp_classifier_free(struct dp *dp)
{
	rte_hash_free(dp->classifier);
	dp->classifier = NULL;
	rte_free(dp->rcu);
	dp->rcu = NULL;
}

int
dp_classifier_set(struct dp *dp, const struct dp_cls_key *k, uint32_t chain)
{
	int r = rte_hash_add_key_data(dp->classifier, k, (void *)(uintptr_t)chain);

	if (r < 0) {
		return r;
	}
	return rte_hash_lookup(dp->classifier, k);
}

int
dp_classifier_pos(struct dp *dp, const struct dp_cls_key *k)
{
	return rte_hash_lookup(dp->classifier, k);
}

int
dp_classifier_del(struct dp *dp, const struct dp_cls_key *k)
{
	int r = rte_hash_del_key(dp->classifier, k);

	return r < 0 ? r : 0;
}

int
dp_chain_set(struct dp *dp, const struct dp_chain *c)
{
	struct dp_chain *n = rte_zmalloc("nfpath_chain", sizeof(*n), RTE_CACHE_LINE_SIZE);
	struct dp_chain *old;

	if (!n) {
		return -ENOMEM;
	}
	*n = *c;
	old = __atomic_exchange_n(&dp->chains[c->id], n, __ATOMIC_ACQ_REL);
	if (old) {
		rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	return 0;
}

int
dp_chain_del(struct dp *dp, uint32_t id)
{
	struct dp_chain *old = __atomic_exchange_n(&dp->chains[id], NULL, __ATOMIC_ACQ_REL);

	if (!old) {
		return -ENOENT;
	}
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
	rte_free(old);
	return 0;
}

void
dp_chains_free(struct dp *dp)
{
	for (unsigned int i = 0; i < DP_MAX_CHAINS; i++) {
		rte_free(dp->chains[i]);
		dp->chains[i] = NULL;
	}
}
