// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for nf-firewall's rule file and verdict (guest-lib/examples/nf-fw.c). The input
 * is a rule file, a NUL and a frame; without a NUL, the whole input is a frame for a fixed rule
 * set. A malformed frame must be denied whatever the rules say, and the verdict must not
 * depend on anything but the rules and the frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf-fw.h"
#include "nf-packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char FIXED[] = "{\"default\": \"allow\", \"non_ip\": \"allow\", \"rules\": ["
			    "{\"action\": \"deny\", \"dst\": \"10.0.0.0/8\", \"proto\": \"udp\"},"
			    "{\"action\": \"allow\", \"src_port\": [1, 1024]},"
			    "{\"action\": \"deny\", \"proto\": 6, \"dst_port\": 22}]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct firewall fw;
	const uint8_t *nul = memchr(data, '\0', size);
	const uint8_t *frame = nul ? nul + 1 : data;
	size_t n = nul ? size - (size_t)(frame - data) : size;
	uint8_t *p;
	struct nf_pkt pkt;
	bool d1, d2;
	int r;

	if (nul) {
		/* Messages about bad rule files are expected; keep the fuzzer's output readable. */
		FILE *saved = stderr;

		stderr = fopen("/dev/null", "w");
		r = fw_load(&fw, "fuzz.json", (const char *)data);
		if (stderr)
			fclose(stderr);
		stderr = saved;
		if (r < 0)
			return 0;
	} else if (fw_load(&fw, "fixed.json", FIXED) < 0) {
		abort();
	}
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, frame, n);
	d1 = fw_denied(&fw, p, (uint32_t)n);
	d2 = fw_denied(&fw, p, (uint32_t)n);
	if (d1 != d2 || (nf_pkt_parse(p, (uint32_t)n, &pkt) == NF_PKT_MALFORMED && !d1))
		abort();
	free(p);
	return 0;
}
