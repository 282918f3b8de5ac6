/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the memarena selftests: where the module is, whether
 * it is loaded, and whether its generic netlink family resolves.
 */
#ifndef MEMARENA_TEST_H
#define MEMARENA_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/memarena.h>

/*
 * Path of memarena.ko: $MEMARENA_KO, else module/memarena.ko of the tree
 * this binary was built in (binaries live in build/selftests/).
 */
static inline const char *memarena_ko_path(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	const char *env = getenv("MEMARENA_KO");
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return "module/memarena.ko";
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../module/memarena.ko",
		 dirname(exe));
	return path;
}

static inline int memarena_loaded(void)
{
	return access("/sys/module/memarena", F_OK) == 0;
}

/* Load a module file; returns 0 or -errno. */
static inline int load_module_file(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload a module by name; returns 0 or -errno. */
static inline int unload_module(const char *name)
{
	if (syscall(__NR_delete_module, name, O_NONBLOCK))
		return -errno;
	return 0;
}

/*
 * Resolve the memarena generic netlink family with libnl.
 * Returns its id (> 0), or a negative libnl error (-NLE_OBJ_NOTFOUND when
 * no such family is registered).
 */
static inline int memarena_family_id(void)
{
	struct nl_sock *sk;
	int id;

	sk = nl_socket_alloc();
	if (!sk)
		return -NLE_NOMEM;
	id = genl_connect(sk);
	if (!id)
		id = genl_ctrl_resolve(sk, MEMARENA_GENL_NAME);
	nl_socket_free(sk);
	return id;
}

#endif /* MEMARENA_TEST_H */
