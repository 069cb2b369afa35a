// SPDX-License-Identifier: BSD-3-Clause
/*
 * A domain's network interfaces and numatune (virt.h), beside virt.c's connection, lifecycle
 * and pins. The domain XML is parsed and edited with libxml2 (no text surgery): the persistent
 * config is the INACTIVE|SECURE XML (SECURE keeps passwords, which an INACTIVE-only redefine
 * would drop), edited and redefined with virDomainDefineXML, then read back and checked; the
 * running domain is changed with virDomainAttachDeviceFlags / DetachDeviceFlags (LIVE) with the
 * one <interface> element as XML. Every ensure compares first and changes only what differs,
 * so a second call returns 0 and leaves the XML as it was.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "virt.h"

#define X(s) ((const xmlChar *)(s))

/* ---- libxml2 helpers ---- */

static bool
is_elem(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, X(name)) == 0;
}

static xmlNodePtr
child(const xmlNode *parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is_elem(n, name))
			return n;
	return NULL;
}

static bool
attr_is(xmlNodePtr n, const char *attr, const char *val)
{
	xmlChar *a = n ? xmlGetProp(n, X(attr)) : NULL;
	bool r = a && strcmp((const char *)a, val) == 0;

	xmlFree(a);
	return r;
}

static bool
has_attr(xmlNodePtr n, const char *attr)
{
	return n && xmlHasProp(n, X(attr)) != NULL;
}

/* Copy an attribute; false when absent or longer than the buffer. */
static bool
attr_copy(xmlNodePtr n, const char *attr, char *buf, size_t len)
{
	xmlChar *a = xmlGetProp(n, X(attr));
	bool ok = a && strlen((const char *)a) < len;

	if (ok)
		memcpy(buf, a, strlen((const char *)a) + 1);
	xmlFree(a);
	return ok;
}

/* An unsigned attribute, decimal or 0x-hex as libvirt writes them; false when absent or bad. */
static bool
attr_ulong(xmlNodePtr n, const char *attr, unsigned long max, unsigned long *ret)
{
	char buf[32], *end;
	unsigned long x;

	if (!attr_copy(n, attr, buf, sizeof(buf)) || buf[0] == '\0' || buf[0] == '-')
		return false;
	errno = 0;
	x = strtoul(buf, &end, 0);
	if (errno || *end || x > max)
		return false;
	*ret = x;
	return true;
}

static xmlNodePtr
add_child(xmlNodePtr parent, const char *name, bool *ok)
{
	xmlNodePtr n = *ok ? xmlNewChild(parent, NULL, X(name), NULL) : NULL;

	if (!n)
		*ok = false;
	return n;
}

static void
set_attr(xmlNodePtr n, const char *attr, const char *val, bool *ok)
{
	if (*ok && !xmlSetProp(n, X(attr), X(val)))
		*ok = false;
}

static void
drop(xmlNodePtr n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* Remove every child element called 'name'. */
static void
drop_children(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n = parent->children, next;

	for (; n; n = next) {
		next = n->next;
		if (is_elem(n, name))
			drop(n);
	}
}

/* Insert 'n' into <domain> after the first present of 'after' (in that order), else at the
 * end. libvirt reads elements in any order; this only keeps a redefined XML readable. */
static xmlNodePtr
insert_in_domain(xmlNodePtr root, xmlNodePtr n, const char *const *after)
{
	for (; *after; after++) {
		xmlNodePtr anchor = child(root, *after);

		if (anchor)
			return xmlAddNextSibling(anchor, n);
	}
	return xmlAddChild(root, n);
}

/* ---- reading and writing a domain's XML ---- */

static int
read_doc(struct agent_virt *v, virDomainPtr d, const char *name, unsigned int flags,
	 xmlDocPtr *ret_doc)
{
	char *xml = virDomainGetXMLDesc(d, flags);
	size_t len;
	xmlDocPtr doc;

	xmlInitParser(); /* idempotent; libxml2 wants it before use beside libvirt's threads */
	if (!xml)
		return agent_virt_priv_fail(v, "domain '%s': cannot read its %s XML", name,
					    flags & VIR_DOMAIN_XML_INACTIVE ? "persistent"
									    : "live");
	len = strlen(xml);
	doc = len <= INT_MAX ? xmlReadMemory(xml, (int)len, "domain.xml", NULL,
					     XML_PARSE_NONET | XML_PARSE_NOBLANKS |
						     XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
			     : NULL;
	free(xml);
	if (!doc || !is_elem(xmlDocGetRootElement(doc), "domain")) {
		xmlFreeDoc(doc);
		return agent_virt_priv_error(
			v, -EINVAL, "domain '%s': libvirt's XML does not parse as a <domain>",
			name);
	}
	*ret_doc = doc;
	return 0;
}

static int
define_doc(struct agent_virt *v, virDomainPtr d, const char *name, xmlDocPtr doc)
{
	xmlChar *buf = NULL;
	virDomainPtr nd;
	int len = 0;

	xmlDocDumpMemory(doc, &buf, &len);
	if (!buf)
		return -ENOMEM;
	nd = virDomainDefineXML(virDomainGetConnect(d), (const char *)buf);
	xmlFree(buf);
	if (!nd)
		return agent_virt_priv_fail(v, "domain '%s': cannot redefine its persistent config",
					    name);
	virDomainFree(nd);
	return 0;
}

/* Serialize one element (an <interface>) for attach/detach. */
static char *
node_xml(xmlDocPtr doc, xmlNodePtr n)
{
	xmlBufferPtr b = xmlBufferCreate();
	char *s = NULL;

	if (!b)
		return NULL;
	if (xmlNodeDump(b, doc, n, 0, 0) >= 0)
		s = strdup((const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	return s;
}

/* libvirt error codes that mean "this driver / host cannot do that live", not a failure. */
static bool
live_cannot(void)
{
	virErrorPtr e = virGetLastError();

	if (!e)
		return false;
	switch (e->code) {
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_OPERATION_UNSUPPORTED:
	case VIR_ERR_CONFIG_UNSUPPORTED:
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
		return true;
	default:
		return false;
	}
}

/* ---- interfaces ---- */

/* An <interface> as parsed, with what the comparison needs beyond the public fields. */
struct iface {
	struct agent_virt_iface pub;
	xmlNodePtr node;
	bool managed;     /* managed='yes' */
	bool unix_client; /* <source type='unix' mode='client'/> */
	bool virtio;      /* <model type='virtio'/> */
	unsigned int ntags;
	bool trunk; /* <vlan trunk='yes'> or a tag with nativeMode */
};

static bool
pci_parse(xmlNodePtr a, struct vfm_pci_addr *ret)
{
	unsigned long dom, bus, slot, fn;

	if (!attr_ulong(a, "domain", 0xffff, &dom) || !attr_ulong(a, "bus", 0xff, &bus) ||
	    !attr_ulong(a, "slot", 0x1f, &slot) || !attr_ulong(a, "function", 7, &fn))
		return false;
	*ret = (struct vfm_pci_addr){.domain = (uint32_t)dom,
				     .bus = (uint8_t)bus,
				     .dev = (uint8_t)slot,
				     .func = (uint8_t)fn};
	return true;
}

static void
iface_parse(xmlNodePtr n, struct iface *ret)
{
	xmlNodePtr mac = child(n, "mac"), src = child(n, "source"), model = child(n, "model");
	xmlNodePtr vlan = child(n, "vlan");
	char buf[VFM_MAC_STRLEN + 8];

	memset(ret, 0, sizeof(*ret));
	ret->node = n;
	if (!attr_copy(n, "type", ret->pub.type, sizeof(ret->pub.type)))
		ret->pub.type[0] = '\0';
	if (mac && attr_copy(mac, "address", buf, sizeof(buf)))
		ret->pub.has_mac = vfm_mac_parse(buf, ret->pub.mac) == 0;
	ret->managed = attr_is(n, "managed", "yes");
	if (src) {
		xmlNodePtr a = child(src, "address");

		if (a && attr_is(a, "type", "pci"))
			ret->pub.has_pci = pci_parse(a, &ret->pub.pci);
		if (attr_is(src, "type", "unix")) {
			if (!attr_copy(src, "path", ret->pub.socket, sizeof(ret->pub.socket)))
				ret->pub.socket[0] = '\0';
			ret->unix_client = attr_is(src, "mode", "client");
		}
	}
	ret->virtio = model && attr_is(model, "type", "virtio");
	if (vlan) {
		ret->trunk = attr_is(vlan, "trunk", "yes");
		for (xmlNodePtr t = vlan->children; t; t = t->next) {
			unsigned long id;

			if (!is_elem(t, "tag"))
				continue;
			if (ret->ntags++ == 0 && attr_ulong(t, "id", 4095, &id))
				ret->pub.vlan = (uint16_t)id;
			if (has_attr(t, "nativeMode"))
				ret->trunk = true;
		}
	}
}

/* What an ensure or a remove wants for one MAC. */
struct want {
	enum { WANT_HOSTDEV, WANT_VHOSTUSER, WANT_NONE } kind;
	const uint8_t *mac;
	struct vfm_pci_addr pci;
	uint16_t vlan;
	const char *socket;
};

static const char *
want_type(const struct want *w)
{
	return w->kind == WANT_HOSTDEV ? "hostdev" : "vhostuser";
}

static bool
iface_matches(const struct iface *f, const struct want *w)
{
	if (w->kind == WANT_HOSTDEV)
		return strcmp(f->pub.type, "hostdev") == 0 && f->managed && f->pub.has_pci &&
		       vfm_pci_addr_equal(&f->pub.pci, &w->pci) && !f->trunk &&
		       f->ntags == (w->vlan ? 1u : 0u) && f->pub.vlan == w->vlan;
	if (w->kind == WANT_VHOSTUSER)
		return strcmp(f->pub.type, "vhostuser") == 0 && f->unix_client &&
		       strcmp(f->pub.socket, w->socket) == 0 && f->virtio && f->ntags == 0;
	return false;
}

static bool
same_mac(const struct iface *f, const uint8_t mac[VFM_MAC_LEN])
{
	return f->pub.has_mac && memcmp(f->pub.mac, mac, VFM_MAC_LEN) == 0;
}

/* Set the wanted source, VLAN and model on an <interface> of the wanted type. */
static void
fill_iface(xmlNodePtr n, const struct want *w, bool *ok)
{
	xmlNodePtr src, a;
	char buf[16];

	drop_children(n, "source");
	drop_children(n, "vlan");
	src = add_child(n, "source", ok);
	if (w->kind == WANT_HOSTDEV) {
		set_attr(n, "managed", "yes", ok);
		a = add_child(src, "address", ok);
		set_attr(a, "type", "pci", ok);
		snprintf(buf, sizeof(buf), "0x%04x", (unsigned int)w->pci.domain);
		set_attr(a, "domain", buf, ok);
		snprintf(buf, sizeof(buf), "0x%02x", (unsigned int)w->pci.bus);
		set_attr(a, "bus", buf, ok);
		snprintf(buf, sizeof(buf), "0x%02x", (unsigned int)w->pci.dev);
		set_attr(a, "slot", buf, ok);
		snprintf(buf, sizeof(buf), "0x%x", (unsigned int)w->pci.func);
		set_attr(a, "function", buf, ok);
		if (w->vlan) {
			xmlNodePtr tag = add_child(add_child(n, "vlan", ok), "tag", ok);

			snprintf(buf, sizeof(buf), "%u", (unsigned int)w->vlan);
			set_attr(tag, "id", buf, ok);
		}
	} else {
		set_attr(src, "type", "unix", ok);
		set_attr(src, "path", w->socket, ok);
		set_attr(src, "mode", "client", ok);
		drop_children(n, "model");
		set_attr(add_child(n, "model", ok), "type", "virtio", ok);
	}
}

/* A new <interface> for 'w'. NULL without memory. */
static xmlNodePtr
build_iface(const struct want *w)
{
	xmlNodePtr n = xmlNewNode(NULL, X("interface"));
	char mac[VFM_MAC_STRLEN];
	bool ok = n != NULL;

	vfm_mac_format(w->mac, mac, sizeof(mac));
	set_attr(n, "type", want_type(w), &ok);
	set_attr(add_child(n, "mac", &ok), "address", mac, &ok);
	fill_iface(n, w, &ok);
	if (!ok && n) {
		xmlFreeNode(n);
		n = NULL;
	}
	return n;
}

/* True when QEMU may share the guest memory with a vhost-user backend: <memoryBacking><access
 * mode='shared'/> with no NUMA cell overriding it, or every NUMA cell memAccess='shared'. */
static bool
memory_shared(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlNodePtr numa = child(child(root, "cpu"), "numa");
	bool global = attr_is(child(child(root, "memoryBacking"), "access"), "mode", "shared");
	unsigned int cells = 0, shared = 0, private = 0;

	for (xmlNodePtr c = numa ? numa->children : NULL; c; c = c->next) {
		if (!is_elem(c, "cell"))
			continue;
		cells++;
		if (attr_is(c, "memAccess", "shared"))
			shared++;
		else if (has_attr(c, "memAccess"))
		private++;
	}
	if (cells && shared == cells)
		return true;
	return global && private == 0;
}

/* Make the persistent memory shared. 1 edited, 0 already so, -ENOMEM. */
static int
ensure_memory_shared(xmlDocPtr doc)
{
	static const char *const after[] = {"currentMemory", "memory", "maxMemory", NULL};
	xmlNodePtr root = xmlDocGetRootElement(doc), mb, acc, numa;
	bool ok = true;

	if (memory_shared(doc))
		return 0;
	mb = child(root, "memoryBacking");
	if (!mb) {
		mb = xmlNewNode(NULL, X("memoryBacking"));
		if (!mb || !insert_in_domain(root, mb, after)) {
			xmlFreeNode(mb);
			return -ENOMEM;
		}
	}
	acc = child(mb, "access");
	if (!acc)
		acc = add_child(mb, "access", &ok);
	set_attr(acc, "mode", "shared", &ok);
	numa = child(child(root, "cpu"), "numa");
	for (xmlNodePtr c = numa ? numa->children : NULL; c; c = c->next)
		if (is_elem(c, "cell") && has_attr(c, "memAccess"))
			set_attr(c, "memAccess", "shared", &ok);
	return ok ? 1 : -ENOMEM;
}

/*
 * Edit a persistent XML so that it has exactly one interface with w->mac in the wanted form
 * (none for WANT_NONE), with shared memory for vhost-user. 1 edited, 0 already so, -EBUSY
 * (another MAC's hostdev interface holds the VF), -ENOMEM.
 */
static int
edit_ifaces(struct agent_virt *v, const char *name, xmlDocPtr doc, const struct want *w)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), devices = child(root, "devices"), next;
	xmlNodePtr last = NULL;
	struct iface first = {.node = NULL}, f;
	bool changed = false, ok = true;

	if (!devices) {
		if (w->kind == WANT_NONE)
			return 0;
		devices = add_child(root, "devices", &ok);
		if (!ok)
			return -ENOMEM;
	}
	for (xmlNodePtr n = devices->children; n; n = next) {
		next = n->next;
		if (!is_elem(n, "interface"))
			continue;
		iface_parse(n, &f);
		if (!same_mac(&f, w->mac)) {
			last = n;
			if (w->kind == WANT_HOSTDEV && strcmp(f.pub.type, "hostdev") == 0 &&
			    f.pub.has_pci && vfm_pci_addr_equal(&f.pub.pci, &w->pci)) {
				char pci[32], mac[VFM_MAC_STRLEN] = "none";

				vfm_pci_addr_format(&w->pci, pci, sizeof(pci));
				if (f.pub.has_mac)
					vfm_mac_format(f.pub.mac, mac, sizeof(mac));
				return agent_virt_priv_error(
					v, -EBUSY,
					"domain '%s': VF %s is already the interface with MAC %s "
					"(remove that interface first)",
					name, pci, mac);
			}
			continue;
		}
		if (!first.node) {
			first = f;
			last = n;
			continue;
		}
		drop(n); /* a second interface with this MAC */
		changed = true;
	}
	if (w->kind == WANT_NONE) {
		if (first.node) {
			drop(first.node);
			changed = true;
		}
		return changed;
	}
	if (!first.node) {
		xmlNodePtr n = build_iface(w);

		if (!n || !(last ? xmlAddNextSibling(last, n) : xmlAddChild(devices, n))) {
			xmlFreeNode(n);
			return -ENOMEM;
		}
		changed = true;
	} else if (!iface_matches(&first, w)) {
		if (strcmp(first.pub.type, want_type(w)) == 0) {
			fill_iface(first.node, w, &ok); /* keeps the interface's other settings */
		} else {
			/* A path move: a new element; the guest keeps its PCI slot and boot order.
			 */
			xmlNodePtr n = build_iface(w);
			xmlNodePtr keep[2] = {child(first.node, "address"),
					      child(first.node, "boot")};

			if (!n)
				return -ENOMEM;
			for (size_t i = 0; i < 2; i++)
				if (keep[i]) {
					xmlUnlinkNode(keep[i]);
					xmlAddChild(n, keep[i]);
				}
			xmlReplaceNode(first.node, n);
			xmlFreeNode(first.node);
		}
		changed = true;
	}
	if (!ok)
		return -ENOMEM;
	if (w->kind == WANT_VHOSTUSER) {
		int r = ensure_memory_shared(doc);

		if (r < 0)
			return r;
		changed |= r > 0;
	}
	return changed;
}

/* The persistent part: edit, redefine, read back and check. 1 changed, 0 already so. */
static int
persistent_ifaces(struct agent_virt *v, virDomainPtr d, const char *name, const struct want *w)
{
	const unsigned int flags = VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE;
	xmlDocPtr doc;
	int r = read_doc(v, d, name, flags, &doc);

	if (r < 0)
		return r;
	r = edit_ifaces(v, name, doc, w);
	if (r > 0) {
		int e = define_doc(v, d, name, doc);

		xmlFreeDoc(doc);
		doc = NULL;
		if (e == 0)
			e = read_doc(v, d, name, flags, &doc);
		if (e == 0 && edit_ifaces(v, name, doc, w) != 0)
			e = agent_virt_priv_error(
				v, -EIO,
				"domain '%s': libvirt did not keep the %s interface "
				"as defined (check the domain's XML)",
				name, w->kind == WANT_NONE ? "removed" : want_type(w));
		if (e < 0)
			r = e;
	}
	xmlFreeDoc(doc);
	return r;
}

/* Attach or detach one interface live. 1 done, 0 skipped (*skipped set, reason in err). */
static int
live_device(struct agent_virt *v, virDomainPtr d, const char *name, const char *xml, bool attach,
	    bool *skipped)
{
	int rc = attach ? virDomainAttachDeviceFlags(d, xml, VIR_DOMAIN_AFFECT_LIVE)
			: virDomainDetachDeviceFlags(d, xml, VIR_DOMAIN_AFFECT_LIVE);
	bool cannot;
	int r;

	if (rc == 0)
		return 1;
	cannot = live_cannot();
	r = agent_virt_priv_fail(v, "domain '%s': cannot %s an interface live", name,
				 attach ? "attach" : "detach");
	if (!cannot)
		return r;
	*skipped = true; /* the persistent config holds it: it applies at the next start */
	return 0;
}

/* The live part: detach what differs, attach what is missing. 1 changed, 0 not. */
static int
live_ifaces(struct agent_virt *v, virDomainPtr d, const char *name, const struct want *w,
	    bool *skipped)
{
	xmlDocPtr doc;
	xmlNodePtr devices, keep = NULL;
	bool changed = false, attach;
	struct iface f;
	int r = read_doc(v, d, name, 0, &doc);

	if (r < 0)
		return r;
	devices = child(xmlDocGetRootElement(doc), "devices");
	for (xmlNodePtr n = devices ? devices->children : NULL; n; n = n->next) {
		if (!is_elem(n, "interface"))
			continue;
		iface_parse(n, &f);
		if (same_mac(&f, w->mac) && !keep && iface_matches(&f, w))
			keep = n;
	}
	for (xmlNodePtr n = devices ? devices->children : NULL; n && r >= 0; n = n->next) {
		char *xml;

		if (!is_elem(n, "interface") || n == keep)
			continue;
		iface_parse(n, &f);
		if (!same_mac(&f, w->mac))
			continue;
		xml = node_xml(doc, n);
		r = xml ? live_device(v, d, name, xml, false, skipped) : -ENOMEM;
		free(xml);
		changed |= r > 0;
		if (r == 0)
			goto out; /* cannot detach: do not attach a second one beside it */
	}
	attach = r >= 0 && !keep && w->kind != WANT_NONE;
	if (attach && w->kind == WANT_VHOSTUSER && !memory_shared(doc)) {
		agent_virt_priv_error(
			v, 0,
			"domain '%s' runs without shared memory (<memoryBacking><access "
			"mode='shared'/>): its vhost-user port for %s comes up at its "
			"next start (restart the domain)",
			name, w->socket);
		*skipped = true;
		attach = false;
	}
	if (attach) {
		xmlNodePtr n = build_iface(w);
		char *xml = n ? node_xml(doc, n) : NULL;

		r = xml ? live_device(v, d, name, xml, true, skipped) : -ENOMEM;
		changed |= r > 0;
		free(xml);
		xmlFreeNode(n);
	}
out:
	xmlFreeDoc(doc);
	return r < 0 ? r : changed;
}

static int
ensure(struct agent_virt *v, const char *name, const struct want *w, bool *ret_live_skipped)
{
	bool skipped = false, persistent, active;
	int r = 0, changed = 0;
	virDomainPtr d = agent_virt_priv_lookup(v, name, &r);

	if (!d)
		return r;
	persistent = virDomainIsPersistent(d) == 1;
	active = virDomainIsActive(d) == 1;
	if (persistent) {
		r = persistent_ifaces(v, d, name, w);
		changed |= r > 0;
	}
	if (r >= 0 && active) {
		r = live_ifaces(v, d, name, w, &skipped);
		changed |= r > 0;
	}
	if (r >= 0 && skipped && !persistent)
		r = -EOPNOTSUPP; /* transient: nowhere else to keep it; the reason is in err */
	virDomainFree(d);
	if (r < 0)
		return r;
	if (ret_live_skipped)
		*ret_live_skipped = skipped;
	return changed;
}

static int
check_mac(struct agent_virt *v, const char *name, const uint8_t *mac)
{
	if (!name || !mac || vfm_mac_is_zero(mac) || vfm_mac_is_multicast(mac))
		return agent_virt_priv_error(v, -EINVAL,
					     "domain '%s': an interface needs a unicast MAC",
					     name ? name : "(null)");
	return 0;
}

int
agent_virt_ensure_hostdev_iface(struct agent_virt *v, const char *name,
				const uint8_t mac[VFM_MAC_LEN], const struct vfm_pci_addr *vf,
				uint16_t vlan, bool *ret_live_skipped)
{
	struct want w = {.kind = WANT_HOSTDEV, .mac = mac, .vlan = vlan};
	int r = check_mac(v, name, mac);

	if (r < 0)
		return r;
	if (!vf || vlan > 4095 || vf->domain > 0xffff || vf->dev > 0x1f || vf->func > 7)
		return agent_virt_priv_error(v, -EINVAL,
					     "domain '%s': bad VF PCI address or VLAN %u (use "
					     "0-4095, 0 for none)",
					     name, (unsigned int)vlan);
	w.pci = *vf;
	return ensure(v, name, &w, ret_live_skipped);
}

int
agent_virt_ensure_vhostuser_iface(struct agent_virt *v, const char *name,
				  const uint8_t mac[VFM_MAC_LEN], const char *socket_path,
				  bool *ret_live_skipped)
{
	struct want w = {.kind = WANT_VHOSTUSER, .mac = mac, .socket = socket_path};
	int r = check_mac(v, name, mac);

	if (r < 0)
		return r;
	if (!socket_path || socket_path[0] != '/' ||
	    strlen(socket_path) >= sizeof(((struct agent_virt_iface *)0)->socket))
		return agent_virt_priv_error(v, -EINVAL,
					     "domain '%s': vhost-user socket '%s' must be an "
					     "absolute path shorter than 256 bytes",
					     name, socket_path ? socket_path : "(null)");
	return ensure(v, name, &w, ret_live_skipped);
}

int
agent_virt_remove_iface(struct agent_virt *v, const char *name, const uint8_t mac[VFM_MAC_LEN],
			bool *ret_live_skipped)
{
	struct want w = {.kind = WANT_NONE, .mac = mac};
	int r = check_mac(v, name, mac);

	return r < 0 ? r : ensure(v, name, &w, ret_live_skipped);
}

int
agent_virt_get_ifaces(struct agent_virt *v, const char *name, bool inactive,
		      struct agent_virt_iface **ret, size_t *ret_n)
{
	struct agent_virt_iface *out = NULL;
	xmlNodePtr devices;
	size_t n = 0, i = 0;
	xmlDocPtr doc;
	int r = 0;
	virDomainPtr d = agent_virt_priv_lookup(v, name, &r);

	if (!d)
		return r;
	r = read_doc(v, d, name, inactive ? VIR_DOMAIN_XML_INACTIVE : 0, &doc);
	virDomainFree(d);
	if (r < 0)
		return r;
	devices = child(xmlDocGetRootElement(doc), "devices");
	for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next)
		n += is_elem(c, "interface");
	if (n && !(out = calloc(n, sizeof(*out)))) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
		struct iface f;

		if (!is_elem(c, "interface"))
			continue;
		iface_parse(c, &f);
		out[i++] = f.pub;
	}
	xmlFreeDoc(doc);
	*ret = out;
	*ret_n = n;
	return 0;
}

/* ---- numatune ---- */

static bool
numa_matches(xmlDocPtr doc, int node, bool strict)
{
	xmlNodePtr mem = child(child(xmlDocGetRootElement(doc), "numatune"), "memory");
	char want[16];

	if (!mem)
		return false;
	snprintf(want, sizeof(want), "%d", node);
	/* libvirt's default mode is strict */
	if (strict ? has_attr(mem, "mode") && !attr_is(mem, "mode", "strict")
		   : !attr_is(mem, "mode", "preferred"))
		return false;
	if (has_attr(mem, "placement") && !attr_is(mem, "placement", "static"))
		return false;
	return attr_is(mem, "nodeset", want);
}

static int
numa_call(virDomainPtr d, int node, bool strict, unsigned int flags)
{
	virTypedParameterPtr p = NULL;
	int np = 0, maxp = 0, r = -1;
	char nodeset[16];

	snprintf(nodeset, sizeof(nodeset), "%d", node);
	if (virTypedParamsAddInt(&p, &np, &maxp, VIR_DOMAIN_NUMA_MODE,
				 strict ? VIR_DOMAIN_NUMATUNE_MEM_STRICT
					: VIR_DOMAIN_NUMATUNE_MEM_PREFERRED) == 0 &&
	    virTypedParamsAddString(&p, &np, &maxp, VIR_DOMAIN_NUMA_NODESET, nodeset) == 0)
		r = virDomainSetNumaParameters(d, p, np, flags);
	virTypedParamsFree(p, np);
	return r;
}

/* The persistent XML edited by hand: <numatune><memory mode= nodeset=/></numatune>. */
static int
numa_edit(xmlDocPtr doc, int node, bool strict)
{
	static const char *const after[] = {"cputune", "vcpu", "memoryBacking", "currentMemory",
					    NULL};
	xmlNodePtr root = xmlDocGetRootElement(doc), nt = child(root, "numatune"), mem;
	char nodeset[16];
	bool ok = true;

	if (!nt) {
		nt = xmlNewNode(NULL, X("numatune"));
		if (!nt || !insert_in_domain(root, nt, after)) {
			xmlFreeNode(nt);
			return -ENOMEM;
		}
	}
	mem = child(nt, "memory");
	if (!mem)
		mem = add_child(nt, "memory", &ok);
	snprintf(nodeset, sizeof(nodeset), "%d", node);
	set_attr(mem, "mode", strict ? "strict" : "preferred", &ok);
	set_attr(mem, "nodeset", nodeset, &ok);
	if (ok)
		xmlUnsetProp(mem, X("placement"));
	return ok ? 0 : -ENOMEM;
}

/* Does the XML (live: flags 0, persistent: INACTIVE) already say so? 1 yes, 0 no, -errno. */
static int
numa_is(struct agent_virt *v, virDomainPtr d, const char *name, unsigned int flags, int node,
	bool strict)
{
	xmlDocPtr doc;
	int r = read_doc(v, d, name, flags, &doc);

	if (r < 0)
		return r;
	r = numa_matches(doc, node, strict);
	xmlFreeDoc(doc);
	return r;
}

static int
numa_persistent(struct agent_virt *v, virDomainPtr d, const char *name, int node, bool strict,
		bool active)
{
	const unsigned int flags = VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE;
	xmlDocPtr doc;
	int r = numa_is(v, d, name, flags, node, strict);

	if (r != 0)
		return r < 0 ? r : 0;
	/* flags 0 is the persistent config of a domain that is not running */
	if (numa_call(d, node, strict, active ? VIR_DOMAIN_AFFECT_CONFIG : 0) == 0 &&
	    numa_is(v, d, name, flags, node, strict) == 1)
		return 1;
	r = read_doc(v, d, name, flags, &doc);
	if (r < 0)
		return r;
	r = numa_edit(doc, node, strict);
	if (r == 0)
		r = define_doc(v, d, name, doc);
	xmlFreeDoc(doc);
	if (r == 0 && numa_is(v, d, name, flags, node, strict) != 1)
		r = agent_virt_priv_error(v, -EIO,
					  "domain '%s': libvirt did not keep <numatune> nodeset %d "
					  "(check the domain's XML)",
					  name, node);
	return r < 0 ? r : 1;
}

int
agent_virt_set_numatune_ex(struct agent_virt *v, const char *name, int node, bool strict,
			   bool *ret_live_skipped)
{
	bool skipped = false, persistent, active;
	int r = 0, changed = 0;
	virDomainPtr d;

	if (node < 0) {
		if (ret_live_skipped)
			*ret_live_skipped = false;
		return 0;
	}
	d = agent_virt_priv_lookup(v, name, &r);
	if (!d)
		return r;
	persistent = virDomainIsPersistent(d) == 1;
	active = virDomainIsActive(d) == 1;
	if (active) {
		r = numa_is(v, d, name, 0, node, strict);
		if (r < 0)
			goto out;
		if (r == 0 && numa_call(d, node, strict, 0) == 0) {
			changed = 1;
		} else if (r == 0) {
			/* QEMU refuses a mode change of a running domain, or has no cpuset
			 * cgroup: the persistent config still gets it */
			r = agent_virt_priv_fail(v, "domain '%s': cannot set numatune live", name);
			if (r == -ENOENT)
				goto out;
			skipped = true;
		}
		r = 0;
	}
	if (persistent) {
		r = numa_persistent(v, d, name, node, strict, active);
		changed |= r > 0;
	}
	if (r >= 0 && skipped && !persistent)
		r = -EOPNOTSUPP;
out:
	virDomainFree(d);
	if (r < 0)
		return r;
	if (ret_live_skipped)
		*ret_live_skipped = skipped;
	return changed;
}

int
agent_virt_set_numatune(struct agent_virt *v, const char *name, int node, bool strict)
{
	return agent_virt_set_numatune_ex(v, name, node, strict, NULL);
}
