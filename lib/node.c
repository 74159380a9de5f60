/* node.c: this node's names (see node.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "node.h"
#include "paths.h"

/* a and b equal ignoring case and one final '.' on either; with label,
 * a may also be b's first label ("vc1" for "vc1.example.com") */
static int
name_eq(const char *a, const char *b, int label)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *dot;

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	if (la == 0)
		return 0;
	if (la == lb && strncasecmp(a, b, la) == 0)
		return 1;
	return label && (dot = strchr(b, '.')) != NULL && (size_t)(dot - b) == la &&
	    strncasecmp(a, b, la) == 0;
}

/* name as an address (brackets and an IPv6 %zone dropped): 4 or 6, else 0 */
static int
parse_addr(const char *name, unsigned char *a)
{
	char buf[INET6_ADDRSTRLEN + 2], *p;
	size_t n = strlen(name);

	if (n >= sizeof(buf))
		return 0;
	if (name[0] == '[' && n > 2 && name[n - 1] == ']') {
		memcpy(buf, name + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, name, n + 1);
	}
	if (inet_pton(AF_INET, buf, a) == 1)
		return 4;
	if ((p = strchr(buf, '%')) != NULL)
		*p = '\0';
	return inet_pton(AF_INET6, buf, a) == 1 ? 6 : 0;
}

static int
addr_is_me(int fam, const unsigned char *a)
{
	static const unsigned char lo6[16] = { [15] = 1 };
	struct ifaddrs *ifs = NULL, *i;
	int me = 0;

	if ((fam == 4 && a[0] == 127) || (fam == 6 && memcmp(a, lo6, 16) == 0))
		return 1;
	if (getifaddrs(&ifs) != 0)
		return 0;
	for (i = ifs; i != NULL && !me; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (fam == 4 && i->ifa_addr->sa_family == AF_INET)
			me = memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, a, 4) == 0;
		else if (fam == 6 && i->ifa_addr->sa_family == AF_INET6)
			me = memcmp(&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, a,
			    16) == 0;
	}
	freeifaddrs(ifs);
	return me;
}

int
ck_node_is_me(const char *name)
{
	unsigned char a[16];
	char host[256], *fqdn = NULL;
	int fam, me = 0;

	if (name == NULL || *name == '\0')
		return 0;
	if ((fam = parse_addr(name, a)) != 0)
		return addr_is_me(fam, a);
	if (name_eq(name, "localhost", 0) || name_eq(name, "localhost.localdomain", 0))
		return 1;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		me = name_eq(name, host, 1);
	}
	if (!me && ck_node_fqdn(&fqdn) == 0)
		me = name_eq(name, fqdn, 1);
	free(fqdn);
	ck_err_clear();
	return me;
}

int
ck_cfg_node_defaults(struct ck_cfg *cfg, const char *given, int *fqdn_used)
{
	char *fqdn = NULL;
	int r = 0, need_cn = ck_cfg_get(cfg, CK_CFG_NAME) == NULL,
	    need_dns = ck_cfg_get(cfg, CK_CFG_HOSTNAME) == NULL;

	if (fqdn_used != NULL)
		*fqdn_used = 0;
	if (!need_cn && !need_dns)
		return 0;
	if (given != NULL) {
		if ((fqdn = strdup(given)) == NULL)
			return ck_errf(CK_E_NOMEM, "out of memory");
	} else if ((r = ck_node_fqdn(&fqdn)) != 0) {
		return r;
	}
	if ((need_cn && (r = ck_cfg_set(cfg, CK_CFG_NAME, fqdn)) != 0) ||
	    (need_dns && (r = ck_cfg_set(cfg, CK_CFG_HOSTNAME, fqdn)) != 0))
		goto out;
	if (fqdn_used != NULL)
		*fqdn_used = 1;
out:
	free(fqdn);
	return r;
}
