// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for the example NFs' frame parser (guest-lib/examples/nf-packet.c): any bytes
 * in, a kind out, and what it reports lies inside the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nf-packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly 'size' bytes, so that ASan sees any read past the frame. */
	uint8_t *p = malloc(size ? size : 1);
	struct nf_pkt pkt;
	int kind;

	if (!p)
		return 0;
	memcpy(p, data, size);
	kind = nf_pkt_parse(p, (uint32_t)size, &pkt);
	if (kind < NF_PKT_IPV4 || kind > NF_PKT_MALFORMED || pkt.ntags > 2)
		abort();
	if (kind != NF_PKT_MALFORMED && pkt.l3 > size)
		abort();
	if (kind == NF_PKT_IPV4 &&
	    (pkt.l3 + (uint32_t)(p[pkt.l3] & 0x0f) * 4 > size || (p[pkt.l3] >> 4) != 4))
		abort();
	free(p);
	return 0;
}
