// SPDX-License-Identifier: BSD-3-Clause
/*
 * VF state through rtnetlink, with libnl-route-3's rtnl_link_vf_* API: read every VF of a PF
 * with one RTM_GETLINK (IFLA_EXT_MASK = RTEXT_FILTER_VF), change one VF with one RTM_SETLINK.
 * The real backend (backend-sysfs.c) uses this; the simulator keeps VF state in files instead.
 *
 * Two libnl 3.7 traps handled here: rtnl_link_vf_get() dereferences the VF list without
 * checking it (crash on a link without VFs): rtnl_link_has_vf_list() first; and
 * rtnl_link_build_change_request() makes RTM_NEWLINK, while VF changes are RTM_SETLINK.
 * libnl's -NLE_* codes are not errno values: vfm_nle_to_errno() is the one place that maps them.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>

#include "netlink.h"

int
vfm_nle_to_errno(int nle)
{
	if (nle < 0)
		nle = -nle;
	switch (nle) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_NOATTR:
	case NLE_MISSING_ATTR:
		return -ENODATA;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_IMMUTABLE:
		return -EROFS;
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
		return -EMSGSIZE;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TOOSHORT:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_PROTO_MISMATCH:
	case NLE_PARSE_ERR:
	case NLE_ATTRSIZE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* A message the user can act on, for an errno that came from netlink. */
static int
nl_fail(struct vfm_ctx *ctx, int err, const char *ifname, const char *what)
{
	if (err == -EOPNOTSUPP)
		return vfm_fail(
			ctx, err,
			"'%s': %s: this device cannot configure VFs (the kernel answered EOPNOTSUPP); use an SR-IOV PF whose driver supports VF settings",
			ifname, what);
	if (err == -ENODEV)
		return vfm_fail(ctx, err, "'%s': %s: no such network device in this namespace",
				ifname, what);
	if (err == -EPERM || err == -EACCES)
		return vfm_fail(ctx, err, "'%s': %s: not permitted; run as root (CAP_NET_ADMIN)",
				ifname, what);
	return vfm_fail(ctx, err, "'%s': %s: %s", ifname, what, strerror(-err));
}

static struct nl_sock *
nl_open(int *ret_err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		*ret_err = vfm_nle_to_errno(r);
		nl_socket_free(sk);
		return NULL;
	}
	/* A PF with many VFs answers with a large message. */
	nl_socket_enable_msg_peek(sk);
	return sk;
}

static void
parse_link_cb(struct nl_object *obj, void *arg)
{
	struct rtnl_link **link = arg;

	if (*link || strcmp(nl_object_get_type(obj), "route/link") != 0)
		return;
	nl_object_get(obj);
	*link = (struct rtnl_link *)obj;
}

static int
valid_cb(struct nl_msg *msg, void *arg)
{
	nl_msg_parse(msg, parse_link_cb, arg);
	return NL_OK;
}

/* RTM_GETLINK with the VF list. Returns 0 and *ret_link, or -errno. */
static int
get_link_with_vfs(struct nl_sock *sk, const char *ifname, struct rtnl_link **ret_link)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct rtnl_link *link = NULL;
	struct nl_msg *msg;
	int r;

	msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, ifname) < 0 ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_VF) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	r = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (r < 0)
		return vfm_nle_to_errno(r);
	r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &link);
	if (r < 0)
		return vfm_nle_to_errno(r);
	r = nl_recvmsgs_default(sk);
	if (r < 0) {
		if (link)
			rtnl_link_put(link);
		return vfm_nle_to_errno(r);
	}
	if (!link)
		return -ENODEV;
	*ret_link = link;
	return 0;
}

static void
vf_read(struct rtnl_link_vf *vf, struct vfm_vf_config *cfg)
{
	struct nl_addr *addr = NULL;
	nl_vf_vlans_t *vlans = NULL;
	struct nl_vf_rate rate;
	uint32_t v;

	memset(cfg, 0, sizeof(*cfg));
	cfg->vlan_proto = VFM_VLAN_PROTO_8021Q;
	if (rtnl_link_vf_get_addr(vf, &addr) == 0 && addr && nl_addr_get_len(addr) >= VFM_MAC_LEN) {
		memcpy(cfg->mac, nl_addr_get_binary_addr(addr), VFM_MAC_LEN);
		cfg->mask |= VFM_VF_MAC;
	}
	/* libnl reports no VLAN attribute for VLAN 0: that is "no VLAN". */
	cfg->mask |= VFM_VF_VLAN;
	if (rtnl_link_vf_get_vlans(vf, &vlans) == 0 && vlans) {
		if (vlans->size > 0) {
			cfg->vlan = (uint16_t)vlans->vlans[0].vf_vlan;
			cfg->qos = (uint8_t)vlans->vlans[0].vf_vlan_qos;
			if (vlans->vlans[0].vf_vlan_proto)
				cfg->vlan_proto = vlans->vlans[0].vf_vlan_proto;
		}
		rtnl_link_vf_vlan_put(vlans);
	}
	if (rtnl_link_vf_get_spoofchk(vf, &v) == 0) {
		cfg->spoofchk = v != 0;
		cfg->mask |= VFM_VF_SPOOFCHK;
	}
	if (rtnl_link_vf_get_trust(vf, &v) == 0) {
		cfg->trust = v != 0;
		cfg->mask |= VFM_VF_TRUST;
	}
	if (rtnl_link_vf_get_linkstate(vf, &v) == 0) {
		cfg->link_state = (enum vfm_link_state)v;
		cfg->mask |= VFM_VF_LINK_STATE;
	}
	/* Rates of 0 are reported as absent. */
	memset(&rate, 0, sizeof(rate));
	rate.api = RTNL_LINK_VF_RATE_API_NEW;
	if (rtnl_link_vf_get_rate(vf, &rate) == 0 && rate.api == RTNL_LINK_VF_RATE_API_NEW) {
		cfg->min_tx_rate = rate.min_tx_rate;
		cfg->max_tx_rate = rate.max_tx_rate;
	} else if (rate.api == RTNL_LINK_VF_RATE_API_OLD) {
		cfg->max_tx_rate = rate.rate;
	}
	cfg->mask |= VFM_VF_RATE;
}

int
vfm_nl_vf_get_all(struct vfm_ctx *ctx, const char *ifname, struct vfm_vf_config *cfgs, size_t n)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	uint32_t num = 0;
	int r;

	sk = nl_open(&r);
	if (!sk)
		return nl_fail(ctx, r, ifname, "netlink socket");
	r = get_link_with_vfs(sk, ifname, &link);
	nl_socket_free(sk);
	if (r < 0)
		return nl_fail(ctx, r, ifname, "reading VF state");
	for (size_t i = 0; i < n; i++)
		memset(&cfgs[i], 0, sizeof(cfgs[i]));
	if (rtnl_link_get_num_vf(link, &num) < 0)
		num = 0;
	/* Without a VF list, rtnl_link_vf_get() would crash (libnl 3.7). */
	if (num > 0 && rtnl_link_has_vf_list(link)) {
		for (size_t i = 0; i < n; i++) {
			struct rtnl_link_vf *vf = rtnl_link_vf_get(link, (uint32_t)i);

			if (!vf)
				continue;
			vf_read(vf, &cfgs[i]);
			rtnl_link_vf_put(vf);
		}
	}
	rtnl_link_put(link);
	vfm_debug("'%s': kernel reports %u VFs", ifname, num);
	return (int)num;
}

static int
build_vf(const struct vfm_vf_config *cfg, unsigned int index, struct rtnl_link_vf **ret_vf)
{
	struct rtnl_link_vf *vf = rtnl_link_vf_alloc();

	if (!vf)
		return -ENOMEM;
	rtnl_link_vf_set_index(vf, index);
	if (cfg->mask & VFM_VF_MAC) {
		struct nl_addr *addr = nl_addr_build(AF_LLC, cfg->mac, VFM_MAC_LEN);

		if (!addr) {
			rtnl_link_vf_put(vf);
			return -ENOMEM;
		}
		rtnl_link_vf_set_addr(vf, addr);
		nl_addr_put(addr);
	}
	if (cfg->mask & VFM_VF_VLAN) {
		nl_vf_vlans_t *vlans = NULL;
		int r = rtnl_link_vf_vlan_alloc(&vlans, 1);

		if (r < 0) {
			rtnl_link_vf_put(vf);
			return vfm_nle_to_errno(r);
		}
		vlans->vlans[0].vf_vlan = cfg->vlan;
		vlans->vlans[0].vf_vlan_qos = cfg->qos;
		/* libnl copies the protocol into ifla_vf_vlan_info as is: the kernel reads it
		 * big-endian. In network order it also never equals ETH_P_8021Q, so libnl always
		 * sends IFLA_VF_VLAN_LIST, which carries the protocol. */
		vlans->vlans[0].vf_vlan_proto = htons(cfg->vlan_proto);
		rtnl_link_vf_set_vlans(vf, vlans);
		rtnl_link_vf_vlan_put(vlans);
	}
	if (cfg->mask & VFM_VF_SPOOFCHK)
		rtnl_link_vf_set_spoofchk(vf, cfg->spoofchk);
	if (cfg->mask & VFM_VF_TRUST)
		rtnl_link_vf_set_trust(vf, cfg->trust);
	if (cfg->mask & VFM_VF_LINK_STATE)
		rtnl_link_vf_set_linkstate(vf, (uint32_t)cfg->link_state);
	if (cfg->mask & VFM_VF_RATE) {
		struct nl_vf_rate rate = {
			.api = RTNL_LINK_VF_RATE_API_NEW,
			.min_tx_rate = cfg->min_tx_rate,
			.max_tx_rate = cfg->max_tx_rate,
		};

		rtnl_link_vf_set_rate(vf, &rate);
	}
	*ret_vf = vf;
	return 0;
}

int
vfm_nl_vf_set(struct vfm_ctx *ctx, const char *ifname, unsigned int vf_index,
	      const struct vfm_vf_config *cfg)
{
	struct rtnl_link *orig = NULL, *changes = NULL;
	struct rtnl_link_vf *vf = NULL;
	struct nl_msg *msg = NULL;
	struct nl_sock *sk = NULL;
	unsigned int ifindex;
	int r;

	ifindex = if_nametoindex(ifname);
	if (ifindex == 0)
		return nl_fail(ctx, -ENODEV, ifname, "configuring a VF");
	orig = rtnl_link_alloc();
	changes = rtnl_link_alloc();
	if (!orig || !changes) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ifindex(orig, (int)ifindex);
	r = build_vf(cfg, vf_index, &vf);
	if (r < 0)
		goto out;
	r = rtnl_link_vf_add(changes, vf);
	if (r < 0) {
		r = vfm_nle_to_errno(r);
		goto out;
	}
	r = rtnl_link_build_change_request(orig, changes, 0, &msg);
	if (r < 0) {
		r = vfm_nle_to_errno(r);
		goto out;
	}
	nlmsg_hdr(msg)->nlmsg_type = RTM_SETLINK;
	sk = nl_open(&r);
	if (!sk)
		goto out;
	r = nl_send_auto(sk, msg);
	if (r >= 0)
		r = nl_wait_for_ack(sk);
	r = r < 0 ? vfm_nle_to_errno(r) : 0;
out:
	if (sk)
		nl_socket_free(sk);
	nlmsg_free(msg);
	if (vf)
		rtnl_link_vf_put(vf);
	rtnl_link_put(changes);
	rtnl_link_put(orig);
	if (r < 0) {
		char what[64];

		snprintf(what, sizeof(what), "configuring VF %u", vf_index);
		return nl_fail(ctx, r, ifname, what);
	}
	return 0;
}
