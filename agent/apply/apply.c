// SPDX-License-Identifier: BSD-3-Clause
/* nfpathd's apply step (apply.h): orchestration, the journal, VFs, libvirt and IRQs. The
 * datapath's part is in apply-dp.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply-dp.h"
#include "apply-run.h"
#include "apply.h"
#include "irqbalance.h"

/* ---- the node as vf-manager sees it -----------------------------------------------------------
 */

static void
reload_inventory(struct apply_run *r)
{
	agent_node_reload_inventory(r->node);
}

/* ---- VFs ------------------------------------------------------------------------------------- */

/* What the policy wants a VF to be for workload w. */
static void
want_vf_config(const struct agent_workload *w, struct vfm_vf_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mask = VFM_VF_VLAN | VFM_VF_SPOOFCHK | VFM_VF_TRUST | VFM_VF_LINK_STATE | VFM_VF_RATE;
	if (w->has_mac) {
		c->mask |= VFM_VF_MAC;
		memcpy(c->mac, w->mac, VFM_MAC_LEN);
	}
	c->vlan = w->vlan;
	c->qos = w->vlan ? w->qos : 0;
	c->vlan_proto =
		w->vlan_proto == AGENT_VLAN_8021AD ? VFM_VLAN_PROTO_8021AD : VFM_VLAN_PROTO_8021Q;
	c->spoofchk = w->spoofchk;
	c->trust = w->trust;
	c->link_state = w->link_state == AGENT_LINK_ENABLE    ? VFM_LINK_ENABLE
			: w->link_state == AGENT_LINK_DISABLE ? VFM_LINK_DISABLE
							      : VFM_LINK_AUTO;
	c->min_tx_rate = w->min_tx_rate;
	c->max_tx_rate = w->max_tx_rate;
}

/* The fields of 'want' that 'have' does not show (unreadable fields count as different). */
static uint32_t
vf_config_diff(const struct vfm_vf_config *want, const struct vfm_vf_config *have)
{
	uint32_t m = 0;

	if ((want->mask & VFM_VF_MAC) &&
	    (!(have->mask & VFM_VF_MAC) || memcmp(want->mac, have->mac, VFM_MAC_LEN) != 0))
		m |= VFM_VF_MAC;
	if ((want->mask & VFM_VF_VLAN) &&
	    (!(have->mask & VFM_VF_VLAN) || want->vlan != have->vlan ||
	     (want->vlan && (want->qos != have->qos || want->vlan_proto != have->vlan_proto))))
		m |= VFM_VF_VLAN;
	if ((want->mask & VFM_VF_SPOOFCHK) &&
	    (!(have->mask & VFM_VF_SPOOFCHK) || want->spoofchk != have->spoofchk))
		m |= VFM_VF_SPOOFCHK;
	if ((want->mask & VFM_VF_TRUST) &&
	    (!(have->mask & VFM_VF_TRUST) || want->trust != have->trust))
		m |= VFM_VF_TRUST;
	if ((want->mask & VFM_VF_LINK_STATE) &&
	    (!(have->mask & VFM_VF_LINK_STATE) || want->link_state != have->link_state))
		m |= VFM_VF_LINK_STATE;
	if ((want->mask & VFM_VF_RATE) &&
	    (!(have->mask & VFM_VF_RATE) || want->min_tx_rate != have->min_tx_rate ||
	     want->max_tx_rate != have->max_tx_rate))
		m |= VFM_VF_RATE;
	return m;
}

/* Create the VFs the plan needs (sriov_numvfs). */
static void
create_vfs(struct apply_run *r)
{
	bool reload = false;

	for (size_t i = 0; i < r->plan->n_actions; i++) {
		const struct agent_action *a = &r->plan->actions[i];
		const struct vfm_pf *pf;
		int ret;

		if (a->type != AGENT_ACT_CREATE_VFS)
			continue;
		r->res->checked++;
		pf = agent_node_pf(r->node, a->pf);
		if (pf && pf->num_vfs >= 0 && (unsigned)pf->num_vfs >= a->vf)
			continue;
		ret = vfm_pf_set_num_vfs(r->node->vfm, a->pf, a->vf, 0);
		if (ret < 0) {
			apply_problem(r, "create %u VFs on %s: %s%s", a->vf, a->pf,
				      vfm_ctx_last_error(r->node->vfm)
					      ? vfm_ctx_last_error(r->node->vfm)
					      : strerror(-ret),
				      ret == -EBUSY ? " (a VF is in use: free it, or lower the "
						      "policy's max_vfs to the VFs that exist)"
						    : "");
			continue;
		}
		apply_changed(r, "created %u VFs on %s (sriov_numvfs)", a->vf, a->pf);
		reload = true;
	}
	if (reload)
		reload_inventory(r);
}

/* Journal a VF's original state before nfpathd first changes it. */
static int
journal_vf_original(struct apply_run *r, const struct vfm_pf *pf, unsigned int vf)
{
	struct vfm_vf_saved saved;
	int ret;

	if (agent_journal_find_vf(r->node->journal, pf->id, vf) ||
	    agent_journal_find_vf(r->node->journal, pf->netdev, vf))
		return 0;
	ret = vfm_vf_save(r->node->vfm, pf->netdev[0] ? pf->netdev : pf->id, vf, &saved);
	if (ret < 0) {
		apply_problem(r, "VF %s#%u: cannot read its state to journal it: %s", pf->netdev,
			      vf, strerror(-ret));
		return ret;
	}
	ret = agent_journal_add_vf(r->node->journal, &saved);
	if (ret < 0)
		return ret;
	return apply_journal_save(r) < 0 ? -EIO : 0;
}

static void
pin_irqs(struct apply_run *r, const struct vfm_vf *vf, const struct vfm_cpuset *cpus)
{
	json_t *irqs = json_array();
	unsigned int managed = 0, pinned = 0;

	for (size_t i = 0; i < vf->n_irqs; i++) {
		struct vfm_cpuset have;
		bool is_managed = false;
		int ret;

		r->res->checked++;
		if (vfm_irq_get_affinity(r->node->vfm, vf->irqs[i], &have) != 0 ||
		    !vfm_cpuset_equal(&have, cpus)) {
			ret = vfm_irq_set_affinity(r->node->vfm, vf->irqs[i], cpus);
			if (ret == VFM_IRQ_MANAGED) {
				is_managed = true;
				managed++;
			} else if (ret < 0) {
				apply_problem(r, "IRQ %u of VF %s: %s", vf->irqs[i], vf->pci,
					      strerror(-ret));
			} else {
				pinned++;
			}
			if (vfm_irq_get_affinity(r->node->vfm, vf->irqs[i], &have) != 0)
				memset(&have, 0, sizeof(have));
		}
		json_array_append_new(
			irqs, json_pack("{s:I,s:o,s:b}", "irq", (json_int_t)vf->irqs[i], "cpus",
					apply_cpus_json(&have), "managed", is_managed));
		if (!is_managed)
			json_array_append_new(r->irqs_owned, json_integer(vf->irqs[i]));
	}
	if (pinned)
		apply_changed(r, "pinned %u IRQs of VF %s", pinned, vf->pci);
	if (managed)
		apply_note(r,
			   "VF %s: %u IRQs are managed by the kernel (affinity follows the CPUs "
			   "that use them; not an error)",
			   vf->pci, managed);
	json_object_set_new(r->pl, "irqs", irqs);
}

/* The VF half of a VF placement: exists, original journalled, configured, bound, IRQs. */
static void
ensure_vf(struct apply_run *r, const struct agent_alloc_entry *e, const struct agent_workload *w)
{
	const struct agent_nic *nic = &r->p->nics[w->nic];
	const struct vfm_pf *pf = agent_node_pf(r->node, e->pf);
	const struct vfm_vf *vf = agent_node_vf(pf, e->vf);
	struct vfm_vf_config want, have;
	uint32_t diff;
	int ret;

	r->res->checked++;
	if (!pf || !vf) {
		apply_problem(r, "'%s': VF %s#%u does not exist (sriov_numvfs %d)", e->workload,
			      e->pf, e->vf, pf ? pf->num_vfs : -1);
		return;
	}
	json_object_set_new(r->pl, "pci", vf->pci[0] ? json_string(vf->pci) : json_null());
	want_vf_config(w, &want);
	ret = vfm_vf_get_config(r->node->vfm, pf->netdev, e->vf, &have);
	if (ret < 0)
		memset(&have, 0, sizeof(have));
	diff = vf_config_diff(&want, &have);
	if (diff) {
		if (journal_vf_original(r, pf, e->vf) < 0)
			return;
		want.mask = diff;
		ret = vfm_vf_set_config(r->node->vfm, pf->netdev, e->vf, &want);
		if (ret < 0) {
			apply_problem(
				r, "'%s': configure VF %s#%u: %s", e->workload, pf->netdev, e->vf,
				vfm_ctx_last_error(r->node->vfm) ? vfm_ctx_last_error(r->node->vfm)
								 : strerror(-ret));
			return;
		}
		apply_changed(r, "configured VF %s#%u (%s) for '%s' (fields 0x%x)", pf->netdev,
			      e->vf, vf->pci, e->workload, (unsigned)diff);
	}
	/* An NF drives its VF from user space: bind it to the NIC's VF driver. A VM's hostdev is
	 * managed='yes': libvirt binds it to vfio-pci when the VM starts. */
	if (w->type == AGENT_WORKLOAD_NF && nic->vf_driver && vf->has_pci &&
	    strcmp(vf->driver, nic->vf_driver) != 0) {
		r->res->checked++;
		if (journal_vf_original(r, pf, e->vf) < 0)
			return;
		ret = vfm_vf_bind(r->node->vfm, pf->netdev, e->vf, nic->vf_driver);
		if (ret < 0)
			apply_problem(r, "'%s': bind VF %s to %s: %s", e->workload, vf->pci,
				      nic->vf_driver,
				      vfm_ctx_last_error(r->node->vfm)
					      ? vfm_ctx_last_error(r->node->vfm)
					      : strerror(-ret));
		else
			apply_changed(r, "bound VF %s to %s for NF '%s'", vf->pci, nic->vf_driver,
				      e->workload);
		/* A driver change frees or allocates the VF's IRQs (vfio-pci has none until the
		 * NF opens the device): pin the ones it has now, not the ones it had. */
		if (ret == 0 && agent_node_reload_inventory(r->node) == 0) {
			pf = agent_node_pf(r->node, e->pf);
			vf = agent_node_vf(pf, e->vf);
		}
	}
	if (vf && vfm_cpuset_count(&e->cpus))
		pin_irqs(r, vf, &e->cpus);
}

/* Put a VF back as it was before nfpathd (journal), and its IRQs to every CPU. */
static void
release_vf(struct apply_run *r, const char *pf_name, unsigned int vfi)
{
	const struct vfm_pf *pf = agent_node_pf(r->node, pf_name);
	const struct vfm_vf *vf = agent_node_vf(pf, vfi);
	const struct vfm_vf_saved *saved;
	int ret;

	r->res->checked++;
	if (!pf)
		return;
	saved = agent_journal_find_vf(r->node->journal, pf->id, vfi);
	if (!saved)
		saved = agent_journal_find_vf(r->node->journal, pf->netdev, vfi);
	if (saved) {
		char key[32];

		ret = vfm_vf_restore(r->node->vfm, saved);
		if (ret < 0 && ret != -ENODEV && ret != -EINVAL) {
			apply_problem(r, "release VF %s#%u: restore failed: %s", pf->netdev, vfi,
				      strerror(-ret));
			return;
		}
		snprintf(key, sizeof(key), "%s", saved->pf);
		agent_journal_remove_vf(r->node->journal, key, vfi);
		if (apply_journal_save(r) < 0)
			return;
		apply_changed(r, "released VF %s#%u (original state restored)", pf->netdev, vfi);
	}
	for (size_t i = 0; vf && i < vf->n_irqs; i++) {
		struct vfm_cpuset have;

		if (vfm_irq_get_affinity(r->node->vfm, vf->irqs[i], &have) == 0 &&
		    !vfm_cpuset_equal(&have, &r->all_cpus) &&
		    vfm_irq_set_affinity(r->node->vfm, vf->irqs[i], &r->all_cpus) == VFM_IRQ_PINNED)
			apply_changed(r, "IRQ %u of released VF %s back on every CPU", vf->irqs[i],
				      vf->pci);
	}
}

/* ---- libvirt --------------------------------------------------------------------------------- */

static const char *
domain_of(const struct apply_run *r, const char *workload)
{
	const struct agent_workload *w = agent_policy_workload(r->p, workload);

	return w && w->domain ? w->domain : workload;
}

/* libvirt usable? Says why not, once per run. */
static bool
virt_ready(struct apply_run *r, const char *workload)
{
	const char *uri = r->node->libvirt_uri;

	if (r->node->virt)
		return true;
	if (!uri || !uri[0]) {
		if (!r->virt_off_noted)
			apply_note(r, "libvirt is off (no libvirt_uri): VM interfaces and pins "
				      "are not applied");
		r->virt_off_noted = true;
		return false;
	}
	apply_problem(r, "'%s': libvirt %s unreachable: %s", workload, uri,
		      r->node->virt_error[0] ? r->node->virt_error : "not connected");
	r->res->waiting_libvirt++;
	return false;
}

static void
ensure_vm_pins(struct apply_run *r, const struct agent_alloc_entry *e, const char *dom)
{
	json_t *vcpus = json_array();
	struct vfm_cpuset have;
	int n = agent_virt_vcpu_count(r->node->virt, dom);

	for (int i = 0; i < n && vfm_cpuset_count(&e->cpus); i++) {
		r->res->checked++;
		if (agent_virt_get_vcpu_pin(r->node->virt, dom, (unsigned)i, &have) != 0 ||
		    !vfm_cpuset_equal(&have, &e->cpus)) {
			if (agent_virt_pin_vcpu(r->node->virt, dom, (unsigned)i, &e->cpus) < 0) {
				apply_problem(r, "'%s': pin vCPU %d of domain '%s': %s",
					      e->workload, i, dom,
					      agent_virt_last_error(r->node->virt));
				continue;
			}
			apply_changed(r, "pinned vCPU %d of '%s'", i, dom);
			agent_virt_get_vcpu_pin(r->node->virt, dom, (unsigned)i, &have);
		}
		json_array_append_new(vcpus, apply_cpus_json(&have));
	}
	memset(&have, 0, sizeof(have));
	if (vfm_cpuset_count(&e->emulator_cpus)) {
		r->res->checked++;
		if (agent_virt_get_emulator_pin(r->node->virt, dom, &have) != 0 ||
		    !vfm_cpuset_equal(&have, &e->emulator_cpus)) {
			if (agent_virt_pin_emulator(r->node->virt, dom, &e->emulator_cpus) < 0)
				apply_problem(r, "'%s': pin the emulator of domain '%s': %s",
					      e->workload, dom,
					      agent_virt_last_error(r->node->virt));
			else
				apply_changed(r, "pinned the emulator threads of '%s'", dom);
			agent_virt_get_emulator_pin(r->node->virt, dom, &have);
		}
	}
	if (e->numa_node >= 0) {
		const struct agent_workload *w = agent_policy_workload(r->p, e->workload);
		int ret;

		r->res->checked++;
		ret = agent_virt_set_numatune(r->node->virt, dom, e->numa_node,
					      w && w->numa_affinity == AGENT_NUMA_REQUIRED);
		if (ret < 0)
			apply_note(r, "'%s': numatune of domain '%s' not set: %s", e->workload, dom,
				   agent_virt_last_error(r->node->virt));
		else if (ret > 0)
			apply_changed(r, "numatune of '%s': memory on NUMA node %d", dom,
				      e->numa_node);
	}
	json_object_set_new(r->pl, "libvirt",
			    json_pack("{s:s,s:o,s:o}", "domain", dom, "vcpupin", vcpus,
				      "emulatorpin", apply_cpus_json(&have)));
}

static void
ensure_vm(struct apply_run *r, const struct agent_alloc_entry *e, const char *vhost_socket)
{
	const char *dom = domain_of(r, e->workload);
	bool skipped = false;
	int ret;

	if (!virt_ready(r, e->workload))
		return;
	ret = agent_virt_is_active(r->node->virt, dom);
	if (ret == -ENOENT) {
		apply_problem(r,
			      "'%s': libvirt has no domain '%s' (define it, or set the workload's "
			      "'domain' to its name)",
			      e->workload, dom);
		return;
	}
	r->res->checked++;
	if (e->place == AGENT_PLACE_VF) {
		const struct vfm_vf *vf = agent_node_vf(agent_node_pf(r->node, e->pf), e->vf);
		struct vfm_pci_addr pci;

		if (!vf || !vf->has_pci || vfm_pci_addr_parse(vf->pci, &pci) != 0) {
			apply_problem(r, "'%s': VF %s#%u has no PCI address to give the VM",
				      e->workload, e->pf, e->vf);
			return;
		}
		ret = agent_virt_ensure_hostdev_iface(r->node->virt, dom, e->mac, &pci, e->vlan,
						      &skipped);
	} else if (vhost_socket) {
		ret = agent_virt_ensure_vhostuser_iface(r->node->virt, dom, e->mac, vhost_socket,
							&skipped);
	} else {
		ret = 0;
	}
	if (ret < 0)
		apply_problem(r, "'%s': interface of domain '%s': %s", e->workload, dom,
			      agent_virt_last_error(r->node->virt));
	else if (ret > 0)
		apply_changed(r, "domain '%s': %s interface for %s", dom,
			      e->place == AGENT_PLACE_VF ? "hostdev VF" : "vhost-user",
			      e->workload);
	if (skipped && ret > 0)
		apply_note(r, "domain '%s': interface in its persistent config only (%s)", dom,
			   agent_virt_last_error(r->node->virt));
	ensure_vm_pins(r, e, dom);
}

/* Take the interface an old entry gave its VM out of the domain, if it is still that one. */
static void
remove_vm_iface(struct apply_run *r, const struct agent_alloc_entry *e, const char *vhost_socket)
{
	const char *dom = domain_of(r, e->workload);
	struct agent_virt_iface *ifs = NULL;
	size_t n = 0;
	bool skipped = false, ours = false;
	const struct vfm_vf *vf = NULL;

	if (!r->node->virt || !e->has_mac)
		return;
	if (e->place == AGENT_PLACE_VF)
		vf = agent_node_vf(agent_node_pf(r->node, e->pf), e->vf);
	if (agent_virt_get_ifaces(r->node->virt, dom, true, &ifs, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char pci[32] = "";

		if (!ifs[i].has_mac || memcmp(ifs[i].mac, e->mac, VFM_MAC_LEN) != 0)
			continue;
		if (ifs[i].has_pci)
			vfm_pci_addr_format(&ifs[i].pci, pci, sizeof(pci));
		if (e->place == AGENT_PLACE_VF)
			ours = strcmp(ifs[i].type, "hostdev") == 0 && vf &&
			       strcmp(pci, vf->pci) == 0;
		else
			ours = strcmp(ifs[i].type, "vhostuser") == 0 &&
			       (!vhost_socket || strcmp(ifs[i].socket, vhost_socket) == 0);
	}
	free(ifs);
	r->res->checked++;
	if (ours && agent_virt_remove_iface(r->node->virt, dom, e->mac, &skipped) > 0)
		apply_changed(r, "domain '%s': removed the %s interface of the old path", dom,
			      e->place == AGENT_PLACE_VF ? "hostdev VF" : "vhost-user");
}

/* ---- entries --------------------------------------------------------------------------------- */

static bool
same_resource(const struct agent_alloc_entry *a, const struct agent_alloc_entry *b)
{
	if (strcmp(a->workload, b->workload) != 0 || a->place != b->place || a->type != b->type)
		return false;
	if (a->place == AGENT_PLACE_VF)
		return a->pf && b->pf && strcmp(a->pf, b->pf) == 0 && a->vf == b->vf;
	return a->has_mac == b->has_mac && (!a->has_mac || memcmp(a->mac, b->mac, 6) == 0) &&
	       a->vlan == b->vlan;
}

static bool
vf_wanted(const struct apply_run *r, const char *pf, unsigned int vf)
{
	for (size_t i = 0; i < r->want->n; i++) {
		const struct agent_alloc_entry *e = &r->want->entries[i];

		if (e->place == AGENT_PLACE_VF && strcmp(e->pf, pf) == 0 && e->vf == vf)
			return true;
	}
	return false;
}

/* Take down what an old allocation entry had. */
static void
remove_entry(struct apply_run *r, const struct agent_alloc_entry *e)
{
	const struct agent_alloc_entry *now = agent_alloc_find(r->want, e->workload);

	agent_node_log(r->node, AGENT_LOG_DEBUG, "apply: take down the old %s path of '%s'",
		       agent_place_name(e->place), e->workload);
	if (e->place == AGENT_PLACE_VF) {
		if (e->type == AGENT_WORKLOAD_VM)
			remove_vm_iface(r, e, NULL);
		if (!vf_wanted(r, e->pf, e->vf))
			release_vf(r, e->pf, e->vf);
	} else {
		char sock[256] = "";

		apply_dp_remove_software(r, e, sock, sizeof(sock));
		/* Still software with the same MAC (its VLAN changed): the same interface. */
		if (e->type == AGENT_WORKLOAD_VM &&
		    !(now && now->place == AGENT_PLACE_SOFTWARE && now->has_mac == e->has_mac &&
		      memcmp(now->mac, e->mac, VFM_MAC_LEN) == 0))
			remove_vm_iface(r, e, sock[0] ? sock : NULL);
	}
	/* A VM that left the policy: its pins go back to every CPU. */
	if (!now && e->type == AGENT_WORKLOAD_VM && r->node->virt) {
		const char *dom = domain_of(r, e->workload);
		int n = agent_virt_vcpu_count(r->node->virt, dom);

		for (int i = 0; i < n && vfm_cpuset_count(&e->cpus); i++)
			agent_virt_pin_vcpu(r->node->virt, dom, (unsigned)i, &r->all_cpus);
		if (n > 0 && vfm_cpuset_count(&e->cpus))
			apply_changed(r, "domain '%s' left the policy: its vCPUs may run anywhere",
				      dom);
	}
}

static json_t *
placement_new(const struct agent_decision *dec)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s*,s:o,s:o,s:o,s:o}", "workload", dec->workload,
			      "type", agent_workload_type_name(dec->type), "place",
			      agent_place_name(dec->place), "reason", dec->reason, "numa_node",
			      dec->numa_node >= 0 ? json_integer(dec->numa_node) : json_null(),
			      "cpus", apply_cpus_json(&dec->cpus), "errors", json_array(),
			      "steering", json_null());

	if (o && dec->place == AGENT_PLACE_VF) {
		json_object_set_new(o, "pf", json_string(dec->pf));
		json_object_set_new(o, "vf", json_integer(dec->vf));
	}
	return o;
}

static void
ensure_entry(struct apply_run *r, const struct agent_alloc_entry *e)
{
	const struct agent_workload *w = agent_policy_workload(r->p, e->workload);
	char sock[256] = "";

	if (!w)
		return;
	json_object_set_new(r->pl, "emulator_cpus", apply_cpus_json(&e->emulator_cpus));
	if (e->place == AGENT_PLACE_VF) {
		ensure_vf(r, e, w);
	} else if (apply_dp_ensure_software(r, e, w, sock, sizeof(sock)) < 0) {
		return;
	}
	if (e->type == AGENT_WORKLOAD_VM)
		ensure_vm(r, e, sock[0] ? sock : NULL);
}

/* The IRQs this run pinned, kept out of irqbalance's hands (irqbalance.h): listed in the node's
 * irqbalance_banned file (what nfpath's irqbalance policy script reads), and irqbalance told to
 * rescan when the list changed. */
static void
irqbalance_commit(struct apply_run *r)
{
	const char *path = r->node->irqbalance_banned;
	size_t n = json_array_size(r->irqs_owned), i;
	unsigned int *irqs;
	char err[512];
	json_t *v;
	int ret;

	if (!path[0])
		return;
	irqs = calloc(n + 1, sizeof(*irqs));
	if (!irqs)
		return;
	json_array_foreach(r->irqs_owned, i, v)
	{
		irqs[i] = (unsigned int)json_integer_value(v);
	}
	ret = agent_irqbalance_write(path, irqs, n, err, sizeof(err));
	if (ret < 0) {
		apply_note(r, "%s", err);
	} else if (ret > 0) {
		int sig = agent_irqbalance_rescan(vfm_ctx_procfs_root(r->node->vfm), err,
						  sizeof(err));

		apply_changed(r, "%s: %zu IRQs kept from irqbalance (%s)", path, n,
			      sig > 0    ? "irqbalance told to rescan"
			      : sig == 0 ? "irqbalance not running"
					 : err);
	}
	free(irqs);
}

/* ---- the whole ------------------------------------------------------------------------------- */

/* An allocation the journal holds (NULL when it holds none or it cannot be read). */
static struct agent_alloc *
journal_alloc(json_t *o)
{
	struct agent_diags diags = {0};
	struct agent_alloc *a = NULL;

	if (json_is_object(o) && agent_alloc_from_json(o, &a, &diags) < 0)
		a = NULL;
	agent_diags_clear(&diags);
	return a;
}

struct agent_alloc *
agent_apply_current(const struct agent_node *n)
{
	const struct agent_journal *j = n->journal;
	json_t *o = json_is_object(j->pending) ? j->pending : j->applied;
	struct agent_alloc *a = journal_alloc(o);

	if (!a && json_is_object(o))
		agent_node_log(n, AGENT_LOG_WARNING,
			       "journal %s: its allocation cannot be read; planning from scratch",
			       n->journal_path);
	return a;
}

/* What may be on the node from before: the journal's applied, pending and orphaned targets. */
static void
load_olds(struct apply_run *r, const struct agent_journal *j)
{
	const size_t max = sizeof(r->olds) / sizeof(r->olds[0]);
	json_t *all = json_array(), *o;
	size_t k;

	json_array_append(all, j->applied);
	json_array_append(all, j->pending);
	json_array_extend(all, j->orphans);
	json_array_foreach(all, k, o)
	{
		struct agent_alloc *a = r->n_olds < max ? journal_alloc(o) : NULL;

		if (a)
			r->olds[r->n_olds++] = a;
	}
	json_decref(all);
}

/* Old entries (applied, pending, orphaned targets) that the target does not have, each once. */
static size_t
collect_stale(struct apply_run *r, const struct agent_alloc_entry **out, size_t max)
{
	size_t n = 0;

	for (size_t k = 0; k < r->n_olds; k++) {
		for (size_t i = 0; i < r->olds[k]->n; i++) {
			const struct agent_alloc_entry *e = &r->olds[k]->entries[i];
			const struct agent_alloc_entry *now =
				agent_alloc_find(r->want, e->workload);
			bool dup = false;

			if (now && same_resource(now, e))
				continue;
			for (size_t j = 0; j < n; j++)
				dup |= same_resource(out[j], e);
			if (!dup && n < max)
				out[n++] = e;
		}
	}
	return n;
}

int
agent_apply(struct agent_node *node, const struct agent_policy *policy,
	    const struct agent_inventory *inv, const struct agent_plan *plan,
	    struct agent_apply_result *res)
{
	struct apply_run run = {.node = node,
				.p = policy,
				.inv = inv,
				.plan = plan,
				.want = plan->result,
				.res = res};
	struct agent_journal *j = node->journal;
	struct apply_run *r = &run;
	const struct agent_alloc_entry **stale = NULL;
	size_t n_stale, n_old_entries = 0;
	json_t *want_json;
	int ret = 0;

	for (size_t i = 0; i < inv->n_numa; i++)
		for (unsigned c = 0; c < VFM_CPUSET_MAX; c++)
			if (vfm_cpuset_isset(&inv->numa[i].cpus, c))
				vfm_cpuset_set(&run.all_cpus, c);
	load_olds(r, j);
	for (size_t k = 0; k < run.n_olds; k++)
		n_old_entries += run.olds[k]->n;
	run.irqs_owned = json_array();

	/* 0. Journal the target before touching anything. */
	want_json = agent_alloc_to_json(plan->result);
	if (!want_json) {
		ret = -ENOMEM;
		goto out;
	}
	if (!json_equal(want_json, j->applied) || json_is_object(j->pending)) {
		json_t *old_pending = j->pending;

		/* An interrupted apply's target that this one replaces (the policy changed in
		 * between) may have left things on the node: keep it as an orphan until they are
		 * taken down. */
		if (json_is_object(old_pending) && !json_equal(old_pending, want_json)) {
			if (json_array_size(j->orphans) >= AGENT_JOURNAL_ORPHANS_MAX) {
				agent_node_log(
					node, AGENT_LOG_WARNING,
					"journal: more than %d interrupted targets; the oldest is "
					"forgotten",
					AGENT_JOURNAL_ORPHANS_MAX);
				json_array_remove(j->orphans, 0);
			}
			json_array_append(j->orphans, old_pending);
		}
		j->pending = json_incref(want_json);
		json_decref(old_pending);
		if (apply_journal_save(r) < 0) {
			json_decref(want_json);
			ret = -EIO;
			goto out;
		}
	}
	apply_dp_begin(r);
	stale = calloc(n_old_entries + 1, sizeof(*stale));
	if (!stale) {
		json_decref(want_json);
		ret = -ENOMEM;
		goto out;
	}
	n_stale = collect_stale(r, stale, n_old_entries);

	/* 1. Workloads that left, and chains that left the policy. */
	apply_dp_remove_stale_chains(r);
	for (size_t i = 0; i < n_stale; i++) {
		if (!agent_alloc_find(r->want, stale[i]->workload))
			remove_entry(r, stale[i]);
	}
	/* 2. The target. */
	create_vfs(r);
	for (size_t i = 0; i < plan->n_actions; i++) {
		char cpus[256];

		if (plan->actions[i].type != AGENT_ACT_PIN_DATAPATH)
			continue;
		vfm_cpuset_format(&plan->actions[i].cpus, cpus, sizeof(cpus));
		apply_note(
			r,
			"nfpath-dp's lcores are fixed when it starts: the plan keeps CPUs %s for "
			"it (start it with --lcores on them, see nfpath-dp.service)",
			cpus);
	}
	for (size_t i = 0; i < plan->n_decisions; i++) {
		const struct agent_decision *dec = &plan->decisions[i];
		const struct agent_alloc_entry *e = agent_alloc_find(r->want, dec->workload);

		r->pl = placement_new(dec);
		if (e && dec->place != AGENT_PLACE_NONE)
			ensure_entry(r, e);
		json_array_append(res->placements, r->pl);
		json_decref(r->pl);
		r->pl = NULL;
	}
	apply_dp_ensure_chains(r);
	/* 3. The old paths of workloads that moved. */
	for (size_t i = 0; i < n_stale; i++) {
		if (agent_alloc_find(r->want, stale[i]->workload))
			remove_entry(r, stale[i]);
	}
	irqbalance_commit(r);
	/* 4. Done: the target is what the node has. */
	if (json_array_size(res->errors) == 0) {
		json_t *old = j->applied;

		j->applied = json_incref(want_json);
		json_decref(old);
		json_decref(j->pending);
		j->pending = json_null();
		json_array_clear(j->orphans);
		apply_journal_save(r);
	}
	json_decref(want_json);
	ret = json_array_size(res->errors) ? -EAGAIN : 0;
out:
	apply_dp_end(r);
	free(stale);
	json_decref(run.irqs_owned);
	for (size_t k = 0; k < run.n_olds; k++)
		agent_alloc_free(run.olds[k]);
	return ret;
}
