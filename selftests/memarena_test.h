/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the memarena selftests: where the module is, whether
 * it is loaded, and whether its generic netlink family resolves.
 */
#ifndef MEMARENA_TEST_H
#define MEMARENA_TEST_H

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/memarena.h>
#include <linux/netlink.h>

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

/* --- shared by several tests ---------------------------------------------- */

#define NOBODY	65534

struct raw_reply {
	int error;		/* of the NLMSG_ERROR or NLMSG_DONE, 1 if none came */
	int replies;		/* other messages before it */
	bool done;		/* it was the NLMSG_DONE of a dump */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	long offs;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	long miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
};

static inline int raw_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The extack attributes of an error or done message, from byte @off. */
static inline void raw_extack(struct nlmsghdr *nlh, int off, struct raw_reply *r)
{
	int rem = (int)nlh->nlmsg_len - off;
	struct nlattr *a = (struct nlattr *)((char *)nlh + off);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	while (rem >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= rem) {
		void *data = (char *)a + NLA_HDRLEN;
		int dlen = a->nla_len - NLA_HDRLEN;

		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(r->msg, sizeof(r->msg), "%.*s", dlen, (char *)data);
		else if (a->nla_type == NLMSGERR_ATTR_OFFS && dlen == 4)
			r->offs = *(uint32_t *)data;
		else if (a->nla_type == NLMSGERR_ATTR_MISS_TYPE && dlen == 4)
			r->miss_type = *(uint32_t *)data;
		rem -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Send a request and read until its NLMSG_ERROR (an ack or an error) or,
 * for a dump, its NLMSG_DONE (the dump's error, 0 if it completed).  With
 * @addressed the request is sent to the kernel's address (sendto()), else
 * without one (send()): netlink_capable() then checks the socket's opener
 * as well as the sender.
 */
static inline int raw_transact_how(int fd, const void *req, size_t len,
				   uint32_t seq, struct raw_reply *r,
				   bool addressed)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static char buf[65536];
	struct nlmsghdr *nlh;
	ssize_t n;

	r->error = 1;
	r->replies = 0;
	r->done = false;
	r->msg[0] = '\0';
	r->offs = -1;
	r->miss_type = -1;
	if (addressed)
		n = sendto(fd, req, len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	else
		n = send(fd, req, len, 0);
	if (n != (ssize_t)len)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);
			int off;

			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				r->done = true;
				r->error = 0;
				off = NLMSG_HDRLEN + sizeof(int);
				if (nlh->nlmsg_len >= (uint32_t)off)
					r->error = *(int *)NLMSG_DATA(nlh);
				raw_extack(nlh, off, r);
				return 0;
			}
			if (nlh->nlmsg_type != NLMSG_ERROR) {
				r->replies++;
				continue;
			}
			r->error = e->error;
			off = NLMSG_HDRLEN + sizeof(*e);
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
			raw_extack(nlh, off, r);
			return 0;
		}
	}
}

static inline int raw_transact(int fd, const void *req, size_t len, uint32_t seq,
			struct raw_reply *r)
{
	return raw_transact_how(fd, req, len, seq, r, true);
}

/*
 * The module parameter that opens the per-class and per-CPU statistics
 * to every user (Documentation/memstats.rst, "Who may read what").
 */
#define STATS_PUBLIC_PARAM	"/sys/module/memarena/parameters/stats_public"

/* stats_public: 1 or 0, or -errno if it cannot be read. */
static inline int stats_public_get(void)
{
	char c = 0;
	int fd = open(STATS_PUBLIC_PARAM, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	close(fd);
	if (n != 1)
		return -EIO;
	return c == 'Y' || c == '1';
}

/* Set stats_public (root only); 0 or -errno. */
static inline int stats_public_set(int on)
{
	int fd = open(STATS_PUBLIC_PARAM, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, on ? "1" : "0", 1);
	close(fd);
	return n == 1 ? 0 : -EIO;
}

/* Raise or lower CAP_SYS_ADMIN in the effective set; 0 or -1. */
static inline int cap_sys_admin_effective(int on)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uint32_t bit = 1U << (CAP_SYS_ADMIN % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	if (on)
		data[CAP_SYS_ADMIN / 32].effective |= bit;
	else
		data[CAP_SYS_ADMIN / 32].effective &= ~bit;
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

/* Run fn() in a child, with the caller's credentials; its exit status. */
static inline int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Run fn() as uid/gid nobody in a child; its exit status. */
static inline int as_nobody(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(100);
		_exit(fn());
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif /* MEMARENA_TEST_H */
