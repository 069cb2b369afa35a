/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands /nfpath/stats, /nfpath/flows and /nfpath/chains, so that
 * dpdk-telemetry.py (and any telemetry client) reads the datapath's counters and tables.
 */
#ifndef NFPATH_DP_TELEMETRY_H
#define NFPATH_DP_TELEMETRY_H

#include "dp.h"

/* Registers the commands for 'dp' (which must outlive the EAL). Returns 0 or -errno. */
int dp_telemetry_register(struct dp *dp);

#endif
