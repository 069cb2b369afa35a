/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every example NF does around its handler: EAL init as a secondary process, options
 * after "--" (--name NAME [--sleep] [--cpu N]), attach, run, print counters, detach.
 */
#ifndef NFPATH_NF_COMMON_H
#define NFPATH_NF_COMMON_H

#include "nfpath/nfpath.h"

/* Runs the NF; returns the process exit code. 'usage_extra' documents NF-specific options. */
int nf_main(int argc, char **argv, const char *nf_kind, nfp_handler_t handler, void *arg);

#endif
