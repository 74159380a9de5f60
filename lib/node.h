/*
 * node.h: this node's names, as VMware's tools take them.
 *
 * VMware's certool talks to the VMCA of the host --server names; an
 * appliance deployed with an IP address as its identity passes that
 * address.  certkit serves only the local VMCA, so --server must name this
 * node by one of its names: ck_node_is_me says whether it does.  And the
 * vSphere API's defaults (ReplaceSpec, TlsCsr) put the node's FQDN in the
 * CN and the SAN when a certool.cfg leaves them out: ck_cfg_node_defaults.
 * Nothing here prints.
 */
#ifndef CK_NODE_H
#define CK_NODE_H

#include "cfg.h"

/*
 * 1 if name is this node: "localhost", a loopback address (127.0.0.0/8,
 * ::1, also in [brackets]), the host name or its first label, the FQDN
 * (ck_node_fqdn) or its first label (all compared case-insensitively, a
 * final '.' ignored), or the address of one of its interfaces
 * (getifaddrs; an IPv6 address also with a %zone).  0 otherwise.
 */
int ck_node_is_me(const char *name);

/*
 * Fill in what cfg leaves out from the node's FQDN (fqdn, or NULL for
 * ck_node_fqdn): Name (the CN) when unset, and Hostname (a DNS SAN) when
 * unset.  *fqdn_used (may be NULL) says whether anything was filled in.
 * Returns 0 or CK_E_*.
 */
int ck_cfg_node_defaults(struct ck_cfg *cfg, const char *fqdn, int *fqdn_used);

#endif
