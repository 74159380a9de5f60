/* check_registry.c: services.conf parsing, validation and dependency order. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "registry.h"
#include "suites.h"

static struct ck_registry *
parse_ok(const char *text)
{
	struct ck_registry *reg = NULL;
	int r = ck_registry_parse("t.conf", text, strlen(text), &reg);

	ck_assert_msg(r == 0, "parse failed: %s", ck_err_detail());
	return reg;
}

/* Parse must fail with code and a detail holding want (file:line...). */
static void
parse_bad(const char *text, int code, const char *want)
{
	struct ck_registry *reg = NULL;
	int r = ck_registry_parse("t.conf", text, strlen(text), &reg);

	ck_assert_int_eq(r, code);
	ck_assert_ptr_null(reg);
	ck_assert_msg(strstr(ck_err_detail(), want) != NULL, "detail '%s' lacks '%s'",
	    ck_err_detail(), want);
}

START_TEST(t_full_service)
{
	struct ck_registry *reg = parse_ok(
	    "[registry]\nbackend = systemd\nsettle = 250ms\npoll = 30ms\n"
	    "[service vmafdd]\ndisplay = VMware Authentication Framework\n"
	    "aliases = vmware-vmafdd, afd\nstart = /usr/sbin/vmafdd -f\nstop = kill $CK_PID\n"
	    "probe = tls:127.0.0.1:2012\nstart_timeout = 1.5s\nstop_timeout = 2m\n"
	    "core = yes\nstartup = manual\nuser = nobody\nprofiles = HACore, ALL2\n"
	    "tls_endpoint = localhost:443\nunit = vmafd.service\ndirectory = /tmp\n");
	const struct ck_service *s = &reg->svc[0];

	ck_assert_int_eq(reg->backend, CK_BACKEND_SYSTEMD);
	ck_assert_int_eq(reg->settle_ms, 250);
	ck_assert_int_eq(reg->poll_ms, 30);
	ck_assert_uint_eq(reg->n, 1);
	ck_assert_str_eq(s->name, "vmafdd");
	ck_assert_str_eq(s->display, "VMware Authentication Framework");
	ck_assert_uint_eq(s->naliases, 2);
	ck_assert_str_eq(s->aliases[1], "afd");
	ck_assert_str_eq(s->stop, "kill $CK_PID");
	ck_assert_int_eq(s->probe, CK_PROBE_TLS);
	ck_assert_str_eq(s->probe_host, "127.0.0.1");
	ck_assert_int_eq(s->probe_port, 2012);
	ck_assert_int_eq(s->start_timeout_ms, 1500);
	ck_assert_int_eq(s->stop_timeout_ms, 120000);
	ck_assert_int_eq(s->core, 1);
	ck_assert_int_eq(s->manual, 1);
	ck_assert_str_eq(s->user, "nobody");
	ck_assert_uint_eq(s->nprofiles, 2);
	ck_assert_str_eq(s->tls_host, "localhost");
	ck_assert_int_eq(s->tls_port, 443);
	ck_assert_str_eq(s->unit, "vmafd.service");
	ck_assert_str_eq(s->dir, "/tmp");
	ck_assert_int_eq(s->line, 5);
	ck_registry_free(reg);
}
END_TEST

START_TEST(t_defaults)
{
	struct ck_registry *reg = parse_ok("[service a]\nstart = sleep 1 ; echo ; done\nprobe = tcp:8080\n"
	    "[service b]\nstart = x\nprobe = cmd: test -f ready\n[service c]\nstart = y\nprobe = file:r\n");

	ck_assert_int_eq(reg->backend, CK_BACKEND_BUILTIN);
	ck_assert_int_eq(reg->settle_ms, CK_REG_DEFAULT_SETTLE_MS);
	ck_assert_str_eq(reg->svc[0].display, "a");
	ck_assert_str_eq(reg->svc[0].start, "sleep 1 ; echo ; done");
	ck_assert_str_eq(reg->svc[0].unit, "a.service");
	ck_assert_str_eq(reg->svc[0].probe_host, "127.0.0.1");
	ck_assert_int_eq(reg->svc[0].probe, CK_PROBE_TCP);
	ck_assert_int_eq(reg->svc[0].start_timeout_ms, CK_REG_DEFAULT_START_TIMEOUT_MS);
	ck_assert_int_eq(reg->svc[1].probe, CK_PROBE_CMD);
	ck_assert_str_eq(reg->svc[1].probe_arg, "test -f ready");
	ck_assert_int_eq(reg->svc[2].probe, CK_PROBE_FILE);
	ck_assert_int_eq(reg->svc[2].manual, 0);
	ck_assert_int_eq(reg->svc[2].core, 0);
	ck_registry_free(reg);
}
END_TEST

START_TEST(t_errors)
{
	parse_bad("[service a]\nstart = x\nbogus = 1\n", CK_E_CONFIG, "t.conf:3: unknown key 'bogus'");
	parse_bad("[service a]\nstart = x\nstart = y\n", CK_E_CONFIG, "t.conf:3: duplicate key 'start'");
	parse_bad("[service a]\nstart = x\n\n[service b]\ndisplay = B\n", CK_E_CONFIG,
	    "t.conf:4: service b has no start command");
	parse_bad("[service a]\nstart = x\n[service empty]\n", CK_E_CONFIG, "t.conf:3: service empty has no start");
	parse_bad("[service a]\nstart = x\naliases = one\n[service b]\nstart = y\naliases = two, ONE\n",
	    CK_E_CONFIG, "t.conf:6: duplicate alias 'ONE'");
	parse_bad("[service a]\nstart = x\naliases = B\n[service b]\nstart = y\n", CK_E_CONFIG,
	    "t.conf:3: alias 'B' of service a is the name of service b");
	parse_bad("[service a]\nstart = x\nrequires = zzz\n", CK_E_CONFIG,
	    "t.conf:3: service a requires unknown service 'zzz'");
	parse_bad("[service a]\nstart = x\nrequires = a\n", CK_E_CYCLE, "t.conf:3: service a requires itself");
	parse_bad("[service a]\nstart = x\nrequires = b, b\n[service b]\nstart = y\n", CK_E_CONFIG, "twice");
	parse_bad("[service a]\nstart = x\n[service A]\nstart = y\n", CK_E_CONFIG,
	    "t.conf:3: service 'A' is already defined at line 1");
	parse_bad("[services a]\nstart = x\n", CK_E_CONFIG, "t.conf:1: unknown section");
	parse_bad("[service bad/name]\nstart = x\n", CK_E_CONFIG, "t.conf:1: invalid service name");
	parse_bad("start = x\n", CK_E_CONFIG, "t.conf:1: a key outside any section");
	parse_bad("[service a]\nstart = x\nprobe = udp:5\n", CK_E_CONFIG, "t.conf:3: unknown probe");
	parse_bad("[service a]\nstart = x\nprobe = tcp:70000\n", CK_E_CONFIG, "t.conf:3: bad probe");
	parse_bad("[service a]\nstart = x\nprobe = cmd:\n", CK_E_CONFIG, "t.conf:3: probe");
	parse_bad("[service a]\nstart = x\nstart_timeout = soon\n", CK_E_CONFIG, "t.conf:3: bad start_timeout");
	parse_bad("[service a]\nstart = x\nstop_timeout = 0\n", CK_E_CONFIG, "t.conf:3: bad stop_timeout");
	parse_bad("[service a]\nstart = x\ncore = maybe\n", CK_E_CONFIG, "t.conf:3: core must be");
	parse_bad("[service a]\nstart = x\nstartup = sometimes\n", CK_E_CONFIG, "t.conf:3: startup must be");
	parse_bad("[service a]\nstart = x\ntls_endpoint = 443\n", CK_E_CONFIG, "t.conf:3: bad tls_endpoint");
	parse_bad("[service a]\nstart = x\ndirectory = rel/dir\n", CK_E_CONFIG, "t.conf:3: directory");
	parse_bad("[service a]\nstart =\n", CK_E_CONFIG, "t.conf:2: empty start command");
	parse_bad("[service a]\nstart = x\naliases = ok, bad alias!\n", CK_E_CONFIG, "t.conf:3: invalid name");
	parse_bad("[registry]\nbackend = upstart\n", CK_E_CONFIG, "t.conf:2: backend must be");
	parse_bad("[registry]\npoll = 0\n", CK_E_CONFIG, "t.conf:2: bad poll");
	parse_bad("[registry]\nfoo = 1\n", CK_E_CONFIG, "t.conf:2: unknown key 'foo' in [registry]");
	parse_bad("[registry]\nsettle = 1s\nsettle = 2s\n", CK_E_CONFIG, "t.conf:3: duplicate key 'settle'");
	parse_bad("[service a]\nstart\n", CK_E_CONFIG, "t.conf:2");
}
END_TEST

START_TEST(t_cycle)
{
	parse_bad("[service a]\nstart = x\nrequires = c\n[service b]\nstart = y\nrequires = a\n"
	    "[service c]\nstart = z\nrequires = b\n", CK_E_CYCLE, "dependency cycle: a -> c -> b -> a");
	parse_bad("[service a]\nstart = x\n[service b]\nstart = y\nrequires = c\n"
	    "[service c]\nstart = z\nrequires = b\n", CK_E_CYCLE, "t.conf:8: dependency cycle: b -> c -> b");
}
END_TEST

/* position of service name in reg->order */
static int
pos(struct ck_registry *reg, const char *name)
{
	for (size_t k = 0; k < reg->n; k++)
		if (strcmp(reg->svc[reg->order[k]].name, name) == 0)
			return (int)k;
	return -1;
}

START_TEST(t_order)
{
	/* declared in reverse: the order must still put requirements first */
	struct ck_registry *reg = parse_ok(
	    "[service ui]\nstart = u\nrequires = proxy, vpxd\n"
	    "[service proxy]\nstart = p\nrequires = vmcad\n"
	    "[service vpxd]\nstart = v\nrequires = vmdird, vmcad\n"
	    "[service vmcad]\nstart = c\nrequires = vmdird\n"
	    "[service vmdird]\nstart = d\nrequires = vmafdd\n"
	    "[service vmafdd]\nstart = a\n"
	    "[service lone]\nstart = l\n");

	ck_assert_uint_eq(reg->n, 7);
	ck_assert_int_lt(pos(reg, "vmafdd"), pos(reg, "vmdird"));
	ck_assert_int_lt(pos(reg, "vmdird"), pos(reg, "vmcad"));
	ck_assert_int_lt(pos(reg, "vmcad"), pos(reg, "proxy"));
	ck_assert_int_lt(pos(reg, "vmcad"), pos(reg, "vpxd"));
	ck_assert_int_lt(pos(reg, "proxy"), pos(reg, "ui"));
	ck_assert_int_lt(pos(reg, "vpxd"), pos(reg, "ui"));
	ck_assert_int_ge(pos(reg, "lone"), 0);
	/* every index appears once */
	for (size_t i = 0; i < reg->n; i++)
		ck_assert_int_ge(pos(reg, reg->svc[i].name), 0);
	ck_registry_free(reg);
}
END_TEST

START_TEST(t_find_profile)
{
	struct ck_registry *reg = parse_ok(
	    "[service vpostgres]\nstart = a\naliases = vmware-vpostgres\nprofiles = HACore\n"
	    "[service m]\nstart = b\nstartup = manual\n");

	ck_assert_int_eq(ck_registry_find(reg, "vpostgres"), 0);
	ck_assert_int_eq(ck_registry_find(reg, "vmware-vpostgres"), 0);
	ck_assert_int_eq(ck_registry_find(reg, "VMware-VPostgres"), 0);
	ck_assert_int_eq(ck_registry_find(reg, "M"), 1);
	ck_assert_int_eq(ck_registry_find(reg, "vmca"), CK_E_NOENT);
	ck_assert_int_eq(ck_registry_in_profile(reg, 0, "hacore"), 1);
	ck_assert_int_eq(ck_registry_in_profile(reg, 1, "HACore"), 0);
	ck_assert_int_eq(ck_registry_in_profile(reg, 0, "ALL"), 1);
	ck_assert_int_eq(ck_registry_in_profile(reg, 1, "ALL"), 0);
	ck_registry_free(reg);
}
END_TEST

START_TEST(t_duration)
{
	long ms;

	ck_assert_int_eq(ck_parse_duration("250ms", &ms), 0);
	ck_assert_int_eq(ms, 250);
	ck_assert_int_eq(ck_parse_duration("5s", &ms), 0);
	ck_assert_int_eq(ms, 5000);
	ck_assert_int_eq(ck_parse_duration("1.5", &ms), 0);
	ck_assert_int_eq(ms, 1500);
	ck_assert_int_eq(ck_parse_duration("2m", &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(ck_parse_duration("", &ms), CK_E_INVAL);
	ck_assert_int_eq(ck_parse_duration("-1s", &ms), CK_E_INVAL);
	ck_assert_int_eq(ck_parse_duration("5h", &ms), CK_E_INVAL);
	ck_assert_int_eq(ck_parse_duration("99999999", &ms), CK_E_INVAL);
}
END_TEST

START_TEST(t_environment)
{
	struct ck_registry *reg = parse_ok("[service a]\nstart = x\n"
	    "environment = A=1 \"B=two words\" C=\"q\\\"x\" EMPTY=\n"
	    "pass_environment = HOME  LANG\n");
	const struct ck_service *s = &reg->svc[0];

	ck_assert_uint_eq(s->nenv, 4);
	ck_assert_str_eq(s->env[0], "A=1");
	ck_assert_str_eq(s->env[1], "B=two words");
	ck_assert_str_eq(s->env[2], "C=q\"x");
	ck_assert_str_eq(s->env[3], "EMPTY=");
	ck_assert_uint_eq(s->npass_env, 2);
	ck_assert_str_eq(s->pass_env[1], "LANG");
	ck_registry_free(reg);
	parse_bad("[service a]\nstart = x\nenvironment = A=1 SECRETVALUE\n", CK_E_CONFIG,
	    "t.conf:3: environment of service a: word 2 is not NAME=VALUE");
	/* a rejected value is never echoed: it may be a secret */
	ck_assert_ptr_null(strstr(ck_err_detail(), "SECRETVALUE"));
	parse_bad("[service a]\nstart = x\nenvironment = CK_SERVICE=b\n", CK_E_CONFIG, "not CK_*");
	parse_bad("[service a]\nstart = x\nenvironment = 1X=b\n", CK_E_CONFIG, "word 1");
	parse_bad("[service a]\nstart = x\nenvironment = A=1 A=2\n", CK_E_CONFIG, "names A twice");
	parse_bad("[service a]\nstart = x\nenvironment = \"A=1\n", CK_E_CONFIG, "quote is not closed");
	parse_bad("[service a]\nstart = x\npass_environment = A=1\n", CK_E_CONFIG,
	    "word 1 is not a variable NAME");
	parse_bad("[service a]\nstart = x\npass_environment = CK_PID\n", CK_E_CONFIG, "not CK_*");
}
END_TEST

START_TEST(t_swap_keys)
{
	struct ck_registry *reg = parse_ok("[registry]\nswap_policy = minimal\n"
	    "[service proxy]\nstart = x\ntls_endpoint = 127.0.0.1:443\nreload = signal:SIGHUP\n"
	    "[service app]\nstart = y\nuses = TRUSTED_ROOTS, MY_STORE/mine\nreload = kill -USR1 $CK_PID\n"
	    "restart_with_requires = yes\n"
	    "[service probed]\nstart = z\nprobe = tls:8443\n"
	    "[service probed2]\nstart = z\nprobe = tls:8444\nuses = OTHER\n"
	    "[service plain]\nstart = z\n");

	ck_assert_int_eq(reg->swap_policy, CK_POLICY_MINIMAL);
	ck_assert_int_eq(reg->svc[0].reload_signal, SIGHUP);
	ck_assert_str_eq(reg->svc[1].reload, "kill -USR1 $CK_PID");
	ck_assert_int_eq(reg->svc[1].restart_with_requires, 1);
	ck_assert_int_eq(reg->svc[0].restart_with_requires, 0);
	/* tls_endpoint: the machine certificate */
	ck_assert_int_eq(ck_registry_uses(reg, 0, "MACHINE_SSL_CERT", "__MACHINE_CERT"), 1);
	ck_assert_int_eq(ck_registry_uses(reg, 0, "MACHINE_SSL_CERT", "other"), 0);
	ck_assert_int_eq(ck_registry_uses(reg, 0, "TRUSTED_ROOTS", "x"), 0);
	/* a store: any alias; STORE/ALIAS: that one */
	ck_assert_int_eq(ck_registry_uses(reg, 1, "trusted_roots", "anything"), 1);
	ck_assert_int_eq(ck_registry_uses(reg, 1, "MY_STORE", "mine"), 1);
	ck_assert_int_eq(ck_registry_uses(reg, 1, "MY_STORE", "theirs"), 0);
	ck_assert_int_eq(ck_registry_uses(reg, 1, "MACHINE_SSL_CERT", "__MACHINE_CERT"), 0);
	/* a tls: probe counts unless uses = says what it serves */
	ck_assert_int_eq(ck_registry_uses(reg, 2, "MACHINE_SSL_CERT", "__MACHINE_CERT"), 1);
	ck_assert_int_eq(ck_registry_uses(reg, 3, "MACHINE_SSL_CERT", "__MACHINE_CERT"), 0);
	ck_assert_int_eq(ck_registry_uses(reg, 4, "MACHINE_SSL_CERT", "__MACHINE_CERT"), 0);
	ck_assert_int_eq(ck_registry_can_reload(reg, 0), 1);
	ck_assert_int_eq(ck_registry_can_reload(reg, 2), 0);
	ck_registry_free(reg);
	reg = parse_ok("[service a]\nstart = x\n");
	ck_assert_int_eq(reg->swap_policy, CK_POLICY_VMWARE);
	ck_registry_free(reg);
	parse_bad("[registry]\nswap_policy = fast\n", CK_E_CONFIG, "t.conf:2: swap_policy must be");
	parse_bad("[service a]\nstart = x\nuses =\n", CK_E_CONFIG, "t.conf:3: uses of service a");
	parse_bad("[service a]\nstart = x\nuses = A/B/C\n", CK_E_CONFIG, "word 1 is not STORE");
	parse_bad("[service a]\nstart = x\nuses = A/\n", CK_E_CONFIG, "word 1 is not STORE");
	parse_bad("[service a]\nstart = x\nreload = signal:KILL\n", CK_E_CONFIG, "unknown signal");
	parse_bad("[service a]\nstart = x\nreload =\n", CK_E_CONFIG, "empty reload");
	parse_bad("[service a]\nstart = x\nrestart_with_requires = often\n", CK_E_CONFIG,
	    "restart_with_requires must be");
}
END_TEST

START_TEST(t_load_file)
{
	struct ck_registry *reg = NULL;

	ck_assert_int_eq(ck_registry_load("/nonexistent/services.conf", &reg), CK_E_NOENT);
	ck_assert_ptr_null(reg);
}
END_TEST

Suite *
suite_registry(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("registry");

	tcase_add_test(tc, t_full_service);
	tcase_add_test(tc, t_defaults);
	tcase_add_test(tc, t_errors);
	tcase_add_test(tc, t_cycle);
	tcase_add_test(tc, t_order);
	tcase_add_test(tc, t_find_profile);
	tcase_add_test(tc, t_duration);
	tcase_add_test(tc, t_load_file);
	tcase_add_test(tc, t_environment);
	tcase_add_test(tc, t_swap_keys);
	suite_add_tcase(s, tc);
	return s;
}
